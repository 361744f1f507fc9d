//! Event intake (§B): Feed v3 items, Hook notifications and IO order events become one
//! [`OrderEvent`]; [`decide`] says whether it is new, a duplicate, stale or filtered out, from
//! an [`IntakeMemory`] the caller persists and grows with [`remember`].

use super::money::truncate;
use super::{Domain, OrderError, OrderId, Status, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The largest payload accepted from VTEX (events are a few hundred bytes).
pub const MAX_PAYLOAD: usize = 64 * 1024;

/// The 30 names the Feed/Hook `FromWorkflow` filter accepts (§A.3). VTEX does not validate
/// them, so a misspelt name silently never fires: see [`IntakeFilter::unknown_statuses`].
pub const FROM_WORKFLOW_STATUSES: [&str; 30] = [
    "order-created",
    "on-order-completed",
    "on-order-completed-ffm",
    "payment-pending",
    "waiting-for-order-authorization",
    "approve-payment",
    "payment-approved",
    "request-cancel",
    "waiting-for-seller-decision",
    "waiting-ffmt-authorization",
    "waiting-for-authorization",
    "waiting-for-manual-authorization",
    "authorize-fulfillment",
    "order-create-error",
    "order-creation-error",
    "window-to-cancel",
    "window-to-change-seller",
    "waiting-for-mkt-authorization",
    "waiting-seller-handling",
    "ready-for-handling",
    "start-handling",
    "handling",
    "invoice-after-cancellation-deny",
    "order-accepted",
    "invoice",
    "invoiced",
    "replaced",
    "cancellation-requested",
    "cancel",
    "canceled",
];

/// Which channel delivered an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EventSource {
    /// A Feed v3 item (camelCase, with a per-delivery `handle`).
    Feed,
    /// A Hook notification (PascalCase).
    Hook,
    /// A VTEX IO order status event (`currentState`, `currentChangeDate`, ...).
    IoEvent,
}

/// `Origin {Account, Key}`: the account and appKey whose call caused the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EventOrigin {
    pub account: String,
    pub key: String,
}

/// An order status change, whichever channel brought it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct OrderEvent {
    pub order_id: OrderId,
    pub domain: Domain,
    /// The API status name as delivered (unknown names are kept, see [`OrderEvent::status`]).
    pub state: String,
    pub last_state: Option<String>,
    pub current_change: Timestamp,
    pub last_change: Option<Timestamp>,
    pub origin: Option<EventOrigin>,
    pub source: EventSource,
    /// Feed only: VTEX's `eventId`.
    pub event_id: Option<String>,
    /// Feed only: the handle to commit. It changes on every delivery, so it is never part of
    /// the dedupe key.
    pub handle: Option<String>,
}

/// Where an event sits in an order's history: change date first, then workflow rank (for two
/// events with the same date), then the name. Later positions are newer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Position {
    pub change: Timestamp,
    /// [`Status::rank`], 0 for a name VTEX does not document.
    pub rank: u8,
    pub state: String,
}

impl OrderEvent {
    /// The status, if the name is one VTEX documents.
    pub fn status(&self) -> Option<Status> {
        Status::from_name(&self.state)
    }

    /// The dedupe key: `{orderId}/{domain}/{state}/{currentChange}` with the change date in
    /// canonical UTC. The same change delivered again — through the feed with a new handle,
    /// or through the hook as well — has the same key.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.order_id,
            self.domain.as_str(),
            self.state,
            self.current_change
        )
    }

    /// The workflow instance the event belongs to: `{orderId}/{domain}`.
    pub fn instance(&self) -> String {
        format!("{}/{}", self.order_id, self.domain.as_str())
    }

    pub fn position(&self) -> Position {
        Position {
            change: self.current_change.clone(),
            rank: self.status().map_or(0, Status::rank),
            state: self.state.clone(),
        }
    }
}

/// What a hook delivery is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum HookInput {
    /// `{"hookConfig":"ping"}`: VTEX checking the endpoint; answer 200, nothing else.
    Ping,
    Event {
        event: Box<OrderEvent>,
    },
}

fn too_large(len: usize) -> Result<(), OrderError> {
    if len > MAX_PAYLOAD {
        Err(OrderError::PayloadTooLarge {
            len,
            max: MAX_PAYLOAD,
        })
    } else {
        Ok(())
    }
}

/// The raw fields before checking, shared by the three shapes; a Feed v3 item is exactly this
/// (camelCase keys), the Hook and IO shapes are mapped onto it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    order_id: Option<String>,
    domain: Option<String>,
    state: Option<String>,
    last_state: Option<String>,
    current_change: Option<String>,
    last_change: Option<String>,
    origin: Option<OriginWire>,
    event_id: Option<String>,
    handle: Option<String>,
}

fn build(raw: RawEvent, source: EventSource) -> Result<OrderEvent, String> {
    let required = |v: Option<String>, name: &str| -> Result<String, String> {
        v.filter(|s| !s.is_empty())
            .ok_or_else(|| format!("{name} is missing"))
    };
    let order_id = required(raw.order_id, "orderId")?;
    let order_id = OrderId::new(&order_id).map_err(|e| e.to_string())?;
    let domain = required(raw.domain, "domain")?;
    let domain = Domain::from_name(&domain).ok_or_else(|| {
        format!(
            "domain {:?} is neither Fulfillment nor Marketplace",
            truncate(&domain, 40)
        )
    })?;
    let state = check_state(required(raw.state, "state")?, "state")?;
    let last_state = raw
        .last_state
        .filter(|s| !s.is_empty())
        .map(|s| check_state(s, "lastState"))
        .transpose()?;
    let current_change = check_time(
        &required(raw.current_change, "currentChange")?,
        "currentChange",
    )?;
    let last_change = raw
        .last_change
        .filter(|s| !s.is_empty())
        .map(|s| check_time(&s, "lastChange"))
        .transpose()?;
    Ok(OrderEvent {
        order_id,
        domain,
        state,
        last_state,
        current_change,
        last_change,
        origin: raw.origin.and_then(OriginWire::into_origin),
        source,
        event_id: raw.event_id.filter(|s| !s.is_empty()),
        handle: raw.handle.filter(|s| !s.is_empty()),
    })
}

/// A status name: kept even when unknown, but it must look like one.
fn check_state(s: String, field: &str) -> Result<String, String> {
    let ok = s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(s)
    } else {
        Err(format!(
            "{field} {:?} is not a status name",
            truncate(&s, 40)
        ))
    }
}

/// A change instant: it must be an ISO 8601 date-time.
fn check_time(s: &str, field: &str) -> Result<Timestamp, String> {
    Timestamp::parse(s)
        .ok_or_else(|| format!("{field} {:?} is not an ISO 8601 date-time", truncate(s, 40)))
}

fn json_error(e: &serde_json::Error) -> String {
    format!("not the expected JSON ({e})")
}

#[derive(Deserialize)]
struct OriginWire {
    #[serde(alias = "account")]
    #[serde(rename = "Account")]
    account: Option<String>,
    #[serde(alias = "key")]
    #[serde(rename = "Key")]
    key: Option<String>,
}

impl OriginWire {
    fn into_origin(self) -> Option<EventOrigin> {
        Some(EventOrigin {
            account: self.account.unwrap_or_default(),
            key: self.key.unwrap_or_default(),
        })
    }
}

/// Parses one Feed v3 item (§B.3). The `handle` is required (it is what gets committed);
/// `eventId`, `lastState` and `lastChange` are tolerated missing; unknown fields are ignored.
///
/// ```
/// use ponte_core::orders::*;
/// let item = r#"{"eventId":"ED42","handle":"h1","domain":"Fulfillment","state":"ready-for-handling",
///   "lastState":"window-to-cancel","orderId":"953712004126-01",
///   "lastChange":"2019-08-12T20:54:01.134057Z","currentChange":"2019-08-12T20:54:23.7153839Z"}"#;
/// let event = parse_feed_item(item)?;
/// assert_eq!(event.status(), Some(Status::ReadyForHandling));
/// assert_eq!(event.key(), "953712004126-01/Fulfillment/ready-for-handling/2019-08-12T20:54:23.715383900Z");
/// # Ok::<(), OrderError>(())
/// ```
pub fn parse_feed_item(json: &str) -> Result<OrderEvent, OrderError> {
    too_large(json.len())?;
    let invalid = |reason| OrderError::FeedItemInvalid { reason };
    let raw: RawEvent = serde_json::from_str(json).map_err(|e| invalid(json_error(&e)))?;
    if raw.handle.as_deref().is_none_or(str::is_empty) {
        return Err(invalid("handle is missing".into()));
    }
    build(raw, EventSource::Feed).map_err(invalid)
}

#[derive(Deserialize)]
struct HookWire {
    #[serde(rename = "Domain", alias = "domain")]
    domain: Option<String>,
    #[serde(rename = "OrderId", alias = "orderId")]
    order_id: Option<String>,
    #[serde(rename = "State", alias = "state")]
    state: Option<String>,
    #[serde(rename = "LastState", alias = "lastState")]
    last_state: Option<String>,
    #[serde(rename = "LastChange", alias = "lastChange")]
    last_change: Option<String>,
    #[serde(rename = "CurrentChange", alias = "currentChange")]
    current_change: Option<String>,
    #[serde(rename = "Origin", alias = "origin")]
    origin: Option<OriginWire>,
}

/// Parses a Hook delivery (§B.5): the ping, or a notification (PascalCase; camelCase keys are
/// accepted too). Anything else is `HOOK_PAYLOAD_INVALID`.
///
/// ```
/// use ponte_core::orders::*;
/// assert_eq!(parse_hook(r#"{"hookConfig":"ping"}"#)?, HookInput::Ping);
/// assert_eq!(parse_hook("{").unwrap_err().code(), "HOOK_PAYLOAD_INVALID");
/// # Ok::<(), OrderError>(())
/// ```
pub fn parse_hook(body: &str) -> Result<HookInput, OrderError> {
    too_large(body.len())?;
    let invalid = |reason| OrderError::HookPayloadInvalid { reason };
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| invalid(json_error(&e)))?;
    let Some(object) = value.as_object() else {
        return Err(invalid("the body is not a JSON object".into()));
    };
    if let Some(config) = object.get("hookConfig") {
        return if config.as_str() == Some("ping") && object.len() == 1 {
            Ok(HookInput::Ping)
        } else {
            Err(invalid(
                "hookConfig is present but the body is not the ping".into(),
            ))
        };
    }
    let w: HookWire = serde_json::from_value(value).map_err(|e| invalid(json_error(&e)))?;
    let raw = RawEvent {
        order_id: w.order_id,
        domain: w.domain,
        state: w.state,
        last_state: w.last_state,
        current_change: w.current_change,
        last_change: w.last_change,
        origin: w.origin,
        event_id: None,
        handle: None,
    };
    build(raw, EventSource::Hook)
        .map(|event| HookInput::Event {
            event: Box::new(event),
        })
        .map_err(invalid)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IoWire {
    order_id: Option<String>,
    current_state: Option<String>,
    last_state: Option<String>,
    current_change_date: Option<String>,
    last_change_date: Option<String>,
    domain: Option<String>,
}

/// Parses a VTEX IO order status event body: `{orderId, currentState, lastState,
/// currentChangeDate, lastChangeDate, domain}` (other fields, such as `recorder`, ignored).
pub fn parse_io_event(json: &str) -> Result<OrderEvent, OrderError> {
    too_large(json.len())?;
    let invalid = |reason| OrderError::IoEventInvalid { reason };
    let w: IoWire = serde_json::from_str(json).map_err(|e| invalid(json_error(&e)))?;
    let raw = RawEvent {
        order_id: w.order_id,
        domain: w.domain,
        state: w.current_state,
        last_state: w.last_state,
        current_change: w.current_change_date,
        last_change: w.last_change_date,
        origin: None,
        event_id: None,
        handle: None,
    };
    build(raw, EventSource::IoEvent).map_err(|reason| {
        // The IO shape names its fields differently; say so in the message.
        invalid(
            reason
                .replace("state is missing", "currentState is missing")
                .replace("currentChange", "currentChangeDate"),
        )
    })
}

/// The Feed/Hook filter (§B.2), applied again on Ponte's side: IO events carry every status,
/// and a filter changed in VTEX still leaves old events queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum IntakeFilter {
    /// Only these status names (exact, as VTEX matches them).
    FromWorkflow { status: Vec<String> },
    /// A JSONata expression VTEX evaluated on the whole order; the event does not carry the
    /// order, so everything that arrives passes.
    #[serde(rename_all = "camelCase")]
    FromOrders {
        expression: String,
        #[serde(default)]
        disable_single_fire: bool,
    },
}

impl IntakeFilter {
    /// Whether an event in status `state` passes. No filter (`None` at call sites) passes all.
    pub fn accepts(&self, state: &str) -> bool {
        match self {
            IntakeFilter::FromWorkflow { status } => status.iter().any(|s| s == state),
            IntakeFilter::FromOrders { .. } => true,
        }
    }

    /// The `FromWorkflow` names that are not among the 30 VTEX accepts: they never fire.
    pub fn unknown_statuses(&self) -> Vec<String> {
        match self {
            IntakeFilter::FromWorkflow { status } => status
                .iter()
                .filter(|s| !FROM_WORKFLOW_STATUSES.contains(&s.as_str()))
                .cloned()
                .collect(),
            IntakeFilter::FromOrders { .. } => Vec::new(),
        }
    }
}

/// What to do with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Decision {
    /// Not seen before and newer than anything seen for its order: act on it.
    New,
    /// The same change was already seen (another delivery, another channel).
    Duplicate,
    /// Older than what was already seen for the order: the order has moved on.
    Stale,
    /// The filter does not take this status.
    FilteredOut,
}

/// What intake remembers, as a plain value the caller persists (VBase): per workflow instance
/// (`{orderId}/{domain}`) the newest position seen, and the dedupe keys seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IntakeMemory {
    #[serde(default)]
    pub last_seen: BTreeMap<String, Position>,
    #[serde(default)]
    pub seen_keys: BTreeSet<String>,
}

/// Decides what to do with `event`, in this order: filtered out, duplicate (its key was
/// seen, or its position is exactly the newest seen), stale (older than the newest seen for
/// its order and domain), new. Pure: remember the event with [`remember`] once its effect is
/// durable.
///
/// ```
/// use ponte_core::orders::*;
/// let item = |handle: &str, state: &str, at: &str| parse_feed_item(&format!(
///     r#"{{"handle":"{handle}","domain":"Fulfillment","state":"{state}","orderId":"o-01","currentChange":"{at}"}}"#
/// )).unwrap();
/// let first = item("h1", "handling", "2024-01-01T10:00:00Z");
/// let mut memory = IntakeMemory::default();
/// assert_eq!(decide(&first, &memory, None), Decision::New);
/// memory = remember(&memory, &first);
/// // Redelivered with a new handle: same key.
/// assert_eq!(decide(&item("h2", "handling", "2024-01-01T10:00:00Z"), &memory, None), Decision::Duplicate);
/// // An older change arriving late.
/// assert_eq!(decide(&item("h3", "ready-for-handling", "2024-01-01T09:00:00Z"), &memory, None), Decision::Stale);
/// ```
pub fn decide(
    event: &OrderEvent,
    memory: &IntakeMemory,
    filter: Option<&IntakeFilter>,
) -> Decision {
    if filter.is_some_and(|f| !f.accepts(&event.state)) {
        return Decision::FilteredOut;
    }
    if memory.seen_keys.contains(&event.key()) {
        return Decision::Duplicate;
    }
    match memory.last_seen.get(&event.instance()) {
        Some(last) => match event.position().cmp(last) {
            std::cmp::Ordering::Greater => Decision::New,
            std::cmp::Ordering::Equal => Decision::Duplicate,
            std::cmp::Ordering::Less => Decision::Stale,
        },
        None => Decision::New,
    }
}

/// `memory` with `event` remembered: its key, and its position if newest for its order.
pub fn remember(memory: &IntakeMemory, event: &OrderEvent) -> IntakeMemory {
    let mut next = memory.clone();
    next.seen_keys.insert(event.key());
    let position = event.position();
    let newest = next
        .last_seen
        .get(&event.instance())
        .is_none_or(|last| position > *last);
    if newest {
        next.last_seen.insert(event.instance(), position);
    }
    next
}

/// `memory` without what is older than `before` (keys and orders whose newest change is
/// older). Pick `before` beyond the feed's retention (at most 14 days) and the hook's retry
/// window, so nothing pruned can still be delivered.
pub fn prune(memory: &IntakeMemory, before: &Timestamp) -> IntakeMemory {
    IntakeMemory {
        last_seen: memory
            .last_seen
            .iter()
            .filter(|(_, p)| p.change >= *before)
            .map(|(k, p)| (k.clone(), p.clone()))
            .collect(),
        seen_keys: memory
            .seen_keys
            .iter()
            .filter(|k| {
                k.rsplit_once('/')
                    .and_then(|(_, at)| Timestamp::parse(at))
                    .is_none_or(|at| at >= *before)
            })
            .cloned()
            .collect(),
    }
}
