//! Generated streams of BOBO exports for the crash trials and the fault soak, and the
//! independent latest-wins oracle they are checked against.
//!
//! Pure: a stream is a function of the random generator and the start time, the oracle a
//! function of the stream, the mappings, the values AtHoc held before and the logins AtHoc
//! refuses. Nothing here reads the clock, touches files or uses engine code — the oracle is a
//! second reading of the rules in `crates/engine/src/plan.rs`, so a misreading in the engine
//! cannot hide in both.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};
use rand::seq::SliceRandom;
use rand::Rng;

use crate::{athoc_time, bobo_row};

/// Book-on or book-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `BON`: the duty attribute becomes the event's time.
    On,
    /// `BOF`: the duty attribute is cleared.
    Off,
}

impl Kind {
    /// The BOBO transaction type.
    pub fn code(self) -> &'static str {
        match self {
            Kind::On => "BON",
            Kind::Off => "BOF",
        }
    }
}

/// One generated row: who, what, when (BOBO wall-clock time), and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenEvent {
    /// Employee ID (collar number) as written, leading zeros kept.
    pub collar: String,
    /// Book-on or book-off.
    pub kind: Kind,
    /// `DateTime_Created`, a wall-clock time of the site's time zone.
    pub local: NaiveDateTime,
    /// The file the row is in.
    pub file: String,
    /// Its 1-based physical line.
    pub line: u32,
}

/// One export file: its name, bytes, and the rows in them (in file order).
#[derive(Debug, Clone)]
pub struct GenFile {
    /// `BOBO_YYYYMMDD_HHMMSS_output.csv` of its export time.
    pub name: String,
    /// Headerless 10-column rows, LF-terminated.
    pub bytes: Vec<u8>,
    /// The rows, line `i + 1` at index `i`.
    pub events: Vec<GenEvent>,
}

/// The shape of a generated stream.
#[derive(Debug, Clone)]
pub struct StreamShape {
    /// Mapped employees: collar numbers `00001` … (as `generate_users` makes them).
    pub employees: usize,
    /// Employee IDs no AtHoc user has.
    pub unmapped: Vec<String>,
    /// Export files.
    pub files: usize,
    /// Rows per file, at least 1.
    pub rows: (usize, usize),
    /// Share of rows that are late (well before their file's export time).
    pub late: f64,
    /// Share of rows that repeat an earlier row of another file word for word.
    pub duplicates: f64,
    /// Share of rows for unmapped IDs.
    pub unmapped_rows: f64,
    /// Minutes between two exports.
    pub spacing_minutes: i64,
    /// How far back a late row may go, in minutes.
    pub late_minutes: i64,
}

impl Default for StreamShape {
    fn default() -> Self {
        StreamShape {
            employees: 200,
            unmapped: vec!["90001".into(), "90002".into(), "90003".into()],
            files: 16,
            rows: (4, 30),
            late: 0.12,
            duplicates: 0.10,
            unmapped_rows: 0.03,
            spacing_minutes: 9,
            late_minutes: 90,
        }
    }
}

/// A stream of export files in export order (which is also name order).
#[derive(Debug, Clone)]
pub struct Stream {
    /// The files, oldest export first.
    pub files: Vec<GenFile>,
}

impl Stream {
    /// Every row of every file.
    pub fn events(&self) -> impl Iterator<Item = &GenEvent> {
        self.files.iter().flat_map(|f| f.events.iter())
    }

    /// The collar numbers that appear in the stream.
    pub fn collars(&self) -> HashSet<&str> {
        self.events().map(|e| e.collar.as_str()).collect()
    }
}

/// The collar number `generate_users` gives user number `i` (1-based).
pub fn collar(i: usize) -> String {
    format!("{i:05}")
}

/// Generates a stream whose first export is at `start` (wall-clock).
///
/// Rows within a file are shuffled (out of order); some are late (up to
/// `late_minutes` before the export), some repeat a row of an earlier file, a few are for
/// unmapped IDs. Half the rows go to a fifth of the employees, so the same person often has
/// several events in one batch and across batches. No employee ever has a book-on and a
/// book-off at the same second: such a tie is decided by batch boundaries in the engine (see
/// the crash-trial report), so a stream that contains one has no single right answer.
pub fn generate(rng: &mut impl Rng, shape: &StreamShape, start: NaiveDateTime) -> Stream {
    let mut taken: HashMap<(String, NaiveDateTime), Kind> = HashMap::new();
    let mut earlier: Vec<(String, Kind, NaiveDateTime)> = Vec::new();
    let mut files = Vec::with_capacity(shape.files);
    let spacing = Duration::minutes(shape.spacing_minutes.max(1));
    let hot = (shape.employees / 5).max(1);
    for index in 0..shape.files {
        let exported = start + spacing * index as i32 + Duration::seconds(rng.gen_range(0..30));
        let name = format!("BOBO_{}_output.csv", exported.format("%Y%m%d_%H%M%S"));
        let count = rng.gen_range(shape.rows.0.max(1)..=shape.rows.1.max(shape.rows.0.max(1)));
        let mut rows: Vec<(String, Kind, NaiveDateTime)> = Vec::with_capacity(count);
        let mut seen_here: HashSet<(String, NaiveDateTime)> = HashSet::new();
        while rows.len() < count {
            let row = if !earlier.is_empty() && rng.gen_bool(shape.duplicates) {
                earlier[rng.gen_range(0..earlier.len())].clone()
            } else {
                let who = if !shape.unmapped.is_empty() && rng.gen_bool(shape.unmapped_rows) {
                    shape.unmapped[rng.gen_range(0..shape.unmapped.len())].clone()
                } else if rng.gen_bool(0.5) {
                    collar(rng.gen_range(1..=hot))
                } else {
                    collar(rng.gen_range(1..=shape.employees.max(1)))
                };
                let back = if rng.gen_bool(shape.late) {
                    rng.gen_range(spacing.num_seconds()..=shape.late_minutes.max(1) * 60)
                } else {
                    rng.gen_range(0..spacing.num_seconds())
                };
                let at = exported - Duration::seconds(back);
                let kind = if rng.gen_bool(0.55) {
                    Kind::On
                } else {
                    Kind::Off
                };
                // Same person, same second: keep the kind already used (see above).
                let kind = *taken.entry((who.clone(), at)).or_insert(kind);
                (who, kind, at)
            };
            // One row per person and second within a file keeps lines unambiguous.
            if seen_here.insert((row.0.clone(), row.2)) {
                rows.push(row);
            }
        }
        rows.shuffle(rng);
        let mut text = String::new();
        let mut events = Vec::with_capacity(rows.len());
        for (i, (who, kind, at)) in rows.iter().enumerate() {
            text.push_str(&bobo_row(
                kind.code(),
                who,
                &at.format("%Y%m%d%H%M%S").to_string(),
            ));
            events.push(GenEvent {
                collar: who.clone(),
                kind: *kind,
                local: *at,
                file: name.clone(),
                line: i as u32 + 1,
            });
        }
        earlier.extend(rows);
        files.push(GenFile {
            name,
            bytes: text.into_bytes(),
            events,
        });
    }
    Stream { files }
}

/// What AtHoc must hold once every file has been applied: login → duty value (`None`: empty).
///
/// Rules (a second reading of `plan.rs` and the store, not engine code):
/// - per mapped employee, the latest event by time wins; equal times are broken by file name,
///   then line (the stream never has a book-on and a book-off at the same second, so this only
///   picks between identical rows);
/// - a book-on sets the AtHoc value `dd/MM/yyyy HH:mm:ss` of its wall-clock time; a book-off
///   clears it (every event is recent, so no book-on counts as stale);
/// - unmapped IDs never touch AtHoc;
/// - a login in `rejected` has every record refused by AtHoc for the whole run; a refusal is
///   final and never retried, so that login keeps the value it had before (`initial`);
/// - a login with no event keeps its `initial` value.
pub fn oracle(
    stream: &Stream,
    mappings: &HashMap<String, String>,
    initial: &HashMap<String, String>,
    rejected: &HashSet<String>,
) -> BTreeMap<String, Option<String>> {
    let mut expected: BTreeMap<String, Option<String>> = initial
        .iter()
        .map(|(login, value)| (login.clone(), Some(value.clone())))
        .collect();
    let mut latest: HashMap<&str, &GenEvent> = HashMap::new();
    for event in stream.events() {
        let key = |e: &GenEvent| (e.local, e.file.clone(), e.line);
        latest
            .entry(event.collar.as_str())
            .and_modify(|best| {
                if key(event) > key(best) {
                    *best = event;
                }
            })
            .or_insert(event);
    }
    for (collar, event) in latest {
        let Some(login) = mappings.get(collar) else {
            continue;
        };
        if rejected.contains(login) {
            continue;
        }
        let value = match event.kind {
            Kind::On => Some(athoc_time(event.local)),
            Kind::Off => None,
        };
        expected.insert(login.clone(), value);
    }
    expected
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn start() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2025, 6, 17)
            .and_then(|d| d.and_hms_opt(21, 0, 0))
            .unwrap_or_default()
    }

    fn event(collar: &str, kind: Kind, hms: (u32, u32, u32), file: &str, line: u32) -> GenEvent {
        GenEvent {
            collar: collar.into(),
            kind,
            local: chrono::NaiveDate::from_ymd_opt(2025, 6, 17)
                .and_then(|d| d.and_hms_opt(hms.0, hms.1, hms.2))
                .unwrap_or_default(),
            file: file.into(),
            line,
        }
    }

    #[test]
    fn same_seed_same_stream_and_names_sort_in_export_order() {
        let shape = StreamShape::default();
        let a = generate(&mut StdRng::seed_from_u64(7), &shape, start());
        let b = generate(&mut StdRng::seed_from_u64(7), &shape, start());
        let names: Vec<_> = a.files.iter().map(|f| f.name.clone()).collect();
        assert_eq!(
            names,
            b.files.iter().map(|f| f.name.clone()).collect::<Vec<_>>()
        );
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted, "names unique and in export order");
        for file in &a.files {
            let text = String::from_utf8_lossy(&file.bytes);
            assert_eq!(text.lines().count(), file.events.len());
            for (line, event) in text.lines().zip(&file.events) {
                assert_eq!(line.split(',').count(), 10);
                assert!(line.starts_with(&format!("{},{},", event.kind.code(), event.collar)));
            }
        }
    }

    #[test]
    fn no_person_has_two_kinds_at_one_second() {
        let shape = StreamShape {
            employees: 5,
            files: 30,
            ..StreamShape::default()
        };
        let s = generate(&mut StdRng::seed_from_u64(3), &shape, start());
        let mut kinds: HashMap<(&str, NaiveDateTime), Kind> = HashMap::new();
        for e in s.events() {
            assert_eq!(*kinds.entry((&e.collar, e.local)).or_insert(e.kind), e.kind);
        }
    }

    #[test]
    fn oracle_latest_wins_unmapped_rejected_and_untouched() {
        let files = vec![
            GenFile {
                name: "a.csv".into(),
                bytes: Vec::new(),
                events: vec![
                    event("00001", Kind::On, (22, 0, 0), "a.csv", 1),
                    event("00002", Kind::On, (22, 0, 0), "a.csv", 2),
                    event("90001", Kind::On, (22, 0, 0), "a.csv", 3),
                    event("00003", Kind::Off, (22, 0, 0), "a.csv", 4),
                ],
            },
            GenFile {
                name: "b.csv".into(),
                bytes: Vec::new(),
                events: vec![
                    event("00001", Kind::Off, (21, 0, 0), "b.csv", 1),
                    event("00002", Kind::Off, (22, 0, 1), "b.csv", 2),
                ],
            },
        ];
        let stream = Stream { files };
        let mappings: HashMap<String, String> = [("00001", "a"), ("00002", "b"), ("00003", "c")]
            .iter()
            .map(|(c, l)| ((*c).into(), (*l).into()))
            .collect();
        let initial: HashMap<String, String> = [("c", "old"), ("d", "kept")]
            .iter()
            .map(|(l, v)| ((*l).into(), (*v).into()))
            .collect();
        let rejected: HashSet<String> = ["c".to_owned()].into();
        let got = oracle(&stream, &mappings, &initial, &rejected);
        assert_eq!(got.get("a"), Some(&Some("17/06/2025 22:00:00".to_owned())));
        assert_eq!(got.get("b"), Some(&None));
        assert_eq!(got.get("c"), Some(&Some("old".to_owned())));
        assert_eq!(got.get("d"), Some(&Some("kept".to_owned())));
        assert_eq!(got.len(), 4);
    }
}
