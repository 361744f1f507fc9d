//! Replays every saved fuzz input in `tests/fuzz-crashers/` (crashes of the cargo-fuzz
//! target `fuzz/fuzz_targets/jws_parse.rs`, and inputs kept as interesting) as a VTEX ID
//! token, the way the target reads it (`String::from_utf8_lossy` of the file's bytes): with
//! the target's fixed key set each must be refused with a code of `SsoError::CODES` (not a
//! panic) natively; without keys (structure and claims only: a malleated or forged signature
//! is then accepted by design) it must not panic either; and in both modes the shipped wasm
//! must answer byte for byte as natively (no trap).
//!
//! A new crash: copy `fuzz/artifacts/jws_parse/crash-*` into the folder, fix the core, and
//! this test keeps it fixed. Files ending in `.md` are notes, not inputs.

use ponte_core::sso::SsoError;
use ponte_harness::sso_corpus::{abi_request, native_validate, request};
use ponte_harness::wasm::shipped_instance;
use ponte_wasm::abi::dispatch;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

fn inputs() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-crashers");
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|path| path.is_file() && path.extension().is_none_or(|ext| ext != "md"))
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (name, bytes)
        })
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn saved_fuzz_inputs_are_refused_with_a_code_natively_and_in_wasm() {
    let inputs = inputs();
    assert!(!inputs.is_empty(), "tests/fuzz-crashers/ holds no input");
    let mut abi = shipped_instance();
    let mut wrong = Vec::new();
    for (name, bytes) in &inputs {
        let token = String::from_utf8_lossy(bytes).into_owned();
        for with_keys in [true, false] {
            let req = request(token.clone(), with_keys);
            let keys = if with_keys {
                "with keys"
            } else {
                "without keys"
            };
            match catch_unwind(AssertUnwindSafe(|| native_validate(&req))) {
                Err(_) => wrong.push(format!("{name} ({keys}): the core panicked")),
                Ok(Ok(_)) if with_keys => wrong.push(format!("{name} ({keys}): accepted")),
                Ok(Ok(_)) => {}
                Ok(Err(e)) if !SsoError::CODES.contains(&e.code()) => {
                    wrong.push(format!("{name} ({keys}): unknown code {}", e.code()));
                }
                Ok(Err(_)) => {}
            }
            let raw = abi_request(&req);
            let native = dispatch(&raw);
            match abi.call(&raw) {
                Err(trap) => {
                    wrong.push(format!(
                        "{name} ({keys}): the wasm module trapped: {trap:?}"
                    ));
                    abi.reinstantiate()
                        .unwrap_or_else(|e| panic!("reinstantiate: {e:?}"));
                }
                Ok(wasm) if wasm != native => wrong.push(format!(
                    "{name} ({keys}): wasm {:.200} native {:.200}",
                    String::from_utf8_lossy(&wasm),
                    String::from_utf8_lossy(&native)
                )),
                Ok(_) => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} saved fuzz inputs misbehave:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    eprintln!(
        "fuzz regressions: {} inputs, each with and without keys",
        inputs.len()
    );
}
