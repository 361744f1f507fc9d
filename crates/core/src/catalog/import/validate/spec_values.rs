//! The specification values products and SKUs give: one checker for both. A value names its
//! field (and group) and gives `text` or listed `values`; the field must be visible from the
//! category, active, and of the right target (product or SKU).

use super::rules::{fold, is_number};
use super::{C, Change, SEC_PRODUCTS, Target, V};
use crate::catalog::FieldType;
use crate::catalog::import::batch::SpecificationInput;
use crate::ids::{CategoryId, FieldId, FieldValueId};
use std::collections::{BTreeMap, BTreeSet};

/// A resolved specification: (field, text for typed fields, sorted listed values).
type ResolvedSpec = (FieldId, Option<String>, Vec<FieldValueId>);

/// The specifications of one product or SKU: (path, field, value, change) and every field
/// valued after the plan.
pub(super) type SpecList<X> = (Vec<(String, FieldId, X, Change)>, BTreeSet<FieldId>);

/// Where a specification is given: product `pi` (or one of its SKUs) at `path`, for a
/// `target` in `category`.
#[derive(Debug, Clone, Copy)]
struct SpecAt<'a> {
    pi: usize,
    path: &'a str,
    target: Target,
    category: CategoryId,
}

impl Target {
    /// How errors name a specification of this target, and what of it changes.
    fn labels(self) -> (&'static str, &'static str) {
        match self {
            Target::Product => ("specification", "values"),
            Target::Sku => ("SKU specification", "value"),
        }
    }
}

impl V<'_> {
    /// Resolves the specifications a product or SKU (at `path`) gives in category `cat`,
    /// compares them with the `existing` ones and checks the required fields. `value_of` turns
    /// a resolved specification into what the target stores (`None`: skip it).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn spec_list<X: PartialEq>(
        &mut self,
        pi: usize,
        path: &str,
        target: Target,
        cat: CategoryId,
        specs: &[SpecificationInput],
        existing: &BTreeMap<FieldId, X>,
        value_of: impl Fn(Option<String>, Vec<FieldValueId>) -> Option<X>,
    ) -> SpecList<X> {
        let (what, detail) = target.labels();
        let mut out = Vec::new();
        let mut valued = BTreeSet::new();
        for (si, s) in specs.iter().enumerate() {
            let spath = format!("{path}.specifications[{si}]");
            let at = SpecAt {
                pi,
                path: &spath,
                target,
                category: cat,
            };
            let Some((fid, text, values)) = self.resolve_spec(&at, s) else {
                continue;
            };
            if !valued.insert(fid) {
                let message = format!("field \"{}\" is given twice", s.field.trim());
                self.fail_product(pi, &spath, C::SpecDuplicate, message);
                continue;
            }
            let Some(value) = value_of(text, values) else {
                continue;
            };
            let change = match existing.get(&fid) {
                None => Change::Create,
                Some(old) => {
                    let name = format!("{what} \"{}\"", s.field.trim());
                    self.change_for(*old != value, SEC_PRODUCTS, pi, &spath, &name, detail)
                }
            };
            out.push((spath, fid, value, change));
        }
        valued.extend(existing.keys().copied());
        let mentioned: BTreeSet<String> = specs.iter().map(|s| fold(&s.field)).collect();
        self.required_missing(pi, path, target, cat, &valued, &mentioned);
        (out, valued)
    }

    /// Required fields of the target (effective, active) in `cat` not valued.
    fn required_missing(
        &mut self,
        pi: usize,
        path: &str,
        target: Target,
        cat: CategoryId,
        valued: &BTreeSet<FieldId>,
        mentioned: &BTreeSet<String>,
    ) {
        let required: Vec<(FieldId, String)> = self
            .merged
            .effective_specifications(cat)
            .map(|e| match target {
                Target::Product => e.product_fields,
                Target::Sku => e.sku_fields,
            })
            .unwrap_or_default()
            .into_iter()
            .filter(|f| f.is_required)
            .map(|f| (f.field_id, f.name))
            .collect();
        let path = format!("{path}.specifications");
        for (fid, name) in required {
            if !valued.contains(&fid) && !mentioned.contains(&fold(&name)) {
                let message = format!("required field \"{name}\" has no value");
                self.fail_product(pi, &path, C::SpecRequiredMissing, message);
            }
        }
    }

    /// Resolves one specification of a product or SKU in `category`; records errors.
    fn resolve_spec(&mut self, at: &SpecAt<'_>, spec: &SpecificationInput) -> Option<ResolvedSpec> {
        let (pi, path) = (at.pi, at.path);
        let before = self.errors.len();
        let fid = self.spec_field(at, spec)?;
        let field = self.merged.field(fid)?;
        let ftype = FieldType::from_id(field.field_type_id)?;
        let name = spec.field.trim();
        let mut values = Vec::new();
        if ftype.has_values() {
            self.check_value_count(pi, path, at.target, ftype, spec);
            values = self.listed_values(pi, path, fid, spec);
        } else {
            match &spec.text {
                Some(t) if spec.values.is_empty() => {
                    if ftype == FieldType::Number && !is_number(t) {
                        let message =
                            format!("field \"{name}\" is a Number; \"{t}\" is not a number");
                        self.fail_product(pi, path, C::SpecNumberInvalid, message);
                    }
                }
                _ => {
                    let message =
                        format!("field \"{name}\" is {ftype:?}: give `text` and no `values`");
                    self.fail_product(pi, path, C::SpecTextExpected, message);
                }
            }
        }
        if self.errors.len() != before {
            return None;
        }
        let text = if ftype.has_values() {
            None
        } else {
            spec.text.clone()
        };
        Some((fid, text, values))
    }

    /// The one field a specification names: visible from `category`, active, of the target.
    fn spec_field(&mut self, at: &SpecAt<'_>, spec: &SpecificationInput) -> Option<FieldId> {
        let (pi, path, category) = (at.pi, at.path, at.category);
        let name = spec.field.trim();
        let mut candidates: Vec<FieldId> = self
            .fields_by_name
            .get(&fold(name))
            .cloned()
            .unwrap_or_default();
        if let Some(group) = &spec.group {
            let g = fold(group);
            candidates.retain(|f| {
                self.merged
                    .field(*f)
                    .and_then(|f| self.merged.group(f.field_group_id))
                    .is_some_and(|grp| fold(&grp.name) == g)
            });
        }
        if candidates.is_empty() {
            let message = format!("no specification field \"{name}\" in the batch or the catalog");
            self.fail_product(pi, path, C::SpecFieldNotFound, message);
            return None;
        }
        let chain: BTreeSet<Option<CategoryId>> = std::iter::once(None)
            .chain(
                self.merged
                    .path_ids(category)
                    .unwrap_or_default()
                    .into_iter()
                    .map(Some),
            )
            .collect();
        let visible: Vec<FieldId> = candidates
            .iter()
            .copied()
            .filter(|f| {
                self.merged
                    .field(*f)
                    .and_then(|f| self.merged.group(f.field_group_id))
                    .is_some_and(|g| chain.contains(&g.category_id))
            })
            .collect();
        let category_name = self
            .merged
            .category(category)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        if visible.is_empty() {
            self.fail_product(
                pi,
                path,
                C::SpecFieldNotVisible,
                format!(
                    "field \"{name}\" is not on category \"{category_name}\", its ancestors or the root level; VTEX would accept the value and never show it"
                ),
            );
            return None;
        }
        if visible.len() > 1 {
            let message = format!(
                "{} visible fields are named \"{name}\"; give `group`",
                visible.len()
            );
            self.fail_product(pi, path, C::SpecFieldAmbiguous, message);
            return None;
        }
        let fid = visible[0];
        let field = self.merged.field(fid)?;
        let (is_active, is_sku_field) = (field.is_active, field.is_stock_keeping_unit);
        if !is_active {
            let message = format!("field \"{name}\" is inactive");
            self.fail_product(pi, path, C::SpecFieldInactive, message);
            return None;
        }
        let want_sku = at.target == Target::Sku;
        if is_sku_field != want_sku {
            let msg = if want_sku {
                format!(
                    "field \"{name}\" is a product field (IsStockKeepingUnit false), not an SKU field"
                )
            } else {
                format!(
                    "field \"{name}\" is an SKU field (IsStockKeepingUnit true); set it on the SKUs"
                )
            };
            self.fail_product(pi, path, C::SpecFieldTargetMismatch, msg);
            return None;
        }
        Some(fid)
    }

    /// How many values a field with listed values takes: one on an SKU, several only on a
    /// product's Checkbox.
    fn check_value_count(
        &mut self,
        pi: usize,
        path: &str,
        target: Target,
        ftype: FieldType,
        spec: &SpecificationInput,
    ) {
        let name = spec.field.trim();
        let want_sku = target == Target::Sku;
        if spec.text.is_some() {
            let message = format!("field \"{name}\" is {ftype:?}: give `values`, not `text`");
            self.fail_product(pi, path, C::SpecValueExpected, message);
        }
        if want_sku && spec.values.len() != 1 {
            let message = format!(
                "an SKU specification takes exactly one value; {} given",
                spec.values.len()
            );
            self.fail_product(pi, path, C::SkuSpecNeedsOneValue, message);
        } else if spec.values.is_empty() && spec.text.is_none() {
            let message = format!("field \"{name}\" needs at least one value");
            self.fail_product(pi, path, C::SpecValueExpected, message);
        } else if !want_sku && ftype != FieldType::Checkbox && spec.values.len() > 1 {
            let message =
                format!("field \"{name}\" is {ftype:?}; only Checkbox takes several values");
            self.fail_product(pi, path, C::SpecMultipleValuesNotAllowed, message);
        }
    }

    /// The listed values, each a distinct active value of field `fid`; sorted.
    fn listed_values(
        &mut self,
        pi: usize,
        path: &str,
        fid: FieldId,
        spec: &SpecificationInput,
    ) -> Vec<FieldValueId> {
        let name = spec.field.trim();
        let mut values = Vec::new();
        let mut seen = BTreeSet::new();
        for (vi, v) in spec.values.iter().enumerate() {
            let vpath = format!("{path}.values[{vi}]");
            let v = v.trim();
            match self.value_by_key.get(&(fid, fold(v))).copied() {
                None => {
                    let message = format!("\"{v}\" is not a value of field \"{name}\"");
                    self.fail_product(pi, vpath, C::SpecValueNotOfField, message);
                }
                Some(vid) if !seen.insert(vid) => {
                    let message = format!("value \"{v}\" is listed twice");
                    self.fail_product(pi, vpath, C::SpecValueDuplicate, message);
                }
                Some(vid) if !self.merged.value(vid).is_some_and(|x| x.is_active) => {
                    let message = format!("value \"{v}\" is inactive");
                    self.fail_product(pi, vpath, C::SpecValueInactive, message);
                }
                Some(vid) => values.push(vid),
            }
        }
        values.sort();
        values
    }
}
