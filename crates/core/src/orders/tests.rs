#![allow(clippy::unwrap_used)]

use super::*;
use proptest::prelude::*;

// ---------- fixtures ----------

/// Invoice or change lines: (SKU id, quantity, unit price in cents).
type Lines<'a> = &'a [(&'a str, u32, i64)];

fn c(v: i64) -> Cents {
    Cents::new(v).unwrap()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn now() -> Timestamp {
    ts("2024-02-01T12:00:00Z")
}

/// Total 10000: line 0 = SKU "1" × 2 at 2500, line 1 = SKU "2" × 1 at 5000.
fn order(status: Option<Status>, flow: Flow) -> OrderState {
    let mut o = OrderState::new(
        OrderId::new("v100str-01").unwrap(),
        flow,
        c(10_000),
        vec![
            OrderItem {
                index: 0,
                id: "1".into(),
                quantity: 2,
                price: c(2500),
            },
            OrderItem {
                index: 1,
                id: "2".into(),
                quantity: 1,
                price: c(5000),
            },
        ],
    )
    .unwrap();
    o.status = status;
    match status {
        Some(Status::Invoice) => o.invoices.push(record("NF-1", 5000, 1, "2", 1, 5000)),
        Some(Status::Invoiced) => {
            o.invoices.push(record("NF-1", 5000, 1, "2", 1, 5000));
            o.invoices.push(record("NF-2", 5000, 0, "1", 2, 2500));
        }
        _ => {}
    }
    o.validate().unwrap();
    o
}

fn record(number: &str, value: i64, index: u32, id: &str, qty: u32, price: i64) -> InvoiceRecord {
    InvoiceRecord {
        invoice_type: InvoiceType::Output,
        invoice_number: number.into(),
        value: c(value),
        issuance_date: ts("2024-01-31T18:25:43-05:00"),
        items: vec![InvoicedItem {
            index,
            id: id.into(),
            quantity: qty,
            price: c(price),
        }],
        tracking: Some(Tracking {
            tracking_number: "TRK-1".into(),
            ..Tracking::default()
        }),
    }
}

fn invoice(kind: InvoiceType, number: &str, value: &str, items: &[(&str, u32, i64)]) -> Action {
    Action::Invoice(InvoiceRequest {
        invoice_type: kind,
        issuance_date: "2024-01-31T18:25:43-05:00".into(),
        invoice_number: number.into(),
        invoice_value: value.into(),
        invoice_key: None,
        invoice_url: None,
        embedded_invoice: None,
        courier: Some(String::new()),
        tracking_number: Some(String::new()),
        tracking_url: Some(String::new()),
        dispatched_date: None,
        items: items
            .iter()
            .map(|&(id, quantity, price)| InvoiceItem {
                id: id.into(),
                price: c(price),
                quantity,
                item_index: None,
                description: None,
            })
            .collect(),
    })
}

fn output(number: &str, value: &str, items: &[(&str, u32, i64)]) -> Action {
    invoice(InvoiceType::Output, number, value, items)
}

fn input(number: &str, value: &str, items: &[(&str, u32, i64)]) -> Action {
    invoice(InvoiceType::Input, number, value, items)
}

fn cancel() -> Action {
    Action::Cancel(CancelRequest::default())
}

fn tracking(number: &str, tracking_number: &str) -> Action {
    Action::UpdateTracking(TrackingUpdate {
        invoice_number: number.into(),
        tracking_number: tracking_number.into(),
        tracking_url: Some("https://carrier.example/t/123".into()),
        dispatched_date: Some("2024-02-01T10:00:00Z".into()),
        courier: Some("Carrier".into()),
    })
}

fn tracking_events(number: &str, delivered: bool) -> Action {
    Action::TrackingEvents(TrackingEvents {
        invoice_number: number.into(),
        is_delivered: delivered,
        delivered_date: delivered.then(|| "2024-02-03 10:30".into()),
        events: vec![TrackingEvent {
            city: "Rio de Janeiro".into(),
            state: "RJ".into(),
            description: "Coletado pela transportadora".into(),
            date: "2015-06-23".into(),
        }],
    })
}

fn change(request_id: &str, removed: &[(&str, u32, i64)], discount: i64) -> Action {
    Action::ChangeOrder(ChangeOrder {
        request_id: request_id.into(),
        reason: "customer asked".into(),
        discount_value: c(discount),
        increment_value: Cents::ZERO,
        items_removed: removed
            .iter()
            .map(|&(id, quantity, price)| ChangeItem {
                id: id.into(),
                price: c(price),
                quantity,
            })
            .collect(),
        items_added: vec![],
    })
}

/// `Ok(status)` rendered as the status name, `Err` as the code.
fn outcome(state: &OrderState, action: &Action, policy: &WorkflowPolicy) -> String {
    match plan_action(state, action, policy) {
        Ok(o) => o.expected_status.as_str().to_owned(),
        Err(e) => e.code().to_owned(),
    }
}

// ---------- §A.10: the validity table, every status × every action ----------

const COLUMNS: [&str; 7] = [
    "start-handling",
    "cancel",
    "invoice (Output)",
    "invoice (Input)",
    "tracking PATCH",
    "tracking PUT",
    "change order",
];

fn table_actions() -> [Action; 7] {
    [
        Action::StartHandling,
        cancel(),
        output("NF-9", "2500", &[("1", 1, 2500)]),
        input("RET-1", "1000", &[("2", 1, 1000)]),
        tracking("NF-1", "TRK-9"),
        tracking_events("NF-1", false),
        change("chg-1", &[("1", 1, 2500)], 0),
    ]
}

const NRH: &str = "ORDER_NOT_READY_FOR_HANDLING";
const HAS: &str = "ORDER_HANDLING_ALREADY_STARTED";
const NRI: &str = "ORDER_NOT_READY_FOR_INVOICE";
const NI: &str = "ORDER_NOT_INVOICED";
const TNA: &str = "ORDER_TRACKING_NOT_ALLOWED";
const CNA: &str = "ORDER_CHANGE_NOT_ALLOWED";
const INF: &str = "INVOICE_NOT_FOUND";
const AI: &str = "ORDER_ALREADY_INVOICED";
const PI: &str = "ORDER_PARTIALLY_INVOICED";
const OC: &str = "ORDER_CANCELED";
const OR: &str = "ORDER_REPLACED";
const INC: &str = "ORDER_INCOMPLETE";
const TI: &str = "ORDER_TRANSITION_INVALID";

const BEFORE: [&str; 7] = [NRH, "cancel", NRI, NI, TNA, TNA, CNA];
const CANCEL_PENDING: [&str; 7] = [NRH, "cancel", "invoice", NI, TNA, TNA, CNA];
const AFTER_DENY: [&str; 7] = [HAS, "cancellation-requested", "invoice", NI, INF, INF, CNA];

/// The whole of §A.10 (complete flow, default policy). Handling-stage tracking is "after
/// invoice": without one it is `INVOICE_NOT_FOUND`.
fn validity_table() -> Vec<(Option<&'static str>, [&'static str; 7])> {
    vec![
        (None, [INC; 7]),
        (Some("order-created"), BEFORE),
        (Some("order-create-error"), BEFORE),
        (Some("order-creation-error"), BEFORE),
        (Some("on-order-completed"), BEFORE),
        (Some("on-order-completed-ffm"), BEFORE),
        (Some("order-accepted"), BEFORE),
        (Some("waiting-for-authorization"), BEFORE),
        (Some("waiting-for-order-authorization"), BEFORE),
        (Some("payment-pending"), BEFORE),
        (Some("approve-payment"), BEFORE),
        (Some("payment-approved"), BEFORE),
        (Some("window-to-change-payment"), BEFORE),
        (Some("window-to-change-seller"), BEFORE),
        (Some("waiting-ffmt-authorization"), BEFORE),
        (Some("waiting-for-manual-authorization"), BEFORE),
        (Some("waiting-for-mkt-authorization"), BEFORE),
        (Some("waiting-seller-handling"), BEFORE),
        (Some("authorize-fulfillment"), BEFORE),
        (Some("release-to-fulfillment"), BEFORE),
        (Some("window-to-cancel"), BEFORE),
        (
            Some("ready-for-handling"),
            [
                "start-handling",
                "cancellation-requested",
                NRI,
                NI,
                TNA,
                TNA,
                CNA,
            ],
        ),
        (
            Some("start-handling"),
            [HAS, "cancellation-requested", NRI, NI, TNA, TNA, CNA],
        ),
        (
            Some("handling"),
            [
                HAS,
                "cancellation-requested",
                "invoice",
                NI,
                INF,
                INF,
                "handling",
            ],
        ),
        (
            Some("waiting-for-fulfillment"),
            [
                HAS,
                "cancellation-requested",
                "invoice",
                NI,
                INF,
                INF,
                "waiting-for-fulfillment",
            ],
        ),
        (
            Some("ready-for-invoicing"),
            [
                HAS,
                "cancellation-requested",
                "invoice",
                NI,
                INF,
                INF,
                "ready-for-invoicing",
            ],
        ),
        (Some("invoice-after-cancellation-deny"), AFTER_DENY),
        (Some("cancellation-request-denied-ffm"), AFTER_DENY),
        (Some("cancellation-requested"), CANCEL_PENDING),
        (Some("request-cancel"), CANCEL_PENDING),
        (Some("waiting-for-seller-decision"), CANCEL_PENDING),
        (
            Some("invoice"),
            [
                HAS, PI, "invoice", "invoice", "invoice", "invoice", "invoice",
            ],
        ),
        (
            Some("invoiced"),
            [AI, AI, AI, "invoiced", "invoiced", "invoiced", AI],
        ),
        (Some("cancel"), [OC; 7]),
        (Some("canceled"), [OC; 7]),
        (Some("replaced"), [OR; 7]),
    ]
}

#[track_caller]
fn check_row(state: &OrderState, policy: &WorkflowPolicy, expected: &[&str; 7]) {
    for ((action, want), column) in table_actions().iter().zip(expected).zip(COLUMNS) {
        let got = outcome(state, action, policy);
        assert_eq!(
            got,
            *want,
            "status {} × {column}",
            state.status.map_or("null", Status::as_str)
        );
    }
}

#[test]
fn validity_table_covers_every_status_and_action() {
    let table = validity_table();
    assert_eq!(
        table.len(),
        Status::ALL.len() + 1,
        "one row per status + null"
    );
    for s in Status::ALL {
        assert!(
            table.iter().any(|(name, _)| *name == Some(s.as_str())),
            "no row for {s}"
        );
    }
    let policy = WorkflowPolicy::default();
    for (name, expected) in &table {
        let status = name.map(|n| Status::from_name(n).unwrap());
        check_row(&order(status, Flow::Complete), &policy, expected);
    }
}

#[test]
fn transition_agrees_with_the_validity_table() {
    // The action events of the transition table give the same answer as check_action
    // (for payload-independent cells).
    let events = [
        (0, WorkflowEvent::StartHandling),
        (1, WorkflowEvent::Cancel),
        (
            2,
            WorkflowEvent::InvoiceOutput {
                fully_invoiced: false,
            },
        ),
        (3, WorkflowEvent::InvoiceInput),
    ];
    for (name, expected) in validity_table() {
        let status = name.map(|n| Status::from_name(n).unwrap());
        for (column, event) in &events {
            let want = expected[*column];
            let got = match transition(status, event) {
                Ok(s) => s.as_str().to_owned(),
                Err(e) => e.code().to_owned(),
            };
            // Cancel on `invoice` is refused for its invoice in check_action, and by status
            // in the transition; both say partially invoiced.
            assert_eq!(got, want, "{name:?} × {event:?}");
        }
    }
}

#[test]
fn policy_switches_change_the_table() {
    let handling = order(Some(Status::Handling), Flow::Complete);
    let rfh = order(Some(Status::ReadyForHandling), Flow::Complete);
    let partial = order(Some(Status::Invoice), Flow::Complete);
    let one_step = WorkflowPolicy {
        two_step_cancel: false,
        ..WorkflowPolicy::default()
    };
    assert_eq!(outcome(&handling, &cancel(), &one_step), "cancel");
    assert_eq!(outcome(&rfh, &cancel(), &one_step), "cancel");

    let early = WorkflowPolicy {
        invoice_in_ready_for_handling: true,
        ..WorkflowPolicy::default()
    };
    let out = output("NF-9", "2500", &[("1", 1, 2500)]);
    assert_eq!(outcome(&rfh, &out, &early), "invoice");
    assert_eq!(outcome(&rfh, &out, &WorkflowPolicy::default()), NRI);

    let strict_returns = WorkflowPolicy {
        return_requires_fully_invoiced: true,
        ..WorkflowPolicy::default()
    };
    let ret = input("RET-1", "1000", &[("2", 1, 1000)]);
    assert_eq!(
        outcome(&partial, &ret, &strict_returns),
        "RETURN_BEFORE_FULLY_INVOICED"
    );

    let no_change = WorkflowPolicy {
        change_after_partial_invoice: false,
        ..WorkflowPolicy::default()
    };
    let chg = change("c", &[("1", 1, 2500)], 0);
    assert_eq!(
        outcome(&partial, &chg, &no_change),
        "ORDER_CHANGE_AFTER_INVOICE"
    );

    // Flows and the naming of a pending cancellation (§H.3).
    let policy = WorkflowPolicy::default();
    let mkt = order(Some(Status::Handling), Flow::Marketplace);
    assert_eq!(outcome(&mkt, &cancel(), &policy), "request-cancel");
    let seller = order(Some(Status::Handling), Flow::Seller);
    assert_eq!(
        outcome(&seller, &cancel(), &policy),
        "cancellation-requested"
    );
    let swapped = WorkflowPolicy {
        cancellation_naming: CancellationNaming::Swapped,
        ..WorkflowPolicy::default()
    };
    assert_eq!(outcome(&seller, &cancel(), &swapped), "request-cancel");
    assert_eq!(outcome(&mkt, &cancel(), &swapped), "cancellation-requested");
    let chain = order(Some(Status::Handling), Flow::Chain);
    assert_eq!(outcome(&chain, &chg, &policy), "ORDER_CHANGE_CHAIN_ORDER");
}

#[test]
fn handling_with_an_invoice_allows_tracking_and_refuses_cancel() {
    // The platform has not yet moved the order to `invoice`, but Ponte knows of an invoice.
    let mut o = order(Some(Status::Handling), Flow::Complete);
    o.invoices.push(record("NF-1", 5000, 1, "2", 1, 5000));
    let p = WorkflowPolicy::default();
    assert_eq!(outcome(&o, &cancel(), &p), PI);
    assert_eq!(outcome(&o, &tracking("NF-1", "TRK-2"), &p), "handling");
    assert_eq!(outcome(&o, &tracking("NF-404", "TRK-2"), &p), INF);
}

// ---------- §A.4: transitions ----------

#[track_caller]
fn walk(workflow: &Workflow, from: Option<Status>, events: &[WorkflowEvent]) -> Vec<Status> {
    let mut status = from;
    let mut seen = Vec::new();
    for e in events {
        let next = workflow
            .transition(status, e)
            .unwrap_or_else(|err| panic!("{e:?} from {status:?}: {err}"));
        seen.push(next);
        status = Some(next);
    }
    seen
}

#[test]
fn complete_flow_happy_path() {
    use WorkflowEvent as E;
    let statuses = walk(
        &Workflow::default(),
        None,
        &[
            E::Created,
            E::DataCompleted,
            E::PaymentRequested,
            E::PaymentApproved,
            E::FulfillmentAuthorized,
            E::GracePeriodStarted,
            E::GracePeriodElapsed,
            E::StartHandling,
            E::HandlingConfirmed,
            E::InvoiceOutput {
                fully_invoiced: false,
            },
            E::InvoiceOutput {
                fully_invoiced: true,
            },
            E::InvoiceInput,
            E::Tracking,
        ],
    );
    let names: Vec<_> = statuses.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "order-created",
            "on-order-completed",
            "payment-pending",
            "payment-approved",
            "authorize-fulfillment",
            "window-to-cancel",
            "ready-for-handling",
            "start-handling",
            "handling",
            "invoice",
            "invoiced",
            "invoiced",
            "invoiced",
        ]
    );
}

#[test]
fn seller_flow_and_cancellations() {
    use WorkflowEvent as E;
    let seller = Workflow {
        flow: Flow::Seller,
        policy: WorkflowPolicy::default(),
    };
    let statuses = walk(
        &seller,
        None,
        &[
            E::Created,
            E::FulfillmentAuthorizationRequested,
            E::FulfillmentAuthorized,
            E::GracePeriodStarted,
            E::GracePeriodElapsed,
            E::StartHandling,
            E::HandlingConfirmed,
            E::Cancel,
            E::CancellationDenied {
                resume_to: Status::Handling,
            },
            E::CustomerCancellationRequested,
            E::Cancel,
            E::CancellationCompleted,
        ],
    );
    let names: Vec<_> = statuses.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "order-accepted",
            "waiting-ffmt-authorization",
            "authorize-fulfillment",
            "window-to-cancel",
            "ready-for-handling",
            "start-handling",
            "handling",
            "cancellation-requested",
            "handling",
            "cancellation-requested",
            "cancel",
            "canceled",
        ]
    );
    // Customer cancellation inside the window is immediate; payment denial cancels.
    let complete = Workflow::default();
    assert_eq!(
        complete
            .transition(
                Some(Status::WindowToCancel),
                &E::CustomerCancellationRequested
            )
            .unwrap(),
        Status::Cancel
    );
    assert_eq!(
        complete
            .transition(Some(Status::PaymentPending), &E::PaymentDenied)
            .unwrap(),
        Status::Cancel
    );
    // Marketplace denial returns to payment-approved; 30 days without decision cancels.
    let mkt = Workflow {
        flow: Flow::Marketplace,
        policy: WorkflowPolicy::default(),
    };
    assert_eq!(
        mkt.transition(
            Some(Status::WaitingForSellerDecision),
            &E::CancellationDenied {
                resume_to: Status::Handling
            }
        )
        .unwrap(),
        Status::PaymentApproved
    );
    assert_eq!(
        complete
            .transition(
                Some(Status::CancellationRequested),
                &E::CancellationTimedOut
            )
            .unwrap(),
        Status::Cancel
    );
}

#[test]
fn impossible_transitions_are_refused() {
    use WorkflowEvent as E;
    let w = Workflow::default();
    let cases: &[(Option<Status>, WorkflowEvent, &str)] = &[
        (None, E::PaymentApproved, TI),
        (Some(Status::Handling), E::GracePeriodElapsed, TI),
        (Some(Status::Canceled), E::Replaced, TI),
        (Some(Status::Invoiced), E::Replaced, TI),
        (Some(Status::Canceled), E::CancellationCompleted, TI),
        (
            Some(Status::Handling),
            E::CancellationDenied {
                resume_to: Status::Handling,
            },
            TI,
        ),
        (
            Some(Status::CancellationRequested),
            E::CancellationDenied {
                resume_to: Status::Invoiced,
            },
            TI,
        ),
        (Some(Status::OrderCreated), E::DataCompleted, "ok"),
        (Some(Status::Handling), E::StartHandling, HAS),
        (Some(Status::Canceled), E::Cancel, OC),
        (None, E::Cancel, INC),
        (Some(Status::Invoice), E::Cancel, PI),
        (Some(Status::Invoiced), E::Cancel, AI),
    ];
    for (from, event, want) in cases {
        let got = match w.transition(*from, event) {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.code().to_owned(),
        };
        assert_eq!(got, *want, "{from:?} × {event:?}");
    }
    // Seller-only and non-seller-only steps.
    let seller = Workflow {
        flow: Flow::Seller,
        ..Workflow::default()
    };
    assert!(
        seller
            .transition(Some(Status::OnOrderCompleted), &E::PaymentRequested)
            .is_err()
    );
    assert!(
        w.transition(
            Some(Status::OrderAccepted),
            &E::FulfillmentAuthorizationRequested
        )
        .is_err()
    );
    // Replaced from any non-terminal status.
    assert_eq!(
        w.transition(Some(Status::Handling), &E::Replaced).unwrap(),
        Status::Replaced
    );
}

// ---------- §A.7: invoices ----------

#[test]
fn partial_invoices_sum_exactly_to_the_total() {
    let p = WorkflowPolicy::default();
    let o = order(Some(Status::Handling), Flow::Complete);
    let (o, a) = o
        .apply_action(&output("NF-1", "2500", &[("1", 1, 2500)]), &p, &now())
        .unwrap();
    assert_eq!(
        (a.expected_status, a.remaining_to_invoice),
        (Status::Invoice, c(7500))
    );
    let (o, b) = o
        .apply_action(&output("NF-2", "5000", &[("2", 1, 5000)]), &p, &now())
        .unwrap();
    assert_eq!(
        (b.expected_status, b.remaining_to_invoice),
        (Status::Invoice, c(2500))
    );
    // One cent over what remains is refused, with what remains in the error.
    let err = o
        .apply_action(&output("NF-3", "2501", &[("1", 1, 2500)]), &p, &now())
        .unwrap_err();
    assert_eq!(
        err,
        OrderError::InvoiceExceedsRemaining {
            value: c(2501),
            remaining: c(2500)
        }
    );
    let (o, last) = o
        .apply_action(&output("NF-3", "2500", &[("1", 1, 2500)]), &p, &now())
        .unwrap();
    assert_eq!(
        (last.expected_status, last.remaining_to_invoice),
        (Status::Invoiced, Cents::ZERO)
    );
    assert_eq!(o.invoiced_total(InvoiceType::Output).unwrap(), o.total);
    assert_eq!(o.status, Some(Status::Invoiced));
    assert_eq!(o.invoices.len(), 3);
    o.validate().unwrap();
    // Nothing more can be invoiced.
    assert_eq!(
        outcome(&o, &output("NF-4", "1", &[("1", 1, 1)]), &p),
        "ORDER_ALREADY_INVOICED"
    );
}

#[test]
fn over_invoicing_is_refused() {
    let p = WorkflowPolicy::default();
    let o = order(Some(Status::Handling), Flow::Complete);
    let cases: &[(&str, Lines, &str)] = &[
        (
            "10001",
            &[("1", 2, 2500), ("2", 1, 5000)],
            "INVOICE_EXCEEDS_REMAINING",
        ),
        ("10000", &[("1", 3, 2500)], "INVOICE_ITEM_EXCEEDS_REMAINING"),
        (
            "10000",
            &[("1", 2, 2500), ("1", 1, 2500)],
            "INVOICE_ITEM_EXCEEDS_REMAINING",
        ),
        ("10000", &[("9", 1, 2500)], "INVOICE_ITEM_UNKNOWN"),
        ("10000", &[], "INVOICE_ITEMS_MISSING"),
        ("10000", &[("1", 0, 2500)], "ITEM_QUANTITY_INVALID"),
        ("10000", &[("1", 1, -1)], "ITEM_PRICE_INVALID"),
        ("10000", &[("", 1, 1)], "ITEM_ID_INVALID"),
        ("10000", &[("1", 2, 2500), ("2", 1, 5000)], "invoiced"),
    ];
    for (value, items, want) in cases {
        assert_eq!(
            outcome(&o, &output("NF-1", value, items), &p),
            *want,
            "{value} {items:?}"
        );
    }
    // After invoicing both units of SKU 1, a third is over.
    let (o, _) = o
        .apply_action(&output("NF-1", "5000", &[("1", 2, 2500)]), &p, &now())
        .unwrap();
    assert_eq!(
        plan_action(&o, &output("NF-2", "2500", &[("1", 1, 2500)]), &p).unwrap_err(),
        OrderError::InvoiceItemExceedsRemaining {
            id: "1".into(),
            quantity: 1,
            remaining: 0
        }
    );
}

#[test]
fn invoice_value_is_a_string_of_cents() {
    let p = WorkflowPolicy::default();
    let o = order(Some(Status::Handling), Flow::Complete);
    for bad in [
        "24.99",
        "24,99",
        "-1",
        "0",
        "",
        "1e3",
        " 1",
        "+1",
        "0x10",
        "9007199254740992",
        "99999999999999999",
    ] {
        assert_eq!(
            outcome(&o, &output("NF-1", bad, &[("1", 1, 2500)]), &p),
            "INVOICE_VALUE_INVALID",
            "{bad:?}"
        );
    }
    assert_eq!(
        Cents::parse_wire("9007199254740991").unwrap().get(),
        MAX_CENTS
    );
    assert_eq!(Cents::parse_wire("0002499").unwrap(), c(2499));
    assert_eq!(c(2499).to_wire(), "2499");
}

#[test]
fn cents_arithmetic_is_checked_and_js_exact() {
    assert!(Cents::new(MAX_CENTS).is_ok());
    assert!(Cents::new(-MAX_CENTS).is_ok());
    assert_eq!(
        Cents::new(MAX_CENTS + 1).unwrap_err().code(),
        "AMOUNT_OUT_OF_RANGE"
    );
    assert!(c(MAX_CENTS).checked_add(c(1)).is_err());
    assert!(c(-MAX_CENTS).checked_sub(c(1)).is_err());
    assert!(c(MAX_CENTS / 2).checked_mul(3).is_err());
    assert_eq!(c(2500).checked_mul(3).unwrap(), c(7500));
    assert!(serde_json::from_str::<Cents>("9007199254740992").is_err());
    assert!(serde_json::from_str::<Cents>("2.5").is_err());
    assert_eq!(serde_json::to_string(&c(-5)).unwrap(), "-5");
}

#[test]
fn return_invoices_stay_within_what_was_invoiced() {
    let p = WorkflowPolicy::default();
    let o = order(Some(Status::Invoiced), Flow::Complete); // NF-1: SKU 2 × 1; NF-2: SKU 1 × 2
    let cases: &[(&str, &str, Lines, &str)] = &[
        (
            "RET-1",
            "10001",
            &[("2", 1, 5000)],
            "RETURN_EXCEEDS_INVOICED",
        ),
        (
            "RET-1",
            "5000",
            &[("2", 2, 2500)],
            "RETURN_ITEM_EXCEEDS_INVOICED",
        ),
        (
            "NF-1",
            "5000",
            &[("2", 1, 5000)],
            "RETURN_INVOICE_NUMBER_REUSED",
        ),
        ("RET-1", "5000", &[("9", 1, 5000)], "INVOICE_ITEM_UNKNOWN"),
        ("RET-1", "5000", &[("2", 1, 5000)], "invoiced"),
    ];
    for (number, value, items, want) in cases {
        assert_eq!(
            outcome(&o, &input(number, value, items), &p),
            *want,
            "{number} {value}"
        );
    }
    let (o, _) = o
        .apply_action(&input("RET-1", "5000", &[("2", 1, 5000)]), &p, &now())
        .unwrap();
    let (o, _) = o
        .apply_action(&input("RET-2", "2500", &[("1", 1, 2500)]), &p, &now())
        .unwrap();
    // 7500 returned of 10000: 2500 left to return, and SKU 2 is fully returned.
    assert_eq!(
        plan_action(&o, &input("RET-3", "2501", &[("1", 1, 2500)]), &p).unwrap_err(),
        OrderError::ReturnExceedsInvoiced {
            value: c(2501),
            returnable: c(2500)
        }
    );
    assert_eq!(
        outcome(&o, &input("RET-3", "100", &[("2", 1, 100)]), &p),
        "RETURN_ITEM_EXCEEDS_INVOICED"
    );
    assert_eq!(
        outcome(&o, &input("RET-3", "2500", &[("1", 1, 2500)]), &p),
        "invoiced"
    );
    o.validate().unwrap();
    // A return needs an Output invoice to return.
    let handling = order(Some(Status::Handling), Flow::Complete);
    assert_eq!(
        outcome(&handling, &input("RET-1", "1", &[("1", 1, 1)]), &p),
        NI
    );
}

#[test]
fn reposting_an_invoice_number() {
    let p = WorkflowPolicy::default();
    let o = order(Some(Status::Handling), Flow::Complete);
    let full = output("NF-1", "10000", &[("1", 2, 2500), ("2", 1, 5000)]);
    let (o, first) = o.apply_action(&full, &p, &now()).unwrap();
    assert!(!first.repeat);
    // The same invoice again (a retry): accepted, nothing counted twice, even though the order
    // is now invoiced. Items in another order are the same invoice.
    let same_reordered = output("NF-1", "10000", &[("2", 1, 5000), ("1", 2, 2500)]);
    let (again, second) = o.apply_action(&same_reordered, &p, &now()).unwrap();
    assert!(second.repeat);
    assert_eq!(second.expected_status, Status::Invoiced);
    assert_eq!(again.invoices, o.invoices);
    // Different content under the same number: VTEX would keep the first; refused.
    let different = output("NF-1", "9999", &[("1", 2, 2500), ("2", 1, 5000)]);
    assert_eq!(outcome(&o, &different, &p), "INVOICE_NUMBER_CONFLICT");
    let forbid = WorkflowPolicy {
        invoice_number_reuse: InvoiceNumberReuse::Forbid,
        ..WorkflowPolicy::default()
    };
    assert_eq!(
        outcome(&o, &same_reordered, &forbid),
        "INVOICE_NUMBER_DUPLICATE"
    );
}

#[test]
fn invoice_numbers_that_break_routes_are_refused() {
    let p = WorkflowPolicy::default();
    let cases: &[(&str, &str)] = &[
        ("NF-123", "ok"),
        ("DFG-v7731485plzv-01", "ok"),
        ("000123", "ok"),
        ("NF_1.2", "ok"),
        ("", "INVOICE_NUMBER_EMPTY"),
        ("NF/123", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF?123", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF#123", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF%20123", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF 123", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        (" NF123", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF123\n", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF\t1", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF\\123", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF&1", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF:1", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF*1", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF<1>", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF;1", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF+1", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF\"1", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NFº1", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF\u{a0}1", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        (".", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("..", "INVOICE_NUMBER_ROUTE_UNSAFE"),
        ("NF1.", "INVOICE_NUMBER_ROUTE_UNSAFE"),
    ];
    for (number, want) in cases {
        let got = check_invoice_number(number, &p).map_or_else(|e| e.code(), |()| "ok");
        assert_eq!(got, *want, "{number:?}");
    }
    let long = "N".repeat(51);
    assert_eq!(
        check_invoice_number(&long, &p).unwrap_err(),
        OrderError::InvoiceNumberTooLong { len: 51, max: 50 }
    );
    assert!(check_invoice_number(&"N".repeat(50), &p).is_ok());
    // The same rule guards the invoice action and the tracking routes.
    let o = order(Some(Status::Invoiced), Flow::Complete);
    assert_eq!(
        outcome(&o, &tracking("NF/1", "TRK"), &p),
        "INVOICE_NUMBER_ROUTE_UNSAFE"
    );
    let h = order(Some(Status::Handling), Flow::Complete);
    assert_eq!(
        outcome(&h, &output("NF#1", "100", &[("1", 1, 100)]), &p),
        "INVOICE_NUMBER_ROUTE_UNSAFE"
    );
}

#[test]
fn issuance_and_other_dates() {
    let p = WorkflowPolicy::default();
    let o = order(Some(Status::Handling), Flow::Complete);
    for (date, want) in [
        ("2024-01-31T18:25:43-05:00", "invoice"),
        ("2024-01-31T18:25:43Z", "invoice"),
        ("2024-01-31T18:25:43.7153839Z", "invoice"),
        ("2024-01-31T18:25", "invoice"),
        ("2024-02-29T00:00:00Z", "invoice"),
        ("2024-01-31", "INVOICE_ISSUANCE_DATE_INVALID"),
        ("2023-02-29T00:00:00Z", "INVOICE_ISSUANCE_DATE_INVALID"),
        ("2024-13-01T00:00:00Z", "INVOICE_ISSUANCE_DATE_INVALID"),
        ("2024-01-31T24:00:00Z", "INVOICE_ISSUANCE_DATE_INVALID"),
        ("2024-01-31T18:25:43+25:00", "INVOICE_ISSUANCE_DATE_INVALID"),
        ("31/01/2024 18:25", "INVOICE_ISSUANCE_DATE_INVALID"),
        ("yesterday", "INVOICE_ISSUANCE_DATE_INVALID"),
        ("", "INVOICE_ISSUANCE_DATE_INVALID"),
    ] {
        let mut action = output("NF-1", "2500", &[("1", 1, 2500)]);
        if let Action::Invoice(req) = &mut action {
            req.issuance_date = date.into();
        }
        assert_eq!(outcome(&o, &action, &p), want, "{date:?}");
    }
    assert_eq!(
        Timestamp::parse("2019-08-12T17:54:23.7153839-03:00")
            .unwrap()
            .as_str(),
        "2019-08-12T20:54:23.715383900Z"
    );
    assert_eq!(
        Timestamp::parse("2024-01-01T01:00:00+02:00")
            .unwrap()
            .as_str(),
        "2023-12-31T23:00:00.000000000Z"
    );
    assert_eq!(
        Timestamp::parse_lenient("2015-06-23").unwrap().as_str(),
        "2015-06-23T00:00:00.000000000Z"
    );
    assert_eq!(
        Timestamp::parse_lenient("2015-06-23 10:30")
            .unwrap()
            .as_str(),
        "2015-06-23T10:30:00.000000000Z"
    );
    assert!(Timestamp::parse("2015-06-23 10:30").is_none());
    assert!(Timestamp::parse("0001-01-01T00:00:00+01:00").is_none());
    let t = ts("2024-02-01T12:00:00Z");
    assert_eq!(Timestamp::from_unix_seconds(t.unix_seconds()).unwrap(), t);
    assert_eq!(ts("1970-01-01T00:00:00Z").unix_seconds(), 0);
}

// ---------- §A.8: tracking ----------

#[test]
fn tracking_rules() {
    let p = WorkflowPolicy::default();
    let mut o = order(Some(Status::Invoiced), Flow::Complete);
    o.invoices[1].tracking = None; // NF-2 has no tracking number yet
    assert_eq!(
        outcome(&o, &tracking("NF-2", ""), &p),
        "TRACKING_NUMBER_INVALID"
    );
    assert_eq!(
        outcome(&o, &tracking("NF-2", " TRK"), &p),
        "TRACKING_NUMBER_INVALID"
    );
    assert_eq!(
        outcome(&o, &tracking("NF-2", &"9".repeat(101)), &p),
        "TRACKING_NUMBER_INVALID"
    );
    assert_eq!(outcome(&o, &tracking("NF-404", "TRK"), &p), INF);
    for (url, want) in [
        ("https://carrier.example/t?c=1", "invoiced"),
        ("http://carrier.example", "invoiced"),
        ("carrier.example/t", "URL_INVALID"),
        ("ftp://carrier.example", "URL_INVALID"),
        ("https://", "URL_INVALID"),
        ("https://carrier.example/a b", "URL_INVALID"),
        ("javascript:alert(1)", "URL_INVALID"),
    ] {
        let mut action = tracking("NF-2", "TRK");
        if let Action::UpdateTracking(t) = &mut action {
            t.tracking_url = Some(url.into());
        }
        assert_eq!(outcome(&o, &action, &p), want, "{url}");
    }
    // Events need a tracking number first (policy), and valid dates.
    assert_eq!(
        outcome(&o, &tracking_events("NF-2", true), &p),
        "TRACKING_NUMBER_MISSING"
    );
    let lax = WorkflowPolicy {
        tracking_events_require_tracking_number: false,
        ..WorkflowPolicy::default()
    };
    assert_eq!(
        outcome(&o, &tracking_events("NF-2", true), &lax),
        "invoiced"
    );
    let (o, _) = o
        .apply_action(&tracking("NF-2", "TRK-2"), &p, &now())
        .unwrap();
    let (o, _) = o
        .apply_action(&tracking_events("NF-2", true), &p, &now())
        .unwrap();
    let t = o.invoice("NF-2").unwrap().tracking.clone().unwrap();
    assert_eq!(t.tracking_number, "TRK-2");
    assert!(t.delivered);
    assert_eq!(t.delivered_date, Some(ts("2024-02-03T10:30:00Z")));
    assert_eq!(t.events, 1);
    let mut bad = tracking_events("NF-2", true);
    if let Action::TrackingEvents(e) = &mut bad {
        e.events[0].date = "23/06/2015".into();
    }
    assert_eq!(outcome(&o, &bad, &p), "DATE_INVALID");
}

// ---------- §A.5: cancellation ----------

#[test]
fn two_step_cancellation() {
    let p = WorkflowPolicy::default();
    let o = order(Some(Status::Handling), Flow::Seller);
    let ask = Action::Cancel(CancelRequest {
        reason: Some("out of stock".into()),
        requested_by_user: Some(false),
    });
    let (o, first) = o.apply_action(&ask, &p, &now()).unwrap();
    assert_eq!(first.cancel_step, Some(CancelStep::Requested));
    assert_eq!(o.status, Some(Status::CancellationRequested));
    let pending = o.cancellation.clone().unwrap();
    assert_eq!(pending.requested_in, Some(Status::Handling));
    assert!(!pending.confirmed);
    // An invoice instead continues the order...
    assert_eq!(
        outcome(&o, &output("NF-1", "2500", &[("1", 1, 2500)]), &p),
        "invoice"
    );
    // ...a second cancel confirms.
    let (o, second) = o.apply_action(&cancel(), &p, &now()).unwrap();
    assert_eq!(second.cancel_step, Some(CancelStep::Confirmed));
    assert_eq!(o.status, Some(Status::Cancel));
    let done = o.cancellation.clone().unwrap();
    assert!(done.confirmed);
    assert_eq!(done.reason.as_deref(), Some("out of stock"));
    assert_eq!(outcome(&o, &cancel(), &p), OC);
    // Before handling it is one step.
    let early = order(Some(Status::WindowToCancel), Flow::Seller);
    assert_eq!(
        plan_action(&early, &cancel(), &p).unwrap().cancel_step,
        Some(CancelStep::Immediate)
    );
}

#[test]
fn cancellation_reason_rules() {
    let p = WorkflowPolicy::default();
    let o = order(Some(Status::PaymentApproved), Flow::Complete);
    let with = |r: Option<&str>| {
        Action::Cancel(CancelRequest {
            reason: r.map(str::to_owned),
            requested_by_user: None,
        })
    };
    assert_eq!(outcome(&o, &with(None), &p), "cancel");
    assert_eq!(outcome(&o, &with(Some("  ")), &p), "CANCEL_REASON_INVALID");
    assert_eq!(
        outcome(&o, &with(Some(&"x".repeat(501))), &p),
        "CANCEL_REASON_INVALID"
    );
    assert_eq!(
        outcome(&o, &with(Some("bad\u{0}byte")), &p),
        "CANCEL_REASON_INVALID"
    );
    assert_eq!(outcome(&o, &with(Some("line\nbreak")), &p), "cancel");
    let strict = WorkflowPolicy {
        require_cancel_reason: true,
        ..WorkflowPolicy::default()
    };
    assert_eq!(outcome(&o, &with(None), &strict), "CANCEL_REASON_MISSING");
    assert_eq!(outcome(&o, &with(Some("fraud")), &strict), "cancel");
}

// ---------- §A.9: changes ----------

#[test]
fn change_order_rules() {
    let p = WorkflowPolicy::default();
    let o = order(Some(Status::Handling), Flow::Complete);
    let mut empty_reason = change("c1", &[("1", 1, 2500)], 0);
    if let Action::ChangeOrder(ch) = &mut empty_reason {
        ch.reason = " ".into();
    }
    let cases: Vec<(Action, &str)> = vec![
        (empty_reason, "CHANGE_REASON_MISSING"),
        (
            change("", &[("1", 1, 2500)], 0),
            "CHANGE_REQUEST_ID_MISSING",
        ),
        (change("c1", &[], 0), "CHANGE_EMPTY"),
        (change("c1", &[], -1), "CHANGE_VALUE_NEGATIVE"),
        (change("c1", &[("9", 1, 2500)], 0), "CHANGE_ITEM_UNKNOWN"),
        (
            change("c1", &[("1", 3, 2500)], 0),
            "CHANGE_REMOVE_EXCEEDS_QUANTITY",
        ),
        (change("c1", &[], 10_001), "CHANGE_EXCEEDS_ORDER_VALUE"),
        (change("c1", &[("1", 0, 2500)], 0), "ITEM_QUANTITY_INVALID"),
        (change("c1", &[("1", 1, 2500)], 0), "handling"),
    ];
    for (action, want) in &cases {
        assert_eq!(outcome(&o, action, &p), *want, "{action:?}");
    }
    let (o2, out) = o
        .apply_action(&change("c1", &[("1", 1, 2500)], 500), &p, &now())
        .unwrap();
    assert_eq!(o2.total, c(7000));
    assert_eq!(o2.items[0].quantity, 1);
    assert_eq!(out.remaining_to_invoice, c(7000));
    // Only the first request per id takes effect.
    let (o3, again) = o2
        .apply_action(&change("c1", &[("1", 1, 2500)], 500), &p, &now())
        .unwrap();
    assert!(again.repeat);
    assert_eq!(o3.total, c(7000));
    assert_eq!(o3.changes.len(), 1);
    // The limit.
    let one = WorkflowPolicy {
        max_changes: 1,
        ..WorkflowPolicy::default()
    };
    assert_eq!(
        outcome(&o2, &change("c2", &[], 1), &one),
        "ORDER_CHANGE_LIMIT_EXCEEDED"
    );
    // Adding items creates a line; the total follows.
    let add = Action::ChangeOrder(ChangeOrder {
        request_id: "c3".into(),
        reason: "extra".into(),
        discount_value: Cents::ZERO,
        increment_value: c(100),
        items_removed: vec![],
        items_added: vec![ChangeItem {
            id: "3".into(),
            price: c(1000),
            quantity: 2,
        }],
    });
    let (o4, _) = o.apply_action(&add, &p, &now()).unwrap();
    assert_eq!(o4.total, c(12_100));
    assert_eq!(o4.items.last().unwrap().index, 2);
    o4.validate().unwrap();
    // A change can't bring the total under what is invoiced, nor remove invoiced units.
    let partial = order(Some(Status::Invoice), Flow::Complete); // 5000 invoiced (SKU 2)
    assert_eq!(
        outcome(&partial, &change("c1", &[("2", 1, 5000)], 0), &p),
        "CHANGE_REMOVE_EXCEEDS_QUANTITY"
    );
    assert_eq!(
        outcome(&partial, &change("c1", &[], 5001), &p),
        "CHANGE_BELOW_INVOICED"
    );
    assert_eq!(outcome(&partial, &change("c1", &[], 5000), &p), "invoice");
}

// ---------- §B: intake ----------

fn feed_json(handle: &str, state: &str, last_state: &str, at: &str) -> String {
    format!(
        r#"{{"eventId":"ED423DDED4C1AE580CADAC1A4D02DA3F","handle":"{handle}","domain":"Fulfillment",
            "state":"{state}","lastState":"{last_state}","orderId":"953712004126-01",
            "lastChange":"2019-08-12T20:54:01.134057Z","currentChange":"{at}"}}"#
    )
}

fn hook_json(state: &str, at: &str) -> String {
    format!(
        r#"{{"Domain":"Fulfillment","OrderId":"953712004126-01","State":"{state}",
            "LastState":"window-to-cancel","LastChange":"2019-08-12T20:54:01.134057Z",
            "CurrentChange":"{at}","Origin":{{"Account":"automacaoqa","Key":"vtexappkey-appvtex"}}}}"#
    )
}

fn io_json(state: &str, at: &str) -> String {
    format!(
        r#"{{"recorder":{{"_record":{{}}}},"domain":"Fulfillment","orderId":"953712004126-01",
            "currentState":"{state}","lastState":"window-to-cancel",
            "currentChangeDate":"{at}","lastChangeDate":"2019-08-12T20:54:01.134057Z"}}"#
    )
}

/// The event of a Feed item made by [`feed_json`].
fn feed_event(handle: &str, state: &str, last_state: &str, at: &str) -> OrderEvent {
    parse_feed_item(&feed_json(handle, state, last_state, at)).unwrap()
}

fn hook_event(body: &str) -> OrderEvent {
    match parse_hook(body).unwrap() {
        HookInput::Event { event } => *event,
        HookInput::Ping => panic!("ping"),
    }
}

#[test]
fn the_three_shapes_parse_to_the_same_event() {
    let at = "2019-08-12T20:54:23.7153839Z";
    let feed = parse_feed_item(&feed_json(
        "JWT-1",
        "ready-for-handling",
        "window-to-cancel",
        at,
    ))
    .unwrap();
    let hook = hook_event(&hook_json("ready-for-handling", at));
    let io = parse_io_event(&io_json(
        "ready-for-handling",
        "2019-08-12T17:54:23.7153839-03:00",
    ))
    .unwrap();
    assert_eq!(feed.source, EventSource::Feed);
    assert_eq!(feed.handle.as_deref(), Some("JWT-1"));
    assert_eq!(
        feed.event_id.as_deref(),
        Some("ED423DDED4C1AE580CADAC1A4D02DA3F")
    );
    assert_eq!(hook.origin.as_ref().unwrap().key, "vtexappkey-appvtex");
    assert_eq!(io.source, EventSource::IoEvent);
    for e in [&feed, &hook, &io] {
        assert_eq!(e.status(), Some(Status::ReadyForHandling));
        assert_eq!(e.domain, Domain::Fulfillment);
        assert_eq!(e.last_state.as_deref(), Some("window-to-cancel"));
        assert_eq!(
            e.key(),
            "953712004126-01/Fulfillment/ready-for-handling/2019-08-12T20:54:23.715383900Z"
        );
    }
    // The same change through the feed and then the hook is one event.
    let memory = remember(&IntakeMemory::default(), &feed);
    assert_eq!(decide(&hook, &memory, None), Decision::Duplicate);
    assert_eq!(decide(&io, &memory, None), Decision::Duplicate);
}

#[test]
fn ping_is_recognised() {
    assert_eq!(
        parse_hook(r#"{"hookConfig":"ping"}"#).unwrap(),
        HookInput::Ping
    );
    assert_eq!(
        parse_hook(" {\"hookConfig\" : \"ping\"}\n").unwrap(),
        HookInput::Ping
    );
    assert_eq!(
        parse_hook(r#"{"hookConfig":"pong"}"#).unwrap_err().code(),
        "HOOK_PAYLOAD_INVALID"
    );
    // The ping is a hook thing: as a feed item it is malformed.
    assert_eq!(
        parse_feed_item(r#"{"hookConfig":"ping"}"#)
            .unwrap_err()
            .code(),
        "FEED_ITEM_INVALID"
    );
    let req = ops::DecideEventRequest {
        source: EventSource::Hook,
        body: r#"{"hookConfig":"ping"}"#.into(),
        memory: IntakeMemory::default(),
        filter: None,
    };
    assert_eq!(
        ops::decide_event(&req).unwrap(),
        ops::DecideEventResponse::Ping
    );
}

#[test]
fn malformed_payloads_are_typed_errors() {
    let at = "2024-01-01T10:00:00Z";
    let hook_cases: Vec<(String, &str)> = vec![
        (String::new(), "HOOK_PAYLOAD_INVALID"),
        ("{".into(), "HOOK_PAYLOAD_INVALID"),
        ("[]".into(), "HOOK_PAYLOAD_INVALID"),
        ("null".into(), "HOOK_PAYLOAD_INVALID"),
        ("{}".into(), "HOOK_PAYLOAD_INVALID"),
        (
            hook_json("handling", at).replace("\"OrderId\"", "\"Order\""),
            "HOOK_PAYLOAD_INVALID",
        ),
        (hook_json("handling", "yesterday"), "HOOK_PAYLOAD_INVALID"),
        (
            hook_json("handling", "2024-02-30T00:00:00Z"),
            "HOOK_PAYLOAD_INVALID",
        ),
        (hook_json("hand ling", at), "HOOK_PAYLOAD_INVALID"),
        (hook_json("", at), "HOOK_PAYLOAD_INVALID"),
        (
            hook_json("handling", at).replace("Fulfillment", "Elsewhere"),
            "HOOK_PAYLOAD_INVALID",
        ),
        (
            hook_json("handling", at).replace("953712004126-01", "../etc"),
            "HOOK_PAYLOAD_INVALID",
        ),
        (
            r#"{"OrderId":1,"State":"handling"}"#.into(),
            "HOOK_PAYLOAD_INVALID",
        ),
        (
            format!(r#"{{"pad":"{}"}}"#, "x".repeat(MAX_PAYLOAD)),
            "PAYLOAD_TOO_LARGE",
        ),
        (hook_json("handling", at), "ok"),
        // camelCase keys are taken too.
        (
            format!(
                r#"{{"domain":"Marketplace","orderId":"v1-01","state":"invoiced","currentChange":"{at}"}}"#
            ),
            "ok",
        ),
    ];
    for (body, want) in &hook_cases {
        let got = parse_hook(body).map_or_else(|e| e.code(), |_| "ok");
        assert_eq!(got, *want, "{}", &body[..body.len().min(120)]);
    }
    let feed_cases: Vec<(String, &str)> = vec![
        ("{".into(), "FEED_ITEM_INVALID"),
        (feed_json("", "handling", "x", at), "FEED_ITEM_INVALID"),
        (feed_json("h", "handling", "x", ""), "FEED_ITEM_INVALID"),
        (
            feed_json("h", "handling", "bad state", at),
            "FEED_ITEM_INVALID",
        ),
        (feed_json("h", "handling", "", at), "ok"),
        (feed_json("h", "some-future-status", "handling", at), "ok"),
    ];
    for (body, want) in &feed_cases {
        let got = parse_feed_item(body).map_or_else(|e| e.code(), |_| "ok");
        assert_eq!(got, *want, "{body}");
    }
    let io_cases: Vec<(String, &str)> = vec![
        ("{}".into(), "IO_EVENT_INVALID"),
        (io_json("handling", "not a date"), "IO_EVENT_INVALID"),
        (io_json("handling", at), "ok"),
    ];
    for (body, want) in &io_cases {
        let got = parse_io_event(body).map_or_else(|e| e.code(), |_| "ok");
        assert_eq!(got, *want, "{body}");
    }
    let msg = parse_io_event("{}").unwrap_err().to_string();
    assert!(msg.contains("orderId is missing"), "{msg}");
}

#[test]
fn redelivery_with_a_new_handle_is_a_duplicate() {
    let at = "2019-08-12T20:54:23.7153839Z";
    let first = feed_event("JWT-aaa", "handling", "start-handling", at);
    let again = feed_event("JWT-bbb", "handling", "start-handling", at);
    assert_ne!(first.handle, again.handle);
    assert_eq!(first.key(), again.key());
    let memory = IntakeMemory::default();
    assert_eq!(decide(&first, &memory, None), Decision::New);
    let memory = remember(&memory, &first);
    assert_eq!(decide(&again, &memory, None), Decision::Duplicate);
    // Even with the key set pruned away, the same position is still a duplicate.
    let no_keys = IntakeMemory {
        seen_keys: Default::default(),
        ..memory.clone()
    };
    assert_eq!(decide(&again, &no_keys, None), Decision::Duplicate);
}

#[test]
fn an_older_event_after_a_newer_one_is_stale() {
    let newer = feed_event("h1", "handling", "start-handling", "2024-01-01T10:00:05Z");
    let older = feed_event(
        "h2",
        "ready-for-handling",
        "window-to-cancel",
        "2024-01-01T10:00:00Z",
    );
    let memory = remember(&IntakeMemory::default(), &newer);
    assert_eq!(decide(&older, &memory, None), Decision::Stale);
    // Against that memory, events of the same order at 10:00:05 or later.
    let cases = [
        // Same date, earlier in the workflow: stale too; later in the workflow: new.
        (
            "h3",
            "start-handling",
            "ready-for-handling",
            "10:00:05",
            Decision::Stale,
        ),
        ("h4", "invoice", "handling", "10:00:05", Decision::New),
        // A newer event that goes "back" in the workflow (a denied cancellation) is new.
        (
            "h5",
            "ready-for-handling",
            "cancellation-requested",
            "11:00:00",
            Decision::New,
        ),
    ];
    for (handle, state, last_state, time, want) in cases {
        let e = feed_event(handle, state, last_state, &format!("2024-01-01T{time}Z"));
        assert_eq!(decide(&e, &memory, None), want, "{handle}");
    }
    // Another order, or the other domain of the same order, is independent.
    let mut other_domain = older.clone();
    other_domain.domain = Domain::Marketplace;
    assert_eq!(decide(&other_domain, &memory, None), Decision::New);
    // Remembering an older event does not move the newest.
    let memory2 = remember(&memory, &older);
    assert_eq!(memory2.last_seen, memory.last_seen);
    assert_eq!(decide(&older, &memory2, None), Decision::Duplicate);
}

#[test]
fn from_workflow_filter() {
    let filter: IntakeFilter = serde_json::from_str(
        r#"{"type":"FromWorkflow","status":["ready-for-handling","cancel","order-completed","cancelation-request"]}"#,
    )
    .unwrap();
    let at = "2024-01-01T10:00:00Z";
    let rfh = hook_event(&hook_json("ready-for-handling", at));
    let handling = hook_event(&hook_json("handling", at));
    let memory = IntakeMemory::default();
    assert_eq!(decide(&rfh, &memory, Some(&filter)), Decision::New);
    assert_eq!(
        decide(&handling, &memory, Some(&filter)),
        Decision::FilteredOut
    );
    assert_eq!(decide(&handling, &memory, None), Decision::New);
    assert_eq!(
        filter.unknown_statuses(),
        ["order-completed", "cancelation-request"]
    );
    let orders: IntakeFilter = serde_json::from_str(
        r#"{"type":"FromOrders","expression":"status = \"payment-pending\"","disableSingleFire":false}"#,
    )
    .unwrap();
    assert_eq!(decide(&handling, &memory, Some(&orders)), Decision::New);
    for name in FROM_WORKFLOW_STATUSES {
        assert!(Status::from_name(name).is_some(), "{name}");
    }
}

#[test]
fn prune_drops_what_can_no_longer_arrive() {
    let old = hook_event(&hook_json("handling", "2024-01-01T10:00:00Z"));
    let mut other = hook_event(&hook_json("invoiced", "2024-03-01T10:00:00Z"));
    other.order_id = OrderId::new("v2-01").unwrap();
    let memory = remember(&remember(&IntakeMemory::default(), &old), &other);
    let pruned = prune(&memory, &ts("2024-02-01T00:00:00Z"));
    assert_eq!(pruned.seen_keys.len(), 1);
    assert_eq!(pruned.last_seen.len(), 1);
    assert_eq!(decide(&other, &pruned, None), Decision::Duplicate);
}

// ---------- state folds ----------

fn event(state: &str, last: &str, at: &str) -> OrderEvent {
    let mut e = hook_event(&hook_json(state, at));
    e.order_id = OrderId::new("v100str-01").unwrap();
    e.last_state = Some(last.into());
    e
}

#[test]
fn apply_event_keeps_the_newest_whatever_the_order() {
    let o = order(None, Flow::Complete);
    let a = event(
        "window-to-cancel",
        "authorize-fulfillment",
        "2024-01-01T10:00:00Z",
    );
    let b = event(
        "ready-for-handling",
        "window-to-cancel",
        "2024-01-01T10:30:00Z",
    );
    let forward = o.apply_event(&a).unwrap().apply_event(&b).unwrap();
    let backward = o.apply_event(&b).unwrap().apply_event(&a).unwrap();
    assert_eq!(forward.status, Some(Status::ReadyForHandling));
    assert_eq!(backward.status, Some(Status::ReadyForHandling));
    // Both timelines list the two changes in date order; only the order of arrival differs
    // (the late one is recorded as not applied).
    let shape = |s: &OrderState| -> Vec<(Timestamp, bool)> {
        s.timeline
            .iter()
            .map(|e| match &e.cause {
                TimelineCause::Event { applied, .. } => (e.at.clone(), *applied),
                TimelineCause::Action { .. } => panic!("no actions here"),
            })
            .collect()
    };
    let (ta, tb) = (a.current_change.clone(), b.current_change.clone());
    assert_eq!(shape(&forward), [(ta.clone(), true), (tb.clone(), true)]);
    assert_eq!(shape(&backward), [(ta, false), (tb, true)]);
    // Applying an event twice changes nothing.
    assert_eq!(forward.apply_event(&b).unwrap(), forward);
    // Unknown names are recorded, the status stays.
    let odd = forward
        .apply_event(&event(
            "new-vtex-status",
            "ready-for-handling",
            "2024-01-01T11:00:00Z",
        ))
        .unwrap();
    assert_eq!(odd.status, Some(Status::ReadyForHandling));
    assert_eq!(odd.timeline.len(), 3);
    // Another order's event is refused.
    let mut foreign = a.clone();
    foreign.order_id = OrderId::new("v999-01").unwrap();
    assert_eq!(
        o.apply_event(&foreign).unwrap_err().code(),
        "ORDER_ID_MISMATCH"
    );
}

#[test]
fn an_accepted_action_is_not_rolled_back_by_a_late_event() {
    let p = WorkflowPolicy::default();
    let o = order(None, Flow::Complete)
        .apply_event(&event(
            "window-to-cancel",
            "authorize-fulfillment",
            "2024-01-01T10:00:00Z",
        ))
        .unwrap();
    // Ponte learnt ready-for-handling by Get order and started handling before the event came.
    let mut o = o;
    o.status = Some(Status::ReadyForHandling);
    let (o, _) = o.apply_action(&Action::StartHandling, &p, &now()).unwrap();
    assert_eq!(o.status_source, StatusSource::Action);
    let late = o
        .apply_event(&event(
            "ready-for-handling",
            "window-to-cancel",
            "2024-01-01T10:30:00Z",
        ))
        .unwrap();
    assert_eq!(
        late.status,
        Some(Status::StartHandling),
        "no second start-handling"
    );
    assert_eq!(outcome(&late, &Action::StartHandling, &p), HAS);
    // The platform's own follow-up applies.
    let handling = late
        .apply_event(&event("handling", "start-handling", "2024-01-01T10:31:00Z"))
        .unwrap();
    assert_eq!(handling.status, Some(Status::Handling));
    assert_eq!(handling.status_source, StatusSource::Platform);
    // A cancellation requested by Ponte, then denied by the platform (lastState matches).
    let (pending, _) = handling.apply_action(&cancel(), &p, &now()).unwrap();
    let denied = pending
        .apply_event(&event(
            "handling",
            "cancellation-requested",
            "2024-02-02T00:00:00Z",
        ))
        .unwrap();
    assert_eq!(denied.status, Some(Status::Handling));
}

#[test]
fn state_validation_refuses_inconsistent_snapshots() {
    let mut o = order(Some(Status::Invoice), Flow::Complete);
    o.invoices.push(record("NF-1", 100, 0, "1", 1, 100));
    assert_eq!(o.validate().unwrap_err().code(), "ORDER_STATE_INVALID");
    let mut o = order(Some(Status::Handling), Flow::Complete);
    o.invoices.push(record("NF-1", 20_000, 0, "1", 1, 100));
    assert_eq!(o.validate().unwrap_err().code(), "ORDER_STATE_INVALID");
    let json = serde_json::to_string(&order(Some(Status::Handling), Flow::Complete)).unwrap();
    let bad = json.replace("v100str-01", "v100/str");
    assert!(serde_json::from_str::<OrderState>(&bad).is_err());
}

// ---------- serde and codes ----------

#[test]
fn statuses_serialise_as_vtex_strings() {
    assert_eq!(Status::ALL.len(), 35);
    for s in Status::ALL {
        let json = serde_json::to_string(s).unwrap();
        assert_eq!(json, format!("\"{}\"", s.as_str()));
        assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), *s);
        assert_eq!(Status::from_name(s.as_str()), Some(*s));
    }
    for (s, name) in [
        (Status::ReadyForHandling, "ready-for-handling"),
        (
            Status::WaitingForSellerDecision,
            "waiting-for-seller-decision",
        ),
        (Status::CancellationRequested, "cancellation-requested"),
        (Status::OnOrderCompletedFfm, "on-order-completed-ffm"),
        (
            Status::WaitingFfmtAuthorization,
            "waiting-ffmt-authorization",
        ),
        (Status::Invoiced, "invoiced"),
    ] {
        assert_eq!(s.as_str(), name);
    }
    assert!(serde_json::from_str::<Status>("\"Ready-For-Handling\"").is_err());
    assert_eq!(
        serde_json::from_str::<Option<Status>>("null").unwrap(),
        None
    );
}

#[test]
fn boundary_shapes() {
    let action: Action = serde_json::from_str(
        r#"{"action":"invoice","type":"Output","issuanceDate":"2024-01-31T18:25:43-05:00",
            "invoiceNumber":"NF-123","invoiceValue":"2499","invoiceKey":null,"invoiceUrl":null,
            "embeddedInvoice":null,"courier":"","trackingNumber":"","trackingUrl":"",
            "dispatchedDate":null,"items":[{"id":"1","price":2499,"quantity":1,"description":""}]}"#,
    )
    .unwrap();
    assert_eq!(action.kind(), ActionKind::InvoiceOutput);
    let start: Action = serde_json::from_str(r#"{"action":"startHandling"}"#).unwrap();
    assert_eq!(start, Action::StartHandling);
    let req: ops::CheckActionRequest = serde_json::from_value(serde_json::json!({
        "state": order(Some(Status::Handling), Flow::Complete),
        "action": action,
    }))
    .unwrap();
    let out = ops::check_action(&req).unwrap();
    assert_eq!(out.expected_status, Status::Invoice);
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["expectedStatus"], "invoice");
    assert_eq!(json["remainingToInvoice"], 7501);
    let applied = ops::apply_action(&ops::ApplyActionRequest {
        state: req.state.clone(),
        action: req.action.clone(),
        policy: WorkflowPolicy::default(),
        now: now(),
    })
    .unwrap();
    assert_eq!(applied.state.invoices.len(), 1);
    let t = ops::transition(
        &serde_json::from_str(r#"{"from":"ready-for-handling","event":{"type":"startHandling"}}"#)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(t, Status::StartHandling);
    let decided = ops::decide_event(&ops::DecideEventRequest {
        source: EventSource::Feed,
        body: feed_json("h", "handling", "start-handling", "2024-01-01T10:00:00Z"),
        memory: IntakeMemory::default(),
        filter: None,
    })
    .unwrap();
    let ops::DecideEventResponse::Event {
        event,
        decision,
        key,
    } = decided
    else {
        panic!("not an event");
    };
    assert_eq!(decision, Decision::New);
    assert_eq!(key, event.key());
    let memory = ops::remember_event(&ops::RememberEventRequest {
        memory: IntakeMemory::default(),
        event: (*event).clone(),
    })
    .unwrap();
    let memory_json = serde_json::to_string(&memory).unwrap();
    assert_eq!(
        serde_json::from_str::<IntakeMemory>(&memory_json).unwrap(),
        memory
    );
    // A state from outside is validated.
    let mut broken = order(Some(Status::Handling), Flow::Complete);
    broken.items.push(broken.items[0].clone());
    let err = ops::check_action(&ops::CheckActionRequest {
        state: broken,
        action: Action::StartHandling,
        policy: WorkflowPolicy::default(),
    })
    .unwrap_err();
    assert_eq!(err.code(), "ORDER_STATE_INVALID");
}

#[test]
fn codes_are_unique_and_listed() {
    let mut codes = OrderError::CODES.to_vec();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), OrderError::CODES.len(), "duplicate code");
    for code in OrderError::CODES {
        assert!(
            code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
            "{code}"
        );
    }
    let samples = [
        OrderError::OrderIncomplete {
            action: ActionKind::Cancel,
        },
        OrderError::OrderCanceled {
            status: Status::Canceled,
            action: ActionKind::Cancel,
        },
        OrderError::OrderReplaced {
            action: ActionKind::Cancel,
        },
        OrderError::NotReadyForHandling {
            status: Status::Handling,
        },
        OrderError::HandlingAlreadyStarted {
            status: Status::Handling,
        },
        OrderError::AlreadyInvoiced {
            action: ActionKind::Cancel,
        },
        OrderError::PartiallyInvoiced,
        OrderError::NotReadyForInvoice {
            status: Status::Handling,
        },
        OrderError::NotInvoiced {
            status: Status::Handling,
        },
        OrderError::ReturnBeforeFullyInvoiced,
        OrderError::TrackingNotAllowed {
            status: Status::Handling,
        },
        OrderError::ChangeNotAllowed {
            status: Status::Handling,
        },
        OrderError::ChangeOnChainOrder,
        OrderError::ChangeAfterInvoice,
        OrderError::ChangeLimitExceeded { max: 1 },
        OrderError::InvalidTransition {
            from: "a".into(),
            event: "b".into(),
        },
        OrderError::InvoiceValueInvalid { value: "x".into() },
        OrderError::InvoiceExceedsRemaining {
            value: c(1),
            remaining: c(0),
        },
        OrderError::InvoiceNumberEmpty,
        OrderError::InvoiceNumberTooLong { len: 1, max: 0 },
        OrderError::InvoiceNumberRouteUnsafe {
            number: "/".into(),
            ch: '/',
        },
        OrderError::InvoiceNumberDuplicate { number: "x".into() },
        OrderError::InvoiceNumberConflict { number: "x".into() },
        OrderError::ReturnNumberReused { number: "x".into() },
        OrderError::IssuanceDateInvalid { value: "x".into() },
        OrderError::InvoiceItemsMissing,
        OrderError::InvoiceItemUnknown { id: "x".into() },
        OrderError::InvoiceItemExceedsRemaining {
            id: "x".into(),
            quantity: 1,
            remaining: 0,
        },
        OrderError::ReturnExceedsInvoiced {
            value: c(1),
            returnable: c(0),
        },
        OrderError::ReturnItemExceedsInvoiced {
            id: "x".into(),
            quantity: 1,
            invoiced: 0,
        },
        OrderError::ItemQuantityInvalid { id: "x".into() },
        OrderError::ItemPriceInvalid { id: "x".into() },
        OrderError::ItemIdInvalid { id: "x".into() },
        OrderError::InvoiceNotFound { number: "x".into() },
        OrderError::TrackingNumberInvalid {
            value: "x".into(),
            max: 1,
        },
        OrderError::TrackingNumberMissing { number: "x".into() },
        OrderError::UrlInvalid {
            field: "f",
            value: "x".into(),
        },
        OrderError::CancelReasonMissing,
        OrderError::CancelReasonInvalid { max: 1 },
        OrderError::ChangeRequestIdMissing,
        OrderError::ChangeReasonMissing,
        OrderError::ChangeValueNegative,
        OrderError::ChangeEmpty,
        OrderError::ChangeItemUnknown { id: "x".into() },
        OrderError::ChangeRemoveExceedsQuantity {
            id: "x".into(),
            quantity: 1,
            removable: 0,
        },
        OrderError::ChangeExceedsOrderValue,
        OrderError::ChangeBelowInvoiced {
            total: c(0),
            invoiced: c(1),
        },
        OrderError::DateInvalid {
            field: "f",
            value: "x".into(),
        },
        OrderError::TextInvalid { field: "f", max: 1 },
        OrderError::AmountOutOfRange,
        OrderError::OrderIdInvalid { id: "x".into() },
        OrderError::OrderIdMismatch {
            expected: "a".into(),
            got: "b".into(),
        },
        OrderError::OrderStateInvalid { reason: "x".into() },
        OrderError::OrderDataInvalid {
            order_id: "o".into(),
            reason: "x".into(),
        },
        OrderError::HookPayloadInvalid { reason: "x".into() },
        OrderError::FeedItemInvalid { reason: "x".into() },
        OrderError::IoEventInvalid { reason: "x".into() },
        OrderError::PayloadTooLarge { len: 2, max: 1 },
        OrderError::ClaimInputInvalid { reason: "x".into() },
    ];
    assert_eq!(samples.len(), OrderError::CODES.len());
    let sample_codes: Vec<_> = samples.iter().map(OrderError::code).collect();
    for code in OrderError::CODES {
        assert!(sample_codes.contains(&code), "{code} has no variant");
    }
    for e in &samples {
        assert!(!e.to_string().is_empty());
    }
}

#[cfg(feature = "ts")]
#[test]
fn typescript_declarations_render() {
    use ts_rs::{Config, TS};
    let cfg = Config::default();
    for decl in [
        Status::decl(&cfg),
        Cents::decl(&cfg),
        Timestamp::decl(&cfg),
        OrderState::decl(&cfg),
        Action::decl(&cfg),
        ActionOutcome::decl(&cfg),
        OrderEvent::decl(&cfg),
        IntakeMemory::decl(&cfg),
        ops::CheckActionRequest::decl(&cfg),
        ops::DecideEventResponse::decl(&cfg),
        ops::TransitionRequest::decl(&cfg),
    ] {
        assert!(decl.starts_with("type "), "{decl}");
    }
    assert!(Cents::decl(&cfg).contains("number"));
    assert!(Status::decl(&cfg).contains("\"ready-for-handling\""));
}

// ---------- property: intake over random deliveries ----------

/// The complete-flow happy path; each order's events are a prefix of it.
const PATH: [Status; 13] = [
    Status::OrderCreated,
    Status::OnOrderCompleted,
    Status::PaymentPending,
    Status::ApprovePayment,
    Status::PaymentApproved,
    Status::AuthorizeFulfillment,
    Status::WindowToCancel,
    Status::ReadyForHandling,
    Status::StartHandling,
    Status::Handling,
    Status::Invoice,
    Status::Invoiced,
    Status::Invoiced, // never reached: lengths stop at 12
];

fn delivery(order: usize, step: usize, source: u8, handle: u32) -> String {
    let id = format!("v{order}-01");
    let status = PATH[step].as_str();
    let last = if step == 0 {
        ""
    } else {
        PATH[step - 1].as_str()
    };
    // Steps 10 s apart; some share a second with sub-second digits written differently.
    let secs = 10 * step;
    let at = format!("2024-01-01T10:{:02}:{:02}.5Z", secs / 60, secs % 60);
    let at_offset = format!("2024-01-01T07:{:02}:{:02}.500-03:00", secs / 60, secs % 60);
    match source % 3 {
        0 => format!(
            r#"{{"handle":"JWT-{handle}","eventId":"E{order}-{step}","domain":"Fulfillment","state":"{status}","lastState":"{last}","orderId":"{id}","lastChange":"{at}","currentChange":"{at}"}}"#
        ),
        1 => format!(
            r#"{{"Domain":"Fulfillment","OrderId":"{id}","State":"{status}","LastState":"{last}","CurrentChange":"{at_offset}"}}"#
        ),
        _ => format!(
            r#"{{"domain":"Fulfillment","orderId":"{id}","currentState":"{status}","lastState":"{last}","currentChangeDate":"{at}"}}"#
        ),
    }
}

fn parse_delivery(source: u8, body: &str) -> OrderEvent {
    match source % 3 {
        0 => parse_feed_item(body).unwrap(),
        1 => hook_event(body),
        _ => parse_io_event(body).unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn intake_decides_each_change_once_and_tracks_the_newest(
        lens in proptest::collection::vec(1usize..=12, 1..4),
        extra in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u32>()), 0..60),
        firsts in proptest::collection::vec((any::<u8>(), any::<u32>()), 40),
        order_keys in proptest::collection::vec(any::<u64>(), 100),
        restart_at in proptest::option::of(0usize..100),
    ) {
        // Every event once (from a random channel), plus random redeliveries; then shuffled.
        let events: Vec<(usize, usize)> = lens
            .iter()
            .enumerate()
            .flat_map(|(o, &len)| (0..len).map(move |s| (o, s)))
            .collect();
        let mut deliveries: Vec<(usize, usize, u8, u32)> = events
            .iter()
            .enumerate()
            .map(|(i, &(o, s))| (o, s, firsts[i % firsts.len()].0, firsts[i % firsts.len()].1))
            .collect();
        for (pick, source, handle) in &extra {
            let (o, s) = events[pick % events.len()];
            deliveries.push((o, s, *source, *handle));
        }
        let mut keyed: Vec<(u64, (usize, usize, u8, u32))> = deliveries
            .into_iter()
            .enumerate()
            .map(|(i, d)| (order_keys[i % order_keys.len()].wrapping_add(i as u64), d))
            .collect();
        keyed.sort_by_key(|(k, _)| *k);

        let mut memory = IntakeMemory::default();
        let mut states: Vec<OrderState> = lens
            .iter()
            .enumerate()
            .map(|(o, _)| OrderState::new(OrderId::new(&format!("v{o}-01")).unwrap(), Flow::Complete, c(100), vec![]).unwrap())
            .collect();
        let mut all_states = states.clone();
        let mut new_count: std::collections::BTreeMap<(usize, usize), u32> = Default::default();
        let mut last_new: std::collections::BTreeMap<usize, usize> = Default::default();
        for (i, (_, (o, s, source, handle))) in keyed.iter().enumerate() {
            // A restart loses nothing: the memory is a value that round-trips through JSON.
            if restart_at == Some(i) {
                memory = serde_json::from_str(&serde_json::to_string(&memory).unwrap()).unwrap();
            }
            let event = parse_delivery(*source, &delivery(*o, *s, *source, *handle));
            let decision = decide(&event, &memory, None);
            if decision == Decision::New {
                // Acted-on changes of an order only ever move forward.
                let last = last_new.insert(*o, *s);
                prop_assert!(last.is_none_or(|l| l < *s), "order {} step {} New after step {:?}", o, s, last);
                *new_count.entry((*o, *s)).or_default() += 1;
                states[*o] = states[*o].apply_event(&event).unwrap();
            }
            all_states[*o] = all_states[*o].apply_event(&event).unwrap();
            memory = remember(&memory, &event);
        }
        for (&(o, s), &n) in &new_count {
            prop_assert!(n <= 1, "order {} step {} decided New {} times", o, s, n);
        }
        for (o, &len) in lens.iter().enumerate() {
            // The newest change of each order is always acted on, exactly once.
            prop_assert_eq!(new_count.get(&(o, len - 1)).copied(), Some(1));
            let newest = PATH[len - 1];
            prop_assert_eq!(states[o].status, Some(newest));
            prop_assert_eq!(all_states[o].status, Some(newest));
            let instance = format!("v{o}-01/Fulfillment");
            prop_assert_eq!(memory.last_seen.get(&instance).map(|p| p.state.as_str()), Some(newest.as_str()));
            // Each distinct change appears once in the timeline, in date order.
            let timeline = &all_states[o].timeline;
            prop_assert_eq!(timeline.len(), len);
            prop_assert!(timeline.windows(2).all(|w| w[0].at <= w[1].at));
        }
    }

    #[test]
    fn parsers_never_panic(body in ".{0,300}") {
        let _ = parse_hook(&body);
        let _ = parse_feed_item(&body);
        let _ = parse_io_event(&body);
        let _ = Timestamp::parse(&body);
        let _ = Timestamp::parse_lenient(&body);
        let _ = Cents::parse_wire(&body);
    }

    #[test]
    fn json_shaped_events_never_panic(
        fields in proptest::collection::btree_map(
            prop_oneof![Just("OrderId"), Just("State"), Just("CurrentChange"), Just("Domain"), Just("LastState"), Just("hookConfig"), Just("orderId"), Just("handle"), Just("currentChange"), Just("state"), Just("domain")],
            prop_oneof![
                Just(serde_json::json!(null)), Just(serde_json::json!(1)), Just(serde_json::json!("ping")),
                Just(serde_json::json!("handling")), Just(serde_json::json!("2024-01-01T00:00:00Z")),
                Just(serde_json::json!("Fulfillment")), Just(serde_json::json!("v1-01")), Just(serde_json::json!([])),
                ".{0,20}".prop_map(serde_json::Value::from),
            ],
            0..8,
        )
    ) {
        let body = serde_json::to_string(&fields).unwrap();
        let _ = parse_hook(&body);
        let _ = parse_feed_item(&body);
        let _ = parse_io_event(&body);
    }

    #[test]
    fn random_actions_keep_the_state_consistent(
        steps in proptest::collection::vec((0u8..6, 0u32..4, 1i64..6000, any::<bool>()), 1..30),
    ) {
        // Whatever the ERP sends, an accepted action leaves a state that validates, Output
        // invoices never exceed the total and returns never exceed the invoices.
        let p = WorkflowPolicy::default();
        let mut o = order(Some(Status::Handling), Flow::Complete);
        for (i, (kind, qty, value, flag)) in steps.iter().enumerate() {
            let sku = if *flag { "1" } else { "2" };
            let action = match kind {
                0 => output(&format!("NF-{i}"), &value.to_string(), &[(sku, *qty, 2500)]),
                1 => input(&format!("RET-{i}"), &value.to_string(), &[(sku, *qty, 2500)]),
                2 => cancel(),
                3 => tracking("NF-0", "TRK"),
                4 => change(&format!("c{i}"), &[(sku, *qty, 100)], 0),
                _ => output("NF-0", &value.to_string(), &[(sku, *qty, 2500)]),
            };
            if let Ok((next, _)) = o.apply_action(&action, &p, &now()) {
                prop_assert!(next.validate().is_ok(), "{:?}", next.validate());
                o = next;
            }
        }
        prop_assert!(o.invoiced_total(InvoiceType::Output).unwrap() <= o.total);
        prop_assert!(o.invoiced_total(InvoiceType::Input).unwrap() <= o.invoiced_total(InvoiceType::Output).unwrap());
    }
}
