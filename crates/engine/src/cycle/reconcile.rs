//! `bobosync reconcile` and the reconciliation check: AtHoc's duty values
//! against the ledger (see the pure `crate::reconcile`), and with `fix` the
//! ledger's truth written back, under the same approval rule as a mass
//! clear.

use std::collections::HashMap;

use serde::Serialize;

use crate::athoc::{AttributeUpdate, UpdateOutcome};
use crate::event::EmployeeId;
use crate::plan::LedgerEntry;
use crate::reconcile::{self, ReconcileInput, Reconciliation};
use crate::store::{ApprovalKind, ApprovalRequest};

use super::maintenance::{fingerprint, settle_pending};
use super::{CycleError, Guarded, SyncContext};

/// What a reconciliation found, and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReconcileReport {
    pub reconciliation: Reconciliation,
    /// Values written back (with `fix`).
    pub fixed: usize,
    /// Values AtHoc did not take.
    pub failed: usize,
    /// The fix past the guard that was not made, and where its approval
    /// stands.
    pub approval: Option<Guarded>,
}

impl SyncContext {
    /// Compares AtHoc's duty values with the ledger; with `fix`, writes the
    /// ledger's truth for every drifted person (a fix past the mass-change
    /// guard waits for approval unless `approve`).
    pub async fn reconcile(&self, fix: bool, approve: bool) -> Result<ReconcileReport, CycleError> {
        let now = self.now();
        let before = self.store.call(|s| s.load_ledger()).await?;
        let values = self.duty_values().await?;
        let (after, mappings) = self
            .store
            .call(|s| Ok((s.load_ledger()?, s.load_mappings()?)))
            .await?;
        // Only people whose last event did not move while AtHoc was read: a
        // batch applied meanwhile would look like drift.
        let stable: HashMap<EmployeeId, LedgerEntry> = after
            .into_iter()
            .filter(|(employee, entry)| before.get(employee) == Some(entry))
            .collect();
        let reconciliation = reconcile::reconcile(&ReconcileInput {
            values: &values,
            ledger: &stable,
            mappings: &mappings,
            format: &self.format,
            tz: self.settings.time_zone,
            now,
            stale_after: self.settings.cleanup.stale_after,
        });
        let mut report = ReconcileReport {
            reconciliation,
            ..ReconcileReport::default()
        };
        let drift = &report.reconciliation.drift;
        if !fix || drift.is_empty() {
            return Ok(report);
        }
        let mut items: Vec<String> = drift
            .iter()
            .map(|d| format!("{} {}", d.login, d.expected.as_deref().unwrap_or("")))
            .collect();
        items.sort();
        let request = ApprovalRequest {
            kind: ApprovalKind::ReconcileFix,
            fingerprint: fingerprint(&items),
            summary: format!(
                "write BOBO's duty status over {} of {} people whose AtHoc value differs",
                drift.len(),
                report.reconciliation.compared
            ),
            // `[[login, value], …]`; an empty value clears.
            payload_json: serde_json::to_string(
                &drift
                    .iter()
                    .map(|d| vec![d.login.as_str(), d.expected.as_deref().unwrap_or("")])
                    .collect::<Vec<_>>(),
            )
            .unwrap_or_default(),
            changing: drift.len() as u32,
            total: report.reconciliation.compared as u32,
        };
        if self
            .settings
            .cleanup
            .guard
            .requires_approval(drift.len(), report.reconciliation.compared)
        {
            if let Some(guarded) = self.guard(request.clone(), approve).await? {
                report.approval = Some(guarded);
                return Ok(report);
            }
        }
        let updates: Vec<AttributeUpdate> = drift
            .iter()
            .map(|d| AttributeUpdate {
                login: d.login.clone(),
                value: d.expected.clone().unwrap_or_default(),
            })
            .collect();
        let duty = &self.settings.fields.duty_attribute;
        let outcomes = self.client.sync_attribute(duty, &updates).await;
        for (update, outcome) in updates.iter().zip(&outcomes) {
            match outcome {
                UpdateOutcome::Applied { .. } => {
                    report.fixed += 1;
                    tracing::info!(login = %update.login, value = %update.value, "reconciled a duty value with BOBO");
                }
                other => {
                    report.failed += 1;
                    tracing::warn!(login = %update.login, outcome = ?other, "could not reconcile a duty value");
                }
            }
        }
        self.store
            .call(move |s| settle_pending(s, &request, now))
            .await?;
        Ok(report)
    }
}
