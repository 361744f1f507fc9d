//! A small reference model of import validation and an independent view of plans and catalogs,
//! for `tests/import.rs`.
//!
//! - [`reference_errors`]: a subset of the rules of §C (RefId uniqueness, leaf
//!   category, SKU packaged dimensions, an SKU specification takes one value, image URLs),
//!   written from the spec with its own name resolution, giving `(path, code)` pairs to compare
//!   with what `ponte-core` returns for the same codes.
//! - [`check_dependencies`]: a second, independent check that a plan is executable in order.
//! - [`canonical`]: a catalog by natural keys (paths, names, RefIds), independent of the ids an
//!   executor handed out, refusing duplicates: to compare the outcome of an interrupted and
//!   resumed import with an uninterrupted one.

use ponte_core::catalog::import::{
    CatalogState, CategoryRef, EntityKind, ImportBatch, ImportOptions, ImportPlan, Operation, Ref,
    StepAction,
};
use std::collections::{BTreeMap, BTreeSet};

/// The codes [`reference_errors`] decides.
pub const REFERENCE_CODES: [&str; 7] = [
    "PRODUCT_REFID_DUPLICATE",
    "SKU_REFID_DUPLICATE",
    "PRODUCT_CATEGORY_NOT_LEAF",
    "SKU_DIMENSIONS_MISSING",
    "SKU_DIMENSIONS_INVALID",
    "SKU_SPEC_NEEDS_ONE_VALUE",
    "IMAGE_URL_INVALID",
];

/// §C: names are compared trimmed and case-folded.
fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// §C.9: a public http(s) URL (a host, then a path) ending in .jpg, .png or .gif, no spaces.
pub fn image_url_ok(url: &str) -> bool {
    if url.contains(char::is_whitespace) {
        return false;
    }
    let lower = url.to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return false;
    };
    if scheme != "http" && scheme != "https" {
        return false;
    }
    let Some((host, _path)) = rest.split_once('/') else {
        return false;
    };
    !host.is_empty()
        && (lower.ends_with(".jpg") || lower.ends_with(".png") || lower.ends_with(".gif"))
}

/// The category tree as folded paths: the current catalog's and the batch's.
struct Tree {
    paths: BTreeSet<Vec<String>>,
    by_key: BTreeMap<String, Vec<String>>,
}

impl Tree {
    fn new(current: &CatalogState, batch: &ImportBatch) -> Tree {
        let cats = &current.catalog.categories;
        let by_id: BTreeMap<u32, (Option<u32>, String)> = cats
            .iter()
            .map(|c| (c.id.0, (c.father_category_id.map(|f| f.0), fold(&c.name))))
            .collect();
        let mut paths = BTreeSet::new();
        for c in cats {
            let mut path = Vec::new();
            let mut cursor = Some(c.id.0);
            let mut guard = 0;
            while let Some(id) = cursor {
                let Some((father, name)) = by_id.get(&id) else {
                    break;
                };
                path.insert(0, name.clone());
                cursor = *father;
                guard += 1;
                if guard > 64 {
                    break;
                }
            }
            paths.insert(path);
        }
        let mut tree = Tree {
            paths,
            by_key: BTreeMap::new(),
        };
        // Batch categories in any order: resolve until nothing more resolves.
        let mut done = vec![false; batch.categories.len()];
        loop {
            let mut progress = false;
            for (i, c) in batch.categories.iter().enumerate() {
                if done[i] {
                    continue;
                }
                let parent = match &c.parent {
                    None => Some(Vec::new()),
                    Some(r) => tree.resolve(r),
                };
                if let Some(mut path) = parent {
                    path.push(fold(&c.name));
                    if let Some(k) = &c.key {
                        tree.by_key
                            .entry(k.trim().to_owned())
                            .or_insert(path.clone());
                    }
                    tree.paths.insert(path);
                    done[i] = true;
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        tree
    }

    fn resolve(&self, r: &CategoryRef) -> Option<Vec<String>> {
        match (&r.key, &r.path) {
            (Some(k), None) => self.by_key.get(k.trim()).cloned(),
            (None, Some(p)) if !p.is_empty() => {
                let p: Vec<String> = p.iter().map(|s| fold(s)).collect();
                self.paths.contains(&p).then_some(p)
            }
            _ => None,
        }
    }

    fn is_leaf(&self, path: &[String]) -> bool {
        !self
            .paths
            .iter()
            .any(|p| p.len() == path.len() + 1 && p.starts_with(path))
    }
}

/// A specification field as the reference sees it: where it sits and what it is.
struct RefField {
    /// The folded path of its group's category (`None`: root level).
    scope: Option<Vec<String>>,
    group: String,
    is_sku: bool,
    is_active: bool,
    field_type_id: i32,
}

fn fields(
    current: &CatalogState,
    batch: &ImportBatch,
    tree: &Tree,
) -> BTreeMap<String, Vec<RefField>> {
    let cat_path: BTreeMap<u32, Vec<String>> = {
        let t = &current.catalog.categories;
        let by_id: BTreeMap<u32, &ponte_core::catalog::Category> =
            t.iter().map(|c| (c.id.0, c)).collect();
        t.iter()
            .map(|c| {
                let mut path = Vec::new();
                let mut cur = Some(c);
                while let Some(x) = cur {
                    path.insert(0, fold(&x.name));
                    cur = x.father_category_id.and_then(|f| by_id.get(&f.0).copied());
                }
                (c.id.0, path)
            })
            .collect()
    };
    let groups: BTreeMap<u32, (Option<Vec<String>>, String)> = current
        .catalog
        .groups
        .iter()
        .map(|g| {
            (
                g.id.0,
                (
                    g.category_id.and_then(|c| cat_path.get(&c.0).cloned()),
                    fold(&g.name),
                ),
            )
        })
        .collect();
    // Identity: (scope, group name, field name).
    let mut all: BTreeMap<(Option<Vec<String>>, String, String), RefField> = BTreeMap::new();
    for f in &current.catalog.fields {
        let Some((scope, group)) = groups.get(&f.field_group_id.0) else {
            continue;
        };
        all.insert(
            (scope.clone(), group.clone(), fold(&f.name)),
            RefField {
                scope: scope.clone(),
                group: group.clone(),
                is_sku: f.is_stock_keeping_unit,
                is_active: f.is_active,
                field_type_id: f.field_type_id,
            },
        );
    }
    for g in &batch.specification_groups {
        let scope = match &g.category {
            None => None,
            Some(r) => match tree.resolve(r) {
                Some(p) => Some(p),
                None => continue,
            },
        };
        for f in &g.fields {
            let id = (scope.clone(), fold(&g.name), fold(&f.name));
            let old_active = all.get(&id).map(|x| x.is_active);
            all.insert(
                id,
                RefField {
                    scope: scope.clone(),
                    group: fold(&g.name),
                    is_sku: f.is_stock_keeping_unit,
                    is_active: f.is_active.or(old_active).unwrap_or(true),
                    field_type_id: f.field_type_id,
                },
            );
        }
    }
    let mut by_name: BTreeMap<String, Vec<RefField>> = BTreeMap::new();
    for ((_, _, name), f) in all {
        by_name.entry(name).or_default().push(f);
    }
    by_name
}

fn finite_positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// The errors of `batch` for the rules in [`REFERENCE_CODES`], as `(path, code)`, sorted.
///
/// Domain: batches whose categories and specification fields are themselves valid (the
/// generated ones, whatever breakage they carry); a field's visibility is its group's category
/// on the product category's chain, or the root level (§C.4, §C.7).
pub fn reference_errors(
    current: &CatalogState,
    batch: &ImportBatch,
    options: &ImportOptions,
) -> Vec<(String, &'static str)> {
    let tree = Tree::new(current, batch);
    let fields = fields(current, batch, &tree);
    let mut out = Vec::new();
    let mut product_refs = BTreeSet::new();
    let mut sku_refs = BTreeSet::new();
    for (pi, p) in batch.products.iter().enumerate() {
        let path = format!("products[{pi}]");
        // §C.5: RefId unique in the batch (max 100 characters).
        let r = p.ref_id.trim();
        if !r.is_empty() && r.chars().count() <= 100 && !product_refs.insert(r.to_owned()) {
            out.push((format!("{path}.refId"), "PRODUCT_REFID_DUPLICATE"));
        }
        // §C.5: a product sits in a leaf category.
        let category: Option<Vec<String>> = match &p.category {
            Some(r) => tree.resolve(r),
            None if options.use_placeholders => Some(vec![fold(&options.placeholder_name)]),
            None => None,
        };
        if let (Some(c), Some(_)) = (&category, &p.category)
            && !tree.is_leaf(c)
        {
            out.push((format!("{path}.category"), "PRODUCT_CATEGORY_NOT_LEAF"));
        }
        for (si, s) in p.skus.iter().enumerate() {
            let spath = format!("{path}.skus[{si}]");
            // §C.6: RefId unique (max 50 characters).
            if let Some(r) = s.ref_id.as_deref().map(str::trim)
                && !r.is_empty()
                && r.chars().count() <= 50
                && !sku_refs.insert(r.to_owned())
            {
                out.push((format!("{spath}.refId"), "SKU_REFID_DUPLICATE"));
            }
            // §C.6: packaged dimensions and weight required, positive; the others not negative.
            let packaged = [
                ("packagedHeight", s.packaged_height),
                ("packagedLength", s.packaged_length),
                ("packagedWidth", s.packaged_width),
                ("packagedWeightKg", s.packaged_weight_kg),
            ];
            if packaged.iter().any(|(_, v)| v.is_none()) {
                out.push((spath.clone(), "SKU_DIMENSIONS_MISSING"));
            }
            for (name, v) in packaged {
                if v.is_some_and(|v| !finite_positive(v)) {
                    out.push((format!("{spath}.{name}"), "SKU_DIMENSIONS_INVALID"));
                }
            }
            for (name, v) in [
                ("height", s.height),
                ("length", s.length),
                ("width", s.width),
                ("weightKg", s.weight_kg),
            ] {
                if v.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
                    out.push((format!("{spath}.{name}"), "SKU_DIMENSIONS_INVALID"));
                }
            }
            // §C.7: an SKU specification (a visible, active SKU field) takes exactly one value.
            if let Some(cat) = &category {
                for (xi, spec) in s.specifications.iter().enumerate() {
                    let candidates = fields.get(&fold(&spec.field));
                    let visible: Vec<&RefField> = candidates
                        .into_iter()
                        .flatten()
                        .filter(|f| spec.group.as_ref().is_none_or(|g| fold(g) == f.group))
                        .filter(|f| f.scope.as_ref().is_none_or(|sc| cat.starts_with(sc)))
                        .collect();
                    let [field] = visible.as_slice() else {
                        continue;
                    };
                    if field.is_active
                        && field.is_sku
                        && [5, 6, 7].contains(&field.field_type_id)
                        && spec.values.len() != 1
                    {
                        out.push((
                            format!("{spath}.specifications[{xi}]"),
                            "SKU_SPEC_NEEDS_ONE_VALUE",
                        ));
                    }
                }
            }
            // §C.9: image URLs.
            for (ii, img) in s.images.iter().enumerate() {
                if !image_url_ok(&img.url) {
                    out.push((format!("{spath}.images[{ii}].url"), "IMAGE_URL_INVALID"));
                }
            }
        }
    }
    out.sort();
    out
}

/// The kind of entity an operation creates, by the harness's own reading of the operations.
fn creates(op: &Operation) -> Option<EntityKind> {
    use EntityKind as K;
    use Operation as O;
    match op {
        O::CreateCategory { .. } => Some(K::Category),
        O::CreateBrand { .. } => Some(K::Brand),
        O::CreateSpecificationGroup { .. } => Some(K::SpecificationGroup),
        O::CreateSpecificationField { .. } => Some(K::SpecificationField),
        O::CreateSpecificationValue { .. } => Some(K::SpecificationValue),
        O::CreateProduct { .. } => Some(K::Product),
        O::CreateSku { .. } => Some(K::Sku),
        _ => None,
    }
}

/// Checks, independently of `plan_respects_dependencies`, that running the steps in order
/// against `current` never uses an entity that is not there yet: every `Existing` id exists in
/// `current` with the right kind; every `Planned` step is an earlier create of the right kind;
/// an SKU is activated only after its images and SKU specifications are set and its kit
/// components are set; nothing is created twice under one key.
pub fn check_dependencies(current: &CatalogState, plan: &ImportPlan) -> Result<(), String> {
    use EntityKind as K;
    let ids = |k: K| -> BTreeSet<u32> {
        match k {
            K::Category => current.catalog.categories.iter().map(|c| c.id.0).collect(),
            K::Brand => current.brands.iter().map(|c| c.id.0).collect(),
            K::SpecificationGroup => current.catalog.groups.iter().map(|c| c.id.0).collect(),
            K::SpecificationField => current.catalog.fields.iter().map(|c| c.id.0).collect(),
            K::SpecificationValue => current.catalog.values.iter().map(|c| c.id.0).collect(),
            K::Product => current.products.iter().map(|c| c.id.0).collect(),
            K::Sku => current.skus.iter().map(|c| c.id.0).collect(),
        }
    };
    let existing: BTreeMap<K, BTreeSet<u32>> = [
        K::Category,
        K::Brand,
        K::SpecificationGroup,
        K::SpecificationField,
        K::SpecificationValue,
        K::Product,
        K::Sku,
    ]
    .into_iter()
    .map(|k| (k, ids(k)))
    .collect();
    let mut made: BTreeMap<u32, K> = BTreeMap::new();
    let mut keys = BTreeSet::new();
    // Per SKU reference: the steps that must precede its activation.
    let mut sku_setup: BTreeMap<String, usize> = BTreeMap::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let at = |what: String| format!("step {i} ({}): {what}", step.key);
        if !keys.insert(step.key.clone()) {
            return Err(at("key used twice".into()));
        }
        let need = |kind: K, r: Option<(bool, u32)>| -> Result<(), String> {
            match r {
                None => Ok(()),
                Some((true, id)) => {
                    if existing[&kind].contains(&id) {
                        Ok(())
                    } else {
                        Err(at(format!("{kind:?} {id} is not in the catalog")))
                    }
                }
                Some((false, s)) => match made.get(&s) {
                    Some(k) if *k == kind => Ok(()),
                    other => Err(at(format!(
                        "needs a {kind:?} from step {s}, which made {other:?} before it"
                    ))),
                },
            }
        };
        fn r<T: serde::Serialize>(x: &Ref<T>) -> Option<(bool, u32)> {
            let v = serde_json::to_value(x).ok()?;
            match x {
                Ref::Existing { .. } => Some((true, v.get("id")?.as_u64()? as u32)),
                Ref::Planned { step } => Some((false, *step)),
            }
        }
        use Operation as O;
        let sku_key = |x: &Ref<ponte_core::catalog::import::SkuId>| format!("{x:?}");
        match &step.operation {
            O::CreateCategory { father, .. } => need(K::Category, father.as_ref().and_then(r))?,
            O::CreateSpecificationGroup { category, .. } => {
                need(K::Category, category.as_ref().and_then(r))?
            }
            O::CreateSpecificationField {
                group, category, ..
            } => {
                need(K::SpecificationGroup, r(group))?;
                need(K::Category, category.as_ref().and_then(r))?;
            }
            O::CreateSpecificationValue { field, .. } => need(K::SpecificationField, r(field))?,
            O::CreateProduct {
                category, brand, ..
            }
            | O::UpdateProduct {
                category, brand, ..
            } => {
                need(K::Category, r(category))?;
                need(K::Brand, r(brand))?;
            }
            O::LinkProductTradePolicy { product, .. } | O::CreateSku { product, .. } => {
                need(K::Product, r(product))?
            }
            O::SetProductSpecification {
                product,
                field,
                values,
                ..
            } => {
                need(K::Product, r(product))?;
                need(K::SpecificationField, r(field))?;
                for v in values {
                    need(K::SpecificationValue, r(v))?;
                }
            }
            O::SetSkuSpecification { sku, field, value } => {
                need(K::Sku, r(sku))?;
                need(K::SpecificationField, r(field))?;
                need(K::SpecificationValue, r(value))?;
                sku_setup.insert(sku_key(sku), i);
            }
            O::AddSkuImage { sku, .. } => {
                need(K::Sku, r(sku))?;
                sku_setup.insert(sku_key(sku), i);
            }
            O::SetKitComponent { kit, component, .. } => {
                need(K::Sku, r(kit))?;
                need(K::Sku, r(component))?;
                sku_setup.insert(sku_key(kit), i);
            }
            O::ActivateSku { sku } => {
                need(K::Sku, r(sku))?;
                if step.action != StepAction::Activate {
                    return Err(at("an activation that is not an Activate step".into()));
                }
                if let Some(last) = sku_setup.get(&sku_key(sku))
                    && *last > i
                {
                    return Err(at(format!("activates before step {last} sets the SKU up")));
                }
            }
            _ => {}
        }
        if let Some(kind) = creates(&step.operation) {
            made.insert(i as u32, kind);
        }
    }
    Ok(())
}

/// A catalog by natural keys.
pub type Canonical = BTreeMap<String, String>;

/// The catalog as `natural key → attributes`, ids replaced by the natural keys they point at.
/// Two entities with one natural key are an error (a duplicate).
pub fn canonical(s: &CatalogState) -> Result<Canonical, String> {
    let mut out = Canonical::new();
    let mut put = |k: String, v: String| -> Result<(), String> {
        match out.insert(k.clone(), v) {
            Some(_) => Err(format!("duplicate: {k}")),
            None => Ok(()),
        }
    };
    let cats: BTreeMap<u32, &ponte_core::catalog::Category> =
        s.catalog.categories.iter().map(|c| (c.id.0, c)).collect();
    let cpath = |id: u32| -> String {
        let mut parts = Vec::new();
        let mut cur = cats.get(&id).copied();
        while let Some(c) = cur {
            parts.insert(0, fold(&c.name));
            cur = c.father_category_id.and_then(|f| cats.get(&f.0).copied());
        }
        parts.join("/")
    };
    for c in &s.catalog.categories {
        put(
            format!("category {}", cpath(c.id.0)),
            format!("active={}", c.is_active),
        )?;
    }
    let groups: BTreeMap<u32, String> = s
        .catalog
        .groups
        .iter()
        .map(|g| {
            (
                g.id.0,
                format!(
                    "{}#{}",
                    g.category_id.map(|c| cpath(c.0)).unwrap_or_default(),
                    fold(&g.name)
                ),
            )
        })
        .collect();
    for g in &s.catalog.groups {
        put(
            format!("group {}", groups[&g.id.0]),
            format!("pos={}", g.position),
        )?;
    }
    let fields: BTreeMap<u32, String> = s
        .catalog
        .fields
        .iter()
        .map(|f| {
            (
                f.id.0,
                format!(
                    "{}#{}",
                    groups.get(&f.field_group_id.0).cloned().unwrap_or_default(),
                    fold(&f.name)
                ),
            )
        })
        .collect();
    for f in &s.catalog.fields {
        put(
            format!("field {}", fields[&f.id.0]),
            format!(
                "type={} sku={} req={} filter={} active={} pos={}",
                f.field_type_id,
                f.is_stock_keeping_unit,
                f.is_required,
                f.is_filter,
                f.is_active,
                f.position
            ),
        )?;
    }
    let values: BTreeMap<u32, String> = s
        .catalog
        .values
        .iter()
        .map(|v| {
            (
                v.id.0,
                format!(
                    "{}={}",
                    fields.get(&v.field_id.0).cloned().unwrap_or_default(),
                    fold(&v.name)
                ),
            )
        })
        .collect();
    for v in &s.catalog.values {
        put(
            format!("value {}", values[&v.id.0]),
            format!("active={} pos={}", v.is_active, v.position),
        )?;
    }
    let brands: BTreeMap<u32, String> = s.brands.iter().map(|b| (b.id.0, fold(&b.name))).collect();
    for b in &s.brands {
        put(
            format!("brand {}", brands[&b.id.0]),
            format!(
                "name={:?} link={:?} active={}",
                b.name, b.link_id, b.is_active
            ),
        )?;
    }
    let products: BTreeMap<u32, String> = s
        .products
        .iter()
        .map(|p| {
            (
                p.id.0,
                p.ref_id.clone().unwrap_or_else(|| format!("#{}", p.id)),
            )
        })
        .collect();
    for p in &s.products {
        let mut v = serde_json::to_value(p).map_err(|e| e.to_string())?;
        if let Some(o) = v.as_object_mut() {
            o.remove("id");
            o.insert("categoryId".into(), cpath(p.category_id.0).into());
            o.insert(
                "brandId".into(),
                brands
                    .get(&p.brand_id.0)
                    .cloned()
                    .unwrap_or_default()
                    .into(),
            );
        }
        put(format!("product {}", products[&p.id.0]), v.to_string())?;
    }
    let skus: BTreeMap<u32, String> = s
        .skus
        .iter()
        .map(|x| {
            (
                x.id.0,
                x.ref_id
                    .clone()
                    .or_else(|| x.ean.as_ref().map(|e| format!("ean:{e}")))
                    .unwrap_or_else(|| format!("#{}", x.id)),
            )
        })
        .collect();
    for x in &s.skus {
        let mut v = serde_json::to_value(x).map_err(|e| e.to_string())?;
        if let Some(o) = v.as_object_mut() {
            o.remove("id");
            o.insert(
                "productId".into(),
                products
                    .get(&x.product_id.0)
                    .cloned()
                    .unwrap_or_default()
                    .into(),
            );
        }
        put(format!("sku {}", skus[&x.id.0]), v.to_string())?;
        // EANs are unique too.
        if let Some(e) = &x.ean {
            put(format!("ean {e}"), skus[&x.id.0].clone())?;
        }
    }
    let mut pspecs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ps in &s.product_specifications {
        let k = format!(
            "productSpec {}#{}",
            products.get(&ps.product_id.0).cloned().unwrap_or_default(),
            fields.get(&ps.field_id.0).cloned().unwrap_or_default()
        );
        let v = match (&ps.field_value_id, &ps.text) {
            (Some(v), _) => values.get(&v.0).cloned().unwrap_or_default(),
            (None, t) => format!("text:{t:?}"),
        };
        pspecs.entry(k).or_default().push(v);
    }
    for (k, mut v) in pspecs {
        let n = v.len();
        v.sort();
        v.dedup();
        if v.len() != n {
            return Err(format!("duplicate value rows: {k}"));
        }
        put(k, v.join(","))?;
    }
    for ss in &s.sku_specifications {
        put(
            format!(
                "skuSpec {}#{}",
                skus.get(&ss.sku_id.0).cloned().unwrap_or_default(),
                fields.get(&ss.field_id.0).cloned().unwrap_or_default()
            ),
            values
                .get(&ss.field_value_id.0)
                .cloned()
                .unwrap_or_default(),
        )?;
    }
    for i in &s.sku_images {
        put(
            format!(
                "image {}#{}",
                skus.get(&i.sku_id.0).cloned().unwrap_or_default(),
                fold(&i.name)
            ),
            format!(
                "{} main={} pos={} label={:?} text={:?}",
                i.url, i.is_main, i.position, i.label, i.text
            ),
        )?;
    }
    for k in &s.kit_components {
        put(
            format!(
                "kit {}#{}",
                skus.get(&k.kit_sku_id.0).cloned().unwrap_or_default(),
                skus.get(&k.component_sku_id.0).cloned().unwrap_or_default()
            ),
            k.quantity.to_string(),
        )?;
    }
    for l in &s.product_trade_policies {
        put(
            format!(
                "tradePolicy {}@{}",
                products.get(&l.product_id.0).cloned().unwrap_or_default(),
                l.trade_policy_id
            ),
            String::new(),
        )?;
    }
    Ok(out)
}
