//! `users/search/basic` over HTTP (athoc-api.md §2): paging under both Offset meanings,
//! page cap, case-insensitive names, empty values, Criteria.

mod common;

use std::collections::BTreeSet;

use athoc_sim::{generate_users, OffsetMode, SimConfig};
use common::Harness;
use rstest::rstest;
use serde_json::Value;

/// Pages the way a client that knows the Offset meaning would; returns (TotalUsers, logins).
async fn fetch_all(h: &Harness, token: &str, limit: usize, mode: OffsetMode) -> (u64, Vec<String>) {
    let mut logins = Vec::new();
    let mut offset = 0;
    loop {
        let path = format!("/api/v2/orgs/BOBO/users/search/basic?Fields=LOGIN_ID,Collar-Number&Limit={limit}&Offset={offset}");
        let (status, body) = h.get(token, &path).await;
        assert_eq!(status, 200, "{body}");
        let users = body["Users"].as_array().expect("Users array").clone();
        assert_eq!(body["FetchedRecords"].as_u64(), Some(users.len() as u64));
        if users.is_empty() {
            return (body["TotalUsers"].as_u64().expect("TotalUsers"), logins);
        }
        logins.extend(
            users
                .iter()
                .map(|u| u["LOGIN_ID"].as_str().expect("LOGIN_ID").to_owned()),
        );
        offset += match mode {
            OffsetMode::Page => 1,
            OffsetMode::Record => users.len(),
        };
    }
}

#[rstest]
#[case(OffsetMode::Page, None, 1000)]
#[case(OffsetMode::Record, None, 1000)]
#[case(OffsetMode::Page, Some(300), 1000)]
#[case(OffsetMode::Record, Some(300), 1000)]
#[tokio::test]
async fn paging_2500_users(
    #[case] mode: OffsetMode,
    #[case] cap: Option<usize>,
    #[case] limit: usize,
) {
    let config = SimConfig {
        offset_mode: mode,
        page_size_cap: cap,
        ..SimConfig::default()
    };
    let h = Harness::start(config, generate_users(2500)).await;
    let token = h.token().await;
    let (total, logins) = fetch_all(&h, &token, limit, mode).await;
    assert_eq!(total, 2500);
    let unique: BTreeSet<_> = logins.iter().collect();
    assert_eq!((logins.len(), unique.len()), (2500, 2500));
    assert_eq!(logins[0], "user00001@force.example");
    assert_eq!(logins[2499], "user02500@force.example");
}

#[tokio::test]
async fn guessing_the_wrong_offset_meaning_loses_users() {
    // A client sending page numbers 0, 1, 2 to a record-offset server gets overlapping pages.
    let config = SimConfig {
        offset_mode: OffsetMode::Record,
        ..SimConfig::default()
    };
    let h = Harness::start(config, generate_users(2500)).await;
    let token = h.token().await;
    let mut unique = BTreeSet::new();
    for page in 0..3 {
        let (_, body) = h
            .get(&token, &common::search_path("Collar-Number", 1000, page))
            .await;
        assert_eq!(body["TotalUsers"], 2500);
        unique.extend(
            body["Users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["LOGIN_ID"].to_string()),
        );
    }
    assert_eq!(unique.len(), 1002);
}

#[tokio::test]
async fn page_cap_limits_each_page() {
    let config = SimConfig {
        page_size_cap: Some(100),
        ..SimConfig::default()
    };
    let h = Harness::start(config, generate_users(250)).await;
    let token = h.token().await;
    let (_, body) = h
        .get(
            &token,
            "/api/v2/orgs/BOBO/users/search/basic?Limit=1000&Offset=1",
        )
        .await;
    assert_eq!(body["FetchedRecords"], 100);
    assert_eq!(body["Users"][0]["LOGIN_ID"], "user00101@force.example");
}

#[tokio::test]
async fn path_and_parameter_names_are_case_insensitive() {
    let h = Harness::start(SimConfig::default(), generate_users(30)).await;
    let token = h.token().await;
    let (status, body) = h
        .get(
            &token,
            "/API/v2/Orgs/BOBO/Users/Search/Basic?fields=Collar-Number&LIMIT=5&offset=2",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["FetchedRecords"], 5);
    assert_eq!(body["Users"][0]["LOGIN_ID"], "user00011@force.example");
    assert_eq!(body["Users"][0]["Collar-Number"], "00011");
}

#[tokio::test]
async fn empty_values_come_back_as_blank_or_missing() {
    let h = Harness::start(SimConfig::default(), generate_users(4)).await;
    h.sim().set_attribute(
        "user00002@force.example",
        "On-Duty-DTG",
        "22/10/2025 07:41:42",
    );
    let token = h.token().await;
    let (_, body) = h
        .get(
            &token,
            "/api/v2/orgs/BOBO/users/search/basic?Fields=On-Duty-DTG&Limit=10&Offset=0",
        )
        .await;
    let users = body["Users"].as_array().unwrap();
    let values: Vec<Option<&Value>> = users.iter().map(|u| u.get("On-Duty-DTG")).collect();
    assert_eq!(values[0], Some(&Value::from("")));
    assert_eq!(values[1], Some(&Value::from("22/10/2025 07:41:42")));
    assert_eq!(values[2], Some(&Value::from("")));
    assert_eq!(values[3], None);
}

#[tokio::test]
async fn criteria_present_filters_and_counts_others_are_400() {
    let h = Harness::start(SimConfig::default(), generate_users(10)).await;
    for login in ["user00003@force.example", "user00007@force.example"] {
        h.sim()
            .set_attribute(login, "On-Duty-DTG", "22/10/2025 07:41:42");
    }
    let token = h.token().await;
    let (status, body) =
        h.get(&token, "/api/v2/orgs/BOBO/users/search/basic?Fields=On-Duty-DTG&Limit=1&Offset=0&Criteria=On-Duty-DTG%20pr").await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["TotalUsers"].as_u64(), body["FetchedRecords"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(body["Users"][0]["LOGIN_ID"], "user00003@force.example");

    let (status, body) = h
        .get(&token, "/api/v2/orgs/BOBO/users/search/basic?Limit=10&Criteria=On-Duty-DTG%20lt%20'21/10/2025%2007:00:00'")
        .await;
    assert_eq!(status, 400);
    assert!(
        body["Message"]
            .as_str()
            .is_some_and(|m| m.contains("Criteria")),
        "{body}"
    );
}
