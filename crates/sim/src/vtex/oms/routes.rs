//! HTTP handlers of the OMS API and of the `/_sim/oms/*` and `/_sim/clock/advance` endpoints
//! (see [`crate::vtex::oms`] for the contract).

use super::Oms;
use super::actions::{self, Body, InvoiceInput};
use super::changes_v2;
use super::engine::{ActCtx, NewItem, NewOrder};
use super::error::OmsError;
use super::model::SimOrder;
use super::shoppers::{RunRecord, ShopperParams};
use crate::platform::http::Scoped;
use crate::platform::http::{Tenant, has_credentials, query_value, valid_account};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, patch, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

type Shared = Arc<Oms>;

const GET_ORDER: &str = "GET /api/oms/pvt/orders/{orderId}";
const START_HANDLING: &str = "POST /api/oms/pvt/orders/{orderId}/start-handling";
const CANCEL: &str = "POST /api/oms/pvt/orders/{orderId}/cancel";
const INVOICE: &str = "POST /api/oms/pvt/orders/{orderId}/invoice";
const TRACKING: &str = "PATCH /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}";
const TRACKING_EVENTS: &str = "PUT /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}/tracking";
const CHANGES: &str = "POST /api/oms/pvt/orders/{orderId}/changes";
const DENY: &str = "POST /api/orders/pvt/document/{orderId}/deny-cancellation-request";
const V2_CREATE: &str = "PATCH /api/order-system/orders/{changeOrderId}/changes";
const V2_HISTORY: &str = "GET /api/order-system/orders/{changeOrderId}/changes";
const V2_PREVIEW: &str = "POST /api/order-system/orders/{changeOrderId}/changes/preview";
const V2_DETAILS: &str = "GET /api/order-system/orders/{changeOrderId}/changes/{changeRequestId}";
const V2_RETRY: &str =
    "POST /api/order-system/orders/{changeOrderId}/changes/{changeRequestId}/retry";
const V2_CANCEL: &str =
    "POST /api/order-system/orders/{changeOrderId}/changes/{changeRequestId}/cancel";
const V2_SETTINGS_GET: &str = "GET /api/order-system/orders/changes/settings";
const V2_SETTINGS_PUT: &str = "PUT /api/order-system/orders/changes/settings";

/// The OMS API (for the VTEX hosts and the simulator's own), faultable with `oms: true`.
pub fn api(oms: Shared) -> Router {
    Router::new()
        .route("/api/oms/pvt/orders", get(super::list::list))
        .route("/api/oms/pvt/orders/{order_id}", get(get_order))
        .route(
            "/api/oms/pvt/orders/{order_id}/start-handling",
            post(start_handling),
        )
        .route("/api/oms/pvt/orders/{order_id}/cancel", post(cancel))
        .route("/api/oms/pvt/orders/{order_id}/invoice", post(invoice))
        .route(
            "/api/oms/pvt/orders/{order_id}/invoice/{invoice_number}",
            on_invoice(MethodFilter::PATCH, TRACKING, actions::update_tracking),
        )
        .route(
            "/api/oms/pvt/orders/{order_id}/invoice/{invoice_number}/tracking",
            on_invoice(MethodFilter::PUT, TRACKING_EVENTS, actions::tracking_events),
        )
        .route("/api/oms/pvt/orders/{order_id}/changes", post(changes))
        .route(
            "/api/orders/pvt/document/{order_id}/deny-cancellation-request",
            post(deny),
        )
        .route(
            "/api/order-system/orders/{order_id}/changes",
            patch(v2_create).get(v2_history),
        )
        .route(
            "/api/order-system/orders/{order_id}/changes/preview",
            post(v2_preview),
        )
        .route(
            "/api/order-system/orders/{order_id}/changes/{request_id}",
            get(v2_details),
        )
        .route(
            "/api/order-system/orders/{order_id}/changes/{request_id}/retry",
            post(v2_retry),
        )
        .route(
            "/api/order-system/orders/{order_id}/changes/{request_id}/cancel",
            post(v2_cancel),
        )
        .route(
            "/api/order-system/orders/changes/settings",
            get(v2_get_settings).put(v2_put_settings),
        )
        .route_layer(middleware::from_fn_with_state(oms.clone(), faults))
        .with_state(oms)
}

/// The simulator's endpoints.
pub fn sim(oms: Shared) -> Router {
    Router::new()
        .route("/_sim/clock/advance", post(advance_clock))
        .route("/_sim/oms/config", get(get_config).put(put_config))
        .route("/_sim/oms/stats", get(stats).delete(reset_stats))
        .route("/_sim/oms/orders", get(list_orders).post(create_order))
        .route("/_sim/oms/transitions", get(transitions))
        .route("/_sim/oms/shoppers", post(start_shoppers))
        .route("/_sim/oms/shoppers/{run_id}", get(shopper_run))
        .with_state(oms)
}

/// Injected faults, decided before the handler (so a faulted call changes nothing).
async fn faults(State(oms): State<Shared>, req: Request, next: Next) -> Response {
    if oms.faults.oms() {
        let decision = oms.faults.decide("oms");
        if let Some(latency) = decision.latency {
            tokio::time::sleep(latency).await;
        }
        if let Some(fault) = decision.fault {
            return fault;
        }
    }
    next.run(req).await
}

fn origin_key(headers: &HeaderMap, account: &str) -> String {
    headers
        .get("x-vtex-api-appkey")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map_or_else(|| format!("vtexappkey-{account}-PONTE"), str::to_owned)
}

/// What every OMS and change v2 handler takes: the caller's app key is in the headers, the
/// `accountName`/`an` of change v2 in the URI.
type Call = Scoped<Shared>;

impl Call {
    /// Runs one action off the async threads, counting a body that fails to parse as refused.
    async fn run<T: Send + 'static>(
        self,
        order_id: String,
        endpoint: &'static str,
        op: impl FnOnce(&mut SimOrder, &mut ActCtx) -> Result<T, OmsError> + Send + 'static,
    ) -> Result<T, OmsError> {
        self.run_as(order_id, endpoint, OmsError::not_found, op)
            .await
    }

    /// [`Call::run`] of an action on the request's JSON body (`allow_empty`: an empty body is
    /// `{}`), answering the action's JSON. The body is checked after the order is found (an
    /// unknown order answers 404 first).
    async fn with_body(
        self,
        order_id: String,
        endpoint: &'static str,
        body: &Bytes,
        allow_empty: bool,
        op: impl FnOnce(&mut SimOrder, &mut ActCtx, &Body) -> Result<Value, OmsError> + Send + 'static,
    ) -> Result<Response, OmsError> {
        let body = Body::parse(body, allow_empty);
        let out = self
            .run(order_id, endpoint, move |o, c| op(o, c, &body?))
            .await?;
        Ok(Json(out).into_response())
    }

    /// [`Call::run`] with the refusal an unknown order gets.
    async fn run_as<T: Send + 'static>(
        self,
        order_id: String,
        endpoint: &'static str,
        not_found: fn(&str) -> OmsError,
        op: impl FnOnce(&mut SimOrder, &mut ActCtx) -> Result<T, OmsError> + Send + 'static,
    ) -> Result<T, OmsError> {
        let key = origin_key(&self.headers, &self.account);
        let engine = self.state.engine.clone();
        let account = self.account;
        tokio::task::spawn_blocking(move || {
            engine.act_as(&account, &order_id, endpoint, &key, not_found, op)
        })
        .await
        .map_err(|e| {
            OmsError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SIM_INTERNAL_ERROR",
                format!("action task failed: {e}"),
            )
        })?
    }

    /// [`Call::run_as`] for a change v2 action, after [`v2_guard`].
    async fn run_v2<T: Send + 'static>(
        self,
        order_id: String,
        endpoint: &'static str,
        op: impl FnOnce(&mut SimOrder, &mut ActCtx) -> Result<T, OmsError> + Send + 'static,
    ) -> Result<T, V2Fail> {
        v2_guard(&self, endpoint)?;
        Ok(self
            .run_as(order_id, endpoint, changes_v2::order_not_found, op)
            .await?)
    }
}

async fn get_order(
    State(oms): State<Shared>,
    tenant: Tenant,
    Path(order_id): Path<String>,
) -> Response {
    let found = oms.engine.get(&tenant.account, &order_id);
    let outcome = match &found {
        Some(_) => Ok(()),
        None => Err((404u16, super::error::codes::ORDER_NOT_FOUND)),
    };
    oms.engine
        .with(|i| i.stats.call(&tenant.account, GET_ORDER, outcome));
    match found {
        Some(order) => Json(order).into_response(),
        None => OmsError::not_found(&order_id).into_response(),
    }
}

async fn start_handling(call: Call, Path(order_id): Path<String>) -> Result<Response, OmsError> {
    call.run(order_id, START_HANDLING, actions::start_handling)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn cancel(
    call: Call,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Result<Response, OmsError> {
    call.with_body(order_id, CANCEL, &body, true, actions::cancel)
        .await
}

async fn invoice(
    call: Call,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Result<Response, OmsError> {
    let input = Body::parse(&body, false).and_then(|b| InvoiceInput::parse(&b));
    let out = call
        .run(order_id, INVOICE, move |o, c| {
            actions::invoice(o, c, input?)
        })
        .await?;
    Ok(Json(out).into_response())
}

/// An action on one invoice of an order (`.../invoice/{invoiceNumber}...`).
type InvoiceAction = fn(&mut SimOrder, &mut ActCtx, &str, &Body) -> Result<Value, OmsError>;

/// An invoice's route for `method`: `action` on the invoice the path names, counted under
/// `endpoint`, through [`Call::with_body`].
fn on_invoice(
    method: MethodFilter,
    endpoint: &'static str,
    action: InvoiceAction,
) -> MethodRouter<Shared> {
    let handler = move |call: Call,
                        Path((order_id, number)): Path<(String, String)>,
                        body: Bytes| async move {
        call.with_body(order_id, endpoint, &body, false, move |o, c, b| {
            action(o, c, &number, b)
        })
        .await
    };
    axum::routing::on(method, handler)
}

async fn changes(
    call: Call,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Result<Response, OmsError> {
    call.with_body(order_id, CHANGES, &body, false, actions::change)
        .await
}

async fn deny(call: Call, Path(order_id): Path<String>, body: Bytes) -> Result<Response, OmsError> {
    let body = Body::parse(&body, false);
    call.run(order_id, DENY, move |o, c| {
        actions::deny_cancellation(o, c, &body?)
    })
    .await?;
    Ok(StatusCode::OK.into_response())
}

// ----- order modifications (change v2, [`super::changes_v2`]) -----

/// A refused change v2 call: no credentials (`401`, as on `/pvt/` paths) or an OMS refusal.
#[derive(Debug)]
enum V2Fail {
    Unauthorized,
    Oms(OmsError),
}

impl From<OmsError> for V2Fail {
    fn from(e: OmsError) -> Self {
        V2Fail::Oms(e)
    }
}

impl IntoResponse for V2Fail {
    fn into_response(self) -> Response {
        match self {
            V2Fail::Unauthorized => crate::platform::error::ApiError::Unauthorized.into_response(),
            V2Fail::Oms(e) => e.into_response(),
        }
    }
}

/// Credentials (else `401`), and `accountName`/`an`, when sent, naming the request's account
/// (else `400 OMS002`, counted under `endpoint`).
fn v2_guard(call: &Call, endpoint: &str) -> Result<(), V2Fail> {
    let Call {
        state: oms,
        account,
        headers,
        uri,
    } = call;
    if !has_credentials(headers) {
        return Err(V2Fail::Unauthorized);
    }
    for name in ["accountName", "an"] {
        if let Some(named) = query_value(uri, name)
            && !named.eq_ignore_ascii_case(account)
        {
            let e = OmsError::bad(format!(
                "{name}={named} does not name this request's account {account}"
            ));
            oms.engine.count(account, endpoint, &e);
            return Err(e.into());
        }
    }
    Ok(())
}

/// Counts a refused PATCH in the change v2 stats.
fn count_v2_refusal(oms: &Shared, account: &str, e: &OmsError) {
    if e.is_refusal() {
        oms.engine
            .with(|i| i.stats.account(account).changes_v2.refused += 1);
    }
}

async fn v2_create(
    call: Call,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Result<Response, V2Fail> {
    let oms = call.state.clone();
    let account = call.account.clone();
    if let Err(fail) = v2_guard(&call, V2_CREATE) {
        if let V2Fail::Oms(e) = &fail {
            count_v2_refusal(&oms, &account, e);
        }
        return Err(fail);
    }
    let settings = oms.engine.change_settings(&account);
    if !settings.rollout_configuration.enable_api {
        let e = OmsError::new(
            StatusCode::FORBIDDEN,
            super::error::codes::V2_API_DISABLED,
            "Order modifications through the API are disabled in the account's settings (rolloutConfiguration.enableApi)",
        );
        oms.engine.count(&account, V2_CREATE, &e);
        count_v2_refusal(&oms, &account, &e);
        return Err(e.into());
    }
    let input = Body::parse(&body, false).and_then(|b| changes_v2::ChangeInput::parse(&b));
    let result = call
        .run_as(
            order_id,
            V2_CREATE,
            changes_v2::order_not_found,
            move |o, c| changes_v2::create(o, c, input?, &settings, false),
        )
        .await;
    match result {
        Ok(out) => Ok((StatusCode::ACCEPTED, Json(out)).into_response()),
        Err(e) => {
            count_v2_refusal(&oms, &account, &e);
            Err(e.into())
        }
    }
}

async fn v2_preview(
    call: Call,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Result<Response, V2Fail> {
    let settings = call.state.engine.change_settings(&call.account);
    let input = Body::parse(&body, false).and_then(|b| changes_v2::ChangeInput::parse(&b));
    let out = call
        .run_v2(order_id, V2_PREVIEW, move |o, c| {
            changes_v2::create(o, c, input?, &settings, true)
        })
        .await?;
    Ok(Json(out).into_response())
}

/// A read of one order's change requests, after [`v2_guard`], counted under `endpoint`.
fn v2_read(
    call: &Call,
    order_id: &str,
    endpoint: &str,
    f: impl FnOnce(&SimOrder) -> Result<Value, OmsError>,
) -> Result<Response, V2Fail> {
    v2_guard(call, endpoint)?;
    let (oms, account) = (&call.state, call.account.as_str());
    let result = match oms.engine.order(account, order_id) {
        Some(order) => f(&order),
        None => Err(changes_v2::order_not_found(order_id)),
    };
    let outcome = match &result {
        Ok(_) => Ok(()),
        Err(e) => Err((e.status.as_u16(), e.code)),
    };
    oms.engine
        .with(|i| i.stats.call(account, endpoint, outcome));
    result
        .map(|v| Json(v).into_response())
        .map_err(V2Fail::from)
}

async fn v2_history(call: Call, Path(order_id): Path<String>) -> Result<Response, V2Fail> {
    v2_read(&call, &order_id, V2_HISTORY, |o| {
        Ok(changes_v2::history_json(o))
    })
}

async fn v2_details(
    call: Call,
    Path((order_id, request_id)): Path<(String, String)>,
) -> Result<Response, V2Fail> {
    v2_read(&call, &order_id, V2_DETAILS, |o| {
        changes_v2::details_json(o, &request_id)
    })
}

async fn v2_retry(
    call: Call,
    Path((order_id, request_id)): Path<(String, String)>,
) -> Result<Response, V2Fail> {
    // The body (the spec gives the PATCH's) is not needed: the request is retried as recorded.
    call.run_v2(order_id, V2_RETRY, move |o, c| {
        changes_v2::retry(o, c, &request_id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn v2_cancel(
    call: Call,
    Path((order_id, request_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, V2Fail> {
    let body = Body::parse(&body, false);
    call.run_v2(order_id, V2_CANCEL, move |o, c| {
        changes_v2::cancel(o, c, &request_id, &body?)
    })
    .await?;
    Ok(StatusCode::OK.into_response())
}

async fn v2_get_settings(call: Call) -> Result<Response, V2Fail> {
    v2_guard(&call, V2_SETTINGS_GET)?;
    let Call {
        state: oms,
        account,
        ..
    } = call;
    let settings = oms.engine.change_settings(&account);
    oms.engine
        .with(|i| i.stats.call(&account, V2_SETTINGS_GET, Ok(())));
    Ok(Json(settings).into_response())
}

async fn v2_put_settings(call: Call, body: Bytes) -> Result<Response, V2Fail> {
    v2_guard(&call, V2_SETTINGS_PUT)?;
    let Call {
        state: oms,
        account,
        ..
    } = call;
    let engine = oms.engine.clone();
    let task_account = account.clone();
    let result = tokio::task::spawn_blocking(move || {
        let patch: Value = if body.iter().all(u8::is_ascii_whitespace) {
            return Err(OmsError::bad(
                "The request body is empty; expected a JSON object",
            ));
        } else {
            serde_json::from_slice(&body)
                .map_err(|e| OmsError::bad(format!("Malformed JSON in the request body: {e}")))?
        };
        engine.put_change_settings(&task_account, &patch)
    })
    .await
    .unwrap_or_else(|e| {
        Err(OmsError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SIM_INTERNAL_ERROR",
            format!("settings task failed: {e}"),
        ))
    });
    let outcome = match &result {
        Ok(_) => Ok(()),
        Err(e) => Err((e.status.as_u16(), e.code)),
    };
    oms.engine
        .with(|i| i.stats.call(&account, V2_SETTINGS_PUT, outcome));
    result
        .map(|s| Json(s).into_response())
        .map_err(V2Fail::from)
}

// ----- simulator endpoints -----

/// A `/_sim` error: `{"error": {"code", "message"}}` like the simulator's other errors.
#[derive(Debug)]
struct SimFail {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IntoResponse for SimFail {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

type SimResult = Result<Response, SimFail>;

fn invalid(message: impl Into<String>) -> SimFail {
    SimFail {
        status: StatusCode::BAD_REQUEST,
        code: "REQUEST_BODY_INVALID",
        message: message.into(),
    }
}

fn store_failed(e: impl std::fmt::Display) -> SimFail {
    SimFail {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "SIM_STORE_ERROR",
        message: e.to_string(),
    }
}

fn checked_account(a: &str) -> Result<String, SimFail> {
    let a = a.to_ascii_lowercase();
    if valid_account(&a) {
        Ok(a)
    } else {
        Err(SimFail {
            status: StatusCode::BAD_REQUEST,
            code: "SIM_ACCOUNT_INVALID",
            message: format!("invalid account name {a:?}"),
        })
    }
}

/// `?account=`, else the request's account.
fn account_of(uri: &Uri, tenant: &Tenant) -> Result<String, SimFail> {
    match query_value(uri, "account") {
        Some(a) => checked_account(&a),
        None => Ok(tenant.account.clone()),
    }
}

/// A JSON body (empty is `{}`) decoded into `T`.
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, SimFail> {
    let value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| invalid(format!("malformed JSON: {e}")))?
    };
    serde_json::from_value(value).map_err(|e| invalid(format!("invalid {what}: {e}")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    ms: i64,
}

async fn advance_clock(State(oms): State<Shared>, body: Bytes) -> SimResult {
    let advance: Advance = json_body(&body, "clock advance (expected {\"ms\": N})")?;
    if advance.ms < 0 {
        return Err(invalid(
            "ms must not be negative: the simulated clock only moves forward",
        ));
    }
    let engine = oms.engine.clone();
    let (offset, now) = tokio::task::spawn_blocking(move || {
        let offset = engine.advance_clock(advance.ms)?;
        engine.run_due()?;
        Ok::<_, crate::platform::error::StoreError>((offset, engine.clock.now_ms()))
    })
    .await
    .map_err(store_failed)?
    .map_err(store_failed)?;
    Ok(Json(json!({ "offsetMs": offset, "nowMs": now })).into_response())
}

async fn get_config(State(oms): State<Shared>) -> Response {
    Json(oms.engine.config()).into_response()
}

async fn put_config(State(oms): State<Shared>, body: Bytes) -> SimResult {
    let patch: serde_json::Map<String, Value> = json_body(&body, "OMS configuration")?;
    let Ok(Value::Object(mut current)) = serde_json::to_value(oms.engine.config()) else {
        return Err(store_failed("cannot encode the configuration"));
    };
    for (k, v) in patch {
        if !current.contains_key(&k) {
            return Err(invalid(format!("unknown OMS configuration property {k:?}")));
        }
        current.insert(k, v);
    }
    let config: super::OmsConfig = serde_json::from_value(Value::Object(current))
        .map_err(|e| invalid(format!("invalid OMS configuration: {e}")))?;
    config.check().map_err(invalid)?;
    oms.engine.set_config(config.clone());
    Ok(Json(config).into_response())
}

async fn stats(State(oms): State<Shared>, tenant: Tenant, uri: Uri) -> SimResult {
    let account = account_of(&uri, &tenant)?;
    let body = oms.engine.with(|i| {
        let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
        let mut orders = 0u64;
        for ((a, _), o) in &i.orders {
            if *a == account {
                orders += 1;
                let s = o.status.map_or("null", |s| s.as_str());
                *by_status.entry(s.to_owned()).or_insert(0) += 1;
            }
        }
        let s = i.stats.accounts.get(&account).cloned().unwrap_or_default();
        let (accepted, refused) = s.totals();
        json!({
            "account": account,
            "orders": orders,
            "byStatus": by_status,
            "calls": s.calls,
            "accepted": accepted,
            "refused": refused,
            "invoices": s.invoices,
            "statusChanges": s.status_changes,
            "customerCancellations": s.customer_cancellations,
            "ordersCreated": s.orders_created,
            "changesV2": s.changes_v2,
        })
    });
    Ok(Json(body).into_response())
}

async fn reset_stats(State(oms): State<Shared>) -> Response {
    oms.engine.with(|i| i.stats = Default::default());
    StatusCode::NO_CONTENT.into_response()
}

async fn list_orders(State(oms): State<Shared>, tenant: Tenant, uri: Uri) -> SimResult {
    let account = account_of(&uri, &tenant)?;
    let status = query_value(&uri, "status");
    let ids: Vec<String> = oms.engine.with(|i| {
        let mut list: Vec<(u64, String)> = i
            .orders
            .iter()
            .filter(|((a, _), _)| *a == account)
            .filter(|(_, o)| match &status {
                None => true,
                Some(s) => o.status.map_or("null", |x| x.as_str()) == s,
            })
            .map(|(_, o)| (o.sequence, o.order_id.clone()))
            .collect();
        list.sort();
        list.into_iter().map(|(_, id)| id).collect()
    });
    Ok(Json(json!({ "account": account, "orderIds": ids })).into_response())
}

/// `GET /_sim/oms/transitions?an={account}`: every order's status changes, oldest first, each
/// with the `currentChange` its status event carried (`{"account","orders":{orderId:[{status,
/// at}]}}`). The simulator's own log, for tests that count what reached the ERP against what
/// the OMS did; VTEX has no such endpoint.
async fn transitions(State(oms): State<Shared>, tenant: Tenant, uri: Uri) -> SimResult {
    let account = account_of(&uri, &tenant)?;
    let orders: serde_json::Map<String, Value> = oms.engine.with(|i| {
        i.orders
            .iter()
            .filter(|((a, _), _)| *a == account)
            .map(|(_, o)| (o.order_id.clone(), json!(o.transitions)))
            .collect()
    });
    Ok(Json(json!({ "account": account, "orders": orders })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateItem {
    id: String,
    quantity: u32,
    price: i64,
    #[serde(default)]
    list_price: Option<i64>,
    #[serde(default)]
    name: Option<String>,
    /// The SKU's `refId` as the catalog has it (default `SKU-{id}`).
    #[serde(default)]
    ref_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateOrder {
    #[serde(default)]
    account: Option<String>,
    items: Vec<CreateItem>,
    #[serde(default)]
    shipping_value: i64,
    #[serde(default)]
    incomplete: bool,
    #[serde(default)]
    customer_cancel_after_permille: Option<u32>,
    #[serde(default)]
    shopper: Option<u64>,
    /// Paid through the simulated Payment Gateway: the order waits in `payment-pending` for
    /// the transaction's result (`crate::vtex::gateway`).
    #[serde(default)]
    gateway_payment: bool,
}

async fn create_order(State(oms): State<Shared>, tenant: Tenant, body: Bytes) -> SimResult {
    let input: CreateOrder = json_body(&body, "order")?;
    let account = match &input.account {
        Some(a) => checked_account(a)?,
        None => tenant.account.clone(),
    };
    if input
        .customer_cancel_after_permille
        .is_some_and(|p| p >= 1000)
    {
        return Err(invalid("customerCancelAfterPermille must be 0 to 999"));
    }
    let new = NewOrder {
        items: input
            .items
            .into_iter()
            .map(|i| NewItem {
                id: i.id,
                quantity: i.quantity,
                price: i.price,
                list_price: i.list_price,
                name: i.name,
                ref_id: i.ref_id,
            })
            .collect(),
        shipping: input.shipping_value,
        shopper: input.shopper.unwrap_or(1),
        incomplete: input.incomplete,
        customer_cancel_permille: input.customer_cancel_after_permille,
        run_id: None,
        gateway_payment: input.gateway_payment,
    };
    new.check().map_err(invalid)?;
    let engine = oms.engine.clone();
    let orders = tokio::task::spawn_blocking(move || engine.create(&account, vec![new], None))
        .await
        .map_err(store_failed)?
        .map_err(store_failed)?;
    let order = orders
        .first()
        .ok_or_else(|| store_failed("no order created"))?;
    Ok((StatusCode::CREATED, Json(order.to_json())).into_response())
}

async fn start_shoppers(State(oms): State<Shared>, tenant: Tenant, body: Bytes) -> SimResult {
    let params: ShopperParams = json_body(&body, "shopper load")?;
    params.check().map_err(invalid)?;
    let account = match &params.account {
        Some(a) => checked_account(a)?,
        None => tenant.account.clone(),
    };
    let run = oms.engine.with(|i| {
        i.run_counter += 1;
        RunRecord {
            run_id: format!("run-{}", i.run_counter),
            number: i.run_counter,
            account,
            orders: params.orders,
            per_second: params.per_second,
            seed: params.seed,
            customer_cancel_rate: params.customer_cancel_rate,
            items_max: params.items_max,
            created: 0,
            customer_cancels_planned: 0,
            finished: false,
        }
    });
    let run_id = run.run_id.clone();
    let engine = oms.engine.clone();
    tokio::task::spawn_blocking(move || engine.save_run(run))
        .await
        .map_err(store_failed)?
        .map_err(store_failed)?;
    oms.spawn_run(run_id.clone());
    Ok((StatusCode::ACCEPTED, Json(json!({ "runId": run_id }))).into_response())
}

async fn shopper_run(State(oms): State<Shared>, Path(run_id): Path<String>) -> SimResult {
    let body = oms.engine.with(|i| {
        let run = i.runs.get(&run_id)?.clone();
        let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
        for o in i.orders.values() {
            if o.run_id.as_deref() == Some(run_id.as_str()) {
                let s = o.status.map_or("null", |s| s.as_str());
                *by_status.entry(s.to_owned()).or_insert(0) += 1;
            }
        }
        Some(json!({
            "runId": run.run_id,
            "account": run.account,
            "orders": run.orders,
            "created": run.created,
            "finished": run.finished,
            "perSecond": run.per_second,
            "seed": run.seed,
            "customerCancelRate": run.customer_cancel_rate,
            "itemsMax": run.items_max,
            "customerCancelsPlanned": run.customer_cancels_planned,
            "byStatus": by_status,
        }))
    });
    body.map(|b| Json(b).into_response())
        .ok_or_else(|| SimFail {
            status: StatusCode::NOT_FOUND,
            code: "SIM_NOT_FOUND",
            message: format!("no shopper run {run_id}"),
        })
}
