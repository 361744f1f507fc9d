//! VTEX ID token validation (§I) natively (`ponte_core::sso::validate`), in the
//! shipped `.wasm` through the raw ABI op `validateToken` (wasmtime) and through the JS glue
//! (`validate_token`, Node batch):
//!
//! - the adversarial corpus (`ponte_harness::sso_corpus`), each case refused with its code or
//!   accepted, the same everywhere; its committed fixture `fixtures/sso-corpus.jsonl` is up to
//!   date (`PONTE_BLESS=1` rewrites it);
//! - properties: random valid tokens are accepted with identical answers; every single-byte
//!   edit of a valid token is refused with the key set, and without it is refused with the
//!   same code or accepted only as the key set would explain (see
//!   `single_byte_edits_are_refused_the_same_everywhere`); arbitrary strings never trap the
//!   instance and answer as natively.
//!
//! `PROPTEST_CASES` sets every property's count. No module or glue is a failure: run
//! `cargo run -p xtask -- wasm` and `cd node && npm run build`.

use ponte_core::sso::{
    SsoError, ValidToken, ValidateRequest, cache_key, canonical_signature, inspect,
};
use ponte_harness::cases;
use ponte_harness::node::run_batch;
use ponte_harness::sso_corpus::{
    Signer, SsoCase, abi_request, corpus, fixture_jsonl, fixture_path, native_validate,
    outcome_code, request, standard,
};
use ponte_harness::sso_generate::{
    Edit, MAX_SAFE_INTEGER, ValidCase, arbitrary_request, edit, valid_case,
};
use ponte_harness::wasm::{WasmAbi, shipped_instance};
use ponte_wasm::abi::dispatch;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Instant;

/// The codes a key set adds on top of the checks without one.
const KEY_CODES: [&str; 4] = [
    "TOKEN_KEY_UNKNOWN",
    "TOKEN_KEY_TYPE_MISMATCH",
    "TOKEN_SIGNATURE_INVALID",
    "TOKEN_SIGNATURE_NOT_CANONICAL",
];

fn config(default_cases: u32, file: &'static str) -> Config {
    Config {
        cases: cases(default_cases),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(file))),
        ..Config::default()
    }
}

/// The code of an ABI answer (`None` for `{"ok": ...}`).
fn answer_code(answer: &Value) -> Result<Option<String>, String> {
    if answer.get("ok").is_some() {
        return Ok(None);
    }
    answer
        .pointer("/error/code")
        .and_then(Value::as_str)
        .map(|c| Some(c.to_owned()))
        .ok_or_else(|| format!("neither ok nor an error code: {answer:.300}"))
}

/// Native `dispatch` and the wasm instance answer the same bytes; returns them.
fn same_in_wasm(abi: &RefCell<WasmAbi>, request: &ValidateRequest) -> Result<Vec<u8>, String> {
    abi.borrow_mut().same_as_native(&abi_request(request), 400)
}

fn short(token: &str) -> String {
    if token.len() > 160 {
        format!(
            "{}… ({} bytes)",
            &token[..token.floor_char_boundary(160)],
            token.len()
        )
    } else {
        format!("{token:?}")
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus.

#[test]
fn corpus_cases_get_their_code_natively() {
    let cases = corpus();
    let mut wrong = Vec::new();
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        let result = native_validate(&case.request);
        let got = outcome_code(&result);
        *by_code
            .entry(got.unwrap_or("accepted").to_owned())
            .or_default() += 1;
        if got != case.expected_code.as_deref() {
            wrong.push(format!(
                "{}: expected {:?}, got {:?} ({})",
                case.name,
                case.expected_code,
                got,
                result
                    .as_ref()
                    .err()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ));
            continue;
        }
        if let Ok(valid) = &result {
            if valid.signature_verified != case.request.jwks.is_some() {
                wrong.push(format!(
                    "{}: signatureVerified {} with jwks {}",
                    case.name,
                    valid.signature_verified,
                    case.request.jwks.is_some()
                ));
            }
            // `inspect` agrees with what validation accepted.
            match inspect(&case.request.token) {
                Ok((header, claims)) if header == valid.header && claims == valid.claims => {}
                other => wrong.push(format!("{}: inspect disagrees: {other:?}", case.name)),
            }
        }
    }
    // Every code the core has (but JWKS_INVALID's twin paths) is reached by some case.
    for code in SsoError::CODES {
        assert!(by_code.contains_key(code), "no corpus case yields {code}");
    }
    assert!(
        wrong.is_empty(),
        "{} corpus cases wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    eprintln!("sso corpus natively: {} cases, {by_code:?}", cases.len());
}

#[test]
fn corpus_fixture_is_up_to_date() {
    let text = fixture_jsonl(&corpus());
    let path = fixture_path();
    if std::env::var_os("PONTE_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("fixtures/");
        std::fs::write(&path, &text).expect("write the fixture");
        eprintln!("wrote {}", path.display());
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is out of date with ponte_harness::sso_corpus: run `PONTE_BLESS=1 cargo test -p ponte-harness --test sso corpus_fixture`",
        path.display()
    );
    // Other runners read it back as the same cases.
    let read: Vec<SsoCase> = committed
        .lines()
        .map(|line| serde_json::from_str(line).expect("a fixture line is an SsoCase"))
        .collect();
    assert_eq!(read, corpus());
}

#[test]
fn corpus_cases_answer_the_same_in_wasm() {
    let abi = RefCell::new(shipped_instance());
    let started = Instant::now();
    let all = corpus();
    let mut wrong = Vec::new();
    // Twice: the second pass runs on a warm instance whose key-set cache has seen every JWKS.
    for pass in 0..2 {
        for case in &all {
            let result = same_in_wasm(&abi, &case.request).and_then(|answer| {
                let value: Value =
                    serde_json::from_slice(&answer).map_err(|e| format!("answer not JSON: {e}"))?;
                let code = answer_code(&value)?;
                if code != case.expected_code {
                    return Err(format!("expected {:?}, got {code:?}", case.expected_code));
                }
                Ok(())
            });
            if let Err(e) = result {
                wrong.push(format!("pass {pass} {}: {e}", case.name));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wasm answers wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    eprintln!(
        "sso corpus in wasm: 2 x {} cases in {:.1?}, linear memory {} KiB",
        all.len(),
        started.elapsed(),
        abi.borrow().memory_size() / 1024
    );
}

/// Requests that reach `validateToken` but are not a `ValidateRequest`: refused as input,
/// the same natively and in wasm.
#[test]
fn malformed_validate_requests_answer_the_same_in_wasm() {
    let abi = RefCell::new(shipped_instance());
    let token = standard(Signer::Es256);
    let inputs = [
        r#"{"op":"validateToken"}"#.to_owned(),
        r#"{"op":"validateToken","input":null}"#.to_owned(),
        r#"{"op":"validateToken","input":"eyJ"}"#.to_owned(),
        format!(r#"{{"op":"validateToken","input":{{"token":"{token}"}}}}"#),
        r#"{"op":"validateToken","input":{"token":1,"expected":{"audience":"admin","account":"a","now":1,"leewaySeconds":0}}}"#.to_owned(),
        format!(r#"{{"op":"validateToken","input":{{"token":"{token}","expected":{{"audience":"ADMIN","account":"ponte","now":1,"leewaySeconds":0}}}}}}"#),
        format!(r#"{{"op":"validateToken","input":{{"token":"{token}","expected":{{"audience":"admin","account":"ponte","now":1.5,"leewaySeconds":0}}}}}}"#),
        format!(r#"{{"op":"validateToken","input":{{"token":"{token}","expected":{{"audience":"admin","account":"ponte","now":1,"leewaySeconds":-1}}}}}}"#),
        format!(r#"{{"op":"validateToken","input":{{"token":"{token}","expected":{{"audience":"admin","account":"ponte","now":9223372036854775808,"leewaySeconds":0}}}}}}"#),
        format!(r#"{{"op":"validateToken","input":{{"token":"{token}","expected":{{"audience":"admin","account":"ponte","now":-9223372036854775808,"leewaySeconds":4294967295}}}}}}"#),
        format!(r#"{{"op":"validateToken","input":{{"token":"{token}","expected":{{"audience":"admin","account":"ponte","now":1,"leewaySeconds":0}},"jwks":{{"keys":[]}}}}}}"#),
        format!(r#"{{"op":"validateToken","input":{{"token":"{token}","token":"x","expected":{{"audience":"admin","account":"ponte","now":1,"leewaySeconds":0}}}}}}"#),
        r#"{"op":"validateToken","input":{"token":"\ud800","expected":{"audience":"admin","account":"ponte","now":1,"leewaySeconds":0}}}"#.to_owned(),
    ];
    for input in &inputs {
        let native = dispatch(input.as_bytes());
        let wasm = abi
            .borrow_mut()
            .call_or_recover(input.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            String::from_utf8_lossy(&wasm),
            String::from_utf8_lossy(&native),
            "on {input:.300}"
        );
        assert!(
            native.starts_with(b"{\"error\":{\"code\":\"INPUT_INVALID\"")
                || native.starts_with(b"{\"error\":{\"code\":\"TOKEN_"),
            "{}",
            String::from_utf8_lossy(&native)
        );
    }
}

/// The corpus and generated requests through the JS glue in one Node process.
#[test]
fn corpus_and_generated_tokens_answer_the_same_through_node() {
    let mut requests: Vec<Value> = Vec::new();
    let mut expected_codes: Vec<Option<Option<String>>> = Vec::new();
    let all = corpus();
    for case in &all {
        requests.push(serde_json::json!({"op": "validateToken", "input": case.request}));
        expected_codes.push(Some(case.expected_code.clone()));
    }
    let corpus_len = requests.len();
    let mut runner = TestRunner::deterministic();
    let generated = cases(48);
    let strategy = valid_case();
    let edits = (valid_case(), edit());
    let arbitrary = arbitrary_request(MAX_SAFE_INTEGER);
    for _ in 0..generated {
        let valid = strategy.new_tree(&mut runner).expect("strategy").current();
        requests.push(serde_json::json!({"op": "validateToken", "input": valid.request}));
        expected_codes.push(Some(None));
        let (base, e) = edits.new_tree(&mut runner).expect("strategy").current();
        let mut edited = base.request.clone();
        edited.token = e.apply(&base.request.token).0;
        requests.push(serde_json::json!({"op": "validateToken", "input": edited}));
        expected_codes.push(None);
        let any = arbitrary.new_tree(&mut runner).expect("strategy").current();
        requests.push(serde_json::json!({"op": "validateToken", "input": any}));
        expected_codes.push(None);
    }

    let started = Instant::now();
    let answers = run_batch(&requests).unwrap_or_else(|e| panic!("{e}"));
    let node_time = started.elapsed();
    let mut wrong = Vec::new();
    for (i, (request, node)) in requests.iter().zip(&answers).enumerate() {
        let native: Value = serde_json::from_slice(&dispatch(request.to_string().as_bytes()))
            .expect("dispatch answers JSON");
        let name = if i < corpus_len {
            all[i].name.clone()
        } else {
            format!("generated #{}", i - corpus_len)
        };
        if node != &native {
            wrong.push(format!(
                "{name}: node {:.300} native {:.300}",
                node.to_string(),
                native.to_string()
            ));
            continue;
        }
        if let Some(expected) = &expected_codes[i] {
            match answer_code(node) {
                Ok(code) if &code == expected => {}
                other => wrong.push(format!("{name}: expected {expected:?}, got {other:?}")),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} node answers wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    eprintln!(
        "sso through node: {} corpus cases + {} generated requests in {node_time:.1?}",
        corpus_len,
        requests.len() - corpus_len
    );
}

// ---------------------------------------------------------------------------------------------
// Properties.

fn check_valid(abi: &RefCell<WasmAbi>, case: &ValidCase) -> Result<(), TestCaseError> {
    let valid: ValidToken = native_validate(&case.request).map_err(|e| {
        TestCaseError::fail(format!(
            "a valid {:?} token was refused: {} ({e})\n  token {}",
            case.signer,
            e.code(),
            short(&case.request.token)
        ))
    })?;
    prop_assert_eq!(valid.signature_verified, case.request.jwks.is_some());
    prop_assert_eq!(valid.algorithm.as_str(), case.signer.alg());
    prop_assert_eq!(Some(valid.claims.sub.as_str()), case.str_claim("sub"));
    prop_assert_eq!(
        Some(valid.claims.account.as_str()),
        case.str_claim("account")
    );
    prop_assert_eq!(Some(valid.claims.jti.as_str()), case.str_claim("jti"));
    prop_assert_eq!(valid.claims.sess.as_deref(), case.str_claim("sess"));
    let signature = case.request.token.rsplit('.').next().unwrap_or_default();
    let signature =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, signature)
            .map_err(|e| TestCaseError::fail(format!("signature not base64url: {e}")))?;
    prop_assert_eq!(
        &valid.cache_key,
        &cache_key(
            &valid.claims,
            &canonical_signature(valid.algorithm, &signature)
        )
    );
    let answer = same_in_wasm(abi, &case.request).map_err(TestCaseError::fail)?;
    prop_assert!(answer.starts_with(b"{\"ok\":"), "not ok");
    let ok: ValidToken = serde_json::from_slice::<Value>(&answer)
        .ok()
        .and_then(|v| serde_json::from_value(v["ok"].clone()).ok())
        .ok_or_else(|| TestCaseError::fail("the wasm answer is not a ValidToken"))?;
    prop_assert_eq!(ok, valid);
    Ok(())
}

#[test]
fn valid_tokens_are_accepted_the_same_natively_and_in_wasm() {
    let abi = RefCell::new(shipped_instance());
    let mut runner = TestRunner::new(config(48, "proptest-regressions/sso_valid.txt"));
    let started = Instant::now();
    let by_alg: RefCell<BTreeMap<&str, usize>> = RefCell::default();
    let result = runner.run(&valid_case(), |case| {
        *by_alg.borrow_mut().entry(case.signer.alg()).or_default() += 1;
        check_valid(&abi, &case)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "sso valid tokens: {:?} in {:.1?}",
        by_alg.borrow(),
        started.elapsed()
    );
}

/// Single-byte edits (replace with an ASCII byte, delete, insert) of valid tokens, defined
/// outcome:
/// - **with the key set** every edit is refused (strict base64url is injective, so an edited
///   token decodes to other bytes or not at all, and no single edit turns a signature into
///   another valid one);
/// - **without** it, an edit is refused with the same code as with the key set, or accepted
///   (`signatureVerified: false`) when what changed is only what the key set checks, and the
///   key set then refuses it with a key or signature code; an accepted edit inside the
///   signature part leaves the answer identical to the original token's (same claims and cache
///   key: the cache key never depends on the signature);
/// - the wasm instance answers both requests byte for byte as natively.
#[test]
fn single_byte_edits_are_refused_the_same_everywhere() {
    let abi = RefCell::new(shipped_instance());
    let bases: Vec<(Signer, String)> = Signer::GENUINE.iter().map(|&s| (s, standard(s))).collect();
    let originals: Vec<ValidToken> = bases
        .iter()
        .map(|(_, t)| native_validate(&request(t.clone(), false)).expect("the base is valid"))
        .collect();
    let mut runner = TestRunner::new(config(384, "proptest-regressions/sso_edits.txt"));
    let started = Instant::now();
    let tally: RefCell<BTreeMap<String, usize>> = RefCell::default();
    let strategy = (0..bases.len(), edit());
    let result = runner.run(&strategy, |(which, e): (usize, Edit)| {
        let (signer, token) = &bases[which];
        let (edited, at) = e.apply(token);
        let Some(at) = at else {
            return Ok(());
        };
        let with = native_validate(&request(edited.clone(), true));
        let without = native_validate(&request(edited.clone(), false));
        let with_code = outcome_code(&with).ok_or_else(|| {
            TestCaseError::fail(format!(
                "an edited {signer:?} token was accepted with the key set: {}",
                short(&edited)
            ))
        })?;
        match &without {
            Err(e) => prop_assert_eq!(
                e.code(),
                with_code,
                "without keys {} but with keys {}",
                e.code(),
                with_code
            ),
            Ok(valid) => {
                prop_assert!(!valid.signature_verified);
                prop_assert!(
                    KEY_CODES.contains(&with_code),
                    "accepted without keys but refused with {} with them",
                    with_code
                );
                let signature_starts = token.rfind('.').expect("three parts") + 1;
                if at > signature_starts && edited[..signature_starts] == token[..signature_starts]
                {
                    // Same header and claims; another signature is another cache key, so an
                    // unverifiable signature never reuses the genuine token's confirmation.
                    let original = &originals[which];
                    prop_assert_eq!(&valid.header, &original.header);
                    prop_assert_eq!(&valid.claims, &original.claims);
                    prop_assert_ne!(&valid.cache_key, &original.cache_key);
                }
            }
        }
        *tally
            .borrow_mut()
            .entry(format!(
                "{}/{}",
                with_code,
                outcome_code(&without).unwrap_or("accepted")
            ))
            .or_default() += 1;
        for with_keys in [true, false] {
            same_in_wasm(&abi, &request(edited.clone(), with_keys)).map_err(TestCaseError::fail)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "sso single-byte edits in {:.1?} (with keys / without): {:?}",
        started.elapsed(),
        tally.borrow()
    );
}

#[test]
fn arbitrary_requests_never_trap_and_answer_as_natively() {
    let abi = RefCell::new(shipped_instance());
    let mut runner = TestRunner::new(config(256, "proptest-regressions/sso_arbitrary.txt"));
    let started = Instant::now();
    let tally: RefCell<BTreeMap<String, usize>> = RefCell::default();
    let result = runner.run(&arbitrary_request(i64::MAX), |request| {
        let answer = same_in_wasm(&abi, &request).map_err(TestCaseError::fail)?;
        let value: Value = serde_json::from_slice(&answer)
            .map_err(|e| TestCaseError::fail(format!("answer not JSON: {e}")))?;
        let code = answer_code(&value).map_err(TestCaseError::fail)?;
        if let Some(code) = &code {
            prop_assert!(
                SsoError::CODES.contains(&code.as_str()),
                "unexpected code {}",
                code
            );
        }
        *tally
            .borrow_mut()
            .entry(code.unwrap_or_else(|| "accepted".into()))
            .or_default() += 1;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "sso arbitrary requests in {:.1?}: {:?}",
        started.elapsed(),
        tally.borrow()
    );
}

/// Found by the node comparison: `idletimeout` used to be kept as any `i64`, so a value beyond
/// ±2^53 reached the service rounded by `JSON.parse`. The core now drops values outside
/// JavaScript's exact range; native and Node must agree exactly.
#[test]
fn idletimeout_beyond_2_pow_53_is_exact_through_node() {
    use ponte_harness::sso_corpus::es_claims_token;
    let token = es_claims_token(&[("idletimeout", serde_json::json!(9_007_199_254_740_993i64))]);
    let req = serde_json::json!({"op": "validateToken", "input": request(token, true)});
    let node = run_batch(std::slice::from_ref(&req)).unwrap_or_else(|e| panic!("{e}"));
    let native: Value =
        serde_json::from_slice(&dispatch(req.to_string().as_bytes())).expect("JSON");
    assert_eq!(node[0], native);
}
