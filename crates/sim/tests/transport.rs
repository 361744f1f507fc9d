//! Transport refusals are JSON with a code, like every other error of the simulator: a method a
//! path does not take (405), a body over the limit (413), a target over the limit (414); the
//! limits are configurable (VTEX documents none).

mod common;

use common::{APP_KEY, APP_TOKEN, client, temp_dir};
use ponte_sim::platform::http::Limits;
use ponte_sim::{Sim, SimConfig};
use reqwest::StatusCode;
use serde_json::Value;

async fn start_with(dir: &std::path::Path, limits: Limits) -> Sim {
    let mut config = SimConfig::new(dir);
    config.limits = limits;
    Sim::start(config)
        .await
        .unwrap_or_else(|e| panic!("the simulator did not start: {e}"))
}

async fn code_of(resp: reqwest::Response) -> (StatusCode, String) {
    let status = resp.status();
    let body: Value = resp
        .json()
        .await
        .unwrap_or_else(|e| panic!("not JSON: {e}"));
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn refusals_of_the_transport_are_json_with_a_code() {
    let dir = temp_dir();
    let limits = Limits {
        max_body_bytes: 64 * 1024,
        max_uri_bytes: 4 * 1024,
    };
    let sim = start_with(dir.path(), limits).await;
    let c = client();
    let url = |path: &str| format!("{}{path}", sim.url());

    let wrong_method = c
        .patch(url("/api/orders/feed/config"))
        .header(APP_KEY.0, APP_KEY.1)
        .header(APP_TOKEN.0, APP_TOKEN.1)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        code_of(wrong_method).await,
        (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED".into())
    );

    let big = format!("{{\"Name\": \"{}\"}}", "x".repeat(80 * 1024));
    let too_large = c
        .post(url("/api/catalog/pvt/brand"))
        .header(APP_KEY.0, APP_KEY.1)
        .header(APP_TOKEN.0, APP_TOKEN.1)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        code_of(too_large).await,
        (StatusCode::PAYLOAD_TOO_LARGE, "REQUEST_TOO_LARGE".into())
    );

    let long = url(&format!(
        "/api/catalog_system/pub/category/tree/3?pad={}",
        "y".repeat(5 * 1024)
    ));
    let too_long = c.get(long).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        code_of(too_long).await,
        (StatusCode::URI_TOO_LONG, "URI_TOO_LONG".into())
    );

    // Within the limits the same calls are routed.
    let small = c
        .get(url("/api/catalog_system/pub/category/tree/3"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(small.status(), StatusCode::OK);
    common::stop(sim).await;
}
