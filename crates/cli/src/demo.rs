//! `bobosync demo`: the whole engine against the built-in AtHoc simulator,
//! with sample users and freshly written BOBO files, in a throw-away folder.
//! Uses the same `.env` path as a real installation, so what the demo shows
//! is what production does.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use athoc_sim::demo::{self, DemoSite, DUTY, USERS};
use athoc_sim::{RunningSim, Sim, SimConfig};
use engine::config::{Host, MemorySecretStore, Settings};
use engine::cycle::{CycleOptions, SyncContext};
use engine::logging::{self, ConsoleLog};

use crate::print;

pub async fn run(cycles: Option<u32>, interval: Duration) -> anyhow::Result<()> {
    let site = DemoSite::create()?;
    let config = SimConfig::default();
    let sim = demo::organization(&config);
    let server = RunningSim::start(sim.clone())
        .await
        .context("cannot start the AtHoc simulator")?;
    let zone = Host::system()
        .system_time_zone
        .unwrap_or_else(|| "UTC".to_owned());
    let env_file = site.write_env(&server.base_url, &config, "`bobosync demo`", &zone)?;
    let host = Host::isolated(
        HashMap::new(),
        Arc::new(MemorySecretStore::new()),
        site.path().to_path_buf(),
    );
    let settings = Settings::from_env_file(&env_file, &host)?;
    let _log = logging::init(&settings.logging, ConsoleLog::Off).context("cannot start logging")?;
    let ctx = SyncContext::open(settings)?;

    println!("BoboSync demo");
    println!(
        "  AtHoc simulator: {} (organization {}, {USERS} users)",
        server.base_url, config.org_code
    );
    println!("  demo folder:     {}", site.path().display());
    println!("  drop folder:     {}", site.drop_dir().display());
    println!("  Each cycle a new BOBO export is dropped and applied. Ctrl-C stops.\n");

    let mut cycle = 0u32;
    loop {
        cycle += 1;
        let name = site.write_sample_export(cycle)?;
        println!("── cycle {cycle}: dropped {name}");
        let report = ctx.run_once(CycleOptions::default()).await;
        print::cycle(&report);
        println!("{}", on_duty_table(&sim));
        if cycles.is_some_and(|n| cycle >= n) {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = crate::shutdown_signal() => break,
        }
    }
    server.stop().await;
    Ok(())
}

/// Who AtHoc now says is on duty.
fn on_duty_table(sim: &Sim) -> String {
    let mut on: Vec<(String, String)> = sim
        .users()
        .into_iter()
        .filter_map(|u| {
            let value = u.attributes.get(DUTY).filter(|v| !v.is_empty())?.clone();
            Some((
                u.attributes
                    .get("Collar-Number")
                    .cloned()
                    .unwrap_or_default(),
                value,
            ))
        })
        .collect();
    on.sort();
    let mut out = format!("   AtHoc now has {} user(s) on duty:", on.len());
    for (collar, value) in on {
        let _ = write!(out, "\n     collar {collar}  {DUTY} = {value}");
    }
    out.push('\n');
    out
}
