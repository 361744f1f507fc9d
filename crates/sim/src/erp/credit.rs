//! The ERP's credit accounts, as the payment connector reaches them (`node/clients/erpCredit.ts`):
//! B2B customers buying on account against a limit the ERP keeps, with holds per payment,
//! receivables (captured holds) and refunds. The protocol is Ponte's own (the ERP is
//! Ponte's counterpart, not VTEX), so this module is its reference.
//!
//! # ERP host (`erp.ponte-sim.test`, HTTPS through the proxy only, as the order endpoint)
//!
//! - `GET /erp/credit/accounts/{customer}?holdId=` → 200 `{customer, limit, openHolds,
//!   unpaidInvoices, blocked, currency, existingHold}` (cents; `existingHold` the live hold of
//!   that id), 404 `{code: "CREDIT_ACCOUNT_UNKNOWN"}`.
//! - `POST /erp/credit/accounts/{customer}/holds` `{holdId, value}`: atomically per ledger, the
//!   hold is granted when ponte-core's credit decision approves (available = limit − open holds
//!   − unpaid invoices) → 201; the same live hold again → 200 (never a second grant); a
//!   released hold id → 409 `CREDIT_HOLD_RELEASED`; short → 422 `CREDIT_LIMIT_EXCEEDED`.
//! - `POST /erp/credit/holds/{holdId}/captures` `{requestId, value}` (the hold's value becomes
//!   a receivable), `/refunds` `{requestId, value}` (a receivable credited back), `/release`
//!   `{requestId}` (what is left of the hold is freed; an unknown id leaves a tombstone so a
//!   late hold is refused): idempotent by `requestId`, 200; a capture beyond the hold or a
//!   refund beyond what was captured → 422 and nothing changes.
//!
//! Injectable: `latencyMs` (every answer), per account `slowMs` with `slowCalls` (how many of
//! its next reads and holds are slow; absent: all), `down` (503 to everything), per account
//! `fail` (503 for that customer).
//!
//! # Simulator host
//!
//! - `PUT /_sim/erp/credit/accounts/{customer}` `{limit, unpaidInvoices?, blocked?, currency?,
//!   slowMs?, slowCalls?, fail?}` (cents), `GET` the same with its holds;
//! - `GET /_sim/erp/credit`: every account (with `openHolds`, `receivables`, `exposure`) and
//!   hold, and the counters (`grants`, `repeatedHolds` (a hold asked again for a live id:
//!   answered, never granted twice), `refusedShort`, `refusedReleased`, `overLimit`, ...);
//! - `PUT /_sim/erp/credit/config` `{latencyMs?, down?}`; `DELETE /_sim/erp/credit` forgets all.
//!
//! Records are written through to `erp-credit.redb` before each answer.

use crate::platform::error::coded;
use crate::platform::error::{SimError, StoreError};
use crate::platform::lock;
use crate::platform::store::open_database;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use ponte_core::payments::{CreditAccount, CreditDecision, credit_decision};
use redb::{Database, ReadableDatabase, TableDefinition};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path as FsPath;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const STATE: TableDefinition<&str, &str> = TableDefinition::new("erp_credit");

/// One customer's account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Account {
    pub customer: String,
    pub limit: u64,
    /// Invoices not yet paid, other than the ones this ledger captured.
    pub unpaid_invoices: u64,
    pub blocked: bool,
    pub currency: Option<String>,
    pub slow_ms: u64,
    pub slow_calls: Option<u64>,
    pub fail: bool,
}

/// A hold for one payment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HoldRecord {
    pub hold_id: String,
    pub customer: String,
    pub value: u64,
    pub captured: u64,
    pub refunded: u64,
    pub released: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreditConfig {
    pub latency_ms: u64,
    pub down: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Counters {
    reads: u64,
    hold_requests: u64,
    grants: u64,
    repeated_holds: u64,
    refused_short: u64,
    refused_released: u64,
    over_limit: u64,
    captures: u64,
    refunds: u64,
    releases: u64,
    duplicates: u64,
    refused_moves: u64,
    unavailable: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Ledger {
    accounts: BTreeMap<String, Account>,
    holds: BTreeMap<String, HoldRecord>,
    tombstones: BTreeSet<String>,
    applied: BTreeSet<String>,
    config: CreditConfig,
    counters: Counters,
}

impl Ledger {
    fn open_holds(&self, customer: &str) -> u64 {
        self.holds
            .values()
            .filter(|h| h.customer == customer && !h.released)
            .map(|h| h.value.saturating_sub(h.captured))
            .sum()
    }
    fn receivables(&self, customer: &str) -> u64 {
        let moved: u64 = self
            .holds
            .values()
            .filter(|h| h.customer == customer)
            .map(|h| h.captured.saturating_sub(h.refunded))
            .sum();
        self.accounts
            .get(customer)
            .map_or(0, |a| a.unpaid_invoices)
            .saturating_add(moved)
    }
    fn view(&self, a: &Account, hold_id: Option<&str>) -> CreditAccount {
        CreditAccount {
            customer: a.customer.clone(),
            limit: a.limit,
            open_holds: self.open_holds(&a.customer),
            unpaid_invoices: self.receivables(&a.customer),
            blocked: a.blocked,
            currency: a.currency.clone(),
            existing_hold: hold_id
                .and_then(|id| self.holds.get(id))
                .filter(|h| !h.released && h.customer == a.customer)
                .map(|h| ponte_core::payments::Hold {
                    hold_id: h.hold_id.clone(),
                    value: h.value,
                }),
        }
    }
}

/// The ERP's credit ledger.
#[derive(Debug)]
pub struct ErpCredit {
    db: Database,
    ledger: Mutex<Ledger>,
}

impl ErpCredit {
    /// Opens `dir/erp-credit.redb` (blocking), loading what it holds.
    pub fn open(dir: &FsPath) -> Result<Arc<Self>, SimError> {
        let db = open_database(dir, "erp-credit.redb", |txn| {
            txn.open_table(STATE)?;
            Ok(())
        })?;
        let ledger = {
            let txn = db.begin_read().map_err(StoreError::from)?;
            let table = txn.open_table(STATE).map_err(StoreError::from)?;
            match table.get("ledger").map_err(StoreError::from)? {
                Some(v) => serde_json::from_str(v.value()).unwrap_or_default(),
                None => Ledger::default(),
            }
        };
        Ok(Arc::new(ErpCredit {
            db,
            ledger: Mutex::new(ledger),
        }))
    }

    fn persist(&self, ledger: &Ledger) -> Result<(), Box<Response>> {
        let write = || -> Result<(), StoreError> {
            let json = serde_json::to_string(ledger).map_err(|source| StoreError::Encode {
                entity: "erp credit ledger",
                source,
            })?;
            let txn = self.db.begin_write()?;
            {
                let mut t = txn.open_table(STATE)?;
                t.insert("ledger", json.as_str())?;
            }
            txn.commit()?;
            Ok(())
        };
        write().map_err(|e| {
            Box::new(coded(
                StatusCode::INTERNAL_SERVER_ERROR,
                "STORE_FAILED",
                e.to_string(),
            ))
        })
    }

    /// Waits the injected delay for a call about `customer`; `Err` is the `503` of a failing
    /// one.
    async fn answerable(&self, customer: Option<&str>) -> Result<(), Box<Response>> {
        let (delay, fail) = self.injected(customer);
        pause(delay).await;
        if fail {
            Err(Box::new(unavailable()))
        } else {
            Ok(())
        }
    }

    /// The delay and failure for a call about `customer` (counting a slow call).
    fn injected(&self, customer: Option<&str>) -> (Duration, bool) {
        let mut l = lock(&self.ledger);
        let mut ms = l.config.latency_ms;
        let mut fail = l.config.down;
        if let Some(a) = customer.and_then(|c| l.accounts.get_mut(c)) {
            fail |= a.fail;
            let slow = match a.slow_calls {
                None => a.slow_ms > 0,
                Some(0) => false,
                Some(n) => {
                    a.slow_calls = Some(n - 1);
                    a.slow_ms > 0
                }
            };
            if slow {
                ms = ms.saturating_add(a.slow_ms);
            }
        }
        if fail {
            l.counters.unavailable += 1;
        }
        (Duration::from_millis(ms), fail)
    }
}

/// The ERP's host takes HTTPS only (through the proxy with `X-Vtex-Use-Https`), as its order
/// endpoint does (`erp::orders`).
fn https(headers: &HeaderMap) -> Result<(), Box<Response>> {
    if super::upgraded(headers) {
        Ok(())
    } else {
        Err(Box::new(coded(
            StatusCode::FORBIDDEN,
            "ERP_HTTPS_REQUIRED",
            "the ERP takes HTTPS only (X-Vtex-Use-Https: true through the proxy)",
        )))
    }
}

async fn pause(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// `503 ERP_UNAVAILABLE`: the ERP is `down`, or the account set to `fail`.
fn unavailable() -> Response {
    coded(
        StatusCode::SERVICE_UNAVAILABLE,
        "ERP_UNAVAILABLE",
        "the ERP is down",
    )
}

/// `404 CREDIT_ACCOUNT_UNKNOWN`.
fn unknown_account() -> Response {
    coded(
        StatusCode::NOT_FOUND,
        "CREDIT_ACCOUNT_UNKNOWN",
        "no such account",
    )
}

/// `409 CREDIT_HOLD_RELEASED`: a hold id released (or tombstoned) is never granted again.
fn hold_released() -> Response {
    coded(
        StatusCode::CONFLICT,
        "CREDIT_HOLD_RELEASED",
        "this hold was released",
    )
}

/// `400 ERP_BODY_INVALID`: the body is not the `expected` shape.
fn invalid_body(expected: &str) -> Response {
    coded(
        StatusCode::BAD_REQUEST,
        "ERP_BODY_INVALID",
        format!("expected {expected}"),
    )
}

/// `400 ERP_CONFIG_INVALID`: a simulator route's body is not the `expected` shape.
fn invalid_config(expected: &str) -> Response {
    coded(
        StatusCode::BAD_REQUEST,
        "ERP_CONFIG_INVALID",
        format!("expected {expected}"),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HoldQuery {
    hold_id: Option<String>,
}

async fn read_account(
    State(erp): State<Arc<ErpCredit>>,
    Path(customer): Path<String>,
    Query(q): Query<HoldQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = https(&headers) {
        return *r;
    }
    if let Err(r) = erp.answerable(Some(&customer)).await {
        return *r;
    }
    let mut l = lock(&erp.ledger);
    l.counters.reads += 1;
    match l.accounts.get(&customer) {
        Some(a) => Json(l.view(a, q.hold_id.as_deref())).into_response(),
        None => unknown_account(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HoldBody {
    hold_id: String,
    value: u64,
}

async fn place_hold(
    State(erp): State<Arc<ErpCredit>>,
    Path(customer): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = https(&headers) {
        return *r;
    }
    let Ok(b) = serde_json::from_slice::<HoldBody>(&body) else {
        return invalid_body("{holdId, value}");
    };
    if let Err(r) = erp.answerable(Some(&customer)).await {
        return *r;
    }
    let mut l = lock(&erp.ledger);
    l.counters.hold_requests += 1;
    let Some(account) = l.accounts.get(&customer).cloned() else {
        return unknown_account();
    };
    if l.tombstones.contains(&b.hold_id) {
        l.counters.refused_released += 1;
        return hold_released();
    }
    if let Some(h) = l.holds.get(&b.hold_id).cloned() {
        if h.released {
            l.counters.refused_released += 1;
            return hold_released();
        }
        l.counters.repeated_holds += 1;
        return (StatusCode::OK, Json(h)).into_response();
    }
    let view = l.view(&account, None);
    if let CreditDecision::Deny { code, message } =
        credit_decision(&view, b.value, account.currency.as_deref())
    {
        l.counters.refused_short += 1;
        return coded(StatusCode::UNPROCESSABLE_ENTITY, &code, message);
    }
    let hold = HoldRecord {
        hold_id: b.hold_id.clone(),
        customer: customer.clone(),
        value: b.value,
        ..HoldRecord::default()
    };
    l.holds.insert(b.hold_id.clone(), hold.clone());
    l.counters.grants += 1;
    if l.open_holds(&customer) + l.receivables(&customer) > account.limit {
        l.counters.over_limit += 1;
    }
    if let Err(r) = erp.persist(&l) {
        return *r;
    }
    (StatusCode::CREATED, Json(hold)).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoveBody {
    request_id: String,
    #[serde(default)]
    value: u64,
}

async fn movement(
    erp: Arc<ErpCredit>,
    hold_id: String,
    headers: HeaderMap,
    body: Bytes,
    kind: &'static str,
) -> Response {
    if let Err(r) = https(&headers) {
        return *r;
    }
    let Ok(b) = serde_json::from_slice::<MoveBody>(&body) else {
        return invalid_body("{requestId, value}");
    };
    let customer = lock(&erp.ledger)
        .holds
        .get(&hold_id)
        .map(|h| h.customer.clone());
    if let Err(r) = erp.answerable(customer.as_deref()).await {
        return *r;
    }
    let mut l = lock(&erp.ledger);
    let key = format!("{kind}:{hold_id}:{}", b.request_id);
    if l.applied.contains(&key) {
        l.counters.duplicates += 1;
        return Json(json!({"holdId": hold_id, "requestId": b.request_id, "duplicate": true}))
            .into_response();
    }
    let l = &mut *l;
    match (kind, l.holds.get_mut(&hold_id)) {
        ("release", None) => {
            l.tombstones.insert(hold_id.clone());
            l.counters.releases += 1;
        }
        ("release", Some(h)) => {
            h.released = true;
            l.counters.releases += 1;
        }
        ("capture", Some(h)) if !h.released && h.captured + b.value <= h.value => {
            h.captured += b.value;
            l.counters.captures += 1;
        }
        ("refund", Some(h)) if h.refunded + b.value <= h.captured => {
            h.refunded += b.value;
            l.counters.refunds += 1;
        }
        _ => {
            l.counters.refused_moves += 1;
            return coded(
                StatusCode::UNPROCESSABLE_ENTITY,
                "CREDIT_MOVE_REFUSED",
                format!("{kind} of {} on hold {hold_id} does not fit it", b.value),
            );
        }
    }
    l.applied.insert(key);
    if let Err(r) = erp.persist(l) {
        return *r;
    }
    Json(json!({"holdId": hold_id, "requestId": b.request_id, "duplicate": false})).into_response()
}

/// `POST .../holds/{holdId}/...`: one [`movement`] of `kind`.
fn moves(kind: &'static str) -> MethodRouter<Arc<ErpCredit>> {
    post(
        move |State(erp): State<Arc<ErpCredit>>, Path(id): Path<String>, h: HeaderMap, b: Bytes| {
            movement(erp, id, h, b, kind)
        },
    )
}

/// Routes on the ERP's host.
pub fn receiver_routes() -> Router<Arc<ErpCredit>> {
    Router::new()
        .route("/erp/credit/accounts/{customer}", get(read_account))
        .route("/erp/credit/accounts/{customer}/holds", post(place_hold))
        .route("/erp/credit/holds/{hold_id}/captures", moves("capture"))
        .route("/erp/credit/holds/{hold_id}/refunds", moves("refund"))
        .route("/erp/credit/holds/{hold_id}/release", moves("release"))
}

async fn put_account(
    State(erp): State<Arc<ErpCredit>>,
    Path(customer): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(mut a) = serde_json::from_slice::<Account>(&body) else {
        return invalid_config("an account");
    };
    a.customer = customer.clone();
    let mut l = lock(&erp.ledger);
    l.accounts.insert(customer, a.clone());
    if let Err(r) = erp.persist(&l) {
        return *r;
    }
    Json(a).into_response()
}

fn account_json(l: &Ledger, a: &Account) -> Value {
    let holds: Vec<&HoldRecord> = l
        .holds
        .values()
        .filter(|h| h.customer == a.customer)
        .collect();
    let open = l.open_holds(&a.customer);
    let receivables = l.receivables(&a.customer);
    json!({
        "account": a,
        "openHolds": open,
        "receivables": receivables,
        "exposure": open + receivables,
        "holds": holds,
    })
}

async fn get_account(State(erp): State<Arc<ErpCredit>>, Path(customer): Path<String>) -> Response {
    let l = lock(&erp.ledger);
    match l.accounts.get(&customer) {
        Some(a) => Json(account_json(&l, a)).into_response(),
        None => unknown_account(),
    }
}

async fn get_all(State(erp): State<Arc<ErpCredit>>) -> Response {
    let l = lock(&erp.ledger);
    let accounts: Vec<Value> = l.accounts.values().map(|a| account_json(&l, a)).collect();
    Json(json!({"accounts": accounts, "counters": l.counters, "config": l.config, "tombstones": l.tombstones}))
        .into_response()
}

async fn put_config(State(erp): State<Arc<ErpCredit>>, body: Bytes) -> Response {
    let Ok(c) = serde_json::from_slice::<CreditConfig>(&body) else {
        return invalid_config("{latencyMs?, down?}");
    };
    let mut l = lock(&erp.ledger);
    l.config = c.clone();
    if let Err(r) = erp.persist(&l) {
        return *r;
    }
    Json(c).into_response()
}

async fn reset(State(erp): State<Arc<ErpCredit>>) -> Response {
    let mut l = lock(&erp.ledger);
    *l = Ledger::default();
    if let Err(r) = erp.persist(&l) {
        return *r;
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Routes on the simulator's host.
pub fn sim_routes() -> Router<Arc<ErpCredit>> {
    Router::new()
        .route("/_sim/erp/credit", get(get_all).delete(reset))
        .route("/_sim/erp/credit/config", put(put_config))
        .route(
            "/_sim/erp/credit/accounts/{customer}",
            get(get_account).put(put_account),
        )
}
