//! Catalog import: one table row per rule, the fixture batch end to end (plan, execute,
//! re-plan, resume), modes, placeholders, activation, and random batches.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::catalog::{CatalogSnapshot, SpecificationGroup, SpecificationValue};
use crate::ids::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

// ---- fixtures ----------------------------------------------------------------------------

use crate::catalog::tests::{cat, field};

fn value(id: u32, field: u32, name: &str) -> SpecificationValue {
    SpecificationValue {
        id: FieldValueId(id),
        field_id: FieldId(field),
        name: name.into(),
        is_active: true,
        position: 0,
    }
}

/// Shoes(1) > Running(2); Books(5). Root group "General" (Warranty: text); on Shoes "Shoe
/// facts" (Material: checkbox Leather/Mesh; Size: SKU combo 40/41; Grams: number); on Books
/// "Book facts" (Author: text). Brand Acme. Trade policies 1 and 2.
fn state() -> CatalogState {
    CatalogState {
        catalog: CatalogSnapshot {
            categories: vec![
                cat(1, "Shoes", None),
                cat(2, "Running", Some(1)),
                cat(5, "Books", None),
            ],
            groups: vec![
                SpecificationGroup {
                    id: GroupId(10),
                    category_id: None,
                    name: "General".into(),
                    position: 0,
                },
                SpecificationGroup {
                    id: GroupId(20),
                    category_id: Some(CategoryId(1)),
                    name: "Shoe facts".into(),
                    position: 0,
                },
                SpecificationGroup {
                    id: GroupId(30),
                    category_id: Some(CategoryId(5)),
                    name: "Book facts".into(),
                    position: 0,
                },
            ],
            fields: vec![
                field(101, 10, "Warranty", 1, false),
                field(102, 20, "Material", 7, false),
                field(103, 20, "Size", 5, true),
                field(104, 20, "Grams", 4, false),
                field(105, 30, "Author", 1, false),
            ],
            values: vec![
                value(1001, 102, "Leather"),
                value(1002, 102, "Mesh"),
                value(1003, 103, "40"),
                value(1004, 103, "41"),
            ],
        },
        brands: vec![Brand {
            id: BrandId(1),
            name: "Acme".into(),
            link_id: Some("acme".into()),
            is_active: true,
        }],
        trade_policies: vec![
            TradePolicy {
                id: TradePolicyId(1),
                name: "Main".into(),
                is_active: true,
            },
            TradePolicy {
                id: TradePolicyId(2),
                name: "B2B".into(),
                is_active: true,
            },
        ],
        ..Default::default()
    }
}

fn spec_text(field: &str, text: &str) -> SpecificationInput {
    SpecificationInput {
        field: field.into(),
        text: Some(text.into()),
        ..Default::default()
    }
}

fn spec_values(field: &str, values: &[&str]) -> SpecificationInput {
    SpecificationInput {
        field: field.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
        ..Default::default()
    }
}

fn image(name: &str, main: bool) -> ImageInput {
    ImageInput {
        url: format!("https://cdn.example.com/{name}.jpg"),
        name: name.into(),
        is_main: main,
        ..Default::default()
    }
}

fn sku(ref_id: &str, specs: Vec<SpecificationInput>, images: Vec<ImageInput>) -> SkuInput {
    SkuInput {
        ref_id: Some(ref_id.into()),
        name: format!("SKU {ref_id}"),
        packaged_height: Some(10.0),
        packaged_length: Some(20.0),
        packaged_width: Some(30.0),
        packaged_weight_kg: Some(500.0),
        specifications: specs,
        images,
        ..Default::default()
    }
}

/// A new department Outdoor > Tents (by keys), brand Nova, a group on Outdoor with a required
/// number field and an SKU radio field; a tent with two SKUs (one without image) and a running
/// shoe (existing category, brand by another spelling) with two SKUs (one by EAN only).
fn batch() -> ImportBatch {
    ImportBatch {
        categories: vec![
            CategoryInput {
                key: Some("tents".into()),
                name: "Tents".into(),
                parent: Some(CategoryRef::key("out")),
                is_active: None,
            },
            CategoryInput {
                key: Some("out".into()),
                name: "Outdoor".into(),
                parent: None,
                is_active: None,
            },
        ],
        brands: vec![BrandInput {
            name: " Nova ".into(),
            link_id: Some("nova".into()),
            is_active: None,
        }],
        specification_groups: vec![SpecificationGroupInput {
            category: Some(CategoryRef::key("out")),
            name: "Tent facts".into(),
            position: None,
            fields: vec![
                SpecificationFieldInput {
                    name: "Seasons".into(),
                    field_type_id: 4,
                    is_required: Some(true),
                    ..Default::default()
                },
                SpecificationFieldInput {
                    name: "Color".into(),
                    field_type_id: 6,
                    is_stock_keeping_unit: true,
                    values: vec![
                        SpecificationValueInput {
                            name: "Red".into(),
                            ..Default::default()
                        },
                        SpecificationValueInput {
                            name: "Green".into(),
                            ..Default::default()
                        },
                    ],
                    ..Default::default()
                },
            ],
        }],
        products: vec![
            ProductInput {
                ref_id: "P-TENT".into(),
                name: "Tent".into(),
                category: Some(CategoryRef::key("tents")),
                brand: Some("nova".into()),
                specifications: vec![spec_text("Seasons", "3")],
                skus: vec![
                    sku(
                        "T-RED",
                        vec![spec_values("Color", &["Red"])],
                        vec![image("tent-red", true), image("tent-red-2", false)],
                    ),
                    sku("T-GREEN", vec![spec_values("Color", &["green"])], vec![]),
                ],
                ..Default::default()
            },
            ProductInput {
                ref_id: "P-RUN".into(),
                name: "Runner".into(),
                category: Some(CategoryRef::path(&["shoes", "Running "])),
                brand: Some("ACME ".into()),
                trade_policies: vec![TradePolicyId(1), TradePolicyId(2)],
                specifications: vec![
                    spec_values("Material", &["Leather", "Mesh"]),
                    spec_text("Warranty", "2 years"),
                    spec_text("Grams", "250.5"),
                ],
                skus: vec![
                    sku(
                        "R-40",
                        vec![spec_values("Size", &["40"])],
                        vec![image("r40", true)],
                    ),
                    SkuInput {
                        ref_id: None,
                        ean: Some("7891234567895".into()),
                        ..sku(
                            "x",
                            vec![spec_values("Size", &["41"])],
                            vec![image("r41", true)],
                        )
                    },
                ],
                ..Default::default()
            },
        ],
    }
}

fn activate() -> ImportOptions {
    ImportOptions {
        activate_skus: true,
        ..Default::default()
    }
}

fn ok_plan(current: &CatalogState, b: &ImportBatch, o: &ImportOptions) -> ImportPlan {
    match plan(current, b, o) {
        Ok(p) => p,
        Err(e) => panic!("unexpected errors: {e:#?}"),
    }
}

fn apply_all(current: &CatalogState, p: &ImportPlan) -> CatalogState {
    match apply_plan(current, p, p.steps.len()) {
        Ok(s) => s,
        Err(e) => panic!("plan not executable: {e}"),
    }
}

// ---- the valid batch ------------------------------------------------------------------------

#[test]
fn valid_batch_plans_in_dependency_order() {
    let p = ok_plan(&state(), &batch(), &activate());
    plan_respects_dependencies(&p).unwrap();
    let phases: Vec<Phase> = p.steps.iter().map(|s| s.phase).collect();
    let mut sorted = phases.clone();
    sorted.sort();
    assert_eq!(phases, sorted);
    // Department before its child, although the batch lists the child first.
    let keys: Vec<&str> = p.steps.iter().map(|s| s.key.as_str()).collect();
    let outdoor = keys.iter().position(|k| *k == "category:outdoor").unwrap();
    let tents = keys
        .iter()
        .position(|k| *k == "category:outdoor/tents")
        .unwrap();
    assert!(outdoor < tents);
    match &p.steps[tents].operation {
        Operation::CreateCategory { father, .. } => assert_eq!(
            *father,
            Some(Ref::Planned {
                step: outdoor as u32
            })
        ),
        other => panic!("{other:?}"),
    }
    // Existing brand matched despite spacing and case; only Nova is created.
    let brand_steps: Vec<&PlanStep> = p
        .steps
        .iter()
        .filter(|s| s.phase == Phase::Brands)
        .collect();
    assert_eq!(brand_steps.len(), 1);
    assert_eq!(brand_steps[0].key, "brand:nova");
    // The shoe uses the existing category and brand by id.
    let run = p.steps.iter().find(|s| s.key == "product:P-RUN").unwrap();
    match &run.operation {
        Operation::CreateProduct {
            category,
            brand,
            product,
        } => {
            assert_eq!(*category, Ref::Existing { id: CategoryId(2) });
            assert_eq!(*brand, Ref::Existing { id: BrandId(1) });
            assert_eq!(product.ref_id.as_deref(), Some("P-RUN"));
        }
        other => panic!("{other:?}"),
    }
    // SKUs are created inactive.
    for s in &p.steps {
        if let Operation::CreateSku { sku, .. } = &s.operation {
            assert_eq!(sku.is_active, Some(false));
        }
    }
    assert!(keys.contains(&"sku:ean:7891234567895"));
    assert!(keys.contains(&"productTradePolicy:P-RUN@2"));
    assert_eq!(
        p.summary.creates as usize + p.summary.updates as usize + p.summary.activations as usize,
        p.steps.len()
    );
}

#[test]
fn activation_only_where_preconditions_hold() {
    let p = ok_plan(&state(), &batch(), &activate());
    let activated: BTreeSet<&str> = p
        .steps
        .iter()
        .filter(|s| s.action == StepAction::Activate)
        .map(|s| s.key.as_str())
        .collect();
    assert_eq!(
        activated,
        [
            "activateSku:T-RED",
            "activateSku:R-40",
            "activateSku:ean:7891234567895"
        ]
        .into_iter()
        .collect()
    );
    let green = p
        .activation
        .iter()
        .find(|a| a.key == "sku:T-GREEN")
        .unwrap();
    assert!(!green.activate);
    assert_eq!(green.unmet, vec![UnmetPrecondition::NoImage]);
    // Executing the plan: VTEX's own check (the reference executor) accepts every activation.
    let after = apply_all(&state(), &p);
    let active: BTreeSet<&str> = after
        .skus
        .iter()
        .filter(|s| s.is_active)
        .filter_map(|s| s.ref_id.as_deref().or(s.ean.as_deref()))
        .collect();
    assert_eq!(
        active,
        ["T-RED", "R-40", "7891234567895"].into_iter().collect()
    );

    // Without the option: no activation step, same report.
    let p = ok_plan(&state(), &batch(), &ImportOptions::default());
    assert!(p.steps.iter().all(|s| s.action != StepAction::Activate));
    assert_eq!(
        p.activation.iter().filter(|a| a.unmet.is_empty()).count(),
        3
    );
}

#[test]
fn missing_sku_spec_and_inactive_brand_block_activation() {
    let mut b = batch();
    b.products[1].skus[0].specifications.clear();
    b.brands[0].is_active = Some(false);
    let p = ok_plan(&state(), &b, &activate());
    let r40 = p.activation.iter().find(|a| a.key == "sku:R-40").unwrap();
    assert_eq!(
        r40.unmet,
        vec![UnmetPrecondition::SkuSpecificationMissing {
            field: "Size".into()
        }]
    );
    let red = p.activation.iter().find(|a| a.key == "sku:T-RED").unwrap();
    assert_eq!(red.unmet, vec![UnmetPrecondition::BrandInactive]);
    assert!(
        !p.steps
            .iter()
            .any(|s| s.key == "activateSku:R-40" || s.key == "activateSku:T-RED")
    );
    apply_all(&state(), &p);
}

#[test]
fn kits_are_activated_after_their_components() {
    let mut b = batch();
    let mut kit = sku(
        "KIT",
        vec![spec_values("Size", &["40"])],
        vec![image("kit", true)],
    );
    kit.is_kit = Some(true);
    kit.kit_components = vec![KitComponentInput {
        sku_ref_id: "R-40".into(),
        quantity: 2,
    }];
    // A kit listed before its component.
    b.products[1].skus.insert(0, kit.clone());
    let mut dead = kit;
    dead.ref_id = Some("KIT-DEAD".into());
    dead.kit_components = vec![KitComponentInput {
        sku_ref_id: "T-GREEN".into(),
        quantity: 1,
    }];
    b.products[1].skus.push(dead);
    let p = ok_plan(&state(), &b, &activate());
    plan_respects_dependencies(&p).unwrap();
    let pos = |k: &str| p.steps.iter().position(|s| s.key == k);
    assert!(pos("activateSku:R-40").unwrap() < pos("activateSku:KIT").unwrap());
    assert_eq!(pos("activateSku:KIT-DEAD"), None);
    let dead = p
        .activation
        .iter()
        .find(|a| a.key == "sku:KIT-DEAD")
        .unwrap();
    assert_eq!(
        dead.unmet,
        vec![UnmetPrecondition::KitWithoutActiveComponent]
    );
    let after = apply_all(&state(), &p);
    assert!(
        after
            .skus
            .iter()
            .any(|s| s.ref_id.as_deref() == Some("KIT") && s.is_active && s.is_kit)
    );
}

// ---- idempotency, resumption, modes ------------------------------------------------------------

#[test]
fn replanning_an_imported_batch_yields_nothing() {
    let p = ok_plan(&state(), &batch(), &activate());
    let after = apply_all(&state(), &p);
    let again = ok_plan(&after, &batch(), &activate());
    assert_eq!(again.steps, vec![], "{:#?}", again.steps);
    assert!(again.summary.unchanged > 20);
    // Create-only accepts an identical re-run too.
    let again = ok_plan(
        &after,
        &batch(),
        &ImportOptions {
            mode: ImportMode::CreateOnly,
            activate_skus: true,
            ..Default::default()
        },
    );
    assert!(again.steps.is_empty());
}

#[test]
fn interrupted_import_resumes_to_the_same_catalog() {
    let p = ok_plan(&state(), &batch(), &activate());
    let full = apply_all(&state(), &p);
    for k in 0..=p.steps.len() {
        let partial = apply_plan(&state(), &p, k).unwrap();
        let rest = ok_plan(&partial, &batch(), &activate());
        plan_respects_dependencies(&rest).unwrap();
        assert!(
            rest.steps.len() <= p.steps.len() - k,
            "after {k} steps: {} left",
            rest.steps.len()
        );
        let done = apply_all(&partial, &rest);
        assert_eq!(done, full, "interrupted after {k} steps");
    }
}

#[test]
fn upsert_updates_and_create_only_refuses() {
    let after = apply_all(&state(), &ok_plan(&state(), &batch(), &activate()));
    let mut b = batch();
    b.products[0].name = "Tent XL".into();
    b.brands[0].is_active = Some(false);
    b.products[1].skus[0].packaged_weight_kg = Some(650.0);
    b.products[1].specifications[1] = spec_text("Warranty", "3 years");

    let p = ok_plan(&after, &b, &ImportOptions::default());
    plan_respects_dependencies(&p).unwrap();
    let updates: Vec<&str> = p
        .steps
        .iter()
        .filter(|s| s.action == StepAction::Update)
        .map(|s| s.key.as_str())
        .collect();
    assert_eq!(
        updates,
        vec![
            "brand:nova",
            "product:P-TENT",
            "sku:R-40",
            "productSpecification:P-RUN##general#warranty"
        ]
    );
    assert!(p.steps.iter().all(|s| s.action != StepAction::Create));
    match &p
        .steps
        .iter()
        .find(|s| s.key == "product:P-TENT")
        .unwrap()
        .operation
    {
        Operation::UpdateProduct { patch, .. } => {
            assert_eq!(patch.name.as_deref(), Some("Tent XL"))
        }
        other => panic!("{other:?}"),
    }
    let updated = apply_all(&after, &p);
    assert!(
        ok_plan(&updated, &b, &ImportOptions::default())
            .steps
            .is_empty()
    );

    let errors = plan(
        &after,
        &b,
        &ImportOptions {
            mode: ImportMode::CreateOnly,
            ..Default::default()
        },
    )
    .unwrap_err();
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.code(), e.path.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("CREATE_ONLY_CONFLICT", "brands[0]"),
            ("CREATE_ONLY_CONFLICT", "products[0]"),
            ("CREATE_ONLY_CONFLICT", "products[1].specifications[1]"),
            ("CREATE_ONLY_CONFLICT", "products[1].skus[0]"),
        ]
    );
}

#[test]
fn placeholders_hold_products_without_category_or_brand() {
    let b = ImportBatch {
        products: vec![ProductInput {
            ref_id: "ERP-1".into(),
            name: "Mystery".into(),
            skus: vec![sku("ERP-1-A", vec![], vec![image("m", true)])],
            ..Default::default()
        }],
        ..Default::default()
    };
    let errors = plan(&state(), &b, &activate()).unwrap_err();
    let codes: Vec<&str> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(
        codes,
        vec!["PRODUCT_CATEGORY_MISSING", "PRODUCT_BRAND_MISSING"]
    );

    let o = ImportOptions {
        use_placeholders: true,
        activate_skus: true,
        ..Default::default()
    };
    let p = ok_plan(&state(), &b, &o);
    plan_respects_dependencies(&p).unwrap();
    assert!(p.steps.iter().any(|s| matches!(&s.operation, Operation::CreateCategory { name, is_active: false, father: None } if name == "Integration")));
    assert!(p.steps.iter().any(|s| matches!(&s.operation, Operation::CreateBrand { name, is_active: false, .. } if name == "Integration")));
    assert_eq!(
        p.activation[0].unmet,
        vec![
            UnmetPrecondition::BrandInactive,
            UnmetPrecondition::CategoryInactive
        ]
    );
    assert!(p.steps.iter().all(|s| s.action != StepAction::Activate));
    let after = apply_all(&state(), &p);
    assert!(ok_plan(&after, &b, &o).steps.is_empty());

    let bad = ImportOptions {
        placeholder_name: " ".into(),
        ..o
    };
    let errors = plan(&state(), &b, &bad).unwrap_err();
    assert_eq!(errors[0].code(), "PLACEHOLDER_NAME_INVALID");
    assert_eq!(errors[0].path, "options.placeholderName");
}

// ---- one table row per rule ---------------------------------------------------------------------

type Mutation = fn(&mut ImportBatch);

/// Each row: a change to the valid batch, the error it must produce, and where.
const RULES: &[(Mutation, &str, &str)] = &[
    (
        |b| b.categories[1].name = "  ".into(),
        "CATEGORY_NAME_INVALID",
        "categories[1].name",
    ),
    (
        |b| b.categories[0].parent = Some(CategoryRef::default()),
        "CATEGORY_REF_INVALID",
        "categories[0].parent",
    ),
    (
        |b| {
            b.categories.push(CategoryInput {
                key: Some("out".into()),
                name: "Other".into(),
                ..Default::default()
            })
        },
        "CATEGORY_KEY_DUPLICATE",
        "categories[2].key",
    ),
    (
        |b| {
            b.categories.push(CategoryInput {
                name: " outdoor".into(),
                ..Default::default()
            })
        },
        "CATEGORY_DUPLICATE",
        "categories[2]",
    ),
    (
        |b| {
            b.categories.push(CategoryInput {
                name: "X".into(),
                parent: Some(CategoryRef::path(&["Nowhere"])),
                ..Default::default()
            })
        },
        "CATEGORY_PARENT_NOT_FOUND",
        "categories[2].parent",
    ),
    (
        |b| b.categories[1].parent = Some(CategoryRef::key("tents")),
        "CATEGORY_CYCLE",
        "categories[0].parent",
    ),
    (
        |b| {
            for i in 0..40 {
                b.categories.push(CategoryInput {
                    key: Some(format!("d{i}")),
                    name: format!("D{i}"),
                    parent: (i > 0).then(|| CategoryRef::key(&format!("d{}", i - 1))),
                    is_active: None,
                });
            }
        },
        "CATEGORY_TOO_DEEP",
        "categories[34]",
    ),
    (
        |b| b.products[0].category = Some(CategoryRef::path(&["Shoes", "Hiking"])),
        "CATEGORY_NOT_FOUND",
        "products[0].category",
    ),
    (
        |b| b.brands[0].name = "".into(),
        "BRAND_NAME_INVALID",
        "brands[0].name",
    ),
    (
        |b| {
            b.brands.push(BrandInput {
                name: "NOVA".into(),
                ..Default::default()
            })
        },
        "BRAND_DUPLICATE",
        "brands[1]",
    ),
    (
        |b| b.brands[0].link_id = Some("Nova_1".into()),
        "BRAND_LINK_ID_INVALID",
        "brands[0].linkId",
    ),
    (
        |b| b.products[0].brand = Some("Zeta".into()),
        "BRAND_NOT_FOUND",
        "products[0].brand",
    ),
    (
        |b| b.specification_groups[0].name = " ".into(),
        "SPEC_GROUP_NAME_INVALID",
        "specificationGroups[0].name",
    ),
    (
        |b| {
            b.specification_groups.push(SpecificationGroupInput {
                category: Some(CategoryRef::path(&["Outdoor"])),
                name: "tent facts".into(),
                ..Default::default()
            })
        },
        "SPEC_GROUP_DUPLICATE",
        "specificationGroups[1]",
    ),
    (
        |b| b.specification_groups[0].fields[0].name = "x".repeat(101),
        "SPEC_FIELD_NAME_INVALID",
        "specificationGroups[0].fields[0].name",
    ),
    (
        |b| {
            b.specification_groups[0]
                .fields
                .push(SpecificationFieldInput {
                    name: "COLOR".into(),
                    field_type_id: 6,
                    is_stock_keeping_unit: true,
                    ..Default::default()
                })
        },
        "SPEC_FIELD_DUPLICATE",
        "specificationGroups[0].fields[2]",
    ),
    (
        |b| b.specification_groups[0].fields[0].field_type_id = 3,
        "SPEC_FIELD_TYPE_UNKNOWN",
        "specificationGroups[0].fields[0].fieldTypeId",
    ),
    (
        |b| b.specification_groups[0].fields[0].is_stock_keeping_unit = true,
        "SPEC_FIELD_SKU_TYPE_NOT_ALLOWED",
        "specificationGroups[0].fields[0].isStockKeepingUnit",
    ),
    (
        |b| {
            b.specification_groups.push(SpecificationGroupInput {
                category: Some(CategoryRef::path(&["Shoes"])),
                name: "Shoe facts".into(),
                fields: vec![SpecificationFieldInput {
                    name: "Size".into(),
                    field_type_id: 6,
                    is_stock_keeping_unit: true,
                    ..Default::default()
                }],
                ..Default::default()
            })
        },
        "SPEC_FIELD_KIND_CHANGE",
        "specificationGroups[1].fields[0]",
    ),
    (
        |b| b.specification_groups[0].fields[1].values[1].name = "".into(),
        "SPEC_VALUE_NAME_INVALID",
        "specificationGroups[0].fields[1].values[1].name",
    ),
    (
        |b| b.specification_groups[0].fields[1].values[1].name = "RED".into(),
        "SPEC_VALUE_DUPLICATE",
        "specificationGroups[0].fields[1].values[1]",
    ),
    (
        |b| {
            b.specification_groups[0].fields[0]
                .values
                .push(SpecificationValueInput {
                    name: "4".into(),
                    ..Default::default()
                })
        },
        "SPEC_VALUE_FIELD_TAKES_NO_VALUES",
        "specificationGroups[0].fields[0].values[0]",
    ),
    (
        |b| b.products[1].ref_id = " ".into(),
        "PRODUCT_REFID_MISSING",
        "products[1].refId",
    ),
    (
        |b| b.products[1].ref_id = "R".repeat(101),
        "PRODUCT_REFID_TOO_LONG",
        "products[1].refId",
    ),
    (
        |b| b.products[1].ref_id = "P-TENT".into(),
        "PRODUCT_REFID_DUPLICATE",
        "products[1].refId",
    ),
    (
        |b| b.products[0].name = "n".repeat(151),
        "PRODUCT_NAME_INVALID",
        "products[0].name",
    ),
    (
        |b| b.products[0].title = Some("t".repeat(151)),
        "PRODUCT_TITLE_TOO_LONG",
        "products[0].title",
    ),
    (
        |b| b.products[0].category = None,
        "PRODUCT_CATEGORY_MISSING",
        "products[0].category",
    ),
    (
        |b| b.products[1].category = Some(CategoryRef::path(&["Shoes"])),
        "PRODUCT_CATEGORY_NOT_LEAF",
        "products[1].category",
    ),
    (
        |b| b.products[0].category = Some(CategoryRef::key("out")),
        "PRODUCT_CATEGORY_NOT_LEAF",
        "products[0].category",
    ),
    (
        |b| b.products[0].brand = None,
        "PRODUCT_BRAND_MISSING",
        "products[0].brand",
    ),
    (
        |b| b.products[0].trade_policies = vec![TradePolicyId(0)],
        "TRADE_POLICY_ID_INVALID",
        "products[0].tradePolicies[0]",
    ),
    (
        |b| b.products[0].trade_policies = vec![TradePolicyId(1), TradePolicyId(1)],
        "TRADE_POLICY_DUPLICATE",
        "products[0].tradePolicies[1]",
    ),
    (
        |b| b.products[0].trade_policies = vec![TradePolicyId(3)],
        "TRADE_POLICY_NOT_FOUND",
        "products[0].tradePolicies[0]",
    ),
    (
        |b| b.products[1].skus[0].ref_id = Some(" ".into()),
        "SKU_IDENTIFIER_MISSING",
        "products[1].skus[0]",
    ),
    (
        |b| b.products[1].skus[0].ref_id = Some("S".repeat(51)),
        "SKU_REFID_TOO_LONG",
        "products[1].skus[0].refId",
    ),
    (
        |b| b.products[1].skus[0].ref_id = Some("T-RED".into()),
        "SKU_REFID_DUPLICATE",
        "products[1].skus[0].refId",
    ),
    (
        |b| b.products[1].skus[1].ean = Some("789 123".into()),
        "SKU_EAN_INVALID",
        "products[1].skus[1].ean",
    ),
    (
        |b| b.products[1].skus[0].ean = Some("7891234567895".into()),
        "SKU_EAN_DUPLICATE",
        "products[1].skus[1].ean",
    ),
    (
        |b| b.products[1].skus[0].name = "".into(),
        "SKU_NAME_INVALID",
        "products[1].skus[0].name",
    ),
    (
        |b| b.products[1].skus[1].packaged_width = None,
        "SKU_DIMENSIONS_MISSING",
        "products[1].skus[1]",
    ),
    (
        |b| b.products[1].skus[1].packaged_weight_kg = Some(0.0),
        "SKU_DIMENSIONS_INVALID",
        "products[1].skus[1].packagedWeightKg",
    ),
    (
        |b| b.products[1].skus[1].height = Some(f64::NAN),
        "SKU_DIMENSIONS_INVALID",
        "products[1].skus[1].height",
    ),
    (
        |b| b.products[1].skus[1].measurement_unit = Some("box".into()),
        "SKU_MEASUREMENT_UNIT_INVALID",
        "products[1].skus[1].measurementUnit",
    ),
    (
        |b| b.products[1].skus[1].unit_multiplier = Some(0.0),
        "SKU_UNIT_MULTIPLIER_INVALID",
        "products[1].skus[1].unitMultiplier",
    ),
    (
        |b| {
            b.products[1].skus[0].kit_components = vec![KitComponentInput {
                sku_ref_id: "T-RED".into(),
                quantity: 1,
            }]
        },
        "SKU_KIT_COMPONENTS_NOT_KIT",
        "products[1].skus[0].kitComponents",
    ),
    (
        |b| {
            b.products[1].skus[0].is_kit = Some(true);
            b.products[1].skus[0].kit_components = vec![KitComponentInput {
                sku_ref_id: "NOPE".into(),
                quantity: 1,
            }];
        },
        "SKU_KIT_COMPONENT_NOT_FOUND",
        "products[1].skus[0].kitComponents[0]",
    ),
    (
        |b| {
            b.products[1].skus[0].is_kit = Some(true);
            b.products[1].skus[0].kit_components = vec![KitComponentInput {
                sku_ref_id: "T-RED".into(),
                quantity: 0,
            }];
        },
        "SKU_KIT_COMPONENT_INVALID",
        "products[1].skus[0].kitComponents[0]",
    ),
    (
        |b| {
            b.products[1].skus[0].is_kit = Some(true);
            b.products[1].skus[0].kit_components = vec![KitComponentInput {
                sku_ref_id: "R-40".into(),
                quantity: 1,
            }];
        },
        "SKU_KIT_COMPONENT_INVALID",
        "products[1].skus[0].kitComponents[0]",
    ),
    (
        |b| {
            b.products[0]
                .specifications
                .push(spec_text("Colour", "red"))
        },
        "SPEC_FIELD_NOT_FOUND",
        "products[0].specifications[1]",
    ),
    (
        |b| {
            b.products[0]
                .specifications
                .push(spec_text("Author", "Ann"))
        },
        "SPEC_FIELD_NOT_VISIBLE",
        "products[0].specifications[1]",
    ),
    (
        |b| {
            b.products[1].skus[0]
                .specifications
                .push(spec_values("Color", &["Red"]))
        },
        "SPEC_FIELD_NOT_VISIBLE",
        "products[1].skus[0].specifications[1]",
    ),
    (
        |b| b.products[1].specifications[2] = spec_text("warranty", "x"),
        "SPEC_DUPLICATE",
        "products[1].specifications[2]",
    ),
    (
        |b| {
            b.products[0]
                .specifications
                .push(spec_values("Color", &["Red"]))
        },
        "SPEC_FIELD_TARGET_MISMATCH",
        "products[0].specifications[1]",
    ),
    (
        |b| {
            b.products[1].skus[0]
                .specifications
                .push(spec_text("Warranty", "1y"))
        },
        "SPEC_FIELD_TARGET_MISMATCH",
        "products[1].skus[0].specifications[1]",
    ),
    (
        |b| b.products[1].skus[0].specifications[0] = spec_values("Size", &["42"]),
        "SPEC_VALUE_NOT_OF_FIELD",
        "products[1].skus[0].specifications[0].values[0]",
    ),
    (
        |b| b.products[1].specifications[0] = spec_values("Material", &["Leather", "leather"]),
        "SPEC_VALUE_DUPLICATE",
        "products[1].specifications[0].values[1]",
    ),
    (
        |b| b.specification_groups[0].fields[1].values[1].is_active = Some(false),
        "SPEC_VALUE_INACTIVE",
        "products[0].skus[1].specifications[0].values[0]",
    ),
    (
        |b| b.products[1].specifications[0] = spec_text("Material", "Leather"),
        "SPEC_VALUE_EXPECTED",
        "products[1].specifications[0]",
    ),
    (
        |b| b.products[1].specifications[1] = spec_values("Warranty", &["Leather"]),
        "SPEC_TEXT_EXPECTED",
        "products[1].specifications[1]",
    ),
    (
        |b| b.products[0].specifications[0] = spec_text("Seasons", "three"),
        "SPEC_NUMBER_INVALID",
        "products[0].specifications[0]",
    ),
    (
        |b| b.products[1].skus[0].specifications[0] = spec_values("Size", &["40", "41"]),
        "SKU_SPEC_NEEDS_ONE_VALUE",
        "products[1].skus[0].specifications[0]",
    ),
    (
        |b| b.products[1].skus[0].specifications[0] = spec_values("Size", &[]),
        "SKU_SPEC_NEEDS_ONE_VALUE",
        "products[1].skus[0].specifications[0]",
    ),
    (
        |b| b.products[0].specifications.clear(),
        "SPEC_REQUIRED_MISSING",
        "products[0].specifications",
    ),
    (
        |b| b.products[1].skus[0].images[0].url = "http://cdn.example.com/a.webp".into(),
        "IMAGE_URL_INVALID",
        "products[1].skus[0].images[0].url",
    ),
    (
        |b| b.products[0].skus[0].images[1].url = "cdn.example.com/a.jpg".into(),
        "IMAGE_URL_INVALID",
        "products[0].skus[0].images[1].url",
    ),
    (
        |b| b.products[0].skus[0].images[1].name = " ".into(),
        "IMAGE_NAME_MISSING",
        "products[0].skus[0].images[1].name",
    ),
    (
        |b| b.products[0].skus[0].images[1].name = "TENT-RED".into(),
        "IMAGE_NAME_DUPLICATE",
        "products[0].skus[0].images[1].name",
    ),
    (
        |b| b.products[0].skus[0].images[1].position = Some(-1),
        "IMAGE_POSITION_INVALID",
        "products[0].skus[0].images[1].position",
    ),
    (
        |b| b.products[0].skus[0].images[1].position = Some(0),
        "IMAGE_MAIN_POSITION",
        "products[0].skus[0].images[1].position",
    ),
    (
        |b| b.products[0].skus[0].images[0].position = Some(2),
        "IMAGE_MAIN_POSITION",
        "products[0].skus[0].images[0].position",
    ),
    (
        |b| b.products[0].skus[0].images[0].is_main = false,
        "IMAGE_MAIN_MISSING",
        "products[0].skus[0].images",
    ),
    (
        |b| b.products[0].skus[0].images[1].is_main = true,
        "IMAGE_MAIN_MULTIPLE",
        "products[0].skus[0].images[1].isMain",
    ),
];

#[test]
fn the_valid_batch_is_valid_without_activation_too() {
    ok_plan(&state(), &batch(), &ImportOptions::default());
}

#[test]
fn every_rule_reports_its_code_at_its_path() {
    for (i, (mutate, code, path)) in RULES.iter().enumerate() {
        let mut b = batch();
        mutate(&mut b);
        let errors = match plan(&state(), &b, &ImportOptions::default()) {
            Ok(_) => panic!("row {i} ({code}): the batch was accepted"),
            Err(e) => e,
        };
        assert!(
            errors.iter().any(|e| e.code() == *code && e.path == *path),
            "row {i}: expected {code} at {path}, got {:#?}",
            errors
                .iter()
                .map(|e| (e.code(), e.path.as_str()))
                .collect::<Vec<_>>()
        );
    }
}

/// Codes exercised by dedicated tests rather than by a row of [`RULES`].
const TESTED_ELSEWHERE: &[&str] = &[
    "CURRENT_CATALOG_INVALID",
    "PLACEHOLDER_NAME_INVALID",
    "CREATE_ONLY_CONFLICT",
    "SKU_PRODUCT_MISMATCH",
    "SKU_KIT_IRREVERSIBLE",
    "SPEC_FIELD_AMBIGUOUS",
    "SPEC_FIELD_INACTIVE",
    "SPEC_MULTIPLE_VALUES_NOT_ALLOWED",
];

#[test]
fn every_code_is_tested_and_codes_are_stable_strings() {
    let in_rules: BTreeSet<&str> = RULES.iter().map(|(_, c, _)| *c).collect();
    for code in ImportError::CODES {
        assert!(
            in_rules.contains(code) || TESTED_ELSEWHERE.contains(code),
            "{code} has no test"
        );
    }
    let unique: BTreeSet<&&str> = ImportError::CODES.iter().collect();
    assert_eq!(unique.len(), ImportError::CODES.len());
    assert_eq!(ImportErrorCode::ALL.len(), ImportError::CODES.len());
    for (c, s) in ImportErrorCode::ALL.iter().zip(ImportError::CODES) {
        assert_eq!(c.as_str(), *s);
        assert_eq!(serde_json::to_value(c).unwrap(), serde_json::json!(s));
    }
}

#[test]
fn every_error_comes_back_at_once_in_batch_order() {
    let mut b = batch();
    b.products[1].skus[0].images[0].url = "ftp://x/y.jpg".into();
    b.brands[0].link_id = Some("NOVA".into());
    b.products[0].skus[1].packaged_height = None;
    b.categories[0].name = "".into();
    let errors = plan(&state(), &b, &ImportOptions::default()).unwrap_err();
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.code(), e.path.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("CATEGORY_NAME_INVALID", "categories[0].name"),
            ("BRAND_LINK_ID_INVALID", "brands[0].linkId"),
            ("SKU_DIMENSIONS_MISSING", "products[0].skus[1]"),
            ("IMAGE_URL_INVALID", "products[1].skus[0].images[0].url"),
        ]
    );
    // Deterministic: the same input gives the same list.
    assert_eq!(
        plan(&state(), &b, &ImportOptions::default()).unwrap_err(),
        errors
    );
}

#[test]
fn rules_against_the_current_catalog() {
    let after = apply_all(&state(), &ok_plan(&state(), &batch(), &activate()));
    let o = ImportOptions::default();
    let codes = |s: &CatalogState, b: &ImportBatch| -> Vec<(String, String)> {
        plan(s, b, &o)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.code().to_owned(), e.path))
            .collect()
    };
    let has = |v: &[(String, String)], c: &str, p: &str| v.iter().any(|(a, b)| a == c && b == p);

    // An existing SKU listed under another product.
    let mut b = batch();
    let moved = b.products[1].skus.remove(0);
    b.products[0].skus.push(moved);
    assert!(has(
        &codes(&after, &b),
        "SKU_PRODUCT_MISMATCH",
        "products[0].skus[2]"
    ));

    // A kit cannot stop being a kit.
    let mut with_kit = after.clone();
    with_kit
        .skus
        .iter_mut()
        .find(|s| s.ref_id.as_deref() == Some("R-40"))
        .unwrap()
        .is_kit = true;
    let mut b = batch();
    b.products[1].skus[0].is_kit = Some(false);
    assert!(has(
        &codes(&with_kit, &b),
        "SKU_KIT_IRREVERSIBLE",
        "products[1].skus[0].isKit"
    ));

    // Two visible fields with the same name: give the group.
    let mut twin = state();
    twin.catalog
        .fields
        .push(field(106, 10, "Material", 1, false));
    let v = codes(&twin, &batch());
    assert!(has(
        &v,
        "SPEC_FIELD_AMBIGUOUS",
        "products[1].specifications[0]"
    ));
    let mut b = batch();
    b.products[1].specifications[0].group = Some("shoe facts".into());
    ok_plan(&twin, &b, &o);

    // An inactive field.
    let mut inactive = state();
    inactive
        .catalog
        .fields
        .iter_mut()
        .find(|f| f.id == FieldId(101))
        .unwrap()
        .is_active = false;
    assert!(has(
        &codes(&inactive, &batch()),
        "SPEC_FIELD_INACTIVE",
        "products[1].specifications[1]"
    ));

    // Several values on a product Combo.
    let mut combo = state();
    combo
        .catalog
        .fields
        .iter_mut()
        .find(|f| f.id == FieldId(102))
        .unwrap()
        .field_type_id = 5;
    assert!(has(
        &codes(&combo, &batch()),
        "SPEC_MULTIPLE_VALUES_NOT_ALLOWED",
        "products[1].specifications[0]"
    ));

    // EAN of an existing SKU reused by a new one.
    let mut b = batch();
    b.products[1].skus[0].ean = Some("7891234567895".into());
    b.products[1].skus.remove(1);
    assert!(has(
        &codes(&after, &b),
        "SKU_EAN_DUPLICATE",
        "products[1].skus[0].ean"
    ));

    // A broken current catalog is reported alone.
    let mut broken = state();
    broken.catalog.categories.push(cat(9, "Orphan", Some(99)));
    let e = plan(&broken, &batch(), &o).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].code(), e[0].path.as_str()),
        ("CURRENT_CATALOG_INVALID", "current")
    );
}

// ---- model helpers ---------------------------------------------------------------------------

#[test]
fn merge_for_put_keeps_what_the_patch_leaves_out() {
    let current = Product {
        is_visible: false,
        show_without_stock: false,
        description: Some("old".into()),
        ..ProductPatch {
            name: Some("A".into()),
            ..Default::default()
        }
        .into_product(ProductId(3), CategoryId(2), BrandId(1))
    };
    let body = merge_for_put(
        &current,
        &ProductPatch {
            title: Some("T".into()),
            brand_id: Some(BrandId(4)),
            ..Default::default()
        },
    );
    assert_eq!(body.id, ProductId(3));
    assert_eq!(body.name, "A");
    assert_eq!(body.brand_id, BrandId(4));
    assert_eq!(body.title.as_deref(), Some("T"));
    assert_eq!(body.description.as_deref(), Some("old"));
    assert!(!body.is_visible && !body.show_without_stock && body.is_active);
    assert_eq!(merge_for_put(&current, &ProductPatch::default()), current);

    let kit = SkuPatch {
        is_kit: Some(true),
        ..Default::default()
    }
    .into_sku(SkuId(1), ProductId(3));
    assert!(!kit.is_active);
    assert!(
        merge_sku_for_put(
            &kit,
            &SkuPatch {
                is_kit: Some(false),
                ..Default::default()
            }
        )
        .is_kit
    );
}

#[test]
fn activation_preconditions_of_a_catalog_sku() {
    let after = apply_all(
        &state(),
        &ok_plan(&state(), &batch(), &ImportOptions::default()),
    );
    let green = after
        .skus
        .iter()
        .find(|s| s.ref_id.as_deref() == Some("T-GREEN"))
        .unwrap()
        .id;
    assert_eq!(
        after.sku_activation_preconditions(green).unwrap(),
        vec![UnmetPrecondition::NoImage]
    );
    let facts = ActivationFacts::default();
    assert_eq!(
        unmet_activation_preconditions(&facts),
        vec![
            UnmetPrecondition::NoRefIdOrEan,
            UnmetPrecondition::NoImage,
            UnmetPrecondition::ProductInactive,
            UnmetPrecondition::BrandInactive,
            UnmetPrecondition::CategoryInactive,
        ]
    );
    assert!(after.sku_activation_preconditions(SkuId(999)).is_err());
}

#[test]
fn json_shapes() {
    // A plain snapshot is a catalog state.
    let snapshot = serde_json::to_value(&state().catalog).unwrap();
    let parsed: CatalogState = serde_json::from_value(snapshot).unwrap();
    assert_eq!(parsed.catalog, state().catalog);
    assert!(parsed.brands.is_empty());
    // Requests round-trip, defaults apply.
    let req: PlanRequest = serde_json::from_value(serde_json::json!({
        "batch": { "products": [{ "refId": "P", "name": "N", "category": { "path": ["Books"] }, "brand": "Acme" }] }
    }))
    .unwrap();
    assert_eq!(req.batch.products[0].trade_policies, vec![TradePolicyId(1)]);
    let errors = plan_catalog_import(&req).unwrap_err();
    assert_eq!(errors[0].code(), "CATEGORY_NOT_FOUND");
    let json = serde_json::to_value(&errors[0]).unwrap();
    assert_eq!(json["code"], "CATEGORY_NOT_FOUND");
    assert_eq!(json["path"], "products[0].category");

    let req = PlanRequest {
        current: state(),
        batch: batch(),
        options: Some(activate()),
    };
    let round: PlanRequest = serde_json::from_str(&serde_json::to_string(&req).unwrap()).unwrap();
    assert_eq!(round, req);
    let p = plan_catalog_import(&round).unwrap();
    let p2: ImportPlan = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(p2, p);
    let step = serde_json::to_value(&p.steps[1]).unwrap();
    assert_eq!(step["operation"]["type"], "createCategory");
    assert_eq!(
        step["operation"]["father"],
        serde_json::json!({ "kind": "planned", "step": 0 })
    );

    let v = validate_catalog_batch(&ValidateBatchRequest {
        current: state(),
        batch: batch(),
        options: None,
    });
    assert!(v.valid && v.errors.is_empty() && v.summary.is_some());
    assert!(
        check_catalog_batch(&ValidateBatchRequest {
            current: state(),
            batch: batch(),
            options: None
        })
        .is_ok()
    );
}

#[test]
fn the_dependency_checker_catches_broken_plans() {
    let p = ok_plan(&state(), &batch(), &activate());
    // Swap a category with its child.
    let mut bad = p.clone();
    bad.steps.swap(0, 1);
    assert!(plan_respects_dependencies(&bad).is_err());
    // A reference to a later step.
    let mut bad = p.clone();
    let last = bad.steps.len() as u32 - 1;
    if let Operation::CreateCategory { father, .. } = &mut bad.steps[1].operation {
        *father = Some(Ref::Planned { step: last });
    }
    assert!(plan_respects_dependencies(&bad).is_err());
    // A reference to a step that creates another kind.
    let mut bad = p.clone();
    let brand = bad
        .steps
        .iter()
        .position(|s| s.phase == Phase::Brands)
        .unwrap() as u32;
    let product = bad
        .steps
        .iter()
        .position(|s| s.key == "product:P-TENT")
        .unwrap();
    if let Operation::CreateProduct { category, .. } = &mut bad.steps[product].operation {
        *category = Ref::Planned { step: brand };
    }
    assert!(plan_respects_dependencies(&bad).is_err());
    // An SKU created active.
    let mut bad = p.clone();
    for s in &mut bad.steps {
        if let Operation::CreateSku { sku, .. } = &mut s.operation {
            sku.is_active = Some(true);
        }
    }
    assert!(plan_respects_dependencies(&bad).is_err());
    // A duplicate key.
    let mut bad = p;
    bad.steps[1].key = bad.steps[0].key.clone();
    assert!(plan_respects_dependencies(&bad).is_err());
}

#[cfg(feature = "ts")]
#[test]
fn typescript_declarations_generate() {
    use ts_rs::{Config, TS};
    let cfg = Config::default();
    for d in [
        CatalogState::decl(&cfg),
        ImportBatch::decl(&cfg),
        ImportPlan::decl(&cfg),
        Operation::decl(&cfg),
        Ref::<BrandId>::decl(&cfg),
        ImportError::decl(&cfg),
        ImportErrorCode::decl(&cfg),
        PlanRequest::decl(&cfg),
        ValidateBatchResponse::decl(&cfg),
        UnmetPrecondition::decl(&cfg),
    ] {
        assert!(!d.is_empty());
    }
}

// ---- random batches ------------------------------------------------------------------------------

const NAMES: &[&str] = &[
    "Shoes", "Running", "Books", "Outdoor", "Tents", " tents", "Nova", "Acme", "",
];
const FIELDS: &[&str] = &[
    "Size", "Material", "Warranty", "Grams", "Author", "Color", "Seasons", "Nope",
];
const VALUES: &[&str] = &["40", "41", "Leather", "Mesh", "Red", "Green", "3", "x"];

fn pick(v: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(v).prop_map(|s| s.to_owned())
}

fn category_ref() -> impl Strategy<Value = Option<CategoryRef>> {
    prop_oneof![
        Just(None),
        pick(NAMES).prop_map(|k| Some(CategoryRef::key(&k))),
        prop::collection::vec(pick(NAMES), 0..3).prop_map(|p| Some(CategoryRef::path(&p))),
    ]
}

fn spec() -> impl Strategy<Value = SpecificationInput> {
    (
        pick(FIELDS),
        prop::option::of(pick(VALUES)),
        prop::collection::vec(pick(VALUES), 0..3),
    )
        .prop_map(|(field, text, values)| SpecificationInput {
            field,
            group: None,
            text,
            values,
        })
}

fn sku_input() -> impl Strategy<Value = SkuInput> {
    (
        prop::option::of(pick(&["S1", "S2", "S3", "R-40", "T-RED"])),
        prop::option::of(pick(&["111", "222"])),
        prop::collection::vec(spec(), 0..3),
        0usize..3,
        any::<bool>(),
        prop::option::of(prop_oneof![Just(0.0), Just(1.5), Just(-1.0)]),
        prop::option::of(any::<bool>()),
        prop::collection::vec(pick(&["S1", "S2", "R-40", "zz"]), 0..2),
    )
        .prop_map(
            |(ref_id, ean, specifications, n_images, main, weight, is_kit, comps)| SkuInput {
                ref_id,
                ean,
                name: "S".into(),
                packaged_height: Some(1.0),
                packaged_length: Some(1.0),
                packaged_width: Some(1.0),
                packaged_weight_kg: weight,
                is_kit,
                kit_components: comps
                    .into_iter()
                    .map(|sku_ref_id| KitComponentInput {
                        sku_ref_id,
                        quantity: 1,
                    })
                    .collect(),
                specifications,
                images: (0..n_images)
                    .map(|i| image(&format!("i{i}"), main && i == 0))
                    .collect(),
                ..Default::default()
            },
        )
}

fn product_input() -> impl Strategy<Value = ProductInput> {
    (
        pick(&["P1", "P2", "P3", "P-RUN"]),
        category_ref(),
        prop::option::of(pick(NAMES)),
        prop::collection::vec(spec(), 0..3),
        prop::collection::vec(sku_input(), 0..3),
        prop::collection::vec(0u32..4, 0..3),
    )
        .prop_map(
            |(ref_id, category, brand, specifications, skus, tps)| ProductInput {
                ref_id,
                name: "P".into(),
                category,
                brand,
                specifications,
                skus,
                trade_policies: tps.into_iter().map(TradePolicyId).collect(),
                ..Default::default()
            },
        )
}

fn import_batch() -> impl Strategy<Value = ImportBatch> {
    let category = (
        pick(NAMES),
        prop::option::of(pick(NAMES)),
        category_ref(),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(name, key, parent, is_active)| CategoryInput {
            key,
            name,
            parent,
            is_active,
        });
    let brand =
        (pick(NAMES), prop::option::of(any::<bool>())).prop_map(|(name, is_active)| BrandInput {
            name,
            link_id: None,
            is_active,
        });
    let value = pick(VALUES).prop_map(|name| SpecificationValueInput {
        name,
        ..Default::default()
    });
    let field = (
        pick(FIELDS),
        prop::sample::select(&[1, 3, 4, 5, 6, 7][..]),
        any::<bool>(),
        prop::option::of(any::<bool>()),
        prop::collection::vec(value, 0..3),
    )
        .prop_map(
            |(name, field_type_id, is_stock_keeping_unit, is_required, values)| {
                SpecificationFieldInput {
                    name,
                    field_type_id,
                    is_stock_keeping_unit,
                    is_required,
                    values,
                    ..Default::default()
                }
            },
        );
    let group = (
        category_ref(),
        pick(&["General", "G", "Shoe facts"]),
        prop::collection::vec(field, 0..3),
    )
        .prop_map(|(category, name, fields)| SpecificationGroupInput {
            category,
            name,
            position: None,
            fields,
        });
    (
        prop::collection::vec(category, 0..5),
        prop::collection::vec(brand, 0..3),
        prop::collection::vec(group, 0..3),
        prop::collection::vec(product_input(), 0..4),
    )
        .prop_map(
            |(categories, brands, specification_groups, products)| ImportBatch {
                categories,
                brands,
                specification_groups,
                products,
            },
        )
}

fn options() -> impl Strategy<Value = ImportOptions> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(create_only, use_placeholders, activate_skus)| ImportOptions {
            mode: if create_only {
                ImportMode::CreateOnly
            } else {
                ImportMode::Upsert
            },
            use_placeholders,
            activate_skus,
            ..Default::default()
        },
    )
}

/// A batch driven by random bytes that is valid by construction (mostly): new categories under
/// Shoes or each other, new brands, a new SKU field, products in leaf categories with the
/// specifications their category needs, SKUs with unique refIds, some images, some kits.
fn valid_batch(bytes: &[u8]) -> ImportBatch {
    let mut i = 0;
    let mut next = |n: usize| -> usize {
        let b = bytes.get(i % bytes.len().max(1)).copied().unwrap_or(0) as usize;
        i += 1;
        if n == 0 { 0 } else { (b + i) % n }
    };
    let mut b = ImportBatch::default();
    let n_cats = next(4);
    for c in 0..n_cats {
        let parent = match next(3) {
            0 => None,
            1 => Some(CategoryRef::path(&["Shoes"])),
            _ if c > 0 => Some(CategoryRef::key(&format!("c{}", next(c)))),
            _ => None,
        };
        b.categories.push(CategoryInput {
            key: Some(format!("c{c}")),
            name: format!("C{c}"),
            parent,
            is_active: (next(4) == 0).then_some(false),
        });
    }
    for k in 0..next(3) {
        b.brands.push(BrandInput {
            name: format!("B{k}"),
            link_id: None,
            is_active: (next(4) == 0).then_some(false),
        });
    }
    let width = next(2) == 0;
    if width {
        b.specification_groups.push(SpecificationGroupInput {
            category: Some(CategoryRef::path(&["Shoes"])),
            name: "Fit".into(),
            position: None,
            fields: vec![SpecificationFieldInput {
                name: "Width".into(),
                field_type_id: 5,
                is_stock_keeping_unit: true,
                values: vec![
                    SpecificationValueInput {
                        name: "W1".into(),
                        ..Default::default()
                    },
                    SpecificationValueInput {
                        name: "W2".into(),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }],
        });
    }
    let parents: BTreeSet<String> = b
        .categories
        .iter()
        .filter_map(|c| c.parent.as_ref().and_then(|p| p.key.clone()))
        .collect();
    let leaves: Vec<String> = (0..n_cats)
        .map(|c| format!("c{c}"))
        .filter(|k| !parents.contains(k))
        .collect();
    let brands: Vec<String> = std::iter::once("Acme".to_owned())
        .chain(b.brands.iter().map(|x| x.name.clone()))
        .collect();
    let mut refs: Vec<String> = Vec::new();
    for p in 0..next(4) {
        // 0: Running, 1: Books, 2: a new leaf (under Shoes or a department).
        let kind = next(3);
        let (category, shoes) = match (kind, leaves.is_empty()) {
            (0, _) | (2, true) => (CategoryRef::path(&["Shoes", "Running"]), true),
            (1, _) => (CategoryRef::path(&["Books"]), false),
            _ => {
                let k = leaves[next(leaves.len())].clone();
                let under_shoes = b
                    .categories
                    .iter()
                    .find(|c| c.key.as_deref() == Some(k.as_str()))
                    .is_some_and(|c| c.parent.as_ref().is_some_and(|r| r.path.is_some()));
                (CategoryRef::key(&k), under_shoes)
            }
        };
        let mut specs = Vec::new();
        if next(2) == 0 {
            specs.push(spec_text("Warranty", "1y"));
        }
        if shoes && next(2) == 0 {
            specs.push(spec_values(
                "Material",
                if next(2) == 0 {
                    &["Mesh"]
                } else {
                    &["Leather", "Mesh"]
                },
            ));
        }
        if kind == 1 && next(2) == 0 {
            specs.push(spec_text("Author", "Ann"));
        }
        let mut skus = Vec::new();
        for sk in 0..next(4) {
            let mut sku_specs = Vec::new();
            if shoes && next(3) != 0 {
                sku_specs.push(spec_values(
                    "Size",
                    if next(2) == 0 { &["40"] } else { &["41"] },
                ));
            }
            if shoes && width && next(3) != 0 {
                sku_specs.push(spec_values("Width", &["W2"]));
            }
            let images: Vec<ImageInput> = (0..next(3))
                .map(|n| image(&format!("img{n}"), n == 0))
                .collect();
            let r = format!("S{p}-{sk}");
            let mut input = sku(&r, sku_specs, images);
            if !refs.is_empty() && next(4) == 0 {
                input.is_kit = Some(true);
                input.kit_components = vec![KitComponentInput {
                    sku_ref_id: refs[next(refs.len())].clone(),
                    quantity: 1,
                }];
            }
            if next(5) == 0 {
                input.ref_id = None;
                input.ean = Some(format!("EAN{p}{sk}"));
            } else {
                refs.push(r);
            }
            skus.push(input);
        }
        b.products.push(ProductInput {
            ref_id: format!("P{p}"),
            name: format!("Product {p}"),
            category: Some(category),
            brand: Some(brands[next(brands.len())].clone()),
            is_active: (next(5) == 0).then_some(false),
            specifications: specs,
            skus,
            ..Default::default()
        });
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Random batches: validation never panics and returns deterministic errors with known
    /// codes; every plan respects dependencies, executes against the reference executor, and
    /// re-planning after it creates nothing.
    #[test]
    fn random_batches_plan_soundly(b in import_batch(), o in options()) {
        let current = state();
        match plan(&current, &b, &o) {
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in &errors {
                    prop_assert!(ImportError::CODES.contains(&e.code()));
                }
                prop_assert_eq!(plan(&current, &b, &o).unwrap_err(), errors);
            }
            Ok(p) => {
                if let Err(e) = plan_respects_dependencies(&p) {
                    prop_assert!(false, "{}", e);
                }
                let after = match apply_plan(&current, &p, p.steps.len()) {
                    Ok(a) => a,
                    Err(e) => return Err(TestCaseError::fail(format!("not executable: {e}\n{p:#?}"))),
                };
                let again = match plan(&after, &b, &o) {
                    Ok(a) => a,
                    Err(e) => return Err(TestCaseError::fail(format!("replan failed: {e:#?}"))),
                };
                let creates: Vec<&PlanStep> = again.steps.iter().filter(|s| s.action == StepAction::Create).collect();
                prop_assert!(creates.is_empty(), "re-plan creates {:#?}", creates);
            }
        }
    }

    /// Valid batches built from the fixture: dropping any prefix of a plan and re-planning
    /// reaches the same catalog.
    #[test]
    fn resuming_from_any_step_converges(k in 0usize..40, drop_images in any::<bool>()) {
        let mut b = batch();
        if drop_images {
            b.products[1].skus[0].images.clear();
        }
        let p = ok_plan(&state(), &b, &activate());
        let k = k.min(p.steps.len());
        let full = apply_all(&state(), &p);
        let partial = apply_plan(&state(), &p, k).unwrap();
        let rest = ok_plan(&partial, &b, &activate());
        prop_assert_eq!(apply_all(&partial, &rest), full);
    }

    /// Mostly valid random batches: they plan, the plan respects dependencies and executes,
    /// activated SKUs pass VTEX's check, a re-plan is empty, and a resumed import converges.
    #[test]
    fn valid_random_batches_import_idempotently(bytes in prop::collection::vec(any::<u8>(), 1..64), o in options(), cut in 0usize..64) {
        let current = state();
        let b = valid_batch(&bytes);
        let p = match plan(&current, &b, &o) {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{e:#?}\n{b:#?}"))),
        };
        if let Err(e) = plan_respects_dependencies(&p) {
            prop_assert!(false, "{}", e);
        }
        let after = match apply_plan(&current, &p, p.steps.len()) {
            Ok(a) => a,
            Err(e) => return Err(TestCaseError::fail(format!("not executable: {e}"))),
        };
        for a in &p.activation {
            prop_assert_eq!(a.activate, o.activate_skus && a.unmet.is_empty() && !a.already_active);
        }
        let again = ok_plan(&after, &b, &o);
        prop_assert!(again.steps.is_empty(), "re-plan: {:#?}", again.steps);
        let cut = cut.min(p.steps.len());
        let partial = apply_plan(&current, &p, cut).unwrap();
        let rest = ok_plan(&partial, &b, &o);
        prop_assert_eq!(apply_all(&partial, &rest), after);
    }
}
