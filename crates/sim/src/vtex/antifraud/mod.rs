//! The payment gateway's side of the Anti-fraud Provider Protocol (§G.3) that the provider
//! calls back: the `hook` VTEX sends with each transaction, to which the provider POSTs a new
//! status; VTEX then reads the analysis again with `GET /transactions/{id}` (§G.3, "The
//! provider may push a new status by POSTing to `hook`").
//!
//! VTEX documents neither the hook's URL nor its body. **[sim's choice]**: the hook is
//! `https://{account}.vtexcommercestable.com.br/api/sim/antifraud/hook/{transactionId}`, any
//! JSON body is accepted with `200 {"accepted": true}` and recorded with the sim clock's time;
//! `GET /_sim/antifraud/hooks` lists what was received per transaction (tests count that each
//! status reached the gateway once). Kept in memory: a restart forgets the receipts.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The hooks received, per VTEX transaction id, in arrival order.
pub type SharedHooks = Arc<Mutex<BTreeMap<String, Vec<Value>>>>;

async fn receive(
    State(hooks): State<SharedHooks>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
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

/// The hook on the account's VTEX host.
pub fn routes() -> Router<SharedHooks> {
    Router::new().route("/api/sim/antifraud/hook/{id}", post(receive))
}

/// `GET /_sim/antifraud/hooks`.
pub fn sim_routes() -> Router<SharedHooks> {
    Router::new().route("/_sim/antifraud/hooks", get(list))
}
