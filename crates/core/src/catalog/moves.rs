//! What moving a category under another father would change.

use super::{Catalog, CatalogError, EffectiveField, MAX_DEPTH};
use crate::ids::{CategoryId, FieldId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The consequences of changing a category's `FatherCategoryId`.
///
/// Fields defined inside the moved subtree travel with it; only fields inherited from above
/// the category can be gained or lost, and the same change applies to every category of the
/// subtree and so to every product and SKU under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MoveImpact {
    pub category_id: CategoryId,
    pub from_father_category_id: Option<CategoryId>,
    pub to_father_category_id: Option<CategoryId>,
    /// The moved category and all its descendants, by ascending id.
    pub affected_category_ids: Vec<CategoryId>,
    /// Fields gained, tagged with their origin after the move.
    pub product_fields_gained: Vec<EffectiveField>,
    /// Fields lost, tagged with their origin before the move. Values stored for them on
    /// products stay in VTEX but are no longer shown.
    pub product_fields_lost: Vec<EffectiveField>,
    pub sku_fields_gained: Vec<EffectiveField>,
    pub sku_fields_lost: Vec<EffectiveField>,
}

impl Catalog {
    /// The impact of moving `id` under `new_father` (`None`: make it a department).
    pub fn move_impact(
        &self,
        id: CategoryId,
        new_father: Option<CategoryId>,
    ) -> Result<MoveImpact, CatalogError> {
        let category = self
            .category(id)
            .ok_or(CatalogError::CategoryNotFound(id))?;
        let subtree = self.subtree_ids(id)?;
        let new_path: Vec<CategoryId> = match new_father {
            Some(father) => {
                let mut path = self.path_ids(father)?;
                if subtree.binary_search(&father).is_ok() {
                    let from = path.iter().position(|&c| c == id).unwrap_or(0);
                    let mut cycle = path[from..].to_vec();
                    cycle.push(id);
                    return Err(CatalogError::Cycle {
                        category: id,
                        cycle,
                    });
                }
                path.push(id);
                path
            }
            None => vec![id],
        };
        let depth = new_path.len() - 1 + self.height(id);
        if depth > MAX_DEPTH {
            return Err(CatalogError::TooDeep {
                category: id,
                depth,
                max: MAX_DEPTH,
            });
        }
        let old_path = self.path_ids(id)?;
        let (old_product, old_sku) = self.inherited_from_above(&old_path);
        let (new_product, new_sku) = self.inherited_from_above(&new_path);
        Ok(MoveImpact {
            category_id: id,
            from_father_category_id: category.father_category_id,
            to_father_category_id: new_father,
            affected_category_ids: subtree,
            product_fields_gained: difference(&new_product, &old_product),
            product_fields_lost: difference(&old_product, &new_product),
            sku_fields_gained: difference(&new_sku, &old_sku),
            sku_fields_lost: difference(&old_sku, &new_sku),
        })
    }

    /// Fields visible at the end of `path` that come from above it (root level and ancestors).
    fn inherited_from_above(
        &self,
        path: &[CategoryId],
    ) -> (Vec<EffectiveField>, Vec<EffectiveField>) {
        let own = path.last().copied();
        let (product, sku) = self.fields_along(path);
        let keep = |f: &EffectiveField| {
            f.inherited_from.category_id.is_none() || f.inherited_from.category_id != own
        };
        (
            product.into_iter().filter(keep).collect(),
            sku.into_iter().filter(keep).collect(),
        )
    }
}

fn difference(a: &[EffectiveField], b: &[EffectiveField]) -> Vec<EffectiveField> {
    let in_b: BTreeSet<FieldId> = b.iter().map(|f| f.field_id).collect();
    a.iter()
        .filter(|f| !in_b.contains(&f.field_id))
        .cloned()
        .collect()
}
