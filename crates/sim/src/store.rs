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
//! | `catalog_entities` | `(account, kind, id)` | JSON: a brand, product, SKU, product/SKU specification row, SKU file, kit component, or a product's trade policies (`kind` names which; [`crate::catalog::commerce`]) |
//! | `counters` | `(account, kind)` | `u32`: the last id handed out for that kind |
//! | `vbase_files` / `vbase_meta` | `(account, workspace, app/bucket, path)` | the bytes / JSON [`VbaseMeta`] of a VBase file ([`crate::vbase`]) |
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
const ENTITIES: TableDefinition<(&str, &str, u32), &str> = TableDefinition::new("catalog_entities");
const VBASE_FILES: TableDefinition<(&str, &str, &str, &str), &[u8]> =
    TableDefinition::new("vbase_files");
const VBASE_META: TableDefinition<(&str, &str, &str, &str), &str> =
    TableDefinition::new("vbase_meta");

const SCHEMA_VERSION: &str = "1";

/// The id counters of one account's catalog: the last id handed out per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub category: u32,
    pub group: u32,
    pub field: u32,
    pub value: u32,
    pub brand: u32,
    pub product: u32,
    pub sku: u32,
    pub product_spec: u32,
    pub sku_spec: u32,
    pub file: u32,
    pub kit: u32,
}

impl Counters {
    fn named(&self) -> [(&'static str, u32); 11] {
        [
            ("category", self.category),
            ("group", self.group),
            ("field", self.field),
            ("value", self.value),
            ("brand", self.brand),
            ("product", self.product),
            ("sku", self.sku),
            ("product_spec", self.product_spec),
            ("sku_spec", self.sku_spec),
            ("file", self.file),
            ("kit", self.kit),
        ]
    }
}

/// Everything stored for one account.
#[derive(Debug, Clone, Default)]
pub struct StoredAccount {
    pub categories: Vec<CategoryRecord>,
    pub groups: Vec<GroupRecord>,
    pub fields: Vec<FieldRecord>,
    pub values: Vec<ValueRecord>,
    /// Brands, products, SKUs and their associations: `(kind, id, JSON)` (see
    /// [`crate::catalog::commerce`]).
    pub entities: Vec<(String, u32, String)>,
    pub counters: Counters,
}

/// One entity to write.
#[derive(Debug, Clone)]
pub enum Change {
    Category(CategoryRecord),
    Group(GroupRecord),
    Field(FieldRecord),
    Value(ValueRecord),
    /// A brand, product, SKU or association (`json: None` deletes it).
    Entity {
        kind: &'static str,
        id: u32,
        json: Option<String>,
    },
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
            txn.open_table(ENTITIES)?;
            txn.open_table(VBASE_FILES)?;
            txn.open_table(VBASE_META)?;
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
                "brand" => c.brand = last,
                "product" => c.product = last,
                "sku" => c.sku = last,
                "product_spec" => c.product_spec = last,
                "sku_spec" => c.sku_spec = last,
                "file" => c.file = last,
                "kit" => c.kit = last,
                _ => {}
            }
        }
        let entities = txn.open_table(ENTITIES)?;
        for entry in entities.iter()? {
            let (key, value) = entry?;
            let (account, kind, id) = key.value();
            accounts
                .entry(account.to_owned())
                .or_default()
                .entities
                .push((kind.to_owned(), id, value.value().to_owned()));
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
            let mut entities = txn.open_table(ENTITIES)?;
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
                    Change::Entity { kind, id, json } => match json {
                        Some(json) => {
                            entities.insert((account, *kind, *id), json.as_str())?;
                        }
                        None => {
                            entities.remove((account, *kind, *id))?;
                        }
                    },
                }
            }
            let mut table = txn.open_table(COUNTERS)?;
            for (kind, last) in counters.named() {
                table.insert((account, kind), last)?;
            }
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

/// A stored VBase file: its bytes and how to serve them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VbaseMeta {
    pub etag: String,
    pub content_type: String,
    #[serde(default)]
    pub content_encoding: Option<String>,
    /// Seconds since the Unix epoch of the last write.
    #[serde(default)]
    pub last_modified: u64,
}

/// Where a VBase file lives: `(account, workspace, bucket, path)`; the bucket includes the
/// app (`vendor.app/bucket`).
pub type VbaseKey<'a> = (&'a str, &'a str, &'a str, &'a str);

impl Store {
    /// A VBase file, if stored.
    pub fn vbase_get(&self, key: VbaseKey<'_>) -> Result<Option<(VbaseMeta, Vec<u8>)>, StoreError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let files = txn.open_table(VBASE_FILES)?;
        let meta = txn.open_table(VBASE_META)?;
        let (Some(body), Some(m)) = (files.get(key)?, meta.get(key)?) else {
            return Ok(None);
        };
        let meta: VbaseMeta =
            serde_json::from_str(m.value()).map_err(|source| StoreError::Decode {
                entity: "vbase file",
                key: format!("{key:?}"),
                source,
            })?;
        Ok(Some((meta, body.value().to_vec())))
    }

    /// Writes a VBase file when `check` accepts the current metadata (for `If-Match`), in one
    /// transaction; returns `Ok(false)` when `check` refused.
    pub fn vbase_put(
        &self,
        key: VbaseKey<'_>,
        check: impl FnOnce(Option<&VbaseMeta>) -> bool,
        meta: &VbaseMeta,
        body: &[u8],
    ) -> Result<bool, StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut files = txn.open_table(VBASE_FILES)?;
            let mut metas = txn.open_table(VBASE_META)?;
            let current: Option<VbaseMeta> = metas
                .get(key)?
                .and_then(|m| serde_json::from_str(m.value()).ok());
            if !check(current.as_ref()) {
                return Ok(false);
            }
            files.insert(key, body)?;
            metas.insert(key, encode(meta, "vbase file")?.as_str())?;
        }
        txn.commit()?;
        Ok(true)
    }

    /// Deletes a VBase file when `check` accepts it; `Ok(None)` when there was none,
    /// `Ok(Some(false))` when `check` refused.
    pub fn vbase_delete(
        &self,
        key: VbaseKey<'_>,
        check: impl FnOnce(&VbaseMeta) -> bool,
    ) -> Result<Option<bool>, StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut files = txn.open_table(VBASE_FILES)?;
            let mut metas = txn.open_table(VBASE_META)?;
            let current: Option<VbaseMeta> = metas
                .get(key)?
                .and_then(|m| serde_json::from_str(m.value()).ok());
            let Some(current) = current else {
                return Ok(None);
            };
            if !check(&current) {
                return Ok(Some(false));
            }
            files.remove(key)?;
            metas.remove(key)?;
        }
        txn.commit()?;
        Ok(Some(true))
    }

    /// The paths (with their metadata) in a bucket that start with `prefix`, in path order.
    pub fn vbase_list(
        &self,
        account: &str,
        workspace: &str,
        bucket: &str,
        prefix: &str,
    ) -> Result<Vec<(String, VbaseMeta)>, StoreError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let metas = txn.open_table(VBASE_META)?;
        let mut out = Vec::new();
        for entry in metas.range((account, workspace, bucket, "")..)? {
            let (key, value) = entry?;
            let (a, w, b, path) = key.value();
            if a != account || w != workspace || b != bucket {
                break;
            }
            if !path.starts_with(prefix) {
                continue;
            }
            if let Ok(meta) = serde_json::from_str::<VbaseMeta>(value.value()) {
                out.push((path.to_owned(), meta));
            }
        }
        Ok(out)
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
