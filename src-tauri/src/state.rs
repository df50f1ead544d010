//! What the app is running: nothing yet (setup), the engine with the saved
//! settings (live), or the engine against the built-in simulator (demo).
//! Starting, switching and stopping the engine; forwarding its status and
//! events to the tray, the window and the toasts. No sync logic: the engine
//! handle does everything.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::config::{Host, LoadError, Settings};
use engine::logging::{self, ConsoleLog, LogGuard};
use engine::runtime::{Engine, EngineEvent, EngineHandle, EngineOptions};
use tauri::{AppHandle, Manager as _, Runtime};
use tokio::sync::broadcast::error::RecvError;

use crate::demo::Demo;
use crate::dto::{self, AppMode, EngineEventDto, StatusDto};
use crate::error::ApiError;
use crate::launch::Launch;
use crate::{toasts, tray};

/// The program name the engine lock shows to a second engine.
const PROGRAM: &str = "the BoboSync tray app";

/// The engine currently running, if any.
#[derive(Clone)]
pub struct Current {
    pub mode: AppMode,
    pub handle: Option<EngineHandle>,
    pub settings: Option<Arc<Settings>>,
}

/// Everything the commands, the tray and the window share.
pub struct AppState {
    pub launch: Launch,
    current: Mutex<Current>,
    demo: Mutex<Option<Demo>>,
    /// Serializes engine starts and stops.
    switching: tokio::sync::Mutex<()>,
    log: Mutex<Option<LogGuard>>,
    /// Set once Quit was chosen: let the app exit.
    pub quitting: AtomicBool,
    /// Closing the window hides it to the tray (else it quits).
    pub close_to_tray: AtomicBool,
    /// The window holds settings edits not saved yet (it says so through
    /// `set_unsaved_edits`): closing it asks first.
    pub unsaved_edits: AtomicBool,
    /// The window's process, while the window is open.
    pub window: crate::window::WindowProcess,
}

impl AppState {
    /// Nothing running yet.
    pub fn new(launch: Launch) -> AppState {
        AppState {
            launch,
            current: Mutex::new(Current {
                mode: AppMode::Setup,
                handle: None,
                settings: None,
            }),
            demo: Mutex::new(None),
            switching: tokio::sync::Mutex::new(()),
            log: Mutex::new(None),
            quitting: AtomicBool::new(false),
            close_to_tray: AtomicBool::new(true),
            unsaved_edits: AtomicBool::new(false),
            window: crate::window::WindowProcess::default(),
        }
    }

    /// A snapshot of what runs.
    pub fn current(&self) -> Current {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The running engine, or `not_configured`.
    pub fn handle(&self) -> Result<EngineHandle, ApiError> {
        self.current().handle.ok_or_else(ApiError::not_configured)
    }

    /// The status as the UI and the tray show it.
    pub fn status(&self) -> StatusDto {
        let current = self.current();
        match &current.handle {
            Some(h) => StatusDto::from_status(&h.status(), current.mode),
            None => StatusDto::setup(chrono::Utc::now()),
        }
    }

    /// The settings the app would start with: the `--env-file`, else the
    /// settings file; `Ok(None)` when there is none (first run).
    pub fn configured_settings(&self) -> Result<Option<Settings>, LoadError> {
        let host = Host::system();
        let result = match &self.launch.env_file {
            Some(path) => Settings::from_env_file(path, &host),
            None => Settings::load_default(&host, &self.launch.locations),
        };
        match result {
            Ok(s) => Ok(Some(s)),
            Err(LoadError::NoSettingsFile { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn set_current(&self, current: Current) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = current;
    }

    /// Logging per `settings`: started on the first call, pointed at the
    /// new folder and level when they change (the demo's folder is deleted
    /// when the operator leaves it for real settings).
    fn start_logging(&self, settings: &Settings) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        match log.as_mut() {
            None => match logging::init(&settings.logging, ConsoleLog::Off) {
                Ok(guard) => *log = Some(guard),
                Err(e) => eprintln!("BoboSync: {e}"),
            },
            Some(guard) if *guard.settings() != settings.logging => {
                if let Err(e) = guard.retarget(&settings.logging) {
                    tracing::warn!("the log stays where it was: {e}");
                }
            }
            Some(_) => {}
        }
    }
}

/// Stops the running engine (the batch in flight finishes first) and the demo.
pub async fn stop<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let _switching = state.switching.lock().await;
    stop_locked(&state).await;
    tray::show_status(app, &state.status());
}

async fn stop_locked(state: &AppState) {
    let current = state.current();
    state.set_current(Current {
        mode: AppMode::Setup,
        handle: None,
        settings: None,
    });
    if let Some(handle) = current.handle {
        handle.shutdown().await;
    }
    let demo = state.demo.lock().unwrap_or_else(|p| p.into_inner()).take();
    drop(demo);
}

/// Starts the engine with `settings` in `mode` (stopping any running one),
/// paused first when asked.
pub async fn start<R: Runtime>(
    app: &AppHandle<R>,
    settings: Settings,
    mode: AppMode,
    demo: Option<Demo>,
    paused: bool,
) -> Result<StatusDto, ApiError> {
    let state = app.state::<AppState>();
    let _switching = state.switching.lock().await;
    stop_locked(&state).await;
    state.start_logging(&settings);
    for warning in settings.warnings() {
        tracing::warn!("{warning}");
    }
    let options = EngineOptions::from_settings(&settings, PROGRAM);
    let handle = Engine::start(settings.clone(), options).await?;
    if paused {
        handle.pause().await?;
    }
    state.set_current(Current {
        mode,
        handle: Some(handle.clone()),
        settings: Some(Arc::new(settings)),
    });
    *state.demo.lock().unwrap_or_else(|p| p.into_inner()) = demo;
    forward(app.clone(), handle.clone(), mode);
    let status = StatusDto::from_status(&handle.status(), mode);
    tray::show_status(app, &status);
    Ok(status)
}

/// Starts the demo against the built-in simulator.
pub async fn start_demo<R: Runtime>(app: &AppHandle<R>) -> Result<StatusDto, ApiError> {
    let (mut demo, settings) = Demo::start().map_err(|e| ApiError::Internal(e.to_string()))?;
    demo.keep_dropping(Duration::from_secs(60));
    start(app, settings, AppMode::Demo, Some(demo), false).await
}

/// Leaves demo mode ("Set up for real"): stops the demo's engine (the batch
/// in flight finishes first), its sample exports and its simulator, and
/// deletes its folder. Then the app runs what it would run at launch: the
/// configured settings when there are some, else nothing (setup: the window
/// shows the first-run wizard). Outside demo mode it changes nothing, so a
/// second click is harmless.
pub async fn stop_demo<R: Runtime>(app: &AppHandle<R>) -> Result<StatusDto, ApiError> {
    let state = app.state::<AppState>();
    {
        let _switching = state.switching.lock().await;
        if state.current().mode != AppMode::Demo {
            return Ok(state.status());
        }
        stop_locked(&state).await;
    }
    start_configured(app, false, false).await
}

/// At launch: the configured settings when there are some, else setup mode
/// (or the demo, when `demo_if_unconfigured`).
pub async fn start_configured<R: Runtime>(
    app: &AppHandle<R>,
    paused: bool,
    demo_if_unconfigured: bool,
) -> Result<StatusDto, ApiError> {
    let state = app.state::<AppState>();
    match state.configured_settings() {
        Ok(Some(settings)) => start(app, settings, AppMode::Live, None, paused).await,
        Ok(None) if demo_if_unconfigured => start_demo(app).await,
        Ok(None) => {
            let status = state.status();
            tray::show_status(app, &status);
            Ok(status)
        }
        Err(e) => {
            let status = state.status();
            tray::show_status(app, &status);
            Err(ApiError::InvalidSettings(e.to_string()))
        }
    }
}

/// Forwards the engine's status to the tray, and its events to the window
/// (`engine-event`) and the toasts, until the engine stops.
fn forward<R: Runtime>(app: AppHandle<R>, handle: EngineHandle, mode: AppMode) {
    let mut status = handle.watch_status();
    let tray_app = app.clone();
    tauri::async_runtime::spawn(async move {
        while status.changed().await.is_ok() {
            let snapshot = StatusDto::from_status(&status.borrow_and_update(), mode);
            tray::show_status(&tray_app, &snapshot);
        }
    });
    let mut events = handle.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(missed)) => {
                    // Toasts must not miss an incident: they catch up with
                    // the status, which holds every open one.
                    tracing::warn!(missed, "the tray fell behind the engine's events");
                    toasts::catch_up(&app, &handle.status().incidents);
                    continue;
                }
                Err(RecvError::Closed) => break,
            };
            match &event {
                EngineEvent::IncidentOpened(i) => toasts::incident_opened(&app, i),
                EngineEvent::IncidentResolved(i) => toasts::incident_resolved(&app, i.kind),
                _ => {}
            }
            if let Some(dto) = to_dto(&handle, event, mode).await {
                crate::window::emit(&app, dto::ENGINE_EVENT, &dto);
            }
        }
    });
}

async fn to_dto(
    handle: &EngineHandle,
    event: EngineEvent,
    mode: AppMode,
) -> Option<EngineEventDto> {
    Some(match event {
        // The engine does not report the batch id yet.
        EngineEvent::BatchStarted { files, .. } => EngineEventDto::BatchStarted {
            batch_id: None,
            files,
        },
        EngineEvent::Sending { answered, total } => EngineEventDto::Sending { answered, total },
        EngineEvent::BatchFinished(r) => EngineEventDto::BatchFinished {
            report: (&r).into(),
        },
        EngineEvent::FileRejected { file, reason } => EngineEventDto::FileRejected { file, reason },
        EngineEvent::RecordFailures { count, .. } => EngineEventDto::RecordFailures { count },
        EngineEvent::MappingSyncDone(r) => EngineEventDto::MappingSyncDone {
            report: (&r).into(),
        },
        EngineEvent::CleanupDone(r) => EngineEventDto::CleanupDone {
            report: (&r).into(),
        },
        EngineEvent::ApprovalNeeded { summary } => {
            let pending = handle.pending_approvals().await.ok()?;
            let approval = pending
                .iter()
                .find(|a| a.summary == summary)
                .or(pending.last())?;
            EngineEventDto::ApprovalNeeded {
                approval: approval.into(),
            }
        }
        EngineEvent::HealthChanged(s) => EngineEventDto::HealthChanged {
            status: StatusDto::from_status(&s, mode),
        },
        EngineEvent::IncidentOpened(i) => EngineEventDto::IncidentOpened {
            incident: (&i).into(),
        },
        EngineEvent::IncidentResolved(i) => EngineEventDto::IncidentResolved {
            incident: (&i).into(),
        },
    })
}

/// Quit: stop the engine (waiting for the batch in flight), then exit.
pub fn quit<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    if state.quitting.swap(true, Ordering::SeqCst) {
        return;
    }
    crate::window::close(app);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        stop(&app).await;
        let closing = app.clone();
        let _ = tauri::async_runtime::spawn_blocking(move || {
            crate::window::finish_closing(&closing);
        })
        .await;
        app.exit(0);
    });
}
