//! Unit tests of the payment rules (§G.1).
#![allow(clippy::unwrap_used)]

use super::*;
use crate::ops::call;
use crate::pricing::Money;
use serde_json::json;

fn create(id: &str, value: &str, doc: &str) -> CreatePayment {
    serde_json::from_value(json!({
        "paymentId": id,
        "value": serde_json::from_str::<serde_json::Value>(value).unwrap(),
        "currency": "BRL",
        "orderId": "v1-01",
        "miniCart": {"buyer": {"document": doc, "email": "a@b.c"}},
        "callbackUrl": "https://gw/cb?X-VTEX-signature=abc"
    }))
    .unwrap()
}

fn account(limit: Cents, holds: Cents, unpaid: Cents) -> CreditAccount {
    CreditAccount {
        customer: "C1".into(),
        limit,
        open_holds: holds,
        unpaid_invoices: unpaid,
        blocked: false,
        currency: Some("BRL".into()),
        existing_hold: None,
    }
}

/// Runs the whole conversation with an ERP answering `account`, the hold granted.
/// The read of an account with this limit, open holds and unpaid invoices.
fn account_read(limit: Cents, holds: Cents, unpaid: Cents) -> CreditStep {
    CreditStep::Account {
        account: account(limit, holds, unpaid),
    }
}

fn authorize_with(
    current: Option<&Payment>,
    req: &CreatePayment,
    acc: CreditStep,
) -> PaymentAuthorizeStep {
    let s = PaymentSettings::default();
    let first = authorize(current, req, &s, None).unwrap();
    if first.next == AuthorizeNext::Answer {
        return first;
    }
    let second = authorize(Some(&first.payment), req, &s, Some(&acc)).unwrap();
    match &second.next {
        AuthorizeNext::PlaceHold { hold_id, value, .. } => {
            let hold = CreditStep::HoldPlaced {
                hold: Hold {
                    hold_id: hold_id.clone(),
                    value: *value,
                },
            };
            authorize(Some(&second.payment), req, &s, Some(&hold)).unwrap()
        }
        _ => second,
    }
}

#[test]
fn approves_within_available_credit_and_answers_in_protocol_shape() {
    let req = create("P1", "100.5", "12.345.678/0001-90");
    let step = authorize_with(None, &req, account_read(100_000, 50_000, 39_950));
    assert_eq!(step.payment.status, PaymentStatus::Approved);
    assert_eq!(step.payment.value, 10_050);
    assert_eq!(step.payment.customer, "12.345.678/0001-90");
    let a = step.answer.unwrap();
    assert_eq!(a.status, "approved");
    assert_eq!(a.authorization_id.as_deref(), Some("P1"));
    assert_eq!(a.delay_to_cancel, 86_400);
}

#[test]
fn denies_one_cent_short_with_a_readable_message() {
    let req = create("P1", "100.5", "D");
    let step = authorize_with(None, &req, account_read(100_000, 50_000, 39_951));
    assert_eq!(step.payment.status, PaymentStatus::Denied);
    let a = step.answer.unwrap();
    assert_eq!(a.status, "denied");
    assert_eq!(a.code.as_deref(), Some(DENY_LIMIT));
    assert!(a.message.unwrap().contains("credit"));
    assert!(a.authorization_id.is_none());
}

#[test]
fn blocked_unknown_and_currency_are_denied() {
    let req = create("P1", "1", "D");
    let mut blocked = account(10_000, 0, 0);
    blocked.blocked = true;
    let s = authorize_with(None, &req, CreditStep::Account { account: blocked });
    assert_eq!(s.payment.code.as_deref(), Some(DENY_BLOCKED));
    let s = authorize_with(None, &req, CreditStep::UnknownAccount);
    assert_eq!(s.payment.code.as_deref(), Some(DENY_UNKNOWN));
    let mut usd = account(10_000, 0, 0);
    usd.currency = Some("USD".into());
    let s = authorize_with(None, &req, CreditStep::Account { account: usd });
    assert_eq!(s.payment.code.as_deref(), Some(DENY_CURRENCY));
}

#[test]
fn unavailable_erp_is_undefined_then_the_retry_decides() {
    let req = create("P1", "10", "D");
    let s = PaymentSettings::default();
    let step = authorize_with(None, &req, CreditStep::Unavailable);
    assert_eq!(step.payment.status, PaymentStatus::Undefined);
    assert_eq!(step.answer.as_ref().unwrap().status, "undefined");
    // The retry asks the ERP again.
    let retry = authorize(Some(&step.payment), &req, &s, None).unwrap();
    assert!(matches!(retry.next, AuthorizeNext::ReadCredit { .. }));
    assert_eq!(retry.payment.attempts, 2);
    let done = authorize_with(Some(&step.payment), &req, account_read(1_000, 0, 0));
    assert_eq!(done.payment.status, PaymentStatus::Approved);
}

#[test]
fn a_decided_payment_is_never_authorised_again() {
    let req = create("P1", "10", "D");
    let s = PaymentSettings::default();
    let approved = authorize_with(None, &req, account_read(1_000, 0, 0));
    let again = authorize(Some(&approved.payment), &req, &s, None).unwrap();
    assert_eq!(again.next, AuthorizeNext::Answer);
    assert!(!again.changed);
    assert_eq!(again.answer, approved.answer);
    // A hold placed late for a payment denied meanwhile is released.
    let denied = authorize_with(None, &req, account_read(0, 0, 0));
    let late_hold = CreditStep::HoldPlaced {
        hold: Hold {
            hold_id: "P1".into(),
            value: 1_000,
        },
    };
    let stray = authorize(Some(&denied.payment), &req, &s, Some(&late_hold)).unwrap();
    assert_eq!(stray.answer, denied.answer);
    assert!(matches!(stray.erp, Some(ErpCreditAction::Release { .. })));
    assert!(
        authorize(Some(&approved.payment), &req, &s, Some(&late_hold))
            .unwrap()
            .erp
            .is_none()
    );
    // A late credit answer does not change a decided record either.
    let late = authorize(
        Some(&approved.payment),
        &req,
        &s,
        Some(&CreditStep::Unavailable),
    )
    .unwrap();
    assert_eq!(late.payment, approved.payment);
}

#[test]
fn an_existing_hold_approves_without_a_second_hold() {
    let req = create("P1", "10", "D");
    let mut acc = account(1_000, 1_000, 0); // our own hold uses all the credit
    acc.existing_hold = Some(Hold {
        hold_id: "P1".into(),
        value: 1_000,
    });
    let s = PaymentSettings::default();
    let first = authorize(None, &req, &s, None).unwrap();
    let step = authorize(
        Some(&first.payment),
        &req,
        &s,
        Some(&CreditStep::Account { account: acc }),
    )
    .unwrap();
    assert_eq!(step.payment.status, PaymentStatus::Approved);
    assert_eq!(step.next, AuthorizeNext::Answer);
}

#[test]
fn the_same_payment_id_with_other_data_is_a_conflict() {
    let s = PaymentSettings::default();
    let first = authorize(None, &create("P1", "10", "D"), &s, None).unwrap();
    let e = authorize(Some(&first.payment), &create("P1", "11", "D"), &s, None).unwrap_err();
    assert_eq!(e.code(), "PAYMENT_CONFLICT");
    let e = authorize(Some(&first.payment), &create("P1", "10", "E"), &s, None).unwrap_err();
    assert_eq!(e.code(), "PAYMENT_CONFLICT");
    let e = authorize(Some(&first.payment), &create("P2", "10", "D"), &s, None).unwrap_err();
    assert_eq!(e.code(), "PAYMENT_ID_MISMATCH");
}

#[test]
fn bad_input_is_refused_with_stable_codes() {
    let s = PaymentSettings::default();
    let short_cancel_delay = PaymentSettings {
        delay_to_cancel: 599,
        ..PaymentSettings::default()
    };
    let long_settle_delay = PaymentSettings {
        delay_to_auto_settle: 604_801,
        ..PaymentSettings::default()
    };
    let cases = [
        (("P1", "0", "D"), &s, "PAYMENT_AMOUNT_INVALID"),
        (("P1", "-3", "D"), &s, "PAYMENT_AMOUNT_INVALID"),
        (("P 1", "3", "D"), &s, "PAYMENT_ID_INVALID"),
        (("P1", "3", " "), &s, "PAYMENT_CUSTOMER_MISSING"),
        (
            ("P1", "3", "D"),
            &short_cancel_delay,
            "PAYMENT_DELAY_OUT_OF_RANGE",
        ),
        (
            ("P1", "3", "D"),
            &long_settle_delay,
            "PAYMENT_DELAY_OUT_OF_RANGE",
        ),
    ];
    for ((id, value, doc), settings, want) in cases {
        let e = authorize(None, &create(id, value, doc), settings, None).unwrap_err();
        assert_eq!(e.code(), want, "{id} {value} {doc}");
    }
    // Three decimals are refused, never rounded.
    let e = call(
        "paymentAuthorize",
        r#"{"request":{"paymentId":"P1","value":1.005}}"#,
    )
    .unwrap_err();
    assert_eq!(e.code, "INPUT_INVALID");
    for c in PaymentError::CODES {
        assert!(c.starts_with("PAYMENT_"));
    }
}

fn approved(value: &str) -> Payment {
    authorize_with(
        None,
        &create("P1", value, "D"),
        account_read(1_000_000, 0, 0),
    )
    .payment
}

fn vr(request_id: &str, value: &str) -> ValueRequest {
    ValueRequest {
        payment_id: "P1".into(),
        request_id: request_id.into(),
        value: Money::parse(value).unwrap(),
    }
}

#[test]
fn partial_settlements_up_to_the_authorised_value() {
    let p = approved("100");
    let s1 = settle(&p, &vr("r1", "60")).unwrap();
    assert_eq!(
        s1.erp,
        Some(ErpCreditAction::Capture {
            hold_id: "P1".into(),
            request_id: "r1".into(),
            value: 6_000
        })
    );
    assert_eq!(s1.payment.status, PaymentStatus::Settled);
    // A repeated request settles nothing more and asks the ERP again (idempotent there).
    let again = settle(&s1.payment, &vr("r1", "60")).unwrap();
    assert!(!again.changed);
    assert_eq!(again.erp, s1.erp);
    assert_eq!(again.answer, s1.answer);
    let e = settle(&s1.payment, &vr("r2", "40.01")).unwrap_err();
    assert_eq!(e.code(), "PAYMENT_SETTLE_ABOVE_AUTHORIZED");
    let s2 = settle(&s1.payment, &vr("r2", "40")).unwrap();
    assert_eq!(s2.payment.settled, 10_000);
    assert_ne!(s2.answer.id, s1.answer.id);
    assert_eq!(
        settle(&s2.payment, &vr("r3", "0.01")).unwrap_err().code(),
        "PAYMENT_SETTLE_ABOVE_AUTHORIZED"
    );
}

#[test]
fn refunds_up_to_the_settled_value() {
    let p = approved("100");
    assert_eq!(
        refund(&p, &vr("f1", "1")).unwrap_err().code(),
        "PAYMENT_REFUND_NOT_ALLOWED"
    );
    let s = settle(&p, &vr("r1", "30")).unwrap().payment;
    assert_eq!(
        refund(&s, &vr("f1", "30.01")).unwrap_err().code(),
        "PAYMENT_REFUND_ABOVE_SETTLED"
    );
    let r = refund(&s, &vr("f1", "10")).unwrap();
    assert_eq!(r.payment.status, PaymentStatus::Refunded);
    assert_eq!(
        r.erp,
        Some(ErpCreditAction::Refund {
            hold_id: "P1".into(),
            request_id: "f1".into(),
            value: 1_000
        })
    );
    let r2 = refund(&r.payment, &vr("f2", "20")).unwrap();
    assert_eq!(r2.payment.refunded, 3_000);
    assert_eq!(
        refund(&r2.payment, &vr("f3", "0.01")).unwrap_err().code(),
        "PAYMENT_REFUND_ABOVE_SETTLED"
    );
    assert_eq!(
        settle(&r2.payment, &vr("r9", "1")).unwrap_err().code(),
        "PAYMENT_SETTLE_NOT_ALLOWED"
    );
}

#[test]
fn cancel_releases_the_hold_once_and_refuses_after_settlement() {
    let p = approved("100");
    let c = cancel(
        &p,
        &CancelPayment {
            payment_id: "P1".into(),
            request_id: "c1".into(),
        },
    )
    .unwrap();
    assert_eq!(c.payment.status, PaymentStatus::Canceled);
    assert_eq!(
        c.erp,
        Some(ErpCreditAction::Release {
            hold_id: "P1".into(),
            request_id: "c1".into()
        })
    );
    let again = cancel(
        &c.payment,
        &CancelPayment {
            payment_id: "P1".into(),
            request_id: "c2".into(),
        },
    )
    .unwrap();
    assert!(!again.changed);
    assert_eq!(
        again.erp,
        Some(ErpCreditAction::Release {
            hold_id: "P1".into(),
            request_id: "c1".into()
        })
    );
    assert_eq!(again.answer.cancellation_id, c.answer.cancellation_id);
    assert_eq!(
        settle(&c.payment, &vr("r1", "1")).unwrap_err().code(),
        "PAYMENT_SETTLE_NOT_ALLOWED"
    );
    let s = settle(&p, &vr("r1", "1")).unwrap().payment;
    let e = cancel(
        &s,
        &CancelPayment {
            payment_id: "P1".into(),
            request_id: "c1".into(),
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "PAYMENT_CANCEL_AFTER_SETTLE");
    // An undefined payment's cancel releases too (a late hold is then refused by the ERP).
    let u = authorize_with(None, &create("P1", "1", "D"), CreditStep::Unavailable).payment;
    let c = cancel(
        &u,
        &CancelPayment {
            payment_id: "P1".into(),
            request_id: "c1".into(),
        },
    )
    .unwrap();
    assert!(matches!(c.erp, Some(ErpCreditAction::Release { .. })));
    assert_eq!(authorization_answer(&c.payment, "ERP").status, "denied");
}

#[test]
fn operations_cross_the_boundary_as_json() {
    let out = call(
        "paymentCreditDecision",
        r#"{"account":{"customer":"C","limit":100,"openHolds":50,"unpaidInvoices":50},"value":1}"#,
    )
    .unwrap();
    assert!(out.contains("deny"), "{out}");
    let out = call(
        "paymentAuthorize",
        r#"{"request":{"paymentId":"P1","value":12.34,"miniCart":{"buyer":{"document":"D"}}}}"#,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["next"]["kind"], "readCredit");
    assert_eq!(v["payment"]["value"], 1234);
    assert_eq!(v["payment"]["status"], "created");
}
