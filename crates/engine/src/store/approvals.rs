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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalKind {
    /// Clearing more stale duty values than the guard allows.
    MassClear,
    /// Deleting more mappings than the guard allows.
    MappingPurge,
    /// Writing BOBO's truth over more drifted duty values than the guard
    /// allows (`bobosync reconcile --fix`).
    ReconcileFix,
}

impl ApprovalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalKind::MassClear => "mass_clear",
            ApprovalKind::MappingPurge => "mapping_purge",
            ApprovalKind::ReconcileFix => "reconcile_fix",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            ApprovalKind::MassClear,
            ApprovalKind::MappingPurge,
            ApprovalKind::ReconcileFix,
        ]
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
    /// Replaced by a newer request because the change it described is no
    /// longer the change that would be made.
    Superseded,
}

impl ApprovalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalState::Pending => "pending",
            ApprovalState::Approved => "approved",
            ApprovalState::Rejected => "rejected",
            ApprovalState::Used => "used",
            ApprovalState::Superseded => "superseded",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            ApprovalState::Pending,
            ApprovalState::Approved,
            ApprovalState::Rejected,
            ApprovalState::Used,
            ApprovalState::Superseded,
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
    /// The identity of the exact change (see [`ApprovalRequest`]).
    pub fingerprint: String,
    /// Items the change would touch, out of `total`.
    pub changing: u32,
    pub total: u32,
    pub state: ApprovalState,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, kind, summary, payload, state, created_at, resolved_at, fingerprint, changing, total";

type RawApproval = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    (String, u32, u32),
);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawApproval> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        (r.get(7)?, r.get(8)?, r.get(9)?),
    ))
}

fn approval(
    (id, kind, summary, payload_json, state, created, resolved, (fingerprint, changing, total)): RawApproval,
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
        fingerprint,
        changing,
        total,
        state: ApprovalState::from_code(&state)
            .ok_or_else(|| corrupt(format!("unknown state {state:?}")))?,
        created_at: parse_ts("approvals", &row, &created)?,
        resolved_at: resolved
            .map(|t| parse_ts("approvals", &row, &t))
            .transpose()?,
    })
}

/// A guarded change that needs an operator: what it is, exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRequest {
    pub kind: ApprovalKind,
    /// The identity of the exact change (a hash of its sorted items): the
    /// same change always has the same fingerprint, any other change
    /// another one.
    pub fingerprint: String,
    /// What the operator is asked to approve, in words.
    pub summary: String,
    /// What exactly would be done, as JSON.
    pub payload_json: String,
    pub changing: u32,
    pub total: u32,
}

/// What asking for an approval came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Asked {
    /// A new request (none was pending).
    Asked { id: ApprovalId },
    /// The same change is already waiting for an answer.
    StillWaiting { id: ApprovalId },
    /// The change differs from the one waiting: that request is superseded
    /// and the operator is asked again with the new summary.
    AskedAgain {
        id: ApprovalId,
        replaced: ApprovalId,
    },
    /// An operator rejected exactly this change; not asked again while it
    /// stays the same.
    Rejected {
        id: ApprovalId,
        at: Option<DateTime<Utc>>,
    },
}

impl Store {
    /// Asks for approval of `request`, at most one pending per kind: the
    /// same change keeps its pending request; another change supersedes it
    /// with a new one; a change an operator rejected is not asked again
    /// while it is the latest request of its kind.
    pub fn ask_approval(
        &mut self,
        request: &ApprovalRequest,
        now: DateTime<Utc>,
    ) -> Result<Asked, StoreError> {
        let action = "ask for approval";
        let tx = self.conn.transaction().map_err(sql(action))?;
        let latest = tx
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM approvals WHERE kind = ?1 ORDER BY id DESC LIMIT 1"
                ),
                [request.kind.as_str()],
                raw,
            )
            .optional()
            .map_err(sql(action))?
            .map(approval)
            .transpose()?;
        let same = |a: &Approval| a.fingerprint == request.fingerprint;
        let replaced = match latest {
            Some(a) if a.state == ApprovalState::Pending && same(&a) => {
                return Ok(Asked::StillWaiting { id: a.id });
            }
            Some(a) if a.state == ApprovalState::Rejected && same(&a) => {
                return Ok(Asked::Rejected {
                    id: a.id,
                    at: a.resolved_at,
                });
            }
            Some(a) if a.state == ApprovalState::Pending => {
                tx.execute(
                    "UPDATE approvals SET state = 'superseded', resolved_at = ?2 WHERE id = ?1",
                    params![a.id.0, ts(now)],
                )
                .map_err(sql(action))?;
                Some(a.id)
            }
            _ => None,
        };
        tx.execute(
            "INSERT INTO approvals (kind, summary, payload, state, created_at, fingerprint, changing, total)
             VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7)",
            params![
                request.kind.as_str(),
                request.summary,
                request.payload_json,
                ts(now),
                request.fingerprint,
                request.changing,
                request.total
            ],
        )
        .map_err(sql(action))?;
        let id = ApprovalId(tx.last_insert_rowid());
        tx.commit().map_err(sql(action))?;
        Ok(match replaced {
            Some(replaced) => Asked::AskedAgain { id, replaced },
            None => Asked::Asked { id },
        })
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

    /// Marks a pending approval superseded: the change it showed is no
    /// longer the change that would be made.
    pub fn supersede_approval(
        &mut self,
        id: ApprovalId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE approvals SET state = 'superseded', resolved_at = ?2 WHERE id = ?1 AND state = 'pending'",
                params![id.0, ts(now)],
            )
            .map_err(sql("supersede an approval"))?;
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

    fn request(kind: ApprovalKind, fingerprint: &str, summary: &str) -> ApprovalRequest {
        ApprovalRequest {
            kind,
            fingerprint: fingerprint.to_owned(),
            summary: summary.to_owned(),
            payload_json: "[]".to_owned(),
            changing: 30,
            total: 40,
        }
    }

    fn ask(s: &mut Store, fingerprint: &str, summary: &str, minute: u32) -> Asked {
        s.ask_approval(
            &request(ApprovalKind::MassClear, fingerprint, summary),
            at(8, minute),
        )
        .unwrap_or_else(|e| panic!("ask: {e}"))
    }

    fn id(asked: &Asked) -> ApprovalId {
        match asked {
            Asked::Asked { id }
            | Asked::StillWaiting { id }
            | Asked::AskedAgain { id, .. }
            | Asked::Rejected { id, .. } => *id,
        }
    }

    #[test]
    fn the_same_change_keeps_its_request_and_another_change_supersedes_it() {
        let mut s = store();
        let first = ask(&mut s, "aaa", "clear 30 of 40", 0);
        assert!(matches!(first, Asked::Asked { .. }));
        assert_eq!(
            ask(&mut s, "aaa", "clear 30 of 40", 1),
            Asked::StillWaiting { id: id(&first) }
        );
        let other = s
            .ask_approval(
                &request(ApprovalKind::MappingPurge, "aaa", "purge 25"),
                at(8, 2),
            )
            .map(|a| id(&a));
        assert!(
            matches!(other, Ok(o) if o != id(&first)),
            "kinds are separate"
        );

        let again = ask(&mut s, "bbb", "clear 31 of 40", 3);
        assert!(
            matches!(again, Asked::AskedAgain { replaced, .. } if replaced == id(&first)),
            "{again:?}"
        );
        let pending = s.pending_approvals().unwrap_or_default();
        let clear: Vec<_> = pending
            .iter()
            .filter(|a| a.kind == ApprovalKind::MassClear)
            .map(|a| {
                (
                    a.id,
                    a.summary.as_str(),
                    a.fingerprint.as_str(),
                    a.changing,
                    a.total,
                )
            })
            .collect();
        assert_eq!(clear, [(id(&again), "clear 31 of 40", "bbb", 30, 40)]);
        assert!(
            s.resolve_approval(id(&first), true, at(8, 4)).is_err(),
            "a superseded request can no longer be approved"
        );
    }

    #[test]
    fn a_rejected_change_is_not_asked_again_while_it_stays_the_same() {
        let mut s = store();
        let first = ask(&mut s, "aaa", "clear 30 of 40", 0);
        assert!(s.resolve_approval(id(&first), false, at(8, 5)).is_ok());
        assert_eq!(
            ask(&mut s, "aaa", "clear 30 of 40", 6),
            Asked::Rejected {
                id: id(&first),
                at: Some(at(8, 5))
            }
        );
        assert_eq!(s.pending_approvals().map(|p| p.len()).ok(), Some(0));
        // Another change is asked; the first one again after that, too.
        assert!(matches!(
            ask(&mut s, "bbb", "clear 35 of 40", 7),
            Asked::Asked { .. }
        ));
        assert!(matches!(
            ask(&mut s, "aaa", "clear 30 of 40", 8),
            Asked::AskedAgain { .. }
        ));
        assert_eq!(s.take_approved(ApprovalKind::MassClear).ok(), Some(None));
        assert!(matches!(
            s.resolve_approval(ApprovalId(77), true, at(8, 9)),
            Err(StoreError::NotFound { id: 77, .. })
        ));
    }
}
