//! The Python tool's `.env` file → [`RawSettings`], with python-dotenv's
//! precedence: a variable already set in the process environment wins over
//! the file, except `USERNAME` (Windows always sets it to the desktop login,
//! so it is only ever read from the file, as the old name of `APIUSER`).
//! The process environment is never modified.

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
/// Keys BoboSync does not know are ignored; a key given twice keeps its last value.
pub fn parse_env_text(text: &str, path: &Path, env: &dyn Env) -> Result<RawSettings, LoadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut raw = RawSettings::new(KeyStyle::Env);
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((key, value)) => {
                if keys::by_env(&key).is_some() {
                    raw.insert(&key, value, Origin::File(path.to_path_buf()));
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

/// A syntax error naming the line number and key, never the value.
fn syntax_error(text: &str, path: &Path, bad_line: &str, column: usize) -> LoadError {
    let key = bad_line.split('=').next().unwrap_or("").trim();
    let key = key.strip_prefix("export ").unwrap_or(key).trim();
    let line = text
        .lines()
        .position(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
            !key.is_empty()
                && l.strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(0, |i| i + 1);
    LoadError::Syntax {
        path: path.to_path_buf(),
        line,
        message: format!(
            "the value of {key} cannot be read (at character {column}); put values with spaces, quotes, \\ or $ in \
             single quotes, e.g. {key}='...'"
        ),
    }
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
    fn syntax_error_names_line_and_key_but_not_value() {
        let err = parse("ORG_CODE=a\nPASSWORD=\"unterminated secret\n", &[]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("PASSWORD"), "{text}");
        assert!(!text.contains("unterminated secret"), "{text}");
    }
}
