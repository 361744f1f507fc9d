//! Encodings, structure, duplicate members and claim types.

use super::*;

pub(super) fn encodings(c: &mut Corpus) {
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

pub(super) fn structure(c: &mut Corpus) {
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
        es_raw(&claims_with_raw(
            "x",
            &format!("{}{}", "[".repeat(2500), "]".repeat(2500)),
        )),
        CLAIMS,
    );
    c.both(
        "structure/payload-trailing-garbage",
        es_raw(&format!("{}{{}}", vtex_claims().text())),
        CLAIMS,
    );
}

pub(super) fn duplicates(c: &mut Corpus) {
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
        es_raw(
            &vtex_claims()
                .text()
                .replacen('{', r#"{"\u0061ccount":"other","#, 1),
        ),
        CLAIMS,
    );
    c.keys(
        "duplicate/key-deep-inside-an-unknown-claim",
        es_raw(&claims_with_raw("x", r#"{"a":1,"a":2}"#)),
        CLAIMS,
    );
}

pub(super) fn claim_types(c: &mut Corpus) {
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
    let raw_claims = [
        ("exp-1e400", "exp", "1e400"),
        ("exp-with-exponent", "exp", "1.7000864e9"),
        ("lone-surrogate-escape", "sub", r#""\ud800""#),
    ];
    for (name, key, raw) in raw_claims {
        c.both(
            &format!("claims/{name}"),
            es_raw(&claims_with_raw(key, raw)),
            CLAIMS,
        );
    }
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
