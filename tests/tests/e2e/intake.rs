//! Intake end to end: both BOBO formats, Excel quirks, leading-zero IDs, latest-wins across
//! files, unmapped employees, malformed rows reported by line while good rows apply.

use bobosync_e2e::*;

const FILE_A: &str = "BOBO_20250617_143000_output.csv";
const FILE_B: &str = "BOBO_20250617_143100_output.csv";

/// The org for the headerless fixtures: `user00042` comes from `generate_users`; `42` and
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
    h.set_duty("pc12345@force.example", "16/06/2025 08:00:00");
    h.drop_fixture(FILE_A);
    h.drop_fixture(FILE_B);

    let run = h.once();
    run.assert_success();

    assert_eq!(
        h.duty("pc12345@force.example"),
        None,
        "12345 booked off last\n{run}"
    );
    assert_eq!(
        h.duty("pc07731@force.example").as_deref(),
        Some("17/06/2025 14:31:10"),
        "{run}"
    );
    assert_eq!(
        h.duty(&login(42)).as_deref(),
        Some("17/06/2025 14:29:55"),
        "{run}"
    );
    assert_eq!(
        h.duty("pc31337@force.example").as_deref(),
        Some("17/06/2025 14:30:20"),
        "{run}"
    );
    // Leading zeros are part of the ID: 00042 is not 42, 07731 is not 7731.
    assert_eq!(h.duty("pc42@force.example"), None, "{run}");
    assert_eq!(h.duty("pc7731@force.example"), None, "{run}");
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
        let body: serde_json::Value = match serde_json::from_slice(body_bytes(&r)) {
            Ok(v) => v,
            Err(e) => panic!(
                "sync body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(body_bytes(&r))
            ),
        };
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

fn body_bytes(r: &RecordedRequest) -> &[u8] {
    r.body.as_bytes()
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
    h.set_duty("pc67890@force.example", "01/06/2024 08:00:00");
    h.drop_fixture("readme_format.csv");

    let run = h.once();
    run.assert_success();

    assert_eq!(
        h.duty("pc12345@force.example").as_deref(),
        Some("17/06/2024 14:30:00"),
        "{run}"
    );
    assert_eq!(
        h.duty("pc67890@force.example"),
        None,
        "67890 booked off\n{run}"
    );
    h.assert_processed("readme_format.csv");
}

#[test]
fn excel_quirks_bom_crlf_blank_lines_and_spaces() {
    let h = Harness::new(generate_users(50));
    h.set_duty(&login(42), "17/06/2025 06:00:00");
    h.drop_fixture("excel_bom_crlf.csv");
    // The BOM sits on the only row that matters, so a BOM-blind reader loses 00043's book-on;
    // 00044's row carries stray spaces; blank CRLF lines close the file.
    h.drop_file(
        "excel_more.csv",
        "\u{feff}BON,00043,51235,20250618,080000,20250618080000,1,,,\r\n \
         BON , 00044 ,51236,20250618,081500, 20250618081500 ,1,,,\r\n\r\n\r\n",
    );

    let run = h.once();
    run.assert_success();

    assert_eq!(
        h.duty(&login(42)),
        None,
        "00042 booked off at 19:00, the latest event\n{run}"
    );
    assert_eq!(
        h.duty(&login(43)).as_deref(),
        Some("18/06/2025 08:00:00"),
        "{run}"
    );
    assert_eq!(
        h.duty(&login(44)).as_deref(),
        Some("18/06/2025 08:15:00"),
        "{run}"
    );
    h.assert_processed("excel_bom_crlf.csv");
    h.assert_processed("excel_more.csv");
}

#[test]
fn malformed_rows_reported_by_line_while_good_rows_apply() {
    let h = Harness::new(generate_users(50));
    h.set_duty(&login(46), "18/06/2025 07:00:00");
    h.drop_fixture("malformed_rows.csv");

    let run = h.once();
    run.assert_success();

    for line in [2, 3, 4] {
        run.assert_output_contains(&format!("malformed_rows.csv:{line}"));
    }
    assert!(
        h.log_text().contains("malformed_rows.csv"),
        "the log does not mention the bad rows"
    );
    assert_eq!(
        h.duty(&login(42)).as_deref(),
        Some("19/06/2025 07:00:00"),
        "row 1 applies\n{run}"
    );
    assert_eq!(h.duty(&login(46)), None, "row 5 (BOF) applies\n{run}");
    for bad in [43, 44, 45] {
        assert_eq!(
            h.duty(&login(bad)),
            None,
            "invalid row for {bad:05} must not apply\n{run}"
        );
    }
    h.assert_processed("malformed_rows.csv");
}

#[test]
fn file_with_only_invalid_rows_goes_to_failed_with_reason() {
    let h = Harness::new(generate_users(5));
    h.drop_file(
        "garbage.csv",
        "hello,world\nBON,00001\nXYZ,00002,1,20250617,143000,20250617143000,1,,,\n",
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
    assert_eq!(h.duty(&login(1)), None, "{run}");
}
