//! `bobosync import-legacy`: moving from the Python tool through the
//! engine's one import (`engine::legacy`), all or nothing. The `.env`
//! becomes the native settings file (no secrets in it), the secrets go to
//! the OS keyring (or stay in the service's environment), and the old
//! database is copied beside the new settings (the original stays
//! untouched, as a backup).

use std::path::Path;

use anyhow::Context as _;
use engine::config::{Host, KeyringStore, Locations};
use engine::legacy::{self, ImportError, ImportRequest, SecretsTarget};

use crate::exit;

pub fn import(
    env_file: &Path,
    db: Option<&Path>,
    config_out: Option<&Path>,
    force: bool,
    secrets_in_environment: bool,
) -> anyhow::Result<u8> {
    let host = Host::system();
    let locations = Locations::default_for_user()
        .context("no home folder, so no default location: pass --config-out")?;
    let keyring = KeyringStore::new();
    let request = ImportRequest {
        env_file: env_file.to_path_buf(),
        legacy_db: db.map(Path::to_path_buf),
        settings_file: config_out.map_or_else(|| locations.config_file.clone(), Path::to_path_buf),
        database: locations.db_path.clone(),
        force,
        secrets: if secrets_in_environment {
            SecretsTarget::Environment
        } else {
            SecretsTarget::Store(&keyring)
        },
        program: "bobosync import-legacy",
        now: chrono::Utc::now(),
    };
    let imported = match legacy::import(request, &host) {
        Ok(imported) => imported,
        Err(e) => {
            let code = match &e {
                ImportError::Settings(_) => exit::CONFIG,
                ImportError::Locked(engine::runtime::LockError::Held { .. }) => exit::LOCKED,
                _ => exit::FAILED,
            };
            eprintln!("error: {e}");
            return Ok(code);
        }
    };
    match &imported.database {
        Some((from, to)) => println!(
            "database: copied {} → {} (SQLite backup; the original is untouched)",
            from.display(),
            to.display()
        ),
        None => println!("database: none yet; a new one will be created"),
    }
    if imported.secrets_stored {
        println!("secrets: the password and client secret are in the OS keyring");
    } else {
        println!(
            "secrets: not stored; BoboSync reads them from BOBOSYNC_PASSWORD and BOBOSYNC_CLIENT_SECRET"
        );
    }
    println!(
        "settings: written to {} (no secrets in it)",
        imported.settings_file.display()
    );
    for warning in &imported.warnings {
        println!("warning: {warning}");
    }
    println!("Next: `bobosync check`, then `bobosync preview`, then `bobosync run`.");
    Ok(exit::OK)
}
