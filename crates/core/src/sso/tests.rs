// A failing unwrap here is the test failing, with its location.
#![allow(clippy::unwrap_used)]

use super::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::OnceLock;

const IAT: i64 = 1_700_000_000;
const EXP: i64 = IAT + 86_400;
const NOW: i64 = IAT + 100;
const LEEWAY: u32 = 30;

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

/// The order n of the P-256 group, big-endian.
const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    B64.decode(s).unwrap()
}

fn ec_jwk(kid: &str) -> Value {
    json!({"kty": "EC", "crv": "P-256", "kid": kid, "x": EC_X, "y": EC_Y, "use": "sig"})
}
fn rsa_jwk(kid: &str) -> Value {
    json!({"kty": "RSA", "kid": kid, "n": RSA_N, "e": RSA_E, "alg": "RS256"})
}
fn ed_jwk(kid: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": ED_X})
}

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        let doc = json!({"keys": [ec_jwk("ec1"), rsa_jwk("rsa1"), ed_jwk("ed1")]});
        KeySet::from_jwks_json(&doc.to_string()).unwrap()
    })
}

#[derive(Clone, Copy)]
enum Signer {
    Es256,
    /// ES256 with s replaced by n - s: the same signature, malleated.
    Es256HighS,
    /// ES256 with another (fixed) private key.
    Es256OtherKey,
    Rs256,
    EdDsa,
}

fn es256_low_s(scalar: &[u8], msg: &[u8]) -> Vec<u8> {
    use p256::ecdsa::signature::Signer as _;
    let key = p256::ecdsa::SigningKey::from_slice(scalar).unwrap();
    let sig: p256::ecdsa::Signature = key.sign(msg);
    sig.normalize_s().to_bytes().to_vec()
}

/// `n - s` for the 32-byte big-endian s in `sig[32..]`.
fn flip_s(sig: &[u8]) -> Vec<u8> {
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
    assert_eq!(borrow, 0);
    out.extend_from_slice(&neg);
    out
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
        .unwrap()
    })
}

fn sign(signer: Signer, msg: &[u8]) -> Vec<u8> {
    match signer {
        Signer::Es256 => es256_low_s(&unb64(EC_D), msg),
        Signer::Es256HighS => flip_s(&es256_low_s(&unb64(EC_D), msg)),
        Signer::Es256OtherKey => es256_low_s(&[7u8; 32], msg),
        Signer::Rs256 => rsa_private().pkcs1v15_sign::<sha2::Sha256>(msg).unwrap(),
        Signer::EdDsa => {
            use ed25519_dalek::Signer as _;
            let d: [u8; 32] = unb64(ED_D).try_into().unwrap();
            ed25519_dalek::SigningKey::from_bytes(&d)
                .sign(msg)
                .to_bytes()
                .to_vec()
        }
    }
}

/// `header.payload.signature` from raw JSON texts (so duplicates can be written).
fn token(header: &str, claims: &str, signer: Signer) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let sig = sign(signer, input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

/// A token with a signature chosen by the test.
fn token_sig(header: &str, claims: &str, sig: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.as_bytes()),
        b64(claims.as_bytes()),
        b64(sig)
    )
}

fn header(alg: &str, kid: &str) -> String {
    json!({"alg": alg, "kid": kid, "typ": "jwt"}).to_string()
}

const ES: &str = r#"{"alg":"ES256","kid":"ec1","typ":"jwt"}"#;

/// Claims as VTEX ID issues them (§I), in its order.
fn vtex_claims() -> Value {
    json!({
        "sub": "ana@example.com",
        "account": "ponte",
        "audience": "admin",
        "sess": "0f3c2a1e-5b6d-4c7e-8f90-a1b2c3d4e5f6",
        "exp": EXP,
        "type": "user",
        "userId": "c0f28e28-5142-43b5-9b2d-1146d8e055d6",
        "iat": IAT,
        "isRepresentative": false,
        "iss": "token-emitter",
        "jti": "ddcedfa0-bdcb-4127-8894-6b7283d32d0c",
    })
}

fn claims_with(change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut c = vtex_claims();
    change(c.as_object_mut().unwrap());
    c.to_string()
}

fn claims() -> String {
    vtex_claims().to_string()
}

fn expected() -> Expected {
    Expected {
        audience: Audience::Admin,
        account: "ponte".into(),
        now: NOW,
        leeway_seconds: LEEWAY,
    }
}

fn outcome(r: &Result<ValidToken, SsoError>) -> &'static str {
    match r {
        Ok(v) if v.signature_verified => "OK",
        Ok(_) => "OK_UNVERIFIED",
        Err(e) => e.code(),
    }
}

/// Validates `token` with the test key set and the default expectations.
#[track_caller]
fn check(token: &str, expected_code: &str) {
    check_with(token, &expected(), Some(keys()), expected_code);
}

#[track_caller]
fn check_with(token: &str, exp: &Expected, keys: Option<&KeySet>, expected_code: &str) {
    let r = validate(token, exp, keys);
    assert_eq!(outcome(&r), expected_code, "{r:?}");
    if let Err(e) = &r {
        let msg = e.to_string();
        assert!(SsoError::CODES.contains(&e.code()));
        // Never the token, nor any of its parts.
        if token.len() > 8 {
            for part in token.split('.').filter(|p| p.len() > 8) {
                assert!(!msg.contains(part), "message quotes the token: {msg}");
            }
        }
        assert!(
            msg.chars().next().is_some_and(|c| !c.is_uppercase()),
            "message not lowercase: {msg}"
        );
    }
}

#[test]
fn accepts_valid_tokens_of_each_algorithm() {
    check(&token(ES, &claims(), Signer::Es256), "OK");
    check(
        &token(&header("RS256", "rsa1"), &claims(), Signer::Rs256),
        "OK",
    );
    check(
        &token(&header("EdDSA", "ed1"), &claims(), Signer::EdDsa),
        "OK",
    );
    // Without keys: checked, not verified.
    check_with(
        &token(ES, &claims(), Signer::Es256),
        &expected(),
        None,
        "OK_UNVERIFIED",
    );
    // `typ` may be absent or any case of JWT.
    check(
        &token(r#"{"alg":"ES256","kid":"ec1"}"#, &claims(), Signer::Es256),
        "OK",
    );
    check(
        &token(
            r#"{"alg":"ES256","kid":"ec1","typ":"JWT"}"#,
            &claims(),
            Signer::Es256,
        ),
        "OK",
    );
    // App-key tokens have no `sess`, `type` or `isRepresentative`.
    let app_key = claims_with(|c| {
        c.remove("sess");
        c.remove("type");
        c.remove("isRepresentative");
        c.insert("sub".into(), json!("vtexappkey-ponte-ABCDEF"));
    });
    check(&token(ES, &app_key, Signer::Es256), "OK");
}

#[test]
fn valid_token_contents() {
    let t = token(ES, &claims(), Signer::Es256);
    let v = validate(&t, &expected(), Some(keys())).unwrap();
    assert_eq!(v.algorithm, Algorithm::ES256);
    assert_eq!(v.header.kid.as_deref(), Some("ec1"));
    assert_eq!(
        v.claims.user_id.as_deref(),
        Some("c0f28e28-5142-43b5-9b2d-1146d8e055d6")
    );
    assert_eq!(v.claims.token_type.as_deref(), Some("user"));
    assert_eq!(v.claims.is_representative, Some(false));
    assert_eq!(v.cache_ttl_max(NOW), (EXP - NOW) as u64);
    assert_eq!(v.cache_ttl_max(EXP + 5), 0);
    assert_eq!(v.cache_ttl_max(i64::MIN), u64::try_from(i64::MAX).unwrap());
    // camelCase on the wire.
    let wire = serde_json::to_value(&v).unwrap();
    assert_eq!(wire["signatureVerified"], json!(true));
    assert_eq!(wire["claims"]["userId"], v.claims.user_id.clone().unwrap());
    assert_eq!(wire["claims"]["type"], json!("user"));
    assert_eq!(wire["claims"]["isRepresentative"], json!(false));
    let back: ValidToken = serde_json::from_value(wire).unwrap();
    assert_eq!(back, v);
    let exp_wire = serde_json::to_value(expected()).unwrap();
    assert_eq!(
        exp_wire,
        json!({"audience": "admin", "account": "ponte", "now": NOW, "leewaySeconds": LEEWAY})
    );
}

#[test]
fn cache_key_ignores_signature_spelling_but_binds_claims() {
    let low = token(ES, &claims(), Signer::Es256);
    let high = token(ES, &claims(), Signer::Es256HighS);
    let key = |t: &str| validate(t, &expected(), None).unwrap().cache_key;
    assert_ne!(low, high);
    assert_eq!(key(&low), key(&high));
    assert!(key(&low).starts_with("sso2:") && key(&low).len() == 5 + 64);
    // The same claims with another signature (unverifiable without keys) are another key:
    // knowing a confirmed token's claims is not enough to reuse its confirmation.
    let forged = token_sig(ES, &claims(), &[7u8; 64]);
    assert_ne!(key(&forged), key(&low));
    assert!(!key(&low).contains("ddcedfa0"));
    // Same jti and sess, different account: not the same confirmation.
    let other = claims_with(|c| {
        c.insert("account".into(), json!("other"));
    });
    let other_exp = Expected {
        account: "other".into(),
        ..expected()
    };
    let other_key = validate(&token(ES, &other, Signer::Es256), &other_exp, None)
        .unwrap()
        .cache_key;
    assert_ne!(key(&low), other_key);
    // An absent sess is not an empty one.
    let no_sess = claims_with(|c| {
        c.remove("sess");
    });
    let empty_sess = claims_with(|c| {
        c.insert("sess".into(), json!(""));
    });
    assert_ne!(
        key(&token(ES, &no_sess, Signer::Es256)),
        key(&token(ES, &empty_sess, Signer::Es256))
    );
}

#[test]
fn refuses_algorithms_off_the_list() {
    let sig64 = [1u8; 64];
    // `none` with an empty signature fails on structure (an empty part) before the allow-list.
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none"}"#),
        b64(claims().as_bytes())
    );
    check(&none, "TOKEN_MALFORMED");
    check(
        &token_sig(r#"{"alg":"none"}"#, &claims(), &sig64),
        "TOKEN_ALG_UNSUPPORTED",
    );
    check(
        &token_sig(r#"{"alg":"None"}"#, &claims(), &sig64),
        "TOKEN_ALG_UNSUPPORTED",
    );
    for alg in [
        "HS256", "HS512", "ES384", "ES512", "RS384", "PS256", "es256", "ES256 ", "ed25519", "",
    ] {
        check(
            &token_sig(&header(alg, "ec1"), &claims(), &sig64),
            "TOKEN_ALG_UNSUPPORTED",
        );
    }
    // No `alg` at all, or not a string.
    check(
        &token_sig(r#"{"kid":"ec1"}"#, &claims(), &sig64),
        "TOKEN_MALFORMED",
    );
    check(
        &token_sig(r#"{"alg":256}"#, &claims(), &sig64),
        "TOKEN_MALFORMED",
    );
    // Refused before the claims are read: garbage claims do not change the answer.
    check(
        &token_sig(r#"{"alg":"none"}"#, "not json", &sig64),
        "TOKEN_ALG_UNSUPPORTED",
    );
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&sha2::Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = sha2::Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    sha2::Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    // The classic confusion: HMAC keyed with bytes of the public key, in each form an
    // attacker might guess.
    for (hdr, key) in [
        (
            header("HS256", "ec1"),
            ec_jwk("ec1").to_string().into_bytes(),
        ),
        (
            header("HS256", "rsa1"),
            rsa_jwk("rsa1").to_string().into_bytes(),
        ),
        (header("HS256", "rsa1"), unb64(RSA_N)),
        (header("HS256", "ed1"), unb64(ED_X)),
    ] {
        let input = format!("{}.{}", b64(hdr.as_bytes()), b64(claims().as_bytes()));
        let t = format!("{input}.{}", b64(&hmac_sha256(&key, input.as_bytes())));
        check(&t, "TOKEN_ALG_UNSUPPORTED");
        check_with(&t, &expected(), None, "TOKEN_ALG_UNSUPPORTED");
    }
}

#[test]
fn kid_is_an_opaque_exact_string() {
    for kid in [
        "../../x",
        "../ec1",
        "ec1/../ec1",
        "./ec1",
        "ec1\u{0}",
        "ec1\n",
        " ec1",
        "ec1 ",
        "EC1",
        "ec1%00",
        "file:///etc/passwd",
        "https://evil.example/jwks.json",
        "ec1' OR '1'='1",
        "\u{202e}1ce",
        "",
    ] {
        check(
            &token(&header("ES256", kid), &claims(), Signer::Es256),
            "TOKEN_KEY_UNKNOWN",
        );
    }
    // No kid against a key set.
    check(
        &token(r#"{"alg":"ES256"}"#, &claims(), Signer::Es256),
        "TOKEN_KEY_UNKNOWN",
    );
    // A kid that is not a string is a malformed header.
    check(
        &token(r#"{"alg":"ES256","kid":1}"#, &claims(), Signer::Es256),
        "TOKEN_MALFORMED",
    );
    // An embedded `jwk` or `jku` is never used to find a key.
    let attacker_jwk = format!(
        r#"{{"alg":"ES256","kid":"mine","jwk":{},"jku":"https://evil.example/k"}}"#,
        ec_jwk("mine")
    );
    check(
        &token(&attacker_jwk, &claims(), Signer::Es256),
        "TOKEN_KEY_UNKNOWN",
    );
    // An empty key set knows no key.
    let empty = KeySet::from_jwks_json(r#"{"keys":[]}"#).unwrap();
    check_with(
        &token(ES, &claims(), Signer::Es256),
        &expected(),
        Some(&empty),
        "TOKEN_KEY_UNKNOWN",
    );
}

#[test]
fn size_and_structure() {
    let valid = token(ES, &claims(), Signer::Es256);
    let [h, p, s] = valid.split('.').collect::<Vec<_>>()[..] else {
        panic!()
    };
    check(&"a".repeat(1 << 20), "TOKEN_TOO_LARGE");
    check(
        &format!("{valid}{}", "A".repeat(MAX_TOKEN_LEN)),
        "TOKEN_TOO_LARGE",
    );
    check(&".".repeat(1 << 20), "TOKEN_TOO_LARGE");
    // Grown with an ignored claim: the largest token within the limit is accepted, the next
    // one refused.
    let pad = |n: usize| {
        claims_with(|c| {
            c.insert("pad".into(), json!("x".repeat(n)));
        })
    };
    // Lengths do not depend on the signature's value: search with a dummy, sign once.
    let len = |n: usize| token_sig(ES, &pad(n), &[0; 64]).len();
    let mut n = MAX_TOKEN_LEN / 2;
    while len(n + 1) <= MAX_TOKEN_LEN {
        n += 1;
    }
    let padded = |n: usize| token(ES, &pad(n), Signer::Es256);
    assert!(padded(n).len() > MAX_TOKEN_LEN - 4);
    check(&padded(n), "OK");
    check(&padded(n + 1), "TOKEN_TOO_LARGE");

    for (i, t) in [
        String::new(),
        ".".into(),
        "..".into(),
        "...".into(),
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}.{p}.{s}."),
        format!("{h}.{p}.{s}.x.y"),
        format!("{h}{p}{s}"),
        format!(".{p}.{s}"),
        format!("{h}..{s}"),
        format!("{h}.{p}."),
        format!(" {valid}"),
        format!("{valid}\n"),
        format!("{h}.{p}.{s}="),
        format!("{h}=.{p}.{s}"),
        format!("{h}.{p}=.{s}"),
        format!("{h}.{}+{}.{s}", &p[..4], &p[4..]),
        format!("{h}.{}/{}.{s}", &p[..4], &p[4..]),
        format!("{h}.{p}.{}", &s[..s.len() - 1]), // impossible base64url length (85 chars)
        format!("{h}!.{p}.{s}"),
        format!("{h}.{p}.{s}\u{0}"),
        format!("{h}.{p}.é{s}"),
        format!(
            "{}.{p}.{s}",
            base64::engine::general_purpose::STANDARD.encode(r#"{"alg":"ES256","kid":"ec1" }"#)
        ),
        // Header that is not JSON, JSON but not an object, or not UTF-8.
        format!("{}.{p}.{s}", b64(b"alg=ES256")),
        format!("{}.{p}.{s}", b64(br#"["ES256"]"#)),
        format!("{}.{p}.{s}", b64(b"\xff\xfe")),
        format!("{}.{p}.{s}", b64(b"")),
    ]
    .iter()
    .enumerate()
    {
        let r = validate(t, &expected(), Some(keys()));
        assert_eq!(outcome(&r), "TOKEN_MALFORMED", "case {i}: {r:?}");
    }
}

#[test]
fn non_canonical_base64_trailing_bits() {
    // "eyJ9" style: a 2-byte tail encodes 16 bits in 3 characters, leaving 2 spare bits.
    let claims_b64 = b64(claims().as_bytes());
    assert_eq!(claims_b64.len() % 4, 3, "fixture must leave spare bits");
    let last = claims_b64.chars().last().unwrap();
    let idx = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        .find(last)
        .unwrap();
    assert_eq!(idx & 0b11, 0);
    let bumped = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        .chars()
        .nth(idx | 1)
        .unwrap();
    let mut tweaked = claims_b64.clone();
    tweaked.pop();
    tweaked.push(bumped);
    // Same bytes with a lax decoder, so a lax verifier would accept a second spelling.
    let t = format!("{}.{tweaked}.{}", b64(ES.as_bytes()), b64(&[1u8; 64]));
    check_with(&t, &expected(), None, "TOKEN_MALFORMED");
}

#[test]
fn duplicate_keys_are_refused() {
    let sig = Signer::Es256;
    // Claims: the reader that keeps the first `account` and the one that keeps the last
    // would disagree.
    let dup_claims = claims().replacen(
        r#""account":"ponte""#,
        r#""account":"ponte","account":"evil""#,
        1,
    );
    assert!(dup_claims.contains("evil"));
    check(&token(ES, &dup_claims, sig), "TOKEN_CLAIMS_INVALID");
    let dup_exp = claims().replacen(r#""exp":"#, r#""exp":9999999999,"exp":"#, 1);
    check(&token(ES, &dup_exp, sig), "TOKEN_CLAIMS_INVALID");
    // Even inside an ignored claim.
    let nested = claims_with(|c| {
        c.insert("extra".into(), json!({}));
    })
    .replacen(r#""extra":{}"#, r#""extra":{"a":1,"a":2}"#, 1);
    check(&token(ES, &nested, sig), "TOKEN_CLAIMS_INVALID");
    // Header.
    check(
        &token(
            r#"{"alg":"ES256","alg":"none","kid":"ec1"}"#,
            &claims(),
            sig,
        ),
        "TOKEN_MALFORMED",
    );
    check(
        &token(
            r#"{"alg":"ES256","kid":"ec1","kid":"rsa1"}"#,
            &claims(),
            sig,
        ),
        "TOKEN_MALFORMED",
    );
    check(
        &token(
            r#"{"alg":"ES256","kid":"ec1","x":[{"y":1,"y":1}]}"#,
            &claims(),
            sig,
        ),
        "TOKEN_MALFORMED",
    );
    // JSON escapes spell the same key.
    check(
        &token(
            r#"{"alg":"ES256","\u0061lg":"none","kid":"ec1"}"#,
            &claims(),
            sig,
        ),
        "TOKEN_MALFORMED",
    );
}

#[test]
fn header_policy() {
    let sig = Signer::Es256;
    check(
        &token(
            r#"{"alg":"ES256","kid":"ec1","crit":["exp"]}"#,
            &claims(),
            sig,
        ),
        "TOKEN_MALFORMED",
    );
    check(
        &token(r#"{"alg":"ES256","kid":"ec1","crit":[]}"#, &claims(), sig),
        "TOKEN_MALFORMED",
    );
    check(
        &token(
            r#"{"alg":"ES256","kid":"ec1","typ":"at+jwt"}"#,
            &claims(),
            sig,
        ),
        "TOKEN_MALFORMED",
    );
    check(
        &token(r#"{"alg":"ES256","kid":"ec1","typ":7}"#, &claims(), sig),
        "TOKEN_MALFORMED",
    );
}

#[test]
fn claim_types() {
    let sig = Signer::Es256;
    let bad = |change: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut c = vtex_claims();
        change(c.as_object_mut().unwrap());
        token(ES, &c.to_string(), sig)
    };
    for (claim, value) in [
        ("exp", json!(EXP.to_string())),
        ("exp", json!(EXP as f64 + 0.5)),
        ("exp", json!(1.7e9)),
        ("exp", json!(-1)),
        ("exp", json!(u64::MAX)),
        ("exp", json!(null)),
        ("iat", json!(IAT.to_string())),
        ("iat", json!(true)),
        ("nbf", json!("0")),
        ("sub", json!(1)),
        ("sub", json!("")),
        ("account", json!(["ponte"])),
        ("audience", json!(null)),
        ("iss", json!({"name": "token-emitter"})),
        ("jti", json!(42)),
        ("sess", json!(1)),
        ("userId", json!(false)),
        ("type", json!(1)),
        ("isRepresentative", json!("false")),
    ] {
        let t = bad(&|c| {
            c.insert(claim.into(), value.clone());
        });
        check(&t, "TOKEN_CLAIMS_INVALID");
    }
    for missing in ["sub", "account", "audience", "exp", "iat", "iss", "jti"] {
        check(
            &bad(&|c| {
                c.remove(missing);
            }),
            "TOKEN_CLAIMS_INVALID",
        );
    }
    // `aud` is not VTEX's `audience`.
    check(
        &bad(&|c| {
            c.remove("audience");
            c.insert("aud".into(), json!("admin"));
        }),
        "TOKEN_CLAIMS_INVALID",
    );
    // Payload not an object / not JSON.
    check(&token(ES, "[1]", sig), "TOKEN_CLAIMS_INVALID");
    check(&token(ES, "\"x\"", sig), "TOKEN_CLAIMS_INVALID");
    check(&token(ES, "{", sig), "TOKEN_CLAIMS_INVALID");
    check(&token(ES, &format!("{} ", claims()), sig), "OK");
    check(
        &token(ES, &format!("{} x", claims()), sig),
        "TOKEN_CLAIMS_INVALID",
    );
    // Deep nesting stops at serde_json's recursion limit, as an error.
    let deep = claims_with(|c| {
        c.insert("x".into(), json!(0));
    })
    .replacen(
        r#""x":0"#,
        &format!(r#""x":{}0{}"#, "[".repeat(500), "]".repeat(500)),
        1,
    );
    check(&token(ES, &deep, sig), "TOKEN_CLAIMS_INVALID");
    // idletimeout is informational: kept when an integer, dropped otherwise.
    let idle = |v: Value| {
        let t = bad(&|c| {
            c.insert("idletimeout".into(), v.clone());
        });
        validate(&t, &expected(), Some(keys()))
            .unwrap()
            .claims
            .idletimeout
    };
    assert_eq!(idle(json!(3600)), Some(3600));
    assert_eq!(idle(json!("3600")), Some(3600));
    assert_eq!(idle(json!({"s": 1})), None);
}

#[test]
fn issuer_audience_account() {
    let sig = Signer::Es256;
    let with = |k: &str, v: Value| {
        token(
            ES,
            &claims_with(|c| {
                c.insert(k.into(), v);
            }),
            sig,
        )
    };
    check(&with("iss", json!("token-emitter ")), "TOKEN_ISSUER_WRONG");
    check(
        &with("iss", json!("https://accounts.google.com")),
        "TOKEN_ISSUER_WRONG",
    );
    check(&with("audience", json!("webstore")), "TOKEN_AUDIENCE_WRONG");
    check(&with("audience", json!("Admin")), "TOKEN_AUDIENCE_WRONG");
    check(
        &with("audience", json!("admin,webstore")),
        "TOKEN_AUDIENCE_WRONG",
    );
    check(&with("account", json!("Ponte")), "TOKEN_ACCOUNT_WRONG");
    check(&with("account", json!("ponte ")), "TOKEN_ACCOUNT_WRONG");
    check(&with("account", json!("pontex")), "TOKEN_ACCOUNT_WRONG");
    check(
        &with("account", json!("__vtex_admin")),
        "TOKEN_ACCOUNT_WRONG",
    );
    // A webstore token is right where a webstore token is expected.
    let store = Expected {
        audience: Audience::Webstore,
        ..expected()
    };
    check_with(
        &with("audience", json!("webstore")),
        &store,
        Some(keys()),
        "OK",
    );
    check_with(
        &token(ES, &claims(), sig),
        &store,
        Some(keys()),
        "TOKEN_AUDIENCE_WRONG",
    );
    // The message names what was found without echoing odd input raw.
    let e = validate(&with("account", json!("evil\u{1b}[2J")), &expected(), None).unwrap_err();
    assert!(!e.to_string().contains('\u{1b}'), "{e}");
}

#[test]
fn time_boundaries() {
    let t = token(ES, &claims(), Signer::Es256);
    let at = |now: i64| Expected { now, ..expected() };
    let leeway = i64::from(LEEWAY);
    // Expired exactly at exp + leeway; valid one second before.
    check_with(&t, &at(EXP + leeway), Some(keys()), "TOKEN_EXPIRED");
    check_with(&t, &at(EXP + leeway - 1), Some(keys()), "OK");
    check_with(&t, &at(i64::MAX), Some(keys()), "TOKEN_EXPIRED");
    let no_leeway = Expected {
        now: EXP,
        leeway_seconds: 0,
        ..expected()
    };
    check_with(&t, &no_leeway, Some(keys()), "TOKEN_EXPIRED");
    check_with(
        &t,
        &Expected {
            now: EXP - 1,
            ..no_leeway
        },
        Some(keys()),
        "OK",
    );
    // iat in the future: fine within the leeway, refused one second beyond.
    check_with(&t, &at(IAT - leeway), Some(keys()), "OK");
    check_with(
        &t,
        &at(IAT - leeway - 1),
        Some(keys()),
        "TOKEN_NOT_YET_VALID",
    );
    check_with(&t, &at(i64::MIN), Some(keys()), "TOKEN_NOT_YET_VALID");
    let far_iat = claims_with(|c| {
        c.insert("iat".into(), json!(NOW + leeway + 1));
    });
    check(&token(ES, &far_iat, Signer::Es256), "TOKEN_NOT_YET_VALID");
    let near_iat = claims_with(|c| {
        c.insert("iat".into(), json!(NOW + leeway));
    });
    check(&token(ES, &near_iat, Signer::Es256), "OK");
    // VTEX sends no nbf; one that is present is honoured.
    let nbf = |v: i64| {
        token(
            ES,
            &claims_with(|c| {
                c.insert("nbf".into(), json!(v));
            }),
            Signer::Es256,
        )
    };
    check(&nbf(NOW + leeway), "OK");
    check(&nbf(NOW + leeway + 1), "TOKEN_NOT_YET_VALID");
    // Extreme claim times are refused as claims, not overflowed.
    let exp_max = claims_with(|c| {
        c.insert("exp".into(), json!(i64::MAX));
    });
    check(&token(ES, &exp_max, Signer::Es256), "TOKEN_CLAIMS_INVALID");
    let exp_9999 = claims_with(|c| {
        c.insert("exp".into(), json!(253_402_300_799_i64));
    });
    check_with(
        &token(ES, &exp_9999, Signer::Es256),
        &at(i64::MAX - 1),
        Some(keys()),
        "TOKEN_EXPIRED",
    );
    // Order: audience and account before time.
    let expired_elsewhere = claims_with(|c| {
        c.insert("account".into(), json!("other"));
    });
    check_with(
        &token(ES, &expired_elsewhere, Signer::Es256),
        &at(EXP + 10_000),
        Some(keys()),
        "TOKEN_ACCOUNT_WRONG",
    );
}

#[test]
fn signatures() {
    let es = token(ES, &claims(), Signer::Es256);
    // s -> n - s: the same signature, malleated. Refused when verifying...
    let high = token(ES, &claims(), Signer::Es256HighS);
    check(&high, "TOKEN_SIGNATURE_NOT_CANONICAL");
    // ...but not on the keyless path: VTEX ID itself does not normalise s.
    check_with(&high, &expected(), None, "OK_UNVERIFIED");
    // Another key of the right type.
    check(
        &token(ES, &claims(), Signer::Es256OtherKey),
        "TOKEN_SIGNATURE_INVALID",
    );
    // Wrong key type for the algorithm, in every direction.
    check(
        &token(&header("ES256", "rsa1"), &claims(), Signer::Es256),
        "TOKEN_KEY_TYPE_MISMATCH",
    );
    check(
        &token(&header("ES256", "ed1"), &claims(), Signer::Es256),
        "TOKEN_KEY_TYPE_MISMATCH",
    );
    check(
        &token(&header("RS256", "ec1"), &claims(), Signer::Rs256),
        "TOKEN_KEY_TYPE_MISMATCH",
    );
    check(
        &token(&header("EdDSA", "ec1"), &claims(), Signer::EdDsa),
        "TOKEN_KEY_TYPE_MISMATCH",
    );
    check(
        &token(&header("EdDSA", "rsa1"), &claims(), Signer::EdDsa),
        "TOKEN_KEY_TYPE_MISMATCH",
    );
    // A signature of one algorithm relabelled as another.
    check(
        &token(&header("EdDSA", "ed1"), &claims(), Signer::Es256),
        "TOKEN_SIGNATURE_INVALID",
    );
    // (This Ed25519 signature's second half happens to read as a high s.)
    check(
        &token(&header("ES256", "ec1"), &claims(), Signer::EdDsa),
        "TOKEN_SIGNATURE_NOT_CANONICAL",
    );
    // Truncated and extended signatures.
    let (input, s) = es.rsplit_once('.').unwrap();
    let sig = unb64(s);
    check(
        &format!("{input}.{}", b64(&sig[..63])),
        "TOKEN_SIGNATURE_INVALID",
    );
    check(
        &format!("{input}.{}", b64(&sig[..32])),
        "TOKEN_SIGNATURE_INVALID",
    );
    check_with(
        &format!("{input}.{}", b64(&sig[..63])),
        &expected(),
        None,
        "TOKEN_SIGNATURE_INVALID",
    );
    check(
        &format!("{input}.{}", b64(&[sig.as_slice(), &[0]].concat())),
        "TOKEN_SIGNATURE_INVALID",
    );
    let rs = token(&header("RS256", "rsa1"), &claims(), Signer::Rs256);
    let (rs_input, rs_s) = rs.rsplit_once('.').unwrap();
    let rs_sig = unb64(rs_s);
    assert_eq!(rs_sig.len(), 256);
    check(
        &format!("{rs_input}.{}", b64(&rs_sig[..255])),
        "TOKEN_SIGNATURE_INVALID",
    );
    check(
        &format!("{rs_input}.{}", b64(&rs_sig[..100])),
        "TOKEN_SIGNATURE_INVALID",
    );
    check(
        &format!("{rs_input}.{}", b64(&[0u8; 256])),
        "TOKEN_SIGNATURE_INVALID",
    );
    check(
        &format!("{rs_input}.{}", b64(&[0xffu8; 256])),
        "TOKEN_SIGNATURE_INVALID",
    );
    let ed = token(&header("EdDSA", "ed1"), &claims(), Signer::EdDsa);
    let (ed_input, ed_s) = ed.rsplit_once('.').unwrap();
    check(
        &format!("{ed_input}.{}", b64(&unb64(ed_s)[..63])),
        "TOKEN_SIGNATURE_INVALID",
    );
    // r = 0, s = 0, r = n: never valid ES256.
    let zero = [0u8; 64];
    check(
        &format!("{input}.{}", b64(&zero)),
        "TOKEN_SIGNATURE_INVALID",
    );
    let r_is_n = [P256_N.as_slice(), &sig[32..]].concat();
    check(
        &format!("{input}.{}", b64(&r_is_n)),
        "TOKEN_SIGNATURE_INVALID",
    );
    // A valid signature moved onto other claims.
    let other = token(
        ES,
        &claims_with(|c| {
            c.insert("sub".into(), json!("eve@example.com"));
        }),
        Signer::Es256,
    );
    let (other_input, _) = other.rsplit_once('.').unwrap();
    check(&format!("{other_input}.{s}"), "TOKEN_SIGNATURE_INVALID");
    // Header changed after signing (kid only).
    let swapped = token(ES, &claims(), Signer::Es256);
    let (_, rest) = swapped.split_once('.').unwrap();
    let relabelled = format!(
        "{}.{rest}",
        b64(br#"{"alg":"ES256","kid":"ec1","typ":"JWT"}"#)
    );
    check(&relabelled, "TOKEN_SIGNATURE_INVALID");
}

#[test]
fn no_single_character_mutation_verifies() {
    let alphabet = [
        'A', 'B', 'a', 'z', '0', '9', '-', '_', '.', '=', '+', '/', ' ', '\0', 'é',
    ];
    for t in [
        token(ES, &claims(), Signer::Es256),
        token(&header("RS256", "rsa1"), &claims(), Signer::Rs256),
        token(&header("EdDSA", "ed1"), &claims(), Signer::EdDsa),
    ] {
        let chars: Vec<char> = t.chars().collect();
        for i in (0..chars.len()).step_by(3) {
            for &c in &alphabet {
                if chars[i] == c {
                    continue;
                }
                let mut m = chars.clone();
                m[i] = c;
                let m: String = m.into_iter().collect();
                let r = validate(&m, &expected(), Some(keys()));
                assert!(r.is_err(), "mutation at {i} to {c:?} verified");
            }
            let mut m = chars.clone();
            m.remove(i);
            let m: String = m.into_iter().collect();
            assert!(validate(&m, &expected(), Some(keys())).is_err());
        }
    }
}

// Known-answer tests from the RFCs, through the same verification code.

#[test]
fn rfc7515_a2_rs256() {
    let t = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
    let (input, sig) = t.rsplit_once('.').unwrap();
    // Deterministic: our signer reproduces the RFC's signature byte for byte.
    assert_eq!(b64(&sign(Signer::Rs256, input.as_bytes())), sig);
    let jwk = rsa_jwk("a2").to_string();
    keys::verify_with_jwk(&jwk, input.as_bytes(), &unb64(sig)).unwrap();
    let mut bad = unb64(sig);
    bad[10] ^= 1;
    assert_eq!(
        keys::verify_with_jwk(&jwk, input.as_bytes(), &bad)
            .unwrap_err()
            .code(),
        "TOKEN_SIGNATURE_INVALID"
    );
    // The payload is not VTEX claims: `validate` gets as far as the claims.
    check(t, "TOKEN_CLAIMS_INVALID");
}

#[test]
fn rfc7515_a3_es256_has_a_high_s() {
    let input = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    let sig = unb64(
        "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
    );
    let jwk = ec_jwk("a3").to_string();
    // The RFC's example signature is valid but has s > n/2, so it is refused as
    // non-canonical; its low-s twin verifies.
    assert_eq!(
        keys::verify_with_jwk(&jwk, input.as_bytes(), &sig)
            .unwrap_err()
            .code(),
        "TOKEN_SIGNATURE_NOT_CANONICAL"
    );
    keys::verify_with_jwk(&jwk, input.as_bytes(), &flip_s(&sig)).unwrap();
}

#[test]
fn rfc8037_a4_ed25519() {
    let input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    let sig =
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    assert_eq!(b64(&sign(Signer::EdDsa, input.as_bytes())), sig);
    let jwk = ed_jwk("a4").to_string();
    keys::verify_with_jwk(&jwk, input.as_bytes(), &unb64(sig)).unwrap();
    assert!(keys::verify_with_jwk(&jwk, b"other", &unb64(sig)).is_err());
}

// Key sets.

#[track_caller]
fn check_jwks(doc: &str, expected: Result<(usize, usize), &str>) {
    let r = KeySet::from_jwks_json(doc);
    let got = match &r {
        Ok(k) => Ok((k.len(), k.skipped())),
        Err(e) => Err(e.code()),
    };
    assert_eq!(got, expected, "{r:?}");
}

#[test]
fn jwks_parsing() {
    let doc = |keys: Vec<Value>| json!({ "keys": keys }).to_string();
    let with = |mut jwk: Value, k: &str, v: Value| {
        jwk.as_object_mut().unwrap().insert(k.into(), v);
        jwk
    };
    let without = |mut jwk: Value, k: &str| {
        jwk.as_object_mut().unwrap().remove(k);
        jwk
    };
    check_jwks(
        &doc(vec![ec_jwk("a"), rsa_jwk("b"), ed_jwk("c")]),
        Ok((3, 0)),
    );
    check_jwks(r#"{"keys":[]}"#, Ok((0, 0)));
    // Skipped: unsupported types, curves, algorithms and uses.
    check_jwks(
        &doc(vec![
            json!({"kty": "oct", "k": "c2VjcmV0", "kid": "h"}),
            with(ec_jwk("p384"), "crv", json!("P-384")),
            with(ed_jwk("x"), "crv", json!("X25519")),
            with(rsa_jwk("ps"), "alg", json!("PS256")),
            with(rsa_jwk("rs384"), "alg", json!("RS384")),
            with(ec_jwk("enc"), "use", json!("enc")),
            json!({"kty": "EC", "kid": "nocrv", "x": EC_X, "y": EC_Y}),
            json!({"kty": "future"}),
            ec_jwk("kept"),
        ]),
        Ok((1, 8)),
    );
    // Refused.
    for bad in [
        String::new(),
        "null".into(),
        "[]".into(),
        r#"{"keys":{}}"#.into(),
        r#"{"keys":[1]}"#.into(),
        r#"{"keys":[],"keys":[]}"#.into(),
        doc(vec![json!({"kid": "no kty"})]),
        doc(vec![with(ec_jwk("a"), "d", json!(EC_D))]),
        doc(vec![with(rsa_jwk("a"), "p", json!(RSA_P))]),
        doc(vec![with(ed_jwk("a"), "d", json!(ED_D))]),
        doc(vec![ec_jwk("same"), ed_jwk("same")]),
        doc(vec![without(ec_jwk("a"), "kid")]),
        doc(vec![ec_jwk("")]),
        doc(vec![with(ec_jwk("a"), "kid", json!(1))]),
        doc(vec![with(rsa_jwk("a"), "alg", json!("ES256"))]),
        doc(vec![with(ec_jwk("a"), "alg", json!("EdDSA"))]),
        doc(vec![with(ec_jwk("a"), "y", json!(EC_X))]), // not on the curve
        doc(vec![with(ec_jwk("a"), "x", json!(b64(&[0u8; 31])))]),
        doc(vec![with(ec_jwk("a"), "x", json!(format!("{EC_X}=")))]),
        doc(vec![without(ec_jwk("a"), "y")]),
        doc(vec![with(
            rsa_jwk("a"),
            "n",
            json!(b64(&unb64(RSA_N)[..128])),
        )]), // 1024 bits
        doc(vec![with(rsa_jwk("a"), "n", json!(b64(&[0xff; 1025])))]),
        doc(vec![with(rsa_jwk("a"), "n", json!(""))]),
        doc(vec![with(rsa_jwk("a"), "e", json!(""))]),
        doc(vec![with(rsa_jwk("a"), "e", json!("AAAA"))]),
        doc(vec![with(rsa_jwk("a"), "e", json!(b64(&[1; 9])))]),
        doc(vec![with(
            rsa_jwk("a"),
            "n",
            json!(b64(&[[0x80].as_slice(), &[0; 255]].concat())),
        )]), // even
        doc(vec![with(ed_jwk("a"), "x", json!(b64(&[0u8; 32])))]), // small order
        doc(vec![with(ed_jwk("a"), "x", json!(b64(&[1u8; 33])))]),
        doc((0..=MAX_KEYS).map(|i| ec_jwk(&format!("k{i}"))).collect()),
        format!(
            r#"{{"keys":[{{"kty":"EC","kty":"RSA","crv":"P-256","kid":"a","x":"{EC_X}","y":"{EC_Y}"}}]}}"#
        ),
        format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(MAX_JWKS_LEN)),
    ] {
        check_jwks(&bad, Err("JWKS_INVALID"));
    }
    // Leading zero octets on n are tolerated.
    let padded_n = b64(&[[0u8].as_slice(), &unb64(RSA_N)].concat());
    check_jwks(
        &doc(vec![with(rsa_jwk("a"), "n", json!(padded_n))]),
        Ok((1, 0)),
    );
    // Exactly MAX_KEYS is fine.
    check_jwks(
        &doc((0..MAX_KEYS).map(|i| ec_jwk(&format!("k{i}"))).collect()),
        Ok((MAX_KEYS, 0)),
    );
}

#[test]
fn key_set_serde_round_trip() {
    let set = keys();
    let wire = serde_json::to_string(set).unwrap();
    assert!(!wire.contains("\"d\""));
    let back: KeySet = serde_json::from_str(&wire).unwrap();
    assert_eq!(back.kids().collect::<Vec<_>>(), ["ec1", "ed1", "rsa1"]);
    assert_eq!(back.algorithm("rsa1"), Some(Algorithm::RS256));
    assert_eq!(back.algorithm("ec1"), Some(Algorithm::ES256));
    assert_eq!(back.algorithm("ed1"), Some(Algorithm::EdDSA));
    assert_eq!(serde_json::to_string(&back).unwrap(), wire);
    // Deserialising runs the same checks.
    assert!(
        serde_json::from_str::<KeySet>(
            r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"a","x":"AA","y":"AA"}]}"#
        )
        .is_err()
    );
    let t = token(ES, &claims(), Signer::Es256);
    check_with(&t, &expected(), Some(&back), "OK");
}

#[test]
fn inspect_shows_without_judging() {
    let none = token_sig(
        r#"{"alg":"none","typ":"at+jwt"}"#,
        &claims_with(|c| {
            c.insert("account".into(), json!("other"));
            c.insert("exp".into(), json!(1));
        }),
        &[0],
    );
    let (h, c) = inspect(&none).unwrap();
    assert_eq!(
        (h.alg.as_str(), h.typ.as_deref(), c.account.as_str(), c.exp),
        ("none", Some("at+jwt"), "other", 1)
    );
    assert_eq!(
        inspect(&"x".repeat(1 << 20)).unwrap_err().code(),
        "TOKEN_TOO_LARGE"
    );
    let dup = claims().replacen(
        r#""account":"ponte""#,
        r#""account":"ponte","account":"evil""#,
        1,
    );
    assert_eq!(
        inspect(&token(ES, &dup, Signer::Es256)).unwrap_err().code(),
        "TOKEN_CLAIMS_INVALID"
    );
}

#[test]
fn messages_are_lowercase_and_codes_unique() {
    let mut codes: Vec<_> = SsoError::CODES.to_vec();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), SsoError::CODES.len());
    let samples = [
        SsoError::TooLarge { len: 9, max: 8 },
        SsoError::malformed("x"),
        SsoError::AlgorithmUnsupported { alg: "none".into() },
        SsoError::claims("x"),
        SsoError::IssuerWrong {
            found: "x".into(),
            expected: ISSUER,
        },
        SsoError::AudienceWrong {
            found: "x".into(),
            expected: Audience::Admin,
        },
        SsoError::AccountWrong {
            found: "x".into(),
            expected: "y".into(),
        },
        SsoError::Expired {
            exp: 1,
            now: 2,
            leeway_seconds: 0,
        },
        SsoError::NotYetValid {
            claim: "iat",
            at: 3,
            now: 2,
            leeway_seconds: 0,
        },
        SsoError::KeyUnknown { kid: None },
        SsoError::KeyTypeMismatch {
            kid: "k".into(),
            alg: Algorithm::ES256,
            key_alg: Algorithm::RS256,
        },
        SsoError::SignatureInvalid { reason: "x" },
        SsoError::SignatureNotCanonical,
        SsoError::jwks("x"),
    ];
    let sample_codes: BTreeSet<_> = samples.iter().map(SsoError::code).collect();
    assert_eq!(sample_codes, SsoError::CODES.into_iter().collect());
    for e in samples {
        let m = e.to_string();
        assert!(m.starts_with(|c: char| c.is_lowercase()), "{m}");
    }
    // Long or odd strings from the token are shortened and escaped.
    let e = SsoError::KeyUnknown {
        kid: Some(format!("{}\u{0}\n", "k".repeat(500))),
    };
    let m = e.to_string();
    assert!(
        m.len() < 150 && !m.contains('\n') && !m.contains('\0'),
        "{m}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_input(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = validate(&s, &expected(), Some(keys()));
        let _ = validate(&s, &expected(), None);
        let _ = inspect(&s);
        let _ = KeySet::from_jwks_json(&s);
    }

    #[test]
    fn never_panics_on_token_shaped_input(
        h in proptest::collection::vec(any::<u8>(), 0..80),
        p in proptest::collection::vec(any::<u8>(), 0..200),
        s in proptest::collection::vec(any::<u8>(), 0..300),
        now in any::<i64>(),
        leeway in any::<u32>(),
    ) {
        let t = format!("{}.{}.{}", b64(&h), b64(&p), b64(&s));
        let e = Expected { now, leeway_seconds: leeway, ..expected() };
        prop_assert!(validate(&t, &e, Some(keys())).is_err());
        let _ = validate(&t, &e, None);
    }

    #[test]
    fn valid_claims_any_clock(now in any::<i64>(), leeway in any::<u32>()) {
        // Whatever the clock, validation answers (no overflow) and agrees with the rule.
        static T: OnceLock<String> = OnceLock::new();
        let t = T.get_or_init(|| token(ES, &claims(), Signer::Es256));
        let e = Expected { now, leeway_seconds: leeway, ..expected() };
        let r = validate(t, &e, Some(keys()));
        let l = i128::from(leeway);
        let want = if i128::from(now) >= i128::from(EXP) + l {
            "TOKEN_EXPIRED"
        } else if i128::from(IAT) > i128::from(now) + l {
            "TOKEN_NOT_YET_VALID"
        } else {
            "OK"
        };
        prop_assert_eq!(outcome(&r), want);
    }

    #[test]
    fn json_shaped_claims_never_panic(c in proptest::collection::btree_map(
        prop_oneof![Just("exp".to_owned()), Just("iat".to_owned()), Just("sub".to_owned()), Just("account".to_owned()), Just("audience".to_owned()), Just("nbf".to_owned()), "[a-z]{1,4}"],
        prop_oneof![any::<i64>().prop_map(Value::from), any::<f64>().prop_map(|f| json!(f)), ".{0,8}".prop_map(Value::from), any::<bool>().prop_map(Value::from), Just(Value::Null)],
        0..10,
    )) {
        let claims = serde_json::to_string(&c).unwrap();
        let t = token(ES, &claims, Signer::Es256);
        let _ = validate(&t, &expected(), Some(keys()));
        let _ = inspect(&t);
    }
}
