//! The Python tool's encrypted `.env` values: `ENCRYPTED:<fernet token>`,
//! decrypted with the Fernet key kept in `~/.bobo_encryption_key` (or the
//! file named by `BOBO_ENCRYPTION_KEY_PATH`). Neither the key nor the
//! plaintext ever appears in an error message.

use std::path::{Path, PathBuf};

use secrecy::SecretString;

/// The prefix that marks an encrypted value.
pub const ENCRYPTED_PREFIX: &str = "ENCRYPTED:";

/// The key file's name in the home folder when `BOBO_ENCRYPTION_KEY_PATH` is unset.
pub const DEFAULT_KEY_FILE: &str = ".bobo_encryption_key";

/// Why an encrypted value could not be decrypted.
#[derive(Debug, thiserror::Error)]
pub enum LegacyCryptoError {
    #[error("cannot read the encryption key file {}: {source}", path.display())]
    KeyFileUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the encryption key file {} does not hold a valid Fernet key (44 characters of URL-safe base64)", path.display())]
    BadKey { path: PathBuf },
    #[error("the ENCRYPTED: value cannot be decrypted with the key in {} (wrong key, or the value was damaged)", path.display())]
    BadToken { path: PathBuf },
    #[error("the ENCRYPTED: value decrypted with the key in {} is not UTF-8 text", path.display())]
    NotText { path: PathBuf },
}

/// The token of an `ENCRYPTED:` value, `None` for a plain value.
pub fn encrypted_token(value: &str) -> Option<&str> {
    value.strip_prefix(ENCRYPTED_PREFIX).map(str::trim)
}

/// Decrypts `token` with the Fernet key read from `key_file`.
pub fn decrypt(token: &str, key_file: &Path) -> Result<SecretString, LegacyCryptoError> {
    let key = std::fs::read_to_string(key_file).map_err(|source| {
        LegacyCryptoError::KeyFileUnreadable {
            path: key_file.to_path_buf(),
            source,
        }
    })?;
    decrypt_with_key(token, &key, key_file)
}

/// Decrypts `token` with `key` (the key file's text); `key_file` only names
/// the key in errors.
pub fn decrypt_with_key(
    token: &str,
    key: &str,
    key_file: &Path,
) -> Result<SecretString, LegacyCryptoError> {
    let fernet = fernet::Fernet::new(key.trim()).ok_or_else(|| LegacyCryptoError::BadKey {
        path: key_file.to_path_buf(),
    })?;
    let bytes = fernet
        .decrypt(token)
        .map_err(|_| LegacyCryptoError::BadToken {
            path: key_file.to_path_buf(),
        })?;
    String::from_utf8(bytes)
        .map(SecretString::from)
        .map_err(|_| LegacyCryptoError::NotText {
            path: key_file.to_path_buf(),
        })
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn decrypts_a_token_made_with_the_same_key() {
        let key = fernet::Fernet::generate_key();
        let token = fernet::Fernet::new(&key).unwrap().encrypt(b"pa$$word");
        let value = format!("ENCRYPTED:{token}");
        let token = encrypted_token(&value).unwrap();
        let plain = decrypt_with_key(token, &format!("{key}\n"), Path::new("k")).unwrap();
        assert_eq!(plain.expose_secret(), "pa$$word");
    }

    #[test]
    fn wrong_key_and_bad_key_are_named_errors() {
        let token = fernet::Fernet::new(&fernet::Fernet::generate_key())
            .unwrap()
            .encrypt(b"x");
        let other = fernet::Fernet::generate_key();
        assert!(matches!(
            decrypt_with_key(&token, &other, Path::new("/k")),
            Err(LegacyCryptoError::BadToken { .. })
        ));
        assert!(matches!(
            decrypt_with_key(&token, "short", Path::new("/k")),
            Err(LegacyCryptoError::BadKey { .. })
        ));
        assert_eq!(encrypted_token("plain"), None);
    }
}
