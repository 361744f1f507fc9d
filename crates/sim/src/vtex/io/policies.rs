//! What VTEX IO lets an app's outbound calls do, from the app's `manifest.json` `policies`.
//!
//! A call is the app's when it carries `Proxy-Authorization` (the app's token, which
//! `@vtex/api`'s `ExternalClient`, and so `JanusClient`, puts on every call: VTEX IO's
//! outbound proxy authenticates the app with it). Infra calls (`InfraClient`: app settings,
//! VBase) carry none and are not checked. With a manifest loaded (`--app-manifest PATH`, or
//! `PUT /_sim/io/manifest`), such a call is refused:
//!
//! - **outbound-access** (VTEX, "Accessing external resources within a VTEX IO app", developers
//!   portal, VTEX IO app development: "apps must declare policies in the policies list of the
//!   manifest.json", outbound-access policies name "the explicit host and path for each
//!   resource"; the "Policies from License Manager" guide shows
//!   `{"name": "outbound-access", "attrs": {"host": "{{account}}.vtexcommercestable.com.br",
//!   "path": "/arquivos/favicon.ico"}}`): the request's host and path must match one
//!   outbound-access policy. `{{account}}` is the account the app is installed on (IO's
//!   `account`; when none is configured, any account **[sim's choice: the simulator serves
//!   many accounts and the service's calls do not name theirs]**); `*` matches
//!   any run of characters (VTEX's examples use it at the end of a path, `/api/catalog/*`; the
//!   simulator also accepts it anywhere in a host or path **[sim's choice]**). Hosts match
//!   case-insensitively, paths case-sensitively **[sim's choice]**.
//! - **License Manager role policies** (VTEX, "Policies from License Manager": "by adding
//!   `Sku.aspx` to the policies list, your app gains permission to read SKUs from the
//!   Catalog"; release note "Custom IO apps need to add the ListOrders resource", 2023:
//!   `OMSViewer` views orders, `ListOrders` lists them): a call whose VTEX ID credential
//!   (`VtexIdclientAutCookie`) is the app's own token (equal to `Proxy-Authorization`) must
//!   find, for the first [`RoleRule`] matching its method and path, one of the rule's policy
//!   names in the manifest. Calls with a person's or an app key's credential are not checked
//!   here (their roles are theirs, not the app's).
//!
//! Refusals: VTEX documents that the policy is needed, not what the refusal looks like. The
//! simulator answers `403` with `{"error": {"code": "OUTBOUND_ACCESS_DENIED" |
//! "APP_POLICY_MISSING", "message": ..., "exception": null}}` **[sim's choice: status, code and
//! body shape]**.
//!
//! The role table ([`default_role_table`]) is configurable (`GET|PUT /_sim/io/role-table`):
//! VTEX's published table lists a few keys per API; where it names none for an endpoint
//! Ponte calls, the row says so.
//!
//! **Reaching the merchant's ERP**: VTEX documents outbound-access policies with an explicit
//! host; it documents no install-time host (no setting placeholder like `{{account}}` for an
//! arbitrary host). The manifest's `erp.ponte-sim.test` policy is the simulator's ERP host and
//! is a test-only policy; on a real account, the ERP's host must be added to the manifest
//! before the app is published (one app version per ERP host), see `docs/README.md`.

use crate::platform::http::{Gate, GateRequest};
use axum::Json;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The app's policies, from its manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppPolicies {
    /// `(host pattern, path pattern)` of every outbound-access policy.
    pub outbound: Vec<(String, String)>,
    /// Every other policy's name (License Manager keys, `vbase-read-write`, ...).
    pub roles: BTreeSet<String>,
}

impl AppPolicies {
    /// The policies of a `manifest.json`.
    pub fn from_manifest(manifest: &Value) -> Result<AppPolicies, String> {
        let list = match manifest.get("policies") {
            None => return Ok(AppPolicies::default()),
            Some(Value::Array(list)) => list,
            Some(_) => return Err("manifest.policies must be a list".into()),
        };
        let mut policies = AppPolicies::default();
        for (i, p) in list.iter().enumerate() {
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("manifest.policies[{i}].name must be a string"))?;
            if name == "outbound-access" {
                let attr = |k: &str| {
                    p.get("attrs")
                        .and_then(|a| a.get(k))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .ok_or_else(|| format!("manifest.policies[{i}].attrs.{k} must be a string"))
                };
                policies.outbound.push((attr("host")?, attr("path")?));
            } else {
                policies.roles.insert(name.to_owned());
            }
        }
        Ok(policies)
    }

    /// Whether an outbound-access policy covers `host` + `path` for the app on `account`
    /// (`None`: any account).
    pub fn allows_outbound(&self, account: Option<&str>, host: &str, path: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.outbound.iter().any(|(h, p)| {
            let h = h
                .replace("{{account}}", account.unwrap_or("*"))
                .to_ascii_lowercase();
            glob(&h, &host) && glob(p, path)
        })
    }
}

/// One row of the role table: a call matching `methods` (empty: any) and `pathPrefix`
/// (case-insensitive) needs one of `anyOf` in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRule {
    #[serde(default)]
    pub methods: Vec<String>,
    pub path_prefix: String,
    pub any_of: Vec<String>,
    /// Where the rule comes from.
    pub source: String,
}

const LM_GUIDE: &str =
    "VTEX, Policies from License Manager (developers portal, VTEX IO app development)";
const LIST_ORDERS_NOTE: &str =
    "VTEX release note 'Custom IO apps need to add the ListOrders resource' (2023)";

fn rule(methods: &[&str], prefix: &str, any_of: &[&str], source: &str) -> RoleRule {
    RoleRule {
        methods: methods.iter().map(|m| (*m).to_owned()).collect(),
        path_prefix: prefix.to_owned(),
        any_of: any_of.iter().map(|m| (*m).to_owned()).collect(),
        source: source.to_owned(),
    }
}

/// The built-in table, first match wins. Only rows for APIs Ponte calls with the app's token.
pub fn default_role_table() -> Vec<RoleRule> {
    let write = ["POST", "PUT", "PATCH", "DELETE"];
    vec![
        // OMS. Listing orders is `GET /api/oms/pvt/orders` (with or without a query).
        rule(
            &["GET"],
            "/api/oms/pvt/orders?",
            &["ListOrders"],
            LIST_ORDERS_NOTE,
        ),
        rule(
            &["GET"],
            "/api/oms/pvt/orders/",
            &["OMSViewer"],
            &format!("{LM_GUIDE}: OMSViewer, view orders; {LIST_ORDERS_NOTE}"),
        ),
        // Order actions (start handling, invoice, tracking, cancel): VTEX's IO table, as far as
        // we could read it, names no key of its own for them **[sim's choice: OMSViewer, the
        // OMS key VTEX does list; replace the row when VTEX's key is known]**.
        rule(
            &write,
            "/api/oms/pvt/orders/",
            &["OMSViewer"],
            &format!("{LM_GUIDE} (no key listed for OMS actions: sim's choice)"),
        ),
        // Order modifications v2 (`/api/order-system/orders/{id}/changes`): same **[sim's choice]**.
        rule(
            &[],
            "/api/order-system/orders/",
            &["OMSViewer"],
            &format!("{LM_GUIDE} (no key listed for order changes: sim's choice)"),
        ),
        // Catalog: SKUs read (Sku.aspx), products and SKUs written (ManterFormularioProdutoSku,
        // "Change and inclusion of product and SKU", listed on catalog_system/pvt/products/*;
        // extended to the Catalog API's product and SKU paths **[sim's choice]**), brands
        // (Marca.aspx, "List all registered brands").
        rule(
            &["GET"],
            "/api/catalog_system/pvt/sku/",
            &["Sku.aspx"],
            &format!("{LM_GUIDE}: Sku.aspx"),
        ),
        rule(
            &["GET"],
            "/api/catalog/pvt/stockkeepingunit",
            &["Sku.aspx"],
            &format!("{LM_GUIDE}: Sku.aspx"),
        ),
        rule(
            &write,
            "/api/catalog/pvt/stockkeepingunit",
            &["ManterFormularioProdutoSku"],
            &format!("{LM_GUIDE}: ManterFormularioProdutoSku"),
        ),
        rule(
            &[],
            "/api/catalog_system/pvt/products/",
            &["ManterFormularioProdutoSku", "ProdutoForm.aspx"],
            &format!("{LM_GUIDE}: ProdutoForm.aspx, ManterFormularioProdutoSku"),
        ),
        rule(
            &write,
            "/api/catalog/pvt/product",
            &["ManterFormularioProdutoSku"],
            &format!("{LM_GUIDE}: ManterFormularioProdutoSku (sim's choice: Catalog API path)"),
        ),
        rule(
            &["GET"],
            "/api/catalog_system/pvt/brand",
            &["Marca.aspx"],
            &format!("{LM_GUIDE}: Marca.aspx"),
        ),
        rule(
            &["GET"],
            "/api/catalog/pvt/brand",
            &["Marca.aspx"],
            &format!("{LM_GUIDE}: Marca.aspx"),
        ),
        // Categories, specifications, Feed v3 and Hook, vtex.scheduler, VTEX ID: VTEX's table
        // lists no key we know of; no row (not checked) rather than an invented name.
    ]
}

impl RoleRule {
    fn matches(&self, method: &Method, path_and_query: &str) -> bool {
        let target = path_and_query.to_ascii_lowercase();
        let prefix = self.path_prefix.to_ascii_lowercase();
        let path_ok = if let Some(bare) = prefix.strip_suffix('?') {
            // `prefix?`: exactly that path, with or without a query.
            let path = target.split('?').next().unwrap_or_default();
            path == bare || path == format!("{bare}/")
        } else {
            target.starts_with(&prefix)
        };
        path_ok
            && (self.methods.is_empty()
                || self
                    .methods
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(method.as_str())))
    }
}

/// `*` matches any run of characters; everything else literally.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn refuse(code: &str, message: String) -> Response {
    (
        StatusCode::FORBIDDEN,
        Json(json!({ "error": { "code": code, "message": message, "exception": null } })),
    )
        .into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The VTEX ID credential a call carries (header, else cookie).
fn vtex_id_credential(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = header(headers, "vtexidclientautcookie").filter(|v| !v.is_empty()) {
        return Some(v.to_owned());
    }
    crate::platform::http::cookie(headers, "VtexIdclientAutCookie").map(str::to_owned)
}

/// The check itself, given the app's policies, the role table and the installed account.
pub fn check(
    policies: &AppPolicies,
    table: &[RoleRule],
    account: Option<&str>,
    req: &GateRequest<'_>,
) -> Option<Response> {
    let GateRequest {
        host,
        method,
        path_and_query,
        headers,
    } = *req;
    let app_token = header(headers, "proxy-authorization")?;
    let path = path_and_query.split('?').next().unwrap_or_default();
    if !policies.allows_outbound(account, host, path) {
        return Some(refuse(
            "OUTBOUND_ACCESS_DENIED",
            format!(
                "the app's manifest has no outbound-access policy for host {host} and path {path}"
            ),
        ));
    }
    if app_token.is_empty() || vtex_id_credential(headers).as_deref() != Some(app_token) {
        return None;
    }
    let rule = table.iter().find(|r| r.matches(method, path_and_query))?;
    if rule.any_of.iter().any(|p| policies.roles.contains(p)) {
        return None;
    }
    Some(refuse(
        "APP_POLICY_MISSING",
        format!(
            "{method} {path} with the app's token needs one of the policies {:?} in the app's manifest ({})",
            rule.any_of, rule.source
        ),
    ))
}

impl Gate for super::IoRouter {
    fn check(&self, req: &GateRequest<'_>) -> Option<Response> {
        let (policies, table, account) = self.policies()?;
        check(&policies, &table, account.as_deref(), req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("/api/catalog/*", "/api/catalog/pvt/x"));
        assert!(!glob("/api/catalog/*", "/api/catalog_system/x"));
        assert!(glob("/api/orders/feed", "/api/orders/feed"));
        assert!(!glob("/api/orders/feed", "/api/orders/feed/x"));
        assert!(glob("*.example.com", "erp.example.com"));
        assert!(glob("/a/*/c", "/a/b/c"));
        assert!(!glob("/a/*/c", "/a/b/d"));
    }

    #[test]
    fn list_and_get_are_told_apart() {
        let t = default_role_table();
        let first = |m: Method, p: &str| {
            t.iter()
                .find(|r| r.matches(&m, p))
                .map(|r| r.any_of[0].clone())
        };
        assert_eq!(
            first(Method::GET, "/api/oms/pvt/orders?f_status=x").as_deref(),
            Some("ListOrders")
        );
        assert_eq!(
            first(Method::GET, "/api/oms/pvt/orders").as_deref(),
            Some("ListOrders")
        );
        assert_eq!(
            first(Method::GET, "/api/oms/pvt/orders/v1-01").as_deref(),
            Some("OMSViewer")
        );
        assert_eq!(
            first(Method::GET, "/api/catalog_system/pub/category/tree/3"),
            None
        );
    }
}
