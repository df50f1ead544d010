//! Time (pure): BOBO wall-clock times ↔ UTC instants, with a stated
//! daylight-saving rule, and the AtHoc date-time attribute format.
//!
//! # The daylight-saving rule
//!
//! BOBO writes naive wall-clock times of the configured zone. Twice a year a
//! wall-clock time does not name exactly one instant:
//!
//! - **Repeated time (autumn fold)**: the *earlier* instant is meant.
//!   Europe/London 2025-10-26 01:30 happens twice; it is read as
//!   01:30 BST = 00:30 UTC.
//! - **Skipped time (spring gap)**: the time is read with the offset in force
//!   *before* the jump. Europe/London 2025-03-30 01:30 never happens on a
//!   clock; it is read as 01:30 GMT = 01:30 UTC (the instant a clock shows as
//!   02:30 BST).
//!
//! A correctly set clock never shows a gap time; the rule only gives a
//! sensible instant when a device's clock was changed late. In the folded
//! hour, two events an hour apart can share a wall-clock time and both read
//! as the earlier instant: latest-wins then falls back to file and line.
//!
//! # AtHoc date-time values
//!
//! AtHoc stores a date-time attribute as text in the organization's format
//! (by default `dd/MM/yyyy HH:mm:ss`, naive local time). [`AthocDateFormat`]
//! reads and writes that text from a .NET-style custom pattern.
//!
//! Invariant: nothing here reads the clock or the machine's zone; the zone
//! and `now` are always arguments.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset,
    TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// What can go wrong with AtHoc date-time patterns and values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The configured pattern itself cannot be used.
    #[error("the AtHoc date-time format '{pattern}' cannot be used: {reason}")]
    BadPattern { pattern: String, reason: String },
    /// A value does not match the pattern.
    #[error(
        "'{value}' is not a date-time in the AtHoc format '{pattern}': {reason}; \
         check that the configured AtHoc date-time format matches your organization's"
    )]
    BadValue {
        value: String,
        pattern: String,
        reason: String,
    },
}

/// Reads a BOBO wall-clock time of `tz` as an instant, following the
/// module's daylight-saving rule (fold → earlier instant; gap → offset in
/// force before the jump).
pub fn local_to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _later) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            let offset = offset_before_gap(local, tz);
            // `local - offset` is the UTC reading of `local` at that offset.
            (local - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
        }
    }
}

/// The offset in force just before the gap that swallows `local`: found by
/// stepping back on the wall clock until a time exists again. Real gaps are
/// at most a day long (Samoa, 2011), so two days of hourly steps suffice.
fn offset_before_gap(local: NaiveDateTime, tz: Tz) -> FixedOffset {
    for hours in 1..=48 {
        let earlier = local - Duration::hours(hours);
        match tz.from_local_datetime(&earlier) {
            LocalResult::Single(at) => return at.offset().fix(),
            // The later reading of a fold is the offset closer to the gap.
            LocalResult::Ambiguous(_, later) => return later.offset().fix(),
            LocalResult::None => continue,
        }
    }
    // Unreachable with real zone data; fall back to the offset at the same
    // reading taken as UTC rather than panic.
    tz.offset_from_utc_datetime(&local).fix()
}

/// The wall-clock time of `tz` at instant `at`.
pub fn utc_to_local(at: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

/// One piece of an AtHoc date-time pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// `d` / `dd`; `true` = zero-padded to two digits.
    Day(bool),
    /// `M` / `MM`.
    Month(bool),
    /// `yyyy`.
    Year4,
    /// `yy`: 00–49 → 2000–2049, 50–99 → 1950–1999 (the .NET default window).
    Year2,
    /// `H` / `HH`: 0–23.
    Hour24(bool),
    /// `h` / `hh`: 1–12, needs `tt`.
    Hour12(bool),
    /// `m` / `mm`.
    Minute(bool),
    /// `s` / `ss`.
    Second(bool),
    /// `tt`: `AM` / `PM`.
    AmPm,
    /// Text copied as is: separators, quoted or escaped text.
    Literal(String),
}

/// The AtHoc organization's date-time format, from a .NET-style custom
/// pattern such as `dd/MM/yyyy HH:mm:ss` (the default) or
/// `M/d/yyyy h:mm:ss tt`.
///
/// Supported: `d dd M MM yy yyyy H HH h hh m mm s ss tt`, `'quoted'` and
/// `"quoted"` literals, `\x` escapes; any other character (`/`, `:`, `-`,
/// space, `T`, …) is a literal. `/` and `:` are taken literally, not as the
/// culture's separators. Month and day names, fractions of a second and
/// offsets are refused when the pattern is parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AthocDateFormat {
    pattern: String,
    tokens: Vec<Token>,
}

/// The format the Python tool wrote.
pub const DEFAULT_ATHOC_DATE_FORMAT: &str = "dd/MM/yyyy HH:mm:ss";

impl Default for AthocDateFormat {
    fn default() -> Self {
        Self {
            pattern: DEFAULT_ATHOC_DATE_FORMAT.to_owned(),
            tokens: vec![
                Token::Day(true),
                Token::Literal("/".into()),
                Token::Month(true),
                Token::Literal("/".into()),
                Token::Year4,
                Token::Literal(" ".into()),
                Token::Hour24(true),
                Token::Literal(":".into()),
                Token::Minute(true),
                Token::Literal(":".into()),
                Token::Second(true),
            ],
        }
    }
}

impl AthocDateFormat {
    /// Reads a .NET-style custom pattern. The pattern must contain a year,
    /// a month and a day; hour, minute and second default to 0 when absent;
    /// `h`/`hh` require `tt`.
    pub fn parse(pattern: &str) -> Result<Self, TimeError> {
        let bad = |reason: String| TimeError::BadPattern {
            pattern: pattern.to_owned(),
            reason,
        };
        let tokens = tokenize(pattern).map_err(bad)?;
        check_fields(&tokens).map_err(bad)?;
        Ok(Self {
            pattern: pattern.to_owned(),
            tokens,
        })
    }

    /// The pattern as configured.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Writes `value` in this format.
    pub fn format(&self, value: NaiveDateTime) -> String {
        let mut out = String::new();
        let two = |out: &mut String, n: u32, padded: bool| {
            if padded {
                out.push_str(&format!("{n:02}"));
            } else {
                out.push_str(&n.to_string());
            }
        };
        for token in &self.tokens {
            match token {
                Token::Day(p) => two(&mut out, value.day(), *p),
                Token::Month(p) => two(&mut out, value.month(), *p),
                Token::Year4 => out.push_str(&format!("{:04}", value.year())),
                Token::Year2 => out.push_str(&format!("{:02}", value.year().rem_euclid(100))),
                Token::Hour24(p) => two(&mut out, value.hour(), *p),
                Token::Hour12(p) => two(&mut out, value.hour12().1, *p),
                Token::Minute(p) => two(&mut out, value.minute(), *p),
                Token::Second(p) => two(&mut out, value.second(), *p),
                Token::AmPm => out.push_str(if value.hour12().0 { "PM" } else { "AM" }),
                Token::Literal(text) => out.push_str(text),
            }
        }
        out
    }

    /// Reads a value written in this format (surrounding spaces ignored).
    /// Numbers may omit their leading zero (`7/6/2025` for `dd/MM/yyyy`);
    /// `AM`/`PM` are case-insensitive.
    pub fn parse_value(&self, value: &str) -> Result<NaiveDateTime, TimeError> {
        let bad = |reason: String| TimeError::BadValue {
            value: value.to_owned(),
            pattern: self.pattern.clone(),
            reason,
        };
        let fields = self.read_fields(value.trim()).map_err(bad)?;
        fields.to_datetime().map_err(bad)
    }

    /// True when `value`, written in this format, could be misread with day
    /// and month swapped: the pattern has both as numbers, the day is at
    /// most 12 and differs from the month. Field checks use it to say a
    /// sample value does not prove the day/month order.
    pub fn day_month_ambiguous(&self, value: NaiveDateTime) -> bool {
        let has_day = self.tokens.iter().any(|t| matches!(t, Token::Day(_)));
        let has_month = self.tokens.iter().any(|t| matches!(t, Token::Month(_)));
        has_day && has_month && value.day() <= 12 && value.day() != value.month()
    }

    fn read_fields(&self, text: &str) -> Result<Fields, String> {
        let mut fields = Fields::default();
        let mut rest = text;
        for token in &self.tokens {
            match token {
                Token::Literal(lit) => {
                    rest = rest
                        .strip_prefix(lit.as_str())
                        .ok_or_else(|| format!("expected '{lit}' at '{}'", preview(rest)))?;
                }
                Token::AmPm => {
                    let head = rest.get(..2).unwrap_or(rest);
                    fields.pm = Some(match head.to_ascii_uppercase().as_str() {
                        "AM" => false,
                        "PM" => true,
                        _ => return Err(format!("expected AM or PM at '{}'", preview(rest))),
                    });
                    rest = &rest[head.len()..];
                }
                Token::Year4 => {
                    let (n, tail) = take_digits(rest, 4, 4, "a four-digit year")?;
                    fields.year = Some(n as i32);
                    rest = tail;
                }
                Token::Year2 => {
                    let (n, tail) = take_digits(rest, 2, 2, "a two-digit year")?;
                    fields.year = Some(if n < 50 {
                        2000 + n as i32
                    } else {
                        1900 + n as i32
                    });
                    rest = tail;
                }
                Token::Day(_) => {
                    let (n, tail) = take_digits(rest, 1, 2, "a day of the month")?;
                    fields.day = Some(n);
                    rest = tail;
                }
                Token::Month(_) => {
                    let (n, tail) = take_digits(rest, 1, 2, "a month number")?;
                    fields.month = Some(n);
                    rest = tail;
                }
                Token::Hour24(_) | Token::Hour12(_) => {
                    let (n, tail) = take_digits(rest, 1, 2, "an hour")?;
                    fields.hour = n;
                    rest = tail;
                }
                Token::Minute(_) => {
                    let (n, tail) = take_digits(rest, 1, 2, "minutes")?;
                    fields.minute = n;
                    rest = tail;
                }
                Token::Second(_) => {
                    let (n, tail) = take_digits(rest, 1, 2, "seconds")?;
                    fields.second = n;
                    rest = tail;
                }
            }
        }
        if !rest.is_empty() {
            return Err(format!("unexpected text '{}' at the end", preview(rest)));
        }
        Ok(fields)
    }
}

impl fmt::Display for AthocDateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pattern)
    }
}

impl FromStr for AthocDateFormat {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for AthocDateFormat {
    type Error = TimeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<AthocDateFormat> for String {
    fn from(f: AthocDateFormat) -> Self {
        f.pattern
    }
}

/// The numbers read from a value, before they are checked as a date.
#[derive(Debug, Default)]
struct Fields {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    hour: u32,
    minute: u32,
    second: u32,
    /// `Some(true)` for PM when the pattern has `tt`.
    pm: Option<bool>,
}

impl Fields {
    fn to_datetime(&self) -> Result<NaiveDateTime, String> {
        // The pattern check guarantees year, month and day tokens exist.
        let (Some(year), Some(month), Some(day)) = (self.year, self.month, self.day) else {
            return Err("the value has no full date".into());
        };
        let date = NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| format!("there is no day {day} in month {month} of {year}"))?;
        let hour = match self.pm {
            None => self.hour,
            Some(pm) => {
                if !(1..=12).contains(&self.hour) {
                    return Err(format!(
                        "hour {} is not a 12-hour clock hour (1–12)",
                        self.hour
                    ));
                }
                (self.hour % 12) + if pm { 12 } else { 0 }
            }
        };
        date.and_hms_opt(hour, self.minute, self.second)
            .ok_or_else(|| {
                format!(
                    "{:02}:{:02}:{:02} is not a time of day",
                    hour, self.minute, self.second
                )
            })
    }
}

/// Reads `min..=max` ASCII digits from the front of `text`.
fn take_digits<'t>(
    text: &'t str,
    min: usize,
    max: usize,
    what: &str,
) -> Result<(u32, &'t str), String> {
    let len = text
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if len < min {
        return Err(format!("expected {what} at '{}'", preview(text)));
    }
    let (digits, rest) = text.split_at(len);
    // At most four ASCII digits: always fits in u32.
    let n = digits.parse::<u32>().map_err(|e| format!("{what}: {e}"))?;
    Ok((n, rest))
}

/// The start of `text` for an error message (or "the end" when empty).
fn preview(text: &str) -> String {
    if text.is_empty() {
        return "the end of the value".into();
    }
    text.chars().take(12).collect()
}

fn tokenize(pattern: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                let close = chars[i + 1..].iter().position(|&q| q == c).ok_or_else(|| {
                    format!("the quote {c} at position {} is never closed", i + 1)
                })?;
                literal.extend(&chars[i + 1..i + 1 + close]);
                i += close + 2;
            }
            '\\' => {
                let next = chars
                    .get(i + 1)
                    .ok_or_else(|| "the pattern ends with a lone '\\'".to_string())?;
                literal.push(*next);
                i += 2;
            }
            'd' | 'M' | 'y' | 'H' | 'h' | 'm' | 's' | 't' => {
                let run = chars[i..].iter().take_while(|&&x| x == c).count();
                let run_text: String = chars[i..i + run].iter().collect();
                let token = match (c, run) {
                    ('d', 1 | 2) => Token::Day(run == 2),
                    ('M', 1 | 2) => Token::Month(run == 2),
                    ('y', 4) => Token::Year4,
                    ('y', 2) => Token::Year2,
                    ('H', 1 | 2) => Token::Hour24(run == 2),
                    ('h', 1 | 2) => Token::Hour12(run == 2),
                    ('m', 1 | 2) => Token::Minute(run == 2),
                    ('s', 1 | 2) => Token::Second(run == 2),
                    ('t', 2) => Token::AmPm,
                    _ => {
                        return Err(format!(
                            "'{run_text}' is not supported; use dd or d, MM or M, yyyy or yy, \
                             HH, H, hh, h, mm, ss, tt, and quote any literal text"
                        ))
                    }
                };
                if !literal.is_empty() {
                    tokens.push(Token::Literal(std::mem::take(&mut literal)));
                }
                tokens.push(token);
                i += run;
            }
            'f' | 'F' | 'g' | 'K' | 'z' => {
                return Err(format!(
                    "'{c}' (fractions of a second, era or offset) is not supported; \
                     AtHoc date-time values are whole seconds of local time"
                ))
            }
            _ => {
                literal.push(c);
                i += 1;
            }
        }
    }
    if !literal.is_empty() {
        tokens.push(Token::Literal(literal));
    }
    Ok(tokens)
}

fn check_fields(tokens: &[Token]) -> Result<(), String> {
    let count = |f: fn(&Token) -> bool| tokens.iter().filter(|t| f(t)).count();
    let checks: [(&str, usize); 7] = [
        ("day (dd)", count(|t| matches!(t, Token::Day(_)))),
        ("month (MM)", count(|t| matches!(t, Token::Month(_)))),
        (
            "year (yyyy)",
            count(|t| matches!(t, Token::Year4 | Token::Year2)),
        ),
        (
            "hour (HH)",
            count(|t| matches!(t, Token::Hour24(_) | Token::Hour12(_))),
        ),
        ("minutes (mm)", count(|t| matches!(t, Token::Minute(_)))),
        ("seconds (ss)", count(|t| matches!(t, Token::Second(_)))),
        ("AM/PM (tt)", count(|t| matches!(t, Token::AmPm))),
    ];
    for (name, n) in checks.iter().take(3) {
        if *n == 0 {
            return Err(format!("it has no {name}"));
        }
    }
    for (name, n) in &checks {
        if *n > 1 {
            return Err(format!("it has the {name} more than once"));
        }
    }
    let twelve = count(|t| matches!(t, Token::Hour12(_))) > 0;
    let am_pm = checks[6].1 > 0;
    if twelve && !am_pm {
        return Err("12-hour hours (hh) need an AM/PM marker (tt); use HH for 24-hour".into());
    }
    if am_pm && !twelve {
        return Err("AM/PM (tt) needs 12-hour hours (hh), not HH".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
