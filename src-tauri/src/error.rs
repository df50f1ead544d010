//! The one error every command rejects with: `{ kind, message }` (see
//! `ui/src/api.ts`, `ApiErrorKind`). The UI branches on `kind` only; the
//! message is shown to the operator as is and never holds a secret.

use engine::config::SecretStoreError;
use engine::cycle::CycleError;
use engine::runtime::EngineError;
use serde::Serialize;

/// A failed command, serialized as `{ "kind": "...", "message": "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, ts_rs::TS)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
#[ts(rename = "ApiErrorDto")]
pub enum ApiError {
    /// The command needs settings and there are none yet.
    #[error("{0}")]
    NotConfigured(String),
    /// The settings do not validate.
    #[error("{0}")]
    InvalidSettings(String),
    /// AtHoc refused the credentials.
    #[error("{0}")]
    AuthRejected(String),
    /// AtHoc could not be reached.
    #[error("{0}")]
    Unreachable(String),
    /// Another cycle is in flight.
    #[error("{0}")]
    Busy(String),
    /// The batch / approval named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The OS keyring cannot be used.
    #[error("{0}")]
    KeyringUnavailable(String),
    /// A file or folder could not be read or written.
    #[error("{0}")]
    Io(String),
    /// The Python tool's `.env` / database could not be read.
    #[error("{0}")]
    ImportFailed(String),
    /// The app runs from a `.env` (`--env-file`): its settings are that
    /// file's, so they cannot be changed from the window.
    #[error("{0}")]
    SettingsFromEnvFile(String),
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The stable kind, as the UI sees it.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::NotConfigured(_) => "not_configured",
            ApiError::InvalidSettings(_) => "invalid_settings",
            ApiError::AuthRejected(_) => "auth_rejected",
            ApiError::Unreachable(_) => "unreachable",
            ApiError::Busy(_) => "busy",
            ApiError::NotFound(_) => "not_found",
            ApiError::KeyringUnavailable(_) => "keyring_unavailable",
            ApiError::Io(_) => "io",
            ApiError::ImportFailed(_) => "import_failed",
            ApiError::SettingsFromEnvFile(_) => "settings_from_env_file",
            ApiError::Internal(_) => "internal",
        }
    }

    /// What saving settings or secrets gets while the app runs from `env_file`.
    pub fn settings_from_env_file(env_file: &std::path::Path) -> ApiError {
        ApiError::SettingsFromEnvFile(format!(
            "BoboSync was started with --env-file {}: its settings are read from that file, so \
             nothing changed here would be used. Edit that file and restart BoboSync, or import \
             it (Import from the Python tool's .env…) and start BoboSync without --env-file",
            env_file.display()
        ))
    }

    /// The error a command needing a running engine gets in setup mode.
    pub fn not_configured() -> ApiError {
        ApiError::NotConfigured(
            "BoboSync is not configured yet: finish the first-run wizard (or try the built-in simulator)"
                .to_owned(),
        )
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let message = e.to_string();
        match &e {
            // The approval shown is gone either way: answered meanwhile, or
            // superseded by the new change (its message says which).
            EngineError::NoSuchApproval(_) | EngineError::ApprovalChanged(_) => {
                ApiError::NotFound(message)
            }
            EngineError::FailedFile(engine::cycle::FailedFileError::NotFound { .. }) => {
                ApiError::NotFound(message)
            }
            EngineError::FailedFile(_) => ApiError::Io(message),
            EngineError::Lock(_) => ApiError::Busy(message),
            EngineError::Stopped => ApiError::Internal(message),
            EngineError::Cycle(CycleError::Athoc(a)) | EngineError::Open(CycleError::Athoc(a)) => {
                classify_athoc(a, message)
            }
            EngineError::Failure(f) => match &f.athoc {
                Some(a) => classify_athoc(a, message),
                None => ApiError::Internal(message),
            },
            _ => ApiError::Internal(message),
        }
    }
}

fn classify_athoc(e: &engine::athoc::AthocError, message: String) -> ApiError {
    use engine::athoc::AthocError as A;
    match e {
        A::Authentication { .. } | A::Unauthorized { .. } | A::Forbidden { .. } => {
            ApiError::AuthRejected(message)
        }
        _ => ApiError::Unreachable(message),
    }
}

impl From<SecretStoreError> for ApiError {
    fn from(e: SecretStoreError) -> Self {
        match e {
            SecretStoreError::Unavailable { .. } => ApiError::KeyringUnavailable(e.to_string()),
            SecretStoreError::Failed { .. } => ApiError::KeyringUnavailable(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_kind_and_message() {
        let json = serde_json::to_value(ApiError::Busy("a cycle is running".into())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "busy", "message": "a cycle is running"})
        );
        let e = ApiError::KeyringUnavailable("x".into());
        assert_eq!(serde_json::to_value(&e).unwrap()["kind"], e.kind());
    }
}
