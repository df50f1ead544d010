//! Files the window works with, chosen in the OS dialogs on the Rust side:
//! the window never passes a path of its own. Exports are refused inside
//! the app's own folders (a CSV written into the drop folder would be
//! applied as book-ons); folder settings from the window must be absolute,
//! creatable and not a system folder.

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Manager, Runtime};

use crate::error::ApiError;
use crate::relay::FileDialog;
use crate::settings::{ConfigErrorDto, SettingsValues};

/// The OS file dialogs, as the commands use them.
pub trait Dialogs: Send + Sync {
    /// "Save as" for a CSV file, `suggested` as the name; `None` when cancelled.
    fn save_csv(&self, suggested: &str) -> Option<PathBuf>;
    /// "Open" for one file; `None` when cancelled.
    fn pick_file(&self, title: &str, filter: &str, extensions: &[&str]) -> Option<PathBuf>;
}

/// Shows `dialog` with the dialog plugin, over `parent` when given, and
/// waits for the operator. It blocks: call it off the main thread.
pub fn show<R: Runtime>(
    app: &AppHandle<R>,
    parent: Option<&tauri::WebviewWindow<R>>,
    dialog: &FileDialog,
) -> Option<PathBuf> {
    use tauri_plugin_dialog::DialogExt as _;
    let mut builder = app.dialog().file();
    if let Some(parent) = parent {
        builder = builder.set_parent(parent);
    }
    let chosen = match dialog {
        FileDialog::SaveCsv { suggested } => builder
            .set_title("Export as CSV")
            .set_file_name(suggested)
            .add_filter("CSV", &["csv"])
            .blocking_save_file(),
        FileDialog::PickFile {
            title,
            filter,
            extensions,
        } => {
            let extensions: Vec<&str> = extensions.iter().map(String::as_str).collect();
            builder
                .set_title(title)
                .add_filter(filter, &extensions)
                .blocking_pick_file()
        }
    };
    chosen?.into_path().ok()
}

/// The dialogs a command opens: in the window's process, over the window;
/// shown by the tray process itself only when no window is open.
struct WindowDialogs<R: Runtime>(AppHandle<R>);

impl<R: Runtime> WindowDialogs<R> {
    fn choose(&self, dialog: FileDialog) -> Option<PathBuf> {
        match crate::window::choose(&self.0, dialog) {
            Ok(chosen) => chosen,
            Err(dialog) => show(&self.0, None, &dialog),
        }
    }
}

impl<R: Runtime> Dialogs for WindowDialogs<R> {
    fn save_csv(&self, suggested: &str) -> Option<PathBuf> {
        self.choose(FileDialog::SaveCsv {
            suggested: suggested.to_owned(),
        })
    }

    fn pick_file(&self, title: &str, filter: &str, extensions: &[&str]) -> Option<PathBuf> {
        self.choose(FileDialog::PickFile {
            title: title.to_owned(),
            filter: filter.to_owned(),
            extensions: extensions.iter().map(|e| (*e).to_owned()).collect(),
        })
    }
}

/// Dialogs answered from a script, managed by tests in place of the OS ones
/// (which cannot be driven headless): each call takes the next answer.
#[derive(Default)]
pub struct ScriptedDialogs {
    answers: std::sync::Mutex<std::collections::VecDeque<Option<PathBuf>>>,
}

impl ScriptedDialogs {
    /// The next dialog answers `answer` (`None`: cancelled).
    pub fn push(&self, answer: Option<PathBuf>) {
        self.lock().push_back(answer);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::VecDeque<Option<PathBuf>>> {
        self.answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Dialogs for ScriptedDialogs {
    fn save_csv(&self, _: &str) -> Option<PathBuf> {
        self.lock().pop_front().flatten()
    }

    fn pick_file(&self, _: &str, _: &str, _: &[&str]) -> Option<PathBuf> {
        self.lock().pop_front().flatten()
    }
}

/// Runs `f` with the app's dialogs (scripted ones when a test manages
/// them) on a blocking thread.
pub async fn with_dialogs<R: Runtime, T: Send + 'static>(
    app: &AppHandle<R>,
    f: impl FnOnce(&dyn Dialogs) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || match app.try_state::<ScriptedDialogs>() {
        Some(scripted) => f(scripted.inner()),
        None => f(&WindowDialogs(app.clone())),
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the file dialog stopped: {e}")))
}

/// Writes an export to `chosen` (`.csv` added when missing), refusing any
/// place inside `protected` (the app's own folders), also through links.
/// Returns the path written.
pub fn write_export(
    chosen: &Path,
    contents: &str,
    protected: &[PathBuf],
) -> Result<PathBuf, ApiError> {
    let mut path = chosen.to_path_buf();
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if !is_csv {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".csv");
        path.set_file_name(name);
    }
    let shown = path.display().to_string();
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| ApiError::Io(format!("{shown}: choose a file in a folder")))?;
    let parent = parent
        .canonicalize()
        .map_err(|e| ApiError::Io(format!("cannot use the folder of {shown}: {e}")))?;
    // Never written through a link: where it lands would be the link's
    // choice, not the operator's.
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(ApiError::Io(format!(
            "{shown} is a link; choose a new name or an ordinary file"
        )));
    }
    let target = parent.join(path.file_name().unwrap_or_default());
    for folder in protected {
        let folder = folder.canonicalize().unwrap_or_else(|_| folder.clone());
        if target.starts_with(&folder) {
            return Err(ApiError::Io(format!(
                "{shown} is inside BoboSync's own folder {}: a file there could be taken as a \
                 BOBO export or lost; save the export somewhere else (e.g. Documents)",
                folder.display()
            )));
        }
    }
    std::fs::write(&target, contents)
        .map_err(|e| ApiError::Io(format!("cannot write {shown}: {e}")))?;
    Ok(path)
}

/// The folder settings a window may set, and whether each names a file
/// (whose folder must be usable) rather than a folder.
const FOLDER_KEYS: [(&str, bool); 5] = [
    ("paths.drop_dir", false),
    ("paths.processed_dir", false),
    ("paths.failed_dir", false),
    ("paths.log_dir", false),
    ("paths.db_path", true),
];

/// Problems of the folder settings in `values` (blank ones are defaults):
/// each must be absolute, not a system folder, and creatable — no file in
/// the way. `probe` also checks the account can write there (on save: it
/// creates and removes a temporary file).
pub fn folder_problems(values: &SettingsValues, probe: bool) -> Vec<ConfigErrorDto> {
    let mut problems = Vec::new();
    for (key, is_file) in FOLDER_KEYS {
        let Some(text) = values.get(key).map(|t| t.trim()).filter(|t| !t.is_empty()) else {
            continue;
        };
        let path = Path::new(text);
        let folder = if is_file {
            path.parent().unwrap_or(path)
        } else {
            path
        };
        let problem = if !path.is_absolute() {
            Some("is not a full path".to_owned())
        } else if is_system_folder(folder) {
            Some("is a system folder (or inside one)".to_owned())
        } else {
            usable(folder, probe).err()
        };
        if let Some(problem) = problem {
            problems.push(ConfigErrorDto {
                key: key.to_owned(),
                problem: format!("`{text}` {problem}"),
                expected: "a full path to a folder of its own that this account can create and \
                           write, e.g. under Documents or a data drive"
                    .to_owned(),
            });
        }
    }
    problems
}

/// Whether `folder` exists as a folder or can be created (its nearest
/// existing ancestor is a folder); with `probe`, also writable.
fn usable(folder: &Path, probe: bool) -> Result<(), String> {
    let mut existing = folder;
    loop {
        match std::fs::metadata(existing) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                return Err(format!(
                    "cannot be created: {} is a file",
                    existing.display()
                ))
            }
            Err(_) => match existing.parent() {
                Some(parent) => existing = parent,
                None => return Err("has no existing folder above it".to_owned()),
            },
        }
    }
    if probe {
        tempfile::Builder::new()
            .prefix(".bobosync-write-check")
            .tempfile_in(existing)
            .map_err(|e| {
                format!(
                    "cannot be written by this account ({}: {e})",
                    existing.display()
                )
            })?;
    }
    Ok(())
}

/// Folders that hold the operating system, programs or every user's data:
/// never a drop, processed, failed or log folder (or below one).
fn is_system_folder(folder: &Path) -> bool {
    let folder = clean(folder);
    // The root of a drive, the home folders' parent, and a user's home itself.
    if folder.parent().is_none() {
        return true;
    }
    let home = std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" });
    if home.is_some_and(|h| clean(Path::new(&h)) == folder) {
        return true;
    }
    let (exact, below) = system_folders();
    exact.iter().any(|f| clean(f) == folder) || below.iter().any(|f| folder.starts_with(clean(f)))
}

/// (folders refused themselves, folders refused with everything below).
#[cfg(unix)]
fn system_folders() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let paths = |list: &[&str]| list.iter().map(PathBuf::from).collect();
    (
        paths(&[
            "/home", "/var", "/media", "/mnt", "/opt", "/srv", "/tmp", "/Users", "/Volumes",
        ]),
        paths(&[
            "/bin",
            "/boot",
            "/dev",
            "/etc",
            "/lib",
            "/lib32",
            "/lib64",
            "/proc",
            "/run",
            "/sbin",
            "/sys",
            "/usr",
            "/System",
            "/Library",
            "/Applications",
            "/private/etc",
        ]),
    )
}

#[cfg(windows)]
fn system_folders() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
    let drive = var("SystemDrive").unwrap_or_else(|| PathBuf::from("C:"));
    // `C:` + `\Users` (not `join`, which reads `\Users` as a path of its own).
    let mut users = drive.into_os_string();
    users.push("\\Users");
    let exact = [var("ProgramData"), Some(PathBuf::from(users))];
    let below = [
        var("SystemRoot"),
        var("ProgramFiles"),
        var("ProgramFiles(x86)"),
        var("ProgramW6432"),
    ];
    (
        exact.into_iter().flatten().collect(),
        below.into_iter().flatten().collect(),
    )
}

/// `path` without trailing separators or `.` parts, for comparison (case
/// folded on Windows, where names are case-insensitive).
fn clean(path: &Path) -> PathBuf {
    let cleaned: PathBuf = path.components().collect();
    if cfg!(windows) {
        PathBuf::from(cleaned.to_string_lossy().to_lowercase())
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::settings::values_of as values;

    #[test]
    fn exports_land_only_outside_the_app_folders_and_end_in_csv() {
        let dir = tempfile::tempdir().unwrap();
        let drop = dir.path().join("drop");
        std::fs::create_dir(&drop).unwrap();
        let docs = dir.path().join("docs");
        std::fs::create_dir(&docs).unwrap();
        let protected = [drop.clone(), dir.path().join("not-created-yet")];

        let written = write_export(&docs.join("history"), "a,b\n", &protected).unwrap();
        assert_eq!(written, docs.join("history.csv"));
        assert_eq!(std::fs::read_to_string(&written).unwrap(), "a,b\n");

        let refused = write_export(&drop.join("x.csv"), "EmployeeID\n", &protected);
        assert!(
            matches!(&refused, Err(ApiError::Io(m)) if m.contains("own folder")),
            "{refused:?}"
        );
        assert!(!drop.join("x.csv").exists());

        #[cfg(unix)]
        {
            // Through a linked folder, or a linked file: still refused.
            std::os::unix::fs::symlink(&drop, docs.join("linked")).unwrap();
            assert!(write_export(&docs.join("linked/y.csv"), "x", &protected).is_err());
            std::os::unix::fs::symlink(drop.join("z.csv"), docs.join("z.csv")).unwrap();
            assert!(write_export(&docs.join("z.csv"), "x", &protected).is_err());
            assert_eq!(std::fs::read_dir(&drop).unwrap().count(), 0);
        }
    }

    #[test]
    fn folder_settings_must_be_full_creatable_and_not_system_folders() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let ok = dir.path().join("new/drop");
        let fine = values(&[
            ("paths.drop_dir", ok.to_str().unwrap()),
            (
                "paths.db_path",
                dir.path().join("data/bobo.db").to_str().unwrap(),
            ),
            ("paths.failed_dir", ""),
        ]);
        assert_eq!(folder_problems(&fine, true), Vec::new());

        let system = if cfg!(windows) {
            "C:\\Windows\\Temp"
        } else {
            "/etc/bobosync"
        };
        let root = if cfg!(windows) { "C:\\" } else { "/" };
        let bad = values(&[
            ("paths.drop_dir", "relative/drop"),
            ("paths.processed_dir", system),
            ("paths.failed_dir", root),
            ("paths.log_dir", file.join("logs").to_str().unwrap()),
        ]);
        let problems = folder_problems(&bad, false);
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "paths.drop_dir",
                "paths.processed_dir",
                "paths.failed_dir",
                "paths.log_dir"
            ],
            "{problems:?}"
        );
        assert!(problems[3].problem.contains("is a file"), "{problems:?}");
    }
}
