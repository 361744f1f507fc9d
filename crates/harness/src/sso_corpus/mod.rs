//! The adversarial corpus of VTEX ID / JWS tokens (§I) and the signing tools behind
//! it and behind the SSO property tests (`tests/sso.rs`).
//!
//! Everything is deterministic: fixed keys (RFC 7515 A.3 P-256, RFC 7515 A.2 RSA-2048,
//! RFC 8037 A.1 Ed25519, and a second P-256 key from a fixed scalar for "signed by someone
//! else"), deterministic signatures (RFC 6979 ECDSA, PKCS#1 v1.5, Ed25519), fixed times. No
//! randomness at run time, so [`corpus`] is the same on every machine and is committed as
//! `fixtures/sso-corpus.jsonl` (one [`SsoCase`] per line: `{name, request, expectedCode}`,
//! `expectedCode: null` meaning accepted) for other runners such as the Node service tests.
//! Regenerate it with `PONTE_BLESS=1 cargo test -p ponte-harness --test sso`.
//!
//! Each case is a full [`ValidateRequest`] (token, expectations, optional JWKS text), the
//! input of the raw ABI op `validateToken` and of the JS glue's `validate_token`. Its
//! expected code is written by hand here, never computed from the core.
//!
//! With a `jwks`, the ABI parses the key set before it looks at the token (a broken key set
//! is `JWKS_INVALID` whatever the token); [`native_validate`] does the same with
//! `ponte_core::sso`.

mod cases;
mod keys;
mod tokens;

pub use cases::corpus;
pub use keys::*;
pub use tokens::*;

use ponte_core::sso::{KeySet, SsoError, ValidToken, ValidateRequest, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::PathBuf;

/// `iat` of the corpus tokens.
pub const IAT: i64 = 1_700_000_000;
/// `exp` of the corpus tokens: a VTEX user token lives 86 400 s.
pub const EXP: i64 = IAT + 86_400;
/// The clock of the corpus expectations.
pub const NOW: i64 = IAT + 100;
/// The leeway of the corpus expectations.
pub const LEEWAY: u32 = 30;
/// The account the corpus expects.
pub const ACCOUNT: &str = "ponte";

/// `kid` of the P-256 key in [`jwks`].
pub const EC_KID: &str = "ec1";
/// `kid` of the RSA key in [`jwks`].
pub const RSA_KID: &str = "rsa1";
/// `kid` of the Ed25519 key in [`jwks`].
pub const ED_KID: &str = "ed1";

/// One corpus entry: the request, and the code it must be refused with (`None`: accepted,
/// with `signatureVerified` true exactly when the request carries a `jwks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsoCase {
    pub name: String,
    pub request: ValidateRequest,
    pub expected_code: Option<String>,
}

impl SsoCase {
    /// The raw ABI request: `{"op":"validateToken","input":<request>}`.
    pub fn abi_request(&self) -> Vec<u8> {
        abi_request(&self.request)
    }
}

/// The raw ABI request for `validateToken`.
pub fn abi_request(request: &ValidateRequest) -> Vec<u8> {
    serde_json::to_vec(&json!({"op": "validateToken", "input": request}))
        .unwrap_or_else(|e| panic!("a ValidateRequest always encodes: {e}"))
}

/// What the ABI does, natively with `ponte_core::sso`: the key set first (when given), then
/// [`validate`].
pub fn native_validate(request: &ValidateRequest) -> Result<ValidToken, SsoError> {
    let keys = match &request.jwks {
        None => None,
        Some(text) => Some(KeySet::from_jwks_json(text)?),
    };
    validate(&request.token, &request.expected, keys.as_ref())
}

/// The outcome as a code: `None` for accepted.
pub fn outcome_code(result: &Result<ValidToken, SsoError>) -> Option<&'static str> {
    result.as_ref().err().map(SsoError::code)
}

/// The committed fixture.
pub fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/sso-corpus.jsonl")
}

/// The fixture's text: one JSON object per line, in corpus order.
pub fn fixture_jsonl(cases: &[SsoCase]) -> String {
    let mut out = String::new();
    for case in cases {
        out.push_str(
            &serde_json::to_string(case)
                .unwrap_or_else(|e| panic!("a corpus case always encodes: {e}")),
        );
        out.push('\n');
    }
    out
}
