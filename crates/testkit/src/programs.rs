//! The programs a test runs: found on PATH or in cargo's bin folder; a
//! missing one fails the test with the command that installs it. A test
//! that cannot run its tools fails: it is never skipped.

use std::path::PathBuf;

/// A program a test needs, and the command that installs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Program {
    /// The file name looked for, e.g. `dbus-run-session`.
    pub name: &'static str,
    /// What installs it, e.g. `apt-get install -y dbus`.
    pub install: &'static str,
}

impl Program {
    /// `name`, installed by `install`.
    pub const fn new(name: &'static str, install: &'static str) -> Program {
        Program { name, install }
    }
}

/// The session tools (`session`) and what else the tests here use.
pub const TIMEOUT: Program = Program::new("timeout", "apt-get install -y coreutils");
pub const DBUS_RUN_SESSION: Program = Program::new("dbus-run-session", "apt-get install -y dbus");
pub const XVFB_RUN: Program = Program::new("xvfb-run", "apt-get install -y xvfb xauth");
pub const GNOME_KEYRING: Program =
    Program::new("gnome-keyring-daemon", "apt-get install -y gnome-keyring");

/// A program missing from this machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is needed by this test but is not installed: {install} (./dev/setup installs every tool the tests use)")]
pub struct MissingProgram {
    pub name: String,
    pub install: String,
}

/// The folders searched: PATH, then `$CARGO_HOME/bin` and `~/.cargo/bin`
/// (where `cargo install` puts tools such as tauri-driver).
fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect())
        .unwrap_or_default();
    if let Some(cargo_home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(cargo_home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs
}

/// Where `program` is, if anywhere.
pub fn find_program(program: &str) -> Option<PathBuf> {
    search_dirs()
        .into_iter()
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Where `program` is, or which is missing and how to install it.
pub fn locate(program: Program) -> Result<PathBuf, MissingProgram> {
    find_program(program.name).ok_or_else(|| MissingProgram {
        name: program.name.to_owned(),
        install: program.install.to_owned(),
    })
}

/// Where `name` is; panics with `install` (the command that installs it)
/// when it is missing, which fails the test.
pub fn require(name: &'static str, install: &'static str) -> PathBuf {
    locate(Program::new(name, install)).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_names_its_install_command() {
        let e = locate(Program::new(
            "bobosync-no-such-program",
            "apt-get install -y nothing",
        ))
        .expect_err("not installed");
        let text = e.to_string();
        assert!(
            text.contains("`bobosync-no-such-program`")
                && text.contains("apt-get install -y nothing"),
            "{text}"
        );
    }

    #[test]
    fn a_program_on_path_is_found() {
        let sh = find_program("sh").expect("sh is on PATH");
        assert!(sh.is_file() && sh.ends_with("sh"), "{}", sh.display());
    }
}
