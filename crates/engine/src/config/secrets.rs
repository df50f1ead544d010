//! Where the AtHoc client secret and password are kept outside settings
//! files: the OS keyring (service `bobosync`) behind the [`SecretStore`]
//! trait, with an in-memory store for tests and the demo.
//!
//! Keyring entry names (the keyring "user"):
//! - client secret: `<ORG_CODE>/<CLIENT_ID>/client_secret`
//! - password: `<ORG_CODE>/<APIUSER>/password`
//!
//! Invariant: secret values never appear in an error message or `Debug` output.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

/// The keyring service every BoboSync secret is stored under.
pub const KEYRING_SERVICE: &str = "bobosync";

/// The two secrets BoboSync needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// The API application's `CLIENT_SECRET`.
    ClientSecret,
    /// The AtHoc operator's `PASSWORD`.
    Password,
}

impl SecretKind {
    /// The `.env` key of this secret.
    pub fn env_key(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "CLIENT_SECRET",
            SecretKind::Password => "PASSWORD",
        }
    }

    /// The environment variable that overrides every other source.
    pub fn override_var(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "BOBOSYNC_CLIENT_SECRET",
            SecretKind::Password => "BOBOSYNC_PASSWORD",
        }
    }
}

/// The name of one secret in a [`SecretStore`] (the keyring "user").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretName {
    kind: SecretKind,
    account: String,
}

impl SecretName {
    /// `<org>/<client_id>/client_secret`.
    pub fn client_secret(org_code: &str, client_id: &str) -> Self {
        Self {
            kind: SecretKind::ClientSecret,
            account: format!("{org_code}/{client_id}/client_secret"),
        }
    }

    /// `<org>/<username>/password`.
    pub fn password(org_code: &str, username: &str) -> Self {
        Self {
            kind: SecretKind::Password,
            account: format!("{org_code}/{username}/password"),
        }
    }

    /// Which secret this is.
    pub fn kind(&self) -> SecretKind {
        self.kind
    }

    /// The keyring user name.
    pub fn account(&self) -> &str {
        &self.account
    }
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{KEYRING_SERVICE}: {}", self.account)
    }
}

/// Why a secret store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretStoreError {
    /// No usable keyring on this machine (e.g. no Secret Service on a headless
    /// server, or it is locked). Not fatal when the secret comes from elsewhere.
    #[error("the OS keyring is not available ({reason}); set the secret through the environment or the .env file instead")]
    Unavailable { reason: String },
    /// The keyring answered, but with an error for this entry.
    #[error("the OS keyring failed for {name}: {reason}")]
    Failed { name: String, reason: String },
}

/// A place to keep secrets. Implementations must be thread-safe.
pub trait SecretStore: Send + Sync {
    /// The secret, or `None` when no entry exists.
    fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretStoreError>;
    /// Stores (or replaces) the secret.
    fn set(&self, name: &SecretName, value: &SecretString) -> Result<(), SecretStoreError>;
    /// Removes the secret; removing a missing entry is not an error.
    fn delete(&self, name: &SecretName) -> Result<(), SecretStoreError>;
}

/// The OS keyring: Windows Credential Manager, macOS Keychain, or the
/// Secret Service on Linux.
#[derive(Debug, Clone, Default)]
pub struct KeyringStore {
    _private: (),
}

impl KeyringStore {
    /// A store for service [`KEYRING_SERVICE`]. Nothing is contacted until used.
    pub fn new() -> Self {
        Self { _private: () }
    }

    fn entry(name: &SecretName) -> Result<keyring::Entry, SecretStoreError> {
        keyring::Entry::new(KEYRING_SERVICE, name.account()).map_err(|e| map_keyring_error(name, e))
    }
}

fn map_keyring_error(name: &SecretName, error: keyring::Error) -> SecretStoreError {
    match error {
        keyring::Error::NoStorageAccess(e) | keyring::Error::PlatformFailure(e) => {
            SecretStoreError::Unavailable {
                reason: e.to_string(),
            }
        }
        // BadEncoding carries the stored bytes: never show them.
        keyring::Error::BadEncoding(_) => SecretStoreError::Failed {
            name: name.to_string(),
            reason: "the stored value is not UTF-8 text; store it again".to_owned(),
        },
        other => SecretStoreError::Failed {
            name: name.to_string(),
            reason: other.to_string(),
        },
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretStoreError> {
        match Self::entry(name)?.get_password() {
            Ok(value) => Ok(Some(SecretString::from(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(name, e)),
        }
    }

    fn set(&self, name: &SecretName, value: &SecretString) -> Result<(), SecretStoreError> {
        Self::entry(name)?
            .set_password(value.expose_secret())
            .map_err(|e| map_keyring_error(name, e))
    }

    fn delete(&self, name: &SecretName) -> Result<(), SecretStoreError> {
        match Self::entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(name, e)),
        }
    }
}

/// Secrets held in memory only: for tests and the demo mode.
#[derive(Default)]
pub struct MemorySecretStore {
    entries: Mutex<HashMap<String, SecretString>>,
    unavailable: bool,
}

impl MemorySecretStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that behaves like a machine without a keyring: every call
    /// fails with [`SecretStoreError::Unavailable`].
    pub fn unavailable() -> Self {
        Self {
            entries: Mutex::default(),
            unavailable: true,
        }
    }

    fn check(&self) -> Result<(), SecretStoreError> {
        if self.unavailable {
            Err(SecretStoreError::Unavailable {
                reason: "no keyring in this test".to_owned(),
            })
        } else {
            Ok(())
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        // A panic while holding the lock cannot leave the map half-updated.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for MemorySecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.lock().keys().cloned().collect();
        f.debug_struct("MemorySecretStore")
            .field("entries", &names)
            .field("unavailable", &self.unavailable)
            .finish()
    }
}

impl SecretStore for MemorySecretStore {
    fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretStoreError> {
        self.check()?;
        Ok(self.lock().get(name.account()).cloned())
    }

    fn set(&self, name: &SecretName, value: &SecretString) -> Result<(), SecretStoreError> {
        self.check()?;
        self.lock().insert(name.account().to_owned(), value.clone());
        Ok(())
    }

    fn delete(&self, name: &SecretName) -> Result<(), SecretStoreError> {
        self.check()?;
        self.lock().remove(name.account());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_scheme() {
        assert_eq!(
            SecretName::client_secret("ORG1", "app").account(),
            "ORG1/app/client_secret"
        );
        assert_eq!(
            SecretName::password("ORG1", "svc").account(),
            "ORG1/svc/password"
        );
    }

    #[test]
    fn memory_store_round_trip_and_debug_hides_values() {
        let store = MemorySecretStore::new();
        let name = SecretName::password("O", "u");
        assert!(store.get(&name).unwrap().is_none());
        store.set(&name, &SecretString::from("s3cret")).unwrap();
        assert_eq!(store.get(&name).unwrap().unwrap().expose_secret(), "s3cret");
        assert!(!format!("{store:?}").contains("s3cret"));
        store.delete(&name).unwrap();
        store.delete(&name).unwrap();
        assert!(store.get(&name).unwrap().is_none());
    }

    #[test]
    fn unavailable_store_reports_unavailable() {
        let store = MemorySecretStore::unavailable();
        let err = store.get(&SecretName::password("O", "u")).unwrap_err();
        assert!(matches!(err, SecretStoreError::Unavailable { .. }));
    }
}
