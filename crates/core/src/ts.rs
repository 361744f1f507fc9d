//! TypeScript declarations of the contract types, generated from the Rust types with ts-rs.
//! `xtask` writes them into the Node service; nothing else uses this module.

use crate::catalog::import::{
    PlanRequest, PlanResponse, ValidateBatchRequest, ValidateBatchResponse,
};
use crate::catalog::{
    CategoryNode, CategoryTreeRequest, EffectiveSpecifications, EffectiveSpecificationsRequest,
    MoveImpact, MoveImpactRequest,
};
use crate::orders::ops::{
    ApplyActionRequest, ApplyActionResponse, ApplyEventRequest, CheckActionRequest,
    DecideEventRequest, DecideEventResponse, ParseEventRequest, ReconcileOrderRequest,
    RememberEventRequest, TransitionRequest,
};
use crate::orders::{ActionOutcome, HookInput, IntakeMemory, OrderState, Status};
use crate::sso::{ValidToken, ValidateRequest};
use std::any::TypeId;
use std::collections::HashSet;
use ts_rs::{Config, TS, TypeVisitor};

/// `export type ...` declarations for every type that crosses the wasm boundary: the request
/// and response types of each operation and, recursively, every type they mention.
pub fn declarations() -> String {
    // Every 64-bit integer in the contract is bounded to JavaScript's exact range (ids are
    // u32; times and money are checked), so they are plain numbers, not bigint.
    let mut c = Collector {
        cfg: Config::default().with_large_int("number"),
        seen: HashSet::new(),
        declared: HashSet::new(),
        out: String::new(),
    };
    c.visit::<EffectiveSpecificationsRequest>();
    c.visit::<EffectiveSpecifications>();
    c.visit::<CategoryTreeRequest>();
    c.visit::<CategoryNode>();
    c.visit::<MoveImpactRequest>();
    c.visit::<MoveImpact>();
    c.visit::<ValidateRequest>();
    c.visit::<ValidToken>();
    c.visit::<ValidateBatchRequest>();
    c.visit::<ValidateBatchResponse>();
    c.visit::<PlanRequest>();
    c.visit::<PlanResponse>();
    c.visit::<CheckActionRequest>();
    c.visit::<ActionOutcome>();
    c.visit::<ApplyActionRequest>();
    c.visit::<ApplyActionResponse>();
    c.visit::<ParseEventRequest>();
    c.visit::<HookInput>();
    c.visit::<DecideEventRequest>();
    c.visit::<DecideEventResponse>();
    c.visit::<RememberEventRequest>();
    c.visit::<IntakeMemory>();
    c.visit::<ApplyEventRequest>();
    c.visit::<OrderState>();
    c.visit::<ReconcileOrderRequest>();
    c.visit::<TransitionRequest>();
    c.visit::<Status>();
    c.out
}

struct Collector {
    cfg: Config,
    seen: HashSet<TypeId>,
    /// Generic types are visited once per instantiation but declared once (`Ref<T>`).
    declared: HashSet<String>,
    out: String,
}

impl TypeVisitor for Collector {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        if T::output_path().is_none() {
            // A primitive or a std container: declare what it contains.
            T::visit_dependencies(self);
            T::visit_generics(self);
            return;
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
        if !self.declared.insert(T::ident(&self.cfg)) {
            return;
        }
        self.out.push_str("export ");
        self.out.push_str(&T::decl(&self.cfg));
        self.out.push('\n');
    }
}
