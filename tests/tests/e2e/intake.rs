//! Intake end to end: both BOBO formats, Excel quirks, leading-zero IDs, latest-wins across
//! files, unmapped employees, malformed rows reported by line while good rows apply.
//!
//! The sample exports are used with their dates moved to the recent past (`drop_recent_fixture`),
//! so "17/06/2025 14:31:10" reads `athoc_on(0, "14:31:10")` here.

use bobosync_e2e::*;

const FILE_A: &str = "BOBO_20250617_143000_output.csv";
const FILE_B: &str = "BOBO_20250617_143100_output.csv";

/// The org for the headerless samples: `user00042` comes from `generate_users`; `42` and
/// `7731` are traps for an engine that treats IDs as numbers.
fn fixture_org() -> Vec<SimUser> {
    org(
        50,
        [
            user("pc12345@force.example", "12345"),
            user("pc07731@force.example", "07731"),
            user("pc31337@force.example", "31337"),
            user("pc42@force.example", "42"),
            user("pc7731@force.example", "7731"),
        ],
    )
}

fn headerless_fixtures_latest_wins(batch_size: &str) {
    let mut h = Harness::new(fixture_org());
    h.set("BATCH_SIZE", batch_size);
    // 12345 starts on duty so that its final BOF is visible as a clear.
    h.set_duty("pc12345@force.example", &athoc_on(-1, "08:00:00"));
    h.drop_recent_fixture(FILE_A);
    h.drop_recent_fixture(FILE_B);

    let run = h.once();
    run.assert_success();

    h.assert_duty("pc12345@force.example", None, &run);
    h.assert_duty(
        "pc07731@force.example",
        Some(&athoc_on(0, "14:31:10")),
        &run,
    );
    h.assert_duty(&login(42), Some(&athoc_on(0, "14:29:55")), &run);
    h.assert_duty(
        "pc31337@force.example",
        Some(&athoc_on(0, "14:30:20")),
        &run,
    );
    // Leading zeros are part of the ID: 00042 is not 42, 07731 is not 7731.
    h.assert_duty("pc42@force.example", None, &run);
    h.assert_duty("pc7731@force.example", None, &run);
    // 99999 has no AtHoc user: a warning that names it, not a failure.
    run.assert_output_contains("99999");

    h.assert_processed(FILE_A);
    h.assert_processed(FILE_B);
    assert!(
        h.drop_listing().is_empty(),
        "drop folder: {:?}",
        h.drop_listing()
    );
    assert_only_login_and_duty_sent(&h);
}

#[test]
fn headerless_exports_latest_event_wins_across_files() {
    headerless_fixtures_latest_wins("10");
}

#[test]
fn headerless_exports_latest_event_wins_across_batches() {
    headerless_fixtures_latest_wins("1");
}

/// Every record BoboSync sent to `SyncByCommonNames` names only `LOGIN_ID` and the duty field.
#[track_caller]
fn assert_only_login_and_duty_sent(h: &Harness) {
    let syncs: Vec<RecordedRequest> = h
        .requests()
        .into_iter()
        .filter(|r| r.path.to_ascii_lowercase().contains("syncbycommonnames"))
        .collect();
    assert!(!syncs.is_empty(), "no SyncByCommonNames call was made");
    for r in syncs {
        let body: serde_json::Value = serde_json::from_str(&r.body)
            .unwrap_or_else(|e| panic!("sync body is not JSON ({e}): {:?}", r.body));
        let records = body
            .as_array()
            .unwrap_or_else(|| panic!("sync body is not an array: {body}"));
        for record in records {
            let keys: Vec<&String> = record
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            assert!(
                keys.iter().all(|k| *k == "LOGIN_ID" || *k == DUTY),
                "a sync record names more than LOGIN_ID and {DUTY}: {record}"
            );
        }
    }
}

#[test]
fn headed_readme_format_sets_and_clears() {
    let h = Harness::new(org(
        5,
        [
            user("pc12345@force.example", "12345"),
            user("pc67890@force.example", "67890"),
        ],
    ));
    h.set_duty("pc67890@force.example", &athoc_on(-5, "08:00:00"));
    h.drop_recent_fixture("readme_format.csv");

    let run = h.once();
    run.assert_success();

    h.assert_duty(
        "pc12345@force.example",
        Some(&athoc_on(0, "14:30:00")),
        &run,
    );
    h.assert_duty("pc67890@force.example", None, &run);
    h.assert_processed("readme_format.csv");
}

#[test]
fn excel_quirks_bom_crlf_blank_lines_and_spaces() {
    let h = Harness::new(generate_users(50));
    h.set_duty(&login(42), &athoc_on(1, "06:00:00"));
    h.drop_recent_fixture("excel_bom_crlf.csv");
    // The BOM sits on the only row for 00043, so a BOM-blind reader loses its book-on; 00044's
    // row carries stray spaces; blank CRLF lines close the file.
    let d = bobo_date(1);
    h.drop_file(
        "excel_more.csv",
        format!(
            "\u{feff}BON,00043,51235,{d},080000,{d}080000,1,,,\r\n \
             BON , 00044 ,51236,{d},081500, {d}081500 ,1,,,\r\n\r\n\r\n"
        ),
    );

    let run = h.once();
    run.assert_success();

    // 00042 booked on at 07:00 and off at 19:00: the book-off is the latest event.
    h.assert_duty(&login(42), None, &run);
    h.assert_duty(&login(43), Some(&athoc_on(1, "08:00:00")), &run);
    h.assert_duty(&login(44), Some(&athoc_on(1, "08:15:00")), &run);
    h.assert_processed("excel_bom_crlf.csv");
    h.assert_processed("excel_more.csv");
}

#[test]
fn malformed_rows_reported_by_line_while_good_rows_apply() {
    let h = Harness::new(generate_users(50));
    h.set_duty(&login(46), &athoc_on(1, "07:00:00"));
    h.drop_recent_fixture("malformed_rows.csv");

    let run = h.once();
    run.assert_success();

    for line in [2, 3, 4] {
        run.assert_output_contains(&format!("malformed_rows.csv:{line}"));
    }
    let log = h.log_text();
    assert!(
        log.contains("malformed_rows.csv:2"),
        "the log does not report the bad rows:\n{log}"
    );
    h.assert_duty(&login(42), Some(&athoc_on(2, "07:00:00")), &run); // row 1
    h.assert_duty(&login(46), None, &run); // row 5, a book-off
    for bad in [43, 44, 45] {
        h.assert_duty(&login(bad), None, &run);
    }
    h.assert_processed("malformed_rows.csv");
}

#[test]
fn file_with_only_invalid_rows_goes_to_failed_with_reason() {
    let h = Harness::new(generate_users(5));
    let s = stamp(0, "143000");
    h.drop_file(
        "garbage.csv",
        format!(
            "hello,world\nBON,00001\nXYZ,00002,1,{},143000,{s},1,,,\n",
            bobo_date(0)
        ),
    );

    let run = h.once();

    assert!(
        h.drop_listing().is_empty(),
        "drop folder: {:?}\n{run}",
        h.drop_listing()
    );
    let failed = h.failed_listing();
    assert!(
        failed.contains(&"garbage.csv".to_owned()),
        "failed folder: {failed:?}\n{run}"
    );
    assert!(
        failed.contains(&"garbage.csv.reason.txt".to_owned()),
        "failed folder: {failed:?}\n{run}"
    );
    h.assert_duty(&login(1), None, &run);
}
