//! Connection and field-mapping checks (shell): the answers to "is BoboSync
//! set up right for this AtHoc organization?", each pass / warn / fail with
//! what to do. Works only from the documented endpoints: there is no public
//! way to list attribute definitions, so fields are judged by what comes back.

use std::collections::BTreeSet;

use chrono::Duration;
use serde::Serialize;

use crate::athoc::AthocError;
use crate::cycle::SyncContext;
use crate::mapping;

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
}

/// One check: what was looked at, what was found, what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    /// Stable identifier (`connection`, `collar_field`, …) for the UI.
    pub id: &'static str,
    pub title: String,
    pub status: CheckStatus,
    pub detail: String,
    /// What to do when it is not a pass.
    pub action: Option<String>,
    /// AtHoc's error when the check failed because AtHoc could not be used
    /// (signing in, reading the directory). Every full cycle connects first
    /// and reports those itself, so the runtime leaves them to the cycle's
    /// incidents rather than opening a second one for the same cause.
    #[serde(skip)]
    pub cause: Option<AthocError>,
    /// For the reconciliation check: how many people's AtHoc value differs
    /// from BOBO (beyond the stale cleanup catching up).
    #[serde(skip)]
    pub drift: Option<usize>,
}

/// Every check's `id`. Each has an entry in docs/operators-guide.md
/// (tested); a check with another id fails every debug build's test run.
pub const CHECK_IDS: &[&str] = &[
    "settings",
    "drop_folder",
    "processed_folder",
    "failed_folder",
    "time_zone",
    "date_format",
    "trust_store",
    "connection",
    "directory",
    "collar_field",
    "collar_duplicates",
    "duty_field",
    "duty_day_month",
    "database",
    "mapping_age",
    "unmapped",
    "duty_values",
];

impl CheckResult {
    fn new(
        id: &'static str,
        title: &str,
        status: CheckStatus,
        detail: String,
        action: Option<String>,
    ) -> Self {
        debug_assert!(
            CHECK_IDS.contains(&id),
            "check `{id}` is not in CHECK_IDS: add it there and to docs/operators-guide.md"
        );
        Self {
            id,
            title: title.to_owned(),
            status,
            detail,
            action,
            cause: None,
            drift: None,
        }
    }
}

/// How many sample values a check shows.
const SAMPLES: usize = 3;

/// Runs every check: the folders, the date format and time zone, AtHoc
/// (connection, role, field mapping) and the stored mappings. Checks that
/// need AtHoc are skipped (as failed) when the connection itself fails.
pub async fn run_checks(ctx: &SyncContext) -> Vec<CheckResult> {
    let mut results = folder_checks(ctx);
    let connection = run_connection_checks(ctx).await;
    let connected = !connection
        .iter()
        .any(|r| r.id == "connection" && r.status == CheckStatus::Fail);
    results.extend(connection);
    results.extend(store_checks(ctx).await);
    if connected {
        results.push(reconcile_check(ctx).await);
    }
    results
}

/// AtHoc's duty values against the ledger: a person on duty in AtHoc whose
/// last BOBO event is a book-off, or booked on in BOBO but empty (or
/// another time) in AtHoc, fails; only the stale cleanup catching up warns.
async fn reconcile_check(ctx: &SyncContext) -> CheckResult {
    let title = "Duty values match BOBO";
    let report = match ctx.reconcile(false, false).await {
        Ok(report) => report,
        Err(e) => {
            let cause = match &e {
                crate::cycle::CycleError::Athoc(a) => Some(a.clone()),
                _ => None,
            };
            return CheckResult {
                cause,
                ..CheckResult::new(
                    "duty_values",
                    title,
                    CheckStatus::Fail,
                    format!("cannot compare: {e}"),
                    None,
                )
            };
        }
    };
    let r = &report.reconciliation;
    let serious: Vec<String> = r
        .drift
        .iter()
        .filter(|d| d.kind.is_serious())
        .take(SAMPLES)
        .map(|d| {
            format!(
                "{} ({}): AtHoc {}, BOBO {}",
                d.employee,
                d.login,
                d.athoc.as_deref().unwrap_or("empty"),
                d.expected.as_deref().unwrap_or("off duty"),
            )
        })
        .collect();
    let stale = r.drift.len() - r.serious();
    let mut result = if r.serious() > 0 {
        CheckResult::new(
            "duty_values",
            title,
            CheckStatus::Fail,
            format!(
                "{} of {} people differ from their last BOBO event: {}{}",
                r.serious(),
                r.compared,
                serious.join("; "),
                if r.serious() > serious.len() {
                    "; …"
                } else {
                    ""
                }
            ),
            Some(format!(
                "`{}` lists them; `{}` writes BOBO's duty status to AtHoc",
                ctx.hint("reconcile"),
                ctx.hint("reconcile --fix")
            )),
        )
    } else if stale > 0 {
        CheckResult::new(
            "duty_values",
            title,
            CheckStatus::Warn,
            format!("{stale} people are still on duty in AtHoc after their book-on became stale; the stale cleanup clears them"),
            Some(format!("if it waits for approval, approve it (`{}`)", ctx.hint("cleanup --approve"))),
        )
    } else {
        CheckResult::new(
            "duty_values",
            title,
            CheckStatus::Pass,
            format!(
                "the duty values of all {} people with BOBO events match their last event",
                r.compared
            ),
            None,
        )
    };
    result.drift = Some(r.serious());
    result
}

/// The checks that need no folder and no database: settings warnings, the
/// date format and time zone, and AtHoc (the first-run wizard's connection
/// test, before folders are chosen).
pub async fn run_connection_checks(ctx: &SyncContext) -> Vec<CheckResult> {
    let mut results = Vec::new();
    if let Some(notice) = ctx.client().trust_notice() {
        results.push(CheckResult::new(
            "trust_store",
            "Trusted certificates",
            CheckStatus::Warn,
            notice.to_owned(),
            None,
        ));
    }
    for warning in ctx.settings().warnings() {
        results.push(CheckResult::new(
            "settings",
            "Settings",
            CheckStatus::Warn,
            warning,
            None,
        ));
    }
    results.extend(format_checks(ctx));
    match ctx.client().check_connection().await {
        Ok(()) => results.push(CheckResult::new(
            "connection",
            "Authentication and token",
            CheckStatus::Pass,
            format!(
                "signed in to organization {} and read its users",
                ctx.settings().athoc.org_code
            ),
            None,
        )),
        Err(e) => {
            results.push(connection_failure(&e));
            return results;
        }
    }
    results.extend(field_checks(ctx).await);
    results
}

/// The drop, processed and failed folders: each exists and BoboSync may
/// write to it, and a file can be renamed from the drop folder into the
/// other two (same volume, so a move is atomic and never half done). Proven
/// by doing it with a small probe file, which is removed again.
fn folder_checks(ctx: &SyncContext) -> Vec<CheckResult> {
    let paths = &ctx.settings().paths;
    let folders = [
        (
            "drop_folder",
            "Drop folder",
            "CSV_DIRECTORY",
            &paths.drop_dir,
        ),
        (
            "processed_folder",
            "Processed folder",
            "PROCESSED_DIRECTORY",
            &paths.processed_dir,
        ),
        (
            "failed_folder",
            "Failed folder",
            "FAILED_FILES_DIRECTORY",
            &paths.failed_dir,
        ),
    ];
    let mut results = Vec::new();
    // Unique per run: an operator's run and the scheduled one may overlap.
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let probe_name = format!(".bobosync-check-{}-{run}.tmp", std::process::id());
    let drop_probe = paths.drop_dir.join(&probe_name);
    let drop_ok = match probe_folder(&paths.drop_dir, &drop_probe) {
        Ok(()) => true,
        Err(problem) => {
            results.push(CheckResult::new(
                "drop_folder",
                "Drop folder",
                CheckStatus::Fail,
                format!("{}: {problem}", paths.drop_dir.display()),
                Some(
                    "create the folder BOBO exports to, give the account BoboSync runs as the right \
                     to read, write and delete files in it, or set CSV_DIRECTORY to the right folder"
                        .to_owned(),
                ),
            ));
            false
        }
    };
    if drop_ok {
        results.push(CheckResult::new(
            "drop_folder",
            "Drop folder",
            CheckStatus::Pass,
            format!(
                "{} exists and BoboSync may write to it",
                paths.drop_dir.display()
            ),
            None,
        ));
    }
    for (id, title, key, dir) in &folders[1..] {
        let result = match std::fs::create_dir_all(dir) {
            Err(e) => CheckResult::new(
                id,
                title,
                CheckStatus::Fail,
                format!("{} does not exist and cannot be created: {e}", dir.display()),
                Some(format!("create it, or set {key} to a folder BoboSync may write to")),
            ),
            Ok(()) if !drop_ok => CheckResult::new(
                id,
                title,
                CheckStatus::Pass,
                format!("{} exists (moves from the drop folder not tried)", dir.display()),
                None,
            ),
            Ok(()) => match move_probe(&drop_probe, &dir.join(&probe_name)) {
                Probe::SameVolume => CheckResult::new(
                    id,
                    title,
                    CheckStatus::Pass,
                    format!(
                        "{} is writable and on the same volume as the drop folder",
                        dir.display()
                    ),
                    None,
                ),
                Probe::OtherVolume => CheckResult::new(
                    id,
                    title,
                    CheckStatus::Warn,
                    format!(
                        "{} is on another volume than the drop folder: files are copied there and \
                         then deleted from the drop folder, not moved in one step",
                        dir.display()
                    ),
                    Some(format!(
                        "for atomic moves, set {key} to a folder on the same drive as the drop folder"
                    )),
                ),
                Probe::Refused(problem) => CheckResult::new(
                    id,
                    title,
                    CheckStatus::Fail,
                    format!("{}: {problem}", dir.display()),
                    Some(format!(
                        "give the account BoboSync runs as the right to write to it, or set {key} to a \
                         folder it may write to"
                    )),
                ),
            },
        };
        results.push(result);
    }
    let _ = std::fs::remove_file(&drop_probe);
    results
}

/// Creates `probe` in `dir` (which must exist and be a folder).
fn probe_folder(dir: &std::path::Path, probe: &std::path::Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("does not exist".to_owned())
        }
        Err(e) => return Err(format!("cannot be looked at ({e})")),
        Ok(meta) if !meta.is_dir() => return Err("is not a folder".to_owned()),
        Ok(_) => {}
    }
    std::fs::write(probe, b"bobosync check\n")
        .map_err(|e| format!("BoboSync cannot write to it ({e})"))
}

/// What moving a file from the drop folder into another folder does.
enum Probe {
    SameVolume,
    /// Files are copied and then deleted instead (`folder::move_into` does
    /// that across volumes): it works, but not in one atomic step.
    OtherVolume,
    Refused(String),
}

/// Renames the probe `from` (in the drop folder) to `to` and back. Leaves
/// `from` in place for the next folder whatever happens, and nothing behind
/// in the other folder.
fn move_probe(from: &std::path::Path, to: &std::path::Path) -> Probe {
    match std::fs::rename(from, to) {
        Ok(()) => {
            if std::fs::rename(to, from).is_err() {
                let _ = std::fs::remove_file(to);
                let _ = std::fs::write(from, b"bobosync check\n");
            }
            Probe::SameVolume
        }
        Err(e) if is_cross_device(&e) => match std::fs::write(to, b"bobosync check\n") {
            Ok(()) => {
                let _ = std::fs::remove_file(to);
                Probe::OtherVolume
            }
            Err(e) => Probe::Refused(format!("BoboSync cannot write to it ({e})")),
        },
        Err(e) => Probe::Refused(format!(
            "a file cannot be moved there from the drop folder ({e})"
        )),
    }
}

fn is_cross_device(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::CrossesDevices
}

/// The date format and the time zone, shown with the current time so an
/// operator can see they are right.
fn format_checks(ctx: &SyncContext) -> Vec<CheckResult> {
    let settings = ctx.settings();
    let local = crate::time::utc_to_local(ctx.now(), settings.time_zone);
    vec![
        CheckResult::new(
            "time_zone",
            "Time zone",
            CheckStatus::Pass,
            format!(
                "BOBO times are read as wall-clock times of {} (it is {} there now)",
                settings.time_zone.name(),
                local.format("%Y-%m-%d %H:%M")
            ),
            None,
        ),
        CheckResult::new(
            "date_format",
            "AtHoc date format",
            CheckStatus::Pass,
            format!(
                "duty values are written as {} ({})",
                ctx.date_format().format(local),
                settings.date_format
            ),
            None,
        ),
    ]
}

fn connection_failure(e: &AthocError) -> CheckResult {
    let action = match e {
        AthocError::Authentication { .. } => "check APIUSER/PASSWORD and CLIENT_ID/CLIENT_SECRET (and ORG_CODE)",
        AthocError::Forbidden { .. } => {
            "give the API operator a role that may read and update users, or renew its expired password"
        }
        AthocError::NotFound { .. } => "check ORG_CODE and ATHOC_SERVER_URL",
        AthocError::Certificate { .. } => {
            "the server's TLS certificate was refused (see above): trust its CA with SSL_CERT_PATH, \
             or have the AtHoc administrator renew or correct the certificate"
        }
        _ => "check ATHOC_SERVER_URL, the network, proxy and TLS settings, then try again",
    };
    CheckResult {
        cause: Some(e.clone()),
        ..CheckResult::new(
            "connection",
            "Authentication and token",
            CheckStatus::Fail,
            e.to_string(),
            Some(action.to_owned()),
        )
    }
}

async fn field_checks(ctx: &SyncContext) -> Vec<CheckResult> {
    let fields = &ctx.settings().fields;
    let (collar, duty) = (
        fields.collar_attribute.as_str(),
        fields.duty_attribute.as_str(),
    );
    let directory = match ctx.client().fetch_users(&[collar, duty]).await {
        Ok(directory) => directory,
        Err(e) => {
            return vec![CheckResult {
                cause: Some(e.clone()),
                ..CheckResult::new(
                    "directory",
                    "User directory",
                    CheckStatus::Fail,
                    e.to_string(),
                    Some("the user directory must be read completely before anything is mapped; see the error".to_owned()),
                )
            }]
        }
    };
    let mut results = Vec::new();
    let users = directory.users.len();

    // The collar field: comes back, coverage, duplicates.
    let pairs: Vec<_> = directory
        .users
        .iter()
        .map(|u| (u.login.clone(), u.field(collar).map(str::to_owned)))
        .collect();
    let built = mapping::build_mappings(&pairs);
    let with_collar = users - built.without_collar;
    results.push(if with_collar == 0 {
        CheckResult::new(
            "collar_field",
            "Collar number field",
            CheckStatus::Fail,
            format!("none of the {users} users has a value for {collar:?}"),
            Some(format!(
                "set COLLAR_ID_FIELD to the common name of the AtHoc attribute that holds the collar number \
                 (it is {collar:?} now), and check that users have it filled in"
            )),
        )
    } else {
        CheckResult::new(
            "collar_field",
            "Collar number field",
            CheckStatus::Pass,
            format!("{with_collar} of {users} users have a {collar:?} value"),
            None,
        )
    });
    if !built.duplicates.is_empty() {
        let listed: Vec<String> = built
            .duplicates
            .iter()
            .map(|(id, logins)| {
                format!(
                    "{id}: {}",
                    logins
                        .iter()
                        .map(|l| l.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        results.push(CheckResult::new(
            "collar_duplicates",
            "Duplicate collar numbers",
            CheckStatus::Warn,
            format!(
                "{} collar number(s) belong to more than one user and are not mapped: {}",
                listed.len(),
                listed.join("; ")
            ),
            Some("correct the collar numbers in AtHoc so each belongs to one user".to_owned()),
        ));
    }

    // The duty field: values parse with the configured format.
    let format = ctx.date_format();
    let values: Vec<&str> = directory
        .users
        .iter()
        .filter_map(|u| u.field(duty))
        .collect();
    let mut bad = Vec::new();
    let mut ambiguous = Vec::new();
    for value in &values {
        match format.parse_value(value) {
            Ok(parsed) if format.day_month_ambiguous(parsed) => ambiguous.push(*value),
            Ok(_) => {}
            Err(_) => bad.push(*value),
        }
    }
    let samples = |list: &[&str]| {
        list.iter()
            .take(SAMPLES)
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    results.push(if values.is_empty() {
        CheckResult::new(
            "duty_field",
            "Duty field values",
            CheckStatus::Warn,
            format!("no user has a value for {duty:?} yet, so its format cannot be checked"),
            Some(format!(
                "check that DUTY_STATUS_FIELD ({duty:?}) is the common name of a Date Time attribute; the first book-on will fill it"
            )),
        )
    } else if !bad.is_empty() {
        CheckResult::new(
            "duty_field",
            "Duty field values",
            CheckStatus::Fail,
            format!(
                "{} of {} {duty:?} values do not match ATHOC_DATE_FORMAT {:?}, e.g. {}",
                bad.len(),
                values.len(),
                format.pattern(),
                samples(&bad)
            ),
            Some("set ATHOC_DATE_FORMAT to the organization's date-time format".to_owned()),
        )
    } else {
        CheckResult::new(
            "duty_field",
            "Duty field values",
            CheckStatus::Pass,
            format!("all {} {duty:?} values match {:?}, e.g. {}", values.len(), format.pattern(), samples(&values)),
            None,
        )
    });
    if !ambiguous.is_empty() && bad.is_empty() && ambiguous.len() == values.len() {
        results.push(CheckResult::new(
            "duty_day_month",
            "Day/month order",
            CheckStatus::Warn,
            format!(
                "every value has a day of 12 or less (e.g. {}), so day and month could be swapped unnoticed",
                samples(&ambiguous)
            ),
            Some(format!(
                "compare a value in AtHoc's user screen with {:?} to confirm the order of day and month",
                format.pattern()
            )),
        ));
    }
    results
}

async fn store_checks(ctx: &SyncContext) -> Vec<CheckResult> {
    let now = ctx.now();
    let retry_days = ctx.settings().mapping.retry_days;
    let found = ctx
        .store()
        .call(|s| {
            Ok((
                s.last_mapping_sync()?,
                s.mapping_count()?,
                s.parked_events()?,
            ))
        })
        .await;
    let (last, count, parked) = match found {
        Ok(found) => found,
        Err(e) => {
            return vec![CheckResult::new(
                "database",
                "Database",
                CheckStatus::Fail,
                e.to_string(),
                Some("check DB_PATH and that no other program holds the database".to_owned()),
            )]
        }
    };
    let mut results = Vec::new();
    let success = last.as_ref().and_then(|l| l.last_success);
    results.push(match success {
        None => CheckResult::new(
            "mapping_age",
            "User mapping",
            CheckStatus::Warn,
            format!("{count} mappings stored; no successful mapping sync recorded"),
            Some(format!("run `{}`", ctx.hint("sync-mappings"))),
        ),
        Some(at) if now - at > Duration::days(i64::from(retry_days)) => CheckResult::new(
            "mapping_age",
            "User mapping",
            CheckStatus::Warn,
            format!(
                "{count} mappings, last synced {} (UTC)",
                at.format("%Y-%m-%d %H:%M")
            ),
            Some(format!(
                "run `{}` and look at why the scheduled sync has not succeeded",
                ctx.hint("sync-mappings")
            )),
        ),
        Some(at) => CheckResult::new(
            "mapping_age",
            "User mapping",
            CheckStatus::Pass,
            format!(
                "{count} mappings, last synced {} (UTC)",
                at.format("%Y-%m-%d %H:%M")
            ),
            None,
        ),
    });
    let unmapped: BTreeSet<String> = parked
        .iter()
        .map(|p| p.event.employee.to_string())
        .collect();
    if !unmapped.is_empty() {
        results.push(CheckResult::new(
            "unmapped",
            "Employee IDs without a user",
            CheckStatus::Warn,
            format!(
                "{} employee ID(s) in recent files map to no AtHoc user: {}",
                unmapped.len(),
                unmapped.into_iter().collect::<Vec<_>>().join(", ")
            ),
            Some("give these people their collar number in AtHoc; their events apply after the next mapping sync".to_owned()),
        ));
    }
    results
}
