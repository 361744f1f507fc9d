//! Writes the benchmark catalog and times effective specifications natively.
//!
//! `bench-native <catalog.json>` writes the deterministic catalog (see `ponte_harness::bench`)
//! to the path, then prints timings as JSON on stdout for `bench/wasm-effective.js`, which
//! times the same requests through the wasm module and prints the ratio:
//!
//! - `perRequest`: one call per sampled leaf with the whole catalog crossing the boundary,
//!   as the service does: `dispatchMs` is the JSON ABI (`ponte_wasm::abi::dispatch`: decode,
//!   validate, compute, encode; the same work as the wasm `call`), `typedMs` the same without
//!   JSON (`ponte_core::catalog::effective_specifications`);
//! - `builtOnce`: the catalog validated once, then every leaf from it.
//!
//! Build it optimised: `cargo run --release -p ponte-harness --no-default-features --bin bench-native`.

use ponte_core::catalog::{Catalog, EffectiveSpecificationsRequest, effective_specifications};
use ponte_harness::bench::{BenchSize, bench_file, bench_main, ms_since, timed_dispatch};
use serde_json::json;
use std::hint::black_box;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

const SEED: u64 = 1;
const SAMPLES: usize = 20;

fn main() -> ExitCode {
    bench_main(
        "bench-native <catalog.json>  (writes the catalog there, prints timings as JSON)",
        run,
    )
}

fn run(out: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let file = bench_file(BenchSize::STANDARD, SEED, SAMPLES);
    let generate_ms = ms_since(started);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_vec(&file)?;
    std::fs::write(out, &text)?;
    let catalog_json = serde_json::to_string(&file.catalog)?;

    // Per request: the whole catalog each call, one call per sampled leaf (after one warm-up).
    let request_bytes = |leaf: u32| -> Vec<u8> {
        format!("{{\"op\":\"effectiveSpecifications\",\"input\":{{\"catalog\":{catalog_json},\"categoryId\":{leaf}}}}}")
            .into_bytes()
    };
    black_box(ponte_wasm::abi::dispatch(&request_bytes(
        file.sample_leaf_ids[0].0,
    )));
    let mut dispatch_ms = Vec::new();
    let mut answer_bytes = 0;
    for leaf in &file.sample_leaf_ids {
        let bytes = request_bytes(leaf.0);
        let (took, answer) = timed_dispatch(&bytes, b"{\"ok\":", &format!("leaf {leaf}"))?;
        dispatch_ms.push(took);
        answer_bytes += answer.len();
    }
    let mut typed_ms = Vec::new();
    for leaf in &file.sample_leaf_ids {
        let request = EffectiveSpecificationsRequest {
            catalog: file.catalog.clone(),
            category_id: *leaf,
        };
        let t = Instant::now();
        black_box(effective_specifications(&request)?);
        typed_ms.push(ms_since(t));
    }

    // Built once: validate once, then every leaf.
    let t = Instant::now();
    let catalog = Catalog::from_snapshot(&file.catalog)?;
    let build_ms = ms_since(t);
    let t = Instant::now();
    let mut fields = 0;
    for leaf in &file.leaf_ids {
        let specs = black_box(catalog.effective_specifications(*leaf)?);
        fields += specs.product_fields.len() + specs.sku_fields.len();
    }
    let all_leaves_ms = ms_since(t);

    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let report = json!({
        "catalog": {
            "path": out.display().to_string(),
            "categories": file.catalog.categories.len(),
            "groups": file.catalog.groups.len(),
            "fields": file.catalog.fields.len(),
            "values": file.catalog.values.len(),
            "leaves": file.leaf_ids.len(),
            "requestJsonBytes": catalog_json.len() + 64,
            "generateMs": generate_ms,
        },
        "perRequest": {
            "note": "one call per sampled leaf, the whole catalog decoded and validated each call (what the service does per request)",
            "sampleLeaves": file.sample_leaf_ids.len(),
            "dispatchMs": mean(&dispatch_ms),
            "dispatchMsEach": dispatch_ms,
            "typedMs": mean(&typed_ms),
            "meanAnswerBytes": answer_bytes / file.sample_leaf_ids.len().max(1),
        },
        "builtOnce": {
            "note": "Catalog::from_snapshot once, then every leaf from it (no per-call decoding)",
            "buildMs": build_ms,
            "allLeavesMs": all_leaves_ms,
            "usPerLeaf": all_leaves_ms * 1e3 / file.leaf_ids.len().max(1) as f64,
            "effectiveFields": fields,
        },
    });
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &report)?;
    writeln!(stdout)?;
    Ok(())
}
