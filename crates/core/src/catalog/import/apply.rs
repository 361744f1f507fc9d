//! A reference executor: runs a plan against an in-memory [`CatalogState`] the way the Catalog
//! API would, refusing what VTEX refuses. Tests, the harness and the simulator use it to check
//! that plans are executable, idempotent and resumable; the service runs the real calls.

use super::model::*;
use super::plan_types::{ImageBody, ImportPlan, Operation, Ref};
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

/// The entity of `items` that `hit` picks, or `unknown <what>`.
fn find<'s, T>(
    items: &'s mut [T],
    what: &str,
    hit: impl Fn(&T) -> bool,
) -> Result<&'s mut T, String> {
    items
        .iter_mut()
        .find(|x| hit(x))
        .ok_or_else(|| format!("unknown {what}"))
}

/// `Ok` when `hit` picks an entity of `items`, `unknown <what>` otherwise.
fn known<T>(items: &[T], what: &str, hit: impl Fn(&T) -> bool) -> Result<(), String> {
    if items.iter().any(hit) {
        Ok(())
    } else {
        Err(format!("unknown {what}"))
    }
}

/// What a family of operations made of an operation.
enum Outcome {
    /// Created the entity with this id.
    Created(u32),
    /// Done, nothing created.
    Done,
    /// Not an operation of the family.
    Other,
}

type Family = fn(&mut CatalogState, &[Option<u32>], &Operation) -> Result<Outcome, String>;

fn apply_one(
    s: &mut CatalogState,
    created: &[Option<u32>],
    op: &Operation,
) -> Result<Option<u32>, String> {
    let families: [Family; 4] = [
        apply_tree,
        apply_specification,
        apply_product,
        apply_sku_detail,
    ];
    for family in families {
        match family(s, created, op)? {
            Outcome::Created(id) => return Ok(Some(id)),
            Outcome::Done => return Ok(None),
            Outcome::Other => {}
        }
    }
    Err("an operation no executor handles".into())
}

/// Categories and brands.
fn apply_tree(
    s: &mut CatalogState,
    created: &[Option<u32>],
    op: &Operation,
) -> Result<Outcome, String> {
    use Operation as O;
    Ok(match op {
        O::CreateCategory {
            name,
            father,
            is_active,
        } => create_category(s, created, name, father.as_ref(), *is_active)?,
        O::UpdateCategory {
            id,
            name,
            is_active,
        } => {
            let c = find(&mut s.catalog.categories, "category", |c| c.id == *id)?;
            c.name = name.clone();
            c.is_active = *is_active;
            Outcome::Done
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
            Outcome::Created(id)
        }
        O::UpdateBrand {
            id,
            name,
            link_id,
            is_active,
        } => {
            let b = find(&mut s.brands, "brand", |b| b.id == *id)?;
            b.name = name.clone();
            b.link_id = link_id.clone();
            b.is_active = *is_active;
            Outcome::Done
        }
        _ => Outcome::Other,
    })
}

fn create_category(
    s: &mut CatalogState,
    created: &[Option<u32>],
    name: &str,
    father: Option<&Ref<CategoryId>>,
    is_active: bool,
) -> Result<Outcome, String> {
    let father: Option<CategoryId> = father.map(|f| resolve(created, f)).transpose()?;
    if let Some(f) = father {
        let c = find(&mut s.catalog.categories, "father", |c| c.id == f)?;
        if c.has_children == Some(false) {
            c.has_children = Some(true);
        }
    }
    let id = next(s.catalog.categories.iter().map(|c| c.id.0));
    s.catalog.categories.push(Category {
        id: CategoryId(id),
        name: name.to_owned(),
        father_category_id: father,
        is_active,
        has_children: None,
    });
    Ok(Outcome::Created(id))
}

/// Specification groups, fields and values.
fn apply_specification(
    s: &mut CatalogState,
    created: &[Option<u32>],
    op: &Operation,
) -> Result<Outcome, String> {
    use Operation as O;
    Ok(match op {
        O::CreateSpecificationGroup {
            category,
            name,
            position,
        } => {
            let category: Option<CategoryId> =
                category.as_ref().map(|c| resolve(created, c)).transpose()?;
            if let Some(c) = category {
                known(&s.catalog.categories, "category", |x| x.id == c)?;
            }
            let id = next(s.catalog.groups.iter().map(|g| g.id.0));
            s.catalog.groups.push(SpecificationGroup {
                id: GroupId(id),
                category_id: category,
                name: name.clone(),
                position: *position,
            });
            Outcome::Created(id)
        }
        O::UpdateSpecificationGroup { id, name, position } => {
            let g = find(&mut s.catalog.groups, "group", |g| g.id == *id)?;
            g.name = name.clone();
            g.position = *position;
            Outcome::Done
        }
        O::CreateSpecificationField { .. } => create_field(s, created, op)?,
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
            let f = find(&mut s.catalog.fields, "field", |f| f.id == *id)?;
            f.name = name.clone();
            f.field_type_id = *field_type_id;
            f.is_stock_keeping_unit = *is_stock_keeping_unit;
            f.is_required = *is_required;
            f.is_filter = *is_filter;
            f.is_active = *is_active;
            f.position = *position;
            Outcome::Done
        }
        O::CreateSpecificationValue {
            field,
            name,
            is_active,
            position,
        } => {
            let field: FieldId = resolve(created, field)?;
            known(&s.catalog.fields, "field", |f| f.id == field)?;
            let id = next(s.catalog.values.iter().map(|v| v.id.0));
            s.catalog.values.push(SpecificationValue {
                id: FieldValueId(id),
                field_id: field,
                name: name.clone(),
                is_active: *is_active,
                position: *position,
            });
            Outcome::Created(id)
        }
        O::UpdateSpecificationValue {
            id,
            field,
            name,
            is_active,
            position,
        } => {
            let v = find(&mut s.catalog.values, "value", |v| v.id == *id)?;
            if v.field_id != *field {
                return Err("value belongs to another field".into());
            }
            v.name = name.clone();
            v.is_active = *is_active;
            v.position = *position;
            Outcome::Done
        }
        _ => Outcome::Other,
    })
}

fn create_field(
    s: &mut CatalogState,
    created: &[Option<u32>],
    op: &Operation,
) -> Result<Outcome, String> {
    let Operation::CreateSpecificationField {
        group,
        category,
        name,
        field_type_id,
        is_stock_keeping_unit,
        is_required,
        is_filter,
        is_active,
        position,
    } = op
    else {
        return Err("not a field creation".into());
    };
    let group: GroupId = resolve(created, group)?;
    let category: Option<CategoryId> =
        category.as_ref().map(|c| resolve(created, c)).transpose()?;
    let g = find(&mut s.catalog.groups, "group", |g| g.id == group)?;
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
    Ok(Outcome::Created(id))
}

/// Products, their trade-policy links and SKUs.
fn apply_product(
    s: &mut CatalogState,
    created: &[Option<u32>],
    op: &Operation,
) -> Result<Outcome, String> {
    use Operation as O;
    Ok(match op {
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
            Outcome::Created(id)
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
            let p = find(&mut s.products, "product", |p| p.id == *id)?;
            let patch = ProductPatch {
                category_id: Some(category),
                brand_id: Some(brand),
                ..patch.clone()
            };
            *p = merge_for_put(p, &patch);
            Outcome::Done
        }
        O::LinkProductTradePolicy {
            product,
            trade_policy_id,
        } => {
            let product: ProductId = resolve(created, product)?;
            known(&s.products, "product", |p| p.id == product)?;
            let link = ProductTradePolicy {
                product_id: product,
                trade_policy_id: *trade_policy_id,
            };
            if !s.product_trade_policies.contains(&link) {
                s.product_trade_policies.push(link);
            }
            Outcome::Done
        }
        O::CreateSku { product, sku } => create_sku(s, created, product, sku)?,
        O::UpdateSku { id, patch } => {
            let x = find(&mut s.skus, "sku", |x| x.id == *id)?;
            if x.is_kit && patch.is_kit == Some(false) {
                return Err("IsKit is irreversible".into());
            }
            *x = merge_sku_for_put(x, patch);
            Outcome::Done
        }
        _ => Outcome::Other,
    })
}

fn create_sku(
    s: &mut CatalogState,
    created: &[Option<u32>],
    product: &Ref<ProductId>,
    sku: &SkuPatch,
) -> Result<Outcome, String> {
    let product: ProductId = resolve(created, product)?;
    if sku.is_active == Some(true) {
        return Err("an SKU cannot be created active".into());
    }
    known(&s.products, "product", |p| p.id == product)?;
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
    Ok(Outcome::Created(id))
}

/// Specification values, images, kit components and activation.
fn apply_sku_detail(
    s: &mut CatalogState,
    created: &[Option<u32>],
    op: &Operation,
) -> Result<Outcome, String> {
    use Operation as O;
    Ok(match op {
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
            set_product_specification(s, product, field, text.as_ref(), values)?;
            Outcome::Done
        }
        O::SetSkuSpecification { sku, field, value } => {
            let sku: SkuId = resolve(created, sku)?;
            let field: FieldId = resolve(created, field)?;
            let value: FieldValueId = resolve(created, value)?;
            check_value_of(s, value, field)?;
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
            Outcome::Done
        }
        O::AddSkuImage { sku, image } => {
            let sku: SkuId = resolve(created, sku)?;
            add_image(s, sku, image)?;
            Outcome::Done
        }
        O::UpdateSkuImage { id, sku, image } => {
            let i = find(&mut s.sku_images, "image", |i| {
                i.id == *id && i.sku_id == *sku
            })?;
            write_image(i, image);
            Outcome::Done
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
            known(&s.skus, "component", |x| x.id == component)?;
            s.kit_components
                .retain(|k| !(k.kit_sku_id == kit && k.component_sku_id == component));
            s.kit_components.push(KitComponent {
                kit_sku_id: kit,
                component_sku_id: component,
                quantity: *quantity,
            });
            Outcome::Done
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
            Outcome::Done
        }
        _ => Outcome::Other,
    })
}

fn add_image(s: &mut CatalogState, sku: SkuId, image: &ImageBody) -> Result<(), String> {
    known(&s.skus, "sku", |x| x.id == sku)?;
    if s.sku_images
        .iter()
        .any(|i| i.sku_id == sku && i.name == image.name)
    {
        return Err(format!("image {} exists", image.name));
    }
    let id = next(s.sku_images.iter().map(|i| i.id.0));
    let mut new = SkuImage {
        id: SkuFileId(id),
        sku_id: sku,
        name: String::new(),
        url: String::new(),
        is_main: false,
        position: 0,
        label: None,
        text: None,
    };
    write_image(&mut new, image);
    s.sku_images.push(new);
    Ok(())
}

fn write_image(i: &mut SkuImage, image: &ImageBody) {
    i.name = image.name.clone();
    i.url = image.url.clone();
    i.is_main = image.is_main;
    i.position = image.position;
    i.label = image.label.clone();
    i.text = image.text.clone();
}

fn check_value_of(s: &CatalogState, value: FieldValueId, field: FieldId) -> Result<(), String> {
    if s.catalog
        .values
        .iter()
        .any(|x| x.id == value && x.field_id == field)
    {
        Ok(())
    } else {
        Err(format!("value {value} is not of field {field}"))
    }
}

fn set_product_specification(
    s: &mut CatalogState,
    product: ProductId,
    field: FieldId,
    text: Option<&String>,
    values: Vec<FieldValueId>,
) -> Result<(), String> {
    for v in &values {
        check_value_of(s, *v, field)?;
    }
    s.product_specifications
        .retain(|x| !(x.product_id == product && x.field_id == field));
    let row = |field_value_id, text| ProductSpecification {
        product_id: product,
        field_id: field,
        field_value_id,
        text,
    };
    if let Some(t) = text {
        s.product_specifications.push(row(None, Some(t.clone())));
    }
    for v in values {
        s.product_specifications.push(row(Some(v), None));
    }
    Ok(())
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
