//! The commands of `ui/src/api.ts` through Tauri's IPC on a mock runtime
//! (`tauri::test::mock_builder`): names, argument names, camelCase results
//! and `{kind, message}` errors — in setup mode, in demo mode against the
//! built-in simulator, and the keyring path against a real Secret Service
//! (gnome-keyring in its own D-Bus session).

mod support;

use std::path::Path;

use bobosync_tray::files::ScriptedDialogs;
use bobosync_tray::launch::Launch;
use bobosync_tray::state::AppState;
use bobosync_tray::toasts::Toasts;
use engine::config::Locations;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

use support::inside_keyring;

fn app(dir: &Path) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    app_with(dir, None)
}

/// The app as `bobosync-tray [--env-file env_file]` starts it.
fn app_with(
    dir: &Path,
    env_file: Option<std::path::PathBuf>,
) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let locations = Locations::under(&dir.join("config"), &dir.join("data"));
    let launch = Launch {
        locations,
        env_file,
        hidden: true,
        show_window: false,
        demo_if_unconfigured: false,
    };
    let app = mock_builder()
        .manage(AppState::new(launch))
        .manage(Toasts::default())
        .manage(ScriptedDialogs::default())
        .invoke_handler(bobosync_tray::handler())
        .build(mock_context(noop_assets()))
        .expect("mock app");
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("mock webview");
    (app, webview)
}

fn call(webview: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    tauri::test::get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("json"))
}

#[test]
fn setup_mode_answers_and_refuses_with_not_configured() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    assert_eq!(call(&w, "is_configured", json!({})), Ok(json!(false)));
    let status = call(&w, "get_status", json!({})).unwrap();
    assert_eq!(status["mode"], "setup");
    for key in [
        "health",
        "reason",
        "since",
        "paused",
        "lastFileSeen",
        "lastSuccess",
        "nextMappingSync",
        "pendingFiles",
        "pendingApprovals",
        "drift",
    ] {
        assert!(
            status.get(key).is_some(),
            "get_status lacks {key}: {status}"
        );
    }
    let info = call(&w, "get_app_info", json!({})).unwrap();
    assert_eq!(info["configured"], false);
    assert!(info["settingsPath"]
        .as_str()
        .unwrap()
        .ends_with("settings.toml"));
    assert!(info["folders"]["drop"].as_str().unwrap().contains("data"));
    let err = call(&w, "sync_now", json!({})).unwrap_err();
    assert_eq!(err["kind"], "not_configured", "{err}");
    assert!(err["message"].as_str().unwrap().contains("wizard"));
    let err = call(
        &w,
        "get_history",
        json!({"query": {"who": null, "limit": 10}}),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "not_configured");
    let settings = call(&w, "get_settings", json!({})).unwrap();
    assert_eq!(settings["values"], json!({}));
    assert_eq!(
        settings["secrets"],
        json!({"passwordStored": false, "clientSecretStored": false})
    );
}

#[test]
fn settings_are_validated_by_the_engine_and_saved_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    let errors = call(
        &w,
        "validate_settings",
        json!({"values": {"athoc.server_url": "ftp://nope", "athoc.page_size": "lots"}}),
    )
    .unwrap();
    let keys: Vec<&str> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"athoc.server_url")
            && keys.contains(&"athoc.page_size")
            && keys.contains(&"athoc.org_code"),
        "{keys:?}"
    );
    assert!(errors[0].get("problem").is_some() && errors[0].get("expected").is_some());
    let saved = call(
        &w,
        "save_settings",
        json!({"values": {"athoc.server_url": "ftp://nope"}}),
    )
    .unwrap();
    assert_eq!(saved["saved"], false);
    assert!(!dir.path().join("config/settings.toml").exists());

    let valid = json!({
        "athoc.server_url": "https://athoc.example",
        "athoc.org_code": "ORG1",
        "athoc.client_id": "app",
        "athoc.username": "svc",
        "time.zone": "Europe/London",
    });
    assert_eq!(
        call(&w, "validate_settings", json!({"values": valid})),
        Ok(json!([]))
    );
    // Folders from the window: full paths, creatable, not system folders.
    let mut bad_folders = valid.clone();
    bad_folders["paths.drop_dir"] = json!("/etc/bobosync/drop");
    bad_folders["paths.failed_dir"] = json!("failed");
    let refused = call(&w, "save_settings", json!({"values": bad_folders})).unwrap();
    assert_eq!(refused["saved"], false, "{refused}");
    let keys: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["key"].as_str())
        .collect();
    assert_eq!(keys, ["paths.drop_dir", "paths.failed_dir"], "{refused}");
    assert!(!dir.path().join("config/settings.toml").exists());

    let saved = call(&w, "save_settings", json!({"values": valid})).unwrap();
    assert_eq!(saved["saved"], true, "{saved}");
    // No secret is stored: saved, but the engine cannot run, and says why.
    assert_eq!(saved["applied"], false, "{saved}");
    assert!(!saved["errors"].as_array().unwrap().is_empty(), "{saved}");
    let text = std::fs::read_to_string(dir.path().join("config/settings.toml")).unwrap();
    assert!(
        text.contains("ORG1") && !text.to_lowercase().contains("password ="),
        "{text}"
    );
    let back = call(&w, "get_settings", json!({})).unwrap();
    assert_eq!(back["values"]["athoc.org_code"], "ORG1");
    assert_eq!(back["values"]["time.zone"], "Europe/London");
    assert_eq!(back["envFile"], Value::Null);
}

/// Started with `--env-file`, the engine runs from that file: settings saved
/// from the window would be written elsewhere and silently ignored (the
/// window even said "applied"), so saving them, or secrets, is refused and
/// says what to do instead.
#[test]
fn started_with_an_env_file_settings_and_secrets_are_not_saved_from_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        "ATHOC_SERVER_URL=https://athoc.example\nORG_CODE=O\nCLIENT_ID=c\nAPIUSER=u\n\
         CLIENT_SECRET=cs-value\nPASSWORD=pw-value\n",
    )
    .unwrap();
    let (_app, w) = app_with(dir.path(), Some(env.clone()));
    let shown = call(&w, "get_settings", json!({})).unwrap();
    assert_eq!(
        shown["envFile"],
        json!(env.display().to_string()),
        "{shown}"
    );

    let values = json!({
        "athoc.server_url": "https://athoc.example",
        "athoc.org_code": "ORG2",
        "athoc.client_id": "c",
        "athoc.username": "u",
    });
    let refused = call(&w, "save_settings", json!({"values": values})).unwrap_err();
    assert_eq!(refused["kind"], "settings_from_env_file", "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains(&env.display().to_string()) && message.contains("Edit that file"),
        "{message}"
    );
    assert!(!dir.path().join("config/settings.toml").exists());
    let refused = call(
        &w,
        "store_secrets",
        json!({"request": {"values": values, "password": "new-pw"}}),
    )
    .unwrap_err();
    assert_eq!(refused["kind"], "settings_from_env_file", "{refused}");
    assert!(!refused.to_string().contains("new-pw"), "{refused}");
}

/// The operator's answer to the next OS file dialog.
fn answer_dialog(app: &tauri::App<MockRuntime>, answer: Option<std::path::PathBuf>) {
    use tauri::Manager as _;
    app.state::<ScriptedDialogs>().push(answer);
}

#[test]
fn exports_go_where_the_dialog_says_as_csv_never_into_the_app_folders() {
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(dir.path());
    let export = |name: &str| {
        call(
            &w,
            "export_csv",
            // A path from the window is not an argument: it is ignored.
            json!({"suggestedName": name, "contents": "a,b\n", "path": dir.path().join("data/drop/evil.csv")}),
        )
    };
    answer_dialog(&app, Some(dir.path().join("out.txt")));
    let written = export("history.csv").unwrap();
    let csv = dir.path().join("out.txt.csv");
    assert_eq!(written, json!(csv.display().to_string()));
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "a,b\n");
    assert!(!dir.path().join("data/drop/evil.csv").exists());

    // Into the drop folder (a CSV there would be applied): refused.
    let drop = dir.path().join("data/drop");
    std::fs::create_dir_all(&drop).unwrap();
    answer_dialog(&app, Some(drop.join("x.csv")));
    let err = export("x.csv").unwrap_err();
    assert_eq!(err["kind"], "io", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("own folder"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&drop).unwrap().count(), 0);

    // Cancelled: nothing written.
    answer_dialog(&app, None);
    assert_eq!(export("y.csv"), Ok(Value::Null));
}

#[test]
fn the_python_tools_env_is_imported_from_the_file_the_dialog_returns() {
    if inside_keyring("the_python_tools_env_is_imported_from_the_file_the_dialog_returns").is_none()
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(dir.path());
    answer_dialog(&app, None);
    assert_eq!(
        call(&w, "import_legacy", json!({})),
        Ok(Value::Null),
        "cancelled"
    );

    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        "ATHOC_SERVER_URL=https://athoc.example\nORG_CODE=O\nCLIENT_ID=c\nAPIUSER=u\n\
         CLIENT_SECRET=cs-value\nPASSWORD=pw-value\n\
         HTTPS_PROXY=http://svc:hunter2@proxy.example:3128\n",
    )
    .unwrap();
    answer_dialog(&app, Some(env.clone()));
    answer_dialog(&app, None); // no database
    let done = call(&w, "import_legacy", json!({})).unwrap();
    assert_eq!(done["imported"], true, "{done}");
    assert_eq!(done["envFile"], json!(env.display().to_string()));
    assert_eq!(done["databaseCopied"], false);
    assert_eq!(
        done["secrets"],
        json!({"passwordStored": true, "clientSecretStored": true})
    );
    // The proxy password stays behind: the window sees it masked.
    assert!(!done.to_string().contains("hunter2"), "{done}");
    let shown = call(&w, "get_settings", json!({})).unwrap();
    assert!(!shown.to_string().contains("hunter2"), "{shown}");
    assert_eq!(
        shown["values"]["athoc.https_proxy"],
        "http://svc:********@proxy.example:3128/"
    );
    // Saved back as shown: the password is kept, not replaced by the mask.
    let saved = call(&w, "save_settings", json!({"values": shown["values"]})).unwrap();
    assert_eq!(saved["saved"], true, "{saved}");
    let text = std::fs::read_to_string(dir.path().join("config/settings.toml")).unwrap();
    assert!(text.contains("svc:hunter2@proxy.example"), "{text}");
}

#[test]
fn demo_mode_runs_the_engine_against_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    let status = call(&w, "start_demo", json!({})).unwrap();
    assert_eq!(status["mode"], "demo");
    let report = call(&w, "sync_now", json!({})).unwrap();
    assert!(
        report.get("batches").is_some() && report.get("approvalsNeeded").is_some(),
        "{report}"
    );
    // The demo's first export was written just before the engine started,
    // so no close event vouches for it: the engine reads it once it has been
    // quiet for a moment (the rescan), not necessarily in this first sync.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let history = loop {
        let history = call(
            &w,
            "get_history",
            json!({"query": {"who": null, "limit": 20}}),
        )
        .unwrap();
        if !history["batches"].as_array().unwrap().is_empty() {
            break history;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the demo's first export was never applied: {history}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(history["failedRuns"].is_array(), "{history}");
    let batches = history["batches"].as_array().unwrap();
    let id = batches[0]["id"].as_i64().unwrap();
    let records = call(&w, "get_batch_records", json!({"batchId": id})).unwrap();
    let first = &records.as_array().unwrap()[0];
    for key in [
        "employee",
        "duty",
        "local",
        "at",
        "source",
        "action",
        "login",
        "reason",
        "state",
        "details",
        "athocUserId",
        "attempts",
    ] {
        assert!(first.get(key).is_some(), "record lacks {key}: {first}");
    }
    let checks = call(&w, "run_checks", json!({})).unwrap();
    assert!(
        checks
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "connection" && c["status"] == "pass"),
        "{checks}"
    );
    let paused = call(&w, "pause", json!({})).unwrap();
    assert_eq!(
        (paused["paused"].clone(), paused["health"].clone()),
        (json!(true), json!("paused"))
    );
    let resumed = call(&w, "resume", json!({})).unwrap();
    assert_eq!(resumed["paused"], false);
    assert_eq!(call(&w, "list_approvals", json!({})), Ok(json!([])));
    let err = call(&w, "approve_change", json!({"id": 4242})).unwrap_err();
    assert_eq!(err["kind"], "not_found", "{err}");
    let preview = call(&w, "preview", json!({})).unwrap();
    assert!(preview["plan"].get("records").is_some() && preview.get("stillWriting").is_some());
}

#[test]
fn leaving_the_demo_stops_it_deletes_its_folder_and_shows_the_wizard() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    // Not in the demo: nothing to leave, nothing changes.
    let status = call(&w, "stop_demo", json!({})).unwrap();
    assert_eq!(status["mode"], "setup", "{status}");

    call(&w, "start_demo", json!({})).unwrap();
    let info = call(&w, "get_app_info", json!({})).unwrap();
    assert_eq!(info["mode"], "demo", "{info}");
    let drop = std::path::PathBuf::from(info["folders"]["drop"].as_str().unwrap());
    let folder = drop.parent().unwrap().to_path_buf();
    assert!(
        folder
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("bobosync-demo-")),
        "{info}"
    );
    assert!(folder.join(".env").is_file());
    let server = info["connection"]["server"].as_str().unwrap().to_owned();
    assert!(
        std::net::TcpStream::connect(&server).is_ok(),
        "the simulator is not up"
    );

    let status = call(&w, "stop_demo", json!({})).unwrap();
    assert_eq!(status["mode"], "setup", "{status}");
    assert!(
        !folder.exists(),
        "the demo folder {} is left",
        folder.display()
    );
    assert!(
        std::net::TcpStream::connect(&server).is_err(),
        "the simulator still answers on {server}"
    );
    // Unconfigured: the window shows the first-run wizard.
    let info = call(&w, "get_app_info", json!({})).unwrap();
    assert_eq!(
        (&info["mode"], &info["configured"], &info["connection"]),
        (&json!("setup"), &json!(false), &Value::Null),
        "{info}"
    );
    let err = call(&w, "sync_now", json!({})).unwrap_err();
    assert_eq!(err["kind"], "not_configured", "{err}");
    // A second click changes nothing.
    assert_eq!(call(&w, "stop_demo", json!({})).unwrap()["mode"], "setup");
}

/// The keyring through `store_secrets` / `secrets_status`, against
/// gnome-keyring's Secret Service in a private session with its own HOME.
#[test]
fn secrets_go_to_the_real_keyring_and_never_back() {
    let Some(home) = inside_keyring("secrets_go_to_the_real_keyring_and_never_back") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    let values = json!({
        "athoc.server_url": "https://athoc.example.org",
        "athoc.org_code": "ORG1",
        "athoc.client_id": "app",
        "athoc.username": "svc",
    });
    let none = json!({"passwordStored": false, "clientSecretStored": false});
    assert_eq!(
        call(&w, "secrets_status", json!({"values": values})),
        Ok(none.clone())
    );
    let stored = call(&w, "store_secrets", json!({"request": {"values": values, "password": "first-Pa$$word", "clientSecret": "cs-first-value"}})).unwrap();
    assert_eq!(
        stored,
        json!({"passwordStored": true, "clientSecretStored": true})
    );
    // Read back through the engine's store: what the engine will use.
    use engine::config::{KeyringStore, SecretBinding, SecretName, SecretStore};
    use secrecy::ExposeSecret;
    let store = KeyringStore::new();
    let binding = SecretBinding::new(
        &"https://athoc.example.org".parse().unwrap(),
        &Default::default(),
        &Default::default(),
    );
    let pw = store
        .get(&SecretName::password(&binding, "ORG1", "svc"))
        .unwrap()
        .unwrap();
    assert_eq!(pw.expose_secret(), "first-Pa$$word");
    // Replace the password only.
    call(
        &w,
        "store_secrets",
        json!({"request": {"values": values, "password": "second-Pa$$word"}}),
    )
    .unwrap();
    // The window changes the server (or the proxy): the stored secrets are
    // not there for it, and a connection test does not carry them.
    for (key, changed) in [
        ("athoc.server_url", "https://127.0.0.1:9"),
        ("athoc.https_proxy", "http://127.0.0.1:9"),
    ] {
        let mut other = values.clone();
        other[key] = json!(changed);
        assert_eq!(
            call(&w, "secrets_status", json!({"values": other})),
            Ok(none.clone()),
            "{key}"
        );
        let test = call(&w, "test_connection", json!({"values": other})).unwrap();
        assert_eq!(test["ok"], json!(false), "{test}");
        assert!(
            test["checks"].as_array().is_some_and(Vec::is_empty),
            "{test}"
        );
        let keys: Vec<&str> = test["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["key"].as_str())
            .collect();
        assert!(
            keys.contains(&"PASSWORD") || keys.contains(&"athoc.password"),
            "{test}"
        );
    }
    let pw = store
        .get(&SecretName::password(&binding, "ORG1", "svc"))
        .unwrap()
        .unwrap();
    assert_eq!(pw.expose_secret(), "second-Pa$$word");
    let cs = store
        .get(&SecretName::client_secret(&binding, "ORG1", "app"))
        .unwrap()
        .unwrap();
    assert_eq!(cs.expose_secret(), "cs-first-value");
    // Nothing in clear on disk: not in HOME (the keyring's files), not in the app's folders.
    for root in [home.as_path(), dir.path()] {
        for needle in ["second-Pa$$word", "first-Pa$$word", "cs-first-value"] {
            let found = bobosync_testkit::files_containing(root, needle.as_bytes());
            assert!(found.is_empty(), "{needle} found in clear in {found:?}");
        }
    }
    // Delete (an empty value), then nothing is stored.
    let after = call(
        &w,
        "store_secrets",
        json!({"request": {"values": values, "password": "", "clientSecret": ""}}),
    )
    .unwrap();
    assert_eq!(after, none);
    assert!(store
        .get(&SecretName::password(&binding, "ORG1", "svc"))
        .unwrap()
        .is_none());
}

#[test]
fn open_folder_takes_only_the_four_folder_names_and_the_window_has_no_opener() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    for args in [
        json!({"name": "/etc"}),
        json!({"name": "../.."}),
        json!({"path": "/etc"}),
        json!({}),
    ] {
        assert!(
            call(&w, "open_folder", args.clone()).is_err(),
            "open_folder accepted {args}"
        );
    }
    let caps = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/default.json"),
    )
    .unwrap();
    assert!(!caps.contains("opener:"), "{caps}");
}

#[test]
fn close_to_tray_is_saved_beside_the_settings_and_start_at_login_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    assert_eq!(
        call(&w, "get_app_preferences", json!({})),
        Ok(json!({"startAtLogin": false, "closeToTray": true}))
    );
    let off = json!({"startAtLogin": false, "closeToTray": false});
    assert_eq!(
        call(&w, "set_app_preferences", json!({"preferences": off})),
        Ok(off.clone())
    );
    assert_eq!(call(&w, "get_app_preferences", json!({})), Ok(off));
    let file = dir
        .path()
        .join("config")
        .join(bobosync_tray::preferences::FILE_NAME);
    let stored = bobosync_tray::preferences::load(&file).unwrap();
    assert!(!stored.close_to_tray);
    // Without the autostart plugin (the mock app), turning it on is refused
    // with a reason, and nothing else changes.
    let err = call(
        &w,
        "set_app_preferences",
        json!({"preferences": {"startAtLogin": true, "closeToTray": false}}),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "internal", "{err}");
    assert!(err["message"].as_str().unwrap().contains("login"), "{err}");
}

#[test]
fn failed_files_are_listed_with_their_reason_and_can_be_retried_or_dismissed() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    call(&w, "start_demo", json!({})).unwrap();
    let info = call(&w, "get_app_info", json!({})).unwrap();
    let failed = Path::new(info["folders"]["failed"].as_str().unwrap()).to_path_buf();
    std::fs::create_dir_all(&failed).unwrap();
    // An empty export (nothing to apply once retried) and one to dismiss.
    std::fs::write(failed.join("BOBO_retry.csv"), "").unwrap();
    std::fs::write(
        failed.join("BOBO_retry.csv.reason.txt"),
        "AtHoc refused 2 event(s) of this file in 3 cycles",
    )
    .unwrap();
    std::fs::write(failed.join("BOBO_dismiss.csv"), "BON,,,").unwrap();

    let listed = call(&w, "list_failed_files", json!({})).unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["BOBO_dismiss.csv", "BOBO_retry.csv"], "{listed}");
    let retry = &listed[1];
    assert!(
        retry["reason"]
            .as_str()
            .unwrap()
            .starts_with("AtHoc refused 2 event(s)")
            && retry.get("failedAt").is_some(),
        "{retry}"
    );

    let err = call(&w, "retry_failed_files", json!({"names": ["nope.csv"]})).unwrap_err();
    assert_eq!(err["kind"], "not_found", "{err}");
    let moved = call(
        &w,
        "retry_failed_files",
        json!({"names": ["BOBO_retry.csv"]}),
    )
    .unwrap();
    assert_eq!(moved, json!(["BOBO_retry.csv"]));
    assert!(!failed.join("BOBO_retry.csv.reason.txt").exists());

    let dismissed = call(&w, "dismiss_failed_files", json!({"names": null})).unwrap();
    assert_eq!(dismissed, json!(["BOBO_dismiss.csv"]));
    assert!(failed.join("dismissed").join("BOBO_dismiss.csv").exists());
    assert_eq!(call(&w, "list_failed_files", json!({})), Ok(json!([])));
}

#[test]
fn the_window_says_when_it_holds_unsaved_edits_and_closing_then_asks_first() {
    use bobosync_tray::window::{on_close, OnClose};
    use std::sync::atomic::Ordering;
    use tauri::Manager as _;
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(dir.path());
    let state = app.state::<AppState>();
    let decision = || {
        on_close(
            state.unsaved_edits.load(Ordering::SeqCst),
            state.close_to_tray.load(Ordering::SeqCst),
        )
    };
    assert_eq!(decision(), OnClose::ToTray);
    assert_eq!(
        call(&w, "set_unsaved_edits", json!({"unsaved": true})),
        Ok(Value::Null)
    );
    assert_eq!(decision(), OnClose::AskFirst);
    assert_eq!(
        call(&w, "set_unsaved_edits", json!({"unsaved": false})),
        Ok(Value::Null)
    );
    assert_eq!(decision(), OnClose::ToTray);
}

/// The command names `ui/src/api.ts` invokes (its `call('…')` sites).
fn commands_of_the_page() -> Vec<String> {
    let api = include_str!("../../ui/src/api.ts");
    let mut names: Vec<String> = api
        .split("call")
        .skip(1)
        .filter_map(|rest| {
            let rest = rest.strip_prefix('<').map_or(Some(rest), |r| {
                // `call<T>(…`: skip the type, which may hold `<…>` itself.
                let mut depth = 1;
                r.char_indices().find_map(|(i, ch)| {
                    match ch {
                        '<' => depth += 1,
                        '>' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then(|| &r[i + 1..])
                })
            })?;
            let name = rest.strip_prefix("('")?.split('\'').next()?;
            Some(name.to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// What a command's outcome is, for comparing two ways of calling it: the
/// value but its clock (a status's `since`), or the error's kind (the
/// wording of an argument error is the caller's own).
fn outcome(result: &Result<Value, Value>) -> Result<Value, Value> {
    match result {
        Ok(v) => {
            let mut v = v.clone();
            if let Some(fields) = v.as_object_mut() {
                fields.remove("since");
            }
            Ok(v)
        }
        Err(e) => Err(e.get("kind").cloned().unwrap_or(json!("plain message"))),
    }
}

#[test]
fn every_command_the_page_invokes_is_relayed_from_the_window_process_as_tauri_runs_it() {
    let names = commands_of_the_page();
    assert!(names.len() >= 30, "{names:?}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    for name in &names {
        // Fresh apps on one folder each time, called with no arguments.
        let dir = tempfile::tempdir().unwrap();
        let (app1, w) = app(dir.path());
        let tauri_ran = call(&w, name, json!({}));
        let (app2, _w2) = app(dir.path());
        let relayed = rt.block_on(bobosync_tray::relay::dispatch(
            app2.handle(),
            name,
            &json!({}),
        ));
        assert_ne!(
            relayed,
            Err(json!(format!("command {name} not found"))),
            "{name} is not relayed"
        );
        if name == "start_demo" {
            // Both started a demo (statuses differ by their clocks).
            assert!(
                tauri_ran.is_ok() && relayed.is_ok(),
                "{tauri_ran:?} {relayed:?}"
            );
        } else {
            assert_eq!(outcome(&relayed), outcome(&tauri_ran), "{name}");
        }
        drop((app1, app2));
    }
}

#[test]
fn relayed_commands_take_their_arguments_by_the_pages_names() {
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let relay = |cmd: &str, args: Value| {
        rt.block_on(bobosync_tray::relay::dispatch(app.handle(), cmd, &args))
    };
    for (cmd, args) in [
        ("set_unsaved_edits", json!({"unsaved": true})),
        ("get_app_preferences", json!({})),
        ("is_configured", json!({})),
        ("validate_settings", json!({"values": {}})),
        ("get_batch_records", json!({"batchId": 1})),
        ("get_history", json!({"query": {"who": null, "limit": 5}})),
        ("approve_change", json!({"id": 3})),
        ("retry_failed_files", json!({"names": ["a.csv"]})),
    ] {
        assert_eq!(
            outcome(&relay(cmd, args.clone())),
            outcome(&call(&w, cmd, args)),
            "{cmd}"
        );
    }
    let wrong = relay("get_batch_records", json!({"batch_id": 1})).unwrap_err();
    assert!(
        wrong.as_str().is_some_and(|m| m.contains("batchId")),
        "{wrong}"
    );
    assert_eq!(
        relay("no_such_command", json!({})),
        Err(json!("command no_such_command not found"))
    );
}
