//! The SKU context: `GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}` and
//! `GET /api/catalog_system/pvt/sku/stockkeepingunitbyean/{ean}`, in the Catalog API's
//! `GetSKUandContext` / `GetSKUAltID` shapes (every required property; docs/vtex/C-catalog.md
//! §C.6). What the simulator does not keep is answered empty or with the OpenAPI example's
//! neutral value **[sim's limit]**: no attachments, services, collections or clusters; one
//! seller (`"1"`), with no commissions; `RewardValue` 0; `ProductGlobalCategoryId`,
//! `CSCIdentification`, `EstimatedDateArrival`, `InformationSource`, `ModalType` null.

use super::account::AccountCatalog;
use super::commerce::state::SkuRecord;
use crate::platform::error::ApiError;
use serde_json::{Map, Value, json};

/// The chain from the department down to `category`, as `(id, name)`.
fn category_chain(a: &AccountCatalog, category: u32) -> Vec<(u32, String)> {
    let mut chain = Vec::new();
    let mut cursor = Some(ponte_core::ids::CategoryId(category));
    while let Some(c) = cursor.and_then(|c| a.catalog.category(c)) {
        if chain.iter().any(|(id, _)| *id == c.id.0) {
            break;
        }
        chain.push((c.id.0, c.name.clone()));
        cursor = c.father_category_id;
    }
    chain.reverse();
    chain
}

/// `[{FieldId, FieldName, FieldValueIds, FieldValues}]`, one entry per field.
fn grouped(
    a: &AccountCatalog,
    rows: impl Iterator<Item = (u32, Option<u32>, Option<String>)>,
) -> Value {
    let mut by_field: std::collections::BTreeMap<u32, (Vec<u32>, Vec<String>)> =
        std::collections::BTreeMap::new();
    for (field, value, text) in rows {
        let entry = by_field.entry(field).or_default();
        if let Some(v) = value {
            entry.0.push(v);
            entry
                .1
                .extend(a.value_name(Some(ponte_core::ids::FieldValueId(v))));
        } else if let Some(t) = text {
            entry.1.push(t);
        }
    }
    Value::Array(
        by_field
            .into_iter()
            .map(|(field, (ids, values))| {
                let name = a
                    .catalog
                    .field(ponte_core::ids::FieldId(field))
                    .map(|f| f.name.clone())
                    .unwrap_or_default();
                json!({ "FieldId": field, "FieldName": name, "FieldValueIds": ids, "FieldValues": values })
            })
            .collect(),
    )
}

/// The context of `record`.
pub fn sku_context(a: &AccountCatalog, record: &SkuRecord) -> Result<Value, ApiError> {
    let s = &record.sku;
    let p = a.get_product(s.product_id.0)?;
    let brand = a.brand(p.brand_id.0).ok();
    let chain = category_chain(a, p.category_id.0);
    let images = a.files(s.id.0).unwrap_or_default();
    let main = images
        .iter()
        .find(|i| i.is_main)
        .or(images.first())
        .map(|i| i.url.clone())
        .unwrap_or_default();
    let sku_specs = a.sku_specs(s.id.0).unwrap_or_default();
    let product_specs = a.product_specs(p.id.0).unwrap_or_default();
    let ean = s.ean.clone().unwrap_or_default();
    let ref_id = s.ref_id.clone().unwrap_or_default();
    let alternate: Vec<&String> = [&ean, &ref_id]
        .into_iter()
        .filter(|v| !v.is_empty())
        .collect();
    let categories: Map<String, Value> = chain
        .iter()
        .rev()
        .map(|(id, name)| (id.to_string(), Value::String(name.clone())))
        .collect();
    let path: String = chain.iter().map(|(id, _)| format!("/{id}")).collect();
    let link = p
        .link_id
        .clone()
        .unwrap_or_else(|| super::records::link_id(&p.name).to_lowercase());
    let mut context = json!({
        "Id": s.id,
        "ProductId": s.product_id,
        "NameComplete": format!("{} {}", p.name, s.name),
        "ComplementName": "",
        "ProductName": p.name,
        "ProductDescription": p.description.clone().unwrap_or_default(),
        "ProductRefId": p.ref_id.clone().unwrap_or_default(),
        "TaxCode": p.tax_code.clone().unwrap_or_default(),
        "SkuName": s.name,
        "IsActive": s.is_active,
        "IsTransported": true,
        "IsInventoried": true,
        "IsGiftCardRecharge": false,
        "ImageUrl": main,
        "DetailUrl": format!("/{link}/p"),
        "CSCIdentification": null,
        "BrandId": p.brand_id.0.to_string(),
        "BrandName": brand.map(|b| b.name.clone()).unwrap_or_default(),
        "Dimension": {
            "cubicweight": record.cubic_weight.unwrap_or(0.0),
            "height": s.packaged_height,
            "length": s.packaged_length,
            "weight": s.packaged_weight_kg,
            "width": s.packaged_width,
        },
        "RealDimension": {
            "realCubicWeight": 0.0,
            "realHeight": s.height.unwrap_or(0.0),
            "realLength": s.length.unwrap_or(0.0),
            "realWeight": s.weight_kg.unwrap_or(0.0),
            "realWidth": s.width.unwrap_or(0.0),
        },
    });
    let rest = json!({
        "ManufacturerCode": s.manufacturer_code.clone().unwrap_or_default(),
        "IsKit": s.is_kit,
        "KitItems": [],
        "Services": [],
        "Categories": [],
        "CategoriesFullPath": chain.iter().enumerate().map(|(i, _)| {
            let ids: String = chain[..=i].iter().map(|(id, _)| format!("/{id}")).collect();
            format!("{ids}/")
        }).rev().collect::<Vec<_>>(),
        "Attachments": [],
        "Collections": [],
        "SkuSellers": [{
            "SellerId": "1",
            "StockKeepingUnitId": s.id,
            "SellerStockKeepingUnitId": s.id.0.to_string(),
            "IsActive": s.is_active,
            "FreightCommissionPercentage": 0.0,
            "ProductCommissionPercentage": 0.0,
        }],
        "SalesChannels": a.trade_policies_of(p.id.0),
        "Images": images.iter().map(|i| json!({
            "ImageUrl": i.url, "ImageName": i.label.clone().or(Some(i.name.clone())), "FileId": i.id,
        })).collect::<Vec<_>>(),
        "SkuSpecifications": grouped(a, sku_specs.iter().map(|r| (r.spec.field_id.0, Some(r.spec.field_value_id.0), None))),
        "ProductSpecifications": grouped(a, product_specs.iter().map(|r| (
            r.spec.field_id.0,
            r.spec.field_value_id.map(|v| v.0),
            r.spec.text.clone(),
        ))),
        "ProductClustersIds": "",
        "ProductCategoryIds": format!("{path}/"),
        "ProductGlobalCategoryId": null,
        "ProductCategories": categories,
        "CommercialConditionId": record.commercial_condition_id.unwrap_or(1),
        "RewardValue": 0.0,
        "AlternateIds": { "Ean": ean, "RefId": ref_id },
        "AlternateIdValues": alternate,
        "EstimatedDateArrival": null,
        "MeasurementUnit": s.measurement_unit,
        "UnitMultiplier": s.unit_multiplier,
        "InformationSource": null,
        "ModalType": null,
        "KeyWords": p.key_words,
        "ReleaseDate": p.release_date,
        "ProductIsVisible": p.is_visible,
        "ShowIfNotAvailable": p.show_without_stock,
        "IsProductActive": p.is_active,
        "ProductFinalScore": p.score.unwrap_or(0),
    });
    if let (Value::Object(head), Value::Object(tail)) = (&mut context, rest) {
        head.extend(tail);
    }
    Ok(context)
}
