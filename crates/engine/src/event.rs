//! The shared vocabulary of duty events: who (employee ID), what (book on /
//! book off), when (local wall-clock and UTC instant) and where it was read
//! (file and line). Pure data; no I/O.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// A BOBO employee ID (the "collar number"). Always text: `00042` keeps its
/// leading zeros and is a different ID from `42`. Held inline (no heap
/// allocation up to 24 bytes): every event and planned record carries one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EmployeeId(compact_str::CompactString);

impl EmployeeId {
    /// Trims surrounding whitespace; `None` when nothing is left.
    pub fn new(raw: &str) -> Option<Self> {
        let trimmed = raw.trim();
        (!trimmed.is_empty()).then(|| Self(trimmed.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmployeeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AtHoc login (`LOGIN_ID`), the key `SyncByCommonNames` updates by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Login(String);

impl Login {
    /// Trims surrounding whitespace; `None` when nothing is left.
    pub fn new(raw: &str) -> Option<Self> {
        let trimmed = raw.trim();
        (!trimmed.is_empty()).then(|| Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a BOBO row says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Duty {
    /// `BON` / `On Duty`: set the duty attribute to the event time.
    BookOn,
    /// `BOF` / `Off Duty`: clear the duty attribute.
    BookOff,
}

impl Duty {
    /// The code stored in SQLite and shown in history: `BON` or `BOF`.
    pub fn code(self) -> &'static str {
        match self {
            Duty::BookOn => "BON",
            Duty::BookOff => "BOF",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "BON" => Some(Duty::BookOn),
            "BOF" => Some(Duty::BookOff),
            _ => None,
        }
    }
}

/// Where a row came from: the file's name (not its full path, which changes
/// when the file moves) and its 1-based line number. The name is shared by
/// every row of a file (an `Arc`), so a backlog of a million rows does not
/// hold a million copies of a few file names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceLine {
    pub file: std::sync::Arc<str>,
    pub line: u32,
}

impl fmt::Display for SourceLine {
    /// `file:line`, control characters in the name escaped (it is shown in
    /// terminals, logs and notes).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", escape_controls(&self.file), self.line)
    }
}

/// One book-on or book-off, as read from a BOBO file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyEvent {
    pub employee: EmployeeId,
    pub duty: Duty,
    /// The time as written in the file: naive wall-clock of the configured zone.
    pub local: NaiveDateTime,
    /// The same time as an instant (see [`crate::time`] for the DST rule).
    pub at: DateTime<Utc>,
    pub source: SourceLine,
}

/// A row that could not become an event, and why. The reason is written for
/// the operator: it says what is wrong and, where it helps, what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub source: SourceLine,
    pub reason: String,
    /// The employee the row is about, when it could be read (a future-dated
    /// event has one; a row too broken to read may not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee: Option<EmployeeId>,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.reason)
    }
}

/// `text` with every control character (line breaks, ESC, …) written as an
/// escape (`\n`, `\u{1b}`), so a file name or a quoted field can neither
/// forge a log line nor drive a terminal.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod escape_tests {
    use super::escape_controls;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(escape_controls("BOBO_1.csv"), "BOBO_1.csv");
        assert_eq!(
            escape_controls("x.csv\n2025-01-01 ERROR forged\u{1b}[31m"),
            "x.csv\\n2025-01-01 ERROR forged\\u{1b}[31m"
        );
        assert_eq!(escape_controls("Zoë\t"), "Zoë\\t");
    }
}
