use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Europe::London;
use rstest::rstest;

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .unwrap()
        .and_utc()
}

fn login(s: &str) -> Login {
    Login::new(s).unwrap()
}

/// Cleanup guard: half, and more than 20.
const HALF: MassChangeGuard = MassChangeGuard {
    max_fraction: 0.5,
    min_count: 20,
};

/// now = 2025-06-20 12:00 UTC (13:00 BST); cleanup age 24 h.
fn select(values: &[(&str, &str)], format: &AthocDateFormat) -> CleanupSelection {
    let values: Vec<(Login, String)> = values
        .iter()
        .map(|(l, v)| (login(l), (*v).to_owned()))
        .collect();
    select_stale(
        &values,
        format,
        London,
        utc("2025-06-20 12:00:00"),
        Duration::hours(24),
        HALF,
    )
}

#[rstest]
// dd/MM/yyyy: the 13th..19th of June would be impossible months if day and
// month were swapped; the 19th at 12:59:59 BST is 11:59:59 UTC, stale.
#[case::day_over_12_stale("19/06/2025 12:59:59", Some("2025-06-19 11:59:59"))]
#[case::day_over_12_fresh("19/06/2025 13:00:00", None)]
#[case::long_ago("13/06/2025 07:41:42", Some("2025-06-13 06:41:42"))]
// 06/07 is 6 July (the future) in dd/MM; read as MM/dd it would be 7 June
// and stale.
#[case::day_month_order_matters("06/07/2025 08:00:00", None)]
#[case::padded_with_spaces("  19/06/2025 08:00:00 ", Some("2025-06-19 07:00:00"))]
fn default_format(#[case] value: &str, #[case] stale_at: Option<&str>) {
    let selection = select(&[("ann", value)], &AthocDateFormat::default());
    match stale_at {
        Some(at) => {
            assert_eq!(
                selection.stale,
                vec![StaleValue {
                    login: login("ann"),
                    value: value.to_owned(),
                    at: utc(at)
                }]
            );
            assert_eq!(selection.fresh, 0);
        }
        None => {
            assert!(selection.stale.is_empty());
            assert_eq!(selection.fresh, 1);
        }
    }
    assert!(selection.unparseable.is_empty());
}

#[test]
fn us_format_reads_month_first() {
    let format = AthocDateFormat::parse("M/d/yyyy h:mm:ss tt").unwrap();
    let selection = select(
        &[
            ("ann", "6/13/2025 7:41:42 AM"),
            ("bob", "6/20/2025 1:00:00 PM"),
        ],
        &format,
    );
    assert_eq!(selection.stale.len(), 1);
    assert_eq!(selection.stale[0].at, utc("2025-06-13 06:41:42"));
    assert_eq!(selection.fresh, 1);
}

#[test]
fn blank_values_are_ignored_and_bad_ones_reported_not_cleared() {
    let selection = select(
        &[
            ("ann", ""),
            ("bob", "   "),
            ("cat", "2025-06-13 07:41:42"),
            ("dan", "31/06/2025 07:00:00"),
            ("eve", "13/06/2025 07:41:42"),
        ],
        &AthocDateFormat::default(),
    );
    assert_eq!(selection.stale.len(), 1);
    assert_eq!(selection.stale[0].login, login("eve"));
    assert_eq!(selection.fresh, 0);
    assert_eq!(
        selection.unparseable,
        vec![
            (login("cat"), "2025-06-13 07:41:42".to_owned()),
            (login("dan"), "31/06/2025 07:00:00".to_owned()),
        ]
    );
    assert!(!selection.needs_approval);
}

#[rstest]
// More than half of the values set, and more than 20: hold.
#[case::stalled_export(21, 10, 0, true)]
#[case::few_users(20, 0, 0, false)]
#[case::half_is_allowed(21, 21, 0, false)]
// Unparseable values count in the total of values set.
#[case::unparseable_count_in_total(21, 0, 22, false)]
fn guard(#[case] stale: usize, #[case] fresh: usize, #[case] bad: usize, #[case] expect: bool) {
    let mut values = Vec::new();
    for i in 0..stale {
        values.push((format!("s{i}"), "13/06/2025 07:00:00"));
    }
    for i in 0..fresh {
        values.push((format!("f{i}"), "20/06/2025 07:00:00"));
    }
    for i in 0..bad {
        values.push((format!("b{i}"), "junk"));
    }
    values.push(("blank".to_owned(), ""));
    let refs: Vec<(&str, &str)> = values.iter().map(|(l, v)| (l.as_str(), *v)).collect();
    let selection = select(&refs, &AthocDateFormat::default());
    assert_eq!(selection.stale.len(), stale);
    assert_eq!(selection.fresh, fresh);
    assert_eq!(selection.unparseable.len(), bad);
    assert_eq!(selection.needs_approval, expect);
}

#[test]
fn dst_fold_value_reads_the_earlier_instant() {
    // 26/10/2025 01:30 happens twice in London; the earlier (BST) one is
    // 00:30 UTC.
    let values = vec![(login("ann"), "26/10/2025 01:30:00".to_owned())];
    let selection = select_stale(
        &values,
        &AthocDateFormat::default(),
        London,
        utc("2025-10-27 00:30:01"),
        Duration::hours(24),
        HALF,
    );
    assert_eq!(selection.stale.len(), 1);
    assert_eq!(selection.stale[0].at, utc("2025-10-26 00:30:00"));
}

#[rstest]
#[case::nothing_changed(&["a", "b"], &[], 2)]
#[case::set_adds_a_new_holder_once(&["a"], &[("b", true), ("b", true), ("a", true)], 2)]
#[case::clear_removes_a_holder(&["a", "b"], &[("a", false)], 1)]
#[case::clearing_one_who_held_nothing(&["a"], &[("z", false)], 1)]
#[case::the_last_update_wins(&["a"], &[("a", false), ("a", true), ("b", true), ("b", false)], 1)]
fn values_after_applies_the_updates_in_order(
    #[case] before: &[&str],
    #[case] updates: &[(&str, bool)],
    #[case] expected: usize,
) {
    let before: Vec<Login> = before.iter().map(|l| login(l)).collect();
    let updates: Vec<(Login, bool)> = updates.iter().map(|(l, set)| (login(l), *set)).collect();
    assert_eq!(
        values_after(&before, updates.iter().map(|(l, set)| (l, *set))),
        expected
    );
}
