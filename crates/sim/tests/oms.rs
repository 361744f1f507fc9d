//! The simulated OMS over real HTTP: the workflow with its timers and the clock, every refusal
//! of §A.10 with VTEX's status and body, two-step cancellation, partial and return
//! invoices, tracking, changes v1, restarts, faults and the shopper load.

mod common;

use common::{Reply, call, client, send, stop, temp_dir};
use ponte_sim::vtex::oms::OmsConfig;
use ponte_sim::{Sim, SimConfig};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const WINDOW_MS: i64 = 1_800_000;

fn fast() -> OmsConfig {
    OmsConfig {
        auto_step_ms: 5,
        start_handling_confirm_ms: 5,
        cancel_confirm_ms: 5,
        settlement_ms: 5,
        tick_ms: 5,
        ..OmsConfig::default()
    }
}

async fn start_with(dir: &Path, oms: OmsConfig) -> Sim {
    let mut config = SimConfig::new(dir);
    config.oms = oms;
    Sim::start(config)
        .await
        .unwrap_or_else(|e| panic!("the simulator did not start: {e}"))
}

struct T {
    c: Client,
    base: String,
}

impl T {
    fn new(sim: &Sim) -> T {
        T {
            c: client(),
            base: sim.url(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn req(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        call(&self.c, method, &self.url(path), body.as_ref()).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.req(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.req(Method::POST, path, Some(body)).await
    }

    /// Creates an order with the given `(sku, quantity, price)` lines; returns its id.
    async fn create(&self, items: &[(&str, u32, i64)], shipping: i64) -> String {
        let items: Vec<Value> = items
            .iter()
            .map(|(id, q, p)| json!({"id": id, "quantity": q, "price": p}))
            .collect();
        let r = self
            .post(
                "/_sim/oms/orders",
                json!({"items": items, "shippingValue": shipping}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["status"], "order-created");
        r.body["orderId"]
            .as_str()
            .unwrap_or_else(|| panic!("no orderId in {}", r.body))
            .to_owned()
    }

    async fn order(&self, id: &str) -> Value {
        let r = self.get(&format!("/api/oms/pvt/orders/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    }

    async fn status(&self, id: &str) -> String {
        self.order(id).await["status"]
            .as_str()
            .unwrap_or("null")
            .to_owned()
    }

    async fn wait_status(&self, id: &str, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let order = self.order(id).await;
            if order["status"] == status {
                return order;
            }
            assert!(
                Instant::now() < deadline,
                "order {id} stuck in {} waiting for {status}",
                order["status"]
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn advance(&self, ms: i64) -> Value {
        let r = self.post("/_sim/clock/advance", json!({ "ms": ms })).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    }

    /// An order in `ready-for-handling`.
    async fn ready(&self, items: &[(&str, u32, i64)], shipping: i64) -> String {
        let id = self.create(items, shipping).await;
        self.wait_status(&id, "window-to-cancel").await;
        self.advance(WINDOW_MS).await;
        assert_eq!(self.status(&id).await, "ready-for-handling");
        id
    }

    /// An order in `handling`.
    async fn handling(&self, items: &[(&str, u32, i64)], shipping: i64) -> String {
        let id = self.ready(items, shipping).await;
        let r = self.action(&id, "start-handling", json!(null)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        self.wait_status(&id, "handling").await;
        id
    }

    async fn action(&self, id: &str, action: &str, body: Value) -> Reply {
        let path = format!("/api/oms/pvt/orders/{id}/{action}");
        if body.is_null() {
            self.req(Method::POST, &path, None).await
        } else {
            self.post(&path, body).await
        }
    }

    /// An invoice of one line: `(item id, price, quantity)`.
    async fn invoice_line(
        &self,
        id: &str,
        kind: &str,
        number: &str,
        value: i64,
        (item, price, quantity): (&str, i64, i64),
    ) -> Reply {
        let items = json!([{"id": item, "price": price, "quantity": quantity}]);
        self.invoice(id, kind, number, value, items).await
    }

    async fn invoice(&self, id: &str, kind: &str, number: &str, value: i64, items: Value) -> Reply {
        self.action(
            id,
            "invoice",
            json!({
                "type": kind,
                "issuanceDate": "2024-01-31T18:25:43-05:00",
                "invoiceNumber": number,
                "invoiceValue": value.to_string(),
                "invoiceKey": null,
                "invoiceUrl": null,
                "embeddedInvoice": null,
                "courier": "",
                "trackingNumber": "",
                "trackingUrl": "",
                "dispatchedDate": null,
                "items": items
            }),
        )
        .await
    }

    async fn stats(&self) -> Value {
        let r = self.get("/_sim/oms/stats?account=ponte").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    }
}

/// An OMS error answer: `status` and `{"error": {"code", "message", "exception": null}}`.
trait OmsError {
    fn oms_error(&self, status: StatusCode, code: &str);
}

impl OmsError for Reply {
    fn oms_error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
        assert!(self.body["error"]["message"].is_string(), "{}", self.body);
        assert!(self.body["error"]["exception"].is_null(), "{}", self.body);
    }
}

fn receipt(r: &Reply, id: &str) -> String {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["orderId"], id);
    let date = r.body["date"].as_str().unwrap_or_default();
    assert!(date.ends_with('Z') && date.len() == 28, "date {date}");
    let receipt = r.body["receipt"].as_str().unwrap_or_default().to_owned();
    assert_eq!(receipt.len(), 32, "{}", r.body);
    receipt
}

#[tokio::test]
async fn happy_path_through_the_clock_to_invoiced() {
    let dir = temp_dir();
    // A settlement slow enough to see `invoice` before `invoiced`.
    let config = OmsConfig {
        settlement_ms: 60_000,
        ..fast()
    };
    let sim = start_with(dir.path(), config).await;
    let t = T::new(&sim);
    let id = t.create(&[("7", 2, 1250), ("12", 1, 2000)], 990).await;
    assert_eq!(id, "v1000001pnt-01");
    let order = t.order(&id).await;
    assert_eq!(order["value"], 5490);
    assert_eq!(order["orderGroup"], "v1000001pnt");
    assert_eq!(order["sequence"], "1000001");
    assert_eq!(order["items"][0]["id"], "7");
    assert_eq!(order["items"][0]["seller"], "1");
    assert_eq!(order["items"][1]["sellingPrice"], 2000);
    let totals: Vec<(String, i64)> = order["totals"]
        .as_array()
        .unwrap_or_else(|| panic!("totals"))
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap_or("").to_owned(),
                t["value"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        totals,
        [
            ("Items".to_owned(), 4500),
            ("Discounts".to_owned(), 0),
            ("Shipping".to_owned(), 990),
            ("Tax".to_owned(), 0)
        ]
    );
    let created = order["creationDate"].as_str().unwrap_or_default();
    assert!(created.len() == 28 && created.ends_with('Z'), "{created}");

    // The automatic steps stop in the cancellation window until the clock passes it.
    let order = t.wait_status(&id, "window-to-cancel").await;
    assert!(order["authorizedDate"].is_string());
    assert_eq!(order["allowCancellation"], true);
    t.advance(WINDOW_MS - 60_000).await;
    assert_eq!(t.status(&id).await, "window-to-cancel");
    let clock = t.advance(60_000).await;
    assert!(clock["offsetMs"].as_i64().unwrap_or(0) >= WINDOW_MS);
    assert_eq!(t.status(&id).await, "ready-for-handling");

    let r = t.action(&id, "start-handling", json!(null)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    t.wait_status(&id, "handling").await;

    let r = t
        .invoice(
            &id,
            "Output",
            "NF-1",
            5490,
            json!([{"id": "7", "price": 1250, "quantity": 2}, {"id": "12", "price": 2000, "quantity": 1}]),
        )
        .await;
    receipt(&r, &id);
    assert_eq!(t.status(&id).await, "invoice");
    t.advance(60_000).await;
    let order = t.order(&id).await;
    assert_eq!(order["status"], "invoiced");
    assert!(order["invoicedDate"].is_string());
    assert_eq!(order["allowCancellation"], false);
    let package = &order["packageAttachment"]["packages"][0];
    assert_eq!(package["type"], "Output");
    assert_eq!(package["invoiceValue"], 5490);
    assert_eq!(package["items"][1]["itemIndex"], 1);

    let stats = t.stats().await;
    assert_eq!(stats["orders"], 1);
    assert_eq!(stats["byStatus"]["invoiced"], 1);
    assert_eq!(stats["refused"], 0);
    assert_eq!(
        stats["calls"]["POST /api/oms/pvt/orders/{orderId}/start-handling"]["accepted"],
        1
    );
    assert_eq!(stats["invoices"]["output"], 1);
    assert_eq!(stats["invoices"]["outputValue"], 5490);
    // 7 automatic steps, start-handling, handling, invoice, invoiced, + creation.
    assert_eq!(stats["statusChanges"], 12);
    let listed = t.get("/_sim/oms/orders?status=invoiced").await;
    assert_eq!(listed.body["orderIds"], json!([id]));
    let none = t.get("/_sim/oms/orders?status=handling").await;
    assert_eq!(none.body["orderIds"], json!([]));
    // The OMS's own transition log: the 12 changes in order, each dated as its status event,
    // the last one Get order's lastChange.
    let log = t.get("/_sim/oms/transitions").await;
    let moves = log.body["orders"][id.as_str()]
        .as_array()
        .unwrap_or_else(|| panic!("{}", log.body))
        .clone();
    let names: Vec<&str> = moves.iter().filter_map(|m| m["status"].as_str()).collect();
    assert_eq!(names.len(), 12, "{names:?}");
    assert_eq!(
        (names[0], &names[8..]),
        (
            "order-created",
            &["start-handling", "handling", "invoice", "invoiced"][..]
        )
    );
    let dates: Vec<&str> = moves.iter().filter_map(|m| m["at"].as_str()).collect();
    assert!(dates.windows(2).all(|w| w[0] < w[1]), "{dates:?}");
    assert_eq!(Some(dates[11]), order["lastChange"].as_str());

    // The OMS is played on the account's VTEX host too (through the proxy).
    let via_proxy = Client::builder()
        .proxy(reqwest::Proxy::http(sim.url()).unwrap_or_else(|e| panic!("{e}")))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let r = send(
        via_proxy
            .get(format!(
                "http://ponte.vtexcommercestable.com.br/api/oms/pvt/orders/{id}"
            ))
            .header("X-VTEX-API-AppKey", "k")
            .header("X-VTEX-API-AppToken", "t"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "invoiced");
    stop(sim).await;
}

#[tokio::test]
async fn every_refusal_of_the_validity_table() {
    let dir = temp_dir();
    let sim = start_with(dir.path(), fast()).await;
    let t = T::new(&sim);
    let items = json!([{"id": "1", "price": 1000, "quantity": 1}]);

    // Unknown order: 404 everywhere.
    t.get("/api/oms/pvt/orders/v999pnt-01")
        .await
        .oms_error(StatusCode::NOT_FOUND, "OMS001");
    for action in ["start-handling", "cancel", "changes"] {
        let r = t.action("v999pnt-01", action, json!({})).await;
        r.oms_error(StatusCode::NOT_FOUND, "OMS001");
    }
    let r = t
        .invoice("v999pnt-01", "Output", "NF", 1, items.clone())
        .await;
    r.oms_error(StatusCode::NOT_FOUND, "OMS001");

    // Before handling (window-to-cancel): start-handling 409 OMS003 with VTEX's exact body.
    let early = t.create(&[("1", 1, 1000)], 0).await;
    t.wait_status(&early, "window-to-cancel").await;
    let r = t.action(&early, "start-handling", json!(null)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.body,
        json!({"error": {"code": "OMS003", "message": "Order status should be ready-for-handling to perform this action", "exception": null}})
    );
    t.invoice(&early, "Output", "NF-0", 1000, items.clone())
        .await
        .oms_error(StatusCode::CONFLICT, "OMS004");
    let r = t
        .req(
            Method::PATCH,
            &format!("/api/oms/pvt/orders/{early}/invoice/NF-0"),
            Some(json!({"trackingNumber": "T1"})),
        )
        .await;
    r.oms_error(StatusCode::NOT_FOUND, "OMS006");
    let change =
        json!({"requestId": "c1", "reason": "r", "discountValue": 100, "incrementValue": 0});
    t.action(&early, "changes", change.clone())
        .await
        .oms_error(StatusCode::CONFLICT, "OMS004");

    // ready-for-handling: invoice refused (emulator default), naming the status it needs.
    let ready = t.ready(&[("1", 1, 1000)], 0).await;
    let r = t
        .invoice(&ready, "Output", "NF-1", 1000, items.clone())
        .await;
    r.oms_error(StatusCode::CONFLICT, "OMS004");
    assert_eq!(
        r.body["error"]["message"],
        "Order status should be handling to perform this action"
    );
    t.action(&ready, "changes", change.clone())
        .await
        .oms_error(StatusCode::CONFLICT, "OMS004");

    // handling: start-handling again 409; a return before any invoice 409; payload errors 400.
    let h = t.handling(&[("1", 2, 1000)], 0).await;
    t.action(&h, "start-handling", json!(null))
        .await
        .oms_error(StatusCode::CONFLICT, "OMS003");
    let r = t.invoice(&h, "Input", "RET-1", 1000, items.clone()).await;
    r.oms_error(StatusCode::CONFLICT, "OMS004");
    assert_eq!(
        r.body["error"]["message"],
        "Order status should be invoiced to perform this action"
    );
    let mut bad = json!({"type": "Output", "issuanceDate": "2024-01-31T18:25:43Z", "invoiceNumber": "NF", "invoiceValue": "24.99", "items": items});
    t.action(&h, "invoice", bad.clone())
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS002");
    bad["invoiceValue"] = json!("2000");
    bad["items"] = json!([]);
    t.action(&h, "invoice", bad.clone())
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS002");
    bad["items"] = json!([{"id": "99", "price": 1000, "quantity": 1}]);
    t.action(&h, "invoice", bad.clone())
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS002");
    bad["items"] = json!([{"id": "1", "price": 1000, "quantity": 3}]);
    t.action(&h, "invoice", bad.clone())
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS008");
    bad["issuanceDate"] = json!("2024-01-31");
    t.action(&h, "invoice", bad.clone())
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS002");
    let r = t
        .req(
            Method::POST,
            &format!("/api/oms/pvt/orders/{h}/invoice"),
            None,
        )
        .await;
    r.oms_error(StatusCode::BAD_REQUEST, "OMS002");
    // Above the order value.
    t.invoice_line(&h, "Output", "NF-BIG", 2001, ("1", 1000, 2))
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS008");

    // Partially invoiced: cancel is 400 (documented).
    let r = t
        .invoice_line(&h, "Output", "NF-1", 1000, ("1", 1000, 1))
        .await;
    receipt(&r, &h);
    assert_eq!(t.status(&h).await, "invoice");
    t.action(&h, "cancel", json!({}))
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS005");
    t.action(&h, "start-handling", json!(null))
        .await
        .oms_error(StatusCode::CONFLICT, "OMS003");
    // A return invoice cannot reuse a sales number.
    t.invoice_line(&h, "Input", "NF-1", 500, ("1", 500, 1))
        .await
        .oms_error(StatusCode::CONFLICT, "OMS009");

    // Invoiced: no cancel (400), no Output, no change.
    let r = t
        .invoice_line(&h, "Output", "NF-2", 1000, ("1", 1000, 1))
        .await;
    receipt(&r, &h);
    t.wait_status(&h, "invoiced").await;
    t.action(&h, "cancel", json!({}))
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS005");
    t.invoice_line(&h, "Output", "NF-3", 1, ("1", 1, 1))
        .await
        .oms_error(StatusCode::CONFLICT, "OMS004");
    t.action(&h, "changes", change.clone())
        .await
        .oms_error(StatusCode::CONFLICT, "OMS004");

    // Canceled: everything refused, nothing changes.
    let c = t.create(&[("1", 1, 1000)], 0).await;
    t.wait_status(&c, "window-to-cancel").await;
    receipt(&t.action(&c, "cancel", json!({"reason": "r"})).await, &c);
    t.wait_status(&c, "canceled").await;
    t.action(&c, "cancel", json!({}))
        .await
        .oms_error(StatusCode::CONFLICT, "OMS004");
    t.action(&c, "start-handling", json!(null))
        .await
        .oms_error(StatusCode::CONFLICT, "OMS003");
    t.invoice(&c, "Output", "NF-1", 1000, items.clone())
        .await
        .oms_error(StatusCode::CONFLICT, "OMS004");
    t.action(&c, "changes", change)
        .await
        .oms_error(StatusCode::CONFLICT, "OMS004");
    let canceled = t.order(&c).await;
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["cancellationData"]["Reason"], "r");

    // Incomplete (status null): no workflow.
    let r = t
        .post(
            "/_sim/oms/orders",
            json!({"items": [{"id": "1", "quantity": 1, "price": 10}], "incomplete": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(r.body["status"].is_null());
    let inc = r.body["orderId"].as_str().unwrap_or_default().to_owned();
    t.action(&inc, "start-handling", json!(null))
        .await
        .oms_error(StatusCode::CONFLICT, "OMS003");
    t.action(&inc, "cancel", json!({}))
        .await
        .oms_error(StatusCode::CONFLICT, "OMS004");

    // Every refusal above was counted per endpoint and code, none as accepted.
    let stats = t.stats().await;
    let start = &stats["calls"]["POST /api/oms/pvt/orders/{orderId}/start-handling"];
    assert_eq!(start["refused"]["OMS003"], 5);
    assert_eq!(start["refused"]["OMS001"], 1);
    let invoice = &stats["calls"]["POST /api/oms/pvt/orders/{orderId}/invoice"];
    assert_eq!(invoice["refused"]["OMS002"], 5);
    assert_eq!(invoice["refused"]["OMS008"], 2);
    assert_eq!(invoice["accepted"], 2);
    assert_eq!(
        stats["calls"]["GET /api/oms/pvt/orders/{orderId}"]["refused"]["OMS001"],
        1
    );
    stop(sim).await;
}

#[tokio::test]
async fn two_step_cancellation_deny_and_the_thirty_day_timer() {
    let dir = temp_dir();
    // A payment module slow enough to see `cancel` before `canceled`.
    let config = OmsConfig {
        cancel_confirm_ms: 60_000,
        ..fast()
    };
    let sim = start_with(dir.path(), config).await;
    let t = T::new(&sim);

    // In the window a cancel is immediate: cancel → canceled.
    let w = t.create(&[("3", 1, 500)], 0).await;
    t.wait_status(&w, "window-to-cancel").await;
    receipt(&t.action(&w, "cancel", json!(null)).await, &w);
    assert_eq!(t.status(&w).await, "cancel");
    t.advance(60_000).await;
    assert_eq!(t.status(&w).await, "canceled");

    // In handling: first cancel requests, deny returns, a second request then a confirm.
    let h = t.handling(&[("3", 1, 500)], 0).await;
    receipt(
        &t.action(&h, "cancel", json!({"reason": "out of stock"}))
            .await,
        &h,
    );
    let order = t.order(&h).await;
    assert_eq!(order["status"], "cancellation-requested");
    let request = order["cancellationRequests"][0].clone();
    assert_eq!(request["reason"], "out of stock");
    assert_eq!(request["deniedBySeller"], false);
    let request_id = request["id"].as_str().unwrap_or_default().to_owned();
    let deny = format!("/api/orders/pvt/document/{h}/deny-cancellation-request");
    t.post(
        &deny,
        json!({"cancellationRequestId": "nope", "denyReason": "no"}),
    )
    .await
    .oms_error(StatusCode::BAD_REQUEST, "OMS010");
    t.post(&deny, json!({"cancellationRequestId": request_id}))
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS002");
    let r = t
        .post(
            &deny,
            json!({"cancellationRequestId": request_id, "denyReason": "already packed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.is_null());
    let order = t.order(&h).await;
    assert_eq!(order["status"], "handling");
    assert_eq!(order["cancellationRequests"][0]["deniedBySeller"], true);
    assert_eq!(
        order["cancellationRequests"][0]["deniedBySellerReason"],
        "already packed"
    );
    t.post(
        &deny,
        json!({"cancellationRequestId": request_id, "denyReason": "x"}),
    )
    .await
    .oms_error(StatusCode::BAD_REQUEST, "OMS010");
    receipt(&t.action(&h, "cancel", json!({})).await, &h);
    assert_eq!(t.status(&h).await, "cancellation-requested");
    receipt(&t.action(&h, "cancel", json!({})).await, &h);
    assert_eq!(t.status(&h).await, "cancel");
    t.advance(60_000).await;
    assert_eq!(t.status(&h).await, "canceled");

    // An invoice instead of the confirmation continues the order.
    let i = t.handling(&[("3", 1, 500)], 0).await;
    receipt(&t.action(&i, "cancel", json!({})).await, &i);
    let r = t
        .invoice_line(&i, "Output", "NF-1", 500, ("3", 500, 1))
        .await;
    receipt(&r, &i);
    t.wait_status(&i, "invoiced").await;

    // Nobody decides for 30 days: the platform cancels.
    let r30 = t.ready(&[("3", 1, 500)], 0).await;
    receipt(&t.action(&r30, "cancel", json!({})).await, &r30);
    assert_eq!(t.status(&r30).await, "cancellation-requested");
    t.advance(29 * 24 * 3600 * 1000).await;
    assert_eq!(t.status(&r30).await, "cancellation-requested");
    t.advance(24 * 3600 * 1000).await;
    assert_eq!(t.status(&r30).await, "cancel");
    t.advance(60_000).await;
    let order = t.order(&r30).await;
    assert_eq!(order["status"], "canceled");
    assert_eq!(order["cancellationData"]["RequestedBySystem"], true);

    // With twoStepCancel off the first cancel in handling is final.
    let r = t
        .req(
            Method::PUT,
            "/_sim/oms/config",
            Some(json!({"twoStepCancel": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["twoStepCancel"], false);
    assert_eq!(r.body["autoStepMs"], 5);
    let one = t.handling(&[("3", 1, 500)], 0).await;
    receipt(&t.action(&one, "cancel", json!({})).await, &one);
    assert_eq!(t.status(&one).await, "cancel");
    t.advance(60_000).await;
    assert_eq!(t.status(&one).await, "canceled");
    let bad = t
        .req(Method::PUT, "/_sim/oms/config", Some(json!({"tickMs": 0})))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unknown = t
        .req(Method::PUT, "/_sim/oms/config", Some(json!({"nope": 1})))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    stop(sim).await;
}

#[tokio::test]
async fn partial_invoices_returns_repeats_and_tracking() {
    let dir = temp_dir();
    let sim = start_with(dir.path(), fast()).await;
    let t = T::new(&sim);
    let h = t.handling(&[("5", 3, 1000), ("6", 1, 2500)], 500).await;
    // 3×1000 + 2500 + 500 = 6000.
    let first = t
        .invoice_line(&h, "Output", "NF-1", 2000, ("5", 1000, 2))
        .await;
    let first_receipt = receipt(&first, &h);
    assert_eq!(t.status(&h).await, "invoice");
    // A repeat answers a new receipt and changes nothing else.
    let again = t
        .invoice_line(&h, "Output", "NF-1", 2000, ("5", 1000, 2))
        .await;
    let second_receipt = receipt(&again, &h);
    assert_ne!(first_receipt, second_receipt);
    let order = t.order(&h).await;
    let packages = order["packageAttachment"]["packages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0]["receipt"], second_receipt.as_str());

    // Tracking: events need a tracking number first.
    let events = format!("/api/oms/pvt/orders/{h}/invoice/NF-1/tracking");
    let body = json!({"isDelivered": false, "deliveredDate": null, "events": [{"city": "Rio de Janeiro", "state": "RJ", "description": "Coletado", "date": "2015-06-23"}]});
    t.req(Method::PUT, &events, Some(body.clone()))
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS007");
    let patch = format!("/api/oms/pvt/orders/{h}/invoice/NF-1");
    t.req(
        Method::PATCH,
        &patch,
        Some(json!({"trackingUrl": "https://t.example/1"})),
    )
    .await
    .oms_error(StatusCode::BAD_REQUEST, "OMS002");
    let r = t
        .req(
            Method::PATCH,
            &patch,
            Some(json!({"trackingNumber": "TRK-1", "trackingUrl": "https://t.example/1", "courier": "Correios", "dispatchedDate": null})),
        )
        .await;
    receipt(&r, &h);
    receipt(&t.req(Method::PUT, &events, Some(body)).await, &h);
    t.req(Method::PUT, &events, Some(json!({"events": []})))
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS002");
    let r = t
        .req(
            Method::PUT,
            &events,
            Some(json!({"isDelivered": true, "deliveredDate": "2015-06-25 10:30", "events": []})),
        )
        .await;
    receipt(&r, &h);
    let order = t.order(&h).await;
    let p = &order["packageAttachment"]["packages"][0];
    assert_eq!(p["trackingNumber"], "TRK-1");
    assert_eq!(p["courier"], "Correios");
    assert_eq!(p["courierStatus"]["finished"], true);
    assert_eq!(p["courierStatus"]["deliveredDate"], "2015-06-25 10:30");
    assert_eq!(p["courierStatus"]["data"][0]["city"], "Rio de Janeiro");
    t.req(
        Method::PATCH,
        &format!("/api/oms/pvt/orders/{h}/invoice/NF-404"),
        Some(json!({"trackingNumber": "x"})),
    )
    .await
    .oms_error(StatusCode::NOT_FOUND, "OMS006");

    // A return on a partially invoiced order (§A.10) within what was invoiced.
    t.invoice_line(&h, "Input", "RET-1", 2001, ("5", 1000, 1))
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS008");

    // The rest in two invoices: the order becomes invoiced.
    receipt(
        &t.invoice_line(&h, "Output", "NF-2", 1500, ("5", 1000, 1))
            .await,
        &h,
    );
    assert_eq!(t.status(&h).await, "invoice");
    receipt(
        &t.invoice_line(&h, "Output", "NF-3", 2500, ("6", 2500, 1))
            .await,
        &h,
    );
    t.wait_status(&h, "invoiced").await;

    // Returns after invoiced: recorded with a refund, the status stays.
    let r = t
        .invoice_line(&h, "Input", "RET-1", 2500, ("6", 2500, 1))
        .await;
    receipt(&r, &h);
    t.invoice_line(&h, "Input", "RET-2", 100, ("6", 100, 1))
        .await
        .oms_error(StatusCode::BAD_REQUEST, "OMS008");
    let order = t.order(&h).await;
    assert_eq!(order["status"], "invoiced");
    let ret = &order["packageAttachment"]["packages"][3];
    assert_eq!(ret["type"], "Input");
    assert_eq!(ret["restitutions"]["Refund"]["value"], 2500);
    // Tracking still works on an invoiced order.
    let r = t
        .req(
            Method::PATCH,
            &format!("/api/oms/pvt/orders/{h}/invoice/NF-3"),
            Some(json!({"trackingNumber": "TRK-3"})),
        )
        .await;
    receipt(&r, &h);

    let stats = t.stats().await;
    assert_eq!(stats["invoices"]["output"], 3);
    assert_eq!(stats["invoices"]["input"], 1);
    assert_eq!(stats["invoices"]["repeats"], 1);
    assert_eq!(stats["invoices"]["outputValue"], 6000);

    // Reuse forbidden (the older spec).
    let r = t
        .req(
            Method::PUT,
            "/_sim/oms/config",
            Some(json!({"invoiceNumberReuse": "forbid"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    t.invoice_line(&h, "Output", "NF-3", 2500, ("6", 2500, 1))
        .await
        .oms_error(StatusCode::CONFLICT, "OMS009");
    stop(sim).await;
}

#[tokio::test]
async fn changes_v1_in_handling() {
    let dir = temp_dir();
    let sim = start_with(dir.path(), fast()).await;
    let t = T::new(&sim);
    let h = t.handling(&[("8", 2, 1000), ("9", 1, 3000)], 0).await;
    let change = json!({
        "requestId": "chg-1",
        "reason": "Stock shortage",
        "discountValue": 100,
        "incrementValue": 0,
        "itemsRemoved": [{"id": "8", "price": 1000, "quantity": 1}],
        "itemsAdded": [{"id": "10", "price": 700, "quantity": 1}]
    });
    let first = receipt(&t.action(&h, "changes", change.clone()).await, &h);
    let order = t.order(&h).await;
    // 5000 − 1000 − 100 + 700 = 4600.
    assert_eq!(order["value"], 4600);
    assert_eq!(order["items"][0]["quantity"], 1);
    assert_eq!(order["items"][2]["id"], "10");
    let data = &order["changesAttachment"]["changesData"][0];
    assert_eq!(data["reason"], "Stock shortage");
    assert_eq!(data["receipt"]["receipt"], first.as_str());
    // The same requestId again: same receipt, no second effect.
    let again = receipt(&t.action(&h, "changes", change).await, &h);
    assert_eq!(again, first);
    assert_eq!(t.order(&h).await["value"], 4600);

    for (body, message) in [
        (
            json!({"requestId": "c2", "reason": "", "discountValue": 1, "incrementValue": 0}),
            "Field reason not set",
        ),
        (
            json!({"requestId": "c3", "reason": "r", "discountValue": -1, "incrementValue": 0}),
            "The modification value needs to be greater or equal than zero",
        ),
        (
            json!({"requestId": "c4", "reason": "r", "discountValue": 0, "incrementValue": 0, "itemsRemoved": [{"id": "77", "price": 1, "quantity": 1}]}),
            "Invalid id for item",
        ),
        (
            json!({"requestId": "c5", "reason": "r", "discountValue": 0, "incrementValue": 0, "itemsRemoved": [{"id": "9", "price": 3000, "quantity": 2}]}),
            "Invalid quantity to remove from item 9",
        ),
        (
            json!({"requestId": "c6", "reason": "r", "discountValue": 999999, "incrementValue": 0}),
            "The value of the modification exceeds the order's price",
        ),
    ] {
        let r = t.action(&h, "changes", body).await;
        r.oms_error(StatusCode::BAD_REQUEST, "OMS011");
        assert_eq!(r.body["error"]["message"], message);
    }
    assert_eq!(t.order(&h).await["value"], 4600);
    // The changed value is what must be invoiced.
    let r = t
        .invoice(
            &h,
            "Output",
            "NF-1",
            4600,
            json!([{"id": "8", "price": 1000, "quantity": 1}, {"id": "9", "price": 3000, "quantity": 1}, {"id": "10", "price": 700, "quantity": 1}]),
        )
        .await;
    receipt(&r, &h);
    t.wait_status(&h, "invoiced").await;
    stop(sim).await;
}

#[tokio::test]
async fn a_restart_keeps_orders_timers_and_simulated_time() {
    let dir = temp_dir();
    let sim = start_with(dir.path(), fast()).await;
    let t = T::new(&sim);
    let h = t.handling(&[("2", 1, 100)], 0).await;
    receipt(&t.action(&h, "cancel", json!({})).await, &h);
    let waiting = t.create(&[("1", 1, 100)], 0).await;
    t.wait_status(&waiting, "window-to-cancel").await;
    t.advance(1_000_000).await;
    // Slow platform steps, so an order is mid-chain at the restart.
    let r = t
        .req(
            Method::PUT,
            "/_sim/oms/config",
            Some(json!({"autoStepMs": 60_000})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let slow = t.create(&[("3", 1, 100)], 0).await;
    stop(sim).await;

    let sim = start_with(dir.path(), fast()).await;
    let t = T::new(&sim);
    assert_eq!(t.status(&waiting).await, "window-to-cancel");
    assert_eq!(t.status(&h).await, "cancellation-requested");
    assert_eq!(t.status(&slow).await, "order-created");
    // The clock resumed at its offset: 800 more seconds end the window started before.
    let clock = t.advance(0).await;
    assert!(
        clock["offsetMs"].as_i64().unwrap_or(0) >= 1_000_000 + WINDOW_MS,
        "{clock}"
    );
    assert_eq!(t.status(&waiting).await, "window-to-cancel");
    t.advance(WINDOW_MS - 1_000_000).await;
    assert_eq!(t.status(&waiting).await, "ready-for-handling");
    // The pending step set before the restart (60 s) fires when its time comes.
    t.advance(60_000).await;
    assert_ne!(t.status(&slow).await, "order-created");
    // New orders continue the sequence.
    let next = t.create(&[("4", 1, 100)], 0).await;
    assert_eq!(next, "v1000004pnt-01");
    stop(sim).await;
}

#[tokio::test]
async fn injected_faults_change_nothing() {
    let dir = temp_dir();
    let sim = start_with(dir.path(), fast()).await;
    let t = T::new(&sim);
    let id = t.ready(&[("1", 1, 100)], 0).await;
    // Catalog faults alone do not touch the OMS.
    let r = t
        .req(Method::PUT, "/_sim/faults", Some(json!({"rate5xx": 1.0})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["oms"], false);
    assert_eq!(t.status(&id).await, "ready-for-handling");

    let r = t
        .req(
            Method::PUT,
            "/_sim/faults",
            Some(json!({"rate429": 1.0, "retryAfterSeconds": 3, "oms": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let faulted = client()
        .post(t.url(&format!("/api/oms/pvt/orders/{id}/start-handling")))
        .header("X-VTEX-API-AppKey", "k")
        .header("X-VTEX-API-AppToken", "t")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(faulted.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        faulted
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("3")
    );
    let r = t.action(&id, "cancel", json!({})).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // /_sim is never faulted.
    let stats = t.stats().await;
    assert!(
        stats["calls"]["POST /api/oms/pvt/orders/{orderId}/start-handling"].is_null(),
        "a faulted call is not an OMS answer: {stats}"
    );
    let r = t
        .req(
            Method::PUT,
            "/_sim/faults",
            Some(json!({"rate5xx": 1.0, "oms": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = t.action(&id, "start-handling", json!(null)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    // Counted per area: the OMS's faults apart from the others.
    let counted = t.get("/_sim/stats").await;
    assert_eq!(
        counted.body["faultsByArea"]["oms"]["5xx"], 1,
        "{}",
        counted.body
    );
    assert!(counted.body["faultsByArea"]["oms"]["429"].as_u64() >= Some(1));

    let r = t.req(Method::PUT, "/_sim/faults", Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK);
    let order = t.order(&id).await;
    assert_eq!(order["status"], "ready-for-handling");
    assert!(order["cancellationRequests"].is_null());
    let r = t.action(&id, "start-handling", json!(null)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    // The stats reset keeps the orders.
    let r = t.req(Method::DELETE, "/_sim/oms/stats", None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let stats = t.stats().await;
    assert_eq!(stats["orders"], 1);
    assert_eq!(stats["accepted"], 0);
    stop(sim).await;
}

async fn run_shoppers(t: &T, body: Value) -> Value {
    let r = t.post("/_sim/oms/shoppers", body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let run_id = r.body["runId"].as_str().unwrap_or_default().to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let p = t.get(&format!("/_sim/oms/shoppers/{run_id}")).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        if p.body["finished"] == true {
            return p.body;
        }
        assert!(Instant::now() < deadline, "run stuck: {}", p.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn shopper_load_is_deterministic_and_customers_cancel_in_the_window() {
    let params = json!({"account": "ponte", "orders": 60, "perSecond": 400, "seed": 7, "customerCancelRate": 0.25, "itemsMax": 4});
    let mut contents = Vec::new();
    for _ in 0..2 {
        let dir = temp_dir();
        let sim = start_with(dir.path(), fast()).await;
        let t = T::new(&sim);
        let run = run_shoppers(&t, params.clone()).await;
        assert_eq!(run["created"], 60);
        let planned = run["customerCancelsPlanned"].as_u64().unwrap_or(0);
        assert!((5..=30).contains(&planned), "{run}");
        // Let every order reach the window, then pass it.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let stats = t.stats().await;
            if stats["byStatus"]["window-to-cancel"] == 60 {
                break;
            }
            assert!(Instant::now() < deadline, "{stats}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        t.advance(WINDOW_MS).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let stats = loop {
            let stats = t.stats().await;
            if stats["byStatus"]["canceled"].as_u64() == Some(planned) {
                break stats;
            }
            assert!(Instant::now() < deadline, "{stats}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(
            stats["byStatus"]["ready-for-handling"].as_u64(),
            Some(60 - planned)
        );
        assert_eq!(stats["customerCancellations"].as_u64(), Some(planned));
        let ids = t.get("/_sim/oms/orders?status=canceled").await;
        let first = ids.body["orderIds"][0]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let canceled = t.order(&first).await;
        assert_eq!(canceled["cancellationData"]["RequestedByUser"], true);
        let mut values = Vec::new();
        for n in 1..=60u64 {
            let o = t.order(&format!("v{}pnt-01", 1_000_000 + n)).await;
            values.push((
                o["value"].clone(),
                o["items"].as_array().map_or(0, Vec::len),
            ));
        }
        contents.push(values);
        let bad = t.post("/_sim/oms/shoppers", json!({"orders": 0})).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let missing = t.get("/_sim/oms/shoppers/run-99").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        stop(sim).await;
    }
    assert_eq!(contents[0], contents[1]);
}

#[tokio::test]
async fn the_clock_only_moves_forward() {
    let dir = temp_dir();
    let sim = start_with(dir.path(), fast()).await;
    let t = T::new(&sim);
    let r = t.post("/_sim/clock/advance", json!({"ms": -5})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t.post("/_sim/clock/advance", json!({"seconds": 5})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let a = t.advance(1234).await;
    assert_eq!(a["offsetMs"], 1234);
    assert_eq!(sim.clock().offset_ms(), 1234);
    stop(sim).await;
}

#[tokio::test]
async fn list_orders_pages_filters_and_sorts_as_documented() {
    let dir = temp_dir();
    let sim = start_with(dir.path(), fast()).await;
    let t = T::new(&sim);
    let mut ids = Vec::new();
    for price in [300, 100, 200] {
        ids.push(t.create(&[("1", 1, price)], 0).await);
    }
    let all = t
        .get("/api/oms/pvt/orders?per_page=2&orderBy=orderId,asc")
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(
        all.body["paging"],
        json!({"total": 3, "pages": 2, "currentPage": 1, "perPage": 2})
    );
    let mut sorted = ids.clone();
    sorted.sort();
    let first: Vec<&str> = all.body["list"]
        .as_array()
        .map(|l| l.iter().filter_map(|o| o["orderId"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(first, sorted[..2].to_vec());
    let second = t
        .get("/api/oms/pvt/orders?per_page=2&page=2&orderBy=orderId,asc")
        .await;
    assert_eq!(second.body["list"][0]["orderId"], json!(sorted[2]));
    // By value, highest first; and a status filter that matches none.
    let by_value = t.get("/api/oms/pvt/orders?orderBy=totalValue,desc").await;
    assert_eq!(by_value.body["list"][0]["totalValue"], json!(300));
    let none = t
        .get("/api/oms/pvt/orders?f_status=invoiced,canceled")
        .await;
    assert_eq!(none.body["paging"]["total"], json!(0));
    let window = t
        .get("/api/oms/pvt/orders?f_creationDate=creationDate:[2000-01-01T00:00:00.000Z%20TO%202001-01-01T00:00:00.000Z]")
        .await;
    assert_eq!(window.body["paging"]["total"], json!(0), "{}", window.body);
    // VTEX's limits: 100 per page, 30 pages.
    for bad in ["per_page=101", "page=31", "orderBy=clientName,asc"] {
        let r = t.get(&format!("/api/oms/pvt/orders?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.body["error"]["code"], json!("OMS002"), "{bad}");
    }
    stop(sim).await;
}
