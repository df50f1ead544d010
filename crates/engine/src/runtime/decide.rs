//! Pure: what the runtime should do at `now`, and when to wake up next,
//! from what it remembers and the stored schedule state. The full cycle
//! (connection check, mapping sync when due, pending files, stale cleanup,
//! processed-file purge) runs at start, when the mapping sync is due, at
//! least every maintenance interval, and after a failure with a backoff;
//! the folder is rescanned every rescan interval. Also the settle-window
//! check and the "no BOBO file for too long" rule. No I/O, no clock.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

/// How often things happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intervals {
    /// Looking at the drop folder without events (network shares, missed events).
    pub rescan: Duration,
    /// A full cycle (with stale cleanup and purge) at least this often when idle.
    pub maintenance: Duration,
    /// The first retry after a failed full cycle; doubles per failure up to `maintenance`.
    pub retry: Duration,
    /// The connection and field-mapping checks run this often (daily), at
    /// start first.
    pub checks: Duration,
}

/// What the runtime remembers between decisions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// When the last full cycle started.
    pub last_cycle: Option<DateTime<Utc>>,
    /// Full cycles failed in a row (0 after a success).
    pub failures_in_a_row: u32,
    /// When the folder was last listed.
    pub last_rescan: Option<DateTime<Utc>>,
    /// When the user-mapping sync is next due (the schedule's answer; at or
    /// before `now` means due); `None` when it is switched off.
    pub next_mapping_sync: Option<DateTime<Utc>>,
    /// When the checks last ran on the engine's own schedule.
    pub last_checks: Option<DateTime<Utc>>,
    /// A check failed in the last run: they run again every maintenance
    /// interval until it passes, not a day later.
    pub checks_failing: bool,
}

/// Why a full cycle is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleReason {
    Start,
    MappingSyncDue,
    Maintenance,
    Retry,
}

impl CycleReason {
    /// In words, for events and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            CycleReason::Start => "start",
            CycleReason::MappingSyncDue => "user-mapping sync due",
            CycleReason::Maintenance => "scheduled cycle",
            CycleReason::Retry => "retry after a failure",
        }
    }
}

/// What is due now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Due {
    pub cycle: Option<CycleReason>,
    pub rescan: bool,
    /// The scheduled run of the checks (not while paused).
    pub checks: bool,
}

fn chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// The wait before the next retry after `failures` failed cycles in a row.
pub fn backoff(intervals: &Intervals, failures: u32) -> Duration {
    let doubled = intervals
        .retry
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    doubled.min(intervals.maintenance.max(intervals.retry))
}

/// When the next full cycle is due (`None`: paused).
fn next_cycle(
    memory: &Memory,
    intervals: &Intervals,
    paused: bool,
) -> Option<(DateTime<Utc>, CycleReason)> {
    if paused {
        return None;
    }
    let Some(last) = memory.last_cycle else {
        return Some((DateTime::<Utc>::MIN_UTC, CycleReason::Start));
    };
    let mut candidates = vec![(
        last + chrono(intervals.maintenance),
        CycleReason::Maintenance,
    )];
    let earliest_retry = if memory.failures_in_a_row > 0 {
        let at = last + chrono(backoff(intervals, memory.failures_in_a_row));
        candidates.push((at, CycleReason::Retry));
        at
    } else {
        last
    };
    if let Some(mapping) = memory.next_mapping_sync {
        // A failing mapping sync stays "due"; wait out the backoff.
        candidates.push((mapping.max(earliest_retry), CycleReason::MappingSyncDue));
    }
    candidates.into_iter().min_by_key(|(at, _)| *at)
}

/// What is due at `now`.
pub fn due(now: DateTime<Utc>, memory: &Memory, intervals: &Intervals, paused: bool) -> Due {
    let cycle = next_cycle(memory, intervals, paused)
        .filter(|(at, _)| *at <= now)
        .map(|(_, reason)| reason);
    let rescan = memory
        .last_rescan
        .is_none_or(|last| now >= last + chrono(intervals.rescan));
    let checks = !paused
        && memory
            .last_checks
            .is_none_or(|last| now >= last + chrono(checks_interval(memory, intervals)));
    Due {
        cycle,
        rescan,
        checks,
    }
}

/// How long after the last run the checks run again: daily, or every
/// maintenance interval while one fails.
fn checks_interval(memory: &Memory, intervals: &Intervals) -> Duration {
    if memory.checks_failing {
        intervals.maintenance.min(intervals.checks)
    } else {
        intervals.checks
    }
}

/// When something is next due (at the latest one rescan interval away).
pub fn next_wake(
    now: DateTime<Utc>,
    memory: &Memory,
    intervals: &Intervals,
    paused: bool,
) -> DateTime<Utc> {
    let rescan = memory
        .last_rescan
        .map_or(now, |last| last + chrono(intervals.rescan));
    let cycle = next_cycle(memory, intervals, paused).map(|(at, _)| at);
    let checks = (!paused).then(|| {
        memory.last_checks.map_or(now, |last| {
            last + chrono(checks_interval(memory, intervals))
        })
    });
    [cycle, checks]
        .into_iter()
        .flatten()
        .fold(rescan, DateTime::min)
        .max(now)
}

/// Settle-window completeness, for files without a platform signal: `None`
/// when the file has been unchanged for `settle`, else how much longer to
/// wait. A modification time in the future (clock skew) waits the full window.
pub fn settle_remaining(
    now: SystemTime,
    modified: SystemTime,
    settle: Duration,
) -> Option<Duration> {
    match now.duration_since(modified) {
        Ok(age) if age >= settle => None,
        Ok(age) => Some(settle - age),
        Err(_) => Some(settle),
    }
}

/// The "no BOBO file seen for too long" rule: during the active hours
/// (local time; `start == end` means all day, `start > end` spans
/// midnight), warn when the last file (or the engine's start, if none yet)
/// is older than `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleExportRule {
    pub after: Duration,
    pub active_from: NaiveTime,
    pub active_until: NaiveTime,
}

/// Whether `t` lies in the active hours.
pub fn within_hours(t: NaiveTime, from: NaiveTime, until: NaiveTime) -> bool {
    let t = t.with_nanosecond(0).unwrap_or(t);
    match from.cmp(&until) {
        std::cmp::Ordering::Equal => true,
        std::cmp::Ordering::Less => from <= t && t < until,
        std::cmp::Ordering::Greater => t >= from || t < until,
    }
}

/// The warning text when the rule fires at `now`, else `None`.
pub fn no_files_warning(
    now: DateTime<Utc>,
    tz: Tz,
    last_seen: Option<DateTime<Utc>>,
    started: DateTime<Utc>,
    rule: &StaleExportRule,
) -> Option<String> {
    if !within_hours(
        now.with_timezone(&tz).time(),
        rule.active_from,
        rule.active_until,
    ) {
        return None;
    }
    let since = last_seen.unwrap_or(started);
    let quiet = (now - since).to_std().ok()?;
    if quiet < rule.after {
        return None;
    }
    let minutes = quiet.as_secs() / 60;
    let what = if last_seen.is_some() {
        format!("no BOBO file has arrived for {minutes} min")
    } else {
        format!("no BOBO file has arrived since BoboSync started {minutes} min ago")
    };
    Some(format!(
        "{what} (expected within {} min between {} and {}); check that the BOBO export is running",
        rule.after.as_secs() / 60,
        rule.active_from.format("%H:%M"),
        rule.active_until.format("%H:%M")
    ))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rstest::rstest;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 17, h, m, s)
            .single()
            .unwrap_or_default()
    }

    const IV: Intervals = Intervals {
        rescan: Duration::from_secs(10),
        maintenance: Duration::from_secs(300),
        retry: Duration::from_secs(30),
        checks: Duration::from_secs(24 * 3600),
    };

    fn mem(
        last_cycle: Option<DateTime<Utc>>,
        failures: u32,
        mapping: Option<DateTime<Utc>>,
    ) -> Memory {
        Memory {
            last_cycle,
            failures_in_a_row: failures,
            last_rescan: Some(at(12, 0, 0)),
            next_mapping_sync: mapping,
            last_checks: Some(at(12, 0, 0)),
            checks_failing: false,
        }
    }

    #[rstest]
    #[case::first_cycle_at_start(mem(None, 0, None), at(12, 0, 0), false, Some(CycleReason::Start))]
    #[case::paused_never(mem(None, 0, None), at(12, 0, 0), true, None)]
    #[case::idle_before_maintenance(mem(Some(at(12, 0, 0)), 0, None), at(12, 4, 59), false, None)]
    #[case::maintenance(
        mem(Some(at(12, 0, 0)), 0, None),
        at(12, 5, 0),
        false,
        Some(CycleReason::Maintenance)
    )]
    #[case::mapping_due(
        mem(Some(at(12, 0, 0)), 0, Some(at(12, 1, 0))),
        at(12, 1, 0),
        false,
        Some(CycleReason::MappingSyncDue)
    )]
    #[case::mapping_not_yet(
        mem(Some(at(12, 0, 0)), 0, Some(at(13, 0, 0))),
        at(12, 1, 0),
        false,
        None
    )]
    #[case::retry_after_30s(
        mem(Some(at(12, 0, 0)), 1, None),
        at(12, 0, 30),
        false,
        Some(CycleReason::Retry)
    )]
    #[case::second_retry_waits_60s(mem(Some(at(12, 0, 0)), 2, None), at(12, 0, 59), false, None)]
    #[case::failing_mapping_waits_the_backoff(
        mem(Some(at(12, 0, 0)), 1, Some(at(11, 0, 0))),
        at(12, 0, 10),
        false,
        None
    )]
    #[case::failing_mapping_then_retries(
        mem(Some(at(12, 0, 0)), 1, Some(at(11, 0, 0))),
        at(12, 0, 30),
        false,
        Some(CycleReason::Retry)
    )]
    #[case::paused_no_maintenance(mem(Some(at(12, 0, 0)), 0, None), at(13, 0, 0), true, None)]
    fn full_cycles(
        #[case] memory: Memory,
        #[case] now: DateTime<Utc>,
        #[case] paused: bool,
        #[case] expected: Option<CycleReason>,
    ) {
        assert_eq!(due(now, &memory, &IV, paused).cycle, expected);
    }

    #[rstest]
    #[case(1, 30)]
    #[case(2, 60)]
    #[case(3, 120)]
    #[case(4, 240)]
    #[case(5, 300)]
    #[case(40, 300)]
    fn backoff_doubles_up_to_maintenance(#[case] failures: u32, #[case] secs: u64) {
        assert_eq!(backoff(&IV, failures), Duration::from_secs(secs));
    }

    #[test]
    fn rescans_every_interval_and_wakes_for_the_nearest() {
        let memory = mem(Some(at(12, 0, 0)), 0, Some(at(12, 0, 5)));
        assert!(!due(at(12, 0, 9), &memory, &IV, false).rescan);
        assert!(due(at(12, 0, 10), &memory, &IV, false).rescan);
        assert_eq!(next_wake(at(12, 0, 1), &memory, &IV, false), at(12, 0, 5));
        assert_eq!(next_wake(at(12, 0, 1), &memory, &IV, true), at(12, 0, 10));
        // Something overdue wakes at once.
        assert_eq!(next_wake(at(12, 0, 20), &memory, &IV, false), at(12, 0, 20));
    }

    #[rstest]
    #[case(0, 2, Some(2))]
    #[case(1500, 2, Some(1))]
    #[case(2000, 2, None)]
    #[case(9000, 2, None)]
    #[case(0, 0, None)]
    fn settle_window(#[case] age_ms: u64, #[case] settle_s: u64, #[case] wait_s: Option<u64>) {
        let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let now = modified + Duration::from_millis(age_ms);
        let remaining = settle_remaining(now, modified, Duration::from_secs(settle_s));
        assert_eq!(remaining.map(|d| d.as_secs_f64().ceil() as u64), wait_s);
    }

    #[test]
    fn a_future_mtime_waits_the_full_window() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let modified = now + Duration::from_secs(60);
        assert_eq!(
            settle_remaining(now, modified, Duration::from_secs(2)),
            Some(Duration::from_secs(2))
        );
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    #[rstest]
    #[case(t(7, 0), t(23, 0), t(6, 59), false)]
    #[case(t(7, 0), t(23, 0), t(7, 0), true)]
    #[case(t(7, 0), t(23, 0), t(23, 0), false)]
    #[case(t(22, 0), t(6, 0), t(23, 30), true)]
    #[case(t(22, 0), t(6, 0), t(5, 59), true)]
    #[case(t(22, 0), t(6, 0), t(12, 0), false)]
    #[case(t(0, 0), t(0, 0), t(3, 0), true)]
    fn active_hours(
        #[case] from: NaiveTime,
        #[case] until: NaiveTime,
        #[case] now: NaiveTime,
        #[case] inside: bool,
    ) {
        assert_eq!(within_hours(now, from, until), inside);
    }

    #[rstest]
    // London is UTC+1 in June: 12:00 UTC is 13:00 local.
    #[case::quiet_too_long(Some(at(11, 0, 0)), at(12, 0, 0), true)]
    #[case::recent_file(Some(at(11, 45, 0)), at(12, 0, 0), false)]
    #[case::since_start(None, at(12, 0, 0), true)]
    #[case::outside_hours(Some(at(1, 0, 0)), at(23, 0, 0), false)]
    fn no_files(
        #[case] last_seen: Option<DateTime<Utc>>,
        #[case] now: DateTime<Utc>,
        #[case] warns: bool,
    ) {
        let rule = StaleExportRule {
            after: Duration::from_secs(30 * 60),
            active_from: t(7, 0),
            active_until: t(23, 0),
        };
        let warning = no_files_warning(
            now,
            chrono_tz::Europe::London,
            last_seen,
            at(10, 0, 0),
            &rule,
        );
        assert_eq!(warning.is_some(), warns, "{warning:?}");
        if let Some(text) = warning {
            assert!(text.contains("BOBO export"), "{text}");
        }
    }

    #[test]
    fn checks_run_at_start_then_daily_and_not_while_paused() {
        let never = Memory {
            last_checks: None,
            ..mem(Some(at(12, 0, 0)), 0, None)
        };
        assert!(due(at(12, 0, 1), &never, &IV, false).checks);
        assert!(!due(at(12, 0, 1), &never, &IV, true).checks);
        let ran = mem(Some(at(12, 0, 0)), 0, None);
        assert!(!due(at(23, 59, 59), &ran, &IV, false).checks);
        let next_day = at(12, 0, 0) + chrono::Duration::hours(24);
        assert!(due(next_day, &ran, &IV, false).checks);
        assert_eq!(next_wake(at(12, 0, 1), &never, &IV, false), at(12, 0, 1));
        let failing = Memory {
            checks_failing: true,
            ..ran
        };
        assert!(!due(at(12, 4, 59), &failing, &IV, false).checks);
        assert!(
            due(at(12, 5, 0), &failing, &IV, false).checks,
            "again after the maintenance interval"
        );
    }
}
