use std::collections::{BTreeMap, HashMap};

use rstest::rstest;

use super::*;

fn login(s: &str) -> Login {
    Login::new(s).unwrap()
}

fn id(s: &str) -> EmployeeId {
    EmployeeId::new(s).unwrap()
}

fn users(list: &[(&str, Option<&str>)]) -> Vec<(Login, Option<String>)> {
    list.iter()
        .map(|(l, c)| (login(l), c.map(str::to_owned)))
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<EmployeeId, Login> {
    pairs.iter().map(|(e, l)| (id(e), login(l))).collect()
}

#[test]
fn builds_one_mapping_per_unique_collar_number() {
    let build = build_mappings(&users(&[
        ("ann", Some("00042")),
        ("bob", Some("42")),
        ("cat", Some(" 12345 ")),
        ("dan", Some("")),
        ("eve", None),
        ("fay", Some("   ")),
    ]));
    assert_eq!(
        build.mappings,
        map(&[("00042", "ann"), ("42", "bob"), ("12345", "cat")])
    );
    assert!(build.duplicates.is_empty());
    assert_eq!(build.without_collar, 3);
}

#[test]
fn a_shared_collar_number_is_listed_and_not_mapped() {
    let build = build_mappings(&users(&[
        ("zed", Some("07731")),
        ("ann", Some("07731")),
        ("bob", Some("12345")),
        ("amy", Some("07731")),
    ]));
    assert_eq!(build.mappings, map(&[("12345", "bob")]));
    assert_eq!(
        build.duplicates,
        vec![(id("07731"), vec![login("amy"), login("ann"), login("zed")])]
    );
}

#[test]
fn the_same_user_listed_twice_is_not_a_duplicate() {
    let build = build_mappings(&users(&[("ann", Some("1")), ("ann", Some("1"))]));
    assert_eq!(build.mappings, map(&[("1", "ann")]));
    assert!(build.duplicates.is_empty());
}

#[test]
fn diff_sorts_changes_into_added_changed_removed() {
    let current: HashMap<EmployeeId, Login> =
        [("1", "ann"), ("2", "bob"), ("3", "cat"), ("9", "old")]
            .iter()
            .map(|(e, l)| (id(e), login(l)))
            .collect();
    let next = map(&[
        ("1", "ann"),
        ("2", "bobby"),
        ("3", "cat"),
        ("4", "dan"),
        ("0", "zero"),
    ]);
    let diff = diff_mappings(&current, &next);
    assert_eq!(
        diff.added,
        vec![(id("0"), login("zero")), (id("4"), login("dan"))]
    );
    assert_eq!(
        diff.changed,
        vec![MappingChange {
            employee: id("2"),
            from: login("bob"),
            to: login("bobby")
        }]
    );
    assert_eq!(diff.removed, vec![(id("9"), login("old"))]);
    assert_eq!(diff.unchanged, 2);
    assert!(!diff.is_empty());
}

#[test]
fn no_change_is_empty() {
    let current: HashMap<EmployeeId, Login> = [(id("1"), login("ann"))].into_iter().collect();
    let diff = diff_mappings(&current, &map(&[("1", "ann")]));
    assert!(diff.is_empty());
    assert_eq!(diff.unchanged, 1);
}

/// Purge guard: 10 % and more than 20.
const PURGE: MassChangeGuard = MassChangeGuard {
    max_fraction: 0.10,
    min_count: 20,
};

#[rstest]
#[case::few_removed_of_many(5, 0, 1000, false)]
#[case::many_but_small_share(21, 0, 1000, false)]
#[case::many_and_big_share(101, 0, 1000, true)]
#[case::exactly_twenty_is_allowed(20, 0, 50, false)]
#[case::twenty_one_of_fifty(21, 0, 50, true)]
#[case::changed_count_too(11, 10, 50, true)]
#[case::everything_removed_small_org(15, 0, 15, false)]
fn needs_approval(
    #[case] removed: usize,
    #[case] changed: usize,
    #[case] total: usize,
    #[case] expect: bool,
) {
    let diff = MappingDiff {
        removed: (0..removed)
            .map(|i| (id(&format!("r{i}")), login("x")))
            .collect(),
        changed: (0..changed)
            .map(|i| MappingChange {
                employee: id(&format!("c{i}")),
                from: login("a"),
                to: login("b"),
            })
            .collect(),
        ..MappingDiff::default()
    };
    assert_eq!(diff.needs_approval(PURGE, total), expect);
}

#[test]
fn an_empty_fetch_would_need_approval_for_a_large_org() {
    let current: HashMap<EmployeeId, Login> = (0..100)
        .map(|i| (id(&format!("{i:05}")), login(&format!("u{i}"))))
        .collect();
    let diff = diff_mappings(&current, &build_mappings(&[]).mappings);
    assert_eq!(diff.removed.len(), 100);
    assert!(diff.needs_approval(PURGE, current.len()));
}
