//! Intake waits for complete files: a file still being written is left for the next look and
//! then read whole.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use bobosync_e2e::*;

const FILE: &str = "BOBO_20250617_143000_output.csv";

#[test]
fn file_still_being_written_is_not_read_early() {
    let mut h = Harness::new(generate_users(400));
    h.set("FILE_SETTLE_SECONDS", "2");
    let path = h.drop_file(FILE, bobo_row("BON", "00001", &stamp(0, "143000")));

    // Append a row every 200 ms until told to stop (or 60 s pass), like a slow exporter.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = Arc::clone(&stop);
        let path = path.clone();
        thread::spawn(move || {
            let started = Instant::now();
            let mut written = 1usize;
            while !stop.load(Ordering::SeqCst)
                && started.elapsed() < Duration::from_secs(60)
                && written < 300
            {
                thread::sleep(Duration::from_millis(200));
                written += 1;
                let row = bobo_row("BON", &format!("{written:05}"), &stamp(0, "143000"));
                let mut file = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap_or_else(|e| panic!("append to {}: {e}", path.display()));
                file.write_all(row.as_bytes())
                    .unwrap_or_else(|e| panic!("append to {}: {e}", path.display()));
            }
            written
        })
    };

    let early = h.once();
    stop.store(true, Ordering::SeqCst);
    let written = writer
        .join()
        .unwrap_or_else(|_| panic!("writer thread panicked"));
    early.assert_success();
    h.assert_still_pending(FILE);
    h.assert_duty(&login(1), None, &early); // nothing read from the unfinished file

    // Quiet for longer than the settle window: now it is complete and read whole.
    thread::sleep(Duration::from_secs(3));
    let late = h.once();
    late.assert_success();
    h.assert_processed(FILE);
    for i in [1, written] {
        h.assert_duty(&login(i), Some(&athoc_on(0, "14:30:00")), &late);
    }
}
