//! The tray app's own preferences, apart from the sync settings: whether
//! closing the window hides it to the tray, kept in a small JSON file beside
//! the settings file. ("Start at login" is not stored here: the OS holds it,
//! through the autostart plugin.)

use std::path::{Path, PathBuf};

use engine::config::Locations;
use serde::{Deserialize, Serialize};

/// The file's name, in the folder of the settings file.
pub const FILE_NAME: &str = "app-preferences.json";

/// Why the preferences file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PreferencesError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a BoboSync preferences file ({source}); delete it to go back to the defaults")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What the file holds. Missing keys take their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StoredPreferences {
    /// Closing the window hides it to the tray (else it quits the app).
    pub close_to_tray: bool,
}

impl Default for StoredPreferences {
    fn default() -> Self {
        StoredPreferences {
            close_to_tray: true,
        }
    }
}

/// Where the file is for `locations`.
pub fn path(locations: &Locations) -> PathBuf {
    locations
        .config_file
        .parent()
        .map_or_else(|| PathBuf::from(FILE_NAME), |dir| dir.join(FILE_NAME))
}

/// Reads the file; the defaults when there is none.
pub fn load(path: &Path) -> Result<StoredPreferences, PreferencesError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(StoredPreferences::default())
        }
        Err(source) => {
            return Err(PreferencesError::Read {
                path: path.to_owned(),
                source,
            })
        }
    };
    serde_json::from_str(&text).map_err(|source| PreferencesError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// Writes the file (whole or not at all: a temporary file renamed over it).
pub fn save(path: &Path, preferences: &StoredPreferences) -> Result<(), PreferencesError> {
    let write = |source| PreferencesError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        engine::config::create_private_dir_all(dir).map_err(write)?;
    }
    let text =
        serde_json::to_string_pretty(preferences).map_err(|e| write(std::io::Error::other(e)))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(write)?;
    std::fs::rename(&tmp, path).map_err(write)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[test]
    fn missing_file_means_defaults_and_a_saved_value_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        assert_eq!(load(&path).unwrap(), StoredPreferences::default());
        assert!(StoredPreferences::default().close_to_tray);
        let off = StoredPreferences {
            close_to_tray: false,
        };
        save(&path, &off).unwrap();
        assert_eq!(load(&path).unwrap(), off);
    }

    #[rstest]
    #[case("{}", true)]
    #[case(r#"{"closeToTray": false}"#, false)]
    #[case(r#"{"closeToTray": true, "fromANewerVersion": 1}"#, true)]
    fn keys_default_when_missing(#[case] text: &str, #[case] close_to_tray: bool) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        assert_eq!(load(&path).unwrap().close_to_tray, close_to_tray);
    }

    #[test]
    fn a_damaged_file_is_named_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "not json").unwrap();
        let message = load(&path).unwrap_err().to_string();
        assert!(
            message.contains(FILE_NAME) && message.contains("delete it"),
            "{message}"
        );
    }
}
