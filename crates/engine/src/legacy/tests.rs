use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use secrecy::ExposeSecret;
use tempfile::TempDir;

use super::*;
use crate::config::MemorySecretStore;

const ENV: &str = "\
ATHOC_SERVER_URL=https://athoc.example.org
ORG_CODE=ORG1
CLIENT_ID=bobo-app
CLIENT_SECRET=file-client-secret
APIUSER=svc.bobo
PASSWORD=file-password
DB_PATH=bobo_mapping.db
";

/// A Python tool's site (`old/.env`, `old/bobo_mapping.db`) and where the
/// import writes (`new/config/settings.toml`, `new/data/bobosync.db`).
struct Site {
    dir: TempDir,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let old = dir.path().join("old");
        std::fs::create_dir_all(&old).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(dir.path().join("home")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(old.join(".env"), ENV).unwrap_or_else(|e| panic!("{e}"));
        let mut legacy =
            Store::open(&old.join("bobo_mapping.db")).unwrap_or_else(|e| panic!("{e}"));
        legacy
            .set_state("from", "the python tool")
            .unwrap_or_else(|e| panic!("{e}"));
        Site { dir }
    }

    fn settings_file(&self) -> PathBuf {
        self.dir.path().join("new/config/settings.toml")
    }

    fn database(&self) -> PathBuf {
        self.dir.path().join("new/data/bobosync.db")
    }

    fn host(&self, env: &[(&str, &str)]) -> Host {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Host::isolated(
            env,
            Arc::new(MemorySecretStore::new()),
            self.dir.path().join("home"),
        )
    }

    fn import(&self, secrets: SecretsTarget<'_>, force: bool) -> Result<Imported, ImportError> {
        import(
            ImportRequest {
                env_file: self.dir.path().join("old/.env"),
                legacy_db: None,
                settings_file: self.settings_file(),
                database: self.database(),
                force,
                secrets,
                program: "test",
                now: Utc::now(),
            },
            &self.host(&[]),
        )
    }

    /// Every file under `new/`, by name.
    fn new_files(&self) -> Vec<String> {
        let mut names = Vec::new();
        for dir in ["new/config", "new/data"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.path().join(dir)) {
                names.extend(
                    entries
                        .flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned()),
                );
            }
        }
        names.sort();
        names
    }
}

fn secret(store: &dyn SecretStore, name: &SecretName) -> Option<String> {
    store
        .get(name)
        .ok()
        .flatten()
        .map(|s| s.expose_secret().to_owned())
}

fn password() -> SecretName {
    SecretName::password(&example_binding(), "ORG1", "svc.bobo")
}

fn client_secret() -> SecretName {
    SecretName::client_secret(&example_binding(), "ORG1", "bobo-app")
}

#[test]
fn an_import_writes_settings_database_and_secrets_and_leaves_nothing_else() {
    let site = Site::new();
    let store = MemorySecretStore::new();
    let imported = site
        .import(SecretsTarget::Store(&store), false)
        .unwrap_or_else(|e| panic!("import: {e}"));
    assert!(imported.secrets_stored);
    assert_eq!(imported.settings.paths.db_path, site.database());
    assert_eq!(
        secret(&store, &password()).as_deref(),
        Some("file-password")
    );
    assert_eq!(
        secret(&store, &client_secret()).as_deref(),
        Some("file-client-secret")
    );
    let toml = std::fs::read_to_string(site.settings_file()).unwrap_or_default();
    assert!(toml.contains("athoc.example.org") && !toml.contains("file-password"));
    let copied = Store::open(&site.database()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        copied.get_state("from").ok().flatten().as_deref(),
        Some("the python tool")
    );
    drop(copied);
    let files = site.new_files();
    assert!(
        files
            .iter()
            .all(|f| !f.contains(".tmp") && !f.contains("before-import")),
        "{files:?}"
    );
}

#[test]
fn a_keyring_failure_leaves_nothing_behind_and_a_rerun_works() {
    // Item 10: the database was copied, the keyring failed, and the rerun said
    // "already exists; pass --force".
    let site = Site::new();
    let broken = MemorySecretStore::unavailable();
    let failed = site.import(SecretsTarget::Store(&broken), false);
    assert!(matches!(failed, Err(ImportError::Keyring(_))), "{failed:?}");
    let left: Vec<String> = site
        .new_files()
        .into_iter()
        .filter(|f| !f.ends_with(".lock") && !f.ends_with(".lock-holder"))
        .collect();
    assert!(left.is_empty(), "a failed import left {left:?}");
    assert!(!site.settings_file().exists() && !site.database().exists());

    let store = MemorySecretStore::new();
    let rerun = site.import(SecretsTarget::Store(&store), false);
    assert!(rerun.is_ok(), "{rerun:?}");
}

/// A store whose `fail_at`-th `set` fails (the keyring going away mid-import).
struct FailingStore {
    inner: MemorySecretStore,
    sets: Mutex<usize>,
    fail_at: usize,
}

impl SecretStore for FailingStore {
    fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretStoreError> {
        self.inner.get(name)
    }
    fn set(&self, name: &SecretName, value: &SecretString) -> Result<(), SecretStoreError> {
        let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
        *sets += 1;
        if *sets == self.fail_at {
            return MemorySecretStore::unavailable().set(name, value);
        }
        self.inner.set(name, value)
    }
    fn delete(&self, name: &SecretName) -> Result<(), SecretStoreError> {
        self.inner.delete(name)
    }
}

#[test]
fn a_failure_after_the_first_secret_puts_the_previous_secrets_back() {
    let site = Site::new();
    let store = FailingStore {
        inner: MemorySecretStore::new(),
        sets: Mutex::new(0),
        fail_at: 3,
    };
    store
        .set(&client_secret(), &SecretString::from("older-secret"))
        .unwrap_or_else(|e| panic!("{e}"));
    let failed = site.import(SecretsTarget::Store(&store), false);
    assert!(matches!(failed, Err(ImportError::Keyring(_))), "{failed:?}");
    assert_eq!(
        secret(&store, &client_secret()).as_deref(),
        Some("older-secret"),
        "the secret stored before the import is back"
    );
    assert_eq!(secret(&store, &password()), None);
    assert!(!site.settings_file().exists() && !site.database().exists());
}

#[test]
fn existing_files_need_force_and_are_kept_beside_the_new_ones() {
    let site = Site::new();
    let store = MemorySecretStore::new();
    site.import(SecretsTarget::Store(&store), false)
        .unwrap_or_else(|e| panic!("first import: {e}"));
    let before = std::fs::read_to_string(site.settings_file()).unwrap_or_default();

    let again = site.import(SecretsTarget::Store(&store), false);
    assert!(
        matches!(&again, Err(ImportError::Exists(p)) if *p == site.settings_file()),
        "{again:?}"
    );

    let forced = site
        .import(SecretsTarget::Store(&store), true)
        .unwrap_or_else(|e| panic!("forced import: {e}"));
    let kept: Vec<String> = site
        .new_files()
        .into_iter()
        .filter(|f| f.contains(".before-import-"))
        .collect();
    assert_eq!(kept.len(), 2, "settings and database kept: {kept:?}");
    assert!(kept
        .iter()
        .any(|f| f.starts_with("settings.toml.before-import-")));
    assert!(kept
        .iter()
        .any(|f| f.starts_with("bobosync.db.before-import-")));
    assert_eq!(
        forced
            .warnings
            .iter()
            .filter(|w| w.contains("is kept as"))
            .count(),
        2
    );
    assert!(before.contains("athoc.example.org"));
}

#[test]
fn a_running_engine_on_the_destination_blocks_the_import() {
    let site = Site::new();
    std::fs::create_dir_all(site.dir.path().join("new/data")).unwrap_or_else(|e| panic!("{e}"));
    let _engine = acquire_lock(&site.database(), "the tray app", Utc::now())
        .unwrap_or_else(|e| panic!("lock: {e}"));
    let store = MemorySecretStore::new();
    let blocked = site.import(SecretsTarget::Store(&store), false);
    assert!(
        matches!(blocked, Err(ImportError::Locked(_))),
        "{blocked:?}"
    );
    assert_eq!(secret(&store, &password()), None);
    assert!(!site.settings_file().exists() && !site.database().exists());
}

#[test]
fn secrets_can_stay_in_the_environment() {
    let site = Site::new();
    let imported = site
        .import(SecretsTarget::Environment, false)
        .unwrap_or_else(|e| panic!("import: {e}"));
    assert!(!imported.secrets_stored);
    assert!(
        imported
            .warnings
            .iter()
            .any(|w| w.contains("BOBOSYNC_PASSWORD is not set")),
        "{:?}",
        imported.warnings
    );
    // The settings load with the secrets from the environment.
    let host = site.host(&[
        ("BOBOSYNC_PASSWORD", "env-password"),
        ("BOBOSYNC_CLIENT_SECRET", "env-secret"),
    ]);
    let locations = crate::config::Locations::under(
        &site.dir.path().join("new/config"),
        &site.dir.path().join("new/data"),
    );
    let loaded = Settings::load(
        &crate::config::ConfigSource::Toml(site.settings_file()),
        &host,
        &locations,
    )
    .unwrap_or_else(|e| panic!("load: {e}"));
    assert_eq!(
        loaded.athoc.credentials.password.expose_secret(),
        "env-password"
    );
}

#[cfg(unix)]
#[test]
fn the_folders_and_the_settings_file_it_creates_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let site = Site::new();
    let store = MemorySecretStore::new();
    site.import(SecretsTarget::Store(&store), false)
        .unwrap_or_else(|e| panic!("import: {e}"));
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    };
    assert_eq!(mode(&site.dir.path().join("new/config")), 0o700);
    assert_eq!(mode(&site.dir.path().join("new/data")), 0o700);
    assert_eq!(mode(&site.settings_file()), 0o600);
}

/// The secrets' binding for `https://athoc.example.org`, direct and verified.
fn example_binding() -> crate::config::SecretBinding {
    crate::config::SecretBinding::new(
        &url::Url::parse("https://athoc.example.org").unwrap(),
        &Default::default(),
        &Default::default(),
    )
}
