//! Raw settings: canonical key → text, as read from a `.env` file, a TOML
//! file or the environment, before anything is parsed. Secret values in here
//! are never printed (the `Debug` output redacts them).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use super::keys;

/// How keys are named to the user in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStyle {
    /// `.env` names such as `ATHOC_SERVER_URL`.
    Env,
    /// TOML names such as `athoc.server_url`.
    Toml,
}

/// Where a raw value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A settings file (`.env` or TOML).
    File(PathBuf),
    /// The process environment (it overrides a `.env` file, as in the Python tool).
    Environment,
}

/// One raw value and its origin.
#[derive(Clone, PartialEq, Eq)]
pub struct RawValue {
    pub text: String,
    pub origin: Origin,
}

/// Key → text, keyed by the canonical (`.env`) names of [`keys`].
#[derive(Clone, PartialEq, Eq)]
pub struct RawSettings {
    style: KeyStyle,
    values: BTreeMap<String, RawValue>,
    /// Keys the source named that BoboSync does not know (ignored, warned).
    unknown: Vec<String>,
}

impl RawSettings {
    /// No values yet; `style` decides how keys are named in errors.
    pub fn new(style: KeyStyle) -> Self {
        Self {
            style,
            values: BTreeMap::new(),
            unknown: Vec::new(),
        }
    }

    /// Notes a key the source named that BoboSync does not know.
    pub fn note_unknown(&mut self, key: &str) {
        if !self.unknown.iter().any(|k| k == key) {
            self.unknown.push(key.to_owned());
        }
    }

    /// The keys the source named that BoboSync does not know.
    pub fn unknown(&self) -> &[String] {
        &self.unknown
    }

    /// Sets `key` (a `.env` name) to `text`, replacing any earlier value.
    pub fn insert(&mut self, key: &str, text: impl Into<String>, origin: Origin) {
        self.values.insert(
            key.to_owned(),
            RawValue {
                text: text.into(),
                origin,
            },
        );
    }

    /// The value of `key`, trimmed; `None` when unset or blank (a blank value
    /// means "use the default", as an empty line in a `.env` file does).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(|v| v.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// The value of `key` and its origin.
    pub fn entry(&self, key: &str) -> Option<&RawValue> {
        self.values.get(key)
    }

    /// The naming style of this source.
    pub fn style(&self) -> KeyStyle {
        self.style
    }

    /// `key` as the user wrote it: `ATHOC_SERVER_URL` or `athoc.server_url`.
    pub fn display_key(&self, key: &str) -> String {
        match (self.style, keys::by_env(key).and_then(|k| k.toml)) {
            (KeyStyle::Toml, Some((section, name))) => format!("{section}.{name}"),
            _ => key.to_owned(),
        }
    }
}

impl fmt::Debug for RawSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, value) in &self.values {
            if keys::SECRET_KEYS.contains(&key.as_str()) {
                map.entry(key, &"[REDACTED]");
            } else {
                map.entry(key, &value.text);
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets_and_blank_is_unset() {
        let mut raw = RawSettings::new(KeyStyle::Env);
        raw.insert("PASSWORD", "hunter2", Origin::Environment);
        raw.insert("ORG_CODE", "  ", Origin::Environment);
        raw.insert("CLIENT_ID", " id ", Origin::Environment);
        assert!(!format!("{raw:?}").contains("hunter2"));
        assert_eq!(raw.get("ORG_CODE"), None);
        assert_eq!(raw.get("CLIENT_ID"), Some("id"));
    }

    #[test]
    fn toml_style_names_keys_by_section() {
        let raw = RawSettings::new(KeyStyle::Toml);
        assert_eq!(raw.display_key("ATHOC_SERVER_URL"), "athoc.server_url");
        assert_eq!(raw.display_key("PASSWORD"), "PASSWORD");
    }
}
