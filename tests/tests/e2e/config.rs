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
