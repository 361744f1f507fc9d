//! Inventory sync planning (§E.5): from the ERP's stock counts and what VTEX holds, the writes
//! that change something; an older count never overwrites a newer one.

use super::availability::InventoryState;
use super::error::{InventoryError, InventoryErrorCode};
use super::model::{InventoryEntry, LeadTime, MAX_QUANTITY};
use super::reservation::ReservationStatus;
use crate::catalog::import::SkuId;
use crate::orders::Timestamp;
use crate::skus::{SkuKey, resolve};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// One count from the ERP or WMS: an absolute quantity of an SKU in a warehouse (by its code,
/// VTEX's warehouse id), taken at `dateUtcOnBalanceSystem` (the plan's `now` when absent, as
/// VTEX takes the time of the request, §E.2). `leadTime` absent leaves the held one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StockCount {
    #[serde(flatten)]
    pub sku: SkuKey,
    pub warehouse: String,
    pub quantity: i64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub unlimited_quantity: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub lead_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub date_utc_on_balance_system: Option<String>,
}

/// A stock batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InventoryBatch {
    pub counts: Vec<StockCount>,
}

/// The VTEX call of a write, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum InventoryWriteMethod {
    /// `PUT .../skus/{skuId}/warehouses/{warehouseId}`: quantity, unlimited, lead time, date.
    Put,
    /// `PATCH .../quantity`: quantity, unlimited and date; the lead time stays.
    PatchQuantity,
    /// `PATCH .../lead-time`.
    PatchLeadTime,
    /// No VTEX call: the count is newer but changes nothing there; Ponte records its date so
    /// that an older count arriving later is still recognised as older.
    Record,
}

/// One write of the plan, with the entry as it will be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InventoryWrite {
    /// The batch count it comes from.
    pub count: u32,
    pub method: InventoryWriteMethod,
    pub entry: InventoryEntry,
    /// Acknowledged reservations this count clears (§E.4).
    pub clears: Vec<String>,
}

/// Why a valid count writes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SkipReason {
    /// Older than the count held.
    Stale,
    /// The same as held.
    Unchanged,
}

/// A count left out, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkippedCount {
    pub count: u32,
    pub reason: SkipReason,
}

/// The plan: writes in batch order, and the counts left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InventoryPlan {
    pub writes: Vec<InventoryWrite>,
    pub skipped: Vec<SkippedCount>,
}

/// Whether a count dated `date` with `content` replaces the held entry (§E.5): a newer date
/// wins; an older one never does; at the same date the greater content wins (unlimited, then
/// quantity, then lead time), so the end state does not depend on the order of arrival.
pub fn supersedes(
    date: &Timestamp,
    content: (bool, u64, Option<LeadTime>),
    held: &InventoryEntry,
) -> bool {
    let Some(held_date) = &held.date_utc_on_balance_system else {
        return true;
    };
    match date.cmp(held_date) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => {
            let lead = content.2.unwrap_or(held.lead_time);
            (content.0, content.1, lead)
                > (held.unlimited_quantity, held.total_quantity, held.lead_time)
        }
    }
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Validates the batch against the state and plans it; `Err` holds every error, and then
/// nothing may be written.
pub fn plan_inventory(
    state: &InventoryState,
    batch: &InventoryBatch,
    now: &Timestamp,
) -> Result<InventoryPlan, Vec<InventoryError>> {
    let mut errors = state.check();
    let mut seen: BTreeMap<(SkuId, &str), usize> = BTreeMap::new();
    let mut plan = InventoryPlan::default();
    for (i, c) in batch.counts.iter().enumerate() {
        let path = format!("counts[{i}]");
        let before = errors.len();
        let sku = match resolve(&state.skus, &c.sku) {
            Ok(id) => Some(id),
            Err(problem) => {
                use InventoryErrorCode as C;
                let code = problem.code(C::SkuKeyMissing, C::SkuNotFound, C::SkuKeyMismatch);
                errors.push(InventoryError::new(&path, code, problem.message()));
                None
            }
        };
        let warehouse = state.warehouses.iter().find(|w| w.id == c.warehouse.trim());
        if warehouse.is_none() {
            errors.push(InventoryError::new(
                format!("{path}.warehouse"),
                InventoryErrorCode::WarehouseNotFound,
                format!("no warehouse {:?}", c.warehouse),
            ));
        }
        if c.quantity < 0 {
            errors.push(InventoryError::new(
                format!("{path}.quantity"),
                InventoryErrorCode::QuantityNegative,
                format!("quantity {} is negative", c.quantity),
            ));
        } else if c.quantity.unsigned_abs() > MAX_QUANTITY {
            errors.push(InventoryError::new(
                format!("{path}.quantity"),
                InventoryErrorCode::QuantityOutOfRange,
                format!(
                    "quantity {} is beyond {MAX_QUANTITY} (an int32)",
                    c.quantity
                ),
            ));
        }
        let lead = match &c.lead_time {
            None => None,
            Some(t) => {
                let parsed = LeadTime::parse(t);
                if parsed.is_none() {
                    errors.push(InventoryError::new(
                        format!("{path}.leadTime"),
                        InventoryErrorCode::LeadTimeInvalid,
                        format!("{t:?} is not D.HH:MM:SS"),
                    ));
                }
                parsed
            }
        };
        let date = match &c.date_utc_on_balance_system {
            None => Some(now.clone()),
            Some(d) if d.trim().is_empty() => Some(now.clone()),
            Some(d) => {
                let parsed = Timestamp::parse(d);
                if parsed.is_none() {
                    errors.push(InventoryError::new(
                        format!("{path}.dateUtcOnBalanceSystem"),
                        InventoryErrorCode::CountDateInvalid,
                        format!("{d:?} is not an ISO 8601 date-time"),
                    ));
                }
                parsed
            }
        };
        let (Some(sku), Some(w), Some(date)) = (sku, warehouse, date) else {
            continue;
        };
        if let Some(first) = seen.insert((sku, w.id.as_str()), i) {
            errors.push(InventoryError::new(
                &path,
                InventoryErrorCode::CountDuplicate,
                format!(
                    "counts[{first}] already counts SKU {sku} in warehouse {:?}",
                    w.id
                ),
            ));
        }
        if errors.len() != before {
            continue;
        }
        let quantity = c.quantity.unsigned_abs();
        let count = u32_of(i);
        let held = state.entry(sku, &w.id);
        if let Some(h) = held
            && !supersedes(&date, (c.unlimited_quantity, quantity, lead), h)
        {
            let reason = if h.date_utc_on_balance_system.as_ref() == Some(&date) {
                SkipReason::Unchanged
            } else {
                SkipReason::Stale
            };
            plan.skipped.push(SkippedCount { count, reason });
            continue;
        }
        let clears: Vec<String> = state
            .reservations
            .iter()
            .filter(|r| {
                r.sku_id == sku
                    && r.warehouse_id == w.id
                    && r.status == ReservationStatus::Acknowledged
                    && r.acknowledged_at.as_ref().is_some_and(|a| a <= &date)
            })
            .map(|r| r.id.clone())
            .collect();
        let entry = InventoryEntry {
            sku_id: sku,
            warehouse_id: w.id.clone(),
            total_quantity: quantity,
            unlimited_quantity: c.unlimited_quantity,
            lead_time: lead.or(held.map(|h| h.lead_time)).unwrap_or_default(),
            date_utc_on_balance_system: Some(date),
        };
        let method = match held {
            None => InventoryWriteMethod::Put,
            Some(h) => {
                let quantity_changed = h.unlimited_quantity != entry.unlimited_quantity
                    || h.total_quantity != entry.total_quantity;
                let lead_changed = lead.is_some_and(|l| l != h.lead_time);
                match (quantity_changed || !clears.is_empty(), lead_changed) {
                    (true, true) => InventoryWriteMethod::Put,
                    (true, false) => InventoryWriteMethod::PatchQuantity,
                    (false, true) => InventoryWriteMethod::PatchLeadTime,
                    (false, false)
                        if h.date_utc_on_balance_system != entry.date_utc_on_balance_system =>
                    {
                        InventoryWriteMethod::Record
                    }
                    (false, false) => {
                        plan.skipped.push(SkippedCount {
                            count,
                            reason: SkipReason::Unchanged,
                        });
                        continue;
                    }
                }
            }
        };
        plan.writes.push(InventoryWrite {
            count,
            method,
            entry,
            clears,
        });
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// The reference executor: the state after the plan (entries written or recorded, the
/// reservations a count clears marked cleared, §E.4). Used by tests to prove a plan complete
/// and idempotent.
pub fn apply_inventory_plan(state: &InventoryState, plan: &InventoryPlan) -> InventoryState {
    let mut next = state.clone();
    for w in &plan.writes {
        let e = &w.entry;
        match next
            .entries
            .iter_mut()
            .find(|h| h.sku_id == e.sku_id && h.warehouse_id == e.warehouse_id)
        {
            Some(h) => *h = e.clone(),
            None => next.entries.push(e.clone()),
        }
        for r in next
            .reservations
            .iter_mut()
            .filter(|r| w.clears.contains(&r.id))
        {
            r.status = ReservationStatus::Cleared;
        }
    }
    next
}
