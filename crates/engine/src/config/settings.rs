//! The typed settings every other module reads, and the errors of turning
//! raw settings into them. Secrets are `SecretString`s, so `Debug` output of
//! [`Settings`] never shows them.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;

use crate::athoc::{ClientConfig, TlsVerification};
use crate::plan::MassChangeGuard;

/// All of BoboSync's settings, parsed once (see [`Settings::resolve`]).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How to reach and authenticate to AtHoc.
    pub athoc: ClientConfig,
    /// `ATHOC_DATE_FORMAT`: AtHoc's date-time pattern (default `dd/MM/yyyy HH:mm:ss`),
    /// kept as text; [`crate::time`] parses it.
    pub date_format: String,
    /// `TIME_ZONE`: the zone BOBO wall-clock times are in (default: the system's).
    pub time_zone: Tz,
    pub fields: Fields,
    pub paths: Paths,
    pub files: FileRules,
    pub mapping: MappingRules,
    pub cleanup: CleanupRules,
    pub logging: LogSettings,
    /// The continuous runtime (`bobosync run`, the tray).
    pub runtime: RuntimeRules,
    /// Things found while resolving that the operator should know (e.g. the
    /// system time zone was unknown and UTC is used). Part of [`Settings::warnings`].
    pub notices: Vec<String>,
    /// How a command names these settings (`--env-file PATH`,
    /// `--config PATH`, or nothing for the default file), so hints such as
    /// "run `bobosync sync-mappings`" work when pasted.
    pub settings_flag: String,
}

/// The AtHoc attributes BoboSync reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    /// `DUTY_STATUS_FIELD`: the only attribute BoboSync ever writes.
    pub duty_attribute: String,
    /// `COLLAR_ID_FIELD`: the attribute holding the BOBO employee ID.
    pub collar_attribute: String,
    /// `USER_ATTRIBUTES`: attributes fetched in the mapping sync.
    pub user_attributes: Vec<String>,
}

/// Files and folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `CSV_DIRECTORY`: where BOBO exports arrive.
    pub drop_dir: PathBuf,
    /// `PROCESSED_DIRECTORY`.
    pub processed_dir: PathBuf,
    /// `FAILED_FILES_DIRECTORY`.
    pub failed_dir: PathBuf,
    /// `DB_PATH`: the SQLite database.
    pub db_path: PathBuf,
    /// `LOG_DIRECTORY`.
    pub log_dir: PathBuf,
}

impl Paths {
    /// The defaults of a Python-tool `.env` file: beside the `.env` file.
    pub fn legacy_defaults(env_dir: &std::path::Path) -> Paths {
        Paths {
            drop_dir: env_dir.join("csv"),
            processed_dir: env_dir.join("processed"),
            failed_dir: env_dir.join("failed"),
            db_path: env_dir.join("bobo_mapping.db"),
            log_dir: env_dir.join("logs"),
        }
    }
}

/// How BOBO files are picked up and what happens to them after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRules {
    /// `MOVE_PROCESSED_FILES`: move finished files to the processed folder.
    pub move_processed: bool,
    /// `PROCESSED_FILES_PURGE_DAYS`: delete processed files older than this.
    pub processed_purge_days: u32,
    /// `BATCH_SIZE`: CSV files per batch.
    pub files_per_batch: usize,
    /// `FILE_SETTLE_SECONDS`: size and mtime must be unchanged this long.
    pub settle: Duration,
    /// `MAX_RETRY_ATTEMPTS`: failed cycles before a file moves to the failed folder.
    pub max_retry_attempts: u32,
    /// `MAX_FILE_MB` (in bytes here): a larger file goes to the failed
    /// folder unread.
    pub max_file_bytes: u64,
}

/// The user-mapping sync.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingRules {
    /// `SYNC_MAPPINGS`.
    pub enabled: bool,
    /// `SYNC_HOUR`: local hour (0–23) after which the daily sync runs.
    pub sync_hour: u32,
    /// `SYNC_RETRY_DAYS`: sync at once when the last success is older.
    pub retry_days: u32,
    /// `MAPPING_PURGE_GUARD_PERCENT` / `MAPPING_PURGE_GUARD_MIN`.
    pub purge_guard: MassChangeGuard,
}

/// Clearing stale duty values.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanupRules {
    /// `AUTO_CLEANUP_HOURS`.
    pub stale_after: chrono::Duration,
    /// `CLEANUP_GUARD_PERCENT` / `CLEANUP_GUARD_MIN`.
    pub guard: MassChangeGuard,
}

/// The continuous runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeRules {
    /// `RESCAN_SECONDS`: look at the drop folder this often even without
    /// change events (network shares, missed events).
    pub rescan: Duration,
    /// `NO_FILE_WARNING_MINUTES`: warn when no BOBO file arrives for this
    /// long during the active hours; `None` (0) switches the warning off.
    pub no_file_warning: Option<Duration>,
    /// `ACTIVE_HOURS`: local `HH:MM-HH:MM` during which files are expected
    /// (equal ends: all day; start after end: spans midnight).
    pub active_hours: (chrono::NaiveTime, chrono::NaiveTime),
}

/// Log files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// `LOG_LEVEL`.
    pub level: LogLevel,
    /// `LOG_DIRECTORY` (same as [`Paths::log_dir`]).
    pub dir: PathBuf,
    /// `LOG_PURGE_DAYS`: daily files kept.
    pub purge_days: u32,
}

/// `LOG_LEVEL`, with the Python tool's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warning,
    Error,
    /// Python's CRITICAL; logs errors only.
    Critical,
}

impl LogLevel {
    /// Parses DEBUG, INFO, WARNING/WARN, ERROR, CRITICAL, case-insensitively.
    pub fn parse(text: &str) -> Option<LogLevel> {
        match text.trim().to_ascii_uppercase().as_str() {
            "DEBUG" => Some(LogLevel::Debug),
            "INFO" => Some(LogLevel::Info),
            "WARNING" | "WARN" => Some(LogLevel::Warning),
            "ERROR" => Some(LogLevel::Error),
            "CRITICAL" => Some(LogLevel::Critical),
            _ => None,
        }
    }

    /// The name written to settings files.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
            LogLevel::Critical => "CRITICAL",
        }
    }

    /// The matching `tracing` level (CRITICAL → error).
    pub fn tracing_level(self) -> tracing::Level {
        match self {
            LogLevel::Debug => tracing::Level::DEBUG,
            LogLevel::Info => tracing::Level::INFO,
            LogLevel::Warning => tracing::Level::WARN,
            LogLevel::Error | LogLevel::Critical => tracing::Level::ERROR,
        }
    }
}

impl Settings {
    /// `bobosync <command>` with the flag that names these settings, as an
    /// operator can paste it.
    pub fn hint(&self, command: &str) -> String {
        if self.settings_flag.is_empty() {
            format!("bobosync {command}")
        } else {
            format!("bobosync {command} {}", self.settings_flag)
        }
    }

    /// One line saying what these settings point at — server, organization,
    /// drop folder, database, time zone — and never a secret (the server
    /// address is shown without any user name or password in it).
    pub fn summary(&self) -> String {
        let url = &self.athoc.base_url;
        let server = format!(
            "{}://{}{}{}",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.port().map(|p| format!(":{p}")).unwrap_or_default(),
            url.path().trim_end_matches('/')
        );
        format!(
            "AtHoc {server} (organization {}), drop folder {}, database {}, time zone {}",
            self.athoc.org_code,
            self.paths.drop_dir.display(),
            self.paths.db_path.display(),
            self.time_zone.name()
        )
    }

    /// Warnings to log on every start: certificate checks disabled, and the
    /// [`notices`](Settings::notices) found while resolving.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.athoc.tls.verification == TlsVerification::Disabled {
            out.push(
                "DISABLE_SSL_VERIFY=true: the AtHoc server's TLS certificate is NOT checked, so anyone on the \
                 network path can read the password and client secret. Use this only on a test system; to trust \
                 a private CA set SSL_CERT_PATH instead."
                    .to_owned(),
            );
        }
        out.extend(self.notices.iter().cloned());
        out
    }
}

/// One invalid or missing setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {problem}; expected {expected}")]
pub struct ConfigError {
    /// The key as the user wrote it (`ATHOC_SERVER_URL` or `athoc.server_url`).
    pub key: String,
    /// What is wrong.
    pub problem: String,
    /// What is expected instead.
    pub expected: String,
}

/// Every invalid or missing setting of one source, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// The keys named, in order.
    pub fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.key.as_str()).collect()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_levels_parse_python_names() {
        assert_eq!(LogLevel::parse("warning"), Some(LogLevel::Warning));
        assert_eq!(LogLevel::parse("WARN"), Some(LogLevel::Warning));
        assert_eq!(LogLevel::parse(" Critical "), Some(LogLevel::Critical));
        assert_eq!(LogLevel::Critical.tracing_level(), tracing::Level::ERROR);
        assert_eq!(LogLevel::parse("verbose"), None);
    }

    #[test]
    fn errors_display_one_per_line() {
        let errors = ConfigErrors(vec![
            ConfigError {
                key: "A".into(),
                problem: "is missing".into(),
                expected: "x".into(),
            },
            ConfigError {
                key: "B".into(),
                problem: "`q` is not a number".into(),
                expected: "1-9".into(),
            },
        ]);
        assert_eq!(
            errors.to_string(),
            "A: is missing; expected x\nB: `q` is not a number; expected 1-9"
        );
    }
}
