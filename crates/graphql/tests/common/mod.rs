//! What the session tests share: a fixed account and clock, ES256 tokens minted with fixed
//! keys, VTEX ID's cache key for a token, and a run of the native schema.

#![allow(dead_code)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use ponte_core::sso::{Audience, Expected, validate};
use ponte_graphql::{SsoData, schema};
use serde_json::{Value, json};

pub const ACCOUNT: &str = "ponte";
pub const NOW: i64 = 1_750_000_000;
pub const KID: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678";

/// The P-256 key whose scalar is `seed` repeated.
pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).expect("a valid scalar")
}

/// VTEX ID's claims for `sub` in `audience`, issued at [`NOW`] for a day.
pub fn claims_of(sub: &str, audience: &str) -> Value {
    json!({
        "sub": sub, "account": ACCOUNT, "audience": audience, "sess": "s-1",
        "exp": NOW + 86_400, "userId": "u-1", "iat": NOW, "iss": "token-emitter", "jti": "j-1",
    })
}

/// An ES256 token (low s) over `claims`, signed by `key` under [`KID`].
pub fn mint(key: &SigningKey, claims: &Value) -> String {
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

/// The cache key VTEX ID's confirmation of `token` is kept under.
pub fn cache_key(token: &str, audience: Audience) -> String {
    let expected = Expected {
        audience,
        account: ACCOUNT.into(),
        now: NOW,
        leeway_seconds: 30,
    };
    validate(token, &expected, None).expect("valid").cache_key
}

/// Runs `query` on the native schema with `data`, as JSON.
pub async fn run(query: &str, data: Option<SsoData>) -> Value {
    let mut request = async_graphql::Request::new(query);
    if let Some(data) = data {
        request = request.data(data);
    }
    serde_json::to_value(schema().execute(request).await).expect("serialises")
}

/// An admin session VTEX ID confirms.
pub fn admin() -> SsoData {
    let token = mint(&key(7), &claims_of("erp@example.com", "admin"));
    let confirmed = cache_key(&token, Audience::Admin);
    SsoData::new(ACCOUNT, NOW)
        .with_bearer(token)
        .with_confirmed_session(confirmed)
}
