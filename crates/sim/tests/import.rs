//! Catalog import over real HTTP on 127.0.0.1: brands, products, SKUs, specifications, images,
//! trade policies and their rules; an import by hand checked against ponte-core; the ERP batch;
//! VBase; fault injection and statistics.

mod common;

use common::*;
use ponte_core::catalog::import::{
    CatalogState, ImportBatch, ImportOptions, ImportPlan, Operation, Ref, plan,
};
use ponte_sim::{FaultConfig, Sim, SimConfig};
use reqwest::{Client, Method, Proxy, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const PRODUCT: &str = "/api/catalog/pvt/product";
const SKU: &str = "/api/catalog/pvt/stockkeepingunit";
const BRAND: &str = "/api/catalog/pvt/brand";
const CATEGORY: &str = "/api/catalog/pvt/category";
const GROUP: &str = "/api/catalog/pvt/specificationgroup";
const FIELD: &str = "/api/catalog/pvt/specification";
const VALUE: &str = "/api/catalog/pvt/specificationvalue";

fn u(sim: &Sim, path: &str) -> String {
    format!("{}{path}", sim.url())
}

async fn export(c: &Client, sim: &Sim) -> CatalogState {
    let r = get(c, &u(sim, "/_sim/accounts/ponte/catalog")).await;
    assert_eq!(r.status, StatusCode::OK);
    serde_json::from_value(r.body).unwrap_or_else(|e| panic!("export: {e}"))
}

fn assert_refused(r: &Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["code"], code, "{}", r.body);
    assert!(r.body["Message"].is_string(), "{}", r.body);
}

struct Small {
    dept: u64,
    leaf: u64,
    brand: u64,
    color: u64,
    black: u64,
    material: u64,
    cotton: u64,
    weight: u64,
}

/// Department → leaf; on the department a Radio SKU field `Color` and product fields
/// `Material` (Combo) and `Weight` (Number); a brand.
async fn small_catalog(c: &Client, sim: &Sim) -> Small {
    let create =
        async |path: &str, body: Value| id_of(&created(c, &u(sim, path), body).await, "Id");
    let create_value =
        async |body: Value| id_of(&created(c, &u(sim, VALUE), body).await, "FieldValueId");
    let cat = |name: &str, father: Option<u64>| {
        json!({"Name": name, "FatherCategoryId": father, "IsActive": true, "Title": name,
               "Description": name, "Keywords": name, "ShowInStoreFront": true,
               "ActiveStoreFrontLink": true, "ShowBrandFilter": true,
               "StockKeepingUnitSelectionMode": "SPECIFICATION", "GlobalCategoryId": null,
               "Score": null, "AdWordsRemarketingCode": null, "LomadeeCampaignCode": null})
    };
    let dept = create(CATEGORY, cat("Shoes", None)).await;
    let leaf = create(CATEGORY, cat("Running", Some(dept))).await;
    let group = create(GROUP, json!({"CategoryId": dept, "Name": "Specs"})).await;
    let field = |name: &str, t: u8, sku: bool| {
        json!({"FieldTypeId": t, "FieldGroupId": group, "Name": name, "IsStockKeepingUnit": sku,
               "IsActive": true, "IsRequired": false, "IsFilter": false})
    };
    let color = create(FIELD, field("Color", 6, true)).await;
    let material = create(FIELD, field("Material", 5, false)).await;
    let weight = create(FIELD, field("Weight", 4, false)).await;
    let value = |f: u64, name: &str| json!({"FieldId": f, "Name": name, "IsActive": true});
    let black = create_value(value(color, "Black")).await;
    let cotton = create_value(value(material, "Cotton")).await;
    let brand = create(BRAND, json!({"Name": "Acme", "Active": true})).await;
    Small {
        dept,
        leaf,
        brand,
        color,
        black,
        material,
        cotton,
        weight,
    }
}

fn sku_body(product: u64, ref_id: &str) -> Value {
    json!({"ProductId": product, "IsActive": false, "Name": format!("SKU {ref_id}"),
           "RefId": ref_id, "PackagedHeight": 10, "PackagedLength": 20, "PackagedWidth": 5,
           "PackagedWeightKg": 300, "MeasurementUnit": "un", "UnitMultiplier": 1})
}

#[tokio::test]
async fn every_rule_is_refused_with_a_vtex_like_answer_and_changes_nothing() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let s = small_catalog(&c, &sim).await;

    // A product on a non-leaf category.
    let product = |cat: u64, ref_id: &str| {
        json!({"Name": "Trail shoe", "CategoryId": cat, "BrandId": s.brand, "RefId": ref_id,
               "IsActive": true, "IsVisible": true, "Description": "Light"})
    };
    let before = export(&c, &sim).await;
    let r = post(&c, &u(&sim, PRODUCT), product(s.dept, "P-1")).await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "PRODUCT_CATEGORY_NOT_LEAF");
    let r = post(&c, &u(&sim, PRODUCT), product(s.leaf, "P-1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["DepartmentId"], s.dept);
    let p = id_of(&r.body, "Id");
    // Duplicate RefId.
    let r = post(&c, &u(&sim, PRODUCT), product(s.leaf, "P-1")).await;
    assert_refused(&r, StatusCode::CONFLICT, "PRODUCT_REFID_DUPLICATE");
    let r = get(
        &c,
        &u(
            &sim,
            "/api/catalog_system/pvt/products/productgetbyrefid/P-1",
        ),
    )
    .await;
    assert_eq!(r.body["Id"], p);
    let r = get(
        &c,
        &u(
            &sim,
            "/api/catalog_system/pvt/products/productgetbyrefid/nope",
        ),
    )
    .await;
    assert_eq!((r.status, r.body), (StatusCode::OK, Value::Null));

    // An SKU created active; a zero dimension; neither RefId nor EAN.
    let mut active = sku_body(p, "S-1");
    active["IsActive"] = json!(true);
    let r = post(&c, &u(&sim, SKU), active).await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "SKU_CREATED_ACTIVE");
    let mut flat = sku_body(p, "S-1");
    flat["PackagedHeight"] = json!(0);
    let r = post(&c, &u(&sim, SKU), flat).await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "SKU_DIMENSIONS_INVALID");
    let mut anonymous = sku_body(p, "S-1");
    anonymous["RefId"] = Value::Null;
    let r = post(&c, &u(&sim, SKU), anonymous).await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "SKU_IDENTIFIER_MISSING");
    let r = get(&c, &u(&sim, &format!("{SKU}?RefId=S-1"))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    let sku = id_of(&created(&c, &u(&sim, SKU), sku_body(p, "S-1")).await, "Id");
    let r = post(&c, &u(&sim, SKU), sku_body(p, "S-1")).await;
    assert_refused(&r, StatusCode::CONFLICT, "SKU_REFID_DUPLICATE");
    let r = get(
        &c,
        &u(
            &sim,
            "/api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/S-1",
        ),
    )
    .await;
    assert_eq!(r.body, json!(sku.to_string()));

    // Specifications: an SKU spec on a product field, a product spec on an SKU field, a
    // value of another field, a Number that is not one.
    let spec_url = u(&sim, &format!("{SKU}/{sku}/specification"));
    let r = post(
        &c,
        &spec_url,
        json!({"FieldId": s.material, "FieldValueId": s.cotton}),
    )
    .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "SPEC_FIELD_TARGET_MISMATCH");
    let r = post(
        &c,
        &spec_url,
        json!({"FieldId": s.color, "FieldValueId": s.cotton}),
    )
    .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "SPEC_VALUE_NOT_OF_FIELD");
    let pspec_url = u(&sim, &format!("{PRODUCT}/{p}/specification"));
    let r = post(
        &c,
        &pspec_url,
        json!({"FieldId": s.color, "FieldValueId": s.black}),
    )
    .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "SPEC_FIELD_TARGET_MISMATCH");
    let r = post(
        &c,
        &pspec_url,
        json!({"FieldId": s.weight, "Text": "heavy"}),
    )
    .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "SPEC_NUMBER_INVALID");
    let r = post(&c, &pspec_url, json!({"FieldId": s.weight, "Text": "250"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Activation with unmet preconditions, then met.
    let mut on = sku_body(p, "S-1");
    on["IsActive"] = json!(true);
    let r = put(&c, &u(&sim, &format!("{SKU}/{sku}")), on.clone()).await;
    assert_refused(
        &r,
        StatusCode::BAD_REQUEST,
        "SKU_ACTIVATION_PRECONDITIONS_UNMET",
    );
    assert_eq!(
        r.body["Unmet"],
        json!([{"code": "NO_IMAGE"}, {"code": "SKU_SPECIFICATION_MISSING", "field": "Color"}])
    );
    let file_url = u(&sim, &format!("{SKU}/{sku}/file"));
    let r = post(
        &c,
        &file_url,
        json!({"Name": "front", "Url": "https://images.example/s1.webp", "IsMain": true}),
    )
    .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "IMAGE_URL_INVALID");
    let r = post(
        &c,
        &file_url,
        json!({"Name": "front", "Url": "https://images.example/s1.jpg", "IsMain": false, "Position": 0}),
    )
    .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "IMAGE_MAIN_POSITION");

    // A field with predefined values is deleted by its field id; its row id answers 404
    // (Catalog API, "Delete a product specification"; docs/vtex/C-catalog.md §C.7).
    let r = post(
        &c,
        &pspec_url,
        json!({"FieldId": s.material, "FieldValueId": s.cotton}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let row = r.body["Id"].as_u64().unwrap_or_default();
    if row != s.material {
        let by_row = call(&c, Method::DELETE, &format!("{pspec_url}/{row}"), None).await;
        assert_eq!(by_row.status, StatusCode::NOT_FOUND, "{}", by_row.body);
    }
    let by_field = call(
        &c,
        Method::DELETE,
        &format!("{pspec_url}/{}", s.material),
        None,
    )
    .await;
    assert_eq!(by_field.status, StatusCode::OK, "{}", by_field.body);

    // Nothing refused so far changed anything but what was accepted.
    let mid = export(&c, &sim).await;
    assert_eq!(mid.products.len(), 1);
    assert_eq!(mid.skus.len(), 1);
    assert_eq!(mid.sku_images.len(), 0);
    assert_eq!(mid.sku_specifications.len(), 0);
    assert_eq!(mid.product_specifications.len(), 1);
    assert_eq!(before.catalog, mid.catalog);

    let r = post(
        &c,
        &file_url,
        json!({"Name": "front", "Url": "https://images.example/s1.jpg", "IsMain": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body[0]["Position"], 0);
    let r = post(
        &c,
        &spec_url,
        json!({"FieldId": s.color, "FieldValueId": s.black}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["Text"], "Black");
    // The PUT of the same answers an array (the OpenAPI's response schema), the POST the row.
    let r = put(
        &c,
        &spec_url,
        json!({"FieldId": s.color, "FieldValueId": s.black}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body[0]["Text"], "Black", "{}", r.body);
    // So does the PUT of a file (`SkuFileResponse` is an array).
    let files = get(&c, &file_url).await;
    let file_id = files.body[0]["Id"].as_u64().unwrap_or_default();
    let r = put(
        &c,
        &u(&sim, &format!("{SKU}/{sku}/file/{file_id}")),
        json!({"Name": "front", "Url": "https://images.example/s1.jpg", "IsMain": true, "Label": "front"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body[0]["Id"], json!(file_id), "{}", r.body);
    // The SKU context (the legacy read `@vtex/clients` makes), by id and by EAN alike.
    let context = get(
        &c,
        &u(
            &sim,
            &format!("/api/catalog_system/pvt/sku/stockkeepingunitbyid/{sku}"),
        ),
    )
    .await;
    assert_eq!(context.status, StatusCode::OK, "{}", context.body);
    assert_eq!(context.body["AlternateIds"]["RefId"], "S-1");
    assert_eq!(context.body["Images"][0]["FileId"], json!(file_id));
    assert_eq!(
        context.body["SkuSpecifications"][0]["FieldValues"],
        json!(["Black"])
    );
    // Never-set codes read as "" and numbers as 0, as VTEX's examples show them.
    let fresh = get(&c, &u(&sim, &format!("{SKU}/{sku}"))).await.body;
    assert_eq!(
        (
            fresh["ManufacturerCode"].clone(),
            fresh["RewardValue"].clone()
        ),
        (json!(""), json!(0.0))
    );
    let product = get(&c, &u(&sim, &format!("{PRODUCT}/{p}"))).await.body;
    assert_eq!(
        (
            product["TaxCode"].clone(),
            product["LomadeeCampaignCode"].clone()
        ),
        (json!(""), json!(""))
    );
    // VTEX stamps the SKU's creation.
    let created_at = get(&c, &u(&sim, &format!("{SKU}/{sku}"))).await.body["CreationDate"].clone();
    assert!(
        created_at.as_str().is_some_and(|d| d.starts_with("20")),
        "{created_at}"
    );
    let r = put(&c, &u(&sim, &format!("{SKU}/{sku}")), on).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["IsActive"], true);

    // ActivateIfPossible: the last precondition (the image) activates the SKU.
    let mut auto = sku_body(p, "S-2");
    auto["ActivateIfPossible"] = json!(true);
    let sku2 = id_of(&created(&c, &u(&sim, SKU), auto).await, "Id");
    created(
        &c,
        &u(&sim, &format!("{SKU}/{sku2}/specification")),
        json!({"FieldId": s.color, "FieldValueId": s.black}),
    )
    .await;
    assert_eq!(
        get(&c, &u(&sim, &format!("{SKU}/{sku2}"))).await.body["IsActive"],
        false
    );
    created(
        &c,
        &u(&sim, &format!("{SKU}/{sku2}/file")),
        json!({"Name": "main", "Url": "http://images.example/s2.png", "IsMain": true}),
    )
    .await;
    assert_eq!(
        get(&c, &u(&sim, &format!("{SKU}/{sku2}"))).await.body["IsActive"],
        true
    );

    // Trade policies: the main one exists, others do not.
    let r = call(
        &c,
        Method::POST,
        &u(&sim, &format!("{PRODUCT}/{p}/salespolicy/1")),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = call(
        &c,
        Method::POST,
        &u(&sim, &format!("{PRODUCT}/{p}/salespolicy/9")),
        None,
    )
    .await;
    assert_refused(&r, StatusCode::NOT_FOUND, "TRADE_POLICY_NOT_FOUND");
    let r = get(&c, &u(&sim, &format!("{PRODUCT}/{p}/salespolicy"))).await;
    assert_eq!(r.body, json!([{"ProductId": p, "StoreId": 1}]));
    let r = get(&c, &u(&sim, "/api/catalog_system/pvt/saleschannel/list")).await;
    assert_eq!(r.body[0]["Id"], 1);

    // The second create shape (§C.5): CategoryPath + BrandName, creating what is missing.
    let by_names = post(
        &c,
        &u(&sim, PRODUCT),
        json!({"Name": "By names", "CategoryPath": "Outdoor/Tents", "BrandName": "Campers", "RefId": "P-NAMES"}),
    )
    .await;
    assert_eq!(by_names.status, StatusCode::OK, "{}", by_names.body);
    let tents = by_names.body["CategoryId"].clone();
    let tent_category = get(&c, &u(&sim, &format!("{CATEGORY}/{tents}"))).await;
    assert_eq!(
        tent_category.body["Name"], "Tents",
        "{}",
        tent_category.body
    );
    let again = post(
        &c,
        &u(&sim, PRODUCT),
        json!({"Name": "By names 2", "CategoryPath": "outdoor/TENTS", "BrandName": "campers", "RefId": "P-NAMES-2"}),
    )
    .await;
    assert_eq!(again.body["CategoryId"], tents, "{}", again.body);
    assert_eq!(again.body["BrandId"], by_names.body["BrandId"]);

    // The legacy brand path (`@vtex/clients` reads it): the `BrandGet` shape.
    let r = get(
        &c,
        &u(&sim, &format!("/api/catalog_system/pvt/brand/{}", s.brand)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["id"].clone(), r.body["name"].clone()),
        (json!(s.brand), json!("Acme"))
    );
    let r = get(&c, &u(&sim, "/api/catalog_system/pvt/brand/999999")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // A brand in use cannot go; a PUT of a product is a full replace.
    let r = call(
        &c,
        Method::DELETE,
        &u(&sim, &format!("{BRAND}/{}", s.brand)),
        None,
    )
    .await;
    assert_refused(&r, StatusCode::CONFLICT, "BRAND_IN_USE");
    let r = put(
        &c,
        &u(&sim, &format!("{PRODUCT}/{p}")),
        json!({"Name": "Trail shoe 2", "CategoryId": s.leaf, "BrandId": s.brand, "RefId": "P-1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["IsActive"], false);
    assert_eq!(r.body["Description"], Value::Null);
    stop(sim).await;
}

/// Runs a ponte-core plan through the HTTP API, the way an integration would.
async fn execute(c: &Client, sim: &Sim, plan: &ImportPlan) {
    let mut created: BTreeMap<u32, u64> = BTreeMap::new();
    fn id<T: serde::Serialize>(created: &BTreeMap<u32, u64>, r: &Ref<T>) -> u64 {
        match r {
            Ref::Existing { id } => serde_json::to_value(id)
                .ok()
                .and_then(|v| v.as_u64())
                .unwrap_or_else(|| panic!("not an id")),
            Ref::Planned { step } => *created
                .get(step)
                .unwrap_or_else(|| panic!("step {step} created nothing")),
        }
    }
    for step in &plan.steps {
        let new = match &step.operation {
            Operation::CreateCategory {
                name,
                father,
                is_active,
            } => {
                let father = father.as_ref().map(|f| id(&created, f));
                let body = json!({"Name": name, "FatherCategoryId": father, "IsActive": is_active});
                Some(id_of(&created_ok(c, sim, CATEGORY, body).await, "Id"))
            }
            Operation::CreateBrand {
                name,
                link_id,
                is_active,
            } => {
                let body = json!({"Name": name, "LinkId": link_id, "Active": is_active});
                Some(id_of(&created_ok(c, sim, BRAND, body).await, "Id"))
            }
            Operation::CreateSpecificationGroup {
                category,
                name,
                position,
            } => {
                let category = category.as_ref().map(|x| id(&created, x));
                let body = json!({"CategoryId": category, "Name": name, "Position": position});
                Some(id_of(&created_ok(c, sim, GROUP, body).await, "Id"))
            }
            Operation::CreateSpecificationField {
                group,
                category,
                name,
                field_type_id,
                is_stock_keeping_unit,
                is_required,
                is_filter,
                is_active,
                position,
            } => {
                let body = json!({"FieldGroupId": id(&created, group),
                    "CategoryId": category.as_ref().map(|x| id(&created, x)), "Name": name,
                    "FieldTypeId": field_type_id, "IsStockKeepingUnit": is_stock_keeping_unit,
                    "IsRequired": is_required, "IsFilter": is_filter, "IsActive": is_active,
                    "Position": position});
                Some(id_of(&created_ok(c, sim, FIELD, body).await, "Id"))
            }
            Operation::CreateSpecificationValue {
                field,
                name,
                is_active,
                position,
            } => {
                let body = json!({"FieldId": id(&created, field), "Name": name,
                    "IsActive": is_active, "Position": position});
                Some(id_of(
                    &created_ok(c, sim, VALUE, body).await,
                    "FieldValueId",
                ))
            }
            Operation::CreateProduct {
                category,
                brand,
                product,
            } => {
                let mut body = serde_json::to_value(product).unwrap_or_default();
                body["CategoryId"] = json!(id(&created, category));
                body["BrandId"] = json!(id(&created, brand));
                Some(id_of(&created_ok(c, sim, PRODUCT, body).await, "Id"))
            }
            Operation::LinkProductTradePolicy {
                product,
                trade_policy_id,
            } => {
                let path = format!(
                    "{PRODUCT}/{}/salespolicy/{}",
                    id(&created, product),
                    trade_policy_id
                );
                let r = call(c, Method::POST, &u(sim, &path), None).await;
                assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
                None
            }
            Operation::CreateSku { product, sku } => {
                let mut body = serde_json::to_value(sku).unwrap_or_default();
                body["ProductId"] = json!(id(&created, product));
                Some(id_of(&created_ok(c, sim, SKU, body).await, "Id"))
            }
            Operation::SetProductSpecification {
                product,
                field,
                text,
                values,
            } => {
                let path = format!("{PRODUCT}/{}/specification", id(&created, product));
                let field = id(&created, field);
                if let Some(t) = text {
                    created_ok(c, sim, &path, json!({"FieldId": field, "Text": t})).await;
                }
                for v in values {
                    let body = json!({"FieldId": field, "FieldValueId": id(&created, v)});
                    created_ok(c, sim, &path, body).await;
                }
                None
            }
            Operation::SetSkuSpecification { sku, field, value } => {
                let path = format!("{SKU}/{}/specification", id(&created, sku));
                let body =
                    json!({"FieldId": id(&created, field), "FieldValueId": id(&created, value)});
                created_ok(c, sim, &path, body).await;
                None
            }
            Operation::AddSkuImage { sku, image } => {
                let path = format!("{SKU}/{}/file", id(&created, sku));
                let body = json!({"Name": image.name, "Url": image.url, "IsMain": image.is_main,
                    "Position": image.position, "Label": image.label, "Text": image.text});
                created_ok(c, sim, &path, body).await;
                None
            }
            Operation::ActivateSku { sku } => {
                let url = u(sim, &format!("{SKU}/{}", id(&created, sku)));
                let mut body = get(c, &url).await.body;
                body["IsActive"] = json!(true);
                let r = put(c, &url, body).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                None
            }
            other => panic!("a create-only plan has no {other:?}"),
        };
        if let Some(new) = new {
            created.insert(step.index, new);
        }
    }
}

async fn created_ok(c: &Client, sim: &Sim, path: &str, body: Value) -> Value {
    created(c, &u(sim, path), body).await
}

#[tokio::test]
async fn an_import_by_hand_ends_with_the_batch_in_the_export() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let r = get(
        &c,
        &u(
            &sim,
            "/_sim/erp/catalog-batch?seed=3&departments=2&categories=4&products=6&skus=40",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let batch: ImportBatch =
        serde_json::from_value(r.body).unwrap_or_else(|e| panic!("batch: {e}"));
    let options = ImportOptions {
        activate_skus: true,
        ..ImportOptions::default()
    };
    let the_plan =
        plan(&export(&c, &sim).await, &batch, &options).unwrap_or_else(|e| panic!("plan: {e:?}"));
    let imageless = the_plan.activation.iter().filter(|a| !a.activate).count();
    assert!(imageless >= 1);
    execute(&c, &sim, &the_plan).await;

    // The catalog now holds the batch exactly: planning it again finds nothing to do.
    let state = export(&c, &sim).await;
    let again = plan(&state, &batch, &options).unwrap_or_else(|e| panic!("replan: {e:?}"));
    assert_eq!(again.summary.creates, 0, "{:?}", again.summary);
    assert_eq!(again.summary.updates, 0, "{:?}", again.summary);
    assert_eq!(again.summary.activations, 0, "{:?}", again.summary);
    assert_eq!(state.products.len(), 6);
    assert_eq!(state.skus.len(), 40);
    assert_eq!(
        state.skus.iter().filter(|s| !s.is_active).count(),
        imageless
    );
    assert_eq!(state.product_trade_policies.len(), 6);
    let images: usize = batch
        .products
        .iter()
        .flat_map(|p| &p.skus)
        .map(|s| s.images.len())
        .sum();
    assert_eq!(state.sku_images.len(), images);
    assert_eq!(state.sku_specifications.len(), 80);

    // And it survives a restart.
    stop(sim).await;
    let sim = start(dir.path(), None).await;
    assert_eq!(export(&c, &sim).await, state);
    // Every entity was written once.
    stop(sim).await;
}

#[tokio::test]
async fn the_erp_batch_is_deterministic_and_plans_cleanly_in_ponte_core() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let a = get(&c, &u(&sim, "/_sim/erp/catalog-batch")).await;
    let b = get(&c, &u(&sim, "/_sim/erp/catalog-batch?seed=1")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, b.body);
    let batch: ImportBatch =
        serde_json::from_value(a.body).unwrap_or_else(|e| panic!("batch: {e}"));
    assert_eq!(batch.products.len(), 500);
    assert_eq!(batch.categories.len(), 43);
    let skus: Vec<_> = batch.products.iter().flat_map(|p| &p.skus).collect();
    assert_eq!(skus.len(), 2000);
    assert!(skus.iter().all(|s| {
        s.images
            .iter()
            .all(|i| i.url.starts_with("https://images.example/") && i.url.ends_with(".jpg"))
    }));
    let p = plan(&CatalogState::default(), &batch, &ImportOptions::default());
    assert!(
        p.is_ok(),
        "{:?}",
        p.err().map(|e| e.into_iter().take(3).collect::<Vec<_>>())
    );
    let other = get(
        &c,
        &u(&sim, "/_sim/erp/catalog-batch?seed=2&products=10&skus=20"),
    )
    .await;
    assert_ne!(other.body, b.body);
    let bad = get(&c, &u(&sim, "/_sim/erp/catalog-batch?departments=0")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    stop(sim).await;
}

fn proxied(sim: &Sim) -> Client {
    Client::builder()
        .proxy(Proxy::http(sim.url()).unwrap_or_else(|e| panic!("proxy: {e}")))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

const VBASE: &str = "http://infra.io.vtex.com/vbase/v2/ponte/master/buckets/vtex.ponte/jobs";

#[tokio::test]
async fn vbase_saves_reads_lists_conditionally_and_survives_a_restart() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);
    let file = format!("{VBASE}/files/import/job-1.json");
    let missing = c.get(&file).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let saved = c
        .put(&file)
        .json(&json!({"step": 3}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(saved.status(), StatusCode::OK);
    let etag = saved
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(!etag.is_empty());
    // A conditional save with a stale ETag is refused and changes nothing.
    let stale = c
        .put(&file)
        .header("If-Match", "\"stale\"")
        .json(&json!({"step": 99}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let fresh = c
        .put(&file)
        .header("If-Match", &etag)
        .json(&json!({"step": 4}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fresh.status(), StatusCode::OK);
    c.put(format!("{VBASE}/files/other/x.json"))
        .json(&json!(1))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let list: Value = c
        .get(format!("{VBASE}/files?prefix=import/"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["data"][0]["path"], "import/job-1.json");
    stop(sim).await;

    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);
    let got = c.get(&file).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got.status(), StatusCode::OK);
    let body: Value = got.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body, json!({"step": 4}));
    let gone = c
        .delete(&file)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let missing = c.get(&file).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    stop(sim).await;
}

#[tokio::test]
async fn faults_refuse_catalog_calls_before_they_happen_and_stats_count() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = client();
    let r = put(
        &c,
        &u(&sim, "/_sim/faults"),
        json!({"rate429": 1.0, "retryAfterSeconds": 2, "seed": 7}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (method, path, body) in [
        (
            Method::POST,
            BRAND.to_owned(),
            Some(json!({"Name": "Acme"})),
        ),
        (
            Method::GET,
            "/api/catalog_system/pvt/brand/list".to_owned(),
            None,
        ),
        (
            Method::POST,
            "/api/catalog/pvt/category".to_owned(),
            Some(json!({"Name": "Dept"})),
        ),
    ] {
        let resp = c
            .request(method, u(&sim, &path))
            .header(APP_KEY.0, APP_KEY.1)
            .header(APP_TOKEN.0, APP_TOKEN.1)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert_eq!(
            resp.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("2")
        );
    }
    // Nothing was written, /_sim/* is never faulted.
    let state = export(&c, &sim).await;
    assert!(state.brands.is_empty() && state.catalog.categories.is_empty());
    let stats = get(&c, &u(&sim, "/_sim/stats")).await.body;
    assert_eq!(stats["faults"]["429"], 3);
    assert_eq!(stats["writesTotal"], 0);

    put(&c, &u(&sim, "/_sim/faults"), json!({"rate5xx": 1.0})).await;
    let r = post(&c, &u(&sim, BRAND), json!({"Name": "Acme"})).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    // Half the calls faulted, deterministically for a seed.
    put(
        &c,
        &u(&sim, "/_sim/faults"),
        json!({"rate429": 0.5, "seed": 11}),
    )
    .await;
    let mut seen = Vec::new();
    for _ in 0..20 {
        seen.push(
            get(&c, &u(&sim, "/api/catalog_system/pvt/brand/list"))
                .await
                .status,
        );
    }
    put(
        &c,
        &u(&sim, "/_sim/faults"),
        json!({"rate429": 0.5, "seed": 11}),
    )
    .await;
    for s in &seen {
        assert_eq!(
            get(&c, &u(&sim, "/api/catalog_system/pvt/brand/list"))
                .await
                .status,
            *s
        );
    }
    assert!(seen.contains(&StatusCode::OK) && seen.contains(&StatusCode::TOO_MANY_REQUESTS));

    put(&c, &u(&sim, "/_sim/faults"), json!({})).await;
    created(&c, &u(&sim, BRAND), json!({"Name": "Acme"})).await;
    let r = post(&c, &u(&sim, BRAND), json!({"Name": "acme"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let stats = get(&c, &u(&sim, "/_sim/stats")).await.body;
    assert_eq!(stats["writes"]["POST /api/catalog/pvt/brand"], 1);
    assert_eq!(stats["faults"]["5xx"], 1);
    let r = call(&c, Method::DELETE, &u(&sim, "/_sim/stats"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&c, &u(&sim, "/_sim/stats")).await.body["writesTotal"],
        0
    );
    let bad = put(&c, &u(&sim, "/_sim/faults"), json!({"rate429": 2})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    stop(sim).await;

    // Faults configured at start.
    let mut config = SimConfig::new(dir.path());
    config.faults = FaultConfig {
        rate5xx: 1.0,
        ..FaultConfig::default()
    };
    let sim = Sim::start(config)
        .await
        .unwrap_or_else(|e| panic!("start: {e}"));
    let r = get(&c, &u(&sim, "/api/catalog_system/pvt/brand/list")).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    stop(sim).await;
}
