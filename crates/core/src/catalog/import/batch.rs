//! The batch as an ERP or PIM sends it: entities refer to each other by natural keys (category
//! paths or batch keys, brand names, specification names, RefIds), never by VTEX ids.

use super::model::{MAIN_TRADE_POLICY, TradePolicyId};
use serde::{Deserialize, Serialize};

fn main_policy() -> Vec<TradePolicyId> {
    vec![MAIN_TRADE_POLICY]
}

/// A reference to a category: exactly one of `key` (a batch category's `key`) or `path` (names
/// from the department down, e.g. `["Shoes", "Running"]`, of a batch or existing category).
/// Names match after trimming and case folding.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct CategoryRef {
    pub key: Option<String>,
    pub path: Option<Vec<String>>,
}

impl CategoryRef {
    pub fn key(key: &str) -> Self {
        CategoryRef {
            key: Some(key.to_owned()),
            path: None,
        }
    }

    pub fn path<S: AsRef<str>>(names: &[S]) -> Self {
        CategoryRef {
            key: None,
            path: Some(names.iter().map(|s| s.as_ref().to_owned()).collect()),
        }
    }
}

/// A category. Its identity is its name within its parent; `key` is an optional alias (the
/// ERP's code) other batch entries may use instead of the path.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct CategoryInput {
    pub key: Option<String>,
    pub name: String,
    /// `null`: a department.
    pub parent: Option<CategoryRef>,
    /// `null`: active when created, unchanged when it exists.
    pub is_active: Option<bool>,
}

/// A brand, identified by its trimmed, case-folded name.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct BrandInput {
    pub name: String,
    pub link_id: Option<String>,
    pub is_active: Option<bool>,
}

/// A specification group (identified by its name within its category, `null` = root level)
/// with the fields to ensure in it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct SpecificationGroupInput {
    pub category: Option<CategoryRef>,
    pub name: String,
    pub position: Option<i32>,
    #[serde(default)]
    pub fields: Vec<SpecificationFieldInput>,
}

/// A specification field (identified by its name within its group) with the values to ensure
/// on it. Values not listed are left alone.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct SpecificationFieldInput {
    pub name: String,
    /// VTEX `FieldTypeId` (1, 2, 4, 5, 6, 7, 8, 9).
    pub field_type_id: i32,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_stock_keeping_unit: bool,
    pub is_required: Option<bool>,
    pub is_filter: Option<bool>,
    pub is_active: Option<bool>,
    pub position: Option<i32>,
    #[serde(default)]
    pub values: Vec<SpecificationValueInput>,
}

/// A value of a Combo, Radio or Checkbox field, identified by its name within the field.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct SpecificationValueInput {
    pub name: String,
    pub is_active: Option<bool>,
    pub position: Option<i32>,
}

/// A product's or SKU's value for a specification field, by names: `field` (and `group` when
/// the name alone is ambiguous) among the fields visible from the product's category; `text`
/// for Text, Multi-Line Text, Number and Indexed types, `values` (value names) for Combo, Radio
/// and Checkbox.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct SpecificationInput {
    pub field: String,
    pub group: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    pub values: Vec<String>,
}

/// A product with its SKUs, identified by its `refId`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct ProductInput {
    pub ref_id: String,
    pub name: String,
    /// A leaf category; `null` only with placeholders on.
    pub category: Option<CategoryRef>,
    /// A brand name; `null` only with placeholders on.
    pub brand: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub description_short: Option<String>,
    pub key_words: Option<String>,
    pub meta_tag_description: Option<String>,
    pub link_id: Option<String>,
    pub tax_code: Option<String>,
    pub release_date: Option<String>,
    pub score: Option<i32>,
    pub is_visible: Option<bool>,
    pub is_active: Option<bool>,
    pub show_without_stock: Option<bool>,
    /// Trade policies to associate (added, never removed); default `[1]`, the main one.
    #[serde(default = "main_policy")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<TradePolicyId>>", optional))]
    pub trade_policies: Vec<TradePolicyId>,
    #[serde(default)]
    pub specifications: Vec<SpecificationInput>,
    #[serde(default)]
    pub skus: Vec<SkuInput>,
}

impl Default for ProductInput {
    fn default() -> Self {
        ProductInput {
            ref_id: String::new(),
            name: String::new(),
            category: None,
            brand: None,
            title: None,
            description: None,
            description_short: None,
            key_words: None,
            meta_tag_description: None,
            link_id: None,
            tax_code: None,
            release_date: None,
            score: None,
            is_visible: None,
            is_active: None,
            show_without_stock: None,
            trade_policies: main_policy(),
            specifications: Vec::new(),
            skus: Vec::new(),
        }
    }
}

/// An SKU, identified by its `refId` or, without one, by its `ean`. Always created inactive.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct SkuInput {
    pub ref_id: Option<String>,
    pub ean: Option<String>,
    pub name: String,
    pub packaged_height: Option<f64>,
    pub packaged_length: Option<f64>,
    pub packaged_width: Option<f64>,
    pub packaged_weight_kg: Option<f64>,
    pub height: Option<f64>,
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub weight_kg: Option<f64>,
    /// One of [`super::MEASUREMENT_UNITS`]; `un` when created without one.
    pub measurement_unit: Option<String>,
    /// Sold in multiples of this; `1` when created without one.
    pub unit_multiplier: Option<f64>,
    /// `null`: not a kit when created, unchanged when it exists. A kit cannot stop being one.
    pub is_kit: Option<bool>,
    pub manufacturer_code: Option<String>,
    /// For kits: the component SKUs by `refId`.
    #[serde(default)]
    pub kit_components: Vec<KitComponentInput>,
    #[serde(default)]
    pub specifications: Vec<SpecificationInput>,
    #[serde(default)]
    pub images: Vec<ImageInput>,
}

/// A kit component: another SKU (of the batch or the catalog) by `refId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KitComponentInput {
    pub sku_ref_id: String,
    pub quantity: u32,
}

/// An SKU image, identified by its name within the SKU. The main image is at position 0.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct ImageInput {
    /// Public `http(s)` URL ending in `.jpg`, `.png` or `.gif`.
    pub url: String,
    pub name: String,
    pub label: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_main: bool,
    /// Defaults to 0 for the main image and to the image's index otherwise.
    pub position: Option<i32>,
}

/// A whole import: everything in it is validated together and planned in VTEX's order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportBatch {
    #[serde(default)]
    pub categories: Vec<CategoryInput>,
    #[serde(default)]
    pub brands: Vec<BrandInput>,
    #[serde(default)]
    pub specification_groups: Vec<SpecificationGroupInput>,
    #[serde(default)]
    pub products: Vec<ProductInput>,
}

/// What to do with entities that already exist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ImportMode {
    /// Existing and equal: nothing; existing and different: an error (`CREATE_ONLY_CONFLICT`).
    CreateOnly,
    /// Existing and equal: nothing; existing and different: an update step.
    #[default]
    Upsert,
}

fn integration() -> String {
    "Integration".to_owned()
}

/// How to plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportOptions {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<ImportMode>", optional))]
    pub mode: ImportMode,
    /// Put products without category or brand into an inactive placeholder department and
    /// brand named [`Self::placeholder_name`] (created when missing, never modified).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub use_placeholders: bool,
    #[serde(default = "integration")]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub placeholder_name: String,
    /// Add an activation step for every batch SKU whose preconditions will hold.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub activate_skus: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            mode: ImportMode::Upsert,
            use_placeholders: false,
            placeholder_name: integration(),
            activate_skus: false,
        }
    }
}
