//! Knowing when a file is completely written: its size and modification
//! time stay unchanged across a settle window. Files already quiet for the
//! window are read at once; the others are looked at again once the window
//! has passed, and those still changing are left for the next look.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::{Candidate, FolderError, OpenError};

/// A complete file, hashed as it streamed by; its content is read again
/// (and checked against the hash) only when its batch parses it
/// ([`ReadyFile::read`]), so no more than one file is held at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyFile {
    pub path: PathBuf,
    pub name: String,
    /// Lower-case hex SHA-256 of the content: the file's identity in the store.
    pub sha256: String,
    pub size: u64,
    pub modified: SystemTime,
}

/// Why a ready file could not be read for its batch.
#[derive(Debug, thiserror::Error)]
pub enum ReadAgainError {
    /// Its content is no longer what was found complete (or it is gone):
    /// someone wrote to it since. It is looked at again next time.
    #[error("{name}: changed since it was found complete; looked at again next time")]
    Changed { name: String },
    /// It cannot be read any more (swapped for a link or a pipe, access
    /// taken away, larger than the limit now).
    #[error("{name}: {error}")]
    Unreadable { name: String, error: FolderError },
}

impl ReadyFile {
    /// The file's content, read from a regular file only and checked to be
    /// the content that was hashed when it was found complete.
    pub fn read(&self, limit: u64) -> Result<Vec<u8>, ReadAgainError> {
        let path = self.path.clone();
        let unreadable = |error| ReadAgainError::Unreadable {
            name: self.name.clone(),
            error,
        };
        let changed = || ReadAgainError::Changed {
            name: self.name.clone(),
        };
        let bytes = match super::read_regular(&self.path, limit) {
            Ok(bytes) => bytes,
            Err(OpenError::Io(e)) if e.kind() == io::ErrorKind::NotFound => return Err(changed()),
            Err(OpenError::TooLarge(_)) => return Err(changed()),
            Err(OpenError::Io(source)) => {
                return Err(unreadable(FolderError::ReadFile { path, source }))
            }
            Err(OpenError::Link) => return Err(unreadable(FolderError::Link { path })),
            Err(OpenError::NotRegular) => return Err(unreadable(FolderError::NotRegular { path })),
        };
        if bytes.len() as u64 != self.size || hex::encode(Sha256::digest(&bytes)) != self.sha256 {
            return Err(changed());
        }
        Ok(bytes)
    }
}

/// A file that could not be looked at (not one that is still being written).
#[derive(Debug)]
pub struct Unreadable {
    pub candidate: Candidate,
    pub error: FolderError,
}

/// What [`wait_until_complete`] found.
#[derive(Debug, Default)]
pub struct Settled {
    /// Complete files, in the order given.
    pub ready: Vec<ReadyFile>,
    /// Files still changing: leave them for the next look.
    pub still_writing: Vec<Candidate>,
    /// Files that could not be read (permissions, locks, not a regular
    /// file any more). Files that vanished meanwhile are in no list.
    pub unreadable: Vec<Unreadable>,
    /// Files larger than the limit: not read.
    pub too_large: Vec<TooLarge>,
}

/// A file larger than the limit, left unread.
#[derive(Debug)]
pub struct TooLarge {
    pub candidate: Candidate,
    pub size: u64,
}

/// Size and modification time: what "unchanged" compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Snapshot {
    size: u64,
    modified: SystemTime,
}

enum Look {
    Seen(Candidate, Snapshot),
    Gone,
    Failed(Candidate, FolderError),
}

/// Size and time of a listed file, never through a link: an entry swapped
/// for a link or a pipe since it was listed is refused.
fn stat(candidate: Candidate) -> Look {
    let path = candidate.path.clone();
    match fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => Look::Failed(candidate, FolderError::Link { path }),
        Ok(m) if !m.is_file() => Look::Failed(candidate, FolderError::NotRegular { path }),
        Ok(m) => match m.modified() {
            Ok(modified) => Look::Seen(
                candidate,
                Snapshot {
                    size: m.len(),
                    modified,
                },
            ),
            Err(source) => Look::Failed(candidate, FolderError::ReadFile { path, source }),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Look::Gone,
        Err(source) => Look::Failed(candidate, FolderError::ReadFile { path, source }),
    }
}

/// Hashes a file whose snapshot was stable (a regular file only, opened
/// without following a link or blocking, at most `limit` bytes, streamed),
/// then checks the snapshot again so a file that changed while being read
/// is not returned.
fn read(candidate: Candidate, before: Snapshot, limit: u64) -> Look2 {
    let path = candidate.path.clone();
    let (sha256, read) = match super::hash_regular(&path, limit) {
        Ok(hashed) => hashed,
        Err(OpenError::Io(e)) if e.kind() == io::ErrorKind::NotFound => return Look2::Gone,
        Err(OpenError::Io(source)) => {
            return Look2::Failed(candidate, FolderError::ReadFile { path, source });
        }
        Err(OpenError::Link) => return Look2::Failed(candidate, FolderError::Link { path }),
        Err(OpenError::NotRegular) => {
            return Look2::Failed(candidate, FolderError::NotRegular { path })
        }
        Err(OpenError::TooLarge(size)) => return Look2::TooLarge(candidate, size),
    };
    match stat(candidate) {
        Look::Seen(candidate, after) if after == before && read == after.size => {
            Look2::Ready(ReadyFile {
                path: candidate.path,
                name: candidate.name,
                sha256,
                size: after.size,
                modified: after.modified,
            })
        }
        Look::Seen(candidate, after) => Look2::Changing(Candidate {
            size: after.size,
            modified: after.modified,
            ..candidate
        }),
        Look::Gone => Look2::Gone,
        Look::Failed(candidate, error) => Look2::Failed(candidate, error),
    }
}

enum Look2 {
    Ready(ReadyFile),
    Changing(Candidate),
    Gone,
    Failed(Candidate, FolderError),
    TooLarge(Candidate, u64),
}

impl Unreadable {
    /// The blocking task looking at `candidate` itself failed.
    fn worker_failed(candidate: Candidate, source: io::Error) -> Unreadable {
        Unreadable {
            error: FolderError::ReadFile {
                path: candidate.path.clone(),
                source,
            },
            candidate,
        }
    }
}

/// Runs blocking file work off the async runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, io::Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)
}

/// Splits `candidates` into complete files (hashed, not held), files still
/// being written, and unreadable files. A file is complete when its size and
/// modification time are unchanged across `settle`: files already untouched
/// for `settle` (and unchanged since they were listed) are read at once; for
/// the others this waits until their window has passed (at most `settle`)
/// and looks again. `Duration::ZERO` returns every file at once.
pub async fn wait_until_complete(
    candidates: Vec<Candidate>,
    settle: Duration,
    limit: u64,
) -> Settled {
    let mut settled = Settled::default();
    let now = SystemTime::now();
    let mut to_read = Vec::new();
    let mut fresh = Vec::new();
    let mut wait = Duration::ZERO;
    for candidate in candidates {
        let fallback = candidate.clone();
        match blocking(move || stat(candidate)).await {
            Ok(Look::Seen(candidate, snap)) => {
                let listed = Snapshot {
                    size: candidate.size,
                    modified: candidate.modified,
                };
                let age = now.duration_since(snap.modified).ok();
                let quiet =
                    settle.is_zero() || (listed == snap && age.is_some_and(|a| a >= settle));
                if quiet {
                    to_read.push((candidate, snap));
                } else {
                    // A modification time in the future (clock skew) waits the full window.
                    let remaining = age.map_or(settle, |a| settle.saturating_sub(a));
                    wait = wait.max(if listed == snap { remaining } else { settle });
                    fresh.push((candidate, snap));
                }
            }
            Ok(Look::Gone) => {}
            Ok(Look::Failed(candidate, error)) => {
                settled.unreadable.push(Unreadable { candidate, error })
            }
            Err(source) => settled
                .unreadable
                .push(Unreadable::worker_failed(fallback, source)),
        }
    }
    if !fresh.is_empty() {
        tokio::time::sleep(wait.min(settle)).await;
        for (candidate, before) in fresh {
            let fallback = candidate.clone();
            match blocking(move || stat(candidate)).await {
                Ok(Look::Seen(candidate, after)) if after == before => {
                    to_read.push((candidate, after))
                }
                Ok(Look::Seen(candidate, after)) => settled.still_writing.push(Candidate {
                    size: after.size,
                    modified: after.modified,
                    ..candidate
                }),
                Ok(Look::Gone) => {}
                Ok(Look::Failed(candidate, error)) => {
                    settled.unreadable.push(Unreadable { candidate, error })
                }
                Err(source) => settled
                    .unreadable
                    .push(Unreadable::worker_failed(fallback, source)),
            }
        }
    }
    for (candidate, snap) in to_read {
        let fallback = candidate.clone();
        if snap.size > limit {
            settled.too_large.push(TooLarge {
                candidate,
                size: snap.size,
            });
            continue;
        }
        match blocking(move || read(candidate, snap, limit)).await {
            Ok(Look2::Ready(file)) => settled.ready.push(file),
            Ok(Look2::TooLarge(candidate, size)) => {
                settled.too_large.push(TooLarge { candidate, size })
            }
            Ok(Look2::Changing(candidate)) => settled.still_writing.push(candidate),
            Ok(Look2::Gone) => {}
            Ok(Look2::Failed(candidate, error)) => {
                settled.unreadable.push(Unreadable { candidate, error })
            }
            Err(source) => settled
                .unreadable
                .push(Unreadable::worker_failed(fallback, source)),
        }
    }
    // Keep the listing order (name, then time) whatever the path taken.
    settled
        .ready
        .sort_by(|a, b| a.name.cmp(&b.name).then(a.modified.cmp(&b.modified)));
    settled
}

#[cfg(test)]
mod tests {
    use std::fs::{File, OpenOptions};
    use std::io::Write;
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::folder::list_candidates;

    /// Guards against a hang; generous so a slow machine never trips it.
    const GUARD: Duration = Duration::from_secs(60);

    fn write(path: &Path, body: &[u8]) {
        if let Err(e) = fs::write(path, body) {
            panic!("write {}: {e}", path.display());
        }
    }

    fn age(path: &Path, by: Duration) {
        let then = SystemTime::now()
            .checked_sub(by)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let done = File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(then));
        if let Err(e) = done {
            panic!("set mtime of {}: {e}", path.display());
        }
    }

    async fn settle_dir(dir: &Path, settle: Duration) -> Settled {
        let candidates = list_candidates(dir).unwrap_or_default();
        match tokio::time::timeout(GUARD, wait_until_complete(candidates, settle, u64::MAX)).await {
            Ok(settled) => settled,
            Err(_) => panic!("wait_until_complete did not return"),
        }
    }

    #[tokio::test]
    async fn an_old_file_is_read_and_hashed_without_waiting_the_window() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("BOBO_1.csv");
        write(&path, b"abc");
        age(&path, Duration::from_secs(7200));
        // A one-hour window: only the "already quiet" path can return in time.
        let settled = settle_dir(dir.path(), Duration::from_secs(3600)).await;
        assert_eq!(settled.ready.len(), 1);
        let file = &settled.ready[0];
        assert_eq!(file.read(u64::MAX).ok(), Some(b"abc".to_vec()));
        assert_eq!(file.size, 3);
        assert_eq!(
            file.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(settled.still_writing.is_empty() && settled.unreadable.is_empty());
    }

    /// The content is read again when its batch parses it, and only the
    /// content that was found complete is returned: a file rewritten, removed
    /// or swapped for a link in between is left out, never parsed.
    #[tokio::test]
    async fn a_ready_file_is_read_again_only_as_it_was_found() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("BOBO_1.csv");
        write(&path, b"BON,1\n");
        age(&path, Duration::from_secs(7200));
        let settled = settle_dir(dir.path(), Duration::ZERO).await;
        let file = settled
            .ready
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("not ready"));
        assert_eq!(file.read(u64::MAX).ok(), Some(b"BON,1\n".to_vec()));

        write(&path, b"BOF,1\n"); // same size, other content
        assert!(matches!(
            file.read(u64::MAX),
            Err(ReadAgainError::Changed { .. })
        ));
        std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            file.read(u64::MAX),
            Err(ReadAgainError::Changed { .. })
        ));
        #[cfg(unix)]
        {
            let other = dir.path().join("other.csv");
            write(&other, b"BON,1\n");
            std::os::unix::fs::symlink(&other, &path).unwrap_or_else(|e| panic!("{e}"));
            assert!(matches!(
                file.read(u64::MAX),
                Err(ReadAgainError::Unreadable {
                    error: FolderError::Link { .. },
                    ..
                })
            ));
        }
    }

    #[tokio::test]
    async fn a_fresh_but_finished_file_is_ready_after_the_window() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        write(&dir.path().join("BOBO_2.csv"), b"BON,1\n");
        write(&dir.path().join("BOBO_1.csv"), b"BOF,1\n");
        let settled = settle_dir(dir.path(), Duration::from_millis(300)).await;
        let names: Vec<_> = settled.ready.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["BOBO_1.csv", "BOBO_2.csv"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_file_still_being_appended_to_is_left_for_the_next_look() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let growing = dir.path().join("BOBO_2.csv");
        let done = dir.path().join("BOBO_1.csv");
        write(&growing, b"BON,1\n");
        write(&done, b"BOF,2\n");
        age(&done, Duration::from_secs(3600));

        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (stop, growing) = (Arc::clone(&stop), growing.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if let Ok(mut f) = OpenOptions::new().append(true).open(&growing) {
                        let _ = f.write_all(b"BON,1\n");
                    }
                }
            })
        };
        let settled = settle_dir(dir.path(), Duration::from_millis(800)).await;
        stop.store(true, Ordering::Relaxed);
        let _ = writer.await;

        let ready: Vec<_> = settled.ready.iter().map(|f| f.name.as_str()).collect();
        let writing: Vec<_> = settled
            .still_writing
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(ready, vec!["BOBO_1.csv"]);
        assert_eq!(writing, vec!["BOBO_2.csv"]);
    }

    #[tokio::test]
    async fn a_zero_window_returns_everything_at_once() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        write(&dir.path().join("a.csv"), b"1");
        write(&dir.path().join("b.csv"), b"22");
        let settled = settle_dir(dir.path(), Duration::ZERO).await;
        let sizes: Vec<_> = settled
            .ready
            .iter()
            .map(|f| (f.name.as_str(), f.size))
            .collect();
        assert_eq!(sizes, vec![("a.csv", 1), ("b.csv", 2)]);
    }

    #[tokio::test]
    async fn a_file_that_vanished_is_in_no_list() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("a.csv");
        write(&path, b"1");
        let candidates = list_candidates(dir.path()).unwrap_or_default();
        if let Err(e) = fs::remove_file(&path) {
            panic!("remove: {e}");
        }
        let settled = wait_until_complete(candidates, Duration::ZERO, u64::MAX).await;
        assert!(
            settled.ready.is_empty()
                && settled.still_writing.is_empty()
                && settled.unreadable.is_empty()
        );
    }
}
