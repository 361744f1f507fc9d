//! Times import planning of a 100k-SKU batch natively, and order decisions (and computed prices) per second, and
//! writes the requests for `bench/wasm-import.js`, which times the same requests in the shipped
//! wasm (through the JS glue and the raw ABI) and prints the ratios: one run, one machine
//! (`bench/run.sh`).
//!
//! `bench-import <out-dir>` writes `<out-dir>/import.json` (the planning request, ~100k SKUs
//! under 2,000 products... see [`ponte_harness::bench::import_batch`]) and
//! `<out-dir>/orders.json` (the decision requests), with the native timings inside:
//!
//! - planning: `typed` = `ponte_core::catalog::import::plan` on parsed values, `dispatch` =
//!   the raw JSON ABI natively (decode, validate, plan, encode: the work of one wasm `call`);
//! - decisions: `handleOrderEvent`'s decision step (a feed item's body against the order's
//!   intake memory; new, so it answers "read Get order"), the same decision as the service makes
//!   it now (`orderEventStep`: the event parsed by `acceptOrderEvent` and the memory, not the
//!   body), and `checkOrderAction` (an invoice on a handling order), typed and through
//!   `dispatch`.
//!
//! Build it optimised: `cargo run --release -p ponte-harness --no-default-features --bin bench-import`.

use ponte_core::catalog::import::{ImportOptions, PlanRequest, plan};
use ponte_core::orders::ops::{CheckActionRequest, check_action};
use ponte_core::orders::step::{EventStepRequest, HandleEventRequest, event_step, handle_event};
use ponte_core::pricing::{ComputePriceRequest, compute_price};
use ponte_harness::bench::{
    bench_main, calls_per_second, import_batch, ms_since, order_decisions, order_event_step,
    timed_dispatch,
};
use serde_json::json;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const SKUS: usize = 100_000;
const BUDGET: Duration = Duration::from_millis(700);

fn main() -> ExitCode {
    bench_main(
        "bench-import <out-dir>  (writes import.json and orders.json there)",
        run,
    )
}

fn per_second(f: impl FnMut()) -> f64 {
    calls_per_second(20, 100, BUDGET, f)
}

fn run(out: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)?;
    let started = Instant::now();
    let (current, batch) = import_batch(SKUS, 1);
    let generate_ms = ms_since(started);
    let options = ImportOptions {
        activate_skus: true,
        ..ImportOptions::default()
    };
    let request = PlanRequest {
        current,
        batch,
        options: Some(options.clone()),
    };
    let input = serde_json::to_string(&request)?;
    let raw = format!("{{\"op\":\"planCatalogImport\",\"input\":{input}}}");

    // Typed: plan() on values already parsed (median of 3).
    let mut typed = Vec::new();
    let mut steps = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let p = black_box(plan(&request.current, &request.batch, &options))
            .map_err(|e| format!("the bench batch is invalid: {:?}", e.first()))?;
        typed.push(ms_since(t));
        steps = p.steps.len();
    }
    // Dispatch: JSON in, JSON out (median of 3).
    let mut dispatch = Vec::new();
    let mut answer_bytes = 0;
    for _ in 0..3 {
        let (took, answer) = timed_dispatch(raw.as_bytes(), b"{\"ok\":{\"plan\":{", "planning")?;
        dispatch.push(took);
        answer_bytes = answer.len();
    }
    eprintln!("bench-import: typed {typed:.0?} ms, dispatch {dispatch:.0?} ms (each run)");
    let median = |v: &mut Vec<f64>| {
        let mut s = v.clone();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    };
    let products = request.batch.products.len();
    let report = json!({
        "skus": SKUS,
        "products": products,
        "steps": steps,
        "requestBytes": raw.len(),
        "answerBytes": answer_bytes,
        "generateMs": generate_ms,
        "nativeTypedMs": median(&mut typed),
        "nativeDispatchMs": median(&mut dispatch),
        "nativeTypedMsEach": typed,
        "nativeDispatchMsEach": dispatch,
        "input": request,
    });
    std::fs::write(out.join("import.json"), serde_json::to_vec(&report)?)?;
    eprintln!(
        "bench-import: {SKUS} SKUs, {products} products, {steps} steps: typed {:.0} ms, dispatch {:.0} ms",
        median(&mut typed),
        median(&mut dispatch)
    );

    // Order decisions.
    let (decide, check) = order_decisions();
    let decide_req: HandleEventRequest = serde_json::from_value(decide.clone())?;
    let check_req: CheckActionRequest = serde_json::from_value(check.clone())?;
    let step = order_event_step(&decide).ok_or("the decision request has no event to accept")?;
    let step_req: EventStepRequest = serde_json::from_value(step.clone())?;
    handle_event(&decide_req)?;
    check_action(&check_req)?;
    event_step(&step_req)?;
    let decide_raw = json!({"op": "handleOrderEvent", "input": decide}).to_string();
    let step_raw = json!({"op": "orderEventStep", "input": step}).to_string();
    let check_raw = json!({"op": "checkOrderAction", "input": check}).to_string();
    // A computed price: a base price, quantity tiers and a dated promotion, three table rules
    // and rounding (the operation behind the `computedPrice` query).
    let price = json!({
        "price": {
            "itemId": 7, "basePrice": 119.9, "costPrice": 99.92, "markup": 20, "listPrice": 149.9,
            "fixedPrices": [
                {"tradePolicyId": "b2b", "value": 99.9, "minQuantity": 1},
                {"tradePolicyId": "b2b", "value": 89.9, "minQuantity": 10},
                {"tradePolicyId": "b2b", "value": 79.9, "minQuantity": 10,
                 "dateRange": {"from": "2026-11-27T00:00:00Z", "to": "2026-12-31T00:00:00Z"}},
                {"tradePolicyId": "1", "value": 109.9, "minQuantity": 1}
            ]
        },
        "priceTable": "b2b", "quantity": 12, "at": "2026-12-07T12:00:00Z",
        "categoryIds": ["3", "17"], "brandId": "2",
        "rules": [
            {"id": 1, "context": {"categories": {"17": "Shoes"}, "brands": {}}, "percentualModifier": -5},
            {"id": 2, "context": {"categories": {}, "brands": {"2": "Brand 02"}}, "percentualModifier": -3},
            {"id": 3, "context": {"categories": {}, "brands": {}}, "percentualModifier": 0}
        ],
        "config": {"defaultMarkup": 20, "roundingRules": [{"from": 0, "to": 1000, "digits": 2, "method": "nine"}]}
    });
    let price_req: ComputePriceRequest = serde_json::from_value(price.clone())?;
    compute_price(&price_req)?;
    let price_raw = json!({"op": "computePrice", "input": price}).to_string();
    let scenarios = json!([
        {
            "name": "handleOrderEvent",
            "op": "handleOrderEvent",
            "input": decide,
            "nativeTypedPerSec": per_second(|| { black_box(handle_event(black_box(&decide_req))).ok(); }),
            "nativeDispatchPerSec": per_second(|| { black_box(ponte_wasm::abi::dispatch(decide_raw.as_bytes())); }),
        },
        {
            "name": "orderEventStep",
            "op": "orderEventStep",
            "input": step,
            "nativeTypedPerSec": per_second(|| { black_box(event_step(black_box(&step_req))).ok(); }),
            "nativeDispatchPerSec": per_second(|| { black_box(ponte_wasm::abi::dispatch(step_raw.as_bytes())); }),
        },
        {
            "name": "computePrice",
            "op": "computePrice",
            "input": price,
            "nativeTypedPerSec": per_second(|| { black_box(compute_price(black_box(&price_req))).ok(); }),
            "nativeDispatchPerSec": per_second(|| { black_box(ponte_wasm::abi::dispatch(price_raw.as_bytes())); }),
        },
        {
            "name": "checkOrderAction",
            "op": "checkOrderAction",
            "input": check,
            "nativeTypedPerSec": per_second(|| { black_box(check_action(black_box(&check_req))).ok(); }),
            "nativeDispatchPerSec": per_second(|| { black_box(ponte_wasm::abi::dispatch(check_raw.as_bytes())); }),
        },
    ]);
    std::fs::write(
        out.join("orders.json"),
        serde_json::to_vec_pretty(&json!({ "scenarios": scenarios }))?,
    )?;
    Ok(())
}
