//! The HTTP front: routing by host and path, accounts, credentials, JSON bodies.
//!
//! The simulator is the service's HTTP proxy, so a request arrives in one of three forms:
//!
//! - absolute-form through the proxy, `GET http://portal.vtexcommercestable.com.br/api/...?an=ponte`
//!   (VTEX IO Janus clients): the account is `?an=`, else the `x-vtex-account` header;
//! - absolute-form for `http://{account}.vtexcommercestable.com.br/api/...` (also
//!   `vtexcommercebeta`): the account is the host's first label;
//! - origin-form straight to the simulator (`http://127.0.0.1:PORT/api/...`, or any loopback or
//!   the bound address as host): the account is `?an=`, else `x-vtex-account`, else the
//!   simulator's default account (`--account`).
//!
//! Hosts played: `{account}.vtexcommercestable.com.br` (and `vtexcommercebeta`),
//! `{account}.myvtex.com` (also `{workspace}--{account}.myvtex.com`) and
//! `{account}.vtexpayments.com.br` (the Payment Gateway's `callbackUrl`, §G.1) with the account
//! from the host; `portal.` and `api.vtexcommercestable.com.br` and `vtexid.vtex.com.br` with the
//! account from `?an=` / `x-vtex-account` (VTEX ID endpoints that carry the account in the
//! token need none); the VTEX IO infra hosts `apps.{region}.vtex.io` and `infra.io.vtex.com`
//! (app settings, [`crate::vtex::apps`]); the ERP `erp.ponte-sim.test` ([`crate::erp::orders`]); and
//! the simulator itself (health, its OAuth identity
//! provider). Every VTEX host, and the simulator's own, serves the Catalog and VTEX ID.
//!
//! `api.vtex.com/{account}/...` (Pricing, `docs/vtex/0-conventions.md` §0): the account is the
//! first path segment, which routing drops; then it is served like an account host.
//!
//! The host is the request target's authority when there is one, else the `Host` header. A host
//! the simulator does not play answers `502` `SIM_UNKNOWN_HOST` (what a proxy says when it
//! cannot reach the origin); an unknown path on a known host answers `404` `SIM_NOT_FOUND`.
//! Catalog paths (`/api/catalog...`) are matched case-insensitively, as VTEX does.
//!
//! Before routing, a [`Gate`] may refuse a request: the VTEX IO egress rules of the app's
//! manifest (outbound-access and License Manager policies, `crate::vtex::io::policies`).
//!
//! Credentials: a path containing `/pvt/` needs `X-VTEX-API-AppKey` and `X-VTEX-API-AppToken`,
//! or a `VtexIdclientAutCookie` header or cookie, any non-empty value for now; else `401`.
//!
//! Limits ([`Limits`]): VTEX documents no general limit on a request's body or target. The
//! simulator refuses a body over `maxBodyBytes` (default 2 MiB) with `413` and a target over
//! `maxUriBytes` (default 16 KiB) with `414` **[sim's choice: sizes, configurable with
//! `--max-body-bytes` and `--max-uri-bytes`]**. Every such transport answer (405 for a method a
//! route does not take, 413, 414) is JSON with a code like every other error the simulator
//! answers: `METHOD_NOT_ALLOWED`, `REQUEST_TOO_LARGE`, `URI_TOO_LONG`.

use crate::platform::error::{ApiError, SimError};
use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::net::IpAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// VTEX environments whose hosts the simulator plays (`{account}.{env}.com.br`).
const ENVIRONMENTS: [&str; 2] = ["vtexcommercestable", "vtexcommercebeta"];

/// The host of the simulated ERP ([`crate::erp::orders`]), reached through the proxy.
pub const ERP_HOST: &str = "erp.ponte-sim.test";

/// Which of the simulator's faces a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostKind {
    /// A VTEX account host (`Some(account)`) or the portal host (`None`: account in `?an=`).
    Vtex(Option<String>),
    /// `api.vtex.com/{account}/...` (Pricing, §0): the account is the first path segment.
    AccountInPath,
    /// The VTEX IO infra hosts (`apps.{region}.vtex.io`, `infra.io.vtex.com`).
    Infra,
    /// The simulator itself.
    Sim,
    /// The ERP that Ponte hands orders to (`erp.ponte-sim.test`, [`crate::erp::orders`]).
    Erp,
}

/// The account a request is for, or why there is none; handlers take it as [`Tenant`].
#[derive(Debug, Clone)]
enum AccountOutcome {
    Found(String),
    Missing,
    Invalid(String),
}

/// The request's path as sent (before catalog paths are lowercased), for handlers whose path
/// carries case-sensitive values (RefIds, EANs).
#[derive(Debug, Clone)]
pub struct OriginalPath(pub String);

/// The host the request named (for error messages).
#[derive(Debug, Clone)]
struct RequestHost(String);

/// The account a Catalog (or other VTEX) handler acts on.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub account: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Tenant {
    type Rejection = SimError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<AccountOutcome>() {
            Some(AccountOutcome::Found(account)) => Ok(Tenant {
                account: account.clone(),
            }),
            Some(AccountOutcome::Invalid(raw)) => Err(SimError::InvalidAccount(raw.clone())),
            Some(AccountOutcome::Missing) | None => Err(SimError::AccountMissing),
        }
    }
}

/// A handler's state with the request's account, headers and URI, in one extractor (the
/// `State(s), tenant, headers` most VTEX handlers take).
#[derive(Debug, Clone)]
pub struct Scoped<S> {
    pub state: S,
    pub account: String,
    pub headers: HeaderMap,
    pub uri: Uri,
}

impl<S: Clone + Send + Sync> FromRequestParts<S> for Scoped<S> {
    type Rejection = SimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Tenant { account } = Tenant::from_request_parts(parts, state).await?;
        Ok(Scoped {
            state: state.clone(),
            account,
            headers: parts.headers.clone(),
            uri: parts.uri.clone(),
        })
    }
}

/// The account a request names, if it names one: for endpoints where the account is optional
/// (VTEX ID tokens carry their own). An invalid name is still refused.
#[derive(Debug, Clone)]
pub struct MaybeTenant(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeTenant {
    type Rejection = SimError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<AccountOutcome>() {
            Some(AccountOutcome::Found(account)) => Ok(MaybeTenant(Some(account.clone()))),
            Some(AccountOutcome::Invalid(raw)) => Err(SimError::InvalidAccount(raw.clone())),
            Some(AccountOutcome::Missing) | None => Ok(MaybeTenant(None)),
        }
    }
}

/// What a [`Gate`] sees of a request.
#[derive(Debug, Clone, Copy)]
pub struct GateRequest<'a> {
    pub host: &'a str,
    pub method: &'a Method,
    pub path_and_query: &'a str,
    pub headers: &'a HeaderMap,
}

/// A check on every request before it is routed; `Some` is the refusal sent instead.
pub trait Gate: Send + Sync + std::fmt::Debug {
    fn check(&self, req: &GateRequest<'_>) -> Option<Response>;
}

/// The routers per face, and what routing needs to know.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    pub vtex: Router,
    pub sim: Router,
    /// The VTEX IO infra hosts (app settings).
    pub infra: Router,
    /// The ERP's host, `erp.ponte-sim.test` ([`crate::erp::orders`]).
    pub erp: Router,
    pub default_account: String,
    pub bound_ip: IpAddr,
    pub faults: Arc<crate::platform::faults::Faults>,
    /// Refuses requests before routing (`None`: none refused).
    pub gate: Option<Arc<dyn Gate>>,
    pub limits: Limits,
}

/// How large a request may be (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_uri_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 2 * 1024 * 1024,
            max_uri_bytes: 16 * 1024,
        }
    }
}

/// A transport refusal (405, 413, 414) with a body that is not JSON gets the simulator's JSON
/// error body, with its code.
fn json_transport_error(response: Response) -> Response {
    let status = response.status();
    let code = match status.as_u16() {
        405 => "METHOD_NOT_ALLOWED",
        413 => "REQUEST_TOO_LARGE",
        414 => "URI_TOO_LONG",
        _ => return response,
    };
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        return response;
    }
    let message = match code {
        "METHOD_NOT_ALLOWED" => "this path does not take this method",
        "REQUEST_TOO_LARGE" => "the request body is larger than the simulator takes",
        _ => "the request target is longer than the simulator takes",
    };
    ApiError::Rule {
        status,
        code,
        message: message.to_owned(),
        extra: None,
    }
    .into_response()
}

/// The whole application: everything goes through [`dispatch`].
pub fn app(dispatcher: Dispatcher) -> Router {
    let body_limit = axum::extract::DefaultBodyLimit::max(dispatcher.limits.max_body_bytes);
    Router::new()
        .fallback(dispatch)
        .layer(body_limit)
        .with_state(Arc::new(dispatcher))
}

async fn dispatch(State(d): State<Arc<Dispatcher>>, req: Request) -> Response {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > d.limits.max_uri_bytes {
        return json_transport_error(axum::http::StatusCode::URI_TOO_LONG.into_response());
    }
    json_transport_error(route(d, req).await)
}

async fn route(d: Arc<Dispatcher>, mut req: Request) -> Response {
    let host = request_host(&req);
    // The egress proxy decides before any origin is tried.
    if let Some(gate) = &d.gate {
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        let seen = GateRequest {
            host: host.as_deref().unwrap_or_default(),
            method: req.method(),
            path_and_query: &target,
            headers: req.headers(),
        };
        if let Some(refusal) = gate.check(&seen) {
            return refusal;
        }
    }
    let Some(kind) = classify(host.as_deref(), d.bound_ip) else {
        return SimError::UnknownHost(host.unwrap_or_default()).into_response();
    };
    // `api.vtex.com/{account}/pricing/...`: the account leaves the path here.
    let (kind, path) = match kind {
        HostKind::AccountInPath => {
            let rest = req.uri().path().trim_start_matches('/');
            let (account, tail) = rest.split_once('/').unwrap_or((rest, ""));
            let account = account.to_ascii_lowercase();
            if !valid_account(&account) {
                return SimError::InvalidAccount(account).into_response();
            }
            (HostKind::Vtex(Some(account)), format!("/{tail}"))
        }
        kind => (kind, req.uri().path().to_owned()),
    };
    let account = resolve_account(&kind, req.uri(), req.headers(), &d.default_account);

    let lowered = path.to_ascii_lowercase();
    if lowered.contains("/pvt/") && !has_credentials(req.headers()) {
        return ApiError::Unauthorized.into_response();
    }
    // Origin-form from here on; catalog paths lowercased (VTEX matches them case-insensitively).
    let new_path = if lowered.starts_with("/api/catalog") {
        lowered.clone()
    } else {
        path.clone()
    };
    let path_and_query = match req.uri().query() {
        Some(q) => format!("{new_path}?{q}"),
        None => new_path,
    };
    match Uri::builder().path_and_query(path_and_query).build() {
        Ok(uri) => *req.uri_mut() = uri,
        Err(e) => {
            return ApiError::InvalidPath(format!("invalid request target: {e}")).into_response();
        }
    }
    req.extensions_mut().insert(account);
    req.extensions_mut().insert(OriginalPath(path));
    req.extensions_mut()
        .insert(RequestHost(host.unwrap_or_default()));
    let catalog = lowered.starts_with("/api/catalog") && !matches!(kind, HostKind::Infra);
    let vbase = matches!(kind, HostKind::Infra) && lowered.starts_with("/vbase/");
    let pricing = lowered.starts_with("/pricing/") && !matches!(kind, HostKind::Infra);
    let logistics = lowered.starts_with("/api/logistics/") && !matches!(kind, HostKind::Infra);
    let masterdata = lowered.starts_with("/api/dataentities/") && !matches!(kind, HostKind::Infra);
    let faultable = catalog
        || (vbase && d.faults.vbase())
        || (pricing && d.faults.pricing())
        || (logistics && d.faults.logistics())
        || (masterdata && d.faults.masterdata());
    if faultable {
        // Decided before the handler runs: a faulted write changes nothing.
        let area = if catalog {
            "catalog"
        } else if vbase {
            "vbase"
        } else if pricing {
            "pricing"
        } else if logistics {
            "logistics"
        } else {
            "masterdata"
        };
        let decision = d.faults.decide(area);
        if let Some(latency) = decision.latency {
            tokio::time::sleep(latency).await;
        }
        if let Some(fault) = decision.fault {
            return fault;
        }
    }
    let method = req.method().clone();
    let write = catalog && method != Method::GET && method != Method::HEAD;
    let router = match kind {
        HostKind::Vtex(_) | HostKind::AccountInPath => d.vtex.clone(),
        HostKind::Infra => d.infra.clone(),
        HostKind::Sim => d.sim.clone(),
        HostKind::Erp => d.erp.clone(),
    };
    let response = match router.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if write && response.status().is_success() {
        d.faults.count_write(crate::platform::faults::endpoint_key(
            method.as_str(),
            &lowered,
        ));
    }
    response
}

/// Fallback of the per-face routers.
pub async fn no_route(req: Request) -> Response {
    let host = req
        .extensions()
        .get::<RequestHost>()
        .map(|h| h.0.clone())
        .unwrap_or_default();
    SimError::NoRoute {
        method: req.method().to_string(),
        path: req.uri().path().to_owned(),
        host,
    }
    .into_response()
}

/// `GET /_sim/health`.
pub async fn health() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// The host a request names, lowercased, without port or trailing dot.
fn request_host(req: &Request) -> Option<String> {
    let raw = match req.uri().authority() {
        Some(a) => a.as_str().to_owned(),
        None => req.headers().get(header::HOST)?.to_str().ok()?.to_owned(),
    };
    // Drop userinfo, then the port (keeping IPv6 brackets intact).
    let raw = raw.rsplit('@').next().unwrap_or_default();
    let host = if let Some(rest) = raw.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        raw.split(':').next().unwrap_or_default()
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

fn classify(host: Option<&str>, bound_ip: IpAddr) -> Option<HostKind> {
    let Some(host) = host else {
        return Some(HostKind::Sim);
    };
    if host == "localhost" || host == "ponte-sim" {
        return Some(HostKind::Sim);
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return (ip.is_loopback() || ip == bound_ip || ip.is_unspecified())
            .then_some(HostKind::Sim);
    }
    // `hook.vtex.com`: the anti-fraud gateway's hook (the Antifraud Provider API's example).
    if host == "vtexid.vtex.com.br" || host == "hook.vtex.com" {
        return Some(HostKind::Vtex(None));
    }
    if host == "api.vtex.com" {
        return Some(HostKind::AccountInPath);
    }
    if host == "infra.io.vtex.com" {
        return Some(HostKind::Infra);
    }
    if host == ERP_HOST {
        return Some(HostKind::Erp);
    }
    if let Some(region) = host
        .strip_prefix("apps.")
        .and_then(|rest| rest.strip_suffix(".vtex.io"))
    {
        return valid_account(region).then_some(HostKind::Infra);
    }
    if let Some(label) = host.strip_suffix(".myvtex.com") {
        // `{workspace}--{account}.myvtex.com` names a workspace of the account.
        let account = label.rsplit("--").next().unwrap_or_default();
        return valid_account(account).then(|| HostKind::Vtex(Some(account.to_owned())));
    }
    // The Payment Gateway's host, where a connector's `callbackUrl` points (§G.1).
    if let Some(label) = host.strip_suffix(".vtexpayments.com.br") {
        return valid_account(label).then(|| HostKind::Vtex(Some(label.to_owned())));
    }
    for env in ENVIRONMENTS {
        if let Some(label) = host.strip_suffix(&format!(".{env}.com.br")) {
            if label == "portal" || label == "api" {
                return Some(HostKind::Vtex(None));
            }
            if valid_account(label) {
                return Some(HostKind::Vtex(Some(label.to_owned())));
            }
            return None;
        }
    }
    None
}

/// VTEX account names: lowercase letters, digits and `-`, 1 to 63 characters.
pub fn valid_account(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn resolve_account(
    kind: &HostKind,
    uri: &Uri,
    headers: &HeaderMap,
    default_account: &str,
) -> AccountOutcome {
    if let HostKind::Vtex(Some(account)) = kind {
        return AccountOutcome::Found(account.clone());
    }
    let from_request = query_param(uri, "an").or_else(|| {
        headers
            .get("x-vtex-account")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    });
    let candidate = match (from_request, kind) {
        (Some(a), _) => a,
        (None, HostKind::Sim) => default_account.to_owned(),
        (None, HostKind::Vtex(_) | HostKind::AccountInPath | HostKind::Infra | HostKind::Erp) => {
            return AccountOutcome::Missing;
        }
    };
    let lowered = candidate.to_ascii_lowercase();
    if valid_account(&lowered) {
        AccountOutcome::Found(lowered)
    } else {
        AccountOutcome::Invalid(candidate)
    }
}

/// Whether the request carries credentials: an app key and token, or a VTEX ID token (header
/// or cookie `VtexIdclientAutCookie`).
pub(crate) fn has_credentials(headers: &HeaderMap) -> bool {
    let non_empty = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|s| !s.trim().is_empty())
    };
    if non_empty("x-vtex-api-appkey") && non_empty("x-vtex-api-apptoken") {
        return true;
    }
    if non_empty("vtexidclientautcookie") {
        return true;
    }
    cookie(headers, "VtexIdclientAutCookie").is_some()
}

/// Every cookie of the `Cookie` headers, as (name, trimmed value).
pub(crate) fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(name, value)| (name, value.trim()))
}

/// The first non-blank value of the cookie `name`.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookies(headers)
        .find(|(n, value)| *n == name && !value.is_empty())
        .map(|(_, value)| value)
}

/// The first value of a query parameter (no percent-decoding: the simulator's parameters are
/// account names and booleans).
pub fn query_param(uri: &Uri, name: &str) -> Option<String> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.to_owned())
}

/// The last segment of the path as sent, percent-decoded (a RefId or EAN in the path).
pub fn last_segment(req_path: &OriginalPath) -> String {
    percent_decode(req_path.0.rsplit('/').next().unwrap_or_default())
}

/// `%XX` decoding (invalid sequences are kept as they are).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A query parameter, percent-decoded (`+` is a space), matched case-insensitively.
pub fn query_value(uri: &Uri, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query()?).ok()?;
    pairs
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Whether `?name=true` is set.
pub fn query_flag(uri: &Uri, name: &str) -> bool {
    query_param(uri, name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Parses a JSON object body into `T`. Property names are matched as VTEX writes them
/// (PascalCase); a camelCase name is accepted too (its first letter is uppercased), since
/// VTEX's .NET binder is case-insensitive. Unknown properties are ignored. Every failure is a
/// `400` that says what is wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::InvalidBody(
            "the request body is empty; expected a JSON object".into(),
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::InvalidBody(format!("malformed JSON in the request body: {e}")))?;
    let Value::Object(object) = value else {
        return Err(ApiError::InvalidBody(
            "the request body must be a JSON object".into(),
        ));
    };
    let canonical: Map<String, Value> = object
        .into_iter()
        .map(|(k, v)| {
            let mut chars = k.chars();
            let key = match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => k,
            };
            (key, v)
        })
        .collect();
    serde_json::from_value(Value::Object(canonical))
        .map_err(|e| ApiError::InvalidBody(format!("invalid request body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn hosts_are_classified() {
        assert_eq!(
            classify(Some("portal.vtexcommercestable.com.br"), LOCAL),
            Some(HostKind::Vtex(None))
        );
        assert_eq!(
            classify(Some("ponte.vtexcommercestable.com.br"), LOCAL),
            Some(HostKind::Vtex(Some("ponte".into())))
        );
        assert_eq!(
            classify(Some("ponte.vtexpayments.com.br"), LOCAL),
            Some(HostKind::Vtex(Some("ponte".into())))
        );
        assert_eq!(classify(Some("Bad_Name.vtexpayments.com.br"), LOCAL), None);
        assert_eq!(classify(Some("127.0.0.1"), LOCAL), Some(HostKind::Sim));
        assert_eq!(classify(Some("localhost"), LOCAL), Some(HostKind::Sim));
        assert_eq!(classify(None, LOCAL), Some(HostKind::Sim));
        assert_eq!(
            classify(Some("api.vtex.com"), LOCAL),
            Some(HostKind::AccountInPath)
        );
        assert_eq!(classify(Some("a.b.vtexcommercestable.com.br"), LOCAL), None);
        assert_eq!(classify(Some("10.1.2.3"), LOCAL), None);
        assert_eq!(
            classify(Some("ponte.myvtex.com"), LOCAL),
            Some(HostKind::Vtex(Some("ponte".into())))
        );
        assert_eq!(
            classify(Some("dev--ponte.myvtex.com"), LOCAL),
            Some(HostKind::Vtex(Some("ponte".into())))
        );
        assert_eq!(
            classify(Some("vtexid.vtex.com.br"), LOCAL),
            Some(HostKind::Vtex(None))
        );
        assert_eq!(
            classify(Some("api.vtexcommercestable.com.br"), LOCAL),
            Some(HostKind::Vtex(None))
        );
        assert_eq!(
            classify(Some("apps.local.vtex.io"), LOCAL),
            Some(HostKind::Infra)
        );
        assert_eq!(
            classify(Some("infra.io.vtex.com"), LOCAL),
            Some(HostKind::Infra)
        );
        assert_eq!(classify(Some("apps.a.b.vtex.io"), LOCAL), None);
        assert_eq!(
            classify(Some("erp.ponte-sim.test"), LOCAL),
            Some(HostKind::Erp)
        );
        assert_eq!(classify(Some("Bad_Name.myvtex.com"), LOCAL), None);
    }

    #[test]
    fn query_params_are_found() {
        let uri: Uri = "/x?foo=1&an=ponte&includeTreePath=TRUE"
            .parse()
            .unwrap_or_default();
        assert_eq!(query_param(&uri, "an").as_deref(), Some("ponte"));
        assert!(query_flag(&uri, "includetreepath"));
        assert!(!query_flag(&uri, "missing"));
    }

    #[test]
    fn camel_case_bodies_are_accepted_and_garbage_refused() {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct B {
            father_category_id: Option<u32>,
        }
        let b: Result<B, _> = parse_json(br#"{"fatherCategoryId": 3}"#);
        assert_eq!(b.ok().and_then(|b| b.father_category_id), Some(3));
        assert!(parse_json::<B>(b"{").is_err());
        assert!(parse_json::<B>(b"").is_err());
        assert!(parse_json::<B>(b"[1]").is_err());
    }
}
