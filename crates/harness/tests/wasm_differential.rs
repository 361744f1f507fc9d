//! The shipped `.wasm` (decoded from `node/generated/ponte_wasm_bytes.ts`) under wasmtime
//! against native `ponte_wasm::abi::dispatch`: identical answer bytes for generated requests
//! (valid catalogs, catalogs broken in one way, unknown categories), garbage and malformed
//! JSON; and no trap, ever (a trap is a panic inside the module). One instance serves every
//! case of a test. No module is a failure: run `make wasm`.

use ponte_harness::cases;
use ponte_harness::generate::{abi_input, any_bounds};
use ponte_harness::wasm::{WasmAbi, shipped_instance};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use std::cell::{Cell, RefCell};
use std::time::Instant;

/// Request bytes that print as text when a case fails.
#[derive(Clone)]
struct Input(Vec<u8>);

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes: {:?}",
            self.0.len(),
            String::from_utf8_lossy(&self.0)
        )
    }
}

/// A new instance of the shipped module (compiled once per process, or loaded from the
/// compile cache under `target/wasm-cache`).
fn instance() -> WasmAbi {
    shipped_instance()
}

/// Runs one input both ways; a trap fails the case.
fn compare(abi: &RefCell<WasmAbi>, input: &[u8]) -> Result<(), TestCaseError> {
    abi.borrow_mut()
        .same_as_native(input, usize::MAX)
        .map(drop)
        .map_err(TestCaseError::fail)
}

#[test]
fn generated_requests_answer_the_same_natively_and_in_wasm() {
    let abi = RefCell::new(instance());
    let start_memory = abi.borrow().memory_size();
    let cases_run = Cell::new(0u32);
    let config = Config {
        cases: cases(256),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/wasm_differential.txt",
        ))),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = any_bounds().prop_flat_map(abi_input).prop_map(Input);
    let started = Instant::now();
    let result = runner.run(&strategy, |input| {
        cases_run.set(cases_run.get() + 1);
        compare(&abi, &input.0)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "wasm differential: {} cases in {:.1?}; linear memory {} -> {} KiB",
        cases_run.get(),
        started.elapsed(),
        start_memory / 1024,
        abi.borrow().memory_size() / 1024
    );
}

/// Inputs worth keeping as a table: envelope and decoding edge cases, deep nesting, and a
/// long run of calls on one instance (allocator reuse).
#[test]
fn edge_inputs_answer_the_same_natively_and_in_wasm() {
    let abi = RefCell::new(instance());
    let deep_array = format!(
        "{{\"op\":\"version\",\"input\":{}{}}}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let deep_object = format!(
        "{{\"op\":\"categoryTree\",\"input\":{{\"catalog\":{}1{}}}}}",
        "{\"a\":".repeat(50_000),
        "}".repeat(50_000)
    );
    let big_name = format!(
        "{{\"op\":\"categoryTree\",\"input\":{{\"catalog\":{{\"categories\":[{{\"id\":1,\"name\":\"{}\"}}]}}}}}}",
        "é".repeat(1_000_000)
    );
    let inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b" ".to_vec(),
        b"{\"op\":\"version\"}".to_vec(),
        b"{\"op\":\"version\",\"input\":{\"x\":1}}".to_vec(),
        b"{\"op\":\"Version\"}".to_vec(),
        b"{\"input\":{}}".to_vec(),
        b"{\"op\":\"categoryTree\",\"input\":{\"catalog\":{}}}".to_vec(),
        b"{\"op\":\"categoryTree\",\"input\":{\"catalog\":{\"categories\":[{\"id\":0,\"name\":\"Zero\"}]}}}".to_vec(),
        b"{\"op\":\"categoryTree\",\"input\":{\"catalog\":{\"categories\":[{\"id\":4294967295,\"name\":\"Max\"}]}}}".to_vec(),
        b"{\"op\":\"effectiveSpecifications\",\"input\":{\"catalog\":{\"categories\":[{\"id\":1,\"name\":\"A\"}]},\"categoryId\":1e0}}".to_vec(),
        b"{\"op\":\"moveImpact\",\"input\":{\"catalog\":{\"categories\":[{\"id\":1,\"name\":\"A\"}]},\"categoryId\":1,\"newFatherCategoryId\":1}}".to_vec(),
        b"{\"op\":\"moveImpact\",\"input\":{\"catalog\":{\"categories\":[{\"id\":1,\"name\":\"A\",\"fatherCategoryId\":1}]},\"categoryId\":1}}".to_vec(),
        b"{\"op\":\"categoryTree\",\"input\":{\"catalog\":{\"categories\":[{\"id\":1,\"name\":\"\\ud83d\\ude00\"}]}}}".to_vec(),
        b"{\"op\":\"categoryTree\",\"input\":{\"catalog\":{\"categories\":[{\"id\":1,\"name\":\"\\udc00\"}]}}}".to_vec(),
        deep_array.into_bytes(),
        deep_object.into_bytes(),
        big_name.into_bytes(),
    ];
    for input in &inputs {
        if let Err(e) = compare(&abi, input) {
            panic!("{e}\n  input: {:.300}", String::from_utf8_lossy(input));
        }
    }
    // Many calls on one instance: answers stay identical while the allocator reuses memory.
    let tree = b"{\"op\":\"categoryTree\",\"input\":{\"catalog\":{\"categories\":[{\"id\":2,\"name\":\"B\"},{\"id\":1,\"name\":\"A\",\"fatherCategoryId\":2}]}}}";
    for _ in 0..2_000 {
        if let Err(e) = compare(&abi, tree) {
            panic!("{e}");
        }
    }
    eprintln!(
        "wasm edge inputs: {} inputs + 2000 repeated calls",
        inputs.len()
    );
}
