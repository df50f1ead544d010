use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::{America::New_York, Asia::Kolkata, Europe::London, Pacific::Apia, Tz, UTC};
use proptest::prelude::*;
use rstest::rstest;

use super::*;

fn naive(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    naive(s).and_utc()
}

#[rstest]
// Ordinary winter and summer times.
#[case::london_winter(London, "2025-01-15 12:00:00", "2025-01-15 12:00:00")]
#[case::london_summer(London, "2025-06-17 14:30:00", "2025-06-17 13:30:00")]
// Spring gap: 01:30 does not exist; read as 01:30 GMT (= 02:30 BST).
#[case::london_gap(London, "2025-03-30 01:30:00", "2025-03-30 01:30:00")]
#[case::london_gap_start(London, "2025-03-30 01:00:00", "2025-03-30 01:00:00")]
#[case::london_after_gap(London, "2025-03-30 02:00:00", "2025-03-30 01:00:00")]
// Autumn fold: 01:30 happens twice; the earlier (BST) instant is meant.
#[case::london_fold(London, "2025-10-26 01:30:00", "2025-10-26 00:30:00")]
#[case::london_after_fold(London, "2025-10-26 02:00:00", "2025-10-26 02:00:00")]
// New York: gap 2025-03-09 02:00–03:00, fold 2025-11-02 01:00–02:00.
#[case::ny_ordinary(New_York, "2025-07-04 09:00:00", "2025-07-04 13:00:00")]
#[case::ny_gap(New_York, "2025-03-09 02:30:00", "2025-03-09 07:30:00")]
#[case::ny_fold(New_York, "2025-11-02 01:30:00", "2025-11-02 05:30:00")]
// A zone without DST and UTC itself.
#[case::kolkata(Kolkata, "2025-03-30 01:30:00", "2025-03-29 20:00:00")]
#[case::utc(UTC, "2025-03-30 01:30:00", "2025-03-30 01:30:00")]
// Samoa skipped the whole of 2011-12-30.
#[case::samoa_day_gap(Apia, "2011-12-30 12:00:00", "2011-12-30 22:00:00")]
fn local_to_utc_follows_the_dst_rule(#[case] tz: Tz, #[case] local: &str, #[case] expected: &str) {
    assert_eq!(local_to_utc(naive(local), tz), utc(expected));
}

#[rstest]
#[case(London, "2025-06-17 13:30:00", "2025-06-17 14:30:00")]
#[case(London, "2025-10-26 01:30:00", "2025-10-26 01:30:00")]
#[case(New_York, "2025-01-01 05:00:00", "2025-01-01 00:00:00")]
fn utc_to_local_reads_the_wall_clock(#[case] tz: Tz, #[case] at: &str, #[case] expected: &str) {
    assert_eq!(utc_to_local(utc(at), tz), naive(expected));
}

proptest! {
    /// Outside gaps, local → UTC → local is the identity.
    #[test]
    fn round_trip_outside_gaps(secs in 0i64..4_000_000_000) {
        let tz = London;
        let local = utc_to_local(Utc.timestamp_opt(secs, 0).unwrap(), tz);
        prop_assert_eq!(utc_to_local(local_to_utc(local, tz), tz), local);
    }
}

#[rstest]
#[case::default("dd/MM/yyyy HH:mm:ss", "2025-06-07 08:05:09", "07/06/2025 08:05:09")]
#[case::us_12h("M/d/yyyy h:mm:ss tt", "2025-06-07 20:05:09", "6/7/2025 8:05:09 PM")]
#[case::us_12h_morning("M/d/yyyy hh:mm tt", "2025-06-07 00:05:00", "6/7/2025 12:05 AM")]
#[case::iso_literal_t("yyyy-MM-ddTHH:mm:ss", "2025-06-07 08:05:09", "2025-06-07T08:05:09")]
#[case::quoted("dd.MM.yy 'at' HH:mm", "2025-06-07 08:05:00", "07.06.25 at 08:05")]
#[case::compact("yyyyMMddHHmmss", "2025-12-31 23:59:58", "20251231235958")]
#[case::escaped(r"dd\h MM yyyy", "2025-06-07 00:00:00", "07h 06 2025")]
#[case::date_only("dd/MM/yyyy", "2025-06-07 00:00:00", "07/06/2025")]
fn format_and_parse_round_trip(#[case] pattern: &str, #[case] at: &str, #[case] text: &str) {
    let format = AthocDateFormat::parse(pattern).unwrap();
    assert_eq!(format.pattern(), pattern);
    assert_eq!(format.format(naive(at)), text);
    assert_eq!(format.parse_value(text).unwrap(), naive(at));
}

#[rstest]
#[case::spaces_around("dd/MM/yyyy HH:mm:ss", "  22/10/2025 07:41:42 ", "2025-10-22 07:41:42")]
#[case::no_leading_zeros("dd/MM/yyyy HH:mm:ss", "7/6/2025 8:05:09", "2025-06-07 08:05:09")]
#[case::lowercase_pm("M/d/yyyy h:mm:ss tt", "6/7/2025 12:00:00 pm", "2025-06-07 12:00:00")]
#[case::two_digit_year_old("dd/MM/yy", "01/01/99", "1999-01-01 00:00:00")]
#[case::two_digit_year_new("dd/MM/yy", "01/01/49", "2049-01-01 00:00:00")]
fn parse_value_is_tolerant_where_safe(
    #[case] pattern: &str,
    #[case] value: &str,
    #[case] expected: &str,
) {
    let format = AthocDateFormat::parse(pattern).unwrap();
    assert_eq!(format.parse_value(value).unwrap(), naive(expected));
}

#[rstest]
#[case::empty("", "expected a day of the month")]
#[case::month_13("22/13/2025 07:41:42", "no day 22 in month 13")]
#[case::feb_30("30/02/2025 07:41:42", "no day 30 in month 2")]
#[case::hour_24("22/10/2025 24:00:00", "is not a time of day")]
#[case::iso("2025-10-22 07:41:42", "expected '/'")]
#[case::trailing("22/10/2025 07:41:42 extra", "unexpected text ' extra'")]
#[case::letters("22/Oct/2025 07:41:42", "expected a month number")]
fn parse_value_errors_name_value_and_pattern(#[case] value: &str, #[case] reason: &str) {
    let err = AthocDateFormat::default().parse_value(value).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&format!("'{value}'")), "{text}");
    assert!(text.contains("'dd/MM/yyyy HH:mm:ss'"), "{text}");
    assert!(text.contains(reason), "{text}");
}

#[rstest]
#[case::month_names("dd MMM yyyy", "'MMM' is not supported")]
#[case::fractions("dd/MM/yyyy HH:mm:ss.fff", "fractions of a second")]
#[case::no_year("dd/MM HH:mm", "no year")]
#[case::no_day("MM/yyyy", "no day")]
#[case::twice("dd/MM/yyyy dd", "day (dd) more than once")]
#[case::twelve_without_tt("dd/MM/yyyy hh:mm", "need an AM/PM marker")]
#[case::tt_without_twelve("dd/MM/yyyy HH:mm tt", "needs 12-hour hours")]
#[case::open_quote("dd/MM/yyyy 'at HH:mm", "never closed")]
#[case::three_y("dd/MM/yyy", "'yyy' is not supported")]
fn bad_patterns_are_refused_with_a_reason(#[case] pattern: &str, #[case] reason: &str) {
    let text = AthocDateFormat::parse(pattern).unwrap_err().to_string();
    assert!(text.contains(&format!("'{pattern}'")), "{text}");
    assert!(text.contains(reason), "{text}");
}

#[test]
fn default_is_the_python_tools_format() {
    assert_eq!(AthocDateFormat::default().pattern(), "dd/MM/yyyy HH:mm:ss");
    assert_eq!(
        AthocDateFormat::default(),
        AthocDateFormat::parse("dd/MM/yyyy HH:mm:ss").unwrap()
    );
}

#[test]
fn serde_uses_the_pattern_text() {
    let format: AthocDateFormat = serde_json::from_str("\"M/d/yyyy h:mm tt\"").unwrap();
    assert_eq!(format.pattern(), "M/d/yyyy h:mm tt");
    assert_eq!(
        serde_json::to_string(&format).unwrap(),
        "\"M/d/yyyy h:mm tt\""
    );
    assert!(serde_json::from_str::<AthocDateFormat>("\"dd MMM yyyy\"").is_err());
}

#[rstest]
#[case::day_over_12("dd/MM/yyyy HH:mm:ss", 2025, 6, 13, false)]
#[case::day_under_12("dd/MM/yyyy HH:mm:ss", 2025, 6, 7, true)]
#[case::day_equals_month("dd/MM/yyyy HH:mm:ss", 2025, 6, 6, false)]
#[case::day_12("dd/MM/yyyy HH:mm:ss", 2025, 1, 12, true)]
fn day_month_ambiguity(
    #[case] pattern: &str,
    #[case] y: i32,
    #[case] m: u32,
    #[case] d: u32,
    #[case] ambiguous: bool,
) {
    let format = AthocDateFormat::parse(pattern).unwrap();
    let value = NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(7, 0, 0)
        .unwrap();
    assert_eq!(format.day_month_ambiguous(value), ambiguous);
}

proptest! {
    #[test]
    fn parse_value_never_panics(value in "\\PC{0,40}") {
        let _ = AthocDateFormat::default().parse_value(&value);
        let _ = AthocDateFormat::parse("M/d/yy h:mm tt").unwrap().parse_value(&value);
    }

    #[test]
    fn parse_pattern_never_panics(pattern in "\\PC{0,30}") {
        let _ = AthocDateFormat::parse(&pattern);
    }

    #[test]
    fn default_round_trips(secs in 0i64..4_000_000_000) {
        let value = Utc.timestamp_opt(secs, 0).unwrap().naive_utc();
        let format = AthocDateFormat::default();
        prop_assert_eq!(format.parse_value(&format.format(value)).unwrap(), value);
    }
}
