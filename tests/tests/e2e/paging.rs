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
            bobo_row("BON", "00001", &stamp(0, "143000")),
            bobo_row("BON", "01500", &stamp(0, "143001")),
            bobo_row("BON", "02600", &stamp(0, "143002")),
        ]
        .concat(),
    );

    let run = h.once();
    run.assert_success();

    h.assert_duty(&login(1), Some(&athoc_on(0, "14:30:00")), &run); // first page
    h.assert_duty(&login(1500), Some(&athoc_on(0, "14:30:01")), &run); // middle page
    h.assert_duty(&login(2600), Some(&athoc_on(0, "14:30:02")), &run); // last page
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
