//! TLS and plain-http refusal through `bobosync check` and `bobosync once`.

use std::net::TcpListener;
use std::path::PathBuf;

use bobosync_e2e::tls::{ServerCert, TestCa, TlsProxy, Validity};
use bobosync_e2e::*;

const FILE: &str = "BOBO_20250617_143000_output.csv";

/// A site with one BOBO file for user 42, the simulator behind a TLS proxy serving `cert`,
/// `ATHOC_SERVER_URL` pointing at the proxy, and the CA written to `test-ca.pem` (not yet named
/// by `SSL_CERT_PATH`).
fn tls_site(ca: &TestCa, cert: ServerCert) -> (Harness, TlsProxy, PathBuf) {
    let mut h = Harness::new(org(50, []));
    h.set("TIME_ZONE", "UTC");
    let proxy = TlsProxy::start(cert, h.base_url()).unwrap_or_else(|e| panic!("tls proxy: {e}"));
    h.set("ATHOC_SERVER_URL", &proxy.url());
    let ca_path = h.root().join("test-ca.pem");
    ca.write_pem(&ca_path);
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));
    (h, proxy, ca_path)
}

fn good_cert(ca: &TestCa) -> ServerCert {
    ca.issue(&["127.0.0.1", "localhost"], Validity::Current)
}

#[test]
fn local_ca_refused_by_default_accepted_with_ssl_cert_path() {
    let ca = TestCa::new("BoboSync e2e CA");
    let (mut h, _proxy, ca_path) = tls_site(&ca, good_cert(&ca));

    let check = h.bobosync(&["check"]);
    check
        .assert_code(EXIT_FAILED)
        .assert_output_contains("certificate is not trusted")
        .assert_output_contains("SSL_CERT_PATH");
    let once = h.once();
    once.assert_code(EXIT_FAILED)
        .assert_output_contains("certificate is not trusted");
    h.assert_still_pending(FILE);
    assert!(
        h.requests().is_empty(),
        "a request got through an untrusted TLS session"
    );

    h.set("SSL_CERT_PATH", &ca_path.display().to_string());
    h.bobosync(&["check"]).assert_success();
    let once = h.once();
    once.assert_success();
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:30:00")), &once);
    h.assert_processed(FILE);
}

#[test]
fn expired_certificate_refused_saying_expired() {
    let ca = TestCa::new("BoboSync e2e CA");
    let (mut h, _proxy, ca_path) = tls_site(
        &ca,
        ca.issue(&["127.0.0.1", "localhost"], Validity::Expired),
    );
    h.set("SSL_CERT_PATH", &ca_path.display().to_string());
    h.bobosync(&["check"])
        .assert_code(EXIT_FAILED)
        .assert_output_contains("certificate has expired");
    let once = h.once();
    once.assert_code(EXIT_FAILED)
        .assert_output_contains("certificate has expired");
    h.assert_still_pending(FILE);
    assert!(
        h.log_text().contains("certificate has expired"),
        "the log does not say why:\n{}",
        h.log_text()
    );
}

#[test]
fn wrong_host_certificate_refused_saying_name_mismatch() {
    let ca = TestCa::new("BoboSync e2e CA");
    let (mut h, _proxy, ca_path) =
        tls_site(&ca, ca.issue(&["athoc.other.example"], Validity::Current));
    h.set("SSL_CERT_PATH", &ca_path.display().to_string());
    let check = h.bobosync(&["check"]);
    check
        .assert_code(EXIT_FAILED)
        .assert_output_contains("name mismatch")
        .assert_output_contains("athoc.other.example");
    h.once()
        .assert_code(EXIT_FAILED)
        .assert_output_contains("name mismatch");
    h.assert_still_pending(FILE);
}

#[test]
fn disable_ssl_verify_accepts_a_bad_certificate_and_warns_loudly() {
    let ca = TestCa::new("BoboSync e2e CA");
    let (mut h, _proxy, _ca_path) =
        tls_site(&ca, ca.issue(&["athoc.other.example"], Validity::Expired));
    h.set("DISABLE_SSL_VERIFY", "true");
    let once = h.once();
    once.assert_success()
        .assert_output_contains("DISABLE_SSL_VERIFY")
        .assert_output_contains("NOT checked");
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:30:00")), &once);
    assert!(
        h.log_text().contains("DISABLE_SSL_VERIFY"),
        "the warning is not in the log:\n{}",
        h.log_text()
    );
}

#[test]
fn empty_system_trust_store_degrades_to_ssl_cert_path() {
    // A machine without the ca-certificates package: no system CA at all.
    let ca = TestCa::new("BoboSync e2e CA");
    let (mut h, _proxy, ca_path) = tls_site(&ca, good_cert(&ca));
    let empty = h.root().join("no-system-cas");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("{e}"));
    h.child_env("SSL_CERT_DIR", &empty.display().to_string());

    let refused = h.bobosync(&["check"]);
    refused
        .assert_code(EXIT_FAILED)
        .assert_output_contains("ca-certificates")
        .assert_output_contains("certificate is not trusted");

    h.set("SSL_CERT_PATH", &ca_path.display().to_string());
    let once = h.once();
    once.assert_success()
        .assert_output_contains("ca-certificates")
        .assert_output_contains("only the CA in SSL_CERT_PATH is trusted");
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:30:00")), &once);

    // A trust-store file that does not exist at all is no worse.
    h.child_env("SSL_CERT_FILE", "/nonexistent/bobosync-e2e/ca.pem");
    h.bobosync(&["check"]).assert_success();
}

#[test]
fn plain_http_to_loopback_never_reads_the_system_trust_store() {
    // The simulator on http://127.0.0.1: nothing to verify, so an empty
    // trust store is no concern (and is not read: under Wine that is
    // crypt32 building its root store).
    let mut h = Harness::new(org(50, []));
    let empty = h.root().join("no-system-cas");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("{e}"));
    h.child_env("SSL_CERT_DIR", &empty.display().to_string());
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));
    let once = h.once();
    once.assert_success();
    assert!(
        !once.output().contains("ca-certificates") && !h.log_text().contains("CA certificates"),
        "an http site warned about the trust store:\n{once}"
    );
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:30:00")), &once);
}

#[test]
fn plain_http_to_another_host_is_a_config_error_before_any_packet() {
    let mut h = Harness::new(org(5, []));
    // Any request to 192.0.2.1 (a documentation address) would go through this proxy.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    proxy
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{e}"));
    let proxy_url = format!(
        "http://{}",
        proxy.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    h.set("HTTP_PROXY", &proxy_url)
        .set("HTTPS_PROXY", &proxy_url);
    h.set("ATHOC_SERVER_URL", "http://192.0.2.1");
    h.drop_file(FILE, bobo_row("BON", "00042", &stamp(0, "143000")));

    for args in [&["once"][..], &["check"]] {
        h.bobosync(args)
            .assert_code(EXIT_CONFIG)
            .assert_output_contains("http://")
            .assert_output_contains("unencrypted");
    }
    h.assert_still_pending(FILE);
    let mut attempts = 0;
    while proxy.accept().is_ok() {
        attempts += 1;
    }
    assert_eq!(attempts, 0, "a connection was attempted");
    assert!(h.requests().is_empty());
}

#[test]
fn the_no_packet_check_would_see_a_connection() {
    // The same proxy set-up with https:// does go through the proxy: the check above is sound.
    let mut h = Harness::new(org(5, []));
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let proxy_url = format!(
        "http://{}",
        proxy.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    // Refuse the CONNECT at once so the run does not wait for a timeout.
    let server = std::thread::spawn(move || {
        let n = proxy.accept().map(|(s, _)| drop(s)).is_ok();
        usize::from(n)
    });
    h.set("HTTPS_PROXY", &proxy_url);
    h.set("ATHOC_SERVER_URL", "https://192.0.2.1");
    h.set("MAX_RETRY_ATTEMPTS", "1");
    h.bobosync(&["check"]).assert_code(EXIT_FAILED);
    assert_eq!(server.join().unwrap_or_default(), 1);
}
