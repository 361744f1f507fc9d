//! Kit components (`.../stockkeepingunit/kit`; §C.7).

use super::input::KitInput;
use super::input::*;
use super::state::*;
use crate::platform::error::ApiError;
use crate::vtex::catalog::account::AccountCatalog;
use crate::vtex::catalog::tables::Change;
use ponte_core::catalog::import::*;

impl AccountCatalog {
    pub fn add_kit_component(
        &mut self,
        input: KitInput,
        changes: &mut Vec<Change>,
    ) -> Result<KitRecord, ApiError> {
        let parent = required_id(input.stock_keeping_unit_parent, "StockKeepingUnitParent")?;
        let component = required_id(input.stock_keeping_unit_id, "StockKeepingUnitId")?;
        let kit = self.sku_record(parent)?.clone();
        if !kit.sku.is_kit {
            return Err(ApiError::bad(
                code(ImportErrorCode::SkuKitComponentsNotKit),
                format!("SKU {parent} is not a kit (IsKit=false)"),
            ));
        }
        let Some(comp) = self.commerce.skus.get(&component).cloned() else {
            return Err(ApiError::bad(
                code(ImportErrorCode::SkuKitComponentNotFound),
                format!("component SKU {component} does not exist"),
            ));
        };
        let quantity = input.quantity.unwrap_or(1);
        let quantity = u32::try_from(quantity)
            .ok()
            .filter(|q| *q > 0 && component != parent)
            .ok_or_else(|| {
                ApiError::bad(
                    code(ImportErrorCode::SkuKitComponentInvalid),
                    "a component needs a positive Quantity and must not be the kit itself",
                )
            })?;
        let mut state = self.sku_state(&kit.sku);
        if !state.skus.iter().any(|s| s.id == comp.sku.id) {
            state.skus.push(comp.sku.clone());
        }
        let after = run(
            &state,
            vec![Operation::SetKitComponent {
                kit: existing(SkuId(parent)),
                component: existing(SkuId(component)),
                quantity,
            }],
            "SKU_KIT_REFUSED",
        )?;
        let link = after
            .kit_components
            .into_iter()
            .find(|k| k.component_sku_id.0 == component)
            .ok_or_else(|| ApiError::Internal("ponte-core lost the kit component".into()))?;
        let old = self
            .commerce
            .kits
            .values()
            .find(|k| {
                k.component.kit_sku_id.0 == parent && k.component.component_sku_id.0 == component
            })
            .map(|k| k.id);
        let id = match old {
            Some(id) => id,
            None => {
                self.counters.kit += 1;
                self.counters.kit
            }
        };
        let record = KitRecord {
            id,
            component: link,
            unit_price: input.unit_price,
        };
        let record = self.commerce.put(id, record, changes)?;
        self.activate_if_possible(parent, changes)?;
        Ok(record)
    }

    pub fn kit(&self, id: u32) -> Result<KitRecord, ApiError> {
        self.commerce.kits.get(&id).cloned().ok_or_else(|| {
            ApiError::not_found(
                "SKU_KIT_NOT_FOUND",
                format!("kit component {id} does not exist"),
            )
        })
    }

    pub fn kits_where(&self, parent: Option<u32>, component: Option<u32>) -> Vec<KitRecord> {
        self.commerce
            .kits
            .values()
            .filter(|k| parent.is_none_or(|p| k.component.kit_sku_id.0 == p))
            .filter(|k| component.is_none_or(|c| k.component.component_sku_id.0 == c))
            .cloned()
            .collect()
    }

    pub fn delete_kit(&mut self, id: u32, changes: &mut Vec<Change>) -> Result<(), ApiError> {
        self.kit(id)?;
        self.commerce.remove::<KitRecord>(id, changes);
        Ok(())
    }
}
