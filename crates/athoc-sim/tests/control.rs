//! The request log and the test-only `/_sim/` control API (not part of AtHoc).

mod common;

use std::io::{Read, Write};

use athoc_sim::{generate_users, BackgroundSim, RecordedRequest, Sim, SimConfig, SimUser};
use common::{search_path, token_form, Harness, SYNC};
use serde_json::{json, Value};

#[tokio::test]
async fn request_log_records_everything_in_order_without_secrets() {
    let h = Harness::start(SimConfig::default(), generate_users(2)).await;
    let token = h.token().await;
    let _ = h.get(&token, &search_path("Collar-Number", 5, 0)).await;
    let _ = h
        .post_json(
            &token,
            SYNC,
            &json!([{"LOGIN_ID": "user00001@force.example", "On-Duty-DTG": ""}]),
        )
        .await;
    let _ = h.http.get(h.url("/nowhere")).send().await.unwrap();
    let log = h.sim().requests();
    let summary: Vec<(&str, u16)> = log.iter().map(|r| (r.method.as_str(), r.status)).collect();
    assert_eq!(
        summary,
        [("POST", 200), ("GET", 200), ("POST", 200), ("GET", 404)]
    );
    assert!(log[0].body.contains("username=sim-operator"));
    assert!(!log[0].body.contains("sim-password") && !log[0].body.contains("sim-client-secret"));
    assert_eq!(log[1].path, "/api/v2/orgs/BOBO/users/search/basic");
    assert!(log[1].query.contains("Limit=5"));
    assert!(log[2].body.contains("On-Duty-DTG"));
    h.sim().clear_requests();
    assert!(h.sim().requests().is_empty());
}

#[tokio::test]
async fn control_api_round_trip() {
    let h = Harness::start(SimConfig::default(), generate_users(2)).await;
    let http = &h.http;
    let users: Vec<SimUser> = http
        .get(h.url("/_sim/users"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users, generate_users(2));

    let replacement = vec![SimUser::new("a@force.example").with("Collar-Number", "00042")];
    let r = http
        .put(h.url("/_sim/users"))
        .json(&replacement)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(h.sim().users(), replacement);

    let r = http
        .post(h.url("/_sim/reject-value"))
        .json(&json!({"login": "a@force.example", "details": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = h.token().await;
    let (_, reply) = h
        .post_json(
            &token,
            SYNC,
            &json!([{"LOGIN_ID": "a@force.example", "On-Duty-DTG": ""}]),
        )
        .await;
    assert_eq!(reply[0][":SyncDetails"], "nope");

    let fault = json!({"endpoint": "search", "kind": {"status": {"code": 500}}, "times": 1});
    assert_eq!(
        http.post(h.url("/_sim/faults"))
            .json(&fault)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        h.get(&token, &search_path("Collar-Number", 5, 0)).await.0,
        500
    );

    assert_eq!(
        http.post(h.url("/_SIM/expire-tokens"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        h.get(&token, &search_path("Collar-Number", 5, 0)).await.0,
        401
    );

    let log: Vec<RecordedRequest> = http
        .get(h.url("/_sim/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 200, 500, 401],
        "control calls are not logged"
    );

    let r = http
        .post(h.url("/_sim/faults"))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["Message"]
        .as_str()
        .is_some_and(|m| m.contains("/faults")));
    assert_eq!(
        http.get(h.url("/_sim/nothing"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let _ = token_form();
}

/// A plain (non-async) test, as the end-to-end tests use it, speaking raw HTTP/1.1.
#[test]
fn background_sim_serves_from_its_own_thread_and_stops_on_drop() {
    let bg =
        BackgroundSim::start(Sim::new(SimConfig::default(), generate_users(3))).expect("start");
    let addr = bg.base_url.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    stream
        .write_all(b"GET /_sim/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("user00003@force.example"));
    drop(bg);
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "listener closed after drop"
    );
}

#[tokio::test]
async fn running_sim_stop_closes_the_listener() {
    let running = athoc_sim::RunningSim::start(Sim::new(SimConfig::default(), vec![]))
        .await
        .expect("start");
    let url = format!("{}/_sim/users", running.base_url);
    let http = reqwest::Client::new();
    assert_eq!(http.get(&url).send().await.expect("up").status(), 200);
    running.stop().await;
    assert!(reqwest::Client::new().get(&url).send().await.is_err());
}
