//! The HTTP layer of the AtHoc client: building the `reqwest` client (TLS,
//! proxies, timeout), endpoint URLs, sending with retries, and turning HTTP
//! failures into [`AthocError`]s. Knows nothing of tokens or users.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use reqwest::header::RETRY_AFTER;
use reqwest::{RequestBuilder, StatusCode};
use secrecy::ExposeSecret;
use url::{Host, Url};

use super::retry::{backoff_delay, parse_retry_after, MAX_RETRY_AFTER};
use super::{AthocError, ClientConfig, TlsVerification};

/// The per-request timeout used when the settings say zero.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Hosts that never go through a proxy, besides the settings' `NO_PROXY`.
const NO_PROXY: &str = "localhost,127.0.0.1,::1";

/// Whether `url` names this machine (`localhost`, `127.0.0.0/8`, `::1`).
pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The per-request timeout actually used.
pub(super) fn effective_timeout(config: &ClientConfig) -> Duration {
    if config.timeout.is_zero() {
        DEFAULT_TIMEOUT
    } else {
        config.timeout
    }
}

/// Checks the base URL: `https://`, or `http://` only for loopback hosts.
pub(super) fn check_base_url(base: &Url) -> Result<(), AthocError> {
    match base.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(base) => Ok(()),
        "http" => Err(AthocError::Config {
            reason: format!(
                "ATHOC_SERVER_URL {} uses plain http://, which would send the credentials \
                 unencrypted; use https:// (plain http is only allowed for localhost)",
                base.origin().ascii_serialization()
            ),
        }),
        other => Err(AthocError::Config {
            reason: format!(
                "ATHOC_SERVER_URL has the scheme `{other}:`; use an https:// address, e.g. \
                 https://athoc.example.org"
            ),
        }),
    }
}

/// The system trust store's CA certificates that rustls can use. A machine
/// without any (no `ca-certificates` package, an empty or unreadable
/// `/etc/ssl/certs`) is not an error: it is warned about, and only
/// `SSL_CERT_PATH` is trusted. Certificates rustls cannot parse are skipped.
fn system_roots(config: &ClientConfig) -> (Vec<reqwest::Certificate>, Option<String>) {
    let loaded = rustls_native_certs::load_native_certs();
    for error in &loaded.errors {
        tracing::warn!(error = %error, "could not read part of the system's CA certificates");
    }
    let mut store = rustls::RootCertStore::empty();
    let mut usable = Vec::new();
    for der in loaded.certs {
        if store.add(der.clone()).is_ok() {
            if let Ok(cert) = reqwest::Certificate::from_der(&der) {
                usable.push(cert);
            }
        }
    }
    let notice = empty_store_notice(config, usable.is_empty());
    if let Some(notice) = &notice {
        tracing::warn!("{notice}");
    }
    (usable, notice)
}

fn empty_store_notice(config: &ClientConfig, empty: bool) -> Option<String> {
    if !empty || config.tls.verification != TlsVerification::Verify {
        return None;
    }
    let only = if config.tls.extra_ca.is_some() {
        "only the CA in SSL_CERT_PATH is trusted"
    } else {
        "no server certificate can be trusted until SSL_CERT_PATH names AtHoc's CA"
    };
    Some(format!(
        "the system trust store has no usable CA certificates (on Debian or Ubuntu, install \
         the `ca-certificates` package); {only}"
    ))
}

/// Builds the HTTP client: rustls with the OS trust store plus the extra CA,
/// explicit proxies only (the process environment's proxies are ignored, and
/// loopback hosts are never proxied), no redirects, the per-request timeout.
/// Also returns what is wrong with the system trust store, if anything.
pub(super) fn build_http_client(
    config: &ClientConfig,
) -> Result<(reqwest::Client, Option<String>), AthocError> {
    check_base_url(&config.base_url)?;
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .timeout(effective_timeout(config))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("BoboSync/", env!("CARGO_PKG_VERSION")))
        .no_proxy();
    // Plain http (loopback only: the simulator, a local proxy) has no
    // certificate to check, so the system trust store is not read: it costs
    // a few milliseconds on Linux and much more under Wine, whose crypt32
    // builds its root store on first use.
    let (roots, trust_notice) = if config.base_url.scheme() == "https" {
        system_roots(config)
    } else {
        (Vec::new(), None)
    };
    for cert in roots {
        builder = builder.add_root_certificate(cert);
    }

    if let Some(path) = &config.tls.extra_ca {
        let pem = std::fs::read(path).map_err(|e| AthocError::Config {
            reason: format!(
                "cannot read the CA certificate SSL_CERT_PATH={}: {e}; point SSL_CERT_PATH at a \
                 readable PEM file or remove it",
                path.display()
            ),
        })?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| AthocError::Config {
                reason: format!(
                "SSL_CERT_PATH={} is not a PEM certificate file ({e}); export the CA certificate \
                 as PEM (-----BEGIN CERTIFICATE-----)",
                path.display()
            ),
            })?;
        if certs.is_empty() {
            return Err(AthocError::Config {
                reason: format!(
                    "SSL_CERT_PATH={} holds no certificate; export the CA certificate as PEM \
                     (-----BEGIN CERTIFICATE-----)",
                    path.display()
                ),
            });
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }

    if config.tls.verification == TlsVerification::Disabled {
        tracing::warn!(
            server = %config.base_url.origin().ascii_serialization(),
            "DISABLE_SSL_VERIFY is on: AtHoc's TLS certificate is NOT checked, so anyone on the \
             network path could read the credentials; use SSL_CERT_PATH instead"
        );
        builder = builder.danger_accept_invalid_certs(true);
    }

    // `NO_PROXY=*` (as curl and Python's requests read it): no proxy at all.
    let no_proxy_at_all = non_empty(config.proxy.no_proxy.as_deref())
        .is_some_and(|list| list.split(',').any(|host| host.trim() == "*"));
    if !is_loopback(&config.base_url) && !no_proxy_at_all {
        let no_proxy = match non_empty(config.proxy.no_proxy.as_deref()) {
            Some(listed) => reqwest::NoProxy::from_string(&format!("{NO_PROXY},{listed}")),
            None => reqwest::NoProxy::from_string(NO_PROXY),
        };
        if let Some(proxy) = non_empty(config.proxy.http.as_deref()) {
            let proxy = reqwest::Proxy::http(proxy).map_err(|_| bad_proxy("HTTP_PROXY"))?;
            builder = builder.proxy(proxy.no_proxy(no_proxy.clone()));
        }
        if let Some(proxy) = non_empty(config.proxy.https.as_deref()) {
            let proxy = reqwest::Proxy::https(proxy).map_err(|_| bad_proxy("HTTPS_PROXY"))?;
            builder = builder.proxy(proxy.no_proxy(no_proxy));
        }
    }

    let client = builder.build().map_err(|e| AthocError::Config {
        reason: format!("cannot set up the HTTPS client: {}", error_chain(&e)),
    })?;
    Ok((client, trust_notice))
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn bad_proxy(key: &str) -> AthocError {
    // The value is not shown: a proxy URL may carry a password.
    AthocError::Config {
        reason: format!(
            "{key} is not a valid proxy URL (value not shown); use e.g. http://proxy.example:8080"
        ),
    }
}

/// `base` with `segments` appended to its path (each one percent-encoded),
/// no query.
pub(super) fn endpoint_url(base: &Url, segments: &[&str]) -> Result<Url, AthocError> {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|()| AthocError::Config {
            reason: format!(
                "ATHOC_SERVER_URL {base} cannot have paths; use e.g. https://athoc.example.org"
            ),
        })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// A reply that was not retried: its status and body.
#[derive(Debug)]
pub(super) struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// Sends the request `build` makes, retrying timeouts, connection errors,
/// 429 and 5xx per the [`super::RetryPolicy`]; any other reply is returned as is.
pub(super) async fn send_with_retry(
    config: &ClientConfig,
    throttled: &AtomicU64,
    endpoint: &str,
    build: impl Fn() -> RequestBuilder,
) -> Result<Reply, AthocError> {
    let policy = config.retry;
    let max_attempts = policy.max_attempts.max(1);
    let timeout = effective_timeout(config);
    let mut attempt = 1;
    loop {
        let (error, retry_after) = match build().send().await {
            Ok(response) => {
                let status = response.status();
                let retry_after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, Utc::now()));
                match response.bytes().await {
                    Ok(body) => {
                        tracing::debug!(
                            endpoint,
                            status = status.as_u16(),
                            attempt,
                            "AtHoc replied"
                        );
                        match classify_retryable(endpoint, status, retry_after, &body, config) {
                            None => {
                                return Ok(Reply {
                                    status,
                                    body: body.to_vec(),
                                })
                            }
                            Some(error) => {
                                if matches!(error, AthocError::Throttled { .. }) {
                                    throttled.fetch_add(1, Ordering::Relaxed);
                                }
                                let honoured = matches!(status.as_u16(), 429 | 503)
                                    .then_some(retry_after)
                                    .flatten();
                                (error, honoured)
                            }
                        }
                    }
                    Err(e) => (transport_error(endpoint, &e, timeout), None),
                }
            }
            Err(e) => (transport_error(endpoint, &e, timeout), None),
        };
        if attempt >= max_attempts {
            return Err(error);
        }
        let wait = match retry_after {
            Some(wait) if wait > MAX_RETRY_AFTER => return Err(error),
            Some(wait) => wait,
            None => backoff_delay(&policy, attempt, rand::random::<f64>()),
        };
        // Each try can take the whole timeout: say so as it happens, not
        // only when the last one failed minutes later.
        tracing::debug!(endpoint, attempt, error = %error, "AtHoc request failed");
        tracing::warn!(
            "AtHoc: {} at {endpoint}; trying again in {:.1} s (try {} of {max_attempts})",
            error.in_brief(),
            wait.as_secs_f64(),
            attempt + 1
        );
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// The error for a reply worth retrying (429, 5xx), or `None` for any other.
fn classify_retryable(
    endpoint: &str,
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    config: &ClientConfig,
) -> Option<AthocError> {
    let code = status.as_u16();
    if code == 429 || (code == 503 && retry_after.is_some()) {
        Some(AthocError::Throttled {
            endpoint: endpoint.to_owned(),
            status: code,
            retry_after,
        })
    } else if status.is_server_error() {
        Some(AthocError::Server {
            endpoint: endpoint.to_owned(),
            status: code,
            detail: body_detail(body, config),
        })
    } else {
        None
    }
}

/// The error for a non-2xx reply that was not retried, on an `/api/v2` call.
pub(super) fn api_status_error(endpoint: &str, reply: &Reply, config: &ClientConfig) -> AthocError {
    let endpoint = endpoint.to_owned();
    let detail = body_detail(&reply.body, config);
    match reply.status.as_u16() {
        400 => AthocError::BadRequest { endpoint, detail },
        401 => AthocError::Unauthorized { endpoint, detail },
        403 => AthocError::Forbidden { endpoint, detail },
        404 => AthocError::NotFound { endpoint, detail },
        status => AthocError::Rejected {
            endpoint,
            status,
            detail,
        },
    }
}

fn transport_error(endpoint: &str, error: &reqwest::Error, timeout: Duration) -> AthocError {
    if let Some(problem) = certificate_problem(error) {
        AthocError::Certificate {
            endpoint: endpoint.to_owned(),
            problem,
        }
    } else if error.is_timeout() {
        AthocError::Timeout {
            endpoint: endpoint.to_owned(),
            timeout,
        }
    } else {
        AthocError::Connection {
            endpoint: endpoint.to_owned(),
            detail: error_chain(error),
        }
    }
}

/// What was wrong with the server's certificate, when `error` is a refused
/// certificate somewhere in its chain of causes.
fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(rustls::Error::InvalidCertificate(problem)) = find_rustls_error(e) {
            return Some(describe_certificate_error(problem));
        }
        current = e.source();
    }
    None
}

/// `error` itself as a rustls error, or the one wrapped (possibly several
/// times) in an `io::Error`, whose `source()` skips the wrapped error.
fn find_rustls_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = error.downcast_ref::<std::io::Error>()?.get_ref()?;
    find_rustls_error(inner)
}

/// An operator's description of a refused certificate and what to do.
pub(super) fn describe_certificate_error(error: &rustls::CertificateError) -> String {
    use rustls::CertificateError as E;
    let date = |t: &rustls::pki_types::UnixTime| {
        i64::try_from(t.as_secs())
            .ok()
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
            .map_or_else(String::new, |d| {
                format!(" on {}", d.format("%Y-%m-%d %H:%M UTC"))
            })
    };
    match error {
        E::UnknownIssuer => "the certificate is not trusted: it was not issued by a certificate \
             authority this machine trusts (nor by the one in SSL_CERT_PATH, if set); if AtHoc \
             uses a private or company CA, set SSL_CERT_PATH to that CA's certificate (PEM)"
            .to_owned(),
        E::Expired => "the certificate has expired; ask the AtHoc administrator to renew it \
             (and check this machine's clock)"
            .to_owned(),
        E::ExpiredContext { not_after, .. } => format!(
            "the certificate has expired{}; ask the AtHoc administrator \
             to renew it (and check this machine's clock)",
            date(not_after)
        ),
        E::NotValidYet => "the certificate is not valid yet; check this machine's clock".to_owned(),
        E::NotValidYetContext { not_before, .. } => format!(
            "the certificate is not valid yet (it becomes valid{}); check this machine's clock",
            date(not_before)
        ),
        E::NotValidForName => "name mismatch: the certificate was issued for another host name; \
             use the host name on the certificate in ATHOC_SERVER_URL"
            .to_owned(),
        E::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names: Vec<String> = presented.iter().map(|n| presented_name(n)).collect();
            format!(
                "name mismatch: the address is {} but the certificate is for {}; use the host \
                 name on the certificate in ATHOC_SERVER_URL",
                expected.to_str(),
                if names.is_empty() {
                    "no host name".to_owned()
                } else {
                    names.join(", ")
                }
            )
        }
        E::Revoked => "the certificate has been revoked; ask the AtHoc administrator".to_owned(),
        other => format!(
            "the certificate was refused ({other}); ask the AtHoc administrator, or set \
             SSL_CERT_PATH to the CA that issued it"
        ),
    }
}

/// `DnsName("athoc.example.org")` (as rustls lists a certificate's names) → `athoc.example.org`.
fn presented_name(name: &str) -> String {
    let inner = name
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(name);
    inner.trim_matches('"').to_owned()
}

/// The error and its causes, without the URL.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut current = error.source();
    while let Some(cause) = current {
        parts.push(cause.to_string());
        current = cause.source();
    }
    if parts.is_empty() {
        "the connection failed".to_owned()
    } else {
        parts.join(": ")
    }
}

/// A short, secret-free description of an error reply's body: AtHoc's
/// `Message` (or OAuth `error_description` / `error`) when there is one.
pub(super) fn body_detail(body: &[u8], config: &ClientConfig) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let detail = if text.is_empty() {
        "no details in the reply".to_owned()
    } else if text.starts_with('<') {
        "an HTML page instead of JSON".to_owned()
    } else {
        let from_json = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| {
                [
                    "Message",
                    "message",
                    "error_description",
                    "error",
                    "title",
                    "Error",
                ]
                .iter()
                .find_map(|key| v.get(key).and_then(|m| m.as_str()).map(str::to_owned))
            });
        // Redacted before it is cut: a cut secret would no longer match.
        let detail = redact(&from_json.unwrap_or_else(|| text.to_owned()), config);
        let collapsed: String = detail.split_whitespace().collect::<Vec<_>>().join(" ");
        truncate(&collapsed, 200)
    };
    redact(&detail, config)
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Removes the password and client secret from text a server sent back,
/// in every form a server may echo them: as sent, form-URL-encoded,
/// percent-encoded, JSON-escaped, and inside HTTP Basic credentials.
pub(super) fn redact(text: &str, config: &ClientConfig) -> String {
    let c = &config.credentials;
    // A proxy's password too: a proxy may answer with its own error page.
    let proxies: Vec<(String, String)> = [&config.proxy.http, &config.proxy.https]
        .into_iter()
        .filter_map(|p| Url::parse(p.as_deref()?).ok())
        .filter_map(|url| {
            let decode = |t: &str| {
                percent_encoding::percent_decode_str(t)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            Some((decode(url.username()), decode(url.password()?)))
        })
        .collect();
    let mut pairs = vec![
        (c.username.as_str(), c.password.expose_secret()),
        (c.client_id.as_str(), c.client_secret.expose_secret()),
    ];
    pairs.extend(proxies.iter().map(|(u, p)| (u.as_str(), p.as_str())));
    redact_secrets(text, &pairs)
}

/// [`redact`] for `(user, secret)` pairs.
pub(crate) fn redact_secrets(text: &str, pairs: &[(&str, &str)]) -> String {
    let mut forms: Vec<String> = Vec::new();
    for (user, secret) in pairs {
        if secret.is_empty() {
            continue;
        }
        forms.push((*secret).to_owned());
        forms.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
        forms.push(
            url::form_urlencoded::byte_serialize(secret.as_bytes())
                .collect::<String>()
                .replace('+', "%20"),
        );
        if let Ok(json) = serde_json::to_string(secret) {
            forms.push(json.trim_matches('"').to_owned());
        }
        forms.push(base64_encode(format!("{user}:{secret}").as_bytes()));
    }
    // Longest first, so a form that contains another is replaced whole.
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    let mut out = text.to_owned();
    for form in forms.iter().filter(|f| !f.is_empty()) {
        out = out.replace(form.as_str(), "[redacted]");
    }
    redact_bearer(&out)
}

/// `Bearer <token>` (an echoed `Authorization` header) → `Bearer [redacted]`.
fn redact_bearer(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.to_ascii_lowercase().find("bearer ") {
        let (head, tail) = rest.split_at(at + "bearer ".len());
        out.push_str(head);
        let token_end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == ',')
            .unwrap_or(tail.len());
        if token_end > 0 {
            out.push_str("[redacted]");
        }
        rest = &tail[token_end..];
    }
    out.push_str(rest);
    out
}

/// Standard base64 with padding (HTTP Basic credentials).
fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::athoc::{Credentials, ProxyOptions, RetryPolicy, TlsOptions};
    use rstest::rstest;

    pub(super) fn config(base: &str) -> Option<ClientConfig> {
        Some(ClientConfig {
            base_url: Url::parse(base).ok()?,
            org_code: "BOBO".into(),
            credentials: Credentials {
                client_id: "id".into(),
                client_secret: "client-s3cret".into(),
                username: "op".into(),
                password: "pa55word".into(),
                scope: "athoc.iws.web.api".into(),
            },
            tls: TlsOptions::default(),
            proxy: ProxyOptions::default(),
            timeout: Duration::from_secs(5),
            users_per_request: 1000,
            concurrent_requests: 4,
            page_size: 1000,
            retry: RetryPolicy::default(),
        })
    }

    #[rstest]
    #[case::https("https://athoc.example.org", true)]
    #[case::http_localhost("http://localhost:8080", true)]
    #[case::http_v4_loopback("http://127.0.0.1:9", true)]
    #[case::http_v6_loopback("http://[::1]:9", true)]
    #[case::http_remote("http://athoc.example.org", false)]
    #[case::http_lan("http://10.0.0.5", false)]
    #[case::ftp("ftp://athoc.example.org", false)]
    fn base_url_schemes(#[case] base: &str, #[case] ok: bool) {
        let url = Url::parse(base).ok();
        let result = url.as_ref().map(check_base_url);
        assert_eq!(result.map(|r| r.is_ok()), Some(ok), "{base}");
    }

    #[rstest]
    #[case::unknown_issuer(rustls::CertificateError::UnknownIssuer, "not trusted")]
    #[case::expired(rustls::CertificateError::Expired, "expired")]
    #[case::not_yet(rustls::CertificateError::NotValidYet, "clock")]
    #[case::name(rustls::CertificateError::NotValidForName, "name mismatch")]
    #[case::revoked(rustls::CertificateError::Revoked, "revoked")]
    #[case::other(rustls::CertificateError::BadSignature, "refused")]
    fn certificate_errors_say_what_is_wrong(
        #[case] error: rustls::CertificateError,
        #[case] says: &str,
    ) {
        let text = describe_certificate_error(&error);
        assert!(text.contains(says), "{text}");
    }

    #[rstest]
    #[case("DnsName(\"athoc.example.org\")", "athoc.example.org")]
    #[case("IpAddress(10.0.0.1)", "10.0.0.1")]
    #[case("plain", "plain")]
    fn presented_names_lose_their_wrapper(#[case] raw: &str, #[case] name: &str) {
        assert_eq!(presented_name(raw), name);
    }

    #[test]
    fn plain_http_error_says_use_https() {
        let url = Url::parse("http://athoc.example.org/").ok();
        let text = url
            .map(|u| check_base_url(&u))
            .and_then(Result::err)
            .map(|e| e.to_string());
        assert!(text.is_some_and(|t| t.contains("use https://")));
    }

    #[rstest]
    #[case("https://h.example", &["AuthServices", "Auth", "connect", "token"], "https://h.example/AuthServices/Auth/connect/token")]
    #[case("https://h.example/athoc/", &["api", "v2", "orgs", "BO BO"], "https://h.example/athoc/api/v2/orgs/BO%20BO")]
    #[case("https://h.example/x?q=1", &["api"], "https://h.example/x/api")]
    fn endpoint_urls(#[case] base: &str, #[case] segments: &[&str], #[case] expected: &str) {
        let url = Url::parse(base)
            .ok()
            .and_then(|b| endpoint_url(&b, segments).ok());
        assert_eq!(url.map(String::from).as_deref(), Some(expected));
    }

    #[rstest]
    #[case::aspnet(r#"{"Message":"Org not found"}"#, "Org not found")]
    #[case::oauth(r#"{"error":"invalid_grant"}"#, "invalid_grant")]
    #[case::html("<html><body>login</body></html>", "an HTML page instead of JSON")]
    #[case::empty("  ", "no details in the reply")]
    #[case::text("bad\n  things", "bad things")]
    #[case::secret_echoed(
        r#"{"Message":"password pa55word and client-s3cret wrong"}"#,
        "password [redacted] and [redacted] wrong"
    )]
    fn details(#[case] body: &str, #[case] expected: &str) {
        let config = config("https://h.example");
        assert_eq!(
            config.map(|c| body_detail(body.as_bytes(), &c)).as_deref(),
            Some(expected)
        );
    }

    #[test]
    fn missing_ca_file_is_a_config_error_naming_the_path() {
        let mut config = config("https://h.example");
        if let Some(c) = config.as_mut() {
            c.tls.extra_ca = Some("/nonexistent/ca.pem".into());
        }
        let error = config.map(|c| build_http_client(&c)).and_then(Result::err);
        assert!(
            matches!(&error, Some(AthocError::Config { reason }) if reason.contains("/nonexistent/ca.pem")),
            "{error:?}"
        );
    }

    #[test]
    fn bad_proxy_value_is_not_echoed() {
        let mut config = config("https://h.example");
        if let Some(c) = config.as_mut() {
            c.proxy.https = Some("http://user:hunter2@[bad".into());
        }
        let error = config
            .map(|c| build_http_client(&c))
            .and_then(Result::err)
            .map(|e| e.to_string());
        assert!(
            error
                .as_deref()
                .is_some_and(|t| t.contains("HTTPS_PROXY") && !t.contains("hunter2")),
            "{error:?}"
        );
    }
}

#[cfg(test)]
mod redaction {
    use proptest::prelude::*;

    use super::{base64_encode, redact_secrets};

    proptest! {
        /// Whatever the secret and however the server echoes it, no form of it survives.
        #[test]
        fn no_form_of_a_secret_survives(
            secret in "[ -~]{4,40}",
            user in "[a-z.]{1,12}",
            before in "[ -~]{0,60}",
            after in "[ -~]{0,60}",
            form in 0usize..5,
        ) {
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            let echoed = match form {
                0 => secret.clone(),
                1 => encoded.clone(),
                2 => encoded.replace('+', "%20"),
                3 => serde_json::to_string(&secret).unwrap_or_default().trim_matches('"').to_owned(),
                _ => base64_encode(format!("{user}:{secret}").as_bytes()),
            };
            let text = format!("{before}{echoed}{after}");
            let out = redact_secrets(&text, &[(&user, &secret)]);
            prop_assert!(!out.contains(&echoed), "{out:?}");
        }
    }

    #[test]
    fn an_echoed_bearer_token_is_redacted() {
        assert_eq!(
            redact_secrets("authorization: Bearer eyJ.abc-123 host: x", &[]),
            "authorization: Bearer [redacted] host: x"
        );
        assert_eq!(redact_secrets("no token here", &[]), "no token here");
    }

    #[test]
    fn a_long_echo_is_redacted_before_it_is_cut() {
        // The test configuration's password is `pa55word`: echoed where the 200-character
        // cut falls, its start used to survive ("password=pa…").
        let Some(config) = super::tests::config("https://athoc.example") else {
            panic!("config");
        };
        let body = format!("{{\"Message\": \"{}password=pa55word\"}}", "x".repeat(188));
        let detail = super::body_detail(body.as_bytes(), &config);
        assert!(!detail.contains("password=p"), "{detail}");
        assert!(
            detail.contains("password=[redacted]") || detail.contains("password=["),
            "{detail}"
        );
    }
}
