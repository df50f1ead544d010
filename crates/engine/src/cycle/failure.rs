//! What failed in a cycle, as a type: callers (the runtime's health model,
//! the CLI's exit status, the tray's error kinds) branch on [`FailureKind`],
//! never on the wording of [`Failure::message`], which is for people only.

use std::fmt;

use serde::Serialize;

use crate::athoc::AthocError;

use super::CycleError;

/// The kinds of failure a cycle reports. Each has an entry in
/// docs/operators-guide.md (`FailureKind::iter`; tested).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// AtHoc could not be reached or could not answer now: a server error,
    /// throttling, a timeout, a dropped connection, an unreadable reply.
    /// Nothing is given up for it; the next cycle tries again.
    AthocUnavailable,
    /// AtHoc refused the credentials or the operator's role (401, 403,
    /// `invalid_grant`): nothing works until the settings change.
    AthocAuthentication,
    /// AtHoc refused the request itself (400, 404, another 4xx, a refused
    /// certificate, unusable client settings).
    AthocRequestRefused,
    /// AtHoc answered for one record and did not apply it.
    RecordRefused,
    /// A file in the drop folder could not be read.
    FileUnreadable,
    /// A file was moved to the failed folder (no readable row, or given up
    /// after `MAX_RETRY_ATTEMPTS` definitive refusals).
    FileGivenUp,
    /// A file larger than `MAX_FILE_MB`: moved to the failed folder unread.
    FileTooLarge,
    /// A file whose outcome is recorded could not be moved on (to the
    /// processed or failed folder): it stays in the drop folder, is never
    /// applied twice, and holds up no other file.
    FileNotMoved,
    /// Files wait in the failed folder: their events were never applied.
    /// Standing until an operator retries or dismisses them.
    FailedFilesWaiting,
    /// The user mappings were never synced (or are too old after failed
    /// syncs): files wait in the drop folder instead of being applied as
    /// unmapped.
    MappingsNotSynced,
    /// The user-mapping sync failed.
    MappingSync,
    /// The stale cleanup failed or could not clear some users.
    Cleanup,
    /// The drop, processed or failed folder could not be used.
    Folder,
    /// The BoboSync database is locked by another process.
    DatabaseLocked,
    /// The BoboSync database could not be read or written.
    Database,
    /// A setting the cycle needs is unusable (e.g. `ATHOC_DATE_FORMAT`).
    Settings,
}

impl FailureKind {
    /// A stable snake_case code (as serialized), for history and JSON.
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::AthocUnavailable => "athoc_unavailable",
            FailureKind::AthocAuthentication => "athoc_authentication",
            FailureKind::AthocRequestRefused => "athoc_request_refused",
            FailureKind::RecordRefused => "record_refused",
            FailureKind::FileUnreadable => "file_unreadable",
            FailureKind::FileGivenUp => "file_given_up",
            FailureKind::FileNotMoved => "file_not_moved",
            FailureKind::FileTooLarge => "file_too_large",
            FailureKind::FailedFilesWaiting => "failed_files_waiting",
            FailureKind::MappingsNotSynced => "mappings_not_synced",
            FailureKind::MappingSync => "mapping_sync",
            FailureKind::Cleanup => "cleanup",
            FailureKind::Folder => "folder",
            FailureKind::DatabaseLocked => "database_locked",
            FailureKind::Database => "database",
            FailureKind::Settings => "settings",
        }
    }

    /// The kind of a failure AtHoc caused.
    pub fn of_athoc(error: &AthocError) -> FailureKind {
        match error {
            AthocError::Authentication { .. }
            | AthocError::Unauthorized { .. }
            | AthocError::Forbidden { .. } => FailureKind::AthocAuthentication,
            e if e.is_transient() => FailureKind::AthocUnavailable,
            _ => FailureKind::AthocRequestRefused,
        }
    }
}

/// One failure of a cycle: its kind, what it concerns, and a message for
/// people.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub kind: FailureKind,
    /// The drop-folder file it concerns, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The employee ID it concerns, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee: Option<String>,
    /// AtHoc's error, when AtHoc caused it (for the HTTP status, endpoint…).
    #[serde(skip)]
    pub athoc: Option<AthocError>,
    /// What happened and what to do, in words.
    pub message: String,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            file: None,
            employee: None,
            athoc: None,
            message: message.into(),
        }
    }

    /// A failure AtHoc caused; `context` says what was being done.
    pub fn athoc(error: &AthocError, message: impl Into<String>) -> Failure {
        Failure {
            athoc: Some(error.clone()),
            ..Failure::new(FailureKind::of_athoc(error), message)
        }
    }

    /// A failure of a cycle step that could not run at all, kinded by its
    /// cause; `context` (e.g. "user-mapping sync failed") prefixes the text.
    pub fn of_cycle(error: &CycleError, context: Option<&str>) -> Failure {
        let message = match context {
            Some(context) => format!("{context}: {error}"),
            None => error.to_string(),
        };
        let mut failure = Failure::new(FailureKind::of_cycle(error), message);
        if let CycleError::Athoc(e) = error {
            failure.athoc = Some(e.clone());
        }
        failure
    }

    /// The same failure reported as `kind` (what failed), keeping its
    /// cause (`athoc`) for whoever needs to know why.
    pub fn as_kind(mut self, kind: FailureKind) -> Failure {
        self.kind = kind;
        self
    }

    pub fn with_file(mut self, file: impl Into<String>) -> Failure {
        self.file = Some(file.into());
        self
    }

    pub fn with_employee(mut self, employee: impl Into<String>) -> Failure {
        self.employee = Some(employee.into());
        self
    }
}

impl FailureKind {
    /// The kind of a cycle step's error.
    pub fn of_cycle(error: &CycleError) -> FailureKind {
        match error {
            CycleError::Athoc(e) => FailureKind::of_athoc(e),
            CycleError::Store(e) if e.is_locked() => FailureKind::DatabaseLocked,
            CycleError::Store(_) | CycleError::CreateDir { .. } => FailureKind::Database,
            CycleError::Folder(_) => FailureKind::Folder,
            CycleError::DateFormat(_) => FailureKind::Settings,
            CycleError::EmptyDirectory { .. } => FailureKind::MappingSync,
        }
    }
}

impl Failure {
    /// Whether history needs a row of its own for this failure: it happened
    /// outside any batch (a batch's failures are in its records).
    pub fn is_outside_batches(&self) -> bool {
        self.file.is_none()
            || matches!(
                self.kind,
                FailureKind::FileUnreadable | FailureKind::FileNotMoved | FailureKind::FileTooLarge
            )
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::FailureKind;

    #[test]
    fn codes_are_the_serialized_names() {
        use FailureKind::*;
        for kind in [
            AthocUnavailable,
            AthocAuthentication,
            AthocRequestRefused,
            RecordRefused,
            FileUnreadable,
            FileGivenUp,
            FileNotMoved,
            FileTooLarge,
            FailedFilesWaiting,
            MappingsNotSynced,
            MappingSync,
            Cleanup,
            Folder,
            DatabaseLocked,
            Database,
            Settings,
        ] {
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::from(kind.code()))
            );
        }
    }
}
