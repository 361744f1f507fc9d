//! vtex.scheduler as the simulator plays it (crates/sim/src/vtex/scheduler): the API of VTEX's
//! official app vtex-apps/octopia-scheduler, and the scheduled request reaching a service
//! replica through the IO router.

mod common;

use axum::Router;
use axum::http::HeaderMap;
use common::{call, client, get, start, stop, temp_dir};
use ponte_sim::Sim;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn u(sim: &Sim, path: &str) -> String {
    format!("{}{path}?an=ponte&version=4", sim.url())
}

/// A service replica that records the tick secret of every call.
async fn replica() -> (String, Arc<Mutex<Vec<String>>>) {
    slow_replica(0).await
}

/// The same, answering after `delay_ms`.
async fn slow_replica(delay_ms: u64) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = Router::new().fallback(move |headers: HeaderMap| {
        let record = record.clone();
        async move {
            let secret = headers
                .get("x-ponte-tick-secret")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            record
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(secret);
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            "{}"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen)
}

fn schedule(expression: &str) -> Value {
    json!({
        "id": "ponte-orders-feed-tick",
        "scheduler": { "expression": expression, "endDate": "2036-12-07T12:00:00.000Z" },
        "retry": { "delay": { "addMinutes": 1, "addHours": 0, "addDays": 0 }, "times": 2, "backOffRate": 2 },
        "request": {
            "uri": "https://ponte.myvtex.com/_v/ponte/orders/feed/tick",
            "method": "POST",
            "headers": { "x-ponte-tick-secret": "the-tick-secret-0123" },
            "body": {}
        }
    })
}

#[tokio::test]
async fn a_schedule_is_stored_read_replaced_and_removed() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let base = "/api/scheduler/master/vendor.ponte";
    let put = call(
        &c,
        Method::PUT,
        &u(&sim, base),
        Some(&schedule("0 * * ? * *")),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);
    assert_eq!(put.body["expression"], json!("0 * * ? * *"));
    assert_eq!(put.body["workspace"], json!("master"));
    let next = put.body["NextExecution"].as_str().unwrap_or_default();
    assert_eq!(next.get(17..19), Some("00"), "{next}");
    // The same id again replaces it.
    let again = call(
        &c,
        Method::PUT,
        &u(&sim, base),
        Some(&schedule("0 0 * ? * *")),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    let list = call(&c, Method::GET, &u(&sim, base), None).await;
    assert_eq!(
        list.body.as_array().map(Vec::len),
        Some(1),
        "{:?}",
        list.body
    );
    let one = call(
        &c,
        Method::GET,
        &u(&sim, &format!("{base}/ponte-orders-feed-tick")),
        None,
    )
    .await;
    assert_eq!(one.body["expression"], json!("0 0 * ? * *"));
    assert_eq!(
        one.body["request"]["headers"]["x-ponte-tick-secret"],
        json!("the-tick-secret-0123")
    );
    // Another workspace, another app: separate.
    let other = call(
        &c,
        Method::GET,
        &u(&sim, "/api/scheduler/dev/vendor.ponte"),
        None,
    )
    .await;
    assert_eq!(other.body, json!([]));
    let gone = call(
        &c,
        Method::DELETE,
        &u(&sim, &format!("{base}/ponte-orders-feed-tick")),
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::OK);
    let missing = call(
        &c,
        Method::GET,
        &u(&sim, &format!("{base}/ponte-orders-feed-tick")),
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["code"], json!("SCHEDULER_NOT_FOUND"));
    stop(sim).await;
}

#[tokio::test]
async fn what_the_scheduler_cannot_take_is_refused_with_a_code() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let url = u(&sim, "/api/scheduler/master/vendor.ponte");
    let anonymous = c
        .put(&url)
        .json(&schedule("0 * * ? * *"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    for (body, code) in [
        (schedule("* * * * *"), "SCHEDULER_EXPRESSION_INVALID"),
        (schedule("0 * * L * ?"), "SCHEDULER_EXPRESSION_INVALID"),
        (
            {
                let mut s = schedule("0 * * ? * *");
                s["request"]["uri"] = json!("http://ponte.myvtex.com/_v/ponte/orders/feed/tick");
                s
            },
            "SCHEDULER_BODY_INVALID",
        ),
        (
            {
                let mut s = schedule("0 * * ? * *");
                s["scheduler"]["endDate"] = json!("someday");
                s
            },
            "SCHEDULER_BODY_INVALID",
        ),
        (json!({"id": "x"}), "SCHEDULER_BODY_INVALID"),
    ] {
        let r = call(&c, Method::PUT, &url, Some(&body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {:?}", r.body);
        assert_eq!(r.body["code"], json!(code), "{body}");
    }
    stop(sim).await;
}

#[tokio::test]
async fn a_scheduled_request_reaches_the_service_through_the_io_router() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let (replica, seen) = replica().await;
    let io = call(
        &c,
        Method::PUT,
        &format!("{}/_sim/io", sim.url()),
        Some(&json!({"replicas": [replica], "workspace": "master", "serviceJson": {
            "routes": { "orderFeedTick": { "path": "/_v/ponte/orders/feed/tick", "public": true } }
        }})),
    )
    .await;
    assert!(io.status.is_success(), "{:?}", io.body);
    let every_second = schedule("* * * ? * *");
    let put = call(
        &c,
        Method::PUT,
        &u(&sim, "/api/scheduler/master/vendor.ponte"),
        Some(&every_second),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while seen.lock().map(|s| s.len()).unwrap_or(0) < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let calls = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert!(calls.len() >= 2, "{calls:?}");
    assert!(
        calls.iter().all(|s| s == "the-tick-secret-0123"),
        "{calls:?}"
    );
    let stats = get(&c, &format!("{}/_sim/scheduler/stats", sim.url())).await;
    assert!(
        stats.body["ok"].as_u64().is_some_and(|n| n >= 2),
        "{:?}",
        stats.body
    );
    // A schedule that never fires sends nothing.
    let n = calls.len();
    call(
        &c,
        Method::PUT,
        &u(&sim, "/api/scheduler/master/vendor.ponte"),
        Some(&schedule("0 0 0 1 1 ? 2199")),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(seen.lock().map(|s| s.len()).unwrap_or(0) <= n + 1);
    stop(sim).await;
}

#[tokio::test]
async fn firings_overlap_unless_told_to_wait_for_the_previous_one() {
    for wait in [false, true] {
        let dir = temp_dir();
        let sim = start(dir.path(), None).await;
        let c = client();
        let (replica, _) = slow_replica(2500).await;
        let service = json!({"routes": { "orderFeedTick": { "path": "/_v/ponte/orders/feed/tick", "public": true } }});
        call(
            &c,
            Method::PUT,
            &format!("{}/_sim/io", sim.url()),
            Some(&json!({"replicas": [replica], "serviceJson": service})),
        )
        .await;
        let config = call(
            &c,
            Method::PUT,
            &format!("{}/_sim/scheduler/config", sim.url()),
            Some(&json!({"waitForPrevious": wait})),
        )
        .await;
        assert_eq!(config.body, json!({"waitForPrevious": wait}));
        call(
            &c,
            Method::PUT,
            &u(&sim, "/api/scheduler/master/vendor.ponte"),
            Some(&schedule("* * * ? * *")),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(4000)).await;
        let stats = get(&c, &format!("{}/_sim/scheduler/stats", sim.url()))
            .await
            .body;
        let most = stats["inFlightMax"].as_u64().unwrap_or(0);
        if wait {
            assert_eq!(most, 1, "{stats}");
            assert!(stats["skipped"].as_u64().is_some_and(|n| n >= 1), "{stats}");
        } else {
            assert!(most >= 2, "{stats}");
            assert_eq!(stats["skipped"], json!(0), "{stats}");
        }
        stop(sim).await;
    }
}
