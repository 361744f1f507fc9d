use super::FieldType;
use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};

/// A catalog rule broken by the input. Each variant has a stable [`code`](Self::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("category {0} does not exist")]
    CategoryNotFound(CategoryId),
    #[error("{entity} id 0 is not valid: VTEX ids are positive integers")]
    ZeroId { entity: &'static str },
    #[error("category id {0} appears more than once")]
    DuplicateCategory(CategoryId),
    #[error(
        "category {category} names father category {father}, which does not exist; create the father first"
    )]
    FatherNotFound {
        category: CategoryId,
        father: CategoryId,
    },
    #[error("category {category} would be its own ancestor (cycle: {})", display_cycle(.cycle))]
    Cycle {
        category: CategoryId,
        cycle: Vec<CategoryId>,
    },
    #[error(
        "category {category} would sit {depth} levels deep; at most {max} levels are supported"
    )]
    TooDeep {
        category: CategoryId,
        depth: usize,
        max: usize,
    },
    #[error("{entity} {id} has an invalid name: it must be 1 to {max} characters after trimming")]
    InvalidName {
        entity: &'static str,
        id: u32,
        max: usize,
    },
    #[error("specification group {0} does not exist")]
    GroupNotFound(GroupId),
    #[error("specification group id {0} appears more than once")]
    DuplicateGroup(GroupId),
    #[error("specification group {group} is on category {category}, which does not exist")]
    GroupCategoryNotFound {
        group: GroupId,
        category: CategoryId,
    },
    #[error("specification field {0} does not exist")]
    FieldNotFound(FieldId),
    #[error("specification field id {0} appears more than once")]
    DuplicateField(FieldId),
    #[error("specification field {field} is in group {group}, which does not exist")]
    FieldGroupNotFound { field: FieldId, group: GroupId },
    #[error("specification field {field} says category {field_category} but its group {group} is on {}", display_scope(*.group_category))]
    FieldCategoryMismatch {
        field: FieldId,
        group: GroupId,
        field_category: CategoryId,
        group_category: Option<CategoryId>,
    },
    #[error(
        "specification field {field} has FieldTypeId {type_id}; VTEX knows 1, 2, 4, 5, 6, 7, 8 and 9"
    )]
    UnknownFieldType { field: FieldId, type_id: i32 },
    #[error(
        "specification field {field} is an SKU field of type {field_type:?}: Sku Field can be only of the Radio or Combo type"
    )]
    SkuFieldType {
        field: FieldId,
        field_type: FieldType,
    },
    #[error("specification value id {0} appears more than once")]
    DuplicateValue(FieldValueId),
    #[error("specification value {value} belongs to field {field}, which does not exist")]
    ValueFieldNotFound { value: FieldValueId, field: FieldId },
    #[error(
        "specification value {value} belongs to field {field} of type {field_type:?}, which takes typed text, not listed values"
    )]
    ValueOnTextField {
        value: FieldValueId,
        field: FieldId,
        field_type: FieldType,
    },
}

fn display_cycle(cycle: &[CategoryId]) -> String {
    cycle
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" -> ")
}

fn display_scope(c: Option<CategoryId>) -> String {
    match c {
        Some(c) => format!("category {c}"),
        None => "the root level".to_owned(),
    }
}

error_codes! {
    CatalogError,
    /// The stable machine code of the error (GraphQL `extensions.code`, JS `error.code`).
    ///
    /// ```
    /// use ponte_core::{catalog::CatalogError, ids::CategoryId};
    /// assert_eq!(CatalogError::CategoryNotFound(CategoryId(7)).code(), "CATEGORY_NOT_FOUND");
    /// ```
    {
        CategoryNotFound => "CATEGORY_NOT_FOUND",
        ZeroId => "ID_INVALID",
        DuplicateCategory => "CATEGORY_DUPLICATE_ID",
        FatherNotFound => "CATEGORY_FATHER_NOT_FOUND",
        Cycle => "CATEGORY_CYCLE",
        TooDeep => "CATEGORY_TOO_DEEP",
        InvalidName => "NAME_INVALID",
        GroupNotFound => "SPEC_GROUP_NOT_FOUND",
        DuplicateGroup => "SPEC_GROUP_DUPLICATE_ID",
        GroupCategoryNotFound => "SPEC_GROUP_CATEGORY_NOT_FOUND",
        FieldNotFound => "SPEC_FIELD_NOT_FOUND",
        DuplicateField => "SPEC_FIELD_DUPLICATE_ID",
        FieldGroupNotFound => "SPEC_FIELD_GROUP_NOT_FOUND",
        FieldCategoryMismatch => "SPEC_FIELD_CATEGORY_MISMATCH",
        UnknownFieldType => "SPEC_FIELD_TYPE_UNKNOWN",
        SkuFieldType => "SPEC_FIELD_SKU_TYPE_NOT_ALLOWED",
        DuplicateValue => "SPEC_VALUE_DUPLICATE_ID",
        ValueFieldNotFound => "SPEC_VALUE_FIELD_NOT_FOUND",
        ValueOnTextField => "SPEC_VALUE_FIELD_TAKES_NO_VALUES",
    }
}
