//! A reference executor: runs a plan against an in-memory [`CatalogState`] the way the Catalog
//! API would, refusing what VTEX refuses. Tests, the harness and the simulator use it to check
//! that plans are executable, idempotent and resumable; the service runs the real calls.

use super::model::*;
use super::plan_types::{ImportPlan, Operation, Ref};
use crate::catalog::{
    Catalog, Category, SpecificationField, SpecificationGroup, SpecificationValue,
};
use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};

fn next<I: Iterator<Item = u32>>(ids: I) -> u32 {
    ids.max().unwrap_or(0).saturating_add(1)
}

/// Applies the first `steps` steps of `plan` to a copy of `state`, giving new entities the next
/// free ids. Fails like VTEX would: an unknown reference, a duplicate RefId, an SKU created
/// active, an activation whose preconditions do not hold, a product in a non-leaf category,
/// or a catalog that is no longer valid.
pub fn apply_plan(
    state: &CatalogState,
    plan: &ImportPlan,
    steps: usize,
) -> Result<CatalogState, String> {
    let mut s = state.clone();
    let mut created: Vec<Option<u32>> = Vec::with_capacity(plan.steps.len());
    for step in plan.steps.iter().take(steps) {
        let at = |e: String| format!("step {} ({}): {e}", step.index, step.key);
        let id = apply_one(&mut s, &created, &step.operation).map_err(at)?;
        created.push(id);
    }
    let catalog = Catalog::from_snapshot(&s.catalog).map_err(|e| e.to_string())?;
    for p in &s.products {
        if !catalog.is_leaf(p.category_id) || catalog.category(p.category_id).is_none() {
            return Err(format!("product {} is not in a leaf category", p.id));
        }
    }
    Ok(s)
}

fn resolve<T: Copy + From<u32>>(created: &[Option<u32>], r: &Ref<T>) -> Result<T, String> {
    match r {
        Ref::Existing { id } => Ok(*id),
        Ref::Planned { step } => created
            .get(*step as usize)
            .copied()
            .flatten()
            .map(T::from)
            .ok_or_else(|| format!("step {step} has not created anything yet")),
    }
}

fn apply_one(
    s: &mut CatalogState,
    created: &[Option<u32>],
    op: &Operation,
) -> Result<Option<u32>, String> {
    use Operation as O;
    match op {
        O::CreateCategory {
            name,
            father,
            is_active,
        } => {
            let father: Option<CategoryId> =
                father.as_ref().map(|f| resolve(created, f)).transpose()?;
            if let Some(f) = father {
                let c = s
                    .catalog
                    .categories
                    .iter_mut()
                    .find(|c| c.id == f)
                    .ok_or("unknown father")?;
                if c.has_children == Some(false) {
                    c.has_children = Some(true);
                }
            }
            let id = next(s.catalog.categories.iter().map(|c| c.id.0));
            s.catalog.categories.push(Category {
                id: CategoryId(id),
                name: name.clone(),
                father_category_id: father,
                is_active: *is_active,
                has_children: None,
            });
            Ok(Some(id))
        }
        O::UpdateCategory {
            id,
            name,
            is_active,
        } => {
            let c = s
                .catalog
                .categories
                .iter_mut()
                .find(|c| c.id == *id)
                .ok_or("unknown category")?;
            c.name = name.clone();
            c.is_active = *is_active;
            Ok(None)
        }
        O::CreateBrand {
            name,
            link_id,
            is_active,
        } => {
            let id = next(s.brands.iter().map(|b| b.id.0));
            s.brands.push(Brand {
                id: BrandId(id),
                name: name.clone(),
                link_id: link_id.clone(),
                is_active: *is_active,
            });
            Ok(Some(id))
        }
        O::UpdateBrand {
            id,
            name,
            link_id,
            is_active,
        } => {
            let b = s
                .brands
                .iter_mut()
                .find(|b| b.id == *id)
                .ok_or("unknown brand")?;
            b.name = name.clone();
            b.link_id = link_id.clone();
            b.is_active = *is_active;
            Ok(None)
        }
        O::CreateSpecificationGroup {
            category,
            name,
            position,
        } => {
            let category: Option<CategoryId> =
                category.as_ref().map(|c| resolve(created, c)).transpose()?;
            if let Some(c) = category
                && !s.catalog.categories.iter().any(|x| x.id == c)
            {
                return Err("unknown category".into());
            }
            let id = next(s.catalog.groups.iter().map(|g| g.id.0));
            s.catalog.groups.push(SpecificationGroup {
                id: GroupId(id),
                category_id: category,
                name: name.clone(),
                position: *position,
            });
            Ok(Some(id))
        }
        O::UpdateSpecificationGroup { id, name, position } => {
            let g = s
                .catalog
                .groups
                .iter_mut()
                .find(|g| g.id == *id)
                .ok_or("unknown group")?;
            g.name = name.clone();
            g.position = *position;
            Ok(None)
        }
        O::CreateSpecificationField {
            group,
            category,
            name,
            field_type_id,
            is_stock_keeping_unit,
            is_required,
            is_filter,
            is_active,
            position,
        } => {
            let group: GroupId = resolve(created, group)?;
            let category: Option<CategoryId> =
                category.as_ref().map(|c| resolve(created, c)).transpose()?;
            let g = s
                .catalog
                .groups
                .iter()
                .find(|g| g.id == group)
                .ok_or("unknown group")?;
            if g.category_id != category {
                return Err("field category differs from its group's".into());
            }
            if *is_stock_keeping_unit && ![5, 6].contains(field_type_id) {
                return Err("Sku Field can be only of the Radio or Combo type".into());
            }
            let id = next(s.catalog.fields.iter().map(|f| f.id.0));
            s.catalog.fields.push(SpecificationField {
                id: FieldId(id),
                name: name.clone(),
                field_type_id: *field_type_id,
                field_group_id: group,
                category_id: category,
                position: *position,
                is_required: *is_required,
                is_active: *is_active,
                is_filter: *is_filter,
                is_stock_keeping_unit: *is_stock_keeping_unit,
            });
            Ok(Some(id))
        }
        O::UpdateSpecificationField {
            id,
            name,
            field_type_id,
            is_stock_keeping_unit,
            is_required,
            is_filter,
            is_active,
            position,
        } => {
            let f = s
                .catalog
                .fields
                .iter_mut()
                .find(|f| f.id == *id)
                .ok_or("unknown field")?;
            f.name = name.clone();
            f.field_type_id = *field_type_id;
            f.is_stock_keeping_unit = *is_stock_keeping_unit;
            f.is_required = *is_required;
            f.is_filter = *is_filter;
            f.is_active = *is_active;
            f.position = *position;
            Ok(None)
        }
        O::CreateSpecificationValue {
            field,
            name,
            is_active,
            position,
        } => {
            let field: FieldId = resolve(created, field)?;
            if !s.catalog.fields.iter().any(|f| f.id == field) {
                return Err("unknown field".into());
            }
            let id = next(s.catalog.values.iter().map(|v| v.id.0));
            s.catalog.values.push(SpecificationValue {
                id: FieldValueId(id),
                field_id: field,
                name: name.clone(),
                is_active: *is_active,
                position: *position,
            });
            Ok(Some(id))
        }
        O::UpdateSpecificationValue {
            id,
            field,
            name,
            is_active,
            position,
        } => {
            let v = s
                .catalog
                .values
                .iter_mut()
                .find(|v| v.id == *id)
                .ok_or("unknown value")?;
            if v.field_id != *field {
                return Err("value belongs to another field".into());
            }
            v.name = name.clone();
            v.is_active = *is_active;
            v.position = *position;
            Ok(None)
        }
        O::CreateProduct {
            category,
            brand,
            product,
        } => {
            let category: CategoryId = resolve(created, category)?;
            let brand: BrandId = resolve(created, brand)?;
            check_category_and_brand(s, category, brand)?;
            if let Some(rid) = &product.ref_id
                && s.products.iter().any(|p| p.ref_id.as_ref() == Some(rid))
            {
                return Err(format!("a product with RefId {rid} exists"));
            }
            let id = next(s.products.iter().map(|p| p.id.0));
            s.products
                .push(product.into_product(ProductId(id), category, brand));
            Ok(Some(id))
        }
        O::UpdateProduct {
            id,
            category,
            brand,
            patch,
        } => {
            let category: CategoryId = resolve(created, category)?;
            let brand: BrandId = resolve(created, brand)?;
            check_category_and_brand(s, category, brand)?;
            let p = s
                .products
                .iter_mut()
                .find(|p| p.id == *id)
                .ok_or("unknown product")?;
            let patch = ProductPatch {
                category_id: Some(category),
                brand_id: Some(brand),
                ..patch.clone()
            };
            *p = merge_for_put(p, &patch);
            Ok(None)
        }
        O::LinkProductTradePolicy {
            product,
            trade_policy_id,
        } => {
            let product: ProductId = resolve(created, product)?;
            if !s.products.iter().any(|p| p.id == product) {
                return Err("unknown product".into());
            }
            let link = ProductTradePolicy {
                product_id: product,
                trade_policy_id: *trade_policy_id,
            };
            if !s.product_trade_policies.contains(&link) {
                s.product_trade_policies.push(link);
            }
            Ok(None)
        }
        O::CreateSku { product, sku } => {
            let product: ProductId = resolve(created, product)?;
            if sku.is_active == Some(true) {
                return Err("an SKU cannot be created active".into());
            }
            if !s.products.iter().any(|p| p.id == product) {
                return Err("unknown product".into());
            }
            if let Some(rid) = &sku.ref_id
                && s.skus.iter().any(|x| x.ref_id.as_ref() == Some(rid))
            {
                return Err(format!("an SKU with RefId {rid} exists"));
            }
            if let Some(ean) = &sku.ean
                && s.skus.iter().any(|x| x.ean.as_ref() == Some(ean))
            {
                return Err(format!("an SKU with EAN {ean} exists"));
            }
            let id = next(s.skus.iter().map(|x| x.id.0));
            s.skus.push(sku.into_sku(SkuId(id), product));
            Ok(Some(id))
        }
        O::UpdateSku { id, patch } => {
            let x = s
                .skus
                .iter_mut()
                .find(|x| x.id == *id)
                .ok_or("unknown sku")?;
            if x.is_kit && patch.is_kit == Some(false) {
                return Err("IsKit is irreversible".into());
            }
            *x = merge_sku_for_put(x, patch);
            Ok(None)
        }
        O::SetProductSpecification {
            product,
            field,
            text,
            values,
        } => {
            let product: ProductId = resolve(created, product)?;
            let field: FieldId = resolve(created, field)?;
            let values: Vec<FieldValueId> = values
                .iter()
                .map(|v| resolve(created, v))
                .collect::<Result<_, _>>()?;
            for v in &values {
                if !s
                    .catalog
                    .values
                    .iter()
                    .any(|x| x.id == *v && x.field_id == field)
                {
                    return Err(format!("value {v} is not of field {field}"));
                }
            }
            s.product_specifications
                .retain(|x| !(x.product_id == product && x.field_id == field));
            if let Some(t) = text {
                s.product_specifications.push(ProductSpecification {
                    product_id: product,
                    field_id: field,
                    field_value_id: None,
                    text: Some(t.clone()),
                });
            }
            for v in values {
                s.product_specifications.push(ProductSpecification {
                    product_id: product,
                    field_id: field,
                    field_value_id: Some(v),
                    text: None,
                });
            }
            Ok(None)
        }
        O::SetSkuSpecification { sku, field, value } => {
            let sku: SkuId = resolve(created, sku)?;
            let field: FieldId = resolve(created, field)?;
            let value: FieldValueId = resolve(created, value)?;
            if !s
                .catalog
                .values
                .iter()
                .any(|x| x.id == value && x.field_id == field)
            {
                return Err(format!("value {value} is not of field {field}"));
            }
            if !s
                .catalog
                .fields
                .iter()
                .any(|f| f.id == field && f.is_stock_keeping_unit)
            {
                return Err(format!("field {field} is not an SKU field"));
            }
            s.sku_specifications
                .retain(|x| !(x.sku_id == sku && x.field_id == field));
            s.sku_specifications.push(SkuSpecification {
                sku_id: sku,
                field_id: field,
                field_value_id: value,
            });
            Ok(None)
        }
        O::AddSkuImage { sku, image } => {
            let sku: SkuId = resolve(created, sku)?;
            if !s.skus.iter().any(|x| x.id == sku) {
                return Err("unknown sku".into());
            }
            if s.sku_images
                .iter()
                .any(|i| i.sku_id == sku && i.name == image.name)
            {
                return Err(format!("image {} exists", image.name));
            }
            let id = next(s.sku_images.iter().map(|i| i.id.0));
            s.sku_images.push(SkuImage {
                id: SkuFileId(id),
                sku_id: sku,
                name: image.name.clone(),
                url: image.url.clone(),
                is_main: image.is_main,
                position: image.position,
                label: image.label.clone(),
                text: image.text.clone(),
            });
            Ok(None)
        }
        O::UpdateSkuImage { id, sku, image } => {
            let i = s
                .sku_images
                .iter_mut()
                .find(|i| i.id == *id && i.sku_id == *sku)
                .ok_or("unknown image")?;
            i.name = image.name.clone();
            i.url = image.url.clone();
            i.is_main = image.is_main;
            i.position = image.position;
            i.label = image.label.clone();
            i.text = image.text.clone();
            Ok(None)
        }
        O::SetKitComponent {
            kit,
            component,
            quantity,
        } => {
            let kit: SkuId = resolve(created, kit)?;
            let component: SkuId = resolve(created, component)?;
            if !s.skus.iter().any(|x| x.id == kit && x.is_kit) {
                return Err("not a kit".into());
            }
            if !s.skus.iter().any(|x| x.id == component) {
                return Err("unknown component".into());
            }
            s.kit_components
                .retain(|k| !(k.kit_sku_id == kit && k.component_sku_id == component));
            s.kit_components.push(KitComponent {
                kit_sku_id: kit,
                component_sku_id: component,
                quantity: *quantity,
            });
            Ok(None)
        }
        O::ActivateSku { sku } => {
            let sku: SkuId = resolve(created, sku)?;
            let unmet = s
                .sku_activation_preconditions(sku)
                .map_err(|e| e.to_string())?;
            if !unmet.is_empty() {
                return Err(format!("activation refused: {unmet:?}"));
            }
            if let Some(x) = s.skus.iter_mut().find(|x| x.id == sku) {
                x.is_active = true;
            }
            Ok(None)
        }
    }
}

fn check_category_and_brand(
    s: &CatalogState,
    category: CategoryId,
    brand: BrandId,
) -> Result<(), String> {
    if !s.catalog.categories.iter().any(|c| c.id == category) {
        return Err(format!("unknown category {category}"));
    }
    if s.catalog
        .categories
        .iter()
        .any(|c| c.father_category_id == Some(category))
    {
        return Err(format!("category {category} is not a leaf"));
    }
    if !s.brands.iter().any(|b| b.id == brand) {
        return Err(format!("unknown brand {brand}"));
    }
    Ok(())
}
