//! How the app was launched: command-line flags and environment switches,
//! read once at start. `--hidden` (the login launch: no window),
//! `--demo-if-unconfigured` (no settings: run the demo, not the wizard),
//! `--env-file PATH` / `BOBOSYNC_ENV_FILE` (run against a Python-tool
//! `.env`, e.g. a simulator's in tests), `BOBOSYNC_SHOW_WINDOW=1` (show the
//! window at start whatever else says: WebDriver needs it). Folders follow
//! the OS's per-user locations, which honour `XDG_CONFIG_HOME` /
//! `XDG_DATA_HOME` on Linux.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use engine::config::Locations;

/// Why the launch options are unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    #[error("--env-file needs a path: bobosync-tray --env-file /path/to/.env")]
    MissingEnvFile,
    #[error("unknown option `{0}`; the tray app takes --hidden, --demo-if-unconfigured and --env-file PATH")]
    Unknown(String),
    #[error("the OS reports no home folder, so BoboSync has nowhere to keep its settings; set HOME (or XDG_CONFIG_HOME and XDG_DATA_HOME)")]
    NoHome,
}

/// The flag the login launch passes.
pub const HIDDEN_FLAG: &str = "--hidden";

/// With nothing configured, start the demo against the built-in simulator
/// instead of waiting in the first-run wizard (the README's run command).
pub const DEMO_FLAG: &str = "--demo-if-unconfigured";

/// The launch options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// Settings file, database, logs and default folders.
    pub locations: Locations,
    /// Run against this `.env` instead of the settings file.
    pub env_file: Option<PathBuf>,
    /// Started at login: stay in the tray.
    pub hidden: bool,
    /// Show the window at start regardless.
    pub show_window: bool,
    /// Nothing configured: run the demo rather than wait for the wizard.
    pub demo_if_unconfigured: bool,
}

impl Launch {
    /// Reads `args` (without the program name) and the variables `var` gives.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        var: impl Fn(&str) -> Option<String>,
        locations: Option<Locations>,
    ) -> Result<Launch, LaunchError> {
        let mut hidden = false;
        let mut demo_if_unconfigured = false;
        let mut env_file = var("BOBOSYNC_ENV_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                HIDDEN_FLAG => hidden = true,
                DEMO_FLAG => demo_if_unconfigured = true,
                "--env-file" => {
                    env_file = Some(PathBuf::from(
                        args.next().ok_or(LaunchError::MissingEnvFile)?,
                    ))
                }
                other => match other.strip_prefix("--env-file=") {
                    Some(path) if !path.is_empty() => env_file = Some(PathBuf::from(path)),
                    Some(_) => return Err(LaunchError::MissingEnvFile),
                    // Let platform launchers add their own (e.g. macOS -psn_…).
                    None if other.starts_with("-psn_") => {}
                    None => return Err(LaunchError::Unknown(other.to_owned())),
                },
            }
        }
        let show_window =
            var("BOBOSYNC_SHOW_WINDOW").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        Ok(Launch {
            locations: locations.ok_or(LaunchError::NoHome)?,
            env_file,
            hidden,
            show_window,
            demo_if_unconfigured,
        })
    }

    /// From the real process.
    pub fn from_process() -> Result<Launch, LaunchError> {
        Launch::parse(
            std::env::args().skip(1),
            |k| std::env::var(k).ok(),
            Locations::default_for_user(),
        )
    }
}

/// Whether the tray process sets `GDK_GL=disable` before GTK starts: on
/// X11, unless the operator set `GDK_GL` themselves.
///
/// GTK 3's X11 backend picks GL-capable visuals when it opens the display,
/// which loads the OS's OpenGL driver into the process at start although
/// the tray process draws nothing with GL (its window is another process):
/// Mesa's software driver alone (`swrast_dri.so` with `libLLVM`) is ~50 MiB
/// of a 140 MiB idle app. The window process gets the operator's
/// environment back, so WebKit renders as it would anywhere (its snapshots,
/// which WebDriver screenshots use, need GL). Wayland's backend loads GL
/// lazily.
pub fn should_disable_gdk_gl(var: impl Fn(&str) -> Option<String>) -> bool {
    let x11 = match var("GDK_BACKEND") {
        Some(backend) if !backend.trim().is_empty() => backend.trim().starts_with("x11"),
        _ => var("WAYLAND_DISPLAY").is_none_or(|d| d.trim().is_empty()),
    };
    x11 && var("GDK_GL").is_none()
}

/// Set once the tray process set `GDK_GL` itself (the window process's
/// environment leaves it out).
static TRAY_DISABLED_GDK_GL: AtomicBool = AtomicBool::new(false);

/// Sets `GDK_GL=disable` for the tray process when
/// [`should_disable_gdk_gl`] says so. Call it before GTK or any other
/// thread starts.
pub fn disable_gdk_gl_for_the_tray() {
    #[cfg(target_os = "linux")]
    if should_disable_gdk_gl(|k| std::env::var(k).ok()) {
        std::env::set_var("GDK_GL", "disable");
        TRAY_DISABLED_GDK_GL.store(true, Ordering::SeqCst);
    }
}

/// Whether [`disable_gdk_gl_for_the_tray`] set `GDK_GL`.
pub fn tray_disabled_gdk_gl() -> bool {
    TRAY_DISABLED_GDK_GL.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::x11_session(&[("DISPLAY", ":0")], true)]
    #[case::wayland_session(&[("WAYLAND_DISPLAY", "wayland-0"), ("DISPLAY", ":0")], false)]
    #[case::x11_forced_under_wayland(&[("WAYLAND_DISPLAY", "wayland-0"), ("GDK_BACKEND", "x11")], true)]
    #[case::wayland_forced(&[("GDK_BACKEND", "wayland")], false)]
    #[case::operator_choice_kept(&[("DISPLAY", ":0"), ("GDK_GL", "always")], false)]
    fn gdk_gl_is_disabled_for_the_tray_on_x11_when_unset(
        #[case] env: &[(&str, &str)],
        #[case] disabled: bool,
    ) {
        let var = |k: &str| {
            env.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(should_disable_gdk_gl(var), disabled);
    }

    fn parse(args: &[&str], vars: &[(&str, &str)]) -> Result<Launch, LaunchError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Launch::parse(
            args.iter().map(|a| (*a).to_owned()),
            |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
            Some(Locations::under(Path::new("/c"), Path::new("/d"))),
        )
    }

    #[rstest]
    #[case(&[], &[], false, None, false)]
    #[case(&["--hidden"], &[], true, None, false)]
    #[case(&["--env-file", "/s/.env"], &[], false, Some("/s/.env"), false)]
    #[case(&["--env-file=/s/.env", "--hidden"], &[("BOBOSYNC_SHOW_WINDOW", "1")], true, Some("/s/.env"), true)]
    #[case(&[], &[("BOBOSYNC_ENV_FILE", "/e/.env")], false, Some("/e/.env"), false)]
    fn flags_and_variables(
        #[case] args: &[&str],
        #[case] vars: &[(&str, &str)],
        #[case] hidden: bool,
        #[case] env_file: Option<&str>,
        #[case] show: bool,
    ) {
        let l = parse(args, vars).unwrap();
        assert_eq!(
            (l.hidden, l.env_file.as_deref(), l.show_window),
            (hidden, env_file.map(Path::new), show)
        );
    }

    #[test]
    fn the_demo_fallback_is_asked_for_by_flag_only() {
        assert!(!parse(&[], &[]).unwrap().demo_if_unconfigured);
        assert!(
            parse(&[DEMO_FLAG, "--hidden"], &[])
                .unwrap()
                .demo_if_unconfigured
        );
    }

    #[test]
    fn bad_options_say_what_is_accepted() {
        assert_eq!(
            parse(&["--env-file"], &[]),
            Err(LaunchError::MissingEnvFile)
        );
        assert!(parse(&["--bogus"], &[])
            .unwrap_err()
            .to_string()
            .contains("--hidden"));
    }
}
