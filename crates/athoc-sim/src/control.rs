//! The test-only control API under `/_sim/`. NOT part of AtHoc: it exists so tests and
//! demos in other processes can inspect and steer the simulator. Its requests are not logged
//! and faults never apply to it.
//!
//! | method | path | body | effect |
//! |---|---|---|---|
//! | GET | `/_sim/users` | | JSON array of [`SimUser`] |
//! | PUT | `/_sim/users` | JSON array of [`SimUser`] | replaces the organization's users |
//! | POST | `/_sim/users` | one [`SimUser`] | upserts one user |
//! | GET | `/_sim/requests` | | JSON array of [`crate::RecordedRequest`] |
//! | DELETE | `/_sim/requests` | | clears the request log |
//! | POST | `/_sim/faults` | one [`Fault`] | queues it |
//! | POST | `/_sim/expire-tokens` | | invalidates every token |
//! | POST | `/_sim/reject-value` | `{"login": "...", "details": "..."}` | permanent per-record error |

use axum::http::Method;
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::faults::Fault;
use crate::server::{json_reply, message_reply};
use crate::sim::Sim;
use crate::users::SimUser;

/// Body of `POST /_sim/reject-value`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RejectValue {
    /// The login whose sync records fail.
    pub login: String,
    /// The `:SyncDetails` text they fail with.
    pub details: String,
}

/// Why a control request failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The JSON body does not have the documented shape.
    #[error("/_sim{path}: body is not valid JSON for this call: {source}")]
    BadBody {
        /// The control path, after `/_sim`.
        path: String,
        /// The parse error.
        source: serde_json::Error,
    },
}

fn parse<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, ControlError> {
    serde_json::from_slice(body).map_err(|source| ControlError::BadBody {
        path: path.to_owned(),
        source,
    })
}

fn done() -> Response {
    json_reply(200, &serde_json::json!({ "ok": true }))
}

/// Handles one `/_sim/...` request; `path` is lower-cased.
pub(crate) fn handle(sim: &Sim, method: &Method, path: &str, body: &[u8]) -> Response {
    let sub = path.trim_start_matches("/_sim").trim_end_matches('/');
    let result = match (method.as_str(), sub) {
        ("GET", "/users") => Ok(json_reply(200, &serde_json::json!(sim.users()))),
        ("PUT", "/users") => parse::<Vec<SimUser>>(sub, body).map(|users| {
            sim.replace_users(users);
            done()
        }),
        ("POST", "/users") => parse::<SimUser>(sub, body).map(|user| {
            sim.upsert_user(user);
            done()
        }),
        ("GET", "/requests") => Ok(json_reply(200, &serde_json::json!(sim.requests()))),
        ("DELETE", "/requests") => {
            sim.clear_requests();
            Ok(done())
        }
        ("POST", "/faults") => parse::<Fault>(sub, body).map(|fault| {
            sim.inject(fault);
            done()
        }),
        ("POST", "/expire-tokens") => {
            sim.expire_tokens();
            Ok(done())
        }
        ("POST", "/reject-value") => parse::<RejectValue>(sub, body).map(|r| {
            sim.reject_value(&r.login, &r.details);
            done()
        }),
        _ => Ok(message_reply(
            404,
            &format!("athoc-sim control API: no {method} {path} (see the athoc-sim README)"),
        )),
    };
    result.unwrap_or_else(|e| message_reply(400, &e.to_string()))
}
