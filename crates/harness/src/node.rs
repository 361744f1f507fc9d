//! Runs requests through the compiled JavaScript glue in Node (`crates/harness/node/batch.js`).
//!
//! One `node` process answers a whole batch: JSONL requests `{"op", "input"}` on stdin, one
//! JSONL answer per request on stdout, `{"ok": ...}` or `{"error": {"code", "message"}}`, the
//! same envelope as the raw ABI's [`ponte_wasm::abi::dispatch`].

use crate::{HarnessError, workspace_root};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The service's compiled glue (`tsc` output of `node/generated/ponte_wasm.ts`).
pub fn compiled_glue_path() -> PathBuf {
    match std::env::var_os("PONTE_WASM_JS") {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("node/.build/generated/ponte_wasm.js"),
    }
}

/// The batch script.
pub fn batch_script_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node/batch.js")
}

/// Answers `requests` through Node, in order.
pub fn run_batch(requests: &[Value]) -> Result<Vec<Value>, HarnessError> {
    let glue = compiled_glue_path();
    if !glue.is_file() {
        return Err(HarnessError::MissingArtifact {
            path: glue,
            hint: "run `make node-build` (builds the wasm, then compiles the service with tsc)",
        });
    }
    let script = batch_script_path();
    let mut child = Command::new("node")
        .arg(&script)
        .env("PONTE_WASM_JS", &glue)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| HarnessError::Io {
            path: PathBuf::from("node"),
            source: e,
        })?;

    let mut input = Vec::new();
    for r in requests {
        input.extend_from_slice(r.to_string().as_bytes());
        input.push(b'\n');
    }
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| HarnessError::Malformed("node's stdin is not piped".into()))?;
    // Write from another thread: Node answers while we are still sending, and a full stdout
    // pipe would otherwise block both sides.
    let writer = std::thread::spawn(move || stdin.write_all(&input));

    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| HarnessError::Malformed("node's stdout is not piped".into()))?;
    let mut answers = Vec::with_capacity(requests.len());
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| HarnessError::Io {
            path: script.clone(),
            source: e,
        })?;
        let answer = serde_json::from_str(&line).map_err(|e| {
            HarnessError::Malformed(format!(
                "node answered a line that is not JSON ({e}): {line:.200}"
            ))
        })?;
        answers.push(answer);
    }
    let written = writer
        .join()
        .map_err(|_| HarnessError::Malformed("the stdin writer panicked".into()))?;
    written.map_err(|e| HarnessError::Io {
        path: script.clone(),
        source: e,
    })?;
    let status = child.wait().map_err(|e| HarnessError::Io {
        path: script.clone(),
        source: e,
    })?;
    if !status.success() {
        return Err(HarnessError::Malformed(format!(
            "node {} exited with {status}",
            script.display()
        )));
    }
    if answers.len() != requests.len() {
        return Err(HarnessError::Malformed(format!(
            "node answered {} lines for {} requests",
            answers.len(),
            requests.len()
        )));
    }
    Ok(answers)
}
