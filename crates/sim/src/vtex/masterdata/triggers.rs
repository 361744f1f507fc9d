//! Master Data triggers that call HTTP endpoints: the `v-triggers` array of a JSON schema saved
//! on a data entity (Master Data API v2 `Saveschemabyname`, `PUT
//! /api/dataentities/{entity}/schemas/{name}`, answered `200 {"Message": "JSON Schema persisted
//! successfully. ..."}`; `Getschemas` `GET .../schemas` → `[{name, schema}]`, one schema alone as
//! an object, as the operation documents; `Getschemabyname`
//! `GET .../schemas/{name}` → the schema; `Deleteschemabyname` `DELETE .../schemas/{name}` → `204`).
//!
//! VTEX's rules played (developers.vtex.com/docs/guides/setting-up-triggers-in-master-data-v2,
//! "JSON Properties"):
//! - a trigger runs after a document is inserted or updated: here after every write that
//!   changed the document (not a `304`, not a delete);
//! - `name` is a string of at most 100 characters; `active: false` turns it off;
//! - `condition` has the syntax of the search's `_where` (the guide points to "Search
//!   documents"): the trigger runs when the written document matches it (no condition: always);
//! - `action` `{"type": "http", "uri", "method", "headers", "body"}` sends that request; the
//!   `{!field}` dynamic expressions in the uri, the headers and the body take the document's
//!   values (developers.vtex.com/docs/guides/using-dynamic-expressions-in-master-data-v2);
//! - `retry`: by default 3 attempts 10 minutes apart; `{"times", "delay": {"addMinutes"}}`
//!   overrides both.
//!
//! Where VTEX is silent, **[sim's choices]**, configurable in [`super::MasterDataSettings`]:
//! - a v1 entity (CL, AD) takes a schema too (the guide's "add hooks to VTEX first-party apps"
//!   does so); every write to the entity runs the triggers of all its schemas
//!   (`triggerSchemas: "any"`), or only a write naming the schema with `?_schema=`
//!   (`"named"`);
//! - an attempt fails on a transport error, a timeout (10 s) or a status outside 2xx;
//! - the attempts are spaced on the real clock; `triggerDelayMs` replaces every trigger's delay
//!   (tests cannot wait 10 minutes);
//! - a `{!field}` that is a whole JSON string becomes the field's JSON value (a number stays a
//!   number); inside a longer string, its text; a field the document lacks is `null` or empty;
//! - a request to `{account}.myvtex.com` goes through the IO router to the service, as a `POST`
//!   (as hooks do, [`crate::vtex::broadcast::post_hook`]); any other URI is sent with its method
//!   over plain HTTP;
//! - each attempt is recorded (`GET /_sim/masterdata/triggers`: the last 1,000).
//!
//! **[sim's limits]**: `email`, `t-email` and `save` actions, `runAt` and `weight` are stored
//! and echoed, not played; schemas live in memory and are gone when the simulator restarts.

use super::query;
use crate::platform::error::ApiError;
use crate::vtex::io::{IoRouter, Outcome};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long one attempt may take.
const DEADLINE: Duration = Duration::from_secs(10);
/// Attempts kept for `GET /_sim/masterdata/triggers`.
pub const LOG_SIZE: usize = 1000;

/// Which schemas' triggers a write runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TriggerSchemas {
    /// Every schema of the entity.
    #[default]
    Any,
    /// Only the schema the write names with `?_schema=`.
    Named,
}

/// `retry.delay` (the guide's example uses `addMinutes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delay {
    #[serde(default)]
    pub add_minutes: u32,
}

/// `retry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retry {
    pub times: u32,
    pub delay: Delay,
}

impl Default for Retry {
    /// "By default, VTEX Master Data makes 3 attempts in an interval of 10 minutes."
    fn default() -> Self {
        Retry {
            times: 3,
            delay: Delay { add_minutes: 10 },
        }
    }
}

/// One item of `v-triggers`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Trigger {
    pub name: String,
    #[serde(default = "active")]
    pub active: bool,
    #[serde(default)]
    pub condition: Option<String>,
    pub action: Map<String, Value>,
    #[serde(default)]
    pub retry: Option<Retry>,
}

fn active() -> bool {
    true
}

/// The `v-triggers` of a schema, checked: `400` naming the first problem.
pub fn triggers_of(schema: &Value) -> Result<Vec<Trigger>, ApiError> {
    let Some(list) = schema.get("v-triggers") else {
        return Ok(Vec::new());
    };
    let bad = |i: usize, what: String| {
        ApiError::bad("SCHEMA_INVALID", format!("v-triggers[{i}]: {what}"))
    };
    let items = list
        .as_array()
        .ok_or_else(|| ApiError::bad("SCHEMA_INVALID", "v-triggers must be an array"))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let t: Trigger = serde_json::from_value(item.clone()).map_err(|e| bad(i, e.to_string()))?;
        if t.name.is_empty() || t.name.chars().count() > 100 {
            return Err(bad(i, "name is 1 to 100 characters".into()));
        }
        if let Some(c) = t.condition.as_deref().filter(|c| !c.trim().is_empty()) {
            query::parse(c).map_err(|e| bad(i, format!("condition: {e}")))?;
        }
        let kind = t.action.get("type").and_then(Value::as_str).unwrap_or("");
        if !["http", "email", "t-email", "save"].contains(&kind) {
            return Err(bad(
                i,
                format!("action.type {kind:?} is not http, email, t-email or save"),
            ));
        }
        if kind == "http" {
            let uri = t.action.get("uri").and_then(Value::as_str).unwrap_or("");
            if !(uri.starts_with("http://") || uri.starts_with("https://")) {
                return Err(bad(i, "action.uri must be an absolute http(s) URI".into()));
            }
        }
        out.push(t);
    }
    Ok(out)
}

/// Replaces the `{!field}` expressions of `v` with the document's values.
pub fn expand(v: &Value, doc: &Map<String, Value>) -> Value {
    match v {
        Value::String(s) => {
            let whole = s
                .strip_prefix("{!")
                .and_then(|r| r.strip_suffix('}'))
                .filter(|f| !f.contains('}'));
            match whole {
                Some(field) => lookup(doc, field).cloned().unwrap_or(Value::Null),
                None => Value::String(expand_text(s, doc)),
            }
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| expand(x, doc)).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, x)| (k.clone(), expand(x, doc))).collect())
        }
        other => other.clone(),
    }
}

fn lookup<'a>(doc: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    let mut parts = field.split('.');
    let first = doc.get(parts.next()?)?;
    parts.try_fold(first, |v, p| v.get(p))
}

fn expand_text(s: &str, doc: &Map<String, Value>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{!") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        match lookup(doc, &after[..end]) {
            Some(Value::String(t)) => out.push_str(t),
            Some(Value::Null) | None => {}
            Some(v) => out.push_str(&v.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// One attempt, as `GET /_sim/masterdata/triggers` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub trigger: String,
    pub entity: String,
    pub document_id: String,
    pub attempt: u32,
    /// The answer's status; none for a transport error or a timeout.
    pub status: Option<u16>,
    pub ok: bool,
}

/// A request a trigger sends, its document's values in place.
#[derive(Debug, Clone)]
pub struct Call {
    pub trigger: String,
    pub entity: String,
    pub document_id: String,
    pub method: String,
    pub uri: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
    pub times: u32,
    pub delay: Duration,
}

/// The calls the triggers of `schemas` make for a written document.
pub fn calls(
    schemas: &[&Value],
    entity: &str,
    doc: &Map<String, Value>,
    case_insensitive: bool,
    delay_override: Option<u64>,
) -> Vec<Call> {
    let mut out = Vec::new();
    for t in schemas
        .iter()
        .flat_map(|s| triggers_of(s).unwrap_or_default())
    {
        let http = t.action.get("type").and_then(Value::as_str) == Some("http");
        let holds = t
            .condition
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .is_none_or(|c| {
                query::parse(c).is_ok_and(|e| query::matches(&e, doc, case_insensitive))
            });
        if !t.active || !http || !holds {
            continue;
        }
        let text = |k: &str| {
            t.action
                .get(k)
                .and_then(Value::as_str)
                .map(|s| expand_text(s, doc))
        };
        let headers = t
            .action
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| {
                h.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), expand_text(s, doc))))
                    .collect()
            })
            .unwrap_or_default();
        let retry = t.retry.clone().unwrap_or_default();
        let minutes = u64::from(retry.delay.add_minutes);
        out.push(Call {
            trigger: t.name.clone(),
            entity: entity.to_owned(),
            document_id: doc
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            method: text("method")
                .unwrap_or_else(|| "POST".into())
                .to_uppercase(),
            uri: text("uri").unwrap_or_default(),
            headers,
            body: t.action.get("body").map(|b| expand(b, doc)),
            times: retry.times.max(1),
            delay: Duration::from_millis(delay_override.unwrap_or(minutes * 60_000)),
        });
    }
    out
}

/// Where trigger requests go out: the IO router for the service's hosts, else plain HTTP.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub http: reqwest::Client,
    pub io: Arc<IoRouter>,
}

impl Outbound {
    /// One attempt's status; none when nothing answered in time.
    pub async fn send(&self, call: &Call) -> Option<u16> {
        let myvtex = reqwest::Url::parse(&call.uri)
            .ok()
            .and_then(|u| u.host_str().map(|h| h.to_ascii_lowercase()))
            .is_some_and(|h| h.ends_with(".myvtex.com"));
        let body = call.body.clone().unwrap_or(Value::Null);
        if myvtex {
            let outcome = crate::vtex::broadcast::post_hook(
                &self.http,
                &self.io,
                &call.uri,
                &call.headers,
                &body,
                DEADLINE,
            )
            .await;
            return match outcome {
                Outcome::Status(s) => Some(s),
                _ => None,
            };
        }
        let method = reqwest::Method::from_bytes(call.method.as_bytes()).ok()?;
        let mut req = self.http.request(method, &call.uri).timeout(DEADLINE);
        for (k, v) in &call.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if call.body.is_some() {
            req = req.json(&body);
        }
        req.send().await.ok().map(|r| r.status().as_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Map<String, Value> {
        json!({"id": "d1", "email": "a@x.com", "age": 30, "address": {"city": "Rio"}})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn dynamic_expressions_take_the_document_values() {
        let body = json!({"id": "{!id}", "n": "{!age}", "text": "{!email} in {!address.city}{!none}", "k": 25});
        assert_eq!(
            expand(&body, &doc()),
            json!({"id": "d1", "n": 30, "text": "a@x.com in Rio", "k": 25})
        );
    }

    #[test]
    fn a_trigger_runs_when_active_and_its_condition_holds() {
        let schema = json!({"properties": {}, "v-triggers": [
            {"name": "adults", "active": true, "condition": "age>18",
             "action": {"type": "http", "uri": "http://h/{!id}", "method": "put", "headers": {"x-doc": "{!id}"}, "body": {"id": "{!id}"}},
             "retry": {"times": 5, "delay": {"addMinutes": 30}}},
            {"name": "kids", "condition": "age<18", "action": {"type": "http", "uri": "http://h", "method": "POST"}},
            {"name": "off", "active": false, "action": {"type": "http", "uri": "http://h", "method": "POST"}},
            {"name": "mail", "action": {"type": "email", "to": ["{!email}"]}}
        ]});
        let out = calls(&[&schema], "CL", &doc(), false, None);
        assert_eq!(out.len(), 1);
        let c = &out[0];
        assert_eq!(
            (c.trigger.as_str(), c.method.as_str(), c.uri.as_str()),
            ("adults", "PUT", "http://h/d1")
        );
        assert_eq!(c.headers.get("x-doc").map(String::as_str), Some("d1"));
        assert_eq!(c.body, Some(json!({"id": "d1"})));
        assert_eq!((c.times, c.delay), (5, Duration::from_secs(1800)));
        let plain =
            json!({"v-triggers": [{"name": "t", "action": {"type": "http", "uri": "http://h"}}]});
        let out = calls(&[&plain], "CL", &doc(), false, Some(5));
        assert_eq!(
            (out[0].times, out[0].delay),
            (3, Duration::from_millis(5)),
            "3 attempts by default"
        );
    }

    #[test]
    fn a_schema_with_a_bad_trigger_is_refused() {
        for bad in [
            json!({"v-triggers": {}}),
            json!({"v-triggers": [{"name": "", "action": {"type": "http", "uri": "http://h"}}]}),
            json!({"v-triggers": [{"name": "x".repeat(101), "action": {"type": "http", "uri": "http://h"}}]}),
            json!({"v-triggers": [{"name": "t", "action": {"type": "sms"}}]}),
            json!({"v-triggers": [{"name": "t", "action": {"type": "http", "uri": "/relative"}}]}),
            json!({"v-triggers": [{"name": "t", "condition": "(a=1", "action": {"type": "http", "uri": "http://h"}}]}),
            json!({"v-triggers": [{"name": "t", "active": "yes", "action": {"type": "http", "uri": "http://h"}}]}),
        ] {
            assert!(triggers_of(&bad).is_err(), "{bad}");
        }
        assert_eq!(
            triggers_of(&json!({"properties": {}}))
                .map(|t| t.len())
                .ok(),
            Some(0)
        );
    }
}
