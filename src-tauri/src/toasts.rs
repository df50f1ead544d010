//! Desktop toasts for incidents: one when an incident opens (AtHoc
//! unreachable only after a grace period), one "resolved" when it clears —
//! caught up from the status when the tray fell behind the engine's events;
//! and one when the window cannot open, ends without being closed or hangs.
//! The texts are fixed per kind: never a secret, a login or a name.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use engine::runtime::{Incident, IncidentKind};
use tauri::{AppHandle, Manager as _, Runtime};

/// How long AtHoc may be unreachable before a toast (transient outages
/// are ridden out silently). `BOBOSYNC_UNREACHABLE_GRACE_SECONDS` overrides.
pub const UNREACHABLE_GRACE: Duration = Duration::from_secs(5 * 60);

/// Which incidents were toasted (so only those get a "resolved" toast), and
/// which are open, by kind.
#[derive(Default)]
pub struct Toasts {
    open: Mutex<HashMap<IncidentKind, Toasted>>,
    next: Mutex<u64>,
}

/// An open incident, as the toasts know it.
#[derive(Debug, Clone, Copy)]
struct Toasted {
    /// Which opening this is (a grace timer of an earlier one leaves it be).
    generation: u64,
    /// The engine's id of the incident: the same one opening again (an
    /// event that arrived after the tray caught up) is not toasted twice.
    incident: u64,
    /// Whether its toast was shown (after the grace period, for some).
    shown: bool,
}

/// The title and body of the toast for `kind` opening.
pub fn opened_text(kind: IncidentKind) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        IncidentKind::AuthenticationRejected => (
            "BoboSync: AtHoc refused the credentials",
            "Duty updates are on hold. Check the password and client secret in Settings.",
        ),
        IncidentKind::AthocUnreachable => (
            "BoboSync: AtHoc cannot be reached",
            "Duty updates are waiting and will be sent when AtHoc answers again.",
        ),
        IncidentKind::UpdatesFailing => (
            "BoboSync: AtHoc refuses duty updates",
            "Sign-in works but the updates fail. Files wait in the drop folder and are sent when AtHoc takes them.",
        ),
        IncidentKind::MappingsNotSynced => (
            "BoboSync: user mappings not synced yet",
            "Files wait until the first user-mapping sync succeeds. Check the connection to AtHoc.",
        ),
        IncidentKind::MappingSyncFailed => (
            "BoboSync: the user-mapping sync failed",
            "The stored mappings are kept. Open BoboSync for the reason.",
        ),
        IncidentKind::CycleFailing => (
            "BoboSync: a sync step fails",
            "Open BoboSync for what fails and what to do.",
        ),
        IncidentKind::CheckFailing => (
            "BoboSync: a settings check fails",
            "Open BoboSync → Checks for what fails and what to do.",
        ),
        IncidentKind::FilesFailed => (
            "BoboSync: BOBO files wait in the failed folder",
            "Their duty events were never applied. Fix the cause, then move them back into the drop folder.",
        ),
        IncidentKind::RecordFailures => (
            "BoboSync: AtHoc refused some updates",
            "Some duty updates were refused by AtHoc. See History for which.",
        ),
        IncidentKind::ApprovalWaiting => (
            "BoboSync: approval needed",
            "A large change waits for your approval. Open BoboSync to review it.",
        ),
        IncidentKind::NoBoboFiles => (
            "BoboSync: no BOBO file arrived",
            "No BOBO export arrived for a while during active hours. Check the export.",
        ),
        IncidentKind::FolderUnavailable => (
            "BoboSync: the drop folder is unavailable",
            "BOBO files cannot be read. Check the drop folder in Settings.",
        ),
        IncidentKind::DatabaseLocked => (
            "BoboSync: the database is busy",
            "Another program holds BoboSync's database. Close it.",
        ),
        IncidentKind::EngineStopped => (
            "BoboSync stopped syncing",
            "An internal error stopped it; nothing is synced until it is restarted. Quit BoboSync from the tray menu and start it again; the log has the details.",
        ),
        // Shown in the window; a toast per unmapped ID would be noise.
        IncidentKind::UnmappedEmployees => return None,
    })
}

/// The title of the "resolved" toast for `kind`.
pub fn resolved_text(kind: IncidentKind) -> &'static str {
    match kind {
        IncidentKind::AuthenticationRejected => "BoboSync: AtHoc accepts the credentials again",
        IncidentKind::AthocUnreachable => "BoboSync: AtHoc is reachable again",
        IncidentKind::UpdatesFailing => "BoboSync: AtHoc takes duty updates again",
        IncidentKind::MappingsNotSynced => "BoboSync: user mappings synced",
        IncidentKind::MappingSyncFailed => "BoboSync: the user-mapping sync works again",
        IncidentKind::CheckFailing => "BoboSync: the checks pass again",
        IncidentKind::CycleFailing => "BoboSync: the sync steps work again",
        IncidentKind::FilesFailed => "BoboSync: no file waits in the failed folder",
        IncidentKind::RecordFailures => "BoboSync: AtHoc accepts the updates again",
        IncidentKind::ApprovalWaiting => "BoboSync: no approval waiting any more",
        IncidentKind::NoBoboFiles => "BoboSync: BOBO files arrive again",
        IncidentKind::FolderUnavailable => "BoboSync: the drop folder is available again",
        IncidentKind::DatabaseLocked => "BoboSync: the database is free again",
        IncidentKind::UnmappedEmployees => "BoboSync: every employee ID is mapped",
        // Never resolved: the engine that would see it gone has stopped.
        IncidentKind::EngineStopped => "BoboSync: syncing again",
    }
}

/// The window's own failures: it could not start, or it ended without
/// being closed (its process crashed or was killed). The engine is not
/// touched by either, and the toast says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(strum::EnumIter))]
pub enum WindowFailure {
    CannotOpen,
    EndedUnexpectedly,
    /// It stopped reading what the tray sends (hung): the tray ended it.
    StoppedAnswering,
}

/// The title and body of the toast for a window failure.
pub fn window_failure_text(failure: WindowFailure) -> (&'static str, &'static str) {
    match failure {
        WindowFailure::CannotOpen => (
            "BoboSync: the window cannot open",
            "Syncing goes on. Try Open BoboSync again from the tray menu; the log says what went wrong.",
        ),
        WindowFailure::EndedUnexpectedly => (
            "BoboSync: the window closed unexpectedly",
            "Syncing goes on. Open BoboSync again from the tray menu; the log says what went wrong.",
        ),
        WindowFailure::StoppedAnswering => (
            "BoboSync: the window stopped answering",
            "BoboSync closed it; syncing goes on. Open BoboSync again from the tray menu.",
        ),
    }
}

/// The window failed (see [`WindowFailure`]).
pub fn window_failed<R: Runtime>(app: &AppHandle<R>, failure: WindowFailure) {
    let (title, body) = window_failure_text(failure);
    show(app, title, body);
}

fn grace() -> Duration {
    std::env::var("BOBOSYNC_UNREACHABLE_GRACE_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(UNREACHABLE_GRACE, Duration::from_secs)
}

fn show<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    use tauri_plugin_notification::NotificationExt as _;
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!("cannot show a desktop notification: {e}");
    }
}

/// The tray fell behind the engine's events (some were dropped, incident
/// openings and resolutions among them, perhaps): the toasts catch up with
/// `open`, the incidents the status says are open now — a "resolved" for
/// each kind the tray thought open that no longer is, and a toast for each
/// open incident not toasted yet ([`incident_opened`] is once per incident).
pub fn catch_up<R: Runtime>(app: &AppHandle<R>, open: &[Incident]) {
    let Some(toasts) = app.try_state::<Toasts>() else {
        return;
    };
    let known: Vec<IncidentKind> = toasts
        .open
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .keys()
        .copied()
        .collect();
    for kind in gone(&known, open) {
        incident_resolved(app, kind);
    }
    for incident in open {
        incident_opened(app, incident);
    }
}

/// The kinds the tray knew open that `open` no longer has.
fn gone(known: &[IncidentKind], open: &[Incident]) -> Vec<IncidentKind> {
    known
        .iter()
        .copied()
        .filter(|k| open.iter().all(|i| i.kind != *k))
        .collect()
}

/// Records an incident of `kind` opening; false when that very incident was
/// already recorded (reported again: no second toast).
fn record_opening(
    open: &mut HashMap<IncidentKind, Toasted>,
    kind: IncidentKind,
    toasted: Toasted,
) -> bool {
    if open
        .get(&kind)
        .is_some_and(|t| t.incident == toasted.incident)
    {
        return false;
    }
    open.insert(kind, toasted);
    true
}

/// An incident opened (once per incident, however often it is reported).
pub fn incident_opened<R: Runtime>(app: &AppHandle<R>, incident: &Incident) {
    let kind = incident.kind;
    let Some((title, body)) = opened_text(kind) else {
        return;
    };
    let Some(toasts) = app.try_state::<Toasts>() else {
        return;
    };
    let generation = {
        let mut next = toasts.next.lock().unwrap_or_else(|p| p.into_inner());
        *next += 1;
        *next
    };
    let delay = (kind == IncidentKind::AthocUnreachable).then(grace);
    let toasted = Toasted {
        generation,
        incident: incident.id,
        shown: delay.is_none(),
    };
    let mut open = toasts.open.lock().unwrap_or_else(|p| p.into_inner());
    if !record_opening(&mut open, kind, toasted) {
        return;
    }
    drop(open);
    match delay {
        None => show(app, title, body),
        Some(delay) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(delay).await;
                let Some(toasts) = app.try_state::<Toasts>() else {
                    return;
                };
                let still_open = {
                    let mut open = toasts.open.lock().unwrap_or_else(|p| p.into_inner());
                    match open.get_mut(&kind) {
                        Some(t) if t.generation == generation => {
                            t.shown = true;
                            true
                        }
                        _ => false,
                    }
                };
                if still_open {
                    show(&app, title, body);
                }
            });
        }
    }
}

/// An incident of `kind` cleared: a toast when its opening was toasted.
pub fn incident_resolved<R: Runtime>(app: &AppHandle<R>, kind: IncidentKind) {
    let Some(toasts) = app.try_state::<Toasts>() else {
        return;
    };
    let was = toasts
        .open
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&kind);
    if was.is_some_and(|t| t.shown) {
        show(app, resolved_text(kind), "Open BoboSync for details.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operators_guide_quotes_every_notification_as_shown() {
        use strum::IntoEnumIterator as _;
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/operators-guide.md");
        let guide = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
        // As rendered: line breaks inside a paragraph are spaces.
        let guide = guide.split_whitespace().collect::<Vec<_>>().join(" ");
        for kind in IncidentKind::iter() {
            if let Some((title, body)) = opened_text(kind) {
                let quoted = format!("Notification: \"{title} — {body}\"");
                assert!(guide.contains(&quoted), "the guide lacks {quoted}");
            }
        }
        for failure in WindowFailure::iter() {
            let (title, body) = window_failure_text(failure);
            let quoted = format!("Notification: \"{title} — {body}\"");
            assert!(guide.contains(&quoted), "the guide lacks {quoted}");
        }
    }

    #[test]
    fn a_tray_that_fell_behind_resolves_what_closed_unseen() {
        use IncidentKind::*;
        let incident = |kind| Incident {
            id: 1,
            kind,
            summary: String::new(),
            since: chrono::Utc::now(),
        };
        let known = [AthocUnreachable, FilesFailed];
        let open = [incident(FilesFailed), incident(DatabaseLocked)];
        // AthocUnreachable cleared unseen; FilesFailed is still open.
        assert_eq!(gone(&known, &open), vec![AthocUnreachable]);
        assert_eq!(gone(&[FilesFailed], &open), vec![]);
    }

    #[test]
    fn an_incident_reported_twice_is_toasted_once_and_a_new_one_again() {
        let mut open = HashMap::new();
        let kind = IncidentKind::FilesFailed;
        let opening = |generation, incident| Toasted {
            generation,
            incident,
            shown: true,
        };
        assert!(record_opening(&mut open, kind, opening(1, 7)));
        // Its event arriving after the tray caught up from the status.
        assert!(!record_opening(&mut open, kind, opening(2, 7)));
        assert_eq!(open.get(&kind).map(|t| t.generation), Some(1));
        // Another incident of the kind (the first one resolved unseen).
        assert!(record_opening(&mut open, kind, opening(3, 9)));
    }

    #[test]
    fn every_toast_text_is_fixed_and_names_no_one() {
        use IncidentKind::*;
        for kind in [
            AuthenticationRejected,
            AthocUnreachable,
            FolderUnavailable,
            DatabaseLocked,
            FilesFailed,
            RecordFailures,
            ApprovalWaiting,
            NoBoboFiles,
            UnmappedEmployees,
            EngineStopped,
        ] {
            let texts = [
                opened_text(kind).map_or("", |t| t.0),
                opened_text(kind).map_or("", |t| t.1),
                resolved_text(kind),
            ];
            for t in texts {
                assert!(!t.contains('@') && !t.contains('{'), "{t}");
            }
        }
    }
}
