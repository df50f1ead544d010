//! The ledger: per employee, the last event applied to AtHoc. Planning reads
//! it so a late, older event never overwrites newer data; it only moves
//! forward, and only together with the outcome that justifies it.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::{parse_ts, sql, ts, BatchId, RecordId, Store, StoreError};
use crate::event::{Duty, EmployeeId, Login, SourceLine};
use crate::plan::LedgerEntry;

/// A ledger row with what the plan does not need (for history and checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub employee: EmployeeId,
    pub entry: LedgerEntry,
    pub login: Login,
    pub batch: Option<BatchId>,
}

impl Store {
    /// The whole ledger, as planning wants it.
    pub fn load_ledger(&self) -> Result<HashMap<EmployeeId, LedgerEntry>, StoreError> {
        Ok(self
            .ledger_rows()?
            .into_iter()
            .map(|row| (row.employee, row.entry))
            .collect())
    }

    /// The whole ledger with logins and batch IDs, by employee ID.
    pub fn ledger_rows(&self) -> Result<Vec<LedgerRow>, StoreError> {
        let action = "load the ledger";
        let mut stmt = self
            .conn
            .prepare("SELECT employee_id, at, duty, file, line, login, batch_id FROM ledger ORDER BY employee_id")
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ))
            })
            .map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            let (employee, at, duty, file, line, login, batch) = row.map_err(sql(action))?;
            let corrupt = |detail: String| StoreError::Corrupt {
                table: "ledger",
                row: employee.clone(),
                detail,
            };
            let at = parse_ts("ledger", &employee, &at)?;
            let duty = Duty::from_code(&duty)
                .ok_or_else(|| corrupt(format!("duty {duty:?} is not BON or BOF")))?;
            let login = Login::new(&login).ok_or_else(|| corrupt("blank login".into()))?;
            let emp =
                EmployeeId::new(&employee).ok_or_else(|| corrupt("blank employee ID".into()))?;
            out.push(LedgerRow {
                employee: emp,
                entry: LedgerEntry {
                    at,
                    duty,
                    source: SourceLine { file, line },
                },
                login,
                batch: batch.map(BatchId),
            });
        }
        Ok(out)
    }
}

/// Moves `employee`'s ledger entry to `entry` if it is strictly newer than
/// the current one (or there is none). Returns whether it moved. Called
/// inside the transaction that records the outcome.
pub(super) fn advance(
    conn: &Connection,
    employee: &EmployeeId,
    entry: &LedgerEntry,
    login: &Login,
    batch: BatchId,
    record: RecordId,
) -> Result<bool, StoreError> {
    let action = "advance the ledger";
    let current: Option<(String, String, String, u32)> = conn
        .query_row(
            "SELECT at, duty, file, line FROM ledger WHERE employee_id = ?1",
            [employee.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(sql(action))?;
    if let Some((at, duty, file, line)) = current {
        // Latest-wins order, as the planner and preview use it (the duty
        // plays no part in it).
        let current = LedgerEntry {
            at: parse_ts("ledger", employee.as_str(), &at)?,
            duty: Duty::from_code(&duty).unwrap_or(entry.duty),
            source: SourceLine { file, line },
        };
        if !entry.supersedes(&current) {
            return Ok(false);
        }
    }
    conn.execute(
        "INSERT INTO ledger (employee_id, at, duty, file, line, login, batch_id, record_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(employee_id) DO UPDATE SET at = excluded.at, duty = excluded.duty,
             file = excluded.file, line = excluded.line, login = excluded.login,
             batch_id = excluded.batch_id, record_id = excluded.record_id",
        params![
            employee.as_str(),
            ts(entry.at),
            entry.duty.code(),
            entry.source.file,
            entry.source.line,
            login.as_str(),
            batch.0,
            record.0
        ],
    )
    .map_err(sql(action))?;
    Ok(true)
}
