//! What a successful validation resolved: every batch entity with its id (existing or
//! provisional) and what the plan does with it.

use super::super::model::*;
use super::super::plan_types::ImageBody;
use crate::catalog::Catalog;
use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::catalog::import) enum Change {
    Create,
    Update,
    Same,
}

#[derive(Debug)]
pub(in crate::catalog::import) struct RCategory {
    pub path: String,
    pub id: CategoryId,
    pub depth: usize,
    pub change: Change,
}

#[derive(Debug)]
pub(in crate::catalog::import) struct RBrand {
    pub path: String,
    pub id: BrandId,
    pub name: String,
    pub link_id: Option<String>,
    pub is_active: bool,
    pub change: Change,
}

#[derive(Debug)]
pub(in crate::catalog::import) struct RSpecEntity<Id> {
    pub path: String,
    pub id: Id,
    pub change: Change,
}

#[derive(Debug)]
pub(in crate::catalog::import) struct RProductSpec {
    pub path: String,
    pub field: FieldId,
    pub text: Option<String>,
    pub values: Vec<FieldValueId>,
    pub change: Change,
}

#[derive(Debug)]
pub(in crate::catalog::import) struct RSkuSpec {
    pub path: String,
    pub field: FieldId,
    pub value: FieldValueId,
    pub change: Change,
}

#[derive(Debug)]
pub(in crate::catalog::import) struct RImage {
    pub path: String,
    pub existing: Option<SkuFileId>,
    pub body: ImageBody,
    pub change: Change,
}

#[derive(Debug)]
pub(in crate::catalog::import) struct RKit {
    pub path: String,
    pub component: SkuId,
    /// The component's refId, as the batch gives it.
    pub component_ref: String,
    pub quantity: u32,
    pub change: Change,
}

#[derive(Debug)]
pub(in crate::catalog::import) struct RSku {
    pub path: String,
    pub key: String,
    pub id: SkuId,
    pub change: Change,
    pub patch: SkuPatch,
    /// The SKU as it will be after the plan.
    pub after: Sku,
    pub existing_active: bool,
    pub specs: Vec<RSkuSpec>,
    pub images: Vec<RImage>,
    /// Images the SKU keeps from the catalog (not named in the batch).
    pub kept_images: u32,
    pub kit: Vec<RKit>,
    /// Components the kit already has and the batch does not name.
    pub kept_components: Vec<SkuId>,
    /// SKU fields valued after the plan.
    pub valued_fields: BTreeSet<FieldId>,
}

#[derive(Debug)]
pub(in crate::catalog::import) struct RProduct {
    pub path: String,
    pub key: String,
    pub id: ProductId,
    pub change: Change,
    pub patch: ProductPatch,
    pub category: CategoryId,
    pub brand: BrandId,
    pub is_active_after: bool,
    pub trade_policies: Vec<(TradePolicyId, Change)>,
    pub specs: Vec<RProductSpec>,
    pub skus: Vec<RSku>,
}

/// The outcome of a successful validation.
#[derive(Debug)]
pub(in crate::catalog::import) struct Resolved {
    pub merged: Catalog,
    /// Ids at or above these were provisionally given to batch entities.
    pub first_new: FirstNew,
    pub categories: Vec<RCategory>,
    pub brands: Vec<RBrand>,
    pub groups: Vec<RSpecEntity<GroupId>>,
    pub fields: Vec<RSpecEntity<FieldId>>,
    pub values: Vec<RSpecEntity<FieldValueId>>,
    pub products: Vec<RProduct>,
    pub brand_active: BTreeMap<BrandId, bool>,
    /// `is_active` of every SKU of the catalog.
    pub sku_active: BTreeMap<SkuId, bool>,
    pub unchanged: u32,
}

#[derive(Debug, Clone, Copy, Default)]
pub(in crate::catalog::import) struct FirstNew {
    pub category: u32,
    pub group: u32,
    pub field: u32,
    pub value: u32,
    pub brand: u32,
    pub product: u32,
    pub sku: u32,
}
