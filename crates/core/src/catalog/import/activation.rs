//! SKU activation preconditions (§C.6): VTEX refuses `IsActive=true` unless all hold.

use super::error::{ImportError, ImportErrorCode};
use super::model::{CatalogState, SkuId};
use crate::catalog::Catalog;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What the preconditions look at, for one SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ActivationFacts {
    pub has_ref_id_or_ean: bool,
    pub image_count: u32,
    /// Names of the active SKU fields of the category chain that have no value on the SKU.
    pub missing_sku_fields: Vec<String>,
    pub is_kit: bool,
    pub active_kit_components: u32,
    pub product_active: bool,
    pub brand_active: bool,
    pub category_active: bool,
}

/// A precondition that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum UnmetPrecondition {
    /// Neither `RefId` nor EAN.
    NoRefIdOrEan,
    /// No image.
    NoImage,
    /// An SKU field of the category chain without a value.
    #[serde(rename_all = "camelCase")]
    SkuSpecificationMissing {
        field: String,
    },
    /// A kit without an active component.
    KitWithoutActiveComponent,
    ProductInactive,
    BrandInactive,
    CategoryInactive,
}

/// The unmet preconditions, in §C.6 order; empty means the SKU can be activated.
///
/// ```
/// use ponte_core::catalog::import::*;
/// let facts = ActivationFacts {
///     has_ref_id_or_ean: true, image_count: 0, missing_sku_fields: vec!["Size".into()],
///     is_kit: false, active_kit_components: 0,
///     product_active: true, brand_active: true, category_active: true,
/// };
/// assert_eq!(unmet_activation_preconditions(&facts), vec![
///     UnmetPrecondition::NoImage,
///     UnmetPrecondition::SkuSpecificationMissing { field: "Size".into() },
/// ]);
/// ```
pub fn unmet_activation_preconditions(facts: &ActivationFacts) -> Vec<UnmetPrecondition> {
    let mut unmet = Vec::new();
    if !facts.has_ref_id_or_ean {
        unmet.push(UnmetPrecondition::NoRefIdOrEan);
    }
    if facts.image_count == 0 {
        unmet.push(UnmetPrecondition::NoImage);
    }
    for field in &facts.missing_sku_fields {
        unmet.push(UnmetPrecondition::SkuSpecificationMissing {
            field: field.clone(),
        });
    }
    if facts.is_kit && facts.active_kit_components == 0 {
        unmet.push(UnmetPrecondition::KitWithoutActiveComponent);
    }
    if !facts.product_active {
        unmet.push(UnmetPrecondition::ProductInactive);
    }
    if !facts.brand_active {
        unmet.push(UnmetPrecondition::BrandInactive);
    }
    if !facts.category_active {
        unmet.push(UnmetPrecondition::CategoryInactive);
    }
    unmet
}

fn present(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.trim().is_empty())
}

impl CatalogState {
    /// The unmet activation preconditions of an SKU of this catalog (what VTEX would check on
    /// `PUT IsActive=true`). A product, brand or category the state does not hold counts as
    /// inactive.
    pub fn sku_activation_preconditions(
        &self,
        sku: SkuId,
    ) -> Result<Vec<UnmetPrecondition>, ImportError> {
        let catalog = Catalog::from_snapshot(&self.catalog).map_err(|e| {
            ImportError::new(
                "current",
                ImportErrorCode::CurrentCatalogInvalid,
                format!("{} ({})", e, e.code()),
            )
        })?;
        self.sku_activation_facts(&catalog, sku)
            .map(|f| unmet_activation_preconditions(&f))
    }

    /// The facts of [`Self::sku_activation_preconditions`], with the catalog already built.
    pub fn sku_activation_facts(
        &self,
        catalog: &Catalog,
        sku: SkuId,
    ) -> Result<ActivationFacts, ImportError> {
        let s = self.skus.iter().find(|s| s.id == sku).ok_or_else(|| {
            ImportError::new(
                "current",
                ImportErrorCode::CurrentCatalogInvalid,
                format!("sku {sku} does not exist"),
            )
        })?;
        let product = self.products.iter().find(|p| p.id == s.product_id);
        let brand = product.and_then(|p| self.brands.iter().find(|b| b.id == p.brand_id));
        let category = product.and_then(|p| catalog.category(p.category_id));
        let valued: BTreeSet<_> = self
            .sku_specifications
            .iter()
            .filter(|v| v.sku_id == sku)
            .map(|v| v.field_id)
            .collect();
        let missing_sku_fields = match product {
            Some(p) => catalog
                .effective_specifications(p.category_id)
                .map(|e| {
                    e.sku_fields
                        .into_iter()
                        .filter(|f| !valued.contains(&f.field_id))
                        .map(|f| f.name)
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let active_kit_components = self
            .kit_components
            .iter()
            .filter(|k| k.kit_sku_id == sku)
            .filter(|k| {
                self.skus
                    .iter()
                    .any(|c| c.id == k.component_sku_id && c.is_active)
            })
            .count() as u32;
        Ok(ActivationFacts {
            has_ref_id_or_ean: present(&s.ref_id) || present(&s.ean),
            image_count: self.sku_images.iter().filter(|i| i.sku_id == sku).count() as u32,
            missing_sku_fields,
            is_kit: s.is_kit,
            active_kit_components,
            product_active: product.is_some_and(|p| p.is_active),
            brand_active: brand.is_some_and(|b| b.is_active),
            category_active: category.is_some_and(|c| c.is_active),
        })
    }
}
