//! Pointing the log at new settings (the tray app leaving its demo for
//! real settings): later lines land in the new folder at the new level,
//! earlier ones stay, flushed, where they were written, and the old folder
//! may be deleted without losing a line. (One test: the subscriber is
//! process-wide.)

use std::path::Path;

use engine::config::{LogLevel, LogSettings};
use engine::logging::{init, ConsoleLog};

fn log_text(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
    }
    text
}

#[test]
fn a_retargeted_log_writes_to_the_new_folder_at_the_new_level() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let demo = dir.path().join("demo-logs");
    let live = dir.path().join("live-logs");
    let settings = |dir: &Path, level| LogSettings {
        level,
        dir: dir.to_path_buf(),
        purge_days: 3,
    };
    let mut guard = init(&settings(&demo, LogLevel::Info), ConsoleLog::Off)
        .unwrap_or_else(|e| panic!("init: {e}"));
    tracing::info!("in the demo");
    tracing::debug!("demo detail");

    guard
        .retarget(&settings(&live, LogLevel::Debug))
        .unwrap_or_else(|e| panic!("retarget: {e}"));
    assert_eq!(guard.settings().dir, live);
    // The demo's folder goes; nothing written after this needs it.
    let demo_text = log_text(&demo);
    std::fs::remove_dir_all(&demo).unwrap_or_else(|e| panic!("{e}"));
    tracing::info!("live now");
    tracing::debug!("live detail");
    drop(guard); // flushes

    assert!(demo_text.contains("in the demo"), "{demo_text}");
    assert!(!demo_text.contains("demo detail"), "{demo_text}");
    assert!(!demo_text.contains("live now"), "{demo_text}");
    let live_text = log_text(&live);
    assert!(
        live_text.contains("live now") && live_text.contains("live detail"),
        "{live_text}"
    );
    assert!(!live_text.contains("in the demo"), "{live_text}");
}
