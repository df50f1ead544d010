//! Running a test inside its own desktop session: the test re-runs its own
//! binary, that one test only, under
//! `timeout … [xvfb-run -a] dbus-run-session -- [unlocked gnome-keyring] <test binary>`,
//! with a marker variable set; the re-run process sees the marker and does
//! the real work. So a plain `cargo nextest run` runs these tests, and they
//! never touch the developer's display, session bus or keyring.
//!
//! ```no_run
//! use bobosync_testkit::Session;
//! const INSIDE: &str = "MY_TESTS_INSIDE_SESSION";
//! #[test]
//! fn needs_a_keyring() {
//!     if !Session::new(INSIDE).keyring().inside("needs_a_keyring") {
//!         return; // the outer run: the inner one passed
//!     }
//!     // … inside: a private bus, an unlocked keyring, a temporary HOME
//! }
//! ```

use std::ffi::OsString;
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::programs::{self, Program, DBUS_RUN_SESSION, GNOME_KEYRING, TIMEOUT, XVFB_RUN};

/// Starts gnome-keyring's Secret Service unlocked (password `test`;
/// without `--unlock` it would try to prompt), then runs the test.
const KEYRING_SCRIPT: &str = "echo -n test | gnome-keyring-daemon --unlock --components=secrets \
                              >/dev/null && exec \"$@\"";

/// The Xvfb screen.
const SCREEN: &str = "-screen 0 1280x800x24";

/// How one test is wrapped; built, then [`Session::inside`].
#[derive(Debug, Clone)]
pub struct Session {
    marker: &'static str,
    display: bool,
    keyring: bool,
    temp_home: bool,
    clean_env: bool,
    limit: Duration,
    programs: Vec<Program>,
    env: Vec<(OsString, OsString)>,
}

impl Session {
    /// A private session bus, nothing else, for at most two minutes.
    /// `marker` is the environment variable set in the re-run process (one
    /// per test crate, so one crate's session never passes for another's).
    pub fn new(marker: &'static str) -> Session {
        Session {
            marker,
            display: false,
            keyring: false,
            temp_home: false,
            clean_env: false,
            limit: Duration::from_secs(120),
            programs: Vec::new(),
            env: Vec::new(),
        }
    }

    /// With an Xvfb display (`xvfb-run -a`, 1280×800).
    pub fn display(mut self) -> Session {
        self.display = true;
        self
    }

    /// With gnome-keyring's Secret Service, unlocked; implies a temporary
    /// HOME (the keyring's files live there).
    pub fn keyring(mut self) -> Session {
        self.keyring = true;
        self.temp_home = true;
        self
    }

    /// With a temporary HOME (and `XDG_RUNTIME_DIR` inside it), removed
    /// after the run.
    pub fn temp_home(mut self) -> Session {
        self.temp_home = true;
        self
    }

    /// Only PATH (and what the session sets) reaches the test: nothing of
    /// the caller's desktop environment.
    pub fn clean_env(mut self) -> Session {
        self.clean_env = true;
        self
    }

    /// The whole re-run may take `limit`; then `timeout` kills it.
    pub fn limit(mut self, limit: Duration) -> Session {
        self.limit = limit;
        self
    }

    /// Another program the test needs: checked before the session starts,
    /// and its folder put on the session's PATH (cargo-installed tools are
    /// found in `~/.cargo/bin` even when PATH lacks it).
    pub fn require(mut self, program: Program) -> Session {
        self.programs.push(program);
        self
    }

    /// An environment variable for the re-run test.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Session {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Whether this process is the re-run one.
    pub fn is_inside(&self) -> bool {
        std::env::var_os(self.marker).is_some()
    }

    /// Every program the session and the test need.
    fn needed(&self) -> Vec<Program> {
        let mut needed = vec![TIMEOUT, DBUS_RUN_SESSION];
        if self.display {
            needed.push(XVFB_RUN);
        }
        if self.keyring {
            needed.push(GNOME_KEYRING);
        }
        needed.extend(self.programs.iter().copied());
        needed
    }

    /// Inside the session: true (do the test's work). Outside: re-runs
    /// `test` (its full name in this test binary) inside the session,
    /// panics unless it passed, and returns false (the test is done).
    pub fn inside(self, test: &str) -> bool {
        if self.is_inside() {
            return true;
        }
        let mut missing = Vec::new();
        let mut path: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        for program in self.needed() {
            match programs::locate(program) {
                Ok(found) => {
                    if let Some(dir) = found.parent().filter(|d| !path.iter().any(|p| p == d)) {
                        path.push(dir.to_path_buf());
                    }
                }
                Err(e) => missing.push(e.to_string()),
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
        let path = std::env::join_paths(path).unwrap_or_default();

        let home = self.temp_home.then(|| {
            let home = tempfile::Builder::new()
                .prefix("bobosync-session-home-")
                .tempdir()
                .unwrap_or_else(|e| panic!("cannot create a temporary HOME: {e}"));
            let runtime = home.path().join("run");
            std::fs::create_dir(&runtime)
                .unwrap_or_else(|e| panic!("cannot create XDG_RUNTIME_DIR: {e}"));
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                    .unwrap_or_else(|e| panic!("cannot make XDG_RUNTIME_DIR private: {e}"));
            }
            home
        });

        let exe =
            std::env::current_exe().unwrap_or_else(|e| panic!("cannot find this test binary: {e}"));
        let mut cmd = Command::new("timeout");
        cmd.args(["-k", "10", &self.limit.as_secs().max(1).to_string()]);
        if self.display {
            cmd.args(["xvfb-run", "-a", "-s", SCREEN]);
        }
        cmd.args(["dbus-run-session", "--"]);
        if self.keyring {
            cmd.args(["sh", "-c", KEYRING_SCRIPT, "sh"]);
        }
        cmd.arg(&exe)
            .args(["--exact", test, "--nocapture", "--test-threads", "1"]);
        if self.clean_env {
            cmd.env_clear();
        }
        cmd.env("PATH", path)
            .env("RUST_BACKTRACE", "1")
            .env(self.marker, "1");
        if let Some(home) = &home {
            cmd.env("HOME", home.path())
                .env("XDG_RUNTIME_DIR", home.path().join("run"));
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the session for {test}: {e}"));
        // Shown as it comes (long tests print progress), and kept to see
        // that the test really ran: a misspelt name runs zero tests.
        let mut out = String::new();
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("{line}");
                out.push_str(&line);
                out.push('\n');
            }
        }
        let status = child
            .wait()
            .unwrap_or_else(|e| panic!("cannot wait for the session of {test}: {e}"));
        drop(home);
        let verdict = if status.code() == Some(124) || status.code() == Some(137) {
            format!("did not finish within {:?}", self.limit)
        } else if !status.success() {
            format!("failed ({status})")
        } else if !out.contains("1 passed") {
            "ran no test of that name".to_owned()
        } else {
            return false;
        };
        panic!("{test} {verdict} inside its session; its output is above");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSIDE: &str = "BOBOSYNC_TESTKIT_INSIDE";

    #[test]
    fn the_session_runs_the_test_on_a_private_bus_with_a_temporary_home() {
        let session = Session::new(INSIDE)
            .temp_home()
            .env("BOBOSYNC_TESTKIT_PROBE", "42");
        if !session.inside(
            "session::tests::the_session_runs_the_test_on_a_private_bus_with_a_temporary_home",
        ) {
            return;
        }
        let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
        assert!(!bus.is_empty(), "no session bus inside the session");
        let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
        assert!(
            home.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("bobosync-session-home-")),
            "{}",
            home.display()
        );
        assert_eq!(std::env::var("BOBOSYNC_TESTKIT_PROBE").as_deref(), Ok("42"));
    }

    #[test]
    #[should_panic(expected = "ran no test of that name")]
    fn a_misspelt_test_name_fails_instead_of_passing_silently() {
        if Session::new(INSIDE).is_inside() {
            return;
        }
        Session::new(INSIDE).inside("session::tests::no_such_test");
    }

    #[test]
    fn what_a_display_and_keyring_session_needs() {
        let needed: Vec<&str> = Session::new(INSIDE)
            .display()
            .keyring()
            .require(Program::new("xdotool", "apt-get install -y xdotool"))
            .needed()
            .iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(
            needed,
            [
                "timeout",
                "dbus-run-session",
                "xvfb-run",
                "gnome-keyring-daemon",
                "xdotool"
            ]
        );
    }
}
