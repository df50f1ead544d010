//! End-to-end tests: the built `bobosync` binary run as a subprocess against an in-process
//! AtHoc simulator, one throw-away site per test (see `bobosync_e2e::Harness`).
//!
//! One test binary (ripgrep's layout) so the suite links once. Build the binary first:
//! `cargo build -p bobosync && cargo test -p bobosync-e2e`.

mod cleanup;
mod config;
mod demo;
mod faults;
mod hostile;
mod intake;
mod legacy;
mod loud;
mod ordering;
mod paging;
mod secrets;
mod service;
mod settle;
mod windows;
