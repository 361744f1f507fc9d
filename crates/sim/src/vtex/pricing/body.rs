//! The bodies of Pricing's writes and VTEX's rules on them (`docs/vtex/D-pricing.md` §D.1,
//! §D.2), checked into ponte-core's types ([`Price`], [`FixedPrice`]) where the core's rule is
//! VTEX's documented one (the base-price formula, the variation limiter).

use crate::platform::error::ApiError;
use ponte_core::catalog::import::SkuId;
use ponte_core::orders::Timestamp;
use ponte_core::pricing::{
    DateRange, FixedPrice, FixedPriceKey, MarkupRange, Money, Percent, Price, PriceRule,
    PricingConfig, PricingErrorCode, RuleContext, check_variation, resolve_base,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};

/// A JSON body as `T`; anything else is `400 REQUEST_BODY_INVALID`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::InvalidBody("the request body is empty".into()));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::InvalidBody(format!("invalid request body: {e}")))
}

fn refuse(code: PricingErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::bad(code.as_str(), message)
}

/// `dateRange` as sent.
#[derive(Debug, Deserialize)]
pub struct DateRangeIn {
    from: Option<String>,
    to: Option<String>,
}

/// A fixed price as sent (`PUT`'s `fixedPrices[]`, `PATCH .../fixed`, `POST .../fixed/{table}`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixedIn {
    trade_policy_id: Option<String>,
    value: Option<Money>,
    list_price: Option<Money>,
    min_quantity: Option<i64>,
    date_range: Option<DateRangeIn>,
}

/// The `PUT /pricing/prices/{itemId}` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutIn {
    base_price: Option<Money>,
    cost_price: Option<Money>,
    markup: Option<i32>,
    list_price: Option<Money>,
    #[serde(default)]
    fixed_prices: Vec<FixedIn>,
}

/// What the simulator chose where VTEX is silent (see the module doc of [`super`]).
#[derive(Debug, Clone, Copy)]
pub struct Choices {
    /// Refuse a `dateRange` whose `to` equals `from` ("identical values may cause an error").
    pub refuse_empty_date_range: bool,
    /// `minQuantity` when a `PUT` leaves it out (the OpenAPI marks it required there).
    pub require_min_quantity_on_put: bool,
}

fn not_negative(path: &str, v: Option<Money>) -> Result<(), ApiError> {
    match v {
        Some(m) if m.hundredths() < 0 => Err(refuse(
            PricingErrorCode::AmountNegative,
            format!("{path}: a price cannot be negative"),
        )),
        _ => Ok(()),
    }
}

fn timestamp(path: &str, v: Option<&String>) -> Result<Timestamp, ApiError> {
    let raw = v.ok_or_else(|| {
        refuse(
            PricingErrorCode::DateRangeInvalid,
            format!("{path} is required in a dateRange"),
        )
    })?;
    Timestamp::parse(raw).ok_or_else(|| {
        refuse(
            PricingErrorCode::DateRangeInvalid,
            format!("{path}: {raw:?} is not an RFC 3339 date-time"),
        )
    })
}

/// `{path}.dateRange` checked: both ends RFC 3339, `to` after `from` (§D.2).
fn date_range(
    path: &str,
    d: Option<DateRangeIn>,
    choices: Choices,
) -> Result<Option<DateRange>, ApiError> {
    let Some(d) = d else { return Ok(None) };
    let from = timestamp(&format!("{path}.dateRange.from"), d.from.as_ref())?;
    let to = timestamp(&format!("{path}.dateRange.to"), d.to.as_ref())?;
    if to < from || (to == from && choices.refuse_empty_date_range) {
        return Err(refuse(
            PricingErrorCode::DateRangeInvalid,
            format!("{path}.dateRange: `to` must be after `from`"),
        ));
    }
    Ok(Some(DateRange { from, to }))
}

/// One fixed price checked (§D.1, §D.2). `table` is the path's table for `POST .../fixed/{table}`.
pub fn fixed(
    path: &str,
    f: FixedIn,
    table: Option<&str>,
    min_quantity_required: bool,
    choices: Choices,
) -> Result<FixedPrice, ApiError> {
    let trade_policy_id = match (table, f.trade_policy_id) {
        (Some(t), _) => t.to_owned(),
        (None, Some(t)) if !t.trim().is_empty() => t,
        (None, _) => {
            return Err(refuse(
                PricingErrorCode::PriceTableNotFound,
                format!("{path}.tradePolicyId is required"),
            ));
        }
    };
    let value = f.value.ok_or_else(|| {
        ApiError::bad(
            "FIXED_PRICE_VALUE_MISSING",
            format!("{path}.value is required"),
        )
    })?;
    not_negative(&format!("{path}.value"), Some(value))?;
    not_negative(&format!("{path}.listPrice"), f.list_price)?;
    let min_quantity = match f.min_quantity {
        None if min_quantity_required => {
            return Err(refuse(
                PricingErrorCode::MinQuantityInvalid,
                format!("{path}.minQuantity is required"),
            ));
        }
        None => 1,
        Some(q) if q < 1 => {
            return Err(refuse(
                PricingErrorCode::MinQuantityInvalid,
                format!("{path}.minQuantity must be at least 1"),
            ));
        }
        Some(q) => u32::try_from(q).map_err(|_| {
            refuse(
                PricingErrorCode::MinQuantityInvalid,
                format!("{path}.minQuantity is too large"),
            )
        })?,
    };
    let date_range = date_range(path, f.date_range, choices)?;
    Ok(FixedPrice {
        trade_policy_id,
        value,
        list_price: f.list_price,
        min_quantity,
        date_range,
    })
}

/// Fixed prices checked, no two with one key (§D.1: the key is table, `minQuantity` and
/// `dateRange`).
pub fn fixed_list(
    items: Vec<FixedIn>,
    table: Option<&str>,
    min_quantity_required: bool,
    choices: Choices,
) -> Result<Vec<FixedPrice>, ApiError> {
    let mut seen: BTreeSet<FixedPriceKey> = BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, f) in items.into_iter().enumerate() {
        let path = format!("fixedPrices[{i}]");
        let f = fixed(&path, f, table, min_quantity_required, choices)?;
        if !seen.insert(f.key()) {
            return Err(refuse(
                PricingErrorCode::FixedPriceDuplicate,
                format!("{path}: the same table, minQuantity and dateRange twice"),
            ));
        }
        out.push(f);
    }
    Ok(out)
}

/// The price a `PUT` stores (§D.1: it replaces the base price and every fixed price).
pub fn put(
    item_id: SkuId,
    body: PutIn,
    held: Option<&Price>,
    config: &PricingConfig,
    choices: Choices,
) -> Result<Price, ApiError> {
    not_negative("basePrice", body.base_price)?;
    not_negative("costPrice", body.cost_price)?;
    not_negative("listPrice", body.list_price)?;
    let resolved = resolve_base(
        body.base_price,
        body.cost_price,
        body.markup,
        config.default_markup,
    )
    .map_err(|(code, message)| refuse(code, message))?;
    let fixed_prices = fixed_list(
        body.fixed_prices,
        None,
        choices.require_min_quantity_on_put,
        choices,
    )?;
    if resolved.is_none() && !config.has_optional_base_price {
        return Err(refuse(
            PricingErrorCode::BasePriceMissing,
            "give two of basePrice, costPrice and markup (or basePrice): the account has no optional base price",
        ));
    }
    let triple = resolved.map(|(_, t)| t);
    let price = Price {
        item_id,
        base_price: triple.map(|t| t.base_price),
        cost_price: triple.map(|t| t.cost_price),
        markup: triple.map(|t| t.markup),
        list_price: body.list_price,
        fixed_prices,
    };
    check_limits(held, &price, config)?;
    Ok(price)
}

/// A path `itemId` as an SKU id (a positive integer, as the Catalog's).
pub fn item(raw: &str) -> Result<SkuId, ApiError> {
    raw.parse::<u32>()
        .ok()
        .filter(|v| *v > 0)
        .map(SkuId)
        .ok_or_else(|| ApiError::InvalidPath(format!("itemId {raw:?} is not an SKU id")))
}

/// The price variation limiter (§D.2, §D.4): the new base price against the held one, each
/// fixed price against the held entry with its key.
pub fn check_limits(
    held: Option<&Price>,
    new: &Price,
    config: &PricingConfig,
) -> Result<(), ApiError> {
    let Some(held) = held else {
        return Ok(());
    };
    let limits = &config.price_variation;
    let refused = |(code, message): (PricingErrorCode, String)| refuse(code, message);
    if let (Some(old), Some(new)) = (held.base_price, new.base_price) {
        check_variation(old, new, limits).map_err(refused)?;
    }
    for f in &new.fixed_prices {
        if let Some(old) = held.fixed_prices.iter().find(|h| h.key() == f.key()) {
            check_variation(old.value, f.value, limits).map_err(refused)?;
        }
    }
    Ok(())
}

/// `PATCH .../fixed`: each entry replaces the held one with its key, any other is added (§D.1).
pub fn upsert(held: &mut Vec<FixedPrice>, new: Vec<FixedPrice>) {
    for f in new {
        match held.iter_mut().find(|h| h.key() == f.key()) {
            Some(slot) => *slot = f,
            None => held.push(f),
        }
    }
}

/// A price rule's `context` as sent. `stockStatuses` and `internalCategories` are read and not
/// kept (§D.4: not evaluated).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextIn {
    categories: Option<BTreeMap<String, String>>,
    brands: Option<BTreeMap<String, String>>,
    markup_range: Option<MarkupRange>,
    date_range: Option<DateRangeIn>,
}

/// One of `rules[]` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleIn {
    id: Option<i64>,
    context: Option<ContextIn>,
    percentual_modifier: Option<Percent>,
}

/// The `PUT /pricing/pipeline/catalog/{priceTableId}` body (`rules` required, OpenAPI).
#[derive(Debug, Deserialize)]
pub struct RulesIn {
    rules: Option<Vec<RuleIn>>,
}

fn rule_invalid(message: String) -> ApiError {
    ApiError::bad("PRICE_RULE_INVALID", message)
}

/// A table's rules checked (§D.1, §D.4): `id` (a whole number ≥ 0, once per table) and
/// `percentualModifier` required, as the OpenAPI `required` lists; no modifier below −100 %;
/// `markupRange.from ≤ to`; a `dateRange` as a fixed price's. A missing `context` or context
/// field means "any" [sim's choice: the OpenAPI lists them required but nullable].
pub fn rules(body: RulesIn, choices: Choices) -> Result<Vec<PriceRule>, ApiError> {
    let input = body
        .rules
        .ok_or_else(|| rule_invalid("rules is required".into()))?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(input.len());
    for (i, r) in input.into_iter().enumerate() {
        let path = format!("rules[{i}]");
        let id =
            r.id.and_then(|id| u32::try_from(id).ok())
                .ok_or_else(|| rule_invalid(format!("{path}.id must be a whole number from 0")))?;
        if !seen.insert(id) {
            return Err(rule_invalid(format!("{path}.id {id} is used twice")));
        }
        let modifier = r
            .percentual_modifier
            .ok_or_else(|| rule_invalid(format!("{path}.percentualModifier is required")))?;
        if modifier.hundredths() < -10_000 {
            return Err(refuse(
                PricingErrorCode::RuleModifierInvalid,
                format!("{path}.percentualModifier: a rule cannot lower a price by more than 100%"),
            ));
        }
        let c = r.context.unwrap_or_default();
        if let Some(m) = c.markup_range.filter(|m| m.from > m.to) {
            return Err(rule_invalid(format!(
                "{path}.context.markupRange: from {} is above to {}",
                m.from, m.to
            )));
        }
        out.push(PriceRule {
            id,
            context: RuleContext {
                categories: c.categories.unwrap_or_default(),
                brands: c.brands.unwrap_or_default(),
                markup_range: c.markup_range,
                date_range: date_range(&format!("{path}.context"), c.date_range, choices)?,
            },
            percentual_modifier: modifier,
        });
    }
    Ok(out)
}
