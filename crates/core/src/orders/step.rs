//! One order event, one decision: the caller (Node) does the IO, the core decides everything,
//! and each answer says what to read or write next. One core call per IO:
//!
//! 1. [`accept_event`], on the raw body and the settings' filter, before anything is stored:
//!    a ping, an event the filter refuses, or the parsed event with its order id and dedupe key
//!    (the carrier is answered once the event is stored under that key);
//! 2. [`event_step`] on that parsed event (never parsed again) and the order's intake memory,
//!    once the record is read: a duplicate (nothing is written), or `read: order` (a fresh Get
//!    order) for a new event or a stale one (older than the newest seen: still owed to the
//!    ERP) — or, when Get order was read already (the record was just created from it), the
//!    fold at once;
//! 3. [`event_step`] again with the record's state and hand-off and the Get order JSON: what to
//!    write, in one If-Match write — the new state and memory, the hand-off decided or skipped,
//!    the log lines and the ERP deliveries the event causes.
//!
//! Each step carries only what its decision needs: deciding a duplicate never moves the state,
//! and the decision crosses the boundary with the parsed event and the memory, not the body.
//! [`handle_event`] is the same conversation over the raw body at every step (the harness's
//! differential and property tests drive it).

use super::get_order::{GetOrder, reconcile_with_order};
use super::ops::{ParseEventRequest, parse_event};
use super::{
    Decision, EventSource, HookInput, IntakeFilter, IntakeMemory, OrderError, OrderEvent,
    OrderState, Status, Timestamp, decide, remember,
};
use serde::{Deserialize, Serialize};

/// Statuses in which an order first seen is never handed off: it ended before reaching the ERP.
pub const TERMINAL_BEFORE_HANDOFF: [Status; 3] =
    [Status::Cancel, Status::Canceled, Status::Replaced];

fn ready_for_handling() -> Status {
    Status::ReadyForHandling
}

/// Input of [`handle_event`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct HandleEventRequest {
    pub source: EventSource,
    pub body: String,
    /// The settings' intake filter (`FromWorkflow` refuses before anything is read).
    pub filter: Option<IntakeFilter>,
    /// The settings' `handoffStatus`: the order is handed off the first time it is seen at or
    /// past it (workflow rank).
    #[serde(default = "ready_for_handling")]
    pub handoff_status: Status,
    /// The order's intake memory, once the record is read.
    pub memory: Option<IntakeMemory>,
    /// The record's state and hand-off and a fresh Get order, once asked for.
    pub fold: Option<FoldInput>,
}

/// What folding a new event needs besides the memory.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct FoldInput {
    pub state: OrderState,
    /// The record's hand-off, when it was decided.
    pub handoff: Option<HandedOff>,
    /// Whether the record says the order is never handed off.
    #[serde(default)]
    pub handoff_skipped: bool,
    /// The Get order JSON.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub order: GetOrder,
}

/// The part of a decided hand-off that later events are compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct HandedOff {
    /// Get order's `lastChange` when the hand-off was decided: later events are notified.
    pub order_last_change: Option<String>,
}

/// What the caller reads before calling again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ReadNext {
    /// The order's record (its intake memory; its state and hand-off for the fold).
    Record,
    /// A fresh Get order.
    Order,
}

/// Output of [`handle_event`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum HandleEventResponse {
    /// The hook's ping: answer 200, nothing else.
    Ping,
    /// Filtered out or a duplicate: nothing to write.
    #[serde(rename_all = "camelCase")]
    Ignored {
        order_id: String,
        key: String,
        decision: Decision,
    },
    /// Read this, then call again with it.
    #[serde(rename_all = "camelCase")]
    Read {
        order_id: String,
        key: String,
        read: ReadNext,
    },
    /// A new or stale event: write this.
    #[serde(rename_all = "camelCase")]
    Write {
        order_id: String,
        key: String,
        write: Box<EventWrite>,
    },
}

/// What a new event changes in the order's record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct EventWrite {
    pub state: OrderState,
    pub memory: IntakeMemory,
    /// The hand-off, when this event decided it (the caller stamps `decidedAt`).
    pub handoff: Option<Handoff>,
    /// Set when the order is first seen ended (canceled, replaced): never handed off.
    pub handoff_skipped: Option<HandoffSkipped>,
    /// Lines for the record's log (the caller stamps `at`).
    pub log: Vec<LogLine>,
    /// The ERP deliveries the event causes, hand-off first; the caller queues those it has not
    /// queued or delivered yet (by `deliveryId`).
    pub deliveries: Vec<Delivery>,
}

/// A hand-off decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Handoff {
    pub delivery_id: String,
    /// The status the order is handed off in.
    pub status: Status,
    /// Get order's `lastChange` (as sent) the hand-off was decided on.
    pub order_last_change: Option<String>,
}

/// Why an order is never handed off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HandoffSkipped {
    pub status: Status,
    pub reason: String,
}

/// A line of Ponte's own log of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct LogLine {
    pub cause: String,
    pub status: Option<Status>,
    pub detail: String,
}

/// What an ERP delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DeliveryKind {
    /// The hand-off: the whole order, once per order.
    Order,
    /// A status change of an order already handed off.
    Status,
}

/// One ERP delivery owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Delivery {
    /// `{orderId}:order`, or `{orderId}:status:{state}:{currentChange}`.
    pub delivery_id: String,
    pub kind: DeliveryKind,
    pub status: String,
    pub previous_status: Option<String>,
    pub changed_at: Timestamp,
}

/// One step of an order event's intake (see the module docs): [`accept_event`] on the body,
/// then [`event_step`] on the parsed event, exactly as the service's two calls do.
pub fn handle_event(req: &HandleEventRequest) -> Result<HandleEventResponse, OrderError> {
    let accepted = accept_event(&AcceptEventRequest {
        source: req.source,
        body: req.body.clone(),
        filter: req.filter.clone(),
    })?;
    let (order_id, key, event) = match accepted {
        AcceptEventResponse::Ping => return Ok(HandleEventResponse::Ping),
        AcceptEventResponse::Ignored {
            order_id,
            key,
            decision,
        } => {
            return Ok(HandleEventResponse::Ignored {
                order_id,
                key,
                decision,
            });
        }
        AcceptEventResponse::Accepted {
            order_id,
            key,
            event,
        } => (order_id, key, event),
    };
    let Some(memory) = &req.memory else {
        return Ok(HandleEventResponse::Read {
            order_id,
            key,
            read: ReadNext::Record,
        });
    };
    Ok(
        match step(
            &event,
            memory,
            req.filter.as_ref(),
            req.handoff_status,
            req.fold.as_ref(),
        )? {
            EventStepResponse::Ignored { decision } => HandleEventResponse::Ignored {
                order_id,
                key,
                decision,
            },
            EventStepResponse::Read { read } => HandleEventResponse::Read {
                order_id,
                key,
                read,
            },
            EventStepResponse::Write { write } => HandleEventResponse::Write {
                order_id,
                key,
                write,
            },
        },
    )
}

/// Input of [`accept_event`]: what answering the carrier needs (nothing stored is read).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct AcceptEventRequest {
    pub source: EventSource,
    /// The body as received.
    pub body: String,
    /// The settings' intake filter (`FromWorkflow` refuses before anything is stored).
    pub filter: Option<IntakeFilter>,
}

/// Output of [`accept_event`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AcceptEventResponse {
    /// The hook's ping: answer 200, nothing else.
    Ping,
    /// The filter refuses it: answer, store nothing.
    #[serde(rename_all = "camelCase")]
    Ignored {
        order_id: String,
        key: String,
        decision: Decision,
    },
    /// An event to store under its dedupe key, then decide with [`event_step`] (pass `event`
    /// back as it is: it is never parsed twice).
    #[serde(rename_all = "camelCase")]
    Accepted {
        order_id: String,
        key: String,
        event: Box<OrderEvent>,
    },
}

/// The body parsed and filtered: what a carrier's answer depends on, before any IO.
pub fn accept_event(req: &AcceptEventRequest) -> Result<AcceptEventResponse, OrderError> {
    let parsed = parse_event(&ParseEventRequest {
        source: req.source,
        body: req.body.clone(),
    })?;
    let HookInput::Event { event } = parsed else {
        return Ok(AcceptEventResponse::Ping);
    };
    let key = event.key();
    let order_id = event.order_id.to_string();
    // Filtered before anything is read: IO events carry every status of every order.
    if req
        .filter
        .as_ref()
        .is_some_and(|f| !f.accepts(&event.state))
    {
        return Ok(AcceptEventResponse::Ignored {
            order_id,
            key,
            decision: Decision::FilteredOut,
        });
    }
    Ok(AcceptEventResponse::Accepted {
        order_id,
        key,
        event,
    })
}

/// Input of [`event_step`]: only what the decision needs (the event as [`accept_event`]
/// parsed it and this order's intake memory), plus the record's state and hand-off and a
/// Get order once the decision asked for it. No filter: [`accept_event`] applied it, and a
/// carrier that comes back (an inbox entry resumed, a feed item) is accepted again under the
/// settings of the day. Every byte here crosses the JSON boundary on each decision.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct EventStepRequest {
    pub event: OrderEvent,
    /// The order's intake memory (its slice: the record's `memory`).
    pub memory: IntakeMemory,
    /// The settings' `handoffStatus`.
    #[serde(default = "ready_for_handling")]
    pub handoff_status: Status,
    /// The record's state and hand-off and a fresh Get order, once asked for (or already read).
    pub fold: Option<FoldInput>,
}

/// Output of [`event_step`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EventStepResponse {
    /// A duplicate: nothing to write.
    Ignored { decision: Decision },
    /// New or stale: read this (always a fresh Get order), then call again with `fold`.
    Read { read: ReadNext },
    /// New, with its Get order: write this.
    Write { write: Box<EventWrite> },
}

/// The decision on a parsed event, and the fold once Get order is read: one call per read.
pub fn event_step(req: &EventStepRequest) -> Result<EventStepResponse, OrderError> {
    step(
        &req.event,
        &req.memory,
        None,
        req.handoff_status,
        req.fold.as_ref(),
    )
}

fn step(
    event: &OrderEvent,
    memory: &IntakeMemory,
    filter: Option<&IntakeFilter>,
    handoff_status: Status,
    fold: Option<&FoldInput>,
) -> Result<EventStepResponse, OrderError> {
    let decision = decide(event, memory, filter);
    // A stale event (older than the newest seen, never seen itself) is still folded: the
    // state keeps its newest status (`apply_event` only records it in the timeline), and a
    // handed-off order still owes the ERP that transition, carrying its own time.
    if !matches!(decision, Decision::New | Decision::Stale) {
        return Ok(EventStepResponse::Ignored { decision });
    }
    let Some(fold) = fold else {
        return Ok(EventStepResponse::Read {
            read: ReadNext::Order,
        });
    };
    let write = fold_event(fold, memory, event, handoff_status)?;
    Ok(EventStepResponse::Write {
        write: Box::new(write),
    })
}

/// A new event folded into the record: the event and Get order into the state, the event into
/// the memory, and what the ERP is owed:
/// - the hand-off (`{orderId}:order`), the first time the order is at or past `handoff_status`
///   (workflow rank), unless it is first seen canceled or replaced: then it is recorded as
///   skipped and never handed off;
/// - a status notification (`{orderId}:status:{state}:{currentChange}`) for a new or stale
///   event of an order already handed off, dated after the Get order the hand-off was decided
///   on (or when that date is unknown): every transition after the hand-off, each once with its
///   own time, whatever order they arrive in (the ERP contract's rule; a transition dated at
///   or before that Get order is told by the hand-off itself, which carries its status).
pub fn fold_event(
    fold: &FoldInput,
    memory: &IntakeMemory,
    event: &OrderEvent,
    handoff_status: Status,
) -> Result<EventWrite, OrderError> {
    let before = &fold.state;
    before.validate()?;
    let applied = before.apply_event(event)?;
    let state = reconcile_with_order(&applied, &fold.order, event.source)?;
    let mut write = EventWrite {
        memory: remember(memory, event),
        handoff: None,
        handoff_skipped: None,
        log: Vec::new(),
        deliveries: Vec::new(),
        state,
    };
    let order_id = &before.order_id;
    match (&fold.handoff, write.state.status) {
        (None, Some(status)) if !fold.handoff_skipped => {
            if TERMINAL_BEFORE_HANDOFF.contains(&status) {
                write.handoff_skipped = Some(HandoffSkipped {
                    status,
                    reason: format!("first seen {status} before any hand-off"),
                });
                write.log.push(LogLine {
                    cause: "handoffSkipped".into(),
                    status: Some(status),
                    detail: format!(
                        "not handed off: the order was {status} before reaching {handoff_status}"
                    ),
                });
            } else if status.rank() >= handoff_status.rank() {
                let delivery_id = format!("{order_id}:order");
                write.handoff = Some(Handoff {
                    delivery_id: delivery_id.clone(),
                    status,
                    order_last_change: fold.order.last_change.clone(),
                });
                write.deliveries.push(Delivery {
                    delivery_id,
                    kind: DeliveryKind::Order,
                    status: status.as_str().to_owned(),
                    previous_status: before.status.map(|s| s.as_str().to_owned()),
                    changed_at: write
                        .state
                        .last_event
                        .as_ref()
                        .map_or_else(|| event.current_change.clone(), |p| p.change.clone()),
                });
            }
        }
        (Some(handoff), _) => {
            let base = handoff
                .order_last_change
                .as_deref()
                .and_then(Timestamp::parse);
            if base.is_none_or(|base| event.current_change > base) {
                write.deliveries.push(Delivery {
                    delivery_id: format!(
                        "{order_id}:status:{}:{}",
                        event.state, event.current_change
                    ),
                    kind: DeliveryKind::Status,
                    status: event.state.clone(),
                    previous_status: event.last_state.clone(),
                    changed_at: event.current_change.clone(),
                });
            }
        }
        _ => {}
    }
    Ok(write)
}
