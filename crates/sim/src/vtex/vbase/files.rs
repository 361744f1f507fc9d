//! VBase's tables in the store ([`crate::platform::store`]), keyed
//! `(account, workspace, app/bucket, path)`: `vbase_files` holds a file's bytes, `vbase_meta`
//! its JSON [`VbaseMeta`].

use crate::platform::error::StoreError;
use crate::platform::store::{Store, encode};
use redb::{ReadableTable, TableDefinition};

const VBASE_FILES: TableDefinition<(&str, &str, &str, &str), &[u8]> =
    TableDefinition::new("vbase_files");
const VBASE_META: TableDefinition<(&str, &str, &str, &str), &str> =
    TableDefinition::new("vbase_meta");

/// Creates the tables if missing.
pub fn create(store: &Store) -> Result<(), StoreError> {
    store.create_tables(|txn| {
        txn.open_table(VBASE_FILES)?;
        txn.open_table(VBASE_META)?;
        Ok(())
    })
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

/// A VBase file, if stored.
pub fn get(store: &Store, key: VbaseKey<'_>) -> Result<Option<(VbaseMeta, Vec<u8>)>, StoreError> {
    let txn = store.read()?;
    let files = txn.open_table(VBASE_FILES)?;
    let meta = txn.open_table(VBASE_META)?;
    let (Some(body), Some(m)) = (files.get(key)?, meta.get(key)?) else {
        return Ok(None);
    };
    let meta: VbaseMeta = serde_json::from_str(m.value()).map_err(|source| StoreError::Decode {
        entity: "vbase file",
        key: format!("{key:?}"),
        source,
    })?;
    Ok(Some((meta, body.value().to_vec())))
}

/// The stored metadata of `key` (an undecodable one reads as none).
fn current(
    metas: &impl ReadableTable<(&'static str, &'static str, &'static str, &'static str), &'static str>,
    key: VbaseKey<'_>,
) -> Result<Option<VbaseMeta>, StoreError> {
    Ok(metas
        .get(key)?
        .and_then(|m| serde_json::from_str(m.value()).ok()))
}

/// Writes a VBase file when `check` accepts the current metadata (for `If-Match`), in one
/// transaction; returns `Ok(false)` when `check` refused.
pub fn put(
    store: &Store,
    key: VbaseKey<'_>,
    check: impl FnOnce(Option<&VbaseMeta>) -> bool,
    meta: &VbaseMeta,
    body: &[u8],
) -> Result<bool, StoreError> {
    let txn = store.write()?;
    {
        let mut files = txn.open_table(VBASE_FILES)?;
        let mut metas = txn.open_table(VBASE_META)?;
        let current = current(&metas, key)?;
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
pub fn delete(
    store: &Store,
    key: VbaseKey<'_>,
    check: impl FnOnce(&VbaseMeta) -> bool,
) -> Result<Option<bool>, StoreError> {
    let txn = store.write()?;
    {
        let mut files = txn.open_table(VBASE_FILES)?;
        let mut metas = txn.open_table(VBASE_META)?;
        let current = current(&metas, key)?;
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
pub fn list(
    store: &Store,
    account: &str,
    workspace: &str,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<(String, VbaseMeta)>, StoreError> {
    list_page(
        store,
        (account, workspace, bucket),
        prefix,
        None,
        usize::MAX,
    )
}

/// At most `limit` paths of a bucket that start with `prefix` and sort after `after`, in path
/// order. Reads only those: the paths with a prefix are one run of the sorted keys, so the
/// scan starts at the prefix (or the cursor) and stops where the run ends, and a page of a
/// large bucket costs its own size, not the bucket's.
pub fn list_page(
    store: &Store,
    (account, workspace, bucket): (&str, &str, &str),
    prefix: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<(String, VbaseMeta)>, StoreError> {
    let txn = store.read()?;
    let metas = txn.open_table(VBASE_META)?;
    let start = match after {
        Some(after) if after > prefix => after,
        _ => prefix,
    };
    let mut out = Vec::new();
    for entry in metas.range((account, workspace, bucket, start)..)? {
        if out.len() >= limit {
            break;
        }
        let (key, value) = entry?;
        let (a, w, b, path) = key.value();
        if a != account || w != workspace || b != bucket || !path.starts_with(prefix) {
            break;
        }
        if after.is_some_and(|after| path <= after) {
            continue;
        }
        if let Ok(meta) = serde_json::from_str::<VbaseMeta>(value.value()) {
            out.push((path.to_owned(), meta));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(found: Vec<(String, VbaseMeta)>) -> Vec<String> {
        found.into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn a_page_reads_the_prefix_run_after_the_cursor_and_no_more() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        create(&store).unwrap_or_else(|e| panic!("{e}"));
        let meta = VbaseMeta {
            etag: "\"e\"".into(),
            content_type: "application/json".into(),
            content_encoding: None,
            last_modified: 1,
        };
        // Another bucket and another workspace around the one listed.
        for (w, b, p) in [
            ("dev", "v.a/b", "a/1"),
            ("master", "v.a/a", "a/1"),
            ("master", "v.a/b", "a"),
            ("master", "v.a/b", "a/1"),
            ("master", "v.a/b", "a/2"),
            ("master", "v.a/b", "a/3"),
            ("master", "v.a/b", "ab"),
            ("master", "v.a/b", "b/1"),
            ("master", "v.a/c", "a/9"),
        ] {
            let written = put(&store, ("acme", w, b, p), |_| true, &meta, b"{}");
            assert!(written.unwrap_or_else(|e| panic!("{e}")));
        }
        let bucket = ("acme", "master", "v.a/b");
        let page = |prefix: &str, after: Option<&str>, limit: usize| {
            paths(list_page(&store, bucket, prefix, after, limit).unwrap_or_else(|e| panic!("{e}")))
        };
        assert_eq!(page("a/", None, 10), ["a/1", "a/2", "a/3"]);
        assert_eq!(page("a/", Some("a/1"), 1), ["a/2"]);
        assert_eq!(page("a/", Some("a/3"), 10), Vec::<String>::new());
        // A cursor before the prefix starts at the prefix; one past its run finds nothing.
        assert_eq!(page("a/", Some("0"), 2), ["a/1", "a/2"]);
        assert_eq!(page("a/", Some("b"), 10), Vec::<String>::new());
        assert_eq!(page("", Some("a/2"), 10), ["a/3", "ab", "b/1"]);
        assert_eq!(page("", None, 0), Vec::<String>::new());
        let all = list(&store, "acme", "master", "v.a/b", "").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(paths(all), ["a", "a/1", "a/2", "a/3", "ab", "b/1"]);
    }
}
