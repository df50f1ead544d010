//! Planning (pure): given the events of a batch, the employee → login
//! mappings, the ledger of what was last applied per employee and `now`,
//! decide for every event what to do and why. No I/O, no clock, no logging:
//! the same inputs always give the same plan, which can be previewed before
//! it is applied and is recorded per record after.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{Duty, DutyEvent, EmployeeId, Login, RowError, SourceLine};

/// The last event applied to AtHoc for one employee. Survives restarts (it
/// lives in SQLite), so a late file can never overwrite newer data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub at: DateTime<Utc>,
    pub duty: Duty,
    pub source: SourceLine,
}

/// Everything planning looks at.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub events: &'a [DutyEvent],
    /// Rows of the same files that could not be read; passed through so the
    /// plan accounts for every row.
    pub row_errors: &'a [RowError],
    pub mappings: &'a HashMap<EmployeeId, Login>,
    pub ledger: &'a HashMap<EmployeeId, LedgerEntry>,
    pub now: DateTime<Utc>,
    /// `AUTO_CLEANUP_HOURS`: a book-on older than this is not on duty any more.
    pub stale_after: Duration,
}

/// What to do with one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Set the duty attribute of `login` to the event's time.
    Set { login: Login },
    /// Clear the duty attribute of `login`.
    Clear { login: Login },
    /// A later event for the same employee in this batch wins.
    Superseded { by: SourceLine },
    /// An event at or after this one's time was already applied.
    SkipOlder { applied_at: DateTime<Utc>, applied_from: SourceLine },
    /// No AtHoc user has this employee ID; parked until the next mapping sync.
    Unmapped,
}

/// One event and the decision about it, with a reason an operator can read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRecord {
    pub event: DutyEvent,
    pub action: Action,
    pub reason: String,
}

/// The whole decision for a batch: one record per event, in input order, and
/// the rows that were invalid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub records: Vec<PlannedRecord>,
    pub invalid: Vec<RowError>,
}

/// A brake on mass changes: a change of `changing` items out of `total`
/// needs an operator's approval when it is both more than `min_count` items
/// and more than `max_fraction` of the total. Used for mapping purges
/// (10 %, 20) and stale cleanups (50 %, 20).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MassChangeGuard {
    pub max_fraction: f64,
    pub min_count: usize,
}

impl MassChangeGuard {
    pub fn requires_approval(&self, changing: usize, total: usize) -> bool {
        changing > self.min_count && changing as f64 > self.max_fraction * total as f64
    }
}
