//! The AtHoc REST client (shell): token, user directory paging and
//! `SyncByCommonNames`, as written in `athoc-api.md`. Knows nothing of BOBO
//! files or SQLite. Shares no code with `athoc-sim`, on purpose.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

mod auth;
mod error;
mod retry;
mod sync;
mod transport;
mod users;

pub use error::AthocError;
pub use retry::MAX_RETRY_AFTER;
pub use sync::{AttributeUpdate, ChunkAnswers, UpdateOutcome};
pub use users::{AthocUser, OffsetMeaning, UserDirectory};

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
    /// `SyncByCommonNames` requests in flight at once (default 4; one at a
    /// time while AtHoc throttles).
    pub concurrent_requests: usize,
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

/// `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` from the settings (proxies are
/// never used for loopback hosts). `Debug` hides proxy passwords.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyOptions {
    pub http: Option<String>,
    pub https: Option<String>,
    /// Hosts (and domains, `.example.org`, or IP ranges) reached directly,
    /// in the `NO_PROXY` syntax.
    pub no_proxy: Option<String>,
}

impl std::fmt::Debug for ProxyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |p: &Option<String>| p.as_deref().map(redact_proxy);
        f.debug_struct("ProxyOptions")
            .field("http", &shown(&self.http))
            .field("https", &shown(&self.https))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// A proxy URL as it may be shown: any password replaced by `***`. Text
/// that is not a URL is not shown at all (it may be a mistyped URL that
/// still holds the password).
pub fn redact_proxy(proxy: &str) -> String {
    match url::Url::parse(proxy.trim()) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "(not a URL; not shown)".to_owned(),
    }
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
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// The AtHoc REST client for one organization. Cheap to clone: clones share
/// the HTTP connection pool and the cached token.
#[derive(Clone)]
pub struct AthocClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    /// What was wrong with the system trust store when the client was built.
    trust_notice: Option<String>,
    token: tokio::sync::Mutex<Option<auth::CachedToken>>,
    /// When AtHoc last answered a request with success (a token, or a 2xx
    /// API reply): a cycle that has just heard from it needs no probe.
    answered: std::sync::Mutex<Option<tokio::time::Instant>>,
    /// How many times AtHoc has answered "slow down" (429, or 503 with
    /// `Retry-After`): concurrent senders watch it to send one at a time.
    throttled: std::sync::atomic::AtomicU64,
    /// What `Offset` means for this server, once known.
    offset_meaning: std::sync::Mutex<Option<OffsetMeaning>>,
    /// How many users each directory query (by its `Criteria`, `""` for
    /// all) matched last time: the next fetch asks for that many pages at once.
    directory_totals: std::sync::Mutex<BTreeMap<String, usize>>,
}

/// How recent a successful answer from AtHoc must be for
/// [`AthocClient::confirm_connection`] to skip its probe.
pub const CONNECTION_PROOF_AGE: Duration = Duration::from_secs(10);

impl fmt::Debug for AthocClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AthocClient")
            .field("base_url", &self.inner.config.base_url.as_str())
            .field("org_code", &self.inner.config.org_code)
            .finish_non_exhaustive()
    }
}

impl AthocClient {
    /// Builds the client: rustls with the OS trust store plus `tls.extra_ca`;
    /// certificates unchecked only with [`TlsVerification::Disabled`] (warned
    /// about on every start); the configured proxies only, never for
    /// loopback hosts (proxies in the process environment are ignored);
    /// `http://` refused unless the host is loopback. No request is sent.
    pub fn new(config: ClientConfig) -> Result<Self, AthocError> {
        if config.org_code.trim().is_empty() {
            return Err(AthocError::Config {
                reason: "ORG_CODE is empty; set it to the AtHoc organization code".into(),
            });
        }
        let (http, trust_notice) = transport::build_http_client(&config)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                config,
                trust_notice,
                token: tokio::sync::Mutex::new(None),
                answered: std::sync::Mutex::new(None),
                throttled: std::sync::atomic::AtomicU64::new(0),
                offset_meaning: std::sync::Mutex::new(None),
                directory_totals: std::sync::Mutex::new(BTreeMap::new()),
            }),
        })
    }

    /// The settings this client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// A warning about the system trust store (no usable CA certificate),
    /// as found when this client was built.
    pub fn trust_notice(&self) -> Option<&str> {
        self.inner.trust_notice.as_deref()
    }

    /// Checks that AtHoc can be reached and accepts the credentials and the
    /// operator's role: gets a token and fetches one user (`Limit=1`).
    pub async fn check_connection(&self) -> Result<(), AthocError> {
        self.bearer().await?;
        self.fetch_page("LOGIN_ID", 1, 0, None).await.map(|_| ())
    }

    /// What a cycle starts with: a token (fetched if none is held), and the
    /// probe of [`AthocClient::check_connection`] only when AtHoc has not
    /// answered a request with success in the last
    /// [`CONNECTION_PROOF_AGE`]. A `bobosync once` fetches its token here,
    /// which proves the connection, so it makes no probe; a long-running
    /// engine probes at the start of a cycle that follows a quiet spell.
    pub async fn confirm_connection(&self) -> Result<(), AthocError> {
        self.bearer().await?;
        if self.answered_within(CONNECTION_PROOF_AGE) {
            return Ok(());
        }
        self.check_connection().await
    }

    /// Notes that AtHoc has just answered a request with success.
    fn note_answer(&self) {
        let mut answered = self
            .inner
            .answered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *answered = Some(tokio::time::Instant::now());
    }

    /// Whether AtHoc answered a request with success within `age`.
    fn answered_within(&self, age: Duration) -> bool {
        let answered = *self
            .inner
            .answered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        answered.is_some_and(|at| at.elapsed() <= age)
    }
}
