//! A naive reference model of the catalog operations, written from the rules rather than
//! from the core's code: it walks father pointers, filters and sorts plain vectors, and
//! answers in the core's output types so results compare with `==`.
//!
//! It assumes a valid snapshot (the strategies in [`crate::generate`] make one); validation
//! is checked separately, against the code each breakage must produce.

use ponte_core::catalog::{
    CatalogSnapshot, Category, CategoryNode, EffectiveField, EffectiveSpecifications,
    EffectiveValue, FieldType, MAX_DEPTH, MoveImpact, Origin, OriginScope, PathEntry,
    SpecificationField, SpecificationGroup, SpecificationValue,
};
use ponte_core::ids::{CategoryId, FieldId, GroupId};
use std::collections::{BTreeSet, HashMap};

/// The model over one snapshot, with plain lookup tables.
#[derive(Debug)]
pub struct Model<'a> {
    snapshot: &'a CatalogSnapshot,
    category: HashMap<CategoryId, &'a Category>,
    groups_on: HashMap<Option<CategoryId>, Vec<&'a SpecificationGroup>>,
    fields_in: HashMap<GroupId, Vec<&'a SpecificationField>>,
    values_of: HashMap<FieldId, Vec<&'a SpecificationValue>>,
}

impl<'a> Model<'a> {
    pub fn new(snapshot: &'a CatalogSnapshot) -> Self {
        let mut groups_on: HashMap<_, Vec<_>> = HashMap::new();
        for g in &snapshot.groups {
            groups_on.entry(g.category_id).or_default().push(g);
        }
        let mut fields_in: HashMap<_, Vec<_>> = HashMap::new();
        for f in &snapshot.fields {
            fields_in.entry(f.field_group_id).or_default().push(f);
        }
        let mut values_of: HashMap<_, Vec<_>> = HashMap::new();
        for v in &snapshot.values {
            values_of.entry(v.field_id).or_default().push(v);
        }
        Model {
            snapshot,
            category: snapshot.categories.iter().map(|c| (c.id, c)).collect(),
            groups_on,
            fields_in,
            values_of,
        }
    }

    pub fn contains(&self, id: CategoryId) -> bool {
        self.category.contains_key(&id)
    }

    /// From the department down to `id`.
    pub fn path(&self, id: CategoryId) -> Vec<CategoryId> {
        let mut path = vec![id];
        while let Some(father) = self
            .category
            .get(path.last().unwrap_or(&id))
            .and_then(|c| c.father_category_id)
        {
            path.push(father);
        }
        path.reverse();
        path
    }

    fn children(&self, id: CategoryId) -> Vec<CategoryId> {
        let mut children: Vec<CategoryId> = self
            .snapshot
            .categories
            .iter()
            .filter(|c| c.father_category_id == Some(id))
            .map(|c| c.id)
            .collect();
        children.sort();
        children
    }

    pub fn is_leaf(&self, id: CategoryId) -> bool {
        let claims_children = self.category.get(&id).and_then(|c| c.has_children) == Some(true);
        !claims_children
            && !self
                .snapshot
                .categories
                .iter()
                .any(|c| c.father_category_id == Some(id))
    }

    /// Every active field visible from `path`'s last category, in the documented order.
    fn fields_along(&self, path: &[CategoryId]) -> Vec<EffectiveField> {
        let mut out = Vec::new();
        let scopes = std::iter::once(None).chain(path.iter().map(|&c| Some(c)));
        for scope in scopes {
            let origin = match scope {
                None => Origin {
                    scope: OriginScope::Root,
                    category_id: None,
                    category_name: None,
                    distance: None,
                },
                Some(c) => {
                    let distance = path.len() - 1 - path.iter().position(|&p| p == c).unwrap_or(0);
                    Origin {
                        scope: if distance == 0 {
                            OriginScope::Own
                        } else {
                            OriginScope::Ancestor
                        },
                        category_id: Some(c),
                        category_name: self.category.get(&c).map(|c| c.name.clone()),
                        distance: Some(distance as u32),
                    }
                }
            };
            let mut groups = self.groups_on.get(&scope).cloned().unwrap_or_default();
            groups.sort_by_key(|g| (g.position, g.id));
            for group in groups {
                let mut fields = self.fields_in.get(&group.id).cloned().unwrap_or_default();
                fields.retain(|f| f.is_active);
                fields.sort_by_key(|f| (f.position, f.id));
                for field in fields {
                    let Some(field_type) = FieldType::from_id(field.field_type_id) else {
                        continue;
                    };
                    let takes_values = matches!(field.field_type_id, 5..=7);
                    let mut values = if takes_values {
                        self.values_of.get(&field.id).cloned().unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    values.retain(|v| v.is_active);
                    values.sort_by_key(|v| (v.position, v.id));
                    out.push(EffectiveField {
                        field_id: field.id,
                        name: field.name.clone(),
                        field_type_id: field.field_type_id,
                        field_type,
                        group_id: group.id,
                        group_name: group.name.clone(),
                        group_position: group.position,
                        position: field.position,
                        is_required: field.is_required,
                        is_filter: field.is_filter,
                        is_stock_keeping_unit: field.is_stock_keeping_unit,
                        inherited_from: origin.clone(),
                        values: values
                            .iter()
                            .map(|v| EffectiveValue {
                                id: v.id,
                                name: v.name.clone(),
                                position: v.position,
                            })
                            .collect(),
                    });
                }
            }
        }
        out
    }

    /// The effective specifications of an existing category.
    pub fn effective_specifications(&self, id: CategoryId) -> EffectiveSpecifications {
        let path = self.path(id);
        let (sku_fields, product_fields) = self
            .fields_along(&path)
            .into_iter()
            .partition(|f| f.is_stock_keeping_unit);
        EffectiveSpecifications {
            category_id: id,
            name: self
                .category
                .get(&id)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            path: path
                .iter()
                .filter_map(|c| self.category.get(c))
                .map(|c| PathEntry {
                    id: c.id,
                    name: c.name.clone(),
                    is_active: c.is_active,
                })
                .collect(),
            is_leaf: self.is_leaf(id),
            product_fields,
            sku_fields,
        }
    }

    fn node(&self, id: CategoryId, level: u32) -> CategoryNode {
        let c = self.category[&id];
        CategoryNode {
            id,
            name: c.name.clone(),
            is_active: c.is_active,
            level,
            is_leaf: self.is_leaf(id),
            children: self
                .children(id)
                .into_iter()
                .map(|child| self.node(child, level + 1))
                .collect(),
        }
    }

    /// Departments by ascending id, each with its descendants.
    pub fn tree(&self) -> Vec<CategoryNode> {
        let mut departments: Vec<CategoryId> = self
            .snapshot
            .categories
            .iter()
            .filter(|c| c.father_category_id.is_none())
            .map(|c| c.id)
            .collect();
        departments.sort();
        departments.into_iter().map(|d| self.node(d, 1)).collect()
    }

    fn subtree(&self, id: CategoryId) -> Vec<CategoryId> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() {
            out.extend(self.children(out[i]));
            i += 1;
        }
        out.sort();
        out
    }

    fn height(&self, id: CategoryId) -> usize {
        1 + self
            .children(id)
            .into_iter()
            .map(|c| self.height(c))
            .max()
            .unwrap_or(0)
    }

    /// What moving `id` under `new_father` changes: fields inherited from above the category
    /// (root level and ancestors) before and after, compared by field id. Errors are codes.
    pub fn move_impact(
        &self,
        id: CategoryId,
        new_father: Option<CategoryId>,
    ) -> Result<MoveImpact, &'static str> {
        if !self.contains(id) || new_father.is_some_and(|f| !self.contains(f)) {
            return Err("CATEGORY_NOT_FOUND");
        }
        let subtree = self.subtree(id);
        if new_father.is_some_and(|f| subtree.contains(&f)) {
            return Err("CATEGORY_CYCLE");
        }
        let new_level = new_father.map_or(0, |f| self.path(f).len()) + 1;
        if new_level - 1 + self.height(id) > MAX_DEPTH {
            return Err("CATEGORY_TOO_DEEP");
        }
        let from_above = |model: &Model<'_>| -> Vec<EffectiveField> {
            let mut fields = model.effective_specifications(id);
            fields.product_fields.append(&mut fields.sku_fields);
            fields
                .product_fields
                .retain(|f| f.inherited_from.category_id != Some(id));
            fields.product_fields
        };
        let before = from_above(self);
        let mut moved = self.snapshot.clone();
        for c in &mut moved.categories {
            if c.id == id {
                c.father_category_id = new_father;
            }
        }
        let after = from_above(&Model::new(&moved));
        let minus =
            |a: &[EffectiveField], b: &[EffectiveField], sku: bool| -> Vec<EffectiveField> {
                let in_b: BTreeSet<FieldId> = b.iter().map(|f| f.field_id).collect();
                a.iter()
                    .filter(|f| f.is_stock_keeping_unit == sku && !in_b.contains(&f.field_id))
                    .cloned()
                    .collect()
            };
        // `before` and `after` hold product fields first, then SKU fields: the split keeps
        // each list in visibility order.
        Ok(MoveImpact {
            category_id: id,
            from_father_category_id: self.category[&id].father_category_id,
            to_father_category_id: new_father,
            affected_category_ids: subtree,
            product_fields_gained: minus(&after, &before, false),
            product_fields_lost: minus(&before, &after, false),
            sku_fields_gained: minus(&after, &before, true),
            sku_fields_lost: minus(&before, &after, true),
        })
    }
}
