//! What a Windows program holding a drop-folder file does to BoboSync, run
//! only in the Windows lane (`dev/test-windows`: `bobosync.exe` under Wine,
//! with `dev/wine/filehold.c` as the other program; a Linux process's
//! handles are invisible to Wine's sharing checks). Elsewhere these tests
//! are skipped (ignored).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use bobosync_e2e::*;

use crate::daemon::Daemon;
use crate::eventually;

/// `wine filehold.exe args…`, its output lines arriving on the receiver
/// (its input is a pipe: `hold <path> stdin` lets go on a line).
fn filehold(args: &[String]) -> (Child, mpsc::Receiver<String>) {
    let exe = std::env::var_os("BOBOSYNC_FILEHOLD").unwrap_or_else(|| {
        panic!("BOBOSYNC_FILEHOLD is not set: run this through dev/test-windows")
    });
    let mut child = Command::new("wine")
        .arg(exe)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("wine filehold: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line.trim().to_owned()).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn expect(lines: &mpsc::Receiver<String>, word: &str) {
    match lines.recv_timeout(crate::PATIENCE) {
        Ok(line) if line == word => {}
        other => panic!("filehold: expected {word:?}, got {other:?}"),
    }
}

fn syncs(h: &Harness) -> usize {
    h.requests()
        .iter()
        .filter(|r| r.path.to_ascii_lowercase().ends_with("syncbycommonnames"))
        .count()
}

fn win(path: &Path) -> String {
    shown_path(path)
}

/// The exclusive-open completeness check: while a Windows export tool still
/// holds the file (sharing reads only), `bobosync run` reads and sends
/// nothing; once it closes it, every row is applied, once.
#[test]
#[ignore = "Windows lane only (dev/test-windows): bobosync.exe under Wine"]
fn a_file_a_windows_writer_holds_open_is_applied_only_after_it_closes() {
    let h = Harness::new(org(6, []));
    let mut run = Daemon::start(&h, 1);
    run.wait_ready();
    let before = syncs(&h);
    let path = h.drop_dir().join("BOBO_slow.csv");
    let mut args = vec!["write".to_owned(), win(&path), "250".to_owned()];
    args.extend((1..=5).map(|i| {
        bobo_row("BON", &format!("{i:05}"), &stamp(0, &format!("0{i}0000")))
            .trim_end()
            .to_owned()
    }));
    let (mut writer, lines) = filehold(&args);
    expect(&lines, "open");
    // Until the writer says it is closing, the file is held: nothing may be
    // read or sent, and the file stays where it is.
    loop {
        match lines.try_recv() {
            Ok(line) if line == "closing" => break,
            Ok(other) => panic!("filehold said {other:?}"),
            Err(mpsc::TryRecvError::Disconnected) => panic!("filehold ended without closing"),
            Err(mpsc::TryRecvError::Empty) => {}
        }
        assert_eq!(
            syncs(&h),
            before,
            "a file still being written was applied\n{}",
            run.output()
        );
        assert_eq!(h.drop_listing(), ["BOBO_slow.csv"], "{}", run.output());
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = writer
        .wait()
        .unwrap_or_else(|e| panic!("wait for filehold: {e}"));
    assert!(status.success(), "filehold: {status}");
    for i in 1..=5 {
        let expected = athoc_on(0, &format!("0{i}:00:00"));
        eventually(&format!("user {i} booked on"), || {
            (h.duty(&login(i)).as_deref() == Some(expected.as_str())).then_some(())
        });
    }
    eventually("the file moved to processed", || {
        h.drop_listing().is_empty().then_some(())
    });
    assert_eq!(
        syncs(&h),
        before + 1,
        "applied more than once\n{}",
        run.output()
    );
    assert_eq!(h.failed_listing(), Vec::<String>::new(), "{}", run.output());
}

/// Moving a file another Windows program has open (a viewer, a virus
/// scanner: sharing reads only, so nobody may move it): a short hold is
/// waited out; a long one leaves the file in the drop folder with its
/// events recorded and says so, and the next cycle moves it without
/// sending anything again.
#[test]
#[ignore = "Windows lane only (dev/test-windows): bobosync.exe under Wine"]
fn a_file_another_windows_program_holds_is_moved_once_it_lets_go() {
    let h = Harness::new(org(3, []));
    let first = h.drop_file("BOBO_1.csv", bobo_row("BON", "00001", &stamp(0, "081500")));
    let (mut holder, lines) = filehold(&["hold".to_owned(), win(&first), "stdin".to_owned()]);
    expect(&lines, "held");
    // The cycle applies the file and meets the hold when it moves it; the
    // holder lets go while the move waits.
    let run = std::thread::scope(|scope| {
        let once = scope.spawn(|| h.once());
        eventually("the move waiting for the holder", || {
            h.log_text()
                .contains("BOBO_1.csv: another program has it open")
                .then_some(())
        });
        if let Some(mut input) = holder.stdin.take() {
            let _ = input.write_all(b"go\n");
        }
        once.join()
            .unwrap_or_else(|_| panic!("the once thread panicked"))
    });
    expect(&lines, "released");
    let _ = holder.wait();
    run.assert_success();
    h.assert_duty(&login(1), Some(&athoc_on(0, "08:15:00")), &run);
    h.assert_processed("BOBO_1.csv");

    let second = h.drop_file("BOBO_2.csv", bobo_row("BON", "00002", &stamp(0, "091500")));
    let (mut holder, lines) = filehold(&["hold".to_owned(), win(&second), "6000".to_owned()]);
    expect(&lines, "held");
    let held = h.once();
    held.assert_code(1)
        .assert_output_contains("BOBO_2.csv: its events are recorded");
    h.assert_duty(&login(2), Some(&athoc_on(0, "09:15:00")), &held);
    assert_eq!(h.drop_listing(), ["BOBO_2.csv"], "{held}");
    expect(&lines, "released");
    let _ = holder.wait();

    let sent = syncs(&h);
    let after = h.once();
    after.assert_success();
    h.assert_processed("BOBO_2.csv");
    assert_eq!(syncs(&h), sent, "the moved file was sent again\n{after}");
}

/// Today's log file held by another Windows program without sharing
/// writes (a log viewer): the cycle runs anyway, logging to a file of its
/// own, and says so.
#[test]
#[ignore = "Windows lane only (dev/test-windows): bobosync.exe under Wine"]
fn a_log_file_another_windows_program_holds_does_not_stop_the_cycle() {
    let h = Harness::new(org(3, []));
    h.once().assert_success();
    let log = std::fs::read_dir(h.log_dir())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "log"))
        .unwrap_or_else(|| panic!("no log file"));
    let (mut holder, lines) = filehold(&["hold".to_owned(), win(&log), "stdin".to_owned()]);
    expect(&lines, "held");
    h.drop_file("BOBO_1.csv", bobo_row("BON", "00002", &stamp(0, "081500")));
    let run = h.once();
    if let Some(mut input) = holder.stdin.take() {
        let _ = input.write_all(b"go\n");
    }
    expect(&lines, "released");
    let _ = holder.wait();
    run.assert_success()
        .assert_output_contains("another program may hold it");
    h.assert_duty(&login(2), Some(&athoc_on(0, "08:15:00")), &run);
}

/// Where Debian's `faketime` package puts the library (`dev/setup` installs
/// it for the Windows lane).
const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// The log rotates at midnight (UTC) while a log viewer holds yesterday's
/// file open (sharing reads and writes, not deletion): today's lines go to
/// a new file, the old one cannot be purged (`LOG_PURGE_DAYS=1`) and stays,
/// and the engine goes on applying files. The clock is `faketime`'s, set to
/// just before midnight, for `bobosync.exe` only.
#[test]
#[ignore = "Windows lane only (dev/test-windows): bobosync.exe under Wine"]
fn the_log_rotates_at_midnight_while_a_viewer_holds_yesterdays_file() {
    assert!(
        Path::new(LIBFAKETIME).exists(),
        "{LIBFAKETIME} is missing: BOBOSYNC_WINE=1 ./dev/setup installs faketime"
    );
    let mut h = Harness::new(org(3, []));
    h.set("LOG_PURGE_DAYS", "1");
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today + chrono::Duration::days(1);
    let clock = format!("@{} 23:59:40", today.format("%Y-%m-%d"));
    let mut run = Daemon::start_with(
        &h,
        1,
        &["--interval", "1"],
        &[
            ("LD_PRELOAD", LIBFAKETIME),
            ("FAKETIME", &clock),
            // Timers keep the real monotonic clock; only the date moves.
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
            ("TZ", "UTC"),
        ],
    );
    run.wait_ready();
    let log_of = |day: chrono::NaiveDate| {
        h.log_dir()
            .join(format!("bobosync.{}.log", day.format("%Y-%m-%d")))
    };
    let yesterday = log_of(today);
    assert!(
        yesterday.exists(),
        "no {} before midnight (did the start take 20 s?)\n{}",
        yesterday.display(),
        run.output()
    );
    let (mut viewer, lines) = filehold(&["view".to_owned(), win(&yesterday), "stdin".to_owned()]);
    expect(&lines, "held");

    // A full cycle every second writes a line, so the log rotates soon
    // after midnight.
    let new = log_of(tomorrow);
    eventually("a log file for the new day", || new.exists().then_some(()));
    h.drop_file("BOBO_1.csv", bobo_row("BON", "00002", &stamp(0, "081500")));
    eventually("the file moved to processed", || {
        h.drop_listing().is_empty().then_some(())
    });
    h.assert_processed("BOBO_1.csv");
    // The file moves before the batch's closing line is logged, and the log
    // is written by its own thread: wait for the line, not only the move.
    let what = format!("the batch after midnight in {}", new.display());
    eventually(&what, || {
        std::fs::read_to_string(&new)
            .ok()
            .filter(|text| text.contains("batch finished"))
    });
    assert!(
        yesterday.exists(),
        "the held file was deleted under the viewer"
    );

    if let Some(mut input) = viewer.stdin.take() {
        let _ = input.write_all(b"go\n");
    }
    expect(&lines, "released");
    let _ = viewer.wait();
    let (code, output) = run.terminate();
    assert_eq!(code, Some(0), "{output}");
    assert!(!output.contains("panicked"), "{output}");
    let duty = h.duty(&login(2));
    assert_eq!(
        duty.as_deref(),
        Some(athoc_on(0, "08:15:00").as_str()),
        "{output}"
    );
}
