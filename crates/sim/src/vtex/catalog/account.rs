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

/// An optional id property of a body, checked like [`to_id`].
fn opt_id(value: Option<i64>, property: &str) -> Result<Option<u32>, ApiError> {
    value.map(|v| to_id(v, property)).transpose()
}

/// A reference of a body that may be `null` (`FatherCategoryId`, a group's `CategoryId`):
/// absent keeps the `stored` one on update; absent or `null` on create is none.
fn reference(
    value: Option<Option<i64>>,
    stored: Option<Option<u32>>,
    property: &str,
) -> Result<Option<u32>, ApiError> {
    match (value, stored) {
        (None, Some(stored)) => Ok(stored),
        (value, _) => opt_id(value.flatten(), property),
    }
}

/// A required id property of a body.
fn required_id(value: Option<i64>, property: &str) -> Result<u32, ApiError> {
    opt_id(value, property)?.ok_or_else(|| ApiError::InvalidBody(format!("{property} is required")))
}

/// `Position` of a body; when absent, the stored position on update, `append()` on create.
fn position(
    value: Option<i64>,
    stored: Option<i32>,
    append: impl FnOnce() -> i32,
) -> Result<i32, ApiError> {
    match value {
        Some(p) => to_position(p),
        None => Ok(stored.unwrap_or_else(append)),
    }
}

/// A counter raised to the largest id in use.
fn at_least_max_key<T>(counter: u32, records: &BTreeMap<u32, T>) -> u32 {
    counter.max(records.keys().max().copied().unwrap_or(0))
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

/// What creating, updating and reading one kind of record (category, group, field, value)
/// share: where it is kept, its id counter and its not-found and duplicate errors.
pub(crate) trait Kind: Clone + Sized {
    /// The body property that may carry a new record's id.
    const ID_PROPERTY: &'static str;
    fn id(&self) -> u32;
    fn table(a: &AccountCatalog) -> &BTreeMap<u32, Self>;
    fn table_mut(a: &mut AccountCatalog) -> &mut BTreeMap<u32, Self>;
    /// The counter and the table, borrowed together for [`allocate`].
    fn counter_and_table(a: &mut AccountCatalog) -> (&mut u32, &BTreeMap<u32, Self>);
    fn not_found(id: u32) -> ApiError;
    fn duplicate(id: u32) -> CatalogError;
    fn change(self) -> Change;
}

/// One row a kind: record, table, counter, id field, id property, change, not found, duplicate.
macro_rules! kinds {
    ($($record:ty: $table:ident, $counter:ident, $id:ident, $property:literal, $change:ident,
       $not_found:expr, $duplicate:expr;)*) => {$(
        impl Kind for $record {
            const ID_PROPERTY: &'static str = $property;
            fn id(&self) -> u32 {
                self.$id
            }
            fn table(a: &AccountCatalog) -> &BTreeMap<u32, Self> {
                &a.$table
            }
            fn table_mut(a: &mut AccountCatalog) -> &mut BTreeMap<u32, Self> {
                &mut a.$table
            }
            fn counter_and_table(a: &mut AccountCatalog) -> (&mut u32, &BTreeMap<u32, Self>) {
                (&mut a.counters.$counter, &a.$table)
            }
            fn not_found(id: u32) -> ApiError {
                $not_found(id).into()
            }
            fn duplicate(id: u32) -> CatalogError {
                $duplicate(id)
            }
            fn change(self) -> Change {
                Change::$change(self)
            }
        }
    )*};
}

use CatalogError as E;
kinds! {
    CategoryRecord: categories, category, id, "Id", Category, |i| E::CategoryNotFound(CategoryId(i)), |i| E::DuplicateCategory(CategoryId(i));
    GroupRecord: groups, group, id, "Id", Group, |i| E::GroupNotFound(GroupId(i)), |i| E::DuplicateGroup(GroupId(i));
    FieldRecord: fields, field, id, "Id", Field, |i| E::FieldNotFound(FieldId(i)), |i| E::DuplicateField(FieldId(i));
    ValueRecord: values, value, field_value_id, "FieldValueId", Value, ApiError::ValueNotFound, |i| E::DuplicateValue(FieldValueId(i));
}

/// A kind whose record ponte-core takes as it is (a field's takes the body's `CategoryId`).
trait Admit: Kind {
    /// Checks the record with ponte-core and, when it passes, puts it in the catalog.
    fn admit(&self, catalog: &mut Catalog) -> Result<(), CatalogError>;
}

macro_rules! admits {
    ($($record:ty: $check:ident, $insert:ident;)*) => {$(
        impl Admit for $record {
            fn admit(&self, catalog: &mut Catalog) -> Result<(), CatalogError> {
                let core = self.to_core();
                catalog.$check(&core)?;
                catalog.$insert(core)
            }
        }
    )*};
}

admits! {
    CategoryRecord: check_category, insert_category;
    GroupRecord: check_group, insert_group;
    ValueRecord: check_value, insert_value;
}

impl AccountCatalog {
    /// The stored record `id` of a kind (`GET` of a group or a value).
    pub(crate) fn get<R: Kind>(&self, id: u32) -> Result<R, ApiError> {
        R::table(self)
            .get(&id)
            .cloned()
            .ok_or_else(|| R::not_found(id))
    }

    /// The id a write goes to and the record it replaces: for an update (`path` given) the
    /// stored record, whose id an id in the body must match; for a create a new id
    /// ([`allocate`], taking `body_id` when supplied).
    fn target<R: Kind>(
        &mut self,
        path: Option<u32>,
        body_id: Option<i64>,
    ) -> Result<(u32, Option<R>), ApiError> {
        match path {
            Some(id) => {
                let old = self.get::<R>(id)?;
                check_body_id(body_id, id)?;
                Ok((id, Some(old)))
            }
            None => {
                let (counter, table) = R::counter_and_table(self);
                let id = allocate(
                    counter,
                    body_id,
                    R::ID_PROPERTY,
                    |id| table.contains_key(&id),
                    R::duplicate,
                )?;
                Ok((id, None))
            }
        }
    }

    /// Writes a record through ponte-core ([`Admit`]) and keeps it.
    fn commit<R: Admit>(&mut self, record: R, changes: &mut Vec<Change>) -> Result<R, ApiError> {
        record.admit(&mut self.catalog)?;
        Ok(self.keep(record, changes))
    }

    /// Keeps a record that ponte-core has taken, and notes the change for the store.
    fn keep<R: Kind>(&mut self, record: R, changes: &mut Vec<Change>) -> R {
        R::table_mut(self).insert(record.id(), record.clone());
        changes.push(record.clone().change());
        record
    }

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
        counters.category = at_least_max_key(counters.category, &categories);
        counters.group = at_least_max_key(counters.group, &groups);
        counters.field = at_least_max_key(counters.field, &fields);
        counters.value = at_least_max_key(counters.value, &values);
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

    /// Creates a category (`id` `None`) or updates category `id`.
    pub fn save_category(
        &mut self,
        id: Option<u32>,
        input: CategoryInput,
        changes: &mut Vec<Change>,
    ) -> Result<CategoryRecord, ApiError> {
        let (id, old) = self.target::<CategoryRecord>(id, input.id)?;
        let stored = old.as_ref().map(|o| o.father_category_id);
        let father = reference(input.father_category_id, stored, "FatherCategoryId")?;
        let name = input.name.unwrap_or_default();
        let link_id = match old {
            Some(old) if old.name == name => old.link_id,
            _ => link_id(&name),
        };
        let record = CategoryRecord {
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
        };
        self.commit(record, changes)
    }

    pub fn category_response(
        &self,
        id: u32,
        include_tree_path: bool,
    ) -> Result<CategoryResponse, ApiError> {
        let mut record = self.get::<CategoryRecord>(id)?;
        // Never-set campaign codes read as "" (the Catalog API's response examples).
        record.lomadee_campaign_code.get_or_insert_with(String::new);
        record
            .ad_words_remarketing_code
            .get_or_insert_with(String::new);
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

    /// Creates a group (`id` `None`) or updates group `id`.
    pub fn save_group(
        &mut self,
        id: Option<u32>,
        input: GroupInput,
        changes: &mut Vec<Change>,
    ) -> Result<GroupRecord, ApiError> {
        let (id, old) = self.target::<GroupRecord>(id, input.id)?;
        let stored = old.as_ref().map(|o| o.category_id);
        let category_id = reference(input.category_id, stored, "CategoryId")?;
        let position = position(input.position, old.map(|o| o.position), || {
            let scope = self.catalog.groups_in_scope(category_id.map(CategoryId));
            next_position(scope.map(|g| g.position))
        })?;
        let record = GroupRecord {
            id,
            category_id,
            name: input.name.unwrap_or_default(),
            position,
        };
        self.commit(record, changes)
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

    /// Creates a field (`id` `None`) or updates field `id`; answers its id.
    pub fn save_field(
        &mut self,
        id: Option<u32>,
        input: FieldInput,
        changes: &mut Vec<Change>,
    ) -> Result<u32, ApiError> {
        // A new field may take its id from `FieldId` as well.
        let body_id = match id {
            Some(_) => input.id,
            None => input.id.or(input.field_id),
        };
        let (id, old) = self.target::<FieldRecord>(id, body_id)?;
        let field_type_id = match (field_type(input.field_type_id)?, &old) {
            (Some(t), _) => t,
            (None, Some(old)) => old.field_type_id,
            (None, None) => return Err(ApiError::InvalidBody("FieldTypeId is required".into())),
        };
        let group = match (input.field_group_id, &old) {
            (None, Some(old)) => old.field_group_id,
            (group, _) => required_id(group, "FieldGroupId")?,
        };
        let position = position(input.position, old.map(|o| o.position), || {
            let siblings = self.fields.values().filter(|f| f.field_group_id == group);
            next_position(siblings.map(|f| f.position))
        })?;
        let category_id = opt_id(input.category_id, "CategoryId")?;
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
        Ok(self.keep(record, changes).id)
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
        Ok(FieldResponse {
            category_id: self.field_category(id),
            record: self.field_record(id)?.clone(),
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

    /// Creates a value (`id` `None`) or updates value `id`.
    pub fn save_value(
        &mut self,
        id: Option<u32>,
        input: ValueInput,
        changes: &mut Vec<Change>,
    ) -> Result<ValueRecord, ApiError> {
        let (id, old) = self.target::<ValueRecord>(id, input.field_value_id.or(input.id))?;
        let field = match (input.field_id, &old) {
            (None, Some(old)) => old.field_id,
            (field, _) => required_id(field, "FieldId")?,
        };
        let position = position(input.position, old.map(|o| o.position), || {
            next_position(self.catalog.values_of(FieldId(field)).map(|v| v.position))
        })?;
        let record = ValueRecord {
            field_value_id: id,
            field_id: field,
            name: input.name.unwrap_or_default(),
            text: input.text,
            is_active: input.is_active.unwrap_or(true),
            position,
        };
        self.commit(record, changes)
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
