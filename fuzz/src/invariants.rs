//! The invariants of BOBO intake (`engine::ingest::parse_bobo`) and of the
//! `.env` reader (`engine::config::parse_env_text`) that must hold for *any*
//! input. One copy, two users: the cargo-fuzz targets (through the fuzz
//! crate's library) and the corpus replay test
//! `crates/engine/tests/fuzz_corpus_replay.rs` (which includes this file with
//! `#[path]`), so what the fuzzer checks is exactly what CI replays.
//!
//! Depends only on `engine`, `chrono`, `chrono_tz`, `thiserror` and std —
//! all of them dependencies of the engine crate, so the engine's own tests
//! can compile this file. A check returns a [`Violation`] instead of
//! panicking; the fuzz target turns it into a panic (a crash report).
//! A panic inside the engine is of course a finding too.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono_tz::Tz;
use engine::config::{parse_env_text, LoadError, RawSettings};
use engine::ingest::{parse_bobo, BoboFormat, Parsed, FILE_LINE};

/// The file name every fuzzed BOBO input is parsed under.
pub const BOBO_NAME: &str = "fuzz_input.csv";
/// The fixed zone of the ingest checks (it has DST, so gaps and folds are hit).
pub const ZONE: Tz = chrono_tz::Europe::London;
/// The path every fuzzed `.env` text is parsed under.
pub const ENV_PATH: &str = "/fuzz/site/.env";
/// The secret planted in the `.env` variants; no error or `Debug` output may show it.
pub const CANARY: &str = "Canary-S3cr3t-9f4e";

/// A broken invariant, described for the person reading the crash report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("parsing the same bytes twice gave different results")]
    NotDeterministic,
    #[error("{what} names file {found:?}, not {BOBO_NAME:?}")]
    WrongFile { what: String, found: String },
    #[error("{what} is on line {line}, but the file has {lines} lines")]
    LineOutOfRange { what: String, line: u32, lines: u32 },
    #[error("an event is on line 0 (line 0 is reserved for the file as a whole)")]
    EventOnLineZero,
    #[error("line {line} produced more than one event or row error")]
    LineReportedTwice { line: u32 },
    #[error("employee ID {id:?} on line {line} is not as written in the file ({why})")]
    EmployeeChanged { id: String, line: u32, why: String },
    #[error("a row error on line {line} has an empty reason")]
    EmptyReason { line: u32 },
    #[error("the format is Empty but {events} events were read")]
    EventsInEmptyFile { events: usize },
    #[error("event on line {line}: UTC {at} is more than 3 hours from the wall clock {local}")]
    InstantFarFromLocal {
        line: u32,
        at: String,
        local: String,
    },
    #[error(".env variant {variant}: the result differs between two identical parses")]
    EnvNotDeterministic { variant: usize },
    #[error(".env variant {variant}: the error message does not name the file: {message}")]
    EnvErrorWithoutFile { variant: usize, message: String },
    #[error(".env variant {variant}: the planted secret appears in {place}: {text}")]
    SecretLeaked {
        variant: usize,
        place: &'static str,
        text: String,
    },
    #[error(
        ".env variant {variant}: the environment's {key} did not override the file (got {got:?})"
    )]
    EnvironmentIgnored {
        variant: usize,
        key: &'static str,
        got: Option<String>,
    },
    #[error(".env variant {variant}: USERNAME was taken from the environment")]
    UsernameFromEnvironment { variant: usize },
}

/// What one BOBO input produced (for the replay test's summary).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestSummary {
    pub events: usize,
    pub errors: usize,
}

/// The physical lines of `bytes` as an editor shows them (after a UTF-8 BOM):
/// a line ends at `\n`, `\r\n` or a lone `\r` — the same breaks the CSV reader
/// ends records at.
pub fn physical_lines(bytes: &[u8]) -> u32 {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut breaks: u32 = 0;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\n' => breaks = breaks.saturating_add(1),
            b'\r' if body.get(i + 1) != Some(&b'\n') => breaks = breaks.saturating_add(1),
            _ => {}
        }
        i += 1;
    }
    breaks.saturating_add(1)
}

/// Runs `parse_bobo` on `bytes` (as [`BOBO_NAME`], zone [`ZONE`]) and checks:
/// deterministic; every event and error names the file; every line number is
/// within the file's physical lines, events never on line 0; no line yields
/// two results; employee IDs are non-empty, trimmed and written so in the
/// file (up to CSV quoting); every error has a reason; an `Empty` file has no events; the UTC
/// instant is within 3 hours of the wall-clock time.
pub fn check_ingest(bytes: &[u8]) -> Result<IngestSummary, Violation> {
    let parsed = parse_bobo(BOBO_NAME, bytes, ZONE);
    if parse_bobo(BOBO_NAME, bytes, ZONE) != parsed {
        return Err(Violation::NotDeterministic);
    }
    let lines = physical_lines(bytes);
    check_names_and_lines(&parsed, lines)?;
    check_employees(&parsed, bytes)?;
    if parsed.format == BoboFormat::Empty && !parsed.events.is_empty() {
        return Err(Violation::EventsInEmptyFile {
            events: parsed.events.len(),
        });
    }
    for event in &parsed.events {
        let drift = (event.at.naive_utc() - event.local).num_minutes().abs();
        if drift > 180 {
            return Err(Violation::InstantFarFromLocal {
                line: event.source.line,
                at: event.at.to_string(),
                local: event.local.to_string(),
            });
        }
    }
    Ok(IngestSummary {
        events: parsed.events.len(),
        errors: parsed.errors.len(),
    })
}

fn check_names_and_lines(parsed: &Parsed, lines: u32) -> Result<(), Violation> {
    let mut seen = HashSet::new();
    let sources = parsed
        .events
        .iter()
        .map(|e| ("an event", &e.source))
        .chain(parsed.errors.iter().map(|e| ("a row error", &e.source)));
    for (what, source) in sources {
        if &*source.file != BOBO_NAME {
            return Err(Violation::WrongFile {
                what: what.to_owned(),
                found: source.file.to_string(),
            });
        }
        if source.line > lines {
            return Err(Violation::LineOutOfRange {
                what: what.to_owned(),
                line: source.line,
                lines,
            });
        }
        if source.line == FILE_LINE {
            if what == "an event" {
                return Err(Violation::EventOnLineZero);
            }
            continue;
        }
        if !seen.insert(source.line) {
            return Err(Violation::LineReportedTwice { line: source.line });
        }
    }
    for error in &parsed.errors {
        if error.reason.trim().is_empty() {
            return Err(Violation::EmptyReason {
                line: error.source.line,
            });
        }
    }
    Ok(())
}

fn check_employees(parsed: &Parsed, bytes: &[u8]) -> Result<(), Violation> {
    let without_quotes: Vec<u8> = bytes.iter().copied().filter(|&b| b != b'"').collect();
    for event in &parsed.events {
        let id = event.employee.as_str();
        let changed = |why: &str| Violation::EmployeeChanged {
            id: id.to_owned(),
            line: event.source.line,
            why: why.to_owned(),
        };
        if id.is_empty() {
            return Err(changed("empty"));
        }
        if id.trim() != id {
            return Err(changed("not trimmed"));
        }
        // As written, up to CSV quoting: `"000"42` is read as `00042` and
        // `"a""b"` as `a"b`, so quotes are set aside on both sides. Leading
        // zeros, letters and spacing inside the ID must survive.
        let unquoted: Vec<u8> = id.bytes().filter(|&b| b != b'"').collect();
        if !contains(&without_quotes, &unquoted) {
            return Err(changed("not found in the file"));
        }
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `.env` texts checked for one fuzz input: the input itself, and the
/// input with a secret line ([`CANARY`] in several quotings) planted before
/// it (variants 1–4, complete, so the input cannot swallow it) or after it
/// (variant 5, an unterminated quote: usually a syntax error).
pub fn env_variants(text: &str) -> Vec<String> {
    vec![
        text.to_owned(),
        format!("PASSWORD={CANARY} # the password\n{text}"),
        format!("export CLIENT_SECRET=\"{CANARY}\"\n{text}"),
        format!("PASSWORD='{CANARY}'\r\n{text}"),
        format!("PASSWORD=\"{CANARY}-1\n{CANARY}-2=x\"\n{text}"),
        format!("{text}\nPASSWORD=\"{CANARY}\nORG_CODE=after\n"),
    ]
}

/// Runs `parse_env_text` on every [`env_variants`] of `text` with an empty
/// environment and with one that sets `ORG_CODE` and `USERNAME`, and checks:
/// deterministic; an error names the file; the planted secret appears in no
/// error message (`Display` or `Debug`) and, for the complete plantings, in no
/// `Debug` of the result; the environment's `ORG_CODE` wins over the file and
/// its `USERNAME` never does. Inputs that themselves contain the canary's
/// stem are only checked for the rest.
pub fn check_env_text(text: &str) -> Result<(), Violation> {
    let path = Path::new(ENV_PATH);
    let empty: HashMap<String, String> = HashMap::new();
    let set: HashMap<String, String> = [("ORG_CODE", "ORG-FROM-ENV"), ("USERNAME", "desktop.user")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let input_has_canary = text.to_ascii_lowercase().contains("canary");
    for (variant, text) in env_variants(text).iter().enumerate() {
        let first = parse_env_text(text, path, &empty);
        let again = parse_env_text(text, path, &empty);
        if !same(&first, &again) {
            return Err(Violation::EnvNotDeterministic { variant });
        }
        let planted_complete = (1..=4).contains(&variant);
        match &first {
            Err(e) => {
                let message = e.to_string();
                if !message.contains(ENV_PATH) {
                    return Err(Violation::EnvErrorWithoutFile { variant, message });
                }
                if variant > 0 && !input_has_canary {
                    no_canary(variant, "an error message", &message)?;
                    no_canary(variant, "an error's Debug", &format!("{e:?}"))?;
                }
            }
            Ok(raw) => {
                if planted_complete && !input_has_canary {
                    no_canary(variant, "the settings' Debug", &format!("{raw:?}"))?;
                }
            }
        }
        match parse_env_text(text, path, &set) {
            Err(e) => {
                if variant > 0 && !input_has_canary {
                    no_canary(variant, "an error message", &e.to_string())?;
                }
            }
            Ok(raw) => {
                let org = raw.get("ORG_CODE");
                if org != Some("ORG-FROM-ENV") {
                    return Err(Violation::EnvironmentIgnored {
                        variant,
                        key: "ORG_CODE",
                        got: org.map(str::to_owned),
                    });
                }
                if raw.get("USERNAME") == Some("desktop.user") && !text.contains("desktop.user") {
                    return Err(Violation::UsernameFromEnvironment { variant });
                }
            }
        }
    }
    Ok(())
}

fn same(a: &Result<RawSettings, LoadError>, b: &Result<RawSettings, LoadError>) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => a == b,
        (Err(a), Err(b)) => a.to_string() == b.to_string(),
        _ => false,
    }
}

fn no_canary(variant: usize, place: &'static str, text: &str) -> Result<(), Violation> {
    if text.contains(CANARY) {
        return Err(Violation::SecretLeaked {
            variant,
            place,
            text: text.to_owned(),
        });
    }
    Ok(())
}
