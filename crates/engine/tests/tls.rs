//! TLS of the AtHoc client against a certificate authority made at test time: the simulator
//! behind a TLS-terminating proxy on 127.0.0.1 (`tests/support/tls.rs`, shared with the e2e
//! harness). The system trust store is never needed: the test CA is not in it.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use athoc_sim::{generate_users, RunningSim, Sim, SimConfig};
use engine::athoc::{
    AthocClient, AthocError, ClientConfig, Credentials, ProxyOptions, RetryPolicy, TlsOptions,
    TlsVerification,
};
use url::Url;

#[path = "../../../tests/support/tls.rs"]
mod tls;

use tls::{ServerCert, TestCa, TlsProxy, Validity};

/// Client settings for the simulator's default credentials, one attempt per request.
fn config(base_url: &str, tls: TlsOptions) -> ClientConfig {
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
        tls,
        proxy: ProxyOptions::default(),
        timeout: Duration::from_secs(10),
        users_per_request: 1000,
        concurrent_requests: 4,
        page_size: 1000,
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        },
    }
}

/// A simulator, and a TLS proxy in front of it serving `cert`.
struct Site {
    sim: RunningSim,
    proxy: TlsProxy,
    dir: tempfile::TempDir,
    ca: PathBuf,
}

async fn site(ca: &TestCa, cert: ServerCert) -> Site {
    let sim = RunningSim::start(Sim::new(SimConfig::default(), generate_users(3)))
        .await
        .unwrap_or_else(|e| panic!("simulator: {e}"));
    let proxy = TlsProxy::start(cert, &sim.base_url).unwrap_or_else(|e| panic!("tls proxy: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let ca_path = dir.path().join("test-ca.pem");
    ca.write_pem(&ca_path);
    Site {
        sim,
        proxy,
        dir,
        ca: ca_path,
    }
}

fn trusting(site: &Site) -> TlsOptions {
    TlsOptions {
        verification: TlsVerification::Verify,
        extra_ca: Some(site.ca.clone()),
    }
}

async fn connect(base_url: &str, tls: TlsOptions) -> Result<(), AthocError> {
    AthocClient::new(config(base_url, tls))?
        .check_connection()
        .await
}

fn problem(result: Result<(), AthocError>) -> String {
    match result {
        Err(AthocError::Certificate { problem, endpoint }) => {
            assert!(endpoint.contains("token"), "{endpoint}");
            problem
        }
        other => panic!("expected a refused certificate, got {other:?}"),
    }
}

const HOST_NAMES: &[&str] = &["127.0.0.1", "localhost"];

#[tokio::test]
async fn local_ca_is_refused_by_default_and_accepted_with_ssl_cert_path() {
    let ca = TestCa::new("BoboSync test CA");
    let s = site(&ca, ca.issue(HOST_NAMES, Validity::Current)).await;

    let refused = problem(connect(&s.proxy.url(), TlsOptions::default()).await);
    assert!(
        refused.contains("not trusted") && refused.contains("SSL_CERT_PATH"),
        "{refused}"
    );
    assert_eq!(
        s.sim.sim.requests().len(),
        0,
        "a request got through an untrusted TLS session"
    );

    connect(&s.proxy.url(), trusting(&s))
        .await
        .unwrap_or_else(|e| panic!("trusted CA refused: {e}"));
    connect(&s.proxy.localhost_url(), trusting(&s))
        .await
        .unwrap_or_else(|e| panic!("trusted CA refused for localhost: {e}"));
    assert!(s.proxy.handshakes() >= 2);
    assert!(!s.sim.sim.requests().is_empty());
}

#[tokio::test]
async fn expired_certificate_is_refused_and_says_expired() {
    let ca = TestCa::new("BoboSync test CA");
    let s = site(&ca, ca.issue(HOST_NAMES, Validity::Expired)).await;
    let text = problem(connect(&s.proxy.url(), trusting(&s)).await);
    assert!(
        text.contains("certificate has expired on 2021-01-01"),
        "{text}"
    );
    assert_eq!(s.sim.sim.requests().len(), 0);
}

#[tokio::test]
async fn wrong_host_certificate_is_refused_and_says_name_mismatch() {
    let ca = TestCa::new("BoboSync test CA");
    let s = site(&ca, ca.issue(&["athoc.other.example"], Validity::Current)).await;
    let text = problem(connect(&s.proxy.url(), trusting(&s)).await);
    assert!(
        text.contains("name mismatch")
            && text.contains("127.0.0.1")
            && text.contains("athoc.other.example"),
        "{text}"
    );
    assert_eq!(s.sim.sim.requests().len(), 0);
}

#[tokio::test]
async fn certificate_errors_are_not_retried() {
    let ca = TestCa::new("BoboSync test CA");
    let s = site(&ca, ca.issue(HOST_NAMES, Validity::Expired)).await;
    let result = connect(&s.proxy.url(), trusting(&s)).await;
    let error = result
        .err()
        .unwrap_or_else(|| panic!("expired certificate accepted"));
    assert!(!error.is_retryable() && !error.is_transient(), "{error}");
}

#[tokio::test]
async fn disabled_verification_accepts_every_bad_certificate() {
    let ca = TestCa::new("BoboSync test CA");
    for (names, validity) in [
        (HOST_NAMES, Validity::Current),
        (HOST_NAMES, Validity::Expired),
        (&["athoc.other.example"][..], Validity::Current),
    ] {
        let s = site(&ca, ca.issue(names, validity)).await;
        let off = TlsOptions {
            verification: TlsVerification::Disabled,
            extra_ca: None,
        };
        connect(&s.proxy.url(), off).await.unwrap_or_else(|e| {
            panic!("{names:?} {validity:?} refused with verification off: {e}")
        });
    }
}

#[tokio::test]
async fn a_certificate_file_that_is_not_pem_is_a_config_error() {
    let ca = TestCa::new("BoboSync test CA");
    let s = site(&ca, ca.issue(HOST_NAMES, Validity::Current)).await;
    let bad = s.dir.path().join("not-a-cert.pem");
    std::fs::write(&bad, "hello").unwrap_or_else(|e| panic!("{e}"));
    let result = AthocClient::new(config(
        &s.proxy.url(),
        TlsOptions {
            verification: TlsVerification::Verify,
            extra_ca: Some(bad),
        },
    ));
    match result {
        Err(AthocError::Config { reason }) => assert!(reason.contains("SSL_CERT_PATH"), "{reason}"),
        other => panic!("expected a config error, got {other:?}"),
    }
}

/// A listener that counts the connections made to it, without answering.
fn counting_listener() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    (listener, url)
}

fn connections(listener: &std::net::TcpListener) -> usize {
    let mut n = 0;
    while let Ok((mut stream, _)) = listener.accept() {
        let _ = stream.read(&mut [0u8; 1]);
        n += 1;
    }
    n
}

#[tokio::test]
async fn plain_http_to_another_host_is_refused_before_any_packet() {
    // Any request to 192.0.2.1 (a documentation address) would go through this proxy.
    let (proxy, proxy_url) = counting_listener();
    let mut cfg = config("http://192.0.2.1", TlsOptions::default());
    cfg.proxy = ProxyOptions {
        http: Some(proxy_url.clone()),
        https: Some(proxy_url),
        no_proxy: None,
    };
    match AthocClient::new(cfg) {
        Err(AthocError::Config { reason }) => {
            assert!(
                reason.contains("http://") && reason.contains("https://"),
                "{reason}"
            )
        }
        other => panic!("expected a config error, got {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(connections(&proxy), 0, "a connection was attempted");
}

#[tokio::test]
async fn the_proxy_counts_what_it_sees() {
    // The check above is only meaningful if a client configured this way does use the proxy.
    let (proxy, proxy_url) = counting_listener();
    let mut cfg = config("https://192.0.2.1", TlsOptions::default());
    cfg.proxy = ProxyOptions {
        http: Some(proxy_url.clone()),
        https: Some(proxy_url),
        no_proxy: None,
    };
    cfg.timeout = Duration::from_millis(300);
    cfg.retry.max_attempts = 1;
    let client = AthocClient::new(cfg).unwrap_or_else(|e| panic!("client: {e}"));
    assert!(client.check_connection().await.is_err());
    assert!(
        connections(&proxy) >= 1,
        "the client did not go through the proxy"
    );
}

/// `NO_PROXY` is honoured: a listed host is reached directly, others go
/// through the proxy. The server is this machine under a name the client
/// does not treat as loopback (`::ffff:127.0.0.1`), so the proxy applies.
#[tokio::test]
async fn hosts_in_no_proxy_are_reached_directly() {
    for (no_proxy, through_proxy) in [
        (None, true),
        (Some("athoc.example.org, .example.net"), true),
        (Some("::ffff:127.0.0.1"), false),
        (Some("*"), false),
    ] {
        let (proxy, proxy_url) = counting_listener();
        let (server, server_url) = counting_listener();
        let port = server_url.rsplit(':').next().unwrap_or_default();
        let mut cfg = config(
            &format!("https://[::ffff:127.0.0.1]:{port}"),
            TlsOptions::default(),
        );
        cfg.proxy = ProxyOptions {
            http: Some(proxy_url.clone()),
            https: Some(proxy_url),
            no_proxy: no_proxy.map(str::to_owned),
        };
        cfg.timeout = Duration::from_millis(300);
        cfg.retry.max_attempts = 1;
        let client = AthocClient::new(cfg).unwrap_or_else(|e| panic!("client: {e}"));
        assert!(client.check_connection().await.is_err());
        let (via_proxy, direct) = (connections(&proxy), connections(&server));
        assert_eq!(
            (via_proxy > 0, direct > 0),
            (through_proxy, !through_proxy),
            "NO_PROXY={no_proxy:?}: {via_proxy} through the proxy, {direct} direct"
        );
    }
}
