//! The [`Sim`] handle: the shared in-memory organization, request log, faults, tokens and
//! config that the HTTP server and tests both act on.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::auth::TokenStore;
use crate::config::SimConfig;
use crate::faults::{Endpoint, Fault, FaultQueue};
use crate::users::{Directory, SimUser};

/// One request the simulator received, with the status it answered (0: connection dropped).
///
/// Token-request bodies are recorded with `client_secret` and `password` values replaced by
/// `[REDACTED]`; `/_sim/` control requests are not recorded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path as sent (original case).
    pub path: String,
    /// Raw query string without `?` (empty when none).
    pub query: String,
    /// Body as text (lossy UTF-8).
    pub body: String,
    /// Status sent; 0 when no response was sent.
    pub status: u16,
    /// Other AtHoc requests being handled when this one arrived.
    pub in_flight: usize,
}

/// Everything behind the [`Sim`] lock.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) config: SimConfig,
    pub(crate) dir: Directory,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) faults: FaultQueue,
    pub(crate) tokens: TokenStore,
    pub(crate) rejections: HashMap<String, String>,
    /// AtHoc requests being handled now, and the most at once so far.
    pub(crate) in_flight: usize,
    pub(crate) most_in_flight: usize,
    /// Calls answered so far, by endpoint (for [`FaultKind::AfterNext`]).
    pub(crate) answered: tokio::sync::watch::Sender<HashMap<Endpoint, u64>>,
}

/// A cheap-to-clone handle on one simulated AtHoc organization.
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Mutex<State>>,
}

/// Shows the config (secrets redacted) and sizes, never tokens.
impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Sim")
            .field("config", &state.config)
            .field("users", &state.dir.all().len())
            .field("requests", &state.requests.len())
            .finish()
    }
}

impl Sim {
    /// A simulator hosting `config.org_code` with these users (stable order as given).
    pub fn new(config: SimConfig, users: Vec<SimUser>) -> Sim {
        let state = State {
            config,
            dir: Directory::new(users),
            ..State::default()
        };
        Sim {
            inner: Arc::new(Mutex::new(state)),
        }
    }

    /// Locks the state; a panic in another holder does not make the simulator unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A snapshot of all users, in the stable order the search endpoint uses.
    pub fn users(&self) -> Vec<SimUser> {
        self.lock().dir.all().to_vec()
    }

    /// The user with exactly this login.
    pub fn user(&self, login: &str) -> Option<SimUser> {
        self.lock().dir.get(login).cloned()
    }

    /// Adds a user, or replaces the one with the same login (keeping its position and `USER_ID`).
    pub fn upsert_user(&self, user: SimUser) {
        self.lock().dir.upsert(user);
    }

    /// Removes a user; unknown logins are ignored.
    pub fn remove_user(&self, login: &str) {
        self.lock().dir.remove(login);
    }

    /// Replaces the whole organization's users.
    pub fn replace_users(&self, users: Vec<SimUser>) {
        self.lock().dir = Directory::new(users);
    }

    /// Sets one attribute (`""` clears it); unknown logins are ignored.
    pub fn set_attribute(&self, login: &str, name: &str, value: &str) {
        self.lock().dir.set_attribute(login, name, value);
    }

    /// Every request received so far (except `/_sim/` ones), in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Empties the request log (and the count of [`Sim::most_in_flight`]).
    pub fn clear_requests(&self) {
        let mut state = self.lock();
        state.requests.clear();
        state.most_in_flight = state.in_flight;
    }

    /// The most AtHoc requests handled at once (arrived and not yet
    /// answered, the configured latency included) since the start or the
    /// last [`Sim::clear_requests`].
    pub fn most_in_flight(&self) -> usize {
        self.lock().most_in_flight
    }

    /// Queues a fault for the next `fault.times` calls of `fault.endpoint`.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// Drops every fault still queued: AtHoc behaves again.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Invalidates every issued token: the next `/api/v2` call with one answers 401.
    pub fn expire_tokens(&self) {
        self.lock().tokens.expire_all();
    }

    /// Every access token this simulator has issued, in issue order, including expired ones.
    /// Test-only: for scanning output and files for leaked tokens.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.lock().tokens.issued().to_vec()
    }

    /// Makes every sync record for `login` fail with `:SyncStatus` `Error` and these details.
    pub fn reject_value(&self, login: &str, details: &str) {
        self.lock()
            .rejections
            .insert(login.to_owned(), details.to_owned());
    }

    /// Stops rejecting sync records for `login`.
    pub fn accept_value(&self, login: &str) {
        self.lock().rejections.remove(login);
    }

    /// Changes the configuration of a live simulator.
    pub fn update_config(&self, f: impl FnOnce(&mut SimConfig)) {
        f(&mut self.lock().config);
    }

    /// The current configuration.
    pub fn config(&self) -> SimConfig {
        self.lock().config.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::generate_users;

    #[test]
    fn debug_shows_no_secrets() {
        let sim = Sim::new(SimConfig::default(), generate_users(2));
        let text = format!("{sim:?}");
        assert!(
            !text.contains("sim-password") && !text.contains("sim-client-secret"),
            "{text}"
        );
    }

    #[test]
    fn handle_edits_are_shared_between_clones() {
        let sim = Sim::new(SimConfig::default(), generate_users(2));
        let other = sim.clone();
        other.set_attribute("user00001@force.example", "On-Duty-DTG", "x");
        assert_eq!(
            sim.user("user00001@force.example").unwrap().attributes["On-Duty-DTG"],
            "x"
        );
        other.update_config(|c| c.page_size_cap = Some(5));
        assert_eq!(sim.config().page_size_cap, Some(5));
        other.remove_user("user00001@force.example");
        assert_eq!(sim.users().len(), 1);
    }

    #[test]
    fn issued_tokens_survive_expiry() {
        let sim = Sim::new(SimConfig::default(), Vec::new());
        assert!(sim.issued_tokens().is_empty());
        let now = tokio::time::Instant::now();
        sim.lock().tokens.issue("t1".into(), "BOBO".into(), now);
        sim.lock().tokens.issue("t2".into(), "BOBO".into(), now);
        sim.expire_tokens();
        assert_eq!(sim.issued_tokens(), ["t1", "t2"]);
    }
}
