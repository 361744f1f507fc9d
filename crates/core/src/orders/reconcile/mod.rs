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

mod snapshot;

pub use snapshot::{GetOrderPackage, GetOrderSnapshot, Lenient};

use super::{InvoiceType, OrderError, OrderState};

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
mod tests;
