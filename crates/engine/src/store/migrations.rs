//! The schema, as forward-only migrations (SQLite `user_version` counts them).
//!
//! Migration 1 adopts the Python tool's `bobo_mapping.db`: its three tables
//! are created only if missing (`IF NOT EXISTS`, same columns as the Python
//! tool), so their rows and shape stay exactly as they were; BoboSync's own
//! tables sit beside them. Never edit a released migration: add a new one.

use rusqlite_migration::{Migrations, M};

/// Migration 1: the Python tool's tables exactly as it creates them (only if
/// missing), then BoboSync's own tables. Times are UTC RFC 3339 text.
const MIGRATION_1: &str = "
-- The Python tool's tables (adopted as they are).
CREATE TABLE IF NOT EXISTS worker_mapping (
    employee_id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    collar_id TEXT,
    last_updated TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS processing_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    filename TEXT NOT NULL,
    processed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    entries_processed INTEGER,
    success_count INTEGER,
    error_count INTEGER,
    errors TEXT
);
CREATE TABLE IF NOT EXISTS sync_tracking (
    sync_type TEXT PRIMARY KEY,
    last_sync_date DATE,
    last_sync_time TIMESTAMP,
    status TEXT
);

-- BoboSync's own tables.
-- Collar numbers held by more than one AtHoc user in the last mapping sync.
CREATE TABLE mapping_conflicts (
    employee_id TEXT NOT NULL,
    login TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (employee_id, login)
);

-- Per sync type: the last run and the last success, in UTC (the legacy
-- sync_tracking row is written too, for the Python tool's sake).
CREATE TABLE sync_runs (
    sync_type TEXT PRIMARY KEY,
    last_at TEXT NOT NULL,
    last_status TEXT NOT NULL,
    last_success_at TEXT
);

CREATE TABLE batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    events INTEGER NOT NULL DEFAULT 0,
    set_count INTEGER NOT NULL DEFAULT 0,
    cleared INTEGER NOT NULL DEFAULT 0,
    skipped_older INTEGER NOT NULL DEFAULT 0,
    superseded INTEGER NOT NULL DEFAULT 0,
    unmapped INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    invalid INTEGER NOT NULL DEFAULT 0,
    error TEXT
);

CREATE TABLE batch_files (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX batch_files_by_batch ON batch_files(batch_id);

-- One row per planned event or invalid row, journalled before sending.
CREATE TABLE records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    employee_id TEXT,
    duty TEXT,
    local_time TEXT,
    at TEXT,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    action TEXT NOT NULL,
    action_json TEXT,
    login TEXT,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    details TEXT,
    athoc_user_id INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX records_by_batch ON records(batch_id);
CREATE INDEX records_by_employee ON records(employee_id);
CREATE INDEX records_by_login ON records(login);
CREATE INDEX records_pending ON records(batch_id) WHERE state = 'pending';

-- The last event applied to AtHoc per employee; never moves backwards.
CREATE TABLE ledger (
    employee_id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    duty TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    login TEXT NOT NULL,
    batch_id INTEGER REFERENCES batches(id),
    record_id INTEGER REFERENCES records(id)
);

-- Drop-folder files by content hash: attempts, and their final fate.
CREATE TABLE files (
    sha256 TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at TEXT NOT NULL
);

-- Events of employees without a mapping, re-planned after a mapping sync.
CREATE TABLE parked_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id TEXT NOT NULL,
    duty TEXT NOT NULL,
    local_time TEXT NOT NULL,
    at TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    UNIQUE (employee_id, at, duty, file, line)
);

-- Mass changes waiting for (or given) an operator's approval.
CREATE TABLE approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    resolved_at TEXT
);
CREATE UNIQUE INDEX approvals_one_pending_per_kind ON approvals(kind) WHERE state = 'pending';

-- Small engine settings that must survive restarts (e.g. paused).
CREATE TABLE engine_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// Approvals bound to what was shown (issue 8): the fingerprint of the exact
/// change and its counts. Cycles that failed before or outside any batch
/// (credentials refused, AtHoc down, mappings not ready), for history. While
/// failures go on (`open`), one that repeats a kind and file already listed
/// only moves its `last_at`, `count` and message; a clean cycle closes them.
const MIGRATION_2: &str = "
ALTER TABLE approvals ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN changing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE approvals ADD COLUMN total INTEGER NOT NULL DEFAULT 0;

CREATE TABLE run_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    kind TEXT NOT NULL,
    file TEXT,
    message TEXT NOT NULL,
    open INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX run_failures_by_time ON run_failures(last_at);
CREATE INDEX run_failures_open ON run_failures(kind) WHERE open = 1;
";

/// The cost of journalling (issue 12), which writes a record per row: only
/// records sent to AtHoc have a login, so the login index leaves out the rest
/// (about half of a busy batch's records are superseded, skipped or
/// unmapped; `login = ?` still uses it). `records_pending` goes: its one
/// query (pending records of unfinished batches) starts from the few
/// unfinished batches and reads their records by `records_by_batch`, while
/// the index cost an entry for every record sent and its removal when the
/// outcome came. Reasons are no longer stored for event records (they are
/// rendered when shown), so `reason` is `''` for new ones.
const MIGRATION_3: &str = "
DROP INDEX records_by_login;
CREATE INDEX records_by_login ON records(login) WHERE login IS NOT NULL;
DROP INDEX records_pending;
";

/// All migrations, oldest first.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(MIGRATION_1),
        M::up(MIGRATION_2),
        M::up(MIGRATION_3),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }
}
