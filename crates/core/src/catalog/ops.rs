//! The catalog operations as request → response functions: the shape every boundary
//! (wasm exports, the raw JSON ABI, the simulator, GraphQL) calls.

use super::{
    Catalog, CatalogError, CatalogSnapshot, CategoryNode, EffectiveSpecifications, FieldType,
    MoveImpact,
};
use crate::ids::CategoryId;
use crate::ops::NoInput;
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
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct MoveImpactRequest {
    pub catalog: CatalogSnapshot,
    pub category_id: CategoryId,
    /// `null` makes the category a department.
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

/// A specification field type VTEX knows, with what it implies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldTypeInfo {
    /// VTEX's `FieldTypeId`.
    pub field_type_id: i32,
    pub field_type: FieldType,
    /// Values are chosen from the field's list (`FieldValueId`), so the list must be read.
    pub has_values: bool,
    /// VTEX accepts the type on an SKU field.
    pub allowed_on_sku: bool,
}

/// Every field type, in `FieldTypeId` order: a constant, so callers need no copy of it.
pub fn specification_field_types(_: &NoInput) -> Vec<FieldTypeInfo> {
    FieldType::ALL
        .iter()
        .map(|t| FieldTypeInfo {
            field_type_id: t.id(),
            field_type: *t,
            has_values: t.has_values(),
            allowed_on_sku: t.allowed_on_sku(),
        })
        .collect()
}
