//! Crash trials and fault soak (issue 5, Reliability 1–2): the real `bobosync` binary, run
//! against the AtHoc simulator over a generated stream of BOBO exports, is killed with SIGKILL
//! at chosen moments (`trials`) or made to ride out a misbehaving AtHoc (`soak`); after every
//! trial AtHoc must equal an independent latest-wins oracle, every file must be processed once,
//! and history must account for every row.
//!
//! Quick by default (part of the ordinary suite); `BOBOSYNC_CRASH_TRIALS=500` /
//! `BOBOSYNC_SOAK_TRIALS=100` run the long series, `BOBOSYNC_CRASH_SEED=N` replays from seed N.
//! Build the binary first: `cargo build -p bobosync`.

mod findings;
mod site;
mod soak;
mod trials;
