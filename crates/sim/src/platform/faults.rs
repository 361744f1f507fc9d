//! Fault injection and request statistics.
//!
//! Switched on by configuration ([`FaultConfig`] in [`crate::SimConfig`], the `--fault-*` flags)
//! and at run time with `PUT /_sim/faults` (same JSON as `GET /_sim/faults`:
//! `{"rate429":0.1,"rate5xx":0.05,"retryAfterSeconds":1,"latencyMs":0,"seed":42,"vbase":false}`;
//! properties left out keep their defaults, i.e. off). Faults apply to Catalog API requests
//! (`/api/catalog...`) only, never to `/_sim/*`, to VBase only with `vbase: true`, and to the
//! OMS endpoints (`/api/oms/...`, `/api/orders/pvt/...`, [`crate::vtex::oms`]) only with `oms: true`,
//! to Pricing only with `pricing: true`, to Logistics (`/api/logistics/...`) only with
//! `logistics: true` and to Master Data (`/api/dataentities/...`) only with `masterdata: true`.
//!
//! The decision is taken **before** the request reaches its handler, so a faulted write changes
//! nothing: with probability `rate429` the answer is `429` with `Retry-After:
//! {retryAfterSeconds}`, else with probability `rate5xx` it is `503`. The draws come from a
//! deterministic RNG (splitmix64) seeded with `seed` and reseeded whenever the configuration is
//! set, so a single client sees the same sequence on every run. `latencyMs` delays every
//! faultable request (faulted or not).
//!
//! `GET /_sim/stats` counts the faultable requests seen, the faults injected, and the
//! **accepted** (2xx) Catalog writes per endpoint (`"POST /api/catalog/pvt/stockkeepingunit/{id}/file"`,
//! numeric path segments as `{id}`), so tests can assert that no entity was created twice;
//! `DELETE /_sim/stats` resets the counters.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// What faults to inject.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultConfig {
    /// Probability (0..=1) of a `429 Too Many Requests`.
    pub rate429: f64,
    /// Probability (0..=1) of a `503 Service Unavailable`.
    pub rate5xx: f64,
    /// The `Retry-After` of a `429`, in seconds.
    pub retry_after_seconds: u64,
    /// Delay added to every faultable request.
    pub latency_ms: u64,
    /// Seed of the fault RNG.
    pub seed: u64,
    /// Whether VBase requests are faultable too.
    pub vbase: bool,
    /// Whether OMS requests (`/api/oms/...`, `/api/orders/pvt/...`) are faultable too.
    pub oms: bool,
    /// Whether Pricing requests (`api.vtex.com/{account}/pricing/...`) are faultable too (before
    /// Pricing's own rate limits, which answer their 429s regardless).
    pub pricing: bool,
    /// Whether Logistics requests (`/api/logistics/...`) are faultable too.
    pub logistics: bool,
    /// Whether Master Data requests (`/api/dataentities/...`) are faultable too (before Master
    /// Data's own throttling, which answers its 429s and 503s regardless).
    pub masterdata: bool,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            rate429: 0.0,
            rate5xx: 0.0,
            retry_after_seconds: 1,
            latency_ms: 0,
            seed: 42,
            vbase: false,
            oms: false,
            pricing: false,
            logistics: false,
            masterdata: false,
        }
    }
}

impl FaultConfig {
    fn check(&self) -> Result<(), String> {
        let ok = |r: f64| r.is_finite() && (0.0..=1.0).contains(&r);
        if !ok(self.rate429) || !ok(self.rate5xx) || self.rate429 + self.rate5xx > 1.0 {
            return Err("rate429 and rate5xx must be within 0..=1 and sum to at most 1".into());
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct State {
    config: FaultConfig,
    rng: u64,
    requests: u64,
    faults429: u64,
    faults5xx: u64,
    /// Per area (`oms`, `vbase`, `catalog`...): `(429s, 5xx)`.
    by_area: BTreeMap<&'static str, (u64, u64)>,
    writes: BTreeMap<String, u64>,
}

/// The live fault configuration and counters.
#[derive(Debug, Default)]
pub struct Faults {
    state: Mutex<State>,
}

/// What to do with a faultable request.
#[derive(Debug)]
pub struct Decision {
    pub latency: Option<Duration>,
    pub fault: Option<Response>,
}

impl Faults {
    pub fn new(config: FaultConfig) -> Result<Self, String> {
        let f = Faults::default();
        f.set(config)?;
        Ok(f)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the configuration and reseeds the RNG (counters are kept).
    pub fn set(&self, config: FaultConfig) -> Result<(), String> {
        config.check()?;
        let mut s = self.lock();
        s.config = config;
        s.rng = config.seed;
        Ok(())
    }

    pub fn config(&self) -> FaultConfig {
        self.lock().config
    }

    /// Whether VBase requests are faultable.
    pub fn vbase(&self) -> bool {
        self.lock().config.vbase
    }

    /// Whether OMS requests are faultable.
    pub fn oms(&self) -> bool {
        self.lock().config.oms
    }

    /// Whether Pricing requests are faultable.
    pub fn pricing(&self) -> bool {
        self.lock().config.pricing
    }

    /// Whether Logistics requests are faultable.
    pub fn logistics(&self) -> bool {
        self.lock().config.logistics
    }

    /// Whether Master Data requests are faultable.
    pub fn masterdata(&self) -> bool {
        self.lock().config.masterdata
    }

    /// Draws the fate of one faultable request of `area` (`oms`, `vbase`, ...: counted apart).
    pub fn decide(&self, area: &'static str) -> Decision {
        let mut s = self.lock();
        s.requests += 1;
        let c = s.config;
        let latency = (c.latency_ms > 0).then(|| Duration::from_millis(c.latency_ms));
        if c.rate429 <= 0.0 && c.rate5xx <= 0.0 {
            return Decision {
                latency,
                fault: None,
            };
        }
        let draw = crate::platform::rng::unit(&mut s.rng);
        let fault = if draw < c.rate429 {
            s.faults429 += 1;
            s.by_area.entry(area).or_default().0 += 1;
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({
                    "Message": "Too many requests (ponte-sim fault injection)",
                    "code": "SIM_FAULT_429"
                })),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&c.retry_after_seconds.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Some(r)
        } else if draw < c.rate429 + c.rate5xx {
            s.faults5xx += 1;
            s.by_area.entry(area).or_default().1 += 1;
            Some(
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(json!({
                        "Message": "Service unavailable (ponte-sim fault injection)",
                        "code": "SIM_FAULT_503"
                    })),
                )
                    .into_response(),
            )
        } else {
            None
        };
        Decision { latency, fault }
    }

    /// Counts an accepted write.
    pub fn count_write(&self, endpoint: String) {
        *self.lock().writes.entry(endpoint).or_insert(0) += 1;
    }

    pub fn stats(&self) -> serde_json::Value {
        let s = self.lock();
        json!({
            "requests": s.requests,
            "faults": { "429": s.faults429, "5xx": s.faults5xx, "total": s.faults429 + s.faults5xx },
            "faultsByArea": s.by_area.iter().map(|(area, (f429, f5xx))| (area.to_string(), json!({"429": f429, "5xx": f5xx}))).collect::<serde_json::Map<_, _>>(),
            "writes": s.writes,
            "writesTotal": s.writes.values().sum::<u64>(),
        })
    }

    pub fn reset_stats(&self) {
        let mut s = self.lock();
        s.requests = 0;
        s.faults429 = 0;
        s.faults5xx = 0;
        s.by_area.clear();
        s.writes.clear();
    }
}

/// `METHOD /path` with every all-digit segment as `{id}`.
pub fn endpoint_key(method: &str, path: &str) -> String {
    let path: Vec<&str> = path
        .split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                seg
            }
        })
        .collect();
    format!("{method} {}", path.join("/"))
}
