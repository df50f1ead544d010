//! `bobosync service` on Linux: the systemd unit it writes passes
//! `systemd-analyze verify` (for the user's and the system's manager), and
//! an install that cannot complete (invalid settings, no reachable systemd
//! manager: this machine's) leaves nothing behind and says why. The
//! Windows service is tested in the Windows lane (`windows.rs`).

use std::path::Path;
use std::process::Command;

use bobosync_e2e::*;

/// `systemd-analyze [--user] verify unit`: passes only without a word on
/// stderr, as it reports bad settings as warnings with status 0.
fn assert_verifies(unit: &str, user: bool) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("bobosync.service");
    std::fs::write(&path, unit).unwrap_or_else(|e| panic!("{e}"));
    let runtime = dir.path().join("runtime");
    std::fs::create_dir(&runtime).unwrap_or_else(|e| panic!("{e}"));
    let mut command = Command::new("systemd-analyze");
    if user {
        command.arg("--user").env("XDG_RUNTIME_DIR", &runtime);
    }
    let output = command
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("systemd-analyze (Debian package systemd): {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify {}:\n{stderr}\n---\n{unit}",
        if user { "--user" } else { "" }
    );
}

fn unit_of(run: &Run) -> String {
    run.assert_success();
    let unit = run.stdout.clone();
    assert!(unit.contains("[Service]"), "{run}");
    unit
}

#[test]
fn the_user_and_system_units_pass_systemd_analyze_verify() {
    let h = Harness::new(org(1, []));
    let user = unit_of(&h.bobosync(&["service", "install", "--print"]));
    let env = h
        .env_path()
        .canonicalize()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        user.contains(&format!("\"--env-file\" \"{}\"", env.display())),
        "the unit names the settings by full path:\n{user}"
    );
    let program = bobosync_bin()
        .canonicalize()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        user.contains(&format!("ExecStart=\"{}\" \"run\"", program.display())),
        "{user}"
    );
    assert_verifies(&user, true);

    let system = unit_of(&h.bobosync(&[
        "service",
        "install",
        "--print",
        "--system",
        "--account",
        "root",
    ]));
    assert!(system.contains("\nUser=root\n"), "{system}");
    assert_verifies(&system, false);
}

#[test]
fn a_settings_path_with_spaces_quotes_and_percent_signs_is_taken_literally() {
    let h = Harness::new(org(1, []));
    // Outside the site: the copied `.env` holds secrets, which the site's
    // secret scan would rightly find.
    let elsewhere = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let odd = elsewhere.path().join("My \"BOBO\" 100% $HOME");
    std::fs::create_dir(&odd).unwrap_or_else(|e| panic!("{e}"));
    let env = odd.join("bobo.env");
    std::fs::copy(h.env_path(), &env).unwrap_or_else(|e| panic!("{e}"));
    let run = h.bobosync_raw(&[
        "service".into(),
        "install".into(),
        "--print".into(),
        "--env-file".into(),
        env.display().to_string(),
    ]);
    let unit = unit_of(&run);
    assert!(
        unit.contains(r#"My \"BOBO\" 100%% $$HOME/bobo.env""#),
        "{unit}"
    );
    assert_verifies(&unit, true);
}

fn user_unit(h: &Harness) -> std::path::PathBuf {
    h.home().join(".config/systemd/user/bobosync.service")
}

#[test]
fn invalid_settings_install_nothing() {
    let mut h = Harness::new(org(1, []));
    h.set("BATCH_SIZE", "lots");
    let run = h.bobosync(&["service", "install"]);
    run.assert_code(3).assert_output_contains("BATCH_SIZE");
    assert!(!user_unit(&h).exists(), "{run}");
}

#[test]
fn an_install_the_service_manager_does_not_take_leaves_no_unit_and_says_why() {
    // This machine (and CI's) has no systemd user manager: `systemctl
    // --user` fails, as it does on a server where nobody is logged in.
    let probe = Command::new("systemctl")
        .args(["--user", "is-system-running"])
        .output();
    if probe.is_ok_and(|o| o.status.success()) {
        panic!("a systemd user manager runs here: this test expects none");
    }
    let h = Harness::new(org(1, []));
    let run = h.bobosync(&["service", "install"]);
    run.assert_code(1)
        .assert_output_contains("systemctl --user");
    assert!(!user_unit(&h).exists(), "the unit was left behind:\n{run}");
    assert!(
        !Path::new(&user_unit(&h))
            .with_extension("service.new")
            .exists(),
        "{run}"
    );
}

#[test]
fn actions_on_a_service_never_installed_say_how_to_install_it() {
    let h = Harness::new(org(1, []));
    for action in ["start", "stop", "status", "uninstall"] {
        let run = h.bobosync_raw(&["service".into(), action.into()]);
        run.assert_code(1)
            .assert_output_contains("not installed")
            .assert_output_contains("bobosync service install");
    }
}
