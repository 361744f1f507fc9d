//! Effective specifications over the benchmark catalog (~10k categories, ~50k fields; see
//! `ponte_harness::bench`).
//!
//! - `build_catalog`: validating the snapshot into a `Catalog`;
//! - `all_leaves/catalog_built_once`: every leaf's effective specifications from one `Catalog`;
//! - `one_leaf_per_request/*`: what the service pays per request, where the whole catalog
//!   crosses the boundary each call: typed (`ponte_core::catalog::effective_specifications`,
//!   validation included) and as JSON through `ponte_wasm::abi::dispatch` (the same work the
//!   wasm module does).
//!
//! Run: `cargo bench -p ponte-harness --no-default-features --bench effective`
//! (`--no-default-features` skips an optimised wasmtime build the bench does not use).

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use ponte_core::catalog::{Catalog, EffectiveSpecificationsRequest, effective_specifications};
use ponte_harness::bench::{BenchSize, generate, leaves};
use std::hint::black_box;
use std::time::Duration;

fn effective(c: &mut Criterion) {
    let snapshot = generate(BenchSize::STANDARD, 1);
    let leaf_ids = leaves(&snapshot);
    let catalog = Catalog::from_snapshot(&snapshot).expect("the benchmark catalog is valid");

    let mut group = c.benchmark_group("effective");
    // Each iteration takes 0.1-0.4 s: a few flat samples keep the whole run near a minute.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    group.bench_function("build_catalog", |b| {
        b.iter(|| Catalog::from_snapshot(black_box(&snapshot)))
    });
    group.bench_function(
        format!("all_leaves/catalog_built_once ({} leaves)", leaf_ids.len()),
        |b| {
            b.iter(|| {
                for &leaf in &leaf_ids {
                    black_box(catalog.effective_specifications(leaf).ok());
                }
            })
        },
    );

    let leaf = leaf_ids[leaf_ids.len() / 2];
    let request = EffectiveSpecificationsRequest {
        catalog: snapshot.clone(),
        category_id: leaf,
    };
    group.bench_function("one_leaf_per_request/typed", |b| {
        b.iter(|| effective_specifications(black_box(&request)))
    });
    let bytes =
        serde_json::to_vec(&serde_json::json!({"op": "effectiveSpecifications", "input": request}))
            .expect("request serialises");
    group.bench_function("one_leaf_per_request/json_dispatch", |b| {
        b.iter(|| ponte_wasm::abi::dispatch(black_box(&bytes)))
    });
    group.finish();
}

criterion_group!(benches, effective);
criterion_main!(benches);
