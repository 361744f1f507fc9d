//! Product and SKU specification rows (`.../product/{id}/specification`,
//! `.../stockkeepingunit/{id}/specification`; §C.7).

use super::input::SpecInput;
use super::input::*;
use super::state::*;
use crate::platform::error::ApiError;
use crate::vtex::catalog::account::AccountCatalog;
use crate::vtex::catalog::tables::Change;
use ponte_core::catalog::FieldType;
use ponte_core::catalog::import::*;
use ponte_core::ids::{CategoryId, FieldId, FieldValueId};
use std::collections::BTreeSet;

impl AccountCatalog {
    /// The field of a specification write, checked against the entity's category chain with
    /// ponte-core's effective specifications.
    pub(super) fn spec_field(
        &self,
        category: CategoryId,
        field: Option<i64>,
        sku: bool,
    ) -> Result<(FieldId, FieldType, String), ApiError> {
        let field = FieldId(required_id(field, "FieldId")?);
        let f = self.catalog.field(field).ok_or_else(|| {
            ApiError::not_found(
                code(ImportErrorCode::SpecFieldNotFound),
                format!("specification field {field} does not exist"),
            )
        })?;
        if f.is_stock_keeping_unit != sku {
            let message = if sku {
                format!(
                    "field {field} ({}) is not an SKU specification field (IsStockKeepingUnit=false): associate it with the product",
                    f.name
                )
            } else {
                format!(
                    "field {field} ({}) is an SKU specification field (IsStockKeepingUnit=true): associate it with the SKUs",
                    f.name
                )
            };
            return Err(ApiError::bad(
                code(ImportErrorCode::SpecFieldTargetMismatch),
                message,
            ));
        }
        if !f.is_active {
            return Err(ApiError::bad(
                code(ImportErrorCode::SpecFieldInactive),
                format!("field {field} is inactive"),
            ));
        }
        let effective = self.catalog.effective_specifications(category)?;
        let visible = if sku {
            &effective.sku_fields
        } else {
            &effective.product_fields
        };
        if !visible.iter().any(|e| e.field_id == field) {
            return Err(ApiError::bad(
                code(ImportErrorCode::SpecFieldNotVisible),
                format!(
                    "field {field} ({}) is not in the category chain of category {category} nor at root level",
                    f.name
                ),
            ));
        }
        let t = FieldType::from_id(f.field_type_id)
            .ok_or_else(|| ApiError::Internal(format!("field {field} has an unknown type")))?;
        Ok((field, t, f.name.clone()))
    }

    /// A value id of a field, checked (exists, of the field, active).
    pub(super) fn spec_value(&self, field: FieldId, value: u32) -> Result<FieldValueId, ApiError> {
        let v = self.catalog.value(FieldValueId(value)).ok_or_else(|| {
            ApiError::bad(
                code(ImportErrorCode::SpecValueNotOfField),
                format!("specification value {value} does not exist"),
            )
        })?;
        if v.field_id != field {
            return Err(ApiError::bad(
                code(ImportErrorCode::SpecValueNotOfField),
                format!(
                    "value {value} belongs to field {}, not to field {field}",
                    v.field_id
                ),
            ));
        }
        if !v.is_active {
            return Err(ApiError::bad(
                code(ImportErrorCode::SpecValueInactive),
                format!("value {value} is inactive"),
            ));
        }
        Ok(v.id)
    }

    /// `POST /api/catalog/pvt/product/{productId}/specification`: Checkbox fields gain the value
    /// (several rows); other fields have their value replaced **[emulator default]**. Answers
    /// the row of the value sent.
    pub fn set_product_spec(
        &mut self,
        product: u32,
        input: SpecInput,
        changes: &mut Vec<Change>,
    ) -> Result<ProductSpecRecord, ApiError> {
        let p = self.product(product)?.clone();
        let (field, t, name) = self.spec_field(p.category_id, input.field_id, false)?;
        let text = input.text.filter(|t| !t.is_empty());
        let (text, value) = if t.has_values() {
            let Some(v) = input.field_value_id else {
                return Err(ApiError::bad(
                    code(ImportErrorCode::SpecValueExpected),
                    format!("field {field} ({name}) takes a FieldValueId, not Text"),
                ));
            };
            if text.is_some() {
                return Err(ApiError::bad(
                    code(ImportErrorCode::SpecValueExpected),
                    format!("field {field} ({name}) takes a FieldValueId; do not send Text"),
                ));
            }
            (
                None,
                Some(self.spec_value(field, positive_id(v, "FieldValueId")?)?),
            )
        } else {
            if input.field_value_id.is_some_and(|v| v != 0) {
                return Err(ApiError::bad(
                    code(ImportErrorCode::SpecTextExpected),
                    format!("field {field} ({name}) takes Text, not a FieldValueId"),
                ));
            }
            let Some(text) = text else {
                return Err(ApiError::bad(
                    code(ImportErrorCode::SpecTextExpected),
                    format!("field {field} ({name}) takes Text"),
                ));
            };
            if t == FieldType::Number && !is_number(&text) {
                return Err(ApiError::bad(
                    code(ImportErrorCode::SpecNumberInvalid),
                    format!("field {field} ({name}) is a Number: {text:?} is not a number"),
                ));
            }
            (Some(text), None)
        };
        let old: Vec<ProductSpecRecord> = self
            .commerce
            .product_specs
            .values()
            .filter(|r| r.spec.product_id == p.id && r.spec.field_id == field)
            .cloned()
            .collect();
        let mut values: Vec<FieldValueId> = Vec::new();
        if t == FieldType::Checkbox {
            values.extend(old.iter().filter_map(|r| r.spec.field_value_id));
        }
        if let Some(v) = value
            && !values.contains(&v)
        {
            values.push(v);
        }
        let state = CatalogState {
            products: vec![p.clone()],
            ..self.snapshot_state()
        };
        let after = run(
            &state,
            vec![Operation::SetProductSpecification {
                product: existing(p.id),
                field: existing(field),
                text: text.clone(),
                values: values.iter().map(|v| existing(*v)).collect(),
            }],
            "PRODUCT_SPECIFICATION_REFUSED",
        )?;
        // Keep the rows that stay (and their ids), drop the others, add the new ones.
        let mut answer = None;
        let mut kept = BTreeSet::new();
        for row in after.product_specifications {
            let same = old.iter().find(|r| r.spec == row && !kept.contains(&r.id));
            let record = match same {
                Some(r) => {
                    kept.insert(r.id);
                    r.clone()
                }
                None => {
                    self.counters.product_spec += 1;
                    let r = ProductSpecRecord {
                        id: self.counters.product_spec,
                        spec: row,
                    };
                    self.commerce.put(r.id, r, changes)?
                }
            };
            if record.spec.field_value_id == value && record.spec.text == text {
                answer = Some(record);
            }
        }
        for r in old.iter().filter(|r| !kept.contains(&r.id)) {
            self.commerce.remove::<ProductSpecRecord>(r.id, changes);
        }
        answer.ok_or_else(|| ApiError::Internal("the specification row was not written".into()))
    }

    pub fn product_specs(&self, product: u32) -> Result<Vec<ProductSpecRecord>, ApiError> {
        self.product(product)?;
        Ok(self
            .commerce
            .rows(|r: &ProductSpecRecord| r.spec.product_id.0 == product))
    }

    /// Deletes every specification of a product, or one row (`Some(id)`).
    pub fn delete_product_specs(
        &mut self,
        product: u32,
        row: Option<u32>,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        self.product(product)?;
        // `specificationId` is the row's id, except for fields with predefined values (Radio,
        // Checkbox, Combo): for those VTEX takes the specification field's id, and a row id
        // answers 404 (§C.7, Catalog API "Delete a product specification").
        let listed = |field: FieldId| {
            self.catalog
                .field(field)
                .and_then(|f| FieldType::from_id(f.field_type_id))
                .is_some_and(|t| t.has_values())
        };
        let targets: BTreeSet<u32> = self
            .commerce
            .product_specs
            .values()
            .filter(|r| r.spec.product_id.0 == product)
            .filter(|r| match row {
                None => true,
                Some(x) if listed(r.spec.field_id) => r.spec.field_id.0 == x,
                Some(x) => r.id == x,
            })
            .map(|r| r.id)
            .collect();
        let removed = self
            .commerce
            .remove_where(|r: &ProductSpecRecord| targets.contains(&r.id), changes);
        if let Some(x) = row
            && removed == 0
        {
            return Err(ApiError::not_found(
                "PRODUCT_SPECIFICATION_NOT_FOUND",
                format!("product {product} has no specification {x}"),
            ));
        }
        Ok(())
    }

    /// The name of a value, as VTEX puts it in a specification row's `Text`.
    pub fn value_name(&self, value: Option<FieldValueId>) -> Option<String> {
        value
            .and_then(|v| self.catalog.value(v))
            .map(|v| v.name.clone())
    }

    /// `POST|PUT .../stockkeepingunit/{skuId}/specification`: an SKU field (Combo or Radio) of
    /// the product's category chain, exactly one value of it; replaces the SKU's value for
    /// the field.
    pub fn set_sku_spec(
        &mut self,
        sku: u32,
        input: SpecInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuSpecRecord, ApiError> {
        let record = self.sku_record(sku)?.clone();
        let p = self.product(record.sku.product_id.0)?.clone();
        let (field, _, name) = self.spec_field(p.category_id, input.field_id, true)?;
        let Some(value) = input.field_value_id.filter(|v| *v != 0) else {
            return Err(ApiError::bad(
                code(ImportErrorCode::SkuSpecNeedsOneValue),
                format!("SKU field {field} ({name}) takes exactly one FieldValueId"),
            ));
        };
        let value = self.spec_value(field, positive_id(value, "FieldValueId")?)?;
        let state = self.sku_state(&record.sku);
        let after = run(
            &state,
            vec![Operation::SetSkuSpecification {
                sku: existing(SkuId(sku)),
                field: existing(field),
                value: existing(value),
            }],
            "SKU_SPECIFICATION_REFUSED",
        )?;
        let spec = after
            .sku_specifications
            .into_iter()
            .find(|s| s.field_id == field)
            .ok_or_else(|| ApiError::Internal("ponte-core lost the specification".into()))?;
        let old = self
            .commerce
            .sku_specs
            .values()
            .find(|r| r.spec.sku_id.0 == sku && r.spec.field_id == field)
            .map(|r| r.id);
        let id = match old {
            Some(id) => id,
            None => {
                self.counters.sku_spec += 1;
                self.counters.sku_spec
            }
        };
        let row = SkuSpecRecord { id, spec };
        let row = self.commerce.put(id, row, changes)?;
        self.activate_if_possible(sku, changes)?;
        Ok(row)
    }

    pub fn sku_specs(&self, sku: u32) -> Result<Vec<SkuSpecRecord>, ApiError> {
        self.sku_record(sku)?;
        Ok(self
            .commerce
            .rows(|r: &SkuSpecRecord| r.spec.sku_id.0 == sku))
    }

    pub fn delete_sku_specs(
        &mut self,
        sku: u32,
        row: Option<u32>,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        self.sku_record(sku)?;
        self.commerce.remove_where(
            |r: &SkuSpecRecord| r.spec.sku_id.0 == sku && row.is_none_or(|x| x == r.id),
            changes,
        );
        Ok(())
    }
}
