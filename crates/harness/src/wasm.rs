//! Runs the **shipped** WebAssembly module under wasmtime, through its raw JSON ABI.
//!
//! The bytes are the ones the Node service loads: the base64 string embedded in
//! `node/generated/ponte_wasm_bytes.ts` (`export const WASM_BASE64 = "...";`). The JavaScript
//! imports wasm-bindgen generated are stubbed as traps: the ABI (`alloc`, `dealloc`, `call`)
//! never calls them, and a trap anywhere (a panic aborts into `unreachable` in the shipped
//! profile) is reported as an error.

use crate::{HarnessError, workspace_root};
use base64::Engine as _;
use std::path::{Path, PathBuf};
use wasmtime::{Engine, Instance, Linker, Memory, Module, Store, TypedFunc};

/// Where the generated TypeScript module with the embedded wasm lives.
pub fn shipped_bytes_path() -> PathBuf {
    match std::env::var_os("PONTE_WASM_BYTES_TS") {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("node/generated/ponte_wasm_bytes.ts"),
    }
}

/// Extracts and decodes `WASM_BASE64` from the generated TypeScript source.
pub fn decode_embedded(source: &str) -> Result<Vec<u8>, HarnessError> {
    let malformed = |why: &str| HarnessError::Malformed(format!("generated wasm module: {why}"));
    let after = source
        .split_once("WASM_BASE64")
        .map(|(_, rest)| rest)
        .ok_or_else(|| malformed("no `WASM_BASE64` constant"))?;
    let (_, quoted) = after
        .split_once('"')
        .ok_or_else(|| malformed("no string after `WASM_BASE64`"))?;
    let (base64, _) = quoted
        .split_once('"')
        .ok_or_else(|| malformed("unterminated base64 string"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64.trim())
        .map_err(|e| malformed(&format!("invalid base64: {e}")))?;
    if !bytes.starts_with(b"\0asm") {
        return Err(malformed("the decoded bytes are not a WebAssembly module"));
    }
    Ok(bytes)
}

/// The shipped module's bytes; a missing file tells how to produce it.
pub fn shipped_bytes() -> Result<Vec<u8>, HarnessError> {
    read_shipped(&shipped_bytes_path())
}

fn read_shipped(path: &Path) -> Result<Vec<u8>, HarnessError> {
    let source = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => HarnessError::MissingArtifact {
            path: path.to_owned(),
            hint: "run `make wasm` (cargo run -p xtask -- wasm) to build and embed the module",
        },
        _ => HarnessError::Io {
            path: path.to_owned(),
            source: e,
        },
    })?;
    decode_embedded(&source)
}

/// A new instance of the shipped module, compiled once per process (a debug build of
/// Cranelift takes seconds). Panics with the build hint when the module is missing or broken:
/// for tests.
pub fn shipped_instance() -> WasmAbi {
    static MODULE: std::sync::OnceLock<Result<Module, String>> = std::sync::OnceLock::new();
    let module = MODULE.get_or_init(|| {
        let bytes =
            shipped_bytes().map_err(|e| format!("cannot load the shipped wasm module: {e}"))?;
        let started = std::time::Instant::now();
        if let Some(module) = cached_module(&bytes) {
            eprintln!(
                "wasm: {} KiB module loaded from the compile cache in {:.1?}",
                bytes.len() / 1024,
                started.elapsed()
            );
            return Ok(module);
        }
        let module = WasmAbi::compile(&bytes)
            .map_err(|e| format!("the shipped module does not compile: {e:?}"))?;
        eprintln!(
            "wasm: {} KiB module compiled in {:.1?}",
            bytes.len() / 1024,
            started.elapsed()
        );
        store_module(&bytes, &module);
        Ok(module)
    });
    match module {
        Ok(module) => WasmAbi::instantiate(module.clone())
            .unwrap_or_else(|e| panic!("the shipped module does not instantiate: {e:?}")),
        Err(e) => panic!("{e}"),
    }
}

/// Where the compiled form of `bytes` is cached: `target/wasm-cache/<sha256>-<wasmtime>.cwasm`
/// (a debug build of Cranelift takes tens of seconds per test binary; loading takes
/// milliseconds). `PONTE_WASM_NO_CACHE=1` turns the cache off.
fn cache_path(bytes: &[u8]) -> Option<PathBuf> {
    use sha2::Digest as _;
    if std::env::var_os("PONTE_WASM_NO_CACHE").is_some() {
        return None;
    }
    let digest = sha2::Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    Some(target.join("wasm-cache").join(format!(
        "{hex}-{}-{}.cwasm",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    )))
}

fn cached_module(bytes: &[u8]) -> Option<Module> {
    let path = cache_path(bytes)?;
    if !path.is_file() {
        return None;
    }
    // SAFETY: the file is one `store_module` wrote from `Module::serialize` with the same
    // engine configuration (`Engine::default()`), keyed by the module's hash; wasmtime checks
    // the header (version, configuration) and refuses a mismatch, which falls back to compiling.
    unsafe { Module::deserialize_file(&Engine::default(), &path) }.ok()
}

fn store_module(bytes: &[u8], module: &Module) {
    let (Some(path), Ok(serialized)) = (cache_path(bytes), module.serialize()) else {
        return;
    };
    if let Some(dir) = path.parent()
        && std::fs::create_dir_all(dir).is_ok()
    {
        // Write then rename, so a concurrent reader never sees half a file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, serialized).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
}

/// One instance of the module, reused across calls (its memory grows as needed).
pub struct WasmAbi {
    module: Module,
    store: Store<()>,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
    dealloc: TypedFunc<(i32, i32), ()>,
    call: TypedFunc<(i32, i32), i64>,
}

impl std::fmt::Debug for WasmAbi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmAbi")
            .field("memory_bytes", &self.memory.data_size(&self.store))
            .finish()
    }
}

impl WasmAbi {
    /// Compiles and instantiates the module.
    pub fn new(bytes: &[u8]) -> wasmtime::Result<Self> {
        Self::instantiate(Self::compile(bytes)?)
    }

    /// Compiles the module once, for several instances ([`WasmAbi::instantiate`]).
    pub fn compile(bytes: &[u8]) -> wasmtime::Result<Module> {
        Module::new(&Engine::default(), bytes)
    }

    /// A new instance of a compiled module, its JavaScript imports stubbed as traps.
    pub fn instantiate(module: Module) -> wasmtime::Result<Self> {
        let mut store = Store::new(module.engine(), ());
        let mut linker: Linker<()> = Linker::new(module.engine());
        linker.define_unknown_imports_as_traps(&module)?;
        let instance: Instance = linker.instantiate(&mut store, &module)?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| wasmtime::format_err!("the module exports no `memory`"))?;
        let alloc = instance.get_typed_func(&mut store, "alloc")?;
        let dealloc = instance.get_typed_func(&mut store, "dealloc")?;
        let call = instance.get_typed_func(&mut store, "call")?;
        Ok(WasmAbi {
            module,
            store,
            memory,
            alloc,
            dealloc,
            call,
        })
    }

    /// A fresh instance of the same compiled module (after a trap, say).
    pub fn reinstantiate(&mut self) -> wasmtime::Result<()> {
        *self = Self::instantiate(self.module.clone())?;
        Ok(())
    }

    /// Bytes of linear memory, to watch growth.
    pub fn memory_size(&self) -> usize {
        self.memory.data_size(&self.store)
    }

    /// Sends one request through `alloc` → write → `call` → read → `dealloc` (answer and
    /// request). Any trap, or an answer outside memory, is an error.
    pub fn call(&mut self, input: &[u8]) -> wasmtime::Result<Vec<u8>> {
        let len =
            i32::try_from(input.len()).map_err(|_| wasmtime::format_err!("request over 2 GiB"))?;
        let ptr = self.alloc.call(&mut self.store, len)?;
        self.memory
            .write(&mut self.store, ptr as u32 as usize, input)?;
        let packed = self.call.call(&mut self.store, (ptr, len))? as u64;
        let (out_ptr, out_len) = ((packed >> 32) as u32, packed as u32);
        let start = out_ptr as usize;
        let answer = self
            .memory
            .data(&self.store)
            .get(start..start + out_len as usize)
            .ok_or_else(|| wasmtime::format_err!("answer {out_ptr}+{out_len} lies outside memory"))?
            .to_vec();
        self.dealloc
            .call(&mut self.store, (out_ptr as i32, out_len as i32))?;
        self.dealloc.call(&mut self.store, (ptr, len))?;
        Ok(answer)
    }

    /// [`Self::call`] for a differential test: a trap re-instantiates the module (so later
    /// cases, shrinking included, still run) and is an error.
    pub fn call_or_recover(&mut self, input: &[u8]) -> Result<Vec<u8>, String> {
        self.call(input).map_err(|trap| {
            let _ = self.reinstantiate();
            format!("the wasm module trapped: {trap:?}")
        })
    }

    /// Native [`ponte_wasm::abi::dispatch`] and this instance answer `input` with the same
    /// bytes; returns them. The error shows both answers, each cut to `shown` characters.
    pub fn same_as_native(&mut self, input: &[u8], shown: usize) -> Result<Vec<u8>, String> {
        let native = ponte_wasm::abi::dispatch(input);
        let wasm = self.call_or_recover(input)?;
        if wasm != native {
            return Err(format!(
                "answers differ\n  native: {:.shown$}\n  wasm:   {:.shown$}",
                String::from_utf8_lossy(&native),
                String::from_utf8_lossy(&wasm)
            ));
        }
        Ok(native)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_generated_layout() {
        let source = "// @generated\nexport const WASM_SHA256 = \"ab\";\nexport const WASM_BASE64 =\n  \"AGFzbQEAAAA=\";\n";
        assert_eq!(
            decode_embedded(source).expect("decodes"),
            b"\0asm\x01\0\0\0"
        );
        assert!(matches!(
            decode_embedded("export const X = 1;"),
            Err(HarnessError::Malformed(_))
        ));
        assert!(matches!(
            decode_embedded("WASM_BASE64 = \"aGVsbG8=\""),
            Err(HarnessError::Malformed(_))
        ));
    }

    #[test]
    fn a_missing_module_says_how_to_build_it() {
        let err = read_shipped(Path::new("/nonexistent/ponte_wasm_bytes.ts")).expect_err("missing");
        assert!(err.to_string().contains("make wasm"), "{err}");
    }
}
