//! The inventory operations as request → response functions, for the operation table.

use super::availability::InventoryState;
use super::error::InventoryError;
use super::reservation::{Reservation, ReservationEvent, transition};
use super::sync::{InventoryBatch, InventoryPlan, plan_inventory};
use crate::orders::Timestamp;
use serde::{Deserialize, Serialize};

/// Input of [`plan_inventory_sync`]: what VTEX holds (with Ponte's record of count dates), the
/// ERP's counts, and the instant that stands for a count without a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InventorySyncRequest {
    #[serde(default)]
    pub current: InventoryState,
    pub batch: InventoryBatch,
    pub now: Timestamp,
}

plan_or_errors! {
    /// Output of [`plan_inventory_sync`]: the plan, or every error (then `plan` is null and nothing
    /// may be written).
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub struct InventorySyncResponse {
        pub plan: Option<InventoryPlan>,
        pub errors: Vec<InventoryError>,
    }
}

/// [`plan_inventory`] with the errors as data: the shape the boundaries return.
pub fn plan_inventory_sync(req: &InventorySyncRequest) -> InventorySyncResponse {
    plan_inventory(&req.current, &req.batch, &req.now).into()
}

/// Input of [`reservation_transition`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReservationTransitionRequest {
    pub reservation: Reservation,
    pub event: ReservationEvent,
}

/// The reservation after the event (§E.4), or why the event is refused.
pub fn reservation_transition(
    req: &ReservationTransitionRequest,
) -> Result<Reservation, InventoryError> {
    transition(&req.reservation, &req.event)
}
