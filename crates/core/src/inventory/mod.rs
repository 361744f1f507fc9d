//! Logistics (§E): warehouses and docks, the stock of an SKU per warehouse, availability per
//! trade policy, reservations, and the plan of a stock sync from the ERP.
//!
//! - [`Warehouse`], [`Dock`], [`InventoryEntry`], [`LeadTime`]: VTEX's shapes (§E.1–E.2).
//! - [`availability`]: the sum over active warehouses linked to an active dock of the trade
//!   policy, each 1,000,000 when unlimited or total − reserved, never below 0 (§E.3).
//! - [`transition`]: the reservation lifecycle (authorized, confirmed, acknowledged, cleared,
//!   cancelled) as a state machine (§E.4); [`authorization_expiry`].
//! - [`plan_inventory`]: the ERP's counts (SKUs by `refId` or `ean`, warehouses by code) against
//!   what VTEX holds, every error with its code and path, else only the writes that change
//!   something, `PATCH` where the lead time must stay; an older count never overwrites a newer
//!   one ([`supersedes`], §E.5). [`apply_inventory_plan`] is the reference executor.

mod availability;
mod error;
mod model;
pub mod ops;
mod reservation;
mod sync;

pub use availability::{
    Availability, AvailabilityRequest, InventoryState, WarehouseAvailability, availability,
    available_in,
};
pub use error::{InventoryError, InventoryErrorCode};
pub use model::{
    Dock, InventoryEntry, LeadTime, MAX_QUANTITY, UNLIMITED_QUANTITY, Warehouse, WarehouseDock,
};
pub use ops::{
    InventorySyncRequest, InventorySyncResponse, ReservationTransitionRequest, plan_inventory_sync,
    reservation_transition,
};
pub use reservation::{
    Reservation, ReservationEvent, ReservationEventKind, ReservationStatus, authorization_expiry,
    transition,
};
pub use sync::{
    InventoryBatch, InventoryPlan, InventoryWrite, InventoryWriteMethod, SkipReason, SkippedCount,
    StockCount, apply_inventory_plan, plan_inventory, supersedes,
};

#[cfg(test)]
mod tests;
