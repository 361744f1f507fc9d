//! The broadcaster's run-time knobs: delivery and retry settings
//! (`PUT /_sim/broadcast/settings`) and injected faults (`PUT /_sim/broadcast/faults`).

use serde::{Deserialize, Serialize};

/// Delivery and retry settings (`PUT /_sim/broadcast/settings`, same JSON as the `GET`;
/// properties left out keep their defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BroadcastSettings {
    /// A hook delivery succeeds only on `200` within this many (real) milliseconds.
    pub hook_deadline_ms: u64,
    /// First retry delay.
    pub hook_retry_base_ms: u64,
    /// Growth of the retry delay per attempt.
    pub hook_retry_factor: f64,
    /// Cap of one retry delay.
    pub retry_max_delay_ms: u64,
    /// Attempts before a delivery is given up.
    pub max_attempts: u32,
    /// Age (simulated ms) after which a failing delivery is given up.
    pub max_age_ms: u64,
    /// Deliveries in flight at once (hooks and events together).
    pub delivery_concurrency: usize,
    /// An IO event succeeds on any 2xx within this many milliseconds.
    pub event_deadline_ms: u64,
    /// One feed and hook per app key (`X-VTEX-API-AppKey`) instead of per account.
    pub feed_per_app_key: bool,
}

impl Default for BroadcastSettings {
    fn default() -> Self {
        BroadcastSettings {
            hook_deadline_ms: 5000,
            hook_retry_base_ms: 500,
            hook_retry_factor: 2.0,
            retry_max_delay_ms: 3_600_000,
            max_attempts: 100,
            max_age_ms: 4 * 24 * 3_600_000,
            delivery_concurrency: 32,
            event_deadline_ms: 10_000,
            feed_per_app_key: false,
        }
    }
}

impl BroadcastSettings {
    pub fn check(&self) -> Result<(), String> {
        if self.hook_deadline_ms == 0 || self.event_deadline_ms == 0 {
            return Err("hookDeadlineMs and eventDeadlineMs must be positive".into());
        }
        if !self.hook_retry_factor.is_finite() || self.hook_retry_factor < 1.0 {
            return Err("hookRetryFactor must be at least 1".into());
        }
        if self.delivery_concurrency == 0 || self.max_attempts == 0 {
            return Err("deliveryConcurrency and maxAttempts must be at least 1".into());
        }
        Ok(())
    }

    /// The delay before the attempt after `attempts` failed ones.
    pub fn retry_delay_ms(&self, attempts: u32) -> i64 {
        let exp = i32::try_from(attempts.saturating_sub(1)).unwrap_or(i32::MAX);
        let delay = (self.hook_retry_base_ms as f64) * self.hook_retry_factor.powi(exp);
        let capped = delay.min(self.retry_max_delay_ms as f64).max(0.0);
        capped as i64
    }
}

/// Injected feed and hook faults (`PUT /_sim/broadcast/faults`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BroadcastFaults {
    /// Probability that an event is enqueued twice (two messages, same `eventId`).
    pub duplicate_rate: f64,
    /// Receives shuffle the visible items and may return fewer than visible.
    pub reorder: bool,
    /// Probability that a feed `GET` is answered `429`.
    pub rate429: f64,
    /// `Retry-After` of an injected `429`, in seconds.
    pub retry_after_seconds: u64,
    /// Probability that a hook notification is lost (never sent).
    #[serde(alias = "dropRate")]
    pub hook_drop_rate: f64,
    /// The next this-many orders whose changes are published are **lost on every channel**:
    /// none of their changes (this one and every later one) enters a feed, a hook or an IO event
    /// (counted in stats `lost`). For proving a safety net behind the three channels (VTEX
    /// documents no such outage; the switch is the simulator's). A `PUT` sets the count anew;
    /// orders already lost stay lost.
    pub lose_orders: u32,
    /// Seed of the fault RNG (reseeded on every `PUT`).
    pub seed: u64,
}

impl Default for BroadcastFaults {
    fn default() -> Self {
        BroadcastFaults {
            duplicate_rate: 0.0,
            reorder: false,
            rate429: 0.0,
            retry_after_seconds: 1,
            hook_drop_rate: 0.0,
            lose_orders: 0,
            seed: 42,
        }
    }
}

impl BroadcastFaults {
    pub fn check(&self) -> Result<(), String> {
        let ok = |r: f64| r.is_finite() && (0.0..=1.0).contains(&r);
        if !ok(self.duplicate_rate) || !ok(self.rate429) || !ok(self.hook_drop_rate) {
            return Err("duplicateRate, rate429 and hookDropRate must be within 0..=1".into());
        }
        Ok(())
    }
}
