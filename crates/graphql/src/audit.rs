//! `Query.auditLog`: the audit trail of the Node service's writes (node/audit/log.ts). The
//! native schema records no writes (its mutations answer `NOT_SUPPORTED`), so after the admin
//! session check it answers `NOT_SUPPORTED` too. The types mirror `graphql/schema.graphql`
//! (tests/sdl.rs compares them).

use async_graphql::{Context, Enum, ID, SimpleObject};
use ponte_core::sso::Audience;

use crate::import::NOT_SUPPORTED;

/// One write through Ponte: who, when, what and how it ended. Nothing else is kept.
#[derive(Debug, Clone, SimpleObject)]
pub struct AuditRecord {
    /// ISO 8601, UTC.
    pub at: String,
    /// The person's email as VTEX ID confirmed it, the app key, or unknown when the caller was not confirmed.
    pub actor: String,
    pub actor_kind: AuditActorKind,
    /// The mutation: importCatalogBatch, startHandling, invoiceOrder, cancelOrder, updateTracking, changeOrder.
    pub operation: String,
    pub order_id: Option<ID>,
    /// The import job, for importCatalogBatch.
    pub job_id: Option<ID>,
    /// OK, or the code the caller got.
    pub outcome: String,
}

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum AuditActorKind {
    Person,
    AppKey,
    /// The caller was not confirmed (the write was refused).
    Unknown,
}

pub(crate) fn audit_log(ctx: &Context<'_>) -> async_graphql::Result<Vec<AuditRecord>> {
    crate::sso::session(ctx, Audience::Admin)?;
    Err(crate::coded_error(
        NOT_SUPPORTED,
        "auditLog reads the VTEX IO service's audit trail: the native schema records no writes",
    ))
}
