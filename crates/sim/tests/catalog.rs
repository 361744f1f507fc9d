//! The Catalog API over real HTTP on 127.0.0.1: shapes, refused writes, proxy-style routing,
//! persistence across restarts and seeding.

mod common;

use common::*;
use ponte_sim::Seed;
use reqwest::{Method, Proxy, StatusCode};
use serde_json::{Value, json};

const CATEGORY: &str = "/api/catalog/pvt/category";
const GROUP: &str = "/api/catalog/pvt/specificationgroup";
const FIELD: &str = "/api/catalog/pvt/specification";
const VALUE: &str = "/api/catalog/pvt/specificationvalue";

fn category_body(name: &str, father: Option<u64>) -> Value {
    json!({
        "Name": name,
        "Keywords": format!("{name}, kw"),
        "Title": format!("{name} title"),
        "Description": format!("{name} description"),
        "AdWordsRemarketingCode": null,
        "LomadeeCampaignCode": null,
        "FatherCategoryId": father,
        "GlobalCategoryId": 222,
        "ShowInStoreFront": true,
        "IsActive": true,
        "ActiveStoreFrontLink": true,
        "ShowBrandFilter": true,
        "Score": 3,
        "StockKeepingUnitSelectionMode": "LIST"
    })
}

fn field_body(name: &str, group: u64, type_id: u8, sku: bool) -> Value {
    json!({
        "FieldTypeId": type_id,
        "FieldGroupId": group,
        "Name": name,
        "Description": format!("{name} description"),
        "Position": 1,
        "IsFilter": true,
        "IsRequired": sku,
        "IsOnProductDetails": false,
        "IsStockKeepingUnit": sku,
        "IsActive": true,
        "IsTopMenuLinkActive": false,
        "IsSideMenuLinkActive": true,
        "DefaultValue": null
    })
}

/// Ids of what [`build_catalog`] creates.
#[derive(Debug, Clone, Copy)]
struct Built {
    dept: u64,
    child: u64,
    grandchild: u64,
    root_group: u64,
    dept_group: u64,
    child_group: u64,
    text_field: u64,
    root_field: u64,
    sku_combo: u64,
    checkbox: u64,
    small: u64,
    large: u64,
}

async fn build_catalog(c: &reqwest::Client, base: &str) -> Built {
    let dept = created(
        c,
        &format!("{base}{CATEGORY}"),
        category_body("Women Fashion", None),
    )
    .await;
    let dept_id = id_of(&dept, "Id");
    assert_eq!(dept_id, 1, "ids start at 1");
    // Shape of the create answer (catalog-api.json, "Create category").
    assert_eq!(dept["Name"], "Women Fashion");
    assert_eq!(dept["FatherCategoryId"], Value::Null);
    assert_eq!(dept["Title"], "Women Fashion title");
    assert_eq!(dept["Keywords"], "Women Fashion, kw");
    assert_eq!(dept["GlobalCategoryId"], 222);
    assert_eq!(dept["StockKeepingUnitSelectionMode"], "LIST");
    assert_eq!(dept["Score"], 3);
    assert_eq!(dept["LinkId"], "Women-Fashion");
    assert_eq!(dept["HasChildren"], false);
    assert_eq!(dept["TreePath"], Value::Null);
    for key in [
        "LomadeeCampaignCode",
        "AdWordsRemarketingCode",
        "ShowInStoreFront",
        "ShowBrandFilter",
        "ActiveStoreFrontLink",
        "IsActive",
        "TreePathIds",
        "TreePathLinkIds",
    ] {
        assert!(dept.get(key).is_some(), "{key} missing in {dept}");
    }

    let child_id = id_of(
        &created(
            c,
            &format!("{base}{CATEGORY}"),
            category_body("Accessories", Some(dept_id)),
        )
        .await,
        "Id",
    );
    let grandchild_id = id_of(
        &created(
            c,
            &format!("{base}{CATEGORY}"),
            category_body("Bags", Some(child_id)),
        )
        .await,
        "Id",
    );

    let root_group = created(
        c,
        &format!("{base}{GROUP}"),
        json!({"CategoryId": null, "Name": "General"}),
    )
    .await;
    assert_eq!(root_group["CategoryId"], Value::Null);
    assert_eq!(
        root_group["Position"], 1,
        "a group without Position is appended"
    );
    let dept_group = created(
        c,
        &format!("{base}{GROUP}"),
        json!({"CategoryId": dept_id, "Name": "Sizes"}),
    )
    .await;
    assert_eq!(
        dept_group,
        json!({"Id": id_of(&dept_group, "Id"), "CategoryId": dept_id, "Name": "Sizes", "Position": 1})
    );
    let child_group = created(
        c,
        &format!("{base}{GROUP}"),
        json!({"CategoryId": child_id, "Name": "Materials", "Position": 4}),
    )
    .await;

    let root_field = created(
        c,
        &format!("{base}{FIELD}"),
        field_body("Origin", id_of(&root_group, "Id"), 1, false),
    )
    .await;
    let text = created(
        c,
        &format!("{base}{FIELD}"),
        field_body("Care", id_of(&dept_group, "Id"), 2, false),
    )
    .await;
    assert_eq!(
        text["CategoryId"], dept_id,
        "a field's CategoryId is its group's"
    );
    assert_eq!(text["FieldTypeId"], 2);
    let sku_combo = created(
        c,
        &format!("{base}{FIELD}"),
        field_body("Size", id_of(&dept_group, "Id"), 5, true),
    )
    .await;
    assert_eq!(sku_combo["IsStockKeepingUnit"], true);
    // The legacy field API answers the bare id.
    let legacy = created(
        c,
        &format!("{base}/api/catalog_system/pvt/specification/field"),
        json!({"Name": "Features", "CategoryId": child_id, "FieldTypeId": 7, "FieldGroupId": id_of(&child_group, "Id"),
               "IsActive": true, "IsStockKeepingUnit": false, "FieldGroupName": "Materials"}),
    )
    .await;
    let checkbox = legacy
        .as_u64()
        .unwrap_or_else(|| panic!("legacy create answers an integer, got {legacy}"));

    let small = created(
        c,
        &format!("{base}{VALUE}"),
        json!({"FieldId": id_of(&sku_combo, "Id"), "Name": "Small", "Text": null, "IsActive": true, "Position": 2}),
    )
    .await;
    assert_eq!(
        small,
        json!({"FieldValueId": 1, "FieldId": id_of(&sku_combo, "Id"), "Name": "Small", "Text": null, "IsActive": true, "Position": 2})
    );
    let large = created(
        c,
        &format!("{base}/api/catalog_system/pvt/specification/fieldValue"),
        json!({"FieldId": id_of(&sku_combo, "Id"), "Name": "Large", "Text": "big", "IsActive": true, "Position": 1}),
    )
    .await;
    created(
        c,
        &format!("{base}{VALUE}"),
        json!({"FieldId": checkbox, "Name": "Pockets"}),
    )
    .await;

    Built {
        dept: dept_id,
        child: child_id,
        grandchild: grandchild_id,
        root_group: id_of(&root_group, "Id"),
        dept_group: id_of(&dept_group, "Id"),
        child_group: id_of(&child_group, "Id"),
        text_field: id_of(&text, "Id"),
        root_field: id_of(&root_field, "Id"),
        sku_combo: id_of(&sku_combo, "Id"),
        checkbox,
        small: id_of(&small, "FieldValueId"),
        large: id_of(&large, "FieldValueId"),
    }
}

/// Everything [`build_catalog`] made, read back through the GET endpoints.
async fn check_catalog(c: &reqwest::Client, base: &str, b: Built) {
    let dept = get(
        c,
        &format!("{base}{CATEGORY}/{}?includeTreePath=true", b.dept),
    )
    .await;
    assert_eq!(dept.status, StatusCode::OK);
    assert_eq!(dept.body["HasChildren"], true);
    assert_eq!(dept.body["TreePath"], json!(["Women Fashion"]));
    let bags = get(
        c,
        &format!("{base}{CATEGORY}/{}?includeTreePath=true", b.grandchild),
    )
    .await;
    assert_eq!(
        bags.body["TreePathIds"],
        json!([b.dept, b.child, b.grandchild])
    );
    assert_eq!(
        bags.body["TreePathLinkIds"],
        json!(["Women-Fashion", "Accessories", "Bags"])
    );
    assert_eq!(bags.body["Description"], "Bags description");

    let tree = get(c, &format!("{base}/api/catalog_system/pub/category/tree/3")).await;
    assert_eq!(tree.status, StatusCode::OK);
    assert_eq!(tree.body.as_array().map(Vec::len), Some(1));
    let top = &tree.body[0];
    assert_eq!(top["id"], b.dept);
    assert_eq!(top["name"], "Women Fashion");
    assert_eq!(top["hasChildren"], true);
    assert_eq!(
        top["url"],
        "https://ponte.vtexcommercestable.com.br/women-fashion"
    );
    assert_eq!(top["Title"], "Women Fashion title");
    assert_eq!(top["MetaTagDescription"], "Women Fashion description");
    assert_eq!(
        top["children"][0]["children"][0]["url"],
        "https://ponte.vtexcommercestable.com.br/women-fashion/accessories/bags"
    );
    let shallow = get(c, &format!("{base}/api/catalog_system/pub/category/tree/1")).await;
    assert_eq!(
        shallow.body[0]["children"],
        json!([]),
        "one level: departments only"
    );
    assert_eq!(shallow.body[0]["hasChildren"], true);

    let groups = get(
        c,
        &format!(
            "{base}/api/catalog_system/pvt/specification/groupbycategory/{}",
            b.dept
        ),
    )
    .await;
    assert_eq!(
        groups.body,
        json!([{"CategoryId": b.dept, "Id": b.dept_group, "Name": "Sizes", "Position": 1}])
    );
    let group = get(
        c,
        &format!(
            "{base}/api/catalog_system/pub/specification/groupGet/{}",
            b.child_group
        ),
    )
    .await;
    assert_eq!(
        group.body,
        json!({"Id": b.child_group, "CategoryId": b.child, "Name": "Materials", "Position": 4})
    );

    let field = get(c, &format!("{base}{FIELD}/{}", b.sku_combo)).await;
    assert_eq!(field.status, StatusCode::OK);
    assert_eq!(field.body["Name"], "Size");
    assert_eq!(field.body["FieldGroupId"], b.dept_group);
    assert_eq!(field.body["CategoryId"], b.dept);
    assert_eq!(field.body["IsSideMenuLinkActive"], true);
    let field_get = get(
        c,
        &format!(
            "{base}/api/catalog_system/pub/specification/fieldGet/{}",
            b.checkbox
        ),
    )
    .await;
    assert_eq!(field_get.body["FieldId"], b.checkbox);
    assert_eq!(field_get.body["FieldTypeName"], "Checkbox");
    assert_eq!(field_get.body["FieldGroupName"], "Materials");
    assert_eq!(field_get.body["CategoryId"], b.child);
    assert_eq!(field_get.body["FieldValueId"], Value::Null);

    let own = get(
        c,
        &format!(
            "{base}/api/catalog_system/pub/specification/field/listByCategoryId/{}",
            b.child
        ),
    )
    .await;
    assert_eq!(
        own.body,
        json!([{"Name": "Features", "CategoryId": b.child, "FieldId": b.checkbox, "IsActive": true, "IsStockKeepingUnit": false}])
    );
    let visible = get(
        c,
        &format!(
            "{base}/api/catalog_system/pub/specification/field/listTreeByCategoryId/{}",
            b.grandchild
        ),
    )
    .await;
    let ids: Vec<u64> = visible
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["FieldId"].as_u64())
        .collect();
    // Root level first, then from the department down.
    assert_eq!(
        ids,
        vec![b.root_field, b.text_field, b.sku_combo, b.checkbox]
    );
    assert_eq!(visible.body[0]["CategoryId"], Value::Null);

    let values = get(
        c,
        &format!(
            "{base}/api/catalog_system/pub/specification/fieldvalue/{}",
            b.sku_combo
        ),
    )
    .await;
    assert_eq!(
        values.body,
        json!([
            {"FieldValueId": b.large, "Value": "Large", "IsActive": true, "Position": 1},
            {"FieldValueId": b.small, "Value": "Small", "IsActive": true, "Position": 2}
        ]),
        "values are ordered by position"
    );
    let large = get(
        c,
        &format!(
            "{base}/api/catalog_system/pvt/specification/fieldValue/{}",
            b.large
        ),
    )
    .await;
    assert_eq!(large.body["Text"], "big");
    let small = get(c, &format!("{base}{VALUE}/{}", b.small)).await;
    assert_eq!(small.body["Name"], "Small");
}

#[tokio::test]
async fn catalog_round_trip_survives_restart() {
    let dir = temp_dir();
    let c = client();
    let sim = start(dir.path(), None).await;
    let base = sim.url();
    let built = build_catalog(&c, &base).await;
    check_catalog(&c, &base, built).await;

    // Updates: rename (LinkId follows), PUT a field, deactivate a value (legacy PUT).
    let renamed = put(
        &c,
        &format!("{base}{CATEGORY}/{}", built.child),
        category_body("Bags & Belts", Some(built.dept)),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.body["LinkId"], "Bags-Belts");
    let mut field = field_body("Size", built.dept_group, 6, true);
    field["Position"] = json!(7);
    let updated = put(&c, &format!("{base}{FIELD}/{}", built.sku_combo), field).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["FieldTypeId"], 6);
    let legacy = call(
        &c,
        Method::PUT,
        &format!("{base}/api/catalog_system/pvt/specification/fieldValue"),
        Some(&json!({"FieldValueId": built.small, "FieldId": built.sku_combo, "Name": "Small", "Text": null, "IsActive": false, "Position": 2})),
    )
    .await;
    assert_eq!(legacy.status, StatusCode::OK, "{}", legacy.body);
    assert_eq!(legacy.body, "Field Value Updated");
    stop(sim).await;

    let sim = start(dir.path(), None).await;
    let base = sim.url();
    let child = get(&c, &format!("{base}{CATEGORY}/{}", built.child)).await;
    assert_eq!(child.body["Name"], "Bags & Belts");
    assert_eq!(child.body["LinkId"], "Bags-Belts");
    assert_eq!(
        child.body["Keywords"], "Bags & Belts, kw",
        "VTEX-only attributes are kept"
    );
    let field = get(&c, &format!("{base}{FIELD}/{}", built.sku_combo)).await;
    assert_eq!(field.body["FieldTypeId"], 6);
    assert_eq!(field.body["Position"], 7);
    let small = get(&c, &format!("{base}{VALUE}/{}", built.small)).await;
    assert_eq!(small.body["IsActive"], false);
    let group = get(
        &c,
        &format!(
            "{base}/api/catalog_system/pub/specification/groupGet/{}",
            built.root_group
        ),
    )
    .await;
    assert_eq!(group.body["Name"], "General");
    // Counters continue after the restart.
    let next = created(
        &c,
        &format!("{base}{CATEGORY}"),
        category_body("Shoes", None),
    )
    .await;
    assert_eq!(id_of(&next, "Id"), built.grandchild + 1);
    stop(sim).await;
}

#[tokio::test]
async fn refused_writes_change_nothing() {
    let dir = temp_dir();
    let c = client();
    let sim = start(dir.path(), None).await;
    let base = sim.url();
    let b = build_catalog(&c, &base).await;

    // An SKU field of type Text: VTEX's message, and no field afterwards.
    let refused = post(
        &c,
        &format!("{base}{FIELD}"),
        field_body("Color", b.dept_group, 1, true),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body["Message"],
        "Sku Field can be only of the Radio or Combo type"
    );
    assert_eq!(refused.body["code"], "SPEC_FIELD_SKU_TYPE_NOT_ALLOWED");
    let own = get(
        &c,
        &format!(
            "{base}/api/catalog_system/pub/specification/field/listByCategoryId/{}",
            b.dept
        ),
    )
    .await;
    assert!(
        !own.body.to_string().contains("Color"),
        "the refused field is absent: {}",
        own.body
    );
    let legacy = post(
        &c,
        &format!("{base}/api/catalog_system/pvt/specification/field"),
        json!({"Name": "Color", "FieldTypeId": 7, "FieldGroupId": b.dept_group, "IsStockKeepingUnit": true}),
    )
    .await;
    assert_eq!(legacy.status, StatusCode::BAD_REQUEST);
    // The refused creates did not use up an id.
    let next = created(
        &c,
        &format!("{base}{FIELD}"),
        field_body("Fit", b.dept_group, 6, true),
    )
    .await;
    assert_eq!(id_of(&next, "Id"), b.checkbox + 1);

    // A group on a category that does not exist.
    let orphan = post(
        &c,
        &format!("{base}{GROUP}"),
        json!({"CategoryId": 999, "Name": "Nowhere"}),
    )
    .await;
    assert_eq!(orphan.status, StatusCode::BAD_REQUEST);
    assert_eq!(orphan.body["code"], "SPEC_GROUP_CATEGORY_NOT_FOUND");

    // A category under a father that does not exist.
    let orphan = post(
        &c,
        &format!("{base}{CATEGORY}"),
        category_body("Lost", Some(999)),
    )
    .await;
    assert_eq!(orphan.status, StatusCode::BAD_REQUEST);
    assert_eq!(orphan.body["code"], "CATEGORY_FATHER_NOT_FOUND");

    // A cycle through a move: the department under its own grandchild.
    let cycle = put(
        &c,
        &format!("{base}{CATEGORY}/{}", b.dept),
        category_body("Women Fashion", Some(b.grandchild)),
    )
    .await;
    assert_eq!(cycle.status, StatusCode::BAD_REQUEST);
    assert_eq!(cycle.body["code"], "CATEGORY_CYCLE");
    let dept = get(&c, &format!("{base}{CATEGORY}/{}", b.dept)).await;
    assert_eq!(
        dept.body["FatherCategoryId"],
        Value::Null,
        "the refused move changed nothing"
    );

    // A legal move: the grandchild becomes a department.
    let moved = put(
        &c,
        &format!("{base}{CATEGORY}/{}", b.grandchild),
        category_body("Bags", None),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK);
    assert_eq!(moved.body["FatherCategoryId"], Value::Null);

    // A value on a field that takes none, and on a field that does not exist.
    let on_text = post(
        &c,
        &format!("{base}{VALUE}"),
        json!({"FieldId": b.text_field, "Name": "x"}),
    )
    .await;
    assert_eq!(on_text.status, StatusCode::BAD_REQUEST);
    assert_eq!(on_text.body["code"], "SPEC_VALUE_FIELD_TAKES_NO_VALUES");
    let no_field = post(
        &c,
        &format!("{base}{VALUE}"),
        json!({"FieldId": 999, "Name": "x"}),
    )
    .await;
    assert_eq!(no_field.status, StatusCode::BAD_REQUEST);

    // A field with values cannot turn into Text.
    let retype = put(
        &c,
        &format!("{base}{FIELD}/{}", b.sku_combo),
        field_body("Size", b.dept_group, 1, false),
    )
    .await;
    assert_eq!(retype.status, StatusCode::BAD_REQUEST, "{}", retype.body);
    let field = get(&c, &format!("{base}{FIELD}/{}", b.sku_combo)).await;
    assert_eq!(field.body["FieldTypeId"], 5);

    // Empty names.
    let unnamed = post(&c, &format!("{base}{CATEGORY}"), json!({"Name": "  "})).await;
    assert_eq!(unnamed.status, StatusCode::BAD_REQUEST);
    assert_eq!(unnamed.body["code"], "NAME_INVALID");

    // Unknown ids: 404 on GET and PUT.
    for path in [
        format!("{CATEGORY}/999"),
        format!("{FIELD}/999"),
        format!("{VALUE}/999"),
        "/api/catalog_system/pub/specification/groupGet/999".to_owned(),
        "/api/catalog_system/pub/specification/fieldGet/999".to_owned(),
        "/api/catalog_system/pub/specification/fieldvalue/999".to_owned(),
        "/api/catalog_system/pvt/specification/groupbycategory/999".to_owned(),
    ] {
        let r = get(&c, &format!("{base}{path}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "GET {path}: {}", r.body);
        assert!(
            r.body["Message"].is_string() && r.body["code"].is_string(),
            "{}",
            r.body
        );
    }
    let r = put(
        &c,
        &format!("{base}{CATEGORY}/999"),
        category_body("Ghost", None),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = put(&c, &format!("{base}{GROUP}/999"), json!({"Name": "Ghost"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(&c, &format!("{base}{CATEGORY}/abc")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // A supplied Id that is taken.
    let mut dup = category_body("Twin", None);
    dup["Id"] = json!(b.dept);
    let r = post(&c, &format!("{base}{CATEGORY}"), dup).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // A supplied Id that is free is used, and generation continues after it.
    let mut chosen = category_body("Chosen", None);
    chosen["Id"] = json!(100);
    assert_eq!(
        id_of(
            &created(&c, &format!("{base}{CATEGORY}"), chosen).await,
            "Id"
        ),
        100
    );
    assert_eq!(
        id_of(
            &created(
                &c,
                &format!("{base}{CATEGORY}"),
                category_body("After", None)
            )
            .await,
            "Id"
        ),
        101
    );

    // Malformed and ill-typed bodies.
    let req = c
        .post(format!("{base}{CATEGORY}"))
        .header(APP_KEY.0, APP_KEY.1)
        .header(APP_TOKEN.0, APP_TOKEN.1)
        .header("content-type", "application/json")
        .body("{\"Name\": \"Broken\",");
    let r = send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["code"], "REQUEST_BODY_INVALID");
    assert!(
        r.body["Message"]
            .as_str()
            .is_some_and(|m| m.contains("malformed JSON")),
        "{}",
        r.body
    );
    let r = post(&c, &format!("{base}{CATEGORY}"), json!({"Name": 5})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = post(
        &c,
        &format!("{base}{FIELD}"),
        json!({"Name": "No type", "FieldGroupId": b.dept_group}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["Message"]
            .as_str()
            .is_some_and(|m| m.contains("FieldTypeId")),
        "{}",
        r.body
    );

    // Credentials: /pvt/ needs them, /pub/ does not; the VtexIdclientAutCookie header or cookie also works.
    let r = send(
        c.post(format!("{base}{CATEGORY}"))
            .json(&category_body("Anon", None)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["code"], "CREDENTIALS_MISSING");
    let r = send(
        c.get(format!("{base}{CATEGORY}/{}", b.dept))
            .header(APP_KEY.0, APP_KEY.1),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a key without a token is not enough"
    );
    let r = send(
        c.get(format!("{base}{CATEGORY}/{}", b.dept))
            .header("VtexIdclientAutCookie", "token"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(
        c.get(format!("{base}{CATEGORY}/{}", b.dept))
            .header("Cookie", "a=b; VtexIdclientAutCookie=token"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(c.get(format!("{base}/api/catalog_system/pub/category/tree/2"))).await;
    assert_eq!(r.status, StatusCode::OK);

    // After all the refusals, the catalog reads as before (plus the accepted writes).
    let visible = get(
        &c,
        &format!(
            "{base}/api/catalog_system/pub/specification/field/listTreeByCategoryId/{}",
            b.child
        ),
    )
    .await;
    let names: Vec<&str> = visible
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["Name"].as_str())
        .collect();
    assert_eq!(names, vec!["Origin", "Care", "Size", "Fit", "Features"]);
    stop(sim).await;
}

#[tokio::test]
async fn proxy_requests_are_routed_by_host() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let addr = sim.addr();
    let c = client();
    let base = sim.url();
    let dept = created(
        &c,
        &format!("{base}{CATEGORY}"),
        category_body("Home", None),
    )
    .await;
    let id = id_of(&dept, "Id");

    // Portal host, account in ?an= (what VTEX IO Janus clients send through HTTP_PROXY).
    let (status, body) = raw(
        addr,
        &format!(
            "GET http://portal.vtexcommercestable.com.br{CATEGORY}/{id}?an=ponte HTTP/1.1\r\n\
             Host: portal.vtexcommercestable.com.br\r\nVtexIdclientAutCookie: t\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Name"], "Home");
    // Account host.
    let (status, body) = raw(
        addr,
        "GET http://ponte.vtexcommercestable.com.br/api/catalog_system/pub/category/tree/1 HTTP/1.1\r\n\
         Host: ponte.vtexcommercestable.com.br\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["name"], "Home");
    // Another account sees its own (empty) catalog.
    let (status, body) = raw(
        addr,
        "GET http://other.vtexcommercestable.com.br/api/catalog_system/pub/category/tree/1 HTTP/1.1\r\n\
         Host: other.vtexcommercestable.com.br\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!((status, body), (200, json!([])));
    // Portal without an account.
    let (status, body) = raw(
        addr,
        "GET http://portal.vtexcommercestable.com.br/api/catalog_system/pub/category/tree/1 HTTP/1.1\r\n\
         Host: portal.vtexcommercestable.com.br\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "SIM_ACCOUNT_MISSING");
    // A host the simulator does not play.
    let (status, body) = raw(
        addr,
        "GET http://api.example.com/api/catalog_system/pub/category/tree/1 HTTP/1.1\r\n\
         Host: api.example.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 502);
    assert_eq!(body["error"]["code"], "SIM_UNKNOWN_HOST");
    // An unknown path on a known host; the simulator's own routes are not on VTEX hosts.
    let (status, body) = raw(
        addr,
        "GET http://portal.vtexcommercestable.com.br/api/nothing/here?an=ponte HTTP/1.1\r\n\
         Host: portal.vtexcommercestable.com.br\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "SIM_NOT_FOUND");
    let (status, _) = raw(
        addr,
        "GET http://portal.vtexcommercestable.com.br/_sim/health HTTP/1.1\r\n\
         Host: portal.vtexcommercestable.com.br\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 404);
    // A malformed body through the proxy.
    let body = "{not json";
    let (status, reply) = raw(
        addr,
        &format!(
            "POST http://portal.vtexcommercestable.com.br{GROUP}?an=ponte HTTP/1.1\r\n\
             Host: portal.vtexcommercestable.com.br\r\nX-VTEX-API-AppKey: k\r\nX-VTEX-API-AppToken: t\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(reply["code"], "REQUEST_BODY_INVALID");

    // The same through an HTTP client configured with the simulator as its proxy, as the
    // service's axios is with HTTP_PROXY; paths are matched case-insensitively.
    let proxied = reqwest::Client::builder()
        .proxy(Proxy::http(&base).unwrap_or_else(|e| panic!("proxy: {e}")))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    let group = created(
        &proxied,
        &format!("http://portal.vtexcommercestable.com.br{GROUP}?an=ponte"),
        json!({"CategoryId": id, "Name": "Rooms"}),
    )
    .await;
    let r = get(
        &proxied,
        &format!("http://ponte.vtexcommercestable.com.br/api/catalog_system/pub/specification/groupget/{}", id_of(&group, "Id")),
    )
    .await;
    assert_eq!(r.body["Name"], "Rooms");

    // Direct requests: ?an= and x-vtex-account pick the account; health answers.
    let r = send(c.get(format!(
        "{base}/api/catalog_system/pub/category/tree/1?an=other"
    )))
    .await;
    assert_eq!(r.body, json!([]));
    let r = send(
        c.get(format!("{base}/api/catalog_system/pub/category/tree/1"))
            .header("x-vtex-account", "other"),
    )
    .await;
    assert_eq!(r.body, json!([]));
    let r = send(c.get(format!(
        "{base}/api/catalog_system/pub/category/tree/1?an=Not_Valid"
    )))
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(c.get(format!("{base}/_sim/health"))).await;
    assert_eq!(
        (r.status, r.body),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let r = send(c.get(format!("{base}/nope"))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    stop(sim).await;
}

/// Counts of what the demo seed made, read through the API.
async fn demo_counts(c: &reqwest::Client, base: &str) -> (usize, usize, Value) {
    let tree = get(c, &format!("{base}/api/catalog_system/pub/category/tree/5"))
        .await
        .body;
    fn count(nodes: &Value) -> usize {
        nodes
            .as_array()
            .map_or(0, |a| a.iter().map(|n| 1 + count(&n["children"])).sum())
    }
    let mut fields = 0;
    let mut id = 1;
    loop {
        let r = get(c, &format!("{base}{FIELD}/{id}")).await;
        if r.status != StatusCode::OK {
            break;
        }
        fields += 1;
        id += 1;
    }
    (count(&tree), fields, tree)
}

#[tokio::test]
async fn demo_seed_is_complete_and_idempotent() {
    let dir = temp_dir();
    let c = client();
    let sim = start(dir.path(), Some(Seed::Demo)).await;
    let base = sim.url();
    let (categories, fields, tree) = demo_counts(&c, &base).await;
    assert_eq!(tree.as_array().map(Vec::len), Some(3), "three departments");
    assert!((12..=20).contains(&categories), "{categories} categories");
    assert!(fields >= 10, "{fields} fields");
    // Three levels, a root-level field visible everywhere, SKU fields, an inactive field and value.
    let deepest = &tree[0]["children"][0]["children"][0];
    assert!(deepest["id"].is_u64(), "a third level exists: {tree}");
    let leaf = deepest["id"].as_u64().unwrap_or_default();
    let visible = get(
        &c,
        &format!("{base}/api/catalog_system/pub/specification/field/listTreeByCategoryId/{leaf}"),
    )
    .await
    .body;
    assert_eq!(
        visible[0]["CategoryId"],
        Value::Null,
        "root-level field first: {visible}"
    );
    assert!(
        visible
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["IsStockKeepingUnit"] == true)
    );
    let mut inactive_fields = 0;
    let mut inactive_values = 0;
    let mut types = std::collections::BTreeSet::new();
    for id in 1..=fields {
        let f = get(&c, &format!("{base}{FIELD}/{id}")).await.body;
        types.insert(f["FieldTypeId"].as_u64().unwrap_or_default());
        if f["IsActive"] == false {
            inactive_fields += 1;
        }
        if f["IsStockKeepingUnit"] == true {
            assert!(
                [5, 6].contains(&f["FieldTypeId"].as_u64().unwrap_or_default()),
                "{f}"
            );
        }
        let values = get(
            &c,
            &format!("{base}/api/catalog_system/pub/specification/fieldvalue/{id}"),
        )
        .await
        .body;
        inactive_values += values
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| v["IsActive"] == false)
            .count();
    }
    assert_eq!((inactive_fields, inactive_values), (1, 1));
    for t in [1, 4, 5, 6, 7] {
        assert!(
            types.contains(&t),
            "field type {t} missing from the demo: {types:?}"
        );
    }
    // Seeding an account that is not empty does nothing.
    let direct = ponte_sim::vtex::catalog::CatalogService::load(
        ponte_sim::platform::store::Store::open(&dir.path().join("other"))
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        ponte_sim::vtex::catalog::seed::seed(&direct, "x", Seed::Demo)
            .unwrap_or_else(|e| panic!("{e}"))
    );
    assert!(
        !ponte_sim::vtex::catalog::seed::seed(&direct, "x", Seed::Demo)
            .unwrap_or_else(|e| panic!("{e}"))
    );
    let extra = created(
        &c,
        &format!("{base}{CATEGORY}"),
        category_body("Extra", None),
    )
    .await;
    stop(sim).await;

    // Seeding again after a restart creates nothing more, and what was added is still there.
    let sim = start(dir.path(), Some(Seed::Demo)).await;
    let base = sim.url();
    let again = demo_counts(&c, &base).await;
    assert_eq!((again.0, again.1), (categories + 1, fields));
    assert_eq!(again.2.as_array().map(Vec::len), Some(4));
    assert_eq!(again.2[3]["id"], extra["Id"]);
    assert_eq!(again.2[0], tree[0]);
    stop(sim).await;
}
