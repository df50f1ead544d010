//! A throw-away BoboSync site: a temporary folder with the drop, processed,
//! failed and log folders, isolated XDG folders, HOME and temp folder for
//! an app, and a `.env` for an AtHoc simulator (its own, or one the caller
//! shares between sites).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use athoc_sim::{generate_users, BackgroundSim, Sim, SimConfig};

/// The duty attribute the simulator's users have and the `.env` names.
pub const DUTY: &str = "On-Duty-DTG";

/// The collar-number attribute of the simulator's users.
pub const COLLAR: &str = "Collar-Number";

/// The folders every site has.
const FOLDERS: [&str; 8] = [
    "drop",
    "processed",
    "failed",
    "logs",
    "home",
    "tmp",
    "xdg-config",
    "xdg-data",
];

/// Why a site could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("cannot create the test site in {}: {source}", dir.display())]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the AtHoc simulator on 127.0.0.1: {0}")]
    Simulator(#[source] std::io::Error),
}

/// A temporary site; the folder is removed on drop, and the simulator,
/// when the site started it, stopped.
#[derive(Debug)]
pub struct Site {
    /// The simulator's handle: users, request log, faults, config.
    pub sim: Sim,
    /// `http://127.0.0.1:PORT` of the simulator.
    pub base_url: String,
    // Dropped first: the simulator stops before the folder goes.
    server: Option<BackgroundSim>,
    dir: tempfile::TempDir,
}

impl Site {
    /// A site with its own simulator (default config, 20 users with collar
    /// numbers `00001`…). Panics with the reason when it cannot be made: a
    /// test cannot go on without it.
    pub fn new() -> Site {
        Site::start(SimConfig::default(), 20).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A site with its own simulator of `users` generated users.
    pub fn start(config: SimConfig, users: usize) -> Result<Site, SiteError> {
        let server = BackgroundSim::start(Sim::new(config, generate_users(users)))
            .map_err(SiteError::Simulator)?;
        let mut site = Site::for_server(&server.base_url, &server.sim)?;
        site.server = Some(server);
        Ok(site)
    }

    /// A site for a simulator the caller runs (several sites may share it).
    pub fn for_server(base_url: &str, sim: &Sim) -> Result<Site, SiteError> {
        let dir = tempfile::Builder::new()
            .prefix("bobosync-site-")
            .tempdir()
            .map_err(|source| SiteError::Io {
                dir: std::env::temp_dir(),
                source,
            })?;
        for sub in FOLDERS {
            std::fs::create_dir_all(dir.path().join(sub)).map_err(|source| SiteError::Io {
                dir: dir.path().to_path_buf(),
                source,
            })?;
        }
        Ok(Site {
            sim: sim.clone(),
            base_url: base_url.to_owned(),
            server: None,
            dir,
        })
    }

    /// The site's folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `sub` inside the site (`drop`, `processed`, `failed`, `logs`, `home`, …).
    pub fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// The site's `.env` (written by [`Site::write_env`]).
    pub fn env_path(&self) -> PathBuf {
        self.path(".env")
    }

    /// The `.env` text for the simulator as it is configured now (its
    /// credentials and organization), the site's folders (relative, so
    /// beside the `.env`), the duty and collar attributes, UTC and no
    /// settle window; each of `overrides` replaces its key or is added.
    pub fn env_text(&self, overrides: &[(&str, &str)]) -> String {
        let c = self.sim.config();
        let mut pairs: Vec<(&str, &str)> = vec![
            ("ATHOC_SERVER_URL", &self.base_url),
            ("ORG_CODE", &c.org_code),
            ("CLIENT_ID", &c.client_id),
            ("CLIENT_SECRET", &c.client_secret),
            ("APIUSER", &c.username),
            ("PASSWORD", &c.password),
            ("CSV_DIRECTORY", "drop"),
            ("PROCESSED_DIRECTORY", "processed"),
            ("FAILED_FILES_DIRECTORY", "failed"),
            ("LOG_DIRECTORY", "logs"),
            ("DB_PATH", "bobo_mapping.db"),
            ("DUTY_STATUS_FIELD", DUTY),
            ("COLLAR_ID_FIELD", COLLAR),
            ("TIME_ZONE", "UTC"),
            ("FILE_SETTLE_SECONDS", "0"),
        ];
        for &(key, value) in overrides {
            match pairs.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => pairs.push((key, value)),
            }
        }
        pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
    }

    /// Writes [`Site::env_text`] to the site's `.env`; returns its path.
    pub fn write_env(&self, overrides: &[(&str, &str)]) -> Result<PathBuf, SiteError> {
        let path = self.env_path();
        std::fs::write(&path, self.env_text(overrides)).map_err(|source| SiteError::Io {
            dir: self.root().to_path_buf(),
            source,
        })?;
        Ok(path)
    }

    /// The environment that keeps an app to this site: its own XDG config
    /// and data folders, HOME, and temp folder (the tray icon's image files
    /// and the demo's folder go there).
    pub fn app_env(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("XDG_CONFIG_HOME", self.path("xdg-config").into()),
            ("XDG_DATA_HOME", self.path("xdg-data").into()),
            ("HOME", self.path("home").into()),
            ("TMPDIR", self.path("tmp").into()),
        ]
    }

    /// Writes a one-row export into `drop/` (under a temporary name, then
    /// renamed, as a careful writer does): a book-on for `employee` 30 s
    /// ago, in UTC. Panics when it cannot.
    pub fn drop_book_on(&self, name: &str, employee: &str) {
        let at = chrono::Utc::now() - chrono::Duration::seconds(30);
        let text = bobo_row("BON", employee, &at.format("%Y%m%d%H%M%S").to_string());
        let tmp = self.path("drop").join(format!(".{name}.part"));
        std::fs::write(&tmp, text).unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
        std::fs::rename(&tmp, self.path("drop").join(name))
            .unwrap_or_else(|e| panic!("rename {} into drop/: {e}", tmp.display()));
    }

    /// The duty value AtHoc holds for collar `employee` (none when empty).
    pub fn duty_of(&self, employee: &str) -> Option<String> {
        self.sim
            .users()
            .into_iter()
            .find(|u| u.attributes.get(COLLAR).map(String::as_str) == Some(employee))
            .and_then(|u| u.attributes.get(DUTY).cloned())
            .filter(|v| !v.is_empty())
    }

    /// How many requests the simulator has answered on a path containing
    /// `path_part` (case-insensitive) with a status `status` accepts.
    pub fn requests_to(&self, path_part: &str, status: impl Fn(u16) -> bool) -> usize {
        let part = path_part.to_ascii_lowercase();
        self.sim
            .requests()
            .iter()
            .filter(|r| r.path.to_ascii_lowercase().contains(&part) && status(r.status))
            .count()
    }
}

impl Default for Site {
    fn default() -> Site {
        Site::new()
    }
}

/// A headerless 10-column BOBO row (`BON`/`BOF`) for `collar` at `stamp`
/// (`YYYYMMDDHHMMSS`, BOBO's local time), with its line break.
pub fn bobo_row(kind: &str, collar: &str, stamp: &str) -> String {
    let (date, time) = stamp.split_at(8.min(stamp.len()));
    format!("{kind},{collar},5{collar},{date},{time},{stamp},1,54.89,-2.93,5.0\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bobo_row_is_ten_columns() {
        assert_eq!(
            bobo_row("BON", "00042", "20250617143000"),
            "BON,00042,500042,20250617,143000,20250617143000,1,54.89,-2.93,5.0\n"
        );
    }

    #[test]
    fn the_env_points_at_the_simulator_and_overrides_replace_or_add() {
        let site = Site::new();
        let text = site.env_text(&[("TIME_ZONE", "Europe/London"), ("RESCAN_SECONDS", "1")]);
        let c = site.sim.config();
        assert!(text.contains(&format!("ATHOC_SERVER_URL={}\n", site.base_url)));
        assert!(text.contains(&format!("PASSWORD={}\n", c.password)));
        assert!(text.contains("TIME_ZONE=Europe/London\n") && !text.contains("TIME_ZONE=UTC"));
        assert!(text.ends_with("RESCAN_SECONDS=1\n"), "{text}");
        let path = site.write_env(&[]).expect("write .env");
        assert_eq!(
            std::fs::read_to_string(path).expect("read"),
            site.env_text(&[])
        );
        for sub in FOLDERS {
            assert!(site.path(sub).is_dir(), "{sub}");
        }
    }

    #[test]
    fn a_dropped_book_on_is_a_whole_file_and_duty_of_reads_the_simulator() {
        let site = Site::new();
        site.drop_book_on("BOBO_1.csv", "00003");
        let names: Vec<String> = std::fs::read_dir(site.path("drop"))
            .expect("drop")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["BOBO_1.csv"]);
        let text = std::fs::read_to_string(site.path("drop/BOBO_1.csv")).expect("read");
        assert!(text.starts_with("BON,00003,500003,"), "{text}");
        assert_eq!(site.duty_of("00003"), None);
        let login = site
            .sim
            .users()
            .into_iter()
            .find(|u| u.attributes.get(COLLAR).map(String::as_str) == Some("00003"))
            .map(|u| u.login)
            .expect("user 00003");
        site.sim.set_attribute(&login, DUTY, "17/06/2025 14:30:00");
        assert_eq!(
            site.duty_of("00003").as_deref(),
            Some("17/06/2025 14:30:00")
        );
    }

    #[test]
    fn sites_can_share_one_simulator() {
        let server = BackgroundSim::start(Sim::new(SimConfig::default(), generate_users(2)))
            .expect("simulator");
        let a = Site::for_server(&server.base_url, &server.sim).expect("site a");
        let b = Site::for_server(&server.base_url, &server.sim).expect("site b");
        assert_ne!(a.root(), b.root());
        assert_eq!(a.env_text(&[]), b.env_text(&[]));
        drop(a);
        assert_eq!(b.sim.users().len(), 2, "the shared simulator still runs");
    }
}
