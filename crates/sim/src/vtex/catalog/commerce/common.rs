//! What every entity's writes look up: the account's catalog as a ponte-core state, a
//! product, SKU or brand by id; and the whole catalog exported.

use super::input::*;
use super::state::*;
use crate::platform::error::ApiError;
use crate::vtex::catalog::account::AccountCatalog;
use ponte_core::catalog::import::*;

impl AccountCatalog {
    pub(super) fn snapshot_state(&self) -> CatalogState {
        CatalogState {
            catalog: self.catalog.to_snapshot(),
            trade_policies: trade_policies(),
            ..CatalogState::default()
        }
    }

    pub(super) fn product(&self, id: u32) -> Result<&Product, ApiError> {
        self.commerce.products.get(&id).ok_or_else(|| {
            ApiError::not_found("PRODUCT_NOT_FOUND", format!("product {id} does not exist"))
        })
    }

    pub(super) fn sku_record(&self, id: u32) -> Result<&SkuRecord, ApiError> {
        self.commerce
            .skus
            .get(&id)
            .ok_or_else(|| ApiError::not_found("SKU_NOT_FOUND", format!("SKU {id} does not exist")))
    }

    pub fn brand(&self, id: u32) -> Result<&BrandRecord, ApiError> {
        self.commerce.brands.get(&id).ok_or_else(|| {
            ApiError::not_found(
                code(ImportErrorCode::BrandNotFound),
                format!("brand {id} does not exist"),
            )
        })
    }

    /// The whole catalog as ponte-core's [`CatalogState`] (every list ordered by id; trade
    /// policy links by product, then policy).
    pub fn export(&self) -> CatalogState {
        let c = &self.commerce;
        CatalogState {
            catalog: self.catalog.to_snapshot(),
            brands: c.brands.values().map(BrandRecord::to_core).collect(),
            products: c.products.values().cloned().collect(),
            skus: c.skus.values().map(|s| s.sku.clone()).collect(),
            product_specifications: c.product_specs.values().map(|r| r.spec.clone()).collect(),
            sku_specifications: c.sku_specs.values().map(|r| r.spec.clone()).collect(),
            sku_images: c.files.values().cloned().collect(),
            kit_components: c.kits.values().map(|k| k.component).collect(),
            product_trade_policies: c
                .trade_links
                .iter()
                .flat_map(|(p, set)| {
                    set.iter().map(|t| ProductTradePolicy {
                        product_id: ProductId(*p),
                        trade_policy_id: TradePolicyId(*t),
                    })
                })
                .collect(),
            trade_policies: trade_policies(),
        }
    }
}
