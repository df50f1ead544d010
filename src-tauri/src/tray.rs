//! The tray icon: one icon per health state, a tooltip with the reason and
//! the last successful sync, and the menu (always present: Linux trays show
//! nothing without one). Linux ignores tooltips and clicks on the icon, so
//! the menu's first, disabled lines repeat the state and the last sync.

use chrono::Local;
use engine::runtime::Health;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager as _, Runtime};

use crate::dto::StatusDto;
use crate::state::{self, AppState};
use crate::{commands, window};

/// The tray icon's id (also its D-Bus object name on Linux).
pub const TRAY_ID: &str = "bobosync";

/// Menu item ids (the D-Bus menu and tests see the labels, the app these).
pub mod ids {
    pub const STATUS: &str = "status";
    pub const LAST_SYNC: &str = "last-sync";
    pub const OPEN: &str = "open";
    pub const SYNC_NOW: &str = "sync-now";
    pub const PAUSE_RESUME: &str = "pause-resume";
    pub const SYNC_MAPPINGS: &str = "sync-mappings";
    pub const OPEN_DROP: &str = "open-drop";
    pub const OPEN_LOGS: &str = "open-logs";
    pub const AUTOSTART: &str = "autostart";
    pub const QUIT: &str = "quit";
}

/// The items whose text follows the state.
pub struct TrayItems<R: Runtime> {
    /// Touched on the main thread only (see [`show_status`]).
    tray: TrayIcon<R>,
    /// The thread that built the icon: GTK's main thread.
    main_thread: std::thread::ThreadId,
    status: MenuItem<R>,
    last_sync: MenuItem<R>,
    pause_resume: MenuItem<R>,
    autostart: CheckMenuItem<R>,
}

fn icon_bytes(health: Health) -> &'static [u8] {
    match health {
        Health::Ok => include_bytes!("../../icons/tray-ok@2x.png"),
        Health::Syncing => include_bytes!("../../icons/tray-syncing@2x.png"),
        Health::Paused => include_bytes!("../../icons/tray-paused@2x.png"),
        Health::Warning => include_bytes!("../../icons/tray-warning@2x.png"),
        Health::Error => include_bytes!("../../icons/tray-error@2x.png"),
    }
}

/// The word for a health state.
pub fn health_word(health: Health) -> &'static str {
    match health {
        Health::Ok => "OK",
        Health::Syncing => "Syncing",
        Health::Paused => "Paused",
        Health::Warning => "Warning",
        Health::Error => "Error",
    }
}

/// The menu's status line, e.g. `Paused: paused by an operator`
/// (shortened: a menu line is no place for a whole error message). While
/// paused it says how many files wait in the drop folder, so an operator
/// sees that they arrive and will be sent on Resume.
pub fn status_line(s: &StatusDto) -> String {
    const MAX: usize = 90;
    let mut line = format!("{}: {}", health_word(s.health), s.reason);
    if s.paused && s.pending_files > 0 {
        let files = if s.pending_files == 1 {
            "file"
        } else {
            "files"
        };
        line = format!("{line} ({} {files} waiting)", s.pending_files);
    }
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// The last-success line, in local time.
pub fn last_sync_line(s: &StatusDto) -> String {
    match s.last_success {
        Some(at) => format!(
            "Last successful sync: {}",
            at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S")
        ),
        None => "Last successful sync: none yet".to_owned(),
    }
}

/// Builds the tray icon and its menu.
pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, ids::STATUS, "Starting…", false, None::<&str>)?;
    let last_sync = MenuItem::with_id(
        app,
        ids::LAST_SYNC,
        "Last successful sync: none yet",
        false,
        None::<&str>,
    )?;
    let open = MenuItem::with_id(app, ids::OPEN, "Open BoboSync", true, None::<&str>)?;
    let sync_now = MenuItem::with_id(app, ids::SYNC_NOW, "Sync now", true, None::<&str>)?;
    let pause_resume = MenuItem::with_id(app, ids::PAUSE_RESUME, "Pause", true, None::<&str>)?;
    let sync_mappings = MenuItem::with_id(
        app,
        ids::SYNC_MAPPINGS,
        "Sync user mappings now",
        true,
        None::<&str>,
    )?;
    let open_drop = MenuItem::with_id(app, ids::OPEN_DROP, "Open drop folder", true, None::<&str>)?;
    let open_logs = MenuItem::with_id(app, ids::OPEN_LOGS, "Open logs folder", true, None::<&str>)?;
    let autostart_on = autostart_enabled(app);
    let autostart = CheckMenuItem::with_id(
        app,
        ids::AUTOSTART,
        "Start at login",
        true,
        autostart_on,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, ids::QUIT, "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &last_sync,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &sync_now,
            &pause_resume,
            &sync_mappings,
            &PredefinedMenuItem::separator(app)?,
            &open_drop,
            &open_logs,
            &autostart,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let tray = TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(icon_bytes(Health::Ok))?)
        .tooltip("BoboSync")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id.as_ref()))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window::show(tray.app_handle());
            }
        })
        .build(app)?;
    app.manage(TrayItems {
        tray,
        main_thread: std::thread::current().id(),
        status,
        last_sync,
        pause_resume,
        autostart,
    });
    Ok(())
}

/// Puts `status` on the icon, tooltip and menu, from any thread: the
/// update itself runs on the main thread.
///
/// Tauri's `TrayIcon` is `Send`, but it holds an `Rc`, and each of its
/// setters clones it on the calling thread before hopping to the main
/// thread. Called from the engine's status task, that clone raced the main
/// thread dropping the previous one, and CI once saw the tray process die
/// of it ("RefCell already borrowed", then a corrupted heap). So the hop
/// comes first, and nothing else reaches the icon.
pub fn show_status<R: Runtime>(app: &AppHandle<R>, status: &StatusDto) {
    let main = app.clone();
    let status = status.clone();
    if let Err(e) = app.run_on_main_thread(move || apply_status(&main, &status)) {
        tracing::warn!("cannot update the tray icon: {e}");
    }
}

/// [`show_status`] on the main thread.
fn apply_status<R: Runtime>(app: &AppHandle<R>, status: &StatusDto) {
    let Some(items) = app.try_state::<TrayItems<R>>() else {
        return;
    };
    debug_assert_eq!(
        std::thread::current().id(),
        items.main_thread,
        "the tray icon is updated on the main thread only"
    );
    let result = (|| -> tauri::Result<()> {
        items
            .tray
            .set_icon(Some(Image::from_bytes(icon_bytes(status.health))?))?;
        items.tray.set_tooltip(Some(format!(
            "BoboSync — {}: {}\n{}",
            health_word(status.health),
            status.reason,
            last_sync_line(status)
        )))?;
        items.status.set_text(status_line(status))?;
        items.last_sync.set_text(last_sync_line(status))?;
        items
            .pause_resume
            .set_text(if status.paused { "Resume" } else { "Pause" })?;
        // Nothing to pause before there is an engine.
        items
            .pause_resume
            .set_enabled(status.mode != crate::dto::AppMode::Setup)?;
        Ok(())
    })();
    if let Err(e) = result {
        tracing::warn!("cannot update the tray icon: {e}");
    }
}

/// Whether the app starts at login (false where the autostart plugin is absent).
pub fn autostart_enabled<R: Runtime>(app: &AppHandle<R>) -> bool {
    use tauri_plugin_autostart::ManagerExt as _;
    if app
        .try_state::<tauri_plugin_autostart::AutoLaunchManager>()
        .is_some()
    {
        app.autolaunch().is_enabled().unwrap_or(false)
    } else {
        false
    }
}

/// Turns starting at login on or off, and ticks the menu item to match.
pub fn set_autostart<R: Runtime>(app: &AppHandle<R>, on: bool) -> Result<(), String> {
    use tauri_plugin_autostart::ManagerExt as _;
    if app
        .try_state::<tauri_plugin_autostart::AutoLaunchManager>()
        .is_none()
    {
        return Err("starting at login is not available in this build of BoboSync".to_owned());
    }
    let manager = app.autolaunch();
    let result = if on {
        manager.enable()
    } else {
        manager.disable()
    };
    let now = autostart_enabled(app);
    if let Some(items) = app.try_state::<TrayItems<R>>() {
        let _ = items.autostart.set_checked(now);
    }
    result.map_err(|e| {
        format!(
            "cannot turn starting at login {}: {e}",
            if on { "on" } else { "off" }
        )
    })
}

fn toggle_autostart<R: Runtime>(app: &AppHandle<R>) {
    if let Err(e) = set_autostart(app, !autostart_enabled(app)) {
        tracing::warn!("{e}");
    }
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        ids::OPEN => window::show(app),
        ids::QUIT => state::quit(app),
        ids::AUTOSTART => toggle_autostart(app),
        ids::OPEN_DROP | ids::OPEN_LOGS => {
            let folders = commands::folders(&app.state::<AppState>());
            let path = if id == ids::OPEN_DROP {
                folders.drop
            } else {
                folders.logs
            };
            if let Err(e) = std::fs::create_dir_all(&path) {
                tracing::warn!("cannot create {path}: {e}");
            }
            use tauri_plugin_opener::OpenerExt as _;
            if let Err(e) = app.opener().open_path(&path, None::<&str>) {
                tracing::warn!("cannot open {path}: {e}");
            }
        }
        ids::SYNC_NOW | ids::PAUSE_RESUME | ids::SYNC_MAPPINGS => {
            let app = app.clone();
            let id = id.to_owned();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                let Ok(handle) = state.handle() else { return };
                let result = match id.as_str() {
                    ids::SYNC_NOW => handle.sync_now().await.map(drop),
                    ids::SYNC_MAPPINGS => handle.sync_mappings_now().await.map(drop),
                    _ if handle.status().paused => handle.resume().await,
                    _ => handle.pause().await,
                };
                if let Err(e) = result {
                    tracing::warn!("tray: {e}");
                }
                show_status(&app, &state.status());
            });
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(health: Health, reason: &str, paused: bool, pending_files: usize) -> StatusDto {
        StatusDto {
            health,
            reason: reason.to_owned(),
            paused,
            pending_files,
            ..StatusDto::setup(chrono::Utc::now())
        }
    }

    #[test]
    fn the_status_line_counts_the_files_waiting_while_paused() {
        let paused = |n| status(Health::Paused, "paused by an operator", true, n);
        assert_eq!(status_line(&paused(0)), "Paused: paused by an operator");
        assert_eq!(
            status_line(&paused(1)),
            "Paused: paused by an operator (1 file waiting)"
        );
        assert_eq!(
            status_line(&paused(3)),
            "Paused: paused by an operator (3 files waiting)"
        );
        // Not paused: files wait only for the next sync, which is no news.
        let ok = status(Health::Ok, "up to date", false, 2);
        assert_eq!(status_line(&ok), "OK: up to date");
    }

    #[test]
    fn a_long_reason_is_cut_with_an_ellipsis() {
        let long = status(Health::Error, &"x".repeat(200), false, 0);
        let line = status_line(&long);
        assert_eq!(line.chars().count(), 91, "{line}");
        assert!(
            line.starts_with("Error: xxx") && line.ends_with('…'),
            "{line}"
        );
    }
}
