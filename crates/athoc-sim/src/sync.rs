//! `POST users/SyncByCommonNames` (athoc-api.md §3–§4): flags, per-record checks, applying
//! values, and the per-record `:SyncStatus` / `:SyncDetails` / `USER_ID` reply.
//!
//! Invariant: pure; mutates only the [`Directory`] it is given.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::config::SimConfig;
use crate::dates::DatePattern;
use crate::users::{Directory, SimUser};

/// Why a whole sync request was refused with 400 `{"Message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// A boolean query parameter is neither `true` nor `false` (any case).
    #[error("The request is invalid. Parameter '{name}' must be true or false, got '{value}'.")]
    BadFlag {
        /// Parameter name as sent.
        name: String,
        /// Value as sent.
        value: String,
    },
    /// The body is not valid JSON.
    #[error("The request is invalid. The body is not valid JSON: {0}")]
    BadJson(String),
    /// The body is JSON but not an array.
    #[error("The request is invalid. The body must be a JSON array of user records.")]
    NotAnArray,
}

/// The query flags of a sync call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyncFlags {
    /// `syncExistingUsersOnly`: when false, unknown logins are created.
    pub(crate) existing_only: bool,
    /// `AllowPartialUpdate`: when true, a record with some bad values applies the good ones.
    pub(crate) allow_partial: bool,
}

fn flag(params: &[(String, String)], name: &str) -> Result<bool, SyncError> {
    match params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
        None => Ok(false),
        Some((_, v)) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some((_, v)) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some((k, v)) => Err(SyncError::BadFlag {
            name: k.clone(),
            value: v.clone(),
        }),
    }
}

/// Parses `syncExistingUsersOnly` and `AllowPartialUpdate` (names and values case-insensitive).
pub(crate) fn parse_flags(params: &[(String, String)]) -> Result<SyncFlags, SyncError> {
    Ok(SyncFlags {
        existing_only: flag(params, "syncExistingUsersOnly")?,
        allow_partial: flag(params, "AllowPartialUpdate")?,
    })
}

/// Everything a sync call needs besides the directory.
pub(crate) struct SyncContext<'a> {
    pub(crate) config: &'a SimConfig,
    pub(crate) rejections: &'a HashMap<String, String>,
    pub(crate) flags: SyncFlags,
}

/// Applies a sync body and returns the reply array (HTTP 200).
pub(crate) fn sync(
    dir: &mut Directory,
    body: &[u8],
    ctx: &SyncContext<'_>,
) -> Result<Value, SyncError> {
    let parsed: Value =
        serde_json::from_slice(body).map_err(|e| SyncError::BadJson(e.to_string()))?;
    let Value::Array(records) = parsed else {
        return Err(SyncError::NotAnArray);
    };
    let pattern = DatePattern::compile(&ctx.config.date_format);
    let replies = records
        .into_iter()
        .enumerate()
        .map(|(index, record)| match record {
            Value::Object(obj) => sync_record(dir, obj, ctx, &pattern),
            other => {
                let mut obj = Map::new();
                obj.insert(":Record".to_owned(), other);
                finish(
                    obj,
                    "Error",
                    format!("Record {index} is not a JSON object"),
                    None,
                )
            }
        })
        .collect();
    Ok(Value::Array(replies))
}

fn finish(mut obj: Map<String, Value>, status: &str, details: String, id: Option<u64>) -> Value {
    obj.insert(":SyncStatus".to_owned(), Value::from(status));
    obj.insert(":SyncDetails".to_owned(), Value::from(details));
    obj.insert("USER_ID".to_owned(), id.map_or(Value::Null, Value::from));
    Value::Object(obj)
}

fn sync_record(
    dir: &mut Directory,
    obj: Map<String, Value>,
    ctx: &SyncContext<'_>,
    pattern: &Result<DatePattern, crate::dates::DateError>,
) -> Value {
    let login = match obj.get("LOGIN_ID") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return finish(
                obj,
                "Error",
                "LOGIN_ID is required and must be a non-empty string".to_owned(),
                None,
            )
        }
    };
    let exists = dir.get(&login).is_some();
    if !exists && ctx.flags.existing_only {
        return finish(
            obj,
            "Error",
            format!("User: {login} does not exists in the Organization"),
            None,
        );
    }
    if let Some(details) = ctx.rejections.get(&login) {
        let id = dir.id_of(&login);
        return finish(obj, "Error", details.clone(), id);
    }
    let mut good: Vec<(String, String)> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for (name, value) in obj
        .iter()
        .filter(|(k, _)| k.as_str() != "LOGIN_ID" && k.as_str() != "USER_ID" && !k.starts_with(':'))
    {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Array(_) | Value::Object(_) => {
                problems.push(format!("Attribute '{name}': value must be a string"));
                continue;
            }
        };
        if !text.is_empty() && ctx.config.datetime_attributes.iter().any(|a| a == name) {
            let check = pattern
                .as_ref()
                .map_err(|e| e.to_string())
                .and_then(|p| p.parse(&text).map_err(|e| e.to_string()));
            if let Err(reason) = check {
                problems.push(format!(
                    "Attribute '{name}': invalid date-time value '{text}'; the organization's format is '{}' ({reason})",
                    ctx.config.date_format
                ));
                continue;
            }
        }
        good.push((name.clone(), text));
    }
    if !problems.is_empty() && (!ctx.flags.allow_partial || good.is_empty()) {
        let id = dir.id_of(&login);
        return finish(obj, "Error", problems.join("; "), id);
    }
    if !exists {
        dir.upsert(SimUser::new(login.clone()));
    }
    for (name, value) in &good {
        dir.set_attribute(&login, name, value);
    }
    let id = dir.id_of(&login);
    match (problems.is_empty(), exists) {
        (true, true) => finish(obj, "OK", "Updated".to_owned(), id),
        (true, false) => finish(obj, "OK", "Created".to_owned(), id),
        (false, _) => finish(obj, "Partial", problems.join("; "), id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::generate_users;
    use serde_json::json;

    const U1: &str = "user00001@force.example";
    const U2: &str = "user00002@force.example";

    fn run(
        dir: &mut Directory,
        body: Value,
        allow_partial: bool,
        rejections: &HashMap<String, String>,
    ) -> Vec<Value> {
        let config = SimConfig::default();
        let ctx = SyncContext {
            config: &config,
            rejections,
            flags: SyncFlags {
                existing_only: true,
                allow_partial,
            },
        };
        let reply = sync(dir, body.to_string().as_bytes(), &ctx).unwrap();
        reply.as_array().unwrap().clone()
    }

    #[test]
    fn ok_unknown_and_missing_login_in_one_batch() {
        let mut dir = Directory::new(generate_users(2));
        let body = json!([
            {"LOGIN_ID": U1, "On-Duty-DTG": "22/10/2025 07:41:42"},
            {"LOGIN_ID": "ghost@force.example", "On-Duty-DTG": "22/10/2025 07:41:44"},
            {"On-Duty-DTG": "22/10/2025 07:41:44"},
            42
        ]);
        let r = run(&mut dir, body, false, &HashMap::new());
        assert_eq!(r[0][":SyncStatus"], "OK");
        assert_eq!(r[0][":SyncDetails"], "Updated");
        assert_eq!(r[0]["On-Duty-DTG"], "22/10/2025 07:41:42");
        assert!(r[0]["USER_ID"].is_u64());
        assert_eq!(r[1][":SyncStatus"], "Error");
        assert_eq!(
            r[1][":SyncDetails"],
            "User: ghost@force.example does not exists in the Organization"
        );
        assert_eq!(r[1]["USER_ID"], Value::Null);
        assert_eq!(r[2][":SyncStatus"], "Error");
        assert_eq!(r[3][":SyncStatus"], "Error");
        assert_eq!(
            dir.get(U1).unwrap().attributes["On-Duty-DTG"],
            "22/10/2025 07:41:42"
        );
        assert!(dir.get("ghost@force.example").is_none());
    }

    #[test]
    fn clearing_and_unnamed_attributes() {
        let mut dir = Directory::new(generate_users(2));
        dir.set_attribute(U1, "On-Duty-DTG", "22/10/2025 07:41:42");
        dir.set_attribute(U2, "On-Duty-DTG", "22/10/2025 07:41:42");
        let r = run(
            &mut dir,
            json!([{"LOGIN_ID": U1, "On-Duty-DTG": ""}, {"LOGIN_ID": U2, "On-Duty-DTG": null}]),
            false,
            &HashMap::new(),
        );
        assert!(r.iter().all(|x| x[":SyncStatus"] == "OK"));
        for login in [U1, U2] {
            let user = dir.get(login).unwrap();
            assert!(!user.attributes.contains_key("On-Duty-DTG"));
            assert_eq!(
                user.attributes["FIRSTNAME"],
                generate_users(2)[if login == U1 { 0 } else { 1 }].attributes["FIRSTNAME"]
            );
        }
    }

    #[test]
    fn bad_dates_and_rejections_are_per_record_errors() {
        let mut dir = Directory::new(generate_users(2));
        let rejections = HashMap::from([(U2.to_owned(), "Value rejected by policy".to_owned())]);
        let body = json!([
            {"LOGIN_ID": U1, "On-Duty-DTG": "2025-10-22 07:41:42", "FIRSTNAME": "Zed"},
            {"LOGIN_ID": U2, "On-Duty-DTG": "22/10/2025 07:41:42"}
        ]);
        let r = run(&mut dir, body.clone(), false, &rejections);
        assert_eq!(r[0][":SyncStatus"], "Error");
        let details = r[0][":SyncDetails"].as_str().unwrap();
        assert!(
            details.contains("On-Duty-DTG") && details.contains("dd/MM/yyyy HH:mm:ss"),
            "{details}"
        );
        assert_eq!(r[1][":SyncStatus"], "Error");
        assert_eq!(r[1][":SyncDetails"], "Value rejected by policy");
        assert_ne!(dir.get(U1).unwrap().attributes["FIRSTNAME"], "Zed");
        assert!(!dir.get(U2).unwrap().attributes.contains_key("On-Duty-DTG"));

        let r = run(&mut dir, body, true, &HashMap::new());
        assert_eq!(r[0][":SyncStatus"], "Partial");
        assert_eq!(dir.get(U1).unwrap().attributes["FIRSTNAME"], "Zed");
    }

    #[test]
    fn whole_request_errors_and_flags() {
        let mut dir = Directory::new(generate_users(1));
        let config = SimConfig::default();
        let none = HashMap::new();
        let ctx = SyncContext {
            config: &config,
            rejections: &none,
            flags: SyncFlags {
                existing_only: true,
                allow_partial: false,
            },
        };
        assert!(matches!(
            sync(&mut dir, b"{\"LOGIN_ID\":1}", &ctx),
            Err(SyncError::NotAnArray)
        ));
        assert!(matches!(
            sync(&mut dir, b"[{", &ctx),
            Err(SyncError::BadJson(_))
        ));
        let p = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        assert!(
            parse_flags(&p("SYNCEXISTINGUSERSONLY", "True"))
                .unwrap()
                .existing_only
        );
        assert!(
            parse_flags(&p("allowpartialupdate", "TRUE"))
                .unwrap()
                .allow_partial
        );
        assert!(
            !parse_flags(&p("syncExistingUsersOnly", "false"))
                .unwrap()
                .existing_only
        );
        assert!(parse_flags(&p("syncExistingUsersOnly", "yes")).is_err());
    }
}
