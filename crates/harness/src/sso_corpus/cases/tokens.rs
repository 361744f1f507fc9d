//! Valid tokens, algorithms, key ids and sizes.

use super::*;

pub(super) fn valid(c: &mut Corpus) {
    for signer in Signer::GENUINE {
        let name = format!("valid/{}", signer.alg().to_ascii_lowercase());
        c.both(&name, standard(signer), OK);
    }
    c.keys(
        "valid/app-key-token-without-sess",
        es(&vtex_claims()
            .set("sub", json!("vtexappkey-ponte-ABCDEF"))
            .without("sess")
            .without("userId")
            .without("type")
            .without("isRepresentative")),
        OK,
    );
    c.keys(
        "valid/sess-and-user-id-null",
        es(&vtex_claims()
            .set("sess", Value::Null)
            .set("userId", Value::Null)),
        OK,
    );
    c.keys(
        "valid/idletimeout-integer",
        es(&vtex_claims().set("idletimeout", json!(3600))),
        OK,
    );
    c.keys(
        "valid/idletimeout-garbage-is-dropped-not-refused",
        es(&vtex_claims().set("idletimeout", json!({"x": [1, "y"]}))),
        OK,
    );
    c.keys(
        "valid/unknown-claims-ignored",
        es(&vtex_claims()
            .set("aud", json!(["someone-else"]))
            .set("nested", json!({"a": [1, 2, {"b": null}]}))),
        OK,
    );
    c.keys(
        "valid/nbf-in-the-past",
        es(&vtex_claims().set("nbf", json!(IAT))),
        OK,
    );
    c.keys("valid/typ-absent", es_h(&es_header().without("typ")), OK);
    c.keys(
        "valid/typ-uppercase-JWT",
        es_h(&es_header().set("typ", json!("JWT"))),
        OK,
    );
    c.keys(
        "valid/alg-written-with-json-escape",
        signed(
            r#"{"alg":"\u0045S256","kid":"ec1","typ":"jwt"}"#,
            &vtex_claims().text(),
            Signer::Es256,
        ),
        OK,
    );
    c.keys(
        "valid/account-written-with-json-escape",
        es_raw(
            &vtex_claims()
                .text()
                .replace(r#""account":"ponte""#, r#""account":"\u0070onte""#),
        ),
        OK,
    );
    c.keys(
        "valid/whitespace-inside-json",
        signed(
            "{ \"alg\" : \"ES256\" ,\n \"kid\":\"ec1\" }",
            &vtex_claims().text().replace(',', " ,\t"),
            Signer::Es256,
        ),
        OK,
    );
    c.keys(
        "valid/ignored-header-parameters-jku-x5u",
        es_h(
            &es_header()
                .set("jku", json!("https://attacker.example/jwks.json"))
                .set("x5u", json!("https://attacker.example/cert.pem")),
        ),
        OK,
    );
}

pub(super) fn algorithms(c: &mut Corpus) {
    let claims = vtex_claims().text();
    let none = Obj::default()
        .set("alg", json!("none"))
        .set("typ", json!("jwt"));
    c.both(
        "alg/none-with-empty-signature",
        format!("{}.", signing_input(&none.text(), &claims)),
        MALFORMED,
    );
    c.both(
        "alg/none-with-a-signature",
        with_sig(&none.text(), &claims, b"\0"),
        ALG,
    );
    for spelling in ["None", "NONE", "nOnE", ""] {
        c.keys(
            &format!("alg/none-spelled-{spelling:?}"),
            zero_signed(&header(spelling, EC_KID)),
            ALG,
        );
    }
    // The classic confusion: a verifier that takes `alg` from the token and the key from the
    // set would use the public key as an HMAC secret.
    let hs_rsa = header("HS256", RSA_KID).text();
    let input = signing_input(&hs_rsa, &claims);
    let rsa_jwk_text = rsa_jwk(RSA_KID).to_string();
    c.both(
        "alg/hs256-hmac-with-rsa-public-jwk-as-secret",
        format!(
            "{input}.{}",
            b64(&hmac_sha256(rsa_jwk_text.as_bytes(), input.as_bytes()))
        ),
        ALG,
    );
    let hs_ec = header("HS256", EC_KID).text();
    let input = signing_input(&hs_ec, &claims);
    let mut sec1 = vec![4u8];
    sec1.extend(unb64(EC_X));
    sec1.extend(unb64(EC_Y));
    c.both(
        "alg/hs256-hmac-with-ec-public-point-as-secret",
        format!("{input}.{}", b64(&hmac_sha256(&sec1, input.as_bytes()))),
        ALG,
    );
    for alg in [
        "HS256", "HS512", "es256", "ES256 ", "ES384", "ES512", "RS384", "RS512", "PS256",
        "Ed25519", "EDDSA", "ES256K",
    ] {
        c.keys(
            &format!("alg/not-on-allow-list-{alg:?}"),
            with_sig(&header(alg, EC_KID).text(), &claims, &[1; 64]),
            ALG,
        );
    }
    c.both(
        "alg/missing",
        with_sig(&es_header().without("alg").text(), &claims, &[1; 64]),
        MALFORMED,
    );
    c.both(
        "alg/not-a-string",
        with_sig(
            &es_header().set("alg", json!(256)).text(),
            &claims,
            &[1; 64],
        ),
        MALFORMED,
    );
    c.keys(
        "alg/null",
        with_sig(
            &es_header().set("alg", Value::Null).text(),
            &claims,
            &[1; 64],
        ),
        MALFORMED,
    );
    c.keys(
        "alg/array",
        with_sig(
            &es_header().set("alg", json!(["ES256"])).text(),
            &claims,
            &[1; 64],
        ),
        MALFORMED,
    );
    c.keys(
        "header/crit-present",
        es_h(&es_header().set("crit", json!(["exp"]))),
        MALFORMED,
    );
    c.keys(
        "header/crit-empty-array",
        es_h(&es_header().set("crit", json!([]))),
        MALFORMED,
    );
    for typ in ["at+jwt", "JOSE", "logout+jwt", ""] {
        c.keys(
            &format!("header/typ-{typ:?}"),
            es_h(&es_header().set("typ", json!(typ))),
            MALFORMED,
        );
    }
    c.keys(
        "header/typ-not-a-string",
        es_h(&es_header().set("typ", json!(1))),
        MALFORMED,
    );
    c.keys(
        "header/typ-null",
        es_h(&es_header().set("typ", Value::Null)),
        MALFORMED,
    );
    c.both(
        "alg/es256-token-relabelled-rs256",
        {
            let h = header("RS256", EC_KID).text();
            let input = signing_input(&h, &claims);
            format!("{input}.{}", b64(&Signer::Es256.sign(input.as_bytes())))
        },
        // 64 bytes is not an RS256 length: refused before any key is looked up.
        SIG,
    );
    c.keys(
        "alg/eddsa-signature-under-es256-header-with-ed-key",
        {
            let h = header("ES256", ED_KID).text();
            let input = signing_input(&h, &claims);
            format!("{input}.{}", b64(&Signer::EdDsa.sign(input.as_bytes())))
        },
        KEY_MISMATCH,
    );
}

pub(super) fn kids(c: &mut Corpus) {
    let injected = [
        ("path-traversal", "../../etc/passwd".to_owned()),
        ("absolute-path", "/dev/null".to_owned()),
        ("sql", "ec1' OR '1'='1".to_owned()),
        ("sql-union", "x' UNION SELECT 'ec1' --".to_owned()),
        ("nul-after-real-kid", "ec1\u{0}".to_owned()),
        ("nul-only", "\u{0}".to_owned()),
        ("url", "https://attacker.example/jwks.json".to_owned()),
        ("case-changed", "EC1".to_owned()),
        ("leading-space", " ec1".to_owned()),
        ("trailing-newline", "ec1\n".to_owned()),
        ("unicode-lookalike", "е\u{0441}1".to_owned()),
        ("empty", String::new()),
        ("long-4-KiB", "k".repeat(4096)),
        ("ansi-and-crlf", "\u{1b}[31mec1\r\nX-Injected: 1".to_owned()),
    ];
    for (name, kid) in injected {
        c.keys(
            &format!("kid/{name}"),
            es_h(&es_header().set("kid", json!(kid))),
            KEY_UNKNOWN,
        );
    }
    c.bare(
        "kid/path-traversal-is-not-used-without-keys",
        es_h(&es_header().set("kid", json!("../../etc/passwd"))),
        OK,
    );
    c.keys(
        "kid/long-10-KiB-is-too-large-first",
        es_h(&es_header().set("kid", json!("k".repeat(10 * 1024)))),
        TOO_LARGE,
    );
    c.keys(
        "kid/missing",
        es_h(&es_header().without("kid")),
        KEY_UNKNOWN,
    );
    c.bare(
        "kid/missing-without-keys",
        es_h(&es_header().without("kid")),
        OK,
    );
    c.both(
        "kid/not-a-string",
        es_h(&es_header().set("kid", json!(1))),
        MALFORMED,
    );
    c.keys(
        "kid/null",
        es_h(&es_header().set("kid", Value::Null)),
        MALFORMED,
    );
    c.keys(
        "kid/object",
        es_h(&es_header().set("kid", json!({"$ne": ""}))),
        MALFORMED,
    );
    c.keys(
        "kid/rsa-key-named-for-an-es256-token",
        es_h(&es_header().set("kid", json!(RSA_KID))),
        KEY_MISMATCH,
    );
    c.keys(
        "kid/ed-key-named-for-an-rs256-token",
        signed(
            &header("RS256", ED_KID).text(),
            &vtex_claims().text(),
            Signer::Rs256,
        ),
        KEY_MISMATCH,
    );
    c.keys(
        "kid/ec-key-named-for-an-eddsa-token",
        signed(
            &header("EdDSA", EC_KID).text(),
            &vtex_claims().text(),
            Signer::EdDsa,
        ),
        KEY_MISMATCH,
    );
    c.keys(
        "kid/jwk-header-embeds-the-attackers-key",
        signed(
            &es_header()
                .set(
                    "jwk",
                    json!({"kty": "EC", "crv": "P-256", "x": EC_X, "y": EC_Y}),
                )
                .text(),
            &vtex_claims().text(),
            Signer::Es256Other,
        ),
        SIG,
    );
}

/// Claims padded with a `pad` claim and the header with an `x` parameter so that the ES256
/// token is exactly `len` bytes.
fn token_of_len(len: usize) -> String {
    for header_pad in 0..3 {
        let h = es_header().set("x", json!("h".repeat(header_pad))).text();
        let h_len = b64(h.as_bytes()).len();
        for pad in 0..len {
            let claims = vtex_claims().set("pad", json!("p".repeat(pad))).text();
            let total = h_len + 1 + b64(claims.as_bytes()).len() + 1 + 86;
            if total == len {
                let token = signed(&h, &claims, Signer::Es256);
                assert_eq!(token.len(), len);
                return token;
            }
            if total > len {
                break;
            }
        }
    }
    panic!("no padding gives a token of {len} bytes")
}

pub(super) fn sizes(c: &mut Corpus) {
    let max = ponte_core::sso::MAX_TOKEN_LEN;
    c.keys("size/exactly-max-len-accepted", token_of_len(max), OK);
    c.keys("size/max-len-plus-one", token_of_len(max + 1), TOO_LARGE);
    let mib = format!(
        "{}.{}.{}",
        b64(es_header().text().as_bytes()),
        "A".repeat(1024 * 1024),
        "A".repeat(86)
    );
    // One 1 MiB case only: it is most of the committed fixture's size.
    c.keys("size/1-MiB", mib, TOO_LARGE);
    c.bare("size/64-KiB-of-dots", ".".repeat(64 * 1024), TOO_LARGE);
    c.keys("size/max-len-of-garbage", "!".repeat(max + 1), TOO_LARGE);
}
