//! One trial's site: a harness (simulator + drop folder + `.env`), the generated stream, the
//! oracle's inputs, running the real binary (to completion or killed at a chosen moment), and
//! the after-trial checks: AtHoc equals the oracle, every file processed exactly once, every
//! row accounted for in history, and only the duty attribute of mapped logins ever sent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use bobosync_e2e::stream::{self, collar, Stream, StreamShape};
use bobosync_e2e::{athoc_time, base_date, generate_users, hang_report, login, Harness, DUTY};
use rand::rngs::StdRng;
use rand::Rng;
use rusqlite::{Connection, OpenFlags};

/// A record as the checks read it: `(file, line, employee_id, state)`.
type RecordRow = (String, u32, Option<String>, String);

/// Records of one (file, line): `(employee_id, state)` each.
type LineRecords = HashMap<(String, u32), Vec<(Option<String>, String)>>;

/// Employees (and AtHoc users) in every trial.
pub const EMPLOYEES: usize = 200;

/// How long one run may take before the trial fails (a hang is a bug too).
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Where in a cycle the harness tries to kill the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// After a random delay from the start.
    Random(Duration),
    /// After the last AtHoc request before the first sync request: intake, parse, plan, journal.
    BeforeSend,
    /// While a sync request is in flight (the simulator delays it).
    MidRequest,
    /// Once the simulator has applied a sync request: before the reply is read or the outcome
    /// committed.
    AfterApply,
    /// Once a file has moved to the processed folder: the next file's commit or move.
    MidMove,
}

/// Where the process actually was when it was killed, judged from what could be seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Observed {
    /// It had already exited on its own.
    Exited,
    /// No AtHoc request yet: start-up, database open, closing interrupted batches.
    Startup,
    /// A request other than a sync in flight: connection check, mapping sync.
    OtherRequest,
    /// Requests answered, no sync yet: intake, parse, plan, journal (or between requests).
    BeforeSend,
    /// A sync request had reached the simulator and not been answered.
    MidRequest,
    /// Sync requests answered, no file moved yet: between AtHoc's reply and the database commit.
    AfterApply,
    /// A file of this run had moved: between one file's move and the next's.
    MidMove,
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Observed::Exited => "exited before the kill",
            Observed::Startup => "start-up (before any request)",
            Observed::OtherRequest => "connection check / mapping sync request in flight",
            Observed::BeforeSend => "intake/parse/plan/journal (requests answered, no sync yet)",
            Observed::MidRequest => "mid-request (sync in flight)",
            Observed::AfterApply => "after AtHoc applied, before commit/move",
            Observed::MidMove => "mid-move (a file moved, others pending)",
        };
        f.write_str(text)
    }
}

/// A trial's site and everything the checks need.
pub struct Site {
    pub h: Harness,
    pub stream: Stream,
    /// Collar number → login, as AtHoc has them.
    pub mappings: HashMap<String, String>,
    /// Logins with a duty value before the trial, and the value.
    pub initial: HashMap<String, String>,
    /// Logins whose every sync record AtHoc refuses for the whole trial.
    pub rejected: HashSet<String>,
    next_file: usize,
    log: PathBuf,
}

impl Site {
    /// A site with [`EMPLOYEES`] users, a stream of `shape`, and a tenth of the users holding a
    /// recent duty value already.
    pub fn new(rng: &mut StdRng, shape: &StreamShape) -> Site {
        let mut h = Harness::new(generate_users(EMPLOYEES));
        h.set("BATCH_SIZE", &rng.gen_range(2..=8).to_string());
        let start = base_date()
            .and_hms_opt(21, 0, 0)
            .unwrap_or_else(|| panic!("21:00 exists"));
        let stream = stream::generate(rng, shape, start);
        let mappings: HashMap<String, String> =
            (1..=EMPLOYEES).map(|i| (collar(i), login(i))).collect();
        let mut initial = HashMap::new();
        for i in 1..=EMPLOYEES {
            if rng.gen_bool(0.1) {
                let value =
                    athoc_time(start - chrono::Duration::minutes(rng.gen_range(60..24 * 60)));
                h.set_duty(&login(i), &value);
                initial.insert(login(i), value);
            }
        }
        let log = h.root().join("runs.log");
        Site {
            h,
            stream,
            mappings,
            initial,
            rejected: HashSet::new(),
            next_file: 0,
            log,
        }
    }

    /// Drops the next `n` files of the stream (fewer when the stream runs out).
    pub fn drop_next(&mut self, n: usize) {
        let end = (self.next_file + n).min(self.stream.files.len());
        for file in &self.stream.files[self.next_file..end] {
            self.h.drop_file(&file.name, &file.bytes);
        }
        self.next_file = end;
    }

    /// True once every file of the stream has been dropped.
    pub fn all_dropped(&self) -> bool {
        self.next_file >= self.stream.files.len()
    }

    /// Logins that have at least one event in the stream.
    pub fn logins_with_events(&self) -> Vec<String> {
        let mut logins: Vec<String> = self
            .stream
            .collars()
            .into_iter()
            .filter_map(|c| self.mappings.get(c).cloned())
            .collect();
        logins.sort();
        logins
    }

    fn spawn_once(&self) -> Child {
        self.h.spawn_bobosync(&["once"], &self.log)
    }

    /// Runs `bobosync once` and kills it (SIGKILL) when `target` is reached; returns where it
    /// was.
    pub fn run_and_kill(&self, target: Target, rng: &mut StdRng) -> Observed {
        let sim = self.h.sim();
        let before = sim.requests().len();
        let moved_before = self.h.processed_listing().len();
        let started = Instant::now();
        let mut child = self.spawn_once();
        let mut hit_at: Option<Instant> = None;
        let jitter = Duration::from_micros(rng.gen_range(0..3000));
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return Observed::Exited;
            }
            if started.elapsed() > RUN_LIMIT {
                let report = hang_report(&child, Some(&self.log));
                let _ = child.kill();
                let _ = child.wait();
                panic!("bobosync once did not finish within {RUN_LIMIT:?}\n{report}");
            }
            let seen = self.observe(before, moved_before);
            let reached = match target {
                Target::Random(after) => started.elapsed() >= after,
                Target::BeforeSend => seen == Observed::BeforeSend,
                Target::MidRequest => seen == Observed::MidRequest,
                Target::AfterApply => seen >= Observed::AfterApply,
                Target::MidMove => seen == Observed::MidMove,
            };
            if reached {
                let at = *hit_at.get_or_insert_with(Instant::now);
                let wait = match target {
                    Target::MidRequest | Target::MidMove | Target::Random(_) => Duration::ZERO,
                    Target::BeforeSend | Target::AfterApply => jitter,
                };
                if at.elapsed() >= wait {
                    let seen = self.observe(before, moved_before);
                    // Child::kill is SIGKILL on Unix: no destructor, no flush, no goodbye.
                    let killed = child.kill().is_ok();
                    let _ = child.wait();
                    return if killed { seen } else { Observed::Exited };
                }
            }
            thread::sleep(Duration::from_micros(300));
        }
    }

    fn observe(&self, before: usize, moved_before: usize) -> Observed {
        if self.h.processed_listing().len() > moved_before {
            return Observed::MidMove;
        }
        let requests = self.h.sim().requests();
        let mine = requests.get(before..).unwrap_or_default();
        let syncs: Vec<_> = mine
            .iter()
            .filter(|r| r.path.to_ascii_lowercase().ends_with("/syncbycommonnames"))
            .collect();
        if syncs.iter().any(|r| r.status == 0) {
            Observed::MidRequest
        } else if !syncs.is_empty() {
            Observed::AfterApply
        } else if mine.is_empty() {
            Observed::Startup
        } else if mine.iter().any(|r| r.status == 0) {
            Observed::OtherRequest
        } else {
            Observed::BeforeSend
        }
    }

    /// Runs `bobosync once` to the end; `during` is called about every millisecond while it
    /// runs (fault injection at moments of its choosing). Returns the exit code.
    pub fn run_to_end(&self, mut during: impl FnMut(&Harness)) -> Option<i32> {
        let started = Instant::now();
        let mut child = self.spawn_once();
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return status.code(),
                Ok(None) if started.elapsed() > RUN_LIMIT => {
                    let report = hang_report(&child, Some(&self.log));
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("bobosync once did not finish within {RUN_LIMIT:?}\n{report}");
                }
                Ok(None) => {}
                Err(e) => panic!("wait for bobosync: {e}"),
            }
            during(&self.h);
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// Clean cycles until the drop folder is empty and a cycle succeeds (at most `limit`).
    pub fn settle(&self, limit: usize) -> Result<usize, String> {
        let mut last = None;
        for cycle in 1..=limit {
            let run = self.h.once();
            if self.h.drop_listing().is_empty() && run.code == Some(0) {
                return Ok(cycle);
            }
            last = Some(run);
        }
        Err(format!(
            "after {limit} clean cycles the drop folder still holds {:?} or the cycle fails\n{}",
            self.h.drop_listing(),
            last.map(|r| r.to_string()).unwrap_or_default()
        ))
    }

    /// Every after-trial check; the first problem found, described.
    pub fn check(&self) -> Result<(), String> {
        self.check_athoc()?;
        self.check_files()?;
        self.check_history()?;
        self.check_requests()
    }

    /// (a) AtHoc's duty values equal the oracle's, for every user.
    fn check_athoc(&self) -> Result<(), String> {
        let expected = stream::oracle(&self.stream, &self.mappings, &self.initial, &self.rejected);
        let mut wrong = Vec::new();
        for user in self.h.sim().users() {
            let got = user.attributes.get(DUTY).filter(|v| !v.is_empty()).cloned();
            let want = expected.get(&user.login).cloned().flatten();
            if got != want {
                wrong.push((user.login.clone(), want, got));
            }
        }
        if wrong.is_empty() {
            return Ok(());
        }
        let login_to_collar: HashMap<&str, &str> = self
            .mappings
            .iter()
            .map(|(c, l)| (l.as_str(), c.as_str()))
            .collect();
        let mut text = format!("{} AtHoc value(s) differ from the oracle:\n", wrong.len());
        for (login, want, got) in wrong.iter().take(5) {
            text.push_str(&format!(
                "  {login}: expected {want:?}, AtHoc has {got:?}; events:\n"
            ));
            let collar = login_to_collar.get(login.as_str()).copied().unwrap_or("?");
            let mut events: Vec<_> = self
                .stream
                .events()
                .filter(|e| e.collar == collar)
                .collect();
            events.sort_by(|a, b| (a.local, &a.file, a.line).cmp(&(b.local, &b.file, b.line)));
            for e in events {
                text.push_str(&format!(
                    "    {} {} {}:{}\n",
                    e.kind.code(),
                    e.local,
                    e.file,
                    e.line
                ));
            }
            text.push_str(&format!("    records: {}\n", self.records_of(collar)));
        }
        Err(text)
    }

    /// (b) Every file in processed/ exactly once; none left in the drop folder or failed.
    fn check_files(&self) -> Result<(), String> {
        let mut names: Vec<String> = self.stream.files.iter().map(|f| f.name.clone()).collect();
        names.sort();
        let (drop, processed, failed) = (
            self.h.drop_listing(),
            self.h.processed_listing(),
            self.h.failed_listing(),
        );
        if !drop.is_empty() || !failed.is_empty() || processed != names {
            let missing: Vec<_> = names.iter().filter(|n| !processed.contains(n)).collect();
            let extra: Vec<_> = processed.iter().filter(|n| !names.contains(n)).collect();
            return Err(format!(
                "files: left in drop {drop:?}; failed {failed:?}; missing from processed {missing:?}; \
                 unexpected in processed {extra:?}"
            ));
        }
        Ok(())
    }

    /// (c) Every (file, line) has a record with a final state, for the right employee.
    fn check_history(&self) -> Result<(), String> {
        let rows = self.records()?;
        let mut by_line: LineRecords = HashMap::new();
        for (file, line, employee, state) in rows {
            by_line
                .entry((file, line))
                .or_default()
                .push((employee, state));
        }
        for e in self.stream.events() {
            let Some(records) = by_line.get(&(e.file.clone(), e.line)) else {
                return Err(format!(
                    "history: no record of {}:{} ({} {})",
                    e.file,
                    e.line,
                    e.kind.code(),
                    e.collar
                ));
            };
            if let Some((other, _)) = records
                .iter()
                .find(|(emp, _)| emp.as_deref() != Some(&e.collar))
            {
                return Err(format!(
                    "history: {}:{} is {} in the file but recorded for {other:?}",
                    e.file, e.line, e.collar
                ));
            }
            if records.iter().all(|(_, state)| state == "pending") {
                return Err(format!(
                    "history: {}:{} ({} {}) has only pending records: {records:?}",
                    e.file,
                    e.line,
                    e.kind.code(),
                    e.collar
                ));
            }
        }
        Ok(())
    }

    /// (d) Sync requests carry only `LOGIN_ID` and the duty attribute, for mapped logins with
    /// events — unmapped IDs never reach AtHoc.
    fn check_requests(&self) -> Result<(), String> {
        let allowed: HashSet<String> = self.logins_with_events().into_iter().collect();
        for request in self.h.sim().requests() {
            if !request
                .path
                .to_ascii_lowercase()
                .ends_with("/syncbycommonnames")
            {
                continue;
            }
            let body: serde_json::Value = serde_json::from_str(&request.body)
                .map_err(|e| format!("sync body is not JSON ({e}): {}", request.body))?;
            for record in body.as_array().into_iter().flatten() {
                let Some(object) = record.as_object() else {
                    return Err(format!("sync record is not an object: {record}"));
                };
                if let Some(key) = object.keys().find(|k| *k != "LOGIN_ID" && *k != DUTY) {
                    return Err(format!("sync record sends {key:?}: {record}"));
                }
                let login = object
                    .get("LOGIN_ID")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                if !allowed.contains(login) {
                    return Err(format!("sync record for a login without events: {record}"));
                }
            }
        }
        Ok(())
    }

    /// `(file, line, employee_id, state)` of every record, read-only.
    fn records(&self) -> Result<Vec<RecordRow>, String> {
        let conn = Connection::open_with_flags(self.h.db_path(), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("open {} read-only: {e}", self.h.db_path().display()))?;
        let mut stmt = conn
            .prepare("SELECT file, line, employee_id, state FROM records")
            .map_err(|e| format!("query records: {e}"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| format!("query records: {e}"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("read records: {e}"))
    }

    /// One employee's records and ledger entry, for a failure report.
    fn records_of(&self, collar: &str) -> String {
        let read = || -> rusqlite::Result<String> {
            let conn =
                Connection::open_with_flags(self.h.db_path(), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            let mut stmt = conn.prepare(
                "SELECT batch_id, file, line, duty, local_time, action, state FROM records \
                 WHERE employee_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([collar], |r| {
                Ok(format!(
                    "b{} {}:{} {} {} {} {}",
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?
                ))
            })?;
            let mut out: Vec<String> = rows.collect::<Result<_, _>>()?;
            let ledger: Option<String> = conn
                .query_row(
                    "SELECT at || ' ' || duty || ' ' || file || ':' || line FROM ledger WHERE employee_id = ?1",
                    [collar],
                    |r| r.get(0),
                )
                .ok();
            out.push(format!("ledger: {ledger:?}"));
            Ok(out.join(" | "))
        };
        read().unwrap_or_else(|e| format!("(cannot read: {e})"))
    }
}

/// Trial counts from the environment: `var` if set, else `quick`.
pub fn trials_from_env(var: &str, quick: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(quick)
}

/// The first seed: `BOBOSYNC_CRASH_SEED` if set, else `default`.
pub fn base_seed(default: u64) -> u64 {
    std::env::var("BOBOSYNC_CRASH_SEED")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Failures of a series of trials, reported together with their seeds.
#[derive(Debug, Default)]
pub struct Failures(pub BTreeMap<u64, String>);

impl Failures {
    /// Panics with every failure and how to replay it, if there was any.
    pub fn assert_none(&self, what: &str, trials: usize) {
        if self.0.is_empty() {
            return;
        }
        let mut text = format!("{} of {trials} {what} failed:\n", self.0.len());
        for (seed, why) in &self.0 {
            text.push_str(&format!(
                "--- seed {seed} (replay: BOBOSYNC_CRASH_SEED={seed} with 1 trial)\n{why}\n"
            ));
        }
        panic!("{text}");
    }
}
