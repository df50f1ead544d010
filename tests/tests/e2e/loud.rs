//! Failures end loud and recoverable (issue 8): a partial outage never gives a file up, a file
//! in the failed folder keeps `once` failing until it is retried or dismissed, files wait while
//! the user mappings were never synced, and every hint can be pasted as printed.

use bobosync_e2e::*;

const FILE: &str = "BOBO_20250617_143000_output.csv";

fn sync_fault(code: u16) -> Fault {
    Fault {
        endpoint: Endpoint::Sync,
        kind: FaultKind::Status {
            code,
            retry_after_secs: None,
        },
        times: 1_000_000,
    }
}

#[test]
fn partial_outage_of_the_update_endpoint_never_gives_a_file_up() {
    // Sign-in and user search work; SyncByCommonNames answers 503.
    let h = Harness::new(generate_users(50));
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));
    h.sim().inject(sync_fault(503));

    // Far more cycles than MAX_RETRY_ATTEMPTS=3: every one fails loudly, none gives up.
    for _ in 0..5 {
        let run = h.once();
        run.assert_code(EXIT_FAILED)
            .assert_output_contains("HTTP 503")
            .assert_output_contains("stays in the drop folder");
        h.assert_still_pending(FILE);
        assert!(
            h.failed_listing().is_empty(),
            "a file was given up during an outage: {:?}\n{run}",
            h.failed_listing()
        );
        h.assert_duty(&login(42), None, &run);
    }

    h.sim().clear_faults();
    let up = h.once();
    up.assert_success();
    h.assert_processed(FILE);
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:30:00")), &up);
}

#[test]
fn a_definitive_refusal_counts_and_the_failed_file_stays_loud_until_retried() {
    // AtHoc refuses the update request itself (400): that is an attempt.
    let h = Harness::new(generate_users(50));
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));
    h.sim().inject(sync_fault(400));
    for attempt in 1..=3 {
        let run = h.once();
        run.assert_code(EXIT_FAILED);
        if attempt < 3 {
            run.assert_output_contains(&format!("attempt {attempt} of 3"));
        }
    }
    assert_eq!(
        h.failed_listing(),
        vec![FILE.to_owned(), format!("{FILE}.reason.txt")]
    );
    let note = std::fs::read_to_string(h.failed_dir().join(format!("{FILE}.reason.txt")))
        .unwrap_or_else(|e| panic!("read the note: {e}"));
    let env = shown_path(&h.env_path());
    assert!(
        note.contains(&format!("bobosync retry --env-file {env} {FILE}")),
        "the note's hint must be pasteable: {note}"
    );

    // Nothing is quietly OK while the file waits there: every run says so and fails.
    h.sim().clear_faults();
    let waiting = h.once();
    waiting
        .assert_code(EXIT_FAILED)
        .assert_output_contains("failed folder hold events that were never applied")
        .assert_output_contains(&format!("bobosync retry --all --env-file {env}"));
    h.assert_duty(&login(42), None, &waiting);
    h.sim().inject(sync_fault(400));

    // Listing, then the retry the hint names.
    h.bobosync(&["retry"])
        .assert_success()
        .assert_output_contains(FILE);
    h.bobosync(&["retry", FILE])
        .assert_success()
        .assert_output_contains("back in the drop folder");
    assert!(h.failed_listing().is_empty(), "{:?}", h.failed_listing());
    h.assert_still_pending(FILE);

    // Put back, the file gets fresh attempts: AtHoc still refusing is attempt 1 again.
    h.once()
        .assert_code(EXIT_FAILED)
        .assert_output_contains("attempt 1 of 3");
    h.assert_still_pending(FILE);

    h.sim().clear_faults();
    let retried = h.once();
    retried.assert_success();
    h.assert_processed(FILE);
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:30:00")), &retried);
}

#[test]
fn a_dismissed_failed_file_is_kept_and_no_longer_reported() {
    let h = Harness::new(generate_users(5));
    h.drop_file("BOBO_garbage.csv", "this is not a BOBO export\n");
    h.once().assert_code(EXIT_FAILED);
    h.once()
        .assert_code(EXIT_FAILED)
        .assert_output_contains("BOBO_garbage.csv");

    h.bobosync(&["dismiss", "nope.csv"])
        .assert_code(EXIT_FAILED)
        .assert_output_contains("nope.csv is not in the failed folder");
    h.bobosync(&["dismiss", "--all"])
        .assert_success()
        .assert_output_contains("dismissed");
    let kept = h.failed_dir().join("dismissed").join("BOBO_garbage.csv");
    assert!(kept.is_file(), "{} missing", kept.display());
    assert!(h
        .failed_dir()
        .join("dismissed")
        .join("BOBO_garbage.csv.reason.txt")
        .is_file());
    h.once().assert_success();
}

#[test]
fn files_wait_while_the_user_mappings_were_never_synced() {
    // A new install whose collar attribute no user has: the sync finds nothing to map, so
    // there are no mappings at all. Applying now would call everyone unmapped.
    let mut h = Harness::new(generate_users(20));
    h.set("COLLAR_ID_FIELD", "Badge-Number");
    h.drop_file(FILE, bobo_row("BON", "00003", &stamp(0, "143000")));

    let run = h.once();
    run.assert_code(EXIT_FAILED)
        .assert_output_contains("user mappings not synced yet");
    assert!(
        !run.output().contains("no AtHoc user has"),
        "reported as unmapped although never synced\n{run}"
    );
    h.assert_still_pending(FILE);
    let env = shown_path(&h.env_path());
    run.assert_output_contains(&format!("bobosync sync-mappings --env-file {env}"));

    h.set("COLLAR_ID_FIELD", COLLAR);
    let fixed = h.once();
    fixed.assert_success();
    h.assert_processed(FILE);
    h.assert_duty(&login(3), Some(&athoc_on(0, "14:30:00")), &fixed);
}

#[test]
fn preview_on_a_never_synced_database_shows_what_going_live_will_do() {
    let h = Harness::new(generate_users(20));
    h.drop_file(FILE, bobo_row("BON", "00003", &stamp(0, "143000")));
    let preview = h.bobosync(&["preview"]);
    preview
        .assert_success()
        .assert_output_contains(&login(3))
        .assert_output_contains(&shown_path(&h.drop_dir()));
    assert!(
        !preview.output().contains("unmapped"),
        "preview guessed 'unmapped' without ever syncing\n{preview}"
    );
    // Read-only: nothing stored, nothing sent.
    h.assert_still_pending(FILE);
    h.assert_duty(&login(3), None, &preview);
    assert!(
        h.requests()
            .iter()
            .all(|r| !r.path.contains("SyncByCommonNames")),
        "preview sent an update"
    );
}

#[test]
fn a_misspelt_key_is_named_with_a_did_you_mean_and_check_fails_on_the_folder() {
    let mut h = Harness::new(generate_users(5));
    h.unset("CSV_DIRECTORY");
    h.set("CSV_DIRECTROY", "drop");
    let check = h.bobosync(&["check"]);
    check
        .assert_code(EXIT_FAILED)
        .assert_output_contains(
            "CSV_DIRECTROY is not a BoboSync setting and is ignored: did you mean CSV_DIRECTORY?",
        )
        .assert_output_contains("FAIL");
    let drop_line = check
        .stdout
        .lines()
        .find(|l| l.contains("Drop folder"))
        .unwrap_or_else(|| panic!("no drop-folder check\n{check}"));
    assert!(drop_line.contains("FAIL"), "{drop_line}\n{check}");
}

#[test]
fn check_fails_when_the_drop_folder_is_missing_and_passes_with_the_folders_in_place() {
    let h = Harness::new(generate_users(5));
    let ok = h.bobosync(&["check"]);
    ok.assert_success()
        .assert_output_contains("same volume as the drop folder")
        .assert_output_contains("Europe/London");
    // The probe file used for the check is gone again, from every folder (hidden files too).
    for dir in [h.drop_dir(), h.processed_dir(), h.failed_dir()] {
        assert!(files_under(&dir).is_empty(), "{:?}", files_under(&dir));
    }

    std::fs::remove_dir(h.drop_dir()).unwrap_or_else(|e| panic!("remove drop/: {e}"));
    let missing = h.bobosync(&["check"]);
    missing
        .assert_code(EXIT_FAILED)
        .assert_output_contains("does not exist");
}

#[test]
fn a_future_dated_row_is_listed_with_file_line_and_kept_in_history_with_its_employee() {
    let h = Harness::new(generate_users(50));
    let tomorrow = (chrono::Local::now() + chrono::Duration::days(2))
        .format("%Y%m%d%H%M%S")
        .to_string();
    h.drop_file(
        FILE,
        format!(
            "{}{}",
            bobo_row("BON", "00041", &stamp(0, "143000")),
            bobo_row("BON", "00042", &tomorrow)
        ),
    );
    let run = h.once();
    run.assert_success()
        .assert_output_contains(&format!("{FILE}:2"))
        .assert_output_contains("ahead of now");
    h.assert_duty(&login(42), None, &run);
    h.assert_duty(&login(41), Some(&athoc_on(0, "14:30:00")), &run);
    let history = h.bobosync(&["history", "--employee", "00042", "--json"]);
    history
        .assert_success()
        .assert_output_contains("ahead of now");
    let log = files_under(&h.log_dir())
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect::<String>();
    assert!(
        log.contains(&format!("{FILE}:2")) && log.contains("ahead of now"),
        "the log lacks the future-dated row:\n{log}"
    );
}

#[test]
fn history_is_a_readable_table_and_says_when_a_person_has_no_records() {
    let h = Harness::new(generate_users(50));
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));
    h.once().assert_success();

    let batches = h.bobosync(&["history"]);
    batches
        .assert_success()
        .assert_output_contains("recent batches")
        .assert_output_contains(FILE);
    assert!(
        !batches.stdout.contains('{'),
        "raw JSON in history\n{batches}"
    );

    let person = h.bobosync(&["history", "--employee", "00042"]);
    person
        .assert_success()
        .assert_output_contains("records for 00042")
        .assert_output_contains(&format!("{FILE}:1"))
        .assert_output_contains(&login(42));
    assert!(
        !person.stdout.contains("recent batches"),
        "--employee repeats every batch\n{person}"
    );

    h.bobosync(&["history", "--employee", "99999"])
        .assert_success()
        .assert_output_contains("no records for 99999");
}

#[test]
fn a_given_up_file_moved_back_by_hand_gets_fresh_attempts() {
    let mut h = Harness::new(generate_users(50));
    h.set("MAX_RETRY_ATTEMPTS", "2");
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));
    h.sim().inject(sync_fault(400));
    h.once().assert_output_contains("attempt 1 of 2");
    h.once()
        .assert_output_contains("moved to the failed folder after AtHoc refused it 2 times");
    std::fs::rename(h.failed_dir().join(FILE), h.drop_dir().join(FILE))
        .unwrap_or_else(|e| panic!("move back: {e}"));
    h.once()
        .assert_code(EXIT_FAILED)
        .assert_output_contains("attempt 1 of 2");
    // Still in the drop folder (the note the operator left behind stays in failed/).
    assert_eq!(h.drop_listing(), vec![FILE.to_owned()]);
}

/// Stored mappings, read straight from the database.
fn mappings_stored(h: &Harness) -> i64 {
    let db = rusqlite::Connection::open(h.db_path())
        .unwrap_or_else(|e| panic!("open {}: {e}", h.db_path().display()));
    db.query_row("SELECT COUNT(*) FROM worker_mapping", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("count mappings: {e}"))
}

#[test]
fn an_approval_applies_exactly_the_change_shown_or_asks_again() {
    // Item 11: "remove 10 of 50 mappings" was shown, approving removed 49.
    let h = Harness::new(generate_users(50));
    h.once().assert_success();
    assert_eq!(mappings_stored(&h), 50);

    // 25 users leave AtHoc: past the guard (more than 20 and 10 %).
    for i in 26..=50 {
        h.sim().remove_user(&login(i));
    }
    let asked = h.bobosync(&["sync-mappings"]);
    asked
        .assert_code(EXIT_NEEDS_APPROVAL)
        .assert_output_contains("remove 25 and re-point 0 of 50 stored mappings");
    assert_eq!(mappings_stored(&h), 50, "purged without approval\n{asked}");

    // Before the operator approves, 10 more leave: the approval no longer covers the change.
    for i in 16..=25 {
        h.sim().remove_user(&login(i));
    }
    let stale = h.bobosync(&["sync-mappings", "--approve"]);
    stale
        .assert_code(EXIT_NEEDS_APPROVAL)
        .assert_output_contains("remove 35 and re-point 0 of 50 stored mappings")
        .assert_output_contains("replaces the change shown before");
    assert_eq!(
        mappings_stored(&h),
        50,
        "an approval of 25 removals removed something else\n{stale}"
    );

    // Approving the change now shown applies exactly it.
    let approved = h.bobosync(&["sync-mappings", "--approve"]);
    approved.assert_success();
    assert_eq!(mappings_stored(&h), 15, "{approved}");
}

#[test]
fn failed_runs_are_in_history_one_row_per_run_of_failures() {
    // Item 8: a run with a bad password left no trace in history.
    let mut h = Harness::new(generate_users(50));
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));
    h.set("PASSWORD", "not-the-password");
    h.once().assert_code(EXIT_FAILED);
    h.once().assert_code(EXIT_FAILED);

    let history = h.bobosync(&["history"]);
    history
        .assert_success()
        .assert_output_contains("cycles that failed outside any batch")
        .assert_output_contains("athoc_authentication")
        .assert_output_contains("no batches yet");
    let row = history
        .stdout
        .lines()
        .find(|l| l.contains("athoc_authentication"))
        .unwrap_or_default();
    assert!(
        row.split_whitespace().nth(4) == Some("2"),
        "two failed runs are one row counting 2: {row:?}\n{history}"
    );

    // Fixed: the file is applied, and a later failure is a row of its own.
    h.set("PASSWORD", HARNESS_PASSWORD);
    h.once().assert_success();
    h.set("PASSWORD", "wrong-again");
    h.once().assert_code(EXIT_FAILED);
    let later = h.bobosync(&["history", "--json"]);
    later.assert_success();
    let json: serde_json::Value = serde_json::from_str(&later.stdout)
        .unwrap_or_else(|e| panic!("history --json: {e}\n{later}"));
    let counts: Vec<u64> = json["failed_runs"]
        .as_array()
        .map(|runs| runs.iter().filter_map(|r| r["count"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(counts, [1, 2], "{later}");
    assert_eq!(json["batches"].as_array().map(Vec::len), Some(1), "{later}");
}

#[test]
fn reconcile_lists_drift_by_person_and_fix_writes_bobos_truth() {
    let h = Harness::new(generate_users(50));
    h.drop_file(
        FILE,
        [
            bobo_row("BON", "00001", &stamp(0, "080000")),
            bobo_row("BON", "00002", &stamp(0, "081500")),
            bobo_row("BOF", "00003", &stamp(0, "083000")),
        ]
        .concat(),
    );
    h.once().assert_success();
    h.bobosync(&["reconcile"])
        .assert_success()
        .assert_output_contains("match their last event");

    // Someone edits AtHoc by hand.
    h.set_duty(&login(1), "");
    h.set_duty(&login(2), &athoc_on(0, "07:00:00"));
    h.set_duty(&login(3), &athoc_on(0, "07:30:00"));
    let drift = h.bobosync(&["reconcile"]);
    drift
        .assert_code(EXIT_FAILED)
        .assert_output_contains("3 of 3 people differ")
        .assert_output_contains("booked on, empty")
        .assert_output_contains("another time")
        .assert_output_contains("on duty after book-off");
    for id in ["00001", "00002", "00003"] {
        assert!(
            drift.stdout.lines().any(|l| l.starts_with(id)),
            "{id} not listed\n{drift}"
        );
    }
    h.bobosync(&["check"])
        .assert_code(EXIT_FAILED)
        .assert_output_contains("[FAIL] Duty values match BOBO: 3 of 3 people differ");

    let fixed = h.bobosync(&["reconcile", "--fix"]);
    fixed
        .assert_success()
        .assert_output_contains("fixed 3 value(s)");
    h.assert_duty(&login(1), Some(&athoc_on(0, "08:00:00")), &fixed);
    h.assert_duty(&login(2), Some(&athoc_on(0, "08:15:00")), &fixed);
    h.assert_duty(&login(3), None, &fixed);
    h.bobosync(&["reconcile"]).assert_success();
}

#[test]
fn a_mass_reconcile_fix_waits_for_approval() {
    let h = Harness::new(generate_users(50));
    let rows: String = (1..=30)
        .map(|i| bobo_row("BON", &format!("{i:05}"), &stamp(0, "080000")))
        .collect();
    h.drop_file(FILE, rows);
    h.once().assert_success();
    for i in 1..=30 {
        h.set_duty(&login(i), "");
    }
    let asked = h.bobosync(&["reconcile", "--fix"]);
    asked
        .assert_code(EXIT_NEEDS_APPROVAL)
        .assert_output_contains("NOT fixed: write BOBO's duty status over 30 of 30 people");
    h.assert_duty(&login(7), None, &asked);
    let approved = h.bobosync(&["reconcile", "--fix", "--approve"]);
    approved.assert_success();
    h.assert_duty(&login(7), Some(&athoc_on(0, "08:00:00")), &approved);
}

#[test]
fn a_file_whose_rows_are_all_in_the_future_goes_to_the_failed_folder_loudly() {
    // Found by hand: an exporter whose clock (or time zone) is hours ahead wrote a file whose
    // every row was "more than 1 hour ahead of now"; it went to processed/ and `once` exited 0.
    let h = Harness::new(generate_users(50));
    let ahead = (chrono::Utc::now() + chrono::Duration::hours(5))
        .format("%Y%m%d%H%M%S")
        .to_string();
    h.drop_file(FILE, bobo_row("BON", "00042", &ahead));
    let run = h.once();
    run.assert_code(EXIT_FAILED)
        .assert_output_contains(&format!("{FILE}:1"))
        .assert_output_contains("no row could be applied; moved to the failed folder");
    assert_eq!(
        h.failed_listing(),
        [FILE.to_owned(), format!("{FILE}.reason.txt")]
    );
    h.assert_duty(&login(42), None, &run);
}

/// Today's log file cannot be opened (on Windows: another program holds it
/// without sharing writes; here: a folder in its place): the cycle still
/// runs, logging to a file of its own, and says so.
#[test]
fn a_log_file_that_cannot_be_opened_does_not_stop_the_cycle() {
    let h = Harness::new(org(3, []));
    let today = chrono::Utc::now().format("%Y-%m-%d");
    std::fs::create_dir_all(h.log_dir().join(format!("bobosync.{today}.log")))
        .unwrap_or_else(|e| panic!("{e}"));
    h.drop_file("BOBO_1.csv", bobo_row("BON", "00002", &stamp(0, "081500")));
    let run = h.once();
    run.assert_success()
        .assert_output_contains("today's log file in")
        .assert_output_contains("another program may hold it");
    h.assert_duty(&login(2), Some(&athoc_on(0, "08:15:00")), &run);
    let own = std::fs::read_dir(h.log_dir())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with("bobosync-") && name.ends_with(".log"));
    let own = own.unwrap_or_else(|| panic!("no log file of the run's own\n{run}"));
    let text = std::fs::read_to_string(h.log_dir().join(&own)).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains("cycle finished"), "{own}:\n{text}");
}
