//! The anti-fraud review field (`decideAntifraudReview`): it writes Ponte's analysis in VBase and
//! pushes the decision to VTEX's hook, which only the VTEX IO service reaches
//! (node/antifraud/handlers.ts). Natively it checks the admin session and answers NOT_SUPPORTED;
//! the decision itself is ponte-core's (`antifraud_event`, `decide`), which the harness checks
//! natively and in wasm.

use crate::import::NOT_SUPPORTED;
use crate::{coded_error, sso};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use ponte_core::sso::Audience;

// The schema's descriptions are the doc comments (tests/sdl.rs compares them).

/// A person's decision on an anti-fraud review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum ReviewDecision {
    Approved,
    Denied,
}

/// An anti-fraud analysis as Ponte holds it.
#[derive(Debug, Clone, SimpleObject)]
pub struct AntifraudReview {
    /// VTEX's transaction id.
    pub id: ID,
    /// Ponte's id for the analysis (the protocol's tid).
    pub tid: String,
    /// received, undefined, approved or denied (the protocol's statuses).
    pub status: String,
    /// 0 to 100.
    pub score: i32,
    /// automatic or manual.
    pub analysis_type: String,
    /// The rules that scored (BLOCKED_CUSTOMER, OVERDUE_INVOICES, ...).
    pub reasons: Vec<String>,
    /// The decision is still to reach VTEX's hook (pushed again at VTEX's next read).
    pub hook_owed: bool,
}

/// The anti-fraud part of the root mutation (after the sync fields, in the schema file's order).
#[derive(Debug, Clone, Copy, Default)]
pub struct AntifraudMutation;

#[Object]
impl AntifraudMutation {
    /// Decides an anti-fraud analysis held for manual review (VTEX's status undefined): APPROVED or DENIED. The decision is written first, then pushed once to the hook VTEX gave with the transaction (VTEX then reads it); a push VTEX did not accept is owed and pushed again at VTEX's next read. Deciding it again the same way changes nothing. Already decided the other way: ANTIFRAUD_ANALYSIS_FINAL; stopped by VTEX: ANTIFRAUD_ANALYSIS_STOPPED; unknown transaction: ANTIFRAUD_NOT_FOUND. A person who is an admin of the account only.
    async fn decide_antifraud_review(
        &self,
        ctx: &Context<'_>,
        transaction_id: ID,
        decision: ReviewDecision,
    ) -> async_graphql::Result<AntifraudReview> {
        sso::session(ctx, Audience::Admin)?;
        let _ = (transaction_id, decision);
        Err(coded_error(
            NOT_SUPPORTED,
            "decideAntifraudReview needs Ponte's analyses in VBase and VTEX's hook: the VTEX IO service decides",
        ))
    }
}
