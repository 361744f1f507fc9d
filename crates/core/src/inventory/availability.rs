//! Availability of an SKU in a trade policy (§E.3).

use super::error::{InventoryError, InventoryErrorCode};
use super::model::{Dock, InventoryEntry, LeadTime, UNLIMITED_QUANTITY, Warehouse};
use super::reservation::Reservation;
use crate::catalog::import::SkuId;
use crate::skus::KnownSku;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What VTEX holds in Logistics, as the service read it, with the SKUs' natural keys
/// (Catalog) and Ponte's record of each entry's last count date (§E.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InventoryState {
    #[serde(default)]
    pub skus: Vec<KnownSku>,
    #[serde(default)]
    pub warehouses: Vec<Warehouse>,
    #[serde(default)]
    pub docks: Vec<Dock>,
    #[serde(default)]
    pub entries: Vec<InventoryEntry>,
    #[serde(default)]
    pub reservations: Vec<Reservation>,
}

/// The items of `items` (with their index) whose `key` an earlier item already had.
fn repeated<'a, T, K: Ord>(
    items: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> impl Iterator<Item = (usize, &'a T)> {
    let mut seen = BTreeSet::new();
    items
        .iter()
        .enumerate()
        .filter(move |(_, x)| !seen.insert(key(x)))
}

impl InventoryState {
    /// Duplicate warehouses, docks or entries (one per SKU and warehouse): every one found.
    pub fn check(&self) -> Vec<InventoryError> {
        let mut errors = Vec::new();
        let mut dup = |path: String, what: String| {
            errors.push(InventoryError::new(
                path,
                InventoryErrorCode::CurrentStateInvalid,
                what,
            ));
        };
        for (i, w) in repeated(&self.warehouses, |w| w.id.as_str()) {
            dup(
                format!("current.warehouses[{i}]"),
                format!("warehouse {:?} twice", w.id),
            );
        }
        for (i, d) in repeated(&self.docks, |d| d.id.as_str()) {
            dup(
                format!("current.docks[{i}]"),
                format!("dock {:?} twice", d.id),
            );
        }
        for (i, e) in repeated(&self.entries, |e| (e.sku_id, e.warehouse_id.as_str())) {
            dup(
                format!("current.entries[{i}]"),
                format!("SKU {} in warehouse {:?} twice", e.sku_id, e.warehouse_id),
            );
        }
        errors
    }

    pub fn entry(&self, sku: SkuId, warehouse: &str) -> Option<&InventoryEntry> {
        self.entries
            .iter()
            .find(|e| e.sku_id == sku && e.warehouse_id == warehouse)
    }

    /// Units of the SKU reserved in the warehouse: authorized, confirmed and acknowledged
    /// reservations (§E.4).
    pub fn reserved(&self, sku: SkuId, warehouse: &str) -> Result<u64, InventoryError> {
        self.reservations
            .iter()
            .filter(|r| r.sku_id == sku && r.warehouse_id == warehouse && r.status.counts())
            .try_fold(0u64, |acc, r| acc.checked_add(r.quantity))
            .ok_or_else(|| {
                InventoryError::new(
                    "current.reservations",
                    InventoryErrorCode::QuantityOutOfRange,
                    "reserved quantities overflow",
                )
            })
    }
}

/// Input of [`availability`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AvailabilityRequest {
    #[serde(default)]
    pub current: InventoryState,
    pub sku_id: SkuId,
    /// The trade policy (sales channel) id, as docks list it (`"1"`).
    pub trade_policy_id: String,
}

/// One warehouse that serves the trade policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WarehouseAvailability {
    pub warehouse_id: String,
    /// The active docks linking it to the trade policy.
    pub dock_ids: Vec<String>,
    pub total_quantity: u64,
    pub reserved_quantity: u64,
    pub unlimited_quantity: bool,
    pub available: u64,
    pub lead_time: LeadTime,
}

/// An SKU's availability in a trade policy (§E.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Availability {
    pub sku_id: SkuId,
    pub trade_policy_id: String,
    /// The sum over the warehouses.
    pub available: u64,
    pub warehouses: Vec<WarehouseAvailability>,
}

/// Available in one warehouse (§E.3): 1,000,000 when unlimited, else total − reserved, never
/// below 0.
pub fn available_in(entry: &InventoryEntry, reserved: u64) -> u64 {
    if entry.unlimited_quantity {
        UNLIMITED_QUANTITY
    } else {
        entry.total_quantity.saturating_sub(reserved)
    }
}

/// The SKU's availability in the trade policy (§E.3): the sum over every active warehouse
/// linked to an active dock whose `salesChannels` include the policy, with the SKU's entry
/// there. Shipping policies and destinations are not considered (§E.5).
pub fn availability(req: &AvailabilityRequest) -> Result<Availability, InventoryError> {
    let state = &req.current;
    if let Some(e) = state.check().into_iter().next() {
        return Err(e);
    }
    let mut out = Availability {
        sku_id: req.sku_id,
        trade_policy_id: req.trade_policy_id.clone(),
        available: 0,
        warehouses: Vec::new(),
    };
    for w in state.warehouses.iter().filter(|w| w.is_active) {
        let dock_ids: Vec<String> = w
            .warehouse_docks
            .iter()
            .filter(|wd| {
                state.docks.iter().any(|d| {
                    d.id == wd.dock_id
                        && d.is_active
                        && d.sales_channels
                            .iter()
                            .any(|c| c.trim() == req.trade_policy_id.trim())
                })
            })
            .map(|wd| wd.dock_id.clone())
            .collect();
        let Some(entry) = state.entry(req.sku_id, &w.id) else {
            continue;
        };
        if dock_ids.is_empty() {
            continue;
        }
        let reserved = state.reserved(req.sku_id, &w.id)?;
        let available = available_in(entry, reserved);
        out.available = out.available.checked_add(available).ok_or_else(|| {
            InventoryError::new(
                "current.entries",
                InventoryErrorCode::QuantityOutOfRange,
                "available quantities overflow",
            )
        })?;
        out.warehouses.push(WarehouseAvailability {
            warehouse_id: w.id.clone(),
            dock_ids,
            total_quantity: entry.total_quantity,
            reserved_quantity: reserved,
            unlimited_quantity: entry.unlimited_quantity,
            available,
            lead_time: entry.lead_time,
        });
    }
    Ok(out)
}
