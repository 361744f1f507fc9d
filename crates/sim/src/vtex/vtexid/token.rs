//! The simulator's token signer: one ES256 (P-256) key, VTEX-shaped tokens, and the public key
//! as a JWKS document that ponte-core's [`KeySet`] loads.
//!
//! - The key is 32 random bytes from the operating system, kept in the store, so a restart
//!   signs with (and verifies against) the same key.
//! - `kid`: 40 uppercase hex characters like VTEX's: the first 20 bytes of the SHA-256 of the
//!   uncompressed public point **[emulator choice]** (VTEX does not say how it derives its
//!   kids).
//! - Signatures are deterministic (RFC 6979) and normalised to low s, which ponte-core
//!   requires when it verifies with a key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use ponte_core::sso::{ISSUER, KeySet};
use serde::Serialize;
use sha2::Digest as _;

/// The claims of a token, serialised in VTEX's order: `sub, account, audience, sess, exp,
/// userId, iat, iss, jti, type, isRepresentative`.
#[derive(Debug, Clone, Serialize)]
pub struct TokenClaims<'a> {
    pub sub: &'a str,
    pub account: &'a str,
    pub audience: &'a str,
    /// Absent on app-key tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sess: Option<&'a str>,
    pub exp: i64,
    #[serde(rename = "userId")]
    pub user_id: &'a str,
    pub iat: i64,
    pub iss: &'static str,
    pub jti: &'a str,
    #[serde(rename = "type")]
    pub token_type: &'static str,
    #[serde(rename = "isRepresentative")]
    pub is_representative: bool,
}

impl TokenClaims<'_> {
    pub const ISSUER: &'static str = ISSUER;
}

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    kid: &'a str,
    typ: &'static str,
}

#[derive(Serialize)]
struct Jwk<'a> {
    kty: &'static str,
    crv: &'static str,
    x: String,
    y: String,
    kid: &'a str,
    alg: &'static str,
    #[serde(rename = "use")]
    use_: &'static str,
}

#[derive(Serialize)]
struct Jwks<'a> {
    keys: [Jwk<'a>; 1],
}

/// The signing key with its `kid`, its JWKS and the [`KeySet`] built from that JWKS.
#[derive(Debug)]
pub struct TokenSigner {
    key: SigningKey,
    kid: String,
    jwks: String,
    keys: KeySet,
}

impl TokenSigner {
    /// A new random key (retrying the rare 32 bytes that are not a valid scalar).
    pub fn generate() -> Result<TokenSigner, String> {
        for _ in 0..16 {
            let secret: [u8; 32] = super::random_bytes()?;
            if let Ok(signer) = TokenSigner::from_secret(&secret) {
                return Ok(signer);
            }
        }
        Err("could not draw a valid P-256 scalar".to_owned())
    }

    /// The key from its 32-byte secret scalar.
    pub fn from_secret(secret: &[u8]) -> Result<TokenSigner, String> {
        let key = SigningKey::from_slice(secret)
            .map_err(|e| format!("the stored signing key is not a P-256 scalar: {e}"))?;
        let point = key.verifying_key().to_sec1_point(false);
        let bytes = point.as_bytes();
        let (Some(x), Some(y)) = (bytes.get(1..33), bytes.get(33..65)) else {
            return Err("unexpected public point encoding".to_owned());
        };
        let digest = sha2::Sha256::digest(bytes);
        let kid: String = digest.iter().take(20).map(|b| format!("{b:02X}")).collect();
        let jwks = serde_json::to_string(&Jwks {
            keys: [Jwk {
                kty: "EC",
                crv: "P-256",
                x: URL_SAFE_NO_PAD.encode(x),
                y: URL_SAFE_NO_PAD.encode(y),
                kid: &kid,
                alg: "ES256",
                use_: "sig",
            }],
        })
        .map_err(|e| format!("cannot encode the JWKS: {e}"))?;
        let keys = KeySet::from_jwks_json(&jwks)
            .map_err(|e| format!("ponte-core refuses the simulator's own JWKS: {e}"))?;
        Ok(TokenSigner {
            key,
            kid,
            jwks,
            keys,
        })
    }

    /// The secret scalar, base64url, as stored.
    pub fn secret_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.to_bytes())
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// `{"keys":[{"kty":"EC","crv":"P-256","x","y","kid","alg":"ES256","use":"sig"}]}`.
    pub fn jwks(&self) -> &str {
        &self.jwks
    }

    /// The public key as ponte-core verifies with it.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// A compact JWS: header `{"alg":"ES256","kid":...,"typ":"jwt"}`, the claims, and the
    /// low-s `r ‖ s` signature.
    pub fn sign(&self, claims: &TokenClaims<'_>) -> Result<String, String> {
        let header = serde_json::to_vec(&Header {
            alg: "ES256",
            kid: &self.kid,
            typ: "jwt",
        })
        .map_err(|e| format!("cannot encode the header: {e}"))?;
        let payload =
            serde_json::to_vec(claims).map_err(|e| format!("cannot encode the claims: {e}"))?;
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(payload));
        let signature: Signature = self.key.sign(token.as_bytes());
        let signature = signature.normalize_s();
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::sso::{Audience, Expected, validate};

    #[test]
    fn tokens_validate_with_the_own_key_set_and_are_low_s() {
        let signer = TokenSigner::generate().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(signer.kid().len(), 40);
        assert!(
            signer
                .kid()
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        );
        // About half of raw P-256 signatures have a high s: 32 tokens all passing ponte-core's
        // canonical-s check would be a 1 in 2^32 accident without the normalisation.
        for i in 0..32 {
            let jti = format!("j{i}");
            let claims = TokenClaims {
                sub: "ana@example.com",
                account: "ponte",
                audience: "admin",
                sess: Some("s1"),
                exp: 1_700_086_400,
                user_id: "u1",
                iat: 1_700_000_000,
                iss: TokenClaims::ISSUER,
                jti: &jti,
                token_type: "user",
                is_representative: false,
            };
            let token = signer.sign(&claims).unwrap_or_else(|e| panic!("{e}"));
            let expected = Expected {
                audience: Audience::Admin,
                account: "ponte".into(),
                now: 1_700_000_100,
                leeway_seconds: 0,
            };
            let valid = validate(&token, &expected, Some(signer.keys()))
                .unwrap_or_else(|e| panic!("token {i}: {e}"));
            assert!(valid.signature_verified);
        }
        let again = TokenSigner::from_secret(
            &URL_SAFE_NO_PAD
                .decode(signer.secret_b64())
                .unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.kid(), signer.kid());
        assert_eq!(again.jwks(), signer.jwks());
    }
}
