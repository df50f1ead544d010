//! One engine per database: an exclusive lock on `<DB_PATH>.lock` beside the
//! database, held for the engine's life, and `<DB_PATH>.lock-holder`, a
//! line naming the holder (pid, program, since) for the message a second
//! instance shows. The OS releases the lock when the process ends, however
//! it ends, so a crash never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another BoboSync engine is already using the database {}: {holder}. \
         Stop it first (quit the tray app or the other `bobosync run`); only one engine may use a database",
        db.display()
    )]
    Held { db: PathBuf, holder: String },
    #[error(
        "cannot lock the database {} ({path}): {source}. Check that BoboSync may create files in that folder",
        db.display(), path = path.display()
    )]
    Io {
        db: PathBuf,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct DataLock {
    _file: File,
    holder_path: PathBuf,
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    db.with_file_name(name)
}

/// The lock file for the database at `db`.
pub fn lock_path(db: &Path) -> PathBuf {
    sibling(db, ".lock")
}

/// Takes the lock for the database at `db` (whose folder must exist), or
/// says who holds it.
pub fn acquire(db: &Path, program: &str, now: DateTime<Utc>) -> Result<DataLock, LockError> {
    let path = lock_path(db);
    let holder_path = sibling(db, ".lock-holder");
    let io = |path: &Path| {
        let (db, path) = (db.to_owned(), path.to_owned());
        move |source| LockError::Io { db, path, source }
    };
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&holder_path)
                .ok()
                .map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty())
                .unwrap_or_else(|| "a process that has not said who it is".to_owned());
            return Err(LockError::Held {
                db: db.to_owned(),
                holder,
            });
        }
        Err(TryLockError::Error(source)) => return Err(io(&path)(source)),
    }
    let text = format!(
        "pid {} ({program}), since {}\n",
        std::process::id(),
        now.format("%Y-%m-%d %H:%M:%S UTC")
    );
    let mut holder = File::create(&holder_path).map_err(io(&holder_path))?;
    holder
        .write_all(text.as_bytes())
        .map_err(io(&holder_path))?;
    Ok(DataLock {
        _file: file,
        holder_path,
    })
}

impl Drop for DataLock {
    fn drop(&mut self) {
        // Best effort: a leftover holder file is harmless (the lock decides).
        let _ = std::fs::remove_file(&self.holder_path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let db = dir.path().join("bobo_mapping.db");
        let first = acquire(&db, "bobosync run", Utc::now());
        assert!(first.is_ok(), "{first:?}");
        let second = acquire(&db, "tray", Utc::now());
        let text = second
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(matches!(second, Err(LockError::Held { .. })), "{second:?}");
        assert!(
            text.contains(&format!("pid {}", std::process::id()))
                && text.contains("bobosync run")
                && text.contains("bobo_mapping.db"),
            "{text}"
        );
        drop(first);
        assert!(acquire(&db, "tray", Utc::now()).is_ok());
    }
}
