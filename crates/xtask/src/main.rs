//! Ponte's build steps, as a workspace binary so they need nothing but cargo.
//!
//! `cargo run -p xtask -- wasm` builds `ponte-wasm` for wasm32 with the `wasm-release`
//! profile, runs wasm-bindgen (the library, pinned with `=` to the same version as the
//! `wasm-bindgen` crate, so no CLI has to be installed) and writes three TypeScript files into
//! `node/generated/`:
//!
//! - `ponte_wasm_bytes.ts`: the final `.wasm`, base64, and its SHA-256. This is the module the
//!   service loads and the one the harness runs under wasmtime: the same bytes.
//! - `ponte_wasm_glue.ts`: wasm-bindgen's Node glue, untouched except that it reads the bytes
//!   from the module above instead of a file next to it (the VTEX node builder keeps only
//!   `.ts` files). It is generated JavaScript, so it is not type-checked.
//! - `ponte_wasm.ts`: the typed surface: TypeScript types generated from the Rust types
//!   (ts-rs) and every export with the signature wasm-bindgen declared for it.
//!
//! `cargo run -p xtask -- wasm --check` rebuilds in memory and fails if the files on disk
//! differ (stale generated code).

use anyhow::{Context, Result, bail, ensure};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("wasm") => wasm(args.iter().any(|a| a == "--check")),
        Some("ensure-target") => ensure_target(),
        Some("ts-types") => {
            print!("{}", ponte_core::ts::declarations());
            Ok(())
        }
        _ => {
            eprintln!("usage: cargo run -p xtask -- <wasm [--check] | ensure-target | ts-types>");
            std::process::exit(2)
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Adds the wasm32 target with rustup when the toolchain lacks it (a fresh machine).
fn ensure_target() -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output()
        .context("running rustup")?;
    let installed = String::from_utf8_lossy(&out.stdout);
    if installed.lines().any(|l| l.trim() == TARGET) {
        return Ok(());
    }
    eprintln!("xtask: adding the {TARGET} target");
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .current_dir(root())
        .status()?;
    ensure!(status.success(), "rustup target add {TARGET} failed");
    Ok(())
}

fn wasm(check: bool) -> Result<()> {
    ensure_target()?;
    let root = root();
    let status = Command::new(cargo())
        .args([
            "build",
            "-p",
            "ponte-wasm",
            "--target",
            TARGET,
            "--profile",
            PROFILE,
        ])
        .current_dir(&root)
        .status()
        .context("running cargo build for wasm32")?;
    ensure!(status.success(), "cargo build of ponte-wasm failed");
    // Cargo honours CARGO_TARGET_DIR; so must we, or we would read a stale module.
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    let input = target_dir.join(format!("{TARGET}/{PROFILE}/ponte_wasm.wasm"));
    let out_dir = target_dir.join("ponte-wasm");
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen.input_path(&input).nodejs(true)?.typescript(true);
    bindgen.generate(&out_dir).context("wasm-bindgen")?;

    let js = std::fs::read_to_string(out_dir.join("ponte_wasm.js"))?;
    let dts = std::fs::read_to_string(out_dir.join("ponte_wasm.d.ts"))?;
    let wasm_bytes = std::fs::read(out_dir.join("ponte_wasm_bg.wasm"))?;

    let files = [
        ("ponte_wasm_bytes.ts", bytes_module(&wasm_bytes)),
        ("ponte_wasm_glue.ts", glue_module(&js)?),
        ("ponte_wasm.ts", typed_module(&dts)?),
    ];
    let gen_dir = root.join("node/generated");
    std::fs::create_dir_all(&gen_dir)?;
    let mut stale = Vec::new();
    for (name, content) in &files {
        let path = gen_dir.join(name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != *content {
            if check {
                stale.push(*name);
            } else {
                std::fs::write(&path, content)?;
            }
        }
    }
    if !stale.is_empty() {
        bail!(
            "node/generated is stale ({}); run `make wasm`",
            stale.join(", ")
        );
    }
    eprintln!(
        "xtask: ponte_wasm.wasm {} bytes (sha256 {}) -> node/generated/",
        wasm_bytes.len(),
        hex(&Sha256::digest(&wasm_bytes))
    );
    Ok(())
}

const HEADER: &str =
    "// @generated by `cargo run -p xtask -- wasm` from crates/wasm; do not edit.\n";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bytes_module(wasm: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(wasm);
    format!(
        "{HEADER}// The shipped WebAssembly module ({} bytes). The harness runs these very bytes.\n\
         export const WASM_SHA256 = \"{}\";\nexport const WASM_BASE64 =\n  \"{b64}\";\n",
        wasm.len(),
        hex(&Sha256::digest(wasm))
    )
}

/// wasm-bindgen's CommonJS glue as a TypeScript module: `exports.x = ...` becomes
/// `glue.x = ...`, and the bytes come from `ponte_wasm_bytes.ts` instead of the file system.
fn glue_module(js: &str) -> Result<String> {
    const LOAD: &str = "const wasmPath = `${__dirname}/ponte_wasm_bg.wasm`;\nconst wasmBytes = require('fs').readFileSync(wasmPath);\n";
    ensure!(
        js.contains(LOAD),
        "wasm-bindgen's glue no longer loads the module the way xtask expects; update glue_module"
    );
    ensure!(
        js.matches("require(").count() == 1,
        "wasm-bindgen's glue requires modules other than fs; update glue_module"
    );
    let body = js
        .replace(
            LOAD,
            "const wasmBytes = Buffer.from(WASM_BASE64, 'base64');\n",
        )
        .replace("\nexports.", "\nglue.");
    ensure!(
        !body.contains("exports."),
        "unexpected use of `exports` in the glue"
    );
    Ok(format!(
        "{HEADER}// wasm-bindgen's generated JavaScript; the typed surface is ponte_wasm.ts.\n\
         // @ts-nocheck\n/* eslint-disable */\nimport {{ WASM_BASE64 }} from './ponte_wasm_bytes';\n\n\
         const glue: Record<string, unknown> = {{}};\n\n{body}\nexport default glue;\n"
    ))
}

/// Types from ts-rs, then one typed constant per export. The signatures come from the core's
/// operation table; wasm-bindgen's declarations (where every operation is `any => any`) are
/// only checked to export exactly the table plus `version`.
fn typed_module(dts: &str) -> Result<String> {
    let signatures = ponte_core::ts::signatures();
    let mut exported = Vec::new();
    for line in dts.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("export function ") {
            let open = rest.find('(').context("export without (")?;
            exported.push(rest[..open].to_owned());
        } else if trimmed.starts_with("export ") {
            bail!("unexpected declaration from wasm-bindgen: {trimmed}");
        }
    }
    check_exports(&exported, &signatures)?;

    let mut out = String::from(HEADER);
    out.push_str(
        "// Types are generated from the Rust types (ts-rs); signatures from the core's operation\n\
         // table (ponte_core::ops). Every function throws an Error with a string `code` when the\n\
         // core refuses its input.\n",
    );
    out.push_str("import glue from './ponte_wasm_glue';\n\n");
    out.push_str(&ponte_core::ts::declarations());
    out.push('\n');
    for s in &signatures {
        out.push_str(&format!(
            "/** {} */\nexport const {} = glue.{} as (input: {}) => {};\n",
            s.doc.trim(),
            s.export,
            s.export,
            s.request,
            s.response
        ));
    }
    out.push_str(
        "/** The version of the core inside this module. */\n\
         export const version = glue.version as () => string;\n",
    );
    Ok(out)
}

/// wasm-bindgen must have exported each operation of the table once, plus `version`, and
/// nothing else.
fn check_exports(exported: &[String], signatures: &[ponte_core::ts::Signature]) -> Result<()> {
    let mut expected: Vec<&str> = signatures.iter().map(|s| s.export).collect();
    expected.push("version");
    expected.sort_unstable();
    let mut got: Vec<&str> = exported.iter().map(String::as_str).collect();
    got.sort_unstable();
    ensure!(
        got == expected,
        "the wasm module's exports differ from the operation table: exported {got:?}, table {expected:?}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dts(exports: &[&str]) -> String {
        exports
            .iter()
            .map(|e| format!("/**\n * doc\n */\nexport function {e}(input: any): any;\n"))
            .collect()
    }

    #[test]
    fn every_operation_of_the_table_is_exported_and_typed() {
        let signatures = ponte_core::ts::signatures();
        let mut names: Vec<&str> = signatures.iter().map(|s| s.export).collect();
        names.push("version");
        let module = typed_module(&dts(&names)).expect("a complete module");
        for s in &signatures {
            let line = format!(
                "export const {} = glue.{} as (input: {}) => {};",
                s.export, s.export, s.request, s.response
            );
            assert!(module.contains(&line), "missing: {line}");
            // Each type the signature names is declared (arrays name their element).
            let base = s
                .response
                .trim_start_matches("Array<")
                .trim_end_matches('>');
            for ty in [s.request.as_str(), base] {
                assert!(
                    module.contains(&format!("export type {ty} ")),
                    "{ty} is not declared"
                );
            }
        }
        assert!(module.contains("export const version = glue.version as () => string;"));
    }

    #[test]
    fn a_missing_or_extra_export_fails_the_build() {
        let signatures = ponte_core::ts::signatures();
        let mut names: Vec<&str> = signatures.iter().map(|s| s.export).collect();
        names.push("version");
        let missing = &names[1..];
        let err = typed_module(&dts(missing)).expect_err("one export missing");
        assert!(
            err.to_string().contains("differ from the operation table"),
            "{err}"
        );
        let mut extra = names.clone();
        extra.push("order_transition");
        assert!(typed_module(&dts(&extra)).is_err());
    }
}
