//! Get order (`GET /api/oms/pvt/orders/{orderId}`) as Ponte reads it: the first
//! [`OrderState`] of an order ([`state_from_order`]), and Ponte's state brought up to a fresh
//! Get order, status included ([`reconcile_with_order`]).
//!
//! The answer is VTEX's, so it is read leniently: [`GetOrder`] never fails on a field's
//! content, only on a body that is not a JSON object.

use super::{
    Cents, Domain, EventSource, Flow, GetOrderSnapshot, OrderError, OrderEvent, OrderId, OrderItem,
    OrderState, Status, Timestamp, reconcile_order,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The parts of a Get order answer Ponte folds into its state: what reconciliation reads
/// ([`GetOrderSnapshot`]: `value`, `items`, `packageAttachment.packages`), the `status`, and
/// `lastChange` (the date of the status).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetOrder {
    pub snapshot: GetOrderSnapshot,
    /// `status` when it is a status VTEX documents.
    pub status: Option<Status>,
    /// `lastChange` as sent (a non-empty string), whatever its format.
    pub last_change: Option<String>,
}

impl GetOrder {
    /// Reads a Get order JSON object; anything else is refused.
    pub fn from_value(order: &Value) -> Result<GetOrder, String> {
        let Some(object) = order.as_object() else {
            return Err("Get order is not a JSON object".into());
        };
        let snapshot = GetOrderSnapshot::deserialize(order).unwrap_or_default();
        let text = |key: &str| {
            object
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        Ok(GetOrder {
            snapshot,
            status: text("status").and_then(Status::from_name),
            last_change: text("lastChange").map(str::to_owned),
        })
    }
}

impl<'de> Deserialize<'de> for GetOrder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        GetOrder::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// A whole, non-negative JSON number up to 2^53 − 1 (an integral float counts, as JavaScript's
/// `Number.isSafeInteger` sees it).
fn whole(v: Option<&Value>) -> Option<u64> {
    const MAX_SAFE: u64 = (1 << 53) - 1;
    let v = v?;
    if let Some(n) = v.as_u64() {
        return (n <= MAX_SAFE).then_some(n);
    }
    let f = v.as_f64()?;
    (f >= 0.0 && f.fract() == 0.0 && f <= MAX_SAFE as f64).then_some(f as u64)
}

fn cents(v: Option<&Value>) -> Option<Cents> {
    whole(v).and_then(|n| Cents::new(i64::try_from(n).ok()?).ok())
}

/// Ponte's first [`OrderState`] of an order, from Get order: the complete flow (the account
/// sells and fulfils), `value` as the total, one line per `items[]` entry (index = position,
/// SKU `id`, `quantity`, unit `price` in cents). The status is left `None`: it comes from
/// events and from [`reconcile_with_order`].
///
/// `ORDER_DATA_INVALID` when `orderId`, `value` or a line is not what an order needs; absent or
/// non-array `items` is an order without lines.
///
/// ```
/// use ponte_core::orders::*;
/// let order = serde_json::json!({"orderId": "v7pnt-01", "value": 5000,
///     "items": [{"id": "12", "quantity": 2, "price": 2500}]});
/// let state = state_from_order(&order)?;
/// assert_eq!((state.total, state.items.len(), state.status), (Cents::new(5000)?, 1, None));
/// let bad = serde_json::json!({"orderId": "v7pnt-01", "value": "5000"});
/// assert_eq!(state_from_order(&bad).unwrap_err().code(), "ORDER_DATA_INVALID");
/// # Ok::<(), OrderError>(())
/// ```
pub fn state_from_order(order: &Value) -> Result<OrderState, OrderError> {
    let raw_id = order.get("orderId").and_then(Value::as_str).unwrap_or("");
    let invalid = |reason: String| OrderError::OrderDataInvalid {
        order_id: super::money::truncate(raw_id, 80),
        reason,
    };
    let order_id =
        OrderId::new(raw_id).map_err(|_| invalid("orderId is not an order id".into()))?;
    let total = cents(order.get("value"))
        .ok_or_else(|| invalid("value is not a number of cents".into()))?;
    let lines = order
        .get("items")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut items = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let price = cents(line.get("price"));
        let quantity = whole(line.get("quantity")).and_then(|q| u32::try_from(q).ok());
        let id = line
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let index32 = u32::try_from(index).ok();
        let (Some(price), Some(quantity), Some(id), Some(index)) = (price, quantity, id, index32)
        else {
            return Err(invalid(format!(
                "items[{index}] lacks a SKU id, quantity or price in cents"
            )));
        };
        items.push(OrderItem {
            index,
            id: id.to_owned(),
            quantity,
            price,
        });
    }
    OrderState::new(order_id, Flow::Complete, total, items)
}

/// Ponte's state brought up to a fresh Get order: value, items and invoices first
/// ([`reconcile_order`]), then the status ([`reconcile_status`]). `source` is the channel that
/// triggered the read; it names the status event in the timeline. Fails only when `state`
/// itself is invalid.
pub fn reconcile_with_order(
    state: &OrderState,
    order: &GetOrder,
    source: EventSource,
) -> Result<OrderState, OrderError> {
    let next = reconcile_order(state, &order.snapshot)?;
    Ok(reconcile_status(next, order, source))
}

/// The state with Get order's status folded in, when it differs: as a platform event dated
/// Get order's `lastChange`, so the event rules decide (an older view never rolls a newer state
/// back; a status Ponte predicted from an accepted action yields only to platform news dated
/// after it). The event has no `lastState`: Get order does not say where the order came from,
/// and a `lastState` equal to a predicted status would let this older view roll the prediction
/// back. Events remain what intake remembers: the real event for the change still counts when
/// it arrives. An unknown status, or a `lastChange` missing or not ISO 8601, changes nothing.
pub fn reconcile_status(state: OrderState, order: &GetOrder, source: EventSource) -> OrderState {
    let Some(status) = order.status else {
        return state;
    };
    if state.status == Some(status) {
        return state;
    }
    let Some(at) = order.last_change.as_deref().and_then(Timestamp::parse) else {
        return state;
    };
    let event = platform_event(&state, status.as_str().to_owned(), None, at, source);
    state.apply_event(&event).unwrap_or(state)
}

/// A Fulfillment status change of `state`'s order that Ponte knows of without its delivery
/// (Get order's status, an event already in the timeline).
pub(super) fn platform_event(
    state: &OrderState,
    name: String,
    last_state: Option<String>,
    at: Timestamp,
    source: EventSource,
) -> OrderEvent {
    OrderEvent {
        order_id: state.order_id.clone(),
        domain: Domain::Fulfillment,
        state: name,
        last_state,
        current_change: at,
        last_change: None,
        origin: None,
        source,
        event_id: None,
        handle: None,
    }
}
