//! Batches and their records: the plan is journalled before anything is
//! sent (state `pending`), each record's outcome is recorded after, and the
//! ledger advances in the same transaction as the outcomes. A crash between
//! the two leaves the records pending, found again by
//! [`Store::pending_records_of_unfinished_batches`].

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{ledger, parse_ts, sql, ts, Store, StoreError};
use crate::event::{Duty, DutyEvent, EmployeeId, Login, SourceLine};
use crate::plan::{Action, LedgerEntry, Plan, PlannedRecord};

/// A batch's row ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub i64);

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A journalled record's row ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(pub i64);

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One file taking part in a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchFile {
    pub name: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub size: u64,
}

/// How a batch ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    /// Begun, not finished (or the process stopped mid-batch).
    Running,
    /// Every record has a final outcome and none failed.
    Succeeded,
    /// Some records applied, some failed transiently or were rejected.
    Partial,
    /// Nothing could be applied (e.g. AtHoc unreachable).
    Failed,
    /// Found unfinished after a restart and closed by recovery.
    Interrupted,
}

impl BatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Running => "running",
            BatchStatus::Succeeded => "succeeded",
            BatchStatus::Partial => "partial",
            BatchStatus::Failed => "failed",
            BatchStatus::Interrupted => "interrupted",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            BatchStatus::Running,
            BatchStatus::Succeeded,
            BatchStatus::Partial,
            BatchStatus::Failed,
            BatchStatus::Interrupted,
        ]
        .into_iter()
        .find(|s| s.as_str() == code)
    }
}

/// Per-batch tallies, shown in history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCounts {
    /// Valid events read (every record but the invalid rows).
    pub events: u32,
    /// Duty attributes set in AtHoc.
    pub set: u32,
    /// Duty attributes cleared in AtHoc.
    pub cleared: u32,
    pub skipped_older: u32,
    pub superseded: u32,
    pub unmapped: u32,
    /// Refused by AtHoc for good (not retried).
    pub rejected: u32,
    /// Not sent or failed transiently: still pending.
    pub failed: u32,
    pub invalid: u32,
}

/// One update a batch sent, for [`Store::updates_sent_after`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentUpdate {
    pub login: Login,
    /// A Set (else a Clear).
    pub set: bool,
    /// AtHoc applied it.
    pub applied: bool,
}

/// How a batch ended, for [`Store::finish_batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSummary {
    pub finished_at: DateTime<Utc>,
    pub status: BatchStatus,
    pub counts: BatchCounts,
    /// What went wrong for the batch as a whole, for the operator.
    pub error: Option<String>,
}

/// The kind of a journalled record's action (`records.action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Set,
    Clear,
    Superseded,
    SkipOlder,
    Unmapped,
    /// An invalid row: no event, only a file, line and reason.
    Invalid,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Set => "set",
            ActionKind::Clear => "clear",
            ActionKind::Superseded => "superseded",
            ActionKind::SkipOlder => "skip_older",
            ActionKind::Unmapped => "unmapped",
            ActionKind::Invalid => "invalid",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            ActionKind::Set,
            ActionKind::Clear,
            ActionKind::Superseded,
            ActionKind::SkipOlder,
            ActionKind::Unmapped,
            ActionKind::Invalid,
        ]
        .into_iter()
        .find(|k| k.as_str() == code)
    }

    pub fn of(action: &Action) -> Self {
        match action {
            Action::Set { .. } => ActionKind::Set,
            Action::Clear { .. } => ActionKind::Clear,
            Action::Superseded { .. } => ActionKind::Superseded,
            Action::SkipOlder { .. } => ActionKind::SkipOlder,
            Action::Unmapped => ActionKind::Unmapped,
        }
    }
}

/// Where a record stands (`records.state`). Only `Pending` is not final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Journalled; not sent, or failed transiently (will be retried).
    Pending,
    Applied,
    /// Refused by AtHoc for good.
    Rejected,
    Superseded,
    SkippedOlder,
    Unmapped,
    Invalid,
}

impl RecordState {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Pending => "pending",
            RecordState::Applied => "applied",
            RecordState::Rejected => "rejected",
            RecordState::Superseded => "superseded",
            RecordState::SkippedOlder => "skipped_older",
            RecordState::Unmapped => "unmapped",
            RecordState::Invalid => "invalid",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            RecordState::Pending,
            RecordState::Applied,
            RecordState::Rejected,
            RecordState::Superseded,
            RecordState::SkippedOlder,
            RecordState::Unmapped,
            RecordState::Invalid,
        ]
        .into_iter()
        .find(|s| s.as_str() == code)
    }

    /// True for every state but `Pending`.
    pub fn is_final(self) -> bool {
        self != RecordState::Pending
    }
}

/// What AtHoc said about one sent record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOutcome {
    /// Done; the ledger advances for the employee if this event is newer.
    Applied {
        details: String,
        user_id: Option<i64>,
    },
    /// Refused for good (e.g. a value AtHoc rejects): final, not retried.
    Rejected { details: String },
    /// The request carrying it failed (timeout, 5xx, credentials, …): AtHoc
    /// said nothing about the record, so it stays pending for the next cycle.
    Failed {
        details: String,
        /// Why the request failed, so the cycle can tell a definitive
        /// refusal from an outage without reading `details`.
        error: crate::athoc::AthocError,
    },
}

/// A journalled record read back, e.g. for crash recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalledRecord {
    pub id: RecordId,
    pub batch: BatchId,
    pub record: PlannedRecord,
}

/// `local_time` column format: the BOBO wall-clock time as written.
pub(super) const LOCAL_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

fn count(n: u32) -> i64 {
    i64::from(n)
}

impl Store {
    /// Opens a batch over `files`; its status is `running` until
    /// [`Store::finish_batch`].
    pub fn begin_batch(
        &mut self,
        started_at: DateTime<Utc>,
        files: &[BatchFile],
    ) -> Result<BatchId, StoreError> {
        let action = "begin a batch";
        let tx = self.conn.transaction().map_err(sql(action))?;
        tx.execute(
            "INSERT INTO batches (started_at, status) VALUES (?1, 'running')",
            [ts(started_at)],
        )
        .map_err(sql(action))?;
        let batch = tx.last_insert_rowid();
        {
            let mut insert = tx
                .prepare("INSERT INTO batch_files (batch_id, name, sha256, size) VALUES (?1, ?2, ?3, ?4)")
                .map_err(sql(action))?;
            for file in files {
                let size = i64::try_from(file.size).unwrap_or(i64::MAX);
                insert
                    .execute(params![batch, file.name, file.sha256, size])
                    .map_err(sql(action))?;
            }
        }
        tx.commit().map_err(sql(action))?;
        Ok(BatchId(batch))
    }

    /// Journals every planned record (and every invalid row) of `batch` in
    /// one transaction, before anything is sent. Set/Clear records start
    /// `pending`; the others get their final state at once. Returns the IDs
    /// of `plan.records`, index for index (invalid rows are stored, their
    /// IDs not returned).
    pub fn journal_plan(
        &mut self,
        batch: BatchId,
        plan: &Plan,
    ) -> Result<Vec<RecordId>, StoreError> {
        let action = "journal the plan";
        let tx = self.conn.transaction().map_err(sql(action))?;
        ensure_batch(&tx, batch)?;
        let mut ids = Vec::with_capacity(plan.records.len());
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO records (batch_id, employee_id, duty, local_time, at, file, line,
                         action, action_json, login, reason, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(sql(action))?;
            for record in &plan.records {
                let e = &record.event;
                let kind = ActionKind::of(&record.action);
                let (login, state) = match &record.action {
                    Action::Set { login } | Action::Clear { login, .. } => {
                        (Some(login.as_str()), RecordState::Pending)
                    }
                    Action::Superseded { .. } => (None, RecordState::Superseded),
                    Action::SkipOlder { .. } => (None, RecordState::SkippedOlder),
                    Action::Unmapped => (None, RecordState::Unmapped),
                };
                let action_json =
                    serde_json::to_string(&record.action).map_err(|err| StoreError::Corrupt {
                        table: "records",
                        row: e.source.to_string(),
                        detail: format!("the planned action cannot be stored: {err}"),
                    })?;
                insert
                    .execute(params![
                        batch.0,
                        e.employee.as_str(),
                        e.duty.code(),
                        local_text(e.local),
                        ts(e.at),
                        e.source.file,
                        e.source.line,
                        kind.as_str(),
                        action_json,
                        login,
                        // Rendered when shown, from the event and the action.
                        "",
                        state.as_str(),
                    ])
                    .map_err(sql(action))?;
                ids.push(RecordId(tx.last_insert_rowid()));
            }
            let mut invalid = tx
                .prepare(
                    "INSERT INTO records (batch_id, file, line, action, reason, state, employee_id)
                     VALUES (?1, ?2, ?3, 'invalid', ?4, 'invalid', ?5)",
                )
                .map_err(sql(action))?;
            for row in &plan.invalid {
                invalid
                    .execute(params![
                        batch.0,
                        row.source.file,
                        row.source.line,
                        row.reason,
                        row.employee.as_ref().map(ToString::to_string)
                    ])
                    .map_err(sql(action))?;
            }
        }
        tx.commit().map_err(sql(action))?;
        Ok(ids)
    }

    /// Records what AtHoc said about sent records of `batch`, in ONE
    /// transaction that also advances the ledger for applied records (only
    /// where the event is newer than the ledger's entry: it never moves
    /// backwards). `Failed` keeps a record pending and counts the attempt.
    /// An ID that is not a Set/Clear record of `batch` aborts the whole call.
    pub fn record_outcomes(
        &mut self,
        batch: BatchId,
        outcomes: &[(RecordId, RecordOutcome)],
    ) -> Result<(), StoreError> {
        let action = "record the outcomes";
        let tx = self.conn.transaction().map_err(sql(action))?;
        {
            // What the ledger needs of each record answered, read once
            // rather than per outcome: the records of `batch` between the
            // lowest and highest ID (one request's records are journalled
            // one after another).
            let lowest = outcomes.iter().map(|(id, _)| id.0).min().unwrap_or(0);
            let highest = outcomes.iter().map(|(id, _)| id.0).max().unwrap_or(-1);
            let sent = sent_records(&tx, batch, lowest, highest)?;
            let mut applied = tx
                .prepare_cached(
                    "UPDATE records SET state = 'applied', details = ?2, athoc_user_id = ?3,
                         attempts = attempts + 1 WHERE id = ?1",
                )
                .map_err(sql(action))?;
            let mut rejected = tx
                .prepare_cached(
                    "UPDATE records SET state = 'rejected', details = ?2, attempts = attempts + 1
                     WHERE id = ?1",
                )
                .map_err(sql(action))?;
            let mut failed = tx
                .prepare_cached(
                    "UPDATE records SET details = ?2, attempts = attempts + 1
                     WHERE id = ?1 AND state = 'pending'",
                )
                .map_err(sql(action))?;
            for (id, outcome) in outcomes {
                let Some(record) = sent.get(&id.0) else {
                    return Err(StoreError::NotFound {
                        what: "sent record of this batch",
                        id: id.0,
                    });
                };
                match outcome {
                    RecordOutcome::Applied { details, user_id } => {
                        applied
                            .execute(params![id.0, details, user_id])
                            .map_err(sql(action))?;
                        ledger::advance(
                            &tx,
                            &record.employee,
                            &record.entry,
                            &record.login,
                            batch,
                            *id,
                        )?;
                    }
                    RecordOutcome::Rejected { details } => {
                        rejected
                            .execute(params![id.0, details])
                            .map_err(sql(action))?;
                    }
                    RecordOutcome::Failed { details, .. } => {
                        failed
                            .execute(params![id.0, details])
                            .map_err(sql(action))?;
                    }
                }
            }
        }
        tx.commit().map_err(sql(action))
    }

    /// Closes `batch` with its status, tallies and overall error.
    pub fn finish_batch(
        &mut self,
        batch: BatchId,
        summary: &BatchSummary,
    ) -> Result<(), StoreError> {
        let c = &summary.counts;
        let changed = self
            .conn
            .execute(
                "UPDATE batches SET finished_at = ?2, status = ?3, events = ?4, set_count = ?5,
                     cleared = ?6, skipped_older = ?7, superseded = ?8, unmapped = ?9,
                     rejected = ?10, failed = ?11, invalid = ?12, error = ?13
                 WHERE id = ?1",
                params![
                    batch.0,
                    ts(summary.finished_at),
                    summary.status.as_str(),
                    count(c.events),
                    count(c.set),
                    count(c.cleared),
                    count(c.skipped_older),
                    count(c.superseded),
                    count(c.unmapped),
                    count(c.rejected),
                    count(c.failed),
                    count(c.invalid),
                    summary.error,
                ],
            )
            .map_err(sql("finish a batch"))?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "batch",
                id: batch.0,
            });
        }
        Ok(())
    }

    /// Tallies `batch` from its records as they stand now (pending Set/Clear
    /// records count as `failed`), for the summary passed to `finish_batch`.
    pub fn batch_counts(&self, batch: BatchId) -> Result<BatchCounts, StoreError> {
        let action = "count a batch's records";
        let mut stmt = self
            .conn
            .prepare("SELECT action, state, COUNT(*) FROM records WHERE batch_id = ?1 GROUP BY action, state")
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([batch.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(sql(action))?;
        let mut c = BatchCounts::default();
        for row in rows {
            let (kind, state, n) = row.map_err(sql(action))?;
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            let kind = ActionKind::from_code(&kind);
            if kind != Some(ActionKind::Invalid) {
                c.events += n;
            }
            match (kind, RecordState::from_code(&state)) {
                (Some(ActionKind::Set), Some(RecordState::Applied)) => c.set += n,
                (Some(ActionKind::Clear), Some(RecordState::Applied)) => c.cleared += n,
                (_, Some(RecordState::Pending)) => c.failed += n,
                (_, Some(RecordState::Rejected)) => c.rejected += n,
                (_, Some(RecordState::Superseded)) => c.superseded += n,
                (_, Some(RecordState::SkippedOlder)) => c.skipped_older += n,
                (_, Some(RecordState::Unmapped)) => c.unmapped += n,
                (_, Some(RecordState::Invalid)) => c.invalid += n,
                _ => {}
            }
        }
        Ok(c)
    }

    /// Batches begun and never finished: the process stopped mid-batch.
    pub fn unfinished_batches(&self) -> Result<Vec<BatchId>, StoreError> {
        let action = "find batches a stopped process left unfinished";
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM batches WHERE finished_at IS NULL ORDER BY id")
            .map_err(sql(action))?;
        let ids = stmt.query_map([], |r| r.get(0)).map_err(sql(action))?;
        ids.map(|id| id.map(BatchId).map_err(sql(action))).collect()
    }

    /// Closes a batch found unfinished after a restart as
    /// [`BatchStatus::Interrupted`]. Its files never left the drop folder,
    /// so the next batch reads them again; its pending records stay pending.
    pub fn close_interrupted(
        &mut self,
        batch: BatchId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let counts = self.batch_counts(batch)?;
        self.finish_batch(
            batch,
            &BatchSummary {
                finished_at: now,
                status: BatchStatus::Interrupted,
                counts,
                error: Some(
                    "BoboSync stopped during this batch; its files stayed in the drop folder and were read again"
                        .to_owned(),
                ),
            },
        )
    }

    /// The newest batch (`BatchId(0)` before the first; IDs start at 1):
    /// batches begun later have greater IDs.
    pub fn last_batch_id(&self) -> Result<BatchId, StoreError> {
        self.conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM batches", [], |r| r.get(0))
            .map(BatchId)
            .map_err(sql("find the newest batch"))
    }

    /// The updates (Set and Clear records) of the batches begun after
    /// `after`, oldest first, whatever their outcome.
    pub fn updates_sent_after(&self, after: BatchId) -> Result<Vec<SentUpdate>, StoreError> {
        let action = "read the updates sent since a batch";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT login, action, state FROM records WHERE batch_id > ?1
                     AND action IN ('set', 'clear') AND login IS NOT NULL ORDER BY id",
            )
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([after.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(sql(action))?;
        let mut updates = Vec::new();
        for row in rows {
            let (login, kind, state) = row.map_err(sql(action))?;
            if let Some(login) = Login::new(&login) {
                updates.push(SentUpdate {
                    login,
                    set: kind == ActionKind::Set.as_str(),
                    applied: state == RecordState::Applied.as_str(),
                });
            }
        }
        Ok(updates)
    }

    /// Records journalled by batches that never finished (the process
    /// stopped between journalling and recording outcomes) and still without
    /// an outcome, oldest first.
    pub fn pending_records_of_unfinished_batches(
        &self,
    ) -> Result<Vec<JournalledRecord>, StoreError> {
        let action = "find records left pending by an interrupted batch";
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {RECORD_COLUMNS} FROM records r JOIN batches b ON b.id = r.batch_id
                 WHERE b.finished_at IS NULL AND r.state = 'pending' ORDER BY r.id"
            ))
            .map_err(sql(action))?;
        let rows = stmt.query_map([], raw_record).map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(sql(action))?.into_journalled()?);
        }
        Ok(out)
    }
}

fn ensure_batch(conn: &Connection, batch: BatchId) -> Result<(), StoreError> {
    let found: Option<i64> = conn
        .query_row("SELECT id FROM batches WHERE id = ?1", [batch.0], |r| {
            r.get(0)
        })
        .optional()
        .map_err(sql("find a batch"))?;
    found.map(|_| ()).ok_or(StoreError::NotFound {
        what: "batch",
        id: batch.0,
    })
}

/// `t` as [`LOCAL_FORMAT`] writes it, without parsing the format for every
/// record (the journal writes one per row).
pub(super) fn local_text(t: NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A record sent to AtHoc (a Set or Clear), as the ledger takes it.
struct SentRecord {
    employee: EmployeeId,
    entry: LedgerEntry,
    login: Login,
}

/// The Set and Clear records of `batch` with IDs from `lowest` to
/// `highest`, by record ID.
fn sent_records(
    conn: &Connection,
    batch: BatchId,
    lowest: i64,
    highest: i64,
) -> Result<HashMap<i64, SentRecord>, StoreError> {
    let action = "read the batch's sent records";
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, employee_id, duty, at, file, line, login FROM records
             WHERE id BETWEEN ?2 AND ?3 AND batch_id = ?1 AND action IN ('set', 'clear')",
        )
        .map_err(sql(action))?;
    let rows = stmt
        .query_map(params![batch.0, lowest, highest], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, u32>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })
        .map_err(sql(action))?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, employee, duty, at, file, line, login) = row.map_err(sql(action))?;
        let corrupt = |detail: &str| StoreError::Corrupt {
            table: "records",
            row: id.to_string(),
            detail: detail.to_owned(),
        };
        let employee = employee
            .as_deref()
            .and_then(EmployeeId::new)
            .ok_or_else(|| corrupt("no employee ID"))?;
        let duty = duty
            .as_deref()
            .and_then(Duty::from_code)
            .ok_or_else(|| corrupt("duty is not BON or BOF"))?;
        let at = parse_ts(
            "records",
            &id.to_string(),
            at.as_deref().unwrap_or_default(),
        )?;
        let login = login
            .as_deref()
            .and_then(Login::new)
            .ok_or_else(|| corrupt("a sent record without a login"))?;
        out.insert(
            id,
            SentRecord {
                employee,
                entry: LedgerEntry {
                    at,
                    duty,
                    source: SourceLine {
                        file: file.into(),
                        line,
                    },
                },
                login,
            },
        );
    }
    Ok(out)
}

/// The columns [`raw_record`] reads, prefixed for a join on `records r`.
const RECORD_COLUMNS: &str = "r.id, r.batch_id, r.employee_id, r.duty, r.local_time, r.at, \
     r.file, r.line, r.action_json";

/// A `records` row with an event, as stored.
struct RawRecord {
    id: i64,
    batch: i64,
    employee: Option<String>,
    duty: Option<String>,
    local: Option<String>,
    at: Option<String>,
    file: String,
    line: u32,
    action_json: Option<String>,
}

fn raw_record(r: &Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok(RawRecord {
        id: r.get(0)?,
        batch: r.get(1)?,
        employee: r.get(2)?,
        duty: r.get(3)?,
        local: r.get(4)?,
        at: r.get(5)?,
        file: r.get(6)?,
        line: r.get(7)?,
        action_json: r.get(8)?,
    })
}

impl RawRecord {
    fn into_journalled(self) -> Result<JournalledRecord, StoreError> {
        let row = self.id.to_string();
        let corrupt = |detail: String| StoreError::Corrupt {
            table: "records",
            row: row.clone(),
            detail,
        };
        let employee = self
            .employee
            .as_deref()
            .and_then(EmployeeId::new)
            .ok_or_else(|| corrupt("no employee ID".into()))?;
        let duty = self
            .duty
            .as_deref()
            .and_then(Duty::from_code)
            .ok_or_else(|| corrupt(format!("duty {:?} is not BON or BOF", self.duty)))?;
        let local = self
            .local
            .as_deref()
            .and_then(|t| NaiveDateTime::parse_from_str(t, LOCAL_FORMAT).ok())
            .ok_or_else(|| corrupt(format!("local time {:?} unreadable", self.local)))?;
        let at = parse_ts("records", &row, self.at.as_deref().unwrap_or_default())?;
        let action: Action = self
            .action_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .ok_or_else(|| corrupt(format!("action {:?} unreadable", self.action_json)))?;
        Ok(JournalledRecord {
            id: RecordId(self.id),
            batch: BatchId(self.batch),
            record: PlannedRecord {
                event: DutyEvent {
                    employee,
                    duty,
                    local,
                    at,
                    source: SourceLine {
                        file: self.file.into(),
                        line: self.line,
                    },
                },
                action,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Login, RowError};
    use crate::store::test_support::{at, event, login, store};

    fn file(name: &str) -> BatchFile {
        BatchFile {
            name: name.into(),
            sha256: format!("sha-{name}"),
            size: 10,
        }
    }

    fn planned(employee: &str, duty: Duty, h: u32, line: u32, action: Action) -> PlannedRecord {
        PlannedRecord {
            event: event(employee, duty, h, 0, "BOBO_1.csv", line),
            action,
        }
    }

    fn set(l: &str) -> Action {
        Action::Set { login: login(l) }
    }

    fn clear(l: &str) -> Action {
        Action::clear(login(l))
    }

    /// A plan with two sendable records, one of each final kind and an invalid row.
    fn sample_plan() -> Plan {
        Plan {
            records: vec![
                planned("00042", Duty::BookOn, 9, 2, set("alice")),
                planned("7", Duty::BookOff, 9, 3, clear("bob")),
                planned(
                    "00042",
                    Duty::BookOn,
                    8,
                    1,
                    Action::Superseded {
                        by: SourceLine {
                            file: "BOBO_1.csv".into(),
                            line: 2,
                        },
                        by_duty: Some(Duty::BookOn),
                        by_at: Some(at(9, 0)),
                    },
                ),
                planned(
                    "8",
                    Duty::BookOn,
                    7,
                    4,
                    Action::SkipOlder {
                        applied_at: at(7, 30),
                        applied_from: SourceLine {
                            file: "BOBO_0.csv".into(),
                            line: 9,
                        },
                        applied_duty: Some(Duty::BookOff),
                    },
                ),
                planned("99", Duty::BookOn, 9, 5, Action::Unmapped),
            ],
            invalid: vec![RowError {
                source: SourceLine {
                    file: "BOBO_1.csv".into(),
                    line: 6,
                },
                reason: "time 25:00 is not a time".into(),
                employee: None,
            }],
        }
    }

    #[test]
    fn local_text_writes_what_the_local_format_writes() {
        for text in [
            "2025-06-17 09:05:07",
            "0999-01-02 23:59:59",
            "2025-12-31 00:00:00",
        ] {
            let t = NaiveDateTime::parse_from_str(text, LOCAL_FORMAT).expect("a valid time");
            assert_eq!(local_text(t), t.format(LOCAL_FORMAT).to_string());
            assert_eq!(local_text(t), text);
        }
    }

    fn states(s: &Store, batch: BatchId) -> Vec<(ActionKind, RecordState)> {
        s.batch_records(batch)
            .ok()
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.action, r.state))
            .collect()
    }

    #[test]
    fn the_updates_sent_after_a_batch_are_those_of_its_successors() {
        let mut s = store();
        assert_eq!(s.last_batch_id().ok(), Some(BatchId(0)));
        let Ok(first) = s.begin_batch(at(10, 0), &[file("BOBO_1.csv")]) else {
            panic!("begin")
        };
        let Ok(ids) = s.journal_plan(first, &sample_plan()) else {
            panic!("journal")
        };
        assert_eq!(s.last_batch_id().ok(), Some(first));
        let sent = |s: &Store, after| {
            s.updates_sent_after(after)
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .map(|u| (u.login.as_str().to_owned(), u.set, u.applied))
                .collect::<Vec<_>>()
        };
        // Set and Clear records count, pending or not; others have no login.
        assert_eq!(
            sent(&s, BatchId(0)),
            [
                ("alice".to_owned(), true, false),
                ("bob".to_owned(), false, false)
            ]
        );
        assert!(sent(&s, first).is_empty());
        let applied = RecordOutcome::Applied {
            details: "Updated".into(),
            user_id: Some(1),
        };
        assert!(s.record_outcomes(first, &[(ids[0], applied)]).is_ok());
        assert_eq!(sent(&s, BatchId(0))[0], ("alice".to_owned(), true, true));
        let Ok(second) = s.begin_batch(at(11, 0), &[file("BOBO_2.csv")]) else {
            panic!("begin")
        };
        let plan = Plan {
            records: vec![planned("5", Duty::BookOn, 10, 1, set("carol"))],
            invalid: Vec::new(),
        };
        assert!(s.journal_plan(second, &plan).is_ok());
        assert_eq!(sent(&s, first), [("carol".to_owned(), true, false)]);
    }

    #[test]
    fn journal_stores_every_record_with_its_initial_state() {
        let mut s = store();
        let Ok(batch) = s.begin_batch(at(10, 0), &[file("BOBO_1.csv")]) else {
            panic!("begin")
        };
        let ids = s
            .journal_plan(batch, &sample_plan())
            .ok()
            .unwrap_or_default();
        assert_eq!(ids.len(), 5);
        assert_eq!(
            states(&s, batch),
            vec![
                (ActionKind::Set, RecordState::Pending),
                (ActionKind::Clear, RecordState::Pending),
                (ActionKind::Superseded, RecordState::Superseded),
                (ActionKind::SkipOlder, RecordState::SkippedOlder),
                (ActionKind::Unmapped, RecordState::Unmapped),
                (ActionKind::Invalid, RecordState::Invalid),
            ]
        );
        let rows = s.batch_records(batch).ok().unwrap_or_default();
        assert_eq!(rows[0].local.as_deref(), Some("2025-06-17 10:00:00"));
        assert_eq!(rows[0].login, Login::new("alice"));
        assert_eq!(rows[5].source.line, 6);
        assert_eq!(rows[5].reason, "time 25:00 is not a time");
        // Event records store no reason: history renders the planner's.
        for (row, planned) in rows.iter().zip(&sample_plan().records) {
            assert_eq!(row.reason, planned.reason());
        }
    }

    #[test]
    fn a_crash_between_journal_and_outcomes_leaves_records_recoverable() {
        let mut s = store();
        let Ok(batch) = s.begin_batch(at(10, 0), &[file("BOBO_1.csv")]) else {
            panic!("begin")
        };
        let plan = sample_plan();
        let ids = s.journal_plan(batch, &plan).ok().unwrap_or_default();
        // "Crash": no outcomes, no finish_batch.
        let pending = s
            .pending_records_of_unfinished_batches()
            .ok()
            .unwrap_or_default();
        assert_eq!(
            pending,
            vec![
                JournalledRecord {
                    id: ids[0],
                    batch,
                    record: plan.records[0].clone()
                },
                JournalledRecord {
                    id: ids[1],
                    batch,
                    record: plan.records[1].clone()
                },
            ]
        );
        // Recovery closes the batch: nothing is listed any more.
        let summary = BatchSummary {
            finished_at: at(10, 5),
            status: BatchStatus::Interrupted,
            counts: s.batch_counts(batch).ok().unwrap_or_default(),
            error: Some("BoboSync stopped during this batch".into()),
        };
        assert!(s.finish_batch(batch, &summary).is_ok());
        assert_eq!(s.pending_records_of_unfinished_batches().ok(), Some(vec![]));
    }

    #[test]
    fn outcomes_set_states_and_advance_the_ledger_for_applied_only() {
        let mut s = store();
        let Ok(batch) = s.begin_batch(at(10, 0), &[file("BOBO_1.csv")]) else {
            panic!("begin")
        };
        let ids = s
            .journal_plan(batch, &sample_plan())
            .ok()
            .unwrap_or_default();
        let outcomes = [
            (
                ids[0],
                RecordOutcome::Applied {
                    details: "Updated".into(),
                    user_id: Some(501),
                },
            ),
            (
                ids[1],
                RecordOutcome::Failed {
                    details: "timeout".into(),
                    error: crate::athoc::AthocError::Timeout {
                        endpoint: "POST /sync".into(),
                        timeout: std::time::Duration::from_secs(30),
                    },
                },
            ),
        ];
        assert!(s.record_outcomes(batch, &outcomes).is_ok());
        let ledger = s.load_ledger().ok().unwrap_or_default();
        assert_eq!(ledger.len(), 1);
        assert_eq!(
            ledger.get(&crate::store::test_support::emp("00042")),
            Some(&LedgerEntry {
                at: at(9, 0),
                duty: Duty::BookOn,
                source: SourceLine {
                    file: "BOBO_1.csv".into(),
                    line: 2
                }
            })
        );
        let rows = s.batch_records(batch).ok().unwrap_or_default();
        assert_eq!(
            (rows[0].state, rows[0].athoc_user_id, rows[0].attempts),
            (RecordState::Applied, Some(501), 1)
        );
        assert_eq!(
            (rows[1].state, rows[1].details.as_deref(), rows[1].attempts),
            (RecordState::Pending, Some("timeout"), 1)
        );

        let rejected = [(
            ids[1],
            RecordOutcome::Rejected {
                details: "invalid value".into(),
            },
        )];
        assert!(s.record_outcomes(batch, &rejected).is_ok());
        let counts = s.batch_counts(batch).ok();
        assert_eq!(
            counts,
            Some(BatchCounts {
                events: 5,
                set: 1,
                cleared: 0,
                skipped_older: 1,
                superseded: 1,
                unmapped: 1,
                rejected: 1,
                failed: 0,
                invalid: 1
            })
        );
        assert_eq!(
            s.load_ledger().ok().map(|l| l.len()),
            Some(1),
            "a rejection does not move the ledger"
        );
    }

    #[test]
    fn the_ledger_never_moves_backwards() {
        let mut s = store();
        let newer = Plan {
            records: vec![planned("5", Duty::BookOff, 12, 1, clear("e"))],
            invalid: vec![],
        };
        let older = Plan {
            records: vec![planned("5", Duty::BookOn, 11, 2, set("e"))],
            invalid: vec![],
        };
        for plan in [newer, older] {
            let Ok(batch) = s.begin_batch(at(13, 0), &[]) else {
                panic!("begin")
            };
            let ids = s.journal_plan(batch, &plan).ok().unwrap_or_default();
            let applied = [(
                ids[0],
                RecordOutcome::Applied {
                    details: String::new(),
                    user_id: None,
                },
            )];
            assert!(s.record_outcomes(batch, &applied).is_ok());
        }
        let entry = s
            .load_ledger()
            .ok()
            .and_then(|l| l.get(&crate::store::test_support::emp("5")).cloned());
        assert_eq!(
            entry.map(|e| (e.at, e.duty)),
            Some((at(12, 0), Duty::BookOff))
        );
    }

    #[test]
    fn outcomes_for_another_batch_or_a_final_record_are_refused_whole() {
        let mut s = store();
        let Ok(b1) = s.begin_batch(at(10, 0), &[]) else {
            panic!("begin")
        };
        let Ok(b2) = s.begin_batch(at(10, 1), &[]) else {
            panic!("begin")
        };
        let ids = s.journal_plan(b1, &sample_plan()).ok().unwrap_or_default();
        let ok = (
            ids[0],
            RecordOutcome::Applied {
                details: String::new(),
                user_id: None,
            },
        );
        assert!(s.record_outcomes(b2, std::slice::from_ref(&ok)).is_err());
        let unmapped = (
            ids[4],
            RecordOutcome::Applied {
                details: String::new(),
                user_id: None,
            },
        );
        assert!(s.record_outcomes(b1, &[ok, unmapped]).is_err());
        assert_eq!(
            s.load_ledger().ok().map(|l| l.len()),
            Some(0),
            "rolled back"
        );
        assert_eq!(states(&s, b1)[0], (ActionKind::Set, RecordState::Pending));
    }

    #[test]
    fn finished_batches_show_in_history_newest_first() {
        let mut s = store();
        let Ok(b1) = s.begin_batch(at(10, 0), &[file("BOBO_1.csv"), file("BOBO_2.csv")]) else {
            panic!("begin")
        };
        let Ok(b2) = s.begin_batch(at(11, 0), &[]) else {
            panic!("begin")
        };
        let summary = BatchSummary {
            finished_at: at(10, 1),
            status: BatchStatus::Succeeded,
            counts: BatchCounts {
                events: 4,
                set: 3,
                cleared: 1,
                ..BatchCounts::default()
            },
            error: None,
        };
        assert!(s.finish_batch(b1, &summary).is_ok());
        assert!(s.finish_batch(BatchId(99), &summary).is_err());
        let rows = s.recent_batches(10).ok().unwrap_or_default();
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b2, b1]);
        assert_eq!(rows[0].status, BatchStatus::Running);
        assert_eq!(
            rows[1].files,
            vec!["BOBO_1.csv".to_owned(), "BOBO_2.csv".to_owned()]
        );
        assert_eq!(rows[1].counts, summary.counts);
        assert_eq!(rows[1].duration(), Some(chrono::Duration::minutes(1)));
        assert_eq!(s.recent_batches(1).ok().map(|r| r.len()), Some(1));
    }

    #[test]
    fn records_for_matches_employee_or_login_exactly_newest_first() {
        let mut s = store();
        let Ok(batch) = s.begin_batch(at(10, 0), &[]) else {
            panic!("begin")
        };
        assert!(s.journal_plan(batch, &sample_plan()).is_ok());
        let lines = |q: &str| -> Vec<u32> {
            s.records_for(q, 10)
                .ok()
                .unwrap_or_default()
                .iter()
                .map(|r| r.source.line)
                .collect()
        };
        assert_eq!(lines("00042"), vec![2, 1]);
        assert_eq!(lines(" bob "), vec![3]);
        assert_eq!(lines("42"), Vec::<u32>::new());
        assert_eq!(s.records_for("00042", 1).ok().map(|r| r.len()), Some(1));
    }
}
