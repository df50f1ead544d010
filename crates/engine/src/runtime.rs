//! The continuous runtime, shared by the tray app and `bobosync run`: one
//! long-running engine task behind a cloneable [`EngineHandle`]. It watches
//! the drop folder and applies a file as soon as the platform says its
//! writer closed it (no settle window, connection check, mapping sync or
//! cleanup in that path); it rescans the folder as a fallback; it runs the
//! full cycle (mapping sync when due, stale cleanup, purge) on a schedule
//! decided by pure functions (`decide`); it keeps a health model with
//! incidents (`health`) and publishes a status snapshot and an event
//! stream. One engine per database (`lock`).
//!
//! Layout: `status` (the vocabulary: `Status`, `Health`, `EngineEvent`,
//! `Incident`), `health` and `decide` and `files` (pure), `lock` (the data
//! directory lock), `task` (the loop that drives it all).

mod decide;
mod files;
mod health;
mod lock;
mod status;
mod task;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::checks::CheckResult;
use crate::config::Settings;
use crate::cycle::{
    CycleError, CycleReport, FailedFile, FailedFileError, FailedSelection, History, MappingReport,
    Preview, SyncContext,
};
use crate::store::{Approval, ApprovalId, StoreError};

pub use decide::{
    backoff, due, next_wake, no_files_warning, settle_remaining, within_hours, CycleReason, Due,
    Intervals, Memory, StaleExportRule,
};
pub use files::FileTracker;
pub use health::{apply as apply_health, derive as derive_health, Change, Incidents, Source};
pub use lock::{acquire as acquire_lock, lock_path, DataLock, LockError};
pub use status::{EngineEvent, Health, Incident, IncidentKind, Status};

/// How the runtime behaves beyond the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineOptions {
    /// Rescan the drop folder this often (the fallback for missed events
    /// and folders without change events). `RESCAN_SECONDS` when set.
    pub rescan_interval: Duration,
    /// A full cycle (stale cleanup, purge) at least this often when idle.
    pub maintenance_interval: Duration,
    /// First retry after a failed full cycle (doubling up to `maintenance_interval`).
    pub retry_interval: Duration,
    /// How often files still being written are probed where the platform
    /// has no close event (Windows, macOS).
    pub probe_interval: Duration,
    /// Warn when no BOBO file arrives for a while during active hours.
    pub stale_export: Option<StaleExportRule>,
    /// Use file-system events (off: rescans only).
    pub watch_events: bool,
    /// Who holds the lock, as the second instance's message shows it.
    pub program: String,
    /// The checks run at start and then this often; a failing one is an
    /// open incident until a later run passes.
    pub check_interval: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            rescan_interval: Duration::from_secs(10),
            maintenance_interval: Duration::from_secs(5 * 60),
            retry_interval: Duration::from_secs(30),
            probe_interval: Duration::from_millis(100),
            stale_export: None,
            watch_events: true,
            program: "BoboSync".to_owned(),
            check_interval: Duration::from_secs(24 * 3600),
        }
    }
}

impl EngineOptions {
    /// The defaults with the runtime settings (`RESCAN_SECONDS`,
    /// `NO_FILE_WARNING_MINUTES`, `ACTIVE_HOURS`) applied.
    pub fn from_settings(settings: &Settings, program: &str) -> EngineOptions {
        let runtime = &settings.runtime;
        EngineOptions {
            rescan_interval: runtime.rescan,
            stale_export: runtime.no_file_warning.map(|after| StaleExportRule {
                after,
                active_from: runtime.active_hours.0,
                active_until: runtime.active_hours.1,
            }),
            program: program.to_owned(),
            ..EngineOptions::default()
        }
    }

    fn intervals(&self) -> Intervals {
        Intervals {
            rescan: self.rescan_interval.max(Duration::from_millis(10)),
            maintenance: self.maintenance_interval.max(Duration::from_millis(10)),
            retry: self.retry_interval.max(Duration::from_millis(10)),
            checks: self.check_interval.max(Duration::from_secs(1)),
        }
    }
}

/// Why an engine call failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Another engine holds the database (or the lock file cannot be made).
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot start the BoboSync engine: {0}")]
    Open(#[source] CycleError),
    #[error(transparent)]
    Cycle(#[from] CycleError),
    #[error("the BoboSync database: {0}")]
    Store(#[from] StoreError),
    /// A cycle step failed (e.g. the user-mapping sync); the kind says what.
    #[error("{0}")]
    Failure(crate::cycle::Failure),
    #[error("there is no pending approval {0}; it may have been approved, rejected or replaced meanwhile")]
    NoSuchApproval(ApprovalId),
    /// The change an operator approved is no longer the change that would
    /// be made; nothing was done and the new one waits for approval.
    #[error("nothing was done: the change shown is no longer what would be done, so it is asked again: {}", .0.summary)]
    ApprovalChanged(crate::cycle::Guarded),
    /// A failed file named that is not there, or the failed folder unusable.
    #[error(transparent)]
    FailedFile(#[from] crate::cycle::FailedFileError),
    #[error("the BoboSync engine has stopped: restart BoboSync (the log says why it stopped)")]
    Stopped,
}

impl EngineError {
    /// Whether another engine holds the database.
    pub fn is_locked(&self) -> bool {
        matches!(self, EngineError::Lock(LockError::Held { .. }))
    }
}

type Reply<T> = oneshot::Sender<Result<T, EngineError>>;

/// What the handle asks of the engine task.
enum Command {
    SyncNow(Reply<CycleReport>),
    Pause(Reply<()>),
    Resume(Reply<()>),
    SyncMappings(Reply<MappingReport>),
    Approve(ApprovalId, Reply<()>),
    /// Results of a check run made outside the loop, for the health model.
    CheckResults(Vec<CheckResult>),
    Refresh,
    /// Wakes the loop so it sees a stop request.
    Wake,
}

/// Starts engines.
pub struct Engine;

impl Engine {
    /// Takes the data-directory lock (refusing, with a message naming the
    /// holder, when another engine has it), opens the store, spawns the
    /// engine task on the current tokio runtime and starts watching.
    pub async fn start(
        settings: Settings,
        options: EngineOptions,
    ) -> Result<EngineHandle, EngineError> {
        let db = settings.paths.db_path.clone();
        if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::config::create_private_dir_all(parent).map_err(|source| {
                EngineError::Open(CycleError::CreateDir {
                    path: parent.to_path_buf(),
                    source,
                })
            })?;
        }
        let lock = lock::acquire(&db, &options.program, Utc::now())?;
        let ctx = SyncContext::open(settings).map_err(EngineError::Open)?;
        task::spawn(ctx, options, lock).await
    }
}

/// The cloneable handle on a running engine.
#[derive(Clone)]
pub struct EngineHandle {
    inner: Arc<Inner>,
}

struct Inner {
    commands: mpsc::Sender<Command>,
    status: watch::Receiver<Status>,
    events: broadcast::Sender<EngineEvent>,
    /// Subscribed before the task started, for the first subscriber.
    first_subscriber: Mutex<Option<broadcast::Receiver<EngineEvent>>>,
    ctx: Arc<SyncContext>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl EngineHandle {
    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, EngineError> {
        let (tx, rx) = oneshot::channel();
        self.inner
            .commands
            .send(make(tx))
            .await
            .map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }

    /// The current status.
    pub fn status(&self) -> Status {
        self.inner.status.borrow().clone()
    }

    /// Every status change, as it happens.
    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.inner.status.clone()
    }

    /// The event stream. The first call gets every event since the engine
    /// started (so nothing of the first cycle is missed); later calls get
    /// events from now on. A slow subscriber misses the oldest (`Lagged`).
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        let first = self
            .inner
            .first_subscriber
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        first.unwrap_or_else(|| self.inner.events.subscribe())
    }

    /// A full cycle now (even while paused: an operator asked for it).
    pub async fn sync_now(&self) -> Result<CycleReport, EngineError> {
        self.ask(Command::SyncNow).await
    }

    /// Stops applying files until [`EngineHandle::resume`]; remembered in
    /// the database across restarts. A batch in flight finishes first.
    pub async fn pause(&self) -> Result<(), EngineError> {
        self.ask(Command::Pause).await
    }

    /// Applies again, starting with a full cycle that catches up on every
    /// file that arrived meanwhile.
    pub async fn resume(&self) -> Result<(), EngineError> {
        self.ask(Command::Resume).await
    }

    /// The user-mapping sync now (in a full cycle, so events parked for
    /// unmapped employees get another look).
    pub async fn sync_mappings_now(&self) -> Result<MappingReport, EngineError> {
        self.ask(Command::SyncMappings).await
    }

    /// What the pending files would do; nothing is sent or written.
    pub async fn preview(&self) -> Result<Preview, EngineError> {
        Ok(self.inner.ctx.preview().await?)
    }

    /// Guarded mass changes waiting for an operator.
    pub async fn pending_approvals(&self) -> Result<Vec<Approval>, EngineError> {
        Ok(self
            .inner
            .ctx
            .store()
            .call(|s| s.pending_approvals())
            .await?)
    }

    /// Approves a pending mass change and carries it out.
    pub async fn approve(&self, id: ApprovalId) -> Result<(), EngineError> {
        self.ask(|reply| Command::Approve(id, reply)).await
    }

    /// Rejects a pending mass change; nothing is done. The guard asks again
    /// if the next cycle finds the same situation.
    pub async fn reject(&self, id: ApprovalId) -> Result<(), EngineError> {
        let now = self.inner.ctx.now();
        let found = self
            .inner
            .ctx
            .store()
            .call(move |s| {
                if !s.pending_approvals()?.iter().any(|a| a.id == id) {
                    return Ok(false);
                }
                s.resolve_approval(id, false, now)?;
                Ok(true)
            })
            .await?;
        if !found {
            return Err(EngineError::NoSuchApproval(id));
        }
        let _ = self.inner.commands.send(Command::Refresh).await;
        Ok(())
    }

    /// Recent batches, and the records of one employee ID or login.
    pub async fn history(&self, who: Option<String>, limit: usize) -> Result<History, EngineError> {
        Ok(self.inner.ctx.history(who, limit).await?)
    }

    /// Every record of one batch, by file then line (the history drill-down).
    pub async fn batch_records(
        &self,
        batch: crate::store::BatchId,
    ) -> Result<Vec<crate::store::RecordRow>, EngineError> {
        Ok(self
            .inner
            .ctx
            .store()
            .call(move |s| s.batch_records(batch))
            .await?)
    }

    /// The files waiting in the failed folder, with why each is there.
    pub async fn failed_files(&self) -> Result<Vec<FailedFile>, EngineError> {
        Ok(self
            .inner
            .ctx
            .failed_file_details()
            .map_err(FailedFileError::from)?)
    }

    /// Puts failed files back into the drop folder (notes removed, attempts
    /// forgotten): the engine applies them as new. Returns their names there.
    pub async fn retry_failed(
        &self,
        selection: FailedSelection,
    ) -> Result<Vec<String>, EngineError> {
        let moved = self.inner.ctx.retry_failed(&selection)?;
        let _ = self.inner.commands.send(Command::Refresh).await;
        Ok(moved)
    }

    /// Dismisses failed files: kept in `failed/dismissed/`, no longer
    /// reported; their events stay unapplied. Returns their names there.
    pub async fn dismiss_failed(
        &self,
        selection: FailedSelection,
    ) -> Result<Vec<String>, EngineError> {
        let dismissed = self.inner.ctx.dismiss_failed(&selection)?;
        let _ = self.inner.commands.send(Command::Refresh).await;
        Ok(dismissed)
    }

    /// The connection and field-mapping checks. A failing check is an open
    /// incident until a later run finds it passing.
    pub async fn checks(&self) -> Result<Vec<CheckResult>, EngineError> {
        // Run here, not in the engine's loop: the checks wait on AtHoc, and
        // files must keep flowing meanwhile.
        let results = crate::checks::run_checks(&self.inner.ctx).await;
        self.inner
            .commands
            .send(Command::CheckResults(results.clone()))
            .await
            .map_err(|_| EngineError::Stopped)?;
        Ok(results)
    }

    /// Stops the engine: the batch in flight finishes and its outcomes are
    /// recorded, no new one starts, the lock is released. Other clones of
    /// the handle answer [`EngineError::Stopped`] afterwards.
    pub async fn shutdown(self) {
        self.inner.ctx.request_stop();
        let _ = self.inner.commands.try_send(Command::Wake);
        let task = self
            .inner
            .task
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(task) = task {
            if let Err(e) = task.await {
                if e.is_panic() {
                    tracing::error!("the engine task panicked while stopping");
                }
            }
        }
    }
}
