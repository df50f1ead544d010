//! Schedule (pure): when the user-mapping sync is due, as the Python tool
//! decided it. The caller passes `now`, the zone and what the last sync
//! did; nothing here reads the clock or the store.
//!
//! Rules, first match wins:
//! 1. never synced → due ([`DueReason::FirstRun`]);
//! 2. the last sync failed or returned no users → due again
//!    ([`DueReason::LastFailed`], [`DueReason::LastEmpty`]);
//! 3. more than `retry_days` × 24 h since the last success → due
//!    ([`DueReason::Overdue`]);
//! 4. the local hour is at or past `sync_hour` and no sync succeeded on
//!    today's local date → due ([`DueReason::Daily`]);
//! 5. otherwise not due; `next` is the earliest instant one of the rules
//!    above will fire.
//!
//! "Today" and the hour are wall-clock of `tz`; `sync_hour` on a
//! daylight-saving day follows [`crate::time`]'s rule (an hour in the
//! spring gap is read with the offset before the jump).

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::time::{local_to_utc, utc_to_local};

/// How a mapping sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    /// Users were fetched completely and the mappings saved.
    Success,
    /// AtHoc returned no users: treated as a failure to retry.
    Empty,
    /// The sync did not complete.
    Failed,
}

/// What the store remembers about the last mapping sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSync {
    /// When the last sync ended, whatever its outcome.
    pub at: DateTime<Utc>,
    pub outcome: SyncOutcome,
    /// When a sync last succeeded (`at` itself counts when `outcome` is
    /// `Success`, so this may be left `None` then).
    pub last_success: Option<DateTime<Utc>>,
}

/// Why a mapping sync is due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueReason {
    FirstRun,
    LastFailed,
    LastEmpty,
    Overdue,
    Daily,
}

impl fmt::Display for DueReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DueReason::FirstRun => "first run: the user mappings have never been synced",
            DueReason::LastFailed => "the last user-mapping sync failed, so it is retried",
            DueReason::LastEmpty => {
                "the last user-mapping sync returned no users, so it is retried"
            }
            DueReason::Overdue => {
                "the last successful user-mapping sync is older than SYNC_RETRY_DAYS"
            }
            DueReason::Daily => "the daily user-mapping sync after SYNC_HOUR",
        })
    }
}

/// Whether to sync the user mappings now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncDecision {
    Due(DueReason),
    /// Not due; `next` is when it will be (absent any failure in between).
    NotDue {
        next: DateTime<Utc>,
    },
}

/// Decides whether the user-mapping sync is due at `now` (see the module
/// doc for the rules). `sync_hour` above 23 is read as 23.
pub fn mapping_sync_due(
    now: DateTime<Utc>,
    tz: Tz,
    last: Option<&LastSync>,
    sync_hour: u32,
    retry_days: u32,
) -> SyncDecision {
    let sync_hour = sync_hour.min(23);
    let Some(last) = last else {
        return SyncDecision::Due(DueReason::FirstRun);
    };
    match last.outcome {
        SyncOutcome::Failed => return SyncDecision::Due(DueReason::LastFailed),
        SyncOutcome::Empty => return SyncDecision::Due(DueReason::LastEmpty),
        SyncOutcome::Success => {}
    }
    let success = last.last_success.map_or(last.at, |s| s.max(last.at));
    let retry = Duration::days(i64::from(retry_days));
    if now - success > retry {
        return SyncDecision::Due(DueReason::Overdue);
    }
    let local_now = utc_to_local(now, tz);
    let today = local_now.date();
    let done_today = utc_to_local(success, tz).date() >= today;
    if local_now.hour() >= sync_hour && !done_today {
        return SyncDecision::Due(DueReason::Daily);
    }
    let daily_day = if local_now.hour() < sync_hour && !done_today {
        Some(today)
    } else {
        today.succ_opt()
    };
    let daily = daily_day.map(|day| at_hour(day, sync_hour, tz));
    // Overdue fires on the first whole second past the retry period.
    let overdue = success + retry + Duration::seconds(1);
    let next = daily.map_or(overdue, |daily| daily.min(overdue));
    SyncDecision::NotDue { next }
}

/// `hour`:00 local on `day`, as an instant.
fn at_hour(day: NaiveDate, hour: u32, tz: Tz) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN);
    local_to_utc(day.and_time(time), tz)
}

/// Whether the stored mappings may be used to apply files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingsState {
    Ready,
    /// No sync ever succeeded and no mapping is stored: every employee would
    /// look unmapped, so files must wait.
    NeverSynced,
    /// The syncs keep failing and the last success is older than the retry
    /// window (`SYNC_RETRY_DAYS`): the mappings may be wrong, files wait.
    Outdated {
        last_success: DateTime<Utc>,
    },
}

/// Whether files may be applied with the stored mappings: yes once a sync
/// succeeded (or mappings were stored some other way, such as an imported
/// Python database), unless the syncs have been failing for longer than the
/// retry window.
pub fn mappings_state(
    now: DateTime<Utc>,
    last: Option<&LastSync>,
    retry_days: u32,
    stored_mappings: usize,
) -> MappingsState {
    let success = last.and_then(|l| match l.outcome {
        SyncOutcome::Success => Some(l.last_success.map_or(l.at, |s| s.max(l.at))),
        SyncOutcome::Empty | SyncOutcome::Failed => l.last_success,
    });
    match (last, success) {
        (_, None) if stored_mappings == 0 => MappingsState::NeverSynced,
        (_, None) => MappingsState::Ready,
        (Some(l), Some(success)) if l.outcome != SyncOutcome::Success => {
            let window = chrono::Duration::days(i64::from(retry_days));
            if now - success > window {
                MappingsState::Outdated {
                    last_success: success,
                }
            } else {
                MappingsState::Ready
            }
        }
        _ => MappingsState::Ready,
    }
}

#[cfg(test)]
mod tests;
