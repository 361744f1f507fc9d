//! The input shapes of the catalog: what a caller (the service reading VTEX, the simulator,
//! a test) hands to [`super::Catalog::from_snapshot`]. Field names follow VTEX's, in
//! camelCase.

use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}

/// A category as VTEX stores it (`GET /api/catalog/pvt/category/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    /// `None` makes the category a department (level 1).
    pub father_category_id: Option<CategoryId>,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_active: bool,
    /// VTEX's `HasChildren`, for snapshots that hold only part of the tree: a category whose
    /// children are not in the snapshot is still not a leaf when this is `true`.
    pub has_children: Option<bool>,
}

/// A specification group: on a category, or at root level (`categoryId: null`), where it
/// applies to the whole catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct SpecificationGroup {
    pub id: GroupId,
    pub category_id: Option<CategoryId>,
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<i32>", optional))]
    pub position: i32,
}

/// A specification field. Its scope is its group's category; `categoryId`, when given, must
/// agree with the group's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct SpecificationField {
    pub id: FieldId,
    pub name: String,
    /// VTEX `FieldTypeId`: 1 Text, 2 Multi-Line Text, 4 Number, 5 Combo, 6 Radio,
    /// 7 Checkbox, 8 Indexed Text, 9 Indexed Multi-Line Text.
    pub field_type_id: i32,
    pub field_group_id: GroupId,
    pub category_id: Option<CategoryId>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<i32>", optional))]
    pub position: i32,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_required: bool,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_active: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_filter: bool,
    /// An SKU field (variation). Only Combo and Radio may be SKU fields.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_stock_keeping_unit: bool,
}

/// A value of a Combo, Radio or Checkbox field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SpecificationValue {
    pub id: FieldValueId,
    pub field_id: FieldId,
    pub name: String,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_active: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<i32>", optional))]
    pub position: i32,
}

/// Everything [`super::Catalog::from_snapshot`] needs, in any order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CatalogSnapshot {
    #[serde(default)]
    pub categories: Vec<Category>,
    #[serde(default)]
    pub groups: Vec<SpecificationGroup>,
    #[serde(default)]
    pub fields: Vec<SpecificationField>,
    #[serde(default)]
    pub values: Vec<SpecificationValue>,
}

/// The field types VTEX knows (`FieldTypeId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum FieldType {
    Text,
    MultiLineText,
    Number,
    Combo,
    Radio,
    Checkbox,
    IndexedText,
    IndexedMultiLineText,
}

impl FieldType {
    /// Every type, in `FieldTypeId` order.
    pub const ALL: [FieldType; 8] = [
        FieldType::Text,
        FieldType::MultiLineText,
        FieldType::Number,
        FieldType::Combo,
        FieldType::Radio,
        FieldType::Checkbox,
        FieldType::IndexedText,
        FieldType::IndexedMultiLineText,
    ];

    /// The type for a VTEX `FieldTypeId`, or `None` for an id VTEX does not define (3 is not one).
    ///
    /// ```
    /// use ponte_core::catalog::FieldType;
    /// assert_eq!(FieldType::from_id(5), Some(FieldType::Combo));
    /// assert_eq!(FieldType::from_id(3), None);
    /// ```
    pub fn from_id(id: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }

    /// VTEX's `FieldTypeId`.
    pub fn id(self) -> i32 {
        match self {
            FieldType::Text => 1,
            FieldType::MultiLineText => 2,
            FieldType::Number => 4,
            FieldType::Combo => 5,
            FieldType::Radio => 6,
            FieldType::Checkbox => 7,
            FieldType::IndexedText => 8,
            FieldType::IndexedMultiLineText => 9,
        }
    }

    /// Whether values are chosen from a list (`FieldValueId`) rather than typed as text.
    pub fn has_values(self) -> bool {
        matches!(
            self,
            FieldType::Combo | FieldType::Radio | FieldType::Checkbox
        )
    }

    /// Whether VTEX accepts the type on an SKU field (`IsStockKeepingUnit`).
    pub fn allowed_on_sku(self) -> bool {
        matches!(self, FieldType::Combo | FieldType::Radio)
    }
}
