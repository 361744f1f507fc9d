//! Ponte's domain core.
//!
//! Everything VTEX-specific that can be decided without talking to VTEX lives here, as pure
//! functions over plain data: no IO, no clock (callers pass `now`), no randomness, no async and
//! no knowledge of JavaScript. The same code runs natively (ponte-sim, ponte-graphql, the
//! harness) and as WebAssembly inside the VTEX IO Node service (through `ponte-wasm`).
//!
//! Data model of the walking skeleton ([`catalog`]): a category tree (`FatherCategoryId`,
//! departments at the root), specification groups attached to a category or to the root level,
//! specification fields inside groups and values for the field types that need them. A
//! [`catalog::Catalog`] is a validated snapshot; the operations on it are
//! [`catalog::Catalog::effective_specifications`], [`catalog::Catalog::tree`] and
//! [`catalog::Catalog::move_impact`].
//!
//! SSO ([`sso`]): VTEX ID session tokens (compact JWS) are parsed and checked against the
//! expected audience, account and time with [`sso::validate`], and their signatures verified
//! when a key set is known ([`sso::KeySet`]); VTEX's own tokens are then confirmed online.
//!
//! Orders ([`orders`]): the OMS workflow as a state machine ([`orders::Status`],
//! [`orders::Workflow::transition`]), the ERP's actions checked against the validity table and
//! their payload rules before any OMS call ([`orders::check_action`]), the order as Ponte
//! tracks it ([`orders::OrderState`]) and the intake of Feed v3, Hook and IO events with
//! handle-independent dedupe ([`orders::decide`]).
//!
//! Pricing ([`pricing`]) and inventory ([`inventory`]): the computed price of an SKU
//! ([`pricing::compute_price`]), availability per trade policy ([`inventory::availability`]),
//! the reservation lifecycle ([`inventory::transition`]), and the plans of price and stock
//! syncs from the ERP ([`pricing::plan_prices`], [`inventory::plan_inventory`]): only the
//! writes that change something, never deleting a fixed price the ERP did not remove, never
//! letting an older stock count overwrite a newer one.
//!
//! Errors: every module has one error enum whose variants carry a stable machine code
//! ([`catalog::CatalogError::code`]). Invalid input returns `Err`; a broken internal invariant
//! is a bug.

/// Declares the output of a planning operation that answers "the plan, or every error": the
/// struct as written (`plan` null when there are errors) and its `From` the planner's
/// `Result<plan, Vec<error>>`, the conversion every such boundary makes. The attributes
/// (doc, derives) are the invocation's; `camelCase` and the TypeScript derive are added.
macro_rules! plan_or_errors {
    (
        $(#[$attr:meta])*
        pub struct $name:ident {
            pub plan: Option<$plan:ty>,
            pub errors: Vec<$error:ty> $(,)?
        }
    ) => {
        $(#[$attr])*
        #[serde(rename_all = "camelCase")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub struct $name {
            #[cfg_attr(feature = "ts", ts(optional = nullable))]
            pub plan: Option<$plan>,
            pub errors: Vec<$error>,
        }

        impl From<Result<$plan, Vec<$error>>> for $name {
            fn from(r: Result<$plan, Vec<$error>>) -> Self {
                match r {
                    Ok(plan) => $name {
                        plan: Some(plan),
                        errors: Vec::new(),
                    },
                    Err(errors) => $name { plan: None, errors },
                }
            }
        }
    };
}

/// Implements an error enum's `code()` (documented by the attributes before the table) and
/// `CODES` from one table, `Variant => "CODE"`, so that each code is written once; `CODES`
/// lists them in table order.
macro_rules! error_codes {
    (
        $error:ident,
        $(#[$doc:meta])*
        { $($variant:ident => $code:literal,)* }
    ) => {
        impl $error {
            $(#[$doc])*
            pub fn code(&self) -> &'static str {
                match self {
                    $($error::$variant { .. } => $code,)*
                }
            }

            /// Every code this module can return, for documentation and exhaustiveness tests.
            pub const CODES: [&'static str; [$($code),*].len()] = [$($code),*];
        }
    };
}

pub mod antifraud;
pub mod catalog;
pub mod customers;
pub mod giftcards;
pub mod ids;
pub mod inventory;
pub mod ops;
pub mod orders;
pub mod path_error;
pub mod payments;
pub mod pricing;
pub mod skus;
pub mod sso;

#[cfg(feature = "ts")]
pub mod ts;
