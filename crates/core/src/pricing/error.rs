//! Pricing errors: a stable code and a path (into the batch for a sync, into the request for a
//! computed price), as the catalog import's.

crate::path_error! {
    /// One thing wrong with a pricing request. `path` points into the batch
    /// (`items[3].fixedPrices[1].dateRange`), into the current state (`current.prices[2]`), or
    /// into a computed price's request (`price.fixedPrices[0]`, `config.roundingRules[1]`).
    ///
    /// ```
    /// use ponte_core::pricing::{PricingError, PricingErrorCode};
    /// let e = PricingError::new("items[0]", PricingErrorCode::BasePriceOverdetermined, "three of three");
    /// assert_eq!(e.code(), "BASE_PRICE_OVERDETERMINED");
    /// ```
    pub struct PricingError;
    /// The stable machine code of a [`PricingError`].
    pub enum PricingErrorCode {
        /// What VTEX holds is itself inconsistent (an SKU with two price records, a duplicate
        /// fixed price): `current…` paths.
        CurrentStateInvalid => "PRICING_CURRENT_STATE_INVALID",
        /// An item with neither `refId` nor `ean`.
        SkuKeyMissing => "PRICING_SKU_KEY_MISSING",
        /// No SKU has the `refId` or `ean`.
        SkuNotFound => "PRICING_SKU_NOT_FOUND",
        /// `refId` and `ean` name different SKUs.
        SkuKeyMismatch => "PRICING_SKU_KEY_MISMATCH",
        /// Two items for the same SKU.
        SkuDuplicate => "PRICING_SKU_DUPLICATE",
        /// All three of `basePrice`, `costPrice`, `markup` (§D.2).
        BasePriceOverdetermined => "BASE_PRICE_OVERDETERMINED",
        /// `costPrice` without `markup` or `markup` without `costPrice` (§D.2).
        BasePriceUnderdetermined => "BASE_PRICE_UNDERDETERMINED",
        /// A write for an SKU that has no base price and gives none, while the account requires
        /// one (`hasOptionalBasePrice` false).
        BasePriceMissing => "BASE_PRICE_MISSING",
        /// A markup of −100 % or less.
        MarkupInvalid => "MARKUP_INVALID",
        /// A negative amount.
        AmountNegative => "AMOUNT_NEGATIVE",
        /// A computed amount beyond 10^13 currency units.
        AmountOutOfRange => "AMOUNT_OUT_OF_RANGE",
        /// A fixed price for a price table that neither exists nor is a trade policy's.
        PriceTableNotFound => "PRICE_TABLE_NOT_FOUND",
        /// `dateRange.to` not after `from` (§D.2).
        DateRangeInvalid => "DATE_RANGE_INVALID",
        /// `minQuantity` 0.
        MinQuantityInvalid => "MIN_QUANTITY_INVALID",
        /// Two fixed prices with the same table, `minQuantity` and `dateRange` in one item.
        FixedPriceDuplicate => "FIXED_PRICE_DUPLICATE",
        /// One item both sets and removes the same fixed price.
        FixedPriceRemovalConflict => "FIXED_PRICE_REMOVAL_CONFLICT",
        /// The change exceeds the account's price variation limit (§D.2).
        PriceVariationExceeded => "PRICE_VARIATION_EXCEEDED",
        /// A computed price asked for quantity 0.
        QuantityInvalid => "PRICE_QUANTITY_INVALID",
        /// A price rule lowering prices by more than 100 %.
        RuleModifierInvalid => "PRICE_RULE_MODIFIER_INVALID",
        /// A rounding rule with `from > to`, or `digits` outside 1–15.
        RoundingRuleInvalid => "ROUNDING_RULE_INVALID",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake() {
        crate::path_error::check_codes(PricingErrorCode::ALL, |c| c.as_str());
    }
}
