//! An independent reference of the gift card ledger (§G.2), for the property tests: plain
//! counters per debit and a table of request ids, written from the protocol's rules rather
//! than from `ponte_core::giftcards`.

use std::collections::HashMap;

/// A command in the reference's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefCommand {
    Debit { value: i64, rid: String },
    Credit { value: i64, rid: String },
    Settle { tx: usize, value: i64, rid: String },
    Cancel { tx: usize, value: i64, rid: String },
}

/// One transaction's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefTx {
    pub debit: bool,
    pub value: i64,
    pub settled: i64,
    pub released: i64,
    pub refunded: i64,
    /// request id → (is a cancellation, value).
    pub movements: HashMap<String, (bool, i64)>,
}

/// What the reference expects of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefOutcome {
    Applied,
    Replayed,
    Refused(&'static str),
}

/// The reference ledger.
#[derive(Debug, Clone, Default)]
pub struct RefLedger {
    pub balance: i64,
    pub single_redemption: bool,
    pub single_credit: bool,
    pub txs: Vec<RefTx>,
    /// request id → transaction index.
    pub tx_rids: HashMap<String, usize>,
}

impl RefLedger {
    pub fn new(balance: i64, single_redemption: bool, single_credit: bool) -> Self {
        RefLedger {
            balance,
            single_redemption,
            single_credit,
            ..RefLedger::default()
        }
    }

    /// Runs a command: the outcome, the state changed only when `Applied`.
    pub fn run(&mut self, c: &RefCommand) -> RefOutcome {
        use RefOutcome::*;
        match c {
            RefCommand::Debit { value, rid } | RefCommand::Credit { value, rid } => {
                let debit = matches!(c, RefCommand::Debit { .. });
                if *value <= 0 {
                    return Refused("GIFTCARD_VALUE_INVALID");
                }
                if let Some(&i) = self.tx_rids.get(rid) {
                    let t = &self.txs[i];
                    return if t.debit == debit && t.value == *value {
                        Replayed
                    } else {
                        Refused("GIFTCARD_REQUEST_ID_CONFLICT")
                    };
                }
                if debit {
                    let open = self
                        .txs
                        .iter()
                        .any(|t| t.debit && t.value > t.released + t.refunded);
                    if self.single_redemption && open {
                        return Refused("GIFTCARD_SINGLE_REDEMPTION_USED");
                    }
                    if *value > self.balance {
                        return Refused("GIFTCARD_INSUFFICIENT_BALANCE");
                    }
                    self.balance -= value;
                } else {
                    if self.single_credit && self.txs.iter().any(|t| !t.debit) {
                        return Refused("GIFTCARD_SINGLE_CREDIT_USED");
                    }
                    self.balance += value;
                }
                self.tx_rids.insert(rid.clone(), self.txs.len());
                self.txs.push(RefTx {
                    debit,
                    value: *value,
                    ..RefTx::default()
                });
                Applied
            }
            RefCommand::Settle { tx, value, rid } | RefCommand::Cancel { tx, value, rid } => {
                let cancel = matches!(c, RefCommand::Cancel { .. });
                if *value <= 0 {
                    return Refused("GIFTCARD_VALUE_INVALID");
                }
                let Some(t) = self.txs.get_mut(*tx) else {
                    return Refused("GIFTCARD_TRANSACTION_NOT_FOUND");
                };
                if !t.debit {
                    return Refused("GIFTCARD_NOT_A_DEBIT");
                }
                if let Some(&(was_cancel, v)) = t.movements.get(rid) {
                    return if was_cancel == cancel && v == *value {
                        Replayed
                    } else {
                        Refused("GIFTCARD_REQUEST_ID_CONFLICT")
                    };
                }
                let unsettled = t.value - t.settled - t.released;
                if cancel {
                    if *value > t.value - t.released - t.refunded {
                        return Refused("GIFTCARD_CANCEL_ABOVE_AUTHORIZED");
                    }
                    let release = (*value).min(unsettled);
                    t.released += release;
                    t.refunded += value - release;
                    self.balance += value;
                } else {
                    if *value > unsettled {
                        return Refused("GIFTCARD_SETTLE_ABOVE_AUTHORIZED");
                    }
                    t.settled += value;
                }
                t.movements.insert(rid.clone(), (cancel, *value));
                Applied
            }
        }
    }
}
