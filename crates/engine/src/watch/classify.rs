//! Pure: one `notify` event → the runtime's [`WatchSignal`]s, for the
//! platform's kind of completeness signal. No I/O.

use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind, RenameMode};
use notify::Event;

use super::WatchSignal;

/// How the platform says that a file's writer is done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Linux (inotify): a close-after-write event.
    CloseEvents,
    /// Windows: an exclusive open succeeds once every writer has closed it.
    ExclusiveOpen,
    /// No signal (macOS, BSD): the settle window decides.
    SettleOnly,
}

impl Platform {
    /// The platform this binary runs on.
    pub fn current() -> Platform {
        if cfg!(any(target_os = "linux", target_os = "android")) {
            Platform::CloseEvents
        } else if cfg!(windows) {
            Platform::ExclusiveOpen
        } else {
            Platform::SettleOnly
        }
    }
}

/// What `event` means. Opens, reads and closes without writing (our own
/// reads among them) mean nothing; a rename into the folder brings a
/// finished file (writers that rename into place close first).
pub fn classify(event: &Event, platform: Platform) -> Vec<WatchSignal> {
    if event.need_rescan() {
        return vec![WatchSignal::Rescan];
    }
    let each = |make: fn(std::path::PathBuf) -> WatchSignal| {
        event.paths.iter().cloned().map(make).collect::<Vec<_>>()
    };
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => match platform {
            Platform::CloseEvents => each(WatchSignal::Closed),
            _ => each(WatchSignal::Changed),
        },
        EventKind::Access(_) => Vec::new(),
        EventKind::Create(CreateKind::Folder) => Vec::new(),
        EventKind::Create(_) => each(WatchSignal::Changed),
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => each(WatchSignal::Removed),
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => each(WatchSignal::Closed),
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => {
            let mut out = Vec::new();
            if let Some(from) = event.paths.first() {
                out.push(WatchSignal::Removed(from.clone()));
            }
            if let Some(to) = event.paths.get(1) {
                out.push(WatchSignal::Closed(to.clone()));
            }
            out
        }
        // Windows reports renames without a side; let the probe decide.
        EventKind::Modify(ModifyKind::Name(_)) => each(WatchSignal::Changed),
        // Attribute changes (touch, chmod) do not make a file incomplete.
        EventKind::Modify(ModifyKind::Metadata(_)) => match platform {
            Platform::CloseEvents => Vec::new(),
            _ => each(WatchSignal::Changed),
        },
        EventKind::Modify(_) => each(WatchSignal::Changed),
        EventKind::Remove(_) => each(WatchSignal::Removed),
        EventKind::Any | EventKind::Other => each(WatchSignal::Changed),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use notify::event::{DataChange, Flag, MetadataKind, RemoveKind};
    use rstest::rstest;

    use super::*;

    fn p(name: &str) -> PathBuf {
        PathBuf::from("/drop").join(name)
    }

    fn ev(kind: EventKind, paths: &[&str]) -> Event {
        paths
            .iter()
            .fold(Event::new(kind), |e, name| e.add_path(p(name)))
    }

    #[rstest]
    #[case::close_write_linux(EventKind::Access(AccessKind::Close(AccessMode::Write)), Platform::CloseEvents, vec![WatchSignal::Closed(p("a.csv"))])]
    #[case::close_write_elsewhere(EventKind::Access(AccessKind::Close(AccessMode::Write)), Platform::SettleOnly, vec![WatchSignal::Changed(p("a.csv"))])]
    #[case::our_own_read(EventKind::Access(AccessKind::Close(AccessMode::Read)), Platform::CloseEvents, vec![])]
    #[case::open(EventKind::Access(AccessKind::Open(AccessMode::Any)), Platform::CloseEvents, vec![])]
    #[case::create(EventKind::Create(CreateKind::File), Platform::CloseEvents, vec![WatchSignal::Changed(p("a.csv"))])]
    #[case::write(EventKind::Modify(ModifyKind::Data(DataChange::Any)), Platform::CloseEvents, vec![WatchSignal::Changed(p("a.csv"))])]
    #[case::touch_linux(EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)), Platform::CloseEvents, vec![])]
    #[case::touch_windows(EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)), Platform::ExclusiveOpen, vec![WatchSignal::Changed(p("a.csv"))])]
    #[case::moved_in(EventKind::Modify(ModifyKind::Name(RenameMode::To)), Platform::CloseEvents, vec![WatchSignal::Closed(p("a.csv"))])]
    #[case::moved_out(EventKind::Modify(ModifyKind::Name(RenameMode::From)), Platform::CloseEvents, vec![WatchSignal::Removed(p("a.csv"))])]
    #[case::removed(EventKind::Remove(RemoveKind::File), Platform::CloseEvents, vec![WatchSignal::Removed(p("a.csv"))])]
    #[case::rename_any(EventKind::Modify(ModifyKind::Name(RenameMode::Any)), Platform::ExclusiveOpen, vec![WatchSignal::Changed(p("a.csv"))])]
    fn one_path_events(
        #[case] kind: EventKind,
        #[case] platform: Platform,
        #[case] expected: Vec<WatchSignal>,
    ) {
        assert_eq!(classify(&ev(kind, &["a.csv"]), platform), expected);
    }

    #[test]
    fn a_rename_within_the_folder_removes_the_old_name_and_brings_the_new() {
        let event = ev(
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            &["a.tmp", "a.csv"],
        );
        assert_eq!(
            classify(&event, Platform::CloseEvents),
            vec![
                WatchSignal::Removed(p("a.tmp")),
                WatchSignal::Closed(p("a.csv"))
            ]
        );
    }

    #[test]
    fn lost_events_ask_for_a_rescan() {
        let event = Event::new(EventKind::Other).set_flag(Flag::Rescan);
        assert_eq!(
            classify(&event, Platform::CloseEvents),
            vec![WatchSignal::Rescan]
        );
    }
}
