//! The line protocol between the tray process and its window process, and
//! the tray side's command dispatch.
//!
//! The window lives in a process of its own (`bobosync-tray
//! --window-process`, see `window_process.rs`), so closing it ends WebKit
//! and everything it loaded, and the tray process — engine, tray icon,
//! toasts — never loads a web view. The window process relays every command
//! its page invokes to the tray process and gets back the command's JSON
//! result or `{kind, message}` error, and the tray process sends it the
//! engine's events. Messages are one JSON object per line over the window
//! process's stdin and stdout: private to the two processes, nothing to
//! bind, the same on every OS.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::{AppHandle, Manager as _, Runtime};

use crate::commands as c;
use crate::error::ApiError;
use crate::state::AppState;

/// The hidden flag that starts `bobosync-tray` as the window process.
pub const WINDOW_PROCESS_FLAG: &str = "--window-process";

/// The window process's exit status when it cannot build its window (the
/// tray process then says the window cannot open, rather than that it
/// closed unexpectedly).
pub const CANNOT_OPEN_EXIT: i32 = 3;

/// What the window process sends the tray process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromWindow {
    /// The page invoked command `cmd` with `args` (Tauri's JSON body: the
    /// command's arguments by their camelCase names).
    Call { id: u64, cmd: String, args: Value },
    /// The window's close button (or the OS closing it): the tray process
    /// decides whether it closes, asks first or quits.
    CloseRequested,
    /// What the operator chose in dialog `id` (`None`: cancelled).
    Chosen { id: u64, path: Option<PathBuf> },
}

/// What the tray process sends the window process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToWindow {
    /// The result of call `id`: the command's JSON value, or its error.
    Reply {
        id: u64,
        result: Result<Value, Value>,
    },
    /// An event for the page (`listen` in `ui/src/api.ts`).
    Event { name: String, payload: Value },
    /// Show and focus the window (a second launch, the tray's Open).
    Focus,
    /// Close the window and end the process.
    Close,
    /// Show a file dialog over the window (a command of the tray process
    /// asks the operator for a file) and answer with `Chosen`.
    Choose { id: u64, dialog: FileDialog },
}

/// A file dialog a command needs: shown by the window process, over the
/// window, where the operator is looking (a dialog of the tray process
/// would be a window of a process in the background, which Windows may
/// open behind the window).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileDialog {
    /// "Save as" for a CSV file, `suggested` as the name.
    SaveCsv { suggested: String },
    /// "Open" for one file of the kind `filter` names (`extensions`).
    PickFile {
        title: String,
        filter: String,
        extensions: Vec<String>,
    },
}

/// One message as a line (no newline inside: JSON escapes them).
pub fn encode<T: Serialize>(message: &T) -> String {
    let mut line = serde_json::to_string(message).expect("relay messages serialize");
    line.push('\n');
    line
}

/// Runs command `cmd` of `ui/src/api.ts` with `args` as Tauri's IPC would
/// (the same functions, arguments by their camelCase names, the same
/// `{kind, message}` errors), for the window process's page.
pub async fn dispatch<R: Runtime>(
    app: &AppHandle<R>,
    cmd: &str,
    args: &Value,
) -> Result<Value, Value> {
    let state = || app.state::<AppState>();
    // An argument by its camelCase name, as `invoke` passes it.
    macro_rules! arg {
        ($name:literal) => {
            match serde_json::from_value(args.get($name).cloned().unwrap_or(Value::Null)) {
                Ok(value) => value,
                Err(e) => {
                    return Err(Value::String(format!(
                        "invalid args `{}` for command `{cmd}`: {e}",
                        $name
                    )))
                }
            }
        };
    }
    let handle = || app.clone();
    match cmd {
        "get_status" => value(c::get_status(state())),
        "get_app_info" => value(c::get_app_info(state())),
        "is_configured" => value(c::is_configured(state())),
        "pause" => result(c::pause(state()).await),
        "resume" => result(c::resume(state()).await),
        "start_demo" => result(c::start_demo(handle()).await),
        "stop_demo" => result(c::stop_demo(handle()).await),
        "sync_now" => result(c::sync_now(state()).await),
        "sync_mappings_now" => result(c::sync_mappings_now(state()).await),
        "preview" => result(c::preview(state()).await),
        "list_approvals" => result(c::list_approvals(state()).await),
        "approve_change" => result(c::approve_change(state(), arg!("id")).await),
        "reject_change" => result(c::reject_change(state(), arg!("id")).await),
        "list_failed_files" => result(c::list_failed_files(state()).await),
        "retry_failed_files" => result(c::retry_failed_files(state(), arg!("names")).await),
        "dismiss_failed_files" => result(c::dismiss_failed_files(state(), arg!("names")).await),
        "get_history" => result(c::get_history(state(), arg!("query")).await),
        "get_batch_records" => result(c::get_batch_records(state(), arg!("batchId")).await),
        "run_checks" => result(c::run_checks(state()).await),
        "get_settings" => result(c::get_settings(state())),
        "validate_settings" => value(c::validate_settings(state(), arg!("values"))),
        "save_settings" => result(c::save_settings(handle(), state(), arg!("values")).await),
        "store_secrets" => result(c::store_secrets(state(), arg!("request"))),
        "secrets_status" => result(c::secrets_status(state(), arg!("values"))),
        "test_connection" => result(c::test_connection(state(), arg!("values")).await),
        "import_legacy" => result(c::import_legacy(handle(), state()).await),
        "export_csv" => {
            result(c::export_csv(handle(), state(), arg!("suggestedName"), arg!("contents")).await)
        }
        "open_folder" => result(c::open_folder(handle(), state(), arg!("name"))),
        "get_app_preferences" => value(c::get_app_preferences(handle(), state())),
        "set_app_preferences" => result(c::set_app_preferences(
            handle(),
            state(),
            arg!("preferences"),
        )),
        "set_unsaved_edits" => {
            c::set_unsaved_edits(state(), arg!("unsaved"));
            Ok(Value::Null)
        }
        "close_window" => {
            c::close_window(handle());
            Ok(Value::Null)
        }
        other => Err(Value::String(format!("command {other} not found"))),
    }
}

fn value<T: Serialize>(value: T) -> Result<Value, Value> {
    serde_json::to_value(value).map_err(|e| internal(&e))
}

fn result<T: Serialize>(result: Result<T, ApiError>) -> Result<Value, Value> {
    match result {
        Ok(v) => value(v),
        Err(e) => Err(serde_json::to_value(&e).unwrap_or_else(|e| internal(&e))),
    }
}

fn internal(e: &serde_json::Error) -> Value {
    serde_json::to_value(ApiError::Internal(e.to_string())).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn messages_are_one_line_each_and_read_back() {
        let call = FromWindow::Call {
            id: 7,
            cmd: "get_history".into(),
            args: json!({"query": {"who": "line\nbreak", "limit": 5}}),
        };
        let line = encode(&call);
        assert_eq!(line.matches('\n').count(), 1);
        assert!(line.ends_with('\n'));
        assert_eq!(serde_json::from_str::<FromWindow>(&line).unwrap(), call);
        for message in [
            ToWindow::Reply {
                id: 7,
                result: Err(json!({"kind": "busy", "message": "x"})),
            },
            ToWindow::Event {
                name: "engine-event".into(),
                payload: json!({"type": "x"}),
            },
            ToWindow::Focus,
            ToWindow::Close,
            ToWindow::Choose {
                id: 2,
                dialog: FileDialog::PickFile {
                    title: "Import".into(),
                    filter: ".env".into(),
                    extensions: vec!["env".into()],
                },
            },
        ] {
            let line = encode(&message);
            assert_eq!(serde_json::from_str::<ToWindow>(&line).unwrap(), message);
        }
        assert_eq!(encode(&FromWindow::CloseRequested), "\"close_requested\"\n");
        let chosen = FromWindow::Chosen {
            id: 2,
            path: Some(PathBuf::from("/home/op/export.csv")),
        };
        assert_eq!(
            serde_json::from_str::<FromWindow>(&encode(&chosen)).unwrap(),
            chosen
        );
    }
}
