//! Demo mode: the built-in AtHoc simulator (in-process, the demo
//! organization) and the throw-away demo site (`athoc_sim::demo`: a `.env`
//! pointing at it, its folders, sample exports), so the whole app runs
//! without settings or a real AtHoc. New sample BOBO exports are dropped
//! now and then so there is something to watch.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use athoc_sim::demo::{self, DemoSite};
use athoc_sim::{BackgroundSim, SimConfig};
use engine::config::{Host, MemorySecretStore, Settings};

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Site(#[from] demo::DemoError),
    #[error("cannot start the built-in AtHoc simulator: {0}")]
    Simulator(#[source] std::io::Error),
    #[error("the demo settings are invalid: {0}")]
    Settings(#[from] engine::config::LoadError),
}

/// A running demo: the simulator and its site folder; dropping it stops the
/// sample exports and the simulator and deletes the folder.
pub struct Demo {
    ticker: Option<tokio::task::JoinHandle<()>>,
    /// The simulator, for tests and the curious.
    pub sim: BackgroundSim,
    // Dropped last: nothing writes into the folder once it goes.
    site: DemoSite,
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
        let site = DemoSite::create()?;
        let config = SimConfig::default();
        let sim =
            BackgroundSim::start(demo::organization(&config)).map_err(DemoError::Simulator)?;
        let zone = Host::system()
            .system_time_zone
            .unwrap_or_else(|| "UTC".to_owned());
        let env_file = site.write_env(
            &sim.base_url,
            &config,
            "the BoboSync tray app's demo",
            &zone,
        )?;
        site.write_sample_export(1)?;
        let host = Host::isolated(
            HashMap::new(),
            Arc::new(MemorySecretStore::new()),
            site.path().to_path_buf(),
        );
        let settings = Settings::from_env_file(&env_file, &host)?;
        Ok((
            Demo {
                ticker: None,
                sim,
                site,
            },
            settings,
        ))
    }

    /// Drops a fresh sample export every `every` (on the current runtime).
    pub fn keep_dropping(&mut self, every: Duration) {
        let drop = self.site.drop_dir();
        self.ticker = Some(tokio::spawn(async move {
            let mut cycle = 1;
            loop {
                tokio::time::sleep(every).await;
                cycle += 1;
                if let Err(e) = demo::write_sample_export(&drop, cycle) {
                    tracing::warn!("demo: {e}");
                }
            }
        }));
    }
}
