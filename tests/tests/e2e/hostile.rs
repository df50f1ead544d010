//! Odd and hostile drop folders (issue 9): one bad entry or one unmovable file never holds up
//! the others.

use bobosync_e2e::*;

const A: &str = "BOBO_20250617_080000_output.csv";
const B: &str = "BOBO_20250617_090000_output.csv";

#[test]
fn a_file_that_cannot_be_moved_on_holds_up_no_other_file() {
    let mut h = Harness::new(generate_users(10));
    // The processed folder cannot be created: its parent is a file.
    let blocked = h.env_path().join("processed");
    h.set("PROCESSED_DIRECTORY", &blocked.display().to_string());
    h.drop_file(A, bobo_row("BON", "00001", &stamp(0, "080000")));
    let first = h.once();
    first
        .assert_code(EXIT_FAILED)
        .assert_output_contains(&format!("{A}: its events are recorded, but cannot"));
    h.assert_duty(&login(1), Some(&athoc_on(0, "08:00:00")), &first);

    h.drop_file(B, bobo_row("BON", "00002", &stamp(0, "090000")));
    let second = h.once();
    second.assert_code(EXIT_FAILED);
    h.assert_duty(&login(2), Some(&athoc_on(0, "09:00:00")), &second);
    // A stayed, recognised by its hash: applied once only.
    let sets_of_1 = h
        .requests()
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().ends_with("syncbycommonnames"))
        .filter(|r| r.body.contains(&login(1)))
        .count();
    assert_eq!(sets_of_1, 1, "{second}");
    assert!(h.drop_listing().contains(&A.to_owned()));
}
