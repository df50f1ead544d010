//! AtHoc failures end to end: a full outage fails the cycle and keeps the file, the next
//! cycle recovers; a 429 and then a 401 are ridden out within one cycle.

use bobosync_e2e::*;

const FILE: &str = "BOBO_20250617_143000_output.csv";

#[test]
fn outage_unreachable_server_keeps_file_then_recovers() {
    let mut h = Harness::new(org(
        50,
        [
            user("pc12345@force.example", "12345"),
            user("pc31337@force.example", "31337"),
        ],
    ));
    h.drop_recent_fixture(FILE);
    let url = h.base_url().to_owned();
    h.set("ATHOC_SERVER_URL", &closed_port_url());

    let down = h.once();
    down.assert_code(EXIT_FAILED);
    h.assert_still_pending(FILE);
    h.assert_duty(&login(42), None, &down);

    h.set("ATHOC_SERVER_URL", &url);
    let up = h.once();
    up.assert_success();
    h.assert_processed(FILE);
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:29:55")), &up);
    h.assert_duty("pc12345@force.example", Some(&athoc_on(0, "14:30:01")), &up);
}

#[test]
fn outage_server_answering_503_keeps_file() {
    let h = Harness::new(generate_users(50));
    h.drop_recent_fixture(FILE);
    h.sim().inject(Fault {
        endpoint: Endpoint::Any,
        kind: FaultKind::Status {
            code: 503,
            retry_after_secs: None,
        },
        times: 1_000_000,
    });

    let down = h.once();
    down.assert_code(EXIT_FAILED);
    h.assert_still_pending(FILE);
    h.assert_duty(&login(42), None, &down);
}

#[test]
fn throttled_then_unauthorized_ridden_out_within_one_cycle() {
    let h = Harness::new(generate_users(50));
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));
    // Faults on one endpoint fire in the order injected: the update call first gets a 429
    // (retry after 1 s), its retry a 401 (token no longer accepted), then succeeds.
    h.sim().inject(Fault {
        endpoint: Endpoint::Sync,
        kind: FaultKind::Status {
            code: 429,
            retry_after_secs: Some(1),
        },
        times: 1,
    });
    h.sim().inject(Fault {
        endpoint: Endpoint::Sync,
        kind: FaultKind::Status {
            code: 401,
            retry_after_secs: None,
        },
        times: 1,
    });

    let run = h.once();
    run.assert_success();

    h.assert_duty(&login(42), Some(&athoc_on(0, "14:30:00")), &run);
    h.assert_processed(FILE);
    let statuses: Vec<u16> = h.requests().iter().map(|r| r.status).collect();
    assert!(
        statuses.contains(&429) && statuses.contains(&401),
        "faults did not fire: {statuses:?}\n{run}"
    );
}

/// Found by hand (issue 12): with the token proving the connection, a broken
/// user search no longer stops the files. The file is applied, the stale
/// cleanup's failure fails the run loudly, and no probe request was made.
#[test]
fn a_failing_user_search_leaves_the_updates_going_and_fails_the_cleanup_loudly() {
    let h = Harness::new(generate_users(50));
    h.once().assert_success();
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));
    h.sim().clear_requests();
    h.sim().inject(Fault {
        endpoint: Endpoint::Search,
        kind: FaultKind::Status {
            code: 500,
            retry_after_secs: None,
        },
        times: 1_000_000,
    });

    let run = h.once();
    run.assert_code(EXIT_FAILED);
    h.assert_processed(FILE);
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:30:00")), &run);
    assert!(
        run.output().contains("stale cleanup failed"),
        "the cleanup's failure is not reported:\n{run}"
    );
    // No connection probe (a one-user search): the token proved the
    // connection. The cleanup's search goes out beside the update.
    let requests = h.requests();
    assert!(
        !requests.iter().any(|r| r.query.contains("Limit=1&")),
        "a connection probe was sent: {:?}\n{run}",
        requests
            .iter()
            .map(|r| (&r.path, &r.query))
            .collect::<Vec<_>>()
    );
}

/// Found by hand: an update endpoint slower than the timeout made `once` sit silent for minutes
/// (each of five tries waits the whole timeout; the retries were logged at debug only). Each
/// retry is a warning in the log as it happens, and a reply that comes in time on a later try
/// applies the file.
#[test]
fn a_slow_update_endpoint_is_retried_and_each_retry_is_told() {
    let mut h = Harness::new(generate_users(50));
    h.set("HTTP_TIMEOUT_SECONDS", "1");
    h.once().assert_success();
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));
    h.sim().inject(Fault {
        endpoint: Endpoint::Sync,
        kind: FaultKind::Delay(std::time::Duration::from_millis(2500)),
        times: 2,
    });

    let run = h.once();
    run.assert_success();
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:30:00")), &run);
    h.assert_processed(FILE);
    let log = h.log_text();
    for next in [2, 3] {
        let line = log
            .lines()
            .find(|l| l.contains(&format!("(try {next} of 5)")))
            .unwrap_or_else(|| panic!("no warning before try {next}:\n{log}"));
        assert!(
            line.contains(" WARN ")
                && line.contains("AtHoc: no reply in time at POST ")
                && line.contains("SyncByCommonNames")
                && line.contains("; trying again in "),
            "{line}"
        );
    }
}
