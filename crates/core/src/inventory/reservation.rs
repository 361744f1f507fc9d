//! The life of a reservation (§E.4) as a state machine: authorized → confirmed → acknowledged
//! → cleared, or cancelled before acknowledgement.

use super::error::{InventoryError, InventoryErrorCode};
use crate::catalog::import::SkuId;
use crate::orders::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a reservation is (§E.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ReservationStatus {
    /// The order is placed; expires unless confirmed.
    Authorized,
    /// Payment approved; no longer expires.
    Confirmed,
    /// The order entered handling; counted until the merchant's next stock count.
    Acknowledged,
    /// A newer count reflects it; no longer counted.
    Cleared,
    /// Cancelled or expired before acknowledgement; released.
    Cancelled,
}

impl ReservationStatus {
    /// Whether it counts in `reservedQuantity` (§E.4).
    pub fn counts(self) -> bool {
        matches!(
            self,
            ReservationStatus::Authorized
                | ReservationStatus::Confirmed
                | ReservationStatus::Acknowledged
        )
    }

    /// No event moves it any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ReservationStatus::Cleared | ReservationStatus::Cancelled
        )
    }
}

/// A reservation of some units of an SKU in a warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Reservation {
    /// VTEX's `LockId`.
    pub id: String,
    pub sku_id: SkuId,
    pub warehouse_id: String,
    pub quantity: u64,
    pub status: ReservationStatus,
    /// When an authorized reservation expires (§E.4); `null`: never.
    pub expires_at: Option<Timestamp>,
    pub acknowledged_at: Option<Timestamp>,
}

/// What happens to a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ReservationEventKind {
    /// Payment approved (`.../confirm`).
    Confirm,
    /// The order entered handling (`.../acknowledge`).
    Acknowledge,
    /// The order was cancelled (`.../cancel`).
    Cancel,
    /// The clock reached `at`: an authorized reservation past `expiresAt` is cancelled.
    Expire,
    /// The ERP's count taken at `at` was applied: an acknowledgement at or before it clears.
    Clear,
}

/// An event with its instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReservationEvent {
    pub kind: ReservationEventKind,
    pub at: Timestamp,
}

fn refuse(code: InventoryErrorCode, r: &Reservation, what: &str) -> InventoryError {
    InventoryError::new(
        "event",
        code,
        format!("reservation {:?} is {:?}: {what}", r.id, r.status),
    )
}

/// The reservation after `event` (§E.4). An event whose stage is already reached is a no-op
/// (retries are safe); `Expire` and `Clear` leave a reservation they do not concern as it is.
/// Refused: acknowledging before confirmation, cancelling after acknowledgement (the store
/// restocks instead), confirming or acknowledging a closed or expired reservation.
pub fn transition(
    r: &Reservation,
    event: &ReservationEvent,
) -> Result<Reservation, InventoryError> {
    use ReservationEventKind as E;
    use ReservationStatus as S;
    let mut next = r.clone();
    let expired =
        r.status == S::Authorized && r.expires_at.as_ref().is_some_and(|e| e <= &event.at);
    match (event.kind, r.status) {
        (E::Confirm, S::Authorized) if expired => {
            return Err(refuse(
                InventoryErrorCode::ReservationExpired,
                r,
                "its authorization expired",
            ));
        }
        (E::Confirm, S::Authorized) => next.status = S::Confirmed,
        (E::Confirm, S::Confirmed | S::Acknowledged) => {}
        (E::Acknowledge, S::Authorized) => {
            return Err(refuse(
                InventoryErrorCode::ReservationNotConfirmed,
                r,
                "only a confirmed reservation is acknowledged",
            ));
        }
        (E::Acknowledge, S::Confirmed) => {
            next.status = S::Acknowledged;
            next.acknowledged_at = Some(event.at.clone());
        }
        (E::Acknowledge, S::Acknowledged) => {}
        (E::Cancel, S::Authorized | S::Confirmed) => next.status = S::Cancelled,
        (E::Cancel, S::Cancelled) => {}
        (E::Cancel, S::Acknowledged) => {
            return Err(refuse(
                InventoryErrorCode::ReservationAcknowledged,
                r,
                "an acknowledged reservation is not released; restock with a new count",
            ));
        }
        (E::Expire, S::Authorized) if expired => next.status = S::Cancelled,
        (E::Expire, _) => {}
        (E::Clear, S::Acknowledged)
            if r.acknowledged_at.as_ref().is_some_and(|a| a <= &event.at) =>
        {
            next.status = S::Cleared;
        }
        (E::Clear, _) => {}
        (E::Confirm | E::Acknowledge | E::Cancel, S::Cleared | S::Cancelled) => {
            return Err(refuse(
                InventoryErrorCode::ReservationClosed,
                r,
                "it is closed",
            ));
        }
    }
    Ok(next)
}

/// When an authorized reservation expires, given the payment's expiry (§E.4): 4 days later
/// when that falls Sunday to Tuesday, 5 Wednesday to Friday, 6 on Saturday (UTC days).
///
/// ```
/// use ponte_core::inventory::authorization_expiry;
/// use ponte_core::orders::Timestamp;
/// let monday = Timestamp::parse("2024-06-10T12:00:00Z").unwrap();
/// assert_eq!(authorization_expiry(&monday).unwrap().as_str(), "2024-06-14T12:00:00.000000000Z");
/// ```
pub fn authorization_expiry(payment_expiry: &Timestamp) -> Option<Timestamp> {
    let secs = payment_expiry.unix_seconds();
    let days = secs.div_euclid(86_400);
    // 1970-01-01 was a Thursday: (days + 4) mod 7 is 0 on Sunday.
    let weekday = (days + 4).rem_euclid(7);
    let extra = match weekday {
        0..=2 => 4,
        3..=5 => 5,
        _ => 6,
    };
    Timestamp::from_unix_seconds(secs.checked_add(extra * 86_400)?)
}
