//! The one main window, created on demand and destroyed when closed, so the
//! idle tray app holds no webview (the WebKit processes go with it).

use tauri::{AppHandle, Manager as _, Runtime, WebviewUrl, WebviewWindowBuilder};

/// The main window's label (the capabilities name it).
pub const MAIN: &str = "main";

/// Shows and focuses the main window, creating it when it does not exist.
pub fn show<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    let built = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("BoboSync")
        .inner_size(1100.0, 760.0)
        .min_inner_size(760.0, 520.0)
        .build();
    match built {
        Ok(window) => {
            let _ = window.set_focus();
        }
        Err(e) => tracing::error!("cannot open the BoboSync window: {e}"),
    }
}

/// Whether the main window exists.
pub fn is_open<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(MAIN).is_some()
}
