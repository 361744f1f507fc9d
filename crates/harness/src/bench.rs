//! The benchmark catalog: deterministic, shared by the criterion bench, the native timing
//! binary (`bench-native`) and `bench/wasm-effective.js`, which reads the JSON file the binary
//! writes.

use ponte_core::catalog::{
    CatalogSnapshot, Category, FieldType, SpecificationField, SpecificationGroup,
    SpecificationValue,
};
use ponte_core::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use serde::Serialize;
use std::collections::BTreeSet;

/// SplitMix64: a tiny deterministic generator, so the catalog is the same on every machine.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; 0 for `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// Sizes of the benchmark catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BenchSize {
    pub categories: usize,
    pub fields: usize,
    pub departments: usize,
    pub max_depth: usize,
}

impl BenchSize {
    /// ~10k categories, ~50k fields, five levels.
    pub const STANDARD: BenchSize = BenchSize {
        categories: 10_000,
        fields: 50_000,
        departments: 25,
        max_depth: 5,
    };
}

/// The file `bench-native` writes and `bench/wasm-effective.js` reads.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BenchFile {
    pub size: BenchSize,
    pub seed: u64,
    pub catalog: CatalogSnapshot,
    /// Every leaf, by ascending id.
    pub leaf_ids: Vec<CategoryId>,
    /// Leaves timed one request each (whole catalog per call), evenly spread.
    pub sample_leaf_ids: Vec<CategoryId>,
}

/// Generates the catalog: departments, then categories under a random earlier category
/// that is not at the depth bound; 0–2 groups per category plus four root-level groups;
/// fields spread over groups with every type (a third of Combo/Radio fields are SKU
/// fields); 2–8 values on fields that take values; a few inactive fields and values.
pub fn generate(size: BenchSize, seed: u64) -> CatalogSnapshot {
    let mut rng = SplitMix::new(seed);
    let mut categories: Vec<Category> = Vec::with_capacity(size.categories);
    let mut depth: Vec<usize> = Vec::with_capacity(size.categories);
    let mut open: Vec<usize> = Vec::new();
    for i in 0..size.categories {
        let father = if i < size.departments || open.is_empty() {
            None
        } else {
            Some(open[rng.below(open.len())])
        };
        let d = father.map_or(1, |f| depth[f] + 1);
        let id = CategoryId(i as u32 + 1);
        categories.push(Category {
            id,
            name: format!("Category {}", id.0),
            father_category_id: father.map(|f| categories[f].id),
            is_active: rng.chance(97),
            has_children: None,
        });
        depth.push(d);
        if d < size.max_depth {
            open.push(i);
        }
    }

    let mut groups = Vec::new();
    for _ in 0..4 {
        let id = GroupId(groups.len() as u32 + 1);
        groups.push(SpecificationGroup {
            id,
            category_id: None,
            name: format!("General {}", id.0),
            position: groups.len() as i32,
        });
    }
    for c in &categories {
        for position in 0..rng.below(3) {
            let id = GroupId(groups.len() as u32 + 1);
            groups.push(SpecificationGroup {
                id,
                category_id: Some(c.id),
                name: format!("Group {}", id.0),
                position: position as i32,
            });
        }
    }

    let mut fields = Vec::with_capacity(size.fields);
    let mut values = Vec::new();
    for i in 0..size.fields {
        let group = &groups[rng.below(groups.len())];
        let field_type = FieldType::ALL[rng.below(FieldType::ALL.len())];
        let id = FieldId(i as u32 + 1);
        fields.push(SpecificationField {
            id,
            name: format!("Field {}", id.0),
            field_type_id: field_type.id(),
            field_group_id: group.id,
            category_id: group.category_id,
            position: rng.below(10) as i32,
            is_required: rng.chance(20),
            is_active: rng.chance(95),
            is_filter: rng.chance(30),
            is_stock_keeping_unit: field_type.allowed_on_sku() && rng.chance(33),
        });
        if field_type.has_values() {
            for position in 0..2 + rng.below(7) {
                let vid = FieldValueId(values.len() as u32 + 1);
                values.push(SpecificationValue {
                    id: vid,
                    field_id: id,
                    name: format!("Value {}", vid.0),
                    is_active: rng.chance(90),
                    position: position as i32,
                });
            }
        }
    }
    CatalogSnapshot {
        categories,
        groups,
        fields,
        values,
    }
}

/// Categories without children, by ascending id.
pub fn leaves(snapshot: &CatalogSnapshot) -> Vec<CategoryId> {
    let fathers: BTreeSet<CategoryId> = snapshot
        .categories
        .iter()
        .filter_map(|c| c.father_category_id)
        .collect();
    let mut leaves: Vec<CategoryId> = snapshot
        .categories
        .iter()
        .map(|c| c.id)
        .filter(|id| !fathers.contains(id))
        .collect();
    leaves.sort();
    leaves
}

/// `count` items spread evenly over `items`.
pub fn spread<T: Copy>(items: &[T], count: usize) -> Vec<T> {
    if items.is_empty() || count == 0 {
        return Vec::new();
    }
    let count = count.min(items.len());
    (0..count).map(|i| items[i * items.len() / count]).collect()
}

/// The benchmark file for `size` and `seed`, sampling `samples` leaves for per-request timing.
pub fn bench_file(size: BenchSize, seed: u64, samples: usize) -> BenchFile {
    let catalog = generate(size, seed);
    let leaf_ids = leaves(&catalog);
    let sample_leaf_ids = spread(&leaf_ids, samples);
    BenchFile {
        size,
        seed,
        catalog,
        leaf_ids,
        sample_leaf_ids,
    }
}
