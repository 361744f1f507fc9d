//! What VTEX already holds beyond the category tree and specifications: brands, products, SKUs,
//! their specification values, images, kit components and trade-policy links. Field names follow
//! VTEX's, in camelCase; every list defaults to empty so a plain [`CatalogSnapshot`] parses as a
//! [`CatalogState`].

use crate::catalog::CatalogSnapshot;
use crate::ids::{CategoryId, FieldId, FieldValueId, id_type};
use serde::{Deserialize, Serialize};
use std::fmt;

fn yes() -> bool {
    true
}

fn unit() -> String {
    "un".to_owned()
}

fn one() -> f64 {
    1.0
}

id_type!(
    /// A brand (`BrandId`). Immutable once created.
    BrandId
);
id_type!(
    /// A product (`ProductId`).
    ProductId
);
id_type!(
    /// A stock keeping unit (`SkuId`).
    SkuId
);
id_type!(
    /// An SKU file, i.e. an image (`SkuFileId`).
    SkuFileId
);
id_type!(
    /// A trade policy, a.k.a. sales channel (`StoreId`, `sc`). Positive; the main one is 1.
    TradePolicyId
);

/// The main trade policy of every account.
pub const MAIN_TRADE_POLICY: TradePolicyId = TradePolicyId(1);

/// VTEX's limits (§C.5, §C.6).
pub const MAX_PRODUCT_NAME: usize = 150;
pub const MAX_PRODUCT_REF_ID: usize = 100;
pub const MAX_PRODUCT_TITLE: usize = 150;
pub const MAX_SKU_NAME: usize = 200;
pub const MAX_SKU_REF_ID: usize = 50;
/// Ponte's bound on an EAN (VTEX documents none; GTINs have at most 14 digits).
pub const MAX_EAN: usize = 50;

/// The values VTEX accepts as an SKU's `MeasurementUnit`.
pub const MEASUREMENT_UNITS: [&str; 21] = [
    "un", "kg", "g", "mg", "m", "m²", "m³", "cm", "cm²", "cm³", "mm", "mm²", "mm³", "oz", "lb",
    "ft", "ft²", "ft³", "in", "in²", "in³",
];

/// A brand as VTEX stores it (`GET /api/catalog/pvt/brand/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Brand {
    pub id: BrandId,
    pub name: String,
    /// Lowercase letters and hyphens only.
    pub link_id: Option<String>,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_active: bool,
}

/// A product as VTEX stores it (`GET /api/catalog/pvt/product/{id}`), legacy fields left out.
/// A `PUT` replaces all of it: see [`merge_for_put`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub category_id: CategoryId,
    pub brand_id: BrandId,
    pub ref_id: Option<String>,
    pub link_id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub description_short: Option<String>,
    pub key_words: Option<String>,
    pub meta_tag_description: Option<String>,
    pub tax_code: Option<String>,
    pub release_date: Option<String>,
    pub score: Option<i32>,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_visible: bool,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_active: bool,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub show_without_stock: bool,
}

/// The fields of a product an import sets; `null` keeps the current value.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct ProductPatch {
    pub name: Option<String>,
    pub category_id: Option<CategoryId>,
    pub brand_id: Option<BrandId>,
    pub ref_id: Option<String>,
    pub link_id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub description_short: Option<String>,
    pub key_words: Option<String>,
    pub meta_tag_description: Option<String>,
    pub tax_code: Option<String>,
    pub release_date: Option<String>,
    pub score: Option<i32>,
    pub is_visible: Option<bool>,
    pub is_active: Option<bool>,
    pub show_without_stock: Option<bool>,
}

fn keep<T: Clone>(patch: &Option<T>, current: &T) -> T {
    patch.clone().unwrap_or_else(|| current.clone())
}

fn keep_opt<T: Clone>(patch: &Option<T>, current: &Option<T>) -> Option<T> {
    patch.clone().or_else(|| current.clone())
}

/// The full body of a product `PUT`: VTEX blanks every omitted field (booleans become
/// `false`), so an update is read-modify-write. Fields the patch leaves `null` keep their
/// current value; the id never changes.
///
/// ```
/// use ponte_core::catalog::import::*;
/// use ponte_core::ids::CategoryId;
/// let current = ProductPatch { name: Some("Shoe".into()), description: Some("Red".into()), ..Default::default() }
///     .into_product(ProductId(7), CategoryId(3), BrandId(2));
/// let patch = ProductPatch { name: Some("Trail shoe".into()), ..Default::default() };
/// let body = merge_for_put(&current, &patch);
/// assert_eq!(body.name, "Trail shoe");
/// assert_eq!(body.description.as_deref(), Some("Red"));
/// assert!(body.is_active);
/// ```
pub fn merge_for_put(current: &Product, patch: &ProductPatch) -> Product {
    Product {
        id: current.id,
        name: keep(&patch.name, &current.name),
        category_id: keep(&patch.category_id, &current.category_id),
        brand_id: keep(&patch.brand_id, &current.brand_id),
        ref_id: keep_opt(&patch.ref_id, &current.ref_id),
        link_id: keep_opt(&patch.link_id, &current.link_id),
        title: keep_opt(&patch.title, &current.title),
        description: keep_opt(&patch.description, &current.description),
        description_short: keep_opt(&patch.description_short, &current.description_short),
        key_words: keep_opt(&patch.key_words, &current.key_words),
        meta_tag_description: keep_opt(&patch.meta_tag_description, &current.meta_tag_description),
        tax_code: keep_opt(&patch.tax_code, &current.tax_code),
        release_date: keep_opt(&patch.release_date, &current.release_date),
        score: keep_opt(&patch.score, &current.score),
        is_visible: keep(&patch.is_visible, &current.is_visible),
        is_active: keep(&patch.is_active, &current.is_active),
        show_without_stock: keep(&patch.show_without_stock, &current.show_without_stock),
    }
}

impl Product {
    /// A product with every optional field empty, an empty name and every boolean `flags`:
    /// `true` is what a create leaves unset, `false` what a full `PUT` leaves unset.
    pub fn blank(id: ProductId, category: CategoryId, brand: BrandId, flags: bool) -> Product {
        Product {
            id,
            name: String::new(),
            category_id: category,
            brand_id: brand,
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
            is_visible: flags,
            is_active: flags,
            show_without_stock: flags,
        }
    }
}

impl ProductPatch {
    /// The product a create with this patch yields: unset booleans are VTEX's create defaults
    /// (`true`), unset texts are empty.
    pub fn into_product(&self, id: ProductId, category: CategoryId, brand: BrandId) -> Product {
        let blank = Product::blank(id, category, brand, true);
        let patch = ProductPatch {
            category_id: Some(category),
            brand_id: Some(brand),
            ..self.clone()
        };
        merge_for_put(&blank, &patch)
    }
}

/// An SKU as VTEX stores it (`GET /api/catalog/pvt/stockkeepingunit/{id}`), legacy fields left
/// out. Weights are in the store's unit (grams by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Sku {
    pub id: SkuId,
    pub product_id: ProductId,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_active: bool,
    pub name: String,
    pub ref_id: Option<String>,
    pub ean: Option<String>,
    pub packaged_height: f64,
    pub packaged_length: f64,
    pub packaged_width: f64,
    pub packaged_weight_kg: f64,
    pub height: Option<f64>,
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub weight_kg: Option<f64>,
    #[serde(default = "unit")]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub measurement_unit: String,
    #[serde(default = "one")]
    #[cfg_attr(feature = "ts", ts(as = "Option<f64>", optional))]
    pub unit_multiplier: f64,
    /// Irreversible once `true`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_kit: bool,
    pub manufacturer_code: Option<String>,
}

/// The fields of an SKU an import sets; `null` keeps the current value.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct SkuPatch {
    pub product_id: Option<ProductId>,
    pub is_active: Option<bool>,
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
    pub measurement_unit: Option<String>,
    pub unit_multiplier: Option<f64>,
    pub is_kit: Option<bool>,
    pub manufacturer_code: Option<String>,
}

/// The full body of an SKU `PUT` (also a full replace): the patch over the current SKU. An SKU
/// that is a kit stays one whatever the patch says (`IsKit` is irreversible).
pub fn merge_sku_for_put(current: &Sku, patch: &SkuPatch) -> Sku {
    Sku {
        id: current.id,
        product_id: keep(&patch.product_id, &current.product_id),
        is_active: keep(&patch.is_active, &current.is_active),
        name: keep(&patch.name, &current.name),
        ref_id: keep_opt(&patch.ref_id, &current.ref_id),
        ean: keep_opt(&patch.ean, &current.ean),
        packaged_height: keep(&patch.packaged_height, &current.packaged_height),
        packaged_length: keep(&patch.packaged_length, &current.packaged_length),
        packaged_width: keep(&patch.packaged_width, &current.packaged_width),
        packaged_weight_kg: keep(&patch.packaged_weight_kg, &current.packaged_weight_kg),
        height: keep_opt(&patch.height, &current.height),
        length: keep_opt(&patch.length, &current.length),
        width: keep_opt(&patch.width, &current.width),
        weight_kg: keep_opt(&patch.weight_kg, &current.weight_kg),
        measurement_unit: keep(&patch.measurement_unit, &current.measurement_unit),
        unit_multiplier: keep(&patch.unit_multiplier, &current.unit_multiplier),
        is_kit: current.is_kit || patch.is_kit.unwrap_or(false),
        manufacturer_code: keep_opt(&patch.manufacturer_code, &current.manufacturer_code),
    }
}

impl Sku {
    /// An inactive SKU that is not a kit, with an empty name, zero packaged dimensions, no
    /// other dimensions or codes, unit `un` and multiplier 1: what a create or a full `PUT`
    /// leaves unset.
    pub fn blank(id: SkuId, product: ProductId) -> Sku {
        Sku {
            id,
            product_id: product,
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
            measurement_unit: unit(),
            unit_multiplier: one(),
            is_kit: false,
            manufacturer_code: None,
        }
    }
}

impl SkuPatch {
    /// The SKU a create with this patch yields (inactive unless the patch says otherwise,
    /// which VTEX refuses).
    pub fn into_sku(&self, id: SkuId, product: ProductId) -> Sku {
        let blank = Sku::blank(id, product);
        let patch = SkuPatch {
            product_id: Some(product),
            ..self.clone()
        };
        merge_sku_for_put(&blank, &patch)
    }
}

/// One value of a product specification: one row per chosen value for Combo, Radio and
/// Checkbox fields, one row with `text` for the other types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct ProductSpecification {
    pub product_id: ProductId,
    pub field_id: FieldId,
    pub field_value_id: Option<FieldValueId>,
    pub text: Option<String>,
}

/// The value of an SKU specification (SKU fields are Combo or Radio: exactly one value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkuSpecification {
    pub sku_id: SkuId,
    pub field_id: FieldId,
    pub field_value_id: FieldValueId,
}

/// An SKU file (image).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct SkuImage {
    pub id: SkuFileId,
    pub sku_id: SkuId,
    pub name: String,
    pub url: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_main: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<i32>", optional))]
    pub position: i32,
    pub label: Option<String>,
    pub text: Option<String>,
}

/// A product's association with a trade policy (`[{ProductId, StoreId}]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProductTradePolicy {
    pub product_id: ProductId,
    pub trade_policy_id: TradePolicyId,
}

/// A trade policy (sales channel). Created in Admin, never by an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TradePolicy {
    pub id: TradePolicyId,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub name: String,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_active: bool,
}

/// A component of a kit SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KitComponent {
    pub kit_sku_id: SkuId,
    pub component_sku_id: SkuId,
    pub quantity: u32,
}

/// The current catalog as the service reads it from VTEX: the [`CatalogSnapshot`] (categories,
/// groups, fields, values; its keys sit at the top level) plus everything else an import
/// touches. `tradePolicies` may be left empty when unknown; trade-policy ids are then only
/// checked to be positive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CatalogState {
    #[serde(flatten)]
    pub catalog: CatalogSnapshot,
    #[serde(default)]
    pub brands: Vec<Brand>,
    #[serde(default)]
    pub products: Vec<Product>,
    #[serde(default)]
    pub skus: Vec<Sku>,
    #[serde(default)]
    pub product_specifications: Vec<ProductSpecification>,
    #[serde(default)]
    pub sku_specifications: Vec<SkuSpecification>,
    #[serde(default)]
    pub sku_images: Vec<SkuImage>,
    #[serde(default)]
    pub kit_components: Vec<KitComponent>,
    #[serde(default)]
    pub product_trade_policies: Vec<ProductTradePolicy>,
    #[serde(default)]
    pub trade_policies: Vec<TradePolicy>,
}

impl From<CatalogSnapshot> for CatalogState {
    fn from(catalog: CatalogSnapshot) -> Self {
        CatalogState {
            catalog,
            ..Default::default()
        }
    }
}
