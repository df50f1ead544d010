//! Replays the fuzz corpora as ordinary tests, without cargo-fuzz or nightly:
//! every file of `fuzz/corpus/<target>/` and, when present,
//! `fuzz/artifacts/<target>/` (crashes a fuzz run left behind) goes through
//! the same invariant checks as the fuzz targets. The checks live in
//! `fuzz/src/invariants.rs`, included here with `#[path]` (the fuzz crate is
//! its own workspace, so it cannot be a dev-dependency; the file depends only
//! on crates the engine already has). The malformed-input corpus
//! `tests/corpus/malformed/` is replayed through the ingest checks too.

#[path = "../../../fuzz/src/invariants.rs"]
#[allow(dead_code)]
mod invariants;

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

/// The regular files directly in `dir`, sorted; none when it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Runs `check` on every file, catching panics, and fails listing every
/// file that broke an invariant (not only the first).
fn replay(
    files: &[PathBuf],
    check: impl Fn(&[u8]) -> Result<(), String> + std::panic::RefUnwindSafe,
) {
    let mut broken = Vec::new();
    for path in files {
        let bytes = read(path);
        let result = std::panic::catch_unwind(|| check(&bytes));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(violation)) => broken.push(format!("{}: {violation}", path.display())),
            Err(_) => broken.push(format!("{}: panicked (see above)", path.display())),
        }
    }
    assert!(
        broken.is_empty(),
        "{} of {} inputs broke an invariant:\n{}",
        broken.len(),
        files.len(),
        broken.join("\n")
    );
}

fn corpus(target: &str) -> Vec<PathBuf> {
    let fuzz = workspace().join("fuzz");
    let mut files = files_in(&fuzz.join("corpus").join(target));
    assert!(
        files.len() >= 10,
        "the seed corpus fuzz/corpus/{target} is missing or nearly empty ({} files)",
        files.len()
    );
    files.extend(files_in(&fuzz.join("artifacts").join(target)));
    files
}

#[test]
fn ingest_corpus_keeps_every_invariant() {
    replay(&corpus("ingest"), |bytes| {
        invariants::check_ingest(bytes)
            .map(|_| ())
            .map_err(|v| v.to_string())
    });
}

#[test]
fn env_file_corpus_keeps_every_invariant() {
    replay(&corpus("env_file"), |bytes| {
        invariants::check_env_text(&String::from_utf8_lossy(bytes)).map_err(|v| v.to_string())
    });
}

#[test]
fn malformed_corpus_keeps_every_ingest_invariant() {
    let files: Vec<PathBuf> = files_in(&workspace().join("tests").join("corpus").join("malformed"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    assert!(
        files.len() >= 20,
        "tests/corpus/malformed has {} files",
        files.len()
    );
    replay(&files, |bytes| {
        invariants::check_ingest(bytes)
            .map(|_| ())
            .map_err(|v| v.to_string())
    });
}

#[test]
fn the_checks_catch_what_they_claim_to() {
    // A good file passes and is counted.
    let good = b"BON,00042,5,20250617,143000,20250617143000,1,,,\n";
    let summary = invariants::check_ingest(good).map_err(|v| v.to_string());
    assert_eq!(
        summary,
        Ok(invariants::IngestSummary {
            events: 1,
            errors: 0
        })
    );
    // Physical lines count lone CR and CRLF as one break each.
    assert_eq!(invariants::physical_lines(b"a\rb\r\nc\n"), 4);
    assert_eq!(invariants::physical_lines(b"\xEF\xBB\xBF"), 1);
    // The env variants plant the canary, and a clean .env passes.
    assert!(invariants::env_variants("ORG_CODE=X\n")
        .iter()
        .skip(1)
        .all(|v| v.contains(invariants::CANARY)));
    assert_eq!(
        invariants::check_env_text("ORG_CODE=X\nPASSWORD=p\n"),
        Ok(())
    );
}
