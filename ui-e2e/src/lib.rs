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

pub use bobosync_testkit::{descendants_of, log_tail, wait_until, Site, DUTY};
use bobosync_testkit::{find_program, programs::Program, Session};
use serde_json::{json, Value};

/// Set in the test process re-run inside the session.
pub const INSIDE: &str = "BOBOSYNC_UI_E2E_INSIDE";

/// The whole re-run test may take this long (then `timeout` kills it).
pub const SESSION_LIMIT: Duration = Duration::from_secs(420);

/// Why the harness cannot run the test.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("{} does not exist: build the tray app first (npm run build --prefix ui && cargo build -p bobosync-tray), or run ./dev/test", path.display())]
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

/// The drivers the tests need beside the session's own tools.
pub const DRIVERS: [Program; 3] = [
    Program::new("tauri-driver", "cargo install tauri-driver --locked"),
    Program::new("WebKitWebDriver", "apt-get install -y webkit2gtk-driver"),
    // Finds the window to close as a window manager would (`testkit::x11`).
    Program::new("xdotool", "apt-get install -y xdotool"),
];

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
    let path = bobosync_testkit::built_binary("bobosync-tray", "BOBOSYNC_TRAY_BIN");
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::NoTrayBinary { path })
    }
}

/// Re-runs the test `name` (its full path) inside an Xvfb display and a
/// private D-Bus session with an unlocked gnome-keyring and a temporary
/// HOME (PATH keeps the cargo bin folder, where tauri-driver is), and
/// asserts it passed. Returns false in the outer process, true inside.
pub fn inside(name: &str) -> bool {
    let session = DRIVERS.into_iter().fold(
        Session::new(INSIDE)
            .display()
            .keyring()
            .limit(SESSION_LIMIT),
        Session::require,
    );
    if !session.is_inside() {
        if let Err(e) = tray_binary() {
            panic!("{e}");
        }
    }
    session.inside(name)
}

/// The environment the app runs with: the site's own folders (XDG, HOME,
/// temp), the window shown at start, WebDriver automation on.
pub fn app_env(site: &Site) -> Vec<(&'static str, OsString)> {
    let mut env = vec![
        ("TAURI_WEBVIEW_AUTOMATION", "true".into()),
        ("BOBOSYNC_SHOW_WINDOW", "1".into()),
    ];
    env.extend(site.app_env());
    env
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
