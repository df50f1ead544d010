//! Shared harness of the tray app's tests: required programs (missing ones
//! fail the test, they never skip it), re-running a test inside its own
//! Xvfb display and private D-Bus session, a simulator-backed site, and the
//! D-Bus menu the app exports.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use athoc_sim::{generate_users, BackgroundSim, Sim, SimConfig};

/// Set in the re-run test process.
pub const INSIDE: &str = "BOBOSYNC_TEST_INSIDE_SESSION";

/// Panics with what to install when `program` is not on PATH.
pub fn require(program: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{program}` is needed by this test but is not installed: apt-get install -y {package}"
    );
}

/// How a test is wrapped.
pub enum Session {
    /// Xvfb display + private session bus.
    DisplayAndBus,
    /// Private session bus with an unlocked gnome-keyring (Secret Service), HOME in `home`.
    Keyring { home: PathBuf },
}

/// Re-runs the current test (`name`, its full path) inside `session` and
/// asserts it passed; returns false in the outer process, true inside
/// (where the caller then does the real work).
pub fn inside(name: &str, session: Session) -> bool {
    if std::env::var_os(INSIDE).is_some() {
        return true;
    }
    require("dbus-run-session", "dbus");
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut cmd = match &session {
        Session::DisplayAndBus => {
            require("xvfb-run", "xvfb xauth");
            let mut c = Command::new("timeout");
            c.args([
                "-k",
                "10",
                "240",
                "xvfb-run",
                "-a",
                "-s",
                "-screen 0 1280x800x24",
                "dbus-run-session",
                "--",
            ]);
            c.arg(&exe);
            c
        }
        Session::Keyring { home } => {
            require("gnome-keyring-daemon", "gnome-keyring");
            let mut c = Command::new("timeout");
            c.args(["-k", "10", "120", "dbus-run-session", "--", "sh", "-c"]);
            c.arg("echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec \"$0\" \"$@\"");
            c.arg(&exe);
            c.env("HOME", home);
            c
        }
    };
    cmd.args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .env(INSIDE, "1");
    let status = cmd
        .status()
        .expect("cannot run the test inside its session");
    assert!(
        status.success(),
        "{name} failed inside its session ({status}); see the output above"
    );
    false
}

/// A temporary site: simulator, `.env`, drop/processed/failed/logs, and
/// XDG folders for the app.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub sim: BackgroundSim,
    pub env_file: PathBuf,
}

pub const DUTY: &str = "On-Duty-DTG";

impl Site {
    pub fn new() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = SimConfig::default();
        let sim =
            BackgroundSim::start(Sim::new(config.clone(), generate_users(20))).expect("simulator");
        let env_file = dir.path().join(".env");
        let env = format!(
            "ATHOC_SERVER_URL={}\nORG_CODE={}\nCLIENT_ID={}\nCLIENT_SECRET={}\nAPIUSER={}\nPASSWORD={}\n\
             CSV_DIRECTORY=drop\nPROCESSED_DIRECTORY=processed\nFAILED_FILES_DIRECTORY=failed\n\
             LOG_DIRECTORY=logs\nDB_PATH=bobo_mapping.db\nDUTY_STATUS_FIELD={DUTY}\n\
             COLLAR_ID_FIELD=Collar-Number\nFILE_SETTLE_SECONDS=0\nRESCAN_SECONDS=1\nTIME_ZONE=UTC\n",
            sim.base_url, config.org_code, config.client_id, config.client_secret, config.username, config.password
        );
        std::fs::write(&env_file, env).expect("write .env");
        for sub in [
            "drop",
            "processed",
            "failed",
            "logs",
            "xdg-config",
            "xdg-data",
            "home",
            "tmp",
        ] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("site folder");
        }
        Site { dir, sim, env_file }
    }

    pub fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// Writes a one-row export (a book-on now for `employee`) into drop/.
    pub fn drop_book_on(&self, name: &str, employee: &str) {
        let now = chrono::Utc::now() - chrono::Duration::seconds(30);
        let text = format!(
            "BON,{employee},P{employee},{},{},{},1,54.89,-2.93,5.0\n",
            now.format("%Y%m%d"),
            now.format("%H%M%S"),
            now.format("%Y%m%d%H%M%S")
        );
        let tmp = self.path("drop").join(format!(".{name}.part"));
        std::fs::write(&tmp, text).expect("write export");
        std::fs::rename(&tmp, self.path("drop").join(name)).expect("rename export");
    }

    /// The duty value AtHoc holds for collar `employee`.
    pub fn duty_of(&self, employee: &str) -> Option<String> {
        self.sim
            .sim
            .users()
            .into_iter()
            .find(|u| u.attributes.get("Collar-Number").map(String::as_str) == Some(employee))
            .and_then(|u| u.attributes.get(DUTY).cloned())
            .filter(|v| !v.is_empty())
    }

    /// Starts the real app binary against this site, window hidden.
    pub fn launch_app(&self, extra_env: &[(&str, &str)]) -> App {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bobosync-tray"));
        cmd.arg("--hidden")
            .arg("--env-file")
            .arg(&self.env_file)
            .env("XDG_CONFIG_HOME", self.path("xdg-config"))
            .env("XDG_DATA_HOME", self.path("xdg-data"))
            .env("HOME", self.path("home"))
            // The tray icon's image files go to the temp folder: one per app.
            .env("TMPDIR", self.path("tmp"))
            .env_remove("BOBOSYNC_SHOW_WINDOW")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        App {
            child: cmd.spawn().expect("cannot start bobosync-tray"),
        }
    }
}

/// The running app; killed on drop.
pub struct App {
    pub child: Child,
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `f` every 200 ms until it returns Some, or panics after `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn gdbus(args: &[&str]) -> Option<String> {
    let out = run(Command::new("timeout")
        .args(["10", "gdbus", "call", "--session"])
        .args(args));
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The tray's D-Bus objects on the app's connection.
pub struct TrayBus {
    pub dest: String,
    pub item: String,
}

impl TrayBus {
    /// Finds the connection of process `pid` that exports the tray item
    /// (`tray_icon_tray_app_<tray id>`, as the tray-icon crate names it).
    pub fn find(pid: u32) -> TrayBus {
        require("gdbus", "libglib2.0-bin");
        let item = "/org/ayatana/NotificationItem/tray_icon_tray_app_bobosync".to_owned();
        wait_for(
            "the app's tray item on D-Bus",
            Duration::from_secs(90),
            || {
                let names = gdbus(&[
                    "--dest",
                    "org.freedesktop.DBus",
                    "--object-path",
                    "/org/freedesktop/DBus",
                    "--method",
                    "org.freedesktop.DBus.ListNames",
                ])?;
                let mut names: Vec<&str> =
                    names.split('\'').filter(|n| n.starts_with(':')).collect();
                // Newest first: the app's first connection (accessibility) may not answer.
                names.reverse();
                for name in names {
                    let owner = gdbus(&[
                        "--dest",
                        "org.freedesktop.DBus",
                        "--object-path",
                        "/org/freedesktop/DBus",
                        "--method",
                        "org.freedesktop.DBus.GetConnectionUnixProcessID",
                        name,
                    ]);
                    if owner
                        .as_deref()
                        .map(|o| o.contains(&format!("uint32 {pid},")))
                        != Some(true)
                    {
                        continue;
                    }
                    let out = run(Command::new("timeout").args([
                        "3",
                        "gdbus",
                        "call",
                        "--session",
                        "--dest",
                        name,
                        "--object-path",
                        &item,
                        "--method",
                        "org.freedesktop.DBus.Properties.Get",
                        "org.kde.StatusNotifierItem",
                        "Id",
                    ]));
                    if out.status.success() {
                        return Some(TrayBus {
                            dest: name.to_owned(),
                            item: item.clone(),
                        });
                    }
                }
                None
            },
        )
    }

    fn menu_path(&self) -> String {
        format!("{}/Menu", self.item)
    }

    /// `(id, label)` of every menu item.
    pub fn items(&self) -> Vec<(i32, String)> {
        let layout = gdbus(&[
            "--dest",
            &self.dest,
            "--object-path",
            &self.menu_path(),
            "--method",
            "com.canonical.dbusmenu.GetLayout",
            "--",
            "0",
            "-1",
            "['label']",
        ])
        .unwrap_or_default();
        let mut items = Vec::new();
        let mut rest = layout.as_str();
        while let Some(at) = rest.find("'label': <'") {
            let before = &rest[..at];
            let id = before
                .rfind('(')
                .and_then(|p| before[p + 1..].split(',').next())
                .and_then(|n| n.trim().trim_start_matches("int32 ").parse::<i32>().ok());
            let after = &rest[at + "'label': <'".len()..];
            let end = after.find("'>").unwrap_or(after.len());
            if let Some(id) = id {
                items.push((id, after[..end].to_owned()));
            }
            rest = &after[end..];
        }
        items
    }

    /// The label of the item whose label starts with `prefix`.
    pub fn label_starting(&self, prefix: &str) -> Option<String> {
        self.items()
            .into_iter()
            .map(|(_, l)| l)
            .find(|l| l.starts_with(prefix))
    }

    /// Clicks the item labelled exactly `label`.
    pub fn click(&self, label: &str) {
        let items = self.items();
        let id = items
            .iter()
            .find(|(_, l)| l == label)
            .map(|(id, _)| *id)
            .unwrap_or_else(|| panic!("no menu item {label:?} in {items:?}"));
        gdbus(&[
            "--dest",
            &self.dest,
            "--object-path",
            &self.menu_path(),
            "--method",
            "com.canonical.dbusmenu.Event",
            &id.to_string(),
            "clicked",
            "<int32 0>",
            "0",
        ])
        .unwrap_or_else(|| panic!("clicking {label:?} failed"));
    }

    /// The bytes of the icon image the tray item shows now (the tray-icon
    /// crate writes each icon set to a file and exports its path).
    pub fn icon_bytes(&self) -> Vec<u8> {
        let name = self.property("IconName");
        let path = name.split('\'').nth(1).unwrap_or_default().to_owned();
        std::fs::read(&path).unwrap_or_default()
    }

    /// A StatusNotifierItem property, as gdbus prints it.
    pub fn property(&self, name: &str) -> String {
        gdbus(&[
            "--dest",
            &self.dest,
            "--object-path",
            &self.item,
            "--method",
            "org.freedesktop.DBus.Properties.Get",
            "org.kde.StatusNotifierItem",
            name,
        ])
        .unwrap_or_default()
    }
}

/// Captures Notify calls on the session bus (dbus-monitor), killed on drop.
pub struct NotifyMonitor {
    child: Child,
    log: PathBuf,
}

impl NotifyMonitor {
    pub fn start(log: &Path) -> NotifyMonitor {
        require("dbus-monitor", "dbus-bin");
        let file = std::fs::File::create(log).expect("monitor log");
        let child = Command::new("dbus-monitor")
            .args([
                "--session",
                "type=method_call,interface=org.freedesktop.Notifications,member=Notify",
            ])
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start dbus-monitor");
        std::thread::sleep(Duration::from_millis(500));
        NotifyMonitor {
            child,
            log: log.to_path_buf(),
        }
    }

    /// The captured text.
    pub fn text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many Notify calls carried `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.text().matches(&format!("\"{needle}\"")).count()
    }
}

impl Drop for NotifyMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
