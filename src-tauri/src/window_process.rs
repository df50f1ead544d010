//! `bobosync-tray --window-process`: the main window in a process of its
//! own, started by the tray process (`window.rs`) with a pipe each way.
//! It holds the web view and nothing else: no engine, no tray icon, no
//! settings. Every command its page invokes goes to the tray process and
//! the reply comes back (`relay.rs`); the tray process's events are emitted
//! to the page. It ends when the tray process tells it to, or when the tray
//! process goes (its stdin closes).

use std::collections::HashMap;
use std::io::{BufRead as _, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::{json, Value};
use tauri::ipc::{Invoke, InvokeBody, InvokeError, InvokeResponseBody};
use tauri::{
    AppHandle, Emitter as _, Manager as _, RunEvent, WebviewUrl, WebviewWindowBuilder, WindowEvent,
    Wry,
};
use tokio::sync::oneshot;

use crate::relay::{self, FromWindow, ToWindow};
use crate::window::MAIN;

/// The window process's end of the pipes: calls waiting for their reply.
#[derive(Default)]
struct TrayLink {
    next_id: AtomicU64,
    waiting: Mutex<HashMap<u64, oneshot::Sender<Result<Value, Value>>>>,
    stdout: Mutex<Option<std::io::Stdout>>,
}

impl TrayLink {
    fn new() -> TrayLink {
        TrayLink {
            stdout: Mutex::new(Some(std::io::stdout())),
            ..TrayLink::default()
        }
    }

    fn send(&self, message: &FromWindow) -> bool {
        let mut out = self.stdout.lock().unwrap_or_else(|p| p.into_inner());
        let Some(stdout) = out.as_mut() else {
            return false;
        };
        let line = relay::encode(message);
        if stdout
            .write_all(line.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            *out = None;
            return false;
        }
        true
    }

    /// Sends a call; the receiver gets its reply.
    fn call(&self, cmd: String, args: Value) -> oneshot::Receiver<Result<Value, Value>> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        if !self.send(&FromWindow::Call { id, cmd, args }) {
            // The sender is dropped: the call fails as "tray gone".
            self.waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
        }
        rx
    }

    fn reply(&self, id: u64, result: Result<Value, Value>) {
        let waiting = self
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        if let Some(tx) = waiting {
            let _ = tx.send(result);
        }
    }
}

/// What a call gets when the tray process is gone.
fn tray_gone() -> Value {
    json!({
        "kind": "internal",
        "message": "BoboSync's tray process has stopped, so this window can no longer reach it: close the window and start BoboSync again"
    })
}

/// Relays every app command the page invokes (the plugins' own commands,
/// such as the folder picker, are answered here by their plugins).
fn relay_invoke(invoke: Invoke<Wry>) -> bool {
    let cmd = invoke.message.command().to_owned();
    let args = match invoke.message.payload() {
        InvokeBody::Json(v) => v.clone(),
        InvokeBody::Raw(_) => Value::Null,
    };
    let reply = invoke
        .message
        .webview_ref()
        .state::<TrayLink>()
        .call(cmd, args);
    invoke.resolver.respond_async_serialized(async move {
        match reply.await {
            Ok(Ok(value)) => Ok(InvokeResponseBody::Json(value.to_string())),
            Ok(Err(error)) => Err(InvokeError(error)),
            Err(_) => Err(InvokeError(tray_gone())),
        }
    });
    true
}

/// Runs the window process until the window closes.
pub fn run() {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(TrayLink::new())
        .invoke_handler(relay_invoke)
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                // The tray process decides: close, ask first, or quit.
                api.prevent_close();
                window.state::<TrayLink>().send(&FromWindow::CloseRequested);
            }
        })
        .setup(|app| {
            let window = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
                .title("BoboSync")
                .inner_size(1100.0, 760.0)
                .min_inner_size(400.0, 480.0)
                .build()?;
            let _ = window.set_focus();
            let handle = app.handle().clone();
            std::thread::Builder::new()
                .name("tray-link".into())
                .spawn(move || listen(&handle))?;
            Ok(())
        })
        .build(crate::context());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("bobosync-tray: cannot open the window: {e}");
            std::process::exit(relay::CANNOT_OPEN_EXIT);
        }
    };
    app.run(|_app, _event: RunEvent| {});
}

/// Reads the tray process's messages until it closes the pipe.
fn listen(app: &AppHandle) {
    let link = app.state::<TrayLink>();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Ok(message) = serde_json::from_str::<ToWindow>(&line) else {
            eprintln!("bobosync-tray: the window process ignored a message it does not know");
            continue;
        };
        match message {
            ToWindow::Reply { id, result } => link.reply(id, result),
            ToWindow::Event { name, payload } => {
                let _ = app.emit_to(MAIN, &name, payload);
            }
            ToWindow::Focus => {
                if let Some(window) = app.get_webview_window(MAIN) {
                    let _ = window.unminimize();
                    let _ = window.show();
                    let _ = window.set_focus();
                }
            }
            ToWindow::Close => break,
            ToWindow::Choose { id, dialog } => {
                // Blocks until the operator chooses: not on this thread,
                // which must go on reading (replies, events, Close).
                let app = app.clone();
                let shown = std::thread::Builder::new()
                    .name("file-dialog".into())
                    .spawn(move || {
                        let window = app.get_webview_window(MAIN);
                        let path = crate::files::show(&app, window.as_ref(), &dialog);
                        app.state::<TrayLink>()
                            .send(&FromWindow::Chosen { id, path });
                    });
                if shown.is_err() {
                    link.send(&FromWindow::Chosen { id, path: None });
                }
            }
        }
    }
    // Told to close, or the tray process is gone.
    app.exit(0);
}
