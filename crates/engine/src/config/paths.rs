//! Where BoboSync keeps its files when the settings do not say: the OS's
//! standard per-user folders (via `directories`), shared by the tray app and
//! the `bobosync` command so both see the same settings, database and logs.

use std::path::{Path, PathBuf};

use super::settings::Paths;

/// The default per-user locations of the settings file, the database, the
/// logs and the three BOBO folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    /// The native settings file: `<config dir>/settings.toml`.
    pub config_file: PathBuf,
    /// The per-user data folder: everything below lives here by default.
    pub data_dir: PathBuf,
    /// `<data dir>/bobosync.db`.
    pub db_path: PathBuf,
    /// `<data dir>/logs`.
    pub log_dir: PathBuf,
    /// `<data dir>/drop`: where BOBO exports are picked up.
    pub drop_dir: PathBuf,
    /// `<data dir>/processed`.
    pub processed_dir: PathBuf,
    /// `<data dir>/failed`.
    pub failed_dir: PathBuf,
}

impl Locations {
    /// The file name of the native settings file inside the config folder.
    pub const SETTINGS_FILE: &'static str = "settings.toml";
    /// The file name of the database inside the data folder.
    pub const DATABASE_FILE: &'static str = "bobosync.db";

    /// The current user's standard folders (`ProjectDirs::from("", "", "BoboSync")`),
    /// or `None` when the OS reports no home folder.
    pub fn default_for_user() -> Option<Locations> {
        let dirs = directories::ProjectDirs::from("", "", "BoboSync")?;
        Some(Self::under(dirs.config_dir(), dirs.data_dir()))
    }

    /// The same layout below explicit folders (tests, portable installs).
    pub fn under(config_dir: &Path, data_dir: &Path) -> Locations {
        Locations {
            config_file: config_dir.join(Self::SETTINGS_FILE),
            data_dir: data_dir.to_path_buf(),
            db_path: data_dir.join(Self::DATABASE_FILE),
            log_dir: data_dir.join("logs"),
            drop_dir: data_dir.join("drop"),
            processed_dir: data_dir.join("processed"),
            failed_dir: data_dir.join("failed"),
        }
    }

    /// These locations as the default [`Paths`] of a settings file.
    pub fn paths(&self) -> Paths {
        Paths {
            drop_dir: self.drop_dir.clone(),
            processed_dir: self.processed_dir.clone(),
            failed_dir: self.failed_dir.clone(),
            db_path: self.db_path.clone(),
            log_dir: self.log_dir.clone(),
        }
    }
}

/// Resolves a path read from a settings file: `~/` against `home`, a
/// relative path against `base` (the settings file's folder), an absolute
/// path as is.
pub(crate) fn resolve_path(text: &str, base: &Path, home: Option<&Path>) -> PathBuf {
    if let (Some(rest), Some(home)) = (
        text.strip_prefix("~/").or_else(|| text.strip_prefix("~\\")),
        home,
    ) {
        return home.join(rest);
    }
    let path = Path::new(text);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// Creates `dir` and any missing parents, private to the account BoboSync
/// runs as: on Unix, folders it creates are 0700 (its database, logs and
/// settings are nobody else's business). Existing folders are left as they
/// are. On Windows, per-user profile folders already inherit an ACL that
/// gives only the user (and administrators) access, so nothing more is set.
pub fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes `bytes` to `path`, readable and writable by its owner only (0600
/// on Unix; on Windows the folder's ACL decides).
pub fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_under_explicit_folders() {
        let l = Locations::under(Path::new("/c"), Path::new("/d"));
        assert_eq!(l.config_file, Path::new("/c/settings.toml"));
        assert_eq!(l.db_path, Path::new("/d/bobosync.db"));
        assert_eq!(l.log_dir, Path::new("/d/logs"));
        assert_eq!(l.drop_dir, Path::new("/d/drop"));
        assert_eq!(l.paths().failed_dir, Path::new("/d/failed"));
    }

    #[test]
    fn paths_resolve_against_base_and_home() {
        let base = Path::new("/srv/bobo");
        assert_eq!(resolve_path("csv", base, None), Path::new("/srv/bobo/csv"));
        assert_eq!(
            resolve_path("./a/b", base, None),
            Path::new("/srv/bobo/./a/b")
        );
        assert_eq!(resolve_path("/abs", base, None), Path::new("/abs"));
        assert_eq!(
            resolve_path("~/k", base, Some(Path::new("/home/u"))),
            Path::new("/home/u/k")
        );
    }
}
