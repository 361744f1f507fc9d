//! Claim policy (issuer, audience, account), times and signatures.

use super::*;

/// One claim's policy cases: for each `(name, value)`, the standard claims with `claim` set to
/// `value`, refused with `code` with and without keys (`policy/{name}`).
fn claim_values(c: &mut Corpus, claim: &str, values: &[(&str, &str)], code: Option<&str>) {
    for (name, value) in values {
        c.both(
            &format!("policy/{name}"),
            es(&vtex_claims().set(claim, json!(value))),
            code,
        );
    }
}

pub(super) fn policy(c: &mut Corpus) {
    claim_values(
        c,
        "iss",
        &[
            ("issuer-other", "evil"),
            ("issuer-case", "Token-Emitter"),
            ("issuer-trailing-space", "token-emitter "),
            ("issuer-url", "https://token-emitter"),
        ],
        ISSUER,
    );
    claim_values(
        c,
        "audience",
        &[
            ("audience-webstore-for-admin", "webstore"),
            ("audience-case", "Admin"),
            ("audience-other", "vtex-io"),
        ],
        AUDIENCE,
    );
    c.with_expected(
        "policy/audience-admin-for-webstore",
        standard(Signer::Es256),
        Expected {
            audience: Audience::Webstore,
            ..expected()
        },
        AUDIENCE,
    );
    c.with_expected(
        "policy/audience-webstore-accepted-on-the-storefront",
        es(&vtex_claims().set("audience", json!("webstore"))),
        Expected {
            audience: Audience::Webstore,
            ..expected()
        },
        OK,
    );
    claim_values(
        c,
        "account",
        &[
            ("account-other", "other"),
            ("account-case", "PONTE"),
            ("account-trailing-space", "ponte "),
            ("account-trailing-nul", "ponte\u{0}"),
            ("account-greek-omicron", "p\u{3bf}nte"),
            ("account-prefix", "pont"),
            ("account-wildcard", "*"),
        ],
        ACCOUNT_WRONG,
    );
    c.with_expected(
        "policy/expected-account-empty",
        standard(Signer::Es256),
        Expected {
            account: String::new(),
            ..expected()
        },
        ACCOUNT_WRONG,
    );
}

pub(super) fn times(c: &mut Corpus) {
    let at = |now: i64, leeway: u32| Expected {
        now,
        leeway_seconds: leeway,
        ..expected()
    };
    let token = standard(Signer::Es256);
    let exp_boundary = EXP + i64::from(LEEWAY);
    c.with_expected(
        "time/expired-exactly-at-exp-plus-leeway",
        token.clone(),
        at(exp_boundary, LEEWAY),
        EXPIRED,
    );
    c.with_expected(
        "time/one-second-before-exp-plus-leeway",
        token.clone(),
        at(exp_boundary - 1, LEEWAY),
        OK,
    );
    c.with_expected(
        "time/expired-exactly-at-exp-no-leeway",
        token.clone(),
        at(EXP, 0),
        EXPIRED,
    );
    c.with_expected(
        "time/one-second-before-exp-no-leeway",
        token.clone(),
        at(EXP - 1, 0),
        OK,
    );
    c.with_expected(
        "time/expired-a-day-ago",
        token.clone(),
        at(EXP + 86_400, LEEWAY),
        EXPIRED,
    );
    c.with_expected(
        "time/now-max-safe-integer",
        token.clone(),
        at(9_007_199_254_740_991, LEEWAY),
        EXPIRED,
    );
    c.with_expected(
        "time/now-negative",
        token.clone(),
        at(-9_007_199_254_740_991, LEEWAY),
        NOT_YET,
    );
    c.with_expected(
        "time/huge-leeway-accepts-an-old-token",
        token.clone(),
        at(EXP + 1_000_000, u32::MAX),
        OK,
    );
    // iat: valid once iat <= now + leeway.
    c.with_expected(
        "time/iat-exactly-now-plus-leeway",
        token.clone(),
        at(IAT - i64::from(LEEWAY), LEEWAY),
        OK,
    );
    c.with_expected(
        "time/iat-one-second-after-now-plus-leeway",
        token.clone(),
        at(IAT - i64::from(LEEWAY) - 1, LEEWAY),
        NOT_YET,
    );
    c.keys(
        "time/iat-in-the-future",
        es(&vtex_claims()
            .set("iat", json!(NOW + 3600))
            .set("exp", json!(NOW + 90_000))),
        NOT_YET,
    );
    c.keys(
        "time/nbf-in-the-future",
        es(&vtex_claims().set("nbf", json!(NOW + i64::from(LEEWAY) + 1))),
        NOT_YET,
    );
    c.keys(
        "time/nbf-exactly-now-plus-leeway",
        es(&vtex_claims().set("nbf", json!(NOW + i64::from(LEEWAY)))),
        OK,
    );
    c.keys(
        "time/exp-before-iat-but-not-expired",
        es(&vtex_claims()
            .set("iat", json!(NOW))
            .set("exp", json!(NOW - 1))),
        // Within leeway (now < exp + leeway), but a token that expires before it was issued
        // is refused.
        Some("TOKEN_CLAIMS_INVALID"),
    );
    c.bare(
        "time/expired-without-keys",
        es(&vtex_claims().set("exp", json!(NOW - i64::from(LEEWAY)))),
        EXPIRED,
    );
}

pub(super) fn signatures(c: &mut Corpus) {
    let claims = vtex_claims().text();
    let es_input = signing_input(&es_header().text(), &claims);
    let es_sig = Signer::Es256.sign(es_input.as_bytes());
    c.keys(
        "signature/es256-high-s-with-keys",
        standard(Signer::Es256HighS),
        NOT_CANONICAL,
    );
    c.bare(
        "signature/es256-high-s-without-keys-is-not-checked",
        standard(Signer::Es256HighS),
        OK,
    );
    c.keys(
        "signature/es256-other-key",
        standard(Signer::Es256Other),
        SIG,
    );
    c.keys("signature/es256-all-zero", zero_signed(&es_header()), SIG);
    c.bare(
        "signature/es256-all-zero-without-keys-is-not-checked",
        zero_signed(&es_header()),
        OK,
    );
    let mut r_is_n = P256_N.to_vec();
    r_is_n.extend_from_slice(&es_sig[32..]);
    c.keys(
        "signature/es256-r-equals-n",
        with_sig(&es_header().text(), &claims, &r_is_n),
        SIG,
    );
    let mut s_is_zero = es_sig[..32].to_vec();
    s_is_zero.extend_from_slice(&[0; 32]);
    c.keys(
        "signature/es256-s-zero",
        with_sig(&es_header().text(), &claims, &s_is_zero),
        SIG,
    );
    let mut s_is_n = es_sig[..32].to_vec();
    s_is_n.extend_from_slice(&P256_N);
    c.keys(
        "signature/es256-s-equals-n",
        with_sig(&es_header().text(), &claims, &s_is_n),
        SIG,
    );
    let mut swapped = es_sig[32..].to_vec();
    swapped.extend_from_slice(&es_sig[..32]);
    c.keys(
        "signature/es256-r-and-s-swapped",
        with_sig(&es_header().text(), &claims, &swapped),
        // s (now the old r) is random: the swapped pair is high-s or simply wrong.
        if flip_s(&swapped)[32..] > swapped[32..] {
            SIG
        } else {
            NOT_CANONICAL
        },
    );
    let mut der = vec![0x30, 0x44, 0x02, 0x20];
    der.extend_from_slice(&es_sig[..32]);
    der.extend_from_slice(&[0x02, 0x20]);
    der.extend_from_slice(&es_sig[32..]);
    c.both(
        "signature/es256-der-encoded",
        with_sig(&es_header().text(), &claims, &der),
        SIG,
    );
    c.both(
        "signature/es256-truncated-by-one-byte",
        with_sig(&es_header().text(), &claims, &es_sig[..63]),
        SIG,
    );
    c.both(
        "signature/es256-extended-by-one-byte",
        with_sig(&es_header().text(), &claims, &[&es_sig[..], &[0]].concat()),
        SIG,
    );
    let full = standard(Signer::Es256);
    c.both(
        "signature/es256-truncated-by-one-char",
        full[..full.len() - 1].to_owned(),
        MALFORMED,
    );
    c.both(
        "signature/es256-truncated-by-two-chars",
        full[..full.len() - 2].to_owned(),
        SIG,
    );
    c.keys(
        "signature/claims-changed-after-signing",
        format!(
            "{}.{}.{}",
            b64(es_header().text().as_bytes()),
            b64(vtex_claims()
                .set("sub", json!("eve@example.com"))
                .text()
                .as_bytes()),
            b64(&es_sig)
        ),
        SIG,
    );
    c.bare(
        "signature/claims-changed-after-signing-without-keys-is-not-checked",
        format!(
            "{}.{}.{}",
            b64(es_header().text().as_bytes()),
            b64(vtex_claims()
                .set("sub", json!("eve@example.com"))
                .text()
                .as_bytes()),
            b64(&es_sig)
        ),
        OK,
    );
    c.keys(
        "signature/header-re-encoded-after-signing",
        format!(
            "{}.{}.{}",
            b64(r#"{"kid":"ec1","alg":"ES256","typ":"jwt"}"#.as_bytes()),
            b64(claims.as_bytes()),
            b64(&es_sig)
        ),
        SIG,
    );
    c.keys(
        "signature/transplanted-from-another-token",
        with_sig(
            &es_header().text(),
            &vtex_claims().set("jti", json!("another")).text(),
            &es_sig,
        ),
        SIG,
    );
    // RS256.
    let rs_header = header("RS256", RSA_KID).text();
    let rs_input = signing_input(&rs_header, &claims);
    let rs_sig = Signer::Rs256.sign(rs_input.as_bytes());
    c.both(
        "signature/rs256-truncated-to-255-bytes",
        with_sig(&rs_header, &claims, &rs_sig[..255]),
        SIG,
    );
    c.keys(
        "signature/rs256-512-bytes-for-a-2048-bit-key",
        with_sig(&rs_header, &claims, &[&rs_sig[..], &rs_sig[..]].concat()),
        SIG,
    );
    c.bare(
        "signature/rs256-512-bytes-without-keys-is-not-checked",
        with_sig(&rs_header, &claims, &[&rs_sig[..], &rs_sig[..]].concat()),
        OK,
    );
    c.both(
        "signature/rs256-1025-bytes",
        with_sig(&rs_header, &claims, &[0x01; 1025]),
        SIG,
    );
    c.keys(
        "signature/rs256-above-the-modulus",
        with_sig(&rs_header, &claims, &[0xFF; 256]),
        SIG,
    );
    c.keys(
        "signature/rs256-zero",
        with_sig(&rs_header, &claims, &[0; 256]),
        SIG,
    );
    let mut rs_flipped = rs_sig.clone();
    rs_flipped[128] ^= 1;
    c.keys(
        "signature/rs256-one-bit-flipped",
        with_sig(&rs_header, &claims, &rs_flipped),
        SIG,
    );
    // EdDSA.
    let ed_header = header("EdDSA", ED_KID).text();
    c.keys(
        "signature/eddsa-s-plus-l",
        signed(&ed_header, &claims, Signer::EdDsaSPlusL),
        SIG,
    );
    c.bare(
        "signature/eddsa-s-plus-l-without-keys-is-not-checked",
        signed(&ed_header, &claims, Signer::EdDsaSPlusL),
        OK,
    );
    let ed_input = signing_input(&ed_header, &claims);
    let mut ed_flipped = Signer::EdDsa.sign(ed_input.as_bytes());
    ed_flipped[0] ^= 0x80;
    c.keys(
        "signature/eddsa-one-bit-flipped",
        with_sig(&ed_header, &claims, &ed_flipped),
        SIG,
    );
    c.keys(
        "signature/eddsa-all-zero",
        with_sig(&ed_header, &claims, &[0; 64]),
        SIG,
    );
    // The identity point as R (small order), s = 0.
    let mut identity = [0u8; 64];
    identity[0] = 1;
    c.keys(
        "signature/eddsa-small-order-r",
        with_sig(&ed_header, &claims, &identity),
        SIG,
    );
}
