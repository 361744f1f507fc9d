//! `GET /api/oms/pvt/orders`: List orders, as VTEX's Orders API documents it (OpenAPI "List
//! orders", vendored in tests/openapi/spec/orders-api.json; docs/vtex/A-orders.md §A.1):
//!
//! - `f_status`: one status or several separated by commas (the statuses VTEX lists for the
//!   filter; any API status is matched here);
//! - `f_creationDate=creationDate:[FROM TO TO]` (ISO 8601, both ends included);
//! - `orderBy={creationDate|orderId|totalValue},{asc|desc}` (default `creationDate,desc`
//!   **[sim's choice: VTEX names no default]**);
//! - `per_page` 1 to 100 (default 15) and `page` 1 to 30 ("restricted to the limit of 30
//!   pages"): beyond either, `400 OMS002` **[sim's choice: VTEX documents the limits, not the
//!   refusal]**;
//! - the answer `{list, facets, paging: {total, pages, currentPage, perPage}, stats}`, each list
//!   entry in the OpenAPI's `List` shape (`items: null` as in VTEX's examples); `stats` for
//!   `totalValue` and `totalItems` over every order found, faceted by origin (all the
//!   simulator's orders are `Marketplace`) and currency (`BRL`), means and deviations rounded to
//!   whole numbers (the spec types some of them as integers); `facets` is empty.
//!
//! Incomplete orders (no workflow) are left out, as VTEX's `incompleteOrders=false` default
//! does. Apps need the `ListOrders` role policy for this call (VTEX release note "Custom IO apps
//! need to add the ListOrders resource", played by `crate::vtex::io::policies`).

use super::Oms;
use super::error::{OmsError, codes};
use super::model::{SimOrder, iso, status_description};
use crate::platform::http::{Tenant, query_value};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ponte_core::orders::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;

const MAX_PER_PAGE: usize = 100;
const MAX_PAGE: usize = 30;

fn bad(message: String) -> Response {
    OmsError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message).into_response()
}

/// The query number `name` (absent: `default`), or the message of its refusal.
fn number(uri: &Uri, name: &str, default: usize, max: usize) -> Result<usize, String> {
    match query_value(uri, name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| format!("{name} must be a whole number from 1 to {max}")),
    }
}

/// `creationDate:[FROM TO TO]` as ticks (100 ns).
fn creation_range(raw: &str) -> Option<(i64, i64)> {
    let inner = raw
        .trim()
        .strip_prefix("creationDate:[")?
        .strip_suffix(']')?;
    let (from, to) = inner.split_once(" TO ")?;
    let ticks = |s: &str| {
        Timestamp::parse_lenient(s.trim()).map(|t| t.unix_seconds().saturating_mul(10_000_000))
    };
    Some((ticks(from)?, ticks(to)?.saturating_add(9_999_999)))
}

fn entry(o: &SimOrder) -> Value {
    json!({
        "orderId": o.order_id,
        "creationDate": iso(o.creation),
        "clientName": format!("Shopper {}", o.shopper),
        "items": null,
        "totalValue": o.value(),
        "paymentNames": "Promissory",
        "status": o.status.map(|s| s.as_str()),
        "statusDescription": status_description(o.status),
        "marketPlaceOrderId": null,
        "sequence": o.sequence.to_string(),
        "salesChannel": "1",
        "affiliateId": "",
        "origin": "Marketplace",
        "workflowInErrorState": false,
        "workflowInRetry": false,
        "lastMessageUnread": null,
        "ShippingEstimatedDate": null,
        "ShippingEstimatedDateMax": null,
        "ShippingEstimatedDateMin": null,
        "orderIsComplete": true,
        "listId": null,
        "listType": null,
        "authorizedDate": o.authorized.map(iso),
        "callCenterOperatorName": null,
        "totalItems": o.items.len(),
        "currencyCode": "BRL",
    })
}

/// The OpenAPI's statistics block of `values`; `facets` nests one more level.
fn summary(values: &[i64], facets: Value) -> Value {
    let count = values.len() as i64;
    let sum: i64 = values.iter().sum();
    let squares: i64 = values.iter().map(|v| v.saturating_mul(*v)).sum();
    let mean = if count == 0 {
        0.0
    } else {
        sum as f64 / count as f64
    };
    let variance = if count == 0 {
        0.0
    } else {
        (squares as f64 / count as f64 - mean * mean).max(0.0)
    };
    json!({
        "Count": count,
        "Max": values.iter().max().copied().unwrap_or(0),
        "Mean": mean.round() as i64,
        "Min": values.iter().min().copied().unwrap_or(0),
        "Missing": 0,
        "StdDev": variance.sqrt().round() as i64,
        "Sum": sum,
        "SumOfSquares": squares,
        "Facets": facets,
    })
}

fn stats(values: &[i64]) -> Value {
    let facets = json!({
        "origin": { "Fulfillment": summary(&[], Value::Null), "Marketplace": summary(values, Value::Null) },
        "currencyCode": { "BRL": summary(values, Value::Null) },
    });
    summary(values, facets)
}

/// The handler.
pub async fn list(State(oms): State<Arc<Oms>>, tenant: Tenant, uri: Uri) -> Response {
    let (per_page, page) = match (
        number(&uri, "per_page", 15, MAX_PER_PAGE),
        number(&uri, "page", 1, MAX_PAGE),
    ) {
        (Ok(per_page), Ok(page)) => (per_page, page),
        (Err(m), _) | (_, Err(m)) => return bad(m),
    };
    let statuses: Option<Vec<String>> =
        query_value(&uri, "f_status").map(|s| s.split(',').map(|x| x.trim().to_owned()).collect());
    let range = match query_value(&uri, "f_creationDate") {
        None => None,
        Some(raw) => match creation_range(&raw) {
            Some(r) => Some(r),
            None => {
                return bad(
                    "f_creationDate must be creationDate:[FROM TO TO] with ISO 8601 dates".into(),
                );
            }
        },
    };
    let order_by = query_value(&uri, "orderBy").unwrap_or_else(|| "creationDate,desc".into());
    let Some((field, direction)) = order_by.split_once(',') else {
        return bad("orderBy must be FIELD,asc or FIELD,desc".into());
    };
    if !matches!(direction, "asc" | "desc")
        || !matches!(field, "creationDate" | "orderId" | "totalValue")
    {
        return bad(format!("orderBy {order_by:?} is not one VTEX lists"));
    }
    let mut found: Vec<SimOrder> = oms.engine.with(|i| {
        i.orders
            .iter()
            .filter(|((a, _), _)| *a == tenant.account)
            .map(|(_, o)| o)
            .filter(|o| o.status.is_some())
            .filter(|o| {
                statuses.as_ref().is_none_or(|list| {
                    o.status
                        .is_some_and(|s| list.iter().any(|x| x == s.as_str()))
                })
            })
            .filter(|o| range.is_none_or(|(from, to)| (from..=to).contains(&o.creation)))
            .cloned()
            .collect()
    });
    found.sort_by(|a, b| match field {
        "orderId" => a.order_id.cmp(&b.order_id),
        "totalValue" => a.value().cmp(&b.value()),
        _ => (a.creation, a.sequence).cmp(&(b.creation, b.sequence)),
    });
    if direction == "desc" {
        found.reverse();
    }
    let total = found.len();
    let values: Vec<i64> = found.iter().map(SimOrder::value).collect();
    let items: Vec<i64> = found.iter().map(|o| o.items.len() as i64).collect();
    let list: Vec<Value> = found
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(entry)
        .collect();
    Json(json!({
        "list": list,
        "facets": [],
        "paging": {
            "total": total,
            "pages": total.div_ceil(per_page),
            "currentPage": page,
            "perPage": per_page,
        },
        "stats": { "stats": { "totalValue": stats(&values), "totalItems": stats(&items) } },
    }))
    .into_response()
}
