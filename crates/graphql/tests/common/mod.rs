//! What the tests share: an admin session whose token VTEX ID has confirmed.

#![allow(dead_code)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use ponte_core::sso::{Audience, Expected, validate};
use ponte_graphql::SsoData;
use serde_json::{Value, json};

pub const ACCOUNT: &str = "ponte";
pub const NOW: i64 = 1_750_000_000;
pub const KID: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678";

pub fn mint(claims: &Value) -> String {
    let key = SigningKey::from_slice(&[7; 32]).expect("a valid scalar");
    let header = json!({"alg": "ES256", "kid": KID, "typ": "jwt"}).to_string();
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature: Signature = key.sign(input.as_bytes());
    let signature = signature.normalize_s();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

pub fn admin_token() -> String {
    mint(&json!({
        "sub": "erp@example.com", "account": ACCOUNT, "audience": "admin", "sess": "s-1",
        "exp": NOW + 86_400, "userId": "u-1", "iat": NOW, "iss": "token-emitter", "jti": "j-1",
    }))
}

/// An admin session VTEX ID confirms.
pub fn admin() -> SsoData {
    let token = admin_token();
    let expected = Expected {
        audience: Audience::Admin,
        account: ACCOUNT.into(),
        now: NOW,
        leeway_seconds: 30,
    };
    let cache_key = validate(&token, &expected, None).expect("valid").cache_key;
    SsoData::new(ACCOUNT, NOW)
        .with_bearer(token)
        .with_confirmed_session(cache_key)
}
