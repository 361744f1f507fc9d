//! Price sync planning (§D.5): from the ERP's batch and what VTEX holds, the writes that change
//! something, each `PUT` or `PATCH .../fixed` chosen so that no fixed price the ERP did not
//! remove is deleted.

use super::base::{BaseForm, BaseTriple, carry_form, check_variation, resolve_base};
use super::error::{PricingError, PricingErrorCode};
use super::model::{FixedPrice, FixedPriceKey, Price, PriceTableId, PricingConfig};
use super::money::Money;
use crate::catalog::import::{SkuId, TradePolicyId};
use crate::skus::{KnownSku, SkuKey, resolve};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One SKU's prices as the ERP sends them. Base fields: none (leave the base price alone), or
/// a base as §D.2 allows (two of three, or the base alone) with an optional `listPrice`.
/// `fixedPrices` are upserted; only `removeFixedPrices` deletes one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PriceItem {
    #[serde(flatten)]
    pub sku: SkuKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub base_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub cost_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub markup: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub list_price: Option<Money>,
    #[serde(default)]
    pub fixed_prices: Vec<FixedPrice>,
    #[serde(default)]
    pub remove_fixed_prices: Vec<FixedPriceKey>,
}

/// A price batch: one item per SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PriceBatch {
    pub items: Vec<PriceItem>,
}

/// What VTEX holds, as the service read it: the SKUs with their keys (Catalog), their prices
/// and the price tables (Pricing), the trade policies (Catalog) and the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PricingState {
    #[serde(default)]
    pub skus: Vec<KnownSku>,
    #[serde(default)]
    pub prices: Vec<Price>,
    #[serde(default)]
    pub price_tables: Vec<PriceTableId>,
    #[serde(default)]
    pub trade_policies: Vec<TradePolicyId>,
    #[serde(default)]
    pub config: PricingConfig,
}

impl PricingState {
    /// A price table exists when Pricing lists it or when it is a trade policy's, written as
    /// the policy's id (`"1"`, not `"01"`: fixed prices compare by that text, §D.5).
    pub fn has_table(&self, table: &str) -> bool {
        self.price_tables.iter().any(|t| t == table)
            || table.parse::<u32>().is_ok_and(|id| {
                id.to_string() == table && self.trade_policies.contains(&TradePolicyId(id))
            })
    }
}

/// The VTEX call of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PriceWriteMethod {
    /// `PUT /pricing/prices/{itemId}`: replaces the base price and every fixed price.
    Put,
    /// `PATCH /pricing/prices/{itemId}/fixed`: upserts the listed fixed prices.
    PatchFixed,
}

/// The body of a `PUT` (§D.1): exactly two of base, cost and markup (or the base alone, or
/// none when the account's base price is optional) and **every** fixed price the SKU keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PricePut {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub base_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub cost_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub markup: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub list_price: Option<Money>,
    pub fixed_prices: Vec<FixedPrice>,
}

/// One write of the plan: `put` for [`PriceWriteMethod::Put`], `fixedPrices` (only the new or
/// changed ones) for [`PriceWriteMethod::PatchFixed`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PriceWrite {
    /// The batch item it comes from.
    pub item: u32,
    pub item_id: SkuId,
    pub method: PriceWriteMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub put: Option<PricePut>,
    #[serde(default)]
    pub fixed_prices: Vec<FixedPrice>,
    /// Fixed prices this `PUT` deletes: exactly those the batch removed.
    #[serde(default)]
    pub removed_fixed_prices: Vec<FixedPriceKey>,
}

/// Counts of a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PriceSyncSummary {
    pub items: u32,
    pub unchanged: u32,
    pub puts: u32,
    pub patches: u32,
    pub fixed_prices_removed: u32,
}

/// The writes, at most one per SKU, in batch order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PricePlan {
    pub writes: Vec<PriceWrite>,
    pub summary: PriceSyncSummary,
}

fn held_triple(p: &Price) -> Option<BaseTriple> {
    match (p.base_price, p.cost_price, p.markup) {
        (Some(b), Some(c), Some(m)) => Some(BaseTriple {
            base_price: b,
            cost_price: c,
            markup: m,
        }),
        _ => None,
    }
}

fn put_base(form: BaseForm, t: &BaseTriple) -> (Option<Money>, Option<Money>, Option<i32>) {
    match form {
        BaseForm::CostAndMarkup => (None, Some(t.cost_price), Some(t.markup)),
        BaseForm::BaseAndMarkup => (Some(t.base_price), None, Some(t.markup)),
        BaseForm::BaseAndCost => (Some(t.base_price), Some(t.cost_price), None),
        BaseForm::BaseOnly => (Some(t.base_price), None, None),
    }
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn check_current(state: &PricingState, errors: &mut Vec<PricingError>) {
    let mut seen = BTreeMap::new();
    for (i, p) in state.prices.iter().enumerate() {
        if let Some(first) = seen.insert(p.item_id, i) {
            errors.push(PricingError::new(
                format!("current.prices[{i}]"),
                PricingErrorCode::CurrentStateInvalid,
                format!(
                    "SKU {} has a second price record (first at {first})",
                    p.item_id
                ),
            ));
        }
        let mut keys = std::collections::BTreeSet::new();
        for (j, f) in p.fixed_prices.iter().enumerate() {
            if !keys.insert(f.key()) {
                errors.push(PricingError::new(
                    format!("current.prices[{i}].fixedPrices[{j}]"),
                    PricingErrorCode::CurrentStateInvalid,
                    "a second fixed price with the same table, minQuantity and dateRange",
                ));
            }
        }
    }
}

fn check_fixed_key(
    state: &PricingState,
    path: &str,
    table: &str,
    min_quantity: u32,
    range: Option<&super::model::DateRange>,
    errors: &mut Vec<PricingError>,
) {
    if !state.has_table(table) {
        errors.push(PricingError::new(
            format!("{path}.tradePolicyId"),
            PricingErrorCode::PriceTableNotFound,
            format!("no price table or trade policy {table:?}"),
        ));
    }
    if min_quantity == 0 {
        errors.push(PricingError::new(
            format!("{path}.minQuantity"),
            PricingErrorCode::MinQuantityInvalid,
            "minQuantity must be at least 1",
        ));
    }
    if let Some(r) = range
        && r.to <= r.from
    {
        errors.push(PricingError::new(
            format!("{path}.dateRange"),
            PricingErrorCode::DateRangeInvalid,
            format!("dateRange.to ({}) must come after from ({})", r.to, r.from),
        ));
    }
}

/// Validates the batch against the state and plans it; `Err` holds every error, and then
/// nothing may be written. A `PUT` carries the fixed prices of `state`: the executor should
/// re-read and re-plan an item just before its `PUT` (§D.5).
pub fn plan_prices(
    state: &PricingState,
    batch: &PriceBatch,
) -> Result<PricePlan, Vec<PricingError>> {
    let mut errors = Vec::new();
    check_current(state, &mut errors);
    let held: BTreeMap<SkuId, &Price> = state.prices.iter().map(|p| (p.item_id, p)).collect();
    let mut seen: BTreeMap<SkuId, usize> = BTreeMap::new();
    let mut plan = PricePlan::default();
    plan.summary.items = u32_of(batch.items.len());
    for (i, item) in batch.items.iter().enumerate() {
        let path = format!("items[{i}]");
        let before = errors.len();
        let sku = match resolve(&state.skus, &item.sku) {
            Ok(id) => {
                if let Some(first) = seen.insert(id, i) {
                    errors.push(PricingError::new(
                        &path,
                        PricingErrorCode::SkuDuplicate,
                        format!("SKU {id} already has items[{first}]"),
                    ));
                }
                Some(id)
            }
            Err(problem) => {
                use PricingErrorCode as C;
                let code = problem.code(C::SkuKeyMissing, C::SkuNotFound, C::SkuKeyMismatch);
                errors.push(PricingError::new(&path, code, problem.message()));
                None
            }
        };
        let mut negative = |p: String, v: Option<Money>| {
            if v.is_some_and(|v| v.hundredths() < 0) {
                errors.push(PricingError::new(
                    p,
                    PricingErrorCode::AmountNegative,
                    "a price cannot be negative",
                ));
            }
        };
        negative(format!("{path}.basePrice"), item.base_price);
        negative(format!("{path}.costPrice"), item.cost_price);
        negative(format!("{path}.listPrice"), item.list_price);
        for (j, f) in item.fixed_prices.iter().enumerate() {
            negative(format!("{path}.fixedPrices[{j}].value"), Some(f.value));
            negative(format!("{path}.fixedPrices[{j}].listPrice"), f.list_price);
        }
        // Checked whatever else is wrong with the item, so that every error shows at once.
        let resolved = match resolve_base(
            item.base_price,
            item.cost_price,
            item.markup,
            state.config.default_markup,
        ) {
            Ok(r) => r,
            Err((code, message)) => {
                errors.push(PricingError::new(&path, code, message));
                None
            }
        };
        let mut upserts: BTreeMap<FixedPriceKey, (usize, &FixedPrice)> = BTreeMap::new();
        for (j, f) in item.fixed_prices.iter().enumerate() {
            let fpath = format!("{path}.fixedPrices[{j}]");
            check_fixed_key(
                state,
                &fpath,
                &f.trade_policy_id,
                f.min_quantity,
                f.date_range.as_ref(),
                &mut errors,
            );
            if let Some((first, _)) = upserts.insert(f.key(), (j, f)) {
                errors.push(PricingError::new(
                    fpath,
                    PricingErrorCode::FixedPriceDuplicate,
                    format!("the same table, minQuantity and dateRange as fixedPrices[{first}]"),
                ));
            }
        }
        for (j, k) in item.remove_fixed_prices.iter().enumerate() {
            let rpath = format!("{path}.removeFixedPrices[{j}]");
            check_fixed_key(
                state,
                &rpath,
                &k.trade_policy_id,
                k.min_quantity,
                k.date_range.as_ref(),
                &mut errors,
            );
            if let Some((u, _)) = upserts.get(k) {
                errors.push(PricingError::new(
                    rpath,
                    PricingErrorCode::FixedPriceRemovalConflict,
                    format!("fixedPrices[{u}] sets the fixed price this removes"),
                ));
            }
        }
        if errors.len() != before {
            continue;
        }
        let Some(sku) = sku else { continue };
        match plan_item(state, held.get(&sku).copied(), item, resolved, i, sku) {
            Ok(Some(w)) => {
                match w.method {
                    PriceWriteMethod::Put => {
                        plan.summary.puts = plan.summary.puts.saturating_add(1)
                    }
                    PriceWriteMethod::PatchFixed => {
                        plan.summary.patches = plan.summary.patches.saturating_add(1)
                    }
                }
                plan.summary.fixed_prices_removed = plan
                    .summary
                    .fixed_prices_removed
                    .saturating_add(u32_of(w.removed_fixed_prices.len()));
                plan.writes.push(w);
            }
            Ok(None) => plan.summary.unchanged = plan.summary.unchanged.saturating_add(1),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// One valid item against the SKU's held price: the one write it needs, if any.
fn plan_item(
    state: &PricingState,
    held: Option<&Price>,
    item: &PriceItem,
    resolved: Option<(BaseForm, BaseTriple)>,
    index: usize,
    sku: SkuId,
) -> Result<Option<PriceWrite>, Vec<PricingError>> {
    let path = format!("items[{index}]");
    let limits = &state.config.price_variation;
    let mut errors = Vec::new();
    let held_fixed: &[FixedPrice] = held.map(|p| p.fixed_prices.as_slice()).unwrap_or_default();
    let held_opts = held.map_or((None, None, None), |p| {
        (p.base_price, p.cost_price, p.markup)
    });
    let held_list = held.and_then(|p| p.list_price);

    // The base part: changed when the item gives one that differs from what is held.
    let gives_base = resolved.is_some() || item.list_price.is_some();
    let desired_base = match (resolved, held.and_then(held_triple), held_opts.0) {
        (Some(r), _, _) => Some(r),
        (None, Some(t), _) => Some((carry_form(&t), t)),
        (None, None, Some(b)) => Some((
            BaseForm::BaseOnly,
            BaseTriple {
                base_price: b,
                cost_price: held_opts.1.unwrap_or(Money::ZERO),
                markup: held_opts.2.unwrap_or(0),
            },
        )),
        (None, None, None) => None,
    };
    let desired_opts = desired_base.map_or((None, None, None), |(_, t)| {
        (Some(t.base_price), Some(t.cost_price), Some(t.markup))
    });
    let desired_list = if gives_base {
        item.list_price
    } else {
        held_list
    };
    let base_changed = gives_base && (desired_opts != held_opts || desired_list != held_list);
    if base_changed
        && let (Some(h), Some((_, d))) = (held_opts.0, desired_base)
        && let Err((code, message)) = check_variation(h, d.base_price, limits)
    {
        errors.push(PricingError::new(
            format!("{path}.basePrice"),
            code,
            message,
        ));
    }

    // The fixed prices: removals that remove something, upserts that change something.
    let removed: Vec<FixedPriceKey> = held_fixed
        .iter()
        .map(FixedPrice::key)
        .filter(|k| item.remove_fixed_prices.contains(k))
        .collect();
    let mut changed = Vec::new();
    for (j, f) in item.fixed_prices.iter().enumerate() {
        match held_fixed.iter().find(|h| h.key() == f.key()) {
            Some(h) if h == f => {}
            Some(h) => {
                if let Err((code, message)) = check_variation(h.value, f.value, limits) {
                    errors.push(PricingError::new(
                        format!("{path}.fixedPrices[{j}].value"),
                        code,
                        message,
                    ));
                }
                changed.push(f.clone());
            }
            None => changed.push(f.clone()),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let writes = base_changed || !removed.is_empty() || !changed.is_empty();
    if writes && desired_base.is_none() && !state.config.has_optional_base_price {
        return Err(vec![PricingError::new(
            &path,
            PricingErrorCode::BasePriceMissing,
            "this SKU has no base price and the account requires one (hasOptionalBasePrice is false); give one",
        )]);
    }
    if !base_changed && removed.is_empty() {
        if changed.is_empty() {
            return Ok(None);
        }
        return Ok(Some(PriceWrite {
            item: u32_of(index),
            item_id: sku,
            method: PriceWriteMethod::PatchFixed,
            put: None,
            fixed_prices: changed,
            removed_fixed_prices: Vec::new(),
        }));
    }
    // A PUT: it must carry every fixed price the SKU keeps.
    let mut keep: Vec<FixedPrice> = held_fixed
        .iter()
        .filter(|h| !removed.contains(&h.key()))
        .cloned()
        .collect();
    for f in &item.fixed_prices {
        match keep.iter_mut().find(|h| h.key() == f.key()) {
            Some(h) => *h = f.clone(),
            None => keep.push(f.clone()),
        }
    }
    let (base_price, cost_price, markup) = match desired_base {
        Some((form, t)) => put_base(form, &t),
        None => (None, None, None),
    };
    Ok(Some(PriceWrite {
        item: u32_of(index),
        item_id: sku,
        method: PriceWriteMethod::Put,
        put: Some(PricePut {
            base_price,
            cost_price,
            markup,
            list_price: desired_list,
            fixed_prices: keep,
        }),
        fixed_prices: Vec::new(),
        removed_fixed_prices: removed,
    }))
}

/// The reference executor: what VTEX holds after the plan's writes (`PUT` replaces the whole
/// price, `PATCH .../fixed` upserts by key, §D.1). Used by tests to prove a plan complete and
/// idempotent; `Err` only for a write VTEX would refuse.
pub fn apply_price_plan(
    state: &PricingState,
    plan: &PricePlan,
) -> Result<PricingState, PricingError> {
    let mut next = state.clone();
    for w in &plan.writes {
        let at = next.prices.iter().position(|p| p.item_id == w.item_id);
        let mut price = match at {
            Some(i) => next.prices.remove(i),
            None => Price {
                item_id: w.item_id,
                base_price: None,
                cost_price: None,
                markup: None,
                list_price: None,
                fixed_prices: Vec::new(),
            },
        };
        match (w.method, &w.put) {
            (PriceWriteMethod::Put, Some(put)) => {
                let triple = resolve_base(
                    put.base_price,
                    put.cost_price,
                    put.markup,
                    next.config.default_markup,
                )
                .map_err(|(code, message)| {
                    PricingError::new(format!("writes[{}]", w.item), code, message)
                })?
                .map(|x| x.1);
                price.base_price = triple.map(|t| t.base_price);
                price.cost_price = triple.map(|t| t.cost_price);
                price.markup = triple.map(|t| t.markup);
                price.list_price = put.list_price;
                price.fixed_prices = put.fixed_prices.clone();
            }
            _ => {
                for f in &w.fixed_prices {
                    match price.fixed_prices.iter_mut().find(|h| h.key() == f.key()) {
                        Some(h) => *h = f.clone(),
                        None => price.fixed_prices.push(f.clone()),
                    }
                }
            }
        }
        next.prices.push(price);
    }
    Ok(next)
}
