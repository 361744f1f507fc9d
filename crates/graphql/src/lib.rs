//! Ponte's GraphQL API (`graphql/schema.graphql`), served natively over `ponte-core`.
//!
//! The VTEX IO service serves the same schema from Node through the wasm build of the core;
//! this crate is the native twin, and the oracle of the GraphQL differential test
//! (`tests/graphql.differential.e2e.test.ts`): one query corpus runs through the Node service
//! under the real `@vtex/api` runtime and through this crate (the `ponte-graphql-run` binary),
//! both reading one ponte-sim over HTTP, and the answers must be equal (`data`, and each error's
//! path and `extensions.code`). A test (`tests/sdl.rs`) checks that the SDL exported here,
//! parsed and normalised, equals the schema file (VTEX directives such as `@auth` left out).
//!
//! Where the data comes from, per request: a [`Vtex`] (the account's Catalog, VTEX ID and
//! VBase through an HTTP proxy, read per field as the Node service reads them: [`reads`]), else
//! a [`CatalogData`] snapshot. Field errors follow the GraphQL specification's nulls, as
//! graphql-js does ([`nulls`]).
//!
//! The schema answers from one [`CatalogSnapshot`], validated once when it is attached
//! ([`CatalogData::new`]) and looked up per field: first in the request's data, then in the
//! schema's. An invalid snapshot makes every field fail with the catalog's error code.
//!
//! Errors carry `extensions.code`: a [`CatalogError::code`], [`INVALID_ID`] for an id that
//! is not a positive 32-bit integer, `CATEGORY_NOT_FOUND` for an unknown category.
//!
//! The person-bound fields (`adminSession`, `storefrontSession`) read the request's
//! [`SsoData`] (credentials, account, clock, key set, sessions VTEX ID confirms) and check it
//! with `ponte_core::sso` exactly as the Node service's `@requiresPerson` does; see [`sso`].
//!
//! ```
//! use ponte_core::catalog::{Category, CatalogSnapshot};
//! use ponte_core::ids::CategoryId;
//! let snapshot = CatalogSnapshot {
//!     categories: vec![Category {
//!         id: CategoryId(1), name: "Shoes".into(), father_category_id: None,
//!         is_active: true, has_children: None,
//!     }],
//!     ..CatalogSnapshot::default()
//! };
//! let schema = ponte_graphql::schema_with_catalog(snapshot);
//! let response = futures_lite_block_on(schema.execute("{ categoryTree { id name level } }"));
//! assert!(response.errors.is_empty());
//! # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     let mut f = std::pin::pin!(f);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
//! # }
//! ```

use async_graphql::{
    Context, EmptySubscription, Enum, ErrorExtensions, ID, MergedObject, Object, Schema,
    SimpleObject,
};
use ponte_core::catalog as ops;
use ponte_core::catalog::{self as cat, Catalog, CatalogError, CatalogSnapshot};
use ponte_core::ids::CategoryId;
use ponte_core::sso::Audience;

pub mod antifraud;
pub mod audit;
pub mod customers;
pub mod import;
pub mod intake;
pub mod nulls;
pub mod orders;
pub mod reads;
pub mod sso;
pub mod sync;
pub mod vtex;
pub use import::ImportMutation;
pub use intake::{IntakeMutation, OrderIntake};
pub use orders::OrdersMutation;
pub use sso::{PersonAudience, Session, SsoData, VerifiedBy};
pub use vtex::Vtex;

/// The schema type: queries, and the mutations (natively NOT_SUPPORTED, see [`import`] and
/// [`orders`]).
pub type PonteSchema = Schema<Query, Mutation, EmptySubscription>;

// The root mutation: the import fields, the orders fields, then the intake's, in the schema
// file's order. (A plain comment: a doc comment would become the type's description, which
// the schema file does not give.)
#[derive(Debug, Clone, Copy, Default, MergedObject)]
pub struct Mutation(
    pub ImportMutation,
    pub OrdersMutation,
    pub IntakeMutation,
    pub sync::SyncMutation,
    pub antifraud::AntifraudMutation,
    pub customers::CustomerMutation,
);

/// `extensions.code` of an id argument that is not a positive 32-bit integer.
pub const INVALID_ID: &str = "INVALID_ID";
/// `extensions.code` when a resolver runs without a [`CatalogData`] attached (a wiring bug).
pub const CATALOG_MISSING: &str = "INTERNAL_CATALOG_MISSING";

/// The catalog a schema answers from: the snapshot as given and the result of validating it.
#[derive(Debug)]
pub struct CatalogData {
    snapshot: CatalogSnapshot,
    catalog: Result<Catalog, CatalogError>,
}

impl CatalogData {
    /// Validates the snapshot once; an invalid one is kept as its error.
    pub fn new(snapshot: CatalogSnapshot) -> Self {
        let catalog = Catalog::from_snapshot(&snapshot);
        Self { snapshot, catalog }
    }

    pub fn snapshot(&self) -> &CatalogSnapshot {
        &self.snapshot
    }

    fn catalog(&self) -> async_graphql::Result<&Catalog> {
        self.catalog.as_ref().map_err(catalog_error)
    }
}

/// The schema without a catalog: attach one per request with
/// `Request::new(query).data(CatalogData::new(snapshot))`. Also what the SDL comes from.
pub fn schema() -> PonteSchema {
    Schema::build(Query, Mutation::default(), EmptySubscription)
        .extension(nulls::SpecNulls)
        .finish()
}

/// The schema answering every request from one snapshot.
pub fn schema_with_catalog(snapshot: CatalogSnapshot) -> PonteSchema {
    Schema::build(Query, Mutation::default(), EmptySubscription)
        .extension(nulls::SpecNulls)
        .data(CatalogData::new(snapshot))
        .finish()
}

fn coded_error(code: &'static str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

fn catalog_error(error: &CatalogError) -> async_graphql::Error {
    coded_error(error.code(), error.to_string())
}

/// A JSON file of the app's VBase through the request's [`Vtex`]: `Ok(None)` when absent,
/// `VTEX_REQUEST_FAILED` when the read fails, and `without` when no `Vtex` is attached.
pub(crate) async fn vbase_file(
    ctx: &Context<'_>,
    bucket: &str,
    path: &str,
    without: async_graphql::Error,
) -> async_graphql::Result<Option<serde_json::Value>> {
    let Some(vtex) = ctx.data_opt::<Vtex>() else {
        return Err(without);
    };
    vtex.vbase_json(bucket, path).await.map_err(|e| {
        coded_error(
            reads::VTEX_REQUEST_FAILED,
            format!("reading {bucket}/{path} from VBase failed: {e}"),
        )
    })
}

fn catalog<'c>(ctx: &Context<'c>) -> async_graphql::Result<&'c Catalog> {
    ctx.data::<CatalogData>()
        .map_err(|_| {
            coded_error(
                CATALOG_MISSING,
                "no catalog is attached to this schema or request",
            )
        })?
        .catalog()
}

/// Parses a category id argument: the decimal form of a `u32` above zero, without sign or
/// leading zeros (so every category has exactly one spelling). The rule and the message are
/// the Node service's (`node/resolvers/ids.ts`), so both answer alike.
pub fn parse_category_id(id: &str, argument: &str) -> Result<CategoryId, async_graphql::Error> {
    let canonical =
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !id.starts_with('0');
    match id.parse::<u32>() {
        Ok(n) if canonical => Ok(CategoryId(n)),
        _ => Err(coded_error(
            INVALID_ID,
            format!(
                "argument \"{argument}\" must be a positive integer id (1 to {}), got {}",
                u32::MAX,
                serde_json::Value::from(id)
            ),
        )),
    }
}

fn id(n: impl Into<u32>) -> ID {
    ID(n.into().to_string())
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The root query.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query;

#[Object]
impl Query {
    /// The category tree: departments (level 1) by ascending id, each with its descendants.
    async fn category_tree(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CategoryNode>> {
        let tree = match ctx.data_opt::<Vtex>() {
            Some(src) => {
                let categories = reads::read_tree(src).await?;
                ops::category_tree(&ops::CategoryTreeRequest {
                    catalog: CatalogSnapshot {
                        categories,
                        ..CatalogSnapshot::default()
                    },
                })
                .map_err(|e| catalog_error(&e))?
            }
            None => catalog(ctx)?.tree(),
        };
        Ok(tree.into_iter().map(CategoryNode::from).collect())
    }

    /// One active category (under active fathers, as VTEX's public category tree shows it) with the specifications its products and SKUs inherit. An unknown or inactive id is an error with code CATEGORY_NOT_FOUND; an id that is not a positive integer, INVALID_ID.
    async fn category(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Category>> {
        let category_id = parse_category_id(&id, "id")?;
        let specs = match ctx.data_opt::<Vtex>() {
            Some(src) => {
                let read = reads::read_category(src, category_id.0).await?;
                ops::effective_specifications(&ops::EffectiveSpecificationsRequest {
                    catalog: read.snapshot(),
                    category_id,
                })
            }
            None => catalog(ctx)?.effective_specifications(category_id),
        }
        .map_err(|e| catalog_error(&e))?;
        // A public field reads what VTEX's public tree shows: active categories under active
        // fathers (reads::read_category). From a whole snapshot, the same rule.
        if specs.path.iter().any(|p| !p.is_active) {
            return Err(catalog_error(&CatalogError::CategoryNotFound(category_id)));
        }
        // The category itself ends its path (as the Node service reads isActive).
        let is_active = specs.path.last().is_some_and(|p| p.is_active);
        Ok(Some(Category::new(specs, is_active)))
    }

    /// What moving a category under another father (null: to the top) would change. Nothing is written. Reads the private Catalog API (inactive categories included): admin only.
    async fn category_move_impact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        new_father_id: Option<ID>,
    ) -> async_graphql::Result<Option<MoveImpact>> {
        sso::session(ctx, Audience::Admin)?;
        let category_id = parse_category_id(&id, "id")?;
        let new_father = new_father_id
            .as_ref()
            .map(|f| parse_category_id(f, "newFatherId"))
            .transpose()?;
        let impact = match ctx.data_opt::<Vtex>() {
            Some(src) => {
                let read = reads::read_move(src, category_id.0, new_father.map(|f| f.0)).await?;
                ops::move_impact(&ops::MoveImpactRequest {
                    catalog: read.snapshot(),
                    category_id,
                    new_father_category_id: new_father,
                })
            }
            None => catalog(ctx)?.move_impact(category_id, new_father),
        }
        .map_err(|e| catalog_error(&e))?;
        Ok(Some(impact.into()))
    }

    /// Who is signed in to the admin: an admin VTEX ID token for this account (cookie VtexIdclientAutCookie or Authorization: Bearer). Without one: UNAUTHENTICATED; a refused token: its TOKEN_* code.
    async fn admin_session(&self, ctx: &Context<'_>) -> async_graphql::Result<Session> {
        sso::session(ctx, Audience::Admin)
    }

    /// Who is signed in to the store: a webstore VTEX ID token for this account (cookie VtexIdclientAutCookie_{account} or Authorization: Bearer). Without one: UNAUTHENTICATED; a refused token: its TOKEN_* code.
    async fn storefront_session(&self, ctx: &Context<'_>) -> async_graphql::Result<Session> {
        sso::session(ctx, Audience::Webstore)
    }

    /// Dry run of a catalog import: reads the part of the catalog the batch touches and answers every error in the batch at once (each with a path into the batch and a stable code), or what the import would do. Nothing is written. Admin only.
    async fn validate_catalog_batch(
        &self,
        ctx: &Context<'_>,
        batch: import::Json,
        options: Option<import::ImportOptionsInput>,
    ) -> async_graphql::Result<import::BatchValidation> {
        import::validate_catalog_batch(ctx, batch, options)
    }

    /// An import job, as recorded. Asking for a job whose runner stopped (its lease expired) resumes it on this replica. Admin only.
    async fn import_job(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<import::ImportJob>> {
        import::import_job(ctx, &id).await
    }

    /// An order as Ponte saw it: status, value, hand-off and timeline (platform events, accepted actions, ERP deliveries). Reads Ponte's record only; null when Ponte has never seen the order. An id that cannot be an order id: ORDER_ID_INVALID. Admin only.
    async fn order(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<orders::OrderView>> {
        orders::order(ctx, &id).await
    }

    /// Where VTEX is with an order change (order modifications v2 processes it asynchronously): changeRequestId is the receipt changeOrder answered. Asks VTEX (GET /api/order-system/orders/{orderId}/changes/{changeRequestId}); null when VTEX does not know that change. Admin only.
    async fn order_change(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        change_request_id: String,
    ) -> async_graphql::Result<Option<orders::OrderChangeStatus>> {
        orders::order_change(ctx, &order_id, &change_request_id)
    }

    /// The audit trail of Ponte's writes from `from` to `to` (ISO 8601, at most 31 days), oldest first, at most `first` (up to 500) records, optionally for one order. A range that is not one: AUDIT_RANGE_INVALID. Admin only.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        from: String,
        to: String,
        order_id: Option<ID>,
        #[graphql(default = 100)] first: Option<i32>,
    ) -> async_graphql::Result<Vec<audit::AuditRecord>> {
        let _ = (from, to, order_id, first);
        audit::audit_log(ctx)
    }

    /// Which workspace owns background work and writes (the backgroundWorkspace setting) and whether this one does; another workspace (an A/B test) serves reads and refuses every mutation with NOT_BACKGROUND_WORKSPACE. Admin only.
    async fn workspace_role(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<intake::WorkspaceRole> {
        intake::workspace_role(ctx)
    }

    /// How this workspace's order intake is set up in VTEX (Hook, Feed v3 and the feed tick's vtex.scheduler schedule), each read back and compared with what configureOrderIntake would write now. VTEX refusing a read: INTAKE_CONFIG_REFUSED; hookSecret or tickSecret missing: INTAKE_SETTINGS_MISSING. Admin only.
    async fn order_intake(&self, ctx: &Context<'_>) -> async_graphql::Result<OrderIntake> {
        intake::order_intake(ctx)
    }

    /// A price, stock or customer sync job (syncPrices, syncInventory, syncCustomers), as recorded. Asking for a job whose runner stopped (its lease expired) resumes it on this replica. An id that is not a sync job id: INVALID_ID. Admin only.
    async fn sync_job(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<sync::SyncJob>> {
        let _ = id;
        Err(sync::not_supported(ctx, "syncJob"))
    }

    /// The selling price of an SKU (its VTEX id) in a price table for a quantity, now: fixed prices first (the lowest applicable), else the base price through the table's rules, then rounding, computed by Ponte's core from what Pricing holds, with what decided it. price is null when the SKU cannot be sold there. Admin only.
    async fn computed_price(
        &self,
        ctx: &Context<'_>,
        sku: ID,
        price_table: String,
        #[graphql(default = 1)] quantity: Option<i32>,
    ) -> async_graphql::Result<sync::ComputedPrice> {
        let _ = (sku, price_table, quantity);
        Err(sync::not_supported(ctx, "computedPrice"))
    }

    /// How many units of an SKU (its VTEX id) can be sold in a trade policy: the sum over active warehouses linked to an active dock of the policy, each total minus reserved. Admin only.
    async fn availability(
        &self,
        ctx: &Context<'_>,
        sku: ID,
        trade_policy: String,
    ) -> async_graphql::Result<sync::Availability> {
        let _ = (sku, trade_policy);
        Err(sync::not_supported(ctx, "availability"))
    }

    /// A shopper's profile in Master Data (CL, found by the normalised email) with its addresses (AD, linked by userId); null when there is none. An email that is not one: CUSTOMER_EMAIL_INVALID (the email is never echoed). Admin only.
    async fn customer(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> async_graphql::Result<Option<customers::Customer>> {
        let _ = email;
        Err(sync::not_supported(ctx, "customer"))
    }
}

// Output types. Their doc comments are the schema's descriptions (compared by tests/sdl.rs),
// so explanations that are not in graphql/schema.graphql go in plain comments.

#[derive(Debug, Clone, SimpleObject)]
pub struct CategoryNode {
    id: ID,
    name: String,
    is_active: bool,
    /// 1 for a department.
    level: i32,
    is_leaf: bool,
    children: Vec<CategoryNode>,
}

impl From<cat::CategoryNode> for CategoryNode {
    fn from(node: cat::CategoryNode) -> Self {
        Self {
            id: id(node.id.0),
            name: node.name,
            is_active: node.is_active,
            level: int(node.level),
            is_leaf: node.is_leaf,
            children: node.children.into_iter().map(Self::from).collect(),
        }
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Category {
    id: ID,
    name: String,
    is_active: bool,
    /// Products may only sit in leaf categories.
    is_leaf: bool,
    /// From the department to this category.
    path: Vec<CategoryRef>,
    effective_specifications: EffectiveSpecifications,
}

impl Category {
    fn new(specs: cat::EffectiveSpecifications, is_active: bool) -> Self {
        Self {
            id: id(specs.category_id.0),
            name: specs.name,
            is_active,
            is_leaf: specs.is_leaf,
            path: specs.path.into_iter().map(CategoryRef::from).collect(),
            effective_specifications: EffectiveSpecifications {
                product_fields: fields(specs.product_fields),
                sku_fields: fields(specs.sku_fields),
            },
        }
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct CategoryRef {
    id: ID,
    name: String,
    is_active: bool,
}

impl From<cat::PathEntry> for CategoryRef {
    fn from(entry: cat::PathEntry) -> Self {
        Self {
            id: id(entry.id.0),
            name: entry.name,
            is_active: entry.is_active,
        }
    }
}

/// Own, inherited and root-level active fields: root level first, then from the department down; inside a category by group then field position.
#[derive(Debug, Clone, SimpleObject)]
pub struct EffectiveSpecifications {
    product_fields: Vec<SpecificationField>,
    sku_fields: Vec<SpecificationField>,
}

fn fields(fields: Vec<cat::EffectiveField>) -> Vec<SpecificationField> {
    fields.into_iter().map(SpecificationField::from).collect()
}

#[derive(Debug, Clone, SimpleObject)]
pub struct SpecificationField {
    field_id: ID,
    name: String,
    field_type_id: i32,
    field_type: FieldType,
    group_id: ID,
    group_name: String,
    group_position: i32,
    position: i32,
    is_required: bool,
    is_filter: bool,
    is_stock_keeping_unit: bool,
    inherited_from: Origin,
    /// Active values by position; empty for types without values.
    values: Vec<SpecificationValue>,
}

impl From<cat::EffectiveField> for SpecificationField {
    fn from(f: cat::EffectiveField) -> Self {
        Self {
            field_id: id(f.field_id.0),
            name: f.name,
            field_type_id: f.field_type_id,
            field_type: f.field_type.into(),
            group_id: id(f.group_id.0),
            group_name: f.group_name,
            group_position: f.group_position,
            position: f.position,
            is_required: f.is_required,
            is_filter: f.is_filter,
            is_stock_keeping_unit: f.is_stock_keeping_unit,
            inherited_from: f.inherited_from.into(),
            values: f
                .values
                .into_iter()
                .map(|v| SpecificationValue {
                    id: id(v.id.0),
                    name: v.name,
                    position: v.position,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "ponte_core::catalog::FieldType")]
pub enum FieldType {
    Text,
    MultiLineText,
    Number,
    Combo,
    Radio,
    Checkbox,
    IndexedText,
    IndexedMultiLineText,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Origin {
    scope: OriginScope,
    /// The category whose group defines the field; null at root level.
    category_id: Option<ID>,
    category_name: Option<String>,
    /// Levels up from the asking category (0 = its own); null at root level.
    distance: Option<i32>,
}

impl From<cat::Origin> for Origin {
    fn from(o: cat::Origin) -> Self {
        Self {
            scope: o.scope.into(),
            category_id: o.category_id.map(|c| id(c.0)),
            category_name: o.category_name,
            distance: o.distance.map(int),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "ponte_core::catalog::OriginScope")]
pub enum OriginScope {
    Root,
    Ancestor,
    Own,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct SpecificationValue {
    id: ID,
    name: String,
    position: i32,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct MoveImpact {
    category_id: ID,
    from_father_category_id: Option<ID>,
    to_father_category_id: Option<ID>,
    affected_category_ids: Vec<ID>,
    product_fields_gained: Vec<SpecificationField>,
    product_fields_lost: Vec<SpecificationField>,
    sku_fields_gained: Vec<SpecificationField>,
    sku_fields_lost: Vec<SpecificationField>,
}

impl From<cat::MoveImpact> for MoveImpact {
    fn from(m: cat::MoveImpact) -> Self {
        Self {
            category_id: id(m.category_id.0),
            from_father_category_id: m.from_father_category_id.map(|c| id(c.0)),
            to_father_category_id: m.to_father_category_id.map(|c| id(c.0)),
            affected_category_ids: m
                .affected_category_ids
                .into_iter()
                .map(|c| id(c.0))
                .collect(),
            product_fields_gained: fields(m.product_fields_gained),
            product_fields_lost: fields(m.product_fields_lost),
            sku_fields_gained: fields(m.sku_fields_gained),
            sku_fields_lost: fields(m.sku_fields_lost),
        }
    }
}
