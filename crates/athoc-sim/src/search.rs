//! `GET users/search/basic` (athoc-api.md §2): query parsing, `Criteria`, paging, reply shape.
//!
//! Invariant: pure. Empty values are sent as `""` for users at an even position in the
//! directory and omitted for users at an odd position, so clients must handle both.

use serde_json::{Map, Value};

use crate::config::OffsetMode;
use crate::users::Directory;

/// `Limit` used when the request has none.
pub const DEFAULT_LIMIT: usize = 100;

/// Why a search request was refused with 400 `{"Message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// A numeric parameter is not a non-negative integer (or `Limit` is 0).
    #[error("The request is invalid. Parameter '{name}' has an invalid value '{value}'.")]
    BadNumber {
        /// Parameter name as sent.
        name: String,
        /// Value as sent.
        value: String,
    },
    /// `Criteria` is not of the only supported form `<Attribute> pr`.
    #[error("The request is invalid. Unsupported Criteria '{0}' (this server supports only '<Attribute> pr').")]
    BadCriteria(String),
}

/// A parsed search request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchQuery {
    fields: Vec<String>,
    limit: usize,
    offset: usize,
    present: Option<String>,
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a (String, String)> {
    params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))
}

fn number(
    params: &[(String, String)],
    name: &str,
    default: usize,
    min: usize,
) -> Result<usize, SearchError> {
    match param(params, name) {
        None => Ok(default),
        Some((k, v)) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= min)
            .ok_or_else(|| SearchError::BadNumber {
                name: k.clone(),
                value: v.clone(),
            }),
    }
}

/// Parses the query parameters; names are matched case-insensitively.
pub(crate) fn parse_query(params: &[(String, String)]) -> Result<SearchQuery, SearchError> {
    let fields = param(params, "Fields")
        .map(|(_, v)| {
            v.split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let present = match param(params, "Criteria")
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(criteria) => match criteria.split_whitespace().collect::<Vec<_>>()[..] {
            [attr, op] if op.eq_ignore_ascii_case("pr") => Some(attr.to_owned()),
            _ => return Err(SearchError::BadCriteria(criteria.to_owned())),
        },
    };
    Ok(SearchQuery {
        fields,
        limit: number(params, "Limit", DEFAULT_LIMIT, 1)?,
        offset: number(params, "Offset", 0, 0)?,
        present,
    })
}

/// Builds the reply `{"TotalUsers", "FetchedRecords", "Users"}`.
pub(crate) fn search(
    dir: &Directory,
    q: &SearchQuery,
    mode: OffsetMode,
    cap: Option<usize>,
) -> Value {
    let matching: Vec<(usize, &crate::SimUser)> = dir
        .all()
        .iter()
        .enumerate()
        .filter(|(_, u)| match &q.present {
            Some(attr) => u.attributes.get(attr).is_some_and(|v| !v.is_empty()),
            None => true,
        })
        .collect();
    let limit = cap.map_or(q.limit, |c| q.limit.min(c.max(1)));
    let skip = match mode {
        OffsetMode::Page => q.offset.saturating_mul(limit),
        OffsetMode::Record => q.offset,
    };
    let users: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(limit)
        .map(|(position, user)| {
            let mut obj = Map::new();
            obj.insert("LOGIN_ID".to_owned(), Value::from(user.login.clone()));
            for field in q.fields.iter().filter(|f| f.as_str() != "LOGIN_ID") {
                if field == "USER_ID" {
                    obj.insert(
                        field.clone(),
                        dir.id_of(&user.login).map_or(Value::Null, Value::from),
                    );
                    continue;
                }
                match user.attributes.get(field).filter(|v| !v.is_empty()) {
                    Some(v) => {
                        obj.insert(field.clone(), Value::from(v.clone()));
                    }
                    None if position % 2 == 0 => {
                        obj.insert(field.clone(), Value::from(""));
                    }
                    None => {}
                }
            }
            Value::Object(obj)
        })
        .collect();
    serde_json::json!({
        "TotalUsers": matching.len(),
        "FetchedRecords": users.len(),
        "Users": users,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::generate_users;
    use rstest::rstest;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn logins(reply: &Value) -> Vec<String> {
        reply["Users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["LOGIN_ID"].as_str().unwrap().to_owned())
            .collect()
    }

    #[rstest]
    #[case(OffsetMode::Page, None, "3", "1", 3, 3)]
    #[case(OffsetMode::Record, None, "3", "1", 3, 1)]
    #[case(OffsetMode::Page, Some(2), "3", "1", 2, 2)]
    #[case(OffsetMode::Record, Some(2), "3", "1", 2, 1)]
    #[case(OffsetMode::Page, None, "3", "3", 1, 9)]
    #[case(OffsetMode::Page, None, "3", "4", 0, 0)]
    fn paging(
        #[case] mode: OffsetMode,
        #[case] cap: Option<usize>,
        #[case] limit: &str,
        #[case] offset: &str,
        #[case] fetched: usize,
        #[case] first_index: usize,
    ) {
        let dir = Directory::new(generate_users(10));
        let q = parse_query(&params(&[("limit", limit), ("OFFSET", offset)])).unwrap();
        let reply = search(&dir, &q, mode, cap);
        assert_eq!(reply["TotalUsers"], 10);
        assert_eq!(reply["FetchedRecords"], fetched);
        let got = logins(&reply);
        assert_eq!(got.len(), fetched);
        if let Some(first) = got.first() {
            assert_eq!(first, &format!("user{:05}@force.example", first_index + 1));
        }
    }

    #[test]
    fn empty_values_are_blank_or_missing_by_position_and_criteria_filters() {
        let mut users = generate_users(4);
        users[2]
            .attributes
            .insert("On-Duty-DTG".into(), "22/10/2025 07:41:42".into());
        users[3]
            .attributes
            .insert("On-Duty-DTG".into(), String::new());
        let dir = Directory::new(users);
        let q = parse_query(&params(&[("Fields", "Collar-Number,On-Duty-DTG")])).unwrap();
        let reply = search(&dir, &q, OffsetMode::Page, None);
        let u = &reply["Users"];
        assert_eq!(u[0]["On-Duty-DTG"], "");
        assert!(u[1].get("On-Duty-DTG").is_none());
        assert_eq!(u[2]["On-Duty-DTG"], "22/10/2025 07:41:42");
        assert!(u[3].get("On-Duty-DTG").is_none());
        assert_eq!(u[1]["Collar-Number"], "00002");
        let q = parse_query(&params(&[("criteria", "On-Duty-DTG pr")])).unwrap();
        let reply = search(&dir, &q, OffsetMode::Page, None);
        assert_eq!(reply["TotalUsers"], 1);
        assert_eq!(logins(&reply), ["user00003@force.example"]);
    }

    #[rstest]
    #[case("Criteria", "On-Duty-DTG lt '21/10/2025 07:00:00'")]
    #[case("Criteria", "pr")]
    #[case("Limit", "0")]
    #[case("Limit", "ten")]
    #[case("Offset", "-1")]
    fn bad_requests(#[case] name: &str, #[case] value: &str) {
        assert!(parse_query(&params(&[(name, value)])).is_err());
    }
}
