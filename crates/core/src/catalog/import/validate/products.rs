//! Products: identity (refId), name and title, category and brand, trade policies,
//! specifications, then their SKUs.

use super::rules::{differing_fields, fold, name_ok};
use super::{C, Change, PendingKit, RProduct, RProductSpec, RSku, SEC_PRODUCTS, Target, V, bump};
use crate::catalog::import::batch::ProductInput;
use crate::catalog::import::model::*;
use crate::ids::{CategoryId, FieldId, FieldValueId};
use std::collections::{BTreeMap, BTreeSet};

/// The SKU keys the batch already used, to find duplicates.
#[derive(Default)]
pub(super) struct SeenSkus {
    pub refs: BTreeSet<String>,
    pub eans: BTreeSet<String>,
}

/// A product specification as stored: (text, sorted values).
type ProductSpecValue = (Option<String>, Vec<FieldValueId>);

impl<'a> V<'a> {
    pub(super) fn products(&mut self) {
        self.index_catalog_products();
        let policies = self.policies();
        let mut seen_refs = BTreeSet::new();
        let mut seen_skus = SeenSkus::default();
        let mut pending_kits: Vec<PendingKit> = Vec::new();
        for (pi, p) in self.batch.products.iter().enumerate() {
            let path = format!("products[{pi}]");
            let (ref_id, existing) = self.product_identity(pi, &path, p, &mut seen_refs);
            let category = self.product_category(pi, &path, p);
            let brand = self.product_brand(pi, &path, p);
            let id = match existing {
                Some(e) => e.id,
                None => ProductId(bump(&mut self.next.product)),
            };
            let tps = self.trade_policies(
                pi,
                &path,
                &p.trade_policies,
                id,
                existing.is_some(),
                &policies,
            );
            let patch = product_patch(p, &ref_id, category, brand);
            let (change, is_active_after) = match existing {
                Some(e) => {
                    let after = merge_for_put(e, &patch);
                    let detail = differing_fields(e, &after);
                    let what = format!("product \"{ref_id}\"");
                    let change =
                        self.change_for(after != *e, SEC_PRODUCTS, pi, &path, &what, &detail);
                    (change, after.is_active)
                }
                None => (Change::Create, p.is_active.unwrap_or(true)),
            };
            let specs = match category {
                Some(cat) => self.product_specs(pi, &path, p, existing, cat),
                None => Vec::new(),
            };
            let skus = self.product_skus(
                pi,
                &path,
                p,
                existing,
                id,
                category,
                &mut seen_skus,
                &mut pending_kits,
            );
            if let (Some(category), Some(brand)) = (category, brand) {
                self.products.push(RProduct {
                    path,
                    key: ref_id,
                    id,
                    change,
                    patch,
                    category,
                    brand,
                    is_active_after,
                    trade_policies: tps,
                    specs,
                    skus,
                });
            }
        }
        self.kits(pending_kits);
    }

    /// The catalog's products and SKUs by refId and EAN (the lowest id wins).
    fn index_catalog_products(&mut self) {
        let state = self.state;
        let mut products: Vec<&Product> = state.products.iter().collect();
        products.sort_by_key(|p| p.id);
        for p in products {
            if let Some(r) = p.ref_id.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                self.product_by_ref.entry(r).or_insert(p);
            }
        }
        let mut skus: Vec<&Sku> = state.skus.iter().collect();
        skus.sort_by_key(|s| s.id);
        for s in skus {
            if let Some(r) = s.ref_id.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                self.sku_by_ref.entry(r).or_insert(s);
            }
            if let Some(e) = s.ean.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                self.sku_by_ean.entry(e).or_insert(s);
            }
        }
    }

    /// The trimmed refId and the catalog's product with it (when the refId is usable); checks
    /// the refId, name and title.
    fn product_identity(
        &mut self,
        pi: usize,
        path: &str,
        p: &ProductInput,
        seen_refs: &mut BTreeSet<String>,
    ) -> (String, Option<&'a Product>) {
        let ref_id = p.ref_id.trim().to_owned();
        let mut ok_identity = true;
        let rpath = format!("{path}.refId");
        if ref_id.is_empty() {
            let message = "a product needs a refId: it is how the import finds it again";
            self.fail_product(pi, rpath, C::ProductRefIdMissing, message);
            ok_identity = false;
        } else if ref_id.chars().count() > MAX_PRODUCT_REF_ID {
            let message = format!(
                "refId has {} characters; at most {MAX_PRODUCT_REF_ID}",
                ref_id.chars().count()
            );
            self.fail_product(pi, rpath, C::ProductRefIdTooLong, message);
        } else if !seen_refs.insert(ref_id.clone()) {
            let message = format!("product refId \"{ref_id}\" appears more than once");
            self.fail_product(pi, rpath, C::ProductRefIdDuplicate, message);
            ok_identity = false;
        }
        if !name_ok(&p.name, MAX_PRODUCT_NAME) {
            let message =
                format!("a product name must be 1 to {MAX_PRODUCT_NAME} characters after trimming");
            self.fail_product(pi, format!("{path}.name"), C::ProductNameInvalid, message);
        }
        if let Some(t) = &p.title
            && t.chars().count() > MAX_PRODUCT_TITLE
        {
            let message = format!(
                "title has {} characters; at most {MAX_PRODUCT_TITLE}",
                t.chars().count()
            );
            self.fail_product(pi, format!("{path}.title"), C::ProductTitleTooLong, message);
        }
        let existing = if ok_identity {
            self.product_by_ref.get(ref_id.as_str()).copied()
        } else {
            None
        };
        (ref_id, existing)
    }

    /// The product's leaf category (or the placeholder department).
    fn product_category(&mut self, pi: usize, path: &str, p: &ProductInput) -> Option<CategoryId> {
        let cpath = format!("{path}.category");
        let category = match &p.category {
            Some(r) => self
                .resolve_category(SEC_PRODUCTS, pi, &cpath, r)
                .ok()
                .flatten(),
            None if self.options.use_placeholders => self.placeholder_category,
            None => {
                let message = "a product needs a category (or turn on placeholders)";
                self.fail_product(pi, cpath, C::ProductCategoryMissing, message);
                return None;
            }
        };
        if let Some(c) = category
            && !self.merged.is_leaf(c)
        {
            let name = self
                .merged
                .category(c)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let message = format!(
                "category \"{name}\" has subcategories; products must sit in a leaf category"
            );
            self.fail_product(pi, cpath, C::ProductCategoryNotLeaf, message);
        }
        category
    }

    /// The product's brand (or the placeholder brand).
    fn product_brand(&mut self, pi: usize, path: &str, p: &ProductInput) -> Option<BrandId> {
        let bpath = format!("{path}.brand");
        match &p.brand {
            Some(b) => {
                let found = self.brand_by_name.get(&fold(b)).copied();
                if found.is_none() {
                    let message = format!(
                        "brand \"{}\" is neither in the batch nor in the catalog",
                        b.trim()
                    );
                    self.fail_product(pi, bpath, C::BrandNotFound, message);
                }
                found
            }
            None if self.options.use_placeholders => self.placeholder_brand,
            None => {
                let message = "a product needs a brand (or turn on placeholders)";
                self.fail_product(pi, bpath, C::ProductBrandMissing, message);
                None
            }
        }
    }

    /// The product's specifications in category `cat`, against the `existing` product's.
    fn product_specs(
        &mut self,
        pi: usize,
        path: &str,
        p: &ProductInput,
        existing: Option<&Product>,
        cat: CategoryId,
    ) -> Vec<RProductSpec> {
        let mut current: BTreeMap<FieldId, ProductSpecValue> = BTreeMap::new();
        if let Some(e) = existing {
            for s in self
                .state
                .product_specifications
                .iter()
                .filter(|s| s.product_id == e.id)
            {
                let entry = current.entry(s.field_id).or_default();
                if let Some(v) = s.field_value_id {
                    entry.1.push(v);
                } else if s.text.is_some() {
                    entry.0 = s.text.clone();
                }
            }
            for v in current.values_mut() {
                v.1.sort();
            }
        }
        let specs = &p.specifications;
        let (list, _) = self.spec_list(pi, path, Target::Product, cat, specs, &current, |t, v| {
            Some((t, v))
        });
        list.into_iter()
            .map(|(path, field, (text, values), change)| RProductSpec {
                path,
                field,
                text,
                values,
                change,
            })
            .collect()
    }

    /// The product's SKUs; their kit components wait in `pending_kits` for every SKU id.
    #[allow(clippy::too_many_arguments)]
    fn product_skus(
        &mut self,
        pi: usize,
        path: &str,
        p: &ProductInput,
        existing: Option<&Product>,
        id: ProductId,
        category: Option<CategoryId>,
        seen: &mut SeenSkus,
        pending_kits: &mut Vec<PendingKit>,
    ) -> Vec<RSku> {
        let mut rskus = Vec::new();
        for (si, s) in p.skus.iter().enumerate() {
            let spath = format!("{path}.skus[{si}]");
            let r = self.sku(pi, &spath, s, existing, id, category, seen);
            if !s.kit_components.is_empty() {
                let comps = s
                    .kit_components
                    .iter()
                    .enumerate()
                    .map(|(ki, k)| {
                        let kpath = format!("{spath}.kitComponents[{ki}]");
                        (k.sku_ref_id.trim().to_owned(), k.quantity, kpath)
                    })
                    .collect();
                let index = if r.is_some() { rskus.len() } else { usize::MAX };
                pending_kits.push((pi, index, si, comps));
            }
            if let Some(r) = r {
                rskus.push(r);
            }
        }
        rskus
    }
}

fn product_patch(
    p: &ProductInput,
    ref_id: &str,
    category: Option<CategoryId>,
    brand: Option<BrandId>,
) -> ProductPatch {
    ProductPatch {
        name: Some(p.name.trim().to_owned()),
        category_id: category,
        brand_id: brand,
        ref_id: Some(ref_id.to_owned()),
        link_id: p.link_id.clone(),
        title: p.title.clone(),
        description: p.description.clone(),
        description_short: p.description_short.clone(),
        key_words: p.key_words.clone(),
        meta_tag_description: p.meta_tag_description.clone(),
        tax_code: p.tax_code.clone(),
        release_date: p.release_date.clone(),
        score: p.score,
        is_visible: p.is_visible,
        is_active: p.is_active,
        show_without_stock: p.show_without_stock,
    }
}
