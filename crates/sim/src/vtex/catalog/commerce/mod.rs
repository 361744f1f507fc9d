//! Brands, products, SKUs, their specifications, images, kit components and trade-policy links:
//! what a catalog import writes after the category tree (§C.3, §C.5–C.9).
//!
//! **Every write is checked by ponte-core.** A request becomes the ponte-core
//! [`Operation`](ponte_core::catalog::import::Operation) the import planner would emit for it (`CreateProduct`, `CreateSku`,
//! `SetSkuSpecification`, `ActivateSku`, ...), and is run by ponte-core's reference executor
//! [`apply_plan`](ponte_core::catalog::import::apply_plan) against a [`CatalogState`](ponte_core::catalog::import::CatalogState) holding the entities the rule looks at (the category
//! tree and specifications, the product, its brand, the SKU's specifications and images, ...).
//! Whatever `apply_plan` refuses (an SKU created active, an activation whose preconditions do
//! not hold, a product outside a leaf category, a value of another field, a duplicate RefId or
//! image name) is refused. Before that, the request is checked with ponte-core's pieces so the
//! answer carries a precise code: [`unmet_activation_preconditions`](ponte_core::catalog::import::unmet_activation_preconditions) (through
//! [`CatalogState::sku_activation_preconditions`](ponte_core::catalog::import::CatalogState::sku_activation_preconditions)) for activations, [`ponte_core::catalog::Catalog::is_leaf`] and
//! [`ponte_core::catalog::Catalog::effective_specifications`] for categories and specification visibility,
//! [`FieldType`](ponte_core::catalog::FieldType) for what a field takes, [`is_number`](ponte_core::catalog::import::is_number), [`is_valid_image_url`](ponte_core::catalog::import::is_valid_image_url) and
//! [`is_valid_link_id`](ponte_core::catalog::import::is_valid_link_id), and VTEX's limits (`MAX_*`, [`MEASUREMENT_UNITS`](ponte_core::catalog::import::MEASUREMENT_UNITS)). Codes are
//! ponte-core's [`ImportErrorCode`](ponte_core::catalog::import::ImportErrorCode) strings where one fits.
//!
//! A `PUT` of a product or SKU is a full replace (VTEX: omitted fields are blanked, booleans
//! become `false`): the body is applied with ponte-core's [`merge_for_put`](ponte_core::catalog::import::merge_for_put) /
//! [`merge_sku_for_put`](ponte_core::catalog::import::merge_sku_for_put) over a blanked copy of the entity.
//!
//! Writes are answered `200`; refused writes change nothing (the caller works on a copy, see
//! [`super::CatalogService::write`]).
//!
//! One file per entity: [`brand`], [`product`] (with trade-policy links), [`sku`] (with
//! EANs and activation), [`specs`] (product and SKU specification rows), [`files`], [`kits`];
//! what they share: the records and the one [`state::Entity`] shape every entity is loaded,
//! written, removed and listed through ([`state`]), request bodies and checks ([`input`]), and
//! lookups and the export ([`common`]).

pub mod brand;
pub mod common;
pub mod files;
pub mod input;
pub mod kits;
pub mod product;
pub mod sku;
pub mod specs;
pub mod state;

pub use input::*;
pub use state::*;
