//! The workload shared by the BoboSync benches and bench binaries (issue 5):
//! realistic headerless BOBO exports generated in memory, the planner's other
//! inputs, a throw-away `.env` site for the simulator, and memory readings
//! from `/proc`. Deterministic: the same spec always gives the same bytes.
//!
//! Included by path (`#[path = "../../benches/support/mod.rs"]`) from the bench
//! binaries, so that the criterion bench and the binaries measure the same rows.

#![allow(dead_code)] // each including target uses a different part

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone as _, Utc};
use chrono_tz::Tz;
use engine::event::{Duty, EmployeeId, Login, SourceLine};
use engine::plan::LedgerEntry;

/// The zone every generated site and plan uses (`TIME_ZONE`).
pub const ZONE: Tz = chrono_tz::Europe::London;

/// The duty attribute every generated site configures (`DUTY_STATUS_FIELD`).
pub const DUTY: &str = "On-Duty-DTG";

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Collar numbers `00001..=employees` are drawn from.
    pub employees: usize,
    /// How many files.
    pub files: usize,
    /// Rows per file.
    pub rows_per_file: usize,
    /// Wall-clock time (zone [`ZONE`]) of the earliest row of the first file.
    pub start: NaiveDateTime,
    /// Seconds between the start of one file's window and the next.
    pub file_step_secs: i64,
    /// Seconds a file's window reaches back before its start: late events.
    pub late_secs: i64,
    /// Per thousand rows, how many repeat an earlier row exactly (duplicates,
    /// also across files).
    pub duplicates_per_mille: u64,
    pub seed: u64,
}

impl Spec {
    /// One file of `rows` rows drawn from `employees` collar numbers over a
    /// 24-hour window, 3 % duplicates.
    pub fn single_file(rows: usize, employees: usize) -> Spec {
        Spec {
            employees,
            files: 1,
            rows_per_file: rows,
            start: fixed_start(),
            file_step_secs: 0,
            late_secs: 86_400,
            duplicates_per_mille: 30,
            seed: 0x5EED_B0B0,
        }
    }
}

/// 2025-06-17 06:00:00, a summer day (BST) as in the sample exports.
pub fn fixed_start() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2025, 6, 17)
        .and_then(|d| d.and_hms_opt(6, 0, 0))
        .unwrap_or_default()
}

/// One generated export.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    /// `BOBO_YYYYMMDD_HHMMSS_output.csv`, in drop order.
    pub name: String,
    pub bytes: Vec<u8>,
    pub rows: usize,
}

/// splitmix64: small, fast, and good enough to shuffle a workload.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// Headerless ten-column BOBO exports as the real system writes them: rows
/// out of time order within a file, windows of successive files overlapping
/// (late events), ~55 % book-ons, book-offs often without geo columns, and
/// exact duplicate rows (within and across files).
pub fn generate(spec: &Spec) -> Vec<GeneratedFile> {
    let mut rng = Rng::new(spec.seed);
    let mut recent: Vec<String> = Vec::with_capacity(256);
    let window = (spec.file_step_secs + spec.late_secs).max(1) as u64;
    (0..spec.files)
        .map(|index| {
            let file_start = spec.start + Duration::seconds(spec.file_step_secs * index as i64);
            let earliest = file_start - Duration::seconds(spec.late_secs);
            let mut text = String::with_capacity(spec.rows_per_file * 72);
            for _ in 0..spec.rows_per_file {
                if !recent.is_empty() && rng.below(1000) < spec.duplicates_per_mille {
                    let pick = rng.below(recent.len() as u64) as usize;
                    text.push_str(&recent[pick]);
                    continue;
                }
                let row = row(&mut rng, spec.employees, earliest, window);
                if recent.len() < 256 {
                    recent.push(row.clone());
                } else {
                    let slot = rng.below(256) as usize;
                    recent[slot] = row.clone();
                }
                text.push_str(&row);
            }
            let stamp = file_start + Duration::seconds(spec.file_step_secs.max(60));
            GeneratedFile {
                name: format!(
                    "BOBO_{}_{index:03}_output.csv",
                    stamp.format("%Y%m%d_%H%M%S")
                ),
                bytes: text.into_bytes(),
                rows: spec.rows_per_file,
            }
        })
        .collect()
}

fn row(rng: &mut Rng, employees: usize, earliest: NaiveDateTime, window: u64) -> String {
    let collar = 1 + rng.below(employees.max(1) as u64);
    let at = earliest + Duration::seconds(rng.below(window) as i64);
    let created = at + Duration::seconds(rng.below(5) as i64);
    let book_on = rng.below(100) < 55;
    let mut out = String::with_capacity(72);
    let _ = write!(
        out,
        "{},{collar:05},5{collar:05},{},{},{},",
        if book_on { "BON" } else { "BOF" },
        at.format("%Y%m%d"),
        at.format("%H%M%S"),
        created.format("%Y%m%d%H%M%S"),
    );
    if book_on || rng.below(2) == 0 {
        let lat = 54.0 + rng.below(1_000_000) as f64 / 1_000_000.0;
        let lon = -3.0 + rng.below(1_000_000) as f64 / 1_000_000.0;
        let acc = 1.0 + rng.below(300) as f64 / 10.0;
        let _ = writeln!(out, "1,{lat:.6},{lon:.6},{acc:.1}");
    } else {
        out.push_str("0,,,\n");
    }
    out
}

/// Collar `{i:05}` → `user{i:05}@force.example` (as `athoc_sim::generate_users`)
/// for `i` in `1..=employees`, leaving out every `unmapped_every`-th (0: none).
pub fn mappings(employees: usize, unmapped_every: usize) -> HashMap<EmployeeId, Login> {
    (1..=employees)
        .filter(|i| unmapped_every == 0 || i % unmapped_every != 0)
        .filter_map(|i| {
            Some((
                EmployeeId::new(&format!("{i:05}"))?,
                Login::new(&format!("user{i:05}@force.example"))?,
            ))
        })
        .collect()
}

/// A ledger entry for every `every`-th employee (0: none), at `at`.
pub fn ledger(
    employees: usize,
    every: usize,
    at: DateTime<Utc>,
) -> HashMap<EmployeeId, LedgerEntry> {
    if every == 0 {
        return HashMap::new();
    }
    (1..=employees)
        .filter(|i| i % every == 0)
        .filter_map(|i| {
            Some((
                EmployeeId::new(&format!("{i:05}"))?,
                LedgerEntry {
                    at,
                    duty: Duty::BookOn,
                    source: SourceLine {
                        file: "BOBO_earlier_output.csv".into(),
                        line: 1,
                    },
                },
            ))
        })
        .collect()
}

/// `naive` read as wall-clock time of [`ZONE`] (the earlier instant in a fold).
pub fn utc(naive: NaiveDateTime) -> DateTime<Utc> {
    ZONE.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// Writes a site for the simulator at `base_url` into `root`: `.env` plus
/// `drop/`, `processed/`, `failed/`, `logs/`, `home/`. Paths in the `.env`
/// are relative to it, as in a real installation. Returns the `.env` path.
pub fn write_site(
    root: &Path,
    base_url: &str,
    sim: &athoc_sim::SimConfig,
    extra: &[(&str, &str)],
) -> std::io::Result<std::path::PathBuf> {
    for dir in ["drop", "processed", "failed", "logs", "home"] {
        std::fs::create_dir_all(root.join(dir))?;
    }
    let mut text = format!(
        "ATHOC_SERVER_URL={base_url}\nORG_CODE={}\nCLIENT_ID={}\nCLIENT_SECRET={}\n\
         APIUSER={}\nPASSWORD={}\nSCOPE=athoc.iws.web.api\nLOG_LEVEL=INFO\nLOG_DIRECTORY=logs\n\
         CSV_DIRECTORY=drop\nPROCESSED_DIRECTORY=processed\nMOVE_PROCESSED_FILES=true\n\
         FAILED_FILES_DIRECTORY=failed\nDB_PATH=bobo_mapping.db\nSYNC_MAPPINGS=true\n\
         DUTY_STATUS_FIELD={DUTY}\nCOLLAR_ID_FIELD=Collar-Number\n\
         USER_ATTRIBUTES=Collar-Number,FIRSTNAME,LASTNAME\nTIME_ZONE=Europe/London\n\
         FILE_SETTLE_SECONDS=0\nATHOC_DATE_FORMAT=\"dd/MM/yyyy HH:mm:ss\"\n",
        sim.org_code, sim.client_id, sim.client_secret, sim.username, sim.password
    );
    for (key, value) in extra {
        let _ = writeln!(text, "{key}={value}");
    }
    let env = root.join(".env");
    std::fs::write(&env, text)?;
    Ok(env)
}

/// One `kB` line of `/proc/self/status` (`VmRSS`, `VmHWM`), in kB.
pub fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// Resets this process's peak RSS (`VmHWM`) to its current RSS (Linux ≥ 4.0).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Why a bench binary could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("the settings of the bench site {}: {reason}", env.display())]
    Settings {
        env: std::path::PathBuf,
        reason: String,
    },
    #[error("{0}")]
    Engine(String),
    #[error("bad arguments: {0}")]
    Args(String),
}

/// `BenchError::Io` with what was being done.
pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
    let what = what.into();
    move |source| BenchError::Io { what, source }
}

/// The settings of a site written by [`write_site`], read as `bobosync` reads
/// them (python-dotenv semantics), with secrets only from the file.
pub fn load_settings(env: &Path, home: &Path) -> Result<engine::config::Settings, BenchError> {
    let host = engine::config::Host {
        env: Box::new(HashMap::<String, String>::new()),
        secrets: std::sync::Arc::new(engine::config::MemorySecretStore::new()),
        home_dir: Some(home.to_path_buf()),
        system_time_zone: Some("Europe/London".to_owned()),
    };
    engine::config::Settings::from_env_file(env, &host).map_err(|e| BenchError::Settings {
        env: env.to_path_buf(),
        reason: e.to_string(),
    })
}

/// `--key value` pairs from the command line; unknown keys are refused.
pub fn args(known: &[&str]) -> Result<HashMap<String, String>, BenchError> {
    let mut out = HashMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(key) = it.next() {
        let name = key.trim_start_matches("--");
        if !key.starts_with("--") || !known.contains(&name) {
            return Err(BenchError::Args(format!(
                "unknown argument {key:?}; known: --{}",
                known.join(" --")
            )));
        }
        let value = it
            .next()
            .ok_or_else(|| BenchError::Args(format!("{key} needs a value")))?;
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

/// A numeric argument, or `default` when absent.
pub fn arg_u64(args: &HashMap<String, String>, key: &str, default: u64) -> Result<u64, BenchError> {
    match args.get(key) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| BenchError::Args(format!("--{key} {v:?} is not a whole number"))),
    }
}

/// `n` with thousands separators.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
