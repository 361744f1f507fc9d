//! The ERP's credit ledger (`erp::credit`) over HTTP through the proxy, and the gateway's
//! answers when no connector is there.

mod common;

use common::{client, proxied, start, stop, temp_dir};
use reqwest::Client;
use serde_json::{Value, json};

const ERP: &str = "http://erp.ponte-sim.test/erp/credit";

async fn erp(c: &Client, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = c
        .request(method, format!("{ERP}{path}"))
        .header("x-vtex-use-https", "true");
    if let Some(b) = body {
        req = req.json(&b);
    }
    answer(req, path).await
}

/// `GET {ERP}{path}`.
async fn erp_get(c: &Client, path: &str) -> (u16, Value) {
    erp(c, reqwest::Method::GET, path, None).await
}

/// `POST {ERP}{path}` with `body`.
async fn erp_post(c: &Client, path: &str, body: Value) -> (u16, Value) {
    erp(c, reqwest::Method::POST, path, Some(body)).await
}

/// Sends `req` (to `path`): the status and the JSON answer (`Null` when there is none).
async fn answer(req: reqwest::RequestBuilder, path: &str) -> (u16, Value) {
    let resp = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Payment `P1` of order `o1`: 12.34 from buyer `C1`.
fn payment_p1() -> Value {
    json!({"orderId": "o1", "value": 1234, "buyer": {"document": "C1"}, "paymentId": "P1"})
}

/// `POST /_sim/gateway/transactions`: the gateway opens a transaction for `payment`.
async fn open_payment(sim: &ponte_sim::Sim, payment: Value) -> (u16, Value) {
    sim_json(
        sim,
        reqwest::Method::POST,
        "/_sim/gateway/transactions",
        Some(payment),
    )
    .await
}

async fn sim_json(
    sim: &ponte_sim::Sim,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client().request(method, format!("{}{path}", sim.url()));
    if let Some(b) = body {
        req = req.json(&b);
    }
    answer(req, path).await
}

#[tokio::test]
async fn holds_are_atomic_per_account_and_moves_idempotent() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);
    let (s, _) = sim_json(
        &sim,
        reqwest::Method::PUT,
        "/_sim/erp/credit/accounts/C1",
        Some(json!({"limit": 10_000, "unpaidInvoices": 2_500})),
    )
    .await;
    assert_eq!(s, 200);

    // HTTPS only, as the order endpoint.
    let resp = c
        .get(format!("{ERP}/accounts/C1"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status().as_u16(), 403);

    let (s, a) = erp_get(&c, "/accounts/C1?holdId=H1").await;
    assert_eq!(
        (
            s,
            a["limit"].clone(),
            a["unpaidInvoices"].clone(),
            a["existingHold"].clone()
        ),
        (200, json!(10_000), json!(2_500), Value::Null)
    );
    assert_eq!(erp_get(&c, "/accounts/NOPE").await.0, 404);

    // Twenty holds of 1,000 at once: exactly what the available 7,500 covers.
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                erp_post(
                    &c,
                    "/accounts/C1/holds",
                    json!({"holdId": format!("H{i}"), "value": 1_000}),
                )
                .await
                .0
            })
        })
        .collect();
    let mut granted = 0;
    for t in tasks {
        match t.await.unwrap_or(0) {
            201 => granted += 1,
            422 => {}
            other => panic!("hold answered {other}"),
        }
    }
    assert_eq!(granted, 7);
    let (_, a) = erp_get(&c, "/accounts/C1?holdId=H0").await;
    assert_eq!(a["openHolds"], json!(7_000));

    // The same live hold again is answered, never granted twice.
    let (_, view) = sim_json(
        &sim,
        reqwest::Method::GET,
        "/_sim/erp/credit/accounts/C1",
        None,
    )
    .await;
    let held: Vec<String> = view["holds"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(|x| x["holdId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(held.len(), 7);
    let id = held.first().cloned().unwrap_or_default();
    assert_eq!(
        erp_post(
            &c,
            "/accounts/C1/holds",
            json!({"holdId": id, "value": 1_000})
        )
        .await
        .0,
        200
    );

    // Capture within the hold, idempotent by requestId; beyond it refused.
    let cap = format!("/holds/{id}/captures");
    assert_eq!(
        erp_post(&c, &cap, json!({"requestId": "s1", "value": 600}))
            .await
            .0,
        200
    );
    let (_, again) = erp_post(&c, &cap, json!({"requestId": "s1", "value": 600})).await;
    assert_eq!(again["duplicate"], json!(true));
    assert_eq!(
        erp_post(&c, &cap, json!({"requestId": "s2", "value": 401}))
            .await
            .0,
        422
    );
    // A refund at most what was captured.
    let refund = format!("/holds/{id}/refunds");
    assert_eq!(
        erp_post(&c, &refund, json!({"requestId": "f1", "value": 601}))
            .await
            .0,
        422
    );
    assert_eq!(
        erp_post(&c, &refund, json!({"requestId": "f1", "value": 600}))
            .await
            .0,
        200
    );
    let (_, a) = erp_get(&c, "/accounts/C1").await;
    // 6 untouched holds + the 400 left of the captured one; the receivable was refunded.
    assert_eq!(a["openHolds"], json!(6_400));
    assert_eq!(a["unpaidInvoices"], json!(2_500));

    // A release before any hold leaves a tombstone: the late hold is refused.
    assert_eq!(
        erp_post(&c, "/holds/LATE/release", json!({"requestId": "c1"}))
            .await
            .0,
        200
    );
    assert_eq!(
        erp_post(
            &c,
            "/accounts/C1/holds",
            json!({"holdId": "LATE", "value": 1})
        )
        .await
        .0,
        409
    );

    // Outages and slowness are injectable.
    let (s, _) = sim_json(
        &sim,
        reqwest::Method::PUT,
        "/_sim/erp/credit/config",
        Some(json!({"down": true})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(erp_get(&c, "/accounts/C1").await.0, 503);
    stop(sim).await;
}

#[tokio::test]
async fn the_gateway_without_a_connector_keeps_the_payment_authorizing() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let (s, body) = open_payment(&sim, payment_p1()).await;
    assert_eq!(s, 200);
    // No service route: no answer, so the gateway retries on §G.1's cadence.
    assert_eq!(body["http"]["status"], json!(0));
    assert_eq!(body["transaction"]["status"], json!("authorizing"));
    assert!(body["transaction"]["nextRetryAt"].is_i64());
    let (s, _) = open_payment(
        &sim,
        json!({"orderId": "o1", "value": 1, "paymentId": "P1"}),
    )
    .await;
    assert_eq!(s, 409);
    stop(sim).await;
}

#[test]
fn retry_cadence_follows_delay_to_cancel() {
    use ponte_sim::vtex::gateway::{retry_cadence_ms, units};
    assert_eq!(retry_cadence_ms(600), 5 * 60_000);
    assert_eq!(retry_cadence_ms(3_600), 5 * 60_000);
    assert_eq!(retry_cadence_ms(3_601), 60 * 60_000);
    assert_eq!(retry_cadence_ms(86_399), 60 * 60_000);
    assert_eq!(retry_cadence_ms(86_400), 4 * 60 * 60_000);
    assert_eq!(units(12_345), json!(123.45));
    assert_eq!(units(1_200), json!(12));
}

#[tokio::test]
async fn the_gateway_takes_a_signed_callback_and_retries_the_create_at_once() {
    use ponte_sim::vtex::gateway::{Transaction, signature};
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let (_, body) = open_payment(&sim, payment_p1()).await;
    let tx: Transaction = serde_json::from_value(body["transaction"].clone())
        .unwrap_or_else(|e| panic!("transaction: {e}"));
    let url = |tid: &str, sig: &str| {
        format!(
            "http://ponte.vtexpayments.com.br/api/pvt/payment-provider/transactions/{tid}/payments/P1/callback?accountName=ponte&X-VTEX-signature={sig}"
        )
    };
    let c = proxied(&sim);
    let post = |url: String, body: Value, keys: bool| {
        let mut req = c.post(url).json(&body);
        if keys {
            req = req
                .header("x-vtex-api-appkey", "vtexappkey-ponte-GW")
                .header("x-vtex-api-apptoken", "token");
        }
        async move {
            let r = req.send().await.unwrap_or_else(|e| panic!("callback: {e}"));
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let good = signature(&tx);
    assert!(good.len() <= 32);
    let decided = json!({"paymentId": "P1", "status": "approved", "authorizationId": "A1"});
    // No VTEX credential: the /pvt/ path refuses it before the gateway.
    assert_eq!(
        post(url(&tx.transaction_id, &good), decided.clone(), false)
            .await
            .0,
        401
    );
    let (s, b) = post(url(&tx.transaction_id, "0000"), decided.clone(), true).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (401, Some("GATEWAY_CALLBACK_SIGNATURE"))
    );
    let (s, b) = post(url("T-OTHER", &good), decided.clone(), true).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (404, Some("GATEWAY_PAYMENT_UNKNOWN"))
    );
    let (s, b) = post(
        url(&tx.transaction_id, &good),
        json!({"paymentId": "P2", "status": "approved"}),
        true,
    )
    .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (400, Some("GATEWAY_CALLBACK_BODY"))
    );
    let (s, _) = post(url(&tx.transaction_id, &good), decided, true).await;
    assert_eq!(s, 200);
    // The callback decides nothing itself: the gateway retries the create (no connector here,
    // so the retry gets no answer and the payment stays authorizing).
    let mut creates = 0;
    for _ in 0..100 {
        let (_, t) = sim_json(
            &sim,
            reqwest::Method::GET,
            "/_sim/gateway/transactions/P1",
            None,
        )
        .await;
        creates = t["calls"].as_array().map_or(0, |c| c.len());
        if creates == 2 {
            assert_eq!(t["status"], json!("authorizing"));
            assert_eq!(t["approvals"], json!(0));
            let accepted: Vec<bool> = t["callbacks"]
                .as_array()
                .map(|l| l.iter().map(|c| c["accepted"] == json!(true)).collect())
                .unwrap_or_default();
            assert_eq!(accepted, [false, false, false, true]);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(creates, 2);
    stop(sim).await;
}
