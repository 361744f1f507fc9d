//! The embedded store: one redb file, `DATA_DIR/sim.redb`, shared by every simulated API.
//!
//! The store knows no API: it opens the file, hands out transactions, and offers a typed table
//! of JSON records ([`JsonTable`]). Each API defines its own tables and creates them when it
//! loads ([`Store::create_tables`]):
//!
//! | table | owner |
//! |---|---|
//! | `meta` | here: `&str` name → `&str` (`schema` → `"1"`) |
//! | `catalog_*`, `counters` | the Catalog (`vtex::catalog::tables`) |
//! | `vbase_files` / `vbase_meta` | VBase (`vtex::vbase`) |
//! | `vtexid` | VTEX ID (`vtex::vtexid`) |
//! | `app_settings` | app settings (`vtex::apps`) |
//! | `pricing_prices`, `pricing_meta` | Pricing v2 (`vtex::pricing`) |
//! | `logistics_warehouses`, `logistics_docks`, `logistics_inventory` | Logistics (`vtex::logistics`) |
//!
//! Every key starts with the account (VTEX ID's keys name it inside), so accounts never mix.
//! Values are JSON so the file stays readable with any redb tool and records can grow new
//! optional properties without a migration. Every successful API write is one redb write
//! transaction (durability: immediate), committed before the response is sent.

use crate::platform::error::StoreError;
use redb::{
    Database, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

const META: TableDefinition<&str, &str> = TableDefinition::new("meta");

const SCHEMA_VERSION: &str = "1";

/// The open store. Cloning shares the one database handle; the file is closed when the last
/// clone is dropped.
#[derive(Debug, Clone)]
pub struct Store {
    db: Arc<Database>,
}

/// Opens (or creates) the redb file `dir/file`, creating `dir` if needed, and runs `create`
/// (which opens the caller's tables, creating the missing ones) in one write transaction.
/// The ERP, the OMS and the broadcaster keep their own files this way; [`Store`] is `sim.redb`.
pub fn open_database(
    dir: &Path,
    file: &str,
    create: impl FnOnce(&WriteTransaction) -> Result<(), StoreError>,
) -> Result<Database, StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
        path: dir.display().to_string(),
        source,
    })?;
    let db = Database::create(dir.join(file))?;
    let txn = db.begin_write()?;
    create(&txn)?;
    txn.commit()?;
    Ok(db)
}

impl Store {
    /// Opens (or creates) `dir/sim.redb`, creating `dir` if needed.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let db = open_database(dir, "sim.redb", |txn| {
            txn.open_table(META)?.insert("schema", SCHEMA_VERSION)?;
            Ok(())
        })?;
        Ok(Store { db: Arc::new(db) })
    }

    /// Runs `create` (which opens the caller's tables, creating the missing ones) in one write
    /// transaction, so later read transactions find every table.
    pub fn create_tables(
        &self,
        create: impl FnOnce(&WriteTransaction) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let txn = self.write()?;
        create(&txn)?;
        txn.commit()?;
        Ok(())
    }

    /// A read transaction.
    pub fn read(&self) -> Result<ReadTransaction, StoreError> {
        Ok(self.db.begin_read().map_err(redb::Error::from)?)
    }

    /// A write transaction (commit it with `commit()`; dropping it aborts).
    pub fn write(&self) -> Result<WriteTransaction, StoreError> {
        Ok(self.db.begin_write()?)
    }
}

/// A table of JSON records of type `T` keyed by `(account, id)`: one place for the encoding,
/// decoding and error naming of every such table.
#[derive(Debug)]
pub struct JsonTable<T> {
    name: &'static str,
    /// What a record is, for errors (`"category"`, `"specification group"`).
    entity: &'static str,
    record: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> JsonTable<T> {
    pub const fn new(name: &'static str, entity: &'static str) -> Self {
        JsonTable {
            name,
            entity,
            record: PhantomData,
        }
    }

    fn definition(&self) -> TableDefinition<'static, (&'static str, u32), &'static str> {
        TableDefinition::new(self.name)
    }

    /// Creates the table if missing.
    pub fn create(&self, txn: &WriteTransaction) -> Result<(), StoreError> {
        txn.open_table(self.definition())?;
        Ok(())
    }

    /// Every record, with its account.
    pub fn read_all(&self, txn: &ReadTransaction) -> Result<Vec<(String, T)>, StoreError> {
        let table = txn.open_table(self.definition())?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            let (account, id) = key.value();
            let record = decode(value.value(), self.entity, || format!("{account}/{id}"))?;
            out.push((account.to_owned(), record));
        }
        Ok(out)
    }

    /// Opens the table for writing within `txn`.
    pub fn writer<'t>(&self, txn: &'t WriteTransaction) -> Result<JsonWriter<'t, T>, StoreError> {
        Ok(JsonWriter {
            table: txn.open_table(self.definition())?,
            entity: self.entity,
            record: PhantomData,
        })
    }
}

/// A [`JsonTable`] open for writing.
#[derive(Debug)]
pub struct JsonWriter<'t, T> {
    table: redb::Table<'t, (&'static str, u32), &'static str>,
    entity: &'static str,
    record: PhantomData<fn() -> T>,
}

impl<T: Serialize> JsonWriter<'_, T> {
    /// Inserts or replaces `(account, id)`.
    pub fn put(&mut self, account: &str, id: u32, record: &T) -> Result<(), StoreError> {
        self.table
            .insert((account, id), encode(record, self.entity)?.as_str())?;
        Ok(())
    }
}

/// A record as stored JSON.
pub fn encode<T: Serialize>(record: &T, entity: &'static str) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|source| StoreError::Encode { entity, source })
}

/// A stored JSON record; `key` names it in the error.
pub fn decode<T: DeserializeOwned>(
    json: &str,
    entity: &'static str,
    key: impl FnOnce() -> String,
) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Decode {
        entity,
        key: key(),
        source,
    })
}
