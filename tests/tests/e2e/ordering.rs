//! Ordering across cycles: a late, older event never overwrites a newer one already applied,
//! even after a restart (each `once` is a new process).

use bobosync_e2e::*;

#[test]
fn late_older_event_after_newer_applied_keeps_newer_value() {
    let h = Harness::new(generate_users(50));
    h.drop_file(
        "BOBO_20250617_143000_output.csv",
        [
            bobo_row("BON", "00042", "20250617143000"),
            bobo_row("BON", "00043", "20250617143000"),
        ]
        .concat(),
    );
    let first = h.once();
    first.assert_success();
    assert_eq!(
        h.duty(&login(42)).as_deref(),
        Some("17/06/2025 14:30:00"),
        "{first}"
    );
    assert_eq!(
        h.duty(&login(43)).as_deref(),
        Some("17/06/2025 14:30:00"),
        "{first}"
    );

    // Exported later, but the events happened earlier: a book-on and a book-off from noon.
    h.drop_file(
        "BOBO_20250617_150000_output.csv",
        [
            bobo_row("BON", "00042", "20250617120000"),
            bobo_row("BOF", "00043", "20250617120000"),
        ]
        .concat(),
    );
    let second = h.once();
    second.assert_success();

    assert_eq!(
        h.duty(&login(42)).as_deref(),
        Some("17/06/2025 14:30:00"),
        "older BON applied\n{second}"
    );
    assert_eq!(
        h.duty(&login(43)).as_deref(),
        Some("17/06/2025 14:30:00"),
        "older BOF applied\n{second}"
    );
    h.assert_processed("BOBO_20250617_143000_output.csv");
    h.assert_processed("BOBO_20250617_150000_output.csv");
}
