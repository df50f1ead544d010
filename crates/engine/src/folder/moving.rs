//! Moving files out of the drop folder (never overwriting anything, across
//! file systems too), explaining failed files with a note beside them, and
//! purging old processed files.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::FolderError;

/// How many numbered names (`name.1.csv` …) to try before giving up.
const MAX_SUFFIX: u32 = 10_000;

/// Moves `file` into `dir` (created if missing) and returns its new path.
/// Never overwrites: if the name is taken, `name.1.csv`, `name.2.csv` … is
/// used. Renames when it can; across file systems it copies, flushes the
/// copy to disk, then removes the original.
pub fn move_into(file: &Path, dir: &Path) -> Result<PathBuf, FolderError> {
    move_to_free_name(file, dir, |_| None)
}

/// [`move_into`], choosing a name for which `companion` (a note beside the
/// file) is free as well.
fn move_to_free_name(
    file: &Path,
    dir: &Path,
    companion: impl Fn(&Path) -> Option<PathBuf>,
) -> Result<PathBuf, FolderError> {
    let name = file.file_name().ok_or_else(|| FolderError::NoFileName {
        path: file.to_owned(),
    })?;
    fs::create_dir_all(dir).map_err(|source| FolderError::CreateFolder {
        dir: dir.to_owned(),
        source,
    })?;
    let name = Path::new(name);
    let mut attempt = 0;
    loop {
        let target = dir.join(numbered(name, attempt));
        let taken =
            exists(&target)? || companion(&target).map(|c| exists(&c)).transpose()? == Some(true);
        let moved = if taken {
            Err(io::Error::from(ErrorKind::AlreadyExists))
        } else {
            move_file(file, &target)
        };
        match moved {
            Ok(()) => return Ok(target),
            // Taken (or taken meanwhile by someone else): try the next number.
            Err(e) if e.kind() == ErrorKind::AlreadyExists && attempt < MAX_SUFFIX => attempt += 1,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                return Err(FolderError::NoFreeName {
                    dir: dir.to_owned(),
                    name: name.display().to_string(),
                })
            }
            Err(source) => {
                return Err(FolderError::Move {
                    from: file.to_owned(),
                    to: target,
                    source,
                })
            }
        }
    }
}

/// Moves `file` into `failed_dir` (as [`move_into`]) and writes a note
/// beside it, `<name>.reason.txt`, saying why and what to do: `retry` is the
/// command that puts a failed file back (`bobosync retry …`), completed
/// with the name the file has in the failed folder. Returns the file's new
/// path.
pub fn move_failed(
    file: &Path,
    failed_dir: &Path,
    reason: &str,
    retry: &str,
) -> Result<PathBuf, FolderError> {
    let original = file
        .file_name()
        .map(|n| crate::event::escape_controls(&n.to_string_lossy()).into_owned())
        .unwrap_or_default();
    // A name whose note is free too: nothing is overwritten, and a note is
    // never written through something already there (a link).
    let moved = move_to_free_name(file, failed_dir, |target| Some(reason_file_for(target)))?;
    let moved_name = moved
        .file_name()
        .map(|n| crate::event::escape_controls(&n.to_string_lossy()).into_owned())
        .unwrap_or_default();
    let note = reason_file_for(&moved);
    let text = format!(
        "BoboSync could not process the BOBO file {original} and moved it here as {moved_name}.\n\
         \n\
         Why: {reason}\n\
         \n\
         What to do: fix the cause above (the BoboSync log and batch history have the \
         details), then run `{retry} {moved_name}` (or move {moved_name} back into the drop \
         folder) to try again. If the file is not needed any more, delete it together with \
         this note.\n"
    );
    write_new(&note, text.as_bytes())
        .map_err(|source| FolderError::WriteReason { path: note, source })?;
    Ok(moved)
}

/// Creates `path` and writes `bytes`, failing if anything (a file, a link)
/// is there already: never writes through an existing entry.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The path of the note [`move_failed`] writes beside a failed file.
pub fn reason_file_for(file: &Path) -> PathBuf {
    let mut name = file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".reason.txt");
    file.with_file_name(name)
}

/// Deletes the regular, non-hidden files in `dir` last modified more than
/// `age` before `now`, and returns their paths. A missing folder has nothing
/// to purge. Stops at the first file it cannot delete, naming it.
pub fn purge_older_than(
    dir: &Path,
    age: Duration,
    now: SystemTime,
) -> Result<Vec<PathBuf>, FolderError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(FolderError::ReadFolder {
                dir: dir.to_owned(),
                source,
            })
        }
    };
    let Some(cutoff) = now.checked_sub(age) else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| FolderError::ReadFolder {
            dir: dir.to_owned(),
            source,
        })?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(source) => return Err(FolderError::ReadFile { path, source }),
        };
        let modified = meta.modified().map_err(|source| FolderError::ReadFile {
            path: path.clone(),
            source,
        })?;
        if meta.is_file() && modified < cutoff {
            match fs::remove_file(&path) {
                Ok(()) => removed.push(path),
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(source) => return Err(FolderError::Remove { path, source }),
            }
        }
    }
    removed.sort();
    Ok(removed)
}

/// `name` itself for 0, else `stem.N.ext` (`BOBO_1.csv` → `BOBO_1.2.csv`).
fn numbered(name: &Path, n: u32) -> PathBuf {
    if n == 0 {
        return name.to_owned();
    }
    let stem = name
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.extension() {
        Some(ext) => PathBuf::from(format!("{stem}.{n}.{}", ext.to_string_lossy())),
        None => PathBuf::from(format!("{stem}.{n}")),
    }
}

/// Whether anything is at `path`, a dangling link included.
fn exists(path: &Path) -> Result<bool, FolderError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(source) => Err(FolderError::ReadFile {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Renames, or copies and removes across file systems. Fails with
/// `AlreadyExists` rather than replace `to`.
fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    let mut held = 0;
    loop {
        match fs::rename(from, to) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::CrossesDevices => return copy_then_remove(from, to),
            // Another program has the file open without letting others move
            // it (a viewer, a virus scanner, a backup): it usually lets go
            // within moments. If not, the move fails; the file's events are
            // recorded, so the next look moves it and sends nothing again.
            Err(e) if held_by_another_program(&e) && held < HELD_RETRIES => {
                if held == 0 {
                    tracing::info!(
                        "{}: another program has it open; moving it when it lets go",
                        from.display()
                    );
                }
                held += 1;
                std::thread::sleep(HELD_PAUSE * held);
            }
            Err(e) => return Err(e),
        }
    }
}

/// How often, and after how long a pause (growing each time), a move is
/// tried again while another program holds the file: 1.65 s in all.
const HELD_RETRIES: u32 = 10;
const HELD_PAUSE: Duration = Duration::from_millis(30);

/// Windows: the sharing violation (32) or access denial (5) a rename meets
/// while another process has the file open without `FILE_SHARE_DELETE`.
/// Unix lets a rename through whoever has the file open.
fn held_by_another_program(e: &io::Error) -> bool {
    cfg!(windows) && matches!(e.raw_os_error(), Some(32) | Some(5))
}

fn copy_then_remove(from: &Path, to: &Path) -> io::Result<()> {
    let mut source = File::open(from)?;
    let mut target = OpenOptions::new().write(true).create_new(true).open(to)?;
    let copied = io::copy(&mut source, &mut target).and_then(|_| target.sync_all());
    if let Err(e) = copied {
        drop(target);
        let _ = fs::remove_file(to); // a partial copy must not look like the file
        return Err(e);
    }
    drop(source);
    fs::remove_file(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, body: &str) {
        if let Err(e) = fs::write(path, body) {
            panic!("write {}: {e}", path.display());
        }
    }

    fn read(path: &Path) -> String {
        fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    #[test]
    fn moves_into_a_new_folder_and_never_overwrites() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let drop_dir = root.path();
        let processed = root.path().join("processed");
        for body in ["first", "second", "third"] {
            let file = drop_dir.join("BOBO_1.csv");
            write(&file, body);
            assert!(move_into(&file, &processed).is_ok());
            assert!(!file.exists());
        }
        assert_eq!(read(&processed.join("BOBO_1.csv")), "first");
        assert_eq!(read(&processed.join("BOBO_1.1.csv")), "second");
        assert_eq!(read(&processed.join("BOBO_1.2.csv")), "third");
    }

    #[test]
    fn the_copy_fallback_never_overwrites_and_removes_the_original() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let (from, to) = (root.path().join("a.csv"), root.path().join("b.csv"));
        write(&from, "data");
        assert!(copy_then_remove(&from, &to).is_ok());
        assert_eq!(read(&to), "data");
        assert!(!from.exists());
        write(&from, "other");
        let err = copy_then_remove(&from, &to).err().map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::AlreadyExists));
        assert_eq!(read(&to), "data");
        assert!(from.exists());
    }

    #[test]
    fn a_failed_file_gets_a_note_saying_why_and_what_to_do() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let file = root.path().join("BOBO_9.csv");
        write(&file, "x");
        let failed = root.path().join("failed");
        let moved = move_failed(
            &file,
            &failed,
            "AtHoc refused it 5 times: HTTP 503",
            "bobosync retry --config x.toml",
        )
        .unwrap_or_else(|e| panic!("move_failed: {e}"));
        assert_eq!(moved, failed.join("BOBO_9.csv"));
        let note = read(&failed.join("BOBO_9.csv.reason.txt"));
        assert!(
            note.contains("AtHoc refused it 5 times: HTTP 503"),
            "{note}"
        );
        assert!(
            note.contains("run `bobosync retry --config x.toml BOBO_9.csv`")
                && note.contains("move BOBO_9.csv back into the drop folder"),
            "{note}"
        );
    }

    #[test]
    fn purges_only_files_older_than_the_age() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let (old, new) = (root.path().join("old.csv"), root.path().join("new.csv"));
        write(&old, "o");
        write(&new, "n");
        let now = SystemTime::now();
        let day = Duration::from_secs(86_400);
        let set = |p: &Path, t: SystemTime| {
            let r = File::options()
                .write(true)
                .open(p)
                .and_then(|f| f.set_modified(t));
            assert!(r.is_ok(), "{r:?}");
        };
        set(&old, now - day * 10);
        set(&new, now - day);
        let removed = purge_older_than(root.path(), day * 7, now).unwrap_or_default();
        assert_eq!(removed, vec![old.clone()]);
        assert!(!old.exists() && new.exists());
        let missing = purge_older_than(&root.path().join("nope"), day, now);
        assert_eq!(missing.ok(), Some(vec![]));
    }

    #[test]
    fn numbered_names() {
        assert_eq!(numbered(Path::new("a.csv"), 0), PathBuf::from("a.csv"));
        assert_eq!(
            numbered(Path::new("a.b.csv"), 3),
            PathBuf::from("a.b.3.csv")
        );
        assert_eq!(numbered(Path::new("noext"), 1), PathBuf::from("noext.1"));
    }
}
