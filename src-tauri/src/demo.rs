//! Demo mode: the built-in AtHoc simulator (in-process, sample users) and a
//! throw-away site folder with a `.env` pointing at it, so the whole app runs
//! without settings or a real AtHoc. New sample BOBO exports are dropped
//! now and then so there is something to watch.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use athoc_sim::{generate_users, BackgroundSim, Sim, SimConfig};
use chrono::{Local, NaiveDateTime};
use engine::config::{Host, MemorySecretStore, Settings};

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot prepare the demo folder {}: {source}", path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the built-in AtHoc simulator: {0}")]
    Simulator(#[source] std::io::Error),
    #[error("the demo settings are invalid: {0}")]
    Settings(#[from] engine::config::LoadError),
}

const DUTY: &str = "On-Duty-DTG";
const USERS: usize = 40;

/// A running demo: the simulator and its site folder; dropping it stops the
/// simulator and deletes the folder.
pub struct Demo {
    /// The simulator, for tests and the curious.
    pub sim: BackgroundSim,
    dir: tempfile::TempDir,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(t) = self.ticker.take() {
            t.abort();
        }
    }
}

impl Demo {
    /// Starts the simulator, writes the site and a first export; returns
    /// the demo and its settings.
    pub fn start() -> Result<(Demo, Settings), DemoError> {
        let dir = tempfile::Builder::new()
            .prefix("bobosync-demo-")
            .tempdir()
            .map_err(|source| DemoError::Folder {
                path: std::env::temp_dir(),
                source,
            })?;
        let config = SimConfig::default();
        let sim = BackgroundSim::start(Sim::new(config.clone(), generate_users(USERS)))
            .map_err(DemoError::Simulator)?;
        let folder = |source| DemoError::Folder {
            path: dir.path().to_path_buf(),
            source,
        };
        let env_file = dir.path().join(".env");
        std::fs::write(&env_file, env_text(&sim.base_url, &config)).map_err(folder)?;
        for sub in ["drop", "processed", "failed", "logs"] {
            std::fs::create_dir_all(dir.path().join(sub)).map_err(folder)?;
        }
        write_sample_export(&dir.path().join("drop"), 1).map_err(folder)?;
        let host = Host {
            env: Box::new(HashMap::new()),
            secrets: Arc::new(MemorySecretStore::new()),
            home_dir: Some(dir.path().to_path_buf()),
            system_time_zone: Host::system()
                .system_time_zone
                .or_else(|| Some("UTC".to_owned())),
        };
        let settings = Settings::from_env_file(&env_file, &host)?;
        Ok((
            Demo {
                sim,
                dir,
                ticker: None,
            },
            settings,
        ))
    }

    /// Drops a fresh sample export every `every` (on the current runtime).
    pub fn keep_dropping(&mut self, every: Duration) {
        let drop = self.dir.path().join("drop");
        self.ticker = Some(tokio::spawn(async move {
            let mut cycle = 1;
            loop {
                tokio::time::sleep(every).await;
                cycle += 1;
                if let Err(e) = write_sample_export(&drop, cycle) {
                    tracing::warn!("demo: cannot write a sample export: {e}");
                }
            }
        }));
    }
}

fn env_text(base_url: &str, c: &SimConfig) -> String {
    format!(
        "# Written by the BoboSync tray app's demo for the built-in simulator.\n\
         ATHOC_SERVER_URL={base_url}\n\
         ORG_CODE={}\nCLIENT_ID={}\nCLIENT_SECRET={}\nAPIUSER={}\nPASSWORD={}\n\
         CSV_DIRECTORY=drop\nPROCESSED_DIRECTORY=processed\nFAILED_FILES_DIRECTORY=failed\n\
         LOG_DIRECTORY=logs\nDB_PATH=bobo_mapping.db\nMOVE_PROCESSED_FILES=true\n\
         DUTY_STATUS_FIELD={DUTY}\nCOLLAR_ID_FIELD=Collar-Number\nAUTO_CLEANUP_HOURS=24\n\
         FILE_SETTLE_SECONDS=0\n",
        c.org_code, c.client_id, c.client_secret, c.username, c.password
    )
}

/// A headerless 10-column export with fresh times (written under a
/// temporary name, then renamed, so it is never seen half-written).
fn write_sample_export(drop: &Path, cycle: u32) -> std::io::Result<()> {
    let now = Local::now().naive_local();
    let name = format!(
        "BOBO_{}_demo{cycle}_output.csv",
        now.format("%Y%m%d_%H%M%S")
    );
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
    let tmp = drop.join(format!(".{name}.part"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, drop.join(name))
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
