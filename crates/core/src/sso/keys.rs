//! Public keys from a JWKS document, and signature verification with them.

use super::Algorithm;
use super::error::{SsoError, shown};
use super::json::StrictValue;
use super::jws::decode_b64url;
use p256::ecdsa::signature::Verifier as _;
use rsa::traits::PublicKeyParts as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The largest JWKS document accepted, in bytes.
pub const MAX_JWKS_LEN: usize = 64 * 1024;
/// The most keys a set may hold (after skipping unsupported ones).
pub const MAX_KEYS: usize = 32;
/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
const MAX_RSA_BITS: usize = 8192;

/// Members that only a private JWK has. A set that carries one is refused: it means a signing
/// key was published by mistake, and it must not be kept around in memory or in caches.
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "oth"];

/// Verification keys by `kid`, built from a JWKS document with [`KeySet::from_jwks_json`].
///
/// Policy:
/// - supported: `EC` on `P-256` (ES256), `RSA` of 2048 to 8192 bits (RS256), `OKP` on
///   `Ed25519` (EdDSA);
/// - **skipped** (counted in [`KeySet::skipped`]): other key types and curves (`oct`, `P-384`,
///   `X25519`, ...), keys whose `alg` names another algorithm (`RS384`, `PS256`, ...) and keys
///   whose `use` is not `sig`, since a provider's JWKS often mixes them;
/// - **refused** (`JWKS_INVALID`): a supported key that is broken (bad base64url, a point not
///   on the curve, a weak Ed25519 key, an RSA modulus under 2048 bits), that carries private
///   members, that has no `kid` or shares one, or whose `alg` contradicts its `kty`; more than
///   [`MAX_KEYS`] keys; a document over [`MAX_JWKS_LEN`] bytes or with duplicate JSON keys.
///
/// `kid` is an opaque string compared byte for byte: no normalisation, no path or URL
/// meaning.
///
/// Serialises as the JWKS of the keys kept (public members only); deserialises through the
/// same checks as [`KeySet::from_jwks_json`].
///
/// ```
/// use ponte_core::sso::KeySet;
/// let jwks = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1",
///   "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},{"kty":"oct","k":"c2VjcmV0"}]}"#;
/// let keys = KeySet::from_jwks_json(jwks)?;
/// assert_eq!(keys.kids().collect::<Vec<_>>(), ["k1"]);
/// assert_eq!(keys.skipped(), 1);
/// # Ok::<(), ponte_core::sso::SsoError>(())
/// ```
#[derive(Debug, Clone)]
pub struct KeySet {
    keys: BTreeMap<String, Key>,
    skipped: usize,
}

#[derive(Debug, Clone)]
struct Key {
    jwk: Jwk,
    public: PublicKey,
}

#[derive(Debug, Clone)]
enum PublicKey {
    P256(p256::ecdsa::VerifyingKey),
    Rsa(rsa::PublicKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    fn algorithm(&self) -> Algorithm {
        match self {
            PublicKey::P256(_) => Algorithm::ES256,
            PublicKey::Rsa(_) => Algorithm::RS256,
            PublicKey::Ed25519(_) => Algorithm::EdDSA,
        }
    }
}

/// The public members of a kept key, as serialised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Jwk {
    kty: String,
    kid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    y: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    e: Option<String>,
}

#[derive(Serialize)]
struct JwksOut<'a> {
    keys: Vec<&'a Jwk>,
}

impl KeySet {
    /// Parses a JWKS document (`{"keys":[...]}`); see the type's docs for what is kept,
    /// skipped and refused.
    pub fn from_jwks_json(json: &str) -> Result<KeySet, SsoError> {
        if json.len() > MAX_JWKS_LEN {
            return Err(SsoError::jwks(format!(
                "the document is {} bytes long; at most {MAX_JWKS_LEN} are accepted",
                json.len()
            )));
        }
        let StrictValue(value) = serde_json::from_str(json)
            .map_err(|e| SsoError::jwks(format!("the document is not acceptable JSON ({e})")))?;
        KeySet::from_value(&value)
    }

    fn from_value(value: &Value) -> Result<KeySet, SsoError> {
        let entries = value
            .as_object()
            .and_then(|o| o.get("keys"))
            .and_then(Value::as_array)
            .ok_or_else(|| SsoError::jwks("the document must be an object with a `keys` array"))?;
        let mut set = KeySet {
            keys: BTreeMap::new(),
            skipped: 0,
        };
        for (i, entry) in entries.iter().enumerate() {
            let entry = entry
                .as_object()
                .ok_or_else(|| SsoError::jwks(format!("key #{i} is not an object")))?;
            match parse_key(entry).map_err(|why| SsoError::jwks(format!("key #{i} {why}")))? {
                None => set.skipped = set.skipped.saturating_add(1),
                Some(key) => {
                    if set.keys.len() >= MAX_KEYS {
                        return Err(SsoError::jwks(format!(
                            "it holds more than {MAX_KEYS} usable keys"
                        )));
                    }
                    if set.keys.contains_key(&key.jwk.kid) {
                        return Err(SsoError::jwks(format!(
                            "kid {} appears more than once; lookup by kid would be ambiguous",
                            shown(&key.jwk.kid)
                        )));
                    }
                    set.keys.insert(key.jwk.kid.clone(), key);
                }
            }
        }
        Ok(set)
    }

    /// The `kid`s of the keys kept, in byte order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// How many keys are kept.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key was kept (every token then fails with `TOKEN_KEY_UNKNOWN`).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How many entries of the document were skipped as unsupported.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The algorithm the key named `kid` verifies, if the set has it.
    pub fn algorithm(&self, kid: &str) -> Option<Algorithm> {
        self.keys.get(kid).map(|k| k.public.algorithm())
    }
}

impl Serialize for KeySet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        JwksOut {
            keys: self.keys.values().map(|k| &k.jwk).collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for KeySet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let StrictValue(value) = StrictValue::deserialize(d)?;
        KeySet::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// `Ok(None)`: skipped as unsupported. `Err`: completes "key #i ...".
fn parse_key(entry: &Map<String, Value>) -> Result<Option<Key>, String> {
    let member = |name: &str| -> Result<Option<&str>, String> {
        match entry.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("has a non-string `{name}`")),
        }
    };
    let kty = member("kty")?.ok_or("has no `kty`")?;
    let crv = member("crv")?;
    let supported = match (kty, crv) {
        ("EC", Some("P-256")) => Algorithm::ES256,
        ("RSA", _) => Algorithm::RS256,
        ("OKP", Some("Ed25519")) => Algorithm::EdDSA,
        _ => return Ok(None),
    };
    if let Some(use_) = member("use")?
        && use_ != "sig"
    {
        return Ok(None);
    }
    let alg = member("alg")?;
    if let Some(alg) = alg {
        match Algorithm::from_name(alg) {
            None => return Ok(None),
            Some(a) if a != supported => {
                return Err(format!(
                    "is a {kty} key but says `alg` {}; it can only be {}",
                    shown(alg),
                    supported.as_str()
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(private) = PRIVATE_MEMBERS.iter().find(|m| entry.contains_key(**m)) {
        return Err(format!(
            "contains private key material (`{private}`); a key set must hold public keys only"
        ));
    }
    let kid = match member("kid")? {
        Some(kid) if !kid.is_empty() => kid,
        _ => return Err("has no `kid`; keys are looked up by kid only".to_owned()),
    };
    let bytes = |name: &str| -> Result<Vec<u8>, String> {
        let s = member(name)?.ok_or_else(|| format!("has no `{name}`"))?;
        decode_b64url(s).map_err(|why| format!("member `{name}` {why}"))
    };
    let mut jwk = Jwk {
        kty: kty.to_owned(),
        kid: kid.to_owned(),
        alg: alg.map(str::to_owned),
        use_: member("use")?.map(str::to_owned),
        crv: crv.map(str::to_owned),
        x: None,
        y: None,
        n: None,
        e: None,
    };
    let public = match supported {
        Algorithm::ES256 => {
            let (x, y) = (bytes("x")?, bytes("y")?);
            if x.len() != 32 || y.len() != 32 {
                return Err("has P-256 coordinates that are not 32 bytes each".to_owned());
            }
            let mut sec1 = Vec::with_capacity(65);
            sec1.push(0x04);
            sec1.extend_from_slice(&x);
            sec1.extend_from_slice(&y);
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                .map_err(|_| "is not a point on P-256".to_owned())?;
            jwk.x = member("x")?.map(str::to_owned);
            jwk.y = member("y")?.map(str::to_owned);
            PublicKey::P256(key)
        }
        Algorithm::RS256 => {
            let (n, e) = (bytes("n")?, bytes("e")?);
            let n_trimmed = trim_leading_zeros(&n);
            let e_trimmed = trim_leading_zeros(&e);
            let bits = bit_len(n_trimmed);
            if bits < MIN_RSA_BITS {
                return Err(format!(
                    "is an RSA key of {bits} bits; at least {MIN_RSA_BITS} are required"
                ));
            }
            if bits > MAX_RSA_BITS {
                return Err(format!(
                    "is an RSA key of {bits} bits; at most {MAX_RSA_BITS} are supported"
                ));
            }
            if e_trimmed.is_empty() || e_trimmed.len() > 8 {
                return Err("has an RSA exponent out of range".to_owned());
            }
            let key = rsa::PublicKey::new_with_size_limits(
                rsa::BoxedUint::from_be_slice_vartime(n_trimmed),
                rsa::BoxedUint::from_be_slice_vartime(e_trimmed),
                MIN_RSA_BITS..=MAX_RSA_BITS,
            )
            .map_err(|e| format!("is not a usable RSA public key ({e})"))?;
            jwk.n = member("n")?.map(str::to_owned);
            jwk.e = member("e")?.map(str::to_owned);
            PublicKey::Rsa(key)
        }
        Algorithm::EdDSA => {
            let x: [u8; 32] = bytes("x")?
                .try_into()
                .map_err(|_| "has an Ed25519 `x` that is not 32 bytes".to_owned())?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&x)
                .map_err(|_| "is not a valid Ed25519 public key".to_owned())?;
            if key.is_weak() {
                return Err("is a weak (small-order) Ed25519 key".to_owned());
            }
            jwk.x = member("x")?.map(str::to_owned);
            PublicKey::Ed25519(key)
        }
    };
    Ok(Some(Key { jwk, public }))
}

fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

fn bit_len(trimmed: &[u8]) -> usize {
    match trimmed.first() {
        None => 0,
        Some(&top) => (trimmed.len().saturating_sub(1))
            .saturating_mul(8)
            .saturating_add(8usize.saturating_sub(top.leading_zeros() as usize)),
    }
}

/// Key lookup, then the signature. `signature` has the length its algorithm fixes (checked
/// earlier by `jws::check_signature_len`), but this does not rely on it.
pub(crate) fn verify(
    keys: &KeySet,
    kid: Option<&str>,
    alg: Algorithm,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<(), SsoError> {
    let Some(kid) = kid else {
        return Err(SsoError::KeyUnknown { kid: None });
    };
    let Some(key) = keys.keys.get(kid) else {
        return Err(SsoError::KeyUnknown {
            kid: Some(kid.to_owned()),
        });
    };
    let key_alg = key.public.algorithm();
    if key_alg != alg {
        return Err(SsoError::KeyTypeMismatch {
            kid: kid.to_owned(),
            alg,
            key_alg,
        });
    }
    verify_with(&key.public, signing_input, signature)
}

/// One spelling per signature: an ES256 signature with its s replaced by the low one
/// (n − s when s > n/2); other algorithms' signatures as they are (RS256 is deterministic and
/// Ed25519 verification is strict). Bytes that are not an ES256 signature stay as they are.
pub fn canonical_signature(algorithm: Algorithm, signature: &[u8]) -> Vec<u8> {
    if algorithm == Algorithm::ES256
        && let Ok(sig) = p256::ecdsa::Signature::from_slice(signature)
    {
        return sig.normalize_s().to_bytes().to_vec();
    }
    signature.to_vec()
}

fn verify_with(key: &PublicKey, msg: &[u8], signature: &[u8]) -> Result<(), SsoError> {
    const MISMATCH: SsoError = SsoError::SignatureInvalid {
        reason: "it does not verify with the key",
    };
    match key {
        PublicKey::P256(key) => {
            let sig = p256::ecdsa::Signature::from_slice(signature).map_err(|_| {
                SsoError::SignatureInvalid {
                    reason: "r and s must be 32 bytes each, non-zero and below the group order",
                }
            })?;
            // P-256 verification accepts both s and n - s; only the low one is canonical.
            if sig.normalize_s() != sig {
                return Err(SsoError::SignatureNotCanonical);
            }
            key.verify(msg, &sig).map_err(|_| MISMATCH)
        }
        PublicKey::Rsa(key) => {
            if signature.len() != key.size() {
                return Err(SsoError::SignatureInvalid {
                    reason: "its length differs from the RSA key's modulus length",
                });
            }
            key.pkcs1v15_verify::<sha2::Sha256>(msg, signature)
                .map_err(|_| MISMATCH)
        }
        PublicKey::Ed25519(key) => {
            let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| {
                SsoError::SignatureInvalid {
                    reason: "an Ed25519 signature is 64 bytes",
                }
            })?;
            // Strict: refuses small-order keys and R, and a non-canonical s.
            key.verify_strict(msg, &sig).map_err(|_| MISMATCH)
        }
    }
}

#[cfg(test)]
pub(crate) fn verify_with_jwk(
    jwk_json: &str,
    msg: &[u8],
    signature: &[u8],
) -> Result<(), SsoError> {
    let set = KeySet::from_jwks_json(&format!(r#"{{"keys":[{jwk_json}]}}"#))?;
    let key = set
        .keys
        .values()
        .next()
        .ok_or(SsoError::KeyUnknown { kid: None })?;
    verify_with(&key.public, msg, signature)
}
