//! Requests for the import and order operations of the ABI (`validateCatalogBatch`,
//! `planCatalogImport`, `importReads`, `specificationFieldTypes`, `importPhases`, `checkOrderAction`,
//! `applyOrderAction`, `handleOrderEvent` at each of its steps, `foldAcceptedActions`, `reconcileOrder`,
//! `orderStateFromOrder`, `orderStatuses`, `checkOrderId`) and for the pricing and inventory
//! operations (`computePrice`, `planPriceSync`, `planInventorySync`, `availability`,
//! `reservationTransition`, from `pricing_generate`), the payment operations (from
//! `payments_model`), the customer operations (`validateCustomerBatch`, `planCustomerSync`,
//! `normalizeCustomerEmail`, from `customers_generate`) and the gift card and anti-fraud
//! operations (from `providers_generate`), and `claimOrderDelivery`: valid ones, ones with a broken payload,
//! and mangled bytes, for the native/wasm/Node differential tests.
//!
//! Everything is built from a seed with [`SplitMix`]; states and memories are produced by the
//! core itself (actions and events folded in), so they are the shapes the service persists.

use crate::bench::SplitMix;
use crate::import_generate::{Knobs, break_batch, world};
use crate::pricing_generate::{
    compute_request, instant, inventory_state, price_batch, pricing_state, stock_count,
};
use ponte_core::orders::{
    Action, CancelRequest, Cents, ChangeItem, ChangeOrder, Flow, IntakeMemory, InvoiceItem,
    InvoiceRequest, InvoiceType, OrderEvent, OrderId, OrderItem, OrderState, Status, Timestamp,
    TrackingEvent, TrackingEvents, TrackingUpdate, WorkflowPolicy, parse_feed_item, remember,
};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The new operations before the provider ones, in ABI names.
const CORE_OPS: [&str; 26] = [
    "validateCatalogBatch",
    "planCatalogImport",
    "importReads",
    "specificationFieldTypes",
    "importPhases",
    "checkOrderAction",
    "applyOrderAction",
    "handleOrderEvent",
    "foldAcceptedActions",
    "reconcileOrder",
    "orderStateFromOrder",
    "orderStatuses",
    "checkOrderId",
    "computePrice",
    "planPriceSync",
    "planInventorySync",
    "availability",
    "reservationTransition",
    "paymentAuthorize",
    "paymentSettle",
    "paymentRefund",
    "paymentCancel",
    "paymentCreditDecision",
    "validateCustomerBatch",
    "planCustomerSync",
    "normalizeCustomerEmail",
];

/// The new operations, in ABI names: [`CORE_OPS`], the provider ones
/// ([`PROVIDER_OPS`](crate::providers_generate::PROVIDER_OPS)), then `claimOrderDelivery`.
pub const OPS: [&str; 36] = concat_ops(
    CORE_OPS,
    crate::providers_generate::PROVIDER_OPS,
    "claimOrderDelivery",
);

/// `a`, then `b`, then `last`, as one array (`N` must be `A + B + 1`; checked at compile time).
const fn concat_ops<const A: usize, const B: usize, const N: usize>(
    a: [&'static str; A],
    b: [&'static str; B],
    last: &'static str,
) -> [&'static str; N] {
    assert!(N == A + B + 1, "the operation lists do not add up");
    let mut out = [""; N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < A + B {
        out[i] = b[i - A];
        i += 1;
    }
    out[N - 1] = last;
    out
}

fn pick<'a, T>(rng: &mut SplitMix, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len())]
}

const WEIRD_TEXT: [&str; 8] = [
    "",
    " ",
    "a/b",
    "NF 1",
    "ação 🙂",
    "\u{0}",
    "%2F..%2F",
    "x\"y\\z",
];

fn date(rng: &mut SplitMix) -> String {
    match rng.below(12) {
        0 => "2024-02-30T10:00:00Z".into(),
        1 => "yesterday".into(),
        2 => "2024-03-01".into(),
        3 => "2024-03-01 10:30".into(),
        4 => "2024-03-01T10:00:00.123456789+05:45".into(),
        _ => format!(
            "2024-03-{:02}T{:02}:{:02}:{:02}.{}Z",
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60),
            rng.below(10_000_000)
        ),
    }
}

fn status(rng: &mut SplitMix) -> Option<Status> {
    (!rng.chance(5)).then(|| *pick(rng, Status::ALL))
}

fn policy(rng: &mut SplitMix) -> WorkflowPolicy {
    WorkflowPolicy {
        two_step_cancel: !rng.chance(20),
        invoice_in_ready_for_handling: rng.chance(20),
        tracking_events_require_tracking_number: !rng.chance(20),
        return_requires_fully_invoiced: rng.chance(20),
        change_after_partial_invoice: !rng.chance(20),
        max_changes: if rng.chance(10) { 1 } else { 50 },
        require_cancel_reason: rng.chance(10),
        ..WorkflowPolicy::default()
    }
}

fn base_order(rng: &mut SplitMix) -> OrderState {
    let lines = 1 + rng.below(3);
    let items: Vec<OrderItem> = (0..lines)
        .map(|i| OrderItem {
            index: i as u32,
            id: format!("{}", 1 + rng.below(3)),
            quantity: 1 + rng.below(4) as u32,
            price: Cents::new(rng.below(5000) as i64).unwrap_or_default(),
        })
        .collect();
    let total: i64 = items
        .iter()
        .map(|i| i.price.get() * i64::from(i.quantity))
        .sum();
    let mut s = OrderState::new(
        OrderId::new(&format!(
            "v{}str-0{}",
            rng.below(1_000_000),
            1 + rng.below(3)
        ))
        .unwrap_or_else(|_| unreachable_id()),
        *pick(
            rng,
            &[Flow::Complete, Flow::Seller, Flow::Marketplace, Flow::Chain],
        ),
        Cents::new(total + rng.below(3) as i64 * 100).unwrap_or_default(),
        items,
    )
    .unwrap_or_else(|_| fallback_order());
    s.status = status(rng);
    s
}

fn unreachable_id() -> OrderId {
    OrderId::new("v1-01").unwrap_or_else(|_| panic!("a constant id is valid"))
}

fn fallback_order() -> OrderState {
    OrderState::new(unreachable_id(), Flow::Complete, Cents::ZERO, Vec::new())
        .unwrap_or_else(|e| panic!("an empty order is valid: {e}"))
}

/// An action on `state` (any kind, payload sometimes broken).
pub fn action(rng: &mut SplitMix, state: &OrderState) -> Action {
    let item = state.items.get(rng.below(state.items.len().max(1)));
    let invoice_number = |rng: &mut SplitMix| -> String {
        match rng.below(6) {
            0 => pick(rng, &WEIRD_TEXT).to_string(),
            1 => "N".repeat(60),
            _ => state
                .invoices
                .get(rng.below(state.invoices.len() + 1))
                .map(|i| i.invoice_number.clone())
                .unwrap_or_else(|| format!("NF-{}", rng.below(100))),
        }
    };
    match rng.below(6) {
        0 => Action::StartHandling,
        1 => Action::Cancel(CancelRequest {
            reason: rng
                .chance(70)
                .then(|| pick(rng, &["stock out", "", " ", "x"]).to_string()),
            requested_by_user: rng.chance(50).then_some(rng.chance(50)),
        }),
        2 => {
            let remaining = state.remaining_to_invoice().map_or(0, Cents::get);
            let value = match rng.below(8) {
                0 => "12.50".to_string(),
                1 => "-5".to_string(),
                2 => "0".to_string(),
                3 => "99999999999999999999".to_string(),
                4 => (remaining + 1).to_string(),
                _ => (1 + rng.below(remaining.max(1) as usize)).to_string(),
            };
            Action::Invoice(InvoiceRequest {
                invoice_type: if rng.chance(75) {
                    InvoiceType::Output
                } else {
                    InvoiceType::Input
                },
                issuance_date: date(rng),
                invoice_number: invoice_number(rng),
                invoice_value: value,
                invoice_key: rng.chance(20).then(|| "k".repeat(1 + rng.below(250))),
                invoice_url: rng
                    .chance(20)
                    .then(|| pick(rng, &["https://nf.example.com/1", "not a url", ""]).to_string()),
                embedded_invoice: None,
                courier: rng.chance(30).then(|| "Correios".into()),
                tracking_number: rng
                    .chance(30)
                    .then(|| pick(rng, &["TRK1", "", "a/b", "T 1"]).to_string()),
                tracking_url: None,
                dispatched_date: rng.chance(20).then(|| date(rng)),
                items: if rng.chance(5) {
                    Vec::new()
                } else {
                    vec![InvoiceItem {
                        id: item.map_or_else(|| "9".into(), |i| i.id.clone()),
                        price: item.map_or(Cents::ZERO, |i| i.price),
                        quantity: rng.below(4) as u32,
                        item_index: rng.chance(30).then(|| rng.below(4) as u32),
                        description: None,
                    }]
                },
            })
        }
        3 => Action::UpdateTracking(TrackingUpdate {
            invoice_number: invoice_number(rng),
            tracking_number: pick(rng, &["TRK1", "", "a/b", "9".repeat(120).as_str()]).to_string(),
            tracking_url: rng.chance(30).then(|| "https://t.example.com/x".into()),
            dispatched_date: rng.chance(30).then(|| date(rng)),
            courier: None,
        }),
        4 => Action::TrackingEvents(TrackingEvents {
            invoice_number: invoice_number(rng),
            is_delivered: rng.chance(50),
            delivered_date: rng.chance(50).then(|| date(rng)),
            events: (0..rng.below(3))
                .map(|_| TrackingEvent {
                    city: "Rio".into(),
                    state: "RJ".into(),
                    description: "in transit".into(),
                    date: date(rng),
                })
                .collect(),
        }),
        _ => {
            let id = item.map_or_else(|| "7".into(), |i| i.id.clone());
            let price = item.map_or(Cents::ZERO, |i| i.price);
            Action::ChangeOrder(ChangeOrder {
                request_id: state
                    .changes
                    .first()
                    .filter(|_| rng.chance(30))
                    .map(|c| c.request_id.clone())
                    .unwrap_or_else(|| format!("ch-{}", rng.below(100))),
                reason: pick(rng, &["customer asked", "", " "]).to_string(),
                discount_value: Cents::new(rng.below(3) as i64 * 100 - 50).unwrap_or_default(),
                increment_value: Cents::new(rng.below(2) as i64 * 100).unwrap_or_default(),
                items_removed: (0..rng.below(2))
                    .map(|_| ChangeItem {
                        id: id.clone(),
                        price,
                        quantity: rng.below(3) as u32,
                    })
                    .collect(),
                items_added: (0..rng.below(2))
                    .map(|_| ChangeItem {
                        id: format!("{}", 1 + rng.below(5)),
                        price: Cents::new(rng.below(1000) as i64).unwrap_or_default(),
                        quantity: 1 + rng.below(2) as u32,
                    })
                    .collect(),
            })
        }
    }
}

fn now(rng: &mut SplitMix) -> Timestamp {
    Timestamp::from_unix_seconds(1_709_287_200 + rng.below(1_000_000) as i64)
        .unwrap_or_else(|| panic!("a valid instant"))
}

/// An order state as the service would hold it: a base order with some accepted actions and
/// events folded in by the core.
pub fn order_state(rng: &mut SplitMix) -> OrderState {
    let mut s = base_order(rng);
    let p = WorkflowPolicy::default();
    for _ in 0..rng.below(8) {
        if rng.chance(30) {
            s.status = status(rng);
        }
        let a = action(rng, &s);
        let t = now(rng);
        if let Ok((next, _)) = s.apply_action(&a, &p, &t) {
            s = next;
        }
        if rng.chance(30) {
            let e = event_for(rng, s.order_id.as_str());
            if let Ok(next) = s.apply_event(&e) {
                s = next;
            }
        }
    }
    s
}

fn event_body(rng: &mut SplitMix, order_id: &str) -> (String, String) {
    let state = match rng.below(10) {
        0 => "not-a-status".to_string(),
        1 => "bad state!".to_string(),
        _ => pick(rng, Status::ALL).as_str().to_string(),
    };
    let last = pick(rng, Status::ALL).as_str();
    let current = date(rng);
    match rng.below(4) {
        0 => (
            "feed".into(),
            json!({"eventId": "e", "handle": format!("h{}", rng.below(99)), "domain": pick(rng, &["Fulfillment", "marketplace", "Other"]),
                   "state": state, "lastState": last, "orderId": order_id, "currentChange": current,
                   "lastChange": date(rng)})
            .to_string(),
        ),
        1 => (
            "hook".into(),
            json!({"Domain": "Fulfillment", "OrderId": order_id, "State": state, "LastState": last,
                   "CurrentChange": current, "LastChange": date(rng),
                   "Origin": {"Account": "acme", "Key": "k"}})
            .to_string(),
        ),
        2 => (
            "ioEvent".into(),
            json!({"orderId": order_id, "currentState": state, "lastState": last,
                   "currentChangeDate": current, "domain": "Fulfillment"})
            .to_string(),
        ),
        _ => (
            "hook".into(),
            pick(
                rng,
                &[
                    r#"{"hookConfig":"ping"}"#,
                    r#"{"hookConfig":"ping","x":1}"#,
                    "{",
                    "[]",
                    "null",
                    r#"{"OrderId":"a/b"}"#,
                ],
            )
            .to_string(),
        ),
    }
}

fn event_for(rng: &mut SplitMix, order_id: &str) -> OrderEvent {
    let body =
        json!({"handle": "h", "domain": "Fulfillment", "state": pick(rng, Status::ALL).as_str(),
                      "orderId": order_id, "currentChange": date(rng)})
        .to_string();
    parse_feed_item(&body).unwrap_or_else(|_| {
        parse_feed_item(&format!(
            r#"{{"handle":"h","domain":"Fulfillment","state":"handling","orderId":"{order_id}","currentChange":"2024-03-01T10:00:00Z"}}"#
        ))
        .unwrap_or_else(|e| panic!("a constant event parses: {e}"))
    })
}

fn memory(rng: &mut SplitMix, order_id: &str) -> IntakeMemory {
    let mut m = IntakeMemory::default();
    for _ in 0..rng.below(5) {
        m = remember(&m, &event_for(rng, order_id));
    }
    m
}

/// A Get order answer for `state`: its `value` and `items` as the state has them, changed (a
/// discount or increment, units added or removed, a line added, dropped or selling another
/// SKU) or malformed, and packages that are new, known, over a line or the total, on unknown
/// lines, or malformed in one field.
fn get_order(rng: &mut SplitMix, state: &OrderState) -> Value {
    let package = |rng: &mut SplitMix| -> Value {
        let known = state.invoices.get(rng.below(state.invoices.len() + 2));
        let number = known.map_or_else(
            || format!("NF-{}", rng.below(20)),
            |i| i.invoice_number.clone(),
        );
        let items: Vec<Value> = (0..rng.below(3))
            .map(|_| {
                let mut item = json!({"itemIndex": rng.below(4), "quantity": rng.below(4),
                                      "id": "ignored", "unitMultiplier": 1.0});
                if rng.chance(60) {
                    item["price"] = json!(rng.below(6000));
                }
                item
            })
            .collect();
        let mut p = json!({
            "type": if rng.chance(75) { "Output" } else { "Input" },
            "invoiceNumber": number,
            "invoiceValue": 1 + rng.below(state.total.get().max(1) as usize),
            "issuanceDate": date(rng),
            "items": items,
            "trackingNumber": pick(rng, &["", "TRK-1"]),
            "trackingUrl": pick(rng, &["", "https://t.example.com/1"]),
            "courier": "Correios",
            "courierStatus": {"finished": rng.chance(30), "data": []},
            "invoiceKey": null,
            "embeddedInvoice": "",
        });
        if rng.chance(25) {
            let field = *pick(
                rng,
                &[
                    "type",
                    "invoiceNumber",
                    "invoiceValue",
                    "issuanceDate",
                    "items",
                    "trackingNumber",
                    "courierStatus",
                ],
            );
            p[field] = pick(
                rng,
                &[
                    json!(null),
                    json!(-1),
                    json!(1.5),
                    json!("12.50"),
                    json!("2500"),
                    json!([]),
                    json!({"a": 1}),
                    json!(""),
                    json!(true),
                ],
            )
            .clone();
        }
        if rng.chance(5) {
            p = json!(pick(rng, &WEIRD_TEXT));
        }
        p
    };
    let packages: Vec<Value> = (0..rng.below(5)).map(|_| package(rng)).collect();
    let attachment = match rng.below(12) {
        0 => json!(null),
        1 => json!({"packages": null}),
        2 => json!({"packages": {"0": 1}}),
        _ => json!({"packages": packages}),
    };
    let status = if rng.chance(10) {
        "no-such-status"
    } else {
        pick(rng, Status::ALL).as_str()
    };
    json!({
        "orderId": state.order_id,
        "status": status,
        "lastChange": date(rng),
        "value": get_order_value(rng, state),
        "items": get_order_items(rng, state),
        "packageAttachment": attachment,
    })
}

/// Get order's `value` for `state`: the same, moved by a change, or malformed.
fn get_order_value(rng: &mut SplitMix, state: &OrderState) -> Value {
    let total = state.total.get();
    match rng.below(10) {
        0..=3 => json!(total),
        4 => json!(total.saturating_sub(rng.below(3000) as i64)),
        5 => json!(total + rng.below(3000) as i64),
        6 => json!(total as f64),
        7 => json!(rng.below(2000)),
        _ => pick(
            rng,
            &[
                json!(null),
                json!(-1),
                json!(12.5),
                json!("5000"),
                json!(9_007_199_254_740_992_i64),
                json!([1]),
            ],
        )
        .clone(),
    }
}

/// Get order's `items[]` for `state`: its lines, changed, or malformed.
fn get_order_items(rng: &mut SplitMix, state: &OrderState) -> Value {
    let mut lines: Vec<Value> = state
        .items
        .iter()
        .map(|i| json!({"id": i.id, "quantity": i.quantity, "price": i.price, "uniqueId": "U1", "sellingPrice": i.price}))
        .collect();
    for _ in 0..rng.below(3) {
        let n = lines.len();
        match rng.below(7) {
            0 if n > 0 => lines[rng.below(n)]["quantity"] = json!(rng.below(5)),
            1 => lines.push(json!({"id": format!("{}", 1 + rng.below(5)), "quantity": 1 + rng.below(3), "price": rng.below(5000)})),
            2 if n > 0 => {
                lines.remove(rng.below(n));
            }
            3 if n > 0 => lines[rng.below(n)]["id"] = json!(format!("{}", 1 + rng.below(5))),
            4 if n > 0 => lines[rng.below(n)]["quantity"] = json!((1 + rng.below(3)) as f64),
            5 if n > 0 => {
                let field = *pick(rng, &["id", "quantity", "price"]);
                lines[rng.below(n)][field] = pick(
                    rng,
                    &[json!(null), json!(-1), json!(1.5), json!("2"), json!(""), json!(4_294_967_296_u64)],
                )
                .clone();
            }
            _ => {}
        }
    }
    match rng.below(20) {
        0 => json!(null),
        1 => json!([]),
        2 => json!({"0": 1}),
        3 => json!([7]),
        _ => Value::from(lines),
    }
}

fn workflow_event(rng: &mut SplitMix) -> Value {
    let simple = [
        "created",
        "creationFailed",
        "dataCompleted",
        "authorizationRequested",
        "paymentRequested",
        "paymentApproved",
        "paymentDenied",
        "fulfillmentAuthorizationRequested",
        "fulfillmentAuthorized",
        "gracePeriodStarted",
        "gracePeriodElapsed",
        "handlingConfirmed",
        "customerCancellationRequested",
        "cancellationTimedOut",
        "cancellationCompleted",
        "settlementCompleted",
        "replaced",
        "startHandling",
        "cancel",
        "invoiceInput",
        "tracking",
        "changeOrder",
        "noSuchEvent",
    ];
    match rng.below(6) {
        0 => json!({"type": "cancellationDenied", "resumeTo": pick(rng, Status::ALL)}),
        1 => json!({"type": "invoiceOutput", "fullyInvoiced": rng.chance(50)}),
        _ => json!({"type": pick(rng, &simple)}),
    }
}

/// A `handleOrderEvent` request at one of its steps: the body alone, with the order's memory,
/// or with the record's state, hand-off and a Get order (for another order, sometimes).
fn handle_event_input(rng: &mut SplitMix) -> Value {
    let mut state = order_state(rng);
    let id = state.order_id.to_string();
    let (source, body) = event_body(rng, &id);
    let mut v = json!({"source": source, "body": body,
                       "handoffStatus": pick(rng, &[Status::ReadyForHandling, Status::Handling, Status::OrderCreated])});
    if rng.chance(30) {
        v["filter"] = json!({"type": "FromWorkflow", "status": ["handling", "invoiced", "ready-for-handling"]});
    }
    let step = rng.below(4);
    if step >= 1 {
        v["memory"] = serde_json::to_value(memory(rng, &id)).unwrap_or(Value::Null);
    }
    if step >= 2 {
        if rng.chance(50) {
            state.status = None;
        }
        let handoff = match rng.below(4) {
            0 => json!({"orderLastChange": date(rng)}),
            1 => json!({"orderLastChange": null}),
            _ => json!(null),
        };
        let order = get_order(rng, &state);
        if rng.chance(5) {
            state = order_state(rng);
        }
        v["fold"] = json!({"state": state, "handoff": handoff, "handoffSkipped": rng.chance(15), "order": order});
    }
    v
}

/// A valid-shaped request for `op` (its payload may still be refused by the core).
pub fn request(rng: &mut SplitMix, op: &str) -> Value {
    if crate::providers_generate::PROVIDER_OPS.contains(&op) {
        return crate::providers_generate::request(rng, op);
    }
    let input = match op {
        "validateCatalogBatch" | "planCatalogImport" => {
            let mut w = world(Knobs {
                seed: rng.next_u64(),
                categories: 1 + rng.below(8),
                products: rng.below(6),
                fields: rng.below(6),
            });
            for _ in 0..rng.below(3) {
                break_batch(
                    &mut w,
                    rng.below(16) as u8,
                    rng.next_u64() as usize,
                    rng.next_u64() as usize,
                );
            }
            let mut v = json!({"current": w.current, "batch": w.batch});
            if rng.chance(80) {
                v["options"] = serde_json::to_value(&w.options).unwrap_or(Value::Null);
            }
            v
        }
        "importReads" => {
            let mut w = world(Knobs {
                seed: rng.next_u64(),
                categories: 1 + rng.below(8),
                products: rng.below(6),
                fields: rng.below(6),
            });
            if rng.chance(30) {
                break_batch(
                    &mut w,
                    rng.below(16) as u8,
                    rng.next_u64() as usize,
                    rng.next_u64() as usize,
                );
            }
            // What a round may hold: nothing yet, or the catalog as read so far.
            if rng.chance(20) {
                json!({"batch": w.batch})
            } else {
                json!({"current": w.current, "batch": w.batch})
            }
        }
        "specificationFieldTypes" | "importPhases" => json!({}),
        "checkOrderAction" | "applyOrderAction" => {
            let state = order_state(rng);
            let a = action(rng, &state);
            let mut v = json!({"state": state, "action": a, "policy": policy(rng)});
            if op == "applyOrderAction" {
                v["now"] = json!(now(rng));
            }
            v
        }
        "handleOrderEvent" => handle_event_input(rng),
        "foldAcceptedActions" => {
            let checked = order_state(rng);
            let p = policy(rng);
            // The record moved on meanwhile: by events (usually), or by another action.
            let mut current = checked.clone();
            for _ in 0..rng.below(3) {
                if rng.chance(75) {
                    let e = event_for(rng, current.order_id.as_str());
                    if let Ok(next) = current.apply_event(&e) {
                        current = next;
                    }
                } else {
                    let a = action(rng, &current);
                    if let Ok((next, _)) = current.apply_action(&a, &p, &now(rng)) {
                        current = next;
                    }
                }
            }
            let seen = match rng.below(6) {
                0 => current.timeline.len() + 1,
                1 => 0,
                _ => checked.timeline.len(),
            };
            let accepted: Vec<Value> = (0..1 + rng.below(3))
                .map(|_| {
                    let at = if rng.chance(10) {
                        date(rng)
                    } else {
                        now(rng).to_string()
                    };
                    json!({"action": action(rng, &checked), "at": at})
                })
                .collect();
            json!({"current": current, "checked": checked, "seen": seen,
                   "order": get_order(rng, &current), "accepted": accepted, "policy": p})
        }
        "reconcileOrder" => {
            let state = order_state(rng);
            let order = get_order(rng, &state);
            let mut v = json!({"state": state, "order": order});
            if rng.chance(50) {
                v["source"] = json!(pick(rng, &["hook", "feed", "ioEvent"]));
            }
            v
        }
        "orderStateFromOrder" => {
            let state = order_state(rng);
            let mut order = get_order(rng, &state);
            if rng.chance(10) {
                order["orderId"] = json!(pick(rng, &WEIRD_TEXT));
            }
            json!({"order": order})
        }
        "orderStatuses" => json!({}),
        "computePrice" => {
            let mut v = serde_json::to_value(compute_request(rng)).unwrap_or(Value::Null);
            if rng.chance(20) {
                v["quantity"] = json!(0);
            }
            v
        }
        "planPriceSync" => {
            let state = pricing_state(rng);
            let mut items = serde_json::to_value(price_batch(rng, &state)).unwrap_or(Value::Null);
            if rng.chance(30)
                && let Some(first) = items.get_mut(0)
            {
                first["markup"] = json!(10);
                first["costPrice"] = json!(1.5);
                first["basePrice"] = json!(2);
            }
            json!({"current": state, "batch": {"items": items}})
        }
        "planInventorySync" => {
            let state = inventory_state(rng);
            let counts: Vec<Value> = (0..rng.below(6))
                .map(|_| {
                    let (sku, w) = (1 + rng.below(5) as u32, rng.below(5));
                    let mut c =
                        serde_json::to_value(stock_count(rng, sku, w)).unwrap_or(Value::Null);
                    if rng.chance(10) {
                        c["quantity"] = json!(-3);
                    }
                    c
                })
                .collect();
            json!({"current": state, "batch": {"counts": counts}, "now": instant(rng.below(10) as i64, 0)})
        }
        "availability" => {
            let state = inventory_state(rng);
            json!({"current": state, "skuId": 1 + rng.below(5), "tradePolicyId": pick(rng, &["1", "2", "3", "x"])})
        }
        "reservationTransition" => {
            let state = inventory_state(rng);
            let r = state.reservations.first().cloned();
            let kind = pick(
                rng,
                &["confirm", "acknowledge", "cancel", "expire", "clear"],
            );
            json!({"reservation": r, "event": {"kind": kind, "at": instant(rng.below(14) as i64 - 5, 0)}})
        }
        "paymentAuthorize"
        | "paymentSettle"
        | "paymentRefund"
        | "paymentCancel"
        | "paymentCreditDecision" => crate::payments_model::request(rng, op),
        "validateCustomerBatch" | "planCustomerSync" => {
            let case = crate::customers_generate::customer_case(rng);
            let mut batch = serde_json::to_value(&case.batch).unwrap_or(Value::Null);
            if rng.chance(30)
                && let Some(first) = batch["customers"].get_mut(0)
            {
                let (field, value) = *pick(
                    rng,
                    &[
                        ("email", "not-an-email"),
                        ("document", "529.982.247-24"),
                        ("priceTables", "a,,b"),
                        ("firstName", "tab\there"),
                        ("isCorporate", "true"),
                    ],
                );
                first[field] = if field == "isCorporate" {
                    json!(true)
                } else {
                    json!(value)
                };
                if field == "document" {
                    first["documentType"] = json!("CPF");
                }
            }
            if op == "validateCustomerBatch" {
                json!({"batch": batch})
            } else {
                json!({"account": case.account, "current": case.state, "batch": batch})
            }
        }
        "normalizeCustomerEmail" => {
            let email = if rng.chance(60) {
                format!(" User{}+Tag@Example.COM ", rng.below(100))
            } else {
                pick(rng, &WEIRD_TEXT).to_string()
            };
            json!({"email": email})
        }
        "claimOrderDelivery" => claim_request(rng),
        "checkOrderId" => {
            let id = if rng.chance(50) {
                format!("v{}pnt-0{}", rng.below(1_000_000), rng.below(10))
            } else {
                pick(rng, &WEIRD_TEXT).to_string()
            };
            json!({"id": id})
        }
        _ => {
            let mut v = json!({"from": status(rng), "event": workflow_event(rng)});
            if rng.chance(70) {
                v["workflow"] = json!({
                    "flow": pick(rng, &["complete", "marketplace", "seller", "chain"]),
                    "policy": policy(rng),
                });
            }
            v
        }
    };
    json!({"op": op, "input": input})
}

/// A claim request: any intent, a record's claim (none, ours, another's; live or lapsed; with
/// fences near, at and beyond the safe range), and the caller's fence.
fn claim_request(rng: &mut SplitMix) -> Value {
    let intent = *pick(rng, &["take", "renew", "complete"]);
    let now = *pick(
        rng,
        &[0u64, 1_000, 1_765_000_000_000, 9_007_199_254_740_990],
    );
    let fence = *pick(rng, &[0u64, 1, now, now.saturating_add(1)]);
    let owner = *pick(rng, &["a#1", "b#2", ""]);
    let delivery = *pick(rng, &["o-01:order", "o-01:status:handling:x", ""]);
    let pending = match rng.below(4) {
        0 => Value::Null,
        _ => json!({
            "deliveryId": *pick(rng, &["o-01:order", "o-01:status:handling:x"]),
            "by": *pick(rng, &["a#1", "b#2"]),
            "until": now.saturating_add(rng.below(3) as u64 * 20_000).saturating_sub(10_000),
            "fence": *pick(rng, &[0u64, fence, fence.saturating_add(1)]),
        }),
    };
    let held = match rng.below(3) {
        0 => Value::Null,
        _ => json!(*pick(rng, &[0u64, fence, fence.saturating_add(1)])),
    };
    json!({
        "intent": intent, "pending": pending, "fence": fence, "deliveryId": delivery,
        "owner": owner, "held": held, "now": now,
        "claimMs": *pick(rng, &[0u64, 25_000]), "needMs": *pick(rng, &[0u64, 17_000, 30_000]),
        "salt": *pick(rng, &[0u64, 7, 1023, 1024]),
    })
}

/// Damages a request: a wrong type somewhere, a field removed, truncated or flipped bytes.
pub fn mangle(rng: &mut SplitMix, request: &Value) -> Vec<u8> {
    let mut v = request.clone();
    match rng.below(6) {
        0 => {
            if let Some(input) = v.get_mut("input").and_then(Value::as_object_mut)
                && let Some(k) = input.keys().nth(rng.below(input.len().max(1))).cloned()
            {
                input.remove(&k);
            }
        }
        1 => {
            if let Some(input) = v.get_mut("input").and_then(Value::as_object_mut)
                && let Some(k) = input.keys().nth(rng.below(input.len().max(1))).cloned()
            {
                input.insert(
                    k,
                    pick(
                        rng,
                        &[
                            json!(7),
                            json!("x"),
                            json!([]),
                            json!(null),
                            json!({"a": -1}),
                        ],
                    )
                    .clone(),
                );
            }
        }
        2 => v["input"] = pick(rng, &[json!(null), json!([1]), json!("s"), json!(1.5)]).clone(),
        _ => {}
    }
    let mut bytes = v.to_string().into_bytes();
    match rng.below(4) {
        0 if !bytes.is_empty() => {
            let n = rng.below(bytes.len());
            bytes.truncate(n);
        }
        1 if !bytes.is_empty() => {
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(bytes.len());
                bytes[i] = rng.next_u64() as u8;
            }
        }
        _ => {}
    }
    bytes
}

/// Request bytes for the differential tests: mostly valid-shaped requests of the new
/// operations, some mangled.
pub fn ops_input() -> impl Strategy<Value = Vec<u8>> {
    (any::<u64>(), 0..OPS.len(), prop::bool::weighted(0.25)).prop_map(|(seed, op, damage)| {
        let mut rng = SplitMix::new(seed);
        let r = request(&mut rng, OPS[op]);
        if damage {
            mangle(&mut rng, &r)
        } else {
            r.to_string().into_bytes()
        }
    })
}
