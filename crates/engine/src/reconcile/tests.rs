use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Europe::London;
use rstest::rstest;

use super::*;
use crate::event::SourceLine;

fn at(hms: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(&format!("2025-06-17 {hms}"), "%Y-%m-%d %H:%M:%S")
        .unwrap_or_default();
    London
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn entry(duty: Duty, hms: &str) -> LedgerEntry {
    LedgerEntry {
        at: at(hms),
        duty,
        source: SourceLine {
            file: "a.csv".into(),
            line: 1,
        },
    }
}

fn id(s: &str) -> EmployeeId {
    EmployeeId::new(s).unwrap_or_else(|| panic!("id"))
}

fn login(s: &str) -> Login {
    Login::new(s).unwrap_or_else(|| panic!("login"))
}

/// One person (00042 → u42) with `last` in the ledger and `athoc` in AtHoc, at 20:00.
fn one(last: Option<LedgerEntry>, athoc: Option<&str>) -> Reconciliation {
    let ledger: HashMap<EmployeeId, LedgerEntry> =
        last.into_iter().map(|e| (id("00042"), e)).collect();
    let mappings = HashMap::from([(id("00042"), login("u42"))]);
    let values: Vec<(Login, String)> = athoc
        .into_iter()
        .map(|v| (login("u42"), v.to_owned()))
        .collect();
    reconcile(&ReconcileInput {
        values: &values,
        ledger: &ledger,
        mappings: &mappings,
        format: &AthocDateFormat::default(),
        tz: London,
        now: at("20:00:00"),
        stale_after: Duration::hours(12),
    })
}

#[rstest]
#[case::on_and_held(
    Some(entry(Duty::BookOn, "08:30:00")),
    Some("17/06/2025 08:30:00"),
    None
)]
#[case::off_and_empty(Some(entry(Duty::BookOff, "09:00:00")), None, None)]
#[case::off_but_on_duty(
    Some(entry(Duty::BookOff, "09:00:00")),
    Some("17/06/2025 08:30:00"),
    Some(DriftKind::OnDutyAfterBookOff)
)]
#[case::on_but_empty(
    Some(entry(Duty::BookOn, "08:30:00")),
    None,
    Some(DriftKind::BookedOnButEmpty)
)]
#[case::on_but_another_time(
    Some(entry(Duty::BookOn, "08:30:00")),
    Some("17/06/2025 07:00:00"),
    Some(DriftKind::ValueDiffers)
)]
#[case::stale_book_on_still_held(
    Some(entry(Duty::BookOn, "07:59:59")),
    Some("17/06/2025 07:59:59"),
    Some(DriftKind::OnDutyButStale)
)]
#[case::stale_book_on_cleared(Some(entry(Duty::BookOn, "07:59:59")), None, None)]
fn drift_by_person(
    #[case] last: Option<LedgerEntry>,
    #[case] athoc: Option<&str>,
    #[case] expected: Option<DriftKind>,
) {
    let result = one(last, athoc);
    assert_eq!(result.drift.first().map(|d| d.kind), expected, "{result:?}");
    assert!(result.drift.len() <= 1);
}

#[test]
fn drift_says_what_should_be_held() {
    let empty = one(Some(entry(Duty::BookOn, "08:30:00")), None);
    assert_eq!(
        empty.drift[0].expected.as_deref(),
        Some("17/06/2025 08:30:00")
    );
    let off = one(
        Some(entry(Duty::BookOff, "09:00:00")),
        Some("17/06/2025 08:30:00"),
    );
    assert_eq!(
        (
            off.drift[0].athoc.as_deref(),
            off.drift[0].expected.as_deref()
        ),
        (Some("17/06/2025 08:30:00"), None)
    );
    assert_eq!((off.compared, off.serious()), (1, 1));
}

#[test]
fn values_without_a_bobo_event_and_unreadable_values_are_reported_not_drift() {
    let unknown = one(None, Some("17/06/2025 08:30:00"));
    assert!(unknown.drift.is_empty());
    assert_eq!(
        unknown.without_event,
        [(login("u42"), "17/06/2025 08:30:00".to_owned())]
    );
    assert_eq!(unknown.compared, 0);
    let garbled = one(
        Some(entry(Duty::BookOn, "08:30:00")),
        Some("2025-06-17T08:30"),
    );
    assert!(garbled.drift.is_empty());
    assert_eq!(garbled.unparseable.len(), 1);
}
