//! Pricing v2 (§D): an SKU's base, cost, markup and list prices and its fixed prices per price
//! table, the account's rules and configuration, the computed price, and the plan of a price
//! sync from the ERP.
//!
//! - [`Price`], [`FixedPrice`], [`PriceRule`], [`RoundingRule`], [`PricingConfig`]: VTEX's
//!   shapes (§D.1), amounts as [`Money`] (integer cents read from the decimal digits, never
//!   through float arithmetic, §D.4).
//! - [`resolve_base`], [`check_variation`]: exactly two of base, cost and markup with the
//!   base-price formula; the price variation limiter (§D.2).
//! - [`compute_price`]: fixed prices first (the lowest applicable wins), else the base price
//!   through the table's first fitting rule, then rounding; `priceValidUntil`; inheritance
//!   from the parent account (§D.3).
//! - [`plan_prices`]: the ERP's batch (SKUs by `refId` or `ean`, tables by trade policy id or
//!   name) against what VTEX holds, every error with its code and path, else at most one write
//!   per SKU and only where something changes; `PATCH .../fixed` unless the base price changes
//!   or the batch removes a fixed price, and then a `PUT` carrying every fixed price the SKU
//!   keeps (§D.5). [`apply_price_plan`] is the reference executor.

mod base;
mod compute;
mod error;
mod model;
mod money;
pub mod ops;
mod sync;

pub use base::{
    BaseForm, BaseTriple, Refusal, base_from_cost, carry_form, check_variation, cost_from_base,
    markup_from, resolve_base,
};
pub use compute::{
    ComputePriceRequest, ComputePriceResponse, ComputedPrice, PriceExplanation, PriceSource,
    check_compute_request, compute_price, one_year_after, round_ending, select_price,
};
pub use error::{PricingError, PricingErrorCode};
pub use model::{
    DateRange, FixedPrice, FixedPriceKey, MarkupRange, Price, PriceInheritance, PriceRule,
    PriceTableId, PriceTableSelection, PriceVariation, PricingConfig, RoundingMethod, RoundingRule,
    RuleContext, TradePolicyPricingConfig,
};
pub use money::{MAX_HUNDREDTHS, Money, Percent, div_round_half_up, parse_hundredths};
pub use ops::{PriceSyncRequest, PriceSyncResponse, plan_price_sync};
pub use sync::{
    PriceBatch, PriceItem, PricePlan, PricePut, PriceSyncSummary, PriceWrite, PriceWriteMethod,
    PricingState, apply_price_plan, plan_prices,
};

#[cfg(test)]
mod tests;
