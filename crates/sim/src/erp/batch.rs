//! The ERP side: a deterministic sample catalog as a ponte-core [`ImportBatch`]
//! (`GET /_sim/erp/catalog-batch?seed=1&departments=3&categories=40&products=500&skus=2000`,
//! those are the defaults).
//!
//! - `departments` departments and `categories` categories below them: a third (at least one
//!   per department) on level 2, the rest on level 3 spread over the level-2 ones; categories
//!   carry keys (`D0`, `C3`, `S12`) and refer to their parent by key. Products go to leaves.
//! - Brands `Brand 01`… (one per ten products, 1 to 20).
//! - A root-level group `General` (product Text field `Origin`); per department a group
//!   `Details` (product fields `Material` Combo, `Features` Checkbox, `Weight (g)` Number) and a
//!   group `Variations` (SKU fields `Color` Radio and `Size` Combo, with values).
//! - Products (`refId` `P{seed}-00001`…) with every product specification, trade policy 1 (the
//!   default), and their share of the SKUs (`refId` `S{seed}-000001`…, a unique 13-digit EAN,
//!   packaged dimensions and weight, `Color` and `Size` (distinct combinations within a product),
//!   a main image and sometimes a second one at `https://images.example/{refId}-{n}.jpg`).
//! - Every SKU whose number is 5 modulo 37 has **no image**, so it cannot be activated.
//!
//! The same parameters always give the same batch (a seeded splitmix64).

use ponte_core::catalog::import::{
    BrandInput, CategoryInput, CategoryRef, ImageInput, ImportBatch, ProductInput, SkuInput,
    SpecificationFieldInput, SpecificationGroupInput, SpecificationInput, SpecificationValueInput,
};
use serde::Deserialize;

/// Parameters of [`catalog_batch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ErpParams {
    pub seed: u64,
    pub departments: usize,
    pub categories: usize,
    pub products: usize,
    pub skus: usize,
}

impl Default for ErpParams {
    fn default() -> Self {
        ErpParams {
            seed: 1,
            departments: 3,
            categories: 40,
            products: 500,
            skus: 2000,
        }
    }
}

/// Upper bounds of the parameters (to keep an answer in memory).
pub const MAX_PRODUCTS: usize = 200_000;
pub const MAX_SKUS: usize = 1_000_000;
pub const MAX_CATEGORIES: usize = 10_000;

impl ErpParams {
    pub fn check(&self) -> Result<(), String> {
        if self.departments == 0 || self.departments > 100 {
            return Err("departments must be 1 to 100".into());
        }
        if self.categories > MAX_CATEGORIES {
            return Err(format!("categories must be at most {MAX_CATEGORIES}"));
        }
        if self.products > MAX_PRODUCTS || self.skus > MAX_SKUS {
            return Err(format!(
                "products must be at most {MAX_PRODUCTS} and skus at most {MAX_SKUS}"
            ));
        }
        if self.skus > 0 && self.products == 0 {
            return Err("skus need products".into());
        }
        if self.products > 0 && self.skus > self.products * 30 {
            return Err("at most 30 SKUs per product (distinct Color/Size pairs)".into());
        }
        Ok(())
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        crate::platform::rng::splitmix64(&mut self.0)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn range(&mut self, lo: u64, hi: u64) -> f64 {
        (lo + self.below(hi - lo + 1)) as f64
    }
}

const DEPARTMENTS: [&str; 8] = [
    "Apparel",
    "Electronics",
    "Home",
    "Sports",
    "Toys",
    "Beauty",
    "Garden",
    "Books",
];
const ORIGINS: [&str; 5] = ["Brazil", "Portugal", "Italy", "Japan", "Mexico"];
const MATERIALS: [&str; 5] = ["Cotton", "Steel", "Wood", "Plastic", "Glass"];
const FEATURES: [&str; 4] = ["Waterproof", "Recyclable", "Wireless", "Handmade"];
const COLORS: [&str; 5] = ["Black", "White", "Red", "Blue", "Green"];
const SIZES: [&str; 6] = ["XS", "S", "M", "L", "XL", "XXL"];

fn values(names: &[&str]) -> Vec<SpecificationValueInput> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| SpecificationValueInput {
            name: (*n).to_owned(),
            is_active: Some(true),
            position: Some(i as i32 + 1),
        })
        .collect()
}

fn field(name: &str, type_id: i32, sku: bool, vals: &[&str]) -> SpecificationFieldInput {
    SpecificationFieldInput {
        name: name.to_owned(),
        field_type_id: type_id,
        is_stock_keeping_unit: sku,
        is_required: Some(false),
        is_filter: Some(type_id == 5 || type_id == 6 || type_id == 7),
        is_active: Some(true),
        position: None,
        values: values(vals),
    }
}

fn spec_text(field: &str, text: String) -> SpecificationInput {
    SpecificationInput {
        field: field.to_owned(),
        group: None,
        text: Some(text),
        values: Vec::new(),
    }
}

fn spec_values(field: &str, values: Vec<&str>) -> SpecificationInput {
    SpecificationInput {
        field: field.to_owned(),
        group: None,
        text: None,
        values: values.into_iter().map(str::to_owned).collect(),
    }
}

/// The sample batch for `p` (see the module documentation).
pub fn catalog_batch(p: &ErpParams) -> ImportBatch {
    let mut rng = Rng(p.seed ^ 0x5EED_CA7A_1060);
    let mut batch = ImportBatch::default();
    let dept_name = |i: usize| match DEPARTMENTS.get(i) {
        Some(n) => (*n).to_owned(),
        None => format!("Department {}", i + 1),
    };

    // Categories.
    let mut children: Vec<Vec<String>> = vec![Vec::new(); p.departments];
    for i in 0..p.departments {
        batch.categories.push(CategoryInput {
            key: Some(format!("D{i}")),
            name: dept_name(i),
            parent: None,
            is_active: Some(true),
        });
    }
    let level2 = if p.categories == 0 {
        0
    } else {
        (p.categories / 3).max(p.departments).min(p.categories)
    };
    let level3 = p.categories - level2;
    let mut level2_children: Vec<usize> = vec![0; level2];
    for j in 0..level2 {
        let d = j % p.departments;
        let key = format!("C{j}");
        batch.categories.push(CategoryInput {
            key: Some(key.clone()),
            name: format!("{} line {}", dept_name(d), j / p.departments + 1),
            parent: Some(CategoryRef::key(&format!("D{d}"))),
            is_active: Some(true),
        });
        children[d].push(key);
    }
    let mut leaves: Vec<(String, usize)> = Vec::new();
    for k in 0..level3 {
        let parent = k % level2;
        level2_children[parent] += 1;
        let d = parent % p.departments;
        let key = format!("S{k}");
        batch.categories.push(CategoryInput {
            key: Some(key.clone()),
            name: format!("Range {}", k / level2 + 1),
            parent: Some(CategoryRef::key(&format!("C{parent}"))),
            is_active: Some(true),
        });
        leaves.push((key, d));
    }
    for (j, n) in level2_children.iter().enumerate() {
        if *n == 0 {
            leaves.push((format!("C{j}"), j % p.departments));
        }
    }
    for (d, c) in children.iter().enumerate() {
        if c.is_empty() {
            leaves.push((format!("D{d}"), d));
        }
    }

    // Brands.
    let brands = (p.products / 10).clamp(1, 20);
    for b in 0..brands {
        batch.brands.push(BrandInput {
            name: format!("Brand {:02}", b + 1),
            link_id: None,
            is_active: Some(true),
        });
    }

    // Specifications.
    batch.specification_groups.push(SpecificationGroupInput {
        category: None,
        name: "General".to_owned(),
        position: Some(1),
        fields: vec![field("Origin", 1, false, &[])],
    });
    for d in 0..p.departments {
        batch.specification_groups.push(SpecificationGroupInput {
            category: Some(CategoryRef::key(&format!("D{d}"))),
            name: "Details".to_owned(),
            position: Some(1),
            fields: vec![
                field("Material", 5, false, &MATERIALS),
                field("Features", 7, false, &FEATURES),
                field("Weight (g)", 4, false, &[]),
            ],
        });
        batch.specification_groups.push(SpecificationGroupInput {
            category: Some(CategoryRef::key(&format!("D{d}"))),
            name: "Variations".to_owned(),
            position: Some(2),
            fields: vec![
                field("Color", 6, true, &COLORS),
                field("Size", 5, true, &SIZES),
            ],
        });
    }

    // Products and SKUs.
    let mut sku_no = 0usize;
    for n in 0..p.products {
        let (leaf, _) = &leaves[(n + rng.below(3) as usize) % leaves.len()];
        let ref_id = format!("P{}-{:05}", p.seed, n + 1);
        let name = format!("Product {} {}", ref_id, MATERIALS[n % MATERIALS.len()]);
        let f1 = FEATURES[rng.below(FEATURES.len() as u64) as usize];
        let f2 = FEATURES[(n + 1) % FEATURES.len()];
        let mut features = vec![f1];
        if f2 != f1 {
            features.push(f2);
        }
        let mut product = ProductInput {
            ref_id: ref_id.clone(),
            name: name.clone(),
            category: Some(CategoryRef::key(leaf)),
            brand: Some(format!("Brand {:02}", n % brands + 1)),
            title: Some(name.clone()),
            description: Some(format!("{name}, from the ponte-sim ERP.")),
            is_visible: Some(true),
            is_active: Some(true),
            specifications: vec![
                spec_text("Origin", ORIGINS[rng.below(5) as usize].to_owned()),
                spec_values("Material", vec![MATERIALS[rng.below(5) as usize]]),
                spec_values("Features", features),
                spec_text("Weight (g)", format!("{}", rng.range(50, 5000))),
            ],
            ..ProductInput::default()
        };
        let share = p.skus / p.products.max(1) + usize::from(n < p.skus % p.products.max(1));
        let offset = rng.below(6) as usize;
        for k in 0..share {
            sku_no += 1;
            let color = COLORS[k % COLORS.len()];
            let size = SIZES[(k / COLORS.len() + offset) % SIZES.len()];
            let sku_ref = format!("S{}-{:06}", p.seed, sku_no);
            let mut images = Vec::new();
            if sku_no % 37 != 5 {
                images.push(ImageInput {
                    url: format!("https://images.example/{sku_ref}-1.jpg"),
                    name: format!("{sku_ref}-1"),
                    label: Some("Main".to_owned()),
                    text: None,
                    is_main: true,
                    position: Some(0),
                });
                if rng.below(3) == 0 {
                    images.push(ImageInput {
                        url: format!("https://images.example/{sku_ref}-2.jpg"),
                        name: format!("{sku_ref}-2"),
                        label: None,
                        text: None,
                        is_main: false,
                        position: Some(1),
                    });
                }
            }
            product.skus.push(SkuInput {
                ref_id: Some(sku_ref),
                ean: Some(format!(
                    "{:013}",
                    7_890_000_000_000u64 + (p.seed % 1000) * 1_000_000 + sku_no as u64
                )),
                name: format!("{name} {color} {size}"),
                packaged_height: Some(rng.range(1, 60)),
                packaged_length: Some(rng.range(1, 60)),
                packaged_width: Some(rng.range(1, 60)),
                packaged_weight_kg: Some(rng.range(10, 5000)),
                measurement_unit: Some("un".to_owned()),
                unit_multiplier: Some(1.0),
                specifications: vec![
                    spec_values("Color", vec![color]),
                    spec_values("Size", vec![size]),
                ],
                images,
                ..SkuInput::default()
            });
        }
        batch.products.push(product);
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::catalog::import::{CatalogState, ImportOptions, apply_plan, plan};

    #[test]
    fn the_default_batch_plans_cleanly_and_is_deterministic() {
        let p = ErpParams::default();
        let batch = catalog_batch(&p);
        assert_eq!(batch, catalog_batch(&p));
        assert_eq!(batch.categories.len(), 43);
        assert_eq!(batch.products.len(), 500);
        let skus: usize = batch.products.iter().map(|p| p.skus.len()).sum();
        assert_eq!(skus, 2000);
        let options = ImportOptions {
            activate_skus: true,
            ..ImportOptions::default()
        };
        let plan = match plan(&CatalogState::default(), &batch, &options) {
            Ok(plan) => plan,
            Err(errors) => panic!("{} errors, first: {:?}", errors.len(), errors.first()),
        };
        let inactive = plan.activation.iter().filter(|a| !a.activate).count();
        let imageless = batch
            .products
            .iter()
            .flat_map(|p| &p.skus)
            .filter(|s| s.images.is_empty())
            .count();
        assert!(imageless > 10, "{imageless}");
        assert_eq!(inactive, imageless);
        let state = apply_plan(&CatalogState::default(), &plan, plan.steps.len());
        assert!(state.is_ok(), "{state:?}");
    }

    #[test]
    fn small_and_odd_shapes_plan_too() {
        for p in [
            ErpParams {
                seed: 7,
                departments: 1,
                categories: 0,
                products: 3,
                skus: 7,
            },
            ErpParams {
                seed: 2,
                departments: 5,
                categories: 6,
                products: 11,
                skus: 40,
            },
        ] {
            assert!(p.check().is_ok());
            let batch = catalog_batch(&p);
            let r = plan(&CatalogState::default(), &batch, &ImportOptions::default());
            assert!(
                r.is_ok(),
                "{p:?}: {:?}",
                r.err().and_then(|e| e.first().cloned())
            );
        }
    }
}
