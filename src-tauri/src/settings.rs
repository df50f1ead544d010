//! The settings page's backend: raw `section.name` → text values as the UI
//! holds them, turned into the native TOML file and validated by the
//! engine's own resolver (so its messages reach the operator), the secrets
//! written to the OS keyring, and the Python tool's `.env` imported.
//! Invariant: no secret is ever returned, logged or written to a file here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use engine::config::{
    ConfigError, Host, Locations, MemorySecretStore, SecretNames, SecretStore, Settings,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Raw settings, keyed `section.name` (the engine's codec reads and writes them).
pub type SettingsValues = engine::config::SettingValues;

/// One invalid setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConfigErrorDto {
    pub key: String,
    pub problem: String,
    pub expected: String,
}

impl From<&ConfigError> for ConfigErrorDto {
    fn from(e: &ConfigError) -> Self {
        ConfigErrorDto {
            key: e.key.clone(),
            problem: e.problem.clone(),
            expected: e.expected.clone(),
        }
    }
}

/// Whether each secret is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SecretsStatus {
    pub password_stored: bool,
    pub client_secret_stored: bool,
}

impl SecretsStatus {
    /// Neither secret stored.
    pub const NONE: SecretsStatus = SecretsStatus {
        password_stored: false,
        client_secret_stored: false,
    };
}

/// `store_secrets` arguments: the settings being edited (the secrets are
/// bound to their server, organization, client, user, proxy and TLS
/// settings) and the secrets to write; a missing secret is left as it is.
#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct StoreSecretsRequest {
    #[ts(type = "SettingsValues")]
    pub values: SettingsValues,
    #[ts(optional, type = "string")]
    pub password: Option<SecretString>,
    #[ts(optional, type = "string")]
    pub client_secret: Option<SecretString>,
}

impl std::fmt::Debug for StoreSecretsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSecretsRequest")
            .field("values", &self.values.len())
            .finish_non_exhaustive()
    }
}

/// The keyring names of the secrets for `values`: bound to its server and
/// route ([`engine::config::SecretBinding`]), so that secrets stored for one
/// server are never looked up for a server, proxy or TLS setting the window
/// changed to.
pub fn secret_names(
    values: &SettingsValues,
    locations: &Locations,
) -> Result<SecretNames, Vec<ConfigErrorDto>> {
    engine::config::secret_names_of_values(values, locations, &validation_host())
        .map_err(|errors| errors.iter().map(ConfigErrorDto::from).collect())
}

/// Whether `store` holds each secret for `values` (neither, while the
/// server, organization, client or user is not set yet).
pub fn secrets_status(
    store: &dyn SecretStore,
    values: &SettingsValues,
    locations: &Locations,
) -> Result<SecretsStatus, ApiError> {
    let Ok(names) = secret_names(values, locations) else {
        return Ok(SecretsStatus::NONE);
    };
    Ok(SecretsStatus {
        password_stored: store.get(&names.password)?.is_some(),
        client_secret_stored: store.get(&names.client_secret)?.is_some(),
    })
}

/// `InvalidSettings` naming each problem (for commands that are not a save).
pub fn invalid(errors: &[ConfigErrorDto]) -> ApiError {
    let problems: Vec<String> = errors
        .iter()
        .map(|e| format!("{} {}", e.key, e.problem))
        .collect();
    ApiError::InvalidSettings(format!("fix these settings first: {}", problems.join("; ")))
}

/// The proxy settings, whose URLs may hold a password.
const PROXY_KEYS: [&str; 2] = ["athoc.http_proxy", "athoc.https_proxy"];

/// What the window is shown instead of a proxy password.
const MASK: &str = "********";

/// `url` with its password replaced by [`MASK`], when it has one.
fn masked(url: &str) -> Option<String> {
    let mut parsed = url::Url::parse(url.trim()).ok()?;
    parsed.password()?;
    parsed.set_password(Some(MASK)).ok()?;
    Some(parsed.to_string())
}

/// Values as the window may see them: proxy passwords masked.
pub fn mask_proxies(mut values: SettingsValues) -> SettingsValues {
    for key in PROXY_KEYS {
        if let Some(value) = values.get_mut(key) {
            if let Some(shown) = masked(value) {
                *value = shown;
            } else if url::Url::parse(value.trim()).is_err() && value.contains('@') {
                // Not a URL, but it may still hold a password: not shown.
                value.clear();
            }
        }
    }
    values
}

/// Values from the window with each masked proxy password put back from
/// `saved`, only when everything else of that proxy URL is unchanged: a
/// password is never sent to another proxy than the one it was entered for.
pub fn unmask_proxies(
    mut values: SettingsValues,
    saved: &SettingsValues,
) -> Result<SettingsValues, Vec<ConfigErrorDto>> {
    let mut errors = Vec::new();
    for key in PROXY_KEYS {
        let Some(value) = values.get_mut(key) else {
            continue;
        };
        let shows_mask = url::Url::parse(value.trim())
            .ok()
            .is_some_and(|u| u.password() == Some(MASK));
        if !shows_mask {
            continue;
        }
        match saved.get(key) {
            Some(original) if masked(original).as_deref() == Some(value.trim()) => {
                value.clone_from(original);
            }
            _ => errors.push(ConfigErrorDto {
                key: key.to_owned(),
                problem: "holds the hidden proxy password, but the proxy changed".to_owned(),
                expected: "the proxy password typed again (it is only kept for the proxy it was \
                           entered with)"
                    .to_owned(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// Writes the given secrets for the server and route of `request.values`
/// (an empty one deletes the entry), then reports what is stored.
pub fn store_secrets(
    store: &dyn SecretStore,
    request: &StoreSecretsRequest,
    locations: &Locations,
) -> Result<SecretsStatus, ApiError> {
    use secrecy::ExposeSecret as _;
    // Kept for one server, organization, client and user: those first.
    let names = secret_names(&request.values, locations).map_err(|e| invalid(&e))?;
    for (name, value) in [
        (&names.password, &request.password),
        (&names.client_secret, &request.client_secret),
    ] {
        match value {
            Some(v) if v.expose_secret().is_empty() => store.delete(name)?,
            Some(v) => store.set(name, v)?,
            None => {}
        }
    }
    secrets_status(store, &request.values, locations)
}

/// Raw values → settings-file TOML (the engine's codec: typed by the key
/// catalog, blank values left out, secrets refused), with the values that
/// cannot be written.
pub fn values_to_toml(values: &SettingsValues) -> (String, Vec<ConfigErrorDto>) {
    let (text, errors) = engine::config::values_to_toml(values);
    (text, errors.iter().map(ConfigErrorDto::from).collect())
}

/// Settings-file TOML → raw values (`section.name` → text).
pub fn toml_to_values(text: &str) -> SettingsValues {
    engine::config::toml_to_values(text)
}

/// A host for validating unsaved values: the real machine, but the secrets
/// are taken as present (they are checked by Test connection, not here).
fn validation_host() -> Host {
    let system = Host::system();
    let env: HashMap<String, String> =
        [("BOBOSYNC_CLIENT_SECRET", "x"), ("BOBOSYNC_PASSWORD", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
    Host {
        env: Box::new(env),
        secrets: Arc::new(MemorySecretStore::new()),
        home_dir: system.home_dir,
        system_time_zone: system.system_time_zone,
    }
}

/// Parses and resolves `values` with the engine's rules, as the settings
/// file at `locations.config_file` would be. Every problem at once.
pub fn resolve(
    values: &SettingsValues,
    locations: &Locations,
    host: &Host,
) -> Result<Settings, Vec<ConfigErrorDto>> {
    engine::config::resolve_values(values, locations, host)
        .map_err(|errors| errors.iter().map(ConfigErrorDto::from).collect())
}

/// Every problem of `values`, secrets aside: the engine's, and the window's
/// own rules for folders (full paths, no system folder, creatable).
pub fn validate(values: &SettingsValues, locations: &Locations) -> Vec<ConfigErrorDto> {
    let mut errors = resolve(values, locations, &validation_host())
        .err()
        .unwrap_or_default();
    errors.extend(crate::files::folder_problems(values, false));
    errors
}

/// Validates `values` and, when valid, writes them to the settings file.
pub fn save(
    values: &SettingsValues,
    locations: &Locations,
) -> Result<Vec<ConfigErrorDto>, ApiError> {
    let mut errors = validate(values, locations);
    if errors.is_empty() {
        // Only now: it writes (and removes) a file in each folder.
        errors = crate::files::folder_problems(values, true);
    }
    if !errors.is_empty() {
        return Ok(errors);
    }
    let (text, _) = values_to_toml(values);
    write_settings_file(&locations.config_file, &text)?;
    Ok(Vec::new())
}

/// Writes the settings file (creating its folder), with a header.
pub fn write_settings_file(path: &Path, body: &str) -> Result<(), ApiError> {
    let io = |e: std::io::Error| {
        ApiError::Io(format!(
            "cannot write the settings file {}: {e}",
            path.display()
        ))
    };
    if let Some(parent) = path.parent() {
        engine::config::create_private_dir_all(parent).map_err(io)?;
    }
    let text = if body.starts_with('#') {
        body.to_owned()
    } else {
        format!(
            "# BoboSync settings, written by the tray app (see docs/configuration.md).\n\
             # The password and client secret are in the OS keyring, never here.\n\n{body}"
        )
    };
    engine::config::write_private_file(path, text.as_bytes()).map_err(io)
}

/// The saved values (empty when there is no settings file).
pub fn read_saved(locations: &Locations) -> SettingsValues {
    std::fs::read_to_string(&locations.config_file)
        .map(|text| toml_to_values(&text))
        .unwrap_or_default()
}

/// What `import_legacy` imports: files the operator chose in the OS dialogs.
#[derive(Debug, Clone)]
pub struct ImportLegacyRequest {
    pub env_file: PathBuf,
    pub db_file: Option<PathBuf>,
}

/// `import_legacy` result.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportResultDto {
    /// The `.env` file chosen.
    pub env_file: String,
    pub imported: bool,
    #[ts(type = "SettingsValues")]
    pub values: SettingsValues,
    pub secrets: SecretsStatus,
    pub database_copied: bool,
    pub errors: Vec<ConfigErrorDto>,
    pub warnings: Vec<String>,
}

/// Imports the Python tool's `.env` (and database) through the engine's one
/// import, like `bobosync import-legacy --force`: all or nothing; files it
/// replaces are kept beside the new ones. The caller stops its own engine
/// first (the import takes the destination database's engine lock).
pub fn import_legacy(
    request: &ImportLegacyRequest,
    locations: &Locations,
    store: &dyn SecretStore,
) -> Result<ImportResultDto, ApiError> {
    use engine::legacy::{ImportError, ImportRequest, SecretsTarget};
    let host = Host::system();
    let imported = engine::legacy::import(
        ImportRequest {
            env_file: request.env_file.clone(),
            legacy_db: request.db_file.clone(),
            settings_file: locations.config_file.clone(),
            database: locations.db_path.clone(),
            force: true,
            secrets: SecretsTarget::Store(store),
            program: "the BoboSync tray app (importing)",
            now: chrono::Utc::now(),
        },
        &host,
    );
    let imported = match imported {
        Ok(imported) => imported,
        Err(ImportError::Settings(engine::config::LoadError::Invalid { errors, .. })) => {
            return Ok(ImportResultDto {
                env_file: request.env_file.display().to_string(),
                imported: false,
                values: mask_proxies(read_saved(locations)),
                secrets: SecretsStatus::NONE,
                database_copied: false,
                errors: errors.0.iter().map(ConfigErrorDto::from).collect(),
                warnings: Vec::new(),
            })
        }
        Err(ImportError::Keyring(e)) => return Err(e.into()),
        Err(ImportError::Locked(e)) => return Err(ApiError::Busy(e.to_string())),
        Err(e) => return Err(ApiError::ImportFailed(e.to_string())),
    };
    let values = read_saved(locations);
    Ok(ImportResultDto {
        env_file: request.env_file.display().to_string(),
        imported: true,
        secrets: secrets_status(store, &values, locations)?,
        values: mask_proxies(values),
        database_copied: imported.database.is_some(),
        errors: Vec::new(),
        warnings: imported.warnings,
    })
}

/// Raw values from `(key, value)` pairs (tests).
#[cfg(test)]
pub(crate) fn values_of(pairs: &[(&str, &str)]) -> SettingsValues {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::values_of as values;

    #[test]
    fn values_round_trip_through_toml_and_blank_means_default() {
        let v = values(&[
            ("athoc.server_url", "https://athoc.example"),
            ("athoc.page_size", "500"),
            ("athoc.scope", "  "),
            ("fields.user_attributes", "A,B"),
        ]);
        let (text, errors) = values_to_toml(&v);
        assert!(errors.is_empty());
        let back = toml_to_values(&text);
        assert_eq!(back.get("athoc.page_size").map(String::as_str), Some("500"));
        assert_eq!(
            back.get("fields.user_attributes").map(String::as_str),
            Some("A,B")
        );
        assert!(!back.contains_key("athoc.scope"));
    }

    #[test]
    fn the_engine_reports_every_bad_key_by_its_toml_name() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Locations::under(&dir.path().join("c"), &dir.path().join("d"));
        let errors = validate(
            &values(&[("athoc.server_url", "ftp://x"), ("athoc.page_size", "lots")]),
            &loc,
        );
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        for key in [
            "athoc.server_url",
            "athoc.page_size",
            "athoc.org_code",
            "athoc.client_id",
        ] {
            assert!(keys.contains(&key), "{key} not in {keys:?}");
        }
        assert!(
            !keys
                .iter()
                .any(|k| k.contains("PASSWORD") || k.contains("SECRET")),
            "{keys:?}"
        );
    }

    #[test]
    fn secrets_are_stored_replaced_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Locations::under(&dir.path().join("c"), &dir.path().join("d"));
        let store = MemorySecretStore::new();
        let server = values(&[
            ("athoc.server_url", "https://athoc.example"),
            ("athoc.org_code", "O"),
            ("athoc.client_id", "c"),
            ("athoc.username", "u"),
        ]);
        let req = |pw: Option<&str>, cs: Option<&str>| StoreSecretsRequest {
            values: server.clone(),
            password: pw.map(|p| SecretString::from(p.to_owned())),
            client_secret: cs.map(|p| SecretString::from(p.to_owned())),
        };
        let s = store_secrets(&store, &req(Some("pw"), None), &loc).unwrap();
        assert_eq!((s.password_stored, s.client_secret_stored), (true, false));
        let s = store_secrets(&store, &req(None, Some("cs")), &loc).unwrap();
        assert_eq!((s.password_stored, s.client_secret_stored), (true, true));
        let s = store_secrets(&store, &req(Some(""), None), &loc).unwrap();
        assert_eq!((s.password_stored, s.client_secret_stored), (false, true));
        assert!(!format!("{:?}", req(Some("hunter2"), None)).contains("hunter2"));

        // Another server, proxy or TLS setting: nothing is stored for it.
        for (key, changed) in [
            ("athoc.server_url", "https://athoc.example.evil"),
            ("athoc.https_proxy", "http://proxy.evil:3128"),
            ("athoc.disable_ssl_verify", "true"),
        ] {
            let mut other = server.clone();
            other.insert(key.to_owned(), changed.to_owned());
            assert_eq!(
                secrets_status(&store, &other, &loc).unwrap(),
                SecretsStatus::NONE,
                "{key}"
            );
        }
        // Without a server there is nothing to bind the secrets to.
        let mut unbound = req(Some("pw"), None);
        unbound.values.remove("athoc.server_url");
        let refused = store_secrets(&store, &unbound, &loc);
        assert!(
            matches!(&refused, Err(ApiError::InvalidSettings(m)) if m.contains("athoc.server_url")),
            "{refused:?}"
        );
    }

    #[test]
    fn proxy_passwords_are_masked_for_the_window_and_kept_only_for_their_proxy() {
        let saved = values(&[
            ("athoc.https_proxy", "http://svc:hunter2@proxy.example:3128"),
            ("athoc.http_proxy", "http://proxy.example:3128"),
        ]);
        let shown = mask_proxies(saved.clone());
        assert_eq!(
            shown.get("athoc.https_proxy").map(String::as_str),
            Some("http://svc:********@proxy.example:3128/")
        );
        assert_eq!(shown.get("athoc.http_proxy"), saved.get("athoc.http_proxy"));
        assert!(!format!("{shown:?}").contains("hunter2"));

        // Sent back unchanged: the saved password is put back.
        let back = unmask_proxies(shown.clone(), &saved).unwrap();
        assert_eq!(
            back.get("athoc.https_proxy"),
            saved.get("athoc.https_proxy")
        );
        // The window points the mask at another proxy: refused, named.
        let mut moved = shown.clone();
        moved.insert(
            "athoc.https_proxy".into(),
            "http://svc:********@proxy.evil:3128/".into(),
        );
        let errors = unmask_proxies(moved, &saved).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].key, "athoc.https_proxy");
        // A new password typed in: taken as it is.
        let mut typed = shown;
        typed.insert(
            "athoc.https_proxy".into(),
            "http://svc:new@proxy.example:3128".into(),
        );
        assert_eq!(
            unmask_proxies(typed, &saved)
                .unwrap()
                .get("athoc.https_proxy")
                .map(String::as_str),
            Some("http://svc:new@proxy.example:3128")
        );
    }

    #[test]
    fn import_is_all_or_nothing_and_keeps_what_it_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let loc = Locations::under(&dir.path().join("c"), &dir.path().join("d"));
        let env = dir.path().join(".env");
        std::fs::write(
            &env,
            "ATHOC_SERVER_URL=https://athoc.example\nORG_CODE=O\nCLIENT_ID=c\nCLIENT_SECRET=cs\n\
             APIUSER=u\nPASSWORD=pw\nDB_PATH=legacy.db\n",
        )
        .unwrap();
        engine::store::Store::open(&dir.path().join("legacy.db")).unwrap();
        let request = ImportLegacyRequest {
            env_file: env.clone(),
            db_file: None,
        };

        // The keyring fails: nothing is written, the error has its kind.
        let failed = import_legacy(&request, &loc, &MemorySecretStore::unavailable());
        assert!(
            matches!(failed, Err(ApiError::KeyringUnavailable(_))),
            "{failed:?}"
        );
        assert!(!loc.config_file.exists() && !loc.db_path.exists());

        let store = MemorySecretStore::new();
        let done = import_legacy(&request, &loc, &store).unwrap();
        assert!(done.imported && done.database_copied);
        assert_eq!(
            (
                done.secrets.password_stored,
                done.secrets.client_secret_stored
            ),
            (true, true)
        );
        assert_eq!(
            done.values.get("athoc.server_url").map(String::as_str),
            Some("https://athoc.example/")
        );
        // Again: the files it replaces are kept and named.
        let again = import_legacy(&request, &loc, &store).unwrap();
        assert_eq!(
            again
                .warnings
                .iter()
                .filter(|w| w.contains("is kept as"))
                .count(),
            2,
            "{:?}",
            again.warnings
        );
    }
}
