//! The Catalog's tables in the store ([`crate::platform::store`]); every key starts with the
//! account:
//!
//! | table | key | value |
//! |---|---|---|
//! | `catalog_categories` | `(account, CategoryId)` | JSON [`CategoryRecord`] |
//! | `catalog_spec_groups` | `(account, GroupId)` | JSON [`GroupRecord`] |
//! | `catalog_spec_fields` | `(account, FieldId)` | JSON [`FieldRecord`] |
//! | `catalog_spec_values` | `(account, FieldValueId)` | JSON [`ValueRecord`] |
//! | `catalog_entities` | `(account, kind, id)` | JSON: a brand, product, SKU, product/SKU specification row, SKU file, kit component, or a product's trade policies (`kind` names which; [`super::commerce`]) |
//! | `counters` | `(account, kind)` | `u32`: the last id handed out for that kind |

use super::records::{CategoryRecord, FieldRecord, GroupRecord, ValueRecord};
use crate::platform::error::StoreError;
use crate::platform::store::{JsonTable, Store};
use redb::{ReadableTable, TableDefinition};
use std::collections::BTreeMap;

const CATEGORIES: JsonTable<CategoryRecord> = JsonTable::new("catalog_categories", "category");
const GROUPS: JsonTable<GroupRecord> = JsonTable::new("catalog_spec_groups", "specification group");
const FIELDS: JsonTable<FieldRecord> = JsonTable::new("catalog_spec_fields", "specification field");
const VALUES: JsonTable<ValueRecord> = JsonTable::new("catalog_spec_values", "specification value");
const COUNTERS: TableDefinition<(&str, &str), u32> = TableDefinition::new("counters");
const ENTITIES: TableDefinition<(&str, &str, u32), &str> = TableDefinition::new("catalog_entities");

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
    fn named(&mut self) -> [(&'static str, &mut u32); 11] {
        [
            ("category", &mut self.category),
            ("group", &mut self.group),
            ("field", &mut self.field),
            ("value", &mut self.value),
            ("brand", &mut self.brand),
            ("product", &mut self.product),
            ("sku", &mut self.sku),
            ("product_spec", &mut self.product_spec),
            ("sku_spec", &mut self.sku_spec),
            ("file", &mut self.file),
            ("kit", &mut self.kit),
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
    /// [`super::commerce`]).
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

/// Creates the Catalog's tables if missing.
pub fn create(store: &Store) -> Result<(), StoreError> {
    store.create_tables(|txn| {
        CATEGORIES.create(txn)?;
        GROUPS.create(txn)?;
        FIELDS.create(txn)?;
        VALUES.create(txn)?;
        txn.open_table(COUNTERS)?;
        txn.open_table(ENTITIES)?;
        Ok(())
    })
}

/// Reads every account.
pub fn load(store: &Store) -> Result<BTreeMap<String, StoredAccount>, StoreError> {
    let txn = store.read()?;
    let mut accounts: BTreeMap<String, StoredAccount> = BTreeMap::new();
    for (account, record) in CATEGORIES.read_all(&txn)? {
        accounts.entry(account).or_default().categories.push(record);
    }
    for (account, record) in GROUPS.read_all(&txn)? {
        accounts.entry(account).or_default().groups.push(record);
    }
    for (account, record) in FIELDS.read_all(&txn)? {
        accounts.entry(account).or_default().fields.push(record);
    }
    for (account, record) in VALUES.read_all(&txn)? {
        accounts.entry(account).or_default().values.push(record);
    }
    let counters = txn.open_table(COUNTERS)?;
    for entry in counters.iter()? {
        let (key, value) = entry?;
        let (account, kind) = key.value();
        let c = &mut accounts.entry(account.to_owned()).or_default().counters;
        if let Some((_, slot)) = c.named().into_iter().find(|(name, _)| *name == kind) {
            *slot = value.value();
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
    store: &Store,
    account: &str,
    changes: &[Change],
    mut counters: Counters,
) -> Result<(), StoreError> {
    let txn = store.write()?;
    {
        let mut categories = CATEGORIES.writer(&txn)?;
        let mut groups = GROUPS.writer(&txn)?;
        let mut fields = FIELDS.writer(&txn)?;
        let mut values = VALUES.writer(&txn)?;
        let mut entities = txn.open_table(ENTITIES)?;
        for change in changes {
            match change {
                Change::Category(r) => categories.put(account, r.id, r)?,
                Change::Group(r) => groups.put(account, r.id, r)?,
                Change::Field(r) => fields.put(account, r.id, r)?,
                Change::Value(r) => values.put(account, r.field_value_id, r)?,
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
            table.insert((account, kind), *last)?;
        }
    }
    txn.commit()?;
    Ok(())
}
