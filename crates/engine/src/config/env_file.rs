//! The Python tool's `.env` file → [`RawSettings`], with python-dotenv's
//! precedence: a variable already set in the process environment wins over
//! the file, except `USERNAME` (Windows always sets it to the desktop login,
//! so it is only ever read from the file, as the old name of `APIUSER`).
//! The process environment is never modified.
//!
//! dotenvy reads unquoted values more strictly than python-dotenv (it stops
//! at a space and expands `$NAME`), so unquoted values are first rewritten
//! into the double-quoted form meaning what python-dotenv reads: the rest of
//! the line up to a ` #` comment, taken literally except `${NAME}`. In
//! double-quoted values a bare `$` is escaped for the same reason.

use std::path::Path;

use super::host::Env;
use super::keys::{self, KEYS};
use super::raw::{KeyStyle, Origin, RawSettings};
use super::LoadError;

/// Reads the `.env` file at `path` and overlays `env`.
pub fn read_env_file(path: &Path, env: &dyn Env) -> Result<RawSettings, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_env_text(&text, path, env)
}

/// Parses `.env` text (`path` names it in errors) and overlays `env`.
/// Keys BoboSync does not know are ignored (and noted, for a warning); a key
/// given twice keeps its last value.
pub fn parse_env_text(text: &str, path: &Path, env: &dyn Env) -> Result<RawSettings, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = quote_unquoted_values(text);
    let text = text.as_str();
    let mut raw = RawSettings::new(KeyStyle::Env);
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((key, value)) => {
                if keys::by_env(&key).is_some() {
                    raw.insert(&key, value, Origin::File(path.to_path_buf()));
                } else {
                    raw.note_unknown(&key);
                }
            }
            Err(dotenvy::Error::LineParse(line, column)) => {
                return Err(syntax_error(text, path, &line, column))
            }
            // Reading from memory cannot fail with I/O; report anything else
            // without the line (it may hold a secret).
            Err(other) => {
                return Err(LoadError::Syntax {
                    path: path.to_path_buf(),
                    line: 0,
                    message: format!(
                        "the file cannot be read as a .env file ({})",
                        describe(&other)
                    ),
                })
            }
        }
    }
    for key in KEYS.iter().filter(|k| k.env != keys::USERNAME) {
        if let Some(value) = env.var(key.env).filter(|v| !v.trim().is_empty()) {
            raw.insert(key.env, value, Origin::Environment);
        }
    }
    Ok(raw)
}

/// Rewrites every unquoted value as a double-quoted one with python-dotenv's
/// meaning. Lines keep their numbers; quoted values (also multi-line ones)
/// are left to dotenvy.
fn quote_unquoted_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut open_quote: Option<char> = None;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        if let Some(q) = open_quote {
            if closes(body, q) {
                open_quote = None;
            }
            if q == '"' {
                out.push_str(&literal_dollars(body));
                out.push_str(ending);
            } else {
                out.push_str(line);
            }
            continue;
        }
        let trimmed = body.trim_start();
        let Some((key, value)) = body.split_once('=').filter(|_| !trimmed.starts_with('#')) else {
            out.push_str(line);
            continue;
        };
        let value = value.trim_start();
        if let Some(q) = value.chars().next().filter(|c| *c == '"' || *c == '\'') {
            if !closes(&value[1..], q) {
                open_quote = Some(q);
            }
            if q == '"' {
                out.push_str(&body[..body.len() - value.len()]);
                out.push_str(&literal_dollars(value));
                out.push_str(ending);
            } else {
                out.push_str(line);
            }
            continue;
        }
        let value = strip_comment(value).trim_end();
        out.push_str(key);
        out.push_str("=\"");
        let mut rest = value;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("${") {
                if let Some(end) = rest.find('}') {
                    out.push_str(&rest[..=end]);
                    rest = &rest[end + 1..];
                    continue;
                }
            }
            if matches!(c, '\\' | '"' | '$') {
                out.push('\\');
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        out.push('"');
        out.push_str(ending);
    }
    out
}

/// In a double-quoted value python-dotenv expands only `${NAME}`; dotenvy
/// would also expand a bare `$NAME` (and so mangle `"Pa$word"`, or copy a
/// secret into another key). Every `$` not starting `${` is escaped.
fn literal_dollars(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && !escaped && chars.peek() != Some(&'{') {
            out.push('\\');
        }
        escaped = c == '\\' && !escaped;
        out.push(c);
    }
    out
}

/// Whether `text` holds the closing quote `q` (a `"` escaped by `\` does not close).
fn closes(text: &str, q: char) -> bool {
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' && q == '"' {
            escaped = true;
        } else if c == q {
            return true;
        }
    }
    false
}

/// An unquoted value ends at whitespace followed by `#`.
fn strip_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for i in 1..bytes.len() {
        if bytes[i] == b'#' && bytes[i - 1].is_ascii_whitespace() {
            return &value[..i];
        }
    }
    value
}

/// A syntax error naming the line number and key, never the value.
/// dotenvy reports the offending line (or only its value) as text; the line
/// is found among the lines that start an entry — never a line inside a
/// multi-line quoted value, which may be part of a secret — and only a key
/// BoboSync knows is named (a fixed string, so no file text is ever shown).
fn syntax_error(text: &str, path: &Path, bad_value: &str, column: usize) -> LoadError {
    let first = bad_value.lines().next().unwrap_or("").trim();
    let entries = entry_lines(text);
    let value_of = |l: &str| l.split_once('=').map(|(_, v)| v.trim_start().to_owned());
    let found = entries.iter().find(|(_, l)| l.trim() == first).or_else(|| {
        entries.iter().find(|(_, l)| {
            !first.is_empty()
                && (l.trim_start().starts_with(first)
                    || value_of(l).is_some_and(|v| v.starts_with(first)))
        })
    });
    let line = found.map_or(0, |(number, _)| *number);
    let key = found
        .and_then(|(_, l)| l.split_once('='))
        .map(|(key, _)| key.trim())
        .map(|key| key.strip_prefix("export ").unwrap_or(key).trim())
        .and_then(keys::by_env)
        .map(|k| k.env);
    let message = match key {
        Some(key) => format!(
            "the value of {key} cannot be read (at character {column}); check its quotes (a value in \"...\" \
             or '...' must end with the same quote)"
        ),
        None => format!(
            "the line cannot be read as KEY=value (at character {column}); check that it has an '=' and \
             that its quotes are closed (the line is not shown: it may hold a secret)"
        ),
    };
    LoadError::Syntax {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// The lines of `text` that start an entry (1-based number, text): every
/// line except those continuing a quoted value opened on an earlier line,
/// tracked as [`quote_unquoted_values`] tracks them.
fn entry_lines(text: &str) -> Vec<(usize, &str)> {
    let mut entries = Vec::new();
    let mut open_quote: Option<char> = None;
    for (index, line) in text.lines().enumerate() {
        if let Some(q) = open_quote {
            if closes(line, q) {
                open_quote = None;
            }
            continue;
        }
        entries.push((index + 1, line));
        if line.trim_start().starts_with('#') {
            continue;
        }
        if let Some((_, value)) = line.split_once('=') {
            let value = value.trim_start();
            if let Some(q) = value.chars().next().filter(|c| *c == '"' || *c == '\'') {
                if !closes(&value[1..], q) {
                    open_quote = Some(q);
                }
            }
        }
    }
    entries
}

fn describe(error: &dotenvy::Error) -> &'static str {
    match error {
        dotenvy::Error::Io(_) => "read error",
        dotenvy::Error::EnvVar(_) => "a substituted variable is not valid text",
        _ => "unsupported syntax",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(text: &str, env: &[(&str, &str)]) -> Result<RawSettings, LoadError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        parse_env_text(text, Path::new("/x/.env"), &env)
    }

    #[test]
    fn bom_comments_quotes_and_unknown_keys() {
        let raw = parse(
            "\u{feff}# c\nORG_CODE=ORG1\nSCOPE=\"a b\"\nOTHER=1\nCLIENT_ID='id $x'\n",
            &[],
        )
        .unwrap();
        assert_eq!(raw.get("ORG_CODE"), Some("ORG1"));
        assert_eq!(raw.get("SCOPE"), Some("a b"));
        assert_eq!(raw.get("CLIENT_ID"), Some("id $x"));
        assert_eq!(raw.get("OTHER"), None);
    }

    #[test]
    fn environment_overrides_except_username() {
        let raw = parse(
            "ORG_CODE=FILE\nUSERNAME=svc\nLOG_LEVEL=INFO\n",
            &[
                ("ORG_CODE", "ENV"),
                ("USERNAME", "desktop.user"),
                ("LOG_LEVEL", ""),
                ("SYNC_HOUR", "5"),
            ],
        )
        .unwrap();
        assert_eq!(raw.get("ORG_CODE"), Some("ENV"));
        assert_eq!(raw.entry("ORG_CODE").unwrap().origin, Origin::Environment);
        assert_eq!(raw.get("USERNAME"), Some("svc"));
        assert_eq!(raw.get("LOG_LEVEL"), Some("INFO"));
        assert_eq!(raw.get("SYNC_HOUR"), Some("5"));
    }

    #[test]
    fn unquoted_values_read_as_python_dotenv_reads_them() {
        let raw = parse(
            "SCOPE=openid profile athoc.iws.web.api  # the scopes\nPASSWORD=Pa$$w0rd#1 \\x\"y\nORG_CODE=${CLIENT_ID}-x\nCLIENT_ID=\"multi\nline\"\nLOG_LEVEL=DEBUG\r\n",
            &[],
        )
        .unwrap();
        assert_eq!(raw.get("SCOPE"), Some("openid profile athoc.iws.web.api"));
        assert_eq!(raw.entry("PASSWORD").unwrap().text, "Pa$$w0rd#1 \\x\"y");
        assert_eq!(raw.get("CLIENT_ID"), Some("multi\nline"));
        assert_eq!(raw.get("LOG_LEVEL"), Some("DEBUG"));
    }

    /// Found by fuzzing (`fuzz/corpus/env_file/leak_multiline_secret_key.env`):
    /// the second line of a multi-line password looked like `KEY=value`, and
    /// the syntax error of a later line named it as the key.
    #[test]
    fn a_dollar_in_double_quotes_is_literal_as_in_python_dotenv() {
        let raw = parse(
            "CLIENT_ID=abc\nPASSWORD=\"Pa$word$CLIENT_ID\\$x\"\nORG_CODE=\"${CLIENT_ID}-$PASSWORD\"\nSCOPE=\"a\n$CLIENT_ID b\"\n",
            &[],
        )
        .unwrap();
        assert_eq!(raw.entry("PASSWORD").unwrap().text, "Pa$word$CLIENT_ID$x");
        assert_eq!(raw.get("ORG_CODE"), Some("abc-$PASSWORD"));
        assert_eq!(raw.get("SCOPE"), Some("a\n$CLIENT_ID b"));
    }

    #[test]
    fn syntax_error_never_names_a_line_inside_a_quoted_secret() {
        let err = parse("PASSWORD=\"Secret-1\nSecret-2=x\"\nC\n", &[]).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("Secret"), "{text}");
        assert!(text.contains("line 3"), "{text}");
        let err = parse("PASSWORD=\"Secret-1\nSecret-2=x\"\nCLIENT_ID=\"open\n", &[]).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("Secret"), "{text}");
        assert!(
            text.contains("line 3") && text.contains("CLIENT_ID"),
            "{text}"
        );
    }

    #[test]
    fn syntax_error_names_line_and_key_but_not_value() {
        let err = parse("ORG_CODE=a\nPASSWORD=\"unterminated secret\n", &[]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("PASSWORD"), "{text}");
        assert!(!text.contains("unterminated secret"), "{text}");
    }
}
