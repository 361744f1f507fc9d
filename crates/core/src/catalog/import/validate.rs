//! Validation: resolves every natural key of the batch against the current catalog and the
//! batch itself, checks every rule and collects every error. On success it hands the planner a
//! merged [`Catalog`] (current catalog plus batch, batch entities under provisional ids above the
//! catalog's) and the resolved entities.

use super::batch::{
    CategoryRef, ImageInput, ImportBatch, ImportMode, ImportOptions, SkuInput, SpecificationInput,
};
use super::error::{ImportError, ImportErrorCode as C};
use super::model::*;
use super::plan_types::ImageBody;
use crate::catalog::{
    Catalog, Category, FieldType, MAX_DEPTH, MAX_FIELD_NAME, MAX_NAME, SpecificationField,
    SpecificationGroup, SpecificationValue,
};
use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use std::collections::{BTreeMap, BTreeSet};

/// Trimmed and case-folded: how names are compared.
pub(super) fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

fn name_ok(s: &str, max: usize) -> bool {
    let t = s.trim();
    !t.is_empty() && t.chars().count() <= max
}

/// Whether a brand `LinkId` is lowercase letters and hyphens only.
pub fn is_valid_link_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '-' || c.is_lowercase())
}

/// Whether an image URL is `http(s)` with a host and ends in `.jpg`, `.png` or `.gif`.
///
/// ```
/// use ponte_core::catalog::import::is_valid_image_url;
/// assert!(is_valid_image_url("https://cdn.example.com/a/b.JPG"));
/// assert!(!is_valid_image_url("ftp://cdn.example.com/b.jpg"));
/// assert!(!is_valid_image_url("https://cdn.example.com/b.webp"));
/// ```
pub fn is_valid_image_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = match lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        Some(r) => r,
        None => return false,
    };
    let host = rest.split('/').next().unwrap_or("");
    !host.is_empty()
        && rest.contains('/')
        && !url.chars().any(char::is_whitespace)
        && [".jpg", ".png", ".gif"].iter().any(|e| lower.ends_with(e))
}

/// Whether a specification text parses as a finite number.
pub fn is_number(s: &str) -> bool {
    s.trim().parse::<f64>().is_ok_and(f64::is_finite)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    Create,
    Update,
    Same,
}

#[derive(Debug)]
pub(super) struct RCategory {
    pub path: String,
    pub id: CategoryId,
    pub depth: usize,
    pub change: Change,
}

#[derive(Debug)]
pub(super) struct RBrand {
    pub path: String,
    pub id: BrandId,
    pub name: String,
    pub link_id: Option<String>,
    pub is_active: bool,
    pub change: Change,
}

#[derive(Debug)]
pub(super) struct RSpecEntity<Id> {
    pub path: String,
    pub id: Id,
    pub change: Change,
}

#[derive(Debug)]
pub(super) struct RProductSpec {
    pub path: String,
    pub field: FieldId,
    pub text: Option<String>,
    pub values: Vec<FieldValueId>,
    pub change: Change,
}

#[derive(Debug)]
pub(super) struct RSkuSpec {
    pub path: String,
    pub field: FieldId,
    pub value: FieldValueId,
    pub change: Change,
}

#[derive(Debug)]
pub(super) struct RImage {
    pub path: String,
    pub existing: Option<SkuFileId>,
    pub body: ImageBody,
    pub change: Change,
}

#[derive(Debug)]
pub(super) struct RKit {
    pub path: String,
    pub component: SkuId,
    /// The component's refId, as the batch gives it.
    pub component_ref: String,
    pub quantity: u32,
    pub change: Change,
}

#[derive(Debug)]
pub(super) struct RSku {
    pub path: String,
    pub key: String,
    pub id: SkuId,
    pub change: Change,
    pub patch: SkuPatch,
    /// The SKU as it will be after the plan.
    pub after: Sku,
    pub existing_active: bool,
    pub specs: Vec<RSkuSpec>,
    pub images: Vec<RImage>,
    /// Images the SKU keeps from the catalog (not named in the batch).
    pub kept_images: u32,
    pub kit: Vec<RKit>,
    /// Components the kit already has and the batch does not name.
    pub kept_components: Vec<SkuId>,
    /// SKU fields valued after the plan.
    pub valued_fields: BTreeSet<FieldId>,
}

#[derive(Debug)]
pub(super) struct RProduct {
    pub path: String,
    pub key: String,
    pub id: ProductId,
    pub change: Change,
    pub patch: ProductPatch,
    pub category: CategoryId,
    pub brand: BrandId,
    pub is_active_after: bool,
    pub trade_policies: Vec<(TradePolicyId, Change)>,
    pub specs: Vec<RProductSpec>,
    pub skus: Vec<RSku>,
}

/// The outcome of a successful validation.
#[derive(Debug)]
pub(super) struct Resolved {
    pub merged: Catalog,
    /// Ids at or above these were provisionally given to batch entities.
    pub first_new: FirstNew,
    pub categories: Vec<RCategory>,
    pub brands: Vec<RBrand>,
    pub groups: Vec<RSpecEntity<GroupId>>,
    pub fields: Vec<RSpecEntity<FieldId>>,
    pub values: Vec<RSpecEntity<FieldValueId>>,
    pub products: Vec<RProduct>,
    pub brand_active: BTreeMap<BrandId, bool>,
    /// `is_active` of every SKU of the catalog.
    pub sku_active: BTreeMap<SkuId, bool>,
    pub unchanged: u32,
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct FirstNew {
    pub category: u32,
    pub group: u32,
    pub field: u32,
    pub value: u32,
    pub brand: u32,
    pub product: u32,
    pub sku: u32,
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    Todo,
    Done,
    Failed,
}

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
    let mut first_new = FirstNew::default();
    {
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
        first_new.category = slack(max(&mut merged.categories().map(|c| c.id.0)))?;
        first_new.group = slack(max(&mut merged.groups().map(|c| c.id.0)))?;
        first_new.field = slack(max(&mut merged.fields().map(|c| c.id.0)))?;
        first_new.value = slack(max(&mut merged.values().map(|c| c.id.0)))?;
        first_new.brand = slack(max(&mut current.brands.iter().map(|c| c.id.0)))?;
        first_new.product = slack(max(&mut current.products.iter().map(|c| c.id.0)))?;
        first_new.sku = slack(max(&mut current.skus.iter().map(|c| c.id.0)))?;
    }
    check_unique(current.brands.iter().map(|b| b.id.0), "brand")?;
    check_unique(current.products.iter().map(|b| b.id.0), "product")?;
    check_unique(current.skus.iter().map(|b| b.id.0), "sku")?;

    let mut v = V {
        state: current,
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
    };
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

/// The names of the fields that differ between two serialisable values.
fn differing_fields<T: serde::Serialize>(a: &T, b: &T) -> String {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return String::new();
    };
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'a> V<'a> {
    fn push(&mut self, section: u8, index: usize, e: ImportError) {
        self.errors.push((section, index, e));
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
            Change::Same
        } else {
            if self.create_only() {
                self.push(
                    section,
                    index,
                    err(
                        path,
                        C::CreateOnlyConflict,
                        format!(
                            "{what} already exists with different {detail}; import in upsert mode to update it"
                        ),
                    ),
                );
            }
            Change::Update
        }
    }

    fn check_options(&mut self) {
        if self.options.use_placeholders && !name_ok(&self.options.placeholder_name, MAX_NAME) {
            self.push(
                SEC_GLOBAL,
                0,
                err(
                    "options.placeholderName",
                    C::PlaceholderNameInvalid,
                    format!("the placeholder name must be 1 to {MAX_NAME} characters"),
                ),
            );
        }
    }

    fn folded_path(&self, id: CategoryId) -> Vec<String> {
        self.merged
            .path_ids(id)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| self.merged.category(*c))
            .map(|c| fold(&c.name))
            .collect()
    }

    // ---- categories -------------------------------------------------------------------

    fn categories(&mut self) {
        let existing: Vec<(Vec<String>, CategoryId)> = self
            .merged
            .categories()
            .map(|c| (self.folded_path(c.id), c.id))
            .collect();
        for (path, id) in existing {
            self.cat_by_path.entry(path).or_insert(id);
        }
        let cats = &self.batch.categories;
        let n = cats.len();
        for (i, c) in cats.iter().enumerate() {
            let path = format!("categories[{i}]");
            if !name_ok(&c.name, MAX_NAME) {
                self.push(
                    SEC_CATEGORIES,
                    i,
                    err(
                        format!("{path}.name"),
                        C::CategoryNameInvalid,
                        format!(
                            "a category name must be 1 to {MAX_NAME} characters after trimming"
                        ),
                    ),
                );
            }
            if let Some(key) = &c.key {
                let k = key.trim().to_owned();
                if k.is_empty() {
                    self.push(
                        SEC_CATEGORIES,
                        i,
                        err(
                            format!("{path}.key"),
                            C::CategoryRefInvalid,
                            "a category key must not be empty",
                        ),
                    );
                } else if let std::collections::btree_map::Entry::Vacant(slot) =
                    self.cat_key.entry(k.clone())
                {
                    slot.insert(i);
                } else {
                    self.push(
                        SEC_CATEGORIES,
                        i,
                        err(
                            format!("{path}.key"),
                            C::CategoryKeyDuplicate,
                            format!("category key \"{k}\" is used by an earlier category"),
                        ),
                    );
                }
            }
        }

        // Full folded paths, following parent keys (iteratively, bounded by MAX_DEPTH).
        let mut state = vec![Walk::Todo; n];
        let mut full: Vec<Option<Vec<String>>> = vec![None; n];
        for start in 0..n {
            if state[start] != Walk::Todo {
                continue;
            }
            let mut chain: Vec<usize> = vec![start];
            let base: Option<Vec<String>> = loop {
                let cur = *chain.last().unwrap_or(&start);
                let parent_path = format!("categories[{cur}].parent");
                match &cats[cur].parent {
                    None => break Some(Vec::new()),
                    Some(r) => match (&r.key, &r.path) {
                        (Some(k), None) => match self.cat_key.get(k.trim()).copied() {
                            None => {
                                self.push(
                                    SEC_CATEGORIES,
                                    cur,
                                    err(
                                        parent_path,
                                        C::CategoryParentNotFound,
                                        format!(
                                            "no category of the batch has key \"{}\"",
                                            k.trim()
                                        ),
                                    ),
                                );
                                state[cur] = Walk::Failed;
                                break None;
                            }
                            Some(j) => {
                                if let Some(pos) = chain.iter().position(|&c| c == j) {
                                    let members: Vec<usize> = chain[pos..].to_vec();
                                    let names = members
                                        .iter()
                                        .map(|m| format!("categories[{m}]"))
                                        .collect::<Vec<_>>()
                                        .join(" -> ");
                                    for m in members {
                                        self.push(
                                            SEC_CATEGORIES,
                                            m,
                                            err(
                                                format!("categories[{m}].parent"),
                                                C::CategoryCycle,
                                                format!("parents form a cycle: {names} -> categories[{j}]"),
                                            ),
                                        );
                                        state[m] = Walk::Failed;
                                    }
                                    break None;
                                }
                                match state[j] {
                                    Walk::Done => break full[j].clone(),
                                    Walk::Failed => break None,
                                    Walk::Todo => {
                                        chain.push(j);
                                        if chain.len() > MAX_DEPTH {
                                            self.push(
                                                SEC_CATEGORIES,
                                                start,
                                                err(
                                                    format!("categories[{start}]"),
                                                    C::CategoryTooDeep,
                                                    format!("the category would be more than {MAX_DEPTH} levels deep"),
                                                ),
                                            );
                                            state[start] = Walk::Failed;
                                            chain.clear();
                                            break None;
                                        }
                                    }
                                }
                            }
                        },
                        (None, Some(p)) if !p.is_empty() => {
                            break Some(p.iter().map(|s| fold(s)).collect());
                        }
                        _ => {
                            self.push(
                                SEC_CATEGORIES,
                                cur,
                                err(
                                    parent_path,
                                    C::CategoryRefInvalid,
                                    "a category reference needs exactly one of a non-empty `key` or `path`",
                                ),
                            );
                            state[cur] = Walk::Failed;
                            break None;
                        }
                    },
                }
            };
            // Unwind: from the top of the chain down to `start`.
            let mut base = base;
            for &m in chain.iter().rev() {
                if state[m] != Walk::Todo {
                    base = None;
                    continue;
                }
                match base.take() {
                    Some(mut p) if name_ok(&cats[m].name, MAX_NAME) => {
                        p.push(fold(&cats[m].name));
                        full[m] = Some(p.clone());
                        state[m] = Walk::Done;
                        base = Some(p);
                    }
                    _ => state[m] = Walk::Failed,
                }
            }
        }

        // Duplicates, depth, parent existence.
        let batch_paths: BTreeSet<Vec<String>> = full.iter().flatten().cloned().collect();
        let mut seen = BTreeSet::new();
        let mut ok: Vec<usize> = Vec::new();
        for (i, p) in full.iter().enumerate() {
            let Some(p) = p else { continue };
            let path = format!("categories[{i}]");
            if p.len() > MAX_DEPTH {
                self.push(
                    SEC_CATEGORIES,
                    i,
                    err(
                        path,
                        C::CategoryTooDeep,
                        format!("the category would be {} levels deep; at most {MAX_DEPTH} are supported", p.len()),
                    ),
                );
                continue;
            }
            if !seen.insert(p.clone()) {
                self.push(
                    SEC_CATEGORIES,
                    i,
                    err(
                        path,
                        C::CategoryDuplicate,
                        format!(
                            "category \"{}\" appears more than once under the same parent",
                            p.join(" > ")
                        ),
                    ),
                );
                continue;
            }
            let parent = &p[..p.len() - 1];
            if !parent.is_empty()
                && !self.cat_by_path.contains_key(parent)
                && !batch_paths.contains(parent)
            {
                self.push(
                    SEC_CATEGORIES,
                    i,
                    err(
                        format!("{path}.parent"),
                        C::CategoryParentNotFound,
                        format!(
                            "parent \"{}\" is neither in the batch nor in the catalog",
                            parent.join(" > ")
                        ),
                    ),
                );
                continue;
            }
            ok.push(i);
        }

        // Into the merged catalog, top-down.
        ok.sort_by_key(|&i| (full[i].as_ref().map_or(0, Vec::len), i));
        for i in ok {
            let Some(p) = full[i].clone() else { continue };
            let c = &cats[i];
            let path = format!("categories[{i}]");
            let father = if p.len() > 1 {
                match self.cat_by_path.get(&p[..p.len() - 1]) {
                    Some(f) => Some(*f),
                    None => continue,
                }
            } else {
                None
            };
            let name = c.name.trim().to_owned();
            if let Some(&id) = self.cat_by_path.get(&p) {
                let Some(old) = self.merged.category(id).cloned() else {
                    continue;
                };
                let is_active = c.is_active.unwrap_or(old.is_active);
                let differs = old.name != name || old.is_active != is_active;
                let change = self.change_for(
                    differs,
                    SEC_CATEGORIES,
                    i,
                    &path,
                    &format!("category \"{}\"", p.join(" > ")),
                    "name or isActive",
                );
                if change == Change::Update {
                    let _ = self.merged.insert_category(Category {
                        name,
                        is_active,
                        ..old
                    });
                }
                self.cat_resolved[i] = Some(id);
                self.categories.push(RCategory {
                    path,
                    id,
                    depth: p.len(),
                    change,
                });
            } else {
                let id = CategoryId(bump(&mut self.next.category));
                let inserted = self.merged.insert_category(Category {
                    id,
                    name,
                    father_category_id: father,
                    is_active: c.is_active.unwrap_or(true),
                    has_children: None,
                });
                if let Err(e) = inserted {
                    self.push(
                        SEC_CATEGORIES,
                        i,
                        err(path, C::CategoryTooDeep, e.to_string()),
                    );
                    continue;
                }
                self.cat_by_path.insert(p.clone(), id);
                self.cat_resolved[i] = Some(id);
                self.categories.push(RCategory {
                    path,
                    id,
                    depth: p.len(),
                    change: Change::Create,
                });
            }
        }
    }

    /// `Ok(Some(id))`, or `Ok(None)` when the referenced batch category already has an error,
    /// or `Err(())` after recording an error.
    fn resolve_category(
        &mut self,
        section: u8,
        index: usize,
        path: &str,
        r: &CategoryRef,
    ) -> Result<Option<CategoryId>, ()> {
        match (&r.key, &r.path) {
            (Some(k), None) => match self.cat_key.get(k.trim()) {
                Some(&i) => Ok(self.cat_resolved[i]),
                None => {
                    self.push(
                        section,
                        index,
                        err(
                            path,
                            C::CategoryNotFound,
                            format!("no category of the batch has key \"{}\"", k.trim()),
                        ),
                    );
                    Err(())
                }
            },
            (None, Some(p)) if !p.is_empty() => {
                let folded: Vec<String> = p.iter().map(|s| fold(s)).collect();
                match self.cat_by_path.get(&folded) {
                    Some(&id) => Ok(Some(id)),
                    None => {
                        self.push(
                            section,
                            index,
                            err(
                                path,
                                C::CategoryNotFound,
                                format!(
                                    "category \"{}\" is neither in the batch nor in the catalog",
                                    p.join(" > ")
                                ),
                            ),
                        );
                        Err(())
                    }
                }
            }
            _ => {
                self.push(
                    section,
                    index,
                    err(
                        path,
                        C::CategoryRefInvalid,
                        "a category reference needs exactly one of a non-empty `key` or `path`",
                    ),
                );
                Err(())
            }
        }
    }

    // ---- brands ---------------------------------------------------------------------------

    fn brands(&mut self) {
        let mut existing: Vec<&Brand> = self.state.brands.iter().collect();
        existing.sort_by_key(|b| b.id);
        for b in &existing {
            self.brand_by_name.entry(fold(&b.name)).or_insert(b.id);
            self.brand_active.insert(b.id, b.is_active);
        }
        let mut seen = BTreeSet::new();
        for (i, b) in self.batch.brands.iter().enumerate() {
            let path = format!("brands[{i}]");
            if !name_ok(&b.name, MAX_NAME) {
                self.push(
                    SEC_BRANDS,
                    i,
                    err(
                        format!("{path}.name"),
                        C::BrandNameInvalid,
                        format!("a brand name must be 1 to {MAX_NAME} characters after trimming"),
                    ),
                );
                continue;
            }
            if let Some(l) = &b.link_id
                && !is_valid_link_id(l)
            {
                self.push(
                    SEC_BRANDS,
                    i,
                    err(
                        format!("{path}.linkId"),
                        C::BrandLinkIdInvalid,
                        format!("linkId \"{l}\" may hold only lowercase letters and hyphens"),
                    ),
                );
            }
            let key = fold(&b.name);
            let name = b.name.trim().to_owned();
            if !seen.insert(key.clone()) {
                self.push(
                    SEC_BRANDS,
                    i,
                    err(
                        path,
                        C::BrandDuplicate,
                        format!("brand \"{name}\" appears more than once (names are compared trimmed and case-insensitively)"),
                    ),
                );
                continue;
            }
            match self.brand_by_name.get(&key).copied() {
                Some(id) => {
                    let Some(old) = self.state.brands.iter().find(|x| x.id == id) else {
                        continue;
                    };
                    let link_id = b.link_id.clone().or_else(|| old.link_id.clone());
                    let is_active = b.is_active.unwrap_or(old.is_active);
                    let differs =
                        old.name != name || old.link_id != link_id || old.is_active != is_active;
                    let change = self.change_for(
                        differs,
                        SEC_BRANDS,
                        i,
                        &path,
                        &format!("brand \"{name}\""),
                        "name, linkId or isActive",
                    );
                    self.brand_active.insert(id, is_active);
                    self.brands.push(RBrand {
                        path,
                        id,
                        name,
                        link_id,
                        is_active,
                        change,
                    });
                }
                None => {
                    let id = BrandId(bump(&mut self.next.brand));
                    let is_active = b.is_active.unwrap_or(true);
                    self.brand_by_name.insert(key, id);
                    self.brand_active.insert(id, is_active);
                    self.brands.push(RBrand {
                        path,
                        id,
                        name,
                        link_id: b.link_id.clone(),
                        is_active,
                        change: Change::Create,
                    });
                }
            }
        }
    }

    /// The inactive placeholder department and brand, when asked for and needed.
    fn placeholders(&mut self) {
        if !self.options.use_placeholders || !name_ok(&self.options.placeholder_name, MAX_NAME) {
            return;
        }
        let name = self.options.placeholder_name.trim().to_owned();
        let key = fold(&name);
        let path = "options.placeholderName".to_owned();
        if self.batch.products.iter().any(|p| p.category.is_none()) {
            let folded = vec![key.clone()];
            match self.cat_by_path.get(&folded) {
                Some(&id) => self.placeholder_category = Some(id),
                None => {
                    let id = CategoryId(bump(&mut self.next.category));
                    if self
                        .merged
                        .insert_category(Category {
                            id,
                            name: name.clone(),
                            father_category_id: None,
                            is_active: false,
                            has_children: None,
                        })
                        .is_ok()
                    {
                        self.cat_by_path.insert(folded, id);
                        self.placeholder_category = Some(id);
                        self.categories.push(RCategory {
                            path: path.clone(),
                            id,
                            depth: 1,
                            change: Change::Create,
                        });
                    }
                }
            }
        }
        if self.batch.products.iter().any(|p| p.brand.is_none()) {
            match self.brand_by_name.get(&key) {
                Some(&id) => self.placeholder_brand = Some(id),
                None => {
                    let id = BrandId(bump(&mut self.next.brand));
                    self.brand_by_name.insert(key, id);
                    self.brand_active.insert(id, false);
                    self.placeholder_brand = Some(id);
                    self.brands.push(RBrand {
                        path,
                        id,
                        name,
                        link_id: None,
                        is_active: false,
                        change: Change::Create,
                    });
                }
            }
        }
    }

    // ---- specification groups, fields, values -------------------------------------------

    fn specifications(&mut self) {
        for g in self.merged.groups() {
            self.group_by_key
                .entry((g.category_id, fold(&g.name)))
                .or_insert(g.id);
        }
        for f in self.merged.fields() {
            self.field_by_key
                .entry((f.field_group_id, fold(&f.name)))
                .or_insert(f.id);
        }
        for v in self.merged.values() {
            self.value_by_key
                .entry((v.field_id, fold(&v.name)))
                .or_insert(v.id);
        }
        let mut seen_groups = BTreeSet::new();
        let mut seen_fields = BTreeSet::new();
        let mut seen_values = BTreeSet::new();
        let groups = &self.batch.specification_groups;
        for (gi, g) in groups.iter().enumerate() {
            let path = format!("specificationGroups[{gi}]");
            let scope: Option<Option<CategoryId>> = match &g.category {
                None => Some(None),
                Some(r) => self
                    .resolve_category(SEC_GROUPS, gi, &format!("{path}.category"), r)
                    .ok()
                    .flatten()
                    .map(Some),
            };
            let name_valid = name_ok(&g.name, MAX_NAME);
            if !name_valid {
                self.push(
                    SEC_GROUPS,
                    gi,
                    err(
                        format!("{path}.name"),
                        C::SpecGroupNameInvalid,
                        format!("a group name must be 1 to {MAX_NAME} characters after trimming"),
                    ),
                );
            }
            let mut group_id = None;
            if let (Some(scope), true) = (scope, name_valid) {
                let key = (scope, fold(&g.name));
                let name = g.name.trim().to_owned();
                if !seen_groups.insert(key.clone()) {
                    self.push(
                        SEC_GROUPS,
                        gi,
                        err(
                            &path,
                            C::SpecGroupDuplicate,
                            format!("group \"{name}\" appears more than once on the same category"),
                        ),
                    );
                } else if let Some(&id) = self.group_by_key.get(&key) {
                    if let Some(old) = self.merged.group(id).cloned() {
                        let position = g.position.unwrap_or(old.position);
                        let differs = old.name != name || old.position != position;
                        let change = self.change_for(
                            differs,
                            SEC_GROUPS,
                            gi,
                            &path,
                            &format!("group \"{name}\""),
                            "name or position",
                        );
                        if change == Change::Update {
                            let _ = self.merged.insert_group(SpecificationGroup {
                                name,
                                position,
                                ..old
                            });
                        }
                        self.groups.push(RSpecEntity {
                            path: path.clone(),
                            id,
                            change,
                        });
                        group_id = Some(id);
                    }
                } else {
                    let id = GroupId(bump(&mut self.next.group));
                    let ok = self
                        .merged
                        .insert_group(SpecificationGroup {
                            id,
                            category_id: scope,
                            name,
                            position: g.position.unwrap_or(0),
                        })
                        .is_ok();
                    if ok {
                        self.group_by_key.insert(key, id);
                        self.groups.push(RSpecEntity {
                            path: path.clone(),
                            id,
                            change: Change::Create,
                        });
                        group_id = Some(id);
                    }
                }
            }
            for (fi, f) in g.fields.iter().enumerate() {
                let fpath = format!("{path}.fields[{fi}]");
                let name_valid = name_ok(&f.name, MAX_FIELD_NAME);
                if !name_valid {
                    self.push(
                        SEC_GROUPS,
                        gi,
                        err(
                            format!("{fpath}.name"),
                            C::SpecFieldNameInvalid,
                            format!("a field name must be 1 to {MAX_FIELD_NAME} characters after trimming"),
                        ),
                    );
                }
                let ftype = FieldType::from_id(f.field_type_id);
                match ftype {
                    None => self.push(
                        SEC_GROUPS,
                        gi,
                        err(
                            format!("{fpath}.fieldTypeId"),
                            C::SpecFieldTypeUnknown,
                            format!(
                                "FieldTypeId {} is unknown; VTEX knows 1, 2, 4, 5, 6, 7, 8 and 9",
                                f.field_type_id
                            ),
                        ),
                    ),
                    Some(t) if f.is_stock_keeping_unit && !t.allowed_on_sku() => self.push(
                        SEC_GROUPS,
                        gi,
                        err(
                            format!("{fpath}.isStockKeepingUnit"),
                            C::SpecFieldSkuTypeNotAllowed,
                            format!("Sku Field can be only of the Radio or Combo type, not {t:?}"),
                        ),
                    ),
                    _ => {}
                }
                if let Some(t) = ftype
                    && !t.has_values()
                {
                    for vi in 0..f.values.len() {
                        self.push(
                            SEC_GROUPS,
                            gi,
                            err(
                                format!("{fpath}.values[{vi}]"),
                                C::SpecValueFieldTakesNoValues,
                                format!("a {t:?} field takes typed text, not listed values"),
                            ),
                        );
                    }
                }
                let mut field_id = None;
                let sku_ok = ftype.is_some_and(|t| !f.is_stock_keeping_unit || t.allowed_on_sku());
                if let (Some(gid), true, true) = (group_id, name_valid, sku_ok) {
                    let key = (gid, fold(&f.name));
                    let name = f.name.trim().to_owned();
                    if !seen_fields.insert(key.clone()) {
                        self.push(
                            SEC_GROUPS,
                            gi,
                            err(
                                &fpath,
                                C::SpecFieldDuplicate,
                                format!("field \"{name}\" appears more than once in the group"),
                            ),
                        );
                    } else if let Some(&id) = self.field_by_key.get(&key) {
                        if let Some(old) = self.merged.field(id).cloned() {
                            if old.field_type_id != f.field_type_id
                                || old.is_stock_keeping_unit != f.is_stock_keeping_unit
                            {
                                self.push(
                                    SEC_GROUPS,
                                    gi,
                                    err(
                                        &fpath,
                                        C::SpecFieldKindChange,
                                        format!(
                                            "field \"{name}\" exists with FieldTypeId {} and IsStockKeepingUnit {}; an import does not change either, because values already stored would be orphaned",
                                            old.field_type_id, old.is_stock_keeping_unit
                                        ),
                                    ),
                                );
                            } else {
                                let new = SpecificationField {
                                    name,
                                    is_required: f.is_required.unwrap_or(old.is_required),
                                    is_filter: f.is_filter.unwrap_or(old.is_filter),
                                    is_active: f.is_active.unwrap_or(old.is_active),
                                    position: f.position.unwrap_or(old.position),
                                    ..old.clone()
                                };
                                let change = self.change_for(
                                    new != old,
                                    SEC_GROUPS,
                                    gi,
                                    &fpath,
                                    &format!("field \"{}\"", new.name),
                                    &differing_fields(&old, &new),
                                );
                                if change == Change::Update {
                                    let _ = self.merged.insert_field(new);
                                }
                                self.fields.push(RSpecEntity {
                                    path: fpath.clone(),
                                    id,
                                    change,
                                });
                                field_id = Some(id);
                            }
                        }
                    } else {
                        let id = FieldId(bump(&mut self.next.field));
                        let ok = self
                            .merged
                            .insert_field(SpecificationField {
                                id,
                                name,
                                field_type_id: f.field_type_id,
                                field_group_id: gid,
                                category_id: None,
                                position: f.position.unwrap_or(0),
                                is_required: f.is_required.unwrap_or(false),
                                is_active: f.is_active.unwrap_or(true),
                                is_filter: f.is_filter.unwrap_or(false),
                                is_stock_keeping_unit: f.is_stock_keeping_unit,
                            })
                            .is_ok();
                        if ok {
                            self.field_by_key.insert(key, id);
                            self.fields.push(RSpecEntity {
                                path: fpath.clone(),
                                id,
                                change: Change::Create,
                            });
                            field_id = Some(id);
                        }
                    }
                }
                let takes_values = ftype.is_some_and(FieldType::has_values);
                for (vi, val) in f.values.iter().enumerate() {
                    let vpath = format!("{fpath}.values[{vi}]");
                    if !name_ok(&val.name, MAX_NAME) {
                        self.push(
                            SEC_GROUPS,
                            gi,
                            err(
                                format!("{vpath}.name"),
                                C::SpecValueNameInvalid,
                                format!(
                                    "a value name must be 1 to {MAX_NAME} characters after trimming"
                                ),
                            ),
                        );
                        continue;
                    }
                    let (Some(fid), true) = (field_id, takes_values) else {
                        continue;
                    };
                    let key = (fid, fold(&val.name));
                    let name = val.name.trim().to_owned();
                    if !seen_values.insert(key.clone()) {
                        self.push(
                            SEC_GROUPS,
                            gi,
                            err(
                                &vpath,
                                C::SpecValueDuplicate,
                                format!("value \"{name}\" appears more than once on the field"),
                            ),
                        );
                    } else if let Some(&id) = self.value_by_key.get(&key) {
                        if let Some(old) = self.merged.value(id).cloned() {
                            let new = SpecificationValue {
                                name,
                                is_active: val.is_active.unwrap_or(old.is_active),
                                position: val.position.unwrap_or(old.position),
                                ..old.clone()
                            };
                            let change = self.change_for(
                                new != old,
                                SEC_GROUPS,
                                gi,
                                &vpath,
                                &format!("value \"{}\"", new.name),
                                &differing_fields(&old, &new),
                            );
                            if change == Change::Update {
                                let _ = self.merged.insert_value(new);
                            }
                            self.values.push(RSpecEntity {
                                path: vpath,
                                id,
                                change,
                            });
                        }
                    } else {
                        let id = FieldValueId(bump(&mut self.next.value));
                        let ok = self
                            .merged
                            .insert_value(SpecificationValue {
                                id,
                                field_id: fid,
                                name,
                                is_active: val.is_active.unwrap_or(true),
                                position: val.position.unwrap_or(0),
                            })
                            .is_ok();
                        if ok {
                            self.value_by_key.insert(key, id);
                            self.values.push(RSpecEntity {
                                path: vpath,
                                id,
                                change: Change::Create,
                            });
                        }
                    }
                }
            }
        }
        let mut by_name: BTreeMap<String, Vec<FieldId>> = BTreeMap::new();
        for f in self.merged.fields() {
            by_name.entry(fold(&f.name)).or_default().push(f.id);
        }
        self.fields_by_name = by_name;
    }

    /// Resolves one specification of a product or SKU in `category`; records errors.
    fn resolve_spec(
        &mut self,
        index: usize,
        path: &str,
        target: Target,
        category: CategoryId,
        spec: &SpecificationInput,
    ) -> Option<(FieldId, Option<String>, Vec<FieldValueId>)> {
        let before = self.errors.len();
        let e = |code: C, msg: String| err(path, code, msg);
        let name = spec.field.trim();
        let mut candidates: Vec<FieldId> = self
            .fields_by_name
            .get(&fold(name))
            .cloned()
            .unwrap_or_default();
        if let Some(group) = &spec.group {
            let g = fold(group);
            candidates.retain(|f| {
                self.merged
                    .field(*f)
                    .and_then(|f| self.merged.group(f.field_group_id))
                    .is_some_and(|grp| fold(&grp.name) == g)
            });
        }
        if candidates.is_empty() {
            self.push(
                SEC_PRODUCTS,
                index,
                e(
                    C::SpecFieldNotFound,
                    format!("no specification field \"{name}\" in the batch or the catalog"),
                ),
            );
            return None;
        }
        let chain: BTreeSet<Option<CategoryId>> = std::iter::once(None)
            .chain(
                self.merged
                    .path_ids(category)
                    .unwrap_or_default()
                    .into_iter()
                    .map(Some),
            )
            .collect();
        let visible: Vec<FieldId> = candidates
            .iter()
            .copied()
            .filter(|f| {
                self.merged
                    .field(*f)
                    .and_then(|f| self.merged.group(f.field_group_id))
                    .is_some_and(|g| chain.contains(&g.category_id))
            })
            .collect();
        let category_name = self
            .merged
            .category(category)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        if visible.is_empty() {
            self.push(
                SEC_PRODUCTS,
                index,
                e(
                    C::SpecFieldNotVisible,
                    format!(
                        "field \"{name}\" is not on category \"{category_name}\", its ancestors or the root level; VTEX would accept the value and never show it"
                    ),
                ),
            );
            return None;
        }
        if visible.len() > 1 {
            self.push(
                SEC_PRODUCTS,
                index,
                e(
                    C::SpecFieldAmbiguous,
                    format!(
                        "{} visible fields are named \"{name}\"; give `group`",
                        visible.len()
                    ),
                ),
            );
            return None;
        }
        let fid = visible[0];
        let field = self.merged.field(fid)?.clone();
        if !field.is_active {
            self.push(
                SEC_PRODUCTS,
                index,
                e(
                    C::SpecFieldInactive,
                    format!("field \"{name}\" is inactive"),
                ),
            );
            return None;
        }
        let want_sku = target == Target::Sku;
        if field.is_stock_keeping_unit != want_sku {
            let msg = if want_sku {
                format!(
                    "field \"{name}\" is a product field (IsStockKeepingUnit false), not an SKU field"
                )
            } else {
                format!(
                    "field \"{name}\" is an SKU field (IsStockKeepingUnit true); set it on the SKUs"
                )
            };
            self.push(SEC_PRODUCTS, index, e(C::SpecFieldTargetMismatch, msg));
            return None;
        }
        let ftype = FieldType::from_id(field.field_type_id)?;
        let mut values = Vec::new();
        if ftype.has_values() {
            if spec.text.is_some() {
                self.push(
                    SEC_PRODUCTS,
                    index,
                    e(
                        C::SpecValueExpected,
                        format!("field \"{name}\" is {ftype:?}: give `values`, not `text`"),
                    ),
                );
            }
            if want_sku && spec.values.len() != 1 {
                self.push(
                    SEC_PRODUCTS,
                    index,
                    e(
                        C::SkuSpecNeedsOneValue,
                        format!(
                            "an SKU specification takes exactly one value; {} given",
                            spec.values.len()
                        ),
                    ),
                );
            } else if spec.values.is_empty() && spec.text.is_none() {
                self.push(
                    SEC_PRODUCTS,
                    index,
                    e(
                        C::SpecValueExpected,
                        format!("field \"{name}\" needs at least one value"),
                    ),
                );
            } else if !want_sku && ftype != FieldType::Checkbox && spec.values.len() > 1 {
                self.push(
                    SEC_PRODUCTS,
                    index,
                    e(
                        C::SpecMultipleValuesNotAllowed,
                        format!(
                            "field \"{name}\" is {ftype:?}; only Checkbox takes several values"
                        ),
                    ),
                );
            }
            let mut seen = BTreeSet::new();
            for (vi, v) in spec.values.iter().enumerate() {
                let vpath = format!("{path}.values[{vi}]");
                match self.value_by_key.get(&(fid, fold(v))).copied() {
                    None => self.push(
                        SEC_PRODUCTS,
                        index,
                        err(
                            vpath,
                            C::SpecValueNotOfField,
                            format!("\"{}\" is not a value of field \"{name}\"", v.trim()),
                        ),
                    ),
                    Some(vid) => {
                        if !seen.insert(vid) {
                            self.push(
                                SEC_PRODUCTS,
                                index,
                                err(
                                    vpath,
                                    C::SpecValueDuplicate,
                                    format!("value \"{}\" is listed twice", v.trim()),
                                ),
                            );
                        } else if !self.merged.value(vid).is_some_and(|x| x.is_active) {
                            self.push(
                                SEC_PRODUCTS,
                                index,
                                err(
                                    vpath,
                                    C::SpecValueInactive,
                                    format!("value \"{}\" is inactive", v.trim()),
                                ),
                            );
                        } else {
                            values.push(vid);
                        }
                    }
                }
            }
            values.sort();
        } else {
            match &spec.text {
                Some(t) if spec.values.is_empty() => {
                    if ftype == FieldType::Number && !is_number(t) {
                        self.push(
                            SEC_PRODUCTS,
                            index,
                            e(
                                C::SpecNumberInvalid,
                                format!("field \"{name}\" is a Number; \"{t}\" is not a number"),
                            ),
                        );
                    }
                }
                _ => self.push(
                    SEC_PRODUCTS,
                    index,
                    e(
                        C::SpecTextExpected,
                        format!("field \"{name}\" is {ftype:?}: give `text` and no `values`"),
                    ),
                ),
            }
        }
        if self.errors.len() != before {
            return None;
        }
        Some((
            fid,
            if ftype.has_values() {
                None
            } else {
                spec.text.clone()
            },
            values,
        ))
    }

    /// Required fields of `fields` (effective, active) not valued.
    fn required_missing(
        &mut self,
        index: usize,
        path: &str,
        required: Vec<(FieldId, String)>,
        valued: &BTreeSet<FieldId>,
        mentioned: &BTreeSet<String>,
    ) {
        for (fid, name) in required {
            if !valued.contains(&fid) && !mentioned.contains(&fold(&name)) {
                self.push(
                    SEC_PRODUCTS,
                    index,
                    err(
                        path,
                        C::SpecRequiredMissing,
                        format!("required field \"{name}\" has no value"),
                    ),
                );
            }
        }
    }

    // ---- products and SKUs -----------------------------------------------------------------

    fn products(&mut self) {
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
        let policies: BTreeSet<TradePolicyId> = state.trade_policies.iter().map(|t| t.id).collect();
        let links: BTreeSet<(ProductId, TradePolicyId)> = state
            .product_trade_policies
            .iter()
            .map(|l| (l.product_id, l.trade_policy_id))
            .collect();
        let mut seen_refs = BTreeSet::new();
        let mut seen_sku_refs = BTreeSet::new();
        let mut seen_eans = BTreeSet::new();
        let mut pending_kits: Vec<PendingKit> = Vec::new();

        for (pi, p) in self.batch.products.iter().enumerate() {
            let path = format!("products[{pi}]");
            let ref_id = p.ref_id.trim().to_owned();
            let mut ok_identity = true;
            if ref_id.is_empty() {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.refId"),
                        C::ProductRefIdMissing,
                        "a product needs a refId: it is how the import finds it again",
                    ),
                );
                ok_identity = false;
            } else if ref_id.chars().count() > MAX_PRODUCT_REF_ID {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.refId"),
                        C::ProductRefIdTooLong,
                        format!(
                            "refId has {} characters; at most {MAX_PRODUCT_REF_ID}",
                            ref_id.chars().count()
                        ),
                    ),
                );
            } else if !seen_refs.insert(ref_id.clone()) {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.refId"),
                        C::ProductRefIdDuplicate,
                        format!("product refId \"{ref_id}\" appears more than once"),
                    ),
                );
                ok_identity = false;
            }
            if !name_ok(&p.name, MAX_PRODUCT_NAME) {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.name"),
                        C::ProductNameInvalid,
                        format!("a product name must be 1 to {MAX_PRODUCT_NAME} characters after trimming"),
                    ),
                );
            }
            if let Some(t) = &p.title
                && t.chars().count() > MAX_PRODUCT_TITLE
            {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.title"),
                        C::ProductTitleTooLong,
                        format!(
                            "title has {} characters; at most {MAX_PRODUCT_TITLE}",
                            t.chars().count()
                        ),
                    ),
                );
            }
            let category = match &p.category {
                Some(r) => self
                    .resolve_category(SEC_PRODUCTS, pi, &format!("{path}.category"), r)
                    .ok()
                    .flatten(),
                None if self.options.use_placeholders => self.placeholder_category,
                None => {
                    self.push(
                        SEC_PRODUCTS,
                        pi,
                        err(
                            format!("{path}.category"),
                            C::ProductCategoryMissing,
                            "a product needs a category (or turn on placeholders)",
                        ),
                    );
                    None
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
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.category"),
                        C::ProductCategoryNotLeaf,
                        format!("category \"{name}\" has subcategories; products must sit in a leaf category"),
                    ),
                );
            }
            let brand = match &p.brand {
                Some(b) => match self.brand_by_name.get(&fold(b)) {
                    Some(&id) => Some(id),
                    None => {
                        self.push(
                            SEC_PRODUCTS,
                            pi,
                            err(
                                format!("{path}.brand"),
                                C::BrandNotFound,
                                format!(
                                    "brand \"{}\" is neither in the batch nor in the catalog",
                                    b.trim()
                                ),
                            ),
                        );
                        None
                    }
                },
                None if self.options.use_placeholders => self.placeholder_brand,
                None => {
                    self.push(
                        SEC_PRODUCTS,
                        pi,
                        err(
                            format!("{path}.brand"),
                            C::ProductBrandMissing,
                            "a product needs a brand (or turn on placeholders)",
                        ),
                    );
                    None
                }
            };
            let existing = if ok_identity {
                self.product_by_ref.get(ref_id.as_str()).copied()
            } else {
                None
            };
            let id = match existing {
                Some(e) => e.id,
                None => ProductId(bump(&mut self.next.product)),
            };

            let mut tps = Vec::new();
            let mut seen_tp = BTreeSet::new();
            for (ti, tp) in p.trade_policies.iter().enumerate() {
                let tpath = format!("{path}.tradePolicies[{ti}]");
                if tp.0 == 0 {
                    self.push(
                        SEC_PRODUCTS,
                        pi,
                        err(
                            tpath,
                            C::TradePolicyIdInvalid,
                            "trade policy ids are positive (the main one is 1)",
                        ),
                    );
                } else if !seen_tp.insert(*tp) {
                    self.push(
                        SEC_PRODUCTS,
                        pi,
                        err(
                            tpath,
                            C::TradePolicyDuplicate,
                            format!("trade policy {tp} is listed twice"),
                        ),
                    );
                } else if !policies.is_empty() && !policies.contains(tp) {
                    self.push(
                        SEC_PRODUCTS,
                        pi,
                        err(
                            tpath,
                            C::TradePolicyNotFound,
                            format!("the account has no trade policy {tp}"),
                        ),
                    );
                } else if existing.is_some() && links.contains(&(id, *tp)) {
                    self.unchanged += 1;
                    tps.push((*tp, Change::Same));
                } else {
                    tps.push((*tp, Change::Create));
                }
            }

            let patch = ProductPatch {
                name: Some(p.name.trim().to_owned()),
                category_id: category,
                brand_id: brand,
                ref_id: Some(ref_id.clone()),
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
            };
            let (change, is_active_after) = match existing {
                Some(e) => {
                    let after = merge_for_put(e, &patch);
                    let detail = differing_fields(e, &after);
                    let change = self.change_for(
                        after != *e,
                        SEC_PRODUCTS,
                        pi,
                        &path,
                        &format!("product \"{ref_id}\""),
                        &detail,
                    );
                    (change, after.is_active)
                }
                None => (Change::Create, p.is_active.unwrap_or(true)),
            };

            // Product specifications.
            let mut specs = Vec::new();
            let mut valued = BTreeSet::new();
            let mentioned: BTreeSet<String> =
                p.specifications.iter().map(|s| fold(&s.field)).collect();
            let existing_specs: BTreeMap<FieldId, (Option<String>, Vec<FieldValueId>)> =
                match existing {
                    Some(e) => {
                        let mut m: BTreeMap<FieldId, (Option<String>, Vec<FieldValueId>)> =
                            BTreeMap::new();
                        for s in state
                            .product_specifications
                            .iter()
                            .filter(|s| s.product_id == e.id)
                        {
                            let entry = m.entry(s.field_id).or_default();
                            if let Some(v) = s.field_value_id {
                                entry.1.push(v);
                            } else if s.text.is_some() {
                                entry.0 = s.text.clone();
                            }
                        }
                        for v in m.values_mut() {
                            v.1.sort();
                        }
                        m
                    }
                    None => BTreeMap::new(),
                };
            if let Some(cat) = category {
                for (si, s) in p.specifications.iter().enumerate() {
                    let spath = format!("{path}.specifications[{si}]");
                    let Some((fid, text, values)) =
                        self.resolve_spec(pi, &spath, Target::Product, cat, s)
                    else {
                        continue;
                    };
                    if !valued.insert(fid) {
                        self.push(
                            SEC_PRODUCTS,
                            pi,
                            err(
                                &spath,
                                C::SpecDuplicate,
                                format!("field \"{}\" is given twice", s.field.trim()),
                            ),
                        );
                        continue;
                    }
                    let change = match existing_specs.get(&fid) {
                        None => Change::Create,
                        Some(old) => {
                            let differs = old.0 != text || old.1 != values;
                            self.change_for(
                                differs,
                                SEC_PRODUCTS,
                                pi,
                                &spath,
                                &format!("specification \"{}\"", s.field.trim()),
                                "values",
                            )
                        }
                    };
                    specs.push(RProductSpec {
                        path: spath,
                        field: fid,
                        text,
                        values,
                        change,
                    });
                }
                valued.extend(existing_specs.keys().copied());
                let required: Vec<(FieldId, String)> = self
                    .merged
                    .effective_specifications(cat)
                    .map(|e| {
                        e.product_fields
                            .into_iter()
                            .filter(|f| f.is_required)
                            .map(|f| (f.field_id, f.name))
                            .collect()
                    })
                    .unwrap_or_default();
                self.required_missing(
                    pi,
                    &format!("{path}.specifications"),
                    required,
                    &valued,
                    &mentioned,
                );
            }

            // SKUs.
            let mut rskus = Vec::new();
            for (si, s) in p.skus.iter().enumerate() {
                let spath = format!("{path}.skus[{si}]");
                let r = self.sku(
                    pi,
                    &spath,
                    s,
                    existing,
                    id,
                    category,
                    &mut seen_sku_refs,
                    &mut seen_eans,
                );
                if !s.kit_components.is_empty() {
                    pending_kits.push((
                        pi,
                        if r.is_some() { rskus.len() } else { usize::MAX },
                        si,
                        s.kit_components
                            .iter()
                            .enumerate()
                            .map(|(ki, k)| {
                                (
                                    k.sku_ref_id.trim().to_owned(),
                                    k.quantity,
                                    format!("{spath}.kitComponents[{ki}]"),
                                )
                            })
                            .collect(),
                    ));
                }
                if let Some(r) = r {
                    rskus.push(r);
                }
            }

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
                    skus: rskus,
                });
            }
        }
        self.kits(pending_kits);
    }

    #[allow(clippy::too_many_arguments)]
    fn sku(
        &mut self,
        pi: usize,
        path: &str,
        s: &SkuInput,
        product: Option<&Product>,
        product_id: ProductId,
        category: Option<CategoryId>,
        seen_refs: &mut BTreeSet<String>,
        seen_eans: &mut BTreeSet<String>,
    ) -> Option<RSku> {
        let state = self.state;
        let before = self.errors.len();
        let ref_id = s
            .ref_id
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let ean = s
            .ean
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        if let Some(r) = &ref_id {
            if r.chars().count() > MAX_SKU_REF_ID {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.refId"),
                        C::SkuRefIdTooLong,
                        format!(
                            "refId has {} characters; at most {MAX_SKU_REF_ID}",
                            r.chars().count()
                        ),
                    ),
                );
            } else if !seen_refs.insert(r.clone()) {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.refId"),
                        C::SkuRefIdDuplicate,
                        format!("SKU refId \"{r}\" appears more than once"),
                    ),
                );
            }
        }
        if let Some(e) = &ean {
            if e.chars().count() > MAX_EAN || e.chars().any(char::is_whitespace) {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.ean"),
                        C::SkuEanInvalid,
                        format!("EAN must be 1 to {MAX_EAN} characters without spaces"),
                    ),
                );
            } else if !seen_eans.insert(e.clone()) {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.ean"),
                        C::SkuEanDuplicate,
                        format!("EAN \"{e}\" appears more than once"),
                    ),
                );
            }
        }
        if ref_id.is_none() && ean.is_none() {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    path,
                    C::SkuIdentifierMissing,
                    "an SKU needs a refId or an EAN",
                ),
            );
        }
        let existing: Option<&Sku> = match (&ref_id, &ean) {
            (Some(r), _) => self.sku_by_ref.get(r.as_str()).copied(),
            (None, Some(e)) => self.sku_by_ean.get(e.as_str()).copied(),
            _ => None,
        };
        if let Some(e) = &ean
            && let Some(owner) = self.sku_by_ean.get(e.as_str())
            && Some(owner.id) != existing.map(|x| x.id)
        {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    format!("{path}.ean"),
                    C::SkuEanDuplicate,
                    format!("EAN \"{e}\" belongs to SKU {} of the catalog", owner.id),
                ),
            );
        }
        if let Some(x) = existing
            && product.map(|p| p.id) != Some(x.product_id)
        {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    path,
                    C::SkuProductMismatch,
                    format!("the catalog has this SKU ({}) under product {}; an import does not move SKUs", x.id, x.product_id),
                ),
            );
        }
        if !name_ok(&s.name, MAX_SKU_NAME) {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    format!("{path}.name"),
                    C::SkuNameInvalid,
                    format!("an SKU name must be 1 to {MAX_SKU_NAME} characters after trimming"),
                ),
            );
        }
        let packaged = [
            ("packagedHeight", s.packaged_height),
            ("packagedLength", s.packaged_length),
            ("packagedWidth", s.packaged_width),
            ("packagedWeightKg", s.packaged_weight_kg),
        ];
        let missing: Vec<&str> = packaged
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    path,
                    C::SkuDimensionsMissing,
                    format!(
                        "packaged dimensions and weight are required; missing {}",
                        missing.join(", ")
                    ),
                ),
            );
        }
        for (n, v) in packaged {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0)
            {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.{n}"),
                        C::SkuDimensionsInvalid,
                        format!("{n} must be a positive number, not {v}"),
                    ),
                );
            }
        }
        for (n, v) in [
            ("height", s.height),
            ("length", s.length),
            ("width", s.width),
            ("weightKg", s.weight_kg),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v >= 0.0)
            {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{path}.{n}"),
                        C::SkuDimensionsInvalid,
                        format!("{n} must be a non-negative number, not {v}"),
                    ),
                );
            }
        }
        if let Some(u) = &s.measurement_unit
            && !MEASUREMENT_UNITS.contains(&u.as_str())
        {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    format!("{path}.measurementUnit"),
                    C::SkuMeasurementUnitInvalid,
                    format!(
                        "\"{u}\" is not one of VTEX's units ({})",
                        MEASUREMENT_UNITS.join(", ")
                    ),
                ),
            );
        }
        if let Some(m) = s.unit_multiplier
            && !(m.is_finite() && m > 0.0)
        {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    format!("{path}.unitMultiplier"),
                    C::SkuUnitMultiplierInvalid,
                    format!("unitMultiplier must be positive, not {m}"),
                ),
            );
        }
        let was_kit = existing.is_some_and(|x| x.is_kit);
        if was_kit && s.is_kit == Some(false) {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    format!("{path}.isKit"),
                    C::SkuKitIrreversible,
                    "the SKU is a kit; IsKit cannot be undone",
                ),
            );
        }
        let is_kit = s.is_kit.unwrap_or(was_kit);
        if !s.kit_components.is_empty() && !is_kit {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    format!("{path}.kitComponents"),
                    C::SkuKitComponentsNotKit,
                    "only a kit (isKit) has components",
                ),
            );
        }

        let id = existing.map_or_else(|| SkuId(bump(&mut self.next.sku)), |x| x.id);
        if let Some(r) = &ref_id {
            self.batch_sku_by_ref.entry(r.clone()).or_insert(id);
        }

        // Specifications.
        let mut specs = Vec::new();
        let mut valued = BTreeSet::new();
        let existing_specs: BTreeMap<FieldId, FieldValueId> = existing
            .map(|x| {
                state
                    .sku_specifications
                    .iter()
                    .filter(|v| v.sku_id == x.id)
                    .map(|v| (v.field_id, v.field_value_id))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(cat) = category {
            let mentioned: BTreeSet<String> =
                s.specifications.iter().map(|x| fold(&x.field)).collect();
            for (si, spec) in s.specifications.iter().enumerate() {
                let spath = format!("{path}.specifications[{si}]");
                let Some((fid, _, values)) = self.resolve_spec(pi, &spath, Target::Sku, cat, spec)
                else {
                    continue;
                };
                if !valued.insert(fid) {
                    self.push(
                        SEC_PRODUCTS,
                        pi,
                        err(
                            &spath,
                            C::SpecDuplicate,
                            format!("field \"{}\" is given twice", spec.field.trim()),
                        ),
                    );
                    continue;
                }
                let Some(&value) = values.first() else {
                    continue;
                };
                let change = match existing_specs.get(&fid) {
                    None => Change::Create,
                    Some(&old) => self.change_for(
                        old != value,
                        SEC_PRODUCTS,
                        pi,
                        &spath,
                        &format!("SKU specification \"{}\"", spec.field.trim()),
                        "value",
                    ),
                };
                specs.push(RSkuSpec {
                    path: spath,
                    field: fid,
                    value,
                    change,
                });
            }
            valued.extend(existing_specs.keys().copied());
            let required: Vec<(FieldId, String)> = self
                .merged
                .effective_specifications(cat)
                .map(|e| {
                    e.sku_fields
                        .into_iter()
                        .filter(|f| f.is_required)
                        .map(|f| (f.field_id, f.name))
                        .collect()
                })
                .unwrap_or_default();
            self.required_missing(
                pi,
                &format!("{path}.specifications"),
                required,
                &valued,
                &mentioned,
            );
        }

        // Images.
        let existing_images: Vec<&SkuImage> = existing
            .map(|x| {
                state
                    .sku_images
                    .iter()
                    .filter(|i| i.sku_id == x.id)
                    .collect()
            })
            .unwrap_or_default();
        let (images, named) = self.images(pi, path, &s.images, &existing_images);
        let kept_images = existing_images
            .iter()
            .filter(|i| !named.contains(&fold(&i.name)))
            .count() as u32;

        let patch = SkuPatch {
            product_id: Some(product_id),
            is_active: None,
            name: Some(s.name.trim().to_owned()),
            ref_id: ref_id.clone(),
            ean: ean.clone(),
            packaged_height: s.packaged_height,
            packaged_length: s.packaged_length,
            packaged_width: s.packaged_width,
            packaged_weight_kg: s.packaged_weight_kg,
            height: s.height,
            length: s.length,
            width: s.width,
            weight_kg: s.weight_kg,
            measurement_unit: s.measurement_unit.clone(),
            unit_multiplier: s.unit_multiplier,
            is_kit: s.is_kit,
            manufacturer_code: s.manufacturer_code.clone(),
        };
        let key = sku_key(ref_id.as_deref(), ean.as_deref());
        let (change, after) = match existing {
            Some(x) => {
                let after = merge_sku_for_put(x, &patch);
                let detail = differing_fields(x, &after);
                let change = self.change_for(
                    after != *x,
                    SEC_PRODUCTS,
                    pi,
                    path,
                    &format!("SKU \"{key}\""),
                    &detail,
                );
                (change, after)
            }
            None => (Change::Create, patch.into_sku(id, product_id)),
        };
        let kept_components: Vec<SkuId> = existing
            .map(|x| {
                state
                    .kit_components
                    .iter()
                    .filter(|k| k.kit_sku_id == x.id)
                    .map(|k| k.component_sku_id)
                    .collect()
            })
            .unwrap_or_default();
        if self.errors.len() != before {
            return None;
        }
        Some(RSku {
            path: path.to_owned(),
            key,
            id,
            change,
            patch,
            after,
            existing_active: existing.is_some_and(|x| x.is_active),
            specs,
            images,
            kept_images,
            kit: Vec::new(),
            kept_components,
            valued_fields: valued,
        })
    }

    fn images(
        &mut self,
        pi: usize,
        path: &str,
        images: &[ImageInput],
        existing: &[&SkuImage],
    ) -> (Vec<RImage>, BTreeSet<String>) {
        let mut out = Vec::new();
        let mut names = BTreeSet::new();
        let mut mains = 0;
        for (ii, img) in images.iter().enumerate() {
            let ipath = format!("{path}.images[{ii}]");
            let before = self.errors.len();
            let name = img.name.trim().to_owned();
            if name.is_empty() {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{ipath}.name"),
                        C::ImageNameMissing,
                        "an image needs a name",
                    ),
                );
            } else if !names.insert(fold(&name)) {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{ipath}.name"),
                        C::ImageNameDuplicate,
                        format!("image \"{name}\" appears twice on the SKU"),
                    ),
                );
            }
            if !is_valid_image_url(&img.url) {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{ipath}.url"),
                        C::ImageUrlInvalid,
                        format!(
                            "\"{}\" is not an http(s) URL ending in .jpg, .png or .gif",
                            img.url
                        ),
                    ),
                );
            }
            if let Some(p) = img.position
                && p < 0
            {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{ipath}.position"),
                        C::ImagePositionInvalid,
                        "position must not be negative",
                    ),
                );
            }
            match (img.is_main, img.position) {
                (true, Some(p)) if p != 0 => self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{ipath}.position"),
                        C::ImageMainPosition,
                        "the main image is at position 0",
                    ),
                ),
                (false, Some(0)) => self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        format!("{ipath}.position"),
                        C::ImageMainPosition,
                        "position 0 is the main image's; set isMain or another position",
                    ),
                ),
                _ => {}
            }
            if img.is_main {
                mains += 1;
                if mains == 2 {
                    self.push(
                        SEC_PRODUCTS,
                        pi,
                        err(
                            format!("{ipath}.isMain"),
                            C::ImageMainMultiple,
                            "an SKU has exactly one main image",
                        ),
                    );
                }
            }
            if self.errors.len() != before {
                continue;
            }
            let old = existing.iter().find(|e| fold(&e.name) == fold(&name));
            let body = ImageBody {
                name,
                url: img.url.clone(),
                is_main: img.is_main,
                position: img
                    .position
                    .unwrap_or(if img.is_main { 0 } else { ii as i32 + 1 }),
                label: img
                    .label
                    .clone()
                    .or_else(|| old.and_then(|o| o.label.clone())),
                text: img
                    .text
                    .clone()
                    .or_else(|| old.and_then(|o| o.text.clone())),
            };
            let change = match old {
                None => Change::Create,
                Some(o) => {
                    let differs = o.url != body.url
                        || o.is_main != body.is_main
                        || o.position != body.position
                        || o.label != body.label
                        || o.text != body.text;
                    self.change_for(
                        differs,
                        SEC_PRODUCTS,
                        pi,
                        &ipath,
                        &format!("image \"{}\"", body.name),
                        "url, isMain, position, label or text",
                    )
                }
            };
            out.push(RImage {
                path: ipath,
                existing: old.map(|o| o.id),
                body,
                change,
            });
        }
        if !images.is_empty() && mains == 0 {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    format!("{path}.images"),
                    C::ImageMainMissing,
                    "exactly one image must be the main one (isMain, position 0)",
                ),
            );
        }
        (out, names)
    }

    /// Kit components, once every batch SKU has an id.
    fn kits(&mut self, pending: Vec<PendingKit>) {
        let state = self.state;
        for (pi, rsku_index, _si, comps) in pending {
            let Some(kit_id) = self
                .products
                .iter()
                .find(|p| p.path == format!("products[{pi}]"))
                .and_then(|p| p.skus.get(rsku_index))
                .map(|s| (s.id, s.key.clone()))
            else {
                // The product itself had errors: still check the components' own rules.
                for (r, q, path) in &comps {
                    self.check_component(pi, path, r, *q, None);
                }
                continue;
            };
            let mut seen = BTreeSet::new();
            let mut resolved = Vec::new();
            for (r, q, path) in comps {
                let Some(cid) = self.check_component(pi, &path, &r, q, Some(kit_id.0)) else {
                    continue;
                };
                if !seen.insert(cid) {
                    self.push(
                        SEC_PRODUCTS,
                        pi,
                        err(
                            &path,
                            C::SkuKitComponentInvalid,
                            format!("component \"{r}\" is listed twice"),
                        ),
                    );
                    continue;
                }
                let change = match state
                    .kit_components
                    .iter()
                    .find(|k| k.kit_sku_id == kit_id.0 && k.component_sku_id == cid)
                {
                    None => Change::Create,
                    Some(k) => self.change_for(
                        k.quantity != q,
                        SEC_PRODUCTS,
                        pi,
                        &path,
                        &format!("kit component \"{r}\""),
                        "quantity",
                    ),
                };
                resolved.push(RKit {
                    path,
                    component: cid,
                    component_ref: r,
                    quantity: q,
                    change,
                });
            }
            if let Some(sku) = self
                .products
                .iter_mut()
                .find(|p| p.path == format!("products[{pi}]"))
                .and_then(|p| p.skus.get_mut(rsku_index))
            {
                let named: BTreeSet<SkuId> = resolved.iter().map(|k| k.component).collect();
                sku.kept_components.retain(|c| !named.contains(c));
                sku.kit = resolved;
            }
        }
    }

    fn check_component(
        &mut self,
        pi: usize,
        path: &str,
        r: &str,
        q: u32,
        kit: Option<SkuId>,
    ) -> Option<SkuId> {
        if q == 0 {
            self.push(
                SEC_PRODUCTS,
                pi,
                err(
                    path,
                    C::SkuKitComponentInvalid,
                    "a component's quantity must be positive",
                ),
            );
            return None;
        }
        let id = self
            .batch_sku_by_ref
            .get(r)
            .copied()
            .or_else(|| self.sku_by_ref.get(r).map(|s| s.id));
        match id {
            None => {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        path,
                        C::SkuKitComponentNotFound,
                        format!("no SKU with refId \"{r}\" in the batch or the catalog"),
                    ),
                );
                None
            }
            Some(id) if Some(id) == kit => {
                self.push(
                    SEC_PRODUCTS,
                    pi,
                    err(
                        path,
                        C::SkuKitComponentInvalid,
                        "a kit cannot contain itself",
                    ),
                );
                None
            }
            Some(id) => Some(id),
        }
    }
}

/// Escapes the separators used in idempotency keys.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '/' | '#' | '=' | '@' | ':' | '>' => out.push_str(&format!("%{:02X}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

pub(super) fn sku_key(ref_id: Option<&str>, ean: Option<&str>) -> String {
    match (ref_id, ean) {
        (Some(r), _) => esc(r),
        (None, Some(e)) => format!("ean:{}", esc(e)),
        (None, None) => String::new(),
    }
}
