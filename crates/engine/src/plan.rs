//! Planning (pure): given the events of a batch, the employee → login
//! mappings, the ledger of what was last applied per employee and `now`,
//! decide for every event what to do and why. No I/O, no clock, no logging:
//! the same inputs always give the same plan, which can be previewed before
//! it is applied and is recorded per record after.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{Duty, DutyEvent, EmployeeId, Login, RowError, SourceLine};

/// The last event applied to AtHoc for one employee. Survives restarts (it
/// lives in SQLite), so a late file can never overwrite newer data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub at: DateTime<Utc>,
    pub duty: Duty,
    pub source: SourceLine,
}

impl LedgerEntry {
    /// True when this entry comes after `current` in latest-wins order
    /// (time, then source), so the ledger may move forward to it.
    pub fn supersedes(&self, current: &LedgerEntry) -> bool {
        (self.at, &self.source) > (current.at, &current.source)
    }
}

/// The ledger as it stands once AtHoc has taken every `Set` and `Clear` of
/// `plan`: each employee's entry moves forward, never back, as the store
/// moves it when it records an applied outcome. Preview plans the batches
/// after the first against this.
pub fn advance_ledger(ledger: &mut HashMap<EmployeeId, LedgerEntry>, plan: &Plan) {
    advance_ledger_by(ledger, &plan.records);
}

/// The ledger moved forward, as the store moves it, by those of `applied`
/// that are a `Set` or `Clear` (the others are passed over).
pub fn advance_ledger_by<'a>(
    ledger: &mut HashMap<EmployeeId, LedgerEntry>,
    applied: impl IntoIterator<Item = &'a PlannedRecord>,
) {
    for record in applied {
        if !matches!(record.action, Action::Set { .. } | Action::Clear { .. }) {
            continue;
        }
        let entry = LedgerEntry {
            at: record.event.at,
            duty: record.event.duty,
            source: record.event.source.clone(),
        };
        match ledger.get(&record.event.employee) {
            Some(current) if !entry.supersedes(current) => {}
            _ => {
                ledger.insert(record.event.employee.clone(), entry);
            }
        }
    }
}

/// Everything planning looks at.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub events: &'a [DutyEvent],
    /// Rows of the same files that could not be read; passed through so the
    /// plan accounts for every row.
    pub row_errors: &'a [RowError],
    pub mappings: &'a HashMap<EmployeeId, Login>,
    pub ledger: &'a HashMap<EmployeeId, LedgerEntry>,
    pub now: DateTime<Utc>,
    /// `AUTO_CLEANUP_HOURS`: a book-on older than this is not on duty any more.
    pub stale_after: Duration,
}

/// What to do with one event, with what its reason needs to say why (the
/// reason itself is rendered only when shown: see [`PlannedRecord::reason`]).
/// Stored as JSON with each record; fields added later are optional, so
/// records journalled before them still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Set the duty attribute of `login` to the event's time.
    Set { login: Login },
    /// Clear the duty attribute of `login`: a book-off's, unless `cause`
    /// says otherwise.
    Clear {
        login: Login,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<Box<ClearCause>>,
    },
    /// A later event for the same employee in this batch wins.
    Superseded {
        by: SourceLine,
        /// The winner's kind and time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_duty: Option<Duty>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_at: Option<DateTime<Utc>>,
    },
    /// An event at or after this one's time was already applied.
    SkipOlder {
        applied_at: DateTime<Utc>,
        applied_from: SourceLine,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        applied_duty: Option<Duty>,
    },
    /// No AtHoc user has this employee ID; parked until the next mapping sync.
    Unmapped,
}

impl Action {
    /// A book-off's clear of `login`.
    pub fn clear(login: Login) -> Action {
        Action::Clear { login, cause: None }
    }
}

/// Why a [`Action::Clear`] is not a book-off's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClearCause {
    /// A book-on older than the cleanup age when it was planned: the person
    /// is treated as off duty.
    OldBookOn {
        planned_at: DateTime<Utc>,
        cleanup_age_minutes: i64,
    },
    /// The stale cleanup found this value in AtHoc older than the cleanup age.
    StaleValue {
        attribute: String,
        value: String,
        cleanup_age_hours: i64,
    },
}

/// One event and the decision about it. Its reason, a sentence for an
/// operator, is rendered from both when shown ([`PlannedRecord::reason`]),
/// not held: a backlog of a million rows would otherwise carry a million
/// sentences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRecord {
    pub event: DutyEvent,
    pub action: Action,
}

impl PlannedRecord {
    /// Why the event is planned as it is, for an operator: names the event,
    /// its file and line, and what decided it.
    pub fn reason(&self) -> String {
        let event = &self.event;
        let what = format!(
            "{} of {} at {} from {}",
            describe(event.duty),
            event.employee,
            when(event),
            event.source
        );
        match &self.action {
            Action::Set { login } => {
                format!("{what}: set the duty attribute of {login} to this time")
            }
            Action::Clear { login, cause: None } => {
                format!("{what}: clear the duty attribute of {login}")
            }
            Action::Clear {
                login,
                cause: Some(cause),
            } => match cause.as_ref() {
                ClearCause::OldBookOn {
                    planned_at,
                    cleanup_age_minutes,
                } => format!(
                    "{what} is older than the cleanup age ({}) at {} UTC, so the person is \
                     treated as off duty: clear the duty attribute of {login}",
                    hours(Duration::minutes(*cleanup_age_minutes)),
                    planned_at.format("%Y-%m-%d %H:%M:%S"),
                ),
                ClearCause::StaleValue {
                    attribute,
                    value,
                    cleanup_age_hours,
                } => format!(
                    "{attribute} = {value:?} is older than AUTO_CLEANUP_HOURS ({cleanup_age_hours} h): cleared"
                ),
            },
            Action::Superseded { by, by_duty, by_at } => {
                let winner = by_duty.map_or("event", describe);
                let why = match by_at {
                    Some(at) if *at == event.at => {
                        "has the same time and comes later in the batch".to_owned()
                    }
                    Some(at) => format!("is later ({} UTC)", at.format("%Y-%m-%d %H:%M:%S")),
                    None => "is later".to_owned(),
                };
                format!("{what} is superseded: the {winner} from {by} {why}")
            }
            Action::SkipOlder {
                applied_at,
                applied_from,
                applied_duty,
            } => format!(
                "{what} is skipped: a {} at {} UTC from {} was already applied, \
                 and older data never overwrites newer",
                applied_duty.map_or("event", describe),
                applied_at.format("%Y-%m-%d %H:%M:%S"),
                applied_from,
            ),
            Action::Unmapped => format!(
                "{what} is parked: no AtHoc user has collar number {}; it is planned again \
                 after the next user-mapping sync",
                event.employee
            ),
        }
    }
}

/// The whole decision for a batch: one record per event, in input order, and
/// the rows that were invalid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub records: Vec<PlannedRecord>,
    pub invalid: Vec<RowError>,
}

/// A brake on mass changes: a change of `changing` items out of `total`
/// needs an operator's approval when it is both more than `min_count` items
/// and more than `max_fraction` of the total. Used for mapping purges
/// (10 %, 20) and stale cleanups (50 %, 20).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MassChangeGuard {
    pub max_fraction: f64,
    pub min_count: usize,
}

impl MassChangeGuard {
    pub fn requires_approval(&self, changing: usize, total: usize) -> bool {
        changing > self.min_count && changing as f64 > self.max_fraction * total as f64
    }
}

/// Decides what to do with every event of a batch.
///
/// Rules, in order, per employee:
/// 1. within the batch the latest event wins (by `at`; on equal times the
///    later source wins, by file name, then line); the others are
///    [`Action::Superseded`] by it;
/// 2. a winner at or before the ledger's last applied event (in the same
///    order: time, then source) is [`Action::SkipOlder`];
/// 3. a winner without a mapping is [`Action::Unmapped`];
/// 4. a book-on is [`Action::Set`], a book-off [`Action::Clear`]; a book-on
///    older than `stale_after` at `now` is a `Clear`: the person is treated
///    as off duty, as the stale cleanup would.
///
/// An event dated more than [`FUTURE_TOLERANCE`] after `now` is not
/// planned at all: it joins `row_errors` in `invalid`, with its reason.
///
/// Records come back in input order, one per (not future) event; `invalid`
/// is `row_errors` and then the future events. Same input, same plan: nothing depends on hash order.
pub fn plan(input: PlanInput<'_>) -> Plan {
    // Events dated well ahead of `now` are a typo or a wrong clock: applied,
    // they would sit in the ledger and block every real event until then.
    let in_future = |event: &DutyEvent| event.at - input.now > FUTURE_TOLERANCE;
    // The index of each employee's winning event, by a total order (see
    // `precedes`), so the winner does not depend on input order.
    let mut winners: BTreeMap<&EmployeeId, usize> = BTreeMap::new();
    for (index, event) in input.events.iter().enumerate() {
        if in_future(event) {
            continue;
        }
        winners
            .entry(&event.employee)
            .and_modify(|best| {
                if precedes(&input.events[*best], *best, event, index) {
                    *best = index;
                }
            })
            .or_insert(index);
    }
    let records = input
        .events
        .iter()
        .enumerate()
        .filter(|(_, event)| !in_future(event))
        .map(|(index, event)| {
            // Every employee in `events` has a winner.
            let winner_index = winners.get(&event.employee).copied().unwrap_or(index);
            let action = if winner_index == index {
                decide(event, &input)
            } else {
                superseded(&input.events[winner_index])
            };
            PlannedRecord {
                event: event.clone(),
                action,
            }
        })
        .collect();
    let future = input
        .events
        .iter()
        .filter(|e| in_future(e))
        .map(|event| RowError {
            source: event.source.clone(),
            employee: Some(event.employee.clone()),
            reason: format!(
                "{} of {} at {} is more than {} ahead of now ({} UTC), so it was not applied: \
             check the row, and the clock of the system that exported it",
                describe(event.duty),
                event.employee,
                when(event),
                hours(FUTURE_TOLERANCE),
                input.now.format("%Y-%m-%d %H:%M:%S"),
            ),
        });
    Plan {
        records,
        invalid: input.row_errors.iter().cloned().chain(future).collect(),
    }
}

/// How far ahead of `now` an event may be dated and still be applied: the
/// BOBO system's clock and this machine's may disagree a little.
pub const FUTURE_TOLERANCE: Duration = Duration::hours(1);

/// True when `a` (at `a_index`) comes before `b` (at `b_index`) in
/// latest-wins order: time, then source (file name, line). Two events from
/// the same file and line cannot come from intake; should they still meet,
/// a book-off beats a book-on and then the later input wins, so the order
/// stays total.
fn precedes(a: &DutyEvent, a_index: usize, b: &DutyEvent, b_index: usize) -> bool {
    let rank = |d: Duty| matches!(d, Duty::BookOff);
    (a.at, &a.source, rank(a.duty), a_index) < (b.at, &b.source, rank(b.duty), b_index)
}

fn superseded(winner: &DutyEvent) -> Action {
    Action::Superseded {
        by: winner.source.clone(),
        by_duty: Some(winner.duty),
        by_at: Some(winner.at),
    }
}

fn decide(event: &DutyEvent, input: &PlanInput<'_>) -> Action {
    if let Some(applied) = input.ledger.get(&event.employee) {
        // The same order as within a batch: time, then source. So two
        // events at the same second end the same way whether they arrive in
        // one batch or in two.
        if (event.at, &event.source) <= (applied.at, &applied.source) {
            return Action::SkipOlder {
                applied_at: applied.at,
                applied_from: applied.source.clone(),
                applied_duty: Some(applied.duty),
            };
        }
    }
    let Some(login) = input.mappings.get(&event.employee) else {
        return Action::Unmapped;
    };
    let login = login.clone();
    match event.duty {
        Duty::BookOff => Action::clear(login),
        Duty::BookOn if input.now - event.at > input.stale_after => Action::Clear {
            login,
            cause: Some(Box::new(ClearCause::OldBookOn {
                planned_at: input.now,
                cleanup_age_minutes: input.stale_after.num_minutes(),
            })),
        },
        Duty::BookOn => Action::Set { login },
    }
}

fn describe(duty: Duty) -> &'static str {
    match duty {
        Duty::BookOn => "book-on",
        Duty::BookOff => "book-off",
    }
}

/// An event's time for a reason: local wall-clock and UTC.
fn when(event: &DutyEvent) -> String {
    format!(
        "{} local ({} UTC)",
        event.local.format("%Y-%m-%d %H:%M:%S"),
        event.at.format("%Y-%m-%d %H:%M:%S")
    )
}

/// A duration for a reason: whole hours when it is whole hours.
fn hours(d: Duration) -> String {
    let minutes = d.num_minutes();
    match (minutes / 60, minutes % 60) {
        (1, 0) => "1 hour".to_owned(),
        (h, 0) => format!("{h} hours"),
        _ => format!("{minutes} minutes"),
    }
}

#[cfg(test)]
mod tests;
