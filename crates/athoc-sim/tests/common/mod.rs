//! Shared helpers for the simulator's HTTP tests: start a simulator, get a token, call it.
#![allow(dead_code)]

use athoc_sim::{RunningSim, Sim, SimConfig, SimUser};
use serde_json::Value;

/// A started simulator plus a plain-HTTP client.
pub struct Harness {
    pub running: RunningSim,
    pub http: reqwest::Client,
}

/// The token form the real client sends, with the simulator's default credentials.
pub fn token_form() -> Vec<(&'static str, &'static str)> {
    vec![
        ("grant_type", "password"),
        ("client_id", "sim-client"),
        ("client_secret", "sim-client-secret"),
        ("username", "sim-operator"),
        ("password", "sim-password"),
        ("acr_values", "tenant:BOBO"),
        ("scope", "openid profile athoc.iws.web.api"),
    ]
}

impl Harness {
    pub async fn start(config: SimConfig, users: Vec<SimUser>) -> Harness {
        let running = RunningSim::start(Sim::new(config, users))
            .await
            .expect("start simulator");
        Harness {
            running,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.running.base_url, path)
    }

    pub fn sim(&self) -> &Sim {
        &self.running.sim
    }

    /// POSTs a token form and returns (status, JSON body).
    pub async fn token_with(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .post(self.url("/AuthServices/Auth/connect/token"))
            .form(form)
            .send()
            .await
            .expect("token request");
        let status = r.status().as_u16();
        (status, r.json().await.expect("token reply is JSON"))
    }

    /// A valid access token.
    pub async fn token(&self) -> String {
        let (status, body) = self.token_with(&token_form()).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// GET with a bearer token; returns (status, body as JSON or Null).
    pub async fn get(&self, token: &str, path_and_query: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path_and_query))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// POST a JSON body with a bearer token; returns (status, body as JSON or Null).
    pub async fn post_json(&self, token: &str, path_and_query: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path_and_query))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

pub const SYNC: &str =
    "/api/v2/orgs/BOBO/users/SyncByCommonNames?syncExistingUsersOnly=true&AllowPartialUpdate=false";

pub fn search_path(fields: &str, limit: usize, offset: usize) -> String {
    format!("/api/v2/orgs/BOBO/users/search/basic?Fields={fields}&Limit={limit}&Offset={offset}")
}
