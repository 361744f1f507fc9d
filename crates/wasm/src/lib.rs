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
//! and encode with the same serde code and give the same answers and the same errors. (Measured: JSON text
//! costs the same as serde-wasm-bindgen.)
//!
//! Errors reach JavaScript as an `Error` whose `code` property is the stable code.
//! Nothing here may panic: the shipped profile aborts on panic, which would kill the instance.

pub mod abi;

use abi::AbiError;
use js_sys::{JSON, Reflect};
use wasm_bindgen::prelude::*;

/// One wasm-bindgen export per row of the core's operation table, each taking and returning
/// a JS value. Their TypeScript types are not wasm-bindgen's (`any`): `xtask` writes typed
/// signatures from the same table.
macro_rules! exports {
    ($($(#[doc = $doc:literal])* $export:ident $name:literal : $req:ty => $resp:ty = $f:path;)*) => {$(
        $(#[doc = $doc])*
        #[wasm_bindgen]
        pub fn $export(input: JsValue) -> Result<JsValue, JsValue> {
            call($name, &input)
        }
    )*};
}
ponte_core::for_each_operation!(exports);

/// The version of the core inside this module.
#[wasm_bindgen]
pub fn version() -> String {
    abi::VERSION.to_owned()
}

fn call(op: &str, input: &JsValue) -> Result<JsValue, JsValue> {
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
