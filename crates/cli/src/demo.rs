//! `bobosync demo`: the whole engine against the built-in AtHoc simulator,
//! with sample users and freshly written BOBO files, in a throw-away folder.
//! Uses the same `.env` path as a real installation, so what the demo shows
//! is what production does.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use athoc_sim::{generate_users, RunningSim, Sim, SimConfig};
use chrono::{Local, NaiveDateTime};
use engine::config::{Host, MemorySecretStore, Settings};
use engine::cycle::{CycleOptions, SyncContext};
use engine::logging::{self, ConsoleLog};

use crate::print;

const DUTY: &str = "On-Duty-DTG";
const USERS: usize = 40;

pub async fn run(cycles: Option<u32>, interval: Duration) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("bobosync-demo-")
        .tempdir()
        .context("cannot create a demo folder")?;
    let config = SimConfig::default();
    let sim = Sim::new(config.clone(), generate_users(USERS));
    // Two people left on duty long ago: the stale cleanup clears them.
    let long_ago = (Local::now() - chrono::Duration::hours(30)).naive_local();
    for login in ["user00039@force.example", "user00040@force.example"] {
        sim.set_attribute(
            login,
            DUTY,
            &long_ago.format("%d/%m/%Y %H:%M:%S").to_string(),
        );
    }
    let server = RunningSim::start(sim.clone())
        .await
        .context("cannot start the AtHoc simulator")?;

    let env_file = dir.path().join(".env");
    std::fs::write(&env_file, env_text(&server.base_url, &config))
        .context("cannot write the demo .env")?;
    for sub in ["drop", "processed", "failed", "logs"] {
        std::fs::create_dir_all(dir.path().join(sub))?;
    }
    let host = Host {
        env: Box::new(HashMap::new()),
        secrets: Arc::new(MemorySecretStore::new()),
        home_dir: Some(dir.path().to_path_buf()),
        system_time_zone: iana_time_zone_or_utc(),
    };
    let settings = Settings::from_env_file(&env_file, &host)?;
    let _log = logging::init(&settings.logging, ConsoleLog::Off).context("cannot start logging")?;
    let ctx = SyncContext::open(settings)?;

    println!("BoboSync demo");
    println!(
        "  AtHoc simulator: {} (organization {}, {USERS} users)",
        server.base_url, config.org_code
    );
    println!("  demo folder:     {}", dir.path().display());
    println!("  drop folder:     {}", dir.path().join("drop").display());
    println!("  Each cycle a new BOBO export is dropped and applied. Ctrl-C stops.\n");

    let mut cycle = 0u32;
    loop {
        cycle += 1;
        let name = write_sample_export(&dir.path().join("drop"), cycle)?;
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

fn iana_time_zone_or_utc() -> Option<String> {
    Host::system()
        .system_time_zone
        .or_else(|| Some("UTC".to_owned()))
}

fn env_text(base_url: &str, c: &SimConfig) -> String {
    format!(
        "# Written by `bobosync demo` for the built-in simulator.\n\
         ATHOC_SERVER_URL={base_url}\n\
         ORG_CODE={}\nCLIENT_ID={}\nCLIENT_SECRET={}\nAPIUSER={}\nPASSWORD={}\n\
         CSV_DIRECTORY=drop\nPROCESSED_DIRECTORY=processed\nFAILED_FILES_DIRECTORY=failed\n\
         LOG_DIRECTORY=logs\nDB_PATH=bobo_mapping.db\nMOVE_PROCESSED_FILES=true\n\
         DUTY_STATUS_FIELD={DUTY}\nCOLLAR_ID_FIELD=Collar-Number\nAUTO_CLEANUP_HOURS=24\n\
         FILE_SETTLE_SECONDS=0\n",
        c.org_code, c.client_id, c.client_secret, c.username, c.password
    )
}

/// A headerless 10-column export with fresh times: a few book-ons and
/// book-offs that change from cycle to cycle, and one ID no user has.
fn write_sample_export(drop: &Path, cycle: u32) -> anyhow::Result<String> {
    let now = Local::now().naive_local();
    let name = format!("BOBO_{}_c{cycle}_output.csv", now.format("%Y%m%d_%H%M%S"));
    let mut text = String::new();
    for i in 0..5u32 {
        let employee = 1 + (cycle * 3 + i * 7) % 30;
        let duty = if (cycle + i).is_multiple_of(3) {
            "BOF"
        } else {
            "BON"
        };
        let at = now - chrono::Duration::seconds(i64::from(10 * (5 - i)));
        row(&mut text, duty, &format!("{employee:05}"), at);
    }
    row(&mut text, "BON", "99999", now);
    std::fs::write(drop.join(&name), text).with_context(|| format!("cannot write {name}"))?;
    Ok(name)
}

fn row(text: &mut String, duty: &str, employee: &str, at: NaiveDateTime) {
    let _ = writeln!(
        text,
        "{duty},{employee},P{employee},{},{},{},1,54.89,-2.93,5.0",
        at.format("%Y%m%d"),
        at.format("%H%M%S"),
        at.format("%Y%m%d%H%M%S")
    );
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
