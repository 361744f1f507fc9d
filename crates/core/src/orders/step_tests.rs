//! The per-event step, Get order and accepted actions: cases carried over from the service's
//! jest tests (`node/orders/orders.test.ts`, `record.test.ts`), where these rules used to live.

#![allow(clippy::unwrap_used)]

use super::ops::{
    CheckOrderIdRequest, ReconcileOrderRequest, StatusesRequest, check_order_id, order_statuses,
    reconcile_order,
};
use super::step::{
    AcceptEventRequest, AcceptEventResponse, DeliveryKind, EventStepRequest, EventStepResponse,
    EventWrite, FoldInput, HandedOff, HandleEventRequest, HandleEventResponse, ReadNext,
    accept_event, event_step, handle_event,
};
use super::*;
use serde_json::{Value, json};

const ID: &str = "v1001pnt-01";
const RFH: &str = "2024-03-01T10:00:00.0000000Z";

struct Bodies {
    hook: String,
    feed: String,
    io: String,
}

fn bodies(state: &str, last: &str, at: &str) -> Bodies {
    let last_at = "2024-03-01T09:00:00.0000000Z";
    Bodies {
        hook: json!({"Domain": "Fulfillment", "OrderId": ID, "State": state, "LastState": last,
                     "LastChange": last_at, "CurrentChange": at,
                     "Origin": {"Account": "ponte", "Key": "vtexappkey-appvtex"}})
        .to_string(),
        feed: json!({"eventId": format!("E-{state}"), "handle": "h-1", "domain": "Fulfillment",
                     "state": state, "lastState": last, "orderId": ID, "lastChange": last_at,
                     "currentChange": at})
        .to_string(),
        io: json!({"recorder": {"_record": "x-vtex-meta", "headers": {}}, "domain": "Fulfillment",
                   "orderId": ID, "currentState": state, "lastState": last,
                   "currentChangeDate": at, "lastChangeDate": last_at})
        .to_string(),
    }
}

fn get_order(status: &str, last_change: &str) -> Value {
    json!({"orderId": ID, "status": status, "lastChange": last_change, "value": 5000,
           "items": [{"id": "12", "quantity": 2, "price": 2500}],
           "packageAttachment": {"packages": []}})
}

/// The order's record as the service keeps it, for the parts the step reads and writes.
#[derive(Clone)]
struct Record {
    state: OrderState,
    memory: IntakeMemory,
    handoff: Option<HandedOff>,
    skipped: bool,
    owed: Vec<String>,
}

impl Record {
    fn new(order: &Value) -> Record {
        Record {
            state: state_from_order(order).unwrap(),
            memory: IntakeMemory::default(),
            handoff: None,
            skipped: false,
            owed: Vec::new(),
        }
    }

    fn request(
        &self,
        source: EventSource,
        body: &str,
        order: Option<&Value>,
    ) -> HandleEventRequest {
        HandleEventRequest {
            source,
            body: body.into(),
            filter: None,
            handoff_status: Status::ReadyForHandling,
            memory: Some(self.memory.clone()),
            fold: order.map(|o| FoldInput {
                state: self.state.clone(),
                handoff: self.handoff.clone(),
                handoff_skipped: self.skipped,
                order: GetOrder::from_value(o).unwrap(),
            }),
        }
    }

    /// What the service does: accept the body (the route), decide the parsed event on the
    /// memory (once the record is read), read Get order when new, fold, write. The event
    /// crosses the boundary as JSON between the calls, as it does in Node; the answers must be
    /// those of `handle_event` on the raw body.
    fn process(
        &mut self,
        source: EventSource,
        body: &str,
        order: &Value,
    ) -> (Decision, Option<EventWrite>) {
        let AcceptEventResponse::Accepted { event, .. } = accept_event(&AcceptEventRequest {
            source,
            body: body.into(),
            filter: None,
        })
        .unwrap() else {
            panic!("an event is accepted");
        };
        let event = serde_json::to_value(&event).unwrap();
        let step_request = |fold: Option<&Value>| -> EventStepRequest {
            let mut v = json!({"event": event, "memory": self.memory, "handoffStatus": "ready-for-handling"});
            if let Some(o) = fold {
                v["fold"] = json!({"state": self.state, "handoff": self.handoff,
                                   "handoffSkipped": self.skipped, "order": o});
            }
            serde_json::from_value(v).unwrap()
        };
        let decided = event_step(&step_request(None)).unwrap();
        match (
            &decided,
            handle_event(&self.request(source, body, None)).unwrap(),
        ) {
            (
                EventStepResponse::Ignored { decision },
                HandleEventResponse::Ignored { decision: d, .. },
            ) if *decision == d => return (d, None),
            (
                EventStepResponse::Read {
                    read: ReadNext::Order,
                },
                HandleEventResponse::Read {
                    read: ReadNext::Order,
                    ..
                },
            ) => {}
            (ours, theirs) => panic!("step {ours:?}, handle_event {theirs:?}"),
        }
        let EventStepResponse::Write { write } = event_step(&step_request(Some(order))).unwrap()
        else {
            panic!("a new event with its Get order is written");
        };
        let HandleEventResponse::Write { write: same, .. } =
            handle_event(&self.request(source, body, Some(order))).unwrap()
        else {
            panic!("handle_event writes it too");
        };
        assert_eq!(write, same, "the two doors fold alike");
        self.state = write.state.clone();
        self.memory = write.memory.clone();
        if let Some(h) = &write.handoff {
            self.handoff = Some(HandedOff {
                order_last_change: h.order_last_change.clone(),
            });
        }
        self.skipped |= write.handoff_skipped.is_some();
        for d in &write.deliveries {
            assert!(
                !self.owed.contains(&d.delivery_id),
                "{} owed twice",
                d.delivery_id
            );
            self.owed.push(d.delivery_id.clone());
        }
        (Decision::New, Some(*write))
    }
}

#[test]
fn steps_say_what_to_read_next() {
    let b = bodies("ready-for-handling", "window-to-cancel", RFH);
    let mut req = HandleEventRequest {
        source: EventSource::Hook,
        body: b.hook.clone(),
        filter: None,
        handoff_status: Status::ReadyForHandling,
        memory: None,
        fold: None,
    };
    let key = format!("{ID}/Fulfillment/ready-for-handling/2024-03-01T10:00:00.000000000Z");
    assert_eq!(
        handle_event(&req).unwrap(),
        HandleEventResponse::Read {
            order_id: ID.into(),
            key: key.clone(),
            read: ReadNext::Record
        }
    );
    req.memory = Some(IntakeMemory::default());
    assert_eq!(
        handle_event(&req).unwrap(),
        HandleEventResponse::Read {
            order_id: ID.into(),
            key,
            read: ReadNext::Order
        }
    );
    req.body = r#"{"hookConfig":"ping"}"#.into();
    assert_eq!(handle_event(&req).unwrap(), HandleEventResponse::Ping);
}

#[test]
fn hands_an_order_off_once_when_it_reaches_ready_for_handling() {
    let order = get_order("ready-for-handling", RFH);
    let mut r = Record::new(&order);
    let b = bodies("ready-for-handling", "window-to-cancel", RFH);
    let (decision, write) = r.process(EventSource::Hook, &b.hook, &order);
    assert_eq!(decision, Decision::New);
    let write = write.unwrap();
    let handoff = write.handoff.as_ref().unwrap();
    assert_eq!(handoff.delivery_id, format!("{ID}:order"));
    assert_eq!(handoff.status, Status::ReadyForHandling);
    assert_eq!(handoff.order_last_change.as_deref(), Some(RFH));
    assert_eq!(write.deliveries.len(), 1);
    let d = &write.deliveries[0];
    assert_eq!(d.kind, DeliveryKind::Order);
    assert_eq!(d.status, "ready-for-handling");
    assert_eq!(d.previous_status, None);
    assert_eq!(d.changed_at.as_str(), "2024-03-01T10:00:00.000000000Z");
    assert_eq!(write.state.status, Some(Status::ReadyForHandling));
    assert_eq!(write.memory.seen_keys.len(), 1);
    // The same change through the feed and as an IO event: duplicates, nothing written.
    assert_eq!(
        r.process(EventSource::Feed, &b.feed, &order).0,
        Decision::Duplicate
    );
    assert_eq!(
        r.process(EventSource::IoEvent, &b.io, &order).0,
        Decision::Duplicate
    );
    assert_eq!(r.owed, vec![format!("{ID}:order")]);
}

#[test]
fn no_hand_off_before_handoff_status_then_one_then_later_changes_once_each() {
    let early = get_order("window-to-cancel", "2024-03-01T09:30:00Z");
    let mut r = Record::new(&early);
    let (_, w) = r.process(
        EventSource::Hook,
        &bodies(
            "window-to-cancel",
            "authorize-fulfillment",
            "2024-03-01T09:30:00Z",
        )
        .hook,
        &early,
    );
    assert!(w.unwrap().deliveries.is_empty());
    let ready = get_order("ready-for-handling", RFH);
    r.process(
        EventSource::Feed,
        &bodies("ready-for-handling", "window-to-cancel", RFH).feed,
        &ready,
    );
    let handling = get_order("handling", "2024-03-01T10:05:00Z");
    let b = bodies("handling", "start-handling", "2024-03-01T10:05:00Z");
    let (_, w) = r.process(EventSource::IoEvent, &b.io, &handling);
    let d = &w.unwrap().deliveries[0];
    assert_eq!(
        (d.kind, d.status.as_str(), d.previous_status.as_deref()),
        (DeliveryKind::Status, "handling", Some("start-handling"))
    );
    assert_eq!(
        r.process(EventSource::Hook, &b.hook, &handling).0,
        Decision::Duplicate
    );
    assert_eq!(
        r.owed,
        vec![
            format!("{ID}:order"),
            format!("{ID}:status:handling:2024-03-01T10:05:00.000000000Z")
        ]
    );
}

#[test]
fn an_order_first_seen_canceled_is_never_handed_off() {
    let canceled = get_order("canceled", "2024-03-01T09:40:00Z");
    let mut r = Record::new(&canceled);
    let (_, w) = r.process(
        EventSource::Hook,
        &bodies("canceled", "cancel", "2024-03-01T09:40:00Z").hook,
        &canceled,
    );
    let w = w.unwrap();
    assert!(w.deliveries.is_empty());
    assert_eq!(
        w.handoff_skipped.as_ref().map(|s| s.status),
        Some(Status::Canceled)
    );
    assert_eq!(
        w.handoff_skipped.unwrap().reason,
        "first seen canceled before any hand-off"
    );
    assert_eq!(w.log[0].cause, "handoffSkipped");
    assert_eq!(
        w.log[0].detail,
        "not handed off: the order was canceled before reaching ready-for-handling"
    );
    // A late ready-for-handling event does not hand it off either.
    let (d, w) = r.process(
        EventSource::Hook,
        &bodies("ready-for-handling", "window-to-cancel", RFH).hook,
        &canceled,
    );
    assert_eq!(d, Decision::New);
    assert!(w.unwrap().deliveries.is_empty());
    assert!(r.owed.is_empty());
}

#[test]
fn the_hand_off_waits_for_the_rank_of_handoff_status() {
    let order = get_order("ready-for-handling", RFH);
    let mut r = Record::new(&order);
    let mut req = r.request(
        EventSource::Hook,
        &bodies("ready-for-handling", "window-to-cancel", RFH).hook,
        Some(&order),
    );
    req.handoff_status = Status::Handling;
    let HandleEventResponse::Write { write, .. } = handle_event(&req).unwrap() else {
        panic!()
    };
    assert!(write.handoff.is_none() && write.deliveries.is_empty());
    r.state = write.state;
    r.memory = write.memory;
    let later = get_order("invoice", "2024-03-01T11:00:00Z");
    let mut req = r.request(
        EventSource::Hook,
        &bodies("invoice", "handling", "2024-03-01T11:00:00Z").hook,
        Some(&later),
    );
    req.handoff_status = Status::Handling;
    let HandleEventResponse::Write { write, .. } = handle_event(&req).unwrap() else {
        panic!()
    };
    assert_eq!(write.handoff.map(|h| h.status), Some(Status::Invoice));
    assert_eq!(
        write.deliveries[0].previous_status.as_deref(),
        Some("ready-for-handling")
    );
}

#[test]
fn status_notifications_follow_the_get_order_the_hand_off_was_decided_on() {
    let order = get_order("handling", "2024-03-01T10:05:00Z");
    let mut r = Record::new(&order);
    r.process(
        EventSource::Hook,
        &bodies("ready-for-handling", "window-to-cancel", RFH).hook,
        &order,
    );
    // Handed off on a Get order already in handling: the handling event is not news.
    assert_eq!(
        r.handoff.as_ref().unwrap().order_last_change.as_deref(),
        Some("2024-03-01T10:05:00Z")
    );
    let (_, w) = r.process(
        EventSource::Hook,
        &bodies("handling", "start-handling", "2024-03-01T10:05:00.0000000Z").hook,
        &order,
    );
    assert!(w.unwrap().deliveries.is_empty());
    // Only events dated after the hand-off's Get order are news; with a date that cannot be
    // read, every later event is.
    let invoice = bodies("invoice", "handling", "2024-03-01T10:06:00Z").hook;
    for (base, owed) in [
        ("2024-03-01T10:07:00Z", 0),
        ("2024-03-01T10:06:00Z", 0),
        ("2024-03-01T10:05:59.9999999Z", 1),
        ("March 1", 1),
    ] {
        let mut again = r.clone();
        again.handoff = Some(HandedOff {
            order_last_change: Some(base.into()),
        });
        let (_, w) = again.process(EventSource::Hook, &invoice, &order);
        assert_eq!(w.unwrap().deliveries.len(), owed, "{base}");
    }
}

#[test]
fn a_transition_that_arrives_after_a_later_one_is_still_owed_with_its_own_time() {
    let order = get_order("ready-for-handling", RFH);
    let mut r = Record::new(&order);
    r.process(
        EventSource::Hook,
        &bodies("ready-for-handling", "window-to-cancel", RFH).hook,
        &order,
    );
    let invoiced = get_order("invoiced", "2024-03-01T10:09:00Z");
    // invoiced (10:09) is heard first, then handling (10:05) and invoice (10:07) late.
    let (_, w) = r.process(
        EventSource::Feed,
        &bodies("invoiced", "invoice", "2024-03-01T10:09:00Z").feed,
        &invoiced,
    );
    assert_eq!(w.unwrap().state.status, Some(Status::Invoiced));
    for (state, last, at) in [
        ("handling", "start-handling", "2024-03-01T10:05:00Z"),
        ("invoice", "handling", "2024-03-01T10:07:00Z"),
    ] {
        let body = bodies(state, last, at).io;
        let mut memory_only = r.request(EventSource::IoEvent, &body, None);
        memory_only.memory = Some(r.memory.clone());
        // Stale by the intake's rule, yet read and folded, not ignored.
        let HandleEventResponse::Read { .. } = handle_event(&memory_only).unwrap() else {
            panic!("a stale event is read on")
        };
        let (_, w) = r.process(EventSource::IoEvent, &body, &invoiced);
        let w = w.unwrap();
        // The state keeps the newest status; the late transition is owed once, with its time.
        assert_eq!(w.state.status, Some(Status::Invoiced));
        assert_eq!(w.deliveries.len(), 1, "{state}");
        assert_eq!(
            (w.deliveries[0].status.as_str(), &w.deliveries[0].changed_at),
            (state, &Timestamp::parse(at).unwrap())
        );
        // Heard again: a duplicate.
        assert_eq!(
            r.process(EventSource::Hook, &bodies(state, last, at).hook, &invoiced)
                .0,
            Decision::Duplicate
        );
    }
    assert_eq!(
        r.owed,
        vec![
            format!("{ID}:order"),
            format!("{ID}:status:invoiced:2024-03-01T10:09:00.000000000Z"),
            format!("{ID}:status:handling:2024-03-01T10:05:00.000000000Z"),
            format!("{ID}:status:invoice:2024-03-01T10:07:00.000000000Z"),
        ]
    );
}

#[test]
fn malformed_bodies_keep_their_codes_and_the_filter_refuses_before_any_read() {
    let mut req = HandleEventRequest {
        source: EventSource::Hook,
        body: r#"{"OrderId": 3}"#.into(),
        filter: None,
        handoff_status: Status::ReadyForHandling,
        memory: None,
        fold: None,
    };
    assert_eq!(
        handle_event(&req).unwrap_err().code(),
        "HOOK_PAYLOAD_INVALID"
    );
    req.source = EventSource::Feed;
    req.body = r#"{"orderId":"x-01"}"#.into();
    assert_eq!(handle_event(&req).unwrap_err().code(), "FEED_ITEM_INVALID");
    req.source = EventSource::IoEvent;
    req.body = bodies("handling", "start-handling", RFH).io;
    req.filter = Some(IntakeFilter::FromWorkflow {
        status: vec!["ready-for-handling".into()],
    });
    assert!(matches!(
        handle_event(&req).unwrap(),
        HandleEventResponse::Ignored {
            decision: Decision::FilteredOut,
            ..
        }
    ));
}

#[test]
fn an_event_of_another_order_is_refused_at_the_fold() {
    let order = get_order("ready-for-handling", RFH);
    let mut r = Record::new(&order);
    r.state = state_from_order(&json!({"orderId": "v2pnt-01", "value": 0})).unwrap();
    let req = r.request(
        EventSource::Hook,
        &bodies("ready-for-handling", "window-to-cancel", RFH).hook,
        Some(&order),
    );
    assert_eq!(handle_event(&req).unwrap_err().code(), "ORDER_ID_MISMATCH");
}

#[test]
fn state_from_order_reads_value_and_lines_strictly() {
    let s = state_from_order(&get_order("invoice", RFH)).unwrap();
    assert_eq!(s.order_id.as_str(), ID);
    assert_eq!(
        (s.flow, s.status, s.total),
        (Flow::Complete, None, Cents::new(5000).unwrap())
    );
    assert_eq!(
        s.items,
        vec![OrderItem {
            index: 0,
            id: "12".into(),
            quantity: 2,
            price: Cents::new(2500).unwrap()
        }]
    );
    let no_items =
        state_from_order(&json!({"orderId": ID, "value": 5000.0, "items": "x"})).unwrap();
    assert!(no_items.items.is_empty());
    for bad in [
        json!({"orderId": ID, "value": "5000"}),
        json!({"orderId": ID, "value": -1}),
        json!({"orderId": ID, "value": 40.5}),
        json!({"orderId": ID}),
        json!({"orderId": "a/b", "value": 1}),
        json!({"orderId": ID, "value": 1, "items": [{"id": "", "quantity": 1, "price": 1}]}),
        json!({"orderId": ID, "value": 1, "items": [{"id": "1", "quantity": -1, "price": 1}]}),
        json!({"orderId": ID, "value": 1, "items": [{"id": "1", "quantity": 1, "price": "1"}]}),
        json!({"orderId": ID, "value": 1, "items": [null]}),
        json!({"orderId": ID, "value": 1, "items": [{"id": "1", "quantity": 4_294_967_296_u64, "price": 1}]}),
    ] {
        assert_eq!(
            state_from_order(&bad).unwrap_err().code(),
            "ORDER_DATA_INVALID",
            "{bad}"
        );
    }
    let e = state_from_order(&json!({"orderId": ID, "value": 1, "items": [{}, {}]})).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("Get order {ID}: items[0] lacks a SKU id, quantity or price in cents")
    );
}

#[test]
fn reconcile_with_source_brings_the_status_up_to_get_order() {
    let pkg = json!({"type": "Output", "invoiceNumber": "NF-1", "invoiceValue": 2500,
                     "issuanceDate": "2026-01-02T09:00:00-03:00",
                     "items": [{"itemIndex": 0, "quantity": 1, "price": 2500}]});
    let mut order = get_order("invoice", "2026-01-02T10:00:00.0000000Z");
    order["packageAttachment"] = json!({"packages": [pkg]});
    let state = state_from_order(&order).unwrap();
    let req = |source| ReconcileOrderRequest {
        state: state.clone(),
        order: GetOrder::from_value(&order).unwrap(),
        source,
    };
    let without = reconcile_order(&req(None)).unwrap();
    assert_eq!((without.invoices.len(), without.status), (1, None));
    let with = reconcile_order(&req(Some(EventSource::Feed))).unwrap();
    assert_eq!(
        (with.invoices.len(), with.status),
        (1, Some(Status::Invoice))
    );
    assert!(matches!(
        &with.timeline.last().unwrap().cause,
        TimelineCause::Event {
            source: EventSource::Feed,
            last_state: None,
            ..
        }
    ));
    // An unknown status, a missing or unreadable lastChange: the status stays.
    for (status, last) in [
        ("no-such-status", json!("2026-01-02T10:00:00Z")),
        ("invoice", json!(null)),
        ("invoice", json!("")),
        ("invoice", json!("yesterday")),
    ] {
        let mut o = order.clone();
        o["status"] = json!(status);
        o["lastChange"] = last;
        assert_eq!(
            reconcile_with_order(
                &state,
                &GetOrder::from_value(&o).unwrap(),
                EventSource::Hook
            )
            .unwrap()
            .status,
            None
        );
    }
    assert!(GetOrder::from_value(&json!([1])).is_err());
}

#[test]
fn fold_accepted_applies_to_the_checked_state_then_the_events_since() {
    let order = get_order("ready-for-handling", "2026-01-02T10:00:00.000Z");
    let ready = |s: &OrderState| -> OrderState {
        s.apply_event(&parse_feed_item(&json!({"handle": "h", "domain": "Fulfillment", "state": "ready-for-handling",
            "lastState": "window-to-cancel", "orderId": ID, "currentChange": "2026-01-02T10:00:00.000Z"}).to_string()).unwrap())
            .unwrap()
    };
    let checked = ready(&state_from_order(&order).unwrap());
    // While the OMS answered, the hook told Ponte of the cancellation request the call caused.
    let event = parse_feed_item(&json!({"handle": "h", "domain": "Fulfillment", "state": "cancellation-requested",
        "lastState": "ready-for-handling", "orderId": ID, "currentChange": "2026-01-02T10:00:05.000Z"}).to_string()).unwrap();
    let moved = checked.apply_event(&event).unwrap();
    let cancel = Action::Cancel(CancelRequest {
        reason: Some("ERP".into()),
        requested_by_user: Some(false),
    });
    let req = FoldAcceptedRequest {
        current: moved.clone(),
        checked: checked.clone(),
        seen: checked.timeline.len() as u32,
        order: GetOrder::from_value(&order).unwrap(),
        accepted: vec![AcceptedAction {
            action: cancel.clone(),
            at: "2026-01-02T10:00:05.000Z".into(),
        }],
        policy: WorkflowPolicy::default(),
    };
    let folded = fold_accepted(&req).unwrap();
    assert_eq!(
        folded.outcomes[0].expected_status,
        Status::CancellationRequested
    );
    assert_eq!(folded.state.status, Some(Status::CancellationRequested));
    assert_eq!(
        folded.state.cancellation.as_ref().map(|c| c.confirmed),
        Some(false)
    );
    // Applied on top of the event instead, the request reads as its confirmation.
    let at = Timestamp::parse("2026-01-02T10:00:05.000Z").unwrap();
    assert_eq!(
        moved
            .apply_action(&cancel, &WorkflowPolicy::default(), &at)
            .unwrap()
            .1
            .expected_status,
        Status::Cancel
    );
    // An action meanwhile (or a pruned timeline): the record's own state, reconciled, takes them.
    let acted = moved.apply_action(&Action::StartHandling, &WorkflowPolicy::default(), &at);
    assert!(
        acted.is_err(),
        "start-handling is refused once a cancellation is requested"
    );
    let mut req2 = req.clone();
    req2.seen = moved.timeline.len() as u32 + 1;
    let folded = fold_accepted(&req2).unwrap();
    assert_eq!(folded.outcomes[0].expected_status, Status::Cancel);
    // An action the state no longer takes, or a date that is not ISO 8601, is listed with its code.
    let mut req3 = req.clone();
    req3.accepted.push(AcceptedAction {
        action: Action::StartHandling,
        at: "2026-01-02T10:00:06Z".into(),
    });
    req3.accepted.push(AcceptedAction {
        action: cancel,
        at: "soon".into(),
    });
    // The same fold again on the record it wrote (its answer was lost, the write retried):
    // nothing is applied twice, and the outcome is the first one's.
    let written = fold_accepted(&req).unwrap().state;
    let mut again = req.clone();
    again.current = written.clone();
    let refolded = fold_accepted(&again).unwrap();
    assert_eq!(refolded.state, written);
    assert_eq!(
        refolded.outcomes[0].expected_status,
        Status::CancellationRequested
    );
    assert_eq!(written.status, Some(Status::CancellationRequested));
    // A second cancel with its own date is a new action: it confirms.
    let mut confirm = again.clone();
    confirm.checked = written.clone();
    confirm.seen = written.timeline.len() as u32;
    confirm.accepted[0].at = "2026-01-02T10:00:09.000Z".into();
    assert_eq!(
        fold_accepted(&confirm).unwrap().outcomes[0].expected_status,
        Status::Cancel
    );
    let folded = fold_accepted(&req3).unwrap();
    assert_eq!(folded.outcomes.len(), 1);
    assert_eq!(
        folded
            .unfolded
            .iter()
            .map(|u| (u.index, u.code.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "ORDER_NOT_READY_FOR_HANDLING"), (2, "DATE_INVALID")]
    );
}

#[test]
fn statuses_and_order_ids() {
    let all = order_statuses(&StatusesRequest {}).unwrap();
    assert_eq!(all.len(), Status::ALL.len());
    assert!(all.iter().all(|s| s.rank == s.status.rank() && s.rank > 0));
    assert_eq!(
        check_order_id(&CheckOrderIdRequest {
            id: "v70530116pnt-01".into()
        })
        .unwrap()
        .as_str(),
        "v70530116pnt-01"
    );
    for bad in ["", "a/b", &"x".repeat(65), "ação"] {
        assert_eq!(
            check_order_id(&CheckOrderIdRequest { id: bad.into() })
                .unwrap_err()
                .code(),
            "ORDER_ID_INVALID"
        );
    }
}

#[test]
fn accept_answers_before_any_read_and_the_step_takes_the_parsed_event_only() {
    let accept = |source, body: &str, filter: Option<IntakeFilter>| {
        accept_event(&AcceptEventRequest {
            source,
            body: body.into(),
            filter,
        })
    };
    assert_eq!(
        accept(EventSource::Hook, r#"{"hookConfig":"ping"}"#, None).unwrap(),
        AcceptEventResponse::Ping
    );
    assert_eq!(
        accept(EventSource::Hook, r#"{"OrderId": 3}"#, None)
            .unwrap_err()
            .code(),
        "HOOK_PAYLOAD_INVALID"
    );
    assert_eq!(
        accept(EventSource::IoEvent, "[]", None).unwrap_err().code(),
        "IO_EVENT_INVALID"
    );
    let b = bodies("handling", "ready-for-handling", "2024-03-01T11:00:00Z");
    let only_invoiced = IntakeFilter::FromWorkflow {
        status: vec!["invoiced".into()],
    };
    let AcceptEventResponse::Ignored { key, decision, .. } =
        accept(EventSource::Feed, &b.feed, Some(only_invoiced.clone())).unwrap()
    else {
        panic!("filtered out");
    };
    assert_eq!(decision, Decision::FilteredOut);
    assert_eq!(
        key,
        format!("{ID}/Fulfillment/handling/2024-03-01T11:00:00.000000000Z")
    );
    // The three channels of one change: one key, one decision, whichever accepted it.
    let mut memory = IntakeMemory::default();
    for (i, (source, body)) in [
        (EventSource::Hook, &b.hook),
        (EventSource::Feed, &b.feed),
        (EventSource::IoEvent, &b.io),
    ]
    .into_iter()
    .enumerate()
    {
        let AcceptEventResponse::Accepted {
            order_id,
            key: k,
            event,
        } = accept(source, body, None).unwrap()
        else {
            panic!("accepted");
        };
        assert_eq!((order_id.as_str(), k.as_str()), (ID, key.as_str()));
        let back: OrderEvent =
            serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
        assert_eq!(back, *event, "the event survives the boundary");
        let request = EventStepRequest {
            event: back,
            memory: memory.clone(),
            handoff_status: Status::ReadyForHandling,
            fold: None,
        };
        let decided = event_step(&request).unwrap();
        if i == 0 {
            assert_eq!(
                decided,
                EventStepResponse::Read {
                    read: ReadNext::Order
                }
            );
            memory = remember(&memory, &event);
        } else {
            assert_eq!(
                decided,
                EventStepResponse::Ignored {
                    decision: Decision::Duplicate
                }
            );
        }
    }
    // A typed event that is not one (bad order id, bad date) is refused by the boundary's decoder.
    for bad in [
        json!({"event": {"orderId": "a/b", "domain": "Fulfillment", "state": "handling",
                         "currentChange": "2024-03-01T11:00:00Z", "source": "hook"}, "memory": {}}),
        json!({"event": {"orderId": ID, "domain": "Fulfillment", "state": "handling",
                         "currentChange": "yesterday", "source": "hook"}, "memory": {}}),
    ] {
        let out = crate::ops::call("orderEventStep", &bad.to_string());
        assert_eq!(out.map_err(|e| e.code), Err("INPUT_INVALID"), "{bad}");
    }
}
