//! The Catalog API: categories and specifications (groups, fields, values), and brands,
//! products, SKUs with their specifications, images, EANs, kits and trade-policy links
//! ([`commerce`], [`commerce_routes`]).
//!
//! Shapes follow VTEX's `catalog-api.json` (vendored in `tests/openapi/spec/`) (PascalCase, VTEX's property names). Every
//! write is validated by ponte-core and written through to the store in one redb transaction
//! before the answer; see [`account`] for create/update semantics and [`crate::platform::error`] for the
//! error bodies.
//!
//! Status codes: `200` for reads and for successful writes (VTEX answers creates with `200`),
//! `400` for a broken catalog rule or a malformed body, `404` for an unknown id in the path (on
//! `GET` and `PUT`, and for the list endpoints keyed by a category or field that does not
//! exist **[emulator default]**), `409` for a create whose supplied `Id` is taken
//! **[emulator default]**, `401` for a `/pvt/` call without credentials.

pub mod account;
pub mod commerce;
pub mod commerce_routes;
pub mod records;
pub mod seed;
pub mod sku_context;
pub mod tables;

use crate::platform::error::{ApiError, StoreError};
use crate::platform::http::{Scoped, parse_json, query_flag};
use crate::platform::store::Store;
use account::AccountCatalog;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use records::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tables::{Change, StoredAccount};

/// Every account's catalog in memory, written through to the store.
#[derive(Debug)]
pub struct CatalogService {
    store: Store,
    accounts: Mutex<BTreeMap<String, AccountCatalog>>,
}

impl CatalogService {
    /// Loads every account from the store, validating each with ponte-core.
    pub fn load(store: Store) -> Result<Self, StoreError> {
        tables::create(&store)?;
        let stored: BTreeMap<String, StoredAccount> = tables::load(&store)?;
        let mut accounts = BTreeMap::new();
        for (name, account) in stored {
            let catalog = AccountCatalog::from_stored(&name, account)?;
            accounts.insert(name, catalog);
        }
        Ok(CatalogService {
            store,
            accounts: Mutex::new(accounts),
        })
    }

    /// Writes are applied to a copy of the account under the lock; the copy replaces the
    /// account only after the store has committed the changes, so a refused or failed write
    /// leaves memory and disk as they were. A poisoned lock is recovered: no write ever leaves
    /// a half-applied account behind.
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, AccountCatalog>> {
        self.accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs one write (several entities at most, one transaction). Blocking: call it from
    /// `spawn_blocking`.
    pub fn write<T>(
        &self,
        account: &str,
        op: impl FnOnce(&mut AccountCatalog, &mut Vec<Change>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut accounts = self.lock();
        let mut draft = accounts.get(account).cloned().unwrap_or_default();
        let mut changes = Vec::new();
        let out = op(&mut draft, &mut changes)?;
        if !changes.is_empty() {
            tables::commit(&self.store, account, &changes, draft.counters())?;
        }
        accounts.insert(account.to_owned(), draft);
        Ok(out)
    }

    /// Runs a read against an account (an unknown account reads as empty).
    pub fn read<T>(&self, account: &str, op: impl FnOnce(&AccountCatalog) -> T) -> T {
        let accounts = self.lock();
        match accounts.get(account) {
            Some(a) => op(a),
            None => op(&AccountCatalog::default()),
        }
    }
}

/// The state the Catalog handlers share.
pub type Shared = Arc<CatalogService>;

/// The Catalog routes. Paths are registered in lowercase: the dispatcher lowercases
/// `/api/catalog...` paths first, since VTEX's are case-insensitive (`fieldValue` and
/// `fieldvalue` both work there).
pub fn routes() -> Router<Shared> {
    commerce_routes::routes()
        .route("/api/catalog/pvt/category", post(create_category))
        .route(
            "/api/catalog/pvt/category/{id}",
            get(get_category).put(update_category),
        )
        .route(
            "/api/catalog_system/pub/category/tree/{levels}",
            get(category_tree),
        )
        .route("/api/catalog/pvt/specificationgroup", post(create_group))
        .route(
            "/api/catalog/pvt/specificationgroup/{id}",
            put(update_group),
        )
        .route(
            "/api/catalog_system/pvt/specification/groupbycategory/{id}",
            get(groups_by_category),
        )
        .route(
            "/api/catalog_system/pub/specification/groupget/{id}",
            get(get_group),
        )
        .route("/api/catalog/pvt/specification", post(create_field))
        .route(
            "/api/catalog/pvt/specification/{id}",
            get(get_field).put(update_field),
        )
        .route(
            "/api/catalog_system/pvt/specification/field",
            post(create_field_legacy).put(update_field_legacy),
        )
        .route(
            "/api/catalog_system/pub/specification/fieldget/{id}",
            get(field_get),
        )
        .route(
            "/api/catalog_system/pub/specification/field/listbycategoryid/{id}",
            get(fields_by_category),
        )
        .route(
            "/api/catalog_system/pub/specification/field/listtreebycategoryid/{id}",
            get(fields_tree),
        )
        .route("/api/catalog/pvt/specificationvalue", post(create_value))
        .route(
            "/api/catalog/pvt/specificationvalue/{id}",
            get(get_value).put(update_value),
        )
        .route(
            "/api/catalog_system/pvt/specification/fieldvalue",
            post(create_value_legacy).put(update_value_legacy),
        )
        .route(
            "/api/catalog_system/pvt/specification/fieldvalue/{id}",
            get(get_value),
        )
        .route(
            "/api/catalog_system/pub/specification/fieldvalue/{id}",
            get(values_by_field),
        )
}

pub(crate) type ApiResult = Result<Response, ApiError>;

pub(crate) fn path_id(raw: &str, what: &str) -> Result<u32, ApiError> {
    raw.parse::<u32>().ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError::InvalidPath(format!("{what} must be a positive integer, got {raw:?}"))
    })
}

/// What every catalog handler takes.
pub(crate) type Call = Scoped<Shared>;

impl Call {
    /// Runs a write off the async threads (redb commits block on fsync).
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        op: impl FnOnce(&mut AccountCatalog, &mut Vec<Change>) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let (svc, account) = (self.state.clone(), self.account.clone());
        crate::platform::error::blocking("write", move || svc.write(&account, op)).await
    }

    /// A read of the account's catalog.
    pub(crate) fn read<T>(&self, op: impl FnOnce(&AccountCatalog) -> T) -> T {
        self.state.read(&self.account, op)
    }
}

pub(crate) fn ok<T: serde::Serialize>(value: T) -> ApiResult {
    Ok(Json(value).into_response())
}

// ----- categories -----

async fn create_category(c: Call, body: Bytes) -> ApiResult {
    let input: CategoryInput = parse_json(&body)?;
    let id = c
        .write(move |a, ch| Ok(a.save_category(None, input, ch)?.id))
        .await?;
    ok(c.read(|a| a.category_response(id, false))?)
}

async fn update_category(c: Call, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "categoryId")?;
    let input: CategoryInput = parse_json(&body)?;
    c.write(move |a, ch| a.save_category(Some(id), input, ch))
        .await?;
    ok(c.read(|a| a.category_response(id, false))?)
}

async fn get_category(c: Call, Path(id): Path<String>, uri: Uri) -> ApiResult {
    let id = path_id(&id, "categoryId")?;
    let include_tree_path = query_flag(&uri, "includeTreePath");
    ok(c.read(|a| a.category_response(id, include_tree_path))?)
}

async fn category_tree(c: Call, Path(levels): Path<String>) -> ApiResult {
    let levels: u32 = levels.parse().map_err(|_| {
        ApiError::InvalidPath(format!(
            "categoryLevels must be a non-negative integer, got {levels:?}"
        ))
    })?;
    ok(c.read(|a| a.tree(&c.account, levels)))
}

// ----- specification groups -----

async fn create_group(c: Call, body: Bytes) -> ApiResult {
    let input: GroupInput = parse_json(&body)?;
    ok(c.write(move |a, ch| a.save_group(None, input, ch)).await?)
}

async fn update_group(c: Call, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "groupId")?;
    let input: GroupInput = parse_json(&body)?;
    ok(c.write(move |a, ch| a.save_group(Some(id), input, ch))
        .await?)
}

async fn groups_by_category(c: Call, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id, "categoryId")?;
    ok(c.read(|a| a.groups_of_category(id))?)
}

async fn get_group(c: Call, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id, "groupId")?;
    ok(c.read(|a| a.get::<GroupRecord>(id))?)
}

// ----- specification fields -----

async fn create_field(c: Call, body: Bytes) -> ApiResult {
    let input: FieldInput = parse_json(&body)?;
    let id = c.write(move |a, ch| a.save_field(None, input, ch)).await?;
    ok(c.read(|a| a.field_response(id))?)
}

async fn update_field(c: Call, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "specificationId")?;
    let input: FieldInput = parse_json(&body)?;
    c.write(move |a, ch| a.save_field(Some(id), input, ch))
        .await?;
    ok(c.read(|a| a.field_response(id))?)
}

async fn get_field(c: Call, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id, "specificationId")?;
    ok(c.read(|a| a.field_response(id))?)
}

/// Legacy create: answers the new field's id as a bare integer.
async fn create_field_legacy(c: Call, body: Bytes) -> ApiResult {
    let input: FieldInput = parse_json(&body)?;
    ok(c.write(move |a, ch| a.save_field(None, input, ch)).await?)
}

/// Legacy update: the field is named by `FieldId` in the body; answers the id.
async fn update_field_legacy(c: Call, body: Bytes) -> ApiResult {
    let mut input: FieldInput = parse_json(&body)?;
    let raw = input.field_id.ok_or_else(|| {
        ApiError::InvalidBody("FieldId is required to update a specification field".into())
    })?;
    let id = u32::try_from(raw).ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError::InvalidBody(format!("FieldId must be a positive integer, got {raw}"))
    })?;
    input.id = None;
    ok(c.write(move |a, ch| a.save_field(Some(id), input, ch))
        .await?)
}

async fn field_get(c: Call, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id, "fieldId")?;
    ok(c.read(|a| a.field_get(id))?)
}

async fn fields_by_category(c: Call, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id, "categoryId")?;
    ok(c.read(|a| a.fields_of_category(id))?)
}

async fn fields_tree(c: Call, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id, "categoryId")?;
    ok(c.read(|a| a.fields_tree_of_category(id))?)
}

// ----- specification values -----

async fn create_value(c: Call, body: Bytes) -> ApiResult {
    let input: ValueInput = parse_json(&body)?;
    ok(c.write(move |a, ch| a.save_value(None, input, ch)).await?)
}

async fn update_value(c: Call, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "specificationValueId")?;
    let input: ValueInput = parse_json(&body)?;
    ok(c.write(move |a, ch| a.save_value(Some(id), input, ch))
        .await?)
}

async fn get_value(c: Call, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id, "fieldValueId")?;
    ok(c.read(|a| a.get::<ValueRecord>(id))?)
}

async fn create_value_legacy(c: Call, body: Bytes) -> ApiResult {
    create_value(c, body).await
}

/// Legacy update: the OpenAPI body has no id property; the simulator takes the value from
/// `FieldValueId` in the body (required) and answers VTEX's `"Field Value Updated"`.
async fn update_value_legacy(c: Call, body: Bytes) -> ApiResult {
    let input: ValueInput = parse_json(&body)?;
    let raw = input.field_value_id.ok_or_else(|| {
        ApiError::InvalidBody("FieldValueId is required to update a specification value".into())
    })?;
    let id = u32::try_from(raw).ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError::InvalidBody(format!(
            "FieldValueId must be a positive integer, got {raw}"
        ))
    })?;
    c.write(move |a, ch| a.save_value(Some(id), input, ch))
        .await?;
    ok("Field Value Updated")
}

async fn values_by_field(c: Call, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id, "fieldId")?;
    ok(c.read(|a| a.values_of_field(id))?)
}
