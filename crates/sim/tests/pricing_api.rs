//! Pricing v2 as the simulator plays it (crates/sim/src/vtex/pricing), over real HTTP through the
//! proxy on VTEX's host `api.vtex.com/{account}/pricing/...`: VTEX's write rules
//! (docs/vtex/D-pricing.md §D.1, §D.2), PUT replacing every fixed price against PATCH
//! upserting, the computed price (§D.3), and the rate limit's 429 with `Retry-After`.

mod common;

use common::{APP_KEY, APP_TOKEN, Api, Reply, proxied, send, sim_put_ok, start, stop, temp_dir};
use ponte_sim::Sim;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

const HOST: &str = "http://api.vtex.com/ponte/pricing";

/// App-key calls to `{HOST}{path}` through the proxy.
fn api(c: &Client) -> Api<'_> {
    Api::new(c, HOST)
}

/// A simulator on a fresh data directory (kept while the directory lives), [`unlimited`].
async fn unlimited_sim() -> (tempfile::TempDir, Sim) {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    unlimited(&sim).await;
    (dir, sim)
}

/// No rate limit in the way of the rule tests.
async fn unlimited(sim: &Sim) {
    sim_put_ok(
        sim,
        "/_sim/pricing/settings",
        json!({ "rateLimits": { "write": null, "delete": null } }),
    )
    .await;
}

fn code(r: &Reply) -> &str {
    r.body["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn writes_follow_vtex_rules_and_put_replaces_while_patch_upserts() {
    let (_dir, sim) = unlimited_sim().await;
    let c = proxied(&sim);

    // §D.2: cost 10 with markup 2400 gives base 250.
    let r = api(&c)
        .put(
            "/prices/7",
            json!({ "costPrice": 10, "markup": 2400, "listPrice": 300,
            "fixedPrices": [
                { "tradePolicyId": "1", "value": 200, "minQuantity": 1 },
                { "tradePolicyId": "2", "value": 190.5, "minQuantity": 1 }
            ] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api(&c).get("/prices/7").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["itemId"], json!("7"));
    assert_eq!(r.body["basePrice"], json!(250));
    assert_eq!(r.body["costPrice"], json!(10));
    assert_eq!(r.body["markup"], json!(2400));
    assert_eq!(r.body["fixedPrices"].as_array().map(Vec::len), Some(2));

    // §D.2: all three of base, cost and markup fail; cost alone fails; nothing changes.
    let r = api(&c)
        .put(
            "/prices/7",
            json!({ "basePrice": 1, "costPrice": 1, "markup": 0 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&r), "BASE_PRICE_OVERDETERMINED");
    let r = api(&c).put("/prices/7", json!({ "costPrice": 5 })).await;
    assert_eq!(code(&r), "BASE_PRICE_UNDERDETERMINED");
    // §D.2: `to` must come after `from`.
    let r = api(&c).put("/prices/7", json!({ "basePrice": 100, "fixedPrices": [{ "tradePolicyId": "1", "value": 1,
            "minQuantity": 1, "dateRange": { "from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z" } }] }))
    .await;
    assert_eq!(code(&r), "DATE_RANGE_INVALID");
    let r = api(&c).get("/prices/7").await;
    assert_eq!(
        r.body["basePrice"],
        json!(250),
        "a refused write changed nothing"
    );

    // §D.1: PATCH .../fixed upserts by (table, minQuantity, dateRange) and deletes nothing.
    let r = api(&c)
        .patch(
            "/prices/7/fixed",
            json!([
                { "tradePolicyId": "1", "value": 180 },
                { "tradePolicyId": "1", "value": 150, "minQuantity": 10 }
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api(&c).get("/prices/7/fixed").await;
    let fixed = r.body.as_array().cloned().unwrap_or_default();
    assert_eq!(fixed.len(), 3, "{}", r.body);
    let t1: Vec<&Value> = fixed
        .iter()
        .filter(|f| f["tradePolicyId"] == json!("1"))
        .collect();
    assert!(
        t1.iter()
            .any(|f| f["value"] == json!(180) && f["minQuantity"] == json!(1))
    );
    assert!(
        t1.iter()
            .any(|f| f["value"] == json!(150) && f["minQuantity"] == json!(10))
    );
    assert!(fixed.iter().any(|f| f["tradePolicyId"] == json!("2")));

    // §D.1: PUT replaces every fixed price: the ones left out are gone.
    let r = api(&c)
        .put(
            "/prices/7",
            json!({ "basePrice": 250, "markup": 2400,
            "fixedPrices": [{ "tradePolicyId": "2", "value": 199, "minQuantity": 1 }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api(&c).get("/prices/7/fixed").await;
    assert_eq!(
        r.body,
        json!([{ "tradePolicyId": "2", "value": 199, "listPrice": null, "minQuantity": 1 }])
    );
    let r = api(&c).get("/prices/7/fixed/1").await;
    assert_eq!(r.body, json!([]));

    // POST .../fixed/{table} then DELETE that table's fixed prices.
    let r = api(&c).post("/prices/7/fixed/vip", json!([{ "value": 99.9, "minQuantity": 1,
            "dateRange": { "from": "2020-01-01T00:00:00-03:00", "to": "2099-01-01T00:00:00-03:00" } }]))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api(&c).get("/prices/7/fixed/vip").await;
    assert_eq!(
        r.body[0]["dateRange"]["from"],
        json!("2020-01-01T03:00:00Z")
    );
    assert_eq!(r.body[0]["value"], json!(99.9));
    let r = api(&c).delete("/prices/7/fixed/vip").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = api(&c).get("/prices/7/fixed/vip").await;
    assert_eq!(r.body, json!([]));

    // The price is gone with DELETE; reads then answer 404 with a code.
    let r = api(&c).delete("/prices/7").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = api(&c).get("/prices/7").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(code(&r), "PRICE_NOT_FOUND");
    // Bad input: not JSON, a non-numeric SKU id, no credentials.
    let r = api(&c).get("/prices/abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&r), "REQUEST_PATH_INVALID");
    let r = send(
        c.put(format!("{HOST}/prices/8"))
            .header(APP_KEY.0, APP_KEY.1)
            .header(APP_TOKEN.0, APP_TOKEN.1)
            .body("{nope"),
    )
    .await;
    assert_eq!(code(&r), "REQUEST_BODY_INVALID");
    let r = send(c.get(format!("{HOST}/prices/8"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    stop(sim).await;
}

#[tokio::test]
async fn the_variation_limiter_and_the_computed_price() {
    let (_dir, sim) = unlimited_sim().await;
    sim_put_ok(
        &sim,
        "/_sim/pricing/config?an=ponte",
        json!({ "priceVariation": { "upperLimit": 50, "lowerLimit": 10 } }),
    )
    .await;
    let c = proxied(&sim);
    let r = api(&c).get("/config").await;
    assert_eq!(r.body["priceVariation"]["upperLimit"], json!(50));
    assert_eq!(r.body["priceTableSelectionStrategy"], json!("first"));

    let r = api(&c)
        .put(
            "/prices/3",
            json!({ "basePrice": 100, "costPrice": 80, "listPrice": 120,
            "fixedPrices": [{ "tradePolicyId": "1", "value": 90, "minQuantity": 5 }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // §D.2: more than 50 % up at once is refused; exactly 50 % is allowed.
    let r = api(&c)
        .put("/prices/3", json!({ "basePrice": 150.01, "costPrice": 80 }))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&r), "PRICE_VARIATION_EXCEEDED");
    // A fixed price more than 10 % down through PATCH is refused too.
    let r = api(&c)
        .patch(
            "/prices/3/fixed",
            json!([{ "tradePolicyId": "1", "value": 80, "minQuantity": 5 }]),
        )
        .await;
    assert_eq!(code(&r), "PRICE_VARIATION_EXCEEDED");

    // §D.3: below the fixed price's minQuantity the base price applies, from it the fixed one.
    let r = api(&c).get("/prices/3/computed/1?quantity=1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["sellingPrice"], json!(100));
    assert_eq!(r.body["listPrice"], json!(120));
    let r = api(&c).get("/prices/3/computed/1?quantity=5").await;
    assert_eq!(r.body["sellingPrice"], json!(90));
    assert_eq!(r.body["costPrice"], json!(80));
    let r = api(&c).get("/prices/3/computed").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.body);
    let r = api(&c).get("/prices/404/computed/1").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    stop(sim).await;
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    // The documented defaults are the OpenAPI file's (§H.9).
    let r = send(common::client().get(format!("{}/_sim/pricing/settings", sim.url()))).await;
    assert_eq!(
        r.body["rateLimits"]["write"],
        json!({ "perSecond": 33, "burst": 500 })
    );
    assert_eq!(
        r.body["rateLimits"]["delete"],
        json!({ "perSecond": 16, "burst": 300 })
    );
    sim_put_ok(
        &sim,
        "/_sim/pricing/settings",
        json!({ "rateLimits": { "write": { "perSecond": 2, "burst": 3 } } }),
    )
    .await;
    let c = proxied(&sim);
    let mut statuses = Vec::new();
    let mut refused = None;
    for i in 0..8 {
        let resp = c
            .put(format!("{HOST}/prices/{}", i + 1))
            .header(APP_KEY.0, APP_KEY.1)
            .header(APP_TOKEN.0, APP_TOKEN.1)
            .json(&json!({ "basePrice": 10 }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("put: {e}"));
        let status = resp.status();
        let h = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(h("ratelimit-limit").as_deref(), Some("3"));
        if status == StatusCode::TOO_MANY_REQUESTS && refused.is_none() {
            refused = Some((i, h("retry-after"), h("ratelimit-remaining")));
        }
        statuses.push(status);
    }
    // 2 free in the second, 3 from the burst credits, then refused (unless a second passed).
    let (first, retry_after, remaining) =
        refused.unwrap_or_else(|| panic!("no 429 in {statuses:?}"));
    assert!(first >= 5, "refused too early: {statuses:?}");
    assert_eq!(remaining.as_deref(), Some("0"));
    let secs: u64 = retry_after
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After"));
    assert!((1..=1).contains(&secs));
    // A refused write changed nothing; the stats count it.
    let r = send(common::client().get(format!("{}/_sim/pricing/stats", sim.url()))).await;
    assert!(
        r.body["rateLimited"].as_u64().unwrap_or(0) >= 1,
        "{}",
        r.body
    );
    // GET is not limited by default.
    let r = api(&c).get("/prices/1").await;
    assert_eq!(r.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = api(&c).put("/prices/1", json!({ "basePrice": 11 })).await;
    assert_eq!(r.status, StatusCode::OK, "after Retry-After: {}", r.body);
    stop(sim).await;
}

/// Prices and the account's configuration live in the store: a restarted simulator on the same
/// data directory answers them; the configured latency delays each call.
#[tokio::test]
async fn prices_survive_a_restart_and_latency_is_configurable() {
    let (dir, sim) = unlimited_sim().await;
    sim_put_ok(
        &sim,
        "/_sim/pricing/config?an=ponte",
        json!({ "defaultMarkup": 25 }),
    )
    .await;
    let c = proxied(&sim);
    let r = api(&c)
        .put(
            "/prices/11",
            json!({ "basePrice": 125,
            "fixedPrices": [{ "tradePolicyId": "2", "value": 100, "minQuantity": 3 }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api(&c).call(Method::PUT, "/tables/gold", None).await;
    assert_eq!(r.status, StatusCode::OK);
    stop(sim).await;

    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);
    let r = api(&c).get("/prices/11").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // §H.6: the base alone derives the cost with the default markup (125 / 1.25 = 100).
    assert_eq!(r.body["costPrice"], json!(100));
    assert_eq!(r.body["markup"], json!(25));
    assert_eq!(r.body["fixedPrices"][0]["minQuantity"], json!(3));
    let r = api(&c).get("/tables").await;
    assert_eq!(r.body, json!(["1", "gold"]));

    sim_put_ok(&sim, "/_sim/pricing/settings", json!({ "latencyMs": 150 })).await;
    let started = std::time::Instant::now();
    let r = api(&c).get("/prices/11").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));
    stop(sim).await;
}

#[tokio::test]
async fn price_rules_are_kept_per_table_and_decide_the_computed_price() {
    let (dir, sim) = unlimited_sim().await;
    let c = proxied(&sim);
    let r = api(&c)
        .put(
            "/prices/21",
            json!({ "basePrice": 1000, "costPrice": 800, "listPrice": 1500,
            "fixedPrices": [{ "tradePolicyId": "2", "value": 700, "minQuantity": 1 }] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A table without rules answers an empty list.
    let r = api(&c).get("/pipeline/catalog/1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!({ "tradePolicyId": "1", "rules": [] }));

    // §D.1: the PUT replaces the table's rules and answers 201. Rule 3 fits brand 9 only,
    // rule 5 everything: for brand 9 the first by id (§H.8) decides.
    let rules = json!({ "rules": [
        { "id": 5, "context": { "categories": {}, "brands": {}, "markupRange": null, "dateRange": null },
          "percentualModifier": 20 },
        { "id": 3, "context": { "categories": {}, "brands": { "9": "Acme" }, "markupRange": null,
            "dateRange": { "from": "2000-01-01T00:00:00Z", "to": "2999-01-01T00:00:00Z" } },
          "percentualModifier": -10 }
    ] });
    let r = api(&c).put("/pipeline/catalog/1", rules).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = api(&c).get("/pipeline/catalog/1").await;
    assert_eq!(
        r.body["rules"].as_array().map(Vec::len),
        Some(2),
        "{}",
        r.body
    );
    assert_eq!(
        r.body["rules"][1]["context"]["brands"],
        json!({ "9": "Acme" })
    );
    assert_eq!(
        r.body["rules"][1]["context"]["dateRange"]["to"],
        json!("2999-01-01T00:00:00Z")
    );
    let r = api(&c).get("/pipeline/catalog").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.body);

    // §D.3: 1000 with 20 % is 1200; brand 9 takes rule 3 (−10 %): 900. Table 2's fixed price
    // is not touched by table 1's rules.
    let r = api(&c).get("/prices/21/computed/1").await;
    assert_eq!(r.body["sellingPrice"], json!(1200), "{}", r.body);
    let r = api(&c).get("/prices/21/computed/1?brandId=9").await;
    assert_eq!(r.body["sellingPrice"], json!(900), "{}", r.body);
    assert_eq!(r.body["priceValidUntil"], json!("2999-01-01T00:00:00Z"));
    let r = api(&c).get("/prices/21/computed/2").await;
    assert_eq!(r.body["sellingPrice"], json!(700), "{}", r.body);

    // Bad input: a modifier below −100 %, one id twice, no `rules`, markupRange from > to, a
    // body that is not JSON; each refused, none changes the rules.
    for (body, expected) in [
        (
            json!({ "rules": [{ "id": 1, "percentualModifier": -100.01 }] }),
            "PRICE_RULE_MODIFIER_INVALID",
        ),
        (
            json!({ "rules": [{ "id": 1, "percentualModifier": 1 }, { "id": 1, "percentualModifier": 2 }] }),
            "PRICE_RULE_INVALID",
        ),
        (json!({}), "PRICE_RULE_INVALID"),
        (
            json!({ "rules": [{ "id": 1, "percentualModifier": 1,
                "context": { "markupRange": { "from": 10, "to": 5 } } }] }),
            "PRICE_RULE_INVALID",
        ),
        (json!("rules"), "REQUEST_BODY_INVALID"),
    ] {
        let r = api(&c).put("/pipeline/catalog/1", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert_eq!(code(&r), expected, "{body}: {}", r.body);
    }
    stop(sim).await;

    // The rules persist.
    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);
    let r = api(&c).get("/prices/21/computed/1").await;
    assert_eq!(r.body["sellingPrice"], json!(1200), "{}", r.body);
    stop(sim).await;
}
