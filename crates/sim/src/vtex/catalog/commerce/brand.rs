//! Brands (`/api/catalog/pvt/brand`; §C.3).

use super::input::BrandInput;
use super::input::*;
use super::state::*;
use crate::platform::error::ApiError;
use crate::vtex::catalog::account::AccountCatalog;
use crate::vtex::catalog::tables::Change;
use ponte_core::catalog::import::*;

impl AccountCatalog {
    pub(super) fn brand_record(&self, id: u32, input: BrandInput) -> Result<BrandRecord, ApiError> {
        let name = input.name.unwrap_or_default();
        if name.trim().is_empty() {
            return Err(ApiError::bad(
                code(ImportErrorCode::BrandNameInvalid),
                "Name is required",
            ));
        }
        // VTEX compares names as sent: "Acme " is another brand than "Acme" (§C.3).
        if self
            .commerce
            .brands
            .values()
            .any(|b| b.id != id && b.name.to_lowercase() == name.to_lowercase())
        {
            return Err(ApiError::conflict(
                code(ImportErrorCode::BrandDuplicate),
                format!("a brand named {name:?} already exists"),
            ));
        }
        if let Some(l) = &input.link_id
            && !is_valid_link_id(l)
        {
            return Err(ApiError::bad(
                code(ImportErrorCode::BrandLinkIdInvalid),
                format!("LinkId {l:?} must be lowercase letters and hyphens only"),
            ));
        }
        Ok(BrandRecord {
            id,
            name,
            text: input.text,
            keywords: input.keywords,
            site_title: input.site_title,
            ad_words_remarketing_code: input.ad_words_remarketing_code,
            lomadee_campaign_code: input.lomadee_campaign_code,
            score: input.score,
            menu_home: input.menu_home.unwrap_or(false),
            active: input.active.unwrap_or(true),
            link_id: input.link_id,
        })
    }

    pub fn create_brand(
        &mut self,
        input: BrandInput,
        changes: &mut Vec<Change>,
    ) -> Result<BrandRecord, ApiError> {
        let brands = &self.commerce.brands;
        let id = allocate(
            &mut self.counters.brand,
            FIRST_BRAND_ID,
            input.id,
            |id| brands.contains_key(&id),
            "brand",
        )?;
        let record = self.brand_record(id, input)?;
        let core = record.to_core();
        let op = Operation::CreateBrand {
            name: core.name,
            link_id: core.link_id,
            is_active: core.is_active,
        };
        self.checked_put_brand(&CatalogState::default(), op, record, changes)
    }

    pub fn update_brand(
        &mut self,
        id: u32,
        input: BrandInput,
        changes: &mut Vec<Change>,
    ) -> Result<BrandRecord, ApiError> {
        let current = self.brand(id)?.to_core();
        if let Some(b) = input.id
            && b != 0
            && b != i64::from(id)
        {
            return Err(ApiError::bad(
                "BRAND_ID_IMMUTABLE",
                format!("a brand's Id is immutable: body Id {b}, path {id}"),
            ));
        }
        let record = self.brand_record(id, input)?;
        let core = record.to_core();
        let state = CatalogState {
            brands: vec![current],
            ..CatalogState::default()
        };
        let op = Operation::UpdateBrand {
            id: BrandId(id),
            name: core.name,
            link_id: core.link_id,
            is_active: core.is_active,
        };
        self.checked_put_brand(&state, op, record, changes)
    }

    /// Stores `record` once ponte-core accepts `op` (its create or update) over `state`.
    fn checked_put_brand(
        &mut self,
        state: &CatalogState,
        op: Operation,
        record: BrandRecord,
        changes: &mut Vec<Change>,
    ) -> Result<BrandRecord, ApiError> {
        run(state, vec![op], code(ImportErrorCode::BrandNameInvalid))?;
        self.put_brand(record, changes)
    }

    pub(super) fn put_brand(
        &mut self,
        record: BrandRecord,
        changes: &mut Vec<Change>,
    ) -> Result<BrandRecord, ApiError> {
        self.commerce.put(record.id, record, changes)
    }

    /// Deleting a brand that products use is refused (`409`) **[emulator default]**.
    pub fn delete_brand(&mut self, id: u32, changes: &mut Vec<Change>) -> Result<(), ApiError> {
        self.brand(id)?;
        if let Some(p) = self
            .commerce
            .products
            .values()
            .find(|p| p.brand_id == BrandId(id))
        {
            return Err(ApiError::conflict(
                "BRAND_IN_USE",
                format!(
                    "brand {id} is used by product {} and cannot be deleted",
                    p.id
                ),
            ));
        }
        self.commerce.remove::<BrandRecord>(id, changes);
        Ok(())
    }
}
