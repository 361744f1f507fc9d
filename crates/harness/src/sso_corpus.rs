//! The adversarial corpus of VTEX ID / JWS tokens (domain.md §I) and the signing tools behind
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

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ponte_core::sso::{
    Audience, Expected, KeySet, SsoError, ValidToken, ValidateRequest, validate,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;

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

// RFC 7515 appendix A.3 (P-256).
const EC_D: &str = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
const EC_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const EC_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
// RFC 7515 appendix A.2 (RSA 2048).
const RSA_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const RSA_E: &str = "AQAB";
const RSA_D: &str = "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ";
const RSA_P: &str = "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc";
const RSA_Q: &str = "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc";
// RFC 8037 appendix A.1 (Ed25519).
const ED_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
/// The scalar of the "someone else's" P-256 key.
const OTHER_EC_D: [u8; 32] = [7; 32];

/// The order n of the P-256 group, big-endian.
const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];
/// The order L of the Ed25519 group, little-endian.
const ED25519_L: [u8; 32] = [
    0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
];

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

// ---------------------------------------------------------------------------------------------
// Keys and signing.

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(s)
        .unwrap_or_else(|e| panic!("fixed key material decodes: {e}"))
}

/// The public JWK of each fixed key.
pub fn ec_jwk(kid: &str) -> Value {
    json!({"kty": "EC", "crv": "P-256", "kid": kid, "x": EC_X, "y": EC_Y, "use": "sig", "alg": "ES256"})
}
/// The RSA public JWK.
pub fn rsa_jwk(kid: &str) -> Value {
    json!({"kty": "RSA", "kid": kid, "n": RSA_N, "e": RSA_E, "alg": "RS256", "use": "sig"})
}
/// The Ed25519 public JWK.
pub fn ed_jwk(kid: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": ED_X})
}

/// The JWKS of the three fixed keys (`ec1`, `rsa1`, `ed1`).
pub fn jwks() -> String {
    json!({"keys": [ec_jwk(EC_KID), rsa_jwk(RSA_KID), ed_jwk(ED_KID)]}).to_string()
}

/// The parsed [`jwks`].
pub fn key_set() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        KeySet::from_jwks_json(&jwks()).unwrap_or_else(|e| panic!("the fixed JWKS parses: {e}"))
    })
}

/// Who signs, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// ES256 with the `ec1` key, low s.
    Es256,
    /// ES256 with the `ec1` key, s replaced by n − s (the same signature, malleated).
    Es256HighS,
    /// ES256 with another, fixed, P-256 key.
    Es256Other,
    /// RS256 with the `rsa1` key.
    Rs256,
    /// EdDSA with the `ed1` key.
    EdDsa,
    /// EdDSA with the `ed1` key, s replaced by s + L (non-canonical, refused by strict
    /// verification).
    EdDsaSPlusL,
}

impl Signer {
    /// The three genuine signers, one per algorithm.
    pub const GENUINE: [Signer; 3] = [Signer::Es256, Signer::Rs256, Signer::EdDsa];

    /// The header `alg`.
    pub fn alg(self) -> &'static str {
        match self {
            Signer::Es256 | Signer::Es256HighS | Signer::Es256Other => "ES256",
            Signer::Rs256 => "RS256",
            Signer::EdDsa | Signer::EdDsaSPlusL => "EdDSA",
        }
    }

    /// The `kid` of the key in [`jwks`] that (should) verify it.
    pub fn kid(self) -> &'static str {
        match self {
            Signer::Es256 | Signer::Es256HighS | Signer::Es256Other => EC_KID,
            Signer::Rs256 => RSA_KID,
            Signer::EdDsa | Signer::EdDsaSPlusL => ED_KID,
        }
    }

    /// Signs `msg` (the JWS signing input).
    pub fn sign(self, msg: &[u8]) -> Vec<u8> {
        match self {
            Signer::Es256 => es256_low_s(&unb64(EC_D), msg),
            Signer::Es256HighS => flip_s(&es256_low_s(&unb64(EC_D), msg)),
            Signer::Es256Other => es256_low_s(&OTHER_EC_D, msg),
            Signer::Rs256 => rsa_private()
                .pkcs1v15_sign::<sha2::Sha256>(msg)
                .unwrap_or_else(|e| panic!("RSA signing: {e}")),
            Signer::EdDsa => ed25519(msg),
            Signer::EdDsaSPlusL => {
                let mut sig = ed25519(msg);
                let mut carry = 0u16;
                for (byte, l) in sig[32..].iter_mut().zip(ED25519_L) {
                    let sum = u16::from(*byte) + u16::from(l) + carry;
                    *byte = sum as u8;
                    carry = sum >> 8;
                }
                assert_eq!(carry, 0, "s + L fits in 32 bytes");
                sig
            }
        }
    }
}

fn es256_low_s(scalar: &[u8], msg: &[u8]) -> Vec<u8> {
    use p256::ecdsa::signature::Signer as _;
    let key = p256::ecdsa::SigningKey::from_slice(scalar)
        .unwrap_or_else(|e| panic!("fixed P-256 scalar: {e}"));
    let sig: p256::ecdsa::Signature = key.sign(msg);
    sig.normalize_s().to_bytes().to_vec()
}

/// `r ‖ (n − s)` for a 64-byte ES256 signature `r ‖ s`.
pub fn flip_s(sig: &[u8]) -> Vec<u8> {
    let (r, s) = sig.split_at(32);
    let mut out = r.to_vec();
    let mut neg = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        neg[i] = d as u8;
    }
    assert_eq!(borrow, 0, "s < n");
    out.extend_from_slice(&neg);
    out
}

fn ed25519(msg: &[u8]) -> Vec<u8> {
    use ed25519_dalek::Signer as _;
    let d: [u8; 32] = unb64(ED_D)
        .try_into()
        .unwrap_or_else(|_| panic!("the Ed25519 seed is 32 bytes"));
    ed25519_dalek::SigningKey::from_bytes(&d)
        .sign(msg)
        .to_bytes()
        .to_vec()
}

fn rsa_private() -> &'static rsa::PrivateKey {
    static KEY: OnceLock<rsa::PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let int = |s: &str| rsa::BoxedUint::from_be_slice_vartime(&unb64(s));
        rsa::PrivateKey::from_components(
            int(RSA_N),
            int(RSA_E),
            int(RSA_D),
            vec![int(RSA_P), int(RSA_Q)],
        )
        .unwrap_or_else(|e| panic!("the RFC 7515 RSA key: {e}"))
    })
}

/// HMAC-SHA256 (RFC 2104), for the "HS256 with the public key as secret" attack.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    let mut block = [0u8; 64];
    if key.len() > 64 {
        let digest = sha2::Sha256::digest(key);
        block[..32].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let mut inner = sha2::Sha256::new();
    inner.update(pad(0x36));
    inner.update(msg);
    let inner = inner.finalize();
    let mut outer = sha2::Sha256::new();
    outer.update(pad(0x5c));
    outer.update(inner);
    outer.finalize().to_vec()
}

// ---------------------------------------------------------------------------------------------
// JSON objects written in order, duplicates allowed.

/// A JSON object as an ordered list of members, so a token can carry members in VTEX's order
/// or the same key twice.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Obj(pub Vec<(String, Value)>);

impl Obj {
    /// Replaces the first member named `key`, or appends it.
    pub fn set(mut self, key: &str, value: Value) -> Self {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(member) => member.1 = value,
            None => self.0.push((key.to_owned(), value)),
        }
        self
    }

    /// Appends a member even if the key is already there.
    pub fn push(mut self, key: &str, value: Value) -> Self {
        self.0.push((key.to_owned(), value));
        self
    }

    /// Removes every member named `key`.
    pub fn without(mut self, key: &str) -> Self {
        self.0.retain(|(k, _)| k != key);
        self
    }

    /// Compact JSON text, members in order.
    pub fn text(&self) -> String {
        let members: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v))
            .collect();
        format!("{{{}}}", members.join(","))
    }
}

/// `{"alg", "kid", "typ": "jwt"}` as VTEX ID writes it.
pub fn header(alg: &str, kid: &str) -> Obj {
    Obj::default()
        .set("alg", json!(alg))
        .set("kid", json!(kid))
        .set("typ", json!("jwt"))
}

/// Claims as VTEX ID issues them (domain.md §I), in its order, for [`ACCOUNT`], `admin`.
pub fn vtex_claims() -> Obj {
    Obj::default()
        .set("sub", json!("ana@example.com"))
        .set("account", json!(ACCOUNT))
        .set("audience", json!("admin"))
        .set("sess", json!("0f3c2a1e-5b6d-4c7e-8f90-a1b2c3d4e5f6"))
        .set("exp", json!(EXP))
        .set("userId", json!("c0f28e28-5142-43b5-9b2d-1146d8e055d6"))
        .set("iat", json!(IAT))
        .set("iss", json!("token-emitter"))
        .set("jti", json!("ddcedfa0-bdcb-4127-8894-6b7283d32d0c"))
        .set("type", json!("user"))
        .set("isRepresentative", json!(false))
}

/// `b64(header).b64(claims)`: the signing input.
pub fn signing_input(header: &str, claims: &str) -> String {
    format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()))
}

/// A token signed by `signer` over raw JSON texts.
pub fn signed(header: &str, claims: &str, signer: Signer) -> String {
    let input = signing_input(header, claims);
    let sig = signer.sign(input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

/// A token with the signature bytes given.
pub fn with_sig(header: &str, claims: &str, sig: &[u8]) -> String {
    format!("{}.{}", signing_input(header, claims), b64(sig))
}

/// The standard token of `signer`: its header, VTEX claims.
pub fn standard(signer: Signer) -> String {
    signed(
        &header(signer.alg(), signer.kid()).text(),
        &vtex_claims().text(),
        signer,
    )
}

/// An ES256 token (`ec1`) of the VTEX claims with `changes` set.
pub fn es_claims_token(changes: &[(&str, Value)]) -> String {
    let claims = changes
        .iter()
        .fold(vtex_claims(), |c, (k, v)| c.set(k, v.clone()));
    signed(
        &header("ES256", EC_KID).text(),
        &claims.text(),
        Signer::Es256,
    )
}

/// The corpus expectations: admin, [`ACCOUNT`], [`NOW`], [`LEEWAY`].
pub fn expected() -> Expected {
    Expected {
        audience: Audience::Admin,
        account: ACCOUNT.to_owned(),
        now: NOW,
        leeway_seconds: LEEWAY,
    }
}

/// A request with the corpus expectations, with or without the fixed key set.
pub fn request(token: String, with_keys: bool) -> ValidateRequest {
    ValidateRequest {
        token,
        expected: expected(),
        jwks: with_keys.then(jwks),
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus.

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

/// A token signed with `ec1` over the standard header and `claims`.
fn es(claims: &Obj) -> String {
    signed(&es_header().text(), &claims.text(), Signer::Es256)
}

/// A token signed with `ec1` over `header` and the standard claims.
fn es_h(header: &Obj) -> String {
    signed(&header.text(), &vtex_claims().text(), Signer::Es256)
}

fn valid(c: &mut Corpus) {
    for signer in Signer::GENUINE {
        let name = format!("valid/{}", signer.alg().to_ascii_lowercase());
        c.both(&name, standard(signer), OK);
    }
    c.keys(
        "valid/app-key-token-without-sess",
        es(&vtex_claims()
            .set("sub", json!("vtexappkey-ponte-ABCDEF"))
            .without("sess")
            .without("userId")
            .without("type")
            .without("isRepresentative")),
        OK,
    );
    c.keys(
        "valid/sess-and-user-id-null",
        es(&vtex_claims()
            .set("sess", Value::Null)
            .set("userId", Value::Null)),
        OK,
    );
    c.keys(
        "valid/idletimeout-integer",
        es(&vtex_claims().set("idletimeout", json!(3600))),
        OK,
    );
    c.keys(
        "valid/idletimeout-garbage-is-dropped-not-refused",
        es(&vtex_claims().set("idletimeout", json!({"x": [1, "y"]}))),
        OK,
    );
    c.keys(
        "valid/unknown-claims-ignored",
        es(&vtex_claims()
            .set("aud", json!(["someone-else"]))
            .set("nested", json!({"a": [1, 2, {"b": null}]}))),
        OK,
    );
    c.keys(
        "valid/nbf-in-the-past",
        es(&vtex_claims().set("nbf", json!(IAT))),
        OK,
    );
    c.keys("valid/typ-absent", es_h(&es_header().without("typ")), OK);
    c.keys(
        "valid/typ-uppercase-JWT",
        es_h(&es_header().set("typ", json!("JWT"))),
        OK,
    );
    c.keys(
        "valid/alg-written-with-json-escape",
        signed(
            r#"{"alg":"\u0045S256","kid":"ec1","typ":"jwt"}"#,
            &vtex_claims().text(),
            Signer::Es256,
        ),
        OK,
    );
    c.keys(
        "valid/account-written-with-json-escape",
        signed(
            &es_header().text(),
            &vtex_claims()
                .text()
                .replace(r#""account":"ponte""#, r#""account":"\u0070onte""#),
            Signer::Es256,
        ),
        OK,
    );
    c.keys(
        "valid/whitespace-inside-json",
        signed(
            "{ \"alg\" : \"ES256\" ,\n \"kid\":\"ec1\" }",
            &vtex_claims().text().replace(',', " ,\t"),
            Signer::Es256,
        ),
        OK,
    );
    c.keys(
        "valid/ignored-header-parameters-jku-x5u",
        es_h(
            &es_header()
                .set("jku", json!("https://attacker.example/jwks.json"))
                .set("x5u", json!("https://attacker.example/cert.pem")),
        ),
        OK,
    );
}

fn algorithms(c: &mut Corpus) {
    let claims = vtex_claims().text();
    let none = Obj::default()
        .set("alg", json!("none"))
        .set("typ", json!("jwt"));
    c.both(
        "alg/none-with-empty-signature",
        format!("{}.", signing_input(&none.text(), &claims)),
        MALFORMED,
    );
    c.both(
        "alg/none-with-a-signature",
        with_sig(&none.text(), &claims, b"\0"),
        ALG,
    );
    for spelling in ["None", "NONE", "nOnE", ""] {
        c.keys(
            &format!("alg/none-spelled-{spelling:?}"),
            with_sig(&header(spelling, EC_KID).text(), &claims, &[0; 64]),
            ALG,
        );
    }
    // The classic confusion: a verifier that takes `alg` from the token and the key from the
    // set would use the public key as an HMAC secret.
    let hs_rsa = header("HS256", RSA_KID).text();
    let input = signing_input(&hs_rsa, &claims);
    let rsa_jwk_text = rsa_jwk(RSA_KID).to_string();
    c.both(
        "alg/hs256-hmac-with-rsa-public-jwk-as-secret",
        format!(
            "{input}.{}",
            b64(&hmac_sha256(rsa_jwk_text.as_bytes(), input.as_bytes()))
        ),
        ALG,
    );
    let hs_ec = header("HS256", EC_KID).text();
    let input = signing_input(&hs_ec, &claims);
    let mut sec1 = vec![4u8];
    sec1.extend(unb64(EC_X));
    sec1.extend(unb64(EC_Y));
    c.both(
        "alg/hs256-hmac-with-ec-public-point-as-secret",
        format!("{input}.{}", b64(&hmac_sha256(&sec1, input.as_bytes()))),
        ALG,
    );
    for alg in [
        "HS256", "HS512", "es256", "ES256 ", "ES384", "ES512", "RS384", "RS512", "PS256",
        "Ed25519", "EDDSA", "ES256K",
    ] {
        c.keys(
            &format!("alg/not-on-allow-list-{alg:?}"),
            with_sig(&header(alg, EC_KID).text(), &claims, &[1; 64]),
            ALG,
        );
    }
    c.both(
        "alg/missing",
        with_sig(&es_header().without("alg").text(), &claims, &[1; 64]),
        MALFORMED,
    );
    c.both(
        "alg/not-a-string",
        with_sig(
            &es_header().set("alg", json!(256)).text(),
            &claims,
            &[1; 64],
        ),
        MALFORMED,
    );
    c.keys(
        "alg/null",
        with_sig(
            &es_header().set("alg", Value::Null).text(),
            &claims,
            &[1; 64],
        ),
        MALFORMED,
    );
    c.keys(
        "alg/array",
        with_sig(
            &es_header().set("alg", json!(["ES256"])).text(),
            &claims,
            &[1; 64],
        ),
        MALFORMED,
    );
    c.keys(
        "header/crit-present",
        es_h(&es_header().set("crit", json!(["exp"]))),
        MALFORMED,
    );
    c.keys(
        "header/crit-empty-array",
        es_h(&es_header().set("crit", json!([]))),
        MALFORMED,
    );
    for typ in ["at+jwt", "JOSE", "logout+jwt", ""] {
        c.keys(
            &format!("header/typ-{typ:?}"),
            es_h(&es_header().set("typ", json!(typ))),
            MALFORMED,
        );
    }
    c.keys(
        "header/typ-not-a-string",
        es_h(&es_header().set("typ", json!(1))),
        MALFORMED,
    );
    c.keys(
        "header/typ-null",
        es_h(&es_header().set("typ", Value::Null)),
        MALFORMED,
    );
    c.both(
        "alg/es256-token-relabelled-rs256",
        {
            let h = header("RS256", EC_KID).text();
            let input = signing_input(&h, &claims);
            format!("{input}.{}", b64(&Signer::Es256.sign(input.as_bytes())))
        },
        // 64 bytes is not an RS256 length: refused before any key is looked up.
        SIG,
    );
    c.keys(
        "alg/eddsa-signature-under-es256-header-with-ed-key",
        {
            let h = header("ES256", ED_KID).text();
            let input = signing_input(&h, &claims);
            format!("{input}.{}", b64(&Signer::EdDsa.sign(input.as_bytes())))
        },
        KEY_MISMATCH,
    );
}

fn kids(c: &mut Corpus) {
    let injected = [
        ("path-traversal", "../../etc/passwd".to_owned()),
        ("absolute-path", "/dev/null".to_owned()),
        ("sql", "ec1' OR '1'='1".to_owned()),
        ("sql-union", "x' UNION SELECT 'ec1' --".to_owned()),
        ("nul-after-real-kid", "ec1\u{0}".to_owned()),
        ("nul-only", "\u{0}".to_owned()),
        ("url", "https://attacker.example/jwks.json".to_owned()),
        ("case-changed", "EC1".to_owned()),
        ("leading-space", " ec1".to_owned()),
        ("trailing-newline", "ec1\n".to_owned()),
        ("unicode-lookalike", "е\u{0441}1".to_owned()),
        ("empty", String::new()),
        ("long-4-KiB", "k".repeat(4096)),
        ("ansi-and-crlf", "\u{1b}[31mec1\r\nX-Injected: 1".to_owned()),
    ];
    for (name, kid) in injected {
        c.keys(
            &format!("kid/{name}"),
            es_h(&es_header().set("kid", json!(kid))),
            KEY_UNKNOWN,
        );
    }
    c.bare(
        "kid/path-traversal-is-not-used-without-keys",
        es_h(&es_header().set("kid", json!("../../etc/passwd"))),
        OK,
    );
    c.keys(
        "kid/long-10-KiB-is-too-large-first",
        es_h(&es_header().set("kid", json!("k".repeat(10 * 1024)))),
        TOO_LARGE,
    );
    c.keys(
        "kid/missing",
        es_h(&es_header().without("kid")),
        KEY_UNKNOWN,
    );
    c.bare(
        "kid/missing-without-keys",
        es_h(&es_header().without("kid")),
        OK,
    );
    c.both(
        "kid/not-a-string",
        es_h(&es_header().set("kid", json!(1))),
        MALFORMED,
    );
    c.keys(
        "kid/null",
        es_h(&es_header().set("kid", Value::Null)),
        MALFORMED,
    );
    c.keys(
        "kid/object",
        es_h(&es_header().set("kid", json!({"$ne": ""}))),
        MALFORMED,
    );
    c.keys(
        "kid/rsa-key-named-for-an-es256-token",
        es_h(&es_header().set("kid", json!(RSA_KID))),
        KEY_MISMATCH,
    );
    c.keys(
        "kid/ed-key-named-for-an-rs256-token",
        signed(
            &header("RS256", ED_KID).text(),
            &vtex_claims().text(),
            Signer::Rs256,
        ),
        KEY_MISMATCH,
    );
    c.keys(
        "kid/ec-key-named-for-an-eddsa-token",
        signed(
            &header("EdDSA", EC_KID).text(),
            &vtex_claims().text(),
            Signer::EdDsa,
        ),
        KEY_MISMATCH,
    );
    c.keys(
        "kid/jwk-header-embeds-the-attackers-key",
        signed(
            &es_header()
                .set(
                    "jwk",
                    json!({"kty": "EC", "crv": "P-256", "x": EC_X, "y": EC_Y}),
                )
                .text(),
            &vtex_claims().text(),
            Signer::Es256Other,
        ),
        SIG,
    );
}

/// Claims padded with a `pad` claim and the header with an `x` parameter so that the ES256
/// token is exactly `len` bytes.
fn token_of_len(len: usize) -> String {
    for header_pad in 0..3 {
        let h = es_header().set("x", json!("h".repeat(header_pad))).text();
        let h_len = b64(h.as_bytes()).len();
        for pad in 0..len {
            let claims = vtex_claims().set("pad", json!("p".repeat(pad))).text();
            let total = h_len + 1 + b64(claims.as_bytes()).len() + 1 + 86;
            if total == len {
                let token = signed(&h, &claims, Signer::Es256);
                assert_eq!(token.len(), len);
                return token;
            }
            if total > len {
                break;
            }
        }
    }
    panic!("no padding gives a token of {len} bytes")
}

fn sizes(c: &mut Corpus) {
    let max = ponte_core::sso::MAX_TOKEN_LEN;
    c.keys("size/exactly-max-len-accepted", token_of_len(max), OK);
    c.keys("size/max-len-plus-one", token_of_len(max + 1), TOO_LARGE);
    let mib = format!(
        "{}.{}.{}",
        b64(es_header().text().as_bytes()),
        "A".repeat(1024 * 1024),
        "A".repeat(86)
    );
    // One 1 MiB case only: it is most of the committed fixture's size.
    c.keys("size/1-MiB", mib, TOO_LARGE);
    c.bare("size/64-KiB-of-dots", ".".repeat(64 * 1024), TOO_LARGE);
    c.keys("size/max-len-of-garbage", "!".repeat(max + 1), TOO_LARGE);
}

fn encodings(c: &mut Corpus) {
    let token = standard(Signer::Es256);
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts[..] else {
        panic!("three parts")
    };
    // A header whose base64url needs padding: 41 bytes → 55 chars, `=` appended.
    let h40 = es_header().set("x", json!("")).text();
    let padded = format!("{}=.{p}.{s}", b64(h40.as_bytes()));
    assert_ne!(h40.len() % 3, 0, "the padded header needs padding");
    c.both("base64/padded-header", padded, MALFORMED);
    c.both(
        "base64/padded-signature",
        format!("{h}.{p}.{s}=="),
        MALFORMED,
    );
    c.both(
        "base64/standard-alphabet",
        {
            let std = token.replace('-', "+").replace('_', "/");
            assert_ne!(std, token, "the standard token has `-` or `_` to replace");
            std
        },
        MALFORMED,
    );
    c.both(
        "base64/space-inside",
        format!("{h}.{} {}.{s}", &p[..10], &p[10..]),
        MALFORMED,
    );
    c.both("base64/trailing-newline", format!("{token}\n"), MALFORMED);
    c.both("base64/leading-space", format!(" {token}"), MALFORMED);
    c.both("base64/bearer-prefix", format!("Bearer {token}"), MALFORMED);
    c.both("base64/quoted", format!("\"{token}\""), MALFORMED);
    c.both("base64/non-ascii", format!("{h}.{p}é.{s}"), MALFORMED);
    c.both(
        "base64/percent-encoded",
        format!("{h}.{p}%3D.{s}"),
        MALFORMED,
    );
    // 86 chars encode 64 bytes with 4 spare bits in the last char: set one of them.
    let mut stray = s.as_bytes().to_vec();
    let last = stray.len() - 1;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let idx = alphabet
        .iter()
        .position(|&b| b == stray[last])
        .unwrap_or_else(|| panic!("base64url char"));
    stray[last] = alphabet[idx | 1];
    assert_ne!(
        stray[last],
        s.as_bytes()[last],
        "the last char had a free low bit"
    );
    c.both(
        "base64/stray-bits-in-last-char",
        format!("{h}.{p}.{}", String::from_utf8_lossy(&stray)),
        MALFORMED,
    );
    let mut impossible = p.to_owned();
    while impossible.len() % 4 != 1 {
        impossible.push('A');
    }
    c.both(
        "base64/impossible-length",
        format!("{h}.{impossible}.{s}"),
        MALFORMED,
    );
    c.both(
        "base64/header-is-not-utf8",
        format!("{}.{p}.{s}", b64(b"{\"alg\":\"ES256\xff\"}")),
        MALFORMED,
    );
    c.both(
        "base64/header-has-utf8-bom",
        format!(
            "{}.{p}.{s}",
            b64(format!("\u{feff}{}", es_header().text()).as_bytes())
        ),
        MALFORMED,
    );
    c.both(
        "base64/payload-double-encoded",
        format!("{h}.{}.{s}", b64(p.as_bytes())),
        CLAIMS,
    );
}

fn structure(c: &mut Corpus) {
    let token = standard(Signer::Es256);
    let (h, rest) = token.split_once('.').unwrap_or_else(|| panic!("a dot"));
    let (p, s) = rest.split_once('.').unwrap_or_else(|| panic!("two dots"));
    for (name, text) in [
        ("empty-token", String::new()),
        ("one-part", h.to_owned()),
        ("two-parts", format!("{h}.{p}")),
        ("four-parts", format!("{token}.{s}")),
        ("five-parts", format!("{token}.{s}.{s}")),
        ("trailing-dot", format!("{token}.")),
        ("leading-dot", format!(".{token}")),
        ("dots-only", "..".to_owned()),
        ("three-dots", "...".to_owned()),
        ("empty-header", format!(".{p}.{s}")),
        ("empty-payload", format!("{h}..{s}")),
        ("empty-signature", format!("{h}.{p}.")),
        ("jwe-five-parts", format!("{h}.{s}.{s}.{p}.{s}")),
        ("double-dot-between", format!("{h}..{p}.{s}")),
    ] {
        c.both(&format!("structure/{name}"), text, MALFORMED);
    }
    c.both(
        "structure/header-not-json",
        format!("{}.{p}.{s}", b64(b"alg=ES256")),
        MALFORMED,
    );
    c.both(
        "structure/header-json-array",
        format!("{}.{p}.{s}", b64(br#"[{"alg":"ES256"}]"#)),
        MALFORMED,
    );
    c.both(
        "structure/header-json-string",
        format!("{}.{p}.{s}", b64(br#""ES256""#)),
        MALFORMED,
    );
    c.both(
        "structure/header-trailing-garbage",
        format!(
            "{}.{p}.{s}",
            b64(format!("{} x", es_header().text()).as_bytes())
        ),
        MALFORMED,
    );
    c.both(
        "structure/header-deeply-nested",
        format!(
            "{}.{p}.{s}",
            b64(format!(
                "{{\"alg\":\"ES256\",\"x\":{}{}}}",
                "[".repeat(2000),
                "]".repeat(2000)
            )
            .as_bytes())
        ),
        MALFORMED,
    );
    c.both(
        "structure/payload-not-json",
        format!("{h}.{}.{s}", b64(b"sub=ana")),
        CLAIMS,
    );
    c.both(
        "structure/payload-json-array",
        format!("{h}.{}.{s}", b64(b"[]")),
        CLAIMS,
    );
    c.both(
        "structure/payload-json-null",
        format!("{h}.{}.{s}", b64(b"null")),
        CLAIMS,
    );
    c.both(
        "structure/payload-deeply-nested",
        signed(
            &es_header().text(),
            &vtex_claims().set("x", Value::Null).text().replace(
                "\"x\":null",
                &format!("\"x\":{}{}", "[".repeat(2500), "]".repeat(2500)),
            ),
            Signer::Es256,
        ),
        CLAIMS,
    );
    c.both(
        "structure/payload-trailing-garbage",
        signed(
            &es_header().text(),
            &format!("{}{{}}", vtex_claims().text()),
            Signer::Es256,
        ),
        CLAIMS,
    );
}

fn duplicates(c: &mut Corpus) {
    let claims = vtex_claims().text();
    c.both(
        "duplicate/header-alg-es256-then-none",
        signed(
            &es_header().push("alg", json!("none")).text(),
            &claims,
            Signer::Es256,
        ),
        MALFORMED,
    );
    c.both(
        "duplicate/header-alg-none-then-es256",
        signed(
            &Obj::default()
                .set("alg", json!("none"))
                .push("alg", json!("ES256"))
                .set("kid", json!(EC_KID))
                .text(),
            &claims,
            Signer::Es256,
        ),
        MALFORMED,
    );
    c.keys(
        "duplicate/header-kid",
        es_h(&es_header().push("kid", json!(RSA_KID))),
        MALFORMED,
    );
    c.keys(
        "duplicate/header-kid-same-value",
        es_h(&es_header().push("kid", json!(EC_KID))),
        MALFORMED,
    );
    c.keys(
        "duplicate/header-key-spelled-with-escape",
        signed(
            r#"{"alg":"ES256","kid":"ec1","\u006bid":"rsa1"}"#,
            &claims,
            Signer::Es256,
        ),
        MALFORMED,
    );
    for (name, claim, second) in [
        ("account", "account", json!("other")),
        ("account-same-value", "account", json!(ACCOUNT)),
        ("exp", "exp", json!(EXP + 1_000_000)),
        ("audience", "audience", json!("webstore")),
        ("sub", "sub", json!("eve@example.com")),
        ("iss-same-value", "iss", json!("token-emitter")),
    ] {
        c.both(
            &format!("duplicate/claim-{name}"),
            es(&vtex_claims().push(claim, second)),
            CLAIMS,
        );
    }
    c.keys(
        "duplicate/claim-spelled-with-escape",
        signed(
            &es_header().text(),
            &vtex_claims()
                .text()
                .replacen('{', r#"{"\u0061ccount":"other","#, 1),
            Signer::Es256,
        ),
        CLAIMS,
    );
    let nested = vtex_claims()
        .set("x", Value::Null)
        .text()
        .replace("\"x\":null", r#""x":{"a":1,"a":2}"#);
    c.keys(
        "duplicate/key-deep-inside-an-unknown-claim",
        signed(&es_header().text(), &nested, Signer::Es256),
        CLAIMS,
    );
}

fn claim_types(c: &mut Corpus) {
    let cases: Vec<(&str, Obj)> = vec![
        (
            "exp-as-string",
            vtex_claims().set("exp", json!(EXP.to_string())),
        ),
        (
            "exp-as-float",
            vtex_claims().set("exp", json!(EXP as f64 + 0.5)),
        ),
        (
            "exp-as-float-whole",
            vtex_claims().set("exp", json!(EXP as f64)),
        ),
        ("exp-negative", vtex_claims().set("exp", json!(-1))),
        (
            "exp-after-year-9999",
            vtex_claims().set("exp", json!(253_402_300_800i64)),
        ),
        ("exp-u64-max", vtex_claims().set("exp", json!(u64::MAX))),
        ("exp-null", vtex_claims().set("exp", Value::Null)),
        ("exp-bool", vtex_claims().set("exp", json!(true))),
        ("exp-missing", vtex_claims().without("exp")),
        ("iat-missing", vtex_claims().without("iat")),
        (
            "iat-as-string",
            vtex_claims().set("iat", json!(IAT.to_string())),
        ),
        ("nbf-as-string", vtex_claims().set("nbf", json!("0"))),
        ("sub-missing", vtex_claims().without("sub")),
        ("sub-empty", vtex_claims().set("sub", json!(""))),
        ("sub-number", vtex_claims().set("sub", json!(42))),
        ("account-missing", vtex_claims().without("account")),
        ("account-null", vtex_claims().set("account", Value::Null)),
        ("account-empty", vtex_claims().set("account", json!(""))),
        (
            "account-array",
            vtex_claims().set("account", json!([ACCOUNT])),
        ),
        (
            "audience-missing-only-standard-aud",
            vtex_claims().without("audience").set("aud", json!("admin")),
        ),
        (
            "audience-array",
            vtex_claims().set("audience", json!(["admin"])),
        ),
        ("iss-missing", vtex_claims().without("iss")),
        ("jti-missing", vtex_claims().without("jti")),
        ("jti-empty", vtex_claims().set("jti", json!(""))),
        ("sess-number", vtex_claims().set("sess", json!(1))),
        ("user-id-object", vtex_claims().set("userId", json!({}))),
        ("type-bool", vtex_claims().set("type", json!(true))),
        (
            "is-representative-string",
            vtex_claims().set("isRepresentative", json!("false")),
        ),
        (
            "is-representative-number",
            vtex_claims().set("isRepresentative", json!(0)),
        ),
    ];
    for (name, claims) in cases {
        c.both(&format!("claims/{name}"), es(&claims), CLAIMS);
    }
    // `null` is absent for every optional claim, `nbf` included.
    c.both(
        "claims/nbf-null-is-absent",
        es(&vtex_claims().set("nbf", Value::Null)),
        OK,
    );
    let huge_exp = vtex_claims()
        .set("exp", Value::Null)
        .text()
        .replace("\"exp\":null", "\"exp\":1e400");
    c.both(
        "claims/exp-1e400",
        signed(&es_header().text(), &huge_exp, Signer::Es256),
        CLAIMS,
    );
    let exp_exponent = vtex_claims()
        .set("exp", Value::Null)
        .text()
        .replace("\"exp\":null", "\"exp\":1.7000864e9");
    c.both(
        "claims/exp-with-exponent",
        signed(&es_header().text(), &exp_exponent, Signer::Es256),
        CLAIMS,
    );
    let lone_surrogate = vtex_claims()
        .set("sub", Value::Null)
        .text()
        .replace("\"sub\":null", r#""sub":"\ud800""#);
    c.both(
        "claims/lone-surrogate-escape",
        signed(&es_header().text(), &lone_surrogate, Signer::Es256),
        CLAIMS,
    );
    c.both(
        "claims/exp-zero-is-a-time-but-long-expired",
        es(&vtex_claims().set("exp", json!(0)).set("iat", json!(0))),
        EXPIRED,
    );
    c.both(
        "claims/exp-year-9999-accepted",
        es(&vtex_claims().set("exp", json!(253_402_300_799i64))),
        OK,
    );
}

fn policy(c: &mut Corpus) {
    for (name, iss) in [
        ("issuer-other", "evil"),
        ("issuer-case", "Token-Emitter"),
        ("issuer-trailing-space", "token-emitter "),
        ("issuer-url", "https://token-emitter"),
    ] {
        c.both(
            &format!("policy/{name}"),
            es(&vtex_claims().set("iss", json!(iss))),
            ISSUER,
        );
    }
    for (name, audience) in [
        ("audience-webstore-for-admin", "webstore"),
        ("audience-case", "Admin"),
        ("audience-other", "vtex-io"),
    ] {
        c.both(
            &format!("policy/{name}"),
            es(&vtex_claims().set("audience", json!(audience))),
            AUDIENCE,
        );
    }
    c.with_expected(
        "policy/audience-admin-for-webstore",
        standard(Signer::Es256),
        Expected {
            audience: Audience::Webstore,
            ..expected()
        },
        AUDIENCE,
    );
    c.with_expected(
        "policy/audience-webstore-accepted-on-the-storefront",
        es(&vtex_claims().set("audience", json!("webstore"))),
        Expected {
            audience: Audience::Webstore,
            ..expected()
        },
        OK,
    );
    for (name, account) in [
        ("account-other", "other"),
        ("account-case", "PONTE"),
        ("account-trailing-space", "ponte "),
        ("account-trailing-nul", "ponte\u{0}"),
        ("account-greek-omicron", "p\u{3bf}nte"),
        ("account-prefix", "pont"),
        ("account-wildcard", "*"),
    ] {
        c.both(
            &format!("policy/{name}"),
            es(&vtex_claims().set("account", json!(account))),
            ACCOUNT_WRONG,
        );
    }
    c.with_expected(
        "policy/expected-account-empty",
        standard(Signer::Es256),
        Expected {
            account: String::new(),
            ..expected()
        },
        ACCOUNT_WRONG,
    );
}

fn times(c: &mut Corpus) {
    let at = |now: i64, leeway: u32| Expected {
        now,
        leeway_seconds: leeway,
        ..expected()
    };
    let token = standard(Signer::Es256);
    let exp_boundary = EXP + i64::from(LEEWAY);
    c.with_expected(
        "time/expired-exactly-at-exp-plus-leeway",
        token.clone(),
        at(exp_boundary, LEEWAY),
        EXPIRED,
    );
    c.with_expected(
        "time/one-second-before-exp-plus-leeway",
        token.clone(),
        at(exp_boundary - 1, LEEWAY),
        OK,
    );
    c.with_expected(
        "time/expired-exactly-at-exp-no-leeway",
        token.clone(),
        at(EXP, 0),
        EXPIRED,
    );
    c.with_expected(
        "time/one-second-before-exp-no-leeway",
        token.clone(),
        at(EXP - 1, 0),
        OK,
    );
    c.with_expected(
        "time/expired-a-day-ago",
        token.clone(),
        at(EXP + 86_400, LEEWAY),
        EXPIRED,
    );
    c.with_expected(
        "time/now-max-safe-integer",
        token.clone(),
        at(9_007_199_254_740_991, LEEWAY),
        EXPIRED,
    );
    c.with_expected(
        "time/now-negative",
        token.clone(),
        at(-9_007_199_254_740_991, LEEWAY),
        NOT_YET,
    );
    c.with_expected(
        "time/huge-leeway-accepts-an-old-token",
        token.clone(),
        at(EXP + 1_000_000, u32::MAX),
        OK,
    );
    // iat: valid once iat <= now + leeway.
    c.with_expected(
        "time/iat-exactly-now-plus-leeway",
        token.clone(),
        at(IAT - i64::from(LEEWAY), LEEWAY),
        OK,
    );
    c.with_expected(
        "time/iat-one-second-after-now-plus-leeway",
        token.clone(),
        at(IAT - i64::from(LEEWAY) - 1, LEEWAY),
        NOT_YET,
    );
    c.keys(
        "time/iat-in-the-future",
        es(&vtex_claims()
            .set("iat", json!(NOW + 3600))
            .set("exp", json!(NOW + 90_000))),
        NOT_YET,
    );
    c.keys(
        "time/nbf-in-the-future",
        es(&vtex_claims().set("nbf", json!(NOW + i64::from(LEEWAY) + 1))),
        NOT_YET,
    );
    c.keys(
        "time/nbf-exactly-now-plus-leeway",
        es(&vtex_claims().set("nbf", json!(NOW + i64::from(LEEWAY)))),
        OK,
    );
    c.keys(
        "time/exp-before-iat-but-not-expired",
        es(&vtex_claims()
            .set("iat", json!(NOW))
            .set("exp", json!(NOW - 1))),
        // Within leeway (now < exp + leeway), but a token that expires before it was issued
        // is refused.
        Some("TOKEN_CLAIMS_INVALID"),
    );
    c.bare(
        "time/expired-without-keys",
        es(&vtex_claims().set("exp", json!(NOW - i64::from(LEEWAY)))),
        EXPIRED,
    );
}

fn signatures(c: &mut Corpus) {
    let claims = vtex_claims().text();
    let es_input = signing_input(&es_header().text(), &claims);
    let es_sig = Signer::Es256.sign(es_input.as_bytes());
    c.keys(
        "signature/es256-high-s-with-keys",
        standard(Signer::Es256HighS),
        NOT_CANONICAL,
    );
    c.bare(
        "signature/es256-high-s-without-keys-is-not-checked",
        standard(Signer::Es256HighS),
        OK,
    );
    c.keys(
        "signature/es256-other-key",
        standard(Signer::Es256Other),
        SIG,
    );
    c.keys(
        "signature/es256-all-zero",
        with_sig(&es_header().text(), &claims, &[0; 64]),
        SIG,
    );
    c.bare(
        "signature/es256-all-zero-without-keys-is-not-checked",
        with_sig(&es_header().text(), &claims, &[0; 64]),
        OK,
    );
    let mut r_is_n = P256_N.to_vec();
    r_is_n.extend_from_slice(&es_sig[32..]);
    c.keys(
        "signature/es256-r-equals-n",
        with_sig(&es_header().text(), &claims, &r_is_n),
        SIG,
    );
    let mut s_is_zero = es_sig[..32].to_vec();
    s_is_zero.extend_from_slice(&[0; 32]);
    c.keys(
        "signature/es256-s-zero",
        with_sig(&es_header().text(), &claims, &s_is_zero),
        SIG,
    );
    let mut s_is_n = es_sig[..32].to_vec();
    s_is_n.extend_from_slice(&P256_N);
    c.keys(
        "signature/es256-s-equals-n",
        with_sig(&es_header().text(), &claims, &s_is_n),
        SIG,
    );
    let mut swapped = es_sig[32..].to_vec();
    swapped.extend_from_slice(&es_sig[..32]);
    c.keys(
        "signature/es256-r-and-s-swapped",
        with_sig(&es_header().text(), &claims, &swapped),
        // s (now the old r) is random: the swapped pair is high-s or simply wrong.
        if flip_s(&swapped)[32..] > swapped[32..] {
            SIG
        } else {
            NOT_CANONICAL
        },
    );
    let mut der = vec![0x30, 0x44, 0x02, 0x20];
    der.extend_from_slice(&es_sig[..32]);
    der.extend_from_slice(&[0x02, 0x20]);
    der.extend_from_slice(&es_sig[32..]);
    c.both(
        "signature/es256-der-encoded",
        with_sig(&es_header().text(), &claims, &der),
        SIG,
    );
    c.both(
        "signature/es256-truncated-by-one-byte",
        with_sig(&es_header().text(), &claims, &es_sig[..63]),
        SIG,
    );
    c.both(
        "signature/es256-extended-by-one-byte",
        with_sig(&es_header().text(), &claims, &[&es_sig[..], &[0]].concat()),
        SIG,
    );
    let full = standard(Signer::Es256);
    c.both(
        "signature/es256-truncated-by-one-char",
        full[..full.len() - 1].to_owned(),
        MALFORMED,
    );
    c.both(
        "signature/es256-truncated-by-two-chars",
        full[..full.len() - 2].to_owned(),
        SIG,
    );
    c.keys(
        "signature/claims-changed-after-signing",
        format!(
            "{}.{}.{}",
            b64(es_header().text().as_bytes()),
            b64(vtex_claims()
                .set("sub", json!("eve@example.com"))
                .text()
                .as_bytes()),
            b64(&es_sig)
        ),
        SIG,
    );
    c.bare(
        "signature/claims-changed-after-signing-without-keys-is-not-checked",
        format!(
            "{}.{}.{}",
            b64(es_header().text().as_bytes()),
            b64(vtex_claims()
                .set("sub", json!("eve@example.com"))
                .text()
                .as_bytes()),
            b64(&es_sig)
        ),
        OK,
    );
    c.keys(
        "signature/header-re-encoded-after-signing",
        format!(
            "{}.{}.{}",
            b64(r#"{"kid":"ec1","alg":"ES256","typ":"jwt"}"#.as_bytes()),
            b64(claims.as_bytes()),
            b64(&es_sig)
        ),
        SIG,
    );
    c.keys(
        "signature/transplanted-from-another-token",
        with_sig(
            &es_header().text(),
            &vtex_claims().set("jti", json!("another")).text(),
            &es_sig,
        ),
        SIG,
    );
    // RS256.
    let rs_header = header("RS256", RSA_KID).text();
    let rs_input = signing_input(&rs_header, &claims);
    let rs_sig = Signer::Rs256.sign(rs_input.as_bytes());
    c.both(
        "signature/rs256-truncated-to-255-bytes",
        with_sig(&rs_header, &claims, &rs_sig[..255]),
        SIG,
    );
    c.keys(
        "signature/rs256-512-bytes-for-a-2048-bit-key",
        with_sig(&rs_header, &claims, &[&rs_sig[..], &rs_sig[..]].concat()),
        SIG,
    );
    c.bare(
        "signature/rs256-512-bytes-without-keys-is-not-checked",
        with_sig(&rs_header, &claims, &[&rs_sig[..], &rs_sig[..]].concat()),
        OK,
    );
    c.both(
        "signature/rs256-1025-bytes",
        with_sig(&rs_header, &claims, &[0x01; 1025]),
        SIG,
    );
    c.keys(
        "signature/rs256-above-the-modulus",
        with_sig(&rs_header, &claims, &[0xFF; 256]),
        SIG,
    );
    c.keys(
        "signature/rs256-zero",
        with_sig(&rs_header, &claims, &[0; 256]),
        SIG,
    );
    let mut rs_flipped = rs_sig.clone();
    rs_flipped[128] ^= 1;
    c.keys(
        "signature/rs256-one-bit-flipped",
        with_sig(&rs_header, &claims, &rs_flipped),
        SIG,
    );
    // EdDSA.
    let ed_header = header("EdDSA", ED_KID).text();
    c.keys(
        "signature/eddsa-s-plus-l",
        signed(&ed_header, &claims, Signer::EdDsaSPlusL),
        SIG,
    );
    c.bare(
        "signature/eddsa-s-plus-l-without-keys-is-not-checked",
        signed(&ed_header, &claims, Signer::EdDsaSPlusL),
        OK,
    );
    let ed_input = signing_input(&ed_header, &claims);
    let mut ed_flipped = Signer::EdDsa.sign(ed_input.as_bytes());
    ed_flipped[0] ^= 0x80;
    c.keys(
        "signature/eddsa-one-bit-flipped",
        with_sig(&ed_header, &claims, &ed_flipped),
        SIG,
    );
    c.keys(
        "signature/eddsa-all-zero",
        with_sig(&ed_header, &claims, &[0; 64]),
        SIG,
    );
    // The identity point as R (small order), s = 0.
    let mut identity = [0u8; 64];
    identity[0] = 1;
    c.keys(
        "signature/eddsa-small-order-r",
        with_sig(&ed_header, &claims, &identity),
        SIG,
    );
}

fn key_sets(c: &mut Corpus) {
    let token = standard(Signer::Es256);
    let doc = |keys: Vec<Value>| json!({ "keys": keys }).to_string();
    c.with_jwks("jwks/not-json", token.clone(), "{keys:".to_owned(), JWKS);
    c.with_jwks("jwks/empty-string", token.clone(), String::new(), JWKS);
    c.with_jwks("jwks/array", token.clone(), "[]".to_owned(), JWKS);
    c.with_jwks("jwks/no-keys-member", token.clone(), "{}".to_owned(), JWKS);
    c.with_jwks(
        "jwks/empty-key-list",
        token.clone(),
        doc(vec![]),
        KEY_UNKNOWN,
    );
    c.with_jwks(
        "jwks/only-an-hmac-secret-is-skipped",
        token.clone(),
        doc(vec![json!({"kty": "oct", "kid": EC_KID, "k": "c2VjcmV0"})]),
        KEY_UNKNOWN,
    );
    c.with_jwks(
        "jwks/private-key-published",
        token.clone(),
        doc(vec![
            ec_jwk(EC_KID)
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.insert("d".into(), json!(EC_D));
                    Value::Object(o)
                })
                .unwrap_or(Value::Null),
        ]),
        JWKS,
    );
    c.with_jwks(
        "jwks/duplicate-kid",
        token.clone(),
        doc(vec![ec_jwk(EC_KID), rsa_jwk(EC_KID)]),
        JWKS,
    );
    c.with_jwks(
        "jwks/duplicate-json-member",
        token.clone(),
        format!(
            r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"ec1","x":"{EC_X}","x":"{EC_Y}","y":"{EC_Y}"}}]}}"#
        ),
        JWKS,
    );
    c.with_jwks(
        "jwks/ec-key-says-rs256",
        token.clone(),
        doc(vec![
            ec_jwk(EC_KID)
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.insert("alg".into(), json!("RS256"));
                    Value::Object(o)
                })
                .unwrap_or(Value::Null),
        ]),
        JWKS,
    );
    c.with_jwks(
        "jwks/rsa-1024-bits",
        standard(Signer::Rs256),
        doc(vec![
            json!({"kty": "RSA", "kid": RSA_KID, "n": b64(&[0xC5; 128]), "e": "AQAB"}),
        ]),
        JWKS,
    );
    c.with_jwks(
        "jwks/point-not-on-the-curve",
        token.clone(),
        doc(vec![
            json!({"kty": "EC", "crv": "P-256", "kid": EC_KID, "x": EC_X, "y": EC_X}),
        ]),
        JWKS,
    );
    c.with_jwks(
        "jwks/key-without-kid",
        token.clone(),
        doc(vec![
            json!({"kty": "EC", "crv": "P-256", "x": EC_X, "y": EC_Y}),
        ]),
        JWKS,
    );
    c.with_jwks(
        "jwks/weak-ed25519-key",
        standard(Signer::EdDsa),
        doc(vec![
            json!({"kty": "OKP", "crv": "Ed25519", "kid": ED_KID, "x": b64(&{
                let mut identity = [0u8; 32];
                identity[0] = 1;
                identity
            })}),
        ]),
        JWKS,
    );
    c.with_jwks(
        "jwks/over-64-KiB",
        token.clone(),
        format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(64 * 1024)),
        JWKS,
    );
    c.with_jwks(
        "jwks/33-keys",
        token.clone(),
        doc((0..33).map(|i| ec_jwk(&format!("k{i}"))).collect()),
        JWKS,
    );
    c.with_jwks(
        "jwks/unsupported-keys-skipped-the-right-one-verifies",
        token.clone(),
        doc(vec![
            json!({"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"}),
            json!({"kty": "RSA", "kid": "enc", "use": "enc", "n": RSA_N, "e": RSA_E}),
            json!({"kty": "RSA", "kid": "ps", "alg": "PS256", "n": RSA_N, "e": RSA_E}),
            ec_jwk(EC_KID),
        ]),
        OK,
    );
    c.with_jwks(
        "jwks/kid-with-path-characters-is-opaque",
        es_h(&es_header().set("kid", json!("../../etc/passwd"))),
        doc(vec![ec_jwk("../../etc/passwd")]),
        OK,
    );
    c.with_jwks(
        "jwks/broken-key-set-wins-over-a-malformed-token",
        "not a token".to_owned(),
        "{}".to_owned(),
        JWKS,
    );
}

/// The order of checks: the first failing rule names the code.
fn order(c: &mut Corpus) {
    c.keys(
        "order/too-large-before-everything",
        format!("..{}", "=".repeat(9000)),
        TOO_LARGE,
    );
    c.keys(
        "order/alg-none-before-unknown-kid",
        with_sig(
            &header("none", "nope").text(),
            &vtex_claims().text(),
            &[0; 64],
        ),
        ALG,
    );
    c.keys(
        "order/alg-before-claims",
        with_sig(&header("HS256", EC_KID).text(), "{}", &[0; 32]),
        ALG,
    );
    c.both(
        "order/signature-length-before-claims",
        with_sig(&es_header().text(), "{}", &[0; 63]),
        SIG,
    );
    c.keys(
        "order/issuer-before-account",
        es(&vtex_claims()
            .set("iss", json!("evil"))
            .set("account", json!("other"))),
        ISSUER,
    );
    c.keys(
        "order/audience-before-account",
        es(&vtex_claims()
            .set("audience", json!("webstore"))
            .set("account", json!("other"))),
        AUDIENCE,
    );
    c.keys(
        "order/account-before-time",
        es(&vtex_claims()
            .set("account", json!("other"))
            .set("exp", json!(0))
            .set("iat", json!(0))),
        ACCOUNT_WRONG,
    );
    c.keys(
        "order/expired-before-not-yet-valid",
        es(&vtex_claims()
            .set("exp", json!(NOW - 3600))
            .set("iat", json!(NOW + 3600))),
        EXPIRED,
    );
    c.keys(
        "order/expired-before-the-signature",
        with_sig(
            &es_header().text(),
            &vtex_claims().set("exp", json!(NOW - 3600)).text(),
            &[0; 64],
        ),
        EXPIRED,
    );
    c.keys(
        "order/claims-before-the-key",
        es_h(&es_header().set("kid", json!("nope"))).replace(
            &b64(vtex_claims().text().as_bytes()),
            &b64(vtex_claims().without("jti").text().as_bytes()),
        ),
        CLAIMS,
    );
    c.keys(
        "order/key-before-the-signature",
        with_sig(
            &header("ES256", "nope").text(),
            &vtex_claims().text(),
            &[0; 64],
        ),
        KEY_UNKNOWN,
    );
    c.keys(
        "order/high-s-before-verification-with-the-wrong-key",
        {
            let h = es_header().text();
            let claims = vtex_claims().text();
            let input = signing_input(&h, &claims);
            // A low-s signature of another key, flipped: non-canonical and wrong.
            let sig = flip_s(&Signer::Es256Other.sign(input.as_bytes()));
            format!("{input}.{}", b64(&sig))
        },
        NOT_CANONICAL,
    );
}
