//! Key sets, and the order of checks.

use super::*;

pub(super) fn key_sets(c: &mut Corpus) {
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
pub(super) fn order(c: &mut Corpus) {
    c.keys(
        "order/too-large-before-everything",
        format!("..{}", "=".repeat(9000)),
        TOO_LARGE,
    );
    c.keys(
        "order/alg-none-before-unknown-kid",
        zero_signed(&header("none", "nope")),
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
        zero_signed(&header("ES256", "nope")),
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
