//! Where a cycle's time goes: a `tracing` layer that adds up the wall time
//! of the engine's step spans (`read_parse`, `plan`, `journal`, `send`,
//! `record_outcomes`, …) by name, from when each span is made to when it
//! closes. Lifetime rather than "busy" time, because the store's steps run
//! on blocking threads while their span's future only waits.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::span::{Attributes, Id};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// Total time and count per span name.
#[derive(Clone, Default)]
pub struct StepTimes(Arc<Mutex<BTreeMap<&'static str, (Duration, u32)>>>);

struct Started(Instant);

impl StepTimes {
    /// Installs the layer for the engine's debug spans; returns its handle.
    pub fn install() -> StepTimes {
        use tracing_subscriber::prelude::*;
        let times = StepTimes::default();
        let filter =
            tracing_subscriber::filter::Targets::new().with_target("engine", tracing::Level::DEBUG);
        tracing_subscriber::registry()
            .with(times.clone().with_filter(filter))
            .init();
        times
    }

    /// The totals so far, and starts again from zero.
    pub fn take(&self) -> BTreeMap<&'static str, (Duration, u32)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl<S> Layer<S> for StepTimes
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, _attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Started(Instant::now()));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(elapsed) = span.extensions().get::<Started>().map(|s| s.0.elapsed()) else {
            return;
        };
        let mut totals = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let entry = totals.entry(span.name()).or_default();
        entry.0 += elapsed;
        entry.1 += 1;
    }
}
