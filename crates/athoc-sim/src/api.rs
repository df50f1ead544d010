//! Request dispatch for the AtHoc endpoints (athoc-api.md §1–§3, §6): case-insensitive
//! routing, fault injection, latency, the request log, and the per-endpoint handlers.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Uri};
use axum::response::Response;
use axum::Extension;
use rand::distributions::{Alphanumeric, DistString};
use tokio::time::Instant;

use crate::auth::{check_grant, GrantError};
use crate::faults::{Endpoint, FaultKind, AFTER_NEXT_LIMIT};
use crate::server::{json_reply, message_reply, ConnectionKill};
use crate::sim::{RecordedRequest, Sim};
use crate::sync::{parse_flags, sync, SyncContext};

/// Where a request goes, decided from the lower-cased path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Token,
    Search { org: String },
    Sync { org: String },
    WrongMethod,
    NotFound,
}

impl Route {
    fn classify(method: &Method, path: &str) -> Route {
        let original: Vec<&str> = path.trim_matches('/').split('/').collect();
        let lower: Vec<String> = original.iter().map(|s| s.to_ascii_lowercase()).collect();
        let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
        let (route, expected) = match lower[..] {
            ["authservices", "auth", "connect", "token"] => (Route::Token, Method::POST),
            ["api", "v2", "orgs", _, "users", "search", "basic"] => (
                Route::Search {
                    org: original[3].to_owned(),
                },
                Method::GET,
            ),
            ["api", "v2", "orgs", _, "users", "syncbycommonnames"] => (
                Route::Sync {
                    org: original[3].to_owned(),
                },
                Method::POST,
            ),
            _ => return Route::NotFound,
        };
        if *method == expected {
            route
        } else {
            Route::WrongMethod
        }
    }

    fn endpoint(&self) -> Option<Endpoint> {
        match self {
            Route::Token => Some(Endpoint::Token),
            Route::Search { .. } => Some(Endpoint::Search),
            Route::Sync { .. } => Some(Endpoint::Sync),
            Route::WrongMethod | Route::NotFound => None,
        }
    }
}

/// One AtHoc request being handled, counted in [`Sim::most_in_flight`]
/// until the handler returns or is dropped (a dropped connection).
struct InFlight(Sim);

impl InFlight {
    fn enter(sim: &Sim) -> InFlight {
        let mut state = sim.lock();
        state.in_flight += 1;
        state.most_in_flight = state.most_in_flight.max(state.in_flight);
        drop(state);
        InFlight(sim.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
    }
}

/// The single axum handler: `/_sim/` goes to the control API, the rest is AtHoc.
pub(crate) async fn handle(
    State(sim): State<Sim>,
    kill: Option<Extension<ConnectionKill>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lower = uri.path().to_ascii_lowercase();
    if lower == "/_sim" || lower.starts_with("/_sim/") {
        return crate::control::handle(&sim, &method, &lower, &body);
    }
    let route = Route::classify(&method, uri.path());
    let _in_flight = InFlight::enter(&sim);
    let (index, fault, latency) = {
        let mut state = sim.lock();
        let others = state.in_flight.saturating_sub(1);
        state.requests.push(RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: uri.query().unwrap_or_default().to_owned(),
            body: recorded_body(&route, &body),
            status: 0,
            in_flight: others,
        });
        let fault = state.faults.take(route.endpoint());
        // What "after the next call" is counted from: this call's arrival.
        let after = match fault {
            Some(FaultKind::AfterNext(other)) => {
                let answered = state.answered.subscribe();
                let seen = answered.borrow().get(&other).copied().unwrap_or(0);
                Some((answered, other, seen))
            }
            _ => None,
        };
        (
            state.requests.len() - 1,
            (fault, after),
            state.config.latency,
        )
    };
    let (fault, after) = fault;
    let response = match fault {
        Some(FaultKind::DropConnection) => {
            if let Some(Extension(ConnectionKill(kill))) = kill {
                kill.notify_one();
            }
            // The connection task drops this future together with the socket.
            return std::future::pending().await;
        }
        Some(FaultKind::Status {
            code,
            retry_after_secs,
        }) => {
            let mut response = message_reply(code, &format!("Simulated fault: HTTP {code}"));
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
        Some(FaultKind::Echo(code)) => {
            let headers: Vec<String> = headers
                .iter()
                .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes())))
                .collect();
            message_reply(
                code,
                &format!(
                    "Simulated fault: the request was {method} {uri} {} {}",
                    headers.join(" "),
                    String::from_utf8_lossy(&body)
                ),
            )
        }
        Some(FaultKind::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            route_reply(&sim, &route, &uri, &headers, &body)
        }
        Some(FaultKind::AfterNext(_)) => {
            if let Some((mut answered, other, seen)) = after {
                let later = answered.wait_for(|n| n.get(&other).copied().unwrap_or(0) > seen);
                // Past the limit (or if the simulator is going away) it answers anyway.
                let _ = tokio::time::timeout(AFTER_NEXT_LIMIT, later).await;
            }
            route_reply(&sim, &route, &uri, &headers, &body)
        }
        None => route_reply(&sim, &route, &uri, &headers, &body),
    };
    if let Some(endpoint) = route.endpoint() {
        sim.lock()
            .answered
            .send_modify(|n| *n.entry(endpoint).or_default() += 1);
    }
    if let Some(entry) = sim.lock().requests.get_mut(index) {
        entry.status = response.status().as_u16();
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    response
}

/// The request body as logged: token requests have their secrets replaced.
fn recorded_body(route: &Route, body: &[u8]) -> String {
    if *route != Route::Token {
        return String::from_utf8_lossy(body).into_owned();
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(body) {
        let hidden = matches!(k.as_ref(), "password" | "client_secret");
        out.append_pair(&k, if hidden { "[REDACTED]" } else { &v });
    }
    out.finish()
}

fn route_reply(sim: &Sim, route: &Route, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    let now = Instant::now();
    let query: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let mut state = sim.lock();
    let state = &mut *state;
    let org = match route {
        Route::Token => return token_reply(state, headers, body, now),
        Route::NotFound => {
            let message =
                format!("No HTTP resource was found that matches the request URI '{uri}'.");
            return message_reply(404, &message);
        }
        Route::WrongMethod => {
            return message_reply(
                405,
                "The requested resource does not support this http method.",
            )
        }
        Route::Search { org } | Route::Sync { org } => org,
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Err(denied) = state
        .tokens
        .authorize(authorization, org, &state.config, now)
    {
        return message_reply(denied.status(), &denied.to_string());
    }
    match route {
        Route::Search { .. } => match crate::search::parse_query(&query) {
            Ok(q) => {
                let reply = crate::search::search(
                    &state.dir,
                    &q,
                    state.config.offset_mode,
                    state.config.page_size_cap,
                );
                json_reply(200, &reply)
            }
            Err(e) => message_reply(400, &e.to_string()),
        },
        _ => {
            let flags = match parse_flags(&query) {
                Ok(flags) => flags,
                Err(e) => return message_reply(400, &e.to_string()),
            };
            let ctx = SyncContext {
                config: &state.config,
                rejections: &state.rejections,
                flags,
            };
            match sync(&mut state.dir, body, &ctx) {
                Ok(reply) => json_reply(200, &reply),
                Err(e) => message_reply(400, &e.to_string()),
            }
        }
    }
}

fn token_reply(
    state: &mut crate::sim::State,
    headers: &HeaderMap,
    body: &[u8],
    now: Instant,
) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let granted = if is_form {
        check_grant(&form, &state.config)
    } else {
        Err(GrantError::InvalidRequest)
    };
    match granted {
        Ok(org) => {
            let token = Alphanumeric.sample_string(&mut rand::thread_rng(), 48);
            let lifetime = state.config.token_lifetime;
            state.tokens.issue(token.clone(), org, now + lifetime);
            json_reply(
                200,
                &serde_json::json!({
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": lifetime.as_secs(),
                }),
            )
        }
        Err(e) => json_reply(
            400,
            &serde_json::json!({ "error": e.code(), "error_description": e.to_string() }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("POST", "/AuthServices/Auth/connect/token", Route::Token)]
    #[case("POST", "/authservices/auth/connect/token/", Route::Token)]
    #[case("GET", "/API/V2/ORGS/Bobo/USERS/SEARCH/BASIC", Route::Search { org: "Bobo".into() })]
    #[case("POST", "/api/v2/orgs/BOBO/users/syncbycommonnames", Route::Sync { org: "BOBO".into() })]
    #[case("GET", "/api/v2/orgs/BOBO/users/SyncByCommonNames", Route::WrongMethod)]
    #[case("GET", "/api/v2/orgs/BOBO/users", Route::NotFound)]
    fn routes(#[case] method: &str, #[case] path: &str, #[case] expect: Route) {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        assert_eq!(Route::classify(&method, path), expect);
    }

    #[test]
    fn token_bodies_are_logged_without_secrets() {
        let logged = recorded_body(
            &Route::Token,
            b"grant_type=password&password=hunter2&client_secret=s3cret&username=op",
        );
        assert!(
            !logged.contains("hunter2") && !logged.contains("s3cret"),
            "{logged}"
        );
        assert!(logged.contains("username=op"));
    }
}
