//! .NET-style date-time patterns (`dd/MM/yyyy HH:mm:ss` and friends): compile, parse, format.
//!
//! Invariant: pure; no clock reads. Only the specifiers AtHoc organizations plausibly use are
//! supported: `d dd M MM yy yyyy H HH h hh m mm s ss tt`, quoted literals and `\` escapes.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// Why a pattern could not be compiled or a value did not match it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The pattern uses a specifier this simulator does not implement.
    #[error(
        "date format {pattern:?}: unsupported specifier {spec:?} (supported: d dd M MM yy yyyy H HH h hh m mm s ss tt)"
    )]
    Unsupported {
        /// The whole pattern.
        pattern: String,
        /// The offending specifier.
        spec: String,
    },
    /// The pattern has an unterminated quoted literal.
    #[error("date format {pattern:?}: unterminated quote")]
    UnterminatedQuote {
        /// The whole pattern.
        pattern: String,
    },
    /// The value does not have the shape the pattern requires.
    #[error("value {value:?} does not match the date format {pattern:?}")]
    Mismatch {
        /// The value that failed.
        value: String,
        /// The pattern it was checked against.
        pattern: String,
    },
    /// The value has the right shape but is not a real date or time (e.g. 31/02).
    #[error("value {value:?} is not a valid date-time for the format {pattern:?}")]
    OutOfRange {
        /// The value that failed.
        value: String,
        /// The pattern it was checked against.
        pattern: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Day,
    Month,
    Year4,
    Year2,
    Hour24,
    Hour12,
    Minute,
    Second,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A numeric field; `padded` means exactly two (or four for years) digits.
    Num {
        field: Field,
        padded: bool,
    },
    AmPm,
    Literal(char),
}

/// A compiled .NET date-time pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatePattern {
    source: String,
    tokens: Vec<Token>,
}

impl DatePattern {
    /// Compiles `pattern`, rejecting specifiers that are not supported.
    pub fn compile(pattern: &str) -> Result<DatePattern, DateError> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let run = chars[i..].iter().take_while(|&&x| x == c).count();
            let unsupported = || DateError::Unsupported {
                pattern: pattern.to_owned(),
                spec: std::iter::repeat_n(c, run).collect(),
            };
            let (token, used) = match (c, run) {
                ('\'' | '"', _) => {
                    let end = chars[i + 1..].iter().position(|&x| x == c).ok_or_else(|| {
                        DateError::UnterminatedQuote {
                            pattern: pattern.to_owned(),
                        }
                    })?;
                    tokens.extend(chars[i + 1..i + 1 + end].iter().map(|&x| Token::Literal(x)));
                    i += end + 2;
                    continue;
                }
                ('\\', _) => match chars.get(i + 1) {
                    Some(&next) => (Token::Literal(next), 2),
                    None => (Token::Literal('\\'), 1),
                },
                ('d', 1 | 2) => (
                    Token::Num {
                        field: Field::Day,
                        padded: run == 2,
                    },
                    run,
                ),
                ('M', 1 | 2) => (
                    Token::Num {
                        field: Field::Month,
                        padded: run == 2,
                    },
                    run,
                ),
                ('y', 2) => (
                    Token::Num {
                        field: Field::Year2,
                        padded: true,
                    },
                    2,
                ),
                ('y', 4) => (
                    Token::Num {
                        field: Field::Year4,
                        padded: true,
                    },
                    4,
                ),
                ('H', 1 | 2) => (
                    Token::Num {
                        field: Field::Hour24,
                        padded: run == 2,
                    },
                    run,
                ),
                ('h', 1 | 2) => (
                    Token::Num {
                        field: Field::Hour12,
                        padded: run == 2,
                    },
                    run,
                ),
                ('m', 1 | 2) => (
                    Token::Num {
                        field: Field::Minute,
                        padded: run == 2,
                    },
                    run,
                ),
                ('s', 1 | 2) => (
                    Token::Num {
                        field: Field::Second,
                        padded: run == 2,
                    },
                    run,
                ),
                ('t', 2) => (Token::AmPm, 2),
                (
                    'd' | 'M' | 'y' | 'H' | 'h' | 'm' | 's' | 't' | 'f' | 'F' | 'g' | 'K' | 'z',
                    _,
                ) => return Err(unsupported()),
                _ => (Token::Literal(c), 1),
            };
            tokens.push(token);
            i += used;
        }
        Ok(DatePattern {
            source: pattern.to_owned(),
            tokens,
        })
    }

    /// The pattern text this was compiled from.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Parses `value` exactly (no surrounding spaces, every character accounted for).
    pub fn parse(&self, value: &str) -> Result<NaiveDateTime, DateError> {
        let mismatch = || DateError::Mismatch {
            value: value.to_owned(),
            pattern: self.source.clone(),
        };
        let chars: Vec<char> = value.chars().collect();
        let mut pos = 0;
        let (mut day, mut month, mut year) = (1u32, 1u32, 2000i32);
        let (mut hour, mut minute, mut second) = (0u32, 0u32, 0u32);
        let mut hour12: Option<u32> = None;
        let mut pm: Option<bool> = None;
        for token in &self.tokens {
            match token {
                Token::Literal(c) => {
                    if chars.get(pos) != Some(c) {
                        return Err(mismatch());
                    }
                    pos += 1;
                }
                Token::AmPm => {
                    let word: String = chars
                        .get(pos..pos + 2)
                        .ok_or_else(mismatch)?
                        .iter()
                        .collect();
                    pm = Some(match word.to_ascii_uppercase().as_str() {
                        "AM" => false,
                        "PM" => true,
                        _ => return Err(mismatch()),
                    });
                    pos += 2;
                }
                Token::Num { field, padded } => {
                    let (min, max) = match (field, padded) {
                        (Field::Year4, _) => (4, 4),
                        (_, true) => (2, 2),
                        (_, false) => (1, 2),
                    };
                    let digits = chars[pos..]
                        .iter()
                        .take(max)
                        .take_while(|c| c.is_ascii_digit())
                        .count();
                    if digits < min {
                        return Err(mismatch());
                    }
                    let text: String = chars[pos..pos + digits].iter().collect();
                    let n: u32 = text.parse().map_err(|_| mismatch())?;
                    pos += digits;
                    match field {
                        Field::Day => day = n,
                        Field::Month => month = n,
                        Field::Year4 => year = n as i32,
                        // .NET's default TwoDigitYearMax is 2049.
                        Field::Year2 => {
                            year = if n <= 49 {
                                2000 + n as i32
                            } else {
                                1900 + n as i32
                            }
                        }
                        Field::Hour24 => hour = n,
                        Field::Hour12 => hour12 = Some(n),
                        Field::Minute => minute = n,
                        Field::Second => second = n,
                    }
                }
            }
        }
        if pos != chars.len() {
            return Err(mismatch());
        }
        let out_of_range = || DateError::OutOfRange {
            value: value.to_owned(),
            pattern: self.source.clone(),
        };
        if let Some(h) = hour12 {
            if !(1..=12).contains(&h) {
                return Err(out_of_range());
            }
            hour = match pm {
                Some(true) => h % 12 + 12,
                _ => h % 12,
            };
        } else if let Some(is_pm) = pm {
            if is_pm && hour < 12 {
                hour += 12;
            }
        }
        NaiveDate::from_ymd_opt(year, month, day)
            .and_then(|d| d.and_hms_opt(hour, minute, second))
            .ok_or_else(out_of_range)
    }

    /// Formats `value` with this pattern.
    pub fn format(&self, value: &NaiveDateTime) -> String {
        let mut out = String::new();
        for token in &self.tokens {
            match token {
                Token::Literal(c) => out.push(*c),
                Token::AmPm => out.push_str(if value.hour() >= 12 { "PM" } else { "AM" }),
                Token::Num { field, padded } => {
                    let n = match field {
                        Field::Day => value.day(),
                        Field::Month => value.month(),
                        Field::Year4 => {
                            out.push_str(&format!("{:04}", value.year()));
                            continue;
                        }
                        Field::Year2 => value.year().rem_euclid(100) as u32,
                        Field::Hour24 => value.hour(),
                        Field::Hour12 => match value.hour() % 12 {
                            0 => 12,
                            h => h,
                        },
                        Field::Minute => value.minute(),
                        Field::Second => value.second(),
                    };
                    if *padded {
                        out.push_str(&format!("{n:02}"));
                    } else {
                        out.push_str(&n.to_string());
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn dt(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|x| x.and_hms_opt(h, mi, s))
            .unwrap()
    }

    #[rstest]
    #[case(
        "dd/MM/yyyy HH:mm:ss",
        "22/10/2025 07:41:42",
        dt(2025, 10, 22, 7, 41, 42)
    )]
    #[case(
        "MM/dd/yyyy HH:mm:ss",
        "10/22/2025 07:41:42",
        dt(2025, 10, 22, 7, 41, 42)
    )]
    #[case(
        "yyyy-MM-dd HH:mm:ss",
        "2025-10-22 07:41:42",
        dt(2025, 10, 22, 7, 41, 42)
    )]
    #[case("d/M/yy H:mm", "3/7/25 7:05", dt(2025, 7, 3, 7, 5, 0))]
    #[case("M/d/yyyy h:mm:ss tt", "7/3/2025 7:05:09 PM", dt(2025, 7, 3, 19, 5, 9))]
    #[case("M/d/yyyy hh:mm tt", "7/3/2025 12:05 am", dt(2025, 7, 3, 0, 5, 0))]
    #[case("yyyy'T'HH", "2025T13", dt(2025, 1, 1, 13, 0, 0))]
    fn parses(#[case] pattern: &str, #[case] value: &str, #[case] expect: NaiveDateTime) {
        let p = DatePattern::compile(pattern).unwrap();
        assert_eq!(p.parse(value), Ok(expect));
    }

    #[rstest]
    #[case("dd/MM/yyyy HH:mm:ss", "2025-10-22 07:41:42")]
    #[case("dd/MM/yyyy HH:mm:ss", "22/10/2025 07:41")]
    #[case("dd/MM/yyyy HH:mm:ss", "22/10/2025 07:41:42 ")]
    #[case("dd/MM/yyyy HH:mm:ss", "2/10/2025 07:41:42")]
    #[case("MM/dd/yyyy HH:mm:ss", "22/10/2025 07:41:42")]
    #[case("dd/MM/yyyy HH:mm:ss", "31/02/2025 07:41:42")]
    #[case("dd/MM/yyyy HH:mm:ss", "22/10/2025 24:00:00")]
    fn rejects(#[case] pattern: &str, #[case] value: &str) {
        let p = DatePattern::compile(pattern).unwrap();
        assert!(
            p.parse(value).is_err(),
            "{value} should not parse with {pattern}"
        );
    }

    #[rstest]
    #[case("dd/MM/yyyy HH:mm:ss.fff")]
    #[case("yyy-MM-dd")]
    #[case("dd/MM/yyyy zzz")]
    #[case("'open")]
    fn unsupported_patterns(#[case] pattern: &str) {
        assert!(DatePattern::compile(pattern).is_err());
    }

    #[rstest]
    #[case("dd/MM/yyyy HH:mm:ss", "03/07/2025 19:05:09")]
    #[case("M/d/yy h:mm tt", "7/3/25 7:05 PM")]
    fn formats(#[case] pattern: &str, #[case] expect: &str) {
        let p = DatePattern::compile(pattern).unwrap();
        let value = dt(2025, 7, 3, 19, 5, 9);
        assert_eq!(p.format(&value), expect);
        assert_eq!(p.format(&p.parse(expect).unwrap()), expect);
    }
}
