//! Pure: the health model. Observations of conditions (by the part of the
//! engine that can see them) open and resolve incidents; the health state
//! and its one-line reason follow from the open incidents, pause and
//! activity. Repeated identical failures keep one incident open rather
//! than opening a stream of them. No I/O, no clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::athoc::AthocError;

use super::status::{Health, Incident, IncidentKind, Status};

/// Who can see a condition: an observation from a source resolves that
/// source's incidents it no longer reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A connection check or a batch that reached AtHoc.
    Connection,
    /// Listing the drop folder.
    Folder,
    /// Opening or writing the database.
    Store,
    /// A finished batch: per-record failures, unmapped employees.
    Batch,
    /// Batches that tried to send updates: whether AtHoc took them.
    Updates,
    /// Whether the stored mappings may be used (files wait otherwise).
    Mappings,
    /// The user-mapping sync itself (full cycles only).
    MappingSync,
    /// The failed folder: files whose events were never applied.
    FailedFolder,
    /// The connection and field-mapping checks.
    Checks,
    /// The pending approvals.
    Approvals,
    /// The "no BOBO file for too long" rule.
    Staleness,
    /// The engine's own supervisor (it saw the engine stop).
    Engine,
}

impl IncidentKind {
    /// The source that observes this kind.
    pub fn source(self) -> Source {
        match self {
            IncidentKind::AuthenticationRejected | IncidentKind::AthocUnreachable => {
                Source::Connection
            }
            IncidentKind::UpdatesFailing => Source::Updates,
            IncidentKind::MappingsNotSynced => Source::Mappings,
            IncidentKind::MappingSyncFailed => Source::MappingSync,
            IncidentKind::FolderUnavailable => Source::Folder,
            IncidentKind::DatabaseLocked => Source::Store,
            IncidentKind::FilesFailed => Source::FailedFolder,
            IncidentKind::CheckFailing => Source::Checks,
            IncidentKind::RecordFailures
            | IncidentKind::UnmappedEmployees
            | IncidentKind::CycleFailing => Source::Batch,
            IncidentKind::ApprovalWaiting => Source::Approvals,
            IncidentKind::NoBoboFiles => Source::Staleness,
            IncidentKind::EngineStopped => Source::Engine,
        }
    }
}

/// An incident opening or closing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Opened(Incident),
    Resolved(Incident),
}

/// The open incidents.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    open: BTreeMap<IncidentKind, Incident>,
    next_id: u64,
}

impl Incidents {
    /// Records what `source` sees now: each reported kind opens an incident
    /// unless one is already open (then only its summary follows); each of
    /// the source's open incidents not reported is resolved. Reports of
    /// kinds belonging to another source are ignored.
    pub fn observe(
        &mut self,
        now: DateTime<Utc>,
        source: Source,
        found: &[(IncidentKind, String)],
    ) -> Vec<Change> {
        let mut changes = Vec::new();
        let found: Vec<&(IncidentKind, String)> =
            found.iter().filter(|(k, _)| k.source() == source).collect();
        let gone: Vec<IncidentKind> = self
            .open
            .keys()
            .copied()
            .filter(|k| k.source() == source && !found.iter().any(|(f, _)| f == k))
            .collect();
        for kind in gone {
            if let Some(incident) = self.open.remove(&kind) {
                changes.push(Change::Resolved(incident));
            }
        }
        for (kind, summary) in found {
            match self.open.get_mut(kind) {
                Some(open) => open.summary = summary.clone(),
                None => {
                    self.next_id += 1;
                    let incident = Incident {
                        id: self.next_id,
                        kind: *kind,
                        summary: summary.clone(),
                        since: now,
                    };
                    self.open.insert(*kind, incident.clone());
                    changes.push(Change::Opened(incident));
                }
            }
        }
        changes
    }

    /// The open incidents, errors first.
    pub fn open(&self) -> Vec<&Incident> {
        let mut open: Vec<&Incident> = self.open.values().collect();
        open.sort_by_key(|i| (!i.kind.is_error(), i.kind));
        open
    }

    /// Since when the incident of `kind` has been open, if it is.
    pub fn since(&self, kind: IncidentKind) -> Option<DateTime<Utc>> {
        self.open.get(&kind).map(|i| i.since)
    }

    /// Whether an incident of `kind` is open.
    pub fn is_open(&self, kind: IncidentKind) -> bool {
        self.open.contains_key(&kind)
    }
}

/// The health and its reason: paused, else the first error, else syncing
/// (with what), else the first warning, else ok.
pub fn derive(paused: bool, syncing: Option<&str>, incidents: &Incidents) -> (Health, String) {
    let open = incidents.open();
    let describe = |list: &[&Incident]| match list {
        [] => String::new(),
        [one] => one.summary.clone(),
        [first, rest @ ..] => format!("{} (and {} more)", first.summary, rest.len()),
    };
    let errors: Vec<&Incident> = open.iter().copied().filter(|i| i.kind.is_error()).collect();
    let warnings: Vec<&Incident> = open
        .iter()
        .copied()
        .filter(|i| !i.kind.is_error())
        .collect();
    if paused {
        (Health::Paused, "paused by an operator".to_owned())
    } else if !errors.is_empty() {
        (Health::Error, describe(&errors))
    } else if let Some(what) = syncing {
        (Health::Syncing, what.to_owned())
    } else if !warnings.is_empty() {
        (Health::Warning, describe(&warnings))
    } else {
        (Health::Ok, "up to date".to_owned())
    }
}

/// Puts `health` and `reason` into `status`; `since` moves only when either
/// changed. Returns whether they changed.
pub fn apply(status: &mut Status, now: DateTime<Utc>, health: Health, reason: String) -> bool {
    if status.health == health && status.reason == reason {
        return false;
    }
    status.health = health;
    status.reason = reason;
    status.since = now;
    true
}

/// The engine stopped after an internal error (`what`, the panic's own
/// words): `status` becomes its last word — an error that names it and says
/// what to do, with an [`IncidentKind::EngineStopped`] incident (its id
/// above every open one's: ids tell the open incidents apart) among those
/// still open. Returns that incident.
pub fn engine_stopped(status: &mut Status, now: DateTime<Utc>, what: &str) -> Incident {
    let incident = Incident {
        id: status.incidents.iter().map(|i| i.id).max().unwrap_or(0) + 1,
        kind: IncidentKind::EngineStopped,
        summary: format!(
            "BoboSync stopped syncing after an internal error: restart BoboSync; nothing is \
             synced until then. The error (the log has where): {what}"
        ),
        since: now,
    };
    status.incidents.insert(0, incident.clone());
    apply(status, now, Health::Error, incident.summary.clone());
    incident
}

/// The standing incident's line while updates fail at the request level,
/// e.g. "AtHoc refuses updates: HTTP 503 since 14:02 (12 tries); 1 file
/// waits in the drop folder". `since` shows as wall-clock time of `zone`.
pub fn updates_failing_summary(
    error: Option<&AthocError>,
    since: DateTime<Utc>,
    tries: u32,
    files: usize,
    zone: Tz,
) -> String {
    let what = error.map_or_else(|| "request failed".to_owned(), AthocError::in_brief);
    let since = since.with_timezone(&zone).format("%H:%M");
    let tries = if tries == 1 {
        "1 try".to_owned()
    } else {
        format!("{tries} tries")
    };
    let files = if files == 1 {
        "1 file waits".to_owned()
    } else {
        format!("{files} files wait")
    };
    format!("AtHoc refuses updates: {what} since {since} ({tries}); {files} in the drop folder")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rstest::rstest;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 17, 14, minute, 0)
            .single()
            .unwrap_or_default()
    }

    fn auth() -> (IncidentKind, String) {
        (
            IncidentKind::AuthenticationRejected,
            "AtHoc refused the credentials".to_owned(),
        )
    }

    #[test]
    fn an_engine_that_stopped_says_so_above_every_other_incident() {
        let mut book = Incidents::default();
        book.observe(at(0), Source::Connection, &[auth()]);
        let mut status = Status::starting(at(0), true);
        status.incidents = book.open().into_iter().cloned().collect();
        let incident = engine_stopped(&mut status, at(5), "index out of bounds");
        assert_eq!(incident.kind, IncidentKind::EngineStopped);
        assert_eq!(status.health, Health::Error, "even while paused");
        assert_eq!(status.since, at(5));
        assert_eq!(
            status.reason,
            "BoboSync stopped syncing after an internal error: restart BoboSync; nothing is \
             synced until then. The error (the log has where): index out of bounds"
        );
        assert_eq!(status.incidents.first(), Some(&incident));
        assert_eq!(status.incidents.len(), 2, "the other incident stays shown");
        assert_eq!(incident.id, 2, "above the open incident's 1");
    }

    #[test]
    fn repeated_failures_are_one_incident_resolved_once() {
        let mut book = Incidents::default();
        let first = book.observe(at(0), Source::Connection, &[auth()]);
        assert!(matches!(first.as_slice(), [Change::Opened(i)] if i.id == 1 && i.since == at(0)));
        for minute in 1..10 {
            assert_eq!(
                book.observe(at(minute), Source::Connection, &[auth()]),
                vec![]
            );
        }
        let resolved = book.observe(at(10), Source::Connection, &[]);
        assert!(
            matches!(resolved.as_slice(), [Change::Resolved(i)] if i.id == 1 && i.since == at(0))
        );
        assert_eq!(book.observe(at(11), Source::Connection, &[]), vec![]);
    }

    #[test]
    fn a_source_resolves_only_its_own_kinds() {
        let mut book = Incidents::default();
        book.observe(at(0), Source::Connection, &[auth()]);
        let folder = (
            IncidentKind::FolderUnavailable,
            "drop folder missing".to_owned(),
        );
        book.observe(at(1), Source::Folder, &[folder]);
        assert_eq!(book.observe(at(2), Source::Folder, &[]).len(), 1);
        assert!(book.is_open(IncidentKind::AuthenticationRejected));
        // A report for another source's kind is ignored.
        assert_eq!(book.observe(at(3), Source::Folder, &[auth()]), vec![]);
    }

    #[test]
    fn one_kind_replacing_another_resolves_the_old() {
        let mut book = Incidents::default();
        book.observe(at(0), Source::Connection, &[auth()]);
        let down = (
            IncidentKind::AthocUnreachable,
            "AtHoc did not answer".to_owned(),
        );
        let changes = book.observe(at(1), Source::Connection, &[down]);
        assert!(matches!(
            changes.as_slice(),
            [Change::Resolved(a), Change::Opened(b)]
                if a.kind == IncidentKind::AuthenticationRejected && b.kind == IncidentKind::AthocUnreachable && b.id == 2
        ));
    }

    fn book_with(kinds: &[IncidentKind]) -> Incidents {
        let mut book = Incidents::default();
        for kind in kinds {
            book.observe(at(0), kind.source(), &[(*kind, format!("{kind:?}"))]);
        }
        book
    }

    #[rstest]
    #[case::nothing(false, None, &[], Health::Ok, "up to date")]
    #[case::paused_wins(true, Some("batch"), &[IncidentKind::AthocUnreachable], Health::Paused, "paused by an operator")]
    #[case::error_over_syncing(false, Some("batch"), &[IncidentKind::AthocUnreachable], Health::Error, "AthocUnreachable")]
    #[case::syncing_over_warning(false, Some("applying 1 file"), &[IncidentKind::NoBoboFiles], Health::Syncing, "applying 1 file")]
    #[case::warning(false, None, &[IncidentKind::UnmappedEmployees], Health::Warning, "UnmappedEmployees")]
    #[case::errors_before_warnings(false, None, &[IncidentKind::ApprovalWaiting, IncidentKind::FolderUnavailable], Health::Error, "FolderUnavailable")]
    #[case::several_warnings(false, None, &[IncidentKind::RecordFailures, IncidentKind::NoBoboFiles], Health::Warning, "RecordFailures (and 1 more)")]
    fn health_follows_pause_incidents_and_activity(
        #[case] paused: bool,
        #[case] syncing: Option<&str>,
        #[case] kinds: &[IncidentKind],
        #[case] health: Health,
        #[case] reason: &str,
    ) {
        assert_eq!(
            derive(paused, syncing, &book_with(kinds)),
            (health, reason.to_owned())
        );
    }

    #[test]
    fn updates_failing_says_what_since_when_and_how_often() {
        let server = AthocError::Server {
            endpoint: "POST /sync".into(),
            status: 503,
            detail: "down".into(),
        };
        assert_eq!(
            updates_failing_summary(Some(&server), at(2), 12, 1, chrono_tz::Europe::London),
            "AtHoc refuses updates: HTTP 503 since 15:02 (12 tries); 1 file waits in the drop folder"
        );
        let timeout = AthocError::Timeout {
            endpoint: "POST /sync".into(),
            timeout: std::time::Duration::from_secs(30),
        };
        assert_eq!(
            updates_failing_summary(Some(&timeout), at(2), 1, 3, chrono_tz::UTC),
            "AtHoc refuses updates: no reply in time since 14:02 (1 try); 3 files wait in the drop folder"
        );
    }

    #[test]
    fn since_moves_only_on_a_change() {
        let mut status = Status::starting(at(0), false);
        assert!(apply(&mut status, at(1), Health::Ok, "up to date".into()));
        assert!(!apply(&mut status, at(2), Health::Ok, "up to date".into()));
        assert_eq!(status.since, at(1));
        assert!(apply(&mut status, at(3), Health::Error, "down".into()));
        assert_eq!((status.health, status.since), (Health::Error, at(3)));
    }
}
