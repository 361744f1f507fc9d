//! The raw JSON ABI: bytes in, bytes out, no JavaScript.
//!
//! Request: `{"op": "<operation>", "input": <request>}`; answer: `{"ok": <response>}` or
//! `{"error": {"code": "...", "message": "..."}}`. The operations are the core's table
//! (`ponte_core::ops::OPERATIONS`, by their ABI names), plus `version`.
//!
//! On wasm32 the module exports `alloc(len) -> ptr`, `dealloc(ptr, len)` and
//! `call(ptr, len) -> u64` (answer pointer in the high 32 bits, length in the low 32; the
//! caller deallocates it). Natively, [`dispatch`] is the same function.
//!
//! On wasm32 the module's allocator grows linear memory in large steps (`heap`): Rust's
//! allocator grows it by just what a request lacks (64 KiB at a time for small ones), and V8
//! runs a full garbage collection of the host's JavaScript heap on nearly every
//! `memory.grow` once the memory is past ~64 MiB. A first big call paid one per step: the
//! 100k-SKU planning bench (`bench/wasm-import.js`) took 305 s on its first raw call and
//! 2.8 s warm; with the steps, ~4 s and ~2.7 s.

pub use ponte_core::ops::OpError as AbiError;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The version of the core inside this module.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs one operation (by its ABI name, or `version`) on its JSON input, returning the JSON
/// answer.
pub fn call_op(op: &str, input: &str) -> Result<String, AbiError> {
    match op {
        "version" => Ok(format!("\"{VERSION}\"")),
        _ => ponte_core::ops::call(op, input),
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    op: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    input: Option<&'a RawValue>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a AbiError,
}

/// Answers one raw request (see the module docs). Never panics, whatever the bytes.
pub fn dispatch(request: &[u8]) -> Vec<u8> {
    match answer(request) {
        Ok(json) => {
            let mut out = Vec::with_capacity(json.len() + 7);
            out.extend_from_slice(b"{\"ok\":");
            out.extend_from_slice(json.as_bytes());
            out.push(b'}');
            out
        }
        Err(e) => serde_json::to_vec(&ErrorBody { error: &e }).unwrap_or_else(|_| {
            br#"{"error":{"code":"INTERNAL","message":"cannot encode the error"}}"#.to_vec()
        }),
    }
}

fn answer(request: &[u8]) -> Result<String, AbiError> {
    let envelope: Envelope<'_> = serde_json::from_slice(request)
        .map_err(|e| AbiError::input(format!("invalid request envelope: {e}")))?;
    let input = envelope.input.map_or("null", RawValue::get);
    call_op(&envelope.op, input)
}

#[cfg(target_arch = "wasm32")]
mod exports {
    use std::alloc::{Layout, alloc as raw_alloc, dealloc as raw_dealloc};

    /// Reserves `len` bytes for the caller to write a request into.
    #[unsafe(no_mangle)]
    pub extern "C" fn alloc(len: usize) -> *mut u8 {
        match Layout::from_size_align(len, 1) {
            Ok(layout) if len > 0 => unsafe { raw_alloc(layout) },
            _ => std::ptr::NonNull::<u8>::dangling().as_ptr(),
        }
    }

    /// Frees what `alloc` or `call` handed out.
    ///
    /// # Safety
    /// `ptr`/`len` must come from `alloc` or from the answer of `call`, freed once.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
        if len == 0 || ptr.is_null() {
            return;
        }
        if let Ok(layout) = Layout::from_size_align(len, 1) {
            unsafe { raw_dealloc(ptr, layout) };
        }
    }

    /// Answers the request at `ptr..ptr+len`; see the module docs for the packing.
    ///
    /// # Safety
    /// `ptr..ptr+len` must be readable memory of this module (as written after `alloc`).
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn call(ptr: *const u8, len: usize) -> u64 {
        let request: &[u8] = if len == 0 || ptr.is_null() {
            &[]
        } else {
            unsafe { std::slice::from_raw_parts(ptr, len) }
        };
        let answer = super::dispatch(request).into_boxed_slice();
        let out_len = answer.len();
        let out_ptr = if out_len == 0 {
            std::ptr::NonNull::<u8>::dangling().as_ptr()
        } else {
            Box::into_raw(answer).cast::<u8>()
        };
        ((out_ptr as usize as u64) << 32) | out_len as u64
    }
}

/// Grows linear memory geometrically: a first big call should not pay a `memory.grow` per
/// 64 KiB.
///
/// Rust's wasm32 allocator (dlmalloc) extends its heap by exactly what a request lacks
/// (rounded up to 64 KiB) and never gives memory back. Each `memory.grow` makes V8 hand out
/// a new `ArrayBuffer` over the whole memory, which counts as external memory, and past V8's
/// ~64 MiB slack that starts a full mark-compact of the embedder's JavaScript heap: the cost
/// of a first call is then (number of grows) × (size of the host's heap), which grows faster
/// than the square of the request. Wasmtime has no such cost, nor does a warm instance (its
/// memory is reused).
///
/// So whenever the allocator has just grown memory, this wrapper reserves headroom of half
/// the current size (at most `MAX_HEADROOM`) by allocating one block and freeing it at
/// once: dlmalloc takes the block from a single `memory.grow` and merges it back into its
/// free top chunk, where the following allocations find it. Memory grows ~1.5× at a time
/// (about two dozen grows up to a GiB), and ends at most that headroom above the high-water
/// mark. Answers do not change: only where allocations land does.
#[cfg(target_arch = "wasm32")]
mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A WebAssembly page.
    const PAGE: usize = 64 * 1024;
    /// The largest headroom reserved at once (bytes).
    pub const MAX_HEADROOM: usize = 128 * 1024 * 1024;

    /// The memory size (pages) after the last reservation.
    static SEEN_PAGES: AtomicUsize = AtomicUsize::new(0);

    /// The system allocator, growing memory in large steps.
    #[derive(Debug)]
    pub struct GrowInSteps;

    impl GrowInSteps {
        fn after_alloc(&self) {
            let pages = core::arch::wasm32::memory_size::<0>();
            if pages <= SEEN_PAGES.load(Ordering::Relaxed) {
                return;
            }
            let headroom = (pages / 2).saturating_mul(PAGE).min(MAX_HEADROOM);
            if let Ok(layout) = Layout::from_size_align(headroom, 16)
                && headroom > 0
            {
                // SAFETY: a non-zero layout, freed with the same layout; when memory cannot
                // grow the allocation fails and nothing is reserved.
                unsafe {
                    let block = System.alloc(layout);
                    if !block.is_null() {
                        System.dealloc(block, layout);
                    }
                }
            }
            SEEN_PAGES.store(core::arch::wasm32::memory_size::<0>(), Ordering::Relaxed);
        }
    }

    // SAFETY: every call is forwarded to `System` with the caller's arguments; the headroom
    // reservation only allocates and frees a block of its own.
    unsafe impl GlobalAlloc for GrowInSteps {
        #[inline(never)]
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let ptr = unsafe { System.alloc(layout) };
            self.after_alloc();
            ptr
        }

        #[inline(never)]
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let ptr = unsafe { System.alloc_zeroed(layout) };
            self.after_alloc();
            ptr
        }

        #[inline(never)]
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) }
        }

        #[inline(never)]
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let ptr = unsafe { System.realloc(ptr, layout, new_size) };
            self.after_alloc();
            ptr
        }
    }

    #[global_allocator]
    static ALLOCATOR: GrowInSteps = GrowInSteps;
}

#[cfg(test)]
mod tests {
    use super::dispatch;

    #[track_caller]
    fn check(request: &str, expected: &str) {
        let out = dispatch(request.as_bytes());
        assert_eq!(String::from_utf8_lossy(&out), expected);
    }

    #[test]
    fn envelope_errors_have_codes() {
        check(
            "",
            r#"{"error":{"code":"INPUT_INVALID","message":"invalid request envelope: EOF while parsing a value at line 1 column 0"}}"#,
        );
        check(
            r#"{"op":"nope","input":{}}"#,
            r#"{"error":{"code":"UNKNOWN_OPERATION","message":"unknown operation \"nope\""}}"#,
        );
        check(
            r#"{"op":"version"}"#,
            &format!(r#"{{"ok":"{}"}}"#, super::VERSION),
        );
        check(
            r#"{"op":"categoryTree","input":{"catalog":{"categories":[{"id":1,"name":"A","fatherCategoryId":2}]}}}"#,
            r#"{"error":{"code":"CATEGORY_FATHER_NOT_FOUND","message":"category 1 names father category 2, which does not exist; create the father first"}}"#,
        );
        check(
            r#"{"op":"categoryTree","input":{"catalog":{"categories":[{"id":1,"name":"A"}]}}}"#,
            r#"{"ok":[{"id":1,"name":"A","isActive":true,"level":1,"isLeaf":true,"children":[]}]}"#,
        );
    }

    #[test]
    fn tokens_are_checked_by_the_core() {
        let expected =
            r#""expected":{"audience":"admin","account":"acme","now":0,"leewaySeconds":0}"#;
        for (token, jwks, code) in [
            ("a.b", "null", "TOKEN_MALFORMED"),
            ("x".repeat(9000).as_str(), "null", "TOKEN_TOO_LARGE"),
            ("a.b.c", r#""{\"keys\":7}""#, "JWKS_INVALID"),
        ] {
            let request = format!(
                r#"{{"op":"validateToken","input":{{"token":"{token}",{expected},"jwks":{jwks}}}}}"#
            );
            let out = String::from_utf8_lossy(&dispatch(request.as_bytes())).into_owned();
            assert!(
                out.starts_with(&format!(r#"{{"error":{{"code":"{code}""#)),
                "{out}"
            );
        }
    }

    #[test]
    fn import_and_order_operations_are_dispatched() {
        let out = dispatch(br#"{"op":"validateCatalogBatch","input":{"batch":{}}}"#);
        let out = String::from_utf8_lossy(&out);
        assert!(
            out.starts_with(r#"{"ok":{"valid":true,"errors":[]"#),
            "{out}"
        );
        let out =
            dispatch(br#"{"op":"planCatalogImport","input":{"batch":{"brands":[{"name":"  "}]}}}"#);
        let out = String::from_utf8_lossy(&out);
        assert!(
            out.starts_with(r#"{"ok":{"plan":null,"errors":[{"#),
            "{out}"
        );
        assert!(out.contains("BRAND_NAME_INVALID"), "{out}");
        let out = dispatch(
            br#"{"op":"handleOrderEvent","input":{"source":"hook","body":"{\"hookConfig\":\"ping\"}","handoffStatus":"ready-for-handling"}}"#,
        );
        let out = String::from_utf8_lossy(&out);
        assert!(
            out.starts_with(r#"{"ok":"#) && out.to_lowercase().contains("ping"),
            "{out}"
        );
        for op in [
            "checkOrderAction",
            "applyOrderAction",
            "handleOrderEvent",
            "foldAcceptedActions",
            "orderStateFromOrder",
            "reconcileOrder",
        ] {
            let out = dispatch(format!(r#"{{"op":"{op}","input":{{}}}}"#).as_bytes());
            let out = String::from_utf8_lossy(&out);
            assert!(
                out.starts_with(r#"{"error":{"code":"INPUT_INVALID""#),
                "{op}: {out}"
            );
        }
    }

    #[test]
    fn the_order_is_reconciled_from_the_whole_get_order() {
        let state = r#"{"orderId":"v1-01","status":"handling","total":5000,"items":[{"index":0,"id":"12","quantity":2,"price":2500}]}"#;
        let package = r#"{"type":"Output","invoiceNumber":"NF-1","invoiceValue":"2500","issuanceDate":"2024-03-01T10:00:00Z","items":[{"itemIndex":0,"quantity":1}]}"#;
        // A discount VTEX applied (value 4000), one package that fits, two malformed.
        let request = format!(
            r#"{{"op":"reconcileOrder","input":{{"state":{state},"order":{{"orderId":"v1-01","value":4000,"items":[{{"id":"12","quantity":2,"price":2500,"name":"x"}}],"packageAttachment":{{"packages":[{package},7,{{"type":"Output"}}]}}}}}}}}"#
        );
        let out = String::from_utf8_lossy(&dispatch(request.as_bytes())).into_owned();
        assert!(
            out.starts_with(r#"{"ok":{"orderId":"v1-01""#)
                && out.contains(r#""total":4000,"items":[{"index":0,"id":"12","quantity":2,"price":2500}]"#)
                && out.contains(r#""invoices":[{"type":"Output","invoiceNumber":"NF-1","value":2500,"issuanceDate":"2024-03-01T10:00:00.000000000Z","items":[{"index":0,"id":"12","quantity":1,"price":2500}],"tracking":null}]"#),
            "{out}"
        );
        // The order must be an object; the state must validate.
        let out = dispatch(
            format!(r#"{{"op":"reconcileOrder","input":{{"state":{state},"order":"x"}}}}"#)
                .as_bytes(),
        );
        assert!(out.starts_with(br#"{"error":{"code":"INPUT_INVALID""#));
        let bad = state.replace("5000", "-1");
        let out = dispatch(
            format!(r#"{{"op":"reconcileOrder","input":{{"state":{bad},"order":{{}}}}}}"#)
                .as_bytes(),
        );
        assert!(
            out.starts_with(br#"{"error":{"code":"ORDER_STATE_INVALID""#),
            "{}",
            String::from_utf8_lossy(&out)
        );
        // The old name is gone.
        let out = dispatch(br#"{"op":"reconcileOrderInvoices","input":{}}"#);
        assert!(out.starts_with(br#"{"error":{"code":"UNKNOWN_OPERATION""#));
    }

    #[test]
    fn garbage_never_panics() {
        for bytes in [
            &b"\xff\xfe"[..],
            b"{",
            b"[]",
            b"{\"op\":1}",
            b"{\"op\":\"moveImpact\",\"input\":[[[[]]]]}",
        ] {
            let out = dispatch(bytes);
            assert!(
                out.starts_with(b"{\"error\":{\"code\":\"INPUT_INVALID\""),
                "{}",
                String::from_utf8_lossy(&out)
            );
        }
    }
}
