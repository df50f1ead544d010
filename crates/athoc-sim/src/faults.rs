//! Fault injection: which endpoint misbehaves, how, and for how many calls.

use std::collections::VecDeque;
use std::time::Duration;

/// The AtHoc endpoints a fault can target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /AuthServices/Auth/connect/token`.
    Token,
    /// `GET /api/v2/orgs/{ORG}/users/search/basic`.
    Search,
    /// `POST /api/v2/orgs/{ORG}/users/SyncByCommonNames`.
    Sync,
    /// Every AtHoc request (anything outside `/_sim/`).
    Any,
}

/// What a faulted call does instead of (or before) its normal reply.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Reply with this status, an optional `Retry-After` header and `{"Message": ...}`.
    Status {
        /// HTTP status code to send.
        code: u16,
        /// Value of the `Retry-After` header, in seconds.
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// Close the connection without sending any HTTP response.
    DropConnection,
    /// Reply with this status and `{"Message": ...}` holding the whole request as received
    /// (headers and body, secrets and all), as a careless server or proxy might. JSON:
    /// `{"echo": 400}`.
    #[serde(rename = "echo")]
    Echo(u16),
    /// Wait this long, then answer normally. JSON: `{"delay_ms": 1500}`.
    #[serde(rename = "delay_ms", with = "duration_ms")]
    Delay(Duration),
    /// Hold the call until a call of this endpoint that arrives after it has
    /// been answered (at most [`AFTER_NEXT_LIMIT`]), then answer it normally:
    /// a reply that must see another request's change, whatever the timing.
    /// JSON: `{"after_next": "sync"}`.
    AfterNext(Endpoint),
}

/// How long an [`FaultKind::AfterNext`] call waits for the other call at most.
pub const AFTER_NEXT_LIMIT: Duration = Duration::from_secs(10);

/// One injected fault: applies to the next `times` calls of `endpoint`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fault {
    /// Which endpoint it applies to.
    pub endpoint: Endpoint,
    /// What happens.
    pub kind: FaultKind,
    /// How many matching calls it affects.
    pub times: usize,
}

impl Endpoint {
    /// Whether a fault for `self` applies to a call of `actual` (`None`: not a known endpoint).
    fn matches(self, actual: Option<Endpoint>) -> bool {
        self == Endpoint::Any || Some(self) == actual
    }
}

/// Pending faults, oldest first; a call consumes one use of the first matching fault.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultQueue {
    pending: VecDeque<Fault>,
}

impl FaultQueue {
    /// Queues a fault; one with `times == 0` has no effect.
    pub(crate) fn push(&mut self, fault: Fault) {
        if fault.times > 0 {
            self.pending.push_back(fault);
        }
    }

    /// Forgets every pending fault.
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// Takes one use of the first fault matching a call to `endpoint`.
    pub(crate) fn take(&mut self, endpoint: Option<Endpoint>) -> Option<FaultKind> {
        let index = self
            .pending
            .iter()
            .position(|f| f.endpoint.matches(endpoint))?;
        let fault = self.pending.get_mut(index)?;
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            self.pending.remove(index);
        }
        Some(kind)
    }
}

mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> FaultKind {
        FaultKind::Status {
            code,
            retry_after_secs: None,
        }
    }

    #[test]
    fn faults_apply_in_order_to_matching_calls_only() {
        let mut q = FaultQueue::default();
        q.push(Fault {
            endpoint: Endpoint::Sync,
            kind: status(503),
            times: 2,
        });
        q.push(Fault {
            endpoint: Endpoint::Any,
            kind: status(500),
            times: 1,
        });
        q.push(Fault {
            endpoint: Endpoint::Token,
            kind: status(400),
            times: 0,
        });
        assert_eq!(q.take(Some(Endpoint::Sync)), Some(status(503)));
        assert_eq!(q.take(Some(Endpoint::Token)), Some(status(500)));
        assert_eq!(q.take(Some(Endpoint::Token)), None);
        assert_eq!(q.take(Some(Endpoint::Sync)), Some(status(503)));
        assert_eq!(q.take(Some(Endpoint::Sync)), None);
    }

    #[test]
    fn json_shapes() {
        let f: Fault = serde_json::from_str(
            r#"{"endpoint":"search","kind":{"status":{"code":429,"retry_after_secs":2}},"times":1}"#,
        )
        .unwrap();
        assert_eq!(
            f.kind,
            FaultKind::Status {
                code: 429,
                retry_after_secs: Some(2)
            }
        );
        let f: Fault =
            serde_json::from_str(r#"{"endpoint":"any","kind":"drop_connection","times":3}"#)
                .unwrap();
        assert_eq!(
            (f.endpoint, f.kind, f.times),
            (Endpoint::Any, FaultKind::DropConnection, 3)
        );
        let f: Fault =
            serde_json::from_str(r#"{"endpoint":"token","kind":{"delay_ms":250},"times":1}"#)
                .unwrap();
        assert_eq!(f.kind, FaultKind::Delay(Duration::from_millis(250)));
        let back: Fault = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(back, f);
        let f: Fault =
            serde_json::from_str(r#"{"endpoint":"search","kind":{"after_next":"sync"},"times":1}"#)
                .unwrap();
        assert_eq!(f.kind, FaultKind::AfterNext(Endpoint::Sync));
    }
}
