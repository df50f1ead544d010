//! BoboSync's tray application: a thin Tauri v2 shell that keeps the sync
//! engine running in its backend. Invariant: no sync logic here — commands
//! call the engine handle (or the engine's settings code) and map to DTOs.
//!
//! Table of contents:

pub mod bindings; // ui/src/generated/backend.ts from the Rust types (ts-rs)
pub mod commands; // the commands of ui/src/api.ts
pub mod demo; // demo mode: the built-in simulator and a throw-away site
pub mod dto; // camelCase shapes for the UI, mapped from engine types
pub mod error; // the `{kind, message}` error every command rejects with
pub mod files; // OS file dialogs on the Rust side, export and folder rules
pub mod launch; // flags and environment switches read at start
pub mod preferences; // the app's own options (close to tray), beside the settings file
pub mod relay; // the window process's line protocol and the tray side's command dispatch
pub mod settings; // raw values ↔ settings file, validation, keyring, import
pub mod state; // what runs (setup / live / demo), engine start and stop, event forwarding
pub mod toasts; // desktop notifications for incidents
pub mod tray; // the tray icon and its menu
pub mod window; // the main window's process, started on demand, ended when it closes
pub mod window_process; // `--window-process`: the web view, relaying commands to the tray
#[cfg(windows)]
mod windows_aumid; // Windows: the AppUserModelID toasts need

use std::sync::atomic::Ordering;

use tauri::{Manager as _, RunEvent, Runtime};

use crate::launch::{Launch, HIDDEN_FLAG};
use crate::state::AppState;

/// The identifier of tauri.conf.json (also the Windows AppUserModelID).
pub const IDENTIFIER: &str = "org.bobosync.tray";

/// Every command of `ui/src/api.ts`, as Tauri's IPC runs them (the tests'
/// mock runtime); the window process relays the page's to `relay::dispatch`.
pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        commands::get_status,
        commands::get_app_info,
        commands::is_configured,
        commands::pause,
        commands::resume,
        commands::start_demo,
        commands::stop_demo,
        commands::sync_now,
        commands::sync_mappings_now,
        commands::preview,
        commands::list_approvals,
        commands::approve_change,
        commands::reject_change,
        commands::list_failed_files,
        commands::retry_failed_files,
        commands::dismiss_failed_files,
        commands::get_history,
        commands::get_batch_records,
        commands::run_checks,
        commands::get_settings,
        commands::validate_settings,
        commands::save_settings,
        commands::store_secrets,
        commands::secrets_status,
        commands::test_connection,
        commands::import_legacy,
        commands::export_csv,
        commands::open_folder,
        commands::get_app_preferences,
        commands::set_app_preferences,
        commands::set_unsaved_edits,
        commands::close_window,
    ]
}

/// Tauri's context (config, assets, capabilities): one copy, for the tray
/// process and the window process alike.
pub fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!()
}

/// Runs the tray app until Quit, or the window process until its window
/// closes.
pub fn run() {
    if std::env::args().nth(1).as_deref() == Some(relay::WINDOW_PROCESS_FLAG) {
        window_process::run();
        return;
    }
    let launch = match Launch::from_process() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bobosync-tray: {e}");
            std::process::exit(2);
        }
    };
    // Before GTK or any other thread starts.
    launch::disable_gdk_gl_for_the_tray();
    #[cfg(windows)]
    windows_aumid::register(IDENTIFIER, "BoboSync");
    let show_at_start = launch.show_window || !launch.hidden;
    let demo_if_unconfigured = launch.demo_if_unconfigured;
    let preferences_file = preferences::path(&launch.locations);
    let close_to_tray = match preferences::load(&preferences_file) {
        Ok(p) => p.close_to_tray,
        Err(e) => {
            eprintln!("BoboSync: {e}");
            preferences::StoredPreferences::default().close_to_tray
        }
    };
    let app_state = AppState::new(launch);
    app_state
        .close_to_tray
        .store(close_to_tray, Ordering::SeqCst);
    let app = tauri::Builder::default()
        // First: a second launch only shows the running app's window.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            window::show(app);
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_FLAG]),
        ))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(app_state)
        .manage(toasts::Toasts::default())
        .setup(move |app| {
            tray::build(app.handle())?;
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = state::start_configured(&handle, false, demo_if_unconfigured).await
                {
                    tracing::error!("{e}");
                    eprintln!("BoboSync: {e}");
                }
            });
            if show_at_start {
                window::show(app.handle());
            }
            Ok(())
        })
        .build(context());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("bobosync-tray: cannot start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            // The last window closed: stay in the tray unless quitting.
            if !app.state::<AppState>().quitting.load(Ordering::SeqCst) {
                api.prevent_exit();
            }
        }
    });
}
