//! One planning path (issue 8, item 12): what `preview` shows is what the next cycle applies —
//! the same batches, the same parked events, the same decision for every row — over random
//! streams of exports, random batch sizes, a ledger left by earlier files and parked events
//! whose employee has been given an AtHoc user since.

use std::collections::HashMap;
use std::sync::Arc;

use bobosync_e2e::stream::{self, StreamShape};
use bobosync_e2e::{base_date, org, user, Harness};
use engine::config::{Host, MemorySecretStore, Settings};
use engine::cycle::{CycleOptions, SyncContext};
use engine::event::SourceLine;
use engine::plan::Action;
use engine::store::{ActionKind, BatchId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Random cases; each is a fresh site, two cycles and a preview.
const CASES: u64 = 24;

/// One row's decision as both sides can state it: where it came from, whose it is (none for
/// an unreadable row), what was decided and for which login.
type Decision = (SourceLine, Option<String>, &'static str, Option<String>);

fn previewed(plan: &engine::plan::Plan) -> Vec<Decision> {
    let mut out: Vec<Decision> = plan
        .records
        .iter()
        .map(|r| {
            let login = match &r.action {
                Action::Set { login } | Action::Clear { login, .. } => Some(login.to_string()),
                _ => None,
            };
            (
                r.event.source.clone(),
                Some(r.event.employee.to_string()),
                ActionKind::of(&r.action).as_str(),
                login,
            )
        })
        .chain(plan.invalid.iter().map(|e| {
            (
                e.source.clone(),
                e.employee.as_ref().map(ToString::to_string),
                ActionKind::Invalid.as_str(),
                None,
            )
        }))
        .collect();
    out.sort();
    out
}

#[test]
fn preview_equals_the_applied_plan_over_random_streams() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    for seed in 0..CASES {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut h = Harness::new(org(30, []));
        let per_batch = rng.gen_range(1..=4usize);
        h.set("BATCH_SIZE", &per_batch.to_string());
        let shape = StreamShape {
            employees: 30,
            unmapped: vec!["90001".into(), "90002".into()],
            files: rng.gen_range(2..=9),
            rows: (1, 12),
            unmapped_rows: 0.15,
            ..StreamShape::default()
        };
        let start = base_date()
            .and_hms_opt(21, 0, 0)
            .unwrap_or_else(|| panic!("21:00 exists"));
        let generated = stream::generate(&mut rng, &shape, start);
        let split = rng.gen_range(0..generated.files.len());
        let map_late_comer = rng.gen_bool(0.5);
        // Now and then a file with an unreadable row and one with nothing readable.
        let broken = rng.gen_bool(0.3);

        let host = Host::isolated(HashMap::new(), Arc::new(MemorySecretStore::new()), h.home());
        let settings = Settings::from_env_file(&h.env_path(), &host)
            .unwrap_or_else(|e| panic!("seed {seed}: settings: {e}"));
        rt.block_on(async {
            let ctx = SyncContext::open(settings)
                .unwrap_or_else(|e| panic!("seed {seed}: open the site: {e}"));

            // Earlier files: a ledger, and parked events for the unmapped IDs.
            for file in &generated.files[..split] {
                h.drop_file(&file.name, &file.bytes);
            }
            let first = ctx.run_once(CycleOptions::default()).await;
            assert!(first.mapping.is_some(), "seed {seed}: the first cycle syncs");
            if map_late_comer {
                // 90001 gets an AtHoc user: its parked events become plannable.
                h.sim().upsert_user(user("late.comer@force.example", "90001"));
                ctx.sync_mappings("test".into(), false)
                    .await
                    .unwrap_or_else(|e| panic!("seed {seed}: mapping sync: {e}"));
            }

            // The rest, previewed, then applied.
            for file in &generated.files[split..] {
                h.drop_file(&file.name, &file.bytes);
            }
            if broken {
                h.drop_file("BOBO_zz_broken_output.csv", "not,a,bobo,row\n");
            }
            let preview = ctx
                .preview()
                .await
                .unwrap_or_else(|e| panic!("seed {seed}: preview: {e}"));
            let report = ctx.run_once(CycleOptions::default()).await;
            assert!(
                report.mapping.is_none(),
                "seed {seed}: no mapping sync between preview and apply"
            );
            assert_eq!(
                preview.batches,
                report.batches.len(),
                "seed {seed}: batches (BATCH_SIZE {per_batch})"
            );
            let ids: Vec<BatchId> = report.batches.iter().map(|b| BatchId(b.batch_id)).collect();
            let mut applied: Vec<Decision> = ctx
                .store()
                .call(move |s| {
                    let mut rows = Vec::new();
                    for id in ids {
                        rows.extend(s.batch_records(id)?);
                    }
                    Ok(rows)
                })
                .await
                .unwrap_or_else(|e| panic!("seed {seed}: records: {e}"))
                .into_iter()
                .map(|r| {
                    (
                        r.source,
                        r.employee.map(|e| e.to_string()),
                        r.action.as_str(),
                        r.login.map(|l| l.to_string()),
                    )
                })
                .collect();
            applied.sort();
            assert!(
                !applied.is_empty() || generated.files[split..].is_empty(),
                "seed {seed}: something was applied"
            );
            assert_eq!(
                previewed(&preview.plan),
                applied,
                "seed {seed}: preview and apply differ (BATCH_SIZE {per_batch}, {} earlier file(s))",
                split
            );
        });
    }
}
