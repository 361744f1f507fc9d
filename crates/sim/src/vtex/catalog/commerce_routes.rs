//! HTTP handlers of brands, products, SKUs, specifications, images, kits and trade policies
//! (rules in [`super::commerce`]). Paths and shapes follow VTEX's `catalog-api.json` (vendored in `tests/openapi/spec/`).
//!
//! Lookups of something absent **[emulator defaults where the OpenAPI documents only `200`]**:
//! `GET /api/catalog_system/pvt/products/productgetbyrefid/{refId}` answers `200` with a
//! `null` body (VTEX's empty answer); `GET /api/catalog/pvt/stockkeepingunit?RefId=` and
//! `GET /api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/{refId}` answer `404`
//! `SKU_NOT_FOUND`; unknown ids in a path answer `404`.

use super::account::AccountCatalog;
use super::commerce::*;
use super::{ApiResult, Call, Shared, ok, path_id};
use crate::platform::error::ApiError;
use crate::platform::http::{OriginalPath, last_segment, parse_json, query_value};
use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::Uri;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use ponte_core::catalog::import::{Product, SkuImage};
use serde_json::{Value, json};

/// A `GET .../{id}`: the path id `$param` (a positive integer), answered with what `$read`
/// finds in the account (one shape for every entity's read by id).
macro_rules! read_by_id {
    ($(#[$doc:meta])* $name:ident, $param:literal, |$a:ident, $id:ident| $read:expr) => {
        $(#[$doc])*
        async fn $name(c: Call, Path(id): Path<String>) -> ApiResult {
            let $id = path_id(&id, $param)?;
            ok(c.read(|$a| $read)?)
        }
    };
}

/// A `DELETE .../{id}`: the path id `$param`, the account's write `$delete`, an empty `200`
/// (one shape for every entity's delete by id).
macro_rules! delete_by_id {
    ($(#[$doc:meta])* $name:ident, $param:literal, |$a:ident, $id:ident, $ch:ident| $delete:expr) => {
        $(#[$doc])*
        async fn $name(c: Call, Path(id): Path<String>) -> ApiResult {
            let $id = path_id(&id, $param)?;
            c.write(move |$a, $ch| $delete).await?;
            empty()
        }
    };
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/catalog/pvt/brand", post(create_brand))
        .route(
            "/api/catalog/pvt/brand/{id}",
            get(get_brand).put(update_brand).delete(delete_brand),
        )
        .route("/api/catalog_system/pvt/brand/list", get(list_brands))
        .route("/api/catalog_system/pvt/brand/{id}", get(get_legacy_brand))
        .route("/api/catalog/pvt/product", post(create_product))
        .route(
            "/api/catalog/pvt/product/{id}",
            get(get_product).put(update_product),
        )
        .route(
            "/api/catalog_system/pvt/products/productgetbyrefid/{ref}",
            get(product_by_ref),
        )
        .route(
            "/api/catalog/pvt/product/{id}/specification",
            post(add_product_spec)
                .get(list_product_specs)
                .delete(delete_product_specs),
        )
        .route(
            "/api/catalog/pvt/product/{id}/specification/{spec}",
            axum::routing::delete(delete_product_spec),
        )
        .route(
            "/api/catalog/pvt/product/{id}/salespolicy",
            get(list_product_policies),
        )
        .route(
            "/api/catalog/pvt/product/{id}/salespolicy/{tp}",
            post(link_policy).delete(unlink_policy),
        )
        .route(
            "/api/catalog_system/pvt/saleschannel/list",
            get(sales_channels),
        )
        .route(
            "/api/catalog_system/pub/saleschannel/{id}",
            get(sales_channel),
        )
        .route(
            "/api/catalog/pvt/stockkeepingunit",
            post(create_sku).get(sku_by_ref_query),
        )
        .route(
            "/api/catalog/pvt/stockkeepingunit/{id}",
            get(get_sku).put(update_sku),
        )
        .route(
            "/api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/{ref}",
            get(sku_id_by_ref),
        )
        .route(
            "/api/catalog_system/pvt/sku/stockkeepingunitbyproductid/{id}",
            get(skus_by_product),
        )
        .route("/api/catalog/pvt/stockkeepingunit/{id}/ean", get(list_eans))
        .route(
            "/api/catalog/pvt/stockkeepingunit/{id}/ean/{ean}",
            post(add_ean),
        )
        .route(
            "/api/catalog/pvt/stockkeepingunit/{id}/specification",
            post(set_sku_spec)
                .put(put_sku_spec)
                .get(list_sku_specs)
                .delete(delete_sku_specs),
        )
        .route(
            "/api/catalog/pvt/stockkeepingunit/{id}/file",
            post(add_file).get(list_files).delete(delete_files),
        )
        .route(
            "/api/catalog/pvt/stockkeepingunit/{id}/file/{file}",
            axum::routing::put(update_file).delete(delete_file),
        )
        .route(
            "/api/catalog_system/pvt/sku/stockkeepingunitbyean/{ean}",
            get(sku_by_ean),
        )
        .route(
            "/api/catalog_system/pvt/sku/stockkeepingunitbyid/{id}",
            get(sku_context_by_id),
        )
        .route(
            "/api/catalog/pvt/stockkeepingunitkit",
            post(add_kit).get(list_kits),
        )
        .route(
            "/api/catalog/pvt/stockkeepingunitkit/{id}",
            get(get_kit).delete(delete_kit),
        )
}

fn empty() -> ApiResult {
    Ok(axum::http::StatusCode::OK.into_response())
}

// ----- shapes -----

/// Never-set text codes read as `""` and never-set numbers as `0`, as the Catalog API's response
/// examples show them (the simulator keeps them as absent) **[inferred from VTEX's examples]**.
fn brand_json(b: &BrandRecord) -> Value {
    let mut b = b.clone();
    b.ad_words_remarketing_code.get_or_insert_with(String::new);
    b.lomadee_campaign_code.get_or_insert_with(String::new);
    json!(b)
}

/// A product in VTEX's shape; `LinkId` is derived from the name when none was sent (the stored
/// product keeps `null`).
pub fn product_json(a: &AccountCatalog, p: &Product, with_stores: bool) -> Value {
    let link = p
        .link_id
        .clone()
        .unwrap_or_else(|| super::records::link_id(&p.name).to_lowercase());
    let mut v = json!({
        "Id": p.id,
        "Name": p.name,
        "DepartmentId": a.department_of(p.category_id),
        "CategoryId": p.category_id,
        "BrandId": p.brand_id,
        "LinkId": link,
        "RefId": p.ref_id,
        "IsVisible": p.is_visible,
        "Description": p.description,
        "DescriptionShort": p.description_short,
        "ReleaseDate": p.release_date,
        "KeyWords": p.key_words,
        "Title": p.title,
        "IsActive": p.is_active,
        "TaxCode": p.tax_code.clone().unwrap_or_default(),
        "MetaTagDescription": p.meta_tag_description,
        "SupplierId": null,
        "ShowWithoutStock": p.show_without_stock,
        "AdWordsRemarketingCode": "",
        "LomadeeCampaignCode": "",
        "Score": p.score,
    });
    if with_stores && let Some(o) = v.as_object_mut() {
        o.insert("ListStoreId".into(), json!(a.trade_policies_of(p.id.0)));
    }
    v
}

/// An SKU in the shape of `GET /api/catalog/pvt/stockkeepingunit/{skuId}`.
pub fn sku_json(r: &SkuRecord) -> Value {
    let s = &r.sku;
    json!({
        "Id": s.id,
        "ProductId": s.product_id,
        "IsActive": s.is_active,
        "ActivateIfPossible": r.activate_if_possible,
        "Name": s.name,
        "RefId": s.ref_id,
        "Ean": s.ean,
        "PackagedHeight": s.packaged_height,
        "PackagedLength": s.packaged_length,
        "PackagedWidth": s.packaged_width,
        "PackagedWeightKg": s.packaged_weight_kg,
        "Height": s.height,
        "Length": s.length,
        "Width": s.width,
        "WeightKg": s.weight_kg,
        "CubicWeight": r.cubic_weight.unwrap_or(0.0),
        "IsKit": s.is_kit,
        "CreationDate": r.creation_date,
        "RewardValue": r.reward_value.unwrap_or(0.0),
        "EstimatedDateArrival": r.estimated_date_arrival,
        "ManufacturerCode": s.manufacturer_code.clone().unwrap_or_default(),
        "CommercialConditionId": r.commercial_condition_id.unwrap_or(1),
        "MeasurementUnit": s.measurement_unit,
        "UnitMultiplier": s.unit_multiplier,
        "ModalType": r.modal_type,
        "KitItensSellApart": r.kit_itens_sell_apart,
        "Videos": r.videos,
    })
}

/// An SKU in the legacy shape of `stockkeepingunitByProductId`.
fn sku_legacy_json(r: &SkuRecord) -> Value {
    let s = &r.sku;
    json!({
        "IsPersisted": true,
        "IsRemoved": false,
        "Id": s.id,
        "ProductId": s.product_id,
        "IsActive": s.is_active,
        "Name": s.name,
        "Height": s.packaged_height,
        "RealHeight": s.height,
        "Width": s.packaged_width,
        "RealWidth": s.width,
        "Length": s.packaged_length,
        "RealLength": s.length,
        "WeightKg": s.packaged_weight_kg,
        "RealWeightKg": s.weight_kg,
        "ModalId": 1,
        "RefId": s.ref_id,
        "CubicWeight": r.cubic_weight.unwrap_or(0.0),
        "IsKit": s.is_kit,
        "IsDynamicKit": null,
        "InternalNote": null,
        "DateUpdated": null,
        "RewardValue": r.reward_value.unwrap_or(0.0),
        "CommercialConditionId": r.commercial_condition_id.unwrap_or(1),
        "EstimatedDateArrival": r.estimated_date_arrival,
        "FlagKitItensSellApart": r.kit_itens_sell_apart,
        "ManufacturerCode": s.manufacturer_code.clone().unwrap_or_default(),
        "ReferenceStockKeepingUnitId": null,
        "Position": 0,
        "ActivateIfPossible": r.activate_if_possible,
        "MeasurementUnit": s.measurement_unit,
        "UnitMultiplier": s.unit_multiplier,
        "IsInventoried": null,
        "IsTransported": null,
        "IsGiftCardRecharge": null,
        "ModalType": r.modal_type,
        "isKitOptimized": false,
    })
}

fn product_spec_json(a: &AccountCatalog, r: &ProductSpecRecord) -> Value {
    let text = r
        .spec
        .text
        .clone()
        .or_else(|| a.value_name(r.spec.field_value_id));
    json!({
        "Id": r.id,
        "ProductId": r.spec.product_id,
        "FieldId": r.spec.field_id,
        "FieldValueId": r.spec.field_value_id,
        "Text": text,
    })
}

fn sku_spec_json(a: &AccountCatalog, r: &SkuSpecRecord) -> Value {
    json!({
        "Id": r.id,
        "SkuId": r.spec.sku_id,
        "FieldId": r.spec.field_id,
        "FieldValueId": r.spec.field_value_id,
        "Text": a.value_name(Some(r.spec.field_value_id)),
    })
}

fn file_json(i: &SkuImage) -> Value {
    json!({
        "Id": i.id,
        "ArchiveId": i.id,
        "SkuId": i.sku_id,
        "Name": i.name,
        "IsMain": i.is_main,
        "Text": i.text,
        "Label": i.label,
        "Url": i.url,
        "FileLocation": i.url.split_once("://").map(|(_, rest)| rest).unwrap_or(&i.url),
        "Position": i.position,
    })
}

fn kit_json(k: &KitRecord) -> Value {
    json!({
        "Id": k.id,
        "StockKeepingUnitParent": k.component.kit_sku_id,
        "StockKeepingUnitId": k.component.component_sku_id,
        "Quantity": k.component.quantity,
        "UnitPrice": k.unit_price.unwrap_or(0.0),
    })
}

fn channel_json(t: &ponte_core::catalog::import::TradePolicy) -> Value {
    json!({
        "Id": t.id,
        "Name": t.name,
        "IsActive": t.is_active,
        "ProductClusterId": null,
        "CountryCode": "BRA",
        "CultureInfo": "pt-BR",
        "TimeZone": "E. South America Standard Time",
        "CurrencyCode": "BRL",
        "CurrencySymbol": "R$",
        "CurrencyLocale": 1046,
        "CurrencyFormatInfo": {
            "CurrencyDecimalDigits": 2,
            "CurrencyDecimalSeparator": ",",
            "CurrencyGroupSeparator": ".",
            "CurrencyGroupSize": 3,
            "StartsWithCurrencySymbol": true
        },
        "Origin": null,
        "Position": 1,
        "ConditionRule": null,
        "CurrencyDecimalDigits": 2,
    })
}

// ----- brands -----

async fn create_brand(c: Call, body: Bytes) -> ApiResult {
    let input: BrandInput = parse_json(&body)?;
    let b = c.write(move |a, ch| a.create_brand(input, ch)).await?;
    ok(brand_json(&b))
}

read_by_id!(get_brand, "brandId", |a, id| a.brand(id).map(brand_json));

async fn update_brand(c: Call, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "brandId")?;
    let input: BrandInput = parse_json(&body)?;
    let b = c.write(move |a, ch| a.update_brand(id, input, ch)).await?;
    ok(brand_json(&b))
}

delete_by_id!(delete_brand, "brandId", |a, id, ch| a.delete_brand(id, ch));

/// A brand in the legacy Catalog API's shape (`BrandGet`: list and `GET .../pvt/brand/{id}`).
fn legacy_brand_json(b: &BrandRecord) -> Value {
    json!({
        "id": b.id,
        "name": b.name,
        "isActive": b.active,
        "title": b.site_title,
        "metaTagDescription": b.text,
        "imageUrl": null,
    })
}

async fn list_brands(c: Call) -> ApiResult {
    ok(c.read(|a| {
        a.commerce
            .brands
            .values()
            .map(legacy_brand_json)
            .collect::<Vec<_>>()
    }))
}

read_by_id!(
    /// `GET /api/catalog_system/pvt/brand/{brandId}` (the legacy path `@vtex/clients` calls).
    get_legacy_brand,
    "brandId",
    |a, id| a.brand(id).map(legacy_brand_json)
);

// ----- products -----

async fn create_product(c: Call, body: Bytes) -> ApiResult {
    let input: ProductInput = parse_json(&body)?;
    let p = c.write(move |a, ch| a.create_product(input, ch)).await?;
    ok(c.read(|a| product_json(a, &p, false)))
}

read_by_id!(get_product, "productId", |a, id| {
    a.get_product(id).map(|p| product_json(a, &p, false))
});

async fn update_product(c: Call, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "productId")?;
    let input: ProductInput = parse_json(&body)?;
    let p = c
        .write(move |a, ch| a.update_product(id, input, ch))
        .await?;
    ok(c.read(|a| product_json(a, &p, false)))
}

async fn product_by_ref(c: Call, Extension(path): Extension<OriginalPath>) -> ApiResult {
    let ref_id = last_segment(&path);
    ok(c.read(|a| {
        a.product_by_ref(&ref_id)
            .map(|p| product_json(a, p, true))
            .unwrap_or(Value::Null)
    }))
}

async fn add_product_spec(c: Call, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "productId")?;
    let input: SpecInput = parse_json(&body)?;
    let row = c
        .write(move |a, ch| a.set_product_spec(id, input, ch))
        .await?;
    ok(c.read(|a| product_spec_json(a, &row)))
}

read_by_id!(list_product_specs, "productId", |a, id| {
    a.product_specs(id).map(|rows| {
        rows.iter()
            .map(|r| product_spec_json(a, r))
            .collect::<Vec<_>>()
    })
});

delete_by_id!(delete_product_specs, "productId", |a, id, ch| a
    .delete_product_specs(id, None, ch));

async fn delete_product_spec(c: Call, Path((id, spec)): Path<(String, String)>) -> ApiResult {
    let id = path_id(&id, "productId")?;
    let spec = path_id(&spec, "specificationId")?;
    c.write(move |a, ch| a.delete_product_specs(id, Some(spec), ch))
        .await?;
    empty()
}

read_by_id!(list_product_policies, "productId", |a, id| {
    a.get_product(id).map(|_| {
        a.trade_policies_of(id)
            .into_iter()
            .map(|s| json!({ "ProductId": id, "StoreId": s }))
            .collect::<Vec<_>>()
    })
});

async fn link_policy(c: Call, Path((id, tp)): Path<(String, String)>) -> ApiResult {
    let id = path_id(&id, "productId")?;
    let tp = path_id(&tp, "tradepolicyId")?;
    c.write(move |a, ch| a.link_trade_policy(id, tp, ch))
        .await?;
    empty()
}

async fn unlink_policy(c: Call, Path((id, tp)): Path<(String, String)>) -> ApiResult {
    let id = path_id(&id, "productId")?;
    let tp = path_id(&tp, "tradepolicyId")?;
    c.write(move |a, ch| a.unlink_trade_policy(id, tp, ch))
        .await?;
    empty()
}

async fn sales_channels() -> ApiResult {
    ok(trade_policies()
        .iter()
        .map(channel_json)
        .collect::<Vec<_>>())
}

async fn sales_channel(Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id, "salesChannelId")?;
    match trade_policies().iter().find(|t| t.id.0 == id) {
        Some(t) => ok(channel_json(t)),
        None => Err(ApiError::not_found(
            "TRADE_POLICY_NOT_FOUND",
            format!("trade policy {id} does not exist"),
        )),
    }
}

// ----- SKUs -----

async fn create_sku(c: Call, body: Bytes) -> ApiResult {
    let input: SkuInput = parse_json(&body)?;
    let r = c.write(move |a, ch| a.create_sku(input, ch)).await?;
    ok(sku_json(&r))
}

read_by_id!(get_sku, "skuId", |a, id| a
    .get_sku(id)
    .map(|r| sku_json(&r)));

async fn update_sku(c: Call, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "skuId")?;
    let input: SkuInput = parse_json(&body)?;
    let r = c.write(move |a, ch| a.update_sku(id, input, ch)).await?;
    ok(sku_json(&r))
}

fn sku_not_found(ref_id: &str) -> ApiError {
    ApiError::not_found("SKU_NOT_FOUND", format!("no SKU has RefId {ref_id:?}"))
}

async fn sku_by_ref_query(c: Call, uri: Uri) -> ApiResult {
    let ref_id = query_value(&uri, "RefId")
        .ok_or_else(|| ApiError::InvalidPath("the RefId query parameter is required".into()))?;
    ok(c.read(|a| {
        a.sku_by_ref(&ref_id)
            .map(sku_json)
            .ok_or_else(|| sku_not_found(&ref_id))
    })?)
}

async fn sku_id_by_ref(c: Call, Extension(path): Extension<OriginalPath>) -> ApiResult {
    let ref_id = last_segment(&path);
    ok(c.read(|a| {
        a.sku_by_ref(&ref_id)
            .map(|r| r.sku.id.0.to_string())
            .ok_or_else(|| sku_not_found(&ref_id))
    })?)
}

async fn skus_by_product(c: Call, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id, "productId")?;
    ok(c.read(|a| {
        a.skus_of_product(id)
            .iter()
            .map(sku_legacy_json)
            .collect::<Vec<_>>()
    }))
}

read_by_id!(list_eans, "skuId", |a, id| a.eans(id));

async fn add_ean(
    c: Call,
    Path((id, _)): Path<(String, String)>,
    Extension(path): Extension<OriginalPath>,
) -> ApiResult {
    let id = path_id(&id, "skuId")?;
    let ean = last_segment(&path);
    c.write(move |a, ch| a.add_ean(id, &ean, ch)).await?;
    empty()
}

async fn set_sku_spec(c: Call, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "skuId")?;
    let input: SpecInput = parse_json(&body)?;
    let row = c.write(move |a, ch| a.set_sku_spec(id, input, ch)).await?;
    ok(c.read(|a| sku_spec_json(a, &row)))
}

/// `PUT .../stockkeepingunit/{skuId}/specification` answers an array (the OpenAPI's response
/// schema), where the POST answers the row.
async fn put_sku_spec(c: Call, path: Path<String>, body: Bytes) -> ApiResult {
    let row = set_sku_spec(c, path, body).await?;
    let bytes = axum::body::to_bytes(row.into_body(), usize::MAX)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
    ok(vec![value])
}

read_by_id!(list_sku_specs, "skuId", |a, id| {
    a.sku_specs(id)
        .map(|rows| rows.iter().map(|r| sku_spec_json(a, r)).collect::<Vec<_>>())
});

delete_by_id!(delete_sku_specs, "skuId", |a, id, ch| a
    .delete_sku_specs(id, None, ch));

/// Answers an array with the new file, as the OpenAPI's response schema says.
async fn add_file(c: Call, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "skuId")?;
    let input: FileInput = parse_json(&body)?;
    let image = c.write(move |a, ch| a.add_file(id, input, ch)).await?;
    ok(vec![file_json(&image)])
}

async fn update_file(c: Call, Path((id, file)): Path<(String, String)>, body: Bytes) -> ApiResult {
    let id = path_id(&id, "skuId")?;
    let file = path_id(&file, "skuFileId")?;
    let input: FileInput = parse_json(&body)?;
    let image = c
        .write(move |a, ch| a.update_file(id, file, input, ch))
        .await?;
    // An array with the file, as the OpenAPI's `SkuFileResponse` says.
    ok(vec![file_json(&image)])
}

async fn delete_file(c: Call, Path((id, file)): Path<(String, String)>) -> ApiResult {
    let id = path_id(&id, "skuId")?;
    let file = path_id(&file, "skuFileId")?;
    c.write(move |a, ch| a.delete_file(id, file, ch)).await?;
    empty()
}

/// `GET /api/catalog_system/pvt/sku/stockkeepingunitbyean/{ean}`: the SKU's context
/// ([`super::sku_context`]); `404` when no SKU has the EAN.
async fn sku_by_ean(c: Call, Extension(path): Extension<OriginalPath>) -> ApiResult {
    let ean = last_segment(&path);
    ok(c.read(|a| {
        let record = a.sku_by_ean(&ean).ok_or_else(|| {
            ApiError::not_found("SKU_NOT_FOUND", format!("no SKU has EAN {ean:?}"))
        })?;
        super::sku_context::sku_context(a, record)
    })?)
}

read_by_id!(
    /// `GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}`: the SKU's context.
    sku_context_by_id,
    "skuId",
    |a, id| a
        .get_sku(id)
        .and_then(|r| super::sku_context::sku_context(a, &r))
);

read_by_id!(list_files, "skuId", |a, id| {
    a.files(id)
        .map(|f| f.iter().map(file_json).collect::<Vec<_>>())
});

delete_by_id!(delete_files, "skuId", |a, id, ch| a.delete_files(id, ch));

// ----- kits -----

async fn add_kit(c: Call, body: Bytes) -> ApiResult {
    let input: KitInput = parse_json(&body)?;
    let k = c.write(move |a, ch| a.add_kit_component(input, ch)).await?;
    ok(kit_json(&k))
}

async fn list_kits(c: Call, uri: Uri) -> ApiResult {
    let num = |name: &str| -> Result<Option<u32>, ApiError> {
        query_value(&uri, name)
            .map(|v| path_id(&v, name))
            .transpose()
    };
    let parent = num("parentSkuId")?;
    let component = num("skuId")?;
    ok(c.read(|a| {
        a.kits_where(parent, component)
            .iter()
            .map(kit_json)
            .collect::<Vec<_>>()
    }))
}

read_by_id!(get_kit, "kitId", |a, id| a.kit(id).map(|k| kit_json(&k)));

delete_by_id!(delete_kit, "kitId", |a, id, ch| a.delete_kit(id, ch));
