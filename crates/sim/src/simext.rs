//! The simulator's own endpoints beyond health (on the simulator's host only, never faulted):
//!
//! - `GET /_sim/accounts/{account}/catalog`: the account's catalog as ponte-core's
//!   `CatalogState` JSON;
//! - `POST /_sim/accounts/{account}/catalog/sample-skus?seed=&skus=`: that many SKUs at once,
//!   named as the ERP's price list names them (benchmarks; `crate::vtex::catalog::seed`);
//! - `GET /_sim/erp/catalog-batch?seed=&departments=&categories=&products=&skus=`: the ERP's
//!   sample batch ([`crate::erp`]);
//! - `GET /_sim/erp/{price-batch,stock-batch,price-deltas,stock-deltas}?seed=&skus=&round=&count=`:
//!   the ERP's price list, stock counts and their deltas ([`crate::erp::stock_prices`]);
//! - `GET|PUT /_sim/faults`: the fault configuration ([`crate::platform::faults`]);
//! - `GET|DELETE /_sim/stats`: requests, faults and accepted catalog writes per endpoint.

use crate::erp::stock_prices::{self, StockPriceParams};
use crate::erp::{ErpParams, catalog_batch};
use crate::platform::error::ApiError;
use crate::platform::faults::{FaultConfig, Faults};
use crate::vtex::catalog::Shared;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

/// State of the `/_sim/*` extension routes.
#[derive(Debug, Clone)]
pub struct SimExt {
    pub faults: Arc<Faults>,
    pub catalog: Shared,
}

pub fn routes() -> Router<SimExt> {
    Router::new()
        .route("/_sim/accounts/{account}/catalog", get(export))
        .route(
            "/_sim/accounts/{account}/catalog/sample-skus",
            axum::routing::post(sample_skus),
        )
        .route("/_sim/erp/catalog-batch", get(erp_batch))
        .route("/_sim/erp/price-batch", get(erp_price_batch))
        .route("/_sim/erp/stock-batch", get(erp_stock_batch))
        .route("/_sim/erp/price-deltas", get(erp_price_deltas))
        .route("/_sim/erp/stock-deltas", get(erp_stock_deltas))
        .route("/_sim/faults", get(get_faults).put(put_faults))
        .route("/_sim/stats", get(stats).delete(reset_stats))
}

async fn export(State(s): State<SimExt>, Path(account): Path<String>) -> Response {
    let account = account.to_ascii_lowercase();
    Json(s.catalog.read(&account, |a| a.export())).into_response()
}

#[derive(serde::Deserialize)]
struct SampleSkus {
    #[serde(default = "one")]
    seed: u64,
    skus: usize,
}

fn one() -> u64 {
    1
}

async fn sample_skus(
    State(s): State<SimExt>,
    Path(account): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let account = account.to_ascii_lowercase();
    let q: SampleSkus = serde_urlencoded::from_str(uri.query().unwrap_or(""))
        .map_err(|e| ApiError::InvalidPath(format!("invalid query: {e}")))?;
    if q.skus == 0 || q.skus > crate::erp::stock_prices::MAX_SKUS {
        return Err(ApiError::InvalidPath(format!(
            "skus must be from 1 to {}",
            crate::erp::stock_prices::MAX_SKUS
        )));
    }
    let catalog = s.catalog.clone();
    let created = tokio::task::spawn_blocking(move || {
        crate::vtex::catalog::seed::sample_skus(&catalog, &account, q.seed, q.skus)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(serde_json::json!({ "created": created })).into_response())
}

async fn erp_batch(uri: Uri) -> Result<Response, ApiError> {
    let params: ErpParams = serde_urlencoded::from_str(uri.query().unwrap_or(""))
        .map_err(|e| ApiError::InvalidPath(format!("invalid query: {e}")))?;
    params.check().map_err(ApiError::InvalidPath)?;
    let batch = tokio::task::spawn_blocking(move || catalog_batch(&params))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(batch).into_response())
}

fn stock_price_params(uri: &Uri) -> Result<StockPriceParams, ApiError> {
    let params: StockPriceParams = serde_urlencoded::from_str(uri.query().unwrap_or(""))
        .map_err(|e| ApiError::InvalidPath(format!("invalid query: {e}")))?;
    params.check().map_err(ApiError::InvalidPath)?;
    Ok(params)
}

async fn erp_price_batch(uri: Uri) -> Result<Response, ApiError> {
    Ok(Json(stock_prices::price_batch(&stock_price_params(&uri)?)).into_response())
}

async fn erp_stock_batch(uri: Uri) -> Result<Response, ApiError> {
    Ok(Json(stock_prices::stock_batch(&stock_price_params(&uri)?)).into_response())
}

async fn erp_price_deltas(uri: Uri) -> Result<Response, ApiError> {
    Ok(Json(stock_prices::price_deltas(&stock_price_params(&uri)?)).into_response())
}

async fn erp_stock_deltas(uri: Uri) -> Result<Response, ApiError> {
    Ok(Json(stock_prices::stock_deltas(&stock_price_params(&uri)?)).into_response())
}

async fn get_faults(State(s): State<SimExt>) -> Response {
    Json(s.faults.config()).into_response()
}

async fn put_faults(State(s): State<SimExt>, body: Bytes) -> Result<Response, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::InvalidBody(format!("malformed JSON: {e}")))?;
    let config: FaultConfig = serde_json::from_value(value)
        .map_err(|e| ApiError::InvalidBody(format!("invalid fault configuration: {e}")))?;
    s.faults.set(config).map_err(ApiError::InvalidBody)?;
    Ok(Json(s.faults.config()).into_response())
}

async fn stats(State(s): State<SimExt>) -> Response {
    Json(s.faults.stats()).into_response()
}

async fn reset_stats(State(s): State<SimExt>) -> Response {
    s.faults.reset_stats();
    StatusCode::NO_CONTENT.into_response()
}
