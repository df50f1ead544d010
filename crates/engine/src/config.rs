//! Configuration: the native TOML settings file, the Python tool's `.env`
//! file, secrets (environment, `.env`, OS keyring) and default locations,
//! all parsed once into typed [`Settings`].
//!
//! Every source is first read into [`RawSettings`] (canonical `.env` key →
//! text), then [`Settings::resolve`] parses it, reporting every invalid or
//! missing value together. Invariant: secrets never reach the settings file,
//! a `Debug` output or an error message.

mod env_file;
mod host;
mod keys;
mod legacy_crypto;
mod native;
mod paths;
mod raw;
mod resolve;
mod secrets;
mod settings;
mod values;

use std::path::{Path, PathBuf};

pub use env_file::{parse_env_text, read_env_file};
pub use host::{Env, Host, ProcessEnv};
pub use keys::{native_setting_keys, NativeSettingKey, ValueKind};
pub use legacy_crypto::{LegacyCryptoError, DEFAULT_KEY_FILE, ENCRYPTED_PREFIX};
pub use native::{parse_toml_text, read_toml_file};
pub use paths::{create_private_dir_all, write_private_file, Locations};
pub use raw::{KeyStyle, Origin, RawSettings, RawValue};
pub use resolve::{defaults, ResolveContext};
pub use secrets::{
    KeyringStore, MemorySecretStore, SecretBinding, SecretKind, SecretName, SecretNames,
    SecretStore, SecretStoreError, KEYRING_SERVICE,
};
pub use settings::{
    CleanupRules, ConfigError, ConfigErrors, Fields, FileRules, LogLevel, LogSettings,
    MappingRules, Paths, Settings,
};
pub use values::{
    resolve_values, secret_names_of_values, toml_to_values, values_to_toml, SettingValues,
};

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read the settings file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid `.env` / TOML (line 0: unknown line). The
    /// message never quotes the line, which may hold a secret.
    #[error("{}, line {line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// No file was given and there is none at the default location.
    #[error(
        "no settings file at {}; create it with `bobosync import-legacy --env-file PATH` or the tray app, \
         or pass --env-file / --config",
        path.display()
    )]
    NoSettingsFile { path: PathBuf },
    /// The OS reports no home folder, so there are no default locations.
    #[error(
        "the default settings location is unknown (no home folder); pass --env-file or --config"
    )]
    NoDefaultLocation,
    /// Values are missing or invalid: all of them, one per line.
    #[error("invalid settings in {}:\n{errors}", path.display())]
    Invalid { path: PathBuf, errors: ConfigErrors },
}

/// Where to load settings from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A Python-tool `.env` file.
    EnvFile(PathBuf),
    /// A native TOML settings file.
    Toml(PathBuf),
    /// The native settings file at the default location ([`Locations::config_file`]).
    Default,
}

impl Settings {
    /// Loads settings from `source`. `locations` gives the default paths of
    /// a TOML file and the default file itself.
    pub fn load(
        source: &ConfigSource,
        host: &Host,
        locations: &Locations,
    ) -> Result<Settings, LoadError> {
        let (mut settings, flag) = match source {
            ConfigSource::EnvFile(path) => (
                Self::from_env_file(path, host)?,
                format!("--env-file {}", shell_quote(&absolute(path))),
            ),
            ConfigSource::Toml(path) => (
                Self::from_toml_file(path, host, locations)?,
                format!("--config {}", shell_quote(&absolute(path))),
            ),
            ConfigSource::Default => (Self::load_default(host, locations)?, String::new()),
        };
        settings.settings_flag = flag;
        Ok(settings)
    }

    /// Loads a Python-tool `.env` file: relative paths and unset path keys
    /// resolve against the file's folder ([`Paths::legacy_defaults`]).
    pub fn from_env_file(path: &Path, host: &Host) -> Result<Settings, LoadError> {
        let path = absolute(path);
        let raw = read_env_file(&path, host.env.as_ref())?;
        let base = parent(&path);
        let defaults = Paths::legacy_defaults(&base);
        let ctx = ResolveContext {
            base_dir: &base,
            default_paths: &defaults,
            host,
        };
        Settings::resolve(&raw, &ctx).map_err(|errors| LoadError::Invalid { path, errors })
    }

    /// Loads a native TOML settings file: relative paths resolve against
    /// its folder; unset paths default to `locations`.
    pub fn from_toml_file(
        path: &Path,
        host: &Host,
        locations: &Locations,
    ) -> Result<Settings, LoadError> {
        let path = absolute(path);
        let (raw, mut errors) = read_toml_file(&path)?;
        let base = parent(&path);
        let defaults = locations.paths();
        let ctx = ResolveContext {
            base_dir: &base,
            default_paths: &defaults,
            host,
        };
        match Settings::resolve(&raw, &ctx) {
            Ok(settings) if errors.is_empty() => Ok(settings),
            Ok(_) => Err(LoadError::Invalid {
                path,
                errors: ConfigErrors(errors),
            }),
            Err(ConfigErrors(more)) => {
                errors.extend(more);
                Err(LoadError::Invalid {
                    path,
                    errors: ConfigErrors(errors),
                })
            }
        }
    }

    /// Loads the native settings file at [`Locations::config_file`].
    pub fn load_default(host: &Host, locations: &Locations) -> Result<Settings, LoadError> {
        if !locations.config_file.exists() {
            return Err(LoadError::NoSettingsFile {
                path: locations.config_file.clone(),
            });
        }
        Self::from_toml_file(&locations.config_file, host, locations)
    }

    /// The keyring names of the client secret and the password, bound to
    /// this server and route ([`SecretBinding`]).
    pub fn secret_names(&self) -> SecretNames {
        let a = &self.athoc;
        let c = &a.credentials;
        let binding = SecretBinding::new(&a.base_url, &a.proxy, &a.tls);
        SecretNames {
            client_secret: SecretName::client_secret(&binding, &a.org_code, &c.client_id),
            password: SecretName::password(&binding, &a.org_code, &c.username),
        }
    }

    /// Stores the client secret and password in `store` under
    /// [`Settings::secret_names`] (used by `import-legacy`).
    pub fn store_secrets(&self, store: &dyn SecretStore) -> Result<(), SecretStoreError> {
        let names = self.secret_names();
        let c = &self.athoc.credentials;
        store.set(&names.client_secret, &c.client_secret)?;
        store.set(&names.password, &c.password)
    }
}

/// A path as it can be pasted into a shell (or `cmd.exe`): double-quoted
/// when it holds a space or a character a shell would interpret.
fn shell_quote(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/\\:._-+=@,".contains(c))
    {
        text
    } else {
        format!("\"{text}\"")
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn parent(path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}
