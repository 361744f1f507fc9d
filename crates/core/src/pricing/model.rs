//! Pricing v2 as VTEX stores it (§D.1): an SKU's price (base, cost, markup, list price and
//! fixed prices), price rules, rounding rules and the account's configuration. Field names
//! are VTEX's.

use super::money::{Money, Percent};
use crate::catalog::import::SkuId;
use crate::orders::Timestamp;
use serde::{Deserialize, Serialize};

fn one() -> u32 {
    1
}

/// A price table: a trade policy's own table has the policy's id (`"1"`), any other is named
/// (`"vip"`) (§D.3).
pub type PriceTableId = String;

/// A period `[from, to)` (§D.2: `to` must come after `from`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DateRange {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl DateRange {
    /// Whether `at` falls inside: `from ≤ at < to` (§D.3; the end is exclusive, §D.4).
    pub fn contains(&self, at: &Timestamp) -> bool {
        &self.from <= at && at < &self.to
    }
}

/// A fixed price of an SKU in one price table (§D.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FixedPrice {
    /// The trade policy's id or the price table's name.
    pub trade_policy_id: PriceTableId,
    pub value: Money,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub list_price: Option<Money>,
    /// Defaults to 1 (`PATCH .../fixed`, §D.1).
    #[serde(default = "one")]
    #[cfg_attr(feature = "ts", ts(as = "Option<u32>", optional))]
    pub min_quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub date_range: Option<DateRange>,
}

/// What identifies a fixed price: `PATCH .../fixed` replaces the entry with the same
/// `tradePolicyId`, `minQuantity` and `dateRange` (§D.1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FixedPriceKey {
    pub trade_policy_id: PriceTableId,
    #[serde(default = "one")]
    #[cfg_attr(feature = "ts", ts(as = "Option<u32>", optional))]
    pub min_quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub date_range: Option<DateRange>,
}

impl FixedPrice {
    pub fn key(&self) -> FixedPriceKey {
        FixedPriceKey {
            trade_policy_id: self.trade_policy_id.clone(),
            min_quantity: self.min_quantity,
            date_range: self.date_range.clone(),
        }
    }
}

/// An SKU's price (`GET /pricing/prices/{itemId}`, §D.1). `markup` is a whole percentage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Price {
    pub item_id: SkuId,
    pub base_price: Option<Money>,
    pub cost_price: Option<Money>,
    pub markup: Option<i32>,
    pub list_price: Option<Money>,
    #[serde(default)]
    pub fixed_prices: Vec<FixedPrice>,
}

/// A range of markups, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MarkupRange {
    pub from: i32,
    pub to: i32,
}

/// Where a price rule applies (§D.1). Empty maps mean "any". `stockStatuses` and
/// `internalCategories` are not modelled (§D.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleContext {
    /// Category id → name.
    #[serde(default)]
    pub categories: std::collections::BTreeMap<String, String>,
    /// Brand id → name.
    #[serde(default)]
    pub brands: std::collections::BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub markup_range: Option<MarkupRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub date_range: Option<DateRange>,
}

/// A price rule of a price table (`/pricing/pipeline/catalog/{priceTableId}`, §D.1):
/// `sellingPrice = basePrice × (1 + percentualModifier / 100)` where the context fits (§D.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PriceRule {
    pub id: u32,
    #[serde(default)]
    pub context: RuleContext,
    pub percentual_modifier: Percent,
}

/// A rounding method (§D.3 step 3): the ending the last `digits` digits (in cents) get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RoundingMethod {
    /// A 9 followed by zeros (…90 on two digits).
    Nine,
    /// Nines only (…99).
    Nines,
    /// Zeros only (…00).
    Zero,
}

/// A rounding rule (Admin's "Price Rounding Rules", §D.3): prices in `[from, to]` get their
/// last `digits` digits, counted in cents, rounded to the method's ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RoundingRule {
    pub from: Money,
    pub to: Money,
    pub digits: u8,
    pub method: RoundingMethod,
}

/// `priceInheritance` (§D.1, §D.3 step 4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PriceInheritance {
    /// The account's own prices only.
    #[default]
    Never,
    /// The parent account's price where the account has none.
    Nonexistent,
    /// The parent account's price, always.
    Always,
}

/// `priceTableSelectionStrategy` (§D.3): which of several applicable tables prices the SKU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PriceTableSelection {
    #[default]
    First,
    Highest,
    Lowest,
}

/// `priceVariation` (§D.2): how far, in percent of the current value, one write may move a
/// price up or down. A missing limit does not limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct PriceVariation {
    pub upper_limit: Option<Percent>,
    pub lower_limit: Option<Percent>,
}

/// One entry of `tradePolicyConfigs` (§D.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TradePolicyPricingConfig {
    pub trade_policy_id: PriceTableId,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub rules_should_affect_list_price: bool,
}

/// The account's pricing configuration (`GET /pricing/config`, §D.1), the fields Ponte uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PricingConfig {
    /// The markup that derives the cost when a write gives the base price alone (§H.6).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<i32>", optional))]
    pub default_markup: i32,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<PriceVariation>", optional))]
    pub price_variation: PriceVariation,
    #[serde(default)]
    pub trade_policy_configs: Vec<TradePolicyPricingConfig>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<PriceInheritance>", optional))]
    pub price_inheritance: PriceInheritance,
    /// SKUs may have fixed prices without a base price.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub has_optional_base_price: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<PriceTableSelection>", optional))]
    pub price_table_selection_strategy: PriceTableSelection,
    /// Rounding rules (Admin only, not in the Pricing API; §D.4), first match applies.
    #[serde(default)]
    pub rounding_rules: Vec<RoundingRule>,
}

impl PricingConfig {
    /// Whether price rules change the list price in this table (§D.3 step 2).
    pub fn rules_affect_list_price(&self, table: &str) -> bool {
        self.trade_policy_configs
            .iter()
            .any(|c| c.trade_policy_id == table && c.rules_should_affect_list_price)
    }
}
