//! The store adopts an existing Python-tool `bobo_mapping.db` (and reopens
//! its own file) without losing data or changing the legacy tables' shape.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use engine::event::{EmployeeId, Login};
use engine::store::{Store, SyncStatus};
use rusqlite::Connection;

type Shape = Vec<(String, String, bool, Option<String>, i64)>;

/// The Python tool's schema, as its README documents it, with some rows.
fn build_legacy_db(path: &Path) -> rusqlite::Result<()> {
    let conn = Connection::open(path)?;
    conn.execute_batch(
        "CREATE TABLE worker_mapping (
            employee_id TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            collar_id TEXT,
            last_updated TIMESTAMP DEFAULT CURRENT_TIMESTAMP
        );
        CREATE TABLE processing_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            filename TEXT NOT NULL,
            processed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            entries_processed INTEGER,
            success_count INTEGER,
            error_count INTEGER,
            errors TEXT
        );
        CREATE TABLE sync_tracking (
            sync_type TEXT PRIMARY KEY,
            last_sync_date DATE,
            last_sync_time TIMESTAMP,
            status TEXT
        );
        INSERT INTO worker_mapping (employee_id, username, collar_id) VALUES
            ('00042', 'alice@example.org', '00042'),
            ('12345', 'bob@example.org', '12345');
        INSERT INTO processing_log (filename, entries_processed, success_count, error_count, errors)
            VALUES ('BOBO_20250617_143000_output.csv', 2, 2, 0, NULL);
        INSERT INTO sync_tracking VALUES
            ('user_mapping', '2025-06-16', '2025-06-16 20:05:00', 'success');",
    )
}

/// `PRAGMA table_info` of a table: (name, type, notnull, default, pk).
fn shape(conn: &Connection, table: &str) -> Shape {
    let sql = format!("PRAGMA table_info({table})");
    let Ok(mut stmt) = conn.prepare(&sql) else {
        return vec![];
    };
    stmt.query_map([], |r| {
        Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
    })
    .and_then(|rows| rows.collect())
    .unwrap_or_default()
}

fn shapes(path: &Path) -> Vec<Shape> {
    let Ok(conn) = Connection::open(path) else {
        return vec![];
    };
    ["worker_mapping", "processing_log", "sync_tracking"]
        .iter()
        .map(|t| shape(&conn, t))
        .collect()
}

#[test]
fn a_python_tool_database_is_adopted_with_its_data() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("bobo_mapping.db");
    build_legacy_db(&path).unwrap_or_else(|e| panic!("legacy db: {e}"));
    let before = shapes(&path);
    assert_eq!(
        before.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![4, 7, 4]
    );

    let mut store = Store::open(&path).unwrap_or_else(|e| panic!("open: {e}"));
    assert_eq!(store.schema_version().ok(), Some(3));

    // Mappings are there and usable.
    let mappings = store.load_mappings().unwrap_or_default();
    assert_eq!(mappings.len(), 2);
    let alice = EmployeeId::new("00042").and_then(|e| mappings.get(&e).cloned());
    assert_eq!(alice.as_ref().map(Login::as_str), Some("alice@example.org"));

    // The Python tool's last sync counts.
    let last = store.last_mapping_sync().ok().flatten();
    let at = Utc.with_ymd_and_hms(2025, 6, 16, 20, 5, 0).single();
    assert_eq!(last.as_ref().map(|l| l.at), at);
    assert_eq!(last.and_then(|l| l.last_success), at);

    // BoboSync writes through the legacy tables.
    let now = Utc
        .with_ymd_and_hms(2025, 6, 17, 21, 0, 0)
        .single()
        .unwrap_or_default();
    let mut next = BTreeMap::new();
    for (e, l) in [("00042", "alice@example.org"), ("777", "carol@example.org")] {
        if let (Some(e), Some(l)) = (EmployeeId::new(e), Login::new(l)) {
            next.insert(e, l);
        }
    }
    let changes = store.replace_mappings(&next, now).ok();
    assert_eq!(
        changes.map(|c| (c.inserted, c.deleted, c.unchanged)),
        Some((1, 1, 1))
    );
    assert!(store.record_mapping_sync(now, SyncStatus::Success).is_ok());
    drop(store);

    // Reopening applies nothing new and keeps everything.
    let store = Store::open(&path).unwrap_or_else(|e| panic!("reopen: {e}"));
    assert_eq!(store.schema_version().ok(), Some(3));
    assert_eq!(store.mapping_count().ok(), Some(2));
    drop(store);

    assert_eq!(
        shapes(&path),
        before,
        "legacy tables keep their exact shape"
    );
    let conn = Connection::open(&path).unwrap_or_else(|e| panic!("inspect: {e}"));
    let log: rusqlite::Result<(String, i64)> = conn.query_row(
        "SELECT filename, success_count FROM processing_log WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    );
    assert_eq!(
        log.ok(),
        Some(("BOBO_20250617_143000_output.csv".to_owned(), 2))
    );
    let tracking: rusqlite::Result<(String, String)> = conn.query_row(
        "SELECT last_sync_time, status FROM sync_tracking WHERE sync_type = 'user_mapping'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    );
    assert_eq!(
        tracking.ok(),
        Some(("2025-06-17 21:00:00".to_owned(), "success".to_owned()))
    );
}

#[test]
fn an_empty_file_gets_every_table_and_wal() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("new.db");
    let store = Store::open(&path).unwrap_or_else(|e| panic!("open: {e}"));
    assert_eq!(store.mapping_count().ok(), Some(0));
    drop(store);
    let conn = Connection::open(&path).unwrap_or_else(|e| panic!("inspect: {e}"));
    let mode: rusqlite::Result<String> = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0));
    assert_eq!(mode.ok().as_deref(), Some("wal"));
    let legacy = shapes(&path);
    assert_eq!(
        legacy.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![4, 7, 4]
    );
}

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("notes.db");
    std::fs::write(
        &path,
        "this is not sqlite, just some text long enough to fill a header page......",
    )
    .unwrap_or_else(|e| panic!("write: {e}"));
    let err = Store::open(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("notes.db"), "{err}");
}
