//! Crash trials: files dropped over time, `bobosync once` killed (SIGKILL) at random moments
//! and at chosen phases (before send, mid-request, after AtHoc applied but before the commit,
//! mid-move), restarted; then clean cycles until the drop folder is empty, and the checks.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use athoc_sim::{Endpoint, Fault, FaultKind};
use bobosync_e2e::stream::StreamShape;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::site::{base_seed, trials_from_env, Failures, Observed, Site, Target};

/// Trials in the ordinary suite.
const QUICK_TRIALS: usize = 24;

/// What one trial did.
#[derive(Debug, Default)]
struct Tally {
    kills: BTreeMap<Observed, usize>,
    cycles: usize,
}

/// One crash trial from `seed`.
fn trial(seed: u64, tally: &mut Tally) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let shape = StreamShape {
        files: rng.gen_range(8..=18),
        ..StreamShape::default()
    };
    let mut site = Site::new(&mut rng, &shape);
    let kills = rng.gen_range(3..=7);
    for round in 0..kills {
        let pick = rng.gen_range(0..5);
        // A targeted kill needs files to work on; a random one may hit an idle cycle too.
        let n = match (round, pick) {
            (0, _) => rng.gen_range(2..=5),
            (_, 0) => rng.gen_range(0..=4),
            _ => rng.gen_range(1..=4),
        };
        site.drop_next(n);
        let target = match pick {
            0 => Target::Random(Duration::from_millis(rng.gen_range(0..400))),
            1 => Target::BeforeSend,
            2 => {
                site.h.sim().inject(Fault {
                    endpoint: Endpoint::Sync,
                    kind: FaultKind::Delay(Duration::from_millis(rng.gen_range(80..250))),
                    times: 1,
                });
                Target::MidRequest
            }
            3 => Target::AfterApply,
            _ => Target::MidMove,
        };
        // Half the after-apply kills land while the reply is held back (AtHoc has applied,
        // the client has not heard), half just after it arrived (before the commit).
        let latency = if target == Target::AfterApply && rng.gen_bool(0.5) {
            Duration::from_millis(rng.gen_range(10..40))
        } else {
            Duration::ZERO
        };
        site.h.sim().update_config(|c| c.latency = latency);
        let seen = site.run_and_kill(target, &mut rng);
        site.h.sim().update_config(|c| c.latency = Duration::ZERO);
        *tally.kills.entry(seen).or_default() += 1;
    }
    while !site.all_dropped() {
        site.drop_next(4);
        let cycles = site.settle(10)?;
        tally.cycles += cycles;
    }
    tally.cycles += site.settle(10)?;
    site.check()
}

#[test]
fn killed_at_random_moments_loses_nothing_and_ends_as_the_oracle_says() {
    let trials = trials_from_env("BOBOSYNC_CRASH_TRIALS", QUICK_TRIALS);
    let first = base_seed(1);
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut failures = Failures::default();
    for seed in first..first + trials as u64 {
        if let Err(why) = trial(seed, &mut tally) {
            eprintln!("crash trial seed {seed} FAILED:\n{why}");
            failures.0.insert(seed, why);
        }
    }
    let total: usize = tally.kills.values().sum();
    eprintln!(
        "crash trials: {trials} trials from seed {first}, {total} kills, {} clean cycles, {} failed, {:.0?}",
        tally.cycles,
        failures.0.len(),
        started.elapsed()
    );
    for (phase, n) in &tally.kills {
        eprintln!("  killed {n:>4} × {phase}");
    }
    failures.assert_none("crash trials", trials);
}

/// The checks are not vacuous: a clean run passes them, and a wrong AtHoc value or a file
/// put back in the drop folder fails them.
#[test]
fn the_checks_catch_a_wrong_value_and_a_stranded_file() {
    let mut rng = StdRng::seed_from_u64(42);
    let shape = StreamShape {
        files: 4,
        ..StreamShape::default()
    };
    let mut site = Site::new(&mut rng, &shape);
    site.drop_next(shape.files);
    site.settle(5).unwrap_or_else(|e| panic!("{e}"));
    site.check()
        .unwrap_or_else(|e| panic!("a clean run fails the checks: {e}"));

    let victim = site.logins_with_events()[0].clone();
    let before = site.h.duty(&victim);
    site.h.set_duty(&victim, "01/01/2000 00:00:00");
    let err = site.check().err().unwrap_or_default();
    assert!(
        err.contains(&victim),
        "a wrong value went unnoticed: {err:?}"
    );
    site.h.set_duty(&victim, before.as_deref().unwrap_or(""));
    assert_eq!(site.check(), Ok(()));

    let first = &site.stream.files[0];
    site.h.drop_file(&first.name, &first.bytes);
    let err = site.check().err().unwrap_or_default();
    assert!(
        err.contains("left in drop"),
        "a stranded file went unnoticed: {err:?}"
    );
}
