//! The throw-away site of the runtime bench binaries (`latency`, `idle`,
//! `once_memory`): `bobosync_testkit`'s site with the bench's settings,
//! its settings loaded hermetically, and the release `bobosync` binary.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use athoc_sim::BackgroundSim;
pub use bobosync_testkit::{bobo_row, Site, SiteError, DUTY};
use engine::config::{Host, MemorySecretStore, Settings};

/// The bench's settings over the test site's: quiet logs, no stale cleanup
/// within a run, BOBO's usual zone, a 2 s settle window.
pub const BENCH_ENV: [(&str, &str); 4] = [
    ("LOG_LEVEL", "WARNING"),
    ("AUTO_CLEANUP_HOURS", "8760"),
    ("TIME_ZONE", "Europe/London"),
    ("FILE_SETTLE_SECONDS", "2"),
];

/// Why a bench site could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BenchSiteError {
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error("the bench site's settings: {0}")]
    Settings(String),
}

/// A site whose `.env` points at `server`, with [`BENCH_ENV`] and then
/// `extra` over the defaults. Several sites may share one simulator.
pub fn bench_site(server: &BackgroundSim, extra: &[(&str, &str)]) -> Result<Site, BenchSiteError> {
    let site = Site::for_server(&server.base_url, &server.sim)?;
    let mut env: Vec<(&str, &str)> = BENCH_ENV.to_vec();
    env.extend_from_slice(extra);
    site.write_env(&env)?;
    Ok(site)
}

/// The site's settings, read without the process environment or keyring.
pub fn settings(site: &Site) -> Result<Settings, BenchSiteError> {
    let host = Host::isolated(
        HashMap::new(),
        Arc::new(MemorySecretStore::new()),
        site.path("home"),
    );
    Settings::from_env_file(&site.env_path(), &host)
        .map_err(|e| BenchSiteError::Settings(e.to_string()))
}

/// The `bobosync` beside this bench binary (`BOBOSYNC_BIN` overrides).
pub fn bobosync_bin() -> PathBuf {
    bobosync_testkit::built_binary("bobosync", "BOBOSYNC_BIN")
}

/// Percentile `p` (0–100) of sorted `values` (nearest rank).
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
