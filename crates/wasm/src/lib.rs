//! WebAssembly bindings of `ponte-core`: the only crate that knows JavaScript.
//!
//! Two doors into the same functions:
//! - the wasm-bindgen exports below, used by the Node service through the generated
//!   TypeScript module (`node/generated/ponte_wasm.ts`);
//! - the raw JSON ABI in [`abi`] (`alloc`, `dealloc`, `call`), which needs no JavaScript, so
//!   the harness drives the shipped `.wasm` under wasmtime.
//!
//! Both go through [`abi::call_op`]: the wasm-bindgen exports turn the JS value into JSON
//! text with `JSON.stringify` and the answer back with `JSON.parse`, so the two doors decode
//! and encode with the same serde code and give the same answers and the same errors. (Per
//! measurement in shared/vtex-io.md, JSON text costs the same as serde-wasm-bindgen.)
//!
//! Errors reach JavaScript as an `Error` whose `code` property is the stable code.
//! Nothing here may panic: the shipped profile aborts on panic, which would kill the instance.

pub mod abi;

use abi::{AbiError, Op};
use js_sys::{JSON, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "EffectiveSpecificationsRequest")]
    pub type EffectiveSpecificationsRequestJs;
    #[wasm_bindgen(typescript_type = "EffectiveSpecifications")]
    pub type EffectiveSpecificationsJs;
    #[wasm_bindgen(typescript_type = "CategoryTreeRequest")]
    pub type CategoryTreeRequestJs;
    #[wasm_bindgen(typescript_type = "CategoryNode[]")]
    pub type CategoryNodesJs;
    #[wasm_bindgen(typescript_type = "MoveImpactRequest")]
    pub type MoveImpactRequestJs;
    #[wasm_bindgen(typescript_type = "MoveImpact")]
    pub type MoveImpactJs;
    #[wasm_bindgen(typescript_type = "ValidateRequest")]
    pub type ValidateRequestJs;
    #[wasm_bindgen(typescript_type = "ValidToken")]
    pub type ValidTokenJs;
}

/// The effective specifications of a category (own, inherited and root-level fields).
#[wasm_bindgen]
pub fn effective_specifications(
    input: EffectiveSpecificationsRequestJs,
) -> Result<EffectiveSpecificationsJs, JsValue> {
    call(Op::EffectiveSpecifications, &input).map(JsCast::unchecked_into)
}

/// The catalog as nested nodes, departments first.
#[wasm_bindgen]
pub fn category_tree(input: CategoryTreeRequestJs) -> Result<CategoryNodesJs, JsValue> {
    call(Op::CategoryTree, &input).map(JsCast::unchecked_into)
}

/// What moving a category under another father would change.
#[wasm_bindgen]
pub fn move_impact(input: MoveImpactRequestJs) -> Result<MoveImpactJs, JsValue> {
    call(Op::MoveImpact, &input).map(JsCast::unchecked_into)
}

/// Checks a VTEX ID token (structure, algorithm allow-list, claims against the expected
/// audience, account and clock) and, when `jwks` is given, its signature.
#[wasm_bindgen]
pub fn validate_token(input: ValidateRequestJs) -> Result<ValidTokenJs, JsValue> {
    call(Op::ValidateToken, &input).map(JsCast::unchecked_into)
}

/// The version of the core inside this module.
#[wasm_bindgen]
pub fn version() -> String {
    abi::VERSION.to_owned()
}

fn call(op: Op, input: &JsValue) -> Result<JsValue, JsValue> {
    let text = match JSON::stringify(input) {
        Ok(s) => s.as_string(),
        Err(_) => None,
    }
    .ok_or_else(|| {
        js_error(&AbiError::input(
            "the input is not JSON-serialisable (undefined, a function or a cycle)",
        ))
    })?;
    let out = abi::call_op(op, &text).map_err(|e| js_error(&e))?;
    JSON::parse(&out).map_err(|_| js_error(&AbiError::internal("the core produced invalid JSON")))
}

fn js_error(e: &AbiError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    // Setting a property on a fresh Error object cannot fail; if it did, the message stays.
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(e.code));
    err.into()
}
