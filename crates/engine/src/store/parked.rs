//! Events of employees with no mapping yet, parked with their original
//! source lines and re-planned after the next mapping sync.

use std::fmt;

use chrono::NaiveDateTime;
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::batches::{local_text, LOCAL_FORMAT};
use super::{parse_ts, sql, ts, Store, StoreError};
use crate::event::{Duty, DutyEvent, EmployeeId, SourceLine};

/// A parked event's row ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ParkedId(pub i64);

impl fmt::Display for ParkedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A parked event and its ID (to unpark it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedEvent {
    pub id: ParkedId,
    pub event: DutyEvent,
}

impl Store {
    /// Parks `events`; an event already parked (same employee, time, duty,
    /// file and line) is not parked twice.
    pub fn park_events(&mut self, events: &[DutyEvent]) -> Result<(), StoreError> {
        let action = "park unmapped events";
        let tx = self.conn.transaction().map_err(sql(action))?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT OR IGNORE INTO parked_events (employee_id, duty, local_time, at, file, line)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(sql(action))?;
            for e in events {
                insert
                    .execute(params![
                        e.employee.as_str(),
                        e.duty.code(),
                        local_text(e.local),
                        ts(e.at),
                        e.source.file,
                        e.source.line
                    ])
                    .map_err(sql(action))?;
            }
        }
        tx.commit().map_err(sql(action))
    }

    /// Every parked event, oldest event first.
    pub fn parked_events(&self) -> Result<Vec<ParkedEvent>, StoreError> {
        let action = "read parked events";
        let mut stmt = self
            .conn
            .prepare("SELECT id, employee_id, duty, local_time, at, file, line FROM parked_events ORDER BY at, id")
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, u32>(6)?,
                ))
            })
            .map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, employee, duty, local, at, file, line) = row.map_err(sql(action))?;
            let corrupt = |detail: String| StoreError::Corrupt {
                table: "parked_events",
                row: id.to_string(),
                detail,
            };
            let employee =
                EmployeeId::new(&employee).ok_or_else(|| corrupt("blank employee ID".into()))?;
            let duty = Duty::from_code(&duty)
                .ok_or_else(|| corrupt(format!("duty {duty:?} is not BON or BOF")))?;
            let local = NaiveDateTime::parse_from_str(&local, LOCAL_FORMAT)
                .map_err(|e| corrupt(format!("local time {local:?}: {e}")))?;
            let at = parse_ts("parked_events", &id.to_string(), &at)?;
            out.push(ParkedEvent {
                id: ParkedId(id),
                event: DutyEvent {
                    employee,
                    duty,
                    local,
                    at,
                    source: SourceLine { file: file.into(), line },
                },
            });
        }
        Ok(out)
    }

    /// Removes the given parked events (e.g. once re-planned). Unknown IDs
    /// are ignored. Returns how many were removed.
    pub fn unpark(&mut self, ids: &[ParkedId]) -> Result<usize, StoreError> {
        let action = "unpark events";
        let tx = self.conn.transaction().map_err(sql(action))?;
        let mut removed = 0;
        {
            let mut delete = tx
                .prepare("DELETE FROM parked_events WHERE id = ?1")
                .map_err(sql(action))?;
            for id in ids {
                removed += delete.execute([id.0]).map_err(sql(action))?;
            }
        }
        tx.commit().map_err(sql(action))?;
        Ok(removed)
    }

    /// Removes every parked event. Returns how many were removed.
    pub fn unpark_all(&mut self) -> Result<usize, StoreError> {
        self.conn
            .execute("DELETE FROM parked_events", [])
            .map_err(sql("unpark all events"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{event, store};

    #[test]
    fn park_is_idempotent_and_keeps_source_lines() {
        let mut s = store();
        let a = event("00042", Duty::BookOn, 9, 0, "BOBO_1.csv", 4);
        let b = event("7", Duty::BookOff, 8, 0, "BOBO_2.csv", 2);
        assert!(s.park_events(&[a.clone(), b.clone()]).is_ok());
        assert!(s.park_events(std::slice::from_ref(&a)).is_ok());
        let parked = s.parked_events().ok().unwrap_or_default();
        let events: Vec<_> = parked.iter().map(|p| p.event.clone()).collect();
        assert_eq!(events, vec![b, a]);

        assert_eq!(s.unpark(&[parked[0].id, ParkedId(999)]).ok(), Some(1));
        assert_eq!(s.parked_events().ok().map(|p| p.len()), Some(1));
        assert_eq!(s.unpark_all().ok(), Some(1));
        assert_eq!(s.parked_events().ok().map(|p| p.len()), Some(0));
    }
}
