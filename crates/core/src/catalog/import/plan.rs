//! From a validated batch to ordered steps (§C.10), and the dependency check.

use super::activation::{ActivationFacts, UnmetPrecondition, unmet_activation_preconditions};
use super::batch::{ImportBatch, ImportOptions};
use super::error::ImportError;
use super::model::{BrandId, CatalogState, ProductId, ProductPatch, SkuId, SkuPatch};
use super::plan_types::*;
use super::validate::{Change, RProduct, RSku, Resolved, esc, fold, validate};
use crate::ids::{CategoryId, FieldId, FieldValueId, GroupId};
use std::collections::{BTreeMap, BTreeSet};

/// Validates `batch` against the `current` catalog and plans its import.
///
/// Returns every error at once (sorted by position in the batch), or the steps in VTEX's order:
/// categories top-down, brands, specification groups, fields, values, products, trade-policy
/// links, SKUs (inactive), product and SKU specifications, images, kit components, and — with
/// [`ImportOptions::activate_skus`] — activations where every precondition will hold. Entities
/// that exist and are equal get no step; different ones an update (upsert) or an error
/// (create-only).
///
/// ```
/// use ponte_core::catalog::import::*;
/// let batch = ImportBatch {
///     categories: vec![CategoryInput { name: "Shoes".into(), ..Default::default() }],
///     brands: vec![BrandInput { name: "Acme".into(), ..Default::default() }],
///     products: vec![ProductInput {
///         ref_id: "P1".into(), name: "Runner".into(),
///         category: Some(CategoryRef::path(&["Shoes"])), brand: Some("Acme".into()),
///         ..Default::default()
///     }],
///     ..Default::default()
/// };
/// let plan = plan(&CatalogState::default(), &batch, &ImportOptions::default()).unwrap();
/// assert_eq!(plan.steps.len(), 4); // category, brand, product, link to trade policy 1
/// plan_respects_dependencies(&plan).unwrap();
/// ```
pub fn plan(
    current: &CatalogState,
    batch: &ImportBatch,
    options: &ImportOptions,
) -> Result<ImportPlan, Vec<ImportError>> {
    let resolved = validate(current, batch, options)?;
    Ok(Emitter::new(&resolved, options).run())
}

/// Only validates: every error, or nothing.
pub fn validate_batch(
    current: &CatalogState,
    batch: &ImportBatch,
    options: &ImportOptions,
) -> Result<(), Vec<ImportError>> {
    validate(current, batch, options).map(|_| ())
}

struct Emitter<'r> {
    r: &'r Resolved,
    options: &'r ImportOptions,
    steps: Vec<PlanStep>,
    cats: BTreeMap<CategoryId, u32>,
    brands: BTreeMap<BrandId, u32>,
    groups: BTreeMap<GroupId, u32>,
    fields: BTreeMap<FieldId, u32>,
    values: BTreeMap<FieldValueId, u32>,
    products: BTreeMap<ProductId, u32>,
    skus: BTreeMap<SkuId, u32>,
}

fn reference<T: Copy + Ord>(map: &BTreeMap<T, u32>, id: T, is_new: bool) -> Ref<T> {
    if is_new {
        // A provisional id without a create step would be a planner bug; `u32::MAX` makes
        // `plan_respects_dependencies` catch it instead of sending a wrong id.
        Ref::Planned {
            step: map.get(&id).copied().unwrap_or(u32::MAX),
        }
    } else {
        Ref::Existing { id }
    }
}

/// One `Ref` constructor per id type: an existing entity, or the step that creates it (the
/// ids from `first_new` on are the batch's new entities).
macro_rules! plan_refs {
    ($($name:ident: $id:ty => $steps:ident, $first:ident;)*) => {$(
        fn $name(&self, id: $id) -> Ref<$id> {
            reference(&self.$steps, id, id.0 >= self.r.first_new.$first)
        }
    )*};
}

impl<'r> Emitter<'r> {
    fn new(r: &'r Resolved, options: &'r ImportOptions) -> Self {
        Emitter {
            r,
            options,
            steps: Vec::new(),
            cats: BTreeMap::new(),
            brands: BTreeMap::new(),
            groups: BTreeMap::new(),
            fields: BTreeMap::new(),
            values: BTreeMap::new(),
            products: BTreeMap::new(),
            skus: BTreeMap::new(),
        }
    }

    /// A step; its phase is its operation's.
    fn push(&mut self, action: StepAction, key: String, path: &str, operation: Operation) -> u32 {
        let index = self.steps.len() as u32;
        let depends_on: BTreeSet<u32> = operation.references().iter().map(|r| r.1).collect();
        self.steps.push(PlanStep {
            index,
            phase: phase_of(&operation),
            action,
            key,
            path: path.to_owned(),
            operation,
            depends_on: depends_on.into_iter().collect(),
        });
        index
    }

    /// An entity's step (`None` when it is the same): the index of its creation, which later
    /// steps refer to.
    fn entity(
        &mut self,
        change: Change,
        key: String,
        path: &str,
        op: Option<Operation>,
    ) -> Option<u32> {
        let (action, op) = (action_of(change)?, op?);
        let step = self.push(action, key, path, op);
        (change == Change::Create).then_some(step)
    }

    plan_refs! {
        cref: CategoryId => cats, category;
        bref: BrandId => brands, brand;
        gref: GroupId => groups, group;
        fref: FieldId => fields, field;
        vref: FieldValueId => values, value;
        pref: ProductId => products, product;
        sref: SkuId => skus, sku;
    }

    /// Folded names from the department down, escaped and joined by `/`.
    fn category_part(&self, id: Option<CategoryId>) -> String {
        let Some(id) = id else { return String::new() };
        let m = &self.r.merged;
        m.path_ids(id)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| m.category(*c))
            .map(|c| esc(&fold(&c.name)))
            .collect::<Vec<_>>()
            .join("/")
    }
    fn group_part(&self, id: GroupId) -> String {
        let m = &self.r.merged;
        let (scope, name) = m
            .group(id)
            .map(|g| (g.category_id, fold(&g.name)))
            .unwrap_or_default();
        format!("{}#{}", self.category_part(scope), esc(&name))
    }
    fn field_part(&self, id: FieldId) -> String {
        let m = &self.r.merged;
        let (group, name) = m
            .field(id)
            .map(|f| (f.field_group_id, fold(&f.name)))
            .unwrap_or((GroupId(0), String::new()));
        format!("{}#{}", self.group_part(group), esc(&name))
    }

    fn run(mut self) -> ImportPlan {
        let r = self.r;
        let m = &r.merged;

        // 1. Categories, top-down.
        let mut cats: Vec<&super::validate::RCategory> = r.categories.iter().collect();
        cats.sort_by_key(|c| c.depth);
        for c in cats {
            let Some(cat) = m.category(c.id) else {
                continue;
            };
            let key = format!("category:{}", self.category_part(Some(c.id)));
            let op = match c.change {
                Change::Create => Some(Operation::CreateCategory {
                    name: cat.name.clone(),
                    father: cat.father_category_id.map(|f| self.cref(f)),
                    is_active: cat.is_active,
                }),
                Change::Update => Some(Operation::UpdateCategory {
                    id: c.id,
                    name: cat.name.clone(),
                    is_active: cat.is_active,
                }),
                Change::Same => None,
            };
            if let Some(step) = self.entity(c.change, key, &c.path, op) {
                self.cats.insert(c.id, step);
            }
        }

        // 2. Brands.
        for b in &r.brands {
            let key = format!("brand:{}", esc(&fold(&b.name)));
            let op = match b.change {
                Change::Create => Some(Operation::CreateBrand {
                    name: b.name.clone(),
                    link_id: b.link_id.clone(),
                    is_active: b.is_active,
                }),
                Change::Update => Some(Operation::UpdateBrand {
                    id: b.id,
                    name: b.name.clone(),
                    link_id: b.link_id.clone(),
                    is_active: b.is_active,
                }),
                Change::Same => None,
            };
            if let Some(step) = self.entity(b.change, key, &b.path, op) {
                self.brands.insert(b.id, step);
            }
        }

        // 3.–5. Specification groups, fields, values.
        for g in &r.groups {
            let Some(group) = m.group(g.id) else { continue };
            let key = format!("group:{}", self.group_part(g.id));
            let op = match g.change {
                Change::Create => Some(Operation::CreateSpecificationGroup {
                    category: group.category_id.map(|c| self.cref(c)),
                    name: group.name.clone(),
                    position: group.position,
                }),
                Change::Update => Some(Operation::UpdateSpecificationGroup {
                    id: g.id,
                    name: group.name.clone(),
                    position: group.position,
                }),
                Change::Same => None,
            };
            if let Some(step) = self.entity(g.change, key, &g.path, op) {
                self.groups.insert(g.id, step);
            }
        }
        for f in &r.fields {
            let Some(field) = m.field(f.id) else { continue };
            let key = format!("field:{}", self.field_part(f.id));
            let op = match f.change {
                Change::Create => {
                    let category = m.group(field.field_group_id).and_then(|g| g.category_id);
                    Some(Operation::CreateSpecificationField {
                        group: self.gref(field.field_group_id),
                        category: category.map(|c| self.cref(c)),
                        name: field.name.clone(),
                        field_type_id: field.field_type_id,
                        is_stock_keeping_unit: field.is_stock_keeping_unit,
                        is_required: field.is_required,
                        is_filter: field.is_filter,
                        is_active: field.is_active,
                        position: field.position,
                    })
                }
                Change::Update => Some(Operation::UpdateSpecificationField {
                    id: f.id,
                    name: field.name.clone(),
                    field_type_id: field.field_type_id,
                    is_stock_keeping_unit: field.is_stock_keeping_unit,
                    is_required: field.is_required,
                    is_filter: field.is_filter,
                    is_active: field.is_active,
                    position: field.position,
                }),
                Change::Same => None,
            };
            if let Some(step) = self.entity(f.change, key, &f.path, op) {
                self.fields.insert(f.id, step);
            }
        }
        for v in &r.values {
            let Some(value) = m.value(v.id) else { continue };
            let key = format!(
                "value:{}={}",
                self.field_part(value.field_id),
                esc(&fold(&value.name))
            );
            let op = match v.change {
                Change::Create => Some(Operation::CreateSpecificationValue {
                    field: self.fref(value.field_id),
                    name: value.name.clone(),
                    is_active: value.is_active,
                    position: value.position,
                }),
                Change::Update => Some(Operation::UpdateSpecificationValue {
                    id: v.id,
                    field: value.field_id,
                    name: value.name.clone(),
                    is_active: value.is_active,
                    position: value.position,
                }),
                Change::Same => None,
            };
            if let Some(step) = self.entity(v.change, key, &v.path, op) {
                self.values.insert(v.id, step);
            }
        }

        // 6. Products.
        for p in &r.products {
            let key = format!("product:{}", esc(&p.key));
            let patch = ProductPatch {
                category_id: None,
                brand_id: None,
                ..p.patch.clone()
            };
            let (category, brand) = (self.cref(p.category), self.bref(p.brand));
            let op = match p.change {
                Change::Create => Some(Operation::CreateProduct {
                    category,
                    brand,
                    product: patch,
                }),
                Change::Update => Some(Operation::UpdateProduct {
                    id: p.id,
                    category,
                    brand,
                    patch,
                }),
                Change::Same => None,
            };
            if let Some(step) = self.entity(p.change, key, &p.path, op) {
                self.products.insert(p.id, step);
            }
        }

        // 7. Trade policies.
        for p in &r.products {
            for (tp, change) in &p.trade_policies {
                if *change == Change::Create {
                    let op = Operation::LinkProductTradePolicy {
                        product: self.pref(p.id),
                        trade_policy_id: *tp,
                    };
                    let key = format!("productTradePolicy:{}@{}", esc(&p.key), tp);
                    self.push(StepAction::Create, key, &p.path, op);
                }
            }
        }

        // 8. SKUs, inactive.
        for p in &r.products {
            for s in &p.skus {
                let key = format!("sku:{}", s.key);
                let op = match s.change {
                    Change::Create => Some(Operation::CreateSku {
                        product: self.pref(p.id),
                        sku: SkuPatch {
                            product_id: None,
                            is_active: Some(false),
                            ..s.patch.clone()
                        },
                    }),
                    Change::Update => Some(Operation::UpdateSku {
                        id: s.id,
                        patch: SkuPatch {
                            product_id: None,
                            is_active: None,
                            ..s.patch.clone()
                        },
                    }),
                    Change::Same => None,
                };
                if let Some(step) = self.entity(s.change, key, &s.path, op) {
                    self.skus.insert(s.id, step);
                }
            }
        }

        // 9.–10. Specifications.
        for p in &r.products {
            for spec in &p.specs {
                let Some(action) = action_of(spec.change) else {
                    continue;
                };
                let key = format!(
                    "productSpecification:{}#{}",
                    esc(&p.key),
                    self.field_part(spec.field)
                );
                let op = Operation::SetProductSpecification {
                    product: self.pref(p.id),
                    field: self.fref(spec.field),
                    text: spec.text.clone(),
                    values: spec.values.iter().map(|v| self.vref(*v)).collect(),
                };
                self.push(action, key, &spec.path, op);
            }
        }
        for p in &r.products {
            for s in &p.skus {
                for spec in &s.specs {
                    let Some(action) = action_of(spec.change) else {
                        continue;
                    };
                    let key = format!("skuSpecification:{}#{}", s.key, self.field_part(spec.field));
                    let op = Operation::SetSkuSpecification {
                        sku: self.sref(s.id),
                        field: self.fref(spec.field),
                        value: self.vref(spec.value),
                    };
                    self.push(action, key, &spec.path, op);
                }
            }
        }

        // 11. Images.
        for p in &r.products {
            for s in &p.skus {
                for img in &s.images {
                    let key = format!("skuImage:{}#{}", s.key, esc(&fold(&img.body.name)));
                    match (img.change, img.existing) {
                        (Change::Create, _) | (Change::Update, None) => {
                            let op = Operation::AddSkuImage {
                                sku: self.sref(s.id),
                                image: img.body.clone(),
                            };
                            self.push(StepAction::Create, key, &img.path, op);
                        }
                        (Change::Update, Some(id)) => {
                            let op = Operation::UpdateSkuImage {
                                id,
                                sku: s.id,
                                image: img.body.clone(),
                            };
                            self.push(StepAction::Update, key, &img.path, op);
                        }
                        (Change::Same, _) => {}
                    }
                }
            }
        }

        // 12. Kit components.
        for p in &r.products {
            for s in &p.skus {
                for k in &s.kit {
                    let Some(action) = action_of(k.change) else {
                        continue;
                    };
                    let key = format!("kitComponent:{}#{}", s.key, esc(&k.component_ref));
                    let op = Operation::SetKitComponent {
                        kit: self.sref(s.id),
                        component: self.sref(k.component),
                        quantity: k.quantity,
                    };
                    self.push(action, key, &k.path, op);
                }
            }
        }

        // 13. Activation.
        let activation = self.activation();

        let mut summary = PlanSummary {
            unchanged: r.unchanged,
            ..Default::default()
        };
        for s in &self.steps {
            match s.action {
                StepAction::Create => summary.creates += 1,
                StepAction::Update => summary.updates += 1,
                StepAction::Activate => summary.activations += 1,
            }
        }
        ImportPlan {
            steps: self.steps,
            activation,
            summary,
        }
    }

    fn activation(&mut self) -> Vec<SkuActivation> {
        let r = self.r;
        let m = &r.merged;
        let mut sku_fields: BTreeMap<CategoryId, Vec<(FieldId, String)>> = BTreeMap::new();
        let all: Vec<(&RProduct, &RSku)> = r
            .products
            .iter()
            .flat_map(|p| p.skus.iter().map(move |s| (p, s)))
            .collect();
        for (p, _) in &all {
            sku_fields.entry(p.category).or_insert_with(|| {
                m.effective_specifications(p.category)
                    .map(|e| {
                        e.sku_fields
                            .into_iter()
                            .map(|f| (f.field_id, f.name))
                            .collect()
                    })
                    .unwrap_or_default()
            });
        }
        let facts = |p: &RProduct, s: &RSku, active: &BTreeMap<SkuId, bool>| {
            let present = |x: &Option<String>| x.as_deref().is_some_and(|x| !x.trim().is_empty());
            let components = s
                .kit
                .iter()
                .map(|k| k.component)
                .chain(s.kept_components.iter().copied());
            ActivationFacts {
                has_ref_id_or_ean: present(&s.after.ref_id) || present(&s.after.ean),
                image_count: s.images.len() as u32 + s.kept_images,
                missing_sku_fields: sku_fields
                    .get(&p.category)
                    .map(|fs| {
                        fs.iter()
                            .filter(|(f, _)| !s.valued_fields.contains(f))
                            .map(|(_, n)| n.clone())
                            .collect()
                    })
                    .unwrap_or_default(),
                is_kit: s.after.is_kit,
                active_kit_components: components
                    .filter(|c| active.get(c).copied().unwrap_or(false))
                    .count() as u32,
                product_active: p.is_active_after,
                brand_active: r.brand_active.get(&p.brand).copied().unwrap_or(false),
                category_active: m.category(p.category).is_some_and(|c| c.is_active),
            }
        };
        let mut active = r.sku_active.clone();
        let mut order: Vec<(&RSku, &str)> = Vec::new();
        let mut activated = BTreeSet::new();
        if self.options.activate_skus {
            // Kits need an active component, so activate in rounds until nothing changes.
            for _ in 0..=all.len() {
                let mut changed = false;
                for (p, s) in &all {
                    if active.get(&s.id).copied().unwrap_or(false) || activated.contains(&s.id) {
                        continue;
                    }
                    if unmet_activation_preconditions(&facts(p, s, &active)).is_empty() {
                        active.insert(s.id, true);
                        activated.insert(s.id);
                        order.push((s, &s.path));
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
        }
        let mut activation_steps: BTreeMap<SkuId, u32> = BTreeMap::new();
        for (s, path) in order {
            let op = Operation::ActivateSku {
                sku: self.sref(s.id),
            };
            let step = self.push(
                StepAction::Activate,
                format!("activateSku:{}", s.key),
                path,
                op,
            );
            activation_steps.insert(s.id, step);
            // A kit needs an active component (§C.6): unless one already was, it waits for
            // the activations of its components that come before it.
            let components: Vec<SkuId> = s
                .kit
                .iter()
                .map(|k| k.component)
                .chain(s.kept_components.iter().copied())
                .collect();
            let already = |c: &SkuId| r.sku_active.get(c).copied().unwrap_or(false);
            if s.after.is_kit
                && !components.iter().any(already)
                && let Some(last) = self.steps.last_mut()
            {
                let earlier = components.iter().filter_map(|c| activation_steps.get(c));
                let deps: BTreeSet<u32> = earlier.chain(&last.depends_on).copied().collect();
                last.depends_on = deps.into_iter().collect();
            }
        }
        all.iter()
            .map(|(p, s)| {
                let unmet: Vec<UnmetPrecondition> =
                    unmet_activation_preconditions(&facts(p, s, &active));
                SkuActivation {
                    key: format!("sku:{}", s.key),
                    path: s.path.clone(),
                    already_active: s.existing_active,
                    activate: activated.contains(&s.id),
                    unmet,
                }
            })
            .collect()
    }
}

fn action_of(change: Change) -> Option<StepAction> {
    match change {
        Change::Create => Some(StepAction::Create),
        Change::Update => Some(StepAction::Update),
        Change::Same => None,
    }
}

fn phase_of(op: &Operation) -> Phase {
    use Operation as O;
    match op {
        O::CreateCategory { .. } | O::UpdateCategory { .. } => Phase::Categories,
        O::CreateBrand { .. } | O::UpdateBrand { .. } => Phase::Brands,
        O::CreateSpecificationGroup { .. } | O::UpdateSpecificationGroup { .. } => {
            Phase::SpecificationGroups
        }
        O::CreateSpecificationField { .. } | O::UpdateSpecificationField { .. } => {
            Phase::SpecificationFields
        }
        O::CreateSpecificationValue { .. } | O::UpdateSpecificationValue { .. } => {
            Phase::SpecificationValues
        }
        O::CreateProduct { .. } | O::UpdateProduct { .. } => Phase::Products,
        O::LinkProductTradePolicy { .. } => Phase::ProductTradePolicies,
        O::CreateSku { .. } | O::UpdateSku { .. } => Phase::Skus,
        O::SetProductSpecification { .. } => Phase::ProductSpecifications,
        O::SetSkuSpecification { .. } => Phase::SkuSpecifications,
        O::AddSkuImage { .. } | O::UpdateSkuImage { .. } => Phase::SkuImages,
        O::SetKitComponent { .. } => Phase::KitComponents,
        O::ActivateSku { .. } => Phase::Activation,
    }
}

fn action_allowed(op: &Operation, action: StepAction) -> bool {
    use Operation as O;
    match op {
        O::ActivateSku { .. } => action == StepAction::Activate,
        O::SetProductSpecification { .. }
        | O::SetSkuSpecification { .. }
        | O::SetKitComponent { .. } => action != StepAction::Activate,
        O::LinkProductTradePolicy { .. } | O::AddSkuImage { .. } => action == StepAction::Create,
        _ if op.creates().is_some() => action == StepAction::Create,
        _ => action == StepAction::Update,
    }
}

/// Checks the invariants an executor relies on: step `i` has index `i`; phases never go back;
/// keys are unique; `dependsOn` is ascending, names only earlier steps and every step a
/// `Ref::Planned` points to; every `Ref::Planned` points to an earlier step that creates an entity of
/// the right kind; no SKU is created active; an activated kit's planned components are
/// activated before it. The harness runs it on every plan it generates.
pub fn plan_respects_dependencies(plan: &ImportPlan) -> Result<(), String> {
    let mut keys = BTreeSet::new();
    let mut last_phase = None;
    let mut activations: BTreeMap<Ref<SkuId>, usize> = BTreeMap::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let at = || format!("step {i} ({})", step.key);
        if step.index as usize != i {
            return Err(format!(
                "{}: index {} is not its position",
                at(),
                step.index
            ));
        }
        let phase = phase_of(&step.operation);
        if phase != step.phase {
            return Err(format!(
                "{}: operation belongs to {phase:?}, step says {:?}",
                at(),
                step.phase
            ));
        }
        if last_phase.is_some_and(|p| p > phase) {
            return Err(format!("{}: phase {phase:?} after {:?}", at(), last_phase));
        }
        last_phase = Some(phase);
        if !action_allowed(&step.operation, step.action) {
            return Err(format!(
                "{}: action {:?} does not fit the operation",
                at(),
                step.action
            ));
        }
        if !keys.insert(step.key.as_str()) {
            return Err(format!("{}: idempotency key used twice", at()));
        }
        if step.depends_on.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!("{}: dependsOn is not ascending", at()));
        }
        if let Some(d) = step.depends_on.iter().find(|d| **d as usize >= i) {
            return Err(format!(
                "{}: depends on step {d}, which does not come before it",
                at()
            ));
        }
        for (kind, target) in step.operation.references() {
            let t = target as usize;
            if t >= i {
                return Err(format!(
                    "{}: uses step {target}, which does not come before it",
                    at()
                ));
            }
            if step.depends_on.binary_search(&target).is_err() {
                return Err(format!(
                    "{}: uses step {target}, which its dependsOn lacks",
                    at()
                ));
            }
            let created = plan.steps[t].operation.creates();
            if created != Some(kind) {
                return Err(format!(
                    "{}: needs a {kind:?} from step {target}, which creates {created:?}",
                    at()
                ));
            }
        }
        match &step.operation {
            Operation::CreateSku { sku, .. } if sku.is_active == Some(true) => {
                return Err(format!("{}: VTEX refuses an SKU created active", at()));
            }
            Operation::ActivateSku { sku } => {
                activations.insert(*sku, i);
            }
            _ => {}
        }
    }
    for step in &plan.steps {
        if let Operation::SetKitComponent { kit, component, .. } = &step.operation
            && let (Some(k), Some(c)) = (activations.get(kit), activations.get(component))
            && c > k
        {
            return Err(format!(
                "kit activated at step {k} before its component at step {c}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
