//! The BoboSync fuzz crate (cargo-fuzz; not a member of the main workspace).
//! Its library holds only [`invariants`], the checks shared by the fuzz
//! targets in `fuzz_targets/` and by the engine's corpus replay test.

pub mod invariants;
