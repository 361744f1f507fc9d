//! The ERP side: the sample catalog it hands to Ponte ([`batch`]) and the system Ponte hands
//! orders to, which then acts on them through Ponte's GraphQL ([`orders`]). It stands on
//! [`crate::platform`] only, reaching VTEX through Ponte as a real ERP would.

pub mod batch;
pub mod orders;
pub mod providers;

pub use batch::{ErpParams, catalog_batch};
