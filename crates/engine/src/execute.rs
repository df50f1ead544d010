//! Execution (shell): turns the Set/Clear records of a journalled plan into
//! `SyncByCommonNames` updates of the one configured duty attribute, and
//! AtHoc's per-record answers into outcomes the store records.

use chrono_tz::Tz;

use crate::athoc::{AthocClient, AttributeUpdate, UpdateOutcome};
use crate::plan::{Action, PlannedRecord};
use crate::store::{RecordId, RecordOutcome};
use crate::time::{utc_to_local, AthocDateFormat};

/// What `execute` needs to know about the organization.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The duty attribute's common name (`DUTY_STATUS_FIELD`): the only
    /// attribute ever written.
    pub attribute: &'a str,
    pub format: &'a AthocDateFormat,
    pub time_zone: Tz,
}

/// How far the sending of one batch's updates has got: AtHoc has answered
/// for `answered` of `total` (applied, refused or failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SendProgress {
    pub answered: usize,
    pub total: usize,
}

/// Where [`execute`] reports [`SendProgress`]: before the first request and
/// after each one.
pub type ProgressSink = std::sync::Arc<dyn Fn(SendProgress) + Send + Sync>;

/// The AtHoc value a record asks for: the book-on time as AtHoc shows it
/// (wall-clock of the configured zone, in the organization's format), or
/// `""` to clear. `None` for records that send nothing.
pub fn update_for(record: &PlannedRecord, target: Target<'_>) -> Option<AttributeUpdate> {
    match &record.action {
        Action::Set { login } => Some(AttributeUpdate {
            login: login.clone(),
            value: target
                .format
                .format(utc_to_local(record.event.at, target.time_zone)),
        }),
        Action::Clear { login, .. } => Some(AttributeUpdate {
            login: login.clone(),
            value: String::new(),
        }),
        Action::Superseded { .. } | Action::SkipOlder { .. } | Action::Unmapped => None,
    }
}

/// One request's outcomes, by record.
pub type Answers = Vec<(RecordId, RecordOutcome)>;

/// Sends every Set/Clear record; each request's outcomes go to `answers`
/// as AtHoc returns them (requests run concurrently, so in any order), and
/// every record sent is answered exactly once. The channel closes when
/// the last request has been answered.
pub async fn execute(
    client: &AthocClient,
    target: Target<'_>,
    records: &[(RecordId, &PlannedRecord)],
    progress: Option<&ProgressSink>,
    answers: tokio::sync::mpsc::UnboundedSender<Answers>,
) {
    let (ids, updates): (Vec<RecordId>, Vec<AttributeUpdate>) = records
        .iter()
        .filter_map(|(id, record)| update_for(record, target).map(|u| (*id, u)))
        .unzip();
    if updates.is_empty() {
        return;
    }
    let total = updates.len();
    let report = |answered: usize| {
        if let Some(sink) = progress {
            sink(SendProgress { answered, total });
        }
    };
    report(0);
    let mut answered = 0;
    client
        .sync_attribute_by_chunk(target.attribute, &updates, &mut |chunk| {
            answered += chunk.outcomes.len();
            let outcomes: Answers = ids[chunk.first..]
                .iter()
                .copied()
                .zip(chunk.outcomes)
                .map(|(id, outcome)| (id, record_outcome(outcome)))
                .collect();
            // A closed channel means the recording side gave up (its error
            // ends the batch); nothing more to do with these answers.
            let _ = answers.send(outcomes);
            report(answered);
        })
        .await;
}

/// AtHoc's answer as the store keeps it. Only a per-record answer is final;
/// `Partial` counts as rejected (AtHoc looked at the record and did not
/// fully apply it; sending it again would not change that).
pub fn record_outcome(outcome: UpdateOutcome) -> RecordOutcome {
    match outcome {
        UpdateOutcome::Applied { user_id, details } => RecordOutcome::Applied { details, user_id },
        UpdateOutcome::Rejected { details } => RecordOutcome::Rejected { details },
        UpdateOutcome::Partial { details } => RecordOutcome::Rejected {
            details: format!("AtHoc applied it only partly: {details}"),
        },
        // Even a permanent request-level failure (credentials refused, role
        // missing) says nothing final about the record: it stays pending and
        // its file stays in the drop folder until the operator fixes it.
        UpdateOutcome::Failed { error, .. } => RecordOutcome::Failed {
            details: error.to_string(),
            error,
        },
    }
}
