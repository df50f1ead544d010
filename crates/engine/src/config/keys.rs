//! The catalog of setting keys: each key's `.env` name (the canonical name,
//! as in the Python tool) and its place in the native TOML file. Both
//! sources are read into these canonical names before anything is parsed.

/// One setting key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    /// The `.env` name, e.g. `ATHOC_SERVER_URL`.
    pub env: &'static str,
    /// The TOML section and name, e.g. `("athoc", "server_url")`; `None` for
    /// keys that never appear in the native file (secrets, legacy names).
    pub toml: Option<(&'static str, &'static str)>,
}

const fn k(env: &'static str, section: &'static str, name: &'static str) -> Key {
    Key {
        env,
        toml: Some((section, name)),
    }
}

const fn env_only(env: &'static str) -> Key {
    Key { env, toml: None }
}

pub(crate) const ATHOC_SERVER_URL: &str = "ATHOC_SERVER_URL";
pub(crate) const ORG_CODE: &str = "ORG_CODE";
pub(crate) const CLIENT_ID: &str = "CLIENT_ID";
pub(crate) const CLIENT_SECRET: &str = "CLIENT_SECRET";
pub(crate) const APIUSER: &str = "APIUSER";
pub(crate) const USERNAME: &str = "USERNAME";
pub(crate) const PASSWORD: &str = "PASSWORD";
pub(crate) const SCOPE: &str = "SCOPE";
pub(crate) const DISABLE_SSL_VERIFY: &str = "DISABLE_SSL_VERIFY";
pub(crate) const SSL_CERT_PATH: &str = "SSL_CERT_PATH";
pub(crate) const HTTP_PROXY: &str = "HTTP_PROXY";
pub(crate) const HTTPS_PROXY: &str = "HTTPS_PROXY";
pub(crate) const NO_PROXY: &str = "NO_PROXY";
pub(crate) const HTTP_TIMEOUT_SECONDS: &str = "HTTP_TIMEOUT_SECONDS";
pub(crate) const USERS_PER_REQUEST: &str = "USERS_PER_REQUEST";
pub(crate) const CONCURRENT_REQUESTS: &str = "CONCURRENT_REQUESTS";
pub(crate) const PAGE_SIZE: &str = "PAGE_SIZE";
pub(crate) const ATHOC_DATE_FORMAT: &str = "ATHOC_DATE_FORMAT";
pub(crate) const TIME_ZONE: &str = "TIME_ZONE";
pub(crate) const DUTY_STATUS_FIELD: &str = "DUTY_STATUS_FIELD";
pub(crate) const COLLAR_ID_FIELD: &str = "COLLAR_ID_FIELD";
pub(crate) const USER_ATTRIBUTES: &str = "USER_ATTRIBUTES";
pub(crate) const CSV_DIRECTORY: &str = "CSV_DIRECTORY";
pub(crate) const PROCESSED_DIRECTORY: &str = "PROCESSED_DIRECTORY";
pub(crate) const FAILED_FILES_DIRECTORY: &str = "FAILED_FILES_DIRECTORY";
pub(crate) const DB_PATH: &str = "DB_PATH";
pub(crate) const LOG_DIRECTORY: &str = "LOG_DIRECTORY";
pub(crate) const MOVE_PROCESSED_FILES: &str = "MOVE_PROCESSED_FILES";
pub(crate) const PROCESSED_FILES_PURGE_DAYS: &str = "PROCESSED_FILES_PURGE_DAYS";
pub(crate) const BATCH_SIZE: &str = "BATCH_SIZE";
pub(crate) const FILE_SETTLE_SECONDS: &str = "FILE_SETTLE_SECONDS";
pub(crate) const MAX_RETRY_ATTEMPTS: &str = "MAX_RETRY_ATTEMPTS";
pub(crate) const MAX_FILE_MB: &str = "MAX_FILE_MB";
pub(crate) const SYNC_MAPPINGS: &str = "SYNC_MAPPINGS";
pub(crate) const SYNC_HOUR: &str = "SYNC_HOUR";
pub(crate) const SYNC_RETRY_DAYS: &str = "SYNC_RETRY_DAYS";
pub(crate) const MAPPING_PURGE_GUARD_PERCENT: &str = "MAPPING_PURGE_GUARD_PERCENT";
pub(crate) const MAPPING_PURGE_GUARD_MIN: &str = "MAPPING_PURGE_GUARD_MIN";
pub(crate) const AUTO_CLEANUP_HOURS: &str = "AUTO_CLEANUP_HOURS";
pub(crate) const CLEANUP_GUARD_PERCENT: &str = "CLEANUP_GUARD_PERCENT";
pub(crate) const CLEANUP_GUARD_MIN: &str = "CLEANUP_GUARD_MIN";
pub(crate) const LOG_LEVEL: &str = "LOG_LEVEL";
pub(crate) const LOG_PURGE_DAYS: &str = "LOG_PURGE_DAYS";
pub(crate) const BOBO_ENCRYPTION_KEY_PATH: &str = "BOBO_ENCRYPTION_KEY_PATH";
pub(crate) const RESCAN_SECONDS: &str = "RESCAN_SECONDS";
pub(crate) const NO_FILE_WARNING_MINUTES: &str = "NO_FILE_WARNING_MINUTES";
pub(crate) const ACTIVE_HOURS: &str = "ACTIVE_HOURS";

/// Every key BoboSync reads from a `.env` file or a settings file.
pub(crate) const KEYS: &[Key] = &[
    k(ATHOC_SERVER_URL, "athoc", "server_url"),
    k(ORG_CODE, "athoc", "org_code"),
    k(CLIENT_ID, "athoc", "client_id"),
    env_only(CLIENT_SECRET),
    k(APIUSER, "athoc", "username"),
    env_only(USERNAME),
    env_only(PASSWORD),
    k(SCOPE, "athoc", "scope"),
    k(DISABLE_SSL_VERIFY, "athoc", "disable_ssl_verify"),
    k(SSL_CERT_PATH, "athoc", "ssl_cert_path"),
    k(HTTP_PROXY, "athoc", "http_proxy"),
    k(HTTPS_PROXY, "athoc", "https_proxy"),
    k(NO_PROXY, "athoc", "no_proxy"),
    k(HTTP_TIMEOUT_SECONDS, "athoc", "timeout_seconds"),
    k(USERS_PER_REQUEST, "athoc", "users_per_request"),
    k(CONCURRENT_REQUESTS, "athoc", "concurrent_requests"),
    k(PAGE_SIZE, "athoc", "page_size"),
    k(ATHOC_DATE_FORMAT, "athoc", "date_format"),
    k(TIME_ZONE, "time", "zone"),
    k(DUTY_STATUS_FIELD, "fields", "duty_attribute"),
    k(COLLAR_ID_FIELD, "fields", "collar_attribute"),
    k(USER_ATTRIBUTES, "fields", "user_attributes"),
    k(CSV_DIRECTORY, "paths", "drop_dir"),
    k(PROCESSED_DIRECTORY, "paths", "processed_dir"),
    k(FAILED_FILES_DIRECTORY, "paths", "failed_dir"),
    k(DB_PATH, "paths", "db_path"),
    k(LOG_DIRECTORY, "paths", "log_dir"),
    k(MOVE_PROCESSED_FILES, "files", "move_processed"),
    k(PROCESSED_FILES_PURGE_DAYS, "files", "processed_purge_days"),
    k(BATCH_SIZE, "files", "files_per_batch"),
    k(FILE_SETTLE_SECONDS, "files", "settle_seconds"),
    k(MAX_RETRY_ATTEMPTS, "files", "max_retry_attempts"),
    k(MAX_FILE_MB, "files", "max_file_mb"),
    k(SYNC_MAPPINGS, "mapping", "enabled"),
    k(SYNC_HOUR, "mapping", "sync_hour"),
    k(SYNC_RETRY_DAYS, "mapping", "retry_days"),
    k(
        MAPPING_PURGE_GUARD_PERCENT,
        "mapping",
        "purge_guard_percent",
    ),
    k(MAPPING_PURGE_GUARD_MIN, "mapping", "purge_guard_min"),
    k(AUTO_CLEANUP_HOURS, "cleanup", "stale_after_hours"),
    k(CLEANUP_GUARD_PERCENT, "cleanup", "guard_percent"),
    k(CLEANUP_GUARD_MIN, "cleanup", "guard_min"),
    k(LOG_LEVEL, "logging", "level"),
    k(LOG_PURGE_DAYS, "logging", "purge_days"),
    env_only(BOBO_ENCRYPTION_KEY_PATH),
    k(RESCAN_SECONDS, "runtime", "rescan_seconds"),
    k(
        NO_FILE_WARNING_MINUTES,
        "runtime",
        "no_file_warning_minutes",
    ),
    k(ACTIVE_HOURS, "runtime", "active_hours"),
];

/// What a setting's value is, as the native settings file writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Text (URLs, names, paths, formats, zones).
    Text,
    /// `true` / `false`.
    Flag,
    /// A whole number.
    Whole,
    /// A number that may have decimals.
    Number,
    /// A list of text (a comma list in a `.env`).
    List,
}

/// The kind of the native setting `section.name` (text when unknown).
pub(crate) fn value_kind(section: &str, name: &str) -> ValueKind {
    match (section, name) {
        ("athoc", "disable_ssl_verify") | ("files", "move_processed") | ("mapping", "enabled") => {
            ValueKind::Flag
        }
        (
            "athoc",
            "timeout_seconds" | "users_per_request" | "concurrent_requests" | "page_size",
        )
        | (
            "files",
            "processed_purge_days" | "files_per_batch" | "max_retry_attempts" | "max_file_mb",
        )
        | ("mapping", "sync_hour" | "retry_days" | "purge_guard_min")
        | ("cleanup", "stale_after_hours" | "guard_min")
        | ("logging", "purge_days")
        | ("runtime", "no_file_warning_minutes") => ValueKind::Whole,
        ("files", "settle_seconds")
        | ("mapping", "purge_guard_percent")
        | ("cleanup", "guard_percent")
        | ("runtime", "rescan_seconds") => ValueKind::Number,
        ("fields", "user_attributes") => ValueKind::List,
        _ => ValueKind::Text,
    }
}

/// A setting the native settings file holds, as the settings window names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeSettingKey {
    /// The TOML section, e.g. `athoc`.
    pub section: &'static str,
    /// The name in the section, e.g. `server_url`.
    pub name: &'static str,
    /// The `.env` name, e.g. `ATHOC_SERVER_URL`.
    pub env: &'static str,
    /// What its value is.
    pub kind: ValueKind,
}

/// Every setting of the native settings file, in catalog order (secrets and
/// `.env`-only names excluded).
pub fn native_setting_keys() -> impl Iterator<Item = NativeSettingKey> {
    KEYS.iter().filter_map(|key| {
        key.toml.map(|(section, name)| NativeSettingKey {
            section,
            name,
            env: key.env,
            kind: value_kind(section, name),
        })
    })
}

/// Keys whose values are secrets: never printed, never written to TOML.
pub(crate) const SECRET_KEYS: &[&str] = &[CLIENT_SECRET, PASSWORD];

/// The catalog entry of a `.env` name.
pub(crate) fn by_env(env: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.env == env)
}

/// The known name closest to `name` among `known`, when it is close enough
/// to be a misspelling (a did-you-mean hint).
pub(crate) fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    known
        .into_iter()
        .map(|k| {
            (
                strsim::damerau_levenshtein(&name, &k.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(distance, k)| *distance <= (k.len() / 4).clamp(1, 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// The catalog entry of a TOML section and name.
pub(crate) fn by_toml(section: &str, name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.toml == Some((section, name)))
}

/// The TOML sections, in the order the native file is written.
pub(crate) const SECTIONS: &[&str] = &[
    "athoc", "time", "fields", "paths", "files", "mapping", "cleanup", "logging", "runtime",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_sections_known() {
        for (i, a) in KEYS.iter().enumerate() {
            for b in &KEYS[i + 1..] {
                assert_ne!(a.env, b.env);
                if a.toml.is_some() {
                    assert_ne!(a.toml, b.toml, "{} and {}", a.env, b.env);
                }
            }
            if let Some((section, _)) = a.toml {
                assert!(SECTIONS.contains(&section), "{section}");
            }
        }
    }
}
