//! End-to-end test harness: a throw-away site (drop, processed, failed and log folders plus a
//! Python-tool `.env`), an in-process AtHoc simulator on 127.0.0.1 port 0, and the real
//! `bobosync` binary run as a subprocess with a clean environment and a timeout.
//!
//! Modelled on ripgrep's `tests/util.rs`: a test builds a [`Harness`], arranges files and
//! simulator state, runs the binary, and asserts on what a user could see — AtHoc values, exit
//! codes, where files ended up, output and log text. Failures panic with the full output of the
//! run, because a panic *is* the failure report of a test.
//!
//! Every [`Harness`] also guards two invariants for whichever test uses it: when it is dropped
//! (and the test has not already failed) it scans every run's output and every file under the
//! site for the password, the client secret and every token the simulator issued
//! ([`Harness::assert_no_secret_leaked`]), and checks the simulator's request log: only the
//! token, user-search and `SyncByCommonNames` calls, and every sync record carries exactly
//! `LOGIN_ID` and the configured duty attribute ([`Harness::assert_only_duty_written`]). No test
//! can forget them.

use std::fmt;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};

pub mod stream;

pub mod tls;

pub use athoc_sim::{
    generate_users, BackgroundSim, Endpoint, Fault, FaultKind, OffsetMode, RecordedRequest, Sim,
    SimConfig, SimUser,
};

/// The duty attribute every test configures (`DUTY_STATUS_FIELD`).
pub const DUTY: &str = "On-Duty-DTG";
/// The collar-number attribute every test configures (`COLLAR_ID_FIELD`).
pub const COLLAR: &str = "Collar-Number";

/// Exit status of a fully successful cycle.
pub const EXIT_OK: i32 = 0;
/// Exit status of a failed cycle (e.g. AtHoc unreachable).
pub const EXIT_FAILED: i32 = 1;
/// Exit status of a configuration error.
pub const EXIT_CONFIG: i32 = 3;
/// Exit status when a guarded mass change waits for approval.
pub const EXIT_NEEDS_APPROVAL: i32 = 4;

/// The password every harness simulator accepts unless the test chooses its own: distinctive, so
/// that finding it anywhere means a leak.
pub const HARNESS_PASSWORD: &str = "pw-HARNESS-r8Kq2Zx7Vb4M";
/// The client secret every harness simulator accepts unless the test chooses its own.
pub const HARNESS_CLIENT_SECRET: &str = "cs-HARNESS-t3Wn9Lp6Hd1J";

/// Secrets shorter than this are not scanned for (a match would mean nothing).
const MIN_SCANNED_SECRET_LEN: usize = 8;

/// How long one run of the binary may take before it is killed and the test fails.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// The login `generate_users` gives user number `i` (collar number `{i:05}`).
pub fn login(i: usize) -> String {
    format!("user{i:05}@force.example")
}

/// A simulator user with a login and a collar number (plus names, as real users have).
pub fn user(login: &str, collar: &str) -> SimUser {
    SimUser::new(login)
        .with(COLLAR, collar)
        .with("FIRSTNAME", "Test")
        .with("LASTNAME", "User")
}

/// `generate_users(n)` plus `extra` users.
pub fn org(n: usize, extra: impl IntoIterator<Item = SimUser>) -> Vec<SimUser> {
    let mut users = generate_users(n);
    users.extend(extra);
    users
}

/// The folder of the project's sample BOBO exports, `tests/fixtures/bobo` (its README says
/// what each holds; `BOBOSYNC_FIXTURES` overrides it).
pub fn fixtures_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BOBOSYNC_FIXTURES") {
        return PathBuf::from(dir);
    }
    // CARGO_MANIFEST_DIR is <workspace>/tests.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("bobo")
}

/// The `bobosync` binary under test: `BOBOSYNC_BIN`, else `bobosync` in the target directory
/// this test executable was built into.
pub fn bobosync_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("BOBOSYNC_BIN") {
        return PathBuf::from(bin);
    }
    let name = format!("bobosync{}", std::env::consts::EXE_SUFFIX);
    let exe = std::env::current_exe()
        .unwrap_or_else(|e| panic!("cannot locate the test executable: {e}"));
    // target/debug/deps/<test>  →  target/debug/bobosync
    let candidates: Vec<PathBuf> = exe
        .ancestors()
        .skip(1)
        .take(3)
        .map(|dir| dir.join(&name))
        .collect();
    match candidates.iter().find(|p| p.is_file()) {
        Some(bin) => bin.clone(),
        None => panic!(
            "build it first: cargo build -p bobosync (looked for {}; or set BOBOSYNC_BIN)",
            candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Whether the binary under test is the Windows build run under Wine
/// (`dev/test-windows` sets `BOBOSYNC_UNDER_WINE`).
pub fn under_wine() -> bool {
    std::env::var_os("BOBOSYNC_UNDER_WINE").is_some()
}

/// `path` as the binary under test prints it: as given on Linux; under Wine
/// the Windows form of the same file (`Z:\tmp\…`, Wine's drive for `/`).
pub fn shown_path(path: &Path) -> String {
    let text = path.display().to_string();
    if under_wine() {
        format!("Z:{}", text.replace('/', "\\"))
    } else {
        text
    }
}

/// A 127.0.0.1 address on which nothing listens (for outage tests).
pub fn closed_port_url() -> String {
    let listener =
        TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind 127.0.0.1:0: {e}"));
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("local_addr: {e}"));
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// One finished run of the binary.
#[derive(Debug, Clone)]
pub struct Run {
    /// The arguments given after the binary name.
    pub args: Vec<String>,
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
    /// Raw standard output and error bytes, for byte searches.
    pub raw: Vec<u8>,
}

impl Run {
    /// Standard output followed by standard error.
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panics, showing the whole run, unless the exit code is `expected`.
    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Run {
        assert_eq!(self.code, Some(expected), "unexpected exit status\n{self}");
        self
    }

    /// Panics, showing the whole run, unless it exited 0.
    #[track_caller]
    pub fn assert_success(&self) -> &Run {
        self.assert_code(EXIT_OK)
    }

    /// Panics, showing the whole run, unless stdout or stderr contains `needle`.
    #[track_caller]
    pub fn assert_output_contains(&self, needle: &str) -> &Run {
        assert!(
            self.output().contains(needle),
            "output lacks {needle:?}\n{self}"
        );
        self
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "--- bobosync {} → exit {:?}",
            self.args.join(" "),
            self.code
        )?;
        writeln!(f, "--- stdout:\n{}", self.stdout)?;
        write!(f, "--- stderr:\n{}", self.stderr)
    }
}

/// A temporary BoboSync site wired to its own simulator.
///
/// Layout of [`Harness::root`]: `.env`, `drop/`, `processed/`, `failed/`, `logs/`,
/// `bobo_mapping.db`, and `home/` (the child's `HOME` and working directory, so that relative
/// paths resolved against the working directory instead of the `.env` folder show up as bugs).
pub struct Harness {
    root: tempfile::TempDir,
    bg: BackgroundSim,
    env: Vec<(String, String)>,
    /// Every run of the binary so far, for the secret scan on drop.
    runs: Mutex<Vec<Run>>,
    /// Every password or client secret the `.env` or the simulator ever held.
    secrets: Mutex<Vec<String>>,
    /// Extra environment variables for the child (besides `PATH` and `HOME`).
    child_env: Vec<(String, String)>,
}

impl Harness {
    /// A site whose simulator has the default configuration and these users.
    pub fn new(users: Vec<SimUser>) -> Harness {
        Harness::with_config(SimConfig::default(), users)
    }

    /// A site whose simulator has `config` and these users; the `.env` uses the config's
    /// credentials and organization. The simulator's default password and client secret are
    /// replaced by [`HARNESS_PASSWORD`] and [`HARNESS_CLIENT_SECRET`], so that the secret scan
    /// on drop looks for distinctive values.
    pub fn with_config(mut config: SimConfig, users: Vec<SimUser>) -> Harness {
        let defaults = SimConfig::default();
        if config.password == defaults.password {
            config.password = HARNESS_PASSWORD.to_owned();
        }
        if config.client_secret == defaults.client_secret {
            config.client_secret = HARNESS_CLIENT_SECRET.to_owned();
        }
        let root = tempfile::Builder::new()
            .prefix("bobosync-e2e-")
            .tempdir()
            .unwrap_or_else(|e| panic!("create a temp dir: {e}"));
        for dir in ["drop", "processed", "failed", "logs", "home"] {
            std::fs::create_dir_all(root.path().join(dir))
                .unwrap_or_else(|e| panic!("create {dir}/ in {}: {e}", root.path().display()));
        }
        let env = default_env(&config);
        let secrets = vec![config.password.clone(), config.client_secret.clone()];
        let sim = Sim::new(config, users);
        let bg = BackgroundSim::start(sim)
            .unwrap_or_else(|e| panic!("start the AtHoc simulator: {e:?}"));
        let mut h = Harness {
            root,
            bg,
            env,
            runs: Mutex::default(),
            secrets: Mutex::new(secrets),
            child_env: Vec::new(),
        };
        h.set("ATHOC_SERVER_URL", &h.bg.base_url.clone());
        h
    }

    /// The site's folder (holds the `.env`).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The `.env` file.
    pub fn env_path(&self) -> PathBuf {
        self.root().join(".env")
    }

    /// The drop folder (`CSV_DIRECTORY`).
    pub fn drop_dir(&self) -> PathBuf {
        self.root().join("drop")
    }

    /// The processed folder (`PROCESSED_DIRECTORY`).
    pub fn processed_dir(&self) -> PathBuf {
        self.root().join("processed")
    }

    /// The failed folder (`FAILED_FILES_DIRECTORY`).
    pub fn failed_dir(&self) -> PathBuf {
        self.root().join("failed")
    }

    /// The log folder (`LOG_DIRECTORY`).
    pub fn log_dir(&self) -> PathBuf {
        self.root().join("logs")
    }

    /// The SQLite database (`DB_PATH`).
    pub fn db_path(&self) -> PathBuf {
        self.root().join("bobo_mapping.db")
    }

    /// The child's `HOME`.
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// The simulator's base URL.
    pub fn base_url(&self) -> &str {
        &self.bg.base_url
    }

    /// The simulator, for state inspection, fault injection and configuration.
    pub fn sim(&self) -> &Sim {
        &self.bg.sim
    }

    /// Sets (or adds) a `.env` key and rewrites the file.
    pub fn set(&mut self, key: &str, value: &str) -> &mut Harness {
        if key == "PASSWORD" || key == "CLIENT_SECRET" {
            lock(&self.secrets).push(value.to_owned());
        }
        match self.env.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_owned(),
            None => self.env.push((key.to_owned(), value.to_owned())),
        }
        self.write_env();
        self
    }

    /// Removes a `.env` key and rewrites the file.
    pub fn unset(&mut self, key: &str) -> &mut Harness {
        self.env.retain(|(k, _)| k != key);
        self.write_env();
        self
    }

    /// The current value of a `.env` key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn write_env(&self) {
        let mut text = String::from("# written by the bobosync e2e harness\n");
        for (key, value) in &self.env {
            if value.contains(' ') {
                text.push_str(&format!("{key}=\"{value}\"\n"));
            } else {
                text.push_str(&format!("{key}={value}\n"));
            }
        }
        write(&self.env_path(), text.as_bytes());
    }

    /// Writes a file into the drop folder.
    pub fn drop_file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.drop_dir().join(name);
        write(&path, contents.as_ref());
        path
    }

    /// Copies a sample export from the fixtures folder into the drop folder, byte for byte.
    pub fn drop_fixture(&self, name: &str) -> PathBuf {
        let source = fixtures_dir().join(name);
        let bytes = std::fs::read(&source).unwrap_or_else(|e| {
            panic!(
                "read fixture {} (set BOBOSYNC_FIXTURES?): {e}",
                source.display()
            )
        });
        self.drop_file(name, bytes)
    }

    /// Copies a sample export into the drop folder with its dates moved to the recent past
    /// (see [`rebase_dates`]); everything else stays byte for byte (BOM, CRLF, blank lines).
    pub fn drop_recent_fixture(&self, name: &str) -> PathBuf {
        let source = fixtures_dir().join(name);
        let bytes = std::fs::read(&source).unwrap_or_else(|e| {
            panic!(
                "read fixture {} (set BOBOSYNC_FIXTURES?): {e}",
                source.display()
            )
        });
        self.drop_file(name, rebase_dates(&bytes))
    }

    /// `bobosync once --env-file <.env>`.
    pub fn once(&self) -> Run {
        self.bobosync(&["once"])
    }

    /// `bobosync <args…> --env-file <.env>`.
    pub fn bobosync(&self, args: &[&str]) -> Run {
        let env = self.env_path();
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        all.push("--env-file".to_owned());
        all.push(env.display().to_string());
        self.bobosync_raw(&all)
    }

    /// Sets an environment variable for every later run of the binary (e.g. `SSL_CERT_DIR`).
    pub fn child_env(&mut self, key: &str, value: &str) -> &mut Harness {
        self.child_env.retain(|(k, _)| k != key);
        self.child_env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// `bobosync <args…>` exactly as given, with a clean environment
    /// (`PATH`, `HOME` and [`Harness::child_env`] only), working directory [`Harness::home`],
    /// and [`RUN_TIMEOUT`]. The run is kept for the secret scan on drop.
    pub fn bobosync_raw(&self, args: &[String]) -> Run {
        let mut cmd = Command::new(bobosync_bin());
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .envs(self.child_env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.home())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {:?}: {e}", bobosync_bin()));
        let run = wait_with_timeout(child, args.to_vec(), RUN_TIMEOUT);
        lock(&self.runs).push(run.clone());
        run
    }

    /// `bobosync <args…> --env-file <.env>` started in the background with the same clean
    /// environment as [`Harness::bobosync_raw`], standard output and error appended to `log`;
    /// the caller waits for it or kills it (crash trials).
    pub fn spawn_bobosync(&self, args: &[&str], log: &Path) -> Child {
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap_or_else(|e| panic!("open {}: {e}", log.display()))
        };
        Command::new(bobosync_bin())
            .args(args)
            .arg("--env-file")
            .arg(self.env_path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .current_dir(self.home())
            .stdin(Stdio::null())
            .stdout(open())
            .stderr(open())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {:?}: {e}", bobosync_bin()))
    }

    /// The duty attribute of `login` in AtHoc; `None` when missing or empty.
    pub fn duty(&self, login: &str) -> Option<String> {
        let user = self
            .sim()
            .user(login)
            .unwrap_or_else(|| panic!("no simulator user {login}"));
        user.attributes.get(DUTY).filter(|v| !v.is_empty()).cloned()
    }

    /// Panics, showing `run`, unless the duty attribute of `login` is `expected` (`None`: empty).
    #[track_caller]
    pub fn assert_duty(&self, login: &str, expected: Option<&str>, run: &Run) {
        assert_eq!(
            self.duty(login).as_deref(),
            expected,
            "{DUTY} of {login}\n{run}"
        );
    }

    /// Sets the duty attribute of `login` directly in the simulator.
    pub fn set_duty(&self, login: &str, value: &str) {
        self.sim().set_attribute(login, DUTY, value);
    }

    /// Every request the simulator has answered so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.sim().requests()
    }

    /// File names in the drop folder, sorted.
    pub fn drop_listing(&self) -> Vec<String> {
        listing(&self.drop_dir())
    }

    /// File names anywhere under the processed folder, sorted.
    pub fn processed_listing(&self) -> Vec<String> {
        listing(&self.processed_dir())
    }

    /// File names anywhere under the failed folder, sorted.
    pub fn failed_listing(&self) -> Vec<String> {
        listing(&self.failed_dir())
    }

    /// Panics unless `name` has left the drop folder for the processed folder (the processed
    /// copy may carry a suffix, so a name starting with the file's stem counts).
    #[track_caller]
    pub fn assert_processed(&self, name: &str) {
        let drop = self.drop_listing();
        assert!(
            !drop.contains(&name.to_owned()),
            "{name} is still in the drop folder: {drop:?}"
        );
        let stem = Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let processed = self.processed_listing();
        assert!(
            processed.iter().any(|p| p == name || p.starts_with(&stem)),
            "{name} not in the processed folder: {processed:?} (failed: {:?})",
            self.failed_listing()
        );
    }

    /// Panics unless `name` is still in the drop folder and nowhere else.
    #[track_caller]
    pub fn assert_still_pending(&self, name: &str) {
        let drop = self.drop_listing();
        assert!(
            drop.contains(&name.to_owned()),
            "{name} left the drop folder: {drop:?}"
        );
        let processed = self.processed_listing();
        assert!(
            processed.is_empty(),
            "processed folder should be empty: {processed:?}"
        );
        let failed = self.failed_listing();
        assert!(
            failed.is_empty(),
            "failed folder should be empty: {failed:?}"
        );
    }

    /// Every log file's text, concatenated.
    pub fn log_text(&self) -> String {
        let mut text = String::new();
        for path in files_under(&self.log_dir()) {
            let bytes =
                std::fs::read(&path).unwrap_or_else(|e| panic!("read log {}: {e}", path.display()));
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
        text
    }

    /// Every file under the site folder (logs, DB and its WAL, processed files, `home/`…),
    /// except the `.env` the test wrote.
    pub fn all_files_except_env(&self) -> Vec<PathBuf> {
        let env = self.env_path();
        files_under(self.root())
            .into_iter()
            .filter(|p| *p != env)
            .collect()
    }
}

impl Harness {
    /// The secrets scanned for: every password and client secret the `.env` or the simulator
    /// held (at least [`MIN_SCANNED_SECRET_LEN`] long) and every token the simulator issued.
    pub fn secrets_to_scan(&self) -> Vec<String> {
        let config = self.sim().config();
        let mut all = lock(&self.secrets).clone();
        all.extend([config.password, config.client_secret]);
        all.extend(self.sim().issued_tokens());
        all.retain(|s| s.len() >= MIN_SCANNED_SECRET_LEN);
        all.sort();
        all.dedup();
        all
    }

    /// Panics, naming the run or file, when any secret ([`Harness::secrets_to_scan`]) is in the
    /// output of any run so far or in any file under the site except the `.env`. Runs on drop.
    #[track_caller]
    pub fn assert_no_secret_leaked(&self) {
        let secrets = self.secrets_to_scan();
        let describe = |secret: &str| {
            if self.sim().issued_tokens().iter().any(|t| t == secret) {
                "an access token the simulator issued"
            } else {
                "the password or client secret"
            }
        };
        for run in lock(&self.runs).iter() {
            if let Some(secret) = secrets
                .iter()
                .find(|s| contains_bytes(&run.raw, s.as_bytes()))
            {
                panic!(
                    "secret scan: {} is in the output of a run\n{run}",
                    describe(secret)
                );
            }
        }
        for path in self.all_files_except_env() {
            let Ok(bytes) = std::fs::read(&path) else {
                continue; // removed meanwhile (e.g. a SQLite journal)
            };
            if let Some(secret) = secrets
                .iter()
                .find(|s| contains_bytes(&bytes, s.as_bytes()))
            {
                panic!("secret scan: {} is in {}", describe(secret), path.display());
            }
        }
    }

    /// Panics unless the simulator's request log shows only token requests, user searches and
    /// `SyncByCommonNames` calls (`syncExistingUsersOnly=true`) whose records each hold exactly
    /// `LOGIN_ID` and the configured `DUTY_STATUS_FIELD`. Runs on drop.
    #[track_caller]
    pub fn assert_only_duty_written(&self) {
        let duty = self.get("DUTY_STATUS_FIELD").unwrap_or(DUTY).to_owned();
        for (i, request) in self.requests().iter().enumerate() {
            if let Err(why) = check_request(request, &duty) {
                panic!(
                    "request log: request #{i} {} /{} ?{} breaks the only-the-duty-attribute \
                     rule: {why}\nbody: {}",
                    request.method,
                    request.path.trim_start_matches('/'),
                    request.query,
                    request.body
                );
            }
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if thread::panicking() {
            return; // the test already failed; its own message matters more
        }
        self.assert_no_secret_leaked();
        self.assert_only_duty_written();
    }
}

/// Locks a harness mutex; a panic in another holder does not hide what it holds.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether one recorded request is one BoboSync may make: a token request, a user search, or a
/// `SyncByCommonNames` whose records hold exactly `LOGIN_ID` and `duty`.
pub fn check_request(request: &RecordedRequest, duty: &str) -> Result<(), String> {
    let path: Vec<String> = request
        .path
        .trim_matches('/')
        .split('/')
        .map(str::to_ascii_lowercase)
        .collect();
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    match (request.method.as_str(), &path[..]) {
        ("POST", ["authservices", "auth", "connect", "token"]) => Ok(()),
        ("GET", ["api", "v2", "orgs", _, "users", "search", "basic"]) => Ok(()),
        ("POST", ["api", "v2", "orgs", _, "users", "syncbycommonnames"]) => {
            let existing_only = request.query.split('&').any(|pair| {
                pair.split_once('=').is_some_and(|(k, v)| {
                    k.eq_ignore_ascii_case("syncExistingUsersOnly")
                        && v.eq_ignore_ascii_case("true")
                })
            });
            if !existing_only {
                return Err(
                    "syncExistingUsersOnly=true is missing (users could be created)".into(),
                );
            }
            let body: serde_json::Value = serde_json::from_str(&request.body)
                .map_err(|e| format!("the body is not JSON: {e}"))?;
            let records = body
                .as_array()
                .ok_or_else(|| "the body is not a JSON array".to_owned())?;
            for record in records {
                let object = record
                    .as_object()
                    .ok_or_else(|| format!("a record is not an object: {record}"))?;
                let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
                keys.sort_unstable();
                let mut expected = vec!["LOGIN_ID", duty];
                expected.sort_unstable();
                if keys != expected {
                    return Err(format!(
                        "a record has the keys {keys:?}, expected exactly {expected:?}"
                    ));
                }
            }
            Ok(())
        }
        (method, _) => Err(format!(
            "{method} to this path is not a call BoboSync may make"
        )),
    }
}

/// The `.env` every site starts from: every Python-tool key plus BoboSync's new ones, with paths
/// relative to the `.env` folder. `AUTO_CLEANUP_HOURS` is the largest allowed (a year) so that
/// the sample events, moved to a few weeks ago by [`rebase_dates`], are neither treated as stale
/// book-ons nor cleared in the same cycle; cleanup tests lower it.
fn default_env(config: &SimConfig) -> Vec<(String, String)> {
    let pairs: [(&str, &str); 32] = [
        ("ATHOC_SERVER_URL", "http://127.0.0.1:1"),
        ("CLIENT_ID", &config.client_id),
        ("CLIENT_SECRET", &config.client_secret),
        ("APIUSER", &config.username),
        ("PASSWORD", &config.password),
        ("ORG_CODE", &config.org_code),
        ("SCOPE", "athoc.iws.web.api"),
        ("DISABLE_SSL_VERIFY", "false"),
        ("SSL_CERT_PATH", ""),
        ("HTTP_PROXY", ""),
        ("HTTPS_PROXY", ""),
        ("LOG_LEVEL", "INFO"),
        ("LOG_DIRECTORY", "logs"),
        ("LOG_PURGE_DAYS", "30"),
        ("CSV_DIRECTORY", "drop"),
        ("PROCESSED_DIRECTORY", "processed"),
        ("MOVE_PROCESSED_FILES", "true"),
        ("PROCESSED_FILES_PURGE_DAYS", "30"),
        ("BATCH_SIZE", "10"),
        ("DB_PATH", "bobo_mapping.db"),
        ("SYNC_MAPPINGS", "true"),
        ("SYNC_HOUR", "2"),
        ("SYNC_RETRY_DAYS", "2"),
        ("DUTY_STATUS_FIELD", DUTY),
        ("COLLAR_ID_FIELD", COLLAR),
        ("USER_ATTRIBUTES", "Collar-Number,FIRSTNAME,LASTNAME"),
        ("AUTO_CLEANUP_HOURS", "8760"),
        ("MAX_RETRY_ATTEMPTS", "3"),
        ("FAILED_FILES_DIRECTORY", "failed"),
        ("TIME_ZONE", "Europe/London"),
        ("FILE_SETTLE_SECONDS", "0"),
        ("ATHOC_DATE_FORMAT", "dd/MM/yyyy HH:mm:ss"),
    ];
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Every regular file under `dir`, recursively, sorted.
pub use bobosync_testkit::files_under;

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = files_under(dir)
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

fn wait_with_timeout(mut child: Child, args: Vec<String>, timeout: Duration) -> Run {
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                eprintln!("{}", hang_report(&child, None));
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(25)),
            Err(e) => panic!("wait for bobosync: {e}"),
        }
    };
    let join =
        |h: Option<thread::JoinHandle<Vec<u8>>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
    let (out, err) = (join(stdout), join(stderr));
    let mut raw = out.clone();
    raw.extend_from_slice(&err);
    let run = Run {
        args,
        code: status.and_then(|s| s.code()),
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
        raw,
    };
    if status.is_none() {
        panic!("bobosync did not finish within {timeout:?} and was killed\n{run}");
    }
    run
}

/// What a run that did not finish in time was doing, for the failure message: the
/// process's threads (state and kernel wait channel), every Wine process of the machine
/// under the Wine lane (the wineserver is shared by all of them), and the end of `log`.
pub fn hang_report(child: &Child, log: Option<&Path>) -> String {
    let mut report = String::new();
    let threads = format!("/proc/{}/task", child.id());
    for task in std::fs::read_dir(&threads).into_iter().flatten().flatten() {
        let read = |name: &str| std::fs::read_to_string(task.path().join(name)).unwrap_or_default();
        let state = read("stat");
        let state = state.rsplit(") ").next().and_then(|s| s.split(' ').next());
        report.push_str(&format!(
            "thread {}: state {} wchan {}\n",
            task.file_name().to_string_lossy(),
            state.unwrap_or("?"),
            read("wchan").trim()
        ));
    }
    if under_wine() {
        let ps = Command::new("ps")
            .args(["-eo", "pid,stat,wchan:24,etime,time,args"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        report.push_str("Wine processes:\n");
        for line in ps
            .lines()
            .filter(|l| l.contains("wine") || l.contains(".exe"))
        {
            report.push_str(line);
            report.push('\n');
        }
    }
    if let Some(log) = log {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        report.push_str(&format!("last lines of {}:\n", log.display()));
        for line in &lines[lines.len().saturating_sub(40)..] {
            report.push_str(line);
            report.push('\n');
        }
    }
    report
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

/// A byte-for-byte search.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Formats a naive time in the AtHoc default format `dd/MM/yyyy HH:mm:ss`.
pub fn athoc_time(t: chrono::NaiveDateTime) -> String {
    t.format("%d/%m/%Y %H:%M:%S").to_string()
}

/// Day 0 of the sample exports once moved to the recent past: the latest date at least a week
/// ago whose day of month is 13 to 26, so that days 0–2 all render with a day above 12 (a
/// swapped day and month cannot go unnoticed). Fixed for the life of the test process.
///
/// The samples are dated 2024/2025, and a book-on older than `AUTO_CLEANUP_HOURS` (at most a
/// year) is planned as a clear, so cycle tests cannot use the original dates.
pub fn base_date() -> NaiveDate {
    static BASE: OnceLock<NaiveDate> = OnceLock::new();
    *BASE.get_or_init(|| {
        let mut day = chrono::Utc::now().date_naive() - chrono::Duration::days(7);
        while !(13..=26).contains(&day.day()) {
            day -= chrono::Duration::days(1);
        }
        day
    })
}

/// `YYYYMMDD` of [`base_date`] plus `offset` days.
pub fn bobo_date(offset: i64) -> String {
    (base_date() + chrono::Duration::days(offset))
        .format("%Y%m%d")
        .to_string()
}

/// A BOBO `DateTime_Created` stamp (`YYYYMMDDHHMMSS`) on day `offset` at `hhmmss`.
pub fn stamp(offset: i64, hhmmss: &str) -> String {
    format!("{}{hhmmss}", bobo_date(offset))
}

/// The AtHoc value (`dd/MM/yyyy HH:mm:ss`) for day `offset` at `hh_mm_ss` (`"14:31:10"`).
pub fn athoc_on(offset: i64, hh_mm_ss: &str) -> String {
    format!(
        "{} {hh_mm_ss}",
        (base_date() + chrono::Duration::days(offset)).format("%d/%m/%Y")
    )
}

/// Moves the sample exports' dates to the recent past: 2025-06-17, -18, -19 (as `20250617`…)
/// become days 0, 1, 2 after [`base_date`], and the headed sample's `2024-06-17` day 0.
pub fn rebase_dates(bytes: &[u8]) -> Vec<u8> {
    let dashed = |offset: i64| {
        (base_date() + chrono::Duration::days(offset))
            .format("%Y-%m-%d")
            .to_string()
    };
    let pairs: [(&str, String); 4] = [
        ("20250617", bobo_date(0)),
        ("20250618", bobo_date(1)),
        ("20250619", bobo_date(2)),
        ("2024-06-17", dashed(0)),
    ];
    let mut out = bytes.to_vec();
    for (from, to) in &pairs {
        out = replace_bytes(&out, from.as_bytes(), to.as_bytes());
    }
    out
}

fn replace_bytes(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// A headerless 10-column BOBO row (`BON`/`BOF`) for `collar` at `stamp` (`YYYYMMDDHHMMSS`).
pub use bobosync_testkit::bobo_row;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hang_report_shows_the_threads_and_the_end_of_the_log() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let log = dir.path().join("runs.log");
        let text: String = (1..=50).map(|i| format!("line {i}\n")).collect();
        write(&log, text.as_bytes());
        let mut child = Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap_or_else(|e| panic!("spawn sleep: {e}"));
        let report = hang_report(&child, Some(&log));
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            report.contains(&format!("thread {}: state ", child.id())),
            "{report}"
        );
        assert!(
            report.contains("line 50\n") && report.contains("line 11\n"),
            "{report}"
        );
        assert!(!report.contains("line 10\n"), "{report}");
    }

    #[test]
    fn fixtures_are_found() {
        for name in [
            "BOBO_20250617_143000_output.csv",
            "BOBO_20250617_143100_output.csv",
            "readme_format.csv",
            "excel_bom_crlf.csv",
            "malformed_rows.csv",
        ] {
            assert!(
                fixtures_dir().join(name).is_file(),
                "{name} not in {}",
                fixtures_dir().display()
            );
        }
    }

    #[test]
    fn env_has_every_key_relative_paths_and_follows_set() {
        let mut h = Harness::new(generate_users(3));
        h.set("BATCH_SIZE", "7").set("EXTRA_KEY", "x");
        let text = std::fs::read_to_string(h.env_path()).unwrap_or_default();
        assert!(text.contains(&format!("ATHOC_SERVER_URL={}\n", h.base_url())));
        assert!(text.contains("BATCH_SIZE=7\n") && text.contains("EXTRA_KEY=x\n"));
        assert!(text.contains("CSV_DIRECTORY=drop\n") && text.contains("FILE_SETTLE_SECONDS=0\n"));
        assert!(text.contains("ATHOC_DATE_FORMAT=\"dd/MM/yyyy HH:mm:ss\"\n"));
        assert_eq!(text.lines().filter(|l| l.contains('=')).count(), 33);
        h.unset("EXTRA_KEY");
        assert_eq!(h.get("EXTRA_KEY"), None);
        assert!(h.drop_dir().is_dir() && h.processed_dir().is_dir() && h.failed_dir().is_dir());
    }

    #[test]
    fn duty_reads_what_the_simulator_holds() {
        let h = Harness::new(generate_users(3));
        assert_eq!(h.duty(&login(2)), None);
        h.set_duty(&login(2), "17/06/2025 14:30:00");
        assert_eq!(h.duty(&login(2)).as_deref(), Some("17/06/2025 14:30:00"));
    }

    #[test]
    fn listings_and_fixture_copies() {
        let h = Harness::new(Vec::new());
        h.drop_fixture("excel_bom_crlf.csv");
        h.drop_file("b.csv", "x");
        assert_eq!(h.drop_listing(), ["b.csv", "excel_bom_crlf.csv"]);
        let copied = std::fs::read(h.drop_dir().join("excel_bom_crlf.csv")).unwrap_or_default();
        assert!(copied.starts_with(b"\xEF\xBB\xBF"), "BOM lost in the copy");
        assert!(h.processed_listing().is_empty() && h.failed_listing().is_empty());
    }

    #[test]
    fn rebase_moves_only_dates() {
        let text = "\u{feff}BON,00042,51234,20250618,070000,20250618070000,1,,,\r\n12345,On Duty,2024-06-17 14:30:00\n";
        let out = String::from_utf8(rebase_dates(text.as_bytes())).unwrap_or_default();
        let d1 = bobo_date(1);
        assert_eq!(
            out,
            format!("\u{feff}BON,00042,51234,{d1},070000,{d1}070000,1,,,\r\n12345,On Duty,{} 14:30:00\n", base_date().format("%Y-%m-%d"))
        );
        assert!(base_date().day() > 12 && (base_date() + chrono::Duration::days(2)).day() > 12);
        assert_eq!(
            athoc_on(0, "14:31:10"),
            format!("{} 14:31:10", base_date().format("%d/%m/%Y"))
        );
    }

    #[test]
    fn closed_port_refuses() {
        let url = closed_port_url();
        let addr = url.trim_start_matches("http://");
        assert!(std::net::TcpStream::connect(addr).is_err());
    }

    fn recorded(method: &str, path: &str, query: &str, body: &str) -> RecordedRequest {
        RecordedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            body: body.to_owned(),
            status: 200,
            in_flight: 0,
        }
    }

    #[test]
    fn request_rule_accepts_what_bobosync_sends_and_refuses_the_rest() {
        let sync = "/api/v2/orgs/BOBO/users/SyncByCommonNames";
        let q = "syncExistingUsersOnly=true&AllowPartialUpdate=false";
        let ok = |r: RecordedRequest| check_request(&r, DUTY);
        assert!(ok(recorded(
            "POST",
            "/AuthServices/Auth/connect/token",
            "",
            "x"
        ))
        .is_ok());
        assert!(ok(recorded(
            "GET",
            "/api/v2/orgs/BOBO/users/search/basic",
            "Limit=1",
            ""
        ))
        .is_ok());
        let good = r#"[{"LOGIN_ID":"a","On-Duty-DTG":""},{"On-Duty-DTG":"x","LOGIN_ID":"b"}]"#;
        assert!(ok(recorded("POST", sync, q, good)).is_ok());
        for (query, body) in [
            (
                q,
                r#"[{"LOGIN_ID":"a","On-Duty-DTG":"x","ENABLED":"false"}]"#,
            ),
            (q, r#"[{"LOGIN_ID":"a"}]"#),
            (q, r#"[{"LOGIN_ID":"a","Other":"x"}]"#),
            (q, r#"{"LOGIN_ID":"a"}"#),
            (q, "not json"),
            ("syncExistingUsersOnly=false", good),
        ] {
            assert!(
                ok(recorded("POST", sync, query, body)).is_err(),
                "{query} {body}"
            );
        }
        assert!(ok(recorded("DELETE", "/api/v2/orgs/BOBO/users/1", "", "")).is_err());
        assert!(ok(recorded("PUT", sync, q, good)).is_err());
    }

    #[test]
    fn harness_secrets_are_distinctive_and_tokens_are_scanned() {
        let mut h = Harness::new(Vec::new());
        assert_eq!(h.get("PASSWORD"), Some(HARNESS_PASSWORD));
        assert_eq!(h.get("CLIENT_SECRET"), Some(HARNESS_CLIENT_SECRET));
        h.set("PASSWORD", "another-long-password");
        let scanned = h.secrets_to_scan();
        for s in [
            HARNESS_PASSWORD,
            HARNESS_CLIENT_SECRET,
            "another-long-password",
        ] {
            assert!(scanned.iter().any(|x| x == s), "{s} not scanned");
        }
    }

    #[test]
    fn a_leaked_secret_in_a_site_file_is_found() {
        let h = Harness::new(Vec::new());
        h.drop_file("leak.txt", format!("oops {HARNESS_CLIENT_SECRET}"));
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.assert_no_secret_leaked()));
        let message = caught
            .err()
            .and_then(|e| e.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        assert!(message.contains("leak.txt"), "{message:?}");
        std::fs::remove_file(h.drop_dir().join("leak.txt")).unwrap_or_default();
    }

    #[test]
    fn byte_search() {
        assert!(contains_bytes(b"abc secret def", b"secret"));
        assert!(!contains_bytes(b"abc", b""));
        assert!(!contains_bytes(b"ab", b"abc"));
    }
}
