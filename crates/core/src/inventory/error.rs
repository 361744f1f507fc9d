//! Inventory errors: a stable code and a path (into the batch for a sync, into the request for
//! availability or a reservation event), as the catalog import's.

crate::path_error! {
    /// One thing wrong with an inventory request. `path` points into the batch
    /// (`counts[3].quantity`), into the current state (`current.entries[2]`), or into a
    /// request (`skuId`, `event`).
    ///
    /// ```
    /// use ponte_core::inventory::{InventoryError, InventoryErrorCode};
    /// let e = InventoryError::new("counts[0].warehouse", InventoryErrorCode::WarehouseNotFound, "no warehouse \"x\"");
    /// assert_eq!(e.code(), "WAREHOUSE_NOT_FOUND");
    /// ```
    pub struct InventoryError;
    /// The stable machine code of a [`InventoryError`].
    pub enum InventoryErrorCode {
        /// What VTEX (or Ponte's record) holds is itself inconsistent: `current…` paths.
        CurrentStateInvalid => "INVENTORY_CURRENT_STATE_INVALID",
        /// A count with neither `refId` nor `ean`.
        SkuKeyMissing => "INVENTORY_SKU_KEY_MISSING",
        /// No SKU has the `refId` or `ean`.
        SkuNotFound => "INVENTORY_SKU_NOT_FOUND",
        /// `refId` and `ean` name different SKUs.
        SkuKeyMismatch => "INVENTORY_SKU_KEY_MISMATCH",
        /// No warehouse has the code.
        WarehouseNotFound => "WAREHOUSE_NOT_FOUND",
        /// A negative quantity.
        QuantityNegative => "QUANTITY_NEGATIVE",
        /// A quantity beyond 2,147,483,647 (the API's `int32`), or a sum that overflows.
        QuantityOutOfRange => "QUANTITY_OUT_OF_RANGE",
        /// A lead time that is not `D.HH:MM:SS`, `D` or `HH:MM:SS` (§E.2).
        LeadTimeInvalid => "LEAD_TIME_INVALID",
        /// A `dateUtcOnBalanceSystem` that is not an ISO 8601 date-time.
        CountDateInvalid => "COUNT_DATE_INVALID",
        /// Two counts for the same SKU and warehouse in one batch.
        CountDuplicate => "INVENTORY_COUNT_DUPLICATE",
        /// Acknowledging a reservation not yet confirmed.
        ReservationNotConfirmed => "RESERVATION_NOT_CONFIRMED",
        /// Cancelling an acknowledged reservation (§E.4: the store restocks instead).
        ReservationAcknowledged => "RESERVATION_ACKNOWLEDGED",
        /// Confirming an authorized reservation past its expiry.
        ReservationExpired => "RESERVATION_EXPIRED",
        /// An event on a cleared or cancelled reservation.
        ReservationClosed => "RESERVATION_CLOSED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake() {
        crate::path_error::check_codes(InventoryErrorCode::ALL, |c| c.as_str());
    }
}
