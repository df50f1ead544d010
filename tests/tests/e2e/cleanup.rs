//! Stale cleanup end to end: values older than `AUTO_CLEANUP_HOURS` are cleared and fresh ones
//! kept (dates with a day-of-month above 12, so day and month cannot be swapped unnoticed); a
//! cleanup that would empty most of the on-duty list waits for approval.

use bobosync_e2e::*;
use chrono::{Datelike, Duration, NaiveDateTime, Utc};

/// Harness in UTC so that AtHoc's naive values can be computed from `Utc::now()` exactly.
fn cleanup_harness(users: Vec<SimUser>) -> Harness {
    let mut h = Harness::new(users);
    h.set("TIME_ZONE", "UTC");
    h.set("AUTO_CLEANUP_HOURS", "24");
    h
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// A time at least `hours` old whose day of month is above 12.
fn old_with_high_day(hours: i64) -> NaiveDateTime {
    let mut t = now() - Duration::hours(hours);
    while t.day() <= 12 {
        t -= Duration::days(1);
    }
    t
}

#[test]
fn stale_values_cleared_fresh_kept() {
    let h = cleanup_harness(generate_users(10));
    let stale_30h = athoc_time(now() - Duration::hours(30));
    let stale_high_day = athoc_time(old_with_high_day(30));
    let fresh_1h = athoc_time(now() - Duration::hours(1));
    let fresh_20h = athoc_time(now() - Duration::hours(20));
    h.set_duty(&login(1), &stale_30h);
    h.set_duty(&login(2), &stale_high_day);
    h.set_duty(&login(3), "25/01/2020 10:00:00");
    h.set_duty(&login(4), &fresh_1h);
    h.set_duty(&login(5), &fresh_20h);

    let dry = h.bobosync(&["cleanup", "--dry-run"]);
    dry.assert_success();
    assert_eq!(
        h.duty(&login(1)).as_deref(),
        Some(stale_30h.as_str()),
        "dry run changed AtHoc\n{dry}"
    );

    let run = h.once();
    run.assert_success();

    assert_eq!(
        h.duty(&login(1)),
        None,
        "30 h old value {stale_30h} kept\n{run}"
    );
    assert_eq!(
        h.duty(&login(2)),
        None,
        "old value {stale_high_day} kept\n{run}"
    );
    assert_eq!(h.duty(&login(3)), None, "2020 value kept\n{run}");
    assert_eq!(
        h.duty(&login(4)).as_deref(),
        Some(fresh_1h.as_str()),
        "1 h old value cleared\n{run}"
    );
    assert_eq!(
        h.duty(&login(5)).as_deref(),
        Some(fresh_20h.as_str()),
        "20 h old value cleared\n{run}"
    );
}

#[test]
fn mass_clear_waits_for_approval() {
    let h = cleanup_harness(generate_users(45));
    let fresh = athoc_time(now() - Duration::hours(1));
    let stale: Vec<String> = (1..=30)
        .map(|i| athoc_time(old_with_high_day(30 + i)))
        .collect();
    for (i, value) in stale.iter().enumerate() {
        h.set_duty(&login(i + 1), value);
    }
    for i in 31..=40 {
        h.set_duty(&login(i), &fresh);
    }

    let run = h.once();
    run.assert_code(EXIT_NEEDS_APPROVAL);
    assert!(
        run.output().to_lowercase().contains("approv"),
        "no approval hint\n{run}"
    );
    for (i, value) in stale.iter().enumerate() {
        assert_eq!(
            h.duty(&login(i + 1)).as_deref(),
            Some(value.as_str()),
            "cleared without approval\n{run}"
        );
    }

    let approved = h.bobosync(&["cleanup", "--approve"]);
    approved.assert_success();
    for i in 1..=30 {
        assert_eq!(
            h.duty(&login(i)),
            None,
            "stale value kept after approval\n{approved}"
        );
    }
    for i in 31..=40 {
        assert_eq!(
            h.duty(&login(i)).as_deref(),
            Some(fresh.as_str()),
            "fresh value cleared\n{approved}"
        );
    }
}

/// A cycle's stale-cleanup search goes out beside its batches, saving a
/// round trip. A user whose stale value that search saw, but whom a batch
/// booked on meanwhile, keeps the new value: users the cycle's batches
/// updated are left to the next cleanup. Others stale are still cleared.
#[test]
fn a_stale_value_a_batch_replaces_meanwhile_is_not_cleared() {
    let h = cleanup_harness(generate_users(10));
    let stale = athoc_time(now() - Duration::hours(30));
    h.set_duty(&login(1), &stale);
    h.set_duty(&login(2), &stale);
    // The update is held for a second, so the search sent beside it is
    // answered first and sees login 1's old value.
    h.sim().inject(Fault {
        endpoint: Endpoint::Sync,
        kind: FaultKind::Delay(std::time::Duration::from_secs(1)),
        times: 1,
    });
    let on = (now() - Duration::minutes(5))
        .format("%Y%m%d%H%M%S")
        .to_string();
    let name = format!("BOBO_{}_{}_output.csv", &on[..8], &on[8..]);
    h.drop_file(&name, bobo_row("BON", "00001", &on));

    let run = h.once();
    run.assert_success();

    let booked_on = athoc_time(NaiveDateTime::parse_from_str(&on, "%Y%m%d%H%M%S").unwrap());
    h.assert_duty(&login(1), Some(&booked_on), &run);
    h.assert_duty(&login(2), None, &run);
    // The counts say when AtHoc was asked.
    run.assert_output_contains(
        "stale cleanup (searched beside the batches): 1 duty values set, 1 stale, 1 cleared",
    );
    // The search did not wait for the batch: it was sent before the
    // update, or while the update was held.
    let requests = h.requests();
    let search = requests
        .iter()
        .position(|r| r.query.contains("Criteria="))
        .unwrap_or_else(|| panic!("no cleanup search\n{run}"));
    let update = requests
        .iter()
        .position(|r| r.path.ends_with("SyncByCommonNames"))
        .unwrap_or_else(|| panic!("no update\n{run}"));
    assert!(
        search < update || requests[search].in_flight >= 1,
        "the cleanup search waited for the batch: {:?}\n{run}",
        requests
            .iter()
            .map(|r| (&r.method, &r.path, r.in_flight))
            .collect::<Vec<_>>()
    );
    h.assert_processed(&name);
}

/// The cleanup's search goes out beside the batches, and those batches
/// change who has a duty value: a search whose pages straddle an update
/// sees `TotalUsers` move. It is sent again once the batches are done,
/// rather than fail the cycle (found by the cycle bench: exit 1, "the
/// directory changed during the fetch", on an ordinary steady-state cycle).
#[test]
fn a_search_whose_pages_straddle_the_batches_updates_is_sent_again_after_them() {
    let mut h = cleanup_harness(generate_users(10));
    // Five users with a value fill three pages of two.
    h.set("PAGE_SIZE", "2");
    let fresh = athoc_time(now() - Duration::hours(1));
    for n in 1..=5 {
        h.set_duty(&login(n), &fresh);
    }
    // The first cycle learns how many users have a value, so the next one
    // asks for all three pages at once, beside its batch.
    h.once().assert_success();
    let before = h.requests().len();
    // One of those pages is answered only after the batch's update.
    h.sim().inject(Fault {
        endpoint: Endpoint::Search,
        kind: FaultKind::AfterNext(Endpoint::Sync),
        times: 1,
    });
    let on = (now() - Duration::minutes(5))
        .format("%Y%m%d%H%M%S")
        .to_string();
    let name = format!("BOBO_{}_{}_output.csv", &on[..8], &on[8..]);
    h.drop_file(&name, bobo_row("BON", "00006", &on));

    let run = h.once();
    run.assert_success();
    let booked_on = athoc_time(NaiveDateTime::parse_from_str(&on, "%Y%m%d%H%M%S").unwrap());
    h.assert_duty(&login(6), Some(&booked_on), &run);
    h.assert_processed(&name);
    // Searched again after the batch: all six values, none stale.
    run.assert_output_contains("stale cleanup: 6 duty values set, 0 stale");
    let requests = h.requests()[before..].to_vec();
    let update = requests
        .iter()
        .position(|r| r.path.ends_with("SyncByCommonNames"))
        .unwrap_or_else(|| panic!("no update\n{run}"));
    let searches_after = requests[update..]
        .iter()
        .filter(|r| r.query.contains("Criteria="))
        .count();
    // The held page, then the search again (its three pages).
    assert!(
        searches_after >= 3,
        "the search was not sent again after the update: {:?}\n{run}",
        requests
            .iter()
            .map(|r| (&r.method, &r.path, &r.query))
            .collect::<Vec<_>>()
    );
}
