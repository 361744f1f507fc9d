//! Catalog import properties over generated worlds (`ponte_harness::import_generate`): a
//! random current catalog (imported with the reference executor), a batch that reuses, changes
//! and adds entities, and breakages.
//!
//! - every plan respects its dependencies (`plan_respects_dependencies`, and the harness's own
//!   `check_dependencies`, which also checks `Existing` ids against the catalog);
//! - interrupting the execution (`apply_plan` as the platform) after any step, re-planning the
//!   same batch against the partially applied catalog and running that plan (interrupted again,
//!   up to three times) reaches the same catalog as one uninterrupted run, with no duplicate;
//! - after a full run, re-planning gives no step at all (idempotence);
//! - validation agrees with the reference model (`import_model::reference_errors`) on its
//!   rules: the same codes at the same paths, on valid and broken batches; and each breakage's
//!   own error is among the errors.

use ponte_core::catalog::import::{
    CatalogState, ImportPlan, StepAction, apply_plan, plan, plan_respects_dependencies,
};
use ponte_harness::cases;
use ponte_harness::import_generate::{ImportWorld, broken_world, valid_world};
use ponte_harness::import_model::{
    REFERENCE_CODES, canonical, check_dependencies, reference_errors,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError};
use std::cell::Cell;

fn config(default: u32, file: &'static str) -> Config {
    Config {
        cases: cases(default),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(file))),
        ..Config::default()
    }
}

fn fail(msg: String) -> TestCaseError {
    TestCaseError::fail(msg)
}

fn plan_ok(w: &ImportWorld, current: &CatalogState) -> Result<ImportPlan, TestCaseError> {
    let p = plan(current, &w.batch, &w.options)
        .map_err(|e| fail(format!("a valid batch was refused: {e:#?}")))?;
    plan_respects_dependencies(&p).map_err(|e| fail(format!("plan_respects_dependencies: {e}")))?;
    check_dependencies(current, &p).map_err(|e| fail(format!("check_dependencies: {e}")))?;
    Ok(p)
}

fn apply(
    current: &CatalogState,
    p: &ImportPlan,
    steps: usize,
) -> Result<CatalogState, TestCaseError> {
    apply_plan(current, p, steps).map_err(|e| fail(format!("apply_plan({steps}): {e}")))
}

#[test]
fn interrupted_imports_resume_to_the_same_catalog() {
    let steps_seen = Cell::new(0usize);
    let resumed = Cell::new(0usize);
    let runs = Cell::new(0usize);
    let started = std::time::Instant::now();
    proptest!(config(300, "proptest-regressions/import_resume.txt"), |(
        w in valid_world(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 1..4),
    )| {
        runs.set(runs.get() + 1);
        let full_plan = plan_ok(&w, &w.current)?;
        steps_seen.set(steps_seen.get() + full_plan.steps.len());
        let full = apply(&w.current, &full_plan, full_plan.steps.len())?;
        let expected = canonical(&full).map_err(|e| fail(format!("uninterrupted run: {e}")))?;

        // Idempotence: nothing left to do after a full run.
        let again = plan_ok(&w, &full)?;
        prop_assert!(
            again.steps.is_empty(),
            "re-planning after a full import still has steps: {:#?}",
            again.steps
        );
        prop_assert!(!again.steps.iter().any(|s| s.action == StepAction::Create));

        // Interrupt after `cut` steps, re-plan against what was applied, go on.
        let mut state = w.current.clone();
        let mut p = full_plan.clone();
        for cut in &cuts {
            let k = cut.index(p.steps.len() + 1);
            state = apply(&state, &p, k)?;
            canonical(&state).map_err(|e| fail(format!("after {k} steps: {e}")))?;
            p = plan_ok(&w, &state)?;
            resumed.set(resumed.get() + 1);
        }
        let end = apply(&state, &p, p.steps.len())?;
        let got = canonical(&end).map_err(|e| fail(format!("resumed run: {e}")))?;
        if got != expected {
            let diff: Vec<String> = expected
                .iter()
                .filter(|(k, v)| got.get(*k) != Some(*v))
                .map(|(k, v)| format!("- {k}: {v}\n+ {:?}", got.get(k)))
                .chain(got.keys().filter(|k| !expected.contains_key(*k)).map(|k| format!("+ {k}")))
                .take(20)
                .collect();
            return Err(fail(format!("the resumed import differs:\n{}", diff.join("\n"))));
        }
    });
    eprintln!(
        "import resume: {} worlds, {} plan steps, {} interruptions, in {:.1?}",
        runs.get(),
        steps_seen.get(),
        resumed.get(),
        started.elapsed()
    );
}

#[test]
fn validation_agrees_with_the_reference_model() {
    let runs = Cell::new(0usize);
    let errors_seen = Cell::new(0usize);
    let started = std::time::Instant::now();
    proptest!(config(500, "proptest-regressions/import_validate.txt"), |(
        (w, expected) in broken_world(),
    )| {
        runs.set(runs.get() + 1);
        let reference = reference_errors(&w.current, &w.batch, &w.options);
        let core = match plan(&w.current, &w.batch, &w.options) {
            Ok(p) => {
                plan_respects_dependencies(&p).map_err(|e| fail(format!("plan_respects_dependencies: {e}")))?;
                check_dependencies(&w.current, &p).map_err(|e| fail(format!("check_dependencies: {e}")))?;
                Vec::new()
            }
            Err(errors) => errors,
        };
        errors_seen.set(errors_seen.get() + core.len());
        for e in &expected {
            prop_assert!(
                core.iter().any(|c| c.code() == e.code && c.path == e.path),
                "expected {} at {}, got {:#?}", e.code, e.path, core
            );
        }
        let mut subset: Vec<(String, &str)> = core
            .iter()
            .filter(|c| REFERENCE_CODES.contains(&c.code()))
            .map(|c| (c.path.clone(), c.code()))
            .collect();
        subset.sort();
        prop_assert_eq!(&subset, &reference, "core (left) and the reference model (right) differ; all core errors: {:#?}", core);
        if core.is_empty() {
            prop_assert!(expected.is_empty() && reference.is_empty());
        }
    });
    eprintln!(
        "import validation: {} broken batches, {} errors, in {:.1?}",
        runs.get(),
        errors_seen.get(),
        started.elapsed()
    );
}

#[test]
fn valid_worlds_validate_and_agree() {
    let runs = Cell::new(0usize);
    proptest!(config(200, "proptest-regressions/import_valid.txt"), |(w in valid_world())| {
        runs.set(runs.get() + 1);
        prop_assert!(reference_errors(&w.current, &w.batch, &w.options).is_empty());
        plan_ok(&w, &w.current)?;
    });
    eprintln!("import valid worlds: {}", runs.get());
}
