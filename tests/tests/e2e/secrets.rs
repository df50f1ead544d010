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

/// Issue 9: a server (or proxy) that echoes the whole request back showed the start of the
/// password, or its URL-encoded form, on stdout and in the log. Every form is redacted now.
#[test]
fn a_server_echoing_the_request_never_gets_a_secret_into_output_or_log() {
    let password = "p@ss w+rd/\"q\"&=x9Z-LONG-enough";
    let client_secret = "cl ient+sec/ret&=\"7\"";
    let config = SimConfig {
        password: password.to_owned(),
        client_secret: client_secret.to_owned(),
        ..SimConfig::default()
    };
    let client_id = config.client_id.clone();
    let username = config.username.clone();
    let h = Harness::with_config(config, generate_users(5));
    for endpoint in [Endpoint::Token, Endpoint::Search] {
        h.sim().inject(Fault {
            endpoint,
            kind: FaultKind::Echo(400),
            times: 1,
        });
        let run = h.once();
        run.assert_code(EXIT_FAILED);
        let text = format!("{}\n{}", run.output(), h.log_text());
        let forms = |secret: &str, user: &str| {
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            vec![
                secret.to_owned(),
                encoded.clone(),
                encoded.replace('+', "%20"),
                serde_json::to_string(secret)
                    .unwrap_or_default()
                    .trim_matches('"')
                    .to_owned(),
                base64::engine::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    format!("{user}:{secret}"),
                ),
                secret[..6].to_owned(),
            ]
        };
        for form in forms(password, &username)
            .into_iter()
            .chain(forms(client_secret, &client_id))
        {
            assert!(
                !text.contains(&form),
                "{endpoint:?} echo: {form:?} reached the output or the log\n{run}"
            );
        }
    }
}
