//! The simulated clock: the one time source of every deadline (OMS timers, feed visibility
//! timeouts, retention), fast-forwarded by `POST /_sim/clock/advance` and by tests; and how
//! VTEX writes a time: ISO 8601 UTC with 7 fractional digits of 100-nanosecond ticks.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall clock plus an offset that only grows (`POST /_sim/clock/advance`): timers and queue
/// deadlines compare against [`SimClock::now_ms`], never against the system clock directly.
#[derive(Debug, Default)]
pub struct SimClock {
    offset_ms: AtomicI64,
}

impl SimClock {
    pub fn new() -> Arc<SimClock> {
        Arc::new(SimClock::default())
    }

    /// Milliseconds since the Unix epoch, simulated.
    pub fn now_ms(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        wall.saturating_add(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Moves simulated time forward by `ms` (negative values are ignored).
    pub fn advance(&self, ms: i64) {
        if ms > 0 {
            self.offset_ms.fetch_add(ms, Ordering::SeqCst);
        }
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }
}

/// Ticks (100 ns) per millisecond.
pub const TICKS_PER_MS: i64 = 10_000;

/// `YYYY-MM-DDTHH:MM:SS.fffffffZ` for `ticks` (100 ns) since the epoch.
pub fn iso(ticks: i64) -> String {
    let secs = ticks.div_euclid(10_000_000);
    let frac = ticks.rem_euclid(10_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = ponte_core::orders::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:07}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}
