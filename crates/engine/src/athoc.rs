//! The AtHoc REST client (shell): token, user directory paging and
//! `SyncByCommonNames`, as written in `athoc-api.md`. Knows nothing of BOBO
//! files or SQLite. Shares no code with `athoc-sim`, on purpose.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// Everything needed to talk to one AtHoc organization.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `ATHOC_SERVER_URL`, e.g. `https://athoc.example.org`.
    pub base_url: Url,
    /// `ORG_CODE`: the organization (tenant) code.
    pub org_code: String,
    pub credentials: Credentials,
    pub tls: TlsOptions,
    pub proxy: ProxyOptions,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Users per `SyncByCommonNames` request (default 1000).
    pub users_per_request: usize,
    /// `Limit` per `users/search/basic` page (default 1000).
    pub page_size: usize,
    pub retry: RetryPolicy,
}

/// The password-grant credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: SecretString,
    /// `APIUSER` (older `.env` files: `USERNAME`).
    pub username: String,
    pub password: SecretString,
    /// `SCOPE`, space-separated (default `athoc.iws.web.api`).
    pub scope: String,
}

/// Certificate checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `DISABLE_SSL_VERIFY=true`: accept any certificate (loudly warned).
    pub verification: TlsVerification,
    /// `SSL_CERT_PATH`: an extra CA certificate (PEM) trusted besides the OS store.
    pub extra_ca: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TlsVerification {
    #[default]
    Verify,
    /// Certificates are not checked. Only for test systems.
    Disabled,
}

/// `HTTP_PROXY` / `HTTPS_PROXY` from the settings (never used for loopback hosts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyOptions {
    pub http: Option<String>,
    pub https: Option<String>,
}

/// Retries of transient failures (timeouts, connection errors, 5xx, 429).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 5, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(30) }
    }
}
