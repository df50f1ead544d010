//! User mappings: BOBO employee ID (the AtHoc collar number) → AtHoc login.
//!
//! Pure part: [`build_mappings`] turns the users AtHoc returned into
//! mappings (a collar number held by two or more users is reported, never
//! mapped to one of them at random) and [`diff_mappings`] compares them
//! with the stored ones, so a sync can be previewed and held for approval
//! before anything is written.
//!
//! Invariant: the pure part does no I/O and never decides to purge on its
//! own; whether a fetch was complete is the shell's question.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::event::{EmployeeId, Login};
use crate::plan::MassChangeGuard;

// ---------------------------------------------------------------------------
// Pure: build and diff.
// ---------------------------------------------------------------------------

/// The mappings built from one complete fetch of AtHoc's users.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingBuild {
    /// Collar numbers held by exactly one user.
    pub mappings: BTreeMap<EmployeeId, Login>,
    /// Collar numbers held by two or more users, with their logins
    /// (sorted); these are not mapped until AtHoc is corrected.
    pub duplicates: Vec<(EmployeeId, Vec<Login>)>,
    /// Users whose collar number is missing or blank.
    pub without_collar: usize,
}

/// Builds the mappings from `(login, collar number as AtHoc returned it)`.
/// Collar numbers are trimmed and otherwise kept as text (`00042` ≠ `42`).
/// The same login listed twice counts once.
pub fn build_mappings(users: &[(Login, Option<String>)]) -> MappingBuild {
    let mut holders: BTreeMap<EmployeeId, BTreeSet<&Login>> = BTreeMap::new();
    let mut without_collar = BTreeSet::new();
    for (login, collar) in users {
        match collar.as_deref().and_then(EmployeeId::new) {
            Some(employee) => {
                holders.entry(employee).or_default().insert(login);
            }
            None => {
                without_collar.insert(login);
            }
        }
    }
    let mut build = MappingBuild {
        without_collar: without_collar.len(),
        ..MappingBuild::default()
    };
    for (employee, logins) in holders {
        let mut logins: Vec<Login> = logins.into_iter().cloned().collect();
        if logins.len() == 1 {
            if let Some(login) = logins.pop() {
                build.mappings.insert(employee, login);
            }
        } else {
            build.duplicates.push((employee, logins));
        }
    }
    build
}

/// A collar number that now belongs to another login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingChange {
    pub employee: EmployeeId,
    pub from: Login,
    pub to: Login,
}

/// What a mapping sync would change. Every list is sorted by employee ID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingDiff {
    pub added: Vec<(EmployeeId, Login)>,
    pub changed: Vec<MappingChange>,
    pub removed: Vec<(EmployeeId, Login)>,
    pub unchanged: usize,
}

impl MappingDiff {
    /// True when nothing would change.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// Whether applying this diff needs an operator's approval: it would
    /// drop more existing mappings (removed, or re-pointed to another login)
    /// than `guard` allows out of `current_total`.
    pub fn needs_approval(&self, guard: MassChangeGuard, current_total: usize) -> bool {
        guard.requires_approval(self.removed.len() + self.changed.len(), current_total)
    }
}

/// Compares the stored mappings with the freshly built ones.
pub fn diff_mappings(
    current: &HashMap<EmployeeId, Login>,
    next: &BTreeMap<EmployeeId, Login>,
) -> MappingDiff {
    let mut diff = MappingDiff::default();
    for (employee, login) in next {
        match current.get(employee) {
            None => diff.added.push((employee.clone(), login.clone())),
            Some(old) if old == login => diff.unchanged += 1,
            Some(old) => diff.changed.push(MappingChange {
                employee: employee.clone(),
                from: old.clone(),
                to: login.clone(),
            }),
        }
    }
    let mut removed: Vec<(EmployeeId, Login)> = current
        .iter()
        .filter(|(employee, _)| !next.contains_key(*employee))
        .map(|(employee, login)| (employee.clone(), login.clone()))
        .collect();
    removed.sort();
    diff.removed = removed;
    diff
}

// ---------------------------------------------------------------------------
// Shell: the mapping sync (fetch users from AtHoc, refuse to purge after an
// incomplete fetch, build, diff, hold for approval, save). Reserved for the
// I/O half of this module.
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests;
