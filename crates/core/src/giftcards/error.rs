//! Gift card errors: one stable code per refusal (§G.2). A refused command changes nothing.

crate::path_error! {
    /// Why a gift card command was refused. `path` points into the request (`value`,
    /// `transactionId`, `redemptionCode`).
    ///
    /// ```
    /// use ponte_core::giftcards::{GiftCardError, GiftCardErrorCode};
    /// let e = GiftCardError::new("value", GiftCardErrorCode::InsufficientBalance, "short");
    /// assert_eq!(e.code(), "GIFTCARD_INSUFFICIENT_BALANCE");
    /// ```
    pub struct GiftCardError;
    /// The stable machine code of a [`GiftCardError`].
    pub enum GiftCardErrorCode {
        /// The card record itself is inconsistent (a broken record, never the caller's input).
        CardStateInvalid => "GIFTCARD_STATE_INVALID",
        /// A value that is zero, negative, has more than two decimals, or is too large.
        ValueInvalid => "GIFTCARD_VALUE_INVALID",
        /// A `requestId` that is empty or longer than 128 characters.
        RequestIdInvalid => "GIFTCARD_REQUEST_ID_INVALID",
        /// A `requestId` already used on this card (or transaction) for a different command.
        RequestIdConflict => "GIFTCARD_REQUEST_ID_CONFLICT",
        /// No card of that id or redemption code.
        CardNotFound => "GIFTCARD_NOT_FOUND",
        /// The redemption code or token does not match the card.
        RedemptionCodeInvalid => "GIFTCARD_REDEMPTION_CODE_INVALID",
        /// The card is past its `expiringDate`.
        CardExpired => "GIFTCARD_EXPIRED",
        /// The card is `restrictedToOwner` and the shopper is someone else.
        NotOwner => "GIFTCARD_RESTRICTED_TO_OWNER",
        /// A debit above the available balance.
        InsufficientBalance => "GIFTCARD_INSUFFICIENT_BALANCE",
        /// A second redemption of a card without `multipleRedemptions`.
        RedemptionUsed => "GIFTCARD_SINGLE_REDEMPTION_USED",
        /// A second credit on a card without `multipleCredits`.
        CreditUsed => "GIFTCARD_SINGLE_CREDIT_USED",
        /// No transaction of that id on the card.
        TransactionNotFound => "GIFTCARD_TRANSACTION_NOT_FOUND",
        /// A settlement or cancellation of a credit (only a debit is authorised, settled and cancelled).
        NotADebit => "GIFTCARD_NOT_A_DEBIT",
        /// Settlements above what is authorised and not cancelled.
        SettleAboveAuthorized => "GIFTCARD_SETTLE_ABOVE_AUTHORIZED",
        /// Cancellations above what is authorised (unsettled value plus settled value to refund).
        CancelAboveAuthorized => "GIFTCARD_CANCEL_ABOVE_AUTHORIZED",
        /// A card to create is malformed (currency, dates, caption, owner).
        CardInvalid => "GIFTCARD_INVALID",
        /// A `REST-Range` header that is not `resources=<from>-<to>` with from ≤ to.
        RangeInvalid => "GIFTCARD_RANGE_INVALID",
        /// A redemption code shorter than 6 characters (§G.2).
        RedemptionCodeTooShort => "GIFTCARD_REDEMPTION_CODE_TOO_SHORT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake() {
        crate::path_error::check_codes(GiftCardErrorCode::ALL, |c| c.as_str());
    }
}
