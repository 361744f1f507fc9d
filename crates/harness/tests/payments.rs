//! Payments on account (§G.1): the connector's conversation with the ERP, as the service runs
//! it, driven by random interleavings of creates (several attempts in flight for one payment,
//! an ERP that goes down, attempts that die between the hold and the write), duplicated
//! requests, settlements, refunds and cancellations, against a naive reference
//! (`payments_model`).
//!
//! Checked after every step:
//! - the ERP never grants two holds for one `paymentId` (never two authorisations);
//! - a payment answered approved has a live hold of its value; settled ≤ authorised;
//!   refunded ≤ settled, in the record and at the ERP (the ERP never ahead of the record);
//! - no customer's exposure (open holds + receivables) ever exceeds their limit, unless it
//!   started above it;
//! - a denial after reading the account is right by the reference's own arithmetic;
//! - settlements, refunds and cancellations are accepted exactly when the reference says so,
//!   and a repeated `requestId` answers the same as the first time.

use ponte_core::payments::{
    AuthorizeNext, CancelPayment, CreatePayment, CreditAccount, CreditStep, ErpCreditAction, Hold,
    Payment, PaymentSettings, PaymentStatus, ValueRequest, authorize, cancel, refund, settle,
};
use ponte_core::pricing::Money;
use ponte_harness::cases;
use ponte_harness::payments_model::{Ledger, RefPayment};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use std::collections::BTreeMap;

const PIDS: [&str; 3] = ["P0", "P1", "P2"];
const CUSTOMERS: [&str; 3] = ["C1", "C1", "C2"];

#[derive(Debug, Clone)]
enum Cmd {
    Begin(usize),
    Advance {
        attempt: usize,
        erp_up: bool,
        die: bool,
    },
    Settle {
        p: usize,
        r: usize,
        cents: u64,
        die: bool,
    },
    Refund {
        p: usize,
        r: usize,
        cents: u64,
        die: bool,
    },
    Cancel {
        p: usize,
        r: usize,
        die: bool,
    },
}

fn cmd() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        3 => (0..3usize).prop_map(Cmd::Begin),
        5 => (0..4usize, prop::bool::weighted(0.8), prop::bool::weighted(0.1))
            .prop_map(|(attempt, erp_up, die)| Cmd::Advance { attempt, erp_up, die }),
        2 => (0..3usize, 0..3usize, 1..6_000u64, prop::bool::weighted(0.1))
            .prop_map(|(p, r, cents, die)| Cmd::Settle { p, r, cents, die }),
        1 => (0..3usize, 0..3usize, 1..6_000u64, prop::bool::weighted(0.1))
            .prop_map(|(p, r, cents, die)| Cmd::Refund { p, r, cents, die }),
        1 => (0..3usize, 0..2usize, prop::bool::weighted(0.1))
            .prop_map(|(p, r, die)| Cmd::Cancel { p, r, die }),
    ]
}

#[derive(Debug)]
enum Stage {
    AwaitAccount,
    AwaitHold,
}

#[derive(Debug)]
struct Attempt {
    p: usize,
    stage: Stage,
}

struct World {
    records: BTreeMap<usize, Payment>,
    ledger: Ledger,
    reference: Vec<RefPayment>,
    initial_exposure: BTreeMap<String, u64>,
    attempts: Vec<Attempt>,
    answers: BTreeMap<(usize, &'static str, usize), String>,
    settings: PaymentSettings,
}

fn create(p: usize, value: u64) -> CreatePayment {
    CreatePayment {
        payment_id: PIDS[p].to_owned(),
        value: Money::from_hundredths(value as i64).unwrap_or(Money::ZERO),
        transaction_id: Some("T".into()),
        order_id: Some(format!("o{p}")),
        reference: None,
        payment_method: Some("Promissories".into()),
        currency: Some("BRL".into()),
        mini_cart: serde_json::from_value(serde_json::json!({"buyer": {"document": CUSTOMERS[p]}}))
            .ok(),
        callback_url: None,
    }
}

fn fail(msg: String) -> Result<(), TestCaseError> {
    Err(TestCaseError::fail(msg))
}

impl World {
    fn account(&self, p: usize) -> CreditAccount {
        let c = CUSTOMERS[p];
        let existing = self
            .ledger
            .holds
            .get(PIDS[p])
            .filter(|h| !h.released)
            .map(|h| Hold {
                hold_id: PIDS[p].to_owned(),
                value: h.value,
            });
        CreditAccount {
            customer: c.to_owned(),
            limit: self.ledger.limits.get(c).copied().unwrap_or(0),
            open_holds: self.ledger.open_holds(c),
            unpaid_invoices: self.ledger.receivables(c),
            blocked: false,
            currency: Some("BRL".into()),
            existing_hold: existing,
        }
    }

    fn erp(&mut self, action: &ErpCreditAction) {
        match action {
            ErpCreditAction::Capture {
                hold_id,
                request_id,
                value,
            } => self.ledger.capture(hold_id, request_id, *value),
            ErpCreditAction::Refund {
                hold_id,
                request_id,
                value,
            } => self.ledger.refund(hold_id, request_id, *value),
            ErpCreditAction::Release { hold_id, .. } => self.ledger.release(hold_id),
        }
    }

    /// The end of an attempt: read the record afresh, fold the credit answer, release a stray
    /// hold, write, answer.
    fn finish(&mut self, a: Attempt, credit: CreditStep) -> Result<(), TestCaseError> {
        let req = create(a.p, self.reference[a.p].value);
        let current = self.records.get(&a.p).cloned();
        let step = authorize(current.as_ref(), &req, &self.settings, Some(&credit))
            .map_err(|e| TestCaseError::fail(format!("authorize: {e}")))?;
        match step.next {
            AuthorizeNext::PlaceHold { .. } => {
                self.attempts.push(Attempt {
                    p: a.p,
                    stage: Stage::AwaitHold,
                });
                return Ok(());
            }
            AuthorizeNext::ReadCredit { .. } => {
                return fail("read credit after a credit answer".into());
            }
            AuthorizeNext::Answer => {}
        }
        if let Some(action) = &step.erp {
            self.erp(action);
        }
        if step.changed {
            self.records.insert(a.p, step.payment.clone());
        }
        let answer = step.answer.map(|a| a.status).unwrap_or_default();
        self.learn(a.p, &answer, matches!(credit, CreditStep::Account { .. }))
    }

    /// What the reference learns from an authorisation answer, after checking it.
    fn learn(&mut self, p: usize, answer: &str, from_account: bool) -> Result<(), TestCaseError> {
        let r = &self.reference[p];
        match answer {
            "approved" => {
                let live = self
                    .ledger
                    .holds
                    .get(PIDS[p])
                    .is_some_and(|h| h.value == r.value);
                let canceled = r.canceled;
                if !live {
                    return fail(format!("{} approved without a hold of its value", PIDS[p]));
                }
                if r.approved == Some(false) {
                    return fail(format!("{} approved after being denied", PIDS[p]));
                }
                if !canceled {
                    self.reference[p].approved = Some(true);
                }
            }
            "denied" => {
                if r.approved == Some(true) && !r.canceled {
                    return fail(format!("{} denied after being approved", PIDS[p]));
                }
                if from_account && r.approved.is_none() {
                    let c = CUSTOMERS[p];
                    let avail = self.ledger.available(c);
                    if avail >= r.value
                        && !self.ledger.tombstones.iter().any(|t| t == PIDS[p])
                        && !r.canceled
                    {
                        return fail(format!(
                            "{} denied with {avail} available for {}",
                            PIDS[p], r.value
                        ));
                    }
                }
                if r.approved.is_none() && !r.canceled {
                    self.reference[p].approved = Some(false);
                }
            }
            "undefined" => {
                if r.approved.is_some() {
                    return fail(format!("{} undefined after a decision", PIDS[p]));
                }
            }
            other => return fail(format!("answer status {other:?}")),
        }
        Ok(())
    }

    fn run(&mut self, c: &Cmd) -> Result<(), TestCaseError> {
        match c {
            Cmd::Begin(p) => {
                let p = *p;
                let req = create(p, self.reference[p].value);
                let current = self.records.get(&p).cloned();
                let step = authorize(current.as_ref(), &req, &self.settings, None)
                    .map_err(|e| TestCaseError::fail(format!("authorize: {e}")))?;
                match step.next {
                    AuthorizeNext::Answer => {
                        let status = step.answer.map(|a| a.status).unwrap_or_default();
                        if step.changed {
                            return fail("a decided payment changed on a repeated create".into());
                        }
                        self.learn(p, &status, false)?;
                    }
                    AuthorizeNext::ReadCredit { .. } => {
                        self.records.insert(p, step.payment);
                        self.attempts.push(Attempt {
                            p,
                            stage: Stage::AwaitAccount,
                        });
                    }
                    AuthorizeNext::PlaceHold { .. } => return fail("hold without credit".into()),
                }
            }
            Cmd::Advance {
                attempt,
                erp_up,
                die,
            } => {
                if self.attempts.is_empty() {
                    return Ok(());
                }
                let a = self.attempts.remove(attempt % self.attempts.len());
                if !erp_up {
                    return self.finish(a, CreditStep::Unavailable);
                }
                match a.stage {
                    Stage::AwaitAccount => {
                        let account = self.account(a.p);
                        self.finish(a, CreditStep::Account { account })?;
                    }
                    Stage::AwaitHold => {
                        let (id, customer, value) =
                            (PIDS[a.p], CUSTOMERS[a.p], self.reference[a.p].value);
                        let placed = self.ledger.place(id, customer, value);
                        if *die {
                            return Ok(()); // the replica died between the hold and the write
                        }
                        let credit = match placed {
                            Ok(()) => CreditStep::HoldPlaced {
                                hold: Hold {
                                    hold_id: id.to_owned(),
                                    value,
                                },
                            },
                            Err(released) => CreditStep::HoldRefused {
                                released: Some(released),
                            },
                        };
                        self.finish(a, credit)?;
                    }
                }
            }
            Cmd::Settle { p, r, cents, die } | Cmd::Refund { p, r, cents, die } => {
                let is_settle = matches!(c, Cmd::Settle { .. });
                let (p, r, cents) = (*p, *r, *cents);
                let Some(record) = self.records.get(&p).cloned() else {
                    return Ok(());
                };
                let rid = format!("{}{r}", if is_settle { "s" } else { "f" });
                let req = ValueRequest {
                    payment_id: PIDS[p].to_owned(),
                    request_id: rid.clone(),
                    value: Money::from_hundredths(cents as i64).unwrap_or(Money::ZERO),
                };
                let reference = &self.reference[p];
                let expected = if is_settle {
                    reference.settle_ok(&rid, cents)
                } else {
                    reference.refund_ok(&rid, cents)
                };
                let out = if is_settle {
                    settle(&record, &req)
                } else {
                    refund(&record, &req)
                };
                match out {
                    Ok(step) => {
                        if !expected {
                            return fail(format!(
                                "{} {rid} {cents} accepted; reference refuses ({reference:?})",
                                PIDS[p]
                            ));
                        }
                        self.records.insert(p, step.payment.clone());
                        let key = (p, if is_settle { "settle" } else { "refund" }, r);
                        let shown = format!("{}:{}", step.answer.id, step.answer.value);
                        if let Some(first) = self.answers.get(&key) {
                            if first != &shown {
                                return fail(format!("{rid} answered {shown}, first {first}"));
                            }
                        } else {
                            self.answers.insert(key, shown);
                            let r = &mut self.reference[p];
                            if is_settle {
                                r.settlements.insert(rid, cents);
                            } else {
                                r.refunds.insert(rid, cents);
                            }
                        }
                        if !die && let Some(action) = &step.erp {
                            self.erp(action);
                        }
                    }
                    Err(e) => {
                        if expected {
                            return fail(format!(
                                "{} {rid} {cents} refused ({}); reference accepts ({reference:?})",
                                PIDS[p],
                                e.code()
                            ));
                        }
                    }
                }
            }
            Cmd::Cancel { p, r, die } => {
                let p = *p;
                let Some(record) = self.records.get(&p).cloned() else {
                    return Ok(());
                };
                let req = CancelPayment {
                    payment_id: PIDS[p].to_owned(),
                    request_id: format!("c{r}"),
                };
                let expected = self.reference[p].cancel_ok();
                match cancel(&record, &req) {
                    Ok(step) => {
                        if !expected {
                            return fail(format!("{} cancelled after settlement", PIDS[p]));
                        }
                        self.records.insert(p, step.payment.clone());
                        self.reference[p].canceled = true;
                        if !die && let Some(action) = &step.erp {
                            self.erp(action);
                        }
                    }
                    Err(e) => {
                        if expected {
                            return fail(format!("{} cancel refused ({})", PIDS[p], e.code()));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let mut seen = std::collections::BTreeSet::new();
        for g in &self.ledger.grants {
            if !seen.insert(g) {
                return fail(format!("two holds granted for {g}"));
            }
        }
        for (p, rec) in &self.records {
            if rec.settled > rec.value || rec.refunded > rec.settled {
                return fail(format!(
                    "{}: settled {} refunded {} of {}",
                    PIDS[*p], rec.settled, rec.refunded, rec.value
                ));
            }
            if let Some(h) = self.ledger.holds.get(PIDS[*p])
                && (h.captured > rec.settled || h.refunded > rec.refunded)
            {
                return fail(format!(
                    "{}: the ERP is ahead of the record ({h:?} vs {rec:?})",
                    PIDS[*p]
                ));
            }
            if matches!(
                rec.status,
                PaymentStatus::Approved | PaymentStatus::Settled | PaymentStatus::Refunded
            ) && self
                .ledger
                .holds
                .get(PIDS[*p])
                .is_none_or(|h| h.value != rec.value)
            {
                return fail(format!("{} {:?} without its hold", PIDS[*p], rec.status));
            }
            if rec.status == PaymentStatus::Denied
                && self.ledger.holds.get(PIDS[*p]).is_some_and(|h| !h.released)
                && self.attempts.iter().all(|a| a.p != *p)
            {
                return fail(format!(
                    "{} denied with a live hold and no attempt in flight",
                    PIDS[*p]
                ));
            }
        }
        for c in ["C1", "C2"] {
            let exposure = self.ledger.open_holds(c) + self.ledger.receivables(c);
            let limit = self.ledger.limits.get(c).copied().unwrap_or(0);
            let start = self.initial_exposure.get(c).copied().unwrap_or(0);
            if exposure > limit.max(start) {
                return fail(format!("{c}: exposure {exposure} over limit {limit}"));
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(Config { cases: cases(256), failure_persistence: None, ..Config::default() })]

    #[test]
    fn interleavings_keep_the_payment_rules(
        values in prop::collection::vec(1..8_000u64, 3),
        limits in (0..16_000u64, 0..10_000u64),
        unpaid in (0..4_000u64, 0..4_000u64),
        cmds in prop::collection::vec(cmd(), 1..60),
    ) {
        let mut ledger = Ledger::default();
        ledger.limits.insert("C1".into(), limits.0);
        ledger.limits.insert("C2".into(), limits.1);
        ledger.unpaid.insert("C1".into(), unpaid.0);
        ledger.unpaid.insert("C2".into(), unpaid.1);
        let initial_exposure = [("C1".to_owned(), unpaid.0), ("C2".to_owned(), unpaid.1)].into();
        let reference = (0..3).map(|p| RefPayment { value: values[p], customer: CUSTOMERS[p].into(), ..RefPayment::default() }).collect();
        let mut w = World {
            records: BTreeMap::new(),
            ledger,
            reference,
            initial_exposure,
            attempts: Vec::new(),
            answers: BTreeMap::new(),
            settings: PaymentSettings::default(),
        };
        for c in &cmds {
            w.run(c)?;
            w.check()?;
        }
    }
}
