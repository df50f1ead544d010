//! Migration: an existing Python-tool `bobo_mapping.db` is opened, its mapping used, and its
//! rows kept.

use std::path::Path;
use std::process::Command;

use bobosync_e2e::*;
use chrono::Utc;

/// The Python tool's schema, verbatim.
const LEGACY_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS worker_mapping (
    employee_id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    collar_id TEXT,
    last_updated TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS processing_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    filename TEXT NOT NULL,
    processed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    entries_processed INTEGER,
    success_count INTEGER,
    error_count INTEGER,
    errors TEXT
);
CREATE TABLE IF NOT EXISTS sync_tracking (
    sync_type TEXT PRIMARY KEY,
    last_sync_date DATE,
    last_sync_time TIMESTAMP,
    status TEXT
);
";

const LEGACY_ONLY_LOGIN: &str = "legacy.only@force.example";
const LEGACY_FILE: &str = "BOBO_20250101_000000_output.csv";

/// Rows as the Python tool would have left them; the mapping sync ran successfully today.
fn legacy_rows() -> String {
    let now = Utc::now().naive_utc();
    let today = now.format("%Y-%m-%d");
    let stamp = now.format("%Y-%m-%d %H:%M:%S%.6f");
    format!(
        "INSERT INTO worker_mapping (employee_id, username, collar_id) VALUES
             ('00042', 'user00042@force.example', '00042'),
             ('00007', 'user00007@force.example', '00007'),
             ('55555', '{LEGACY_ONLY_LOGIN}', '55555');
         INSERT INTO processing_log (filename, entries_processed, success_count, error_count, errors)
             VALUES ('{LEGACY_FILE}', 3, 3, 0, '');
         INSERT INTO sync_tracking (sync_type, last_sync_date, last_sync_time, status)
             VALUES ('user_mapping', '{today}', '{stamp}', 'success');"
    )
}

/// Creates the database with Python's own `sqlite3` when `python3` is there (as the Python tool
/// did), otherwise with rusqlite.
fn create_legacy_db(path: &Path) {
    let script = format!("{LEGACY_SCHEMA}\n{}", legacy_rows());
    let python = Command::new("python3")
        .arg("-c")
        .arg("import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()\nc.close()")
        .arg(path)
        .arg(&script)
        .status();
    if matches!(python, Ok(status) if status.success()) {
        return;
    }
    let _ = std::fs::remove_file(path);
    let conn = rusqlite::Connection::open(path)
        .unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
    conn.execute_batch(&script)
        .unwrap_or_else(|e| panic!("fill {}: {e}", path.display()));
}

#[test]
fn python_tool_database_is_reused() {
    // The legacy-only user has no collar number in AtHoc: only the old mapping knows 55555.
    let mut h = Harness::new(org(
        50,
        [SimUser::new(LEGACY_ONLY_LOGIN).with("FIRSTNAME", "Legacy")],
    ));
    h.set("TIME_ZONE", "UTC");
    create_legacy_db(&h.db_path());
    h.drop_file(
        "BOBO_20250617_143000_output.csv",
        [
            bobo_row("BON", "55555", &stamp(0, "143000")),
            bobo_row("BON", "00042", &stamp(0, "143100")),
        ]
        .concat(),
    );

    let run = h.once();
    run.assert_success();

    h.assert_duty(LEGACY_ONLY_LOGIN, Some(&athoc_on(0, "14:30:00")), &run); // mapped only in the old DB
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:31:00")), &run);
    h.assert_processed("BOBO_20250617_143000_output.csv");

    let conn = rusqlite::Connection::open_with_flags(
        h.db_path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap_or_else(|e| panic!("open {}: {e}", h.db_path().display()));
    let query = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.map(|r| r.unwrap_or_else(|e| panic!("{sql}: {e}")))
            .collect()
    };
    let mappings =
        query("SELECT employee_id || '=' || username FROM worker_mapping ORDER BY employee_id");
    for expected in [
        "00007=user00007@force.example",
        "00042=user00042@force.example",
        "55555=legacy.only@force.example",
    ] {
        assert!(
            mappings.contains(&expected.to_owned()),
            "legacy mapping {expected} lost: {mappings:?}"
        );
    }
    let logged = query("SELECT filename FROM processing_log");
    assert!(
        logged.contains(&LEGACY_FILE.to_owned()),
        "legacy processing_log row lost: {logged:?}"
    );
    let tracking = query("SELECT sync_type FROM sync_tracking");
    assert!(
        tracking.contains(&"user_mapping".to_owned()),
        "legacy sync_tracking row lost: {tracking:?}"
    );
}

/// `bobosync import-legacy` for real: inside a private D-Bus session with an
/// unlocked gnome-keyring (a real Secret Service) and its own HOME and XDG
/// folders, the `.env` becomes the native settings file, the secrets go to
/// the keyring, the database is copied; then a plain `bobosync once` (no
/// `--env-file`) runs from those alone.
#[test]
fn import_legacy_moves_settings_secrets_and_database() {
    for (program, package) in [
        ("dbus-run-session", "dbus"),
        ("gnome-keyring-daemon", "gnome-keyring"),
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            found,
            "{program} is missing: apt-get install {package} (dev/setup does)"
        );
    }
    let mut h = Harness::new(org(
        10,
        [SimUser::new(LEGACY_ONLY_LOGIN).with("FIRSTNAME", "Legacy")],
    ));
    h.set("TIME_ZONE", "UTC");
    create_legacy_db(&h.db_path());
    h.drop_file(
        "BOBO_20250617_143000_output.csv",
        bobo_row("BON", "55555", &stamp(0, "143000")),
    );
    let (config_home, data_home) = (h.root().join("xdg-config"), h.root().join("xdg-data"));
    let script = r#"set -e
echo -n unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$BIN" import-legacy --env-file "$ENV_FILE"
"$BIN" once
"#;
    let output = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", h.home())
        .env("XDG_CONFIG_HOME", &config_home)
        .env("XDG_DATA_HOME", &data_home)
        .env("BIN", bobosync_bin())
        .env("ENV_FILE", h.env_path())
        .current_dir(h.home())
        .output()
        .unwrap_or_else(|e| panic!("dbus-run-session: {e}"));
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "import-legacy + once failed:\n{text}"
    );

    // The native settings file: written, and without a secret.
    let settings = config_home.join("bobosync").join("settings.toml");
    let toml = std::fs::read_to_string(&settings)
        .unwrap_or_else(|e| panic!("{}: {e}\n{text}", settings.display()));
    for secret in h.secrets_to_scan() {
        assert!(
            !toml.contains(&secret),
            "a secret is in {}",
            settings.display()
        );
        assert!(!text.contains(&secret), "a secret is in the output");
    }
    // The database: copied into the data folder with the legacy rows; the original kept.
    let copied = data_home.join("bobosync").join("bobosync.db");
    let conn =
        rusqlite::Connection::open_with_flags(&copied, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("{}: {e}", copied.display()));
    let legacy_only: String = conn
        .query_row(
            "SELECT username FROM worker_mapping WHERE employee_id = '55555'",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("the legacy mapping was not copied: {e}"));
    assert_eq!(legacy_only, LEGACY_ONLY_LOGIN);
    assert!(
        h.db_path().exists(),
        "the Python tool's database was moved, not copied"
    );
    // The keyring holds what `once` needed: it signed in and applied the file.
    h.assert_duty(
        LEGACY_ONLY_LOGIN,
        Some(&athoc_on(0, "14:30:00")),
        &h.bobosync(&["history"]),
    );
    h.assert_processed("BOBO_20250617_143000_output.csv");
}

/// Item 10: `import-legacy` copied the database, then failed on the keyring, and the rerun said
/// "already exists; pass --force". Now a failed import changes nothing, and a server without a
/// keyring imports with the secrets kept in the service's environment.
#[test]
fn a_failed_import_changes_nothing_and_secrets_can_stay_in_the_environment() {
    let mut h = Harness::new(org(
        10,
        [SimUser::new(LEGACY_ONLY_LOGIN).with("FIRSTNAME", "Legacy")],
    ));
    h.set("TIME_ZONE", "UTC");
    create_legacy_db(&h.db_path());
    h.drop_file(
        "BOBO_20250617_143000_output.csv",
        bobo_row("BON", "55555", &stamp(0, "143000")),
    );
    let (config_home, data_home) = (h.root().join("xdg-config"), h.root().join("xdg-data"));
    // No D-Bus session: no Secret Service, so the keyring fails.
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = Command::new(bobosync_bin());
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", h.home())
            .env("XDG_CONFIG_HOME", &config_home)
            .env("XDG_DATA_HOME", &data_home)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .current_dir(h.home());
        for (k, v) in env {
            command.env(k, v);
        }
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("run bobosync: {e}"));
        (
            output.status.code(),
            format!(
                "{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        )
    };
    let env_file = h.env_path().display().to_string();

    let (code, text) = run(&["import-legacy", "--env-file", &env_file], &[]);
    assert_eq!(code, Some(EXIT_FAILED), "{text}");
    assert!(
        text.contains("keyring") && text.contains("nothing was imported"),
        "{text}"
    );
    let left = files_under(&h.root().join("xdg-data"))
        .into_iter()
        .chain(files_under(&h.root().join("xdg-config")))
        .filter(|p| {
            let name = p.to_string_lossy();
            !name.ends_with(".lock") && !name.ends_with(".lock-holder")
        })
        .collect::<Vec<_>>();
    assert!(left.is_empty(), "a failed import left {left:?}\n{text}");

    let (code, text) = run(
        &[
            "import-legacy",
            "--env-file",
            &env_file,
            "--secrets-in-environment",
        ],
        &[],
    );
    assert_eq!(code, Some(EXIT_OK), "{text}");
    assert!(text.contains("BOBOSYNC_PASSWORD is not set"), "{text}");

    let (code, text) = run(
        &["once"],
        &[
            ("BOBOSYNC_PASSWORD", HARNESS_PASSWORD),
            ("BOBOSYNC_CLIENT_SECRET", HARNESS_CLIENT_SECRET),
        ],
    );
    assert_eq!(code, Some(EXIT_OK), "{text}");
    h.assert_duty(
        LEGACY_ONLY_LOGIN,
        Some(&athoc_on(0, "14:30:00")),
        &h.bobosync(&["history"]),
    );
}
