//! Intake parsing (pure): the bytes of one BOBO CSV file → duty events and
//! row errors. No I/O: the folder module reads the file and hands over its
//! bytes and name.
//!
//! Two formats (athoc-api.md §7), told apart by the first non-blank row:
//!
//! - **headerless**, the real export: ten columns
//!   `Transaction_Type,Employee_ID,Payroll_ID,Clocking_Date,Clocking_Time,
//!   DateTime_Created,Geo_Status,Geo_Latitude,Geo_Longitude,Geo_Accuracy`,
//!   `BON`/`BOF`, the event time taken from `DateTime_Created`
//!   (`YYYYMMDDHHMMSS`) as the Python tool did. The geo columns may be
//!   missing; a line starting `Transaction_Type` is a header and skipped.
//! - **headed**: a header naming `Employee_ID`, `Status` and `Timestamp` in
//!   any order (names compared ignoring case, spaces and underscores; other
//!   columns ignored), `On Duty`/`Off Duty`, `YYYY-MM-DD HH:MM:SS`.
//!
//! Tolerated everywhere: a UTF-8 byte-order mark, CRLF or CR-only line ends,
//! blank lines, spaces around fields, quoted fields. Employee IDs stay text.
//!
//! Invariants: never panics on any input; one bad row never hides the good
//! rows of the same file; every row that is not blank and not a header
//! becomes exactly one event or one error. Row errors carry the physical
//! 1-based line of the row; **line 0 means the file as a whole**.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use chrono_tz::Tz;
use csv::ByteRecord;
use serde::{Deserialize, Serialize};

use crate::event::{Duty, DutyEvent, EmployeeId, RowError, SourceLine};
use crate::time::local_to_utc;

/// The line number used for problems with the file as a whole.
pub const FILE_LINE: u32 = 0;

const HEADERLESS_COLUMNS: &str = "Transaction_Type,Employee_ID,Payroll_ID,Clocking_Date,\
                                  Clocking_Time,DateTime_Created,Geo_Status,Geo_Latitude,\
                                  Geo_Longitude,Geo_Accuracy";
const HEADERLESS_MIN: usize = 6;
const HEADERLESS_MAX: usize = 10;

/// Which BOBO layout a file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoboFormat {
    /// The real ten-column export without a header.
    Headerless,
    /// `Employee_ID,Status,Timestamp` with a header row.
    Headed,
    /// No rows were read: the file is empty or blank, or unreadable as a
    /// whole (then `errors` holds one line-0 error saying why).
    Empty,
}

/// What one file contained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed {
    pub format: BoboFormat,
    /// The good rows, in file order.
    pub events: Vec<DutyEvent>,
    /// The bad rows (and file-level problems at line 0), in file order.
    pub errors: Vec<RowError>,
}

/// Why a row (or the file) could not be read. The text is the operator's
/// `RowError::reason`: what is wrong and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error(
        "the file contains NUL bytes, so it is not CSV text: check that the BOBO export \
         wrote this file, and save it as UTF-8 CSV"
    )]
    Binary,
    #[error("the file is UTF-16 text: save it as UTF-8 (\"CSV UTF-8\" in Excel)")]
    Utf16,
    #[error("the file cannot be read as CSV ({0}): check that it is a BOBO export")]
    Csv(String),
    #[error("not UTF-8 text: save the file as UTF-8")]
    NotUtf8,
    #[error(
        "expected at least {HEADERLESS_MIN} comma-separated columns \
         (Transaction_Type,Employee_ID,Payroll_ID,Clocking_Date,Clocking_Time,DateTime_Created), \
         found {found}{hint}"
    )]
    TooFewColumns { found: usize, hint: DelimiterHint },
    #[error(
        "expected at most {HEADERLESS_MAX} comma-separated columns ({HEADERLESS_COLUMNS}), \
         found {found}: check that this is a BOBO export and that it uses ',' between columns"
    )]
    TooManyColumns { found: usize },
    #[error("unknown Transaction_Type '{0}': expected BON (book on) or BOF (book off)")]
    UnknownTransaction(String),
    #[error("the Employee_ID is empty: expected the employee's collar number, e.g. 00042")]
    EmptyEmployee,
    #[error(
        "DateTime_Created '{0}' is not a date-time: expected 14 digits YYYYMMDDHHMMSS, \
         e.g. 20250617143000"
    )]
    BadCreated(String),
    #[error(
        "the header row has no {missing} column (found: {found}): expected Employee_ID, \
         Status and Timestamp in any order"
    )]
    MissingColumns { missing: String, found: String },
    #[error(
        "expected at least {needed} comma-separated columns to reach Employee_ID, Status and \
         Timestamp as the header names them, found {found}"
    )]
    ShortHeadedRow { needed: usize, found: usize },
    #[error("unknown Status '{0}': expected On Duty or Off Duty (BON or BOF also accepted)")]
    UnknownStatus(String),
    #[error(
        "Timestamp '{0}' is not a date-time: expected YYYY-MM-DD HH:MM:SS, \
         e.g. 2025-06-17 14:30:00"
    )]
    BadTimestamp(String),
    #[error(
        "the time '{text}' is in the year {year}, before {MIN_YEAR}: it cannot be a real BOBO \
         time; check the export's clock and date columns"
    )]
    ImplausibleYear { text: String, year: i32 },
    #[error(
        "a quoted field that starts on this line is not closed until line {last_line} (or the end \
         of the file), so lines {first_line}-{last_line} were read as this one row: remove the \
         stray '\"' and drop the file again"
    )]
    QuoteSpansLines { first_line: u32, last_line: u32 },
    #[error(
        "the line is {bytes} bytes long, far longer than any BOBO row (a few hundred bytes), so \
         it was not read: check that this is a BOBO export"
    )]
    LineTooLong { bytes: usize },
}

/// The longest physical line read as a row: BOBO rows are a few hundred
/// bytes, and a line of hundreds of megabytes (a junk file under a raised
/// `MAX_FILE_MB`) would otherwise be copied several times over by the CSV
/// reader and its fields.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// The earliest year accepted in a BOBO time: year 0000 or 1900 (Excel's
/// zero date) would otherwise be read as a very old book-on.
pub const MIN_YEAR: i32 = 1970;

/// The most characters of a field quoted in a message: a field of several
/// megabytes must not flood the log and the failed-file note.
const SHOWN_CHARS: usize = 60;

/// `text` for quoting in a message: cut after [`SHOWN_CHARS`] characters.
fn shown(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!(
            "{}… ({} characters in all)",
            &text[..cut],
            text.chars().count()
        ),
    }
}

/// A hint added to a too-few-columns error when the row looks as if
/// another delimiter was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelimiterHint {
    None,
    Semicolon,
    Tab,
}

impl std::fmt::Display for DelimiterHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DelimiterHint::None => Ok(()),
            DelimiterHint::Semicolon => {
                f.write_str(": the row uses ';' between columns; BOBO files use ','")
            }
            DelimiterHint::Tab => {
                f.write_str(": the row uses tabs between columns; BOBO files use ','")
            }
        }
    }
}

/// How the data rows of a file are laid out, once known.
#[derive(Debug, Clone, Copy)]
enum Layout {
    Headerless,
    Headed(HeadedColumns),
}

/// The 0-based positions of the headed format's columns.
#[derive(Debug, Clone, Copy)]
struct HeadedColumns {
    employee: usize,
    status: usize,
    timestamp: usize,
}

/// Parses one BOBO file. `file_name` is recorded in every event and error;
/// times are wall-clock times of `tz` (see [`crate::time`] for DST).
pub fn parse_bobo(file_name: &str, bytes: &[u8], tz: Tz) -> Parsed {
    let mut intake = Intake {
        file: file_name.into(),
        tz,
        parsed: Parsed {
            format: BoboFormat::Empty,
            events: Vec::new(),
            errors: Vec::new(),
        },
        omitted: None,
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        intake.error(FILE_LINE, IngestError::Utf16);
        return intake.parsed;
    }
    if bytes.contains(&0) {
        intake.error(FILE_LINE, IngestError::Binary);
        return intake.parsed;
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Over-long lines are reported and blanked (line breaks kept, so every
    // other line keeps its number); the copy is made only when one exists.
    let long = long_lines(body);
    for &(line, start, end) in &long {
        intake.error(line, IngestError::LineTooLong { bytes: end - start });
    }
    let cleaned;
    let body: &[u8] = if long.is_empty() {
        body
    } else {
        cleaned = blank(body, &long);
        &cleaned
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut layout = None;
    let mut record = ByteRecord::new();
    let mut lines = LineCounter::new(body);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                intake.error(FILE_LINE, IngestError::Csv(e.to_string()));
                break;
            }
        }
        let line = match record.position() {
            Some(position) => lines.line_at(position.byte()),
            None => FILE_LINE,
        };
        let Some(fields) = text_fields(&record) else {
            intake.error(line, IngestError::NotUtf8);
            continue;
        };
        if fields.iter().all(String::is_empty) {
            continue;
        }
        let current = match layout {
            Some(known) => known,
            None => match detect(&fields) {
                Detected::Header(Ok(found)) => {
                    intake.set_format(found);
                    layout = Some(found);
                    continue;
                }
                Detected::Header(Err(e)) => {
                    intake.parsed.format = BoboFormat::Headed;
                    intake.error(FILE_LINE, e);
                    return intake.parsed;
                }
                Detected::Data => {
                    intake.set_format(Layout::Headerless);
                    layout = Some(Layout::Headerless);
                    Layout::Headerless
                }
            },
        };
        if is_repeated_header(&fields) {
            continue;
        }
        let row = match current {
            Layout::Headerless => headerless_row(&fields),
            Layout::Headed(columns) => headed_row(&fields, columns),
        };
        match row {
            Ok(row) => intake.event(line, row),
            Err(BadRow {
                mut problems,
                employee,
            }) => {
                let spanned = breaks_inside(&record);
                if spanned > 0 {
                    problems.push(IngestError::QuoteSpansLines {
                        first_line: line,
                        last_line: line.saturating_add(spanned),
                    });
                }
                intake.errors(line, &problems, employee)
            }
        }
    }
    if !long.is_empty() {
        intake.parsed.errors.sort_by_key(|e| e.source.line);
    }
    if let Some((first, last, count)) = intake.omitted {
        let source = intake.source(first);
        intake.parsed.errors.push(RowError {
            source,
            reason: format!(
                "and {count} more row(s) that could not be read, lines {first} to {last}: only the \
                 first {MAX_ROW_ERRORS} are listed. Is this really a BOBO export?"
            ),
            employee: None,
        });
    }
    intake.parsed
}

/// The physical lines of `body` longer than [`MAX_LINE_BYTES`]: (1-based
/// line, start, end) byte ranges, line breaks as [`LineCounter`] counts them.
fn long_lines(body: &[u8]) -> Vec<(u32, usize, usize)> {
    let mut long = Vec::new();
    let (mut line, mut start) = (1u32, 0usize);
    let mut breaks = memchr::memchr2_iter(b'\r', b'\n', body);
    loop {
        let end = breaks.next();
        let stop = end.unwrap_or(body.len());
        if stop - start > MAX_LINE_BYTES {
            long.push((line, start, stop));
        }
        let Some(at) = end else { break };
        // `\r\n` is one break.
        if body[at] == b'\r' && body.get(at + 1) == Some(&b'\n') {
            breaks.next();
            start = at + 2;
        } else {
            start = at + 1;
        }
        line = line.saturating_add(1);
    }
    long
}

/// `body` with the `ranges` left out (their line breaks stay).
fn blank(body: &[u8], ranges: &[(u32, usize, usize)]) -> Vec<u8> {
    let kept = body.len() - ranges.iter().map(|(_, s, e)| e - s).sum::<usize>();
    let mut out = Vec::with_capacity(kept);
    let mut from = 0;
    for &(_, start, end) in ranges {
        out.extend_from_slice(&body[from..start]);
        from = end;
    }
    out.extend_from_slice(&body[from..]);
    out
}

/// Physical 1-based line numbers from byte offsets. The CSV reader's own
/// line count does not count the blank lines it skips, so lines are
/// counted here: records come in file order, so counting resumes from the
/// previous record's start. Line ends are `\n`, `\r\n` and a lone `\r`.
struct LineCounter<'b> {
    body: &'b [u8],
    offset: usize,
    line: u32,
}

impl<'b> LineCounter<'b> {
    fn new(body: &'b [u8]) -> Self {
        Self {
            body,
            offset: 0,
            line: 1,
        }
    }

    /// The line on which the record reported at byte `start` begins. The
    /// reported start may precede the blank lines skipped before the
    /// record, so line breaks right at the start are stepped over.
    fn line_at(&mut self, start: u64) -> u32 {
        let mut start = usize::try_from(start)
            .unwrap_or(usize::MAX)
            .clamp(self.offset, self.body.len());
        while matches!(self.body.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        // A line ends at `\n`, `\r\n` or a lone `\r` (old Mac files), as the
        // CSV reader ends records.
        let breaks = self.body[self.offset..start]
            .iter()
            .enumerate()
            .filter(|&(i, &b)| {
                b == b'\n' || (b == b'\r' && self.body.get(self.offset + i + 1) != Some(&b'\n'))
            })
            .count();
        self.line = self
            .line
            .saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX));
        self.offset = start;
        self.line
    }
}

/// How many line breaks (`\n`, `\r\n`, lone `\r`) the record's fields hold
/// before their trailing ones: a quoted field running over several lines.
fn breaks_inside(record: &ByteRecord) -> u32 {
    let count = record
        .iter()
        .map(|field| {
            let field = field.trim_ascii_end();
            field
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && field.get(i + 1) != Some(&b'\n')))
                .count()
        })
        .sum::<usize>();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// A good row before it gets its instant and source.
struct Row {
    employee: EmployeeId,
    duty: Duty,
    local: NaiveDateTime,
}

struct Intake {
    /// The file's name, shared by every row's [`SourceLine`].
    file: std::sync::Arc<str>,
    tz: Tz,
    parsed: Parsed,
    /// Row errors past [`MAX_ROW_ERRORS`]: counted, not kept (first and
    /// last line, how many).
    omitted: Option<(u32, u32, usize)>,
}

/// Row errors kept per file: a junk file must not flood memory, the
/// database or the terminal. The rest are counted in one closing error.
pub const MAX_ROW_ERRORS: usize = 1000;

impl Intake {
    fn source(&self, line: u32) -> SourceLine {
        SourceLine {
            file: std::sync::Arc::clone(&self.file),
            line,
        }
    }

    fn error(&mut self, line: u32, problem: IngestError) {
        self.errors(line, &[problem], None);
    }

    /// A row not read, with the employee ID when that part of it was fine.
    fn errors(&mut self, line: u32, problems: &[IngestError], employee: Option<EmployeeId>) {
        if self.parsed.errors.len() >= MAX_ROW_ERRORS {
            let (first, _, count) = self.omitted.unwrap_or((line, line, 0));
            self.omitted = Some((first, line, count + 1));
            return;
        }
        let reason = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let source = self.source(line);
        self.parsed.errors.push(RowError {
            source,
            reason,
            employee,
        });
    }

    fn event(&mut self, line: u32, row: Row) {
        let source = self.source(line);
        self.parsed.events.push(DutyEvent {
            employee: row.employee,
            duty: row.duty,
            local: row.local,
            at: local_to_utc(row.local, self.tz),
            source,
        });
    }

    fn set_format(&mut self, layout: Layout) {
        self.parsed.format = match layout {
            Layout::Headerless => BoboFormat::Headerless,
            Layout::Headed(_) => BoboFormat::Headed,
        };
    }
}

/// A byte-order mark as a character: Excel writes one at the start of each
/// file, so files joined together carry them mid-file.
const BOM: char = '\u{feff}';

/// The record's fields as trimmed text (surrounding quotes left by a space
/// before the opening quote are dropped too, and so are stray byte-order
/// marks); `None` when not UTF-8.
fn text_fields(record: &ByteRecord) -> Option<Vec<String>> {
    record
        .iter()
        .map(|field| {
            let text = std::str::from_utf8(field)
                .ok()?
                .trim_matches(|c: char| c.is_whitespace() || c == BOM);
            let unquoted = text
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .map_or(text, str::trim);
            Some(unquoted.to_owned())
        })
        .collect()
}

/// A header name reduced for comparison: lower case, no spaces,
/// underscores or hyphens.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

enum Detected {
    /// The row is a header; `Err` when it is a headed-format header missing
    /// a required column.
    Header(Result<Layout, IngestError>),
    /// The row is data of the headerless format.
    Data,
}

fn detect(fields: &[String]) -> Detected {
    let names: Vec<String> = fields.iter().map(|f| normalized(f)).collect();
    if names.first().is_some_and(|n| n == "transactiontype") {
        return Detected::Header(Ok(Layout::Headerless));
    }
    if !names.iter().any(|n| n == "employeeid") {
        return Detected::Data;
    }
    let find = |wanted: &str| names.iter().position(|n| n == wanted);
    let (employee, status, timestamp) = (find("employeeid"), find("status"), find("timestamp"));
    match (employee, status, timestamp) {
        (Some(employee), Some(status), Some(timestamp)) => {
            Detected::Header(Ok(Layout::Headed(HeadedColumns {
                employee,
                status,
                timestamp,
            })))
        }
        _ => {
            let missing: Vec<&str> = [("Status", status), ("Timestamp", timestamp)]
                .iter()
                .filter(|(_, at)| at.is_none())
                .map(|(name, _)| *name)
                .collect();
            Detected::Header(Err(IngestError::MissingColumns {
                missing: missing.join(" or "),
                found: shown(&fields.join(",")),
            }))
        }
    }
}

/// A header line repeated inside the data (e.g. files joined together).
fn is_repeated_header(fields: &[String]) -> bool {
    fields
        .first()
        .is_some_and(|f| matches!(normalized(f).as_str(), "transactiontype" | "employeeid"))
}

/// A row that could not be read: every problem in it, and its employee ID
/// when that field was fine (so history can name the person).
struct BadRow {
    problems: Vec<IngestError>,
    employee: Option<EmployeeId>,
}

impl From<IngestError> for BadRow {
    fn from(problem: IngestError) -> Self {
        BadRow {
            problems: vec![problem],
            employee: None,
        }
    }
}

/// The longest employee ID a row error keeps: longer text is not an ID.
const MAX_EMPLOYEE_LEN: usize = 64;

fn headerless_row(fields: &[String]) -> Result<Row, BadRow> {
    if fields.len() < HEADERLESS_MIN {
        let joined = fields.join(",");
        let hint = if joined.contains(';') {
            DelimiterHint::Semicolon
        } else if joined.contains('\t') {
            DelimiterHint::Tab
        } else {
            DelimiterHint::None
        };
        return Err(IngestError::TooFewColumns {
            found: fields.len(),
            hint,
        }
        .into());
    }
    if fields.len() > HEADERLESS_MAX {
        return Err(IngestError::TooManyColumns {
            found: fields.len(),
        }
        .into());
    }
    let duty = match fields[0].to_ascii_uppercase().as_str() {
        "BON" => Ok(Duty::BookOn),
        "BOF" => Ok(Duty::BookOff),
        _ => Err(IngestError::UnknownTransaction(shown(&fields[0]))),
    };
    let employee = EmployeeId::new(&fields[1]).ok_or(IngestError::EmptyEmployee);
    let local = compact_datetime(&fields[5])
        .ok_or_else(|| IngestError::BadCreated(shown(&fields[5])))
        .and_then(|t| plausible(t, &fields[5]));
    collect_row(duty, employee, local)
}

fn headed_row(fields: &[String], columns: HeadedColumns) -> Result<Row, BadRow> {
    let needed = 1 + columns.employee.max(columns.status).max(columns.timestamp);
    if fields.len() < needed {
        return Err(IngestError::ShortHeadedRow {
            needed,
            found: fields.len(),
        }
        .into());
    }
    let status = &fields[columns.status];
    let duty = match normalized(status).as_str() {
        "onduty" | "bon" => Ok(Duty::BookOn),
        "offduty" | "bof" => Ok(Duty::BookOff),
        _ => Err(IngestError::UnknownStatus(shown(status))),
    };
    let employee = EmployeeId::new(&fields[columns.employee]).ok_or(IngestError::EmptyEmployee);
    let timestamp = &fields[columns.timestamp];
    let local = headed_timestamp(timestamp)
        .ok_or_else(|| IngestError::BadTimestamp(shown(timestamp)))
        .and_then(|t| plausible(t, timestamp));
    collect_row(duty, employee, local)
}

/// One row out of its three checked parts, or every problem found in it.
fn collect_row(
    duty: Result<Duty, IngestError>,
    employee: Result<EmployeeId, IngestError>,
    local: Result<NaiveDateTime, IngestError>,
) -> Result<Row, BadRow> {
    match (duty, employee, local) {
        (Ok(duty), Ok(employee), Ok(local)) => Ok(Row {
            employee,
            duty,
            local,
        }),
        (duty, employee, local) => {
            let (employee, employee_problem) = match employee {
                Ok(id) => (
                    Some(id).filter(|id| id.as_str().len() <= MAX_EMPLOYEE_LEN),
                    None,
                ),
                Err(e) => (None, Some(e)),
            };
            Err(BadRow {
                problems: [duty.err(), employee_problem, local.err()]
                    .into_iter()
                    .flatten()
                    .collect(),
                employee,
            })
        }
    }
}

/// `local` unless its year is before [`MIN_YEAR`].
fn plausible(local: NaiveDateTime, text: &str) -> Result<NaiveDateTime, IngestError> {
    if local.year() < MIN_YEAR {
        return Err(IngestError::ImplausibleYear {
            text: shown(text),
            year: local.year(),
        });
    }
    Ok(local)
}

/// `YYYYMMDDHHMMSS`, exactly 14 ASCII digits.
fn compact_datetime(text: &str) -> Option<NaiveDateTime> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All ASCII digits, so every slice is on a char boundary and parses.
    let num = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
    let year = i32::try_from(num(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, num(4..6)?, num(6..8)?)?.and_hms_opt(
        num(8..10)?,
        num(10..12)?,
        num(12..14)?,
    )
}

/// The headed format's timestamp: `YYYY-MM-DD HH:MM:SS` (or `T` between
/// date and time, seconds optional, fractions ignored), or `YYYYMMDDHHMMSS`.
fn headed_timestamp(text: &str) -> Option<NaiveDateTime> {
    const PATTERNS: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    PATTERNS
        .iter()
        .find_map(|p| NaiveDateTime::parse_from_str(text, p).ok())
        .map(|t| t.with_nanosecond(0).unwrap_or(t))
        .or_else(|| compact_datetime(text))
}

#[cfg(test)]
mod tests;
