//! The ERP's actions on an order and their payloads, in VTEX's wire shapes (§A.5–§A.9).

use super::Cents;
use serde::{Deserialize, Serialize};

/// `Output` (a sale) or `Input` (a return).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum InvoiceType {
    Output,
    Input,
}

/// The body of `POST /api/oms/pvt/orders/{orderId}/invoice` (§A.7), as VTEX takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct InvoiceRequest {
    #[serde(rename = "type")]
    pub invoice_type: InvoiceType,
    /// When the merchant registered the invoice: ISO 8601 date and time.
    pub issuance_date: String,
    pub invoice_number: String,
    /// Cents as a string of digits, no separator (`"2499"`), greater than zero.
    pub invoice_value: String,
    pub invoice_key: Option<String>,
    pub invoice_url: Option<String>,
    pub embedded_invoice: Option<String>,
    pub courier: Option<String>,
    /// Empty when only invoicing; a tracking number here is checked like [`TrackingUpdate`]'s.
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub dispatched_date: Option<String>,
    pub items: Vec<InvoiceItem>,
}

/// An invoiced SKU: `id` is the SKU id; `price` the unit price in cents (VTEX multiplies it by
/// the quantity). `itemIndex` (optional) pins the order item when a SKU appears twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct InvoiceItem {
    pub id: String,
    pub price: Cents,
    pub quantity: u32,
    pub item_index: Option<u32>,
    pub description: Option<String>,
}

/// The body of `POST /api/oms/pvt/orders/{orderId}/cancel` (§A.5); both fields optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct CancelRequest {
    pub reason: Option<String>,
    pub requested_by_user: Option<bool>,
}

/// `PATCH /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}` (§A.8): add or replace the
/// tracking of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct TrackingUpdate {
    /// The invoice (route parameter).
    pub invoice_number: String,
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub dispatched_date: Option<String>,
    pub courier: Option<String>,
}

/// `PUT /api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}/tracking` (§A.8): carrier events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct TrackingEvents {
    /// The invoice (route parameter).
    pub invoice_number: String,
    pub is_delivered: bool,
    /// `yyyy-mm-dd hh:mm` (ISO 8601 also taken).
    pub delivered_date: Option<String>,
    #[serde(default)]
    pub events: Vec<TrackingEvent>,
}

/// One carrier event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrackingEvent {
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub description: String,
    /// A date (`2015-06-23`) or date-time.
    pub date: String,
}

/// An order change (§A.9) in the terms both change APIs share; the service maps it to change
/// v2 (`add`/`remove`, `manualDiscountValue`) or v1 (`itemsAdded`/`itemsRemoved`,
/// `discountValue`/`incrementValue`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChangeOrder {
    /// The ERP's id for this change: only the first request per id takes effect.
    pub request_id: String,
    pub reason: String,
    #[serde(default)]
    pub discount_value: Cents,
    #[serde(default)]
    pub increment_value: Cents,
    #[serde(default)]
    pub items_removed: Vec<ChangeItem>,
    #[serde(default)]
    pub items_added: Vec<ChangeItem>,
}

/// An item added or removed by a change: SKU id, unit price in cents, quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChangeItem {
    pub id: String,
    pub price: Cents,
    pub quantity: u32,
}

/// An ERP action, as Ponte's mutations receive it (`{"action": "invoice", ...payload}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Action {
    /// `POST .../start-handling` (§A.6).
    StartHandling,
    /// `POST .../invoice`, Output or Input (§A.7).
    Invoice(InvoiceRequest),
    /// `POST .../cancel` (§A.5).
    Cancel(CancelRequest),
    /// `PATCH .../invoice/{invoiceNumber}` (§A.8).
    UpdateTracking(TrackingUpdate),
    /// `PUT .../invoice/{invoiceNumber}/tracking` (§A.8).
    TrackingEvents(TrackingEvents),
    /// An order change (§A.9).
    ChangeOrder(ChangeOrder),
}

/// The kind of an [`Action`], without its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ActionKind {
    StartHandling,
    InvoiceOutput,
    InvoiceInput,
    Cancel,
    UpdateTracking,
    TrackingEvents,
    ChangeOrder,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::StartHandling => "start-handling",
            ActionKind::InvoiceOutput => "invoice (Output)",
            ActionKind::InvoiceInput => "return invoice (Input)",
            ActionKind::Cancel => "cancel",
            ActionKind::UpdateTracking => "tracking update",
            ActionKind::TrackingEvents => "tracking events",
            ActionKind::ChangeOrder => "change order",
        }
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::StartHandling => ActionKind::StartHandling,
            Action::Invoice(i) => match i.invoice_type {
                InvoiceType::Output => ActionKind::InvoiceOutput,
                InvoiceType::Input => ActionKind::InvoiceInput,
            },
            Action::Cancel(_) => ActionKind::Cancel,
            Action::UpdateTracking(_) => ActionKind::UpdateTracking,
            Action::TrackingEvents(_) => ActionKind::TrackingEvents,
            Action::ChangeOrder(_) => ActionKind::ChangeOrder,
        }
    }
}
