//! End-to-end tests of the continuous runtime against the simulator, with the engine running:
//! the real `bobosync run` binary where the behaviour is process-level (second instance,
//! SIGTERM shutdown and restart), the in-process `Engine` where the test needs its handle or
//! events (pause/resume, health and incidents). Outcomes are awaited with generous timeouts;
//! nothing asserts on how long anything took.
//!
//! Build the binary first: `cargo build -p bobosync && cargo test -p bobosync-e2e --test runtime`.

mod daemon;
mod engine;
mod preview;
mod process;
mod windows;

use std::time::{Duration, Instant};

/// How long an eventual outcome may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Polls `check` until it returns `Some`, or panics with `what` after [`PATIENCE`].
#[track_caller]
pub fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "gave up waiting for: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How many `SyncByCommonNames` records set `login` to `value` (`""`: cleared).
pub fn updates_of(h: &bobosync_e2e::Harness, login: &str, value: &str) -> usize {
    h.requests()
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().ends_with("syncbycommonnames") && r.status == 200)
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.body).ok())
        .filter_map(|body| body.as_array().cloned())
        .flatten()
        .filter(|record| {
            record.get("LOGIN_ID").and_then(|v| v.as_str()) == Some(login)
                && record.get(bobosync_e2e::DUTY).and_then(|v| v.as_str()) == Some(value)
        })
        .count()
}
