//! Peak memory of the real `bobosync once` (issue 9) against the simulator:
//! a hostile drop folder (a junk file of `--junk-mb` MB beside a good
//! export) with the default `MAX_FILE_MB` (the junk file is not read) and
//! with the cap raised above it (it is hashed as it streams, then read and
//! parsed alone); then `--files` ordinary exports of `--rows` rows. Peak
//! RSS is `ru_maxrss` from `wait4`, so the simulator is not counted.
//!
//! ```text
//! cargo build --release -p bobosync -p bobosync-bench
//! target/release/once_memory [--junk-mb 300] [--files 100] [--rows 500]
//! ```

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use athoc_sim::{generate_users, BackgroundSim, Sim, SimConfig};
use bobosync_bench::site::{bench_site, bobo_row, bobosync_bin, Site};
use chrono::{Duration as Span, Utc};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(MEASURE) {
        if let Err(e) = measure(&args[1..]) {
            eprintln!("once_memory {MEASURE}: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = run() {
        eprintln!("once_memory: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let junk_mb = arg("--junk-mb", 300);
    let files = arg("--files", 100) as usize;
    let rows = arg("--rows", 500) as usize;
    let config = SimConfig::default();
    let bin = bobosync_bin();
    println!(
        "`bobosync once` ({}), first-ever cycle (its mapping sync of every user included):",
        bin.display()
    );
    println!(
        "| drop folder | users in AtHoc | MAX_FILE_MB | exit | wall | CPU (user+sys) | peak RSS | processed | failed |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    // The junk runs: the users of their one good export only, so the file
    // is what is measured.
    let sim = BackgroundSim::start(Sim::new(config.clone(), generate_users(rows)))?;
    let raised = (junk_mb + 100).to_string();
    for cap in [None, Some(raised.as_str())] {
        let extra: Vec<(&str, &str)> = cap.iter().map(|c| ("MAX_FILE_MB", *c)).collect();
        let site = bench_site(&sim, &extra)?;
        write_junk(&site.path("drop").join("BOBO_junk.csv"), junk_mb)?;
        write_export(&site.path("drop").join("BOBO_good.csv"), 0, rows)?;
        let label = format!("{junk_mb} MB junk file (one line) + 1 export of {rows} rows");
        report(&label, rows, cap.unwrap_or("64 (default)"), &bin, &site)?;
    }
    drop(sim);
    // Ordinary files: a control room's export holds tens of rows; then the
    // same number of files at `--rows`.
    for per_file in [50, rows] {
        let users = files * per_file;
        let sim = BackgroundSim::start(Sim::new(config.clone(), generate_users(users)))?;
        let site = bench_site(&sim, &[])?;
        for f in 0..files {
            let path = site.path("drop").join(format!("BOBO_{f:04}.csv"));
            write_export(&path, f * per_file, per_file)?;
        }
        let label = format!("{files} exports × {per_file} rows");
        report(&label, users, "64 (default)", &bin, &site)?;
    }
    Ok(())
}

/// One line of no line break, bytes that are not a CSV row: the worst case
/// for a reader that splits lines.
fn write_junk(path: &Path, mb: u64) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let block: Vec<u8> = (0..1024 * 1024u32).map(|i| b'A' + (i % 26) as u8).collect();
    for _ in 0..mb {
        out.write_all(&block)?;
    }
    out.flush()?;
    age(path)
}

/// `rows` book-ons for collars `first+1 ..`, yesterday.
fn write_export(path: &Path, first: usize, rows: usize) -> std::io::Result<()> {
    let day = Utc::now() - Span::days(1);
    let mut text = String::new();
    for i in 0..rows {
        let at = day + Span::seconds(i as i64);
        let stamp = at.format("%Y%m%d%H%M%S").to_string();
        text.push_str(&bobo_row("BON", &format!("{:05}", first + i + 1), &stamp));
    }
    std::fs::write(path, text)?;
    age(path)
}

fn seconds(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// Older than the settle window, so the run does not wait for it.
fn age(path: &Path) -> std::io::Result<()> {
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(old)
}

fn report(
    label: &str,
    users: usize,
    cap: &str,
    bin: &Path,
    site: &Site,
) -> Result<(), Box<dyn std::error::Error>> {
    // Spawned through a fresh, small copy of this binary: Linux carries the
    // spawning process's peak RSS into the child's `ru_maxrss` across exec,
    // and this process holds two simulators.
    let out = Command::new(std::env::current_exe()?)
        .arg(MEASURE)
        .arg(bin)
        .args(["once", "--env-file"])
        .arg(site.env_path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", site.path("home"))
        .current_dir(site.path("home"))
        .stdin(Stdio::null())
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let figures: Vec<f64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let [code, wall, cpu, maxrss_kb] = figures[..] else {
        return Err(format!(
            "the measuring process said: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    };
    let count = |dir: &str| {
        std::fs::read_dir(site.root().join(dir))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "csv"))
                    .count()
            })
            .unwrap_or(0)
    };
    println!(
        "| {label} | {users} | {cap} | {code} | {wall:.2} s | {cpu:.2} s | {:.1} MB | {} | {} |",
        maxrss_kb / 1024.0,
        count("processed"),
        count("failed"),
    );
    Ok(())
}

/// The argument that makes this binary the measuring process.
const MEASURE: &str = "--measure-child";

/// As the measuring process: runs `command` (its output to `output.txt` in
/// the current folder), reaps it with `wait4` and prints its exit code,
/// wall seconds, CPU seconds and peak RSS in kB.
fn measure(command: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let (bin, args) = command.split_first().ok_or("no command to measure")?;
    let out = std::fs::File::create("output.txt")?;
    let err = out.try_clone()?;
    let t = Instant::now();
    let child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped; both pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = t.elapsed();
    if reaped != pid {
        return Err(std::io::Error::last_os_error().into());
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    println!(
        "{code} {} {} {}",
        wall.as_secs_f64(),
        seconds(usage.ru_utime) + seconds(usage.ru_stime),
        usage.ru_maxrss
    );
    Ok(())
}
