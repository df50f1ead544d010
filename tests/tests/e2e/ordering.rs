//! Ordering across cycles: a late, older event never overwrites a newer one already applied,
//! even after a restart (each `once` is a new process).

use bobosync_e2e::*;

#[test]
fn late_older_event_after_newer_applied_keeps_newer_value() {
    let h = Harness::new(generate_users(50));
    h.drop_file(
        "BOBO_20250617_143000_output.csv",
        [
            bobo_row("BON", "00042", &stamp(0, "143000")),
            bobo_row("BON", "00043", &stamp(0, "143000")),
        ]
        .concat(),
    );
    let first = h.once();
    first.assert_success();
    let newer = athoc_on(0, "14:30:00");
    h.assert_duty(&login(42), Some(&newer), &first);
    h.assert_duty(&login(43), Some(&newer), &first);

    // Exported later, but the events happened earlier: a book-on and a book-off from noon.
    h.drop_file(
        "BOBO_20250617_150000_output.csv",
        [
            bobo_row("BON", "00042", &stamp(0, "120000")),
            bobo_row("BOF", "00043", &stamp(0, "120000")),
        ]
        .concat(),
    );
    let second = h.once();
    second.assert_success();

    h.assert_duty(&login(42), Some(&newer), &second); // the older book-on did not win
    h.assert_duty(&login(43), Some(&newer), &second); // the older book-off did not clear
    h.assert_processed("BOBO_20250617_143000_output.csv");
    h.assert_processed("BOBO_20250617_150000_output.csv");
}

/// The same within one run, batch after batch: the second batch plans
/// against the ledger as the first left it (kept in memory between a
/// cycle's batches), so late, older events in a later batch are skipped
/// and other people's events in it applied.
#[test]
fn a_later_batch_plans_against_what_the_earlier_batch_applied() {
    let mut h = Harness::new(generate_users(50));
    h.set("BATCH_SIZE", "1");
    h.drop_file(
        "BOBO_20250617_143000_output.csv",
        [
            bobo_row("BON", "00042", &stamp(0, "143000")),
            bobo_row("BON", "00044", &stamp(0, "143000")),
        ]
        .concat(),
    );
    h.drop_file(
        "BOBO_20250617_150000_output.csv",
        [
            bobo_row("BON", "00042", &stamp(0, "120000")),
            bobo_row("BOF", "00044", &stamp(0, "120000")),
            bobo_row("BON", "00045", &stamp(0, "120000")),
        ]
        .concat(),
    );
    let run = h.once();
    run.assert_success();
    let newer = athoc_on(0, "14:30:00");
    h.assert_duty(&login(42), Some(&newer), &run);
    h.assert_duty(&login(44), Some(&newer), &run);
    h.assert_duty(&login(45), Some(&athoc_on(0, "12:00:00")), &run);
    run.assert_output_contains(
        "batch 2: 1 file(s), 3 event(s): 1 set, 0 cleared, 2 skipped as older",
    );
}
