//! The fixed keys of the corpus and the signing tools behind it: deterministic ES256 (RFC 6979,
//! low s), RS256 (PKCS#1 v1.5), EdDSA, and HMAC-SHA256 for the key-confusion attack.

use super::{EC_KID, ED_KID, RSA_KID};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ponte_core::sso::KeySet;
use serde_json::{Value, json};
use std::sync::OnceLock;

// RFC 7515 appendix A.3 (P-256).
pub(super) const EC_D: &str = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
pub(super) const EC_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
pub(super) const EC_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
// RFC 7515 appendix A.2 (RSA 2048).
pub(super) const RSA_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
pub(super) const RSA_E: &str = "AQAB";
pub(super) const RSA_D: &str = "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ";
pub(super) const RSA_P: &str = "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc";
pub(super) const RSA_Q: &str = "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc";
// RFC 8037 appendix A.1 (Ed25519).
pub(super) const ED_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
pub(super) const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
/// The scalar of the "someone else's" P-256 key.
pub(super) const OTHER_EC_D: [u8; 32] = [7; 32];

/// The order n of the P-256 group, big-endian.
pub(super) const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];
/// The order L of the Ed25519 group, little-endian.
pub(super) const ED25519_L: [u8; 32] = [
    0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
];

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(super) fn unb64(s: &str) -> Vec<u8> {
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

pub(super) fn es256_low_s(scalar: &[u8], msg: &[u8]) -> Vec<u8> {
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

pub(super) fn ed25519(msg: &[u8]) -> Vec<u8> {
    use ed25519_dalek::Signer as _;
    let d: [u8; 32] = unb64(ED_D)
        .try_into()
        .unwrap_or_else(|_| panic!("the Ed25519 seed is 32 bytes"));
    ed25519_dalek::SigningKey::from_bytes(&d)
        .sign(msg)
        .to_bytes()
        .to_vec()
}

pub(super) fn rsa_private() -> &'static rsa::PrivateKey {
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
