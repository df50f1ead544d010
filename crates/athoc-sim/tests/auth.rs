//! Token endpoint and bearer checks over HTTP (athoc-api.md §1, §6).

mod common;

use athoc_sim::{generate_users, SimConfig};
use common::{search_path, token_form, Harness};
use rstest::rstest;
use std::time::Duration;

#[tokio::test]
async fn token_success_shape() {
    let h = Harness::start(SimConfig::default(), generate_users(3)).await;
    let (status, body) = h.token_with(&token_form()).await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() >= 32));
    let again = h.token().await;
    assert_ne!(
        Some(again.as_str()),
        body["access_token"].as_str(),
        "tokens are random"
    );
}

#[rstest]
#[case("client_id", "wrong", "invalid_client")]
#[case("client_secret", "wrong", "invalid_client")]
#[case("username", "wrong", "invalid_grant")]
#[case("password", "wrong", "invalid_grant")]
#[case("acr_values", "tenant:NOPE", "invalid_grant")]
#[case("grant_type", "client_credentials", "unsupported_grant_type")]
#[case("scope", "openid profile", "invalid_scope")]
#[tokio::test]
async fn token_failures(#[case] field: &str, #[case] value: &str, #[case] error: &str) {
    let h = Harness::start(SimConfig::default(), vec![]).await;
    let mut form = token_form();
    form.retain(|(k, _)| *k != field);
    form.push((field, value));
    let (status, body) = h.token_with(&form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some(error)),
        "{body}"
    );
}

#[tokio::test]
async fn token_path_is_case_insensitive_and_requires_a_form() {
    let h = Harness::start(SimConfig::default(), vec![]).await;
    let r = h
        .http
        .post(h.url("/authservices/auth/connect/token"))
        .form(&token_form())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = h
        .http
        .post(h.url("/AuthServices/Auth/connect/token"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn missing_unknown_and_expired_tokens_get_401() {
    let h = Harness::start(SimConfig::default(), generate_users(3)).await;
    let path = search_path("Collar-Number", 10, 0);
    let r = h.http.get(h.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["Message"],
        "Authorization has been denied for this request."
    );
    assert_eq!(h.get("not-a-token", &path).await.0, 401);

    let token = h.token().await;
    assert_eq!(h.get(&token, &path).await.0, 200);
    h.sim().expire_tokens();
    assert_eq!(h.get(&token, &path).await.0, 401);

    h.sim().update_config(|c| c.token_lifetime = Duration::ZERO);
    let short = h.token().await;
    assert_eq!(
        h.get(&short, &path).await.0,
        401,
        "a token past its lifetime is refused"
    );
}

#[tokio::test]
async fn role_and_org_checks() {
    let h = Harness::start(SimConfig::default(), generate_users(3)).await;
    let token = h.token().await;
    assert_eq!(
        h.get(&token, "/api/v2/orgs/bobo/users/search/basic?Limit=5")
            .await
            .0,
        200
    );
    assert_eq!(
        h.get(&token, "/api/v2/orgs/OTHER/users/search/basic?Limit=5")
            .await
            .0,
        404
    );
    h.sim().update_config(|c| c.operator_has_role = false);
    let (status, body) = h.get(&token, &search_path("Collar-Number", 5, 0)).await;
    assert_eq!(status, 403);
    assert!(body["Message"].is_string());
    h.sim().update_config(|c| {
        c.operator_has_role = true;
        c.org_code = "NEWORG".into();
    });
    assert_eq!(
        h.get(&token, "/api/v2/orgs/NEWORG/users/search/basic?Limit=5")
            .await
            .0,
        403,
        "token of another org"
    );
}
