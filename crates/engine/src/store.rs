//! The SQLite store, the database's one owner: opening (pragmas, forward-only
//! migrations that adopt the Python tool's `bobo_mapping.db`) and every query
//! the engine makes, one file per table family.
//!
//! The store is synchronous; the async shell calls it through
//! `tokio::task::spawn_blocking`. [`Store`] is `Send` (not `Sync`): share it
//! behind a mutex. Every write that must be atomic runs in one transaction.
//!
//! Instants are stored as UTC RFC 3339 text with millisecond precision and a
//! `Z` suffix (`2025-06-17T13:30:00.000Z`): fixed width, so text order is time
//! order. The Python tool's tables keep their own style (`YYYY-MM-DD HH:MM:SS`,
//! UTC like SQLite's `CURRENT_TIMESTAMP`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use rusqlite::Connection;

mod approvals;
mod batches;
mod files;
mod history;
mod kv;
mod ledger;
mod mappings;
mod migrations;
mod parked;
mod run_failures;
mod sync_tracking;

pub use approvals::{Approval, ApprovalId, ApprovalKind, ApprovalRequest, ApprovalState, Asked};
pub use batches::{
    ActionKind, BatchCounts, BatchFile, BatchId, BatchStatus, BatchSummary, JournalledRecord,
    RecordId, RecordOutcome, RecordState, SentUpdate,
};
pub use files::{FileFate, FileOutcome, FileState, FileStatus};
pub use history::{BatchRow, RecordRow};
pub use ledger::LedgerRow;
pub use mappings::{MappingChanges, MappingConflict};
pub use parked::{ParkedEvent, ParkedId};
pub use run_failures::RunFailureRow;
pub use sync_tracking::{LastSyncRow, SyncStatus, USER_MAPPING_SYNC};

/// How long a statement waits for another connection's lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything that can go wrong in the store. Messages name the database,
/// table or row involved and, where the user can act, what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or configured.
    #[error(
        "cannot open the database {path}: {source}. Check DB_PATH / the database setting, \
         that its folder exists and is writable, and that the file is an SQLite database"
    )]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The schema could not be brought up to date.
    #[error(
        "cannot update the schema of the database {path}: {source}. If the database was \
         written by a newer BoboSync, use that version or restore a backup"
    )]
    Migrate {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },
    /// A query failed.
    #[error("database error while trying to {action}: {source}")]
    Sqlite {
        action: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// A stored value could not be read back (edited by hand or damaged).
    #[error("unreadable value in table {table}, row {row}: {detail}. Fix or delete that row")]
    Corrupt {
        table: &'static str,
        row: String,
        detail: String,
    },
    /// An ID given by the caller does not exist.
    #[error("no {what} with id {id} in the database")]
    NotFound { what: &'static str, id: i64 },
}

impl StoreError {
    /// Whether SQLite reported the database locked or busy (another process
    /// held a write lock for longer than the busy timeout).
    pub fn is_locked(&self) -> bool {
        let source = match self {
            StoreError::Open { source, .. } | StoreError::Sqlite { source, .. } => source,
            _ => return false,
        };
        matches!(
            source.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

/// Wraps a rusqlite error with what the store was doing.
pub(crate) fn sql(action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { action, source }
}

/// The BoboSync database. See the module docs.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, sets the pragmas
    /// (WAL, foreign keys, busy timeout) and applies pending migrations. An
    /// existing Python-tool `bobo_mapping.db` is adopted with its data intact.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(open_err)?;
        Self::configure(conn, path)
    }

    /// A private, empty, fully migrated database in memory (tests, dry runs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = Path::new(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        Self::configure(conn, path)
    }

    fn configure(mut conn: Connection, path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        migrations::migrations()
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migrate {
                path: path.to_owned(),
                source,
            })?;
        Ok(Store { conn })
    }

    /// A consistent copy of the database at `from` written to `to` (SQLite's
    /// `VACUUM INTO`), safe even while another program writes to `from`.
    /// `from` is opened read-only and left untouched; `to` must not exist.
    pub fn backup(from: &Path, to: &Path) -> Result<(), StoreError> {
        let open_err = |source| StoreError::Open {
            path: from.to_owned(),
            source,
        };
        let conn = Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        conn.execute("VACUUM INTO ?1", [to.to_string_lossy()])
            .map_err(sql("copy the database"))?;
        Ok(())
    }

    /// The schema version (SQLite `user_version`) after migration.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(sql("read the schema version"))
    }
}

/// Formats an instant the way this store writes them.
pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Formats an instant in the Python tool's style, for its tables.
pub(crate) fn legacy_ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Reads an instant written by [`ts`] (or any RFC 3339 text).
pub(crate) fn parse_ts(
    table: &'static str,
    row: &str,
    text: &str,
) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            table,
            row: row.to_owned(),
            detail: format!("{text:?} is not an RFC 3339 time ({e})"),
        })
}

/// Reads a time from the Python tool's tables: `YYYY-MM-DD HH:MM:SS[.ffffff]`
/// (or with `T`), an RFC 3339 time, or a bare date (midnight). Naive times
/// are taken as UTC, as SQLite's `CURRENT_TIMESTAMP` writes them.
pub(crate) fn parse_legacy_ts(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
pub(crate) mod test_support {
    use chrono::{DateTime, NaiveDate, TimeZone, Utc};

    use super::Store;
    use crate::event::{Duty, DutyEvent, EmployeeId, Login, SourceLine};

    pub fn store() -> Store {
        match Store::open_in_memory() {
            Ok(s) => s,
            Err(e) => panic!("in-memory store: {e}"),
        }
    }

    pub fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 17, h, m, 0)
            .single()
            .unwrap_or_default()
    }

    pub fn emp(s: &str) -> EmployeeId {
        EmployeeId::new(s).unwrap_or_else(|| panic!("bad test employee {s:?}"))
    }

    pub fn login(s: &str) -> Login {
        Login::new(s).unwrap_or_else(|| panic!("bad test login {s:?}"))
    }

    pub fn event(employee: &str, duty: Duty, h: u32, m: u32, file: &str, line: u32) -> DutyEvent {
        let local = NaiveDate::from_ymd_opt(2025, 6, 17)
            .and_then(|d| d.and_hms_opt(h + 1, m, 0))
            .unwrap_or_default();
        DutyEvent {
            employee: emp(employee),
            duty,
            local,
            at: at(h, m),
            source: SourceLine {
                file: file.into(),
                line,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<Store>();
    }

    #[test]
    fn open_sets_pragmas_and_migrates() {
        let s = test_support::store();
        assert_eq!(s.schema_version().ok(), Some(3));
        let fk: Option<i64> = s
            .conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .ok();
        assert_eq!(fk, Some(1));
        let busy: Option<i64> = s
            .conn
            .pragma_query_value(None, "busy_timeout", |r| r.get(0))
            .ok();
        assert_eq!(busy, Some(5000));
    }

    #[test]
    fn timestamps_round_trip_and_sort_as_text() {
        let a = test_support::at(9, 5);
        let b = a + chrono::Duration::milliseconds(1500);
        assert_eq!(parse_ts("t", "1", &ts(a)).ok(), Some(a));
        assert_eq!(parse_ts("t", "1", &ts(b)).ok(), Some(b));
        assert!(ts(a) < ts(b));
        assert_eq!(ts(a), "2025-06-17T09:05:00.000Z");
    }

    #[test]
    fn legacy_times_parse() {
        let a = test_support::at(9, 5);
        assert_eq!(parse_legacy_ts("2025-06-17 09:05:00"), Some(a));
        assert_eq!(parse_legacy_ts("2025-06-17 09:05:00.000000"), Some(a));
        assert_eq!(parse_legacy_ts("2025-06-17T09:05:00"), Some(a));
        assert_eq!(parse_legacy_ts("2025-06-17"), Some(test_support::at(0, 0)));
        assert_eq!(parse_legacy_ts("yesterday"), None);
        assert_eq!(legacy_ts(a), "2025-06-17 09:05:00");
    }
}
