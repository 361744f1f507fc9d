//! The import operations as request → response functions, for the wasm exports, the raw JSON
//! ABI, the simulator and GraphQL.

use super::batch::{ImportBatch, ImportOptions};
use super::error::ImportError;
use super::model::CatalogState;
use super::plan::{plan, validate_batch as validate_only};
use super::plan_types::{ImportPlan, Phase, PlanSummary};
use crate::ops::NoInput;
use serde::{Deserialize, Serialize};

/// Input of [`validate_catalog_batch`] (a dry run): the same as planning's.
pub type ValidateBatchRequest = PlanRequest;

/// Output of [`validate_catalog_batch`]: the errors (empty when the batch is valid) and, when
/// valid, what the import would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct ValidateBatchResponse {
    pub valid: bool,
    pub errors: Vec<ImportError>,
    pub summary: Option<PlanSummary>,
}

/// Input of [`plan_catalog_import`] and [`validate_catalog_batch`]: the catalog as read, the
/// batch and its options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanRequest {
    #[serde(default)]
    pub current: CatalogState,
    pub batch: ImportBatch,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub options: Option<ImportOptions>,
}

/// Validates the batch; never fails (errors are data here).
pub fn validate_catalog_batch(req: &ValidateBatchRequest) -> ValidateBatchResponse {
    let options = req.options.clone().unwrap_or_default();
    match plan(&req.current, &req.batch, &options) {
        Ok(p) => ValidateBatchResponse {
            valid: true,
            errors: Vec::new(),
            summary: Some(p.summary),
        },
        Err(errors) => ValidateBatchResponse {
            valid: false,
            errors,
            summary: None,
        },
    }
}

/// Validates and plans; `Err` holds every error.
pub fn plan_catalog_import(req: &PlanRequest) -> Result<ImportPlan, Vec<ImportError>> {
    plan(
        &req.current,
        &req.batch,
        &req.options.clone().unwrap_or_default(),
    )
}

plan_or_errors! {
    /// Output of [`plan_catalog_batch`]: the plan, or every error (then `plan` is null).
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    pub struct PlanResponse {
        pub plan: Option<ImportPlan>,
        pub errors: Vec<ImportError>,
    }
}

/// [`plan_catalog_import`] with the errors as data: the shape the boundaries return.
pub fn plan_catalog_batch(req: &PlanRequest) -> PlanResponse {
    plan_catalog_import(req).into()
}

/// Validation alone, without planning (cheaper than [`validate_catalog_batch`]).
pub fn check_catalog_batch(req: &ValidateBatchRequest) -> Result<(), Vec<ImportError>> {
    validate_only(
        &req.current,
        &req.batch,
        &req.options.clone().unwrap_or_default(),
    )
}

/// The phases of an import, in VTEX's order: a constant, so callers need no copy of it.
pub fn import_phases(_: &NoInput) -> Vec<Phase> {
    Phase::ALL.to_vec()
}
