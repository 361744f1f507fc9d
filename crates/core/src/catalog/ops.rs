//! The catalog operations as request → response functions: the shape every boundary
//! (wasm exports, the raw JSON ABI, the simulator, GraphQL) calls.

use super::{
    Catalog, CatalogError, CatalogSnapshot, CategoryNode, EffectiveSpecifications, MoveImpact,
};
use crate::ids::CategoryId;
use serde::{Deserialize, Serialize};

/// Input of [`effective_specifications`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EffectiveSpecificationsRequest {
    pub catalog: CatalogSnapshot,
    pub category_id: CategoryId,
}

/// Input of [`category_tree`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CategoryTreeRequest {
    pub catalog: CatalogSnapshot,
}

/// Input of [`move_impact`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MoveImpactRequest {
    pub catalog: CatalogSnapshot,
    pub category_id: CategoryId,
    /// `null` makes the category a department.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub new_father_category_id: Option<CategoryId>,
}

/// Validates the snapshot and returns the category's effective specifications.
pub fn effective_specifications(
    req: &EffectiveSpecificationsRequest,
) -> Result<EffectiveSpecifications, CatalogError> {
    Catalog::from_snapshot(&req.catalog)?.effective_specifications(req.category_id)
}

/// Validates the snapshot and returns it as a tree of departments.
pub fn category_tree(req: &CategoryTreeRequest) -> Result<Vec<CategoryNode>, CatalogError> {
    Ok(Catalog::from_snapshot(&req.catalog)?.tree())
}

/// Validates the snapshot and returns what moving the category would change.
pub fn move_impact(req: &MoveImpactRequest) -> Result<MoveImpact, CatalogError> {
    Catalog::from_snapshot(&req.catalog)?.move_impact(req.category_id, req.new_father_category_id)
}
