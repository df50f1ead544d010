//! End-to-end test harness: a throw-away site (drop, processed, failed and log folders plus a
//! Python-tool `.env`), an in-process AtHoc simulator on 127.0.0.1 port 0, and the real
//! `bobosync` binary run as a subprocess with a clean environment and a timeout.
//!
//! Modelled on ripgrep's `tests/util.rs`: a test builds a [`Harness`], arranges files and
//! simulator state, runs the binary, and asserts on what a user could see — AtHoc values, exit
//! codes, where files ended up, output and log text. Failures panic with the full output of the
//! run, because a panic *is* the failure report of a test.

use std::fmt;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};

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

/// The folder of sample BOBO exports: `shared/fixtures/bobo` beside the workspace root
/// (`BOBOSYNC_FIXTURES` overrides it).
pub fn fixtures_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BOBOSYNC_FIXTURES") {
        return PathBuf::from(dir);
    }
    // CARGO_MANIFEST_DIR is <workspace>/tests; shared/ sits beside the workspace.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("shared")
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
}

impl Harness {
    /// A site whose simulator has the default configuration and these users.
    pub fn new(users: Vec<SimUser>) -> Harness {
        Harness::with_config(SimConfig::default(), users)
    }

    /// A site whose simulator has `config` and these users; the `.env` uses the config's
    /// credentials and organization.
    pub fn with_config(config: SimConfig, users: Vec<SimUser>) -> Harness {
        let root = tempfile::Builder::new()
            .prefix("bobosync-e2e-")
            .tempdir()
            .unwrap_or_else(|e| panic!("create a temp dir: {e}"));
        for dir in ["drop", "processed", "failed", "logs", "home"] {
            std::fs::create_dir_all(root.path().join(dir))
                .unwrap_or_else(|e| panic!("create {dir}/ in {}: {e}", root.path().display()));
        }
        let env = default_env(&config);
        let sim = Sim::new(config, users);
        let bg = BackgroundSim::start(sim)
            .unwrap_or_else(|e| panic!("start the AtHoc simulator: {e:?}"));
        let mut h = Harness { root, bg, env };
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

    /// `bobosync <args…>` exactly as given, with a clean environment
    /// (`PATH` and `HOME` only), working directory [`Harness::home`], and [`RUN_TIMEOUT`].
    pub fn bobosync_raw(&self, args: &[String]) -> Run {
        let mut cmd = Command::new(bobosync_bin());
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .current_dir(self.home())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {:?}: {e}", bobosync_bin()));
        wait_with_timeout(child, args.to_vec(), RUN_TIMEOUT)
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
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

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
pub fn bobo_row(kind: &str, collar: &str, stamp: &str) -> String {
    let (date, time) = stamp.split_at(8.min(stamp.len()));
    format!("{kind},{collar},5{collar},{date},{time},{stamp},1,54.89,-2.93,5.0\n")
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn bobo_row_is_ten_columns() {
        let row = bobo_row("BON", "00042", "20250617143000");
        assert_eq!(
            row,
            "BON,00042,500042,20250617,143000,20250617143000,1,54.89,-2.93,5.0\n"
        );
        assert_eq!(row.trim_end().split(',').count(), 10);
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

    #[test]
    fn byte_search() {
        assert!(contains_bytes(b"abc secret def", b"secret"));
        assert!(!contains_bytes(b"abc", b""));
        assert!(!contains_bytes(b"ab", b"abc"));
    }
}
