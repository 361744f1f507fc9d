//! What the service must read from VTEX before planning a batch ([`import_reads`]).
//!
//! The planner needs the part of the catalog a batch touches, never the whole catalog. The
//! service reads it in rounds, asking this function after each what is still needed; it only
//! performs the reads and converts VTEX's answers into a [`CatalogState`]:
//!
//! 1. The category tree and the brand list go into `current` (always read: entities are
//!    matched by name within their parent, and VTEX has no search by name). The answer names
//!    the products to look up by RefId, the SKUs by RefId and by EAN, and the brands to read in
//!    full (the list lacks `LinkId`).
//! 2. The products and SKUs found go into `current`, each with what hangs on it (trade
//!    policies, specifications, EANs, images, kit components). The answer names the categories
//!    those products sit in that the tree lacked (an inactive placeholder is not in the tree);
//!    read each, add it and ask again until nothing new is asked.
//! 3. The answer's `specificationCategories`: the groups of each and the fields visible at
//!    each go into `current`; then `missingGroups` (the groups of those fields `current`
//!    lacks); then `outsideGroups`/`outsideFields` are left out of the state and the values of
//!    `fieldsWithValues` read.
//!
//! Names are compared folded (trimmed, lowercase), as the planner compares them.

use super::batch::{CategoryInput, CategoryRef, ImportBatch};
use super::model::{BrandId, CatalogState};
use super::validate::fold;
use crate::catalog::{FieldType, MAX_DEPTH};
use crate::ids::{CategoryId, FieldId, GroupId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Input of [`import_reads`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReadsRequest {
    pub batch: ImportBatch,
    /// What has been read so far (lists not read yet are empty).
    #[serde(default)]
    pub current: CatalogState,
}

/// How to look a batch SKU up in VTEX.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SkuLookup {
    RefId {
        ref_id: String,
    },
    /// Also asked when the SKU has a RefId: the planner refuses an EAN that another SKU of
    /// the catalog holds, so that SKU must be read too.
    Ean {
        ean: String,
    },
}

/// What is still to be read, given the batch and what `current` holds. Every list is in a
/// stable order without repetitions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReads {
    /// The batch products' RefIds: look each product up (`GET .../product?refId=`).
    pub product_ref_ids: Vec<String>,
    /// The batch SKUs to look up: by RefId and by EAN, each it has (an SKU with neither is
    /// new), and the RefIds its kit components name. The two keys may find different SKUs:
    /// both are read.
    pub skus: Vec<SkuLookup>,
    /// The brands of `current` the batch names (its brands and its products' brands): read
    /// each in full.
    pub brand_ids: Vec<BrandId>,
    /// The categories the products of `current` sit in, or above them, that `current` lacks:
    /// read each (`GET .../category/{id}`), add it, ask again.
    pub missing_categories: Vec<CategoryId>,
    /// The categories whose specification groups and visible fields the plan needs: those of
    /// `current` on a path the batch names (its categories, its groups' and products'
    /// category references) and those the products of `current` sit in, with their
    /// ancestors; when that names none and the batch has products or groups, the first
    /// department of `current` (for the root-level fields). Ascending.
    pub specification_categories: Vec<CategoryId>,
    /// The groups the fields of `current` belong to that `current` lacks: read each.
    pub missing_groups: Vec<GroupId>,
    /// Groups of `current` on a category `current` lacks: they cannot apply to the batch;
    /// leave them out of the state.
    pub outside_groups: Vec<GroupId>,
    /// Fields of `current` whose group is missing or outside: leave them out of the state.
    pub outside_fields: Vec<FieldId>,
    /// The fields of `current` (in a group that applies) whose values are chosen from a list:
    /// read their values.
    pub fields_with_values: Vec<FieldId>,
}

/// Decides what must still be read from VTEX to plan `batch` (see the module's rounds).
pub fn import_reads(req: &ImportReadsRequest) -> ImportReads {
    let (batch, current) = (&req.batch, &req.current);
    let mut reads = ImportReads {
        product_ref_ids: unique(batch.products.iter().map(|p| p.ref_id.clone())),
        skus: unique(batch.products.iter().flat_map(|p| &p.skus).flat_map(|s| {
            let by_ref = s.ref_id.as_ref().filter(|r| !r.is_empty());
            let by_ean = s.ean.as_ref().filter(|e| !e.is_empty());
            let components = s.kit_components.iter().map(|c| &c.sku_ref_id);
            by_ref
                .into_iter()
                .chain(components)
                .map(|r| SkuLookup::RefId { ref_id: r.clone() })
                .chain(by_ean.map(|e| SkuLookup::Ean { ean: e.clone() }))
                .collect::<Vec<_>>()
        })),
        ..ImportReads::default()
    };

    let named: BTreeSet<String> = batch
        .brands
        .iter()
        .map(|b| fold(&b.name))
        .chain(
            batch
                .products
                .iter()
                .filter_map(|p| p.brand.as_deref().map(fold)),
        )
        .collect();
    reads.brand_ids = unique(
        current
            .brands
            .iter()
            .filter(|b| named.contains(&fold(&b.name)))
            .map(|b| b.id),
    );

    let tree = Tree::new(current);
    reads.missing_categories = unique(
        current
            .products
            .iter()
            .filter_map(|p| tree.first_missing(p.category_id)),
    );
    reads.specification_categories = specification_categories(batch, current, &tree);

    let groups: BTreeMap<GroupId, Option<CategoryId>> = current
        .catalog
        .groups
        .iter()
        .map(|g| (g.id, g.category_id))
        .collect();
    let fields = &current.catalog.fields;
    reads.missing_groups = unique(
        fields
            .iter()
            .map(|f| f.field_group_id)
            .filter(|g| !groups.contains_key(g)),
    );
    let outside: BTreeSet<GroupId> = groups
        .iter()
        .filter(|(_, c)| c.is_some_and(|c| !tree.has(c)))
        .map(|(g, _)| *g)
        .collect();
    let applies = |g: &GroupId| groups.contains_key(g) && !outside.contains(g);
    reads.outside_groups = outside.iter().copied().collect();
    reads.outside_fields = unique(
        fields
            .iter()
            .filter(|f| !applies(&f.field_group_id))
            .map(|f| f.id),
    );
    reads.fields_with_values = unique(
        fields
            .iter()
            .filter(|f| applies(&f.field_group_id))
            .filter(|f| FieldType::from_id(f.field_type_id).is_some_and(FieldType::has_values))
            .map(|f| f.id),
    );
    reads
}

/// The items in first-seen order, each once.
fn unique<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = BTreeSet::new();
    items
        .into_iter()
        .filter(|x| seen.insert(x.clone()))
        .collect()
}

/// The categories of `current` by id (the last of a repeated id wins; the planner refuses
/// the repetition).
struct Tree<'c> {
    by_id: BTreeMap<CategoryId, (&'c str, Option<CategoryId>)>,
}

impl<'c> Tree<'c> {
    fn new(current: &'c CatalogState) -> Self {
        let mut by_id = BTreeMap::new();
        for c in &current.catalog.categories {
            by_id.insert(c.id, (c.name.as_str(), c.father_category_id));
        }
        Tree { by_id }
    }

    fn has(&self, id: CategoryId) -> bool {
        self.by_id.contains_key(&id)
    }

    fn father(&self, id: CategoryId) -> Option<CategoryId> {
        self.by_id.get(&id).and_then(|c| c.1)
    }

    /// Going up from `id`, the first category `current` lacks (at most [`MAX_DEPTH`] levels
    /// above `id`, so a cycle ends).
    fn first_missing(&self, id: CategoryId) -> Option<CategoryId> {
        let mut cursor = Some(id);
        for _ in 0..=MAX_DEPTH {
            let c = cursor?;
            if !self.has(c) {
                return Some(c);
            }
            cursor = self.father(c);
        }
        None
    }

    /// The folded names from the department down to `id`, as far as `current` knows them.
    fn folded_path(&self, id: CategoryId) -> Vec<String> {
        let mut names = Vec::new();
        let mut seen = BTreeSet::new();
        let mut cursor = Some(id);
        while let Some(c) = cursor.filter(|c| seen.insert(*c)) {
            let Some((name, father)) = self.by_id.get(&c) else {
                break;
            };
            names.push(fold(name));
            cursor = *father;
        }
        names.reverse();
        names
    }
}

/// The folded paths a batch names through its category references and categories.
struct BatchPaths<'b> {
    by_key: BTreeMap<&'b str, &'b CategoryInput>,
}

impl<'b> BatchPaths<'b> {
    fn new(batch: &'b ImportBatch) -> Self {
        let mut by_key = BTreeMap::new();
        for c in &batch.categories {
            if let Some(k) = c.key.as_deref().filter(|k| !k.is_empty()) {
                // The last category with a key wins (the validator reports the repetition).
                by_key.insert(k, c);
            }
        }
        BatchPaths { by_key }
    }

    /// The folded path of a batch category: its parent's, then its name. A cycle of keys
    /// contributes nothing beyond the category found twice.
    fn of_category(
        &self,
        c: &'b CategoryInput,
        resolving: &mut Vec<&'b CategoryInput>,
    ) -> Vec<String> {
        if resolving.iter().any(|r| std::ptr::eq(*r, c)) {
            return Vec::new();
        }
        resolving.push(c);
        let mut path = c
            .parent
            .as_ref()
            .map(|p| self.of_ref(p, resolving))
            .unwrap_or_default();
        resolving.pop();
        path.push(fold(&c.name));
        path
    }

    fn of_ref(&self, r: &'b CategoryRef, resolving: &mut Vec<&'b CategoryInput>) -> Vec<String> {
        if let Some(path) = &r.path {
            return path.iter().map(|n| fold(n)).collect();
        }
        match r.key.as_deref().and_then(|k| self.by_key.get(k)) {
            Some(c) => self.of_category(c, resolving),
            None => Vec::new(),
        }
    }
}

fn specification_categories(
    batch: &ImportBatch,
    current: &CatalogState,
    tree: &Tree,
) -> Vec<CategoryId> {
    let paths = BatchPaths::new(batch);
    let mut wanted: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut want = |path: Vec<String>| {
        for i in 1..=path.len() {
            wanted.insert(path[..i].to_vec());
        }
    };
    let mut resolving = Vec::new();
    for c in &batch.categories {
        want(paths.of_category(c, &mut resolving));
    }
    let refs = batch
        .specification_groups
        .iter()
        .filter_map(|g| g.category.as_ref())
        .chain(batch.products.iter().filter_map(|p| p.category.as_ref()));
    for r in refs {
        want(paths.of_ref(r, &mut resolving));
    }

    let mut out: BTreeSet<CategoryId> = tree
        .by_id
        .keys()
        .copied()
        .filter(|id| wanted.contains(&tree.folded_path(*id)))
        .collect();
    for p in &current.products {
        let mut cursor = Some(p.category_id);
        while let Some(c) = cursor.filter(|c| tree.has(*c) && !out.contains(c)) {
            out.insert(c);
            cursor = tree.father(c);
        }
    }
    // The root-level fields are listed only as visible at some category: when the batch names
    // no existing one, a department stands in (the one with the lowest id), so that a batch
    // using a root-level field in new categories finds it.
    let uses_fields = !batch.products.is_empty() || !batch.specification_groups.is_empty();
    if out.is_empty()
        && uses_fields
        && let Some(department) = tree
            .by_id
            .keys()
            .copied()
            .find(|c| tree.father(*c).is_none())
    {
        out.insert(department);
    }
    out.into_iter().collect()
}

#[cfg(test)]
#[path = "reads_tests.rs"]
mod tests;
