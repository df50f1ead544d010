//! The malformed-input corpus end to end (issue 5): every bad file of
//! `tests/corpus/malformed/` (see its README.md), plus a 6 MB-line file and a
//! 100,000-row file generated here, dropped together with a good file into one
//! drop folder; then the real `bobosync once` against the simulator.
//!
//! Asserted: every bad row is reported as `<file>:<line>` (line 0: the whole
//! file) on the output and in the log; the good file and the good rows of
//! partly bad files are applied, no bad row is; nothing is lost (each file is
//! in `processed/`, or in `failed/` with its reason file); the exit status is
//! 1 when some file had no readable row (README: "a file that could not be
//! read") and 0 when only rows were bad.
//!
//! Build the binary first: `cargo build -p bobosync && cargo test -p bobosync-e2e --test malformed`.

use std::path::{Path, PathBuf};

use bobosync_e2e::*;
use chrono::{Duration, NaiveTime};

/// What happens to a file as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Good rows applied, bad rows reported, file in `processed/`.
    Processed,
    /// No readable row: errors reported, file in `failed/` with a reason file.
    Failed,
    /// No row at all (empty, blank, header only): `processed/`, nothing reported.
    NothingToDo,
}

use Fate::{Failed, NothingToDo, Processed};

/// One corpus file: its fate, the lines reported as bad, and the collar
/// numbers (`001xx`) of its good rows, which must be applied.
struct Case {
    name: &'static str,
    fate: Fate,
    bad_lines: &'static [u32],
    good: &'static [u32],
}

const fn case(
    name: &'static str,
    fate: Fate,
    bad_lines: &'static [u32],
    good: &'static [u32],
) -> Case {
    Case {
        name,
        fate,
        bad_lines,
        good,
    }
}

/// The committed corpus, as `tests/corpus/malformed/README.md` describes it.
const CORPUS: &[Case] = &[
    case("binary_junk.csv", Failed, &[0], &[]),
    case(
        "binary_junk_no_nul.csv",
        Failed,
        &[1, 2, 3, 4, 5, 6, 7],
        &[],
    ),
    case("semicolon_delimiter.csv", Failed, &[1, 2], &[]),
    case("tab_delimiter.csv", Failed, &[1, 2], &[]),
    case("truncated_utf8.csv", Processed, &[2], &[101]),
    case("latin1_bytes.csv", Processed, &[2], &[102, 103]),
    case("utf16le_bom.csv", Failed, &[0], &[]),
    case("utf16be_bom.csv", Failed, &[0], &[]),
    case("empty.csv", NothingToDo, &[], &[]),
    case("header_only_headerless.csv", NothingToDo, &[], &[]),
    case("header_only_headed.csv", NothingToDo, &[], &[]),
    case("nul_bytes.csv", Failed, &[0], &[]),
    case("blank_lines_only.csv", NothingToDo, &[], &[]),
    case("cr_only_line_ends.csv", Processed, &[2], &[104, 105]),
    case("unterminated_quote.csv", Processed, &[2], &[106]),
    case("extra_columns.csv", Processed, &[2], &[107]),
    case("missing_columns.csv", Processed, &[1, 3], &[108]),
    case("bad_date_feb30.csv", Processed, &[2], &[109]),
    case("bad_time_2400.csv", Processed, &[1], &[110]),
    case("bad_year_0000.csv", Processed, &[2], &[111]),
    case("negative_time.csv", Processed, &[2], &[112]),
    case("garbage_time.csv", Processed, &[1, 2], &[113]),
    case("empty_employee_id.csv", Processed, &[1], &[114]),
    case("whitespace_employee_id.csv", Processed, &[2, 3], &[115]),
    // 117 is a book-off: checked separately (it clears a value set beforehand).
    case("lowercase_bon_bof.csv", Processed, &[], &[116]),
    case("mixed_formats.csv", Processed, &[2, 4], &[118]),
    case("headed_bad_status.csv", Processed, &[3], &[119]),
    case("headed_bad_timestamp.csv", Processed, &[2], &[120]),
    case("headed_missing_timestamp_column.csv", Failed, &[0], &[]),
    case("headed_short_row.csv", Processed, &[3], &[121]),
    case("unknown_transaction.csv", Processed, &[1, 3], &[122]),
    case("html_error_page.csv", Failed, &[1, 2, 3], &[]),
    case("json_instead_of_csv.csv", Failed, &[1], &[]),
    case("only_commas.csv", NothingToDo, &[], &[]),
    case("bom_in_middle.csv", Processed, &[], &[123, 124]),
    case("mixed_line_ends.csv", Processed, &[3], &[125, 126]),
    case("truncated_mid_row.csv", Processed, &[2], &[127]),
];

/// The collar numbers on bad rows (`002xx`): none may be applied.
const BAD_COLLARS: std::ops::RangeInclusive<usize> = 201..=250;

const GOOD_FILE: &str = "BOBO_good.csv";
const HUGE_FILE: &str = "huge_line.csv";
const BIG_FILE: &str = "rows_100k.csv";
/// Rows of the big file, and its bad lines (1-based).
const BIG_ROWS: usize = 100_000;
const BIG_BAD_LINES: [usize; 3] = [10, 50_000, 99_999];
/// The big file cycles over these ten collar numbers.
const BIG_COLLARS: std::ops::Range<usize> = 131..141;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join("malformed")
}

fn read_corpus(name: &str) -> Vec<u8> {
    let path = corpus_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Collar `n` as written in BOBO files (`00042`).
fn collar(n: usize) -> String {
    format!("{n:05}")
}

/// The good file: two book-ons on day 0.
fn good_file() -> String {
    [
        bobo_row("BON", &collar(1), &stamp(0, "070000")),
        bobo_row("BON", &collar(2), &stamp(0, "070100")),
    ]
    .concat()
}

/// A row whose Transaction_Type is 6 MB long on line 1, a good row for collar 128
/// on line 2.
fn huge_file() -> String {
    let huge = "X".repeat(6_000_000);
    format!(
        "{huge}{}{}",
        bobo_row("", &collar(250), &stamp(0, "070500")),
        bobo_row("BON", &collar(128), &stamp(0, "071000"))
    )
}

/// 100,000 book-ons cycling over [`BIG_COLLARS`], one second apart from day 0
/// 00:00:00, with bad rows at [`BIG_BAD_LINES`]; and the value each collar must end
/// with (its latest good row).
fn big_file() -> (String, Vec<(usize, String)>) {
    let start = base_date().and_time(NaiveTime::MIN);
    let mut text = String::with_capacity(BIG_ROWS * 70);
    let mut latest = vec![None; BIG_COLLARS.len()];
    for i in 0..BIG_ROWS {
        let line = i + 1;
        if BIG_BAD_LINES.contains(&line) {
            text.push_str(&format!(
                "BON,{},short row\n",
                collar(BAD_COLLARS.start() + 20)
            ));
            continue;
        }
        let at = start + Duration::seconds(i as i64);
        let slot = i % BIG_COLLARS.len();
        text.push_str(&bobo_row(
            "BON",
            &collar(BIG_COLLARS.start + slot),
            &at.format("%Y%m%d%H%M%S").to_string(),
        ));
        latest[slot] = Some(athoc_time(at));
    }
    let expected = BIG_COLLARS
        .zip(latest)
        .map(|(n, value)| (n, value.unwrap_or_default()))
        .collect();
    (text, expected)
}

fn site() -> Harness {
    let h = Harness::new(generate_users(300));
    // 117's book-off must clear something to be seen.
    h.set_duty(&login(117), &athoc_on(-1, "06:00:00"));
    h
}

/// Panics unless every line of `case` is reported as `<file>:<line>` in `text`.
#[track_caller]
fn assert_reported(text: &str, name: &str, lines: &[u32], what: &str, run: &Run) {
    for line in lines {
        let needle = format!("{name}:{line}:");
        assert!(text.contains(&needle), "{what} lacks {needle:?}\n{run}");
    }
}

/// Panics unless every dropped file left the drop folder, into `processed/`, or into
/// `failed/` together with its reason file, as `fate` says.
#[track_caller]
fn assert_accounted_for(h: &Harness, name: &str, fate: Fate, run: &Run) {
    let failed = h.failed_listing();
    match fate {
        Processed | NothingToDo => h.assert_processed(name),
        Failed => {
            assert!(
                !h.drop_listing().contains(&name.to_owned()),
                "{name} is still in the drop folder\n{run}"
            );
            assert!(
                failed.contains(&name.to_owned()),
                "{name} not in failed/: {failed:?}\n{run}"
            );
            let reason = format!("{name}.reason.txt");
            assert!(
                failed.contains(&reason),
                "{reason} missing: {failed:?}\n{run}"
            );
        }
    }
}

#[test]
fn the_whole_malformed_corpus_in_one_drop() {
    let h = site();
    h.drop_file(GOOD_FILE, good_file());
    for case in CORPUS {
        h.drop_file(case.name, rebase_dates(&read_corpus(case.name)));
    }
    h.drop_file(HUGE_FILE, huge_file());
    let (big, big_expected) = big_file();
    h.drop_file(BIG_FILE, big);

    let run = h.once();

    // Some files had no readable row: the run says so and exits 1.
    run.assert_code(EXIT_FAILED);
    let output = run.output();
    let log = h.log_text();
    for case in CORPUS {
        assert_reported(&output, case.name, case.bad_lines, "the output", &run);
        assert_reported(&log, case.name, case.bad_lines, "the log", &run);
        if case.fate == Failed {
            run.assert_output_contains(&format!(
                "{}: no row could be applied; moved to the failed folder",
                case.name
            ));
        }
        assert_accounted_for(&h, case.name, case.fate, &run);
    }
    assert_reported(&output, HUGE_FILE, &[1], "the output", &run);
    // Far longer than any row: reported by its length, never quoted.
    run.assert_output_contains("huge_line.csv:1: the line is 6000062 bytes long");
    assert!(
        run.raw.len() < 1_000_000,
        "the 6 MB line was copied into the output ({} bytes)",
        run.raw.len()
    );
    let big_lines: Vec<u32> = BIG_BAD_LINES.iter().map(|&l| l as u32).collect();
    assert_reported(&output, BIG_FILE, &big_lines, "the output", &run);
    for name in [GOOD_FILE, HUGE_FILE, BIG_FILE] {
        h.assert_processed(name);
    }
    assert!(
        h.drop_listing().is_empty(),
        "left behind: {:?}",
        h.drop_listing()
    );

    // The reason file of a failed file lists its errors with their lines.
    let reason = std::fs::read_to_string(h.failed_dir().join("semicolon_delimiter.csv.reason.txt"))
        .unwrap_or_default();
    assert!(
        reason.contains("semicolon_delimiter.csv:2") && reason.contains("the row uses ';'"),
        "reason file: {reason}"
    );

    // Good rows applied, bad rows not.
    h.assert_duty(&login(1), Some(&athoc_on(0, "07:00:00")), &run);
    h.assert_duty(&login(2), Some(&athoc_on(0, "07:01:00")), &run);
    h.assert_duty(&login(128), Some(&athoc_on(0, "07:10:00")), &run);
    let day0 = athoc_on(0, "");
    for n in CORPUS.iter().flat_map(|c| c.good.iter()) {
        let value = h.duty(&login(*n as usize));
        assert!(
            value.as_deref().is_some_and(|v| v.starts_with(&day0)),
            "collar {n}: {value:?}, expected a book-on on {day0}\n{run}"
        );
    }
    h.assert_duty(&login(117), None, &run);
    for n in BAD_COLLARS {
        h.assert_duty(&login(n), None, &run);
    }
    for (n, value) in big_expected {
        h.assert_duty(&login(n), Some(&value), &run);
    }
}

#[test]
fn only_bad_rows_exit_zero() {
    let h = site();
    h.drop_file(GOOD_FILE, good_file());
    let partly_bad: Vec<&Case> = CORPUS.iter().filter(|c| c.fate != Failed).collect();
    for case in &partly_bad {
        h.drop_file(case.name, rebase_dates(&read_corpus(case.name)));
    }

    let run = h.once();

    run.assert_success();
    for case in &partly_bad {
        assert_reported(&run.output(), case.name, case.bad_lines, "the output", &run);
        h.assert_processed(case.name);
    }
    h.assert_processed(GOOD_FILE);
    assert!(
        h.failed_listing().is_empty(),
        "failed/: {:?}",
        h.failed_listing()
    );
    h.assert_duty(&login(1), Some(&athoc_on(0, "07:00:00")), &run);
    h.assert_duty(&login(106), Some(&athoc_on(0, "08:14:00")), &run);
}
