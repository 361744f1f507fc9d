//! Arbitrary bytes as a VTEX ID token: `ponte_core::sso::validate` (with a fixed key set of
//! the three algorithms and without keys) and `inspect` must never panic, and must agree:
//!
//! - with keys, accepted ⇒ without keys accepted with the same header and claims;
//! - without keys, refused with code C ⇒ with keys refused with C too (keys only add checks);
//! - accepted (either way) ⇒ `inspect` decodes the same header and claims.
//!
//! The input becomes the token as `String::from_utf8_lossy` reads it; the regression test
//! (`crates/harness/tests/fuzz_regressions.rs`) replays saved inputs the same way.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ponte_core::sso::{Audience, Expected, KeySet, inspect, validate};
use std::sync::OnceLock;

/// RFC 7515 A.3 (P-256), A.2 (RSA-2048), RFC 8037 A.1 (Ed25519): the harness corpus' keys.
const JWKS: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"ec1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","use":"sig","alg":"ES256"},{"kty":"RSA","kid":"rsa1","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB","alg":"RS256","use":"sig"},{"kty":"OKP","crv":"Ed25519","kid":"ed1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| KeySet::from_jwks_json(JWKS).expect("the fixed JWKS parses"))
}

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    let expected = Expected {
        audience: Audience::Admin,
        account: "ponte".to_owned(),
        now: 1_700_000_100,
        leeway_seconds: 30,
    };
    let with = validate(&token, &expected, Some(keys()));
    let without = validate(&token, &expected, None);
    let inspected = inspect(&token);
    match (&with, &without) {
        (Ok(w), Ok(wo)) => {
            assert!(w.signature_verified && !wo.signature_verified);
            assert_eq!((&w.header, &w.claims), (&wo.header, &wo.claims));
            assert_eq!(w.cache_key, wo.cache_key);
        }
        (Ok(_), Err(e)) => panic!("accepted with keys, refused without: {}", e.code()),
        (Err(e), Err(wo)) => assert_eq!(e.code(), wo.code(), "keys changed an earlier code"),
        (Err(_), Ok(_)) => {}
    }
    if let Ok(valid) = &without {
        let (header, claims) = inspected.expect("a token validate accepts, inspect decodes");
        assert_eq!((&header, &claims), (&valid.header, &valid.claims));
    }
});
