//! The simulated organization's users: the [`SimUser`] record, generation, and the directory
//! that keeps them in a stable order with stable numeric `USER_ID`s.

use std::collections::{BTreeMap, HashMap};

/// One AtHoc user: its login and its attribute values keyed by common name
/// (e.g. `Collar-Number`, `FIRSTNAME`, `LASTNAME`, `On-Duty-DTG`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SimUser {
    /// The `LOGIN_ID`, unique within the organization (matched exactly).
    pub login: String,
    /// Attribute values by common name; a missing key and `""` both mean "no value".
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

impl SimUser {
    /// A user with the given login and no attributes.
    pub fn new(login: impl Into<String>) -> SimUser {
        SimUser {
            login: login.into(),
            attributes: BTreeMap::new(),
        }
    }

    /// Builder-style: sets one attribute.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> SimUser {
        self.attributes.insert(name.into(), value.into());
        self
    }
}

const FIRST_NAMES: [&str; 16] = [
    "Alice", "Ben", "Chloe", "David", "Emma", "Farah", "George", "Hannah", "Imran", "Jane", "Kofi",
    "Laura", "Mohammed", "Nina", "Oliver", "Priya",
];
const LAST_NAMES: [&str; 13] = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans",
];

/// `n` deterministic users: login `user{i:05}@force.example`, `Collar-Number` `{i:05}`,
/// plausible `FIRSTNAME`/`LASTNAME`, for `i` in `1..=n`. No `On-Duty-DTG` value.
pub fn generate_users(n: usize) -> Vec<SimUser> {
    (1..=n)
        .map(|i| {
            SimUser::new(format!("user{i:05}@force.example"))
                .with("Collar-Number", format!("{i:05}"))
                .with("FIRSTNAME", FIRST_NAMES[i % FIRST_NAMES.len()])
                .with(
                    "LASTNAME",
                    LAST_NAMES[(i / FIRST_NAMES.len() + i) % LAST_NAMES.len()],
                )
        })
        .collect()
}

/// First numeric `USER_ID` handed out; real AtHoc IDs are large integers.
const FIRST_USER_ID: u64 = 2_060_001;

/// Users in a stable order (insertion order; an update keeps the position) with stable IDs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Directory {
    users: Vec<SimUser>,
    /// Where each login is in `users`: updates of thousands of users look
    /// each one up, which a scan would make quadratic.
    positions: HashMap<String, usize>,
    ids: HashMap<String, u64>,
    next_id: u64,
}

impl Directory {
    /// A directory holding `users`; a later duplicate login replaces the earlier one.
    pub(crate) fn new(users: Vec<SimUser>) -> Directory {
        let mut dir = Directory {
            users: Vec::new(),
            positions: HashMap::new(),
            ids: HashMap::new(),
            next_id: FIRST_USER_ID,
        };
        for user in users {
            dir.upsert(user);
        }
        dir
    }

    /// All users, in stable order.
    pub(crate) fn all(&self) -> &[SimUser] {
        &self.users
    }

    /// The user with exactly this login.
    pub(crate) fn get(&self, login: &str) -> Option<&SimUser> {
        self.positions.get(login).map(|&i| &self.users[i])
    }

    /// The numeric `USER_ID` of a login, if the user exists.
    pub(crate) fn id_of(&self, login: &str) -> Option<u64> {
        self.get(login)
            .and_then(|u| self.ids.get(&u.login).copied())
    }

    /// Inserts or replaces (keeping position and `USER_ID`).
    pub(crate) fn upsert(&mut self, user: SimUser) {
        if let Some(&i) = self.positions.get(&user.login) {
            self.users[i] = user;
            return;
        }
        if !self.ids.contains_key(&user.login) {
            self.ids.insert(user.login.clone(), self.next_id);
            self.next_id += 1;
        }
        self.positions.insert(user.login.clone(), self.users.len());
        self.users.push(user);
    }

    /// Removes a user; unknown logins are ignored.
    pub(crate) fn remove(&mut self, login: &str) {
        if self.positions.remove(login).is_none() {
            return;
        }
        self.users.retain(|u| u.login != login);
        for (i, user) in self.users.iter().enumerate() {
            self.positions.insert(user.login.clone(), i);
        }
    }

    /// Sets (or, with `""`, clears) one attribute; returns false when the login is unknown.
    pub(crate) fn set_attribute(&mut self, login: &str, name: &str, value: &str) -> bool {
        match self.positions.get(login).map(|&i| &mut self.users[i]) {
            Some(user) => {
                if value.is_empty() {
                    user.attributes.remove(name);
                } else {
                    user.attributes.insert(name.to_owned(), value.to_owned());
                }
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_users_are_deterministic_and_keep_leading_zeros() {
        let users = generate_users(3);
        assert_eq!(users, generate_users(3));
        assert_eq!(users[0].login, "user00001@force.example");
        assert_eq!(users[2].attributes["Collar-Number"], "00003");
        assert!(users.iter().all(|u| !u.attributes["FIRSTNAME"].is_empty()));
        assert!(users.iter().all(|u| !u.attributes["LASTNAME"].is_empty()));
    }

    #[test]
    fn directory_keeps_order_and_ids_across_updates() {
        let mut dir = Directory::new(generate_users(3));
        let id = dir.id_of("user00002@force.example");
        dir.upsert(SimUser::new("user00002@force.example").with("FIRSTNAME", "Zed"));
        assert_eq!(dir.all()[1].attributes["FIRSTNAME"], "Zed");
        assert_eq!(dir.id_of("user00002@force.example"), id);
        dir.remove("user00001@force.example");
        dir.upsert(SimUser::new("new@force.example"));
        let logins: Vec<_> = dir.all().iter().map(|u| u.login.as_str()).collect();
        assert_eq!(
            logins,
            [
                "user00002@force.example",
                "user00003@force.example",
                "new@force.example"
            ]
        );
        assert!(dir.set_attribute("new@force.example", "On-Duty-DTG", "x"));
        assert!(dir.set_attribute("new@force.example", "On-Duty-DTG", ""));
        assert!(dir
            .get("new@force.example")
            .is_some_and(|u| u.attributes.is_empty()));
        assert!(!dir.set_attribute("ghost", "A", "b"));
    }
}
