//! Logging (shell): `tracing` to daily-rotated files in `LOG_DIRECTORY`
//! (`bobosync.YYYY-MM-DD.log`, `LOG_PURGE_DAYS` files kept), at `LOG_LEVEL`,
//! optionally echoed to stderr. Installed once per process by [`init`].
//! When today's file cannot be opened (on Windows, another program holding
//! it without sharing writes), the process logs to `bobosync-<pid>.<date>.log`
//! instead and says so ([`LogGuard::fallback`]): logging never stops a sync.
//! The tray app, which starts logging once, points the log at new settings
//! with [`LogGuard::retarget`] (leaving the demo for real settings: the
//! demo's folder is deleted).
//! Every panic is logged too (the hook [`init`] installs).
//! Invariant: nothing here formats secrets; callers never pass them (they are
//! `SecretString`s, whose `Debug` is redacted).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::reload;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{LogLevel, LogSettings};

/// The log file name prefix: files are `bobosync.<date>.log`.
pub const FILE_PREFIX: &str = "bobosync";
/// The log file name suffix.
pub const FILE_SUFFIX: &str = "log";

/// Whether log lines are also written to the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleLog {
    /// Files only (the tray app, a service).
    Off,
    /// Files and stderr (the `bobosync` command with `--verbose`).
    Stderr,
}

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    #[error("cannot create the log folder {} (LOG_DIRECTORY): {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open a log file in {} (LOG_DIRECTORY): {source}", path.display())]
    OpenFile {
        path: PathBuf,
        source: tracing_appender::rolling::InitError,
    },
    #[error("logging was already set up in this process")]
    AlreadyInitialised,
    #[error("logging is no longer set up in this process")]
    NotRunning,
}

/// Keeps the background log writer alive: drop it last (it flushes pending
/// lines when dropped).
#[must_use = "log lines are lost when the guard is dropped"]
pub struct LogGuard {
    file: WorkerGuard,
    writer: FileWriter,
    filter: reload::Handle<EnvFilter, Registry>,
    settings: LogSettings,
    fallback: Option<String>,
}

impl LogGuard {
    /// When today's log file could not be opened and this process logs to
    /// a file of its own instead: what happened, for the operator.
    pub fn fallback(&self) -> Option<&str> {
        self.fallback.as_deref()
    }

    /// The settings the log follows now.
    pub fn settings(&self) -> &LogSettings {
        &self.settings
    }

    /// Points the file log at `settings` (its folder, level and files kept)
    /// from the next line on; the lines already written stay where they
    /// are, flushed. On an error the log goes on where it was.
    pub fn retarget(&mut self, settings: &LogSettings) -> Result<(), LoggingError> {
        let (writer, guard, fallback) = open_file(settings)?;
        self.filter
            .reload(EnvFilter::new(filter_directives(settings.level)))
            .map_err(|_| LoggingError::NotRunning)?;
        let old = {
            let mut current = self.writer.0.write().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *current, writer)
        };
        drop(old);
        // The old worker flushes what it holds as its guard goes.
        drop(std::mem::replace(&mut self.file, guard));
        self.settings = settings.clone();
        self.fallback = fallback;
        if let Some(note) = &self.fallback {
            tracing::warn!("{note}");
        }
        Ok(())
    }
}

/// The file layer's writer: the current log file's background writer,
/// replaced by [`LogGuard::retarget`].
#[derive(Clone)]
struct FileWriter(Arc<RwLock<NonBlocking>>);

impl<'a> MakeWriter<'a> for FileWriter {
    type Writer = NonBlocking;

    fn make_writer(&'a self) -> NonBlocking {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A daily-rotated file in `settings.dir` behind a background writer, or a
/// file of this process's own when today's is held (the note says so).
fn open_file(
    settings: &LogSettings,
) -> Result<(NonBlocking, WorkerGuard, Option<String>), LoggingError> {
    crate::config::create_private_dir_all(&settings.dir).map_err(|source| {
        LoggingError::CreateDir {
            path: settings.dir.clone(),
            source,
        }
    })?;
    let appender = |prefix: &str| {
        RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix(prefix)
            .filename_suffix(FILE_SUFFIX)
            .max_log_files(usize::try_from(settings.purge_days.max(1)).unwrap_or(usize::MAX))
            .build(&settings.dir)
    };
    // Today's file may be held by another program (on Windows, a viewer
    // that does not share writing) or be in the way: this process then logs
    // to a file of its own rather than not run at all.
    let (appender, fallback) = match appender(FILE_PREFIX) {
        Ok(appender) => (appender, None),
        Err(first) => {
            let own = format!("{FILE_PREFIX}-{}", std::process::id());
            let note = format!(
                "today's log file in {} cannot be opened ({first}); another program may hold it. \
                 This run logs to {own}.<date>.{FILE_SUFFIX} in the same folder",
                settings.dir.display()
            );
            let appender = appender(&own).map_err(|_| LoggingError::OpenFile {
                path: settings.dir.clone(),
                source: first,
            })?;
            (appender, Some(note))
        }
    };
    let (writer, guard) = tracing_appender::non_blocking(appender);
    Ok((writer, guard, fallback))
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGuard").finish_non_exhaustive()
    }
}

/// The filter for `level`. HTTP and TLS libraries are kept at INFO or
/// quieter even at DEBUG: their debug output can show request headers.
pub fn filter_directives(level: LogLevel) -> String {
    let level = level.tracing_level();
    let libraries = if level > tracing::Level::INFO {
        tracing::Level::INFO
    } else {
        level
    };
    let mut directives = level.as_str().to_ascii_lowercase();
    for library in ["hyper", "hyper_util", "h2", "reqwest", "rustls", "tower"] {
        directives.push_str(&format!(
            ",{library}={}",
            libraries.as_str().to_ascii_lowercase()
        ));
    }
    directives
}

/// Installs the process-wide subscriber: a daily-rotated file in
/// `settings.dir` and, with [`ConsoleLog::Stderr`], stderr. Call once per
/// process; a second call returns [`LoggingError::AlreadyInitialised`].
pub fn init(settings: &LogSettings, console: ConsoleLog) -> Result<LogGuard, LoggingError> {
    let (writer, guard, fallback) = open_file(settings)?;
    let writer = FileWriter(Arc::new(RwLock::new(writer)));
    let directives = filter_directives(settings.level);
    let (file_filter, filter) = reload::Layer::new(EnvFilter::new(&directives));
    let file_layer = tracing_subscriber::fmt::layer()
        .with_writer(writer.clone())
        .with_ansi(false);
    let console_layer = match console {
        ConsoleLog::Off => None,
        ConsoleLog::Stderr => Some(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(colour_on_stderr()),
        ),
    };
    tracing_subscriber::registry()
        .with(file_layer.with_filter(file_filter))
        .with(console_layer.with_filter(EnvFilter::new(&directives)))
        .try_init()
        .map_err(|_| LoggingError::AlreadyInitialised)?;
    log_panics();
    if let Some(note) = &fallback {
        tracing::warn!("{note}");
    }
    Ok(LogGuard {
        file: guard,
        writer,
        filter,
        settings: settings.clone(),
        fallback,
    })
}

/// Every panic (a bug) also goes to the log, with where it happened, before
/// Rust's own message to stderr: the tray app on Windows has no stderr
/// anyone reads.
fn log_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        tracing::error!(
            location,
            "internal error (a bug in BoboSync): {}",
            panic_message(info.payload())
        );
        previous(info);
    }));
}

/// What a panic said (`panic!`'s message), for people.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

/// Colour only for a person at a terminal: never when stderr is captured
/// (a scheduler, a pipe, a file) or `NO_COLOR` is set (no-color.org).
fn colour_on_stderr() -> bool {
    use std::io::IsTerminal as _;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_never_log_below_info() {
        assert_eq!(
            filter_directives(LogLevel::Debug),
            "debug,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info,tower=info"
        );
        assert!(filter_directives(LogLevel::Critical).starts_with("error,hyper=error"));
        assert!(filter_directives(LogLevel::Warning).starts_with("warn,"));
    }
}
