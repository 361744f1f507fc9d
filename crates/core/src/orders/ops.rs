//! The order operations as request → response functions: the shape every boundary (wasm
//! exports, the raw JSON ABI, the simulator, GraphQL) calls. States and memories come from
//! outside, so they are validated here.

use super::get_order::{GetOrder, reconcile_with_order};
use super::{Action, decide, remember};
use super::{
    ActionOutcome, Decision, EventSource, HookInput, IntakeFilter, IntakeMemory, OrderError,
    OrderEvent, OrderId, OrderState, Status, Timestamp, Workflow, WorkflowEvent, WorkflowPolicy,
    parse_feed_item, parse_hook, parse_io_event,
};
use serde::{Deserialize, Serialize};

/// Input of [`check_action`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckActionRequest {
    pub state: OrderState,
    pub action: Action,
    #[serde(default)]
    pub policy: WorkflowPolicy,
}

/// Input of [`apply_action`]: the action the OMS accepted, and the caller's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApplyActionRequest {
    pub state: OrderState,
    pub action: Action,
    #[serde(default)]
    pub policy: WorkflowPolicy,
    pub now: Timestamp,
}

/// Output of [`apply_action`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApplyActionResponse {
    pub state: OrderState,
    pub outcome: ActionOutcome,
}

/// Input of [`parse_event`] and [`decide_event`]: a raw body and the channel it came by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ParseEventRequest {
    pub source: EventSource,
    pub body: String,
}

/// Input of [`decide_event`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct DecideEventRequest {
    pub source: EventSource,
    pub body: String,
    #[serde(default)]
    pub memory: IntakeMemory,
    pub filter: Option<IntakeFilter>,
}

/// Output of [`decide_event`]: the ping, or the event with its decision and dedupe key (use
/// the key to claim the event in shared storage so two replicas never both act on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DecideEventResponse {
    Ping,
    Event {
        event: Box<OrderEvent>,
        decision: Decision,
        key: String,
    },
}

/// Input of [`remember_event`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RememberEventRequest {
    #[serde(default)]
    pub memory: IntakeMemory,
    pub event: OrderEvent,
}

/// Input of [`apply_event`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApplyEventRequest {
    pub state: OrderState,
    pub event: OrderEvent,
}

/// Input of [`reconcile_order`]: Ponte's state and the whole Get order answer
/// (`GET /api/oms/pvt/orders/{orderId}`), of which only `value`, `items`,
/// `packageAttachment.packages` (leniently, [`super::GetOrderSnapshot`]) and, with `source`,
/// `status` and `lastChange` are read. `order` must be a JSON object; anything inside it may be
/// malformed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct ReconcileOrderRequest {
    pub state: OrderState,
    /// The Get order JSON.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub order: GetOrder,
    /// The channel that triggered the read: when given, Get order's status is folded in too
    /// (see [`super::reconcile_status`]), as an event of this source.
    pub source: Option<EventSource>,
}

/// Input of [`state_from_order`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StateFromOrderRequest {
    /// The Get order JSON.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub order: serde_json::Value,
}

/// Input of [`order_statuses`] (nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusesRequest {}

/// A status VTEX documents and its workflow rank ([`Status::rank`]: later steps rank higher).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusRank {
    pub status: Status,
    pub rank: u8,
}

/// Input of [`check_order_id`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckOrderIdRequest {
    pub id: String,
}

/// Input of [`transition`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct TransitionRequest {
    #[serde(default)]
    pub workflow: Workflow,
    pub from: Option<Status>,
    pub event: WorkflowEvent,
}

/// Whether the ERP action is valid on the order now, and what it will do.
pub fn check_action(req: &CheckActionRequest) -> Result<ActionOutcome, OrderError> {
    req.state.validate()?;
    super::plan_action(&req.state, &req.action, &req.policy)
}

/// Folds an action the OMS accepted into the order.
pub fn apply_action(req: &ApplyActionRequest) -> Result<ApplyActionResponse, OrderError> {
    req.state.validate()?;
    let (state, outcome) = req.state.apply_action(&req.action, &req.policy, &req.now)?;
    Ok(ApplyActionResponse { state, outcome })
}

/// Parses a raw body from any channel.
pub fn parse_event(req: &ParseEventRequest) -> Result<HookInput, OrderError> {
    match req.source {
        EventSource::Hook => parse_hook(&req.body),
        EventSource::Feed => parse_feed_item(&req.body).map(|event| HookInput::Event {
            event: Box::new(event),
        }),
        EventSource::IoEvent => parse_io_event(&req.body).map(|event| HookInput::Event {
            event: Box::new(event),
        }),
    }
}

/// Parses a raw body and decides what to do with it.
pub fn decide_event(req: &DecideEventRequest) -> Result<DecideEventResponse, OrderError> {
    let parsed = parse_event(&ParseEventRequest {
        source: req.source,
        body: req.body.clone(),
    })?;
    Ok(match parsed {
        HookInput::Ping => DecideEventResponse::Ping,
        HookInput::Event { event } => {
            let decision = decide(&event, &req.memory, req.filter.as_ref());
            let key = event.key();
            DecideEventResponse::Event {
                event,
                decision,
                key,
            }
        }
    })
}

/// The memory with the event remembered.
pub fn remember_event(req: &RememberEventRequest) -> Result<IntakeMemory, OrderError> {
    Ok(remember(&req.memory, &req.event))
}

/// Folds a platform event into the order.
pub fn apply_event(req: &ApplyEventRequest) -> Result<OrderState, OrderError> {
    req.state.validate()?;
    req.state.apply_event(&req.event)
}

/// The state brought up to Get order: value and items when they fit, then the invoices it
/// lacks (see [`super::reconcile_order`]), then, with a `source`, the status.
pub fn reconcile_order(req: &ReconcileOrderRequest) -> Result<OrderState, OrderError> {
    match req.source {
        Some(source) => reconcile_with_order(&req.state, &req.order, source),
        None => super::reconcile_order(&req.state, &req.order.snapshot),
    }
}

/// Ponte's first state of an order, from Get order (see [`super::state_from_order`]).
pub fn state_from_order(req: &StateFromOrderRequest) -> Result<OrderState, OrderError> {
    super::state_from_order(&req.order)
}

/// Every status VTEX documents (§A.3), in catalogue order, with its workflow rank.
pub fn order_statuses(_: &StatusesRequest) -> Result<Vec<StatusRank>, OrderError> {
    Ok(Status::ALL
        .iter()
        .map(|&status| StatusRank {
            status,
            rank: status.rank(),
        })
        .collect())
}

/// The order id when valid: 1 to 64 ASCII letters, digits, `-` or `_` (`ORDER_ID_INVALID`).
pub fn check_order_id(req: &CheckOrderIdRequest) -> Result<OrderId, OrderError> {
    OrderId::new(&req.id)
}

/// One step of the transition table.
pub fn transition(req: &TransitionRequest) -> Result<Status, OrderError> {
    req.workflow.transition(req.from, &req.event)
}
