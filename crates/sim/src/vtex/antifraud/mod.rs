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

pub mod gateway;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The gateway's state: the hooks received per VTEX transaction id (in arrival order) and the
/// gateway that sends and reads transactions ([`gateway`]).
#[derive(Debug)]
pub struct Antifraud {
    pub hooks: Mutex<BTreeMap<String, Vec<Value>>>,
    pub gateway: Arc<gateway::Gateway>,
}

pub type SharedHooks = Arc<Antifraud>;

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

fn record(state: &SharedHooks, id: Option<String>, body: &[u8]) -> Response {
    let hooks = &state.hooks;
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let id = id
        .or_else(|| parsed.get("id").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    hooks
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(id.clone())
        .or_default()
        .push(parsed);
    // VTEX reads the analysis again once the hook tells it to (§G.3).
    let gw = state.gateway.clone();
    tokio::spawn(async move { gw.read(&id).await });
    axum::Json(json!({"accepted": true})).into_response()
}

async fn list(State(state): State<SharedHooks>) -> Response {
    let all = state
        .hooks
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    axum::Json(all).into_response()
}

async fn send(State(state): State<SharedHooks>, body: axum::body::Bytes) -> Response {
    let Ok(parsed) = serde_json::from_slice::<Value>(&body) else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(json!({"code": "BODY_INVALID"})),
        )
            .into_response();
    };
    match state.gateway.send(parsed).await {
        Ok(tx) => axum::Json(gateway::view(&tx)).into_response(),
        Err(e) => (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(json!({"code": "TRANSACTION_INVALID", "message": e})),
        )
            .into_response(),
    }
}

async fn one(State(state): State<SharedHooks>, Path(id): Path<String>) -> Response {
    match state.gateway.record(&id) {
        Some(tx) => axum::Json(gateway::view(&tx)).into_response(),
        None => (
            axum::http::StatusCode::NOT_FOUND,
            axum::Json(json!({"code": "NOT_FOUND"})),
        )
            .into_response(),
    }
}

async fn get_config(State(state): State<SharedHooks>) -> Response {
    axum::Json(state.gateway.config()).into_response()
}

async fn put_config(
    State(state): State<SharedHooks>,
    axum::Json(c): axum::Json<gateway::GatewayConfig>,
) -> Response {
    state.gateway.set_config(c);
    axum::Json(state.gateway.config()).into_response()
}

/// The hook, on `hook.vtex.com` ([`crate::platform::http`] routes that host to VTEX's side).
pub fn routes() -> Router<SharedHooks> {
    Router::new()
        .route("/notifyIfChangeStatus", post(receive))
        .route("/notifyIfChangeStatus/{id}", post(receive_for))
}

/// `GET /_sim/antifraud/hooks`, the gateway (`POST /_sim/antifraud/transactions`,
/// `GET /_sim/antifraud/transactions/{id}`) and its configuration (`GET|PUT /_sim/antifraud/config`).
pub fn sim_routes() -> Router<SharedHooks> {
    Router::new()
        .route("/_sim/antifraud/hooks", get(list))
        .route("/_sim/antifraud/transactions", post(send))
        .route("/_sim/antifraud/transactions/{id}", get(one))
        .route("/_sim/antifraud/config", get(get_config).put(put_config))
}
