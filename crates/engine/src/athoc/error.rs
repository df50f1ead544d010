//! What can go wrong talking to AtHoc, and which failures are worth retrying.
//! Every message names the endpoint and says what to do; none ever contains
//! a password, client secret or token.

use std::time::Duration;

/// An AtHoc client failure. Cheap to clone, so one chunk's error can be
/// attached to every record of that chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AthocError {
    /// The client settings cannot work (bad URL, CA file, proxy, attribute).
    #[error("AtHoc client settings are invalid: {reason}")]
    Config {
        /// What is wrong and which setting to fix.
        reason: String,
    },

    /// The token endpoint refused the credentials (`invalid_grant`,
    /// `invalid_client`, …). Permanent until the settings change.
    #[error("AtHoc refused the credentials at {endpoint} ({code}): {advice}")]
    Authentication {
        endpoint: String,
        /// The OAuth error code AtHoc gave, e.g. `invalid_grant`.
        code: String,
        /// What to check.
        advice: String,
    },

    /// HTTP 403: the operator lacks the API role, or its password expired or
    /// was changed.
    #[error(
        "AtHoc answered 403 Forbidden at {endpoint}: the operator account lacks the role \
         needed for the API, or its password expired or was changed; ask the AtHoc \
         administrator to check the account's roles and password ({detail})"
    )]
    Forbidden { endpoint: String, detail: String },

    /// HTTP 401 even after a fresh token was fetched.
    #[error(
        "AtHoc answered 401 Unauthorized at {endpoint} even with a freshly issued token; \
         check that the API application and operator belong to ORG_CODE and that SCOPE \
         grants API access ({detail})"
    )]
    Unauthorized { endpoint: String, detail: String },

    /// HTTP 404.
    #[error(
        "AtHoc answered 404 Not Found at {endpoint}: check ATHOC_SERVER_URL and ORG_CODE \
         ({detail})"
    )]
    NotFound { endpoint: String, detail: String },

    /// HTTP 400: AtHoc found the request malformed (e.g. an unknown field or
    /// a `Criteria` it does not understand). Not retried.
    #[error(
        "AtHoc answered 400 Bad Request at {endpoint} ({detail}); it is not retried: check the \
         attribute names (DUTY_STATUS_FIELD, COLLAR_ID_FIELD, USER_ATTRIBUTES) in the settings"
    )]
    BadRequest { endpoint: String, detail: String },

    /// A 4xx (other than 400/401/403/404/429) or a redirect: the request itself is
    /// wrong and sending it again will not help.
    #[error(
        "AtHoc rejected the request to {endpoint} with HTTP {status} ({detail}); it is not \
         retried: check ATHOC_SERVER_URL, ORG_CODE and the attribute names in the settings"
    )]
    Rejected {
        endpoint: String,
        status: u16,
        detail: String,
    },

    /// HTTP 429, or 503 with `Retry-After`: AtHoc asks the client to slow down.
    #[error(
        "AtHoc is throttling requests to {endpoint} (HTTP {status}{}); the next cycle will \
         try again",
        retry_after_text(retry_after)
    )]
    Throttled {
        endpoint: String,
        status: u16,
        retry_after: Option<Duration>,
    },

    /// HTTP 5xx.
    #[error(
        "AtHoc had a server error at {endpoint} (HTTP {status}: {detail}); the next cycle \
         will try again — if it persists, ask the AtHoc administrator"
    )]
    Server {
        endpoint: String,
        status: u16,
        detail: String,
    },

    /// No complete reply within the per-request timeout.
    #[error(
        "no reply from AtHoc at {endpoint} within {timeout:?}; the next cycle will try \
         again — if it persists, check the network or raise the timeout"
    )]
    Timeout { endpoint: String, timeout: Duration },

    /// The server's TLS certificate was refused: not trusted, expired,
    /// issued for another host name, … Not retried: the same certificate
    /// would come back.
    #[error("AtHoc's TLS certificate was refused at {endpoint}: {problem}")]
    Certificate {
        endpoint: String,
        /// What is wrong with the certificate and what to do.
        problem: String,
    },

    /// The connection could not be made or broke off.
    #[error(
        "could not talk to AtHoc at {endpoint}: {detail}; check ATHOC_SERVER_URL, the \
         network, the proxy settings and the TLS certificate settings"
    )]
    Connection { endpoint: String, detail: String },

    /// A reply this client cannot read (not JSON, wrong shape, missing records).
    #[error(
        "AtHoc sent a reply to {endpoint} that this client cannot use: {reason}; check that \
         ATHOC_SERVER_URL points at the AtHoc server itself (not a login page or proxy)"
    )]
    InvalidResponse { endpoint: String, reason: String },

    /// The user directory could not be fetched completely: using it would
    /// silently lose users, so it is not returned at all.
    #[error(
        "the AtHoc user directory was fetched incompletely ({fetched} unique users of the \
         {total} AtHoc reported): {reason}; nothing was changed — the next sync will try \
         again, and if it keeps failing report it with the log"
    )]
    IncompleteDirectory {
        fetched: usize,
        total: usize,
        reason: String,
    },

    /// The users matching the query changed between two pages of one fetch
    /// (`TotalUsers` moved), so the pages do not make one directory. Not a
    /// sign that paging works differently: fetching again later can succeed.
    #[error(
        "the AtHoc user directory changed while it was being fetched (TotalUsers went from \
         {from} to {to} at Offset={offset}); nothing was changed — the next sync will try again"
    )]
    DirectoryChanged {
        from: usize,
        to: usize,
        offset: usize,
    },
}

fn retry_after_text(retry_after: &Option<Duration>) -> String {
    let limit = super::retry::MAX_RETRY_AFTER;
    match retry_after {
        Some(wait) if *wait > limit => format!(
            ", asked to wait {} s, longer than the {} s this client waits within one cycle",
            wait.as_secs(),
            limit.as_secs()
        ),
        Some(wait) => format!(", asked to wait {} s", wait.as_secs()),
        None => String::new(),
    }
}

impl AthocError {
    /// Whether sending the same request again, after a pause, may succeed:
    /// timeouts, connection errors, 5xx and throttling.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            AthocError::Throttled { .. }
                | AthocError::Server { .. }
                | AthocError::Timeout { .. }
                | AthocError::Connection { .. }
        )
    }

    /// Whether a later cycle may succeed without anyone changing a setting:
    /// everything retryable, plus unreadable replies and incomplete directory
    /// fetches. Authentication, 403, 404, refused certificates and rejected
    /// requests are permanent.
    pub fn is_transient(&self) -> bool {
        self.is_retryable()
            || matches!(
                self,
                AthocError::InvalidResponse { .. }
                    | AthocError::IncompleteDirectory { .. }
                    | AthocError::DirectoryChanged { .. }
            )
    }

    /// Whether AtHoc looked at the request and refused it for good (400, or
    /// another 4xx that is not about credentials, a missing path or
    /// throttling): the only request-level failure that counts as an
    /// attempt at a file. Outages, throttling, timeouts, unreadable replies,
    /// refused credentials, a wrong URL (404, a redirect to a login page)
    /// and refused certificates never do: they say nothing about the file,
    /// and the operator or AtHoc fixes them.
    pub fn is_definitive_refusal(&self) -> bool {
        match self {
            AthocError::BadRequest { .. } => true,
            AthocError::Rejected { status, .. } => (400..500).contains(status),
            _ => false,
        }
    }

    /// The failure in a few words, for a line that says more around it:
    /// "HTTP 503", "no reply in time", "connection failed"…
    pub fn in_brief(&self) -> String {
        match self.http_status() {
            Some(status) => format!("HTTP {status}"),
            None => match self {
                AthocError::Timeout { .. } => "no reply in time",
                AthocError::Connection { .. } => "connection failed",
                AthocError::Certificate { .. } => "certificate refused",
                AthocError::Authentication { .. } => "credentials refused",
                AthocError::InvalidResponse { .. } => "unreadable reply",
                _ => "request failed",
            }
            .to_owned(),
        }
    }

    /// The HTTP status AtHoc answered with, when the failure was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            AthocError::Throttled { status, .. }
            | AthocError::Server { status, .. }
            | AthocError::Rejected { status, .. } => Some(*status),
            AthocError::BadRequest { .. } => Some(400),
            AthocError::Unauthorized { .. } => Some(401),
            AthocError::Forbidden { .. } => Some(403),
            AthocError::NotFound { .. } => Some(404),
            _ => None,
        }
    }

    /// The endpoint the error happened at, when there is one.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            AthocError::Config { .. }
            | AthocError::IncompleteDirectory { .. }
            | AthocError::DirectoryChanged { .. } => None,
            AthocError::Authentication { endpoint, .. }
            | AthocError::Forbidden { endpoint, .. }
            | AthocError::Unauthorized { endpoint, .. }
            | AthocError::NotFound { endpoint, .. }
            | AthocError::BadRequest { endpoint, .. }
            | AthocError::Rejected { endpoint, .. }
            | AthocError::Throttled { endpoint, .. }
            | AthocError::Server { endpoint, .. }
            | AthocError::Timeout { endpoint, .. }
            | AthocError::Certificate { endpoint, .. }
            | AthocError::Connection { endpoint, .. }
            | AthocError::InvalidResponse { endpoint, .. } => Some(endpoint),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_errors_are_retryable_and_transient() {
        let ep = || "GET /x".to_owned();
        let d = || "d".to_owned();
        // (error, retryable, transient)
        let table = [
            (AthocError::Config { reason: d() }, false, false),
            (
                AthocError::Authentication {
                    endpoint: ep(),
                    code: d(),
                    advice: d(),
                },
                false,
                false,
            ),
            (
                AthocError::Forbidden {
                    endpoint: ep(),
                    detail: d(),
                },
                false,
                false,
            ),
            (
                AthocError::Unauthorized {
                    endpoint: ep(),
                    detail: d(),
                },
                false,
                false,
            ),
            (
                AthocError::NotFound {
                    endpoint: ep(),
                    detail: d(),
                },
                false,
                false,
            ),
            (
                AthocError::BadRequest {
                    endpoint: ep(),
                    detail: d(),
                },
                false,
                false,
            ),
            (
                AthocError::Rejected {
                    endpoint: ep(),
                    status: 409,
                    detail: d(),
                },
                false,
                false,
            ),
            (
                AthocError::Throttled {
                    endpoint: ep(),
                    status: 429,
                    retry_after: None,
                },
                true,
                true,
            ),
            (
                AthocError::Server {
                    endpoint: ep(),
                    status: 500,
                    detail: d(),
                },
                true,
                true,
            ),
            (
                AthocError::Timeout {
                    endpoint: ep(),
                    timeout: Duration::from_secs(1),
                },
                true,
                true,
            ),
            (
                AthocError::Connection {
                    endpoint: ep(),
                    detail: d(),
                },
                true,
                true,
            ),
            (
                AthocError::Certificate {
                    endpoint: ep(),
                    problem: d(),
                },
                false,
                false,
            ),
            (
                AthocError::InvalidResponse {
                    endpoint: ep(),
                    reason: d(),
                },
                false,
                true,
            ),
            (
                AthocError::IncompleteDirectory {
                    fetched: 1,
                    total: 2,
                    reason: d(),
                },
                false,
                true,
            ),
            (
                AthocError::DirectoryChanged {
                    from: 1,
                    to: 2,
                    offset: 1,
                },
                false,
                true,
            ),
        ];
        for (error, retryable, transient) in table {
            assert_eq!(
                (error.is_retryable(), error.is_transient()),
                (retryable, transient),
                "{error}"
            );
        }
    }

    #[test]
    fn throttled_message_says_when_the_wait_was_too_long() {
        let e = AthocError::Throttled {
            endpoint: "POST /sync".into(),
            status: 429,
            retry_after: Some(Duration::from_secs(600)),
        };
        let text = e.to_string();
        assert!(
            text.contains("POST /sync") && text.contains("600 s"),
            "{text}"
        );
    }
}
