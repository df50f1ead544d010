//! The AtHoc client against the simulator (`athoc-sim`), one test per item
//! of `athoc-api.md` the client touches, plus a hand-written loopback server
//! for a directory whose `TotalUsers` does not add up.

use std::collections::BTreeSet;
use std::time::Duration;

use athoc_sim::{
    generate_users, Endpoint, Fault, FaultKind, OffsetMode, RunningSim, Sim, SimConfig,
};
use engine::athoc::{
    AthocClient, AthocError, AttributeUpdate, ClientConfig, Credentials, OffsetMeaning,
    ProxyOptions, RetryPolicy, TlsOptions, UpdateOutcome,
};
use engine::event::Login;
use url::Url;

const ATTRIBUTE: &str = "On-Duty-DTG";

/// A running simulator with `users` generated users.
async fn start(users: usize) -> RunningSim {
    let sim = Sim::new(SimConfig::default(), generate_users(users));
    match RunningSim::start(sim).await {
        Ok(running) => running,
        Err(e) => panic!("simulator did not start: {e}"),
    }
}

/// Client settings for the simulator's default credentials, with tiny retry delays.
fn config(base_url: &str) -> ClientConfig {
    ClientConfig {
        base_url: Url::parse(base_url).unwrap_or_else(|e| panic!("bad base url {base_url}: {e}")),
        org_code: "BOBO".into(),
        credentials: Credentials {
            client_id: "sim-client".into(),
            client_secret: "sim-client-secret".into(),
            username: "sim-operator".into(),
            password: "sim-password".into(),
            scope: "athoc.iws.web.api".into(),
        },
        tls: TlsOptions::default(),
        proxy: ProxyOptions::default(),
        timeout: Duration::from_secs(10),
        users_per_request: 1000,
        concurrent_requests: 4,
        page_size: 1000,
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        },
    }
}

fn client(config: ClientConfig) -> AthocClient {
    AthocClient::new(config).unwrap_or_else(|e| panic!("client: {e}"))
}

fn login(raw: &str) -> Login {
    Login::new(raw).unwrap_or_else(|| panic!("empty login"))
}

/// The first `n` logins of the simulated directory, read through the client.
async fn some_logins(client: &AthocClient, n: usize) -> Vec<Login> {
    let directory = client
        .fetch_users(&[])
        .await
        .unwrap_or_else(|e| panic!("fetch: {e}"));
    let mut logins: Vec<Login> = directory.users.into_iter().map(|u| u.login).collect();
    logins.sort();
    logins.truncate(n);
    logins
}

fn count_requests(running: &RunningSim, path_part: &str) -> usize {
    running
        .sim
        .requests()
        .iter()
        .filter(|r| {
            r.path
                .to_ascii_lowercase()
                .contains(&path_part.to_ascii_lowercase())
        })
        .count()
}

fn token_requests(running: &RunningSim) -> usize {
    count_requests(running, "connect/token")
}

fn sync_requests(running: &RunningSim) -> usize {
    count_requests(running, "SyncByCommonNames")
}

fn fault(endpoint: Endpoint, kind: FaultKind, times: usize) -> Fault {
    Fault {
        endpoint,
        kind,
        times,
    }
}

// ---- §1 token ----

#[tokio::test]
async fn token_is_fetched_once_and_reused() {
    let running = start(10).await;
    let client = client(config(&running.base_url));
    for _ in 0..3 {
        client
            .check_connection()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(token_requests(&running), 1);
}

#[tokio::test]
async fn wrong_password_is_invalid_grant_and_never_echoed() {
    let running = start(3).await;
    let mut config = config(&running.base_url);
    config.credentials.password = "not-the-password-42".into();
    let error = client(config).check_connection().await.err();
    match &error {
        Some(AthocError::Authentication { code, .. }) => assert_eq!(code, "invalid_grant"),
        other => panic!("expected Authentication, got {other:?}"),
    }
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("PASSWORD") && text.contains("connect/token"),
        "{text}"
    );
    assert!(!text.contains("not-the-password-42"), "{text}");
    assert!(
        !error_is_retried(&running),
        "a refused token must not be retried"
    );
}

fn error_is_retried(running: &RunningSim) -> bool {
    token_requests(running) > 1
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let running = start(3).await;
    let mut config = config(&running.base_url);
    config.credentials.client_secret = "wrong-secret-77".into();
    let error = client(config).check_connection().await.err();
    match &error {
        Some(AthocError::Authentication { code, .. }) => assert_eq!(code, "invalid_client"),
        other => panic!("expected Authentication, got {other:?}"),
    }
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("CLIENT_SECRET") && !text.contains("wrong-secret-77"),
        "{text}"
    );
}

#[tokio::test]
async fn expired_token_is_renewed_once_after_401() {
    let running = start(10).await;
    let client = client(config(&running.base_url));
    client
        .check_connection()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    running.sim.expire_tokens();
    let directory = client
        .fetch_users(&[])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(directory.users.len(), 10);
    assert_eq!(token_requests(&running), 2);
    let unauthorized = running
        .sim
        .requests()
        .iter()
        .filter(|r| r.status == 401)
        .count();
    assert_eq!(unauthorized, 1);
}

#[tokio::test]
async fn short_lived_token_is_renewed_before_it_expires() {
    let running = start(3).await;
    running
        .sim
        .update_config(|c| c.token_lifetime = Duration::from_secs(3));
    let client = client(config(&running.base_url));
    client
        .check_connection()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Renewal is due at 80 % of a short token's life (2.4 s); it expires at 3 s.
    tokio::time::sleep(Duration::from_millis(2600)).await;
    client
        .check_connection()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(token_requests(&running), 2);
    assert!(
        running.sim.requests().iter().all(|r| r.status != 401),
        "renewal should come before a 401"
    );
}

#[tokio::test]
async fn operator_without_role_is_forbidden() {
    let running = start(3).await;
    running.sim.update_config(|c| c.operator_has_role = false);
    let error = client(config(&running.base_url))
        .fetch_users(&[])
        .await
        .err();
    match &error {
        Some(e @ AthocError::Forbidden { .. }) => {
            assert!(!e.is_transient());
            let text = e.to_string();
            assert!(text.contains("role") && text.contains("password"), "{text}");
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[tokio::test]
async fn environment_proxy_is_not_used_for_loopback() {
    // Nothing listens on port 9: a client that used this proxy would fail.
    std::env::set_var("HTTP_PROXY", "http://127.0.0.1:9");
    std::env::set_var("http_proxy", "http://127.0.0.1:9");
    std::env::set_var("ALL_PROXY", "http://127.0.0.1:9");
    let running = start(3).await;
    let mut config = config(&running.base_url);
    config.proxy.http = Some("http://127.0.0.1:9".into());
    let result = client(config).check_connection().await;
    assert!(result.is_ok(), "{result:?}");
}

// ---- §2 paging ----

async fn page_through(mode: OffsetMode, cap: Option<usize>) -> (OffsetMeaning, usize, usize) {
    let running = start(2500).await;
    running.sim.update_config(|c| {
        c.offset_mode = mode;
        c.page_size_cap = cap;
    });
    let client = client(config(&running.base_url));
    let directory = client
        .fetch_users(&["Collar-Number"])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let unique: BTreeSet<&str> = directory.users.iter().map(|u| u.login.as_str()).collect();
    // Every user's collar number matches the simulator's record.
    for user in directory.users.iter().take(50) {
        let sim_user = running
            .sim
            .user(user.login.as_str())
            .unwrap_or_else(|| panic!("{} unknown", user.login));
        let expected = sim_user
            .attributes
            .get("Collar-Number")
            .map(String::as_str)
            .filter(|v| !v.is_empty());
        assert_eq!(user.field("Collar-Number"), expected, "{}", user.login);
    }
    (directory.offset_meaning, unique.len(), directory.total)
}

/// Directory pages asked for: their `Offset`s, in order.
fn offsets_asked(running: &RunningSim) -> Vec<usize> {
    running
        .sim
        .requests()
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().ends_with("/users/search/basic"))
        .filter_map(|r| {
            r.query
                .split('&')
                .find_map(|pair| pair.strip_prefix("Offset="))
                .and_then(|v| v.parse().ok())
        })
        .collect()
}

#[tokio::test]
async fn the_offset_meaning_found_once_saves_the_probe_and_a_wrong_one_is_found_out() {
    let running = start(2500).await;
    running
        .sim
        .update_config(|c| c.offset_mode = OffsetMode::Page);
    let client = client(config(&running.base_url));
    assert_eq!(client.offset_meaning(), None);
    let first = client.fetch_users(&[]).await;
    assert_eq!(first.map(|d| d.users.len()).ok(), Some(2500));
    assert_eq!(client.offset_meaning(), Some(OffsetMeaning::PageNumber));
    assert_eq!(offsets_asked(&running), vec![0, 1, 2]);

    // Known now: no probe, the same pages.
    running.sim.clear_requests();
    let again = client.fetch_users(&[]).await;
    assert_eq!(again.map(|d| d.users.len()).ok(), Some(2500));
    let mut asked = offsets_asked(&running);
    asked.sort_unstable();
    assert_eq!(asked, vec![0, 1, 2]);

    // The server now counts records (an upgrade): the remembered meaning
    // does not add up, the client asks again and still returns everyone.
    running
        .sim
        .update_config(|c| c.offset_mode = OffsetMode::Record);
    let after = client.fetch_users(&[]).await;
    assert_eq!(after.map(|d| d.users.len()).ok(), Some(2500));
    assert_eq!(client.offset_meaning(), Some(OffsetMeaning::RecordIndex));

    // A fresh client told the right meaning (as the engine does from its
    // database) skips the probe.
    let fresh = self::client(config(&running.base_url));
    fresh.assume_offset_meaning(OffsetMeaning::RecordIndex);
    running.sim.clear_requests();
    let told = fresh.fetch_users(&[]).await;
    assert_eq!(told.map(|d| d.users.len()).ok(), Some(2500));
    let mut asked = offsets_asked(&running);
    asked.sort_unstable();
    assert_eq!(asked, vec![0, 1000, 2000]);
}

#[tokio::test]
async fn paging_2500_users_offset_as_page_number() {
    assert_eq!(
        page_through(OffsetMode::Page, None).await,
        (OffsetMeaning::PageNumber, 2500, 2500)
    );
}

#[tokio::test]
async fn paging_2500_users_offset_as_record_index() {
    assert_eq!(
        page_through(OffsetMode::Record, None).await,
        (OffsetMeaning::RecordIndex, 2500, 2500)
    );
}

#[tokio::test]
async fn paging_with_a_page_cap_below_the_limit_page_number() {
    assert_eq!(
        page_through(OffsetMode::Page, Some(300)).await,
        (OffsetMeaning::PageNumber, 2500, 2500)
    );
}

#[tokio::test]
async fn paging_with_a_page_cap_below_the_limit_record_index() {
    assert_eq!(
        page_through(OffsetMode::Record, Some(300)).await,
        (OffsetMeaning::RecordIndex, 2500, 2500)
    );
}

#[tokio::test]
async fn paging_requests_always_name_login_id_first() {
    let running = start(20).await;
    client(config(&running.base_url))
        .fetch_users(&["Collar-Number"])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let searches: Vec<_> = running
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.to_ascii_lowercase().contains("search/basic"))
        .collect();
    assert!(!searches.is_empty());
    for request in searches {
        let query = &request.query;
        assert!(query.contains("Fields=LOGIN_ID%2CCollar-Number"), "{query}");
    }
}

#[tokio::test]
async fn criteria_is_passed_to_the_search() {
    let running = start(50).await;
    let client = client(config(&running.base_url));
    let logins = some_logins(&client, 3).await;
    let updates: Vec<_> = logins
        .iter()
        .map(|l| AttributeUpdate {
            login: l.clone(),
            value: "22/10/2025 07:41:42".into(),
        })
        .collect();
    client.sync_attribute(ATTRIBUTE, &updates).await;
    let directory = client
        .fetch_users_matching(&[ATTRIBUTE], Some(&format!("{ATTRIBUTE} pr")))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let got: BTreeSet<Login> = directory.users.iter().map(|u| u.login.clone()).collect();
    assert_eq!(got, logins.into_iter().collect());
    assert!(directory
        .users
        .iter()
        .all(|u| u.field(ATTRIBUTE) == Some("22/10/2025 07:41:42")));
}

// ---- §3 SyncByCommonNames ----

#[tokio::test]
async fn sync_applies_and_reports_unknown_users_inside_http_200() {
    let running = start(10).await;
    let client = client(config(&running.base_url));
    let known = some_logins(&client, 1).await.remove(0);
    let updates = [
        AttributeUpdate {
            login: known.clone(),
            value: "22/10/2025 07:41:42".into(),
        },
        AttributeUpdate {
            login: login("ghost@force.example"),
            value: "22/10/2025 07:41:44".into(),
        },
    ];
    let outcomes = client.sync_attribute(ATTRIBUTE, &updates).await;
    assert_eq!(outcomes.len(), 2);
    assert!(
        matches!(
            &outcomes[0],
            UpdateOutcome::Applied {
                user_id: Some(_),
                ..
            }
        ),
        "{:?}",
        outcomes[0]
    );
    match &outcomes[1] {
        UpdateOutcome::Rejected { details } => {
            assert!(details.contains("does not exists"), "{details}")
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    let stored = running
        .sim
        .user(known.as_str())
        .and_then(|u| u.attributes.get(ATTRIBUTE).cloned());
    assert_eq!(stored.as_deref(), Some("22/10/2025 07:41:42"));
}

#[tokio::test]
async fn a_value_athoc_rejects_is_a_permanent_record_error() {
    let running = start(5).await;
    let client = client(config(&running.base_url));
    let logins = some_logins(&client, 2).await;
    running
        .sim
        .reject_value(logins[0].as_str(), "Invalid date format for On-Duty-DTG");
    let updates: Vec<_> = logins
        .iter()
        .map(|l| AttributeUpdate {
            login: l.clone(),
            value: "22/10/2025 07:41:42".into(),
        })
        .collect();
    let outcomes = client.sync_attribute(ATTRIBUTE, &updates).await;
    assert_eq!(
        outcomes[0],
        UpdateOutcome::Rejected {
            details: "Invalid date format for On-Duty-DTG".into()
        }
    );
    assert!(outcomes[0].is_final());
    assert!(
        matches!(outcomes[1], UpdateOutcome::Applied { .. }),
        "{:?}",
        outcomes[1]
    );
}

#[tokio::test]
async fn a_value_in_the_wrong_date_format_is_rejected_per_record() {
    let running = start(5).await;
    let client = client(config(&running.base_url));
    let who = some_logins(&client, 1).await.remove(0);
    let outcomes = client
        .sync_attribute(
            ATTRIBUTE,
            &[AttributeUpdate {
                login: who,
                value: "2025-10-22T07:41:42".into(),
            }],
        )
        .await;
    assert!(
        matches!(&outcomes[0], UpdateOutcome::Rejected { details } if details.contains(ATTRIBUTE)),
        "{outcomes:?}"
    );
}

/// A simulator with `users` users answering every request after `latency`.
async fn start_slow(users: usize, latency: Duration) -> RunningSim {
    let config = SimConfig {
        latency,
        ..SimConfig::default()
    };
    RunningSim::start(Sim::new(config, generate_users(users)))
        .await
        .unwrap_or_else(|e| panic!("simulator did not start: {e}"))
}

fn set_all(logins: &[Login], value: &str) -> Vec<AttributeUpdate> {
    logins
        .iter()
        .map(|l| AttributeUpdate {
            login: l.clone(),
            value: value.into(),
        })
        .collect()
}

/// A simulator of `users` answering after `latency`, a client sending 10
/// updates per request and 4 requests at once, and `n` of its logins; the
/// request log starts empty.
async fn concurrent_site(
    users: usize,
    latency: Duration,
    n: usize,
) -> (RunningSim, AthocClient, Vec<Login>) {
    let running = start_slow(users, latency).await;
    let mut config = config(&running.base_url);
    config.users_per_request = 10;
    config.concurrent_requests = 4;
    let client = client(config);
    let logins = some_logins(&client, n).await;
    running.sim.clear_requests();
    (running, client, logins)
}

fn assert_all_applied(outcomes: &[UpdateOutcome]) {
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, UpdateOutcome::Applied { .. })),
        "{outcomes:?}"
    );
}

fn sync_log(running: &RunningSim) -> Vec<athoc_sim::RecordedRequest> {
    running
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("SyncByCommonNames"))
        .collect()
}

#[tokio::test]
async fn update_requests_run_concurrent_requests_at_once_and_answer_every_update_once() {
    let (running, client, logins) = concurrent_site(250, Duration::from_millis(30), 200).await;
    let outcomes = client
        .sync_attribute(ATTRIBUTE, &set_all(&logins, "22/10/2025 07:41:42"))
        .await;
    assert_eq!(outcomes.len(), 200);
    assert_all_applied(&outcomes);
    assert_eq!(sync_requests(&running), 20);
    assert_eq!(running.sim.most_in_flight(), 4);
    for login in &logins {
        let user = running.sim.user(login.as_str());
        assert_eq!(
            user.and_then(|u| u.attributes.get(ATTRIBUTE).cloned())
                .as_deref(),
            Some("22/10/2025 07:41:42"),
            "{login}"
        );
    }
}

#[tokio::test]
async fn a_login_updated_twice_is_sent_one_request_at_a_time_in_the_planned_order() {
    let (running, client, logins) = concurrent_site(60, Duration::from_millis(20), 50).await;
    let mut updates = set_all(&logins, "22/10/2025 07:41:42");
    // The first login again, last: AtHoc must end with this value.
    updates.push(AttributeUpdate {
        login: logins[0].clone(),
        value: String::new(),
    });
    let outcomes = client.sync_attribute(ATTRIBUTE, &updates).await;
    assert_all_applied(&outcomes);
    assert_eq!(running.sim.most_in_flight(), 1);
    let first = running.sim.user(logins[0].as_str());
    assert_eq!(
        first
            .and_then(|u| u.attributes.get(ATTRIBUTE).cloned())
            .unwrap_or_default(),
        ""
    );
}

#[tokio::test]
async fn throttling_sends_one_request_at_a_time_then_climbs_back() {
    let (running, client, logins) = concurrent_site(250, Duration::from_millis(30), 200).await;
    running.sim.inject(Fault {
        endpoint: Endpoint::Sync,
        kind: FaultKind::Status {
            code: 429,
            retry_after_secs: Some(1),
        },
        times: 1,
    });
    let outcomes = client
        .sync_attribute(ATTRIBUTE, &set_all(&logins, "22/10/2025 07:41:42"))
        .await;
    assert_all_applied(&outcomes);
    let log = sync_log(&running);
    assert_eq!(log.len(), 21, "20 chunks and one retry");
    let throttled = log
        .iter()
        .position(|r| r.status == 429)
        .unwrap_or_else(|| panic!("no 429 in {log:?}"));
    let retry = (throttled + 1..log.len())
        .find(|&i| log[i].body == log[throttled].body)
        .unwrap_or_else(|| panic!("the throttled chunk was not sent again"));
    // While the throttled chunk waited its Retry-After second, at most the
    // answers already on their way let new chunks start; at full speed
    // every chunk would have gone in that second.
    let after_retry = log.len() - retry - 1;
    assert!(
        after_retry >= 10,
        "only {after_retry} chunks were left after the retry: {log:?}"
    );
    assert_eq!(log[retry].in_flight, 0, "the retry went alone");
    assert!(
        log[retry + 1..].iter().any(|r| r.in_flight == 3),
        "back to 4 at once after the throttling: {log:?}"
    );
}

#[tokio::test]
async fn updates_are_sent_in_chunks_with_only_login_and_attribute() {
    let running = start(300).await;
    let mut config = config(&running.base_url);
    config.users_per_request = 100;
    let client = client(config);
    let logins = some_logins(&client, 250).await;
    let outcomes = client
        .sync_attribute(ATTRIBUTE, &set_all(&logins, "22/10/2025 07:41:42"))
        .await;
    assert_eq!(outcomes.len(), 250);
    assert_all_applied(&outcomes);
    assert_eq!(sync_requests(&running), 3);
    let mut sent = 0;
    for request in running
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("SyncByCommonNames"))
    {
        let query = request.query.to_ascii_lowercase();
        assert!(
            query.contains("syncexistingusersonly=true")
                && query.contains("allowpartialupdate=false"),
            "{query}"
        );
        let body: serde_json::Value =
            serde_json::from_str(&request.body).unwrap_or_else(|e| panic!("body: {e}"));
        for record in body.as_array().unwrap_or_else(|| panic!("not an array")) {
            let keys: BTreeSet<&str> = record
                .as_object()
                .unwrap_or_else(|| panic!("not an object"))
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, BTreeSet::from(["LOGIN_ID", ATTRIBUTE]));
            sent += 1;
        }
    }
    assert_eq!(sent, 250);
}

#[tokio::test]
async fn an_empty_value_clears_the_attribute() {
    let running = start(5).await;
    let client = client(config(&running.base_url));
    let who = some_logins(&client, 1).await.remove(0);
    let set = [AttributeUpdate {
        login: who.clone(),
        value: "22/10/2025 07:41:42".into(),
    }];
    assert!(matches!(
        client.sync_attribute(ATTRIBUTE, &set).await[0],
        UpdateOutcome::Applied { .. }
    ));
    let clear = [AttributeUpdate {
        login: who.clone(),
        value: String::new(),
    }];
    assert!(matches!(
        client.sync_attribute(ATTRIBUTE, &clear).await[0],
        UpdateOutcome::Applied { .. }
    ));
    let stored = running
        .sim
        .user(who.as_str())
        .and_then(|u| u.attributes.get(ATTRIBUTE).cloned());
    assert!(stored.as_deref().unwrap_or("").is_empty(), "{stored:?}");
}

async fn sync_one(running: &RunningSim, config: ClientConfig) -> (UpdateOutcome, usize) {
    let client = client(config);
    let who = some_logins(&client, 1).await.remove(0);
    let before = sync_requests(running);
    let outcome = client
        .sync_attribute(
            ATTRIBUTE,
            &[AttributeUpdate {
                login: who,
                value: "22/10/2025 07:41:42".into(),
            }],
        )
        .await
        .remove(0);
    (outcome, sync_requests(running) - before)
}

#[tokio::test]
async fn throttled_429_waits_for_retry_after_then_succeeds() {
    let running = start(5).await;
    running.sim.inject(fault(
        Endpoint::Sync,
        FaultKind::Status {
            code: 429,
            retry_after_secs: Some(1),
        },
        1,
    ));
    let (outcome, requests) = sync_one(&running, config(&running.base_url)).await;
    assert!(
        matches!(outcome, UpdateOutcome::Applied { .. }),
        "{outcome:?}"
    );
    assert_eq!(requests, 2);
}

#[tokio::test]
async fn server_errors_are_retried() {
    let running = start(5).await;
    running.sim.inject(fault(
        Endpoint::Sync,
        FaultKind::Status {
            code: 500,
            retry_after_secs: None,
        },
        2,
    ));
    let (outcome, requests) = sync_one(&running, config(&running.base_url)).await;
    assert!(
        matches!(outcome, UpdateOutcome::Applied { .. }),
        "{outcome:?}"
    );
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn persistent_server_errors_fail_transiently_after_max_attempts() {
    let running = start(5).await;
    running.sim.inject(fault(
        Endpoint::Sync,
        FaultKind::Status {
            code: 503,
            retry_after_secs: None,
        },
        50,
    ));
    let (outcome, requests) = sync_one(&running, config(&running.base_url)).await;
    match outcome {
        UpdateOutcome::Failed { error, transient } => {
            assert!(transient && error.is_retryable(), "{error}");
            assert!(error.to_string().contains("SyncByCommonNames"), "{error}");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(requests, 4);
}

#[tokio::test]
async fn dropped_connection_is_retried() {
    let running = start(5).await;
    running
        .sim
        .inject(fault(Endpoint::Sync, FaultKind::DropConnection, 1));
    let (outcome, _) = sync_one(&running, config(&running.base_url)).await;
    assert!(
        matches!(outcome, UpdateOutcome::Applied { .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn slow_reply_times_out_and_is_retried() {
    let running = start(5).await;
    running.sim.inject(fault(
        Endpoint::Sync,
        FaultKind::Delay(Duration::from_secs(3)),
        1,
    ));
    let mut config = config(&running.base_url);
    config.timeout = Duration::from_millis(500);
    let (outcome, _) = sync_one(&running, config).await;
    assert!(
        matches!(outcome, UpdateOutcome::Applied { .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_400_is_permanent_and_not_retried() {
    let running = start(5).await;
    running.sim.inject(fault(
        Endpoint::Sync,
        FaultKind::Status {
            code: 400,
            retry_after_secs: None,
        },
        1,
    ));
    let (outcome, requests) = sync_one(&running, config(&running.base_url)).await;
    match outcome {
        UpdateOutcome::Failed { error, transient } => {
            assert!(!transient && !error.is_retryable(), "{error}");
            assert!(matches!(error, AthocError::BadRequest { .. }), "{error:?}");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn sync_after_token_expiry_reauthenticates_once() {
    let running = start(5).await;
    let client = client(config(&running.base_url));
    let who = some_logins(&client, 1).await.remove(0);
    running.sim.expire_tokens();
    let outcomes = client
        .sync_attribute(
            ATTRIBUTE,
            &[AttributeUpdate {
                login: who,
                value: "22/10/2025 07:41:42".into(),
            }],
        )
        .await;
    assert!(
        matches!(outcomes[0], UpdateOutcome::Applied { .. }),
        "{:?}",
        outcomes[0]
    );
    assert_eq!(token_requests(&running), 2);
}

#[tokio::test]
async fn token_endpoint_throttling_is_ridden_out() {
    let running = start(5).await;
    running.sim.inject(fault(
        Endpoint::Token,
        FaultKind::Status {
            code: 503,
            retry_after_secs: None,
        },
        2,
    ));
    let result = client(config(&running.base_url)).check_connection().await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(token_requests(&running), 3);
}

// ---- a server whose TotalUsers does not add up ----

mod lying_server {
    //! A minimal HTTP/1.1 server on 127.0.0.1:0 that hands out tokens and
    //! pages `users` by record index while claiming `claimed_total` users.

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    pub async fn start(users: usize, claimed_total: usize) -> String {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"));
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buffer).to_string();
                    let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let body = if target.to_ascii_lowercase().contains("connect/token") {
                        r#"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#.to_owned()
                    } else {
                        let offset: usize = target
                            .split(['?', '&'])
                            .find_map(|p| p.strip_prefix("Offset="))
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        let users: Vec<String> = (offset..users.min(offset + 1000))
                            .map(|i| format!(r#"{{"LOGIN_ID":"user{i}@force.example"}}"#))
                            .collect();
                        format!(
                            r#"{{"TotalUsers":{claimed_total},"FetchedRecords":{},"Users":[{}]}}"#,
                            users.len(),
                            users.join(",")
                        )
                    };
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        format!("http://{address}")
    }
}

#[tokio::test]
async fn a_directory_short_of_total_users_is_an_error_not_a_short_list() {
    let base = lying_server::start(2500, 2600).await;
    let error = client(config(&base)).fetch_users(&[]).await.err();
    match &error {
        Some(e @ AthocError::IncompleteDirectory { fetched, total, .. }) => {
            assert_eq!((*fetched, *total), (2500, 2600));
            assert!(e.is_transient());
        }
        other => panic!("expected IncompleteDirectory, got {other:?}"),
    }
}

#[tokio::test]
async fn a_directory_with_more_users_than_total_is_an_error() {
    let base = lying_server::start(2500, 2400).await;
    let error = client(config(&base)).fetch_users(&[]).await.err();
    assert!(
        matches!(
            error,
            Some(AthocError::IncompleteDirectory { total: 2400, .. })
        ),
        "{error:?}"
    );
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let error = AthocClient::new(config("http://athoc.example.org")).err();
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("https"), "{text}");
}
