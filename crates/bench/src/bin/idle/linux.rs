//! Bench binary (issue 3): what `bobosync run` costs with nothing to do.
//! Starts the release `bobosync run` (a real process, default options)
//! against the simulator, lets it finish its first cycle, then reads its CPU
//! time (`/proc/<pid>/stat` utime + stime) and memory (`/proc/<pid>/status`
//! VmRSS, VmHWM) at the start and end of a `--seconds` window (default 60),
//! and counts the AtHoc requests it made meanwhile. Then, with
//! `--load-files N`, the same process under load: N files of 500 rows dropped
//! one after another, RSS and peak RSS once all are applied. Linux only.
//!
//! ```text
//! cargo build --release -p bobosync
//! cargo run --release -p bobosync-bench --bin idle -- [--seconds 60] [--interval 60] [--load-files 20]
//! ```

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use athoc_sim::{generate_users, BackgroundSim, Sim, SimConfig};
use bobosync_bench::site::{bench_site, bobo_row, bobosync_bin, Site};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time (user + system) of `pid` so far.
fn cpu(pid: u32) -> Result<Duration, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or("unexpected /proc stat format")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .ok_or("unexpected /proc stat format")
    };
    // `rest` starts at field 3 (state), so field n is at index n - 3.
    let total = ticks(14 - 3)? + ticks(15 - 3)?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Ok(Duration::from_millis(total * 1000 / hz))
}

/// A `kB` line of `/proc/<pid>/status`, in KiB.
fn status_kib(pid: u32, key: &str) -> Result<u64, String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix(key)
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .ok_or_else(|| format!("no {key} in /proc/{pid}/status"))
}

pub fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let seconds = arg("--seconds", 60);
    let interval = arg("--interval", 60);
    let config = SimConfig::default();
    let bg = BackgroundSim::start(Sim::new(config.clone(), generate_users(2000)))?;
    let site = bench_site(&bg, &[])?;
    let bin = bobosync_bin();
    let mut child = Command::new(&bin)
        .args(["run", "--interval", &interval.to_string(), "--env-file"])
        .arg(site.env_path())
        .env_clear()
        .env("HOME", site.path("home"))
        .current_dir(site.path("home"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!(
                "start {} (cargo build --release -p bobosync first): {e}",
                bin.display()
            )
        })?;
    let pid = child.id();
    // Let the first cycle (mapping sync of 2000 users) finish.
    std::thread::sleep(Duration::from_secs(5));
    let requests_before = bg.sim.requests().len();
    let (cpu0, t0) = (cpu(pid)?, Instant::now());
    let rss0 = status_kib(pid, "VmRSS:")?;
    std::thread::sleep(Duration::from_secs(seconds));
    let (cpu1, wall) = (cpu(pid)?, t0.elapsed());
    let rss1 = status_kib(pid, "VmRSS:")?;
    let hwm = status_kib(pid, "VmHWM:")?;
    let requests = bg.sim.requests().len() - requests_before;
    let load_files = arg("--load-files", 0);
    let load = if load_files > 0 {
        Some(under_load(&site, pid, load_files)?)
    } else {
        None
    };
    // SAFETY: `pid` is our own child, still running.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGTERM);
    }
    let status = child.wait()?;
    let used = cpu1.saturating_sub(cpu0);
    println!(
        "bobosync run idle for {:.1} s (full cycle every {interval} s, 2000 users, nothing to apply):",
        wall.as_secs_f64()
    );
    println!(
        "CPU {} ms ({:.3} % of one core)   RSS {} → {} KiB   peak RSS {} KiB   AtHoc requests {}   exit {}",
        used.as_millis(),
        used.as_secs_f64() / wall.as_secs_f64() * 100.0,
        rss0,
        rss1,
        hwm,
        requests,
        status.code().map_or("signal".to_owned(), |c| c.to_string())
    );
    if let Some((files, took, rss, hwm)) = load {
        println!(
            "then under load: {files} files × 500 rows applied in {:.1} s   RSS {rss} KiB   peak RSS {hwm} KiB",
            took.as_secs_f64()
        );
    }
    Ok(())
}

/// Drops `files` exports of 500 rows each into the running engine's folder
/// and waits until every one has been applied (the drop folder is empty);
/// returns how long that took and RSS / peak RSS then.
fn under_load(
    site: &Site,
    pid: u32,
    files: u64,
) -> Result<(u64, Duration, u64, u64), Box<dyn std::error::Error>> {
    let drop = site.path("drop");
    let day = chrono::Local::now().date_naive() - chrono::Duration::days(1);
    let started = Instant::now();
    for f in 0..files {
        let mut text = String::new();
        for r in 0..500u64 {
            let collar = format!("{:05}", 1 + (f * 500 + r) % 2000);
            let kind = if r % 3 == 0 { "BOF" } else { "BON" };
            let second = (f * 500 + r) % 86_000;
            let stamp = format!(
                "{}{:02}{:02}{:02}",
                day.format("%Y%m%d"),
                second / 3600,
                second / 60 % 60,
                second % 60
            );
            text.push_str(&bobo_row(kind, &collar, &stamp));
        }
        let name = format!("BOBO_load_{f:04}_output.csv");
        let part = drop.join(format!(".{name}.part"));
        std::fs::write(&part, text)?;
        std::fs::rename(&part, drop.join(&name))?;
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    while std::fs::read_dir(&drop)?.next().is_some() {
        if Instant::now() > deadline {
            return Err("the engine did not apply the load within 300 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let took = started.elapsed();
    Ok((
        files,
        took,
        status_kib(pid, "VmRSS:")?,
        status_kib(pid, "VmHWM:")?,
    ))
}
