//! Cycles that failed before or outside any batch — credentials refused,
//! AtHoc down, the user mappings not ready, a mapping sync or cleanup that
//! failed — so history shows them beside the batches. A failure that goes
//! on cycle after cycle is one row with a count, not one row per cycle.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{parse_ts, sql, ts, Store, StoreError};

/// One failure (or a run of the same failure) as history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunFailureRow {
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    /// Cycles it failed in, from `first_at` to `last_at`.
    pub count: u32,
    /// The failure kind's code (`athoc_authentication`, …).
    pub kind: String,
    pub file: Option<String>,
    /// The latest message.
    pub message: String,
}

impl Store {
    /// Records that a cycle failed with `kind` (about `file`, if any). While
    /// failures go on, one with the same kind and file as an open row only
    /// updates that row.
    pub fn record_run_failure(
        &mut self,
        kind: &str,
        file: Option<&str>,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let action = "record a failed cycle";
        let tx = self.conn.transaction().map_err(sql(action))?;
        let open: Option<i64> = tx
            .query_row(
                "SELECT id FROM run_failures WHERE open = 1 AND kind = ?1 AND file IS ?2
                 ORDER BY id DESC LIMIT 1",
                params![kind, file],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql(action))?;
        match open {
            Some(id) => tx.execute(
                "UPDATE run_failures SET last_at = ?2, count = count + 1, message = ?3 WHERE id = ?1",
                params![id, ts(now), message],
            ),
            None => tx.execute(
                "INSERT INTO run_failures (first_at, last_at, kind, file, message)
                 VALUES (?1, ?1, ?2, ?3, ?4)",
                params![ts(now), kind, file, message],
            ),
        }
        .map_err(sql(action))?;
        tx.commit().map_err(sql(action))
    }

    /// A cycle without such failures ends the runs of failures: the next
    /// failure starts a row of its own.
    pub fn close_run_failures(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE run_failures SET open = 0 WHERE open = 1", [])
            .map(|_| ())
            .map_err(sql("close failed cycles"))
    }

    /// The latest failed cycles, newest first.
    pub fn recent_run_failures(&self, limit: usize) -> Result<Vec<RunFailureRow>, StoreError> {
        let action = "list failed cycles";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, first_at, last_at, count, kind, file, message FROM run_failures
                 ORDER BY last_at DESC, id DESC LIMIT ?1",
            )
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, first, last, count, kind, file, message) = row.map_err(sql(action))?;
            let id = id.to_string();
            out.push(RunFailureRow {
                first_at: parse_ts("run_failures", &id, &first)?,
                last_at: parse_ts("run_failures", &id, &last)?,
                count,
                kind,
                file,
                message,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::test_support::{at, store};

    #[test]
    fn a_failure_that_goes_on_is_one_row_until_a_clean_cycle() {
        let mut s = store();
        let record = |s: &mut crate::store::Store, kind: &str, message: &str, minute: u32| {
            s.record_run_failure(kind, None, message, at(8, minute))
                .unwrap_or_else(|e| panic!("record: {e}"));
        };
        record(&mut s, "athoc_unavailable", "HTTP 503", 0);
        record(&mut s, "athoc_unavailable", "HTTP 502", 1);
        record(&mut s, "mapping_sync", "sync failed", 1);
        let rows = s.recent_run_failures(10).unwrap_or_default();
        let summary: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.kind.as_str(),
                    r.count,
                    r.message.as_str(),
                    r.first_at,
                    r.last_at,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("mapping_sync", 1, "sync failed", at(8, 1), at(8, 1)),
                ("athoc_unavailable", 2, "HTTP 502", at(8, 0), at(8, 1)),
            ]
        );

        assert!(s.close_run_failures().is_ok());
        record(&mut s, "athoc_unavailable", "HTTP 503", 5);
        let rows = s.recent_run_failures(10).unwrap_or_default();
        assert_eq!(rows.len(), 3, "a new outage is a row of its own: {rows:?}");
        assert_eq!((rows[0].count, rows[0].first_at), (1, at(8, 5)));
        assert_eq!(s.recent_run_failures(1).map(|r| r.len()).ok(), Some(1));
    }
}
