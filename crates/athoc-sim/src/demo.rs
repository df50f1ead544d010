//! The throw-away demo site that `bobosync demo` and the tray app's demo
//! mode both run against: the simulator's sample organization (two people
//! left on duty long ago, so the stale cleanup has something to clear), a
//! folder `$TMPDIR/bobosync-demo-*` with a `.env` for the simulator, the
//! drop / processed / failed / log folders, and sample BOBO exports.
//!
//! The folder is removed when its [`DemoSite`] is dropped. A process that is
//! killed never drops it, so the site holds an exclusive OS lock on
//! [`LOCK_FILE`] inside it for its life, and every new demo first removes
//! the `bobosync-demo-*` folders whose lock it can take: their owner is gone
//! (the OS releases a lock when its process ends, however it ends).
//!
//! Nothing here knows BoboSync's engine: it writes text files. The `.env`
//! uses the Python tool's keys, which the engine reads like any other site.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use chrono::{Local, NaiveDateTime};

use crate::config::SimConfig;
use crate::dates::DatePattern;
use crate::sim::Sim;
use crate::users::generate_users;

/// The duty attribute the demo's `.env` names.
pub const DUTY: &str = "On-Duty-DTG";

/// How many people the demo organization has.
pub const USERS: usize = 40;

/// The name every demo folder starts with.
pub const PREFIX: &str = "bobosync-demo-";

/// The file inside a demo folder whose lock says its owner still runs.
pub const LOCK_FILE: &str = ".demo.lock";

/// The folders inside a demo site, as its `.env` names them.
const FOLDERS: [&str; 4] = ["drop", "processed", "failed", "logs"];

/// Why the demo site could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot prepare the demo folder {}: {source}. Check that the temporary folder (TMPDIR) exists and is writable", path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn folder_error(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Folder {
        path: path.to_path_buf(),
        source,
    }
}

/// The demo organization: [`USERS`] generated users, the last two of whom
/// were left on duty 30 hours ago (in the simulator's date format), so the
/// stale cleanup (`AUTO_CLEANUP_HOURS=24`) clears them.
pub fn organization(config: &SimConfig) -> Sim {
    let users = generate_users(USERS);
    let stale: Vec<String> = users
        .iter()
        .rev()
        .take(2)
        .map(|u| u.login.clone())
        .collect();
    let sim = Sim::new(config.clone(), users);
    let long_ago = (Local::now() - chrono::Duration::hours(30)).naive_local();
    let value = match DatePattern::compile(&config.date_format) {
        Ok(pattern) => pattern.format(&long_ago),
        Err(_) => long_ago.format("%d/%m/%Y %H:%M:%S").to_string(),
    };
    for login in stale {
        sim.set_attribute(&login, DUTY, &value);
    }
    sim
}

/// The demo's `.env`: the simulator at `base_url` with `config`'s
/// credentials, the site's folders (relative: beside the `.env`), the
/// stale cleanup after 24 hours, no settle window, and `time_zone` (BOBO's
/// zone: the sample exports are written in this machine's local time).
/// `writer` names the program in the first line's comment.
pub fn env_text(base_url: &str, config: &SimConfig, writer: &str, time_zone: &str) -> String {
    format!(
        "# Written by {writer} for the built-in AtHoc simulator.\n\
         ATHOC_SERVER_URL={base_url}\n\
         ORG_CODE={}\nCLIENT_ID={}\nCLIENT_SECRET={}\nAPIUSER={}\nPASSWORD={}\n\
         CSV_DIRECTORY=drop\nPROCESSED_DIRECTORY=processed\nFAILED_FILES_DIRECTORY=failed\n\
         LOG_DIRECTORY=logs\nDB_PATH=bobo_mapping.db\nMOVE_PROCESSED_FILES=true\n\
         DUTY_STATUS_FIELD={DUTY}\nCOLLAR_ID_FIELD=Collar-Number\nAUTO_CLEANUP_HOURS=24\n\
         FILE_SETTLE_SECONDS=0\nTIME_ZONE={time_zone}\n",
        config.org_code, config.client_id, config.client_secret, config.username, config.password
    )
}

/// Sample export number `cycle` at `now` (local time): five book-ons and
/// book-offs that change from cycle to cycle, seconds apart, and one
/// employee ID no user has. Headerless, ten columns.
pub fn sample_export(now: NaiveDateTime, cycle: u32) -> String {
    let mut text = String::new();
    for i in 0..5u32 {
        let employee = 1 + (cycle * 3 + i * 7) % 30;
        let duty = if (cycle + i).is_multiple_of(3) {
            "BOF"
        } else {
            "BON"
        };
        let at = now - chrono::Duration::seconds(i64::from(10 * (5 - i)));
        row(&mut text, duty, &format!("{employee:05}"), at);
    }
    row(&mut text, "BON", "99999", now);
    text
}

fn row(text: &mut String, duty: &str, employee: &str, at: NaiveDateTime) {
    let _ = writeln!(
        text,
        "{duty},{employee},P{employee},{},{},{},1,54.89,-2.93,5.0",
        at.format("%Y%m%d"),
        at.format("%H%M%S"),
        at.format("%Y%m%d%H%M%S")
    );
}

/// A demo folder, locked for the life of this value and removed on drop.
#[derive(Debug)]
pub struct DemoSite {
    dir: PathBuf,
    lock: Option<File>,
}

impl DemoSite {
    /// Removes the orphaned demo folders in the temporary folder, then
    /// creates and locks a new one with its drop / processed / failed / log
    /// folders.
    pub fn create() -> Result<DemoSite, DemoError> {
        DemoSite::create_in(&std::env::temp_dir())
    }

    /// [`DemoSite::create`] in `parent` instead of the temporary folder.
    pub fn create_in(parent: &Path) -> Result<DemoSite, DemoError> {
        for gone in sweep_orphans(parent) {
            tracing::info!(folder = %gone.display(), "removed a demo folder its program left behind");
        }
        let dir = tempfile::Builder::new()
            .prefix(PREFIX)
            .tempdir_in(parent)
            .map_err(folder_error(parent))?
            .keep();
        // Locked before anything else is written: from here on a sweep by
        // another demo leaves it alone.
        let locked = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .and_then(|file| match file.try_lock() {
                Ok(()) => Ok(file),
                Err(TryLockError::WouldBlock) => Err(std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    "its lock file is already locked",
                )),
                Err(TryLockError::Error(e)) => Err(e),
            });
        let mut site = DemoSite { dir, lock: None };
        site.lock = Some(locked.map_err(folder_error(&site.dir))?);
        for sub in FOLDERS {
            std::fs::create_dir_all(site.dir.join(sub)).map_err(folder_error(&site.dir))?;
        }
        Ok(site)
    }

    /// The demo folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The drop folder inside it.
    pub fn drop_dir(&self) -> PathBuf {
        self.dir.join("drop")
    }

    /// The `.env`'s path (written by [`DemoSite::write_env`]).
    pub fn env_path(&self) -> PathBuf {
        self.dir.join(".env")
    }

    /// Writes [`env_text`] to the site's `.env`; returns its path.
    pub fn write_env(
        &self,
        base_url: &str,
        config: &SimConfig,
        writer: &str,
        time_zone: &str,
    ) -> Result<PathBuf, DemoError> {
        let path = self.env_path();
        std::fs::write(&path, env_text(base_url, config, writer, time_zone))
            .map_err(folder_error(&self.dir))?;
        Ok(path)
    }

    /// Writes sample export number `cycle` (now, local time) into the drop
    /// folder under a temporary name, then renames it, so it is never seen
    /// half-written; returns its name.
    pub fn write_sample_export(&self, cycle: u32) -> Result<String, DemoError> {
        write_sample_export(&self.drop_dir(), cycle)
    }
}

/// [`DemoSite::write_sample_export`] into the drop folder `drop` (for a
/// task that outlives the borrow of its site).
pub fn write_sample_export(drop: &Path, cycle: u32) -> Result<String, DemoError> {
    let now = Local::now().naive_local();
    let name = format!(
        "BOBO_{}_demo{cycle}_output.csv",
        now.format("%Y%m%d_%H%M%S")
    );
    let tmp = drop.join(format!(".{name}.part"));
    std::fs::write(&tmp, sample_export(now, cycle)).map_err(folder_error(drop))?;
    std::fs::rename(&tmp, drop.join(&name)).map_err(folder_error(drop))?;
    Ok(name)
}

impl Drop for DemoSite {
    fn drop(&mut self) {
        // The lock is let go first: Windows removes no open file.
        drop(self.lock.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Removes every `bobosync-demo-*` folder in `parent` whose owner is gone:
/// its lock file can be locked. Returns the folders removed. A folder whose
/// lock is held, or without a lock file (one being created this instant, or
/// written by a version without the lock, which may still run), is left
/// alone.
pub fn sweep_orphans(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let is_demo = entry.file_name().to_string_lossy().starts_with(PREFIX);
        // Never through a link: only real folders are removed.
        if !is_demo || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = entry.path();
        if is_orphan(&dir) && std::fs::remove_dir_all(&dir).is_ok() {
            removed.push(dir);
        }
    }
    removed
}

fn is_orphan(dir: &Path) -> bool {
    // Taken: nobody holds it. Dropping the file lets it go again.
    OpenOptions::new()
        .write(true)
        .open(dir.join(LOCK_FILE))
        .is_ok_and(|file| file.try_lock().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_demo_folder_survives_the_sweep_and_an_orphan_is_removed() {
        let parent = tempfile::tempdir().expect("tempdir");
        let alive = DemoSite::create_in(parent.path()).expect("demo site");
        // An orphan: its program was killed, so its lock file is unlocked.
        let orphan = parent.path().join(format!("{PREFIX}orphan"));
        std::fs::create_dir_all(orphan.join("drop")).expect("orphan");
        std::fs::write(orphan.join(LOCK_FILE), "").expect("orphan's lock file");
        // Not a demo folder: never touched.
        let other = parent.path().join("something-else");
        std::fs::create_dir(&other).expect("other");

        let removed = sweep_orphans(parent.path());
        assert_eq!(removed, vec![orphan.clone()]);
        assert!(!orphan.exists());
        assert!(
            alive.path().join(LOCK_FILE).is_file(),
            "the live demo was swept"
        );
        assert!(other.is_dir());

        // The next demo sweeps too: the live one still survives.
        let second = DemoSite::create_in(parent.path()).expect("second demo site");
        assert!(alive.path().is_dir() && second.path().is_dir());
        let path = alive.path().to_path_buf();
        drop(alive);
        assert!(!path.exists(), "a dropped demo site keeps its folder");
    }

    #[test]
    fn a_folder_without_a_lock_file_is_left_alone() {
        let parent = tempfile::tempdir().expect("tempdir");
        let unlocked = parent.path().join(format!("{PREFIX}being-made"));
        std::fs::create_dir(&unlocked).expect("folder");
        assert!(sweep_orphans(parent.path()).is_empty());
        assert!(unlocked.is_dir());
    }

    #[test]
    fn the_site_has_its_folders_and_exports_appear_whole() {
        let parent = tempfile::tempdir().expect("tempdir");
        let site = DemoSite::create_in(parent.path()).expect("demo site");
        for sub in FOLDERS {
            assert!(site.path().join(sub).is_dir(), "{sub}");
        }
        let name = site.write_sample_export(7).expect("export");
        let names: Vec<String> = std::fs::read_dir(site.drop_dir())
            .expect("drop")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            std::slice::from_ref(&name),
            "a temporary file was left behind"
        );
        assert!(name.starts_with("BOBO_") && name.ends_with("_demo7_output.csv"));
        let text = std::fs::read_to_string(site.drop_dir().join(&name)).expect("read");
        assert_eq!(text.lines().count(), 6);
        assert!(text.lines().all(|l| l.split(',').count() == 10), "{text}");
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn the_env_names_its_writer_the_simulator_and_the_zone() {
        let config = SimConfig::default();
        let text = env_text(
            "http://127.0.0.1:9",
            &config,
            "`bobosync demo`",
            "Europe/London",
        );
        assert!(
            text.starts_with("# Written by `bobosync demo` for"),
            "{text}"
        );
        for line in [
            "ATHOC_SERVER_URL=http://127.0.0.1:9".to_owned(),
            format!("PASSWORD={}", config.password),
            format!("DUTY_STATUS_FIELD={DUTY}"),
            "AUTO_CLEANUP_HOURS=24".to_owned(),
            "TIME_ZONE=Europe/London".to_owned(),
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from {text}"
            );
        }
    }

    #[test]
    fn two_people_were_left_on_duty_long_ago() {
        let config = SimConfig::default();
        let sim = organization(&config);
        let pattern = DatePattern::compile(&config.date_format).expect("pattern");
        let on_duty: Vec<(String, NaiveDateTime)> = sim
            .users()
            .into_iter()
            .filter_map(|u| {
                let value = u.attributes.get(DUTY)?;
                Some((u.login.clone(), pattern.parse(value).ok()?))
            })
            .collect();
        assert_eq!(sim.users().len(), USERS);
        assert_eq!(on_duty.len(), 2, "{on_duty:?}");
        let now = Local::now().naive_local();
        for (login, at) in on_duty {
            let age = now - at;
            assert!(
                age > chrono::Duration::hours(24),
                "{login} was put on duty only {age} ago: the cleanup would not clear it"
            );
        }
    }
}
