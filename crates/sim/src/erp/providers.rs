//! The ERP's side of the provider protocols (§G.2, §G.3): its store credit (500 gift cards)
//! and what it knows of its customers' risk, served on the ERP's host (`erp.ponte-sim.test`,
//! HTTPS through the proxy as [`super::orders`]) in the shape Ponte reads
//! (`node/clients/erpProviders.ts`):
//!
//! | Endpoint | Answer |
//! |---|---|
//! | `GET /giftcards?owner={profileId}` / `?code={redemptionCode}` | `[card]` |
//! | `GET /giftcards/{id}` | the card, or 404 |
//! | `GET /customers/risk?document=&email=` | the facts, or 404 for an unknown customer |
//!
//! VTEX has no say here: this is the ERP's own interface, and every value is this simulator's
//! choice, derived from the card's or the customer's number so that tests can name them:
//! - card `i` (0–499): id `erp-gc-{i:03}`, code `ERPGC{i:05}`, owner `shopper-{i % 100}` (five
//!   cards per shopper), balance `100_00 + (i × 7919 mod 400_00)` cents, BRL; every tenth card
//!   (`i % 10 == 9`) restricted to its owner; cards `i % 50 == 49` expired on 2026-01-01.
//! - customer documents `0000000000n` with the last digit `d`: 0–4 a clean regular
//!   (3 previous orders, known at postal code `01310100`), 5 blocked, 6 two overdue
//!   invoices, 7 a chargeback, 8 a first-time buyer, 9 unknown (404).

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::platform::http::query_value;

/// How many cards the ERP holds.
pub const CARDS: usize = 500;

/// Card `i` as the ERP serves it.
pub fn card(i: usize) -> Value {
    let balance = 10_000 + (i as i64 * 7919) % 40_000;
    json!({
        "id": format!("erp-gc-{i:03}"),
        "redemptionCode": format!("ERPGC{i:05}"),
        "balanceCents": balance,
        "currencyCode": "BRL",
        "ownerId": format!("shopper-{}", i % 100),
        "restrictedToOwner": i % 10 == 9,
        "multipleRedemptions": true,
        "multipleCredits": true,
        "emissionDate": "2025-01-01T00:00:00Z",
        "expiringDate": if i % 50 == 49 { "2026-01-01T00:00:00Z" } else { "2030-01-01T00:00:00Z" },
        "caption": "store credit",
    })
}

fn index_of(id: &str) -> Option<usize> {
    id.strip_prefix("erp-gc-")
        .filter(|n| n.len() == 3)
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|i| *i < CARDS)
}

async fn list(uri: Uri) -> Response {
    let cards: Vec<Value> = match (query_value(&uri, "owner"), query_value(&uri, "code")) {
        (Some(owner), _) => owner
            .strip_prefix("shopper-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < 100)
            .map(|n| (n..CARDS).step_by(100).map(card).collect())
            .unwrap_or_default(),
        (None, Some(code)) => code
            .strip_prefix("ERPGC")
            .filter(|n| n.len() == 5)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|i| *i < CARDS)
            .map(|i| vec![card(i)])
            .unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    axum::Json(cards).into_response()
}

async fn one(Path(id): Path<String>) -> Response {
    match index_of(&id) {
        Some(i) => axum::Json(card(i)).into_response(),
        None => not_found("no such card"),
    }
}

fn not_found(message: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"code": "NOT_FOUND", "message": message})),
    )
        .into_response()
}

/// The risk facts of the customer with `document` (see the module's table).
pub fn risk_facts(document: &str) -> Option<Value> {
    let digits: String = document.chars().filter(char::is_ascii_digit).collect();
    let last = digits.chars().last()?.to_digit(10)?;
    let mut facts = json!({
        "blocked": false, "overdueInvoices": 0, "chargebacks": 0, "previousOrders": 3,
        "document": digits, "postalCodes": ["01310100"],
    });
    match last {
        5 => facts["blocked"] = json!(true),
        6 => facts["overdueInvoices"] = json!(2),
        7 => facts["chargebacks"] = json!(1),
        8 => facts["previousOrders"] = json!(0),
        9 => return None,
        _ => {}
    }
    Some(facts)
}

async fn risk(uri: Uri) -> Response {
    match query_value(&uri, "document").and_then(|d| risk_facts(&d)) {
        Some(f) => axum::Json(f).into_response(),
        None => not_found("unknown customer"),
    }
}

/// HTTPS only, as the ERP's order routes ([`super::orders`]: a call without
/// `X-Vtex-Use-Https: true` would have left the proxy in clear text, with the ERP's token):
/// `403 {"code":"ERP_HTTPS_REQUIRED"}` **[sim's choice, as there]**.
pub(crate) async fn https_only(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let upgraded = request
        .headers()
        .get("x-vtex-use-https")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if upgraded {
        next.run(request).await
    } else {
        (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"code": "ERP_HTTPS_REQUIRED", "message": "the ERP takes HTTPS only (X-Vtex-Use-Https: true)"})),
        )
            .into_response()
    }
}

/// The routes on the ERP's host.
pub fn receiver_routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/giftcards", get(list))
        .route("/giftcards/{id}", get(one))
        .route("/customers/risk", get(risk))
        // Also under `/erp`, as the order routes (an `erpEndpoint` of `https://erp.ponte-sim.test/erp`).
        .route("/erp/giftcards", get(list))
        .route("/erp/giftcards/{id}", get(one))
        .route("/erp/customers/risk", get(risk))
        .layer(axum::middleware::from_fn(https_only))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_hundred_cards_five_per_shopper() {
        let all: Vec<Value> = (0..CARDS).map(card).collect();
        let mut ids: Vec<&str> = all.iter().filter_map(|c| c["id"].as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 500);
        assert_eq!(index_of("erp-gc-499"), Some(499));
        assert_eq!(index_of("erp-gc-500"), None);
        assert!(all.iter().all(|c| {
            c["balanceCents"]
                .as_i64()
                .is_some_and(|b| (10_000..50_000).contains(&b))
        }));
    }

    #[test]
    fn risk_by_last_digit() {
        assert_eq!(
            risk_facts("00000000005").map(|f| f["blocked"].clone()),
            Some(json!(true))
        );
        assert_eq!(
            risk_facts("000.000.000-06").map(|f| f["overdueInvoices"].clone()),
            Some(json!(2))
        );
        assert!(risk_facts("00000000009").is_none());
        assert!(risk_facts("").is_none());
    }
}
