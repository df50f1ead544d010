//! Harness of the tray app's window tests: the real `bobosync-tray` binary
//! started by tauri-driver (with Debian's WebKitWebDriver) inside its own
//! Xvfb display and private D-Bus session with an unlocked gnome-keyring,
//! against the AtHoc simulator, driven over WebDriver ([`webdriver`]).
//! Missing tools fail the test with the command that installs them; every
//! wait has a time limit; the driver and the app are killed on drop.

pub mod webdriver;

use std::ffi::OsString;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use athoc_sim::{generate_users, BackgroundSim, Sim, SimConfig};
use serde_json::{json, Value};

/// Set in the test process re-run inside the session.
pub const INSIDE: &str = "BOBOSYNC_UI_E2E_INSIDE";

/// The whole re-run test may take this long (then `timeout` kills it).
pub const SESSION_LIMIT_SECONDS: u32 = 420;

/// The duty attribute the simulator's users have.
pub const DUTY: &str = "On-Duty-DTG";

/// Why the harness cannot run the test.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("`{program}` is needed by the window tests but is not installed: {install}")]
    Missing {
        program: &'static str,
        install: &'static str,
    },
    #[error("{path} does not exist: build the tray app first (npm run build --prefix ui && cargo build -p bobosync-tray), or run ./dev/test")]
    NoTrayBinary { path: PathBuf },
    #[error("cannot start {what}: {source}")]
    Spawn {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} did not come up within {limit:?}; its log ({log}):\n{tail}")]
    NotReady {
        what: String,
        limit: Duration,
        log: String,
        tail: String,
    },
}

/// The programs the tests need and how to install them.
pub const REQUIRED: &[(&str, &str)] = &[
    ("tauri-driver", "cargo install tauri-driver --locked"),
    ("WebKitWebDriver", "apt-get install -y webkit2gtk-driver"),
    ("xvfb-run", "apt-get install -y xvfb xauth"),
    ("dbus-run-session", "apt-get install -y dbus"),
    ("gnome-keyring-daemon", "apt-get install -y gnome-keyring"),
    ("timeout", "apt-get install -y coreutils"),
];

/// Where `program` is on PATH (or in ~/.cargo/bin for cargo-installed tools).
pub fn find_program(program: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect())
        .unwrap_or_default();
    if let Some(cargo_home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(cargo_home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Every required program, or the first missing one.
pub fn check_programs() -> Result<(), HarnessError> {
    for (program, install) in REQUIRED {
        if find_program(program).is_none() {
            return Err(HarnessError::Missing { program, install });
        }
    }
    Ok(())
}

/// `target/` of this build (the test binary lives in `target/<profile>/deps/`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// The tray binary of this build profile (`BOBOSYNC_TRAY_BIN` overrides).
pub fn tray_binary() -> Result<PathBuf, HarnessError> {
    let path = match std::env::var_os("BOBOSYNC_TRAY_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let exe = std::env::current_exe().unwrap_or_default();
            let profile_dir = exe.ancestors().nth(2).unwrap_or(Path::new("."));
            profile_dir.join(format!("bobosync-tray{}", std::env::consts::EXE_SUFFIX))
        }
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::NoTrayBinary { path })
    }
}

/// Re-runs the test `name` (its full path) inside `timeout … xvfb-run -a
/// dbus-run-session` with an unlocked gnome-keyring and a temporary HOME,
/// and asserts it passed. Returns false in the outer process, true inside.
pub fn inside(name: &str) -> bool {
    if std::env::var_os(INSIDE).is_some() {
        return true;
    }
    if let Err(e) = check_programs() {
        panic!("{e}");
    }
    if let Err(e) = tray_binary() {
        panic!("{e}");
    }
    let home = tempfile::tempdir().expect("a temporary HOME for the session");
    let exe = std::env::current_exe().expect("the test binary's path");
    let status = Command::new("timeout")
        .args(["-k", "10", &SESSION_LIMIT_SECONDS.to_string()])
        .args(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"])
        .args(["dbus-run-session", "--", "sh", "-c"])
        .arg("echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec \"$0\" \"$@\"")
        .arg(&exe)
        .args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .env(INSIDE, "1")
        // The keyring daemon keeps its files under HOME; cargo never sees this one.
        .env("HOME", home.path())
        .env("PATH", path_with_cargo_bin())
        .status()
        .expect("cannot run the test inside its session");
    assert!(
        status.success(),
        "{name} failed inside its Xvfb + D-Bus session ({status}); see the output above"
    );
    false
}

/// PATH plus the cargo bin folder (where tauri-driver is installed), so it
/// is found after HOME changes.
fn path_with_cargo_bin() -> OsString {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(driver) = find_program("tauri-driver") {
        if let Some(dir) = driver.parent() {
            dirs.push(dir.to_path_buf());
        }
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// A free TCP port on 127.0.0.1 (free when asked; the driver binds it next).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn accepts(port: u16) -> bool {
    TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// The last `n` characters of a log file.
pub fn log_tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let skip = text.chars().count().saturating_sub(n);
    text.chars().skip(skip).collect()
}

/// tauri-driver and, below it, WebKitWebDriver and the app; all killed on drop.
pub struct TauriDriver {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// tauri-driver's, WebKitWebDriver's and the app's output.
    pub log: PathBuf,
}

impl TauriDriver {
    /// Starts tauri-driver on free ports with `env` (which the app inherits:
    /// the driver launches it) and waits until both drivers listen.
    pub fn start(env: &[(&str, OsString)], log: &Path) -> Result<TauriDriver, HarnessError> {
        let port = free_port();
        let native_port = free_port();
        let out = std::fs::File::create(log).map_err(|source| HarnessError::Spawn {
            what: format!("the log {}", log.display()),
            source,
        })?;
        let err = out.try_clone().map_err(|source| HarnessError::Spawn {
            what: "the log".into(),
            source,
        })?;
        let mut cmd = Command::new(find_program("tauri-driver").unwrap_or("tauri-driver".into()));
        cmd.args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        if let Some(native) = find_program("WebKitWebDriver") {
            cmd.arg("--native-driver").arg(native);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().map_err(|source| HarnessError::Spawn {
            what: "tauri-driver".into(),
            source,
        })?;
        let driver = TauriDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log: log.to_path_buf(),
        };
        let limit = Duration::from_secs(30);
        let start = Instant::now();
        while !(accepts(port) && accepts(native_port)) {
            if start.elapsed() > limit {
                return Err(HarnessError::NotReady {
                    what: "tauri-driver".into(),
                    limit,
                    log: log.display().to_string(),
                    tail: log_tail(log, 3000),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(driver)
    }

    /// The capabilities that make the driver launch `app` with `args`.
    pub fn capabilities(app: &Path, args: &[&str]) -> Value {
        json!({"tauri:options": {"application": app, "args": args}})
    }

    /// The process ids below tauri-driver (WebKitWebDriver, the app, its
    /// WebKit processes), deepest last.
    pub fn descendants(&self) -> Vec<u32> {
        descendants_of(self.child.id())
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        // Children first (they would outlive the driver and keep its ports).
        let below = self.descendants();
        for pid in below.iter().rev() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every process whose ancestry leads to `root`, parents before children.
pub fn descendants_of(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // "pid (comm) state ppid …": comm may hold spaces and parentheses.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parent_of
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// A temporary site: the simulator (20 users, collar numbers `00001`…),
/// drop / processed / failed folders, and isolated XDG folders and HOME
/// for the app.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub sim: BackgroundSim,
}

impl Site {
    /// Starts the simulator on 127.0.0.1, port 0.
    pub fn new(config: SimConfig) -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let sim = BackgroundSim::start(Sim::new(config, generate_users(20))).expect("simulator");
        for sub in [
            "drop",
            "processed",
            "failed",
            "xdg-config",
            "xdg-data",
            "home",
            "tmp",
        ] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("site folder");
        }
        Site { dir, sim }
    }

    pub fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// The environment the app runs with: isolated folders, the window
    /// shown at start, WebDriver automation on.
    pub fn app_env(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("TAURI_WEBVIEW_AUTOMATION", "true".into()),
            ("BOBOSYNC_SHOW_WINDOW", "1".into()),
            ("XDG_CONFIG_HOME", self.path("xdg-config").into()),
            ("XDG_DATA_HOME", self.path("xdg-data").into()),
            ("HOME", self.path("home").into()),
            // The tray icon's image files go to the temp folder: one per app.
            ("TMPDIR", self.path("tmp").into()),
        ]
    }

    /// Writes a one-row export (a book-on 30 s ago, in UTC) into drop/.
    pub fn drop_book_on(&self, name: &str, employee: &str) {
        let at = chrono::Utc::now() - chrono::Duration::seconds(30);
        let text = format!(
            "BON,{employee},P{employee},{},{},{},1,54.89,-2.93,5.0\n",
            at.format("%Y%m%d"),
            at.format("%H%M%S"),
            at.format("%Y%m%d%H%M%S")
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
}

/// Polls `f` every 200 ms until it returns Some, or panics after `limit`.
pub fn wait_until<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Saves screenshots as `target/ui-e2e-screenshots/<test>/<name>.png`.
pub struct Screenshots {
    pub dir: PathBuf,
}

impl Screenshots {
    /// Empties and creates the test's folder.
    pub fn new(test: &str) -> Screenshots {
        let dir = target_dir().join("ui-e2e-screenshots").join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the screenshot folder");
        Screenshots { dir }
    }

    /// Writes one PNG; returns its path.
    pub fn save(&self, name: &str, png: &[u8]) -> PathBuf {
        let path = self.dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write a screenshot");
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descendants_of_a_process_include_its_grandchildren() {
        let mut child = Command::new("sh")
            .args(["-c", "sh -c 'sleep 30; :' & sleep 30; wait"])
            .spawn()
            .expect("sh");
        // sh → (sh → sleep, sleep): three below, one of them a grandchild.
        let found = wait_until("three processes below", Duration::from_secs(10), || {
            let d = descendants_of(child.id());
            (d.len() >= 3).then_some(d)
        });
        for pid in found.iter().rev() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(!found.contains(&child.id()));
    }
}
