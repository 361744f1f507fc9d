//! The ERP's configuration (`PUT /_sim/erp/orders/config`, CLI flags `--erp-*`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Everything the ERP side can be told. Property names are camelCase in JSON; a `PUT` may send
/// only some of them (the rest keep their current values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ErpOrdersConfig {
    /// Ponte's GraphQL endpoints, one per replica
    /// (`http://127.0.0.1:5050/ponte/master/_v/graphql`); called round-robin. Empty: the ERP
    /// only receives (no actor).
    pub graphql_urls: Vec<String>,
    /// The ERP's app key pair, sent as `X-VTEX-API-AppKey` / `X-VTEX-API-AppToken` (default:
    /// the sim's built-in key of account `ponte`).
    pub app_key: String,
    pub app_token: String,
    /// `x-vtex-account` / `x-vtex-workspace` of GraphQL calls; by default taken from each URL's
    /// path (`/{account}/{workspace}/_v/graphql`), else `ponte` / `master`.
    pub account: Option<String>,
    pub workspace: Option<String>,
    /// When set, a hand-off must carry `authorization: Bearer <token>` (else `401`).
    pub token: Option<String>,
    /// Seed of every choice (plans, injected failures).
    pub seed: u64,
    /// Wait after a hand-off before the first action (start handling, or the cancel).
    pub start_handling_delay_ms: u64,
    /// Wait before each invoice.
    pub invoice_delay_ms: u64,
    /// Wait before the tracking number and again before the delivery events.
    pub tracking_delay_ms: u64,
    /// Wait between the cancel that requests and the cancel that confirms.
    pub cancel_confirm_delay_ms: u64,
    /// Fractions of orders invoiced in two parts / canceled / tracked / changed.
    pub partial_invoice_rate: f64,
    pub cancel_rate: f64,
    pub tracking_rate: f64,
    pub change_rate: f64,
    /// Orders worked on at the same time.
    pub actor_concurrency: usize,
    /// Whether the ERP acts at all (it always receives).
    pub enabled: bool,
    /// Probability that a hand-off POST is answered `503` (nothing recorded).
    pub fail_rate: f64,
    /// Latency added to every hand-off POST.
    pub latency_ms: u64,
    /// Probability that a POST, once recorded, is answered only after `slowMs` more: longer
    /// than the sender's timeout, the sender does not know the outcome (the worst case of a
    /// timeout: stored, unacknowledged). Decided by a seeded sequence; counted `slowAnswers`.
    pub slow_rate: f64,
    pub slow_ms: u64,
    /// How long to wait for Ponte to see `handling` after `startHandling` (polling `order(id)`)
    /// and for an order handed off early to reach `ready-for-handling`.
    pub handling_wait_ms: u64,
    pub poll_interval_ms: u64,
    /// Attempts per GraphQL call (transport errors, 5xx, retryable codes), with exponential
    /// backoff from `retryBaseMs` (at most 5 s).
    pub max_attempts: u32,
    pub retry_base_ms: u64,
    pub request_timeout_ms: u64,
    /// GraphQL error codes retried like a 5xx (`OMS_REFUSED` with an OMS status of 429 or 5xx
    /// is retried too).
    pub retryable_codes: Vec<String>,
}

impl Default for ErpOrdersConfig {
    fn default() -> Self {
        ErpOrdersConfig {
            graphql_urls: Vec::new(),
            app_key: "vtexappkey-ponte-PONTE".to_owned(),
            app_token: "ponte-sim-apptoken".to_owned(),
            account: None,
            workspace: None,
            token: None,
            seed: 1,
            start_handling_delay_ms: 200,
            invoice_delay_ms: 300,
            tracking_delay_ms: 200,
            cancel_confirm_delay_ms: 100,
            partial_invoice_rate: 0.3,
            cancel_rate: 0.1,
            tracking_rate: 0.8,
            change_rate: 0.0,
            actor_concurrency: 16,
            enabled: true,
            fail_rate: 0.0,
            latency_ms: 0,
            slow_rate: 0.0,
            slow_ms: 0,
            handling_wait_ms: 30_000,
            poll_interval_ms: 250,
            max_attempts: 10,
            retry_base_ms: 200,
            request_timeout_ms: 15_000,
            retryable_codes: [
                "OMS_UNAVAILABLE",
                "RATE_LIMITED",
                "VBASE_UNAVAILABLE",
                "VTEX_REQUEST_FAILED",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

impl ErpOrdersConfig {
    /// Checks ranges and URLs; the message says what is wrong.
    pub fn check(&self) -> Result<(), String> {
        for (name, rate) in [
            ("partialInvoiceRate", self.partial_invoice_rate),
            ("cancelRate", self.cancel_rate),
            ("trackingRate", self.tracking_rate),
            ("changeRate", self.change_rate),
            ("failRate", self.fail_rate),
            ("slowRate", self.slow_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, not {rate}"));
            }
        }
        if self.actor_concurrency == 0 || self.actor_concurrency > 1024 {
            return Err("actorConcurrency must be 1 to 1024".into());
        }
        if self.max_attempts == 0 || self.max_attempts > 100 {
            return Err("maxAttempts must be 1 to 100".into());
        }
        if self.poll_interval_ms == 0 {
            return Err("pollIntervalMs must be at least 1".into());
        }
        if self.request_timeout_ms == 0 {
            return Err("requestTimeoutMs must be at least 1".into());
        }
        for url in &self.graphql_urls {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("graphqlUrls: {url:?} is not an http(s) URL"));
            }
        }
        if self.app_key.trim().is_empty() || self.app_token.trim().is_empty() {
            return Err("appKey and appToken must not be empty".into());
        }
        if self.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err("token must be null or a non-empty string".into());
        }
        Ok(())
    }

    /// This configuration with the properties of `patch` (a JSON object) applied.
    pub fn patched(&self, patch: Value) -> Result<ErpOrdersConfig, String> {
        let Value::Object(patch) = patch else {
            return Err("the configuration must be a JSON object".into());
        };
        let mut current = serde_json::to_value(self).map_err(|e| e.to_string())?;
        if let Value::Object(map) = &mut current {
            for (k, v) in patch {
                map.insert(k, v);
            }
        }
        let next: ErpOrdersConfig =
            serde_json::from_value(current).map_err(|e| format!("invalid configuration: {e}"))?;
        next.check()?;
        Ok(next)
    }

    /// `(account, workspace)` for calls to `url`.
    pub fn tenant_for(&self, url: &str) -> (String, String) {
        let path = url
            .split_once("://")
            .map(|(_, rest)| rest)
            .and_then(|rest| rest.split_once('/'))
            .map(|(_, path)| path)
            .unwrap_or_default();
        let mut segments = path.split('/').filter(|s| !s.is_empty());
        let (a, w) = (segments.next(), segments.next());
        let from_path = match (a, w, segments.next()) {
            (Some(a), Some(w), Some("_v")) => Some((a.to_owned(), w.to_owned())),
            _ => None,
        };
        let account = self
            .account
            .clone()
            .or_else(|| from_path.as_ref().map(|p| p.0.clone()))
            .unwrap_or_else(|| "ponte".to_owned());
        let workspace = self
            .workspace
            .clone()
            .or_else(|| from_path.map(|p| p.1))
            .unwrap_or_else(|| "master".to_owned());
        (account, workspace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patches_merge_and_are_checked() {
        let c = ErpOrdersConfig::default();
        let p = c.patched(json!({"cancelRate": 0.5, "token": "t"}));
        assert_eq!(p.as_ref().map(|p| p.cancel_rate).ok(), Some(0.5));
        assert_eq!(p.map(|p| p.seed).ok(), Some(1));
        assert!(c.patched(json!({"cancelRate": 2})).is_err());
        assert!(c.patched(json!({"nope": 1})).is_err());
        assert!(c.patched(json!([1])).is_err());
        assert!(c.patched(json!({"graphqlUrls": ["ftp://x"]})).is_err());
    }

    #[test]
    fn tenant_comes_from_the_url() {
        let c = ErpOrdersConfig::default();
        assert_eq!(
            c.tenant_for("http://127.0.0.1:5050/acme/dev/_v/graphql"),
            ("acme".to_owned(), "dev".to_owned())
        );
        assert_eq!(
            c.tenant_for("http://127.0.0.1:5050/graphql"),
            ("ponte".to_owned(), "master".to_owned())
        );
    }
}
