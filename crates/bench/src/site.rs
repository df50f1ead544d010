//! A throw-away BoboSync site for the runtime bench binaries (`latency`,
//! `idle`): a `.env` wired to a simulator, its drop/processed/failed/log
//! folders, settings loaded hermetically, BOBO rows, and the release
//! `bobosync` binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use athoc_sim::SimConfig;
use engine::config::{Host, MemorySecretStore, Settings};

/// The duty attribute the site writes.
pub const DUTY: &str = "On-Duty-DTG";

/// Why a site could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("cannot create the bench site in {dir}: {source}")]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the bench site's settings: {0}")]
    Settings(String),
}

/// A temporary site.
pub struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    /// A site whose `.env` points at `base_url` with `config`'s credentials;
    /// `extra` keys override the defaults.
    pub fn new(
        base_url: &str,
        config: &SimConfig,
        extra: &[(&str, &str)],
    ) -> Result<Site, SiteError> {
        let dir = tempfile::Builder::new()
            .prefix("bobosync-bench-")
            .tempdir()
            .map_err(|source| SiteError::Io {
                dir: std::env::temp_dir(),
                source,
            })?;
        let root = dir.path().to_path_buf();
        let io = |source| SiteError::Io {
            dir: root.clone(),
            source,
        };
        for sub in ["drop", "processed", "failed", "logs", "home"] {
            std::fs::create_dir_all(root.join(sub)).map_err(io)?;
        }
        let mut pairs: Vec<(String, String)> = [
            ("ATHOC_SERVER_URL", base_url),
            ("CLIENT_ID", &config.client_id),
            ("CLIENT_SECRET", &config.client_secret),
            ("APIUSER", &config.username),
            ("PASSWORD", &config.password),
            ("ORG_CODE", &config.org_code),
            ("LOG_LEVEL", "WARNING"),
            ("LOG_DIRECTORY", "logs"),
            ("CSV_DIRECTORY", "drop"),
            ("PROCESSED_DIRECTORY", "processed"),
            ("FAILED_FILES_DIRECTORY", "failed"),
            ("DB_PATH", "bobo_mapping.db"),
            ("DUTY_STATUS_FIELD", DUTY),
            ("COLLAR_ID_FIELD", "Collar-Number"),
            ("AUTO_CLEANUP_HOURS", "8760"),
            ("TIME_ZONE", "Europe/London"),
            ("FILE_SETTLE_SECONDS", "2"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        for (k, v) in extra {
            match pairs.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = (*v).to_owned(),
                None => pairs.push(((*k).to_owned(), (*v).to_owned())),
            }
        }
        let text: String = pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        std::fs::write(root.join(".env"), text).map_err(io)?;
        Ok(Site { dir })
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn env_path(&self) -> PathBuf {
        self.root().join(".env")
    }

    pub fn drop_dir(&self) -> PathBuf {
        self.root().join("drop")
    }

    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// The site's settings, read without the process environment or keyring.
    pub fn settings(&self) -> Result<Settings, SiteError> {
        let host = Host::isolated(
            HashMap::new(),
            Arc::new(MemorySecretStore::new()),
            self.home(),
        );
        Settings::from_env_file(&self.env_path(), &host)
            .map_err(|e| SiteError::Settings(e.to_string()))
    }
}

/// A headerless BOBO row for `collar` at `stamp` (`YYYYMMDDHHMMSS`).
pub fn bobo_row(kind: &str, collar: &str, stamp: &str) -> String {
    let (date, time) = stamp.split_at(8.min(stamp.len()));
    format!("{kind},{collar},5{collar},{date},{time},{stamp},1,54.89,-2.93,5.0\n")
}

/// The release `bobosync` beside this bench binary (`BOBOSYNC_BIN` overrides).
pub fn bobosync_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("BOBOSYNC_BIN") {
        return PathBuf::from(bin);
    }
    let name = format!("bobosync{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&name)))
        .unwrap_or_else(|| PathBuf::from(name))
}

/// Percentile `p` (0–100) of sorted `values` (nearest rank).
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
