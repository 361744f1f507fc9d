//! Anti-fraud (§G.3): the rules against a table of cases, through the protocol's whole path
//! (open → the first read), and the analysis' state machine under random events.
//!
//! The table reads: the ERP's facts about the buyer, the transaction's value, document and
//! postal code, and the status VTEX must read with `GET` (a review is `undefined`, manual).
//! The property: whatever the events (reads at any instant, decisions, stop, hook
//! deliveries), a final status never changes, the status never goes back (received →
//! undefined → final), and opening the same id again answers the stored analysis.

use ponte_core::antifraud::{
    AnalysisStatus, AnalysisType, AntifraudBody, AntifraudEventRequest, AntifraudOpenRequest,
    Event, RiskFacts, RiskPolicy, antifraud_event, antifraud_open,
};
use ponte_harness::bench::SplitMix;
use ponte_harness::cases;
use ponte_harness::providers_generate::{antifraud_body, facts, instant};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use serde_json::json;

struct Case {
    name: &'static str,
    facts: Option<RiskFacts>,
    value: f64,
    document: &'static str,
    postal: &'static str,
    status: AnalysisStatus,
    score: u8,
}

fn known() -> RiskFacts {
    RiskFacts {
        previous_orders: 5,
        document: Some("123.456.789-00".into()),
        postal_codes: vec!["01310-100".into(), "20040-002".into()],
        ..RiskFacts::default()
    }
}

fn table() -> Vec<Case> {
    use AnalysisStatus::{Approved, Denied, Undefined};
    let c = |name, facts, value, document, postal, status, score| Case {
        name,
        facts,
        value,
        document,
        postal,
        status,
        score,
    };
    vec![
        c(
            "clean regular",
            Some(known()),
            250.0,
            "12345678900",
            "01310100",
            Approved,
            0,
        ),
        c(
            "second known address",
            Some(known()),
            250.0,
            "12345678900",
            "20040-002",
            Approved,
            0,
        ),
        c(
            "blocked",
            Some(RiskFacts {
                blocked: true,
                ..known()
            }),
            1.0,
            "12345678900",
            "01310100",
            Denied,
            100,
        ),
        c(
            "one overdue invoice",
            Some(RiskFacts {
                overdue_invoices: 1,
                ..known()
            }),
            10.0,
            "12345678900",
            "01310100",
            Undefined,
            40,
        ),
        c(
            "chargeback",
            Some(RiskFacts {
                chargebacks: 2,
                ..known()
            }),
            10.0,
            "12345678900",
            "01310100",
            Undefined,
            50,
        ),
        c(
            "chargeback and overdue",
            Some(RiskFacts {
                chargebacks: 1,
                overdue_invoices: 3,
                ..known()
            }),
            10.0,
            "12345678900",
            "01310100",
            Denied,
            90,
        ),
        c("unknown small", None, 999.99, "1", "1", Approved, 0),
        c("unknown at threshold", None, 1000.0, "1", "1", Approved, 0),
        c(
            "unknown above threshold",
            None,
            1000.01,
            "1",
            "1",
            Approved,
            30,
        ),
        c(
            "first purchase, new address",
            Some(RiskFacts {
                previous_orders: 0,
                ..known()
            }),
            5000.0,
            "12345678900",
            "99999000",
            Undefined,
            50,
        ),
        c(
            "first purchase, other document",
            Some(RiskFacts {
                previous_orders: 0,
                ..known()
            }),
            5000.0,
            "000",
            "01310100",
            Undefined,
            65,
        ),
        c(
            "first, other document, new address",
            Some(RiskFacts {
                previous_orders: 0,
                ..known()
            }),
            5000.0,
            "000",
            "99999000",
            Denied,
            85,
        ),
        c(
            "document mismatch only",
            Some(known()),
            10.0,
            "98765432100",
            "01310100",
            Approved,
            35,
        ),
        c(
            "document formatting differs",
            Some(known()),
            10.0,
            "123 456 789 00",
            "01310-100",
            Approved,
            0,
        ),
        c(
            "overdue and new address",
            Some(RiskFacts {
                overdue_invoices: 1,
                ..known()
            }),
            10.0,
            "12345678900",
            "99999000",
            Undefined,
            60,
        ),
        c(
            "blocked with everything else fine",
            Some(RiskFacts {
                blocked: true,
                previous_orders: 100,
                ..known()
            }),
            0.0,
            "12345678900",
            "01310100",
            Denied,
            100,
        ),
    ]
}

#[test]
fn rules_table_through_the_protocol() {
    let policy = RiskPolicy::default();
    for (i, case) in table().into_iter().enumerate() {
        let id = format!("T{i}X");
        let body: AntifraudBody = serde_json::from_value(json!({
            "id": id, "value": case.value, "hook": "https://vtex.example/hook",
            "miniCart": {"buyer": {"document": case.document}, "shipping": {"address": {"postalCode": case.postal}}}
        }))
        .expect("body");
        let opened = antifraud_open(&AntifraudOpenRequest {
            body,
            facts: case.facts.clone(),
            policy: policy.clone(),
            tid: format!("p{i}"),
            existing: None,
            now: instant(0),
        })
        .expect("open");
        assert_eq!(
            opened.answer.status,
            AnalysisStatus::Received,
            "{}",
            case.name
        );
        let read = antifraud_event(&AntifraudEventRequest {
            analysis: opened.analysis,
            event: Event::Advance { now: instant(120) },
        })
        .expect("read");
        assert_eq!(
            (read.answer.status, read.answer.score),
            (case.status, case.score),
            "{}: {:?}",
            case.name,
            read.answer
        );
        let manual = case.status == AnalysisStatus::Undefined;
        assert_eq!(
            read.answer.analysis_type == AnalysisType::Manual,
            manual,
            "{}",
            case.name
        );
        assert!(read.hook_due.is_none(), "{}", case.name);
    }
}

fn rank(s: AnalysisStatus) -> u8 {
    match s {
        AnalysisStatus::Received => 0,
        AnalysisStatus::Undefined => 1,
        AnalysisStatus::Approved | AnalysisStatus::Denied => 2,
    }
}

proptest! {
    #![proptest_config(Config { cases: cases(300), failure_persistence: None, ..Config::default() })]

    #[test]
    fn the_state_machine_never_goes_back(seed in any::<u64>(), homologation in any::<bool>()) {
        let mut rng = SplitMix::new(seed);
        let id = format!("TX{}", rng.below(100));
        let body: AntifraudBody = serde_json::from_value(antifraud_body(&mut rng, &id))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let policy = RiskPolicy { homologation, ..RiskPolicy::default() };
        let open_req = AntifraudOpenRequest {
            body, facts: Some(facts(&mut rng)), policy, tid: "p".into(), existing: None, now: instant(0),
        };
        let mut a = antifraud_open(&open_req).map_err(|e| TestCaseError::fail(e.to_string()))?.analysis;
        let again = antifraud_open(&AntifraudOpenRequest { existing: Some(a.clone()), ..open_req.clone() })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(!again.changed);
        prop_assert_eq!(&again.analysis, &a);
        let mut final_status = None;
        for _ in 0..12 {
            let event = match rng.below(5) {
                0 => Event::Advance { now: instant(rng.below(3) as i64) },
                4 => Event::HookFailed { status: a.status },
                1 => Event::Decide { status: if rng.chance(50) { AnalysisStatus::Approved } else { AnalysisStatus::Denied } },
                2 => Event::Stop,
                _ => Event::HookDelivered { status: a.status },
            };
            let before = a.clone();
            match antifraud_event(&AntifraudEventRequest { analysis: a.clone(), event: event.clone() }) {
                Ok(r) => {
                    prop_assert!(rank(r.analysis.status) >= rank(before.status), "{:?} → {:?} by {:?}", before.status, r.analysis.status, event);
                    prop_assert_eq!(r.changed, r.analysis != before);
                    if let Some(f) = final_status {
                        prop_assert_eq!(r.analysis.status, f);
                    }
                    if r.analysis.status.is_final() {
                        final_status = Some(r.analysis.status);
                    }
                    a = r.analysis;
                }
                Err(e) => {
                    prop_assert!(matches!(e.code(), "ANTIFRAUD_ANALYSIS_FINAL" | "ANTIFRAUD_ANALYSIS_STOPPED"), "{e}");
                }
            }
        }
    }
}
