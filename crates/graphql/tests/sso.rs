//! The person-bound fields natively: the same codes and order as the Node service's
//! `@requiresPerson`, with credentials, clock, key set and VTEX ID's confirmations taken from
//! the request's `SsoData`.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{ACCOUNT, KID, NOW, cache_key, claims_of, key, mint, run};
use p256::ecdsa::SigningKey;
use ponte_core::sso::Audience;
use ponte_graphql::SsoData;
use serde_json::{Value, json};

fn jwks(key: &SigningKey) -> String {
    let point = key.verifying_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    json!({"keys": [{
        "kty": "EC", "crv": "P-256", "kid": KID, "alg": "ES256", "use": "sig",
        "x": URL_SAFE_NO_PAD.encode(&bytes[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&bytes[33..65]),
    }]})
    .to_string()
}

fn claims(audience: &str) -> Value {
    claims_of("ana@example.com", audience)
}

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error code: {response:#}"))
}

const ADMIN: &str = "{ adminSession { userId email account audience expiresAt verifiedBy } }";
const STORE: &str = "{ storefrontSession { audience verifiedBy } }";

#[tokio::test]
async fn a_confirmed_session_answers_online() {
    let token = mint(&key(7), &claims("admin"));
    let data = SsoData::new(ACCOUNT, NOW)
        .with_admin_cookie(token.clone())
        .with_confirmed_session(cache_key(&token, Audience::Admin));
    let response = run(ADMIN, Some(data)).await;
    assert_eq!(
        response["data"]["adminSession"],
        json!({"userId": "u-1", "email": "ana@example.com", "account": ACCOUNT, "audience": "ADMIN",
               "expiresAt": "2025-06-16T15:06:40.000Z", "verifiedBy": "ONLINE"}),
        "{response:#}"
    );
}

#[tokio::test]
async fn a_key_set_verifies_by_signature() {
    let k = key(7);
    let token = mint(&k, &claims("webstore"));
    let data = SsoData::new(ACCOUNT, NOW)
        .with_store_cookie(token)
        .with_jwks(&jwks(&k));
    let response = run(STORE, Some(data)).await;
    assert_eq!(
        response["data"]["storefrontSession"],
        json!({"audience": "WEBSTORE", "verifiedBy": "SIGNATURE"})
    );
    let forged = mint(&key(9), &claims("webstore"));
    let data = SsoData::new(ACCOUNT, NOW)
        .with_bearer(forged)
        .with_jwks(&jwks(&k));
    assert_eq!(
        code(&run(STORE, Some(data)).await),
        "TOKEN_SIGNATURE_INVALID"
    );
    let data = SsoData::new(ACCOUNT, NOW)
        .with_store_cookie(mint(&k, &claims("webstore")))
        .with_jwks("{\"keys\": 1}");
    assert_eq!(code(&run(STORE, Some(data)).await), "JWKS_INVALID");
}

#[tokio::test]
async fn refusals_carry_the_node_service_codes() {
    let k = key(7);
    let admin = mint(&k, &claims("admin"));
    let cases: Vec<(&str, SsoData, &str)> = vec![
        ("no data", SsoData::new(ACCOUNT, NOW), "UNAUTHENTICATED"),
        (
            "storefront cookie on the admin field",
            SsoData::new(ACCOUNT, NOW).with_store_cookie(mint(&k, &claims("webstore"))),
            "UNAUTHENTICATED",
        ),
        (
            "a storefront token as bearer",
            SsoData::new(ACCOUNT, NOW).with_bearer(mint(&k, &claims("webstore"))),
            "TOKEN_AUDIENCE_WRONG",
        ),
        (
            "another account",
            SsoData::new("other", NOW).with_admin_cookie(admin.clone()),
            "TOKEN_ACCOUNT_WRONG",
        ),
        (
            "expired",
            SsoData::new(ACCOUNT, NOW + 86_400 + 31).with_admin_cookie(admin.clone()),
            "TOKEN_EXPIRED",
        ),
        (
            "not confirmed by VTEX ID",
            SsoData::new(ACCOUNT, NOW).with_admin_cookie(admin.clone()),
            "TOKEN_REVOKED",
        ),
        (
            "an app key",
            SsoData::new(ACCOUNT, NOW).with_admin_cookie(mint(
                &k,
                &json!({"sub": "vtexappkey-ponte-PONTE", "account": ACCOUNT, "audience": "admin",
                        "exp": NOW + 100, "iat": NOW, "iss": "token-emitter", "jti": "j"}),
            )),
            "FORBIDDEN",
        ),
        (
            "malformed",
            SsoData::new(ACCOUNT, NOW).with_admin_cookie("nope"),
            "TOKEN_MALFORMED",
        ),
    ];
    for (what, data, expected) in cases {
        let data = (what != "no data").then_some(data);
        let response = run(ADMIN, data).await;
        assert_eq!(code(&response), expected, "{what}: {response:#}");
        assert!(
            !response.to_string().contains(&admin),
            "{what}: the token is not echoed"
        );
    }
}

#[tokio::test]
async fn bearer_comes_before_the_cookie() {
    let k = key(7);
    let mut other = claims("admin");
    other["sub"] = json!("bearer@example.com");
    other["jti"] = json!("j-2");
    let bearer = mint(&k, &other);
    let data = SsoData::new(ACCOUNT, NOW)
        .with_admin_cookie(mint(&k, &claims("admin")))
        .with_bearer(bearer)
        .with_jwks(&jwks(&k));
    let response = run("{ adminSession { email } }", Some(data)).await;
    assert_eq!(
        response["data"]["adminSession"]["email"],
        "bearer@example.com"
    );
}

#[tokio::test]
async fn import_fields_require_an_admin_and_validate_natively() {
    let batch = r#"{ categories: [{ name: "Shoes" }], brands: [{ name: "Acme" }], products: [{ refId: "P1", name: "Runner", category: { path: ["Shoes"] }, brand: "Nobody", skus: [{ refId: "S1", name: "Runner 42" }] }] }"#;
    let validate = format!(
        "{{ validateCatalogBatch(batch: {batch}, options: {{ activateSkus: true }}) {{ valid errors {{ path code key }} summary {{ creates }} }} }}"
    );
    assert_eq!(code(&run(&validate, None).await), "UNAUTHENTICATED");
    let mutation = format!("mutation {{ importCatalogBatch(batch: {batch}) {{ id }} }}");
    assert_eq!(code(&run(&mutation, None).await), "UNAUTHENTICATED");

    let token = mint(&key(7), &claims("admin"));
    let admin = || {
        SsoData::new(ACCOUNT, NOW)
            .with_bearer(token.clone())
            .with_confirmed_session(cache_key(&token, Audience::Admin))
    };
    let answer = run(&validate, Some(admin())).await;
    let v = &answer["data"]["validateCatalogBatch"];
    assert_eq!(v["valid"], json!(false), "{answer:#}");
    assert_eq!(v["summary"], Value::Null);
    let errors: Vec<(String, String)> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        errors.contains(&("products[0].brand".into(), "BRAND_NOT_FOUND".into())),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(p, c)| p.starts_with("products[0].skus[0]") && c == "SKU_DIMENSIONS_MISSING"),
        "{errors:?}"
    );

    assert_eq!(code(&run(&mutation, Some(admin())).await), "NOT_SUPPORTED");
    let job = "{ importJob(id: \"imp-abcdef12\") { id } }";
    assert_eq!(code(&run(job, Some(admin())).await), "NOT_SUPPORTED");
}
