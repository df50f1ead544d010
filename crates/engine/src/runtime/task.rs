//! The engine task: one loop that owns the runtime state and drives
//! everything. It wakes on a command from a handle, a watch signal, or the
//! time `decide` says the next thing is due; then applies files the
//! platform reported complete (the fast path), rescans, runs the full
//! cycle when due, and publishes status, health and events.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, mpsc, watch};

use crate::athoc::AthocError;
use crate::cycle::{CycleOptions, CycleReport, Failure, FailureKind, SyncContext};
use crate::folder::{self, Candidate};
use crate::schedule::SyncDecision;
use crate::store::ApprovalKind;
use crate::watch::{self as fswatch, FolderWatcher, Platform, WatchSignal};

use super::decide::{self, Intervals, Memory};
use super::files::FileTracker;
use super::health::{self, Change, Incidents, Source};
use super::lock::DataLock;
use super::status::{EngineEvent, Incident, IncidentKind, Status};
use super::{Command, EngineError, EngineHandle, EngineOptions, Inner};

/// Where close events are watched, a file with no close event is read
/// without one only when it has been quiet this long (its events may still
/// be on their way).
const UNSIGNALLED_FLOOR: Duration = Duration::from_secs(1);

/// The key under which "paused" survives restarts.
const PAUSED_KEY: &str = "paused";

/// Sets everything up and spawns the loop.
pub(super) async fn spawn(
    mut ctx: SyncContext,
    options: EngineOptions,
    lock: DataLock,
) -> Result<EngineHandle, EngineError> {
    let paused = ctx
        .store()
        .call(|s| s.get_state(PAUSED_KEY))
        .await?
        .is_some_and(|v| v == "true");
    let tracker = Arc::new(Mutex::new(FileTracker::default()));
    let platform = Platform::current();
    let gate_tracker = Arc::clone(&tracker);
    let watching = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let gate_watching = Arc::clone(&watching);
    ctx.set_file_gate(Arc::new(move |path| {
        let (writing, closed) = gate_tracker
            .lock()
            .map(|t| (t.is_writing(path), t.is_closed(path)))
            .unwrap_or((false, false));
        if writing {
            return false;
        }
        match platform {
            Platform::ExclusiveOpen => fswatch::writer_closed(path),
            // With close events watched, a file without a close event yet
            // may be one whose first events are still on their way: only
            // one quiet for a moment is read without a signal.
            Platform::CloseEvents if gate_watching.load(std::sync::atomic::Ordering::SeqCst) => {
                closed
                    || std::fs::metadata(path)
                        .and_then(|m| m.modified())
                        .map(|modified| {
                            decide::settle_remaining(SystemTime::now(), modified, UNSIGNALLED_FLOOR)
                                .is_none()
                        })
                        .unwrap_or(true)
            }
            _ => true,
        }
    }));
    let (events, first_subscriber) = broadcast::channel(1024);
    let progress_events = events.clone();
    ctx.set_progress(Arc::new(move |p: crate::execute::SendProgress| {
        // No subscriber is fine.
        let _ = progress_events.send(EngineEvent::Sending {
            answered: p.answered,
            total: p.total,
        });
    }));
    let ctx = Arc::new(ctx);
    let now = ctx.now();
    let (status_tx, status_rx) = watch::channel(Status::starting(now, paused));
    let status_tx_last_word = status_tx.clone();
    let (commands, command_rx) = mpsc::channel(32);
    let (idle_tx, idle_rx) = mpsc::unbounded_channel();
    let mut state = State {
        intervals: options.intervals(),
        options,
        ctx: Arc::clone(&ctx),
        platform,
        tracker,
        watcher: None,
        signals: idle_rx,
        _idle_tx: Some(idle_tx),
        handled: HashMap::new(),
        memory: Memory::default(),
        incidents: Incidents::default(),
        paused,
        started: now,
        status: status_tx,
        events: events.clone(),
        settle_wake: None,
        watching,
        update_tries: 0,
        commands: commands.downgrade(),
        _lock: lock,
    };
    state.start_watching();
    let task = tokio::spawn(supervise(
        state.run(command_rx),
        status_tx_last_word,
        events.clone(),
    ));
    Ok(EngineHandle {
        inner: Arc::new(Inner {
            commands,
            status: status_rx,
            events,
            first_subscriber: Mutex::new(Some(first_subscriber)),
            ctx,
            task: Mutex::new(Some(task)),
        }),
    })
}

/// Runs the engine loop. A panic in it (a bug) ends the engine, but never
/// quietly: the panic is logged (with where it happened, by the panic hook
/// [`crate::logging::init`] installs), and the status becomes an error with
/// an [`IncidentKind::EngineStopped`] incident, published as events too —
/// the tray shows it and toasts it, `bobosync run` exits 1. What the loop
/// held is dropped: the watcher stops, the data lock is released.
async fn supervise(
    run: impl std::future::Future<Output = ()>,
    status: watch::Sender<Status>,
    events: broadcast::Sender<EngineEvent>,
) {
    use futures_util::FutureExt as _;
    let Err(panic) = std::panic::AssertUnwindSafe(run).catch_unwind().await else {
        return;
    };
    let what = crate::logging::panic_message(panic.as_ref());
    let mut incident = None;
    status.send_modify(|s| incident = Some(health::engine_stopped(s, Utc::now(), what)));
    let last = status.borrow().clone();
    tracing::error!("{}", last.reason);
    // No subscriber is fine: the status holds it too.
    let _ = events.send(EngineEvent::HealthChanged(last));
    if let Some(incident) = incident {
        let _ = events.send(EngineEvent::IncidentOpened(incident));
    }
}

struct State {
    options: EngineOptions,
    intervals: Intervals,
    ctx: Arc<SyncContext>,
    platform: Platform,
    tracker: Arc<Mutex<FileTracker>>,
    watcher: Option<FolderWatcher>,
    signals: mpsc::UnboundedReceiver<WatchSignal>,
    /// Keeps `signals` open (pending forever) while nothing is watched.
    _idle_tx: Option<mpsc::UnboundedSender<WatchSignal>>,
    /// Files the fast path or a rescan already handed to a batch that are
    /// still in the folder (kept for a later cycle, or left in place), with
    /// the size and mtime they had: not handed over again until changed.
    handled: HashMap<PathBuf, (u64, SystemTime)>,
    memory: Memory,
    incidents: Incidents,
    paused: bool,
    started: DateTime<Utc>,
    status: watch::Sender<Status>,
    events: broadcast::Sender<EngineEvent>,
    /// When a file waiting out its settle window is due for another look.
    settle_wake: Option<tokio::time::Instant>,
    /// Whether change events are being watched (read by the file gate).
    watching: Arc<std::sync::atomic::AtomicBool>,
    /// Tries while updates fail at the request level (the incident keeps
    /// since when).
    update_tries: u32,
    /// For results of work the loop hands off (the scheduled checks); weak,
    /// so the loop still ends when every handle is gone.
    commands: mpsc::WeakSender<Command>,
    _lock: DataLock,
}

impl State {
    fn tracker(&self) -> std::sync::MutexGuard<'_, FileTracker> {
        self.tracker
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn emit(&self, event: EngineEvent) {
        // No subscriber is fine.
        let _ = self.events.send(event);
    }

    /// Starts watching the drop folder when events are wanted and it is not
    /// watched yet. Failing is a warning: rescans still find files.
    fn start_watching(&mut self) {
        if !self.options.watch_events || self.watcher.is_some() {
            return;
        }
        let dir = self.ctx.settings().paths.drop_dir.clone();
        if !dir.is_dir() {
            return;
        }
        let tracker = Arc::clone(&self.tracker);
        let sink = move |signal: &WatchSignal| {
            let mut tracker = tracker
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            tracker.on_signal(signal.clone());
        };
        match fswatch::watch(&dir, sink) {
            Ok((watcher, rx)) => {
                self.watching
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                tracing::info!(folder = %dir.display(), "watching the drop folder for new files");
                self.watcher = Some(watcher);
                self.signals = rx;
                self._idle_tx = None;
                // Anything that arrived before the watch is found by a rescan.
                self.memory.last_rescan = None;
            }
            Err(e) => tracing::warn!("{e}"),
        }
    }

    /// Back to rescans only (the watcher's channel closed).
    fn stop_watching(&mut self) {
        self.watcher = None;
        self.watching
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let (tx, rx) = mpsc::unbounded_channel();
        self.signals = rx;
        self._idle_tx = Some(tx);
    }

    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        tracing::info!(paused = self.paused, "BoboSync engine started");
        loop {
            let now = self.ctx.now();
            let wake = self.next_wake(now);
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(command) => self.handle(command).await,
                    None => break,
                },
                signal = self.signals.recv() => match signal {
                    Some(signal) => {
                        self.take_signal(signal);
                        while let Ok(more) = self.signals.try_recv() {
                            self.take_signal(more);
                        }
                    }
                    None => self.stop_watching(),
                },
                () = tokio::time::sleep_until(wake) => {}
            }
            if self.ctx.stop_requested() {
                break;
            }
            self.step().await;
            if self.ctx.stop_requested() {
                break;
            }
        }
        tracing::info!("BoboSync engine stopped");
    }

    fn next_wake(&self, now: DateTime<Utc>) -> tokio::time::Instant {
        let at = decide::next_wake(now, &self.memory, &self.intervals, self.paused);
        let in_ = (at - now).to_std().unwrap_or(Duration::ZERO);
        let mut wake = tokio::time::Instant::now() + in_;
        if let Some(settle) = self.settle_wake {
            wake = wake.min(settle);
        }
        if self.platform != Platform::CloseEvents && !self.tracker().writing().is_empty() {
            wake = wake.min(tokio::time::Instant::now() + self.options.probe_interval);
        }
        wake
    }

    /// A signal arrived (the watcher already told the tracker).
    fn take_signal(&mut self, signal: WatchSignal) {
        if matches!(signal, WatchSignal::Rescan) {
            self.memory.last_rescan = None;
        }
        let news = self.tracker().take_news();
        if let Some(path) = news {
            self.saw_file(&path);
        }
    }

    /// A new file turned up in the drop folder: remember when, and its name.
    fn saw_file(&mut self, path: &std::path::Path) {
        let now = self.ctx.now();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        // Only what may be an export: not a writer's temporary file, nor
        // the checks' probe.
        if !name.as_deref().is_some_and(folder::looks_like_export) {
            return;
        }
        self.status.send_modify(|s| {
            s.last_file_seen = Some(now);
            s.last_file_name = name;
        });
    }

    /// Everything due after a wake-up.
    async fn step(&mut self) {
        self.probe_writing();
        if !self.paused && self.tracker().has_ready() {
            let ready = self.tracker().take_ready();
            self.fast_path(ready, "file closed").await;
        }
        let now = self.ctx.now();
        let due = decide::due(now, &self.memory, &self.intervals, self.paused);
        if let Some(reason) = due.cycle {
            if !self.ctx.stop_requested() {
                let _ = self
                    .full_cycle(reason.as_str(), CycleOptions::default())
                    .await;
            }
        }
        if due.checks {
            self.memory.last_checks = Some(now);
            self.run_checks_in_background();
        }
        if due.rescan
            || self
                .settle_wake
                .is_some_and(|w| w <= tokio::time::Instant::now())
        {
            self.rescan().await;
        }
        // Files reported complete during the cycle or rescan.
        if !self.paused && self.tracker().has_ready() && !self.ctx.stop_requested() {
            let ready = self.tracker().take_ready();
            self.fast_path(ready, "file closed").await;
        }
    }

    /// The scheduled checks (at start, then daily), off the loop: they wait
    /// on AtHoc, and files must keep flowing meanwhile. Their results come
    /// back as `Command::CheckResults`, like an operator's run.
    fn run_checks_in_background(&self) {
        let ctx = Arc::clone(&self.ctx);
        let commands = self.commands.clone();
        tokio::spawn(async move {
            let results = crate::checks::run_checks(&ctx).await;
            if let Some(commands) = commands.upgrade() {
                let _ = commands.send(Command::CheckResults(results)).await;
            }
        });
    }

    /// Where the platform has no close event, files still being written are
    /// probed (Windows: an exclusive open; elsewhere: the settle window).
    fn probe_writing(&mut self) {
        if self.platform == Platform::CloseEvents {
            return;
        }
        let settle = self.ctx.settings().files.settle;
        let writing = self.tracker().writing();
        for path in writing {
            let done = match self.platform {
                Platform::ExclusiveOpen => fswatch::writer_closed(&path),
                _ => std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .map(|modified| {
                        decide::settle_remaining(SystemTime::now(), modified, settle).is_none()
                    })
                    .unwrap_or(false),
            };
            if done {
                self.tracker().on_signal(WatchSignal::Closed(path));
            }
        }
    }

    /// Applies files the platform reported complete, at once.
    async fn fast_path(&mut self, paths: Vec<PathBuf>, trigger: &str) {
        let dir = self.ctx.settings().paths.drop_dir.clone();
        let wanted: HashSet<PathBuf> = paths.into_iter().collect();
        let candidates: Vec<Candidate> = match folder::list_candidates(&dir) {
            Ok(list) => list
                .into_iter()
                .filter(|c| wanted.contains(&c.path))
                .collect(),
            Err(e) => {
                self.observe(
                    Source::Folder,
                    vec![(IncidentKind::FolderUnavailable, e.to_string())],
                );
                return;
            }
        };
        self.apply(candidates, trigger).await;
    }

    /// Hands `candidates` to the batch step and takes in the outcome.
    async fn apply(&mut self, candidates: Vec<Candidate>, trigger: &str) {
        if candidates.is_empty() {
            return;
        }
        let files: Vec<String> = candidates.iter().map(|c| c.name.clone()).collect();
        for c in &candidates {
            self.handled.insert(c.path.clone(), (c.size, c.modified));
        }
        self.emit(EngineEvent::BatchStarted {
            files: files.clone(),
            trigger: trigger.to_owned(),
        });
        self.publish(Some(&format!("applying {}", describe_files(&files))));
        let report = self.ctx.apply_files(candidates).await;
        self.take_report(&report, true).await;
        let all_failed = !report.batches.is_empty()
            && report
                .batches
                .iter()
                .all(|b| b.failed > 0 && b.set + b.cleared == 0);
        if all_failed {
            // Nothing reached AtHoc: find out why (this is the only
            // connection check on the fast path, and only after a failure).
            let probed = self.ctx.client().check_connection().await;
            let _ = self.observe_connection(probed);
        } else if report.batches.iter().any(|b| b.set + b.cleared > 0) {
            self.observe(Source::Connection, Vec::new());
        }
        self.count_pending();
        self.publish(None);
    }

    /// Lists the folder: pending count, new names, the folder's health, the
    /// no-file rule, and files without events that have settled.
    async fn rescan(&mut self) {
        // Take in the events already delivered, so a file whose writer has
        // just opened it is known to be open.
        while let Ok(signal) = self.signals.try_recv() {
            self.take_signal(signal);
        }
        let now = self.ctx.now();
        self.memory.last_rescan = Some(now);
        self.settle_wake = None;
        self.start_watching();
        let dir = self.ctx.settings().paths.drop_dir.clone();
        let candidates = match folder::list_candidates(&dir) {
            Ok(list) => {
                self.observe(Source::Folder, Vec::new());
                list
            }
            Err(e) => {
                self.observe(
                    Source::Folder,
                    vec![(IncidentKind::FolderUnavailable, e.to_string())],
                );
                self.publish(None);
                return;
            }
        };
        let present: HashSet<PathBuf> = candidates.iter().map(|c| c.path.clone()).collect();
        let mut newest: Option<PathBuf> = None;
        {
            let mut tracker = self.tracker();
            for c in &candidates {
                if tracker.saw(&c.path) {
                    newest = Some(c.path.clone());
                }
            }
            tracker.retain_seen(&present);
        }
        if let Some(path) = newest {
            self.saw_file(&path);
        }
        self.handled.retain(|p, _| present.contains(p));
        self.status
            .send_modify(|s| s.pending_files = candidates.len());
        if let Some(rule) = self.options.stale_export {
            let last = self.status.borrow().last_file_seen;
            let warning = decide::no_files_warning(
                now,
                self.ctx.settings().time_zone,
                last,
                self.started,
                &rule,
            );
            self.observe(
                Source::Staleness,
                warning
                    .map(|w| (IncidentKind::NoBoboFiles, w))
                    .into_iter()
                    .collect(),
            );
        }
        if self.paused {
            self.publish(None);
            return;
        }
        // Files with no platform signal: the settle window decides. Where
        // close events are watched, a file young enough that its events may
        // still be on their way waits a moment too.
        let mut settle = self.ctx.settings().files.settle;
        if self.watcher.is_some() && self.platform == Platform::CloseEvents {
            settle = settle.max(UNSIGNALLED_FLOOR);
        }
        let wall = SystemTime::now();
        let mut ready = Vec::new();
        let mut wait: Option<Duration> = None;
        for c in candidates {
            if self.handled.get(&c.path) == Some(&(c.size, c.modified)) {
                continue;
            }
            if self.tracker().is_writing(&c.path) {
                continue;
            }
            match decide::settle_remaining(wall, c.modified, settle) {
                None => ready.push(c),
                Some(left) => wait = Some(wait.map_or(left, |w| w.min(left))),
            }
        }
        if let Some(wait) = wait {
            self.settle_wake = Some(tokio::time::Instant::now() + wait);
        }
        self.apply(ready, "rescan").await;
        self.publish(None);
    }

    /// A full cycle: connection check (classified for the health model),
    /// then the cycle as `bobosync once` runs it.
    /// AtHoc's error when the connection check failed (no cycle ran).
    async fn full_cycle(
        &mut self,
        trigger: &str,
        options: CycleOptions,
    ) -> Result<CycleReport, AthocError> {
        let now = self.ctx.now();
        self.memory.last_cycle = Some(now);
        self.emit(EngineEvent::BatchStarted {
            files: Vec::new(),
            trigger: trigger.to_owned(),
        });
        self.publish(Some(trigger));
        let confirmed = self.ctx.client().confirm_connection().await;
        if let Err(e) = self.observe_connection(confirmed) {
            self.memory.failures_in_a_row += 1;
            self.publish(None);
            return Err(e);
        }
        let report = self.ctx.run_once(options).await;
        // The cycle applied whatever was complete in the folder when it
        // looked; files reported complete since stay ready for the fast path.
        self.handled.clear();
        self.take_report(&report, false).await;
        if let Some(mapping) = &report.mapping {
            self.emit(EngineEvent::MappingSyncDone(mapping.clone()));
        }
        if let Some(cleanup) = &report.cleanup {
            self.emit(EngineEvent::CleanupDone(cleanup.clone()));
        }
        if report.failures.is_empty() {
            self.memory.failures_in_a_row = 0;
        } else {
            self.memory.failures_in_a_row += 1;
        }
        self.memory.next_mapping_sync = match self.ctx.mapping_sync_decision().await {
            _ if !self.ctx.settings().mapping.enabled => None,
            Ok(SyncDecision::NotDue { next }) => Some(next),
            Ok(SyncDecision::Due(_)) => Some(self.ctx.now()),
            Err(_) => None,
        };
        let next = self.memory.next_mapping_sync;
        self.status.send_modify(|s| s.next_mapping_sync = next);
        self.count_pending();
        self.publish(None);
        Ok(report)
    }

    /// Records the outcome of a connection check.
    fn observe_connection(&mut self, checked: Result<(), AthocError>) -> Result<(), AthocError> {
        match checked {
            Ok(()) => {
                self.observe(Source::Connection, Vec::new());
                Ok(())
            }
            Err(e) => {
                let kind = match e {
                    AthocError::Authentication { .. }
                    | AthocError::Unauthorized { .. }
                    | AthocError::Forbidden { .. } => IncidentKind::AuthenticationRejected,
                    _ => IncidentKind::AthocUnreachable,
                };
                self.observe(Source::Connection, vec![(kind, e.to_string())]);
                Err(e)
            }
        }
    }

    /// Events and incidents from a cycle's or fast batch's report. Every
    /// decision here is made on the failures' kinds, never their wording.
    async fn take_report(&mut self, report: &CycleReport, fast: bool) {
        let now = self.ctx.now();
        let mut found = Vec::new();
        for batch in &report.batches {
            self.emit(EngineEvent::BatchFinished(batch.clone()));
        }
        // A file given up on, unreadable, or refused for good is news to
        // an operator; a file kept through an outage is covered by the
        // standing "updates failing" incident.
        for failure in &report.failures {
            let news = matches!(
                failure.kind,
                FailureKind::FileGivenUp | FailureKind::FileUnreadable
            ) || failure
                .athoc
                .as_ref()
                .is_some_and(AthocError::is_definitive_refusal);
            if let (true, Some(file)) = (news, &failure.file) {
                self.emit(EngineEvent::FileRejected {
                    file: file.clone(),
                    reason: failure.message.clone(),
                });
            }
        }
        let refused: Vec<String> = report
            .failures
            .iter()
            .filter(|f| f.kind == FailureKind::RecordRefused)
            .map(|f| f.message.clone())
            .collect();
        if !refused.is_empty() {
            self.emit(EngineEvent::RecordFailures {
                count: refused.len(),
                details: refused.iter().take(5).cloned().collect(),
            });
            found.push((
                IncidentKind::RecordFailures,
                format!("AtHoc refused {} update(s); see the history", refused.len()),
            ));
        }
        let other: Vec<&Failure> = report
            .failures
            .iter()
            .filter(|f| {
                matches!(
                    f.kind,
                    FailureKind::FileUnreadable
                        | FailureKind::Folder
                        | FailureKind::Database
                        | FailureKind::Settings
                        | FailureKind::Cleanup
                )
            })
            .collect();
        if let Some(first) = other.first() {
            let more = if other.len() > 1 {
                format!(" (and {} more)", other.len() - 1)
            } else {
                String::new()
            };
            found.push((
                IncidentKind::CycleFailing,
                format!("{}{more}", first.message),
            ));
        }
        let unmapped: usize = report.batches.iter().map(|b| b.unmapped).sum();
        if unmapped > 0 {
            found.push((
                IncidentKind::UnmappedEmployees,
                format!("{unmapped} event(s) for employee IDs no AtHoc user has"),
            ));
        }
        let locked = report
            .failures
            .iter()
            .find(|f| f.kind == FailureKind::DatabaseLocked);
        self.observe(
            Source::Store,
            locked
                .map(|f| (IncidentKind::DatabaseLocked, f.message.clone()))
                .into_iter()
                .collect(),
        );
        if !report.batches.is_empty() || !fast {
            self.observe(Source::Batch, found);
        }
        self.observe_updates(report, fast);
        let found_of = |kind: FailureKind, incident: IncidentKind| -> Vec<(IncidentKind, String)> {
            report
                .failures
                .iter()
                .find(|f| f.kind == kind)
                .map(|f| (incident, f.message.clone()))
                .into_iter()
                .collect()
        };
        // The fast path also sees files wait for mappings; only a full cycle
        // runs the sync itself.
        let not_synced = found_of(
            FailureKind::MappingsNotSynced,
            IncidentKind::MappingsNotSynced,
        );
        if !fast || !not_synced.is_empty() {
            self.observe(Source::Mappings, not_synced);
        }
        if !fast {
            let sync = found_of(FailureKind::MappingSync, IncidentKind::MappingSyncFailed);
            self.observe(Source::MappingSync, sync);
        }
        for approval in &report.approvals_needed {
            self.emit(EngineEvent::ApprovalNeeded {
                summary: approval.clone(),
            });
        }
        self.refresh_approvals().await;
        // A fast batch changes the failed folder only when it gives a file up.
        if !fast || report.batches.iter().any(|b| b.files_failed > 0) {
            self.refresh_failed_files().await;
        }
        if report.failures.is_empty() && (!fast || !report.batches.is_empty()) {
            self.status.send_modify(|s| s.last_success = Some(now));
        }
    }

    /// The standing "AtHoc refuses updates" incident: open while files wait
    /// because AtHoc could not take their updates (not a definitive refusal:
    /// those count attempts and are reported per file), counting the tries;
    /// resolved once a batch, or a full cycle, leaves no file waiting.
    fn observe_updates(&mut self, report: &CycleReport, fast: bool) {
        let waiting: Vec<_> = report
            .failures
            .iter()
            .filter(|f| {
                f.file.is_some()
                    && f.kind != FailureKind::FileGivenUp
                    && f.athoc.as_ref().is_some_and(|e| !e.is_definitive_refusal())
            })
            .collect();
        if let Some(first) = waiting.first() {
            let now = self.ctx.now();
            self.update_tries += 1;
            let since = self
                .incidents
                .since(IncidentKind::UpdatesFailing)
                .unwrap_or(now);
            let summary = health::updates_failing_summary(
                first.athoc.as_ref(),
                since,
                self.update_tries,
                waiting.len(),
                self.ctx.settings().time_zone,
            );
            self.observe(
                Source::Updates,
                vec![(IncidentKind::UpdatesFailing, summary)],
            );
        } else if !fast || !report.batches.is_empty() {
            self.update_tries = 0;
            self.observe(Source::Updates, Vec::new());
        }
    }

    /// Failing checks are health: one incident naming the first failing
    /// check (and how many more), open until a run finds them all passing.
    fn observe_checks(&mut self, results: &[crate::checks::CheckResult]) {
        // AtHoc being unusable is the cycles' incident (each connects first).
        let failing: Vec<&crate::checks::CheckResult> = results
            .iter()
            .filter(|r| r.status == crate::checks::CheckStatus::Fail && r.cause.is_none())
            .collect();
        let found = match failing.as_slice() {
            [] => Vec::new(),
            [first, rest @ ..] => {
                let more = if rest.is_empty() {
                    String::new()
                } else {
                    format!(" (and {} more failing check(s))", rest.len())
                };
                vec![(
                    IncidentKind::CheckFailing,
                    format!("check failed: {}: {}{more}", first.title, first.detail),
                )]
            }
        };
        if let Some(drift) = results.iter().find_map(|r| r.drift) {
            self.status.send_modify(|s| s.drift = Some(drift));
        }
        self.memory.checks_failing = !found.is_empty();
        self.observe(Source::Checks, found);
    }

    /// The failed folder as a standing warning: files there hold events that
    /// were never applied, until an operator retries or dismisses them.
    async fn refresh_failed_files(&mut self) {
        let files = match self.ctx.failed_files() {
            Ok(files) => files,
            Err(e) => {
                tracing::warn!("cannot list the failed folder: {e}");
                return;
            }
        };
        let found: Vec<(IncidentKind, String)> = if files.is_empty() {
            Vec::new()
        } else {
            let ctx = &self.ctx;
            vec![(
                IncidentKind::FilesFailed,
                crate::cycle::failed_files_summary(
                    &files,
                    &ctx.hint("retry --all"),
                    &ctx.hint("dismiss --all"),
                ),
            )]
        };
        self.observe(Source::FailedFolder, found);
    }

    async fn refresh_approvals(&mut self) {
        match self.ctx.store().call(|s| s.pending_approvals()).await {
            Ok(pending) => {
                let found: Vec<(IncidentKind, String)> = pending
                    .iter()
                    .map(|a| {
                        (
                            IncidentKind::ApprovalWaiting,
                            format!("waiting for approval: {}", a.summary),
                        )
                    })
                    .take(1)
                    .collect();
                let count = pending.len();
                self.status.send_modify(|s| s.pending_approvals = count);
                self.observe(Source::Approvals, found);
            }
            Err(e) => tracing::warn!("cannot read the pending approvals: {e}"),
        }
    }

    fn count_pending(&mut self) {
        if let Ok(list) = folder::list_candidates(&self.ctx.settings().paths.drop_dir) {
            let n = list.len();
            self.status.send_modify(|s| s.pending_files = n);
        }
    }

    /// Feeds the health model; emits and logs incident changes.
    fn observe(&mut self, source: Source, found: Vec<(IncidentKind, String)>) {
        let now = self.ctx.now();
        for change in self.incidents.observe(now, source, &found) {
            match change {
                Change::Opened(incident) => {
                    if incident.kind.is_error() {
                        tracing::error!(kind = ?incident.kind, "incident: {}", incident.summary);
                    } else {
                        tracing::warn!(kind = ?incident.kind, "incident: {}", incident.summary);
                    }
                    self.emit(EngineEvent::IncidentOpened(incident));
                }
                Change::Resolved(incident) => {
                    tracing::info!(kind = ?incident.kind, "resolved: {}", incident.summary);
                    self.emit(EngineEvent::IncidentResolved(incident));
                }
            }
        }
        let open: Vec<Incident> = self.incidents.open().into_iter().cloned().collect();
        self.status.send_if_modified(|s| {
            let changed = s.incidents != open;
            if changed {
                s.incidents = open;
            }
            changed
        });
    }

    /// Recomputes health (with `syncing` saying what is in flight) and
    /// publishes the status; a change of health or reason is an event.
    fn publish(&mut self, syncing: Option<&str>) {
        let now = self.ctx.now();
        let (health, reason) = health::derive(self.paused, syncing, &self.incidents);
        let paused = self.paused;
        let mut changed = false;
        self.status.send_modify(|s| {
            s.paused = paused;
            changed = health::apply(s, now, health, reason);
        });
        if changed {
            let status = self.status.borrow().clone();
            if syncing.is_none() {
                tracing::info!(health = ?status.health, "{}", status.reason);
            }
            self.emit(EngineEvent::HealthChanged(status));
        }
    }

    async fn set_paused(&mut self, paused: bool) -> Result<(), EngineError> {
        let value = if paused { "true" } else { "false" };
        self.ctx
            .store()
            .call(move |s| s.set_state(PAUSED_KEY, value))
            .await?;
        self.paused = paused;
        tracing::info!("{}", if paused { "paused" } else { "resumed" });
        self.publish(None);
        Ok(())
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::SyncNow(reply) => {
                let report = self.full_cycle("requested", CycleOptions::default()).await;
                let _ = reply.send(report.map_err(connection_error));
            }
            Command::Pause(reply) => {
                let _ = reply.send(self.set_paused(true).await);
            }
            Command::Resume(reply) => {
                let result = self.set_paused(false).await;
                let ok = result.is_ok();
                let _ = reply.send(result);
                if ok {
                    // Catch up on everything that arrived while paused.
                    let _ = self.full_cycle("resumed", CycleOptions::default()).await;
                }
            }
            Command::SyncMappings(reply) => {
                let options = CycleOptions {
                    force_mapping_sync: true,
                    ..CycleOptions::default()
                };
                let result = match self
                    .full_cycle("user-mapping sync requested", options)
                    .await
                {
                    Err(e) => Err(connection_error(e)),
                    Ok(report) => report.mapping.ok_or_else(|| {
                        EngineError::Failure(
                            report
                                .failures
                                .iter()
                                .find(|f| f.kind == FailureKind::MappingSync)
                                .or_else(|| report.failures.first())
                                .cloned()
                                .unwrap_or_else(|| {
                                    Failure::new(
                                        FailureKind::MappingSync,
                                        "the user-mapping sync did not run",
                                    )
                                }),
                        )
                    }),
                };
                let _ = reply.send(result);
            }
            Command::Approve(id, reply) => {
                let result = self.approve(id).await;
                let _ = reply.send(result);
                self.refresh_approvals().await;
                self.publish(None);
            }
            Command::CheckResults(results) => {
                self.observe_checks(&results);
                self.publish(None);
            }
            Command::Refresh => {
                self.refresh_approvals().await;
                self.refresh_failed_files().await;
                self.publish(None);
            }
            Command::Wake => {}
        }
    }

    async fn approve(&mut self, id: crate::store::ApprovalId) -> Result<(), EngineError> {
        let pending = self.ctx.store().call(|s| s.pending_approvals()).await?;
        let approval = pending
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(EngineError::NoSuchApproval(id))?;
        // The cycle step applies the change only if it is still the one
        // this approval showed; otherwise it asks again (`approval`).
        let asked_again = match approval.kind {
            ApprovalKind::MassClear => {
                let report = self.ctx.cleanup(false, true).await?;
                let asked_again = report.approval.clone();
                self.emit(EngineEvent::CleanupDone(report));
                asked_again
            }
            ApprovalKind::MappingPurge => {
                let report = self
                    .ctx
                    .sync_mappings("approved by an operator".to_owned(), true)
                    .await?;
                let asked_again = report.approval.clone();
                self.emit(EngineEvent::MappingSyncDone(report));
                asked_again
            }
            ApprovalKind::ReconcileFix => {
                let report = self.ctx.reconcile(true, true).await?;
                let asked_again = report.approval.clone();
                self.status
                    .send_modify(|s| s.drift = Some(report.reconciliation.serious()));
                asked_again
            }
        };
        match asked_again {
            Some(guarded) => Err(EngineError::ApprovalChanged(guarded)),
            None => Ok(()),
        }
    }
}

fn describe_files(files: &[String]) -> String {
    match files {
        [one] => one.clone(),
        many => format!("{} files", many.len()),
    }
}

/// The error a command gets when the connection check failed.
fn connection_error(e: AthocError) -> EngineError {
    EngineError::Cycle(crate::cycle::CycleError::Athoc(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Health;

    #[tokio::test]
    async fn a_panicking_engine_leaves_an_error_status_and_says_so_in_events() {
        let (status, watching) = watch::channel(Status::starting(Utc::now(), false));
        let (events, mut heard) = broadcast::channel(8);
        let run = async { panic!("the loop broke") };
        supervise(run, status, events).await;
        let last = watching.borrow().clone();
        assert_eq!(last.health, Health::Error);
        assert!(last.reason.ends_with(": the loop broke"), "{}", last.reason);
        assert!(matches!(heard.try_recv(), Ok(EngineEvent::HealthChanged(s)) if s == last));
        assert!(matches!(
            heard.try_recv(),
            Ok(EngineEvent::IncidentOpened(i))
                if i.kind == IncidentKind::EngineStopped && i.summary == last.reason
        ));
    }

    #[tokio::test]
    async fn an_engine_that_ends_normally_leaves_its_status_alone() {
        let (status, watching) = watch::channel(Status::starting(Utc::now(), false));
        let (events, mut heard) = broadcast::channel(8);
        supervise(async {}, status, events).await;
        assert_eq!(watching.borrow().health, Health::Ok);
        assert!(heard.try_recv().is_err());
    }
}
