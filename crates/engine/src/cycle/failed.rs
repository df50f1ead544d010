//! The failed folder as standing business: a file there holds events that
//! were never applied, so it stays a warning (and fails `bobosync once`)
//! until an operator retries it (back into the drop folder, note removed,
//! attempts forgotten) or dismisses it (into `failed/dismissed/`, kept for
//! the record but no longer reported).

use std::path::{Path, PathBuf};

use crate::folder::{self, Candidate, FolderError};

use super::SyncContext;

/// The subfolder of the failed folder that dismissed files move to.
pub const DISMISSED_DIR: &str = "dismissed";

/// Which failed files an operator means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailedSelection {
    All,
    /// File names as listed in the failed folder.
    Named(Vec<String>),
}

/// A failed file an operator named that is not in the failed folder.
#[derive(Debug, thiserror::Error)]
pub enum FailedFileError {
    #[error(
        "{name} is not in the failed folder {dir}; run the command without a file name to list the files there"
    )]
    NotFound { name: String, dir: PathBuf },
    #[error(transparent)]
    Folder(#[from] FolderError),
}

/// One line for a status or incident: how many files wait and what to do.
pub fn failed_files_summary(files: &[Candidate], retry: &str, dismiss: &str) -> String {
    let names: Vec<&str> = files.iter().take(3).map(|f| f.name.as_str()).collect();
    let more = files.len().saturating_sub(names.len());
    format!(
        "{} file(s) in the failed folder hold events that were never applied ({}{}): fix the cause, \
         then retry them (`{retry}`) or dismiss them (`{dismiss}`)",
        files.len(),
        names.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// A file waiting in the failed folder, as an operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FailedFile {
    pub name: String,
    /// When it was moved there (its modification time).
    pub failed_at: chrono::DateTime<chrono::Utc>,
    /// Why, from the note beside it (at most [`NOTE_LIMIT`] bytes); empty
    /// when there is no note.
    pub reason: String,
}

/// How much of a note is shown.
pub const NOTE_LIMIT: u64 = 4096;

impl SyncContext {
    /// The files waiting in the failed folder with why each is there.
    pub fn failed_file_details(&self) -> Result<Vec<FailedFile>, FolderError> {
        Ok(self
            .failed_files()?
            .into_iter()
            .map(|file| FailedFile {
                reason: read_note(&folder::reason_file_for(&file.path)),
                failed_at: file.modified.into(),
                name: file.name,
            })
            .collect())
    }

    /// The files waiting in the failed folder (not the dismissed ones). A
    /// missing failed folder holds none.
    pub fn failed_files(&self) -> Result<Vec<Candidate>, FolderError> {
        match folder::list_candidates(&self.settings.paths.failed_dir) {
            Ok(files) => Ok(files),
            Err(FolderError::Missing { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Moves the selected failed files back into the drop folder (their
    /// notes removed), so the next cycle applies them; the cycle gives a
    /// file it had given up on fresh attempts. Returns the names as they are
    /// now in the drop folder.
    pub fn retry_failed(
        &self,
        selection: &FailedSelection,
    ) -> Result<Vec<String>, FailedFileError> {
        let mut moved = Vec::new();
        for file in self.select_failed(selection)? {
            let target = folder::move_into(&file.path, &self.settings.paths.drop_dir)?;
            remove_note(&file.path);
            tracing::info!(file = %file.name, "failed file put back into the drop folder by an operator");
            moved.push(file_name(&target));
        }
        Ok(moved)
    }

    /// Moves the selected failed files (with their notes) into
    /// `failed/dismissed/`: kept, no longer reported. Returns their names
    /// there.
    pub fn dismiss_failed(
        &self,
        selection: &FailedSelection,
    ) -> Result<Vec<String>, FailedFileError> {
        let dismissed_dir = self.settings.paths.failed_dir.join(DISMISSED_DIR);
        let mut dismissed = Vec::new();
        for file in self.select_failed(selection)? {
            let target = folder::move_into(&file.path, &dismissed_dir)?;
            let note = folder::reason_file_for(&file.path);
            // The note follows the file's (possibly numbered) new name; an
            // older note is never overwritten.
            let note_target = folder::reason_file_for(&target);
            if note.exists() && !note_target.exists() {
                if let Err(e) = std::fs::rename(&note, &note_target) {
                    tracing::warn!("cannot move the note {}: {e}", note.display());
                }
            }
            tracing::info!(file = %file.name, "failed file dismissed by an operator");
            dismissed.push(file_name(&target));
        }
        Ok(dismissed)
    }

    fn select_failed(
        &self,
        selection: &FailedSelection,
    ) -> Result<Vec<Candidate>, FailedFileError> {
        let files = self.failed_files()?;
        match selection {
            FailedSelection::All => Ok(files),
            FailedSelection::Named(names) => names
                .iter()
                .map(|name| {
                    // A path pasted from a listing works as well as a bare name.
                    let bare = Path::new(name)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| name.clone());
                    files
                        .iter()
                        .find(|f| f.name == bare)
                        .cloned()
                        .ok_or_else(|| FailedFileError::NotFound {
                            name: name.clone(),
                            dir: self.settings.paths.failed_dir.clone(),
                        })
                })
                .collect(),
        }
    }
}

fn remove_note(file: &Path) {
    let note = folder::reason_file_for(file);
    match std::fs::remove_file(&note) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!("cannot remove the note {}: {e}", note.display()),
    }
}

/// The start of a note, as text; empty when there is none. Notes are
/// written by BoboSync, but the folder may be shared: read no more than
/// [`NOTE_LIMIT`] bytes, and only from a regular file.
fn read_note(note: &Path) -> String {
    use std::io::Read as _;
    let regular = std::fs::symlink_metadata(note).is_ok_and(|m| m.file_type().is_file());
    if !regular {
        return String::new();
    }
    let mut bytes = Vec::new();
    match std::fs::File::open(note).map(|f| f.take(NOTE_LIMIT).read_to_end(&mut bytes)) {
        Ok(Ok(_)) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        _ => String::new(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
