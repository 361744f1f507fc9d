//! App settings, as the VTEX IO Apps client of `@vtex/api` reads and writes them
//! (`ctx.clients.apps.getAppSettings(app)` / `saveAppSettings(app, settings)`).
//!
//! `@vtex/api`'s `Apps` is an `InfraClient` for `apps@0.x`, so its base URL is
//! `{http|https}://infra.io.vtex.com/apps/v0` (`https` unless `VTEX_IO` is set) and the
//! settings path `/{account}/{workspace}/apps/{app}/settings`. The older routing
//! `http://apps.{region}.vtex.io/{account}/{workspace}/apps/{app}/settings` (InfraClient's
//! branch for an app id without a version) is played too. Routes, on those hosts only:
//!
//! - `GET  [/apps/v0]/{account}/{workspace}/apps/{app}/settings` → the stored JSON object, `{}`
//!   when none;
//! - `PUT  [/apps/v0]/{account}/{workspace}/apps/{app}/settings` with any JSON object → stores
//!   it (replacing the previous one) and answers it back.
//!
//! `{app}` may carry a version (`vendor.name@1.x`); settings are kept per
//! (account, workspace, `vendor.name`), so every version shares them **[emulator choice]**.
//! No credential is checked.

use crate::platform::error::StoreError;
use crate::platform::error::{ApiError, blocking};
use crate::platform::http::valid_account;
use crate::platform::store::Store;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use redb::TableDefinition;
use serde_json::{Map, Value};

/// The app-settings routes (VTEX IO infra hosts).
pub fn routes() -> Router<Store> {
    Router::new()
        .route(
            "/{account}/{workspace}/apps/{app}/settings",
            get(get_settings).put(put_settings),
        )
        .route(
            "/apps/v0/{account}/{workspace}/apps/{app}/settings",
            get(get_settings).put(put_settings),
        )
}

type Key = (String, String, String);

fn key(account: String, workspace: String, app: String) -> Result<Key, ApiError> {
    let account = account.to_ascii_lowercase();
    if !valid_account(&account) {
        return Err(ApiError::InvalidPath(format!(
            "invalid account name {account:?}"
        )));
    }
    let workspace = workspace.to_ascii_lowercase();
    if !valid_account(&workspace) {
        return Err(ApiError::InvalidPath(format!(
            "invalid workspace name {workspace:?}"
        )));
    }
    let name = app
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let valid_name = !name.is_empty()
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if !valid_name {
        return Err(ApiError::InvalidPath(format!(
            "invalid app id {app:?}: expected vendor.name[@version]"
        )));
    }
    Ok((account, workspace, name))
}

async fn get_settings(
    State(store): State<Store>,
    Path((account, workspace, app)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (a, w, n) = key(account, workspace, app)?;
    let stored = blocking("settings", move || Ok(settings_get(&store, &a, &w, &n)?)).await?;
    let value = match stored {
        Some(json) => serde_json::from_str::<Value>(&json)
            .map_err(|e| ApiError::Internal(format!("stored settings are not JSON: {e}")))?,
        None => Value::Object(Map::new()),
    };
    Ok(Json(value).into_response())
}

async fn put_settings(
    State(store): State<Store>,
    Path((account, workspace, app)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (a, w, n) = key(account, workspace, app)?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::InvalidBody(format!("malformed JSON in the request body: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::InvalidBody(
            "settings must be a JSON object".into(),
        ));
    }
    let json = value.to_string();
    blocking("settings", move || {
        Ok(settings_put(&store, &a, &w, &n, &json)?)
    })
    .await?;
    Ok(Json(value).into_response())
}

/// The settings table in the store: `(account, workspace, app)` → an app's settings (a JSON
/// object).
const APP_SETTINGS: TableDefinition<(&str, &str, &str), &str> =
    TableDefinition::new("app_settings");

/// Creates the settings table if missing.
pub fn create_tables(store: &Store) -> Result<(), StoreError> {
    store.create_tables(|txn| {
        txn.open_table(APP_SETTINGS)?;
        Ok(())
    })
}

/// An app's stored settings (a JSON object), if any.
fn settings_get(
    store: &Store,
    account: &str,
    workspace: &str,
    app: &str,
) -> Result<Option<String>, StoreError> {
    let txn = store.read()?;
    let table = txn.open_table(APP_SETTINGS)?;
    Ok(table
        .get((account, workspace, app))?
        .map(|v| v.value().to_owned()))
}

/// Replaces an app's settings.
fn settings_put(
    store: &Store,
    account: &str,
    workspace: &str,
    app: &str,
    json: &str,
) -> Result<(), StoreError> {
    let txn = store.write()?;
    {
        let mut table = txn.open_table(APP_SETTINGS)?;
        table.insert((account, workspace, app), json)?;
    }
    txn.commit()?;
    Ok(())
}
