//! Raw settings → [`Settings`], once: every value parsed, every default
//! applied, every secret found, and every problem collected so the user sees
//! them all at once rather than one per attempt.

use std::fmt::Display;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono_tz::Tz;
use secrecy::SecretString;
use url::{Host as UrlHost, Url};

use super::host::Host;
use super::keys::*;
use super::legacy_crypto::{self, DEFAULT_KEY_FILE};
use super::paths::resolve_path;
use super::raw::RawSettings;
use super::secrets::{SecretBinding, SecretKind, SecretName, SecretNames, SecretStoreError};
use super::settings::*;
use crate::athoc::{
    ClientConfig, Credentials, ProxyOptions, RetryPolicy, TlsOptions, TlsVerification,
};
use crate::plan::MassChangeGuard;

/// Defaults, where the seed README or the Python tool states them, else chosen
/// (see docs/configuration.md).
pub mod defaults {
    pub const SCOPE: &str = "athoc.iws.web.api";
    pub const DATE_FORMAT: &str = "dd/MM/yyyy HH:mm:ss";
    pub const DUTY_ATTRIBUTE: &str = "On-Duty-DTG";
    pub const COLLAR_ATTRIBUTE: &str = "Collar-Number";
    pub const USER_ATTRIBUTES: &[&str] = &["Collar-Number", "FIRSTNAME", "LASTNAME"];
    pub const HTTP_TIMEOUT_SECONDS: u64 = 30;
    pub const USERS_PER_REQUEST: usize = 1000;
    /// Measured: BENCHMARKS.md, "Requests in flight".
    pub const CONCURRENT_REQUESTS: usize = 4;
    pub const PAGE_SIZE: usize = 1000;
    pub const MOVE_PROCESSED_FILES: bool = true;
    pub const PROCESSED_FILES_PURGE_DAYS: u32 = 30;
    pub const BATCH_SIZE: usize = 10;
    pub const FILE_SETTLE_SECONDS: f64 = 2.0;
    pub const MAX_RETRY_ATTEMPTS: u32 = 3;
    /// Far above any real export (500 rows are about 40 kB).
    pub const MAX_FILE_MB: u64 = 64;
    pub const SYNC_MAPPINGS: bool = true;
    pub const SYNC_HOUR: u32 = 20;
    pub const SYNC_RETRY_DAYS: u32 = 2;
    pub const MAPPING_PURGE_GUARD_PERCENT: f64 = 10.0;
    pub const MAPPING_PURGE_GUARD_MIN: usize = 20;
    pub const AUTO_CLEANUP_HOURS: u32 = 24;
    pub const CLEANUP_GUARD_PERCENT: f64 = 50.0;
    pub const CLEANUP_GUARD_MIN: usize = 20;
    pub const LOG_PURGE_DAYS: u32 = 30;
    pub const RESCAN_SECONDS: f64 = 10.0;
    pub const NO_FILE_WARNING_MINUTES: u64 = 0;
    pub const ACTIVE_HOURS: &str = "00:00-00:00";
}

/// What [`Settings::resolve`] needs besides the raw values.
#[derive(Debug, Clone, Copy)]
pub struct ResolveContext<'a> {
    /// Relative paths resolve against this folder (the settings file's).
    pub base_dir: &'a Path,
    /// Paths used for unset path keys.
    pub default_paths: &'a Paths,
    /// Environment, secret store, home folder, system zone.
    pub host: &'a Host,
}

impl Settings {
    /// Parses `raw` into settings, reporting every invalid or missing value
    /// together. Reads only the files the settings name (`SSL_CERT_PATH`,
    /// the Fernet key file) and the secret store.
    pub fn resolve(raw: &RawSettings, ctx: &ResolveContext<'_>) -> Result<Settings, ConfigErrors> {
        let mut r = Reader {
            raw,
            ctx,
            errors: Vec::new(),
        };
        let mut notices = Vec::new();
        for key in raw.unknown() {
            let near = super::keys::closest(key, super::keys::KEYS.iter().map(|k| k.env));
            notices.push(match near {
                Some(near) => format!(
                    "the .env key {key} is not a BoboSync setting and is ignored: did you mean {near}?"
                ),
                None => format!("the .env key {key} is not a BoboSync setting and is ignored."),
            });
        }
        // The process environment wins over a `.env` (as python-dotenv
        // does); for the keys that decide where the secrets go and whom to
        // trust, say so.
        if raw.style() == super::raw::KeyStyle::Env {
            for key in [
                ATHOC_SERVER_URL,
                HTTPS_PROXY,
                HTTP_PROXY,
                DISABLE_SSL_VERIFY,
                SSL_CERT_PATH,
            ] {
                if raw
                    .entry(key)
                    .is_some_and(|v| v.origin == super::raw::Origin::Environment)
                {
                    notices.push(format!(
                        "{key} comes from the process environment, which overrides the .env file: \
                         unset the environment variable if the .env should decide"
                    ));
                }
            }
        }

        let connection = r.connection();
        // Secrets are looked up for this server and route only.
        let names = connection.secret_names();
        let Connection {
            base_url,
            org_code,
            client_id,
            username,
            tls,
            proxy,
        } = connection;
        let scope = r.parse(
            SCOPE,
            defaults::SCOPE.to_owned(),
            "space-separated scopes",
            any_text,
        );
        let client_secret = r.secret(
            SecretKind::ClientSecret,
            names.as_ref().map(|n| n.client_secret.clone()),
        );
        let password = r.secret(SecretKind::Password, names.map(|n| n.password));

        let timeout = r.parse(
            HTTP_TIMEOUT_SECONDS,
            defaults::HTTP_TIMEOUT_SECONDS,
            "whole seconds, 1 to 3600",
            |t| parse_in_range(t, 1, 3600),
        );
        let users_per_request = r.parse(
            USERS_PER_REQUEST,
            defaults::USERS_PER_REQUEST,
            "a whole number from 1 to 5000",
            |t| parse_in_range(t, 1, 5000),
        );
        let concurrent_requests = r.parse(
            CONCURRENT_REQUESTS,
            defaults::CONCURRENT_REQUESTS,
            "a whole number from 1 to 16",
            |t| parse_in_range(t, 1, 16),
        );
        let page_size = r.parse(
            PAGE_SIZE,
            defaults::PAGE_SIZE,
            "a whole number from 1 to 10000",
            |t| parse_in_range(t, 1, 10_000),
        );

        let date_format = r.parse(
            ATHOC_DATE_FORMAT,
            defaults::DATE_FORMAT.to_owned(),
            "a pattern such as dd/MM/yyyy HH:mm:ss",
            any_text,
        );
        let time_zone = r.time_zone(&mut notices);

        let duty_attribute = r.parse(
            DUTY_STATUS_FIELD,
            defaults::DUTY_ATTRIBUTE.to_owned(),
            "an AtHoc attribute common name",
            any_text,
        );
        let collar_attribute = r.parse(
            COLLAR_ID_FIELD,
            defaults::COLLAR_ATTRIBUTE.to_owned(),
            "an AtHoc attribute common name",
            any_text,
        );
        let user_attributes = r.parse(
            USER_ATTRIBUTES,
            defaults::USER_ATTRIBUTES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            "comma-separated AtHoc attribute common names",
            parse_list,
        );
        r.check_duty_attribute(&duty_attribute, &collar_attribute);
        if !user_attributes.iter().any(|a| a == &collar_attribute) {
            notices.push(format!(
                "{} does not include the collar attribute `{collar_attribute}`; it is fetched anyway.",
                raw.display_key(USER_ATTRIBUTES)
            ));
        }

        let d = ctx.default_paths;
        let paths = Paths {
            drop_dir: r.path(CSV_DIRECTORY, &d.drop_dir),
            processed_dir: r.path(PROCESSED_DIRECTORY, &d.processed_dir),
            failed_dir: r.path(FAILED_FILES_DIRECTORY, &d.failed_dir),
            db_path: r.path(DB_PATH, &d.db_path),
            log_dir: r.path(LOG_DIRECTORY, &d.log_dir),
        };

        let files = FileRules {
            move_processed: r.parse(
                MOVE_PROCESSED_FILES,
                defaults::MOVE_PROCESSED_FILES,
                BOOL,
                parse_bool,
            ),
            processed_purge_days: r.parse(
                PROCESSED_FILES_PURGE_DAYS,
                defaults::PROCESSED_FILES_PURGE_DAYS,
                DAYS,
                |t| parse_in_range(t, 1, 36_500),
            ),
            files_per_batch: r.parse(
                BATCH_SIZE,
                defaults::BATCH_SIZE,
                "a whole number from 1 to 10000",
                |t| parse_in_range(t, 1, 10_000),
            ),
            settle: r.parse(
                FILE_SETTLE_SECONDS,
                Duration::from_secs_f64(defaults::FILE_SETTLE_SECONDS),
                "seconds from 0 to 3600 (decimals allowed)",
                parse_seconds,
            ),
            max_retry_attempts: r.parse(
                MAX_RETRY_ATTEMPTS,
                defaults::MAX_RETRY_ATTEMPTS,
                "a whole number from 1 to 1000",
                |t| parse_in_range(t, 1, 1000),
            ),
            max_file_bytes: r.parse(
                MAX_FILE_MB,
                defaults::MAX_FILE_MB * MB,
                "a whole number of megabytes from 1 to 4096",
                |t| parse_in_range::<u64>(t, 1, 4096).map(|mb| mb * MB),
            ),
        };

        let mapping = MappingRules {
            enabled: r.parse(SYNC_MAPPINGS, defaults::SYNC_MAPPINGS, BOOL, parse_bool),
            sync_hour: r.parse(
                SYNC_HOUR,
                defaults::SYNC_HOUR,
                "an hour from 0 to 23",
                |t| parse_in_range(t, 0, 23),
            ),
            retry_days: r.parse(SYNC_RETRY_DAYS, defaults::SYNC_RETRY_DAYS, DAYS, |t| {
                parse_in_range(t, 1, 36_500)
            }),
            purge_guard: r.guard(
                MAPPING_PURGE_GUARD_PERCENT,
                MAPPING_PURGE_GUARD_MIN,
                defaults::MAPPING_PURGE_GUARD_PERCENT,
                defaults::MAPPING_PURGE_GUARD_MIN,
            ),
        };

        let cleanup = CleanupRules {
            stale_after: chrono::Duration::hours(i64::from(r.parse(
                AUTO_CLEANUP_HOURS,
                defaults::AUTO_CLEANUP_HOURS,
                "whole hours from 1 to 8760",
                |t| parse_in_range(t, 1, 8760),
            ))),
            guard: r.guard(
                CLEANUP_GUARD_PERCENT,
                CLEANUP_GUARD_MIN,
                defaults::CLEANUP_GUARD_PERCENT,
                defaults::CLEANUP_GUARD_MIN,
            ),
        };

        let logging = LogSettings {
            level: r.parse(
                LOG_LEVEL,
                LogLevel::Info,
                "DEBUG, INFO, WARNING, ERROR or CRITICAL",
                |t| LogLevel::parse(t).ok_or_else(|| format!("`{t}` is not a log level")),
            ),
            dir: paths.log_dir.clone(),
            purge_days: r.parse(LOG_PURGE_DAYS, defaults::LOG_PURGE_DAYS, DAYS, |t| {
                parse_in_range(t, 1, 36_500)
            }),
        };

        let runtime = RuntimeRules {
            rescan: r.parse(
                RESCAN_SECONDS,
                Duration::from_secs_f64(defaults::RESCAN_SECONDS),
                "seconds from 1 to 3600 (decimals allowed)",
                |t| {
                    parse_seconds(t).and_then(|d| {
                        if d.as_secs_f64() < 1.0 {
                            Err(format!("{t} is out of range"))
                        } else {
                            Ok(d)
                        }
                    })
                },
            ),
            no_file_warning: r.parse(
                NO_FILE_WARNING_MINUTES,
                None,
                "whole minutes from 0 (off) to 10080",
                |t| {
                    parse_in_range::<u64>(t, 0, 10_080)
                        .map(|m| (m > 0).then(|| Duration::from_secs(m * 60)))
                },
            ),
            active_hours: r.parse(
                ACTIVE_HOURS,
                parse_hours(defaults::ACTIVE_HOURS).unwrap_or_default(),
                "local times HH:MM-HH:MM, e.g. 07:00-23:00 (equal ends: all day)",
                parse_hours,
            ),
        };

        let errors = r.errors;
        let (
            Some(base_url),
            Some(org_code),
            Some(client_id),
            Some(username),
            Some(client_secret),
            Some(password),
        ) = (
            base_url,
            org_code,
            client_id,
            username,
            client_secret,
            password,
        )
        else {
            return Err(ConfigErrors(errors));
        };
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }

        Ok(Settings {
            athoc: ClientConfig {
                base_url,
                org_code,
                credentials: Credentials {
                    client_id,
                    client_secret,
                    username,
                    password,
                    scope,
                },
                tls,
                proxy,
                timeout: Duration::from_secs(timeout),
                users_per_request,
                concurrent_requests,
                page_size,
                retry: RetryPolicy::default(),
            },
            date_format,
            time_zone,
            fields: Fields {
                duty_attribute,
                collar_attribute,
                user_attributes,
            },
            paths,
            files,
            mapping,
            cleanup,
            logging,
            runtime,
            notices,
            settings_flag: String::new(),
        })
    }

    /// The keyring names the secrets of `raw` are looked up under, from its
    /// server, organization, client, user, proxy and TLS keys alone (the
    /// window stores secrets before the rest of the settings is complete).
    pub fn secret_names_of(
        raw: &RawSettings,
        ctx: &ResolveContext<'_>,
    ) -> Result<SecretNames, ConfigErrors> {
        let mut r = Reader {
            raw,
            ctx,
            errors: Vec::new(),
        };
        match r.connection().secret_names() {
            Some(names) if r.errors.is_empty() => Ok(names),
            _ => Err(ConfigErrors(r.errors)),
        }
    }
}

/// Where and as whom BoboSync connects: what the secrets are bound to.
struct Connection {
    base_url: Option<Url>,
    org_code: Option<String>,
    client_id: Option<String>,
    username: Option<String>,
    tls: TlsOptions,
    proxy: ProxyOptions,
}

impl Connection {
    /// The secrets' keyring names, once server, organization, client and
    /// user are all known.
    fn secret_names(&self) -> Option<SecretNames> {
        let binding = SecretBinding::new(self.base_url.as_ref()?, &self.proxy, &self.tls);
        let org_code = self.org_code.as_deref()?;
        Some(SecretNames {
            client_secret: SecretName::client_secret(
                &binding,
                org_code,
                self.client_id.as_deref()?,
            ),
            password: SecretName::password(&binding, org_code, self.username.as_deref()?),
        })
    }
}

const BOOL: &str = "true or false (also yes/no, 1/0)";
const DAYS: &str = "whole days, at least 1";
const MB: u64 = 1024 * 1024;

/// Collects values and problems while reading one [`RawSettings`].
struct Reader<'a> {
    raw: &'a RawSettings,
    ctx: &'a ResolveContext<'a>,
    errors: Vec<ConfigError>,
}

impl Reader<'_> {
    fn error(&mut self, key: &str, problem: impl Into<String>, expected: impl Into<String>) {
        let key = self.raw.display_key(key);
        self.errors.push(ConfigError {
            key,
            problem: problem.into(),
            expected: expected.into(),
        });
    }

    /// The parsed value of `key`, or `default` when unset or invalid (the
    /// problem is recorded).
    fn parse<T>(
        &mut self,
        key: &str,
        default: T,
        expected: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> T {
        self.optional(key, expected, f).unwrap_or(default)
    }

    /// The parsed value of `key`, `None` when unset or invalid.
    fn optional<T>(
        &mut self,
        key: &str,
        expected: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.raw.get(key)?;
        match f(text) {
            Ok(value) => Some(value),
            Err(problem) => {
                self.error(key, problem, expected);
                None
            }
        }
    }

    fn required<T>(
        &mut self,
        key: &str,
        expected: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if self.raw.get(key).is_none() {
            self.error(key, "is missing", expected);
            return None;
        }
        self.optional(key, expected, f)
    }

    /// `APIUSER`, or the older `USERNAME`.
    fn username(&mut self) -> Option<String> {
        if let Some(user) = self.raw.get(APIUSER).or_else(|| self.raw.get(USERNAME)) {
            return Some(user.to_owned());
        }
        self.error(
            APIUSER,
            "is missing (and no older USERNAME is set in the file)",
            "the AtHoc API user's login",
        );
        None
    }

    fn path(&mut self, key: &str, default: &Path) -> PathBuf {
        match self.raw.get(key) {
            Some(text) => resolve_path(text, self.ctx.base_dir, self.ctx.host.home_dir.as_deref()),
            None => default.to_path_buf(),
        }
    }

    fn existing_file(&mut self, key: &str) -> Option<PathBuf> {
        self.raw.get(key)?;
        let path = self.path(key, Path::new(""));
        if path.is_file() {
            Some(path)
        } else {
            self.error(
                key,
                format!("the file {} does not exist", path.display()),
                "the path of a PEM CA certificate file",
            );
            None
        }
    }

    fn time_zone(&mut self, notices: &mut Vec<String>) -> Tz {
        const EXPECTED: &str = "an IANA time zone name such as Europe/London";
        if let Some(zone) = self.optional(TIME_ZONE, EXPECTED, |t| {
            Tz::from_str(t).map_err(|_| format!("`{t}` is not a known time zone"))
        }) {
            return zone;
        }
        if self.raw.get(TIME_ZONE).is_some() {
            return Tz::UTC; // invalid: already reported
        }
        match self.ctx.host.system_time_zone.as_deref().map(Tz::from_str) {
            Some(Ok(zone)) => zone,
            _ => {
                notices.push(format!(
                    "The system time zone is unknown; BOBO times are read as UTC. Set {} to the zone of the BOBO exports.",
                    self.raw.display_key(TIME_ZONE)
                ));
                Tz::UTC
            }
        }
    }

    fn guard(
        &mut self,
        percent_key: &str,
        min_key: &str,
        percent: f64,
        min: usize,
    ) -> MassChangeGuard {
        let percent = self.parse(
            percent_key,
            percent,
            "a percentage from 0 to 100",
            parse_percent,
        );
        let min_count = self.parse(min_key, min, "a whole number, 0 or more", |t| {
            parse_in_range(t, 0, usize::MAX)
        });
        MassChangeGuard {
            max_fraction: percent / 100.0,
            min_count,
        }
    }

    /// The duty attribute is the only one BoboSync writes: it must not be
    /// the login or the collar attribute.
    fn check_duty_attribute(&mut self, duty: &str, collar: &str) {
        let forbidden = ["LOGIN_ID", "USER_ID", "ENABLED", "STATUS"];
        if forbidden.iter().any(|f| f.eq_ignore_ascii_case(duty))
            || duty.eq_ignore_ascii_case(collar)
        {
            self.error(
                DUTY_STATUS_FIELD,
                format!("`{duty}` is an identity or status attribute (or the collar attribute), which BoboSync must never write"),
                "the common name of the date-time attribute that holds the duty status, e.g. On-Duty-DTG",
            );
        }
    }

    /// A secret: `BOBOSYNC_*` variable, else the file's value (decrypted when
    /// `ENCRYPTED:`), else the secret store.
    fn secret(&mut self, kind: SecretKind, name: Option<SecretName>) -> Option<SecretString> {
        let host = self.ctx.host;
        if let Some(value) = host.env.var(kind.override_var()).filter(|v| !v.is_empty()) {
            return Some(SecretString::from(value));
        }
        if let Some(value) = self.raw.get(kind.env_key()) {
            let Some(token) = legacy_crypto::encrypted_token(value) else {
                return Some(SecretString::from(value.to_owned()));
            };
            let Some(key_file) = self.key_file() else {
                self.error(
                    kind.env_key(),
                    "is ENCRYPTED: but no home folder was found to look for ~/.bobo_encryption_key",
                    "BOBO_ENCRYPTION_KEY_PATH set to the Fernet key file",
                );
                return None;
            };
            return match legacy_crypto::decrypt(token, &key_file) {
                Ok(secret) => Some(secret),
                Err(e) => {
                    self.error(
                        kind.env_key(),
                        e.to_string(),
                        "an ENCRYPTED: value made with that key file, or BOBO_ENCRYPTION_KEY_PATH naming the right key file",
                    );
                    None
                }
            };
        }
        let lookup = name.as_ref().map(|n| (n, host.secrets.get(n)));
        let problem = match lookup {
            Some((_, Ok(Some(secret)))) => return Some(secret),
            Some((n, Ok(None))) => format!(
                "is not set (not in the environment, the settings, or the keyring entry `{n}`; \
                 stored secrets are kept per server, proxy and TLS settings, so after a change \
                 to any of them they must be stored again)"
            ),
            Some((n, Err(SecretStoreError::Unavailable { reason }))) => {
                format!("is not set, and the OS keyring is unavailable to look up `{n}` ({reason})")
            }
            Some((_, Err(e))) => format!("is not set, and {e}"),
            None => "is not set (and the keyring cannot be searched without the organization, client ID and user)"
                .to_owned(),
        };
        let var = kind.override_var();
        let key = kind.env_key();
        self.error(
            key,
            problem,
            format!(
                "one of: the environment variable {var}; {key}=... (or {key}=ENCRYPTED:...) in the .env file; \
                 or the OS keyring (service `bobosync`), filled by `bobosync import-legacy` or the tray app"
            ),
        );
        None
    }

    /// The server, who connects, and the route: what the secrets are bound to.
    fn connection(&mut self) -> Connection {
        let base_url = self.required(
            ATHOC_SERVER_URL,
            "the AtHoc server's https:// address",
            parse_base_url,
        );
        let org_code = self.required(ORG_CODE, "the AtHoc organization code", any_text);
        let client_id = self.required(CLIENT_ID, "the API application's client ID", any_text);
        let username = self.username();
        let verification = if self.parse(DISABLE_SSL_VERIFY, false, BOOL, parse_bool) {
            TlsVerification::Disabled
        } else {
            TlsVerification::Verify
        };
        let tls = TlsOptions {
            verification,
            extra_ca: self.existing_file(SSL_CERT_PATH),
        };
        let proxy = self.proxies();
        Connection {
            base_url,
            org_code,
            client_id,
            username,
            tls,
            proxy,
        }
    }

    /// `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY`.
    fn proxies(&mut self) -> ProxyOptions {
        const PROXY: &str = "a proxy URL such as http://proxy.example:8080";
        ProxyOptions {
            http: self.optional(HTTP_PROXY, PROXY, parse_proxy),
            https: self.optional(HTTPS_PROXY, PROXY, parse_proxy),
            no_proxy: self.optional(
                NO_PROXY,
                "comma-separated host names, .domains, IP addresses or ranges",
                parse_no_proxy,
            ),
        }
    }

    fn key_file(&self) -> Option<PathBuf> {
        let home = self.ctx.host.home_dir.as_deref();
        match self.raw.get(BOBO_ENCRYPTION_KEY_PATH) {
            Some(text) => Some(resolve_path(text, self.ctx.base_dir, home)),
            None => home.map(|h| h.join(DEFAULT_KEY_FILE)),
        }
    }
}

/// Any text: [`RawSettings::get`] already treats a blank value as unset.
fn any_text(text: &str) -> Result<String, String> {
    Ok(text.to_owned())
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(format!("`{text}` is not a yes/no value")),
    }
}

fn parse_in_range<T: FromStr + PartialOrd + Display>(
    text: &str,
    min: T,
    max: T,
) -> Result<T, String> {
    match text.parse::<T>() {
        Ok(v) if v >= min && v <= max => Ok(v),
        Ok(_) => Err(format!("{text} is out of range")),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=3600.0).contains(&v) => Ok(Duration::from_secs_f64(v)),
        Ok(_) => Err(format!("{text} is out of range")),
        Err(_) => Err(format!("`{text}` is not a number of seconds")),
    }
}

fn parse_hours(text: &str) -> Result<(chrono::NaiveTime, chrono::NaiveTime), String> {
    let time = |t: &str| {
        chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M")
            .map_err(|_| format!("`{}` is not a time like 07:00", t.trim()))
    };
    let (from, until) = text
        .split_once('-')
        .ok_or_else(|| format!("`{text}` is not two times joined by `-`"))?;
    Ok((time(from)?, time(until)?))
}

fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').trim().parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
        Ok(_) => Err(format!("{text} is out of range")),
        Err(_) => Err(format!("`{text}` is not a number")),
    }
}

fn parse_list(text: &str) -> Result<Vec<String>, String> {
    let items: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if items.is_empty() {
        Err("lists no attribute".to_owned())
    } else {
        Ok(items)
    }
}

/// `https://` anywhere; `http://` only for a loopback host.
pub(crate) fn parse_base_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("`{text}` is not a URL ({e})"))?;
    let loopback = match url.host() {
        Some(UrlHost::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(UrlHost::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(UrlHost::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => return Err(format!("`{text}` has no host name")),
    };
    if url.cannot_be_a_base() {
        return Err(format!("`{text}` cannot be a base URL"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(format!(
            "`{text}` uses plain http:// for a host that is not this machine; the password would travel unencrypted"
        )),
        other => Err(format!("`{text}` uses the scheme `{other}`")),
    }
}

/// A proxy URL. The text is never echoed back: it may hold a password.
fn parse_proxy(text: &str) -> Result<String, String> {
    match Url::parse(text) {
        Ok(url) if url.host().is_some() => Ok(text.to_owned()),
        Ok(url) => Err(format!(
            "`{}` has no host name",
            crate::athoc::redact_proxy(url.as_str())
        )),
        Err(e) => Err(format!(
            "is not a URL ({e}; the value is not shown, as it may hold a password)"
        )),
    }
}

fn parse_no_proxy(text: &str) -> Result<String, String> {
    match reqwest::NoProxy::from_string(text) {
        Some(_) => Ok(text.trim().to_owned()),
        None => Err(format!("`{text}` lists no host")),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("https://athoc.example.org", true)]
    #[case("https://athoc.example.org/", true)]
    #[case("http://127.0.0.1:8080", true)]
    #[case("http://127.5.6.7", true)]
    #[case("http://[::1]:9000", true)]
    #[case("http://localhost:3000", true)]
    #[case("http://athoc.example.org", false)]
    #[case("http://10.0.0.1", false)]
    #[case("ftp://athoc.example.org", false)]
    #[case("athoc.example.org", false)]
    fn base_url_rule(#[case] text: &str, #[case] ok: bool) {
        assert_eq!(parse_base_url(text).is_ok(), ok, "{text}");
    }

    #[rstest]
    #[case("true", true)]
    #[case("YES", true)]
    #[case("1", true)]
    #[case("False", false)]
    #[case("no", false)]
    #[case("0", false)]
    fn booleans(#[case] text: &str, #[case] value: bool) {
        assert_eq!(parse_bool(text), Ok(value));
    }

    #[test]
    fn bad_boolean_and_ranges() {
        assert!(parse_bool("maybe").is_err());
        assert!(parse_in_range::<u32>("24", 0, 23).is_err());
        assert!(parse_in_range::<u32>("x", 0, 23).is_err());
        assert_eq!(parse_percent("12.5%"), Ok(12.5));
        assert_eq!(
            parse_list(" a, ,b "),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
    }
}
