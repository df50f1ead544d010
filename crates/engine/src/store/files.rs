//! Drop-folder files by content hash: failed attempts and final fate. A file
//! left in place (`MOVE_PROCESSED_FILES=false`) or copied in again under
//! another name is recognised by its SHA-256 and never applied twice. The
//! Python tool's `processing_log` gets one row per file when its fate is
//! decided.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{legacy_ts, parse_ts, sql, ts, Store, StoreError};

/// Where a file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    /// Attempted and failed transiently; will be tried again.
    Retrying,
    /// Every event has a final outcome.
    Done,
    /// Given up on (moved to the failed folder).
    Failed,
}

impl FileStatus {
    fn as_str(self) -> &'static str {
        match self {
            FileStatus::Retrying => "retrying",
            FileStatus::Done => "done",
            FileStatus::Failed => "failed",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [FileStatus::Retrying, FileStatus::Done, FileStatus::Failed]
            .into_iter()
            .find(|s| s.as_str() == code)
    }
}

/// What the store knows about a file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    /// The name it last had.
    pub name: String,
    pub status: FileStatus,
    /// Failed attempts so far.
    pub attempts: u32,
    pub last_error: Option<String>,
    /// When the status was last written.
    pub at: DateTime<Utc>,
}

/// A file's final fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFate {
    /// Every event has a final outcome.
    Processed,
    /// Given up after too many attempts or unreadable.
    Failed,
}

/// How a file ended, for [`Store::mark_file_done`] and `processing_log`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOutcome {
    pub fate: FileFate,
    pub at: DateTime<Utc>,
    /// Rows read (events and invalid rows).
    pub entries: u32,
    /// Events applied or needing nothing (skipped, superseded).
    pub succeeded: u32,
    /// One line per problem (invalid row, rejection, failure).
    pub errors: Vec<String>,
}

impl Store {
    /// What is known about the file with this SHA-256, if anything.
    pub fn file_seen(&self, sha256: &str) -> Result<Option<FileState>, StoreError> {
        let row: Option<(String, String, u32, Option<String>, String)> = self
            .conn
            .query_row(
                "SELECT name, status, attempts, last_error, updated_at FROM files WHERE sha256 = ?1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(sql("look up a file by content"))?;
        let Some((name, status, attempts, last_error, at)) = row else {
            return Ok(None);
        };
        let status = FileStatus::from_code(&status).ok_or_else(|| StoreError::Corrupt {
            table: "files",
            row: name.clone(),
            detail: format!("status {status:?} is not retrying, done or failed"),
        })?;
        Ok(Some(FileState {
            at: parse_ts("files", &name, &at)?,
            name,
            status,
            attempts,
            last_error,
        }))
    }

    /// Counts a failed attempt at the file and returns the attempts so far.
    /// A file already done or failed keeps that status.
    pub fn record_file_attempt(
        &mut self,
        name: &str,
        sha256: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        self.conn
            .query_row(
                "INSERT INTO files (sha256, name, status, attempts, last_error, updated_at)
                 VALUES (?1, ?2, 'retrying', 1, ?3, ?4)
                 ON CONFLICT(sha256) DO UPDATE SET name = excluded.name,
                     attempts = files.attempts + 1, last_error = excluded.last_error,
                     updated_at = excluded.updated_at
                 RETURNING attempts",
                params![sha256, name, error, ts(now)],
                |r| r.get(0),
            )
            .map_err(sql("count a failed attempt at a file"))
    }

    /// A file given up on is back in the drop folder: its earlier attempts
    /// no longer count, so it gets `MAX_RETRY_ATTEMPTS` fresh ones.
    pub fn forget_file_attempts(&mut self, sha256: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE files SET status = 'retrying', attempts = 0 WHERE sha256 = ?1 AND status = 'failed'",
                [sha256],
            )
            .map_err(sql("forget a failed file's attempts"))?;
        Ok(())
    }

    /// Records the file's final fate and writes its `processing_log` row, in
    /// one transaction.
    pub fn mark_file_done(
        &mut self,
        name: &str,
        sha256: &str,
        outcome: &FileOutcome,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction()
            .map_err(sql("record a file's fate"))?;
        file_done(&tx, name, sha256, outcome)?;
        tx.commit().map_err(sql("record a file's fate"))
    }

    /// [`Store::mark_file_done`] for each `(name, sha256, outcome)`, all in
    /// one transaction.
    pub fn mark_files_done(
        &mut self,
        files: &[(String, String, FileOutcome)],
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction()
            .map_err(sql("record the files' fates"))?;
        for (name, sha256, outcome) in files {
            file_done(&tx, name, sha256, outcome)?;
        }
        tx.commit().map_err(sql("record the files' fates"))
    }
}

/// Writes one file's fate and its `processing_log` row.
fn file_done(
    conn: &rusqlite::Connection,
    name: &str,
    sha256: &str,
    outcome: &FileOutcome,
) -> Result<(), StoreError> {
    let action = "record a file's fate";
    let status = match outcome.fate {
        FileFate::Processed => FileStatus::Done,
        FileFate::Failed => FileStatus::Failed,
    };
    let errors = (!outcome.errors.is_empty()).then(|| outcome.errors.join("\n"));
    let error_count = u32::try_from(outcome.errors.len()).unwrap_or(u32::MAX);
    conn.execute(
        "INSERT INTO files (sha256, name, status, attempts, last_error, updated_at)
         VALUES (?1, ?2, ?3, 0, ?4, ?5)
         ON CONFLICT(sha256) DO UPDATE SET name = excluded.name, status = excluded.status,
             last_error = COALESCE(excluded.last_error, files.last_error),
             updated_at = excluded.updated_at",
        params![sha256, name, status.as_str(), errors, ts(outcome.at)],
    )
    .map_err(sql(action))?;
    conn.execute(
        "INSERT INTO processing_log (filename, processed_at, entries_processed, success_count,
             error_count, errors)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            name,
            legacy_ts(outcome.at),
            outcome.entries,
            outcome.succeeded,
            error_count,
            errors
        ],
    )
    .map_err(sql(action))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{at, store};

    #[test]
    fn attempts_count_up_then_done_is_remembered_by_hash() {
        let mut s = store();
        assert_eq!(s.file_seen("abc").ok(), Some(None));
        assert_eq!(
            s.record_file_attempt("a.csv", "abc", "timeout", at(8, 0))
                .ok(),
            Some(1)
        );
        assert_eq!(
            s.record_file_attempt("a.csv", "abc", "HTTP 503", at(8, 1))
                .ok(),
            Some(2)
        );
        let seen = s.file_seen("abc").ok().flatten();
        assert_eq!(seen.as_ref().map(|f| f.status), Some(FileStatus::Retrying));
        assert_eq!(seen.and_then(|f| f.last_error).as_deref(), Some("HTTP 503"));

        let outcome = FileOutcome {
            fate: FileFate::Processed,
            at: at(8, 2),
            entries: 3,
            succeeded: 2,
            errors: vec!["a.csv:3: bad time".into()],
        };
        assert!(s.mark_file_done("a.csv", "abc", &outcome).is_ok());
        let seen = s.file_seen("abc").ok().flatten();
        assert_eq!(
            seen.map(|f| (f.status, f.attempts, f.at)),
            Some((FileStatus::Done, 2, at(8, 2)))
        );
        let log: Option<(String, String, i64, i64, i64, String)> = s
            .conn
            .query_row(
                "SELECT filename, processed_at, entries_processed, success_count, error_count, errors
                 FROM processing_log",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .ok();
        assert_eq!(
            log,
            Some((
                "a.csv".into(),
                "2025-06-17 08:02:00".into(),
                3,
                2,
                1,
                "a.csv:3: bad time".into()
            ))
        );
    }

    #[test]
    fn a_failed_file_is_remembered() {
        let mut s = store();
        let outcome = FileOutcome {
            fate: FileFate::Failed,
            at: at(9, 0),
            entries: 0,
            succeeded: 0,
            errors: vec![],
        };
        assert!(s.mark_file_done("b.csv", "def", &outcome).is_ok());
        assert_eq!(
            s.file_seen("def").ok().flatten().map(|f| f.status),
            Some(FileStatus::Failed)
        );
    }
}
