//! Errors and how they become HTTP responses.
//!
//! Two body shapes:
//!
//! - **Catalog API errors** ([`ApiError`]): `{"Message": "...", "code": "..."}`. VTEX's Catalog
//!   OpenAPI documents `{"Message": "..."}` (its `ErrorResponse` schema) where it documents an
//!   error body at all, and is silent for the category and specification endpoints; the
//!   simulator uses that shape there too and adds `code`, the stable machine code
//!   ([`ponte_core::catalog::CatalogError::code`] for rule violations) **[emulator default]**.
//! - **Simulator errors** ([`SimError`] as an HTTP answer, e.g. an unknown host or path):
//!   `{"error": {"code": "SIM_...", "message": "..."}}`, VTEX's gateway/OMS envelope.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ponte_core::catalog::CatalogError;
use serde_json::json;

/// A failure of the embedded store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Redb(#[from] redb::Error),
    #[error("store: cannot decode stored {entity} {key}: {source}")]
    Decode {
        entity: &'static str,
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("store: cannot encode {entity}: {source}")]
    Encode {
        entity: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("store: stored catalog of account {account} is invalid: {source}")]
    InvalidCatalog {
        account: String,
        #[source]
        source: CatalogError,
    },
    #[error("store: cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

macro_rules! redb_into_store_error {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Redb(e.into())
            }
        }
    )*};
}
redb_into_store_error!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// An error answered by a Catalog endpoint.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A catalog rule broken, checked by ponte-core.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The body is not JSON, or not the expected shape.
    #[error("{0}")]
    InvalidBody(String),
    /// A path parameter that is not a valid id or number.
    #[error("{0}")]
    InvalidPath(String),
    /// ponte-core has no "value not found" error; the simulator adds one.
    #[error("specification value {0} does not exist")]
    ValueNotFound(u32),
    #[error(
        "missing credentials: send X-VTEX-API-AppKey and X-VTEX-API-AppToken, or VtexIdclientAutCookie"
    )]
    Unauthorized,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
    /// A rule of the brands/products/SKUs API (see [`crate::vtex::catalog::commerce`]): its status,
    /// stable code, message and optional extra body properties (e.g. the unmet activation
    /// preconditions).
    #[error("{message}")]
    Rule {
        status: StatusCode,
        code: &'static str,
        message: String,
        extra: Option<serde_json::Value>,
    },
}

impl ApiError {
    /// A `400` (or other status) rule violation with a stable code.
    pub fn rule(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Rule {
            status,
            code,
            message: message.into(),
            extra: None,
        }
    }

    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self::rule(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::rule(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::rule(StatusCode::CONFLICT, code, message)
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Catalog(e) => match e {
                CatalogError::CategoryNotFound(_)
                | CatalogError::GroupNotFound(_)
                | CatalogError::FieldNotFound(_) => StatusCode::NOT_FOUND,
                CatalogError::DuplicateCategory(_)
                | CatalogError::DuplicateGroup(_)
                | CatalogError::DuplicateField(_)
                | CatalogError::DuplicateValue(_) => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            },
            ApiError::InvalidBody(_) | ApiError::InvalidPath(_) => StatusCode::BAD_REQUEST,
            ApiError::ValueNotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Store(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Rule { status, .. } => *status,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Catalog(e) => e.code(),
            ApiError::InvalidBody(_) => "REQUEST_BODY_INVALID",
            ApiError::InvalidPath(_) => "REQUEST_PATH_INVALID",
            ApiError::ValueNotFound(_) => "SPEC_VALUE_NOT_FOUND",
            ApiError::Unauthorized => "CREDENTIALS_MISSING",
            ApiError::Store(_) => "SIM_STORE_ERROR",
            ApiError::Internal(_) => "SIM_INTERNAL_ERROR",
            ApiError::Rule { code, .. } => code,
        }
    }

    /// The `Message`. For an SKU field of a type other than Combo/Radio it is VTEX's own text,
    /// "Sku Field can be only of the Radio or Combo type" (§C.4); otherwise the
    /// error's description.
    pub fn message(&self) -> String {
        match self {
            ApiError::Catalog(CatalogError::SkuFieldType { .. }) => {
                "Sku Field can be only of the Radio or Combo type".to_owned()
            }
            other => other.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            eprintln!("ponte-sim: {self}");
        }
        let mut body = json!({ "Message": self.message(), "code": self.code() });
        if let (
            ApiError::Rule {
                extra: Some(serde_json::Value::Object(extra)),
                ..
            },
            Some(obj),
        ) = (&self, body.as_object_mut())
        {
            for (k, v) in extra {
                obj.insert(k.clone(), v.clone());
            }
        }
        (status, Json(body)).into_response()
    }
}

/// A simulator-level failure: starting up, or a request the simulator cannot route.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Serve(#[source] std::io::Error),
    #[error("invalid account name {0:?}: use 1 to 63 lowercase letters, digits or '-'")]
    InvalidAccount(String),
    /// An invalid configuration (e.g. fault rates out of range).
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("seeding account {account}: {source}")]
    Seed {
        account: String,
        #[source]
        source: Box<ApiError>,
    },
    #[error("background task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    /// The VTEX ID signing key cannot be made or read back.
    #[error("VTEX ID signing key: {0}")]
    Key(String),
    /// A request for a host the simulator does not play.
    #[error("ponte-sim does not play host {0:?}")]
    UnknownHost(String),
    /// A request whose account cannot be told.
    #[error("no account: send ?an=ACCOUNT or the x-vtex-account header")]
    AccountMissing,
    #[error("no route for {method} {path} on host {host}")]
    NoRoute {
        method: String,
        path: String,
        host: String,
    },
}

impl SimError {
    pub fn status(&self) -> StatusCode {
        match self {
            SimError::UnknownHost(_) => StatusCode::BAD_GATEWAY,
            SimError::AccountMissing | SimError::InvalidAccount(_) => StatusCode::BAD_REQUEST,
            SimError::NoRoute { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            SimError::UnknownHost(_) => "SIM_UNKNOWN_HOST",
            SimError::AccountMissing => "SIM_ACCOUNT_MISSING",
            SimError::InvalidAccount(_) => "SIM_ACCOUNT_INVALID",
            SimError::NoRoute { .. } => "SIM_NOT_FOUND",
            _ => "SIM_INTERNAL_ERROR",
        }
    }
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code(), "message": self.to_string() } });
        (self.status(), Json(body)).into_response()
    }
}

/// Runs `op` (store commits, which block on fsync) off the async threads; a task that fails
/// to finish is an internal error naming `what` ran.
pub async fn blocking<T: Send + 'static>(
    what: &'static str,
    op: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(op)
        .await
        .map_err(|e| ApiError::Internal(format!("{what} task failed: {e}")))?
}

/// An error answer with the body `{code, message}`: the shape the ERP's routes answer with
/// (`docs/erp-contract.yaml`) and the payment gateway's own (`vtex::gateway`).
pub fn coded(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "code": code, "message": message.into() })),
    )
        .into_response()
}
