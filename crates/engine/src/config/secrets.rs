//! Where the AtHoc client secret and password are kept outside settings
//! files: the OS keyring (service `bobosync`) behind the [`SecretStore`]
//! trait, with an in-memory store for tests and the demo.
//!
//! Keyring entry names (the keyring "user"):
//! - client secret: `<ORG_CODE>/<CLIENT_ID>/client_secret@<server origin>`
//! - password: `<ORG_CODE>/<APIUSER>/password@<server origin>`
//!
//! followed by `~<route>` when a proxy, an extra CA or unverified TLS is
//! set (see [`SecretBinding`]).
//!
//! Invariants: secret values never appear in an error message or `Debug`
//! output; a secret is only ever looked up for the server and route it was
//! stored for.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use url::Url;

use crate::athoc::{ProxyOptions, TlsOptions, TlsVerification};

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

/// What stored secrets are bound to: the AtHoc server's origin and the way
/// requests reach it (proxies, extra CA, TLS checking). Secrets stored for
/// one binding are never looked up for another, so after the server, a proxy
/// or the TLS settings change they must be entered again before any request
/// carries them: whoever can change a setting cannot send the stored
/// secrets somewhere else with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretBinding {
    /// `https://host[:port]`.
    origin: String,
    /// A short digest of the proxies, the extra CA's path and the TLS
    /// checking, when any differs from the direct, verified default. A
    /// digest, because a proxy URL may hold a password.
    route: Option<String>,
}

impl SecretBinding {
    /// The binding of requests to `server` through `proxy` with `tls`.
    pub fn new(server: &Url, proxy: &ProxyOptions, tls: &TlsOptions) -> Self {
        let origin = server.origin().ascii_serialization();
        let set = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
        let (http, https, no_proxy) = (set(&proxy.http), set(&proxy.https), set(&proxy.no_proxy));
        let unverified = tls.verification == TlsVerification::Disabled;
        let ca = tls
            .extra_ca
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let direct = http.is_empty() && https.is_empty() && !unverified && ca.is_empty();
        let route = (!direct).then(|| {
            let mut digest = Sha256::new();
            for part in [
                "http_proxy",
                &http,
                "https_proxy",
                &https,
                "no_proxy",
                &no_proxy,
                "ca",
                &ca,
            ] {
                digest.update(part.len().to_le_bytes());
                digest.update(part.as_bytes());
            }
            digest.update([u8::from(unverified)]);
            hex::encode(&digest.finalize()[..4])
        });
        Self { origin, route }
    }

    /// The server's origin (`https://host[:port]`).
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

impl fmt::Display for SecretBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(route) = &self.route {
            write!(f, "~{route}")?;
        }
        Ok(())
    }
}

/// The keyring names of both secrets of one AtHoc connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretNames {
    pub client_secret: SecretName,
    pub password: SecretName,
}

/// The name of one secret in a [`SecretStore`] (the keyring "user").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretName {
    kind: SecretKind,
    account: String,
}

impl SecretName {
    /// `<org>/<client_id>/client_secret@<binding>`.
    pub fn client_secret(binding: &SecretBinding, org_code: &str, client_id: &str) -> Self {
        Self {
            kind: SecretKind::ClientSecret,
            account: format!("{org_code}/{client_id}/client_secret@{binding}"),
        }
    }

    /// `<org>/<username>/password@<binding>`.
    pub fn password(binding: &SecretBinding, org_code: &str, username: &str) -> Self {
        Self {
            kind: SecretKind::Password,
            account: format!("{org_code}/{username}/password@{binding}"),
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

    fn binding(url: &str) -> SecretBinding {
        let url = Url::parse(url).unwrap();
        SecretBinding::new(&url, &ProxyOptions::default(), &TlsOptions::default())
    }

    #[test]
    fn names_follow_the_documented_scheme() {
        let s = binding("https://athoc.example:8443/api/");
        assert_eq!(
            SecretName::client_secret(&s, "ORG1", "app").account(),
            "ORG1/app/client_secret@https://athoc.example:8443"
        );
        assert_eq!(
            SecretName::password(&binding("https://athoc.example"), "ORG1", "svc").account(),
            "ORG1/svc/password@https://athoc.example"
        );
    }

    #[test]
    fn every_server_proxy_and_tls_change_names_another_entry() {
        let url = Url::parse("https://athoc.example").unwrap();
        let base = SecretBinding::new(&url, &ProxyOptions::default(), &TlsOptions::default());
        let proxy = |p: &str| ProxyOptions {
            https: Some(p.to_owned()),
            ..ProxyOptions::default()
        };
        let variants = [
            binding("https://athoc.example.evil"),
            binding("https://athoc.example:444"),
            binding("http://localhost"),
            SecretBinding::new(&url, &proxy("http://p:8080"), &TlsOptions::default()),
            SecretBinding::new(&url, &proxy("http://u:pw@p:8080"), &TlsOptions::default()),
            SecretBinding::new(
                &url,
                &ProxyOptions {
                    http: Some("http://p:8080".into()),
                    ..ProxyOptions::default()
                },
                &TlsOptions::default(),
            ),
            SecretBinding::new(
                &url,
                &ProxyOptions {
                    https: Some("http://p:8080".into()),
                    no_proxy: Some("athoc.example".into()),
                    ..ProxyOptions::default()
                },
                &TlsOptions::default(),
            ),
            SecretBinding::new(
                &url,
                &ProxyOptions::default(),
                &TlsOptions {
                    verification: TlsVerification::Disabled,
                    extra_ca: None,
                },
            ),
            SecretBinding::new(
                &url,
                &ProxyOptions::default(),
                &TlsOptions {
                    verification: TlsVerification::Verify,
                    extra_ca: Some("/tmp/ca.pem".into()),
                },
            ),
        ];
        let mut seen = std::collections::HashSet::new();
        assert!(seen.insert(SecretName::password(&base, "O", "u")));
        for v in &variants {
            let name = SecretName::password(v, "O", "u");
            assert!(seen.insert(name.clone()), "{name} repeats another binding");
            assert!(
                !name.account().contains("pw"),
                "{name} shows the proxy password"
            );
        }
        // The path of the URL is not part of the origin.
        assert_eq!(
            binding("https://athoc.example/a/"),
            binding("https://athoc.example")
        );
    }

    #[test]
    fn memory_store_round_trip_and_debug_hides_values() {
        let store = MemorySecretStore::new();
        let name = SecretName::password(&binding("https://o.example"), "O", "u");
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
        let err = store
            .get(&SecretName::password(
                &binding("https://o.example"),
                "O",
                "u",
            ))
            .unwrap_err();
        assert!(matches!(err, SecretStoreError::Unavailable { .. }));
    }
}
