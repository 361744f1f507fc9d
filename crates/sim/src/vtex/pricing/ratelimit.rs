//! Pricing's rate limits per account and route class, as the Pricing OpenAPI file describes
//! them ("Rate limits per route", "Burst credits", "Response headers for rate limits"):
//!
//! - each class has a per-second rate and a stock of burst credits;
//! - within one second, the first `rate` requests are free; each one beyond is deducted from
//!   the burst credits; with none left the answer is `429` and the request is not processed;
//! - credits refill at the per-second rate while the route is idle (the part of a second's
//!   rate left unused refills; a wholly idle second refills `rate`), up to the limit;
//! - every answer carries `Ratelimit-Limit` (the burst credits), `Ratelimit-Remaining`,
//!   `Ratelimit-Reset` (seconds until the credits are full again) and, on a `429`,
//!   `Retry-After` (seconds until the route accepts a request again).
//!
//! The figures are configurable ([`RateLimits`]): the OpenAPI file gives `POST`/`PUT` 33/s with
//! 500 credits and `DELETE` 16/s with 300, the dev portal's overview 40/s with 1,000 and 16/s
//! with 300 (`docs/vtex/H-gaps.md` §H.9). **[sim's choice]** the defaults are the OpenAPI's,
//! the lower; `GET` is "under review" and not limited by default; `PATCH` is listed nowhere and
//! is counted with `POST`/`PUT` by default (§H.9 advises treating it so). The seconds are the
//! real clock's (a throughput limit), not the simulated clock's.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One class's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limit {
    /// Requests per second free of credits.
    pub per_second: u32,
    /// Burst credits (also `Ratelimit-Limit`).
    pub burst: u32,
}

/// The limits per route class; `None` does not limit that class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RateLimits {
    /// `POST` and `PUT` (and `PATCH` unless [`RateLimits::patch`] is set).
    pub write: Option<Limit>,
    /// `DELETE`.
    pub delete: Option<Limit>,
    /// `GET` ("under review" in the OpenAPI file).
    pub read: Option<Limit>,
    /// `PATCH` on its own; `None` counts `PATCH` with [`RateLimits::write`].
    pub patch: Option<Limit>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            write: Some(Limit {
                per_second: 33,
                burst: 500,
            }),
            delete: Some(Limit {
                per_second: 16,
                burst: 300,
            }),
            read: None,
            patch: None,
        }
    }
}

/// Which limiter a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Read,
    Write,
    Patch,
    Delete,
}

impl Class {
    fn limit(self, limits: &RateLimits) -> Option<Limit> {
        match self {
            Class::Read => limits.read,
            Class::Write => limits.write,
            Class::Patch => limits.patch.or(limits.write),
            Class::Delete => limits.delete,
        }
    }

    /// The key of the bucket: `PATCH` shares the write bucket unless it has its own limit.
    fn bucket(self, limits: &RateLimits) -> Class {
        match self {
            Class::Patch if limits.patch.is_none() => Class::Write,
            other => other,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    window_start: Instant,
    used_in_window: u32,
    credits: u32,
}

/// The rate-limit headers of one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub reset_seconds: u64,
    /// Set when refused.
    pub retry_after_seconds: Option<u64>,
}

/// The limiter: one bucket per (account, class), in memory (a restarted simulator starts with
/// full credits, as an idle account would).
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Mutex<BTreeMap<(String, Class), Bucket>>,
    refused: Mutex<u64>,
}

const SECOND: Duration = Duration::from_secs(1);

impl Limiter {
    /// Counts one request at `now`; `None` when the class is not limited.
    pub fn check(
        &self,
        limits: &RateLimits,
        account: &str,
        class: Class,
        now: Instant,
    ) -> Option<Verdict> {
        let limit = class.limit(limits)?;
        let key = (account.to_owned(), class.bucket(limits));
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry(key).or_insert(Bucket {
            window_start: now,
            used_in_window: 0,
            credits: limit.burst,
        });
        bucket.credits = bucket.credits.min(limit.burst);
        let elapsed = now.saturating_duration_since(bucket.window_start);
        if elapsed >= SECOND {
            // The unused part of the last window, then every wholly idle second, refills.
            let idle_seconds = elapsed.as_secs().saturating_sub(1);
            let unused = u64::from(limit.per_second.saturating_sub(bucket.used_in_window));
            let refill = unused + idle_seconds.saturating_mul(u64::from(limit.per_second));
            let credits = (u64::from(bucket.credits) + refill).min(u64::from(limit.burst));
            bucket.credits = u32::try_from(credits).unwrap_or(limit.burst);
            bucket.window_start += Duration::from_secs(elapsed.as_secs());
            bucket.used_in_window = 0;
        }
        let allowed = if bucket.used_in_window < limit.per_second {
            bucket.used_in_window += 1;
            true
        } else if bucket.credits > 0 {
            bucket.credits -= 1;
            true
        } else {
            false
        };
        let missing = u64::from(limit.burst - bucket.credits);
        let reset_seconds = if missing == 0 {
            0
        } else {
            missing.div_ceil(u64::from(limit.per_second.max(1)))
        };
        let retry_after_seconds = (!allowed).then(|| {
            let left = SECOND.saturating_sub(now.saturating_duration_since(bucket.window_start));
            left.as_millis().div_ceil(1000).max(1) as u64
        });
        if !allowed {
            *self
                .refused
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        }
        Some(Verdict {
            allowed,
            limit: limit.burst,
            remaining: bucket.credits,
            reset_seconds,
            retry_after_seconds,
        })
    }

    /// How many requests were refused with `429`.
    pub fn refused(&self) -> u64 {
        *self
            .refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets every bucket (full credits again), as after a long idle time.
    pub fn reset(&self) {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OpenAPI's example: 34 requests in a second at 33/s consume one credit; with no
    /// credits left the next is refused; an idle second refills the rate.
    #[test]
    fn burst_credits_as_the_openapi_describes_them() {
        let limits = RateLimits {
            write: Some(Limit {
                per_second: 3,
                burst: 2,
            }),
            ..RateLimits::default()
        };
        let l = Limiter::default();
        let t0 = Instant::now();
        let mut verdicts = Vec::new();
        for _ in 0..6 {
            verdicts.push(l.check(&limits, "a", Class::Write, t0));
        }
        let allowed: Vec<bool> = verdicts.iter().flatten().map(|v| v.allowed).collect();
        assert_eq!(allowed, [true, true, true, true, true, false]);
        let last = verdicts.last().cloned().flatten();
        assert_eq!(last.as_ref().map(|v| v.remaining), Some(0));
        assert_eq!(last.and_then(|v| v.retry_after_seconds), Some(1));
        // PATCH shares the write bucket.
        let patch = l.check(&limits, "a", Class::Patch, t0);
        assert_eq!(patch.map(|v| v.allowed), Some(false));
        // Another account has its own.
        assert_eq!(
            l.check(&limits, "b", Class::Write, t0).map(|v| v.allowed),
            Some(true)
        );
        // Two seconds later: a new window, and one idle second refilled the credits.
        let later = l.check(&limits, "a", Class::Write, t0 + Duration::from_secs(2));
        assert_eq!(later.map(|v| (v.allowed, v.remaining)), Some((true, 2)));
        assert!(l.check(&limits, "a", Class::Read, t0).is_none());
    }
}
