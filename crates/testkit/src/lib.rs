//! What BoboSync's tests and benches share, written once:
//!
//! - [`programs`]: finding the programs a test needs; a missing one fails
//!   the test with the command that installs it (never a skip);
//! - [`session`]: re-running the current test inside its own private D-Bus
//!   session, optionally with an Xvfb display and an unlocked gnome-keyring,
//!   under a time limit;
//! - [`site`]: a throw-away site (the simulator, a `.env` for it, the drop,
//!   processed, failed and log folders, isolated XDG folders, HOME and
//!   temp folder for an app), BOBO rows, and what AtHoc holds;
//! - [`processes`]: the processes below one (Linux `/proc`);
//! - [`x11`] (Linux): closing a window as a window manager's close button
//!   does;
//! - [`wait_until`], [`log_tail`], [`files_containing`].
//!
//! Used by `src-tauri/tests`, `ui-e2e`, `crates/bench` and the engine's
//! keyring test. The end-to-end harness of `tests/` keeps its own richer
//! `Harness` and takes only [`site::bobo_row`] from here.

pub mod processes;
pub mod programs;
pub mod session;
pub mod site;
#[cfg(target_os = "linux")]
pub mod x11; // closing a window as a window manager does

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use processes::descendants_of;
pub use programs::{find_program, require, MissingProgram};
pub use session::Session;
pub use site::{bobo_row, Site, SiteError, DUTY};

/// Polls `f` every 200 ms until it returns `Some`, and returns that; panics
/// naming `what` after `limit`.
pub fn wait_until<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The last `n` characters of a text file (empty when it cannot be read).
pub fn log_tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let skip = text.chars().count().saturating_sub(n);
    text.chars().skip(skip).collect()
}

/// Every regular file under `root` (recursively, links not followed) whose
/// bytes contain `needle`: where a secret must never be found in clear.
pub fn files_containing(root: &Path, needle: &[u8]) -> Vec<PathBuf> {
    if needle.is_empty() {
        return Vec::new();
    }
    files_under(root)
        .into_iter()
        .filter(|path| {
            std::fs::read(path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        })
        .collect()
}

/// Every regular file under `root`, recursively (links not followed), sorted.
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => out.push(entry.path()),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// A program built by this workspace, in the profile folder of the running
/// executable (`target/<profile>/`, also when it runs from `deps/`), unless
/// the environment variable `override_var` names another path. The path is
/// returned whether or not the file exists; callers say what to build.
pub fn built_binary(name: &str, override_var: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(override_var) {
        return PathBuf::from(path);
    }
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    let exe = std::env::current_exe().unwrap_or_default();
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    dir.join(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_containing_finds_the_needle_in_nested_files_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("dirs");
        std::fs::write(dir.path().join("a/b/has.txt"), "xx-secret-xx").expect("write");
        std::fs::write(dir.path().join("a/not.txt"), "nothing here").expect("write");
        assert_eq!(
            files_containing(dir.path(), b"secret"),
            vec![dir.path().join("a/b/has.txt")]
        );
        assert!(files_containing(dir.path(), b"absent").is_empty());
        assert_eq!(files_under(dir.path()).len(), 2);
    }

    #[test]
    fn log_tail_keeps_the_last_characters() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("log");
        std::fs::write(&log, "first line\nlast line\n").expect("write");
        assert_eq!(log_tail(&log, 10), "last line\n");
        assert_eq!(log_tail(&dir.path().join("none"), 10), "");
    }

    #[test]
    fn wait_until_returns_the_first_value() {
        let mut n = 0;
        let got = wait_until("three tries", Duration::from_secs(5), || {
            n += 1;
            (n == 3).then_some(n)
        });
        assert_eq!(got, 3);
    }

    #[test]
    #[should_panic(expected = "timed out after")]
    fn wait_until_panics_naming_what_it_waited_for() {
        wait_until::<()>("nothing", Duration::from_millis(300), || None);
    }

    #[test]
    fn a_built_binary_is_looked_for_beside_the_profile_folder() {
        let path = built_binary("bobosync-nowhere", "BOBOSYNC_TESTKIT_NO_SUCH_VAR");
        let profile = std::env::current_exe()
            .expect("exe")
            .parent()
            .and_then(Path::parent)
            .expect("profile folder")
            .to_path_buf();
        assert_eq!(
            path,
            profile.join(format!("bobosync-nowhere{}", std::env::consts::EXE_SUFFIX))
        );
    }
}
