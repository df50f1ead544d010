//! When the user-mapping sync last ran and last succeeded. Written to the
//! Python tool's `sync_tracking` table (its style: UTC `YYYY-MM-DD HH:MM:SS`,
//! status `success` / `failed`) and to BoboSync's `sync_runs`, which also
//! keeps the last *successful* run, something `sync_tracking` cannot hold.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{legacy_ts, parse_legacy_ts, parse_ts, sql, ts, Store, StoreError};

/// The `sync_type` the Python tool uses for the user-mapping sync.
pub const USER_MAPPING_SYNC: &str = "user_mapping";

/// How a sync run ended, as written to `sync_tracking.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {
    Success,
    Failed,
}

impl SyncStatus {
    /// The Python tool's status text.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Success => "success",
            SyncStatus::Failed => "failed",
        }
    }
}

/// The last user-mapping sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastSyncRow {
    /// When it last ran.
    pub at: DateTime<Utc>,
    /// Its status text: `success`, `failed`, or whatever the Python tool wrote.
    pub status: String,
    /// When it last succeeded, if known.
    pub last_success: Option<DateTime<Utc>>,
}

impl Store {
    /// The last user-mapping sync, or `None` if it never ran. Falls back to
    /// the Python tool's `sync_tracking` row when BoboSync has not synced yet;
    /// its naive time is read as UTC (the stated rule), and a `success` row
    /// counts as the last success.
    pub fn last_mapping_sync(&self) -> Result<Option<LastSyncRow>, StoreError> {
        let action = "read when the mapping sync last ran";
        let own: Option<(String, String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT last_at, last_status, last_success_at FROM sync_runs WHERE sync_type = ?1",
                [USER_MAPPING_SYNC],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(sql(action))?;
        if let Some((at, status, success)) = own {
            return Ok(Some(LastSyncRow {
                at: parse_ts("sync_runs", USER_MAPPING_SYNC, &at)?,
                status,
                last_success: success
                    .map(|s| parse_ts("sync_runs", USER_MAPPING_SYNC, &s))
                    .transpose()?,
            }));
        }
        let legacy: Option<(Option<String>, Option<String>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT last_sync_time, last_sync_date, status FROM sync_tracking WHERE sync_type = ?1",
                [USER_MAPPING_SYNC],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(sql(action))?;
        let Some((time, date, status)) = legacy else {
            return Ok(None);
        };
        let Some(at) = time
            .as_deref()
            .and_then(parse_legacy_ts)
            .or_else(|| date.as_deref().and_then(parse_legacy_ts))
        else {
            // A row without a readable time tells us nothing: sync as if never.
            return Ok(None);
        };
        let status = status.unwrap_or_default();
        let last_success = (status.trim().eq_ignore_ascii_case("success")).then_some(at);
        Ok(Some(LastSyncRow {
            at,
            status,
            last_success,
        }))
    }

    /// Records a user-mapping sync run, in both tables, in one transaction.
    pub fn record_mapping_sync(
        &mut self,
        at: DateTime<Utc>,
        status: SyncStatus,
    ) -> Result<(), StoreError> {
        let action = "record the mapping sync";
        let tx = self.conn.transaction().map_err(sql(action))?;
        tx.execute(
            "INSERT INTO sync_tracking (sync_type, last_sync_date, last_sync_time, status)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(sync_type) DO UPDATE SET last_sync_date = excluded.last_sync_date,
                 last_sync_time = excluded.last_sync_time, status = excluded.status",
            params![
                USER_MAPPING_SYNC,
                at.format("%Y-%m-%d").to_string(),
                legacy_ts(at),
                status.as_str()
            ],
        )
        .map_err(sql(action))?;
        let success = (status == SyncStatus::Success).then(|| ts(at));
        tx.execute(
            "INSERT INTO sync_runs (sync_type, last_at, last_status, last_success_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(sync_type) DO UPDATE SET last_at = excluded.last_at,
                 last_status = excluded.last_status,
                 last_success_at = COALESCE(excluded.last_success_at, sync_runs.last_success_at)",
            params![USER_MAPPING_SYNC, ts(at), status.as_str(), success],
        )
        .map_err(sql(action))?;
        tx.commit().map_err(sql(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{at, store};

    #[test]
    fn never_synced_is_none() {
        assert_eq!(store().last_mapping_sync().ok(), Some(None));
    }

    #[test]
    fn a_failure_keeps_the_last_success() {
        let mut s = store();
        assert!(s.record_mapping_sync(at(8, 0), SyncStatus::Success).is_ok());
        assert!(s.record_mapping_sync(at(20, 0), SyncStatus::Failed).is_ok());
        assert_eq!(
            s.last_mapping_sync().ok().flatten(),
            Some(LastSyncRow {
                at: at(20, 0),
                status: "failed".to_owned(),
                last_success: Some(at(8, 0))
            })
        );
        let legacy: Option<(String, String, String)> = s
            .conn
            .query_row(
                "SELECT last_sync_date, last_sync_time, status FROM sync_tracking WHERE sync_type = 'user_mapping'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .ok();
        assert_eq!(
            legacy,
            Some((
                "2025-06-17".into(),
                "2025-06-17 20:00:00".into(),
                "failed".into()
            ))
        );
    }

    #[test]
    fn a_python_row_is_read_when_bobosync_never_synced() {
        let s = store();
        assert!(s
            .conn
            .execute(
                "INSERT INTO sync_tracking VALUES ('user_mapping', '2025-06-17', '2025-06-17 08:00:00.123456', 'success')",
                [],
            )
            .is_ok());
        let row = s.last_mapping_sync().ok().flatten();
        let expected = at(8, 0) + chrono::Duration::microseconds(123_456);
        assert_eq!(row.as_ref().map(|r| r.at), Some(expected));
        assert_eq!(row.and_then(|r| r.last_success), Some(expected));
    }
}
