//! The computed (selling) price of an SKU in a price table, for a quantity at an instant
//! (§D.3).

use super::error::{PricingError, PricingErrorCode};
use super::model::Price;
use super::model::{
    PriceInheritance, PriceRule, PriceTableId, PriceTableSelection, PricingConfig, RoundingMethod,
};
use super::money::{Money, div_round_half_up};
use crate::orders::Timestamp;
use serde::{Deserialize, Serialize};

/// Input of [`compute_price`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct ComputePriceRequest {
    /// The SKU's price in this account, if it has one.
    pub price: Option<Price>,
    /// The parent account's price of the SKU, for `priceInheritance` (§D.3 step 4).
    pub parent_price: Option<Price>,
    pub price_table: PriceTableId,
    pub quantity: u32,
    /// The instant the price is for (the core has no clock).
    pub at: Timestamp,
    /// The SKU's categories (ids as text, as the rules' contexts key them).
    #[serde(default)]
    pub category_ids: Vec<String>,
    pub brand_id: Option<String>,
    /// The price table's rules.
    #[serde(default)]
    pub rules: Vec<PriceRule>,
    #[serde(default)]
    pub config: PricingConfig,
}

/// Which step of §D.3 decided a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PriceSource {
    /// A fixed price (step 1).
    FixedPrice,
    /// The base price, through a rule or not, then rounding (steps 2–3).
    BasePrice,
}

/// Why the price is what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct PriceExplanation {
    pub source: PriceSource,
    /// The parent account's price was used (§D.3 step 4).
    pub inherited: bool,
    /// The fixed price's index in its price's `fixedPrices`.
    pub fixed_price_index: Option<u32>,
    /// How many fixed prices applied (the lowest won).
    pub fixed_prices_applicable: u32,
    /// The price rule applied to the base price.
    pub rule_id: Option<u32>,
    /// The price before rounding, when a rounding rule applied.
    pub before_rounding: Option<Money>,
    /// The rounding rule's index in `config.roundingRules`.
    pub rounding_rule_index: Option<u32>,
}

/// The computed price (`GET /pricing/prices/{itemId}/computed/{priceTableId}`, §D.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct ComputedPrice {
    pub trade_policy_id: PriceTableId,
    pub list_price: Option<Money>,
    pub cost_price: Option<Money>,
    pub selling_price: Money,
    pub price_valid_until: Timestamp,
    pub explanation: PriceExplanation,
}

/// Output of [`compute_price`]: the price, or `null` when the SKU has none in the table and
/// cannot be sold there (§D.3 step 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct ComputePriceResponse {
    pub price: Option<ComputedPrice>,
}

fn err(
    path: impl Into<String>,
    code: PricingErrorCode,
    message: impl Into<String>,
) -> PricingError {
    PricingError::new(path, code, message)
}

fn out_of_range(path: &str) -> PricingError {
    err(
        path,
        PricingErrorCode::AmountOutOfRange,
        "the computed amount is beyond 10^13 currency units",
    )
}

/// `at` one calendar year later (29 February becomes 28 February); `None` past year 9999.
pub fn one_year_after(at: &Timestamp) -> Option<Timestamp> {
    let s = at.as_str();
    let year: i64 = s.get(0..4)?.parse().ok()?;
    let next = year + 1;
    let leap = (next % 4 == 0 && next % 100 != 0) || next % 400 == 0;
    let rest = s.get(4..)?;
    let rest = if rest.starts_with("-02-29") && !leap {
        format!("-02-28{}", rest.get(6..)?)
    } else {
        rest.to_owned()
    };
    Timestamp::parse(&format!("{next:04}{rest}"))
}

/// The price with the last `digits` digits (in cents) rounded to the method's ending: the
/// nearest such price, a tie going up, never below 0 (§D.3 step 3).
///
/// ```
/// use ponte_core::pricing::{Money, RoundingMethod, round_ending};
/// let m = |c| Money::from_hundredths(c).unwrap();
/// assert_eq!(round_ending(m(5956), 1, RoundingMethod::Nine), Some(m(5959)));   // 59.56 → 59.59
/// assert_eq!(round_ending(m(507), 2, RoundingMethod::Nines), Some(m(499)));    // 5.07 → 4.99
/// assert_eq!(round_ending(m(26356), 3, RoundingMethod::Zero), Some(m(26000))); // 263.56 → 260.00
/// ```
pub fn round_ending(price: Money, digits: u8, method: RoundingMethod) -> Option<Money> {
    if !(1..=15).contains(&digits) {
        return None;
    }
    let m = 10i128.checked_pow(u32::from(digits))?;
    let ending = match method {
        RoundingMethod::Nine => 9 * (m / 10),
        RoundingMethod::Nines => m - 1,
        RoundingMethod::Zero => 0,
    };
    let p = i128::from(price.hundredths());
    let lower = (p - ending).div_euclid(m) * m + ending;
    let upper = lower + m;
    let chosen = if lower == p {
        p
    } else if lower < 0 || upper - p <= p - lower {
        upper
    } else {
        lower
    };
    i64::try_from(chosen).ok().and_then(Money::from_hundredths)
}

fn rule_fits(rule: &PriceRule, req: &ComputePriceRequest, markup: Option<i32>) -> bool {
    let c = &rule.context;
    (c.categories.is_empty()
        || req
            .category_ids
            .iter()
            .any(|id| c.categories.contains_key(id)))
        && (c.brands.is_empty()
            || req
                .brand_id
                .as_ref()
                .is_some_and(|b| c.brands.contains_key(b)))
        && c.markup_range
            .is_none_or(|r| markup.is_some_and(|m| r.from <= m && m <= r.to))
        && c.date_range.as_ref().is_none_or(|d| d.contains(&req.at))
}

fn apply_modifier(amount: Money, rule: &PriceRule, path: &str) -> Result<Money, PricingError> {
    let n = i128::from(amount.hundredths())
        * (10_000 + i128::from(rule.percentual_modifier.hundredths()));
    let v = div_round_half_up(n, 10_000).ok_or_else(|| out_of_range(path))?;
    i64::try_from(v)
        .ok()
        .and_then(Money::from_hundredths)
        .ok_or_else(|| out_of_range(path))
}

/// Steps 1–3 and 5 of §D.3 over one price record; `None` when it has no price in the table.
fn compute_from(
    price: &Price,
    req: &ComputePriceRequest,
    inherited: bool,
) -> Result<Option<ComputedPrice>, PricingError> {
    let year_later = || {
        one_year_after(&req.at).ok_or_else(|| {
            err(
                "at",
                PricingErrorCode::DateRangeInvalid,
                "no instant one year after `at`",
            )
        })
    };
    // Step 1: fixed prices, the lowest applicable wins.
    let applicable: Vec<(usize, &super::model::FixedPrice)> = price
        .fixed_prices
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.trade_policy_id == req.price_table
                && f.min_quantity <= req.quantity
                && f.date_range.as_ref().is_none_or(|d| d.contains(&req.at))
        })
        .collect();
    if let Some((index, fixed)) = applicable
        .iter()
        .min_by_key(|(i, f)| (f.value, *i))
        .copied()
    {
        return Ok(Some(ComputedPrice {
            trade_policy_id: req.price_table.clone(),
            list_price: fixed.list_price.or(price.list_price),
            cost_price: price.cost_price,
            selling_price: fixed.value,
            price_valid_until: match &fixed.date_range {
                Some(d) => d.to.clone(),
                None => year_later()?,
            },
            explanation: PriceExplanation {
                source: PriceSource::FixedPrice,
                inherited,
                fixed_price_index: u32::try_from(index).ok(),
                fixed_prices_applicable: u32::try_from(applicable.len()).unwrap_or(u32::MAX),
                rule_id: None,
                before_rounding: None,
                rounding_rule_index: None,
            },
        }));
    }
    // Step 2: the base price through the first fitting rule by id.
    let Some(base) = price.base_price else {
        return Ok(None);
    };
    let mut rules: Vec<(usize, &PriceRule)> = req.rules.iter().enumerate().collect();
    rules.sort_by_key(|(i, r)| (r.id, *i));
    let rule = rules
        .into_iter()
        .find(|(_, r)| rule_fits(r, req, price.markup));
    let (mut selling, list_price, rule_id, valid_until) = match rule {
        Some((i, r)) => {
            let path = format!("rules[{i}]");
            let list = match price.list_price {
                Some(l) if req.config.rules_affect_list_price(&req.price_table) => {
                    Some(apply_modifier(l, r, &path)?)
                }
                other => other,
            };
            let until = match &r.context.date_range {
                Some(d) => d.to.clone(),
                None => year_later()?,
            };
            (apply_modifier(base, r, &path)?, list, Some(r.id), until)
        }
        None => (base, price.list_price, None, year_later()?),
    };
    // Step 3: the first rounding rule whose range holds the price.
    let mut before_rounding = None;
    let mut rounding_rule_index = None;
    if let Some((i, r)) = req
        .config
        .rounding_rules
        .iter()
        .enumerate()
        .find(|(_, r)| r.from <= selling && selling <= r.to)
    {
        let path = format!("config.roundingRules[{i}]");
        let rounded =
            round_ending(selling, r.digits, r.method).ok_or_else(|| out_of_range(&path))?;
        before_rounding = Some(selling);
        rounding_rule_index = u32::try_from(i).ok();
        selling = rounded;
    }
    Ok(Some(ComputedPrice {
        trade_policy_id: req.price_table.clone(),
        list_price,
        cost_price: price.cost_price,
        selling_price: selling,
        price_valid_until: valid_until,
        explanation: PriceExplanation {
            source: PriceSource::BasePrice,
            inherited,
            fixed_price_index: None,
            fixed_prices_applicable: 0,
            rule_id,
            before_rounding,
            rounding_rule_index,
        },
    }))
}

fn check_price(price: &Price, path: &str, errors: &mut Vec<PricingError>) {
    let mut negative = |p: String, v: Option<Money>| {
        if v.is_some_and(|v| v.hundredths() < 0) {
            errors.push(err(
                p,
                PricingErrorCode::AmountNegative,
                "a price cannot be negative",
            ));
        }
    };
    negative(format!("{path}.basePrice"), price.base_price);
    negative(format!("{path}.costPrice"), price.cost_price);
    negative(format!("{path}.listPrice"), price.list_price);
    for (i, f) in price.fixed_prices.iter().enumerate() {
        negative(format!("{path}.fixedPrices[{i}].value"), Some(f.value));
        negative(format!("{path}.fixedPrices[{i}].listPrice"), f.list_price);
    }
}

/// Checks what a computed price reads: quantity at least 1, no negative amount, no rule
/// lowering by more than 100 %, rounding rules with `from ≤ to` and 1–15 digits.
pub fn check_compute_request(req: &ComputePriceRequest) -> Vec<PricingError> {
    let mut errors = Vec::new();
    if req.quantity == 0 {
        errors.push(err(
            "quantity",
            PricingErrorCode::QuantityInvalid,
            "quantity must be at least 1",
        ));
    }
    if let Some(p) = &req.price {
        check_price(p, "price", &mut errors);
    }
    if let Some(p) = &req.parent_price {
        check_price(p, "parentPrice", &mut errors);
    }
    for (i, r) in req.rules.iter().enumerate() {
        if r.percentual_modifier.hundredths() < -10_000 {
            errors.push(err(
                format!("rules[{i}].percentualModifier"),
                PricingErrorCode::RuleModifierInvalid,
                "a rule cannot lower a price by more than 100%",
            ));
        }
    }
    for (i, r) in req.config.rounding_rules.iter().enumerate() {
        if r.from > r.to || !(1..=15).contains(&r.digits) {
            errors.push(err(
                format!("config.roundingRules[{i}]"),
                PricingErrorCode::RoundingRuleInvalid,
                "a rounding rule needs from ≤ to and 1 to 15 digits",
            ));
        }
    }
    errors
}

/// The computed price (§D.3): fixed prices first (the lowest applicable wins), else the base
/// price through the table's first fitting rule by `id`, then rounding; the parent account's
/// price as `priceInheritance` says; `priceValidUntil` from the deciding schedule or one year
/// on. `Err` holds the first thing wrong with the request ([`check_compute_request`]).
pub fn compute_price(req: &ComputePriceRequest) -> Result<ComputePriceResponse, PricingError> {
    if let Some(e) = check_compute_request(req).into_iter().next() {
        return Err(e);
    }
    let own = |req: &ComputePriceRequest| match &req.price {
        Some(p) => compute_from(p, req, false),
        None => Ok(None),
    };
    let parent = |req: &ComputePriceRequest| match &req.parent_price {
        Some(p) => compute_from(p, req, true),
        None => Ok(None),
    };
    let price = match req.config.price_inheritance {
        PriceInheritance::Never => own(req)?,
        PriceInheritance::Nonexistent => match own(req)? {
            Some(p) => Some(p),
            None => parent(req)?,
        },
        PriceInheritance::Always => match parent(req)? {
            Some(p) => Some(p),
            None => own(req)?,
        },
    };
    Ok(ComputePriceResponse { price })
}

/// Which of several applicable tables' prices the shopper gets (§D.3,
/// `priceTableSelectionStrategy`): the first with a price, the highest or the lowest selling
/// price (ties: the earlier table).
pub fn select_price(
    candidates: &[Option<ComputedPrice>],
    strategy: PriceTableSelection,
) -> Option<&ComputedPrice> {
    let priced = candidates.iter().flatten();
    match strategy {
        PriceTableSelection::First => priced.into_iter().next(),
        PriceTableSelection::Lowest => priced
            .enumerate()
            .min_by_key(|(i, p)| (p.selling_price, *i))
            .map(|(_, p)| p),
        PriceTableSelection::Highest => priced
            .enumerate()
            .max_by_key(|(i, p)| (p.selling_price, std::cmp::Reverse(*i)))
            .map(|(_, p)| p),
    }
}
