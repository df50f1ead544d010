//! Watching the drop folder for new and changed files with `notify`, turned
//! into a few plain [`WatchSignal`]s for the runtime. Owns the platform's
//! notion of "the writer closed the file": on Linux the close-after-write
//! event; on Windows an exclusive open succeeding ([`writer_closed`]);
//! elsewhere there is none and the settle window decides.
//!
//! Events are a speed-up, never the only way a file is found: the runtime
//! also rescans the folder periodically, since events are unreliable on
//! network shares and can overflow.

mod classify;

use std::path::{Path, PathBuf};

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

pub use classify::{classify, Platform};

/// What a file-system event means for the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchSignal {
    /// The writer has closed the file (or renamed a finished file into
    /// place): it is complete and may be read now.
    Closed(PathBuf),
    /// The file was created or written to; without a close signal it is
    /// still being written (Linux) or needs a completeness check.
    Changed(PathBuf),
    /// The file left the folder (moved away or deleted).
    Removed(PathBuf),
    /// Events were lost (queue overflow, watcher error): look at everything.
    Rescan,
}

/// Why the drop folder cannot be watched. The runtime falls back to
/// periodic rescans, so this is a warning, not a stop.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(
        "cannot watch the drop folder {dir} for new files ({source}); BoboSync will look for \
         files every rescan interval instead. On Linux, raise fs.inotify.max_user_watches if \
         the limit is reached"
    )]
    Watch {
        dir: PathBuf,
        #[source]
        source: notify::Error,
    },
}

/// A running watch on one folder; dropping it stops watching.
pub struct FolderWatcher {
    _watcher: RecommendedWatcher,
}

impl std::fmt::Debug for FolderWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolderWatcher").finish_non_exhaustive()
    }
}

/// Starts watching `dir` (not its sub-folders). Each signal is handed to
/// `sink` on the watcher's own thread, as soon as the event arrives (so
/// state it updates is current even while the engine is busy), then sent
/// on the returned channel to wake the engine.
pub fn watch(
    dir: &Path,
    sink: impl Fn(&WatchSignal) + Send + 'static,
) -> Result<(FolderWatcher, mpsc::UnboundedReceiver<WatchSignal>), WatchError> {
    let (tx, rx) = mpsc::unbounded_channel();
    let platform = Platform::current();
    let handler = move |result: notify::Result<notify::Event>| {
        let signals = match result {
            Ok(event) => classify(&event, platform),
            Err(_) => vec![WatchSignal::Rescan],
        };
        for signal in signals {
            sink(&signal);
            // The receiver is gone only while the engine shuts down.
            let _ = tx.send(signal);
        }
    };
    let mut watcher = notify::recommended_watcher(handler).map_err(|source| WatchError::Watch {
        dir: dir.to_owned(),
        source,
    })?;
    watcher
        .watch(dir, RecursiveMode::NonRecursive)
        .map_err(|source| WatchError::Watch {
            dir: dir.to_owned(),
            source,
        })?;
    Ok((FolderWatcher { _watcher: watcher }, rx))
}

/// Windows: whether no other process has the file open, so its writer has
/// closed it (an open without any sharing succeeds only then).
#[cfg(windows)]
pub fn writer_closed(path: &Path) -> bool {
    use std::os::windows::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .share_mode(0)
        .open(path)
        .is_ok()
}

/// Elsewhere there is no such probe: the close event (Linux) or the settle
/// window decides, so this never holds a file back.
#[cfg(not(windows))]
pub fn writer_closed(_path: &Path) -> bool {
    true
}
