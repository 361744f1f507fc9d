//! The OMS's own redb file, `DATA_DIR/oms.redb` (beside the simulator's `sim.redb`, so the
//! OMS owns its tables without touching the shared store's schema):
//!
//! | table | key | value |
//! |---|---|---|
//! | `oms_orders` | `(account, orderId)` | JSON [`SimOrder`] (the order, its timers) |
//! | `oms_runs` | `runId` | JSON [`RunRecord`] (shopper-load progress) |
//! | `oms_meta` | name | `clockOffsetMs`, `seq/{account}` (last order sequence), `runs` (last run number), `changeSettings/{account}` (JSON order modifications settings) |
//!
//! Every accepted write is one transaction, committed before the HTTP answer and before the
//! change is published.

use super::model::SimOrder;
use super::shoppers::RunRecord;
use crate::platform::error::StoreError;
use crate::platform::store::open_database;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::collections::BTreeMap;
use std::path::Path;

const ORDERS: TableDefinition<(&str, &str), &str> = TableDefinition::new("oms_orders");
const RUNS: TableDefinition<&str, &str> = TableDefinition::new("oms_runs");
const META: TableDefinition<&str, &str> = TableDefinition::new("oms_meta");

/// The open OMS database.
#[derive(Debug)]
pub struct Db {
    db: Database,
}

/// Everything stored.
#[derive(Debug, Default)]
pub struct Loaded {
    pub orders: Vec<SimOrder>,
    pub runs: Vec<RunRecord>,
    pub meta: BTreeMap<String, String>,
}

/// One transaction's writes.
#[derive(Debug, Default)]
pub struct Batch<'a> {
    pub orders: Vec<&'a SimOrder>,
    pub runs: Vec<&'a RunRecord>,
    pub meta: Vec<(String, String)>,
}

impl Batch<'_> {
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty() && self.runs.is_empty() && self.meta.is_empty()
    }
}

fn encode<T: serde::Serialize>(v: &T, entity: &'static str) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|source| StoreError::Encode { entity, source })
}

impl Db {
    /// Opens (or creates) `dir/oms.redb`.
    pub fn open(dir: &Path) -> Result<Db, StoreError> {
        let db = open_database(dir, "oms.redb", |txn| {
            txn.open_table(ORDERS)?;
            txn.open_table(RUNS)?;
            txn.open_table(META)?.insert("schema", "1")?;
            Ok(())
        })?;
        Ok(Db { db })
    }

    pub fn load(&self) -> Result<Loaded, StoreError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let mut out = Loaded::default();
        for entry in txn.open_table(ORDERS)?.iter()? {
            let (key, value) = entry?;
            let order: SimOrder =
                serde_json::from_str(value.value()).map_err(|source| StoreError::Decode {
                    entity: "order",
                    key: format!("{:?}", key.value()),
                    source,
                })?;
            out.orders.push(order);
        }
        for entry in txn.open_table(RUNS)?.iter()? {
            let (key, value) = entry?;
            let run: RunRecord =
                serde_json::from_str(value.value()).map_err(|source| StoreError::Decode {
                    entity: "shopper run",
                    key: key.value().to_owned(),
                    source,
                })?;
            out.runs.push(run);
        }
        for entry in txn.open_table(META)?.iter()? {
            let (key, value) = entry?;
            out.meta
                .insert(key.value().to_owned(), value.value().to_owned());
        }
        Ok(out)
    }

    /// Writes a batch in one transaction.
    pub fn commit(&self, batch: &Batch<'_>) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin_write()?;
        {
            let mut orders = txn.open_table(ORDERS)?;
            for o in &batch.orders {
                orders.insert(
                    (o.account.as_str(), o.order_id.as_str()),
                    encode(*o, "order")?.as_str(),
                )?;
            }
            let mut runs = txn.open_table(RUNS)?;
            for r in &batch.runs {
                runs.insert(r.run_id.as_str(), encode(*r, "shopper run")?.as_str())?;
            }
            let mut meta = txn.open_table(META)?;
            for (k, v) in &batch.meta {
                meta.insert(k.as_str(), v.as_str())?;
            }
        }
        txn.commit()?;
        Ok(())
    }
}
