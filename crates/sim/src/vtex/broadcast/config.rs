//! Feed and hook configuration bodies (§B.2) and their validation.
//!
//! Property names are matched case-insensitively (`MessageRetentionPeriodInSeconds` and
//! `messageRetentionPeriodInSeconds`, `filter` and `Filter` …), as VTEX's binder does.
//!
//! - `filter.type` is `FromWorkflow` or `FromOrders` (else `400` `FILTER_TYPE_INVALID`; missing
//!   `400` `FILTER_TYPE_REQUIRED`). A feed without `filter` gets every status.
//! - `FromWorkflow` with `expression` or `disableSingleFire`, or `FromOrders` with `status`:
//!   `409` `FILTER_TYPE_CONFLICT`.
//! - `FromWorkflow` `status` is a list of strings, not validated against the status names
//!   (VTEX does not either). Feed: an empty or missing list means every status
//!   **[emulator default]**; hook: at least one (`400` `FILTER_STATUS_REQUIRED`).
//! - `FromOrders` needs an `expression` that compiles (`400` `JSONATA_INVALID`);
//!   `disableSingleFire` defaults to `false`.
//! - Feed `queue.MessageRetentionPeriodInSeconds` in 345600..=1209600 (default 345600), else
//!   `400` `FEED_RETENTION_OUT_OF_RANGE`; `visibilityTimeoutInSeconds` in 0..=43200 (default
//!   240; VTEX documents no bounds, 43200 is the SQS limit) else `400`
//!   `FEED_VISIBILITY_OUT_OF_RANGE` **[emulator default]**.
//! - Hook `hook.url` must be an absolute `https` URL (`400` `HOOK_URL_INVALID`, "Only https
//!   scheme is accepted"), `hook.headers` an object of strings (`400` `HOOK_HEADERS_REQUIRED`).

use super::error::BroadcastError;
use super::jsonata;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub const RETENTION_MIN_S: u64 = 345_600;
pub const RETENTION_MAX_S: u64 = 1_209_600;
pub const VISIBILITY_MAX_S: u64 = 43_200;
pub const DEFAULT_VISIBILITY_S: u64 = 240;

/// A filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Filter {
    /// Status changes into one of `status` (empty: every status).
    FromWorkflow { status: Vec<String> },
    /// Changes of orders matching a JSONata expression.
    #[serde(rename_all = "camelCase")]
    FromOrders {
        expression: String,
        disable_single_fire: bool,
    },
}

impl Filter {
    /// The filter as VTEX echoes it.
    pub fn to_json(&self) -> Value {
        match self {
            Filter::FromWorkflow { status } => json!({ "type": "FromWorkflow", "status": status }),
            Filter::FromOrders {
                expression,
                disable_single_fire,
            } => json!({
                "type": "FromOrders",
                "expression": expression,
                "disableSingleFire": disable_single_fire
            }),
        }
    }

    /// Whether a `FromWorkflow` filter lets `state` through (always true for `FromOrders`,
    /// which is evaluated elsewhere).
    pub fn workflow_matches(&self, state: &str) -> bool {
        match self {
            Filter::FromWorkflow { status } => {
                status.is_empty() || status.iter().any(|s| s == state)
            }
            Filter::FromOrders { .. } => true,
        }
    }
}

/// A feed's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedConfig {
    pub filter: Filter,
    pub visibility_timeout_s: u64,
    pub retention_s: u64,
    /// Generation: changes since this configuration (single-fire marks are per generation).
    pub generation: u64,
    /// When configured (simulated ms since the epoch).
    pub created_at: i64,
}

impl FeedConfig {
    /// The configuration as `GET /api/orders/feed/config` echoes it (without queue figures).
    pub fn to_json(&self) -> Value {
        json!({
            "filter": self.filter.to_json(),
            "queue": {
                "visibilityTimeoutInSeconds": self.visibility_timeout_s,
                "messageRetentionPeriodInSeconds": self.retention_s
            }
        })
    }
}

/// A hook's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookConfig {
    pub filter: Filter,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub generation: u64,
    pub created_at: i64,
}

impl HookConfig {
    pub fn to_json(&self) -> Value {
        json!({
            "filter": self.filter.to_json(),
            "hook": { "url": self.url, "headers": self.headers }
        })
    }
}

/// A property of `object`, name matched case-insensitively; `null` counts as absent.
pub fn prop<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// Parses a JSON object body.
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, BroadcastError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        BroadcastError::InvalidBody(format!("malformed JSON in the request body: {e}"))
    })?;
    match value {
        Value::Object(o) => Ok(o),
        _ => Err(BroadcastError::InvalidBody(
            "the request body must be a JSON object".into(),
        )),
    }
}

/// `Some(filter)` when the body has one; `hook` makes a status list mandatory.
fn parse_filter(body: &Map<String, Value>, hook: bool) -> Result<Option<Filter>, BroadcastError> {
    let Some(filter) = prop(body, "filter") else {
        return Ok(None);
    };
    let Value::Object(filter) = filter else {
        return Err(BroadcastError::invalid(
            "FILTER_INVALID",
            "filter must be an object",
        ));
    };
    let kind = match prop(filter, "type") {
        None => {
            return Err(BroadcastError::invalid(
                "FILTER_TYPE_REQUIRED",
                "filter.type is required: FromWorkflow or FromOrders",
            ));
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(BroadcastError::invalid(
                "FILTER_TYPE_INVALID",
                "filter.type must be the string FromWorkflow or FromOrders",
            ));
        }
    };
    let status = prop(filter, "status");
    let expression = prop(filter, "expression");
    let single = prop(filter, "disableSingleFire");
    if kind.eq_ignore_ascii_case("FromWorkflow") {
        if expression.is_some() || single.is_some() {
            return Err(BroadcastError::FilterConflict(
                "a FromWorkflow filter takes status only: expression and disableSingleFire belong to FromOrders".into(),
            ));
        }
        let status = match status {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|s| {
                    s.as_str().map(str::to_owned).ok_or_else(|| {
                        BroadcastError::invalid(
                            "FILTER_STATUS_INVALID",
                            "filter.status must be a list of status names",
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => {
                return Err(BroadcastError::invalid(
                    "FILTER_STATUS_INVALID",
                    "filter.status must be a list of status names",
                ));
            }
        };
        if hook && status.is_empty() {
            return Err(BroadcastError::invalid(
                "FILTER_STATUS_REQUIRED",
                "a FromWorkflow hook filter needs at least one status",
            ));
        }
        Ok(Some(Filter::FromWorkflow { status }))
    } else if kind.eq_ignore_ascii_case("FromOrders") {
        if status.is_some() {
            return Err(BroadcastError::FilterConflict(
                "a FromOrders filter takes expression and disableSingleFire: status belongs to FromWorkflow".into(),
            ));
        }
        let expression = match expression {
            Some(Value::String(e)) if !e.trim().is_empty() => e.clone(),
            _ => {
                return Err(BroadcastError::invalid(
                    "FILTER_EXPRESSION_REQUIRED",
                    "a FromOrders filter needs a JSONata expression (string)",
                ));
            }
        };
        jsonata::compile_check(&expression).map_err(|e| BroadcastError::Jsonata(e.to_string()))?;
        let disable_single_fire = match single {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(BroadcastError::invalid(
                    "FILTER_INVALID",
                    "filter.disableSingleFire must be a boolean",
                ));
            }
        };
        Ok(Some(Filter::FromOrders {
            expression,
            disable_single_fire,
        }))
    } else {
        Err(BroadcastError::invalid(
            "FILTER_TYPE_INVALID",
            format!("filter.type {kind:?} is neither FromWorkflow nor FromOrders"),
        ))
    }
}

fn seconds(
    queue: &Map<String, Value>,
    name: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    code: &'static str,
) -> Result<u64, BroadcastError> {
    let Some(v) = prop(queue, name) else {
        return Ok(default);
    };
    let n = v.as_u64().ok_or_else(|| {
        BroadcastError::invalid(
            code,
            format!("queue.{name} must be a whole number of seconds"),
        )
    })?;
    if !range.contains(&n) {
        return Err(BroadcastError::invalid(
            code,
            format!(
                "queue.{name} must be between {} and {} seconds, not {n}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(n)
}

/// Validates a feed configuration body.
pub fn parse_feed(body: &[u8], generation: u64, now: i64) -> Result<FeedConfig, BroadcastError> {
    let body = parse_object(body)?;
    let filter = parse_filter(&body, false)?.unwrap_or(Filter::FromWorkflow { status: Vec::new() });
    let empty = Map::new();
    let queue = match prop(&body, "queue") {
        None => &empty,
        Some(Value::Object(q)) => q,
        Some(_) => {
            return Err(BroadcastError::invalid(
                "FEED_QUEUE_INVALID",
                "queue must be an object",
            ));
        }
    };
    let visibility_timeout_s = seconds(
        queue,
        "visibilityTimeoutInSeconds",
        DEFAULT_VISIBILITY_S,
        0..=VISIBILITY_MAX_S,
        "FEED_VISIBILITY_OUT_OF_RANGE",
    )?;
    let retention_s = seconds(
        queue,
        "MessageRetentionPeriodInSeconds",
        RETENTION_MIN_S,
        RETENTION_MIN_S..=RETENTION_MAX_S,
        "FEED_RETENTION_OUT_OF_RANGE",
    )?;
    Ok(FeedConfig {
        filter,
        visibility_timeout_s,
        retention_s,
        generation,
        created_at: now,
    })
}

/// Validates a hook configuration body (the ping is the caller's).
pub fn parse_hook(body: &[u8], generation: u64, now: i64) -> Result<HookConfig, BroadcastError> {
    let body = parse_object(body)?;
    let filter = parse_filter(&body, true)?.ok_or_else(|| {
        BroadcastError::invalid(
            "FILTER_REQUIRED",
            "a hook needs a filter (FromWorkflow with statuses, or FromOrders)",
        )
    })?;
    let hook = match prop(&body, "hook") {
        Some(Value::Object(h)) => h,
        _ => {
            return Err(BroadcastError::invalid(
                "HOOK_REQUIRED",
                "hook (an object with url and headers) is required",
            ));
        }
    };
    let url = match prop(hook, "url") {
        Some(Value::String(u)) => u.trim().to_owned(),
        _ => {
            return Err(BroadcastError::invalid(
                "HOOK_URL_INVALID",
                "hook.url is required",
            ));
        }
    };
    match reqwest::Url::parse(&url) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some() => {}
        Ok(_) => {
            return Err(BroadcastError::invalid(
                "HOOK_URL_INVALID",
                "Unable to check address: Only https scheme is accepted",
            ));
        }
        Err(e) => {
            return Err(BroadcastError::invalid(
                "HOOK_URL_INVALID",
                format!("Unable to check address: {e}"),
            ));
        }
    }
    let headers = match prop(hook, "headers") {
        Some(Value::Object(h)) => h
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(BroadcastError::invalid(
                    "HOOK_HEADERS_REQUIRED",
                    format!("hook.headers.{k} must be a string"),
                )),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()?,
        _ => {
            return Err(BroadcastError::invalid(
                "HOOK_HEADERS_REQUIRED",
                "hook.headers (an object, sent with every notification) is required",
            ));
        }
    };
    for (k, v) in &headers {
        if axum::http::HeaderName::from_bytes(k.as_bytes()).is_err()
            || axum::http::HeaderValue::from_str(v).is_err()
        {
            return Err(BroadcastError::invalid(
                "HOOK_HEADERS_REQUIRED",
                format!("hook.headers.{k} is not a valid HTTP header"),
            ));
        }
    }
    Ok(HookConfig {
        filter,
        url,
        headers,
        generation,
        created_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(v: Value) -> Result<FeedConfig, BroadcastError> {
        parse_feed(v.to_string().as_bytes(), 1, 0)
    }

    #[test]
    fn feed_rules() {
        let ok = feed(
            json!({"filter":{"type":"FromWorkflow","status":["ready-for-handling"]},
            "queue":{"visibilityTimeoutInSeconds":240,"MessageRetentionPeriodInSeconds":345600}}),
        );
        assert!(ok.is_ok());
        let ok = feed(
            json!({"Filter":{"Type":"FromOrders","Expression":"value > 1"},
            "Queue":{"messageRetentionPeriodInSeconds":1209600}}),
        );
        assert_eq!(ok.map(|c| c.retention_s).ok(), Some(1_209_600));
        let all = feed(json!({}));
        assert_eq!(
            all.map(|c| c.filter).ok(),
            Some(Filter::FromWorkflow { status: vec![] })
        );
        let e = feed(json!({"filter":{"type":"FromWorkflow","status":["x"],"expression":"a"}}));
        assert_eq!(e.map_err(|e| e.code()).err(), Some("FILTER_TYPE_CONFLICT"));
        let e = feed(json!({"filter":{"type":"FromOrders","expression":"a","status":["x"]}}));
        assert_eq!(e.map_err(|e| e.code()).err(), Some("FILTER_TYPE_CONFLICT"));
        let e = feed(json!({"queue":{"MessageRetentionPeriodInSeconds":100}}));
        assert_eq!(
            e.map_err(|e| e.code()).err(),
            Some("FEED_RETENTION_OUT_OF_RANGE")
        );
        let e = feed(json!({"queue":{"MessageRetentionPeriodInSeconds":1209601}}));
        assert_eq!(
            e.map_err(|e| e.code()).err(),
            Some("FEED_RETENTION_OUT_OF_RANGE")
        );
        let e = feed(json!({"filter":{"type":"FromOrders","expression":"status = "}}));
        assert_eq!(e.map_err(|e| e.code()).err(), Some("JSONATA_INVALID"));
        let e = feed(json!({"filter":{"status":["x"]}}));
        assert_eq!(e.map_err(|e| e.code()).err(), Some("FILTER_TYPE_REQUIRED"));
    }

    #[test]
    fn hook_rules() {
        let h = |v: Value| parse_hook(v.to_string().as_bytes(), 1, 0).map_err(|e| e.code());
        let f = json!({"type":"FromWorkflow","status":["payment-pending"]});
        assert!(
            h(json!({"filter": f, "hook":{"url":"https://x.example/h","headers":{"k":"v"}}}))
                .is_ok()
        );
        assert_eq!(
            h(json!({"filter": f, "hook":{"url":"http://x.example/h","headers":{}}})).err(),
            Some("HOOK_URL_INVALID")
        );
        assert_eq!(
            h(json!({"filter": f, "hook":{"url":"https://x.example/h"}})).err(),
            Some("HOOK_HEADERS_REQUIRED")
        );
        assert_eq!(
            h(json!({"filter":{"type":"FromWorkflow","status":[]},
                "hook":{"url":"https://x.example/h","headers":{}}}))
            .err(),
            Some("FILTER_STATUS_REQUIRED")
        );
    }
}
