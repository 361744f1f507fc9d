//! Ponte's test harness.
//!
//! - [`generate`]: proptest strategies for catalogs (valid ones, and ones broken in exactly one
//!   way with the error code that names the rule), requests over them and garbage bytes.
//! - [`model`]: a naive reference model of effective specifications, the tree and move
//!   impact, compared with `ponte-core` on every generated catalog (`tests/model.rs`).
//! - [`wasm`] (feature `wasmtime`, on by default): the shipped `.wasm`, decoded from the
//!   generated TypeScript the service embeds, driven under wasmtime through its raw JSON ABI
//!   and compared byte for byte with native `ponte_wasm::abi::dispatch`
//!   (`tests/wasm_differential.rs`).
//! - [`node`]: the same requests through the compiled JavaScript glue in Node
//!   (`node/batch.js`, `tests/node_batch.rs`).
//! - [`pricing_model`], [`pricing_generate`]: a naive reference of the computed price (§D.3)
//!   and generators of price structures, price and stock states and batches
//!   (`tests/pricing.rs`, `tests/inventory.rs`).
//! - [`payments_model`]: a naive reference of a payment on account and a toy ERP credit
//!   ledger (`tests/payments.rs`), and requests of the payment operations.
//! - [`customers_model`], [`customers_generate`]: a naive reference of the customer merge
//!   (§F.4) and generators of Master Data states and ERP batches (`tests/customers.rs`).
//! - [`bench`]: the deterministic benchmark catalog (`benches/effective.rs`, `bench-native`).
//! - [`sso_corpus`]: the adversarial VTEX ID token corpus (committed as
//!   `fixtures/sso-corpus.jsonl`) and the fixed-key signing behind it, checked natively, in the
//!   shipped wasm and through the JS glue (`tests/sso.rs`, `tests/fuzz_regressions.rs`).
//!
//! Case counts default low enough for the whole harness to run in seconds; `PROPTEST_CASES`
//! sets them all (see [`cases`]).

pub mod bench;
pub mod customers_generate;
pub mod customers_model;
pub mod generate;
pub mod giftcards_model;
pub mod import_generate;
pub mod import_model;
pub mod model;
pub mod node;
pub mod ops_generate;
pub mod orders_model;
pub mod payments_model;
pub mod pricing_generate;
pub mod pricing_model;
pub mod providers_generate;
pub mod sso_corpus;
pub mod sso_generate;
#[cfg(feature = "wasmtime")]
pub mod wasm;

use std::path::PathBuf;

/// Why a runner could not run.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("{} does not exist: {hint}", .path.display())]
    MissingArtifact { path: PathBuf, hint: &'static str },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Malformed(String),
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(PathBuf::from)
        .unwrap_or(manifest)
}

/// The number of cases for a property: `PROPTEST_CASES` when set (as proptest itself reads
/// it), else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// A property's proptest config: [`cases`]`(default)` cases, failures not persisted.
pub fn property_config(default: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: cases(default),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}
