//! The tray app's own test parts: the real binary started against a site,
//! the D-Bus menu it exports, and the toasts it sends. What every test crate
//! shares (programs, sessions, sites, waiting) is `bobosync_testkit`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub use bobosync_testkit::{require, wait_until, Session, Site};

/// Set in the test process re-run inside its session.
pub const INSIDE: &str = "BOBOSYNC_TEST_INSIDE_SESSION";

/// Re-runs test `name` inside an Xvfb display and a private session bus;
/// true inside, false outside (where the test is then done).
pub fn inside_display(name: &str) -> bool {
    Session::new(INSIDE)
        .display()
        .limit(Duration::from_secs(240))
        .inside(name)
}

/// Re-runs test `name` inside a private session bus with an unlocked
/// gnome-keyring and a temporary HOME; inside, returns that HOME.
pub fn inside_keyring(name: &str) -> Option<PathBuf> {
    Session::new(INSIDE)
        .keyring()
        .inside(name)
        .then(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()))
}

/// A site for the tray app: its own simulator, and a `.env` that rescans
/// the drop folder every second.
pub fn tray_site() -> Site {
    let site = Site::new();
    site.write_env(&[("RESCAN_SECONDS", "1")])
        .unwrap_or_else(|e| panic!("{e}"));
    site
}

/// Starts the real app binary against `site` (its `.env`, its XDG folders,
/// HOME and temp folder), window hidden, with `extra_env`.
pub fn launch_app(site: &Site, extra_env: &[(&str, &str)]) -> App {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bobosync-tray"));
    cmd.arg("--hidden")
        .arg("--env-file")
        .arg(site.env_path())
        .envs(site.app_env())
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
        require("gdbus", "apt-get install -y libglib2.0-bin");
        let item = "/org/ayatana/NotificationItem/tray_icon_tray_app_bobosync".to_owned();
        wait_until(
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
        require("dbus-monitor", "apt-get install -y dbus-bin");
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
