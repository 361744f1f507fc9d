//! SKUs: identity (refId or EAN), dimensions and units, the kit flag, specifications and
//! images.

use super::products::SeenSkus;
use super::rules::{differing_fields, fold, name_ok, sku_key};
use super::{C, Change, RSku, RSkuSpec, SEC_PRODUCTS, Target, V, bump};
use crate::catalog::import::batch::SkuInput;
use crate::catalog::import::model::*;
use crate::ids::{CategoryId, FieldId, FieldValueId};
use std::collections::{BTreeMap, BTreeSet};

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
}

impl<'a> V<'a> {
    /// One SKU of `product` (`None`: not in the catalog); `None` when it has errors.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn sku(
        &mut self,
        pi: usize,
        path: &str,
        s: &SkuInput,
        product: Option<&Product>,
        product_id: ProductId,
        category: Option<CategoryId>,
        seen: &mut SeenSkus,
    ) -> Option<RSku> {
        let state = self.state;
        let before = self.errors.len();
        let ref_id = trimmed(&s.ref_id);
        let ean = trimmed(&s.ean);
        let existing =
            self.sku_identity(pi, path, ref_id.as_deref(), ean.as_deref(), product, seen);
        if !name_ok(&s.name, MAX_SKU_NAME) {
            let message =
                format!("an SKU name must be 1 to {MAX_SKU_NAME} characters after trimming");
            self.fail_product(pi, format!("{path}.name"), C::SkuNameInvalid, message);
        }
        self.sku_dimensions(pi, path, s);
        self.sku_kit_flag(pi, path, s, existing);

        let id = existing.map_or_else(|| SkuId(bump(&mut self.next.sku)), |x| x.id);
        if let Some(r) = &ref_id {
            self.batch_sku_by_ref.entry(r.clone()).or_insert(id);
        }
        let (specs, valued) = match category {
            Some(cat) => self.sku_specs(pi, path, s, existing, cat),
            None => (Vec::new(), BTreeSet::new()),
        };
        let existing_images: Vec<&SkuImage> = existing
            .map(|x| {
                state
                    .sku_images
                    .iter()
                    .filter(|i| i.sku_id == x.id)
                    .collect()
            })
            .unwrap_or_default();
        let (images, named) = self.images(pi, path, &s.images, &existing_images);
        let kept_images = existing_images
            .iter()
            .filter(|i| !named.contains(&fold(&i.name)))
            .count() as u32;

        let patch = sku_patch(s, product_id, ref_id.clone(), ean.clone());
        let key = sku_key(ref_id.as_deref(), ean.as_deref());
        let (change, after) = match existing {
            Some(x) => {
                let after = merge_sku_for_put(x, &patch);
                let detail = differing_fields(x, &after);
                let what = format!("SKU \"{key}\"");
                let change = self.change_for(after != *x, SEC_PRODUCTS, pi, path, &what, &detail);
                (change, after)
            }
            None => (Change::Create, patch.into_sku(id, product_id)),
        };
        let kept_components: Vec<SkuId> = existing
            .map(|x| {
                state
                    .kit_components
                    .iter()
                    .filter(|k| k.kit_sku_id == x.id)
                    .map(|k| k.component_sku_id)
                    .collect()
            })
            .unwrap_or_default();
        if self.errors.len() != before {
            return None;
        }
        Some(RSku {
            path: path.to_owned(),
            key,
            id,
            change,
            patch,
            after,
            existing_active: existing.is_some_and(|x| x.is_active),
            specs,
            images,
            kept_images,
            kit: Vec::new(),
            kept_components,
            valued_fields: valued,
        })
    }

    /// Checks the refId and EAN; the catalog's SKU with them, which must be `product`'s.
    fn sku_identity(
        &mut self,
        pi: usize,
        path: &str,
        ref_id: Option<&str>,
        ean: Option<&str>,
        product: Option<&Product>,
        seen: &mut SeenSkus,
    ) -> Option<&'a Sku> {
        if let Some(r) = ref_id {
            let rpath = format!("{path}.refId");
            if r.chars().count() > MAX_SKU_REF_ID {
                let message = format!(
                    "refId has {} characters; at most {MAX_SKU_REF_ID}",
                    r.chars().count()
                );
                self.fail_product(pi, rpath, C::SkuRefIdTooLong, message);
            } else if !seen.refs.insert(r.to_owned()) {
                let message = format!("SKU refId \"{r}\" appears more than once");
                self.fail_product(pi, rpath, C::SkuRefIdDuplicate, message);
            }
        }
        if let Some(e) = ean {
            let epath = format!("{path}.ean");
            if e.chars().count() > MAX_EAN || e.chars().any(char::is_whitespace) {
                let message = format!("EAN must be 1 to {MAX_EAN} characters without spaces");
                self.fail_product(pi, epath, C::SkuEanInvalid, message);
            } else if !seen.eans.insert(e.to_owned()) {
                let message = format!("EAN \"{e}\" appears more than once");
                self.fail_product(pi, epath, C::SkuEanDuplicate, message);
            }
        }
        if ref_id.is_none() && ean.is_none() {
            let message = "an SKU needs a refId or an EAN";
            self.fail_product(pi, path, C::SkuIdentifierMissing, message);
        }
        let existing: Option<&'a Sku> = match (ref_id, ean) {
            (Some(r), _) => self.sku_by_ref.get(r).copied(),
            (None, Some(e)) => self.sku_by_ean.get(e).copied(),
            _ => None,
        };
        if let Some(e) = ean
            && let Some(owner) = self.sku_by_ean.get(e)
            && Some(owner.id) != existing.map(|x| x.id)
        {
            let message = format!("EAN \"{e}\" belongs to SKU {} of the catalog", owner.id);
            self.fail_product(pi, format!("{path}.ean"), C::SkuEanDuplicate, message);
        }
        if let Some(x) = existing
            && product.map(|p| p.id) != Some(x.product_id)
        {
            let message = format!(
                "the catalog has this SKU ({}) under product {}; an import does not move SKUs",
                x.id, x.product_id
            );
            self.fail_product(pi, path, C::SkuProductMismatch, message);
        }
        existing
    }

    /// Packaged dimensions and weight (required, positive), the others (non-negative), the
    /// measurement unit and the unit multiplier.
    fn sku_dimensions(&mut self, pi: usize, path: &str, s: &SkuInput) {
        let packaged = [
            ("packagedHeight", s.packaged_height),
            ("packagedLength", s.packaged_length),
            ("packagedWidth", s.packaged_width),
            ("packagedWeightKg", s.packaged_weight_kg),
        ];
        let missing: Vec<&str> = packaged
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            let message = format!(
                "packaged dimensions and weight are required; missing {}",
                missing.join(", ")
            );
            self.fail_product(pi, path, C::SkuDimensionsMissing, message);
        }
        for (n, v) in packaged {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0)
            {
                let message = format!("{n} must be a positive number, not {v}");
                self.fail_product(pi, format!("{path}.{n}"), C::SkuDimensionsInvalid, message);
            }
        }
        for (n, v) in [
            ("height", s.height),
            ("length", s.length),
            ("width", s.width),
            ("weightKg", s.weight_kg),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v >= 0.0)
            {
                let message = format!("{n} must be a non-negative number, not {v}");
                self.fail_product(pi, format!("{path}.{n}"), C::SkuDimensionsInvalid, message);
            }
        }
        if let Some(u) = &s.measurement_unit
            && !MEASUREMENT_UNITS.contains(&u.as_str())
        {
            let message = format!(
                "\"{u}\" is not one of VTEX's units ({})",
                MEASUREMENT_UNITS.join(", ")
            );
            let upath = format!("{path}.measurementUnit");
            self.fail_product(pi, upath, C::SkuMeasurementUnitInvalid, message);
        }
        if let Some(m) = s.unit_multiplier
            && !(m.is_finite() && m > 0.0)
        {
            let message = format!("unitMultiplier must be positive, not {m}");
            let mpath = format!("{path}.unitMultiplier");
            self.fail_product(pi, mpath, C::SkuUnitMultiplierInvalid, message);
        }
    }

    /// A kit stays one; only a kit has components.
    fn sku_kit_flag(&mut self, pi: usize, path: &str, s: &SkuInput, existing: Option<&Sku>) {
        let was_kit = existing.is_some_and(|x| x.is_kit);
        if was_kit && s.is_kit == Some(false) {
            let message = "the SKU is a kit; IsKit cannot be undone";
            self.fail_product(pi, format!("{path}.isKit"), C::SkuKitIrreversible, message);
        }
        let is_kit = s.is_kit.unwrap_or(was_kit);
        if !s.kit_components.is_empty() && !is_kit {
            let message = "only a kit (isKit) has components";
            let kpath = format!("{path}.kitComponents");
            self.fail_product(pi, kpath, C::SkuKitComponentsNotKit, message);
        }
    }

    /// The SKU's specifications in category `cat`, against the `existing` SKU's; and every
    /// field valued after the plan.
    fn sku_specs(
        &mut self,
        pi: usize,
        path: &str,
        s: &SkuInput,
        existing: Option<&Sku>,
        cat: CategoryId,
    ) -> (Vec<RSkuSpec>, BTreeSet<FieldId>) {
        let current: BTreeMap<FieldId, FieldValueId> = existing
            .map(|x| {
                self.state
                    .sku_specifications
                    .iter()
                    .filter(|v| v.sku_id == x.id)
                    .map(|v| (v.field_id, v.field_value_id))
                    .collect()
            })
            .unwrap_or_default();
        let specs = &s.specifications;
        let (list, valued) = self.spec_list(pi, path, Target::Sku, cat, specs, &current, |_, v| {
            v.first().copied()
        });
        let specs = list
            .into_iter()
            .map(|(path, field, value, change)| RSkuSpec {
                path,
                field,
                value,
                change,
            })
            .collect();
        (specs, valued)
    }
}

fn sku_patch(
    s: &SkuInput,
    product_id: ProductId,
    ref_id: Option<String>,
    ean: Option<String>,
) -> SkuPatch {
    SkuPatch {
        product_id: Some(product_id),
        is_active: None,
        name: Some(s.name.trim().to_owned()),
        ref_id,
        ean,
        packaged_height: s.packaged_height,
        packaged_length: s.packaged_length,
        packaged_width: s.packaged_width,
        packaged_weight_kg: s.packaged_weight_kg,
        height: s.height,
        length: s.length,
        width: s.width,
        weight_kg: s.weight_kg,
        measurement_unit: s.measurement_unit.clone(),
        unit_multiplier: s.unit_multiplier,
        is_kit: s.is_kit,
        manufacturer_code: s.manufacturer_code.clone(),
    }
}
