//! Moving from the Python tool, all or nothing: its `.env` becomes the
//! native settings file (no secrets in it), its secrets go to the OS
//! keyring (or stay in the service's environment), its database is copied
//! beside the new settings (the original stays untouched, as a backup).
//! The one import: `bobosync import-legacy` and the tray both call
//! [`import`].
//!
//! Order: everything is prepared beside its destination first (the database
//! copied to a temporary file and opened, the settings written to a
//! temporary file), under the engine lock of the destination database; then
//! the secrets are stored, and the two files renamed into place. A failure
//! at any step undoes the steps before it: the previous secrets come back,
//! temporary files go, and a replaced file returns. Files replaced with
//! `force` are kept beside the new ones (`….before-import-<time>`).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::config::{Host, LoadError, SecretName, SecretStore, SecretStoreError, Settings};
use crate::runtime::{acquire_lock, LockError};
use crate::store::{Store, StoreError};

/// Where the secrets go.
pub enum SecretsTarget<'a> {
    /// The OS keyring (or another store).
    Store(&'a dyn SecretStore),
    /// Nowhere: the service's environment supplies `BOBOSYNC_PASSWORD` and
    /// `BOBOSYNC_CLIENT_SECRET` (servers without a keyring).
    Environment,
}

/// What to import, and where to.
pub struct ImportRequest<'a> {
    /// The Python tool's `.env`.
    pub env_file: PathBuf,
    /// Its database; `None`: `DB_PATH` of the `.env`. A missing file is not
    /// an error: a new database is created on first use.
    pub legacy_db: Option<PathBuf>,
    /// The native settings file to write.
    pub settings_file: PathBuf,
    /// The database to create (`<data dir>/bobosync.db`).
    pub database: PathBuf,
    /// Replace an existing settings file and database (both are kept beside
    /// the new ones).
    pub force: bool,
    pub secrets: SecretsTarget<'a>,
    /// Names the importer in the engine lock (`import-legacy`, the tray).
    pub program: &'a str,
    pub now: DateTime<Utc>,
}

/// What the import did.
#[derive(Debug)]
pub struct Imported {
    /// The settings as written (secrets included, in memory only).
    pub settings: Settings,
    pub settings_file: PathBuf,
    /// The database copied from the Python tool, and where to; `None` when
    /// it had none yet.
    pub database: Option<(PathBuf, PathBuf)>,
    /// Whether the secrets went to the store (false: environment).
    pub secrets_stored: bool,
    /// Things worth saying (files kept as backups, environment variables
    /// still to set, settings warnings).
    pub warnings: Vec<String>,
}

/// Why the import did not happen; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Settings(#[from] LoadError),
    #[error("{} already exists; pass --force to replace it (it is kept as a backup)", .0.display())]
    Exists(PathBuf),
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error("the database {} cannot be copied or opened: {source}", path.display())]
    Database {
        path: PathBuf,
        #[source]
        source: Box<StoreError>,
    },
    #[error(
        "cannot store the password and client secret in the OS keyring ({0}); nothing was imported. \
         On a server without one, import with the secrets kept in the environment \
         (`--secrets-in-environment`) and set BOBOSYNC_PASSWORD and BOBOSYNC_CLIENT_SECRET for the service"
    )]
    Keyring(#[from] SecretStoreError),
    #[error("cannot {what} {}: {source}; nothing was imported", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A file that existed and was moved aside, to put back on failure.
struct Aside {
    from: PathBuf,
    to: PathBuf,
}

/// Undo steps, run in reverse on failure.
#[derive(Default)]
struct Undo {
    remove: Vec<PathBuf>,
    put_back: Vec<Aside>,
    secrets: Vec<(SecretName, Option<SecretString>)>,
}

impl Undo {
    fn run(self, store: Option<&dyn SecretStore>) {
        for path in self.remove.iter().rev() {
            let _ = std::fs::remove_file(path);
        }
        for aside in self.put_back.iter().rev() {
            let _ = std::fs::rename(&aside.to, &aside.from);
        }
        if let Some(store) = store {
            for (name, previous) in self.secrets.iter().rev() {
                let _ = match previous {
                    Some(value) => store.set(name, value),
                    None => store.delete(name),
                };
            }
        }
    }
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ImportError {
    let path = path.to_owned();
    move |source| ImportError::Io { what, path, source }
}

/// `name` with `suffix` appended (`bobosync.db` → `bobosync.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// The temporary file beside `path` the import prepares it in.
fn temporary(path: &Path) -> PathBuf {
    with_suffix(path, &format!(".import-{}.tmp", std::process::id()))
}

/// Imports the Python tool's `.env` and database. All or nothing: on error,
/// nothing is changed.
pub fn import(request: ImportRequest<'_>, host: &Host) -> Result<Imported, ImportError> {
    let mut settings = Settings::from_env_file(&request.env_file, host)?;
    for target in [&request.settings_file, &request.database] {
        if target.exists() && !request.force {
            return Err(ImportError::Exists(target.clone()));
        }
    }
    let store = match request.secrets {
        SecretsTarget::Store(store) => Some(store),
        SecretsTarget::Environment => None,
    };
    let mut undo = Undo::default();
    match prepare_and_commit(&request, store, &mut settings, &mut undo) {
        Ok((database, mut warnings)) => {
            if store.is_none() {
                for var in ["BOBOSYNC_PASSWORD", "BOBOSYNC_CLIENT_SECRET"] {
                    if host.env.var(var).is_none() {
                        warnings.push(format!(
                            "{var} is not set in this environment: set it for the service (or the account) that runs BoboSync"
                        ));
                    }
                }
            }
            warnings.extend(settings.warnings());
            Ok(Imported {
                settings,
                settings_file: request.settings_file,
                database,
                secrets_stored: store.is_some(),
                warnings,
            })
        }
        Err(e) => {
            undo.run(store);
            Err(e)
        }
    }
}

type Committed = (Option<(PathBuf, PathBuf)>, Vec<String>);

fn prepare_and_commit(
    request: &ImportRequest<'_>,
    store: Option<&dyn SecretStore>,
    settings: &mut Settings,
    undo: &mut Undo,
) -> Result<Committed, ImportError> {
    let mut warnings = Vec::new();
    let database = &request.database;
    let data_dir = database.parent().unwrap_or(Path::new("."));
    crate::config::create_private_dir_all(data_dir).map_err(io("create", data_dir))?;
    // No engine may use the destination database meanwhile (the tray stops
    // its own first).
    let _lock = acquire_lock(database, request.program, request.now)?;

    // The database: a consistent copy (SQLite's own, even while the Python
    // tool writes), migrated and checked, in a temporary file.
    let legacy_db = request
        .legacy_db
        .clone()
        .unwrap_or_else(|| settings.paths.db_path.clone());
    let copied = if legacy_db.exists() {
        let temp = temporary(database);
        let _ = std::fs::remove_file(&temp);
        undo.remove.push(temp.clone());
        Store::backup(&legacy_db, &temp).map_err(|source| ImportError::Database {
            path: legacy_db.clone(),
            source: Box::new(source),
        })?;
        drop(Store::open(&temp).map_err(|source| ImportError::Database {
            path: legacy_db.clone(),
            source: Box::new(source),
        })?);
        for suffix in ["-wal", "-shm"] {
            undo.remove.push(with_suffix(&temp, suffix));
        }
        settings.paths.db_path = database.clone();
        Some((legacy_db, temp))
    } else {
        warnings.push(format!(
            "{} does not exist; a new database will be created",
            legacy_db.display()
        ));
        None
    };

    // The settings file, in a temporary file beside it.
    let settings_dir = request.settings_file.parent().unwrap_or(Path::new("."));
    crate::config::create_private_dir_all(settings_dir).map_err(io("create", settings_dir))?;
    let settings_temp = temporary(&request.settings_file);
    undo.remove.push(settings_temp.clone());
    crate::config::write_private_file(&settings_temp, settings.to_native_toml().as_bytes())
        .map_err(io("write", &settings_temp))?;

    // The secrets, remembering what was there before.
    if let Some(store) = store {
        let names = settings.secret_names();
        let c = &settings.athoc.credentials;
        for (name, value) in [
            (names.client_secret, &c.client_secret),
            (names.password, &c.password),
        ] {
            let previous = store.get(&name)?;
            store.set(&name, value)?;
            undo.secrets.push((name, previous));
        }
    }

    // Commit: replaced files aside, the new ones into place.
    let stamp = request.now.format("%Y%m%d%H%M%S");
    if let Some((_, temp)) = &copied {
        for suffix in ["", "-wal", "-shm"] {
            let existing = with_suffix(database, suffix);
            if existing.exists() {
                let aside = with_suffix(&existing, &format!(".before-import-{stamp}"));
                std::fs::rename(&existing, &aside).map_err(io("move aside", &existing))?;
                if suffix.is_empty() {
                    warnings.push(format!(
                        "the database that was at {} is kept as {}",
                        existing.display(),
                        aside.display()
                    ));
                }
                undo.put_back.push(Aside {
                    from: existing,
                    to: aside,
                });
            }
        }
        std::fs::rename(temp, database).map_err(io("move into place", database))?;
        undo.remove.push(database.clone());
    }
    let settings_file = &request.settings_file;
    if settings_file.exists() {
        let aside = with_suffix(settings_file, &format!(".before-import-{stamp}"));
        std::fs::rename(settings_file, &aside).map_err(io("move aside", settings_file))?;
        warnings.push(format!(
            "the settings file that was at {} is kept as {}",
            settings_file.display(),
            aside.display()
        ));
        undo.put_back.push(Aside {
            from: settings_file.clone(),
            to: aside,
        });
    }
    std::fs::rename(&settings_temp, settings_file).map_err(io("move into place", settings_file))?;
    Ok((copied.map(|(from, _)| (from, database.clone())), warnings))
}

#[cfg(test)]
mod tests;
