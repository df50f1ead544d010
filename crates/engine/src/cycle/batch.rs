//! The batch step of a cycle: complete files from the drop folder (and
//! parked events after a mapping sync) → parse → plan → journal → send →
//! record → decide each file's fate. A file leaves the drop folder only
//! after every event in it has a final outcome in SQLite.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use tracing::{debug_span, Instrument};

use crate::config::Settings;
use crate::event::{DutyEvent, EmployeeId, Login, SourceLine};
use crate::execute::{self, Target};
use crate::folder::{self, Candidate, ReadyFile};
use crate::ingest;
use crate::plan::{self, Action, LedgerEntry, Plan, PlanInput, PlannedRecord};
use crate::store::{
    BatchFile, BatchId, BatchStatus, BatchSummary, FileFate, FileOutcome, FileStatus, ParkedEvent,
    RecordId, RecordOutcome,
};

use super::{BatchReport, CycleError, CycleReport, Failure, FailureKind, Preview, SyncContext};

/// Batches per cycle at most, so one cycle always ends.
const MAX_BATCHES_PER_CYCLE: usize = 1000;

impl SyncContext {
    /// Every complete, not yet applied file in the drop folder, in batches of
    /// `BATCH_SIZE` files; parked events join the first batch after a
    /// mapping sync.
    pub(super) async fn process_files(&self, mappings_refreshed: bool, report: &mut CycleReport) {
        let files = match self
            .pending_files(report)
            .instrument(debug_span!("find_files"))
            .await
        {
            Ok(files) => files,
            Err(e) => {
                report.failures.push(Failure::of_cycle(&e, None));
                return;
            }
        };
        let mut known = None;
        let parked = match self
            .store
            .call(|s| Ok((s.parked_events()?, s.load_mappings()?, s.load_ledger()?)))
            .instrument(debug_span!("load_mappings_ledger"))
            .await
        {
            Ok((parked, mappings, ledger)) => {
                let parked = select_parked(parked, &mappings, mappings_refreshed);
                known = Some(Known { mappings, ledger });
                parked
            }
            Err(e) => {
                report.failures.push(Failure::of_cycle(&e.into(), None));
                Vec::new()
            }
        };
        let per_batch = self.settings.files.files_per_batch;
        for (files, parked) in into_batches(files, parked, per_batch) {
            if self.stop_requested() {
                break;
            }
            match self.run_batch(files, parked, &mut known, report).await {
                Ok(batch) => report.batches.extend(batch),
                Err(e) => report.failures.push(Failure::of_cycle(&e, None)),
            }
        }
    }

    /// Complete files not yet applied. Files already done (left in place
    /// with `MOVE_PROCESSED_FILES=false`, or a crash before the move) are
    /// moved on or left alone, never applied twice.
    async fn pending_files(&self, report: &mut CycleReport) -> Result<Vec<ReadyFile>, CycleError> {
        let paths = &self.settings.paths;
        let listing = folder::list_folder(&paths.drop_dir)?;
        // An entry that cannot be read (a link, a pipe, no permission) is a
        // failure of its own; the other files go on.
        for skipped in listing.skipped {
            report.failures.push(
                Failure::new(FailureKind::FileUnreadable, skipped.error.to_string())
                    .with_file(&skipped.name),
            );
        }
        let candidates = listing
            .candidates
            .into_iter()
            .filter(|c| self.may_read(&c.path))
            .collect();
        let files = &self.settings.files;
        let settled =
            folder::wait_until_complete(candidates, files.settle, files.max_file_bytes).await;
        self.not_yet_applied(settled, report).await
    }

    /// The files of `settled` not yet applied; reports the others.
    async fn not_yet_applied(
        &self,
        settled: folder::Settled,
        report: &mut CycleReport,
    ) -> Result<Vec<ReadyFile>, CycleError> {
        let paths = &self.settings.paths;
        for file in settled.still_writing {
            report.warnings.push(format!(
                "{}: still being written; left for the next look",
                file.name
            ));
        }
        for unreadable in settled.unreadable {
            report.failures.push(
                Failure::new(
                    FailureKind::FileUnreadable,
                    format!(
                        "{}: cannot be read ({}); it stays in the drop folder",
                        unreadable.candidate.name, unreadable.error
                    ),
                )
                .with_file(&unreadable.candidate.name),
            );
        }
        // Far larger than any export: to the failed folder, unread.
        for big in settled.too_large {
            let limit_mb = self.settings.files.max_file_bytes / (1024 * 1024);
            let size_mb = big.size.div_ceil(1024 * 1024);
            let reason = format!(
                "This file is {size_mb} MB, more than MAX_FILE_MB ({limit_mb} MB), so it was not read: \
                 a BOBO export of a few thousand rows is well under 1 MB. If it really is an export, \
                 raise MAX_FILE_MB and retry it."
            );
            let name = big.candidate.name.clone();
            match folder::move_failed(
                &big.candidate.path,
                &paths.failed_dir,
                &reason,
                &self.hint("retry"),
            ) {
                Ok(_) => report.failures.push(
                    Failure::new(
                        FailureKind::FileTooLarge,
                        format!(
                            "{name}: {size_mb} MB is more than MAX_FILE_MB ({limit_mb} MB); moved to the failed folder unread"
                        ),
                    )
                    .with_file(&name),
                ),
                Err(e) => report.failures.push(
                    Failure::new(
                        FailureKind::FileTooLarge,
                        format!(
                            "{name}: {size_mb} MB is more than MAX_FILE_MB ({limit_mb} MB), so it is not read, and {e}"
                        ),
                    )
                    .with_file(&name),
                ),
            }
        }
        let mut pending = Vec::new();
        for file in settled.ready {
            let sha = file.sha256.clone();
            let seen = self.store.call(move |s| s.file_seen(&sha)).await?;
            match seen.map(|state| state.status) {
                Some(FileStatus::Done) => {
                    if self.settings.files.move_processed {
                        let moved = folder::move_into(&file.path, &paths.processed_dir);
                        not_moved(moved, &file.name, report);
                    }
                }
                // Given up on earlier and put back by an operator (`retry`
                // or by hand): it gets MAX_RETRY_ATTEMPTS fresh attempts.
                Some(FileStatus::Failed) => {
                    let sha = file.sha256.clone();
                    self.store
                        .call(move |s| s.forget_file_attempts(&sha))
                        .await?;
                    pending.push(file);
                }
                Some(FileStatus::Retrying) | None => pending.push(file),
            }
        }
        Ok(pending)
    }

    /// The continuous runtime's fast path: applies `candidates`, which the
    /// platform has reported complete, at once: no settle window, connection
    /// check, mapping sync or cleanup. A request-level failure (AtHoc down,
    /// credentials refused) leaves the files for the next full cycle without
    /// counting an attempt against them, as in a full cycle. Files already
    /// applied are recognised by their hash.
    pub async fn apply_files(&self, candidates: Vec<Candidate>) -> CycleReport {
        let mut report = CycleReport::default();
        match self.mappings_not_ready().await {
            Ok(None) => {}
            Ok(Some(waiting)) => {
                report.failures.push(waiting);
                self.conclude(&report).await;
                return report;
            }
            Err(e) => {
                report.failures.push(Failure::of_cycle(&e, None));
                self.conclude(&report).await;
                return report;
            }
        }
        let settled = folder::wait_until_complete(
            candidates,
            std::time::Duration::ZERO,
            self.settings.files.max_file_bytes,
        )
        .await;
        let files = match self.not_yet_applied(settled, &mut report).await {
            Ok(files) => files,
            Err(e) => {
                report.failures.push(Failure::of_cycle(&e, None));
                self.conclude(&report).await;
                return report;
            }
        };
        let per_batch = self.settings.files.files_per_batch;
        let mut known = None;
        for (files, parked) in into_batches(files, Vec::new(), per_batch) {
            if self.stop_requested() {
                break;
            }
            match self.run_batch(files, parked, &mut known, &mut report).await {
                Ok(batch) => report.batches.extend(batch),
                Err(e) => report.failures.push(Failure::of_cycle(&e, None)),
            }
        }
        self.conclude(&report).await;
        report
    }

    /// One batch. A file whose events AtHoc could not take stays in the drop
    /// folder; only a definitive refusal counts an attempt against it.
    /// `None` when none of its files could be read again and nothing was
    /// parked: no batch is begun.
    ///
    /// `known`: the mappings and ledger to plan against, read from the store
    /// when `None`; left as the store now holds them (the ledger moved on by
    /// what AtHoc applied) when the batch ends without an error, `None`
    /// otherwise, so the next batch reads them again.
    async fn run_batch(
        &self,
        files: Vec<ReadyFile>,
        parked: Vec<ParkedEvent>,
        known: &mut Option<Known>,
        report: &mut CycleReport,
    ) -> Result<Option<BatchReport>, CycleError> {
        let now = self.now();
        let settings = &self.settings;

        // Read and parse one file at a time; a file that changed or cannot
        // be read any more stays out of this batch.
        let (files, parsed, skipped) = self
            .parse_files(files)
            .instrument(debug_span!("read_parse"))
            .await;
        for problem in skipped {
            match problem {
                folder::ReadAgainError::Changed { .. } => {
                    report.warnings.push(problem.to_string());
                }
                folder::ReadAgainError::Unreadable { ref name, .. } => {
                    let name = name.clone();
                    report.failures.push(
                        Failure::new(
                            FailureKind::FileUnreadable,
                            format!("{problem}; it stays in the drop folder"),
                        )
                        .with_file(&name),
                    );
                }
            }
        }
        if files.is_empty() && parked.is_empty() {
            return Ok(None);
        }

        // Plan (pure) against the stored mappings and ledger.
        let Known {
            mappings,
            mut ledger,
        } = match known.take() {
            Some(known) => known,
            None => {
                self.store
                    .call(|s| {
                        Ok(Known {
                            mappings: s.load_mappings()?,
                            ledger: s.load_ledger()?,
                        })
                    })
                    .instrument(debug_span!("load_mappings_ledger"))
                    .await?
            }
        };
        let BatchPlan {
            plan,
            parked_current,
            parked_expired,
            parked_sources,
        } = debug_span!("plan")
            .in_scope(|| plan_batch(parsed, parked, &mappings, &ledger, now, settings));
        // Every row not applied as an event — unreadable, or dated in the
        // future — is reported with file:line.
        report
            .warnings
            .extend(plan.invalid.iter().map(ToString::to_string));

        // Journal before sending; park the unmapped.
        let batch_files: Vec<BatchFile> = files
            .iter()
            .map(|f| BatchFile {
                name: f.name.clone(),
                sha256: f.sha256.clone(),
                size: f.size,
            })
            .collect();
        let plan = std::sync::Arc::new(plan);
        let journal_plan = std::sync::Arc::clone(&plan);
        let newly_unmapped: Vec<DutyEvent> = plan
            .records
            .iter()
            .filter(|r| {
                matches!(r.action, Action::Unmapped) && !parked_sources.contains(&r.event.source)
            })
            .map(|r| r.event.clone())
            .collect();
        let expired_ids: Vec<_> = parked_expired.iter().map(|p| p.id).collect();
        let (batch, ids) = self
            .store
            .call(move |s| {
                let batch = s.begin_batch(now, &batch_files)?;
                let ids = s.journal_plan(batch, &journal_plan)?;
                s.park_events(&newly_unmapped)?;
                s.unpark(&expired_ids)?;
                Ok((batch, ids))
            })
            .instrument(debug_span!("journal"))
            .await?;
        let _span = tracing::info_span!("batch", id = batch.0).entered();

        // Send.
        let target = Target {
            attribute: &settings.fields.duty_attribute,
            format: &self.format,
            time_zone: settings.time_zone,
        };
        let journalled: Vec<(RecordId, &PlannedRecord)> =
            ids.iter().copied().zip(plan.records.iter()).collect();
        drop(_span);
        // Each request's outcomes are recorded as it returns, while the
        // other requests are still in flight: what AtHoc applied is on
        // record however the rest of the batch ends.
        let (answers, mut answered) = tokio::sync::mpsc::unbounded_channel();
        let send = execute::execute(
            &self.client,
            target,
            &journalled,
            self.progress.as_ref(),
            answers,
        )
        .instrument(debug_span!("send"));
        let record = async {
            let mut outcomes: Vec<(RecordId, RecordOutcome)> = Vec::new();
            while let Some(chunk) = answered.recv().await {
                let chunk = self
                    .store
                    .call(move |s| s.record_outcomes(batch, &chunk).map(|()| chunk))
                    .instrument(debug_span!("record_outcomes"))
                    .await?;
                outcomes.extend(chunk);
            }
            Ok::<_, CycleError>(outcomes)
        };
        let send = async {
            send.await;
            Ok::<(), CycleError>(())
        };
        let ((), outcomes) = tokio::try_join!(send, record)?;
        let outcome_of: HashMap<RecordId, &RecordOutcome> =
            outcomes.iter().map(|(id, o)| (*id, o)).collect();
        // The ledger as `record_outcomes` has just moved it.
        plan::advance_ledger_by(
            &mut ledger,
            journalled
                .iter()
                .filter(|(id, _)| matches!(outcome_of.get(id), Some(RecordOutcome::Applied { .. })))
                .map(|(_, record)| *record),
        );

        // Parked events with a final outcome leave the parking lot; the
        // still-unmapped ones stay for the next mapping sync.
        let finished: HashSet<(&SourceLine, &EmployeeId)> = journalled
            .iter()
            .filter(|(id, r)| {
                !matches!(r.action, Action::Unmapped)
                    && !matches!(outcome_of.get(id), Some(RecordOutcome::Failed { .. }))
            })
            .map(|(_, r)| (&r.event.source, &r.event.employee))
            .collect();
        let done_parked: Vec<_> = parked_current
            .iter()
            .filter(|p| finished.contains(&(&p.event.source, &p.event.employee)))
            .map(|p| p.id)
            .collect();
        self.store
            .call(move |s| s.unpark(&done_parked).map(|_| ()))
            .await?;

        // Each file's fate. (The span times the whole loop for the bench.)
        let fates = debug_span!("file_fates");
        let mut summary = BatchReport {
            batch_id: batch.0,
            files: files.iter().map(|f| f.name.clone()).collect(),
            ..BatchReport::default()
        };
        let mut batch_error = None;
        // Files whose events all have a final outcome: (file, fate, all
        // rows invalid, the rows' errors).
        let mut settled: Vec<(&ReadyFile, FileOutcome, bool, Vec<String>)> = Vec::new();
        for file in &files {
            let records: Vec<(&RecordId, &PlannedRecord)> = ids
                .iter()
                .zip(plan.records.iter())
                .filter(|(_, r)| {
                    *r.event.source.file == *file.name && !parked_sources.contains(&r.event.source)
                })
                .collect();
            let errors: Vec<String> = plan
                .invalid
                .iter()
                .filter(|e| *e.source.file == *file.name)
                .map(|e| e.to_string())
                .collect();
            let failed: Vec<&crate::athoc::AthocError> = records
                .iter()
                .filter_map(|(id, _)| match outcome_of.get(id) {
                    Some(RecordOutcome::Failed { error, .. }) => Some(error),
                    _ => None,
                })
                .collect();
            let rejected: Vec<(&PlannedRecord, String)> = records
                .iter()
                .filter_map(|(id, r)| match outcome_of.get(id) {
                    Some(RecordOutcome::Rejected { details }) => Some((
                        *r,
                        format!("{}: {}: {details}", r.event.source, r.event.employee),
                    )),
                    _ => None,
                })
                .collect();
            let entries = (records.len() + errors.len()) as u32;
            let succeeded = (records.len() - failed.len() - rejected.len()) as u32;
            if let Some(first) = failed.first().copied() {
                batch_error.get_or_insert_with(|| first.to_string());
                // Only AtHoc refusing the request for good counts as an
                // attempt; an outage, throttling or refused credentials say
                // nothing about the file, which waits for AtHoc however long.
                if !failed.iter().all(|e| e.is_definitive_refusal()) {
                    report.failures.push(
                        Failure::athoc(
                            first,
                            format!(
                                "{}: {} event(s) not applied: {first}. The file stays in the drop folder \
                                 and is tried again until AtHoc takes it",
                                file.name,
                                failed.len()
                            ),
                        )
                        .with_file(&file.name),
                    );
                    summary.files_kept += 1;
                    continue;
                }
                let attempts = {
                    let (name, sha, error) =
                        (file.name.clone(), file.sha256.clone(), first.to_string());
                    self.store
                        .call(move |s| s.record_file_attempt(&name, &sha, &error, now))
                        .await?
                };
                if attempts >= settings.files.max_retry_attempts {
                    let reason = format!(
                        "AtHoc refused {} event(s) of this file in {attempts} cycles \
                         (MAX_RETRY_ATTEMPTS={}). Last answer: {first}",
                        failed.len(),
                        settings.files.max_retry_attempts,
                    );
                    self.give_up(
                        batch, file, &records, &reason, entries, succeeded, now, report,
                    )
                    .await?;
                    report.failures.push(
                        Failure::athoc(
                            first,
                            format!(
                                "{}: moved to the failed folder after AtHoc refused it {attempts} times: {first}",
                                file.name
                            ),
                        )
                        .as_kind(FailureKind::FileGivenUp)
                        .with_file(&file.name),
                    );
                    summary.files_failed += 1;
                } else {
                    report.failures.push(
                        Failure::athoc(
                            first,
                            format!(
                                "{}: AtHoc refused {} event(s) ({first}); the file stays for the next cycle (attempt {attempts} of {})",
                                file.name,
                                failed.len(),
                                settings.files.max_retry_attempts
                            ),
                        )
                        .with_file(&file.name),
                    );
                    summary.files_kept += 1;
                }
                continue;
            }
            report.failures.extend(rejected.iter().map(|(r, text)| {
                Failure::new(FailureKind::RecordRefused, format!("AtHoc refused {text}"))
                    .with_file(&file.name)
                    .with_employee(r.event.employee.to_string())
            }));
            let rejected: Vec<String> = rejected.into_iter().map(|(_, text)| text).collect();
            // Nothing of it could be applied: every row unreadable or dated
            // in the future (a wrong clock or time zone at the exporter).
            let all_invalid = records.is_empty() && !errors.is_empty();
            let fate = if all_invalid {
                FileFate::Failed
            } else {
                FileFate::Processed
            };
            let outcome = FileOutcome {
                fate,
                at: now,
                entries,
                succeeded,
                errors: errors
                    .iter()
                    .cloned()
                    .chain(rejected.iter().cloned())
                    .collect(),
            };
            settled.push((file, outcome, all_invalid, errors));
        }
        // Every settled file's fate in one transaction, before any of them
        // moves (one commit for the batch rather than one per file).
        let fates_to_store: Vec<(String, String, FileOutcome)> = settled
            .iter()
            .map(|(file, outcome, ..)| (file.name.clone(), file.sha256.clone(), outcome.clone()))
            .collect();
        if !fates_to_store.is_empty() {
            self.store
                .call(move |s| s.mark_files_done(&fates_to_store))
                .await?;
        }
        for (file, outcome, all_invalid, errors) in settled {
            if all_invalid {
                let reason = format!(
                    "No row of this file could be applied, so nothing was:\n{}\n\
                     Fix the rows (or the export, or the exporting system's clock and TIME_ZONE) and \
                     retry the file, or drop the corrected file into the drop folder again.",
                    errors.join("\n")
                );
                let moved = folder::move_failed(
                    &file.path,
                    &settings.paths.failed_dir,
                    &reason,
                    &self.hint("retry"),
                );
                not_moved(moved, &file.name, report);
                report.failures.push(
                    Failure::new(
                        FailureKind::FileGivenUp,
                        format!(
                            "{}: no row could be applied; moved to the failed folder",
                            file.name
                        ),
                    )
                    .with_file(&file.name),
                );
                summary.files_failed += 1;
            } else {
                if outcome.entries == 0 {
                    // Nothing to apply is not an error (an export run with no
                    // bookings), but an operator should be able to see it.
                    report.warnings.push(format!(
                        "{}: no booking rows (empty, blank or header only)",
                        file.name
                    ));
                }
                if settings.files.move_processed {
                    let moved = folder::move_into(&file.path, &settings.paths.processed_dir);
                    not_moved(moved, &file.name, report);
                }
                summary.files_processed += 1;
            }
        }

        drop(fates);

        // Tally and close the batch.
        let counts = self.store.call(move |s| s.batch_counts(batch)).await?;
        summary.events = counts.events as usize;
        summary.set = counts.set as usize;
        summary.cleared = counts.cleared as usize;
        summary.superseded = counts.superseded as usize;
        summary.skipped_older = counts.skipped_older as usize;
        summary.unmapped = counts.unmapped as usize;
        summary.invalid = counts.invalid as usize;
        summary.rejected = counts.rejected as usize;
        summary.failed = counts.failed as usize;
        let unmapped: Vec<String> = plan
            .records
            .iter()
            .filter(|r| matches!(r.action, Action::Unmapped))
            .map(|r| format!("{} ({})", r.event.employee, r.event.source))
            .collect();
        if !unmapped.is_empty() {
            report.warnings.push(format!(
                "no AtHoc user has employee ID(s) {}; they will be tried again after the next user-mapping sync",
                unmapped.join(", ")
            ));
        }
        let status = if counts.failed > 0 && counts.set + counts.cleared == 0 {
            BatchStatus::Failed
        } else if counts.failed > 0 || counts.rejected > 0 {
            BatchStatus::Partial
        } else {
            BatchStatus::Succeeded
        };
        let finished_at = self.now();
        self.store
            .call(move |s| {
                s.finish_batch(
                    batch,
                    &BatchSummary {
                        finished_at,
                        status,
                        counts,
                        error: batch_error,
                    },
                )
            })
            .await?;
        tracing::info!(
            batch = batch.0,
            files = summary.files.len(),
            events = summary.events,
            set = summary.set,
            cleared = summary.cleared,
            skipped_older = summary.skipped_older,
            unmapped = summary.unmapped,
            invalid = summary.invalid,
            rejected = summary.rejected,
            failed = summary.failed,
            "batch finished"
        );
        *known = Some(Known { mappings, ledger });
        Ok(Some(summary))
    }

    /// Gives up on a file after too many failed cycles: its pending records
    /// get a final outcome, then it moves to the failed folder with a reason.
    #[allow(clippy::too_many_arguments)]
    async fn give_up(
        &self,
        batch: BatchId,
        file: &ReadyFile,
        records: &[(&RecordId, &PlannedRecord)],
        reason: &str,
        entries: u32,
        succeeded: u32,
        now: chrono::DateTime<chrono::Utc>,
        report: &mut CycleReport,
    ) -> Result<(), CycleError> {
        let final_outcomes: Vec<(RecordId, RecordOutcome)> = records
            .iter()
            .map(|(id, _)| {
                (
                    **id,
                    RecordOutcome::Rejected {
                        details: format!("given up: {reason}"),
                    },
                )
            })
            .collect();
        let outcome = FileOutcome {
            fate: FileFate::Failed,
            at: now,
            entries,
            succeeded,
            errors: vec![reason.to_owned()],
        };
        let (name, sha) = (file.name.clone(), file.sha256.clone());
        self.store
            .call(move |s| {
                s.record_outcomes(batch, &final_outcomes)?;
                s.mark_file_done(&name, &sha, &outcome)
            })
            .await?;
        let moved = folder::move_failed(
            &file.path,
            &self.settings.paths.failed_dir,
            reason,
            &self.hint("retry"),
        );
        not_moved(moved, &file.name, report);
        Ok(())
    }

    /// Reads and parses `files` one at a time, off the async runtime, each
    /// read checked against the hash it was found complete with (so no
    /// more than one file's bytes are held at once). Returns the files
    /// parsed, their rows, and why the others were left out.
    async fn parse_files(
        &self,
        files: Vec<ReadyFile>,
    ) -> (
        Vec<ReadyFile>,
        Vec<ingest::Parsed>,
        Vec<folder::ReadAgainError>,
    ) {
        let limit = self.settings.files.max_file_bytes;
        let tz = self.settings.time_zone;
        let count = files.len();
        let work = tokio::task::spawn_blocking(move || {
            let mut kept = Vec::new();
            let mut parsed = Vec::new();
            let mut skipped = Vec::new();
            for file in files {
                match file.read(limit) {
                    Ok(bytes) => {
                        parsed.push(ingest::parse_bobo(&file.name, &bytes, tz));
                        kept.push(file);
                    }
                    Err(e) => skipped.push(e),
                }
            }
            (kept, parsed, skipped)
        })
        .await;
        work.unwrap_or_else(|e| {
            tracing::error!(files = count, "reading a batch's files stopped: {e}");
            (Vec::new(), Vec::new(), Vec::new())
        })
    }

    /// The plan for the pending files, with nothing written anywhere.
    pub async fn preview(&self) -> Result<Preview, CycleError> {
        let now = self.now();
        let settings = &self.settings;
        let (candidates, gated): (Vec<Candidate>, Vec<Candidate>) =
            folder::list_candidates(&settings.paths.drop_dir)?
                .into_iter()
                .partition(|c| self.may_read(&c.path));
        let settled = folder::wait_until_complete(
            candidates,
            settings.files.settle,
            settings.files.max_file_bytes,
        )
        .await;
        let mut still_writing: Vec<String> =
            settled.still_writing.into_iter().map(|c| c.name).collect();
        still_writing.extend(gated.into_iter().map(|c| c.name));
        let mut ready = Vec::new();
        for file in settled.ready {
            let sha = file.sha256.clone();
            if let Some(FileStatus::Done) = self
                .store
                .call(move |s| s.file_seen(&sha))
                .await?
                .map(|s| s.status)
            {
                continue;
            }
            ready.push(file);
        }
        let (mut mappings, mut ledger, parked) = self
            .store
            .call(|s| Ok((s.load_mappings()?, s.load_ledger()?, s.parked_events()?)))
            .await?;
        // Never synced: stored mappings would call everyone unmapped, so
        // look the users up now (read-only) to show what going live does;
        // going live starts with that sync, after which every parked event
        // is planned again.
        let mappings_fetched = self.mappings_not_ready().await?.is_some();
        if mappings_fetched {
            mappings = self.fetch_mappings_read_only().await?;
        }
        let parked = select_parked(parked, &mappings, mappings_fetched);
        // The batches `process_files` would run, each planned by the same
        // function, against the ledger as the batches before it leave it
        // when AtHoc takes every update.
        let mut files = Vec::new();
        let mut plan = Plan::default();
        let mut batches = 0;
        for (batch_files, parked) in into_batches(ready, parked, settings.files.files_per_batch) {
            let (read, parsed, skipped) = self.parse_files(batch_files).await;
            // Changed (or unreadable) since found complete: not planned yet.
            still_writing.extend(skipped.into_iter().map(|e| match e {
                folder::ReadAgainError::Changed { name }
                | folder::ReadAgainError::Unreadable { name, .. } => name,
            }));
            if read.is_empty() && parked.is_empty() {
                continue;
            }
            files.extend(read.into_iter().map(|f| f.name));
            let batch = plan_batch(parsed, parked, &mappings, &ledger, now, settings);
            plan::advance_ledger(&mut ledger, &batch.plan);
            plan.records.extend(batch.plan.records);
            plan.invalid.extend(batch.plan.invalid);
            batches += 1;
        }
        Ok(Preview {
            drop_dir: settings.paths.drop_dir.clone(),
            mappings_fetched,
            files,
            batches,
            still_writing,
            plan,
        })
    }
}

/// Parked (unmapped) events worth planning again: all of them after a
/// mapping sync, otherwise those whose employee has a mapping by now, so a
/// crash or failed send after the sync cannot strand them.
/// What a cycle's batches plan against, read once from the store and kept
/// as the store keeps it (see `run_batch`).
pub(super) struct Known {
    mappings: HashMap<EmployeeId, Login>,
    ledger: HashMap<EmployeeId, LedgerEntry>,
}

fn select_parked(
    parked: Vec<ParkedEvent>,
    mappings: &HashMap<EmployeeId, Login>,
    mappings_refreshed: bool,
) -> Vec<ParkedEvent> {
    parked
        .into_iter()
        .filter(|p| mappings_refreshed || mappings.contains_key(&p.event.employee))
        .collect()
}

/// `files` in batches of `per_batch` (at least one), oldest first, parked
/// events with the first batch (alone when no file waits); at most
/// [`MAX_BATCHES_PER_CYCLE`], so one cycle always ends. Apply and preview
/// split alike.
fn into_batches<F>(
    files: Vec<F>,
    mut parked: Vec<ParkedEvent>,
    per_batch: usize,
) -> Vec<(Vec<F>, Vec<ParkedEvent>)> {
    let mut batches = Vec::new();
    let mut files = files.into_iter().peekable();
    while files.peek().is_some() && batches.len() < MAX_BATCHES_PER_CYCLE {
        let batch: Vec<F> = files.by_ref().take(per_batch.max(1)).collect();
        batches.push((batch, std::mem::take(&mut parked)));
    }
    if batches.is_empty() && !parked.is_empty() {
        batches.push((Vec::new(), parked));
    }
    batches
}

/// One batch's plan and what applying it needs to know about its parked
/// events and files.
struct BatchPlan {
    plan: Plan,
    /// Parked events planned again in this batch.
    parked_current: Vec<ParkedEvent>,
    /// Parked events older than `AUTO_CLEANUP_HOURS`, dropped unplanned.
    parked_expired: Vec<ParkedEvent>,
    parked_sources: HashSet<SourceLine>,
}

/// Plans the rows of a batch's files with the `parked` events still worth
/// applying (pure). The one planning path: `run_batch` applies its result,
/// `preview` shows it.
fn plan_batch(
    files: Vec<ingest::Parsed>,
    parked: Vec<ParkedEvent>,
    mappings: &HashMap<EmployeeId, Login>,
    ledger: &HashMap<EmployeeId, LedgerEntry>,
    now: DateTime<Utc>,
    settings: &Settings,
) -> BatchPlan {
    let stale_after = settings.cleanup.stale_after;
    let mut events: Vec<DutyEvent> = Vec::new();
    let mut row_errors = Vec::new();
    for parsed in files {
        events.extend(parsed.events);
        row_errors.extend(parsed.errors);
    }
    let (parked_current, parked_expired): (Vec<ParkedEvent>, Vec<ParkedEvent>) = parked
        .into_iter()
        .partition(|p| now - p.event.at <= stale_after);
    let parked_sources: HashSet<SourceLine> = parked_current
        .iter()
        .map(|p| p.event.source.clone())
        .collect();
    events.extend(parked_current.iter().map(|p| p.event.clone()));
    let plan = plan::plan(PlanInput {
        events: &events,
        row_errors: &row_errors,
        mappings,
        ledger,
        now,
        stale_after,
    });
    BatchPlan {
        plan,
        parked_current,
        parked_expired,
        parked_sources,
    }
}

/// A file whose outcome is recorded but that could not be moved on is a
/// failure of that file alone: it stays in the drop folder (recognised by
/// its hash, never applied twice) and the other files go on.
fn not_moved(
    moved: Result<std::path::PathBuf, folder::FolderError>,
    name: &str,
    report: &mut CycleReport,
) {
    if let Err(e) = moved {
        report.failures.push(
            Failure::new(
                FailureKind::FileNotMoved,
                format!("{name}: its events are recorded, but {e}"),
            )
            .with_file(name),
        );
    }
}
