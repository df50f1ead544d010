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

/// The stale cleanup's search pages (`Criteria` given), as `(Offset, other
/// requests in flight when it arrived)`.
fn cleanup_pages(h: &Harness) -> Vec<(usize, usize)> {
    h.requests()
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().ends_with("/users/search/basic"))
        .filter(|r| r.query.contains("Criteria="))
        .filter_map(|r| {
            let offset = r.query.split('&').find_map(|p| p.strip_prefix("Offset="))?;
            Some((offset.parse().ok()?, r.in_flight))
        })
        .collect()
}

/// 30 users, pages of 10 (`Offset` a page number), 40 ms per reply: enough
/// to tell pages asked for together from pages asked for one after another.
fn cleanup_pages_site() -> Harness {
    let config = SimConfig {
        offset_mode: OffsetMode::Page,
        latency: std::time::Duration::from_millis(40),
        ..SimConfig::default()
    };
    let mut h = Harness::with_config(config, generate_users(30));
    h.set("PAGE_SIZE", "10").set("TIME_ZONE", "UTC");
    h
}

/// A later run remembers what the last one found: what `Offset` means and
/// how many users held a duty value, so its stale cleanup asks for all the
/// pages they fill at once — one round trip instead of two.
#[test]
fn a_later_run_asks_for_the_cleanup_pages_it_expects_at_once() {
    let h = cleanup_pages_site();
    let fresh = athoc_time(chrono::Utc::now().naive_utc() - chrono::Duration::hours(1));
    for i in 1..=25 {
        h.set_duty(&login(i), &fresh);
    }

    h.once().assert_success();
    let mut first = cleanup_pages(&h);
    first.sort_unstable();
    assert_eq!(
        first.iter().map(|p| p.0).collect::<Vec<_>>(),
        [0, 1, 2],
        "{first:?}"
    );

    h.sim().clear_requests();
    let run = h.once();
    run.assert_success();
    // Page 0 no longer goes first alone.
    assert_three_cleanup_pages_together(&h, &run);
    for i in 1..=25 {
        h.assert_duty(&login(i), Some(&fresh), &run);
    }
}

/// The cleanup's search goes out beside the batches, so it sees AtHoc
/// before their updates; what the next search should expect is what those
/// updates left. Here a first run books 25 people on while its search finds
/// nobody with a value: the next run still asks for the three pages at once.
#[test]
fn the_next_cleanup_expects_the_values_this_cycles_batches_set() {
    let h = cleanup_pages_site();
    let on = (chrono::Utc::now().naive_utc() - chrono::Duration::minutes(5))
        .format("%Y%m%d%H%M%S")
        .to_string();
    let rows: String = (1..=25)
        .map(|i| bobo_row("BON", &format!("{i:05}"), &on))
        .collect();
    h.drop_file(&format!("BOBO_{}_{}_output.csv", &on[..8], &on[8..]), rows);
    let first = h.once();
    first.assert_success();
    first.assert_output_contains("stale cleanup (searched beside the batches): 0 duty values set");

    h.sim().clear_requests();
    let run = h.once();
    run.assert_success();
    run.assert_output_contains("stale cleanup: 25 duty values set, 0 stale");
    assert_three_cleanup_pages_together(&h, &run);
}

/// The run's stale-cleanup search asked for pages 0, 1 and 2, all three in
/// flight together.
fn assert_three_cleanup_pages_together(h: &Harness, run: &Run) {
    let mut pages = cleanup_pages(h);
    pages.sort_unstable();
    assert_eq!(
        pages.iter().map(|p| p.0).collect::<Vec<_>>(),
        [0, 1, 2],
        "{pages:?}\n{}",
        run.output()
    );
    assert_eq!(
        pages.iter().map(|p| p.1).max(),
        Some(2),
        "{pages:?}\n{}",
        run.output()
    );
}
