//! The malformed-input corpus `tests/corpus/malformed/` read by
//! `engine::ingest::parse_bobo`: for every bad file, which rows still become
//! events and which message (with which line; line 0 = the whole file) each
//! bad row gets. The same files go through the real `bobosync once` in the
//! e2e test `tests/tests/malformed/`; the table here pins the messages.
//! `tests/corpus/malformed/README.md` is the human-readable form of this table.

use std::path::{Path, PathBuf};

use chrono_tz::Europe::London;
use engine::ingest::{parse_bobo, BoboFormat};
use rstest::rstest;

use BoboFormat::{Empty, Headed, Headerless};

const TOO_FEW: &str = "expected at least 6 comma-separated columns";
const NOT_UTF8: &str = "not UTF-8 text: save the file as UTF-8";
const BAD_CREATED: &str = "is not a date-time: expected 14 digits YYYYMMDDHHMMSS";
const EMPTY_ID: &str = "the Employee_ID is empty";
const NUL: &str = "the file contains NUL bytes, so it is not CSV text";
const UTF16: &str = "the file is UTF-16 text: save it as UTF-8";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("tests")
        .join("corpus")
        .join("malformed")
}

#[rstest]
#[case::binary_junk("binary_junk.csv", Empty, &[], &[(0, NUL)])]
#[case::binary_junk_no_nul("binary_junk_no_nul.csv", Empty, &[], &[(1, NOT_UTF8), (2, NOT_UTF8), (3, NOT_UTF8), (4, NOT_UTF8), (5, NOT_UTF8), (6, NOT_UTF8), (7, NOT_UTF8)])]
#[case::semicolons("semicolon_delimiter.csv", Headerless, &[], &[(1, "found 1: the row uses ';' between columns; BOBO files use ','"), (2, "the row uses ';'")])]
#[case::tabs("tab_delimiter.csv", Headerless, &[], &[(1, "found 1: the row uses tabs between columns; BOBO files use ','"), (2, "the row uses tabs")])]
#[case::truncated_utf8("truncated_utf8.csv", Headerless, &[(1, "00101")], &[(2, NOT_UTF8)])]
#[case::latin1("latin1_bytes.csv", Headerless, &[(1, "00102"), (3, "00103")], &[(2, NOT_UTF8)])]
#[case::utf16le("utf16le_bom.csv", Empty, &[], &[(0, UTF16)])]
#[case::utf16be("utf16be_bom.csv", Empty, &[], &[(0, UTF16)])]
#[case::empty("empty.csv", Empty, &[], &[])]
#[case::header_only_headerless("header_only_headerless.csv", Headerless, &[], &[])]
#[case::header_only_headed("header_only_headed.csv", Headed, &[], &[])]
#[case::nul_bytes("nul_bytes.csv", Empty, &[], &[(0, NUL)])]
#[case::blank_lines_only("blank_lines_only.csv", Empty, &[], &[])]
#[case::cr_only("cr_only_line_ends.csv", Headerless, &[(1, "00104"), (3, "00105")], &[(2, "found 2")])]
#[case::unterminated_quote("unterminated_quote.csv", Headerless, &[(1, "00106")], &[(2, "a quoted field that starts on this line is not closed until line 3 (or the end of the file), so lines 2-3 were read as this one row")])]
#[case::extra_columns("extra_columns.csv", Headerless, &[(1, "00107")], &[(2, "expected at most 10 comma-separated columns")])]
#[case::missing_columns("missing_columns.csv", Headerless, &[(2, "00108")], &[(1, "found 3"), (3, "found 2")])]
#[case::feb_30("bad_date_feb30.csv", Headerless, &[(1, "00109")], &[(2, "DateTime_Created '20250230120000' is not a date-time")])]
#[case::hour_24("bad_time_2400.csv", Headerless, &[(2, "00110")], &[(1, "DateTime_Created '20250617240000' is not a date-time")])]
#[case::year_0000("bad_year_0000.csv", Headerless, &[(1, "00111")], &[(2, "the time '00000101120000' is in the year 0, before 1970")])]
#[case::negative_time("negative_time.csv", Headerless, &[(1, "00112")], &[(2, "'20250617-10000' is not a date-time")])]
#[case::garbage_time("garbage_time.csv", Headerless, &[(3, "00113")], &[(1, BAD_CREATED), (2, "'2025-06-17 14:30' is not a date-time")])]
#[case::empty_id("empty_employee_id.csv", Headerless, &[(2, "00114")], &[(1, EMPTY_ID)])]
#[case::whitespace_id("whitespace_employee_id.csv", Headerless, &[(1, "00115")], &[(2, EMPTY_ID), (3, EMPTY_ID)])]
#[case::lowercase_accepted("lowercase_bon_bof.csv", Headerless, &[(1, "00116"), (2, "00117")], &[])]
#[case::mixed_formats("mixed_formats.csv", Headerless, &[(1, "00118")], &[(2, "found 3"), (4, "found 3")])]
#[case::headed_bad_status("headed_bad_status.csv", Headed, &[(2, "00119")], &[(3, "unknown Status 'On Call'")])]
#[case::headed_bad_timestamp("headed_bad_timestamp.csv", Headed, &[(3, "00120")], &[(2, "Timestamp '17/06/2025 10:10' is not a date-time")])]
#[case::headed_missing_column("headed_missing_timestamp_column.csv", Headed, &[], &[(0, "the header row has no Timestamp column (found: Employee_ID,Status,Time)")])]
#[case::headed_short_row("headed_short_row.csv", Headed, &[(2, "00121")], &[(3, "expected at least 3 comma-separated columns")])]
#[case::unknown_transaction("unknown_transaction.csv", Headerless, &[(2, "00122")], &[(1, "unknown Transaction_Type 'XYZ'"), (3, "unknown Transaction_Type 'ON'")])]
#[case::html("html_error_page.csv", Headerless, &[], &[(1, TOO_FEW), (2, TOO_FEW), (3, TOO_FEW)])]
#[case::json("json_instead_of_csv.csv", Headerless, &[], &[(1, "found 3")])]
#[case::only_commas("only_commas.csv", Empty, &[], &[])]
#[case::bom_in_middle("bom_in_middle.csv", Headerless, &[(1, "00123"), (2, "00124")], &[])]
#[case::mixed_line_ends("mixed_line_ends.csv", Headerless, &[(1, "00125"), (5, "00126")], &[(3, "'2025061708470' is not a date-time")])]
#[case::truncated_mid_row("truncated_mid_row.csv", Headerless, &[(1, "00127")], &[(2, "found 4")])]
fn each_bad_file_reads_as_documented(
    #[case] name: &str,
    #[case] format: BoboFormat,
    #[case] events: &[(u32, &str)],
    #[case] errors: &[(u32, &str)],
) {
    let path = corpus_dir().join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let parsed = parse_bobo(name, &bytes, London);
    assert_eq!(parsed.format, format, "{name}");
    let got_events: Vec<(u32, &str)> = parsed
        .events
        .iter()
        .map(|e| (e.source.line, e.employee.as_str()))
        .collect();
    assert_eq!(got_events, events, "{name}: events");
    let got_errors: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        parsed.errors.len(),
        errors.len(),
        "{name}: errors {got_errors:#?}"
    );
    for (error, (line, text)) in parsed.errors.iter().zip(errors) {
        assert_eq!(&*error.source.file, name);
        assert_eq!(error.source.line, *line, "{name}: {error}");
        assert!(error.reason.contains(text), "{name}: {error:?} lacks {text:?}");
    }
}

#[test]
fn every_corpus_file_is_in_the_table_and_the_readme() {
    let readme = std::fs::read_to_string(corpus_dir().join("README.md")).unwrap_or_default();
    let this = include_str!("malformed_corpus.rs");
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".csv"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    assert!(names.len() >= 30, "only {} corpus files", names.len());
    for name in &names {
        assert!(this.contains(&format!("(\"{name}\"")), "{name} has no case here");
        assert!(readme.contains(&format!("`{name}`")), "{name} is not in README.md");
    }
}
