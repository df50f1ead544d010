//! Fuzz target `ingest`: arbitrary bytes as a BOBO CSV file through
//! `engine::ingest::parse_bobo` (zone Europe/London); any panic or broken
//! invariant (see `bobosync_fuzz::invariants::check_ingest`) is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = bobosync_fuzz::invariants::check_ingest(data) {
        panic!("ingest invariant broken: {violation}");
    }
});
