//! Configuration errors: every bad key is named at once, exit 3, nothing touched.

use bobosync_e2e::*;

#[test]
fn every_bad_key_is_named_and_nothing_runs() {
    let mut h = Harness::new(generate_users(50));
    h.set("SYNC_HOUR", "25")
        .set("BATCH_SIZE", "abc")
        .set("TIME_ZONE", "Mars/Olympus_Mons");
    h.drop_fixture("BOBO_20250617_143000_output.csv");

    let run = h.once();
    run.assert_code(EXIT_CONFIG);
    for key in ["SYNC_HOUR", "BATCH_SIZE", "TIME_ZONE"] {
        run.assert_output_contains(key);
    }
    assert!(
        h.requests().is_empty(),
        "AtHoc was called despite a configuration error\n{run}"
    );
    h.assert_still_pending("BOBO_20250617_143000_output.csv");
}

/// A missing settings file is named with its cause, said once (the error's
/// own message already quotes the OS error).
#[test]
fn a_missing_settings_file_is_named_with_its_cause_once() {
    let h = Harness::new(generate_users(1));
    let missing = h.root().join("no-such.env");
    let run = h.bobosync_raw(&[
        "once".into(),
        "--env-file".into(),
        missing.display().to_string(),
    ]);
    run.assert_code(EXIT_CONFIG)
        .assert_output_contains("cannot read the settings file")
        .assert_output_contains("no-such.env");
    let error_lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(error_lines.len(), 1, "{run}");
    let cause = error_lines[0]
        .rsplit_once(": ")
        .map(|(_, cause)| cause)
        .unwrap_or_default();
    assert!(!cause.is_empty(), "{run}");
    assert_eq!(
        error_lines[0].matches(cause).count(),
        1,
        "the cause is repeated:\n{run}"
    );
}
