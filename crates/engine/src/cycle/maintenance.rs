//! The steps around the batch loop: the user-mapping sync (when the
//! schedule says so), the stale-duty cleanup, and the purge of old processed
//! files. Decisions come from the pure `schedule`, `mapping` and `cleanup`
//! modules; this is where they meet AtHoc and SQLite.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use crate::athoc::{AthocError, AttributeUpdate, UpdateOutcome};
use crate::cleanup::{self, CleanupSelection};
use crate::event::Login;
use crate::folder;
use crate::mapping;
use crate::schedule::{self, LastSync, MappingsState, SyncDecision, SyncOutcome};
use crate::store::{ApprovalKind, ApprovalRequest, BatchId, SyncStatus};

use crate::event::{Duty, DutyEvent, EmployeeId, SourceLine};
use crate::plan::{Action, ClearCause, Plan, PlannedRecord};
use crate::store::{BatchCounts, BatchStatus, BatchSummary, RecordOutcome, Store, StoreError};

use super::{
    CleanupReport, CycleError, CycleOptions, CycleReport, Failure, FailureKind, Guarded,
    MappingReport, SyncContext,
};

impl SyncContext {
    /// Runs the mapping sync when it is due (or forced); returns whether the
    /// stored mappings changed hands, so parked events get another look.
    pub(super) async fn mapping_sync_if_due(
        &self,
        options: CycleOptions,
        report: &mut CycleReport,
    ) -> bool {
        if !self.settings.mapping.enabled && !options.force_mapping_sync {
            return false;
        }
        let reason = if options.force_mapping_sync {
            "requested".to_owned()
        } else {
            match self.mapping_sync_decision().await {
                Ok(SyncDecision::Due(reason)) => reason.to_string(),
                // A purge waiting for approval is kept current: the
                // directory is read every cycle until it is answered.
                Ok(SyncDecision::NotDue { .. }) if self.approval_pending(ApprovalKind::MappingPurge).await => {
                    "a mapping purge waits for approval, so the directory is read again to keep it current".to_owned()
                }
                Ok(SyncDecision::NotDue { .. }) => return false,
                Err(e) => {
                    report.failures.push(Failure::of_cycle(&e, None));
                    return false;
                }
            }
        };
        match self.sync_mappings(reason, options.approve).await {
            Ok(mapping) => {
                let applied = mapping.applied;
                if let Some(guarded) = &mapping.approval {
                    let line = guarded.describe(&self.hint("sync-mappings --approve"));
                    if guarded.is_waiting() {
                        report
                            .approvals_needed
                            .push(format!("user-mapping sync: {line}"));
                    } else {
                        report.warnings.push(format!("user-mapping sync: {line}"));
                    }
                }
                if !mapping.duplicates.is_empty() {
                    report.warnings.push(format!(
                        "collar numbers held by more than one AtHoc user (not mapped): {}",
                        mapping.duplicates.join(", ")
                    ));
                }
                report.mapping = Some(mapping);
                applied
            }
            Err(e) => {
                report.failures.push(
                    Failure::of_cycle(&e, Some("user-mapping sync failed"))
                        .as_kind(FailureKind::MappingSync),
                );
                false
            }
        }
    }

    /// What the store remembers of the last mapping sync.
    async fn last_sync(&self) -> Result<Option<LastSync>, CycleError> {
        let last = self.store.call(|s| s.last_mapping_sync()).await?;
        Ok(last.map(|row| LastSync {
            at: row.at,
            outcome: match row.status.as_str() {
                "success" => SyncOutcome::Success,
                "empty" => SyncOutcome::Empty,
                _ => SyncOutcome::Failed,
            },
            last_success: row.last_success,
        }))
    }

    /// Why files must wait rather than be applied with the stored mappings
    /// (never synced, or too old after failed syncs); `None` when they may
    /// be applied. Applying without mappings would report every employee as
    /// unmapped, which is wrong.
    pub async fn mappings_not_ready(&self) -> Result<Option<Failure>, CycleError> {
        let now = self.now();
        let last = self.last_sync().await?;
        let stored = self.store.call(|s| s.mapping_count()).await?;
        let state =
            schedule::mappings_state(now, last.as_ref(), self.settings.mapping.retry_days, stored);
        if state == MappingsState::Ready {
            return Ok(None);
        }
        let waiting = folder::list_candidates(&self.settings.paths.drop_dir)
            .map(|files| files.len())
            .unwrap_or(0);
        let message = match state {
            MappingsState::Ready => return Ok(None),
            MappingsState::NeverSynced => format!(
                "user mappings not synced yet: {waiting} file(s) wait in the drop folder until the first \
                 user-mapping sync succeeds (without mappings every employee would look unmapped); \
                 check the connection to AtHoc and COLLAR_ID_FIELD, then run `{}`",
                self.hint("sync-mappings")
            ),
            MappingsState::Outdated { last_success } => format!(
                "user mappings are out of date: the last user-mapping sync that succeeded was at {} and \
                 every one since failed for longer than SYNC_RETRY_DAYS={}; {waiting} file(s) wait in the \
                 drop folder until a sync succeeds (`{}`)",
                crate::time::utc_to_local(last_success, self.settings.time_zone).format("%Y-%m-%d %H:%M"),
                self.settings.mapping.retry_days,
                self.hint("sync-mappings")
            ),
        };
        Ok(Some(Failure::new(FailureKind::MappingsNotSynced, message)))
    }

    /// What the schedule says about the mapping sync now.
    pub async fn mapping_sync_decision(&self) -> Result<SyncDecision, CycleError> {
        let now = self.now();
        let last = self.last_sync().await?;
        let rules = &self.settings.mapping;
        Ok(schedule::mapping_sync_due(
            now,
            self.settings.time_zone,
            last.as_ref(),
            rules.sync_hour,
            rules.retry_days,
        ))
    }

    /// The user directory fetched now, as mappings, with nothing stored
    /// (preview on a database never synced).
    pub async fn fetch_mappings_read_only(
        &self,
    ) -> Result<std::collections::HashMap<EmployeeId, Login>, CycleError> {
        let fields = &self.settings.fields;
        let wanted = [fields.collar_attribute.as_str()];
        let directory = self.client.fetch_users(&wanted).await?;
        let pairs = collar_pairs(&directory, &fields.collar_attribute);
        Ok(mapping::build_mappings(&pairs)
            .mappings
            .into_iter()
            .collect())
    }

    /// Fetches the whole user directory and replaces the stored mappings.
    /// Never purges after an incomplete fetch (the client refuses to return
    /// one) or an empty one; a purge past the guard waits for approval.
    pub async fn sync_mappings(
        &self,
        reason: String,
        approve: bool,
    ) -> Result<MappingReport, CycleError> {
        let now = self.now();
        let fields = &self.settings.fields;
        let mut wanted: Vec<&str> = fields.user_attributes.iter().map(String::as_str).collect();
        if !wanted.contains(&fields.collar_attribute.as_str()) {
            wanted.push(&fields.collar_attribute);
        }
        let directory = match self.client.fetch_users(&wanted).await {
            Ok(directory) => directory,
            Err(e) => {
                self.store
                    .call(move |s| s.record_mapping_sync(now, SyncStatus::Failed))
                    .await?;
                return Err(e.into());
            }
        };
        let pairs = collar_pairs(&directory, &fields.collar_attribute);
        let built = mapping::build_mappings(&pairs);
        let current = self.store.call(|s| s.load_mappings()).await?;
        let diff = mapping::diff_mappings(&current, &built.mappings);
        let mut report = MappingReport {
            reason,
            users_fetched: directory.users.len(),
            mapped: built.mappings.len(),
            added: diff.added.len(),
            changed: diff.changed.len(),
            removed: diff.removed.len(),
            duplicates: built
                .duplicates
                .iter()
                .map(|(id, logins)| format!("{id} ({} users)", logins.len()))
                .collect(),
            without_collar: built.without_collar,
            applied: false,
            approval: None,
        };
        if built.mappings.is_empty() {
            // The Python tool retries after an empty result; keep what we have.
            self.store
                .call(move |s| s.record_mapping_sync(now, SyncStatus::Failed))
                .await?;
            return Err(CycleError::EmptyDirectory {
                collar_attribute: fields.collar_attribute.clone(),
                users: directory.users.len(),
            });
        }
        let mut dropped: Vec<String> = diff
            .removed
            .iter()
            .map(|(id, login)| format!("remove {id} {login}"))
            .chain(
                diff.changed
                    .iter()
                    .map(|c| format!("change {} {} {}", c.employee, c.from, c.to)),
            )
            .collect();
        dropped.sort();
        let request = ApprovalRequest {
            kind: ApprovalKind::MappingPurge,
            fingerprint: fingerprint(&dropped),
            summary: format!(
                "remove {} and re-point {} of {} stored mappings",
                diff.removed.len(),
                diff.changed.len(),
                current.len()
            ),
            // `[[id, login], …]` removals, then `[[id, from, to], …]` re-pointings.
            payload_json: serde_json::to_string(
                &diff
                    .removed
                    .iter()
                    .map(|(id, login)| vec![id.as_str(), login.as_str()])
                    .chain(
                        diff.changed
                            .iter()
                            .map(|c| vec![c.employee.as_str(), c.from.as_str(), c.to.as_str()]),
                    )
                    .collect::<Vec<_>>(),
            )
            .unwrap_or_default(),
            changing: (diff.removed.len() + diff.changed.len()) as u32,
            total: current.len() as u32,
        };
        if diff.needs_approval(self.settings.mapping.purge_guard, current.len()) {
            if let Some(guarded) = self.guard(request.clone(), approve).await? {
                report.approval = Some(guarded);
                return Ok(report);
            }
        }
        let conflicts = built.duplicates.clone();
        let mappings = built.mappings.clone();
        self.store
            .call(move |s| {
                s.replace_mappings(&mappings, now)?;
                s.record_mapping_conflicts(&conflicts, now)?;
                s.record_mapping_sync(now, SyncStatus::Success)?;
                settle_pending(s, &request, now)
            })
            .await?;
        report.applied = true;
        tracing::info!(
            users = report.users_fetched,
            mapped = report.mapped,
            added = report.added,
            changed = report.changed,
            removed = report.removed,
            "user mappings synced"
        );
        Ok(report)
    }

    /// Clears duty values older than `AUTO_CLEANUP_HOURS`. Times are parsed
    /// here, never compared by the server. A clear past the guard waits for
    /// approval.
    pub async fn cleanup(&self, dry_run: bool, approve: bool) -> Result<CleanupReport, CycleError> {
        let values = self.duty_values().await?;
        self.cleanup_values(values, None, dry_run, approve).await
    }

    /// [`SyncContext::cleanup`] with the duty values already fetched.
    /// `searched_before`: the values were fetched while batches were
    /// sending (a cycle fetches them beside its batches, saving a round
    /// trip), and this was the newest batch before them. A stale value of a
    /// login a batch begun since then sent an update for — whatever the
    /// outcome, and whether or not that batch ended well — may already be
    /// gone or fresh: such users are left out, for the next cleanup to judge.
    pub(super) async fn cleanup_values(
        &self,
        mut values: Vec<(Login, String)>,
        searched_before: Option<BatchId>,
        dry_run: bool,
        approve: bool,
    ) -> Result<CleanupReport, CycleError> {
        let now = self.now();
        let duty = self.settings.fields.duty_attribute.clone();
        let select = |values: &[(Login, String)]| {
            cleanup::select_stale(
                values,
                &self.format,
                self.settings.time_zone,
                now,
                self.settings.cleanup.stale_after,
                self.settings.cleanup.guard,
            )
        };
        let mut selection: CleanupSelection = select(&values);
        // The updates of the batches begun since the search, if any began.
        let since = match searched_before {
            Some(floor) => {
                self.store
                    .call(move |s| {
                        if s.last_batch_id()? > floor {
                            s.updates_sent_after(floor).map(Some)
                        } else {
                            Ok(None)
                        }
                    })
                    .await?
            }
            None => None,
        };
        if let Some(updates) = &since {
            // The search saw AtHoc before these updates: the next one
            // expects what they left, not what it saw (else pages the
            // batches filled go out a round trip late, and answered after
            // the next cycle's updates, they no longer add up).
            let applied = updates
                .iter()
                .filter(|u| u.applied)
                .map(|u| (&u.login, u.set));
            let total = cleanup::values_after(values.iter().map(|(l, _)| l), applied);
            self.client
                .expect_directory_total(Some(&self.duty_criteria()), total);
            // A stale value of a login updated since may be gone or fresh.
            let updated: HashSet<&Login> = updates.iter().map(|u| &u.login).collect();
            let sent: HashSet<Login> = selection
                .stale
                .iter()
                .filter(|s| updated.contains(&s.login))
                .map(|s| s.login.clone())
                .collect();
            if !sent.is_empty() {
                tracing::debug!(
                    users = sent.len(),
                    "stale values updated by this cycle's batches are left to the next cleanup"
                );
                values.retain(|(login, _)| !sent.contains(login));
                selection = select(&values);
            }
        }
        let mut report = CleanupReport {
            values_set: values.len(),
            searched_during_batches: since.is_some(),
            stale: selection.stale.len(),
            unparseable: selection.unparseable.len(),
            dry_run,
            ..CleanupReport::default()
        };
        if dry_run || selection.stale.is_empty() {
            return Ok(report);
        }
        let mut logins: Vec<String> = selection
            .stale
            .iter()
            .map(|s| s.login.as_str().to_owned())
            .collect();
        logins.sort();
        let request = ApprovalRequest {
            kind: ApprovalKind::MassClear,
            fingerprint: fingerprint(&logins),
            summary: format!(
                "clear {} of {} duty values older than the cleanup age",
                selection.stale.len(),
                values.len()
            ),
            payload_json: serde_json::to_string(&logins).unwrap_or_default(),
            changing: selection.stale.len() as u32,
            total: values.len() as u32,
        };
        if selection.needs_approval {
            if let Some(guarded) = self.guard(request.clone(), approve).await? {
                report.waiting_for_approval = true;
                report.approval = Some(guarded);
                return Ok(report);
            }
        }
        let updates: Vec<AttributeUpdate> = selection
            .stale
            .iter()
            .map(|s| AttributeUpdate {
                login: s.login.clone(),
                value: String::new(),
            })
            .collect();
        let outcomes = self.client.sync_attribute(&duty, &updates).await;
        for (update, outcome) in updates.iter().zip(&outcomes) {
            match outcome {
                UpdateOutcome::Applied { .. } => {
                    report.cleared += 1;
                    tracing::debug!(login = %update.login, "cleared a stale duty value");
                }
                other => {
                    report.failed += 1;
                    tracing::warn!(login = %update.login, outcome = ?other, "could not clear a stale duty value");
                }
            }
        }
        self.store
            .call(move |s| settle_pending(s, &request, now))
            .await?;
        self.record_cleanup(&selection, &outcomes).await?;
        tracing::info!(
            values = report.values_set,
            stale = report.stale,
            cleared = report.cleared,
            failed = report.failed,
            "stale cleanup done"
        );
        Ok(report)
    }

    /// The `Criteria` of the search for set duty values.
    fn duty_criteria(&self) -> String {
        format!("{} pr", self.settings.fields.duty_attribute)
    }

    /// Each user's duty value as AtHoc holds it (users with a value).
    pub(super) async fn duty_values(&self) -> Result<Vec<(Login, String)>, CycleError> {
        let duty = self.settings.fields.duty_attribute.as_str();
        let criteria = self.duty_criteria();
        let directory = match self
            .client
            .fetch_users_matching(&[duty], Some(&criteria))
            .await
        {
            Ok(directory) => directory,
            // `Criteria` is barely documented: a server that refuses it gets
            // the whole directory instead, filtered here.
            Err(AthocError::BadRequest { .. }) => self.client.fetch_users(&[duty]).await?,
            Err(e) => return Err(e.into()),
        };
        Ok(directory
            .users
            .iter()
            .filter_map(|u| u.field(duty).map(|v| (u.login.clone(), v.to_owned())))
            .collect())
    }

    /// Processed files older than `PROCESSED_FILES_PURGE_DAYS` are deleted.
    pub(super) fn purge_processed(&self) -> Result<usize, CycleError> {
        let days = self.settings.files.processed_purge_days;
        if !self.settings.files.move_processed || days == 0 {
            return Ok(0);
        }
        let age = Duration::from_secs(u64::from(days) * 24 * 3600);
        let dir = &self.settings.paths.processed_dir;
        if !dir.exists() {
            return Ok(0);
        }
        Ok(folder::purge_older_than(dir, age, SystemTime::now())?.len())
    }
}

impl SyncContext {
    /// Whether a guarded change may go ahead. Without `approve` it asks (or
    /// keeps asking) for approval and says where that stands. With
    /// `approve` — an operator's yes — it goes ahead only if the change is
    /// the one the pending request showed (or none was pending); a change
    /// that has moved on since is asked again with its new summary.
    pub(super) async fn guard(
        &self,
        request: ApprovalRequest,
        approve: bool,
    ) -> Result<Option<Guarded>, CycleError> {
        let now = self.now();
        let summary = request.summary.clone();
        let asked = self
            .store
            .call(move |s| {
                if approve {
                    let pending = s
                        .pending_approvals()?
                        .into_iter()
                        .find(|a| a.kind == request.kind);
                    match pending {
                        Some(p) if p.fingerprint != request.fingerprint => {}
                        _ => return Ok(None),
                    }
                }
                s.ask_approval(&request, now).map(Some)
            })
            .await?;
        Ok(asked.map(|asked| Guarded { summary, asked }))
    }

    /// Whether an approval of `kind` waits for an answer.
    async fn approval_pending(&self, kind: ApprovalKind) -> bool {
        self.store
            .call(move |s| Ok(s.pending_approvals()?.iter().any(|a| a.kind == kind)))
            .await
            .unwrap_or(false)
    }
}

/// The identity of a change: SHA-256 over its sorted items.
pub(super) fn fingerprint(sorted_items: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for item in sorted_items {
        hash.update(item.as_bytes());
        hash.update(b"\n");
    }
    hex::encode(hash.finalize())
}

/// After a guarded change was made: the pending request of its kind is
/// approved if it showed exactly this change, superseded otherwise (the
/// situation it described is gone).
pub(super) fn settle_pending(
    store: &mut Store,
    request: &ApprovalRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    for pending in store
        .pending_approvals()?
        .into_iter()
        .filter(|a| a.kind == request.kind)
    {
        if pending.fingerprint == request.fingerprint {
            store.resolve_approval(pending.id, true, now)?;
        } else {
            store.supersede_approval(pending.id, now)?;
        }
    }
    Ok(())
}

/// The name stale-cleanup records carry as their "file" in history.
pub const CLEANUP_SOURCE: &str = "(stale cleanup)";

impl SyncContext {
    /// Records a cleanup as a batch of its own, one clear per user, so
    /// history answers "why was this person's duty value cleared?".
    async fn record_cleanup(
        &self,
        selection: &CleanupSelection,
        outcomes: &[UpdateOutcome],
    ) -> Result<(), CycleError> {
        let now = self.now();
        let tz = self.settings.time_zone;
        let employees = self.store.call(|s| s.load_mappings()).await?;
        let by_login: std::collections::HashMap<Login, EmployeeId> = employees
            .into_iter()
            .map(|(employee, login)| (login, employee))
            .collect();
        let records: Vec<PlannedRecord> = selection
            .stale
            .iter()
            .enumerate()
            .map(|(i, stale)| PlannedRecord {
                event: DutyEvent {
                    employee: by_login
                        .get(&stale.login)
                        .cloned()
                        .or_else(|| EmployeeId::new(stale.login.as_str()))
                        .unwrap_or_else(|| EmployeeId::new("?").expect("a non-empty literal")),
                    duty: Duty::BookOff,
                    local: crate::time::utc_to_local(stale.at, tz),
                    at: stale.at,
                    source: SourceLine {
                        file: CLEANUP_SOURCE.into(),
                        line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    },
                },
                action: Action::Clear {
                    login: stale.login.clone(),
                    cause: Some(Box::new(ClearCause::StaleValue {
                        attribute: self.settings.fields.duty_attribute.clone(),
                        value: stale.value.clone(),
                        cleanup_age_hours: self.settings.cleanup.stale_after.num_hours(),
                    })),
                },
            })
            .collect();
        let results: Vec<RecordOutcome> = outcomes
            .iter()
            .cloned()
            .map(crate::execute::record_outcome)
            .collect();
        self.store
            .call(move |s| {
                let batch = s.begin_batch(now, &[])?;
                let plan = Plan {
                    records,
                    invalid: Vec::new(),
                };
                let ids = s.journal_plan(batch, &plan)?;
                let outcomes: Vec<_> = ids.into_iter().zip(results).collect();
                s.record_outcomes(batch, &outcomes)?;
                let counts: BatchCounts = s.batch_counts(batch)?;
                let status = if counts.failed + counts.rejected > 0 {
                    BatchStatus::Partial
                } else {
                    BatchStatus::Succeeded
                };
                s.finish_batch(
                    batch,
                    &BatchSummary {
                        finished_at: now,
                        status,
                        counts,
                        error: None,
                    },
                )
            })
            .await?;
        Ok(())
    }
}

/// Each user's login with its collar number (if it has one).
fn collar_pairs(
    directory: &crate::athoc::UserDirectory,
    collar_attribute: &str,
) -> Vec<(Login, Option<String>)> {
    directory
        .users
        .iter()
        .map(|u| {
            (
                u.login.clone(),
                u.field(collar_attribute).map(str::to_owned),
            )
        })
        .collect()
}
