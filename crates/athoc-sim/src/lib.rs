//! A faithful simulator of the BlackBerry AtHoc REST API subset BoboSync uses
//! (`athoc-api.md` §1–§6): token, user search/paging, `SyncByCommonNames`, errors and faults.
//!
//! Start one with [`RunningSim::start`] (inside a tokio runtime), [`BackgroundSim::start`]
//! (own thread) or [`serve`] (your own listener and shutdown signal); steer it through the
//! [`Sim`] handle. The `/_sim/` HTTP prefix ([`control`]) is a test-only control API and is
//! NOT part of AtHoc.

mod api;
mod auth;
mod cli;
mod config;
pub mod control;
mod dates;
pub mod demo;
mod faults;
mod running;
mod search;
mod server;
mod sim;
mod sync;
mod users;

pub use auth::{ApiDenied, GrantError, API_SCOPE};
pub use cli::{run_cli, CliError, OffsetModeArg, SimArgs};
pub use config::{OffsetMode, SimConfig};
pub use dates::{DateError, DatePattern};
pub use faults::{Endpoint, Fault, FaultKind, AFTER_NEXT_LIMIT};
pub use running::{BackgroundSim, RunningSim};
pub use search::{SearchError, DEFAULT_LIMIT};
pub use server::serve;
pub use sim::{RecordedRequest, Sim};
pub use sync::SyncError;
pub use users::{generate_users, SimUser};
