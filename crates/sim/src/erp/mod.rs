//! The ERP side: the sample catalog it hands to Ponte ([`batch`]), its price list and stock
//! counts ([`stock_prices`]), its customers ([`customers`]) and the system Ponte hands
//! orders to, which then acts on them through Ponte's GraphQL ([`orders`]). It stands on
//! [`crate::platform`] only, reaching VTEX through Ponte as a real ERP would. [`credit`] keeps
//! the customers' credit accounts the payment connector holds, settles and refunds against.

pub mod batch;
pub mod credit;
pub mod customers;
pub mod orders;
pub mod providers;
pub mod stock_counts;
pub mod stock_prices;

pub use batch::{ErpParams, catalog_batch};

/// Whether a call to the ERP's host came through the outbound proxy asking for HTTPS
/// (`X-Vtex-Use-Https: true`): the ERP's routes take nothing else ([`orders`]' `https_only`).
pub(crate) fn upgraded(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("x-vtex-use-https")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}
