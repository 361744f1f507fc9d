//! Payments on account (§G.1): a naive reference of what a payment may do, a toy ERP credit
//! ledger written independently of ponte-core, and requests of the payment operations for
//! the native/wasm/Node differential.
//!
//! The reference knows nothing of the core's conversation: a payment is asked for `value`
//! cents by one customer; it becomes approved exactly when a hold is granted by the ledger
//! (available = limit − holds − unpaid ≥ value, checked atomically); settlements and refunds
//! are accepted per `requestId` once, within what is left; a cancellation before any
//! settlement releases the hold.

use crate::bench::SplitMix;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The toy ERP: credit accounts and holds keyed by payment id (one per payment, ever).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub limits: BTreeMap<String, u64>,
    pub unpaid: BTreeMap<String, u64>,
    /// hold id → (customer, value, captured, refunded, released)
    pub holds: BTreeMap<String, LedgerHold>,
    /// Every hold ever granted, in order (a second grant for one id would be a double
    /// authorisation).
    pub grants: Vec<String>,
    /// Hold ids released before any grant (a later grant is refused).
    pub tombstones: Vec<String>,
    pub applied: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerHold {
    pub customer: String,
    pub value: u64,
    pub captured: u64,
    pub refunded: u64,
    pub released: bool,
}

impl Ledger {
    /// What is held and not yet captured or released, for a customer.
    pub fn open_holds(&self, customer: &str) -> u64 {
        self.holds
            .values()
            .filter(|h| h.customer == customer && !h.released)
            .map(|h| h.value - h.captured.min(h.value))
            .sum()
    }

    /// Unpaid: the starting receivables plus what was captured minus refunded.
    pub fn receivables(&self, customer: &str) -> u64 {
        let moved: u64 = self
            .holds
            .values()
            .filter(|h| h.customer == customer)
            .map(|h| h.captured.saturating_sub(h.refunded))
            .sum();
        self.unpaid.get(customer).copied().unwrap_or(0) + moved
    }

    pub fn available(&self, customer: &str) -> u64 {
        self.limits
            .get(customer)
            .copied()
            .unwrap_or(0)
            .saturating_sub(self.open_holds(customer))
            .saturating_sub(self.receivables(customer))
    }

    /// Places a hold atomically; `Err(true)` when the id was released before, `Err(false)`
    /// when the credit is short. The same id granted again answers the existing hold.
    pub fn place(&mut self, id: &str, customer: &str, value: u64) -> Result<(), bool> {
        if self.tombstones.iter().any(|t| t == id) {
            return Err(true);
        }
        if let Some(h) = self.holds.get(id) {
            return if h.released { Err(true) } else { Ok(()) };
        }
        if self.available(customer) < value {
            return Err(false);
        }
        self.holds.insert(
            id.to_owned(),
            LedgerHold {
                customer: customer.to_owned(),
                value,
                ..LedgerHold::default()
            },
        );
        self.grants.push(id.to_owned());
        Ok(())
    }

    fn once(&mut self, key: String) -> bool {
        if self.applied.contains(&key) {
            false
        } else {
            self.applied.push(key);
            true
        }
    }

    pub fn capture(&mut self, id: &str, request: &str, value: u64) {
        if self.once(format!("capture:{id}:{request}"))
            && let Some(h) = self.holds.get_mut(id)
        {
            h.captured += value;
        }
    }

    pub fn refund(&mut self, id: &str, request: &str, value: u64) {
        if self.once(format!("refund:{id}:{request}"))
            && let Some(h) = self.holds.get_mut(id)
        {
            h.refunded += value;
        }
    }

    pub fn release(&mut self, id: &str) {
        match self.holds.get_mut(id) {
            Some(h) => h.released = true,
            None => self.tombstones.push(id.to_owned()),
        }
    }
}

/// The reference of one payment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefPayment {
    pub value: u64,
    pub customer: String,
    /// `None` while undecided; `Some(true)` approved, `Some(false)` denied.
    pub approved: Option<bool>,
    pub canceled: bool,
    pub settlements: BTreeMap<String, u64>,
    pub refunds: BTreeMap<String, u64>,
}

impl RefPayment {
    pub fn settled(&self) -> u64 {
        self.settlements.values().sum()
    }
    pub fn refunded(&self) -> u64 {
        self.refunds.values().sum()
    }

    /// Whether a settlement of `value` under `request` is accepted (a known request always
    /// answers; a new one within what is left of an approved, uncancelled, unrefunded payment).
    pub fn settle_ok(&self, request: &str, value: u64) -> bool {
        self.settlements.contains_key(request)
            || (self.approved == Some(true)
                && !self.canceled
                && self.refunds.is_empty()
                && value > 0
                && self.settled() + value <= self.value)
    }

    pub fn refund_ok(&self, request: &str, value: u64) -> bool {
        self.refunds.contains_key(request)
            || (self.settled() > 0 && value > 0 && self.refunded() + value <= self.settled())
    }

    pub fn cancel_ok(&self) -> bool {
        self.canceled || self.settlements.is_empty()
    }
}

fn pick<'a, T>(rng: &mut SplitMix, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len())]
}

fn money(rng: &mut SplitMix) -> Value {
    match rng.below(8) {
        0 => json!(0),
        1 => json!(-1.5),
        2 => json!(1.005),
        3 => json!("12.30"),
        _ => json!((1 + rng.below(100_000)) as f64 / 100.0),
    }
}

fn payment_record(rng: &mut SplitMix) -> Value {
    let status = *pick(
        rng,
        &[
            "created",
            "undefined",
            "approved",
            "denied",
            "settled",
            "refunded",
            "canceled",
        ],
    );
    let value = 1 + rng.below(10_000) as u64;
    let settled = if matches!(status, "settled" | "refunded") {
        rng.below(value as usize + 1) as u64
    } else {
        0
    };
    let refunded = if status == "refunded" {
        rng.below(settled as usize + 1) as u64
    } else {
        0
    };
    json!({
        "paymentId": pick(rng, &["P1", "P2", "P 3"]),
        "customer": "C1",
        "value": value,
        "status": status,
        "authorizationId": if rng.chance(50) { json!("P1") } else { json!(null) },
        "attempts": rng.below(3),
        "settled": settled,
        "refunded": refunded,
        "settlements": if settled > 0 { json!([{"requestId": "r1", "id": "P1-S1", "value": settled}]) } else { json!([]) },
        "refunds": if refunded > 0 { json!([{"requestId": "f1", "id": "P1-R1", "value": refunded}]) } else { json!([]) },
        "cancellation": if status == "canceled" && rng.chance(50) { json!({"requestId": "c1", "cancellationId": "P1-C"}) } else { json!(null) },
        "delayToAutoSettle": 604800,
        "delayToAutoSettleAfterAntifraud": 604800,
        "delayToCancel": 86400,
    })
}

fn account(rng: &mut SplitMix) -> Value {
    json!({
        "customer": "C1",
        "limit": rng.below(20_000),
        "openHolds": rng.below(10_000),
        "unpaidInvoices": rng.below(10_000),
        "blocked": rng.chance(10),
        "currency": pick(rng, &[json!("BRL"), json!("USD"), json!(null)]),
        "existingHold": if rng.chance(15) { json!({"holdId": "P1", "value": 100}) } else { json!(null) },
    })
}

/// A request of one of the payment operations, valid-shaped or slightly off.
pub fn request(rng: &mut SplitMix, op: &str) -> Value {
    let requests = ["r1", "r2", "f1", "c1", "", "a b"];
    match op {
        "paymentAuthorize" => {
            let credit = match rng.below(7) {
                0 => json!(null),
                1 => json!({"kind": "account", "account": account(rng)}),
                2 => json!({"kind": "unknownAccount"}),
                3 => json!({"kind": "holdPlaced", "hold": {"holdId": "P1", "value": 100}}),
                4 => json!({"kind": "holdRefused", "released": rng.chance(50)}),
                5 => json!({"kind": "unavailable"}),
                _ => json!({"kind": "nonsense"}),
            };
            json!({
                "current": if rng.chance(50) { payment_record(rng) } else { json!(null) },
                "request": {
                    "paymentId": pick(rng, &["P1", "P2", "", "P 3"]),
                    "value": money(rng),
                    "currency": pick(rng, &[json!("BRL"), json!(null)]),
                    "miniCart": {"buyer": {"document": pick(rng, &[json!("C1"), json!(""), json!(null)]), "email": "e@x"}},
                },
                "settings": {"delayToCancel": pick(rng, &[600, 86400, 599, 2_592_001]), "customerKey": pick(rng, &["document", "email", "id", "x"])},
                "credit": credit,
            })
        }
        "paymentSettle" | "paymentRefund" => json!({
            "payment": payment_record(rng),
            "request": {"paymentId": pick(rng, &["P1", "P2"]), "requestId": pick(rng, &requests), "value": money(rng)},
        }),
        "paymentCancel" => json!({
            "payment": payment_record(rng),
            "request": {"paymentId": pick(rng, &["P1", "P2"]), "requestId": pick(rng, &requests)},
        }),
        _ => json!({
            "account": account(rng),
            "value": rng.below(30_000),
            "currency": pick(rng, &[json!("BRL"), json!(null)]),
        }),
    }
}
