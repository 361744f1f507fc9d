//! What [`import_reads`] asks for, round by round, and the field-type constant.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::catalog::specification_field_types;
use crate::ids::{CategoryId, FieldId, GroupId};
use crate::ops::NoInput;
use serde_json::{Value, json};

fn batch(v: Value) -> ImportBatch {
    serde_json::from_value(v).unwrap()
}

fn state(v: Value) -> CatalogState {
    serde_json::from_value(v).unwrap()
}

fn reads(batch: &ImportBatch, current: &CatalogState) -> ImportReads {
    import_reads(&ImportReadsRequest {
        batch: batch.clone(),
        current: current.clone(),
    })
}

fn cat(id: u32, name: &str, father: Option<u32>) -> Value {
    json!({"id": id, "name": name, "fatherCategoryId": father, "isActive": true})
}

fn product(id: u32, category: u32) -> Value {
    json!({"id": id, "name": format!("P{id}"), "categoryId": category, "brandId": 1, "refId": format!("P{id}")})
}

fn field(id: u32, group: u32, type_id: i32) -> Value {
    json!({"id": id, "name": format!("F{id}"), "fieldTypeId": type_id, "fieldGroupId": group})
}

fn ids<T: Copy>(v: &[T], f: impl Fn(T) -> u32) -> Vec<u32> {
    v.iter().map(|x| f(*x)).collect()
}

#[test]
fn products_and_skus_are_looked_up_by_every_natural_key_once() {
    let b = batch(json!({"products": [
        {"refId": "P1", "name": "a", "skus": [
            {"refId": "S1", "ean": "789", "name": "s"},
            {"ean": "123", "name": "s"},
            {"refId": "", "ean": "456", "name": "s"},
            {"name": "new, nothing to look up"},
        ]},
        {"refId": "P1", "name": "repeated", "skus": [{"refId": "S1", "name": "s"}]},
        {"refId": "P2", "name": "b"},
    ]}));
    let r = reads(&b, &CatalogState::default());
    assert_eq!(r.product_ref_ids, ["P1", "P2"]);
    assert_eq!(
        r.skus,
        [
            SkuLookup::RefId {
                ref_id: "S1".into()
            },
            // Its EAN too: another SKU of the catalog may hold it.
            SkuLookup::Ean { ean: "789".into() },
            SkuLookup::Ean { ean: "123".into() },
            SkuLookup::Ean { ean: "456".into() },
        ]
    );
    // Nothing read yet: nothing else to ask.
    assert_eq!(
        r,
        ImportReads {
            product_ref_ids: r.product_ref_ids.clone(),
            skus: r.skus.clone(),
            ..ImportReads::default()
        }
    );
    let json = serde_json::to_value(&r.skus).unwrap();
    assert_eq!(json[0], json!({"by": "refId", "refId": "S1"}));
    assert_eq!(json[1], json!({"by": "ean", "ean": "789"}));
}

#[test]
fn only_the_brands_the_batch_names_are_read_in_full() {
    let b = batch(json!({
        "brands": [{"name": " acme "}],
        "products": [{"refId": "P", "name": "p", "brand": "NOVA"}, {"refId": "Q", "name": "q"}],
    }));
    let current = state(json!({"brands": [
        {"id": 1, "name": "Acme", "isActive": true},
        {"id": 2, "name": "Other", "isActive": true},
        {"id": 3, "name": "Nova ", "isActive": false},
    ]}));
    assert_eq!(ids(&reads(&b, &current).brand_ids, |b| b.0), [1, 3]);
}

#[test]
fn categories_above_existing_products_are_read_until_known() {
    // Product 7 sits in 30 (an inactive placeholder, not in the tree) under 20, under 1.
    let b = batch(json!({"products": [{"refId": "P7", "name": "p"}]}));
    let mut current = state(json!({
        "categories": [cat(1, "Dept", None)],
        "products": [product(7, 30)],
    }));
    let r = reads(&b, &current);
    assert_eq!(ids(&r.missing_categories, |c| c.0), [30]);
    let add = |current: &mut CatalogState, v: Value| {
        current
            .catalog
            .categories
            .push(serde_json::from_value(v).unwrap())
    };
    add(&mut current, cat(30, "Hidden", Some(20)));
    assert_eq!(ids(&reads(&b, &current).missing_categories, |c| c.0), [20]);
    add(&mut current, cat(20, "Mid", Some(1)));
    let r = reads(&b, &current);
    assert!(r.missing_categories.is_empty());
    // The product's category and its ancestors have specifications the plan needs.
    assert_eq!(ids(&r.specification_categories, |c| c.0), [1, 20, 30]);

    // A cycle in what VTEX answered ends.
    let looped = state(json!({
        "categories": [cat(40, "A", Some(41)), cat(41, "B", Some(40))],
        "products": [product(8, 40)],
    }));
    let r = reads(&b, &looped);
    assert!(r.missing_categories.is_empty());
    assert_eq!(ids(&r.specification_categories, |c| c.0), [40, 41]);
}

#[test]
fn specification_categories_follow_the_paths_the_batch_names() {
    // Shoes(1) > Running(2) > Trail(3); Books(5); Outdoor(6) > Tents(7).
    let current = state(json!({"categories": [
        cat(1, "Shoes", None), cat(2, "Running", Some(1)), cat(3, "Trail", Some(2)),
        cat(5, "Books", None), cat(6, "Outdoor", None), cat(7, "Tents", Some(6)),
    ]}));
    let b = batch(json!({
        // Batch categories by key, listed child first, under an existing department.
        "categories": [
            {"key": "t", "name": " TENTS", "parent": {"key": "o"}},
            {"key": "o", "name": "outdoor"},
            {"key": "x", "name": "New", "parent": {"path": ["Nowhere"]}},
        ],
        "specificationGroups": [{"category": {"path": ["shoes", "running "]}, "name": "g"}],
        "products": [{"refId": "P", "name": "p", "category": {"key": "missing"}}],
    }));
    let r = reads(&b, &current);
    // Running's ancestors count, its child Trail does not; Books is not named.
    assert_eq!(ids(&r.specification_categories, |c| c.0), [1, 2, 6, 7]);

    // A cycle of batch keys ends, and still names the category found twice.
    let cyclic = batch(json!({"categories": [
        {"key": "a", "name": "Books", "parent": {"key": "b"}},
        {"key": "b", "name": "x", "parent": {"key": "a"}},
    ]}));
    let r = reads(&cyclic, &current);
    assert!(r.specification_categories.iter().all(|c| c.0 == 5));
}

#[test]
fn groups_and_fields_are_read_left_out_or_valued_by_rule() {
    let b = batch(json!({}));
    // Group 10 on category 1 (read), 11 at the root, 12 on category 99 (not read); field 23's
    // group 13 is not read yet.
    let current = state(json!({
        "categories": [cat(1, "Shoes", None)],
        "groups": [
            {"id": 10, "categoryId": 1, "name": "g"},
            {"id": 11, "categoryId": null, "name": "root"},
            {"id": 12, "categoryId": 99, "name": "elsewhere"},
        ],
        "fields": [
            field(20, 10, 5), field(21, 10, 1), field(22, 11, 7), field(23, 13, 6),
            field(24, 12, 6), field(25, 11, 6), field(26, 10, 3),
        ],
    }));
    let r = reads(&b, &current);
    assert_eq!(ids(&r.missing_groups, |g: GroupId| g.0), [13]);
    assert_eq!(ids(&r.outside_groups, |g: GroupId| g.0), [12]);
    assert_eq!(ids(&r.outside_fields, |f: FieldId| f.0), [23, 24]);
    // Combo, Checkbox, Radio; not Text, not an unknown type, not outside.
    assert_eq!(ids(&r.fields_with_values, |f: FieldId| f.0), [20, 22, 25]);
    // The batch names no category and no product exists: no specifications to read.
    assert_eq!(r.specification_categories, Vec::<CategoryId>::new());
    // A product in a new category may use the root-level fields: a department lists them.
    let new_place = batch(json!({"products": [{"refId": "P1", "name": "a",
        "category": {"path": ["New"]}}]}));
    let r = reads(&new_place, &current);
    assert_eq!(ids(&r.specification_categories, |c: CategoryId| c.0), [1]);
}

#[test]
fn field_types_are_a_constant_of_the_core() {
    let types = specification_field_types(&NoInput {});
    let with_values: Vec<i32> = types
        .iter()
        .filter(|t| t.has_values)
        .map(|t| t.field_type_id)
        .collect();
    assert_eq!(with_values, [5, 6, 7]);
    let all: Vec<i32> = types.iter().map(|t| t.field_type_id).collect();
    assert_eq!(all, [1, 2, 4, 5, 6, 7, 8, 9]);
    let json = serde_json::to_value(&types[3]).unwrap();
    assert_eq!(
        json,
        json!({"fieldTypeId": 5, "fieldType": "COMBO", "hasValues": true, "allowedOnSku": true})
    );
}
