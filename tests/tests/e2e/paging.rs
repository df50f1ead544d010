//! Paging through a 2,600-user organization whatever `Offset` means: a collar number on the
//! last page is mapped and its event applies.

use bobosync_e2e::*;

fn last_page_user_maps(mode: OffsetMode) {
    let config = SimConfig {
        offset_mode: mode,
        page_size_cap: Some(1000),
        ..SimConfig::default()
    };
    let h = Harness::with_config(config, generate_users(2600));
    h.drop_file(
        "BOBO_20250617_143000_output.csv",
        [
            bobo_row("BON", "00001", "20250617143000"),
            bobo_row("BON", "01500", "20250617143001"),
            bobo_row("BON", "02600", "20250617143002"),
        ]
        .concat(),
    );

    let run = h.once();
    run.assert_success();

    assert_eq!(
        h.duty(&login(1)).as_deref(),
        Some("17/06/2025 14:30:00"),
        "first page ({mode:?})\n{run}"
    );
    assert_eq!(
        h.duty(&login(1500)).as_deref(),
        Some("17/06/2025 14:30:01"),
        "middle page ({mode:?})\n{run}"
    );
    assert_eq!(
        h.duty(&login(2600)).as_deref(),
        Some("17/06/2025 14:30:02"),
        "last page ({mode:?})\n{run}"
    );
    h.assert_processed("BOBO_20250617_143000_output.csv");
}

#[test]
fn paging_offset_as_page_number() {
    last_page_user_maps(OffsetMode::Page);
}

#[test]
fn paging_offset_as_record_count() {
    last_page_user_maps(OffsetMode::Record);
}
