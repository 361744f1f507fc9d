//! The validity table (§A.10), the transitions (§A.4) and the evaluation of ERP actions.

use super::state::{ChangeRecord, InvoiceRecord, InvoicedItem, OrderItem, Tracking};
use super::status::show;
use super::validate::{
    check_cancel_reason, check_change_text, check_invoice_number, check_item_id, check_text,
    check_tracking_number, check_url, parse_date, parse_lenient_date,
};
use super::{
    Action, ActionKind, CancellationNaming, Cents, ChangeItem, Flow, InvoiceNumberReuse,
    InvoiceRequest, InvoiceType, OrderError, OrderState, Stage, Status, WorkflowPolicy,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which step of a cancellation an accepted cancel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CancelStep {
    /// One-step: the order goes to `cancel` (before handling, or two-step off).
    Immediate,
    /// First of two steps: the order goes to a pending cancellation; cancel again to confirm.
    Requested,
    /// Second step: a pending cancellation confirmed, the order goes to `cancel`.
    Confirmed,
}

/// What an accepted action will do, so the caller knows before calling the OMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct ActionOutcome {
    pub action: ActionKind,
    /// The status the order should reach (the platform may pass through transient ones).
    pub expected_status: Status,
    /// The action repeats one already applied (same invoice number and content, same change
    /// `requestId`): calling the OMS again is harmless and changes nothing.
    pub repeat: bool,
    pub cancel_step: Option<CancelStep>,
    /// Left to invoice after the action (total − Σ Output invoices).
    pub remaining_to_invoice: Cents,
}

/// The state change an accepted action makes (internal).
#[derive(Debug, Clone)]
pub(crate) enum Effect {
    None,
    AddInvoice(Box<InvoiceRecord>),
    Cancel {
        step: CancelStep,
        reason: Option<String>,
    },
    Tracking {
        number: String,
        tracking: Box<Tracking>,
    },
    Change {
        record: ChangeRecord,
        total: Cents,
        items: Vec<OrderItem>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub outcome: ActionOutcome,
    pub effect: Effect,
}

/// Whether `action` is valid on `state` (§A.10 plus every payload rule), without changing
/// anything.
///
/// ```
/// use ponte_core::orders::*;
/// let mut order = OrderState::new(
///     OrderId::new("v1-01")?, Flow::Seller, Cents::new(2499)?,
///     vec![OrderItem { index: 0, id: "1".into(), quantity: 1, price: Cents::new(2499)? }],
/// )?;
/// order.status = Some(Status::Handling);
/// let policy = WorkflowPolicy::default();
/// let err = check_action(&order, &Action::StartHandling, &policy).unwrap_err();
/// assert_eq!(err.code(), "ORDER_HANDLING_ALREADY_STARTED");
/// order.status = Some(Status::Invoiced);
/// let cancel = Action::Cancel(CancelRequest::default());
/// assert_eq!(check_action(&order, &cancel, &policy).unwrap_err().code(), "ORDER_ALREADY_INVOICED");
/// # Ok::<(), OrderError>(())
/// ```
pub fn check_action(
    state: &OrderState,
    action: &Action,
    policy: &WorkflowPolicy,
) -> Result<(), OrderError> {
    evaluate(state, action, policy).map(|_| ())
}

/// Like [`check_action`], returning what the action will do.
pub fn plan_action(
    state: &OrderState,
    action: &Action,
    policy: &WorkflowPolicy,
) -> Result<ActionOutcome, OrderError> {
    evaluate(state, action, policy).map(|p| p.outcome)
}

/// The status-only part of the validity table: whether `kind` is allowed in `status` for
/// `flow` and which status follows. Payload and invoice arithmetic are checked elsewhere.
/// `fully_invoiced` tells an Output invoice that completes the order from a partial one.
pub fn status_after(
    flow: Flow,
    status: Option<Status>,
    kind: ActionKind,
    fully_invoiced: bool,
    policy: &WorkflowPolicy,
) -> Result<(Status, Option<CancelStep>), OrderError> {
    let Some(status) = status else {
        return Err(OrderError::OrderIncomplete { action: kind });
    };
    let stage = status.stage();
    match stage {
        Stage::Canceled => {
            return Err(OrderError::OrderCanceled {
                status,
                action: kind,
            });
        }
        Stage::Replaced => return Err(OrderError::OrderReplaced { action: kind }),
        _ => {}
    }
    let same = Ok((status, None));
    match kind {
        ActionKind::StartHandling => match stage {
            Stage::ReadyForHandling => Ok((Status::StartHandling, None)),
            Stage::StartingHandling | Stage::Handling | Stage::PartiallyInvoiced => {
                Err(OrderError::HandlingAlreadyStarted { status })
            }
            Stage::Invoiced => Err(OrderError::AlreadyInvoiced { action: kind }),
            _ => Err(OrderError::NotReadyForHandling { status }),
        },
        ActionKind::Cancel => match stage {
            Stage::BeforeHandling => Ok((Status::Cancel, Some(CancelStep::Immediate))),
            Stage::ReadyForHandling | Stage::StartingHandling | Stage::Handling => {
                if policy.two_step_cancel {
                    Ok((
                        pending_cancellation(flow, policy),
                        Some(CancelStep::Requested),
                    ))
                } else {
                    Ok((Status::Cancel, Some(CancelStep::Immediate)))
                }
            }
            Stage::CancellationPending => Ok((Status::Cancel, Some(CancelStep::Confirmed))),
            Stage::PartiallyInvoiced => Err(OrderError::PartiallyInvoiced),
            Stage::Invoiced => Err(OrderError::AlreadyInvoiced { action: kind }),
            Stage::Canceled => Err(OrderError::OrderCanceled {
                status,
                action: kind,
            }),
            Stage::Replaced => Err(OrderError::OrderReplaced { action: kind }),
        },
        ActionKind::InvoiceOutput => {
            let next = if fully_invoiced {
                Status::Invoiced
            } else {
                Status::Invoice
            };
            match stage {
                Stage::Handling | Stage::CancellationPending | Stage::PartiallyInvoiced => {
                    Ok((next, None))
                }
                Stage::ReadyForHandling if policy.invoice_in_ready_for_handling => Ok((next, None)),
                Stage::Invoiced => Err(OrderError::AlreadyInvoiced { action: kind }),
                _ => Err(OrderError::NotReadyForInvoice { status }),
            }
        }
        ActionKind::InvoiceInput => match stage {
            Stage::Invoiced => same,
            Stage::PartiallyInvoiced if !policy.return_requires_fully_invoiced => same,
            Stage::PartiallyInvoiced => Err(OrderError::ReturnBeforeFullyInvoiced),
            _ => Err(OrderError::NotInvoiced { status }),
        },
        ActionKind::UpdateTracking | ActionKind::TrackingEvents => match stage {
            // In the handling stage only "after invoice": the invoice lookup decides.
            Stage::Handling | Stage::PartiallyInvoiced | Stage::Invoiced => same,
            _ => Err(OrderError::TrackingNotAllowed { status }),
        },
        ActionKind::ChangeOrder => {
            if flow == Flow::Chain {
                return Err(OrderError::ChangeOnChainOrder);
            }
            match status {
                Status::Handling | Status::WaitingForFulfillment | Status::ReadyForInvoicing => {
                    same
                }
                Status::Invoice if policy.change_after_partial_invoice => same,
                Status::Invoice => Err(OrderError::ChangeAfterInvoice),
                Status::Invoiced => Err(OrderError::AlreadyInvoiced { action: kind }),
                _ => Err(OrderError::ChangeNotAllowed { status }),
            }
        }
    }
}

/// The status a first cancel (or a customer's request after the grace period) leads to.
fn pending_cancellation(flow: Flow, policy: &WorkflowPolicy) -> Status {
    let marketplace_side = flow == Flow::Marketplace;
    let swapped = policy.cancellation_naming == CancellationNaming::Swapped;
    if marketplace_side != swapped {
        Status::RequestCancel
    } else {
        Status::CancellationRequested
    }
}

pub(crate) fn evaluate(
    state: &OrderState,
    action: &Action,
    policy: &WorkflowPolicy,
) -> Result<Plan, OrderError> {
    let kind = action.kind();
    // Terminal and incomplete orders refuse everything, before any payload check.
    match state.status {
        None => return Err(OrderError::OrderIncomplete { action: kind }),
        Some(s) if s.stage() == Stage::Canceled => {
            return Err(OrderError::OrderCanceled {
                status: s,
                action: kind,
            });
        }
        Some(Status::Replaced) => return Err(OrderError::OrderReplaced { action: kind }),
        Some(_) => {}
    }
    let remaining = state.remaining_to_invoice()?;
    let plan = |expected_status, cancel_step, repeat, remaining_to_invoice, effect| Plan {
        outcome: ActionOutcome {
            action: kind,
            expected_status,
            repeat,
            cancel_step,
            remaining_to_invoice,
        },
        effect,
    };
    // A tracking action's plan: invoice `number`'s tracking becomes `tracking`.
    let tracked = |next, number: &str, tracking| -> Result<Plan, OrderError> {
        Ok(plan(
            next,
            None,
            false,
            remaining,
            Effect::Tracking {
                number: number.to_owned(),
                tracking: Box::new(tracking),
            },
        ))
    };
    match action {
        Action::StartHandling => {
            let (next, _) = status_after(state.flow, state.status, kind, false, policy)?;
            Ok(plan(next, None, false, remaining, Effect::None))
        }
        Action::Cancel(req) => {
            let reason = check_cancel_reason(req.reason.as_deref(), policy)?;
            if !state.invoices.is_empty()
                && state.status.map(Status::stage) != Some(Stage::Invoiced)
            {
                return Err(OrderError::PartiallyInvoiced);
            }
            let (next, step) = status_after(state.flow, state.status, kind, false, policy)?;
            let step = step.unwrap_or(CancelStep::Immediate);
            Ok(plan(
                next,
                Some(step),
                false,
                remaining,
                Effect::Cancel { step, reason },
            ))
        }
        Action::Invoice(req) => evaluate_invoice(state, req, policy, remaining, kind),
        Action::UpdateTracking(req) => {
            let (next, invoice) = tracked_invoice(state, &req.invoice_number, kind, policy)?;
            check_tracking_number(&req.tracking_number, policy)?;
            let tracking_url = non_empty(req.tracking_url.as_deref());
            if let Some(url) = tracking_url {
                check_url(url, "trackingUrl")?;
            }
            let courier = non_empty(req.courier.as_deref());
            if let Some(c) = courier {
                check_text("courier", c, 200)?;
            }
            let dispatched_date = non_empty(req.dispatched_date.as_deref())
                .map(|d| parse_date("dispatchedDate", d))
                .transpose()?;
            let old = invoice.tracking.clone().unwrap_or_default();
            let tracking = Tracking {
                tracking_number: req.tracking_number.clone(),
                tracking_url: tracking_url.map(str::to_owned),
                courier: courier.map(str::to_owned),
                dispatched_date,
                ..old
            };
            tracked(next, &req.invoice_number, tracking)
        }
        Action::TrackingEvents(req) => {
            let (next, invoice) = tracked_invoice(state, &req.invoice_number, kind, policy)?;
            let old = invoice.tracking.clone();
            let has_number = old
                .as_ref()
                .is_some_and(|t| !t.tracking_number.trim().is_empty());
            if policy.tracking_events_require_tracking_number && !has_number {
                return Err(OrderError::TrackingNumberMissing {
                    number: req.invoice_number.clone(),
                });
            }
            let delivered_date = non_empty(req.delivered_date.as_deref())
                .map(|d| parse_lenient_date("deliveredDate", d))
                .transpose()?;
            if req.events.len() > 1000 {
                return Err(OrderError::TextInvalid {
                    field: "events",
                    max: 1000,
                });
            }
            for e in &req.events {
                parse_lenient_date("events[].date", &e.date)?;
                check_text("events[].description", &e.description, 1000)?;
                check_text("events[].city", &e.city, 200)?;
                check_text("events[].state", &e.state, 200)?;
            }
            let old = old.unwrap_or_default();
            let events = u32::try_from(req.events.len()).unwrap_or(u32::MAX);
            let tracking = Tracking {
                delivered: old.delivered || req.is_delivered,
                delivered_date: if req.is_delivered {
                    delivered_date.or(old.delivered_date.clone())
                } else {
                    old.delivered_date.clone()
                },
                events: old.events.saturating_add(events),
                ..old
            };
            tracked(next, &req.invoice_number, tracking)
        }
        Action::ChangeOrder(req) => {
            if state.changes.iter().any(|c| c.request_id == req.request_id) {
                let status = state.status.unwrap_or(Status::Handling);
                return Ok(plan(status, None, true, remaining, Effect::None));
            }
            let (next, _) = status_after(state.flow, state.status, kind, false, policy)?;
            if state.changes.len() >= policy.max_changes {
                return Err(OrderError::ChangeLimitExceeded {
                    max: policy.max_changes,
                });
            }
            let (total, items, delta) = evaluate_change(state, req)?;
            let remaining_after = total.checked_sub(state.invoiced_total(InvoiceType::Output)?)?;
            Ok(plan(
                next,
                None,
                false,
                remaining_after,
                Effect::Change {
                    record: ChangeRecord {
                        request_id: req.request_id.clone(),
                        reason: req.reason.trim().to_owned(),
                        delta,
                    },
                    total,
                    items,
                },
            ))
        }
    }
}

/// The status a tracking action (`kind`) on invoice `number` leads to, and that invoice: the
/// number must be valid, the order's status must allow tracking, and the invoice must exist
/// (checked in that order).
fn tracked_invoice<'s>(
    state: &'s OrderState,
    number: &str,
    kind: ActionKind,
    policy: &WorkflowPolicy,
) -> Result<(Status, &'s InvoiceRecord), OrderError> {
    check_invoice_number(number, policy)?;
    let (next, _) = status_after(state.flow, state.status, kind, false, policy)?;
    let invoice = state
        .invoice(number)
        .ok_or_else(|| OrderError::InvoiceNotFound {
            number: number.to_owned(),
        })?;
    Ok((next, invoice))
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// Checks an invoice and allocates its items to order lines.
fn evaluate_invoice(
    state: &OrderState,
    req: &InvoiceRequest,
    policy: &WorkflowPolicy,
    remaining: Cents,
    kind: ActionKind,
) -> Result<Plan, OrderError> {
    check_invoice_number(&req.invoice_number, policy)?;
    let value = Cents::parse_wire(&req.invoice_value)?;
    let issuance_date = parse_date("issuanceDate", &req.issuance_date).map_err(|_| {
        OrderError::IssuanceDateInvalid {
            value: super::money::truncate(&req.issuance_date, 40),
        }
    })?;
    if req.items.is_empty() {
        return Err(OrderError::InvoiceItemsMissing);
    }
    for item in &req.items {
        check_item_id(&item.id)?;
        if item.quantity == 0 {
            return Err(OrderError::ItemQuantityInvalid {
                id: item.id.clone(),
            });
        }
        if item.price.get() < 0 {
            return Err(OrderError::ItemPriceInvalid {
                id: item.id.clone(),
            });
        }
        if let Some(d) = &item.description {
            check_text("items[].description", d, 1000)?;
        }
    }
    if let Some(url) = non_empty(req.invoice_url.as_deref()) {
        check_url(url, "invoiceUrl")?;
    }
    if let Some(key) = non_empty(req.invoice_key.as_deref()) {
        check_text("invoiceKey", key, 200)?;
    }
    if let Some(c) = non_empty(req.courier.as_deref()) {
        check_text("courier", c, 200)?;
    }
    let tracking = match non_empty(req.tracking_number.as_deref()) {
        None => None,
        Some(number) => {
            check_tracking_number(number, policy)?;
            let url = non_empty(req.tracking_url.as_deref());
            if let Some(u) = url {
                check_url(u, "trackingUrl")?;
            }
            Some(Tracking {
                tracking_number: number.to_owned(),
                tracking_url: url.map(str::to_owned),
                courier: non_empty(req.courier.as_deref()).map(str::to_owned),
                dispatched_date: non_empty(req.dispatched_date.as_deref())
                    .map(|d| parse_date("dispatchedDate", d))
                    .transpose()?,
                ..Tracking::default()
            })
        }
    };
    if tracking.is_none()
        && let Some(d) = non_empty(req.dispatched_date.as_deref())
    {
        parse_date("dispatchedDate", d)?;
    }

    // A repeat of an invoice already recorded (§A.7, §H.4).
    if let Some(existing) = state.invoice(&req.invoice_number) {
        if existing.invoice_type != req.invoice_type {
            return Err(OrderError::ReturnNumberReused {
                number: req.invoice_number.clone(),
            });
        }
        if policy.invoice_number_reuse == InvoiceNumberReuse::Forbid {
            return Err(OrderError::InvoiceNumberDuplicate {
                number: req.invoice_number.clone(),
            });
        }
        let allocation = allocate(state, req, Some(&req.invoice_number))?;
        let same = existing.value == value
            && existing.issuance_date == issuance_date
            && sorted(&existing.items) == sorted(&allocation);
        if !same {
            return Err(OrderError::InvoiceNumberConflict {
                number: req.invoice_number.clone(),
            });
        }
        let status = state.status.unwrap_or(Status::Invoice);
        return Ok(Plan {
            outcome: ActionOutcome {
                action: kind,
                expected_status: status,
                repeat: true,
                cancel_step: None,
                remaining_to_invoice: remaining,
            },
            effect: Effect::None,
        });
    }

    let (next, remaining_after) = match req.invoice_type {
        InvoiceType::Output => {
            if state.status == Some(Status::Invoiced) {
                return Err(OrderError::AlreadyInvoiced { action: kind });
            }
            if value > remaining {
                status_after(state.flow, state.status, kind, false, policy)?;
                return Err(OrderError::InvoiceExceedsRemaining { value, remaining });
            }
            let remaining_after = remaining.checked_sub(value)?;
            let fully = remaining_after == Cents::ZERO;
            let (next, _) = status_after(state.flow, state.status, kind, fully, policy)?;
            (next, remaining_after)
        }
        InvoiceType::Input => {
            let (next, _) = status_after(state.flow, state.status, kind, false, policy)?;
            let out = state.invoiced_total(InvoiceType::Output)?;
            if out == Cents::ZERO {
                return Err(OrderError::NotInvoiced {
                    status: state.status.unwrap_or(Status::Invoice),
                });
            }
            let returnable = out.checked_sub(state.invoiced_total(InvoiceType::Input)?)?;
            if value > returnable {
                return Err(OrderError::ReturnExceedsInvoiced { value, returnable });
            }
            (next, remaining)
        }
    };
    let items = allocate(state, req, None)?;
    let record = InvoiceRecord {
        invoice_type: req.invoice_type,
        invoice_number: req.invoice_number.clone(),
        value,
        issuance_date,
        items,
        tracking,
    };
    Ok(Plan {
        outcome: ActionOutcome {
            action: kind,
            expected_status: next,
            repeat: false,
            cancel_step: None,
            remaining_to_invoice: remaining_after,
        },
        effect: Effect::AddInvoice(Box::new(record)),
    })
}

fn sorted(items: &[InvoicedItem]) -> Vec<(u32, u32, i64)> {
    let mut v: Vec<_> = items
        .iter()
        .map(|i| (i.index, i.quantity, i.price.get()))
        .collect();
    v.sort_unstable();
    v
}

/// Assigns the invoice's quantities to order lines: a pinned `itemIndex` goes to that line,
/// otherwise to the lines with that SKU id in index order. Output quantities may not exceed
/// what is left to invoice per line; Input quantities what was invoiced and not yet returned.
/// `excluding` leaves one invoice out of the sums (to re-allocate a repeat identically).
fn allocate(
    state: &OrderState,
    req: &InvoiceRequest,
    excluding: Option<&str>,
) -> Result<Vec<InvoicedItem>, OrderError> {
    let counted = |kind: InvoiceType, index: u32| -> u64 {
        state
            .invoices
            .iter()
            .filter(|i| i.invoice_type == kind && Some(i.invoice_number.as_str()) != excluding)
            .flat_map(|i| &i.items)
            .filter(|it| it.index == index)
            .map(|it| u64::from(it.quantity))
            .sum()
    };
    // Capacity per order line for this invoice type.
    let mut capacity: BTreeMap<u32, u64> = state
        .items
        .iter()
        .map(|item| {
            let out = counted(InvoiceType::Output, item.index);
            let cap = match req.invoice_type {
                InvoiceType::Output => u64::from(item.quantity).saturating_sub(out),
                InvoiceType::Input => out.saturating_sub(counted(InvoiceType::Input, item.index)),
            };
            (item.index, cap)
        })
        .collect();
    let exceeded = |id: &str, quantity: u64, available: u64| match req.invoice_type {
        InvoiceType::Output => OrderError::InvoiceItemExceedsRemaining {
            id: id.to_owned(),
            quantity,
            remaining: available,
        },
        InvoiceType::Input => OrderError::ReturnItemExceedsInvoiced {
            id: id.to_owned(),
            quantity,
            invoiced: available,
        },
    };
    let mut out: Vec<InvoicedItem> = Vec::new();
    // Pinned items first, so unpinned ones fill what is left.
    let (pinned, free): (Vec<_>, Vec<_>) = req.items.iter().partition(|i| i.item_index.is_some());
    for item in pinned.into_iter().chain(free) {
        let lines: Vec<&OrderItem> = match item.item_index {
            Some(index) => state
                .items
                .iter()
                .filter(|o| o.index == index && o.id == item.id)
                .collect(),
            None => state.items.iter().filter(|o| o.id == item.id).collect(),
        };
        if lines.is_empty() {
            return Err(OrderError::InvoiceItemUnknown {
                id: item.id.clone(),
            });
        }
        let wanted = u64::from(item.quantity);
        let available: u64 = lines
            .iter()
            .map(|l| capacity.get(&l.index).copied().unwrap_or(0))
            .sum();
        if wanted > available {
            return Err(exceeded(&item.id, wanted, available));
        }
        let mut left = wanted;
        for line in lines {
            if left == 0 {
                break;
            }
            let cap = capacity.entry(line.index).or_insert(0);
            let take = left.min(*cap);
            if take == 0 {
                continue;
            }
            *cap -= take;
            left -= take;
            let take = u32::try_from(take).unwrap_or(u32::MAX);
            match out
                .iter_mut()
                .find(|o| o.index == line.index && o.price == item.price)
            {
                Some(o) => o.quantity = o.quantity.saturating_add(take),
                None => out.push(InvoicedItem {
                    index: line.index,
                    id: item.id.clone(),
                    quantity: take,
                    price: item.price,
                }),
            }
        }
    }
    Ok(out)
}

/// Checks an item a change removes or adds: a valid id, a quantity, a price not negative.
fn check_change_item(item: &ChangeItem) -> Result<(), OrderError> {
    check_item_id(&item.id)?;
    if item.quantity == 0 {
        return Err(OrderError::ItemQuantityInvalid {
            id: item.id.clone(),
        });
    }
    if item.price.get() < 0 {
        return Err(OrderError::ChangeValueNegative);
    }
    Ok(())
}

/// Checks a change (§A.9) and computes the new total and lines: removals come off the lines
/// with that SKU id (highest index first) within what is not invoiced yet; additions join a
/// line with the same SKU and price or become a new line.
fn evaluate_change(
    state: &OrderState,
    req: &super::ChangeOrder,
) -> Result<(Cents, Vec<OrderItem>, Cents), OrderError> {
    if req.request_id.trim().is_empty() {
        return Err(OrderError::ChangeRequestIdMissing);
    }
    check_change_text("requestId", &req.request_id, 100)?;
    if req.reason.trim().is_empty() {
        return Err(OrderError::ChangeReasonMissing);
    }
    check_change_text("reason", &req.reason, 500)?;
    if req.discount_value.get() < 0 || req.increment_value.get() < 0 {
        return Err(OrderError::ChangeValueNegative);
    }
    if req.items_added.is_empty()
        && req.items_removed.is_empty()
        && req.discount_value == Cents::ZERO
        && req.increment_value == Cents::ZERO
    {
        return Err(OrderError::ChangeEmpty);
    }
    let mut items = state.items.clone();
    let mut total = state.total;
    for removed in &req.items_removed {
        check_change_item(removed)?;
        let lines: Vec<usize> = (0..items.len())
            .rev()
            .filter(|&i| items[i].id == removed.id)
            .collect();
        if lines.is_empty() {
            return Err(OrderError::ChangeItemUnknown {
                id: removed.id.clone(),
            });
        }
        let removable = |item: &OrderItem| {
            u64::from(item.quantity)
                .saturating_sub(state.invoiced_quantity(item.index, InvoiceType::Output))
        };
        let available: u64 = lines.iter().map(|&i| removable(&items[i])).sum();
        if u64::from(removed.quantity) > available {
            return Err(OrderError::ChangeRemoveExceedsQuantity {
                id: removed.id.clone(),
                quantity: removed.quantity,
                removable: available,
            });
        }
        let mut left = removed.quantity;
        for i in lines {
            let take = left.min(u32::try_from(removable(&items[i])).unwrap_or(u32::MAX));
            items[i].quantity -= take;
            left -= take;
        }
        total = total.checked_sub(removed.price.checked_mul(removed.quantity)?)?;
    }
    for added in &req.items_added {
        check_change_item(added)?;
        match items
            .iter_mut()
            .find(|i| i.id == added.id && i.price == added.price)
        {
            Some(line) => {
                line.quantity = line.quantity.checked_add(added.quantity).ok_or(
                    OrderError::ItemQuantityInvalid {
                        id: added.id.clone(),
                    },
                )?;
            }
            None => {
                let index = items.iter().map(|i| i.index + 1).max().unwrap_or(0);
                items.push(OrderItem {
                    index,
                    id: added.id.clone(),
                    quantity: added.quantity,
                    price: added.price,
                });
            }
        }
        total = total.checked_add(added.price.checked_mul(added.quantity)?)?;
    }
    total = total
        .checked_add(req.increment_value)?
        .checked_sub(req.discount_value)?;
    if total.get() < 0 {
        return Err(OrderError::ChangeExceedsOrderValue);
    }
    let invoiced = state.invoiced_total(InvoiceType::Output)?;
    if total < invoiced {
        return Err(OrderError::ChangeBelowInvoiced { total, invoiced });
    }
    let delta = total.checked_sub(state.total)?;
    Ok((total, items, delta))
}

/// A workflow step (§A.4): something the platform does, or an ERP action the OMS accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum WorkflowEvent {
    /// Checkout completed: `null → order-created` (seller flow: `order-accepted`).
    Created,
    /// `order-created → order-create-error`.
    CreationFailed,
    /// `order-created → on-order-completed` (seller: `order-accepted → on-order-completed-ffm`).
    DataCompleted,
    /// Marketplace/chain: `on-order-completed → waiting-for-authorization`.
    AuthorizationRequested,
    /// `on-order-completed`, `waiting-for-authorization`,
    /// `waiting-for-order-authorization → payment-pending`.
    PaymentRequested,
    /// Gateway approval: `payment-pending`, `approve-payment → payment-approved`.
    PaymentApproved,
    /// Gateway denial or payment expiry: `payment-pending → cancel`.
    PaymentDenied,
    /// Seller flow: `order-accepted`, `on-order-completed-ffm → waiting-ffmt-authorization`.
    FulfillmentAuthorizationRequested,
    /// `payment-approved` (complete), `waiting-ffmt-authorization`,
    /// `waiting-for-manual-authorization` (seller) `→ authorize-fulfillment`.
    FulfillmentAuthorized,
    /// `authorize-fulfillment → window-to-cancel`.
    GracePeriodStarted,
    /// Timer: `window-to-cancel → ready-for-handling`.
    GracePeriodElapsed,
    /// `start-handling → handling`.
    HandlingConfirmed,
    /// The customer asks to cancel: in the window it is immediate (`cancel`); in the handling
    /// stage it becomes a pending cancellation.
    CustomerCancellationRequested,
    /// Deny-cancellation: back to where the request came from (`resumeTo`, seller side:
    /// `ready-for-handling` or a handling status); the marketplace side returns to
    /// `payment-approved`.
    #[serde(rename_all = "camelCase")]
    CancellationDenied { resume_to: Status },
    /// 30 days without a decision: pending cancellation `→ cancel`.
    CancellationTimedOut,
    /// The payment module confirmed: `cancel → canceled`.
    CancellationCompleted,
    /// A settlement that had failed succeeded: `invoice → invoiced`.
    SettlementCompleted,
    /// Superseded by a replacement order: any non-terminal `→ replaced`.
    Replaced,
    /// An accepted start-handling.
    StartHandling,
    /// An accepted cancel.
    Cancel,
    /// An accepted Output invoice; `fullyInvoiced` when Σ Output reaches the total.
    #[serde(rename_all = "camelCase")]
    InvoiceOutput { fully_invoiced: bool },
    /// An accepted return invoice.
    InvoiceInput,
    /// An accepted tracking update or tracking events.
    Tracking,
    /// An accepted order change.
    ChangeOrder,
}

/// A flow with its policy: the context every transition needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Workflow {
    #[serde(default)]
    pub flow: Flow,
    #[serde(default)]
    pub policy: WorkflowPolicy,
}

/// The transition table (§A.4) for the complete flow with the default policy; see
/// [`Workflow::transition`].
///
/// ```
/// use ponte_core::orders::*;
/// assert_eq!(transition(Some(Status::ReadyForHandling), &WorkflowEvent::StartHandling)?, Status::StartHandling);
/// assert_eq!(transition(Some(Status::Handling), &WorkflowEvent::Cancel)?, Status::CancellationRequested);
/// assert_eq!(
///     transition(Some(Status::Invoiced), &WorkflowEvent::Cancel).unwrap_err().code(),
///     "ORDER_ALREADY_INVOICED",
/// );
/// # Ok::<(), OrderError>(())
/// ```
pub fn transition(from: Option<Status>, event: &WorkflowEvent) -> Result<Status, OrderError> {
    Workflow::default().transition(from, event)
}

impl Workflow {
    /// The status after `event` from `from`, or why the event cannot happen there.
    pub fn transition(
        &self,
        from: Option<Status>,
        event: &WorkflowEvent,
    ) -> Result<Status, OrderError> {
        use Status as S;
        use WorkflowEvent as E;
        let flow = self.flow;
        let seller = flow == Flow::Seller;
        let action = |kind: ActionKind, fully: bool| {
            status_after(flow, from, kind, fully, &self.policy).map(|(s, _)| s)
        };
        let invalid = || {
            Err(OrderError::InvalidTransition {
                from: show(from).to_owned(),
                event: event_name(event).to_owned(),
            })
        };
        let Some(status) = from else {
            return match event {
                E::Created if seller => Ok(S::OrderAccepted),
                E::Created => Ok(S::OrderCreated),
                E::StartHandling => action(ActionKind::StartHandling, false),
                E::Cancel => action(ActionKind::Cancel, false),
                E::InvoiceOutput { fully_invoiced } => {
                    action(ActionKind::InvoiceOutput, *fully_invoiced)
                }
                E::InvoiceInput => action(ActionKind::InvoiceInput, false),
                E::Tracking => action(ActionKind::UpdateTracking, false),
                E::ChangeOrder => action(ActionKind::ChangeOrder, false),
                _ => invalid(),
            };
        };
        let stage = status.stage();
        match (event, status) {
            (E::CreationFailed, S::OrderCreated) => Ok(S::OrderCreateError),
            (E::DataCompleted, S::OrderCreated) if !seller => Ok(S::OnOrderCompleted),
            (E::DataCompleted, S::OrderAccepted) if seller => Ok(S::OnOrderCompletedFfm),
            (E::AuthorizationRequested, S::OnOrderCompleted)
                if matches!(flow, Flow::Marketplace | Flow::Chain) =>
            {
                Ok(S::WaitingForAuthorization)
            }
            (
                E::PaymentRequested,
                S::OnOrderCompleted | S::WaitingForAuthorization | S::WaitingForOrderAuthorization,
            ) if !seller => Ok(S::PaymentPending),
            (E::PaymentApproved, S::PaymentPending | S::ApprovePayment) if !seller => {
                Ok(S::PaymentApproved)
            }
            (E::PaymentDenied, S::PaymentPending | S::ApprovePayment) => Ok(S::Cancel),
            (E::FulfillmentAuthorizationRequested, S::OrderAccepted | S::OnOrderCompletedFfm)
                if seller =>
            {
                Ok(S::WaitingFfmtAuthorization)
            }
            (E::FulfillmentAuthorized, S::PaymentApproved) if flow == Flow::Complete => {
                Ok(S::AuthorizeFulfillment)
            }
            (
                E::FulfillmentAuthorized,
                S::WaitingFfmtAuthorization | S::WaitingForManualAuthorization,
            ) if seller => Ok(S::AuthorizeFulfillment),
            (E::GracePeriodStarted, S::AuthorizeFulfillment) => Ok(S::WindowToCancel),
            (E::GracePeriodElapsed, S::WindowToCancel) => Ok(S::ReadyForHandling),
            (E::HandlingConfirmed, S::StartHandling) => Ok(S::Handling),
            (E::CustomerCancellationRequested, _) => match stage {
                Stage::BeforeHandling => Ok(S::Cancel),
                Stage::ReadyForHandling | Stage::StartingHandling | Stage::Handling => {
                    Ok(pending_cancellation(flow, &self.policy))
                }
                Stage::CancellationPending => Ok(status),
                _ => invalid(),
            },
            (E::CancellationDenied { resume_to }, _) if stage == Stage::CancellationPending => {
                if flow == Flow::Marketplace {
                    Ok(S::PaymentApproved)
                } else if matches!(
                    resume_to.stage(),
                    Stage::ReadyForHandling | Stage::StartingHandling | Stage::Handling
                ) {
                    Ok(*resume_to)
                } else {
                    invalid()
                }
            }
            (E::CancellationTimedOut, _) if stage == Stage::CancellationPending => Ok(S::Cancel),
            (E::CancellationCompleted, S::Cancel) => Ok(S::Canceled),
            (E::SettlementCompleted, S::Invoice) => Ok(S::Invoiced),
            (E::Replaced, _) if !status.is_terminal() && stage != Stage::Canceled => {
                Ok(S::Replaced)
            }
            (E::StartHandling, _) => action(ActionKind::StartHandling, false),
            (E::Cancel, _) => action(ActionKind::Cancel, false),
            (E::InvoiceOutput { fully_invoiced }, _) => {
                action(ActionKind::InvoiceOutput, *fully_invoiced)
            }
            (E::InvoiceInput, _) => action(ActionKind::InvoiceInput, false),
            (E::Tracking, _) => action(ActionKind::UpdateTracking, false),
            (E::ChangeOrder, _) => action(ActionKind::ChangeOrder, false),
            _ => invalid(),
        }
    }
}

fn event_name(e: &WorkflowEvent) -> &'static str {
    use WorkflowEvent as E;
    match e {
        E::Created => "created",
        E::CreationFailed => "creationFailed",
        E::DataCompleted => "dataCompleted",
        E::AuthorizationRequested => "authorizationRequested",
        E::PaymentRequested => "paymentRequested",
        E::PaymentApproved => "paymentApproved",
        E::PaymentDenied => "paymentDenied",
        E::FulfillmentAuthorizationRequested => "fulfillmentAuthorizationRequested",
        E::FulfillmentAuthorized => "fulfillmentAuthorized",
        E::GracePeriodStarted => "gracePeriodStarted",
        E::GracePeriodElapsed => "gracePeriodElapsed",
        E::HandlingConfirmed => "handlingConfirmed",
        E::CustomerCancellationRequested => "customerCancellationRequested",
        E::CancellationDenied { .. } => "cancellationDenied",
        E::CancellationTimedOut => "cancellationTimedOut",
        E::CancellationCompleted => "cancellationCompleted",
        E::SettlementCompleted => "settlementCompleted",
        E::Replaced => "replaced",
        E::StartHandling => "startHandling",
        E::Cancel => "cancel",
        E::InvoiceOutput { .. } => "invoiceOutput",
        E::InvoiceInput => "invoiceInput",
        E::Tracking => "tracking",
        E::ChangeOrder => "changeOrder",
    }
}
