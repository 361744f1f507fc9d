//! Reads the part of the VTEX catalog a field needs into a [`CatalogSnapshot`], the way
//! `node/catalog/reads.ts` does for the Node service: the same calls, the same order of
//! decisions, the same things left out. The core then decides everything (not found, cycles,
//! inheritance); a category VTEX answers 404 for is absent, so the core reports it.

use std::collections::{BTreeMap, BTreeSet};

use ponte_core::catalog::{
    CatalogSnapshot, Category, MAX_DEPTH, SpecificationField, SpecificationGroup,
    SpecificationValue,
};
use ponte_core::ids::{CategoryId, FieldId, FieldValueId, GroupId};

use crate::vtex::{Vtex, VtexCategory, VtexError, VtexTreeNode};

/// `extensions.code` of a VTEX call that failed (Node's `VTEX_REQUEST_FAILED`).
pub const VTEX_REQUEST_FAILED: &str = "VTEX_REQUEST_FAILED";
/// `extensions.code` of a chain deeper than the core accepts (Node's `CATEGORY_TOO_DEEP`).
pub const CATEGORY_TOO_DEEP: &str = "CATEGORY_TOO_DEEP";

/// FieldTypeIds whose values are chosen from a list: Combo, Radio, Checkbox.
const TYPES_WITH_VALUES: [i32; 3] = [5, 6, 7];

/// Entities read so far, by id; the first copy read wins. Categories keep the order they
/// were read in (the snapshot's order does not change any answer, but Node keeps it too).
#[derive(Debug, Default)]
pub struct SnapshotBuilder {
    categories: Vec<Category>,
    category_ids: BTreeSet<u32>,
    groups: BTreeMap<u32, SpecificationGroup>,
    fields: BTreeMap<u32, SpecificationField>,
    values: BTreeMap<u32, SpecificationValue>,
}

impl SnapshotBuilder {
    fn add_category(&mut self, c: Category) {
        if self.category_ids.insert(c.id.0) {
            self.categories.push(c);
        }
    }

    fn category(&self, id: u32) -> Option<&Category> {
        self.categories.iter().find(|c| c.id.0 == id)
    }

    pub fn has_category(&self, id: u32) -> bool {
        self.category_ids.contains(&id)
    }

    pub fn snapshot(&self) -> CatalogSnapshot {
        CatalogSnapshot {
            categories: self.categories.clone(),
            groups: self.groups.values().cloned().collect(),
            fields: self.fields.values().cloned().collect(),
            values: self.values.values().cloned().collect(),
        }
    }
}

/// A failed read, as the Node service words it.
pub(crate) fn failed(what: &str, error: &VtexError) -> async_graphql::Error {
    crate::coded_error(
        VTEX_REQUEST_FAILED,
        format!("reading {what} from the VTEX Catalog failed: {error}"),
    )
}

type Result<T> = std::result::Result<T, async_graphql::Error>;

fn to_category(c: VtexCategory) -> Category {
    Category {
        id: CategoryId(c.id),
        name: c.name,
        father_category_id: c.father_category_id.map(CategoryId),
        is_active: c.is_active,
        has_children: c.has_children,
    }
}

/// Reads `id` and its ancestors (walking `FatherCategoryId`); stops at a category already read,
/// so a cycle in VTEX's data ends the walk and the core reports it.
pub async fn read_chain(src: &Vtex, id: u32, into: &mut SnapshotBuilder) -> Result<()> {
    let mut cursor = Some(id);
    let mut read = 0usize;
    while let Some(current) = cursor.filter(|c| !into.has_category(*c)) {
        if read > MAX_DEPTH {
            return Err(crate::coded_error(
                CATEGORY_TOO_DEEP,
                format!(
                    "category {id} sits more than {MAX_DEPTH} levels deep; at most {MAX_DEPTH} levels are supported"
                ),
            ));
        }
        let Some(vtex) = src
            .category(current)
            .await
            .map_err(|e| failed(&format!("category {current}"), &e))?
        else {
            return Ok(());
        };
        cursor = vtex.father_category_id;
        into.add_category(to_category(vtex));
        read += 1;
    }
    Ok(())
}

/// The ids from the department down to `id`, as far as they were read.
pub fn path_ids(id: u32, from: &SnapshotBuilder) -> Vec<u32> {
    let mut path = Vec::new();
    let mut seen = BTreeSet::new();
    let mut cursor = Some(id);
    while let Some(current) = cursor {
        let Some(category) = from.category(current) else {
            break;
        };
        if !seen.insert(current) {
            break;
        }
        path.push(current);
        cursor = category.father_category_id.map(|c| c.0);
    }
    path.reverse();
    path
}

/// The active specification fields visible at the given categories (each asked separately),
/// with their groups and values.
pub async fn read_specifications(
    src: &Vtex,
    category_ids: &[u32],
    into: &mut SnapshotBuilder,
) -> Result<()> {
    let mut field_ids = Vec::new();
    for &id in category_ids {
        let list = src
            .fields_visible_at(id)
            .await
            .map_err(|e| failed(&format!("specification fields of category {id}"), &e))?;
        for f in list.into_iter().filter(|f| f.is_active) {
            if !field_ids.contains(&f.field_id) && !into.fields.contains_key(&f.field_id) {
                field_ids.push(f.field_id);
            }
        }
    }
    let mut fields = Vec::new();
    for id in field_ids {
        let field = src
            .field(id)
            .await
            .map_err(|e| failed(&format!("specification field {id}"), &e))?;
        fields.extend(field.filter(|f| f.is_active));
    }

    let mut group_ids: Vec<u32> = Vec::new();
    for f in &fields {
        if !group_ids.contains(&f.field_group_id) && !into.groups.contains_key(&f.field_group_id) {
            group_ids.push(f.field_group_id);
        }
    }
    for id in group_ids {
        let group = src
            .group(id)
            .await
            .map_err(|e| failed(&format!("specification group {id}"), &e))?;
        // A group on a category outside what was read cannot apply here: left out.
        if let Some(g) = group.filter(|g| g.category_id.is_none_or(|c| into.has_category(c))) {
            into.groups.insert(
                g.id,
                SpecificationGroup {
                    id: GroupId(g.id),
                    category_id: g.category_id.map(CategoryId),
                    name: g.name,
                    position: g.position.unwrap_or(0),
                },
            );
        }
    }

    let visible: Vec<_> = fields
        .into_iter()
        .filter(|f| into.groups.contains_key(&f.field_group_id))
        .collect();
    for f in &visible {
        // The field's scope is its group's (see toField in node/clients/catalog.ts).
        into.fields.insert(
            f.field_id,
            SpecificationField {
                id: FieldId(f.field_id),
                name: f.name.clone(),
                field_type_id: f.field_type_id,
                field_group_id: GroupId(f.field_group_id),
                category_id: None,
                position: f.position.unwrap_or(0),
                is_required: f.is_required,
                is_active: f.is_active,
                is_filter: f.is_filter,
                is_stock_keeping_unit: f.is_stock_keeping_unit,
            },
        );
    }
    for f in visible
        .iter()
        .filter(|f| TYPES_WITH_VALUES.contains(&f.field_type_id))
    {
        let values = src
            .field_values(f.field_id)
            .await
            .map_err(|e| failed(&format!("values of specification field {}", f.field_id), &e))?;
        for v in values {
            into.values.insert(
                v.field_value_id,
                SpecificationValue {
                    id: FieldValueId(v.field_value_id),
                    field_id: FieldId(f.field_id),
                    name: v.value,
                    is_active: v.is_active,
                    position: v.position.unwrap_or(0),
                },
            );
        }
    }
    Ok(())
}

/// The whole category tree, as deep as the core accepts. The public tree lists what the
/// storefront shows, so every category in it is active.
pub async fn read_tree(src: &Vtex) -> Result<Vec<Category>> {
    fn visit(node: VtexTreeNode, father: Option<u32>, out: &mut Vec<Category>) {
        out.push(Category {
            id: CategoryId(node.id),
            name: node.name,
            father_category_id: father.map(CategoryId),
            is_active: true,
            has_children: Some(node.has_children),
        });
        for child in node.children {
            visit(child, Some(node.id), out);
        }
    }
    let nodes = src
        .category_tree(MAX_DEPTH)
        .await
        .map_err(|e| failed("category tree", &e))?;
    let mut out = Vec::new();
    for node in nodes {
        visit(node, None, &mut out);
    }
    Ok(out)
}

/// What `category(id)` needs: the category and its ancestors from the public category tree
/// (a public field reads public data only: VTEX's tree lists active categories under active
/// fathers, so an inactive one is not found), then the fields visible along its path.
pub async fn read_category(src: &Vtex, id: u32) -> Result<SnapshotBuilder> {
    let mut builder = SnapshotBuilder::default();
    let tree: std::collections::BTreeMap<u32, Category> = read_tree(src)
        .await?
        .into_iter()
        .map(|c| (c.id.0, c))
        .collect();
    let mut cursor = Some(id);
    while let Some(c) = cursor
        .and_then(|c| tree.get(&c))
        .filter(|c| !builder.has_category(c.id.0))
    {
        cursor = c.father_category_id.map(|f| f.0);
        builder.add_category(c.clone());
    }
    let path = path_ids(id, &builder);
    read_specifications(src, &path, &mut builder).await?;
    Ok(builder)
}

/// What `categoryMoveImpact` needs: the category's chain and subtree, the new father's chain,
/// and the fields visible along both paths.
pub async fn read_move(src: &Vtex, id: u32, new_father: Option<u32>) -> Result<SnapshotBuilder> {
    let mut builder = SnapshotBuilder::default();
    read_chain(src, id, &mut builder).await?;
    if !builder.has_category(id) {
        return Ok(builder);
    }
    if let Some(father) = new_father {
        read_chain(src, father, &mut builder).await?;
    }
    // The subtree comes from the tree (VTEX has no "children of"); categories already read
    // keep their pvt copy.
    let tree = read_tree(src).await?;
    let below = descendants(id, &tree);
    for c in tree {
        if below.contains(&c.id.0) {
            builder.add_category(c);
        }
    }
    let mut paths = path_ids(id, &builder);
    if let Some(father) = new_father {
        for p in path_ids(father, &builder) {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
    }
    read_specifications(src, &paths, &mut builder).await?;
    Ok(builder)
}

fn descendants(id: u32, tree: &[Category]) -> BTreeSet<u32> {
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for c in tree {
        if let Some(father) = c.father_category_id {
            children.entry(father.0).or_default().push(c.id.0);
        }
    }
    let mut out = BTreeSet::new();
    let mut stack = children.get(&id).cloned().unwrap_or_default();
    while let Some(next) = stack.pop() {
        if next == id || !out.insert(next) {
            continue;
        }
        stack.extend(children.get(&next).cloned().unwrap_or_default());
    }
    out
}
