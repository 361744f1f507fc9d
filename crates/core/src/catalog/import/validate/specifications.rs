//! Specification groups, their fields and the fields' values, as the batch declares them.

use super::rules::{differing_fields, fold, name_ok};
use super::{C, Change, RSpecEntity, SEC_GROUPS, V, bump};
use crate::catalog::import::batch::{
    SpecificationFieldInput, SpecificationGroupInput, SpecificationValueInput,
};
use crate::catalog::{
    FieldType, MAX_FIELD_NAME, MAX_NAME, SpecificationField, SpecificationGroup, SpecificationValue,
};
use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use std::collections::{BTreeMap, BTreeSet};

/// The keys the batch already declared, to find duplicates.
#[derive(Default)]
struct Seen {
    groups: BTreeSet<(Option<CategoryId>, String)>,
    fields: BTreeSet<(GroupId, String)>,
    values: BTreeSet<(FieldId, String)>,
}

impl V<'_> {
    pub(super) fn specifications(&mut self) {
        for g in self.merged.groups() {
            self.group_by_key
                .entry((g.category_id, fold(&g.name)))
                .or_insert(g.id);
        }
        for f in self.merged.fields() {
            self.field_by_key
                .entry((f.field_group_id, fold(&f.name)))
                .or_insert(f.id);
        }
        for v in self.merged.values() {
            self.value_by_key
                .entry((v.field_id, fold(&v.name)))
                .or_insert(v.id);
        }
        let mut seen = Seen::default();
        for (gi, g) in self.batch.specification_groups.iter().enumerate() {
            let path = format!("specificationGroups[{gi}]");
            let group_id = self.group(gi, &path, g, &mut seen);
            for (fi, f) in g.fields.iter().enumerate() {
                self.field(gi, &format!("{path}.fields[{fi}]"), f, group_id, &mut seen);
            }
        }
        let mut by_name: BTreeMap<String, Vec<FieldId>> = BTreeMap::new();
        for f in self.merged.fields() {
            by_name.entry(fold(&f.name)).or_default().push(f.id);
        }
        self.fields_by_name = by_name;
    }

    fn group(
        &mut self,
        gi: usize,
        path: &str,
        g: &SpecificationGroupInput,
        seen: &mut Seen,
    ) -> Option<GroupId> {
        let scope: Option<Option<CategoryId>> = match &g.category {
            None => Some(None),
            Some(r) => self
                .resolve_category(SEC_GROUPS, gi, &format!("{path}.category"), r)
                .ok()
                .flatten()
                .map(Some),
        };
        let name_valid = name_ok(&g.name, MAX_NAME);
        if !name_valid {
            self.fail(
                SEC_GROUPS,
                gi,
                format!("{path}.name"),
                C::SpecGroupNameInvalid,
                format!("a group name must be 1 to {MAX_NAME} characters after trimming"),
            );
        }
        let (Some(scope), true) = (scope, name_valid) else {
            return None;
        };
        let key = (scope, fold(&g.name));
        let name = g.name.trim().to_owned();
        if !seen.groups.insert(key.clone()) {
            self.fail(
                SEC_GROUPS,
                gi,
                path,
                C::SpecGroupDuplicate,
                format!("group \"{name}\" appears more than once on the same category"),
            );
            return None;
        }
        let (id, change) = if let Some(&id) = self.group_by_key.get(&key) {
            let old = self.merged.group(id).cloned()?;
            let position = g.position.unwrap_or(old.position);
            let differs = old.name != name || old.position != position;
            let what = format!("group \"{name}\"");
            let change = self.change_for(differs, SEC_GROUPS, gi, path, &what, "name or position");
            if change == Change::Update {
                let _ = self.merged.insert_group(SpecificationGroup {
                    name,
                    position,
                    ..old
                });
            }
            (id, change)
        } else {
            let id = GroupId(bump(&mut self.next.group));
            let group = SpecificationGroup {
                id,
                category_id: scope,
                name,
                position: g.position.unwrap_or(0),
            };
            self.merged.insert_group(group).ok()?;
            self.group_by_key.insert(key, id);
            (id, Change::Create)
        };
        let path = path.to_owned();
        self.groups.push(RSpecEntity { path, id, change });
        Some(id)
    }

    /// A field's own rules (name, type, SKU flag), then the field and its values.
    fn field(
        &mut self,
        gi: usize,
        fpath: &str,
        f: &SpecificationFieldInput,
        group_id: Option<GroupId>,
        seen: &mut Seen,
    ) {
        let name_valid = name_ok(&f.name, MAX_FIELD_NAME);
        if !name_valid {
            self.fail(
                SEC_GROUPS,
                gi,
                format!("{fpath}.name"),
                C::SpecFieldNameInvalid,
                format!("a field name must be 1 to {MAX_FIELD_NAME} characters after trimming"),
            );
        }
        let ftype = FieldType::from_id(f.field_type_id);
        match ftype {
            None => self.fail(
                SEC_GROUPS,
                gi,
                format!("{fpath}.fieldTypeId"),
                C::SpecFieldTypeUnknown,
                format!(
                    "FieldTypeId {} is unknown; VTEX knows 1, 2, 4, 5, 6, 7, 8 and 9",
                    f.field_type_id
                ),
            ),
            Some(t) if f.is_stock_keeping_unit && !t.allowed_on_sku() => self.fail(
                SEC_GROUPS,
                gi,
                format!("{fpath}.isStockKeepingUnit"),
                C::SpecFieldSkuTypeNotAllowed,
                format!("Sku Field can be only of the Radio or Combo type, not {t:?}"),
            ),
            _ => {}
        }
        if let Some(t) = ftype
            && !t.has_values()
        {
            for vi in 0..f.values.len() {
                self.fail(
                    SEC_GROUPS,
                    gi,
                    format!("{fpath}.values[{vi}]"),
                    C::SpecValueFieldTakesNoValues,
                    format!("a {t:?} field takes typed text, not listed values"),
                );
            }
        }
        let sku_ok = ftype.is_some_and(|t| !f.is_stock_keeping_unit || t.allowed_on_sku());
        let field_id = match (group_id, name_valid, sku_ok) {
            (Some(gid), true, true) => self.merge_field(gi, fpath, f, gid, seen),
            _ => None,
        };
        let takes_values = ftype.is_some_and(FieldType::has_values);
        for (vi, val) in f.values.iter().enumerate() {
            let vpath = format!("{fpath}.values[{vi}]");
            if !name_ok(&val.name, MAX_NAME) {
                self.fail(
                    SEC_GROUPS,
                    gi,
                    format!("{vpath}.name"),
                    C::SpecValueNameInvalid,
                    format!("a value name must be 1 to {MAX_NAME} characters after trimming"),
                );
                continue;
            }
            if let (Some(fid), true) = (field_id, takes_values) {
                self.merge_value(gi, vpath, val, fid, seen);
            }
        }
    }

    /// A valid field of group `gid`: an update of the catalog's or a new one.
    fn merge_field(
        &mut self,
        gi: usize,
        fpath: &str,
        f: &SpecificationFieldInput,
        gid: GroupId,
        seen: &mut Seen,
    ) -> Option<FieldId> {
        let key = (gid, fold(&f.name));
        let name = f.name.trim().to_owned();
        if !seen.fields.insert(key.clone()) {
            self.fail(
                SEC_GROUPS,
                gi,
                fpath,
                C::SpecFieldDuplicate,
                format!("field \"{name}\" appears more than once in the group"),
            );
            return None;
        }
        let (id, change) = if let Some(&id) = self.field_by_key.get(&key) {
            let old = self.merged.field(id).cloned()?;
            if old.field_type_id != f.field_type_id
                || old.is_stock_keeping_unit != f.is_stock_keeping_unit
            {
                self.fail(
                    SEC_GROUPS,
                    gi,
                    fpath,
                    C::SpecFieldKindChange,
                    format!(
                        "field \"{name}\" exists with FieldTypeId {} and IsStockKeepingUnit {}; an import does not change either, because values already stored would be orphaned",
                        old.field_type_id, old.is_stock_keeping_unit
                    ),
                );
                return None;
            }
            let new = SpecificationField {
                name,
                is_required: f.is_required.unwrap_or(old.is_required),
                is_filter: f.is_filter.unwrap_or(old.is_filter),
                is_active: f.is_active.unwrap_or(old.is_active),
                position: f.position.unwrap_or(old.position),
                ..old.clone()
            };
            let what = format!("field \"{}\"", new.name);
            let detail = differing_fields(&old, &new);
            let change = self.change_for(new != old, SEC_GROUPS, gi, fpath, &what, &detail);
            if change == Change::Update {
                let _ = self.merged.insert_field(new);
            }
            (id, change)
        } else {
            let id = FieldId(bump(&mut self.next.field));
            let field = SpecificationField {
                id,
                name,
                field_type_id: f.field_type_id,
                field_group_id: gid,
                category_id: None,
                position: f.position.unwrap_or(0),
                is_required: f.is_required.unwrap_or(false),
                is_active: f.is_active.unwrap_or(true),
                is_filter: f.is_filter.unwrap_or(false),
                is_stock_keeping_unit: f.is_stock_keeping_unit,
            };
            self.merged.insert_field(field).ok()?;
            self.field_by_key.insert(key, id);
            (id, Change::Create)
        };
        let path = fpath.to_owned();
        self.fields.push(RSpecEntity { path, id, change });
        Some(id)
    }

    /// A valid value of field `fid`: an update of the catalog's or a new one.
    fn merge_value(
        &mut self,
        gi: usize,
        vpath: String,
        val: &SpecificationValueInput,
        fid: FieldId,
        seen: &mut Seen,
    ) {
        let key = (fid, fold(&val.name));
        let name = val.name.trim().to_owned();
        if !seen.values.insert(key.clone()) {
            self.fail(
                SEC_GROUPS,
                gi,
                vpath,
                C::SpecValueDuplicate,
                format!("value \"{name}\" appears more than once on the field"),
            );
            return;
        }
        let (id, change) = if let Some(&id) = self.value_by_key.get(&key) {
            let Some(old) = self.merged.value(id).cloned() else {
                return;
            };
            let new = SpecificationValue {
                name,
                is_active: val.is_active.unwrap_or(old.is_active),
                position: val.position.unwrap_or(old.position),
                ..old.clone()
            };
            let what = format!("value \"{}\"", new.name);
            let detail = differing_fields(&old, &new);
            let change = self.change_for(new != old, SEC_GROUPS, gi, &vpath, &what, &detail);
            if change == Change::Update {
                let _ = self.merged.insert_value(new);
            }
            (id, change)
        } else {
            let id = FieldValueId(bump(&mut self.next.value));
            let value = SpecificationValue {
                id,
                field_id: fid,
                name,
                is_active: val.is_active.unwrap_or(true),
                position: val.position.unwrap_or(0),
            };
            if self.merged.insert_value(value).is_err() {
                return;
            }
            self.value_by_key.insert(key, id);
            (id, Change::Create)
        };
        self.values.push(RSpecEntity {
            path: vpath,
            id,
            change,
        });
    }
}
