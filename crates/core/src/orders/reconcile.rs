//! Reconciliation of Ponte's [`OrderState`] with Get order (`GET /api/oms/pvt/orders/{id}`):
//! the order's `value` and `items`, then its invoices (`packageAttachment.packages`).
//! [`reconcile_order`] does both, in that order; [`reconcile_invoices`] is the second step
//! alone.
//!
//! # Value and items
//!
//! Ponte folds an accepted change into its state at once (the new `total` and `items`), but
//! VTEX applies order modifications v2 **asynchronously**: the change may be applied later,
//! fail or be canceled. Changes also come from the Admin or another integration. VTEX has the
//! last word on what the order is, so [`reconcile_order`] takes Get order's `value` (the total,
//! cents) and `items[]` (one line per entry: index = position, SKU `id`, `quantity`, unit
//! `price` in cents), read leniently:
//! - `value` counts when it is a JSON number that is a whole number of cents, 0 to
//!   [`super::MAX_CENTS`] (`5000` or `5000.0`); anything else (missing, `null`, negative,
//!   fractional, a string) is malformed and the state's `total` stays;
//! - `items` counts when it is a non-empty array whose every entry is an object with a
//!   non-empty string `id`, a whole `quantity` 0 to 2^32 − 1 (VTEX keeps a line whose units
//!   were all removed, with quantity 0) and a whole `price` 0 to `MAX_CENTS`; other fields are
//!   ignored. One malformed entry makes the whole list malformed (positions are indexes, so
//!   an entry cannot be skipped) and the state's `items` stay, as they do for an empty list
//!   (a VTEX order always has a line).
//!
//! The well-formed parts are taken **together, only if the resulting state is valid**: it
//! passes [`OrderState::validate`] (every invoice's line exists, Output units per line within
//! its quantity, Output invoices within the total, returns within the sales) and every
//! invoiced item's line still has the invoice's SKU `id`. Otherwise the state keeps its own
//! total and items, both (choice: Ponte never stores an invalid state, and the invoices it
//! holds were accepted by VTEX, so a Get order that contradicts them is a view to wait out,
//! e.g. a change VTEX has not finished applying; the next Get order is read on the next
//! event or action). `changes` (the requestIds Ponte sent: the dedupe of `changeOrder`),
//! status, cancellation and timeline are never touched; nothing is added to the timeline
//! (there is no clock here).
//!
//! # Invoices
//!
//! An order can carry invoices Ponte never recorded: sent through the Admin or another
//! integration, or accepted by the OMS while the replica that sent them died before recording
//! them. Without them Ponte would refuse tracking on an invoice VTEX has, or let more be
//! invoiced than is left. [`reconcile_invoices`] adds every package Ponte's [`OrderState`]
//! lacks, as an [`InvoiceRecord`], against the lines the first step left.
//!
//! The OMS has the last word, so nothing in a package is an error: a package is **skipped**
//! when it is
//! - already known (same `type` and `invoiceNumber`; its content is not compared, Ponte's
//!   record stays as it is);
//! - malformed: `type` not `Output`/`Input`, `invoiceNumber` not a non-empty string,
//!   `invoiceValue` not a positive number of cents (a JSON integer, an integral float, or a
//!   string of digits, up to [`super::MAX_CENTS`]), `issuanceDate` not an ISO 8601 date or
//!   date-time ([`Timestamp::parse_lenient`]: a plain `2024-03-01` is midnight UTC), an item
//!   that is not an object or lacks a non-negative integer `itemIndex` or a positive `quantity`
//!   (up to 2^32 − 1);
//! - inconsistent with the state ([`OrderState::validate`] decides): an `itemIndex` the order
//!   does not have, Output units of a line beyond its quantity, Output invoices over the order
//!   total, Input invoices over the Output ones.
//!
//! Lenient on purpose, never failing on a package's content: unknown fields are ignored, and a
//! field of the wrong type makes its package malformed (skipped) when Ponte needs it, or is
//! read as absent when it is optional (`trackingNumber`, `trackingUrl`, `courier`,
//! `courierStatus.finished`, an item's `price`). `items` missing or not an array is read as no
//! items (the invoice still counts for its value). An item's `price` that is not a
//! non-negative integer falls back to the order line's unit price; its SKU `id` is always the
//! order line's.
//!
//! Outputs are added before Inputs (each in Get order's order), so a return is never skipped
//! for being listed before the sale it returns. The tracking of a new invoice is its
//! `trackingNumber` (when not empty) with `trackingUrl`, `courier` (when not empty) and
//! `courierStatus.finished` as `delivered`; nothing is added to the timeline (there is no
//! clock here, and the invoice's own status change comes as an event).
//!
//! The input state must validate (`ORDER_STATE_INVALID` otherwise, as every operation on a
//! state from outside); the result always does, and keeps every invoice the input had, in
//! order, with the new ones after them.
//!
//! ```
//! use ponte_core::orders::*;
//! let state = OrderState::new(
//!     OrderId::new("v1-01")?, Flow::Complete, Cents::new(5000)?,
//!     vec![OrderItem { index: 0, id: "12".into(), quantity: 2, price: Cents::new(2500)? }],
//! )?;
//! let order: GetOrderSnapshot = serde_json::from_str(r#"{"value": 4500,
//!   "items": [{"id": "12", "quantity": 2, "price": 2500, "name": "ignored"}],
//!   "packageAttachment": {"packages": [
//!     {"type": "Output", "invoiceNumber": "NF-1", "invoiceValue": 2500,
//!      "issuanceDate": "2024-03-01T10:00:00Z", "items": [{"itemIndex": 0, "quantity": 1}]},
//!     {"type": "Output", "invoiceNumber": "NF-2", "invoiceValue": "2500",
//!      "issuanceDate": "2024-03-01T10:00:00Z", "items": []}
//! ]}}"#).unwrap();
//! let next = reconcile_order(&state, &order)?;
//! // A discount of 5.00 applied in VTEX: the total is Get order's value.
//! assert_eq!(next.total, Cents::new(4500)?);
//! // NF-2 would take the Output invoices over that total: left out.
//! assert_eq!(next.invoices.len(), 1);
//! assert_eq!(next.invoices[0].items[0].price, Cents::new(2500)?);
//! assert_eq!(reconcile_order(&next, &order)?, next);
//! # Ok::<(), OrderError>(())
//! ```

use super::{
    Cents, InvoiceRecord, InvoiceType, InvoicedItem, OrderError, OrderItem, OrderState, Timestamp,
    Tracking,
};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

/// A value read leniently: `Valid` when it has the expected type, `Invalid` when it is
/// missing, `null` or anything else. Never fails to deserialize.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Lenient<T> {
    Valid(T),
    #[default]
    Invalid,
}

impl<T> Lenient<T> {
    pub fn valid(&self) -> Option<&T> {
        match self {
            Lenient::Valid(v) => Some(v),
            Lenient::Invalid => None,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either<T> {
            Valid(T),
            Invalid(IgnoredAny),
        }
        Ok(match Either::deserialize(d)? {
            Either::Valid(v) => Lenient::Valid(v),
            Either::Invalid(_) => Lenient::Invalid,
        })
    }
}

/// The parts of a Get order answer that reconciliation reads: `value`, `items` and
/// `packageAttachment.packages`, each read leniently (see the module docs). Every other field
/// of the order is ignored; deserializing never fails on a field's content.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetOrderSnapshot {
    #[serde(default)]
    value: Lenient<Whole>,
    #[serde(default)]
    items: Lenient<Vec<Lenient<LineFields>>>,
    #[serde(default)]
    package_attachment: Lenient<PackageAttachment>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct PackageAttachment {
    #[serde(default)]
    packages: Lenient<Vec<GetOrderPackage>>,
}

/// One entry of Get order's `items[]`: the fields a line needs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct LineFields {
    #[serde(default)]
    id: Lenient<String>,
    #[serde(default)]
    quantity: Lenient<Whole>,
    #[serde(default)]
    price: Lenient<Whole>,
}

/// A JSON number that should be a whole, non-negative one. An integral float (`5000.0`, `1e3`)
/// counts as its integer, as JavaScript sees it; a negative or fractional one does not.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum Whole {
    Int(u64),
    Float(f64),
}

impl Whole {
    /// The number, when it is whole and at most `max` (itself at most 2^53 − 1, so a float's
    /// conversion is exact).
    fn at_most(&self, max: u64) -> Option<u64> {
        match *self {
            Whole::Int(v) => Some(v),
            // `-0.0` is 0, as `JSON.stringify(-0)`.
            Whole::Float(f) if f.fract() == 0.0 && (0.0..=max as f64).contains(&f) => {
                Some(f as u64)
            }
            Whole::Float(_) => None,
        }
        .filter(|v| *v <= max)
    }

    fn cents(&self) -> Option<Cents> {
        let v = self.at_most(super::MAX_CENTS as u64)?;
        Cents::new(i64::try_from(v).ok()?).ok()
    }
}

impl GetOrderSnapshot {
    /// The packages listed (each possibly malformed).
    pub fn packages(&self) -> &[GetOrderPackage] {
        self.package_attachment
            .valid()
            .and_then(|a| a.packages.valid())
            .map_or(&[], Vec::as_slice)
    }

    /// `value`, when it is a whole number of cents in range.
    pub fn value(&self) -> Option<Cents> {
        self.value.valid()?.cents()
    }

    /// `items[]` as order lines (index = position), when the list is non-empty and every
    /// entry is well-formed.
    pub fn items(&self) -> Option<Vec<OrderItem>> {
        let raw = self.items.valid()?;
        if raw.is_empty() {
            return None;
        }
        raw.iter()
            .enumerate()
            .map(|(position, entry)| {
                let line = entry.valid()?;
                let id = non_empty(&line.id)?.to_owned();
                let quantity = line.quantity.valid()?.at_most(u64::from(u32::MAX))?;
                Some(OrderItem {
                    index: u32::try_from(position).ok()?,
                    id,
                    quantity: u32::try_from(quantity).ok()?,
                    price: line.price.valid()?.cents()?,
                })
            })
            .collect()
    }
}

/// One entry of Get order's `packageAttachment.packages[]`, read leniently (see the module
/// docs); a package that is not an object is kept as a malformed one.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(from = "Lenient<PackageFields>")]
pub struct GetOrderPackage(Option<PackageFields>);

impl From<Lenient<PackageFields>> for GetOrderPackage {
    fn from(l: Lenient<PackageFields>) -> Self {
        match l {
            Lenient::Valid(fields) => GetOrderPackage(Some(fields)),
            Lenient::Invalid => GetOrderPackage(None),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageFields {
    #[serde(rename = "type", default)]
    invoice_type: Lenient<InvoiceType>,
    #[serde(default)]
    invoice_number: Lenient<String>,
    #[serde(default)]
    invoice_value: Lenient<WireValue>,
    #[serde(default)]
    issuance_date: Lenient<String>,
    #[serde(default)]
    items: Lenient<Vec<Lenient<PackageItem>>>,
    #[serde(default)]
    tracking_number: Lenient<String>,
    #[serde(default)]
    tracking_url: Lenient<String>,
    #[serde(default)]
    courier: Lenient<String>,
    #[serde(default)]
    courier_status: Lenient<CourierStatus>,
}

/// `invoiceValue`: Get order writes a number of cents; a string of digits is VTEX's input form.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum WireValue {
    Int(i64),
    Float(f64),
    Text(String),
}

impl WireValue {
    fn cents(&self) -> Option<Cents> {
        let v = match self {
            WireValue::Int(v) => *v,
            // Exact: the range check keeps it below 2^53.
            WireValue::Float(f)
                if f.fract() == 0.0 && (1.0..=super::MAX_CENTS as f64).contains(f) =>
            {
                *f as i64
            }
            WireValue::Float(_) => return None,
            WireValue::Text(s) => return Cents::parse_wire(s).ok(),
        };
        Cents::new(v).ok().filter(|c| c.get() > 0)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageItem {
    #[serde(default)]
    item_index: Lenient<u32>,
    #[serde(default)]
    quantity: Lenient<u32>,
    #[serde(default)]
    price: Lenient<Cents>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct CourierStatus {
    #[serde(default)]
    finished: Lenient<bool>,
}

fn non_empty(s: &Lenient<String>) -> Option<&str> {
    s.valid().map(String::as_str).filter(|s| !s.is_empty())
}

impl GetOrderPackage {
    /// The invoice this package describes on `state`'s lines, or `None` when it is malformed
    /// or names a line the order does not have.
    fn record(&self, state: &OrderState) -> Option<InvoiceRecord> {
        let p = self.0.as_ref()?;
        let invoice_type = *p.invoice_type.valid()?;
        let invoice_number = non_empty(&p.invoice_number)?.to_owned();
        let value = p.invoice_value.valid()?.cents()?;
        let issuance_date = Timestamp::parse_lenient(p.issuance_date.valid()?)?;
        let raw_items = p.items.valid().map_or(&[][..], Vec::as_slice);
        let mut items = Vec::with_capacity(raw_items.len());
        for raw in raw_items {
            let raw = raw.valid()?;
            let index = *raw.item_index.valid()?;
            let quantity = *raw.quantity.valid().filter(|q| **q > 0)?;
            let line = state.items.iter().find(|l| l.index == index)?;
            let price = raw
                .price
                .valid()
                .copied()
                .filter(|p| p.get() >= 0)
                .unwrap_or(line.price);
            items.push(InvoicedItem {
                index,
                id: line.id.clone(),
                quantity,
                price,
            });
        }
        let tracking = non_empty(&p.tracking_number).map(|number| Tracking {
            tracking_number: number.to_owned(),
            tracking_url: non_empty(&p.tracking_url).map(str::to_owned),
            courier: non_empty(&p.courier).map(str::to_owned),
            delivered: p
                .courier_status
                .valid()
                .and_then(|s| s.finished.valid())
                .copied()
                .unwrap_or(false),
            ..Tracking::default()
        });
        Some(InvoiceRecord {
            invoice_type,
            invoice_number,
            value,
            issuance_date,
            items,
            tracking,
        })
    }

    fn invoice_type(&self) -> Option<InvoiceType> {
        self.0.as_ref()?.invoice_type.valid().copied()
    }
}

/// `state` brought up to Get order: its `value` and `items` when they are well-formed and the
/// result is valid, then the invoices it lacks (see the module docs). Fails only when `state`
/// itself does not validate.
pub fn reconcile_order(
    state: &OrderState,
    order: &GetOrderSnapshot,
) -> Result<OrderState, OrderError> {
    state.validate()?;
    let lines = reconcile_lines(state, order);
    reconcile_invoices(&lines, order.packages())
}

/// `state` with Get order's total and lines, or `state` as it is when they are malformed, the
/// same, or would make it invalid. `state` validates.
fn reconcile_lines(state: &OrderState, order: &GetOrderSnapshot) -> OrderState {
    let total = order.value().unwrap_or(state.total);
    let items = order.items();
    if total == state.total && items.as_ref().is_none_or(|i| *i == state.items) {
        return state.clone();
    }
    let mut next = state.clone();
    next.total = total;
    if let Some(items) = items {
        next.items = items;
    }
    if next.validate().is_ok() && invoiced_skus_match(&next) {
        next
    } else {
        state.clone()
    }
}

/// Whether every invoiced item's line has the invoice's SKU id (a line at that position now
/// selling another SKU would make the invoice describe something else).
fn invoiced_skus_match(state: &OrderState) -> bool {
    state.invoices.iter().flat_map(|i| &i.items).all(|it| {
        state
            .items
            .iter()
            .any(|line| line.index == it.index && line.id == it.id)
    })
}

/// `state` with the invoices of `packages` it lacks (see the module docs for what is skipped).
/// Fails only when `state` itself does not validate.
pub fn reconcile_invoices(
    state: &OrderState,
    packages: &[GetOrderPackage],
) -> Result<OrderState, OrderError> {
    state.validate()?;
    let mut next = state.clone();
    let outputs = packages
        .iter()
        .filter(|p| p.invoice_type() == Some(InvoiceType::Output));
    let inputs = packages
        .iter()
        .filter(|p| p.invoice_type() == Some(InvoiceType::Input));
    for package in outputs.chain(inputs) {
        let Some(record) = package.record(&next) else {
            continue;
        };
        let known = next.invoices.iter().any(|i| {
            i.invoice_type == record.invoice_type && i.invoice_number == record.invoice_number
        });
        if known {
            continue;
        }
        next.invoices.push(record);
        if next.validate().is_err() {
            next.invoices.pop();
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::{Flow, OrderId, OrderItem, Status};
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

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
        serde_json::from_value(
            json!({"orderId": "v7pnt-01", "packageAttachment": {"packages": list}}),
        )
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

    #[test]
    fn adds_a_missing_invoice_with_its_tracking() {
        let mut p = pkg("NF-1", 0, 1, 2500);
        p["trackingNumber"] = json!("TRK-1");
        p["trackingUrl"] = json!("https://t.example.com/1");
        p["courier"] = json!("C");
        p["courierStatus"] = json!({"finished": true, "data": []});
        let next = run(&state(), json!([p]));
        assert_eq!(
            next.invoices,
            vec![InvoiceRecord {
                invoice_type: InvoiceType::Output,
                invoice_number: "NF-1".into(),
                value: c(2500),
                issuance_date: Timestamp::parse("2026-01-02T12:00:00Z").unwrap(),
                items: vec![InvoicedItem {
                    index: 0,
                    id: "12".into(),
                    quantity: 1,
                    price: c(2500)
                }],
                tracking: Some(Tracking {
                    tracking_number: "TRK-1".into(),
                    tracking_url: Some("https://t.example.com/1".into()),
                    courier: Some("C".into()),
                    delivered: true,
                    ..Tracking::default()
                }),
            }]
        );
        // Everything else is untouched.
        assert_eq!(
            OrderState {
                invoices: Vec::new(),
                ..next.clone()
            },
            state()
        );
        // Idempotent.
        assert_eq!(run(&next, json!([pkg("NF-1", 0, 1, 2500)])), next);
    }

    #[test]
    fn no_packages_changes_nothing() {
        for order in [
            json!({}),
            json!({"packageAttachment": null}),
            json!({"packageAttachment": {"packages": null}}),
            json!({"packageAttachment": {"packages": "x"}}),
            json!({"packageAttachment": []}),
            json!({"packageAttachment": {"packages": []}}),
        ] {
            let o: GetOrderSnapshot = serde_json::from_value(order.clone()).unwrap();
            assert!(o.packages().is_empty(), "{order}");
            assert_eq!(reconcile_invoices(&state(), o.packages()).unwrap(), state());
        }
    }

    #[test]
    fn a_known_invoice_is_left_as_it_is() {
        let first = run(&state(), json!([pkg("NF-1", 0, 1, 2500)]));
        // Same type and number, other content: Ponte's record stays.
        let next = run(&first, json!([pkg("NF-1", 1, 1, 5000)]));
        assert_eq!(next, first);
        // Same number, other type: another invoice (a return numbered like the sale).
        let mut ret = pkg("NF-1", 0, 1, 2500);
        ret["type"] = json!("Input");
        assert_eq!(numbers(&run(&first, json!([ret]))), ["NF-1", "NF-1"]);
    }

    #[test]
    fn malformed_packages_are_skipped() {
        let ok = pkg("NF-OK", 1, 1, 5000);
        let with = |field: &str, v: Value| {
            let mut p = pkg("NF-X", 0, 1, 2500);
            p[field] = v;
            p
        };
        let item = |v: Value| {
            let mut p = pkg("NF-X", 0, 1, 2500);
            p["items"] = json!([v]);
            p
        };
        let bad = [
            json!(null),
            json!("NF-X"),
            json!([1]),
            with("type", json!("output")),
            with("type", json!(null)),
            with("invoiceNumber", json!("")),
            with("invoiceNumber", json!(7)),
            with("invoiceValue", json!(0)),
            with("invoiceValue", json!(-2500)),
            with("invoiceValue", json!(25.5)),
            with("invoiceValue", json!("25.00")),
            with("invoiceValue", json!("")),
            with("invoiceValue", json!(9_007_199_254_740_992_i64)),
            with("invoiceValue", json!(u64::MAX)),
            with("invoiceValue", json!(null)),
            with("issuanceDate", json!("yesterday")),
            with("issuanceDate", json!("2026-02-30T10:00:00Z")),
            with("issuanceDate", json!(1_700_000_000)),
            item(json!(null)),
            item(json!("x")),
            item(json!({"quantity": 1})),
            item(json!({"itemIndex": -1, "quantity": 1})),
            item(json!({"itemIndex": 0.5, "quantity": 1})),
            item(json!({"itemIndex": 0, "quantity": 0})),
            item(json!({"itemIndex": 0, "quantity": 4_294_967_296_u64})),
            item(json!({"itemIndex": 0, "quantity": "1"})),
        ];
        for b in bad {
            let next = run(&state(), json!([b.clone(), ok.clone()]));
            assert_eq!(numbers(&next), ["NF-OK"], "{b}");
        }
    }

    #[test]
    fn packages_that_would_make_the_state_inconsistent_are_skipped() {
        let s = state();
        let mut twice = pkg("NF-T", 0, 1, 2500);
        twice["items"] = json!([{"itemIndex": 0, "quantity": 2}, {"itemIndex": 0, "quantity": 1}]);
        let mut input = pkg("NF-R", 0, 1, 2500);
        input["type"] = json!("Input");
        for (b, why) in [
            (pkg("NF-9", 0, 3, 7500), "three units of a two-unit line"),
            (pkg("NF-8", 4, 1, 100), "a line the order does not have"),
            (
                {
                    let mut p = pkg("NF-7", 0, 1, 2500);
                    p["invoiceValue"] = json!(10_001);
                    p
                },
                "Output over the total",
            ),
            (
                twice,
                "the same line twice in one package, over its quantity",
            ),
            (input, "a return with nothing invoiced"),
        ] {
            assert!(run(&s, json!([b])).invoices.is_empty(), "{why}");
        }
        // Over what is left, counting the packages added before it.
        let next = run(
            &s,
            json!([
                pkg("NF-1", 0, 2, 5000),
                pkg("NF-2", 0, 1, 2500),
                pkg("NF-3", 1, 1, 5000)
            ]),
        );
        assert_eq!(numbers(&next), ["NF-1", "NF-3"]);
        // A return over what was invoiced.
        let mut big = pkg("NF-R", 0, 1, 5001);
        big["type"] = json!("Input");
        let only_first = run(&s, json!([pkg("NF-1", 0, 2, 5000)]));
        assert_eq!(numbers(&run(&only_first, json!([big]))), ["NF-1"]);
    }

    #[test]
    fn outputs_are_added_before_inputs() {
        let mut ret = pkg("NF-R", 0, 1, 2500);
        ret["type"] = json!("Input");
        let next = run(&state(), json!([ret, pkg("NF-1", 0, 1, 2500)]));
        assert_eq!(numbers(&next), ["NF-1", "NF-R"]);
        assert_eq!(next.invoices[1].invoice_type, InvoiceType::Input);
    }

    #[test]
    fn lenient_forms_are_read() {
        let mut p = pkg("NF-1", 0, 1, 2500);
        p["invoiceValue"] = json!("2500");
        p["issuanceDate"] = json!("2026-01-02");
        p["items"] = json!([{"itemIndex": 0, "quantity": 1, "price": "x", "description": 3}]);
        p["trackingNumber"] = json!("TRK");
        p["trackingUrl"] = json!(7);
        p["courier"] = json!("");
        p["courierStatus"] = json!({"finished": "yes"});
        let mut q = pkg("NF-2", 1, 1, 5000);
        q["invoiceValue"] = json!(5000.0);
        q["items"] = json!({"not": "an array"});
        q["trackingNumber"] = json!(null);
        let next = run(&state(), json!([p, q]));
        assert_eq!(numbers(&next), ["NF-1", "NF-2"]);
        let (a, b) = (&next.invoices[0], &next.invoices[1]);
        assert_eq!(a.value, c(2500));
        assert_eq!(a.issuance_date.as_str(), "2026-01-02T00:00:00.000000000Z");
        assert_eq!(a.items[0].price, c(2500), "the line's price");
        assert_eq!(
            a.tracking,
            Some(Tracking {
                tracking_number: "TRK".into(),
                ..Tracking::default()
            })
        );
        assert_eq!(b.value, c(5000));
        assert!(b.items.is_empty() && b.tracking.is_none());
        // A negative item price also falls back to the line's.
        let mut n = pkg("NF-3", 0, 1, 2500);
        n["items"][0]["price"] = json!(-1);
        assert_eq!(
            run(&state(), json!([n])).invoices[0].items[0].price,
            c(2500)
        );
    }

    #[test]
    fn an_invalid_state_is_refused() {
        let mut s = state();
        s.invoices.push(InvoiceRecord {
            invoice_type: InvoiceType::Output,
            invoice_number: "NF-1".into(),
            value: c(20_000),
            issuance_date: Timestamp::parse("2026-01-02T12:00:00Z").unwrap(),
            items: Vec::new(),
            tracking: None,
        });
        let err = reconcile_invoices(&s, &[]).unwrap_err();
        assert_eq!(err.code(), "ORDER_STATE_INVALID");
    }

    #[test]
    fn deep_or_odd_json_does_not_fail() {
        let mut deep = json!(1);
        for _ in 0..100 {
            deep = json!([deep]);
        }
        let order = json!({"packageAttachment": {"packages": [deep.clone(), {"type": deep, "items": [deep]}]}});
        let o: GetOrderSnapshot = serde_json::from_value(order).unwrap();
        assert_eq!(o.packages().len(), 2);
        assert_eq!(reconcile_invoices(&state(), o.packages()).unwrap(), state());
        // From text too (the boundary's path).
        let text = r#"{"packageAttachment":{"packages":[{"type":"Output","invoiceNumber":"N","invoiceValue":1e3,"issuanceDate":"2026-01-02T00:00:00Z"}]}}"#;
        let o: GetOrderSnapshot = serde_json::from_str(text).unwrap();
        assert_eq!(
            reconcile_invoices(&state(), o.packages()).unwrap().invoices[0].value,
            c(1000)
        );
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

    #[test]
    fn a_discount_applied_in_vtex_sets_the_total() {
        let s = state();
        let next = reconciled(&s, json!(9000), lines(&s.items), json!([]));
        assert_eq!(next.total, c(9000));
        assert_eq!(
            OrderState {
                total: s.total,
                ..next.clone()
            },
            s
        );
        // An integral float is the same number (JavaScript writes no difference).
        assert_eq!(
            reconciled(&s, json!(9000.0), lines(&s.items), json!([])),
            next
        );
    }

    #[test]
    fn a_folded_change_vtex_has_not_applied_yields_to_get_order_but_stays_a_change() {
        let folded = discount(&state(), "c-1", 1000);
        assert_eq!(folded.total, c(9000));
        // Get order still shows the value before the change (in progress, failed or canceled).
        let next = reconciled(&folded, json!(10_000), lines(&folded.items), json!([]));
        assert_eq!(next.total, c(10_000));
        assert_eq!(next.changes, folded.changes, "the requestId stays: dedupe");
        assert_eq!(next.timeline, folded.timeline);
        assert_eq!(next.status, folded.status);
        // The same requestId again is still a repeat.
        let again = discount(&next, "c-1", 1000);
        assert_eq!(again.total, c(10_000));
        // Once VTEX applies it, Get order shows it.
        assert_eq!(
            reconciled(&next, json!(9000), lines(&next.items), json!([])).total,
            c(9000)
        );
    }

    #[test]
    fn a_line_added_in_vtex_is_taken_and_can_be_invoiced() {
        let s = state();
        let mut items = s.items.clone();
        items.push(line(2, "56", 3, 700));
        let next = reconciled(
            &s,
            json!(12_100),
            lines(&items),
            json!([pkg("NF-1", 2, 3, 2100)]),
        );
        assert_eq!(next.total, c(12_100));
        assert_eq!(next.items, items);
        // The package on the new line is reconciled against the new lines.
        assert_eq!(numbers(&next), ["NF-1"]);
        assert_eq!(next.invoices[0].items[0].id, "56");
        // Against the old lines it would have been skipped.
        assert!(
            run(&s, json!([pkg("NF-1", 2, 3, 2100)]))
                .invoices
                .is_empty()
        );
    }

    #[test]
    fn a_quantity_removed_in_vtex_is_taken() {
        let s = state();
        let mut items = s.items.clone();
        items[0].quantity = 1;
        let next = reconciled(&s, json!(7500), lines(&items), json!([]));
        assert_eq!((next.total, next.items.clone()), (c(7500), items.clone()));
        // All units removed: VTEX keeps the line with quantity 0.
        items[0].quantity = 0;
        let next = reconciled(&next, json!(5000), lines(&items), json!([]));
        assert_eq!((next.total, next.items), (c(5000), items));
    }

    #[test]
    fn a_change_that_would_break_an_invoice_is_not_taken() {
        // NF-1 invoices both units of line 0 (5000).
        let s = run(&state(), json!([pkg("NF-1", 0, 2, 5000)]));
        assert_eq!(numbers(&s), ["NF-1"]);
        let mut fewer = s.items.clone();
        fewer[0].quantity = 1;
        let mut other_sku = s.items.clone();
        other_sku[0].id = "99".into();
        // Line 0 gone: line 1 moves to position 0.
        let shifted = lines(&[OrderItem {
            index: 0,
            ..s.items[1].clone()
        }]);
        for (value, items, why) in [
            (json!(7500), lines(&fewer), "fewer units than invoiced"),
            (
                json!(4999),
                lines(&s.items),
                "a total below the Output invoices",
            ),
            (
                json!(10_000),
                lines(&other_sku),
                "the invoiced line sells another SKU",
            ),
            (
                json!(5000),
                shifted,
                "the invoiced line moved to another SKU's position",
            ),
            (json!(4999), lines(&fewer), "both"),
        ] {
            let next = reconciled(&s, value, items, json!([]));
            assert_eq!(next, s, "{why}");
        }
        // An invoice on the last line, which Get order no longer lists.
        let on_last = run(&state(), json!([pkg("NF-2", 1, 1, 5000)]));
        let first_only = lines(&on_last.items[..1]);
        assert_eq!(
            reconciled(&on_last, json!(10_000), first_only, json!([])),
            on_last,
            "the invoiced line is gone"
        );
        // The whole view is refused: not the value alone either.
        let next = reconciled(&s, json!(9000), lines(&fewer), json!([]));
        assert_eq!(next.total, c(10_000));
        // A change that fits the invoice is taken.
        let mut more = s.items.clone();
        more[1].quantity = 2;
        let next = reconciled(&s, json!(15_000), lines(&more), json!([]));
        assert_eq!((next.total, next.items), (c(15_000), more));
        assert_eq!(next.invoices, s.invoices);
    }

    #[test]
    fn malformed_value_or_items_are_not_taken() {
        let s = state();
        let mut changed = s.items.clone();
        changed[1].quantity = 2;
        for bad in [
            json!(null),
            json!("9000"),
            json!(-1),
            json!(90.5),
            json!(9_007_199_254_740_992_i64),
            json!(u64::MAX),
            json!(1e300),
            json!({"value": 9000}),
            json!([9000]),
        ] {
            // The value is kept; well-formed items are still taken.
            let next = reconciled(&s, bad.clone(), lines(&changed), json!([]));
            assert_eq!(next.total, s.total, "{bad}");
            assert_eq!(next.items, changed, "{bad}");
        }
        let entry = |field: &str, v: Value| {
            let mut l = lines(&s.items);
            l[1][field] = v;
            l
        };
        let bad_items = [
            json!(null),
            json!("items"),
            json!({"0": {"id": "12", "quantity": 2, "price": 2500}}),
            json!([]),
            {
                let mut l = lines(&s.items);
                l[1] = json!(null);
                l
            },
            {
                let mut l = lines(&s.items);
                l[1] = json!(["34", 1, 5000]);
                l
            },
            {
                let mut l = lines(&s.items);
                l[1].as_object_mut().unwrap().remove("id");
                l
            },
            entry("id", json!("")),
            entry("id", json!(34)),
            entry("quantity", json!(-1)),
            entry("quantity", json!(1.5)),
            entry("quantity", json!("1")),
            entry("quantity", json!(4_294_967_296_u64)),
            entry("quantity", json!(null)),
            entry("price", json!("5000")),
            entry("price", json!(-5000)),
            entry("price", json!(50.25)),
            entry("price", json!(9_007_199_254_740_992_i64)),
        ];
        for bad in bad_items {
            // The items are kept; a well-formed value is still taken.
            let next = reconciled(&s, json!(9000), bad.clone(), json!([]));
            assert_eq!(next.items, s.items, "{bad}");
            assert_eq!(next.total, c(9000), "{bad}");
        }
        // Both missing: nothing changes.
        let o: GetOrderSnapshot = serde_json::from_value(json!({"orderId": "v7pnt-01"})).unwrap();
        assert_eq!(reconcile_order(&s, &o).unwrap(), s);
        // Lenient forms that are taken: integral floats, extra fields, a zero price.
        let mut odd = lines(&s.items);
        odd[0]["quantity"] = json!(2.0);
        odd[1]["price"] = json!(0);
        let next = reconciled(&s, json!(5e3), odd, json!([]));
        assert_eq!(next.total, c(5000));
        assert_eq!(next.items[0].quantity, 2);
        assert_eq!(next.items[1].price, Cents::ZERO);
    }

    #[test]
    fn invoices_are_still_reconciled_against_the_reconciled_lines() {
        let s = state();
        let mut items = s.items.clone();
        items[0].quantity = 1;
        // Lines: 12 × 1 @2500, 34 × 1 @5000; value 7500. NF-1 fits; NF-2 (two units of line 0)
        // no longer does; NF-3 would go over the new total.
        let next = reconciled(
            &s,
            json!(7500),
            lines(&items),
            json!([
                pkg("NF-2", 0, 2, 5000),
                pkg("NF-1", 0, 1, 2500),
                pkg("NF-3", 1, 1, 5001)
            ]),
        );
        assert_eq!(next.total, c(7500));
        assert_eq!(numbers(&next), ["NF-1"]);
        // A fixed point.
        let again = reconcile_order(
            &next,
            &get_order(json!(7500), lines(&items), json!([pkg("NF-1", 0, 1, 2500)])),
        )
        .unwrap();
        assert_eq!(again, next);
    }

    #[test]
    fn reconcile_order_refuses_an_invalid_state() {
        let mut s = state();
        s.total = Cents::new(-1).unwrap();
        let err =
            reconcile_order(&s, &get_order(json!(10_000), lines(&s.items), json!([]))).unwrap_err();
        assert_eq!(err.code(), "ORDER_STATE_INVALID");
    }

    // ---------- property ----------

    fn text() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!("")),
            Just(json!("NF-1")),
            Just(json!("NF-2")),
            Just(json!("NF-3")),
            "[ -~]{0,6}".prop_map(Value::from),
        ]
    }

    fn number() -> impl Strategy<Value = Value> {
        prop_oneof![
            (0i64..12_000).prop_map(Value::from),
            (-5i64..5).prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            (0i64..12_000).prop_map(|v| Value::from(v.to_string())),
        ]
    }

    fn anything() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            number(),
            text(),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn item() -> impl Strategy<Value = Value> {
        prop_oneof![
            4 => ((0u32..4), (0u32..4), prop::option::of(0i64..6000)).prop_map(|(i, q, p)| {
                json!({"itemIndex": i, "quantity": q, "price": p})
            }),
            1 => anything(),
        ]
    }

    fn package() -> impl Strategy<Value = Value> {
        let plausible = (
            prop_oneof![Just(json!("Output")), Just(json!("Input")), anything()],
            text(),
            number(),
            prop_oneof![
                Just(json!("2026-01-02T09:00:00-03:00")),
                Just(json!("2026-01-02")),
                anything()
            ],
            prop_oneof![
                prop::collection::vec(item(), 0..4).prop_map(Value::from),
                anything()
            ],
            prop_oneof![Just(json!("TRK")), anything()],
            anything(),
        )
            .prop_map(|(t, n, v, d, items, trk, status)| {
                json!({"type": t, "invoiceNumber": n, "invoiceValue": v, "issuanceDate": d,
                       "items": items, "trackingNumber": trk, "courierStatus": status})
            });
        // Mostly well-formed, so that many are added and many conflict with each other.
        let good = (
            prop_oneof![3 => Just("Output"), 1 => Just("Input")],
            0u8..6,
            1i64..4000,
            prop::collection::vec((0u32..4, 1u32..3), 0..3),
        )
            .prop_map(|(t, n, v, items)| {
                let items: Vec<Value> = items
                    .into_iter()
                    .map(|(i, q)| json!({"itemIndex": i, "quantity": q}))
                    .collect();
                json!({"type": t, "invoiceNumber": format!("NF-{n}"), "invoiceValue": v,
                       "issuanceDate": "2026-01-02T09:00:00Z", "items": items})
            });
        prop_oneof![6 => good, 3 => plausible, 1 => anything()]
    }

    fn base() -> impl Strategy<Value = OrderState> {
        (
            prop::collection::vec((1u32..4, 0i64..5000), 1..4),
            0i64..300,
        )
            .prop_map(|(lines, extra)| {
                let items: Vec<OrderItem> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, (q, p))| OrderItem {
                        index: i as u32,
                        id: format!("{}", 10 + i),
                        quantity: *q,
                        price: c(*p),
                    })
                    .collect();
                let total = items
                    .iter()
                    .map(|i| i.price.get() * i64::from(i.quantity))
                    .sum::<i64>()
                    + extra;
                OrderState::new(
                    OrderId::new("v1-01").unwrap(),
                    Flow::Complete,
                    c(total),
                    items,
                )
                .unwrap()
            })
    }

    /// How Get order's `value` relates to the state's total.
    #[derive(Debug, Clone)]
    enum ValueOf {
        Same,
        Delta(i64),
        Raw(Value),
    }

    impl ValueOf {
        fn of(&self, s: &OrderState) -> Value {
            match self {
                ValueOf::Same => json!(s.total),
                ValueOf::Delta(d) => json!(s.total.get() + d),
                ValueOf::Raw(v) => v.clone(),
            }
        }
    }

    /// A change to Get order's `items`, in Debug-able form for proptest.
    type Broken = (usize, &'static str, Value);

    /// How Get order's `items` relate to the state's lines: quantities changed, lines added or
    /// dropped, a SKU replaced, an entry broken, or anything.
    #[derive(Debug, Clone)]
    enum ItemsOf {
        Edit {
            quantities: Vec<(usize, u32)>,
            added: Vec<(u32, i64)>,
            dropped: Option<usize>,
            resku: Option<usize>,
            broken: Option<Broken>,
        },
        Raw(Value),
    }

    impl ItemsOf {
        fn of(&self, s: &OrderState) -> Value {
            let (quantities, added, dropped, resku, broken) = match self {
                ItemsOf::Raw(v) => return v.clone(),
                ItemsOf::Edit {
                    quantities,
                    added,
                    dropped,
                    resku,
                    broken,
                } => (quantities, added, dropped, resku, broken),
            };
            let mut items = s.items.clone();
            for (i, q) in quantities {
                if let Some(line) = items.get_mut(*i) {
                    line.quantity = *q;
                }
            }
            if let Some(i) = dropped.filter(|i| *i < items.len()) {
                items.remove(i);
            }
            if let Some(line) = resku.and_then(|i| items.get_mut(i)) {
                line.id = "99".into();
            }
            for (q, p) in added {
                items.push(line(0, &format!("{}", 50 + q), *q, *p));
            }
            let mut v = lines(&items);
            if let Some((i, field, bad)) = broken
                && let Some(entry) = v.get_mut(*i)
            {
                entry[*field] = bad.clone();
            }
            v
        }
    }

    fn value_of() -> impl Strategy<Value = ValueOf> {
        prop_oneof![
            2 => Just(ValueOf::Same),
            3 => (-3000i64..3000).prop_map(ValueOf::Delta),
            1 => anything().prop_map(ValueOf::Raw),
        ]
    }

    fn items_of() -> impl Strategy<Value = ItemsOf> {
        let edit = (
            prop::collection::vec((0usize..4, 0u32..4), 0..3),
            prop::collection::vec((0u32..3, 0i64..3000), 0..2),
            prop::option::of(0usize..4),
            prop::option::of(0usize..4),
            prop::option::of((
                0usize..4,
                prop_oneof![Just("quantity"), Just("price"), Just("id")],
                anything(),
            )),
        )
            .prop_map(
                |(quantities, added, dropped, resku, broken)| ItemsOf::Edit {
                    quantities,
                    added,
                    dropped,
                    resku,
                    broken,
                },
            );
        prop_oneof![
            8 => edit,
            1 => anything().prop_map(ItemsOf::Raw),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Whatever the packages: the result validates, keeps every invoice the state had (in
        /// order, unchanged), adds only invoices some package names, and is a fixed point.
        #[test]
        fn the_result_validates_and_keeps_what_the_state_had(
            base in base(),
            earlier in prop::collection::vec(package(), 0..5),
            list in prop_oneof![4 => prop::collection::vec(package(), 0..8).prop_map(Value::from), 1 => anything()],
        ) {
            // A state that already has invoices, built the same way.
            let state = reconcile_invoices(&base, packages(Value::from(earlier)).packages()).unwrap();
            prop_assert!(state.validate().is_ok());
            let order: GetOrderSnapshot = serde_json::from_value(
                json!({"packageAttachment": {"packages": list.clone()}}),
            ).unwrap();
            let next = reconcile_invoices(&state, order.packages()).unwrap();
            prop_assert!(next.validate().is_ok());
            prop_assert_eq!(&next.invoices[..state.invoices.len()], &state.invoices[..]);
            prop_assert_eq!(
                OrderState { invoices: state.invoices.clone(), ..next.clone() },
                state.clone()
            );
            let listed = list.as_array().cloned().unwrap_or_default();
            for added in &next.invoices[state.invoices.len()..] {
                prop_assert!(
                    listed.iter().any(|p| p["invoiceNumber"] == json!(added.invoice_number)),
                    "{} is in no package", added.invoice_number
                );
            }
            prop_assert_eq!(reconcile_invoices(&next, order.packages()).unwrap(), next);
        }

        /// Whatever Get order's value, items and packages: the result validates, keeps the
        /// invoices, changes, status and timeline the state had, takes Get order's well-formed
        /// value and items exactly when they fit the state's invoices, and is a fixed point.
        #[test]
        fn reconcile_order_never_produces_an_invalid_state(
            base in base(),
            change in prop::option::of(1i64..2000),
            earlier in prop::collection::vec(package(), 0..5),
            value in value_of(),
            items in items_of(),
            list in prop_oneof![4 => prop::collection::vec(package(), 0..8).prop_map(Value::from), 1 => anything()],
        ) {
            let base = match change {
                Some(cents) if base.total.get() >= cents => {
                    let mut handling = base.clone();
                    handling.status = Some(Status::Handling);
                    discount(&handling, "c-1", cents)
                }
                _ => base,
            };
            let state = reconcile_invoices(&base, packages(Value::from(earlier)).packages()).unwrap();
            let value = value.of(&state);
            let items = items.of(&state);
            let order: GetOrderSnapshot = serde_json::from_value(json!({
                "value": value, "items": items, "packageAttachment": {"packages": list},
            })).unwrap();
            let next = reconcile_order(&state, &order).unwrap();
            prop_assert!(next.validate().is_ok());
            prop_assert!(invoiced_skus_match(&next));
            prop_assert_eq!(&next.invoices[..state.invoices.len()], &state.invoices[..]);
            prop_assert_eq!(&next.changes, &state.changes);
            prop_assert_eq!(&next.timeline, &state.timeline);
            prop_assert_eq!(
                OrderState {
                    invoices: state.invoices.clone(),
                    total: state.total,
                    items: state.items.clone(),
                    ..next.clone()
                },
                state.clone()
            );
            // Lines: Get order's (well-formed parts) when they fit the state's invoices.
            let wanted = OrderState {
                total: order.value().unwrap_or(state.total),
                items: order.items().unwrap_or_else(|| state.items.clone()),
                ..state.clone()
            };
            let fits = wanted.validate().is_ok() && invoiced_skus_match(&wanted);
            let expected = if fits { &wanted } else { &state };
            prop_assert_eq!((&next.total, &next.items), (&expected.total, &expected.items));
            prop_assert_eq!(reconcile_order(&next, &order).unwrap(), next);
        }
    }
}
