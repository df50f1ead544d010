//! The settings as the tray window edits them — `section.name` → the text
//! typed, blank meaning "the default" — to and from the native TOML file.
//! Values are written typed by the key catalog (`timeout_seconds = 30`,
//! `enabled = true`, `user_attributes = ["A", "B"]`), so the file reads as
//! [`Settings::to_native_toml`](super::Settings::to_native_toml) writes it.
//! Invariant: a secret is never written: a secret's name is refused.

use std::collections::BTreeMap;

use toml::{Table, Value};

use super::keys::{value_kind, ValueKind};
use super::native::{parse_toml_text, SECRET_NAMES};
use super::settings::ConfigError;
use super::{Host, Locations, RawSettings, ResolveContext, SecretNames, Settings};
use std::path::{Path, PathBuf};

/// Settings as typed, by `section.name`.
pub type SettingValues = BTreeMap<String, String>;

/// `values` as settings-file TOML (blank values left out) and the values
/// that cannot be written: names that are not `section.name`, and secrets.
/// A value of the wrong shape (`timeout_seconds = "lots"`) is written as
/// text, for the settings' own checks to report in their words.
pub fn values_to_toml(values: &SettingValues) -> (String, Vec<ConfigError>) {
    let mut root = Table::new();
    let mut errors = Vec::new();
    for (key, text) in values {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let Some((section, name)) = key.split_once('.') else {
            errors.push(ConfigError {
                key: key.clone(),
                problem: "is not a setting name".to_owned(),
                expected: "a name such as athoc.server_url".to_owned(),
            });
            continue;
        };
        if SECRET_NAMES.contains(&name) {
            errors.push(ConfigError {
                key: key.clone(),
                problem: "is a secret, and secrets are never kept in the settings file".to_owned(),
                expected: "the secret stored in the OS keyring instead".to_owned(),
            });
            continue;
        }
        let table = root
            .entry(section.to_owned())
            .or_insert_with(|| Value::Table(Table::new()));
        if let Value::Table(t) = table {
            t.insert(name.to_owned(), typed(value_kind(section, name), text));
        }
    }
    (root.to_string(), errors)
}

/// `text` as the TOML value of a setting of `kind`; text when it does not
/// have that shape.
fn typed(kind: ValueKind, text: &str) -> Value {
    let as_text = || Value::String(text.to_owned());
    match kind {
        ValueKind::Text => as_text(),
        ValueKind::Flag => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Value::Boolean(true),
            "false" | "no" | "0" => Value::Boolean(false),
            _ => as_text(),
        },
        ValueKind::Whole => text
            .parse::<i64>()
            .map_or_else(|_| as_text(), Value::Integer),
        ValueKind::Number => match text.parse::<f64>() {
            Ok(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 => {
                Value::Integer(x as i64)
            }
            Ok(x) if x.is_finite() => Value::Float(x),
            _ => as_text(),
        },
        ValueKind::List => Value::Array(
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| Value::String(item.to_owned()))
                .collect(),
        ),
    }
}

/// Settings-file TOML → values as the window shows them (lists as comma
/// lists); empty when the text is not TOML (the settings' own checks say
/// why when the file is read).
pub fn toml_to_values(text: &str) -> SettingValues {
    let mut values = SettingValues::new();
    let Ok(root) = text.parse::<Table>() else {
        return values;
    };
    for (section, table) in &root {
        let Value::Table(table) = table else {
            continue;
        };
        for (name, value) in table {
            if SECRET_NAMES.contains(&name.as_str()) {
                continue;
            }
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Array(items) => items
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

/// `values` as the settings file at `locations.config_file` would be
/// read: the raw settings and the problems met on the way (names that
/// cannot be written, unknown settings, values of the wrong shape).
fn parse(
    values: &SettingValues,
    locations: &Locations,
) -> Result<(RawSettings, Vec<ConfigError>), Vec<ConfigError>> {
    let (text, mut errors) = values_to_toml(values);
    match parse_toml_text(&text, &locations.config_file) {
        Ok((raw, found)) => {
            errors.extend(found);
            Ok((raw, errors))
        }
        // The codec writes TOML, so this would be a bug rather than bad
        // input; still reported, never a panic.
        Err(e) => {
            errors.push(ConfigError {
                key: "settings".to_owned(),
                problem: e.to_string(),
                expected: "valid settings".to_owned(),
            });
            Err(errors)
        }
    }
}

/// Resolves `raw` as the settings file at `locations.config_file`:
/// relative paths against its folder, unset paths in the data folder.
fn with_context<T>(
    locations: &Locations,
    host: &Host,
    f: impl FnOnce(&ResolveContext<'_>) -> T,
) -> T {
    let base = locations
        .config_file
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let defaults = locations.paths();
    f(&ResolveContext {
        base_dir: &base,
        default_paths: &defaults,
        host,
    })
}

/// `values` resolved with the settings' own rules, as the settings file at
/// `locations.config_file` would be. Every problem at once: names that
/// cannot be written, unknown settings, values of the wrong shape, missing
/// settings and secrets (as `host` has them).
pub fn resolve_values(
    values: &SettingValues,
    locations: &Locations,
    host: &Host,
) -> Result<Settings, Vec<ConfigError>> {
    let (raw, mut errors) = parse(values, locations)?;
    match with_context(locations, host, |ctx| Settings::resolve(&raw, ctx)) {
        Ok(settings) if errors.is_empty() => Ok(settings),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more.0);
            Err(errors)
        }
    }
}

/// The keyring names of the secrets for `values` (bound to their server,
/// organization, client, user, proxy and TLS settings); problems of other
/// settings do not stop them being found.
pub fn secret_names_of_values(
    values: &SettingValues,
    locations: &Locations,
    host: &Host,
) -> Result<SecretNames, Vec<ConfigError>> {
    let (raw, _) = parse(values, locations)?;
    with_context(locations, host, |ctx| Settings::secret_names_of(&raw, ctx)).map_err(|e| e.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> SettingValues {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn values_are_written_typed_and_read_back_as_typed() {
        let v = values(&[
            ("athoc.server_url", "https://athoc.example"),
            ("athoc.org_code", "00123"),
            ("athoc.page_size", " 500 "),
            ("athoc.disable_ssl_verify", "No"),
            ("files.settle_seconds", "2.5"),
            ("cleanup.guard_percent", "50"),
            ("fields.user_attributes", "A, B,,C"),
            ("athoc.scope", "  "),
        ]);
        let (text, errors) = values_to_toml(&v);
        assert!(errors.is_empty(), "{errors:?}");
        let table: Table = text.parse().unwrap();
        let athoc = table["athoc"].as_table().unwrap();
        assert_eq!(athoc["page_size"], Value::Integer(500));
        assert_eq!(athoc["disable_ssl_verify"], Value::Boolean(false));
        // Text stays text: an organization code keeps its leading zeros.
        assert_eq!(athoc["org_code"], Value::String("00123".into()));
        assert!(!athoc.contains_key("scope"), "blank means the default");
        assert_eq!(table["files"]["settle_seconds"], Value::Float(2.5));
        assert_eq!(table["cleanup"]["guard_percent"], Value::Integer(50));
        assert_eq!(
            table["fields"]["user_attributes"],
            Value::Array(vec!["A".into(), "B".into(), "C".into()])
        );

        let back = toml_to_values(&text);
        assert_eq!(back["athoc.page_size"], "500");
        assert_eq!(back["athoc.org_code"], "00123");
        assert_eq!(back["athoc.disable_ssl_verify"], "false");
        assert_eq!(back["fields.user_attributes"], "A,B,C");
        assert!(!back.contains_key("athoc.scope"));
    }

    #[test]
    fn a_value_of_the_wrong_shape_stays_text_for_the_checks_to_report() {
        let (text, errors) = values_to_toml(&values(&[
            ("athoc.page_size", "lots"),
            ("mapping.enabled", "maybe"),
        ]));
        assert!(errors.is_empty());
        let table: Table = text.parse().unwrap();
        assert_eq!(table["athoc"]["page_size"], Value::String("lots".into()));
        assert_eq!(table["mapping"]["enabled"], Value::String("maybe".into()));
    }

    #[test]
    fn secrets_and_names_that_are_not_settings_are_never_written() {
        let (text, errors) = values_to_toml(&values(&[
            ("athoc.password", "hunter2"),
            ("athoc.client_secret", "s3cret"),
            ("server_url", "https://x"),
            ("athoc.org_code", "ORG"),
        ]));
        assert!(
            !text.contains("hunter2") && !text.contains("s3cret"),
            "{text}"
        );
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            ["athoc.client_secret", "athoc.password", "server_url"]
        );
        assert!(text.contains("org_code = \"ORG\""), "{text}");
        // Nor read back, should a file hold one.
        assert!(
            toml_to_values("[athoc]\npassword = \"x\"\norg_code = \"O\"\n")
                .keys()
                .eq(["athoc.org_code"])
        );
    }
}
