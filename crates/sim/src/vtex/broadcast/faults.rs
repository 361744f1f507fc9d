//! The broadcast's injected faults while they happen ([`BroadcastFaults`], `PUT
//! /_sim/broadcast/faults`): the seeded draws, the orders lost on every channel, and a count
//! of each fault injected, so a test can assert that each class did happen.

use super::Rng;
use super::settings::BroadcastFaults;
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[derive(Debug)]
pub(super) struct FaultState {
    pub config: BroadcastFaults,
    pub rng: Rng,
    /// Orders still to lose (`loseOrders`), and those lost: (account, order id).
    pub lose_left: u32,
    pub lost: BTreeSet<(String, String)>,
    pub lost_changes: u64,
    /// Feed messages enqueued twice (`duplicateRate`).
    pub duplicated: u64,
    /// Feed reads answered `429` (`rate429`).
    pub throttled: u64,
}

impl FaultState {
    pub fn new(config: BroadcastFaults) -> Self {
        FaultState {
            config,
            rng: Rng::new(config.seed),
            lose_left: config.lose_orders,
            lost: BTreeSet::new(),
            lost_changes: 0,
            duplicated: 0,
            throttled: 0,
        }
    }

    /// A new configuration: the draws start again from its seed; what was injected stays counted.
    pub fn reconfigure(&mut self, config: BroadcastFaults) {
        self.config = config;
        self.rng = Rng::new(config.seed);
        self.lose_left = config.lose_orders;
    }

    /// `lost` of the statistics.
    pub fn lost_json(&self) -> Value {
        json!({
            "orders": self.lost.len(), "changes": self.lost_changes,
            "orderIds": self.lost.iter().map(|(_, id)| id.clone()).collect::<Vec<_>>(),
            "left": self.lose_left,
        })
    }

    /// `injected` of the statistics (hook drops are counted with the hook).
    pub fn injected_json(&self) -> Value {
        json!({ "feedDuplicates": self.duplicated, "feed429": self.throttled })
    }
}
