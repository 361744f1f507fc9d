//! The ERP side of orders over real HTTP: the receiver (through the proxy, as the service
//! reaches it), its records, injected failures, the token, and the acting ERP against a small
//! axum server standing in for Ponte's GraphQL.

mod common;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::{Reply, client, get, put, send, serve, start, stop, temp_dir};
use ponte_sim::erp::orders::ErpOrdersConfig;
use ponte_sim::{Sim, SimConfig};
use reqwest::{Client, Method};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Order id, sequence, value, items (SKU, unit price, quantity).
type TestOrder<'a> = (&'a str, &'a str, i64, Vec<(&'a str, i64, u64)>);

const ERP_URL: &str = "http://erp.ponte-sim.test/erp/orders";

/// A client whose requests go through the simulator as their HTTP proxy (absolute-form), like
/// the service's, asking the proxy for HTTPS (`X-Vtex-Use-Https`) as the service does.
fn proxied(sim: &Sim) -> Client {
    proxied_with(sim, true)
}

fn proxied_with(sim: &Sim, use_https: bool) -> Client {
    let proxy = reqwest::Proxy::http(sim.url()).unwrap_or_else(|e| panic!("proxy: {e}"));
    let mut headers = reqwest::header::HeaderMap::new();
    if use_https {
        headers.insert(
            "x-vtex-use-https",
            reqwest::header::HeaderValue::from_static("true"),
        );
    }
    Client::builder()
        .proxy(proxy)
        .default_headers(headers)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

fn order_json(id: &str, seq: &str, value: i64, items: &[(&str, i64, u64)]) -> Value {
    json!({
        "orderId": id,
        "sequence": seq,
        "status": "ready-for-handling",
        "value": value,
        "items": items.iter().map(|(sku, price, q)| json!({"id": sku, "price": price, "quantity": q})).collect::<Vec<_>>(),
    })
}

fn handoff(id: &str, status: &str, order: Value) -> Value {
    json!({
        "deliveryId": format!("{id}:order"),
        "kind": "order",
        "orderId": id,
        "status": status,
        "previousStatus": "window-to-cancel",
        "changedAt": "2026-01-31T18:25:43.1234567Z",
        "order": order,
    })
}

fn status_note(id: &str, status: &str, changed_at: &str) -> Value {
    json!({
        "deliveryId": format!("{id}:status:{status}:{changed_at}"),
        "kind": "status",
        "orderId": id,
        "status": status,
        "previousStatus": "ready-for-handling",
        "changedAt": changed_at,
        "order": null,
    })
}

async fn deliver(http: &Client, body: &Value, token: Option<&str>) -> Reply {
    let id = body["deliveryId"].as_str().unwrap_or_default().to_owned();
    let mut req = http
        .post(ERP_URL)
        .header("x-ponte-delivery-id", id)
        .json(body);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    send(req).await
}

async fn stats(http: &Client, sim: &Sim) -> Value {
    let r = get(http, &format!("{}/_sim/erp/orders/stats", sim.url())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

async fn configure(http: &Client, sim: &Sim, body: Value) {
    let r = put(http, &format!("{}/_sim/erp/orders/config", sim.url()), body).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

#[tokio::test]
async fn the_erp_takes_https_only() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let order = order_json("1000-01", "1000", 100, &[("7", 100, 1)]);
    let body = handoff("1000-01", "ready-for-handling", order);
    // Through the proxy without X-Vtex-Use-Https: it would have gone out in clear text.
    let clear = deliver(&proxied_with(&sim, false), &body, None).await;
    assert_eq!(clear.status, StatusCode::FORBIDDEN, "{:?}", clear.body);
    assert_eq!(clear.body["code"], json!("ERP_HTTPS_REQUIRED"));
    let http = proxied(&sim);
    assert_eq!(stats(&http, &sim).await["posts"], json!(0));
    let upgraded = deliver(&http, &body, None).await;
    assert_eq!(upgraded.status, StatusCode::OK, "{:?}", upgraded.body);
    stop(sim).await;
}

#[tokio::test]
async fn handoffs_are_recorded_and_duplicates_counted() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    let plain = client();

    let order = order_json("1001-01", "1001", 5000, &[("7", 2500, 2)]);
    let first = deliver(
        &http,
        &handoff("1001-01", "ready-for-handling", order.clone()),
        None,
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["duplicate"], json!(false));
    assert_eq!(first.body["deliveryId"], json!("1001-01:order"));

    // The same delivery again (the service retried after a lost answer): a duplicate.
    let again = deliver(
        &http,
        &handoff("1001-01", "ready-for-handling", order.clone()),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["duplicate"], json!(true));
    // Another delivery id for the same order's hand-off: a duplicate hand-off too.
    let mut other = handoff("1001-01", "handling", order.clone());
    other["deliveryId"] = json!("1001-01:order:again");
    let other = deliver(&http, &other, None).await;
    assert_eq!(other.body["duplicate"], json!(true));

    // Status notifications: one twice, one once.
    let note = status_note("1001-01", "canceled", "2026-02-01T00:00:00.0000000Z");
    assert_eq!(
        deliver(&http, &note, None).await.body["duplicate"],
        json!(false)
    );
    assert_eq!(
        deliver(&http, &note, None).await.body["duplicate"],
        json!(true)
    );
    let note2 = status_note("1001-01", "handling", "2026-01-31T19:00:00.0000000Z");
    assert_eq!(
        deliver(&http, &note2, None).await.body["duplicate"],
        json!(false)
    );
    // A notification for an order never handed off is counted as such.
    let stray = status_note("2002-01", "invoiced", "2026-02-01T00:00:00.0000000Z");
    assert_eq!(deliver(&http, &stray, None).await.status, StatusCode::OK);

    let s = stats(&plain, &sim).await;
    assert_eq!(s["posts"], json!(7), "{s}");
    assert_eq!(s["handoffs"]["received"], json!(3), "{s}");
    assert_eq!(s["handoffs"]["orders"], json!(1), "{s}");
    assert_eq!(s["handoffs"]["duplicates"], json!(2), "{s}");
    assert_eq!(s["statusNotifications"]["received"], json!(4), "{s}");
    assert_eq!(s["statusNotifications"]["distinct"], json!(3), "{s}");
    assert_eq!(s["statusNotifications"]["duplicates"], json!(1), "{s}");
    assert_eq!(s["statusNotifications"]["withoutHandoff"], json!(1), "{s}");
    // The id `1001-01:order:again` is not of the contract's form.
    assert_eq!(s["deliveryIdMismatches"], json!(1), "{s}");
    // No GraphQL URL configured: the ERP only receives.
    assert_eq!(s["actor"]["planned"], json!(0), "{s}");

    let one = get(&plain, &format!("{}/_sim/erp/orders/1001-01", sim.url())).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["handoffs"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        one.body["order"], order,
        "the first hand-off's order is kept"
    );
    // The latest change by date, not by arrival.
    assert_eq!(one.body["lastStatus"], json!("canceled"));
    let unknown = get(&plain, &format!("{}/_sim/erp/orders/9-01", sim.url())).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["code"], json!("ERP_ORDER_UNKNOWN"));

    // The records survive a restart.
    stop(sim).await;
    let sim = start(dir.path(), None).await;
    let s = stats(&plain, &sim).await;
    assert_eq!(s["handoffs"]["duplicates"], json!(2), "{s}");
    assert_eq!(s["posts"], json!(7), "{s}");

    // DELETE forgets them.
    let r = send(plain.request(Method::DELETE, format!("{}/_sim/erp/orders", sim.url()))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let s = stats(&plain, &sim).await;
    assert_eq!(s["posts"], json!(0), "{s}");
    assert_eq!(s["handoffs"]["orders"], json!(0), "{s}");
    stop(sim).await;
}

#[tokio::test]
async fn bad_bodies_are_refused_and_not_recorded() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    for body in [
        json!({"kind": "order"}),
        json!({"deliveryId": "1-01:order", "kind": "order", "orderId": "1-01", "status": "ready-for-handling"}),
        json!({"deliveryId": "1-01:order", "kind": "invoice", "orderId": "1-01", "status": "x", "order": {}}),
        json!([]),
    ] {
        let r = send(http.post(ERP_URL).json(&body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.body["code"], json!("ERP_BODY_INVALID"), "{body}");
    }
    let r = send(
        http.post(ERP_URL)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(r.body["code"], json!("ERP_BODY_INVALID"));
    let s = stats(&client(), &sim).await;
    assert_eq!(s["posts"], json!(0), "{s}");
    assert_eq!(s["invalid"], json!(5), "{s}");
    stop(sim).await;
}

#[tokio::test]
async fn fail_rate_answers_503_without_recording() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    let plain = client();
    configure(&plain, &sim, json!({"failRate": 1.0})).await;
    let body = handoff(
        "3-01",
        "ready-for-handling",
        order_json("3-01", "3", 100, &[("1", 100, 1)]),
    );
    for _ in 0..3 {
        let r = deliver(&http, &body, None).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.body["code"], json!("ERP_UNAVAILABLE"));
    }
    let s = stats(&plain, &sim).await;
    assert_eq!(s["posts"], json!(0), "{s}");
    assert_eq!(s["handoffs"]["orders"], json!(0), "{s}");
    assert_eq!(s["injectedFailures"], json!(3), "{s}");
    let unknown = get(&plain, &format!("{}/_sim/erp/orders/3-01", sim.url())).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // A partial rate fails some, deterministically from the seed, and the retry gets through.
    configure(&plain, &sim, json!({"failRate": 0.5, "seed": 7})).await;
    let mut failed = 0;
    for _ in 0..40 {
        if deliver(&http, &body, None).await.status == StatusCode::SERVICE_UNAVAILABLE {
            failed += 1;
        }
    }
    assert!((8..=32).contains(&failed), "{failed} of 40 failed");
    let s = stats(&plain, &sim).await;
    assert_eq!(s["posts"], json!(40 - failed), "{s}");
    assert_eq!(s["handoffs"]["duplicates"], json!(40 - failed - 1), "{s}");

    // Latency: the answer waits.
    configure(&plain, &sim, json!({"failRate": 0.0, "latencyMs": 300})).await;
    let t = std::time::Instant::now();
    assert_eq!(deliver(&http, &body, None).await.status, StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(300));

    // A slow answer: recorded first, answered after slowMs; a sender that gives up sooner
    // finds it stored.
    configure(
        &plain,
        &sim,
        json!({"latencyMs": 0, "slowRate": 1.0, "slowMs": 5000}),
    )
    .await;
    let slow = handoff(
        "4-01",
        "ready-for-handling",
        order_json("4-01", "4", 100, &[("1", 100, 1)]),
    );
    let gave_up =
        tokio::time::timeout(Duration::from_millis(500), deliver(&http, &slow, None)).await;
    assert!(gave_up.is_err(), "answered before slowMs");
    let s = stats(&plain, &sim).await;
    assert_eq!(s["slowAnswers"], json!(1), "{s}");
    let kept = get(&plain, &format!("{}/_sim/erp/orders/4-01", sim.url())).await;
    assert_eq!(kept.status, StatusCode::OK, "stored before the slow answer");
    stop(sim).await;
}

#[tokio::test]
async fn the_token_is_checked_when_configured() {
    let dir = temp_dir();
    // Configured at start (as the CLI flags do).
    let mut config = SimConfig::new(dir.path());
    config.erp_orders = Some(ErpOrdersConfig {
        token: Some("s3cret".into()),
        ..ErpOrdersConfig::default()
    });
    let sim = Sim::start(config)
        .await
        .unwrap_or_else(|e| panic!("start: {e}"));
    let http = proxied(&sim);
    let body = handoff(
        "4-01",
        "ready-for-handling",
        order_json("4-01", "4", 100, &[("1", 100, 1)]),
    );
    let none = deliver(&http, &body, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.body["code"], json!("ERP_UNAUTHORIZED"));
    let wrong = deliver(&http, &body, Some("nope")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let right = deliver(&http, &body, Some("s3cret")).await;
    assert_eq!(right.status, StatusCode::OK, "{:?}", right.body);
    let s = stats(&client(), &sim).await;
    assert_eq!(s["posts"], json!(1), "{s}");
    assert_eq!(s["unauthorized"], json!(2), "{s}");

    // Switched off at run time.
    configure(&client(), &sim, json!({"token": null})).await;
    assert_eq!(deliver(&http, &body, None).await.status, StatusCode::OK);
    // An invalid configuration is refused with a code.
    let r = put(
        &client(),
        &format!("{}/_sim/erp/orders/config", sim.url()),
        json!({"cancelRate": 3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["code"], json!("ERP_CONFIG_INVALID"));
    stop(sim).await;
}

// ---------------------------------------------------------------------------------------------
// A stand-in for Ponte's GraphQL.

#[derive(Debug, Clone)]
struct FakeOrder {
    status: String,
    value: i64,
    invoiced: i64,
}

#[derive(Debug, Clone)]
struct Call {
    field: String,
    variables: Value,
    account: String,
    workspace: String,
    app_key: String,
}

#[derive(Debug, Default)]
struct Fake {
    orders: HashMap<String, FakeOrder>,
    calls: Vec<Call>,
    /// Requests answered 503 before any is served.
    fail_first: usize,
    /// `startHandling` leaves the order in `start-handling` for this many `order(id)` reads.
    start_polls: usize,
    pending_polls: HashMap<String, usize>,
    /// `invoiceOrder` requests that never get an answer (the caller gives up first).
    hang_invoices: usize,
    /// `startHandling` takes effect but answers 503 (an answer lost after the action).
    lose_start_answer: bool,
}

type FakeState = Arc<Mutex<Fake>>;

fn gql_error(field: &str, code: &str, extra: Value) -> Response {
    let mut ext = json!({"code": code});
    if let (Value::Object(e), Value::Object(x)) = (&mut ext, extra) {
        e.extend(x);
    }
    Json(json!({"data": {field: null}, "errors": [{"message": code, "extensions": ext}]}))
        .into_response()
}

fn result(order_id: &str, action: &str, expected: &str) -> Value {
    json!({"orderId": order_id, "action": action, "expectedStatus": expected, "receipt": "r", "date": "2026-01-31T00:00:00Z"})
}

async fn fake_graphql(
    State(state): State<FakeState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let hang = {
        let mut fake = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let query = body["query"].as_str().unwrap_or_default();
        let hang = fake.hang_invoices > 0 && query.contains("invoiceOrder(");
        if hang {
            fake.hang_invoices -= 1;
            fake.calls.push(Call {
                field: "invoiceOrder".into(),
                variables: body["variables"].clone(),
                account: h("x-vtex-account"),
                workspace: h("x-vtex-workspace"),
                app_key: h("x-vtex-api-appkey"),
            });
        }
        hang
    };
    if hang {
        tokio::time::sleep(Duration::from_secs(60)).await;
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let mut fake = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if fake.fail_first > 0 {
        fake.fail_first -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
    }
    let query = body["query"].as_str().unwrap_or_default();
    let vars = body["variables"].clone();
    let field = [
        "startHandling",
        "invoiceOrder",
        "cancelOrder",
        "updateTracking",
        "changeOrder",
    ]
    .into_iter()
    .find(|f| query.contains(&format!("{f}(")))
    .unwrap_or("order");
    fake.calls.push(Call {
        field: field.to_owned(),
        variables: vars.clone(),
        account: h("x-vtex-account"),
        workspace: h("x-vtex-workspace"),
        app_key: h("x-vtex-api-appkey"),
    });
    if h("x-vtex-api-apptoken") != "erp-token" || h("x-vtex-credential").is_empty() {
        return gql_error(field, "APP_KEY_INVALID", json!({}));
    }
    let id = vars["orderId"]
        .as_str()
        .or(vars["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let start_polls = fake.start_polls;
    let fake_lose_start = field == "startHandling" && std::mem::take(&mut fake.lose_start_answer);
    if field == "order" {
        let pending = fake.pending_polls.get(&id).copied().unwrap_or(0);
        if pending > 0 {
            fake.pending_polls.insert(id.clone(), pending - 1);
        }
        let Some(o) = fake.orders.get_mut(&id) else {
            return Json(json!({"data": {"order": null}})).into_response();
        };
        if o.status == "start-handling" && pending <= 1 {
            o.status = "handling".into();
        }
        return Json(json!({"data": {"order": {"orderId": id, "status": o.status, "value": o.value.to_string(), "invoicedValue": o.invoiced.to_string()}}}))
            .into_response();
    }
    let Some(o) = fake.orders.get_mut(&id) else {
        return gql_error(field, "ORDER_NOT_FOUND", json!({}));
    };
    let answer = match field {
        "startHandling" => {
            if matches!(o.status.as_str(), "start-handling" | "handling") {
                return gql_error(field, "ORDER_HANDLING_ALREADY_STARTED", json!({}));
            }
            if o.status != "ready-for-handling" {
                return gql_error(field, "ORDER_NOT_READY_FOR_HANDLING", json!({}));
            }
            if fake_lose_start {
                o.status = "handling".into();
                return gql_error(field, "OMS_UNAVAILABLE", json!({"status": 502}));
            }
            o.status = if start_polls > 0 {
                "start-handling".into()
            } else {
                "handling".into()
            };
            result(&id, field, &o.status.clone())
        }
        "cancelOrder" => {
            let next = match o.status.as_str() {
                "ready-for-handling" | "handling" => "cancellation-requested",
                "cancellation-requested" | "window-to-cancel" => "canceled",
                _ => {
                    return gql_error(
                        field,
                        "OMS_REFUSED",
                        json!({"status": 409, "oms": {"error": {"code": "OMS004", "message": "no", "exception": null}}}),
                    );
                }
            };
            o.status = next.into();
            result(&id, field, next)
        }
        "invoiceOrder" => {
            if !matches!(o.status.as_str(), "handling" | "invoice") {
                return gql_error(field, "ORDER_NOT_READY_FOR_INVOICE", json!({}));
            }
            let v: i64 = vars["invoice"]["invoiceValue"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(-1);
            if v <= 0 || o.invoiced + v > o.value {
                return gql_error(field, "INVOICE_EXCEEDS_REMAINING", json!({}));
            }
            o.invoiced += v;
            o.status = if o.invoiced == o.value {
                "invoiced".into()
            } else {
                "invoice".into()
            };
            result(&id, field, &o.status.clone())
        }
        "changeOrder" => {
            let d = vars["change"]["discountValue"].as_i64().unwrap_or(0);
            o.value -= d;
            result(&id, field, &o.status.clone())
        }
        _ => result(&id, field, &o.status.clone()),
    };
    if field == "startHandling" && start_polls > 0 {
        fake.pending_polls.insert(id, start_polls);
    }
    Json(json!({"data": {field: answer}})).into_response()
}

struct FakePonte {
    url: String,
    state: FakeState,
    task: tokio::task::JoinHandle<()>,
}

async fn fake_ponte(fake: Fake) -> FakePonte {
    let state: FakeState = Arc::new(Mutex::new(fake));
    let app = axum::Router::new()
        .route("/acme/dev/_v/graphql", axum::routing::post(fake_graphql))
        .with_state(state.clone());
    let (addr, task) = serve(app).await;
    FakePonte {
        url: format!("http://{addr}/acme/dev/_v/graphql"),
        state,
        task,
    }
}

impl FakePonte {
    fn add(&self, id: &str, status: &str, value: i64) {
        self.lock().orders.insert(
            id.to_owned(),
            FakeOrder {
                status: status.into(),
                value,
                invoiced: 0,
            },
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Fake> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn calls(&self, id: &str, field: &str) -> Vec<Call> {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.field == field && (c.variables["orderId"] == json!(id)))
            .cloned()
            .collect()
    }

    fn status(&self, id: &str) -> String {
        self.lock()
            .orders
            .get(id)
            .map(|o| o.status.clone())
            .unwrap_or_default()
    }
}

fn actor_config(url: &str) -> Value {
    json!({
        "graphqlUrls": [url],
        "appKey": "vtexappkey-acme-ERP",
        "appToken": "erp-token",
        "seed": 3,
        "startHandlingDelayMs": 10,
        "invoiceDelayMs": 10,
        "trackingDelayMs": 10,
        "cancelConfirmDelayMs": 10,
        "pollIntervalMs": 20,
        "handlingWaitMs": 5000,
        "retryBaseMs": 10,
        "partialInvoiceRate": 0.0,
        "cancelRate": 0.0,
        "trackingRate": 0.0,
        "changeRate": 0.0,
    })
}

async fn wait_finished(http: &Client, sim: &Sim, n: u64) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let s = stats(http, sim).await;
        if s["actor"]["finished"].as_u64() == Some(n) {
            return s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the actor did not finish {n} orders: {s}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_actor_invoices_in_parts_that_add_up_and_tracks() {
    let ponte = fake_ponte(Fake {
        fail_first: 2,
        start_polls: 3,
        ..Fake::default()
    })
    .await;
    let orders: [TestOrder; 4] = [
        // Items 2×1000 + 1×250 + shipping 749.
        (
            "5001-01",
            "5001",
            2999,
            vec![("11", 1000, 2), ("12", 250, 1)],
        ),
        ("5002-01", "5002", 9001, vec![("21", 3000, 3)]),
        (
            "5003-01",
            "5003",
            1234,
            vec![("31", 100, 1), ("32", 50, 4), ("33", 7, 9)],
        ),
        // One unit: cannot be split, invoiced at once.
        ("5004-01", "5004", 800, vec![("41", 800, 1)]),
    ];
    for (id, _, value, _) in &orders {
        ponte.add(id, "ready-for-handling", *value);
    }
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    let plain = client();
    let mut config = actor_config(&ponte.url);
    config["partialInvoiceRate"] = json!(1.0);
    config["trackingRate"] = json!(1.0);
    configure(&plain, &sim, config).await;

    for (id, seq, value, items) in &orders {
        let r = deliver(
            &http,
            &handoff(id, "ready-for-handling", order_json(id, seq, *value, items)),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let s = wait_finished(&plain, &sim, orders.len() as u64).await;
    assert_eq!(s["actor"]["byOutcome"], json!({"completed": 4}), "{s}");
    assert_eq!(s["actions"]["refusedByPonte"], json!({}), "{s}");
    assert_eq!(s["actions"]["errors"], json!(0), "{s}");
    assert_eq!(s["actions"]["omsRefused"], json!(0), "{s}");
    assert!(s["actions"]["retries"].as_u64() >= Some(2), "{s}");

    for (id, seq, value, items) in &orders {
        assert_eq!(ponte.status(id), "invoiced", "{id}");
        assert_eq!(ponte.calls(id, "startHandling").len(), 1, "{id}");
        let invoices: Vec<Value> = ponte
            .calls(id, "invoiceOrder")
            .into_iter()
            .map(|c| c.variables["invoice"].clone())
            .collect();
        let expected_parts = if *id == "5004-01" { 1 } else { 2 };
        assert_eq!(invoices.len(), expected_parts, "{id}: {invoices:?}");
        let total: i64 = invoices
            .iter()
            .map(|i| {
                i["invoiceValue"]
                    .as_str()
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(
            total, *value,
            "{id}: the invoices add up to the order value"
        );
        // Every unit of every item is invoiced exactly once.
        let mut units: HashMap<String, u64> = HashMap::new();
        for inv in &invoices {
            assert_eq!(inv["type"], json!("OUTPUT"));
            assert!(
                ponte_core::orders::Timestamp::parse(
                    inv["issuanceDate"].as_str().unwrap_or_default()
                )
                .is_some(),
                "{inv}"
            );
            for item in inv["items"].as_array().into_iter().flatten() {
                *units
                    .entry(item["id"].as_str().unwrap_or_default().to_owned())
                    .or_default() += item["quantity"].as_u64().unwrap_or(0);
            }
        }
        let wanted: HashMap<String, u64> = items
            .iter()
            .map(|(s, _, q)| ((*s).to_owned(), *q))
            .collect();
        assert_eq!(units, wanted, "{id}");
        let numbers: Vec<&str> = invoices
            .iter()
            .filter_map(|i| i["invoiceNumber"].as_str())
            .collect();
        let expected_numbers: Vec<String> = (1..=expected_parts)
            .map(|n| format!("NF-{seq}-{n}"))
            .collect();
        assert_eq!(numbers, expected_numbers, "{id}");
        // Tracking: a number, then delivered events, per invoice.
        let tracking = ponte.calls(id, "updateTracking");
        assert_eq!(tracking.len(), 2 * expected_parts, "{id}");
        assert!(tracking[0].variables["tracking"]["trackingNumber"].is_string());
        assert_eq!(tracking[1].variables["events"]["isDelivered"], json!(true));
    }
    // The headers of an ERP app key, tenant from the URL.
    let call = ponte.lock().calls.last().cloned();
    let call = call.unwrap_or_else(|| panic!("no call"));
    assert_eq!(
        (call.account.as_str(), call.workspace.as_str()),
        ("acme", "dev")
    );
    assert_eq!(call.app_key, "vtexappkey-acme-ERP");

    // What the ERP knows of one order.
    let one = get(&plain, &format!("{}/_sim/erp/orders/5001-01", sim.url())).await;
    assert_eq!(one.body["actor"]["outcome"], json!("completed"));
    assert_eq!(
        one.body["actor"]["steps"],
        json!([
            "start",
            "invoice:1",
            "invoice:2",
            "tracking:1",
            "events:1",
            "tracking:2",
            "events:2"
        ])
    );
    stop(sim).await;
    ponte.task.abort();
}

#[tokio::test]
async fn the_cancel_path_confirms_a_two_step_cancellation() {
    let ponte = fake_ponte(Fake::default()).await;
    // In ready-for-handling the OMS makes cancel two-step; in window-to-cancel it is one step.
    ponte.add("6001-01", "ready-for-handling", 1000);
    ponte.add("6002-01", "window-to-cancel", 1000);
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    let plain = client();
    let mut config = actor_config(&ponte.url);
    config["cancelRate"] = json!(1.0);
    configure(&plain, &sim, config).await;
    let order = |id: &str| order_json(id, "6", 1000, &[("1", 1000, 1)]);
    deliver(
        &http,
        &handoff("6001-01", "ready-for-handling", order("6001-01")),
        None,
    )
    .await;
    deliver(
        &http,
        &handoff("6002-01", "window-to-cancel", order("6002-01")),
        None,
    )
    .await;
    let s = wait_finished(&plain, &sim, 2).await;
    assert_eq!(s["actor"]["byOutcome"], json!({"canceled": 2}), "{s}");

    let two = ponte.calls("6001-01", "cancelOrder");
    assert_eq!(two.len(), 2, "request, then confirm: {two:?}");
    assert_eq!(two[0].variables["requestedByUser"], json!(false));
    assert_eq!(ponte.status("6001-01"), "canceled");
    assert_eq!(ponte.calls("6001-01", "startHandling").len(), 0);
    assert_eq!(ponte.calls("6002-01", "cancelOrder").len(), 1, "one step");
    assert_eq!(ponte.status("6002-01"), "canceled");
    assert_eq!(
        s["actions"]["byAction"]["cancelOrder"],
        json!({"attempted": 3, "succeeded": 3}),
        "{s}"
    );
    stop(sim).await;
    ponte.task.abort();
}

#[tokio::test]
async fn refusals_are_recorded_by_code_and_stop_the_order() {
    let ponte = fake_ponte(Fake::default()).await;
    // Handed off as ready-for-handling, but Ponte's view is payment-pending: start-handling
    // is refused before the OMS.
    ponte.add("7001-01", "payment-pending", 500);
    // The OMS refuses the cancel of an invoiced order.
    ponte.add("7002-01", "invoiced", 500);
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    let plain = client();
    let mut config = actor_config(&ponte.url);
    config["cancelRate"] = json!(0.0);
    configure(&plain, &sim, config).await;
    let order = |id: &str| order_json(id, "7", 500, &[("1", 500, 1)]);
    deliver(
        &http,
        &handoff("7001-01", "ready-for-handling", order("7001-01")),
        None,
    )
    .await;
    let s = wait_finished(&plain, &sim, 1).await;
    assert_eq!(
        s["actions"]["refusedByPonte"],
        json!({"ORDER_NOT_READY_FOR_HANDLING": 1}),
        "{s}"
    );
    assert_eq!(
        s["actor"]["byOutcome"],
        json!({"startHandling refused: ORDER_NOT_READY_FOR_HANDLING": 1}),
        "{s}"
    );
    assert_eq!(ponte.calls("7001-01", "invoiceOrder").len(), 0);

    configure(&plain, &sim, json!({"cancelRate": 1.0})).await;
    deliver(
        &http,
        &handoff("7002-01", "ready-for-handling", order("7002-01")),
        None,
    )
    .await;
    let s = wait_finished(&plain, &sim, 2).await;
    assert_eq!(s["actions"]["omsRefused"], json!(1), "{s}");
    let one = get(&plain, &format!("{}/_sim/erp/orders/7002-01", sim.url())).await;
    let action = &one.body["actor"]["actions"][0];
    assert_eq!(action["outcome"], json!("omsRefused"));
    assert_eq!(action["omsStatus"], json!(409));
    assert_eq!(
        action["oms"]["error"]["code"],
        json!("OMS004"),
        "the OMS body verbatim"
    );
    stop(sim).await;
    ponte.task.abort();
}

#[tokio::test]
async fn unfinished_work_resumes_after_a_restart() {
    let ponte = fake_ponte(Fake::default()).await;
    ponte.add("8001-01", "ready-for-handling", 400);
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    let plain = client();
    // A long delay: the restart comes before the first action.
    let mut config = actor_config(&ponte.url);
    config["startHandlingDelayMs"] = json!(60_000);
    configure(&plain, &sim, config).await;
    deliver(
        &http,
        &handoff(
            "8001-01",
            "ready-for-handling",
            order_json("8001-01", "8", 400, &[("1", 200, 2)]),
        ),
        None,
    )
    .await;
    let s = stats(&plain, &sim).await;
    assert_eq!(s["actor"]["running"], json!(1), "{s}");
    stop(sim).await;

    // On the same data directory with a short delay (flags replace the stored configuration).
    let mut restart = SimConfig::new(dir.path());
    let mut erp: ErpOrdersConfig =
        serde_json::from_value(actor_config(&ponte.url)).unwrap_or_else(|e| panic!("{e}"));
    erp.start_handling_delay_ms = 10;
    restart.erp_orders = Some(erp);
    let sim = Sim::start(restart)
        .await
        .unwrap_or_else(|e| panic!("restart: {e}"));
    let s = wait_finished(&plain, &sim, 1).await;
    assert_eq!(s["actor"]["byOutcome"], json!({"completed": 1}), "{s}");
    assert_eq!(ponte.status("8001-01"), "invoiced");
    assert_eq!(ponte.calls("8001-01", "startHandling").len(), 1);
    stop(sim).await;
    ponte.task.abort();
}

#[tokio::test]
async fn an_invoice_in_flight_at_a_restart_is_sent_again_identically() {
    let ponte = fake_ponte(Fake {
        hang_invoices: 1,
        ..Fake::default()
    })
    .await;
    ponte.add("9001-01", "ready-for-handling", 700);
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    let plain = client();
    configure(&plain, &sim, actor_config(&ponte.url)).await;
    let order = order_json("9001-01", "9", 700, &[("1", 350, 2)]);
    deliver(
        &http,
        &handoff("9001-01", "ready-for-handling", order),
        None,
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while ponte.calls("9001-01", "invoiceOrder").is_empty() {
        assert!(std::time::Instant::now() < deadline, "no invoice sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The simulator stops while the invoice has no answer; it resumes from redb (the stored
    // configuration).
    stop(sim).await;
    let sim = start(dir.path(), None).await;
    let s = wait_finished(&plain, &sim, 1).await;
    assert_eq!(s["actor"]["byOutcome"], json!({"completed": 1}), "{s}");
    let invoices = ponte.calls("9001-01", "invoiceOrder");
    assert_eq!(invoices.len(), 2, "{invoices:?}");
    assert_eq!(
        invoices[0].variables, invoices[1].variables,
        "the same invoice, issuanceDate included"
    );
    assert_eq!(
        ponte.calls("9001-01", "startHandling").len(),
        1,
        "a done step is not repeated"
    );
    stop(sim).await;
    ponte.task.abort();
}

#[tokio::test]
async fn a_start_whose_answer_was_lost_is_not_a_refusal() {
    let ponte = fake_ponte(Fake {
        lose_start_answer: true,
        ..Fake::default()
    })
    .await;
    ponte.add("9101-01", "ready-for-handling", 300);
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    let plain = client();
    configure(&plain, &sim, actor_config(&ponte.url)).await;
    let order = order_json("9101-01", "91", 300, &[("1", 300, 1)]);
    deliver(
        &http,
        &handoff("9101-01", "ready-for-handling", order),
        None,
    )
    .await;
    let s = wait_finished(&plain, &sim, 1).await;
    assert_eq!(s["actor"]["byOutcome"], json!({"completed": 1}), "{s}");
    assert_eq!(s["actions"]["refusedByPonte"], json!({}), "{s}");
    assert_eq!(
        s["actions"]["byAction"]["startHandling"],
        json!({"attempted": 1, "succeeded": 1}),
        "{s}"
    );
    assert_eq!(
        ponte.calls("9101-01", "startHandling").len(),
        2,
        "retried once"
    );
    assert_eq!(ponte.status("9101-01"), "invoiced");
    stop(sim).await;
    ponte.task.abort();
}

#[tokio::test]
async fn a_delivery_can_be_looked_up_before_it_is_sent_again() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    let url = "http://erp.ponte-sim.test/erp/orders/deliveries/2001-01%3Aorder";
    let before = get(&http, url).await;
    assert_eq!(before.status, StatusCode::NOT_FOUND, "{:?}", before.body);
    assert_eq!(before.body["code"], "ERP_DELIVERY_UNKNOWN");

    let order = order_json("2001-01", "2001", 5000, &[("7", 2500, 2)]);
    let r = deliver(
        &http,
        &handoff("2001-01", "ready-for-handling", order),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let after = get(&http, url).await;
    assert_eq!(after.status, StatusCode::OK, "{:?}", after.body);
    assert_eq!(after.body["deliveryId"], "2001-01:order");
    assert_eq!(after.body["count"], 1);

    // Lookups are counted, never recorded as deliveries.
    let s = stats(&http, &sim).await;
    assert_eq!(s["lookups"], 2);
    assert_eq!(s["posts"], 1);
}

#[tokio::test]
async fn a_post_with_a_fence_lower_than_one_seen_is_refused() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let http = proxied(&sim);
    let lookup = "http://erp.ponte-sim.test/erp/orders/deliveries/2101-01%3Aorder";
    let body = handoff(
        "2101-01",
        "ready-for-handling",
        order_json("2101-01", "2101", 5000, &[("7", 2500, 2)]),
    );
    let post = |fence: &'static str| {
        http.post(ERP_URL)
            .header("x-ponte-delivery-id", "2101-01:order")
            .header("x-ponte-fence", fence)
            .json(&body)
    };
    // The new claim holder (fence 20) looks the delivery up: the ERP remembers its fence.
    let r = send(http.get(lookup).header("x-ponte-fence", "20")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    // The old holder's late POST (fence 10) is refused and recorded nowhere.
    let late = send(post("10")).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{:?}", late.body);
    assert_eq!(late.body["code"], "ERP_DELIVERY_FENCED");
    assert_eq!(get(&http, lookup).await.status, StatusCode::NOT_FOUND);
    // The holder's own POST goes through; a repeat with the same fence is the usual duplicate.
    assert_eq!(send(post("20")).await.status, StatusCode::OK);
    let again = send(post("20")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["duplicate"], true);
    // Without the header nothing is checked (an older sender).
    assert_eq!(deliver(&http, &body, None).await.status, StatusCode::OK);
    let s = stats(&http, &sim).await;
    assert_eq!(s["fenced"], 1, "{s}");
    assert_eq!(s["posts"], 3, "{s}");
    stop(sim).await;
}
