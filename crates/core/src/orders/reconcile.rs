//! Reconciliation of Ponte's invoices with Get order's (`packageAttachment.packages`).
//!
//! An order can carry invoices Ponte never recorded: sent through the Admin or another
//! integration, or accepted by the OMS while the replica that sent them died before recording
//! them. Without them Ponte would refuse tracking on an invoice VTEX has, or let more be
//! invoiced than is left. [`reconcile_invoices`] adds every package Ponte's [`OrderState`]
//! lacks, as an [`InvoiceRecord`].
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
//! let order: GetOrderInvoices = serde_json::from_str(r#"{"packageAttachment": {"packages": [
//!     {"type": "Output", "invoiceNumber": "NF-1", "invoiceValue": 2500,
//!      "issuanceDate": "2024-03-01T10:00:00Z", "items": [{"itemIndex": 0, "quantity": 1}]},
//!     {"type": "Output", "invoiceNumber": "NF-2", "invoiceValue": "9000",
//!      "issuanceDate": "2024-03-01T10:00:00Z", "items": []}
//! ]}}"#).unwrap();
//! let next = reconcile_invoices(&state, order.packages())?;
//! // NF-2 would take the Output invoices over the total: left out.
//! assert_eq!(next.invoices.len(), 1);
//! assert_eq!(next.invoices[0].items[0].price, Cents::new(2500)?);
//! assert_eq!(reconcile_invoices(&next, order.packages())?, next);
//! # Ok::<(), OrderError>(())
//! ```

use super::{
    Cents, InvoiceRecord, InvoiceType, InvoicedItem, OrderError, OrderState, Timestamp, Tracking,
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

/// The part of a Get order answer that reconciliation reads: `packageAttachment.packages`.
/// Every other field of the order is ignored; a `packageAttachment` or `packages` that is
/// missing, `null` or not of the expected type is read as no packages.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetOrderInvoices {
    #[serde(default)]
    package_attachment: Lenient<PackageAttachment>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct PackageAttachment {
    #[serde(default)]
    packages: Lenient<Vec<GetOrderPackage>>,
}

impl GetOrderInvoices {
    /// The packages listed (each possibly malformed).
    pub fn packages(&self) -> &[GetOrderPackage] {
        self.package_attachment
            .valid()
            .and_then(|a| a.packages.valid())
            .map_or(&[], Vec::as_slice)
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

    fn packages(list: Value) -> GetOrderInvoices {
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
            let o: GetOrderInvoices = serde_json::from_value(order.clone()).unwrap();
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
        let o: GetOrderInvoices = serde_json::from_value(order).unwrap();
        assert_eq!(o.packages().len(), 2);
        assert_eq!(reconcile_invoices(&state(), o.packages()).unwrap(), state());
        // From text too (the boundary's path).
        let text = r#"{"packageAttachment":{"packages":[{"type":"Output","invoiceNumber":"N","invoiceValue":1e3,"issuanceDate":"2026-01-02T00:00:00Z"}]}}"#;
        let o: GetOrderInvoices = serde_json::from_str(text).unwrap();
        assert_eq!(
            reconcile_invoices(&state(), o.packages()).unwrap().invoices[0].value,
            c(1000)
        );
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
            let order: GetOrderInvoices = serde_json::from_value(
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
    }
}
