use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Europe::London;
use proptest::prelude::*;
use rstest::rstest;

use super::*;

/// The project's sample exports, `tests/fixtures/bobo` in the workspace, as
/// the e2e tests find them (`BOBOSYNC_FIXTURES` overrides it).
fn fixture(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("BOBOSYNC_FIXTURES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bobo"),
        PathBuf::from,
    );
    let path = dir.join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "read fixture {} (set BOBOSYNC_FIXTURES?): {e}",
            path.display()
        )
    })
}

fn naive(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    naive(s).and_utc()
}

/// A compact view of a parse: `(line, "BON 00042 2025-06-17 14:29:55")` for
/// events and `(line, reason)` for errors.
/// `(line, text)` pairs, in file order.
type Lines = Vec<(u32, String)>;

/// Asserts the errors, by line, each reason containing the expected text.
fn assert_errors(got: &Lines, want: &[(u32, &str)]) {
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((line, reason), (want_line, want)) in got.iter().zip(want) {
        assert_eq!(line, want_line, "{reason}");
        assert!(reason.contains(want), "{reason:?} should contain {want:?}");
    }
}

fn check(file: &str, bytes: &[u8]) -> (BoboFormat, Lines, Lines) {
    let parsed = parse_bobo(file, bytes, London);
    for e in &parsed.events {
        assert_eq!(&*e.source.file, file);
        assert_eq!(e.at, crate::time::local_to_utc(e.local, London));
    }
    for e in &parsed.errors {
        assert_eq!(&*e.source.file, file);
    }
    let events = parsed
        .events
        .iter()
        .map(|e| {
            let text = format!(
                "{} {} {}",
                e.duty.code(),
                e.employee,
                e.local.format("%Y-%m-%d %H:%M:%S")
            );
            (e.source.line, text)
        })
        .collect();
    let errors = parsed
        .errors
        .iter()
        .map(|e| (e.source.line, e.reason.clone()))
        .collect();
    (parsed.format, events, errors)
}

fn ev(line: u32, text: &str) -> (u32, String) {
    (line, text.to_owned())
}

#[rstest]
#[case::first_export(
    "BOBO_20250617_143000_output.csv",
    BoboFormat::Headerless,
    &[
        ev(1, "BON 00042 2025-06-17 14:29:55"),
        ev(2, "BON 12345 2025-06-17 14:30:01"),
        ev(3, "BOF 07731 2025-06-17 14:30:12"),
        ev(4, "BON 31337 2025-06-17 14:30:20"),
    ],
    &[],
)]
#[case::second_export(
    "BOBO_20250617_143100_output.csv",
    BoboFormat::Headerless,
    &[
        ev(1, "BOF 12345 2025-06-17 14:31:05"),
        ev(2, "BON 07731 2025-06-17 14:31:10"),
        ev(3, "BON 99999 2025-06-17 14:31:15"),
    ],
    &[],
)]
#[case::readme_format(
    "readme_format.csv",
    BoboFormat::Headed,
    &[ev(2, "BON 12345 2024-06-17 14:30:00"), ev(3, "BOF 67890 2024-06-17 14:31:00")],
    &[],
)]
#[case::excel_bom_crlf(
    "excel_bom_crlf.csv",
    BoboFormat::Headerless,
    &[ev(1, "BON 00042 2025-06-18 07:00:00"), ev(2, "BOF 00042 2025-06-18 19:00:00")],
    &[],
)]
#[case::malformed_rows(
    "malformed_rows.csv",
    BoboFormat::Headerless,
    &[ev(1, "BON 00042 2025-06-19 07:00:00"), ev(5, "BOF 00046 2025-06-19 07:03:00")],
    &[(2, "found 2"), (3, "unknown Transaction_Type 'XYZ'"), (4, "DateTime_Created '2025061907XX00'")],
)]
fn sample_exports(
    #[case] name: &str,
    #[case] format: BoboFormat,
    #[case] events: &[(u32, String)],
    #[case] errors: &[(u32, &str)],
) {
    let (got_format, got_events, got_errors) = check(name, &fixture(name));
    assert_eq!(got_format, format);
    assert_eq!(got_events, events);
    assert_errors(&got_errors, errors);
}

#[test]
fn the_fixture_times_become_utc_instants() {
    let parsed = parse_bobo("f.csv", &fixture("BOBO_20250617_143000_output.csv"), London);
    // June: BST, one hour ahead of UTC.
    assert_eq!(parsed.events[0].at, utc("2025-06-17 13:29:55"));
}

const ROW: &str = "BON,00042,51234,20250617,142955,20250617142955,1,54.89,-2.93,8.5";

#[rstest]
#[case::plain(ROW, &[ev(1, "BON 00042 2025-06-17 14:29:55")], &[])]
#[case::lowercase_and_spaces(
    " bof , 00042 ,51234,20250617,142955, 20250617142955 ,1,,,",
    &[ev(1, "BOF 00042 2025-06-17 14:29:55")],
    &[],
)]
#[case::quoted_fields(
    "\"BON\",\"00042\",\"51234\",\"20250617\",\"142955\",\"20250617142955\"",
    &[ev(1, "BON 00042 2025-06-17 14:29:55")],
    &[],
)]
#[case::space_before_quote(
    "BON, \"00042\",51234,20250617,142955,20250617142955",
    &[ev(1, "BON 00042 2025-06-17 14:29:55")],
    &[],
)]
#[case::six_columns_no_geo(
    "BOF,7,P1,20250617,142955,20250617142955",
    &[ev(1, "BOF 7 2025-06-17 14:29:55")],
    &[],
)]
#[case::header_skipped(
    "Transaction_Type,Employee_ID,Payroll_ID,Clocking_Date,Clocking_Time,DateTime_Created,Geo_Status,Geo_Latitude,Geo_Longitude,Geo_Accuracy\nBON,00042,51234,20250617,142955,20250617142955,1,,,",
    &[ev(2, "BON 00042 2025-06-17 14:29:55")],
    &[],
)]
#[case::blank_lines_keep_line_numbers(
    "\n\r\n   \n" ,
    &[],
    &[],
)]
#[case::crlf_blank_lines_between(
    "BON,1,P,20250617,142955,20250617142955\r\n\r\n\r\nBOF,2,P,20250617,142955,20250617142956\r\n",
    &[ev(1, "BON 1 2025-06-17 14:29:55"), ev(4, "BOF 2 2025-06-17 14:29:56")],
    &[],
)]
#[case::cr_only_line_ends_count_as_lines(
    "BON,1,P,20250617,142955,20250617142955\r\rBON,00043\rBOF,2,P,20250617,142955,20250617142956\r\n",
    &[ev(1, "BON 1 2025-06-17 14:29:55"), ev(4, "BOF 2 2025-06-17 14:29:56")],
    &[(3, "found 2")],
)]
#[case::year_before_1970_is_refused(
    "BON,1,P,00000101,120000,00000101120000\nBON,2,P,19000100,000000,19000101000000",
    &[],
    &[(1, "the time '00000101120000' is in the year 0, before 1970"), (2, "in the year 1900, before 1970")],
)]
#[case::stray_byte_order_marks_mid_file(
    "\u{feff}BON,1,P,20250617,142955,20250617142955\r\n\u{feff}BON,2,P,20250617,142955,20250617142956\r\n",
    &[ev(1, "BON 1 2025-06-17 14:29:55"), ev(2, "BON 2 2025-06-17 14:29:56")],
    &[],
)]
#[case::unclosed_quote_names_the_lines_it_swallowed(
    "BON,\"1,P,20250617,142955,20250617142955\nBON,2,P,20250617,142955,20250617142956\nBON,3,P,20250617,142955,20250617142957\n",
    &[],
    &[(1, "a quoted field that starts on this line is not closed until line 3 (or the end of the file), so lines 1-3 were read as this one row")],
)]
#[case::too_few_columns(
    "BON,00043",
    &[],
    &[(1, "expected at least 6 comma-separated columns (Transaction_Type,Employee_ID,Payroll_ID,Clocking_Date,Clocking_Time,DateTime_Created), found 2")],
)]
#[case::semicolons(
    "BON;00042;51234;20250617;142955;20250617142955",
    &[],
    &[(1, "found 1: the row uses ';' between columns; BOBO files use ','")],
)]
#[case::too_many_columns(
    "BON,00042,51234,20250617,142955,20250617142955,1,54.89,-2.93,8.5,extra",
    &[],
    &[(1, "expected at most 10 comma-separated columns")],
)]
#[case::empty_employee(
    "BON,  ,51234,20250617,142955,20250617142955",
    &[],
    &[(1, "the Employee_ID is empty")],
)]
#[case::several_problems_in_one_reason(
    "ON,,51234,20250617,142955,2025",
    &[],
    &[(1, "unknown Transaction_Type 'ON': expected BON (book on) or BOF (book off); the Employee_ID is empty: expected the employee's collar number, e.g. 00042; DateTime_Created '2025' is not a date-time: expected 14 digits YYYYMMDDHHMMSS")],
)]
#[case::impossible_date(
    "BON,1,P,20250231,142955,20250231142955",
    &[],
    &[(1, "DateTime_Created '20250231142955' is not a date-time")],
)]
#[case::created_wins_over_clocking_columns(
    "BON,1,P,20250101,000000,20250617142955",
    &[ev(1, "BON 1 2025-06-17 14:29:55")],
    &[],
)]
#[case::good_clocking_but_bad_created(
    "BON,1,P,20250617,142955,",
    &[],
    &[(1, "DateTime_Created '' is not a date-time")],
)]
#[case::quoted_newline_keeps_start_line(
    "BON,1,P,20250617,142955,20250617142955\nBON,2,\"P\nQ\",x,y,20250617142955\nXBOF,3,P,20250617,142955,20250617142955",
    &[ev(1, "BON 1 2025-06-17 14:29:55"), ev(2, "BON 2 2025-06-17 14:29:55")],
    &[(4, "unknown Transaction_Type 'XBOF'")],
)]
fn headerless_rows(
    #[case] text: &str,
    #[case] events: &[(u32, String)],
    #[case] errors: &[(u32, &str)],
) {
    let (_, got_events, got_errors) = check("t.csv", text.as_bytes());
    assert_eq!(got_events, events);
    assert_errors(&got_errors, errors);
}

#[rstest]
#[case::readme("Employee_ID,Status,Timestamp\n12345,On Duty,2024-06-17 14:30:00", &[ev(2, "BON 12345 2024-06-17 14:30:00")], &[])]
#[case::any_order_and_names(
    " timestamp ,EMPLOYEE ID,Site,status\n2024-06-17T14:30,00042,HQ,  off   DUTY ",
    &[ev(2, "BOF 00042 2024-06-17 14:30:00")],
    &[],
)]
#[case::codes_and_compact_time(
    "employee_id,status,timestamp\n00042,bon,20240617143000\n00042,BOF,2024-06-17 14:31:00.250",
    &[ev(2, "BON 00042 2024-06-17 14:30:00"), ev(3, "BOF 00042 2024-06-17 14:31:00")],
    &[],
)]
#[case::onduty_without_space(
    "Employee_ID,Status,Timestamp\n1,OnDuty,2024-06-17 14:30:00\n2,on_duty,2024-06-17 14:30:00",
    &[ev(2, "BON 1 2024-06-17 14:30:00"), ev(3, "BON 2 2024-06-17 14:30:00")],
    &[],
)]
#[case::bad_rows(
    "Employee_ID,Status,Timestamp\n1,Sleeping,2024-06-17 14:30:00\n,On Duty,2024-06-17 14:30:00\n3,On Duty,17/06/2024 14:30\n4,On Duty",
    &[],
    &[
        (2, "unknown Status 'Sleeping': expected On Duty or Off Duty"),
        (3, "the Employee_ID is empty"),
        (4, "Timestamp '17/06/2024 14:30' is not a date-time: expected YYYY-MM-DD HH:MM:SS"),
        (5, "expected at least 3 comma-separated columns"),
    ],
)]
#[case::missing_column(
    "Employee_ID,State,Timestamp\n1,On Duty,2024-06-17 14:30:00",
    &[],
    &[(0, "the header row has no Status column (found: Employee_ID,State,Timestamp)")],
)]
#[case::missing_two_columns(
    "Employee_ID\n1",
    &[],
    &[(0, "no Status or Timestamp column")],
)]
#[case::bom_crlf_blank_before_header(
    "\u{feff}\r\nEmployee_ID,Status,Timestamp\r\n\r\n00042,On Duty,2024-06-17 14:30:00\r\n",
    &[ev(4, "BON 00042 2024-06-17 14:30:00")],
    &[],
)]
fn headed_rows(
    #[case] text: &str,
    #[case] events: &[(u32, String)],
    #[case] errors: &[(u32, &str)],
) {
    let (format, got_events, got_errors) = check("h.csv", text.as_bytes());
    assert_eq!(format, BoboFormat::Headed);
    assert_eq!(got_events, events);
    assert_errors(&got_errors, errors);
}

#[rstest]
#[case::empty(b"".as_slice(), BoboFormat::Empty, &[])]
#[case::blank(b"\r\n\r\n  \n".as_slice(), BoboFormat::Empty, &[])]
#[case::bom_only(b"\xEF\xBB\xBF".as_slice(), BoboFormat::Empty, &[])]
#[case::nul_bytes(b"BON,1\0\0\x01\x02".as_slice(), BoboFormat::Empty, &[(0, "NUL bytes")])]
#[case::utf16(b"\xFF\xFEB\0O\0N\0".as_slice(), BoboFormat::Empty, &[(0, "UTF-16")])]
#[case::header_only(b"Transaction_Type,Employee_ID\n".as_slice(), BoboFormat::Headerless, &[])]
fn whole_file_cases(
    #[case] bytes: &[u8],
    #[case] format: BoboFormat,
    #[case] errors: &[(u32, &str)],
) {
    let (got_format, events, got_errors) = check("f.csv", bytes);
    assert_eq!(got_format, format);
    assert!(events.is_empty());
    assert_errors(&got_errors, errors);
}

#[test]
fn a_non_utf8_row_is_an_error_and_the_others_still_parse() {
    let mut bytes = b"BON,1,P,20250617,142955,20250617142955\n".to_vec();
    bytes.extend_from_slice(b"BON,J\xE9r\xF4me,P,20250617,142955,20250617142955\n");
    bytes.extend_from_slice(b"BOF,3,P,20250617,142955,20250617142955\n");
    let (_, events, errors) = check("latin1.csv", &bytes);
    assert_eq!(
        events,
        [
            ev(1, "BON 1 2025-06-17 14:29:55"),
            ev(3, "BOF 3 2025-06-17 14:29:55")
        ]
    );
    assert_eq!(errors, [ev(2, "not UTF-8 text: save the file as UTF-8")]);
}

/// A line of junk far longer than any row is reported by its line and
/// length and never copied into fields; the rows around it keep their line
/// numbers, whatever the line ends.
#[rstest]
#[case::lf("\n")]
#[case::crlf("\r\n")]
#[case::cr("\r")]
fn an_overlong_line_is_reported_alone_and_the_others_keep_their_numbers(#[case] end: &str) {
    let junk = "A".repeat(MAX_LINE_BYTES + 1);
    let text = format!(
        "BON,1,P,20250617,142955,20250617142955{end}{junk}{end}{end}BOF,3,P,20250617,142955,20250617142955{end}"
    );
    let (_, events, errors) = check("junk.csv", text.as_bytes());
    assert_eq!(
        events,
        [
            ev(1, "BON 1 2025-06-17 14:29:55"),
            ev(4, "BOF 3 2025-06-17 14:29:55")
        ]
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, 2);
    assert!(errors[0].1.contains(&format!("{} bytes long", MAX_LINE_BYTES + 1)), "{errors:?}");
    // A line of exactly the limit is read as a row (and is a bad one).
    let edge = format!("{}{end}", "B".repeat(MAX_LINE_BYTES));
    let (_, _, errors) = check("edge.csv", edge.as_bytes());
    assert!(!errors.iter().any(|e| e.1.contains("bytes long")), "{errors:?}");
}

#[test]
fn leading_zeros_stay() {
    let parsed = parse_bobo(
        "z.csv",
        b"BON,00042,P,20250617,142955,20250617142955",
        London,
    );
    assert_eq!(parsed.events[0].employee.as_str(), "00042");
}

#[rstest]
// Spring gap: 01:30 is read as GMT.
#[case("20250330013000", "2025-03-30 01:30:00")]
// Autumn fold: the earlier (BST) instant.
#[case("20251026013000", "2025-10-26 00:30:00")]
fn dst_rule_applies_to_rows(#[case] created: &str, #[case] at: &str) {
    let text = format!("BON,1,P,x,y,{created}");
    let parsed = parse_bobo("dst.csv", text.as_bytes(), London);
    assert_eq!(parsed.events[0].at, utc(at));
}

/// A line for the accounting property: a good row, a bad row, a blank line
/// or arbitrary text without quotes, NULs or line breaks.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(ROW.to_owned()),
        Just("BOF,00042,P,20250617,142955,20250617142955".to_owned()),
        Just("BON,00043".to_owned()),
        Just(String::new()),
        "[^\"\\x00\\r\\n]{0,60}",
    ]
}

proptest! {
    #[test]
    fn never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_bobo("junk.csv", &bytes, London);
    }

    #[test]
    fn never_panics_on_csv_like_text(text in "[BONFoff,0-9 \"\r\n;_:TE-]{0,300}") {
        let _ = parse_bobo("junk.csv", text.as_bytes(), London);
    }

    /// Every headerless data line becomes exactly one event or one error,
    /// at its own physical line number.
    #[test]
    fn every_row_is_accounted_for(lines in proptest::collection::vec(line(), 1..30), crlf in any::<bool>()) {
        // Start with a known data row so the file is read as headerless.
        let mut all = vec![ROW.to_owned()];
        all.extend(lines);
        let text = all.join(if crlf { "\r\n" } else { "\n" });
        let parsed = parse_bobo("p.csv", text.as_bytes(), London);
        let mut seen: Vec<u32> = parsed.events.iter().map(|e| e.source.line)
            .chain(parsed.errors.iter().map(|e| e.source.line))
            .collect();
        seen.sort_unstable();
        let expected: Vec<u32> = all.iter().enumerate()
            .filter(|(_, l)| {
                // A stray byte-order mark (two Excel exports joined) is not data.
                let l = l.replace('\u{feff}', "");
                let first = l.split(',').next().unwrap_or("").trim();
                !l.trim().replace(',', "").trim().is_empty()
                    && !normalized(first).eq("transactiontype")
                    && !normalized(first).eq("employeeid")
            })
            .map(|(i, _)| i as u32 + 1)
            .collect();
        prop_assert_eq!(seen, expected);
    }
}

#[test]
fn a_huge_field_is_cut_short_in_the_message() {
    // Within MAX_LINE_BYTES (longer lines are not read at all, see above).
    let huge = "X".repeat(5_000);
    let text = format!("{huge},1,P,20250617,142955,{huge}\n");
    let parsed = parse_bobo("huge.csv", text.as_bytes(), London);
    assert!(parsed.events.is_empty());
    assert_eq!(parsed.errors.len(), 1);
    let reason = &parsed.errors[0].reason;
    assert!(reason.len() < 1_000, "{} bytes", reason.len());
    assert!(reason.contains("(5000 characters in all)"), "{reason}");
    assert!(
        reason.starts_with("unknown Transaction_Type 'XXXX"),
        "{reason}"
    );
}

/// A row error names the employee when that part of the row was fine, so
/// history can answer "what happened to 00042's book-on?".
#[test]
fn a_row_error_keeps_the_employee_id_when_it_was_readable() {
    let bytes = b"BON,00042,,,,2025061X143000,,,,\nBON,,,,,20250617143000,,,,\nBOF\n";
    let parsed = parse_bobo("x.csv", bytes, London);
    let employees: Vec<(u32, Option<&str>)> = parsed
        .errors
        .iter()
        .map(|e| (e.source.line, e.employee.as_ref().map(EmployeeId::as_str)))
        .collect();
    assert_eq!(employees, [(1, Some("00042")), (2, None), (3, None)]);
}

/// A junk file cannot flood memory, the database or the terminal: the first
/// MAX_ROW_ERRORS row errors are kept, the rest counted in one.
#[test]
fn row_errors_are_capped_per_file_and_the_rest_counted() {
    let bytes = "junk\n".repeat(MAX_ROW_ERRORS + 500);
    let parsed = parse_bobo("junk.csv", bytes.as_bytes(), London);
    assert_eq!(parsed.errors.len(), MAX_ROW_ERRORS + 1);
    let last = parsed
        .errors
        .last()
        .map(|e| (e.source.line, e.reason.clone()));
    let first_omitted = MAX_ROW_ERRORS as u32 + 1;
    assert_eq!(last.as_ref().map(|l| l.0), Some(first_omitted));
    let reason = last.map(|l| l.1).unwrap_or_default();
    assert!(
        reason.starts_with(&format!(
            "and 500 more row(s) that could not be read, lines {first_omitted} to {}",
            MAX_ROW_ERRORS + 500
        )),
        "{reason}"
    );
}
