//! Tests of reconciliation: invoices, value and items, and a property over both.

#![allow(clippy::unwrap_used)]

use super::super::{
    Cents, Flow, InvoiceRecord, InvoiceType, InvoicedItem, OrderId, OrderItem, Status, Timestamp,
    Tracking,
};
use super::*;
use proptest::prelude::*;
use serde_json::{Value, json};

mod invoices;
mod lines;
mod props;

fn c(v: i64) -> Cents {
    Cents::new(v).unwrap()
}

/// Total 10000: line 0 = SKU "12" × 2 at 2500, line 1 = SKU "34" × 1 at 5000.
fn state() -> OrderState {
    let mut s = OrderState::new(
        OrderId::new("v7pnt-01").unwrap(),
        Flow::Complete,
        c(10_000),
        vec![
            OrderItem {
                index: 0,
                id: "12".into(),
                quantity: 2,
                price: c(2500),
            },
            OrderItem {
                index: 1,
                id: "34".into(),
                quantity: 1,
                price: c(5000),
            },
        ],
    )
    .unwrap();
    s.status = Some(Status::Handling);
    s
}

fn pkg(number: &str, index: u32, quantity: u32, value: i64) -> Value {
    json!({
        "type": "Output",
        "invoiceNumber": number,
        "invoiceValue": value,
        "issuanceDate": "2026-01-02T09:00:00-03:00",
        "items": [{"itemIndex": index, "quantity": quantity, "price": value / i64::from(quantity.max(1))}],
        "trackingNumber": "",
        "courierStatus": null,
        "someFieldPonteIgnores": {"a": [1, 2]},
    })
}

fn packages(list: Value) -> GetOrderSnapshot {
    serde_json::from_value(json!({"orderId": "v7pnt-01", "packageAttachment": {"packages": list}}))
        .unwrap()
}

fn run(s: &OrderState, list: Value) -> OrderState {
    let next = reconcile_invoices(s, packages(list).packages()).unwrap();
    next.validate().unwrap();
    next
}

fn numbers(s: &OrderState) -> Vec<&str> {
    s.invoices
        .iter()
        .map(|i| i.invoice_number.as_str())
        .collect()
}

// ---------- value and items ----------

/// Get order's `items[]` for these lines.
fn lines(items: &[OrderItem]) -> Value {
    Value::from(
        items
            .iter()
            .map(|i| json!({"id": i.id, "quantity": i.quantity, "price": i.price, "uniqueId": "U", "sellingPrice": 1}))
            .collect::<Vec<_>>(),
    )
}

fn get_order(value: Value, items: Value, list: Value) -> GetOrderSnapshot {
    serde_json::from_value(
        json!({"orderId": "v7pnt-01", "status": "handling", "value": value,
                                  "items": items, "packageAttachment": {"packages": list}}),
    )
    .unwrap()
}

fn reconciled(s: &OrderState, value: Value, items: Value, list: Value) -> OrderState {
    let next = reconcile_order(s, &get_order(value, items, list)).unwrap();
    next.validate().unwrap();
    next
}

fn line(index: u32, id: &str, quantity: u32, price: i64) -> OrderItem {
    OrderItem {
        index,
        id: id.into(),
        quantity,
        price: c(price),
    }
}

fn discount(s: &OrderState, request_id: &str, cents: i64) -> OrderState {
    let change = super::super::Action::ChangeOrder(super::super::ChangeOrder {
        request_id: request_id.into(),
        reason: "promo".into(),
        discount_value: c(cents),
        increment_value: Cents::ZERO,
        items_removed: Vec::new(),
        items_added: Vec::new(),
    });
    let now = Timestamp::parse("2026-01-02T12:00:00Z").unwrap();
    s.apply_action(&change, &super::super::WorkflowPolicy::default(), &now)
        .unwrap()
        .0
}
