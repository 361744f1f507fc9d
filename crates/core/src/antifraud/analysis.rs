//! The life of an analysis (§G.3): `received → undefined → approved | denied`, idempotent per
//! VTEX transaction id, with manual review as `undefined` and the hook owed when a decision
//! lands after the first answer.

use super::error::AntifraudError;
use super::rules::{
    HomologationCase, RiskFacts, RiskPolicy, RiskReason, RiskTransaction, Verdict,
    homologation_case, score,
};
use crate::orders::Timestamp;
use serde::{Deserialize, Serialize};

/// The protocol's statuses (§G.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AnalysisStatus {
    Received,
    Undefined,
    Approved,
    Denied,
}

impl AnalysisStatus {
    pub fn is_final(self) -> bool {
        matches!(self, AnalysisStatus::Approved | AnalysisStatus::Denied)
    }
    fn name(self) -> &'static str {
        match self {
            AnalysisStatus::Received => "received",
            AnalysisStatus::Undefined => "undefined",
            AnalysisStatus::Approved => "approved",
            AnalysisStatus::Denied => "denied",
        }
    }
}

/// `analysisType` (§G.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AnalysisType {
    Automatic,
    Manual,
}

/// A decision taken but not yet visible: it lands at `at`, and through the hook when `viaHook`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Pending {
    pub status: AnalysisStatus,
    pub at: Timestamp,
    pub via_hook: bool,
}

/// An analysis as Ponte keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Analysis {
    /// VTEX's transaction id.
    pub id: String,
    /// Ponte's id for it (`tid`).
    pub tid: String,
    pub status: AnalysisStatus,
    pub score: u8,
    pub analysis_type: AnalysisType,
    pub reasons: Vec<RiskReason>,
    /// VTEX's status-change URL.
    pub hook: Option<String>,
    pub created_at: Timestamp,
    pub pending: Option<Pending>,
    /// A status to push to `hook` (cleared once VTEX accepted it).
    pub hook_owed: Option<AnalysisStatus>,
    /// VTEX stopped the analysis (`DELETE`): no decision lands any more.
    #[serde(default)]
    pub stopped: bool,
}

/// The protocol's answer to `POST /transactions`, `PUT`, `GET` and `/pre-analysis` (§G.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AnalysisAnswer {
    pub id: String,
    pub tid: String,
    pub status: AnalysisStatus,
    pub score: u8,
    pub fraud_risk_percentage: u8,
    pub analysis_type: AnalysisType,
    pub code: String,
    pub message: String,
    pub responses: AnswerResponses,
}

/// `responses`: the reasons, as the protocol's free-form map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AnswerResponses {
    pub reasons: String,
}

impl Analysis {
    /// The protocol's answer.
    pub fn answer(&self) -> AnalysisAnswer {
        make_answer(
            &self.id,
            &self.tid,
            self.status,
            self.score,
            self.analysis_type,
            &self.reasons,
            self.stopped,
        )
    }
}

fn make_answer(
    id: &str,
    tid: &str,
    status: AnalysisStatus,
    score: u8,
    analysis_type: AnalysisType,
    reasons: &[RiskReason],
    stopped: bool,
) -> AnalysisAnswer {
    let reasons: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
    AnalysisAnswer {
        id: id.to_string(),
        tid: tid.to_string(),
        status,
        score,
        fraud_risk_percentage: score,
        analysis_type,
        code: status.name().to_string(),
        message: if stopped {
            "analysis stopped".to_string()
        } else {
            format!("analysis {}", status.name())
        },
        responses: AnswerResponses {
            reasons: reasons.join(","),
        },
    }
}

fn later(now: &Timestamp, seconds: u32) -> Timestamp {
    Timestamp::from_unix_seconds(now.unix_seconds().saturating_add(i64::from(seconds)))
        .unwrap_or_else(|| now.clone())
}

/// A new analysis of `t` (§G.3 `POST /transactions`): `received`, with the decision pending.
/// Rules: approved and denied land at once (the first `GET` sees them); a review-band score is
/// `undefined` with `analysisType: manual` until [`Event::Decide`]. In homologation the id's
/// last digit decides (1–6, §G.3), the later cases after `asyncDelaySeconds`.
pub fn open(
    t: &RiskTransaction,
    facts: Option<&RiskFacts>,
    policy: &RiskPolicy,
    tid: &str,
    hook: Option<&str>,
    now: &Timestamp,
) -> Result<Analysis, AntifraudError> {
    policy.check()?;
    t.check()?;
    let s = score(t, facts, policy);
    let soon = later(now, policy.async_delay_seconds);
    let (pending, analysis_type, points) =
        match homologation_case(&t.id).filter(|_| policy.homologation) {
            Some(case) => {
                let (status, at, via_hook) = match case {
                    HomologationCase::Authorize => (AnalysisStatus::Approved, now.clone(), false),
                    HomologationCase::Denied => (AnalysisStatus::Denied, now.clone(), false),
                    HomologationCase::AsyncApproved => (AnalysisStatus::Approved, soon, false),
                    HomologationCase::AsyncDenied => (AnalysisStatus::Denied, soon, false),
                    HomologationCase::HookApproved => (AnalysisStatus::Approved, soon, true),
                    HomologationCase::HookDenied => (AnalysisStatus::Denied, soon, true),
                };
                let points = if status == AnalysisStatus::Denied {
                    100
                } else {
                    0
                };
                (
                    Some(Pending {
                        status,
                        at,
                        via_hook,
                    }),
                    AnalysisType::Automatic,
                    points,
                )
            }
            None => match s.verdict {
                Verdict::Approve => (
                    Some(Pending {
                        status: AnalysisStatus::Approved,
                        at: now.clone(),
                        via_hook: false,
                    }),
                    AnalysisType::Automatic,
                    s.score,
                ),
                Verdict::Deny => (
                    Some(Pending {
                        status: AnalysisStatus::Denied,
                        at: now.clone(),
                        via_hook: false,
                    }),
                    AnalysisType::Automatic,
                    s.score,
                ),
                Verdict::Review => (None, AnalysisType::Manual, s.score),
            },
        };
    Ok(Analysis {
        id: t.id.clone(),
        tid: tid.to_string(),
        status: AnalysisStatus::Received,
        score: points,
        analysis_type,
        reasons: s.reasons,
        hook: hook.map(str::to_string),
        created_at: now.clone(),
        pending,
        hook_owed: None,
        stopped: false,
    })
}

/// What happens to an analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Event {
    /// VTEX reads it (`GET`) or a timer fires at `now`: a received analysis becomes
    /// `undefined`, a pending decision whose time came lands (owing the hook when it is to go
    /// through it).
    Advance { now: Timestamp },
    /// A manual decision (the review): `approved` or `denied`; owed to the hook.
    Decide { status: AnalysisStatus },
    /// VTEX stopped the analysis (`DELETE`, the order was cancelled).
    Stop,
    /// A replica claims the push of `status` (or VTEX accepted it): no longer owed. Written
    /// before pushing, so that of two replicas only the one whose write wins pushes.
    HookDelivered { status: AnalysisStatus },
    /// The claimed push of `status` failed: owed again (when it is still the analysis' status).
    HookFailed { status: AnalysisStatus },
}

/// The analysis after `event`, and whether anything changed. Deciding what is already decided
/// the same way is a no-op; deciding it the other way is refused, as is deciding a stopped one.
pub fn transition(a: &Analysis, event: &Event) -> Result<(Analysis, bool), AntifraudError> {
    let mut next = a.clone();
    match event {
        Event::Advance { now } => {
            if a.stopped || a.status.is_final() {
                return Ok((next, false));
            }
            match &a.pending {
                Some(p) if &p.at <= now => {
                    next.status = p.status;
                    next.pending = None;
                    if p.via_hook {
                        next.hook_owed = Some(p.status);
                    }
                }
                _ => next.status = AnalysisStatus::Undefined,
            }
        }
        Event::Decide { status } => {
            if !status.is_final() {
                return Err(AntifraudError::DecisionInvalid {
                    status: status.name().into(),
                });
            }
            if a.status.is_final() {
                if a.status == *status {
                    return Ok((next, false));
                }
                return Err(AntifraudError::Final {
                    id: a.id.clone(),
                    status: a.status.name().into(),
                });
            }
            if a.stopped {
                return Err(AntifraudError::Stopped { id: a.id.clone() });
            }
            next.status = *status;
            next.pending = None;
            next.analysis_type = AnalysisType::Manual;
            next.hook_owed = Some(*status);
        }
        Event::Stop => {
            if a.status.is_final() || a.stopped {
                return Ok((next, false));
            }
            next.stopped = true;
            next.pending = None;
            next.status = AnalysisStatus::Undefined;
        }
        Event::HookDelivered { status } => {
            if a.hook_owed == Some(*status) {
                next.hook_owed = None;
            }
        }
        Event::HookFailed { status } => {
            if a.status == *status && a.status.is_final() && a.hook.is_some() {
                next.hook_owed = Some(*status);
            }
        }
    }
    let changed = next != *a;
    Ok((next, changed))
}

/// `/pre-analysis` (§G.3): the rules synchronously, `approved` or `denied` only (a review-band
/// score per `preAnalysisDeniesReview`); in homologation, by the id's last digit (odd cases
/// approve, even deny).
pub fn pre_analyze(
    t: &RiskTransaction,
    facts: Option<&RiskFacts>,
    policy: &RiskPolicy,
    tid: &str,
) -> Result<AnalysisAnswer, AntifraudError> {
    policy.check()?;
    t.check()?;
    let s = score(t, facts, policy);
    let (status, points) = match homologation_case(&t.id).filter(|_| policy.homologation) {
        Some(
            HomologationCase::Authorize
            | HomologationCase::AsyncApproved
            | HomologationCase::HookApproved,
        ) => (AnalysisStatus::Approved, 0),
        Some(_) => (AnalysisStatus::Denied, 100),
        None => {
            let deny = match s.verdict {
                Verdict::Approve => false,
                Verdict::Review => policy.pre_analysis_denies_review,
                Verdict::Deny => true,
            };
            let status = if deny {
                AnalysisStatus::Denied
            } else {
                AnalysisStatus::Approved
            };
            (status, s.score)
        }
    };
    Ok(make_answer(
        &t.id,
        tid,
        status,
        points,
        AnalysisType::Automatic,
        &s.reasons,
        false,
    ))
}
