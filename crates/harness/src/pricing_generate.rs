//! Generators for pricing and inventory (§D, §E): computed-price requests over random price
//! structures and instants, price states with batches against them, and stock states with
//! counts, all from a seed.

use crate::bench::SplitMix;
use ponte_core::catalog::import::{SkuId, TradePolicyId};
use ponte_core::inventory::{
    Dock, InventoryEntry, InventoryState, LeadTime, Reservation, ReservationStatus, StockCount,
    Warehouse, WarehouseDock,
};
use ponte_core::orders::Timestamp;
use ponte_core::pricing::{
    ComputePriceRequest, DateRange, FixedPrice, FixedPriceKey, MarkupRange, Money, Percent, Price,
    PriceInheritance, PriceItem, PriceRule, PricingConfig, PricingState, RoundingMethod,
    RoundingRule, RuleContext, TradePolicyPricingConfig, resolve_base,
};
use ponte_core::skus::{KnownSku, SkuKey};

/// 2024-06-01T00:00:00Z, the middle of generated schedules.
pub const EPOCH: i64 = 1_717_200_000;

/// The instant `days` (may be negative) and `hours` after [`EPOCH`].
pub fn instant(days: i64, hours: i64) -> Timestamp {
    Timestamp::from_unix_seconds(EPOCH + days * 86_400 + hours * 3600)
        .unwrap_or_else(|| Timestamp::parse("2024-06-01T00:00:00Z").expect("a fixed date"))
}

fn money(rng: &mut SplitMix, max: usize) -> Money {
    Money::from_hundredths(rng.below(max) as i64).unwrap_or(Money::ZERO)
}

fn pick<'a>(rng: &mut SplitMix, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

const TABLES: [&str; 3] = ["1", "2", "vip"];

fn date_range(rng: &mut SplitMix) -> Option<DateRange> {
    if rng.chance(50) {
        return None;
    }
    let from = rng.below(20) as i64 - 10;
    let len = 1 + rng.below(10) as i64;
    Some(DateRange {
        from: instant(from, rng.below(24) as i64),
        to: instant(from + len, 0),
    })
}

fn fixed_price(rng: &mut SplitMix) -> FixedPrice {
    FixedPrice {
        trade_policy_id: pick(rng, &TABLES).to_owned(),
        value: money(rng, 50_000),
        list_price: rng.chance(30).then(|| money(rng, 80_000)),
        min_quantity: 1 + rng.below(4) as u32,
        date_range: date_range(rng),
    }
}

/// A price as VTEX would hold it: a base triple derived by the formula (or none), fixed
/// prices with distinct keys.
pub fn price(rng: &mut SplitMix, item: SkuId) -> Price {
    let triple = if rng.chance(80) {
        let cost = money(rng, 40_000);
        let markup = rng.below(300) as i32 - 50;
        resolve_base(None, Some(cost), Some(markup), 0)
            .ok()
            .flatten()
            .map(|x| x.1)
    } else {
        None
    };
    let mut fixed_prices: Vec<FixedPrice> = Vec::new();
    for _ in 0..rng.below(5) {
        let f = fixed_price(rng);
        if !fixed_prices.iter().any(|h| h.key() == f.key()) {
            fixed_prices.push(f);
        }
    }
    Price {
        item_id: item,
        base_price: triple.map(|t| t.base_price),
        cost_price: triple.map(|t| t.cost_price),
        markup: triple.map(|t| t.markup),
        list_price: rng.chance(40).then(|| money(rng, 80_000)),
        fixed_prices,
    }
}

fn rule(rng: &mut SplitMix) -> PriceRule {
    let mut context = RuleContext::default();
    if rng.chance(30) {
        context
            .categories
            .insert(pick(rng, &["10", "11", "12"]).to_owned(), "c".into());
    }
    if rng.chance(30) {
        context
            .brands
            .insert(pick(rng, &["7", "8"]).to_owned(), "b".into());
    }
    if rng.chance(30) {
        let from = rng.below(200) as i32 - 50;
        context.markup_range = Some(MarkupRange {
            from,
            to: from + rng.below(150) as i32,
        });
    }
    context.date_range = date_range(rng);
    PriceRule {
        id: rng.below(6) as u32,
        context,
        percentual_modifier: Percent::from_hundredths(rng.below(20_001) as i64 - 10_000)
            .unwrap_or(Percent::ZERO),
    }
}

fn rounding_rule(rng: &mut SplitMix) -> RoundingRule {
    let from = rng.below(60_000);
    RoundingRule {
        from: Money::from_hundredths(from as i64).unwrap_or(Money::ZERO),
        to: Money::from_hundredths((from + rng.below(60_000)) as i64).unwrap_or(Money::ZERO),
        digits: 1 + rng.below(4) as u8,
        method: [
            RoundingMethod::Nine,
            RoundingMethod::Nines,
            RoundingMethod::Zero,
        ][rng.below(3)],
    }
}

/// A valid computed-price request over a random price structure and instant.
pub fn compute_request(rng: &mut SplitMix) -> ComputePriceRequest {
    let mut config = PricingConfig {
        price_inheritance: [
            PriceInheritance::Never,
            PriceInheritance::Nonexistent,
            PriceInheritance::Always,
        ][rng.below(3)],
        ..PricingConfig::default()
    };
    for t in TABLES {
        if rng.chance(30) {
            config.trade_policy_configs.push(TradePolicyPricingConfig {
                trade_policy_id: t.to_owned(),
                rules_should_affect_list_price: rng.chance(50),
            });
        }
    }
    config.rounding_rules = (0..rng.below(3)).map(|_| rounding_rule(rng)).collect();
    ComputePriceRequest {
        price: rng.chance(90).then(|| price(rng, SkuId(1))),
        parent_price: rng.chance(40).then(|| price(rng, SkuId(1))),
        price_table: pick(rng, &TABLES).to_owned(),
        quantity: 1 + rng.below(5) as u32,
        at: instant(rng.below(24) as i64 - 12, rng.below(24) as i64),
        category_ids: (0..rng.below(3))
            .map(|_| pick(rng, &["10", "11", "12"]).to_owned())
            .collect(),
        brand_id: rng.chance(70).then(|| pick(rng, &["7", "8"]).to_owned()),
        rules: (0..rng.below(5)).map(|_| rule(rng)).collect(),
        config,
    }
}

/// Known SKUs `1..=n` with refIds `R{i}` and EANs `789{i}`.
pub fn known_skus(n: u32) -> Vec<KnownSku> {
    (1..=n)
        .map(|i| KnownSku {
            id: SkuId(i),
            ref_id: Some(format!("R{i}")),
            ean: Some(format!("789{i}")),
        })
        .collect()
}

/// A pricing state: six SKUs, most with a price.
pub fn pricing_state(rng: &mut SplitMix) -> PricingState {
    let skus = known_skus(6);
    let mut prices = Vec::new();
    for s in &skus {
        if rng.chance(70) {
            prices.push(price(rng, s.id));
        }
    }
    PricingState {
        skus,
        prices,
        price_tables: vec!["vip".into()],
        trade_policies: vec![TradePolicyId(1), TradePolicyId(2)],
        config: PricingConfig {
            default_markup: rng.below(100) as i32,
            has_optional_base_price: rng.chance(50),
            ..PricingConfig::default()
        },
    }
}

/// A valid batch over the state: distinct SKUs, base fields in a form §D.2 allows, fixed
/// prices that reuse held keys or add new ones, removals of held or absent keys, never
/// setting and removing one key in one item.
pub fn price_batch(rng: &mut SplitMix, state: &PricingState) -> Vec<PriceItem> {
    let mut items = Vec::new();
    for sku in &state.skus {
        if !rng.chance(70) {
            continue;
        }
        let held: Vec<FixedPrice> = state
            .prices
            .iter()
            .find(|p| p.item_id == sku.id)
            .map(|p| p.fixed_prices.clone())
            .unwrap_or_default();
        let key = if rng.chance(50) {
            SkuKey {
                ref_id: sku.ref_id.clone(),
                ean: None,
            }
        } else {
            SkuKey {
                ref_id: None,
                ean: sku.ean.clone(),
            }
        };
        let mut item = PriceItem {
            sku: key,
            ..PriceItem::default()
        };
        let cost = money(rng, 40_000);
        let base = money(rng, 80_000);
        let markup = rng.below(200) as i32;
        match rng.below(5) {
            0 => {
                item.cost_price = Some(cost);
                item.markup = Some(markup);
            }
            1 => {
                item.base_price = Some(base);
                item.markup = Some(markup);
            }
            2 => {
                item.base_price = Some(base);
                item.cost_price = Some(cost);
            }
            3 => item.base_price = Some(base),
            _ => {}
        }
        if rng.chance(30) {
            item.list_price = Some(money(rng, 90_000));
        }
        let mut keys: Vec<FixedPriceKey> = Vec::new();
        for _ in 0..rng.below(4) {
            let f = match (rng.chance(50), held.get(rng.below(held.len().max(1)))) {
                (true, Some(h)) => FixedPrice {
                    value: if rng.chance(50) {
                        h.value
                    } else {
                        money(rng, 50_000)
                    },
                    ..h.clone()
                },
                _ => fixed_price(rng),
            };
            if !keys.contains(&f.key()) {
                keys.push(f.key());
                item.fixed_prices.push(f);
            }
        }
        for _ in 0..rng.below(3) {
            let k = match held.get(rng.below(held.len().max(1))) {
                Some(h) if rng.chance(70) => h.key(),
                _ => fixed_price(rng).key(),
            };
            if !keys.contains(&k) && !item.remove_fixed_prices.contains(&k) {
                item.remove_fixed_prices.push(k);
            }
        }
        items.push(item);
    }
    items
}

/// An inventory state: four SKUs, warehouses `w0..w3` (one inactive), docks `d0..d2` for
/// trade policies `1`–`3` (one inactive), entries and reservations.
pub fn inventory_state(rng: &mut SplitMix) -> InventoryState {
    let skus = known_skus(4);
    let docks: Vec<Dock> = (0..3)
        .map(|i| Dock {
            id: format!("d{i}"),
            name: String::new(),
            sales_channels: ["1", "2", "3"]
                .iter()
                .filter(|_| rng.chance(60))
                .map(|c| (*c).to_owned())
                .collect(),
            freight_table_ids: Vec::new(),
            is_active: rng.chance(85),
        })
        .collect();
    let warehouses: Vec<Warehouse> = (0..4)
        .map(|i| Warehouse {
            id: format!("w{i}"),
            name: String::new(),
            warehouse_docks: (0..3)
                .filter(|_| rng.chance(50))
                .map(|d| WarehouseDock {
                    dock_id: format!("d{d}"),
                    time: None,
                })
                .collect(),
            is_active: rng.chance(85),
        })
        .collect();
    let mut entries = Vec::new();
    let mut reservations = Vec::new();
    for s in &skus {
        for w in &warehouses {
            if rng.chance(60) {
                entries.push(InventoryEntry {
                    sku_id: s.id,
                    warehouse_id: w.id.clone(),
                    total_quantity: rng.below(40) as u64,
                    unlimited_quantity: rng.chance(10),
                    lead_time: LeadTime(rng.below(3) as u64 * 86_400),
                    date_utc_on_balance_system: rng
                        .chance(80)
                        .then(|| instant(rng.below(10) as i64 - 5, 0)),
                });
            }
            for _ in 0..rng.below(3) {
                let status = [
                    ReservationStatus::Authorized,
                    ReservationStatus::Confirmed,
                    ReservationStatus::Acknowledged,
                    ReservationStatus::Cleared,
                    ReservationStatus::Cancelled,
                ][rng.below(5)];
                reservations.push(Reservation {
                    id: format!("r{}", reservations.len()),
                    sku_id: s.id,
                    warehouse_id: w.id.clone(),
                    quantity: 1 + rng.below(20) as u64,
                    status,
                    expires_at: Some(instant(rng.below(10) as i64, 0)),
                    acknowledged_at: (status == ReservationStatus::Acknowledged)
                        .then(|| instant(rng.below(10) as i64 - 5, rng.below(24) as i64)),
                });
            }
        }
    }
    InventoryState {
        skus,
        warehouses,
        docks,
        entries,
        reservations,
    }
}

/// A count of a random SKU in a random warehouse of the state.
pub fn stock_count(rng: &mut SplitMix, sku: u32, warehouse: usize) -> StockCount {
    StockCount {
        sku: SkuKey::ref_id(&format!("R{sku}")),
        warehouse: format!("w{warehouse}"),
        quantity: rng.below(40) as i64,
        unlimited_quantity: rng.chance(10),
        lead_time: rng.chance(40).then(|| format!("{}.00:00:00", rng.below(3))),
        date_utc_on_balance_system: rng
            .chance(90)
            .then(|| instant(rng.below(10) as i64 - 5, 0).to_string()),
    }
}

/// Pushes leaves of a JSON request, each with probability `percent`, to extremes (huge, negative, fractional, out-of-range
/// numbers; empty, long or malformed strings; wrong types), for the never-panic properties.
pub fn extremes(rng: &mut SplitMix, v: &mut serde_json::Value, percent: u64) {
    use serde_json::{Value, json};
    match v {
        Value::Object(map) => {
            for (_, child) in map.iter_mut() {
                extremes(rng, child, percent);
            }
        }
        Value::Array(items) => {
            for child in items.iter_mut() {
                extremes(rng, child, percent);
            }
        }
        Value::Number(_) if rng.chance(percent) => {
            *v = [
                json!(i64::MAX),
                json!(u64::MAX),
                json!(-1),
                json!(i64::MIN),
                json!(1e300),
                json!(0.001),
                json!(9_007_199_254_740_993u64),
                json!(99_999_999_999_999.99),
                json!(-0.0),
                json!("12.5"),
                json!(null),
            ][rng.below(11)]
            .clone();
        }
        Value::String(_) if rng.chance(percent) => {
            *v = [
                json!(""),
                json!("9999-12-31T23:59:59.999999999Z"),
                json!("0001-01-01T00:00:00Z"),
                json!("99999.23:59:59"),
                json!("\u{0}"),
                json!("1e3"),
                json!(7),
            ][rng.below(7)]
            .clone();
        }
        _ => {}
    }
}
