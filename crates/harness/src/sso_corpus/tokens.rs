//! Tokens as VTEX ID writes them: JSON objects in order (duplicates allowed), the standard
//! header and claims, signing inputs, and requests with the corpus expectations.

use super::keys::{Signer, b64, jwks};
use super::{ACCOUNT, EC_KID, EXP, IAT, LEEWAY, NOW};
use ponte_core::sso::{Audience, Expected, ValidateRequest};
use serde_json::{Value, json};

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

/// Claims as VTEX ID issues them (§I), in its order, for [`ACCOUNT`], `admin`.
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
