//! `bobosync import-legacy`: moving from the Python tool. The `.env`
//! becomes the native settings file (no secrets in it), the secrets go to
//! the OS keyring, and the old database is copied beside the new settings
//! (the original stays untouched, as a backup).

use std::path::Path;

use anyhow::{bail, Context as _};
use engine::config::{Host, KeyringStore, Locations, Settings};
use engine::store::Store;

pub fn import(
    env_file: &Path,
    db: Option<&Path>,
    config_out: Option<&Path>,
    force: bool,
) -> anyhow::Result<()> {
    let host = Host::system();
    let mut settings = Settings::from_env_file(env_file, &host)?;
    let locations = Locations::default_for_user()
        .context("no home folder, so no default location: pass --config-out")?;
    let target = config_out.map_or_else(|| locations.config_file.clone(), Path::to_path_buf);
    if target.exists() && !force {
        bail!(
            "{} already exists; pass --force to replace it",
            target.display()
        );
    }

    // The database: copy it next to the native settings, then let the
    // migrations adopt the copy.
    let legacy_db = db.map_or_else(|| settings.paths.db_path.clone(), Path::to_path_buf);
    let new_db = locations.data_dir.join("bobosync.db");
    if legacy_db.exists() {
        if new_db.exists() && !force {
            bail!(
                "{} already exists; pass --force to replace it",
                new_db.display()
            );
        }
        if new_db.exists() {
            std::fs::remove_file(&new_db)
                .with_context(|| format!("cannot replace {}", new_db.display()))?;
        }
        std::fs::create_dir_all(&locations.data_dir)
            .with_context(|| format!("cannot create {}", locations.data_dir.display()))?;
        // SQLite's own backup keeps a consistent copy even if the Python
        // tool is writing at the moment.
        let source = rusqlite_backup(&legacy_db, &new_db)?;
        Store::open(&new_db).with_context(|| {
            format!("the copied database {} cannot be opened", new_db.display())
        })?;
        println!(
            "database: copied {} → {} ({source})",
            legacy_db.display(),
            new_db.display()
        );
        settings.paths.db_path = new_db;
    } else {
        println!(
            "database: {} does not exist; a new one will be created",
            legacy_db.display()
        );
    }

    settings.store_secrets(&KeyringStore::new()).context(
        "cannot store the password and client secret in the OS keyring; on a server without one, \
         set BOBOSYNC_PASSWORD and BOBOSYNC_CLIENT_SECRET in the service's environment instead",
    )?;
    println!("secrets: the password and client secret are in the OS keyring");

    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&target, settings.to_native_toml())
        .with_context(|| format!("cannot write {}", target.display()))?;
    println!(
        "settings: written to {} (no secrets in it)",
        target.display()
    );
    println!("Next: `bobosync check`, then `bobosync preview`, then `bobosync run`.");
    Ok(())
}

fn rusqlite_backup(from: &Path, to: &Path) -> anyhow::Result<&'static str> {
    Store::backup(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    Ok("SQLite backup")
}
