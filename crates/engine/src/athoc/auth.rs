//! The AtHoc access token: the password grant at
//! `AuthServices/Auth/connect/token`, its cache, renewal ahead of expiry and
//! invalidation after a 401. The token itself never leaves this module
//! except as the `Authorization` header value.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::time::Instant;

use super::transport::{api_status_error, body_detail, endpoint_url, send_with_retry};
use super::{AthocClient, AthocError, ClientConfig};

/// The endpoint name used in errors and logs.
pub(super) const TOKEN_ENDPOINT: &str = "POST /AuthServices/Auth/connect/token";

/// Assumed lifetime when the reply has no `expires_in`: short, to be safe.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// A cached token and when to renew it.
pub(super) struct CachedToken {
    value: SecretString,
    /// Renew from here on (ahead of expiry).
    renew_at: Instant,
    /// After this the token is useless.
    expires_at: Instant,
    /// Which token this is, so a 401 only drops the token it was sent with.
    generation: u64,
}

/// A token handed to a request: its value and generation.
pub(super) struct Bearer {
    pub value: SecretString,
    pub generation: u64,
}

/// How long after issue a token of `lifetime` is renewed: 60 s before it
/// expires, or at 80 % of its life for tokens shorter than five minutes.
pub(super) fn renew_after(lifetime: Duration) -> Duration {
    let margin = (lifetime / 5).min(Duration::from_secs(60));
    lifetime.saturating_sub(margin)
}

/// The parts of a token reply this client uses.
#[derive(Debug)]
struct TokenReply {
    access_token: SecretString,
    lifetime: Duration,
}

/// Reads `{"access_token": "...", "token_type": "Bearer", "expires_in": 3600}`.
/// The error text never contains the body (it holds the token).
fn parse_token_reply(body: &[u8]) -> Result<TokenReply, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|_| "the token reply is not JSON".to_owned())?;
    let access_token = value
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| "the token reply has no access_token".to_owned())?;
    if let Some(kind) = value.get("token_type").and_then(Value::as_str) {
        if !kind.eq_ignore_ascii_case("bearer") {
            return Err(format!("the token type is `{kind}`, not Bearer"));
        }
    }
    let seconds = match value.get("expires_in") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let lifetime = seconds
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_LIFETIME);
    Ok(TokenReply {
        access_token: SecretString::from(access_token.to_owned()),
        lifetime,
    })
}

/// The error for a token request AtHoc did not grant.
fn token_failure(status: u16, body: &[u8], config: &ClientConfig) -> AthocError {
    let endpoint = TOKEN_ENDPOINT.to_owned();
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned));
    match (status, code.as_deref()) {
        (403, _) => AthocError::Forbidden {
            endpoint,
            detail: body_detail(body, config),
        },
        (400 | 401, Some("invalid_grant")) => AthocError::Authentication {
            endpoint,
            code: "invalid_grant".into(),
            advice: format!(
                "the operator user name or password was not accepted; check APIUSER ({}) and \
                 PASSWORD, and whether the account is locked or its password expired",
                config.credentials.username
            ),
        },
        (400 | 401, Some("invalid_client")) | (401, None) => AthocError::Authentication {
            endpoint,
            code: code.unwrap_or_else(|| "HTTP 401".into()),
            advice: format!(
                "the API application was not accepted; check CLIENT_ID ({}) and CLIENT_SECRET",
                config.credentials.client_id
            ),
        },
        (400 | 401, Some(other)) => AthocError::Authentication {
            endpoint,
            code: other.to_owned(),
            advice: format!(
                "check SCOPE ({}), ORG_CODE ({}) and the API application's settings in AtHoc ({})",
                config.credentials.scope,
                config.org_code,
                body_detail(body, config)
            ),
        },
        (404, _) => AthocError::NotFound {
            endpoint,
            detail: body_detail(body, config),
        },
        (status, _) => AthocError::Rejected {
            endpoint,
            status,
            detail: body_detail(body, config),
        },
    }
}

impl AthocClient {
    /// A valid token: the cached one, or a new one when there is none or it
    /// is due for renewal. Concurrent callers share one token request.
    pub(super) async fn bearer(&self) -> Result<Bearer, AthocError> {
        let mut cache = self.inner.token.lock().await;
        let now = Instant::now();
        if let Some(token) = cache.as_ref().filter(|t| now < t.renew_at) {
            return Ok(Bearer {
                value: token.value.clone(),
                generation: token.generation,
            });
        }
        match self.request_token().await {
            Ok(reply) => {
                let generation = cache.as_ref().map_or(1, |t| t.generation + 1);
                let issued = Instant::now();
                let token = CachedToken {
                    value: reply.access_token,
                    renew_at: issued + renew_after(reply.lifetime),
                    expires_at: issued + reply.lifetime,
                    generation,
                };
                let bearer = Bearer {
                    value: token.value.clone(),
                    generation,
                };
                *cache = Some(token);
                Ok(bearer)
            }
            // A renewal that fails for a passing reason keeps using the old
            // token while it is still valid.
            Err(error) if error.is_retryable() => {
                match cache.as_ref().filter(|t| Instant::now() < t.expires_at) {
                    Some(token) => Ok(Bearer {
                        value: token.value.clone(),
                        generation: token.generation,
                    }),
                    None => Err(error),
                }
            }
            Err(error) => {
                *cache = None;
                Err(error)
            }
        }
    }

    /// Sends an `/api/v2` request with the token. On a 401 the token is
    /// dropped, a new one fetched and the request sent once more. Returns
    /// the body of a 2xx reply; anything else is an error.
    pub(super) async fn api_call(
        &self,
        endpoint: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Vec<u8>, AthocError> {
        let config = &self.inner.config;
        let mut renewed = false;
        loop {
            let bearer = self.bearer().await?;
            let reply = send_with_retry(config, &self.inner.throttled, endpoint, || {
                build().bearer_auth(bearer.value.expose_secret())
            })
            .await?;
            if reply.status.is_success() {
                self.note_answer();
                return Ok(reply.body);
            }
            if reply.status == reqwest::StatusCode::UNAUTHORIZED && !renewed {
                tracing::debug!(
                    endpoint,
                    "AtHoc answered 401: fetching a new token and trying once more"
                );
                self.invalidate_token(bearer.generation).await;
                renewed = true;
                continue;
            }
            return Err(api_status_error(endpoint, &reply, config));
        }
    }

    /// Drops the token of `generation` (AtHoc answered 401 with it).
    pub(super) async fn invalidate_token(&self, generation: u64) {
        let mut cache = self.inner.token.lock().await;
        if cache.as_ref().is_some_and(|t| t.generation == generation) {
            // Keep the generation counter going: mark it expired instead of removing.
            if let Some(token) = cache.as_mut() {
                let now = Instant::now();
                token.renew_at = now;
                token.expires_at = now;
            }
        }
    }

    async fn request_token(&self) -> Result<TokenReply, AthocError> {
        let config = &self.inner.config;
        let url = endpoint_url(
            &config.base_url,
            &["AuthServices", "Auth", "connect", "token"],
        )?;
        let credentials = &config.credentials;
        let tenant = format!("tenant:{}", config.org_code);
        let reply = send_with_retry(config, &self.inner.throttled, TOKEN_ENDPOINT, || {
            self.inner.http.post(url.clone()).form(&[
                ("grant_type", "password"),
                ("client_id", credentials.client_id.as_str()),
                ("client_secret", credentials.client_secret.expose_secret()),
                ("username", credentials.username.as_str()),
                ("password", credentials.password.expose_secret()),
                ("acr_values", tenant.as_str()),
                ("scope", credentials.scope.as_str()),
            ])
        })
        .await?;
        if !reply.status.is_success() {
            return Err(token_failure(reply.status.as_u16(), &reply.body, config));
        }
        let token =
            parse_token_reply(&reply.body).map_err(|reason| AthocError::InvalidResponse {
                endpoint: TOKEN_ENDPOINT.to_owned(),
                reason,
            })?;
        self.note_answer();
        tracing::debug!(
            lifetime_s = token.lifetime.as_secs(),
            "AtHoc issued a token"
        );
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::hour(3600, 3540)]
    #[case::five_minutes(300, 240)]
    #[case::one_minute(60, 48)]
    #[case::ten_seconds(10, 8)]
    fn renewal(#[case] lifetime: u64, #[case] renew: u64) {
        assert_eq!(
            renew_after(Duration::from_secs(lifetime)),
            Duration::from_secs(renew)
        );
    }

    #[rstest]
    #[case::documented(
        r#"{"access_token":"abc","token_type":"Bearer","expires_in":3600}"#,
        Ok(3600)
    )]
    #[case::string_lifetime(r#"{"access_token":"abc","expires_in":"120"}"#, Ok(120))]
    #[case::no_lifetime(r#"{"access_token":"abc"}"#, Ok(300))]
    #[case::no_token(r#"{"token_type":"Bearer"}"#, Err("no access_token"))]
    #[case::not_json("<html>", Err("not JSON"))]
    #[case::wrong_type(r#"{"access_token":"abc","token_type":"MAC"}"#, Err("not Bearer"))]
    fn token_replies(#[case] body: &str, #[case] expected: Result<u64, &str>) {
        match (parse_token_reply(body.as_bytes()), expected) {
            (Ok(reply), Ok(seconds)) => {
                assert_eq!(reply.lifetime, Duration::from_secs(seconds));
                assert_eq!(reply.access_token.expose_secret(), "abc");
            }
            (Err(reason), Err(part)) => {
                assert!(reason.contains(part), "{reason}");
                assert!(!reason.contains("abc"));
            }
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }
}
