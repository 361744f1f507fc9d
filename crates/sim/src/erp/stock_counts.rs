//! The ERP's current stock counts, asked for by Ponte after an invoiced order
//! (`node/inventory/refresh.ts`): VTEX keeps an order's reservation `acknowledged` after the
//! invoice until a count dated after it arrives, and advises refreshing the SKUs from the system
//! of record then (§E.4).
//!
//! - `POST {erp}/stock/counts` `{skus: [{refId?, ean?}]}` → `200 {counts: [{refId?, ean?,
//!   warehouse, quantity, unlimitedQuantity, dateUtcOnBalanceSystem}]}`: one count per SKU in
//!   warehouse `wh-sp` ([`super::stock_prices::WAREHOUSES`]), counted now. The quantity is this
//!   simulator's choice **[emulator default]**: a stable function of the SKU's key (0…499), so a
//!   test can compute what VTEX should hold afterwards. A body that is not that shape is `400
//!   ERP_BAD_REQUEST`; more than 200 SKUs, `413 ERP_TOO_MANY_SKUS` (the delta routes' size).
//! - `GET /_sim/erp/stock/count-requests`: what Ponte asked and the answers, in order
//!   (`{requests: [{skus, counts, at}]}`), and
//!   `DELETE` forgets it.
//!
//! Like the ERP's other routes it takes HTTPS only (`X-Vtex-Use-Https`, through the outbound
//! proxy) and, under `/erp` too, an `erpEndpoint` of `https://erp.ponte-sim.test/erp`.

use super::orders::now_iso;
use super::stock_prices::WAREHOUSES;
use crate::platform::error::coded;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// At most this many SKUs per request.
pub const MAX_SKUS: usize = 200;

/// What Ponte asked for, shared by the ERP's route and the simulator's.
#[derive(Debug, Clone, Default)]
pub struct CountRequests(Arc<Mutex<Vec<Value>>>);

impl CountRequests {
    fn push(&self, request: Value) {
        if let Ok(mut list) = self.0.lock() {
            list.push(request);
        }
    }

    fn all(&self) -> Vec<Value> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn clear(&self) {
        if let Ok(mut list) = self.0.lock() {
            list.clear();
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SkuRef {
    ref_id: Option<String>,
    ean: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountsRequest {
    skus: Vec<SkuRef>,
}

/// The count the ERP holds for a SKU key: 0…499, stable (FNV-1a of the key).
pub fn quantity_of(key: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % 500) as i64
}

async fn counts(State(requests): State<CountRequests>, body: axum::body::Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<CountsRequest>(&body) else {
        return coded(
            StatusCode::BAD_REQUEST,
            "ERP_BAD_REQUEST",
            "expected {skus: [{refId?, ean?}]}",
        );
    };
    if request.skus.len() > MAX_SKUS {
        return coded(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ERP_TOO_MANY_SKUS",
            "at most 200 SKUs per request",
        );
    }
    let at = now_iso();
    let mut out = Vec::new();
    let mut asked = Vec::new();
    for sku in &request.skus {
        let key = match (&sku.ref_id, &sku.ean) {
            (Some(r), _) if !r.trim().is_empty() => json!({"refId": r}),
            (_, Some(e)) if !e.trim().is_empty() => json!({"ean": e}),
            _ => continue,
        };
        let name = key
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut count = key.clone();
        if let Some(map) = count.as_object_mut() {
            map.insert("warehouse".into(), json!(WAREHOUSES[0]));
            map.insert("quantity".into(), json!(quantity_of(&name)));
            map.insert("unlimitedQuantity".into(), json!(false));
            map.insert("dateUtcOnBalanceSystem".into(), json!(at));
        }
        asked.push(key);
        out.push(count);
    }
    requests.push(json!({"skus": asked, "counts": out, "at": at}));
    Json(json!({ "counts": out })).into_response()
}

async fn list(State(requests): State<CountRequests>) -> Response {
    Json(json!({ "requests": requests.all() })).into_response()
}

async fn forget(State(requests): State<CountRequests>) -> Response {
    requests.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// The route on the ERP's host (HTTPS only, as the ERP's other routes).
pub fn receiver_routes<S: Clone + Send + Sync + 'static>(requests: CountRequests) -> Router<S> {
    Router::new()
        .route("/stock/counts", post(counts))
        .route("/erp/stock/counts", post(counts))
        .with_state(requests)
        .layer(axum::middleware::from_fn(super::providers::https_only))
}

/// The simulator's view of what was asked.
pub fn sim_routes<S: Clone + Send + Sync + 'static>(requests: CountRequests) -> Router<S> {
    Router::new()
        .route("/_sim/erp/stock/count-requests", get(list).delete(forget))
        .with_state(requests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_stable_and_bounded() {
        assert_eq!(quantity_of("SKU-50"), quantity_of("SKU-50"));
        assert!((0..500).contains(&quantity_of("SKU-50")));
        let distinct: std::collections::HashSet<i64> =
            (0..100).map(|n| quantity_of(&format!("SKU-{n}"))).collect();
        assert!(distinct.len() > 50, "{distinct:?}");
    }
}
