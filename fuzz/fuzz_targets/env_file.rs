//! Fuzz target `env_file`: arbitrary text (bytes decoded lossily as UTF-8)
//! as a Python-tool `.env` file through `engine::config::parse_env_text`
//! with an isolated environment; any panic or broken invariant (see
//! `bobosync_fuzz::invariants::check_env_text`) is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(violation) = bobosync_fuzz::invariants::check_env_text(&text) {
        panic!("env_file invariant broken: {violation}");
    }
});
