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

/// Runs `once` with a deadline: a hang (a FIFO opened blocking) fails the test instead of
/// hanging the suite.
fn once_within(h: &Harness, limit: std::time::Duration) -> Run {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let _ = tx.send(h.once());
        });
        match rx.recv_timeout(limit) {
            Ok(run) => run,
            Err(_) => panic!("`bobosync once` did not finish within {limit:?}"),
        }
    })
}

#[cfg(unix)]
#[test]
fn links_pipes_and_link_loops_are_skipped_and_named_and_the_rest_is_applied() {
    let h = Harness::new(generate_users(10));
    // A private file outside the folder, reachable through a link named like an export.
    let private = h.root().join("private.txt");
    std::fs::write(
        &private,
        "BON,00009,,,,20250617100000,,,,\nTOP-SECRET-CONTENT\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(&private, h.drop_dir().join("BOBO_link_output.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    // A link loop and a FIFO (nobody ever writes to it).
    std::os::unix::fs::symlink(
        "BOBO_loop_output.csv",
        h.drop_dir().join("BOBO_loop_output.csv"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let fifo = h.drop_dir().join("BOBO_fifo_output.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    h.drop_file(A, bobo_row("BON", "00001", &stamp(0, "080000")));

    let run = once_within(&h, std::time::Duration::from_secs(60));
    run.assert_code(EXIT_FAILED)
        .assert_output_contains("BOBO_link_output.csv is a symbolic link")
        .assert_output_contains("BOBO_loop_output.csv is a symbolic link")
        .assert_output_contains("BOBO_fifo_output.csv is not a regular file");
    // The good file went through; the link's target was never read.
    h.assert_duty(&login(1), Some(&athoc_on(0, "08:00:00")), &run);
    h.assert_duty(&login(9), None, &run);
    h.assert_processed(A);
    assert!(!run.output().contains("TOP-SECRET-CONTENT"), "{run}");
    for file in files_under(h.root()) {
        if file == private {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !contains_bytes(&bytes, b"TOP-SECRET-CONTENT"),
            "the link's target was copied into {}",
            file.display()
        );
    }
}

#[test]
fn a_file_larger_than_max_file_mb_goes_to_the_failed_folder_unread() {
    let mut h = Harness::new(generate_users(10));
    h.set("MAX_FILE_MB", "1");
    let junk = "x".repeat(2 * 1024 * 1024 + 1);
    h.drop_file(B, junk);
    h.drop_file(A, bobo_row("BON", "00001", &stamp(0, "080000")));
    let run = h.once();
    run.assert_code(EXIT_FAILED)
        .assert_output_contains(&format!(
            "{B}: 3 MB is more than MAX_FILE_MB (1 MB); moved to the failed folder unread"
        ));
    h.assert_duty(&login(1), Some(&athoc_on(0, "08:00:00")), &run);
    assert!(h.failed_listing().contains(&B.to_owned()), "{run}");
    let note =
        std::fs::read_to_string(h.failed_dir().join(format!("{B}.reason.txt"))).unwrap_or_default();
    assert!(note.contains("raise MAX_FILE_MB and retry it"), "{note}");
    // History says so too.
    h.bobosync(&["history"])
        .assert_success()
        .assert_output_contains("file_too_large");
}

#[cfg(unix)]
#[test]
fn a_note_is_never_written_through_a_link_already_in_the_failed_folder() {
    let h = Harness::new(generate_users(10));
    let victim = h.root().join("victim.txt");
    std::fs::write(&victim, "untouched").unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(h.failed_dir()).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(&victim, h.failed_dir().join(format!("{A}.reason.txt")))
        .unwrap_or_else(|e| panic!("{e}"));
    h.drop_file(A, "no,bobo,rows,here\n");
    let run = h.once();
    run.assert_code(EXIT_FAILED);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap_or_default(),
        "untouched",
        "the note was written through the link\n{run}"
    );
    // The file and its note took the next free name.
    let numbered = "BOBO_20250617_080000_output.1.csv";
    assert!(h.failed_listing().contains(&numbered.to_owned()), "{:?}", h.failed_listing());
    let note = std::fs::read_to_string(h.failed_dir().join(format!("{numbered}.reason.txt")))
        .unwrap_or_default();
    assert!(note.contains("could not process the BOBO file"), "{note}");
}

#[cfg(unix)]
#[test]
fn control_characters_in_a_file_name_never_reach_the_terminal_the_log_or_a_note() {
    let h = Harness::new(generate_users(10));
    let name = "BOBO_x\n2025-06-17T08:00:00Z ERROR forged line\u{1b}[31m.csv";
    h.drop_file(name, "not,a,bobo,row\n");
    let run = h.once();
    run.assert_code(EXIT_FAILED)
        .assert_output_contains("BOBO_x\\n2025-06-17T08:00:00Z ERROR forged line\\u{1b}[31m.csv");
    let forged = |text: &str| {
        text.lines().any(|l| l.starts_with("2025-06-17T08:00:00Z ERROR forged")) || text.contains('\u{1b}')
    };
    assert!(!forged(&run.stdout) && !forged(&run.stderr), "{run}");
    assert!(!forged(&h.log_text()), "the log has a forged line or ESC");
    for file in files_under(&h.failed_dir()) {
        if file.to_string_lossy().ends_with(".reason.txt") {
            let note = std::fs::read_to_string(&file).unwrap_or_default();
            assert!(!forged(&note), "{note}");
        }
    }
}
