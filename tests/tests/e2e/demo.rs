//! `bobosync demo`: the demo site of `athoc_sim::demo` through the real
//! binary. Its two people left on duty long ago are cleared by the stale
//! cleanup, its folder is gone when it ends, and a folder a killed demo left
//! behind (its lock no longer held) is swept when the next one starts.

use bobosync_e2e::*;

#[test]
fn the_demo_clears_stale_duty_and_leaves_no_folder_behind() {
    let mut h = Harness::new(generate_users(1));
    let tmp = h.home().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap_or_else(|e| panic!("tmp: {e}"));
    // What a demo killed mid-run leaves: its folder, its lock file unlocked.
    let orphan = tmp.join("bobosync-demo-killed");
    std::fs::create_dir_all(orphan.join("drop")).unwrap_or_else(|e| panic!("orphan: {e}"));
    std::fs::write(orphan.join(".demo.lock"), "").unwrap_or_else(|e| panic!("lock: {e}"));
    // Not a demo's: never touched.
    let other = tmp.join("someone-elses");
    std::fs::create_dir_all(&other).unwrap_or_else(|e| panic!("other: {e}"));
    h.child_env("TMPDIR", &tmp.display().to_string());

    let run = h.bobosync_raw(&[
        "demo".to_owned(),
        "--cycles".to_owned(),
        "2".to_owned(),
        "--interval".to_owned(),
        "1".to_owned(),
    ]);
    run.assert_success()
        .assert_output_contains("── cycle 1: dropped BOBO_")
        .assert_output_contains("── cycle 2: dropped BOBO_")
        .assert_output_contains("2 stale, 2 cleared");
    // The last table: the two stale values (collars 00039 and 00040) are gone.
    let last = run
        .stdout
        .rsplit("AtHoc now has")
        .next()
        .unwrap_or_default();
    assert!(
        !last.contains("collar 00039") && !last.contains("collar 00040"),
        "the stale cleanup did not clear them\n{run}"
    );
    let left: Vec<String> = std::fs::read_dir(&tmp)
        .unwrap_or_else(|e| panic!("read tmp: {e}"))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["someone-elses"], "{run}");
}
