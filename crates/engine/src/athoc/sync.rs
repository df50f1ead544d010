//! Writing one attribute with `SyncByCommonNames`: chunking, the request
//! body (only `LOGIN_ID` and the attribute, ever), and reading every
//! record's `:SyncStatus` / `:SyncDetails` — per-record failures come back
//! inside an HTTP 200.

use std::sync::atomic::Ordering;

use futures_util::stream::{FuturesUnordered, StreamExt as _};
use serde_json::{Map, Value};
use url::Url;

use super::transport::endpoint_url;
use super::users::value_text;
use super::{AthocClient, AthocError};
use crate::event::Login;

/// Users per request when the settings say zero.
const DEFAULT_USERS_PER_REQUEST: usize = 1000;

/// Set one user's attribute to `value`; `""` clears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeUpdate {
    pub login: Login,
    pub value: String,
}

/// What became of one [`AttributeUpdate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// AtHoc said `OK`.
    Applied {
        user_id: Option<i64>,
        details: String,
    },
    /// AtHoc said `Error` for this record (e.g. "User: … does not exists in
    /// the Organization"). Permanent: sending it again gives the same answer.
    Rejected { details: String },
    /// AtHoc said `Partial`.
    Partial { details: String },
    /// No per-record answer: the request failed, or the reply had no (readable)
    /// result for this record. `transient` says whether a later try may work.
    Failed { error: AthocError, transient: bool },
}

impl UpdateOutcome {
    /// Whether this outcome is final (no point sending the update again).
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            UpdateOutcome::Failed {
                transient: true,
                ..
            }
        )
    }
}

/// The request body for one chunk: `[{"LOGIN_ID": …, attribute: …}, …]`.
pub(super) fn request_body(attribute: &str, chunk: &[AttributeUpdate]) -> Value {
    Value::Array(
        chunk
            .iter()
            .map(|update| {
                let mut record = Map::new();
                record.insert(
                    "LOGIN_ID".to_owned(),
                    Value::String(update.login.as_str().to_owned()),
                );
                record.insert(attribute.to_owned(), Value::String(update.value.clone()));
                Value::Object(record)
            })
            .collect(),
    )
}

fn get_ci<'a>(record: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    record.get(key).or_else(|| {
        record
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn record_login(record: &Value) -> Option<String> {
    record
        .as_object()
        .and_then(|r| get_ci(r, "LOGIN_ID"))
        .and_then(value_text)
        .map(|l| l.trim().to_owned())
}

/// Matches a reply to the chunk it answers: by `LOGIN_ID`, falling back to
/// position for records without one. One outcome per update, in order.
pub(super) fn read_reply(
    endpoint: &str,
    chunk: &[AttributeUpdate],
    reply: &Value,
) -> Vec<UpdateOutcome> {
    let Some(records) = reply.as_array() else {
        let error = AthocError::InvalidResponse {
            endpoint: endpoint.to_owned(),
            reason: "the reply is not a JSON array of per-user results".into(),
        };
        return chunk
            .iter()
            .map(|_| UpdateOutcome::Failed {
                error: error.clone(),
                transient: true,
            })
            .collect();
    };
    let logins: Vec<Option<String>> = records.iter().map(record_login).collect();
    let mut used = vec![false; records.len()];
    chunk
        .iter()
        .enumerate()
        .map(|(i, update)| {
            let wanted = update.login.as_str();
            let found = (0..records.len())
                .find(|&j| !used[j] && logins[j].as_deref() == Some(wanted))
                .or_else(|| {
                    (0..records.len()).find(|&j| {
                        !used[j] && logins[j].as_deref().is_some_and(|l| l.eq_ignore_ascii_case(wanted))
                    })
                })
                .or_else(|| (i < records.len() && !used[i] && logins[i].is_none()).then_some(i));
            match found {
                Some(j) => {
                    used[j] = true;
                    outcome(endpoint, wanted, &records[j])
                }
                None => UpdateOutcome::Failed {
                    error: AthocError::InvalidResponse {
                        endpoint: endpoint.to_owned(),
                        reason: format!("the reply has no result for LOGIN_ID {wanted}, so it is unknown whether it was updated"),
                    },
                    transient: true,
                },
            }
        })
        .collect()
}

fn outcome(endpoint: &str, login: &str, record: &Value) -> UpdateOutcome {
    let Some(record) = record.as_object() else {
        return UpdateOutcome::Failed {
            error: AthocError::InvalidResponse {
                endpoint: endpoint.to_owned(),
                reason: format!("the result for LOGIN_ID {login} is not a JSON object"),
            },
            transient: true,
        };
    };
    let status = get_ci(record, ":SyncStatus")
        .and_then(Value::as_str)
        .map(str::trim);
    let details = get_ci(record, ":SyncDetails")
        .and_then(value_text)
        .unwrap_or_default();
    let user_id = get_ci(record, "USER_ID").and_then(|v| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    match status {
        Some(s) if s.eq_ignore_ascii_case("OK") => UpdateOutcome::Applied {
            user_id,
            details: if details.is_empty() {
                "OK".into()
            } else {
                details
            },
        },
        Some(s) if s.eq_ignore_ascii_case("Error") => UpdateOutcome::Rejected {
            details: if details.is_empty() {
                format!("AtHoc reported Error for {login} without details")
            } else {
                details
            },
        },
        Some(s) if s.eq_ignore_ascii_case("Partial") => UpdateOutcome::Partial {
            details: if details.is_empty() {
                format!("AtHoc reported Partial for {login} without details")
            } else {
                details
            },
        },
        other => UpdateOutcome::Failed {
            error: AthocError::InvalidResponse {
                endpoint: endpoint.to_owned(),
                reason: match other {
                    Some(s) => {
                        format!("the result for LOGIN_ID {login} has the unknown :SyncStatus `{s}`")
                    }
                    None => format!("the result for LOGIN_ID {login} has no :SyncStatus"),
                },
            },
            transient: true,
        },
    }
}

/// Refuses attribute names that would write something other than one attribute.
fn check_attribute(attribute: &str) -> Result<(), AthocError> {
    let trimmed = attribute.trim();
    if trimmed.is_empty()
        || trimmed != attribute
        || trimmed.eq_ignore_ascii_case("LOGIN_ID")
        || trimmed.starts_with(':')
    {
        return Err(AthocError::Config {
            reason: format!(
                "`{attribute}` cannot be the duty attribute; set DUTY_STATUS_FIELD to the common name of \
                 a date-time attribute such as On-Duty-DTG"
            ),
        });
    }
    Ok(())
}

/// The answers to one `SyncByCommonNames` request: the outcomes of
/// `updates[first..first + outcomes.len()]`, in that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkAnswers {
    pub first: usize,
    pub outcomes: Vec<UpdateOutcome>,
}

/// A change of pace worth logging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PaceChange {
    /// AtHoc throttled: one request at a time from now on.
    Slowed,
    /// Back to the configured number of requests at once.
    Recovered,
}

/// How many update requests may be in flight: up to `most`, one at a time
/// as soon as AtHoc throttles, then one more after each request answered
/// without throttling until `most` again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pacer {
    most: usize,
    limit: usize,
}

impl Pacer {
    pub(crate) fn new(most: usize) -> Pacer {
        let most = most.max(1);
        Pacer { most, limit: most }
    }

    /// Requests that may be in flight now.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// A request was answered; `throttled` says whether AtHoc throttled any
    /// request while it was in flight.
    pub(crate) fn answered(&mut self, throttled: bool) -> Option<PaceChange> {
        if throttled {
            let was = self.limit;
            self.limit = 1;
            (was > 1).then_some(PaceChange::Slowed)
        } else if self.limit < self.most {
            self.limit += 1;
            (self.limit == self.most).then_some(PaceChange::Recovered)
        } else {
            None
        }
    }
}

/// Whether a login appears twice: then the requests go one at a time, so
/// AtHoc applies them in the order planned.
fn repeats_a_login(updates: &[AttributeUpdate]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(updates.len());
    !updates.iter().all(|u| seen.insert(u.login.as_str()))
}

impl AthocClient {
    /// Sets `attribute` for each update with `SyncByCommonNames`, in chunks of
    /// `users_per_request`, existing users only. Returns one outcome per
    /// update, in the same order. Only `LOGIN_ID` and `attribute` are sent.
    pub async fn sync_attribute(
        &self,
        attribute: &str,
        updates: &[AttributeUpdate],
    ) -> Vec<UpdateOutcome> {
        let mut answered: Vec<Option<UpdateOutcome>> = vec![None; updates.len()];
        self.sync_attribute_by_chunk(attribute, updates, &mut |answers| {
            for (i, outcome) in answers.outcomes.into_iter().enumerate() {
                if let Some(slot) = answered.get_mut(answers.first + i) {
                    *slot = Some(outcome);
                }
            }
        })
        .await;
        answered
            .into_iter()
            .map(|outcome| {
                outcome.unwrap_or_else(|| UpdateOutcome::Failed {
                    error: AthocError::InvalidResponse {
                        endpoint: "POST SyncByCommonNames".to_owned(),
                        reason: "no request answered for this record".to_owned(),
                    },
                    transient: true,
                })
            })
            .collect()
    }

    /// [`AthocClient::sync_attribute`], handing each request's outcomes to
    /// `on_answers` as AtHoc returns them. Up to `concurrent_requests`
    /// requests are in flight at once (one at a time while AtHoc throttles,
    /// see [`Pacer`], and always when a login appears twice), so answers
    /// arrive in any order; every update is answered exactly once.
    pub async fn sync_attribute_by_chunk(
        &self,
        attribute: &str,
        updates: &[AttributeUpdate],
        on_answers: &mut (dyn FnMut(ChunkAnswers) + Send),
    ) {
        let mut failed_all = |error: AthocError| {
            let transient = error.is_transient();
            let outcomes = updates
                .iter()
                .map(|_| UpdateOutcome::Failed {
                    error: error.clone(),
                    transient,
                })
                .collect();
            on_answers(ChunkAnswers { first: 0, outcomes });
        };
        if updates.is_empty() {
            return;
        }
        if let Err(error) = check_attribute(attribute) {
            return failed_all(error);
        }
        let config = &self.inner.config;
        let url = match endpoint_url(
            &config.base_url,
            &[
                "api",
                "v2",
                "orgs",
                &config.org_code,
                "users",
                "SyncByCommonNames",
            ],
        ) {
            Ok(mut url) => {
                url.query_pairs_mut()
                    .append_pair("syncExistingUsersOnly", "true")
                    .append_pair("AllowPartialUpdate", "false");
                url
            }
            Err(error) => return failed_all(error),
        };
        let chunk_size = match config.users_per_request {
            0 => DEFAULT_USERS_PER_REQUEST,
            n => n,
        };
        let most = if repeats_a_login(updates) {
            1
        } else {
            config.concurrent_requests
        };
        let mut pacer = Pacer::new(most);
        let mut chunks = updates.chunks(chunk_size).enumerate();
        let mut in_flight = FuturesUnordered::new();
        loop {
            while in_flight.len() < pacer.limit() {
                let Some((index, chunk)) = chunks.next() else {
                    break;
                };
                let sent =
                    self.send_chunk(&url, attribute, index * chunk_size, chunk, updates.len());
                let throttles_at_start = self.inner.throttled.load(Ordering::Relaxed);
                in_flight.push(async move { (sent.await, throttles_at_start) });
            }
            let Some((answers, throttles_at_start)) = in_flight.next().await else {
                break;
            };
            // Only a request that started and ended without AtHoc throttling
            // anyone speeds the sending up again.
            let throttled = self.inner.throttled.load(Ordering::Relaxed) != throttles_at_start;
            match pacer.answered(throttled) {
                Some(PaceChange::Slowed) => tracing::info!(
                    "AtHoc is throttling requests: sending the remaining updates one request at a time"
                ),
                Some(PaceChange::Recovered) => tracing::info!(
                    requests = pacer.limit(),
                    "AtHoc stopped throttling: sending updates in parallel again"
                ),
                None => {}
            }
            on_answers(answers);
        }
    }

    /// Sends one chunk (`updates[first..]` of `total`) and reads its answers.
    async fn send_chunk(
        &self,
        url: &Url,
        attribute: &str,
        first: usize,
        chunk: &[AttributeUpdate],
        total: usize,
    ) -> ChunkAnswers {
        let config = &self.inner.config;
        let endpoint = format!(
            "POST /api/v2/orgs/{}/users/SyncByCommonNames (records {}–{} of {total})",
            config.org_code,
            first + 1,
            first + chunk.len()
        );
        let body = request_body(attribute, chunk);
        let result = self
            .api_call(&endpoint, || self.inner.http.post(url.clone()).json(&body))
            .await;
        let outcomes = match result.and_then(|bytes| {
            serde_json::from_slice::<Value>(&bytes).map_err(|e| AthocError::InvalidResponse {
                endpoint: endpoint.clone(),
                reason: format!("the reply is not JSON ({e})"),
            })
        }) {
            Ok(reply) => read_reply(&endpoint, chunk, &reply),
            Err(error) => {
                let transient = error.is_transient();
                chunk
                    .iter()
                    .map(|_| UpdateOutcome::Failed {
                        error: error.clone(),
                        transient,
                    })
                    .collect()
            }
        };
        tracing::debug!(
            endpoint = %endpoint,
            applied = outcomes.iter().filter(|o| matches!(o, UpdateOutcome::Applied { .. })).count(),
            rejected = outcomes.iter().filter(|o| matches!(o, UpdateOutcome::Rejected { .. })).count(),
            "AtHoc sync chunk done"
        );
        ChunkAnswers { first, outcomes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn update(login: &str, value: &str) -> AttributeUpdate {
        AttributeUpdate {
            login: Login::new(login).unwrap_or_else(|| panic!("bad login {login}")),
            value: value.into(),
        }
    }

    #[test]
    fn the_pacer_drops_to_one_on_throttling_and_climbs_back_one_answer_at_a_time() {
        let mut pacer = Pacer::new(4);
        assert_eq!(pacer.limit(), 4);
        assert_eq!(pacer.answered(false), None);
        assert_eq!(pacer.answered(true), Some(PaceChange::Slowed));
        assert_eq!(pacer.limit(), 1);
        // Throttled again while at one: still one, nothing new to say.
        assert_eq!(pacer.answered(true), None);
        assert_eq!(pacer.limit(), 1);
        assert_eq!(pacer.answered(false), None);
        assert_eq!(pacer.limit(), 2);
        assert_eq!(pacer.answered(false), None);
        assert_eq!(pacer.answered(false), Some(PaceChange::Recovered));
        assert_eq!(pacer.limit(), 4);
        assert_eq!(pacer.answered(false), None);
        assert_eq!(pacer.limit(), 4);
    }

    #[test]
    fn a_pacer_of_one_never_speaks() {
        let mut pacer = Pacer::new(0);
        assert_eq!(pacer.limit(), 1);
        assert_eq!(pacer.answered(true), None);
        assert_eq!(pacer.answered(false), None);
        assert_eq!(pacer.limit(), 1);
    }

    #[test]
    fn a_repeated_login_is_found() {
        assert!(!repeats_a_login(&[update("a@x", "1"), update("b@x", "2")]));
        assert!(repeats_a_login(&[
            update("a@x", "1"),
            update("b@x", "2"),
            update("a@x", "")
        ]));
    }

    #[test]
    fn body_holds_only_login_and_attribute() {
        let body = request_body(
            "On-Duty-DTG",
            &[update("a@x", "22/10/2025 07:41:42"), update("b@x", "")],
        );
        assert_eq!(
            body,
            json!([{"LOGIN_ID": "a@x", "On-Duty-DTG": "22/10/2025 07:41:42"}, {"LOGIN_ID": "b@x", "On-Duty-DTG": ""}])
        );
    }

    #[test]
    fn every_record_is_read_by_login_then_position() {
        let chunk = [
            update("a@x", "1"),
            update("ghost@x", "2"),
            update("c@x", "3"),
            update("d@x", "4"),
            update("e@x", "5"),
        ];
        let reply = json!([
            {"LOGIN_ID": "ghost@x", ":SyncStatus": "Error",
             ":SyncDetails": "User: ghost@x does not exists in the Organization", "USER_ID": null},
            {"LOGIN_ID": "A@X", ":SyncStatus": "OK", ":SyncDetails": "Updated", "USER_ID": 2060074},
            {":SyncStatus": "Partial", ":SyncDetails": "half"},
            {"LOGIN_ID": "d@x", ":SyncStatus": "Weird"}
        ]);
        let outcomes = read_reply("POST /sync", &chunk, &reply);
        assert_eq!(outcomes.len(), 5);
        assert_eq!(
            outcomes[0],
            UpdateOutcome::Applied {
                user_id: Some(2060074),
                details: "Updated".into()
            }
        );
        assert_eq!(
            outcomes[1],
            UpdateOutcome::Rejected {
                details: "User: ghost@x does not exists in the Organization".into()
            }
        );
        assert_eq!(
            outcomes[2],
            UpdateOutcome::Partial {
                details: "half".into()
            }
        );
        assert!(
            matches!(&outcomes[3], UpdateOutcome::Failed { transient: true, error } if error.to_string().contains("Weird"))
        );
        assert!(
            matches!(&outcomes[4], UpdateOutcome::Failed { transient: true, error } if error.to_string().contains("e@x"))
        );
    }

    #[test]
    fn a_reply_that_is_not_an_array_fails_every_record() {
        let outcomes = read_reply(
            "POST /sync",
            &[update("a@x", "1")],
            &json!({"Message": "?"}),
        );
        assert!(matches!(
            outcomes.as_slice(),
            [UpdateOutcome::Failed {
                transient: true,
                ..
            }]
        ));
    }

    #[test]
    fn only_a_plain_attribute_name_is_accepted() {
        for bad in [
            "",
            " ",
            "LOGIN_ID",
            "login_id",
            ":SyncStatus",
            " On-Duty-DTG",
        ] {
            assert!(check_attribute(bad).is_err(), "{bad:?}");
        }
        assert!(check_attribute("On-Duty-DTG").is_ok());
    }
}
