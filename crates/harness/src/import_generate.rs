//! Generated catalog imports: a random current catalog (itself imported from an earlier batch
//! with the reference executor, so it is consistent in every way VTEX's is), a batch over it
//! that reuses, changes and adds entities, and breakages with the error they must produce.
//!
//! A strategy draws a seed and a few size knobs; [`world`] builds everything from them with
//! [`SplitMix`], so a failing case is reproduced from its printed knobs and shrinks by size.
//!
//! The *universe* is every entity a world may contain, in two versions (attributes before and
//! after a change). The current catalog is the plan of a closed subset of it (version 0)
//! applied to an empty catalog; the batch is another subset (version 1), closed over what the
//! current catalog lacks, so it is valid against it. Names are unique across the universe, and
//! references are written in the batch with other letter case and surrounding spaces (names
//! match after trimming and case folding).

use crate::bench::SplitMix;
use ponte_core::catalog::FieldType;
use ponte_core::catalog::import::{
    BrandInput, CatalogState, CategoryInput, CategoryRef, ImageInput, ImportBatch, ImportMode,
    ImportOptions, KitComponentInput, ProductInput, SkuInput, SpecificationFieldInput,
    SpecificationGroupInput, SpecificationInput, SpecificationValueInput, apply_plan, plan,
};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// How large a world may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Knobs {
    pub seed: u64,
    pub categories: usize,
    pub products: usize,
    pub fields: usize,
}

/// Small worlds mostly; now and then a few dozen products.
pub fn knobs() -> impl Strategy<Value = Knobs> {
    prop_oneof![
        4 => (any::<u64>(), 1..8usize, 0..6usize, 0..6usize),
        1 => (any::<u64>(), 4..20usize, 5..30usize, 2..12usize),
    ]
    .prop_map(|(seed, categories, products, fields)| Knobs {
        seed,
        categories,
        products,
        fields,
    })
}

#[derive(Debug, Clone)]
struct UCategory {
    name: String,
    key: String,
    parent: Option<usize>,
    active: [Option<bool>; 2],
}

#[derive(Debug, Clone)]
struct UBrand {
    name: String,
    link_id: Option<String>,
    active: [Option<bool>; 2],
}

#[derive(Debug, Clone)]
struct UGroup {
    category: Option<usize>,
    name: String,
    position: [Option<i32>; 2],
}

#[derive(Debug, Clone)]
struct UField {
    group: usize,
    name: String,
    field_type: FieldType,
    is_sku: bool,
    is_filter: [Option<bool>; 2],
    values: Vec<String>,
}

#[derive(Debug, Clone)]
enum USpecValue {
    Text(String),
    /// Indexes into the field's values.
    Values(Vec<usize>),
}

#[derive(Debug, Clone)]
struct USku {
    ref_id: Option<String>,
    ean: Option<String>,
    name: [String; 2],
    dims: [(f64, f64, f64, f64); 2],
    unit: Option<String>,
    is_kit: bool,
    /// Indexes of SKUs of the same product (that have a refId).
    components: Vec<(usize, u32)>,
    /// (field, value index).
    specs: [Vec<(usize, usize)>; 2],
    /// (name, url, label); the first is the main image.
    images: [Vec<(String, String, Option<String>)>; 2],
    explicit_positions: bool,
}

#[derive(Debug, Clone)]
struct UProduct {
    ref_id: String,
    name: [String; 2],
    description: [Option<String>; 2],
    active: [Option<bool>; 2],
    /// `None` only with placeholders on.
    category: Option<usize>,
    brand: Option<usize>,
    specs: [Vec<(usize, USpecValue)>; 2],
    skus: Vec<USku>,
    trade_policies: Vec<u32>,
}

/// Every entity a world may hold.
#[derive(Debug, Clone)]
struct Universe {
    categories: Vec<UCategory>,
    brands: Vec<UBrand>,
    groups: Vec<UGroup>,
    fields: Vec<UField>,
    products: Vec<UProduct>,
}

/// One generated import: the catalog VTEX holds, the batch, the options.
#[derive(Debug, Clone)]
pub struct ImportWorld {
    pub knobs: Knobs,
    pub current: CatalogState,
    pub batch: ImportBatch,
    pub options: ImportOptions,
}

fn letters(mut n: usize) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return s;
        }
        n -= 1;
    }
}

/// The same name as the batch may spell it: other letter case, surrounding spaces.
fn respell(rng: &mut SplitMix, name: &str) -> String {
    match rng.below(5) {
        0 => name.to_uppercase(),
        1 => format!("  {name} "),
        2 => name.to_lowercase(),
        _ => name.to_owned(),
    }
}

impl Universe {
    fn generate(rng: &mut SplitMix, k: &Knobs, placeholders: bool) -> Universe {
        let mut categories: Vec<UCategory> = Vec::new();
        let mut depth: Vec<usize> = Vec::new();
        for i in 0..k.categories.max(1) {
            let parent = if i == 0 || rng.chance(30) {
                None
            } else {
                let p = rng.below(i);
                (depth[p] < 4).then_some(p)
            };
            depth.push(parent.map_or(1, |p| depth[p] + 1));
            let active = |rng: &mut SplitMix| match rng.below(6) {
                0 => Some(false),
                1 | 2 => Some(true),
                _ => None,
            };
            categories.push(UCategory {
                name: format!(
                    "Category {i}{}",
                    ["", " ação", " \"q\"", " 🙂"][rng.below(4)]
                ),
                key: format!("cat-{i}"),
                parent,
                active: [active(rng), active(rng)],
            });
        }
        let has_child: BTreeSet<usize> = categories.iter().filter_map(|c| c.parent).collect();
        let leaves: Vec<usize> = (0..categories.len())
            .filter(|i| !has_child.contains(i))
            .collect();
        let brands: Vec<UBrand> = (0..1 + rng.below(4))
            .map(|i| UBrand {
                name: format!("Brand {}", letters(i).to_uppercase()),
                link_id: rng.chance(50).then(|| format!("brand-{}", letters(i))),
                active: [
                    Some(!rng.chance(10)),
                    [None, Some(true), Some(false)][rng.below(3)],
                ],
            })
            .collect();
        let mut groups = Vec::new();
        for i in 0..1 + k.fields / 3 {
            let category = if rng.chance(40) {
                None
            } else {
                Some(rng.below(categories.len()))
            };
            groups.push(UGroup {
                category,
                name: format!("Group {i}"),
                position: [Some(rng.below(4) as i32), None],
            });
        }
        let mut fields = Vec::new();
        for i in 0..k.fields {
            let is_sku = rng.chance(35);
            let field_type = if is_sku {
                [FieldType::Combo, FieldType::Radio][rng.below(2)]
            } else {
                FieldType::ALL[rng.below(FieldType::ALL.len())]
            };
            let values = if field_type.has_values() {
                (0..1 + rng.below(4))
                    .map(|v| format!("Value {i}.{v}"))
                    .collect()
            } else {
                Vec::new()
            };
            fields.push(UField {
                group: rng.below(groups.len()),
                name: format!("Field {i}"),
                field_type,
                is_sku,
                is_filter: [Some(rng.chance(50)), None],
                values,
            });
        }
        let mut universe = Universe {
            categories,
            brands,
            groups,
            fields,
            products: Vec::new(),
        };
        let mut sku_counter = 0;
        for i in 0..k.products {
            let category = if placeholders && rng.chance(25) {
                None
            } else {
                Some(leaves[rng.below(leaves.len())])
            };
            let brand = if placeholders && rng.chance(25) {
                None
            } else {
                Some(rng.below(universe.brands.len()))
            };
            let visible = universe.visible_fields(category);
            let product_fields: Vec<usize> = visible
                .iter()
                .copied()
                .filter(|f| !universe.fields[*f].is_sku)
                .collect();
            let sku_fields: Vec<usize> = visible
                .iter()
                .copied()
                .filter(|f| universe.fields[*f].is_sku)
                .collect();
            let mut specs: [Vec<(usize, USpecValue)>; 2] = [Vec::new(), Vec::new()];
            for &f in &product_fields {
                if !rng.chance(60) {
                    continue;
                }
                for spec in &mut specs {
                    let field = &universe.fields[f];
                    let value = match field.field_type {
                        FieldType::Number => USpecValue::Text(format!("{}.5", rng.below(100))),
                        t if t.has_values() => {
                            let n = field.values.len();
                            let mut vs = vec![rng.below(n)];
                            if t == FieldType::Checkbox && n > 1 && rng.chance(50) {
                                let other = (vs[0] + 1 + rng.below(n - 1)) % n;
                                vs.push(other);
                            }
                            USpecValue::Values(vs)
                        }
                        _ => USpecValue::Text(format!("text {} {}", i, rng.below(3))),
                    };
                    spec.push((f, value));
                }
            }
            let mut skus = Vec::new();
            for s in 0..1 + rng.below(3) {
                sku_counter += 1;
                let ref_id = (!rng.chance(15)).then(|| format!("SKU-{sku_counter}"));
                let ean =
                    (ref_id.is_none() || rng.chance(30)).then(|| format!("789{:010}", sku_counter));
                let dim = |rng: &mut SplitMix| 1.0 + rng.below(40) as f64 / 4.0;
                let d0 = (dim(rng), dim(rng), dim(rng), dim(rng));
                let d1 = if rng.chance(30) {
                    (dim(rng), d0.1, d0.2, dim(rng))
                } else {
                    d0
                };
                let mut sku_specs: [Vec<(usize, usize)>; 2] = [Vec::new(), Vec::new()];
                let complete = rng.chance(80);
                for &f in &sku_fields {
                    if !complete && rng.chance(50) {
                        continue;
                    }
                    let n = universe.fields[f].values.len();
                    let v0 = rng.below(n);
                    let v1 = if rng.chance(20) { rng.below(n) } else { v0 };
                    sku_specs[0].push((f, v0));
                    sku_specs[1].push((f, v1));
                }
                let image_count = if rng.chance(80) { 1 + rng.below(3) } else { 0 };
                let image = |k: usize, variant: usize| {
                    (
                        format!("img-{sku_counter}-{k}"),
                        format!(
                            "https://cdn.example.com/{}/{sku_counter}/{k}{}",
                            ["p", "P", "img/x"][variant % 3],
                            [".jpg", ".png", ".GIF"][(k + variant) % 3]
                        ),
                        (variant == 1).then(|| format!("label {k}")),
                    )
                };
                let changed_images = rng.chance(25);
                let images = [
                    (0..image_count).map(|k| image(k, 0)).collect(),
                    (0..image_count)
                        .map(|k| image(k, usize::from(changed_images)))
                        .collect(),
                ];
                let is_kit = s > 0 && rng.chance(15);
                let components = if is_kit {
                    vec![(0, 1 + rng.below(3) as u32)]
                } else {
                    Vec::new()
                };
                let name = format!("Sku {sku_counter}");
                skus.push(USku {
                    ref_id,
                    ean,
                    name: [
                        name.clone(),
                        if rng.chance(20) {
                            format!("{name} v2")
                        } else {
                            name
                        },
                    ],
                    dims: [d0, d1],
                    unit: rng
                        .chance(30)
                        .then(|| ["un", "kg", "m²"][rng.below(3)].to_owned()),
                    is_kit,
                    components,
                    specs: sku_specs,
                    images,
                    explicit_positions: rng.chance(40),
                });
            }
            // Kits need a component with a refId (SKU 0 of the product).
            if skus[0].ref_id.is_none() {
                for s in &mut skus {
                    s.is_kit = false;
                    s.components.clear();
                }
            }
            let name = format!("Product {i}");
            universe.products.push(UProduct {
                ref_id: format!("P-{i}"),
                name: [
                    name.clone(),
                    if rng.chance(25) {
                        format!("{name} (new)")
                    } else {
                        name
                    },
                ],
                description: [
                    rng.chance(50).then(|| format!("About product {i}")),
                    rng.chance(50).then(|| format!("About product {i}")),
                ],
                active: [
                    [None, Some(true), Some(false)][rng.below(3)],
                    [None, Some(true), Some(false)][rng.below(3)],
                ],
                category,
                brand,
                specs,
                skus,
                trade_policies: if rng.chance(20) { vec![1, 2] } else { vec![1] },
            });
        }
        universe
    }

    fn chain(&self, category: Option<usize>) -> Vec<usize> {
        let mut chain = Vec::new();
        let mut c = category;
        while let Some(i) = c {
            chain.push(i);
            c = self.categories[i].parent;
        }
        chain.reverse();
        chain
    }

    fn visible_fields(&self, category: Option<usize>) -> Vec<usize> {
        let chain = self.chain(category);
        (0..self.fields.len())
            .filter(|f| match self.groups[self.fields[*f].group].category {
                None => true,
                Some(c) => chain.contains(&c),
            })
            .collect()
    }
}

/// Which universe entities a batch holds.
#[derive(Debug, Clone, Default)]
struct Selection {
    categories: BTreeSet<usize>,
    brands: BTreeSet<usize>,
    groups: BTreeSet<usize>,
    fields: BTreeSet<usize>,
    /// (field, value).
    values: BTreeSet<(usize, usize)>,
    products: BTreeSet<usize>,
}

impl Selection {
    /// Adds what the selected entities need and `have` lacks.
    fn close(&mut self, u: &Universe, have: &Selection) {
        let products: Vec<usize> = self.products.iter().copied().collect();
        for p in products {
            let product = &u.products[p];
            if let Some(c) = product.category
                && !have.categories.contains(&c)
            {
                self.categories.insert(c);
            }
            if let Some(b) = product.brand
                && !have.brands.contains(&b)
            {
                self.brands.insert(b);
            }
            for version in 0..2 {
                for (f, v) in &product.specs[version] {
                    self.need_field(have, *f);
                    if let USpecValue::Values(vs) = v {
                        for x in vs {
                            self.need_value(have, *f, *x);
                        }
                    }
                }
                for s in &product.skus {
                    for (f, v) in &s.specs[version] {
                        self.need_field(have, *f);
                        self.need_value(have, *f, *v);
                    }
                }
            }
        }
        // A value is listed under its field, a field under its group.
        let valued: Vec<usize> = self.values.iter().map(|(f, _)| *f).collect();
        self.fields.extend(valued);
        let groups: Vec<usize> = self.fields.iter().map(|f| u.fields[*f].group).collect();
        self.groups.extend(groups);
        let groups: Vec<usize> = self.groups.iter().copied().collect();
        for g in groups {
            if let Some(c) = u.groups[g].category
                && !have.categories.contains(&c)
            {
                self.categories.insert(c);
            }
        }
        // Ancestors: referenced by path, they must exist somewhere.
        let cats: Vec<usize> = self.categories.iter().copied().collect();
        for c in cats {
            for a in u.chain(Some(c)) {
                if !have.categories.contains(&a) {
                    self.categories.insert(a);
                }
            }
        }
    }

    fn need_field(&mut self, have: &Selection, f: usize) {
        if !have.fields.contains(&f) {
            self.fields.insert(f);
        }
    }

    fn need_value(&mut self, have: &Selection, f: usize, v: usize) {
        if !have.values.contains(&(f, v)) {
            self.values.insert((f, v));
        }
    }
}

fn random_subset(rng: &mut SplitMix, n: usize, percent: u64) -> BTreeSet<usize> {
    (0..n).filter(|_| rng.chance(percent)).collect()
}

fn random_selection(rng: &mut SplitMix, u: &Universe, percent: u64) -> Selection {
    let mut s = Selection {
        categories: random_subset(rng, u.categories.len(), percent),
        brands: random_subset(rng, u.brands.len(), percent),
        groups: random_subset(rng, u.groups.len(), percent),
        fields: random_subset(rng, u.fields.len(), percent),
        values: BTreeSet::new(),
        products: random_subset(rng, u.products.len(), percent),
    };
    for f in s.fields.clone() {
        for v in 0..u.fields[f].values.len() {
            if rng.chance(percent) {
                s.values.insert((f, v));
            }
        }
    }
    s
}

/// Writes the batch for `sel` in `version`; `present` is what the current catalog holds (a
/// batch category may be referenced by key only when it is in the batch).
fn write_batch(rng: &mut SplitMix, u: &Universe, sel: &Selection, version: usize) -> ImportBatch {
    let cat_ref = |rng: &mut SplitMix, c: usize| -> CategoryRef {
        if sel.categories.contains(&c) && rng.chance(40) {
            CategoryRef::key(&u.categories[c].key)
        } else {
            let names: Vec<String> = u
                .chain(Some(c))
                .iter()
                .map(|a| respell(rng, &u.categories[*a].name))
                .collect();
            CategoryRef::path(&names)
        }
    };
    let mut categories: Vec<CategoryInput> = Vec::new();
    for &c in &sel.categories {
        let cat = &u.categories[c];
        categories.push(CategoryInput {
            key: Some(cat.key.clone()),
            name: cat.name.clone(),
            parent: cat.parent.map(|p| cat_ref(rng, p)),
            is_active: cat.active[version],
        });
    }
    // Any order: children may come before their father.
    if rng.chance(50) {
        categories.reverse();
    }
    let brands = sel
        .brands
        .iter()
        .map(|&b| {
            let brand = &u.brands[b];
            BrandInput {
                name: brand.name.clone(),
                link_id: brand.link_id.clone(),
                is_active: brand.active[version],
            }
        })
        .collect();
    let mut specification_groups = Vec::new();
    for &g in &sel.groups {
        let group = &u.groups[g];
        let fields = sel
            .fields
            .iter()
            .filter(|f| u.fields[**f].group == g)
            .map(|&f| {
                let field = &u.fields[f];
                SpecificationFieldInput {
                    name: field.name.clone(),
                    field_type_id: field.field_type.id(),
                    is_stock_keeping_unit: field.is_sku,
                    is_required: None,
                    is_filter: field.is_filter[version],
                    is_active: None,
                    position: None,
                    values: sel
                        .values
                        .iter()
                        .filter(|(vf, _)| *vf == f)
                        .map(|&(_, v)| SpecificationValueInput {
                            name: field.values[v].clone(),
                            is_active: None,
                            position: Some(v as i32),
                        })
                        .collect(),
                }
            })
            .collect();
        specification_groups.push(SpecificationGroupInput {
            category: group.category.map(|c| cat_ref(rng, c)),
            name: group.name.clone(),
            position: group.position[version],
            fields,
        });
    }
    let spec_input = |rng: &mut SplitMix, f: usize, value: &USpecValue| {
        let field = &u.fields[f];
        SpecificationInput {
            field: respell(rng, &field.name),
            group: rng
                .chance(30)
                .then(|| u.groups[field.group].name.to_lowercase()),
            text: match value {
                USpecValue::Text(t) => Some(t.clone()),
                USpecValue::Values(_) => None,
            },
            values: match value {
                USpecValue::Text(_) => Vec::new(),
                USpecValue::Values(vs) => vs.iter().map(|v| field.values[*v].clone()).collect(),
            },
        }
    };
    let mut products = Vec::new();
    for &p in &sel.products {
        let product = &u.products[p];
        let skus = product
            .skus
            .iter()
            .map(|s| {
                let d = s.dims[version];
                SkuInput {
                    ref_id: s.ref_id.clone(),
                    ean: s.ean.clone(),
                    name: s.name[version].clone(),
                    packaged_height: Some(d.0),
                    packaged_length: Some(d.1),
                    packaged_width: Some(d.2),
                    packaged_weight_kg: Some(d.3),
                    height: None,
                    length: None,
                    width: None,
                    weight_kg: Some(d.3 * 0.9),
                    measurement_unit: s.unit.clone(),
                    unit_multiplier: None,
                    is_kit: s.is_kit.then_some(true),
                    manufacturer_code: None,
                    kit_components: s
                        .components
                        .iter()
                        .filter_map(|(c, q)| {
                            product.skus[*c].ref_id.as_ref().map(|r| KitComponentInput {
                                sku_ref_id: r.clone(),
                                quantity: *q,
                            })
                        })
                        .collect(),
                    specifications: s.specs[version]
                        .iter()
                        .map(|(f, v)| spec_input(rng, *f, &USpecValue::Values(vec![*v])))
                        .collect(),
                    images: s.images[version]
                        .iter()
                        .enumerate()
                        .map(|(k, (name, url, label))| ImageInput {
                            url: url.clone(),
                            name: name.clone(),
                            label: label.clone(),
                            text: None,
                            is_main: k == 0,
                            position: s.explicit_positions.then_some(if k == 0 {
                                0
                            } else {
                                k as i32 + 1
                            }),
                        })
                        .collect(),
                }
            })
            .collect();
        products.push(ProductInput {
            ref_id: product.ref_id.clone(),
            name: product.name[version].clone(),
            category: product.category.map(|c| cat_ref(rng, c)),
            brand: product.brand.map(|b| respell(rng, &u.brands[b].name)),
            description: product.description[version].clone(),
            is_active: product.active[version],
            trade_policies: product
                .trade_policies
                .iter()
                .map(|t| ponte_core::catalog::import::TradePolicyId(*t))
                .collect(),
            specifications: product.specs[version]
                .iter()
                .map(|(f, v)| spec_input(rng, *f, v))
                .collect(),
            skus,
            ..Default::default()
        });
    }
    ImportBatch {
        categories,
        brands,
        specification_groups,
        products,
    }
}

/// Builds a world; panics if the construction itself is inconsistent (a harness bug).
pub fn world(k: Knobs) -> ImportWorld {
    let mut rng = SplitMix::new(k.seed);
    let placeholders = rng.chance(25);
    let u = Universe::generate(&mut rng, &k, placeholders);
    let options = ImportOptions {
        mode: ImportMode::Upsert,
        use_placeholders: placeholders,
        activate_skus: rng.chance(60),
        ..Default::default()
    };
    // The current catalog: a closed subset, version 0, imported into an empty catalog.
    let empty = Selection::default();
    let mut before = if rng.chance(20) {
        Selection::default()
    } else {
        random_selection(&mut rng, &u, 50)
    };
    before.close(&u, &empty);
    let b0 = write_batch(&mut rng, &u, &before, 0);
    let o0 = ImportOptions {
        activate_skus: rng.chance(50),
        ..options.clone()
    };
    let base = CatalogState::default();
    let current = match plan(&base, &b0, &o0) {
        Ok(p) => apply_plan(&base, &p, p.steps.len())
            .unwrap_or_else(|e| panic!("harness: the first import does not apply: {e}")),
        Err(errors) => panic!("harness: the first batch is invalid: {errors:#?}"),
    };
    // The batch: another subset, version 1, closed over what the catalog lacks.
    let mut after = random_selection(&mut rng, &u, 60);
    after.close(&u, &before);
    let batch = write_batch(&mut rng, &u, &after, 1);
    ImportWorld {
        knobs: k,
        current,
        batch,
        options,
    }
}

/// Worlds (the batch is valid against the current catalog).
pub fn valid_world() -> impl Strategy<Value = ImportWorld> {
    knobs().prop_map(world)
}

/// What a breakage must produce: a code at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub code: &'static str,
    pub path: String,
}

/// Breaks the batch in one way (chosen by `kind`, applied at the entities `a`, `b` pick) and
/// says which error must appear; `None` when the batch has nothing to break that way.
pub fn break_batch(w: &mut ImportWorld, kind: u8, a: usize, b: usize) -> Option<Expected> {
    let batch = &mut w.batch;
    let np = batch.products.len();
    let skus: Vec<(usize, usize)> = (0..np)
        .flat_map(|p| (0..batch.products[p].skus.len()).map(move |s| (p, s)))
        .collect();
    let exp = |code: &'static str, path: String| Some(Expected { code, path });
    match kind % 16 {
        0 if np >= 2 => {
            let (i, j) = (a % np, b % np);
            if i == j {
                return None;
            }
            let (first, second) = (i.min(j), i.max(j));
            let r = format!("  {} ", batch.products[first].ref_id.trim());
            batch.products[second].ref_id = r;
            exp(
                "PRODUCT_REFID_DUPLICATE",
                format!("products[{second}].refId"),
            )
        }
        1 if skus.len() >= 2 => {
            let (i, j) = (a % skus.len(), b % skus.len());
            if i == j {
                return None;
            }
            let ((p1, s1), (p2, s2)) = (skus[i.min(j)], skus[i.max(j)]);
            let r = batch.products[p1].skus[s1]
                .ref_id
                .clone()
                .unwrap_or_else(|| "DUP-REF".to_owned());
            batch.products[p1].skus[s1].ref_id = Some(r.clone());
            batch.products[p2].skus[s2].ref_id = Some(r);
            exp(
                "SKU_REFID_DUPLICATE",
                format!("products[{p2}].skus[{s2}].refId"),
            )
        }
        2 if !skus.is_empty() => {
            let (p, s) = skus[a % skus.len()];
            let sku = &mut batch.products[p].skus[s];
            match b % 4 {
                0 => sku.packaged_height = None,
                1 => sku.packaged_length = None,
                2 => sku.packaged_width = None,
                _ => sku.packaged_weight_kg = None,
            }
            exp("SKU_DIMENSIONS_MISSING", format!("products[{p}].skus[{s}]"))
        }
        3 if !skus.is_empty() => {
            let (p, s) = skus[a % skus.len()];
            let sku = &mut batch.products[p].skus[s];
            let bad = [0.0, -1.5, -0.0][b % 3];
            let field = match (b / 3) % 5 {
                0 => {
                    sku.packaged_height = Some(bad);
                    "packagedHeight"
                }
                1 => {
                    sku.packaged_length = Some(bad);
                    "packagedLength"
                }
                2 => {
                    sku.packaged_width = Some(bad);
                    "packagedWidth"
                }
                3 => {
                    sku.packaged_weight_kg = Some(bad);
                    "packagedWeightKg"
                }
                _ => {
                    sku.weight_kg = Some(-2.0);
                    "weightKg"
                }
            };
            exp(
                "SKU_DIMENSIONS_INVALID",
                format!("products[{p}].skus[{s}].{field}"),
            )
        }
        4 => {
            // An SKU specification with no value or two.
            let (p, s, i) = skus.iter().find_map(|&(p, s)| {
                let specs = &batch.products[p].skus[s].specifications;
                (!specs.is_empty()).then(|| (p, s, a % specs.len()))
            })?;
            let spec = &mut batch.products[p].skus[s].specifications[i];
            if b.is_multiple_of(2) {
                spec.values.clear();
            } else {
                let v = spec.values.first().cloned().unwrap_or_else(|| "x".into());
                spec.values.push(format!(" {v}"));
                if spec.values.len() < 2 {
                    spec.values.push(v);
                }
            }
            exp(
                "SKU_SPEC_NEEDS_ONE_VALUE",
                format!("products[{p}].skus[{s}].specifications[{i}]"),
            )
        }
        5 => {
            let (p, s) = *skus
                .iter()
                .find(|(p, s)| !batch.products[*p].skus[*s].images.is_empty())?;
            let images = &mut batch.products[p].skus[s].images;
            let i = a % images.len();
            images[i].url = [
                "ftp://cdn.example.com/a.jpg",
                "https://cdn.example.com/a.webp",
                "https://cdn.example.com/a b.jpg",
                "https:///a.jpg",
                "cdn.example.com/a.jpg",
                "https://cdn.example.com.jpg",
            ][b % 6]
                .to_owned();
            exp(
                "IMAGE_URL_INVALID",
                format!("products[{p}].skus[{s}].images[{i}].url"),
            )
        }
        6 => {
            // A product in a category that has children.
            let parents: BTreeSet<String> = batch
                .categories
                .iter()
                .filter_map(|c| c.parent.as_ref().and_then(|r| r.path.clone()))
                .filter_map(|p| p.first().map(|d| d.trim().to_lowercase()))
                .collect();
            let dept = w
                .current
                .catalog
                .categories
                .iter()
                .filter(|c| c.father_category_id.is_none())
                .find(|c| {
                    w.current
                        .catalog
                        .categories
                        .iter()
                        .any(|x| x.father_category_id == Some(c.id))
                })
                .map(|c| c.name.clone())
                .or_else(|| parents.into_iter().next())?;
            if np == 0 {
                return None;
            }
            let p = a % np;
            batch.products[p].category = Some(CategoryRef::path(&[dept]));
            exp(
                "PRODUCT_CATEGORY_NOT_LEAF",
                format!("products[{p}].category"),
            )
        }
        // Rules outside the reference model: the expected code must appear, and the
        // reference subset must still agree.
        7 if np > 0 => {
            let p = a % np;
            batch.products[p].brand = Some("No Such Brand".into());
            exp("BRAND_NOT_FOUND", format!("products[{p}].brand"))
        }
        8 if !skus.is_empty() => {
            let (p, s) = skus[a % skus.len()];
            batch.products[p].skus[s].measurement_unit = Some("parsec".into());
            exp(
                "SKU_MEASUREMENT_UNIT_INVALID",
                format!("products[{p}].skus[{s}].measurementUnit"),
            )
        }
        9 => {
            let (p, s) = *skus
                .iter()
                .find(|(p, s)| !batch.products[*p].skus[*s].images.is_empty())?;
            let images = &mut batch.products[p].skus[s].images;
            images[0].is_main = false;
            images[0].position = None;
            exp(
                "IMAGE_MAIN_MISSING",
                format!("products[{p}].skus[{s}].images"),
            )
        }
        10 if np > 0 => {
            let p = a % np;
            batch.products[p].category = Some(CategoryRef::path(&["Nowhere", "Else"]));
            exp("CATEGORY_NOT_FOUND", format!("products[{p}].category"))
        }
        11 if !batch.brands.is_empty() => {
            let i = a % batch.brands.len();
            let dup = BrandInput {
                name: format!(" {} ", batch.brands[i].name.to_lowercase()),
                ..batch.brands[i].clone()
            };
            batch.brands.push(dup);
            exp(
                "BRAND_DUPLICATE",
                format!("brands[{}]", batch.brands.len() - 1),
            )
        }
        12 if !skus.is_empty() => {
            let (p, s) = skus[a % skus.len()];
            let sku = &mut batch.products[p].skus[s];
            sku.ref_id = None;
            sku.ean = Some("   ".into());
            exp("SKU_IDENTIFIER_MISSING", format!("products[{p}].skus[{s}]"))
        }
        13 if np > 0 => {
            let p = a % np;
            let product = &mut batch.products[p];
            product.specifications.push(SpecificationInput {
                field: "No Such Field".into(),
                ..Default::default()
            });
            exp(
                "SPEC_FIELD_NOT_FOUND",
                format!(
                    "products[{p}].specifications[{}]",
                    product.specifications.len() - 1
                ),
            )
        }
        14 if np > 0 => {
            let p = a % np;
            batch.products[p]
                .trade_policies
                .push(ponte_core::catalog::import::TradePolicyId(0));
            let t = batch.products[p].trade_policies.len() - 1;
            exp(
                "TRADE_POLICY_ID_INVALID",
                format!("products[{p}].tradePolicies[{t}]"),
            )
        }
        15 if !skus.is_empty() => {
            let (p, s) = skus[a % skus.len()];
            batch.products[p].skus[s].unit_multiplier = Some(0.0);
            exp(
                "SKU_UNIT_MULTIPLIER_INVALID",
                format!("products[{p}].skus[{s}].unitMultiplier"),
            )
        }
        _ => None,
    }
}

/// A world broken in one to three ways, with what a lone breakage must produce.
pub fn broken_world() -> impl Strategy<Value = (ImportWorld, Vec<Expected>)> {
    (
        knobs(),
        prop_oneof![
            proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..2),
            proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 2..4),
        ],
    )
        .prop_map(|(k, breaks)| {
            let mut w = world(k);
            // Breakages interact (a duplicated refId removed again, a category that no longer
            // resolves hides its products' specification errors): a lone breakage's error is
            // certain; with several, the reference model judges them.
            let applied: Vec<Expected> = breaks
                .into_iter()
                .filter_map(|(kind, a, b)| break_batch(&mut w, kind, a, b))
                .collect();
            let expected = if applied.len() == 1 {
                applied
            } else {
                Vec::new()
            };
            (w, expected)
        })
}
