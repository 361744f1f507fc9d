//! The shapes of an import plan.

use super::activation::UnmetPrecondition;
use super::model::{BrandId, ProductId, ProductPatch, SkuFileId, SkuId, SkuPatch, TradePolicyId};
use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use serde::{Deserialize, Serialize};

/// A plan-local reference to an entity: one the catalog already has, or the one an earlier
/// create step makes (its VTEX id is known only once that step has run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Ref<T> {
    Existing { id: T },
    Planned { step: u32 },
}

impl<T> Ref<T> {
    /// The step this reference waits for, if any.
    pub fn planned_step(&self) -> Option<u32> {
        match self {
            Ref::Planned { step } => Some(*step),
            Ref::Existing { .. } => None,
        }
    }
}

/// The phases of an import, in VTEX's order (§C.10). Steps are sorted by phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Phase {
    Categories,
    Brands,
    SpecificationGroups,
    SpecificationFields,
    SpecificationValues,
    Products,
    ProductTradePolicies,
    Skus,
    ProductSpecifications,
    SkuSpecifications,
    SkuImages,
    KitComponents,
    Activation,
}

impl Phase {
    /// Every phase, in VTEX's order.
    pub const ALL: [Phase; 13] = [
        Phase::Categories,
        Phase::Brands,
        Phase::SpecificationGroups,
        Phase::SpecificationFields,
        Phase::SpecificationValues,
        Phase::Products,
        Phase::ProductTradePolicies,
        Phase::Skus,
        Phase::ProductSpecifications,
        Phase::SkuSpecifications,
        Phase::SkuImages,
        Phase::KitComponents,
        Phase::Activation,
    ];
}

/// What a step does to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum StepAction {
    /// The entity (or association) does not exist yet.
    Create,
    /// It exists and differs (upsert mode only).
    Update,
    /// Set `IsActive=true` on an SKU.
    Activate,
}

/// The kinds of entity a step can create, for dependency checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EntityKind {
    Category,
    Brand,
    SpecificationGroup,
    SpecificationField,
    SpecificationValue,
    Product,
    Sku,
}

/// An SKU image body (`POST .../stockkeepingunit/{skuId}/file`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct ImageBody {
    pub name: String,
    pub url: String,
    pub is_main: bool,
    pub position: i32,
    pub label: Option<String>,
    pub text: Option<String>,
}

/// The Catalog API call a step stands for, with plan-local references.
///
/// Updates of categories, products and SKUs are full replaces in VTEX: the executor reads the
/// entity, applies the step's fields ([`super::merge_for_put`], [`super::merge_sku_for_put`])
/// and writes the whole body back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Operation {
    CreateCategory {
        name: String,
        father: Option<Ref<CategoryId>>,
        is_active: bool,
    },
    UpdateCategory {
        id: CategoryId,
        name: String,
        is_active: bool,
    },
    CreateBrand {
        name: String,
        link_id: Option<String>,
        is_active: bool,
    },
    UpdateBrand {
        id: BrandId,
        name: String,
        link_id: Option<String>,
        is_active: bool,
    },
    CreateSpecificationGroup {
        /// `null`: root level.
        category: Option<Ref<CategoryId>>,
        name: String,
        position: i32,
    },
    UpdateSpecificationGroup {
        id: GroupId,
        name: String,
        position: i32,
    },
    CreateSpecificationField {
        group: Ref<GroupId>,
        /// The group's category (`null`: root level).
        category: Option<Ref<CategoryId>>,
        name: String,
        field_type_id: i32,
        is_stock_keeping_unit: bool,
        is_required: bool,
        is_filter: bool,
        is_active: bool,
        position: i32,
    },
    UpdateSpecificationField {
        id: FieldId,
        name: String,
        field_type_id: i32,
        is_stock_keeping_unit: bool,
        is_required: bool,
        is_filter: bool,
        is_active: bool,
        position: i32,
    },
    CreateSpecificationValue {
        field: Ref<FieldId>,
        name: String,
        is_active: bool,
        position: i32,
    },
    UpdateSpecificationValue {
        id: FieldValueId,
        field: FieldId,
        name: String,
        is_active: bool,
        position: i32,
    },
    /// `product` holds the batch's fields; unset booleans take VTEX's create defaults
    /// ([`ProductPatch::into_product`]). `categoryId`/`brandId` come from the references.
    CreateProduct {
        category: Ref<CategoryId>,
        brand: Ref<BrandId>,
        product: ProductPatch,
    },
    UpdateProduct {
        id: ProductId,
        category: Ref<CategoryId>,
        brand: Ref<BrandId>,
        patch: ProductPatch,
    },
    LinkProductTradePolicy {
        product: Ref<ProductId>,
        trade_policy_id: TradePolicyId,
    },
    /// Always with `isActive: false` (VTEX refuses an SKU created active).
    CreateSku {
        product: Ref<ProductId>,
        sku: SkuPatch,
    },
    UpdateSku {
        id: SkuId,
        patch: SkuPatch,
    },
    /// Replaces the product's values for the field (create: none yet).
    SetProductSpecification {
        product: Ref<ProductId>,
        field: Ref<FieldId>,
        text: Option<String>,
        values: Vec<Ref<FieldValueId>>,
    },
    SetSkuSpecification {
        sku: Ref<SkuId>,
        field: Ref<FieldId>,
        value: Ref<FieldValueId>,
    },
    AddSkuImage {
        sku: Ref<SkuId>,
        image: ImageBody,
    },
    UpdateSkuImage {
        id: SkuFileId,
        sku: SkuId,
        image: ImageBody,
    },
    SetKitComponent {
        kit: Ref<SkuId>,
        component: Ref<SkuId>,
        quantity: u32,
    },
    ActivateSku {
        sku: Ref<SkuId>,
    },
}

impl Operation {
    /// The kind of entity a create step makes (associations, updates and activations: none).
    pub fn creates(&self) -> Option<EntityKind> {
        Some(match self {
            Operation::CreateCategory { .. } => EntityKind::Category,
            Operation::CreateBrand { .. } => EntityKind::Brand,
            Operation::CreateSpecificationGroup { .. } => EntityKind::SpecificationGroup,
            Operation::CreateSpecificationField { .. } => EntityKind::SpecificationField,
            Operation::CreateSpecificationValue { .. } => EntityKind::SpecificationValue,
            Operation::CreateProduct { .. } => EntityKind::Product,
            Operation::CreateSku { .. } => EntityKind::Sku,
            _ => return None,
        })
    }

    /// Every plan-local reference the step uses, with the kind it must point at.
    pub fn references(&self) -> Vec<(EntityKind, u32)> {
        use EntityKind as K;
        let mut out = Vec::new();
        let mut add = |kind: K, step: Option<u32>| {
            if let Some(s) = step {
                out.push((kind, s));
            }
        };
        match self {
            Operation::CreateCategory { father, .. } => {
                add(K::Category, father.and_then(|f| f.planned_step()))
            }
            Operation::CreateSpecificationGroup { category, .. } => {
                add(K::Category, category.and_then(|c| c.planned_step()))
            }
            Operation::CreateSpecificationField {
                group, category, ..
            } => {
                add(K::SpecificationGroup, group.planned_step());
                add(K::Category, category.and_then(|c| c.planned_step()));
            }
            Operation::CreateSpecificationValue { field, .. } => {
                add(K::SpecificationField, field.planned_step())
            }
            Operation::CreateProduct {
                category, brand, ..
            }
            | Operation::UpdateProduct {
                category, brand, ..
            } => {
                add(K::Category, category.planned_step());
                add(K::Brand, brand.planned_step());
            }
            Operation::LinkProductTradePolicy { product, .. } => {
                add(K::Product, product.planned_step())
            }
            Operation::CreateSku { product, .. } => add(K::Product, product.planned_step()),
            Operation::SetProductSpecification {
                product,
                field,
                values,
                ..
            } => {
                add(K::Product, product.planned_step());
                add(K::SpecificationField, field.planned_step());
                for v in values {
                    add(K::SpecificationValue, v.planned_step());
                }
            }
            Operation::SetSkuSpecification { sku, field, value } => {
                add(K::Sku, sku.planned_step());
                add(K::SpecificationField, field.planned_step());
                add(K::SpecificationValue, value.planned_step());
            }
            Operation::AddSkuImage { sku, .. } | Operation::ActivateSku { sku } => {
                add(K::Sku, sku.planned_step())
            }
            Operation::SetKitComponent { kit, component, .. } => {
                add(K::Sku, kit.planned_step());
                add(K::Sku, component.planned_step());
            }
            Operation::UpdateCategory { .. }
            | Operation::CreateBrand { .. }
            | Operation::UpdateBrand { .. }
            | Operation::UpdateSpecificationGroup { .. }
            | Operation::UpdateSpecificationField { .. }
            | Operation::UpdateSpecificationValue { .. }
            | Operation::UpdateSku { .. }
            | Operation::UpdateSkuImage { .. } => {}
        }
        out
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanStep {
    /// The step's position in [`ImportPlan::steps`]; `Ref::Planned { step }` points here.
    pub index: u32,
    pub phase: Phase,
    pub action: StepAction,
    /// The natural identity of what the step creates or changes (RefId, or name within
    /// parent), unique in the plan: look the entity up by it before creating it, so a re-run
    /// after a crash creates no duplicate.
    pub key: String,
    /// Where in the batch the step comes from (`options.placeholderName` for placeholders).
    pub path: String,
    pub operation: Operation,
    /// The earlier steps that must have succeeded before this one runs, ascending: those its
    /// `Ref::Planned` references point to and, for the activation of a kit, the activations
    /// of its components in the plan (VTEX activates a kit only with an active component).
    /// Steps of a later phase also wait for the earlier phases to finish (steps are sorted by
    /// phase); a step whose dependency failed is skipped.
    #[serde(default)]
    pub depends_on: Vec<u32>,
}

/// Whether and why a batch SKU is (or is not) activated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkuActivation {
    pub key: String,
    pub path: String,
    /// Already active in the catalog (never deactivated by an import).
    pub already_active: bool,
    /// The plan has an activation step for it.
    pub activate: bool,
    /// The preconditions that will not hold after the plan (empty: activatable).
    pub unmet: Vec<UnmetPrecondition>,
}

/// Counts, for progress bars and dry runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanSummary {
    pub creates: u32,
    pub updates: u32,
    pub activations: u32,
    /// Batch entities (and associations) that already exist as the batch says: no step.
    pub unchanged: u32,
}

/// An ordered import: running the steps in order never uses an entity that neither the catalog
/// nor an earlier step has created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportPlan {
    pub steps: Vec<PlanStep>,
    /// One entry per batch SKU, in batch order.
    pub activation: Vec<SkuActivation>,
    pub summary: PlanSummary,
}
