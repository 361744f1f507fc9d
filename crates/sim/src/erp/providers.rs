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
//! | `POST /giftcards/{id}/postings` `{key, kind, valueCents}` | 201 recorded, 200 the same key again |
//!
//! The balance of record is the ERP's (§G.2 leaves the provider's books to the provider): a card
//! is served with its balance now (the initial one − settlements + refunds + credits posted to
//! it) and `postings`, the keys it recorded. Ponte posts each settlement, each refund (the part
//! of a cancellation that gives back settled value) and each credit once it holds it, keyed
//! `{transactionId}:{requestId}`; the ERP records a key once: the same key again answers 200
//! with the first record (`replayed: true`), the same key with other content 409
//! `ERP_POSTING_CONFLICT`, a settlement above the balance 422 `ERP_BALANCE_INSUFFICIENT`;
//! neither changes anything. `kind` is `settlement`, `refund` or `credit`.
//!
//! Simulator host: `GET /_sim/erp/giftcards` (every card touched, every posting with how many
//! times it was received, the counters), `PUT /_sim/erp/giftcards/config {loseAnswers}` (the
//! next `loseAnswers` postings are recorded and then answered 503, as an answer lost on the
//! way back), `DELETE /_sim/erp/giftcards` forgets the postings. **[sim's limits]** the
//! postings live in memory (the ERP is not the process the tests kill).
//!
//! VTEX has no say here: this is the ERP's own interface, and every value is this simulator's
//! choice, derived from the card's or the customer's number so that tests can name them:
//! - card `i` (0–499): id `erp-gc-{i:03}`, code `ERPGC{i:05}`, owner `shopper-{i % 100}` (five
//!   cards per shopper), balance `100_00 + (i × 7919 mod 400_00)` cents, BRL; every tenth card
//!   (`i % 10 == 9`) restricted to its owner; cards `i % 50 == 49` expired on 2026-01-01.
//! - customer documents `0000000000n` with the last digit `d`: 0–4 a clean regular
//!   (3 previous orders, known at postal code `01310100`), 5 blocked, 6 two overdue
//!   invoices, 7 a chargeback, 8 a first-time buyer, 9 unknown (404).

use crate::platform::lock;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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

/// What a posting does to a card's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PostingKind {
    Settlement,
    Refund,
    Credit,
}

/// A posting as Ponte sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostingRequest {
    pub key: String,
    pub kind: PostingKind,
    pub value_cents: i64,
}

/// A posting as the ERP records it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Posting {
    pub card_id: String,
    pub key: String,
    pub kind: PostingKind,
    pub value_cents: i64,
    /// How many times it was received (1 recorded, the rest answered as replays).
    pub received: u32,
}

/// The ERP's counters.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostingCounters {
    pub recorded: u32,
    pub replayed: u32,
    pub conflicts: u32,
    pub refused_short: u32,
    pub answers_lost: u32,
}

#[derive(Debug, Default)]
struct Books {
    /// Per card, its postings in the order recorded.
    postings: BTreeMap<String, Vec<Posting>>,
    counters: PostingCounters,
    lose_answers: u32,
}

impl Books {
    /// Card `id`'s postings in the order recorded (none yet: empty).
    fn of(&self, id: &str) -> &[Posting] {
        self.postings.get(id).map(Vec::as_slice).unwrap_or_default()
    }
}

/// The ERP's gift card books: the postings Ponte made, per card.
#[derive(Debug, Default)]
pub struct ErpCards {
    books: Mutex<Books>,
}

impl ErpCards {
    pub fn new() -> Arc<ErpCards> {
        Arc::new(ErpCards::default())
    }

    /// Card `i` with its balance now and the keys it recorded.
    fn card_now(&self, i: usize) -> Value {
        let mut c = card(i);
        let id = c["id"].as_str().unwrap_or_default().to_owned();
        let books = lock(&self.books);
        let mine = books.of(&id);
        let initial = c["balanceCents"].as_i64().unwrap_or(0);
        c["balanceCents"] = json!(balance_after(initial, mine));
        c["postings"] = json!(mine.iter().map(|p| p.key.as_str()).collect::<Vec<_>>());
        c
    }

    /// Records `p` on card `i` (see the module's rules).
    fn post(&self, i: usize, p: &PostingRequest) -> (StatusCode, Value) {
        let initial = card(i)["balanceCents"].as_i64().unwrap_or(0);
        let id = format!("erp-gc-{i:03}");
        let mut books = lock(&self.books);
        let balance = balance_after(initial, books.of(&id));
        if let Some(found) = books
            .postings
            .get_mut(&id)
            .and_then(|l| l.iter_mut().find(|x| x.key == p.key))
        {
            if found.kind != p.kind || found.value_cents != p.value_cents {
                books.counters.conflicts += 1;
                return (
                    StatusCode::CONFLICT,
                    json!({"code": "ERP_POSTING_CONFLICT", "message": "this key was posted with other content"}),
                );
            }
            found.received += 1;
            let answer = json!({"key": p.key, "replayed": true, "balanceCents": balance});
            books.counters.replayed += 1;
            return (StatusCode::OK, answer);
        }
        if p.value_cents <= 0 || p.key.is_empty() {
            return (
                StatusCode::BAD_REQUEST,
                json!({"code": "ERP_POSTING_INVALID", "message": "a posting has a key and a positive value"}),
            );
        }
        if p.kind == PostingKind::Settlement && p.value_cents > balance {
            books.counters.refused_short += 1;
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"code": "ERP_BALANCE_INSUFFICIENT", "message": "the settlement is above the card's balance"}),
            );
        }
        books.postings.entry(id.clone()).or_default().push(Posting {
            card_id: id.clone(),
            key: p.key.clone(),
            kind: p.kind,
            value_cents: p.value_cents,
            received: 1,
        });
        books.counters.recorded += 1;
        let after = balance_after(initial, books.of(&id));
        if books.lose_answers > 0 {
            books.lose_answers -= 1;
            books.counters.answers_lost += 1;
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"code": "ERP_ANSWER_LOST", "message": "recorded; the answer was lost"}),
            );
        }
        (
            StatusCode::CREATED,
            json!({"key": p.key, "replayed": false, "balanceCents": after}),
        )
    }
}

/// `initial` − settlements + refunds + credits.
pub fn balance_after(initial: i64, postings: &[Posting]) -> i64 {
    postings.iter().fold(initial, |b, p| match p.kind {
        PostingKind::Settlement => b - p.value_cents,
        PostingKind::Refund | PostingKind::Credit => b + p.value_cents,
    })
}

fn index_of(id: &str) -> Option<usize> {
    id.strip_prefix("erp-gc-")
        .filter(|n| n.len() == 3)
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|i| *i < CARDS)
}

async fn list(State(erp): State<Arc<ErpCards>>, uri: Uri) -> Response {
    let indexes: Vec<usize> = match (query_value(&uri, "owner"), query_value(&uri, "code")) {
        (Some(owner), _) => owner
            .strip_prefix("shopper-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < 100)
            .map(|n| (n..CARDS).step_by(100).collect())
            .unwrap_or_default(),
        (None, Some(code)) => code
            .strip_prefix("ERPGC")
            .filter(|n| n.len() == 5)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|i| *i < CARDS)
            .map(|i| vec![i])
            .unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    let cards: Vec<Value> = indexes.into_iter().map(|i| erp.card_now(i)).collect();
    axum::Json(cards).into_response()
}

async fn one(State(erp): State<Arc<ErpCards>>, Path(id): Path<String>) -> Response {
    match index_of(&id) {
        Some(i) => axum::Json(erp.card_now(i)).into_response(),
        None => not_found("no such card"),
    }
}

async fn post_posting(
    State(erp): State<Arc<ErpCards>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some(i) = index_of(&id) else {
        return not_found("no such card");
    };
    let Ok(p) = serde_json::from_slice::<PostingRequest>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({"code": "ERP_POSTING_INVALID", "message": "{key, kind, valueCents}"}),
            ),
        )
            .into_response();
    };
    let (status, answer) = erp.post(i, &p);
    (status, axum::Json(answer)).into_response()
}

async fn sim_books(State(erp): State<Arc<ErpCards>>) -> Response {
    let ids: Vec<String> = lock(&erp.books).postings.keys().cloned().collect();
    let cards: Vec<Value> = ids
        .iter()
        .filter_map(|id| index_of(id))
        .map(|i| {
            let now = erp.card_now(i);
            json!({"id": now["id"], "initialCents": card(i)["balanceCents"], "balanceCents": now["balanceCents"]})
        })
        .collect();
    let books = lock(&erp.books);
    let postings: Vec<&Posting> = books.postings.values().flatten().collect();
    axum::Json(json!({"cards": cards, "postings": postings, "counters": books.counters}))
        .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BooksConfig {
    #[serde(default)]
    lose_answers: u32,
}

async fn sim_config(
    State(erp): State<Arc<ErpCards>>,
    axum::Json(c): axum::Json<BooksConfig>,
) -> Response {
    lock(&erp.books).lose_answers = c.lose_answers;
    axum::Json(json!({"loseAnswers": c.lose_answers})).into_response()
}

async fn sim_reset(State(erp): State<Arc<ErpCards>>) -> Response {
    *lock(&erp.books) = Books::default();
    StatusCode::NO_CONTENT.into_response()
}

/// The simulator's view of the ERP's gift card books.
pub fn sim_routes() -> Router<Arc<ErpCards>> {
    Router::new()
        .route("/_sim/erp/giftcards", get(sim_books).delete(sim_reset))
        .route("/_sim/erp/giftcards/config", put(sim_config))
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
    if super::upgraded(request.headers()) {
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
pub fn receiver_routes() -> Router<Arc<ErpCards>> {
    Router::new()
        .route("/giftcards", get(list))
        .route("/giftcards/{id}", get(one))
        .route("/giftcards/{id}/postings", post(post_posting))
        .route("/customers/risk", get(risk))
        // Also under `/erp`, as the order routes (an `erpEndpoint` of `https://erp.ponte-sim.test/erp`).
        .route("/erp/giftcards", get(list))
        .route("/erp/giftcards/{id}", get(one))
        .route("/erp/giftcards/{id}/postings", post(post_posting))
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
    fn a_posting_is_recorded_once_and_moves_the_balance_of_record() {
        let erp = ErpCards::default();
        let start = card(3)["balanceCents"].as_i64().unwrap_or(0);
        let settle = PostingRequest {
            key: "t1:s1".into(),
            kind: PostingKind::Settlement,
            value_cents: 1_000,
        };
        assert_eq!(erp.post(3, &settle).0, StatusCode::CREATED);
        assert_eq!(erp.post(3, &settle).0, StatusCode::OK);
        assert_eq!(erp.card_now(3)["balanceCents"], json!(start - 1_000));
        assert_eq!(erp.card_now(3)["postings"], json!(["t1:s1"]));
        let other = PostingRequest {
            value_cents: 999,
            ..settle.clone()
        };
        assert_eq!(erp.post(3, &other).0, StatusCode::CONFLICT);
        let refund = PostingRequest {
            key: "t1:c1".into(),
            kind: PostingKind::Refund,
            value_cents: 400,
        };
        assert_eq!(erp.post(3, &refund).0, StatusCode::CREATED);
        assert_eq!(erp.card_now(3)["balanceCents"], json!(start - 600));
        let too_much = PostingRequest {
            key: "t2:s1".into(),
            kind: PostingKind::Settlement,
            value_cents: start,
        };
        assert_eq!(erp.post(3, &too_much).0, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(erp.card_now(3)["balanceCents"], json!(start - 600));
        let books = lock(&erp.books);
        assert_eq!(
            (
                books.counters.recorded,
                books.counters.replayed,
                books.counters.conflicts,
                books.counters.refused_short
            ),
            (2, 1, 1, 1)
        );
    }

    #[test]
    fn a_lost_answer_still_records() {
        let erp = ErpCards::default();
        lock(&erp.books).lose_answers = 1;
        let p = PostingRequest {
            key: "t1:s1".into(),
            kind: PostingKind::Settlement,
            value_cents: 100,
        };
        assert_eq!(erp.post(7, &p).0, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(erp.post(7, &p).0, StatusCode::OK);
        assert_eq!(erp.card_now(7)["postings"], json!(["t1:s1"]));
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
