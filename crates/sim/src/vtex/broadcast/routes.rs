//! HTTP handlers of the broadcaster (see the module docs of [`super`]).

use super::config::{parse_object, prop};
use super::{BroadcastError, BroadcastFaults, BroadcastSettings, Broadcaster, jsonata};
use crate::platform::bus::{ChangeSink, OrderChange};
use crate::platform::http::Scoped;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// The VTEX-facing routes (account hosts and the simulator's own).
pub fn routes() -> Router<Broadcaster> {
    Router::new()
        .route(
            "/api/orders/feed/config",
            get(get_feed_config)
                .post(post_feed_config)
                .delete(delete_feed_config),
        )
        .route("/api/orders/feed", get(receive).post(commit))
        .route(
            "/api/orders/hook/config",
            get(get_hook_config)
                .post(post_hook_config)
                .delete(delete_hook_config),
        )
        .route("/api/orders/expressions/jsonata", post(test_jsonata))
}

/// The simulator's own broadcast routes (simulator host only).
pub fn sim_routes() -> Router<Broadcaster> {
    Router::new()
        .route("/_sim/broadcast/faults", get(get_faults).put(put_faults))
        .route(
            "/_sim/broadcast/settings",
            get(get_settings).put(put_settings),
        )
        .route("/_sim/broadcast/stats", get(stats).delete(reset_stats))
        .route("/_sim/broadcast/publish", post(publish))
}

fn non_empty<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// What the VTEX-facing handlers take (the credentials in the headers are checked by [`caller`]
/// in the handler, after the body is read).
type Call = Scoped<Broadcaster>;

/// The caller's app key, after checking it sent credentials.
fn caller(headers: &HeaderMap) -> Result<Option<String>, BroadcastError> {
    let app_key = non_empty(headers, "x-vtex-api-appkey");
    if app_key.is_some() && non_empty(headers, "x-vtex-api-apptoken").is_some() {
        return Ok(app_key.map(str::to_owned));
    }
    let cookie = non_empty(headers, "vtexidclientautcookie").is_some()
        || crate::platform::http::cookie(headers, "VtexIdclientAutCookie").is_some();
    if cookie {
        Ok(None)
    } else {
        Err(BroadcastError::Unauthorized)
    }
}

async fn get_feed_config(call: Call) -> Result<Response, BroadcastError> {
    let key = caller(&call.headers)?;
    Ok(Json(call.state.get_feed(&call.account, key.as_deref())?).into_response())
}

async fn post_feed_config(call: Call, body: Bytes) -> Result<Response, BroadcastError> {
    let key = caller(&call.headers)?;
    Ok(Json(
        call.state
            .put_feed(&call.account, key.as_deref(), &body)
            .await?,
    )
    .into_response())
}

async fn delete_feed_config(call: Call) -> Result<Response, BroadcastError> {
    let key = caller(&call.headers)?;
    call.state
        .delete_feed(&call.account, key.as_deref())
        .await?;
    Ok(StatusCode::OK.into_response())
}

async fn receive(call: Call, uri: Uri) -> Result<Response, BroadcastError> {
    let key = caller(&call.headers)?;
    let raw = crate::platform::http::query_value(&uri, "maxlot");
    let maxlot = raw
        .as_deref()
        .map(str::trim)
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|n| (1..=10).contains(n))
        .ok_or_else(|| {
            BroadcastError::invalid(
                "FEED_MAXLOT_INVALID",
                format!(
                    "maxlot is required and must be a whole number from 1 to 10 (got {})",
                    raw.as_deref().unwrap_or("nothing")
                ),
            )
        })?;
    Ok(Json(
        call.state
            .receive(&call.account, key.as_deref(), maxlot)
            .await?,
    )
    .into_response())
}

async fn commit(call: Call, body: Bytes) -> Result<Response, BroadcastError> {
    let key = caller(&call.headers)?;
    let object = parse_object(&body)?;
    let handles = match prop(&object, "handles") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|h| {
                h.as_str().map(str::to_owned).ok_or_else(|| {
                    BroadcastError::InvalidBody("handles must be a list of strings".into())
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(BroadcastError::InvalidBody(
                "handles (a list of item handles) is required".into(),
            ));
        }
    };
    call.state
        .commit(&call.account, key.as_deref(), &handles)
        .await?;
    Ok(StatusCode::OK.into_response())
}

async fn get_hook_config(call: Call) -> Result<Response, BroadcastError> {
    let key = caller(&call.headers)?;
    Ok(Json(call.state.get_hook(&call.account, key.as_deref())?).into_response())
}

async fn post_hook_config(call: Call, body: Bytes) -> Result<Response, BroadcastError> {
    let key = caller(&call.headers)?;
    Ok(Json(
        call.state
            .put_hook(&call.account, key.as_deref(), &body)
            .await?,
    )
    .into_response())
}

async fn delete_hook_config(call: Call) -> Result<Response, BroadcastError> {
    let key = caller(&call.headers)?;
    call.state
        .delete_hook(&call.account, key.as_deref())
        .await?;
    Ok(StatusCode::OK.into_response())
}

async fn test_jsonata(headers: HeaderMap, body: Bytes) -> Result<Response, BroadcastError> {
    caller(&headers)?;
    let object = parse_object(&body)?;
    let expression = match prop(&object, "Expression") {
        Some(Value::String(e)) => e.clone(),
        _ => {
            return Err(BroadcastError::InvalidBody(
                "Expression (a JSONata string) is required".into(),
            ));
        }
    };
    let document = match prop(&object, "Document") {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).map_err(|e| {
            BroadcastError::InvalidBody(format!("Document is not a JSON document: {e}"))
        })?,
        Some(other) => other.clone(),
        None => {
            return Err(BroadcastError::InvalidBody(
                "Document (the JSON document, as a string) is required".into(),
            ));
        }
    };
    let result = tokio::task::spawn_blocking(move || jsonata::matches(&expression, &document))
        .await
        .map_err(|e| BroadcastError::Internal(e.to_string()))?;
    match result {
        Ok(b) => Ok(Json(b).into_response()),
        Err(jsonata::JsonataError::Compile(e)) => Err(BroadcastError::Jsonata(e)),
        Err(jsonata::JsonataError::Evaluate(e)) => Err(BroadcastError::JsonataEvaluation(e)),
    }
}

async fn get_faults(State(b): State<Broadcaster>) -> Response {
    Json(b.faults()).into_response()
}

async fn put_faults(State(b): State<Broadcaster>, body: Bytes) -> Result<Response, BroadcastError> {
    let faults: BroadcastFaults = serde_json::from_slice(&body)
        .map_err(|e| BroadcastError::InvalidBody(format!("invalid fault configuration: {e}")))?;
    b.set_faults(faults).map_err(BroadcastError::InvalidBody)?;
    Ok(Json(b.faults()).into_response())
}

async fn get_settings(State(b): State<Broadcaster>) -> Response {
    Json(b.settings()).into_response()
}

async fn put_settings(
    State(b): State<Broadcaster>,
    body: Bytes,
) -> Result<Response, BroadcastError> {
    let settings: BroadcastSettings = serde_json::from_slice(&body)
        .map_err(|e| BroadcastError::InvalidBody(format!("invalid settings: {e}")))?;
    b.set_settings(settings)
        .map_err(BroadcastError::InvalidBody)?;
    Ok(Json(b.settings()).into_response())
}

async fn stats(State(b): State<Broadcaster>) -> Response {
    Json(b.stats()).into_response()
}

async fn reset_stats(State(b): State<Broadcaster>) -> Response {
    b.reset_stats();
    StatusCode::NO_CONTENT.into_response()
}

async fn publish(State(b): State<Broadcaster>, body: Bytes) -> Result<Response, BroadcastError> {
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| BroadcastError::InvalidBody(format!("malformed JSON: {e}")))?;
    let changes: Vec<OrderChange> = match value {
        Value::Array(_) => serde_json::from_value(value),
        other => serde_json::from_value(other).map(|c| vec![c]),
    }
    .map_err(|e| BroadcastError::InvalidBody(format!("not an OrderChange: {e}")))?;
    let n = changes.len();
    for change in changes {
        b.publish(change);
    }
    Ok((StatusCode::ACCEPTED, Json(json!({ "accepted": n }))).into_response())
}
