//! The drop folder on disk, the only place the engine touches BOBO files:
//! listing candidate CSV files, waiting until each is completely written,
//! reading and hashing it, and moving it on (processed, failed) or purging
//! old processed files.
//!
//! Invariant: nothing here decides a file's fate; the cycle decides, after
//! the store has recorded a final outcome for every event in it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

mod moving;
mod open;
mod settle;

pub use moving::{move_failed, move_into, purge_older_than, reason_file_for};
pub use open::{hash_regular, open_regular, read_regular, OpenError};
pub use settle::{wait_until_complete, ReadAgainError, ReadyFile, Settled, TooLarge, Unreadable};

/// Everything that can go wrong with the drop folder and its files. Each
/// message names the folder or file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error(
        "the folder {dir} does not exist. Create it, or set CSV_DIRECTORY (the drop folder) \
         to the folder BOBO exports its CSV files to"
    )]
    Missing { dir: PathBuf },
    #[error("{dir} is not a folder. Set CSV_DIRECTORY (the drop folder) to a folder")]
    NotAFolder { dir: PathBuf },
    #[error(
        "cannot read the folder {dir}: {source}. Check that the account BoboSync runs as \
         may list and read it"
    )]
    ReadFolder {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "cannot read the file {path}: {source}. Check that the account BoboSync runs as may \
         read it and that no other program holds it locked"
    )]
    ReadFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "cannot create the folder {dir}: {source}. Create it yourself or choose a folder \
         BoboSync may write to"
    )]
    CreateFolder {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "cannot move {from} to {to}: {source}. The file stays where it is; check permissions \
         and free space on the destination"
    )]
    Move {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{path} is a symbolic link; BoboSync reads only regular files in the drop folder, so it \
         is left alone. Put the file itself there, or remove the link"
    )]
    Link { path: PathBuf },
    #[error(
        "{path} is not a regular file (a pipe, socket or device), so it is left alone. Remove it \
         from the folder"
    )]
    NotRegular { path: PathBuf },
    #[error("{path} has no file name, so it cannot be moved")]
    NoFileName { path: PathBuf },
    #[error(
        "every name like {name} is taken in {dir}. Tidy that folder (move old files away), \
         then BoboSync will retry"
    )]
    NoFreeName { dir: PathBuf, name: String },
    #[error(
        "moved the file to {path} but cannot write the note beside it explaining why: \
         {source}. Check that BoboSync may write to that folder"
    )]
    WriteReason {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "cannot delete the old file {path}: {source}. Delete it yourself or check that \
         BoboSync may write to its folder"
    )]
    Remove {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// A file in the drop folder that looks like a BOBO export, as last listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// The file name alone (what the store and history record).
    pub name: String,
    pub size: u64,
    pub modified: SystemTime,
}

/// An entry named like an export that was not listed: it could not be
/// looked at, or it is not a regular file. Reported on its own; the other
/// files go on.
#[derive(Debug)]
pub struct Skipped {
    pub name: String,
    pub error: FolderError,
}

/// What [`list_folder`] found.
#[derive(Debug, Default)]
pub struct Listing {
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
}

/// The files in `dir` that may be BOBO exports (see [`list_folder`]);
/// entries that cannot be listed are left out.
pub fn list_candidates(dir: &Path) -> Result<Vec<Candidate>, FolderError> {
    list_folder(dir).map(|listing| listing.candidates)
}

/// The files in `dir` that may be BOBO exports: regular files whose name
/// ends in `.csv` (any case), except hidden files, Office lock files (`~$…`)
/// and other temporary names. Sorted by file name (BOBO names sort
/// chronologically), then modification time. Links are never followed: a
/// link, a pipe, a socket or a device named like an export, or an entry
/// that cannot be looked at, is in `skipped`, and the rest are listed. A
/// missing or unreadable folder is an error naming it; a file that vanishes
/// while listing is left out.
pub fn list_folder(dir: &Path) -> Result<Listing, FolderError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(FolderError::Missing {
                dir: dir.to_owned(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            return Err(FolderError::NotAFolder {
                dir: dir.to_owned(),
            })
        }
        Err(source) => {
            return Err(FolderError::ReadFolder {
                dir: dir.to_owned(),
                source,
            })
        }
    };
    let mut listing = Listing::default();
    for entry in entries {
        let entry = entry.map_err(|source| FolderError::ReadFolder {
            dir: dir.to_owned(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !looks_like_export(&name) {
            continue;
        }
        let path = entry.path();
        let skip = |error| Skipped {
            name: name.clone(),
            error,
        };
        // Never follows a link.
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(source) => {
                listing
                    .skipped
                    .push(skip(FolderError::ReadFile { path, source }));
                continue;
            }
        };
        let kind = meta.file_type();
        if kind.is_dir() || is_hidden(&meta) {
            continue;
        }
        if kind.is_symlink() {
            listing.skipped.push(skip(FolderError::Link { path }));
            continue;
        }
        if !kind.is_file() {
            listing.skipped.push(skip(FolderError::NotRegular { path }));
            continue;
        }
        let modified = match meta.modified() {
            Ok(modified) => modified,
            Err(source) => {
                listing
                    .skipped
                    .push(skip(FolderError::ReadFile { path, source }));
                continue;
            }
        };
        listing.candidates.push(Candidate {
            path,
            name,
            size: meta.len(),
            modified,
        });
    }
    listing
        .candidates
        .sort_by(|a, b| a.name.cmp(&b.name).then(a.modified.cmp(&b.modified)));
    Ok(listing)
}

/// Whether a file name may be a BOBO export (not hidden, not a lock or
/// temporary file, ends in `.csv`).
pub fn looks_like_export(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".csv")
        && lower.len() > ".csv".len()
        && !name.starts_with('.')
        && !name.starts_with('~')
        && !lower.contains(".tmp")
        && !lower.contains(".part")
        && !lower.contains(".partial")
}

#[cfg(windows)]
fn is_hidden(meta: &fs::Metadata) -> bool {
    use std::os::windows::fs::MetadataExt;
    const FILE_ATTRIBUTE_HIDDEN: u32 = 0x2;
    meta.file_attributes() & FILE_ATTRIBUTE_HIDDEN != 0
}

#[cfg(not(windows))]
fn is_hidden(_meta: &fs::Metadata) -> bool {
    false // Unix hidden files start with a dot, handled by name.
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("BOBO_20250617_143000_output.csv", true)]
    #[case("export.CSV", true)]
    #[case("export.Csv", true)]
    #[case(".BOBO_20250617_143000_output.csv", false)]
    #[case("~$BOBO_20250617.csv", false)]
    #[case("~BOBO.csv", false)]
    #[case("BOBO_20250617.csv.tmp", false)]
    #[case("BOBO_20250617.tmp.csv", false)]
    #[case("BOBO_20250617.part.csv", false)]
    #[case("BOBO_20250617.txt", false)]
    #[case("BOBO_20250617.csv.reason.txt", false)]
    #[case(".csv", false)]
    fn export_names(#[case] name: &str, #[case] expected: bool) {
        assert_eq!(looks_like_export(name), expected, "{name}");
    }

    fn write(dir: &Path, name: &str, body: &str) {
        if let Err(e) = fs::write(dir.join(name), body) {
            panic!("write {name}: {e}");
        }
    }

    #[test]
    fn lists_csv_files_sorted_by_name_and_skips_the_rest() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        write(dir.path(), "BOBO_20250617_143100_output.csv", "b");
        write(dir.path(), "BOBO_20250617_143000_output.csv", "a");
        write(dir.path(), "~$BOBO_20250617_143200_output.csv", "lock");
        write(dir.path(), ".hidden.csv", "h");
        write(dir.path(), "notes.txt", "n");
        if let Err(e) = fs::create_dir(dir.path().join("sub.csv")) {
            panic!("mkdir: {e}");
        }
        let names: Vec<String> = list_candidates(dir.path())
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            names,
            vec![
                "BOBO_20250617_143000_output.csv",
                "BOBO_20250617_143100_output.csv"
            ]
        );
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let missing = dir.path().join("bobo_out");
        let err = list_candidates(&missing).err();
        assert!(matches!(err, Some(FolderError::Missing { .. })));
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("bobo_out") && text.contains("CSV_DIRECTORY"),
            "{text}"
        );
    }

    #[test]
    fn a_file_instead_of_a_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        write(dir.path(), "x.csv", "x");
        let err = list_candidates(&dir.path().join("x.csv")).err();
        assert!(
            matches!(err, Some(FolderError::NotAFolder { .. })),
            "{err:?}"
        );
    }
}
