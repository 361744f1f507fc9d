//! Validation: resolves every natural key of the batch against the current catalog and the
//! batch itself, checks every rule and collects every error. On success it hands the planner a
//! merged [`Catalog`] (current catalog plus batch, batch entities under provisional ids above the
//! catalog's) and the resolved entities.
//!
//! One file per entity: [`categories`], [`brands`] (and the placeholders),
//! [`specifications`] (groups, fields, values), [`products`] (with [`trade_policies`]),
//! [`skus`] (with [`images`] and [`kits`]); [`spec_values`] checks the specification values
//! products and SKUs give, with one checker for both. Errors are collected per section and
//! batch index, then sorted, so the output order is the batch's whatever the walk's order.

mod brands;
mod categories;
mod images;
mod kits;
mod products;
mod resolved;
mod rules;
mod skus;
mod spec_values;
mod specifications;
mod trade_policies;

pub(super) use resolved::*;
pub(super) use rules::{esc, fold};
pub use rules::{is_number, is_valid_image_url, is_valid_link_id};

use super::batch::{ImportBatch, ImportMode, ImportOptions};
use super::error::{ImportError, ImportErrorCode as C};
use super::model::*;
use crate::catalog::{Catalog, MAX_NAME};
use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use rules::name_ok;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Product,
    Sku,
}

/// A kit's components waiting for every SKU id: (product index, index among the product's
/// resolved SKUs or `usize::MAX`, SKU index, [(refId, quantity, path)]).
type PendingKit = (usize, usize, usize, Vec<(String, u32, String)>);

/// Order of error sections.
const SEC_GLOBAL: u8 = 0;
const SEC_CATEGORIES: u8 = 1;
const SEC_BRANDS: u8 = 2;
const SEC_GROUPS: u8 = 3;
const SEC_PRODUCTS: u8 = 4;

struct V<'a> {
    state: &'a CatalogState,
    batch: &'a ImportBatch,
    options: &'a ImportOptions,
    errors: Vec<(u8, usize, ImportError)>,
    merged: Catalog,
    next: FirstNew,
    first_new: FirstNew,
    unchanged: u32,
    // categories
    cat_by_path: BTreeMap<Vec<String>, CategoryId>,
    cat_key: BTreeMap<String, usize>,
    cat_resolved: Vec<Option<CategoryId>>,
    categories: Vec<RCategory>,
    placeholder_category: Option<CategoryId>,
    // brands
    brand_by_name: BTreeMap<String, BrandId>,
    brand_active: BTreeMap<BrandId, bool>,
    brands: Vec<RBrand>,
    placeholder_brand: Option<BrandId>,
    // specifications
    group_by_key: BTreeMap<(Option<CategoryId>, String), GroupId>,
    field_by_key: BTreeMap<(GroupId, String), FieldId>,
    value_by_key: BTreeMap<(FieldId, String), FieldValueId>,
    fields_by_name: BTreeMap<String, Vec<FieldId>>,
    groups: Vec<RSpecEntity<GroupId>>,
    fields: Vec<RSpecEntity<FieldId>>,
    values: Vec<RSpecEntity<FieldValueId>>,
    // products
    product_by_ref: BTreeMap<&'a str, &'a Product>,
    sku_by_ref: BTreeMap<&'a str, &'a Sku>,
    sku_by_ean: BTreeMap<&'a str, &'a Sku>,
    products: Vec<RProduct>,
    /// Batch SKU refIds → provisional or existing id (first occurrence).
    batch_sku_by_ref: BTreeMap<String, SkuId>,
}

fn err(path: impl Into<String>, code: C, message: impl Into<String>) -> ImportError {
    ImportError::new(path, code, message)
}

fn current_invalid(message: String) -> Vec<ImportError> {
    vec![err("current", C::CurrentCatalogInvalid, message)]
}

fn bump(next: &mut u32) -> u32 {
    let id = *next;
    *next = next.saturating_add(1);
    id
}

/// Validates `batch` against `current`; every error, sorted by batch position.
pub(super) fn validate(
    current: &CatalogState,
    batch: &ImportBatch,
    options: &ImportOptions,
) -> Result<Resolved, Vec<ImportError>> {
    let merged = Catalog::from_snapshot(&current.catalog)
        .map_err(|e| current_invalid(format!("{e} ({})", e.code())))?;
    let first_new = first_new_ids(current, &merged)?;
    check_unique(current.brands.iter().map(|b| b.id.0), "brand")?;
    check_unique(current.products.iter().map(|b| b.id.0), "product")?;
    check_unique(current.skus.iter().map(|b| b.id.0), "sku")?;

    let mut v = V::new(current, batch, options, merged, first_new);
    v.check_options();
    v.categories();
    v.brands();
    v.placeholders();
    v.specifications();
    v.products();
    if !v.errors.is_empty() {
        let mut errors = v.errors;
        errors.sort_by_key(|(section, index, _)| (*section, *index));
        return Err(errors.into_iter().map(|(_, _, e)| e).collect());
    }
    let sku_active = current.skus.iter().map(|s| (s.id, s.is_active)).collect();
    Ok(Resolved {
        merged: v.merged,
        first_new: v.first_new,
        categories: v.categories,
        brands: v.brands,
        groups: v.groups,
        fields: v.fields,
        values: v.values,
        products: v.products,
        brand_active: v.brand_active,
        sku_active,
        unchanged: v.unchanged,
    })
}

/// The first provisional id of every kind: one above the catalog's highest.
fn first_new_ids(current: &CatalogState, merged: &Catalog) -> Result<FirstNew, Vec<ImportError>> {
    let max = |it: &mut dyn Iterator<Item = u32>| it.max().unwrap_or(0);
    let slack = |m: u32| -> Result<u32, Vec<ImportError>> {
        // Provisional ids must not overflow even for a huge batch.
        if m > u32::MAX / 2 {
            Err(current_invalid(format!(
                "catalog ids reach {m}; Ponte needs ids below {} to plan",
                u32::MAX / 2
            )))
        } else {
            Ok(m + 1)
        }
    };
    Ok(FirstNew {
        category: slack(max(&mut merged.categories().map(|c| c.id.0)))?,
        group: slack(max(&mut merged.groups().map(|c| c.id.0)))?,
        field: slack(max(&mut merged.fields().map(|c| c.id.0)))?,
        value: slack(max(&mut merged.values().map(|c| c.id.0)))?,
        brand: slack(max(&mut current.brands.iter().map(|c| c.id.0)))?,
        product: slack(max(&mut current.products.iter().map(|c| c.id.0)))?,
        sku: slack(max(&mut current.skus.iter().map(|c| c.id.0)))?,
    })
}

fn check_unique(ids: impl Iterator<Item = u32>, what: &str) -> Result<(), Vec<ImportError>> {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(current_invalid(format!(
                "{what} id {id} appears more than once"
            )));
        }
    }
    Ok(())
}

impl<'a> V<'a> {
    fn new(
        state: &'a CatalogState,
        batch: &'a ImportBatch,
        options: &'a ImportOptions,
        merged: Catalog,
        first_new: FirstNew,
    ) -> Self {
        V {
            state,
            batch,
            options,
            errors: Vec::new(),
            merged,
            next: first_new,
            first_new,
            unchanged: 0,
            cat_by_path: BTreeMap::new(),
            cat_key: BTreeMap::new(),
            cat_resolved: vec![None; batch.categories.len()],
            categories: Vec::new(),
            placeholder_category: None,
            brand_by_name: BTreeMap::new(),
            brand_active: BTreeMap::new(),
            brands: Vec::new(),
            placeholder_brand: None,
            group_by_key: BTreeMap::new(),
            field_by_key: BTreeMap::new(),
            value_by_key: BTreeMap::new(),
            fields_by_name: BTreeMap::new(),
            groups: Vec::new(),
            fields: Vec::new(),
            values: Vec::new(),
            product_by_ref: BTreeMap::new(),
            sku_by_ref: BTreeMap::new(),
            sku_by_ean: BTreeMap::new(),
            products: Vec::new(),
            batch_sku_by_ref: BTreeMap::new(),
        }
    }

    fn push(&mut self, section: u8, index: usize, e: ImportError) {
        self.errors.push((section, index, e));
    }

    /// Records an error of `section` at batch `index`.
    fn fail(
        &mut self,
        section: u8,
        index: usize,
        path: impl Into<String>,
        code: C,
        message: impl Into<String>,
    ) {
        self.push(section, index, err(path, code, message));
    }

    /// Records an error of product `pi` (its SKUs, specifications, images and kits included).
    fn fail_product(
        &mut self,
        pi: usize,
        path: impl Into<String>,
        code: C,
        message: impl Into<String>,
    ) {
        self.fail(SEC_PRODUCTS, pi, path, code, message);
    }

    fn create_only(&self) -> bool {
        self.options.mode == ImportMode::CreateOnly
    }

    /// Same or Update, or a conflict error in create-only mode.
    fn change_for(
        &mut self,
        differs: bool,
        section: u8,
        index: usize,
        path: &str,
        what: &str,
        detail: &str,
    ) -> Change {
        if !differs {
            self.unchanged += 1;
            return Change::Same;
        }
        if self.create_only() {
            self.fail(
                section,
                index,
                path,
                C::CreateOnlyConflict,
                format!(
                    "{what} already exists with different {detail}; import in upsert mode to update it"
                ),
            );
        }
        Change::Update
    }

    fn check_options(&mut self) {
        if self.options.use_placeholders && !name_ok(&self.options.placeholder_name, MAX_NAME) {
            self.fail(
                SEC_GLOBAL,
                0,
                "options.placeholderName",
                C::PlaceholderNameInvalid,
                format!("the placeholder name must be 1 to {MAX_NAME} characters"),
            );
        }
    }
}
