//! Reading what the core's `import_reads` asks for is enough: on generated worlds, a state read
//! round by round the way the service reads VTEX (node/import/read.ts), from a full catalog
//! standing in for VTEX, plans the batch exactly as the full catalog does (the same plan, or
//! the same errors). Two gaps of the read strategy (not of the decision) are kept out: VTEX's
//! tree hides inactive categories, and groups are listed per category.

use ponte_core::catalog::import::{
    CatalogState, ImportBatch, ImportError, ImportErrorCode, ImportReads, ImportReadsRequest,
    SkuLookup, import_reads, plan,
};
use ponte_core::ids::CategoryId;
use ponte_harness::cases;
use ponte_harness::import_generate::{break_batch, knobs, world};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// What VTEX answers, from the full catalog.
struct Vtex<'a>(&'a CatalogState);

impl Vtex<'_> {
    /// The department down to `id`.
    fn category_path(&self, id: CategoryId) -> Vec<CategoryId> {
        let cats = &self.0.catalog.categories;
        let mut path = Vec::new();
        let mut cursor = Some(id);
        while let Some(c) = cursor.filter(|c| !path.contains(c)) {
            path.push(c);
            cursor = cats
                .iter()
                .find(|x| x.id == c)
                .and_then(|x| x.father_category_id);
        }
        path.reverse();
        path
    }
    /// VTEX's tree lists only active categories under active fathers, so the service cannot
    /// see an inactive category the batch names (it would plan to create it again: a gap of
    /// the read strategy, not of this decision). Here the tree lists every category but the
    /// ones the batch's existing products sit in, which the service finds through
    /// `missingCategories`.
    fn tree(&self, batch: &ImportBatch) -> Vec<ponte_core::catalog::Category> {
        let named: BTreeSet<&str> = batch.products.iter().map(|p| p.ref_id.as_str()).collect();
        let held: BTreeSet<CategoryId> = self
            .0
            .products
            .iter()
            .filter(|p| p.ref_id.as_deref().is_some_and(|r| named.contains(r)))
            .map(|p| p.category_id)
            .collect();
        let cats = &self.0.catalog.categories;
        cats.iter()
            .filter(|c| !held.contains(&c.id))
            .cloned()
            .collect()
    }
}

/// Copies of the rows `hit` picks.
fn rows_where<'a, T: Clone + 'a>(
    rows: &'a [T],
    hit: impl Fn(&T) -> bool + 'a,
) -> impl Iterator<Item = T> + 'a {
    rows.iter().filter(move |x| hit(x)).cloned()
}

fn read_like_the_service(full: &CatalogState, batch: &ImportBatch) -> CatalogState {
    let vtex = Vtex(full);
    let ask = |s: &CatalogState| -> ImportReads {
        import_reads(&ImportReadsRequest {
            batch: batch.clone(),
            current: s.clone(),
        })
    };
    let mut s = CatalogState::default();
    s.catalog.categories = vtex.tree(batch);
    s.brands = full
        .brands
        .iter()
        .cloned()
        .map(|mut b| {
            b.link_id = None;
            b
        })
        .collect();
    let r = ask(&s);
    for b in &mut s.brands {
        if r.brand_ids.contains(&b.id)
            && let Some(f) = full.brands.iter().find(|f| f.id == b.id)
        {
            *b = f.clone();
        }
    }
    for ref_id in &r.product_ref_ids {
        for p in full
            .products
            .iter()
            .filter(|p| p.ref_id.as_ref() == Some(ref_id))
        {
            s.products.push(p.clone());
            s.product_trade_policies
                .extend(rows_where(&full.product_trade_policies, |t| {
                    t.product_id == p.id
                }));
            s.product_specifications
                .extend(rows_where(&full.product_specifications, |x| {
                    x.product_id == p.id
                }));
        }
    }
    let mut sku_ids = BTreeSet::new();
    for lookup in &r.skus {
        let found = full.skus.iter().find(|k| match lookup {
            SkuLookup::RefId { ref_id } => k.ref_id.as_ref() == Some(ref_id),
            SkuLookup::Ean { ean } => k.ean.as_ref() == Some(ean),
        });
        if let Some(k) = found
            && sku_ids.insert(k.id)
        {
            s.skus.push(k.clone());
            s.sku_specifications
                .extend(rows_where(&full.sku_specifications, |x| x.sku_id == k.id));
            s.sku_images
                .extend(rows_where(&full.sku_images, |x| x.sku_id == k.id));
            if k.is_kit {
                s.kit_components
                    .extend(rows_where(&full.kit_components, |x| x.kit_sku_id == k.id));
            }
        }
    }
    let mut asked = BTreeSet::new();
    loop {
        let missing: Vec<CategoryId> = ask(&s)
            .missing_categories
            .into_iter()
            .filter(|c| asked.insert(*c))
            .collect();
        if missing.is_empty() {
            break;
        }
        for id in missing {
            let found = full.catalog.categories.iter().find(|c| c.id == id);
            s.catalog.categories.extend(found.cloned());
        }
    }
    let r = ask(&s);
    let mut groups = Vec::new();
    let mut field_ids = BTreeSet::new();
    for c in &r.specification_categories {
        let own = full.catalog.groups.iter();
        for g in own.filter(|g| g.category_id == Some(*c)) {
            if !groups
                .iter()
                .any(|x: &ponte_core::catalog::SpecificationGroup| x.id == g.id)
            {
                groups.push(g.clone());
            }
        }
        let scopes: Vec<Option<CategoryId>> = std::iter::once(None)
            .chain(vtex.category_path(*c).into_iter().map(Some))
            .collect();
        for f in &full.catalog.fields {
            let scope = full
                .catalog
                .groups
                .iter()
                .find(|g| g.id == f.field_group_id);
            if scope.is_some_and(|g| scopes.contains(&g.category_id)) {
                field_ids.insert(f.id);
            }
        }
    }
    s.catalog.groups = groups;
    s.catalog.fields = full
        .catalog
        .fields
        .iter()
        .filter(|f| field_ids.contains(&f.id))
        .cloned()
        .collect();
    let mut r = ask(&s);
    if !r.missing_groups.is_empty() {
        let missing = full.catalog.groups.iter();
        s.catalog.groups.extend(
            missing
                .filter(|g| r.missing_groups.contains(&g.id))
                .cloned(),
        );
        r = ask(&s);
    }
    s.catalog
        .groups
        .retain(|g| !r.outside_groups.contains(&g.id));
    s.catalog
        .fields
        .retain(|f| !r.outside_fields.contains(&f.id));
    for f in &r.fields_with_values {
        let values = full.catalog.values.iter();
        s.catalog
            .values
            .extend(values.filter(|v| v.field_id == *f).cloned());
    }
    s
}

/// The one error a read of the touched part cannot tell apart: a field of the catalog that is
/// not visible at the product's category is never read (VTEX lists fields per category and
/// has no search by name), so the plan reports it as not found. The batch is refused either
/// way, at the same path; every other error must be the same, message included.
fn as_read(errors: Vec<ImportError>) -> Vec<(String, ImportErrorCode, Option<String>)> {
    errors
        .into_iter()
        .map(|e| match e.code {
            ImportErrorCode::SpecFieldNotVisible | ImportErrorCode::SpecFieldNotFound => {
                (e.path, ImportErrorCode::SpecFieldNotFound, None)
            }
            code => (e.path, code, Some(e.message)),
        })
        .collect()
}

proptest! {
    // About half the worlds have a root-level batch group and are set aside (below).
    #![proptest_config(ProptestConfig { cases: cases(64), max_global_rejects: 4 * cases(64) + 1024, ..ProptestConfig::default() })]

    #[test]
    fn what_the_core_asks_for_is_enough_to_plan(k in knobs(), breaks in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 0..2)) {
        let mut w = world(k);
        for (kind, a, b) in breaks {
            break_batch(&mut w, kind % 16, a, b);
        }
        // A root-level group of the batch is found only through the fields visible at a
        // category the batch names (VTEX lists groups per category): a gap of the read
        // strategy, reported, left out here.
        prop_assume!(w.batch.specification_groups.iter().all(|g| g.category.is_some()));
        // Root-level fields are listed only as visible at some category: in a catalog with
        // none, they cannot be found (the same gap).
        prop_assume!(!w.current.catalog.categories.is_empty() || w.current.catalog.groups.is_empty());
        let read = read_like_the_service(&w.current, &w.batch);
        let partial = plan(&read, &w.batch, &w.options);
        let whole = plan(&w.current, &w.batch, &w.options);
        match (partial, whole) {
            (Ok(p), Ok(w)) => prop_assert_eq!(p, w),
            (Err(p), Err(w)) => prop_assert_eq!(as_read(p), as_read(w)),
            (p, w) => prop_assert!(false, "partial {p:?}, whole {w:?}"),
        }
    }
}
