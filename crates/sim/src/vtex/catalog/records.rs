//! The Catalog entities as the simulator stores and returns them: VTEX's shapes, PascalCase,
//! including the attributes that ponte-core does not model (`Title`, `Keywords`, `LinkId`, ...),
//! so a `GET` returns what was written.
//!
//! The request bodies are separate `*Input` types: every property optional (VTEX is lenient
//! about what is sent), unknown properties ignored, camelCase accepted as well as PascalCase
//! (see [`crate::platform::http::parse_json`]).

use ponte_core::catalog::{Category, SpecificationField, SpecificationGroup, SpecificationValue};
use ponte_core::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use serde::{Deserialize, Deserializer, Serialize};

/// Deserialises a property that is present (possibly `null`) as `Some(..)`; with
/// `#[serde(default)]` an absent one stays `None`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A category (`GET /api/catalog/pvt/category/{categoryId}` without the derived properties).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CategoryRecord {
    pub id: u32,
    pub name: String,
    pub father_category_id: Option<u32>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub keywords: Option<String>,
    pub is_active: bool,
    pub lomadee_campaign_code: Option<String>,
    pub ad_words_remarketing_code: Option<String>,
    pub show_in_store_front: bool,
    pub show_brand_filter: bool,
    pub active_store_front_link: bool,
    pub global_category_id: Option<i64>,
    pub stock_keeping_unit_selection_mode: String,
    pub score: Option<i64>,
    /// Derived from `Name` on create and whenever the name changes (VTEX: "it cannot be
    /// modified directly, but you can change it by updating the category with a new name").
    pub link_id: String,
}

impl CategoryRecord {
    pub fn to_core(&self) -> Category {
        Category {
            id: CategoryId(self.id),
            name: self.name.clone(),
            father_category_id: self.father_category_id.map(CategoryId),
            is_active: self.is_active,
            has_children: None,
        }
    }
}

/// A category as `GET|POST|PUT /api/catalog/pvt/category` return it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CategoryResponse {
    #[serde(flatten)]
    pub record: CategoryRecord,
    pub has_children: bool,
    /// `null` unless `includeTreePath=true`.
    pub tree_path: Option<Vec<String>>,
    pub tree_path_ids: Option<Vec<u32>>,
    pub tree_path_link_ids: Option<Vec<String>>,
}

/// Body of `POST /api/catalog/pvt/category` and `PUT /api/catalog/pvt/category/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CategoryInput {
    pub id: Option<i64>,
    pub name: Option<String>,
    /// Absent (`None`) vs `null` (`Some(None)`) matter on update.
    #[serde(default, deserialize_with = "present")]
    pub father_category_id: Option<Option<i64>>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub keywords: Option<String>,
    pub is_active: Option<bool>,
    pub lomadee_campaign_code: Option<String>,
    pub ad_words_remarketing_code: Option<String>,
    pub show_in_store_front: Option<bool>,
    pub show_brand_filter: Option<bool>,
    pub active_store_front_link: Option<bool>,
    pub global_category_id: Option<i64>,
    pub stock_keeping_unit_selection_mode: Option<String>,
    pub score: Option<i64>,
}

/// A specification group, stored and returned alike (`{Id, CategoryId, Name, Position}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupRecord {
    pub id: u32,
    /// `null`: a root-level group, applying to the whole catalog.
    pub category_id: Option<u32>,
    pub name: String,
    pub position: i32,
}

impl GroupRecord {
    pub fn to_core(&self) -> SpecificationGroup {
        SpecificationGroup {
            id: GroupId(self.id),
            category_id: self.category_id.map(CategoryId),
            name: self.name.clone(),
            position: self.position,
        }
    }
}

/// Body of `POST /api/catalog/pvt/specificationgroup` and `PUT .../{groupId}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupInput {
    pub id: Option<i64>,
    /// Absent (`None`) vs `null` (`Some(None)`) matter on update.
    #[serde(default, deserialize_with = "present")]
    pub category_id: Option<Option<i64>>,
    pub name: Option<String>,
    pub position: Option<i64>,
}

/// A specification field as stored. Its `CategoryId` is not stored: it is always its group's
/// (ponte-core keeps it in step when a group moves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FieldRecord {
    pub id: u32,
    pub field_type_id: i32,
    pub field_group_id: u32,
    pub name: String,
    pub description: Option<String>,
    pub position: i32,
    pub is_filter: bool,
    pub is_required: bool,
    pub is_on_product_details: bool,
    pub is_stock_keeping_unit: bool,
    pub is_wizard: Option<bool>,
    pub is_active: bool,
    pub is_top_menu_link_active: bool,
    pub is_side_menu_link_active: bool,
    pub default_value: Option<String>,
}

impl FieldRecord {
    pub fn to_core(&self) -> SpecificationField {
        SpecificationField {
            id: FieldId(self.id),
            name: self.name.clone(),
            field_type_id: self.field_type_id,
            field_group_id: GroupId(self.field_group_id),
            category_id: None,
            position: self.position,
            is_required: self.is_required,
            is_active: self.is_active,
            is_filter: self.is_filter,
            is_stock_keeping_unit: self.is_stock_keeping_unit,
        }
    }
}

/// A field as `/api/catalog/pvt/specification` returns it: the stored record with its
/// category (its group's).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FieldResponse {
    pub category_id: Option<u32>,
    #[serde(flatten)]
    pub record: FieldRecord,
}

/// A field as `GET /api/catalog_system/pub/specification/fieldGet/{fieldId}` returns it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FieldGetResponse {
    pub name: String,
    pub category_id: Option<u32>,
    pub field_id: u32,
    pub is_active: bool,
    pub is_required: bool,
    pub field_type_id: i32,
    pub field_type_name: &'static str,
    /// Always `null` here, as in VTEX's example.
    pub field_value_id: Option<u32>,
    pub description: Option<String>,
    pub is_stock_keeping_unit: bool,
    pub is_filter: bool,
    pub is_on_product_details: bool,
    pub position: i32,
    pub is_wizard: Option<bool>,
    pub is_top_menu_link_active: bool,
    pub is_side_menu_link_active: bool,
    pub default_value: Option<String>,
    pub field_group_id: u32,
    pub field_group_name: String,
}

/// An entry of `listByCategoryId` / `listTreeByCategoryId`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FieldListEntry {
    pub name: String,
    pub category_id: Option<u32>,
    pub field_id: u32,
    pub is_active: bool,
    pub is_stock_keeping_unit: bool,
}

/// Body of both field APIs (`/api/catalog/pvt/specification` and the legacy
/// `/api/catalog_system/pvt/specification/field`, which names the id `FieldId`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FieldInput {
    pub id: Option<i64>,
    pub field_id: Option<i64>,
    pub field_type_id: Option<i64>,
    pub category_id: Option<i64>,
    pub field_group_id: Option<i64>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub position: Option<i64>,
    pub is_filter: Option<bool>,
    pub is_required: Option<bool>,
    pub is_on_product_details: Option<bool>,
    pub is_stock_keeping_unit: Option<bool>,
    pub is_wizard: Option<bool>,
    pub is_active: Option<bool>,
    pub is_top_menu_link_active: Option<bool>,
    pub is_side_menu_link_active: Option<bool>,
    pub default_value: Option<String>,
}

/// A specification value, stored and returned alike
/// (`{FieldValueId, FieldId, Name, Text, IsActive, Position}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValueRecord {
    pub field_value_id: u32,
    pub field_id: u32,
    pub name: String,
    pub text: Option<String>,
    pub is_active: bool,
    pub position: i32,
}

impl ValueRecord {
    pub fn to_core(&self) -> SpecificationValue {
        SpecificationValue {
            id: FieldValueId(self.field_value_id),
            field_id: FieldId(self.field_id),
            name: self.name.clone(),
            is_active: self.is_active,
            position: self.position,
        }
    }
}

/// An entry of `GET /api/catalog_system/pub/specification/fieldvalue/{fieldId}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValueListEntry {
    pub field_value_id: u32,
    pub value: String,
    pub is_active: bool,
    pub position: i32,
}

/// Body of the value endpoints. The id may be named `FieldValueId` or `Id`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValueInput {
    pub id: Option<i64>,
    pub field_value_id: Option<i64>,
    pub field_id: Option<i64>,
    pub name: Option<String>,
    pub text: Option<String>,
    pub is_active: Option<bool>,
    pub position: Option<i64>,
}

/// A node of `GET /api/catalog_system/pub/category/tree/{categoryLevels}` (VTEX mixes camelCase
/// and PascalCase here).
#[derive(Debug, Clone, Serialize)]
pub struct TreeNode {
    pub id: u32,
    pub name: String,
    #[serde(rename = "hasChildren")]
    pub has_children: bool,
    pub url: String,
    pub children: Vec<TreeNode>,
    #[serde(rename = "Title")]
    pub title: String,
    #[serde(rename = "MetaTagDescription")]
    pub meta_tag_description: String,
}

/// VTEX's name of a `FieldTypeId`, as the OpenAPI description of `FieldTypeName` lists them.
pub fn field_type_name(type_id: i32) -> &'static str {
    match type_id {
        1 => "Text",
        2 => "Multi-Line Text",
        4 => "Number",
        5 => "Combo",
        6 => "Radio",
        7 => "Checkbox",
        8 => "Indexed Text",
        9 => "Indexed Multi-Line Text",
        _ => "Unknown",
    }
}

/// VTEX's `LinkId` for a name: accents folded, every run of other characters turned into one
/// `-`, case kept (`"Women Fashion"` → `"Women-Fashion"`, `"Ração Seca"` → `"Racao-Seca"`).
pub fn link_id(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_dash = false;
    for c in name.trim().chars() {
        let folded = fold_accent(c);
        match folded {
            Some(s) => {
                if pending_dash && !out.is_empty() {
                    out.push('-');
                }
                pending_dash = false;
                out.push_str(s);
            }
            None if c.is_ascii_alphanumeric() => {
                if pending_dash && !out.is_empty() {
                    out.push('-');
                }
                pending_dash = false;
                out.push(c);
            }
            None => pending_dash = true,
        }
    }
    out
}

fn fold_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'á' | 'à' | 'â' | 'ã' | 'ä' | 'å' => "a",
        'Á' | 'À' | 'Â' | 'Ã' | 'Ä' | 'Å' => "A",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'É' | 'È' | 'Ê' | 'Ë' => "E",
        'í' | 'ì' | 'î' | 'ï' => "i",
        'Í' | 'Ì' | 'Î' | 'Ï' => "I",
        'ó' | 'ò' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
        'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "O",
        'ú' | 'ù' | 'û' | 'ü' => "u",
        'Ú' | 'Ù' | 'Û' | 'Ü' => "U",
        'ç' => "c",
        'Ç' => "C",
        'ñ' => "n",
        'Ñ' => "N",
        'ý' | 'ÿ' => "y",
        'Ý' => "Y",
        'ß' => "ss",
        'æ' => "ae",
        'Æ' => "AE",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::link_id;

    #[test]
    fn link_ids_follow_vtex_examples() {
        assert_eq!(link_id("Women Fashion"), "Women-Fashion");
        assert_eq!(link_id("Accessories"), "Accessories");
        assert_eq!(link_id("Ração Úmida"), "Racao-Umida");
        assert_eq!(link_id("  Home & Garden!  "), "Home-Garden");
        assert_eq!(link_id("T-Shirts"), "T-Shirts");
    }
}
