//! The one main window, created on demand and destroyed when closed, so the
//! idle tray app holds no webview (the WebKit processes go with it).

use std::sync::atomic::Ordering;

use tauri::{AppHandle, Emitter as _, Manager as _, Runtime, WebviewUrl, WebviewWindowBuilder};

use crate::state::AppState;

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
        .min_inner_size(400.0, 480.0)
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

/// The event the window gets when closing it was held back because it has
/// unsaved settings edits: it asks Save / Discard / Stay, then calls
/// `close_window` (or not).
pub const CLOSE_BLOCKED_EVENT: &str = "close-blocked";

/// What closing the main window does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnClose {
    /// Keep it open and let it ask about its unsaved edits first.
    AskFirst,
    /// Close it (and its webview); BoboSync goes on in the tray.
    ToTray,
    /// Quit BoboSync (close to tray is off).
    Quit,
}

/// What closing the window does, given whether it holds unsaved edits and
/// whether closing leaves BoboSync in the tray.
pub fn on_close(unsaved_edits: bool, close_to_tray: bool) -> OnClose {
    match (unsaved_edits, close_to_tray) {
        (true, _) => OnClose::AskFirst,
        (false, true) => OnClose::ToTray,
        (false, false) => OnClose::Quit,
    }
}

/// The window's close button (or the OS closing it).
pub fn close_requested<R: Runtime>(window: &tauri::Window<R>, api: &tauri::CloseRequestApi) {
    let state = window.state::<AppState>();
    match on_close(
        state.unsaved_edits.load(Ordering::SeqCst),
        state.close_to_tray.load(Ordering::SeqCst),
    ) {
        OnClose::AskFirst => {
            api.prevent_close();
            let _ = window.set_focus();
            let _ = window.emit_to(MAIN, CLOSE_BLOCKED_EVENT, ());
        }
        // The window closes and is destroyed with its webview.
        OnClose::ToTray => {}
        OnClose::Quit => {
            api.prevent_close();
            crate::state::quit(window.app_handle());
        }
    }
}

/// Closes the window after it asked about its unsaved edits (saved or
/// discarded): to the tray, or quitting, as closing it would.
pub fn close_after_asking<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    state.unsaved_edits.store(false, Ordering::SeqCst);
    if state.close_to_tray.load(Ordering::SeqCst) {
        if let Some(window) = app.get_webview_window(MAIN) {
            let _ = window.destroy();
        }
    } else {
        crate::state::quit(app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsaved_edits_hold_the_close_back_whatever_closing_does() {
        assert_eq!(on_close(true, true), OnClose::AskFirst);
        assert_eq!(on_close(true, false), OnClose::AskFirst);
        assert_eq!(on_close(false, true), OnClose::ToTray);
        assert_eq!(on_close(false, false), OnClose::Quit);
    }
}
