//! Bench binary (issue 3): file-to-AtHoc latency of the continuous runtime.
//! Runs the engine in-process (`engine::runtime::Engine`, default options,
//! `FILE_SETTLE_SECONDS=2`) against the simulator on its own thread, drops
//! `--drops` files (one book-on each, for a different user) into the drop
//! folder `--interval-ms` apart, and measures from the moment the writer's
//! `close` returned to the moment the simulator holds the new value (polled
//! every 200 µs on a separate thread). Prints p50 / p99 / max.
//!
//! ```text
//! cargo run --release -p bobosync-bench --bin latency -- [--drops 250] [--interval-ms 20]
//! ```

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use athoc_sim::{generate_users, BackgroundSim, Sim, SimConfig};
use bobosync_bench::site::{bench_site, bobo_row, percentile, settings, DUTY};
use chrono::{Duration as Span, Utc};
use engine::runtime::{Engine, EngineOptions};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let drops = arg("--drops", 250) as usize;
    let interval = Duration::from_millis(arg("--interval-ms", 20));
    let config = SimConfig::default();
    let sim = Sim::new(config.clone(), generate_users(drops));
    let bg = BackgroundSim::start(sim)?;
    let site = bench_site(&bg, &[])?;
    let settings = settings(&site)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let engine = runtime.block_on(Engine::start(settings, EngineOptions::default()))?;
    // Ready when the first full cycle (mapping sync) is done.
    runtime.block_on(async {
        let mut status = engine.watch_status();
        let _ = tokio::time::timeout(
            Duration::from_secs(60),
            status.wait_for(|s| s.last_success.is_some()),
        )
        .await;
    });

    // Drop i books user i on at a distinct minute of yesterday (local time).
    let day = (Utc::now() - Span::days(1))
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let at = |i: usize| day.and_hms_opt(0, 0, 0).unwrap_or_default() + Span::minutes(i as i64);
    let pending: Arc<Mutex<HashMap<String, (String, Instant)>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (sim, pending, latencies, done) = (
            bg.sim.clone(),
            pending.clone(),
            latencies.clone(),
            done.clone(),
        );
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let waiting: Vec<(String, String, Instant)> = pending
                    .lock()
                    .map(|p| {
                        p.iter()
                            .map(|(l, (v, t))| (l.clone(), v.clone(), *t))
                            .collect()
                    })
                    .unwrap_or_default();
                for (login, value, closed) in waiting {
                    let holds = sim
                        .user(&login)
                        .and_then(|u| u.attributes.get(DUTY).cloned())
                        == Some(value);
                    if holds {
                        let took = closed.elapsed();
                        if let Ok(mut p) = pending.lock() {
                            p.remove(&login);
                        }
                        if let Ok(mut l) = latencies.lock() {
                            l.push(took);
                        }
                    }
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        })
    };
    let started = Instant::now();
    for i in 1..=drops {
        let local = at(i);
        let stamp = local.format("%Y%m%d%H%M%S").to_string();
        let value = local.format("%d/%m/%Y %H:%M:%S").to_string();
        let login = format!("user{i:05}@force.example");
        let path = site.path("drop").join(format!("BOBO_{stamp}_{i:05}.csv"));
        let mut file = std::fs::File::create(&path)?;
        file.write_all(bobo_row("BON", &format!("{i:05}"), &stamp).as_bytes())?;
        drop(file);
        let closed = Instant::now();
        pending
            .lock()
            .map_err(|_| "poisoned")?
            .insert(login, (value, closed));
        std::thread::sleep(interval);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while pending.lock().map(|p| !p.is_empty()).unwrap_or(false) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = watcher.join();
    let missing = pending.lock().map(|p| p.len()).unwrap_or(0);
    runtime.block_on(engine.shutdown());
    let mut all = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    all.sort();
    println!(
        "latency (writer close → AtHoc holds the value), in-process engine, {} drops {} ms apart, {:.1} s total",
        all.len(),
        interval.as_millis(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms   min {:.1} ms   not confirmed: {missing}",
        percentile(&all, 50.0).as_secs_f64() * 1e3,
        percentile(&all, 99.0).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        all.first().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    if missing > 0 {
        return Err(format!("{missing} drops were not confirmed within 120 s").into());
    }
    Ok(())
}
