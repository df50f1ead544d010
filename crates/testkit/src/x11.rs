//! Closing a window as a window manager's close button does: a
//! `WM_DELETE_WINDOW` client message (the tests run under Xvfb with no
//! window manager). The app then decides — close, ask first, or quit —
//! exactly as it does on a desktop.

use x11_dl::xlib::{self, Xlib};

/// Why the close could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum X11Error {
    #[error("libX11 could not be loaded: {0}")]
    Library(String),
    #[error("the X display (DISPLAY) could not be opened")]
    Display,
}

/// Sends `WM_DELETE_WINDOW` to the windows `ids` (X window ids, as
/// `xdotool search` prints them).
pub fn request_close(ids: &[u64]) -> Result<(), X11Error> {
    let x = Xlib::open().map_err(|e| X11Error::Library(e.to_string()))?;
    // SAFETY: plain Xlib calls on a display this function opens and closes;
    // the event is fully initialised before it is sent.
    unsafe {
        let display = (x.XOpenDisplay)(std::ptr::null());
        if display.is_null() {
            return Err(X11Error::Display);
        }
        let protocols = (x.XInternAtom)(display, c"WM_PROTOCOLS".as_ptr(), xlib::False);
        let delete = (x.XInternAtom)(display, c"WM_DELETE_WINDOW".as_ptr(), xlib::False);
        for &id in ids {
            let mut data = xlib::ClientMessageData::new();
            data.set_long(0, delete as std::os::raw::c_long);
            data.set_long(1, xlib::CurrentTime as std::os::raw::c_long);
            let message = xlib::XClientMessageEvent {
                type_: xlib::ClientMessage,
                serial: 0,
                send_event: xlib::True,
                display,
                window: id as xlib::Window,
                message_type: protocols,
                format: 32,
                data,
            };
            let mut event = xlib::XEvent {
                client_message: message,
            };
            (x.XSendEvent)(
                display,
                id as xlib::Window,
                xlib::False,
                xlib::NoEventMask,
                &mut event,
            );
        }
        (x.XFlush)(display);
        (x.XCloseDisplay)(display);
    }
    Ok(())
}

/// The shown windows titled exactly `title` (`xdotool search`; the caller
/// requires xdotool).
pub fn shown_windows(title: &str) -> Vec<u64> {
    std::process::Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", &format!("^{title}$")])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}
