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
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// A benchmark binary's `main`: `run` on its one path argument. Without one it prints
/// `usage: <usage>` (exit 2); an error of `run` is printed after the binary's name, the
/// usage's first word (exit 1).
pub fn bench_main(
    usage: &str,
    run: impl FnOnce(&Path) -> Result<(), Box<dyn std::error::Error>>,
) -> ExitCode {
    let name = usage.split_whitespace().next().unwrap_or_default();
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: {usage}");
        return ExitCode::from(2);
    };
    match run(&out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `ponte_wasm::abi::dispatch` of `request`, natively, and how long it took in milliseconds.
/// An answer that does not start with `ok_prefix` is an error naming `what` was asked.
pub fn timed_dispatch(
    request: &[u8],
    ok_prefix: &[u8],
    what: &str,
) -> Result<(f64, Vec<u8>), String> {
    let t = Instant::now();
    let answer = std::hint::black_box(ponte_wasm::abi::dispatch(request));
    let took = ms_since(t);
    if !answer.starts_with(ok_prefix) {
        return Err(format!(
            "{what} answered {:.300}",
            String::from_utf8_lossy(&answer)
        ));
    }
    Ok((took, answer))
}

/// Milliseconds since `t`.
pub fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Calls of `f` per second, after `warm_up` calls, over at least `budget` and `min_calls`.
pub fn calls_per_second(
    warm_up: u32,
    min_calls: u64,
    budget: Duration,
    mut f: impl FnMut(),
) -> f64 {
    for _ in 0..warm_up {
        f();
    }
    let started = Instant::now();
    let mut calls = 0u64;
    while calls < min_calls || started.elapsed() < budget {
        f();
        calls += 1;
    }
    calls as f64 / started.elapsed().as_secs_f64()
}

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

/// The import benchmark: `skus` SKUs (three per product) over 3 departments × 40 leaf
/// categories, 50 brands, ten product fields and two SKU fields (Combo, five values each) at
/// the root level, every SKU with both SKU specifications and a main image, every product with
/// two specifications. The current catalog already holds the categories, the brands and the
/// specifications (what a second import finds), so the plan is products, links, SKUs,
/// specifications, images and activations.
pub fn import_batch(
    skus: usize,
    seed: u64,
) -> (
    ponte_core::catalog::import::CatalogState,
    ponte_core::catalog::import::ImportBatch,
) {
    use ponte_core::catalog::import::*;
    let mut rng = SplitMix::new(seed);
    let mut setup = ImportBatch::default();
    let mut leaves = Vec::new();
    for d in 0..3 {
        let dept = format!("Department {d}");
        setup.categories.push(CategoryInput {
            name: dept.clone(),
            ..Default::default()
        });
        for c in 0..40 {
            let name = format!("Category {d}.{c}");
            setup.categories.push(CategoryInput {
                name: name.clone(),
                parent: Some(CategoryRef::path(&[dept.as_str()])),
                ..Default::default()
            });
            leaves.push(vec![dept.clone(), name]);
        }
    }
    for b in 0..50 {
        setup.brands.push(BrandInput {
            name: format!("Brand {b}"),
            ..Default::default()
        });
    }
    let mut fields = Vec::new();
    for f in 0..10 {
        fields.push(SpecificationFieldInput {
            name: format!("Spec {f}"),
            field_type_id: if f % 2 == 0 { 1 } else { 5 },
            values: if f % 2 == 0 {
                Vec::new()
            } else {
                (0..5)
                    .map(|v| SpecificationValueInput {
                        name: format!("V{f}.{v}"),
                        ..Default::default()
                    })
                    .collect()
            },
            ..Default::default()
        });
    }
    for f in 0..2 {
        fields.push(SpecificationFieldInput {
            name: format!("Variation {f}"),
            field_type_id: 6,
            is_stock_keeping_unit: true,
            values: (0..5)
                .map(|v| SpecificationValueInput {
                    name: format!("S{f}.{v}"),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        });
    }
    setup.specification_groups.push(SpecificationGroupInput {
        name: "General".into(),
        fields,
        ..Default::default()
    });
    let empty = CatalogState::default();
    let current = match plan(&empty, &setup, &ImportOptions::default()) {
        Ok(p) => apply_plan(&empty, &p, p.steps.len()).unwrap_or_else(|e| panic!("setup: {e}")),
        Err(e) => panic!("setup batch: {:?}", e.first()),
    };
    let mut batch = ImportBatch::default();
    let products = skus.div_ceil(3);
    let mut n = 0;
    for p in 0..products {
        let leaf = &leaves[rng.below(leaves.len())];
        let mut product = ProductInput {
            ref_id: format!("P{p}"),
            name: format!("Product {p}"),
            category: Some(CategoryRef::path(leaf)),
            brand: Some(format!("Brand {}", rng.below(50))),
            description: Some(format!("Description of product {p}")),
            specifications: vec![
                SpecificationInput {
                    field: "Spec 0".into(),
                    text: Some(format!("text {p}")),
                    ..Default::default()
                },
                SpecificationInput {
                    field: "Spec 1".into(),
                    values: vec![format!("V1.{}", rng.below(5))],
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        for _ in 0..3 {
            if n == skus {
                break;
            }
            n += 1;
            product.skus.push(SkuInput {
                ref_id: Some(format!("S{n}")),
                ean: Some(format!("789{n:010}")),
                name: format!("Sku {n}"),
                packaged_height: Some(1.0 + rng.below(30) as f64),
                packaged_length: Some(1.0 + rng.below(30) as f64),
                packaged_width: Some(1.0 + rng.below(30) as f64),
                packaged_weight_kg: Some(0.5 + rng.below(10) as f64),
                specifications: (0..2)
                    .map(|f| SpecificationInput {
                        field: format!("Variation {f}"),
                        values: vec![format!("S{f}.{}", rng.below(5))],
                        ..Default::default()
                    })
                    .collect(),
                images: vec![ImageInput {
                    url: format!("https://cdn.example.com/sku/{n}.jpg"),
                    name: format!("main-{n}"),
                    is_main: true,
                    ..Default::default()
                }],
                ..Default::default()
            });
        }
        batch.products.push(product);
    }
    (current, batch)
}

/// An invoice action of `invoice_type` numbered `number`, worth `value` cents, issued on
/// 2024-03-01, with these lines and none of the optional fields.
pub fn invoice_action(
    invoice_type: ponte_core::orders::InvoiceType,
    number: String,
    value: i64,
    items: Vec<ponte_core::orders::InvoiceItem>,
) -> ponte_core::orders::Action {
    ponte_core::orders::Action::Invoice(ponte_core::orders::InvoiceRequest {
        invoice_type,
        issuance_date: "2024-03-01T12:00:00-03:00".into(),
        invoice_number: number,
        invoice_value: value.to_string(),
        invoice_key: None,
        invoice_url: None,
        embedded_invoice: None,
        courier: None,
        tracking_number: None,
        tracking_url: None,
        dispatched_date: None,
        items,
    })
}

/// An invoice line: `quantity` of item `id` at `price`, without index or description.
pub fn invoice_line(
    id: String,
    price: ponte_core::orders::Cents,
    quantity: u32,
) -> ponte_core::orders::InvoiceItem {
    ponte_core::orders::InvoiceItem {
        id,
        price,
        quantity,
        item_index: None,
        description: None,
    }
}

/// The order-decision benchmark requests: a feed item decided against one order's intake memory
/// (`handleOrderEvent`'s decision step: the memory, never the state), and a partial invoice checked on a handling
/// order with 20 lines and two invoices (`checkOrderAction`), as JSON inputs.
pub fn order_decisions() -> (serde_json::Value, serde_json::Value) {
    use ponte_core::orders::*;
    use serde_json::json;
    // The service passes one order's slice of the intake memory (a dozen events over an order's
    // life); PONTE_BENCH_MEMORY_EVENTS=1000 measures a memory shared by 1,000 orders instead.
    let events: usize = std::env::var("PONTE_BENCH_MEMORY_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let mut memory = IntakeMemory::default();
    for i in 0..events {
        let order = if events <= 50 { 500 } else { i };
        let body = json!({"handle": format!("h{i}"), "domain": "Fulfillment", "state": "handling",
            "orderId": format!("v{order}str-01"), "currentChange": format!("2024-03-01T10:{:02}:{:02}Z", (i / 60) % 60, i % 60)})
        .to_string();
        if let Ok(e) = parse_feed_item(&body) {
            memory = remember(&memory, &e);
        }
    }
    let decide = json!({
        "source": "feed",
        "body": json!({"eventId": "E1", "handle": "AQEBx...handle", "domain": "Fulfillment",
            "state": "invoiced", "lastState": "handling", "orderId": "v500str-01",
            "lastChange": "2024-03-01T10:08:20.1234567Z", "currentChange": "2024-03-01T11:00:00.7153839Z"}).to_string(),
        "memory": memory,
        "filter": {"type": "FromWorkflow", "status": ["ready-for-handling", "handling", "invoiced", "canceled"]},
        "handoffStatus": "ready-for-handling",
    });
    let cents = |v: i64| Cents::new(v).unwrap_or_default();
    let items: Vec<OrderItem> = (0..20)
        .map(|i| OrderItem {
            index: i,
            id: format!("{}", 100 + i),
            quantity: 3,
            price: cents(1990),
        })
        .collect();
    let total = cents(20 * 3 * 1990);
    let policy = WorkflowPolicy::default();
    let now = Timestamp::parse("2024-03-01T12:00:00Z").unwrap_or_else(|| panic!("date"));
    let invoice = |number: &str, lines: std::ops::Range<u32>| {
        let value = lines.len() as i64 * 1990;
        let items = lines
            .map(|i| invoice_line(format!("{}", 100 + i), cents(1990), 1))
            .collect();
        invoice_action(InvoiceType::Output, number.into(), value, items)
    };
    let mut state = OrderState::new(
        OrderId::new("v70530116str-01").unwrap_or_else(|e| panic!("{e}")),
        Flow::Complete,
        total,
        items,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    state.status = Some(Status::Handling);
    for (n, lines) in [("NF-1", 0..10), ("NF-2", 10..20)] {
        state = state
            .apply_action(&invoice(n, lines), &policy, &now)
            .unwrap_or_else(|e| panic!("{e}"))
            .0;
    }
    let check = json!({"state": state, "action": invoice("NF-3", 0..20), "policy": policy});
    (decide, check)
}

/// The same decision as `handleOrderEvent`'s decision step in [`order_decisions`], as the
/// service makes it now (`orderEventStep`): only what the decision needs, the event as
/// `acceptOrderEvent` parsed it (typed, not the body) and the order's intake memory, with the
/// same hand-off status (the filter is `acceptOrderEvent`'s). `None` when `decide` is not such a request.
pub fn order_event_step(decide: &serde_json::Value) -> Option<serde_json::Value> {
    use ponte_core::orders::step::{AcceptEventRequest, AcceptEventResponse, accept_event};
    let source = serde_json::from_value(decide.get("source")?.clone()).ok()?;
    let body = decide.get("body")?.as_str()?.to_owned();
    let AcceptEventResponse::Accepted { event, .. } = accept_event(&AcceptEventRequest {
        source,
        body,
        filter: None,
    })
    .ok()?
    else {
        return None;
    };
    Some(serde_json::json!({
        "event": event,
        "memory": decide.get("memory")?,
        "handoffStatus": decide.get("handoffStatus")?,
    }))
}
