//! How the command shows engine reports: short human text on stdout (or
//! JSON when asked). Problems go to stdout too, so a scheduler's captured
//! output tells the whole story; the log file has the details.

use engine::checks::{CheckResult, CheckStatus};
use engine::cycle::{CleanupReport, CycleReport, History, MappingReport, Preview, ReconcileReport};
use engine::event::escape_controls as esc;
use engine::plan::Action;
use engine::reconcile::DriftKind;

pub fn cycle(report: &CycleReport) {
    if let Some(mapping) = &report.mapping {
        self::mapping(mapping, None);
    }
    for batch in &report.batches {
        println!(
            "batch {}: {} file(s), {} event(s): {} set, {} cleared, {} skipped as older, {} superseded, {} unmapped, {} invalid row(s), {} refused by AtHoc, {} not applied",
            batch.batch_id,
            batch.files.len(),
            batch.events,
            batch.set,
            batch.cleared,
            batch.skipped_older,
            batch.superseded,
            batch.unmapped,
            batch.invalid,
            batch.rejected,
            batch.failed,
        );
    }
    if report.batches.is_empty() && report.failures.is_empty() {
        println!("no new BOBO files");
    }
    if let Some(c) = &report.cleanup {
        cleanup(c, None);
    }
    if report.purged_files > 0 {
        println!("purged {} old processed file(s)", report.purged_files);
    }
    // Names and quoted fields come from the drop folder: no control
    // character reaches the terminal or a scheduler's log.
    for warning in &report.warnings {
        println!("warning: {}", esc(warning));
    }
    for approval in &report.approvals_needed {
        println!("waiting for approval: {}", esc(approval));
    }
    for failure in report.failures.iter().chain(&report.unapplied) {
        println!("error: {}", esc(&failure.message));
    }
}

/// `approve`: the approving command, to show where a guarded purge stands
/// (`None` in a cycle's report, whose approvals are listed on their own).
pub fn mapping(m: &MappingReport, approve: Option<&str>) {
    println!(
        "user mappings ({}): {} users fetched, {} mapped ({} added, {} changed, {} removed), {} without a collar number{}",
        m.reason,
        m.users_fetched,
        m.mapped,
        m.added,
        m.changed,
        m.removed,
        m.without_collar,
        if m.applied { "" } else { " — NOT applied" }
    );
    if let (Some(guarded), Some(approve)) = (&m.approval, approve) {
        println!("waiting for approval: {}", guarded.describe(approve));
    }
    if !m.duplicates.is_empty() {
        println!(
            "warning: collar numbers held by more than one user (not mapped): {}",
            m.duplicates.join(", ")
        );
    }
}

/// `approve` as for [`mapping`].
pub fn cleanup(c: &CleanupReport, approve: Option<&str>) {
    if c.dry_run {
        println!(
            "stale cleanup (dry run): {} of {} duty values are stale and would be cleared",
            c.stale, c.values_set
        );
    } else if let Some(guarded) = &c.approval {
        match approve {
            Some(approve) => println!("stale cleanup: NOT cleared: {}", guarded.describe(approve)),
            None => println!(
                "stale cleanup: NOT cleared ({} of {} duty values are stale)",
                c.stale, c.values_set
            ),
        }
    } else {
        let when = if c.searched_during_batches {
            " (searched beside the batches)"
        } else {
            ""
        };
        println!(
            "stale cleanup{when}: {} duty values set, {} stale, {} cleared, {} failed",
            c.values_set, c.stale, c.cleared, c.failed
        );
    }
    if c.unparseable > 0 {
        println!(
            "warning: {} duty value(s) do not match ATHOC_DATE_FORMAT and were left alone (see `bobosync check`)",
            c.unparseable
        );
    }
}

pub fn preview(p: &Preview, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(p)?);
        return Ok(());
    }
    if p.files.is_empty() {
        println!("no pending file in {}", p.drop_dir.display());
    } else {
        println!(
            "{} pending file(s) in {}: {}",
            p.files.len(),
            p.drop_dir.display(),
            esc(&p.files.join(", "))
        );
    }
    if p.batches > 1 {
        println!(
            "applied in {} batches (BATCH_SIZE files each); a batch plans against what the ones before it applied",
            p.batches
        );
    }
    if p.mappings_fetched {
        println!(
            "the stored user mappings are not ready (never synced, or out of date): this plan uses the AtHoc user directory as fetched just now (nothing stored)"
        );
    }
    for name in &p.still_writing {
        println!("{}: still being written; not read yet", esc(name));
    }
    for record in &p.plan.records {
        let e = &record.event;
        let what = match &record.action {
            Action::Set { login } => format!("SET {login}"),
            Action::Clear { login, .. } => format!("CLEAR {login}"),
            Action::Superseded { .. } => "superseded".to_owned(),
            Action::SkipOlder { .. } => "skip (older)".to_owned(),
            Action::Unmapped => "unmapped".to_owned(),
        };
        println!(
            "{}  {} {} {}  → {what}: {}",
            esc(&e.source.to_string()),
            esc(e.employee.as_str()),
            e.duty.code(),
            e.local,
            esc(&record.reason())
        );
    }
    for error in &p.plan.invalid {
        println!("{}", esc(&error.to_string()));
    }
    Ok(())
}

/// History as tables: the recent batches, or (for `--employee`) only that
/// person's records; "no records for X" when there are none. Times in UTC.
pub fn history(h: &History, who: Option<&str>, json: bool) -> anyhow::Result<()> {
    if json {
        let value = serde_json::json!({
            "batches": h.batches,
            "failed_runs": h.failed_runs,
            "records": h.records,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    if let Some(who) = who {
        if h.records.is_empty() {
            println!("no records for {who}");
            return Ok(());
        }
        println!("records for {who}, newest first (times in UTC):");
        println!(
            "{:<19}  {:<5}  {:<3}  {:<19}  {:<10}  {:<9}  details",
            "BOBO time", "batch", "BO", "file:line", "action", "state"
        );
        for r in &h.records {
            let detail = r.details.clone().unwrap_or_else(|| r.reason.clone());
            println!(
                "{:<19}  {:<5}  {:<3}  {:<19}  {:<10}  {:<9}  {}{}",
                r.local.as_deref().unwrap_or("-"),
                r.batch.0,
                r.duty.map(|d| d.code()).unwrap_or("-"),
                r.source.to_string(),
                r.action.as_str(),
                r.state.as_str(),
                r.login
                    .as_ref()
                    .map(|l| format!("{l}: "))
                    .unwrap_or_default(),
                one_line(&detail)
            );
        }
        return Ok(());
    }
    if !h.failed_runs.is_empty() {
        println!("cycles that failed outside any batch, newest first (times in UTC):");
        println!(
            "{:<16}  {:<16}  {:>6}  {:<22}  what",
            "from", "last", "cycles", "kind"
        );
        for f in &h.failed_runs {
            println!(
                "{:<16}  {:<16}  {:>6}  {:<22}  {}{}",
                f.first_at.format("%Y-%m-%d %H:%M"),
                f.last_at.format("%Y-%m-%d %H:%M"),
                f.count,
                f.kind,
                f.file
                    .as_ref()
                    .map(|file| format!("{file}: "))
                    .unwrap_or_default(),
                one_line(&f.message)
            );
        }
        println!();
    }
    if h.batches.is_empty() {
        println!("no batches yet");
        return Ok(());
    }
    println!("recent batches, newest first (times in UTC):");
    println!(
        "{:<6}  {:<16}  {:<11}  {:>6}  {:>4}  {:>7}  {:>8}  {:>7}  {:>6}  files",
        "batch", "started", "status", "events", "set", "cleared", "unmapped", "invalid", "failed"
    );
    for b in &h.batches {
        let c = &b.counts;
        println!(
            "{:<6}  {:<16}  {:<11}  {:>6}  {:>4}  {:>7}  {:>8}  {:>7}  {:>6}  {}",
            b.id.0,
            b.started_at.format("%Y-%m-%d %H:%M"),
            b.status.as_str(),
            c.events,
            c.set,
            c.cleared,
            c.unmapped,
            c.invalid,
            c.failed + c.rejected,
            if b.files.is_empty() {
                "(parked events)".to_owned()
            } else {
                esc(&b.files.join(", ")).into_owned()
            }
        );
        if let Some(error) = &b.error {
            println!("        error: {}", one_line(error));
        }
    }
    Ok(())
}

/// Drift by person, then what a fix did.
pub fn reconcile(r: &ReconcileReport, approve: &str, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(r)?);
        return Ok(());
    }
    let rec = &r.reconciliation;
    if rec.drift.is_empty() {
        println!(
            "the duty values of all {} people with BOBO events match their last event",
            rec.compared
        );
    } else {
        println!(
            "{} of {} people differ from their last BOBO event (times in UTC):",
            rec.drift.len(),
            rec.compared
        );
        println!(
            "{:<12}  {:<28}  {:<22}  {:<20}  {:<20}  last BOBO event",
            "employee", "login", "drift", "AtHoc holds", "should hold"
        );
        for d in &rec.drift {
            let kind = match d.kind {
                DriftKind::OnDutyAfterBookOff => "on duty after book-off",
                DriftKind::OnDutyButStale => "on duty, book-on stale",
                DriftKind::BookedOnButEmpty => "booked on, empty",
                DriftKind::ValueDiffers => "another time",
            };
            println!(
                "{:<12}  {:<28}  {:<22}  {:<20}  {:<20}  {} {} ({})",
                d.employee.as_str(),
                d.login.as_str(),
                kind,
                d.athoc.as_deref().unwrap_or("(empty)"),
                d.expected.as_deref().unwrap_or("(empty)"),
                d.last_event.duty.code(),
                d.last_event.at.format("%Y-%m-%d %H:%M:%S"),
                d.last_event.source
            );
        }
    }
    if !rec.without_event.is_empty() {
        println!(
            "{} user(s) are on duty in AtHoc without any BOBO event here (left alone): {}",
            rec.without_event.len(),
            rec.without_event
                .iter()
                .take(5)
                .map(|(login, value)| format!("{login} ({value})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !rec.unparseable.is_empty() {
        println!(
            "warning: {} value(s) do not match ATHOC_DATE_FORMAT and were left alone (see `bobosync check`)",
            rec.unparseable.len()
        );
    }
    if let Some(guarded) = &r.approval {
        println!("NOT fixed: {}", guarded.describe(approve));
    } else if r.fixed + r.failed > 0 {
        println!(
            "fixed {} value(s), {} not taken by AtHoc",
            r.fixed, r.failed
        );
    }
    Ok(())
}

/// A message on one line (notes may hold line breaks).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn checks(results: &[CheckResult], json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(results)?);
        return Ok(());
    }
    for r in results {
        let mark = match r.status {
            CheckStatus::Pass => "PASS",
            CheckStatus::Warn => "WARN",
            CheckStatus::Fail => "FAIL",
        };
        println!("[{mark}] {}: {}", r.title, r.detail);
        if let Some(action) = &r.action {
            println!("       what to do: {action}");
        }
    }
    Ok(())
}
