//! Records for tests (`GET /_sim/oms/stats?account=`): OMS calls accepted and refused per
//! endpoint and code, invoices, status changes published, customer cancellations. Orders by
//! status are computed from the orders themselves (so `DELETE /_sim/oms/stats` resets the
//! counters here, never the orders).

use serde::Serialize;
use std::collections::BTreeMap;

/// Calls of one endpoint.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallStats {
    /// Answered 2xx.
    pub accepted: u64,
    /// Answered 4xx by the OMS itself (not an injected fault), per error code.
    pub refused: BTreeMap<String, u64>,
    /// Answered 5xx by the OMS itself (a store failure), per code.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub failed: BTreeMap<String, u64>,
}

/// Invoices accepted.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceStats {
    /// New Output invoices (packages) recorded.
    pub output: u64,
    /// New return (Input) invoices recorded.
    pub input: u64,
    /// Re-posted invoice numbers answered with a new receipt (nothing else changed).
    pub repeats: u64,
    /// Σ value of the new Output invoices, cents.
    pub output_value: i64,
}

/// Change v2 requests (`PATCH /api/order-system/orders/{changeOrderId}/changes`).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeV2Stats {
    /// Answered `202` (recorded, applied at once or in progress).
    pub requested: u64,
    /// Applied to the order (at once, by the processing timer, or by a retry).
    pub applied: u64,
    /// Refused at request time (any 4xx of the PATCH, injected faults excepted).
    pub refused: u64,
    /// Found invalid when processed later (the order moved on meanwhile): status `failed`.
    pub failed: u64,
    /// Canceled through `POST .../changes/{changeRequestId}/cancel`.
    pub canceled: u64,
    /// Accepted retries.
    pub retried: u64,
}

impl ChangeV2Stats {
    pub fn add(&mut self, other: &ChangeV2Stats) {
        self.requested += other.requested;
        self.applied += other.applied;
        self.refused += other.refused;
        self.failed += other.failed;
        self.canceled += other.canceled;
        self.retried += other.retried;
    }
}

/// Counters of one account.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountStats {
    /// `"POST /api/oms/pvt/orders/{orderId}/start-handling"` → counts.
    pub calls: BTreeMap<String, CallStats>,
    pub invoices: InvoiceStats,
    /// Status changes committed and published.
    pub status_changes: u64,
    /// Shopper cancellations inside the window.
    pub customer_cancellations: u64,
    /// Orders created (shopper load and `POST /_sim/oms/orders`).
    pub orders_created: u64,
    /// Change v2 requests.
    pub changes_v2: ChangeV2Stats,
}

impl AccountStats {
    /// Totals over every endpoint: (accepted, refused).
    pub fn totals(&self) -> (u64, u64) {
        self.calls.values().fold((0, 0), |(a, r), c| {
            (a + c.accepted, r + c.refused.values().sum::<u64>())
        })
    }
}

/// The counters of every account.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub accounts: BTreeMap<String, AccountStats>,
}

impl Stats {
    pub fn account(&mut self, account: &str) -> &mut AccountStats {
        self.accounts.entry(account.to_owned()).or_default()
    }

    /// Counts one OMS answer: `Ok` accepted, `Err((status, code))` refused or failed.
    pub fn call(&mut self, account: &str, endpoint: &str, outcome: Result<(), (u16, &str)>) {
        let calls = self
            .account(account)
            .calls
            .entry(endpoint.to_owned())
            .or_default();
        match outcome {
            Ok(()) => calls.accepted += 1,
            Err((status, code)) if (400..500).contains(&status) => {
                *calls.refused.entry(code.to_owned()).or_insert(0) += 1;
            }
            Err((_, code)) => *calls.failed.entry(code.to_owned()).or_insert(0) += 1,
        }
    }
}
