//! The settings page's backend: raw `section.name` → text values as the UI
//! holds them, turned into the native TOML file and validated by the
//! engine's own resolver (so its messages reach the operator), the secrets
//! written to the OS keyring, and the Python tool's `.env` imported.
//! Invariant: no secret is ever returned, logged or written to a file here.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use engine::config::{
    parse_toml_text, ConfigError, Host, Locations, MemorySecretStore, ResolveContext, SecretName,
    SecretStore, Settings,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Raw settings, keyed `section.name`.
pub type SettingsValues = BTreeMap<String, String>;

/// One invalid setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsStatus {
    pub password_stored: bool,
    pub client_secret_stored: bool,
}

/// Who the secrets belong to.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretOwner {
    pub org_code: String,
    pub client_id: String,
    pub username: String,
}

/// `store_secrets` arguments; a missing secret is left as it is.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreSecretsRequest {
    #[serde(flatten)]
    pub owner: SecretOwner,
    pub password: Option<SecretString>,
    pub client_secret: Option<SecretString>,
}

impl std::fmt::Debug for StoreSecretsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSecretsRequest")
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// The secrets' keyring names for `owner`.
fn names(owner: &SecretOwner) -> (SecretName, SecretName) {
    (
        SecretName::password(&owner.org_code, &owner.username),
        SecretName::client_secret(&owner.org_code, &owner.client_id),
    )
}

/// Whether `store` holds each secret of `owner`.
pub fn secrets_status(
    store: &dyn SecretStore,
    owner: &SecretOwner,
) -> Result<SecretsStatus, ApiError> {
    let (password, client_secret) = names(owner);
    Ok(SecretsStatus {
        password_stored: store.get(&password)?.is_some(),
        client_secret_stored: store.get(&client_secret)?.is_some(),
    })
}

/// Writes the given secrets (an empty one deletes the entry), then reports
/// what is stored.
pub fn store_secrets(
    store: &dyn SecretStore,
    request: &StoreSecretsRequest,
) -> Result<SecretsStatus, ApiError> {
    use secrecy::ExposeSecret as _;
    let (password, client_secret) = names(&request.owner);
    for (name, value) in [
        (&password, &request.password),
        (&client_secret, &request.client_secret),
    ] {
        match value {
            Some(v) if v.expose_secret().is_empty() => store.delete(name)?,
            Some(v) => store.set(name, v)?,
            None => {}
        }
    }
    secrets_status(store, &request.owner)
}

/// The owner named by raw values (`athoc.org_code`, …), when all are set.
pub fn owner_of(values: &SettingsValues) -> Option<SecretOwner> {
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Some(SecretOwner {
        org_code: get("athoc.org_code")?,
        client_id: get("athoc.client_id")?,
        username: get("athoc.username")?,
    })
}

/// Raw values → TOML text (blank values left out: "use the default").
/// A key that is not `section.name` is reported, not written.
pub fn values_to_toml(values: &SettingsValues) -> (String, Vec<ConfigErrorDto>) {
    let mut root = toml::Table::new();
    let mut errors = Vec::new();
    for (key, text) in values {
        if text.trim().is_empty() {
            continue;
        }
        let Some((section, name)) = key.split_once('.') else {
            errors.push(ConfigErrorDto {
                key: key.clone(),
                problem: "is not a setting name".to_owned(),
                expected: "a name such as athoc.server_url".to_owned(),
            });
            continue;
        };
        let table = root
            .entry(section.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(t) = table {
            t.insert(name.to_owned(), toml::Value::String(text.trim().to_owned()));
        }
    }
    (root.to_string(), errors)
}

/// TOML text → raw values (`section.name` → text).
pub fn toml_to_values(text: &str) -> SettingsValues {
    let mut values = SettingsValues::new();
    let Ok(root) = text.parse::<toml::Table>() else {
        return values;
    };
    for (section, table) in &root {
        let toml::Value::Table(table) = table else {
            continue;
        };
        for (name, value) in table {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            values.insert(format!("{section}.{name}"), text);
        }
    }
    values
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
    let (text, mut errors) = values_to_toml(values);
    let (raw, found) = match parse_toml_text(&text, &locations.config_file) {
        Ok(parsed) => parsed,
        Err(e) => {
            errors.push(ConfigErrorDto {
                key: "settings".to_owned(),
                problem: e.to_string(),
                expected: "valid settings".to_owned(),
            });
            return Err(errors);
        }
    };
    errors.extend(found.iter().map(ConfigErrorDto::from));
    let base = locations
        .config_file
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let defaults = locations.paths();
    let ctx = ResolveContext {
        base_dir: &base,
        default_paths: &defaults,
        host,
    };
    match Settings::resolve(&raw, &ctx) {
        Ok(settings) if errors.is_empty() => Ok(settings),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more.0.iter().map(ConfigErrorDto::from));
            Err(errors)
        }
    }
}

/// Every problem of `values`, secrets aside.
pub fn validate(values: &SettingsValues, locations: &Locations) -> Vec<ConfigErrorDto> {
    resolve(values, locations, &validation_host())
        .err()
        .unwrap_or_default()
}

/// Validates `values` and, when valid, writes them to the settings file.
pub fn save(
    values: &SettingsValues,
    locations: &Locations,
) -> Result<Vec<ConfigErrorDto>, ApiError> {
    let errors = validate(values, locations);
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

/// `import_legacy` arguments.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportLegacyRequest {
    pub env_file: String,
    pub db_file: Option<String>,
}

/// `import_legacy` result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportResultDto {
    pub imported: bool,
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
            env_file: Path::new(&request.env_file).to_path_buf(),
            legacy_db: request
                .db_file
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(Into::into),
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
                imported: false,
                values: read_saved(locations),
                secrets: SecretsStatus {
                    password_stored: false,
                    client_secret_stored: false,
                },
                database_copied: false,
                errors: errors.0.iter().map(ConfigErrorDto::from).collect(),
                warnings: Vec::new(),
            })
        }
        Err(ImportError::Keyring(e)) => return Err(e.into()),
        Err(ImportError::Locked(e)) => return Err(ApiError::Busy(e.to_string())),
        Err(e) => return Err(ApiError::ImportFailed(e.to_string())),
    };
    let settings = &imported.settings;
    let owner = SecretOwner {
        org_code: settings.athoc.org_code.clone(),
        client_id: settings.athoc.credentials.client_id.clone(),
        username: settings.athoc.credentials.username.clone(),
    };
    Ok(ImportResultDto {
        imported: true,
        values: read_saved(locations),
        secrets: secrets_status(store, &owner)?,
        database_copied: imported.database.is_some(),
        errors: Vec::new(),
        warnings: imported.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> SettingsValues {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

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
        let store = MemorySecretStore::new();
        let owner = SecretOwner {
            org_code: "O".into(),
            client_id: "c".into(),
            username: "u".into(),
        };
        let req = |pw: Option<&str>, cs: Option<&str>| StoreSecretsRequest {
            owner: owner.clone(),
            password: pw.map(|p| SecretString::from(p.to_owned())),
            client_secret: cs.map(|p| SecretString::from(p.to_owned())),
        };
        let s = store_secrets(&store, &req(Some("pw"), None)).unwrap();
        assert_eq!((s.password_stored, s.client_secret_stored), (true, false));
        let s = store_secrets(&store, &req(None, Some("cs"))).unwrap();
        assert_eq!((s.password_stored, s.client_secret_stored), (true, true));
        let s = store_secrets(&store, &req(Some(""), None)).unwrap();
        assert_eq!((s.password_stored, s.client_secret_stored), (false, true));
        assert!(!format!("{:?}", req(Some("hunter2"), None)).contains("hunter2"));
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
            env_file: env.display().to_string(),
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
