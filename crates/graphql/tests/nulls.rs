//! Field errors null what the GraphQL specification says they null (§6.4.4), as graphql-js
//! and so the Node service do; async-graphql alone leaves failed fields out instead.

use std::collections::BTreeMap;

use ponte_core::catalog::{CatalogSnapshot, Category};
use ponte_core::ids::CategoryId;
use ponte_graphql::{SsoData, schema_with_catalog};
use serde_json::{Value, json};

fn run(query: &str) -> Value {
    let schema = schema_with_catalog(CatalogSnapshot {
        categories: vec![Category {
            id: CategoryId(1),
            name: "Shoes".into(),
            father_category_id: None,
            is_active: true,
            has_children: None,
        }],
        ..CatalogSnapshot::default()
    });
    let response = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(schema.execute(query));
    serde_json::to_value(&response).expect("a JSON response")
}

fn codes(answer: &Value) -> Vec<(Value, Value)> {
    let mut out: Vec<_> = answer["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| (e["path"].clone(), e["extensions"]["code"].clone()))
                .collect()
        })
        .unwrap_or_default();
    out.sort_by_key(|(path, _)| path.to_string());
    out
}

#[test]
fn a_failed_nullable_field_is_null_and_its_siblings_stay() {
    let answer =
        run(r#"{ known: category(id: "1") { name } unknown: category(id: "9") { name } }"#);
    assert_eq!(
        answer["data"],
        json!({ "known": { "name": "Shoes" }, "unknown": null })
    );
    assert_eq!(
        codes(&answer),
        vec![(json!(["unknown"]), json!("CATEGORY_NOT_FOUND"))]
    );
}

#[test]
fn a_failed_non_null_root_field_nulls_data() {
    let answer = run(r#"{ category(id: "1") { name } adminSession { email } }"#);
    assert_eq!(answer["data"], Value::Null);
    assert_eq!(
        codes(&answer),
        vec![(json!(["adminSession"]), json!("UNAUTHENTICATED"))]
    );
}

#[test]
fn an_invalid_id_on_a_nullable_field_is_null_with_its_code() {
    let answer = run(r#"{ category(id: "01") { name } categoryTree { id } }"#);
    assert_eq!(answer["data"]["category"], Value::Null);
    assert_eq!(answer["data"]["categoryTree"], json!([{ "id": "1" }]));
    assert_eq!(
        codes(&answer),
        vec![(json!(["category"]), json!("INVALID_ID"))]
    );
}

#[test]
fn credentials_come_from_the_headers_as_the_service_reads_them() {
    let headers: BTreeMap<String, String> = [
        (
            "Cookie".to_owned(),
            "a=b; VtexIdclientAutCookie_shop=store-token; VtexIdclientAutCookie=admin-token"
                .to_owned(),
        ),
        ("x-other".to_owned(), "Bearer nope".to_owned()),
    ]
    .into();
    let data = SsoData::from_headers("shop", 0, &headers);
    // Neither is a JWS: the core refuses each for its audience, so each was found.
    let admin = data
        .person(ponte_core::sso::Audience::Admin)
        .expect_err("refused");
    let store = data
        .person(ponte_core::sso::Audience::Webstore)
        .expect_err("refused");
    assert!(!admin.message.starts_with("sign in"), "{}", admin.message);
    assert!(!store.message.starts_with("sign in"), "{}", store.message);

    let none = SsoData::from_headers("shop", 0, &BTreeMap::new());
    let refused = none
        .person(ponte_core::sso::Audience::Admin)
        .expect_err("refused");
    assert!(
        refused.message.starts_with("sign in"),
        "{}",
        refused.message
    );
}
