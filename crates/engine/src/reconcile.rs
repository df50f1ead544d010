//! Reconciliation (pure): what AtHoc's duty values say against what the
//! ledger says the last BOBO event of each person was. Drift is a person
//! AtHoc shows on duty whose last event is a book-off (or a book-on older
//! than `AUTO_CLEANUP_HOURS`), or a person booked on whose value in AtHoc is
//! empty or another time. The shell (`SyncContext::reconcile`) gathers the
//! values and the ledger and, with `--fix`, writes the ledger's truth.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::event::{Duty, EmployeeId, Login};
use crate::plan::LedgerEntry;
use crate::time::{utc_to_local, AthocDateFormat};

/// How AtHoc differs from BOBO for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// On duty in AtHoc; the last BOBO event is a book-off.
    OnDutyAfterBookOff,
    /// On duty in AtHoc; the last BOBO event is a book-on older than the
    /// cleanup age (the stale cleanup's business, shown while it waits).
    OnDutyButStale,
    /// Booked on in BOBO; AtHoc's value is empty.
    BookedOnButEmpty,
    /// Booked on in BOBO; AtHoc holds another time.
    ValueDiffers,
}

impl DriftKind {
    /// Whether it is more than the stale cleanup catching up.
    pub fn is_serious(self) -> bool {
        !matches!(self, DriftKind::OnDutyButStale)
    }
}

/// One person whose duty value is not what BOBO says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    pub employee: EmployeeId,
    pub login: Login,
    pub kind: DriftKind,
    /// What AtHoc holds (`None`: empty).
    pub athoc: Option<String>,
    /// What it should hold (`None`: empty).
    pub expected: Option<String>,
    /// The last BOBO event, which decides.
    pub last_event: LedgerEntry,
}

/// The comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// People compared: those with a BOBO event and a mapping.
    pub compared: usize,
    /// Drift, by employee ID.
    pub drift: Vec<Drift>,
    /// On duty in AtHoc without any BOBO event here (set by hand, or before
    /// BoboSync): reported, never changed.
    pub without_event: Vec<(Login, String)>,
    /// Values that do not read with `ATHOC_DATE_FORMAT`: reported, never
    /// changed (see `bobosync check`).
    pub unparseable: Vec<(Login, String)>,
}

impl Reconciliation {
    /// Drift beyond the stale cleanup catching up.
    pub fn serious(&self) -> usize {
        self.drift.iter().filter(|d| d.kind.is_serious()).count()
    }
}

/// Everything the comparison looks at.
pub struct ReconcileInput<'a> {
    /// Non-blank duty values AtHoc holds, by login.
    pub values: &'a [(Login, String)],
    /// The ledger: each employee's last applied event.
    pub ledger: &'a HashMap<EmployeeId, LedgerEntry>,
    /// The current employee → login mappings (the ledger's person is
    /// looked up by who holds the employee ID now).
    pub mappings: &'a HashMap<EmployeeId, Login>,
    pub format: &'a AthocDateFormat,
    pub tz: Tz,
    pub now: DateTime<Utc>,
    pub stale_after: Duration,
}

/// Compares AtHoc's values with the ledger. Same input, same answer; the
/// drift comes back sorted by employee ID.
pub fn reconcile(input: &ReconcileInput<'_>) -> Reconciliation {
    let values: HashMap<&Login, &str> = input
        .values
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(login, value)| (login, value.as_str()))
        .collect();
    let mut out = Reconciliation::default();
    let mut known: std::collections::HashSet<&Login> = std::collections::HashSet::new();
    let mut ledger: Vec<(&EmployeeId, &LedgerEntry)> = input.ledger.iter().collect();
    ledger.sort_by(|a, b| a.0.cmp(b.0));
    for (employee, entry) in ledger {
        let Some(login) = input.mappings.get(employee) else {
            continue;
        };
        known.insert(login);
        out.compared += 1;
        let on_duty = entry.duty == Duty::BookOn && input.now - entry.at <= input.stale_after;
        let local = utc_to_local(entry.at, input.tz);
        let expected = on_duty.then(|| input.format.format(local));
        let athoc = values.get(login).copied();
        let kind = match (on_duty, athoc) {
            (false, None) => None,
            (false, Some(_)) if entry.duty == Duty::BookOff => Some(DriftKind::OnDutyAfterBookOff),
            (false, Some(_)) => Some(DriftKind::OnDutyButStale),
            (true, None) => Some(DriftKind::BookedOnButEmpty),
            (true, Some(value)) => match input.format.parse_value(value) {
                Ok(held) if held == local => None,
                Ok(_) => Some(DriftKind::ValueDiffers),
                Err(_) => {
                    out.unparseable.push((login.clone(), value.to_owned()));
                    None
                }
            },
        };
        if let Some(kind) = kind {
            out.drift.push(Drift {
                employee: employee.clone(),
                login: login.clone(),
                kind,
                athoc: athoc.map(str::to_owned),
                expected,
                last_event: entry.clone(),
            });
        }
    }
    let mut without: Vec<(Login, String)> = input
        .values
        .iter()
        .filter(|(login, value)| !value.trim().is_empty() && !known.contains(login))
        .cloned()
        .collect();
    without.sort();
    out.without_event = without;
    out
}

#[cfg(test)]
mod tests;
