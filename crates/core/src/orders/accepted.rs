//! ERP actions the OMS accepted, folded into the order's record ([`fold_accepted`]).

use super::get_order::{GetOrder, platform_event, reconcile_with_order};
use super::{
    Action, ActionOutcome, EventSource, OrderError, OrderState, TimelineCause, Timestamp,
    WorkflowPolicy,
};
use serde::{Deserialize, Serialize};

/// An action the OMS accepted, and its date (the OMS receipt's, else the caller's clock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AcceptedAction {
    pub action: Action,
    /// ISO 8601; one that is not leaves the action unfolded (`DATE_INVALID`).
    pub at: String,
}

/// Input of [`fold_accepted`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FoldAcceptedRequest {
    /// The record's state now.
    pub current: OrderState,
    /// The state the actions were checked on.
    pub checked: OrderState,
    /// How many timeline entries the record's state had when the actions were checked.
    pub seen: u32,
    /// The Get order JSON the actions were checked against.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub order: GetOrder,
    pub accepted: Vec<AcceptedAction>,
    #[serde(default)]
    pub policy: WorkflowPolicy,
}

/// An accepted action the state no longer takes: the record keeps the platform's word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Unfolded {
    /// Position in `accepted`.
    pub index: u32,
    /// The core's code for the refusal.
    pub code: String,
}

/// Output of [`fold_accepted`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FoldAcceptedResponse {
    pub state: OrderState,
    /// One per action folded, in order.
    pub outcomes: Vec<ActionOutcome>,
    pub unfolded: Vec<Unfolded>,
}

/// The record's state with the accepted actions folded in. The actions are applied to the
/// state they were checked on: what the OMS did is what that state said it would do. Events
/// recorded meanwhile (often the very status change the action caused, arriving by hook or IO
/// event while the OMS answered) are folded in after them, in their order; applying the action
/// on top of such an event instead would do it twice (a cancellation request would read as its
/// confirmation). When something other than events changed the record meanwhile (another
/// action, a pruned timeline), the actions are applied to the record's state brought up to Get
/// order (source `feed`, the pull channel). An action the state no longer takes is returned in
/// `unfolded` with its code; an event it cannot take is already in the record's history.
pub fn fold_accepted(req: &FoldAcceptedRequest) -> Result<FoldAcceptedResponse, OrderError> {
    let seen = req.seen as usize;
    let since = req.current.timeline.get(seen..);
    if since.is_some_and(|entries| already_folded(entries, &req.accepted)) {
        // A write of this very fold whose answer was lost (a timeout, a 5xx after the store
        // applied it) is retried on the record it produced: folding again would apply the
        // actions twice (a cancellation request read as its confirmation). The record stays;
        // the outcomes are those the checked state gives.
        let mut state = req.checked.clone();
        let mut outcomes = Vec::new();
        for accepted in &req.accepted {
            let Some(at) = Timestamp::parse(&accepted.at) else {
                break;
            };
            match state.apply_action(&accepted.action, &req.policy, &at) {
                Ok((next, outcome)) => {
                    state = next;
                    outcomes.push(outcome);
                }
                Err(_) => break,
            }
        }
        return Ok(FoldAcceptedResponse {
            state: req.current.clone(),
            outcomes,
            unfolded: Vec::new(),
        });
    }
    let meanwhile: Option<Vec<_>> = since.and_then(|entries| {
        entries
            .iter()
            .map(|e| match &e.cause {
                TimelineCause::Event {
                    source,
                    state,
                    last_state,
                    ..
                } => Some((e.at.clone(), *source, state.clone(), last_state.clone())),
                TimelineCause::Action { .. } => None,
            })
            .collect()
    });
    let mut state = match &meanwhile {
        Some(_) => req.checked.clone(),
        None => reconcile_with_order(&req.current, &req.order, EventSource::Feed)?,
    };
    let mut outcomes = Vec::new();
    let mut unfolded = Vec::new();
    for (index, accepted) in req.accepted.iter().enumerate() {
        let applied = state.validate().and_then(|()| {
            let at = Timestamp::parse(&accepted.at).ok_or_else(|| OrderError::DateInvalid {
                field: "at",
                value: super::money::truncate(&accepted.at, 40),
            })?;
            state.apply_action(&accepted.action, &req.policy, &at)
        });
        match applied {
            Ok((next, outcome)) => {
                state = next;
                outcomes.push(outcome);
            }
            Err(e) => unfolded.push(Unfolded {
                index: u32::try_from(index).unwrap_or(u32::MAX),
                code: e.code().to_owned(),
            }),
        }
    }
    for (at, source, name, last_state) in meanwhile.into_iter().flatten() {
        let event = platform_event(&state, name, last_state, at, source);
        if let Ok(next) = state.validate().and_then(|()| state.apply_event(&event)) {
            state = next;
        }
    }
    Ok(FoldAcceptedResponse {
        state,
        outcomes,
        unfolded,
    })
}

/// Whether the timeline entries since the check already hold every accepted action, in order
/// (same kind, same date): the fold was written before.
fn already_folded(entries: &[super::TimelineEntry], accepted: &[AcceptedAction]) -> bool {
    if accepted.is_empty() {
        return false;
    }
    let mut wanted = accepted.iter().peekable();
    for entry in entries {
        let Some(next) = wanted.peek() else { break };
        if let TimelineCause::Action { action, .. } = &entry.cause
            && *action == next.action.kind()
            && Timestamp::parse(&next.at).is_some_and(|at| at == entry.at)
        {
            wanted.next();
        }
    }
    wanted.peek().is_none()
}
