//! The machine the settings are read on, injected: environment variables
//! (through the [`Env`] trait, so tests hand in a map instead of touching
//! `std::env`), the secret store, the home folder and the system time zone.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::secrets::{KeyringStore, SecretStore};

/// A source of environment variables.
pub trait Env: Send + Sync {
    /// The variable's value, `None` when unset or not valid Unicode.
    fn var(&self, key: &str) -> Option<String>;
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

/// Everything outside the settings file that settings resolution looks at.
pub struct Host {
    /// Environment variables: `BOBOSYNC_*` secrets, and for a `.env` file
    /// the variables that override it (as python-dotenv does).
    pub env: Box<dyn Env>,
    /// Where secrets are looked up when neither the environment nor the file has them.
    pub secrets: Arc<dyn SecretStore>,
    /// The home folder (`~/.bobo_encryption_key`, `~/` in paths).
    pub home_dir: Option<PathBuf>,
    /// The system's IANA time zone name, the default for `TIME_ZONE`.
    pub system_time_zone: Option<String>,
}

impl Host {
    /// The real machine: process environment, OS keyring, home folder and
    /// system time zone.
    pub fn system() -> Host {
        Host {
            env: Box::new(ProcessEnv),
            secrets: Arc::new(KeyringStore::new()),
            home_dir: directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()),
            system_time_zone: iana_time_zone::get_timezone().ok(),
        }
    }

    /// A hermetic host: the given variables, secret store and home folder,
    /// system zone `UTC`.
    pub fn isolated(
        env: HashMap<String, String>,
        secrets: Arc<dyn SecretStore>,
        home_dir: PathBuf,
    ) -> Host {
        Host {
            env: Box::new(env),
            secrets,
            home_dir: Some(home_dir),
            system_time_zone: Some("UTC".to_owned()),
        }
    }
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Host")
            .field("home_dir", &self.home_dir)
            .field("system_time_zone", &self.system_time_zone)
            .finish_non_exhaustive()
    }
}
