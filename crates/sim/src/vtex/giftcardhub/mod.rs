//! VTEX's Gift Card Hub and checkout as the gift card provider's client (§G.2): checkout lists
//! the shopper's cards (`POST /giftcards/_search` with `REST-Range`), debits the chosen card
//! when the order is placed (`POST /giftcards/{id}/transactions`, `operation: Debit`), settles
//! when the order is invoiced (`.../settlements`, a partial invoice settles part) and cancels
//! what is still held when the order is cancelled (`.../cancellations`), each call with a
//! `requestId` it repeats on a retry (§G common rules: every operation idempotent).
//!
//! Driven by tests (VTEX's checkout is the shopper's doing):
//! - `POST /_sim/giftcardhub/orders {orderId, shopper, cardId, value, duplicate?}` places an order
//!   paying `value` with the card (`duplicate`: the debit is sent twice, as a retry would);
//! - `POST /_sim/giftcardhub/orders/{orderId}/invoice {value}` settles `value`;
//! - `POST /_sim/giftcardhub/orders/{orderId}/cancel` cancels what is authorised and not settled;
//! - `POST /_sim/giftcardhub/orders/{orderId}/refund {value}` cancels `value` of what was settled
//!   (a return after the invoice: §G.2, a cancellation gives back settled value as well);
//! - the invoice, cancel and refund bodies take `duplicate: true` (the call is sent twice);
//! - `GET /_sim/giftcardhub/orders` lists the Hub's records (authorised, settled, cancelled,
//!   every answer's status), `PUT /_sim/giftcardhub/config` sets the provider's credentials.
//!
//! **[sim's limits]**, as the anti-fraud gateway ([`crate::vtex::antifraud::gateway`]): the
//! calls go to the service's replicas directly with the IO router's headers, round-robin; the
//! records are in memory. **[sim's choice]** request ids: `{orderId}-debit`,
//! `{orderId}-settle-{n}`, `{orderId}-cancel`, `{orderId}-refund-{n}`.
//!
//! A call that gets no answer (a replica gone) or a 5xx is sent again with the same body, to
//! the next replica, up to 6 times, 200 ms apart: VTEX retries a provider's failures (§G common
//! rules: every operation idempotent by its requestId). Each attempt is in `calls`.

use crate::platform::lock;
use crate::vtex::io::{IoRouter, Provider};
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The Hub's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HubConfig {
    pub account: String,
    pub app_key: String,
    pub app_token: String,
    pub base_path: String,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            account: String::new(),
            app_key: String::new(),
            app_token: String::new(),
            base_path: "/_v/ponte/giftcards".into(),
        }
    }
}

/// One order paid partly by gift card, as the Hub records it (amounts in cents).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HubOrder {
    pub order_id: String,
    pub card_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    pub authorized_cents: i64,
    pub settled_cents: i64,
    pub cancelled_cents: i64,
    pub invoices: u32,
    /// Each call's `METHOD route → status`.
    pub calls: Vec<String>,
    pub refunded_cents: i64,
    pub refunds: u32,
}

#[derive(Debug)]
pub struct Hub {
    io: Arc<IoRouter>,
    http: reqwest::Client,
    config: Mutex<HubConfig>,
    orders: Mutex<BTreeMap<String, HubOrder>>,
    rr: AtomicUsize,
}

fn cents_of(v: &Value) -> Option<i64> {
    serde_json::from_value::<ponte_core::pricing::Money>(v.clone())
        .ok()
        .map(|m| m.hundredths())
}

fn money(cents: i64) -> Value {
    serde_json::to_value(ponte_core::pricing::Money::from_hundredths(cents).unwrap_or_default())
        .unwrap_or(Value::Null)
}

impl Hub {
    pub fn new(io: Arc<IoRouter>) -> Arc<Hub> {
        Arc::new(Hub {
            io,
            http: reqwest::Client::new(),
            config: Mutex::new(HubConfig::default()),
            orders: Mutex::new(BTreeMap::new()),
            rr: AtomicUsize::new(0),
        })
    }

    /// [`Hub::call_once`] again on no answer or a 5xx; every attempt's status, in order.
    async fn call(
        &self,
        route: &str,
        path: &str,
        params: &[(&str, &str)],
        body: &Value,
    ) -> (u16, Value, Vec<u16>) {
        let mut seen = Vec::new();
        // Each attempt to the replica after the previous one's.
        let first = self.rr.fetch_add(1, Ordering::SeqCst);
        loop {
            let turn = first + seen.len();
            let (st, answer) = self.call_once(turn, route, path, params, body).await;
            seen.push(st);
            if (st != 0 && st < 500) || seen.len() >= 6 {
                return (st, answer, seen);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn call_once(
        &self,
        turn: usize,
        route: &str,
        path: &str,
        params: &[(&str, &str)],
        body: &Value,
    ) -> (u16, Value) {
        let c = lock(&self.config).clone();
        let provider = Provider {
            account: &c.account,
            base_path: &c.base_path,
            app_key: &c.app_key,
            app_token: &c.app_token,
        };
        let Some(req) = self.io.provider_request(
            &self.http,
            turn,
            reqwest::Method::POST,
            provider,
            route,
            path,
            params,
        ) else {
            return (0, json!("no replica"));
        };
        let sent = req
            .header("content-type", "application/vnd.vtex.giftcards.v1+json")
            .header("accept", "application/vnd.vtex.giftcards.v1+json")
            .header("rest-range", "resources=0-49")
            .body(body.to_string())
            .send()
            .await;
        match sent {
            Ok(res) => {
                let status = res.status().as_u16();
                let text = res.text().await.unwrap_or_default();
                (status, serde_json::from_str(&text).unwrap_or(Value::Null))
            }
            Err(_) => (0, Value::Null),
        }
    }

    async fn place(&self, req: &Value) -> HubOrder {
        let s = |k: &str| {
            req.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (order_id, shopper, card_id) = (s("orderId"), s("shopper"), s("cardId"));
        let value = req.get("value").and_then(cents_of).unwrap_or(0);
        let mut order = HubOrder {
            order_id: order_id.clone(),
            card_id: card_id.clone(),
            ..HubOrder::default()
        };
        // Checkout lists the shopper's cards; the card must be among them.
        let (st, list, seen) = self
            .call(
                "giftcardSearch",
                "/_search",
                &[],
                &json!({"client": {"id": shopper}, "cart": {}}),
            )
            .await;
        order.calls.extend(retried("search", &seen));
        order.calls.push(format!("search {st}"));
        let listed = list.as_array().is_some_and(|l| {
            l.iter()
                .any(|c| c.get("id").and_then(Value::as_str) == Some(card_id.as_str()))
        });
        if listed {
            let code = req.get("redemptionCode").cloned().unwrap_or(Value::Null);
            let body = json!({"operation": "Debit", "value": money(value), "description": "order", "redemptionCode": code,
                              "requestId": format!("{order_id}-debit"), "orderInfo": {"orderId": order_id, "sequence": 1, "clientProfile": {"id": shopper}}});
            let times = if req.get("duplicate").and_then(Value::as_bool) == Some(true) {
                2
            } else {
                1
            };
            for _ in 0..times {
                let (st, answer, seen) = self
                    .call(
                        "giftcardTransactions",
                        "/transactions",
                        &[("id", &card_id)],
                        &body,
                    )
                    .await;
                order.calls.extend(retried("debit", &seen));
                let code = answer
                    .get("code")
                    .and_then(Value::as_str)
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default();
                order.calls.push(format!("debit {st}{code}"));
                if st == 200 {
                    order.transaction_id =
                        answer.get("id").and_then(Value::as_str).map(str::to_owned);
                    order.authorized_cents = value;
                }
            }
        }
        lock(&self.orders).insert(order_id, order.clone());
        order
    }

    async fn movement(
        &self,
        order_id: &str,
        kind: Move,
        value: Option<i64>,
        duplicate: bool,
    ) -> Option<HubOrder> {
        let order = lock(&self.orders).get(order_id).cloned()?;
        let tid = order.transaction_id.clone()?;
        let cancel = kind != Move::Settle;
        let (value, rid, route, path) = if kind == Move::Refund {
            (
                value.unwrap_or(0),
                format!("{order_id}-refund-{}", order.refunds + 1),
                "giftcardCancellations",
                "cancellations",
            )
        } else if cancel {
            let left = order.authorized_cents - order.settled_cents - order.cancelled_cents;
            (
                left,
                format!("{order_id}-cancel"),
                "giftcardCancellations",
                "cancellations",
            )
        } else {
            (
                value.unwrap_or(0),
                format!("{order_id}-settle-{}", order.invoices + 1),
                "giftcardSettlements",
                "settlements",
            )
        };
        let mut calls = Vec::new();
        let mut ok = false;
        if value > 0 {
            for _ in 0..if duplicate { 2 } else { 1 } {
                let (st, answer, seen) = self
                    .call(
                        route,
                        &format!("/{}/transactions/{tid}/{path}", order.card_id),
                        &[("id", &order.card_id), ("tid", &tid)],
                        &json!({"value": money(value), "requestId": rid}),
                    )
                    .await;
                let code = answer
                    .get("code")
                    .and_then(Value::as_str)
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default();
                calls.extend(retried(path, &seen));
                calls.push(format!("{path} {st}{code}"));
                ok |= st == 200;
            }
        } else {
            calls.push("none".to_owned());
        }
        let mut orders = lock(&self.orders);
        let o = orders.get_mut(order_id)?;
        o.calls.extend(calls);
        if ok {
            if kind == Move::Refund {
                o.cancelled_cents += value;
                o.refunded_cents += value;
                o.refunds += 1;
            } else if cancel {
                o.cancelled_cents += value;
            } else {
                o.settled_cents += value;
                o.invoices += 1;
            }
        }
        Some(o.clone())
    }
}

/// Which movement the Hub sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    Settle,
    Cancel,
    Refund,
}

/// The attempts before the last, as `{what} {status} (retried)`.
fn retried(what: &str, seen: &[u16]) -> Vec<String> {
    seen.iter()
        .take(seen.len().saturating_sub(1))
        .map(|st| format!("{what} {st} (retried)"))
        .collect()
}

async fn place(State(h): State<Arc<Hub>>, axum::Json(req): axum::Json<Value>) -> Response {
    axum::Json(h.place(&req).await).into_response()
}

async fn invoice(
    State(h): State<Arc<Hub>>,
    Path(id): Path<String>,
    axum::Json(req): axum::Json<Value>,
) -> Response {
    let value = req.get("value").and_then(cents_of);
    moved(&h, &id, Move::Settle, value, &req).await
}

async fn cancel(
    State(h): State<Arc<Hub>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    moved(&h, &id, Move::Cancel, None, &req).await
}

async fn refund(
    State(h): State<Arc<Hub>>,
    Path(id): Path<String>,
    axum::Json(req): axum::Json<Value>,
) -> Response {
    let value = req.get("value").and_then(cents_of);
    moved(&h, &id, Move::Refund, value, &req).await
}

/// One movement on order `id` (`duplicate: true` in `req` sends its call twice): the order as
/// it stands, or `404 {"code":"NOT_FOUND"}` for an order the Hub does not know.
async fn moved(h: &Hub, id: &str, m: Move, value: Option<i64>, req: &Value) -> Response {
    let duplicate = req.get("duplicate").and_then(Value::as_bool) == Some(true);
    match h.movement(id, m, value, duplicate).await {
        Some(o) => axum::Json(o).into_response(),
        None => (
            axum::http::StatusCode::NOT_FOUND,
            axum::Json(json!({"code": "NOT_FOUND"})),
        )
            .into_response(),
    }
}

async fn list(State(h): State<Arc<Hub>>) -> Response {
    axum::Json(lock(&h.orders).values().cloned().collect::<Vec<_>>()).into_response()
}

async fn put_config(State(h): State<Arc<Hub>>, axum::Json(c): axum::Json<HubConfig>) -> Response {
    *lock(&h.config) = c.clone();
    axum::Json(c).into_response()
}

/// The Hub's `/_sim/giftcardhub/*` routes.
pub fn sim_routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/_sim/giftcardhub/orders", post(place).get(list))
        .route("/_sim/giftcardhub/orders/{id}/invoice", post(invoice))
        .route("/_sim/giftcardhub/orders/{id}/cancel", post(cancel))
        .route("/_sim/giftcardhub/orders/{id}/refund", post(refund))
        .route("/_sim/giftcardhub/config", axum::routing::put(put_config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_cents() {
        assert_eq!(cents_of(&json!(45.67)), Some(4567));
        assert_eq!(cents_of(&json!(20)), Some(2000));
        assert_eq!(money(4567), json!(45.67));
    }
}
