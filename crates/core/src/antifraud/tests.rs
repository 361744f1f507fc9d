use super::*;
use crate::orders::Timestamp;

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("date")
}

fn body(id: &str, value: f64) -> AntifraudBody {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "value": value,
        "hook": "https://vtex.example/hook",
        "miniCart": {"buyer": {"document": "123.456.789-00", "email": "a@b.c"},
                     "shipping": {"address": {"postalCode": "01310-100"}}},
        "reference": "ignored", "payments": []
    }))
    .expect("body")
}

fn clean() -> RiskFacts {
    RiskFacts {
        previous_orders: 3,
        document: Some("12345678900".into()),
        postal_codes: vec!["01310100".into()],
        ..RiskFacts::default()
    }
}

fn open_at(id: &str, facts: Option<RiskFacts>, policy: RiskPolicy, now: &str) -> Analysis {
    antifraud_open(&AntifraudOpenRequest {
        body: body(id, 100.0),
        facts,
        policy,
        tid: format!("ponte-{id}"),
        existing: None,
        now: at(now),
    })
    .expect("open")
    .analysis
}

fn event(a: &Analysis, e: Event) -> AntifraudEventResponse {
    antifraud_event(&AntifraudEventRequest {
        analysis: a.clone(),
        event: e,
    })
    .expect("event")
}

/// The code a decision on `a` is refused with.
fn decision_refused(a: &Analysis, status: AnalysisStatus) -> &'static str {
    antifraud_event(&AntifraudEventRequest {
        analysis: a.clone(),
        event: Event::Decide { status },
    })
    .expect_err("refused")
    .code()
}

const T0: &str = "2026-06-01T12:00:00Z";

#[test]
fn rules_table() {
    let p = RiskPolicy::default();
    let cases: Vec<(&str, RiskFacts, f64, u8, Verdict)> = vec![
        ("clean", clean(), 5000.0, 0, Verdict::Approve),
        (
            "blocked",
            RiskFacts {
                blocked: true,
                ..clean()
            },
            10.0,
            100,
            Verdict::Deny,
        ),
        (
            "overdue",
            RiskFacts {
                overdue_invoices: 2,
                ..clean()
            },
            10.0,
            40,
            Verdict::Review,
        ),
        (
            "chargeback",
            RiskFacts {
                chargebacks: 1,
                ..clean()
            },
            10.0,
            50,
            Verdict::Review,
        ),
        (
            "first small",
            RiskFacts {
                previous_orders: 0,
                ..clean()
            },
            1000.0,
            0,
            Verdict::Approve,
        ),
        (
            "first big",
            RiskFacts {
                previous_orders: 0,
                ..clean()
            },
            1000.01,
            30,
            Verdict::Approve,
        ),
        (
            "document",
            RiskFacts {
                document: Some("999".into()),
                ..clean()
            },
            10.0,
            35,
            Verdict::Approve,
        ),
        (
            "address",
            RiskFacts {
                postal_codes: vec!["99999000".into()],
                ..clean()
            },
            10.0,
            20,
            Verdict::Approve,
        ),
        (
            "overdue+chargeback",
            RiskFacts {
                overdue_invoices: 1,
                chargebacks: 1,
                ..clean()
            },
            10.0,
            90,
            Verdict::Deny,
        ),
        (
            "document+address",
            RiskFacts {
                document: Some("1".into()),
                postal_codes: vec!["1".into()],
                ..clean()
            },
            10.0,
            55,
            Verdict::Review,
        ),
    ];
    for (name, facts, value, want_score, want) in cases {
        let s = antifraud_score(&AntifraudScoreRequest {
            body: body("x", value),
            facts: Some(facts),
            policy: p.clone(),
            tid: String::new(),
        })
        .expect("score");
        assert_eq!((s.score, s.verdict), (want_score, want), "{name}: {s:?}");
    }
    // An unknown customer has no history: a big first purchase is scored.
    let s = score(&body("x", 5000.0).risk(), None, &p);
    assert_eq!(s.reasons, [RiskReason::FirstPurchaseAboveThreshold]);
}

#[test]
fn received_then_decided_and_idempotent() {
    let a = open_at("tx", Some(clean()), RiskPolicy::default(), T0);
    assert_eq!(a.answer().status, AnalysisStatus::Received);
    let again = antifraud_open(&AntifraudOpenRequest {
        body: body("tx", 1.0),
        facts: Some(RiskFacts {
            blocked: true,
            ..clean()
        }),
        policy: RiskPolicy::default(),
        tid: "other".into(),
        existing: Some(a.clone()),
        now: at(T0),
    })
    .expect("again");
    assert!(!again.changed);
    assert_eq!(again.analysis, a);
    let r = event(&a, Event::Advance { now: at(T0) });
    assert_eq!(r.answer.status, AnalysisStatus::Approved);
    assert!(r.hook_due.is_none());
}

#[test]
fn review_is_manual_undefined_until_decided() {
    let facts = RiskFacts {
        overdue_invoices: 1,
        ..clean()
    };
    let a = open_at("tx", Some(facts), RiskPolicy::default(), T0);
    let r = event(
        &a,
        Event::Advance {
            now: at("2026-06-05T12:00:00Z"),
        },
    );
    assert_eq!(r.answer.status, AnalysisStatus::Undefined);
    assert_eq!(r.answer.analysis_type, AnalysisType::Manual);
    let d = event(
        &r.analysis,
        Event::Decide {
            status: AnalysisStatus::Denied,
        },
    );
    assert_eq!(d.answer.status, AnalysisStatus::Denied);
    let push = d.hook_due.clone().expect("hook owed");
    assert_eq!(
        (push.status, push.url.as_str()),
        (AnalysisStatus::Denied, "https://vtex.example/hook")
    );
    let done = event(
        &d.analysis,
        Event::HookDelivered {
            status: AnalysisStatus::Denied,
        },
    );
    assert!(done.hook_due.is_none());
    // The same decision again: nothing; the other one: refused.
    assert!(
        !event(
            &done.analysis,
            Event::Decide {
                status: AnalysisStatus::Denied
            }
        )
        .changed
    );
    assert_eq!(
        decision_refused(&done.analysis, AnalysisStatus::Approved),
        "ANTIFRAUD_ANALYSIS_FINAL"
    );
    assert_eq!(
        decision_refused(&a, AnalysisStatus::Undefined),
        "ANTIFRAUD_DECISION_INVALID"
    );
}

#[test]
fn stop_ends_an_open_analysis() {
    let facts = RiskFacts {
        overdue_invoices: 1,
        ..clean()
    };
    let a = open_at("tx", Some(facts), RiskPolicy::default(), T0);
    let s = event(&a, Event::Stop);
    assert!(s.changed && s.analysis.stopped);
    assert_eq!(
        decision_refused(&s.analysis, AnalysisStatus::Approved),
        "ANTIFRAUD_ANALYSIS_STOPPED"
    );
}

#[test]
fn homologation_cases_by_last_digit() {
    let p = RiskPolicy {
        homologation: true,
        ..RiskPolicy::default()
    };
    let before = at("2026-06-01T12:00:05Z");
    let after = at("2026-06-01T12:00:10Z");
    let want = [
        (
            "1",
            AnalysisStatus::Approved,
            AnalysisStatus::Approved,
            false,
        ),
        ("2", AnalysisStatus::Denied, AnalysisStatus::Denied, false),
        (
            "3",
            AnalysisStatus::Undefined,
            AnalysisStatus::Approved,
            false,
        ),
        (
            "4",
            AnalysisStatus::Undefined,
            AnalysisStatus::Denied,
            false,
        ),
        (
            "5",
            AnalysisStatus::Undefined,
            AnalysisStatus::Approved,
            true,
        ),
        ("6", AnalysisStatus::Undefined, AnalysisStatus::Denied, true),
    ];
    for (digit, early, late, hook) in want {
        // Blocked facts would deny: homologation ignores the rules.
        let a = open_at(
            &format!("TX00{digit}"),
            Some(RiskFacts {
                blocked: true,
                ..clean()
            }),
            p.clone(),
            T0,
        );
        assert_eq!(a.answer().status, AnalysisStatus::Received, "{digit}");
        let e = event(
            &a,
            Event::Advance {
                now: before.clone(),
            },
        );
        assert_eq!(e.answer.status, early, "{digit}");
        let l = event(&e.analysis, Event::Advance { now: after.clone() });
        assert_eq!(l.answer.status, late, "{digit}");
        assert_eq!(l.hook_due.is_some(), hook, "{digit}");
        let pre = antifraud_pre_analysis(&AntifraudScoreRequest {
            body: body(&format!("TX00{digit}"), 1.0),
            facts: None,
            policy: p.clone(),
            tid: "t".into(),
        })
        .expect("pre");
        assert_eq!(pre.status, late, "pre-analysis {digit}");
    }
}

#[test]
fn malformed_input_is_refused() {
    let e = antifraud_open(&AntifraudOpenRequest {
        body: body(" ", 1.0),
        facts: None,
        policy: RiskPolicy::default(),
        tid: "t".into(),
        existing: None,
        now: at(T0),
    })
    .expect_err("empty id");
    assert_eq!(e.code(), "ANTIFRAUD_TRANSACTION_INVALID");
    let e = antifraud_score(&AntifraudScoreRequest {
        body: body("x", -1.0),
        facts: None,
        policy: RiskPolicy::default(),
        tid: String::new(),
    })
    .expect_err("negative");
    assert_eq!(e.code(), "ANTIFRAUD_TRANSACTION_INVALID");
    let e = antifraud_score(&AntifraudScoreRequest {
        body: body("x", 1.0),
        facts: None,
        policy: RiskPolicy {
            review_at: 90,
            deny_at: 80,
            ..RiskPolicy::default()
        },
        tid: String::new(),
    })
    .expect_err("policy");
    assert_eq!(e.code(), "ANTIFRAUD_POLICY_INVALID");
}

#[test]
fn update_rescores_while_open() {
    let a = open_at(
        "tx",
        Some(RiskFacts {
            overdue_invoices: 1,
            ..clean()
        }),
        RiskPolicy::default(),
        T0,
    );
    let u = antifraud_update(&AntifraudUpdateRequest {
        analysis: a.clone(),
        body: body("tx", 100.0),
        facts: Some(clean()),
        policy: RiskPolicy::default(),
        now: at(T0),
    })
    .expect("update");
    assert!(u.changed);
    let r = event(&u.analysis, Event::Advance { now: at(T0) });
    assert_eq!(r.answer.status, AnalysisStatus::Approved);
}
