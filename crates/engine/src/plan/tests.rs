use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use proptest::prelude::*;
use rstest::rstest;

use super::*;

const DAY: &str = "2025-06-17";

fn at(time: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(&format!("{DAY} {time}"), "%Y-%m-%d %H:%M:%S")
        .unwrap()
        .and_utc()
}

fn src(file: &str, line: u32) -> SourceLine {
    SourceLine {
        file: file.into(),
        line,
    }
}

/// An event in UTC (local = UTC keeps the tables short). `spec` is
/// `"BON 00042 14:30:00 a.csv:3"`.
fn ev(spec: &str) -> DutyEvent {
    let parts: Vec<&str> = spec.split_whitespace().collect();
    let (file, line) = parts[3].split_once(':').unwrap();
    let at = at(parts[2]);
    DutyEvent {
        employee: EmployeeId::new(parts[1]).unwrap(),
        duty: Duty::from_code(parts[0]).unwrap(),
        local: at.naive_utc(),
        at,
        source: src(file, line.parse().unwrap()),
    }
}

fn login(s: &str) -> Login {
    Login::new(s).unwrap()
}

/// Employees 00042, 12345 and 07731 are mapped to `u42`, `u12345`, `u7731`.
fn mappings() -> HashMap<EmployeeId, Login> {
    [("00042", "u42"), ("12345", "u12345"), ("07731", "u7731")]
        .into_iter()
        .map(|(e, l)| (EmployeeId::new(e).unwrap(), login(l)))
        .collect()
}

/// `"00042 BON 14:00:00 old.csv:1"`: what was applied last.
fn ledger(specs: &[&str]) -> HashMap<EmployeeId, LedgerEntry> {
    specs
        .iter()
        .map(|spec| {
            let parts: Vec<&str> = spec.split_whitespace().collect();
            let (file, line) = parts[3].split_once(':').unwrap();
            let entry = LedgerEntry {
                at: at(parts[2]),
                duty: Duty::from_code(parts[1]).unwrap(),
                source: src(file, line.parse().unwrap()),
            };
            (EmployeeId::new(parts[0]).unwrap(), entry)
        })
        .collect()
}

/// A compact action: `set u42`, `clear u42`, `superseded b.csv:2`,
/// `skip-older a.csv:1`, `unmapped`.
fn short(action: &Action) -> String {
    match action {
        Action::Set { login } => format!("set {login}"),
        Action::Clear { login, .. } => format!("clear {login}"),
        Action::Superseded { by, .. } => format!("superseded {by}"),
        Action::SkipOlder { applied_from, .. } => format!("skip-older {applied_from}"),
        Action::Unmapped => "unmapped".to_owned(),
    }
}

fn run(events: &[DutyEvent], ledger: &HashMap<EmployeeId, LedgerEntry>, now: &str) -> Plan {
    plan(PlanInput {
        events,
        row_errors: &[],
        mappings: &mappings(),
        ledger,
        now: at(now),
        stale_after: Duration::hours(24),
    })
}

fn check(events: &[&str], ledger_specs: &[&str], expect: &[&str]) {
    let events: Vec<DutyEvent> = events.iter().map(|s| ev(s)).collect();
    let plan = run(&events, &ledger(ledger_specs), "15:00:00");
    let got: Vec<String> = plan.records.iter().map(|r| short(&r.action)).collect();
    assert_eq!(got, expect, "{:#?}", plan.records);
    let order: Vec<&DutyEvent> = plan.records.iter().map(|r| &r.event).collect();
    assert_eq!(
        order,
        events.iter().collect::<Vec<_>>(),
        "records keep input order"
    );
}

#[rstest]
#[case::book_on_sets(&["BON 00042 14:30:00 a.csv:1"], &[], &["set u42"])]
#[case::book_off_clears(&["BOF 00042 14:30:00 a.csv:1"], &[], &["clear u42"])]
#[case::unmapped(&["BON 99999 14:30:00 a.csv:1"], &[], &["unmapped"])]
#[case::latest_wins(
    &["BON 12345 14:30:01 a.csv:2", "BOF 12345 14:31:05 b.csv:1"],
    &[],
    &["superseded b.csv:1", "clear u12345"],
)]
#[case::latest_wins_whatever_the_order(
    &["BOF 12345 14:31:05 b.csv:1", "BON 12345 14:30:01 a.csv:2"],
    &[],
    &["clear u12345", "superseded b.csv:1"],
)]
#[case::tie_later_file_wins(
    &["BOF 00042 14:30:00 b.csv:9", "BON 00042 14:30:00 c.csv:1"],
    &[],
    &["superseded c.csv:1", "set u42"],
)]
#[case::tie_later_line_wins(
    &["BON 00042 14:30:00 a.csv:2", "BOF 00042 14:30:00 a.csv:1"],
    &[],
    &["set u42", "superseded a.csv:2"],
)]
#[case::employees_are_independent(
    &["BON 00042 14:30:00 a.csv:1", "BOF 07731 14:00:00 a.csv:2", "BON 07731 14:10:00 a.csv:3"],
    &[],
    &["set u42", "superseded a.csv:3", "set u7731"],
)]
#[case::ledger_newer_skips(
    &["BON 00042 14:30:00 late.csv:1"],
    &["00042 BOF 14:40:00 new.csv:4"],
    &["skip-older new.csv:4"],
)]
#[case::ledger_equal_time_skips(
    &["BON 00042 14:30:00 again.csv:1"],
    &["00042 BON 14:30:00 first.csv:1"],
    &["skip-older first.csv:1"],
)]
#[case::ledger_older_applies(
    &["BOF 00042 14:30:00 b.csv:1"],
    &["00042 BON 14:00:00 a.csv:1"],
    &["clear u42"],
)]
#[case::ledger_checked_against_the_winner_only(
    &["BON 00042 14:00:00 b.csv:1", "BOF 00042 14:50:00 b.csv:2"],
    &["00042 BON 14:30:00 a.csv:1"],
    &["superseded b.csv:2", "clear u42"],
)]
#[case::skip_older_before_unmapped(
    &["BON 99999 14:00:00 b.csv:1"],
    &["99999 BOF 14:30:00 a.csv:1"],
    &["skip-older a.csv:1"],
)]
#[case::ledger_of_another_employee_ignored(
    &["BON 00042 14:00:00 b.csv:1"],
    &["12345 BOF 14:30:00 a.csv:1"],
    &["set u42"],
)]
fn rules(#[case] events: &[&str], #[case] ledger: &[&str], #[case] expect: &[&str]) {
    check(events, ledger, expect);
}

#[rstest]
// now = 2025-06-18 15:00; cleanup age 24 h.
#[case::just_fresh("BON 00042 15:00:00 a.csv:1", "set u42")]
#[case::stale("BON 00042 14:59:59 a.csv:1", "clear u42")]
#[case::stale_book_off_still_clears("BOF 00042 09:00:00 a.csv:1", "clear u42")]
fn stale_book_on_clears(#[case] event: &str, #[case] expect: &str) {
    let events = [ev(event)];
    let plan = plan(PlanInput {
        events: &events,
        row_errors: &[],
        mappings: &mappings(),
        ledger: &HashMap::new(),
        now: at("15:00:00") + Duration::days(1),
        stale_after: Duration::hours(24),
    });
    assert_eq!(short(&plan.records[0].action), expect);
}

#[test]
fn reasons_are_sentences_naming_times_and_files() {
    let events = [
        ev("BON 00042 14:00:00 b.csv:1"),
        ev("BON 00042 14:10:00 b.csv:2"),
        ev("BON 99999 14:10:00 b.csv:3"),
        ev("BON 12345 14:00:00 b.csv:4"),
        ev("BOF 07731 14:20:00 b.csv:5"),
    ];
    let ledger = ledger(&["12345 BOF 14:05:00 a.csv:7"]);
    let plan = run(&events, &ledger, "15:00:00");
    let reasons: Vec<String> = plan.records.iter().map(|r| r.reason()).collect();
    assert_eq!(
        reasons,
        [
            "book-on of 00042 at 2025-06-17 14:00:00 local (2025-06-17 14:00:00 UTC) from b.csv:1 \
             is superseded: the book-on from b.csv:2 is later (2025-06-17 14:10:00 UTC)",
            "book-on of 00042 at 2025-06-17 14:10:00 local (2025-06-17 14:10:00 UTC) from b.csv:2: \
             set the duty attribute of u42 to this time",
            "book-on of 99999 at 2025-06-17 14:10:00 local (2025-06-17 14:10:00 UTC) from b.csv:3 \
             is parked: no AtHoc user has collar number 99999; it is planned again after the next \
             user-mapping sync",
            "book-on of 12345 at 2025-06-17 14:00:00 local (2025-06-17 14:00:00 UTC) from b.csv:4 \
             is skipped: a book-off at 2025-06-17 14:05:00 UTC from a.csv:7 was already applied, \
             and older data never overwrites newer",
            "book-off of 07731 at 2025-06-17 14:20:00 local (2025-06-17 14:20:00 UTC) from b.csv:5: \
             clear the duty attribute of u7731",
        ]
    );
}

#[test]
fn stale_reason_says_why() {
    let events = [ev("BON 00042 09:00:00 a.csv:1")];
    let plan = plan(PlanInput {
        events: &events,
        row_errors: &[],
        mappings: &mappings(),
        ledger: &HashMap::new(),
        now: at("10:00:00") + Duration::days(1),
        stale_after: Duration::hours(24),
    });
    assert_eq!(
        plan.records[0].reason(),
        "book-on of 00042 at 2025-06-17 09:00:00 local (2025-06-17 09:00:00 UTC) from a.csv:1 is \
         older than the cleanup age (24 hours) at 2025-06-18 10:00:00 UTC, so the person is \
         treated as off duty: clear the duty attribute of u42"
    );
}

#[test]
fn tie_reason_says_same_time() {
    let events = [
        ev("BON 00042 14:00:00 a.csv:1"),
        ev("BOF 00042 14:00:00 a.csv:2"),
    ];
    let plan = run(&events, &HashMap::new(), "15:00:00");
    assert!(plan.records[0]
        .reason()
        .ends_with("the book-off from a.csv:2 has the same time and comes later in the batch"));
}

#[test]
fn row_errors_pass_through_as_invalid() {
    let errors = [RowError {
        source: src("a.csv", 2),
        reason: "expected at least 6 comma-separated columns, found 2".into(),
        employee: None,
    }];
    let plan = plan(PlanInput {
        events: &[],
        row_errors: &errors,
        mappings: &mappings(),
        ledger: &HashMap::new(),
        now: at("15:00:00"),
        stale_after: Duration::hours(24),
    });
    assert!(plan.records.is_empty());
    assert_eq!(plan.invalid, errors);
}

/// The project's two sample exports (`tests/fixtures/bobo`), planned
/// together, end as their README says: 12345 off, 07731 on, 00042 and 31337
/// on, 99999 unmapped.
#[test]
fn the_two_sample_exports_together() {
    let london = chrono_tz::Europe::London;
    let first = include_bytes!("../../../../tests/fixtures/bobo/BOBO_20250617_143000_output.csv");
    let second = include_bytes!("../../../../tests/fixtures/bobo/BOBO_20250617_143100_output.csv");
    let mut events =
        crate::ingest::parse_bobo("BOBO_20250617_143000_output.csv", first, london).events;
    events.extend(
        crate::ingest::parse_bobo("BOBO_20250617_143100_output.csv", second, london).events,
    );
    let mut maps = mappings();
    maps.insert(EmployeeId::new("31337").unwrap(), login("u31337"));
    let plan = plan(PlanInput {
        events: &events,
        row_errors: &[],
        mappings: &maps,
        ledger: &HashMap::new(),
        now: at("14:00:00"),
        stale_after: Duration::hours(24),
    });
    let got: Vec<String> = plan.records.iter().map(|r| short(&r.action)).collect();
    assert_eq!(
        got,
        [
            "set u42",
            "superseded BOBO_20250617_143100_output.csv:1",
            "superseded BOBO_20250617_143100_output.csv:2",
            "set u31337",
            "clear u12345",
            "set u7731",
            "unmapped",
        ]
    );
}

fn arb_event() -> impl Strategy<Value = DutyEvent> {
    (
        prop::sample::select(vec!["00042", "12345", "99999"]),
        any::<bool>(),
        0i64..6,
        prop::sample::select(vec!["a.csv", "b.csv"]),
        1u32..4,
    )
        .prop_map(|(employee, on, minute, file, line)| {
            let at = at("14:00:00") + Duration::minutes(minute);
            DutyEvent {
                employee: EmployeeId::new(employee).unwrap(),
                duty: if on { Duty::BookOn } else { Duty::BookOff },
                local: at.naive_utc(),
                at,
                source: src(file, line),
            }
        })
}

fn arb_ledger() -> impl Strategy<Value = HashMap<EmployeeId, LedgerEntry>> {
    prop::collection::vec(
        (
            prop::sample::select(vec!["00042", "12345", "99999"]),
            0i64..6,
        ),
        0..3,
    )
    .prop_map(|entries| {
        entries
            .into_iter()
            .map(|(employee, minute)| {
                let entry = LedgerEntry {
                    at: at("14:00:00") + Duration::minutes(minute),
                    duty: Duty::BookOn,
                    source: src("old.csv", 1),
                };
                (EmployeeId::new(employee).unwrap(), entry)
            })
            .collect()
    })
}

/// A plan's records as sorted text, to compare plans of reordered input.
fn canonical(plan: &Plan) -> Vec<String> {
    let mut all: Vec<String> = plan
        .records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    all.sort();
    all
}

proptest! {
    /// Per employee exactly one record is decided (not superseded), it is
    /// for the latest event, every other one points at it, and at most one
    /// Set/Clear exists.
    #[test]
    fn latest_wins_invariant(
        events in prop::collection::vec(arb_event(), 0..20),
        ledger in arb_ledger(),
    ) {
        let plan = run(&events, &ledger, "14:30:00");
        prop_assert_eq!(plan.records.len(), events.len());
        let mut employees: Vec<&EmployeeId> = events.iter().map(|e| &e.employee).collect();
        employees.sort();
        employees.dedup();
        for employee in employees {
            let records: Vec<&PlannedRecord> =
                plan.records.iter().filter(|r| &r.event.employee == employee).collect();
            let decided: Vec<&&PlannedRecord> = records
                .iter()
                .filter(|r| !matches!(r.action, Action::Superseded { .. }))
                .collect();
            prop_assert_eq!(decided.len(), 1);
            let winner = &decided[0].event;
            let max = records.iter().map(|r| (r.event.at, &r.event.source)).max().unwrap();
            prop_assert_eq!((winner.at, &winner.source), max);
            let writes = records
                .iter()
                .filter(|r| matches!(r.action, Action::Set { .. } | Action::Clear { .. }))
                .count();
            prop_assert!(writes <= 1);
            for r in &records {
                if let Action::Superseded { by, .. } = &r.action {
                    prop_assert_eq!(by, &winner.source);
                }
            }
            if let Some(applied) = ledger.get(employee) {
                let skipped = matches!(decided[0].action, Action::SkipOlder { .. });
                prop_assert_eq!(skipped, winner.at <= applied.at);
            }
        }
    }

    /// Input order does not change any event's decision.
    #[test]
    fn deterministic_whatever_the_order(
        events in prop::collection::vec(arb_event(), 0..20),
        ledger in arb_ledger(),
    ) {
        let forward = run(&events, &ledger, "14:30:00");
        let again = run(&events, &ledger, "14:30:00");
        prop_assert_eq!(&forward, &again);
        let reversed: Vec<DutyEvent> = events.iter().rev().cloned().collect();
        prop_assert_eq!(canonical(&forward), canonical(&run(&reversed, &ledger, "14:30:00")));
    }
}

#[rstest]
#[case::within_the_tolerance("BON 00042 15:30:00 a.csv:1", "14:31:00", Some("set u42"))]
#[case::just_past_it("BON 00042 15:31:01 a.csv:1", "14:31:00", None)]
#[case::a_typo_year_book_off("BOF 00042 15:31:01 a.csv:1", "14:31:00", None)]
fn events_dated_ahead_of_now(
    #[case] spec: &str,
    #[case] now: &str,
    #[case] expected: Option<&str>,
) {
    let plan = run(&[ev(spec)], &HashMap::new(), now);
    match expected {
        Some(action) => {
            assert_eq!(
                plan.records
                    .iter()
                    .map(|r| short(&r.action))
                    .collect::<Vec<_>>(),
                [action]
            );
            assert!(plan.invalid.is_empty());
        }
        None => {
            assert!(plan.records.is_empty(), "{:?}", plan.records);
            assert_eq!(plan.invalid.len(), 1);
            assert_eq!(plan.invalid[0].source, src("a.csv", 1));
            assert!(
                plan.invalid[0].reason.contains("ahead of now"),
                "{}",
                plan.invalid[0].reason
            );
        }
    }
}

#[test]
fn a_future_event_neither_wins_nor_blocks_the_real_ones() {
    // The typo (a year ahead) would otherwise win latest-wins and sit in the ledger.
    let typo = DutyEvent {
        at: at("14:00:00") + Duration::days(365),
        ..ev("BON 00042 14:00:00 a.csv:1")
    };
    let plan = run(
        &[typo, ev("BOF 00042 14:10:00 a.csv:2")],
        &HashMap::new(),
        "14:20:00",
    );
    assert_eq!(
        plan.records
            .iter()
            .map(|r| short(&r.action))
            .collect::<Vec<_>>(),
        ["clear u42"]
    );
    assert_eq!(plan.invalid.len(), 1);
}

/// The ledger preview plans later batches against: it moves forward with
/// every Set and Clear, never back, and ignores what was not sent.
#[test]
fn advance_ledger_moves_forward_with_sent_records_only() {
    let mut ledger = ledger(&[
        "00042 BON 14:00:00 old.csv:1",
        "12345 BOF 16:00:00 old.csv:2",
    ]);
    let plan = run(
        &[
            ev("BOF 00042 15:00:00 a.csv:1"),
            ev("BON 12345 15:00:00 a.csv:2"),
            ev("BON 99999 15:00:00 a.csv:3"),
            ev("BON 07731 09:00:00 a.csv:4"),
        ],
        &ledger.clone(),
        "17:00:00",
    );
    advance_ledger(&mut ledger, &plan);
    let duty = |id: &str| {
        ledger
            .get(&EmployeeId::new(id).unwrap())
            .map(|e| (e.duty, e.source.to_string()))
    };
    assert_eq!(duty("00042"), Some((Duty::BookOff, "a.csv:1".into())));
    // Older than the ledger: skipped, so the ledger keeps 16:00.
    assert_eq!(duty("12345"), Some((Duty::BookOff, "old.csv:2".into())));
    // Unmapped: never sent.
    assert_eq!(duty("99999"), None);
    assert_eq!(duty("07731"), Some((Duty::BookOn, "a.csv:4".into())));
}
