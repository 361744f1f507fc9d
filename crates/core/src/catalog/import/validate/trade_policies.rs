//! A product's trade-policy links (added, never removed).

use super::{C, Change, V};
use crate::catalog::import::model::{ProductId, TradePolicyId};
use std::collections::BTreeSet;

/// The account's trade policies and the catalog's product links.
pub(super) struct Policies {
    pub known: BTreeSet<TradePolicyId>,
    pub links: BTreeSet<(ProductId, TradePolicyId)>,
}

impl V<'_> {
    pub(super) fn policies(&self) -> Policies {
        Policies {
            known: self.state.trade_policies.iter().map(|t| t.id).collect(),
            links: self
                .state
                .product_trade_policies
                .iter()
                .map(|l| (l.product_id, l.trade_policy_id))
                .collect(),
        }
    }

    /// The links product `id` (`exists` in the catalog or not) asks for at `path`.
    pub(super) fn trade_policies(
        &mut self,
        pi: usize,
        path: &str,
        asked: &[TradePolicyId],
        id: ProductId,
        exists: bool,
        policies: &Policies,
    ) -> Vec<(TradePolicyId, Change)> {
        let mut tps = Vec::new();
        let mut seen_tp = BTreeSet::new();
        for (ti, tp) in asked.iter().enumerate() {
            let tpath = format!("{path}.tradePolicies[{ti}]");
            if tp.0 == 0 {
                let message = "trade policy ids are positive (the main one is 1)";
                self.fail_product(pi, tpath, C::TradePolicyIdInvalid, message);
            } else if !seen_tp.insert(*tp) {
                let message = format!("trade policy {tp} is listed twice");
                self.fail_product(pi, tpath, C::TradePolicyDuplicate, message);
            } else if !policies.known.is_empty() && !policies.known.contains(tp) {
                let message = format!("the account has no trade policy {tp}");
                self.fail_product(pi, tpath, C::TradePolicyNotFound, message);
            } else if exists && policies.links.contains(&(id, *tp)) {
                self.unchanged += 1;
                tps.push((*tp, Change::Same));
            } else {
                tps.push((*tp, Change::Create));
            }
        }
        tps
    }
}
