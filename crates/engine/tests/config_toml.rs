//! The native TOML settings file: writing it from a `.env` import, reading
//! it back, default locations, and secrets kept out of it.

use std::collections::HashMap;
use std::sync::Arc;

use engine::config::{ConfigSource, Host, LoadError, Locations, MemorySecretStore, Settings};
use secrecy::ExposeSecret;

const ENV: &str = "\
ATHOC_SERVER_URL=https://athoc.example.org
ORG_CODE=ORG1
CLIENT_ID=bobo-app
CLIENT_SECRET=the-client-secret
APIUSER=svc.bobo
PASSWORD=the-password
SCOPE=openid athoc.iws.web.api
CSV_DIRECTORY=in
HTTPS_PROXY=http://proxy.example:3128
TIME_ZONE=Europe/London
FILE_SETTLE_SECONDS=0.25
MAPPING_PURGE_GUARD_PERCENT=12.5
CLEANUP_GUARD_MIN=7
LOG_LEVEL=debug
";

fn host(store: &Arc<MemorySecretStore>, home: &std::path::Path) -> Host {
    Host::isolated(HashMap::new(), store.clone(), home.to_path_buf())
}

#[test]
fn import_round_trip_keeps_settings_and_moves_secrets_to_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let env_path = dir.path().join(".env");
    std::fs::write(&env_path, ENV).unwrap();
    let store = Arc::new(MemorySecretStore::new());
    let host = host(&store, dir.path());
    let imported = Settings::from_env_file(&env_path, &host).unwrap();

    let toml = imported.to_native_toml();
    assert!(
        !toml.contains("the-password") && !toml.contains("the-client-secret"),
        "{toml}"
    );
    imported.store_secrets(store.as_ref()).unwrap();

    let locations = Locations::under(&dir.path().join("config"), &dir.path().join("data"));
    std::fs::create_dir_all(locations.config_file.parent().unwrap()).unwrap();
    std::fs::write(&locations.config_file, &toml).unwrap();
    let reloaded = Settings::load(&ConfigSource::Default, &host, &locations).unwrap();

    assert_eq!(reloaded.to_native_toml(), toml);
    assert_eq!(
        reloaded.athoc.credentials.password.expose_secret(),
        "the-password"
    );
    assert_eq!(
        reloaded.athoc.credentials.client_secret.expose_secret(),
        "the-client-secret"
    );
    assert_eq!(reloaded.paths, imported.paths);
    assert_eq!(reloaded.paths.drop_dir, dir.path().join("in"));
    assert_eq!(reloaded.files, imported.files);
    assert_eq!(reloaded.mapping, imported.mapping);
    assert_eq!(reloaded.cleanup, imported.cleanup);
    assert_eq!(reloaded.logging, imported.logging);
    assert_eq!(reloaded.fields, imported.fields);
    assert_eq!(reloaded.time_zone, imported.time_zone);
    assert_eq!(reloaded.athoc.proxy, imported.athoc.proxy);
    assert_eq!(reloaded.athoc.credentials.scope, "openid athoc.iws.web.api");
}

#[test]
fn unset_paths_default_to_the_locations_and_relative_ones_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemorySecretStore::new());
    let locations = Locations::under(&dir.path().join("cfg"), &dir.path().join("data"));
    let path = dir.path().join("mine.toml");
    std::fs::write(
        &path,
        "[athoc]\nserver_url = \"http://localhost:9000\"\norg_code = \"O\"\nclient_id = \"c\"\nusername = \"u\"\n\
         [paths]\ndrop_dir = \"incoming\"\n",
    )
    .unwrap();
    let mut env = HashMap::new();
    env.insert("BOBOSYNC_PASSWORD".to_owned(), "p".to_owned());
    env.insert("BOBOSYNC_CLIENT_SECRET".to_owned(), "s".to_owned());
    let host = Host::isolated(env, store, dir.path().to_path_buf());
    let s = Settings::load(&ConfigSource::Toml(path), &host, &locations).unwrap();
    assert_eq!(s.paths.drop_dir, dir.path().join("incoming"));
    assert_eq!(s.paths.db_path, dir.path().join("data").join("bobosync.db"));
    assert_eq!(s.paths.log_dir, locations.log_dir);
    assert_eq!(s.paths.processed_dir, locations.processed_dir);
}

#[test]
fn secrets_in_the_file_and_other_problems_are_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemorySecretStore::new());
    let path = dir.path().join("settings.toml");
    std::fs::write(
        &path,
        "[athoc]\nserver_url = \"http://athoc.example.org\"\npassword = \"hunter2\"\n[mapping]\nsync_hour = 30\n",
    )
    .unwrap();
    let locations = Locations::under(dir.path(), dir.path());
    let err = Settings::from_toml_file(&path, &host(&store, dir.path()), &locations).unwrap_err();
    let LoadError::Invalid { errors, .. } = &err else {
        panic!("{err:?}")
    };
    let keys = errors.keys();
    for key in [
        "athoc.password",
        "athoc.server_url",
        "mapping.sync_hour",
        "athoc.org_code",
        "PASSWORD",
    ] {
        assert!(keys.contains(&key), "{key} not in {keys:?}");
    }
    let shown = err.to_string();
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("keyring"), "{shown}");
}

#[test]
fn no_settings_file_at_the_default_location_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemorySecretStore::new());
    let locations = Locations::under(&dir.path().join("cfg"), &dir.path().join("data"));
    let err = Settings::load(
        &ConfigSource::Default,
        &host(&store, dir.path()),
        &locations,
    )
    .unwrap_err();
    assert!(matches!(err, LoadError::NoSettingsFile { .. }));
    assert!(err.to_string().contains("import-legacy"));
}

/// The settings window's values (`section.name` → text) written back give
/// the very file `to_native_toml` writes: every setting's value kind in the
/// key catalog matches its writer, and no secret appears.
#[test]
fn the_windows_values_write_the_same_typed_file() {
    let dir = tempfile::tempdir().unwrap();
    let env_path = dir.path().join(".env");
    std::fs::write(&env_path, ENV).unwrap();
    let store = Arc::new(MemorySecretStore::new());
    let settings = Settings::from_env_file(&env_path, &host(&store, dir.path())).unwrap();
    let written = settings.to_native_toml();

    let values = engine::config::toml_to_values(&written);
    // Every setting but the three unset optional ones (CA file, http proxy, no-proxy list).
    let known: Vec<String> = engine::config::native_setting_keys()
        .map(|k| format!("{}.{}", k.section, k.name))
        .collect();
    assert!(values.keys().all(|k| known.contains(k)), "{values:?}");
    assert_eq!(values.len(), known.len() - 3, "{values:?}");
    let (again, errors) = engine::config::values_to_toml(&values);
    assert!(errors.is_empty(), "{errors:?}");
    let table = |text: &str| text.parse::<toml::Table>().unwrap();
    assert_eq!(table(&again), table(&written));
    assert!(!again.contains("the-password") && !again.contains("the-client-secret"));
}
