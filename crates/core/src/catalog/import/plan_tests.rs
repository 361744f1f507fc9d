//! Each step's `dependsOn`, and the checker's refusals of broken ones.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::catalog::import::{apply_plan, import_phases};
use serde_json::{Value, json};

fn batch(v: Value) -> ImportBatch {
    serde_json::from_value(v).unwrap()
}

fn sku(ref_id: &str, kit_of: &[&str]) -> Value {
    let components: Vec<Value> = kit_of
        .iter()
        .map(|c| json!({"skuRefId": c, "quantity": 1}))
        .collect();
    json!({
        "refId": ref_id, "name": ref_id, "isKit": !kit_of.is_empty(), "kitComponents": components,
        "packagedHeight": 1, "packagedLength": 1, "packagedWidth": 1, "packagedWeightKg": 1,
        "images": [{"url": format!("https://img.example/{ref_id}.png"), "name": ref_id, "isMain": true}],
    })
}

/// A new department, brand and product with a component SKU and a kit of it (listed first).
fn kit_batch() -> ImportBatch {
    batch(json!({
        "categories": [{"name": "Kits"}],
        "brands": [{"name": "Acme"}],
        "products": [{
            "refId": "P", "name": "p", "category": {"path": ["Kits"]}, "brand": "Acme",
            "skus": [sku("KIT", &["C"]), sku("C", &[])],
        }],
    }))
}

fn activate() -> ImportOptions {
    ImportOptions {
        activate_skus: true,
        ..Default::default()
    }
}

fn step<'p>(p: &'p ImportPlan, key: &str) -> &'p PlanStep {
    p.steps
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no step {key} in {:#?}", p.steps))
}

#[test]
fn every_step_depends_on_the_earlier_steps_it_refers_to() {
    let p = plan(&CatalogState::default(), &kit_batch(), &activate()).unwrap();
    plan_respects_dependencies(&p).unwrap();
    let idx = |key: &str| step(&p, key).index;
    assert!(step(&p, "category:kits").depends_on.is_empty());
    assert_eq!(
        step(&p, "product:P").depends_on,
        [idx("category:kits"), idx("brand:acme")]
    );
    assert_eq!(step(&p, "sku:C").depends_on, [idx("product:P")]);
    assert_eq!(
        step(&p, "kitComponent:KIT#C").depends_on,
        [idx("sku:KIT"), idx("sku:C")]
    );
    // The kit waits for its component's activation; the component only for its creation.
    assert_eq!(step(&p, "activateSku:C").depends_on, [idx("sku:C")]);
    assert_eq!(
        step(&p, "activateSku:KIT").depends_on,
        [idx("sku:KIT"), idx("activateSku:C")]
    );
    for s in &p.steps {
        assert!(s.depends_on.iter().all(|d| *d < s.index), "{s:#?}");
    }
}

#[test]
fn a_kit_with_an_active_component_waits_for_no_activation() {
    let first = plan(&CatalogState::default(), &kit_batch(), &activate()).unwrap();
    let current = apply_plan(&CatalogState::default(), &first, first.steps.len()).unwrap();
    let mut b = kit_batch();
    b.products[0]
        .skus
        .push(serde_json::from_value(sku("KIT2", &["C"])).unwrap());
    let p = plan(&current, &b, &activate()).unwrap();
    plan_respects_dependencies(&p).unwrap();
    assert_eq!(
        step(&p, "activateSku:KIT2").depends_on,
        [step(&p, "sku:KIT2").index]
    );
}

#[test]
fn the_checker_refuses_a_broken_depends_on() {
    let p = plan(&CatalogState::default(), &kit_batch(), &activate()).unwrap();
    let sku_c = step(&p, "sku:C").index as usize;
    let broken = |f: &dyn Fn(&mut Vec<u32>)| {
        let mut q = p.clone();
        f(&mut q.steps[sku_c].depends_on);
        plan_respects_dependencies(&q).unwrap_err()
    };
    assert!(broken(&|d| d.clear()).contains("dependsOn lacks"));
    assert!(broken(&|d| d.push(sku_c as u32)).contains("does not come before"));
    assert!(broken(&|d| d.insert(0, d[0])).contains("not ascending"));
}

#[test]
fn depends_on_defaults_to_empty_when_absent() {
    let p = plan(&CatalogState::default(), &kit_batch(), &activate()).unwrap();
    let mut v = serde_json::to_value(&p.steps[0]).unwrap();
    assert_eq!(v["dependsOn"], json!([]));
    v.as_object_mut().unwrap().remove("dependsOn");
    let back: PlanStep = serde_json::from_value(v).unwrap();
    assert_eq!(back, p.steps[0]);
}

#[test]
fn the_phases_are_a_constant_in_vtex_order() {
    let phases = import_phases(&crate::ops::NoInput {});
    assert!(phases.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(phases.len(), 13);
    let json = serde_json::to_value(&phases).unwrap();
    assert_eq!(json[0], "CATEGORIES");
    assert_eq!(json[12], "ACTIVATION");
    // Every step of a plan is in one of them.
    let p = plan(&CatalogState::default(), &kit_batch(), &activate()).unwrap();
    assert!(p.steps.iter().all(|s| phases.contains(&s.phase)));
}
