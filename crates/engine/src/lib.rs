//! The BoboSync sync engine.
//!
//! Keeps each AtHoc user's duty attribute in step with the BOBO book-on /
//! book-off exports. Functional core, imperative shell: the modules marked
//! *pure* take their inputs (the current time included) as arguments and do
//! no I/O; the others are the shell that gathers inputs, runs the plan and
//! records what happened. Nothing here knows about Tauri, clap or UI JSON.
//!
//! Table of contents, in data-flow order:

// Shared vocabulary.
pub mod event; // pure: employee IDs, logins, duty events, row errors
pub mod time; // pure: BOBO wall-clock → UTC (DST rule), AtHoc date-time format

// Configuration.
pub mod config; // settings file, the Python tool's .env, secrets

// The batch pipeline.
pub mod folder; // shell: the drop folder: complete files, moving them on
pub mod ingest; // pure: BOBO CSV bytes → events + row errors
pub mod plan; // pure: events + mappings + ledger + now → plan
pub mod athoc; // shell: the AtHoc REST client
pub mod execute; // shell: send a plan to AtHoc, record every outcome

// Around the batch loop.
pub mod mapping; // pure diff + shell: the employee-ID → login mapping sync
pub mod cleanup; // pure selection + shell: clearing stale duty values
pub mod schedule; // pure: when the mapping sync is due
pub mod checks; // shell: connection and field-mapping checks
pub mod reconcile; // pure: AtHoc's duty values against the ledger

// State and reporting.
pub mod store; // shell: SQLite, its one owner (migrations, queries)
pub mod cycle; // shell: one full cycle, as the Python tool ran it
pub mod watch; // shell: drop-folder change events (notify), completeness signals
pub mod runtime; // shell: the continuous engine task, handle, health, scheduling
pub mod logging; // shell: tracing to daily-rotated files
pub mod legacy; // shell: moving from the Python tool, all or nothing
