//! Bench binary (issue 5): one full cycle of 20 BOBO files × 500 rows against
//! the AtHoc simulator with a simulated round-trip time. Prints the wall time
//! of `SyncContext::run_once` in-process and the HTTP requests it made by
//! endpoint, for a first-ever cycle (mapping sync due) and a steady-state one
//! (mappings already synced), each with no added latency and with the RTT;
//! then the peak RSS of the real `bobosync once` process on the same workload
//! (`wait4` rusage `ru_maxrss`).
//!
//! With `--parked-cycles K` it instead measures the recovery cycle after K
//! cycles whose mapping sync found no collar numbers (every event parked as
//! unmapped): the parked events join the first batch of the next cycle.
//!
//! ```text
//! cargo build --release -p bobosync
//! cargo run --release -p bobosync-bench --bin cycle -- [--rtt-ms 50] [--files 20] [--rows 500] [--users 2000] [--concurrent N]
//!     [--users-per-request N] [--page-size N] [--repeat N]   (--repeat: only the spawned runs, N times)
//! cargo run --release -p bobosync-bench --bin cycle -- --parked-cycles 2 --users 20000 --rtt-ms 0
//! ```

#[path = "../../../benches/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use athoc_sim::{generate_users, RecordedRequest, RunningSim, Sim, SimConfig};
use chrono::{Duration as Span, Utc};
use engine::cycle::{CycleOptions, CycleReport, SyncContext};

use support::{BenchError, Spec};

use crate::steps::StepTimes;

/// What one run measures.
#[derive(Debug, Clone, Copy)]
struct Params {
    rtt: Duration,
    files: usize,
    rows: usize,
    users: usize,
    /// `CONCURRENT_REQUESTS` (0: the default).
    concurrent: u64,
    /// `USERS_PER_REQUEST` (0: the default).
    users_per_request: u64,
    /// `PAGE_SIZE` (0: the default).
    page_size: u64,
}

pub fn main() {
    if let Err(e) = real_main() {
        eprintln!("cycle bench: {e}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<(), BenchError> {
    let args = support::args(&[
        "rtt-ms",
        "files",
        "rows",
        "users",
        "parked-cycles",
        "concurrent",
        "users-per-request",
        "page-size",
        "repeat",
    ])?;
    let params = Params {
        rtt: Duration::from_millis(support::arg_u64(&args, "rtt-ms", 50)?),
        files: support::arg_u64(&args, "files", 20)? as usize,
        rows: support::arg_u64(&args, "rows", 500)? as usize,
        users: support::arg_u64(&args, "users", 2000)? as usize,
        concurrent: support::arg_u64(&args, "concurrent", 0)?,
        users_per_request: support::arg_u64(&args, "users-per-request", 0)?,
        page_size: support::arg_u64(&args, "page-size", 0)?,
    };
    // `--repeat N`: only the spawned `bobosync once` runs, N times each.
    let repeat = support::arg_u64(&args, "repeat", 0)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(support::io("start a tokio runtime"))?;
    println!(
        "cycle bench: {} files × {} rows, {} AtHoc users (+2 % unknown collar numbers), BATCH_SIZE=10, RTT {:?}; \
         CONCURRENT_REQUESTS, USERS_PER_REQUEST, PAGE_SIZE: {} (0 = default)",
        params.files,
        params.rows,
        params.users,
        params.rtt,
        [params.concurrent, params.users_per_request, params.page_size]
            .map(|v| v.to_string())
            .join(", ")
    );
    let parked_cycles = support::arg_u64(&args, "parked-cycles", 0)?;
    if parked_cycles > 0 {
        return runtime.block_on(parked_recovery(params, parked_cycles));
    }
    let steps = StepTimes::install();
    runtime.block_on(async {
        if repeat == 0 {
            for rtt in [Duration::ZERO, params.rtt] {
                for warm in [false, true] {
                    in_process(Params { rtt, ..params }, warm, &steps).await?;
                }
            }
        }
        let mut rows = Vec::new();
        for _ in 0..repeat.max(1) {
            for rtt in [Duration::ZERO, params.rtt] {
                rows.extend(spawned(Params { rtt, ..params }).await?);
            }
        }
        print_table(params, &rows);
        Ok(())
    })
}

/// A simulator with `users` users and the RTT, and a site pointing at it with
/// the workload in its drop folder.
struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
    env: PathBuf,
    server: RunningSim,
}

impl Site {
    async fn new(params: Params) -> Result<Site, BenchError> {
        let config = SimConfig {
            latency: params.rtt,
            ..SimConfig::default()
        };
        let sim = Sim::new(config.clone(), generate_users(params.users));
        let server = RunningSim::start(sim)
            .await
            .map_err(support::io("start the AtHoc simulator"))?;
        let dir = tempfile::Builder::new()
            .prefix("bobosync-bench-")
            .tempdir()
            .map_err(support::io("create a temp dir"))?;
        let root = dir.path().to_path_buf();
        let chosen = [
            ("CONCURRENT_REQUESTS", params.concurrent),
            ("USERS_PER_REQUEST", params.users_per_request),
            ("PAGE_SIZE", params.page_size),
        ]
        .map(|(key, value)| (key, value.to_string(), value > 0));
        let mut extra = vec![("BATCH_SIZE", "10"), ("AUTO_CLEANUP_HOURS", "24")];
        extra.extend(
            chosen
                .iter()
                .filter(|(_, _, set)| *set)
                .map(|(key, value, _)| (*key, value.as_str())),
        );
        let env = support::write_site(&root, &server.base_url, &config, &extra)
            .map_err(support::io(format!("write the site in {}", root.display())))?;
        Ok(Site {
            _dir: dir,
            root,
            env,
            server,
        })
    }

    /// Writes the workload into `drop/`: files one minute apart ending now,
    /// each reaching back ten minutes (late events), 3 % duplicate rows.
    fn drop_workload(&self, params: Params, seed: u64) -> Result<usize, BenchError> {
        let now = Utc::now().with_timezone(&support::ZONE).naive_local();
        let spec = Spec {
            employees: params.users + params.users / 50,
            files: params.files,
            rows_per_file: params.rows,
            start: now - Span::minutes(params.files as i64 + 1),
            file_step_secs: 60,
            late_secs: 600,
            duplicates_per_mille: 30,
            seed,
        };
        let files = support::generate(&spec);
        let mut bytes = 0;
        for file in &files {
            let path = self.root.join("drop").join(&file.name);
            std::fs::write(&path, &file.bytes)
                .map_err(support::io(format!("write {}", path.display())))?;
            bytes += file.bytes.len();
        }
        Ok(bytes)
    }

    fn context(&self) -> Result<SyncContext, BenchError> {
        let settings = support::load_settings(&self.env, &self.root.join("home"))?;
        SyncContext::open(settings).map_err(|e| BenchError::Engine(e.to_string()))
    }
}

/// `run_once` in this process. `warm`: the mapping sync ran before, as on
/// every cycle but the first of the day.
async fn in_process(params: Params, warm: bool, steps: &StepTimes) -> Result<(), BenchError> {
    let site = Site::new(params).await?;
    let ctx = site.context()?;
    if warm {
        ctx.sync_mappings("bench warm-up".to_owned(), true)
            .await
            .map_err(|e| BenchError::Engine(format!("mapping sync before the cycle: {e}")))?;
    }
    let bytes = site.drop_workload(params, 7)?;
    site.server.sim.clear_requests();
    steps.take();
    let t = Instant::now();
    let report = ctx.run_once(CycleOptions::default()).await;
    let took = t.elapsed();
    let requests = site.server.sim.requests();
    let step_times = steps.take();
    println!(
        "\n{} cycle, RTT {:?}: run_once {:.3?} ({:.0} KB of CSV)",
        if warm { "steady-state" } else { "first-ever" },
        params.rtt,
        took,
        bytes as f64 / 1024.0
    );
    print_report(&report);
    print_requests(&requests, params.rtt, took);
    print_steps(&step_times, params.files * params.rows);
    site.server.stop().await;
    Ok(())
}

/// The wall time of each step of the cycle, in run order, per row too.
fn print_steps(times: &BTreeMap<&'static str, (Duration, u32)>, rows: usize) {
    const ORDER: [&str; 11] = [
        "check_connection",
        "mapping_sync",
        "find_files",
        "read_parse",
        "load_mappings_ledger",
        "plan",
        "journal",
        "send",
        "record_outcomes",
        "file_fates",
        "cleanup",
    ];
    println!("  where the time went (wall, summed over batches):");
    let others = times.keys().copied().filter(|k| !ORDER.contains(k));
    for name in ORDER.iter().copied().chain(others) {
        if let Some((took, count)) = times.get(name) {
            println!(
                "    {name:<22} {:>9.1} ms  {:>6.2} µs/row  (×{count})",
                took.as_secs_f64() * 1e3,
                took.as_secs_f64() * 1e6 / rows as f64
            );
        }
    }
}

fn print_report(report: &CycleReport) {
    let sum =
        |f: fn(&engine::cycle::BatchReport) -> usize| report.batches.iter().map(f).sum::<usize>();
    if let Some(m) = &report.mapping {
        println!(
            "  mapping sync: {} users fetched, {} mapped, applied {}",
            m.users_fetched, m.mapped, m.applied
        );
    }
    println!(
        "  {} batches: {} events → set {}, cleared {}, superseded {}, skipped-older {}, unmapped {}, invalid {}, rejected {}, failed {}; files processed {}, failed {}, kept {}",
        report.batches.len(),
        sum(|b| b.events),
        sum(|b| b.set),
        sum(|b| b.cleared),
        sum(|b| b.superseded),
        sum(|b| b.skipped_older),
        sum(|b| b.unmapped),
        sum(|b| b.invalid),
        sum(|b| b.rejected),
        sum(|b| b.failed),
        sum(|b| b.files_processed),
        sum(|b| b.files_failed),
        sum(|b| b.files_kept),
    );
    println!(
        "  status {:?}: {} warnings, {} failures{}",
        report.status(),
        report.warnings.len(),
        report.failures.len(),
        report
            .failures
            .first()
            .map(|f| format!(" (first: {f})"))
            .unwrap_or_default()
    );
}

/// Which AtHoc call a recorded request was.
fn endpoint(r: &RecordedRequest) -> &'static str {
    let path = r.path.to_ascii_lowercase();
    if path.contains("connect/token") {
        "POST token"
    } else if path.contains("syncbycommonnames") {
        "POST SyncByCommonNames"
    } else if path.contains("users/search/basic") {
        if r.query.contains("Criteria=") {
            "GET search (stale cleanup)"
        } else if r.query.contains("Limit=1&") || r.query.ends_with("Limit=1") {
            "GET search (connection check)"
        } else {
            "GET search (directory page)"
        }
    } else {
        "other"
    }
}

fn print_requests(requests: &[RecordedRequest], rtt: Duration, took: Duration) {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for r in requests {
        *by.entry(endpoint(r)).or_default() += 1;
    }
    let bodies: usize = requests
        .iter()
        .filter(|r| endpoint(r) == "POST SyncByCommonNames")
        .map(|r| r.body.len())
        .sum();
    println!("  HTTP requests: {} in all", requests.len());
    for (name, n) in &by {
        println!("    {n:>4}  {name}");
    }
    if bodies > 0 {
        println!(
            "    SyncByCommonNames bodies: {:.0} KB in all",
            bodies as f64 / 1024.0
        );
    }
    if !rtt.is_zero() {
        let floor = rtt * requests.len() as u32;
        println!(
            "  requests × RTT = {floor:.3?}; run_once is {:.2}× that; time not spent waiting on AtHoc ≈ {:.3?}",
            took.as_secs_f64() / floor.as_secs_f64(),
            took.saturating_sub(floor)
        );
    }
}

/// The real `bobosync once` process on the same workload: first-ever cycle,
/// then a steady-state one with a fresh workload; peak RSS from `wait4`.
async fn spawned(params: Params) -> Result<Vec<TableRow>, BenchError> {
    let bin = match bobosync_bin() {
        Some(bin) => bin,
        None => {
            println!("\nRSS: no bobosync binary beside this one; build it first: cargo build --release -p bobosync");
            return Ok(Vec::new());
        }
    };
    let mut rows = Vec::new();
    let site = Site::new(params).await?;
    println!(
        "\n`bobosync once` ({}) , RTT {:?}:",
        bin.display(),
        params.rtt
    );
    for (label, seed) in [("first-ever cycle", 11), ("steady-state cycle", 12)] {
        site.drop_workload(params, seed)?;
        site.server.sim.clear_requests();
        let (bin, env, root) = (bin.clone(), site.env.clone(), site.root.clone());
        let run = tokio::task::spawn_blocking(move || run_child(&bin, &env, &root))
            .await
            .map_err(|e| BenchError::Engine(format!("the waiting thread failed: {e}")))??;
        let processed = std::fs::read_dir(site.root.join("processed"))
            .map(|d| d.count())
            .unwrap_or(0);
        let requests = site.server.sim.requests().len();
        println!(
            "  {label}: exit {:?}, wall {:.3?}, CPU {:.3?}, peak RSS (ru_maxrss) {:.1} MB, {requests} requests; {processed} files in processed/",
            run.code,
            run.wall,
            run.cpu,
            run.maxrss_kb as f64 / 1024.0,
        );
        if run.code != Some(0) {
            println!("  its output:\n{}", run.output);
        }
        rows.push(TableRow {
            label,
            rtt: params.rtt,
            wall: run.wall,
            cpu: run.cpu,
            requests,
        });
    }
    site.server.stop().await;
    Ok(rows)
}

/// One `bobosync once` run for the side-by-side table.
struct TableRow {
    label: &'static str,
    rtt: Duration,
    wall: Duration,
    cpu: Duration,
    requests: usize,
}

/// The side-by-side table: each run's wall time, requests, and local work
/// (the process's CPU time) per row, with the floor "local + k × RTT" the
/// wall time is measured against.
fn print_table(params: Params, rows: &[TableRow]) {
    let n = (params.files * params.rows) as f64;
    println!(
        "\n`bobosync once`, {} files × {} rows, {} users:",
        params.files, params.rows, params.users
    );
    println!(
        "| cycle | RTT | wall | requests | CPU (local work) | local µs/row | (wall − CPU) / RTT |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in rows {
        let over = if r.rtt.is_zero() {
            "—".to_owned()
        } else {
            format!(
                "{:.1}",
                r.wall.saturating_sub(r.cpu).as_secs_f64() / r.rtt.as_secs_f64()
            )
        };
        println!(
            "| {} | {} ms | {:.3} s | {} | {:.3} s | {:.1} | {over} |",
            r.label,
            r.rtt.as_millis(),
            r.wall.as_secs_f64(),
            r.requests,
            r.cpu.as_secs_f64(),
            r.cpu.as_secs_f64() * 1e6 / n,
        );
    }
}

/// `bobosync` in the directory this binary was built into
/// (`target/release`; `BOBOSYNC_BIN` overrides), if it is there.
fn bobosync_bin() -> Option<PathBuf> {
    Some(bobosync_bench::site::bobosync_bin()).filter(|bin| bin.is_file())
}

struct ChildRun {
    code: Option<i32>,
    wall: Duration,
    /// User + system CPU time of the process.
    cpu: Duration,
    maxrss_kb: i64,
    output: String,
}

/// Runs `bobosync once --env-file <env>` with a clean environment and reaps
/// it with `wait4`, whose rusage carries the child's peak RSS.
fn run_child(bin: &Path, env: &Path, root: &Path) -> Result<ChildRun, BenchError> {
    let out_path = root.join("home").join("bobosync-output.txt");
    let out = std::fs::File::create(&out_path)
        .map_err(support::io(format!("create {}", out_path.display())))?;
    let err = out
        .try_clone()
        .map_err(support::io("duplicate the output file handle"))?;
    // BOBOSYNC_BENCH_PERF=<file>: the run goes under `perf record` (for a
    // profile of the real process; its CPU and RSS then include perf's).
    let mut command = match std::env::var_os("BOBOSYNC_BENCH_PERF") {
        Some(data) => {
            let mut perf = Command::new("perf");
            perf.args(["record", "-F", "4000", "--call-graph", "dwarf", "-o"])
                .arg(data)
                .arg("--")
                .arg(bin);
            perf
        }
        None => Command::new(bin),
    };
    let t = Instant::now();
    let child = command
        .arg("once")
        .arg("--env-file")
        .arg(env)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", root.join("home"))
        .current_dir(root.join("home"))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(support::io(format!("spawn {}", bin.display())))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped (`child` is never waited on);
    // both pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = t.elapsed();
    if reaped != pid {
        return Err(BenchError::Io {
            what: format!("wait for {} (pid {pid})", bin.display()),
            source: std::io::Error::last_os_error(),
        });
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let output = std::fs::read_to_string(&out_path).unwrap_or_default();
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(ChildRun {
        code,
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        maxrss_kb: usage.ru_maxrss,
        output,
    })
}

/// K cycles with no usable mapping (the directory has no collar numbers, so
/// every event is parked), then the directory is fixed and one more cycle
/// runs: its first batch carries every parked event.
async fn parked_recovery(params: Params, cycles: u64) -> Result<(), BenchError> {
    let site = Site::new(params).await?;
    let no_collars: Vec<athoc_sim::SimUser> = generate_users(params.users)
        .into_iter()
        .map(|u| athoc_sim::SimUser::new(u.login).with("FIRSTNAME", "Test"))
        .collect();
    site.server.sim.replace_users(no_collars);
    let ctx = site.context()?;
    let mut seed = 100;
    for _ in 0..cycles {
        site.drop_workload(params, seed)?;
        seed += 1;
        ctx.run_once(CycleOptions::default()).await;
    }
    let parked = ctx
        .store()
        .call(|s| s.parked_events())
        .await
        .map_err(|e| BenchError::Engine(e.to_string()))?
        .len();
    site.server.sim.replace_users(generate_users(params.users));
    site.drop_workload(params, seed)?;
    let t = Instant::now();
    let report = ctx
        .run_once(CycleOptions {
            force_mapping_sync: true,
            ..CycleOptions::default()
        })
        .await;
    let took = t.elapsed();
    let left = ctx
        .store()
        .call(|s| s.parked_events())
        .await
        .map_err(|e| BenchError::Engine(e.to_string()))?
        .len();
    println!(
        "\nrecovery cycle after {cycles} unmapped cycle(s): {} parked events joined, {} still parked after; run_once {took:.3?}",
        grouped_usize(parked),
        grouped_usize(left)
    );
    print_report(&report);
    site.server.stop().await;
    Ok(())
}

fn grouped_usize(n: usize) -> String {
    support::grouped(n as u64)
}
