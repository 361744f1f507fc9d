//! The ERP side of prices and stock: a deterministic price list and stock counts for the SKUs
//! of the sample catalog ([`super::batch`]), as ponte-core's [`PriceBatch`] and
//! [`InventoryBatch`], plus a delta generator (the changes of one "round" of the day).
//!
//! - `GET /_sim/erp/price-batch?seed=1&skus=2000`: one item per SKU (`refId` `S{seed}-000001`…,
//!   every fifth named by its EAN instead, as ERPs that key on barcodes do). The base price is
//!   given as cost and markup for two SKUs in five, as the base alone otherwise (§D.2), with a
//!   list price above it for one in three. Fixed prices: trade policy `1` for one SKU in four,
//!   a quantity tier (`minQuantity` 10) in the `b2b` table for one in six, and a date-ranged
//!   promotion in the `outlet` table for one in eight (§D.1).
//! - `GET /_sim/erp/stock-batch?seed=1&skus=2000`: a count per SKU in each of two warehouses
//!   (`wh-sp` for every SKU, `wh-rj` for two in three), one SKU in twenty unlimited, lead
//!   times for one in ten, all taken at `2026-01-01T06:00:00Z`.
//! - `GET /_sim/erp/price-deltas?seed=1&skus=2000&round=1&count=50` and
//!   `GET /_sim/erp/stock-deltas?...`: `count` distinct SKUs changed in `round` (1, 2, …):
//!   base prices moved by −5 % … +5 %, stock counts re-taken `round` hours later.
//!
//! The price tables `b2b` and `outlet` and the warehouses `wh-sp` and `wh-rj` are the store's
//! set-up, not the ERP's: a test creates them in Pricing and Logistics first ([`TABLES`],
//! [`WAREHOUSES`]). The same parameters always give the same batch (splitmix64).

use ponte_core::inventory::{InventoryBatch, StockCount};
use ponte_core::orders::Timestamp;
use ponte_core::pricing::{DateRange, FixedPrice, Money, PriceBatch, PriceItem};
use ponte_core::skus::SkuKey;
use serde::Deserialize;

/// The price tables the price list uses besides trade policy 1.
pub const TABLES: [&str; 2] = ["b2b", "outlet"];
/// The warehouses the stock counts name.
pub const WAREHOUSES: [&str; 2] = ["wh-sp", "wh-rj"];
/// When the full stock counts were taken.
pub const COUNTED_AT: &str = "2026-01-01T06:00:00Z";
/// At most this many SKUs.
pub const MAX_SKUS: usize = 200_000;

/// Parameters of the price and stock generators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StockPriceParams {
    pub seed: u64,
    pub skus: usize,
    /// Deltas only: which round (1, 2, …).
    pub round: u32,
    /// Deltas only: how many SKUs change.
    pub count: usize,
}

impl Default for StockPriceParams {
    fn default() -> Self {
        StockPriceParams {
            seed: 1,
            skus: 2000,
            round: 1,
            count: 50,
        }
    }
}

impl StockPriceParams {
    pub fn check(&self) -> Result<(), String> {
        if self.skus == 0 || self.skus > MAX_SKUS {
            return Err(format!("skus must be from 1 to {MAX_SKUS}"));
        }
        if self.round == 0 || self.round > 1000 {
            return Err("round must be from 1 to 1000".into());
        }
        if self.count > self.skus {
            return Err("count must be at most skus".into());
        }
        Ok(())
    }
}

struct Rng(u64);

impl Rng {
    fn new(seed: u64, salt: u64) -> Self {
        Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ salt)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            crate::platform::rng::splitmix64(&mut self.0) % n
        }
    }
}

fn money(cents: i64) -> Money {
    Money::from_hundredths(cents).unwrap_or(Money::ZERO)
}

fn ts(s: &str) -> Timestamp {
    // The constants below are valid; a failure would be a bug in this file.
    Timestamp::parse(s).unwrap_or_else(|| Timestamp::parse(COUNTED_AT).expect("COUNTED_AT"))
}

/// The key the ERP names SKU `n` (1-based) by: its refId, or its EAN for every fifth.
fn sku_key(seed: u64, n: usize) -> SkuKey {
    if n.is_multiple_of(5) {
        SkuKey {
            ref_id: None,
            ean: Some(format!(
                "{:013}",
                7_890_000_000_000u64 + (seed % 1000) * 1_000_000 + n as u64
            )),
        }
    } else {
        SkuKey::ref_id(&format!("S{seed}-{n:06}"))
    }
}

/// SKU `n`'s base price in cents (stable across calls; deltas move it).
fn base_cents(seed: u64, n: usize) -> i64 {
    let mut rng = Rng::new(seed, n as u64);
    // 9.90 … 999.90
    990 + 10 * rng.below(99_000) as i64
}

fn price_item(seed: u64, n: usize, base: i64) -> PriceItem {
    let mut item = PriceItem {
        sku: sku_key(seed, n),
        ..PriceItem::default()
    };
    if n % 5 < 2 {
        // Cost and markup (§D.2): a markup that gives the base price back, rounded to the cent.
        let markup = 20 + (n % 4) as i32 * 10;
        let cost = base * 100 / (100 + i64::from(markup));
        item.cost_price = Some(money(cost));
        item.markup = Some(markup);
    } else {
        item.base_price = Some(money(base));
    }
    if n.is_multiple_of(3) {
        item.list_price = Some(money(base + base / 5));
    }
    if n.is_multiple_of(4) {
        item.fixed_prices.push(FixedPrice {
            trade_policy_id: "1".into(),
            value: money(base - base / 10),
            list_price: None,
            min_quantity: 1,
            date_range: None,
        });
    }
    if n.is_multiple_of(6) {
        item.fixed_prices.push(FixedPrice {
            trade_policy_id: TABLES[0].into(),
            value: money(base - base / 4),
            list_price: Some(money(base)),
            min_quantity: 10,
            date_range: None,
        });
    }
    if n.is_multiple_of(8) {
        item.fixed_prices.push(FixedPrice {
            trade_policy_id: TABLES[1].into(),
            value: money(base / 2),
            list_price: Some(money(base)),
            min_quantity: 1,
            date_range: Some(DateRange {
                from: ts("2026-11-27T00:00:00Z"),
                to: ts("2026-12-01T00:00:00Z"),
            }),
        });
    }
    item
}

/// The full price list.
pub fn price_batch(p: &StockPriceParams) -> PriceBatch {
    PriceBatch {
        items: (1..=p.skus)
            .map(|n| price_item(p.seed, n, base_cents(p.seed, n)))
            .collect(),
    }
}

fn count(seed: u64, n: usize, warehouse: &str, quantity: i64, at: &str, lead: bool) -> StockCount {
    StockCount {
        sku: sku_key(seed, n),
        warehouse: warehouse.to_owned(),
        quantity,
        unlimited_quantity: n % 20 == 7,
        lead_time: lead.then(|| "1.00:00:00".to_owned()),
        date_utc_on_balance_system: Some(at.to_owned()),
    }
}

fn quantity(seed: u64, n: usize, w: usize, round: u32) -> i64 {
    let mut rng = Rng::new(
        seed ^ 0x5A5A,
        (n as u64) << 8 | (w as u64) << 4 | u64::from(round),
    );
    // One in eleven out of stock.
    if rng.below(11) == 0 {
        0
    } else {
        1 + rng.below(500) as i64
    }
}

/// The full stock counts.
pub fn stock_batch(p: &StockPriceParams) -> InventoryBatch {
    let mut counts = Vec::new();
    for n in 1..=p.skus {
        counts.push(count(
            p.seed,
            n,
            WAREHOUSES[0],
            quantity(p.seed, n, 0, 0),
            COUNTED_AT,
            n % 10 == 3,
        ));
        if n % 3 != 0 {
            counts.push(count(
                p.seed,
                n,
                WAREHOUSES[1],
                quantity(p.seed, n, 1, 0),
                COUNTED_AT,
                false,
            ));
        }
    }
    InventoryBatch { counts }
}

/// The `count` distinct SKUs (1-based) that change in `round`.
fn changed(p: &StockPriceParams, salt: u64) -> Vec<usize> {
    let mut rng = Rng::new(p.seed ^ salt, u64::from(p.round));
    let mut picked = std::collections::BTreeSet::new();
    while picked.len() < p.count {
        picked.insert(1 + rng.below(p.skus as u64) as usize);
    }
    picked.into_iter().collect()
}

/// A round of price changes: the base price of `count` SKUs moved by −5 % … +5 % (fixed prices
/// as in the list, so a delta never removes one).
pub fn price_deltas(p: &StockPriceParams) -> PriceBatch {
    let items = changed(p, 0xD1)
        .into_iter()
        .map(|n| {
            let base = base_cents(p.seed, n);
            let mut rng = Rng::new(p.seed ^ 0xD2, (n as u64) << 12 | u64::from(p.round));
            let pct = rng.below(11) as i64 - 5;
            let moved = (base + base * pct / 100).max(1);
            price_item(p.seed, n, moved)
        })
        .collect();
    PriceBatch { items }
}

/// A round of stock counts: `count` SKUs re-counted in `wh-sp`, `round` hours after the full
/// counts.
pub fn stock_deltas(p: &StockPriceParams) -> InventoryBatch {
    let at = format!("2026-01-01T{:02}:00:00Z", (6 + p.round).min(23));
    let counts = changed(p, 0xD3)
        .into_iter()
        .map(|n| {
            count(
                p.seed,
                n,
                WAREHOUSES[0],
                quantity(p.seed, n, 0, p.round),
                &at,
                n % 10 == 3,
            )
        })
        .collect();
    InventoryBatch { counts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::inventory::{InventoryState, InventorySyncRequest, plan_inventory_sync};
    use ponte_core::pricing::{PriceSyncRequest, PricingState, plan_price_sync};
    use ponte_core::skus::KnownSku;

    fn skus(p: &StockPriceParams) -> Vec<KnownSku> {
        (1..=p.skus)
            .map(|n| KnownSku {
                id: ponte_core::catalog::import::SkuId(n as u32 + 100),
                ref_id: Some(format!("S{}-{n:06}", p.seed)),
                ean: Some(format!(
                    "{:013}",
                    7_890_000_000_000u64 + (p.seed % 1000) * 1_000_000 + n as u64
                )),
            })
            .collect()
    }

    #[test]
    fn the_price_list_plans_cleanly_and_is_deterministic() {
        let p = StockPriceParams {
            skus: 300,
            ..StockPriceParams::default()
        };
        let batch = price_batch(&p);
        assert_eq!(batch, price_batch(&p));
        let state = PricingState {
            skus: skus(&p),
            price_tables: TABLES.iter().map(|t| (*t).to_owned()).collect(),
            trade_policies: vec![ponte_core::catalog::import::TradePolicyId(1)],
            ..PricingState::default()
        };
        let answer = plan_price_sync(&PriceSyncRequest {
            current: state,
            batch,
        });
        assert_eq!(answer.errors, vec![]);
        let plan = answer.plan.expect("a plan");
        assert_eq!(plan.writes.len(), 300);
        assert!(plan.writes.iter().any(|w| w.fixed_prices.len()
            + w.put.as_ref().map_or(0, |p| p.fixed_prices.len())
            >= 2));
        let deltas = price_deltas(&p);
        assert_eq!(deltas.items.len(), 50);
    }

    #[test]
    fn the_stock_counts_plan_cleanly() {
        let p = StockPriceParams {
            skus: 300,
            ..StockPriceParams::default()
        };
        let batch = stock_batch(&p);
        assert_eq!(batch.counts.len(), 300 + 200);
        assert!(batch.counts.iter().any(|c| c.unlimited_quantity));
        let state = InventoryState {
            skus: skus(&p),
            warehouses: WAREHOUSES
                .iter()
                .map(|w| ponte_core::inventory::Warehouse {
                    id: (*w).to_owned(),
                    name: (*w).to_owned(),
                    warehouse_docks: vec![],
                    is_active: true,
                })
                .collect(),
            ..InventoryState::default()
        };
        let answer = plan_inventory_sync(&InventorySyncRequest {
            current: state,
            batch,
            now: ts("2026-01-02T00:00:00Z"),
        });
        assert_eq!(answer.errors, vec![]);
        assert_eq!(answer.plan.expect("a plan").writes.len(), 500);
        let deltas = stock_deltas(&StockPriceParams { round: 3, ..p });
        assert_eq!(deltas.counts.len(), 50);
        assert!(
            deltas.counts[0].date_utc_on_balance_system.as_deref() == Some("2026-01-01T09:00:00Z")
        );
    }
}
