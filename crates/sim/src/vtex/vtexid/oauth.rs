//! A test OAuth 2.0 identity provider speaking VTEX's webstore contract (§I), on the
//! simulator's own host **[simulator extension]**, and VTEX's side of it, the headless
//! exchange of an IdP access token for a `webstore` token.
//!
//! - `GET /_sim/oauth/authorize?client_id&redirect_uri&state[&login_hint=EMAIL][&response_type=code]`
//!   → `302` to `redirect_uri?code=CODE&state=STATE` (`state` unchanged; `&` instead of `?`
//!   when `redirect_uri` has a query). There is no login page: the person is `login_hint`,
//!   else `oauth.user@example.com`. `CODE` is 86 characters (64 random bytes, base64url),
//!   single use, valid [`CODE_TTL`] seconds. Any absolute `http`/`https` `redirect_uri`
//!   without a fragment is accepted (no registration) **[emulator choice]**. A wrong
//!   `client_id` or `redirect_uri` answers `400` without redirecting (RFC 6749 §4.1.2.1).
//! - `POST /_sim/oauth/token`, form or JSON, `client_id`, `client_secret`, `code`,
//!   `redirect_uri` (and `grant_type=authorization_code` if sent) → `{access_token,
//!   token_type:"Bearer", expires_in}`. Using a code a second time fails (`400
//!   invalid_grant`) and revokes what was issued from it: the access token and every VTEX
//!   session exchanged with that access token. Errors are RFC 6749 `{error,
//!   error_description}`: `invalid_client` (401), `invalid_request`, `invalid_grant`,
//!   `unsupported_grant_type` (400).
//! - `GET /_sim/oauth/userinfo` with `Authorization: Bearer ACCESS_TOKEN` → `{userId, email,
//!   name}` (`userId`: the IdP's own stable id for the email; `name`: the email's local
//!   part), or `401 {error:"invalid_token"}`.
//! - `POST /api/vtexid/audience/webstore/provider/oauth/exchange` (VTEX's, on an account host)
//!   `{providerId:"ponte-sim", accessToken, duration?}` → `{authToken}` (the OpenAPI's shape)
//!   and the `VtexIdclientAutCookie_{account}` cookie: a `webstore` token for the IdP user's
//!   email on the account (the VTEX user is created on first use), lasting `duration`
//!   minutes (1 to 120, default 60, as documented). An unknown `providerId` or a malformed
//!   body is `400`; an invalid, expired or revoked access token `401 {authStatus:
//!   "WrongCredentials"}`.

use super::web::{blocking, parse_body, query_map, set_cookie, wrong_credentials};
use super::{
    Issued, KIND_ACCESS, KIND_CODE, KIND_IDP_USER, SharedId, UserKind, VtexId, normalise_email,
    now, random_bytes, record, revocation_key_of_sess, uuid_v4,
};
use crate::platform::error::{ApiError, SimError};
use crate::platform::http::MaybeTenant;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ponte_core::sso::Audience;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

/// The IdP's one client.
pub const CLIENT_ID: &str = "ponte-sim-client";
pub const CLIENT_SECRET: &str = "ponte-sim-secret";
/// The `providerId` VTEX ID knows the simulator's IdP by.
pub const PROVIDER_ID: &str = "ponte-sim";
/// The person when `login_hint` is absent.
pub const DEFAULT_EMAIL: &str = "oauth.user@example.com";
/// Lifetime of an authorization code, seconds.
pub const CODE_TTL: i64 = 600;
/// Lifetime of an IdP access token, seconds.
pub const ACCESS_TTL: i64 = 3_600;

/// A person of the IdP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdpUser {
    pub email: String,
    pub id: String,
    pub name: String,
}

/// An authorization code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub email: String,
    pub expires: i64,
    pub used: bool,
    /// The access token it was redeemed for.
    pub access_token: Option<String>,
}

/// An IdP access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessGrant {
    pub email: String,
    pub expires: i64,
    pub revoked: bool,
    /// VTEX sessions (`sess`) exchanged with it.
    pub sessions: Vec<String>,
}

/// The routes on the simulator's own host.
pub fn routes() -> Router<SharedId> {
    Router::new()
        .route("/_sim/oauth/authorize", get(authorize))
        .route("/_sim/oauth/token", post(token))
        .route("/_sim/oauth/userinfo", get(userinfo))
}

/// An RFC 6749 error answer.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }

    fn request(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn grant(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response();
        let challenge = match self.error {
            "invalid_client" => Some("Basic realm=\"ponte-sim\"".to_owned()),
            "invalid_token" => Some("Bearer error=\"invalid_token\"".to_owned()),
            _ => None,
        };
        if let Some(v) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        response
    }
}

impl From<ApiError> for OAuthError {
    fn from(e: ApiError) -> Self {
        OAuthError::new(e.status(), "server_error", e.to_string())
    }
}

fn secret_token() -> Result<String, ApiError> {
    let bytes: [u8; 64] = random_bytes().map_err(ApiError::Internal)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

impl VtexId {
    /// Issues a code for `email` (creating the IdP person if new). Blocking.
    pub fn oauth_authorize(
        &self,
        client_id: &str,
        redirect_uri: &str,
        email: &str,
    ) -> Result<String, ApiError> {
        let mut state = self.lock();
        if !state.idp_users.contains_key(email) {
            let user = IdpUser {
                email: email.to_owned(),
                id: uuid_v4().map_err(ApiError::Internal)?,
                name: email.split('@').next().unwrap_or_default().to_owned(),
            };
            self.commit(&[record(KIND_IDP_USER, email.to_owned(), &user)?])?;
            state.idp_users.insert(email.to_owned(), user);
        }
        let code = secret_token()?;
        let grant = CodeGrant {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            email: email.to_owned(),
            expires: now().saturating_add(CODE_TTL),
            used: false,
            access_token: None,
        };
        self.commit(&[record(KIND_CODE, code.clone(), &grant)?])?;
        state.codes.insert(code.clone(), grant);
        Ok(code)
    }

    /// Redeems a code for an access token; a second redemption revokes what the first
    /// issued. Blocking.
    pub fn oauth_redeem(
        &self,
        client_id: &str,
        code: &str,
        redirect_uri: &str,
    ) -> Result<String, OAuthError> {
        let mut state = self.lock();
        let Some(grant) = state.codes.get(code).cloned() else {
            return Err(OAuthError::grant("unknown authorization code"));
        };
        if grant.used {
            // RFC 6749 §4.1.2: a reused code revokes the tokens issued from it.
            let mut revoked = BTreeSet::new();
            if let Some(access) = &grant.access_token
                && let Some(mut a) = state.access.get(access).cloned()
            {
                revoked.extend(a.sessions.iter().map(|s| revocation_key_of_sess(s)));
                a.revoked = true;
                self.commit(&[record(KIND_ACCESS, access.clone(), &a)?])?;
                state.access.insert(access.clone(), a);
            }
            self.revoke_in(&mut state, revoked)?;
            return Err(OAuthError::grant(
                "authorization code already used; the tokens issued from it are revoked",
            ));
        }
        if grant.client_id != client_id {
            return Err(OAuthError::grant("the code was issued to another client"));
        }
        if grant.redirect_uri != redirect_uri {
            return Err(OAuthError::grant(
                "redirect_uri differs from the one of the authorization request",
            ));
        }
        if now() >= grant.expires {
            return Err(OAuthError::grant("authorization code expired"));
        }
        let access = secret_token()?;
        let a = AccessGrant {
            email: grant.email.clone(),
            expires: now().saturating_add(ACCESS_TTL),
            revoked: false,
            sessions: Vec::new(),
        };
        let mut used = grant;
        used.used = true;
        used.access_token = Some(access.clone());
        self.commit(&[
            record(KIND_CODE, code.to_owned(), &used)?,
            record(KIND_ACCESS, access.clone(), &a)?,
        ])?;
        state.codes.insert(code.to_owned(), used);
        state.access.insert(access.clone(), a);
        Ok(access)
    }

    /// The person behind a live access token.
    pub fn oauth_userinfo(&self, access: &str) -> Option<IdpUser> {
        let state = self.lock();
        let grant = state
            .access
            .get(access)
            .filter(|a| !a.revoked && now() < a.expires)?;
        state.idp_users.get(&grant.email).cloned()
    }

    /// VTEX's side: a `webstore` token on `account` for the access token's person, lasting
    /// `minutes`. `Ok(None)`: the access token is not live. Blocking.
    pub fn oauth_exchange(
        &self,
        account: &str,
        access: &str,
        minutes: i64,
    ) -> Result<Option<Issued>, ApiError> {
        let mut state = self.lock();
        let Some(mut grant) = state
            .access
            .get(access)
            .filter(|a| !a.revoked && now() < a.expires)
            .cloned()
        else {
            return Ok(None);
        };
        let email = normalise_email(&grant.email)?;
        let user = self.ensure_user(&mut state, account, &email, UserKind::User)?;
        let sess = uuid_v4().map_err(ApiError::Internal)?;
        let issued = self.sign(
            &user,
            Audience::Webstore,
            Some(&sess),
            now(),
            minutes.saturating_mul(60),
        )?;
        grant.sessions.push(sess);
        self.commit(&[record(KIND_ACCESS, access.to_owned(), &grant)?])?;
        state.access.insert(access.to_owned(), grant);
        Ok(Some(issued))
    }
}

/// `GET /_sim/oauth/authorize`.
async fn authorize(State(svc): State<SharedId>, uri: Uri) -> Result<Response, OAuthError> {
    let q = query_map(&uri);
    let client_id = q.get("client_id").map(String::as_str).unwrap_or_default();
    if client_id != CLIENT_ID {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            format!("unknown client_id {client_id:?}; the simulator's client is {CLIENT_ID:?}"),
        ));
    }
    if let Some(rt) = q.get("response_type").filter(|rt| rt.as_str() != "code") {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            format!("response_type must be code, got {rt:?}"),
        ));
    }
    let redirect_uri = q
        .get("redirect_uri")
        .cloned()
        .ok_or_else(|| OAuthError::request("redirect_uri is required"))?;
    let parsed: Uri = redirect_uri
        .parse()
        .map_err(|_| OAuthError::request("redirect_uri is not a URL"))?;
    let scheme_ok = matches!(parsed.scheme_str(), Some("http" | "https"));
    if !scheme_ok || parsed.authority().is_none() || redirect_uri.contains('#') {
        return Err(OAuthError::request(
            "redirect_uri must be an absolute http(s) URL without a fragment",
        ));
    }
    let email = normalise_email(q.get("login_hint").map_or(DEFAULT_EMAIL, String::as_str))
        .map_err(|e| OAuthError::request(e.to_string()))?;
    let client = client_id.to_owned();
    let target = redirect_uri.clone();
    let code = blocking(svc, move |s| s.oauth_authorize(&client, &target, &email)).await?;
    let mut params: Vec<(&str, &str)> = vec![("code", &code)];
    if let Some(state) = q.get("state") {
        params.push(("state", state));
    }
    let encoded = serde_urlencoded::to_string(&params)
        .map_err(|e| ApiError::Internal(format!("cannot encode the redirect: {e}")))?;
    let separator = if parsed.query().is_some() { '&' } else { '?' };
    let location = HeaderValue::from_str(&format!("{redirect_uri}{separator}{encoded}"))
        .map_err(|_| OAuthError::request("redirect_uri is not a valid header value"))?;
    let mut response = StatusCode::FOUND.into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// The token request's parameters, from a form or a JSON object of strings.
fn token_params(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    if is_json {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| OAuthError::request(format!("malformed JSON body: {e}")))?;
        let Value::Object(map) = value else {
            return Err(OAuthError::request("the body must be a JSON object"));
        };
        Ok(map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect())
    } else {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|e| OAuthError::request(format!("malformed form body: {e}")))?;
        let mut map = HashMap::new();
        for (k, v) in pairs {
            map.entry(k).or_insert(v);
        }
        Ok(map)
    }
}

/// `POST /_sim/oauth/token`.
async fn token(
    State(svc): State<SharedId>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let p = token_params(&headers, &body)?;
    if let Some(gt) = p
        .get("grant_type")
        .filter(|g| g.as_str() != "authorization_code")
    {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant_type must be authorization_code, got {gt:?}"),
        ));
    }
    let field = |name: &str| -> Result<String, OAuthError> {
        p.get(name)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| OAuthError::request(format!("{name} is required")))
    };
    let client_id = p.get("client_id").cloned().unwrap_or_default();
    let secret = p.get("client_secret").cloned().unwrap_or_default();
    if client_id != CLIENT_ID || secret != CLIENT_SECRET {
        return Err(OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "wrong client_id or client_secret",
        ));
    }
    let code = field("code")?;
    let redirect_uri = field("redirect_uri")?;
    let result =
        tokio::task::spawn_blocking(move || svc.oauth_redeem(&client_id, &code, &redirect_uri))
            .await
            .map_err(|e| ApiError::Internal(format!("OAuth task failed: {e}")))?;
    let access = result?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL,
        })),
    )
        .into_response())
}

/// `GET /_sim/oauth/userinfo`.
async fn userinfo(State(svc): State<SharedId>, headers: HeaderMap) -> Result<Response, OAuthError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
        .filter(|t| !t.is_empty());
    let invalid = || {
        OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "missing, unknown, expired or revoked access token",
        )
    };
    let user = bearer
        .and_then(|t| svc.oauth_userinfo(&t))
        .ok_or_else(invalid)?;
    Ok(Json(json!({ "userId": user.id, "email": user.email, "name": user.name })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExchangeBody {
    provider_id: String,
    access_token: String,
    #[serde(default)]
    duration: Option<i64>,
}

/// `POST /api/vtexid/audience/webstore/provider/oauth/exchange`.
pub(super) async fn provider_exchange(
    State(svc): State<SharedId>,
    MaybeTenant(tenant): MaybeTenant,
    body: Bytes,
) -> Result<Response, Response> {
    let input: ExchangeBody = parse_body(&body).map_err(IntoResponse::into_response)?;
    let account = tenant.ok_or_else(|| SimError::AccountMissing.into_response())?;
    if input.provider_id != PROVIDER_ID {
        return Err(ApiError::InvalidBody(format!(
            "unknown providerId {:?}; the simulator's OAuth provider is {PROVIDER_ID:?}",
            input.provider_id
        ))
        .into_response());
    }
    let minutes = input.duration.unwrap_or(60);
    if !(1..=120).contains(&minutes) {
        return Err(ApiError::InvalidBody(format!(
            "duration is in minutes, 1 to 120; got {minutes}"
        ))
        .into_response());
    }
    let access = input.access_token;
    let issued = blocking(svc, move |s| s.oauth_exchange(&account, &access, minutes))
        .await
        .map_err(IntoResponse::into_response)?;
    let Some(issued) = issued else {
        return Err(wrong_credentials(
            "access token unknown, expired or revoked",
        ));
    };
    let mut response = Json(json!({ "authToken": issued.token })).into_response();
    set_cookie(&mut response, &issued);
    Ok(response)
}
