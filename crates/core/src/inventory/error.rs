//! Inventory errors: a stable code and a path (into the batch for a sync, into the request for
//! availability or a reservation event), as the catalog import's.

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// The stable machine code of a [`InventoryError`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum InventoryErrorCode {
            $($(#[$doc])* #[serde(rename = $code)] $variant,)*
        }

        impl InventoryErrorCode {
            /// Every code, in catalogue order.
            pub const ALL: &'static [InventoryErrorCode] = &[$(InventoryErrorCode::$variant,)*];

            /// The code as a string (GraphQL `extensions.code`, JS `error.code`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(InventoryErrorCode::$variant => $code,)*
                }
            }
        }
    };
}

codes! {
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

/// One thing wrong with an inventory request. `path` points into the batch
/// (`counts[3].quantity`), into the current state (`current.entries[2]`), or into a
/// request (`skuId`, `event`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[error("{path}: {message}")]
pub struct InventoryError {
    pub path: String,
    pub code: InventoryErrorCode,
    pub message: String,
}

impl InventoryError {
    pub fn new(
        path: impl Into<String>,
        code: InventoryErrorCode,
        message: impl Into<String>,
    ) -> Self {
        InventoryError {
            path: path.into(),
            code,
            message: message.into(),
        }
    }

    /// The stable code as a string.
    ///
    /// ```
    /// use ponte_core::inventory::{InventoryError, InventoryErrorCode};
    /// let e = InventoryError::new("counts[0].warehouse", InventoryErrorCode::WarehouseNotFound, "no warehouse \"x\"");
    /// assert_eq!(e.code(), "WAREHOUSE_NOT_FOUND");
    /// ```
    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake() {
        let mut seen = std::collections::BTreeSet::new();
        for c in InventoryErrorCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{s}"
            );
            let json = serde_json::to_string(c).expect("encode");
            assert_eq!(json, format!("\"{s}\""));
        }
    }
}
