//! Bench binary (issue 5): the user-mapping sync of a large directory
//! (`SyncContext::sync_mappings`, default 100,000 users at 1,000 per page)
//! against the AtHoc simulator with a simulated round-trip time, compared with
//! its lower bound of pages × RTT (the client fetches pages one after the
//! other). Both meanings of `Offset` are run: as a page number the detection
//! page is also the second page; as a record index it costs one extra page.
//!
//! ```text
//! cargo run --release -p bobosync-bench --bin mapping_sync -- [--users 100000] [--rtt-ms 50] [--page 1000]
//! ```

#[path = "../../benches/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use athoc_sim::{generate_users, OffsetMode, RunningSim, Sim, SimConfig};
use engine::cycle::SyncContext;

use support::BenchError;

fn main() {
    if let Err(e) = real_main() {
        eprintln!("mapping_sync bench: {e}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<(), BenchError> {
    let args = support::args(&["users", "rtt-ms", "page"])?;
    let users = support::arg_u64(&args, "users", 100_000)? as usize;
    let rtt = Duration::from_millis(support::arg_u64(&args, "rtt-ms", 50)?);
    let page = support::arg_u64(&args, "page", 1000)?.max(1) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(support::io("start a tokio runtime"))?;
    println!(
        "mapping sync bench: {} users, PAGE_SIZE={page}, RTT {rtt:?}",
        support::grouped(users as u64)
    );
    let t = Instant::now();
    let directory = generate_users(users);
    println!("  (generated the simulator's users in {:.2?})", t.elapsed());
    runtime.block_on(async {
        for mode in [OffsetMode::Page, OffsetMode::Record] {
            for latency in [Duration::ZERO, rtt] {
                one(directory.clone(), users, page, latency, mode).await?;
            }
        }
        Ok(())
    })
}

async fn one(
    directory: Vec<athoc_sim::SimUser>,
    users: usize,
    page: usize,
    rtt: Duration,
    mode: OffsetMode,
) -> Result<(), BenchError> {
    let config = SimConfig {
        latency: rtt,
        offset_mode: mode,
        ..SimConfig::default()
    };
    let server = RunningSim::start(Sim::new(config.clone(), directory))
        .await
        .map_err(support::io("start the AtHoc simulator"))?;
    let dir = tempfile::Builder::new()
        .prefix("bobosync-bench-")
        .tempdir()
        .map_err(support::io("create a temp dir"))?;
    let page_text = page.to_string();
    let env = support::write_site(
        dir.path(),
        &server.base_url,
        &config,
        &[("PAGE_SIZE", &page_text)],
    )
    .map_err(support::io(format!(
        "write the site in {}",
        dir.path().display()
    )))?;
    let settings = support::load_settings(&env, &dir.path().join("home"))?;
    let ctx = SyncContext::open(settings).map_err(|e| BenchError::Engine(e.to_string()))?;

    // Sign in first, so that the timed part is the paging (and the SQLite
    // write) and the token request is counted apart.
    ctx.client()
        .check_connection()
        .await
        .map_err(|e| BenchError::Engine(format!("connection check: {e}")))?;
    server.sim.clear_requests();
    let t = Instant::now();
    let report = ctx
        .sync_mappings("bench".to_owned(), true)
        .await
        .map_err(|e| BenchError::Engine(format!("mapping sync: {e}")))?;
    let took = t.elapsed();
    let requests = server.sim.requests();
    let pages = requests
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().contains("users/search/basic"))
        .count();
    let needed = users.div_ceil(page);
    println!(
        "\nOffset as {:?}, RTT {rtt:?}: {:.3?}; {} users fetched, {} mapped, applied {}",
        mode, took, report.users_fetched, report.mapped, report.applied
    );
    println!(
        "  requests {} ({} search pages; {} pages hold the directory, so Offset detection cost {} extra)",
        requests.len(),
        pages,
        needed,
        pages.saturating_sub(needed)
    );
    if !rtt.is_zero() {
        let floor = rtt * pages as u32;
        println!(
            "  pages × RTT = {floor:.3?}; ratio {:.2}; time beyond the RTTs {:.3?} ({:.1} ms per page)",
            took.as_secs_f64() / floor.as_secs_f64(),
            took.saturating_sub(floor),
            took.saturating_sub(floor).as_secs_f64() * 1000.0 / pages.max(1) as f64
        );
    }
    server.stop().await;
    Ok(())
}
