//! `bobosync run` as a process: files applied with no trigger, a slow writer, a second
//! instance refused, SIGTERM during a batch followed by a restart, and an internal error that
//! ends `run` loudly (exit 1) with nothing lost.

use std::io::Write as _;

use bobosync_e2e::{
    athoc_on, bobo_row, login, org, stamp, under_wine, Endpoint, Fault, FaultKind, Harness,
};

use crate::daemon::Daemon;
use crate::{eventually, updates_of};

/// Exit status of `run` when another engine holds the database.
const EXIT_LOCKED: i32 = 5;

#[test]
fn a_file_dropped_while_running_is_applied_without_a_trigger() {
    let h = Harness::new(org(5, []));
    let mut run = Daemon::start(&h, 1);
    run.wait_ready();
    h.drop_file("BOBO_1.csv", bobo_row("BON", "00002", &stamp(0, "081500")));
    let expected = athoc_on(0, "08:15:00");
    eventually("user 2 booked on in AtHoc", || {
        (h.duty(&login(2)).as_deref() == Some(expected.as_str())).then_some(())
    });
    eventually("the file moved to processed", || {
        h.drop_listing().is_empty().then_some(())
    });
    h.assert_processed("BOBO_1.csv");
    let (code, output) = run.terminate();
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains("batch BOBO_1.csv: 1 event(s), 1 set"),
        "{output}"
    );
}

#[test]
fn a_file_written_slowly_in_pieces_is_applied_once_and_complete() {
    let h = Harness::new(org(6, []));
    let mut run = Daemon::start(&h, 1);
    run.wait_ready();
    let syncs = || {
        h.requests()
            .iter()
            .filter(|r| r.path.to_ascii_lowercase().ends_with("syncbycommonnames"))
            .count()
    };
    let before = syncs();
    let path = h.drop_dir().join("BOBO_slow.csv");
    let mut file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("create: {e}"));
    for i in 1..=5 {
        let row = bobo_row("BON", &format!("{i:05}"), &stamp(0, &format!("0{i}0000")));
        // Half a row, a pause, the rest: a reader that came early would see a broken row.
        let (a, b) = row.split_at(row.len() / 2);
        file.write_all(a.as_bytes())
            .unwrap_or_else(|e| panic!("write: {e}"));
        file.flush().unwrap_or_else(|e| panic!("flush: {e}"));
        std::thread::sleep(std::time::Duration::from_millis(150));
        file.write_all(b.as_bytes())
            .unwrap_or_else(|e| panic!("write: {e}"));
        file.flush().unwrap_or_else(|e| panic!("flush: {e}"));
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    // Still open: nothing may have been read or sent.
    assert_eq!(
        syncs(),
        before,
        "a file still being written was applied\n{}",
        run.output()
    );
    assert_eq!(
        h.drop_listing(),
        ["BOBO_slow.csv"],
        "{}\n{}",
        run.output(),
        h.log_text()
    );
    drop(file);
    for i in 1..=5 {
        let expected = athoc_on(0, &format!("0{i}:00:00"));
        eventually(&format!("user {i} booked on"), || {
            (h.duty(&login(i)).as_deref() == Some(expected.as_str())).then_some(())
        });
    }
    eventually("the file moved to processed", || {
        h.drop_listing().is_empty().then_some(())
    });
    let (code, output) = run.terminate();
    assert_eq!(code, Some(0), "{output}");
    assert_eq!(syncs(), before + 1, "applied more than once\n{output}");
    assert!(!output.contains("could not be read"), "{output}");
    assert_eq!(h.failed_listing(), Vec::<String>::new());
}

#[test]
fn a_second_instance_is_refused_naming_the_holder() {
    let h = Harness::new(org(2, []));
    let mut first = Daemon::start(&h, 1);
    first.wait_ready();
    let second = h.bobosync(&["run"]);
    second.assert_code(EXIT_LOCKED);
    // Under Wine the holder is named by its Windows process ID, which Linux does not know.
    let holder = if under_wine() {
        " (bobosync run)".to_owned()
    } else {
        format!("pid {} (bobosync run)", first.pid())
    };
    second.assert_output_contains(&holder);
    second.assert_output_contains("bobo_mapping.db");
    // A scheduled `once` (the Python tool's way) is refused too, and so are
    // the other writing commands; reading ones still work beside the engine.
    for args in [&["once"][..], &["sync-mappings"], &["cleanup"]] {
        let refused = h.bobosync(args);
        refused.assert_code(EXIT_LOCKED);
        refused.assert_output_contains(&holder);
    }
    h.bobosync(&["history"]).assert_success();
    // The first keeps working.
    h.drop_file("BOBO_1.csv", bobo_row("BON", "00001", &stamp(0, "090000")));
    let expected = athoc_on(0, "09:00:00");
    eventually("the first engine still applies files", || {
        (h.duty(&login(1)).as_deref() == Some(expected.as_str())).then_some(())
    });
    let (code, output) = first.terminate();
    assert_eq!(code, Some(0), "{output}");
    // Once it has stopped, the database is free again.
    let mut again = Daemon::start(&h, 2);
    again.wait_ready();
    assert_eq!(again.terminate().0, Some(0));
}

#[test]
fn sigterm_during_a_batch_then_restart_applies_everything_exactly_once_latest_wins() {
    let mut h = Harness::new(org(4, []));
    h.set("BATCH_SIZE", "1");
    let mut run = Daemon::start(&h, 1);
    run.wait_ready();
    // Every update answers slowly, so the stop arrives while a batch is in flight.
    h.sim().inject(Fault {
        endpoint: Endpoint::Sync,
        kind: FaultKind::Delay(std::time::Duration::from_millis(400)),
        times: 1000,
    });
    // User 1 books on, off, on again across files; users 2-4 once each.
    let files = [
        (
            "BOBO_20_01.csv",
            bobo_row("BON", "00001", &stamp(0, "100000"))
                + &bobo_row("BON", "00002", &stamp(0, "100500")),
        ),
        (
            "BOBO_20_02.csv",
            bobo_row("BOF", "00001", &stamp(0, "120000"))
                + &bobo_row("BON", "00003", &stamp(0, "120500")),
        ),
        (
            "BOBO_20_03.csv",
            bobo_row("BON", "00001", &stamp(0, "140000"))
                + &bobo_row("BON", "00004", &stamp(0, "140500")),
        ),
    ];
    // Written elsewhere and moved in, all at once.
    let staging = h.root().join("staging");
    std::fs::create_dir_all(&staging).unwrap_or_else(|e| panic!("mkdir: {e}"));
    for (name, body) in &files {
        std::fs::write(staging.join(name), body).unwrap_or_else(|e| panic!("write: {e}"));
    }
    for (name, _) in &files {
        std::fs::rename(staging.join(name), h.drop_dir().join(name))
            .unwrap_or_else(|e| panic!("move: {e}"));
    }
    eventually("a batch in flight", || {
        h.requests()
            .iter()
            .any(|r| r.path.to_ascii_lowercase().ends_with("syncbycommonnames"))
            .then_some(())
            .or_else(|| (!h.processed_listing().is_empty()).then_some(()))
    });
    let (code, output) = run.terminate();
    assert_eq!(code, Some(0), "{output}");
    let mut again = Daemon::start(&h, 2);
    eventually("every file applied after the restart", || {
        h.drop_listing().is_empty().then_some(())
    });
    again.wait_for("status: Ok: up to date");
    let (code, output) = again.terminate();
    assert_eq!(code, Some(0), "{output}");
    // Latest wins for user 1; everyone else booked on.
    assert_eq!(
        h.duty(&login(1)).as_deref(),
        Some(athoc_on(0, "14:00:00").as_str())
    );
    for (i, at) in [(2, "10:05:00"), (3, "12:05:00"), (4, "14:05:00")] {
        assert_eq!(
            h.duty(&login(i)).as_deref(),
            Some(athoc_on(0, at).as_str()),
            "user {i}"
        );
        assert_eq!(
            updates_of(&h, &login(i), &athoc_on(0, at)),
            1,
            "user {i} updated more than once"
        );
    }
    // Each of user 1's events was sent exactly once, in order: none re-sent after the restart.
    assert_eq!(updates_of(&h, &login(1), &athoc_on(0, "10:00:00")), 1);
    assert_eq!(updates_of(&h, &login(1), ""), 1);
    assert_eq!(updates_of(&h, &login(1), &athoc_on(0, "14:00:00")), 1);
    assert_eq!(
        h.processed_listing().len(),
        3,
        "{:?}",
        h.processed_listing()
    );
}

/// An internal error (a panic, injected in this debug build) stops the engine of `run`: it says
/// so and exits 1 (a service manager restarts it) rather than stay up syncing nothing, the log
/// names the panic and where, the waiting file stays, and the next start applies it. `once`
/// meeting the same panic exits 101 with the panic in the log.
#[test]
fn an_internal_error_ends_run_loudly_and_the_next_start_applies_the_file() {
    let mut h = Harness::new(org(2, []));
    h.drop_file("BOBO_1.csv", bobo_row("BON", "00001", &stamp(0, "081500")));
    let panicking = [("BOBOSYNC_DEBUG_PANIC", "cycle")];
    let run = Daemon::start_with(&h, 1, &[], &panicking);
    let (code, output) = run.wait_exit();
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains(
            "problem: BoboSync stopped syncing after an internal error: restart BoboSync; \
             nothing is synced until then. The error (the log has where): a panic injected \
             by BOBOSYNC_DEBUG_PANIC=cycle"
        ),
        "{output}"
    );
    let log = h.log_text();
    assert!(
        log.contains(
            "internal error (a bug in BoboSync): a panic injected by BOBOSYNC_DEBUG_PANIC=cycle"
        ) && log.contains("cycle.rs:"),
        "the log lacks the panic and where it happened:\n{log}"
    );
    assert_eq!(h.drop_listing(), ["BOBO_1.csv"]);
    assert_eq!(h.duty(&login(1)), None);

    h.child_env("BOBOSYNC_DEBUG_PANIC", "cycle");
    let once = h.once();
    once.assert_code(101);
    once.assert_output_contains("a panic injected by BOBOSYNC_DEBUG_PANIC=cycle");
    assert_eq!(h.drop_listing(), ["BOBO_1.csv"]);
    h.child_env("BOBOSYNC_DEBUG_PANIC", "");

    let mut again = Daemon::start(&h, 2);
    again.wait_ready();
    eventually("the file applied after the restart", || {
        h.drop_listing().is_empty().then_some(())
    });
    assert_eq!(
        h.duty(&login(1)).as_deref(),
        Some(athoc_on(0, "08:15:00").as_str())
    );
    let (code, output) = again.terminate();
    assert_eq!(code, Some(0), "{output}");
}
