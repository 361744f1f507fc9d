//! The compiled JavaScript glue in Node (`node/.build/generated/ponte_wasm.js`, driven by
//! `node/batch.js`) against native `ponte_wasm::abi::dispatch`: each answer, `{"ok": ...}` or
//! `{"error": {"code", "message"}}`, compared as a JSON value. The requests come from the
//! proptest strategies (valid catalogs, catalogs broken in one way, unknown categories), drawn
//! with a fixed seed and sent in one batch to one `node` process. No compiled glue is a
//! failure: run `make node-build`.

use ponte_harness::cases;
use ponte_harness::generate::{any_bounds, request};
use ponte_harness::node::run_batch;
use ponte_wasm::abi::dispatch;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::Value;

#[test]
fn generated_requests_answer_the_same_natively_and_through_node() {
    let mut runner = TestRunner::deterministic();
    let strategy = any_bounds().prop_flat_map(request);
    let count = cases(200) as usize;
    let mut requests: Vec<Value> = Vec::with_capacity(count + 1);
    for _ in 0..count {
        let r = strategy
            .new_tree(&mut runner)
            .unwrap_or_else(|e| panic!("strategy: {e}"))
            .current();
        requests.push(r.to_json());
    }
    requests.push(serde_json::json!({"op": "version"}));

    let started = std::time::Instant::now();
    let answers = run_batch(&requests).unwrap_or_else(|e| panic!("{e}"));
    let node_time = started.elapsed();

    let mut errors = 0;
    for (request, node) in requests.iter().zip(&answers) {
        let native: Value = serde_json::from_slice(&dispatch(request.to_string().as_bytes()))
            .expect("dispatch answers JSON");
        if native.get("error").is_some() {
            errors += 1;
        }
        assert_eq!(
            node,
            &native,
            "Node (left) and native (right) differ on {:.500}",
            request.to_string()
        );
    }
    assert!(
        errors > 0 && errors < requests.len(),
        "the batch mixes answers and errors ({errors} errors)"
    );
    eprintln!(
        "node batch: {} requests ({errors} errors) through one node process in {node_time:.1?}",
        requests.len()
    );
}
