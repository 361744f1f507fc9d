//! Unit tests of the engine with a recording sink: what is published, in which order, with
//! which origin.

use super::actions;
use super::engine::{Engine, NewItem, NewOrder, PLATFORM_KEY};
use super::{OmsConfig, RecordingSink};
use crate::platform::clock::SimClock;
use std::sync::Arc;

/// An engine over `dir` with fast timers, a fresh recording sink and a fresh clock.
fn engine(dir: &std::path::Path) -> (Engine, Arc<RecordingSink>, Arc<SimClock>) {
    let config = OmsConfig {
        auto_step_ms: 10,
        start_handling_confirm_ms: 10,
        cancel_confirm_ms: 10,
        settlement_ms: 10,
        ..OmsConfig::default()
    };
    let (sink, clock) = (Arc::new(RecordingSink::default()), SimClock::new());
    let engine = Engine::open(dir, config, clock.clone(), sink.clone())
        .unwrap_or_else(|e| panic!("open: {e}"));
    (engine, sink, clock)
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn one_order() -> NewOrder {
    NewOrder {
        items: vec![NewItem {
            id: "7".into(),
            quantity: 2,
            price: 1250,
            list_price: None,
            name: None,
            ref_id: None,
        }],
        shipping: 500,
        shopper: 1,
        incomplete: false,
        customer_cancel_permille: None,
        run_id: None,
        gateway_payment: false,
    }
}

#[test]
fn every_status_change_is_published_in_order_with_its_origin() {
    let dir = temp_dir();
    let (engine, sink, clock) = engine(dir.path());
    let created = engine
        .create("ponte", vec![one_order()], None)
        .unwrap_or_else(|e| panic!("create: {e}"));
    let id = created[0].order_id.clone();
    assert_eq!(id, "v1000001pnt-01");
    // Nothing is due yet: only the creation was published.
    assert_eq!(sink.changes().len(), 1);
    // A big jump runs the whole automatic chain and the window in one pass.
    clock.advance(2_000_000);
    engine.run_due().unwrap_or_else(|e| panic!("run: {e}"));
    let changes = sink.changes();
    let states: Vec<&str> = changes.iter().map(|c| c.state.as_str()).collect();
    assert_eq!(
        states,
        [
            "order-created",
            "on-order-completed",
            "payment-pending",
            "approve-payment",
            "payment-approved",
            "authorize-fulfillment",
            "window-to-cancel",
            "ready-for-handling"
        ]
    );
    assert_eq!(changes[0].last_state, "");
    for pair in changes.windows(2) {
        assert_eq!(pair[1].last_state, pair[0].state);
        assert_eq!(pair[1].last_change, pair[0].current_change);
        assert!(pair[1].current_change > pair[0].current_change);
    }
    for c in &changes {
        assert_eq!(c.origin_key, PLATFORM_KEY);
        assert_eq!(c.domain, "Fulfillment");
        assert_eq!(c.origin_account, "ponte");
        // The published order is the order right after the change.
        assert_eq!(c.order["status"], c.state.as_str());
        assert_eq!(c.order["lastChange"], c.current_change.as_str());
        assert_eq!(c.order["value"], 3000);
    }
    // An API action carries the caller's key.
    engine
        .act(
            "ponte",
            &id,
            "start",
            "vtexappkey-ponte-ERP",
            actions::start_handling,
        )
        .unwrap_or_else(|e| panic!("start-handling: {e}"));
    let last = sink
        .changes()
        .last()
        .cloned()
        .unwrap_or_else(|| panic!("no change"));
    assert_eq!(last.state, "start-handling");
    assert_eq!(last.origin_key, "vtexappkey-ponte-ERP");
    // A refused action publishes nothing and changes nothing.
    let before = sink.changes().len();
    let refused = engine.act("ponte", &id, "start", "k", actions::start_handling);
    assert_eq!(refused.map_err(|e| e.code), Err("OMS003"));
    assert_eq!(sink.changes().len(), before);
    clock.advance(20);
    engine.run_due().unwrap_or_else(|e| panic!("run: {e}"));
    let last = sink
        .changes()
        .last()
        .cloned()
        .unwrap_or_else(|| panic!("no change"));
    assert_eq!(
        (last.state.as_str(), last.origin_key.as_str()),
        ("handling", PLATFORM_KEY)
    );
}

#[test]
fn incomplete_orders_publish_nothing_and_reload_keeps_timers() {
    let dir = temp_dir();
    {
        let (engine, sink, _) = engine(dir.path());
        let mut incomplete = one_order();
        incomplete.incomplete = true;
        engine
            .create("ponte", vec![incomplete, one_order()], None)
            .unwrap_or_else(|e| panic!("create: {e}"));
        assert_eq!(sink.changes().len(), 1);
        engine
            .advance_clock(1000)
            .unwrap_or_else(|e| panic!("advance: {e}"));
    }
    // Reopened with a fresh clock: the offset comes back, and the pending timer fires.
    let (engine, sink2, clock2) = engine(dir.path());
    assert_eq!(clock2.offset_ms(), 1000);
    engine.run_due().unwrap_or_else(|e| panic!("run: {e}"));
    let states: Vec<String> = sink2.changes().iter().map(|c| c.state.clone()).collect();
    assert!(
        states.contains(&"window-to-cancel".to_owned()),
        "{states:?}"
    );
    let orders = engine.with(|i| i.orders.len());
    assert_eq!(orders, 2);
    let incomplete = engine
        .order("ponte", "v1000001pnt-01")
        .unwrap_or_else(|| panic!("kept"));
    assert_eq!(incomplete.status, None);
}

#[test]
fn an_order_paid_through_the_gateway_waits_for_its_payment_result() {
    let dir = temp_dir();
    let (engine, sink, clock) = engine(dir.path());
    let paid = NewOrder {
        gateway_payment: true,
        ..one_order()
    };
    let created = engine
        .create("ponte", vec![paid.clone(), paid.clone(), paid], None)
        .unwrap_or_else(|e| panic!("create: {e}"));
    let ids: Vec<String> = created.iter().map(|o| o.order_id.clone()).collect();
    let status = |id: &str| {
        engine
            .order("ponte", id)
            .and_then(|o| o.status)
            .map(|s| s.as_str().to_owned())
    };
    // The first result arrives before the order reaches payment-pending: kept for then.
    assert_eq!(
        engine
            .payment_result("ponte", &ids[2], false)
            .map_err(|e| e.code),
        Ok(true)
    );
    clock.advance(2_000_000);
    engine.run_due().unwrap_or_else(|e| panic!("run: {e}"));
    assert_eq!(status(&ids[0]).as_deref(), Some("payment-pending"));
    assert_eq!(status(&ids[1]).as_deref(), Some("payment-pending"));
    // The denied one went on to cancel, and its confirmation ran in the same pass.
    assert_eq!(status(&ids[2]).as_deref(), Some("canceled"));
    // Approved: the workflow goes on to ready-for-handling.
    assert_eq!(
        engine
            .payment_result("ponte", &ids[0], true)
            .map_err(|e| e.code),
        Ok(true)
    );
    // Denied: the order is cancelled by the payment.
    assert_eq!(
        engine
            .payment_result("ponte", &ids[1], false)
            .map_err(|e| e.code),
        Ok(true)
    );
    // A second result changes nothing (the gateway's duplicates).
    assert_eq!(
        engine
            .payment_result("ponte", &ids[1], true)
            .map_err(|e| e.code),
        Ok(false)
    );
    clock.advance(2_000_000);
    engine.run_due().unwrap_or_else(|e| panic!("run: {e}"));
    assert_eq!(status(&ids[0]).as_deref(), Some("ready-for-handling"));
    assert_eq!(status(&ids[1]).as_deref(), Some("canceled"));
    assert_eq!(status(&ids[2]).as_deref(), Some("canceled"));
    let cancelled = engine
        .get("ponte", &ids[1])
        .unwrap_or_else(|| panic!("no order"));
    assert_eq!(
        cancelled["cancellationData"]["RequestedByPaymentNotification"],
        true
    );
    let first: Vec<String> = sink
        .changes()
        .into_iter()
        .filter(|c| c.order_id == ids[0])
        .map(|c| c.state)
        .collect();
    assert!(first.iter().any(|s| s == "payment-approved"));
    assert_eq!(
        engine
            .payment_result("ponte", "v0pnt-01", true)
            .map_err(|e| e.code),
        Err("OMS001")
    );
}
