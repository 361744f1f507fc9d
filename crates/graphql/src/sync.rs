//! The price and stock sync fields (`syncJob`, `computedPrice`, `availability`, `syncPrices`,
//! `syncInventory`): they read and write VTEX's Pricing and Logistics APIs and VBase, which only
//! the VTEX IO service reaches (node/sync/, node/pricing/, node/inventory/). Natively they check
//! the admin session and answer NOT_SUPPORTED; the computed price and availability themselves are
//! ponte-core's (`compute_price`, `availability`), which the harness checks natively and in wasm.

use crate::import::{Json, NOT_SUPPORTED};
use crate::{coded_error, sso};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use ponte_core::sso::Audience;

// The schema's descriptions are the doc comments (tests/sdl.rs compares them).

/// How a sync job runs.
#[derive(Debug, Clone, InputObject)]
pub struct SyncOptionsInput {
    /// Writes in flight at once (1 to 32).
    pub concurrency: Option<i32>,
    /// Attempts per write on 5xx answers, timeouts and 423 locks (1 to 20); 429 answers wait for Retry-After and do not count.
    pub max_attempts: Option<i32>,
    /// Writes per second (1 to 1000); VTEX's published limit by default.
    pub per_second: Option<i32>,
    /// Writes that may go out at once before the per-second pace applies (1 to 10000).
    pub burst: Option<i32>,
}

/// What a sync job syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum SyncKind {
    Prices,
    Inventory,
    Customers,
}

/// Where a sync job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum SyncJobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// What a sync job is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum SyncStage {
    Reading,
    Planning,
    Writing,
    Done,
}

/// An error of a sync batch (its path and code) or a write VTEX refused.
#[derive(Debug, Clone, SimpleObject)]
pub struct SyncError {
    pub path: String,
    pub code: String,
    pub message: String,
    /// The write's key, for write failures.
    pub key: Option<String>,
}

/// A price or stock sync job.
#[derive(Debug, Clone, SimpleObject)]
pub struct SyncJob {
    pub id: ID,
    pub kind: SyncKind,
    pub status: SyncJobStatus,
    pub stage: SyncStage,
    /// Items (prices) or counts (stock) in the batch.
    pub items: i32,
    /// Writes the plan holds.
    pub writes: i32,
    pub done: i32,
    pub failed: i32,
    /// Items or counts that change nothing (or are older than what VTEX holds).
    pub unchanged: i32,
    /// How many runners have started it: 1, plus one per resumption.
    pub runs: i32,
    /// The plan's counts by kind of write.
    pub summary: Option<Json>,
    /// Calls, retries, 429, 5xx and 423 answers, time waited on Retry-After.
    pub counters: Json,
    pub errors: Vec<SyncError>,
    pub error_count: i32,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// An SKU's computed price.
#[derive(Debug, Clone, SimpleObject)]
pub struct ComputedPrice {
    pub sku: ID,
    pub price_table: String,
    pub quantity: i32,
    /// The selling price, or null when the SKU cannot be sold in that table.
    pub price: Option<f64>,
    pub list_price: Option<f64>,
    pub price_valid_until: Option<String>,
    /// fixedPrice or basePrice.
    pub decided_by: Option<String>,
    /// The core's explanation: which fixed price or rule decided it, the rounding, inheritance.
    pub explanation: Option<Json>,
}

/// An SKU's availability in a trade policy.
#[derive(Debug, Clone, SimpleObject)]
pub struct Availability {
    pub sku: ID,
    pub trade_policy: String,
    /// Units that can be sold (1,000,000 stands for unlimited).
    pub quantity: i32,
    /// Per warehouse: id, docks, total, reserved, available.
    pub warehouses: Json,
}

pub(crate) fn not_supported(ctx: &Context<'_>, field: &str) -> async_graphql::Error {
    if let Err(e) = sso::session(ctx, Audience::Admin) {
        return e;
    }
    coded_error(
        NOT_SUPPORTED,
        format!(
            "{field} needs VTEX's Pricing, Logistics and Master Data APIs: the VTEX IO service runs it"
        ),
    )
}

/// The sync mutations, a family of one shape: a batch and its options in, the job out; natively
/// each checks the admin session and answers NOT_SUPPORTED (`not_supported`). Each is given as
/// its doc comment (the schema's description), its resolver name and its schema field name.
macro_rules! sync_mutations {
    ($($(#[doc = $doc:literal])+ $name:ident => $field:literal;)+) => {
        /// The sync part of the root mutation (after the intake field, in the schema file's order).
        #[derive(Debug, Clone, Copy, Default)]
        pub struct SyncMutation;

        #[Object]
        impl SyncMutation {
            $(
                $(#[doc = $doc])+
                async fn $name(
                    &self,
                    ctx: &Context<'_>,
                    batch: Json,
                    options: Option<SyncOptionsInput>,
                ) -> async_graphql::Result<SyncJob> {
                    let _ = (batch, options);
                    Err(not_supported(ctx, $field))
                }
            )+
        }
    };
}

sync_mutations! {
    /// Starts syncing the ERP's prices (a batch of items: SKU by refId or ean, base/cost/markup/list prices, fixed prices to upsert, fixed prices to remove) and answers the job at once; poll syncJob. The whole batch is validated first: any error ends the job FAILED with every error and nothing written. Admin only.
    sync_prices => "syncPrices";
    /// Starts syncing the ERP's stock counts (a batch of counts: SKU by refId or ean, warehouse, quantity, unlimitedQuantity, leadTime, dateUtcOnBalanceSystem) and answers the job at once; poll syncJob. Validated first like syncPrices; a count older than the one VTEX holds writes nothing. Admin only.
    sync_inventory => "syncInventory";
    /// Starts syncing the ERP's customers into Master Data (a batch of customers: CL profile fields, addresses, and a merge policy: which fields the ERP owns and wins, whether stale addresses go) and answers the job at once; poll syncJob. Validated first like syncPrices; only the writes that change something, each profile before its addresses; a new email gets one profile even when two replicas create it at once. Admin only.
    sync_customers => "syncCustomers";
}
