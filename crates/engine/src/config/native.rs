//! BoboSync's own settings file (TOML, snake_case keys in sections), read
//! into [`RawSettings`] and written from [`Settings`] for `import-legacy`.
//! Invariant: this file never holds a secret — reading one that does is an
//! error, and writing leaves them out.

use std::path::Path;

use toml::{Table, Value};

use super::keys::{self, SECTIONS};
use super::raw::{KeyStyle, Origin, RawSettings};
use super::settings::{ConfigError, Settings};
use super::LoadError;
use crate::athoc::TlsVerification;

/// Names that are secrets wherever they appear: never read from or written
/// to the settings file.
pub(crate) const SECRET_NAMES: &[&str] = &["client_secret", "password", "secret", "token"];

/// Reads the TOML settings file at `path`. Returns the raw values and the
/// problems found so far (unknown keys, wrong types, secrets), so they can
/// be reported together with the problems of resolving.
pub fn read_toml_file(path: &Path) -> Result<(RawSettings, Vec<ConfigError>), LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_toml_text(&text, path)
}

/// Parses TOML settings text; `path` names it in errors and origins.
pub fn parse_toml_text(
    text: &str,
    path: &Path,
) -> Result<(RawSettings, Vec<ConfigError>), LoadError> {
    let table: Table = toml::from_str(text).map_err(|e: toml::de::Error| LoadError::Syntax {
        path: path.to_path_buf(),
        // The span, not the error's own Display, which quotes the line.
        line: e.span().map_or(0, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        }),
        message: e.message().to_owned(),
    })?;
    let mut raw = RawSettings::new(KeyStyle::Toml);
    let mut errors = Vec::new();
    let mut problem = |key: String, problem: &str, expected: String| {
        errors.push(ConfigError {
            key,
            problem: problem.to_owned(),
            expected,
        });
    };
    for (section, value) in &table {
        let Value::Table(entries) = value else {
            problem(
                section.clone(),
                "is not inside a section",
                format!("one of the sections [{}]", SECTIONS.join("], [")),
            );
            continue;
        };
        if !SECTIONS.contains(&section.as_str()) {
            problem(
                format!("[{section}]"),
                "is not a known section",
                format!("one of [{}]", SECTIONS.join("], [")),
            );
            continue;
        }
        for (name, value) in entries {
            let shown = format!("{section}.{name}");
            if SECRET_NAMES.contains(&name.as_str()) {
                problem(
                    shown,
                    "is a secret, and secrets are never kept in the settings file",
                    "the secret in the OS keyring (`bobosync import-legacy` or the tray app store it) or in the \
                     BOBOSYNC_CLIENT_SECRET / BOBOSYNC_PASSWORD environment variables; remove it from this file"
                        .to_owned(),
                );
                continue;
            }
            let Some(key) = keys::by_toml(section, name) else {
                let known: Vec<&str> = keys::KEYS
                    .iter()
                    .filter_map(|k| k.toml)
                    .filter(|(s, _)| s == section)
                    .map(|(_, n)| n)
                    .collect();
                let expected = match keys::closest(name, known.iter().copied()) {
                    Some(near) => format!(
                        "did you mean {section}.{near}? (one of: {})",
                        known.join(", ")
                    ),
                    None => format!("one of: {}", known.join(", ")),
                };
                problem(shown, "is not a known setting", expected);
                continue;
            };
            match scalar_text(value) {
                Some(text) => raw.insert(key.env, text, Origin::File(path.to_path_buf())),
                None => problem(
                    shown,
                    "has an unsupported type",
                    "text, a number, true/false or a list of text".to_owned(),
                ),
            }
        }
    }
    Ok((raw, errors))
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Integer(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Boolean(b) => Some(b.to_string()),
        Value::Array(items) => {
            let texts: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            texts.map(|t| t.join(","))
        }
        _ => None,
    }
}

impl Settings {
    /// These settings as a native TOML settings file, secrets left out
    /// (they belong in the keyring). Paths are written as resolved (absolute
    /// when the source was).
    pub fn to_native_toml(&self) -> String {
        let a = &self.athoc;
        let mut athoc = Table::new();
        put(&mut athoc, "server_url", a.base_url.as_str());
        put(&mut athoc, "org_code", a.org_code.as_str());
        put(&mut athoc, "client_id", a.credentials.client_id.as_str());
        put(&mut athoc, "username", a.credentials.username.as_str());
        put(&mut athoc, "scope", a.credentials.scope.as_str());
        put(
            &mut athoc,
            "disable_ssl_verify",
            a.tls.verification == TlsVerification::Disabled,
        );
        if let Some(ca) = &a.tls.extra_ca {
            put(&mut athoc, "ssl_cert_path", ca.display().to_string());
        }
        if let Some(p) = &a.proxy.http {
            put(&mut athoc, "http_proxy", p.as_str());
        }
        if let Some(p) = &a.proxy.https {
            put(&mut athoc, "https_proxy", p.as_str());
        }
        if let Some(p) = &a.proxy.no_proxy {
            put(&mut athoc, "no_proxy", p.as_str());
        }
        put(&mut athoc, "timeout_seconds", int(a.timeout.as_secs()));
        put(&mut athoc, "users_per_request", int(a.users_per_request));
        put(
            &mut athoc,
            "concurrent_requests",
            int(a.concurrent_requests),
        );
        put(&mut athoc, "page_size", int(a.page_size));
        put(&mut athoc, "date_format", self.date_format.as_str());

        let mut time = Table::new();
        put(&mut time, "zone", self.time_zone.name());

        let mut fields = Table::new();
        put(
            &mut fields,
            "duty_attribute",
            self.fields.duty_attribute.as_str(),
        );
        put(
            &mut fields,
            "collar_attribute",
            self.fields.collar_attribute.as_str(),
        );
        put(
            &mut fields,
            "user_attributes",
            Value::Array(
                self.fields
                    .user_attributes
                    .iter()
                    .map(|s| Value::from(s.as_str()))
                    .collect(),
            ),
        );

        let p = &self.paths;
        let mut paths = Table::new();
        put(&mut paths, "drop_dir", p.drop_dir.display().to_string());
        put(
            &mut paths,
            "processed_dir",
            p.processed_dir.display().to_string(),
        );
        put(&mut paths, "failed_dir", p.failed_dir.display().to_string());
        put(&mut paths, "db_path", p.db_path.display().to_string());
        put(&mut paths, "log_dir", p.log_dir.display().to_string());

        let f = &self.files;
        let mut files = Table::new();
        put(&mut files, "move_processed", f.move_processed);
        put(
            &mut files,
            "processed_purge_days",
            int(f.processed_purge_days),
        );
        put(&mut files, "files_per_batch", int(f.files_per_batch));
        put(&mut files, "settle_seconds", number(f.settle.as_secs_f64()));
        put(&mut files, "max_retry_attempts", int(f.max_retry_attempts));
        put(
            &mut files,
            "max_file_mb",
            int(f.max_file_bytes / (1024 * 1024)),
        );

        let m = &self.mapping;
        let mut mapping = Table::new();
        put(&mut mapping, "enabled", m.enabled);
        put(&mut mapping, "sync_hour", int(m.sync_hour));
        put(&mut mapping, "retry_days", int(m.retry_days));
        put(
            &mut mapping,
            "purge_guard_percent",
            number(m.purge_guard.max_fraction * 100.0),
        );
        put(
            &mut mapping,
            "purge_guard_min",
            int(m.purge_guard.min_count),
        );

        let c = &self.cleanup;
        let mut cleanup = Table::new();
        put(
            &mut cleanup,
            "stale_after_hours",
            Value::Integer(c.stale_after.num_hours()),
        );
        put(
            &mut cleanup,
            "guard_percent",
            number(c.guard.max_fraction * 100.0),
        );
        put(&mut cleanup, "guard_min", int(c.guard.min_count));

        let mut logging = Table::new();
        put(&mut logging, "level", self.logging.level.as_str());
        put(&mut logging, "purge_days", int(self.logging.purge_days));

        let rt = &self.runtime;
        let mut runtime = Table::new();
        put(
            &mut runtime,
            "rescan_seconds",
            number(rt.rescan.as_secs_f64()),
        );
        put(
            &mut runtime,
            "no_file_warning_minutes",
            int(rt.no_file_warning.map_or(0, |d| d.as_secs() / 60)),
        );
        put(
            &mut runtime,
            "active_hours",
            format!(
                "{}-{}",
                rt.active_hours.0.format("%H:%M"),
                rt.active_hours.1.format("%H:%M")
            ),
        );

        let mut root = Table::new();
        for (name, table) in [
            ("athoc", athoc),
            ("time", time),
            ("fields", fields),
            ("paths", paths),
            ("files", files),
            ("mapping", mapping),
            ("cleanup", cleanup),
            ("logging", logging),
            ("runtime", runtime),
        ] {
            root.insert(name.to_owned(), Value::Table(table));
        }
        format!(
            "# BoboSync settings (see docs/configuration.md).\n\
             # The client secret and password are not kept here: they live in the OS keyring\n\
             # (or BOBOSYNC_CLIENT_SECRET / BOBOSYNC_PASSWORD).\n\n{root}"
        )
    }
}

fn put(table: &mut Table, key: &str, value: impl Into<Value>) {
    table.insert(key.to_owned(), value.into());
}

/// A count as a TOML integer (saturating: the settings' ranges keep it small).
fn int<T: TryInto<i64>>(n: T) -> Value {
    Value::Integer(n.try_into().unwrap_or(i64::MAX))
}

/// A whole number as an integer, else a float rounded to 6 decimals.
fn number(x: f64) -> Value {
    let rounded = (x * 1e6).round() / 1e6;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        Value::Integer(rounded as i64)
    } else {
        Value::Float(rounded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_flatten_to_canonical_keys() {
        let (raw, errors) = parse_toml_text(
            "[athoc]\nserver_url = \"https://a.example\"\npage_size = 500\n[fields]\nuser_attributes = [\"A\", \"B\"]\n[files]\nmove_processed = false\n",
            Path::new("/s.toml"),
        )
        .unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(raw.get("ATHOC_SERVER_URL"), Some("https://a.example"));
        assert_eq!(raw.get("PAGE_SIZE"), Some("500"));
        assert_eq!(raw.get("USER_ATTRIBUTES"), Some("A,B"));
        assert_eq!(raw.get("MOVE_PROCESSED_FILES"), Some("false"));
    }

    #[test]
    fn secrets_unknown_keys_and_types_are_all_reported() {
        let (_, errors) = parse_toml_text(
            "[athoc]\npassword = \"p\"\nclient_secret = \"s\"\nsevrer_url = \"x\"\npage_size = { a = 1 }\n[nope]\nx = 1\n",
            Path::new("/s.toml"),
        )
        .unwrap();
        let mut keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "[nope]",
                "athoc.client_secret",
                "athoc.page_size",
                "athoc.password",
                "athoc.sevrer_url"
            ]
        );
        assert!(errors
            .iter()
            .filter(|e| e.key.ends_with("password"))
            .all(|e| e.expected.contains("keyring")));
        assert!(!format!("{errors:?}").contains("\"p\""));
    }

    #[test]
    fn syntax_error_names_the_line() {
        let err = parse_toml_text("[athoc]\norg_code = \n", Path::new("/s.toml")).unwrap_err();
        assert!(matches!(err, LoadError::Syntax { line: 2, .. }), "{err:?}");
    }

    #[test]
    fn numbers_are_written_compactly() {
        assert_eq!(number(10.000000000000002), Value::Integer(10));
        assert_eq!(number(12.5), Value::Float(12.5));
    }
}
