//! Reading the journal back for people: recent batches, a batch's records,
//! and every record of one employee or login ("why was PC 1234 not
//! alerted?").

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use rusqlite::{params, Row};
use serde::{Deserialize, Serialize};

use super::{
    parse_ts, sql, ActionKind, BatchCounts, BatchId, BatchStatus, RecordId, RecordState, Store,
    StoreError,
};
use crate::event::{Duty, DutyEvent, EmployeeId, Login, SourceLine};
use crate::plan::{Action, PlannedRecord};

/// One batch, as history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRow {
    pub id: BatchId,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Names of the batch's files, in the order they were given.
    pub files: Vec<String>,
    pub counts: BatchCounts,
    pub status: BatchStatus,
    pub error: Option<String>,
}

impl BatchRow {
    /// How long the batch took, once finished.
    pub fn duration(&self) -> Option<Duration> {
        self.finished_at.map(|f| f - self.started_at)
    }
}

/// One journalled record, as history shows it. Invalid rows have no
/// employee, duty or times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRow {
    pub id: RecordId,
    pub batch: BatchId,
    pub employee: Option<EmployeeId>,
    pub duty: Option<Duty>,
    /// The BOBO wall-clock time as written (`YYYY-MM-DD HH:MM:SS`).
    pub local: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub source: SourceLine,
    pub action: ActionKind,
    pub login: Option<Login>,
    pub reason: String,
    pub state: RecordState,
    /// AtHoc's reply or the last error.
    pub details: Option<String>,
    pub athoc_user_id: Option<i64>,
    /// Times it was sent.
    pub attempts: u32,
}

const RECORD_ROW_COLUMNS: &str = "id, batch_id, employee_id, duty, local_time, at, file, line, \
     action, login, reason, state, details, athoc_user_id, attempts, action_json";

type RawRow = (
    (
        i64,
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        u32,
    ),
    (
        String,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<i64>,
        u32,
        Option<String>,
    ),
);

fn raw_row(r: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ),
        (
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
            r.get(11)?,
            r.get(12)?,
            r.get(13)?,
            r.get(14)?,
            r.get(15)?,
        ),
    ))
}

fn record_row(raw: RawRow) -> Result<RecordRow, StoreError> {
    let (
        (id, batch, employee, duty, local, at, file, line),
        (action, login, reason, state, details, user, attempts, action_json),
    ) = raw;
    let row = id.to_string();
    let corrupt = |detail: String| StoreError::Corrupt {
        table: "records",
        row: row.clone(),
        detail,
    };
    let employee = employee.as_deref().and_then(EmployeeId::new);
    let duty = duty.as_deref().and_then(Duty::from_code);
    let at = at.map(|t| parse_ts("records", &row, &t)).transpose()?;
    let source = SourceLine { file: file.into(), line };
    // Records journalled since reasons stopped being stored carry none: it
    // is rendered from the event and the action, as planning would.
    let reason = if reason.is_empty() {
        rendered_reason(
            &employee,
            duty,
            local.as_deref(),
            at,
            &source,
            action_json.as_deref(),
        )
        .ok_or_else(|| corrupt("no reason, and the event or action is unreadable".into()))?
    } else {
        reason
    };
    Ok(RecordRow {
        id: RecordId(id),
        batch: BatchId(batch),
        employee,
        duty,
        local,
        at,
        source,
        action: ActionKind::from_code(&action)
            .ok_or_else(|| corrupt(format!("unknown action {action:?}")))?,
        login: login.as_deref().and_then(Login::new),
        reason,
        state: RecordState::from_code(&state)
            .ok_or_else(|| corrupt(format!("unknown state {state:?}")))?,
        details,
        athoc_user_id: user,
        attempts,
    })
}

/// The reason of a journalled event record, rendered from its columns.
fn rendered_reason(
    employee: &Option<EmployeeId>,
    duty: Option<Duty>,
    local: Option<&str>,
    at: Option<DateTime<Utc>>,
    source: &SourceLine,
    action_json: Option<&str>,
) -> Option<String> {
    let record = PlannedRecord {
        event: DutyEvent {
            employee: employee.clone()?,
            duty: duty?,
            local: NaiveDateTime::parse_from_str(local?, super::batches::LOCAL_FORMAT).ok()?,
            at: at?,
            source: source.clone(),
        },
        action: serde_json::from_str::<Action>(action_json?).ok()?,
    };
    Some(record.reason())
}

impl Store {
    /// The `limit` most recent batches, newest first.
    pub fn recent_batches(&self, limit: usize) -> Result<Vec<BatchRow>, StoreError> {
        let action = "list recent batches";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, started_at, finished_at, status, events, set_count, cleared,
                     skipped_older, superseded, unmapped, rejected, failed, invalid, error
                 FROM batches ORDER BY id DESC LIMIT ?1",
            )
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok((
                    (
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ),
                    r.get::<_, String>(3)?,
                    BatchCounts {
                        events: r.get(4)?,
                        set: r.get(5)?,
                        cleared: r.get(6)?,
                        skipped_older: r.get(7)?,
                        superseded: r.get(8)?,
                        unmapped: r.get(9)?,
                        rejected: r.get(10)?,
                        failed: r.get(11)?,
                        invalid: r.get(12)?,
                    },
                    r.get::<_, Option<String>>(13)?,
                ))
            })
            .map_err(sql(action))?;
        let mut files_stmt = self
            .conn
            .prepare("SELECT name FROM batch_files WHERE batch_id = ?1 ORDER BY id")
            .map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            let ((id, started, finished), status, counts, error) = row.map_err(sql(action))?;
            let key = id.to_string();
            let files = files_stmt
                .query_map([id], |r| r.get::<_, String>(0))
                .map_err(sql(action))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql(action))?;
            out.push(BatchRow {
                id: BatchId(id),
                started_at: parse_ts("batches", &key, &started)?,
                finished_at: finished
                    .map(|f| parse_ts("batches", &key, &f))
                    .transpose()?,
                files,
                counts,
                status: BatchStatus::from_code(&status).ok_or_else(|| StoreError::Corrupt {
                    table: "batches",
                    row: key.clone(),
                    detail: format!("unknown status {status:?}"),
                })?,
                error,
            });
        }
        Ok(out)
    }

    /// Every record of `batch`, in journal order.
    pub fn batch_records(&self, batch: BatchId) -> Result<Vec<RecordRow>, StoreError> {
        let action = "list a batch's records";
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {RECORD_ROW_COLUMNS} FROM records WHERE batch_id = ?1 ORDER BY id"
            ))
            .map_err(sql(action))?;
        let rows = stmt.query_map([batch.0], raw_row).map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(record_row(row.map_err(sql(action))?)?);
        }
        Ok(out)
    }

    /// The records whose employee ID or login is exactly `query` (surrounding
    /// spaces ignored), newest event first, at most `limit`.
    pub fn records_for(&self, query: &str, limit: usize) -> Result<Vec<RecordRow>, StoreError> {
        let action = "search records by employee or login";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {RECORD_ROW_COLUMNS} FROM records WHERE employee_id = ?1 OR login = ?1
                 ORDER BY at DESC, id DESC LIMIT ?2"
            ))
            .map_err(sql(action))?;
        let rows = stmt
            .query_map(params![query.trim(), limit], raw_row)
            .map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(record_row(row.map_err(sql(action))?)?);
        }
        Ok(out)
    }
}
