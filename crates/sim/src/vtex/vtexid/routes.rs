//! The VTEX ID endpoints; see the [module docs](super) for which are VTEX's and which are the
//! simulator's.

use super::web::{
    ADMIN_COOKIE, blocking, parse_body, query_map, set_cookie, with_reason, wrong_credentials,
};
use super::{MintRequest, Rejected, SharedId, USER_TOKEN_TTL, UserKind, Verified, now};
use crate::platform::error::{ApiError, SimError};
use crate::platform::http::MaybeTenant;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ponte_core::sso::Audience;
use serde::Deserialize;
use serde_json::json;

/// The VTEX ID routes (VTEX hosts and the simulator's own).
pub fn routes() -> Router<SharedId> {
    Router::new()
        .route("/api/vtexid/pub/sim/login", post(sim_login))
        .route("/api/vtexid/pub/sim/jwks", get(jwks))
        .route("/api/vtexid/apptoken/login", post(app_login))
        .route("/api/vtexid/credential/validate", post(validate))
        .route(
            "/api/vtexid/pub/authenticated/user",
            get(authenticated_user),
        )
        .route("/api/vtexid/pub/logout", get(logout).post(logout))
        .route(
            "/api/vtexid/audience/webstore/provider/oauth/exchange",
            post(super::oauth::provider_exchange),
        )
}

fn parse_audience(raw: Option<&str>) -> Result<Audience, ApiError> {
    match raw {
        None | Some("admin") => Ok(Audience::Admin),
        Some("webstore") => Ok(Audience::Webstore),
        Some(other) => Err(ApiError::InvalidBody(format!(
            "audience must be \"admin\" or \"webstore\", got {other:?}"
        ))),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SimLogin {
    email: String,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    audience: Option<String>,
    #[serde(default)]
    ttl_seconds: Option<i64>,
    #[serde(default)]
    issued_at: Option<i64>,
}

/// `POST /api/vtexid/pub/sim/login` **[simulator extension]**: `{"email", "account"?,
/// "audience"?: "admin"|"webstore", "ttlSeconds"?, "issuedAt"?}` → `{"token", "userId",
/// "expires"}` and the token's cookie. `account` defaults to the request's account,
/// `audience` to `admin`, `ttlSeconds` to 86400 and `issuedAt` to now; a negative
/// `ttlSeconds` or a future `issuedAt` mint expired or not-yet-valid tokens for tests.
async fn sim_login(
    State(svc): State<SharedId>,
    MaybeTenant(tenant): MaybeTenant,
    body: Bytes,
) -> Result<Response, Response> {
    let input: SimLogin = parse_body(&body).map_err(IntoResponse::into_response)?;
    let account = match input.account {
        Some(raw) => {
            let lowered = raw.trim().to_ascii_lowercase();
            if !crate::platform::http::valid_account(&lowered) {
                return Err(SimError::InvalidAccount(raw).into_response());
            }
            lowered
        }
        None => tenant.ok_or_else(|| SimError::AccountMissing.into_response())?,
    };
    let req = MintRequest {
        account,
        email: input.email,
        audience: parse_audience(input.audience.as_deref()).map_err(IntoResponse::into_response)?,
        iat: input.issued_at.unwrap_or_else(now),
        ttl: input.ttl_seconds.unwrap_or(USER_TOKEN_TTL),
    };
    let issued = blocking(svc, move |s| s.login(&req))
        .await
        .map_err(IntoResponse::into_response)?;
    let mut response = Json(json!({
        "token": issued.token,
        "userId": issued.user_id,
        "expires": issued.expires,
    }))
    .into_response();
    set_cookie(&mut response, &issued);
    Ok(response)
}

/// `GET /api/vtexid/pub/sim/jwks` **[simulator extension]**: the public signing key.
async fn jwks(State(svc): State<SharedId>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        svc.signer().jwks().to_owned(),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct AppLogin {
    appkey: String,
    apptoken: String,
}

/// `POST /api/vtexid/apptoken/login` `{appkey, apptoken}` → `{authStatus:"Success", token,
/// expires}`, or `401 {authStatus:"WrongCredentials"}` for a pair the simulator does not know.
async fn app_login(
    State(svc): State<SharedId>,
    MaybeTenant(tenant): MaybeTenant,
    body: Bytes,
) -> Result<Response, Response> {
    let input: AppLogin = parse_body(&body).map_err(IntoResponse::into_response)?;
    let account = tenant.ok_or_else(|| SimError::AccountMissing.into_response())?;
    let issued = blocking(svc, move |s| {
        s.app_login(&account, &input.appkey, &input.apptoken)
    })
    .await
    .map_err(IntoResponse::into_response)?;
    match issued {
        Some(issued) => Ok(Json(json!({
            "authStatus": "Success",
            "token": issued.token,
            "expires": issued.expires,
        }))
        .into_response()),
        None => Err(wrong_credentials("unknown app key or wrong app token")),
    }
}

#[derive(Debug, Deserialize)]
struct ValidateBody {
    token: String,
}

fn token_type(v: &Verified) -> &'static str {
    match v.user.kind {
        UserKind::User => "user",
        UserKind::AppKey => "appkey",
    }
}

/// `POST /api/vtexid/credential/validate` `{token}` → `{authStatus:"Success", id, user,
/// account, audience, tokenType}` or `401 {authStatus:"WrongCredentials"}`.
async fn validate(State(svc): State<SharedId>, body: Bytes) -> Result<Response, Response> {
    let input: ValidateBody = parse_body(&body).map_err(IntoResponse::into_response)?;
    let v = svc
        .verify(&input.token)
        .map_err(|Rejected(reason)| wrong_credentials(&reason))?;
    Ok(Json(json!({
        "authStatus": "Success",
        "id": v.user.user_id,
        "user": v.user.email,
        "account": v.claims.account,
        "audience": v.claims.audience,
        "tokenType": token_type(&v),
    }))
    .into_response())
}

/// `null` with a status: VTEX answers "not signed in" with an empty (`null`) body and `200`
/// or `401`.
fn null_body(status: StatusCode, reason: &str) -> Response {
    let mut response =
        (status, [(header::CONTENT_TYPE, "application/json")], "null").into_response();
    with_reason(&mut response, reason);
    response
}

/// `GET /api/vtexid/pub/authenticated/user?authToken=` → `{userId, user, userType, account}`.
///
/// `userType` is `"F"` as in VTEX's guide ("for VTEX internal use"; the simulator sends `F`
/// for app keys too). `account` is not in the guide but `@vtex/api`'s `@auth` directive reads
/// it (`parsedToken.account`), so it is sent **[emulator choice]**. Not signed in: no
/// `authToken` → `200 null`; an invalid, expired or revoked token → `401 null`.
async fn authenticated_user(State(svc): State<SharedId>, uri: Uri) -> Response {
    let token = query_map(&uri).remove("authToken");
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return null_body(StatusCode::OK, "no authToken");
    };
    match svc.verify(&token) {
        Ok(v) => Json(json!({
            "userId": v.user.user_id,
            "user": v.user.email,
            "userType": "F",
            "account": v.claims.account,
        }))
        .into_response(),
        Err(Rejected(reason)) => null_body(StatusCode::UNAUTHORIZED, &reason),
    }
}

/// Every `VtexIdclientAutCookie` / `VtexIdclientAutCookie_{account}` cookie, as (name, value).
fn auth_cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    crate::platform::http::cookies(headers)
        .filter(|(name, value)| {
            (*name == ADMIN_COOKIE || name.starts_with("VtexIdclientAutCookie_"))
                && !value.is_empty()
        })
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// `GET`/`POST /api/vtexid/pub/logout[?authToken=][&returnUrl=]`: revokes the session of every
/// valid token found in `?authToken=`, the `VtexIdclientAutCookie` header and the
/// `VtexIdclientAutCookie[_{account}]` cookies, and clears those cookies (`Max-Age=0`).
/// Answers `302` to `returnUrl` when given, else `200 {"revoked": N}` (sessions newly
/// revoked) **[emulator choice]**: VTEX documents neither the shape nor the status.
/// A token whose signature does not verify revokes nothing.
async fn logout(
    State(svc): State<SharedId>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let query = query_map(&uri);
    let mut tokens: Vec<String> = Vec::new();
    if let Some(t) = query.get("authToken").filter(|t| !t.is_empty()) {
        tokens.push(t.clone());
    }
    if let Some(t) = headers
        .get(ADMIN_COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        tokens.push(t.to_owned());
    }
    let cookies = auth_cookies(&headers);
    tokens.extend(cookies.iter().map(|(_, v)| v.clone()));
    let revoked = blocking(svc, move |s| s.logout(tokens.iter().map(String::as_str)))
        .await
        .map_err(IntoResponse::into_response)?;
    let mut response = match query.get("returnUrl").filter(|u| !u.is_empty()) {
        Some(url) => match HeaderValue::from_str(url) {
            Ok(location) => {
                let mut r = StatusCode::FOUND.into_response();
                r.headers_mut().insert(header::LOCATION, location);
                r
            }
            Err(_) => {
                return Err(
                    ApiError::InvalidPath("returnUrl is not a valid URL".into()).into_response()
                );
            }
        },
        None => Json(json!({ "revoked": revoked })).into_response(),
    };
    let mut names: Vec<&str> = cookies.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        if let Ok(v) = HeaderValue::from_str(&format!("{name}=; Path=/; Max-Age=0; HttpOnly")) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}
