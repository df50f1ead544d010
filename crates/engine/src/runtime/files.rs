//! Pure: what the runtime knows about files in the drop folder from watch
//! signals: which are still being written (never read), which the platform
//! has reported complete (read at once), and which names are new (for
//! "last file seen"). No I/O; probing (Windows, settle-only platforms) is
//! done by the caller, which reports the result back.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::watch::WatchSignal;

/// The runtime's view of the drop folder's files.
#[derive(Debug, Default)]
pub struct FileTracker {
    /// Changed and not yet reported closed.
    writing: BTreeSet<PathBuf>,
    /// Reported complete, not yet handed to a batch.
    ready: BTreeSet<PathBuf>,
    /// Every name seen (to tell new files).
    seen: HashSet<PathBuf>,
    /// Whose last signal said complete (until changed or removed).
    closed: HashSet<PathBuf>,
    /// The latest new name a signal revealed since the last
    /// [`FileTracker::take_news`].
    news: Option<PathBuf>,
}

impl FileTracker {
    /// Takes in one signal; returns whether it revealed a file not seen before.
    pub fn on_signal(&mut self, signal: WatchSignal) -> bool {
        match signal {
            WatchSignal::Changed(path) => {
                self.ready.remove(&path);
                self.closed.remove(&path);
                self.writing.insert(path.clone());
                self.note(path)
            }
            WatchSignal::Closed(path) => {
                self.writing.remove(&path);
                self.ready.insert(path.clone());
                self.closed.insert(path.clone());
                self.note(path)
            }
            WatchSignal::Removed(path) => {
                self.writing.remove(&path);
                self.ready.remove(&path);
                self.closed.remove(&path);
                self.seen.remove(&path);
                false
            }
            // Events were lost: nothing is known to be open any more, so the
            // settle window decides until new events arrive.
            WatchSignal::Rescan => {
                self.writing.clear();
                false
            }
        }
    }

    fn note(&mut self, path: PathBuf) -> bool {
        let new = self.seen.insert(path.clone());
        if new {
            self.news = Some(path);
        }
        new
    }

    /// Whether a new name turned up since the last call.
    pub fn take_news(&mut self) -> Option<PathBuf> {
        self.news.take()
    }

    /// Whether the platform's last word on `path` was "complete".
    pub fn is_closed(&self, path: &Path) -> bool {
        self.closed.contains(path)
    }

    /// Notes a name found by listing the folder; returns whether it is new.
    pub fn saw(&mut self, path: &Path) -> bool {
        self.seen.insert(path.to_owned())
    }

    /// Forgets names no longer in the folder (after a full listing).
    pub fn retain_seen(&mut self, present: &HashSet<PathBuf>) {
        self.seen.retain(|p| present.contains(p));
    }

    /// Whether the platform says `path` is still open for writing.
    pub fn is_writing(&self, path: &Path) -> bool {
        self.writing.contains(path)
    }

    /// Files still being written, for platforms that probe them.
    pub fn writing(&self) -> Vec<PathBuf> {
        self.writing.iter().cloned().collect()
    }

    /// Whether any file is waiting to be read.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Hands over the complete files, in name order.
    pub fn take_ready(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.ready).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str) -> PathBuf {
        PathBuf::from("/drop").join(name)
    }

    #[test]
    fn a_file_is_ready_only_after_its_writer_closed_it() {
        let mut t = FileTracker::default();
        assert!(t.on_signal(WatchSignal::Changed(p("a.csv"))));
        assert!(!t.on_signal(WatchSignal::Changed(p("a.csv"))));
        assert!(t.is_writing(&p("a.csv")) && !t.has_ready());
        assert!(!t.on_signal(WatchSignal::Closed(p("a.csv"))));
        assert!(!t.is_writing(&p("a.csv")));
        assert_eq!(t.take_ready(), vec![p("a.csv")]);
        assert!(t.take_ready().is_empty());
    }

    #[test]
    fn writing_again_after_close_takes_it_back() {
        let mut t = FileTracker::default();
        t.on_signal(WatchSignal::Closed(p("a.csv")));
        t.on_signal(WatchSignal::Changed(p("a.csv")));
        assert!(!t.has_ready() && t.is_writing(&p("a.csv")));
    }

    #[test]
    fn removal_and_lost_events_forget_what_was_known() {
        let mut t = FileTracker::default();
        t.on_signal(WatchSignal::Changed(p("a.csv")));
        t.on_signal(WatchSignal::Closed(p("b.csv")));
        t.on_signal(WatchSignal::Removed(p("b.csv")));
        assert!(!t.has_ready());
        t.on_signal(WatchSignal::Rescan);
        assert!(!t.is_writing(&p("a.csv")));
        // A removed name is new again when it comes back.
        assert!(t.on_signal(WatchSignal::Closed(p("b.csv"))));
    }

    #[test]
    fn listing_tells_new_names() {
        let mut t = FileTracker::default();
        assert!(t.saw(&p("a.csv")));
        assert!(!t.saw(&p("a.csv")));
        t.retain_seen(&HashSet::new());
        assert!(t.saw(&p("a.csv")));
    }
}
