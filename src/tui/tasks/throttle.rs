//! Progress counts behind a lock, reported at most every 50 ms (each report is a redraw).
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Progress is sent at most this often, unless a report is forced.
const PROGRESS_EVERY: Duration = Duration::from_millis(50);

/// Counts behind a lock, reported at most every [`PROGRESS_EVERY`] unless forced.
pub(super) struct Throttled<C> {
    inner: Mutex<(C, Option<Instant>)>,
}

impl<C> Throttled<C> {
    pub(super) fn new(c: C) -> Throttled<C> {
        Throttled {
            inner: Mutex::new((c, None)),
        }
    }

    /// Applies `f`; what `report` makes of the counts when it is time to send one.
    pub(super) fn update<R>(
        &self,
        force: bool,
        f: impl FnOnce(&mut C),
        report: impl FnOnce(&C) -> R,
    ) -> Option<R> {
        let mut g = self.inner.lock().ok()?;
        f(&mut g.0);
        let now = Instant::now();
        if !force && g.1.is_some_and(|l| now.duration_since(l) < PROGRESS_EVERY) {
            return None;
        }
        g.1 = Some(now);
        Some(report(&g.0))
    }
}
