use super::*;
use crate::ids::*;

pub(in crate::catalog) fn cat(id: u32, name: &str, father: Option<u32>) -> Category {
    Category {
        id: CategoryId(id),
        name: name.into(),
        father_category_id: father.map(CategoryId),
        is_active: true,
        has_children: None,
    }
}

fn group(id: u32, category: Option<u32>, name: &str, position: i32) -> SpecificationGroup {
    SpecificationGroup {
        id: GroupId(id),
        category_id: category.map(CategoryId),
        name: name.into(),
        position,
    }
}

pub(in crate::catalog) fn field(
    id: u32,
    group: u32,
    name: &str,
    type_id: i32,
    sku: bool,
) -> SpecificationField {
    SpecificationField {
        id: FieldId(id),
        name: name.into(),
        field_type_id: type_id,
        field_group_id: GroupId(group),
        category_id: None,
        position: 0,
        is_required: false,
        is_active: true,
        is_filter: false,
        is_stock_keeping_unit: sku,
    }
}

fn value(id: u32, field: u32, name: &str, position: i32) -> SpecificationValue {
    SpecificationValue {
        id: FieldValueId(id),
        field_id: FieldId(field),
        name: name.into(),
        is_active: true,
        position,
    }
}

/// Shoes(1) > Running(2) > Trail(3); Shoes > Casual(4); Books(5).
fn sample() -> CatalogSnapshot {
    let mut inactive = field(105, 20, "Old", 1, false);
    inactive.is_active = false;
    let mut late = field(106, 20, "Late", 1, false);
    late.position = 9;
    let mut hidden = value(1002, 103, "XXL", 0);
    hidden.is_active = false;
    CatalogSnapshot {
        categories: vec![
            cat(3, "Trail", Some(2)),
            cat(1, "Shoes", None),
            cat(2, "Running", Some(1)),
            cat(4, "Casual", Some(1)),
            cat(5, "Books", None),
        ],
        groups: vec![
            group(10, None, "General", 0),
            group(20, Some(1), "Shoe facts", 1),
            group(21, Some(1), "Care", 0),
            group(30, Some(3), "Trail facts", 0),
        ],
        fields: vec![
            field(101, 10, "Warranty", 1, false),
            field(102, 20, "Material", 7, false),
            late,
            inactive,
            field(103, 20, "Size", 5, true),
            field(104, 21, "Washing", 2, false),
            field(107, 30, "Grip", 6, true),
        ],
        values: vec![
            value(1001, 103, "M", 2),
            value(1000, 103, "L", 1),
            hidden,
            value(1003, 102, "Leather", 0),
        ],
    }
}

fn names(fields: &[EffectiveField]) -> Vec<&str> {
    fields.iter().map(|f| f.name.as_str()).collect()
}

#[track_caller]
fn check_err(snapshot: &CatalogSnapshot, code: &str) {
    match Catalog::from_snapshot(snapshot) {
        Ok(_) => panic!("expected {code}, got a valid catalog"),
        Err(e) => {
            assert_eq!(e.code(), code, "{e}");
            assert!(CatalogError::CODES.contains(&e.code()));
        }
    }
}

#[test]
fn effective_specifications_inherit_in_order() {
    let catalog = Catalog::from_snapshot(&sample()).expect("valid");
    let specs = catalog
        .effective_specifications(CategoryId(3))
        .expect("exists");
    // Root level first, then Shoes (group Care at position 0 before Shoe facts at 1), then Trail.
    assert_eq!(
        names(&specs.product_fields),
        ["Warranty", "Washing", "Material", "Late"]
    );
    assert_eq!(names(&specs.sku_fields), ["Size", "Grip"]);
    assert_eq!(
        specs.path.iter().map(|p| p.id.0).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(specs.is_leaf);
    let size = &specs.sku_fields[0];
    assert_eq!(size.inherited_from.scope, OriginScope::Ancestor);
    assert_eq!(size.inherited_from.category_id, Some(CategoryId(1)));
    assert_eq!(size.inherited_from.distance, Some(2));
    // Values by position, inactive left out.
    assert_eq!(
        size.values
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>(),
        ["L", "M"]
    );
    assert_eq!(specs.sku_fields[1].inherited_from.scope, OriginScope::Own);
    assert_eq!(
        specs.product_fields[0].inherited_from.scope,
        OriginScope::Root
    );
    assert_eq!(specs.product_fields[0].inherited_from.distance, None);
}

#[test]
fn siblings_and_other_departments_do_not_leak() {
    let catalog = Catalog::from_snapshot(&sample()).expect("valid");
    let casual = catalog
        .effective_specifications(CategoryId(4))
        .expect("exists");
    assert_eq!(names(&casual.sku_fields), ["Size"]);
    let books = catalog
        .effective_specifications(CategoryId(5))
        .expect("exists");
    assert_eq!(names(&books.product_fields), ["Warranty"]);
    assert!(books.sku_fields.is_empty());
    let shoes = catalog
        .effective_specifications(CategoryId(1))
        .expect("exists");
    assert!(!shoes.is_leaf);
}

#[test]
fn tree_levels_and_leaves() {
    let mut snapshot = sample();
    snapshot.categories.push(Category {
        has_children: Some(true),
        ..cat(6, "Partial", None)
    });
    let catalog = Catalog::from_snapshot(&snapshot).expect("valid");
    let tree = catalog.tree();
    assert_eq!(tree.iter().map(|n| n.id.0).collect::<Vec<_>>(), [1, 5, 6]);
    let shoes = &tree[0];
    assert_eq!((shoes.level, shoes.is_leaf), (1, false));
    assert_eq!(
        shoes.children.iter().map(|n| n.id.0).collect::<Vec<_>>(),
        [2, 4]
    );
    let trail = &shoes.children[0].children[0];
    assert_eq!((trail.id.0, trail.level, trail.is_leaf), (3, 3, true));
    // VTEX said it has children, though none are in the snapshot.
    assert!(!tree[2].is_leaf);
    assert_eq!(catalog.subtree(CategoryId(2)).expect("exists").level, 2);
}

#[test]
fn move_impact_reports_gained_and_lost_fields() {
    let catalog = Catalog::from_snapshot(&sample()).expect("valid");
    let impact = catalog
        .move_impact(CategoryId(2), Some(CategoryId(5)))
        .expect("allowed");
    assert_eq!(impact.affected_category_ids, [CategoryId(2), CategoryId(3)]);
    assert_eq!(
        names(&impact.product_fields_lost),
        ["Washing", "Material", "Late"]
    );
    assert_eq!(names(&impact.sku_fields_lost), ["Size"]);
    assert!(impact.product_fields_gained.is_empty());
    assert_eq!(impact.from_father_category_id, Some(CategoryId(1)));
    let back = catalog
        .move_impact(CategoryId(5), Some(CategoryId(1)))
        .expect("allowed");
    assert_eq!(names(&back.sku_fields_gained), ["Size"]);
    assert_eq!(back.sku_fields_gained[0].inherited_from.distance, Some(1));
    let same = catalog
        .move_impact(CategoryId(3), Some(CategoryId(2)))
        .expect("allowed");
    assert!(same.product_fields_gained.is_empty() && same.product_fields_lost.is_empty());
    let err = catalog
        .move_impact(CategoryId(1), Some(CategoryId(3)))
        .expect_err("cycle");
    assert_eq!(err.code(), "CATEGORY_CYCLE");
    assert_eq!(
        catalog
            .move_impact(CategoryId(1), Some(CategoryId(99)))
            .expect_err("unknown")
            .code(),
        "CATEGORY_NOT_FOUND"
    );
}

#[test]
fn every_rule_has_a_code() {
    let base = sample();
    let with = |f: &dyn Fn(&mut CatalogSnapshot)| {
        let mut s = base.clone();
        f(&mut s);
        s
    };
    check_err(
        &with(&|s| s.categories.push(cat(1, "Again", None))),
        "CATEGORY_DUPLICATE_ID",
    );
    check_err(
        &with(&|s| s.categories.push(cat(9, "Orphan", Some(77)))),
        "CATEGORY_FATHER_NOT_FOUND",
    );
    check_err(
        &with(&|s| s.categories[1].father_category_id = Some(CategoryId(3))),
        "CATEGORY_CYCLE",
    );
    check_err(
        &with(&|s| s.categories.push(cat(9, "Self", Some(9)))),
        "CATEGORY_CYCLE",
    );
    check_err(
        &with(&|s| s.categories.push(cat(9, "   ", None))),
        "NAME_INVALID",
    );
    check_err(
        &with(&|s| s.groups.push(group(10, None, "Again", 0))),
        "SPEC_GROUP_DUPLICATE_ID",
    );
    check_err(
        &with(&|s| s.groups.push(group(11, Some(77), "Lost", 0))),
        "SPEC_GROUP_CATEGORY_NOT_FOUND",
    );
    check_err(
        &with(&|s| s.fields.push(field(101, 10, "Again", 1, false))),
        "SPEC_FIELD_DUPLICATE_ID",
    );
    check_err(
        &with(&|s| s.fields.push(field(200, 99, "Lost", 1, false))),
        "SPEC_FIELD_GROUP_NOT_FOUND",
    );
    check_err(
        &with(&|s| s.fields.push(field(200, 10, "Three", 3, false))),
        "SPEC_FIELD_TYPE_UNKNOWN",
    );
    check_err(
        &with(&|s| s.fields.push(field(200, 10, "Sku text", 1, true))),
        "SPEC_FIELD_SKU_TYPE_NOT_ALLOWED",
    );
    check_err(
        &with(&|s| s.fields.push(field(200, 10, "Sku box", 7, true))),
        "SPEC_FIELD_SKU_TYPE_NOT_ALLOWED",
    );
    check_err(
        &with(&|s| s.fields.push(field(200, 10, &"x".repeat(101), 1, false))),
        "NAME_INVALID",
    );
    check_err(
        &with(&|s| {
            s.fields.push(SpecificationField {
                category_id: Some(CategoryId(2)),
                ..field(200, 20, "M", 1, false)
            })
        }),
        "SPEC_FIELD_CATEGORY_MISMATCH",
    );
    check_err(
        &with(&|s| s.values.push(value(1000, 103, "Again", 0))),
        "SPEC_VALUE_DUPLICATE_ID",
    );
    check_err(
        &with(&|s| s.values.push(value(2000, 999, "Lost", 0))),
        "SPEC_VALUE_FIELD_NOT_FOUND",
    );
    check_err(
        &with(&|s| s.values.push(value(2000, 101, "On text", 0))),
        "SPEC_VALUE_FIELD_TAKES_NO_VALUES",
    );
    let chain: Vec<Category> = (1..=MAX_DEPTH as u32 + 1)
        .map(|i| cat(i, "Deep", if i == 1 { None } else { Some(i - 1) }))
        .collect();
    check_err(
        &CatalogSnapshot {
            categories: chain,
            ..Default::default()
        },
        "CATEGORY_TOO_DEEP",
    );
    let catalog = Catalog::from_snapshot(&base).expect("valid");
    assert_eq!(
        catalog
            .effective_specifications(CategoryId(42))
            .expect_err("unknown")
            .code(),
        "CATEGORY_NOT_FOUND"
    );
}

#[test]
fn codes_are_unique() {
    let mut codes = CatalogError::CODES.to_vec();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), CatalogError::CODES.len());
}

#[test]
fn incremental_inserts_check_the_same_rules() {
    let mut catalog = Catalog::from_snapshot(&sample()).expect("valid");
    // Moving Shoes under Trail (its grandchild) is a cycle; nothing changes.
    let err = catalog
        .insert_category(cat(1, "Shoes", Some(3)))
        .expect_err("cycle");
    assert_eq!(err.code(), "CATEGORY_CYCLE");
    assert_eq!(
        catalog
            .category(CategoryId(1))
            .and_then(|c| c.father_category_id),
        None
    );
    // A real move re-parents the subtree.
    catalog
        .insert_category(cat(2, "Running", Some(5)))
        .expect("move");
    assert_eq!(
        catalog.children(CategoryId(1)).collect::<Vec<_>>(),
        [CategoryId(4)]
    );
    assert_eq!(
        catalog.path_ids(CategoryId(3)).expect("exists"),
        [CategoryId(5), CategoryId(2), CategoryId(3)]
    );
    assert_eq!(
        catalog
            .insert_field(field(300, 10, "Sku text", 1, true))
            .expect_err("type")
            .code(),
        "SPEC_FIELD_SKU_TYPE_NOT_ALLOWED"
    );
    assert!(catalog.field(FieldId(300)).is_none());
    // Moving a group moves its fields.
    catalog
        .insert_group(group(20, Some(4), "Shoe facts", 1))
        .expect("move group");
    assert_eq!(
        catalog.field(FieldId(103)).and_then(|f| f.category_id),
        Some(CategoryId(4))
    );
    let casual = catalog
        .effective_specifications(CategoryId(4))
        .expect("exists");
    assert_eq!(casual.sku_fields[0].inherited_from.scope, OriginScope::Own);
    // Round trip through a snapshot keeps everything.
    let again = Catalog::from_snapshot(&catalog.to_snapshot()).expect("valid");
    assert_eq!(again.to_snapshot(), catalog.to_snapshot());
}

#[test]
fn snapshot_json_uses_vtex_names_in_camel_case() {
    let json = r#"{"categories":[{"id":1,"name":"A","fatherCategoryId":null}],
        "groups":[{"id":2,"categoryId":1,"name":"G"}],
        "fields":[{"id":3,"name":"F","fieldTypeId":6,"fieldGroupId":2,"isStockKeepingUnit":true}],
        "values":[{"id":4,"fieldId":3,"name":"V"}]}"#;
    let snapshot: CatalogSnapshot = serde_json::from_str(json).expect("parses");
    let specs = Catalog::from_snapshot(&snapshot)
        .and_then(|c| c.effective_specifications(CategoryId(1)))
        .expect("valid");
    let out = serde_json::to_value(&specs.sku_fields[0]).expect("encodes");
    assert_eq!(out["fieldType"], "RADIO");
    assert_eq!(out["inheritedFrom"]["scope"], "OWN");
    assert_eq!(out["values"][0]["id"], 4);
}
