//! The Linux service: a systemd unit running `bobosync run`, for the
//! user's manager (`~/.config/systemd/user`, runs while the user is logged
//! in, or always with lingering) or the system's (`/etc/systemd/system`,
//! root only, runs as a named account). Written, enabled, started, stopped
//! and removed through `systemctl`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Launch, ServiceError, NAME};
use crate::args::ConfigArgs;

/// Which systemd manager the unit belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    User,
    /// A system unit running as this account.
    System {
        account: String,
    },
}

impl Scope {
    fn is_system(&self) -> bool {
        matches!(self, Scope::System { .. })
    }
}

fn unit_name() -> String {
    format!("{NAME}.service")
}

/// The unit file of `launch` in `scope`.
pub fn render(launch: &Launch, scope: &Scope) -> Result<String, ServiceError> {
    let mut exec = quote(&launch.program)?;
    for arg in launch.args(&["run"]) {
        exec.push(' ');
        exec.push_str(&quote(Path::new(&arg))?);
    }
    let mut unit = String::new();
    let _ = write!(
        unit,
        "# Written by `bobosync service install`; remove it with `bobosync service uninstall`.\n\
         [Unit]\n\
         Description=BoboSync: BOBO duty status to BlackBerry AtHoc\n\
         After=network-online.target\n\
         Wants=network-online.target\n\
         \n\
         [Service]\n\
         Type=exec\n\
         ExecStart={exec}\n"
    );
    if let Scope::System { account } = scope {
        if account.is_empty() || account.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ServiceError::Unrepresentable(format!(
                "--account {account:?} is not a user name"
            )));
        }
        let _ = writeln!(unit, "User={account}");
    }
    unit.push_str(
        "# Secrets on a machine without a keyring: BOBOSYNC_PASSWORD=… and\n\
         # BOBOSYNC_CLIENT_SECRET=… in this file, readable by the service's account only.\n\
         EnvironmentFile=-%E/bobosync/service.env\n\
         Restart=on-failure\n\
         RestartSec=30\n\
         # Invalid settings (3) and another engine holding the database (5) need a person.\n\
         RestartPreventExitStatus=3 5\n\
         # Stopping lets the batch in flight finish.\n\
         TimeoutStopSec=120\n\
         UMask=0077\n\
         NoNewPrivileges=yes\n",
    );
    if scope.is_system() {
        unit.push_str("ProtectSystem=full\nPrivateTmp=yes\n");
    }
    let target = if scope.is_system() {
        "multi-user.target"
    } else {
        "default.target"
    };
    let _ = write!(unit, "\n[Install]\nWantedBy={target}\n");
    Ok(unit)
}

/// One word of a unit's command line: double-quoted, with `\` and `"`
/// escaped and systemd's `%` specifiers and `$` variables doubled, so any
/// path is taken literally.
fn quote(word: &Path) -> Result<String, ServiceError> {
    let text = word.to_str().ok_or_else(|| {
        ServiceError::Unrepresentable(format!(
            "{} is not valid UTF-8, which a systemd unit cannot hold; move it",
            word.display()
        ))
    })?;
    if text.chars().any(char::is_control) {
        return Err(ServiceError::Unrepresentable(format!(
            "{text:?} holds a control character, which a systemd unit cannot hold; rename it"
        )));
    }
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '%' => quoted.push_str("%%"),
            '$' => quoted.push_str("$$"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    Ok(quoted)
}

/// Where the unit file of `system` / user scope lives.
fn unit_path(system: bool) -> Result<PathBuf, ServiceError> {
    if system {
        return Ok(Path::new("/etc/systemd/system").join(unit_name()));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| {
            ServiceError::Usage("no home folder, so no user unit; use --system".to_owned())
        })?;
    Ok(config.join("systemd/user").join(unit_name()))
}

/// `--system` as given, or, for actions on an installed unit, whichever
/// unit exists (the user's first).
fn installed_scope(system: bool) -> Result<bool, ServiceError> {
    if system || unit_path(false)?.exists() {
        return Ok(system);
    }
    Ok(unit_path(true)?.exists())
}

/// Runs `systemctl [--user] args…`; its own message on failure.
fn systemctl(system: bool, args: &[&str]) -> Result<String, ServiceError> {
    let mut command = Command::new("systemctl");
    if !system {
        command.arg("--user");
    }
    command.args(args);
    let shown = format!(
        "systemctl {}{}",
        if system { "" } else { "--user " },
        args.join(" ")
    );
    let output = command.output().map_err(|e| ServiceError::Manager {
        action: shown.clone(),
        detail: format!("cannot run systemctl ({e}); is systemd installed?"),
    })?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let said = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    let mut detail = if said.is_empty() {
        format!("failed ({})", output.status)
    } else {
        said
    };
    if !system {
        detail.push_str(
            "\n(a user unit needs your systemd user manager: log in through a session that \
             starts it, or install a system unit with sudo and --system)",
        );
    }
    Err(ServiceError::Manager {
        action: shown,
        detail,
    })
}

/// The account a system unit runs as: `--account`, else the user who ran
/// sudo, else the current user.
fn system_account(account: Option<&str>) -> Result<String, ServiceError> {
    account
        .map(str::to_owned)
        .or_else(|| std::env::var("SUDO_USER").ok())
        .or_else(|| std::env::var("USER").ok())
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ServiceError::Usage("name the service's account with --account".to_owned()))
}

pub fn install(
    launch: &Launch,
    system: bool,
    account: Option<&str>,
    print: bool,
) -> Result<(), ServiceError> {
    let scope = if system {
        Scope::System {
            account: system_account(account)?,
        }
    } else {
        if account.is_some() {
            return Err(ServiceError::Usage(
                "--account is for a system unit (--system); a user unit runs as you".to_owned(),
            ));
        }
        Scope::User
    };
    let unit = render(launch, &scope)?;
    if print {
        print!("{unit}");
        return Ok(());
    }
    let path = unit_path(system)?;
    let previous = std::fs::read(&path).ok();
    write_unit(&path, &unit)?;
    // All or nothing: a unit the manager did not take is not left behind.
    let enabled = systemctl(system, &["daemon-reload"])
        .and_then(|_| systemctl(system, &["enable", &unit_name()]))
        .and_then(|_| systemctl(system, &["try-restart", &unit_name()]));
    if let Err(e) = enabled {
        let undo = match &previous {
            Some(bytes) => std::fs::write(&path, bytes),
            None => std::fs::remove_file(&path),
        };
        if let Err(undo) = undo {
            eprintln!("warning: cannot undo {}: {undo}", path.display());
        }
        return Err(e);
    }
    let verb = if previous.is_some() {
        "replaced"
    } else {
        "installed"
    };
    println!("{verb} {} and enabled it", path.display());
    match &scope {
        Scope::User => {
            println!("it starts when you log in; start it now with `bobosync service start`");
            let user = std::env::var("USER").unwrap_or_default();
            if !user.is_empty() && !Path::new("/var/lib/systemd/linger").join(&user).exists() {
                println!(
                    "to keep it running while you are logged out: `loginctl enable-linger {user}`"
                );
            }
        }
        Scope::System { account } => println!(
            "it runs as {account} from the next boot; start it now with `bobosync service start --system`"
        ),
    }
    Ok(())
}

fn write_unit(path: &Path, unit: &str) -> Result<(), ServiceError> {
    let io = |what, source| ServiceError::Io {
        what,
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(dir).map_err(|e| io("cannot create the folder of", e))?;
    let temp = path.with_extension("service.new");
    std::fs::write(&temp, unit).map_err(|e| io("cannot write", e))?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io("cannot write", e)
    })
}

pub fn uninstall(system: bool) -> Result<(), ServiceError> {
    let system = installed_scope(system)?;
    let path = unit_path(system)?;
    if !path.exists() {
        return Err(ServiceError::NotInstalled);
    }
    systemctl(system, &["disable", "--now", &unit_name()])?;
    std::fs::remove_file(&path).map_err(|source| ServiceError::Io {
        what: "cannot remove",
        path: path.clone(),
        source,
    })?;
    systemctl(system, &["daemon-reload"])?;
    println!(
        "removed {}; the settings, database and logs are kept",
        path.display()
    );
    Ok(())
}

pub fn start(system: bool) -> Result<(), ServiceError> {
    let system = require_installed(system)?;
    systemctl(system, &["start", &unit_name()])?;
    report(system)?;
    Ok(())
}

pub fn stop(system: bool) -> Result<(), ServiceError> {
    let system = require_installed(system)?;
    systemctl(system, &["stop", &unit_name()])?;
    report(system)?;
    Ok(())
}

pub fn status(system: bool) -> Result<bool, ServiceError> {
    let system = require_installed(system)?;
    report(system)
}

fn require_installed(system: bool) -> Result<bool, ServiceError> {
    let system = installed_scope(system)?;
    if unit_path(system)?.exists() {
        Ok(system)
    } else {
        Err(ServiceError::NotInstalled)
    }
}

/// Prints one line on the unit's state; true when it runs.
fn report(system: bool) -> Result<bool, ServiceError> {
    let shown = systemctl(
        system,
        &[
            "show",
            &unit_name(),
            "--property=ActiveState,SubState,UnitFileState,MainPID,ExecMainStatus",
        ],
    )?;
    let state = parse_show(&shown);
    let get = |key: &str| state.get(key).map_or("unknown", String::as_str);
    let running = get("ActiveState") == "active";
    let mut line = format!(
        "{} ({} unit): {}, {} ({})",
        unit_name(),
        if system { "system" } else { "user" },
        get("UnitFileState"),
        get("ActiveState"),
        get("SubState"),
    );
    if running {
        let _ = write!(line, ", pid {}", get("MainPID"));
    } else if get("ExecMainStatus") != "0" {
        let _ = write!(
            line,
            ", last exit status {} ({})",
            get("ExecMainStatus"),
            exit_meaning(get("ExecMainStatus"))
        );
    }
    println!("{line}");
    if !running {
        let journal = if system {
            "journalctl -u"
        } else {
            "journalctl --user -u"
        };
        println!("its output: `{journal} {}`", unit_name());
    }
    Ok(running)
}

/// `systemctl show` output: `Key=value` lines.
fn parse_show(text: &str) -> HashMap<&str, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k, v.to_owned()))
        .collect()
}

/// What `bobosync run`'s exit status means (the README's table).
fn exit_meaning(status: &str) -> &'static str {
    match status.parse::<u8>() {
        Ok(crate::exit::CONFIG) => "the settings are invalid: run `bobosync check`",
        Ok(crate::exit::LOCKED) => "another BoboSync engine holds the database",
        Ok(_) => "see its output",
        Err(_) => "see its output",
    }
}

pub async fn run(config: ConfigArgs, interval: u64) -> anyhow::Result<u8> {
    crate::run_until_signal(&config, interval).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(program: &str, settings: &str) -> Launch {
        Launch {
            program: PathBuf::from(program),
            settings_flag: "--config",
            settings: PathBuf::from(settings),
            interval: 60,
        }
    }

    #[test]
    fn a_user_unit_runs_this_program_with_the_full_settings_path() {
        let unit = render(
            &launch("/usr/bin/bobosync", "/home/op/settings.toml"),
            &Scope::User,
        )
        .unwrap();
        assert!(unit.contains(
            "ExecStart=\"/usr/bin/bobosync\" \"run\" \"--config\" \"/home/op/settings.toml\" \"--interval\" \"60\"\n"
        ));
        assert!(unit.contains("WantedBy=default.target"));
        assert!(!unit.contains("User="));
        assert!(unit.contains("RestartPreventExitStatus=3 5"));
    }

    #[test]
    fn a_system_unit_names_its_account_and_target() {
        let unit = render(
            &launch("/usr/bin/bobosync", "/srv/bobo/.env"),
            &Scope::System {
                account: "bobo".to_owned(),
            },
        )
        .unwrap();
        assert!(unit.contains("\nUser=bobo\n"));
        assert!(unit.contains("WantedBy=multi-user.target"));
        assert!(unit.contains("ProtectSystem=full"));
    }

    #[test]
    fn paths_are_taken_literally() {
        let unit = render(
            &launch("/opt/bobo sync/bobosync", "/srv/a \"b\" 100%$HOME\\x.toml"),
            &Scope::User,
        )
        .unwrap();
        assert!(unit.contains("\"/opt/bobo sync/bobosync\""));
        assert!(unit.contains(r#""/srv/a \"b\" 100%%$$HOME\\x.toml""#));
    }

    #[test]
    fn unwritable_values_are_refused_by_name() {
        let e = render(&launch("/usr/bin/bobosync", "/srv/a\nb"), &Scope::User).unwrap_err();
        assert!(matches!(e, ServiceError::Unrepresentable(_)), "{e}");
        let e = render(
            &launch("/usr/bin/bobosync", "/srv/s.toml"),
            &Scope::System {
                account: "bo bo".to_owned(),
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("--account"), "{e}");
    }

    #[test]
    fn systemctl_show_output_is_read_by_key() {
        let state = parse_show("ActiveState=active\nSubState=running\nMainPID=42\n");
        assert_eq!(state["SubState"], "running");
        assert_eq!(state["MainPID"], "42");
    }
}
