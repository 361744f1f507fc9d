//! VTEX as the Node service reaches it: the Catalog API through Janus
//! (`http://portal.vtexcommercestable.com.br/api/...?an=ACCOUNT`) and VTEX ID on the account's
//! host, through an HTTP proxy (ponte-sim in tests and the differential), with the same paths,
//! the same app token header and the same 404-as-absent rule as `node/clients/catalog.ts` and
//! `node/clients/vtexId.ts`.
//!
//! Attach a [`Vtex`] to a request (`Request::new(q).data(vtex)`) and the catalog fields read
//! what they need from it, per field, the way `node/catalog/reads.ts` does ([`crate::reads`]);
//! without one they answer from the attached [`crate::CatalogData`] snapshot.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Janus, the host the Catalog client calls.
pub const JANUS: &str = "http://portal.vtexcommercestable.com.br";

/// A failed call: no answer, an HTTP status other than 2xx/404, or a body of the wrong shape.
#[derive(Debug, thiserror::Error)]
pub enum VtexError {
    #[error("{0}")]
    Transport(String),
    #[error("HTTP {0}")]
    Status(u16),
    #[error("unexpected body: {0}")]
    Body(String),
}

/// The account's VTEX, reached through `proxy` with the app's token.
#[derive(Debug, Clone)]
pub struct Vtex {
    http: reqwest::Client,
    account: String,
    app_token: String,
    workspace: String,
    app: String,
}

impl Vtex {
    /// `proxy`: the HTTP proxy every request goes through (absolute-form request lines), as the
    /// service's `HTTP_PROXY`. `app_token`: sent as `VtexIdclientAutCookie`, as the service's
    /// clients send `ctx.vtex.authToken`.
    pub fn new(proxy: &str, account: &str, app_token: &str) -> Result<Self, VtexError> {
        let proxy = reqwest::Proxy::http(proxy).map_err(|e| VtexError::Transport(e.to_string()))?;
        let http = reqwest::Client::builder()
            .proxy(proxy)
            .build()
            .map_err(|e| VtexError::Transport(e.to_string()))?;
        Ok(Self {
            http,
            account: account.to_owned(),
            app_token: app_token.to_owned(),
            workspace: "master".to_owned(),
            app: "ponte.ponte".to_owned(),
        })
    }

    /// The workspace and the app (`vendor.name`) whose VBase buckets are read (default
    /// `master` and `ponte.ponte`, the manifest's).
    pub fn with_app(mut self, workspace: &str, app: &str) -> Self {
        self.workspace = workspace.to_owned();
        self.app = app.to_owned();
        self
    }

    /// A JSON file of the app's VBase bucket, as `@vtex/api`'s VBase client reads it
    /// (`getRawJSON` with `nullIfNotFound`): `None` when absent.
    pub async fn vbase_json(
        &self,
        bucket: &str,
        path: &str,
    ) -> Result<Option<serde_json::Value>, VtexError> {
        let url = format!(
            "http://infra.io.vtex.com/vbase/v2/{}/{}/buckets/{}/{bucket}/files/{path}",
            self.account, self.workspace, self.app
        );
        self.get_or_none(url, "Authorization").await
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// A Catalog GET; `None` when VTEX answers 404 (the client's `nullIfNotFound`).
    async fn catalog_get<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, VtexError> {
        let url = format!("{JANUS}{path}?an={}", self.account);
        self.get_or_none(url, "VtexIdclientAutCookie").await
    }

    /// A GET with the app's token in `token_header`: the JSON body on 2xx, `None` on 404.
    async fn get_or_none<T: DeserializeOwned>(
        &self,
        url: String,
        token_header: &str,
    ) -> Result<Option<T>, VtexError> {
        let response = self
            .http
            .get(url)
            .header("Accept", "application/json")
            .header(token_header, &self.app_token)
            .send()
            .await
            .map_err(|e| VtexError::Transport(e.to_string()))?;
        match response.status().as_u16() {
            404 => Ok(None),
            200..=299 => {
                let text = response
                    .text()
                    .await
                    .map_err(|e| VtexError::Transport(e.to_string()))?;
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| VtexError::Body(e.to_string()))
            }
            status => Err(VtexError::Status(status)),
        }
    }

    /// `GET /api/catalog/pvt/category/{id}`.
    pub async fn category(&self, id: u32) -> Result<Option<VtexCategory>, VtexError> {
        self.catalog_get(&format!("/api/catalog/pvt/category/{id}"))
            .await
    }

    /// `GET /api/catalog_system/pub/category/tree/{levels}` (a 404 is an error, as in Node).
    pub async fn category_tree(&self, levels: usize) -> Result<Vec<VtexTreeNode>, VtexError> {
        self.catalog_get(&format!("/api/catalog_system/pub/category/tree/{levels}"))
            .await?
            .ok_or(VtexError::Status(404))
    }

    /// `GET .../specification/field/listTreeByCategoryId/{id}`; empty on 404.
    pub async fn fields_visible_at(&self, id: u32) -> Result<Vec<VtexFieldSummary>, VtexError> {
        Ok(self
            .catalog_get(&format!(
                "/api/catalog_system/pub/specification/field/listTreeByCategoryId/{id}"
            ))
            .await?
            .unwrap_or_default())
    }

    /// `GET .../specification/fieldGet/{id}`.
    pub async fn field(&self, id: u32) -> Result<Option<VtexField>, VtexError> {
        self.catalog_get(&format!(
            "/api/catalog_system/pub/specification/fieldGet/{id}"
        ))
        .await
    }

    /// `GET .../specification/groupGet/{id}`.
    pub async fn group(&self, id: u32) -> Result<Option<VtexGroup>, VtexError> {
        self.catalog_get(&format!(
            "/api/catalog_system/pub/specification/groupGet/{id}"
        ))
        .await
    }

    /// `GET .../specification/fieldvalue/{id}`; empty on 404.
    pub async fn field_values(&self, id: u32) -> Result<Vec<VtexFieldValue>, VtexError> {
        Ok(self
            .catalog_get(&format!(
                "/api/catalog_system/pub/specification/fieldvalue/{id}"
            ))
            .await?
            .unwrap_or_default())
    }

    /// `POST /api/vtexid/credential/validate` on the account's host, the token in the body:
    /// whether VTEX ID confirms the session (200 with `authStatus: Success`).
    pub async fn confirms(&self, token: &str) -> Result<bool, VtexError> {
        let url = format!(
            "http://{}.vtexcommercestable.com.br/api/vtexid/credential/validate",
            self.account
        );
        let response = self
            .http
            .post(url)
            .header("Accept", "application/json")
            .header("X-Vtex-Use-Https", "true")
            .header("VtexIdclientAutCookie", &self.app_token)
            .json(&serde_json::json!({ "token": token }))
            .send()
            .await
            .map_err(|e| VtexError::Transport(e.to_string()))?;
        match response.status().as_u16() {
            200 => {
                let body: serde_json::Value = response
                    .json()
                    .await
                    .map_err(|e| VtexError::Body(e.to_string()))?;
                Ok(body.get("authStatus").and_then(|s| s.as_str()) == Some("Success"))
            }
            401 => Ok(false),
            status => Err(VtexError::Status(status)),
        }
    }
}

// VTEX Catalog API shapes as VTEX serves them (PascalCase; the tree is camelCase). Only what
// Ponte reads is declared, as in node/clients/catalog.ts.

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VtexCategory {
    pub id: u32,
    pub name: String,
    pub father_category_id: Option<u32>,
    pub is_active: bool,
    #[serde(default)]
    pub has_children: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VtexTreeNode {
    pub id: u32,
    pub name: String,
    pub has_children: bool,
    #[serde(default)]
    pub children: Vec<VtexTreeNode>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VtexFieldSummary {
    pub field_id: u32,
    pub is_active: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VtexField {
    pub field_id: u32,
    pub name: String,
    pub field_group_id: u32,
    pub field_type_id: i32,
    pub position: Option<i32>,
    pub is_active: bool,
    pub is_required: bool,
    pub is_filter: bool,
    pub is_stock_keeping_unit: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VtexGroup {
    pub id: u32,
    pub name: String,
    pub category_id: Option<u32>,
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VtexFieldValue {
    pub field_value_id: u32,
    pub value: String,
    pub is_active: bool,
    pub position: Option<i32>,
}
