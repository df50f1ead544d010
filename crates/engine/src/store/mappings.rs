//! The employee-ID → AtHoc login mapping (the Python tool's `worker_mapping`
//! table: `employee_id` = collar number, `username` = `LOGIN_ID`) and the
//! duplicate collar numbers seen in the last mapping sync.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{legacy_ts, parse_ts, sql, ts, Store, StoreError};
use crate::event::{EmployeeId, Login};

/// What [`Store::replace_mappings`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MappingChanges {
    pub inserted: usize,
    pub updated: usize,
    pub deleted: usize,
    /// Rows left as they were.
    pub unchanged: usize,
}

/// A collar number held by more than one AtHoc user: left unmapped so no
/// event goes to the wrong person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingConflict {
    pub employee: EmployeeId,
    /// Every login that claimed the collar number, sorted.
    pub logins: Vec<Login>,
    /// When the conflicting sync ran.
    pub seen_at: DateTime<Utc>,
}

impl Store {
    /// Every usable mapping. Rows with a blank employee ID or username (the
    /// Python tool never wrote them, but a hand edit could) are left out.
    pub fn load_mappings(&self) -> Result<HashMap<EmployeeId, Login>, StoreError> {
        let action = "load the employee mappings";
        let mut stmt = self
            .conn
            .prepare("SELECT employee_id, username FROM worker_mapping")
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(sql(action))?;
        let mut out = HashMap::new();
        for row in rows {
            let (employee, login) = row.map_err(sql(action))?;
            if let (Some(e), Some(l)) = (EmployeeId::new(&employee), Login::new(&login)) {
                out.insert(e, l);
            }
        }
        Ok(out)
    }

    /// How many mappings are stored.
    pub fn mapping_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM worker_mapping", [], |row| row.get(0))
            .map_err(sql("count the employee mappings"))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// The login mapped to one employee, if any.
    pub fn mapping_for(&self, employee: &EmployeeId) -> Result<Option<Login>, StoreError> {
        let login: Option<String> = self
            .conn
            .query_row(
                "SELECT username FROM worker_mapping WHERE employee_id = ?1",
                [employee.as_str()],
                |row| row.get(0),
            )
            .optional()
            .map_err(sql("look up an employee mapping"))?;
        Ok(login.as_deref().and_then(Login::new))
    }

    /// Makes the stored mappings exactly `mappings`, in one transaction:
    /// inserts new ones, updates changed logins (and `last_updated`), deletes
    /// those no longer present. The caller decides beforehand whether a large
    /// deletion needs approval; this just applies.
    pub fn replace_mappings(
        &mut self,
        mappings: &BTreeMap<EmployeeId, Login>,
        now: DateTime<Utc>,
    ) -> Result<MappingChanges, StoreError> {
        let action = "replace the employee mappings";
        let stamp = legacy_ts(now);
        let tx = self.conn.transaction().map_err(sql(action))?;
        let current: HashMap<String, String> = {
            let mut stmt = tx
                .prepare("SELECT employee_id, username FROM worker_mapping")
                .map_err(sql(action))?;
            let rows = stmt
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(sql(action))?;
            rows.collect::<Result<_, _>>().map_err(sql(action))?
        };
        let mut changes = MappingChanges::default();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO worker_mapping (employee_id, username, collar_id, last_updated)
                     VALUES (?1, ?2, ?1, ?3)",
                )
                .map_err(sql(action))?;
            let mut update = tx
                .prepare(
                    "UPDATE worker_mapping SET username = ?2, collar_id = ?1, last_updated = ?3
                     WHERE employee_id = ?1",
                )
                .map_err(sql(action))?;
            for (employee, login) in mappings {
                match current.get(employee.as_str()) {
                    None => {
                        insert
                            .execute(params![employee.as_str(), login.as_str(), stamp])
                            .map_err(sql(action))?;
                        changes.inserted += 1;
                    }
                    Some(old) if old != login.as_str() => {
                        update
                            .execute(params![employee.as_str(), login.as_str(), stamp])
                            .map_err(sql(action))?;
                        changes.updated += 1;
                    }
                    Some(_) => changes.unchanged += 1,
                }
            }
            let mut delete = tx
                .prepare("DELETE FROM worker_mapping WHERE employee_id = ?1")
                .map_err(sql(action))?;
            for employee in current.keys() {
                let keep = EmployeeId::new(employee).is_some_and(|e| mappings.contains_key(&e))
                    && employee.trim() == employee;
                if !keep {
                    delete.execute([employee]).map_err(sql(action))?;
                    changes.deleted += 1;
                }
            }
        }
        tx.commit().map_err(sql(action))?;
        Ok(changes)
    }

    /// Replaces the recorded duplicate collar numbers with those of the
    /// latest mapping sync (an empty slice clears them).
    pub fn record_mapping_conflicts(
        &mut self,
        conflicts: &[(EmployeeId, Vec<Login>)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let action = "record duplicate collar numbers";
        let tx = self.conn.transaction().map_err(sql(action))?;
        tx.execute("DELETE FROM mapping_conflicts", [])
            .map_err(sql(action))?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT OR IGNORE INTO mapping_conflicts (employee_id, login, seen_at)
                     VALUES (?1, ?2, ?3)",
                )
                .map_err(sql(action))?;
            for (employee, logins) in conflicts {
                for login in logins {
                    insert
                        .execute(params![employee.as_str(), login.as_str(), ts(now)])
                        .map_err(sql(action))?;
                }
            }
        }
        tx.commit().map_err(sql(action))
    }

    /// The duplicate collar numbers of the latest mapping sync, by employee.
    pub fn mapping_conflicts(&self) -> Result<Vec<MappingConflict>, StoreError> {
        let action = "read duplicate collar numbers";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT employee_id, login, seen_at FROM mapping_conflicts
                 ORDER BY employee_id, login",
            )
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(sql(action))?;
        let mut out: Vec<MappingConflict> = Vec::new();
        for row in rows {
            let (employee, login, seen_at) = row.map_err(sql(action))?;
            let (Some(employee), Some(login)) = (EmployeeId::new(&employee), Login::new(&login))
            else {
                continue;
            };
            let seen_at = parse_ts("mapping_conflicts", employee.as_str(), &seen_at)?;
            match out.last_mut() {
                Some(last) if last.employee == employee => last.logins.push(login),
                _ => out.push(MappingConflict {
                    employee,
                    logins: vec![login],
                    seen_at,
                }),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{at, emp, login, store};

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<EmployeeId, Login> {
        pairs.iter().map(|(e, l)| (emp(e), login(l))).collect()
    }

    #[test]
    fn replace_inserts_updates_and_deletes_in_one_go() {
        let mut s = store();
        let first = s.replace_mappings(&map(&[("00042", "a"), ("00043", "b")]), at(8, 0));
        assert_eq!(
            first.ok(),
            Some(MappingChanges {
                inserted: 2,
                updated: 0,
                deleted: 0,
                unchanged: 0
            })
        );
        let second = s.replace_mappings(
            &map(&[("00042", "a"), ("00043", "c"), ("7", "d")]),
            at(9, 0),
        );
        assert_eq!(
            second.ok(),
            Some(MappingChanges {
                inserted: 1,
                updated: 1,
                deleted: 0,
                unchanged: 1
            })
        );
        let third = s.replace_mappings(&map(&[("7", "d")]), at(10, 0));
        assert_eq!(
            third.ok(),
            Some(MappingChanges {
                inserted: 0,
                updated: 0,
                deleted: 2,
                unchanged: 1
            })
        );
        let loaded = s.load_mappings().ok().unwrap_or_default();
        assert_eq!(loaded, map(&[("7", "d")]).into_iter().collect());
        assert_eq!(s.mapping_count().ok(), Some(1));
    }

    #[test]
    fn mapping_for_keeps_leading_zeros_distinct() {
        let mut s = store();
        assert!(s
            .replace_mappings(&map(&[("00042", "zero"), ("42", "plain")]), at(8, 0))
            .is_ok());
        assert_eq!(
            s.mapping_for(&emp("00042")).ok().flatten(),
            Some(login("zero"))
        );
        assert_eq!(
            s.mapping_for(&emp("42")).ok().flatten(),
            Some(login("plain"))
        );
        assert_eq!(s.mapping_for(&emp("0042")).ok().flatten(), None);
    }

    #[test]
    fn rows_are_written_in_the_python_style() {
        let mut s = store();
        assert!(s
            .replace_mappings(&map(&[("00042", "a")]), at(8, 30))
            .is_ok());
        let row: Option<(String, String, String)> = s
            .conn
            .query_row(
                "SELECT username, collar_id, last_updated FROM worker_mapping WHERE employee_id = '00042'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .ok();
        assert_eq!(
            row,
            Some((
                "a".to_owned(),
                "00042".to_owned(),
                "2025-06-17 08:30:00".to_owned()
            ))
        );
    }

    #[test]
    fn conflicts_are_replaced_by_the_latest_sync() {
        let mut s = store();
        let dup = vec![(emp("5"), vec![login("x"), login("y")])];
        assert!(s.record_mapping_conflicts(&dup, at(8, 0)).is_ok());
        assert_eq!(
            s.mapping_conflicts().ok(),
            Some(vec![MappingConflict {
                employee: emp("5"),
                logins: vec![login("x"), login("y")],
                seen_at: at(8, 0)
            }])
        );
        assert!(s.record_mapping_conflicts(&[], at(9, 0)).is_ok());
        assert_eq!(s.mapping_conflicts().ok(), Some(vec![]));
    }
}
