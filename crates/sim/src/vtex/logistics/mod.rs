//! Logistics: warehouses, docks, and the inventory of an SKU per warehouse.
//!
//! VTEX serves it on the account host, `{account}.vtexcommercestable.com.br/api/logistics/...`
//! (`docs/vtex/0-conventions.md` §0; the Logistics OpenAPI file's first server). Every path is
//! `/pvt/`, so the front ([`crate::platform::http`]) asks for credentials.
//!
//! | Endpoint | Source |
//! |---|---|
//! | `POST /api/logistics/pvt/configuration/warehouses` `{id, name, warehouseDocks[{dockId, name, time, cost, …}], priority, isActive}` → `200` (creates or updates) | OpenAPI Logistics `Create/UpdateWarehouse`; `docs/vtex/E-logistics.md` §E.1 |
//! | `GET .../warehouses` → `[{id, name, warehouseDocks[{dockId, time, cost}], pickupPointIds, priority, isActive}]`; `GET` / `DELETE .../warehouses/{id}`; `POST .../{id}/activation`, `.../deactivation` → `200` | OpenAPI `AllWarehouses`, `WarehouseById`, `RemoveWarehouse`, `ActivateWarehouse`; §E.1 |
//! | `POST /api/logistics/pvt/configuration/docks` → `200 true`; `GET .../docks`, `GET` / `DELETE .../docks/{id}`; activation and deactivation → `204` | OpenAPI `Create/UpdateDock`, `AllDocks`, `DockById`, `ActivateDock`; §E.1 |
//! | `GET /api/logistics/pvt/inventory/skus/{skuId}` → `{skuId, balance[{warehouseId, warehouseName, totalQuantity, reservedQuantity, hasUnlimitedQuantity, timeToRefill, dateOfSupplyUtc, leadTime}]}` | OpenAPI `InventoryBySku`; §E.2 |
//! | `PUT /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}` `{quantity, unlimitedQuantity, dateUtcOnBalanceSystem, leadTime}` → `200 true` | OpenAPI `UpdateInventoryBySkuandWarehouse`; §E.2 |
//! | `PATCH .../warehouses/{warehouseId}/quantity` `{quantity, unlimitedQuantity, dateUtcOnBalanceSystem}` → `204` (the lead time stays) | OpenAPI; §E.2 |
//! | `PATCH .../warehouses/{warehouseId}/lead-time` `{leadTime}` → `204` (the quantity stays) | OpenAPI; §E.2 |
//!
//! VTEX's rules applied (§E.2, from the OpenAPI field texts): the `PUT` writes everything:
//! `quantity` missing or `null` is 0, `unlimitedQuantity` missing or `null` false, `leadTime`
//! missing or `null` 0; `unlimitedQuantity: true` overrules `quantity` and reads as 1,000,000
//! units; `dateUtcOnBalanceSystem` `null` or empty is the time of the request (the simulated
//! clock); `quantity` is an `int32`; a lead time is `DD.HH:MM:SS` or `DD`, and an hour field above
//! 23 is read as days (`78:00:00` is 78 days), through ponte-core's `LeadTime`; an empty or
//! invalid one is `400`. Several updates of one SKU and warehouse within milliseconds: the first
//! applies, the others get `423 Locked` "Unable to acquire lock for key:
//! {account}_item_logistics_{skuId}_{warehouseId}." (the window is [`LogisticsSettings`]'s
//! `lockWindowMs`).
//!
//! `dateUtcOnBalanceSystem`: VTEX documents it only as the moment the warehouse counted, useful
//! "for liberating handling order reservations" (§E.4); it does **not** document that an older
//! date is ignored, and its `PUT` applies whatever arrives (§E.5). The simulator therefore applies
//! every write by default and keeps the date with the entry (VTEX's reads do not return it;
//! `GET /_sim/logistics/inventory/{skuId}` shows it); **[sim's choice]** `staleCounts: "ignore"`
//! makes a write whose date is before the held one a no-op answered as a success.
//!
//! Where VTEX is silent, **[sim's choice]**, configurable in [`LogisticsSettings`]
//! (`SimConfig::logistics`, `GET|PUT /_sim/logistics/settings`):
//! - a write for a warehouse that does not exist answers `404 WAREHOUSE_NOT_FOUND`
//!   (`refuseUnknownWarehouse`, default true); a negative quantity `400 QUANTITY_NEGATIVE`;
//! - `GET .../inventory/skus/{skuId}` lists the warehouses holding an entry for the SKU
//!   (`balanceListsEveryWarehouse`, default false; the OpenAPI example lists three warehouses
//!   with quantity 0, which may be every warehouse of the account);
//! - the lock window is 5 ms by default (`lockWindowMs`; 0 switches the lock off);
//! - the `423` body is JSON `{"Message": "Unable to acquire lock…", "code": "INVENTORY_LOCKED"}`
//!   (the OpenAPI file gives that text as `text/plain`); every error is JSON with a code;
//! - `PATCH .../quantity` without `quantity` and without `unlimitedQuantity: true` is `400
//!   QUANTITY_MISSING` (both are `required` there); `PATCH`es on an SKU the warehouse does not
//!   hold yet create the entry (quantity 0, lead time 0);
//! - a warehouse needs `id`, `name` and `warehouseDocks`, a dock `id` and `name` (`400
//!   WAREHOUSE_INVALID` / `DOCK_INVALID`); the other required dock fields are not enforced;
//! - the SKU is not looked up in the Catalog; `skuId` must be a positive integer.
//!
//! Reservations and how a count clears them: [`reservations`] (`reservedQuantity` counts them).
//!
//! Lead times are answered as .NET writes a `TimeSpan` (`00:00:00`, `1.00:00:00`), as the
//! OpenAPI examples show. **[sim's limit]**: the `items/...` reads, supply lots and the batch
//! inventory API are not served; the lock times and settings are in memory. Warehouses, docks and entries persist in the store (`logistics_*` tables).

mod reservations;
mod routes;

pub use reservations::Lock;
pub use routes::sim_routes;

/// The VTEX routes: configuration, inventory and reservations.
pub fn routes() -> axum::Router<SharedLogistics> {
    routes::routes().merge(reservations::routes())
}

use crate::platform::clock::SimClock;
use crate::platform::error::{ApiError, StoreError};
use crate::platform::store::{Store, decode, encode};
use ponte_core::orders::Timestamp;
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// `(account, warehouseId)` → JSON [`Warehouse`].
const WAREHOUSES: TableDefinition<(&str, &str), &str> =
    TableDefinition::new("logistics_warehouses");
/// `(account, dockId)` → the dock's JSON as stored.
const DOCKS: TableDefinition<(&str, &str), &str> = TableDefinition::new("logistics_docks");
/// `(account, skuId, warehouseId)` → JSON [`Entry`]. Reservations: `logistics_reservations`.
const INVENTORY: TableDefinition<(&str, u32, &str), &str> =
    TableDefinition::new("logistics_inventory");

/// What an older `dateUtcOnBalanceSystem` does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StaleCounts {
    /// Applied like any other (VTEX documents no ordering).
    #[default]
    Apply,
    /// Acknowledged and not applied.
    Ignore,
}

/// The simulator's choices where VTEX is silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LogisticsSettings {
    pub lock_window_ms: u64,
    pub stale_counts: StaleCounts,
    pub refuse_unknown_warehouse: bool,
    pub balance_lists_every_warehouse: bool,
}

impl Default for LogisticsSettings {
    fn default() -> Self {
        LogisticsSettings {
            lock_window_ms: 5,
            stale_counts: StaleCounts::Apply,
            refuse_unknown_warehouse: true,
            balance_lists_every_warehouse: false,
        }
    }
}

/// A warehouse's link to a dock, as answered (`cost` a number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarehouseDock {
    pub dock_id: String,
    pub time: String,
    pub cost: f64,
}

/// A warehouse as `GET .../warehouses/{id}` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Warehouse {
    pub id: String,
    pub name: String,
    pub warehouse_docks: Vec<WarehouseDock>,
    pub pickup_point_ids: Vec<String>,
    pub priority: i64,
    pub is_active: bool,
}

/// The stock of an SKU in a warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub quantity: i64,
    pub unlimited_quantity: bool,
    /// Seconds.
    pub lead_time: u64,
    pub date_utc_on_balance_system: Timestamp,
}

/// Counters for tests (`GET /_sim/logistics/stats`).
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogisticsStats {
    /// Accepted inventory writes per `METHOD path` pattern.
    pub writes: BTreeMap<String, u64>,
    /// Writes refused with `423`.
    pub locked: u64,
    /// Writes not applied because their count was older (`staleCounts: "ignore"`).
    pub stale_ignored: u64,
}

type InventoryKey = (String, u32, String);

#[derive(Debug, Default)]
struct State {
    warehouses: BTreeMap<(String, String), Warehouse>,
    docks: BTreeMap<(String, String), Value>,
    inventory: BTreeMap<InventoryKey, Entry>,
    last_write: BTreeMap<InventoryKey, Instant>,
    reservations: BTreeMap<(String, String), Lock>,
    stats: LogisticsStats,
}

/// Logistics' state, written through to the store.
#[derive(Debug)]
pub struct Logistics {
    store: Store,
    clock: Arc<SimClock>,
    settings: Mutex<LogisticsSettings>,
    state: Mutex<State>,
}

pub type SharedLogistics = Arc<Logistics>;

/// What an inventory write asks for, once its body is read.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    /// `PUT`: everything.
    Put {
        quantity: i64,
        unlimited: bool,
        lead_time: u64,
    },
    /// `PATCH .../quantity`: the lead time stays.
    Quantity { quantity: i64, unlimited: bool },
    /// `PATCH .../lead-time`: the quantity stays.
    LeadTime(u64),
}

/// How a write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Older than the held count, not applied (`staleCounts: "ignore"`).
    Stale,
}

/// The values of a map keyed by `(account, id)` that belong to `account`, in id order.
fn of_account<T: Clone>(map: &BTreeMap<(String, String), T>, account: &str) -> Vec<T> {
    map.iter()
        .filter(|((a, _), _)| a == account)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The value a map keyed by `(account, id)` holds for `account` and `id`.
fn held<T: Clone>(map: &BTreeMap<(String, String), T>, account: &str, id: &str) -> Option<T> {
    map.get(&(account.to_owned(), id.to_owned())).cloned()
}

impl Logistics {
    /// Creates the tables and loads what they hold.
    pub fn load(
        store: Store,
        clock: Arc<SimClock>,
        settings: LogisticsSettings,
    ) -> Result<Logistics, StoreError> {
        store.create_tables(|txn| {
            txn.open_table(WAREHOUSES)?;
            txn.open_table(DOCKS)?;
            txn.open_table(INVENTORY)?;
            txn.open_table(reservations::RESERVATIONS)?;
            Ok(())
        })?;
        let mut state = State::default();
        let txn = store.read()?;
        for entry in txn.open_table(WAREHOUSES)?.iter()? {
            let (key, value) = entry?;
            let (account, id) = key.value();
            let w: Warehouse = decode(value.value(), "warehouse", || format!("{account}/{id}"))?;
            state
                .warehouses
                .insert((account.to_owned(), id.to_owned()), w);
        }
        for entry in txn.open_table(DOCKS)?.iter()? {
            let (key, value) = entry?;
            let (account, id) = key.value();
            let d: Value = decode(value.value(), "dock", || format!("{account}/{id}"))?;
            state.docks.insert((account.to_owned(), id.to_owned()), d);
        }
        for entry in txn.open_table(INVENTORY)?.iter()? {
            let (key, value) = entry?;
            let (account, sku, warehouse) = key.value();
            let e: Entry = decode(value.value(), "inventory entry", || {
                format!("{account}/{sku}/{warehouse}")
            })?;
            state
                .inventory
                .insert((account.to_owned(), sku, warehouse.to_owned()), e);
        }
        for entry in txn.open_table(reservations::RESERVATIONS)?.iter()? {
            let (key, value) = entry?;
            let (account, id) = key.value();
            let lock: Lock = decode(value.value(), "reservation", || format!("{account}/{id}"))?;
            state
                .reservations
                .insert((account.to_owned(), id.to_owned()), lock);
        }
        drop(txn);
        Ok(Logistics {
            store,
            clock,
            settings: Mutex::new(settings),
            state: Mutex::new(state),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn settings(&self) -> LogisticsSettings {
        *self.settings.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set_settings(&self, settings: LogisticsSettings) {
        *self.settings.lock().unwrap_or_else(PoisonError::into_inner) = settings;
    }

    /// Now on the simulated clock.
    pub fn now(&self) -> Result<Timestamp, ApiError> {
        Timestamp::from_unix_seconds(self.clock.now_ms().div_euclid(1000))
            .ok_or_else(|| ApiError::Internal("the simulated clock is out of range".into()))
    }

    pub fn warehouses(&self, account: &str) -> Vec<Warehouse> {
        of_account(&self.state().warehouses, account)
    }

    pub fn warehouse(&self, account: &str, id: &str) -> Option<Warehouse> {
        held(&self.state().warehouses, account, id)
    }

    pub fn put_warehouse(&self, account: &str, w: Warehouse) -> Result<(), ApiError> {
        let mut state = self.state();
        let txn = self.store.write()?;
        txn.open_table(WAREHOUSES)
            .map_err(StoreError::from)?
            .insert((account, w.id.as_str()), encode(&w, "warehouse")?.as_str())
            .map_err(StoreError::from)?;
        txn.commit().map_err(StoreError::from)?;
        state
            .warehouses
            .insert((account.to_owned(), w.id.clone()), w);
        Ok(())
    }

    /// Removes a warehouse; `false` when there was none.
    pub fn delete_warehouse(&self, account: &str, id: &str) -> Result<bool, ApiError> {
        let mut state = self.state();
        let key = (account.to_owned(), id.to_owned());
        if !state.warehouses.contains_key(&key) {
            return Ok(false);
        }
        let txn = self.store.write()?;
        txn.open_table(WAREHOUSES)
            .map_err(StoreError::from)?
            .remove((account, id))
            .map_err(StoreError::from)?;
        txn.commit().map_err(StoreError::from)?;
        state.warehouses.remove(&key);
        Ok(true)
    }

    pub fn docks(&self, account: &str) -> Vec<Value> {
        of_account(&self.state().docks, account)
    }

    pub fn dock(&self, account: &str, id: &str) -> Option<Value> {
        held(&self.state().docks, account, id)
    }

    /// Stores a dock (`None` removes it).
    pub fn put_dock(&self, account: &str, id: &str, dock: Option<Value>) -> Result<(), ApiError> {
        let mut state = self.state();
        let txn = self.store.write()?;
        {
            let mut table = txn.open_table(DOCKS).map_err(StoreError::from)?;
            match &dock {
                Some(d) => {
                    table
                        .insert((account, id), encode(d, "dock")?.as_str())
                        .map_err(StoreError::from)?;
                }
                None => {
                    table.remove((account, id)).map_err(StoreError::from)?;
                }
            }
        }
        txn.commit().map_err(StoreError::from)?;
        let key = (account.to_owned(), id.to_owned());
        match dock {
            Some(d) => state.docks.insert(key, d),
            None => state.docks.remove(&key),
        };
        Ok(())
    }

    /// Every entry of the account as `(sku, warehouse, entry)` (the simulator's export).
    pub fn all_entries(&self, account: &str) -> Vec<(u32, String, Entry)> {
        self.state()
            .inventory
            .iter()
            .filter(|((a, _, _), _)| a == account)
            .map(|((_, s, w), e)| (*s, w.clone(), e.clone()))
            .collect()
    }

    /// The SKU's entries, by warehouse id.
    pub fn entries(&self, account: &str, sku: u32) -> BTreeMap<String, Entry> {
        self.state()
            .inventory
            .iter()
            .filter(|((a, s, _), _)| a == account && *s == sku)
            .map(|((_, _, w), e)| (w.clone(), e.clone()))
            .collect()
    }

    /// Applies one inventory write: the lock, the warehouse, the date rule, then the store.
    pub fn write(
        &self,
        account: &str,
        sku: u32,
        warehouse: &str,
        change: Change,
        date: Option<Timestamp>,
        label: &str,
    ) -> Result<Outcome, ApiError> {
        let settings = self.settings();
        let now = Instant::now();
        let mut state = self.state();
        if settings.refuse_unknown_warehouse
            && !state
                .warehouses
                .contains_key(&(account.to_owned(), warehouse.to_owned()))
        {
            return Err(ApiError::not_found(
                "WAREHOUSE_NOT_FOUND",
                format!("warehouse {warehouse:?} does not exist"),
            ));
        }
        let key = (account.to_owned(), sku, warehouse.to_owned());
        if let Some(last) = state.last_write.get(&key)
            && now.saturating_duration_since(*last).as_millis()
                < u128::from(settings.lock_window_ms)
        {
            state.stats.locked += 1;
            return Err(ApiError::rule(
                axum::http::StatusCode::LOCKED,
                "INVENTORY_LOCKED",
                format!(
                    "Unable to acquire lock for key: {account}_item_logistics_{sku}_{warehouse}."
                ),
            ));
        }
        state.last_write.insert(key.clone(), now);
        let date = match date {
            Some(d) => d,
            None => self.now()?,
        };
        let held = state.inventory.get(&key).cloned();
        if settings.stale_counts == StaleCounts::Ignore
            && !matches!(change, Change::LeadTime(_))
            && held
                .as_ref()
                .is_some_and(|h| date < h.date_utc_on_balance_system)
        {
            state.stats.stale_ignored += 1;
            return Ok(Outcome::Stale);
        }
        let base = held.unwrap_or(Entry {
            quantity: 0,
            unlimited_quantity: false,
            lead_time: 0,
            date_utc_on_balance_system: date.clone(),
        });
        let counted = match change {
            Change::LeadTime(_) => None,
            Change::Put { .. } | Change::Quantity { .. } => Some(date.clone()),
        };
        let next = match change {
            Change::Put {
                quantity,
                unlimited,
                lead_time,
            } => Entry {
                quantity,
                unlimited_quantity: unlimited,
                lead_time,
                date_utc_on_balance_system: date,
            },
            Change::Quantity {
                quantity,
                unlimited,
            } => Entry {
                quantity,
                unlimited_quantity: unlimited,
                date_utc_on_balance_system: date,
                ..base
            },
            Change::LeadTime(lead_time) => Entry { lead_time, ..base },
        };
        let txn = self.store.write()?;
        txn.open_table(INVENTORY)
            .map_err(StoreError::from)?
            .insert(
                (account, sku, warehouse),
                encode(&next, "inventory entry")?.as_str(),
            )
            .map_err(StoreError::from)?;
        txn.commit().map_err(StoreError::from)?;
        state.inventory.insert(key, next);
        if let Some(date) = counted {
            self.clear_on_count(&mut state, account, sku, warehouse, &date)?;
        }
        *state.stats.writes.entry(label.to_owned()).or_default() += 1;
        Ok(Outcome::Applied)
    }

    pub fn stats(&self) -> LogisticsStats {
        self.state().stats.clone()
    }
}

/// A duration as .NET writes a `TimeSpan`: `hh:mm:ss`, with `d.` in front when there are days.
pub fn timespan(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    if d == 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{d}.{h:02}:{m:02}:{s:02}")
    }
}
