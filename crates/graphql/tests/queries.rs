//! Queries executed against the native schema: answers, inheritance, and error codes.

mod common;

use ponte_core::catalog::{
    CatalogSnapshot, Category, EffectiveSpecificationsRequest, SpecificationField,
    SpecificationGroup, SpecificationValue, effective_specifications,
};
use ponte_core::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use ponte_graphql::{CatalogData, PonteSchema, schema, schema_with_catalog};
use serde_json::{Value, json};

fn category(id: u32, name: &str, father: Option<u32>, is_active: bool) -> Category {
    Category {
        id: CategoryId(id),
        name: name.into(),
        father_category_id: father.map(CategoryId),
        is_active,
        has_children: None,
    }
}

fn group(id: u32, category: Option<u32>, name: &str, position: i32) -> SpecificationGroup {
    SpecificationGroup {
        id: GroupId(id),
        category_id: category.map(CategoryId),
        name: name.into(),
        position,
    }
}

fn field(
    id: u32,
    name: &str,
    type_id: i32,
    group: u32,
    position: i32,
    sku: bool,
) -> SpecificationField {
    SpecificationField {
        id: FieldId(id),
        name: name.into(),
        field_type_id: type_id,
        field_group_id: GroupId(group),
        category_id: None,
        position,
        is_required: false,
        is_active: true,
        is_filter: false,
        is_stock_keeping_unit: sku,
    }
}

fn value(id: u32, field: u32, name: &str, position: i32, is_active: bool) -> SpecificationValue {
    SpecificationValue {
        id: FieldValueId(id),
        field_id: FieldId(field),
        name: name.into(),
        is_active,
        position,
    }
}

/// Shoes(1) > Running(2) > Trail(3); Clothing(4, inactive) > Socks(5); Bags(6, has children elsewhere).
fn sample() -> CatalogSnapshot {
    let mut inactive = field(1001, "Old", 1, 100, 1, false);
    inactive.is_active = false;
    let mut drop = field(1200, "Drop", 4, 20, 0, false);
    drop.is_required = true;
    drop.is_filter = true;
    let mut bags = category(6, "Bags", None, true);
    bags.has_children = Some(true);
    CatalogSnapshot {
        categories: vec![
            category(3, "Trail", Some(2), true),
            category(1, "Shoes", None, true),
            category(2, "Running", Some(1), true),
            category(4, "Clothing", None, false),
            category(5, "Socks", Some(4), true),
            bags,
        ],
        groups: vec![
            group(100, None, "General", 0),
            group(10, Some(1), "Sizes", 1),
            group(11, Some(1), "Care", 0),
            group(20, Some(2), "Tech", 0),
            group(40, Some(4), "Fabric", 0),
        ],
        fields: vec![
            field(1000, "Brand", 1, 100, 0, false),
            inactive,
            field(1100, "Size", 5, 10, 0, true),
            field(1101, "Color", 6, 10, 1, true),
            field(1110, "Washing", 2, 11, 0, false),
            drop,
            field(1400, "Material", 7, 40, 0, false),
        ],
        values: vec![
            value(5001, 1100, "42", 1, true),
            value(5000, 1100, "41", 0, true),
            value(5002, 1100, "43", 2, false),
            value(5100, 1101, "Red", 0, true),
            value(5400, 1400, "Wool", 0, true),
        ],
    }
}

/// Runs `query` as an admin (`categoryMoveImpact` is admin only; the other catalog fields do
/// not look at the session).
async fn run(schema: &PonteSchema, query: &str) -> Value {
    let request = async_graphql::Request::new(query).data(common::admin());
    serde_json::to_value(schema.execute(request).await).expect("response serialises")
}

async fn run_anonymous(schema: &PonteSchema, query: &str) -> Value {
    serde_json::to_value(schema.execute(query).await).expect("response serialises")
}

#[track_caller]
fn ok(response: &Value) -> &Value {
    assert!(
        response.get("errors").is_none(),
        "unexpected errors: {response:#}"
    );
    &response["data"]
}

/// The `extensions.code` of the only error, checking that `data.<field>` is null.
#[track_caller]
fn error_code(response: &Value, field: &str) -> String {
    let errors = response["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected an error: {response:#}"));
    assert_eq!(errors.len(), 1, "{response:#}");
    assert!(
        response["data"].is_null() || response["data"][field].is_null(),
        "no data with an error: {response:#}"
    );
    errors[0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code: {response:#}"))
        .to_owned()
}

const FIELD_SELECTION: &str = "fieldId name fieldTypeId fieldType groupId groupName groupPosition position \
    isRequired isFilter isStockKeepingUnit inheritedFrom { scope categoryId categoryName distance } \
    values { id name position }";

#[tokio::test]
async fn category_tree_nests_by_id_with_levels_and_leaves() {
    let schema = schema_with_catalog(sample());
    let response = run(&schema, "{ categoryTree { id name isActive level isLeaf children { id level isLeaf children { id level isLeaf children { id } } } } }").await;
    assert_eq!(
        ok(&response)["categoryTree"],
        json!([
            {"id": "1", "name": "Shoes", "isActive": true, "level": 1, "isLeaf": false, "children": [
                {"id": "2", "level": 2, "isLeaf": false, "children": [
                    {"id": "3", "level": 3, "isLeaf": true, "children": []}]}]},
            {"id": "4", "name": "Clothing", "isActive": false, "level": 1, "isLeaf": false, "children": [
                {"id": "5", "level": 2, "isLeaf": true, "children": []}]},
            {"id": "6", "name": "Bags", "isActive": true, "level": 1, "isLeaf": false, "children": []},
        ])
    );
}

#[tokio::test]
async fn category_inherits_root_ancestor_and_own_fields_in_order() {
    let schema = schema_with_catalog(sample());
    let query = format!(
        "{{ category(id: \"3\") {{ id name isActive isLeaf path {{ id name isActive }} \
         effectiveSpecifications {{ productFields {{ {FIELD_SELECTION} }} skuFields {{ {FIELD_SELECTION} }} }} }} }}"
    );
    let response = run(&schema, &query).await;
    let category = &ok(&response)["category"];
    assert_eq!(category["id"], "3");
    assert_eq!(category["isLeaf"], true);
    assert_eq!(
        category["path"],
        json!([
            {"id": "1", "name": "Shoes", "isActive": true},
            {"id": "2", "name": "Running", "isActive": true},
            {"id": "3", "name": "Trail", "isActive": true},
        ])
    );
    let specs = &category["effectiveSpecifications"];
    let product: Vec<(&str, &str, Value)> = specs["productFields"]
        .as_array()
        .expect("list")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().expect("name"),
                f["inheritedFrom"]["scope"].as_str().expect("scope"),
                f["inheritedFrom"]["distance"].clone(),
            )
        })
        .collect();
    // Root level first (the inactive "Old" left out), then Shoes' "Care" (position 0) before
    // Running's "Tech".
    assert_eq!(
        product,
        vec![
            ("Brand", "ROOT", Value::Null),
            ("Washing", "ANCESTOR", json!(2)),
            ("Drop", "ANCESTOR", json!(1))
        ]
    );
    let drop = &specs["productFields"][2];
    assert_eq!(drop["fieldType"], "NUMBER");
    assert_eq!(drop["fieldTypeId"], 4);
    assert_eq!(drop["isRequired"], true);
    assert_eq!(
        drop["inheritedFrom"],
        json!({"scope": "ANCESTOR", "categoryId": "2", "categoryName": "Running", "distance": 1})
    );
    let size = &specs["skuFields"][0];
    assert_eq!(size["name"], "Size");
    assert_eq!(size["fieldType"], "COMBO");
    // Active values by position; "43" is inactive.
    assert_eq!(
        size["values"],
        json!([{"id": "5000", "name": "41", "position": 0}, {"id": "5001", "name": "42", "position": 1}])
    );
    assert_eq!(specs["skuFields"][1]["name"], "Color");
    assert_eq!(specs["skuFields"].as_array().map(Vec::len), Some(2));
}

/// Core JSON with ids as strings is what GraphQL answers (same field names by design).
fn ids_as_strings(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let is_id = matches!(k.as_str(), "id" | "fieldId" | "groupId" | "categoryId");
                    let v = match v {
                        Value::Number(n) if is_id => Value::String(n.to_string()),
                        other => ids_as_strings(other),
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(ids_as_strings).collect()),
        other => other,
    }
}

#[tokio::test]
async fn every_category_answers_what_the_core_computes() {
    let snapshot = sample();
    let schema = schema_with_catalog(snapshot.clone());
    for c in &snapshot.categories {
        let query = format!(
            "{{ category(id: \"{}\") {{ effectiveSpecifications {{ productFields {{ {FIELD_SELECTION} }} skuFields {{ {FIELD_SELECTION} }} }} }} }}",
            c.id
        );
        let response = run(&schema, &query).await;
        // A public field shows what VTEX's public tree shows: Clothing (inactive) and Socks
        // (under it) are not found.
        if matches!(c.id.0, 4 | 5) {
            assert_eq!(
                error_code(&response, "category"),
                "CATEGORY_NOT_FOUND",
                "category {}",
                c.id
            );
            continue;
        }
        let core = effective_specifications(&EffectiveSpecificationsRequest {
            catalog: snapshot.clone(),
            category_id: c.id,
        })
        .expect("valid sample");
        let expected = ids_as_strings(
            json!({"productFields": core.product_fields, "skuFields": core.sku_fields}),
        );
        assert_eq!(
            ok(&response)["category"]["effectiveSpecifications"],
            expected,
            "category {}",
            c.id
        );
    }
}

#[tokio::test]
async fn move_impact_is_for_admins_only() {
    let schema = schema_with_catalog(sample());
    let query = "{ categoryMoveImpact(id: \"2\", newFatherId: \"4\") { categoryId } }";
    let response = run_anonymous(&schema, query).await;
    assert_eq!(
        error_code(&response, "categoryMoveImpact"),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        ok(&run(&schema, query).await)["categoryMoveImpact"]["categoryId"],
        json!("2")
    );
}

#[tokio::test]
async fn move_impact_lists_gained_and_lost_fields() {
    let schema = schema_with_catalog(sample());
    let query = "{ categoryMoveImpact(id: \"2\", newFatherId: \"4\") { categoryId fromFatherCategoryId toFatherCategoryId \
        affectedCategoryIds productFieldsGained { fieldId inheritedFrom { categoryId distance } } \
        productFieldsLost { fieldId } skuFieldsGained { fieldId } skuFieldsLost { fieldId } } }";
    let response = run(&schema, query).await;
    assert_eq!(
        ok(&response)["categoryMoveImpact"],
        json!({
            "categoryId": "2", "fromFatherCategoryId": "1", "toFatherCategoryId": "4",
            "affectedCategoryIds": ["2", "3"],
            "productFieldsGained": [{"fieldId": "1400", "inheritedFrom": {"categoryId": "4", "distance": 1}}],
            "productFieldsLost": [{"fieldId": "1110"}],
            "skuFieldsGained": [],
            "skuFieldsLost": [{"fieldId": "1100"}, {"fieldId": "1101"}],
        })
    );
    let to_top = run(&schema, "{ categoryMoveImpact(id: \"5\", newFatherId: null) { toFatherCategoryId productFieldsLost { fieldId } } }").await;
    assert_eq!(
        ok(&to_top)["categoryMoveImpact"],
        json!({"toFatherCategoryId": null, "productFieldsLost": [{"fieldId": "1400"}]})
    );
}

#[tokio::test]
async fn errors_carry_stable_codes() {
    let schema = schema_with_catalog(sample());
    let cases = [
        ("{ category(id: \"abc\") { id } }", "category", "INVALID_ID"),
        ("{ category(id: \"0\") { id } }", "category", "INVALID_ID"),
        ("{ category(id: \"-3\") { id } }", "category", "INVALID_ID"),
        ("{ category(id: \"+3\") { id } }", "category", "INVALID_ID"),
        ("{ category(id: \"03\") { id } }", "category", "INVALID_ID"),
        ("{ category(id: \"\") { id } }", "category", "INVALID_ID"),
        (
            "{ category(id: \"4294967296\") { id } }",
            "category",
            "INVALID_ID",
        ),
        (
            "{ category(id: \"4294967295\") { id } }",
            "category",
            "CATEGORY_NOT_FOUND",
        ),
        (
            "{ category(id: \"99\") { id } }",
            "category",
            "CATEGORY_NOT_FOUND",
        ),
        (
            "{ categoryMoveImpact(id: \"x\") { categoryId } }",
            "categoryMoveImpact",
            "INVALID_ID",
        ),
        (
            "{ categoryMoveImpact(id: \"2\", newFatherId: \"1.5\") { categoryId } }",
            "categoryMoveImpact",
            "INVALID_ID",
        ),
        (
            "{ categoryMoveImpact(id: \"99\") { categoryId } }",
            "categoryMoveImpact",
            "CATEGORY_NOT_FOUND",
        ),
        (
            "{ categoryMoveImpact(id: \"2\", newFatherId: \"99\") { categoryId } }",
            "categoryMoveImpact",
            "CATEGORY_NOT_FOUND",
        ),
        (
            "{ categoryMoveImpact(id: \"1\", newFatherId: \"3\") { categoryId } }",
            "categoryMoveImpact",
            "CATEGORY_CYCLE",
        ),
        (
            "{ categoryMoveImpact(id: \"2\", newFatherId: \"2\") { categoryId } }",
            "categoryMoveImpact",
            "CATEGORY_CYCLE",
        ),
    ];
    for (query, field, code) in cases {
        let response = run(&schema, query).await;
        assert_eq!(error_code(&response, field), code, "{query}");
    }
    let response = run(
        &schema,
        "{ categoryMoveImpact(id: \"2\", newFatherId: \"a\\\"b\") { categoryId } }",
    )
    .await;
    assert_eq!(
        response["errors"][0]["message"],
        "argument \"newFatherId\" must be a positive integer id (1 to 4294967295), got \"a\\\"b\""
    );
    // An integer literal is a valid ID input in GraphQL.
    let response = run(&schema, "{ category(id: 3) { id } }").await;
    assert_eq!(ok(&response)["category"]["id"], "3");
}

#[tokio::test]
async fn an_invalid_snapshot_fails_every_field_with_its_code() {
    let mut cyclic = sample();
    cyclic.categories[1].father_category_id = Some(CategoryId(3)); // Shoes under Trail
    let mut sku_text = sample();
    sku_text.fields[0].is_stock_keeping_unit = true; // Brand is Text
    let cases = [
        (
            &cyclic,
            "{ categoryTree { id } }",
            "categoryTree",
            "CATEGORY_CYCLE",
        ),
        (
            &cyclic,
            "{ category(id: \"5\") { id } }",
            "category",
            "CATEGORY_CYCLE",
        ),
        (
            &sku_text,
            "{ categoryTree { id } }",
            "categoryTree",
            "SPEC_FIELD_SKU_TYPE_NOT_ALLOWED",
        ),
        // The id is checked before the catalog.
        (
            &sku_text,
            "{ category(id: \"x\") { id } }",
            "category",
            "INVALID_ID",
        ),
    ];
    for (catalog, query, field, code) in cases {
        let response = run(&schema_with_catalog(catalog.clone()), query).await;
        assert_eq!(error_code(&response, field), code, "{query}");
    }
}

#[tokio::test]
async fn the_catalog_can_come_with_the_request() {
    let schema = schema();
    let missing =
        serde_json::to_value(schema.execute("{ categoryTree { id } }").await).expect("json");
    assert_eq!(
        error_code(&missing, "categoryTree"),
        ponte_graphql::CATALOG_MISSING
    );
    let request = async_graphql::Request::new("{ category(id: \"3\") { name } }")
        .data(CatalogData::new(sample()));
    let response = serde_json::to_value(schema.execute(request).await).expect("json");
    assert_eq!(ok(&response)["category"]["name"], "Trail");
}
