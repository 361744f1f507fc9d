//! Times VTEX ID token validation natively and writes the requests for `bench/wasm-sso.js`,
//! which times the same requests in the shipped wasm (through the JS glue and the raw ABI) and
//! prints the ratios: one run, one machine (`bench/run.sh`).
//!
//! `bench-sso <out.json>`: for ES256, RS256 and EdDSA tokens of the fixed corpus keys, with
//! the key set (signature verified) and without it (structure, allow-list and claims only:
//! the core cost of the service's cached/online-confirmation path), validations per second:
//!
//! - `typed`: `ponte_core::sso::validate` with a `KeySet` parsed once;
//! - `dispatch`: the raw JSON ABI natively (`ponte_wasm::abi::dispatch`: request JSON with the
//!   JWKS text in, answer JSON out; the ABI keeps the last parsed key set), the same work as
//!   one wasm `call`.
//!
//! Build it optimised: `cargo run --release -p ponte-harness --no-default-features --bin bench-sso`.

use ponte_core::sso::{KeySet, validate};
use ponte_harness::bench::{bench_main, calls_per_second};
use ponte_harness::sso_corpus::{Signer, abi_request, key_set, request, standard};
use serde_json::json;
use std::hint::black_box;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// Each measurement runs at least this long (and at least `MIN_ITERS` iterations).
const BUDGET: Duration = Duration::from_millis(700);
const MIN_ITERS: u64 = 50;

fn main() -> ExitCode {
    bench_main(
        "bench-sso <out.json>  (writes requests and native timings there)",
        run,
    )
}

/// Validations per second of `f`, after a warm-up.
fn per_second(f: impl FnMut()) -> f64 {
    calls_per_second(10, MIN_ITERS, BUDGET, f)
}

fn run(out: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let keys: &KeySet = key_set();
    let mut scenarios = Vec::new();
    for signer in Signer::GENUINE {
        for with_keys in [true, false] {
            let req = request(standard(signer), with_keys);
            let name = format!(
                "{} {}",
                signer.alg(),
                if with_keys {
                    "with keys"
                } else {
                    "claims only"
                }
            );
            let checked = validate(&req.token, &req.expected, with_keys.then_some(keys))?;
            if checked.signature_verified != with_keys {
                return Err(
                    format!("{name}: signatureVerified {}", checked.signature_verified).into(),
                );
            }
            let typed = per_second(|| {
                black_box(validate(
                    black_box(&req.token),
                    &req.expected,
                    with_keys.then_some(keys),
                ))
                .ok();
            });
            let raw = abi_request(&req);
            let answer = ponte_wasm::abi::dispatch(&raw);
            if !answer.starts_with(b"{\"ok\":") {
                return Err(format!("{name}: {}", String::from_utf8_lossy(&answer)).into());
            }
            let dispatch = per_second(|| {
                black_box(ponte_wasm::abi::dispatch(black_box(&raw)));
            });
            eprintln!("bench-sso: {name}: typed {typed:.0}/s, dispatch {dispatch:.0}/s");
            scenarios.push(json!({
                "name": name,
                "alg": signer.alg(),
                "withKeys": with_keys,
                "input": req,
                "tokenBytes": req.token.len(),
                "nativeTypedPerSec": typed,
                "nativeDispatchPerSec": dispatch,
            }));
        }
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let report = json!({
        "note": "validations per second; typed = ponte_core::sso::validate with a parsed KeySet, dispatch = the raw JSON ABI natively",
        "scenarios": scenarios,
    });
    std::fs::write(out, serde_json::to_vec_pretty(&report)?)?;
    writeln!(std::io::stdout().lock(), "{}", out.display())?;
    Ok(())
}
