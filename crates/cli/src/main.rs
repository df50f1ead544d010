//! `bobosync`: the headless BoboSync command. A thin shell: arguments →
//! settings → one engine call → printed report and exit status. No sync
//! logic lives here.

mod args;
mod demo;
mod legacy;
mod print;
mod service;

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use engine::config::{ConfigSource, Host, LoadError, Locations, Settings};
use engine::cycle::{CycleOptions, CycleReport, CycleStatus, FailedSelection, SyncContext};
use engine::logging::{self, ConsoleLog, LogGuard};
use engine::runtime::{
    acquire_lock, DataLock, Engine, EngineEvent, EngineOptions, Health, IncidentKind, LockError,
};

use crate::args::{Cli, Command, ConfigArgs};

/// Exit statuses, documented in the README.
pub mod exit {
    /// The cycle fully succeeded (warnings allowed).
    pub const OK: u8 = 0;
    /// Something failed; files that could not be applied stay for the next run.
    pub const FAILED: u8 = 1;
    /// Invalid command line (clap's own status).
    pub const USAGE: u8 = 2;
    /// The settings are missing or invalid.
    pub const CONFIG: u8 = 3;
    /// A guarded mass change waits for an operator (`--approve`).
    pub const NEEDS_APPROVAL: u8 = 4;
    /// `run`: another engine (a tray app, another `bobosync run`) holds the database.
    pub const LOCKED: u8 = 5;
}

/// Whether log lines also go to stderr (`--verbose`); set once in `main`.
static VERBOSE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Where log lines go besides the log file: stderr only with `--verbose`,
/// so a terminal or a scheduler's capture gets one human line per message.
pub(crate) fn console() -> ConsoleLog {
    if VERBOSE.get().copied().unwrap_or(false) {
        ConsoleLog::Stderr
    } else {
        ConsoleLog::Off
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = VERBOSE.set(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILED);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let code = if e.downcast_ref::<LoadError>().is_some() {
                exit::CONFIG
            } else if matches!(e.downcast_ref::<LockError>(), Some(LockError::Held { .. })) {
                exit::LOCKED
            } else {
                exit::FAILED
            };
            eprintln!("error: {}", human(&e));
            ExitCode::from(code)
        }
    }
}

/// An error and its causes on one line, each cause once: many errors quote
/// their cause in their own message already.
pub(crate) fn human(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let said = cause.to_string();
        if text.contains(&said) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&said);
    }
    text
}

async fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    let command = match cli.command {
        Some(command) => command,
        None => default_command(),
    };
    match command {
        Command::Once { config, approve } => {
            let (ctx, _log, _lock) = open_exclusive(&config, false)?;
            let report = ctx
                .run_once(CycleOptions {
                    approve,
                    ..CycleOptions::default()
                })
                .await;
            print::cycle(&report);
            Ok(status_code(&report))
        }
        Command::Run { config, interval } => run_until_signal(&config, interval).await,
        Command::Check { config, json } => {
            let (ctx, _log) = open(&config)?;
            let results = engine::checks::run_checks(&ctx).await;
            print::checks(&results, json)?;
            let failed = results
                .iter()
                .any(|r| r.status == engine::checks::CheckStatus::Fail);
            Ok(if failed { exit::FAILED } else { exit::OK })
        }
        Command::SyncMappings { config, approve } => {
            let (ctx, _log, _lock) = open_exclusive(&config, true)?;
            let mapping = ctx.sync_mappings("requested".to_owned(), approve).await?;
            print::mapping(&mapping, Some(&ctx.hint("sync-mappings --approve")));
            Ok(if mapping.applied {
                exit::OK
            } else {
                exit::NEEDS_APPROVAL
            })
        }
        Command::Cleanup {
            config,
            dry_run,
            approve,
        } => {
            let (ctx, _log, _lock) = if dry_run {
                let (ctx, log) = open(&config)?;
                (ctx, log, None)
            } else {
                let (ctx, log, lock) = open_exclusive(&config, true)?;
                (ctx, log, Some(lock))
            };
            let cleanup = ctx.cleanup(dry_run, approve).await?;
            print::cleanup(&cleanup, Some(&ctx.hint("cleanup --approve")));
            Ok(if cleanup.waiting_for_approval {
                exit::NEEDS_APPROVAL
            } else if cleanup.failed > 0 {
                exit::FAILED
            } else {
                exit::OK
            })
        }
        Command::Reconcile {
            config,
            fix,
            approve,
            json,
        } => {
            let (ctx, _log, _lock) = if fix {
                let (ctx, log, lock) = open_exclusive(&config, true)?;
                (ctx, log, Some(lock))
            } else {
                let (ctx, log) = open(&config)?;
                (ctx, log, None)
            };
            let report = ctx.reconcile(fix, approve).await?;
            print::reconcile(&report, &ctx.hint("reconcile --fix --approve"), json)?;
            Ok(if report.approval.is_some() {
                exit::NEEDS_APPROVAL
            } else if report.failed > 0 || (!fix && !report.reconciliation.drift.is_empty()) {
                exit::FAILED
            } else {
                exit::OK
            })
        }
        Command::Preview { config, json } => {
            let (ctx, _log) = open(&config)?;
            let preview = ctx.preview().await?;
            print::preview(&preview, json)?;
            Ok(exit::OK)
        }
        Command::History {
            config,
            employee,
            limit,
            json,
        } => {
            let (ctx, _log) = open(&config)?;
            let history = ctx.history(employee.clone(), limit).await?;
            print::history(&history, employee.as_deref(), json)?;
            Ok(exit::OK)
        }
        Command::Retry { config, which } => {
            let (ctx, _log) = open(&config)?;
            failed_files(&ctx, which.files, which.all, true)
        }
        Command::Dismiss { config, which } => {
            let (ctx, _log) = open(&config)?;
            failed_files(&ctx, which.files, which.all, false)
        }
        Command::ImportLegacy {
            env_file,
            db,
            config_out,
            force,
            secrets_in_environment,
        } => legacy::import(
            &env_file,
            db.as_deref(),
            config_out.as_deref(),
            force,
            secrets_in_environment,
        ),
        Command::Demo { cycles, interval } => {
            demo::run(cycles, Duration::from_secs(interval.max(1))).await?;
            Ok(exit::OK)
        }
        Command::Simulator(args) => {
            athoc_sim::run_cli(args)
                .await
                .context("the AtHoc simulator stopped")?;
            Ok(exit::OK)
        }
        Command::Service { action } => service::dispatch(action).await,
    }
}

/// `retry` / `dismiss`: lists the failed files without a selection,
/// otherwise moves the selected ones (back to the drop folder, or aside).
fn failed_files(
    ctx: &SyncContext,
    files: Vec<String>,
    all: bool,
    retry: bool,
) -> anyhow::Result<u8> {
    let verb = if retry { "retry" } else { "dismiss" };
    let selection = match (all, files.is_empty()) {
        (true, _) => FailedSelection::All,
        (false, false) => FailedSelection::Named(files),
        (false, true) => {
            let waiting = ctx.failed_files()?;
            if waiting.is_empty() {
                println!(
                    "the failed folder {} holds no file",
                    ctx.settings().paths.failed_dir.display()
                );
            } else {
                println!(
                    "files in the failed folder {}:",
                    ctx.settings().paths.failed_dir.display()
                );
                for file in &waiting {
                    println!("  {}", file.name);
                }
                println!("name the files to {verb}, or pass --all");
            }
            return Ok(exit::OK);
        }
    };
    if retry {
        let moved = ctx.retry_failed(&selection)?;
        for name in &moved {
            println!("{name}: back in the drop folder; the next cycle applies it");
        }
        if moved.is_empty() {
            println!("the failed folder holds no file");
        }
    } else {
        let dismissed = ctx.dismiss_failed(&selection)?;
        for name in &dismissed {
            println!(
                "{name}: dismissed (kept in {}); its events stay unapplied",
                ctx.settings()
                    .paths
                    .failed_dir
                    .join(engine::cycle::DISMISSED_DIR)
                    .display()
            );
        }
        if dismissed.is_empty() {
            println!("the failed folder holds no file");
        }
    }
    Ok(exit::OK)
}

/// `bobosync` alone: run when settings exist, otherwise show the demo.
fn default_command() -> Command {
    let configured = Locations::default_for_user().is_some_and(|l| l.config_file.exists());
    if configured {
        Command::Run {
            config: ConfigArgs::default(),
            interval: 60,
        }
    } else {
        println!(
            "No settings yet, so this is the demo against the built-in AtHoc simulator.\n\
             To configure BoboSync: `bobosync import-legacy --env-file PATH`, or pass --env-file to any command.\n"
        );
        Command::Demo {
            cycles: None,
            interval: 10,
        }
    }
}

/// Loads the settings, starts logging (file + stderr) and opens the engine
/// for reading (checks, preview, history: safe beside a running engine).
fn open(config: &ConfigArgs) -> anyhow::Result<(SyncContext, LogGuard)> {
    let (ctx, log, _) = open_with(config, false, true)?;
    Ok((ctx, log))
}

/// Like [`open`], for commands that write to AtHoc or the database: they
/// also take the one-engine-per-database lock for their whole run, so a
/// scheduled `once` cannot run beside the tray app or `bobosync run`.
/// `print_warnings` is false for `once`, whose report carries the settings'
/// warnings itself (so they are printed once, not twice).
fn open_exclusive(
    config: &ConfigArgs,
    print_warnings: bool,
) -> anyhow::Result<(SyncContext, LogGuard, DataLock)> {
    let (ctx, log, lock) = open_with(config, true, print_warnings)?;
    let lock = lock.context("the database lock was not taken")?;
    Ok((ctx, log, lock))
}

fn open_with(
    config: &ConfigArgs,
    exclusive: bool,
    warnings: bool,
) -> anyhow::Result<(SyncContext, LogGuard, Option<DataLock>)> {
    let settings = load_settings(config)?;
    let log = start_logging(&settings)?;
    announce(&settings, warnings);
    let lock = if exclusive {
        let db = settings.paths.db_path.clone();
        if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| {
                format!("cannot create the database folder {}", parent.display())
            })?;
        }
        Some(acquire_lock(&db, "bobosync", chrono::Utc::now())?)
    } else {
        None
    };
    let ctx = SyncContext::open(settings).context("cannot open the BoboSync engine")?;
    Ok((ctx, log, lock))
}

/// Logging to the settings' log folder; a log file of this run's own, said
/// on stderr, when today's file cannot be opened.
fn start_logging(settings: &Settings) -> anyhow::Result<LogGuard> {
    let log = logging::init(&settings.logging, console()).context("cannot start logging")?;
    if let Some(note) = log.fallback() {
        // With --verbose the log line itself reaches stderr.
        if console() == ConsoleLog::Off {
            eprintln!("warning: {note}");
        }
    }
    Ok(log)
}

/// The one line saying which settings a command uses (stderr, so `--json`
/// output stays clean), and, when `warnings`, the settings' warnings (the
/// cycle commands report those with their results instead). Both go to the
/// log file too.
fn announce(settings: &Settings, warnings: bool) {
    let flag = if settings.settings_flag.is_empty() {
        "the default settings file".to_owned()
    } else {
        settings.settings_flag.clone()
    };
    eprintln!("settings ({flag}): {}", settings.summary());
    tracing::info!("settings ({flag}): {}", settings.summary());
    for warning in settings.warnings() {
        tracing::warn!("{warning}");
        if warnings {
            eprintln!("warning: {warning}");
        }
    }
}

pub(crate) fn load_settings(config: &ConfigArgs) -> Result<Settings, LoadError> {
    let source = match (&config.env_file, &config.config) {
        (Some(env), _) => ConfigSource::EnvFile(env.clone()),
        (None, Some(toml)) => ConfigSource::Toml(toml.clone()),
        (None, None) => ConfigSource::Default,
    };
    let locations = Locations::default_for_user().ok_or(LoadError::NoDefaultLocation)?;
    Settings::load(&source, &Host::system(), &locations)
}

fn status_code(report: &CycleReport) -> u8 {
    match report.status() {
        CycleStatus::Success => exit::OK,
        CycleStatus::NeedsApproval => exit::NEEDS_APPROVAL,
        CycleStatus::Failed => exit::FAILED,
    }
}

/// `bobosync run` (and the systemd unit): [`run_engine`] until Ctrl-C,
/// SIGTERM or the console closing; a second one stops at once.
pub(crate) async fn run_until_signal(config: &ConfigArgs, interval: u64) -> anyhow::Result<u8> {
    let stop_now = StopNow {
        signal: shutdown_signal,
        hint: " (Ctrl-C again to stop at once)",
    };
    run_engine(
        config,
        Duration::from_secs(interval.max(1)),
        shutdown_signal(),
        stop_now,
    )
    .await
}

/// What stops [`run_engine`] before the batch in flight finishes, and how
/// the operator is told about it.
pub(crate) struct StopNow<F> {
    pub signal: F,
    /// Appended to "stopping: the batch in flight finishes first".
    pub hint: &'static str,
}

/// The continuous engine (files applied as they arrive, a full cycle at
/// least every `interval`) until `stop` completes; then the batch in flight
/// finishes, unless `stop_now` completes first. State changes are
/// printed and logged. Exit 5 when another engine holds the database.
pub(crate) async fn run_engine<Now: Future<Output = ()>>(
    config: &ConfigArgs,
    interval: Duration,
    stop: impl Future<Output = ()>,
    stop_now: StopNow<impl FnOnce() -> Now>,
) -> anyhow::Result<u8> {
    let settings = load_settings(config)?;
    let _log = start_logging(&settings)?;
    announce(&settings, true);
    let mut options = EngineOptions::from_settings(&settings, "bobosync run");
    options.maintenance_interval = interval;
    let engine = match Engine::start(settings, options).await {
        Ok(engine) => engine,
        Err(e) if e.is_locked() => {
            eprintln!("error: {e}");
            return Ok(exit::LOCKED);
        }
        Err(e) => return Err(e).context("cannot start the BoboSync engine"),
    };
    eprintln!(
        "BoboSync running: new files are applied as they arrive, a full cycle at least every {} s; Ctrl-C stops it",
        interval.as_secs()
    );
    tracing::info!(
        full_cycle_every_secs = interval.as_secs(),
        "BoboSync running; new files are applied as they arrive; Ctrl-C stops it"
    );
    let mut events = engine.subscribe();
    let mut shown = None;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            event = events.recv() => match event {
                Ok(event) => {
                    print_event(&event, &mut shown);
                    if is_engine_stopped(&event) {
                        // An internal error ended the engine (it says so,
                        // and the log has the panic): exit 1, so a service
                        // manager restarts it rather than a process that
                        // syncs nothing staying up.
                        engine.shutdown().await;
                        return Ok(exit::FAILED);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::debug!(missed = n, "event printer fell behind");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    tracing::info!(
        "stopping: the batch in flight finishes first{}",
        stop_now.hint
    );
    eprintln!(
        "stopping: the batch in flight finishes first{}",
        stop_now.hint
    );
    tokio::select! {
        () = engine.shutdown() => {
            // What the last batch did.
            while let Ok(event) = events.try_recv() {
                print_event(&event, &mut shown);
            }
            tracing::info!("stopped");
            eprintln!("stopped");
            Ok(exit::OK)
        }
        () = (stop_now.signal)() => {
            eprintln!("stopped at once; an unfinished batch is completed on the next start");
            Ok(exit::FAILED)
        }
    }
}

/// The engine's last word: it stopped after an internal error.
fn is_engine_stopped(event: &EngineEvent) -> bool {
    matches!(event, EngineEvent::IncidentOpened(i) if i.kind == IncidentKind::EngineStopped)
}

/// One line per thing an operator of `bobosync run` cares about. `shown` is
/// the last status printed: a status is printed only when it changed (each
/// full cycle passes through "syncing" and back, which is no news).
fn print_event(event: &EngineEvent, shown: &mut Option<(Health, String)>) {
    // File names come from the drop folder: no control character gets out.
    use engine::event::escape_controls as esc;
    match event {
        EngineEvent::BatchFinished(b) if !b.files.is_empty() || b.events > 0 => println!(
            "batch {}: {} event(s), {} set, {} cleared, {} older skipped, {} unmapped, {} invalid, {} refused, {} not applied",
            esc(&b.files.join(", ")),
            b.events,
            b.set,
            b.cleared,
            b.skipped_older,
            b.unmapped,
            b.invalid,
            b.rejected,
            b.failed
        ),
        EngineEvent::HealthChanged(status) if status.health != Health::Syncing => {
            let now = (status.health, status.reason.clone());
            if shown.as_ref() != Some(&now) {
                println!("status: {:?}: {}", status.health, esc(&status.reason));
                *shown = Some(now);
            }
        }
        EngineEvent::IncidentOpened(i) => println!("problem: {}", esc(&i.summary)),
        EngineEvent::IncidentResolved(i) => println!("resolved: {}", esc(&i.summary)),
        EngineEvent::FileRejected { file, reason } => println!("{}: {}", esc(file), esc(reason)),
        EngineEvent::ApprovalNeeded { summary } => {
            println!("waiting for approval: {}", esc(summary))
        }
        _ => {}
    }
}

/// Ctrl-C; SIGTERM on Unix; the console window closing on Windows.
pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(windows)]
    {
        match tokio::signal::windows::ctrl_close() {
            Ok(mut close) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = close.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
