//! License Manager: roles (a name and the resources it grants), the roles each login holds, and
//! the one question services ask of it.
//!
//! | Endpoint | Source |
//! |---|---|
//! | `GET /api/license-manager/pvt/accounts/{account}/products/{productCode}/logins/{login}/resources/{resourceCode}/granted` → `true` / `false` | real: what VTEX IO's `@auth(scope: PRIVATE, productCode, resourceCode)` asks (`@vtex/api` `schemaDirectives/Auth.js`) |
//! | `PUT /_sim/license-manager/{account}/roles/{role}` `{"resources": ["Product/Resource", ...]}` | **[simulator extension]**: creates or replaces a role, as an admin does in the License Manager UI ("Roles") |
//! | `GET /_sim/license-manager/{account}/roles/{role}` | **[simulator extension]** |
//! | `PUT /_sim/license-manager/{account}/logins/{login}/roles` `{"roles": [...]}` | **[simulator extension]**: the roles of a user or app key (VTEX: "Add roles to user or appKey", License Manager API, by role id) |
//! | `GET /_sim/license-manager/{account}/logins/{login}/roles` → `{"roles", "explicit"}` | **[simulator extension]** |
//! | `DELETE /_sim/license-manager/{account}/logins/{login}/roles` | **[simulator extension]**: back to the default |
//!
//! A resource is named `{productCode}/{resourceCode}` as the granted endpoint takes them; Ponte
//! uses VTEX's product and resource names ("OMS/Cancel order"), from the "Permissions" section of
//! each endpoint of the Orders and Catalog API references.
//!
//! Seed: each account has the role `Owner (Admin Super)` (a VTEX predefined role, "Predefined
//! roles", help.vtex.com) holding [`SEEDED_RESOURCES`]. A login with no roles set explicitly holds
//! that role **[simulator choice]**: the simulator's VTEX ID signs in any email, and every
//! person and app key it knows of is then an account owner unless a test says otherwise by
//! setting the login's roles (an empty list: none). Logins compare without case (emails).
//! Kept in memory: a restarted simulator starts from the seed **[simulator choice]**.
//! The granted endpoint is a `/pvt/` path: like every one, it needs a credential (any, for now;
//! [`crate::platform::http`]); VTEX requires the caller's (the app's) token.

use crate::platform::error::ApiError;
use crate::platform::http::valid_account;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

/// The seeded owner role.
pub const OWNER_ROLE: &str = "Owner (Admin Super)";

/// What the owner role grants: every resource Ponte's schema names (graphql/schema.graphql).
pub const SEEDED_RESOURCES: [&str; 21] = [
    "OMS/View order",
    "OMS/Feed v3 and Hook Admin",
    "OMS/Feed v3 and Hook view only",
    "OMS/Change order workflow status",
    "OMS/Notify invoice",
    "OMS/Notify refund",
    "OMS/Cancel order",
    "OMS/Change order",
    "Checkout/Orders Full Access",
    "Catalog/Categories Management",
    "Catalog/Brands Management",
    "Catalog/Product and SKU Management",
    "Catalog/SKUs",
    // The Pricing and Logistics API references' "Permissions" sections (tests/openapi/spec/).
    "Pricing/Read prices",
    "Pricing/Modify prices",
    "Logistics/Logistics viewer",
    "Logistics/Logistics full access",
    "Logistics/Logistics inventory full access",
    // The Master Data API v1 reference's "Permissions" sections (Dynamic Storage product).
    "Dynamic Storage/Read only documents",
    "Dynamic Storage/Insert or update document (not remove)",
    "Dynamic Storage/Full access to all documents",
];

#[derive(Debug, Default)]
struct Account {
    /// role name → resources (`Product/Resource`).
    roles: BTreeMap<String, BTreeSet<String>>,
    /// lowercased login → roles, for logins whose roles were set.
    logins: BTreeMap<String, BTreeSet<String>>,
}

impl Account {
    fn seeded() -> Self {
        let mut roles = BTreeMap::new();
        roles.insert(
            OWNER_ROLE.to_owned(),
            SEEDED_RESOURCES.iter().map(|r| (*r).to_owned()).collect(),
        );
        Self {
            roles,
            logins: BTreeMap::new(),
        }
    }

    fn roles_of(&self, login: &str) -> (BTreeSet<String>, bool) {
        match self.logins.get(&login.to_lowercase()) {
            Some(roles) => (roles.clone(), true),
            None => (BTreeSet::from([OWNER_ROLE.to_owned()]), false),
        }
    }

    fn granted(&self, login: &str, resource: &str) -> bool {
        self.roles_of(login)
            .0
            .iter()
            .filter_map(|role| self.roles.get(role))
            .any(|resources| resources.contains(resource))
    }
}

/// License Manager's state, per account.
#[derive(Debug, Default)]
pub struct LicenseManager {
    accounts: Mutex<BTreeMap<String, Account>>,
}

pub type SharedLm = Arc<LicenseManager>;

impl LicenseManager {
    fn with<T>(&self, account: &str, f: impl FnOnce(&mut Account) -> T) -> T {
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        f(accounts
            .entry(account.to_ascii_lowercase())
            .or_insert_with(Account::seeded))
    }

    /// Whether `login` holds `{product}/{resource}` in `account`.
    pub fn granted(&self, account: &str, login: &str, product: &str, resource: &str) -> bool {
        self.with(account, |a| {
            a.granted(login, &format!("{product}/{resource}"))
        })
    }
}

/// The VTEX routes (account hosts).
pub fn routes() -> Router<SharedLm> {
    Router::new().route(
        "/api/license-manager/pvt/accounts/{account}/products/{product}/logins/{login}/resources/{resource}/granted",
        get(granted),
    )
}

/// The simulator's routes (`/_sim/license-manager/...`).
pub fn sim_routes() -> Router<SharedLm> {
    Router::new()
        .route(
            "/_sim/license-manager/{account}/roles/{role}",
            put(put_role).get(get_role),
        )
        .route(
            "/_sim/license-manager/{account}/logins/{login}/roles",
            put(put_login_roles)
                .get(get_login_roles)
                .delete(delete_login_roles),
        )
}

fn account_of(raw: &str) -> Result<String, ApiError> {
    let account = raw.to_ascii_lowercase();
    if valid_account(&account) {
        Ok(account)
    } else {
        Err(ApiError::InvalidPath(format!(
            "invalid account name {raw:?}"
        )))
    }
}

async fn granted(
    State(lm): State<SharedLm>,
    Path((account, product, login, resource)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let account = account_of(&account)?;
    Ok(Json(lm.granted(&account, &login, &product, &resource)).into_response())
}

#[derive(Debug, Deserialize)]
struct RoleBody {
    resources: Vec<String>,
}

fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::InvalidBody(e.to_string()))
}

async fn put_role(
    State(lm): State<SharedLm>,
    Path((account, role)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = account_of(&account)?;
    let input: RoleBody = parse(&body)?;
    if let Some(bad) = input.resources.iter().find(|r| {
        r.split_once('/')
            .is_none_or(|(p, r)| p.is_empty() || r.is_empty())
    }) {
        return Err(ApiError::InvalidBody(format!(
            "a resource is \"Product/Resource\", got {bad:?}"
        )));
    }
    let resources: BTreeSet<String> = input.resources.into_iter().collect();
    lm.with(&account, |a| {
        a.roles.insert(role.clone(), resources.clone())
    });
    Ok(Json(json!({ "name": role, "resources": resources })).into_response())
}

async fn get_role(
    State(lm): State<SharedLm>,
    Path((account, role)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let account = account_of(&account)?;
    match lm.with(&account, |a| a.roles.get(&role).cloned()) {
        Some(resources) => {
            Ok(Json(json!({ "name": role, "resources": resources })).into_response())
        }
        None => Err(ApiError::InvalidPath(format!("no role {role:?}"))),
    }
}

#[derive(Debug, Deserialize)]
struct LoginRolesBody {
    roles: Vec<String>,
}

async fn put_login_roles(
    State(lm): State<SharedLm>,
    Path((account, login)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = account_of(&account)?;
    let input: LoginRolesBody = parse(&body)?;
    let roles: BTreeSet<String> = input.roles.into_iter().collect();
    let unknown = lm.with(&account, |a| {
        let unknown = roles.iter().find(|r| !a.roles.contains_key(*r)).cloned();
        if unknown.is_none() {
            a.logins.insert(login.to_lowercase(), roles.clone());
        }
        unknown
    });
    if let Some(role) = unknown {
        return Err(ApiError::InvalidBody(format!("no role {role:?}")));
    }
    Ok(Json(json!({ "login": login, "roles": roles, "explicit": true })).into_response())
}

async fn get_login_roles(
    State(lm): State<SharedLm>,
    Path((account, login)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let account = account_of(&account)?;
    let (roles, explicit) = lm.with(&account, |a| a.roles_of(&login));
    Ok(Json(json!({ "login": login, "roles": roles, "explicit": explicit })).into_response())
}

async fn delete_login_roles(
    State(lm): State<SharedLm>,
    Path((account, login)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let account = account_of(&account)?;
    lm.with(&account, |a| a.logins.remove(&login.to_lowercase()));
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_grants_everything_to_unknown_logins_and_explicit_roles_replace_it() {
        let lm = LicenseManager::default();
        assert!(lm.granted("ponte", "ana@example.com", "OMS", "Cancel order"));
        assert!(!lm.granted("ponte", "ana@example.com", "OMS", "Something else"));
        lm.with("ponte", |a| {
            a.roles.insert(
                "Invoicer".into(),
                BTreeSet::from(["OMS/Notify invoice".to_owned()]),
            );
            a.logins.insert(
                "ana@example.com".into(),
                BTreeSet::from(["Invoicer".to_owned()]),
            );
        });
        assert!(lm.granted("ponte", "ANA@example.com", "OMS", "Notify invoice"));
        assert!(!lm.granted("ponte", "ana@example.com", "OMS", "Cancel order"));
        assert!(lm.granted("other", "ana@example.com", "OMS", "Cancel order"));
    }
}
