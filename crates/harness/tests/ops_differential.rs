//! The import and order operations (`validateCatalogBatch`, `planCatalogImport`,
//! `importReads`, `specificationFieldTypes`, `importPhases`, `checkOrderAction`, `applyOrderAction`, `parseOrderEvent`, `decideOrderEvent`,
//! `rememberOrderEvent`, `applyOrderEvent`, `reconcileOrder`) and the pricing and inventory ones
//! (`computePrice`, `planPriceSync`, `planInventorySync`, `availability`,
//! `reservationTransition`) and the customer ones (`validateCustomerBatch`, `planCustomerSync`,
//! `normalizeCustomerEmail`)
//! answered natively (`ponte_wasm::abi::dispatch`), by the shipped `.wasm` under wasmtime (byte
//! for byte, no trap) and through the compiled JS glue in Node (`node/batch.js`, as JSON
//! values), on generated requests: valid ones, broken payloads and mangled bytes
//! (`ponte_harness::ops_generate`).

use ponte_harness::bench::SplitMix;
use ponte_harness::cases;
use ponte_harness::node::run_batch;
use ponte_harness::ops_generate::{OPS, mangle, ops_input, request};
use ponte_harness::wasm::shipped_instance;
use ponte_wasm::abi::dispatch;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

#[test]
fn new_operations_answer_the_same_natively_and_in_wasm() {
    let abi = RefCell::new(shipped_instance());
    let runs = Cell::new(0u32);
    let by_outcome: RefCell<BTreeMap<String, u32>> = RefCell::new(BTreeMap::new());
    let config = Config {
        cases: cases(300),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/ops_differential.txt",
        ))),
        ..Config::default()
    };
    let started = std::time::Instant::now();
    let result = TestRunner::new(config).run(&ops_input(), |input| {
        runs.set(runs.get() + 1);
        let native = abi
            .borrow_mut()
            .same_as_native(&input, 600)
            .map_err(TestCaseError::fail)?;
        let v: Value = serde_json::from_slice(&native).unwrap_or(Value::Null);
        let outcome = match (v.get("ok"), v.pointer("/error/code")) {
            (Some(_), _) => "ok".to_owned(),
            (_, Some(code)) => code.as_str().unwrap_or("?").to_owned(),
            _ => "unparsed".to_owned(),
        };
        *by_outcome.borrow_mut().entry(outcome).or_default() += 1;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "ops differential (wasmtime): {} cases in {:.1?}; outcomes {:?}",
        runs.get(),
        started.elapsed(),
        by_outcome.borrow()
    );
}

#[test]
fn new_operations_answer_the_same_natively_and_through_node() {
    let mut rng = SplitMix::new(0x0005_eed0_f0de);
    let count = cases(300) as usize;
    let mut requests: Vec<Value> = Vec::with_capacity(count);
    let mut per_op: BTreeMap<&str, usize> = BTreeMap::new();
    for i in 0..count {
        let op = OPS[i % OPS.len()];
        *per_op.entry(op).or_default() += 1;
        let r = request(&mut rng, op);
        // Node takes JSON lines: a damaged input must still be a JSON value, so damage the
        // input (types, missing fields) and keep the envelope. (A missing `input` is
        // `undefined` in JS, which the glue refuses with its own message: not comparable.)
        if i % 5 == 4 {
            let bytes = mangle(&mut rng, &r);
            if let Ok(v) = serde_json::from_slice::<Value>(&bytes)
                && v.get("op").is_some()
                && v.get("input").is_some()
            {
                requests.push(v);
                continue;
            }
        }
        requests.push(r);
    }
    let started = std::time::Instant::now();
    let answers = run_batch(&requests).unwrap_or_else(|e| panic!("{e}"));
    let node_time = started.elapsed();
    let mut errors = 0;
    // reconcileOrder answers that took Get order's value or items, and ones that kept the
    // state's although Get order's differed: both paths must be compared.
    let (mut lines_taken, mut lines_kept) = (0, 0);
    for (request, node) in requests.iter().zip(&answers) {
        let native: Value = serde_json::from_slice(&dispatch(request.to_string().as_bytes()))
            .expect("dispatch answers JSON");
        if native.get("error").is_some() {
            errors += 1;
        }
        if request["op"] == "reconcileOrder"
            && let Some(ok) = native.get("ok")
        {
            let state = &request["input"]["state"];
            if ok["total"] != state["total"] || ok["items"] != state["items"] {
                lines_taken += 1;
            } else if request["input"]["order"]["value"] != state["total"] {
                lines_kept += 1;
            }
        }
        // The glue decodes `JSON.stringify` of the JS value, not the original text: a decoding
        // error's position (`at line 1 column 991`) counts in that text. Compare without it.
        let (node, native) = (without_position(node), without_position(&native));
        let (node, native) = (&node, native);
        if !same_json(node, &native) {
            panic!(
                "Node and native differ at {}\n  on {:.600}",
                first_difference(node, &native, String::new()),
                request.to_string()
            );
        }
    }
    assert!(errors > 0 && errors < requests.len(), "{errors} errors");
    // With the default 300 requests (17 of them reconcileOrder, 5 taking and 5 keeping);
    // fewer may miss a path.
    assert!(
        per_op.get("reconcileOrder").copied().unwrap_or(0) < 15
            || (lines_taken > 0 && lines_kept > 0),
        "reconcileOrder: {lines_taken} took Get order's value/items, {lines_kept} kept the state's"
    );
    eprintln!(
        "ops differential (node): {} requests ({errors} errors; reconcileOrder took Get order's \
         value/items {lines_taken}×, kept the state's {lines_kept}×) {per_op:?} in {node_time:.1?}",
        requests.len()
    );
}

/// The answer with ` at line L column C` cut from an error message.
fn without_position(answer: &Value) -> Value {
    let mut a = answer.clone();
    if let Some(Value::String(m)) = a.pointer_mut("/error/message")
        && let Some(at) = m.find(" at line ")
    {
        m.truncate(at);
    }
    a
}

/// JSON equality as JavaScript sees it: a number is its f64 (`6` and `6.0` are one value), and
/// `JSON.stringify(-0)` is `0`, so a message quoting a negative zero natively (`not -0`) quotes
/// `0` through the glue (a known divergence of the JS door, reported, not a core difference).
fn same_text(a: &str, b: &str) -> bool {
    a == b || a.replace("-0", "0") == b.replace("-0", "0")
}

/// JSON equality as JavaScript sees it: a number is its f64 (`6` and `6.0` are one value).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => same_text(x, y),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_json(v, w))
        }
        _ => a == b,
    }
}

/// Where two JSON values first differ, with both sides there.
fn first_difference(a: &Value, b: &Value, at: String) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                if !matches!((x.get(k), y.get(k)), (Some(p), Some(q)) if same_json(p, q)) {
                    return match (x.get(k), y.get(k)) {
                        (Some(p), Some(q)) => first_difference(p, q, format!("{at}/{k}")),
                        (p, q) => format!("{at}/{k}: node {p:?}, native {q:?}"),
                    };
                }
            }
            format!("{at}: ?")
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if !same_json(p, q) {
                    return first_difference(p, q, format!("{at}/{i}"));
                }
            }
            format!("{at}: ?")
        }
        _ => format!("{at}: node {a}, native {b}"),
    }
}
