//! The corpus cases, one function per theme, each with its expected code written by hand.

mod claims;
mod json_shapes;
mod key_sets;
mod tokens;

use super::keys::*;
use super::*;
use claims::{policy, signatures, times};
use json_shapes::{claim_types, duplicates, encodings, structure};
use key_sets::{key_sets, order};
use ponte_core::sso::{Audience, Expected, SsoError, ValidateRequest};
use serde_json::{Value, json};
use std::sync::OnceLock;
use tokens::{algorithms, kids, sizes, valid};

struct Corpus(Vec<SsoCase>);

impl Corpus {
    fn push(&mut self, name: &str, request: ValidateRequest, code: Option<&str>) {
        assert!(
            self.0.iter().all(|c| c.name != name),
            "duplicate corpus case name {name}"
        );
        if let Some(code) = code {
            assert!(SsoError::CODES.contains(&code), "unknown code {code}");
        }
        self.0.push(SsoCase {
            name: name.to_owned(),
            request,
            expected_code: code.map(str::to_owned),
        });
    }

    /// With the fixed key set.
    fn keys(&mut self, name: &str, token: String, code: Option<&str>) {
        self.push(name, request(token, true), code);
    }

    /// Without keys: structure, algorithm and claims only.
    fn bare(&mut self, name: &str, token: String, code: Option<&str>) {
        self.push(name, request(token, false), code);
    }

    /// Both ways, with the same expected code.
    fn both(&mut self, name: &str, token: String, code: Option<&str>) {
        self.keys(&format!("{name}/keys"), token.clone(), code);
        self.bare(&format!("{name}/no-keys"), token, code);
    }

    fn with_expected(&mut self, name: &str, token: String, expected: Expected, code: Option<&str>) {
        self.push(
            name,
            ValidateRequest {
                token,
                expected,
                jwks: Some(jwks()),
            },
            code,
        );
    }

    fn with_jwks(&mut self, name: &str, token: String, jwks: String, code: Option<&str>) {
        self.push(
            name,
            ValidateRequest {
                token,
                expected: expected(),
                jwks: Some(jwks),
            },
            code,
        );
    }
}

const OK: Option<&str> = None;
const TOO_LARGE: Option<&str> = Some("TOKEN_TOO_LARGE");
const MALFORMED: Option<&str> = Some("TOKEN_MALFORMED");
const ALG: Option<&str> = Some("TOKEN_ALG_UNSUPPORTED");
const CLAIMS: Option<&str> = Some("TOKEN_CLAIMS_INVALID");
const ISSUER: Option<&str> = Some("TOKEN_ISSUER_WRONG");
const AUDIENCE: Option<&str> = Some("TOKEN_AUDIENCE_WRONG");
const ACCOUNT_WRONG: Option<&str> = Some("TOKEN_ACCOUNT_WRONG");
const EXPIRED: Option<&str> = Some("TOKEN_EXPIRED");
const NOT_YET: Option<&str> = Some("TOKEN_NOT_YET_VALID");
const KEY_UNKNOWN: Option<&str> = Some("TOKEN_KEY_UNKNOWN");
const KEY_MISMATCH: Option<&str> = Some("TOKEN_KEY_TYPE_MISMATCH");
const SIG: Option<&str> = Some("TOKEN_SIGNATURE_INVALID");
const NOT_CANONICAL: Option<&str> = Some("TOKEN_SIGNATURE_NOT_CANONICAL");
const JWKS: Option<&str> = Some("JWKS_INVALID");

/// The corpus, in a fixed order.
pub fn corpus() -> Vec<SsoCase> {
    static CORPUS: OnceLock<Vec<SsoCase>> = OnceLock::new();
    CORPUS.get_or_init(build).clone()
}

fn build() -> Vec<SsoCase> {
    let mut c = Corpus(Vec::new());
    valid(&mut c);
    algorithms(&mut c);
    kids(&mut c);
    sizes(&mut c);
    encodings(&mut c);
    structure(&mut c);
    duplicates(&mut c);
    claim_types(&mut c);
    policy(&mut c);
    times(&mut c);
    signatures(&mut c);
    key_sets(&mut c);
    order(&mut c);
    c.0
}

fn es_header() -> Obj {
    header("ES256", EC_KID)
}

/// A token over `header` and the standard claims whose signature is 64 zero bytes.
fn zero_signed(header: &Obj) -> String {
    with_sig(&header.text(), &vtex_claims().text(), &[0; 64])
}

/// A token signed with `ec1` over the standard header and `claims`.
fn es(claims: &Obj) -> String {
    es_raw(&claims.text())
}

/// A token signed with `ec1` over `header` and the standard claims.
fn es_h(header: &Obj) -> String {
    signed(&header.text(), &vtex_claims().text(), Signer::Es256)
}

/// A token signed with `ec1` over the standard header and the claims text `claims`.
fn es_raw(claims: &str) -> String {
    signed(&es_header().text(), claims, Signer::Es256)
}

/// The VTEX claims with claim `key` written as the raw JSON text `raw` (what a [`Value`] cannot
/// hold: duplicate keys, `1e400`, a lone surrogate escape).
fn claims_with_raw(key: &str, raw: &str) -> String {
    vtex_claims()
        .set(key, Value::Null)
        .text()
        .replace(&format!("\"{key}\":null"), &format!("\"{key}\":{raw}"))
}
