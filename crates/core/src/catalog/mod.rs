//! The catalog hierarchy and specification inheritance (VTEX Catalog, §C).
//!
//! A [`Catalog`] is built from a [`CatalogSnapshot`] and is valid by construction: every
//! father exists, there is no cycle, the tree is at most [`MAX_DEPTH`] levels deep, every group
//! sits on an existing category (or the root level), every field in an existing group with a
//! known type (SKU fields only Combo or Radio), every value on a field whose type takes values.
//!
//! Specifications are inherited down the tree: a group (and its fields) on a category applies
//! to that category and every descendant; a root-level group applies everywhere.
//!
//! ```
//! use ponte_core::catalog::*;
//! use ponte_core::ids::*;
//! let snapshot: CatalogSnapshot = CatalogSnapshot {
//!     categories: vec![
//!         Category { id: CategoryId(1), name: "Shoes".into(), father_category_id: None, is_active: true, has_children: None },
//!         Category { id: CategoryId(2), name: "Running".into(), father_category_id: Some(CategoryId(1)), is_active: true, has_children: None },
//!     ],
//!     groups: vec![SpecificationGroup { id: GroupId(10), category_id: Some(CategoryId(1)), name: "Sizes".into(), position: 0 }],
//!     fields: vec![SpecificationField {
//!         id: FieldId(100), name: "Size".into(), field_type_id: 5, field_group_id: GroupId(10),
//!         category_id: None, position: 0, is_required: true, is_active: true, is_filter: true,
//!         is_stock_keeping_unit: true,
//!     }],
//!     values: vec![],
//! };
//! let catalog = Catalog::from_snapshot(&snapshot)?;
//! let specs = catalog.effective_specifications(CategoryId(2))?;
//! assert_eq!(specs.sku_fields[0].inherited_from.category_id, Some(CategoryId(1)));
//! assert!(specs.is_leaf);
//! # Ok::<(), CatalogError>(())
//! ```

mod effective;
mod error;
pub mod import;
mod model;
mod moves;
mod ops;
mod tree;

pub use effective::{
    EffectiveField, EffectiveSpecifications, EffectiveValue, Origin, OriginScope, PathEntry,
};
pub use error::CatalogError;
pub use model::{
    CatalogSnapshot, Category, FieldType, SpecificationField, SpecificationGroup,
    SpecificationValue,
};
pub use moves::MoveImpact;
pub use ops::{
    CategoryTreeRequest, EffectiveSpecificationsRequest, FieldTypeInfo, MoveImpactRequest,
    category_tree, effective_specifications, move_impact, specification_field_types,
};
pub use tree::CategoryNode;

pub use import::{
    BrandId, CatalogState, ImportBatch, ImportError, ImportOptions, ImportPlan, PlanRequest,
    ProductId, SkuId, ValidateBatchRequest, ValidateBatchResponse, merge_for_put,
    plan_catalog_import, plan_respects_dependencies, validate_catalog_batch,
};

use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use std::collections::{BTreeMap, BTreeSet};

/// How many levels the tree may have (departments are level 1). VTEX sets no hard limit and
/// recommends three; the bound keeps every recursive walk, here and in serialisers, shallow.
pub const MAX_DEPTH: usize = 32;
/// VTEX's limit on a specification field name.
pub const MAX_FIELD_NAME: usize = 100;
/// Ponte's limit on category, group and value names (VTEX documents none; this is generous).
pub const MAX_NAME: usize = 200;

type Result<T> = std::result::Result<T, CatalogError>;

/// A validated catalog: categories, groups, fields and values, with the indexes the
/// operations need. Build it with [`Catalog::from_snapshot`] or grow it with the `insert_*`
/// methods, which check the same rules one entity at a time.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    categories: BTreeMap<CategoryId, Category>,
    children: BTreeMap<CategoryId, BTreeSet<CategoryId>>,
    groups: BTreeMap<GroupId, SpecificationGroup>,
    /// Groups per scope (`None` = root level), ordered by (position, id).
    groups_by_scope: BTreeMap<Option<CategoryId>, BTreeSet<(i32, GroupId)>>,
    fields: BTreeMap<FieldId, (SpecificationField, FieldType)>,
    /// Fields per group, ordered by (position, id).
    fields_by_group: BTreeMap<GroupId, BTreeSet<(i32, FieldId)>>,
    values: BTreeMap<FieldValueId, SpecificationValue>,
    /// Values per field, ordered by (position, id).
    values_by_field: BTreeMap<FieldId, BTreeSet<(i32, FieldValueId)>>,
}

fn check_id_and_name(entity: &'static str, id: u32, name: &str, max: usize) -> Result<()> {
    if id == 0 {
        return Err(CatalogError::ZeroId { entity });
    }
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        return Err(CatalogError::InvalidName { entity, id, max });
    }
    Ok(())
}

/// A category's own rules: its id and name, and a father among `categories`.
fn check_category(c: &Category, categories: &BTreeMap<CategoryId, Category>) -> Result<()> {
    check_id_and_name("category", c.id.0, &c.name, MAX_NAME)?;
    match c.father_category_id {
        Some(father) if !categories.contains_key(&father) => Err(CatalogError::FatherNotFound {
            category: c.id,
            father,
        }),
        _ => Ok(()),
    }
}

/// `items` sorted by `id`, or `duplicate` of the first id (in input order) that comes twice.
fn sorted_unique<T, I: Ord + Copy>(
    items: &[T],
    id: impl Fn(&T) -> I,
    duplicate: impl FnOnce(I) -> CatalogError,
) -> Result<Vec<&T>> {
    let mut seen = BTreeSet::new();
    if let Some(x) = items.iter().find(|x| !seen.insert(id(x))) {
        return Err(duplicate(id(x)));
    }
    let mut sorted: Vec<&T> = items.iter().collect();
    sorted.sort_by_key(|x| id(x));
    Ok(sorted)
}

impl Catalog {
    /// Validates a whole snapshot. Entities may come in any order; the first broken rule is
    /// reported, checking categories, then groups, fields and values: for each kind, duplicate
    /// ids first (in input order), then every other rule by ascending id.
    pub fn from_snapshot(snapshot: &CatalogSnapshot) -> Result<Self> {
        let mut catalog = Catalog::default();
        for c in &snapshot.categories {
            if catalog.categories.insert(c.id, c.clone()).is_some() {
                return Err(CatalogError::DuplicateCategory(c.id));
            }
        }
        for c in catalog.categories.values() {
            check_category(c, &catalog.categories)?;
        }
        catalog.check_acyclic_and_depth()?;
        let mut children: BTreeMap<CategoryId, BTreeSet<CategoryId>> = BTreeMap::new();
        for c in catalog.categories.values() {
            if let Some(father) = c.father_category_id {
                children.entry(father).or_default().insert(c.id);
            }
        }
        catalog.children = children;

        let groups = sorted_unique(&snapshot.groups, |g| g.id, CatalogError::DuplicateGroup)?;
        for g in groups {
            catalog.insert_group(g.clone())?;
        }
        let fields = sorted_unique(&snapshot.fields, |f| f.id, CatalogError::DuplicateField)?;
        for f in fields {
            catalog.insert_field(f.clone())?;
        }
        let values = sorted_unique(&snapshot.values, |v| v.id, CatalogError::DuplicateValue)?;
        for v in values {
            catalog.insert_value(v.clone())?;
        }
        Ok(catalog)
    }

    /// The catalog as a snapshot again (sorted by id), e.g. to persist it.
    pub fn to_snapshot(&self) -> CatalogSnapshot {
        CatalogSnapshot {
            categories: self.categories.values().cloned().collect(),
            groups: self.groups.values().cloned().collect(),
            fields: self.fields.values().map(|(f, _)| f.clone()).collect(),
            values: self.values.values().cloned().collect(),
        }
    }

    /// Walks every category up to its department, finding cycles and over-deep chains.
    fn check_acyclic_and_depth(&self) -> Result<()> {
        let mut depth: BTreeMap<CategoryId, usize> = BTreeMap::new();
        for &start in self.categories.keys() {
            if depth.contains_key(&start) {
                continue;
            }
            let mut path: Vec<CategoryId> = Vec::new();
            let mut on_path: BTreeSet<CategoryId> = BTreeSet::new();
            let mut cursor = Some(start);
            let base = loop {
                let Some(id) = cursor else { break 0 };
                if let Some(&d) = depth.get(&id) {
                    break d;
                }
                if !on_path.insert(id) {
                    let from = path.iter().position(|&p| p == id).unwrap_or(0);
                    let mut cycle = path[from..].to_vec();
                    let min_at = cycle
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, c)| **c)
                        .map_or(0, |(i, _)| i);
                    cycle.rotate_left(min_at);
                    let category = cycle[0];
                    cycle.push(category);
                    return Err(CatalogError::Cycle { category, cycle });
                }
                path.push(id);
                cursor = self.categories.get(&id).and_then(|c| c.father_category_id);
            };
            for (i, id) in path.iter().rev().enumerate() {
                let d = base + i + 1;
                if d > MAX_DEPTH {
                    return Err(CatalogError::TooDeep {
                        category: *id,
                        depth: d,
                        max: MAX_DEPTH,
                    });
                }
                depth.insert(*id, d);
            }
        }
        Ok(())
    }

    /// Adds or replaces a category, refusing a missing father, a cycle or a tree deeper than
    /// [`MAX_DEPTH`]. Moving a category is replacing it with another father.
    pub fn insert_category(&mut self, category: Category) -> Result<()> {
        check_category(&category, &self.categories)?;
        if let Some(father) = category.father_category_id {
            let ancestors = self.path_ids(father)?;
            if let Some(pos) = ancestors.iter().position(|&a| a == category.id) {
                let mut cycle: Vec<CategoryId> = ancestors[pos..].to_vec();
                cycle.push(category.id);
                return Err(CatalogError::Cycle {
                    category: category.id,
                    cycle,
                });
            }
            let depth = ancestors.len() + self.height(category.id);
            if depth > MAX_DEPTH {
                return Err(CatalogError::TooDeep {
                    category: category.id,
                    depth,
                    max: MAX_DEPTH,
                });
            }
        }
        if let Some(old) = self.categories.get(&category.id)
            && let Some(old_father) = old.father_category_id
            && let Some(siblings) = self.children.get_mut(&old_father)
        {
            siblings.remove(&category.id);
        }
        if let Some(father) = category.father_category_id {
            self.children.entry(father).or_default().insert(category.id);
        }
        self.categories.insert(category.id, category);
        Ok(())
    }

    /// Adds or replaces a specification group. Moving a group to another category moves its
    /// fields with it.
    pub fn insert_group(&mut self, group: SpecificationGroup) -> Result<()> {
        check_id_and_name("specification group", group.id.0, &group.name, MAX_NAME)?;
        if let Some(category) = group.category_id
            && !self.categories.contains_key(&category)
        {
            return Err(CatalogError::GroupCategoryNotFound {
                group: group.id,
                category,
            });
        }
        if let Some(old) = self.groups.get(&group.id) {
            if let Some(set) = self.groups_by_scope.get_mut(&old.category_id) {
                set.remove(&(old.position, old.id));
            }
            if old.category_id != group.category_id {
                let members: Vec<FieldId> = self
                    .fields_by_group
                    .get(&group.id)
                    .map(|s| s.iter().map(|(_, f)| *f).collect())
                    .unwrap_or_default();
                for f in members {
                    if let Some((field, _)) = self.fields.get_mut(&f) {
                        field.category_id = group.category_id;
                    }
                }
            }
        }
        self.groups_by_scope
            .entry(group.category_id)
            .or_default()
            .insert((group.position, group.id));
        self.groups.insert(group.id, group);
        Ok(())
    }

    /// Checks a field against the catalog without adding it; returns its type.
    pub fn check_field(&self, field: &SpecificationField) -> Result<FieldType> {
        check_id_and_name(
            "specification field",
            field.id.0,
            &field.name,
            MAX_FIELD_NAME,
        )?;
        let field_type =
            FieldType::from_id(field.field_type_id).ok_or(CatalogError::UnknownFieldType {
                field: field.id,
                type_id: field.field_type_id,
            })?;
        if field.is_stock_keeping_unit && !field_type.allowed_on_sku() {
            return Err(CatalogError::SkuFieldType {
                field: field.id,
                field_type,
            });
        }
        let group =
            self.groups
                .get(&field.field_group_id)
                .ok_or(CatalogError::FieldGroupNotFound {
                    field: field.id,
                    group: field.field_group_id,
                })?;
        if let Some(field_category) = field.category_id
            && group.category_id != Some(field_category)
        {
            return Err(CatalogError::FieldCategoryMismatch {
                field: field.id,
                group: group.id,
                field_category,
                group_category: group.category_id,
            });
        }
        if let Some(old) = self.fields.get(&field.id) {
            // A field that already has values cannot become a type without values.
            if old.1.has_values()
                && !field_type.has_values()
                && let Some(&(_, value)) =
                    self.values_by_field.get(&field.id).and_then(|s| s.first())
            {
                return Err(CatalogError::ValueOnTextField {
                    value,
                    field: field.id,
                    field_type,
                });
            }
        }
        Ok(field_type)
    }

    /// Adds or replaces a specification field.
    pub fn insert_field(&mut self, mut field: SpecificationField) -> Result<()> {
        let field_type = self.check_field(&field)?;
        if let Some((old, _)) = self.fields.get(&field.id)
            && let Some(set) = self.fields_by_group.get_mut(&old.field_group_id)
        {
            set.remove(&(old.position, old.id));
        }
        field.category_id = self
            .groups
            .get(&field.field_group_id)
            .and_then(|g| g.category_id);
        self.fields_by_group
            .entry(field.field_group_id)
            .or_default()
            .insert((field.position, field.id));
        self.fields.insert(field.id, (field, field_type));
        Ok(())
    }

    /// Checks a value against the catalog without adding it.
    pub fn check_value(&self, value: &SpecificationValue) -> Result<()> {
        check_id_and_name("specification value", value.id.0, &value.name, MAX_NAME)?;
        let (_, field_type) =
            self.fields
                .get(&value.field_id)
                .ok_or(CatalogError::ValueFieldNotFound {
                    value: value.id,
                    field: value.field_id,
                })?;
        if !field_type.has_values() {
            return Err(CatalogError::ValueOnTextField {
                value: value.id,
                field: value.field_id,
                field_type: *field_type,
            });
        }
        Ok(())
    }

    /// Adds or replaces a specification value.
    pub fn insert_value(&mut self, value: SpecificationValue) -> Result<()> {
        self.check_value(&value)?;
        if let Some(old) = self.values.get(&value.id)
            && let Some(set) = self.values_by_field.get_mut(&old.field_id)
        {
            set.remove(&(old.position, old.id));
        }
        self.values_by_field
            .entry(value.field_id)
            .or_default()
            .insert((value.position, value.id));
        self.values.insert(value.id, value);
        Ok(())
    }

    /// Checks a category against the catalog without adding it.
    pub fn check_category(&self, category: &Category) -> Result<()> {
        self.clone_shallow_for_check()
            .insert_category(category.clone())
    }

    /// Checks a group against the catalog without adding it.
    pub fn check_group(&self, group: &SpecificationGroup) -> Result<()> {
        check_id_and_name("specification group", group.id.0, &group.name, MAX_NAME)?;
        match group.category_id {
            Some(category) if !self.categories.contains_key(&category) => {
                Err(CatalogError::GroupCategoryNotFound {
                    group: group.id,
                    category,
                })
            }
            _ => Ok(()),
        }
    }

    /// The category checks only need the tree, so the check copies just that.
    fn clone_shallow_for_check(&self) -> Catalog {
        Catalog {
            categories: self.categories.clone(),
            children: self.children.clone(),
            ..Catalog::default()
        }
    }

    pub fn category(&self, id: CategoryId) -> Option<&Category> {
        self.categories.get(&id)
    }
    pub fn categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.values()
    }
    pub fn group(&self, id: GroupId) -> Option<&SpecificationGroup> {
        self.groups.get(&id)
    }
    pub fn groups(&self) -> impl Iterator<Item = &SpecificationGroup> {
        self.groups.values()
    }
    pub fn field(&self, id: FieldId) -> Option<&SpecificationField> {
        self.fields.get(&id).map(|(f, _)| f)
    }
    pub fn fields(&self) -> impl Iterator<Item = &SpecificationField> {
        self.fields.values().map(|(f, _)| f)
    }
    pub fn value(&self, id: FieldValueId) -> Option<&SpecificationValue> {
        self.values.get(&id)
    }
    pub fn values(&self) -> impl Iterator<Item = &SpecificationValue> {
        self.values.values()
    }

    /// Direct children of a category, by ascending id.
    pub fn children(&self, id: CategoryId) -> impl Iterator<Item = CategoryId> + '_ {
        self.children.get(&id).into_iter().flatten().copied()
    }

    /// Groups on a scope (`None` = root level), ordered by (position, id).
    pub fn groups_in_scope(
        &self,
        scope: Option<CategoryId>,
    ) -> impl Iterator<Item = &SpecificationGroup> {
        self.groups_by_scope
            .get(&scope)
            .into_iter()
            .flatten()
            .filter_map(|(_, g)| self.groups.get(g))
    }

    /// Values of a field, ordered by (position, id), active or not.
    pub fn values_of(&self, field: FieldId) -> impl Iterator<Item = &SpecificationValue> {
        self.values_by_field
            .get(&field)
            .into_iter()
            .flatten()
            .filter_map(|(_, v)| self.values.get(v))
    }

    /// Whether a category is a leaf: no children known here and VTEX did not say it has some.
    pub fn is_leaf(&self, id: CategoryId) -> bool {
        let has_known_children = self.children.get(&id).is_some_and(|c| !c.is_empty());
        let said_has_children = self.categories.get(&id).and_then(|c| c.has_children) == Some(true);
        !has_known_children && !said_has_children
    }

    /// The ids from the department down to `id` (inclusive).
    pub fn path_ids(&self, id: CategoryId) -> Result<Vec<CategoryId>> {
        let mut path = Vec::new();
        let mut cursor = Some(id);
        while let Some(c) = cursor {
            let category = self
                .categories
                .get(&c)
                .ok_or(CatalogError::CategoryNotFound(c))?;
            path.push(c);
            if path.len() > MAX_DEPTH + 1 {
                // Unreachable for a validated catalog; refuse rather than loop.
                return Err(CatalogError::TooDeep {
                    category: id,
                    depth: path.len(),
                    max: MAX_DEPTH,
                });
            }
            cursor = category.father_category_id;
        }
        path.reverse();
        Ok(path)
    }

    /// Levels below and including `id` (1 for a leaf).
    fn height(&self, id: CategoryId) -> usize {
        let mut height = 0;
        let mut level: Vec<CategoryId> = vec![id];
        while !level.is_empty() && height <= MAX_DEPTH {
            height += 1;
            level = level.iter().flat_map(|c| self.children(*c)).collect();
        }
        height
    }

    /// `id` and every category below it, by ascending id.
    pub fn subtree_ids(&self, id: CategoryId) -> Result<Vec<CategoryId>> {
        if !self.categories.contains_key(&id) {
            return Err(CatalogError::CategoryNotFound(id));
        }
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(c) = stack.pop() {
            out.push(c);
            stack.extend(self.children(c));
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
