//! `SyncByCommonNames` over HTTP (athoc-api.md §3–§4).

mod common;

use athoc_sim::{generate_users, SimConfig};
use common::{Harness, SYNC};
use serde_json::json;

const U1: &str = "user00001@force.example";
const U2: &str = "user00002@force.example";
const U3: &str = "user00003@force.example";

#[tokio::test]
async fn partial_batch_reports_each_record_inside_http_200() {
    let h = Harness::start(SimConfig::default(), generate_users(3)).await;
    h.sim().reject_value(U3, "Attribute value rejected");
    let token = h.token().await;
    let body = json!([
        {"LOGIN_ID": U1, "On-Duty-DTG": "22/10/2025 07:41:42"},
        {"LOGIN_ID": "ghost@force.example", "On-Duty-DTG": "22/10/2025 07:41:44"},
        {"LOGIN_ID": U2, "On-Duty-DTG": "2025-10-22 07:41:42"},
        {"LOGIN_ID": U3, "On-Duty-DTG": "22/10/2025 07:41:42"},
        {"On-Duty-DTG": "22/10/2025 07:41:42"}
    ]);
    let (status, reply) = h.post_json(&token, SYNC, &body).await;
    assert_eq!(status, 200);
    let r = reply.as_array().expect("array reply");
    assert_eq!(r.len(), 5);
    assert_eq!(r[0][":SyncStatus"], "OK");
    assert_eq!(r[0][":SyncDetails"], "Updated");
    assert_eq!(r[0]["LOGIN_ID"], U1);
    assert_eq!(r[0]["On-Duty-DTG"], "22/10/2025 07:41:42");
    assert!(r[0]["USER_ID"].is_u64());
    assert_eq!(r[1][":SyncStatus"], "Error");
    assert_eq!(
        r[1][":SyncDetails"],
        "User: ghost@force.example does not exists in the Organization"
    );
    assert!(r[1]["USER_ID"].is_null());
    assert_eq!(r[2][":SyncStatus"], "Error");
    assert!(
        r[2][":SyncDetails"]
            .as_str()
            .is_some_and(|d| d.contains("dd/MM/yyyy HH:mm:ss")),
        "{}",
        r[2]
    );
    assert_eq!(r[3][":SyncStatus"], "Error");
    assert_eq!(r[3][":SyncDetails"], "Attribute value rejected");
    assert_eq!(r[4][":SyncStatus"], "Error");

    assert_eq!(
        h.sim().user(U1).unwrap().attributes["On-Duty-DTG"],
        "22/10/2025 07:41:42"
    );
    assert!(!h
        .sim()
        .user(U2)
        .unwrap()
        .attributes
        .contains_key("On-Duty-DTG"));
    assert!(!h
        .sim()
        .user(U3)
        .unwrap()
        .attributes
        .contains_key("On-Duty-DTG"));
    assert!(h.sim().user("ghost@force.example").is_none());
}

#[tokio::test]
async fn clearing_keeps_unnamed_attributes() {
    let h = Harness::start(SimConfig::default(), generate_users(2)).await;
    h.sim()
        .set_attribute(U1, "On-Duty-DTG", "22/10/2025 07:41:42");
    h.sim()
        .set_attribute(U2, "On-Duty-DTG", "22/10/2025 07:41:42");
    let before = h.sim().users();
    let token = h.token().await;
    let (status, reply) = h
        .post_json(
            &token,
            SYNC,
            &json!([{"LOGIN_ID": U1, "On-Duty-DTG": ""}, {"LOGIN_ID": U2, "On-Duty-DTG": null}]),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        reply
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r[":SyncStatus"] == "OK"),
        "{reply}"
    );
    for (old, new) in before.iter().zip(h.sim().users()) {
        let mut expected = old.attributes.clone();
        expected.remove("On-Duty-DTG");
        assert_eq!(new.attributes, expected);
    }
}

#[tokio::test]
async fn configured_date_format_is_enforced() {
    let config = SimConfig {
        date_format: "MM/dd/yyyy HH:mm:ss".into(),
        ..SimConfig::default()
    };
    let h = Harness::start(config, generate_users(1)).await;
    let token = h.token().await;
    let (_, reply) = h
        .post_json(
            &token,
            SYNC,
            &json!([{"LOGIN_ID": U1, "On-Duty-DTG": "22/10/2025 07:41:42"}]),
        )
        .await;
    assert_eq!(reply[0][":SyncStatus"], "Error");
    let (_, reply) = h
        .post_json(
            &token,
            SYNC,
            &json!([{"LOGIN_ID": U1, "On-Duty-DTG": "10/22/2025 07:41:42"}]),
        )
        .await;
    assert_eq!(reply[0][":SyncStatus"], "OK");
}

#[tokio::test]
async fn flags_are_case_insensitive_and_bad_bodies_are_400() {
    let h = Harness::start(SimConfig::default(), generate_users(1)).await;
    let token = h.token().await;
    let path = "/API/V2/ORGS/BOBO/USERS/syncbycommonnames?SYNCEXISTINGUSERSONLY=True&allowpartialupdate=FALSE";
    let (status, reply) = h
        .post_json(&token, path, &json!([{"LOGIN_ID": "new@force.example"}]))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        reply[0][":SyncStatus"], "Error",
        "existing-only: no user is created"
    );

    let (status, reply) = h.post_json(&token, SYNC, &json!({"LOGIN_ID": U1})).await;
    assert_eq!(status, 400);
    assert!(reply["Message"].is_string());
    let r = h
        .http
        .post(h.url(SYNC))
        .bearer_auth(&token)
        .body("[{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (status, _) = h
        .post_json(
            &token,
            "/api/v2/orgs/BOBO/users/SyncByCommonNames?syncExistingUsersOnly=maybe",
            &json!([]),
        )
        .await;
    assert_eq!(status, 400);
}
