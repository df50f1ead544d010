//! docs/operators-guide.md has a troubleshooting entry for every incident,
//! check and failure the program can show: adding one without its entry
//! fails here.

use engine::checks::CHECK_IDS;
use engine::cycle::FailureKind;
use engine::runtime::IncidentKind;
use strum::IntoEnumIterator;

fn guide() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/operators-guide.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The snake_case name a kind serializes as.
fn code(kind: impl serde::Serialize) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn every_incident_check_and_failure_has_an_entry() {
    let guide = guide();
    let mut missing = Vec::new();
    let anchors = IncidentKind::iter()
        .map(|k| format!("incident-{}", code(k)))
        .chain(CHECK_IDS.iter().map(|id| format!("check-{id}")))
        .chain(FailureKind::iter().map(|k| format!("failure-{}", code(k))));
    let mut count = 0;
    for anchor in anchors {
        count += 1;
        let at = format!("<a id=\"{anchor}\"></a>");
        match guide.find(&at) {
            // The anchor opens an entry: a heading and some text after it.
            Some(i) if guide[i + at.len()..].trim_start().starts_with("#### ") => {}
            _ => missing.push(anchor),
        }
    }
    assert!(count > 40, "only {count} kinds found");
    assert!(
        missing.is_empty(),
        "docs/operators-guide.md has no troubleshooting entry (`<a id=\"…\"></a>` then a `####` heading) for: {missing:?}"
    );
    // And every link inside the guide points at an entry or a heading.
    let headings: Vec<String> = guide
        .lines()
        .filter_map(|line| line.strip_prefix('#'))
        .map(|heading| slug(heading.trim_start_matches('#')))
        .collect();
    for link in guide.split("](#").skip(1) {
        let target = link.split(')').next().unwrap_or_default();
        let known = guide.contains(&format!("<a id=\"{target}\"></a>"))
            || headings.iter().any(|h| h == target);
        assert!(known, "the guide links to #{target}, which is neither an entry nor a heading");
    }
}

/// A heading's anchor as GitHub makes it: lower case, spaces to hyphens,
/// other punctuation dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn heading_anchors_are_made_as_github_makes_them() {
    assert_eq!(slug(" Service"), "service");
    assert_eq!(slug(" Tray or service"), "tray-or-service");
    assert_eq!(slug(" File too large (`file_too_large`)"), "file-too-large-file_too_large");
}
