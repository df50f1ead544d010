//! Logging set-up: lines land in a daily file in the log folder; a second
//! set-up in the same process is an error, not a panic. (One test: the
//! subscriber is process-wide.)

use engine::config::{LogLevel, LogSettings};
use engine::logging::{init, ConsoleLog, LoggingError};

#[test]
fn log_lines_land_in_the_directory_and_init_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("logs");
    let settings = LogSettings {
        level: LogLevel::Info,
        dir: log_dir.clone(),
        purge_days: 3,
    };
    let guard = init(&settings, ConsoleLog::Off).unwrap();
    tracing::info!(batch = 7, "batch finished");
    tracing::debug!("below the level");

    let again = init(&settings, ConsoleLog::Stderr);
    assert!(
        matches!(again, Err(LoggingError::AlreadyInitialised)),
        "{again:?}"
    );
    drop(guard); // flushes

    let files: Vec<_> = std::fs::read_dir(&log_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("bobosync.") && name.ends_with(".log"),
        "{name}"
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("batch finished") && text.contains("batch=7"),
        "{text}"
    );
    assert!(!text.contains("below the level"), "{text}");
}
