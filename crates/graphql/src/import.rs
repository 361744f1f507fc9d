//! The catalog import fields (`validateCatalogBatch`, `importJob`, `importCatalogBatch`).
//!
//! Natively, `validateCatalogBatch` validates the batch with `ponte_core` against the schema's
//! catalog (a [`CatalogSnapshot`](ponte_core::catalog::CatalogSnapshot) as the current state:
//! no products or SKUs yet), behind the admin session check and the batch's shape check. With
//! a live [`crate::Vtex`] attached instead it answers `NOT_SUPPORTED` after those checks: the
//! read of the catalog state a batch touches (node/import/read.ts) is not ported.
//!
//! `importJob` checks the session and the job id, then with a [`crate::Vtex`] reads the job
//! record from VBase and shows it as the Node service does (`null` when absent); resuming an
//! abandoned job is the service's. Running an import (`importCatalogBatch`, and
//! `ImportJob.entities`, which reads the plan's chunks) needs the Catalog API writes and the
//! runner: `NOT_SUPPORTED` here. The types mirror `graphql/schema.graphql` (tests/sdl.rs
//! compares).

use async_graphql::{
    Context, Enum, ID, InputObject, InputValueError, InputValueResult, Object, Scalar, ScalarType,
    SimpleObject, Value,
};
use ponte_core::catalog::import::{
    self as imp, CatalogState, ImportBatch, ImportOptions, ValidateBatchRequest,
};
use ponte_core::sso::Audience;

use crate::{CatalogData, coded_error, sso};

/// `extensions.code` of a field the native schema does not serve.
pub const NOT_SUPPORTED: &str = "NOT_SUPPORTED";
/// `extensions.code` of a batch that does not have the batch's shape.
pub const BATCH_MALFORMED: &str = "BATCH_MALFORMED";

/// Any JSON value. The import batch is passed as JSON in the shape of ponte-core's ImportBatch (docs/README.md), so that every error in it comes back at once with its path and code rather than as a GraphQL coercion error.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub serde_json::Value);

/// Any JSON value. The import batch is passed as JSON in the shape of ponte-core's ImportBatch (docs/README.md), so that every error in it comes back at once with its path and code rather than as a GraphQL coercion error.
#[Scalar(name = "JSON")]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        value.into_json().map(Json).map_err(InputValueError::custom)
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

/// How to plan and run an import.
#[derive(Debug, Clone, InputObject)]
pub struct ImportOptionsInput {
    /// What to do with entities that already exist and differ from the batch.
    #[graphql(default_with = "Some(ImportMode::Upsert)")]
    mode: Option<ImportMode>,
    /// Put products without category or brand into an inactive placeholder department and brand.
    #[graphql(default_with = "Some(false)")]
    use_placeholders: Option<bool>,
    /// The name of the placeholder department and brand.
    #[graphql(default_with = "Some(\"Integration\".to_owned())")]
    placeholder_name: Option<String>,
    /// Activate every batch SKU whose activation preconditions will hold.
    #[graphql(default_with = "Some(false)")]
    activate_skus: Option<bool>,
    /// Catalog calls in flight at once (1 to 32).
    #[graphql(default_with = "Some(8)")]
    concurrency: Option<i32>,
    /// Attempts per step on 5xx answers and timeouts (1 to 20); 429 answers wait for Retry-After and do not count.
    #[graphql(default_with = "Some(6)")]
    max_attempts: Option<i32>,
    /// When to look an entity up by its key before creating it.
    #[graphql(default_with = "Some(LookupPolicy::WhenUnsure)")]
    lookup_before_create: Option<LookupPolicy>,
}

impl ImportOptionsInput {
    /// The core's planning options; null means the default, as in the Node service. The runner
    /// options (concurrency, maxAttempts, lookupBeforeCreate) do not apply natively.
    fn to_core(&self) -> ImportOptions {
        let defaults = ImportOptions::default();
        ImportOptions {
            mode: match self.mode {
                Some(ImportMode::CreateOnly) => imp::ImportMode::CreateOnly,
                Some(ImportMode::Upsert) | None => imp::ImportMode::Upsert,
            },
            use_placeholders: self.use_placeholders.unwrap_or(defaults.use_placeholders),
            placeholder_name: self
                .placeholder_name
                .clone()
                .unwrap_or(defaults.placeholder_name),
            activate_skus: self.activate_skus.unwrap_or(defaults.activate_skus),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ImportMode {
    /// Existing and different: an error (CREATE_ONLY_CONFLICT).
    CreateOnly,
    /// Existing and different: an update.
    Upsert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LookupPolicy {
    /// Before every create.
    Always,
    /// When the create may already have happened: on a retry, and for every step of a resumed job.
    WhenUnsure,
}

/// The outcome of a dry run.
#[derive(Debug, Clone, SimpleObject)]
pub struct BatchValidation {
    valid: bool,
    /// Every error in the batch, in batch order.
    errors: Vec<ImportError>,
    /// What the import would do; null when the batch has errors.
    summary: Option<PlanSummary>,
}

/// An error in the batch, or a step that failed.
#[derive(Debug, Clone, SimpleObject, serde::Deserialize)]
pub struct ImportError {
    /// Where in the batch, e.g. products[3].skus[1].specifications[0].
    path: String,
    code: String,
    message: String,
    /// The idempotency key of the step that failed; null for batch errors.
    key: Option<String>,
}

#[derive(Debug, Clone, SimpleObject, serde::Deserialize)]
pub struct PlanSummary {
    creates: i32,
    updates: i32,
    activations: i32,
    /// Batch entities already in the catalog as the batch says.
    unchanged: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportJobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportStage {
    Reading,
    Planning,
    Executing,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportPhase {
    Categories,
    Brands,
    SpecificationGroups,
    SpecificationFields,
    SpecificationValues,
    Products,
    ProductTradePolicies,
    Skus,
    ProductSpecifications,
    SkuSpecifications,
    SkuImages,
    KitComponents,
    Activation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ImportAction {
    Create,
    Update,
    Activate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum StepStatus {
    Pending,
    Done,
    Failed,
    Skipped,
}

/// A catalog import and how far it got.
#[derive(Debug, Clone)]
pub struct ImportJob {
    id: ID,
    status: ImportJobStatus,
    stage: ImportStage,
    created_at: String,
    started_at: Option<String>,
    updated_at: String,
    finished_at: Option<String>,
    lease_expires_at: Option<String>,
    runs: i32,
    summary: Option<PlanSummary>,
    progress: ImportProgress,
    phases: Vec<PhaseProgress>,
    errors: Vec<ImportError>,
    error_count: i32,
}

/// A catalog import and how far it got.
#[Object]
impl ImportJob {
    async fn id(&self) -> &ID {
        &self.id
    }
    async fn status(&self) -> ImportJobStatus {
        self.status
    }
    async fn stage(&self) -> ImportStage {
        self.stage
    }
    /// ISO 8601, UTC.
    async fn created_at(&self) -> &str {
        &self.created_at
    }
    async fn started_at(&self) -> Option<&str> {
        self.started_at.as_deref()
    }
    async fn updated_at(&self) -> &str {
        &self.updated_at
    }
    async fn finished_at(&self) -> Option<&str> {
        self.finished_at.as_deref()
    }
    /// Until when the current runner holds the job; null once finished.
    async fn lease_expires_at(&self) -> Option<&str> {
        self.lease_expires_at.as_deref()
    }
    /// Runners that have worked on the job: 1, plus one per resumption.
    async fn runs(&self) -> i32 {
        self.runs
    }
    async fn summary(&self) -> Option<&PlanSummary> {
        self.summary.as_ref()
    }
    async fn progress(&self) -> &ImportProgress {
        &self.progress
    }
    async fn phases(&self) -> &[PhaseProgress] {
        &self.phases
    }
    /// Batch errors, or the steps that failed (at most 200; errorCount counts them all).
    async fn errors(&self) -> &[ImportError] {
        &self.errors
    }
    async fn error_count(&self) -> i32 {
        self.error_count
    }
    /// Steps with their outcome and VTEX ids, in plan order.
    async fn entities(
        &self,
        phase: Option<ImportPhase>,
        status: Option<StepStatus>,
        #[graphql(default = 100)] first: Option<i32>,
        #[graphql(default = 0)] offset: Option<i32>,
    ) -> async_graphql::Result<Vec<ImportEntity>> {
        let _ = (phase, status, first, offset);
        Err(not_supported("importJob"))
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct ImportProgress {
    steps: i32,
    done: i32,
    failed: i32,
    skipped: i32,
    pending: i32,
    #[graphql(flatten)]
    counters: Counters,
    read_ms: i32,
    plan_ms: i32,
    execute_ms: i32,
    /// Steps done per second of execution.
    steps_per_second: Option<f64>,
}

#[derive(Debug, Clone, SimpleObject, serde::Deserialize)]
pub struct PhaseProgress {
    phase: ImportPhase,
    total: i32,
    done: i32,
    failed: i32,
    skipped: i32,
}

/// One step of the plan and its outcome.
#[derive(Debug, Clone, SimpleObject)]
pub struct ImportEntity {
    index: i32,
    /// The idempotency key: RefId, or name within parent.
    key: String,
    path: String,
    phase: ImportPhase,
    action: ImportAction,
    status: StepStatus,
    /// The VTEX id created or found.
    vtex_id: Option<ID>,
    attempts: i32,
    /// Found by its key: nothing was created.
    reused: bool,
    error: Option<ImportError>,
}

fn not_supported(field: &str) -> async_graphql::Error {
    coded_error(
        NOT_SUPPORTED,
        format!("{field} needs the VTEX Catalog API and VBase: the VTEX IO service runs imports"),
    )
}

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// `Query.validateCatalogBatch`: the core's validation against the schema's catalog.
pub(crate) fn validate_catalog_batch(
    ctx: &Context<'_>,
    batch: Json,
    options: Option<ImportOptionsInput>,
) -> async_graphql::Result<BatchValidation> {
    sso::session(ctx, Audience::Admin)?;
    let batch: ImportBatch = serde_json::from_value(batch.0).map_err(|e| {
        coded_error(
            BATCH_MALFORMED,
            format!("the batch or its options do not have the expected shape: {e}"),
        )
    })?;
    let current = match (ctx.data_opt::<CatalogData>(), ctx.data_opt::<crate::Vtex>()) {
        (Some(data), _) => CatalogState::from(data.snapshot().clone()),
        // Reading the part of a live catalog a batch touches (brands, products by RefId, SKUs,
        // specifications: node/import/read.ts) is not ported; an empty state would answer
        // for another catalog than the one asked about.
        (None, Some(_)) => {
            return Err(coded_error(
                NOT_SUPPORTED,
                "validateCatalogBatch against a live VTEX reads the catalog the way the VTEX IO service does; natively it validates against an attached snapshot only",
            ));
        }
        (None, None) => CatalogState::default(),
    };
    let answer = imp::validate_catalog_batch(&ValidateBatchRequest {
        current,
        batch,
        options: options.map(|o| o.to_core()),
    });
    Ok(BatchValidation {
        valid: answer.valid,
        errors: answer
            .errors
            .into_iter()
            .map(|e| ImportError {
                path: e.path,
                code: e.code.as_str().to_owned(),
                message: e.message,
                key: None,
            })
            .collect(),
        summary: answer.summary.map(|s| PlanSummary {
            creates: count(s.creates),
            updates: count(s.updates),
            activations: count(s.activations),
            unchanged: count(s.unchanged),
        }),
    })
}

/// The VBase bucket of import jobs (`BUCKET` in node/import/store.ts).
pub const IMPORT_BUCKET: &str = "catalog-import";

/// `Query.importJob`. Without a [`crate::Vtex`]: `NOT_SUPPORTED`. With one: the job record
/// (VBase `catalog-import/jobs/{id}/job.json`) shown as `toJob` in node/resolvers/Import.ts
/// shows it; `null` when absent or another account's. A job whose runner stopped (queued or
/// running, lease expired) the Node service resumes: natively `NOT_SUPPORTED`.
pub(crate) async fn import_job(
    ctx: &Context<'_>,
    id: &ID,
) -> async_graphql::Result<Option<ImportJob>> {
    sso::session(ctx, Audience::Admin)?;
    check_job_id(id)?;
    let path = format!("jobs/{}/job.json", id.as_str());
    let stored = crate::vbase_file(ctx, IMPORT_BUCKET, &path, not_supported("importJob")).await?;
    let Some(stored) = stored else {
        return Ok(None);
    };
    let record: JobRecord = serde_json::from_value(stored).map_err(|e| {
        coded_error(
            crate::reads::VTEX_REQUEST_FAILED,
            format!("the stored import job is unreadable: {e}"),
        )
    })?;
    if ctx
        .data_opt::<crate::Vtex>()
        .is_none_or(|vtex| record.account != vtex.account())
    {
        return Ok(None);
    }
    let unfinished = matches!(
        record.status,
        ImportJobStatus::Queued | ImportJobStatus::Running
    );
    let lease_expired = record.lease.as_ref().is_none_or(|l| {
        ponte_core::orders::Timestamp::parse_lenient(&l.expires_at).is_none_or(|t| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .is_ok_and(|now| {
                    t.unix_seconds() < i64::try_from(now.as_secs()).unwrap_or(i64::MAX)
                })
        })
    });
    if unfinished && lease_expired {
        return Err(not_supported("importJob (resuming an abandoned job)"));
    }
    Ok(Some(record.into()))
}

/// Job ids are generated by Ponte (`imp-` and 6 to 40 of `[0-9a-z]`): anything else is
/// refused before VBase is asked, with the Node service's code and message.
fn check_job_id(id: &ID) -> async_graphql::Result<()> {
    let rest = id.as_str().strip_prefix("imp-").unwrap_or("");
    let ok = (6..=40).contains(&rest.len())
        && rest
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    if ok {
        return Ok(());
    }
    Err(coded_error(
        crate::INVALID_ID,
        format!(
            "argument \"id\" must be an import job id (imp-...), got {}",
            serde_json::Value::from(id.as_str())
        ),
    ))
}

/// The job record as node/import/job.ts stores it (what `toJob` reads of it).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobRecord {
    id: String,
    account: String,
    status: ImportJobStatus,
    stage: ImportStage,
    created_at: String,
    updated_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    lease: Option<Lease>,
    runs: i32,
    summary: Option<PlanSummary>,
    steps: i32,
    phases: Vec<PhaseProgress>,
    errors: Vec<ImportError>,
    error_count: i32,
    counters: Counters,
    timings: Timings,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lease {
    expires_at: String,
}

/// The job's call counters, as stored and as `ImportProgress` shows them.
#[derive(Debug, Clone, serde::Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
struct Counters {
    /// Catalog calls made, every attempt included.
    calls: i32,
    attempts: i32,
    retries: i32,
    /// 429 answers.
    rate_limited: i32,
    /// 5xx answers.
    server_errors: i32,
    transport_errors: i32,
    /// Creates that found their entity already there and wrote nothing.
    reused: i32,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Timings {
    read_ms: f64,
    plan_ms: f64,
    execute_ms: f64,
}

/// JavaScript's `Math.round` of a millisecond count, as an `Int`.
fn round_ms(ms: f64) -> i32 {
    // Saturating: the schema's Int is 32 bits, as in the Node service's answer.
    (ms + 0.5)
        .floor()
        .clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

impl From<JobRecord> for ImportJob {
    fn from(job: JobRecord) -> Self {
        let (done, failed, skipped) = job.phases.iter().fold((0, 0, 0), |(d, f, s), p| {
            (d + p.done, f + p.failed, s + p.skipped)
        });
        let t = &job.timings;
        let steps_per_second = (t.execute_ms > 0.0)
            .then(|| ((f64::from(done) * 100_000.0) / t.execute_ms + 0.5).floor() / 100.0);
        Self {
            id: ID(job.id),
            status: job.status,
            stage: job.stage,
            created_at: job.created_at,
            started_at: job.started_at,
            updated_at: job.updated_at,
            finished_at: job.finished_at,
            lease_expires_at: job.lease.map(|l| l.expires_at),
            runs: job.runs,
            summary: job.summary,
            progress: ImportProgress {
                steps: job.steps,
                done,
                failed,
                skipped,
                pending: (job.steps - done - failed - skipped).max(0),
                counters: job.counters,
                read_ms: round_ms(t.read_ms),
                plan_ms: round_ms(t.plan_ms),
                execute_ms: round_ms(t.execute_ms),
                steps_per_second,
            },
            phases: job.phases,
            errors: job.errors,
            error_count: job.error_count,
        }
    }
}

/// The import part of the root mutation (`crate::Mutation` merges it with the orders part).
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Starts importing a batch (categories, brands, specifications, products, SKUs, images) in VTEX's order and answers the job at once; poll importJob for its progress. Validation errors end the job FAILED with every error. Admin only.
    async fn import_catalog_batch(
        &self,
        ctx: &Context<'_>,
        batch: Json,
        options: Option<ImportOptionsInput>,
    ) -> async_graphql::Result<ImportJob> {
        sso::session(ctx, Audience::Admin)?;
        let _ = (batch, options);
        Err(not_supported("importCatalogBatch"))
    }
}
