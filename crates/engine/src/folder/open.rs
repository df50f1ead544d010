//! Opening a drop-folder file safely: the folder may be shared and every
//! entry in it is untrusted. Only a regular file is read, opened once
//! without following a link and without blocking (a FIFO swapped in would
//! otherwise hang the open), checked on the handle itself, and read from
//! that same handle, at most `limit` bytes.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Why an entry was not read.
#[derive(Debug)]
pub enum OpenError {
    /// A symbolic link (or, on Windows, another reparse point).
    Link,
    /// A pipe, socket, device or folder.
    NotRegular,
    /// Larger than the limit (its size so far).
    TooLarge(u64),
    Io(io::Error),
}

/// Opens `path` only if it is a regular file, not through a link.
pub fn open_regular(path: &Path) -> Result<File, OpenError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        // FILE_FLAG_OPEN_REPARSE_POINT: open a link itself, not its target.
        options.custom_flags(0x0020_0000);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(OpenError::Link),
        Err(e) => return Err(OpenError::Io(e)),
    };
    let meta = file.metadata().map_err(OpenError::Io)?;
    if meta.file_type().is_symlink() {
        return Err(OpenError::Link);
    }
    if !meta.is_file() {
        return Err(OpenError::NotRegular);
    }
    Ok(file)
}

/// Reads a regular file at `path` (see [`open_regular`]), refusing one
/// larger than `limit` bytes without reading past the limit.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, OpenError> {
    let file = open_regular(path)?;
    let size = file.metadata().map_err(OpenError::Io)?.len();
    if size > limit {
        return Err(OpenError::TooLarge(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(OpenError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(OpenError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Hashes a regular file at `path` (see [`open_regular`]) as it streams
/// by, holding none of it: its lower-case hex SHA-256 and size. A file
/// larger than `limit` bytes is refused without reading past the limit.
pub fn hash_regular(path: &Path, limit: u64) -> Result<(String, u64), OpenError> {
    use sha2::{Digest, Sha256};
    let file = open_regular(path)?;
    let size = file.metadata().map_err(OpenError::Io)?.len();
    if size > limit {
        return Err(OpenError::TooLarge(size));
    }
    let mut hasher = Sha256::new();
    let read =
        io::copy(&mut file.take(limit.saturating_add(1)), &mut hasher).map_err(OpenError::Io)?;
    if read > limit {
        return Err(OpenError::TooLarge(read));
    }
    Ok((hex::encode(hasher.finalize()), read))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_pipes_and_oversized_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let real = dir.path().join("real.csv");
        std::fs::write(&real, b"BON,1").unwrap_or_else(|e| panic!("{e}"));
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&real, &link).unwrap_or_else(|e| panic!("{e}"));
        let fifo = dir.path().join("fifo.csv");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo (coreutils)");

        assert_eq!(read_regular(&real, 100).ok(), Some(b"BON,1".to_vec()));
        let (sha, size) = hash_regular(&real, 100).unwrap_or_else(|_| panic!("hash"));
        assert_eq!(size, 5);
        assert_eq!(
            sha,
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"BON,1"))
        );
        assert!(matches!(hash_regular(&link, 100), Err(OpenError::Link)));
        assert!(matches!(
            hash_regular(&fifo, 100),
            Err(OpenError::NotRegular)
        ));
        assert!(matches!(
            hash_regular(&real, 4),
            Err(OpenError::TooLarge(5))
        ));
        assert!(matches!(read_regular(&link, 100), Err(OpenError::Link)));
        // Opening a FIFO with no writer would block without O_NONBLOCK.
        assert!(matches!(
            read_regular(&fifo, 100),
            Err(OpenError::NotRegular)
        ));
        assert!(matches!(
            read_regular(dir.path(), 100),
            Err(OpenError::NotRegular)
        ));
        assert!(matches!(
            read_regular(&real, 4),
            Err(OpenError::TooLarge(5))
        ));
    }
}
