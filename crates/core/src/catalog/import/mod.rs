//! Catalog import (§C.3–C.10): the rest of the catalog model (brands, products, SKUs,
//! specification values, images, kits, trade-policy links), the SKU activation preconditions,
//! and the import planner.
//!
//! An ERP sends an [`ImportBatch`] that names everything by natural keys — category paths (or
//! batch-local category keys), brand names, specification group/field/value names, product and
//! SKU `RefId`s. [`plan`] checks it against the [`CatalogState`] the service read from VTEX and
//! returns either **every** error ([`ImportError`]: a stable code and a path into the batch such
//! as `products[3].skus[1].specifications[0]`) or an [`ImportPlan`]: steps in VTEX's order in
//! which no step uses an entity that neither the catalog nor an earlier step has created
//! ([`plan_respects_dependencies`] checks it), each with an idempotency key to look the entity up
//! before creating it.
//!
//! What stays with the executor (the service): resolving [`Ref::Planned`] to the ids earlier
//! steps obtained, looking entities up by key before creating them, read-modify-write on
//! updates ([`merge_for_put`]), retries and rate limits, and recording progress.
//! [`apply_plan`] is the in-memory reference executor.

mod activation;
mod apply;
mod batch;
mod error;
mod model;
mod ops;
mod plan;
mod plan_types;
mod reads;
mod validate;

pub use activation::{ActivationFacts, UnmetPrecondition, unmet_activation_preconditions};
pub use apply::apply_plan;
pub use batch::{
    BrandInput, CategoryInput, CategoryRef, ImageInput, ImportBatch, ImportMode, ImportOptions,
    KitComponentInput, ProductInput, SkuInput, SpecificationFieldInput, SpecificationGroupInput,
    SpecificationInput, SpecificationValueInput,
};
pub use error::{ImportError, ImportErrorCode};
pub use model::*;
pub use ops::{
    PlanRequest, PlanResponse, ValidateBatchRequest, ValidateBatchResponse, check_catalog_batch,
    import_phases, plan_catalog_batch, plan_catalog_import, validate_catalog_batch,
};
pub use plan::{plan, plan_respects_dependencies, validate_batch};
pub use plan_types::{
    EntityKind, ImageBody, ImportPlan, Operation, Phase, PlanStep, PlanSummary, Ref, SkuActivation,
    StepAction,
};
pub use reads::{ImportReads, ImportReadsRequest, SkuLookup, import_reads};
pub use validate::{is_number, is_valid_image_url, is_valid_link_id};

#[cfg(test)]
mod tests;
