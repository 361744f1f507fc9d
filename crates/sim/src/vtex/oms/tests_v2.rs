//! Change v2 (order modifications): the engine with a recording sink (every refusal code,
//! processing on the clock, retry and cancel, v1/v2 exclusivity), and the routes over HTTP.

use super::actions::{self, Body};
use super::changes_v2::{self, ChangeInput, ChangeSettings};
use super::engine::{Engine, NewItem, NewOrder};
use super::error::OmsError;
use super::{OmsConfig, RecordingSink};
use crate::platform::clock::SimClock;
use serde_json::{Value, json};
use std::sync::Arc;

struct Fixture {
    _dir: tempfile::TempDir,
    sink: Arc<RecordingSink>,
    clock: Arc<SimClock>,
    engine: Engine,
}

fn fixture(config: OmsConfig) -> Fixture {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sink = Arc::new(RecordingSink::default());
    let clock = SimClock::new();
    let config = OmsConfig {
        auto_step_ms: 10,
        start_handling_confirm_ms: 10,
        cancel_confirm_ms: 10,
        settlement_ms: 10,
        ..config
    };
    let engine = Engine::open(dir.path(), config, clock.clone(), sink.clone())
        .unwrap_or_else(|e| panic!("open: {e}"));
    Fixture {
        _dir: dir,
        sink,
        clock,
        engine,
    }
}

impl Fixture {
    fn run(&self, ms: i64) {
        self.clock.advance(ms);
        self.engine.run_due().unwrap_or_else(|e| panic!("run: {e}"));
    }

    /// An order with the given `(sku, quantity, price)` lines in `ready-for-handling`.
    fn ready(&self, lines: &[(&str, u32, i64)], shipping: i64) -> String {
        let new = NewOrder {
            items: lines
                .iter()
                .map(|(id, quantity, price)| NewItem {
                    id: (*id).into(),
                    quantity: *quantity,
                    price: *price,
                    list_price: None,
                    name: None,
                    ref_id: None,
                })
                .collect(),
            shipping,
            shopper: 1,
            incomplete: false,
            customer_cancel_permille: None,
            run_id: None,
            gateway_payment: false,
        };
        let created = self
            .engine
            .create("ponte", vec![new], None)
            .unwrap_or_else(|e| panic!("create: {e}"));
        self.run(2_000_000);
        let id = created[0].order_id.clone();
        assert_eq!(self.status(&id), "ready-for-handling");
        id
    }

    /// An order in `handling`.
    fn handling(&self, lines: &[(&str, u32, i64)], shipping: i64) -> String {
        let id = self.ready(lines, shipping);
        self.engine
            .act("ponte", &id, "start", "k", actions::start_handling)
            .unwrap_or_else(|e| panic!("start-handling: {e}"));
        self.run(20);
        assert_eq!(self.status(&id), "handling");
        id
    }

    fn order(&self, id: &str) -> Value {
        self.engine
            .get("ponte", id)
            .unwrap_or_else(|| panic!("no order {id}"))
    }

    fn status(&self, id: &str) -> String {
        self.order(id)["status"]
            .as_str()
            .unwrap_or("null")
            .to_owned()
    }

    fn patch_with(
        &self,
        id: &str,
        body: Value,
        settings: &ChangeSettings,
        preview: bool,
    ) -> Result<Value, OmsError> {
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let input = Body::parse(&bytes, false).and_then(|b| ChangeInput::parse(&b));
        let settings = settings.clone();
        self.engine.act_as(
            "ponte",
            id,
            "PATCH changes",
            "k",
            changes_v2::order_not_found,
            move |o, c| changes_v2::create(o, c, input?, &settings, preview),
        )
    }

    fn patch(&self, id: &str, body: Value) -> Result<Value, OmsError> {
        self.patch_with(id, body, &ChangeSettings::default(), false)
    }

    fn code(&self, id: &str, body: Value) -> (u16, &'static str) {
        match self.patch(id, body) {
            Ok(v) => panic!("accepted: {v}"),
            Err(e) => (e.status.as_u16(), e.code),
        }
    }

    fn details(&self, id: &str, request_id: &str) -> Result<Value, OmsError> {
        let order = self
            .engine
            .order("ponte", id)
            .unwrap_or_else(|| panic!("no order {id}"));
        changes_v2::details_json(&order, request_id)
    }

    fn retry(&self, id: &str, request_id: &str) -> Result<(), OmsError> {
        let rid = request_id.to_owned();
        self.engine.act_as(
            "ponte",
            id,
            "retry",
            "k",
            changes_v2::order_not_found,
            move |o, c| changes_v2::retry(o, c, &rid),
        )
    }

    fn cancel(&self, id: &str, request_id: &str) -> Result<(), OmsError> {
        let rid = request_id.to_owned();
        self.engine.act_as(
            "ponte",
            id,
            "cancel",
            "k",
            changes_v2::order_not_found,
            move |o, c| {
                let body = Body::parse(br#"{"reason":"not needed"}"#, false)?;
                changes_v2::cancel(o, c, &rid, &body)
            },
        )
    }

    fn v2_stats(&self) -> Value {
        self.engine.with(|i| {
            serde_json::to_value(&i.stats.account("ponte").changes_v2).unwrap_or_default()
        })
    }
}

fn request_id(v: &Value) -> String {
    v["requestId"]
        .as_str()
        .unwrap_or_else(|| panic!("no requestId in {v}"))
        .to_owned()
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[test]
fn a_change_is_applied_before_the_202_without_a_status_event() {
    let f = fixture(OmsConfig::default());
    let id = f.handling(&[("7", 2, 1250), ("8", 1, 1000)], 500);
    let before = f.order(&id);
    assert_eq!(before["value"], 4000);
    let published = f.sink.changes().len();
    let reason = "[ponte:req-1] Item 7 out of stock";
    let accepted = f
        .patch(
            &id,
            json!({
                "reason": reason,
                "remove": {"items": [{"id": "7", "quantity": 1}]},
                "add": {"items": [{"id": "9", "quantity": 1, "price": 300}]},
                "manualDiscountValue": 100
            }),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    // The 202 body.
    let rid = request_id(&accepted);
    assert!(is_uuid(&rid), "{rid}");
    assert!(is_uuid(accepted["workflowId"].as_str().unwrap_or("")));
    assert_ne!(accepted["workflowId"], accepted["requestId"]);
    assert_eq!(accepted["reason"], reason);
    assert_eq!(accepted["manualDiscountValue"], 100);
    assert_eq!(accepted["manualIncrementValue"], 0);
    assert_eq!(accepted["totalChangeValue"], -1250 + 300 - 100);
    assert_eq!(accepted["totals"], json!([]));
    assert_eq!(accepted["replace"], json!([]));
    assert_eq!(accepted["add"]["items"][0]["id"], "9");
    assert_eq!(accepted["remove"]["items"][0]["price"], 1250);
    assert_eq!(accepted["origin"]["orderId"], id.as_str());
    assert_eq!(
        accepted["settings"]["rolloutConfiguration"]["enableApi"],
        true
    );
    let date = accepted["date"].as_str().unwrap_or("");
    assert!(date.ends_with('Z') && date.len() == 28, "{date}");
    // The order.
    let after = f.order(&id);
    assert_eq!(after["value"], 2950);
    assert_eq!(after["status"], "handling");
    assert_eq!(after["items"][0]["quantity"], 1);
    assert_eq!(after["items"][2]["id"], "9");
    assert_eq!(after["items"][2]["price"], 300);
    assert_eq!(after["items"][2]["quantity"], 1);
    let data = &after["changesAttachment"]["changesData"];
    assert_eq!(data[0]["reason"], reason);
    assert_eq!(data[0]["discountValue"], 100);
    assert_eq!(data[0]["itemsRemoved"][0]["id"], "7");
    assert!(after["lastChange"].as_str() > before["lastChange"].as_str());
    // No status event.
    assert_eq!(f.sink.changes().len(), published);
    let details = f.details(&id, &rid).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(details["status"], "done");
    assert_eq!(details["inProgress"], false);
    assert_eq!(details["totals"][1]["value"], -100);
    assert_eq!(
        f.v2_stats(),
        json!({"requested": 1, "applied": 1, "refused": 0, "failed": 0, "canceled": 0, "retried": 0})
    );
    // The next status event still names the previous status change as its lastChange.
    let last_status = f
        .sink
        .changes()
        .last()
        .map(|c| c.current_change.clone())
        .unwrap_or_default();
    f.engine
        .act("ponte", &id, "cancel", "k", |o, c| {
            actions::cancel(o, c, &Body::default())
        })
        .unwrap_or_else(|e| panic!("cancel: {e}"));
    let event = f
        .sink
        .changes()
        .last()
        .cloned()
        .unwrap_or_else(|| panic!("no event"));
    assert_eq!(event.state, "cancellation-requested");
    assert_eq!(event.last_change, last_status);
    assert!(event.current_change.as_str() > after["lastChange"].as_str().unwrap_or(""));
}

#[test]
fn a_replace_removes_its_from_items_and_adds_its_to_items() {
    let f = fixture(OmsConfig::default());
    let id = f.handling(&[("7", 2, 1250), ("8", 1, 1000)], 500);
    let accepted = f
        .patch(
            &id,
            json!({
                "reason": "swap 8 for 9",
                "replace": [{
                    "from": {"items": [{"id": "8", "quantity": 1}]},
                    "to": {"items": [{"id": "9", "quantity": 2, "price": 300}],
                           "shippingData": {"logisticsInfo": []}}
                }]
            }),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(accepted["totalChangeValue"], -1000 + 600);
    assert_eq!(accepted["remove"]["items"][0]["id"], "8");
    assert_eq!(accepted["add"]["items"][0]["id"], "9");
    assert_eq!(f.order(&id)["value"], 4000 - 1000 + 600);
}

#[test]
fn preview_checks_and_answers_without_recording() {
    let f = fixture(OmsConfig::default());
    let id = f.handling(&[("7", 2, 1250)], 0);
    let before = f.engine.order("ponte", &id);
    let preview = f
        .patch_with(
            &id,
            json!({"reason": "preview", "manualIncrementValue": 50, "replace": []}),
            &ChangeSettings::default(),
            true,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(preview["totalChangeValue"], 50);
    assert!(preview.get("requestId").is_none());
    assert_eq!(f.engine.order("ponte", &id), before);
    let refused = f.patch_with(
        &id,
        json!({"reason": "preview", "manualDiscountValue": 99_999}),
        &ChangeSettings::default(),
        true,
    );
    assert_eq!(refused.map_err(|e| e.code), Err("CHK0034"));
}

#[test]
fn every_refusal_code() {
    let f = fixture(OmsConfig::default());
    let id = f.handling(&[("7", 2, 1250), ("8", 1, 1000)], 500);
    let r = |v: Value| f.code(&id, v);
    // The request.
    assert_eq!(r(json!({"manualDiscountValue": 1})), (400, "OMS002"));
    assert_eq!(
        r(json!({"reason": "  ", "manualDiscountValue": 1})),
        (400, "OMS002")
    );
    assert_eq!(r(json!({"reason": "x"})), (400, "OMS002"));
    assert_eq!(
        r(json!({"reason": "x", "add": {"items": [{"id": "9", "quantity": 1}]}})),
        (400, "OMS002")
    );
    assert_eq!(
        r(json!({"reason": "x", "replace": [{"from": {"items": []}, "to": {"items": []}}]})),
        (400, "OMS002")
    );
    assert_eq!(
        r(
            json!({"reason": "x", "replace": [{"from": {"items": [{"id": "8", "quantity": 1}]},
            "to": {"items": [{"id": "9", "quantity": 1}]}}]})
        ),
        (400, "OMS002")
    );
    assert_eq!(
        r(json!({"reason": "x", "remove": {"items": [{"quantity": 1}]}})),
        (400, "CHK0022")
    );
    assert_eq!(
        r(json!({"reason": "x", "remove": {"items": [{"id": "7", "quantity": 0}]}})),
        (400, "CHK0023")
    );
    assert_eq!(
        r(json!({"reason": "x", "add": {"items": [{"id": "7", "quantity": 1.5, "price": 1}]}})),
        (400, "CHK0023")
    );
    assert_eq!(
        r(json!({"reason": "x", "manualDiscountValue": -1})),
        (400, "CHK0098")
    );
    assert_eq!(
        r(json!({"reason": "x", "manualIncrementValue": -1})),
        (400, "CHK0098")
    );
    assert_eq!(
        r(json!({"reason": "x", "add": {"items": [{"id": "7", "quantity": 1, "price": -5}]}})),
        (400, "CHK0098")
    );
    // Against the order.
    assert_eq!(
        r(json!({"reason": "x", "remove": {"items": [{"id": "404", "quantity": 1}]}})),
        (400, "CHK0022")
    );
    assert_eq!(
        r(json!({"reason": "x", "remove": {"items": [{"id": "7", "quantity": 3}]}})),
        (400, "SalesOrderSystem010")
    );
    assert_eq!(
        r(json!({"reason": "x", "manualDiscountValue": 4001})),
        (400, "CHK0034")
    );
    assert_eq!(
        f.patch("v0pnt-01", json!({"reason": "x", "manualDiscountValue": 1}))
            .map_err(|e| (e.status.as_u16(), e.code)),
        Err((404, "CHK0201"))
    );
    // Nothing refused changed anything.
    assert_eq!(f.order(&id)["value"], 4000);
    assert!(
        f.engine
            .order("ponte", &id)
            .is_some_and(|o| o.change_requests.is_empty())
    );

    // The order's status.
    let ready = f.ready(&[("7", 1, 1000)], 0);
    assert_eq!(
        f.code(&ready, json!({"reason": "x", "manualDiscountValue": 1})),
        (409, "CHK0124")
    );
    let canceled = f.ready(&[("7", 1, 1000)], 0);
    f.engine.set_config(OmsConfig {
        two_step_cancel: false,
        ..f.engine.config()
    });
    f.engine
        .act("ponte", &canceled, "cancel", "k", |o, c| {
            actions::cancel(o, c, &Body::default())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        f.code(&canceled, json!({"reason": "x", "manualDiscountValue": 1})),
        (409, "SalesOrderSystem008")
    );
    f.run(100);
    assert_eq!(f.status(&canceled), "canceled");
    assert_eq!(
        f.code(&canceled, json!({"reason": "x", "manualDiscountValue": 1})),
        (409, "SalesOrderSystem008")
    );
}

fn invoice(f: &Fixture, id: &str, number: &str, value: i64, items: Value) {
    let body = json!({
        "type": "Output", "issuanceDate": "2026-01-01T10:00:00Z", "invoiceNumber": number,
        "invoiceValue": value.to_string(), "items": items
    });
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let input = Body::parse(&bytes, false)
        .and_then(|b| actions::InvoiceInput::parse(&b))
        .unwrap_or_else(|e| panic!("{e}"));
    f.engine
        .act("ponte", id, "invoice", "k", move |o, c| {
            actions::invoice(o, c, input)
        })
        .unwrap_or_else(|e| panic!("invoice: {e}"));
}

#[test]
fn partially_invoiced_orders() {
    let f = fixture(OmsConfig::default());
    let id = f.handling(&[("7", 2, 1000), ("8", 1, 500)], 0);
    invoice(
        &f,
        &id,
        "NF-1",
        1000,
        json!([{"id": "7", "price": 1000, "quantity": 1}]),
    );
    assert_eq!(f.status(&id), "invoice");
    // Units already invoiced cannot be removed; the rest can.
    assert_eq!(
        f.code(
            &id,
            json!({"reason": "x", "remove": {"items": [{"id": "7", "quantity": 2}]}})
        ),
        (400, "SalesOrderSystem011")
    );
    // Not below what is invoiced.
    assert_eq!(
        f.code(&id, json!({"reason": "x", "manualDiscountValue": 1600})),
        (400, "CHK0034")
    );
    // With changes after a partial invoice forbidden: 046.
    f.engine.set_config(OmsConfig {
        change_after_partial_invoice: false,
        ..f.engine.config()
    });
    assert_eq!(
        f.code(&id, json!({"reason": "x", "manualDiscountValue": 1})),
        (409, "SalesOrderSystem046")
    );
    f.engine.set_config(OmsConfig {
        change_after_partial_invoice: true,
        ..f.engine.config()
    });
    // Removing the uninvoiced rest brings the value to what is invoiced: settlement follows.
    f.patch(
        &id,
        json!({"reason": "x", "remove": {"items": [{"id": "7", "quantity": 1}, {"id": "8", "quantity": 1}]}}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.order(&id)["value"], 1000);
    f.run(20);
    assert_eq!(f.status(&id), "invoiced");
    assert_eq!(
        f.code(&id, json!({"reason": "x", "manualIncrementValue": 1})),
        (409, "CHK0124")
    );
}

#[test]
fn processing_on_the_clock_and_one_change_at_a_time() {
    let f = fixture(OmsConfig {
        change_processing_ms: 1000,
        ..OmsConfig::default()
    });
    let id = f.handling(&[("7", 2, 1250)], 0);
    let accepted = f
        .patch(&id, json!({"reason": "later", "manualIncrementValue": 10}))
        .unwrap_or_else(|e| panic!("{e}"));
    let rid = request_id(&accepted);
    assert_eq!(accepted["totalChangeValue"], 10);
    assert_eq!(f.order(&id)["value"], 2500);
    let d = f.details(&id, &rid).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (d["status"].as_str(), d["inProgress"].as_bool()),
        (Some("inProgress"), Some(true))
    );
    // One change at a time.
    assert_eq!(
        f.code(&id, json!({"reason": "another", "manualIncrementValue": 1})),
        (409, "SalesOrderSystem014")
    );
    // (The simulated clock also runs in real time: keep a margin.)
    f.run(800);
    assert_eq!(f.order(&id)["value"], 2500);
    f.run(200);
    assert_eq!(f.order(&id)["value"], 2510);
    let d = f.details(&id, &rid).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (d["status"].as_str(), d["inProgress"].as_bool()),
        (Some("done"), Some(false))
    );
    assert_eq!(f.v2_stats()["applied"], 1);
    // Done: neither retried nor canceled.
    assert_eq!(
        f.retry(&id, &rid).map_err(|e| (e.status.as_u16(), e.code)),
        Err((409, "SalesOrderSystem016"))
    );
    assert_eq!(
        f.cancel(&id, &rid).map_err(|e| (e.status.as_u16(), e.code)),
        Err((409, "OMS012"))
    );
    assert_eq!(
        f.details(&id, "nope")
            .map_err(|e| (e.status.as_u16(), e.code)),
        Err((404, "CHK0289"))
    );
    assert_eq!(f.retry(&id, "nope").map_err(|e| e.code), Err("CHK0289"));
    // A retry applies a change in progress at once.
    let second = request_id(
        &f.patch(&id, json!({"reason": "second", "manualIncrementValue": 5}))
            .unwrap_or_else(|e| panic!("{e}")),
    );
    f.retry(&id, &second).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.order(&id)["value"], 2515);
    assert_eq!(
        f.details(&id, &second).map(|d| d["status"].clone()).ok(),
        Some(json!("done"))
    );
    // Nothing more happens when its old due time passes.
    f.run(2000);
    assert_eq!(f.order(&id)["value"], 2515);
    assert_eq!(
        f.engine
            .order("ponte", &id)
            .map(|o| o.change_requests.len()),
        Some(2)
    );
}

#[test]
fn a_change_that_no_longer_fits_fails_and_can_be_canceled() {
    let f = fixture(OmsConfig {
        change_processing_ms: 1000,
        ..OmsConfig::default()
    });
    let id = f.handling(&[("7", 2, 1250)], 0);
    let rid = request_id(
        &f.patch(
            &id,
            json!({"reason": "r", "remove": {"items": [{"id": "7", "quantity": 1}]}}),
        )
        .unwrap_or_else(|e| panic!("{e}")),
    );
    // The order moves to cancellation-requested before the change is processed.
    f.engine
        .act("ponte", &id, "cancel", "k", |o, c| {
            actions::cancel(o, c, &Body::default())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    f.run(1000);
    let d = f.details(&id, &rid).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d["status"], "failed");
    assert_eq!(d["inProgress"], false);
    assert_eq!(d["error"]["code"], "CHK0124");
    assert_eq!(f.order(&id)["value"], 2500);
    assert_eq!(f.v2_stats()["failed"], 1);
    // A retry fails again (204 over HTTP), a cancel ends it.
    f.retry(&id, &rid).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        f.details(&id, &rid).map(|d| d["status"].clone()).ok(),
        Some(json!("failed"))
    );
    f.cancel(&id, &rid).unwrap_or_else(|e| panic!("{e}"));
    let d = f.details(&id, &rid).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d["status"], "canceled");
    assert_eq!(d["cancelReason"], "not needed");
    assert_eq!(
        f.retry(&id, &rid).map_err(|e| e.code),
        Err("SalesOrderSystem016")
    );
    assert_eq!(f.cancel(&id, &rid).map_err(|e| e.code), Err("OMS012"));
    // An in-progress change can be canceled before it is processed: nothing applied.
    let other = f.handling(&[("7", 1, 1000)], 0);
    let rid = request_id(
        &f.patch(&other, json!({"reason": "r", "manualDiscountValue": 10}))
            .unwrap_or_else(|e| panic!("{e}")),
    );
    f.cancel(&other, &rid).unwrap_or_else(|e| panic!("{e}"));
    f.run(5000);
    assert_eq!(f.order(&other)["value"], 1000);
    assert_eq!(f.v2_stats()["canceled"], 2);
}

#[test]
fn history_keeps_the_reason_exactly_oldest_first() {
    let f = fixture(OmsConfig::default());
    let id = f.handling(&[("7", 3, 1000)], 0);
    let reasons = [
        "  [ponte:a1b2] Ítem retirado\tpelo ERP  ",
        "[ponte:c3d4] desconto",
    ];
    f.patch(&id, json!({"reason": reasons[0], "remove": {"items": [{"id": "7", "quantity": 1, "price": 900}]}}))
        .unwrap_or_else(|e| panic!("{e}"));
    f.patch(&id, json!({"Reason": reasons[1], "ManualDiscountValue": 5}))
        .unwrap_or_else(|e| panic!("{e}"));
    let order = f
        .engine
        .order("ponte", &id)
        .unwrap_or_else(|| panic!("order"));
    let history = changes_v2::history_json(&order);
    assert_eq!(history["actions"], json!([]));
    let got: Vec<&str> = history["requests"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["reason"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(got, reasons);
    assert_eq!(history["requests"][0]["remove"]["items"][0]["price"], 900);
    assert_eq!(
        history["requests"][1]["settings"],
        json!({"customPaymentSystemsAllowed": []})
    );
    // Removal at 900 of a 1000 line: the order loses 900.
    assert_eq!(f.order(&id)["value"], 3000 - 900 - 5);
}

#[test]
fn only_one_change_version_per_order() {
    let f = fixture(OmsConfig::default());
    let v1 = |id: &str| {
        let body = Body::parse(
            br#"{"requestId":"r1","reason":"v1","discountValue":10,"incrementValue":0}"#,
            false,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        f.engine.act("ponte", id, "v1", "k", move |o, c| {
            actions::change(o, c, &body)
        })
    };
    let a = f.handling(&[("7", 1, 1000)], 0);
    v1(&a).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        f.code(&a, json!({"reason": "x", "manualDiscountValue": 1})),
        (409, "SalesOrderSystem015")
    );
    let b = f.handling(&[("7", 1, 1000)], 0);
    f.patch(&b, json!({"reason": "x", "manualDiscountValue": 1}))
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = v1(&b).map_err(|e| (e.status.as_u16(), e.code, e.message));
    let Err((400, "OMS011", message)) = refused else {
        panic!("{refused:?}");
    };
    assert!(message.contains("Change v2"), "{message}");
    // v1 keeps working on other orders, as before.
    let c = f.handling(&[("7", 1, 1000)], 0);
    v1(&c).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.order(&c)["value"], 990);
}

#[test]
fn settings_merge_and_persist() {
    let f = fixture(OmsConfig::default());
    let d = f.engine.change_settings("ponte");
    assert!(d.rollout_configuration.enable_api);
    assert!(d.rollout_configuration.using_default_behavior);
    let s = f
        .engine
        .put_change_settings(
            "ponte",
            &json!({"rolloutConfiguration": {"enableApi": false}, "paymentConfiguration": {"customPaymentSystemsAllowed": ["201"]}}),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!s.rollout_configuration.enable_api);
    assert!(!s.rollout_configuration.using_default_behavior);
    assert_eq!(
        s.rollout_configuration
            .enable_admin_orders
            .enabled_workspaces,
        ["*"]
    );
    assert_eq!(f.engine.change_settings("ponte"), s);
    assert_eq!(f.engine.change_settings("other"), ChangeSettings::default());
    let bad = f.engine.put_change_settings(
        "ponte",
        &json!({"rolloutConfiguration": {"enableApi": "yes"}}),
    );
    assert_eq!(bad.map_err(|e| e.code), Err("OMS002"));
}

#[test]
fn a_change_in_progress_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = OmsConfig {
        auto_step_ms: 10,
        start_handling_confirm_ms: 10,
        change_processing_ms: 60_000,
        ..OmsConfig::default()
    };
    let (id, rid) = {
        let clock = SimClock::new();
        let f = Fixture {
            engine: Engine::open(
                dir.path(),
                config.clone(),
                clock.clone(),
                Arc::new(RecordingSink::default()),
            )
            .unwrap_or_else(|e| panic!("{e}")),
            sink: Arc::new(RecordingSink::default()),
            clock,
            _dir: tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
        };
        let id = f.handling(&[("7", 1, 1000)], 0);
        let rid = request_id(
            &f.patch(&id, json!({"reason": "r", "manualIncrementValue": 7}))
                .unwrap_or_else(|e| panic!("{e}")),
        );
        f.engine
            .put_change_settings(
                "ponte",
                &json!({"pipelineConfiguration": {"compensateShippingChanges": true}}),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        // Persists the clock's offset.
        f.engine.advance_clock(0).unwrap_or_else(|e| panic!("{e}"));
        (id, rid)
    };
    let clock = SimClock::new();
    let engine = Engine::open(
        dir.path(),
        config,
        clock.clone(),
        Arc::new(RecordingSink::default()),
    )
    .unwrap_or_else(|e| panic!("reopen: {e}"));
    assert!(
        engine
            .change_settings("ponte")
            .pipeline_configuration
            .compensate_shipping_changes
    );
    let order = engine
        .order("ponte", &id)
        .unwrap_or_else(|| panic!("order"));
    assert_eq!(
        changes_v2::details_json(&order, &rid)
            .map(|d| d["status"].clone())
            .ok(),
        Some(json!("inProgress"))
    );
    assert_eq!(
        engine.get("ponte", &id).map(|o| o["value"].clone()),
        Some(json!(1000))
    );
    clock.advance(60_000);
    engine.run_due().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        engine.get("ponte", &id).map(|o| o["value"].clone()),
        Some(json!(1007))
    );
}

// ----- over HTTP -----

async fn http(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
    auth: bool,
) -> (u16, Value) {
    let mut req = c.request(method, url);
    if auth {
        req = req
            .header("X-VTEX-API-AppKey", "vtexappkey-ponte-TEST")
            .header("X-VTEX-API-AppToken", "secret");
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_routes_over_http() {
    use reqwest::Method;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut config = crate::SimConfig::new(dir.path());
    config.oms = OmsConfig {
        auto_step_ms: 5,
        start_handling_confirm_ms: 5,
        tick_ms: 5,
        ..OmsConfig::default()
    };
    let sim = crate::Sim::start(config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = sim.url();
    let c = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let u = |p: &str| format!("{base}{p}");
    let (s, order) = http(
        &c,
        Method::POST,
        &u("/_sim/oms/orders"),
        Some(json!({"items": [{"id": "7", "quantity": 2, "price": 1000}]})),
        true,
    )
    .await;
    assert_eq!(s, 201, "{order}");
    let id = order["orderId"].as_str().unwrap_or_default().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    http(
        &c,
        Method::POST,
        &u("/_sim/clock/advance"),
        Some(json!({"ms": 1_900_000})),
        true,
    )
    .await;
    let (s, _) = http(
        &c,
        Method::POST,
        &u(&format!("/api/oms/pvt/orders/{id}/start-handling")),
        None,
        true,
    )
    .await;
    assert_eq!(s, 204);
    http(
        &c,
        Method::POST,
        &u("/_sim/clock/advance"),
        Some(json!({"ms": 100})),
        true,
    )
    .await;
    let changes = u(&format!(
        "/api/order-system/orders/{id}/changes?accountName=ponte"
    ));
    let body = json!({"reason": "[ponte:x] out of stock", "remove": {"items": [{"id": "7", "quantity": 1}]}});
    // Credentials are needed, and the account named must be the request's.
    let (s, _) = http(&c, Method::PATCH, &changes, Some(body.clone()), false).await;
    assert_eq!(s, 401);
    let (s, e) = http(
        &c,
        Method::PATCH,
        &u(&format!(
            "/api/order-system/orders/{id}/changes?accountName=other"
        )),
        Some(body.clone()),
        true,
    )
    .await;
    assert_eq!((s, e["error"]["code"].as_str()), (400, Some("OMS002")));
    // Preview, then the change.
    let (s, p) = http(
        &c,
        Method::POST,
        &u(&format!(
            "/api/order-system/orders/{id}/changes/preview?an=ponte"
        )),
        Some(body.clone()),
        true,
    )
    .await;
    assert_eq!(
        (s, p["totalChangeValue"].as_i64()),
        (200, Some(-1000)),
        "{p}"
    );
    let (s, accepted) = http(&c, Method::PATCH, &changes, Some(body.clone()), true).await;
    assert_eq!(s, 202, "{accepted}");
    let rid = request_id(&accepted);
    let (s, history) = http(
        &c,
        Method::GET,
        &u(&format!("/api/order-system/orders/{id}/changes?an=ponte")),
        None,
        true,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(history["requests"][0]["reason"], "[ponte:x] out of stock");
    assert_eq!(history["requests"][0]["requestId"], rid.as_str());
    let (s, d) = http(
        &c,
        Method::GET,
        &u(&format!(
            "/api/order-system/orders/{id}/changes/{rid}?an=ponte"
        )),
        None,
        true,
    )
    .await;
    assert_eq!((s, d["status"].as_str()), (200, Some("done")));
    let (s, e) = http(
        &c,
        Method::POST,
        &u(&format!(
            "/api/order-system/orders/{id}/changes/{rid}/retry?an=ponte"
        )),
        Some(json!({"reason": "again"})),
        true,
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("SalesOrderSystem016"))
    );
    let (s, e) = http(
        &c,
        Method::POST,
        &u(&format!(
            "/api/order-system/orders/{id}/changes/{rid}/cancel?an=ponte"
        )),
        Some(json!({"reason": "no"})),
        true,
    )
    .await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("OMS012")));
    let (s, e) = http(
        &c,
        Method::GET,
        &u("/api/order-system/orders/v1pnt-01/changes?an=ponte"),
        None,
        true,
    )
    .await;
    assert_eq!(
        (
            s,
            e["error"]["code"].as_str(),
            e["error"]["exception"].clone()
        ),
        (404, Some("CHK0201"), Value::Null)
    );
    let (_, o) = http(
        &c,
        Method::GET,
        &u(&format!("/api/oms/pvt/orders/{id}")),
        None,
        true,
    )
    .await;
    assert_eq!(o["value"], 1000);
    // Settings: enableApi false refuses every PATCH.
    let settings = u("/api/order-system/orders/changes/settings?an=ponte");
    let (s, got) = http(&c, Method::GET, &settings, None, true).await;
    assert_eq!(
        (s, got["rolloutConfiguration"]["enableApi"].as_bool()),
        (200, Some(true))
    );
    let (s, put) = http(
        &c,
        Method::PUT,
        &settings,
        Some(json!({"rolloutConfiguration": {"enableApi": false}})),
        true,
    )
    .await;
    assert_eq!(
        (s, put["rolloutConfiguration"]["enableApi"].as_bool()),
        (200, Some(false))
    );
    let (s, e) = http(&c, Method::PATCH, &changes, Some(body.clone()), true).await;
    assert_eq!((s, e["error"]["code"].as_str()), (403, Some("OMS013")));
    // Config and stats.
    let (_, cfg) = http(&c, Method::GET, &u("/_sim/oms/config"), None, true).await;
    assert_eq!(cfg["changeProcessingMs"], 0);
    let (_, stats) = http(&c, Method::GET, &u("/_sim/oms/stats"), None, true).await;
    assert_eq!(stats["changesV2"]["requested"], 1);
    assert_eq!(stats["changesV2"]["applied"], 1);
    assert_eq!(stats["changesV2"]["refused"], 2, "{stats}");
    sim.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
}
