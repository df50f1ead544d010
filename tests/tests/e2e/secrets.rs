//! Secrets end to end: with DEBUG logging, through a failed and a successful cycle and every
//! read-only command, neither the password nor the client secret appears in any output or in
//! any file BoboSync wrote (logs, database, processed files, its HOME).

use bobosync_e2e::*;

const CLIENT_SECRET: &str = "cs-E2E-q7Zt9f3Kx1";
const PASSWORD: &str = "pw-E2E-m4Xv8Rb2Lc";

#[test]
fn password_and_client_secret_never_leak() {
    let config = SimConfig {
        client_secret: CLIENT_SECRET.to_owned(),
        password: PASSWORD.to_owned(),
        ..SimConfig::default()
    };
    let mut h = Harness::with_config(config, org(50, [user("pc12345@force.example", "12345")]));
    h.set("LOG_LEVEL", "DEBUG");
    h.drop_recent_fixture("BOBO_20250617_143000_output.csv");
    h.drop_recent_fixture("malformed_rows.csv");

    let mut runs = Vec::new();
    // A failing cycle (errors tend to dump requests), then a good one with a token renewal.
    let url = h.base_url().to_owned();
    h.set("ATHOC_SERVER_URL", &closed_port_url());
    runs.push(h.once());
    h.set("ATHOC_SERVER_URL", &url);
    h.sim().inject(Fault {
        endpoint: Endpoint::Sync,
        kind: FaultKind::Status {
            code: 401,
            retry_after_secs: None,
        },
        times: 1,
    });
    let good = h.once();
    good.assert_success();
    h.assert_duty(&login(42), Some(&athoc_on(2, "07:00:00")), &good);
    runs.push(good);
    for args in [
        &["check"][..],
        &["preview"],
        &["history"],
        &["history", "--json"],
        &["cleanup", "--dry-run"],
    ] {
        runs.push(h.bobosync(args));
    }

    for run in &runs {
        for secret in [CLIENT_SECRET, PASSWORD] {
            assert!(
                !contains_bytes(&run.raw, secret.as_bytes()),
                "a secret is in the output\n{run}"
            );
        }
    }
    let files = h.all_files_except_env();
    assert!(
        files.iter().any(|p| p.starts_with(h.log_dir())),
        "no log file was written: {files:?}"
    );
    for path in files {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        for secret in [CLIENT_SECRET, PASSWORD] {
            assert!(
                !contains_bytes(&bytes, secret.as_bytes()),
                "a secret is in {}",
                path.display()
            );
        }
    }
}
