//! An order as Ponte tracks it, and the pure folds that move it forward.

use super::intake::{EventSource, OrderEvent, Position};
use super::status::show;
use super::workflow::{CancelStep, Effect, evaluate};
use super::{
    Action, ActionKind, ActionOutcome, Cents, Flow, InvoiceType, OrderError, Status, Timestamp,
    WorkflowPolicy,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// An OMS order id: the order group and the seller index, `v70530116str-01` or
/// `953712004126-01`.
///
/// Invariant: 1 to [`OrderId::MAX_LEN`] characters among ASCII letters, digits, `-` and `_`,
/// so it is safe in a URL path and as a storage key (it never contains `/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct OrderId(String);

impl OrderId {
    pub const MAX_LEN: usize = 64;

    /// ```
    /// use ponte_core::orders::OrderId;
    /// assert!(OrderId::new("v70530116str-01").is_ok());
    /// assert_eq!(OrderId::new("a/b").unwrap_err().code(), "ORDER_ID_INVALID");
    /// ```
    pub fn new(id: &str) -> Result<OrderId, OrderError> {
        let ok = !id.is_empty()
            && id.len() <= Self::MAX_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(OrderId(id.to_owned()))
        } else {
            Err(OrderError::OrderIdInvalid {
                id: super::money::truncate(id, 80),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for OrderId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OrderId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        OrderId::new(&s).map_err(serde::de::Error::custom)
    }
}

impl From<OrderId> for String {
    fn from(id: OrderId) -> String {
        id.0
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An order line: `index` is VTEX's `itemIndex` (position in `items[]`), `id` the SKU id,
/// `price` the unit price in cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderItem {
    pub index: u32,
    pub id: String,
    pub quantity: u32,
    pub price: Cents,
}

/// Quantity of one order line on an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InvoicedItem {
    pub index: u32,
    pub id: String,
    pub quantity: u32,
    pub price: Cents,
}

/// Tracking of an invoice (§A.8).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Tracking {
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub courier: Option<String>,
    pub dispatched_date: Option<Timestamp>,
    /// `courierStatus.finished`.
    #[serde(default)]
    pub delivered: bool,
    pub delivered_date: Option<Timestamp>,
    /// Carrier events received (count; the events themselves live in OMS).
    #[serde(default)]
    pub events: u32,
}

/// An invoice (a package, in OMS terms) accepted for the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct InvoiceRecord {
    #[serde(rename = "type")]
    pub invoice_type: InvoiceType,
    pub invoice_number: String,
    pub value: Cents,
    pub issuance_date: Timestamp,
    pub items: Vec<InvoicedItem>,
    pub tracking: Option<Tracking>,
}

/// A pending or finished cancellation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Cancellation {
    pub reason: Option<String>,
    /// The status the order was in when the cancellation was requested: where a denial
    /// returns on the seller side.
    pub requested_in: Option<Status>,
    /// Whether the cancellation was confirmed (or was one-step).
    #[serde(default)]
    pub confirmed: bool,
}

/// A change accepted for the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChangeRecord {
    pub request_id: String,
    pub reason: String,
    /// New total minus old total.
    pub delta: Cents,
}

/// Where a status came from: the platform (an event) or Ponte's prediction of an accepted
/// ERP action (the platform's own event follows).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum StatusSource {
    #[default]
    Platform,
    Action,
}

/// What happened, for the order's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum TimelineCause {
    /// A platform event. `applied` is false when it was older than what the state already
    /// reflected (it is recorded, not acted on).
    #[serde(rename_all = "camelCase")]
    Event {
        source: EventSource,
        state: String,
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        last_state: Option<String>,
        applied: bool,
    },
    /// An ERP action Ponte accepted (and the OMS call succeeded).
    #[serde(rename_all = "camelCase")]
    Action { action: ActionKind, detail: String },
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimelineEntry {
    /// The platform's change date for events; the caller's `now` for actions.
    pub at: Timestamp,
    pub cause: TimelineCause,
    /// The tracked status after this entry.
    pub status: Option<Status>,
}

/// The most timeline entries kept; the oldest go first. Orders see a few dozen.
pub const MAX_TIMELINE: usize = 500;

/// An order as Ponte tracks it: what the platform told (events) and what the ERP did through
/// Ponte (accepted actions). Plain data: the caller persists it and folds new facts in with
/// [`OrderState::apply_event`] and [`OrderState::apply_action`], which return a new state.
///
/// ```
/// use ponte_core::orders::*;
/// let mut order = OrderState::new(
///     OrderId::new("v1-01")?, Flow::Complete, Cents::new(5000)?,
///     vec![OrderItem { index: 0, id: "7".into(), quantity: 2, price: Cents::new(2500)? }],
/// )?;
/// order.status = Some(Status::ReadyForHandling);
/// let now = Timestamp::parse("2024-01-31T18:00:00Z").unwrap();
/// let policy = WorkflowPolicy::default();
/// let (order, outcome) = order.apply_action(&Action::StartHandling, &policy, &now)?;
/// assert_eq!(outcome.expected_status, Status::StartHandling);
/// assert_eq!(order.status, Some(Status::StartHandling));
/// # Ok::<(), OrderError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderState {
    pub order_id: OrderId,
    #[serde(default)]
    pub flow: Flow,
    /// `null`: incomplete, or no status seen yet.
    pub status: Option<Status>,
    #[serde(default)]
    pub status_source: StatusSource,
    /// The order's `value`, cents.
    pub total: Cents,
    pub items: Vec<OrderItem>,
    #[serde(default)]
    pub invoices: Vec<InvoiceRecord>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub cancellation: Option<Cancellation>,
    #[serde(default)]
    pub changes: Vec<ChangeRecord>,
    /// The newest platform event applied: change date and state.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub last_event: Option<Position>,
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
}

impl OrderState {
    /// A new order with no status yet, checked with [`OrderState::validate`].
    pub fn new(
        order_id: OrderId,
        flow: Flow,
        total: Cents,
        items: Vec<OrderItem>,
    ) -> Result<OrderState, OrderError> {
        let state = OrderState {
            order_id,
            flow,
            status: None,
            status_source: StatusSource::Platform,
            total,
            items,
            invoices: Vec::new(),
            cancellation: None,
            changes: Vec::new(),
            last_event: None,
            timeline: Vec::new(),
        };
        state.validate()?;
        Ok(state)
    }

    /// Checks a state that came from outside (storage, a request): unique item indexes and
    /// invoice numbers, non-negative amounts, invoiced quantities within the order's.
    pub fn validate(&self) -> Result<(), OrderError> {
        let invalid = |reason: String| Err(OrderError::OrderStateInvalid { reason });
        if self.total.get() < 0 {
            return invalid("total is negative".into());
        }
        let mut indexes = BTreeSet::new();
        for item in &self.items {
            if !indexes.insert(item.index) {
                return invalid(format!("item index {} appears twice", item.index));
            }
            if item.price.get() < 0 {
                return invalid(format!("item {} has a negative price", item.index));
            }
            if item.id.is_empty() {
                return invalid(format!("item {} has an empty SKU id", item.index));
            }
        }
        let mut numbers = BTreeSet::new();
        for inv in &self.invoices {
            if !numbers.insert((inv.invoice_type, inv.invoice_number.as_str())) {
                return invalid(format!("invoice {} appears twice", inv.invoice_number));
            }
            if inv.value.get() <= 0 {
                return invalid(format!("invoice {} has no value", inv.invoice_number));
            }
            for it in &inv.items {
                if !indexes.contains(&it.index) {
                    return invalid(format!(
                        "invoice {} names item index {}, which the order does not have",
                        inv.invoice_number, it.index
                    ));
                }
            }
        }
        for item in &self.items {
            if self.invoiced_quantity(item.index, InvoiceType::Output) > u64::from(item.quantity) {
                return invalid(format!(
                    "item {} is invoiced beyond its quantity",
                    item.index
                ));
            }
        }
        let out = self.invoiced_total(InvoiceType::Output)?;
        if out > self.total {
            return invalid("Output invoices exceed the order total".into());
        }
        if self.invoiced_total(InvoiceType::Input)? > out {
            return invalid("return invoices exceed what was invoiced".into());
        }
        Ok(())
    }

    /// Σ value of the invoices of one type.
    pub fn invoiced_total(&self, kind: InvoiceType) -> Result<Cents, OrderError> {
        Cents::checked_sum(
            self.invoices
                .iter()
                .filter(|i| i.invoice_type == kind)
                .map(|i| i.value),
        )
    }

    /// What is left to invoice: total − Σ Output invoices.
    pub fn remaining_to_invoice(&self) -> Result<Cents, OrderError> {
        self.total
            .checked_sub(self.invoiced_total(InvoiceType::Output)?)
    }

    /// Units of an order line on invoices of one type.
    pub fn invoiced_quantity(&self, index: u32, kind: InvoiceType) -> u64 {
        self.invoices
            .iter()
            .filter(|i| i.invoice_type == kind)
            .flat_map(|i| &i.items)
            .filter(|it| it.index == index)
            .map(|it| u64::from(it.quantity))
            .sum()
    }

    pub fn invoice(&self, number: &str) -> Option<&InvoiceRecord> {
        self.invoices.iter().find(|i| i.invoice_number == number)
    }

    /// Whether the ERP `action` is valid now (§A.10 and the payload rules).
    pub fn check_action(&self, action: &Action, policy: &WorkflowPolicy) -> Result<(), OrderError> {
        evaluate(self, action, policy).map(|_| ())
    }

    /// Folds an action the OMS accepted into a new state: the predicted status (the platform's
    /// event confirms it later), the invoice, tracking, cancellation or change recorded, and a
    /// timeline line at `now`. A repeat (same invoice number and content, same change
    /// `requestId`) changes nothing but the timeline. Refuses what [`Self::check_action`]
    /// refuses.
    pub fn apply_action(
        &self,
        action: &Action,
        policy: &WorkflowPolicy,
        now: &Timestamp,
    ) -> Result<(OrderState, ActionOutcome), OrderError> {
        let plan = evaluate(self, action, policy)?;
        let mut next = self.clone();
        let outcome = plan.outcome.clone();
        let mut detail = String::new();
        match plan.effect {
            _ if outcome.repeat => detail.push_str("repeat, nothing changed"),
            Effect::None => {}
            Effect::AddInvoice(record) => {
                detail = format!(
                    "{:?} invoice {} of {}",
                    record.invoice_type, record.invoice_number, record.value
                );
                next.invoices.push(*record);
            }
            Effect::Cancel { step, reason } => {
                let requested_in = match step {
                    CancelStep::Requested => self.status,
                    _ => next.cancellation.as_ref().and_then(|c| c.requested_in),
                };
                detail = format!("{step:?}");
                next.cancellation = Some(Cancellation {
                    reason: reason.or_else(|| next.cancellation.as_ref()?.reason.clone()),
                    requested_in,
                    confirmed: step != CancelStep::Requested,
                });
            }
            Effect::Tracking { number, tracking } => {
                detail = format!("invoice {number}");
                if let Some(inv) = next
                    .invoices
                    .iter_mut()
                    .find(|i| i.invoice_number == number)
                {
                    inv.tracking = Some(*tracking);
                }
            }
            Effect::Change {
                record,
                total,
                items,
            } => {
                detail = format!("change {} ({})", record.request_id, record.delta);
                next.changes.push(record);
                next.total = total;
                next.items = items;
            }
        }
        if !outcome.repeat && Some(outcome.expected_status) != self.status {
            next.status = Some(outcome.expected_status);
            next.status_source = StatusSource::Action;
        }
        next.push_timeline(TimelineEntry {
            at: now.clone(),
            cause: TimelineCause::Action {
                action: action.kind(),
                detail,
            },
            status: next.status,
        });
        Ok((next, outcome))
    }

    /// Folds a platform event into a new state. The newest event (by change date, then
    /// workflow rank) sets the status, whatever order events arrive in; an older one is only
    /// recorded. A status Ponte predicted from an accepted action is not rolled back by an
    /// event for an earlier step unless that event follows from it (`lastState` equals the
    /// predicted status, e.g. a denied cancellation). Unknown status names are recorded and
    /// leave the status as it was. Applying the same event twice changes nothing.
    pub fn apply_event(&self, event: &OrderEvent) -> Result<OrderState, OrderError> {
        if event.order_id != self.order_id {
            return Err(OrderError::OrderIdMismatch {
                expected: self.order_id.to_string(),
                got: event.order_id.to_string(),
            });
        }
        let position = event.position();
        let same = |e: &TimelineEntry| {
            e.at == event.current_change
                && matches!(&e.cause, TimelineCause::Event { state, .. } if *state == event.state)
        };
        if self.timeline.iter().any(same) {
            return Ok(self.clone());
        }
        let mut next = self.clone();
        let newer = self.last_event.as_ref().is_none_or(|last| position > *last);
        let mut applied = false;
        if newer {
            next.last_event = Some(position);
            if let Some(status) = event.status() {
                // A status Ponte predicted from an accepted action is protected only from
                // events dated up to that action (late news of an earlier step). An event dated
                // after it is the platform's word on what the action led to — e.g. a cancel
                // sent on a stale view became a request that was then denied — and wins.
                let action_at = self
                    .timeline
                    .iter()
                    .rev()
                    .find(|e| matches!(e.cause, TimelineCause::Action { .. }))
                    .map(|e| &e.at);
                let regresses = self.status_source == StatusSource::Action
                    && self.status.is_some_and(|s| status.rank() < s.rank())
                    && event.last_state.as_deref() != self.status.map(Status::as_str)
                    && action_at.is_none_or(|at| event.current_change <= *at);
                if !regresses {
                    if status.stage() == super::Stage::CancellationPending
                        && self.status.map(Status::stage) != Some(super::Stage::CancellationPending)
                    {
                        next.cancellation = Some(Cancellation {
                            reason: None,
                            requested_in: self.status,
                            confirmed: false,
                        });
                    }
                    next.status = Some(status);
                    next.status_source = StatusSource::Platform;
                    applied = true;
                }
            }
        }
        next.push_timeline(TimelineEntry {
            at: event.current_change.clone(),
            cause: TimelineCause::Event {
                source: event.source,
                state: event.state.clone(),
                last_state: event.last_state.clone(),
                applied,
            },
            status: next.status,
        });
        Ok(next)
    }

    /// Inserts in date order (stable for equal dates) and keeps the newest [`MAX_TIMELINE`].
    fn push_timeline(&mut self, entry: TimelineEntry) {
        let at = self.timeline.partition_point(|e| e.at <= entry.at);
        self.timeline.insert(at, entry);
        if self.timeline.len() > MAX_TIMELINE {
            let excess = self.timeline.len() - MAX_TIMELINE;
            self.timeline.drain(..excess);
        }
    }

    /// A one-line summary for logs.
    pub fn summary(&self) -> String {
        format!(
            "order {} is {} ({} invoices, {} left to invoice)",
            self.order_id,
            show(self.status),
            self.invoices.len(),
            self.remaining_to_invoice()
                .map_or_else(|_| "?".to_owned(), |c| c.to_string())
        )
    }
}
