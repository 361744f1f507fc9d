//! Proptest strategies for catalogs, valid and broken, and for requests over them.
//!
//! A strategy draws a plan of plain numbers (one tuple per entity) and [`build`]s the snapshot
//! from it deterministically, so shrinking works on the numbers: fewer categories, smaller
//! choices, the first suffix. Ids are shuffled independently of the tree shape (a child may
//! have a smaller id than its father), sometimes shifted near `u32::MAX`, and the snapshot's
//! entity order is rotated, because [`ponte_core::catalog::Catalog::from_snapshot`] accepts
//! any order.

use ponte_core::catalog::{
    CatalogSnapshot, Category, CategoryTreeRequest, EffectiveSpecificationsRequest, FieldType,
    MAX_DEPTH, MAX_FIELD_NAME, MAX_NAME, MoveImpactRequest, SpecificationField, SpecificationGroup,
    SpecificationValue,
};
use ponte_core::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// How large a generated catalog may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub max_categories: usize,
    /// Deepest level (departments are level 1); at most [`MAX_DEPTH`].
    pub max_depth: usize,
}

impl Bounds {
    pub const SMALL: Bounds = Bounds {
        max_categories: 12,
        max_depth: 4,
    };
    pub const MEDIUM: Bounds = Bounds {
        max_categories: 300,
        max_depth: 8,
    };
    pub const LARGE: Bounds = Bounds {
        max_categories: 3000,
        max_depth: 8,
    };
}

/// Mostly small catalogs (fast to shrink, dense in edge cases), some hundreds of categories,
/// now and then thousands.
pub fn any_bounds() -> impl Strategy<Value = Bounds> {
    prop_oneof![
        6 => Just(Bounds::SMALL),
        3 => Just(Bounds::MEDIUM),
        1 => Just(Bounds::LARGE),
    ]
}

/// Name endings that exercise JSON escaping, UTF-8 and JavaScript strings.
const SUFFIXES: [&str; 12] = [
    "",
    "",
    "",
    " \"quoted\"",
    " back\\slash",
    " ação",
    " 🙂",
    "\ttab",
    " <b>&amp;</b>",
    " \u{2028}line",
    " trailing ",
    " \u{0}nul",
];

fn name(kind: &str, id: u32, choice: u8, max: usize) -> String {
    let base = format!(
        "{kind} {id}{}",
        SUFFIXES[usize::from(choice) % SUFFIXES.len()]
    );
    if choice % 16 == 15 {
        // Exactly at the limit, in multi-byte characters: the limit counts characters.
        let mut padded = base.chars().take(max).collect::<String>();
        while padded.chars().count() < max {
            padded.push('é');
        }
        padded
    } else {
        base
    }
}

type CategoryPlan = (u32, u8, u8);
type GroupPlan = (u32, i32, u8);
type FieldPlan = (u32, u8, u8, i32, u8);
type ValuePlan = (u32, u8, i32, u8);

/// Everything a catalog is built from; see [`build`].
#[derive(Debug, Clone)]
pub struct Plan {
    pub max_depth: usize,
    categories: Vec<CategoryPlan>,
    groups: Vec<GroupPlan>,
    fields: Vec<FieldPlan>,
    values: Vec<ValuePlan>,
    /// Shuffled id pools, one per entity kind.
    ids: [Vec<u32>; 4],
    high_ids: bool,
    rotate: u32,
}

fn shuffled_ids(count: usize) -> impl Strategy<Value = Vec<u32>> {
    let top = u32::try_from(count.max(1) * 2).unwrap_or(u32::MAX);
    Just((1..=top).collect::<Vec<u32>>()).prop_shuffle()
}

/// The plan of a valid catalog of at most `bounds.max_categories` categories.
pub fn plan(bounds: Bounds) -> impl Strategy<Value = Plan> {
    let max_depth = bounds.max_depth.clamp(1, MAX_DEPTH);
    (1..=bounds.max_categories.max(1)).prop_flat_map(move |n| {
        let max_groups = n / 2 + 4;
        let max_fields = max_groups * 3;
        let max_values = max_fields * 2;
        (
            vec((any::<u32>(), any::<u8>(), any::<u8>()), n),
            vec((any::<u32>(), -1..4i32, any::<u8>()), 0..=max_groups),
            vec(
                (
                    any::<u32>(),
                    any::<u8>(),
                    any::<u8>(),
                    -1..4i32,
                    any::<u8>(),
                ),
                0..=max_fields,
            ),
            vec(
                (any::<u32>(), any::<u8>(), -1..4i32, any::<u8>()),
                0..=max_values,
            ),
            [
                shuffled_ids(n),
                shuffled_ids(max_groups),
                shuffled_ids(max_fields),
                shuffled_ids(max_values),
            ],
            prop::bool::weighted(0.1),
            any::<u32>(),
        )
            .prop_map(
                move |(categories, groups, fields, values, ids, high_ids, rotate)| Plan {
                    max_depth,
                    categories,
                    groups,
                    fields,
                    values,
                    ids,
                    high_ids,
                    rotate,
                },
            )
    })
}

/// A valid catalog (see [`build`]).
pub fn catalog(bounds: Bounds) -> impl Strategy<Value = CatalogSnapshot> {
    plan(bounds).prop_map(|p| build(&p))
}

fn pick<T: Copy>(items: &[T], choice: u32) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        items.get(choice as usize % items.len()).copied()
    }
}

/// Builds the valid snapshot a plan describes: a forest at most `max_depth` deep, groups on
/// categories or the root level, fields of every type (SKU fields only Combo or Radio), values
/// on the types that take them, some fields and values inactive, some categories inactive or
/// claiming children they do not have here.
pub fn build(plan: &Plan) -> CatalogSnapshot {
    let offset = if plan.high_ids { 4_000_000_000 } else { 0 };
    let id = |kind: usize, index: usize| plan.ids[kind][index] + offset;

    let mut categories: Vec<Category> = Vec::with_capacity(plan.categories.len());
    let mut depth: Vec<usize> = Vec::with_capacity(plan.categories.len());
    // Indexes of categories that may take children.
    let mut open: Vec<usize> = Vec::new();
    for (i, &(father_choice, flags, name_choice)) in plan.categories.iter().enumerate() {
        let father = match father_choice % 6 {
            _ if open.is_empty() => None,
            0 => None,
            1 => open.last().copied(), // grow chains, to reach the depth bound
            _ => pick(&open, father_choice / 6),
        };
        let d = father.map_or(1, |f| depth[f] + 1);
        let cid = id(0, i);
        categories.push(Category {
            id: CategoryId(cid),
            name: name("Category", cid, name_choice, MAX_NAME),
            father_category_id: father.map(|f| categories[f].id),
            is_active: flags % 7 != 0,
            has_children: match (flags / 7) % 10 {
                0 => Some(true),
                1 => Some(false),
                _ => None,
            },
        });
        depth.push(d);
        if d < plan.max_depth {
            open.push(i);
        }
    }

    let category_ids: Vec<CategoryId> = categories.iter().map(|c| c.id).collect();
    let groups: Vec<SpecificationGroup> = plan
        .groups
        .iter()
        .enumerate()
        .map(|(i, &(scope, position, name_choice))| {
            let gid = id(1, i);
            SpecificationGroup {
                id: GroupId(gid),
                category_id: if scope % 5 == 0 {
                    None
                } else {
                    pick(&category_ids, scope / 5)
                },
                name: name("Group", gid, name_choice, MAX_NAME),
                position,
            }
        })
        .collect();

    let mut fields: Vec<SpecificationField> = Vec::new();
    for (i, &(group_choice, type_choice, sku_choice, position, flags)) in
        plan.fields.iter().enumerate()
    {
        if groups.is_empty() {
            break;
        }
        let group = &groups[group_choice as usize % groups.len()];
        // Combo and Radio twice as likely: they are the SKU types and carry values.
        let field_type = match type_choice % 10 {
            8 => FieldType::Combo,
            9 => FieldType::Radio,
            t => FieldType::ALL[usize::from(t)],
        };
        let fid = id(2, i);
        fields.push(SpecificationField {
            id: FieldId(fid),
            name: name("Field", fid, sku_choice / 2, MAX_FIELD_NAME),
            field_type_id: field_type.id(),
            field_group_id: group.id,
            category_id: if flags & 1 == 1 {
                group.category_id
            } else {
                None
            },
            position,
            is_required: flags & 2 == 2,
            is_active: flags % 9 != 0,
            is_filter: flags & 4 == 4,
            is_stock_keeping_unit: sku_choice % 2 == 1 && field_type.allowed_on_sku(),
        });
    }

    let value_fields: Vec<FieldId> = fields
        .iter()
        .filter(|f| FieldType::from_id(f.field_type_id).is_some_and(FieldType::has_values))
        .map(|f| f.id)
        .collect();
    let values: Vec<SpecificationValue> = if value_fields.is_empty() {
        Vec::new()
    } else {
        plan.values
            .iter()
            .enumerate()
            .filter_map(|(i, &(field_choice, flags, position, name_choice))| {
                let vid = id(3, i);
                Some(SpecificationValue {
                    id: FieldValueId(vid),
                    field_id: pick(&value_fields, field_choice)?,
                    name: name("Value", vid, name_choice, MAX_NAME),
                    is_active: flags % 6 != 0,
                    position,
                })
            })
            .collect()
    };

    let mut snapshot = CatalogSnapshot {
        categories,
        groups,
        fields,
        values,
    };
    rotate(&mut snapshot.categories, plan.rotate);
    rotate(&mut snapshot.groups, plan.rotate / 3);
    rotate(&mut snapshot.fields, plan.rotate / 7);
    rotate(&mut snapshot.values, plan.rotate / 11);
    snapshot
}

fn rotate<T>(items: &mut [T], by: u32) {
    if !items.is_empty() {
        let by = by as usize % items.len();
        items.rotate_left(by);
    }
}

/// How a valid catalog was broken, and the error code the core must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breakage {
    pub kind: &'static str,
    pub code: &'static str,
}

/// The number of distinct ways [`break_catalog`] knows.
pub const BREAKAGES: u8 = 15;

/// A valid catalog broken in exactly one way, with the code that names the broken rule.
pub fn invalid_catalog(bounds: Bounds) -> impl Strategy<Value = (CatalogSnapshot, Breakage)> {
    (catalog(bounds), 0..BREAKAGES, any::<u32>(), any::<u32>()).prop_map(
        |(mut snapshot, kind, a, b)| {
            let breakage = break_catalog(&mut snapshot, kind, a, b);
            (snapshot, breakage)
        },
    )
}

fn fresh(ids: impl Iterator<Item = u32>) -> u32 {
    ids.max().map_or(1, |m| m.saturating_add(1))
}

fn fresh_category(s: &CatalogSnapshot) -> CategoryId {
    CategoryId(fresh(s.categories.iter().map(|c| c.id.0)))
}
fn fresh_group(s: &CatalogSnapshot) -> GroupId {
    GroupId(fresh(s.groups.iter().map(|g| g.id.0)))
}
fn fresh_field(s: &CatalogSnapshot) -> FieldId {
    FieldId(fresh(s.fields.iter().map(|f| f.id.0)))
}
fn fresh_value(s: &CatalogSnapshot) -> FieldValueId {
    FieldValueId(fresh(s.values.iter().map(|v| v.id.0)))
}

/// Index of a field of a type that takes values (`true`) or not (`false`), adding one (in a
/// new root-level group) when there is none.
fn ensure_field(s: &mut CatalogSnapshot, choice: u32, with_values: bool) -> usize {
    let matching: Vec<usize> = (0..s.fields.len())
        .filter(|&i| {
            FieldType::from_id(s.fields[i].field_type_id)
                .is_some_and(|t| t.has_values() == with_values)
        })
        .collect();
    if let Some(i) = pick(&matching, choice) {
        return i;
    }
    let group = fresh_group(s);
    s.groups.push(SpecificationGroup {
        id: group,
        category_id: None,
        name: "Added group".into(),
        position: 0,
    });
    let id = fresh_field(s);
    s.fields.push(SpecificationField {
        id,
        name: "Added field".into(),
        field_type_id: if with_values {
            FieldType::Combo.id()
        } else {
            FieldType::Text.id()
        },
        field_group_id: group,
        category_id: None,
        position: 0,
        is_required: false,
        is_active: true,
        is_filter: false,
        is_stock_keeping_unit: false,
    });
    s.fields.len() - 1
}

fn ensure_group(s: &mut CatalogSnapshot, choice: u32) -> usize {
    if s.groups.is_empty() {
        let id = fresh_group(s);
        s.groups.push(SpecificationGroup {
            id,
            category_id: None,
            name: "Added group".into(),
            position: 0,
        });
    }
    choice as usize % s.groups.len()
}

fn ensure_value(s: &mut CatalogSnapshot, choice: u32) -> usize {
    if s.values.is_empty() {
        let field = ensure_field(s, choice, true);
        let id = fresh_value(s);
        let field_id = s.fields[field].id;
        s.values.push(SpecificationValue {
            id,
            field_id,
            name: "Added value".into(),
            is_active: true,
            position: 0,
        });
    }
    choice as usize % s.values.len()
}

/// The ids of `root` and its descendants.
pub fn subtree(s: &CatalogSnapshot, root: CategoryId) -> Vec<CategoryId> {
    let mut children: BTreeMap<CategoryId, Vec<CategoryId>> = BTreeMap::new();
    for c in &s.categories {
        if let Some(f) = c.father_category_id {
            children.entry(f).or_default().push(c.id);
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        out.extend(children.get(&out[i]).into_iter().flatten().copied());
        i += 1;
    }
    out
}

/// The level of a category (1 for a department) in a valid snapshot.
pub fn level(s: &CatalogSnapshot, id: CategoryId) -> usize {
    let fathers: BTreeMap<CategoryId, Option<CategoryId>> = s
        .categories
        .iter()
        .map(|c| (c.id, c.father_category_id))
        .collect();
    let mut level = 0;
    let mut cursor = Some(id);
    while let Some(c) = cursor {
        level += 1;
        cursor = fathers.get(&c).copied().flatten();
    }
    level
}

/// Breaks a valid snapshot in one way (`kind` modulo [`BREAKAGES`]), choosing the victim with
/// `a` and details with `b`; every other rule stays satisfied, so the code is determined.
pub fn break_catalog(s: &mut CatalogSnapshot, kind: u8, a: u32, b: u32) -> Breakage {
    let n = s.categories.len();
    let ci = a as usize % n.max(1);
    let breakage = |kind, code| Breakage { kind, code };
    match kind % BREAKAGES {
        0 => {
            let mut copy = s.categories[ci].clone();
            copy.name = format!("{} again", copy.name.trim());
            let at = b as usize % (n + 1);
            s.categories.insert(at, copy);
            breakage("duplicate category id", "CATEGORY_DUPLICATE_ID")
        }
        1 => {
            s.categories[ci].father_category_id = Some(fresh_category(s));
            breakage("father does not exist", "CATEGORY_FATHER_NOT_FOUND")
        }
        2 => {
            let below = subtree(s, s.categories[ci].id);
            s.categories[ci].father_category_id = pick(&below, b);
            breakage("father inside own subtree", "CATEGORY_CYCLE")
        }
        3 => {
            let mut father = s.categories[ci].id;
            let start = level(s, father);
            for _ in start..=MAX_DEPTH {
                let id = fresh_category(s);
                s.categories.push(Category {
                    id,
                    name: format!("Deep {id}"),
                    father_category_id: Some(father),
                    is_active: true,
                    has_children: None,
                });
                father = id;
            }
            breakage("chain one level too deep", "CATEGORY_TOO_DEEP")
        }
        4 => {
            let bad_names = |max: usize| {
                [
                    "".to_owned(),
                    "   ".to_owned(),
                    "\t\n".to_owned(),
                    "x".repeat(max + 1),
                    "é".repeat(max + 1),
                ]
            };
            let which = b as usize % 5;
            match (b / 5) % 4 {
                1 => {
                    let g = ensure_group(s, a);
                    s.groups[g].name = bad_names(MAX_NAME)[which].clone();
                }
                2 => {
                    let f = ensure_field(s, a, a.is_multiple_of(2));
                    s.fields[f].name = bad_names(MAX_FIELD_NAME)[which].clone();
                }
                3 => {
                    let v = ensure_value(s, a);
                    s.values[v].name = bad_names(MAX_NAME)[which].clone();
                }
                _ => s.categories[ci].name = bad_names(MAX_NAME)[which].clone(),
            }
            breakage("empty or over-long name", "NAME_INVALID")
        }
        5 => {
            let g = ensure_group(s, a);
            let copy = s.groups[g].clone();
            s.groups.insert(b as usize % (s.groups.len() + 1), copy);
            breakage("duplicate group id", "SPEC_GROUP_DUPLICATE_ID")
        }
        6 => {
            let g = ensure_group(s, a);
            s.groups[g].category_id = Some(fresh_category(s));
            // Its fields named the old category; they are checked after groups.
            breakage(
                "group on a missing category",
                "SPEC_GROUP_CATEGORY_NOT_FOUND",
            )
        }
        7 => {
            let f = ensure_field(s, a, b.is_multiple_of(2));
            let copy = s.fields[f].clone();
            s.fields.insert(b as usize % (s.fields.len() + 1), copy);
            breakage("duplicate field id", "SPEC_FIELD_DUPLICATE_ID")
        }
        8 => {
            let f = ensure_field(s, a, b.is_multiple_of(2));
            s.fields[f].field_group_id = fresh_group(s);
            breakage("field in a missing group", "SPEC_FIELD_GROUP_NOT_FOUND")
        }
        9 => {
            let f = ensure_field(s, a, b.is_multiple_of(2));
            s.fields[f].category_id = Some(fresh_category(s));
            breakage(
                "field category disagrees with its group's",
                "SPEC_FIELD_CATEGORY_MISMATCH",
            )
        }
        10 => {
            let f = ensure_field(s, a, b.is_multiple_of(2));
            s.fields[f].field_type_id = [0, 3, 10, 255][b as usize % 4];
            breakage("unknown field type id", "SPEC_FIELD_TYPE_UNKNOWN")
        }
        11 => {
            let f = ensure_field(s, a, b.is_multiple_of(2));
            s.fields[f].is_stock_keeping_unit = true;
            s.fields[f].field_type_id = [1, 2, 4, 7, 8, 9][b as usize % 6];
            breakage(
                "SKU field of a type other than Combo or Radio",
                "SPEC_FIELD_SKU_TYPE_NOT_ALLOWED",
            )
        }
        12 => {
            let v = ensure_value(s, a);
            let mut copy = s.values[v].clone();
            copy.name = format!("{} again", copy.name.trim());
            s.values.insert(b as usize % (s.values.len() + 1), copy);
            breakage("duplicate value id", "SPEC_VALUE_DUPLICATE_ID")
        }
        13 => {
            let v = ensure_value(s, a);
            s.values[v].field_id = fresh_field(s);
            breakage("value of a missing field", "SPEC_VALUE_FIELD_NOT_FOUND")
        }
        _ => {
            let f = ensure_field(s, a, false);
            let id = fresh_value(s);
            let field_id = s.fields[f].id;
            s.values.push(SpecificationValue {
                id,
                field_id,
                name: "On text".into(),
                is_active: b.is_multiple_of(2),
                position: 0,
            });
            breakage(
                "value on a field without values",
                "SPEC_VALUE_FIELD_TAKES_NO_VALUES",
            )
        }
    }
}

/// One request of the JSON ABI (`{"op", "input"}`).
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    EffectiveSpecifications(EffectiveSpecificationsRequest),
    CategoryTree(CategoryTreeRequest),
    MoveImpact(MoveImpactRequest),
    Version,
}

impl Request {
    pub fn op(&self) -> &'static str {
        match self {
            Request::EffectiveSpecifications(_) => "effectiveSpecifications",
            Request::CategoryTree(_) => "categoryTree",
            Request::MoveImpact(_) => "moveImpact",
            Request::Version => "version",
        }
    }

    /// The envelope as JSON.
    pub fn to_json(&self) -> Value {
        let input = match self {
            Request::EffectiveSpecifications(r) => serde_json::to_value(r),
            Request::CategoryTree(r) => serde_json::to_value(r),
            Request::MoveImpact(r) => serde_json::to_value(r),
            Request::Version => Ok(Value::Null),
        };
        // The request types are plain data with string keys: serialising them cannot fail.
        json!({ "op": self.op(), "input": input.unwrap_or(Value::Null) })
    }

    /// The envelope as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }
}

/// A category of the snapshot (by `choice`), or one that does not exist (one time in eight).
fn some_category(s: &CatalogSnapshot, choice: u32) -> CategoryId {
    match s
        .categories
        .get(choice as usize % s.categories.len().max(1))
    {
        Some(c) if !choice.is_multiple_of(8) => c.id,
        _ => fresh_category(s),
    }
}

/// A request of any operation over `catalogs`, mostly about existing categories.
pub fn request_over(
    catalogs: impl Strategy<Value = CatalogSnapshot>,
) -> impl Strategy<Value = Request> {
    (catalogs, 0..16u8, any::<u32>(), any::<u32>()).prop_map(|(catalog, op, a, b)| match op {
        0..=6 => Request::EffectiveSpecifications(EffectiveSpecificationsRequest {
            category_id: some_category(&catalog, a),
            catalog,
        }),
        7..=8 => Request::CategoryTree(CategoryTreeRequest { catalog }),
        9..=14 => Request::MoveImpact(MoveImpactRequest {
            category_id: some_category(&catalog, a),
            new_father_category_id: if b % 5 == 0 {
                None
            } else {
                Some(some_category(&catalog, b))
            },
            catalog,
        }),
        _ => Request::Version,
    })
}

/// Requests over valid catalogs and over catalogs broken in one way.
pub fn request(bounds: Bounds) -> impl Strategy<Value = Request> {
    prop_oneof![
        3 => request_over(catalog(bounds)),
        1 => request_over(invalid_catalog(bounds).prop_map(|(s, _)| s)),
    ]
}

/// Bytes that are not a well-formed request: random bytes, truncated or corrupted requests,
/// wrong envelopes and inputs of the wrong shape.
pub fn garbage(bounds: Bounds) -> impl Strategy<Value = Vec<u8>> {
    let envelope_errors = prop_oneof![
        Just(Vec::new()),
        Just(b"null".to_vec()),
        Just(b"{}".to_vec()),
        Just(b"[]".to_vec()),
        Just(b"\xef\xbb\xbf{\"op\":\"version\"}".to_vec()),
        Just(b"{\"op\":\"version\",\"op\":\"version\"}".to_vec()),
        Just(b"{\"op\":5,\"input\":{}}".to_vec()),
        Just(b"{\"op\":\"categoryTree\"}".to_vec()),
        Just(b"{\"op\":\"categoryTree\",\"input\":null}".to_vec()),
        Just(b"{\"op\":\"categoryTree\",\"input\":{\"catalog\":[]}}".to_vec()),
        Just(b"{\"op\":\"effectiveSpecifications\",\"input\":{\"catalog\":{},\"categoryId\":-1}}".to_vec()),
        Just(b"{\"op\":\"effectiveSpecifications\",\"input\":{\"catalog\":{},\"categoryId\":4294967296}}".to_vec()),
        Just(b"{\"op\":\"effectiveSpecifications\",\"input\":{\"catalog\":{},\"categoryId\":1.5}}".to_vec()),
        Just(b"{\"op\":\"effectiveSpecifications\",\"input\":{\"catalog\":{},\"categoryId\":\"1\"}}".to_vec()),
        Just(b"{\"op\":\"categoryTree\",\"input\":{\"catalog\":{\"categories\":[{\"id\":1,\"name\":\"\\ud800\"}]}}}".to_vec()),
        Just(b"{\"op\":\"categoryTree\",\"input\":{\"catalog\":{\"categories\":[{\"id\":1,\"name\":\"\xff\"}]}}}".to_vec()),
        Just(b"{\"op\":\"categoryTree\",\"input\":{\"catalog\":{\"fields\":[{\"id\":1,\"name\":\"a\",\"fieldTypeId\":256,\"fieldGroupId\":1}]}}}".to_vec()),
        Just(format!("{{\"op\":\"version\",\"input\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()),
        Just(format!("{{\"op\":\"categoryTree\",\"input\":{}}}", "[".repeat(5_000)).into_bytes()),
        "[a-zA-Z]{0,12}".prop_map(|op| format!("{{\"op\":{op:?},\"input\":{{}}}}").into_bytes()),
    ];
    prop_oneof![
        2 => vec(any::<u8>(), 0..256),
        2 => envelope_errors,
        3 => (request(bounds), any::<u32>()).prop_map(|(r, cut)| {
            let mut bytes = r.to_bytes();
            bytes.truncate(cut as usize % bytes.len().max(1));
            bytes
        }),
        3 => (request(bounds), any::<u32>(), any::<u8>()).prop_map(|(r, at, byte)| {
            let mut bytes = r.to_bytes();
            let len = bytes.len();
            if len > 0 {
                bytes[at as usize % len] = byte;
            }
            bytes
        }),
    ]
}

/// Raw ABI input: well-formed requests (most of the time) or garbage.
pub fn abi_input(bounds: Bounds) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => request(bounds).prop_map(|r| r.to_bytes()),
        1 => garbage(bounds),
    ]
}
