//! The shopper load: `POST /_sim/oms/shoppers` creates orders progressively, each then runs
//! the workflow; a fraction is cancelled by its shopper inside the cancellation window
//! (automatic, §A.5.1).
//!
//! Order `i` of a run is a pure function of `(seed, i)` (splitmix64): 1 to `itemsMax` distinct
//! SKUs among `"1"`..`"50"`, 1 to 3 units each, the SKU's fixed price (`price(sku)` cents, from
//! 10.90 to 99.90; list price up to 10.00 above), freight 0, 9.90 or 15.90, and whether (and
//! when in the window) the shopper cancels. Progress is saved with each batch of orders, in
//! the same transaction, so a run interrupted by a restart resumes where it stopped and creates
//! exactly the orders it had left.

use super::engine::{Engine, NewItem, NewOrder};
use crate::platform::rng::{splitmix64, unit};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The parameters of `POST /_sim/oms/shoppers`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ShopperParams {
    /// Defaults to the request's account.
    pub account: Option<String>,
    pub orders: u64,
    pub per_second: f64,
    pub seed: u64,
    pub customer_cancel_rate: f64,
    pub items_max: u32,
}

impl Default for ShopperParams {
    fn default() -> Self {
        ShopperParams {
            account: None,
            orders: 100,
            per_second: 50.0,
            seed: 1,
            customer_cancel_rate: 0.0,
            items_max: 3,
        }
    }
}

impl ShopperParams {
    pub fn check(&self) -> Result<(), String> {
        if self.orders == 0 || self.orders > 1_000_000 {
            return Err("orders must be 1 to 1000000".into());
        }
        if !self.per_second.is_finite() || self.per_second <= 0.0 || self.per_second > 100_000.0 {
            return Err("perSecond must be above 0 and at most 100000".into());
        }
        if !self.customer_cancel_rate.is_finite()
            || !(0.0..=1.0).contains(&self.customer_cancel_rate)
        {
            return Err("customerCancelRate must be within 0..=1".into());
        }
        if self.items_max == 0 || self.items_max > 50 {
            return Err("itemsMax must be 1 to 50".into());
        }
        Ok(())
    }
}

/// A run's parameters and progress (stored in `oms_runs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub run_id: String,
    /// The run's number (shopper numbers are derived from it).
    pub number: u64,
    pub account: String,
    pub orders: u64,
    pub per_second: f64,
    pub seed: u64,
    pub customer_cancel_rate: f64,
    pub items_max: u32,
    /// Orders created so far.
    pub created: u64,
    /// Orders whose shopper will cancel inside the window.
    pub customer_cancels_planned: u64,
    pub finished: bool,
}

/// The unit price of a SKU `"1"`..`"50"`, cents.
pub fn price(sku: u64) -> i64 {
    1090 + i64::try_from((sku * 7919) % 90).unwrap_or(0) * 100
}

/// Order `index` of a run.
pub fn order_for(run: &RunRecord, index: u64) -> NewOrder {
    let mut s = run.seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    splitmix64(&mut s);
    let count = 1 + (splitmix64(&mut s) % u64::from(run.items_max.min(50)));
    let mut skus: Vec<u64> = Vec::new();
    while (skus.len() as u64) < count {
        let sku = 1 + splitmix64(&mut s) % 50;
        if !skus.contains(&sku) {
            skus.push(sku);
        }
    }
    let items = skus
        .into_iter()
        .map(|sku| NewItem {
            id: sku.to_string(),
            quantity: u32::try_from(1 + splitmix64(&mut s) % 3).unwrap_or(1),
            price: price(sku),
            list_price: Some(price(sku) + i64::try_from(sku % 3).unwrap_or(0) * 500),
            name: None,
            ref_id: None,
        })
        .collect();
    let shipping = [0, 990, 1590][usize::try_from(splitmix64(&mut s) % 3).unwrap_or(0)];
    let cancels = unit(&mut s) < run.customer_cancel_rate;
    let permille = 100 + u32::try_from(splitmix64(&mut s) % 800).unwrap_or(0);
    NewOrder {
        items,
        shipping,
        shopper: run.number * 1_000_000 + index + 1,
        incomplete: false,
        customer_cancel_permille: cancels.then_some(permille),
        run_id: Some(run.run_id.clone()),
        gateway_payment: false,
    }
}

/// Creates a run's remaining orders at its pace until done or `stop`.
pub async fn drive(engine: Arc<Engine>, run_id: String, mut stop: watch::Receiver<bool>) {
    let start = Instant::now();
    let Some(first) = engine.with(|i| i.runs.get(&run_id).cloned()) else {
        return;
    };
    let base = first.created;
    loop {
        if *stop.borrow() {
            return;
        }
        let Some(run) = engine.with(|i| i.runs.get(&run_id).cloned()) else {
            return;
        };
        if run.created >= run.orders {
            if !run.finished {
                let mut done = run.clone();
                done.finished = true;
                let e = engine.clone();
                let saved = tokio::task::spawn_blocking(move || e.save_run(done)).await;
                if !matches!(saved, Ok(Ok(()))) {
                    eprintln!("ponte-sim oms: cannot save shopper run {run_id}");
                }
            }
            return;
        }
        let elapsed = start.elapsed().as_secs_f64();
        let target = (base + 1 + (elapsed * run.per_second) as u64).min(run.orders);
        let batch_end = target.min(run.created + 500);
        if batch_end > run.created {
            let orders: Vec<NewOrder> = (run.created..batch_end)
                .map(|i| order_for(&run, i))
                .collect();
            let mut progress = run.clone();
            progress.created = batch_end;
            progress.customer_cancels_planned += orders
                .iter()
                .filter(|o| o.customer_cancel_permille.is_some())
                .count() as u64;
            progress.finished = batch_end >= run.orders;
            let e = engine.clone();
            let account = run.account.clone();
            let created =
                tokio::task::spawn_blocking(move || e.create(&account, orders, Some(progress)))
                    .await;
            if !matches!(created, Ok(Ok(_))) {
                eprintln!("ponte-sim oms: shopper run {run_id} could not create orders; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                    _ = stop.changed() => return,
                }
            }
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64) -> RunRecord {
        RunRecord {
            run_id: "run-1".into(),
            number: 1,
            account: "ponte".into(),
            orders: 10,
            per_second: 10.0,
            seed,
            customer_cancel_rate: 0.5,
            items_max: 4,
            created: 0,
            customer_cancels_planned: 0,
            finished: false,
        }
    }

    #[test]
    fn orders_are_deterministic_and_within_bounds() {
        let a: Vec<NewOrder> = (0..50).map(|i| order_for(&run(7), i)).collect();
        let b: Vec<NewOrder> = (0..50).map(|i| order_for(&run(7), i)).collect();
        assert_eq!(a, b);
        let c: Vec<NewOrder> = (0..50).map(|i| order_for(&run(8), i)).collect();
        assert_ne!(a, c);
        for o in &a {
            assert!(o.check().is_ok());
            assert!((1..=4).contains(&o.items.len()));
            for item in &o.items {
                let sku: u64 = item.id.parse().unwrap_or(0);
                assert!((1..=50).contains(&sku));
                assert!((1..=3).contains(&item.quantity));
            }
        }
        let cancels = a
            .iter()
            .filter(|o| o.customer_cancel_permille.is_some())
            .count();
        assert!((10..=40).contains(&cancels), "about half cancel: {cancels}");
    }
}
