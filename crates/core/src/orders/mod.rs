//! Orders (§A, §B): the OMS workflow as a state machine, the checks Ponte makes
//! before any OMS call, and the intake of order events.
//!
//! - **Workflow.** [`Status`] is every API status of §A.3 (an incomplete order is
//!   `Option<Status>::None`); [`Workflow::transition`] is the table of §A.4 for a [`Flow`]
//!   under a [`WorkflowPolicy`] (the choices VTEX does not document, §H, with documented
//!   defaults).
//! - **Actions.** The ERP's [`Action`]s — start handling, invoice (Output) and return
//!   (Input), cancel (two-step in the handling stage), tracking, change — are checked against
//!   the validity table (§A.10) and their payload rules by [`check_action`] /
//!   [`plan_action`], which say what the action will do ([`ActionOutcome`]).
//! - **State.** [`OrderState`] is an order as Ponte tracks it: status, total and lines in
//!   [`Cents`], invoices, cancellation, changes and a timeline. [`OrderState::apply_event`]
//!   and [`OrderState::apply_action`] fold platform events and accepted actions into a new
//!   state.
//! - **Intake.** A Feed v3 item, a Hook body or an IO event becomes an [`OrderEvent`]
//!   ([`parse_feed_item`], [`parse_hook`] — which also recognises the ping —,
//!   [`parse_io_event`]); [`decide`] says [`Decision::New`], `Duplicate`, `Stale` or
//!   `FilteredOut` from an [`IntakeMemory`] the caller persists. The dedupe key is
//!   `{orderId}/{domain}/{state}/{currentChange}`, never the per-delivery handle.
//! - **Reconciliation.** [`reconcile_order`] brings the state up to Get order (read leniently
//!   as [`GetOrderSnapshot`]): its `value` and `items` when well-formed and the result is
//!   valid (VTEX applies changes asynchronously, so an accepted change Ponte folded may not be
//!   there yet, or ever), then the invoices (`packageAttachment.packages`) the state lacks
//!   ([`reconcile_invoices`]), skipping what is known, malformed or inconsistent: the OMS has
//!   the last word, and Ponte never stores an invalid state.
//!
//! - **Claims.** [`claim_delivery`] decides who attempts an ERP delivery: a claim with a fence
//!   that the holder must still hold to renew it, complete it or call the ERP (see `claim.rs`).
//!
//! Money is integer cents everywhere here (OMS's unit); `invoiceValue` travels as a string
//! of cents, as VTEX expects. Dates are ISO 8601, compared in UTC ([`Timestamp`]). No clock:
//! callers pass `now`.
//!
//! ```
//! use ponte_core::orders::*;
//! let policy = WorkflowPolicy::default();
//! let mut order = OrderState::new(
//!     OrderId::new("v70530116str-01")?, Flow::Complete, Cents::new(5000)?,
//!     vec![OrderItem { index: 0, id: "12".into(), quantity: 2, price: Cents::new(2500)? }],
//! )?;
//! order.status = Some(Status::Handling);
//! let price = Cents::new(2500)?;
//! let half = |number: &str| Action::Invoice(InvoiceRequest {
//!     invoice_type: InvoiceType::Output, issuance_date: "2024-01-31T18:25:43-05:00".into(),
//!     invoice_number: number.into(), invoice_value: "2500".into(), invoice_key: None,
//!     invoice_url: None, embedded_invoice: None, courier: None, tracking_number: None,
//!     tracking_url: None, dispatched_date: None,
//!     items: vec![InvoiceItem { id: "12".into(), price, quantity: 1,
//!                               item_index: None, description: None }],
//! });
//! let now = Timestamp::parse("2024-02-01T00:00:00Z").unwrap();
//! let (order, first) = order.apply_action(&half("NF-1"), &policy, &now)?;
//! assert_eq!(first.expected_status, Status::Invoice);
//! let (order, second) = order.apply_action(&half("NF-2"), &policy, &now)?;
//! assert_eq!(second.expected_status, Status::Invoiced);
//! assert_eq!(order.remaining_to_invoice()?, Cents::ZERO);
//! assert_eq!(check_action(&order, &half("NF-3"), &policy).unwrap_err().code(), "ORDER_ALREADY_INVOICED");
//! # Ok::<(), OrderError>(())
//! ```

mod accepted;
mod action;
mod claim;
mod error;
mod get_order;
mod intake;
mod money;
pub mod ops;
mod policy;
mod reconcile;
mod state;
mod status;
pub mod step;
mod time;
mod validate;
mod workflow;

pub use accepted::{
    AcceptedAction, FoldAcceptedRequest, FoldAcceptedResponse, Unfolded, fold_accepted,
};
pub use action::{
    Action, ActionKind, CancelRequest, ChangeItem, ChangeOrder, InvoiceItem, InvoiceRequest,
    InvoiceType, TrackingEvent, TrackingEvents, TrackingUpdate,
};
pub use claim::{
    ClaimIntent, ClaimRequest, ClaimResponse, DeliveryClaim, MAX_SAFE, SALT_RANGE, claim_delivery,
};
pub use error::OrderError;
pub use get_order::{GetOrder, reconcile_status, reconcile_with_order, state_from_order};
pub use intake::{
    Decision, EventOrigin, EventSource, FROM_WORKFLOW_STATUSES, HookInput, IntakeFilter,
    IntakeMemory, MAX_PAYLOAD, OrderEvent, Position, decide, parse_feed_item, parse_hook,
    parse_io_event, prune, remember,
};
pub use money::{Cents, MAX_CENTS};
pub use policy::{CancellationNaming, InvoiceNumberReuse, WorkflowPolicy};
pub use reconcile::{
    GetOrderPackage, GetOrderSnapshot, Lenient, reconcile_invoices, reconcile_order,
};
pub use state::{
    Cancellation, ChangeRecord, InvoiceRecord, InvoicedItem, MAX_TIMELINE, OrderId, OrderItem,
    OrderState, StatusSource, TimelineCause, TimelineEntry, Tracking,
};
pub use status::{Domain, Flow, Stage, Status};
pub use time::{Timestamp, civil_from_days};
pub use validate::{ROUTE_UNSAFE, check_invoice_number, check_tracking_number, check_url};
pub use workflow::{
    ActionOutcome, CancelStep, Workflow, WorkflowEvent, check_action, plan_action, status_after,
    transition,
};

#[cfg(test)]
mod step_tests;
#[cfg(test)]
mod tests;
