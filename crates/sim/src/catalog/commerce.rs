//! Brands, products, SKUs, their specifications, images, kit components and trade-policy links:
//! what a catalog import writes after the category tree (domain.md §C.3, §C.5–C.9).
//!
//! **Every write is checked by ponte-core.** A request becomes the ponte-core
//! [`Operation`] the import planner would emit for it (`CreateProduct`, `CreateSku`,
//! `SetSkuSpecification`, `ActivateSku`, ...), and is run by ponte-core's reference executor
//! [`apply_plan`] against a [`CatalogState`] holding the entities the rule looks at (the category
//! tree and specifications, the product, its brand, the SKU's specifications and images, ...).
//! Whatever `apply_plan` refuses (an SKU created active, an activation whose preconditions do
//! not hold, a product outside a leaf category, a value of another field, a duplicate RefId or
//! image name) is refused. Before that, the request is checked with ponte-core's pieces so the
//! answer carries a precise code: [`unmet_activation_preconditions`] (through
//! [`CatalogState::sku_activation_preconditions`]) for activations, [`ponte_core::catalog::Catalog::is_leaf`] and
//! [`ponte_core::catalog::Catalog::effective_specifications`] for categories and specification visibility,
//! [`FieldType`] for what a field takes, [`is_number`], [`is_valid_image_url`] and
//! [`is_valid_link_id`], and VTEX's limits (`MAX_*`, [`MEASUREMENT_UNITS`]). Codes are
//! ponte-core's [`ImportErrorCode`] strings where one fits.
//!
//! A `PUT` of a product or SKU is a full replace (VTEX: omitted fields are blanked, booleans
//! become `false`): the body is applied with ponte-core's [`merge_for_put`] /
//! [`merge_sku_for_put`] over a blanked copy of the entity.
//!
//! Writes are answered `200`; refused writes change nothing (the caller works on a copy, see
//! [`super::CatalogService::write`]).

use super::account::AccountCatalog;
use crate::error::{ApiError, StoreError};
use crate::store::{Change, Counters};
use axum::http::StatusCode;
use ponte_core::catalog::FieldType;
use ponte_core::catalog::import::*;
use ponte_core::ids::{CategoryId, FieldId, FieldValueId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Brand ids start here, as on VTEX (`2000000`, `2000001`, ...), so a brand id is never mistaken
/// for a category id **[emulator choice]**.
pub const FIRST_BRAND_ID: u32 = 2_000_000;

/// The trade policies of every account: the main one only **[emulator default]**.
pub fn trade_policies() -> Vec<TradePolicy> {
    vec![TradePolicy {
        id: MAIN_TRADE_POLICY,
        name: "Main".to_owned(),
        is_active: true,
    }]
}

// ----- stored records -----

/// A brand as VTEX returns it (`GET /api/catalog/pvt/brand/{brandId}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BrandRecord {
    pub id: u32,
    pub name: String,
    pub text: Option<String>,
    pub keywords: Option<String>,
    pub site_title: Option<String>,
    pub ad_words_remarketing_code: Option<String>,
    pub lomadee_campaign_code: Option<String>,
    pub score: Option<i64>,
    pub menu_home: bool,
    pub active: bool,
    /// As sent (`null` when none was).
    pub link_id: Option<String>,
}

impl BrandRecord {
    pub fn to_core(&self) -> Brand {
        Brand {
            id: BrandId(self.id),
            name: self.name.clone(),
            link_id: self.link_id.clone(),
            is_active: self.active,
        }
    }
}

/// An SKU: ponte-core's model plus what only VTEX's shape has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkuRecord {
    pub sku: Sku,
    #[serde(default)]
    pub activate_if_possible: bool,
    /// Every EAN of the SKU (`sku.ean` is the first).
    #[serde(default)]
    pub eans: Vec<String>,
    #[serde(default)]
    pub cubic_weight: Option<f64>,
    #[serde(default)]
    pub creation_date: Option<String>,
    #[serde(default)]
    pub reward_value: Option<f64>,
    #[serde(default)]
    pub estimated_date_arrival: Option<String>,
    #[serde(default)]
    pub commercial_condition_id: Option<i64>,
    #[serde(default)]
    pub modal_type: Option<String>,
    #[serde(default)]
    pub kit_itens_sell_apart: bool,
    #[serde(default)]
    pub videos: Vec<String>,
}

/// One row of a product specification, with VTEX's row id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSpecRecord {
    pub id: u32,
    pub spec: ProductSpecification,
}

/// An SKU specification, with VTEX's row id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkuSpecRecord {
    pub id: u32,
    pub spec: SkuSpecification,
}

/// A kit component, with VTEX's id and unit price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KitRecord {
    pub id: u32,
    pub component: KitComponent,
    #[serde(default)]
    pub unit_price: Option<f64>,
}

const BRAND: &str = "brand";
const PRODUCT: &str = "product";
const SKU: &str = "sku";
const PRODUCT_SPEC: &str = "product_spec";
const SKU_SPEC: &str = "sku_spec";
const FILE: &str = "sku_file";
const KIT: &str = "kit";
const TRADE_LINKS: &str = "product_trade_policies";

/// One account's brands, products, SKUs and associations.
#[derive(Debug, Clone, Default)]
pub struct Commerce {
    pub brands: BTreeMap<u32, BrandRecord>,
    pub products: BTreeMap<u32, Product>,
    pub product_by_ref: BTreeMap<String, u32>,
    pub skus: BTreeMap<u32, SkuRecord>,
    pub sku_by_ref: BTreeMap<String, u32>,
    pub sku_by_ean: BTreeMap<String, u32>,
    pub product_specs: BTreeMap<u32, ProductSpecRecord>,
    pub sku_specs: BTreeMap<u32, SkuSpecRecord>,
    pub files: BTreeMap<u32, SkuImage>,
    pub kits: BTreeMap<u32, KitRecord>,
    /// Product → its trade policies.
    pub trade_links: BTreeMap<u32, BTreeSet<u32>>,
}

fn decode<T: DeserializeOwned>(
    account: &str,
    kind: &str,
    id: u32,
    json: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Decode {
        entity: "catalog entity",
        key: format!("{account}/{kind}/{id}"),
        source,
    })
}

fn encode<T: Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(format!("encode: {e}")))
}

impl Commerce {
    /// Rebuilds the maps from the stored entities and moves the counters past every id in use.
    pub fn load(
        account: &str,
        entities: &[(String, u32, String)],
        counters: &mut Counters,
    ) -> Result<Self, StoreError> {
        let mut c = Commerce::default();
        for (kind, id, json) in entities {
            let id = *id;
            match kind.as_str() {
                BRAND => {
                    c.brands.insert(id, decode(account, kind, id, json)?);
                }
                PRODUCT => {
                    let p: Product = decode(account, kind, id, json)?;
                    c.index_product(&p);
                    c.products.insert(id, p);
                }
                SKU => {
                    let s: SkuRecord = decode(account, kind, id, json)?;
                    c.index_sku(&s);
                    c.skus.insert(id, s);
                }
                PRODUCT_SPEC => {
                    c.product_specs.insert(id, decode(account, kind, id, json)?);
                }
                SKU_SPEC => {
                    c.sku_specs.insert(id, decode(account, kind, id, json)?);
                }
                FILE => {
                    c.files.insert(id, decode(account, kind, id, json)?);
                }
                KIT => {
                    c.kits.insert(id, decode(account, kind, id, json)?);
                }
                TRADE_LINKS => {
                    c.trade_links.insert(id, decode(account, kind, id, json)?);
                }
                _ => {}
            }
        }
        let max = |keys: Option<&u32>| keys.copied().unwrap_or(0);
        counters.brand = counters.brand.max(max(c.brands.keys().next_back()));
        counters.product = counters.product.max(max(c.products.keys().next_back()));
        counters.sku = counters.sku.max(max(c.skus.keys().next_back()));
        counters.product_spec = counters
            .product_spec
            .max(max(c.product_specs.keys().next_back()));
        counters.sku_spec = counters.sku_spec.max(max(c.sku_specs.keys().next_back()));
        counters.file = counters.file.max(max(c.files.keys().next_back()));
        counters.kit = counters.kit.max(max(c.kits.keys().next_back()));
        Ok(c)
    }

    pub fn is_empty(&self) -> bool {
        self.brands.is_empty() && self.products.is_empty()
    }

    fn index_product(&mut self, p: &Product) {
        if let Some(r) = &p.ref_id {
            self.product_by_ref.insert(r.clone(), p.id.0);
        }
    }

    fn unindex_product(&mut self, p: &Product) {
        if let Some(r) = &p.ref_id {
            self.product_by_ref.remove(r);
        }
    }

    fn index_sku(&mut self, s: &SkuRecord) {
        if let Some(r) = &s.sku.ref_id {
            self.sku_by_ref.insert(r.clone(), s.sku.id.0);
        }
        for e in &s.eans {
            self.sku_by_ean.insert(e.clone(), s.sku.id.0);
        }
    }

    fn unindex_sku(&mut self, s: &SkuRecord) {
        if let Some(r) = &s.sku.ref_id {
            self.sku_by_ref.remove(r);
        }
        for e in &s.eans {
            self.sku_by_ean.remove(e);
        }
    }
}

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

fn code(c: ImportErrorCode) -> &'static str {
    c.as_str()
}

fn positive_id(v: i64, property: &str) -> Result<u32, ApiError> {
    u32::try_from(v).ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError::InvalidBody(format!(
            "{property} must be a positive 32-bit integer, got {v}"
        ))
    })
}

fn required_id(v: Option<i64>, property: &str) -> Result<u32, ApiError> {
    positive_id(
        v.ok_or_else(|| ApiError::InvalidBody(format!("{property} is required")))?,
        property,
    )
}

/// Empty or blank identifiers count as absent.
fn ident(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The next id for a kind: the supplied one (refused when in use), else the counter + 1.
fn allocate(
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
fn run(
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

fn existing<T>(id: T) -> Ref<T> {
    Ref::Existing { id }
}

/// A product with every optional field blanked and every boolean `false`: what a `PUT`
/// replaces.
fn blank_product(p: &Product) -> Product {
    Product {
        id: p.id,
        name: String::new(),
        category_id: p.category_id,
        brand_id: p.brand_id,
        ref_id: None,
        link_id: None,
        title: None,
        description: None,
        description_short: None,
        key_words: None,
        meta_tag_description: None,
        tax_code: None,
        release_date: None,
        score: None,
        is_visible: false,
        is_active: false,
        show_without_stock: false,
    }
}

/// An SKU blanked for a full replace (kits stay kits).
fn blank_sku(s: &Sku) -> Sku {
    Sku {
        id: s.id,
        product_id: s.product_id,
        is_active: false,
        name: String::new(),
        ref_id: None,
        ean: None,
        packaged_height: 0.0,
        packaged_length: 0.0,
        packaged_width: 0.0,
        packaged_weight_kg: 0.0,
        height: None,
        length: None,
        width: None,
        weight_kg: None,
        measurement_unit: "un".to_owned(),
        unit_multiplier: 1.0,
        is_kit: s.is_kit,
        manufacturer_code: None,
    }
}

fn product_patch(input: &ProductInput) -> Result<ProductPatch, ApiError> {
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

fn dimension(v: Option<f64>, property: &str, required: bool) -> Result<Option<f64>, ApiError> {
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
fn sku_patch(input: &SkuInput) -> Result<SkuPatch, ApiError> {
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

fn check_ean(e: &str) -> Result<(), ApiError> {
    if e.chars().count() > MAX_EAN || e.chars().any(char::is_whitespace) {
        return Err(ApiError::bad(
            code(ImportErrorCode::SkuEanInvalid),
            format!("EAN {e:?} is invalid (at most {MAX_EAN} characters, no spaces)"),
        ));
    }
    Ok(())
}

fn unmet_error(sku: u32, unmet: &[UnmetPrecondition]) -> ApiError {
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

// ----- the operations -----

impl AccountCatalog {
    fn snapshot_state(&self) -> CatalogState {
        CatalogState {
            catalog: self.catalog.to_snapshot(),
            trade_policies: trade_policies(),
            ..CatalogState::default()
        }
    }

    fn product(&self, id: u32) -> Result<&Product, ApiError> {
        self.commerce.products.get(&id).ok_or_else(|| {
            ApiError::not_found("PRODUCT_NOT_FOUND", format!("product {id} does not exist"))
        })
    }

    fn sku_record(&self, id: u32) -> Result<&SkuRecord, ApiError> {
        self.commerce
            .skus
            .get(&id)
            .ok_or_else(|| ApiError::not_found("SKU_NOT_FOUND", format!("SKU {id} does not exist")))
    }

    pub fn brand(&self, id: u32) -> Result<&BrandRecord, ApiError> {
        self.commerce.brands.get(&id).ok_or_else(|| {
            ApiError::not_found(
                code(ImportErrorCode::BrandNotFound),
                format!("brand {id} does not exist"),
            )
        })
    }

    fn push(changes: &mut Vec<Change>, kind: &'static str, id: u32, json: Option<String>) {
        changes.push(Change::Entity { kind, id, json });
    }

    // ----- brands -----

    fn brand_record(&self, id: u32, input: BrandInput) -> Result<BrandRecord, ApiError> {
        let name = input.name.unwrap_or_default();
        if name.trim().is_empty() {
            return Err(ApiError::bad(
                code(ImportErrorCode::BrandNameInvalid),
                "Name is required",
            ));
        }
        // VTEX compares names as sent: "Acme " is another brand than "Acme" (domain.md §C.3).
        if self
            .commerce
            .brands
            .values()
            .any(|b| b.id != id && b.name.to_lowercase() == name.to_lowercase())
        {
            return Err(ApiError::conflict(
                code(ImportErrorCode::BrandDuplicate),
                format!("a brand named {name:?} already exists"),
            ));
        }
        if let Some(l) = &input.link_id
            && !is_valid_link_id(l)
        {
            return Err(ApiError::bad(
                code(ImportErrorCode::BrandLinkIdInvalid),
                format!("LinkId {l:?} must be lowercase letters and hyphens only"),
            ));
        }
        Ok(BrandRecord {
            id,
            name,
            text: input.text,
            keywords: input.keywords,
            site_title: input.site_title,
            ad_words_remarketing_code: input.ad_words_remarketing_code,
            lomadee_campaign_code: input.lomadee_campaign_code,
            score: input.score,
            menu_home: input.menu_home.unwrap_or(false),
            active: input.active.unwrap_or(true),
            link_id: input.link_id,
        })
    }

    pub fn create_brand(
        &mut self,
        input: BrandInput,
        changes: &mut Vec<Change>,
    ) -> Result<BrandRecord, ApiError> {
        let brands = &self.commerce.brands;
        let id = allocate(
            &mut self.counters.brand,
            FIRST_BRAND_ID,
            input.id,
            |id| brands.contains_key(&id),
            "brand",
        )?;
        let record = self.brand_record(id, input)?;
        let core = record.to_core();
        run(
            &CatalogState::default(),
            vec![Operation::CreateBrand {
                name: core.name,
                link_id: core.link_id,
                is_active: core.is_active,
            }],
            code(ImportErrorCode::BrandNameInvalid),
        )?;
        self.put_brand(record, changes)
    }

    pub fn update_brand(
        &mut self,
        id: u32,
        input: BrandInput,
        changes: &mut Vec<Change>,
    ) -> Result<BrandRecord, ApiError> {
        let current = self.brand(id)?.to_core();
        if let Some(b) = input.id
            && b != 0
            && b != i64::from(id)
        {
            return Err(ApiError::bad(
                "BRAND_ID_IMMUTABLE",
                format!("a brand's Id is immutable: body Id {b}, path {id}"),
            ));
        }
        let record = self.brand_record(id, input)?;
        let core = record.to_core();
        let state = CatalogState {
            brands: vec![current],
            ..CatalogState::default()
        };
        run(
            &state,
            vec![Operation::UpdateBrand {
                id: BrandId(id),
                name: core.name,
                link_id: core.link_id,
                is_active: core.is_active,
            }],
            code(ImportErrorCode::BrandNameInvalid),
        )?;
        self.put_brand(record, changes)
    }

    fn put_brand(
        &mut self,
        record: BrandRecord,
        changes: &mut Vec<Change>,
    ) -> Result<BrandRecord, ApiError> {
        Self::push(changes, BRAND, record.id, Some(encode(&record)?));
        self.commerce.brands.insert(record.id, record.clone());
        Ok(record)
    }

    /// Deleting a brand that products use is refused (`409`) **[emulator default]**.
    pub fn delete_brand(&mut self, id: u32, changes: &mut Vec<Change>) -> Result<(), ApiError> {
        self.brand(id)?;
        if let Some(p) = self
            .commerce
            .products
            .values()
            .find(|p| p.brand_id == BrandId(id))
        {
            return Err(ApiError::conflict(
                "BRAND_IN_USE",
                format!(
                    "brand {id} is used by product {} and cannot be deleted",
                    p.id
                ),
            ));
        }
        self.commerce.brands.remove(&id);
        Self::push(changes, BRAND, id, None);
        Ok(())
    }

    // ----- products -----

    /// Category and brand of a product write, checked with ponte-core's catalog.
    fn product_refs(&self, category: u32, brand: u32) -> Result<(CategoryId, BrandId), ApiError> {
        let category = CategoryId(category);
        if self.catalog.category(category).is_none() {
            return Err(ApiError::bad(
                code(ImportErrorCode::CategoryNotFound),
                format!("category {category} does not exist"),
            ));
        }
        if !self.catalog.is_leaf(category) {
            return Err(ApiError::bad(
                code(ImportErrorCode::ProductCategoryNotLeaf),
                format!(
                    "category {category} has subcategories: a product must be in a leaf category"
                ),
            ));
        }
        if !self.commerce.brands.contains_key(&brand) {
            return Err(ApiError::bad(
                code(ImportErrorCode::BrandNotFound),
                format!("brand {brand} does not exist"),
            ));
        }
        Ok((category, BrandId(brand)))
    }

    fn check_product_ref(&self, ref_id: &Option<String>, own: Option<u32>) -> Result<(), ApiError> {
        if let Some(r) = ref_id
            && let Some(other) = self.commerce.product_by_ref.get(r)
            && Some(*other) != own
        {
            return Err(ApiError::conflict(
                code(ImportErrorCode::ProductRefIdDuplicate),
                format!("product {other} already has RefId {r:?}"),
            ));
        }
        Ok(())
    }

    pub fn create_product(
        &mut self,
        input: ProductInput,
        changes: &mut Vec<Change>,
    ) -> Result<Product, ApiError> {
        if (input.category_path.is_some() || input.brand_name.is_some())
            && (input.category_id.is_none() || input.brand_id.is_none())
        {
            return Err(ApiError::bad(
                "PRODUCT_SHAPE_UNSUPPORTED",
                "the simulator plays the CategoryId + BrandId shape only; CategoryPath / BrandName are not supported",
            ));
        }
        let patch = product_patch(&input)?;
        let category = input.category_id.ok_or_else(|| {
            ApiError::bad(
                code(ImportErrorCode::ProductCategoryMissing),
                "CategoryId is required",
            )
        })?;
        let brand = input.brand_id.ok_or_else(|| {
            ApiError::bad(
                code(ImportErrorCode::ProductBrandMissing),
                "BrandId is required",
            )
        })?;
        let (category, brand) = self.product_refs(
            positive_id(category, "CategoryId")?,
            positive_id(brand, "BrandId")?,
        )?;
        self.check_product_ref(&patch.ref_id, None)?;
        let products = &self.commerce.products;
        let id = allocate(
            &mut self.counters.product,
            1,
            input.id,
            |id| products.contains_key(&id),
            "product",
        )?;
        let mut state = self.snapshot_state();
        state.brands = self
            .commerce
            .brands
            .get(&brand.0)
            .map(BrandRecord::to_core)
            .into_iter()
            .collect();
        let after = run(
            &state,
            vec![Operation::CreateProduct {
                category: existing(category),
                brand: existing(brand),
                product: patch,
            }],
            "PRODUCT_REFUSED",
        )?;
        let mut product = after
            .products
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("ponte-core created no product".into()))?;
        product.id = ProductId(id);
        self.put_product(None, product, changes)
    }

    pub fn update_product(
        &mut self,
        id: u32,
        input: ProductInput,
        changes: &mut Vec<Change>,
    ) -> Result<Product, ApiError> {
        let current = self.product(id)?.clone();
        if let Some(b) = input.id
            && b != 0
            && b != i64::from(id)
        {
            return Err(ApiError::InvalidBody(format!(
                "the body's Id {b} does not match the id {id} in the path"
            )));
        }
        let patch = product_patch(&input)?;
        let category = required_id(input.category_id, "CategoryId")?;
        let brand = required_id(input.brand_id, "BrandId")?;
        let (category, brand) = self.product_refs(category, brand)?;
        self.check_product_ref(&patch.ref_id, Some(id))?;
        let mut state = self.snapshot_state();
        state.brands = self
            .commerce
            .brands
            .get(&brand.0)
            .map(BrandRecord::to_core)
            .into_iter()
            .collect();
        // A PUT replaces everything: the patch over a blanked copy (ponte-core's merge_for_put).
        state.products = vec![blank_product(&current)];
        let after = run(
            &state,
            vec![Operation::UpdateProduct {
                id: ProductId(id),
                category: existing(category),
                brand: existing(brand),
                patch,
            }],
            "PRODUCT_REFUSED",
        )?;
        let product = after
            .products
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("ponte-core lost the product".into()))?;
        self.put_product(Some(current), product, changes)
    }

    fn put_product(
        &mut self,
        old: Option<Product>,
        product: Product,
        changes: &mut Vec<Change>,
    ) -> Result<Product, ApiError> {
        if let Some(old) = &old {
            self.commerce.unindex_product(old);
        }
        self.commerce.index_product(&product);
        Self::push(changes, PRODUCT, product.id.0, Some(encode(&product)?));
        self.commerce.products.insert(product.id.0, product.clone());
        Ok(product)
    }

    pub fn product_by_ref(&self, ref_id: &str) -> Option<&Product> {
        self.commerce
            .product_by_ref
            .get(ref_id)
            .and_then(|id| self.commerce.products.get(id))
    }

    pub fn get_product(&self, id: u32) -> Result<Product, ApiError> {
        self.product(id).cloned()
    }

    pub fn department_of(&self, category: CategoryId) -> Option<u32> {
        self.catalog
            .path_ids(category)
            .ok()
            .and_then(|p| p.first().map(|c| c.0))
    }

    pub fn trade_policies_of(&self, product: u32) -> Vec<u32> {
        self.commerce
            .trade_links
            .get(&product)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    // ----- trade policies -----

    pub fn link_trade_policy(
        &mut self,
        product: u32,
        policy: u32,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        let p = self.product(product)?.clone();
        if !trade_policies().iter().any(|t| t.id.0 == policy) {
            return Err(ApiError::not_found(
                code(ImportErrorCode::TradePolicyNotFound),
                format!("trade policy {policy} does not exist"),
            ));
        }
        let state = CatalogState {
            products: vec![p],
            trade_policies: trade_policies(),
            ..self.snapshot_state()
        };
        run(
            &state,
            vec![Operation::LinkProductTradePolicy {
                product: existing(ProductId(product)),
                trade_policy_id: TradePolicyId(policy),
            }],
            "TRADE_POLICY_LINK_REFUSED",
        )?;
        let links = self.commerce.trade_links.entry(product).or_default();
        if links.insert(policy) {
            let json = encode(&*links)?;
            Self::push(changes, TRADE_LINKS, product, Some(json));
        }
        Ok(())
    }

    pub fn unlink_trade_policy(
        &mut self,
        product: u32,
        policy: u32,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        self.product(product)?;
        if let Some(links) = self.commerce.trade_links.get_mut(&product)
            && links.remove(&policy)
        {
            let json = encode(&*links)?;
            Self::push(changes, TRADE_LINKS, product, Some(json));
        }
        Ok(())
    }

    // ----- product specifications -----

    /// The field of a specification write, checked against the entity's category chain with
    /// ponte-core's effective specifications.
    fn spec_field(
        &self,
        category: CategoryId,
        field: Option<i64>,
        sku: bool,
    ) -> Result<(FieldId, FieldType, String), ApiError> {
        let field = FieldId(required_id(field, "FieldId")?);
        let f = self.catalog.field(field).ok_or_else(|| {
            ApiError::not_found(
                code(ImportErrorCode::SpecFieldNotFound),
                format!("specification field {field} does not exist"),
            )
        })?;
        if f.is_stock_keeping_unit != sku {
            let message = if sku {
                format!(
                    "field {field} ({}) is not an SKU specification field (IsStockKeepingUnit=false): associate it with the product",
                    f.name
                )
            } else {
                format!(
                    "field {field} ({}) is an SKU specification field (IsStockKeepingUnit=true): associate it with the SKUs",
                    f.name
                )
            };
            return Err(ApiError::bad(
                code(ImportErrorCode::SpecFieldTargetMismatch),
                message,
            ));
        }
        if !f.is_active {
            return Err(ApiError::bad(
                code(ImportErrorCode::SpecFieldInactive),
                format!("field {field} is inactive"),
            ));
        }
        let effective = self.catalog.effective_specifications(category)?;
        let visible = if sku {
            &effective.sku_fields
        } else {
            &effective.product_fields
        };
        if !visible.iter().any(|e| e.field_id == field) {
            return Err(ApiError::bad(
                code(ImportErrorCode::SpecFieldNotVisible),
                format!(
                    "field {field} ({}) is not in the category chain of category {category} nor at root level",
                    f.name
                ),
            ));
        }
        let t = FieldType::from_id(f.field_type_id)
            .ok_or_else(|| ApiError::Internal(format!("field {field} has an unknown type")))?;
        Ok((field, t, f.name.clone()))
    }

    /// A value id of a field, checked (exists, of the field, active).
    fn spec_value(&self, field: FieldId, value: u32) -> Result<FieldValueId, ApiError> {
        let v = self.catalog.value(FieldValueId(value)).ok_or_else(|| {
            ApiError::bad(
                code(ImportErrorCode::SpecValueNotOfField),
                format!("specification value {value} does not exist"),
            )
        })?;
        if v.field_id != field {
            return Err(ApiError::bad(
                code(ImportErrorCode::SpecValueNotOfField),
                format!(
                    "value {value} belongs to field {}, not to field {field}",
                    v.field_id
                ),
            ));
        }
        if !v.is_active {
            return Err(ApiError::bad(
                code(ImportErrorCode::SpecValueInactive),
                format!("value {value} is inactive"),
            ));
        }
        Ok(v.id)
    }

    /// `POST /api/catalog/pvt/product/{productId}/specification`: Checkbox fields gain the value
    /// (several rows); other fields have their value replaced **[emulator default]**. Answers
    /// the row of the value sent.
    pub fn set_product_spec(
        &mut self,
        product: u32,
        input: SpecInput,
        changes: &mut Vec<Change>,
    ) -> Result<ProductSpecRecord, ApiError> {
        let p = self.product(product)?.clone();
        let (field, t, name) = self.spec_field(p.category_id, input.field_id, false)?;
        let text = input.text.filter(|t| !t.is_empty());
        let (text, value) = if t.has_values() {
            let Some(v) = input.field_value_id else {
                return Err(ApiError::bad(
                    code(ImportErrorCode::SpecValueExpected),
                    format!("field {field} ({name}) takes a FieldValueId, not Text"),
                ));
            };
            if text.is_some() {
                return Err(ApiError::bad(
                    code(ImportErrorCode::SpecValueExpected),
                    format!("field {field} ({name}) takes a FieldValueId; do not send Text"),
                ));
            }
            (
                None,
                Some(self.spec_value(field, positive_id(v, "FieldValueId")?)?),
            )
        } else {
            if input.field_value_id.is_some_and(|v| v != 0) {
                return Err(ApiError::bad(
                    code(ImportErrorCode::SpecTextExpected),
                    format!("field {field} ({name}) takes Text, not a FieldValueId"),
                ));
            }
            let Some(text) = text else {
                return Err(ApiError::bad(
                    code(ImportErrorCode::SpecTextExpected),
                    format!("field {field} ({name}) takes Text"),
                ));
            };
            if t == FieldType::Number && !is_number(&text) {
                return Err(ApiError::bad(
                    code(ImportErrorCode::SpecNumberInvalid),
                    format!("field {field} ({name}) is a Number: {text:?} is not a number"),
                ));
            }
            (Some(text), None)
        };
        let old: Vec<ProductSpecRecord> = self
            .commerce
            .product_specs
            .values()
            .filter(|r| r.spec.product_id == p.id && r.spec.field_id == field)
            .cloned()
            .collect();
        let mut values: Vec<FieldValueId> = Vec::new();
        if t == FieldType::Checkbox {
            values.extend(old.iter().filter_map(|r| r.spec.field_value_id));
        }
        if let Some(v) = value
            && !values.contains(&v)
        {
            values.push(v);
        }
        let state = CatalogState {
            products: vec![p.clone()],
            ..self.snapshot_state()
        };
        let after = run(
            &state,
            vec![Operation::SetProductSpecification {
                product: existing(p.id),
                field: existing(field),
                text: text.clone(),
                values: values.iter().map(|v| existing(*v)).collect(),
            }],
            "PRODUCT_SPECIFICATION_REFUSED",
        )?;
        // Keep the rows that stay (and their ids), drop the others, add the new ones.
        let mut answer = None;
        let mut kept = BTreeSet::new();
        for row in after.product_specifications {
            let same = old.iter().find(|r| r.spec == row && !kept.contains(&r.id));
            let record = match same {
                Some(r) => {
                    kept.insert(r.id);
                    r.clone()
                }
                None => {
                    self.counters.product_spec += 1;
                    let r = ProductSpecRecord {
                        id: self.counters.product_spec,
                        spec: row,
                    };
                    Self::push(changes, PRODUCT_SPEC, r.id, Some(encode(&r)?));
                    self.commerce.product_specs.insert(r.id, r.clone());
                    r
                }
            };
            if record.spec.field_value_id == value && record.spec.text == text {
                answer = Some(record);
            }
        }
        for r in old.iter().filter(|r| !kept.contains(&r.id)) {
            self.commerce.product_specs.remove(&r.id);
            Self::push(changes, PRODUCT_SPEC, r.id, None);
        }
        answer.ok_or_else(|| ApiError::Internal("the specification row was not written".into()))
    }

    pub fn product_specs(&self, product: u32) -> Result<Vec<ProductSpecRecord>, ApiError> {
        self.product(product)?;
        Ok(self
            .commerce
            .product_specs
            .values()
            .filter(|r| r.spec.product_id.0 == product)
            .cloned()
            .collect())
    }

    /// Deletes every specification of a product, or one row (`Some(id)`).
    pub fn delete_product_specs(
        &mut self,
        product: u32,
        row: Option<u32>,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        self.product(product)?;
        let ids: Vec<u32> = self
            .commerce
            .product_specs
            .values()
            .filter(|r| r.spec.product_id.0 == product && row.is_none_or(|x| x == r.id))
            .map(|r| r.id)
            .collect();
        if let Some(x) = row
            && ids.is_empty()
        {
            return Err(ApiError::not_found(
                "PRODUCT_SPECIFICATION_NOT_FOUND",
                format!("product {product} has no specification {x}"),
            ));
        }
        for id in ids {
            self.commerce.product_specs.remove(&id);
            Self::push(changes, PRODUCT_SPEC, id, None);
        }
        Ok(())
    }

    /// The name of a value, as VTEX puts it in a specification row's `Text`.
    pub fn value_name(&self, value: Option<FieldValueId>) -> Option<String> {
        value
            .and_then(|v| self.catalog.value(v))
            .map(|v| v.name.clone())
    }

    // ----- SKUs -----

    fn check_sku_idents(
        &self,
        ref_id: &Option<String>,
        eans: &[String],
        own: Option<u32>,
    ) -> Result<(), ApiError> {
        if let Some(r) = ref_id
            && let Some(other) = self.commerce.sku_by_ref.get(r)
            && Some(*other) != own
        {
            return Err(ApiError::conflict(
                code(ImportErrorCode::SkuRefIdDuplicate),
                format!("SKU {other} already has RefId {r:?}"),
            ));
        }
        for e in eans {
            if let Some(other) = self.commerce.sku_by_ean.get(e)
                && Some(*other) != own
            {
                return Err(ApiError::conflict(
                    code(ImportErrorCode::SkuEanDuplicate),
                    format!("SKU {other} already has EAN {e:?}"),
                ));
            }
        }
        Ok(())
    }

    /// What ponte-core needs to decide an SKU's activation: the SKU, its product, brand,
    /// specifications, images and kit components.
    fn sku_state(&self, sku: &Sku) -> CatalogState {
        let product = self.commerce.products.get(&sku.product_id.0).cloned();
        let brand = product
            .as_ref()
            .and_then(|p| self.commerce.brands.get(&p.brand_id.0))
            .map(BrandRecord::to_core);
        let kit_components: Vec<KitComponent> = self
            .commerce
            .kits
            .values()
            .filter(|k| k.component.kit_sku_id == sku.id)
            .map(|k| k.component)
            .collect();
        let mut skus = vec![sku.clone()];
        skus.extend(
            kit_components
                .iter()
                .filter_map(|k| self.commerce.skus.get(&k.component_sku_id.0))
                .filter(|c| c.sku.id != sku.id)
                .map(|c| c.sku.clone()),
        );
        CatalogState {
            brands: brand.into_iter().collect(),
            products: product.into_iter().collect(),
            skus,
            sku_specifications: self
                .commerce
                .sku_specs
                .values()
                .filter(|r| r.spec.sku_id == sku.id)
                .map(|r| r.spec.clone())
                .collect(),
            sku_images: self
                .commerce
                .files
                .values()
                .filter(|i| i.sku_id == sku.id)
                .cloned()
                .collect(),
            kit_components,
            ..self.snapshot_state()
        }
    }

    /// The activation preconditions of an SKU that do not hold (ponte-core decides).
    pub fn unmet_preconditions(&self, sku: u32) -> Result<Vec<UnmetPrecondition>, ApiError> {
        let record = self.sku_record(sku)?;
        self.sku_state(&record.sku)
            .sku_activation_preconditions(SkuId(sku))
            .map_err(|e| ApiError::Internal(e.to_string()))
    }

    pub fn create_sku(
        &mut self,
        input: SkuInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuRecord, ApiError> {
        if input.is_active == Some(true) {
            return Err(ApiError::bad(
                "SKU_CREATED_ACTIVE",
                "an SKU cannot be created active (IsActive=true): create it inactive, then activate it once it has its RefId or EAN, image, SKU specifications and an active product, brand and category",
            ));
        }
        let product = required_id(input.product_id, "ProductId")?;
        let p = self
            .commerce
            .products
            .get(&product)
            .cloned()
            .ok_or_else(|| {
                ApiError::bad(
                    "PRODUCT_NOT_FOUND",
                    format!("product {product} does not exist"),
                )
            })?;
        let patch = sku_patch(&input)?;
        let eans: Vec<String> = patch.ean.iter().cloned().collect();
        self.check_sku_idents(&patch.ref_id, &eans, None)?;
        let skus = &self.commerce.skus;
        let id = allocate(
            &mut self.counters.sku,
            1,
            input.id,
            |id| skus.contains_key(&id),
            "SKU",
        )?;
        let state = CatalogState {
            products: vec![p.clone()],
            ..self.snapshot_state()
        };
        // IsActive as sent, so ponte-core refuses an active create too.
        let patch = SkuPatch {
            is_active: input.is_active,
            ..patch
        };
        let after = run(
            &state,
            vec![Operation::CreateSku {
                product: existing(p.id),
                sku: patch,
            }],
            "SKU_REFUSED",
        )?;
        let mut sku = after
            .skus
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("ponte-core created no SKU".into()))?;
        sku.id = SkuId(id);
        let record = SkuRecord {
            sku,
            activate_if_possible: input.activate_if_possible.unwrap_or(false),
            eans,
            cubic_weight: input.cubic_weight,
            creation_date: input.creation_date,
            reward_value: input.reward_value,
            estimated_date_arrival: input.estimated_date_arrival,
            commercial_condition_id: input.commercial_condition_id,
            modal_type: input.modal_type,
            kit_itens_sell_apart: input.kit_itens_sell_apart.unwrap_or(false),
            videos: input.videos.unwrap_or_default(),
        };
        self.put_sku(None, record.clone(), changes)?;
        Ok(record)
    }

    /// `PUT`: a full replace. `IsActive=true` activates only when ponte-core's activation
    /// preconditions hold (else `400` with the unmet list); absent or `false` deactivates.
    /// EANs are kept (they have their own endpoints); an `Ean` in the body is added
    /// **[emulator default]**.
    pub fn update_sku(
        &mut self,
        id: u32,
        input: SkuInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuRecord, ApiError> {
        let current = self.sku_record(id)?.clone();
        if let Some(b) = input.id
            && b != 0
            && b != i64::from(id)
        {
            return Err(ApiError::InvalidBody(format!(
                "the body's Id {b} does not match the id {id} in the path"
            )));
        }
        if current.sku.is_kit && input.is_kit == Some(false) {
            return Err(ApiError::bad(
                code(ImportErrorCode::SkuKitIrreversible),
                format!("SKU {id} is a kit: IsKit cannot go back to false"),
            ));
        }
        let mut patch = sku_patch(&input)?;
        let product = match input.product_id {
            Some(p) => positive_id(p, "ProductId")?,
            None => current.sku.product_id.0,
        };
        self.product(product).map_err(|_| {
            ApiError::bad(
                "PRODUCT_NOT_FOUND",
                format!("product {product} does not exist"),
            )
        })?;
        let mut eans = current.eans.clone();
        if let Some(e) = &patch.ean
            && !eans.contains(e)
        {
            eans.insert(0, e.clone());
        }
        patch.ean = eans.first().cloned();
        patch.product_id = Some(ProductId(product));
        self.check_sku_idents(&patch.ref_id, &eans, Some(id))?;
        let mut base = blank_sku(&current.sku);
        base.product_id = ProductId(product);
        let state = self.sku_state(&base);
        let mut ops = vec![Operation::UpdateSku {
            id: SkuId(id),
            patch,
        }];
        let activate = input.is_active == Some(true);
        if activate {
            // The SKU as the PUT leaves it, then ponte-core's preconditions.
            let probe = run(&state, ops.clone(), "SKU_REFUSED")?;
            let unmet = probe
                .sku_activation_preconditions(SkuId(id))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            if !unmet.is_empty() {
                return Err(unmet_error(id, &unmet));
            }
            ops.push(Operation::ActivateSku {
                sku: existing(SkuId(id)),
            });
        }
        let after = run(&state, ops, "SKU_REFUSED")?;
        let sku = after
            .skus
            .into_iter()
            .find(|s| s.id == SkuId(id))
            .ok_or_else(|| ApiError::Internal("ponte-core lost the SKU".into()))?;
        let record = SkuRecord {
            sku,
            activate_if_possible: input.activate_if_possible.unwrap_or(false),
            eans,
            cubic_weight: input.cubic_weight,
            creation_date: input.creation_date.or(current.creation_date.clone()),
            reward_value: input.reward_value,
            estimated_date_arrival: input.estimated_date_arrival,
            commercial_condition_id: input.commercial_condition_id,
            modal_type: input.modal_type,
            kit_itens_sell_apart: input.kit_itens_sell_apart.unwrap_or(false),
            videos: input.videos.unwrap_or_default(),
        };
        self.put_sku(Some(current), record.clone(), changes)?;
        Ok(record)
    }

    fn put_sku(
        &mut self,
        old: Option<SkuRecord>,
        record: SkuRecord,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        if let Some(old) = &old {
            self.commerce.unindex_sku(old);
        }
        self.commerce.index_sku(&record);
        Self::push(changes, SKU, record.sku.id.0, Some(encode(&record)?));
        self.commerce.skus.insert(record.sku.id.0, record);
        Ok(())
    }

    /// With `ActivateIfPossible`, activates an inactive SKU once ponte-core's preconditions
    /// hold (called after every write that can meet the last one: EAN, specification, image,
    /// kit component).
    fn activate_if_possible(&mut self, id: u32, changes: &mut Vec<Change>) -> Result<(), ApiError> {
        let Some(record) = self.commerce.skus.get(&id).cloned() else {
            return Ok(());
        };
        if !record.activate_if_possible || record.sku.is_active {
            return Ok(());
        }
        let state = self.sku_state(&record.sku);
        let unmet = state
            .sku_activation_preconditions(SkuId(id))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        if !unmet.is_empty() {
            return Ok(());
        }
        let after = run(
            &state,
            vec![Operation::ActivateSku {
                sku: existing(SkuId(id)),
            }],
            "SKU_REFUSED",
        )?;
        if let Some(sku) = after.skus.into_iter().find(|s| s.id == SkuId(id)) {
            let updated = SkuRecord {
                sku,
                ..record.clone()
            };
            self.put_sku(Some(record), updated, changes)?;
        }
        Ok(())
    }

    pub fn get_sku(&self, id: u32) -> Result<SkuRecord, ApiError> {
        self.sku_record(id).cloned()
    }

    pub fn sku_by_ref(&self, ref_id: &str) -> Option<&SkuRecord> {
        self.commerce
            .sku_by_ref
            .get(ref_id)
            .and_then(|id| self.commerce.skus.get(id))
    }

    pub fn skus_of_product(&self, product: u32) -> Vec<SkuRecord> {
        self.commerce
            .skus
            .values()
            .filter(|s| s.sku.product_id.0 == product)
            .cloned()
            .collect()
    }

    /// `POST .../stockkeepingunit/{skuId}/ean/{ean}`: adds an EAN (idempotent).
    pub fn add_ean(
        &mut self,
        id: u32,
        ean: &str,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        let current = self.sku_record(id)?.clone();
        let ean = ean.trim().to_owned();
        if ean.is_empty() {
            return Err(ApiError::bad(
                code(ImportErrorCode::SkuEanInvalid),
                "empty EAN",
            ));
        }
        check_ean(&ean)?;
        if current.eans.contains(&ean) {
            return Ok(());
        }
        self.check_sku_idents(&None, std::slice::from_ref(&ean), Some(id))?;
        let mut eans = current.eans.clone();
        eans.push(ean);
        let state = self.sku_state(&current.sku);
        let after = run(
            &state,
            vec![Operation::UpdateSku {
                id: SkuId(id),
                patch: SkuPatch {
                    ean: eans.first().cloned(),
                    ..SkuPatch::default()
                },
            }],
            "SKU_REFUSED",
        )?;
        let sku = after
            .skus
            .into_iter()
            .find(|s| s.id == SkuId(id))
            .ok_or_else(|| ApiError::Internal("ponte-core lost the SKU".into()))?;
        self.put_sku(
            Some(current.clone()),
            SkuRecord {
                sku,
                eans,
                ..current
            },
            changes,
        )?;
        self.activate_if_possible(id, changes)
    }

    pub fn sku_by_ean(&self, ean: &str) -> Option<&SkuRecord> {
        self.commerce
            .sku_by_ean
            .get(ean)
            .and_then(|id| self.commerce.skus.get(id))
    }

    pub fn eans(&self, id: u32) -> Result<Vec<String>, ApiError> {
        Ok(self.sku_record(id)?.eans.clone())
    }

    // ----- SKU specifications -----

    /// `POST|PUT .../stockkeepingunit/{skuId}/specification`: an SKU field (Combo or Radio) of
    /// the product's category chain, exactly one value of it; replaces the SKU's value for
    /// the field.
    pub fn set_sku_spec(
        &mut self,
        sku: u32,
        input: SpecInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuSpecRecord, ApiError> {
        let record = self.sku_record(sku)?.clone();
        let p = self.product(record.sku.product_id.0)?.clone();
        let (field, _, name) = self.spec_field(p.category_id, input.field_id, true)?;
        let Some(value) = input.field_value_id.filter(|v| *v != 0) else {
            return Err(ApiError::bad(
                code(ImportErrorCode::SkuSpecNeedsOneValue),
                format!("SKU field {field} ({name}) takes exactly one FieldValueId"),
            ));
        };
        let value = self.spec_value(field, positive_id(value, "FieldValueId")?)?;
        let state = self.sku_state(&record.sku);
        let after = run(
            &state,
            vec![Operation::SetSkuSpecification {
                sku: existing(SkuId(sku)),
                field: existing(field),
                value: existing(value),
            }],
            "SKU_SPECIFICATION_REFUSED",
        )?;
        let spec = after
            .sku_specifications
            .into_iter()
            .find(|s| s.field_id == field)
            .ok_or_else(|| ApiError::Internal("ponte-core lost the specification".into()))?;
        let old = self
            .commerce
            .sku_specs
            .values()
            .find(|r| r.spec.sku_id.0 == sku && r.spec.field_id == field)
            .map(|r| r.id);
        let id = match old {
            Some(id) => id,
            None => {
                self.counters.sku_spec += 1;
                self.counters.sku_spec
            }
        };
        let row = SkuSpecRecord { id, spec };
        Self::push(changes, SKU_SPEC, id, Some(encode(&row)?));
        self.commerce.sku_specs.insert(id, row.clone());
        self.activate_if_possible(sku, changes)?;
        Ok(row)
    }

    pub fn sku_specs(&self, sku: u32) -> Result<Vec<SkuSpecRecord>, ApiError> {
        self.sku_record(sku)?;
        Ok(self
            .commerce
            .sku_specs
            .values()
            .filter(|r| r.spec.sku_id.0 == sku)
            .cloned()
            .collect())
    }

    pub fn delete_sku_specs(
        &mut self,
        sku: u32,
        row: Option<u32>,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        self.sku_record(sku)?;
        let ids: Vec<u32> = self
            .commerce
            .sku_specs
            .values()
            .filter(|r| r.spec.sku_id.0 == sku && row.is_none_or(|x| x == r.id))
            .map(|r| r.id)
            .collect();
        for id in ids {
            self.commerce.sku_specs.remove(&id);
            Self::push(changes, SKU_SPEC, id, None);
        }
        Ok(())
    }

    // ----- SKU files -----

    /// `POST .../stockkeepingunit/{skuId}/file` (JSON, by URL): `Name` and an `http(s)` `Url`
    /// ending in `.jpg`, `.png` or `.gif` required; `Position 0` ⇔ `IsMain`; one main image
    /// per SKU and image names unique per SKU **[emulator default: refused, `400` / `409`]**.
    /// Without `Position` the main image goes to 0 and others after the last one.
    pub fn add_file(
        &mut self,
        sku: u32,
        input: FileInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuImage, ApiError> {
        self.put_file(sku, None, input, changes)
    }

    /// `PUT .../stockkeepingunit/{skuId}/file/{skuFileId}`: replaces a file (same rules).
    pub fn update_file(
        &mut self,
        sku: u32,
        file: u32,
        input: FileInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuImage, ApiError> {
        if self
            .commerce
            .files
            .get(&file)
            .is_none_or(|f| f.sku_id.0 != sku)
        {
            self.sku_record(sku)?;
            return Err(ApiError::not_found(
                "SKU_FILE_NOT_FOUND",
                format!("SKU {sku} has no file {file}"),
            ));
        }
        self.put_file(sku, Some(file), input, changes)
    }

    pub fn delete_file(
        &mut self,
        sku: u32,
        file: u32,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        self.sku_record(sku)?;
        if self
            .commerce
            .files
            .get(&file)
            .is_none_or(|f| f.sku_id.0 != sku)
        {
            return Err(ApiError::not_found(
                "SKU_FILE_NOT_FOUND",
                format!("SKU {sku} has no file {file}"),
            ));
        }
        self.commerce.files.remove(&file);
        Self::push(changes, FILE, file, None);
        Ok(())
    }

    fn put_file(
        &mut self,
        sku: u32,
        replacing: Option<u32>,
        input: FileInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuImage, ApiError> {
        let record = self.sku_record(sku)?.clone();
        let name = input.name.unwrap_or_default();
        if name.trim().is_empty() {
            return Err(ApiError::bad(
                code(ImportErrorCode::ImageNameMissing),
                "Name is required",
            ));
        }
        let url = input.url.unwrap_or_default();
        if !is_valid_image_url(&url) {
            return Err(ApiError::bad(
                code(ImportErrorCode::ImageUrlInvalid),
                format!("Url {url:?} must be a public http(s) URL ending in .jpg, .png or .gif"),
            ));
        }
        let is_main = input.is_main.unwrap_or(false);
        let existing_files: Vec<&SkuImage> = self
            .commerce
            .files
            .values()
            .filter(|i| i.sku_id.0 == sku && Some(i.id.0) != replacing)
            .collect();
        if existing_files.iter().any(|i| i.name == name) {
            return Err(ApiError::conflict(
                code(ImportErrorCode::ImageNameDuplicate),
                format!("SKU {sku} already has an image named {name:?}"),
            ));
        }
        if is_main && existing_files.iter().any(|i| i.is_main) {
            return Err(ApiError::bad(
                code(ImportErrorCode::ImageMainMultiple),
                format!("SKU {sku} already has a main image"),
            ));
        }
        let position = match input.position {
            Some(p) => i32::try_from(p).ok().filter(|p| *p >= 0).ok_or_else(|| {
                ApiError::bad(
                    code(ImportErrorCode::ImagePositionInvalid),
                    format!("Position must be a non-negative integer, got {p}"),
                )
            })?,
            None if is_main => 0,
            None => existing_files
                .iter()
                .map(|i| i.position)
                .max()
                .map_or(1, |p| p.saturating_add(1).max(1)),
        };
        if (position == 0) != is_main {
            return Err(ApiError::bad(
                code(ImportErrorCode::ImageMainPosition),
                "Position 0 is the main image's: IsMain=true goes with Position 0 and only with it",
            ));
        }
        let state = self.sku_state(&record.sku);
        let image = ImageBody {
            name,
            url,
            is_main,
            position,
            label: input.label,
            text: input.text,
        };
        let op = match replacing {
            None => Operation::AddSkuImage {
                sku: existing(SkuId(sku)),
                image,
            },
            Some(id) => Operation::UpdateSkuImage {
                id: SkuFileId(id),
                sku: SkuId(sku),
                image,
            },
        };
        let after = run(&state, vec![op], "SKU_FILE_REFUSED")?;
        let image = match replacing {
            None => {
                let mut image = after
                    .sku_images
                    .into_iter()
                    .last()
                    .ok_or_else(|| ApiError::Internal("ponte-core lost the image".into()))?;
                self.counters.file += 1;
                image.id = SkuFileId(self.counters.file);
                image
            }
            Some(id) => after
                .sku_images
                .into_iter()
                .find(|i| i.id.0 == id)
                .ok_or_else(|| ApiError::Internal("ponte-core lost the image".into()))?,
        };
        Self::push(changes, FILE, image.id.0, Some(encode(&image)?));
        self.commerce.files.insert(image.id.0, image.clone());
        self.activate_if_possible(sku, changes)?;
        Ok(image)
    }

    pub fn files(&self, sku: u32) -> Result<Vec<SkuImage>, ApiError> {
        self.sku_record(sku)?;
        let mut out: Vec<SkuImage> = self
            .commerce
            .files
            .values()
            .filter(|i| i.sku_id.0 == sku)
            .cloned()
            .collect();
        out.sort_by_key(|i| (i.position, i.id));
        Ok(out)
    }

    pub fn delete_files(&mut self, sku: u32, changes: &mut Vec<Change>) -> Result<(), ApiError> {
        self.sku_record(sku)?;
        let ids: Vec<u32> = self
            .commerce
            .files
            .values()
            .filter(|i| i.sku_id.0 == sku)
            .map(|i| i.id.0)
            .collect();
        for id in ids {
            self.commerce.files.remove(&id);
            Self::push(changes, FILE, id, None);
        }
        Ok(())
    }

    // ----- kits -----

    pub fn add_kit_component(
        &mut self,
        input: KitInput,
        changes: &mut Vec<Change>,
    ) -> Result<KitRecord, ApiError> {
        let parent = required_id(input.stock_keeping_unit_parent, "StockKeepingUnitParent")?;
        let component = required_id(input.stock_keeping_unit_id, "StockKeepingUnitId")?;
        let kit = self.sku_record(parent)?.clone();
        if !kit.sku.is_kit {
            return Err(ApiError::bad(
                code(ImportErrorCode::SkuKitComponentsNotKit),
                format!("SKU {parent} is not a kit (IsKit=false)"),
            ));
        }
        let Some(comp) = self.commerce.skus.get(&component).cloned() else {
            return Err(ApiError::bad(
                code(ImportErrorCode::SkuKitComponentNotFound),
                format!("component SKU {component} does not exist"),
            ));
        };
        let quantity = input.quantity.unwrap_or(1);
        let quantity = u32::try_from(quantity)
            .ok()
            .filter(|q| *q > 0 && component != parent)
            .ok_or_else(|| {
                ApiError::bad(
                    code(ImportErrorCode::SkuKitComponentInvalid),
                    "a component needs a positive Quantity and must not be the kit itself",
                )
            })?;
        let mut state = self.sku_state(&kit.sku);
        if !state.skus.iter().any(|s| s.id == comp.sku.id) {
            state.skus.push(comp.sku.clone());
        }
        let after = run(
            &state,
            vec![Operation::SetKitComponent {
                kit: existing(SkuId(parent)),
                component: existing(SkuId(component)),
                quantity,
            }],
            "SKU_KIT_REFUSED",
        )?;
        let link = after
            .kit_components
            .into_iter()
            .find(|k| k.component_sku_id.0 == component)
            .ok_or_else(|| ApiError::Internal("ponte-core lost the kit component".into()))?;
        let old = self
            .commerce
            .kits
            .values()
            .find(|k| {
                k.component.kit_sku_id.0 == parent && k.component.component_sku_id.0 == component
            })
            .map(|k| k.id);
        let id = match old {
            Some(id) => id,
            None => {
                self.counters.kit += 1;
                self.counters.kit
            }
        };
        let record = KitRecord {
            id,
            component: link,
            unit_price: input.unit_price,
        };
        Self::push(changes, KIT, id, Some(encode(&record)?));
        self.commerce.kits.insert(id, record.clone());
        self.activate_if_possible(parent, changes)?;
        Ok(record)
    }

    pub fn kit(&self, id: u32) -> Result<KitRecord, ApiError> {
        self.commerce.kits.get(&id).cloned().ok_or_else(|| {
            ApiError::not_found(
                "SKU_KIT_NOT_FOUND",
                format!("kit component {id} does not exist"),
            )
        })
    }

    pub fn kits_where(&self, parent: Option<u32>, component: Option<u32>) -> Vec<KitRecord> {
        self.commerce
            .kits
            .values()
            .filter(|k| parent.is_none_or(|p| k.component.kit_sku_id.0 == p))
            .filter(|k| component.is_none_or(|c| k.component.component_sku_id.0 == c))
            .cloned()
            .collect()
    }

    pub fn delete_kit(&mut self, id: u32, changes: &mut Vec<Change>) -> Result<(), ApiError> {
        self.kit(id)?;
        self.commerce.kits.remove(&id);
        Self::push(changes, KIT, id, None);
        Ok(())
    }

    // ----- export -----

    /// The whole catalog as ponte-core's [`CatalogState`] (every list ordered by id; trade
    /// policy links by product, then policy).
    pub fn export(&self) -> CatalogState {
        let c = &self.commerce;
        CatalogState {
            catalog: self.catalog.to_snapshot(),
            brands: c.brands.values().map(BrandRecord::to_core).collect(),
            products: c.products.values().cloned().collect(),
            skus: c.skus.values().map(|s| s.sku.clone()).collect(),
            product_specifications: c.product_specs.values().map(|r| r.spec.clone()).collect(),
            sku_specifications: c.sku_specs.values().map(|r| r.spec.clone()).collect(),
            sku_images: c.files.values().cloned().collect(),
            kit_components: c.kits.values().map(|k| k.component).collect(),
            product_trade_policies: c
                .trade_links
                .iter()
                .flat_map(|(p, set)| {
                    set.iter().map(|t| ProductTradePolicy {
                        product_id: ProductId(*p),
                        trade_policy_id: TradePolicyId(*t),
                    })
                })
                .collect(),
            trade_policies: trade_policies(),
        }
    }
}
