//! The runtime's vocabulary for the outside world (tray, CLI): the status
//! snapshot, the health states, incidents and the event stream. Plain data.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cycle::{BatchReport, CleanupReport, MappingReport};

/// The engine's health, worst first after `Paused`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Running, nothing to report.
    Ok,
    /// A batch or cycle is in flight.
    Syncing,
    /// An operator paused it; nothing is applied until resumed.
    Paused,
    /// Working, but something wants a look (unmapped employees, approval
    /// waiting, per-record failures, no BOBO file for too long).
    Warning,
    /// Cannot work (credentials refused, AtHoc unreachable, folder missing,
    /// database locked).
    Error,
}

/// A snapshot of the engine, as the tray shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub health: Health,
    /// One line a human understands, e.g. "AtHoc refused the credentials".
    pub reason: String,
    /// When `health` and `reason` took their current values.
    pub since: DateTime<Utc>,
    pub paused: bool,
    /// When a BOBO file last appeared in the drop folder (this run).
    pub last_file_seen: Option<DateTime<Utc>>,
    /// That file's name.
    pub last_file_name: Option<String>,
    /// When a batch or cycle last finished without failures.
    pub last_success: Option<DateTime<Utc>>,
    /// When the user-mapping sync is next due (the schedule's answer).
    pub next_mapping_sync: Option<DateTime<Utc>>,
    /// Files in the drop folder at the last look.
    pub pending_files: usize,
    pub pending_approvals: usize,
    /// People whose AtHoc duty value differs from their last BOBO event
    /// (beyond the stale cleanup catching up), at the last reconciliation
    /// check; `None` until one ran.
    pub drift: Option<usize>,
    /// The incidents open now, errors first (each also came as an
    /// [`EngineEvent::IncidentOpened`]): a window opened later names them.
    pub incidents: Vec<Incident>,
}

impl Status {
    /// The status before anything has been looked at.
    pub fn starting(now: DateTime<Utc>, paused: bool) -> Status {
        Status {
            health: if paused { Health::Paused } else { Health::Ok },
            reason: if paused {
                "paused".to_owned()
            } else {
                "starting".to_owned()
            },
            since: now,
            paused,
            last_file_seen: None,
            last_file_name: None,
            last_success: None,
            next_mapping_sync: None,
            pending_files: 0,
            pending_approvals: 0,
            drift: None,
            incidents: Vec::new(),
        }
    }
}

/// The kinds of trouble the engine tracks as incidents. Each has an entry in
/// docs/operators-guide.md (`IncidentKind::iter`; tested).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    AuthenticationRejected,
    AthocUnreachable,
    /// Sign-in works but the updates themselves fail (e.g. `SyncByCommonNames`
    /// answers 503): files wait in the drop folder.
    UpdatesFailing,
    /// The user mappings were never synced: files wait rather than being
    /// applied as unmapped.
    MappingsNotSynced,
    FolderUnavailable,
    DatabaseLocked,
    /// Files wait in the failed folder (their events were never applied)
    /// until an operator retries or dismisses them.
    FilesFailed,
    /// The user-mapping sync failed (the stored mappings are kept).
    MappingSyncFailed,
    /// A connection or field-mapping check fails.
    CheckFailing,
    /// A step of the cycle fails for a reason no other kind covers: a file
    /// that cannot be read, the processed or failed folder unusable, the
    /// stale cleanup failing, the database.
    CycleFailing,
    RecordFailures,
    ApprovalWaiting,
    NoBoboFiles,
    UnmappedEmployees,
    /// The engine itself stopped after an internal error (a bug): nothing
    /// is synced until BoboSync is restarted. The last status the engine
    /// publishes; no later observation resolves it.
    EngineStopped,
}

impl IncidentKind {
    /// Whether this kind stops the engine working (error) or only wants a
    /// look (warning).
    pub fn is_error(self) -> bool {
        matches!(
            self,
            IncidentKind::AuthenticationRejected
                | IncidentKind::AthocUnreachable
                | IncidentKind::UpdatesFailing
                | IncidentKind::MappingsNotSynced
                | IncidentKind::CycleFailing
                | IncidentKind::FolderUnavailable
                | IncidentKind::DatabaseLocked
                | IncidentKind::EngineStopped
        )
    }
}

/// One ongoing problem: repeated identical failures are one incident, open
/// from the first failure until the condition is seen gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    /// Unique within one engine run.
    pub id: u64,
    pub kind: IncidentKind,
    /// The latest one-line description.
    pub summary: String,
    pub since: DateTime<Utc>,
}

/// What the engine tells its subscribers.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EngineEvent {
    BatchStarted {
        /// File names in the batch (empty for a full cycle's start).
        files: Vec<String>,
        /// Why: "file closed", "rescan", "scheduled cycle", "requested"…
        trigger: String,
    },
    /// A batch's updates are being sent: AtHoc has answered for
    /// `answered` of `total` (first with 0, then after each request).
    Sending {
        answered: usize,
        total: usize,
    },
    BatchFinished(BatchReport),
    FileRejected {
        file: String,
        reason: String,
    },
    RecordFailures {
        count: usize,
        /// The first few failures, in words.
        details: Vec<String>,
    },
    MappingSyncDone(MappingReport),
    CleanupDone(CleanupReport),
    ApprovalNeeded {
        summary: String,
    },
    HealthChanged(Status),
    IncidentOpened(Incident),
    IncidentResolved(Incident),
}
