//! The embedded store: one redb file, `DATA_DIR/sim.redb`.
//!
//! Layout (every key starts with the account, so accounts never mix):
//!
//! | table | key | value |
//! |---|---|---|
//! | `meta` | `&str` name | `&str` (`schema` → `"1"`) |
//! | `catalog_categories` | `(account, CategoryId)` | JSON [`CategoryRecord`] |
//! | `catalog_spec_groups` | `(account, GroupId)` | JSON [`GroupRecord`] |
//! | `catalog_spec_fields` | `(account, FieldId)` | JSON [`FieldRecord`] |
//! | `catalog_spec_values` | `(account, FieldValueId)` | JSON [`ValueRecord`] |
//! | `counters` | `(account, kind)` | `u32`: the last id handed out for that kind |
//! | `vtexid` | `(kind, key)` | JSON record of VTEX ID ([`crate::vtexid`]): the signing key, users, revocations, OAuth grants |
//! | `app_settings` | `(account, workspace, app)` | JSON object: an app's settings ([`crate::apps`]) |
//!
//! Values are JSON so the file stays readable with any redb tool and records can grow new
//! optional properties without a migration. Every successful API write is one redb write
//! transaction (durability: immediate), committed before the response is sent.

use crate::catalog::records::{CategoryRecord, FieldRecord, GroupRecord, ValueRecord};
use crate::error::StoreError;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
const CATEGORIES: TableDefinition<(&str, u32), &str> = TableDefinition::new("catalog_categories");
const GROUPS: TableDefinition<(&str, u32), &str> = TableDefinition::new("catalog_spec_groups");
const FIELDS: TableDefinition<(&str, u32), &str> = TableDefinition::new("catalog_spec_fields");
const VALUES: TableDefinition<(&str, u32), &str> = TableDefinition::new("catalog_spec_values");
const COUNTERS: TableDefinition<(&str, &str), u32> = TableDefinition::new("counters");
const VTEXID: TableDefinition<(&str, &str), &str> = TableDefinition::new("vtexid");
const APP_SETTINGS: TableDefinition<(&str, &str, &str), &str> =
    TableDefinition::new("app_settings");

const SCHEMA_VERSION: &str = "1";

/// The id counters of one account's catalog: the last id handed out per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub category: u32,
    pub group: u32,
    pub field: u32,
    pub value: u32,
}

/// Everything stored for one account.
#[derive(Debug, Clone, Default)]
pub struct StoredAccount {
    pub categories: Vec<CategoryRecord>,
    pub groups: Vec<GroupRecord>,
    pub fields: Vec<FieldRecord>,
    pub values: Vec<ValueRecord>,
    pub counters: Counters,
}

/// One entity to write.
#[derive(Debug, Clone)]
pub enum Change {
    Category(CategoryRecord),
    Group(GroupRecord),
    Field(FieldRecord),
    Value(ValueRecord),
}

/// The open store. Cloning shares the one database handle; the file is closed when the last
/// clone is dropped.
#[derive(Debug, Clone)]
pub struct Store {
    db: Arc<Database>,
}

impl Store {
    /// Opens (or creates) `dir/sim.redb`, creating `dir` if needed.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        let db = Database::create(dir.join("sim.redb"))?;
        let txn = db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            meta.insert("schema", SCHEMA_VERSION)?;
            txn.open_table(CATEGORIES)?;
            txn.open_table(GROUPS)?;
            txn.open_table(FIELDS)?;
            txn.open_table(VALUES)?;
            txn.open_table(COUNTERS)?;
            txn.open_table(VTEXID)?;
            txn.open_table(APP_SETTINGS)?;
        }
        txn.commit()?;
        Ok(Store { db: Arc::new(db) })
    }

    /// Reads every account.
    pub fn load(&self) -> Result<BTreeMap<String, StoredAccount>, StoreError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let mut accounts: BTreeMap<String, StoredAccount> = BTreeMap::new();
        for (account, record) in
            read_all::<CategoryRecord>(&txn.open_table(CATEGORIES)?, "category")?
        {
            accounts.entry(account).or_default().categories.push(record);
        }
        for (account, record) in
            read_all::<GroupRecord>(&txn.open_table(GROUPS)?, "specification group")?
        {
            accounts.entry(account).or_default().groups.push(record);
        }
        for (account, record) in
            read_all::<FieldRecord>(&txn.open_table(FIELDS)?, "specification field")?
        {
            accounts.entry(account).or_default().fields.push(record);
        }
        for (account, record) in
            read_all::<ValueRecord>(&txn.open_table(VALUES)?, "specification value")?
        {
            accounts.entry(account).or_default().values.push(record);
        }
        let counters = txn.open_table(COUNTERS)?;
        for entry in counters.iter()? {
            let (key, value) = entry?;
            let (account, kind) = key.value();
            let c = &mut accounts.entry(account.to_owned()).or_default().counters;
            let last = value.value();
            match kind {
                "category" => c.category = last,
                "group" => c.group = last,
                "field" => c.field = last,
                "value" => c.value = last,
                _ => {}
            }
        }
        Ok(accounts)
    }

    /// Writes the changed entities and the account's counters in one transaction.
    pub fn commit(
        &self,
        account: &str,
        changes: &[Change],
        counters: Counters,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut categories = txn.open_table(CATEGORIES)?;
            let mut groups = txn.open_table(GROUPS)?;
            let mut fields = txn.open_table(FIELDS)?;
            let mut values = txn.open_table(VALUES)?;
            for change in changes {
                match change {
                    Change::Category(r) => {
                        categories.insert((account, r.id), encode(r, "category")?.as_str())?;
                    }
                    Change::Group(r) => {
                        groups
                            .insert((account, r.id), encode(r, "specification group")?.as_str())?;
                    }
                    Change::Field(r) => {
                        fields
                            .insert((account, r.id), encode(r, "specification field")?.as_str())?;
                    }
                    Change::Value(r) => {
                        values.insert(
                            (account, r.field_value_id),
                            encode(r, "specification value")?.as_str(),
                        )?;
                    }
                }
            }
            let mut table = txn.open_table(COUNTERS)?;
            table.insert((account, "category"), counters.category)?;
            table.insert((account, "group"), counters.group)?;
            table.insert((account, "field"), counters.field)?;
            table.insert((account, "value"), counters.value)?;
        }
        txn.commit()?;
        Ok(())
    }
}

impl Store {
    /// Every VTEX ID record, as `(kind, key, JSON)`.
    pub fn vtexid_load(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let table = txn.open_table(VTEXID)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            let (kind, id) = key.value();
            out.push((kind.to_owned(), id.to_owned(), value.value().to_owned()));
        }
        Ok(out)
    }

    /// Writes VTEX ID records `(kind, key, JSON)` in one transaction.
    pub fn vtexid_put(&self, records: &[(&str, &str, String)]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(VTEXID)?;
            for (kind, key, json) in records {
                table.insert((*kind, *key), json.as_str())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// An app's stored settings (a JSON object), if any.
    pub fn settings_get(
        &self,
        account: &str,
        workspace: &str,
        app: &str,
    ) -> Result<Option<String>, StoreError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let table = txn.open_table(APP_SETTINGS)?;
        Ok(table
            .get((account, workspace, app))?
            .map(|v| v.value().to_owned()))
    }

    /// Replaces an app's settings.
    pub fn settings_put(
        &self,
        account: &str,
        workspace: &str,
        app: &str,
        json: &str,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(APP_SETTINGS)?;
            table.insert((account, workspace, app), json)?;
        }
        txn.commit()?;
        Ok(())
    }
}

fn encode<T: Serialize>(record: &T, entity: &'static str) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|source| StoreError::Encode { entity, source })
}

fn read_all<T: DeserializeOwned>(
    table: &impl ReadableTable<(&'static str, u32), &'static str>,
    entity: &'static str,
) -> Result<Vec<(String, T)>, StoreError> {
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (key, value) = entry?;
        let (account, id) = key.value();
        let record = serde_json::from_str(value.value()).map_err(|source| StoreError::Decode {
            entity,
            key: format!("{account}/{id}"),
            source,
        })?;
        out.push((account.to_owned(), record));
    }
    Ok(out)
}
