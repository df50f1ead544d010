//! The ledger: per employee, the last event applied to AtHoc. Planning reads
//! it so a late, older event never overwrites newer data; it only moves
//! forward, and only together with the outcome that justifies it.

use std::collections::HashMap;

use rusqlite::{params, Connection};

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
                    source: SourceLine { file: file.into(), line },
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
    // Latest-wins order, as the planner and preview use it (the duty plays
    // no part in it): [`LedgerEntry::supersedes`] in SQL. `at` compares as
    // text because [`ts`] writes fixed-width UTC; the file name compares
    // byte by byte in both.
    let moved = conn
        .prepare_cached(
            "INSERT INTO ledger (employee_id, at, duty, file, line, login, batch_id, record_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(employee_id) DO UPDATE SET at = excluded.at, duty = excluded.duty,
                 file = excluded.file, line = excluded.line, login = excluded.login,
                 batch_id = excluded.batch_id, record_id = excluded.record_id
             WHERE (excluded.at, excluded.file, excluded.line) > (ledger.at, ledger.file, ledger.line)",
        )
    .and_then(|mut stmt| {
        stmt.execute(params![
            employee.as_str(),
            ts(entry.at),
            entry.duty.code(),
            entry.source.file,
            entry.source.line,
            login.as_str(),
            batch.0,
                record.0
            ])
        })
        .map_err(sql(action))?;
    Ok(moved > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{at, emp, login, store};

    fn entry(h: u32, m: u32, file: &str, line: u32) -> LedgerEntry {
        LedgerEntry {
            at: at(h, m),
            duty: Duty::BookOn,
            source: SourceLine {
                file: file.into(),
                line,
            },
        }
    }

    /// The SQL in `advance` orders entries as `LedgerEntry::supersedes`
    /// does: time, then file name byte by byte, then line.
    #[test]
    fn advance_moves_exactly_when_the_entry_supersedes() {
        let entries = [
            entry(9, 0, "b.csv", 2),
            entry(9, 0, "b.csv", 10),
            entry(9, 0, "B.csv", 3),
            entry(9, 0, "a.csv", 7),
            entry(9, 0, "ä.csv", 1),
            entry(8, 59, "z.csv", 99),
            entry(9, 1, "a.csv", 1),
            entry(10, 0, "a.csv", 1),
        ];
        for first in &entries {
            for second in &entries {
                let s = store();
                // Batch and record IDs point nowhere in this test.
                let off = s.conn.pragma_update(None, "foreign_keys", "OFF");
                assert!(off.is_ok());
                let who = emp("00042");
                let l = login("alice");
                let placed = advance(&s.conn, &who, first, &l, BatchId(1), RecordId(1));
                assert_eq!(placed.ok(), Some(true), "an empty ledger takes {first:?}");
                let moved = advance(&s.conn, &who, second, &l, BatchId(1), RecordId(2));
                assert_eq!(
                    moved.ok(),
                    Some(second.supersedes(first)),
                    "{second:?} after {first:?}"
                );
                let want = if second.supersedes(first) {
                    second
                } else {
                    first
                };
                let held = s.load_ledger().ok().and_then(|mut l| l.remove(&who));
                assert_eq!(held.as_ref(), Some(want));
            }
        }
    }
}
