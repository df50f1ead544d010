//! The camelCase shapes the web UI reads (`ui/src/api.ts`), and their
//! conversions from the engine's types. Plain mapping: no decisions.

use chrono::{DateTime, Utc};
use engine::checks::CheckResult;
use engine::cycle::{BatchReport, CleanupReport, CycleReport, MappingReport, Preview};
use engine::event::SourceLine;
use engine::plan::Action;
use engine::runtime::{Health, Incident, IncidentKind, Status};
use engine::store::{Approval, BatchRow, RecordRow};
use serde::Serialize;

/// How the app runs: against the configured AtHoc, the simulator, or not yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AppMode {
    Live,
    Demo,
    Setup,
}

/// `lastFileSeen`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FileSeenDto {
    /// The engine reports when, not which: empty until it says.
    pub name: String,
    pub at: DateTime<Utc>,
}

/// `get_status`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct StatusDto {
    pub health: Health,
    pub reason: String,
    pub since: DateTime<Utc>,
    pub paused: bool,
    pub mode: AppMode,
    pub last_file_seen: Option<FileSeenDto>,
    pub last_success: Option<DateTime<Utc>>,
    pub next_mapping_sync: Option<DateTime<Utc>>,
    pub pending_files: usize,
    pub pending_approvals: usize,
    /// People whose AtHoc duty value differs from their last BOBO event, at
    /// the last reconciliation check (`null` until one ran).
    pub drift: Option<usize>,
    /// The incidents open now, errors first: a window opened after one
    /// began names it.
    pub incidents: Vec<IncidentDto>,
}

impl StatusDto {
    /// The engine's snapshot in `mode`.
    pub fn from_status(s: &Status, mode: AppMode) -> StatusDto {
        StatusDto {
            health: s.health,
            reason: s.reason.clone(),
            since: s.since,
            paused: s.paused,
            mode,
            last_file_seen: s.last_file_seen.map(|at| FileSeenDto {
                name: s.last_file_name.clone().unwrap_or_default(),
                at,
            }),
            last_success: s.last_success,
            next_mapping_sync: s.next_mapping_sync,
            pending_files: s.pending_files,
            pending_approvals: s.pending_approvals,
            drift: s.drift,
            incidents: s.incidents.iter().map(IncidentDto::from).collect(),
        }
    }

    /// The status while nothing is configured (first run).
    pub fn setup(now: DateTime<Utc>) -> StatusDto {
        StatusDto {
            health: Health::Warning,
            reason: "not configured yet: open BoboSync to set it up".to_owned(),
            since: now,
            paused: true,
            mode: AppMode::Setup,
            last_file_seen: None,
            last_success: None,
            next_mapping_sync: None,
            pending_files: 0,
            pending_approvals: 0,
            drift: None,
            incidents: Vec::new(),
        }
    }
}

/// Resolved folders.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FoldersDto {
    pub drop: String,
    pub processed: String,
    pub failed: String,
    pub logs: String,
}

/// Which AtHoc the engine talks to, and as whom (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConnectionDto {
    /// The server's host (and port when not the default), e.g. `athoc.example.org`.
    pub server: String,
    /// The organization code.
    pub org: String,
    /// The API user's name.
    pub user: String,
}

impl ConnectionDto {
    /// From the settings in force.
    pub fn of(settings: &engine::config::Settings) -> ConnectionDto {
        let url = &settings.athoc.base_url;
        let host = url.host_str().unwrap_or_default();
        ConnectionDto {
            server: match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            },
            org: settings.athoc.org_code.clone(),
            user: settings.athoc.credentials.username.clone(),
        }
    }
}

/// `get_app_info`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfoDto {
    pub version: String,
    pub configured: bool,
    pub mode: AppMode,
    /// Which AtHoc, as whom: null until settings are in force (first run).
    pub connection: Option<ConnectionDto>,
    pub bobo_time_zone: String,
    pub folders: FoldersDto,
    pub settings_path: String,
}

/// One batch (engine `BatchReport`).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BatchReportDto {
    pub batch_id: i64,
    pub files: Vec<String>,
    pub events: usize,
    pub set: usize,
    pub cleared: usize,
    pub superseded: usize,
    pub skipped_older: usize,
    pub unmapped: usize,
    pub invalid: usize,
    pub rejected: usize,
    pub failed: usize,
    pub files_processed: usize,
    pub files_failed: usize,
    pub files_kept: usize,
}

impl From<&BatchReport> for BatchReportDto {
    fn from(b: &BatchReport) -> Self {
        BatchReportDto {
            batch_id: b.batch_id,
            files: b.files.clone(),
            events: b.events,
            set: b.set,
            cleared: b.cleared,
            superseded: b.superseded,
            skipped_older: b.skipped_older,
            unmapped: b.unmapped,
            invalid: b.invalid,
            rejected: b.rejected,
            failed: b.failed,
            files_processed: b.files_processed,
            files_failed: b.files_failed,
            files_kept: b.files_kept,
        }
    }
}

/// The mapping sync's result.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct MappingReportDto {
    pub reason: String,
    pub users_fetched: usize,
    pub mapped: usize,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub duplicates: Vec<String>,
    pub without_collar: usize,
    pub applied: bool,
}

impl From<&MappingReport> for MappingReportDto {
    fn from(m: &MappingReport) -> Self {
        MappingReportDto {
            reason: m.reason.clone(),
            users_fetched: m.users_fetched,
            mapped: m.mapped,
            added: m.added,
            changed: m.changed,
            removed: m.removed,
            duplicates: m.duplicates.clone(),
            without_collar: m.without_collar,
            applied: m.applied,
        }
    }
}

/// The stale cleanup's result.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CleanupReportDto {
    pub values_set: usize,
    pub stale: usize,
    pub cleared: usize,
    pub failed: usize,
    pub unparseable: usize,
    pub dry_run: bool,
    pub waiting_for_approval: bool,
}

impl From<&CleanupReport> for CleanupReportDto {
    fn from(c: &CleanupReport) -> Self {
        CleanupReportDto {
            values_set: c.values_set,
            stale: c.stale,
            cleared: c.cleared,
            failed: c.failed,
            unparseable: c.unparseable,
            dry_run: c.dry_run,
            waiting_for_approval: c.waiting_for_approval,
        }
    }
}

/// `sync_now`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CycleReportDto {
    pub mapping: Option<MappingReportDto>,
    pub batches: Vec<BatchReportDto>,
    pub cleanup: Option<CleanupReportDto>,
    pub purged_files: usize,
    pub warnings: Vec<String>,
    pub failures: Vec<String>,
    pub approvals_needed: Vec<String>,
}

impl From<&CycleReport> for CycleReportDto {
    fn from(r: &CycleReport) -> Self {
        CycleReportDto {
            mapping: r.mapping.as_ref().map(Into::into),
            batches: r.batches.iter().map(Into::into).collect(),
            cleanup: r.cleanup.as_ref().map(Into::into),
            purged_files: r.purged_files,
            warnings: r.warnings.clone(),
            failures: r
                .failures
                .iter()
                .chain(&r.unapplied)
                .map(|f| f.message.clone())
                .collect(),
            approvals_needed: r.approvals_needed.clone(),
        }
    }
}

/// A file and 1-based line.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SourceLineDto {
    pub file: String,
    pub line: u32,
}

impl From<&SourceLine> for SourceLineDto {
    fn from(s: &SourceLine) -> Self {
        SourceLineDto {
            file: s.file.to_string(),
            line: s.line,
        }
    }
}

/// One BOBO row as an event.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DutyEventDto {
    pub employee: String,
    pub duty: engine::event::Duty,
    pub local: String,
    pub at: DateTime<Utc>,
    pub source: SourceLineDto,
}

/// What the plan does with an event, tagged by `kind`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum PlannedActionDto {
    Set {
        login: String,
    },
    Clear {
        login: String,
    },
    Superseded {
        by: SourceLineDto,
    },
    SkipOlder {
        applied_at: DateTime<Utc>,
        applied_from: SourceLineDto,
    },
    Unmapped,
}

impl From<&Action> for PlannedActionDto {
    fn from(a: &Action) -> Self {
        match a {
            Action::Set { login } => PlannedActionDto::Set {
                login: login.as_str().to_owned(),
            },
            Action::Clear { login, .. } => PlannedActionDto::Clear {
                login: login.as_str().to_owned(),
            },
            Action::Superseded { by, .. } => PlannedActionDto::Superseded { by: by.into() },
            Action::SkipOlder {
                applied_at,
                applied_from,
                ..
            } => PlannedActionDto::SkipOlder {
                applied_at: *applied_at,
                applied_from: applied_from.into(),
            },
            Action::Unmapped => PlannedActionDto::Unmapped,
        }
    }
}

/// One planned record.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PlannedRecordDto {
    pub event: DutyEventDto,
    pub action: PlannedActionDto,
    pub reason: String,
}

/// A row that could not be read.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RowErrorDto {
    pub source: SourceLineDto,
    pub reason: String,
}

/// The plan part of a preview.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PlanDto {
    pub records: Vec<PlannedRecordDto>,
    pub invalid: Vec<RowErrorDto>,
}

/// `preview`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PreviewDto {
    pub files: Vec<String>,
    pub still_writing: Vec<String>,
    pub plan: PlanDto,
}

impl From<&Preview> for PreviewDto {
    fn from(p: &Preview) -> Self {
        PreviewDto {
            files: p.files.clone(),
            still_writing: p.still_writing.clone(),
            plan: PlanDto {
                records: p
                    .plan
                    .records
                    .iter()
                    .map(|r| PlannedRecordDto {
                        event: DutyEventDto {
                            employee: r.event.employee.as_str().to_owned(),
                            duty: r.event.duty,
                            local: r.event.local.format("%Y-%m-%d %H:%M:%S").to_string(),
                            at: r.event.at,
                            source: (&r.event.source).into(),
                        },
                        action: (&r.action).into(),
                        reason: r.reason(),
                    })
                    .collect(),
                invalid: p
                    .plan
                    .invalid
                    .iter()
                    .map(|e| RowErrorDto {
                        source: (&e.source).into(),
                        reason: e.reason.clone(),
                    })
                    .collect(),
            },
        }
    }
}

/// A guarded mass change waiting for the operator.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalDto {
    pub id: i64,
    pub kind: engine::store::ApprovalKind,
    /// In words: "clear 40 of 60 duty values older than the cleanup age".
    pub summary: String,
    /// JSON text listing exactly what would change, as the engine stores it:
    /// `mass_clear`: `["login", …]` (duty values to clear);
    /// `mapping_purge`: `[["employeeId", "login"], …]` (mappings to remove) and
    /// `[["employeeId", "from", "to"], …]` (mappings re-pointed to another login);
    /// `reconcile_fix`: `[["login", "value"], …]` (an empty value clears).
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Approval> for ApprovalDto {
    fn from(a: &Approval) -> Self {
        ApprovalDto {
            id: a.id.0,
            kind: a.kind,
            summary: a.summary.clone(),
            payload: a.payload_json.clone(),
            created_at: a.created_at,
        }
    }
}

/// A file waiting in the failed folder: its events were never applied.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct FailedFileDto {
    pub name: String,
    pub failed_at: DateTime<Utc>,
    /// Why, from the note beside it (empty when none).
    pub reason: String,
}

impl From<&engine::cycle::FailedFile> for FailedFileDto {
    fn from(f: &engine::cycle::FailedFile) -> Self {
        FailedFileDto {
            name: f.name.clone(),
            failed_at: f.failed_at,
            reason: f.reason.clone(),
        }
    }
}

/// Per-batch tallies.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BatchCountsDto {
    pub events: u32,
    pub set: u32,
    pub cleared: u32,
    pub skipped_older: u32,
    pub superseded: u32,
    pub unmapped: u32,
    pub rejected: u32,
    pub failed: u32,
    pub invalid: u32,
}

/// One batch of the history.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BatchRowDto {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub files: Vec<String>,
    pub counts: BatchCountsDto,
    pub status: engine::store::BatchStatus,
    pub error: Option<String>,
}

impl From<&BatchRow> for BatchRowDto {
    fn from(b: &BatchRow) -> Self {
        let c = &b.counts;
        BatchRowDto {
            id: b.id.0,
            started_at: b.started_at,
            finished_at: b.finished_at,
            files: b.files.clone(),
            counts: BatchCountsDto {
                events: c.events,
                set: c.set,
                cleared: c.cleared,
                skipped_older: c.skipped_older,
                superseded: c.superseded,
                unmapped: c.unmapped,
                rejected: c.rejected,
                failed: c.failed,
                invalid: c.invalid,
            },
            status: b.status,
            error: b.error.clone(),
        }
    }
}

/// One journalled record.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordRowDto {
    pub id: i64,
    pub batch: i64,
    /// Invalid rows have no employee, duty or times.
    pub employee: Option<String>,
    pub duty: Option<engine::event::Duty>,
    /// The wall-clock time as written, in the BOBO time zone.
    pub local: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub source: SourceLineDto,
    pub action: engine::store::ActionKind,
    pub login: Option<String>,
    pub reason: String,
    pub state: engine::store::RecordState,
    /// AtHoc's reply for this record, or the last error.
    pub details: Option<String>,
    pub athoc_user_id: Option<i64>,
    pub attempts: u32,
}

impl From<&RecordRow> for RecordRowDto {
    fn from(r: &RecordRow) -> Self {
        RecordRowDto {
            id: r.id.0,
            batch: r.batch.0,
            employee: r.employee.as_ref().map(|e| e.as_str().to_owned()),
            duty: r.duty,
            local: r.local.clone(),
            at: r.at,
            source: (&r.source).into(),
            action: r.action,
            login: r.login.as_ref().map(|l| l.as_str().to_owned()),
            reason: r.reason.clone(),
            state: r.state,
            details: r.details.clone(),
            athoc_user_id: r.athoc_user_id,
            attempts: r.attempts,
        }
    }
}

/// `get_history`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryDto {
    pub batches: Vec<BatchRowDto>,
    /// Cycles that failed outside any batch, newest first.
    pub failed_runs: Vec<FailedRunDto>,
    pub records: Vec<RecordRowDto>,
}

/// A cycle that failed outside any batch (credentials refused, AtHoc down,
/// mappings not ready), or a run of the same failure.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct FailedRunDto {
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    /// Cycles it failed in.
    pub count: u32,
    /// The failure kind's code (`athoc_authentication`, …).
    pub kind: String,
    pub file: Option<String>,
    pub message: String,
}

impl From<&engine::store::RunFailureRow> for FailedRunDto {
    fn from(r: &engine::store::RunFailureRow) -> Self {
        FailedRunDto {
            first_at: r.first_at,
            last_at: r.last_at,
            count: r.count,
            kind: r.kind.clone(),
            file: r.file.clone(),
            message: r.message.clone(),
        }
    }
}

/// One check (the engine's `CheckResult` is already camelCase).
pub type CheckDto = CheckResult;

/// An incident, with the UI's kind names.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct IncidentDto {
    pub id: u64,
    /// `auth_rejected`, `unreachable`, `updates_failing`,
    /// `mappings_not_synced`, `mapping_sync_failed`, `check_failing`,
    /// `files_failed`, `record_failures`, `approval_needed`,
    /// `no_file_in_active_hours`, … ([`incident_kind_name`]).
    pub kind: &'static str,
    /// `error` (AtHoc or the folder or database unusable) or `warning`, as
    /// the engine's health model ranks it.
    pub severity: &'static str,
    pub summary: String,
    pub since: DateTime<Utc>,
}

/// The UI's name of an incident kind (`api.ts`, `IncidentDto.kind`).
pub fn incident_kind_name(kind: IncidentKind) -> &'static str {
    match kind {
        IncidentKind::AuthenticationRejected => "auth_rejected",
        IncidentKind::AthocUnreachable => "unreachable",
        IncidentKind::UpdatesFailing => "updates_failing",
        IncidentKind::MappingsNotSynced => "mappings_not_synced",
        IncidentKind::MappingSyncFailed => "mapping_sync_failed",
        IncidentKind::CheckFailing => "check_failing",
        IncidentKind::CycleFailing => "cycle_failing",
        IncidentKind::FolderUnavailable => "folder_unavailable",
        IncidentKind::DatabaseLocked => "database_locked",
        IncidentKind::FilesFailed => "files_failed",
        IncidentKind::RecordFailures => "record_failures",
        IncidentKind::ApprovalWaiting => "approval_needed",
        IncidentKind::NoBoboFiles => "no_file_in_active_hours",
        IncidentKind::UnmappedEmployees => "unmapped_employees",
        IncidentKind::EngineStopped => "engine_stopped",
    }
}

impl From<&Incident> for IncidentDto {
    fn from(i: &Incident) -> Self {
        IncidentDto {
            id: i.id,
            kind: incident_kind_name(i.kind),
            severity: if i.kind.is_error() {
                "error"
            } else {
                "warning"
            },
            summary: i.summary.clone(),
            since: i.since,
        }
    }
}

/// What the backend emits on the `engine-event` Tauri event.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum EngineEventDto {
    /// `batch_id` is null until the engine reports it (a full cycle's
    /// start has no batch and no files).
    BatchStarted {
        batch_id: Option<i64>,
        files: Vec<String>,
    },
    /// A batch's updates are being sent: AtHoc has answered for `answered`
    /// of `total` (first 0, then after each request of up to
    /// `USERS_PER_REQUEST` updates).
    Sending {
        answered: usize,
        total: usize,
    },
    BatchFinished {
        report: BatchReportDto,
    },
    FileRejected {
        file: String,
        reason: String,
    },
    RecordFailures {
        count: usize,
    },
    MappingSyncDone {
        report: MappingReportDto,
    },
    CleanupDone {
        report: CleanupReportDto,
    },
    ApprovalNeeded {
        approval: ApprovalDto,
    },
    HealthChanged {
        status: StatusDto,
    },
    IncidentOpened {
        incident: IncidentDto,
    },
    IncidentResolved {
        incident: IncidentDto,
    },
}

/// The Tauri event name engine events are emitted on.
pub const ENGINE_EVENT: &str = "engine-event";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_by_type_with_camel_case_fields() {
        let e = EngineEventDto::BatchStarted {
            batch_id: Some(3),
            files: vec!["a.csv".into()],
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"type": "batchStarted", "batchId": 3, "files": ["a.csv"]})
        );
        let unknown = EngineEventDto::BatchStarted {
            batch_id: None,
            files: Vec::new(),
        };
        assert_eq!(
            serde_json::to_value(&unknown).unwrap()["batchId"],
            serde_json::Value::Null
        );
    }

    #[test]
    fn planned_actions_are_tagged_by_kind() {
        let a = PlannedActionDto::SkipOlder {
            applied_at: DateTime::<Utc>::UNIX_EPOCH,
            applied_from: SourceLineDto {
                file: "f.csv".into(),
                line: 2,
            },
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["kind"], "skip_older");
        assert_eq!(v["appliedFrom"]["line"], 2);
        assert_eq!(
            serde_json::to_value(PlannedActionDto::Unmapped).unwrap()["kind"],
            "unmapped"
        );
    }

    #[test]
    fn setup_status_has_every_key() {
        let v = serde_json::to_value(StatusDto::setup(DateTime::<Utc>::UNIX_EPOCH)).unwrap();
        for key in [
            "health",
            "reason",
            "since",
            "paused",
            "mode",
            "lastFileSeen",
            "lastSuccess",
            "nextMappingSync",
            "pendingFiles",
            "pendingApprovals",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["mode"], "setup");
    }
}
