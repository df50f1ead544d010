//! Mass changes waiting for an operator's approval (a mapping purge, a mass
//! clear of stale duty values): at most one pending per kind.

use std::fmt;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{parse_ts, sql, ts, Store, StoreError};

/// An approval's row ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApprovalId(pub i64);

impl fmt::Display for ApprovalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What needs approving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalKind {
    /// Clearing more stale duty values than the guard allows.
    MassClear,
    /// Deleting more mappings than the guard allows.
    MappingPurge,
}

impl ApprovalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalKind::MassClear => "mass_clear",
            ApprovalKind::MappingPurge => "mapping_purge",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [ApprovalKind::MassClear, ApprovalKind::MappingPurge]
            .into_iter()
            .find(|k| k.as_str() == code)
    }
}

/// Where an approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    Pending,
    Approved,
    Rejected,
    /// Approved and acted on ([`Store::take_approved`]).
    Used,
}

impl ApprovalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalState::Pending => "pending",
            ApprovalState::Approved => "approved",
            ApprovalState::Rejected => "rejected",
            ApprovalState::Used => "used",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            ApprovalState::Pending,
            ApprovalState::Approved,
            ApprovalState::Rejected,
            ApprovalState::Used,
        ]
        .into_iter()
        .find(|s| s.as_str() == code)
    }
}

/// One approval request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub id: ApprovalId,
    pub kind: ApprovalKind,
    /// What the operator is asked to approve, in words.
    pub summary: String,
    /// What exactly would be done, as JSON for the code that does it.
    pub payload_json: String,
    pub state: ApprovalState,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, kind, summary, payload, state, created_at, resolved_at";

type RawApproval = (i64, String, String, String, String, String, Option<String>);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawApproval> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn approval(
    (id, kind, summary, payload_json, state, created, resolved): RawApproval,
) -> Result<Approval, StoreError> {
    let row = id.to_string();
    let corrupt = |detail: String| StoreError::Corrupt {
        table: "approvals",
        row: row.clone(),
        detail,
    };
    Ok(Approval {
        id: ApprovalId(id),
        kind: ApprovalKind::from_code(&kind)
            .ok_or_else(|| corrupt(format!("unknown kind {kind:?}")))?,
        summary,
        payload_json,
        state: ApprovalState::from_code(&state)
            .ok_or_else(|| corrupt(format!("unknown state {state:?}")))?,
        created_at: parse_ts("approvals", &row, &created)?,
        resolved_at: resolved
            .map(|t| parse_ts("approvals", &row, &t))
            .transpose()?,
    })
}

impl Store {
    /// Asks for approval. If one of this kind is already pending, returns
    /// its ID and leaves it as it is (no duplicate requests).
    pub fn create_approval(
        &mut self,
        kind: ApprovalKind,
        summary: &str,
        payload_json: &str,
        now: DateTime<Utc>,
    ) -> Result<ApprovalId, StoreError> {
        let action = "ask for approval";
        let tx = self.conn.transaction().map_err(sql(action))?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM approvals WHERE kind = ?1 AND state = 'pending'",
                [kind.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql(action))?;
        let id = match existing {
            Some(id) => id,
            None => {
                tx.execute(
                    "INSERT INTO approvals (kind, summary, payload, state, created_at)
                     VALUES (?1, ?2, ?3, 'pending', ?4)",
                    params![kind.as_str(), summary, payload_json, ts(now)],
                )
                .map_err(sql(action))?;
                tx.last_insert_rowid()
            }
        };
        tx.commit().map_err(sql(action))?;
        Ok(ApprovalId(id))
    }

    /// Every approval waiting for an answer, oldest first.
    pub fn pending_approvals(&self) -> Result<Vec<Approval>, StoreError> {
        let action = "list pending approvals";
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM approvals WHERE state = 'pending' ORDER BY id"
            ))
            .map_err(sql(action))?;
        let rows = stmt.query_map([], raw).map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(approval(row.map_err(sql(action))?)?);
        }
        Ok(out)
    }

    /// Approves or rejects a pending approval. An unknown or already
    /// resolved ID is an error naming it.
    pub fn resolve_approval(
        &mut self,
        id: ApprovalId,
        approved: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let state = if approved {
            ApprovalState::Approved
        } else {
            ApprovalState::Rejected
        };
        let changed = self
            .conn
            .execute(
                "UPDATE approvals SET state = ?2, resolved_at = ?3 WHERE id = ?1 AND state = 'pending'",
                params![id.0, state.as_str(), ts(now)],
            )
            .map_err(sql("resolve an approval"))?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "pending approval",
                id: id.0,
            });
        }
        Ok(())
    }

    /// The oldest approved, not yet used approval of `kind`, marked used so
    /// it authorises exactly one action.
    pub fn take_approved(&mut self, kind: ApprovalKind) -> Result<Option<Approval>, StoreError> {
        let action = "use an approval";
        let tx = self.conn.transaction().map_err(sql(action))?;
        let found = tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM approvals WHERE kind = ?1 AND state = 'approved' ORDER BY id LIMIT 1"),
                [kind.as_str()],
                raw,
            )
            .optional()
            .map_err(sql(action))?;
        let Some(found) = found else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE approvals SET state = 'used' WHERE id = ?1",
            [found.0],
        )
        .map_err(sql(action))?;
        tx.commit().map_err(sql(action))?;
        let mut taken = approval(found)?;
        taken.state = ApprovalState::Used;
        Ok(Some(taken))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{at, store};

    #[test]
    fn one_pending_per_kind_then_approved_once() {
        let mut s = store();
        let a = s
            .create_approval(ApprovalKind::MassClear, "clear 30 of 40", "[1]", at(8, 0))
            .ok();
        let again = s
            .create_approval(ApprovalKind::MassClear, "clear 31 of 40", "[2]", at(8, 1))
            .ok();
        let other = s
            .create_approval(ApprovalKind::MappingPurge, "purge 25", "[]", at(8, 2))
            .ok();
        assert!(a.is_some());
        assert_eq!(a, again);
        assert_ne!(a, other);
        assert_eq!(s.pending_approvals().ok().map(|p| p.len()), Some(2));

        let Some(a) = a else { return };
        assert_eq!(s.take_approved(ApprovalKind::MassClear).ok(), Some(None));
        assert!(s.resolve_approval(a, true, at(9, 0)).is_ok());
        assert!(
            s.resolve_approval(a, false, at(9, 1)).is_err(),
            "already resolved"
        );
        let taken = s.take_approved(ApprovalKind::MassClear).ok().flatten();
        assert_eq!(
            taken.map(|t| (t.id, t.summary, t.payload_json, t.resolved_at)),
            Some((
                a,
                "clear 30 of 40".to_owned(),
                "[1]".to_owned(),
                Some(at(9, 0))
            ))
        );
        assert_eq!(s.take_approved(ApprovalKind::MassClear).ok(), Some(None));
        assert_eq!(s.pending_approvals().ok().map(|p| p.len()), Some(1));
    }

    #[test]
    fn a_rejected_approval_is_never_taken() {
        let mut s = store();
        let Ok(id) = s.create_approval(ApprovalKind::MappingPurge, "purge", "{}", at(8, 0)) else {
            panic!("create failed");
        };
        assert!(s.resolve_approval(id, false, at(8, 5)).is_ok());
        assert_eq!(s.take_approved(ApprovalKind::MappingPurge).ok(), Some(None));
        assert!(matches!(
            s.resolve_approval(ApprovalId(77), true, at(8, 6)),
            Err(StoreError::NotFound { id: 77, .. })
        ));
    }
}
