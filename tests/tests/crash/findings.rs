//! Divergences from the latest-wins oracle found by the trials, each reduced to the smallest
//! deterministic scenario (each was an engine bug found by the trials, fixed since):
//! it asserts the right outcome.

use std::time::{Duration, Instant};

use athoc_sim::{Endpoint, Fault, FaultKind};
use bobosync_e2e::{athoc_on, bobo_row, generate_users, login, stamp, Harness, COLLAR};

/// Waits for `child` to exit on its own or kills it (SIGKILL) once `kill_when` holds.
fn kill_when(h: &Harness, mut child: std::process::Child, kill_when: impl Fn(&Harness) -> bool) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("bobosync exited ({status}) before the moment to kill it");
        }
        if kill_when(h) {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        std::thread::sleep(Duration::from_micros(300));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the moment to kill bobosync never came");
}

fn sync_in_flight(h: &Harness) -> bool {
    h.requests()
        .iter()
        .any(|r| r.path.to_ascii_lowercase().ends_with("/syncbycommonnames") && r.status == 0)
}

/// Finding 1 (crash). Events planned while no mapping existed are parked; they rejoin a batch
/// only in a cycle whose mapping sync ran. If that batch is killed after the mapping sync was
/// stored (so the next cycle does not sync again) the parked events stay parked until the next
/// day's sync, although their files were already processed: AtHoc never gets them.
///
/// Steps: in cycle 1 the employee has no collar number in AtHoc, so the file's book-on is
/// planned `unmapped`, parked, and the file moves to processed/. (Before issue 8 a failed
/// first mapping sync got there too; now files wait until a first sync succeeds.) The
/// collar number is then set and the mappings synced; cycle 2 re-plans the parked book-on and
/// is killed while sending it. Cycle 3 runs clean.
/// Expected: the book-on's time in AtHoc.
#[test]
fn parked_events_survive_a_crash_after_the_mapping_sync() {
    let mut h = Harness::new(generate_users(5));
    h.set("BATCH_SIZE", "10");
    let name = "BOBO_a_output.csv";
    h.drop_file(name, bobo_row("BON", "00003", &stamp(0, "214000")));
    let sim = h.sim();
    sim.set_attribute(&login(3), COLLAR, "");
    let first = h.once();
    h.assert_processed(name);
    assert_eq!(h.duty(&login(3)), None, "nothing mapped yet\n{first}");
    sim.set_attribute(&login(3), COLLAR, "00003");
    h.bobosync(&["sync-mappings"]).assert_success();

    sim.inject(Fault {
        endpoint: Endpoint::Sync,
        kind: FaultKind::Delay(Duration::from_millis(300)),
        times: 1,
    });
    let log = h.root().join("runs.log");
    let child = h.spawn_bobosync(&["once"], &log);
    kill_when(&h, child, sync_in_flight);

    let third = h.once();
    h.assert_duty(&login(3), Some(&athoc_on(0, "21:40:00")), &third);
}

/// Finding 1b (no crash, same cause): the cycle that re-plans parked events fails to send
/// them (AtHoc answers 503 through every retry); they stay parked, the next cycle does not
/// sync the mappings, so they are never sent.
#[test]
fn parked_events_survive_a_failed_send_after_the_mapping_sync() {
    let mut h = Harness::new(generate_users(5));
    h.set("BATCH_SIZE", "10");
    let name = "BOBO_a_output.csv";
    h.drop_file(name, bobo_row("BON", "00003", &stamp(0, "214000")));
    let sim = h.sim();
    sim.set_attribute(&login(3), COLLAR, "");
    h.once();
    h.assert_processed(name);
    sim.set_attribute(&login(3), COLLAR, "00003");
    h.bobosync(&["sync-mappings"]).assert_success();
    sim.inject(Fault {
        endpoint: Endpoint::Sync,
        kind: FaultKind::Status {
            code: 503,
            retry_after_secs: None,
        },
        times: 5,
    });
    h.once();
    let third = h.once();
    h.assert_duty(&login(3), Some(&athoc_on(0, "21:40:00")), &third);
}

/// Finding 2 (batch boundaries). A book-on and a book-off of one person at the same second in
/// two files: within one batch the later file wins (plan.rs rule 1), but across batches the
/// first one applied wins, because the ledger skips anything "at or before" it (rule 2). So
/// the outcome depends on `BATCH_SIZE` and on when the files arrived. The latest-wins order
/// (time, then file, then line) says the later file's book-off wins either way.
#[test]
fn equal_times_across_batches_follow_the_same_order_as_within_one() {
    for batch_size in ["10", "1"] {
        let mut h = Harness::new(generate_users(5));
        h.set("BATCH_SIZE", batch_size);
        h.drop_file(
            "BOBO_a_output.csv",
            bobo_row("BON", "00003", &stamp(0, "214000")),
        );
        h.drop_file(
            "BOBO_b_output.csv",
            bobo_row("BOF", "00003", &stamp(0, "214000")),
        );
        let run = h.once();
        // A run that applied nothing would also leave the value empty.
        run.assert_success();
        assert_eq!(
            h.duty(&login(3)),
            None,
            "BATCH_SIZE={batch_size}: the later file's book-off should win\n{run}"
        );
    }
}
