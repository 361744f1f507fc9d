//! ponte-core against the reference model, on generated catalogs.
//!
//! Every property prints (through proptest) the minimal failing catalog; failures are kept
//! in `proptest-regressions/model.txt` and replayed first on the next run. `PROPTEST_CASES`
//! overrides every count below.

use ponte_core::catalog::{
    Catalog, CatalogSnapshot, Category, CategoryTreeRequest, EffectiveSpecificationsRequest,
    FieldType, MAX_DEPTH, MoveImpactRequest, category_tree, effective_specifications, move_impact,
};
use ponte_core::ids::CategoryId;
use ponte_harness::cases;
use ponte_harness::generate::{
    self, BREAKAGES, Bounds, any_bounds, break_catalog, catalog, invalid_catalog, level,
};
use ponte_harness::model::Model;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::FileFailurePersistence;
use proptest::test_runner::TestRunner;
use std::collections::BTreeSet;

fn catalogs() -> impl Strategy<Value = CatalogSnapshot> {
    any_bounds().prop_flat_map(catalog)
}

fn unknown_id(s: &CatalogSnapshot) -> CategoryId {
    CategoryId(
        s.categories
            .iter()
            .map(|c| c.id.0)
            .max()
            .unwrap_or(0)
            .saturating_add(1),
    )
}

/// Core and model on the same move; errors compared by code.
fn check_move(
    catalog: &Catalog,
    model: &Model<'_>,
    id: CategoryId,
    to: Option<CategoryId>,
) -> Result<(), TestCaseError> {
    let core = catalog.move_impact(id, to).map_err(|e| e.code());
    let expected = model.move_impact(id, to);
    prop_assert_eq!(core, expected, "moving {} under {:?}", id, to);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(48),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/model.txt"))),
        ..ProptestConfig::default()
    })]

    /// Effective specifications of every category, and the tree, equal the model's.
    #[test]
    fn effective_specifications_and_tree_match_the_model(snapshot in catalogs()) {
        let catalog = Catalog::from_snapshot(&snapshot);
        prop_assert!(catalog.is_ok(), "the strategy made an invalid catalog: {:?}", catalog.err());
        let Ok(catalog) = catalog else { unreachable!() };
        let model = Model::new(&snapshot);
        for c in &snapshot.categories {
            let core = catalog.effective_specifications(c.id);
            prop_assert_eq!(core.as_ref().ok(), Some(&model.effective_specifications(c.id)), "category {}", c.id);
        }
        prop_assert_eq!(catalog.tree(), model.tree());
        let unknown = unknown_id(&snapshot);
        prop_assert_eq!(catalog.effective_specifications(unknown).map_err(|e| e.code()).err(), Some("CATEGORY_NOT_FOUND"));
    }

    /// Moves of random categories under random fathers (existing, missing, inside the
    /// subtree, or to the top) answer what the model answers.
    #[test]
    fn move_impact_matches_the_model(
        snapshot in catalogs(),
        moves in prop::collection::vec((any::<u32>(), any::<u32>()), 1..8),
    ) {
        let catalog = Catalog::from_snapshot(&snapshot).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let model = Model::new(&snapshot);
        let n = snapshot.categories.len();
        let unknown = unknown_id(&snapshot);
        for (a, b) in moves {
            let id = if a % 16 == 0 { unknown } else { snapshot.categories[a as usize % n].id };
            let to = match b % 8 {
                0 => None,
                1 => Some(unknown),
                2 if model.contains(id) => {
                    // Somewhere in its own subtree: a cycle.
                    let below = generate::subtree(&snapshot, id);
                    Some(below[b as usize / 8 % below.len()])
                }
                _ => Some(snapshot.categories[b as usize / 8 % n].id),
            };
            check_move(&catalog, &model, id, to)?;
        }
    }

    /// Deep chains (up to the limit) moved under each other: the depth check.
    #[test]
    fn deep_moves_match_the_model(
        snapshot in catalog(Bounds { max_categories: 80, max_depth: MAX_DEPTH }),
        moves in prop::collection::vec((any::<u32>(), any::<u32>()), 1..8),
    ) {
        let catalog = Catalog::from_snapshot(&snapshot).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let model = Model::new(&snapshot);
        let n = snapshot.categories.len();
        for (a, b) in moves {
            let id = snapshot.categories[a as usize % n].id;
            let to = snapshot.categories[b as usize % n].id;
            check_move(&catalog, &model, id, Some(to))?;
        }
    }

    /// A catalog broken in one way is refused with the code of that rule, by every operation.
    #[test]
    fn broken_catalogs_are_refused_with_their_code((snapshot, breakage) in any_bounds().prop_flat_map(invalid_catalog)) {
        let code = Catalog::from_snapshot(&snapshot).map(|_| ()).map_err(|e| e.code());
        prop_assert_eq!(code, Err(breakage.code), "{}", breakage.kind);
        let any_category = snapshot.categories.first().map_or(CategoryId(1), |c| c.id);
        let catalog = snapshot.clone();
        let by_ops = [
            effective_specifications(&EffectiveSpecificationsRequest { catalog: catalog.clone(), category_id: any_category }).map(|_| ()),
            category_tree(&CategoryTreeRequest { catalog: catalog.clone() }).map(|_| ()),
            move_impact(&MoveImpactRequest { catalog, category_id: any_category, new_father_category_id: None }).map(|_| ()),
        ];
        for result in by_ops {
            prop_assert_eq!(result.map_err(|e| e.code()), Err(breakage.code), "{}", breakage.kind);
        }
    }
}

fn chain(len: usize) -> CatalogSnapshot {
    let categories = (1..=len as u32)
        .map(|id| Category {
            id: CategoryId(id),
            name: format!("Level {id}"),
            father_category_id: (id > 1).then(|| CategoryId(id - 1)),
            is_active: true,
            has_children: None,
        })
        .collect();
    CatalogSnapshot {
        categories,
        ..CatalogSnapshot::default()
    }
}

#[test]
fn the_depth_limit_is_exact() {
    assert!(Catalog::from_snapshot(&chain(MAX_DEPTH)).is_ok());
    let err = Catalog::from_snapshot(&chain(MAX_DEPTH + 1)).expect_err("one level too deep");
    assert_eq!(err.code(), "CATEGORY_TOO_DEEP");

    // Two chains of 16: moving one under the other's last level gives exactly 32 levels;
    // under a level lower than that would be 33.
    let mut two = chain(MAX_DEPTH / 2);
    let offset = 100;
    for c in chain(MAX_DEPTH / 2).categories {
        two.categories.push(Category {
            id: CategoryId(c.id.0 + offset),
            father_category_id: c.father_category_id.map(|f| CategoryId(f.0 + offset)),
            ..c
        });
    }
    let catalog = Catalog::from_snapshot(&two).expect("valid");
    let model = Model::new(&two);
    let deepest = CategoryId(MAX_DEPTH as u32 / 2);
    let top_of_other = CategoryId(1 + offset);
    assert!(catalog.move_impact(top_of_other, Some(deepest)).is_ok());
    let below_root_of_other = CategoryId(2 + offset);
    let mut deeper = two.clone();
    deeper.categories.push(Category {
        id: CategoryId(999),
        name: "Extra".into(),
        father_category_id: Some(deepest),
        is_active: true,
        has_children: None,
    });
    let catalog_deeper = Catalog::from_snapshot(&deeper).expect("valid");
    let model_deeper = Model::new(&deeper);
    assert_eq!(
        catalog_deeper
            .move_impact(top_of_other, Some(CategoryId(999)))
            .map_err(|e| e.code())
            .err(),
        Some("CATEGORY_TOO_DEEP")
    );
    assert_eq!(
        model_deeper
            .move_impact(top_of_other, Some(CategoryId(999)))
            .err(),
        Some("CATEGORY_TOO_DEEP")
    );
    assert_eq!(
        catalog
            .move_impact(below_root_of_other, Some(deepest))
            .map_err(|e| e.code()),
        model.move_impact(below_root_of_other, Some(deepest))
    );
}

/// Every breakage applies to the smallest catalog too (adding what it needs).
#[test]
fn every_breakage_applies_to_a_bare_catalog() {
    for kind in 0..BREAKAGES {
        for (a, b) in [(0, 0), (1, 7), (u32::MAX, 12345)] {
            let mut s = chain(1);
            let breakage = break_catalog(&mut s, kind, a, b);
            let code = Catalog::from_snapshot(&s).map(|_| ()).map_err(|e| e.code());
            assert_eq!(code, Err(breakage.code), "{} ({a}, {b})", breakage.kind);
        }
    }
}

/// The strategies are not degenerate: over a fixed set of generated catalogs, everything the
/// properties above are meant to exercise does occur.
#[test]
fn strategies_cover_the_interesting_cases() {
    let mut runner = TestRunner::deterministic();
    let strategy = catalog(Bounds::MEDIUM);
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    let mut types: BTreeSet<i32> = BTreeSet::new();
    let mut deepest = 0;
    for _ in 0..64 {
        let s = strategy.new_tree(&mut runner).expect("a catalog").current();
        let fathers: std::collections::BTreeMap<_, _> = s
            .categories
            .iter()
            .map(|c| (c.id, c.father_category_id))
            .collect();
        for c in &s.categories {
            deepest = deepest.max(level(&s, c.id));
            if c.father_category_id.is_some_and(|f| f > c.id) {
                seen.insert("child id below its father's");
            }
            if c.has_children == Some(true) && !fathers.values().any(|f| *f == Some(c.id)) {
                seen.insert("leaf claiming children");
            }
            if !c.is_active {
                seen.insert("inactive category");
            }
            if c.id.0 > 4_000_000_000 {
                seen.insert("ids near u32::MAX");
            }
            if !c.name.is_ascii() {
                seen.insert("non-ASCII name");
            }
        }
        for g in &s.groups {
            seen.insert(if g.category_id.is_none() {
                "root-level group"
            } else {
                "category group"
            });
        }
        for f in &s.fields {
            types.insert(f.field_type_id);
            if f.is_stock_keeping_unit {
                seen.insert("SKU field");
            }
            if !f.is_active {
                seen.insert("inactive field");
            }
            if f.name.chars().count() == ponte_core::catalog::MAX_FIELD_NAME {
                seen.insert("field name at the limit");
            }
        }
        for v in &s.values {
            if !v.is_active {
                seen.insert("inactive value");
            }
        }
        if s.categories.len() > 100 && !s.values.is_empty() {
            seen.insert("hundreds of categories with values");
        }
    }
    let expected: BTreeSet<i32> = FieldType::ALL.iter().map(|t| t.id()).collect();
    assert_eq!(types, expected, "every field type");
    assert_eq!(
        deepest,
        Bounds::MEDIUM.max_depth,
        "trees reach the depth bound"
    );
    for what in [
        "child id below its father's",
        "leaf claiming children",
        "inactive category",
        "ids near u32::MAX",
        "non-ASCII name",
        "root-level group",
        "category group",
        "SKU field",
        "inactive field",
        "field name at the limit",
        "inactive value",
        "hundreds of categories with values",
    ] {
        assert!(seen.contains(what), "no generated catalog had: {what}");
    }
}
