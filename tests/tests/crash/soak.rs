//! Fault soak: the crash trials' stream against a simulator that throws random 5xx, 429 with a
//! short `Retry-After`, dropped connections, slow replies (some past the client's timeout) and
//! expired tokens at `bobosync once`, and refuses every record of a few logins; cycles run until
//! every file has a final outcome, then the same checks.
//!
//! The rule asserted for refused logins: AtHoc refuses every record of such a login for the
//! whole trial; a refusal is final (the record is `rejected`, its file is processed, it is not
//! retried), so the login's AtHoc value stays what it was before the trial.

use std::time::{Duration, Instant};

use athoc_sim::{Endpoint, Fault, FaultKind};
use bobosync_e2e::stream::StreamShape;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::site::{base_seed, trials_from_env, Failures, Site};

/// Trials in the ordinary suite.
const QUICK_TRIALS: usize = 3;

/// Cycles a trial may take before its files must all be processed.
const MAX_CYCLES: usize = 60;

/// A random fault.
fn fault(rng: &mut StdRng) -> Fault {
    let endpoint = *[
        Endpoint::Token,
        Endpoint::Search,
        Endpoint::Sync,
        Endpoint::Sync,
        Endpoint::Any,
    ]
    .choose(rng)
    .unwrap_or(&Endpoint::Any);
    let kind = match rng.gen_range(0..10) {
        0..=3 => FaultKind::Status {
            code: *[500, 502, 503].choose(rng).unwrap_or(&500),
            retry_after_secs: None,
        },
        4 => FaultKind::Status {
            code: 429,
            retry_after_secs: Some(1),
        },
        5 | 6 => FaultKind::DropConnection,
        7 => FaultKind::Delay(Duration::from_millis(1_300)), // past HTTP_TIMEOUT_SECONDS=1
        _ => FaultKind::Delay(Duration::from_millis(rng.gen_range(20..300))),
    };
    Fault {
        endpoint,
        kind,
        times: rng.gen_range(1..=3),
    }
}

/// Counts of one soak series.
#[derive(Debug, Default)]
struct Tally {
    cycles: usize,
    faults: usize,
    expiries: usize,
    failed_cycles: usize,
}

fn trial(seed: u64, tally: &mut Tally) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let shape = StreamShape {
        files: rng.gen_range(8..=14),
        ..StreamShape::default()
    };
    let mut site = Site::new(&mut rng, &shape);
    site.h
        .set("MAX_RETRY_ATTEMPTS", "1000")
        .set("HTTP_TIMEOUT_SECONDS", "1");
    let candidates = site.logins_with_events();
    for login in candidates.choose_multiple(&mut rng, 3) {
        site.h
            .sim()
            .reject_value(login, "Simulated: the value was refused for this user");
        site.rejected.insert(login.clone());
    }
    for _ in 0..MAX_CYCLES {
        site.drop_next(rng.gen_range(0..=3));
        for _ in 0..rng.gen_range(0..=3) {
            site.h.sim().inject(fault(&mut rng));
            tally.faults += 1;
        }
        let expire = rng.gen_bool(0.3);
        let mut expired = false;
        let code = site.run_to_end(|h| {
            let synced = h
                .requests()
                .iter()
                .any(|r| r.path.to_ascii_lowercase().ends_with("/syncbycommonnames"));
            if expire && !expired && synced {
                h.sim().expire_tokens();
                expired = true;
            }
        });
        tally.cycles += 1;
        if code != Some(0) {
            tally.failed_cycles += 1;
        }
        if expired {
            tally.expiries += 1;
        }
        if site.all_dropped() && site.h.drop_listing().is_empty() {
            break;
        }
    }
    tally.cycles += site.settle(10)?;
    site.check()
}

#[test]
fn a_misbehaving_athoc_still_ends_as_the_oracle_says() {
    let trials = trials_from_env("BOBOSYNC_SOAK_TRIALS", QUICK_TRIALS);
    let first = base_seed(1);
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut failures = Failures::default();
    for seed in first..first + trials as u64 {
        if let Err(why) = trial(seed, &mut tally) {
            eprintln!("soak trial seed {seed} FAILED:\n{why}");
            failures.0.insert(seed, why);
        }
    }
    eprintln!(
        "fault soak: {trials} trials from seed {first}, {} cycles ({} not exit 0), {} faults, {} token expiries, {} failed, {:.0?}",
        tally.cycles,
        tally.failed_cycles,
        tally.faults,
        tally.expiries,
        failures.0.len(),
        started.elapsed()
    );
    failures.assert_none("soak trials", trials);
}
