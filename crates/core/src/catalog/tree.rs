//! The category tree as nested nodes.

use super::{Catalog, CatalogError};
use crate::ids::CategoryId;
use serde::{Deserialize, Serialize};

/// A category with its children, as a tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CategoryNode {
    pub id: CategoryId,
    pub name: String,
    pub is_active: bool,
    /// 1 for a department.
    pub level: u32,
    pub is_leaf: bool,
    /// Children by ascending id.
    pub children: Vec<CategoryNode>,
}

impl Catalog {
    /// Every department with its descendants, departments by ascending id.
    pub fn tree(&self) -> Vec<CategoryNode> {
        self.categories()
            .filter(|c| c.father_category_id.is_none())
            .map(|c| self.node(c.id, 1))
            .collect()
    }

    /// One category with its descendants.
    pub fn subtree(&self, id: CategoryId) -> Result<CategoryNode, CatalogError> {
        let level = self.path_ids(id)?.len() as u32;
        Ok(self.node(id, level))
    }

    /// Recursion depth is bounded by `MAX_DEPTH`, which every catalog respects.
    fn node(&self, id: CategoryId, level: u32) -> CategoryNode {
        let (name, is_active) = self
            .category(id)
            .map(|c| (c.name.clone(), c.is_active))
            .unwrap_or_default();
        CategoryNode {
            id,
            name,
            is_active,
            level,
            is_leaf: self.is_leaf(id),
            children: self.children(id).map(|c| self.node(c, level + 1)).collect(),
        }
    }
}
