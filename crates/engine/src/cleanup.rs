//! Stale-status cleanup: clearing duty values older than
//! `AUTO_CLEANUP_HOURS`, so a missed book-off does not leave a person on
//! duty for ever.
//!
//! Pure part: [`select_stale`] reads the values AtHoc holds, with the
//! organization's date-time format, and picks those to clear. Times are
//! compared here, on parsed values, never by asking the server to compare
//! date strings.
//!
//! Invariants: a value that does not parse is never cleared, only
//! reported; a cleanup that would clear more than the guard allows is
//! marked for approval (a stalled BOBO export must not silently empty the
//! on-duty list). "Stale" means older than the cleanup age at `now`
//! (strictly), the same rule planning uses for a late book-on.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::event::Login;
use crate::plan::MassChangeGuard;
use crate::time::{local_to_utc, AthocDateFormat};

// ---------------------------------------------------------------------------
// Pure: selection.
// ---------------------------------------------------------------------------

/// A duty value old enough to clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleValue {
    pub login: Login,
    /// The value as AtHoc stored it.
    pub value: String,
    /// The value read as an instant.
    pub at: DateTime<Utc>,
}

/// What a cleanup would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupSelection {
    /// Values to clear, in input order.
    pub stale: Vec<StaleValue>,
    /// Values young enough to keep.
    pub fresh: usize,
    /// Values that do not parse with the configured format: kept, and
    /// reported so the operator can check the format setting.
    pub unparseable: Vec<(Login, String)>,
    /// Clearing `stale` needs an operator's approval first.
    pub needs_approval: bool,
}

/// How many users hold a duty value after `updates` (oldest first: a login
/// and whether it was set, or else cleared) were applied to `before`, the
/// logins that held one: what the next search for set values will find.
pub fn values_after<'a>(
    before: impl IntoIterator<Item = &'a Login>,
    updates: impl IntoIterator<Item = (&'a Login, bool)>,
) -> usize {
    let mut holding: std::collections::HashSet<&Login> = before.into_iter().collect();
    for (login, set) in updates {
        if set {
            holding.insert(login);
        } else {
            holding.remove(login);
        }
    }
    holding.len()
}

/// Picks the stale duty values among `values` (each user's login and the
/// duty attribute as AtHoc stores it: naive local time of `tz` written in
/// `format`). Blank values are ignored. `needs_approval` is
/// `guard.requires_approval(stale, non-blank values)`.
pub fn select_stale(
    values: &[(Login, String)],
    format: &AthocDateFormat,
    tz: Tz,
    now: DateTime<Utc>,
    stale_after: Duration,
    guard: MassChangeGuard,
) -> CleanupSelection {
    let mut selection = CleanupSelection::default();
    let mut set = 0;
    for (login, value) in values {
        if value.trim().is_empty() {
            continue;
        }
        set += 1;
        match format.parse_value(value) {
            Ok(local) => {
                let at = local_to_utc(local, tz);
                if now - at > stale_after {
                    selection.stale.push(StaleValue {
                        login: login.clone(),
                        value: value.clone(),
                        at,
                    });
                } else {
                    selection.fresh += 1;
                }
            }
            Err(_) => selection.unparseable.push((login.clone(), value.clone())),
        }
    }
    selection.needs_approval = guard.requires_approval(selection.stale.len(), set);
    selection
}

// ---------------------------------------------------------------------------
// Shell: the cleanup run (page through users with a duty value, select,
// hold for approval, clear through the executor). Reserved for the I/O half
// of this module.
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests;
