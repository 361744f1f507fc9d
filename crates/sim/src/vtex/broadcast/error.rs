//! Errors of the Feed v3 / Hook endpoints, in the OMS envelope
//! `{"error":{"code":"...","message":"...","exception":null}}` with a stable `code`.

use crate::platform::error::StoreError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why a broadcast request was refused.
#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    #[error(
        "missing credentials: send X-VTEX-API-AppKey and X-VTEX-API-AppToken, or VtexIdclientAutCookie"
    )]
    Unauthorized,
    /// The body is not JSON or not the expected shape.
    #[error("{0}")]
    InvalidBody(String),
    /// A configuration rule (status `400`) with its own code.
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// `FromWorkflow` and `FromOrders` properties mixed (`409`, as VTEX answers).
    #[error("{0}")]
    FilterConflict(String),
    #[error("there is no feed configured for this account and app key")]
    FeedNotFound,
    #[error("there is no hook configured for this account and app key")]
    HookNotFound,
    /// The hook URL did not answer the ping with `200`.
    #[error("Unable to check address: {0}")]
    HookPing(String),
    /// An expression JSONata cannot compile.
    #[error("invalid JSONata expression: {0}")]
    Jsonata(String),
    /// An expression that compiles but fails on the document.
    #[error("the JSONata expression failed on the document: {0}")]
    JsonataEvaluation(String),
    /// Injected `429` (`PUT /_sim/broadcast/faults`).
    #[error("Too many requests (ponte-sim fault injection)")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl BroadcastError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        BroadcastError::Invalid {
            code,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            BroadcastError::Unauthorized => StatusCode::UNAUTHORIZED,
            BroadcastError::InvalidBody(_)
            | BroadcastError::Invalid { .. }
            | BroadcastError::HookPing(_)
            | BroadcastError::Jsonata(_)
            | BroadcastError::JsonataEvaluation(_) => StatusCode::BAD_REQUEST,
            BroadcastError::FilterConflict(_) => StatusCode::CONFLICT,
            BroadcastError::FeedNotFound | BroadcastError::HookNotFound => StatusCode::NOT_FOUND,
            BroadcastError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            BroadcastError::Store(_) | BroadcastError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            BroadcastError::Unauthorized => "CREDENTIALS_MISSING",
            BroadcastError::InvalidBody(_) => "REQUEST_BODY_INVALID",
            BroadcastError::Invalid { code, .. } => code,
            BroadcastError::FilterConflict(_) => "FILTER_TYPE_CONFLICT",
            BroadcastError::FeedNotFound => "FEED_NOT_FOUND",
            BroadcastError::HookNotFound => "HOOK_NOT_FOUND",
            BroadcastError::HookPing(_) => "HOOK_PING_FAILED",
            BroadcastError::Jsonata(_) => "JSONATA_INVALID",
            BroadcastError::JsonataEvaluation(_) => "JSONATA_EVALUATION_FAILED",
            BroadcastError::TooManyRequests { .. } => "TOO_MANY_REQUESTS",
            BroadcastError::Store(_) => "SIM_STORE_ERROR",
            BroadcastError::Internal(_) => "SIM_INTERNAL_ERROR",
        }
    }
}

impl IntoResponse for BroadcastError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            eprintln!("ponte-sim: broadcast: {self}");
        }
        let body = json!({
            "error": { "code": self.code(), "message": self.to_string(), "exception": null }
        });
        let mut response = (status, Json(body)).into_response();
        if let BroadcastError::TooManyRequests {
            retry_after_seconds,
        } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
