//! Loading the Python tool's `.env` files: every key, defaults, relative
//! paths, environment precedence, `ENCRYPTED:` values, secrets and errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use engine::athoc::TlsVerification;
use engine::config::{
    defaults, ConfigErrors, Host, LoadError, LogLevel, MemorySecretStore, SecretName, SecretStore,
    Settings,
};
use secrecy::{ExposeSecret, SecretString};
use tempfile::TempDir;

const MINIMAL: &str = "\
ATHOC_SERVER_URL=https://athoc.example.org
ORG_CODE=ORG1
CLIENT_ID=bobo-app
CLIENT_SECRET=file-client-secret
APIUSER=svc.bobo
PASSWORD=file-password
";

/// A temporary folder holding the `.env` file, a fake home and a secret store.
struct Fixture {
    dir: TempDir,
    store: Arc<MemorySecretStore>,
    env: HashMap<String, String>,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Self {
            dir,
            store: Arc::new(MemorySecretStore::new()),
            env: HashMap::new(),
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn set_env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.insert(key.to_owned(), value.to_owned());
        self
    }

    fn host(&self) -> Host {
        Host::isolated(self.env.clone(), self.store.clone(), self.home())
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn load(&self, text: &str) -> Result<Settings, LoadError> {
        let path = self.write(".env", text);
        Settings::from_env_file(&path, &self.host())
    }

    fn errors(&self, text: &str) -> ConfigErrors {
        match self.load(text) {
            Err(LoadError::Invalid { errors, .. }) => errors,
            other => panic!("expected invalid settings, got {other:?}"),
        }
    }
}

#[test]
fn every_seed_key_is_read() {
    let f = Fixture::new();
    let ca = f.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
    let text = format!(
        "\
ATHOC_SERVER_URL=https://athoc.example.org/
CLIENT_ID=bobo-app
CLIENT_SECRET=cs
APIUSER=svc.bobo
PASSWORD=pw
ORG_CODE=ORG1
SCOPE=openid athoc.iws.web.api
DISABLE_SSL_VERIFY=yes
SSL_CERT_PATH={}
HTTP_PROXY=http://proxy.example:8080
HTTPS_PROXY=http://proxy.example:8443
LOG_LEVEL=warning
LOG_DIRECTORY=/var/log/bobo
LOG_PURGE_DAYS=14
CSV_DIRECTORY=/data/in
PROCESSED_DIRECTORY=/data/done
MOVE_PROCESSED_FILES=false
PROCESSED_FILES_PURGE_DAYS=7
BATCH_SIZE=25
DB_PATH=/data/map.db
SYNC_MAPPINGS=0
SYNC_HOUR=6
SYNC_RETRY_DAYS=3
DUTY_STATUS_FIELD=Duty-DTG
COLLAR_ID_FIELD=Payroll
USER_ATTRIBUTES=Payroll, FIRSTNAME
AUTO_CLEANUP_HOURS=12
MAX_RETRY_ATTEMPTS=5
FAILED_FILES_DIRECTORY=/data/failed
ATHOC_DATE_FORMAT=MM/dd/yyyy HH:mm:ss
TIME_ZONE=Europe/London
FILE_SETTLE_SECONDS=0.5
USERS_PER_REQUEST=500
PAGE_SIZE=250
HTTP_TIMEOUT_SECONDS=60
MAPPING_PURGE_GUARD_PERCENT=5
MAPPING_PURGE_GUARD_MIN=10
CLEANUP_GUARD_PERCENT=75
CLEANUP_GUARD_MIN=30
",
        ca.display()
    );
    let s = f.load(&text).unwrap();
    let a = &s.athoc;
    assert_eq!(a.base_url.as_str(), "https://athoc.example.org/");
    assert_eq!(a.org_code, "ORG1");
    assert_eq!(a.credentials.client_id, "bobo-app");
    assert_eq!(a.credentials.client_secret.expose_secret(), "cs");
    assert_eq!(a.credentials.username, "svc.bobo");
    assert_eq!(a.credentials.password.expose_secret(), "pw");
    assert_eq!(a.credentials.scope, "openid athoc.iws.web.api");
    assert_eq!(a.tls.verification, TlsVerification::Disabled);
    assert_eq!(a.tls.extra_ca.as_deref(), Some(ca.as_path()));
    assert_eq!(a.proxy.http.as_deref(), Some("http://proxy.example:8080"));
    assert_eq!(a.proxy.https.as_deref(), Some("http://proxy.example:8443"));
    assert_eq!(a.timeout, Duration::from_secs(60));
    assert_eq!(a.users_per_request, 500);
    assert_eq!(a.page_size, 250);
    assert_eq!(s.logging.level, LogLevel::Warning);
    assert_eq!(s.logging.dir, Path::new("/var/log/bobo"));
    assert_eq!(s.logging.purge_days, 14);
    assert_eq!(s.paths.drop_dir, Path::new("/data/in"));
    assert_eq!(s.paths.processed_dir, Path::new("/data/done"));
    assert_eq!(s.paths.failed_dir, Path::new("/data/failed"));
    assert_eq!(s.paths.db_path, Path::new("/data/map.db"));
    assert_eq!(s.paths.log_dir, Path::new("/var/log/bobo"));
    assert!(!s.files.move_processed);
    assert_eq!(s.files.processed_purge_days, 7);
    assert_eq!(s.files.files_per_batch, 25);
    assert_eq!(s.files.settle, Duration::from_millis(500));
    assert_eq!(s.files.max_retry_attempts, 5);
    assert!(!s.mapping.enabled);
    assert_eq!(s.mapping.sync_hour, 6);
    assert_eq!(s.mapping.retry_days, 3);
    assert_eq!(s.mapping.purge_guard.max_fraction, 0.05);
    assert_eq!(s.mapping.purge_guard.min_count, 10);
    assert_eq!(s.cleanup.stale_after, chrono::Duration::hours(12));
    assert_eq!(s.cleanup.guard.max_fraction, 0.75);
    assert_eq!(s.cleanup.guard.min_count, 30);
    assert_eq!(s.fields.duty_attribute, "Duty-DTG");
    assert_eq!(s.fields.collar_attribute, "Payroll");
    assert_eq!(s.fields.user_attributes, ["Payroll", "FIRSTNAME"]);
    assert_eq!(s.date_format, "MM/dd/yyyy HH:mm:ss");
    assert_eq!(s.time_zone, chrono_tz::Europe::London);
    assert!(
        s.warnings()
            .iter()
            .any(|w| w.contains("DISABLE_SSL_VERIFY")),
        "{:?}",
        s.warnings()
    );
}

#[test]
fn defaults_match_the_python_tool() {
    let f = Fixture::new();
    let mut host = f.host();
    host.system_time_zone = Some("Europe/Paris".to_owned());
    let path = f.write(".env", MINIMAL);
    let s = Settings::from_env_file(&path, &host).unwrap();
    let dir = f.dir.path();
    assert_eq!(s.athoc.credentials.scope, "athoc.iws.web.api");
    assert_eq!(s.athoc.tls.verification, TlsVerification::Verify);
    assert_eq!(s.athoc.tls.extra_ca, None);
    assert_eq!(s.athoc.proxy.http, None);
    assert_eq!(s.athoc.users_per_request, 1000);
    assert_eq!(s.athoc.page_size, 1000);
    assert_eq!(s.athoc.timeout, Duration::from_secs(30));
    assert_eq!(s.date_format, "dd/MM/yyyy HH:mm:ss");
    assert_eq!(s.time_zone, chrono_tz::Europe::Paris);
    assert_eq!(s.fields.duty_attribute, "On-Duty-DTG");
    assert_eq!(s.fields.collar_attribute, "Collar-Number");
    assert_eq!(
        s.fields.user_attributes,
        ["Collar-Number", "FIRSTNAME", "LASTNAME"]
    );
    assert_eq!(s.files.files_per_batch, 10);
    assert_eq!(s.files.settle, Duration::from_secs(2));
    assert_eq!(s.files.move_processed, defaults::MOVE_PROCESSED_FILES);
    assert_eq!(s.files.max_retry_attempts, defaults::MAX_RETRY_ATTEMPTS);
    assert_eq!(
        s.files.processed_purge_days,
        defaults::PROCESSED_FILES_PURGE_DAYS
    );
    assert!(s.mapping.enabled);
    assert_eq!(s.mapping.sync_hour, 20);
    assert_eq!(s.mapping.retry_days, 2);
    assert_eq!(
        (
            s.mapping.purge_guard.max_fraction,
            s.mapping.purge_guard.min_count
        ),
        (0.1, 20)
    );
    assert_eq!(s.cleanup.stale_after, chrono::Duration::hours(24));
    assert_eq!(
        (s.cleanup.guard.max_fraction, s.cleanup.guard.min_count),
        (0.5, 20)
    );
    assert_eq!(s.logging.level, LogLevel::Info);
    assert_eq!(s.logging.purge_days, defaults::LOG_PURGE_DAYS);
    assert_eq!(s.paths.drop_dir, dir.join("csv"));
    assert_eq!(s.paths.db_path, dir.join("bobo_mapping.db"));
    assert_eq!(s.paths.log_dir, dir.join("logs"));
    assert_eq!(s.logging.dir, dir.join("logs"));
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());

    // No system zone: UTC, with a notice.
    host.system_time_zone = None;
    let s = Settings::from_env_file(&path, &host).unwrap();
    assert_eq!(s.time_zone, chrono_tz::UTC);
    assert!(s.warnings().iter().any(|w| w.contains("TIME_ZONE")));
}

#[test]
fn relative_paths_resolve_against_the_env_folder() {
    let f = Fixture::new();
    let s = f
        .load(&format!(
            "{MINIMAL}CSV_DIRECTORY=in\nPROCESSED_DIRECTORY=./done\nFAILED_FILES_DIRECTORY=../failed\nDB_PATH=db/map.db\nLOG_DIRECTORY=~/logs\n"
        ))
        .unwrap();
    let dir = f.dir.path();
    assert_eq!(s.paths.drop_dir, dir.join("in"));
    assert_eq!(s.paths.processed_dir, dir.join("./done"));
    assert_eq!(s.paths.failed_dir, dir.join("../failed"));
    assert_eq!(s.paths.db_path, dir.join("db/map.db"));
    assert_eq!(s.paths.log_dir, f.home().join("logs"));
}

#[test]
fn older_username_key_is_a_fallback_for_apiuser() {
    let f = Fixture::new();
    let text = MINIMAL.replace("APIUSER=svc.bobo", "USERNAME=old.svc");
    assert_eq!(f.load(&text).unwrap().athoc.credentials.username, "old.svc");
    let both = format!("{MINIMAL}USERNAME=old.svc\n");
    assert_eq!(
        f.load(&both).unwrap().athoc.credentials.username,
        "svc.bobo"
    );
}

#[test]
fn environment_overrides_the_file_but_not_with_username() {
    let mut f = Fixture::new();
    f.set_env("ORG_CODE", "ENVORG")
        .set_env("SYNC_HOUR", "7")
        .set_env("USERNAME", "desktop.login");
    let text = MINIMAL.replace("APIUSER=svc.bobo", "USERNAME=old.svc");
    let s = f.load(&text).unwrap();
    assert_eq!(s.athoc.org_code, "ENVORG");
    assert_eq!(s.mapping.sync_hour, 7);
    assert_eq!(s.athoc.credentials.username, "old.svc");

    // Windows' USERNAME alone never stands in for APIUSER.
    let text = MINIMAL.replace("APIUSER=svc.bobo\n", "");
    let errors = f.errors(&text);
    assert_eq!(errors.keys(), ["APIUSER"]);
}

fn write_key(path: &Path) -> fernet::Fernet {
    let key = fernet::Fernet::generate_key();
    std::fs::write(path, format!("{key}\n")).unwrap();
    fernet::Fernet::new(&key).unwrap()
}

#[test]
fn encrypted_values_are_decrypted_with_the_home_key_file() {
    let f = Fixture::new();
    let fernet = write_key(&f.home().join(".bobo_encryption_key"));
    let text = MINIMAL
        .replace(
            "CLIENT_SECRET=file-client-secret",
            &format!("CLIENT_SECRET=ENCRYPTED:{}", fernet.encrypt(b"cs-plain")),
        )
        .replace(
            "PASSWORD=file-password",
            &format!("PASSWORD=ENCRYPTED:{}", fernet.encrypt(b"pw-plain")),
        );
    let s = f.load(&text).unwrap();
    assert_eq!(
        s.athoc.credentials.client_secret.expose_secret(),
        "cs-plain"
    );
    assert_eq!(s.athoc.credentials.password.expose_secret(), "pw-plain");
}

#[test]
fn encrypted_values_use_bobo_encryption_key_path() {
    let mut f = Fixture::new();
    let key_path = f.dir.path().join("elsewhere.key");
    let fernet = write_key(&key_path);
    f.set_env("BOBO_ENCRYPTION_KEY_PATH", key_path.to_str().unwrap());
    let text = MINIMAL.replace(
        "PASSWORD=file-password",
        &format!("PASSWORD=ENCRYPTED:{}", fernet.encrypt(b"pw")),
    );
    assert_eq!(
        f.load(&text)
            .unwrap()
            .athoc
            .credentials
            .password
            .expose_secret(),
        "pw"
    );
}

#[test]
fn missing_key_file_and_bad_token_name_the_key_and_the_file() {
    let f = Fixture::new();
    let other = fernet::Fernet::new(&fernet::Fernet::generate_key()).unwrap();
    let text = MINIMAL.replace(
        "PASSWORD=file-password",
        &format!("PASSWORD=ENCRYPTED:{}", other.encrypt(b"pw")),
    );
    let errors = f.errors(&text);
    assert_eq!(errors.keys(), ["PASSWORD"]);
    assert!(
        errors.to_string().contains(".bobo_encryption_key"),
        "{errors}"
    );

    write_key(&f.home().join(".bobo_encryption_key"));
    let errors = f.errors(&text);
    assert_eq!(errors.keys(), ["PASSWORD"]);
    assert!(
        errors.to_string().contains("cannot be decrypted"),
        "{errors}"
    );
}

#[test]
fn a_bad_file_reports_every_problem_at_once() {
    let f = Fixture::new();
    let text = "\
ATHOC_SERVER_URL=http://athoc.example.org
CLIENT_ID=app
SYNC_HOUR=24
BATCH_SIZE=ten
MOVE_PROCESSED_FILES=maybe
LOG_LEVEL=LOUD
TIME_ZONE=Mars/Olympus
SSL_CERT_PATH=missing.pem
HTTP_PROXY=not a url
CLEANUP_GUARD_PERCENT=150
";
    let errors = f.errors(text);
    let mut keys = errors.keys();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "APIUSER",
            "ATHOC_SERVER_URL",
            "BATCH_SIZE",
            "CLEANUP_GUARD_PERCENT",
            "CLIENT_SECRET",
            "HTTP_PROXY",
            "LOG_LEVEL",
            "MOVE_PROCESSED_FILES",
            "ORG_CODE",
            "PASSWORD",
            "SSL_CERT_PATH",
            "SYNC_HOUR",
            "TIME_ZONE",
        ]
    );
    let shown = errors.to_string();
    assert_eq!(shown.lines().count(), errors.0.len());
    for e in &errors.0 {
        assert!(!e.problem.is_empty() && !e.expected.is_empty(), "{e:?}");
    }
    assert!(shown.contains("https"), "{shown}");
}

#[test]
fn plain_http_only_for_loopback() {
    let f = Fixture::new();
    let loopback = MINIMAL.replace("https://athoc.example.org", "http://127.0.0.1:8080");
    assert_eq!(
        f.load(&loopback).unwrap().athoc.base_url.as_str(),
        "http://127.0.0.1:8080/"
    );
    let remote = MINIMAL.replace("https://athoc.example.org", "http://athoc.example.org");
    let errors = f.errors(&remote);
    assert_eq!(errors.keys(), ["ATHOC_SERVER_URL"]);
    assert!(errors.0[0].expected.contains("https://"));
}

#[test]
fn secrets_precedence_environment_then_file_then_keyring() {
    let mut f = Fixture::new();
    let pw_name = SecretName::password(&example_binding(), "ORG1", "svc.bobo");
    let cs_name = SecretName::client_secret(&example_binding(), "ORG1", "bobo-app");
    f.store
        .set(&pw_name, &SecretString::from("keyring-password"))
        .unwrap();
    f.store
        .set(&cs_name, &SecretString::from("keyring-secret"))
        .unwrap();

    let without_secrets = MINIMAL
        .replace("CLIENT_SECRET=file-client-secret\n", "")
        .replace("PASSWORD=file-password\n", "");
    let s = f.load(&without_secrets).unwrap();
    assert_eq!(
        s.athoc.credentials.password.expose_secret(),
        "keyring-password"
    );
    assert_eq!(
        s.athoc.credentials.client_secret.expose_secret(),
        "keyring-secret"
    );

    let s = f.load(MINIMAL).unwrap();
    assert_eq!(
        s.athoc.credentials.password.expose_secret(),
        "file-password"
    );
    assert_eq!(
        s.athoc.credentials.client_secret.expose_secret(),
        "file-client-secret"
    );

    f.set_env("BOBOSYNC_PASSWORD", "env-password")
        .set_env("BOBOSYNC_CLIENT_SECRET", "env-secret");
    let s = f.load(MINIMAL).unwrap();
    assert_eq!(s.athoc.credentials.password.expose_secret(), "env-password");
    assert_eq!(
        s.athoc.credentials.client_secret.expose_secret(),
        "env-secret"
    );
}

/// Secrets in the keyring are bound to the server and the route: changing
/// the server, a proxy, `NO_PROXY`, the CA file or TLS checking looks up
/// other entries, so stored secrets are never sent along the new route.
#[test]
fn keyring_secrets_are_used_only_for_the_server_and_route_they_were_stored_for() {
    let f = Fixture::new();
    let ca = f.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
    let from_keyring = MINIMAL
        .replace("CLIENT_SECRET=file-client-secret\n", "")
        .replace("PASSWORD=file-password\n", "");
    assert!(f.load(&from_keyring).is_err(), "nothing is stored yet");
    for name in [
        SecretName::password(&example_binding(), "ORG1", "svc.bobo"),
        SecretName::client_secret(&example_binding(), "ORG1", "bobo-app"),
    ] {
        f.store.set(&name, &SecretString::from("stored")).unwrap();
    }
    let s = f.load(&from_keyring).unwrap();
    assert_eq!(s.athoc.credentials.password.expose_secret(), "stored");
    assert_eq!(
        s.secret_names().password.account(),
        "ORG1/svc.bobo/password@https://athoc.example.org"
    );

    for change in [
        "ATHOC_SERVER_URL=https://athoc.example.org.evil.test\n".to_owned(),
        "ATHOC_SERVER_URL=https://athoc.example.org:8443\n".to_owned(),
        "HTTPS_PROXY=http://proxy.evil.test:3128\n".to_owned(),
        "HTTP_PROXY=http://proxy.evil.test:3128\n".to_owned(),
        "DISABLE_SSL_VERIFY=true\n".to_owned(),
        format!("SSL_CERT_PATH={}\n", ca.display()),
    ] {
        let key = change.split('=').next().unwrap_or_default();
        let text = if key == "ATHOC_SERVER_URL" {
            from_keyring.replace("ATHOC_SERVER_URL=https://athoc.example.org\n", &change)
        } else {
            format!("{from_keyring}{change}")
        };
        let errors = f.errors(&text);
        assert_eq!(
            errors.keys(),
            ["CLIENT_SECRET", "PASSWORD"],
            "after {change}"
        );
        let shown = errors.to_string();
        assert!(shown.contains("must be stored again"), "{shown}");
    }
    // Adding a host to NO_PROXY changes the route only once a proxy is set.
    let proxied = format!("{from_keyring}HTTPS_PROXY=http://proxy.example.org:3128\n");
    let names = |text: &str| {
        f.errors(text)
            .to_string()
            .split('`')
            .nth(1)
            .map(str::to_owned)
            .unwrap_or_default()
    };
    assert_ne!(
        names(&proxied),
        names(&format!("{proxied}NO_PROXY=athoc.example.org\n"))
    );
}

/// A proxy URL may hold a password: a bad one is not echoed back.
#[test]
fn a_bad_proxy_setting_does_not_show_its_password() {
    let f = Fixture::new();
    for bad in ["http://user:hunter2@[bad", "http://user:hunter2@"] {
        let errors = f.errors(&format!("{MINIMAL}HTTPS_PROXY={bad}\nHTTP_PROXY={bad}\n"));
        assert_eq!(errors.keys(), ["HTTP_PROXY", "HTTPS_PROXY"], "{bad}");
        let shown = format!("{errors} {errors:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
    let s = f
        .load(&format!(
            "{MINIMAL}HTTPS_PROXY=http://user:hunter2@proxy.example.org:3128\n"
        ))
        .unwrap();
    assert!(!format!("{:?}", s.athoc).contains("hunter2"));
}

#[test]
fn an_unavailable_keyring_is_fine_when_secrets_come_from_elsewhere() {
    let mut f = Fixture::new();
    f.store = Arc::new(MemorySecretStore::unavailable());
    assert!(f.load(MINIMAL).is_ok());

    let without_password = MINIMAL.replace("PASSWORD=file-password\n", "");
    let errors = f.errors(&without_password);
    assert_eq!(errors.keys(), ["PASSWORD"]);
    let shown = errors.to_string();
    assert!(shown.contains("keyring is unavailable"), "{shown}");
    for way in ["BOBOSYNC_PASSWORD", "PASSWORD=", "keyring"] {
        assert!(shown.contains(way), "{way} missing from: {shown}");
    }
    f.set_env("BOBOSYNC_PASSWORD", "env-password");
    assert!(f.load(&without_password).is_ok());
}

#[test]
fn debug_output_and_errors_never_show_secrets() {
    let f = Fixture::new();
    let s = f.load(MINIMAL).unwrap();
    let debug = format!("{s:?}");
    assert!(
        !debug.contains("file-password") && !debug.contains("file-client-secret"),
        "{debug}"
    );
    assert!(debug.contains("svc.bobo"));

    let broken = MINIMAL
        .replace("ORG_CODE=ORG1", "ORG_CODE=")
        .replace("PASSWORD=file-password", "PASSWORD=\"file-password");
    let shown = f.load(&broken).unwrap_err().to_string();
    assert!(!shown.contains("file-password"), "{shown}");
}

#[test]
fn duty_attribute_may_not_be_an_identity_attribute() {
    let f = Fixture::new();
    let errors = f.errors(&format!("{MINIMAL}DUTY_STATUS_FIELD=LOGIN_ID\n"));
    assert_eq!(errors.keys(), ["DUTY_STATUS_FIELD"]);
}

/// Issue 9: in `.env` mode the environment silently overrode the keys that decide where the
/// secrets go and whom to trust. It still wins (as python-dotenv does), but never silently.
#[test]
fn an_environment_override_of_a_security_key_is_warned_by_name() {
    let mut f = Fixture::new();
    f.set_env("HTTPS_PROXY", "http://proxy.elsewhere:3128")
        .set_env("ATHOC_SERVER_URL", "https://other.example.org")
        .set_env("ORG_CODE", "ENVORG");
    let s = f.load(MINIMAL).unwrap();
    let warnings = s.warnings().join("\n");
    for key in ["HTTPS_PROXY", "ATHOC_SERVER_URL"] {
        assert!(
            warnings.contains(&format!("{key} comes from the process environment")),
            "{warnings}"
        );
    }
    assert!(!warnings.contains("ORG_CODE comes from"), "{warnings}");
    assert!(
        !warnings.contains("proxy.elsewhere"),
        "the value is not repeated: {warnings}"
    );
}

/// The secrets' binding for `https://athoc.example.org`, direct and verified.
fn example_binding() -> engine::config::SecretBinding {
    engine::config::SecretBinding::new(
        &url::Url::parse("https://athoc.example.org").unwrap(),
        &Default::default(),
        &Default::default(),
    )
}
