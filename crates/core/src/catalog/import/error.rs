//! Import validation errors: a stable code and a path into the batch.

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// The stable machine code of an [`ImportError`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ImportErrorCode {
            $($(#[$doc])* #[serde(rename = $code)] $variant,)*
        }

        impl ImportErrorCode {
            /// Every code, in catalogue order.
            pub const ALL: &'static [ImportErrorCode] = &[$(ImportErrorCode::$variant,)*];

            /// The code as a string (GraphQL `extensions.code`, JS `error.code`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ImportErrorCode::$variant => $code,)*
                }
            }
        }

        impl ImportError {
            /// Every code an import validation can return.
            pub const CODES: &'static [&'static str] = &[$($code,)*];
        }
    };
}

codes! {
    /// The current catalog read from VTEX is itself inconsistent (its own code in the message).
    CurrentCatalogInvalid => "CURRENT_CATALOG_INVALID",
    /// `options.placeholderName` is empty or too long.
    PlaceholderNameInvalid => "PLACEHOLDER_NAME_INVALID",
    /// An existing entity differs from the batch and the mode is create-only.
    CreateOnlyConflict => "CREATE_ONLY_CONFLICT",

    CategoryNameInvalid => "CATEGORY_NAME_INVALID",
    /// A category reference gives neither or both of `key` and `path`, or an empty path.
    CategoryRefInvalid => "CATEGORY_REF_INVALID",
    CategoryKeyDuplicate => "CATEGORY_KEY_DUPLICATE",
    /// The same name within the same parent twice in the batch.
    CategoryDuplicate => "CATEGORY_DUPLICATE",
    CategoryParentNotFound => "CATEGORY_PARENT_NOT_FOUND",
    CategoryCycle => "CATEGORY_CYCLE",
    CategoryTooDeep => "CATEGORY_TOO_DEEP",
    /// A reference (from a group or a product) to a category neither the batch nor the catalog has.
    CategoryNotFound => "CATEGORY_NOT_FOUND",

    BrandNameInvalid => "BRAND_NAME_INVALID",
    /// Two brands with the same name after trimming and case folding.
    BrandDuplicate => "BRAND_DUPLICATE",
    BrandLinkIdInvalid => "BRAND_LINK_ID_INVALID",
    BrandNotFound => "BRAND_NOT_FOUND",

    SpecGroupNameInvalid => "SPEC_GROUP_NAME_INVALID",
    SpecGroupDuplicate => "SPEC_GROUP_DUPLICATE",
    SpecFieldNameInvalid => "SPEC_FIELD_NAME_INVALID",
    SpecFieldDuplicate => "SPEC_FIELD_DUPLICATE",
    SpecFieldTypeUnknown => "SPEC_FIELD_TYPE_UNKNOWN",
    /// `IsStockKeepingUnit` on a type other than Combo or Radio.
    SpecFieldSkuTypeNotAllowed => "SPEC_FIELD_SKU_TYPE_NOT_ALLOWED",
    /// An existing field would change type or `IsStockKeepingUnit`.
    SpecFieldKindChange => "SPEC_FIELD_KIND_CHANGE",
    SpecValueNameInvalid => "SPEC_VALUE_NAME_INVALID",
    /// A value listed twice (on a field, or in one specification).
    SpecValueDuplicate => "SPEC_VALUE_DUPLICATE",
    /// Values on a field whose type takes text.
    SpecValueFieldTakesNoValues => "SPEC_VALUE_FIELD_TAKES_NO_VALUES",

    ProductRefIdMissing => "PRODUCT_REFID_MISSING",
    ProductRefIdTooLong => "PRODUCT_REFID_TOO_LONG",
    ProductRefIdDuplicate => "PRODUCT_REFID_DUPLICATE",
    ProductNameInvalid => "PRODUCT_NAME_INVALID",
    ProductTitleTooLong => "PRODUCT_TITLE_TOO_LONG",
    ProductCategoryMissing => "PRODUCT_CATEGORY_MISSING",
    ProductCategoryNotLeaf => "PRODUCT_CATEGORY_NOT_LEAF",
    ProductBrandMissing => "PRODUCT_BRAND_MISSING",
    TradePolicyIdInvalid => "TRADE_POLICY_ID_INVALID",
    TradePolicyDuplicate => "TRADE_POLICY_DUPLICATE",
    TradePolicyNotFound => "TRADE_POLICY_NOT_FOUND",

    /// An SKU with neither `refId` nor `ean`.
    SkuIdentifierMissing => "SKU_IDENTIFIER_MISSING",
    SkuRefIdTooLong => "SKU_REFID_TOO_LONG",
    SkuRefIdDuplicate => "SKU_REFID_DUPLICATE",
    SkuEanInvalid => "SKU_EAN_INVALID",
    SkuEanDuplicate => "SKU_EAN_DUPLICATE",
    /// The SKU exists in the catalog under another product.
    SkuProductMismatch => "SKU_PRODUCT_MISMATCH",
    SkuNameInvalid => "SKU_NAME_INVALID",
    /// A packaged dimension or the packaged weight is missing.
    SkuDimensionsMissing => "SKU_DIMENSIONS_MISSING",
    /// A dimension or weight is zero, negative or not finite.
    SkuDimensionsInvalid => "SKU_DIMENSIONS_INVALID",
    SkuMeasurementUnitInvalid => "SKU_MEASUREMENT_UNIT_INVALID",
    SkuUnitMultiplierInvalid => "SKU_UNIT_MULTIPLIER_INVALID",
    /// A kit would stop being a kit.
    SkuKitIrreversible => "SKU_KIT_IRREVERSIBLE",
    SkuKitComponentsNotKit => "SKU_KIT_COMPONENTS_NOT_KIT",
    SkuKitComponentNotFound => "SKU_KIT_COMPONENT_NOT_FOUND",
    /// A component with quantity 0, listed twice, or the kit itself.
    SkuKitComponentInvalid => "SKU_KIT_COMPONENT_INVALID",

    SpecFieldNotFound => "SPEC_FIELD_NOT_FOUND",
    /// The field exists but not in the product's category chain or at root level.
    SpecFieldNotVisible => "SPEC_FIELD_NOT_VISIBLE",
    /// Several visible fields have the name; give `group`.
    SpecFieldAmbiguous => "SPEC_FIELD_AMBIGUOUS",
    SpecFieldInactive => "SPEC_FIELD_INACTIVE",
    /// A product field on an SKU or an SKU field on a product (`IsStockKeepingUnit`).
    SpecFieldTargetMismatch => "SPEC_FIELD_TARGET_MISMATCH",
    /// The same field twice on one product or SKU.
    SpecDuplicate => "SPEC_DUPLICATE",
    /// The value is not one of the field's values.
    SpecValueNotOfField => "SPEC_VALUE_NOT_OF_FIELD",
    SpecValueInactive => "SPEC_VALUE_INACTIVE",
    /// A Combo, Radio or Checkbox field given text or no value.
    SpecValueExpected => "SPEC_VALUE_EXPECTED",
    /// A text-type field given values or no text.
    SpecTextExpected => "SPEC_TEXT_EXPECTED",
    SpecNumberInvalid => "SPEC_NUMBER_INVALID",
    /// Several values on a product Combo or Radio field (only Checkbox takes several).
    SpecMultipleValuesNotAllowed => "SPEC_MULTIPLE_VALUES_NOT_ALLOWED",
    /// An SKU specification without exactly one value.
    SkuSpecNeedsOneValue => "SKU_SPEC_NEEDS_ONE_VALUE",
    /// A required field has no value on the product or SKU.
    SpecRequiredMissing => "SPEC_REQUIRED_MISSING",

    ImageUrlInvalid => "IMAGE_URL_INVALID",
    ImageNameMissing => "IMAGE_NAME_MISSING",
    ImageNameDuplicate => "IMAGE_NAME_DUPLICATE",
    ImagePositionInvalid => "IMAGE_POSITION_INVALID",
    /// `position 0` without `isMain`, or `isMain` at another position.
    ImageMainPosition => "IMAGE_MAIN_POSITION",
    ImageMainMissing => "IMAGE_MAIN_MISSING",
    ImageMainMultiple => "IMAGE_MAIN_MULTIPLE",
}

/// One thing wrong with a batch. `path` points into the batch
/// (`products[3].skus[1].specifications[0]`), or is `current` or `options.…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[error("{path}: {message}")]
pub struct ImportError {
    pub path: String,
    pub code: ImportErrorCode,
    pub message: String,
}

impl ImportError {
    pub fn new(path: impl Into<String>, code: ImportErrorCode, message: impl Into<String>) -> Self {
        ImportError {
            path: path.into(),
            code,
            message: message.into(),
        }
    }

    /// The stable code as a string.
    ///
    /// ```
    /// use ponte_core::catalog::import::{ImportError, ImportErrorCode};
    /// let e = ImportError::new("brands[1]", ImportErrorCode::BrandDuplicate, "brand \"Acme\" appears twice");
    /// assert_eq!(e.code(), "BRAND_DUPLICATE");
    /// ```
    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }
}
