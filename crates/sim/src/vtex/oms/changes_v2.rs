//! Order modifications v2 (§A.9, `orders-api.json` "Order modifications"): the
//! change requests of an order, their asynchronous processing on the
//! [`SimClock`](crate::platform::clock::SimClock), and the
//! account's modification settings.
//!
//! # API (host `{account}.vtexcommercestable.com.br`, same faults and account handling as the
//! rest of the OMS; credentials as on `/pvt/` paths: app key + token or `VtexIdclientAutCookie`,
//! else `401 CREDENTIALS_MISSING`)
//!
//! | call | success | refusals |
//! |---|---|---|
//! | `PATCH /api/order-system/orders/{changeOrderId}/changes?accountName=` | `202` `response202` | see below |
//! | `POST .../{changeOrderId}/changes/preview?an=` | `200` the preview shape, nothing stored | as PATCH |
//! | `GET .../{changeOrderId}/changes?an=` | `200 {requests: [...], actions: []}`, oldest first | `404 CHK0201` |
//! | `GET .../{changeOrderId}/changes/{changeRequestId}?an=` | `200` details with `status`, `inProgress` | `404 CHK0201`, `404 CHK0289` |
//! | `POST .../{changeOrderId}/changes/{changeRequestId}/retry?an=` | `204` | `404 CHK0289`; `409 SalesOrderSystem016` done or canceled |
//! | `POST .../{changeOrderId}/changes/{changeRequestId}/cancel?an=` `{reason}` | `200`, no body | `404 CHK0289`; `400 OMS002` no reason; `409 OMS012` done or canceled |
//! | `GET\|PUT /api/order-system/orders/changes/settings?an=` | `200` the settings | `400 OMS002` a property of the wrong type |
//!
//! `accountName`/`an`, when sent, must name the request's account (`400 OMS002` otherwise).
//!
//! PATCH body: `{reason (required, non-blank, kept exactly as sent), add?: {items: [{id,
//! quantity, price}]}, remove?: {items: [{id, quantity, price?}]}, replace?: [],
//! manualDiscountValue?: cents ≥ 0, manualIncrementValue?: cents ≥ 0, settings?: {...}}`
//! (property names matched case-insensitively on the first letter, as VTEX's binder).
//! No idempotency key: every PATCH is a new request with a fresh UUID `requestId`.
//!
//! Refusals, in the order they are checked (codes of §A.9; **[emulator default]** statuses:
//! 400 for the request, 409 for the order's state, 404 for unknown ids, 403 for the settings):
//! 1. `403 OMS013` the account's settings have `rolloutConfiguration.enableApi: false`
//!    (emulator code; VTEX's default when never configured is **[emulator default: true]**);
//! 2. `404 CHK0201` unknown order;
//! 3. `400 OMS002` malformed body, missing/blank `reason`, a property of the wrong type,
//!    `add` item without `price` (**[emulator limitation]**: the simulator has no price
//!    catalog, also for `replace[].to`), a change that changes nothing, a `replace` entry
//!    without `from.items` or `to.items`; `400 CHK0022` an item without `id`; `400 CHK0023` a quantity
//!    that is not 1 to 10 000; `400 CHK0098` a negative manual value or price;
//! 4. `409 SalesOrderSystem008` the order is canceled (`cancel`, `canceled`); `409 CHK0124`
//!    any status but `handling`, `waiting-for-fulfillment`, `ready-for-invoicing`, and a
//!    partially invoiced `invoice` (a fully invoiced `invoice` waiting for settlement is
//!    refused too); `409 SalesOrderSystem046` `invoice` when `changeAfterPartialInvoice` is off;
//! 5. `409 SalesOrderSystem015` the order has a change v1 (and v1 refuses an order with a
//!    change v2 not canceled: `400 OMS011` "Invalid modification for order: ... Change v2");
//!    `409 SalesOrderSystem014` another change v2 of the order is in progress;
//! 6. `400 CHK0022` a removed SKU the order does not have; `400 SalesOrderSystem010` removing
//!    more units than the order has; `400 SalesOrderSystem011` removing units already on an
//!    Output invoice (**[emulator default]** split of 010/011); `400 CHK0034` the change would
//!    bring the order value below 0 or below what is invoiced.
//!
//! # Processing
//!
//! `changeProcessingMs` ([`super::OmsConfig`], default 0): with 0 the change is applied before
//! the `202` (status `done`); above 0 it is recorded `inProgress` and applied by the engine's
//! timers when the simulated clock passes `date + changeProcessingMs` (fast-forwardable with
//! `POST /_sim/clock/advance`). Applying re-checks 4 and 6 against the order as it is then; a
//! change that no longer fits becomes `failed` (with `error: {code, message}` in its details)
//! and changes nothing. Applied: removed units are taken from the SKU's lines (last line first,
//! never below what is invoiced), added items are appended as new lines with the given id,
//! price and quantity, the manual values and the removal at a price other than the line's
//! change `value`, `totals`, `changesAttachment.changesData` gets an entry (as v1's), and
//! `lastChange` moves to the application date. **A change moves no status and publishes no
//! status event** (as v1 in this simulator; a status event later carries the previous status
//! change as its `lastChange`). A fully invoiced partially-invoiced order starts settlement.
//!
//! Request statuses (**[emulator default]** words; VTEX's example shows `done`): `inProgress`,
//! `done`, `failed`, `canceled`; `inProgress` is true only for `inProgress`. Retry (allowed on
//! `inProgress` and `failed`) makes a new attempt now: applied at once (`done`) or `failed`
//! again, answering `204` either way (read the outcome with GET details). Cancel (allowed on
//! `inProgress` and `failed`) → `canceled`, nothing applied.
//!
//! # Shapes
//!
//! `add`/`remove` are answered as objects `{items: [...], paymentData, receiptData,
//! shippingData}` (the history's "same schema of `request.replace.to`"), or `null` when the
//! request had none. A `replace` is applied as the removal of its `from` items and the
//! addition of its `to` items and answered that way (in `remove` and `add`; `replace` is `[]`)
//! **[sim's choice]**; its `shippingData` is accepted and not played **[sim's limit]**. `totals` is `[]` in the `202` (as the spec's
//! example), elsewhere `[{id: "Items"}, {id: "ManualValues"}]` with the value changes in cents.
//! `date` is ISO 8601 UTC with 7 fractional digits and `Z`, like VTEX's example.
//! `origin: {account, orderId, component: "MarketplaceComponent"}` (VTEX's example value).
//! Settings: the `202` and preview echo the account's settings with the request's `settings`
//! merged in (`ChangeOrderSettingsResponse`); the history and details give
//! `{customPaymentSystemsAllowed}` (the spec's `Settings`).

use super::actions::Body;
use super::config::OmsConfig;
use super::engine::ActCtx;
use super::error::{OmsError, codes};
use super::model::{ChangeEntry, ChangeItem, Item, SimOrder, Timer, TimerKind, hex_id, iso};
use axum::http::StatusCode;
use ponte_core::orders::{Stage, Status};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// `origin.component` of every request.
pub const COMPONENT: &str = "MarketplaceComponent";

/// Most units of one line a change may name.
const MAX_QUANTITY: i64 = 10_000;
/// Most items per `add`/`remove`.
const MAX_ITEMS: usize = 100;

// ----- settings -----

/// `paymentConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PaymentConfiguration {
    pub custom_payment_systems_allowed: Vec<String>,
}

/// `{enabledWorkspaces}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Workspaces {
    pub enabled_workspaces: Vec<String>,
}

/// `rolloutConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutConfiguration {
    /// True until the account's settings are first `PUT`.
    pub using_default_behavior: bool,
    /// `false` refuses every PATCH with `403 OMS013`.
    pub enable_api: bool,
    pub enable_admin_orders: Workspaces,
    pub enable_my_orders: Workspaces,
}

impl Default for RolloutConfiguration {
    fn default() -> Self {
        RolloutConfiguration {
            using_default_behavior: true,
            enable_api: true,
            enable_admin_orders: Workspaces {
                enabled_workspaces: vec!["*".into()],
            },
            enable_my_orders: Workspaces::default(),
        }
    }
}

/// `pipelineConfiguration` (stored and echoed; the simulator recalculates no tax/promotion).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PipelineConfiguration {
    pub enable_tax_hub_recalculation: bool,
    pub compensate_shipping_changes: bool,
    pub enable_promotion_recalculation: bool,
    pub enable_native_tax_recalculation: bool,
}

/// The account's order modifications settings (`GET|PUT /api/order-system/orders/changes/settings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChangeSettings {
    pub payment_configuration: PaymentConfiguration,
    pub rollout_configuration: RolloutConfiguration,
    pub pipeline_configuration: PipelineConfiguration,
}

fn deep_merge(into: &mut Value, patch: &Value) {
    match (into, patch) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        deep_merge(existing, v)
                    }
                    _ => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

impl ChangeSettings {
    /// These settings with the properties `patch` names replaced (a deep merge; unknown
    /// properties are ignored, a property of the wrong type is `400 OMS002`).
    pub fn merged(&self, patch: &Value) -> Result<ChangeSettings, OmsError> {
        if !patch.is_object() {
            return Err(OmsError::bad("settings must be a JSON object"));
        }
        let mut current =
            serde_json::to_value(self).map_err(|e| OmsError::bad(format!("settings: {e}")))?;
        deep_merge(&mut current, patch);
        serde_json::from_value(current).map_err(|e| OmsError::bad(format!("settings: {e}")))
    }

    /// The spec's `Settings` of history entries: `{customPaymentSystemsAllowed}`.
    fn short_json(&self) -> Value {
        json!({
            "customPaymentSystemsAllowed": self.payment_configuration.custom_payment_systems_allowed
        })
    }
}

// ----- requests -----

/// Where a change request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RequestStatus {
    InProgress,
    Done,
    Failed,
    Canceled,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::InProgress => "inProgress",
            RequestStatus::Done => "done",
            RequestStatus::Failed => "failed",
            RequestStatus::Canceled => "canceled",
        }
    }
}

/// An added or removed item as requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeLine {
    /// SKU id.
    pub id: String,
    pub quantity: u32,
    /// Unit price in cents (required for `add`; for `remove`, `None` is the line's price).
    #[serde(default)]
    pub price: Option<i64>,
}

/// Why a request failed when processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestError {
    pub code: String,
    pub message: String,
}

/// A change v2 request, stored with its order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRequest {
    pub request_id: String,
    pub workflow_id: String,
    /// Exactly as sent.
    pub reason: String,
    pub manual_discount_value: i64,
    pub manual_increment_value: i64,
    #[serde(default)]
    pub add: Option<Vec<ChangeLine>>,
    #[serde(default)]
    pub remove: Option<Vec<ChangeLine>>,
    /// The account's settings with the request's merged in.
    pub settings: ChangeSettings,
    /// Ticks (100 ns) of the request.
    pub date: i64,
    pub status: RequestStatus,
    /// `inProgress`: simulated ms when processing applies it.
    #[serde(default)]
    pub due_ms: Option<i64>,
    /// Change of the order value, cents (estimated at request time, actual once applied).
    pub total_change_value: i64,
    /// Change of the items' value, cents.
    pub items_change_value: i64,
    #[serde(default)]
    pub error: Option<RequestError>,
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// Ticks when it became done, failed or canceled.
    #[serde(default)]
    pub finished: Option<i64>,
}

/// A parsed PATCH (or preview) body.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeInput {
    pub reason: String,
    pub manual_discount_value: i64,
    pub manual_increment_value: i64,
    pub add: Option<Vec<ChangeLine>>,
    pub remove: Option<Vec<ChangeLine>>,
    /// The request's `settings`, to merge over the account's.
    pub settings: Option<Value>,
}

fn refuse(status: StatusCode, code: &'static str, message: impl Into<String>) -> OmsError {
    OmsError::new(status, code, message)
}

fn bad(code: &'static str, message: impl Into<String>) -> OmsError {
    refuse(StatusCode::BAD_REQUEST, code, message)
}

fn conflict(code: &'static str, message: impl Into<String>) -> OmsError {
    refuse(StatusCode::CONFLICT, code, message)
}

/// `404 CHK0201`.
pub fn order_not_found(order_id: &str) -> OmsError {
    refuse(
        StatusCode::NOT_FOUND,
        codes::V2_ORDER_NOT_FOUND,
        format!("Order {order_id} not found"),
    )
}

fn request_not_found(order_id: &str, request_id: &str) -> OmsError {
    refuse(
        StatusCode::NOT_FOUND,
        codes::V2_REQUEST_NOT_FOUND,
        format!("Change request {request_id} not found for order {order_id}"),
    )
}

fn parse_lines(
    body: &Body,
    name: &str,
    price_required: bool,
) -> Result<Option<Vec<ChangeLine>>, OmsError> {
    let group = match body.0.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => Body::from_value(v, name)?,
    };
    let items = group.array("items")?.unwrap_or_default();
    if items.len() > MAX_ITEMS {
        return Err(OmsError::bad(format!(
            "{name}.items: at most {MAX_ITEMS} items per request"
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = match item.opt_str("id") {
            Ok(Some(id)) if !id.trim().is_empty() => id,
            _ => {
                return Err(bad(
                    codes::V2_INVALID_ITEM_ID,
                    format!("Invalid id for item {name}.items[{i}]"),
                ));
            }
        };
        let quantity = match item.opt_int("quantity") {
            Ok(Some(q)) if (1..=MAX_QUANTITY).contains(&q) => q,
            _ => {
                return Err(bad(
                    codes::V2_INVALID_QUANTITY,
                    format!(
                        "Invalid quantity for item {id}: a whole number from 1 to {MAX_QUANTITY}"
                    ),
                ));
            }
        };
        let price = item.opt_int("price")?;
        if price.is_some_and(|p| p < 0) {
            return Err(bad(
                codes::V2_NEGATIVE_VALUE,
                format!("The price of item {id} must not be negative"),
            ));
        }
        if price.is_some_and(|p| p > ponte_core::orders::MAX_CENTS) {
            return Err(OmsError::bad(format!(
                "The price of item {id} is too large"
            )));
        }
        if price_required && price.is_none() {
            return Err(OmsError::bad(format!(
                "{name}.items[{i}].price is required by the simulator (unit price in cents; it has no price catalog)"
            )));
        }
        out.push(ChangeLine {
            id,
            quantity: u32::try_from(quantity).unwrap_or(u32::MAX),
            price,
        });
    }
    Ok(Some(out))
}

fn manual_value(body: &Body, name: &str) -> Result<i64, OmsError> {
    let v = body.opt_int(name)?.unwrap_or(0);
    if v < 0 {
        return Err(bad(
            codes::V2_NEGATIVE_VALUE,
            format!("{name} must be greater or equal than zero"),
        ));
    }
    if v > ponte_core::orders::MAX_CENTS {
        return Err(OmsError::bad(format!("{name} is too large")));
    }
    Ok(v)
}

impl ChangeInput {
    pub fn parse(body: &Body) -> Result<ChangeInput, OmsError> {
        let reason = match body.opt_str("reason")? {
            Some(r) if !r.trim().is_empty() => r,
            _ => return Err(OmsError::bad("Field reason not set: reason is required")),
        };
        let manual_discount_value = manual_value(body, "manualDiscountValue")?;
        let manual_increment_value = manual_value(body, "manualIncrementValue")?;
        let mut add = parse_lines(body, "add", true)?;
        let mut remove = parse_lines(body, "remove", false)?;
        // `replace[{from{items}, to{items, shippingData}}]`: the from items leave the order and
        // the to items join it (§A.9), applied as a removal and an addition.
        let replace = match body.0.get("replace") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => return Err(OmsError::bad("replace must be an array")),
        };
        for (i, entry) in replace.iter().enumerate() {
            let entry = Body::from_value(entry, &format!("replace[{i}]"))?;
            let from = parse_lines(&entry, "from", false)?.unwrap_or_default();
            let to = parse_lines(&entry, "to", true)?.unwrap_or_default();
            if from.is_empty() || to.is_empty() {
                return Err(OmsError::bad(format!(
                    "replace[{i}] needs from.items and to.items"
                )));
            }
            remove.get_or_insert_with(Vec::new).extend(from);
            add.get_or_insert_with(Vec::new).extend(to);
        }
        let settings = match body.0.get("settings") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(_) => return Err(OmsError::bad("settings must be a JSON object")),
        };
        let empty = |l: &Option<Vec<ChangeLine>>| l.as_ref().is_none_or(Vec::is_empty);
        if empty(&add)
            && empty(&remove)
            && manual_discount_value == 0
            && manual_increment_value == 0
        {
            return Err(OmsError::bad(
                "Invalid modification for order: send add, remove, manualDiscountValue or manualIncrementValue",
            ));
        }
        Ok(ChangeInput {
            reason,
            manual_discount_value,
            manual_increment_value,
            add,
            remove,
            settings,
        })
    }
}

/// Whether the order's status allows a change (checked at request time and when applied).
pub fn check_state(order: &SimOrder, config: &OmsConfig) -> Result<(), OmsError> {
    let allowed = "It is only allowed to modify an order in handling, waiting-for-fulfillment or ready-for-invoicing";
    let Some(status) = order.status else {
        return Err(conflict(
            codes::V2_INVALID_STATE,
            format!("{allowed} (the order is incomplete)"),
        ));
    };
    match status {
        Status::Handling | Status::WaitingForFulfillment | Status::ReadyForInvoicing => Ok(()),
        Status::Invoice => {
            if order.invoiced("Output") >= order.value() {
                Err(conflict(
                    codes::V2_INVALID_STATE,
                    format!(
                        "{allowed} (the order is fully invoiced; its transaction is finishing)"
                    ),
                ))
            } else if !config.change_after_partial_invoice {
                Err(conflict(
                    codes::V2_AFTER_ITEM_INVOICE,
                    "The order cannot be modified after an item invoice was issued",
                ))
            } else {
                Ok(())
            }
        }
        s if s.stage() == Stage::Canceled => Err(conflict(
            codes::V2_ORDER_CANCELED,
            "The order is canceled and cannot be modified",
        )),
        s => Err(conflict(
            codes::V2_INVALID_STATE,
            format!("{allowed} (status {})", s.as_str()),
        )),
    }
}

fn line_price(order: &SimOrder, id: &str) -> Option<i64> {
    order.items.iter().find(|i| i.id == id).map(|i| i.price)
}

fn name_of(order: &SimOrder, id: &str) -> String {
    order
        .items
        .iter()
        .find(|i| i.id == id)
        .map_or_else(|| format!("SKU {id}"), |i| i.name.clone())
}

/// What applying a request changed, cents: (order value, items' value).
struct Applied {
    total: i64,
    items: i64,
}

/// Applies `req` to `order` at `now` (ticks): checks the items and the resulting value,
/// edits the lines, books the change in `changesAttachment`, moves `lastChange`. On `Err`
/// the order is unchanged.
fn apply(
    order: &mut SimOrder,
    req: &ChangeRequest,
    now: i64,
    now_ms: i64,
    config: &OmsConfig,
) -> Result<Applied, OmsError> {
    let mut next = order.clone();
    let mut booked = 0i64;
    let mut items_delta = 0i64;
    let mut removed_items = Vec::new();
    for line in req.remove.iter().flatten() {
        let lines: Vec<usize> = (0..next.items.len())
            .rev()
            .filter(|&i| next.items[i].id == line.id)
            .collect();
        if lines.is_empty() {
            return Err(bad(
                codes::V2_INVALID_ITEM_ID,
                format!("Invalid id for item: the order has no item {}", line.id),
            ));
        }
        let held: u64 = lines
            .iter()
            .map(|&i| u64::from(next.items[i].quantity))
            .sum();
        let too_many = |code, why: String| {
            let what = format!("Cannot remove {} units of item {}", line.quantity, line.id);
            bad(code, format!("{what}: {why}"))
        };
        if u64::from(line.quantity) > held {
            let why = format!("the order has {held}");
            return Err(too_many(codes::V2_REMOVE_EXCEEDS, why));
        }
        let removable = |o: &SimOrder, i: usize| {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            u64::from(o.items[i].quantity).saturating_sub(order.invoiced_quantity(index, "Output"))
        };
        let available: u64 = lines.iter().map(|&i| removable(&next, i)).sum();
        if u64::from(line.quantity) > available {
            let why = format!("only {available} are not invoiced");
            return Err(too_many(codes::V2_REMOVE_INVOICED, why));
        }
        let mut left = line.quantity;
        for i in lines {
            let take = left.min(u32::try_from(removable(&next, i)).unwrap_or(u32::MAX));
            next.items[i].quantity -= take;
            left -= take;
        }
        let own = line_price(order, &line.id).unwrap_or(0);
        let price = line.price.unwrap_or(own);
        let q = i64::from(line.quantity);
        booked = booked.saturating_add((own - price).saturating_mul(q));
        items_delta = items_delta.saturating_sub(price.saturating_mul(q));
        removed_items.push(ChangeItem {
            id: line.id.clone(),
            name: name_of(order, &line.id),
            quantity: line.quantity,
            price,
        });
    }
    let mut added_items = Vec::new();
    for (n, line) in req.add.iter().flatten().enumerate() {
        let price = line.price.unwrap_or(0);
        next.items.push(Item {
            unique_id: hex_id(&[
                &order.account,
                &order.order_id,
                &req.request_id,
                &n.to_string(),
            ])
            .to_uppercase(),
            id: line.id.clone(),
            product_id: line.id.clone(),
            name: name_of(order, &line.id),
            ref_id: format!("SKU-{}", line.id),
            quantity: line.quantity,
            price,
            list_price: price,
        });
        items_delta = items_delta.saturating_add(price.saturating_mul(i64::from(line.quantity)));
        added_items.push(ChangeItem {
            id: line.id.clone(),
            name: name_of(order, &line.id),
            quantity: line.quantity,
            price,
        });
    }
    let receipt = next.next_receipt(now);
    next.changes.push(ChangeEntry {
        request_id: req.request_id.clone(),
        reason: req.reason.clone(),
        discount_value: req.manual_discount_value,
        increment_value: req.manual_increment_value,
        items_added: added_items,
        items_removed: removed_items,
        receipt,
        date: now,
        v2: true,
    });
    next.adjustment = next.adjustment.saturating_add(booked);
    let value = next.value();
    if value < 0 {
        return Err(bad(
            codes::V2_VALUE_EXCEEDS,
            format!(
                "The value of the modification exceeds the order's price (the order value would be {value})"
            ),
        ));
    }
    let invoiced = next.invoiced("Output");
    if value < invoiced {
        return Err(bad(
            codes::V2_VALUE_EXCEEDS,
            format!(
                "The value of the modification exceeds the order's price (the order value {value} would be below the {invoiced} invoiced)"
            ),
        ));
    }
    if next.last_status_change.is_none() {
        next.last_status_change = Some(next.last_change);
    }
    next.last_change = now.max(next.last_change.saturating_add(1));
    if next.status == Some(Status::Invoice)
        && invoiced >= value
        && !next.timers.iter().any(|t| t.kind == TimerKind::Settlement)
    {
        next.timers.push(Timer {
            at_ms: now_ms.saturating_add(OmsConfig::ms(config.settlement_ms)),
            from: Status::Invoice,
            kind: TimerKind::Settlement,
        });
    }
    let total = value - order.value();
    *order = next;
    Ok(Applied {
        total,
        items: items_delta,
    })
}

// ----- actions -----

/// `PATCH .../changes` (`preview: false`) and `POST .../changes/preview` (`true`): checks the
/// request against the order; PATCH records it (applied at once when `changeProcessingMs` is
/// 0, else in progress) and answers the `202` body; preview changes nothing and answers its
/// `200` body.
pub fn create(
    order: &mut SimOrder,
    ctx: &mut ActCtx,
    input: ChangeInput,
    account_settings: &ChangeSettings,
    preview: bool,
) -> Result<Value, OmsError> {
    let settings = match &input.settings {
        Some(patch) => account_settings.merged(patch)?,
        None => account_settings.clone(),
    };
    check_state(order, &ctx.config)?;
    if order.changes.iter().any(|c| !c.v2) {
        return Err(conflict(
            codes::V2_V1_APPLIED,
            "The order was already modified with Change v1; only one change version is allowed per order",
        ));
    }
    if let Some(busy) = order
        .change_requests
        .iter()
        .find(|r| r.status == RequestStatus::InProgress)
    {
        return Err(conflict(
            codes::V2_IN_PROGRESS,
            format!(
                "The change request {} of this order is still in progress",
                busy.request_id
            ),
        ));
    }
    let mut req = ChangeRequest {
        request_id: crate::platform::rng::uuid_v4(),
        workflow_id: crate::platform::rng::uuid_v4(),
        reason: input.reason,
        manual_discount_value: input.manual_discount_value,
        manual_increment_value: input.manual_increment_value,
        add: input.add,
        remove: input.remove,
        settings,
        date: ctx.now,
        status: RequestStatus::InProgress,
        due_ms: None,
        total_change_value: 0,
        items_change_value: 0,
        error: None,
        cancel_reason: None,
        finished: None,
    };
    let mut probe = order.clone();
    let applied = apply(&mut probe, &req, ctx.now, ctx.now_ms, &ctx.config)?;
    req.total_change_value = applied.total;
    req.items_change_value = applied.items;
    if preview {
        return Ok(preview_json(order, &req));
    }
    if ctx.config.change_processing_ms == 0 {
        *order = probe;
        req.status = RequestStatus::Done;
        req.finished = Some(ctx.now);
        ctx.changes_v2.applied += 1;
    } else {
        req.due_ms = Some(
            ctx.now_ms
                .saturating_add(OmsConfig::ms(ctx.config.change_processing_ms)),
        );
    }
    ctx.changes_v2.requested += 1;
    let body = accepted_json(order, &req);
    order.change_requests.push(req);
    Ok(body)
}

/// Processes the request at `index` now (`now` ticks, `now_ms`): `done` and applied, or
/// `failed` with the refusal. Returns whether it was applied.
pub fn process(
    order: &mut SimOrder,
    index: usize,
    now: i64,
    now_ms: i64,
    config: &OmsConfig,
) -> bool {
    let Some(req) = order.change_requests.get(index).cloned() else {
        return false;
    };
    let outcome = check_state(order, config).and_then(|()| apply(order, &req, now, now_ms, config));
    let Some(stored) = order.change_requests.get_mut(index) else {
        return false;
    };
    stored.due_ms = None;
    stored.finished = Some(now);
    match outcome {
        Ok(applied) => {
            stored.status = RequestStatus::Done;
            stored.error = None;
            stored.total_change_value = applied.total;
            stored.items_change_value = applied.items;
            true
        }
        Err(e) => {
            stored.status = RequestStatus::Failed;
            stored.error = Some(RequestError {
                code: e.code.to_owned(),
                message: e.message,
            });
            false
        }
    }
}

fn find(order: &SimOrder, request_id: &str) -> Result<usize, OmsError> {
    order
        .change_requests
        .iter()
        .position(|r| r.request_id == request_id)
        .ok_or_else(|| request_not_found(&order.order_id, request_id))
}

/// `POST .../changes/{changeRequestId}/retry`: a new attempt now, for a request in progress
/// or failed (`409 SalesOrderSystem016` otherwise).
pub fn retry(order: &mut SimOrder, ctx: &mut ActCtx, request_id: &str) -> Result<(), OmsError> {
    let index = find(order, request_id)?;
    let status = order.change_requests[index].status;
    if matches!(status, RequestStatus::Done | RequestStatus::Canceled) {
        return Err(conflict(
            codes::V2_CANNOT_RETRY,
            format!(
                "The change request {request_id} cannot be retried: it is {}",
                status.as_str()
            ),
        ));
    }
    ctx.changes_v2.retried += 1;
    if process(order, index, ctx.now, ctx.now_ms, &ctx.config) {
        ctx.changes_v2.applied += 1;
    } else {
        ctx.changes_v2.failed += 1;
    }
    Ok(())
}

/// `POST .../changes/{changeRequestId}/cancel` `{reason}`: cancels a request in progress or
/// failed (`409 OMS012` otherwise).
pub fn cancel(
    order: &mut SimOrder,
    ctx: &mut ActCtx,
    request_id: &str,
    body: &Body,
) -> Result<(), OmsError> {
    let index = find(order, request_id)?;
    let reason = body.req_str("reason")?;
    let req = &mut order.change_requests[index];
    if matches!(req.status, RequestStatus::Done | RequestStatus::Canceled) {
        return Err(conflict(
            codes::V2_CANNOT_CANCEL,
            format!(
                "The change request {request_id} cannot be canceled: it is {}",
                req.status.as_str()
            ),
        ));
    }
    req.status = RequestStatus::Canceled;
    req.due_ms = None;
    req.cancel_reason = Some(reason);
    req.finished = Some(ctx.now);
    ctx.changes_v2.canceled += 1;
    Ok(())
}

// ----- answers -----

fn lines_json(order: &SimOrder, lines: Option<&Vec<ChangeLine>>) -> Value {
    let Some(lines) = lines.filter(|l| !l.is_empty()) else {
        return Value::Null;
    };
    let items: Vec<Value> = lines
        .iter()
        .map(|l| {
            let price = l.price.or_else(|| line_price(order, &l.id));
            json!({
                "id": l.id,
                "quantity": l.quantity,
                "price": price,
                "listPrice": price,
                "sellingPrice": price,
                "name": name_of(order, &l.id),
                "measurementUnit": "un",
                "unitMultiplier": 1,
            })
        })
        .collect();
    json!({
        "items": items,
        "paymentData": { "transactions": [] },
        "receiptData": null,
        "shippingData": { "logisticsInfo": [] }
    })
}

fn totals(req: &ChangeRequest) -> Value {
    json!([
        { "id": "Items", "name": "Items Total", "value": req.items_change_value },
        {
            "id": "ManualValues",
            "name": "Manual Values Total",
            "value": req.manual_increment_value - req.manual_discount_value
        }
    ])
}

fn base(order: &SimOrder, req: &ChangeRequest) -> Map<String, Value> {
    let v = json!({
        "reason": req.reason,
        "manualDiscountValue": req.manual_discount_value,
        "manualIncrementValue": req.manual_increment_value,
        "totalChangeValue": req.total_change_value,
        "totals": totals(req),
        "add": lines_json(order, req.add.as_ref()),
        "remove": lines_json(order, req.remove.as_ref()),
        "replace": [],
        "date": iso(req.date),
        "origin": { "account": order.account, "orderId": order.order_id, "component": COMPONENT },
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The `202` of PATCH (`response202`).
pub fn accepted_json(order: &SimOrder, req: &ChangeRequest) -> Value {
    let mut m = Map::new();
    m.insert("requestId".into(), json!(req.request_id));
    m.insert("workflowId".into(), json!(req.workflow_id));
    m.extend(base(order, req));
    m.insert("totals".into(), json!([]));
    m.insert("settings".into(), json!(req.settings));
    Value::Object(m)
}

/// The `200` of preview (no ids: nothing was recorded).
pub fn preview_json(order: &SimOrder, req: &ChangeRequest) -> Value {
    let mut m = base(order, req);
    m.insert("settings".into(), json!(req.settings));
    Value::Object(m)
}

/// One entry of the history.
pub fn history_entry(order: &SimOrder, req: &ChangeRequest) -> Value {
    let mut m = Map::new();
    m.insert("requestId".into(), json!(req.request_id));
    m.insert("workflowId".into(), json!(req.workflow_id));
    m.extend(base(order, req));
    m.insert("settings".into(), req.settings.short_json());
    Value::Object(m)
}

/// `GET .../changes`: every request of the order, oldest first.
pub fn history_json(order: &SimOrder) -> Value {
    let requests: Vec<Value> = order
        .change_requests
        .iter()
        .map(|r| history_entry(order, r))
        .collect();
    json!({ "requests": requests, "actions": [] })
}

/// `GET .../changes/{changeRequestId}`.
pub fn details_json(order: &SimOrder, request_id: &str) -> Result<Value, OmsError> {
    let index = find(order, request_id)?;
    let req = &order.change_requests[index];
    let mut m = Map::new();
    m.insert("requestId".into(), json!(req.request_id));
    m.insert("workflowId".into(), json!(req.workflow_id));
    m.insert("status".into(), json!(req.status.as_str()));
    m.insert(
        "inProgress".into(),
        json!(req.status == RequestStatus::InProgress),
    );
    m.extend(base(order, req));
    m.insert("settings".into(), req.settings.short_json());
    if let Some(e) = &req.error {
        m.insert(
            "error".into(),
            json!({ "code": e.code, "message": e.message }),
        );
    }
    if let Some(r) = &req.cancel_reason {
        m.insert("cancelReason".into(), json!(r));
    }
    Ok(Value::Object(m))
}
