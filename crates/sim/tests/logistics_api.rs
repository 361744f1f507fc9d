//! Logistics as the simulator plays it (crates/sim/src/vtex/logistics), over real HTTP through
//! the proxy on the account host: warehouses and docks (docs/vtex/E-logistics.md §E.1), the
//! inventory per SKU and warehouse with VTEX's `PUT` defaults, the `PATCH`es that keep the other
//! half, `dateUtcOnBalanceSystem` (§E.2, §E.5) and the `423` lock.

mod common;

use common::{Api, Reply, proxied, send, start, stop, temp_dir};
use ponte_sim::Sim;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const HOST: &str = "http://ponte.vtexcommercestable.com.br/api/logistics/pvt";

/// App-key calls to `{HOST}{path}` through the proxy.
fn api(c: &Client) -> Api<'_> {
    Api::new(c, HOST)
}

async fn settings(sim: &Sim, body: Value) {
    common::sim_put_ok(sim, "/_sim/logistics/settings", body).await;
}

/// A simulator on a fresh data directory (kept while the directory lives) with no lock window
/// between writes (§E.2).
async fn unlocked_sim() -> (tempfile::TempDir, Sim) {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    settings(&sim, json!({ "lockWindowMs": 0 })).await;
    (dir, sim)
}

fn code(r: &Reply) -> &str {
    r.body["code"].as_str().unwrap_or_default()
}

async fn warehouse(c: &Client, id: &str) {
    let r = api(c)
        .post(
            "/configuration/warehouses",
            json!({ "id": id, "name": format!("Warehouse {id}"), "warehouseDocks": [
            { "dockId": "d1", "name": "Central dock", "time": "3.00:00:00", "cost": "5.00",
              "translateDays": "days", "costToDisplay": "5,00" }
        ], "priority": 0, "isActive": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

fn balance(r: &Reply, warehouse: &str) -> Value {
    r.body["balance"]
        .as_array()
        .and_then(|b| b.iter().find(|e| e["warehouseId"] == json!(warehouse)))
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn warehouses_docks_and_inventory_as_vtex_documents_them() {
    let (_dir, sim) = unlocked_sim().await;
    let c = proxied(&sim);

    // §E.1: warehouses and docks.
    warehouse(&c, "wh1").await;
    let r = api(&c).get("/configuration/warehouses/wh1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body["warehouseDocks"],
        json!([{ "dockId": "d1", "time": "3.00:00:00", "cost": 5.0 }])
    );
    let r = api(&c).get("/configuration/warehouses/nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(code(&r), "WAREHOUSE_NOT_FOUND");
    let r = api(&c)
        .post(
            "/configuration/warehouses",
            json!({ "name": "no id", "warehouseDocks": [] }),
        )
        .await;
    assert_eq!(code(&r), "WAREHOUSE_INVALID");
    let r = api(&c)
        .post(
            "/configuration/docks",
            json!({ "id": "d1", "name": "Central dock", "priority": 0,
            "dockTimeFake": "1.00:00:00", "timeFakeOverhead": "00:00:00",
            "salesChannels": ["1"], "salesChannel": "1", "freightTableIds": ["f1"],
            "wmsEndPoint": null, "address": null }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!(true));
    let r = api(&c)
        .post_empty("/configuration/docks/d1/deactivation")
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api(&c).get("/configuration/docks/d1").await;
    assert_eq!(r.body["isActive"], json!(false));
    assert_eq!(r.body["salesChannels"], json!(["1"]));

    // §E.2: the PUT writes everything; unlimited overrules quantity and reads as 1,000,000.
    let r = api(&c)
        .put(
            "/inventory/skus/5/warehouses/wh1",
            json!({ "quantity": 202, "unlimitedQuantity": false,
            "dateUtcOnBalanceSystem": "2024-06-13T00:52:16", "leadTime": "10.10:00:00" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!(true));
    let r = api(&c).get("/inventory/skus/5").await;
    assert_eq!(r.body["skuId"], json!("5"));
    let b = balance(&r, "wh1");
    assert_eq!(b["totalQuantity"], json!(202));
    assert_eq!(b["leadTime"], json!("10.10:00:00"));
    assert_eq!(b["warehouseName"], json!("Warehouse wh1"));

    // PATCH .../quantity keeps the lead time; PATCH .../lead-time keeps the quantity.
    let r = api(&c)
        .patch(
            "/inventory/skus/5/warehouses/wh1/quantity",
            json!({ "quantity": 7, "unlimitedQuantity": false }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = api(&c)
        .patch(
            "/inventory/skus/5/warehouses/wh1/lead-time",
            json!({ "leadTime": "78:00:00" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let b = balance(&api(&c).get("/inventory/skus/5").await, "wh1");
    assert_eq!(b["totalQuantity"], json!(7));
    assert_eq!(b["leadTime"], json!("78.00:00:00"), "78:00:00 is 78 days");

    // A PUT without leadTime and quantity resets both to 0; unlimited reads as 1,000,000.
    let r = api(&c)
        .put(
            "/inventory/skus/5/warehouses/wh1",
            json!({ "unlimitedQuantity": true }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let b = balance(&api(&c).get("/inventory/skus/5").await, "wh1");
    assert_eq!(b["hasUnlimitedQuantity"], json!(true));
    assert_eq!(b["totalQuantity"], json!(1_000_000));
    assert_eq!(b["leadTime"], json!("00:00:00"));

    // Bad input: an empty lead time, a negative quantity, an unknown warehouse, a bad date.
    let r = api(&c)
        .patch(
            "/inventory/skus/5/warehouses/wh1/lead-time",
            json!({ "leadTime": "" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&r), "LEAD_TIME_INVALID");
    let r = api(&c)
        .put(
            "/inventory/skus/5/warehouses/wh1",
            json!({ "quantity": -1 }),
        )
        .await;
    assert_eq!(code(&r), "QUANTITY_NEGATIVE");
    let r = api(&c)
        .put(
            "/inventory/skus/5/warehouses/nowhere",
            json!({ "quantity": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(code(&r), "WAREHOUSE_NOT_FOUND");
    let r = api(&c)
        .put(
            "/inventory/skus/5/warehouses/wh1",
            json!({ "quantity": 1, "dateUtcOnBalanceSystem": "yesterday" }),
        )
        .await;
    assert_eq!(code(&r), "COUNT_DATE_INVALID");
    let r = api(&c)
        .put("/inventory/skus/5/warehouses/wh1", json!([1]))
        .await;
    assert_eq!(code(&r), "REQUEST_BODY_INVALID");
    let r = send(c.get(format!("{HOST}/inventory/skus/5"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    stop(sim).await;
}

/// §E.5: VTEX documents no ordering by `dateUtcOnBalanceSystem`; its PUT applies what arrives.
/// The simulator does so by default and ignores older counts only when told to.
#[tokio::test]
async fn an_older_count_is_applied_unless_the_sim_is_told_otherwise() {
    let (_dir, sim) = unlocked_sim().await;
    let c = proxied(&sim);
    warehouse(&c, "wh1").await;
    let put = |q: u32, date: &str| json!({ "quantity": q, "unlimitedQuantity": false, "dateUtcOnBalanceSystem": date });
    let path = "/inventory/skus/9/warehouses/wh1";
    api(&c).put(path, put(10, "2026-01-02T00:00:00Z")).await;
    let r = api(&c).put(path, put(4, "2026-01-01T00:00:00Z")).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = balance(&api(&c).get("/inventory/skus/9").await, "wh1");
    assert_eq!(b["totalQuantity"], json!(4), "VTEX applies an older count");
    let held =
        send(common::client().get(format!("{}/_sim/logistics/inventory/9", sim.url()))).await;
    assert_eq!(
        held.body["wh1"]["dateUtcOnBalanceSystem"],
        json!("2026-01-01T00:00:00.000000000Z")
    );

    settings(&sim, json!({ "lockWindowMs": 0, "staleCounts": "ignore" })).await;
    api(&c).put(path, put(10, "2026-01-03T00:00:00Z")).await;
    let r = api(&c).put(path, put(4, "2026-01-02T00:00:00Z")).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = balance(&api(&c).get("/inventory/skus/9").await, "wh1");
    assert_eq!(
        b["totalQuantity"],
        json!(10),
        "told to, the older count is ignored"
    );
    let stats = send(common::client().get(format!("{}/_sim/logistics/stats", sim.url()))).await;
    assert_eq!(stats.body["staleIgnored"], json!(1));
    stop(sim).await;
}

/// §E.2: several updates of one SKU and warehouse within milliseconds: the first applies, the
/// others get 423 with VTEX's text; another warehouse is not locked.
#[tokio::test]
async fn two_writes_within_the_lock_window_get_423() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    settings(&sim, json!({ "lockWindowMs": 2000 })).await;
    let c = proxied(&sim);
    warehouse(&c, "wh1").await;
    warehouse(&c, "wh2").await;
    let path = "/inventory/skus/3/warehouses/wh1";
    let r = api(&c).put(path, json!({ "quantity": 1 })).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = api(&c).put(path, json!({ "quantity": 2 })).await;
    assert_eq!(r.status, StatusCode::LOCKED);
    assert_eq!(code(&r), "INVENTORY_LOCKED");
    assert_eq!(
        r.body["Message"],
        json!("Unable to acquire lock for key: ponte_item_logistics_3_wh1.")
    );
    let r = api(&c)
        .put("/inventory/skus/3/warehouses/wh2", json!({ "quantity": 5 }))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let b = balance(&api(&c).get("/inventory/skus/3").await, "wh1");
    assert_eq!(b["totalQuantity"], json!(1), "only the first write applied");
    stop(sim).await;
}

/// §E.4: a reservation counts in `reservedQuantity` from its authorization; acknowledged, it is
/// not released by a cancellation but by a count taken after the acknowledgement; an
/// authorization that is never confirmed expires (Status 4).
#[tokio::test]
async fn reservations_are_counted_until_a_later_count_clears_them() {
    let (_dir, sim) = unlocked_sim().await;
    let c = proxied(&sim);
    warehouse(&c, "wh1").await;
    let path = "/inventory/skus/4/warehouses/wh1";
    api(&c).put(path, json!({ "quantity": 10 })).await;
    let reserve = |lock: &str, qty: u32| {
        json!({ "salesChannel": "1", "lockId": lock, "autorizationExpirationTTL": "1.00:00:00",
            "deliveryItemOptions": [{ "item": { "id": "4", "quantity": qty }, "wareHouseId": "wh1",
                "dockId": "d1" }] })
    };
    let r = api(&c)
        .post("/inventory/reservations", reserve("L1", 3))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["LockId"], json!("L1"));
    assert_eq!(r.body["Status"], json!(1));
    api(&c)
        .post("/inventory/reservations", reserve("L2", 2))
        .await;
    let reserved = |r: &Reply| balance(r, "wh1")["reservedQuantity"].clone();
    let r = api(&c).get("/inventory/skus/4").await;
    assert_eq!(reserved(&r), json!(5));

    // Acknowledging needs a confirmed reservation (§E.5).
    let r = api(&c)
        .post_empty("/inventory/reservations/L1/acknowledge")
        .await;
    assert_eq!(code(&r), "RESERVATION_NOT_CONFIRMED");
    for step in ["confirm", "acknowledge"] {
        let r = api(&c)
            .post_empty(&format!("/inventory/reservations/L1/{step}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.body);
    }
    let r = api(&c)
        .post_empty("/inventory/reservations/L1/cancel")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&r), "RESERVATION_ACKNOWLEDGED");
    // Cancelling before acknowledgement releases.
    let r = api(&c)
        .post_empty("/inventory/reservations/L2/cancel")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = api(&c).get("/inventory/reservations/L2").await;
    assert_eq!(r.body["Status"], json!(5));
    let r = api(&c).get("/inventory/skus/4").await;
    assert_eq!(reserved(&r), json!(3));

    // A count taken before the acknowledgement does not clear it; one taken after does.
    api(&c)
        .put(
            path,
            json!({ "quantity": 9, "dateUtcOnBalanceSystem": "2000-01-01T00:00:00Z" }),
        )
        .await;
    let r = api(&c).get("/inventory/skus/4").await;
    assert_eq!(reserved(&r), json!(3));
    let r = api(&c)
        .patch(
            &format!("{path}/quantity"),
            json!({ "quantity": 7, "unlimitedQuantity": false }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api(&c).get("/inventory/skus/4").await;
    assert_eq!(reserved(&r), json!(0));
    assert_eq!(balance(&r, "wh1")["totalQuantity"], json!(7));
    let r = api(&c).get("/inventory/reservations/wh1/4").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(2), "{}", r.body);

    // An authorization never confirmed expires after its TTL (simulated clock).
    api(&c)
        .post("/inventory/reservations", reserve("L3", 1))
        .await;
    let r = api(&c).get("/inventory/skus/4").await;
    assert_eq!(reserved(&r), json!(1));
    sim.clock().advance(86_400_000 + 1000);
    let r = api(&c).get("/inventory/skus/4").await;
    assert_eq!(reserved(&r), json!(0));
    let r = api(&c).get("/inventory/reservations/L3").await;
    assert_eq!(r.body["Status"], json!(4));
    let r = api(&c)
        .post_empty("/inventory/reservations/L3/confirm")
        .await;
    assert_eq!(code(&r), "RESERVATION_CLOSED");
    let r = api(&c).get("/inventory/reservations/nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(code(&r), "RESERVATION_NOT_FOUND");
    stop(sim).await;
}
