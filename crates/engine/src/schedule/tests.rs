use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::{America::New_York, Europe::London, Tz};
use proptest::prelude::*;
use rstest::rstest;

use super::*;

/// `2025-06-17 10:00` or `2025-06-17 10:00:01`, UTC.
fn utc(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .unwrap()
        .and_utc()
}

fn success(at: &str) -> LastSync {
    LastSync {
        at: utc(at),
        outcome: SyncOutcome::Success,
        last_success: None,
    }
}

fn not_due(next: &str) -> SyncDecision {
    SyncDecision::NotDue { next: utc(next) }
}

// All times below are UTC; London is UTC+1 in summer (BST).
#[rstest]
#[case::first_run(None, "2025-06-17 10:00", SyncDecision::Due(DueReason::FirstRun))]
#[case::before_the_hour(
    Some(success("2025-06-16 19:05")),
    "2025-06-17 18:59",
    not_due("2025-06-17 19:00")
)]
#[case::at_the_hour(
    Some(success("2025-06-16 19:05")),
    "2025-06-17 19:00",
    SyncDecision::Due(DueReason::Daily)
)]
#[case::late_in_the_evening(
    Some(success("2025-06-16 19:05")),
    "2025-06-17 22:30",
    SyncDecision::Due(DueReason::Daily)
)]
#[case::done_today(
    Some(success("2025-06-17 19:01")),
    "2025-06-17 22:30",
    not_due("2025-06-18 19:00")
)]
#[case::first_run_this_morning_counts_for_today(
    Some(success("2025-06-17 08:00")),
    "2025-06-17 20:00",
    not_due("2025-06-18 19:00")
)]
#[case::success_just_after_local_midnight(
    // 23:30 UTC on the 16th is 00:30 BST on the 17th: today's sync is done.
    Some(success("2025-06-16 23:30")),
    "2025-06-17 19:30",
    not_due("2025-06-18 19:00")
)]
#[case::overdue(
    Some(success("2025-06-14 09:00")),
    "2025-06-17 10:00",
    SyncDecision::Due(DueReason::Overdue)
)]
#[case::exactly_retry_days_is_not_overdue(
    Some(success("2025-06-15 10:00")),
    "2025-06-17 10:00",
    not_due("2025-06-17 10:00:01")
)]
#[case::failed_retries(
    Some(LastSync { at: utc("2025-06-17 09:00"), outcome: SyncOutcome::Failed, last_success: Some(utc("2025-06-17 08:00")) }),
    "2025-06-17 09:01",
    SyncDecision::Due(DueReason::LastFailed)
)]
#[case::empty_retries(
    Some(LastSync { at: utc("2025-06-17 09:00"), outcome: SyncOutcome::Empty, last_success: Some(utc("2025-06-17 08:00")) }),
    "2025-06-17 09:01",
    SyncDecision::Due(DueReason::LastEmpty)
)]
#[case::both_success_times_set(
    Some(LastSync { at: utc("2025-06-16 21:00"), outcome: SyncOutcome::Success, last_success: Some(utc("2025-06-16 21:00")) }),
    "2025-06-17 12:00",
    not_due("2025-06-17 19:00")
)]
fn london_at_20_with_2_retry_days(
    #[case] last: Option<LastSync>,
    #[case] now: &str,
    #[case] expect: SyncDecision,
) {
    assert_eq!(
        mapping_sync_due(utc(now), London, last.as_ref(), 20, 2),
        expect
    );
}

#[rstest]
// Spring forward (2025-03-30): 20:00 BST is 19:00 UTC.
#[case::spring_day(
    London,
    "2025-03-29 20:30",
    "2025-03-30 09:00",
    20,
    not_due("2025-03-30 19:00")
)]
// Autumn back (2025-10-26): 20:00 GMT is 20:00 UTC.
#[case::autumn_day(
    London,
    "2025-10-25 19:30",
    "2025-10-26 09:00",
    20,
    not_due("2025-10-26 20:00")
)]
// SYNC_HOUR=1 on the spring day: 01:00 does not exist; read as 01:00 GMT.
#[case::hour_in_gap_before(
    London,
    "2025-03-29 01:30",
    "2025-03-30 00:30",
    1,
    not_due("2025-03-30 01:00")
)]
#[case::hour_in_gap_after(
    London,
    "2025-03-29 01:30",
    "2025-03-30 01:00",
    1,
    SyncDecision::Due(DueReason::Daily)
)]
// SYNC_HOUR=1 on the autumn day: 01:00 happens twice; the first one counts.
#[case::hour_in_fold(
    London,
    "2025-10-25 00:30",
    "2025-10-25 23:00",
    1,
    not_due("2025-10-26 00:00")
)]
// New York: the success was on the 17th local (23:30 EDT), although on the
// 18th in UTC; at 20:30 EDT on the 18th the daily sync is due.
#[case::local_date_not_utc_date(
    New_York,
    "2025-06-18 03:30",
    "2025-06-19 00:30",
    20,
    SyncDecision::Due(DueReason::Daily)
)]
#[case::new_york_before(
    New_York,
    "2025-06-18 03:30",
    "2025-06-18 23:00",
    20,
    not_due("2025-06-19 00:00")
)]
fn local_days_and_dst(
    #[case] tz: Tz,
    #[case] last_success: &str,
    #[case] now: &str,
    #[case] sync_hour: u32,
    #[case] expect: SyncDecision,
) {
    let last = success(last_success);
    assert_eq!(
        mapping_sync_due(utc(now), tz, Some(&last), sync_hour, 2),
        expect
    );
}

#[test]
fn sync_hour_above_23_is_23() {
    let last = success("2025-06-16 22:30");
    assert_eq!(
        mapping_sync_due(utc("2025-06-17 22:00"), London, Some(&last), 99, 2),
        SyncDecision::Due(DueReason::Daily)
    );
}

#[test]
fn zero_retry_days_is_due_right_after() {
    let last = success("2025-06-17 08:00");
    assert_eq!(
        mapping_sync_due(utc("2025-06-17 08:01"), London, Some(&last), 20, 0),
        SyncDecision::Due(DueReason::Overdue)
    );
}

#[test]
fn reasons_read_as_log_text() {
    assert_eq!(
        DueReason::FirstRun.to_string(),
        "first run: the user mappings have never been synced"
    );
    assert_eq!(
        DueReason::Daily.to_string(),
        "the daily user-mapping sync after SYNC_HOUR"
    );
}

proptest! {
    /// `next` is in the future, and at `next` the sync is indeed due.
    #[test]
    fn next_is_when_it_becomes_due(
        success_secs in 1_700_000_000i64..1_800_000_000,
        gap_secs in 0i64..(4 * 86_400),
        sync_hour in 0u32..24,
        retry_days in 0u32..4,
        zone in prop::sample::select(vec![London, New_York, chrono_tz::Asia::Kolkata]),
    ) {
        let success_at = Utc.timestamp_opt(success_secs, 0).unwrap();
        let now = success_at + Duration::seconds(gap_secs);
        let last = LastSync { at: success_at, outcome: SyncOutcome::Success, last_success: None };
        if let SyncDecision::NotDue { next } = mapping_sync_due(now, zone, Some(&last), sync_hour, retry_days) {
            prop_assert!(next > now);
            let later = mapping_sync_due(next, zone, Some(&last), sync_hour, retry_days);
            prop_assert!(matches!(later, SyncDecision::Due(_)), "{:?} at {}", later, next);
        }
    }
}

#[test]
fn mappings_are_usable_once_synced_and_while_failures_are_recent() {
    let t = |d: i64| {
        Utc.with_ymd_and_hms(2025, 6, 17, 12, 0, 0)
            .single()
            .unwrap_or_default()
            + chrono::Duration::days(d)
    };
    let failed = |success: Option<DateTime<Utc>>| LastSync {
        at: t(0),
        outcome: SyncOutcome::Failed,
        last_success: success,
    };
    assert_eq!(mappings_state(t(0), None, 2, 0), MappingsState::NeverSynced);
    assert_eq!(
        mappings_state(t(0), Some(&failed(None)), 2, 0),
        MappingsState::NeverSynced
    );
    // An imported database brings mappings without any sync of ours.
    assert_eq!(mappings_state(t(0), None, 2, 40), MappingsState::Ready);
    let ok = LastSync {
        at: t(-30),
        outcome: SyncOutcome::Success,
        last_success: None,
    };
    assert_eq!(mappings_state(t(0), Some(&ok), 2, 0), MappingsState::Ready);
    assert_eq!(
        mappings_state(t(0), Some(&failed(Some(t(-1)))), 2, 40),
        MappingsState::Ready
    );
    assert_eq!(
        mappings_state(t(0), Some(&failed(Some(t(-3)))), 2, 40),
        MappingsState::Outdated {
            last_success: t(-3)
        }
    );
}
