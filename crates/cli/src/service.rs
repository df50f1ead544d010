//! `bobosync service`: BoboSync unattended. On Windows a real service
//! (the `windows-service` crate; the service manager starts
//! `bobosync.exe service run …`); on Linux a systemd unit, user or system,
//! running `bobosync run …`. Either way the service runs the same engine
//! as `bobosync run`, with the settings file named at install time.
//!
//! Installing checks the settings first and records their full path, so a
//! service never starts on settings nobody looked at, and never depends on
//! the folder it was installed from.

#[cfg(target_os = "linux")]
mod systemd;
#[cfg(windows)]
mod windows;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use engine::config::Locations;

use crate::args::{ConfigArgs, ServiceAction};
use crate::exit;

/// The service's name: the Windows service and the systemd unit
/// (`bobosync.service`).
pub const NAME: &str = "bobosync";

/// Why a service action failed. Each kind tells the operator what to do.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No service manager this program can drive on this OS.
    #[cfg(not(any(target_os = "linux", windows)))]
    #[error(
        "services are supported on Windows and on Linux with systemd; on this system run \
         `bobosync run` from its own service manager (docs/operators-guide.md#service)"
    )]
    Unsupported,
    /// `start`, `stop` or `status` found no installed service.
    #[error("the BoboSync service is not installed; install it with `bobosync service install`")]
    NotInstalled,
    /// The service manager refused or failed an action.
    #[error("{action}: {detail}")]
    Manager { action: String, detail: String },
    /// A value cannot be written into the unit file.
    #[cfg(target_os = "linux")]
    #[error("{0}")]
    Unrepresentable(String),
    /// The command line lacks something this action needs.
    #[error("{0}")]
    Usage(String),
    /// Reading or writing the service definition failed.
    #[error("{what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What the service runs: this very program, with the settings file's full
/// path and the cycle interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub program: PathBuf,
    /// `--env-file` or `--config`.
    pub settings_flag: &'static str,
    pub settings: PathBuf,
    pub interval: u64,
}

impl Launch {
    /// The arguments after the program; `entry` is `run` (systemd) or
    /// `service run` (the Windows service manager).
    pub fn args(&self, entry: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = entry.iter().map(OsString::from).collect();
        args.push(self.settings_flag.into());
        args.push(self.settings.clone().into_os_string());
        args.push("--interval".into());
        args.push(self.interval.to_string().into());
        args
    }
}

pub async fn dispatch(action: ServiceAction) -> anyhow::Result<u8> {
    match action {
        ServiceAction::Install {
            config,
            scope,
            interval,
            account,
            print,
        } => {
            let launch = launch(&config, interval)?;
            platform::install(&launch, scope.system, account.as_deref(), print)?;
            Ok(exit::OK)
        }
        ServiceAction::Uninstall { scope } => {
            platform::uninstall(scope.system)?;
            Ok(exit::OK)
        }
        ServiceAction::Start { scope } => {
            platform::start(scope.system)?;
            Ok(exit::OK)
        }
        ServiceAction::Stop { scope } => {
            platform::stop(scope.system)?;
            Ok(exit::OK)
        }
        ServiceAction::Status { scope } => {
            let running = platform::status(scope.system)?;
            Ok(if running { exit::OK } else { exit::FAILED })
        }
        ServiceAction::Run { config, interval } => platform::run(config, interval).await,
    }
}

/// Checks the settings (an invalid file fails here with exit 3, before
/// anything is installed) and builds the service's command line.
fn launch(config: &ConfigArgs, interval: u64) -> anyhow::Result<Launch> {
    let settings = crate::load_settings(config)?;
    eprintln!("settings checked: {}", settings.summary());
    let (settings_flag, file) = match (&config.env_file, &config.config) {
        (Some(env), _) => ("--env-file", env.clone()),
        (None, Some(toml)) => ("--config", toml.clone()),
        (None, None) => (
            "--config",
            Locations::default_for_user()
                .map(|l| l.config_file)
                .ok_or(engine::config::LoadError::NoDefaultLocation)?,
        ),
    };
    let settings_path = full_path(&file)?;
    let program = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|source| ServiceError::Io {
            what: "cannot find this program's own file",
            path: PathBuf::from("bobosync"),
            source,
        })?;
    Ok(Launch {
        program,
        settings_flag,
        settings: settings_path,
        interval: interval.max(1),
    })
}

fn full_path(path: &Path) -> Result<PathBuf, ServiceError> {
    // The file exists (its settings just loaded); canonical, so a service
    // does not depend on the folder or the links it was installed through.
    let full = path.canonicalize().map_err(|source| ServiceError::Io {
        what: "cannot resolve the settings file",
        path: path.to_path_buf(),
        source,
    })?;
    #[cfg(windows)]
    let full = strip_verbatim(full);
    Ok(full)
}

/// `\\?\C:\x` → `C:\x`: what `canonicalize` returns on Windows, in the
/// form people and the service manager's display expect.
#[cfg(windows)]
fn strip_verbatim(path: PathBuf) -> PathBuf {
    let text = path.to_string_lossy();
    match text.strip_prefix(r"\\?\") {
        Some(rest) if !rest.starts_with("UNC\\") => PathBuf::from(rest),
        Some(rest) => PathBuf::from(format!(r"\\{}", &rest[4..])),
        None => path,
    }
}

#[cfg(target_os = "linux")]
use systemd as platform;
#[cfg(windows)]
use windows as platform;

#[cfg(not(any(target_os = "linux", windows)))]
mod platform {
    use super::{Launch, ServiceError};
    use crate::args::ConfigArgs;

    pub fn install(_: &Launch, _: bool, _: Option<&str>, _: bool) -> Result<(), ServiceError> {
        Err(ServiceError::Unsupported)
    }
    pub fn uninstall(_: bool) -> Result<(), ServiceError> {
        Err(ServiceError::Unsupported)
    }
    pub fn start(_: bool) -> Result<(), ServiceError> {
        Err(ServiceError::Unsupported)
    }
    pub fn stop(_: bool) -> Result<(), ServiceError> {
        Err(ServiceError::Unsupported)
    }
    pub fn status(_: bool) -> Result<bool, ServiceError> {
        Err(ServiceError::Unsupported)
    }
    pub async fn run(config: ConfigArgs, interval: u64) -> anyhow::Result<u8> {
        crate::run_until_signal(&config, interval).await
    }
}
