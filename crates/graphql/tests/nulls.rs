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
fn failed_fields_null_what_the_specification_says() {
    // (query, data, [(path, code)])
    let cases = [
        // A nullable field: null, its siblings stay.
        (
            r#"{ known: category(id: "1") { name } unknown: category(id: "9") { name } }"#,
            json!({ "known": { "name": "Shoes" }, "unknown": null }),
            vec![(json!(["unknown"]), json!("CATEGORY_NOT_FOUND"))],
        ),
        (
            r#"{ category(id: "01") { name } categoryTree { id } }"#,
            json!({ "category": null, "categoryTree": [{ "id": "1" }] }),
            vec![(json!(["category"]), json!("INVALID_ID"))],
        ),
        // A non-null root field: data is null.
        (
            r#"{ category(id: "1") { name } adminSession { email } }"#,
            Value::Null,
            vec![(json!(["adminSession"]), json!("UNAUTHENTICATED"))],
        ),
    ];
    for (query, data, errors) in cases {
        let answer = run(query);
        assert_eq!(answer["data"], data, "{query}");
        assert_eq!(codes(&answer), errors, "{query}");
    }
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
