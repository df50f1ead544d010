//! `KeyringStore` against a real Secret Service: gnome-keyring in a private D-Bus session with a
//! temporary `HOME`, so the developer's own keyring is never touched.
//!
//! Each test re-executes this test binary (only that test) inside
//! `dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock …; exec "$@"'`, with
//! [`CHILD_MARKER`] set; the child does the real work. Plain `cargo nextest run` / `cargo test`
//! therefore runs it. Missing `dbus-run-session`, `gnome-keyring-daemon` or `secret-tool` is a
//! failure naming the Debian packages (`dev/setup` installs them), never a skip.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::config::{
    Host, KeyringStore, LoadError, SecretName, SecretStore, SecretStoreError, Settings,
};
use secrecy::{ExposeSecret, SecretString};

/// Set in the re-executed child: "you are inside the private Secret Service session".
const CHILD_MARKER: &str = "BOBOSYNC_KEYRING_SESSION";

/// How long one child may take before it is killed and the test fails.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// The unlock script: start gnome-keyring's secrets component unlocked with password `pw`
/// (without `--unlock` it would try to prompt), then run the child.
const SESSION_SCRIPT: &str = "echo -n pw | gnome-keyring-daemon --unlock --components=secrets \
                              >/dev/null && exec \"$@\"";

/// Tools the tests need, with the Debian package that ships each.
const TOOLS: [(&str, &str); 3] = [
    ("dbus-run-session", "dbus"),
    ("gnome-keyring-daemon", "gnome-keyring"),
    ("secret-tool", "libsecret-tools"),
];

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

/// In the parent: runs `test_name` of this binary inside a fresh private session and panics
/// unless it passed; returns `false`. In the child: returns `true` (do the work).
fn inside_private_session(test_name: &str) -> bool {
    if std::env::var_os(CHILD_MARKER).is_some() {
        return true;
    }
    let missing: Vec<String> = TOOLS
        .iter()
        .filter(|(tool, _)| !on_path(tool))
        .map(|(tool, package)| format!("{tool} (Debian package `{package}`)"))
        .collect();
    assert!(
        missing.is_empty(),
        "the real-keyring tests need {}: run ./dev/setup, or \
         apt-get install dbus gnome-keyring libsecret-tools",
        missing.join(", ")
    );

    let home = tempfile::Builder::new()
        .prefix("bobosync-keyring-home-")
        .tempdir()
        .unwrap_or_else(|e| panic!("create a temporary HOME: {e}"));
    let runtime = home.path().join("run");
    std::fs::create_dir(&runtime).unwrap_or_else(|e| panic!("create XDG_RUNTIME_DIR: {e}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
            .unwrap_or_else(|e| panic!("chmod XDG_RUNTIME_DIR: {e}"));
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("locate this test binary: {e}"));
    let mut child = Command::new("dbus-run-session")
        .arg("--")
        .arg("sh")
        .arg("-c")
        .arg(SESSION_SCRIPT)
        .arg("sh")
        .arg(&exe)
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("RUST_BACKTRACE", "1")
        .env(CHILD_MARKER, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start dbus-run-session: {e}"));
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + CHILD_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("wait for the keyring session: {e}"),
        }
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    let passed = status.is_some_and(|s| s.success()) && out.contains("1 passed");
    assert!(
        passed,
        "{test_name} inside the private Secret Service session {}\n--- stdout:\n{out}\n--- stderr:\n{err}",
        match status {
            Some(status) => format!("failed ({status})"),
            None => format!("did not finish within {CHILD_TIMEOUT:?}"),
        }
    );
    false
}

/// A value no file could contain by chance.
fn distinctive(label: &str) -> String {
    format!(
        "{label}-{:016x}-{}",
        rand::random::<u64>(),
        std::process::id()
    )
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => out.push(entry.path()),
                _ => {}
            }
        }
    }
    out
}

/// Panics if `secret` is in any file under the session's `HOME`; returns how many files the
/// keyring has there (so a caller can check something was persisted at all).
fn assert_not_on_disk_in_clear(secret: &str) -> usize {
    let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    let needle = secret.as_bytes();
    for path in files_under(&home) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the secret is stored in clear in {}",
            path.display()
        );
    }
    files_under(&home.join(".local/share/keyrings")).len()
}

/// What `secret-tool` (libsecret, independent of the `keyring` crate) finds for `account`.
fn secret_tool_lookup(account: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", "bobosync", "username", account])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run secret-tool: {e}"));
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn get(store: &KeyringStore, name: &SecretName) -> Option<String> {
    store
        .get(name)
        .unwrap_or_else(|e| panic!("read {name}: {e}"))
        .map(|s| s.expose_secret().to_owned())
}

#[test]
fn keyring_store_round_trip_in_a_real_secret_service() {
    if !inside_private_session("keyring_store_round_trip_in_a_real_secret_service") {
        return;
    }
    let store = KeyringStore::new();
    let name = SecretName::password(&example_binding(), "ORG1", "svc.bobo");
    assert_eq!(get(&store, &name), None, "a fresh keyring has the entry");

    let first = distinctive("kr-first");
    store
        .set(&name, &SecretString::from(first.clone()))
        .unwrap_or_else(|e| panic!("store: {e}"));
    assert_eq!(get(&store, &name).as_deref(), Some(first.as_str()));
    assert_eq!(
        secret_tool_lookup(name.account()).as_deref(),
        Some(first.as_str()),
        "libsecret does not see the entry: it did not reach the Secret Service"
    );
    assert!(
        assert_not_on_disk_in_clear(&first) > 0,
        "gnome-keyring persisted nothing under HOME, so the clear-text check proved nothing"
    );

    let second = distinctive("kr-second");
    store
        .set(&name, &SecretString::from(second.clone()))
        .unwrap_or_else(|e| panic!("replace: {e}"));
    assert_eq!(get(&store, &name).as_deref(), Some(second.as_str()));
    assert_eq!(
        secret_tool_lookup(name.account()).as_deref(),
        Some(second.as_str())
    );
    assert_not_on_disk_in_clear(&first);
    assert_not_on_disk_in_clear(&second);

    let other = SecretName::client_secret(&example_binding(), "ORG1", "bobo-app");
    assert_eq!(get(&store, &other), None, "entries are separate");

    store
        .delete(&name)
        .unwrap_or_else(|e| panic!("delete: {e}"));
    assert_eq!(get(&store, &name), None);
    assert_eq!(secret_tool_lookup(name.account()), None);
    store
        .delete(&name)
        .unwrap_or_else(|e| panic!("deleting a missing entry must succeed: {e}"));
}

#[test]
fn settings_without_secrets_read_them_from_the_real_keyring() {
    if !inside_private_session("settings_without_secrets_read_them_from_the_real_keyring") {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let env_file = dir.path().join(".env");
    std::fs::write(
        &env_file,
        "ATHOC_SERVER_URL=https://athoc.example.org\nORG_CODE=ORG1\nCLIENT_ID=bobo-app\n\
         APIUSER=svc.bobo\nTIME_ZONE=UTC\n",
    )
    .unwrap_or_else(|e| panic!("write .env: {e}"));
    let host = || {
        Host::isolated(
            HashMap::new(),
            Arc::new(KeyringStore::new()),
            dir.path().to_path_buf(),
        )
    };

    // Nothing in the keyring yet: the error names the keyring entry, and nothing else is wrong.
    match Settings::from_env_file(&env_file, &host()) {
        Err(LoadError::Invalid { errors, .. }) => {
            let text = errors.to_string();
            assert!(
                text.contains("ORG1/svc.bobo/password") && text.contains("PASSWORD"),
                "{text}"
            );
        }
        other => panic!("expected missing secrets, got {other:?}"),
    }

    let password = distinctive("kr-password");
    let client_secret = distinctive("kr-client-secret");
    let store = KeyringStore::new();
    store
        .set(
            &SecretName::password(&example_binding(), "ORG1", "svc.bobo"),
            &SecretString::from(password.clone()),
        )
        .unwrap_or_else(|e| panic!("store the password: {e}"));
    store
        .set(
            &SecretName::client_secret(&example_binding(), "ORG1", "bobo-app"),
            &SecretString::from(client_secret.clone()),
        )
        .unwrap_or_else(|e| panic!("store the client secret: {e}"));

    let settings = Settings::from_env_file(&env_file, &host())
        .unwrap_or_else(|e| panic!("settings with secrets in the keyring: {e}"));
    let credentials = &settings.athoc.credentials;
    assert_eq!(credentials.password.expose_secret(), password);
    assert_eq!(credentials.client_secret.expose_secret(), client_secret);
    let debug = format!("{settings:?}");
    assert!(
        !debug.contains(&password) && !debug.contains(&client_secret),
        "Debug output shows a secret"
    );

    // The same through the real machine's host, as `bobosync` builds it.
    let settings = Settings::from_env_file(&env_file, &Host::system())
        .unwrap_or_else(|e| panic!("settings through Host::system: {e}"));
    assert_eq!(
        settings.athoc.credentials.password.expose_secret(),
        password
    );

    assert_not_on_disk_in_clear(&password);
    assert_not_on_disk_in_clear(&client_secret);
}

/// Outside any session (no D-Bus address), the store reports itself unavailable instead of
/// failing obscurely; runs in the parent only.
#[test]
fn without_a_session_bus_the_keyring_is_unavailable() {
    if std::env::var_os(CHILD_MARKER).is_some()
        || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
    {
        return; // a desktop session may well have a keyring
    }
    let result =
        KeyringStore::new().get(&SecretName::password(&example_binding(), "ORG1", "nobody"));
    assert!(
        matches!(result, Err(SecretStoreError::Unavailable { .. })),
        "{result:?}"
    );
}

/// The secrets' binding for `https://athoc.example.org`, direct and verified.
fn example_binding() -> engine::config::SecretBinding {
    engine::config::SecretBinding::new(
        &url::Url::parse("https://athoc.example.org").unwrap(),
        &Default::default(),
        &Default::default(),
    )
}
