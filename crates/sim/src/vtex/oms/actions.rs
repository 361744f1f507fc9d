//! The OMS's API actions on one order (§A.5–§A.10), as VTEX answers them. Each
//! function edits a copy of the order ([`super::engine::Engine::act`] commits it) and makes
//! the status change its last edit.

use super::config::InvoiceReuse;
use super::engine::ActCtx;
use super::error::{OmsError, codes};
use super::model::{
    CancellationData, CancellationRequest, ChangeEntry, ChangeItem, CourierEvent, CourierStatus,
    Item, Package, PackageItem, SimOrder, TimerKind, hex_id, iso,
};
use axum::http::StatusCode;
use ponte_core::orders::{Stage, Status, Timestamp};
use serde_json::{Map, Value, json};

/// `{date, orderId, receipt}`, the answer of invoice, cancel, tracking and changes.
pub fn receipt_body(order: &SimOrder, ctx: &ActCtx, receipt: &str) -> Value {
    json!({ "date": iso(ctx.now), "orderId": order.order_id, "receipt": receipt })
}

// ----- request bodies -----

/// A JSON object body with its property names matched case-insensitively on the first letter
/// (VTEX's .NET binder: `InvoiceNumber` and `invoiceNumber` are the same).
#[derive(Debug, Default)]
pub struct Body(pub(crate) Map<String, Value>);

impl Body {
    /// Parses a body; `optional` accepts an empty one (cancel takes no body).
    pub fn parse(bytes: &[u8], optional: bool) -> Result<Body, OmsError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return if optional {
                Ok(Body::default())
            } else {
                Err(OmsError::bad(
                    "The request body is empty; expected a JSON object",
                ))
            };
        }
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| OmsError::bad(format!("Malformed JSON in the request body: {e}")))?;
        match value {
            Value::Object(map) => Ok(Body(
                map.into_iter()
                    .map(|(k, v)| {
                        let mut chars = k.chars();
                        let key = match chars.next() {
                            Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                            None => k,
                        };
                        (key, v)
                    })
                    .collect(),
            )),
            Value::Null if optional => Ok(Body::default()),
            _ => Err(OmsError::bad("The request body must be a JSON object")),
        }
    }

    pub(crate) fn from_value(value: &Value, what: &str) -> Result<Body, OmsError> {
        match value {
            Value::Object(map) => Ok(Body(
                map.iter()
                    .map(|(k, v)| {
                        let mut chars = k.chars();
                        let key = match chars.next() {
                            Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                            None => k.clone(),
                        };
                        (key, v.clone())
                    })
                    .collect(),
            )),
            _ => Err(OmsError::bad(format!("{what} must be an object"))),
        }
    }

    /// An optional string (`null` and absent are `None`; numbers are taken as their text).
    pub fn opt_str(&self, name: &str) -> Result<Option<String>, OmsError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(OmsError::bad(format!("{name} must be a string"))),
        }
    }

    /// A required, non-blank string.
    pub fn req_str(&self, name: &str) -> Result<String, OmsError> {
        match self.opt_str(name)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(OmsError::bad(format!("{name} is required"))),
        }
    }

    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, OmsError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(OmsError::bad(format!("{name} must be true or false"))),
        }
    }

    /// An optional integer (cents, quantities); a string of digits is taken too.
    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, OmsError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| OmsError::bad(format!("{name} must be an integer (cents)"))),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 16 => s
                .parse::<i64>()
                .map(Some)
                .map_err(|_| OmsError::bad(format!("{name} must be an integer (cents)"))),
            Some(_) => Err(OmsError::bad(format!("{name} must be an integer (cents)"))),
        }
    }

    pub(crate) fn array(&self, name: &str) -> Result<Option<Vec<Body>>, OmsError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| Body::from_value(v, &format!("each of {name}")))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(OmsError::bad(format!("{name} must be an array"))),
        }
    }
}

fn conflict(code: &'static str, message: impl Into<String>) -> OmsError {
    OmsError::new(StatusCode::CONFLICT, code, message)
}

fn bad(code: &'static str, message: impl Into<String>) -> OmsError {
    OmsError::new(StatusCode::BAD_REQUEST, code, message)
}

fn stage(order: &SimOrder) -> Option<Stage> {
    order.status.map(Status::stage)
}

// ----- start-handling (§A.6) -----

/// `POST .../start-handling`: only in `ready-for-handling`, else `409 OMS003`.
pub fn start_handling(order: &mut SimOrder, ctx: &mut ActCtx) -> Result<(), OmsError> {
    if order.status != Some(Status::ReadyForHandling) {
        return Err(conflict(
            codes::NOT_READY_FOR_HANDLING,
            "Order status should be ready-for-handling to perform this action",
        ));
    }
    ctx.set_status(order, Status::StartHandling);
    let delay = super::config::OmsConfig::ms(ctx.config.start_handling_confirm_ms);
    ctx.timer(order, delay, TimerKind::HandlingConfirmed);
    Ok(())
}

// ----- cancel (§A.5) -----

/// `POST .../cancel` with `{reason?, requestedByUser?}`.
pub fn cancel(order: &mut SimOrder, ctx: &mut ActCtx, body: &Body) -> Result<Value, OmsError> {
    let reason = body.opt_str("reason")?;
    let by_user = body.opt_bool("requestedByUser")?.unwrap_or(false);
    let Some(st) = stage(order) else {
        return Err(OmsError::wrong_status(
            "one that allows cancellation (the order is incomplete)",
        ));
    };
    match st {
        Stage::Canceled => {
            return Err(OmsError::wrong_status(
                "one that allows cancellation (the order is already canceled)",
            ));
        }
        Stage::Replaced => {
            return Err(OmsError::wrong_status(
                "one that allows cancellation (the order was replaced)",
            ));
        }
        _ => {}
    }
    if order.invoiced("Output") > 0 || matches!(st, Stage::Invoiced | Stage::PartiallyInvoiced) {
        return Err(bad(
            codes::HAS_INVOICE,
            "The order cannot be canceled because it has an invoice; send a return invoice or change the order instead",
        ));
    }
    let receipt = order.next_receipt(ctx.now);
    let two_step = ctx.config.two_step_cancel
        && matches!(
            st,
            Stage::ReadyForHandling | Stage::StartingHandling | Stage::Handling
        );
    if two_step {
        let requested_in = order.status.unwrap_or(Status::ReadyForHandling);
        let id = hex_id(&[&order.account, &order.order_id, "cancellation", &receipt]);
        order.cancellation_requests.push(CancellationRequest {
            id,
            reason,
            date: ctx.now,
            requested_by_user: by_user,
            denied: false,
            denied_reason: None,
            denied_date: None,
            requested_in,
        });
        ctx.set_status(order, Status::CancellationRequested);
        let timeout = ctx.config.request_timeout_ms();
        ctx.timer(order, timeout, TimerKind::CancellationTimeout);
    } else {
        let request_id = order.pending_request().map(|r| r.id.clone());
        order.cancellation = Some(CancellationData {
            requested_by_user: by_user,
            requested_by_system: false,
            requested_by_seller_notification: !by_user,
            requested_by_payment_notification: false,
            reason: reason.or_else(|| order.pending_request().and_then(|r| r.reason.clone())),
            date: ctx.now,
            request_id,
        });
        ctx.set_status(order, Status::Cancel);
        let delay = super::config::OmsConfig::ms(ctx.config.cancel_confirm_ms);
        ctx.timer(order, delay, TimerKind::CancelConfirmed);
    }
    Ok(receipt_body(order, ctx, &receipt))
}

/// `POST /api/orders/pvt/document/{orderId}/deny-cancellation-request`
/// `{cancellationRequestId, denyReason}` (both required): `200` with no body; otherwise `400`.
pub fn deny_cancellation(
    order: &mut SimOrder,
    ctx: &mut ActCtx,
    body: &Body,
) -> Result<(), OmsError> {
    let id = body.req_str("cancellationRequestId")?;
    let reason = body.req_str("denyReason")?;
    if stage(order) == Some(Stage::Canceled) {
        return Err(bad(codes::DENY_INVALID, "The order is already canceled"));
    }
    let Some(pending) = order.pending_request().cloned() else {
        return Err(bad(
            codes::DENY_INVALID,
            "Invalid status: the order has no cancellation request waiting for a decision",
        ));
    };
    if pending.id != id {
        return Err(bad(
            codes::DENY_INVALID,
            format!("Cancellation request {id} not found"),
        ));
    }
    if let Some(r) = order
        .cancellation_requests
        .iter_mut()
        .rev()
        .find(|r| r.id == id)
    {
        r.denied = true;
        r.denied_reason = Some(reason);
        r.denied_date = Some(ctx.now);
    }
    let back = match pending.requested_in {
        // The transient step was confirmed meanwhile.
        Status::StartHandling => Status::Handling,
        s if matches!(s.stage(), Stage::ReadyForHandling | Stage::Handling) => s,
        _ => Status::Handling,
    };
    ctx.set_status(order, back);
    if back == Status::StartHandling {
        let delay = super::config::OmsConfig::ms(ctx.config.start_handling_confirm_ms);
        ctx.timer(order, delay, TimerKind::HandlingConfirmed);
    }
    Ok(())
}

// ----- invoice (§A.7) -----

/// A parsed invoice body.
#[derive(Debug)]
pub struct InvoiceInput {
    pub invoice_type: String,
    pub issuance_date: String,
    pub invoice_number: String,
    pub invoice_value: i64,
    pub invoice_key: Option<String>,
    pub invoice_url: Option<String>,
    pub embedded_invoice: Option<String>,
    pub courier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub dispatched_date: Option<String>,
    pub items: Vec<(String, i64, u32, Option<String>)>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

impl InvoiceInput {
    pub fn parse(body: &Body) -> Result<InvoiceInput, OmsError> {
        let invoice_type = match body.req_str("type")?.to_ascii_lowercase().as_str() {
            "output" => "Output",
            "input" => "Input",
            other => {
                return Err(OmsError::bad(format!(
                    "type must be Output or Input, not {other:?}"
                )));
            }
        }
        .to_owned();
        let issuance_date = body.req_str("issuanceDate")?;
        if Timestamp::parse(&issuance_date).is_none() {
            return Err(OmsError::bad(format!(
                "issuanceDate {issuance_date:?} is not a date and time (e.g. 2024-01-31T18:25:43-05:00)"
            )));
        }
        let invoice_number = body.req_str("invoiceNumber")?.trim().to_owned();
        let invoice_value = match body.0.get("invoiceValue") {
            Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse::<i64>().ok()
            }
            Some(Value::Number(n)) => n.as_i64(),
            _ => None,
        }
        .filter(|v| *v > 0 && *v <= ponte_core::orders::MAX_CENTS)
        .ok_or_else(|| {
            OmsError::bad(
                "invoiceValue is required: the total in cents, greater than 0, without a decimal separator (24.99 is \"2499\")",
            )
        })?;
        let Some(items) = body.array("items")? else {
            return Err(OmsError::bad("items is required"));
        };
        if items.is_empty() {
            return Err(OmsError::bad("items must list the invoiced items"));
        }
        let mut parsed = Vec::with_capacity(items.len());
        for item in &items {
            let id = item.req_str("id")?;
            let price = item
                .opt_int("price")?
                .ok_or_else(|| OmsError::bad("items[].price is required (unit price in cents)"))?;
            let quantity = item
                .opt_int("quantity")?
                .ok_or_else(|| OmsError::bad("items[].quantity is required"))?;
            if price < 0 {
                return Err(OmsError::bad(format!(
                    "item {id}: price must not be negative"
                )));
            }
            let quantity = u32::try_from(quantity)
                .ok()
                .filter(|q| *q > 0)
                .ok_or_else(|| {
                    OmsError::bad(format!("item {id}: quantity must be a positive integer"))
                })?;
            parsed.push((id, price, quantity, item.opt_str("description")?));
        }
        Ok(InvoiceInput {
            invoice_type,
            issuance_date,
            invoice_number,
            invoice_value,
            invoice_key: body.opt_str("invoiceKey")?,
            invoice_url: body.opt_str("invoiceUrl")?,
            embedded_invoice: body.opt_str("embeddedInvoice")?,
            courier: body.opt_str("courier")?,
            tracking_number: non_empty(body.opt_str("trackingNumber")?),
            tracking_url: non_empty(body.opt_str("trackingUrl")?),
            dispatched_date: non_empty(body.opt_str("dispatchedDate")?),
            items: parsed,
        })
    }
}

/// Allocates invoice items to order lines (SKU id, in line order, within `capacity(line)`).
fn allocate(
    order: &SimOrder,
    input: &InvoiceInput,
    capacity: impl Fn(&Item, u32) -> u64,
) -> Result<Vec<PackageItem>, OmsError> {
    let mut used: Vec<u64> = vec![0; order.items.len()];
    let mut out: Vec<PackageItem> = Vec::new();
    for (id, price, quantity, description) in &input.items {
        let lines: Vec<usize> = (0..order.items.len())
            .filter(|&i| order.items[i].id == *id)
            .collect();
        if lines.is_empty() {
            return Err(OmsError::bad(format!(
                "Item {id} does not belong to order {}",
                order.order_id
            )));
        }
        let mut left = u64::from(*quantity);
        for i in lines {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let free = capacity(&order.items[i], index).saturating_sub(used[i]);
            let take = left.min(free);
            if take == 0 {
                continue;
            }
            used[i] += take;
            left -= take;
            out.push(PackageItem {
                item_index: index,
                id: id.clone(),
                quantity: u32::try_from(take).unwrap_or(u32::MAX),
                price: *price,
                description: description.clone(),
            });
            if left == 0 {
                break;
            }
        }
        if left > 0 {
            let what = if input.invoice_type == "Output" {
                "left to invoice"
            } else {
                "invoiced and not yet returned"
            };
            return Err(bad(
                codes::INVOICE_EXCEEDS,
                format!("Item {id}: the quantity {quantity} is above the quantity {what}"),
            ));
        }
    }
    Ok(out)
}

/// `POST .../invoice`: Output (sale) or Input (return).
pub fn invoice(
    order: &mut SimOrder,
    ctx: &mut ActCtx,
    input: InvoiceInput,
) -> Result<Value, OmsError> {
    let Some(status) = order.status else {
        return Err(OmsError::wrong_status("handling"));
    };
    if status.stage() == Stage::Canceled || status == Status::Replaced {
        return Err(OmsError::wrong_status("handling"));
    }
    // A number already used (§A.7, §H.4).
    if let Some(existing) = order.package(&input.invoice_number) {
        if existing.invoice_type != input.invoice_type {
            return Err(conflict(
                codes::INVOICE_NUMBER_REUSED,
                format!(
                    "Invoice number {} is already used by an {} invoice of this order",
                    input.invoice_number, existing.invoice_type
                ),
            ));
        }
        if ctx.config.invoice_number_reuse == InvoiceReuse::Forbid {
            return Err(conflict(
                codes::INVOICE_NUMBER_REUSED,
                format!("Invoice number {} was already sent", input.invoice_number),
            ));
        }
        let receipt = order.next_receipt(ctx.now);
        if let Some(p) = order
            .packages
            .iter_mut()
            .find(|p| p.invoice_number == input.invoice_number)
        {
            p.receipt = receipt.clone();
        }
        ctx.invoices.repeats += 1;
        return Ok(receipt_body(order, ctx, &receipt));
    }
    let output = input.invoice_type == "Output";
    let items = if output {
        let allowed = match status.stage() {
            Stage::Handling | Stage::CancellationPending | Stage::PartiallyInvoiced => true,
            Stage::ReadyForHandling => ctx.config.invoice_in_ready_for_handling,
            _ => false,
        };
        if !allowed {
            return Err(OmsError::wrong_status("handling"));
        }
        let remaining = order.value() - order.invoiced("Output");
        if ctx.config.refuse_invoice_over_value && input.invoice_value > remaining {
            return Err(bad(
                codes::INVOICE_EXCEEDS,
                format!(
                    "The invoice value {} is above the value left to invoice {remaining}",
                    input.invoice_value
                ),
            ));
        }
        allocate(order, &input, |item, index| {
            u64::from(item.quantity).saturating_sub(order.invoiced_quantity(index, "Output"))
        })?
    } else {
        let allowed = match status {
            Status::Invoiced => true,
            Status::Invoice => !ctx.config.return_requires_invoiced,
            _ => false,
        };
        if !allowed || order.invoiced("Output") == 0 {
            return Err(OmsError::wrong_status("invoiced"));
        }
        let returnable = order.invoiced("Output") - order.invoiced("Input");
        if input.invoice_value > returnable {
            return Err(bad(
                codes::INVOICE_EXCEEDS,
                format!(
                    "The return invoice value {} is above the value invoiced and not yet returned {returnable}",
                    input.invoice_value
                ),
            ));
        }
        allocate(order, &input, |_, index| {
            order
                .invoiced_quantity(index, "Output")
                .saturating_sub(order.invoiced_quantity(index, "Input"))
        })?
    };
    let receipt = order.next_receipt(ctx.now);
    let courier_status = input
        .tracking_number
        .as_ref()
        .map(|_| CourierStatus::default());
    order.packages.push(Package {
        invoice_type: input.invoice_type.clone(),
        invoice_number: input.invoice_number,
        invoice_value: input.invoice_value,
        issuance_date: input.issuance_date,
        invoice_key: input.invoice_key,
        invoice_url: input.invoice_url,
        embedded_invoice: input.embedded_invoice,
        courier: input.courier,
        tracking_number: input.tracking_number,
        tracking_url: input.tracking_url,
        dispatched_date: input.dispatched_date,
        items,
        courier_status,
        receipt: receipt.clone(),
        received: ctx.now,
    });
    if output {
        ctx.invoices.output += 1;
        ctx.invoices.output_value += input.invoice_value;
        if status != Status::Invoice {
            ctx.set_status(order, Status::Invoice);
        }
        if order.invoiced("Output") >= order.value()
            && !order.timers.iter().any(|t| t.kind == TimerKind::Settlement)
        {
            let delay = super::config::OmsConfig::ms(ctx.config.settlement_ms);
            ctx.timer(order, delay, TimerKind::Settlement);
        }
    } else {
        ctx.invoices.input += 1;
    }
    Ok(receipt_body(order, ctx, &receipt))
}

// ----- tracking (§A.8) -----

fn tracked_package<'a>(order: &'a mut SimOrder, number: &str) -> Result<&'a mut Package, OmsError> {
    let order_id = order.order_id.clone();
    order
        .packages
        .iter_mut()
        .find(|p| p.invoice_number == number)
        .ok_or_else(|| {
            OmsError::new(
                StatusCode::NOT_FOUND,
                codes::INVOICE_NOT_FOUND,
                format!("Invoice {number} not found in order {order_id}"),
            )
        })
}

/// `PATCH .../invoice/{invoiceNumber}` `{trackingNumber (required), trackingUrl, dispatchedDate,
/// courier}`.
pub fn update_tracking(
    order: &mut SimOrder,
    ctx: &mut ActCtx,
    number: &str,
    body: &Body,
) -> Result<Value, OmsError> {
    let tracking_number = body.req_str("trackingNumber")?;
    let tracking_url = body.opt_str("trackingUrl")?;
    let dispatched_date = body.opt_str("dispatchedDate")?;
    let courier = body.opt_str("courier")?;
    let package = tracked_package(order, number)?;
    package.tracking_number = Some(tracking_number);
    package.tracking_url = tracking_url;
    package.dispatched_date = dispatched_date;
    if courier.is_some() {
        package.courier = courier;
    }
    if package.courier_status.is_none() {
        package.courier_status = Some(CourierStatus::default());
    }
    let receipt = order.next_receipt(ctx.now);
    Ok(receipt_body(order, ctx, &receipt))
}

/// `PUT .../invoice/{invoiceNumber}/tracking` `{isDelivered (required), deliveredDate,
/// events[{city, state, description, date}]}`.
pub fn tracking_events(
    order: &mut SimOrder,
    ctx: &mut ActCtx,
    number: &str,
    body: &Body,
) -> Result<Value, OmsError> {
    let Some(delivered) = body.opt_bool("isDelivered")? else {
        return Err(OmsError::bad("isDelivered is required"));
    };
    let delivered_date = body.opt_str("deliveredDate")?;
    let events = body.array("events")?.unwrap_or_default();
    if events.len() > 1000 {
        return Err(OmsError::bad("at most 1000 events per call"));
    }
    let mut parsed = Vec::with_capacity(events.len());
    for e in &events {
        parsed.push(CourierEvent {
            city: e.opt_str("city")?.unwrap_or_default(),
            state: e.opt_str("state")?.unwrap_or_default(),
            description: e.opt_str("description")?.unwrap_or_default(),
            date: e.opt_str("date")?.unwrap_or_default(),
            received: ctx.now,
        });
    }
    let require = ctx.config.tracking_events_require_tracking_number;
    let package = tracked_package(order, number)?;
    if require
        && package
            .tracking_number
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
    {
        return Err(bad(
            codes::TRACKING_NUMBER_MISSING,
            format!("Invoice {number} has no tracking number; send one (PATCH) first"),
        ));
    }
    let status = package
        .courier_status
        .get_or_insert_with(CourierStatus::default);
    status.events.extend(parsed);
    if delivered {
        status.finished = true;
        status.delivered_date = delivered_date.or_else(|| Some(iso(ctx.now)));
    }
    let receipt = order.next_receipt(ctx.now);
    Ok(receipt_body(order, ctx, &receipt))
}

// ----- changes v1 (§A.9) -----

/// `POST .../changes` `{requestId, reason, discountValue, incrementValue, itemsRemoved[],
/// itemsAdded[]}`; only the first request per `requestId` takes effect (a repeat answers the
/// first receipt).
pub fn change(order: &mut SimOrder, ctx: &mut ActCtx, body: &Body) -> Result<Value, OmsError> {
    let request_id = body.req_str("requestId")?;
    if let Some(done) = order.changes.iter().find(|c| c.request_id == request_id) {
        return Ok(json!({
            "date": iso(done.date), "orderId": order.order_id, "receipt": done.receipt
        }));
    }
    let change_bad = |m: String| bad(codes::CHANGE_INVALID, m);
    let reason = body
        .opt_str("reason")?
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| change_bad("Field reason not set".into()))?;
    let discount = body.opt_int("discountValue")?.unwrap_or(0);
    let increment = body.opt_int("incrementValue")?.unwrap_or(0);
    if discount < 0 || increment < 0 {
        return Err(change_bad(
            "The modification value needs to be greater or equal than zero".into(),
        ));
    }
    // Only one change version per order (§A.9): a change v2 not canceled shuts v1 out.
    if order
        .change_requests
        .iter()
        .any(|r| r.status != super::changes_v2::RequestStatus::Canceled)
    {
        return Err(change_bad(
            "Invalid modification for order: the order was already modified with Change v2 (order modifications); only one change version is allowed per order".into(),
        ));
    }
    let allowed = match order.status {
        Some(Status::Handling | Status::WaitingForFulfillment | Status::ReadyForInvoicing) => true,
        Some(Status::Invoice) => {
            ctx.config.change_after_partial_invoice && order.invoiced("Output") < order.value()
        }
        _ => false,
    };
    if !allowed {
        return Err(conflict(
            codes::WRONG_STATUS,
            "It is only allowed to register an order modification when the order is in handling: status = handling, waiting for fulfillment or ready for invoicing",
        ));
    }
    if order.changes.len() >= ctx.config.max_changes {
        return Err(change_bad(format!(
            "Max allowed modifications for order exceeded: {}",
            ctx.config.max_changes
        )));
    }
    let parse_items = |name: &str| -> Result<Vec<(String, i64, u32)>, OmsError> {
        let mut out = Vec::new();
        for item in body.array(name)?.unwrap_or_default() {
            let id = item
                .req_str("id")
                .map_err(|_| change_bad("Invalid id for item".into()))?;
            let price = item.opt_int("price")?.unwrap_or(0);
            let quantity = item.opt_int("quantity")?.unwrap_or(0);
            if price < 0 {
                return Err(change_bad(
                    "The modification value needs to be greater or equal than zero".into(),
                ));
            }
            let quantity = u32::try_from(quantity)
                .ok()
                .filter(|q| *q > 0 && *q <= 10_000)
                .ok_or_else(|| change_bad(format!("Invalid quantity for item {id}")))?;
            out.push((id, price, quantity));
        }
        Ok(out)
    };
    let removed = parse_items("itemsRemoved")?;
    let added = parse_items("itemsAdded")?;
    if removed.is_empty() && added.is_empty() && discount == 0 && increment == 0 {
        return Err(change_bad("Invalid modification for order".into()));
    }
    let mut next = order.clone();
    let name_of = |o: &SimOrder, id: &str| {
        o.items
            .iter()
            .find(|i| i.id == id)
            .map_or_else(|| format!("SKU {id}"), |i| i.name.clone())
    };
    let mut removed_items = Vec::new();
    for (id, price, quantity) in &removed {
        let lines: Vec<usize> = (0..next.items.len())
            .rev()
            .filter(|&i| next.items[i].id == *id)
            .collect();
        if lines.is_empty() {
            return Err(change_bad("Invalid id for item".into()));
        }
        let removable = |o: &SimOrder, i: usize| {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            u64::from(o.items[i].quantity).saturating_sub(order.invoiced_quantity(index, "Output"))
        };
        let available: u64 = lines.iter().map(|&i| removable(&next, i)).sum();
        if u64::from(*quantity) > available {
            return Err(change_bad(format!(
                "Invalid quantity to remove from item {id}"
            )));
        }
        let mut left = *quantity;
        for i in lines {
            let take = left.min(u32::try_from(removable(&next, i)).unwrap_or(u32::MAX));
            next.items[i].quantity -= take;
            left -= take;
        }
        removed_items.push(ChangeItem {
            id: id.clone(),
            name: name_of(order, id),
            quantity: *quantity,
            price: *price,
        });
    }
    let mut added_items = Vec::new();
    for (id, price, quantity) in &added {
        match next
            .items
            .iter_mut()
            .find(|i| i.id == *id && i.price == *price)
        {
            Some(line) => line.quantity = line.quantity.saturating_add(*quantity),
            None => {
                let index = next.items.len();
                next.items.push(Item {
                    unique_id: hex_id(&[&order.account, &order.order_id, &index.to_string()])
                        .to_uppercase(),
                    id: id.clone(),
                    product_id: id.clone(),
                    name: name_of(order, id),
                    ref_id: format!("SKU-{id}"),
                    quantity: *quantity,
                    price: *price,
                    list_price: *price,
                });
            }
        }
        added_items.push(ChangeItem {
            id: id.clone(),
            name: name_of(order, id),
            quantity: *quantity,
            price: *price,
        });
    }
    let receipt = next.next_receipt(ctx.now);
    next.changes.push(ChangeEntry {
        request_id,
        reason,
        discount_value: discount,
        increment_value: increment,
        items_added: added_items,
        items_removed: removed_items,
        receipt: receipt.clone(),
        date: ctx.now,
        v2: false,
    });
    // VTEX takes the removed items' value at the given price; a price other than the line's
    // is booked as an adjustment of the order value (not shown in `changesData`).
    let booked: i64 = removed
        .iter()
        .map(|(id, price, q)| {
            let line_price = order
                .items
                .iter()
                .find(|i| i.id == *id)
                .map_or(*price, |i| i.price);
            (line_price - price).saturating_mul(i64::from(*q))
        })
        .sum();
    next.adjustment = next.adjustment.saturating_add(booked);
    let value = next.value();
    if value < 0 {
        return Err(change_bad(
            "The value of the modification exceeds the order's price".into(),
        ));
    }
    if value < next.invoiced("Output") {
        return Err(change_bad(
            "The value of the modification exceeds the order's price (below what is already invoiced)".into(),
        ));
    }
    *order = next;
    if order.status == Some(Status::Invoice)
        && order.invoiced("Output") >= order.value()
        && !order.timers.iter().any(|t| t.kind == TimerKind::Settlement)
    {
        let delay = super::config::OmsConfig::ms(ctx.config.settlement_ms);
        ctx.timer(order, delay, TimerKind::Settlement);
    }
    Ok(receipt_body(order, ctx, &receipt))
}
