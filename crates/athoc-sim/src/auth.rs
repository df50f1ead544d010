//! Authentication: the password-grant token endpoint (athoc-api.md §1) and the bearer-token
//! check in front of every `/api/v2` call.
//!
//! Invariant: pure; `now` and fresh token strings come from the caller.

use std::collections::HashMap;
use std::fmt;
use tokio::time::Instant;

use crate::config::SimConfig;

/// The scope every token request must include.
pub const API_SCOPE: &str = "athoc.iws.web.api";

/// Why a token request was refused; `code()` is the OAuth `error` value sent with HTTP 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// The body is not `application/x-www-form-urlencoded`.
    #[error("the token request must be form-encoded (application/x-www-form-urlencoded)")]
    InvalidRequest,
    /// `grant_type` is missing or not `password`.
    #[error("grant_type must be \"password\"")]
    UnsupportedGrantType,
    /// Unknown `client_id` or wrong `client_secret`.
    #[error("unknown client_id or wrong client_secret")]
    InvalidClient,
    /// Wrong username/password, or `acr_values` does not name a known organization.
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// `scope` does not include `athoc.iws.web.api`.
    #[error("scope must include {API_SCOPE}")]
    InvalidScope,
}

impl GrantError {
    /// The OAuth error code for the `{"error": ...}` body.
    pub fn code(&self) -> &'static str {
        match self {
            GrantError::InvalidRequest => "invalid_request",
            GrantError::UnsupportedGrantType => "unsupported_grant_type",
            GrantError::InvalidClient => "invalid_client",
            GrantError::InvalidGrant(_) => "invalid_grant",
            GrantError::InvalidScope => "invalid_scope",
        }
    }
}

/// Why an `/api/v2` call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiDenied {
    /// Missing, unknown or expired bearer token (401).
    #[error("Authorization has been denied for this request.")]
    Unauthorized,
    /// The operator lacks the API role (403).
    #[error("The operator does not have the permission required to use this API.")]
    NoRole,
    /// The token was issued for another organization (403).
    #[error("The token was not issued for organization '{0}'.")]
    OtherOrg(String),
    /// The organization in the path does not exist (404).
    #[error("Organization '{0}' was not found.")]
    UnknownOrg(String),
}

impl ApiDenied {
    /// The HTTP status for this refusal.
    pub fn status(&self) -> u16 {
        match self {
            ApiDenied::Unauthorized => 401,
            ApiDenied::NoRole | ApiDenied::OtherOrg(_) => 403,
            ApiDenied::UnknownOrg(_) => 404,
        }
    }
}

/// Checks a form-encoded token request; returns the organization the token is for.
pub(crate) fn check_grant(
    form: &[(String, String)],
    config: &SimConfig,
) -> Result<String, GrantError> {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if field("grant_type") != Some("password") {
        return Err(GrantError::UnsupportedGrantType);
    }
    if field("client_id") != Some(config.client_id.as_str())
        || field("client_secret") != Some(config.client_secret.as_str())
    {
        return Err(GrantError::InvalidClient);
    }
    if field("username") != Some(config.username.as_str())
        || field("password") != Some(config.password.as_str())
    {
        return Err(GrantError::InvalidGrant("invalid username or password"));
    }
    let org = field("acr_values")
        .and_then(|acr| {
            acr.split_whitespace()
                .find_map(|v| v.strip_prefix("tenant:"))
        })
        .ok_or(GrantError::InvalidGrant(
            "acr_values must contain tenant:<ORG_CODE>",
        ))?;
    if !org.eq_ignore_ascii_case(&config.org_code) {
        return Err(GrantError::InvalidGrant(
            "unknown organization in acr_values",
        ));
    }
    if !field("scope").is_some_and(|s| s.split_whitespace().any(|x| x == API_SCOPE)) {
        return Err(GrantError::InvalidScope);
    }
    Ok(config.org_code.clone())
}

struct Issued {
    org: String,
    expires_at: Instant,
}

/// Issued tokens; Debug shows only how many there are.
#[derive(Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, Issued>,
    /// Every token ever issued, in order, expired or not (for tests that scan for leaks).
    history: Vec<String>,
}

impl fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStore")
            .field("issued", &self.tokens.len())
            .finish()
    }
}

impl TokenStore {
    /// Records `token` as valid for `org` until `expires_at`.
    pub(crate) fn issue(&mut self, token: String, org: String, expires_at: Instant) {
        self.history.push(token.clone());
        self.tokens.insert(token, Issued { org, expires_at });
    }

    /// Every token ever issued, in issue order (expiry does not remove them).
    pub(crate) fn issued(&self) -> &[String] {
        &self.history
    }

    /// Invalidates every issued token.
    pub(crate) fn expire_all(&mut self) {
        self.tokens.clear();
    }

    /// Checks the `Authorization` header, the operator's role and the path's organization.
    pub(crate) fn authorize(
        &self,
        authorization: Option<&str>,
        path_org: &str,
        config: &SimConfig,
        now: Instant,
    ) -> Result<(), ApiDenied> {
        let token = authorization
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .ok_or(ApiDenied::Unauthorized)?;
        let issued = self
            .tokens
            .get(token)
            .filter(|i| now < i.expires_at)
            .ok_or(ApiDenied::Unauthorized)?;
        if !config.operator_has_role {
            return Err(ApiDenied::NoRole);
        }
        if !path_org.eq_ignore_ascii_case(&config.org_code) {
            return Err(ApiDenied::UnknownOrg(path_org.to_owned()));
        }
        if !path_org.eq_ignore_ascii_case(&issued.org) {
            return Err(ApiDenied::OtherOrg(path_org.to_owned()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use std::time::Duration;

    fn form(overrides: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut base = vec![
            ("grant_type", "password"),
            ("client_id", "sim-client"),
            ("client_secret", "sim-client-secret"),
            ("username", "sim-operator"),
            ("password", "sim-password"),
            ("acr_values", "tenant:BOBO"),
            ("scope", "openid profile athoc.iws.web.api"),
        ];
        for (k, v) in overrides {
            base.retain(|(bk, _)| bk != k);
            if !v.is_empty() {
                base.push((k, v));
            }
        }
        base.into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[rstest]
    #[case(&[], None)]
    #[case(&[("acr_values", "tenant:bobo")], None)]
    #[case(&[("grant_type", "client_credentials")], Some("unsupported_grant_type"))]
    #[case(&[("client_id", "x")], Some("invalid_client"))]
    #[case(&[("client_secret", "")], Some("invalid_client"))]
    #[case(&[("username", "x")], Some("invalid_grant"))]
    #[case(&[("password", "x")], Some("invalid_grant"))]
    #[case(&[("acr_values", "tenant:OTHER")], Some("invalid_grant"))]
    #[case(&[("acr_values", "")], Some("invalid_grant"))]
    #[case(&[("scope", "openid profile")], Some("invalid_scope"))]
    fn grant_checks(#[case] overrides: &[(&str, &str)], #[case] error: Option<&str>) {
        let got = check_grant(&form(overrides), &SimConfig::default());
        assert_eq!(got.as_ref().err().map(GrantError::code), error);
    }

    #[test]
    fn bearer_checks() {
        let config = SimConfig::default();
        let now = Instant::now();
        let mut store = TokenStore::default();
        store.issue("tok".into(), "BOBO".into(), now + Duration::from_secs(10));
        assert_eq!(
            store.authorize(Some("Bearer tok"), "bobo", &config, now),
            Ok(())
        );
        assert_eq!(
            store.authorize(None, "BOBO", &config, now),
            Err(ApiDenied::Unauthorized)
        );
        assert_eq!(
            store.authorize(Some("Bearer nope"), "BOBO", &config, now),
            Err(ApiDenied::Unauthorized)
        );
        let later = now + Duration::from_secs(10);
        assert_eq!(
            store.authorize(Some("Bearer tok"), "BOBO", &config, later),
            Err(ApiDenied::Unauthorized)
        );
        assert_eq!(
            store
                .authorize(Some("Bearer tok"), "X", &config, now)
                .map_err(|e| e.status()),
            Err(404)
        );
        let no_role = SimConfig {
            operator_has_role: false,
            ..SimConfig::default()
        };
        assert_eq!(
            store
                .authorize(Some("Bearer tok"), "BOBO", &no_role, now)
                .map_err(|e| e.status()),
            Err(403)
        );
        let moved = SimConfig {
            org_code: "NEW".into(),
            ..SimConfig::default()
        };
        assert_eq!(
            store
                .authorize(Some("Bearer tok"), "NEW", &moved, now)
                .map_err(|e| e.status()),
            Err(403)
        );
        store.expire_all();
        assert_eq!(
            store.authorize(Some("Bearer tok"), "BOBO", &config, now),
            Err(ApiDenied::Unauthorized)
        );
    }
}
