//! WebAssembly bindings of `ponte-core`: the only crate that knows JavaScript.
//!
//! Two doors into the same functions:
//! - the wasm-bindgen exports below, used by the Node service through the generated
//!   TypeScript module (`node/generated/ponte_wasm.ts`);
//! - the raw JSON ABI in [`abi`] (`alloc`, `dealloc`, `call`), which needs no JavaScript, so
//!   the harness drives the shipped `.wasm` under wasmtime.
//!
//! Both go through [`abi::call_op`]: the wasm-bindgen exports turn the JS value into JSON
//! text with `JSON.stringify` and the answer back with `JSON.parse`, so the two doors decode
//! and encode with the same serde code and give the same answers and the same errors. (Per
//! measurement in shared/vtex-io.md, JSON text costs the same as serde-wasm-bindgen.)
//!
//! Errors reach JavaScript as an `Error` whose `code` property is the stable code.
//! Nothing here may panic: the shipped profile aborts on panic, which would kill the instance.

pub mod abi;

use abi::{AbiError, Op};
use js_sys::{JSON, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "EffectiveSpecificationsRequest")]
    pub type EffectiveSpecificationsRequestJs;
    #[wasm_bindgen(typescript_type = "EffectiveSpecifications")]
    pub type EffectiveSpecificationsJs;
    #[wasm_bindgen(typescript_type = "CategoryTreeRequest")]
    pub type CategoryTreeRequestJs;
    #[wasm_bindgen(typescript_type = "CategoryNode[]")]
    pub type CategoryNodesJs;
    #[wasm_bindgen(typescript_type = "MoveImpactRequest")]
    pub type MoveImpactRequestJs;
    #[wasm_bindgen(typescript_type = "MoveImpact")]
    pub type MoveImpactJs;
    #[wasm_bindgen(typescript_type = "ValidateRequest")]
    pub type ValidateRequestJs;
    #[wasm_bindgen(typescript_type = "ValidToken")]
    pub type ValidTokenJs;
    #[wasm_bindgen(typescript_type = "ValidateBatchRequest")]
    pub type ValidateBatchRequestJs;
    #[wasm_bindgen(typescript_type = "ValidateBatchResponse")]
    pub type ValidateBatchResponseJs;
    #[wasm_bindgen(typescript_type = "PlanRequest")]
    pub type PlanRequestJs;
    #[wasm_bindgen(typescript_type = "PlanResponse")]
    pub type PlanResponseJs;
    #[wasm_bindgen(typescript_type = "CheckActionRequest")]
    pub type CheckActionRequestJs;
    #[wasm_bindgen(typescript_type = "ActionOutcome")]
    pub type ActionOutcomeJs;
    #[wasm_bindgen(typescript_type = "ApplyActionRequest")]
    pub type ApplyActionRequestJs;
    #[wasm_bindgen(typescript_type = "ApplyActionResponse")]
    pub type ApplyActionResponseJs;
    #[wasm_bindgen(typescript_type = "ParseEventRequest")]
    pub type ParseEventRequestJs;
    #[wasm_bindgen(typescript_type = "HookInput")]
    pub type HookInputJs;
    #[wasm_bindgen(typescript_type = "DecideEventRequest")]
    pub type DecideEventRequestJs;
    #[wasm_bindgen(typescript_type = "DecideEventResponse")]
    pub type DecideEventResponseJs;
    #[wasm_bindgen(typescript_type = "RememberEventRequest")]
    pub type RememberEventRequestJs;
    #[wasm_bindgen(typescript_type = "IntakeMemory")]
    pub type IntakeMemoryJs;
    #[wasm_bindgen(typescript_type = "ApplyEventRequest")]
    pub type ApplyEventRequestJs;
    #[wasm_bindgen(typescript_type = "OrderState")]
    pub type OrderStateJs;
    #[wasm_bindgen(typescript_type = "ReconcileOrderRequest")]
    pub type ReconcileOrderRequestJs;
    #[wasm_bindgen(typescript_type = "TransitionRequest")]
    pub type TransitionRequestJs;
    #[wasm_bindgen(typescript_type = "Status")]
    pub type StatusJs;
}

/// The effective specifications of a category (own, inherited and root-level fields).
#[wasm_bindgen]
pub fn effective_specifications(
    input: EffectiveSpecificationsRequestJs,
) -> Result<EffectiveSpecificationsJs, JsValue> {
    call(Op::EffectiveSpecifications, &input).map(JsCast::unchecked_into)
}

/// The catalog as nested nodes, departments first.
#[wasm_bindgen]
pub fn category_tree(input: CategoryTreeRequestJs) -> Result<CategoryNodesJs, JsValue> {
    call(Op::CategoryTree, &input).map(JsCast::unchecked_into)
}

/// What moving a category under another father would change.
#[wasm_bindgen]
pub fn move_impact(input: MoveImpactRequestJs) -> Result<MoveImpactJs, JsValue> {
    call(Op::MoveImpact, &input).map(JsCast::unchecked_into)
}

/// Checks a VTEX ID token (structure, algorithm allow-list, claims against the expected
/// audience, account and clock) and, when `jwks` is given, its signature.
#[wasm_bindgen]
pub fn validate_token(input: ValidateRequestJs) -> Result<ValidTokenJs, JsValue> {
    call(Op::ValidateToken, &input).map(JsCast::unchecked_into)
}

/// Validates an import batch against the current catalog: every error with its path and code, or what the import would do.
#[wasm_bindgen]
pub fn validate_catalog_batch(
    input: ValidateBatchRequestJs,
) -> Result<ValidateBatchResponseJs, JsValue> {
    call(Op::ValidateCatalogBatch, &input).map(JsCast::unchecked_into)
}

/// The ordered, idempotent import plan for a batch, or every error in it.
#[wasm_bindgen]
pub fn plan_catalog_import(input: PlanRequestJs) -> Result<PlanResponseJs, JsValue> {
    call(Op::PlanCatalogImport, &input).map(JsCast::unchecked_into)
}

/// Checks an ERP action against the order workflow and its payload rules, before any OMS call.
#[wasm_bindgen]
pub fn check_order_action(input: CheckActionRequestJs) -> Result<ActionOutcomeJs, JsValue> {
    call(Op::CheckOrderAction, &input).map(JsCast::unchecked_into)
}

/// Records an action the OMS accepted into the order as Ponte tracks it.
#[wasm_bindgen]
pub fn apply_order_action(input: ApplyActionRequestJs) -> Result<ApplyActionResponseJs, JsValue> {
    call(Op::ApplyOrderAction, &input).map(JsCast::unchecked_into)
}

/// Parses a Feed v3 item, a Hook payload (or its ping) or an IO event.
#[wasm_bindgen]
pub fn parse_order_event(input: ParseEventRequestJs) -> Result<HookInputJs, JsValue> {
    call(Op::ParseOrderEvent, &input).map(JsCast::unchecked_into)
}

/// Decides whether an order event is new, a duplicate, stale or filtered out.
#[wasm_bindgen]
pub fn decide_order_event(input: DecideEventRequestJs) -> Result<DecideEventResponseJs, JsValue> {
    call(Op::DecideOrderEvent, &input).map(JsCast::unchecked_into)
}

/// Adds an event to the intake memory the caller persists.
#[wasm_bindgen]
pub fn remember_order_event(input: RememberEventRequestJs) -> Result<IntakeMemoryJs, JsValue> {
    call(Op::RememberOrderEvent, &input).map(JsCast::unchecked_into)
}

/// Folds a platform event into the order as Ponte tracks it.
#[wasm_bindgen]
pub fn apply_order_event(input: ApplyEventRequestJs) -> Result<OrderStateJs, JsValue> {
    call(Op::ApplyOrderEvent, &input).map(JsCast::unchecked_into)
}

/// Brings the order up to Get order: its `value` and `items` when they fit the invoices, then
/// the invoices it lists (`packageAttachment.packages`) and the order lacks; input
/// `{state, order}` with `order` the whole Get order JSON (raw ABI op `reconcileOrder`).
#[wasm_bindgen]
pub fn reconcile_order(input: ReconcileOrderRequestJs) -> Result<OrderStateJs, JsValue> {
    call(Op::ReconcileOrder, &input).map(JsCast::unchecked_into)
}

/// The status a workflow event leads to, or why it cannot happen.
#[wasm_bindgen]
pub fn order_transition(input: TransitionRequestJs) -> Result<StatusJs, JsValue> {
    call(Op::OrderTransition, &input).map(JsCast::unchecked_into)
}

/// The version of the core inside this module.
#[wasm_bindgen]
pub fn version() -> String {
    abi::VERSION.to_owned()
}

fn call(op: Op, input: &JsValue) -> Result<JsValue, JsValue> {
    let text = match JSON::stringify(input) {
        Ok(s) => s.as_string(),
        Err(_) => None,
    }
    .ok_or_else(|| {
        js_error(&AbiError::input(
            "the input is not JSON-serialisable (undefined, a function or a cycle)",
        ))
    })?;
    let out = abi::call_op(op, &text).map_err(|e| js_error(&e))?;
    JSON::parse(&out).map_err(|_| js_error(&AbiError::internal("the core produced invalid JSON")))
}

fn js_error(e: &AbiError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    // Setting a property on a fresh Error object cannot fail; if it did, the message stays.
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(e.code));
    err.into()
}
