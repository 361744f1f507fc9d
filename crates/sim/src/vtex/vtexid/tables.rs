//! VTEX ID's table in the store ([`crate::platform::store`]): `vtexid`, keyed `(kind, key)`,
//! a JSON record each: the signing key, users, revocations, OAuth grants.

use crate::platform::error::StoreError;
use crate::platform::store::Store;
use redb::{ReadableTable, TableDefinition};

const VTEXID: TableDefinition<(&str, &str), &str> = TableDefinition::new("vtexid");

/// Creates the table if missing.
pub fn create(store: &Store) -> Result<(), StoreError> {
    store.create_tables(|txn| {
        txn.open_table(VTEXID)?;
        Ok(())
    })
}

/// Every VTEX ID record, as `(kind, key, JSON)`.
pub fn load(store: &Store) -> Result<Vec<(String, String, String)>, StoreError> {
    let txn = store.read()?;
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
pub fn put(store: &Store, records: &[(&str, &str, String)]) -> Result<(), StoreError> {
    let txn = store.write()?;
    {
        let mut table = txn.open_table(VTEXID)?;
        for (kind, key, json) in records {
            table.insert((*kind, *key), json.as_str())?;
        }
    }
    txn.commit()?;
    Ok(())
}
