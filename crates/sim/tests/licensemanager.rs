//! License Manager over real HTTP: the granted endpoint through the proxy host, as the service
//! (and VTEX IO's @auth) calls it, and the simulator's role extension an admin's grant stands for.

mod common;

use common::*;
use ponte_sim::{Sim, SimConfig};
use reqwest::{Client, Proxy, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

fn proxied(sim: &Sim) -> Client {
    Client::builder()
        .proxy(Proxy::http(sim.url()).unwrap_or_else(|e| panic!("proxy: {e}")))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

async fn granted(sim: &Sim, login: &str, product: &str, resource: &str) -> Value {
    let url = format!(
        "http://ponte.vtexcommercestable.com.br/api/license-manager/pvt/accounts/ponte/products/{}/logins/{}/resources/{}/granted",
        urlencode(product),
        urlencode(login),
        urlencode(resource)
    );
    let res = proxied(sim)
        .get(url)
        .header("VtexIdclientAutCookie", "the-app-token")
        .send()
        .await
        .unwrap_or_else(|e| panic!("granted: {e}"));
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap_or_else(|e| panic!("json: {e}"))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn owners_by_default_then_only_the_roles_an_admin_grants() {
    let dir = temp_dir();
    let sim = Sim::start(SimConfig::new(dir.path()))
        .await
        .unwrap_or_else(|e| panic!("start: {e}"));
    assert_eq!(
        granted(&sim, "ana@example.com", "OMS", "Cancel order").await,
        json!(true)
    );

    let role = "/_sim/license-manager/ponte/roles/Invoicer";
    assert_eq!(
        sim_put(&sim, role, &json!({ "resources": ["OMS/Notify invoice"] })).await,
        StatusCode::OK
    );
    let login = "/_sim/license-manager/ponte/logins/ana@example.com/roles";
    assert_eq!(
        sim_put(&sim, login, &json!({ "roles": ["Invoicer"] })).await,
        StatusCode::OK
    );
    assert_eq!(
        granted(&sim, "ana@example.com", "OMS", "Notify invoice").await,
        json!(true)
    );
    assert_eq!(
        granted(&sim, "ana@example.com", "OMS", "Cancel order").await,
        json!(false)
    );
    // Another login keeps the default; an unknown role is refused.
    assert_eq!(
        granted(&sim, "bob@example.com", "OMS", "Cancel order").await,
        json!(true)
    );
    assert_eq!(
        sim_put(&sim, login, &json!({ "roles": ["Nobody"] })).await,
        StatusCode::BAD_REQUEST
    );
    // Revoke everything.
    assert_eq!(
        sim_put(&sim, login, &json!({ "roles": [] })).await,
        StatusCode::OK
    );
    assert_eq!(
        granted(&sim, "ana@example.com", "OMS", "Notify invoice").await,
        json!(false)
    );
    stop(sim).await;
}
