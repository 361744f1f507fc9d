//! The payment gateway's side of the Anti-fraud Provider Protocol (§G.3) that the provider
//! calls back: the `hook` VTEX sends with each transaction, to which the provider POSTs a new
//! status; VTEX then reads the analysis again with `GET /transactions/{id}` (§G.3, "The
//! provider may push a new status by POSTing to `hook`").
//!
//! The hook's URL is the one the OpenAPI file's example sends
//! (`https://hook.vtex.com/notifyIfChangeStatus`, Antifraud Provider API `SendAntifraudData`);
//! VTEX documents no body. **[sim's choice]**: `POST /notifyIfChangeStatus[/{transactionId}]`
//! on that host takes any JSON body with `200 {"accepted": true}` and records it under the
//! path's id, else the body's `id`; `GET /_sim/antifraud/hooks` lists what was received per
//! transaction (tests count that each status reached the gateway once). Kept in memory: a
//! restart forgets the receipts.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The hooks received, per VTEX transaction id, in arrival order.
pub type SharedHooks = Arc<Mutex<BTreeMap<String, Vec<Value>>>>;

async fn receive_for(
    State(hooks): State<SharedHooks>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    record(&hooks, Some(id), &body)
}

async fn receive(State(hooks): State<SharedHooks>, body: axum::body::Bytes) -> Response {
    record(&hooks, None, &body)
}

fn record(hooks: &SharedHooks, id: Option<String>, body: &[u8]) -> Response {
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let id = id
        .or_else(|| parsed.get("id").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    hooks
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(id)
        .or_default()
        .push(parsed);
    axum::Json(json!({"accepted": true})).into_response()
}

async fn list(State(hooks): State<SharedHooks>) -> Response {
    let all = hooks.lock().unwrap_or_else(PoisonError::into_inner).clone();
    axum::Json(all).into_response()
}

/// The hook, on `hook.vtex.com` ([`crate::platform::http`] routes that host to VTEX's side).
pub fn routes() -> Router<SharedHooks> {
    Router::new()
        .route("/notifyIfChangeStatus", post(receive))
        .route("/notifyIfChangeStatus/{id}", post(receive_for))
}

/// `GET /_sim/antifraud/hooks`.
pub fn sim_routes() -> Router<SharedHooks> {
    Router::new().route("/_sim/antifraud/hooks", get(list))
}
