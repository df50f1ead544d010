//! The command line, as clap sees it: raw arguments only. `main` turns them
//! into settings and engine calls.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// BoboSync: keeps BlackBerry AtHoc's duty attribute in step with BOBO
/// book-on / book-off exports. A drop-in replacement for the Python
/// `bobo_processor.py`.
///
/// Without a command: `run` when settings exist, otherwise `demo`.
#[derive(Debug, Parser)]
#[command(name = "bobosync", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Also write the log lines to stderr (they always go to the log file
    /// in LOG_DIRECTORY).
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// Where the settings come from. Without either flag: the native settings
/// file at its default location.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// The Python tool's `.env` file (relative paths in it are relative to its folder).
    #[arg(long, value_name = "PATH", conflicts_with = "config")]
    pub env_file: Option<PathBuf>,
    /// A native BoboSync settings file (TOML).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// Which files of the failed folder `retry` / `dismiss` act on.
#[derive(Debug, Clone, Default, Args)]
pub struct FailedFiles {
    /// File names in the failed folder.
    #[arg(value_name = "FILE", conflicts_with = "all")]
    pub files: Vec<String>,
    /// Every file in the failed folder.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One full cycle, exactly like `python bobo_processor.py`: connect, sync
    /// user mappings if due, apply every pending file, clear stale duty
    /// values, purge old files. Exit 0 only if all of it succeeded.
    Once {
        #[command(flatten)]
        config: ConfigArgs,
        /// Carry out guarded mass changes (mass clear, mapping purge) now.
        #[arg(long)]
        approve: bool,
    },
    /// Keep cycling until Ctrl-C.
    Run {
        #[command(flatten)]
        config: ConfigArgs,
        /// Seconds between full cycles (connection check, mapping sync if
        /// due, stale cleanup). New files are applied as soon as they are
        /// complete, whatever this says.
        #[arg(long, default_value_t = 60, value_name = "SECONDS")]
        interval: u64,
    },
    /// Check the connection, the role and the field mapping.
    Check {
        #[command(flatten)]
        config: ConfigArgs,
        /// Print the results as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Refresh the employee ID → AtHoc login mapping now.
    SyncMappings {
        #[command(flatten)]
        config: ConfigArgs,
        /// Allow a sync that removes many mappings.
        #[arg(long)]
        approve: bool,
    },
    /// Clear duty values older than AUTO_CLEANUP_HOURS now.
    Cleanup {
        #[command(flatten)]
        config: ConfigArgs,
        /// Only say what would be cleared.
        #[arg(long)]
        dry_run: bool,
        /// Allow a cleanup that clears many values.
        #[arg(long)]
        approve: bool,
    },
    /// Compare AtHoc's duty values with each person's last BOBO event and
    /// list the drift by person; with --fix, write BOBO's duty status.
    Reconcile {
        #[command(flatten)]
        config: ConfigArgs,
        /// Write BOBO's duty status to AtHoc for every drifted person.
        #[arg(long)]
        fix: bool,
        /// Allow a fix that changes many values.
        #[arg(long, requires = "fix")]
        approve: bool,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show what the pending files would do; nothing is sent or written.
    Preview {
        #[command(flatten)]
        config: ConfigArgs,
        /// Print the plan as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Recent batches, and what happened to one employee's events.
    History {
        #[command(flatten)]
        config: ConfigArgs,
        /// An employee ID (collar number) or an AtHoc login.
        #[arg(long, value_name = "ID_OR_LOGIN")]
        employee: Option<String>,
        /// How many batches / records to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Put files from the failed folder back into the drop folder, so the
    /// next cycle applies them (their notes are removed, their attempts
    /// forgotten). Without a name, lists the failed files.
    Retry {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(flatten)]
        which: FailedFiles,
    },
    /// Stop reporting files in the failed folder: they move to
    /// `failed/dismissed/` with their notes, and their events stay
    /// unapplied. Without a name, lists the failed files.
    Dismiss {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(flatten)]
        which: FailedFiles,
    },
    /// Move from the Python tool, all or nothing: its `.env` becomes the
    /// native settings file, its secrets go to the OS keyring, its database
    /// is copied.
    ImportLegacy {
        /// The Python tool's `.env` file.
        #[arg(long, value_name = "PATH")]
        env_file: PathBuf,
        /// Its `bobo_mapping.db` (default: DB_PATH from the `.env`).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// Where to write the settings (default: the standard location).
        #[arg(long, value_name = "PATH")]
        config_out: Option<PathBuf>,
        /// Replace an existing settings file and database (both are kept
        /// beside the new ones as `….before-import-<time>`).
        #[arg(long)]
        force: bool,
        /// Do not use the OS keyring: the service's environment supplies
        /// BOBOSYNC_PASSWORD and BOBOSYNC_CLIENT_SECRET (servers without a
        /// keyring).
        #[arg(long)]
        secrets_in_environment: bool,
    },
    /// Run against the built-in AtHoc simulator with sample users and BOBO
    /// files, printing what happens. Needs no AtHoc and no settings.
    Demo {
        /// Stop after this many cycles (default: run until Ctrl-C).
        #[arg(long)]
        cycles: Option<u32>,
        /// Seconds between cycles.
        #[arg(long, default_value_t = 10)]
        interval: u64,
    },
    /// Run the AtHoc simulator on its own (for trying BoboSync out).
    Simulator(athoc_sim::SimArgs),
    /// Run BoboSync unattended: a Windows service, or a systemd unit on
    /// Linux, running `bobosync run` with the given settings.
    Service {
        #[command(subcommand)]
        action: ServiceAction,
    },
}

/// Which systemd manager a Linux unit belongs to (ignored on Windows, where
/// the service is always the machine's).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct ServiceScope {
    /// Linux: the system's unit (`/etc/systemd/system`, needs root) rather
    /// than the user's. Without it, `start`, `stop`, `status` and
    /// `uninstall` use whichever of the two is installed.
    #[arg(long)]
    pub system: bool,
}

#[derive(Debug, Subcommand)]
pub enum ServiceAction {
    /// Install the service and enable it at boot (Windows: automatic start;
    /// Linux: `systemctl enable`). The settings are checked first. Installing
    /// again replaces the service's command line.
    Install {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(flatten)]
        scope: ServiceScope,
        /// Seconds between full cycles (see `run --interval`).
        #[arg(long, default_value_t = 60, value_name = "SECONDS")]
        interval: u64,
        /// The account the service runs as. Linux system unit: a user name
        /// (default: the user who ran sudo, else the current user). Windows:
        /// `.\name` or `DOMAIN\name`, its password in
        /// BOBOSYNC_SERVICE_PASSWORD (default: LocalSystem).
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// Linux: print the unit file instead of installing it.
        #[arg(long)]
        print: bool,
    },
    /// Stop the service and remove it. Settings, database and logs stay.
    Uninstall {
        #[command(flatten)]
        scope: ServiceScope,
    },
    /// Start the installed service now.
    Start {
        #[command(flatten)]
        scope: ServiceScope,
    },
    /// Stop the service (the batch in flight finishes first).
    Stop {
        #[command(flatten)]
        scope: ServiceScope,
    },
    /// Whether the service is installed, enabled and running. Exit 0 only
    /// when it runs.
    Status {
        #[command(flatten)]
        scope: ServiceScope,
    },
    /// Windows: the entry point the service manager starts (not for people).
    #[command(hide = true)]
    Run {
        #[command(flatten)]
        config: ConfigArgs,
        #[arg(long, default_value_t = 60)]
        interval: u64,
    },
}
