//! VTEX IO's rules on the app, read from its manifest.json and service.json: events by
//! `topics` in the broadcaster's target workspace, outbound-access policies on every call of the
//! app, License Manager policies on calls made with the app's token
//! (`ponte_sim::vtex::io::policies`).

mod common;

use common::{sim_put, stop, temp_dir};
use ponte_sim::vtex::io::{IoConfig, IoRouter};
use ponte_sim::{Sim, SimConfig};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::path::Path;

/// The app token the service's calls carry (any value: what matters is that the VTEX ID
/// credential is the same token as `Proxy-Authorization`).
const APP_TOKEN: &str = "app-token-of-ponte";

fn repo_manifest() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifest.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("manifest.json: {e}"))
}

/// The repository's manifest without the policy named `name`.
fn manifest_without(name: &str) -> Value {
    let mut m = repo_manifest();
    if let Some(list) = m.get_mut("policies").and_then(Value::as_array_mut) {
        list.retain(|p| p.get("name").and_then(Value::as_str) != Some(name));
    }
    m
}

async fn start_with(dir: &Path, manifest: Option<Value>) -> Sim {
    let mut config = SimConfig::new(dir);
    config.app_manifest = manifest;
    // The account the app is installed on (`{{account}}` in its policies).
    config.io.account = Some("ponte".into());
    Sim::start(config)
        .await
        .unwrap_or_else(|e| panic!("the simulator did not start: {e}"))
}

fn via_proxy(sim: &Sim) -> Client {
    Client::builder()
        .proxy(reqwest::Proxy::http(sim.url()).unwrap_or_else(|e| panic!("{e}")))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `GET url` through the proxy, as the service's `ExternalClient`s send it: with the app's
/// token as `Proxy-Authorization` and, when `app_token` is set, as the VTEX ID credential too.
async fn app_get(c: &Client, url: &str, app_token: bool) -> (StatusCode, Value) {
    let mut req = c.get(url).header("proxy-authorization", APP_TOKEN);
    if app_token {
        req = req.header("VtexIdclientAutCookie", APP_TOKEN);
    } else {
        req = req
            .header("X-VTEX-API-AppKey", "vtexappkey-ponte-PONTE")
            .header("X-VTEX-API-AppToken", "ponte-sim-apptoken");
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = resp.status();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

fn code(body: &Value) -> &str {
    body.pointer("/error/code")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[test]
fn order_events_are_delivered_by_topics_in_the_target_workspace_only() {
    let service = json!({
        "events": {
            "byTopics": { "sender": "vtex.orders-broadcast", "topics": ["order-status-updated"] },
            "byKeys": { "sender": "vtex.orders-broadcast", "keys": ["order-status-updated"] }
        }
    });
    let router = |workspace: &str, target: &str| {
        IoRouter::new(
            "ponte".into(),
            IoConfig {
                events: true,
                workspace: workspace.into(),
                broadcast_target_workspace: target.into(),
                service_json: Some(service.clone()),
                ..IoConfig::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    // `keys` is not how vtex.orders-broadcast subscribes (vtex-apps/orders-feed-example).
    assert_eq!(
        router("master", "master").event_handlers("ponte"),
        vec!["byTopics".to_owned()]
    );
    // Events go to the broadcaster's target workspace (master unless changed), nowhere else.
    assert!(router("dev", "master").event_handlers("ponte").is_empty());
    assert_eq!(
        router("dev", "dev").event_handlers("ponte"),
        vec!["byTopics".to_owned()]
    );
    assert_eq!(IoConfig::default().broadcast_target_workspace, "master");
}

#[tokio::test]
async fn the_apps_calls_reach_only_hosts_and_paths_its_outbound_policies_cover() {
    let dir = temp_dir();
    let sim = start_with(dir.path(), Some(repo_manifest())).await;
    let c = via_proxy(&sim);
    for url in [
        // A VTEX API the manifest names no path of.
        "http://ponte.vtexcommercestable.com.br/api/checkout/pub/orderForm",
        // Another account's host: `{{account}}` is the account the app is installed on.
        "http://other.vtexcommercestable.com.br/api/oms/pvt/orders/v1-01",
        // A host no policy names (not even played by the simulator).
        "http://erp.elsewhere.example/orders",
        // The feed and the hook are covered exactly (`/api/orders/feed`, `/api/orders/feed/*`,
        // `/api/orders/hook/config`), not the rest of `/api/orders`.
        "http://ponte.vtexcommercestable.com.br/api/orders/expressions/jsonata",
    ] {
        let (status, body) = app_get(&c, url, false).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{url}: {body}");
        assert_eq!(code(&body), "OUTBOUND_ACCESS_DENIED", "{url}: {body}");
    }
    // Covered: the OMS on the account's host (no such order: 404, not a refusal).
    let (status, body) = app_get(
        &c,
        "http://ponte.vtexcommercestable.com.br/api/oms/pvt/orders/v1-01",
        false,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // A call that is not the app's (no Proxy-Authorization, e.g. an integrator's) is not checked.
    let resp = c
        .get("http://ponte.vtexcommercestable.com.br/api/orders/hook/config")
        .header("X-VTEX-API-AppKey", "vtexappkey-ponte-PONTE")
        .header("X-VTEX-API-AppToken", "ponte-sim-apptoken")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(resp.status(), StatusCode::FORBIDDEN);
    stop(sim).await;

    // The test ERP host is reachable only through its own (test-only) policy.
    let dir = temp_dir();
    let mut manifest = repo_manifest();
    if let Some(list) = manifest.get_mut("policies").and_then(Value::as_array_mut) {
        list.retain(|p| {
            p.pointer("/attrs/host").and_then(Value::as_str) != Some("erp.ponte-sim.test")
        });
    }
    let sim = start_with(dir.path(), Some(manifest)).await;
    let (status, body) = app_get(
        &via_proxy(&sim),
        "http://erp.ponte-sim.test/erp/orders",
        false,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(code(&body), "OUTBOUND_ACCESS_DENIED", "{body}");
    stop(sim).await;
}

#[tokio::test]
async fn a_call_with_the_apps_token_needs_the_license_manager_policy_of_its_api() {
    let order = "http://ponte.vtexcommercestable.com.br/api/oms/pvt/orders/v1-01";
    let sku = "http://portal.vtexcommercestable.com.br/api/catalog_system/pvt/sku/stockkeepingunitbyean/789?an=ponte";

    // The repository's manifest holds both: the calls go through (nothing there: 404).
    let dir = temp_dir();
    let sim = start_with(dir.path(), Some(repo_manifest())).await;
    let c = via_proxy(&sim);
    for url in [order, sku] {
        let (status, body) = app_get(&c, url, true).await;
        assert_ne!(status, StatusCode::FORBIDDEN, "{url}: {body}");
    }
    stop(sim).await;

    // Without OMSViewer, reading an order with the app's token is refused.
    let dir = temp_dir();
    let sim = start_with(dir.path(), Some(manifest_without("OMSViewer"))).await;
    let c = via_proxy(&sim);
    let (status, body) = app_get(&c, order, true).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(code(&body), "APP_POLICY_MISSING", "{body}");
    assert!(body.to_string().contains("OMSViewer"), "{body}");
    // The same call with another credential (an app key's roles are its own) is not checked.
    let (status, body) = app_get(&c, order, false).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    stop(sim).await;

    // Without Sku.aspx, reading a SKU with the app's token is refused.
    let dir = temp_dir();
    let sim = start_with(dir.path(), Some(manifest_without("Sku.aspx"))).await;
    let (status, body) = app_get(&via_proxy(&sim), sku, true).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(code(&body), "APP_POLICY_MISSING", "{body}");
    stop(sim).await;
}

#[tokio::test]
async fn the_role_table_and_the_manifest_are_configurable_at_run_time() {
    let dir = temp_dir();
    let sim = start_with(dir.path(), None).await;
    let c = via_proxy(&sim);
    let tree =
        "http://portal.vtexcommercestable.com.br/api/catalog_system/pub/category/tree/1?an=ponte";
    // No manifest: nothing is checked.
    let (status, _) = app_get(
        &c,
        "http://ponte.vtexcommercestable.com.br/api/logistics/x",
        true,
    )
    .await;
    assert_ne!(status, StatusCode::FORBIDDEN);
    let status = sim_put(&sim, "/_sim/io/manifest", &repo_manifest()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app_get(&c, tree, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let table = json!([{ "methods": ["GET"], "pathPrefix": "/api/catalog_system/pub/category/",
                        "anyOf": ["Categoria.aspx"], "source": "test" }]);
    assert_eq!(
        sim_put(&sim, "/_sim/io/role-table", &table).await,
        StatusCode::OK
    );
    let (status, body) = app_get(&c, tree, true).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(code(&body), "APP_POLICY_MISSING", "{body}");
    stop(sim).await;
}
