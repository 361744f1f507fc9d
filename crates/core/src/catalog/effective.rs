//! Effective specifications: what a category's products and SKUs can (and must) carry.

use super::{Catalog, CatalogError, FieldType};
use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use serde::{Deserialize, Serialize};

/// Where an effective field comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum OriginScope {
    /// A root-level group: applies to the whole catalog.
    Root,
    /// A group on an ancestor of the category.
    Ancestor,
    /// A group on the category itself.
    Own,
}

/// The origin of an inherited field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Origin {
    pub scope: OriginScope,
    /// The category whose group defines the field; `null` at root level.
    pub category_id: Option<CategoryId>,
    pub category_name: Option<String>,
    /// Levels up from the asking category (0 = its own); `null` at root level.
    pub distance: Option<u32>,
}

/// An active value of a Combo, Radio or Checkbox field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EffectiveValue {
    pub id: FieldValueId,
    pub name: String,
    pub position: i32,
}

/// An active specification field as seen from a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EffectiveField {
    pub field_id: FieldId,
    pub name: String,
    pub field_type_id: i32,
    pub field_type: FieldType,
    pub group_id: GroupId,
    pub group_name: String,
    pub group_position: i32,
    pub position: i32,
    pub is_required: bool,
    pub is_filter: bool,
    pub is_stock_keeping_unit: bool,
    pub inherited_from: Origin,
    /// Active values ordered by (position, id); empty for types without values.
    pub values: Vec<EffectiveValue>,
}

/// A category on the path from its department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PathEntry {
    pub id: CategoryId,
    pub name: String,
    pub is_active: bool,
}

/// The specifications a category's products and SKUs get: its own, every ancestor's and the
/// root level's, inactive fields and values left out.
///
/// Order (deterministic): root level first, then from the department down to the category;
/// within one category by group (position, id), then field (position, id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EffectiveSpecifications {
    pub category_id: CategoryId,
    pub name: String,
    /// From the department (first) to the category itself (last).
    pub path: Vec<PathEntry>,
    /// Products may only sit in leaf categories.
    pub is_leaf: bool,
    pub product_fields: Vec<EffectiveField>,
    pub sku_fields: Vec<EffectiveField>,
}

impl Catalog {
    /// The effective specifications of a category (see [`EffectiveSpecifications`]).
    pub fn effective_specifications(
        &self,
        id: CategoryId,
    ) -> Result<EffectiveSpecifications, CatalogError> {
        let category = self
            .category(id)
            .ok_or(CatalogError::CategoryNotFound(id))?;
        let path_ids = self.path_ids(id)?;
        let (product_fields, sku_fields) = self.fields_along(&path_ids);
        let path = path_ids
            .iter()
            .filter_map(|c| self.category(*c))
            .map(|c| PathEntry {
                id: c.id,
                name: c.name.clone(),
                is_active: c.is_active,
            })
            .collect();
        Ok(EffectiveSpecifications {
            category_id: id,
            name: category.name.clone(),
            path,
            is_leaf: self.is_leaf(id),
            product_fields,
            sku_fields,
        })
    }

    /// The active fields visible from the last category of `path` (department first), split
    /// into product and SKU fields. An empty path yields the root level alone.
    pub(crate) fn fields_along(
        &self,
        path: &[CategoryId],
    ) -> (Vec<EffectiveField>, Vec<EffectiveField>) {
        let mut product = Vec::new();
        let mut sku = Vec::new();
        let scopes = std::iter::once(None).chain(path.iter().copied().map(Some));
        for scope in scopes {
            let origin = self.origin(scope, path);
            for group in self.groups_in_scope(scope) {
                let Some(members) = self.fields_by_group.get(&group.id) else {
                    continue;
                };
                for (_, field_id) in members {
                    let Some((field, field_type)) = self.fields.get(field_id) else {
                        continue;
                    };
                    if !field.is_active {
                        continue;
                    }
                    let values = if field_type.has_values() {
                        self.values_of(field.id)
                            .filter(|v| v.is_active)
                            .map(|v| EffectiveValue {
                                id: v.id,
                                name: v.name.clone(),
                                position: v.position,
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let effective = EffectiveField {
                        field_id: field.id,
                        name: field.name.clone(),
                        field_type_id: field_type.id(),
                        field_type: *field_type,
                        group_id: group.id,
                        group_name: group.name.clone(),
                        group_position: group.position,
                        position: field.position,
                        is_required: field.is_required,
                        is_filter: field.is_filter,
                        is_stock_keeping_unit: field.is_stock_keeping_unit,
                        inherited_from: origin.clone(),
                        values,
                    };
                    if field.is_stock_keeping_unit {
                        sku.push(effective);
                    } else {
                        product.push(effective);
                    }
                }
            }
        }
        (product, sku)
    }

    fn origin(&self, scope: Option<CategoryId>, path: &[CategoryId]) -> Origin {
        let Some(category) = scope else {
            return Origin {
                scope: OriginScope::Root,
                category_id: None,
                category_name: None,
                distance: None,
            };
        };
        let index = path.iter().position(|&c| c == category).unwrap_or(0);
        let distance = (path.len() - 1 - index) as u32;
        Origin {
            scope: if distance == 0 {
                OriginScope::Own
            } else {
                OriginScope::Ancestor
            },
            category_id: Some(category),
            category_name: self.category(category).map(|c| c.name.clone()),
            distance: Some(distance),
        }
    }
}
