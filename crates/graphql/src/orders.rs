//! The orders fields (`order`, `startHandling`, `invoiceOrder`, `cancelOrder`,
//! `updateTracking`, `changeOrder`).
//!
//! The orders flow needs the OMS (Get order, the actions) and VBase (Ponte's record of each
//! order), which only the Node service reaches (`node/resolvers/Orders.ts`). Natively every
//! field makes the same checks the Node service makes before any IO, in the same order, and
//! then answers `NOT_SUPPORTED` (as `importJob` does), except `order(id)` with a
//! [`crate::Vtex`] attached, which reads Ponte's record from VBase and shows it as the Node
//! service does (no OMS call there either):
//!
//! 1. the admin session, as the import fields check it ([`sso`]): without one
//!    `UNAUTHENTICATED`, a refused token its `TOKEN_*` code;
//! 2. the order id (`id` / `orderId`) with [`OrderId::new`]: `ORDER_ID_INVALID`, with the
//!    Node service's message;
//! 3. `updateTracking` with neither `tracking` nor `events`: [`TRACKING_INPUT_EMPTY`].
//!
//! The payload rules of the actions (invoice number, value, items, dates, reasons...) are
//! checked by the core only against the order's state (`ponte_core::orders::check_action`);
//! the core has no public state-free check of a whole payload, so natively they are not
//! checked, and a bad payload on a valid order id answers `NOT_SUPPORTED`. The Node service
//! reads the app settings before the order id check of the mutations; natively there are no
//! settings to read.
//!
//! The mutations stay in the native schema (rather than leaving it) because their refusals
//! before any IO are part of the contract the GraphQL differential test compares
//! (tests/graphql.differential.e2e.test.ts): a missing session, an order id that cannot be
//! one, an empty tracking update answer the same codes from both. A refusal that needs the
//! order's state (e.g. an invoice above what is left to invoice) needs the record and a fresh
//! Get order first, so it is compared by the Node tests only.
//!
//! The types mirror `graphql/schema.graphql` (tests/sdl.rs compares them, descriptions
//! included), so explanations that are not in the schema file go in plain comments.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use ponte_core::orders::OrderId;
use ponte_core::sso::Audience;

use crate::import::NOT_SUPPORTED;
use crate::{coded_error, sso};

/// `extensions.code` of an `updateTracking` with neither `tracking` nor `events` (the Node
/// service's code).
pub const TRACKING_INPUT_EMPTY: &str = "TRACKING_INPUT_EMPTY";

/// Which kind of invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "ponte_core::orders::InvoiceType")]
pub enum InvoiceType {
    /// A sale (the order's value is invoiced by Output invoices).
    Output,
    /// A return.
    Input,
}

/// An invoice, in VTEX's shape.
#[derive(Debug, Clone, InputObject)]
pub struct InvoiceInput {
    #[graphql(name = "type")]
    pub invoice_type: InvoiceType,
    /// Goes into VTEX's URLs: letters, digits and - _ . only.
    pub invoice_number: String,
    /// cents, digits only, as VTEX
    pub invoice_value: String,
    /// ISO 8601 date and time.
    pub issuance_date: String,
    pub items: Vec<InvoiceItemInput>,
    pub invoice_key: Option<String>,
    pub invoice_url: Option<String>,
    pub courier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub dispatched_date: Option<String>,
}

/// One line of an invoice.
#[derive(Debug, Clone, InputObject)]
pub struct InvoiceItemInput {
    /// The SKU id.
    pub id: String,
    /// unit price in cents
    pub price: i32,
    pub quantity: i32,
    pub description: Option<String>,
}

/// An invoice's tracking.
#[derive(Debug, Clone, InputObject)]
pub struct TrackingInput {
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub courier: Option<String>,
    pub dispatched_date: Option<String>,
}

/// Carrier events of an invoice.
#[derive(Debug, Clone, InputObject)]
pub struct TrackingEventsInput {
    pub is_delivered: bool,
    /// yyyy-mm-dd hh:mm or ISO 8601.
    pub delivered_date: Option<String>,
    pub events: Vec<TrackingEventInput>,
}

// No description in the schema file.
#[derive(Debug, Clone, InputObject)]
pub struct TrackingEventInput {
    pub city: Option<String>,
    pub state: Option<String>,
    pub description: Option<String>,
    pub date: Option<String>,
}

/// A change of an order. Values in cents. Sent as v2: itemsAdded → add, itemsRemoved → remove, discountValue → manualDiscountValue, incrementValue → manualIncrementValue.
#[derive(Debug, Clone, InputObject)]
pub struct ChangeOrderInput {
    /// The ERP's id for this change: only the first request per id takes effect. At most 100 characters.
    pub request_id: String,
    pub reason: String,
    pub discount_value: Option<i32>,
    pub increment_value: Option<i32>,
    pub items_added: Option<Vec<ChangeItemInput>>,
    pub items_removed: Option<Vec<ChangeItemInput>>,
}

// No description in the schema file.
#[derive(Debug, Clone, InputObject)]
pub struct ChangeItemInput {
    /// The SKU id.
    pub id: String,
    /// unit price in cents
    pub price: i32,
    pub quantity: i32,
}

/// What an action did.
#[derive(Debug, Clone, SimpleObject)]
pub struct OrderActionResult {
    pub order_id: ID,
    /// startHandling, invoice, cancel, updateTracking, trackingEvents (joined with + when both), changeOrder.
    pub action: String,
    /// status the OMS should move to
    pub expected_status: Option<String>,
    /// The OMS receipt, when it gave one (for changeOrder, VTEX's change requestId).
    pub receipt: Option<String>,
    /// The OMS's date of the action, when it gave one.
    pub date: Option<String>,
    pub order: Option<OrderView>,
}

/// An order as Ponte saw it.
#[derive(Debug, Clone, SimpleObject)]
pub struct OrderView {
    pub order_id: ID,
    /// The API status, as Ponte knows it (null: not seen yet).
    pub status: Option<String>,
    /// cents
    pub value: String,
    /// When the ERP acknowledged the hand-off (ISO 8601); null before.
    pub handed_off_at: Option<String>,
    /// Sum of the Output invoices, in cents.
    pub invoiced_value: String,
    pub timeline: Vec<OrderTimelineEntry>,
}

/// An order change as VTEX reports it.
#[derive(Debug, Clone, SimpleObject)]
pub struct OrderChangeStatus {
    pub order_id: ID,
    pub change_request_id: String,
    /// VTEX's word for where the change is (done, inProgress, failed, canceled in ponte-sim), verbatim.
    pub status: Option<String>,
    /// True while VTEX is still processing the change.
    pub in_progress: bool,
    pub reason: Option<String>,
    /// ISO 8601, when the change was requested.
    pub date: Option<String>,
    /// Why it failed, when VTEX says (code and message, verbatim).
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// One line of an order's timeline.
#[derive(Debug, Clone, SimpleObject)]
pub struct OrderTimelineEntry {
    /// ISO 8601: the platform's change date for events, the action's date, Ponte's clock for deliveries.
    pub at: String,
    /// The status after this line.
    pub status: Option<String>,
    /// event:{feed|hook|ioEvent}, action:{kind}, handoff, notified, handoffSkipped.
    pub cause: String,
    pub detail: Option<String>,
}

/// The order id argument, by the core's rule, with the Node service's message
/// (`checkOrderId` in node/orders/actions.ts).
pub fn check_order_id(id: &ID) -> async_graphql::Result<OrderId> {
    OrderId::new(id.as_str()).map_err(|e| {
        coded_error(
            e.code(),
            "an order id is 1 to 64 letters, digits, - or _ (e.g. v70530116pnt-01)",
        )
    })
}

fn not_supported(field: &str) -> async_graphql::Error {
    coded_error(
        NOT_SUPPORTED,
        format!("{field} needs the VTEX OMS and VBase: the VTEX IO service runs the orders flow"),
    )
}

/// The admin session, then the order id: what every orders field checks first.
fn admin_and_order_id(ctx: &Context<'_>, id: &ID) -> async_graphql::Result<OrderId> {
    sso::session(ctx, Audience::Admin)?;
    check_order_id(id)
}

/// The VBase bucket of Ponte's order records (`BUCKET` in node/orders/store.ts).
pub const ORDERS_BUCKET: &str = "ponte-orders";

/// `Query.order`: Ponte's record (VBase `ponte-orders/orders/{id}.json`) read through an
/// attached [`crate::Vtex`], shown as `toView` in node/orders/record.ts shows it; `null` when
/// Ponte has never seen the order. Without a `Vtex`: `NOT_SUPPORTED`.
pub(crate) async fn order(ctx: &Context<'_>, id: &ID) -> async_graphql::Result<Option<OrderView>> {
    let order_id = admin_and_order_id(ctx, id)?;
    let path = format!("orders/{}.json", order_id.as_str());
    let record = crate::vbase_file(ctx, ORDERS_BUCKET, &path, not_supported("order")).await?;
    Ok(record.map(|r| to_view(&r)))
}

/// `toView` (node/orders/record.ts) over the record as stored.
fn to_view(record: &serde_json::Value) -> OrderView {
    use serde_json::Value;
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let state = &record["state"];
    let empty = Vec::new();
    let list = |v: &Value| v.as_array().unwrap_or(&empty).clone();
    let invoiced: i64 = list(&state["invoices"])
        .iter()
        .filter(|i| i["type"] == "Output")
        .filter_map(|i| i["value"].as_i64())
        .sum();
    let mut timeline: Vec<OrderTimelineEntry> = list(&state["timeline"])
        .iter()
        .map(|e| {
            let cause = &e["cause"];
            if cause["kind"] == "event" {
                let from = text(&cause["lastState"])
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("{s} → "))
                    .unwrap_or_default();
                let applied = if cause["applied"].as_bool().unwrap_or(false) {
                    ""
                } else {
                    " (recorded, not applied: older than the status known)"
                };
                OrderTimelineEntry {
                    at: text(&e["at"]).unwrap_or_default(),
                    status: text(&e["status"]),
                    cause: format!("event:{}", cause["source"].as_str().unwrap_or_default()),
                    detail: Some(format!(
                        "{from}{}{applied}",
                        cause["state"].as_str().unwrap_or_default()
                    )),
                }
            } else {
                OrderTimelineEntry {
                    at: text(&e["at"]).unwrap_or_default(),
                    status: text(&e["status"]),
                    cause: format!("action:{}", cause["action"].as_str().unwrap_or_default()),
                    detail: text(&cause["detail"]).filter(|d| !d.is_empty()),
                }
            }
        })
        .collect();
    timeline.extend(list(&record["log"]).iter().map(|l| OrderTimelineEntry {
        at: text(&l["at"]).unwrap_or_default(),
        status: text(&l["status"]),
        cause: text(&l["cause"]).unwrap_or_default(),
        detail: text(&l["detail"]),
    }));
    // Date.parse order, unparseable first (as 0); a stable sort, as JavaScript's.
    timeline.sort_by_key(|t| millis(&t.at));
    OrderView {
        order_id: ID(text(&record["orderId"]).unwrap_or_default()),
        status: text(&state["status"]),
        value: match &state["total"] {
            Value::Number(n) => n.to_string(),
            other => other.as_str().unwrap_or_default().to_owned(),
        },
        handed_off_at: text(&record["handoff"]["deliveredAt"]),
        invoiced_value: invoiced.to_string(),
        timeline,
    }
}

/// Milliseconds since the epoch of an ISO 8601 date-time, 0 when it is not one.
fn millis(at: &str) -> i64 {
    let Some(t) = ponte_core::orders::Timestamp::parse_lenient(at) else {
        return 0;
    };
    let fraction = at
        .split_once('.')
        .map(|(_, f)| {
            let digits: String = f.chars().take_while(char::is_ascii_digit).take(3).collect();
            format!("{digits:0<3}").parse::<i64>().unwrap_or(0)
        })
        .unwrap_or(0);
    t.unix_seconds() * 1000 + fraction
}

/// `Query.orderChange`: asks the OMS, which only the Node service reaches.
pub(crate) fn order_change(
    ctx: &Context<'_>,
    order_id: &ID,
    _change_request_id: &str,
) -> async_graphql::Result<Option<OrderChangeStatus>> {
    admin_and_order_id(ctx, order_id)?;
    Err(not_supported("orderChange"))
}

/// The orders part of the root mutation (merged after the import part, in the schema file's
/// order).
#[derive(Debug, Clone, Copy, Default)]
pub struct OrdersMutation;

#[Object]
impl OrdersMutation {
    /// Starts handling an order in ready-for-handling (POST .../start-handling). Checked by Ponte first: a refusal carries the core's code (e.g. ORDER_NOT_READY_FOR_HANDLING) and nothing is sent to the OMS; an OMS refusal is OMS_REFUSED with extensions.status and extensions.oms (VTEX's body, verbatim). Admin only.
    async fn start_handling(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
    ) -> async_graphql::Result<OrderActionResult> {
        admin_and_order_id(ctx, &order_id)?;
        Err(not_supported("startHandling"))
    }

    /// Sends an invoice (Output) or a return invoice (Input): invoiceValue in cents as a string of digits, items with unit prices in cents. Checked by Ponte first (value within what is left to invoice, route-safe invoice number, items of the order...), then POST .../invoice. Admin only.
    async fn invoice_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        invoice: InvoiceInput,
    ) -> async_graphql::Result<OrderActionResult> {
        admin_and_order_id(ctx, &order_id)?;
        // The core checks an invoice only against the order's state (see the module docs).
        let _ = invoice;
        Err(not_supported("invoiceOrder"))
    }

    /// Cancels an order (POST .../cancel with reason and requestedByUser in the body). In the handling stage the first cancel requests the cancellation and a second one confirms it: see expectedStatus. Admin only.
    async fn cancel_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        reason: Option<String>,
        requested_by_user: Option<bool>,
    ) -> async_graphql::Result<OrderActionResult> {
        admin_and_order_id(ctx, &order_id)?;
        let _ = (reason, requested_by_user);
        Err(not_supported("cancelOrder"))
    }

    /// Sends an invoice's tracking number (PATCH .../invoice/{invoiceNumber}), its carrier events (PUT .../invoice/{invoiceNumber}/tracking), or both in that order; both are checked before either is sent. Neither: TRACKING_INPUT_EMPTY. Admin only.
    async fn update_tracking(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        invoice_number: String,
        tracking: Option<TrackingInput>,
        events: Option<TrackingEventsInput>,
    ) -> async_graphql::Result<OrderActionResult> {
        admin_and_order_id(ctx, &order_id)?;
        if tracking.is_none() && events.is_none() {
            return Err(coded_error(
                TRACKING_INPUT_EMPTY,
                "updateTracking needs tracking, events, or both",
            ));
        }
        let _ = invoice_number;
        Err(not_supported("updateTracking"))
    }

    /// Changes an order's items or value through order modifications v2 (PATCH /api/order-system/orders/{orderId}/changes, processed by VTEX asynchronously). Once per requestId: Ponte marks it at the end of the reason ([ponte:requestId]) and looks in the order's change history before sending. The receipt is VTEX's change requestId. Admin only.
    async fn change_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        change: ChangeOrderInput,
    ) -> async_graphql::Result<OrderActionResult> {
        admin_and_order_id(ctx, &order_id)?;
        let _ = change;
        Err(not_supported("changeOrder"))
    }
}
