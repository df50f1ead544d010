//! One full cycle, as the Python tool ran it once a minute: verify the
//! connection, the user-mapping sync if due, every pending BOBO file in
//! batches, stale cleanup, purges. The shell around the pure planners: it
//! gathers inputs, calls them, executes and records.

mod batch;
mod failed;
mod failure;
mod maintenance;
mod reconcile;

pub use failed::{
    failed_files_summary, FailedFile, FailedFileError, FailedSelection, DISMISSED_DIR, NOTE_LIMIT,
};
pub use failure::{Failure, FailureKind};
pub use reconcile::ReconcileReport;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::Instrument;

use crate::athoc::{AthocClient, AthocError, OffsetMeaning};
use crate::config::Settings;
use crate::folder::FolderError;
use crate::plan::Plan;
use crate::store::{BatchRow, RecordRow, RunFailureRow, Store, StoreError};
use crate::time::{AthocDateFormat, TimeError};

/// Where "now" comes from: the system clock in production, a fixed or
/// stepped one in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Whether a file in the drop folder may be read now. The continuous
/// runtime installs one that refuses files the platform reports as still
/// open for writing; without a gate, the settle window alone decides.
pub type FileGate = Arc<dyn Fn(&Path) -> bool + Send + Sync>;

/// How a cycle may act.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleOptions {
    /// Carry out guarded mass changes (mass clear, mapping purge) that would
    /// otherwise wait for approval (`--approve`).
    pub approve: bool,
    /// Run the mapping sync now whatever the schedule says.
    pub force_mapping_sync: bool,
}

/// Why a cycle step could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum CycleError {
    #[error("the BoboSync database: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Athoc(#[from] AthocError),
    #[error(transparent)]
    Folder(#[from] FolderError),
    #[error("ATHOC_DATE_FORMAT: {0}")]
    DateFormat(#[from] TimeError),
    #[error("cannot create the database folder {} (DB_PATH): {source}", path.display())]
    CreateDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// The directory came back without a single collar number: kept the
    /// stored mappings rather than wipe them.
    #[error(
        "AtHoc returned {users} users but none with a {collar_attribute:?} value, so the stored mappings were kept; \
         check COLLAR_ID_FIELD and the operator's access to that attribute"
    )]
    EmptyDirectory {
        collar_attribute: String,
        users: usize,
    },
}

/// What a cycle did, for the CLI and the tray to show.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CycleReport {
    pub mapping: Option<MappingReport>,
    pub batches: Vec<BatchReport>,
    pub cleanup: Option<CleanupReport>,
    /// Processed files purged for age.
    pub purged_files: usize,
    /// Things an operator should look at that do not fail the cycle
    /// (unmapped employees, rejected rows, settings warnings).
    pub warnings: Vec<String>,
    /// Things that failed the cycle, by kind.
    pub failures: Vec<Failure>,
    /// Events left unapplied until an operator acts (files waiting in the
    /// failed folder): not a failure of this cycle, but `once` must not
    /// report success while they stand.
    pub unapplied: Vec<Failure>,
    /// Guarded changes waiting for an operator.
    pub approvals_needed: Vec<String>,
}

/// The cycle's verdict, which the CLI turns into an exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleStatus {
    Success,
    NeedsApproval,
    Failed,
}

impl CycleReport {
    pub fn status(&self) -> CycleStatus {
        if !self.failures.is_empty() || !self.unapplied.is_empty() {
            CycleStatus::Failed
        } else if !self.approvals_needed.is_empty() {
            CycleStatus::NeedsApproval
        } else {
            CycleStatus::Success
        }
    }
}

/// The mapping sync's result.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MappingReport {
    /// Why it ran (the schedule's reason, or "requested").
    pub reason: String,
    pub users_fetched: usize,
    pub mapped: usize,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    /// Collar numbers held by more than one user (not mapped).
    pub duplicates: Vec<String>,
    pub without_collar: usize,
    /// False when the new mappings were not stored (empty result, approval needed).
    pub applied: bool,
    /// The purge past the guard that was not made, and where its approval
    /// stands.
    pub approval: Option<Guarded>,
}

/// A guarded mass change that was not made: what it would do, and where
/// its approval stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guarded {
    pub summary: String,
    pub asked: crate::store::Asked,
}

impl Guarded {
    /// Still needs an operator's answer (not rejected).
    pub fn is_waiting(&self) -> bool {
        !matches!(self.asked, crate::store::Asked::Rejected { .. })
    }

    /// One line for people; `approve` is the pasteable approving command.
    pub fn describe(&self, approve: &str) -> String {
        use crate::store::Asked;
        match &self.asked {
            Asked::Asked { .. } | Asked::StillWaiting { .. } => {
                format!("{}: approve with `{approve}`", self.summary)
            }
            Asked::AskedAgain { .. } => format!(
                "{}; this replaces the change shown before, which is no longer what would be done: approve with `{approve}`",
                self.summary
            ),
            Asked::Rejected { at, .. } => format!(
                "{}: rejected by an operator{}; not asked again while the change stays the same (make it anyway with `{approve}`)",
                self.summary,
                at.map(|t| format!(" at {}", t.format("%Y-%m-%d %H:%M UTC")))
                    .unwrap_or_default()
            ),
        }
    }
}

/// One batch of files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchReport {
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

/// The stale cleanup's result.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CleanupReport {
    /// Users whose duty attribute has a value (as the search found them).
    pub values_set: usize,
    /// The search went out while this cycle's batches were sending, so
    /// `values_set` is what AtHoc held at some moment while they ran; stale
    /// users they updated are not counted (left to the next cleanup).
    pub searched_during_batches: bool,
    pub stale: usize,
    pub cleared: usize,
    pub failed: usize,
    pub unparseable: usize,
    pub dry_run: bool,
    /// Not cleared: past the guard, and not approved (or rejected).
    pub waiting_for_approval: bool,
    /// The clear past the guard that was not made, and where its approval
    /// stands.
    pub approval: Option<Guarded>,
}

/// What the pending files would do, with nothing written anywhere.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Preview {
    /// The drop folder that was looked in.
    pub drop_dir: std::path::PathBuf,
    /// True when the stored mappings are not ready (never synced, or out of
    /// date), so the plan used the user directory fetched (read-only) just
    /// now instead.
    pub mappings_fetched: bool,
    pub files: Vec<String>,
    /// Batches the files (and parked events) would be applied in.
    pub batches: usize,
    pub still_writing: Vec<String>,
    pub plan: Plan,
}

/// History as the operator asks for it.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub batches: Vec<BatchRow>,
    /// Cycles that failed outside any batch (credentials refused, AtHoc
    /// down, …), newest first.
    pub failed_runs: Vec<RunFailureRow>,
    /// Records of one employee or login, newest first (when asked).
    pub records: Vec<RecordRow>,
}

/// Everything an operator should see goes to the log as well as the report.
fn log_outcome(report: &CycleReport) {
    use crate::event::escape_controls as esc;
    for warning in &report.warnings {
        tracing::warn!("{}", esc(warning));
    }
    for approval in &report.approvals_needed {
        tracing::warn!("waiting for approval: {}", esc(approval));
    }
    for failure in report.failures.iter().chain(&report.unapplied) {
        tracing::error!("{}", esc(&failure.message));
    }
    tracing::info!(status = ?report.status(), batches = report.batches.len(), "cycle finished");
}

/// The store behind a mutex, called off the async runtime.
#[derive(Clone)]
pub struct StoreHandle(Arc<Mutex<Store>>);

impl StoreHandle {
    pub fn new(store: Store) -> Self {
        Self(Arc::new(Mutex::new(store)))
    }

    /// Runs `f` on a blocking thread with the store locked.
    pub async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
    {
        let store = Arc::clone(&self.0);
        let joined = tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves SQLite consistent (every
            // write is a transaction), so a poisoned lock is still usable.
            let mut guard = store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await;
        match joined {
            Ok(result) => result,
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }
}

/// Everything one cycle needs: settings, the AtHoc client, the store, a clock.
pub struct SyncContext {
    settings: Settings,
    client: AthocClient,
    store: StoreHandle,
    format: AthocDateFormat,
    clock: Clock,
    file_gate: Option<FileGate>,
    /// Told how far each batch's sending has got.
    progress: Option<crate::execute::ProgressSink>,
    /// Set by [`SyncContext::request_stop`]: no new batch starts.
    stop: Arc<AtomicBool>,
}

/// The engine state key under which what AtHoc's `Offset` means is kept.
const OFFSET_MEANING_KEY: &str = "athoc.offset_meaning";

/// The engine state key under which how many users each directory query
/// matched last time is kept (JSON: `Criteria` → count).
const DIRECTORY_TOTALS_KEY: &str = "athoc.directory_totals";

/// Debug builds only (the tests): with `BOBOSYNC_DEBUG_PANIC=cycle` every
/// full cycle panics at its start, so the tests can show an internal error
/// is never quiet (`runtime::task::supervise`, the panic hook). Release
/// builds have no such switch.
fn injected_panic() {
    #[cfg(debug_assertions)]
    if std::env::var_os("BOBOSYNC_DEBUG_PANIC").is_some_and(|v| v == "cycle") {
        panic!("a panic injected by BOBOSYNC_DEBUG_PANIC=cycle");
    }
}

impl SyncContext {
    /// Opens the database (creating its folder) and builds the AtHoc client.
    pub fn open(settings: Settings) -> Result<Self, CycleError> {
        let db_path = settings.paths.db_path.clone();
        if let Some(parent) = db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::config::create_private_dir_all(parent).map_err(|source| {
                CycleError::CreateDir {
                    path: parent.to_path_buf(),
                    source,
                }
            })?;
        }
        let store = Store::open(&db_path)?;
        Self::with_store(settings, store, Arc::new(Utc::now))
    }

    /// For tests and the demo: a given store and clock.
    pub fn with_store(settings: Settings, store: Store, clock: Clock) -> Result<Self, CycleError> {
        let format = AthocDateFormat::parse(&settings.date_format)?;
        let client = AthocClient::new(settings.athoc.clone())?;
        // What AtHoc's `Offset` meant last time saves every later
        // directory fetch its probe (a wrong one is found out and replaced).
        if let Some(meaning) = store
            .get_state(OFFSET_MEANING_KEY)
            .ok()
            .flatten()
            .and_then(|code| OffsetMeaning::from_code(&code))
        {
            client.assume_offset_meaning(meaning);
        }
        // With how many users a query matched last time, its next fetch
        // asks for all their pages at once (a guess: wrong costs a request
        // or a round trip, never a user).
        if let Some(totals) = store
            .get_state(DIRECTORY_TOTALS_KEY)
            .ok()
            .flatten()
            .and_then(|json| serde_json::from_str(&json).ok())
        {
            client.assume_directory_totals(totals);
        }
        Ok(Self {
            settings,
            client,
            store: StoreHandle::new(store),
            format,
            clock,
            file_gate: None,
            progress: None,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Installs the check every drop-folder file must pass before it is read
    /// (see [`FileGate`]).
    pub fn set_file_gate(&mut self, gate: FileGate) {
        self.file_gate = Some(gate);
    }

    /// Installs where each batch reports how far its sending has got (the
    /// runtime turns it into [`crate::runtime::EngineEvent::Sending`]).
    pub fn set_progress(&mut self, sink: crate::execute::ProgressSink) {
        self.progress = Some(sink);
    }

    /// Asks a running cycle to stop at the next safe point: the batch in
    /// flight finishes (its outcomes recorded), no further batch or cleanup
    /// starts. Used for a graceful shutdown.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether [`SyncContext::request_stop`] was called.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Whether the file gate (if any) lets `path` be read now.
    fn may_read(&self, path: &Path) -> bool {
        self.file_gate.as_ref().is_none_or(|gate| gate(path))
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// `bobosync <command>` as the operator can paste it (with the flag
    /// that names these settings).
    pub fn hint(&self, command: &str) -> String {
        self.settings.hint(command)
    }

    pub fn store(&self) -> &StoreHandle {
        &self.store
    }

    pub fn client(&self) -> &AthocClient {
        &self.client
    }

    pub fn date_format(&self) -> &AthocDateFormat {
        &self.format
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// One full cycle. Never returns early with an error: every step's
    /// problem lands in the report, and later steps still run where they can.
    pub async fn run_once(&self, options: CycleOptions) -> CycleReport {
        injected_panic();
        let mut report = CycleReport {
            warnings: self.settings.warnings(),
            ..CycleReport::default()
        };
        report
            .warnings
            .extend(self.client.trust_notice().map(str::to_owned));
        if let Err(e) = self.close_interrupted_batches().await {
            report.failures.push(Failure::of_cycle(&e, None));
            self.conclude(&report).await;
            return report;
        }
        // Like the Python tool: connect first. An unreachable or refusing
        // AtHoc fails the cycle before any file is touched, so an outage or a
        // wrong password never counts as a failed attempt at a file. A token
        // fetched now, or any answer in the last few seconds, is the proof;
        // otherwise one probe request.
        if let Err(e) = self
            .client
            .confirm_connection()
            .instrument(tracing::debug_span!("check_connection"))
            .await
        {
            report
                .failures
                .push(Failure::athoc(&e, format!("cannot work with AtHoc: {e}")));
            self.conclude(&report).await;
            return report;
        }
        let mappings_refreshed = self
            .mapping_sync_if_due(options, &mut report)
            .instrument(tracing::debug_span!("mapping_sync"))
            .await;
        // The stale cleanup's search goes out beside the batches, not after
        // them: one round trip fewer. Users the batches updated meanwhile
        // are left to the next cleanup (`cleanup_values`).
        // (Without the newest batch's ID to tell this cycle's batches by,
        // the search waits for them, as it used to.)
        let values = match self.mappings_not_ready().await {
            Ok(None) => match self.store.call(|s| s.last_batch_id()).await {
                Ok(floor) => {
                    let (values, ()) = tokio::join!(
                        self.duty_values()
                            .instrument(tracing::debug_span!("cleanup_search")),
                        self.process_files(mappings_refreshed, &mut report)
                    );
                    Some((values, floor))
                }
                Err(e) => {
                    tracing::warn!("cannot read the newest batch's ID ({e}); the stale cleanup waits for the batches");
                    self.process_files(mappings_refreshed, &mut report).await;
                    None
                }
            },
            Ok(Some(waiting)) => {
                report.failures.push(waiting);
                None
            }
            Err(e) => {
                report.failures.push(Failure::of_cycle(&e, None));
                None
            }
        };
        if self.stop_requested() {
            self.conclude(&report).await;
            return report;
        }
        let cleanup = async {
            let (values, searched_before) = match values {
                // The batches' own updates change who has a duty value, so
                // the search's pages may disagree: it is sent again, now
                // that the batches are done.
                Some((
                    Err(CycleError::Athoc(AthocError::DirectoryChanged { from, to, .. })),
                    _,
                )) => {
                    tracing::info!(
                        "the stale cleanup's search saw TotalUsers go from {from} to {to} between \
                         its pages (this cycle's updates landed meanwhile); searching again"
                    );
                    (self.duty_values().await?, None)
                }
                Some((values, floor)) => (values?, Some(floor)),
                None => (self.duty_values().await?, None),
            };
            self.cleanup_values(values, searched_before, false, options.approve)
                .await
        };
        match cleanup.instrument(tracing::debug_span!("cleanup")).await {
            Ok(cleanup) => {
                if let Some(guarded) = &cleanup.approval {
                    let line = guarded.describe(&self.hint("cleanup --approve"));
                    if guarded.is_waiting() {
                        report
                            .approvals_needed
                            .push(format!("stale cleanup: {line}"));
                    } else {
                        report.warnings.push(format!("stale cleanup: {line}"));
                    }
                }
                if cleanup.failed > 0 {
                    report.failures.push(Failure::new(
                        FailureKind::Cleanup,
                        format!(
                            "stale cleanup: {} users could not be cleared",
                            cleanup.failed
                        ),
                    ));
                }
                report.cleanup = Some(cleanup);
            }
            Err(e) => report.failures.push(
                Failure::of_cycle(&e, Some("stale cleanup failed")).as_kind(FailureKind::Cleanup),
            ),
        }
        match self.failed_files() {
            Ok(files) if !files.is_empty() => report.unapplied.push(Failure::new(
                FailureKind::FailedFilesWaiting,
                failed_files_summary(
                    &files,
                    &self.hint("retry --all"),
                    &self.hint("dismiss --all"),
                ),
            )),
            Ok(_) => {}
            Err(e) => report
                .failures
                .push(Failure::new(FailureKind::Folder, e.to_string())),
        }
        match self.purge_processed() {
            Ok(n) => report.purged_files = n,
            Err(e) => report
                .warnings
                .push(format!("purging old processed files: {e}")),
        }
        self.conclude(&report).await;
        report
    }

    /// The end of a cycle (or a fast-path apply): what an operator should see
    /// goes to the log, and failures outside any batch to history, so a
    /// refused password or an outage shows there beside the batches.
    async fn conclude(&self, report: &CycleReport) {
        log_outcome(report);
        let now = self.now();
        let failures: Vec<(&'static str, Option<String>, String)> = report
            .failures
            .iter()
            .filter(|f| f.is_outside_batches())
            .map(|f| (f.kind.code(), f.file.clone(), f.message.clone()))
            .collect();
        let meaning = self.client.offset_meaning();
        let totals = serde_json::to_string(&self.client.directory_totals()).ok();
        let recorded = self
            .store
            .call(move |s| {
                if let Some(meaning) = meaning {
                    s.set_state(OFFSET_MEANING_KEY, meaning.code())?;
                }
                if let Some(totals) = &totals {
                    s.set_state(DIRECTORY_TOTALS_KEY, totals)?;
                }
                if failures.is_empty() {
                    return s.close_run_failures();
                }
                for (kind, file, message) in &failures {
                    s.record_run_failure(kind, file.as_deref(), message, now)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = recorded {
            tracing::warn!("cannot record the failed cycle in history: {e}");
        }
    }

    /// Batches a crash left running are closed as interrupted: their files
    /// never left the drop folder, so the next batch reads them again, and
    /// AtHoc updates are idempotent.
    pub async fn close_interrupted_batches(&self) -> Result<(), CycleError> {
        let now = self.now();
        self.store
            .call(move |s| {
                let interrupted = s.unfinished_batches()?;
                for batch in interrupted {
                    s.close_interrupted(batch, now)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Recent batches, and the records of one employee ID or login.
    pub async fn history(&self, who: Option<String>, limit: usize) -> Result<History, CycleError> {
        Ok(self
            .store
            .call(move |s| {
                let batches = s.recent_batches(limit)?;
                let failed_runs = s.recent_run_failures(limit)?;
                let records = match who {
                    Some(who) => s.records_for(&who, limit)?,
                    None => Vec::new(),
                };
                Ok(History {
                    batches,
                    failed_runs,
                    records,
                })
            })
            .await?)
    }
}
