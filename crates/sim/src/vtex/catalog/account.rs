//! One account's catalog: the VTEX records plus a validated [`ponte_core::catalog::Catalog`]
//! kept in step with them. Every write is checked by ponte-core (`check_*`, then `insert_*`)
//! before anything changes; the caller runs writes on a copy and keeps it only once the store
//! has committed (see [`super::CatalogService::write`]), so a refused or failed write changes
//! nothing.
//!
//! Update semantics (`PUT`) **[emulator default]**: VTEX documents the update bodies as full
//! objects. A property that is absent is replaced by its default (`false`, `null`), except the
//! structural references, which keep their stored value when absent so that a partial body
//! never moves an entity by accident: `FatherCategoryId` of a category, `CategoryId` of a
//! group, `FieldGroupId` and `FieldTypeId` of a field, `FieldId` of a value. An explicit
//! `null` `FatherCategoryId` / `CategoryId` does move the category to the root (department) /
//! the group to root level. `Position`, when absent, keeps the stored position.
//!
//! Create defaults **[emulator default]**: `IsActive` is `true` when absent, other booleans
//! `false`; an absent `Position` appends (largest position among the siblings + 1: groups in
//! the same scope, fields in the same group, values of the same field), which matches VTEX's
//! example of a group created without `Position` coming back with one.

use super::records::*;
use super::tables::{Change, Counters, StoredAccount};
use crate::platform::error::{ApiError, StoreError};
use ponte_core::catalog::{Catalog, CatalogError, CatalogSnapshot};
use ponte_core::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct AccountCatalog {
    pub(crate) catalog: Catalog,
    categories: BTreeMap<u32, CategoryRecord>,
    groups: BTreeMap<u32, GroupRecord>,
    fields: BTreeMap<u32, FieldRecord>,
    values: BTreeMap<u32, ValueRecord>,
    pub(crate) counters: Counters,
    /// Brands, products, SKUs and their associations ([`super::commerce`]).
    pub(crate) commerce: super::commerce::state::Commerce,
}

/// Where the subdomain of catalog URLs comes from.
const URL_HOST_SUFFIX: &str = "vtexcommercestable.com.br";

fn to_id(value: i64, property: &str) -> Result<u32, ApiError> {
    u32::try_from(value).ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError::InvalidBody(format!(
            "{property} must be a positive 32-bit integer, got {value}"
        ))
    })
}

fn to_position(value: i64) -> Result<i32, ApiError> {
    i32::try_from(value).map_err(|_| {
        ApiError::InvalidBody(format!("Position must be a 32-bit integer, got {value}"))
    })
}

/// The id for a new entity: the supplied one (`0`/`null` mean "generate"), refused when in
/// use, or the next one after the counter that is free.
fn allocate(
    counter: &mut u32,
    supplied: Option<i64>,
    property: &str,
    in_use: impl Fn(u32) -> bool,
    duplicate: impl FnOnce(u32) -> CatalogError,
) -> Result<u32, ApiError> {
    let id = match supplied.filter(|v| *v != 0) {
        Some(v) => {
            let id = to_id(v, property)?;
            if in_use(id) {
                return Err(duplicate(id).into());
            }
            id
        }
        None => {
            let mut id = *counter;
            loop {
                id = id
                    .checked_add(1)
                    .ok_or_else(|| ApiError::Internal(format!("{property} space exhausted")))?;
                if !in_use(id) {
                    break id;
                }
            }
        }
    };
    *counter = (*counter).max(id);
    Ok(id)
}

fn next_position(positions: impl Iterator<Item = i32>) -> i32 {
    positions.max().map_or(1, |p| p.saturating_add(1))
}

fn selection_mode(input: Option<String>) -> Result<String, ApiError> {
    match input {
        None => Ok("SPECIFICATION".to_owned()),
        Some(s) if s.eq_ignore_ascii_case("SPECIFICATION") => Ok("SPECIFICATION".to_owned()),
        Some(s) if s.eq_ignore_ascii_case("LIST") => Ok("LIST".to_owned()),
        Some(s) => Err(ApiError::InvalidBody(format!(
            "StockKeepingUnitSelectionMode must be SPECIFICATION or LIST, got {s:?}"
        ))),
    }
}

/// `FieldTypeId` as ponte-core takes it; ponte-core refuses the ids VTEX does not define.
fn field_type(input: Option<i64>) -> Result<Option<i32>, ApiError> {
    input
        .map(|t| {
            i32::try_from(t).map_err(|_| {
                ApiError::InvalidBody(format!(
                    "FieldTypeId {t} is not a VTEX field type (1, 2, 4, 5, 6, 7, 8 or 9)"
                ))
            })
        })
        .transpose()
}

impl AccountCatalog {
    /// Rebuilds an account from the store, validating it with ponte-core.
    pub fn from_stored(account: &str, stored: StoredAccount) -> Result<Self, StoreError> {
        let snapshot = CatalogSnapshot {
            categories: stored
                .categories
                .iter()
                .map(CategoryRecord::to_core)
                .collect(),
            groups: stored.groups.iter().map(GroupRecord::to_core).collect(),
            fields: stored.fields.iter().map(FieldRecord::to_core).collect(),
            values: stored.values.iter().map(ValueRecord::to_core).collect(),
        };
        let catalog =
            Catalog::from_snapshot(&snapshot).map_err(|source| StoreError::InvalidCatalog {
                account: account.to_owned(),
                source,
            })?;
        let mut counters = stored.counters;
        let categories: BTreeMap<_, _> = stored.categories.into_iter().map(|r| (r.id, r)).collect();
        let groups: BTreeMap<_, _> = stored.groups.into_iter().map(|r| (r.id, r)).collect();
        let fields: BTreeMap<_, _> = stored.fields.into_iter().map(|r| (r.id, r)).collect();
        let values: BTreeMap<_, _> = stored
            .values
            .into_iter()
            .map(|r| (r.field_value_id, r))
            .collect();
        // Counters never fall behind the ids in use, even if the counters table was lost.
        counters.category = counters
            .category
            .max(categories.keys().max().copied().unwrap_or(0));
        counters.group = counters
            .group
            .max(groups.keys().max().copied().unwrap_or(0));
        counters.field = counters
            .field
            .max(fields.keys().max().copied().unwrap_or(0));
        counters.value = counters
            .value
            .max(values.keys().max().copied().unwrap_or(0));
        let commerce =
            super::commerce::state::Commerce::load(account, &stored.entities, &mut counters)?;
        Ok(AccountCatalog {
            catalog,
            categories,
            groups,
            fields,
            values,
            counters,
            commerce,
        })
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// No category, group, field or value.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
            && self.groups.is_empty()
            && self.fields.is_empty()
            && self.values.is_empty()
            && self.commerce.is_empty()
    }

    /// The validated catalog, for reads that ponte-core answers.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    // ----- categories -----

    pub fn create_category(
        &mut self,
        input: CategoryInput,
        changes: &mut Vec<Change>,
    ) -> Result<CategoryRecord, ApiError> {
        let categories = &self.categories;
        let id = allocate(
            &mut self.counters.category,
            input.id,
            "Id",
            |id| categories.contains_key(&id),
            |id| CatalogError::DuplicateCategory(CategoryId(id)),
        )?;
        let father = input
            .father_category_id
            .flatten()
            .map(|f| to_id(f, "FatherCategoryId"))
            .transpose()?;
        let record = self.category_record(id, father, input, None)?;
        self.put_category(record, changes)
    }

    pub fn update_category(
        &mut self,
        id: u32,
        input: CategoryInput,
        changes: &mut Vec<Change>,
    ) -> Result<CategoryRecord, ApiError> {
        let old = self
            .categories
            .get(&id)
            .cloned()
            .ok_or(CatalogError::CategoryNotFound(CategoryId(id)))?;
        check_body_id(input.id, id)?;
        let father = match input.father_category_id {
            None => old.father_category_id,
            Some(f) => f.map(|f| to_id(f, "FatherCategoryId")).transpose()?,
        };
        let record = self.category_record(id, father, input, Some(&old))?;
        self.put_category(record, changes)
    }

    fn category_record(
        &self,
        id: u32,
        father: Option<u32>,
        input: CategoryInput,
        old: Option<&CategoryRecord>,
    ) -> Result<CategoryRecord, ApiError> {
        let name = input.name.unwrap_or_default();
        let link_id = match old {
            Some(old) if old.name == name => old.link_id.clone(),
            _ => link_id(&name),
        };
        Ok(CategoryRecord {
            id,
            name,
            father_category_id: father,
            title: input.title,
            description: input.description,
            keywords: input.keywords,
            is_active: input.is_active.unwrap_or(true),
            lomadee_campaign_code: input.lomadee_campaign_code,
            ad_words_remarketing_code: input.ad_words_remarketing_code,
            show_in_store_front: input.show_in_store_front.unwrap_or(false),
            show_brand_filter: input.show_brand_filter.unwrap_or(false),
            active_store_front_link: input.active_store_front_link.unwrap_or(false),
            global_category_id: input.global_category_id,
            stock_keeping_unit_selection_mode: selection_mode(
                input.stock_keeping_unit_selection_mode,
            )?,
            score: input.score,
            link_id,
        })
    }

    fn put_category(
        &mut self,
        record: CategoryRecord,
        changes: &mut Vec<Change>,
    ) -> Result<CategoryRecord, ApiError> {
        let core = record.to_core();
        self.catalog.check_category(&core)?;
        self.catalog.insert_category(core)?;
        self.categories.insert(record.id, record.clone());
        changes.push(Change::Category(record.clone()));
        Ok(record)
    }

    pub fn category_response(
        &self,
        id: u32,
        include_tree_path: bool,
    ) -> Result<CategoryResponse, ApiError> {
        let record = self
            .categories
            .get(&id)
            .cloned()
            .ok_or(CatalogError::CategoryNotFound(CategoryId(id)))?;
        let has_children = self.catalog.children(CategoryId(id)).next().is_some();
        let (tree_path, tree_path_ids, tree_path_link_ids) = if include_tree_path {
            let path: Vec<&CategoryRecord> = self
                .catalog
                .path_ids(CategoryId(id))?
                .iter()
                .filter_map(|c| self.categories.get(&c.0))
                .collect();
            (
                Some(path.iter().map(|c| c.name.clone()).collect()),
                Some(path.iter().map(|c| c.id).collect()),
                Some(path.iter().map(|c| c.link_id.clone()).collect()),
            )
        } else {
            (None, None, None)
        };
        Ok(CategoryResponse {
            record,
            has_children,
            tree_path,
            tree_path_ids,
            tree_path_link_ids,
        })
    }

    /// The public category tree, `levels` levels deep (1: departments only, with empty
    /// `children`; 0 is taken as 1). Inactive categories and everything below them are left
    /// out, and `hasChildren` counts active children only, since this is the storefront's view
    /// of the tree **[emulator default]**. Nodes are ordered by id.
    pub fn tree(&self, account: &str, levels: u32) -> Vec<TreeNode> {
        let base = format!("https://{account}.{URL_HOST_SUFFIX}");
        self.categories
            .values()
            .filter(|c| c.father_category_id.is_none() && c.is_active)
            .map(|c| self.tree_node(c, 1, levels.max(1), &base))
            .collect()
    }

    fn tree_node(
        &self,
        record: &CategoryRecord,
        level: u32,
        levels: u32,
        parent_url: &str,
    ) -> TreeNode {
        let url = format!("{parent_url}/{}", record.link_id.to_lowercase());
        let active_children: Vec<&CategoryRecord> = self
            .catalog
            .children(CategoryId(record.id))
            .filter_map(|c| self.categories.get(&c.0))
            .filter(|c| c.is_active)
            .collect();
        // Recursion depth is bounded by ponte-core's MAX_DEPTH.
        let children = if level < levels {
            active_children
                .iter()
                .map(|c| self.tree_node(c, level + 1, levels, &url))
                .collect()
        } else {
            Vec::new()
        };
        TreeNode {
            id: record.id,
            name: record.name.clone(),
            has_children: !active_children.is_empty(),
            url,
            children,
            title: record.title.clone().unwrap_or_default(),
            meta_tag_description: record.description.clone().unwrap_or_default(),
        }
    }

    // ----- specification groups -----

    pub fn create_group(
        &mut self,
        input: GroupInput,
        changes: &mut Vec<Change>,
    ) -> Result<GroupRecord, ApiError> {
        let groups = &self.groups;
        let id = allocate(
            &mut self.counters.group,
            input.id,
            "Id",
            |id| groups.contains_key(&id),
            |id| CatalogError::DuplicateGroup(GroupId(id)),
        )?;
        let category_id = input
            .category_id
            .flatten()
            .map(|c| to_id(c, "CategoryId"))
            .transpose()?;
        let position = match input.position {
            Some(p) => to_position(p)?,
            None => next_position(
                self.catalog
                    .groups_in_scope(category_id.map(CategoryId))
                    .map(|g| g.position),
            ),
        };
        let record = GroupRecord {
            id,
            category_id,
            name: input.name.unwrap_or_default(),
            position,
        };
        self.put_group(record, changes)
    }

    pub fn update_group(
        &mut self,
        id: u32,
        input: GroupInput,
        changes: &mut Vec<Change>,
    ) -> Result<GroupRecord, ApiError> {
        let old = self
            .groups
            .get(&id)
            .cloned()
            .ok_or(CatalogError::GroupNotFound(GroupId(id)))?;
        check_body_id(input.id, id)?;
        let category_id = match input.category_id {
            None => old.category_id,
            Some(c) => c.map(|c| to_id(c, "CategoryId")).transpose()?,
        };
        let position = input
            .position
            .map(to_position)
            .transpose()?
            .unwrap_or(old.position);
        let record = GroupRecord {
            id,
            category_id,
            name: input.name.unwrap_or_default(),
            position,
        };
        self.put_group(record, changes)
    }

    fn put_group(
        &mut self,
        record: GroupRecord,
        changes: &mut Vec<Change>,
    ) -> Result<GroupRecord, ApiError> {
        let core = record.to_core();
        self.catalog.check_group(&core)?;
        self.catalog.insert_group(core)?;
        self.groups.insert(record.id, record.clone());
        changes.push(Change::Group(record.clone()));
        Ok(record)
    }

    pub fn group(&self, id: u32) -> Result<GroupRecord, ApiError> {
        Ok(self
            .groups
            .get(&id)
            .cloned()
            .ok_or(CatalogError::GroupNotFound(GroupId(id)))?)
    }

    /// The groups on a category itself (not inherited), ordered by (position, id).
    pub fn groups_of_category(&self, id: u32) -> Result<Vec<GroupRecord>, ApiError> {
        self.require_category(id)?;
        Ok(self
            .catalog
            .groups_in_scope(Some(CategoryId(id)))
            .filter_map(|g| self.groups.get(&g.id.0).cloned())
            .collect())
    }

    fn require_category(&self, id: u32) -> Result<(), ApiError> {
        if self.categories.contains_key(&id) {
            Ok(())
        } else {
            Err(CatalogError::CategoryNotFound(CategoryId(id)).into())
        }
    }

    // ----- specification fields -----

    pub fn create_field(
        &mut self,
        input: FieldInput,
        changes: &mut Vec<Change>,
    ) -> Result<u32, ApiError> {
        let fields = &self.fields;
        let supplied = input.id.or(input.field_id);
        let id = allocate(
            &mut self.counters.field,
            supplied,
            "Id",
            |id| fields.contains_key(&id),
            |id| CatalogError::DuplicateField(FieldId(id)),
        )?;
        let field_type_id = field_type(input.field_type_id)?
            .ok_or_else(|| ApiError::InvalidBody("FieldTypeId is required".into()))?;
        let group = input
            .field_group_id
            .map(|g| to_id(g, "FieldGroupId"))
            .transpose()?
            .ok_or_else(|| ApiError::InvalidBody("FieldGroupId is required".into()))?;
        let position = match input.position {
            Some(p) => to_position(p)?,
            None => next_position(
                self.fields
                    .values()
                    .filter(|f| f.field_group_id == group)
                    .map(|f| f.position),
            ),
        };
        self.put_field(id, field_type_id, group, position, input, changes)
    }

    pub fn update_field(
        &mut self,
        id: u32,
        input: FieldInput,
        changes: &mut Vec<Change>,
    ) -> Result<u32, ApiError> {
        let old = self
            .fields
            .get(&id)
            .cloned()
            .ok_or(CatalogError::FieldNotFound(FieldId(id)))?;
        check_body_id(input.id, id)?;
        let field_type_id = field_type(input.field_type_id)?.unwrap_or(old.field_type_id);
        let group = input
            .field_group_id
            .map(|g| to_id(g, "FieldGroupId"))
            .transpose()?
            .unwrap_or(old.field_group_id);
        let position = input
            .position
            .map(to_position)
            .transpose()?
            .unwrap_or(old.position);
        self.put_field(id, field_type_id, group, position, input, changes)
    }

    fn put_field(
        &mut self,
        id: u32,
        field_type_id: i32,
        group: u32,
        position: i32,
        input: FieldInput,
        changes: &mut Vec<Change>,
    ) -> Result<u32, ApiError> {
        let category_id = input
            .category_id
            .map(|c| to_id(c, "CategoryId"))
            .transpose()?;
        let record = FieldRecord {
            id,
            field_type_id,
            field_group_id: group,
            name: input.name.unwrap_or_default(),
            description: input.description,
            position,
            is_filter: input.is_filter.unwrap_or(false),
            is_required: input.is_required.unwrap_or(false),
            is_on_product_details: input.is_on_product_details.unwrap_or(false),
            is_stock_keeping_unit: input.is_stock_keeping_unit.unwrap_or(false),
            is_wizard: input.is_wizard,
            is_active: input.is_active.unwrap_or(true),
            is_top_menu_link_active: input.is_top_menu_link_active.unwrap_or(false),
            is_side_menu_link_active: input.is_side_menu_link_active.unwrap_or(false),
            default_value: input.default_value,
        };
        let mut core = record.to_core();
        // A CategoryId in the body must agree with the group's (ponte-core checks it).
        core.category_id = category_id.map(CategoryId);
        self.catalog.check_field(&core)?;
        self.catalog.insert_field(core)?;
        self.fields.insert(id, record.clone());
        changes.push(Change::Field(record));
        Ok(id)
    }

    fn field_record(&self, id: u32) -> Result<&FieldRecord, ApiError> {
        Ok(self
            .fields
            .get(&id)
            .ok_or(CatalogError::FieldNotFound(FieldId(id)))?)
    }

    fn field_category(&self, id: u32) -> Option<u32> {
        self.catalog
            .field(FieldId(id))
            .and_then(|f| f.category_id)
            .map(|c| c.0)
    }

    pub fn field_response(&self, id: u32) -> Result<FieldResponse, ApiError> {
        let f = self.field_record(id)?.clone();
        Ok(FieldResponse {
            id: f.id,
            field_type_id: f.field_type_id,
            category_id: self.field_category(id),
            field_group_id: f.field_group_id,
            name: f.name,
            description: f.description,
            position: f.position,
            is_filter: f.is_filter,
            is_required: f.is_required,
            is_on_product_details: f.is_on_product_details,
            is_stock_keeping_unit: f.is_stock_keeping_unit,
            is_wizard: f.is_wizard,
            is_active: f.is_active,
            is_top_menu_link_active: f.is_top_menu_link_active,
            is_side_menu_link_active: f.is_side_menu_link_active,
            default_value: f.default_value,
        })
    }

    pub fn field_get(&self, id: u32) -> Result<FieldGetResponse, ApiError> {
        let f = self.field_record(id)?.clone();
        let group_name = self
            .groups
            .get(&f.field_group_id)
            .map(|g| g.name.clone())
            .unwrap_or_default();
        Ok(FieldGetResponse {
            name: f.name,
            category_id: self.field_category(id),
            field_id: f.id,
            is_active: f.is_active,
            is_required: f.is_required,
            field_type_id: f.field_type_id,
            field_type_name: field_type_name(f.field_type_id),
            field_value_id: None,
            description: f.description,
            is_stock_keeping_unit: f.is_stock_keeping_unit,
            is_filter: f.is_filter,
            is_on_product_details: f.is_on_product_details,
            position: f.position,
            is_wizard: f.is_wizard,
            is_top_menu_link_active: f.is_top_menu_link_active,
            is_side_menu_link_active: f.is_side_menu_link_active,
            default_value: f.default_value,
            field_group_id: f.field_group_id,
            field_group_name: group_name,
        })
    }

    /// Fields of the groups on one scope, groups by (position, id), fields by (position, id),
    /// active or not.
    fn fields_in_scope(&self, scope: Option<CategoryId>) -> Vec<FieldListEntry> {
        let mut out = Vec::new();
        for group in self.catalog.groups_in_scope(scope) {
            let mut members: Vec<&FieldRecord> = self
                .fields
                .values()
                .filter(|f| f.field_group_id == group.id.0)
                .collect();
            members.sort_by_key(|f| (f.position, f.id));
            out.extend(members.into_iter().map(|f| FieldListEntry {
                name: f.name.clone(),
                category_id: scope.map(|c| c.0),
                field_id: f.id,
                is_active: f.is_active,
                is_stock_keeping_unit: f.is_stock_keeping_unit,
            }));
        }
        out
    }

    /// `listByCategoryId`: the fields of the groups on the category itself.
    pub fn fields_of_category(&self, id: u32) -> Result<Vec<FieldListEntry>, ApiError> {
        self.require_category(id)?;
        Ok(self.fields_in_scope(Some(CategoryId(id))))
    }

    /// `listTreeByCategoryId`: every field visible at the category: root level first, then
    /// from the department down to the category itself (ponte-core's inheritance order),
    /// active or not (`IsActive` tells).
    pub fn fields_tree_of_category(&self, id: u32) -> Result<Vec<FieldListEntry>, ApiError> {
        let path = self.catalog.path_ids(CategoryId(id))?;
        let mut out = self.fields_in_scope(None);
        for c in path {
            out.extend(self.fields_in_scope(Some(c)));
        }
        Ok(out)
    }

    // ----- specification values -----

    pub fn create_value(
        &mut self,
        input: ValueInput,
        changes: &mut Vec<Change>,
    ) -> Result<ValueRecord, ApiError> {
        let values = &self.values;
        let supplied = input.field_value_id.or(input.id);
        let id = allocate(
            &mut self.counters.value,
            supplied,
            "FieldValueId",
            |id| values.contains_key(&id),
            |id| CatalogError::DuplicateValue(FieldValueId(id)),
        )?;
        let field = input
            .field_id
            .map(|f| to_id(f, "FieldId"))
            .transpose()?
            .ok_or_else(|| ApiError::InvalidBody("FieldId is required".into()))?;
        let position = match input.position {
            Some(p) => to_position(p)?,
            None => next_position(self.catalog.values_of(FieldId(field)).map(|v| v.position)),
        };
        self.put_value(id, field, position, input, changes)
    }

    pub fn update_value(
        &mut self,
        id: u32,
        input: ValueInput,
        changes: &mut Vec<Change>,
    ) -> Result<ValueRecord, ApiError> {
        let old = self
            .values
            .get(&id)
            .cloned()
            .ok_or(ApiError::ValueNotFound(id))?;
        if let Some(body_id) = input.field_value_id.or(input.id) {
            check_body_id(Some(body_id), id)?;
        }
        let field = input
            .field_id
            .map(|f| to_id(f, "FieldId"))
            .transpose()?
            .unwrap_or(old.field_id);
        let position = input
            .position
            .map(to_position)
            .transpose()?
            .unwrap_or(old.position);
        self.put_value(id, field, position, input, changes)
    }

    fn put_value(
        &mut self,
        id: u32,
        field: u32,
        position: i32,
        input: ValueInput,
        changes: &mut Vec<Change>,
    ) -> Result<ValueRecord, ApiError> {
        let record = ValueRecord {
            field_value_id: id,
            field_id: field,
            name: input.name.unwrap_or_default(),
            text: input.text,
            is_active: input.is_active.unwrap_or(true),
            position,
        };
        let core = record.to_core();
        self.catalog.check_value(&core)?;
        self.catalog.insert_value(core)?;
        self.values.insert(id, record.clone());
        changes.push(Change::Value(record.clone()));
        Ok(record)
    }

    pub fn value(&self, id: u32) -> Result<ValueRecord, ApiError> {
        self.values
            .get(&id)
            .cloned()
            .ok_or(ApiError::ValueNotFound(id))
    }

    /// Values of a field ordered by (position, id), active or not.
    pub fn values_of_field(&self, id: u32) -> Result<Vec<ValueListEntry>, ApiError> {
        self.field_record(id)?;
        Ok(self
            .catalog
            .values_of(FieldId(id))
            .filter_map(|v| self.values.get(&v.id.0))
            .map(|v| ValueListEntry {
                field_value_id: v.field_value_id,
                value: v.name.clone(),
                is_active: v.is_active,
                position: v.position,
            })
            .collect())
    }
}

/// An `Id` in an update body must name the entity of the path (or be `0`/absent).
fn check_body_id(body: Option<i64>, path: u32) -> Result<(), ApiError> {
    match body {
        Some(b) if b != 0 && b != i64::from(path) => Err(ApiError::InvalidBody(format!(
            "the body's id {b} does not match the id {path} in the path"
        ))),
        _ => Ok(()),
    }
}
