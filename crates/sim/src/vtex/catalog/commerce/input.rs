//! The request bodies of the brands/products/SKUs API and the checks every handler shares
//! (ids, patches for a full-replace `PUT`, EANs, unmet activation preconditions).

use crate::platform::error::ApiError;
use axum::http::StatusCode;
use ponte_core::catalog::import::*;
use serde::Deserialize;
use serde_json::json;

// ----- request bodies -----

/// Body of `POST /api/catalog/pvt/brand` and `PUT .../brand/{brandId}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BrandInput {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub text: Option<String>,
    pub keywords: Option<String>,
    pub site_title: Option<String>,
    pub ad_words_remarketing_code: Option<String>,
    pub lomadee_campaign_code: Option<String>,
    pub score: Option<i64>,
    pub menu_home: Option<bool>,
    pub active: Option<bool>,
    pub link_id: Option<String>,
}

/// Body of `POST /api/catalog/pvt/product` (the `CategoryId` + `BrandId` shape) and `PUT`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProductInput {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub department_id: Option<i64>,
    pub category_id: Option<i64>,
    pub category_path: Option<String>,
    pub brand_id: Option<i64>,
    pub brand_name: Option<String>,
    pub link_id: Option<String>,
    pub ref_id: Option<String>,
    pub is_visible: Option<bool>,
    pub description: Option<String>,
    pub description_short: Option<String>,
    pub release_date: Option<String>,
    pub key_words: Option<String>,
    pub title: Option<String>,
    pub is_active: Option<bool>,
    pub tax_code: Option<String>,
    pub meta_tag_description: Option<String>,
    pub show_without_stock: Option<bool>,
    pub score: Option<i32>,
}

/// Body of `POST /api/catalog/pvt/stockkeepingunit` and `PUT .../{skuId}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SkuInput {
    pub id: Option<i64>,
    pub product_id: Option<i64>,
    pub is_active: Option<bool>,
    pub activate_if_possible: Option<bool>,
    pub name: Option<String>,
    pub ref_id: Option<String>,
    pub ean: Option<String>,
    pub packaged_height: Option<f64>,
    pub packaged_length: Option<f64>,
    pub packaged_width: Option<f64>,
    pub packaged_weight_kg: Option<f64>,
    pub height: Option<f64>,
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub weight_kg: Option<f64>,
    pub cubic_weight: Option<f64>,
    pub is_kit: Option<bool>,
    pub creation_date: Option<String>,
    pub reward_value: Option<f64>,
    pub estimated_date_arrival: Option<String>,
    pub manufacturer_code: Option<String>,
    pub commercial_condition_id: Option<i64>,
    pub measurement_unit: Option<String>,
    pub unit_multiplier: Option<f64>,
    pub modal_type: Option<String>,
    pub kit_itens_sell_apart: Option<bool>,
    pub videos: Option<Vec<String>>,
}

/// Body of the product and SKU specification endpoints.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SpecInput {
    pub field_id: Option<i64>,
    pub field_value_id: Option<i64>,
    pub text: Option<String>,
}

/// Body of `POST /api/catalog/pvt/stockkeepingunit/{skuId}/file`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FileInput {
    pub is_main: Option<bool>,
    pub label: Option<String>,
    pub name: Option<String>,
    pub text: Option<String>,
    pub url: Option<String>,
    pub position: Option<i64>,
}

/// Body of `POST /api/catalog/pvt/stockkeepingunitkit`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KitInput {
    pub stock_keeping_unit_parent: Option<i64>,
    pub stock_keeping_unit_id: Option<i64>,
    pub quantity: Option<i64>,
    pub unit_price: Option<f64>,
}

// ----- helpers -----

pub(super) fn code(c: ImportErrorCode) -> &'static str {
    c.as_str()
}

pub(super) fn positive_id(v: i64, property: &str) -> Result<u32, ApiError> {
    u32::try_from(v).ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError::InvalidBody(format!(
            "{property} must be a positive 32-bit integer, got {v}"
        ))
    })
}

pub(super) fn required_id(v: Option<i64>, property: &str) -> Result<u32, ApiError> {
    positive_id(
        v.ok_or_else(|| ApiError::InvalidBody(format!("{property} is required")))?,
        property,
    )
}

/// Empty or blank identifiers count as absent.
pub(super) fn ident(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The next id for a kind: the supplied one (refused when in use), else the counter + 1.
pub(super) fn allocate(
    counter: &mut u32,
    floor: u32,
    supplied: Option<i64>,
    in_use: impl Fn(u32) -> bool,
    what: &str,
) -> Result<u32, ApiError> {
    let id = match supplied.filter(|v| *v != 0) {
        Some(v) => {
            let id = positive_id(v, "Id")?;
            if in_use(id) {
                return Err(ApiError::conflict(
                    "ID_IN_USE",
                    format!("{what} {id} already exists"),
                ));
            }
            id
        }
        None => {
            let mut id = (*counter).max(floor.saturating_sub(1));
            loop {
                id = id
                    .checked_add(1)
                    .ok_or_else(|| ApiError::Internal(format!("{what} id space exhausted")))?;
                if !in_use(id) {
                    break id;
                }
            }
        }
    };
    *counter = (*counter).max(id);
    Ok(id)
}

/// Runs ponte-core operations against a state, as its reference executor does; a refusal is
/// a `400` with `code` (the operation's) and ponte-core's message.
pub(super) fn run(
    state: &CatalogState,
    ops: Vec<Operation>,
    refused: &'static str,
) -> Result<CatalogState, ApiError> {
    let steps: Vec<PlanStep> = ops
        .into_iter()
        .enumerate()
        .map(|(i, operation)| PlanStep {
            index: i as u32,
            phase: Phase::Products,
            action: StepAction::Create,
            key: format!("request#{i}"),
            path: "request".to_owned(),
            operation,
            depends_on: Vec::new(),
        })
        .collect();
    let n = steps.len();
    let plan = ImportPlan {
        steps,
        ..ImportPlan::default()
    };
    apply_plan(state, &plan, n).map_err(|m| ApiError::bad(refused, m))
}

pub(super) fn existing<T>(id: T) -> Ref<T> {
    Ref::Existing { id }
}

/// A product with every optional field blanked and every boolean `false`: what a `PUT`
/// replaces.
pub(super) fn blank_product(p: &Product) -> Product {
    Product::blank(p.id, p.category_id, p.brand_id, false)
}

/// An SKU blanked for a full replace (kits stay kits).
pub(super) fn blank_sku(s: &Sku) -> Sku {
    Sku {
        is_kit: s.is_kit,
        ..Sku::blank(s.id, s.product_id)
    }
}

pub(super) fn product_patch(input: &ProductInput) -> Result<ProductPatch, ApiError> {
    let name = input.name.clone().unwrap_or_default();
    if name.trim().is_empty() || name.chars().count() > MAX_PRODUCT_NAME {
        return Err(ApiError::bad(
            code(ImportErrorCode::ProductNameInvalid),
            format!("Name is required and at most {MAX_PRODUCT_NAME} characters"),
        ));
    }
    let ref_id = ident(input.ref_id.clone());
    if ref_id
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_PRODUCT_REF_ID)
    {
        return Err(ApiError::bad(
            code(ImportErrorCode::ProductRefIdTooLong),
            format!("RefId is at most {MAX_PRODUCT_REF_ID} characters"),
        ));
    }
    if input
        .title
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_PRODUCT_TITLE)
    {
        return Err(ApiError::bad(
            code(ImportErrorCode::ProductTitleTooLong),
            format!("Title is at most {MAX_PRODUCT_TITLE} characters"),
        ));
    }
    Ok(ProductPatch {
        name: Some(name),
        category_id: None,
        brand_id: None,
        ref_id,
        link_id: input.link_id.clone(),
        title: input.title.clone(),
        description: input.description.clone(),
        description_short: input.description_short.clone(),
        key_words: input.key_words.clone(),
        meta_tag_description: input.meta_tag_description.clone(),
        tax_code: input.tax_code.clone(),
        release_date: input.release_date.clone(),
        score: input.score,
        is_visible: input.is_visible,
        is_active: input.is_active,
        show_without_stock: input.show_without_stock,
    })
}

pub(super) fn dimension(
    v: Option<f64>,
    property: &str,
    required: bool,
) -> Result<Option<f64>, ApiError> {
    match v {
        None if required => Err(ApiError::bad(
            code(ImportErrorCode::SkuDimensionsMissing),
            format!("{property} is required"),
        )),
        None => Ok(None),
        Some(x) if !x.is_finite() || x <= 0.0 => Err(ApiError::bad(
            code(ImportErrorCode::SkuDimensionsInvalid),
            format!("{property} must be greater than zero, got {x}"),
        )),
        Some(x) => Ok(Some(x)),
    }
}

/// The SKU fields of a create or full replace, checked (everything but the product and
/// uniqueness, which need the catalog).
pub(super) fn sku_patch(input: &SkuInput) -> Result<SkuPatch, ApiError> {
    let name = input.name.clone().unwrap_or_default();
    if name.trim().is_empty() || name.chars().count() > MAX_SKU_NAME {
        return Err(ApiError::bad(
            code(ImportErrorCode::SkuNameInvalid),
            format!("Name is required and at most {MAX_SKU_NAME} characters"),
        ));
    }
    let ref_id = ident(input.ref_id.clone());
    let ean = ident(input.ean.clone());
    if ref_id.is_none() && ean.is_none() {
        return Err(ApiError::bad(
            code(ImportErrorCode::SkuIdentifierMissing),
            "an SKU needs a RefId or an EAN",
        ));
    }
    if ref_id
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_SKU_REF_ID)
    {
        return Err(ApiError::bad(
            code(ImportErrorCode::SkuRefIdTooLong),
            format!("RefId is at most {MAX_SKU_REF_ID} characters"),
        ));
    }
    if let Some(e) = &ean {
        check_ean(e)?;
    }
    let unit = input
        .measurement_unit
        .clone()
        .unwrap_or_else(|| "un".to_owned());
    if !MEASUREMENT_UNITS.contains(&unit.as_str()) {
        return Err(ApiError::bad(
            code(ImportErrorCode::SkuMeasurementUnitInvalid),
            format!("MeasurementUnit {unit:?} is not one of {MEASUREMENT_UNITS:?}"),
        ));
    }
    let multiplier = input.unit_multiplier.unwrap_or(1.0);
    if !multiplier.is_finite() || multiplier <= 0.0 {
        return Err(ApiError::bad(
            code(ImportErrorCode::SkuUnitMultiplierInvalid),
            format!("UnitMultiplier must be greater than zero, got {multiplier}"),
        ));
    }
    if input.commercial_condition_id == Some(0) {
        return Err(ApiError::bad(
            "SKU_COMMERCIAL_CONDITION_INVALID",
            "CommercialConditionId 0 is not allowed (the default is 1)",
        ));
    }
    Ok(SkuPatch {
        product_id: None,
        is_active: Some(false),
        name: Some(name),
        ref_id,
        ean,
        packaged_height: dimension(input.packaged_height, "PackagedHeight", true)?,
        packaged_length: dimension(input.packaged_length, "PackagedLength", true)?,
        packaged_width: dimension(input.packaged_width, "PackagedWidth", true)?,
        packaged_weight_kg: dimension(input.packaged_weight_kg, "PackagedWeightKg", true)?,
        height: dimension(input.height, "Height", false)?,
        length: dimension(input.length, "Length", false)?,
        width: dimension(input.width, "Width", false)?,
        weight_kg: dimension(input.weight_kg, "WeightKg", false)?,
        measurement_unit: Some(unit),
        unit_multiplier: Some(multiplier),
        is_kit: input.is_kit,
        manufacturer_code: input.manufacturer_code.clone(),
    })
}

pub(super) fn check_ean(e: &str) -> Result<(), ApiError> {
    if e.chars().count() > MAX_EAN || e.chars().any(char::is_whitespace) {
        return Err(ApiError::bad(
            code(ImportErrorCode::SkuEanInvalid),
            format!("EAN {e:?} is invalid (at most {MAX_EAN} characters, no spaces)"),
        ));
    }
    Ok(())
}

pub(super) fn unmet_error(sku: u32, unmet: &[UnmetPrecondition]) -> ApiError {
    let list: Vec<String> = unmet
        .iter()
        .map(|u| match u {
            UnmetPrecondition::SkuSpecificationMissing { field } => {
                format!("SKU specification {field:?} has no value")
            }
            other => format!("{other:?}"),
        })
        .collect();
    ApiError::Rule {
        status: StatusCode::BAD_REQUEST,
        code: "SKU_ACTIVATION_PRECONDITIONS_UNMET",
        message: format!("SKU {sku} cannot be activated: {}", list.join("; ")),
        extra: Some(json!({ "Unmet": unmet })),
    }
}
