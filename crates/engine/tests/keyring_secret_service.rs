//! `KeyringStore` against a real Secret Service: gnome-keyring in a private D-Bus session with a
//! temporary `HOME`, so the developer's own keyring is never touched.
//!
//! Each test re-runs this test binary (only that test) inside a private D-Bus session with an
//! unlocked gnome-keyring and a temporary `HOME` (`bobosync_testkit::Session`), with
//! [`CHILD_MARKER`] set; the child does the real work. Plain `cargo nextest run` / `cargo test`
//! therefore runs it. Missing `dbus-run-session`, `gnome-keyring-daemon` or `secret-tool` is a
//! failure naming the command that installs it (`dev/setup` installs them), never a skip.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use bobosync_testkit::programs::Program;
use bobosync_testkit::{files_containing, files_under, Session};
use engine::config::{
    Host, KeyringStore, LoadError, SecretName, SecretStore, SecretStoreError, Settings,
};
use secrecy::{ExposeSecret, SecretString};

/// Set in the re-run child: "you are inside the private Secret Service session".
const CHILD_MARKER: &str = "BOBOSYNC_KEYRING_SESSION";

/// In the parent: runs `test_name` of this binary inside a fresh private session (nothing of
/// the caller's environment but PATH) and panics unless it passed; returns `false`. In the
/// child: returns `true` (do the work).
fn inside_private_session(test_name: &str) -> bool {
    Session::new(CHILD_MARKER)
        .keyring()
        .clean_env()
        .require(Program::new(
            "secret-tool",
            "apt-get install -y libsecret-tools",
        ))
        .inside(test_name)
}

/// A value no file could contain by chance.
fn distinctive(label: &str) -> String {
    format!(
        "{label}-{:016x}-{}",
        rand::random::<u64>(),
        std::process::id()
    )
}

/// Panics if `secret` is in any file under the session's `HOME`; returns how many files the
/// keyring has there (so a caller can check something was persisted at all).
fn assert_not_on_disk_in_clear(secret: &str) -> usize {
    let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    let found = files_containing(&home, secret.as_bytes());
    assert!(
        found.is_empty(),
        "the secret is stored in clear in {found:?}"
    );
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
