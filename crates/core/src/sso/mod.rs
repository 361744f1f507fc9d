//! VTEX ID session tokens (§I): parse, check and, where a key is known, verify them.
//!
//! A VTEX ID token is a compact JWS (`header.payload.signature`, base64url) signed with ES256.
//! Its claims say who (`sub`, `userId`), where (`account`), for what (`audience`: `admin` or
//! `webstore`, not the standard `aud`), when (`iat`, `exp`) and which session (`sess`, `jti`).
//! VTEX publishes no key for these tokens, so the service calls [`validate`] with `keys: None`
//! (structure, algorithm allow-list and claims) and then confirms the token online with VTEX
//! ID, caching the answer under [`ValidToken::cache_key`] for at most
//! [`ValidToken::cache_ttl_max`] seconds. Tokens from issuers that do publish a JWKS are
//! verified here with `keys: Some(&KeySet)`.
//!
//! Checks run cheapest first and stop at the first failure:
//! 1. size ([`MAX_TOKEN_LEN`], before any decoding) → `TOKEN_TOO_LARGE`;
//! 2. structure: three non-empty parts of strict base64url, a header that is a JSON object
//!    without duplicate keys, with a string `alg`, no `crit`, `typ` absent or JWT →
//!    `TOKEN_MALFORMED`;
//! 3. algorithm allow-list (ES256, RS256, EdDSA; `none`, `HS256`, ... never) →
//!    `TOKEN_ALG_UNSUPPORTED`; the signature length that algorithm fixes →
//!    `TOKEN_SIGNATURE_INVALID`;
//! 4. claims: a JSON object without duplicate keys, each claim of its type (`exp`, `iat` JSON
//!    integers) → `TOKEN_CLAIMS_INVALID`;
//! 5. `iss`, `audience`, `account` (exact), then time → `TOKEN_ISSUER_WRONG`,
//!    `TOKEN_AUDIENCE_WRONG`, `TOKEN_ACCOUNT_WRONG`, `TOKEN_EXPIRED`, `TOKEN_NOT_YET_VALID`;
//! 6. with a key set: the key by `kid`, whose type must match `alg` → `TOKEN_KEY_UNKNOWN`,
//!    `TOKEN_KEY_TYPE_MISMATCH`;
//! 7. the signature → `TOKEN_SIGNATURE_NOT_CANONICAL` (ES256 with s > n/2, e.g. s replaced
//!    by n − s), `TOKEN_SIGNATURE_INVALID`. Steps 6 and 7 run only with a key set.
//!
//! Without a key set a high-s ES256 signature is accepted: VTEX ID does not normalise s (3 of
//! 10 real, expired VTEX tokens found in public code had s > n/2), so refusing it would refuse
//! genuine tokens that VTEX ID then confirms. The cache key never depends on the signature.
//!
//! **Invariant**: no IO, no clock (`now` comes in [`Expected`]), no randomness, and no panic on
//! any input: the module denies indexing, `unwrap`, `expect` and unchecked arithmetic.
//!
//! ```
//! use ponte_core::sso::{validate, Audience, Expected};
//! // Header {"alg":"ES256","kid":"K1","typ":"jwt"}; claims as VTEX ID issues them.
//! let token = "eyJhbGciOiJFUzI1NiIsImtpZCI6IksxIiwidHlwIjoiand0In0.\
//!     eyJzdWIiOiJhbmFAZXhhbXBsZS5jb20iLCJhY2NvdW50IjoicG9udGUiLCJhdWRpZW5jZSI6ImFkbWluIiwic2Vz\
//!     cyI6InMxIiwiZXhwIjoxNzAwMDg2NDAwLCJ1c2VySWQiOiJ1MSIsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoidG9r\
//!     ZW4tZW1pdHRlciIsImp0aSI6ImoxIn0.\
//!     AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4_QA";
//! let expected = Expected {
//!     audience: Audience::Admin,
//!     account: "ponte".into(),
//!     now: 1_700_000_100,
//!     leeway_seconds: 30,
//! };
//! let valid = validate(token, &expected, None)?;
//! assert_eq!(valid.claims.sub, "ana@example.com");
//! assert!(!valid.signature_verified); // confirm online before trusting it
//! assert_eq!(valid.cache_ttl_max(1_700_000_100), 86_300);
//!
//! let elsewhere = Expected { account: "other".into(), ..expected };
//! assert_eq!(validate(token, &elsewhere, None).unwrap_err().code(), "TOKEN_ACCOUNT_WRONG");
//! # Ok::<(), ponte_core::sso::SsoError>(())
//! ```

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

mod claims;
mod error;
mod json;
mod jws;
mod keys;

pub use error::SsoError;
pub use keys::{KeySet, MAX_JWKS_LEN, MAX_KEYS, MIN_RSA_BITS, canonical_signature};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// The longest token accepted, in bytes. VTEX ID tokens are under 1 KiB.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The only issuer VTEX ID tokens carry.
pub const ISSUER: &str = "token-emitter";

/// A signature algorithm on the allow-list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Algorithm {
    /// ECDSA on P-256 with SHA-256, signature `r ‖ s` (64 bytes), low s only. VTEX ID's.
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, keys of at least 2048 bits.
    RS256,
    /// Ed25519 (RFC 8037), strict verification.
    EdDSA,
}

impl Algorithm {
    /// The JWA name, as in a header's `alg`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::ES256 => "ES256",
            Algorithm::RS256 => "RS256",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The algorithm with this exact (case-sensitive) JWA name, if it is on the allow-list.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        match name {
            "ES256" => Some(Algorithm::ES256),
            "RS256" => Some(Algorithm::RS256),
            "EdDSA" => Some(Algorithm::EdDSA),
            _ => None,
        }
    }
}

/// Which login a token comes from (its `audience` claim), hence which cookie carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Audience {
    /// Admin login (VTEX or SAML IdP): cookie `VtexIdclientAutCookie`.
    Admin,
    /// Storefront login (VTEX or OAuth IdP): cookie `VtexIdclientAutCookie_{account}`.
    Webstore,
}

impl Audience {
    /// The claim value: `admin` or `webstore`.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Admin => "admin",
            Audience::Webstore => "webstore",
        }
    }
}

/// The JOSE header fields Ponte reads. `alg` is kept as sent so [`inspect`] can show tokens
/// whose algorithm is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Header {
    pub alg: String,
    pub kid: Option<String>,
    pub typ: Option<String>,
}

/// The claims of a VTEX ID token. Unknown claims are ignored.
///
/// Required: `sub`, `account`, `audience`, `exp`, `iat`, `iss`, `jti` (strings non-empty,
/// times JSON integers of unix seconds). Optional: `sess` (app-key tokens have none),
/// `userId`, `nbf` (VTEX sends none; honoured if present), `type`, `isRepresentative`,
/// `idletimeout` (kept when it is an integer or a string of digits, else dropped: it is
/// informational and its format is undocumented).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Claims {
    /// The person's email, or `vtexappkey-...` for an app key.
    pub sub: String,
    pub account: String,
    /// `admin` or `webstore` as sent; compared with [`Expected::audience`].
    pub audience: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub sess: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub exp: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub iat: i64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null", optional))]
    pub nbf: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub user_id: Option<String>,
    pub iss: String,
    pub jti: String,
    /// The `type` claim (`user` on tokens since 2025).
    #[serde(default, rename = "type")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub token_type: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub is_representative: Option<bool>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null", optional))]
    pub idletimeout: Option<i64>,
}

/// What the context requires of a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Expected {
    /// Admin pages require `Admin`, the storefront `Webstore`.
    pub audience: Audience,
    /// The current account; the token's must be equal byte for byte.
    pub account: String,
    /// The caller's clock, unix seconds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub now: i64,
    /// Clock skew tolerated on `exp`, `iat` and `nbf`, in seconds.
    pub leeway_seconds: u32,
}

/// The boundary shape of [`validate`]: what the wasm exports and the raw ABI take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct ValidateRequest {
    pub token: String,
    pub expected: Expected,
    /// A JWKS document (JSON text); absent: no signature check (confirm online).
    pub jwks: Option<String>,
}

/// A token that passed [`validate`].
///
/// Only a value returned by [`validate`] means anything: one deserialised from elsewhere
/// proves nothing. With `signature_verified: false` the token must still be confirmed with
/// VTEX ID before it is trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ValidToken {
    pub header: Header,
    pub claims: Claims,
    pub algorithm: Algorithm,
    /// Whether a key from the caller's [`KeySet`] verified the signature.
    pub signature_verified: bool,
    /// Where to cache the online confirmation; see [`cache_key`].
    pub cache_key: String,
}

impl ValidToken {
    /// The longest the confirmation of this token may be cached: seconds from `now` until
    /// `exp` (0 once expired). Leeway is not added: a cache never outlives the token.
    pub fn cache_ttl_max(&self, now: i64) -> u64 {
        u64::try_from(self.claims.exp.saturating_sub(now)).unwrap_or(0)
    }
}

/// Checks `token` against `expected` and, with `keys`, verifies its signature; see the module
/// docs for the order of checks and the codes.
///
/// `keys: None` checks structure, algorithm and claims only (VTEX publishes no key: confirm
/// online). In that mode an ES256 signature with a high s is *not* refused (see the module
/// docs: VTEX ID does not normalise s).
pub fn validate(
    token: &str,
    expected: &Expected,
    keys: Option<&KeySet>,
) -> Result<ValidToken, SsoError> {
    let compact = jws::split(token)?;
    jws::check_typ(&compact.header)?;
    let algorithm = jws::algorithm(&compact.header)?;
    jws::check_signature_len(algorithm, &compact.signature)?;
    let claims = claims::parse(&compact.payload)?;
    claims::check(&claims, expected)?;
    let signature_verified = match keys {
        None => false,
        Some(keys) => {
            keys::verify(
                keys,
                compact.header.kid.as_deref(),
                algorithm,
                compact.signing_input,
                &compact.signature,
            )?;
            true
        }
    };
    Ok(ValidToken {
        cache_key: cache_key(
            &claims,
            &keys::canonical_signature(algorithm, &compact.signature),
        ),
        header: compact.header,
        claims,
        algorithm,
        signature_verified,
    })
}

thread_local! {
    /// The last key set parsed, with its JWKS text: the service sends the same configured
    /// JWKS with every token, and parsing keys costs more than verifying one signature. A
    /// memo only: answers are the same with or without it.
    static LAST_KEYS: std::cell::RefCell<Option<(String, KeySet)>> =
        const { std::cell::RefCell::new(None) };
}

/// [`validate`] for a [`ValidateRequest`]: the request's JWKS text, when given, is parsed
/// (or taken from a memo of the last one parsed) and the signature verified against it.
pub fn validate_request(req: &ValidateRequest) -> Result<ValidToken, SsoError> {
    let Some(jwks) = req.jwks.as_deref() else {
        return validate(&req.token, &req.expected, None);
    };
    LAST_KEYS.with(|cell| {
        let mut memo = cell.borrow_mut();
        if memo.as_ref().is_none_or(|(text, _)| text != jwks) {
            *memo = Some((jwks.to_owned(), KeySet::from_jwks_json(jwks)?));
        }
        let keys = memo.as_ref().map(|(_, keys)| keys);
        validate(&req.token, &req.expected, keys)
    })
}

/// Decodes a token's header and claims with no policy check (no allow-list, time, audience,
/// account or signature), for tooling. The size limit, the structure, duplicate keys and
/// claim types are still enforced: there is nothing typed to show otherwise.
///
/// ```
/// let token = "eyJhbGciOiJub25lIn0.\
///     eyJzdWIiOiJhIiwiYWNjb3VudCI6ImIiLCJhdWRpZW5jZSI6ImFkbWluIiwiZXhwIjoyLCJpYXQiOjEsImlz\
///     cyI6InRva2VuLWVtaXR0ZXIiLCJqdGkiOiJqIn0.AA";
/// let (header, claims) = ponte_core::sso::inspect(token)?;
/// assert_eq!((header.alg.as_str(), claims.exp), ("none", 2));
/// # Ok::<(), ponte_core::sso::SsoError>(())
/// ```
pub fn inspect(token: &str) -> Result<(Header, Claims), SsoError> {
    let compact = jws::split(token)?;
    let claims = claims::parse(&compact.payload)?;
    Ok((compact.header, claims))
}

/// The cache key of a token's online confirmation: `sso2:` and the hex SHA-256 of `jti` and
/// `sess` together with the claims the service acts on (`sub`, `userId`, `account`,
/// `audience`, `iss`, `iat`, `exp`), each length-prefixed.
///
/// The signature, in its canonical form ([`canonical_signature`]: ES256 with low s), is
/// hashed in too: without it, anyone who learnt a confirmed token's claims (say from a log
/// that strips signatures) could reuse its confirmation with any signature while no key is
/// known. Never the raw token: ES256 signatures are malleable (s and n - s both verify), so
/// one token has several spellings, which the canonical form maps to one key. Not
/// `jti`/`sess` alone either: a token forged with a known `jti` but another `account` must
/// not find the genuine token's confirmation. The key reveals none of its inputs.
pub fn cache_key(claims: &Claims, canonical_signature: &[u8]) -> String {
    let mut h = sha2::Sha256::new();
    let fields: [&[u8]; 11] = [
        claims.jti.as_bytes(),
        claims.sess.as_deref().unwrap_or_default().as_bytes(),
        claims.sub.as_bytes(),
        claims.user_id.as_deref().unwrap_or_default().as_bytes(),
        claims.account.as_bytes(),
        claims.audience.as_bytes(),
        claims.iss.as_bytes(),
        &claims.iat.to_be_bytes(),
        &claims.exp.to_be_bytes(),
        // Tells an absent `sess` from an empty one.
        &[u8::from(claims.sess.is_some())],
        canonical_signature,
    ];
    for field in fields {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field);
    }
    let digest = h.finalize();
    let mut key = String::with_capacity(5 + 64);
    key.push_str("sso2:");
    for byte in digest {
        key.push(hex_digit(byte >> 4));
        key.push(hex_digit(byte & 0x0f));
    }
    key
}

fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).unwrap_or('0')
}

#[cfg(test)]
mod tests;
