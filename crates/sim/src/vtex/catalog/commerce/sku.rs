//! SKUs, their EANs and activation (`/api/catalog/pvt/stockkeepingunit`; §C.6).

use super::input::SkuInput;
use super::input::*;
use super::state::*;
use crate::platform::error::ApiError;
use crate::vtex::catalog::account::AccountCatalog;
use crate::vtex::catalog::tables::Change;
use ponte_core::catalog::import::*;

impl AccountCatalog {
    pub(super) fn check_sku_idents(
        &self,
        ref_id: &Option<String>,
        eans: &[String],
        own: Option<u32>,
    ) -> Result<(), ApiError> {
        if let Some(r) = ref_id
            && let Some(other) = self.commerce.sku_by_ref.get(r)
            && Some(*other) != own
        {
            return Err(ApiError::conflict(
                code(ImportErrorCode::SkuRefIdDuplicate),
                format!("SKU {other} already has RefId {r:?}"),
            ));
        }
        for e in eans {
            if let Some(other) = self.commerce.sku_by_ean.get(e)
                && Some(*other) != own
            {
                return Err(ApiError::conflict(
                    code(ImportErrorCode::SkuEanDuplicate),
                    format!("SKU {other} already has EAN {e:?}"),
                ));
            }
        }
        Ok(())
    }

    /// What ponte-core needs to decide an SKU's activation: the SKU, its product, brand,
    /// specifications, images and kit components.
    pub(super) fn sku_state(&self, sku: &Sku) -> CatalogState {
        let product = self.commerce.products.get(&sku.product_id.0).cloned();
        let brand = product
            .as_ref()
            .and_then(|p| self.commerce.brands.get(&p.brand_id.0))
            .map(BrandRecord::to_core);
        let kit_components: Vec<KitComponent> = self
            .commerce
            .kits
            .values()
            .filter(|k| k.component.kit_sku_id == sku.id)
            .map(|k| k.component)
            .collect();
        let mut skus = vec![sku.clone()];
        skus.extend(
            kit_components
                .iter()
                .filter_map(|k| self.commerce.skus.get(&k.component_sku_id.0))
                .filter(|c| c.sku.id != sku.id)
                .map(|c| c.sku.clone()),
        );
        CatalogState {
            brands: brand.into_iter().collect(),
            products: product.into_iter().collect(),
            skus,
            sku_specifications: self
                .commerce
                .sku_specs
                .values()
                .filter(|r| r.spec.sku_id == sku.id)
                .map(|r| r.spec.clone())
                .collect(),
            sku_images: self
                .commerce
                .files
                .values()
                .filter(|i| i.sku_id == sku.id)
                .cloned()
                .collect(),
            kit_components,
            ..self.snapshot_state()
        }
    }

    /// The activation preconditions of an SKU that do not hold (ponte-core decides).
    pub fn unmet_preconditions(&self, sku: u32) -> Result<Vec<UnmetPrecondition>, ApiError> {
        let record = self.sku_record(sku)?;
        self.sku_state(&record.sku)
            .sku_activation_preconditions(SkuId(sku))
            .map_err(|e| ApiError::Internal(e.to_string()))
    }

    pub fn create_sku(
        &mut self,
        input: SkuInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuRecord, ApiError> {
        if input.is_active == Some(true) {
            return Err(ApiError::bad(
                "SKU_CREATED_ACTIVE",
                "an SKU cannot be created active (IsActive=true): create it inactive, then activate it once it has its RefId or EAN, image, SKU specifications and an active product, brand and category",
            ));
        }
        let product = required_id(input.product_id, "ProductId")?;
        let p = self
            .commerce
            .products
            .get(&product)
            .cloned()
            .ok_or_else(|| {
                ApiError::bad(
                    "PRODUCT_NOT_FOUND",
                    format!("product {product} does not exist"),
                )
            })?;
        let patch = sku_patch(&input)?;
        let eans: Vec<String> = patch.ean.iter().cloned().collect();
        self.check_sku_idents(&patch.ref_id, &eans, None)?;
        let skus = &self.commerce.skus;
        let id = allocate(
            &mut self.counters.sku,
            1,
            input.id,
            |id| skus.contains_key(&id),
            "SKU",
        )?;
        let state = CatalogState {
            products: vec![p.clone()],
            ..self.snapshot_state()
        };
        // IsActive as sent, so ponte-core refuses an active create too.
        let patch = SkuPatch {
            is_active: input.is_active,
            ..patch
        };
        let after = run(
            &state,
            vec![Operation::CreateSku {
                product: existing(p.id),
                sku: patch,
            }],
            "SKU_REFUSED",
        )?;
        let mut sku = after
            .skus
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("ponte-core created no SKU".into()))?;
        sku.id = SkuId(id);
        // VTEX stamps `CreationDate` when none is sent (Catalog API, SKU response example).
        let creation_date = input.creation_date.clone().or_else(|| Some(now()));
        let record = stored_sku(sku, eans, creation_date, input);
        self.put_sku(None, record.clone(), changes)?;
        Ok(record)
    }

    /// `PUT`: a full replace. `IsActive=true` activates only when ponte-core's activation
    /// preconditions hold (else `400` with the unmet list); absent or `false` deactivates.
    /// EANs are kept (they have their own endpoints); an `Ean` in the body is added
    /// **[emulator default]**.
    pub fn update_sku(
        &mut self,
        id: u32,
        input: SkuInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuRecord, ApiError> {
        let current = self.sku_record(id)?.clone();
        if let Some(b) = input.id
            && b != 0
            && b != i64::from(id)
        {
            return Err(ApiError::InvalidBody(format!(
                "the body's Id {b} does not match the id {id} in the path"
            )));
        }
        if current.sku.is_kit && input.is_kit == Some(false) {
            return Err(ApiError::bad(
                code(ImportErrorCode::SkuKitIrreversible),
                format!("SKU {id} is a kit: IsKit cannot go back to false"),
            ));
        }
        let mut patch = sku_patch(&input)?;
        let product = match input.product_id {
            Some(p) => positive_id(p, "ProductId")?,
            None => current.sku.product_id.0,
        };
        self.product(product).map_err(|_| {
            ApiError::bad(
                "PRODUCT_NOT_FOUND",
                format!("product {product} does not exist"),
            )
        })?;
        let mut eans = current.eans.clone();
        if let Some(e) = &patch.ean
            && !eans.contains(e)
        {
            eans.insert(0, e.clone());
        }
        patch.ean = eans.first().cloned();
        patch.product_id = Some(ProductId(product));
        self.check_sku_idents(&patch.ref_id, &eans, Some(id))?;
        let mut base = blank_sku(&current.sku);
        base.product_id = ProductId(product);
        let state = self.sku_state(&base);
        let mut ops = vec![Operation::UpdateSku {
            id: SkuId(id),
            patch,
        }];
        let activate = input.is_active == Some(true);
        if activate {
            // The SKU as the PUT leaves it, then ponte-core's preconditions.
            let probe = run(&state, ops.clone(), "SKU_REFUSED")?;
            let unmet = probe
                .sku_activation_preconditions(SkuId(id))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            if !unmet.is_empty() {
                return Err(unmet_error(id, &unmet));
            }
            ops.push(Operation::ActivateSku {
                sku: existing(SkuId(id)),
            });
        }
        let after = run(&state, ops, "SKU_REFUSED")?;
        let sku = after
            .skus
            .into_iter()
            .find(|s| s.id == SkuId(id))
            .ok_or_else(|| ApiError::Internal("ponte-core lost the SKU".into()))?;
        let creation_date = input
            .creation_date
            .clone()
            .or(current.creation_date.clone());
        let record = stored_sku(sku, eans, creation_date, input);
        self.put_sku(Some(current), record.clone(), changes)?;
        Ok(record)
    }

    pub(super) fn put_sku(
        &mut self,
        old: Option<SkuRecord>,
        record: SkuRecord,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        if let Some(old) = &old {
            self.commerce.unindex_sku(old);
        }
        self.commerce.index_sku(&record);
        self.commerce.put(record.sku.id.0, record, changes)?;
        Ok(())
    }

    /// With `ActivateIfPossible`, activates an inactive SKU once ponte-core's preconditions
    /// hold (called after every write that can meet the last one: EAN, specification, image,
    /// kit component).
    pub(super) fn activate_if_possible(
        &mut self,
        id: u32,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        let Some(record) = self.commerce.skus.get(&id).cloned() else {
            return Ok(());
        };
        if !record.activate_if_possible || record.sku.is_active {
            return Ok(());
        }
        let state = self.sku_state(&record.sku);
        let unmet = state
            .sku_activation_preconditions(SkuId(id))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        if !unmet.is_empty() {
            return Ok(());
        }
        let after = run(
            &state,
            vec![Operation::ActivateSku {
                sku: existing(SkuId(id)),
            }],
            "SKU_REFUSED",
        )?;
        if let Some(sku) = after.skus.into_iter().find(|s| s.id == SkuId(id)) {
            let updated = SkuRecord {
                sku,
                ..record.clone()
            };
            self.put_sku(Some(record), updated, changes)?;
        }
        Ok(())
    }

    pub fn get_sku(&self, id: u32) -> Result<SkuRecord, ApiError> {
        self.sku_record(id).cloned()
    }

    pub fn sku_by_ref(&self, ref_id: &str) -> Option<&SkuRecord> {
        self.commerce
            .sku_by_ref
            .get(ref_id)
            .and_then(|id| self.commerce.skus.get(id))
    }

    pub fn skus_of_product(&self, product: u32) -> Vec<SkuRecord> {
        self.commerce
            .skus
            .values()
            .filter(|s| s.sku.product_id.0 == product)
            .cloned()
            .collect()
    }

    /// `POST .../stockkeepingunit/{skuId}/ean/{ean}`: adds an EAN (idempotent).
    pub fn add_ean(
        &mut self,
        id: u32,
        ean: &str,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        let current = self.sku_record(id)?.clone();
        let ean = ean.trim().to_owned();
        if ean.is_empty() {
            return Err(ApiError::bad(
                code(ImportErrorCode::SkuEanInvalid),
                "empty EAN",
            ));
        }
        check_ean(&ean)?;
        if current.eans.contains(&ean) {
            return Ok(());
        }
        self.check_sku_idents(&None, std::slice::from_ref(&ean), Some(id))?;
        let mut eans = current.eans.clone();
        eans.push(ean);
        let state = self.sku_state(&current.sku);
        let after = run(
            &state,
            vec![Operation::UpdateSku {
                id: SkuId(id),
                patch: SkuPatch {
                    ean: eans.first().cloned(),
                    ..SkuPatch::default()
                },
            }],
            "SKU_REFUSED",
        )?;
        let sku = after
            .skus
            .into_iter()
            .find(|s| s.id == SkuId(id))
            .ok_or_else(|| ApiError::Internal("ponte-core lost the SKU".into()))?;
        self.put_sku(
            Some(current.clone()),
            SkuRecord {
                sku,
                eans,
                ..current
            },
            changes,
        )?;
        self.activate_if_possible(id, changes)
    }

    pub fn sku_by_ean(&self, ean: &str) -> Option<&SkuRecord> {
        self.commerce
            .sku_by_ean
            .get(ean)
            .and_then(|id| self.commerce.skus.get(id))
    }

    pub fn eans(&self, id: u32) -> Result<Vec<String>, ApiError> {
        Ok(self.sku_record(id)?.eans.clone())
    }
}

/// The stored SKU: ponte-core's `sku`, every EAN and the creation date, and the body's
/// properties ponte-core does not model (booleans absent are `false`).
fn stored_sku(
    sku: Sku,
    eans: Vec<String>,
    creation_date: Option<String>,
    input: SkuInput,
) -> SkuRecord {
    SkuRecord {
        sku,
        activate_if_possible: input.activate_if_possible.unwrap_or(false),
        eans,
        cubic_weight: input.cubic_weight,
        creation_date,
        reward_value: input.reward_value,
        estimated_date_arrival: input.estimated_date_arrival,
        commercial_condition_id: input.commercial_condition_id,
        modal_type: input.modal_type,
        kit_itens_sell_apart: input.kit_itens_sell_apart.unwrap_or(false),
        videos: input.videos.unwrap_or_default(),
    }
}

/// Now, in VTEX's form (`YYYY-MM-DDTHH:MM:SS.fffffffZ`).
fn now() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(0))
        .unwrap_or(0);
    crate::platform::clock::iso(ms.saturating_mul(crate::platform::clock::TICKS_PER_MS))
}
