//! Anti-fraud (§G.3): the analysis Ponte answers for the Anti-fraud Provider Protocol.
//!
//! - [`rules`]: the ERP's and CRM's facts about the buyer (blocked, chargebacks, overdue
//!   invoices, first purchase above a threshold, document and address mismatches) give a score
//!   from 0 to 100 and a verdict; weights and thresholds are Ponte's choice ([`RiskPolicy`]),
//!   since VTEX documents none. VTEX's homologation ids (last digit 1–6) decide by the digit
//!   when the policy says so.
//! - [`analysis`]: `received → undefined → approved | denied`, idempotent per transaction id,
//!   a review as `undefined` (`analysisType: manual`), the hook owed when a decision lands
//!   after the first answer, `DELETE` stopping it.
//! - [`ops`]: the protocol's body as typed data and the operations.

pub mod analysis;
pub mod error;
pub mod ops;
pub mod rules;
#[cfg(test)]
mod tests;

pub use analysis::{
    Analysis, AnalysisAnswer, AnalysisStatus, AnalysisType, Event, Pending, transition,
};
pub use error::AntifraudError;
pub use ops::{
    AntifraudBody, AntifraudEventRequest, AntifraudEventResponse, AntifraudOpenRequest,
    AntifraudOpenResponse, AntifraudScoreRequest, AntifraudUpdateRequest, HookPush,
    antifraud_event, antifraud_open, antifraud_pre_analysis, antifraud_score, antifraud_update,
};
pub use rules::{
    HomologationCase, RiskFacts, RiskPolicy, RiskReason, RiskScore, RiskTransaction, Verdict,
    homologation_case, score,
};
