//! Shared helpers for the BoboSync benchmarks and bench binaries (issue 5).

pub mod site;
