//! OMS answers that are not a success, in VTEX's OMS envelope
//! `{"error": {"code": "...", "message": "...", "exception": null}}` (§0).

use crate::platform::error::StoreError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An OMS refusal (4xx) or failure (5xx) with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct OmsError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

/// Codes answered by the simulated OMS (see the table in [`crate::vtex::oms`]).
pub mod codes {
    /// Unknown order (404).
    pub const ORDER_NOT_FOUND: &str = "OMS001";
    /// Malformed or invalid request body (400).
    pub const BAD_REQUEST: &str = "OMS002";
    /// start-handling outside `ready-for-handling` (409, documented).
    pub const NOT_READY_FOR_HANDLING: &str = "OMS003";
    /// Any other action in a status that does not allow it (409, emulator default).
    pub const WRONG_STATUS: &str = "OMS004";
    /// Cancel on an order with an invoice (400, documented).
    pub const HAS_INVOICE: &str = "OMS005";
    /// Unknown invoice number on the order (404).
    pub const INVOICE_NOT_FOUND: &str = "OMS006";
    /// Tracking events on an invoice without a tracking number (400).
    pub const TRACKING_NUMBER_MISSING: &str = "OMS007";
    /// Invoice value or quantities above what is left to invoice / return (400).
    pub const INVOICE_EXCEEDS: &str = "OMS008";
    /// Invoice number reused (other type, or reuse forbidden) (409).
    pub const INVOICE_NUMBER_REUSED: &str = "OMS009";
    /// Deny-cancellation refused (400).
    pub const DENY_INVALID: &str = "OMS010";
    /// Change (v1) request refused (400).
    pub const CHANGE_INVALID: &str = "OMS011";
    /// The simulator's store failed (500).
    pub const STORE: &str = "SIM_STORE_ERROR";

    // ----- change v2 (§A.9; the statuses are [emulator default]) -----
    /// Unknown order (404).
    pub const V2_ORDER_NOT_FOUND: &str = "CHK0201";
    /// Unknown or missing item id (400).
    pub const V2_INVALID_ITEM_ID: &str = "CHK0022";
    /// Quantity not a positive integer up to 10 000 (400).
    pub const V2_INVALID_QUANTITY: &str = "CHK0023";
    /// The change would bring the order value below 0 or below what is invoiced (400).
    pub const V2_VALUE_EXCEEDS: &str = "CHK0034";
    /// A negative value (manual discount/increment, price) (400).
    pub const V2_NEGATIVE_VALUE: &str = "CHK0098";
    /// The order's status does not allow a change (409).
    pub const V2_INVALID_STATE: &str = "CHK0124";
    /// Unknown change request (404).
    pub const V2_REQUEST_NOT_FOUND: &str = "CHK0289";
    /// The order is canceled (409).
    pub const V2_ORDER_CANCELED: &str = "SalesOrderSystem008";
    /// Removing more units of a SKU than the order has (400).
    pub const V2_REMOVE_EXCEEDS: &str = "SalesOrderSystem010";
    /// Removing units already invoiced (400).
    pub const V2_REMOVE_INVOICED: &str = "SalesOrderSystem011";
    /// Another change of the order is still in progress (409).
    pub const V2_IN_PROGRESS: &str = "SalesOrderSystem014";
    /// The order already has a change v1 (409).
    pub const V2_V1_APPLIED: &str = "SalesOrderSystem015";
    /// Retry of a change request that is done or canceled (409).
    pub const V2_CANNOT_RETRY: &str = "SalesOrderSystem016";
    /// A change after an item invoice while `changeAfterPartialInvoice` is off (409).
    pub const V2_AFTER_ITEM_INVOICE: &str = "SalesOrderSystem046";
    /// Cancel of a change request that is done or canceled (409, emulator code).
    pub const V2_CANNOT_CANCEL: &str = "OMS012";
    /// The account's order modifications settings have `enableApi: false` (403, emulator code).
    pub const V2_API_DISABLED: &str = "OMS013";
}

impl OmsError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        OmsError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(order_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            codes::ORDER_NOT_FOUND,
            format!("Order {order_id} not found"),
        )
    }

    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    /// `409 OMS004`, "Order status should be {required} to perform this action" (VTEX's
    /// wording for start-handling, with the status the action needs).
    pub fn wrong_status(required: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            codes::WRONG_STATUS,
            format!("Order status should be {required} to perform this action"),
        )
    }

    pub fn is_refusal(&self) -> bool {
        self.status.is_client_error()
    }
}

impl From<StoreError> for OmsError {
    fn from(e: StoreError) -> Self {
        OmsError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::STORE,
            e.to_string(),
        )
    }
}

impl IntoResponse for OmsError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            eprintln!("ponte-sim oms: {self}");
        }
        let body = json!({
            "error": { "code": self.code, "message": self.message, "exception": null }
        });
        (self.status, Json(body)).into_response()
    }
}
