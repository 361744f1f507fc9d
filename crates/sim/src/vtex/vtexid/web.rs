//! What the VTEX ID handlers ([`super::routes`](mod@super::routes), [`super::oauth`]) share: the token cookie,
//! blocking work off the async threads, query and body parsing, and the `401` with its reason.

use super::{Issued, SharedId, now};
use crate::platform::error::ApiError;
use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use ponte_core::sso::Audience;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::HashMap;

/// The admin cookie.
pub const ADMIN_COOKIE: &str = "VtexIdclientAutCookie";

/// The cookie a token of `audience` travels in on `account`.
pub fn cookie_name(audience: Audience, account: &str) -> String {
    match audience {
        Audience::Admin => ADMIN_COOKIE.to_owned(),
        Audience::Webstore => format!("{ADMIN_COOKIE}_{account}"),
    }
}

/// Runs blocking work (store commits) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    svc: SharedId,
    op: impl FnOnce(&super::VtexId) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    crate::platform::error::blocking("VTEX ID", move || op(&svc)).await
}

/// The query string, percent-decoded (the first value of each name; an undecodable query
/// reads as empty).
pub(crate) fn query_map(uri: &Uri) -> HashMap<String, String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    let mut map = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_insert(v);
    }
    map
}

/// A camelCase JSON object body (VTEX ID's casing). Unknown properties are ignored.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::InvalidBody(
            "the request body is empty; expected a JSON object".into(),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::InvalidBody(format!("invalid request body: {e}")))
}

/// `401 {"authStatus":"WrongCredentials"}`, with the reason in `x-ponte-sim-reason`.
pub(crate) fn wrong_credentials(reason: &str) -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "authStatus": "WrongCredentials" })),
    )
        .into_response();
    with_reason(&mut response, reason);
    response
}

pub(crate) fn with_reason(response: &mut Response, reason: &str) {
    let clean: String = reason
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .take(300)
        .collect();
    if let Ok(v) = HeaderValue::from_str(&clean) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-ponte-sim-reason"), v);
    }
}

/// `Set-Cookie` for a token: `Path=/; HttpOnly; SameSite=Lax`, `Max-Age` until `exp` (not
/// `Secure`: the simulator speaks plain HTTP) **[emulator choice]**.
pub(crate) fn set_cookie(response: &mut Response, issued: &Issued) {
    let name = cookie_name(issued.audience, &issued.account);
    let max_age = issued.expires.saturating_sub(now()).max(0);
    let value = format!(
        "{name}={}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax",
        issued.token
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}
