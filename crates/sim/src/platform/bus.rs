//! The seam between the simulated OMS ([`crate::vtex::oms`]) and what VTEX does with an order's
//! changes ([`crate::vtex::broadcast`]: Feed v3, Hook, VTEX IO events). The OMS publishes every status
//! change of every order (both workflow instances, `Fulfillment` and `Marketplace`, where the
//! flow has both) with the whole order as Get order would answer it at that moment; the
//! broadcaster filters, queues and delivers.
//!
//! The clock is shared too: the OMS's timers (cancellation window, …) and the feed's visibility
//! timeout and retention all run on [`SimClock`](super::clock::SimClock), which tests
//! fast-forward.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One status change of one order, as the broadcaster needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderChange {
    pub account: String,
    pub order_id: String,
    /// `Fulfillment` or `Marketplace`: which workflow instance changed.
    pub domain: String,
    /// API status after the change.
    pub state: String,
    /// API status before the change (`""` when there was none: an incomplete order).
    pub last_state: String,
    /// ISO 8601 UTC of the previous change (7 fractional digits, `Z`, as VTEX writes them).
    pub last_change: String,
    /// ISO 8601 UTC of this change.
    pub current_change: String,
    /// `{Account, Key}`: the app key that caused the change (`vtexappkey-appvtex` for the
    /// platform itself, the caller's app key for API calls).
    pub origin_account: String,
    pub origin_key: String,
    /// The order as `GET /api/oms/pvt/orders/{orderId}` answers right after the change (the
    /// `FromOrders` JSONata filter is evaluated on it).
    pub order: Value,
}

/// Where the OMS publishes changes. Implementations must not block for long: queue and return.
pub trait ChangeSink: Send + Sync + std::fmt::Debug {
    fn publish(&self, change: OrderChange);
}

/// A sink that drops everything (an OMS with no broadcaster, in unit tests).
#[derive(Debug, Default)]
pub struct NullSink;

impl ChangeSink for NullSink {
    fn publish(&self, _change: OrderChange) {}
}
