//! What differs on Windows, run only in the Windows lane (`dev/test-windows`:
//! the Windows build of `bobosync` under Wine); elsewhere these tests are
//! skipped (ignored), as they need `bobosync.exe` and Wine's `C:` drive.

use std::path::PathBuf;

use bobosync_e2e::*;

/// Wine's `C:` drive on the Linux side: `$WINEPREFIX/drive_c`.
fn drive_c() -> PathBuf {
    let prefix = std::env::var_os("WINEPREFIX")
        .unwrap_or_else(|| panic!("WINEPREFIX is not set: run this through dev/test-windows"));
    PathBuf::from(prefix).join("drive_c")
}

/// The `.env` an operator edits in Notepad: a UTF-8 byte-order mark, CRLF
/// line ends, and the folders as drive-letter paths with backslashes.
#[test]
#[ignore = "Windows lane only (dev/test-windows): bobosync.exe under Wine"]
fn a_notepad_env_with_drive_letter_paths_runs_a_full_cycle() {
    let mut h = Harness::new(org(3, []));
    let site = format!(
        "bobosync-e2e-{}",
        h.root()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let on_c = drive_c().join(&site);
    for (key, sub) in [
        ("CSV_DIRECTORY", "csv"),
        ("PROCESSED_DIRECTORY", "processed"),
        ("FAILED_FILES_DIRECTORY", "failed"),
        ("LOG_DIRECTORY", "logs"),
    ] {
        h.set(key, &format!("C:\\{site}\\{sub}"));
    }
    h.set("DB_PATH", &format!("C:\\{site}\\bobo_mapping.db"));
    let text = std::fs::read_to_string(h.env_path()).unwrap_or_else(|e| panic!("{e}"));
    let notepad = format!(
        "\u{feff}{}\r\n",
        text.lines().collect::<Vec<_>>().join("\r\n")
    );
    std::fs::write(h.env_path(), notepad).unwrap_or_else(|e| panic!("{e}"));

    std::fs::create_dir_all(on_c.join("csv")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        on_c.join("csv").join("BOBO_1.csv"),
        bobo_row("BON", "00002", &stamp(0, "081500")),
    )
    .unwrap_or_else(|e| panic!("{e}"));

    let run = h.once();
    run.assert_success();
    run.assert_output_contains(&format!("drop folder C:\\{site}\\csv"));
    h.assert_duty(&login(2), Some(&athoc_on(0, "08:15:00")), &run);
    assert!(
        on_c.join("processed").join("BOBO_1.csv").is_file(),
        "not moved to C:\\{site}\\processed\n{run}"
    );
    assert!(on_c.join("bobo_mapping.db").is_file(), "{run}");
    assert!(
        std::fs::read_dir(on_c.join("logs")).is_ok_and(|mut d| d.next().is_some()),
        "no log in C:\\{site}\\logs\n{run}"
    );
    let _ = std::fs::remove_dir_all(&on_c);
}

/// Removes the service when a test ends, passed or not, so a later Wine
/// boot does not start a service whose site is gone.
struct Uninstall<'a>(&'a Harness);

impl Drop for Uninstall<'_> {
    fn drop(&mut self) {
        let _ = self.0.bobosync_raw(&["service".into(), "uninstall".into()]);
    }
}

fn service(h: &Harness, action: &str) -> Run {
    h.bobosync_raw(&["service".into(), action.into()])
}

/// The Windows service through Wine's service manager: installed from a
/// `.env`, started, applying a pending file, stopped with the batch done,
/// and removed, keeping the data.
#[test]
#[ignore = "Windows lane only (dev/test-windows): bobosync.exe under Wine"]
fn the_windows_service_installs_runs_the_engine_stops_and_uninstalls() {
    let h = Harness::new(org(3, []));
    let installed = h.bobosync(&["service", "install"]);
    let _cleanup = Uninstall(&h);
    installed
        .assert_success()
        .assert_output_contains("installed the Windows service bobosync");
    service(&h, "status")
        .assert_code(1)
        .assert_output_contains("stopped");

    h.drop_file("BOBO_1.csv", bobo_row("BON", "00002", &stamp(0, "081500")));
    let started = service(&h, "start");
    started.assert_success().assert_output_contains("running");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while h.duty(&login(2)).is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    h.assert_duty(&login(2), Some(&athoc_on(0, "08:15:00")), &started);
    service(&h, "status")
        .assert_success()
        .assert_output_contains("running, pid");

    service(&h, "stop")
        .assert_success()
        .assert_output_contains("stopped");
    assert!(
        h.log_text().contains("BoboSync engine stopped"),
        "the engine did not stop cleanly:\n{}",
        h.log_text()
    );
    service(&h, "uninstall")
        .assert_success()
        .assert_output_contains("the settings, database and logs are kept");
    service(&h, "status")
        .assert_code(1)
        .assert_output_contains("not installed");
    assert!(h.db_path().is_file(), "the database was removed");
    h.assert_processed("BOBO_1.csv");
}

/// Windows Credential Manager as the keyring: `import-legacy` stores the
/// password and client secret there (Wine implements CredWrite/CredRead),
/// and a cycle from the native settings file, which holds no secret,
/// authenticates with them.
#[test]
#[ignore = "Windows lane only (dev/test-windows): bobosync.exe under Wine"]
fn credential_manager_keeps_the_secrets_import_legacy_stores() {
    let mut h = Harness::new(org(3, []));
    h.set("TIME_ZONE", "UTC");
    h.drop_file("BOBO_1.csv", bobo_row("BON", "00002", &stamp(0, "081500")));
    let settings = h.root().join("settings.toml");
    // --force: the database goes to the Wine prefix's one AppData folder,
    // where an earlier run of this test left one.
    let import = h.bobosync_raw(&[
        "import-legacy".into(),
        "--env-file".into(),
        h.env_path().display().to_string(),
        "--config-out".into(),
        settings.display().to_string(),
        "--force".into(),
    ]);
    import
        .assert_success()
        .assert_output_contains("the password and client secret are in the OS keyring");
    let toml = std::fs::read_to_string(&settings).unwrap_or_else(|e| panic!("{e}\n{import}"));
    for secret in h.secrets_to_scan() {
        assert!(
            !toml.contains(&secret),
            "a secret is in the settings file\n{toml}"
        );
    }
    let run = h.bobosync_raw(&[
        "once".into(),
        "--config".into(),
        settings.display().to_string(),
    ]);
    run.assert_success();
    h.assert_duty(&login(2), Some(&athoc_on(0, "08:15:00")), &run);
}
