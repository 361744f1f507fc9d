//! The operation table: every operation the core offers across a boundary, declared once.
//!
//! [`for_each_operation!`](crate::for_each_operation) holds one line per operation: its
//! export name (snake_case, the wasm-bindgen function Node calls), its ABI name (camelCase,
//! the raw JSON ABI's `op`), its request and response types, and the core function. Everything
//! that lists operations is generated from it:
//! - here: [`OPERATIONS`] and the JSON dispatch [`call`];
//! - in `ponte-wasm`: the wasm-bindgen exports (a callback macro over the same table);
//! - in `ponte_core::ts` (feature `ts`): the TypeScript declarations of every request and
//!   response type and the typed signature of every export, which `xtask` writes into
//!   `node/generated/ponte_wasm.ts` after checking that wasm-bindgen exported exactly the table.
//!
//! Adding an operation: write the function (`fn(&Request) -> Result<Response, E>` with an
//! error that has a stable `code()`, or `-> Response` for operations whose refusals are data),
//! then add its line below.

use crate::antifraud::AntifraudError;
use crate::catalog::import::{ImportReads, Phase, PlanResponse, ValidateBatchResponse};
use crate::catalog::{CatalogError, FieldTypeInfo};
use crate::customers::{CustomerError, CustomerSyncResponse, ValidateCustomersResponse};
use crate::giftcards::GiftCardError;
use crate::inventory::{InventoryError, InventorySyncResponse};
use crate::orders::OrderError;
use crate::payments::{CreditDecision, PaymentError};
use crate::pricing::{PriceSyncResponse, PricingError};
use crate::sso::SsoError;
use serde::{Deserialize, Serialize};

/// Calls `$callback!` with the operation table. The one place operations are listed.
///
/// Each entry: `/// docs` then `export_name "abiName": Request => Response = function;`.
#[macro_export]
macro_rules! for_each_operation {
    ($callback:ident) => {
        $callback! {
            /// The effective specifications of a category (own, inherited and root-level fields).
            effective_specifications "effectiveSpecifications":
                $crate::catalog::EffectiveSpecificationsRequest => $crate::catalog::EffectiveSpecifications
                = $crate::catalog::effective_specifications;
            /// The catalog as nested nodes, departments first.
            category_tree "categoryTree":
                $crate::catalog::CategoryTreeRequest => Vec<$crate::catalog::CategoryNode>
                = $crate::catalog::category_tree;
            /// What moving a category under another father would change.
            move_impact "moveImpact":
                $crate::catalog::MoveImpactRequest => $crate::catalog::MoveImpact
                = $crate::catalog::move_impact;
            /// Checks a VTEX ID token (structure, algorithm allow-list, claims against the expected audience, account and clock) and, when `jwks` is given, its signature.
            validate_token "validateToken":
                $crate::sso::ValidateRequest => $crate::sso::ValidToken
                = $crate::sso::validate_request;
            /// Validates an import batch against the current catalog: every error with its path and code, or what the import would do.
            validate_catalog_batch "validateCatalogBatch":
                $crate::catalog::import::ValidateBatchRequest => $crate::catalog::import::ValidateBatchResponse
                = $crate::catalog::import::validate_catalog_batch;
            /// The ordered, idempotent import plan for a batch, or every error in it.
            plan_catalog_import "planCatalogImport":
                $crate::catalog::import::PlanRequest => $crate::catalog::import::PlanResponse
                = $crate::catalog::import::plan_catalog_batch;
            /// What must still be read from VTEX to plan a batch, given what has been read so far (products and SKUs by natural key, brands in full, missing categories, the categories whose specifications apply, groups and fields to read or leave out, fields whose values to read).
            import_reads "importReads":
                $crate::catalog::import::ImportReadsRequest => $crate::catalog::import::ImportReads
                = $crate::catalog::import::import_reads;
            /// Every specification field type VTEX knows, with whether its values come from a list and whether an SKU field may have it.
            specification_field_types "specificationFieldTypes":
                $crate::ops::NoInput => Vec<$crate::catalog::FieldTypeInfo>
                = $crate::catalog::specification_field_types;
            /// The phases of an import in VTEX's order; a plan's steps are sorted by them.
            import_phases "importPhases":
                $crate::ops::NoInput => Vec<$crate::catalog::import::Phase>
                = $crate::catalog::import::import_phases;
            /// Checks an ERP action against the order workflow and its payload rules, before any OMS call.
            check_order_action "checkOrderAction":
                $crate::orders::ops::CheckActionRequest => $crate::orders::ActionOutcome
                = $crate::orders::ops::check_action;
            /// Records an action the OMS accepted into the order as Ponte tracks it.
            apply_order_action "applyOrderAction":
                $crate::orders::ops::ApplyActionRequest => $crate::orders::ops::ApplyActionResponse
                = $crate::orders::ops::apply_action;
            /// One step of an order event's intake: parses, filters, decides against the order's memory, and folds a new event with a fresh Get order into what to write (state, memory, hand-off, ERP deliveries), or says what to read next.
            handle_order_event "handleOrderEvent":
                $crate::orders::step::HandleEventRequest => $crate::orders::step::HandleEventResponse
                = $crate::orders::step::handle_event;
            /// An order event's body parsed and filtered, before anything is stored: the ping, filtered out, or the event with its order id and dedupe key (the hook's and IO event's answer depends on nothing else).
            accept_order_event "acceptOrderEvent":
                $crate::orders::step::AcceptEventRequest => $crate::orders::step::AcceptEventResponse
                = $crate::orders::step::accept_event;
            /// The decision on an accepted event against the order's intake memory (new, duplicate, stale), and with the record's state and a Get order the fold: what to write (state, memory, hand-off, ERP deliveries) or that Get order is to be read.
            order_event_step "orderEventStep":
                $crate::orders::step::EventStepRequest => $crate::orders::step::EventStepResponse
                = $crate::orders::step::event_step;
            /// Folds actions the OMS accepted into the record's state: on the state they were checked on, then the events recorded meanwhile; the ones the state no longer takes are listed with their code.
            fold_accepted_actions "foldAcceptedActions":
                $crate::orders::FoldAcceptedRequest => $crate::orders::FoldAcceptedResponse
                = $crate::orders::fold_accepted;
            /// Ponte's first state of an order from its Get order JSON (complete flow, value, lines; no status yet).
            order_state_from_order "orderStateFromOrder":
                $crate::orders::ops::StateFromOrderRequest => $crate::orders::OrderState
                = $crate::orders::ops::state_from_order;
            /// Every order status VTEX documents, with its workflow rank.
            order_statuses "orderStatuses":
                $crate::orders::ops::StatusesRequest => Vec<$crate::orders::ops::StatusRank>
                = $crate::orders::ops::order_statuses;
            /// Checks an order id (1 to 64 letters, digits, - or _).
            check_order_id "checkOrderId":
                $crate::orders::ops::CheckOrderIdRequest => $crate::orders::OrderId
                = $crate::orders::ops::check_order_id;
            /// Brings the order up to Get order: its `value` and `items` when they fit the invoices, then the invoices it lists (`packageAttachment.packages`) and the order lacks, then (with `source`) its status; `order` is the whole Get order JSON.
            reconcile_order "reconcileOrder":
                $crate::orders::ops::ReconcileOrderRequest => $crate::orders::OrderState
                = $crate::orders::ops::reconcile_order;
            /// The computed (selling) price of an SKU in a price table for a quantity at an instant: fixed prices first (the lowest applicable wins), else the base price through the table's first fitting rule, then rounding; inheritance per `priceInheritance`; with which rule decided it, or `price: null` when the SKU cannot be sold there.
            compute_price "computePrice":
                $crate::pricing::ComputePriceRequest => $crate::pricing::ComputePriceResponse
                = $crate::pricing::compute_price;
            /// Plans a price sync: every error of the ERP's batch with its path and code, or at most one write per SKU (`PATCH .../fixed`, or a `PUT` carrying every fixed price the SKU keeps), only where something changes.
            plan_price_sync "planPriceSync":
                $crate::pricing::PriceSyncRequest => $crate::pricing::PriceSyncResponse
                = $crate::pricing::plan_price_sync;
            /// Plans a stock sync: every error of the ERP's counts with its path and code, or the writes that change something (`PUT`, `PATCH` quantity or lead time, or only recording the count's date); an older count never overwrites a newer one.
            plan_inventory_sync "planInventorySync":
                $crate::inventory::InventorySyncRequest => $crate::inventory::InventorySyncResponse
                = $crate::inventory::plan_inventory_sync;
            /// An SKU's availability in a trade policy: the sum over active warehouses linked to an active dock of the policy, each total minus reserved (never below 0) or 1,000,000 when unlimited.
            availability "availability":
                $crate::inventory::AvailabilityRequest => $crate::inventory::Availability
                = $crate::inventory::availability;
            /// A reservation after an event (confirm, acknowledge, cancel, expire, clear), or why the event is refused.
            reservation_transition "reservationTransition":
                $crate::inventory::ReservationTransitionRequest => $crate::inventory::Reservation
                = $crate::inventory::reservation_transition;
            /// One step of a Payment Provider Protocol create (`POST /payments`, §G.1): a decided payment answers from its record; otherwise what to write and ask the ERP next (read the credit account, place a hold), or, with the ERP's answer, the decision (approved on a hold, denied with a shopper-readable code, undefined when the ERP cannot answer).
            payment_authorize "paymentAuthorize":
                $crate::payments::ops::PaymentAuthorizeRequest => $crate::payments::PaymentAuthorizeStep
                = $crate::payments::ops::payment_authorize;
            /// A settlement (§G.1): at most the authorised value in total, in parts; the same `requestId` answers the same settlement; with the ERP capture to make first.
            payment_settle "paymentSettle":
                $crate::payments::ops::PaymentMovementRequest => $crate::payments::PaymentMovementStep
                = $crate::payments::ops::payment_settle;
            /// A refund (§G.1): at most the settled value in total; the same `requestId` answers the same refund; with the ERP credit to make first.
            payment_refund "paymentRefund":
                $crate::payments::ops::PaymentMovementRequest => $crate::payments::PaymentMovementStep
                = $crate::payments::ops::payment_refund;
            /// A cancellation (§G.1): a payment not settled is cancelled and its hold released; repeated, the same answer; a settled one is refused.
            payment_cancel "paymentCancel":
                $crate::payments::ops::PaymentCancelRequest => $crate::payments::PaymentCancelStep
                = $crate::payments::ops::payment_cancel;
            /// The credit decision: available (limit − open holds − unpaid invoices, as the ERP reports) covers the value, or a denial with a code and a shopper-readable message.
            payment_credit_decision "paymentCreditDecision":
                $crate::payments::ops::CreditDecisionRequest => $crate::payments::CreditDecision
                = $crate::payments::ops::credit_decision;
            /// Validates a customer batch before anything is read: every error with its path and code (email, CPF/CNPJ, corporate fields, country, postal code, price tables, lengths, duplicates), or the emails and documents to look up in Master Data.
            validate_customer_batch "validateCustomerBatch":
                $crate::customers::ValidateCustomersRequest => $crate::customers::ValidateCustomersResponse
                = $crate::customers::validate_customer_batch;
            /// Plans a customer sync from the batch and what Master Data holds: every error with its path, or the CL and AD writes that change something (each CL before its AD, `AD.userId` the bare CL id, creates as upserts with derived ids), shopper edits kept unless the ERP wins the field, and Ponte's record after the writes.
            plan_customer_sync "planCustomerSync":
                $crate::customers::CustomerSyncRequest => $crate::customers::CustomerSyncResponse
                = $crate::customers::plan_customer_sync;
            /// An email's canonical form (trimmed, lower case, checked), the key a customer is looked up by.
            normalize_customer_email "normalizeCustomerEmail":
                $crate::customers::CustomerEmail => $crate::customers::CustomerEmail
                = $crate::customers::normalize_customer_email;
            /// A new gift card (§G.2 `POST /giftcards`) from its body, the id and redemption code the service drew, and a starting balance in cents; or why it is refused.
            create_gift_card "createGiftCard":
                $crate::giftcards::CreateCardRequest => $crate::giftcards::Card
                = $crate::giftcards::create_gift_card;
            /// A gift card after a debit (pre-authorisation), credit, settlement or cancellation, with its effect; a repeated requestId answers the first effect and changes nothing; a refusal has a stable code and changes nothing.
            gift_card_command "giftCardCommand":
                $crate::giftcards::GiftCardCommandRequest => $crate::giftcards::GiftCardCommandResponse
                = $crate::giftcards::gift_card_command;
            /// The gift cards checkout may offer a shopper (owned, or typed by redemption code; not expired; with balance), paged by `REST-Range`, with the `Content-Range` to answer.
            search_gift_cards "searchGiftCards":
                $crate::giftcards::GiftCardSearchRequest => $crate::giftcards::GiftCardSearchResponse
                = $crate::giftcards::search_gift_cards;
            /// A gift card as the protocol shows it (§G.2), with each transaction's views (authorization, settlements, cancellations), values in currency units.
            gift_card_view "giftCardView":
                $crate::giftcards::GiftCardViewRequest => $crate::giftcards::CardView
                = $crate::giftcards::gift_card_view;
            /// An anti-fraud analysis for VTEX's `POST /transactions` (§G.3): new, answered `received` with the rules' decision pending (a review as manual `undefined`; homologation ids by their last digit); the same transaction id again answers the stored analysis unchanged.
            antifraud_open "antifraudOpen":
                $crate::antifraud::AntifraudOpenRequest => $crate::antifraud::AntifraudOpenResponse
                = $crate::antifraud::antifraud_open;
            /// An anti-fraud analysis re-scored on `PUT /transactions/{id}` while no decision is visible; a decided or stopped one answers as it is.
            antifraud_update "antifraudUpdate":
                $crate::antifraud::AntifraudUpdateRequest => $crate::antifraud::AntifraudOpenResponse
                = $crate::antifraud::antifraud_update;
            /// An anti-fraud analysis after an event (read or timer at an instant, manual decision, stop, hook delivered), with the protocol's answer and the hook push owed.
            antifraud_event "antifraudEvent":
                $crate::antifraud::AntifraudEventRequest => $crate::antifraud::AntifraudEventResponse
                = $crate::antifraud::antifraud_event;
            /// The synchronous `/pre-analysis` answer (§G.3): approved or denied with the score.
            antifraud_pre_analysis "antifraudPreAnalysis":
                $crate::antifraud::AntifraudScoreRequest => $crate::antifraud::AnalysisAnswer
                = $crate::antifraud::antifraud_pre_analysis;
            /// The risk rules alone on a transaction and the buyer's ERP facts: score 0–100, verdict and the reasons that fired.
            antifraud_score "antifraudScore":
                $crate::antifraud::AntifraudScoreRequest => $crate::antifraud::RiskScore
                = $crate::antifraud::antifraud_score;
            /// The fenced claim rule of an order's ERP deliveries: take (with a fence above every earlier one), renew before an ERP call, or complete, only while the record still holds the caller's fence.
            claim_order_delivery "claimOrderDelivery":
                $crate::orders::ClaimRequest => $crate::orders::ClaimResponse
                = $crate::orders::claim_delivery;
        }
    };
}

/// The request of an operation that takes nothing: `{}` (a constant of the core).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NoInput {}

/// One row of the table, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The wasm-bindgen export (`effective_specifications`).
    pub export: &'static str,
    /// The raw ABI's `op` (`effectiveSpecifications`).
    pub name: &'static str,
    /// What it does (the table's doc comment).
    pub doc: &'static str,
}

/// An error as it crosses a boundary: a stable code and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpError {
    pub code: &'static str,
    pub message: String,
}

impl OpError {
    /// The input could not be decoded into the operation's request.
    pub fn input(message: impl Into<String>) -> Self {
        OpError {
            code: "INPUT_INVALID",
            message: message.into(),
        }
    }
    /// A bug on our side; never expected.
    pub fn internal(message: impl Into<String>) -> Self {
        OpError {
            code: "INTERNAL",
            message: message.into(),
        }
    }
    /// No operation of that name.
    pub fn unknown(name: &str) -> Self {
        OpError {
            code: "UNKNOWN_OPERATION",
            message: format!("unknown operation {name:?}"),
        }
    }
}

macro_rules! coded_errors {
    ($($error:ty),*) => {$(
        impl From<$error> for OpError {
            fn from(e: $error) -> Self {
                OpError { code: e.code(), message: e.to_string() }
            }
        }
    )*};
}
coded_errors!(
    CatalogError,
    OrderError,
    SsoError,
    PricingError,
    InventoryError,
    PaymentError,
    CustomerError,
    GiftCardError,
    AntifraudError
);

/// What an operation's function returns: a `Result` whose error has a code, or a response
/// whose refusals are data (every error of a batch).
pub trait Answer {
    type Ok: Serialize;
    fn into_result(self) -> Result<Self::Ok, OpError>;
}

impl<T: Serialize, E> Answer for Result<T, E>
where
    OpError: From<E>,
{
    type Ok = T;
    fn into_result(self) -> Result<T, OpError> {
        self.map_err(OpError::from)
    }
}

macro_rules! infallible_answers {
    ($($response:ty),*) => {$(
        impl Answer for $response {
            type Ok = $response;
            fn into_result(self) -> Result<$response, OpError> {
                Ok(self)
            }
        }
    )*};
}
infallible_answers!(
    ValidateBatchResponse,
    PlanResponse,
    ImportReads,
    Vec<FieldTypeInfo>,
    Vec<Phase>,
    PriceSyncResponse,
    InventorySyncResponse,
    CreditDecision,
    ValidateCustomersResponse,
    CustomerSyncResponse
);

/// Decodes the request, runs the function, encodes the answer. The response type is named so
/// that the table cannot declare one type and return another.
fn run<I, O, A>(input: &str, f: impl FnOnce(&I) -> A) -> Result<String, OpError>
where
    I: for<'de> Deserialize<'de>,
    O: Serialize,
    A: Answer<Ok = O>,
{
    let request: I =
        serde_json::from_str(input).map_err(|e| OpError::input(format!("invalid input: {e}")))?;
    let response: O = f(&request).into_result()?;
    serde_json::to_string(&response)
        .map_err(|e| OpError::internal(format!("cannot encode the answer: {e}")))
}

macro_rules! dispatch_table {
    ($($(#[doc = $doc:literal])* $export:ident $name:literal : $req:ty => $resp:ty = $f:path;)*) => {
        /// Every operation of the table, in table order.
        pub const OPERATIONS: &[Operation] = &[$(Operation {
            export: stringify!($export),
            name: $name,
            doc: concat!($($doc),*),
        }),*];

        /// Runs the operation named `name` (its ABI name) on its JSON input, returning the
        /// JSON answer.
        pub fn call(name: &str, input: &str) -> Result<String, OpError> {
            match name {
                $($name => run::<$req, $resp, _>(input, $f),)*
                _ => Err(OpError::unknown(name)),
            }
        }
    };
}
crate::for_each_operation!(dispatch_table);

/// The operation whose export name is `export`.
pub fn by_export(export: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.export == export)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snake_to_camel(s: &str) -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in s.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.extend(c.to_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn names_are_unique_and_agree() {
        let mut seen = std::collections::BTreeSet::new();
        for op in OPERATIONS {
            assert_eq!(snake_to_camel(op.export), op.name, "{op:?}");
            assert!(seen.insert(op.name), "{} twice", op.name);
            assert!(!op.doc.trim().is_empty(), "{} has no doc", op.name);
            assert_eq!(by_export(op.export), Some(op));
        }
    }

    #[test]
    fn every_operation_is_dispatched() {
        for op in OPERATIONS {
            // `{}` lacks required fields for most requests; either way the op was found.
            let answer = call(op.name, "{}");
            if let Err(e) = &answer {
                assert_ne!(e.code, "UNKNOWN_OPERATION", "{}", op.name);
            }
            let err = call(op.name, "[").expect_err("truncated JSON");
            assert_eq!(err.code, "INPUT_INVALID", "{}", op.name);
        }
        assert_eq!(
            call("nope", "{}").map_err(|e| e.code),
            Err("UNKNOWN_OPERATION")
        );
    }
}
