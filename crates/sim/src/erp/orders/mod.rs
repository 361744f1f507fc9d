//! The ERP side of orders: the system Ponte hands orders to, and that then acts on them
//! through Ponte's GraphQL, as a back-office ERP would.
//!
//! # Receiver
//!
//! `POST http://erp.ponte-sim.test/erp/orders` with `X-Vtex-Use-Https: true` (the host reached
//! through the proxy, HTTPS only, see [`https_only`] and [`crate::platform::http`]; `/orders` on
//! that host and `/erp/orders` on the simulator's own host are the same endpoint), the
//! service's hand-off of the integration contract:
//!
//! - headers `content-type: application/json`, `x-ponte-delivery-id: <id>`, and
//!   `authorization: Bearer <token>` when the ERP is configured with a `token` (else `401`
//!   `{"code":"ERP_UNAUTHORIZED"}`);
//! - body `{"deliveryId", "kind": "order"|"status", "orderId", "status", "previousStatus",
//!   "changedAt", "order"}` (`order`, the Get order JSON, is required for `kind:"order"`); a
//!   body that is not that answers `400` `{"code":"ERP_BODY_INVALID","message"}`;
//! - every accepted POST is recorded in redb before the `200`
//!   `{"received":true,"deliveryId","duplicate"}`: per delivery id the times received; per
//!   order the hand-offs (a second `kind:"order"` for an order, with the same or another
//!   delivery id, is a **duplicate hand-off**) and the status notifications (a duplicate is
//!   the same delivery id or the same `(status, changedAt)` again). A header id that differs
//!   from the body's, or an id not of the contract's form (`{orderId}:order`,
//!   `{orderId}:status:{status}:…`), is accepted and counted (`deliveryIdMismatches`);
//! - **fencing** (`x-ponte-fence: <n>`, the claim's fence, orders/deliver.ts): the ERP keeps
//!   the highest fence it has seen per delivery id, from lookups and POSTs, and answers a POST
//!   with a lower one `409 {"code":"ERP_DELIVERY_FENCED"}` recording nothing (counted
//!   `fenced`): the sender lost its claim to a replica that has already looked the delivery up.
//!   Kept in memory **[sim's choice]**: a simulator restart forgets it. No header, no check;
//! - injectable: `failRate` answers `503` `{"code":"ERP_UNAVAILABLE"}` recording nothing (so
//!   the service must retry), decided by a seeded sequence; `latencyMs` delays every answer
//!   (a slow ERP, e.g. 8000 to prove the hook still answers within 5 s); `slowRate` answers a
//!   POST only `slowMs` after recording it (past the sender's timeout: stored, unacknowledged;
//!   counted `slowAnswers`).
//!
//! # Records (simulator host)
//!
//! - `GET /_sim/erp/orders/stats[?orders=true]`: `{"posts","deliveries","injectedFailures","slowAnswers",
//!   "unauthorized","invalid","lookups","fenced","deliveryIdMismatches","handoffs":{"received","orders",
//!   "duplicates"},"statusNotifications":{"received","distinct","duplicates","withoutHandoff",
//!   "byStatus"},"actions":{"attempted","succeeded","refusedByPonte":{code:n},"omsRefused",
//!   "errors","calls","retries","byAction"},"actor":{"planned","finished","running",
//!   "byOutcome"},"byOrder"}` (`byOrder` only with `?orders=true`: per order its first
//!   hand-off's `{status, changedAt}`, each status notice's `{status, changedAt, count}`, ...);
//! - `GET /_sim/erp/orders/{orderId}`: the order's [`records::OrderRecord`] (404
//!   `ERP_ORDER_UNKNOWN`);
//! - `DELETE /_sim/erp/orders` (or `/_sim/erp/orders/stats`): forgets every record and stops
//!   the actor's work in flight; the configuration stays;
//! - `GET|PUT /_sim/erp/orders/config`: [`ErpOrdersConfig`]; a `PUT` may carry only some
//!   properties. Invalid → `400` `ERP_CONFIG_INVALID`.
//!
//! # The acting ERP
//!
//! See [`actor`]: after a hand-off it cancels the order (a `cancelRate` fraction, two cancels
//! when the first answers `expectedStatus: cancellation-requested`) or starts handling, waits
//! for `handling`, invoices (a `partialInvoiceRate` fraction in two parts adding up to the
//! order value), and sends tracking (a `trackingRate` fraction). Choices come from `seed` and
//! the order id ([`plan`]).
//!
//! **Restarts**: the actor's progress is in redb (plan, completed steps, actions). When the
//! simulator starts, and whenever the configuration is `PUT`, orders handed off whose actor
//! has not finished are resumed: completed steps are skipped, the step in flight is sent again
//! (an invoice repeat is idempotent in Ponte; a repeated `startHandling` after an unclear
//! answer that Ponte refuses as `ORDER_HANDLING_ALREADY_STARTED` counts as done; a cancel resumed
//! after its first call reads Ponte's `order(id)` to know whether to confirm). Waits restart
//! from zero.
//!
//! **[emulator default]** choices, all configurable: the retryable error codes
//! (`retryableCodes`), the wait for `handling` (`handlingWaitMs`; on timeout the ERP invoices
//! anyway and records it), and that an order handed off in `cancellation-requested`,
//! `invoiced`, `canceled` or the like gets no action.

pub mod actor;
pub mod config;
pub mod plan;
pub mod records;

pub use config::ErpOrdersConfig;

use crate::platform::error::coded;
use crate::platform::error::{SimError, StoreError};
use crate::platform::lock;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use records::{ActionOutcome, ErpStore, Kind, OrderRecord, Post};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashSet};
use std::path::Path as FsPath;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The ERP: its store, configuration and the actor's tasks.
#[derive(Debug)]
pub struct ErpOrders {
    store: ErpStore,
    config: RwLock<ErpOrdersConfig>,
    fail_draws: AtomicU64,
    injected_failures: AtomicU64,
    slow_draws: AtomicU64,
    slow_answers: AtomicU64,
    unauthorized: AtomicU64,
    lookups: AtomicU64,
    invalid: AtomicU64,
    /// The highest `x-ponte-fence` seen per delivery id (lookups and POSTs).
    fences: Mutex<BTreeMap<String, u64>>,
    fenced: AtomicU64,
    actors: Mutex<Actors>,
    http: reqwest::Client,
    next_url: AtomicUsize,
}

#[derive(Debug)]
struct Actors {
    set: JoinSet<()>,
    running: HashSet<String>,
    semaphore: Arc<Semaphore>,
    concurrency: usize,
    closed: bool,
}

/// Keeps the highest fence seen for a delivery; false when `fence` is below it (no fence: true).
fn see(fences: &mut BTreeMap<String, u64>, delivery_id: &str, fence: Option<u64>) -> bool {
    let Some(fence) = fence else {
        return true;
    };
    let high = fences.entry(delivery_id.to_owned()).or_insert(0);
    if fence < *high {
        return false;
    }
    *high = fence;
    true
}

impl ErpOrders {
    /// Opens `dir/erp-orders.redb` (blocking). `initial`, when given (CLI flags, tests), is the
    /// configuration and is stored; otherwise the stored one, else the defaults.
    pub fn open(dir: &FsPath, initial: Option<ErpOrdersConfig>) -> Result<Arc<Self>, SimError> {
        let store = ErpStore::open(dir)?;
        let config = match initial {
            Some(c) => {
                c.check()
                    .map_err(|e| SimError::Config(format!("ERP: {e}")))?;
                store.put_config(&c)?;
                c
            }
            None => store.config()?.unwrap_or_default(),
        };
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| SimError::Config(format!("ERP HTTP client: {e}")))?;
        let concurrency = config.actor_concurrency;
        Ok(Arc::new(ErpOrders {
            store,
            config: RwLock::new(config),
            fail_draws: AtomicU64::new(0),
            injected_failures: AtomicU64::new(0),
            slow_draws: AtomicU64::new(0),
            slow_answers: AtomicU64::new(0),
            unauthorized: AtomicU64::new(0),
            lookups: AtomicU64::new(0),
            invalid: AtomicU64::new(0),
            fences: Mutex::new(BTreeMap::new()),
            fenced: AtomicU64::new(0),
            actors: Mutex::new(Actors {
                set: JoinSet::new(),
                running: HashSet::new(),
                semaphore: Arc::new(Semaphore::new(concurrency)),
                concurrency,
                closed: false,
            }),
            http,
            next_url: AtomicUsize::new(0),
        }))
    }

    /// The current configuration.
    pub fn config(&self) -> ErpOrdersConfig {
        self.config
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Runs a store operation off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&ErpStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(r) => r,
            Err(e) => Err(StoreError::Redb(redb::Error::Io(std::io::Error::other(
                format!("ERP store task failed: {e}"),
            )))),
        }
    }

    /// Starts the actor on every handed-off order it has not finished (after a restart, or
    /// once the actor is configured). Needs a Tokio runtime.
    pub fn resume(self: &Arc<Self>) {
        let this = self.clone();
        tokio::spawn(async move {
            if let Ok(ids) = this.blocking(|s| s.unfinished()).await {
                for id in ids {
                    this.spawn_actor(id);
                }
            }
        });
    }

    fn spawn_actor(self: &Arc<Self>, order_id: String) {
        let config = self.config();
        if !config.enabled || config.graphql_urls.is_empty() {
            return;
        }
        let mut actors = lock(&self.actors);
        if actors.closed || actors.running.contains(&order_id) {
            return;
        }
        while actors.set.try_join_next().is_some() {}
        actors.running.insert(order_id.clone());
        let semaphore = actors.semaphore.clone();
        let this = self.clone();
        actors.set.spawn(async move {
            if let Ok(_permit) = semaphore.acquire_owned().await {
                actor::run(&this, &order_id).await;
            }
            lock(&this.actors).running.remove(&order_id);
        });
    }

    /// Stops the actor's tasks in flight (they are resumed from redb on the next start).
    async fn stop_actors(&self) {
        let mut set = {
            let mut actors = lock(&self.actors);
            actors.running.clear();
            std::mem::take(&mut actors.set)
        };
        set.abort_all();
        while set.join_next().await.is_some() {}
    }

    /// Stops the actor for good; call before dropping the last handle so the redb file is
    /// released (a restart on the same directory in the same process needs it).
    pub async fn close(&self) {
        lock(&self.actors).closed = true;
        self.stop_actors().await;
    }

    /// Records `fence` for the delivery; false when a higher one was seen already (the call is
    /// a claim holder's that lost its claim). No fence: nothing to check (an older sender).
    fn see_fence(&self, delivery_id: &str, fence: Option<u64>) -> bool {
        see(&mut lock(&self.fences), delivery_id, fence)
    }

    /// `f` on the store while the fence table is held, after [`see`]ing `fence` for
    /// `delivery_id`; `None` when a higher fence was seen. A POST's check and its write, and a
    /// lookup's fence and its read, are each one step: a lookup by the replica that took a
    /// delivery over never reads "not stored" while a lower-fenced POST of it (whose sender
    /// gave up waiting for the answer) is still being stored, which would store it twice
    /// (docs/erp-contract.yaml, `x-ponte-fence`).
    async fn fenced<T: Send + 'static>(
        self: &Arc<Self>,
        delivery_id: String,
        fence: Option<u64>,
        f: impl FnOnce(&ErpStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<Option<T>, StoreError> {
        let erp = self.clone();
        let task = tokio::task::spawn_blocking(move || {
            let mut fences = lock(&erp.fences);
            if !see(&mut fences, &delivery_id, fence) {
                return Ok(None);
            }
            f(&erp.store).map(Some)
        });
        match task.await {
            Ok(r) => r,
            Err(e) => Err(StoreError::Redb(redb::Error::Io(std::io::Error::other(
                format!("ERP store task failed: {e}"),
            )))),
        }
    }

    fn next_url(&self, urls: &[String]) -> Option<String> {
        if urls.is_empty() {
            return None;
        }
        let i = self.next_url.fetch_add(1, Ordering::Relaxed) % urls.len();
        urls.get(i).cloned()
    }
}

/// Routes on the ERP's host (`erp.ponte-sim.test`), HTTPS only ([`https_only`]).
pub fn receiver_routes() -> Router<Arc<ErpOrders>> {
    Router::new()
        .route("/erp/orders", post(receive))
        .route("/orders", post(receive))
        .route("/erp/orders/deliveries/{delivery_id}", get(lookup))
        .route("/orders/deliveries/{delivery_id}", get(lookup))
        .layer(axum::middleware::from_fn(https_only))
}

/// The ERP's host takes HTTPS only, as the ERP contract requires (`docs/erp-contract.yaml`:
/// the ERP receives its token and whole orders). On VTEX IO an app reaches an external host
/// through the outbound proxy with a plain-HTTP URL and `X-Vtex-Use-Https: true`, which makes
/// the proxy call the host over HTTPS (VTEX, "Accessing external resources within a VTEX IO
/// app"; `@vtex/api` clients do the same for VTEX hosts). The simulator, standing in for that
/// proxy and the ERP, refuses a call without the header: it would have gone out in clear text.
/// `403 {"code":"ERP_HTTPS_REQUIRED"}` **[sim's choice: status and code]**.
async fn https_only(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if super::upgraded(request.headers()) {
        next.run(request).await
    } else {
        coded(
            StatusCode::FORBIDDEN,
            "ERP_HTTPS_REQUIRED",
            "the ERP takes HTTPS only: call it with X-Vtex-Use-Https: true through the outbound proxy",
        )
    }
}

/// Routes on the simulator's own host: the receiver (origin-form) and the records.
pub fn routes() -> Router<Arc<ErpOrders>> {
    Router::new()
        .route("/erp/orders", post(receive))
        .route("/erp/orders/deliveries/{delivery_id}", get(lookup))
        .route("/_sim/erp/orders", delete(reset))
        .route("/_sim/erp/orders/stats", get(stats).delete(reset))
        .route("/_sim/erp/orders/config", get(get_config).put(put_config))
        .route("/_sim/erp/orders/{order_id}", get(one_order))
}

/// `500 ERP_STORE_FAILED`: the ERP's store failed.
fn store_failed(e: &impl std::fmt::Display) -> Response {
    coded(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ERP_STORE_FAILED",
        e.to_string(),
    )
}

/// The answer to a lookup in the ERP's store: `answer` of what was found, `404 code` with
/// `missing`, or `500 ERP_STORE_FAILED`.
fn found_or_404<T>(
    found: Result<Option<T>, StoreError>,
    code: &str,
    missing: String,
    answer: impl FnOnce(T) -> Response,
) -> Response {
    match found {
        Ok(Some(x)) => answer(x),
        Ok(None) => coded(StatusCode::NOT_FOUND, code, missing),
        Err(e) => store_failed(&e),
    }
}

/// Now, ISO 8601 UTC with milliseconds (`2026-01-31T18:25:43.123Z`).
pub fn now_iso() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(now.as_secs()).unwrap_or(0);
    match ponte_core::orders::Timestamp::from_unix_seconds(secs) {
        Some(t) => format!("{}.{:03}Z", &t.as_str()[..19], now.subsec_millis()),
        None => "1970-01-01T00:00:00.000Z".to_owned(),
    }
}

/// The token check of every ERP route: with a token configured, `authorization: Bearer <token>`
/// or `401 ERP_UNAUTHORIZED` (counted): the refusal to answer, if any.
fn refusal(erp: &ErpOrders, config: &ErpOrdersConfig, headers: &HeaderMap) -> Option<Response> {
    let token = config.token.as_ref()?;
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if sent == Some(token.as_str()) {
        return None;
    }
    erp.unauthorized.fetch_add(1, Ordering::Relaxed);
    let mut response = coded(
        StatusCode::UNAUTHORIZED,
        "ERP_UNAUTHORIZED",
        "send authorization: Bearer <the ERP token>",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    Some(response)
}

/// `GET /erp/orders/deliveries/{deliveryId}`: whether the ERP has stored that delivery
/// (`200 {deliveryId, kind, orderId, count, firstAt}`, else `404 ERP_DELIVERY_UNKNOWN`). Ponte
/// asks before sending again a delivery whose earlier attempt has no known outcome (a replica
/// died between its POST and recording it done), so a crash does not duplicate a delivery.
/// Same token check as the receiver; lookups are counted, never recorded as deliveries.
async fn lookup(
    State(erp): State<Arc<ErpOrders>>,
    headers: HeaderMap,
    Path(delivery_id): Path<String>,
) -> Response {
    let config = erp.config();
    if let Some(refused) = refusal(&erp, &config, &headers) {
        return refused;
    }
    erp.lookups.fetch_add(1, Ordering::Relaxed);
    let id = delivery_id.clone();
    let missing = format!("the ERP never stored delivery {delivery_id}");
    // A lookup's fence is never refused (it is at least what it saw); `see` only raises it.
    let found = erp
        .fenced(delivery_id.clone(), fence_of(&headers), move |s| {
            s.delivery(&id)
        })
        .await
        .map(|seen| seen.flatten());
    found_or_404(found, "ERP_DELIVERY_UNKNOWN", missing, |d| {
        Json(json!({
            "deliveryId": delivery_id, "kind": d.kind, "orderId": d.order_id,
            "count": d.count, "firstAt": d.first_at,
        }))
        .into_response()
    })
}

async fn receive(State(erp): State<Arc<ErpOrders>>, headers: HeaderMap, body: Bytes) -> Response {
    let config = erp.config();
    if config.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(config.latency_ms)).await;
    }
    if let Some(refused) = refusal(&erp, &config, &headers) {
        return refused;
    }
    if config.fail_rate > 0.0 {
        let n = erp.fail_draws.fetch_add(1, Ordering::Relaxed);
        if plan::unit(config.seed, &n.to_string(), "fail") < config.fail_rate {
            erp.injected_failures.fetch_add(1, Ordering::Relaxed);
            return coded(
                StatusCode::SERVICE_UNAVAILABLE,
                "ERP_UNAVAILABLE",
                "injected failure (failRate): nothing was recorded, send it again",
            );
        }
    }
    let post = match parse_post(&headers, &body) {
        Ok(p) => p,
        Err(message) => {
            erp.invalid.fetch_add(1, Ordering::Relaxed);
            return coded(StatusCode::BAD_REQUEST, "ERP_BODY_INVALID", message);
        }
    };
    let delivery_id = post.delivery_id.clone();
    let fence = fence_of(&headers);
    let fenced = |erp: &ErpOrders| {
        erp.fenced.fetch_add(1, Ordering::Relaxed);
        coded(
            StatusCode::CONFLICT,
            "ERP_DELIVERY_FENCED",
            "a higher x-ponte-fence was already seen for this delivery: another claim holds it; nothing was recorded",
        )
    };
    if !erp.see_fence(&delivery_id, fence) {
        return fenced(&erp);
    }
    let order_id = post.order_id.clone();
    let now = now_iso();
    // Recorded and acted on in a task of its own: the sender may hang up (a replica dying right
    // after its POST), which drops this handler, and a recorded hand-off must still start the
    // actor. The fence is checked again with the write (a lookup may have raised it meanwhile).
    let task = {
        let erp = erp.clone();
        tokio::spawn(async move {
            let recorded = erp
                .fenced(post.delivery_id.clone(), fence, move |s| {
                    s.record_post(&post, &now)
                })
                .await;
            if let Ok(Some(r)) = &recorded
                && r.first_handoff
            {
                erp.spawn_actor(order_id);
            }
            recorded
        })
    };
    let recorded = match task.await {
        Ok(Ok(Some(r))) => Ok(r),
        Ok(Ok(None)) => return fenced(&erp),
        Ok(Err(e)) => Err(e),
        Err(e) => {
            return store_failed(&e);
        }
    };
    if config.slow_rate > 0.0 && recorded.is_ok() {
        let n = erp.slow_draws.fetch_add(1, Ordering::Relaxed);
        if plan::unit(config.seed, &n.to_string(), "slow") < config.slow_rate {
            // Counted before the wait: the sender hanging up drops this handler.
            erp.slow_answers.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(std::time::Duration::from_millis(config.slow_ms)).await;
        }
    }
    match recorded {
        Ok(recorded) => Json(json!({
            "received": true,
            "deliveryId": delivery_id,
            "duplicate": recorded.duplicate,
        }))
        .into_response(),
        Err(e) => store_failed(&e),
    }
}

/// The `x-ponte-fence` header: a positive integer, else none.
fn fence_of(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("x-ponte-fence")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|f| *f > 0)
}

/// Checks a hand-off body (see the module docs).
fn parse_post(headers: &HeaderMap, body: &[u8]) -> Result<Post, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("the body must be a JSON object".into());
    };
    let text = |name: &str, required: bool| -> Result<Option<String>, String> {
        match obj.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                if s.len() > 1000 {
                    Err(format!("{name} is longer than 1000 characters"))
                } else {
                    Ok(Some(s.clone()))
                }
            }
            None | Some(Value::Null) if !required => Ok(None),
            Some(Value::String(_)) if !required => Ok(None),
            _ => Err(format!("{name} must be a non-empty string")),
        }
    };
    let delivery_id = text("deliveryId", true)?.unwrap_or_default();
    let order_id = text("orderId", true)?.unwrap_or_default();
    let status = text("status", true)?.unwrap_or_default();
    let previous_status = text("previousStatus", false)?;
    let changed_at = text("changedAt", false)?;
    let kind = match obj.get("kind").and_then(Value::as_str) {
        Some("order") => Kind::Order,
        Some("status") => Kind::Status,
        _ => return Err("kind must be \"order\" or \"status\"".into()),
    };
    let order = match obj.get("order") {
        Some(Value::Object(o)) => Some(Value::Object(o.clone())),
        None | Some(Value::Null) if kind == Kind::Status => None,
        _ => {
            return Err(match kind {
                Kind::Order => "order (the Get order JSON) must be an object".into(),
                Kind::Status => "order must be an object or null".into(),
            });
        }
    };
    if let Some(Value::Object(o)) = &order
        && let Some(id) = o.get("orderId").and_then(Value::as_str)
        && id != order_id
    {
        return Err(format!(
            "order.orderId {id:?} is not the orderId {order_id:?}"
        ));
    }
    let header_id = headers
        .get("x-ponte-delivery-id")
        .and_then(|v| v.to_str().ok());
    let form_ok = match kind {
        Kind::Order => delivery_id == format!("{order_id}:order"),
        Kind::Status => delivery_id.starts_with(&format!("{order_id}:status:{status}:")),
    };
    Ok(Post {
        id_ok: header_id == Some(delivery_id.as_str()) && form_ok,
        delivery_id,
        kind,
        order_id,
        status,
        previous_status,
        changed_at,
        order,
    })
}

async fn one_order(State(erp): State<Arc<ErpOrders>>, Path(order_id): Path<String>) -> Response {
    let id = order_id.clone();
    let missing = format!("the ERP never received order {order_id}");
    let found = erp.blocking(move |s| s.order(&id)).await;
    found_or_404(found, "ERP_ORDER_UNKNOWN", missing, |record| {
        Json(record).into_response()
    })
}

async fn reset(State(erp): State<Arc<ErpOrders>>) -> Response {
    erp.stop_actors().await;
    erp.injected_failures.store(0, Ordering::Relaxed);
    erp.slow_answers.store(0, Ordering::Relaxed);
    erp.unauthorized.store(0, Ordering::Relaxed);
    erp.lookups.store(0, Ordering::Relaxed);
    erp.invalid.store(0, Ordering::Relaxed);
    erp.fenced.store(0, Ordering::Relaxed);
    lock(&erp.fences).clear();
    match erp.blocking(|s| s.reset()).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => store_failed(&e),
    }
}

async fn get_config(State(erp): State<Arc<ErpOrders>>) -> Response {
    Json(erp.config()).into_response()
}

async fn put_config(State(erp): State<Arc<ErpOrders>>, body: Bytes) -> Response {
    let patch: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return coded(
                StatusCode::BAD_REQUEST,
                "ERP_CONFIG_INVALID",
                format!("the body is not JSON: {e}"),
            );
        }
    };
    let next = match erp.config().patched(patch) {
        Ok(c) => c,
        Err(message) => return coded(StatusCode::BAD_REQUEST, "ERP_CONFIG_INVALID", message),
    };
    let stored = next.clone();
    if let Err(e) = erp.blocking(move |s| s.put_config(&stored)).await {
        return store_failed(&e);
    }
    {
        let mut actors = lock(&erp.actors);
        if actors.concurrency != next.actor_concurrency {
            // Tasks already waiting keep the old semaphore; new ones use the new size.
            actors.semaphore = Arc::new(Semaphore::new(next.actor_concurrency));
            actors.concurrency = next.actor_concurrency;
        }
    }
    *erp.config
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = next.clone();
    erp.resume();
    Json(next).into_response()
}

#[derive(Debug, serde::Deserialize)]
struct StatsQuery {
    #[serde(default)]
    orders: bool,
}

async fn stats(State(erp): State<Arc<ErpOrders>>, Query(q): Query<StatsQuery>) -> Response {
    let (orders, deliveries) = match erp.blocking(|s| s.all()).await {
        Ok(all) => all,
        Err(e) => {
            return store_failed(&e);
        }
    };
    let running = lock(&erp.actors).running.len();
    let mut body = summarize(&orders, &deliveries, q.orders);
    if let Value::Object(map) = &mut body {
        for (name, count) in [
            ("injectedFailures", &erp.injected_failures),
            ("slowAnswers", &erp.slow_answers),
            ("unauthorized", &erp.unauthorized),
            ("invalid", &erp.invalid),
            ("lookups", &erp.lookups),
            ("fenced", &erp.fenced),
        ] {
            map.insert(name.into(), count.load(Ordering::Relaxed).into());
        }
        if let Some(Value::Object(actor)) = map.get_mut("actor") {
            actor.insert("running".into(), running.into());
        }
    }
    Json(body).into_response()
}

/// The statistics over every record (see the module docs for the shape).
pub fn summarize(
    orders: &[OrderRecord],
    deliveries: &BTreeMap<String, records::DeliveryRecord>,
    by_order: bool,
) -> Value {
    let posts: u64 = deliveries.values().map(|d| d.count).sum();
    let mut handoffs_received = 0u64;
    let mut handed_off = 0u64;
    let mut handoff_dups = 0u64;
    let mut notes_received = 0u64;
    let mut notes_distinct = 0u64;
    let mut notes_without_handoff = 0u64;
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    let mut mismatches = 0u64;
    let (mut attempted, mut succeeded, mut oms_refused, mut errors, mut calls) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut refused: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_action: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let (mut planned, mut finished, mut queries) = (0u64, 0u64, 0u64);
    let mut by_outcome: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_order = Map::new();
    for o in orders {
        let n = o.handoffs.len() as u64;
        handoffs_received += n;
        if n > 0 {
            handed_off += 1;
            handoff_dups += n - 1;
        }
        for note in &o.status_notifications {
            notes_received += note.count;
            notes_distinct += 1;
            if note.before_handoff {
                notes_without_handoff += 1;
            }
            *by_status.entry(note.status.clone()).or_default() += 1;
        }
        mismatches += o.delivery_id_mismatches;
        for a in &o.actor.actions {
            attempted += 1;
            calls += u64::from(a.calls);
            let entry = by_action.entry(a.action.clone()).or_default();
            entry.0 += 1;
            match a.outcome {
                ActionOutcome::Succeeded => {
                    succeeded += 1;
                    entry.1 += 1;
                }
                ActionOutcome::RefusedByPonte => {
                    *refused
                        .entry(a.code.clone().unwrap_or_default())
                        .or_default() += 1;
                }
                ActionOutcome::OmsRefused => oms_refused += 1,
                ActionOutcome::Error => errors += 1,
            }
        }
        queries += o.actor.queries;
        if o.actor.plan.is_some() {
            planned += 1;
        }
        if let Some(outcome) = &o.actor.outcome {
            finished += 1;
            *by_outcome.entry(outcome.clone()).or_default() += 1;
        }
        if by_order {
            per_order.insert(
                o.order_id.clone(),
                json!({
                    "handoffs": n,
                    "statusNotifications": o.status_notifications.iter().map(|s| &s.status).collect::<Vec<_>>(),
                    "handoff": o.handoffs.first().map(|h| json!({"status": h.status, "changedAt": h.changed_at})),
                    "notices": o.status_notifications.iter().map(|s| json!({"status": s.status, "changedAt": s.changed_at, "count": s.count})).collect::<Vec<_>>(),
                    "lastStatus": o.last_status,
                    "plan": o.actor.plan,
                    "outcome": o.actor.outcome,
                    "actions": o.actor.actions.iter().map(|a| json!({"action": a.action, "step": a.step, "outcome": a.outcome, "code": a.code})).collect::<Vec<_>>(),
                }),
            );
        }
    }
    let mut body = json!({
        "posts": posts,
        "deliveries": deliveries.len(),
        "deliveryIdMismatches": mismatches,
        "handoffs": {
            "received": handoffs_received,
            "orders": handed_off,
            "duplicates": handoff_dups,
        },
        "statusNotifications": {
            "received": notes_received,
            "distinct": notes_distinct,
            "duplicates": notes_received - notes_distinct,
            "withoutHandoff": notes_without_handoff,
            "byStatus": by_status,
        },
        "actions": {
            "attempted": attempted,
            "succeeded": succeeded,
            "refusedByPonte": refused,
            "omsRefused": oms_refused,
            "errors": errors,
            "calls": calls,
            "retries": calls.saturating_sub(attempted),
            "queries": queries,
            "byAction": by_action.into_iter().map(|(k, (a, s))| (k, json!({"attempted": a, "succeeded": s}))).collect::<Map<_, _>>(),
        },
        "actor": {
            "planned": planned,
            "finished": finished,
            "byOutcome": by_outcome,
        },
    });
    if by_order && let Value::Object(map) = &mut body {
        map.insert("byOrder".into(), Value::Object(per_order));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(id: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = id.parse() {
            h.insert("x-ponte-delivery-id", v);
        }
        h
    }

    /// A POST that passed the fence check on arrival, whose write waits while the replica that
    /// took the delivery over looks it up with a higher fence, is refused at the write: the
    /// delivery is stored once, by the new holder (the soak once saw it stored twice).
    #[tokio::test]
    async fn a_lookup_between_a_posts_check_and_its_write_fences_the_write() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let erp = ErpOrders::open(dir.path(), None).unwrap_or_else(|e| panic!("{e}"));
        let body = json!({"deliveryId": "1-01:order", "kind": "order", "orderId": "1-01",
            "status": "ready-for-handling", "changedAt": "2026-01-01T00:00:00Z",
            "order": {"orderId": "1-01"}});
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let post = parse_post(&headers("1-01:order"), &bytes).unwrap_or_else(|e| panic!("{e}"));
        let id = || "1-01:order".to_owned();
        // The old holder's POST (fence 10) is checked on arrival...
        assert!(erp.see_fence(&id(), Some(10)));
        // ...the new holder (fence 11) looks it up before that POST is stored: not there...
        let seen = erp
            .fenced(id(), Some(11), |s| s.delivery("1-01:order"))
            .await;
        assert!(matches!(seen, Ok(Some(None))), "{seen:?}");
        // ...so the old POST's write is refused, and the new holder's goes through, once.
        let late = {
            let post = post.clone();
            erp.fenced(id(), Some(10), move |s| s.record_post(&post, "now"))
                .await
        };
        assert!(matches!(late, Ok(None)), "{late:?}");
        let new = erp
            .fenced(id(), Some(11), move |s| s.record_post(&post, "now"))
            .await;
        assert!(matches!(&new, Ok(Some(r)) if !r.duplicate), "{new:?}");
        let stored = erp
            .fenced(id(), Some(11), |s| s.delivery("1-01:order"))
            .await;
        assert!(
            matches!(&stored, Ok(Some(Some(d))) if d.count == 1),
            "{stored:?}"
        );
    }

    #[test]
    fn bodies_are_checked() {
        let ok = json!({"deliveryId": "1-01:order", "kind": "order", "orderId": "1-01",
            "status": "ready-for-handling", "previousStatus": "window-to-cancel",
            "changedAt": "2026-01-01T00:00:00Z", "order": {"orderId": "1-01"}});
        let bytes = serde_json::to_vec(&ok).unwrap_or_default();
        let post = parse_post(&headers("1-01:order"), &bytes);
        assert!(post.as_ref().is_ok_and(|p| p.id_ok), "{post:?}");
        assert!(
            parse_post(&headers("other"), &bytes).is_ok_and(|p| !p.id_ok),
            "a header that differs is counted, not refused"
        );
        for bad in [
            json!({"kind": "order"}),
            json!([1]),
            json!({"deliveryId": "x", "kind": "order", "orderId": "1-01", "status": "s"}),
            json!({"deliveryId": "x", "kind": "nope", "orderId": "1-01", "status": "s"}),
            json!({"deliveryId": "", "kind": "status", "orderId": "1-01", "status": "s"}),
            json!({"deliveryId": "x", "kind": "order", "orderId": "1-01", "status": "s", "order": {"orderId": "2-01"}}),
        ] {
            let bytes = serde_json::to_vec(&bad).unwrap_or_default();
            assert!(parse_post(&HeaderMap::new(), &bytes).is_err(), "{bad}");
        }
        assert!(parse_post(&HeaderMap::new(), b"{").is_err());
        let status = json!({"deliveryId": "1-01:status:canceled:2026", "kind": "status",
            "orderId": "1-01", "status": "canceled", "previousStatus": null});
        let bytes = serde_json::to_vec(&status).unwrap_or_default();
        assert!(parse_post(&headers("1-01:status:canceled:2026"), &bytes).is_ok_and(|p| p.id_ok));
    }

    #[test]
    fn timestamps_are_iso() {
        let now = now_iso();
        assert_eq!(now.len(), 24, "{now}");
        assert!(
            ponte_core::orders::Timestamp::parse(&now).is_some(),
            "{now}"
        );
    }
}
