//! The one main window, seen from the tray process: a process of its own
//! (`bobosync-tray --window-process`, `window_process.rs`), started on
//! demand and ended when the window closes, so the tray process never
//! loads WebKit and closing the window gives back everything the window
//! used (WebKit's web, network and UI-side memory, the GL driver it loads).
//! The tray process keeps what the window decides with: whether it holds
//! unsaved edits and whether closing it quits. `relay.rs` is the protocol.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shared_child::SharedChild;

use serde::Serialize;
use tauri::{AppHandle, Manager as _, Runtime};

use crate::relay::{self, FileDialog, FromWindow, ToWindow, CANNOT_OPEN_EXIT, WINDOW_PROCESS_FLAG};
use crate::state::AppState;
use crate::toasts::{self, WindowFailure};

/// The main window's label (the capabilities name it).
pub const MAIN: &str = "main";

/// The event the window gets when closing it was held back because it has
/// unsaved settings edits: it asks Save / Discard / Stay, then calls
/// `close_window` (or not).
pub const CLOSE_BLOCKED_EVENT: &str = "close-blocked";

/// Dialogs waiting for the operator, by id: the window process's start
/// (its `generation`) and where the answer goes.
type WaitingDialogs = HashMap<u64, (u64, mpsc::Sender<Option<PathBuf>>)>;

/// The window process, while there is one.
#[derive(Default)]
pub struct WindowProcess {
    link: Mutex<Option<Link>>,
    started: AtomicU64,
    /// File dialogs shown by the window process.
    dialogs: Mutex<WaitingDialogs>,
    next_dialog: AtomicU64,
    /// Processes of windows closed but maybe not ended yet.
    closing: Mutex<Vec<Arc<SharedChild>>>,
}

/// How long a closed window's process may take to end before the tray ends
/// it (a healthy one ends at once; a hung one would stay, frozen, and even
/// outlive the tray).
const CLOSE_GRACE: Duration = Duration::from_secs(3);

/// Messages waiting for the window process to read them. A window that
/// stops reading (hung) is let go — ended, and a toast says so — once this
/// many wait, rather than ever holding up the engine's events or the toasts.
const OUTBOX: usize = 512;

/// The tray process's end of one window process.
struct Link {
    /// Which start this is (a late end of an earlier one leaves it alone).
    generation: u64,
    /// To the writer thread, which owns the window process's stdin; dropped,
    /// it writes what is left and closes the pipe.
    outbox: SyncSender<String>,
    /// The process (its reader thread waits for it), to end one that hung.
    process: Arc<SharedChild>,
    /// Set when the tray let it go because it stopped reading: its end is
    /// then the tray's doing, and the reader thread says why.
    let_go: Arc<AtomicBool>,
}

/// Writes each line to the window process until the link is dropped or the
/// process stops reading.
fn write_lines(mut stdin: ChildStdin, lines: mpsc::Receiver<String>) {
    for line in lines {
        if let Err(e) = stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush())
        {
            tracing::warn!("the BoboSync window's process stopped listening: {e}");
            return;
        }
    }
}

impl WindowProcess {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Link>> {
        self.link.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn closing(&self) -> std::sync::MutexGuard<'_, Vec<Arc<SharedChild>>> {
        self.closing.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn waiting_dialogs(&self) -> std::sync::MutexGuard<'_, WaitingDialogs> {
        self.dialogs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `message` for the window process, if there is one; never
    /// waits for it. One that went away, or stopped reading, is let go.
    fn send(&self, message: &ToWindow) -> bool {
        let mut slot = self.slot();
        let Some(link) = slot.as_mut() else {
            return false;
        };
        match link.outbox.try_send(relay::encode(message)) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                tracing::error!(
                    "the BoboSync window stopped answering (process {} reads nothing); the tray \
                     ends it (the next Open starts a new window)",
                    link.process.id()
                );
                link.let_go.store(true, Ordering::SeqCst);
                if let Err(e) = link.process.kill() {
                    tracing::error!("cannot end the BoboSync window's process: {e}");
                }
                *slot = None;
                false
            }
            Err(TrySendError::Disconnected(_)) => {
                *slot = None;
                false
            }
        }
    }
}

/// Shows and focuses the main window, starting its process when there is
/// none.
pub fn show<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let window = &state.window;
    if window.send(&ToWindow::Focus) {
        return;
    }
    let mut slot = window.slot();
    if slot.is_some() {
        return;
    }
    let mut child = match spawn() {
        Ok(child) => child,
        Err(e) => {
            tracing::error!("cannot open the BoboSync window: {e}");
            eprintln!("BoboSync: cannot open the window: {e}");
            toasts::window_failed(app, WindowFailure::CannotOpen);
            return;
        }
    };
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    if let Some(stderr) = child.stderr.take() {
        forward_stderr(stderr);
    }
    let process = match SharedChild::new(child) {
        Ok(process) => Arc::new(process),
        Err(e) => {
            // The pipes close as this returns: the window process ends.
            tracing::error!("cannot follow the BoboSync window's process: {e}");
            toasts::window_failed(app, WindowFailure::CannotOpen);
            return;
        }
    };
    let let_go = Arc::new(AtomicBool::new(false));
    // A new page holds no edits yet (an earlier window may have died with some).
    state.unsaved_edits.store(false, Ordering::SeqCst);
    let generation = window.started.fetch_add(1, Ordering::SeqCst) + 1;
    let (outbox, lines) = mpsc::sync_channel(OUTBOX);
    if let Err(e) = std::thread::Builder::new()
        .name("window-writer".into())
        .spawn(move || write_lines(stdin, lines))
    {
        tracing::error!("cannot write to the BoboSync window's process: {e}");
        let _ = process.kill();
        let _ = process.wait();
        return;
    }
    *slot = Some(Link {
        generation,
        outbox,
        process: Arc::clone(&process),
        let_go: Arc::clone(&let_go),
    });
    drop(slot);
    let app = app.clone();
    let reader = std::thread::Builder::new()
        .name("window-process".into())
        .spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                match serde_json::from_str::<FromWindow>(&line) {
                    Ok(message) => handle(&app, message),
                    // Not ours (a library writing to stdout): not a command.
                    Err(_) => tracing::debug!("window process: {line}"),
                }
            }
            let status = process.wait();
            let state = app.state::<AppState>();
            // Still the current window: it ended without the tray process
            // closing it or letting it go.
            let on_its_own = {
                let mut slot = state.window.slot();
                let current = slot.as_ref().is_some_and(|l| l.generation == generation);
                if current {
                    *slot = None;
                }
                current
            };
            let quitting = state.quitting.load(Ordering::SeqCst);
            if let_go.load(Ordering::SeqCst) && !quitting {
                tracing::error!("the BoboSync window's process, let go, ended: {status:?}");
                toasts::window_failed(&app, WindowFailure::StoppedAnswering);
            } else if on_its_own && !quitting {
                let failure = match &status {
                    Ok(s) if s.code() == Some(CANNOT_OPEN_EXIT) => WindowFailure::CannotOpen,
                    _ => WindowFailure::EndedUnexpectedly,
                };
                match &status {
                    Ok(s) => tracing::error!("the BoboSync window's process ended by itself: {s}"),
                    Err(e) => tracing::error!("the BoboSync window's process ended by itself: {e}"),
                }
                toasts::window_failed(&app, failure);
            }
            // Its dialogs went with it: each counts as cancelled.
            state
                .window
                .waiting_dialogs()
                .retain(|_, (started, _)| *started != generation);
        });
    if let Err(e) = reader {
        tracing::error!("cannot read the BoboSync window's process: {e}");
        // Letting the link go closes the pipe: the window process ends.
        *state.window.slot() = None;
    }
}

/// Puts what the window process prints on stderr (its own errors, a
/// panic, WebKit's and GTK's warnings) into the tray's log, where a failed
/// or crashed window can be looked into.
fn forward_stderr(stderr: std::process::ChildStderr) {
    let forwarded = std::thread::Builder::new()
        .name("window-stderr".into())
        .spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                tracing::info!("window process: {line}");
            }
        });
    if let Err(e) = forwarded {
        tracing::warn!("the window process's messages do not reach the log: {e}");
    }
}

/// `bobosync-tray --window-process`, with the operator's environment (not
/// the tray process's own `GDK_GL`, see `launch.rs`).
fn spawn() -> std::io::Result<Child> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg(WINDOW_PROCESS_FLAG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if crate::launch::tray_disabled_gdk_gl() {
        command.env_remove("GDK_GL");
    }
    command.spawn()
}

/// One message from the window process.
fn handle<R: Runtime>(app: &AppHandle<R>, message: FromWindow) {
    match message {
        FromWindow::Call { id, cmd, args } => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let result = relay::dispatch(&app, &cmd, &args).await;
                let state = app.state::<AppState>();
                state.window.send(&ToWindow::Reply { id, result });
            });
        }
        FromWindow::CloseRequested => close_requested(app),
        FromWindow::Chosen { id, path } => {
            let waiting = app.state::<AppState>().window.waiting_dialogs().remove(&id);
            if let Some((_, answer)) = waiting {
                let _ = answer.send(path);
            }
        }
    }
}

/// Shows `dialog` in the window's process, over the window, and waits for
/// the operator's choice (`None`: cancelled, or the window closed
/// meanwhile). `Err` gives the dialog back when no window is open. It
/// blocks: call it off the main thread.
pub fn choose<R: Runtime>(
    app: &AppHandle<R>,
    dialog: FileDialog,
) -> Result<Option<PathBuf>, FileDialog> {
    let state = app.state::<AppState>();
    let window = &state.window;
    let Some(generation) = window.slot().as_ref().map(|l| l.generation) else {
        return Err(dialog);
    };
    let id = window.next_dialog.fetch_add(1, Ordering::SeqCst);
    let (answer, chosen) = mpsc::channel();
    window.waiting_dialogs().insert(id, (generation, answer));
    if !window.send(&ToWindow::Choose {
        id,
        dialog: dialog.clone(),
    }) {
        window.waiting_dialogs().remove(&id);
        return Err(dialog);
    }
    Ok(chosen.recv().ok().flatten())
}

/// Sends an event to the window's page (nothing when no window is open).
pub fn emit<R: Runtime, T: Serialize>(app: &AppHandle<R>, name: &str, payload: &T) {
    let Ok(payload) = serde_json::to_value(payload) else {
        return;
    };
    app.state::<AppState>().window.send(&ToWindow::Event {
        name: name.to_owned(),
        payload,
    });
}

/// Ends the window process: the window closes and its memory goes back.
pub fn close<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    state.window.send(&ToWindow::Close);
    // Forgotten now: an Open from here on starts a new window process.
    let Some(link) = state.window.slot().take() else {
        return;
    };
    let process = link.process;
    state.window.closing().push(Arc::clone(&process));
    let app = app.clone();
    let watched = std::thread::Builder::new()
        .name("window-closing".into())
        .spawn(move || {
            end_after_grace(&process);
            let state = app.state::<AppState>();
            state.window.closing().retain(|p| !Arc::ptr_eq(p, &process));
        });
    if let Err(e) = watched {
        tracing::warn!("cannot watch the closed window's process end: {e}");
    }
}

/// Waits up to [`CLOSE_GRACE`] for a closed window's process to end; ends
/// one that does not.
fn end_after_grace(process: &SharedChild) {
    match process.wait_timeout(CLOSE_GRACE) {
        Ok(Some(_)) => {}
        Ok(None) => {
            tracing::error!(
                "the BoboSync window's process {} did not end {} s after it was closed (hung); \
                 the tray ends it",
                process.id(),
                CLOSE_GRACE.as_secs()
            );
            if let Err(e) = process.kill() {
                tracing::error!("cannot end the BoboSync window's process: {e}");
            }
        }
        Err(e) => tracing::warn!("cannot wait for the closed window's process: {e}"),
    }
}

/// Quitting: every closed window's process has ended, or is ended (a hung
/// window must not outlive the tray). Blocks up to [`CLOSE_GRACE`] each.
pub fn finish_closing<R: Runtime>(app: &AppHandle<R>) {
    let closing = std::mem::take(&mut *app.state::<AppState>().window.closing());
    for process in closing {
        end_after_grace(&process);
    }
}

/// What closing the main window does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnClose {
    /// Keep it open and let it ask about its unsaved edits first.
    AskFirst,
    /// Close it (and its process); BoboSync goes on in the tray.
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

/// The window's close button (or the OS closing it), as the window process
/// reports it.
pub fn close_requested<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    match on_close(
        state.unsaved_edits.load(Ordering::SeqCst),
        state.close_to_tray.load(Ordering::SeqCst),
    ) {
        OnClose::AskFirst => {
            state.window.send(&ToWindow::Focus);
            emit(app, CLOSE_BLOCKED_EVENT, &());
        }
        OnClose::ToTray => close(app),
        OnClose::Quit => crate::state::quit(app),
    }
}

/// Closes the window after it asked about its unsaved edits (saved or
/// discarded): to the tray, or quitting, as closing it would.
pub fn close_after_asking<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    state.unsaved_edits.store(false, Ordering::SeqCst);
    if state.close_to_tray.load(Ordering::SeqCst) {
        close(app);
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
