//! Feed v3, Hook, JSONata, IO events and the IO router over real HTTP: a simulator on a temp
//! directory, small axum servers standing in for hook receivers and service replicas, order
//! changes published straight to the broadcaster (as the OMS does) or through
//! `POST /_sim/broadcast/publish`.

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method as AxMethod, StatusCode as AxStatus, Uri};
use axum::response::IntoResponse;
use common::*;
use ponte_sim::Sim;
use ponte_sim::platform::bus::{ChangeSink, OrderChange};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn u(sim: &Sim, path: &str) -> String {
    format!("{}{path}", sim.url())
}

fn order(id: &str, status: &str, value: i64) -> Value {
    json!({
        "orderId": id, "status": status, "value": value,
        "items": [
            { "id": "1", "price": 9990, "quantity": 1 },
            { "id": "2", "price": 3000, "quantity": 2 }
        ]
    })
}

fn change(id: &str, state: &str, last: &str, value: i64) -> OrderChange {
    OrderChange {
        account: "ponte".into(),
        order_id: id.into(),
        domain: "Fulfillment".into(),
        state: state.into(),
        last_state: last.into(),
        last_change: "2024-05-01T10:00:00.0000000Z".into(),
        current_change: format!("2024-05-01T10:00:01.{:07}Z", state.len()),
        origin_account: "ponte".into(),
        origin_key: "vtexappkey-appvtex".into(),
        order: order(id, state, value),
    }
}

/// Publishes an order change straight to the broadcaster, as the OMS would.
fn publish(sim: &Sim, id: &str, state: &str, last: &str, value: i64) {
    sim.broadcaster().publish(change(id, state, last, value));
}

/// `PUT {path}` on the simulator with a JSON body.
async fn put(c: &Client, sim: &Sim, path: &str, body: Value) -> Reply {
    call(c, Method::PUT, &u(sim, path), Some(&body)).await
}

async fn stats(c: &Client, sim: &Sim) -> Value {
    let r = get(c, &u(sim, "/_sim/broadcast/stats")).await;
    assert_eq!(r.status, StatusCode::OK);
    r.body
}

/// Polls `check` on the stats until it holds (10 s at most).
async fn wait_stats(c: &Client, sim: &Sim, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..500 {
        let s = stats(c, sim).await;
        if check(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}: {}", stats(c, sim).await);
}

async fn receive(c: &Client, sim: &Sim, maxlot: &str) -> Reply {
    call(
        c,
        Method::GET,
        &u(sim, &format!("/api/orders/feed?maxlot={maxlot}")),
        None,
    )
    .await
}

fn items(r: &Reply) -> Vec<Value> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("not a list: {}", r.body))
}

fn handles(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["handle"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn commit(c: &Client, sim: &Sim, handles: &[String]) {
    let r = call(
        c,
        Method::POST,
        &u(sim, "/api/orders/feed"),
        Some(&json!({ "handles": handles })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn configure_feed(c: &Client, sim: &Sim, body: Value) {
    let r = call(
        c,
        Method::POST,
        &u(sim, "/api/orders/feed/config"),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// An error answer: `status` and `{"error": {"code"}}`.
trait AssertCode {
    fn assert_code(&self, status: StatusCode, code: &str);
}

impl AssertCode for Reply {
    fn assert_code(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.body["error"]["code"], code, "{}", self.body);
    }
}

// ---- a recording HTTP server (hook receiver or service replica) ----

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: HeaderMap,
    body: Value,
}

type Behaviour = dyn Fn(&Seen, usize) -> (u16, u64) + Send + Sync;

#[derive(Clone)]
struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
    behaviour: Arc<Behaviour>,
}

impl Recorder {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

async fn record(
    State(r): State<Recorder>,
    method: AxMethod,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let seen = Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let n = {
        let mut all = r.seen.lock().unwrap_or_else(|p| p.into_inner());
        all.push(seen.clone());
        all.len() - 1
    };
    let (status, delay) = (r.behaviour)(&seen, n);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = AxStatus::from_u16(status).unwrap_or(AxStatus::INTERNAL_SERVER_ERROR);
    (status, "{}")
}

/// Starts a recorder; returns its base URL (`http://127.0.0.1:PORT`).
async fn recorder(
    behaviour: impl Fn(&Seen, usize) -> (u16, u64) + Send + Sync + 'static,
) -> (String, Recorder) {
    let r = Recorder {
        seen: Arc::new(Mutex::new(Vec::new())),
        behaviour: Arc::new(behaviour),
    };
    let app = Router::new().fallback(record).with_state(r.clone());
    let (addr, _) = serve(app).await;
    (format!("http://{addr}"), r)
}

fn header(s: &Seen, name: &str) -> String {
    s.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A URL whose port refuses connections.
async fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = l.local_addr().unwrap_or_else(|e| panic!("addr: {e}"));
    drop(l);
    format!("http://{addr}")
}

// ---- tests ----

#[tokio::test]
async fn feed_config_follows_vtex_validation_rules() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let cfg = u(&sim, "/api/orders/feed/config");

    // No credentials.
    let r = send(c.get(&cfg)).await;
    r.assert_code(StatusCode::UNAUTHORIZED, "CREDENTIALS_MISSING");
    let r = send(c.get(u(&sim, "/api/orders/feed?maxlot=1"))).await;
    r.assert_code(StatusCode::UNAUTHORIZED, "CREDENTIALS_MISSING");
    // No feed yet.
    call(&c, Method::GET, &cfg, None)
        .await
        .assert_code(StatusCode::NOT_FOUND, "FEED_NOT_FOUND");
    receive(&c, &sim, "1")
        .await
        .assert_code(StatusCode::NOT_FOUND, "FEED_NOT_FOUND");

    let refused = [
        (
            json!({"filter":{"type":"FromWorkflow","status":["ready-for-handling"],"expression":"status = \"x\""}}),
            StatusCode::CONFLICT,
            "FILTER_TYPE_CONFLICT",
        ),
        (
            json!({"filter":{"type":"FromWorkflow","status":["a"],"disableSingleFire":true}}),
            StatusCode::CONFLICT,
            "FILTER_TYPE_CONFLICT",
        ),
        (
            json!({"filter":{"type":"FromOrders","expression":"value > 1","status":["a"]}}),
            StatusCode::CONFLICT,
            "FILTER_TYPE_CONFLICT",
        ),
        (
            json!({"queue":{"MessageRetentionPeriodInSeconds":345599}}),
            StatusCode::BAD_REQUEST,
            "FEED_RETENTION_OUT_OF_RANGE",
        ),
        (
            json!({"queue":{"MessageRetentionPeriodInSeconds":1209601}}),
            StatusCode::BAD_REQUEST,
            "FEED_RETENTION_OUT_OF_RANGE",
        ),
        (
            json!({"filter":{"type":"FromOrders","expression":"status = "}}),
            StatusCode::BAD_REQUEST,
            "JSONATA_INVALID",
        ),
        (
            json!({"filter":{"type":"FromSomewhere"}}),
            StatusCode::BAD_REQUEST,
            "FILTER_TYPE_INVALID",
        ),
        (
            json!({"filter":{"status":["a"]}}),
            StatusCode::BAD_REQUEST,
            "FILTER_TYPE_REQUIRED",
        ),
    ];
    for (body, status, code) in refused {
        let r = call(&c, Method::POST, &cfg, Some(&body)).await;
        r.assert_code(status, code);
    }
    let r = send(
        c.post(&cfg)
            .header(APP_KEY.0, APP_KEY.1)
            .header(APP_TOKEN.0, APP_TOKEN.1)
            .body("{not json"),
    )
    .await;
    r.assert_code(StatusCode::BAD_REQUEST, "REQUEST_BODY_INVALID");
    // Nothing was saved by the refusals.
    call(&c, Method::GET, &cfg, None)
        .await
        .assert_code(StatusCode::NOT_FOUND, "FEED_NOT_FOUND");

    // Missing filter: every status; defaults echoed camel-case with queue figures.
    configure_feed(&c, &sim, json!({})).await;
    let r = call(&c, Method::GET, &cfg, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["filter"]["type"], "FromWorkflow");
    assert_eq!(r.body["queue"]["visibilityTimeoutInSeconds"], 240);
    assert_eq!(r.body["queue"]["messageRetentionPeriodInSeconds"], 345_600);
    assert_eq!(r.body["quantity"], 0);
    assert_eq!(r.body["approximateAgeOfOldestMessageInSeconds"], 0.0);

    // Both casings accepted on input.
    configure_feed(
        &c,
        &sim,
        json!({"Filter":{"Type":"FromOrders","Expression":"value > 10000","DisableSingleFire":true},
               "Queue":{"VisibilityTimeoutInSeconds":250,"messageRetentionPeriodInSeconds":1209600}}),
    )
    .await;
    let r = call(&c, Method::GET, &cfg, None).await;
    assert_eq!(r.body["filter"]["type"], "FromOrders");
    assert_eq!(r.body["filter"]["expression"], "value > 10000");
    assert_eq!(r.body["filter"]["disableSingleFire"], true);
    assert_eq!(r.body["queue"]["visibilityTimeoutInSeconds"], 250);
    assert_eq!(
        r.body["queue"]["messageRetentionPeriodInSeconds"],
        1_209_600
    );

    // maxlot bounds.
    for bad in ["0", "11", "abc", ""] {
        receive(&c, &sim, bad)
            .await
            .assert_code(StatusCode::BAD_REQUEST, "FEED_MAXLOT_INVALID");
    }
    let r = call(&c, Method::GET, &u(&sim, "/api/orders/feed"), None).await;
    r.assert_code(StatusCode::BAD_REQUEST, "FEED_MAXLOT_INVALID");
    assert_eq!(items(&receive(&c, &sim, "10").await).len(), 0);

    // Delete.
    let r = call(&c, Method::DELETE, &cfg, None).await;
    assert_eq!(r.status, StatusCode::OK);
    receive(&c, &sim, "1")
        .await
        .assert_code(StatusCode::NOT_FOUND, "FEED_NOT_FOUND");
    stop(sim).await;
}

#[tokio::test]
async fn feed_visibility_timeout_commit_and_retention() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    // Changes before the feed exists never reach it.
    publish(&sim, "v0-01", "ready-for-handling", "window-to-cancel", 100);
    configure_feed(
        &c,
        &sim,
        json!({"filter":{"type":"FromWorkflow","status":["ready-for-handling","canceled"]},
               "queue":{"visibilityTimeoutInSeconds":240,"MessageRetentionPeriodInSeconds":345600}}),
    )
    .await;
    for (id, state) in [
        ("v1-01", "ready-for-handling"),
        ("v2-01", "payment-pending"),
        ("v3-01", "canceled"),
        ("v4-01", "ready-for-handling"),
    ] {
        publish(&sim, id, state, "x", 100);
    }
    let s = wait_stats(&c, &sim, "3 queued", |s| s["feed"]["queued"] == 3).await;
    assert_eq!(s["feed"]["enqueued"], 3, "{s}");

    let first = items(&receive(&c, &sim, "2").await);
    assert_eq!(first.len(), 2);
    let item = &first[0];
    for field in [
        "eventId",
        "handle",
        "domain",
        "state",
        "lastState",
        "orderId",
        "lastChange",
        "currentChange",
    ] {
        assert!(item[field].is_string(), "{field} missing in {item}");
    }
    assert_eq!(item["orderId"], "v1-01");
    assert_eq!(item["domain"], "Fulfillment");
    assert_eq!(item["state"], "ready-for-handling");
    assert_eq!(item["lastState"], "x");
    assert_eq!(
        item["handle"].as_str().map(|h| h.split('.').count()),
        Some(3),
        "{item}"
    );
    let second = items(&receive(&c, &sim, "10").await);
    assert_eq!(second.len(), 1);
    assert_eq!(second[0]["orderId"], "v4-01");
    assert!(
        items(&receive(&c, &sim, "10").await).is_empty(),
        "in flight items are invisible"
    );
    let s = stats(&c, &sim).await;
    assert_eq!(s["feed"]["inflight"], 3, "{s}");

    // Visibility timeout: everything comes back with new handles.
    sim.clock().advance(241_000);
    let again = items(&receive(&c, &sim, "10").await);
    assert_eq!(again.len(), 3);
    let old: BTreeSet<String> = handles(&first)
        .into_iter()
        .chain(handles(&second))
        .collect();
    let new: BTreeSet<String> = handles(&again).into_iter().collect();
    assert!(old.is_disjoint(&new), "a redelivery carries a new handle");
    let ids: BTreeSet<String> = again.iter().map(|i| i["eventId"].to_string()).collect();
    let first_ids: BTreeSet<String> = first
        .iter()
        .chain(second.iter())
        .map(|i| i["eventId"].to_string())
        .collect();
    assert_eq!(ids, first_ids, "same events, same eventIds");
    let s = stats(&c, &sim).await;
    assert_eq!(s["feed"]["redelivered"], 3, "{s}");

    // Stale, unknown and garbage handles: 200, nothing removed.
    commit(&c, &sim, &old.iter().cloned().collect::<Vec<_>>()).await;
    commit(&c, &sim, &["garbage".to_owned(), "a.b.c".to_owned()]).await;
    assert_eq!(stats(&c, &sim).await["feed"]["queued"], 3);
    // The latest handles delete.
    let latest = handles(&again);
    commit(&c, &sim, &latest[..2]).await;
    let s = stats(&c, &sim).await;
    assert_eq!(s["feed"]["queued"], 1, "{s}");
    assert_eq!(s["feed"]["committed"], 2, "{s}");
    commit(&c, &sim, &latest[..2]).await; // twice: still fine
    let r = call(
        &c,
        Method::POST,
        &u(&sim, "/api/orders/feed"),
        Some(&json!({"nope": 1})),
    )
    .await;
    r.assert_code(StatusCode::BAD_REQUEST, "REQUEST_BODY_INVALID");

    // Config echo counts what is queued, in flight or not.
    let r = call(&c, Method::GET, &u(&sim, "/api/orders/feed/config"), None).await;
    assert_eq!(r.body["quantity"], 1, "{}", r.body);
    assert!(
        r.body["approximateAgeOfOldestMessageInSeconds"]
            .as_f64()
            .unwrap_or(0.0)
            >= 241.0
    );

    // Retention: older than 4 days is gone, committed or not.
    sim.clock().advance(345_600_000);
    assert!(items(&receive(&c, &sim, "10").await).is_empty());
    let s = stats(&c, &sim).await;
    assert_eq!(s["feed"]["expired"], 1, "{s}");
    assert_eq!(s["feed"]["queued"], 0, "{s}");
    stop(sim).await;
}

#[tokio::test]
async fn duplicates_reorder_and_429_are_injectable() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    configure_feed(&c, &sim, json!({})).await;
    let r = put(
        &c,
        &sim,
        "/_sim/broadcast/faults",
        json!({"duplicateRate": 1.0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Through the documented publish endpoint.
    let batch: Vec<OrderChange> = (0..3)
        .map(|i| change(&format!("d{i}-01"), "handling", "start-handling", 1))
        .collect();
    let r = call(
        &c,
        Method::POST,
        &u(&sim, "/_sim/broadcast/publish"),
        Some(&json!(batch)),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["accepted"], 3);
    wait_stats(&c, &sim, "6 queued", |s| s["feed"]["queued"] == 6).await;
    let got = items(&receive(&c, &sim, "10").await);
    assert_eq!(got.len(), 6);
    let mut per_event: std::collections::BTreeMap<String, usize> = Default::default();
    for i in &got {
        *per_event.entry(i["eventId"].to_string()).or_default() += 1;
    }
    assert_eq!(per_event.len(), 3);
    assert!(per_event.values().all(|n| *n == 2), "{per_event:?}");
    commit(&c, &sim, &handles(&got)).await;
    let stats = call(&c, Method::GET, &u(&sim, "/_sim/broadcast/stats"), None).await;
    assert_eq!(
        stats.body["injected"]["feedDuplicates"], 3,
        "{}",
        stats.body
    );

    // Reorder: shuffled, sometimes fewer than visible.
    let r = put(
        &c,
        &sim,
        "/_sim/broadcast/faults",
        json!({"reorder": true, "seed": 7}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    for i in 0..8 {
        sim.broadcaster()
            .publish(change(&format!("r{i}-01"), "handling", "start-handling", 1));
    }
    wait_stats(&c, &sim, "8 queued", |s| s["feed"]["queued"] == 8).await;
    let mut fewer = false;
    let mut shuffled = false;
    let mut all = Vec::new();
    for _ in 0..20 {
        let got = items(&receive(&c, &sim, "10").await);
        let visible = 8 - all.len();
        if got.is_empty() {
            break;
        }
        fewer |= got.len() < visible;
        let ids: Vec<String> = got
            .iter()
            .map(|i| i["orderId"].as_str().unwrap_or_default().to_owned())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        shuffled |= ids != sorted;
        commit(&c, &sim, &handles(&got)).await;
        all.extend(ids);
    }
    all.sort();
    let expected: Vec<String> = (0..8).map(|i| format!("r{i}-01")).collect();
    assert_eq!(all, expected, "every item delivered once");
    assert!(fewer, "a receive returned fewer items than visible");
    assert!(shuffled, "items came out of order");

    // 429 with Retry-After, decided before any effect.
    let r = put(
        &c,
        &sim,
        "/_sim/broadcast/faults",
        json!({"rate429": 1.0, "retryAfterSeconds": 3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let resp = c
        .get(u(&sim, "/api/orders/feed?maxlot=10"))
        .header(APP_KEY.0, APP_KEY.1)
        .header(APP_TOKEN.0, APP_TOKEN.1)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("3")
    );
    let stats = call(&c, Method::GET, &u(&sim, "/_sim/broadcast/stats"), None).await;
    assert_eq!(stats.body["injected"]["feed429"], 1, "{}", stats.body);
    let r = put(&c, &sim, "/_sim/broadcast/faults", json!({"rate429": 2.0})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    stop(sim).await;
}

#[tokio::test]
async fn from_orders_uses_jsonata_and_single_fire() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let jsonata = u(&sim, "/api/orders/expressions/jsonata");
    // The endpoint, on docs/vtex's examples and a few common filters.
    let doc = order("v9-01", "payment-pending", 15990).to_string();
    let cases = [
        (r#"status = "payment-pending""#, true),
        (r#"status = "canceled""#, false),
        ("value > 10000", true),
        ("value > 20000", false),
        ("$count(items) > 1", true),
        ("$count(items) > 2", false),
        ("items[price > 5000]", true),
        ("items[price > 50000]", false),
        (r#"status in ["payment-pending","canceled"]"#, true),
        (r#"status in ["invoiced","canceled"]"#, false),
    ];
    for (expr, expected) in cases {
        let r = call(
            &c,
            Method::POST,
            &jsonata,
            Some(&json!({"Expression": expr, "Document": doc})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{expr}: {}", r.body);
        assert_eq!(r.body, json!(expected), "{expr}");
    }
    let r = call(
        &c,
        Method::POST,
        &jsonata,
        Some(&json!({"Expression": "status = \"canceled\"", "Document": "{\"status\":\"canceled\"}"})),
    )
    .await;
    assert_eq!(r.body, json!(true));
    let r = call(
        &c,
        Method::POST,
        &jsonata,
        Some(&json!({"Expression": "status = ", "Document": doc})),
    )
    .await;
    r.assert_code(StatusCode::BAD_REQUEST, "JSONATA_INVALID");
    let r = call(
        &c,
        Method::POST,
        &jsonata,
        Some(&json!({"Expression": "value > 1", "Document": "{oops"})),
    )
    .await;
    r.assert_code(StatusCode::BAD_REQUEST, "REQUEST_BODY_INVALID");

    // Single fire: an order enters once when it starts matching.
    configure_feed(
        &c,
        &sim,
        json!({"filter":{"type":"FromOrders","expression":"value > 10000","disableSingleFire":false}}),
    )
    .await;
    let b = sim.broadcaster();
    b.publish(change("big-01", "payment-pending", "order-created", 20_000));
    b.publish(change(
        "small-01",
        "payment-pending",
        "order-created",
        5_000,
    ));
    b.publish(change(
        "big-01",
        "payment-approved",
        "payment-pending",
        20_000,
    ));
    b.publish(change(
        "big-01",
        "ready-for-handling",
        "payment-approved",
        20_000,
    ));
    b.publish(change(
        "small-01",
        "payment-approved",
        "payment-pending",
        5_000,
    ));
    // A marker that must come after the others (same intake order).
    b.publish(change(
        "big2-01",
        "payment-pending",
        "order-created",
        30_000,
    ));
    wait_stats(&c, &sim, "2 queued", |s| s["feed"]["queued"] == 2).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got = items(&receive(&c, &sim, "10").await);
    let ids: Vec<&str> = got.iter().filter_map(|i| i["orderId"].as_str()).collect();
    assert_eq!(ids, ["big-01", "big2-01"]);
    assert_eq!(got[0]["state"], "payment-pending");
    commit(&c, &sim, &handles(&got)).await;

    // disableSingleFire: every matching change enters.
    configure_feed(
        &c,
        &sim,
        json!({"filter":{"type":"FromOrders","expression":"value > 10000","disableSingleFire":true}}),
    )
    .await;
    b.publish(change("big-01", "handling", "start-handling", 20_000));
    b.publish(change("big-01", "invoiced", "handling", 20_000));
    b.publish(change("small-01", "handling", "start-handling", 5_000));
    wait_stats(&c, &sim, "2 more queued", |s| s["feed"]["enqueued"] == 4).await;
    let got = items(&receive(&c, &sim, "10").await);
    let states: BTreeSet<&str> = got.iter().filter_map(|i| i["state"].as_str()).collect();
    assert_eq!(states, BTreeSet::from(["handling", "invoiced"]));
    stop(sim).await;
}

#[tokio::test]
async fn hook_ping_decides_and_notifications_carry_the_headers() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let cfg = u(&sim, "/api/orders/hook/config");
    // A receiver that refuses the ping.
    let (refusing, refused) = recorder(|_, _| (500, 0)).await;
    let body = |url: &str| {
        json!({"filter":{"type":"FromWorkflow","status":["ready-for-handling"]},
               "hook":{"url": url.replace("http://", "https://"), "headers":{"x-ponte-hook-secret":"s3cret"}}})
    };
    let r = call(
        &c,
        Method::POST,
        &cfg,
        Some(&body(&format!("{refusing}/hook"))),
    )
    .await;
    r.assert_code(StatusCode::BAD_REQUEST, "HOOK_PING_FAILED");
    assert_eq!(refused.seen().len(), 1, "pinged once");
    assert_eq!(refused.seen()[0].body, json!({"hookConfig":"ping"}));
    call(&c, Method::GET, &cfg, None)
        .await
        .assert_code(StatusCode::NOT_FOUND, "HOOK_NOT_FOUND");
    // http URL, missing headers, empty statuses.
    let r = call(
        &c,
        Method::POST,
        &cfg,
        Some(&json!({"filter":{"type":"FromWorkflow","status":["a"]},"hook":{"url":"http://x.example/h","headers":{}}})),
    )
    .await;
    r.assert_code(StatusCode::BAD_REQUEST, "HOOK_URL_INVALID");
    let r = call(
        &c,
        Method::POST,
        &cfg,
        Some(&json!({"filter":{"type":"FromWorkflow","status":["a"]},"hook":{"url":"https://x.example/h"}})),
    )
    .await;
    r.assert_code(StatusCode::BAD_REQUEST, "HOOK_HEADERS_REQUIRED");
    let r = call(
        &c,
        Method::POST,
        &cfg,
        Some(&json!({"filter":{"type":"FromWorkflow","status":[]},"hook":{"url":"https://x.example/h","headers":{}}})),
    )
    .await;
    r.assert_code(StatusCode::BAD_REQUEST, "FILTER_STATUS_REQUIRED");

    // A receiver that answers 200.
    let (ok_url, ok) = recorder(|_, _| (200, 0)).await;
    let r = call(
        &c,
        Method::POST,
        &cfg,
        Some(&body(&format!("{ok_url}/hook"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ping = &ok.seen()[0];
    assert_eq!(ping.body, json!({"hookConfig":"ping"}));
    assert_eq!(ping.path, "/hook");
    assert_eq!(header(ping, "x-ponte-hook-secret"), "s3cret");
    let r = call(&c, Method::GET, &cfg, None).await;
    assert_eq!(r.body["hook"]["headers"]["x-ponte-hook-secret"], "s3cret");
    assert_eq!(r.body["filter"]["status"], json!(["ready-for-handling"]));

    sim.broadcaster()
        .publish(change("h1-01", "ready-for-handling", "window-to-cancel", 1));
    sim.broadcaster()
        .publish(change("h2-01", "handling", "start-handling", 1));
    wait_stats(&c, &sim, "1 hook ok", |s| s["hook"]["ok"] == 1).await;
    let seen = ok.seen();
    assert_eq!(seen.len(), 2, "ping + one notification");
    let n = &seen[1];
    assert_eq!(n.method, "POST");
    assert_eq!(header(n, "x-ponte-hook-secret"), "s3cret");
    assert!(header(n, "content-type").starts_with("application/json"));
    assert_eq!(n.body["Domain"], "Fulfillment");
    assert_eq!(n.body["OrderId"], "h1-01");
    assert_eq!(n.body["State"], "ready-for-handling");
    assert_eq!(n.body["LastState"], "window-to-cancel");
    assert!(n.body["LastChange"].is_string() && n.body["CurrentChange"].is_string());
    assert_eq!(
        n.body["Origin"],
        json!({"Account":"ponte","Key":"vtexappkey-appvtex"})
    );

    // Dropped notifications are never sent.
    let r = put(
        &c,
        &sim,
        "/_sim/broadcast/faults",
        json!({"hookDropRate": 1.0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    sim.broadcaster()
        .publish(change("h3-01", "ready-for-handling", "window-to-cancel", 1));
    wait_stats(&c, &sim, "1 dropped", |s| s["hook"]["dropped"] == 1).await;
    assert_eq!(ok.seen().len(), 2);

    let r = call(&c, Method::DELETE, &cfg, None).await;
    assert_eq!(r.status, StatusCode::OK);
    call(&c, Method::GET, &cfg, None)
        .await
        .assert_code(StatusCode::NOT_FOUND, "HOOK_NOT_FOUND");
    stop(sim).await;
}

#[tokio::test]
async fn a_slow_hook_receiver_fails_and_is_retried_with_backoff() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let r = put(
        &c,
        &sim,
        "/_sim/broadcast/settings",
        json!({"hookDeadlineMs": 300, "hookRetryBaseMs": 60_000}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Ping fast; the first notification sleeps past the deadline; the next ones are fast.
    let (url, rec) = recorder(|seen, n| {
        if seen.body.get("hookConfig").is_some() || n != 1 {
            (200, 0)
        } else {
            (200, 800)
        }
    })
    .await;
    let r = call(
        &c,
        Method::POST,
        &u(&sim, "/api/orders/hook/config"),
        Some(&json!({"filter":{"type":"FromWorkflow","status":["ready-for-handling"]},
                     "hook":{"url": format!("{}/h", url.replace("http://", "https://")), "headers":{"k":"v"}}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    publish(&sim, "slow-01", "ready-for-handling", "window-to-cancel", 1);
    let s = wait_stats(&c, &sim, "a timeout", |s| s["hook"]["timeouts"] == 1).await;
    assert_eq!(s["hook"]["failed"], 1, "{s}");
    assert_eq!(s["hook"]["pending"], 1, "{s}");
    // The retry waits for its backoff on the simulated clock.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(rec.seen().len(), 2, "no retry before the backoff");
    sim.clock().advance(60_000);
    let s = wait_stats(&c, &sim, "the retry", |s| s["hook"]["ok"] == 1).await;
    assert_eq!(s["hook"]["attempts"], 2, "{s}");
    assert_eq!(s["hook"]["pending"], 0, "{s}");
    let seen = rec.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[1].body, seen[2].body, "the same notification again");
    stop(sim).await;
}

fn service_json() -> Value {
    json!({
        "stack": "nodejs",
        "routes": {
            "orderHook": { "path": "/_v/ponte/orders/hook", "public": true },
            "orderFeedTick": { "path": "/_v/ponte/orders/feed/tick", "public": true },
            "orderById": { "path": "/_v/ponte/orders/:orderId", "public": true }
        },
        "events": {
            "orderStatusChanged": { "sender": "vtex.orders-broadcast", "topics": ["order-status-updated"] }
        }
    })
}

#[tokio::test]
async fn io_router_routes_hooks_events_and_ticks_to_replicas() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let (r1, rec1) = recorder(|_, _| (200, 0)).await;
    let (r2, rec2) = recorder(|seen, _| {
        if seen.path.ends_with("/_events") {
            (204, 0)
        } else {
            (200, 0)
        }
    })
    .await;
    let dead = dead_url().await;
    let r = put(
        &c,
        &sim,
        "/_sim/io",
        json!({"replicas": [r1, dead, r2], "workspace": "master", "serviceJson": service_json(),
                     "tickIntervalMs": 0, "events": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = put(&c, &sim, "/_sim/io", json!({"replicas": ["ftp://x"]})).await;
    r.assert_code(StatusCode::BAD_REQUEST, "IO_CONFIG_INVALID");

    let r = call(
        &c,
        Method::POST,
        &u(&sim, "/api/orders/hook/config"),
        Some(
            &json!({"filter":{"type":"FromWorkflow","status":["ready-for-handling"]},
                     "hook":{"url":"https://ponte.myvtex.com/_v/ponte/orders/hook",
                             "headers":{"x-ponte-hook-secret":"s3cret"}}}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let all = || {
        rec1.seen()
            .into_iter()
            .chain(rec2.seen())
            .collect::<Vec<_>>()
    };
    let ping = all()
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no ping"));
    assert_eq!(ping.path, "/ponte/master/_v/ponte/orders/hook");
    assert_eq!(ping.body, json!({"hookConfig":"ping"}));
    assert_eq!(header(&ping, "x-colossus-route-id"), "orderHook");
    assert_eq!(header(&ping, "x-vtex-account"), "ponte");
    assert_eq!(header(&ping, "x-vtex-workspace"), "master");
    assert!(!header(&ping, "x-vtex-credential").is_empty());
    assert!(!header(&ping, "x-request-id").is_empty());
    assert_eq!(header(&ping, "x-ponte-hook-secret"), "s3cret");

    for i in 0..6 {
        publish(
            &sim,
            &format!("io{i}-01"),
            "ready-for-handling",
            "window-to-cancel",
            1,
        );
    }
    wait_stats(&c, &sim, "6 hooks and 6 events", |s| {
        s["hook"]["ok"] == 6 && s["events"]["ok"] == 6
    })
    .await;
    let hooks = |rec: &Recorder| {
        rec.seen()
            .into_iter()
            .filter(|s| s.body.get("OrderId").is_some())
            .count()
    };
    assert!(
        hooks(&rec1) > 0 && hooks(&rec2) > 0,
        "round-robin over both live replicas"
    );
    assert_eq!(hooks(&rec1) + hooks(&rec2), 6);
    let s = stats(&c, &sim).await;
    assert_eq!(s["hook"]["failed"], 0, "the dead replica is skipped: {s}");
    let event = all()
        .into_iter()
        .find(|s| s.path.ends_with("/_events"))
        .unwrap_or_else(|| panic!("no event"));
    assert_eq!(event.path, "/ponte/master/_events");
    assert_eq!(header(&event, "x-event-handler-id"), "orderStatusChanged");
    assert_eq!(
        header(&event, "x-event-sender"),
        "vtex.orders-broadcast@0.x"
    );
    assert_eq!(header(&event, "x-event-key"), "order-status-updated");
    assert_eq!(header(&event, "x-vtex-account"), "ponte");
    assert_eq!(header(&event, "x-vtex-workspace"), "master");
    assert!(!header(&event, "x-vtex-credential").is_empty());
    assert_eq!(event.body["recorder"]["_record"], "x-vtex-meta");
    assert_eq!(event.body["domain"], "Fulfillment");
    assert_eq!(event.body["currentState"], "ready-for-handling");
    assert_eq!(event.body["lastState"], "window-to-cancel");
    assert!(event.body["orderId"].is_string());
    assert!(
        event.body["currentChangeDate"].is_string() && event.body["lastChangeDate"].is_string()
    );

    // A parameterised route, and a path no route matches.
    let r = call(
        &c,
        Method::POST,
        &u(&sim, "/api/orders/hook/config"),
        Some(&json!({"filter":{"type":"FromWorkflow","status":["x"]},
                     "hook":{"url":"https://dev--ponte.myvtex.com/_v/ponte/orders/v7-01","headers":{}}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let routed = all()
        .into_iter()
        .find(|s| s.path.ends_with("/v7-01"))
        .unwrap_or_else(|| panic!("not routed"));
    assert_eq!(routed.path, "/ponte/dev/_v/ponte/orders/v7-01");
    assert_eq!(header(&routed, "x-colossus-route-id"), "orderById");
    assert_eq!(header(&routed, "x-colossus-params"), "orderId=v7-01");
    let r = call(
        &c,
        Method::POST,
        &u(&sim, "/api/orders/hook/config"),
        Some(&json!({"filter":{"type":"FromWorkflow","status":["x"]},
                     "hook":{"url":"https://ponte.myvtex.com/_v/nothing/here","headers":{}}})),
    )
    .await;
    r.assert_code(StatusCode::BAD_REQUEST, "HOOK_PING_FAILED");

    // The scheduler ticks orderFeedTick with the configured headers.
    let r = call(
        &c,
        Method::PUT,
        &u(&sim, "/_sim/io"),
        Some(
            &json!({"replicas": [r1, r2], "serviceJson": service_json(), "tickIntervalMs": 30,
                     "tickHeaders": {"x-ponte-hook-secret": "s3cret"}}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    wait_stats(&c, &sim, "ticks", |s| {
        s["ticks"]["ok"].as_u64().unwrap_or(0) >= 4
    })
    .await;
    let ticks: Vec<Seen> = all()
        .into_iter()
        .filter(|s| s.path.ends_with("/feed/tick"))
        .collect();
    assert!(!ticks.is_empty());
    let t = &ticks[0];
    assert_eq!(t.path, "/ponte/master/_v/ponte/orders/feed/tick");
    assert_eq!(header(t, "x-colossus-route-id"), "orderFeedTick");
    assert_eq!(header(t, "x-ponte-hook-secret"), "s3cret");
    assert!(rec1.seen().iter().any(|s| s.path.ends_with("/feed/tick")));
    assert!(rec2.seen().iter().any(|s| s.path.ends_with("/feed/tick")));
    stop(sim).await;
}

#[tokio::test]
async fn a_restart_keeps_the_queue_and_pending_deliveries() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    configure_feed(
        &c,
        &sim,
        json!({"filter":{"type":"FromWorkflow","status":["invoiced"]}}),
    )
    .await;
    // A hook whose receiver goes away after the ping: its notification stays pending.
    let (url, _rec) = recorder(|_, n| if n == 0 { (200, 0) } else { (503, 0) }).await;
    let r = call(
        &c,
        Method::POST,
        &u(&sim, "/api/orders/hook/config"),
        Some(
            &json!({"filter":{"type":"FromWorkflow","status":["invoiced"]},
                     "hook":{"url": url.replace("http://", "https://"), "headers":{"k":"v"}}}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    sim.broadcaster()
        .publish(change("k1-01", "invoiced", "invoice", 1));
    sim.broadcaster()
        .publish(change("k2-01", "invoiced", "invoice", 1));
    wait_stats(&c, &sim, "queued and failed", |s| {
        s["feed"]["queued"] == 2 && s["hook"]["failed"].as_u64().unwrap_or(0) >= 2
    })
    .await;
    let taken = items(&receive(&c, &sim, "1").await);
    assert_eq!(taken.len(), 1);
    stop(sim).await;

    let sim = start(dir.path(), None).await;
    let r = call(&c, Method::GET, &u(&sim, "/api/orders/feed/config"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["quantity"], 2);
    let s = stats(&c, &sim).await;
    assert_eq!(s["hook"]["pending"], 2, "{s}");
    // The in-flight item is visible again after the restart, with a handle of this run.
    let got = items(&receive(&c, &sim, "10").await);
    assert_eq!(got.len(), 2);
    commit(&c, &sim, &handles(&taken)).await; // the old run's handle: no-op
    assert_eq!(stats(&c, &sim).await["feed"]["queued"], 2);
    commit(&c, &sim, &handles(&got)).await;
    assert_eq!(stats(&c, &sim).await["feed"]["queued"], 0);
    let r = call(&c, Method::GET, &u(&sim, "/api/orders/hook/config"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    stop(sim).await;
}

#[tokio::test]
async fn lost_orders_reach_no_channel_with_any_of_their_changes() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    configure_feed(&c, &sim, json!({})).await;
    let r = put(&c, &sim, "/_sim/broadcast/faults", json!({"loseOrders": 2})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["loseOrders"], 2);
    // The first two orders published are lost, with every later change of theirs.
    publish(&sim, "l0-01", "payment-approved", "payment-pending", 1);
    publish(&sim, "l1-01", "payment-approved", "payment-pending", 1);
    publish(&sim, "l0-01", "ready-for-handling", "window-to-cancel", 1);
    publish(&sim, "l2-01", "ready-for-handling", "window-to-cancel", 1);
    publish(&sim, "l3-01", "ready-for-handling", "window-to-cancel", 1);
    let s = wait_stats(&c, &sim, "2 queued", |s| s["feed"]["queued"] == 2).await;
    assert_eq!(s["lost"]["orders"], 2, "{s}");
    assert_eq!(s["lost"]["changes"], 3, "{s}");
    assert_eq!(s["lost"]["orderIds"], json!(["l0-01", "l1-01"]), "{s}");
    assert_eq!(s["lost"]["left"], 0, "{s}");
    let got = items(&receive(&c, &sim, "10").await);
    let ids: std::collections::BTreeSet<_> = got
        .iter()
        .map(|i| i["orderId"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(ids, ["l2-01".to_owned(), "l3-01".to_owned()].into());
    stop(sim).await;
}
