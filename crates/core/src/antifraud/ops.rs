//! The anti-fraud operations as request → response functions, for the operation table.

use super::analysis::{
    Analysis, AnalysisAnswer, AnalysisStatus, Event, open, pre_analyze, transition,
};
use super::error::AntifraudError;
use super::rules::{RiskFacts, RiskPolicy, RiskScore, RiskTransaction, score};
use crate::orders::Timestamp;
use crate::pricing::Money;
use serde::{Deserialize, Serialize};

/// The part of VTEX's `POST /transactions` and `/pre-analysis` body (§G.3) the analysis reads;
/// the rest is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct AntifraudBody {
    pub id: String,
    pub value: Money,
    pub hook: Option<String>,
    pub mini_cart: Option<MiniCart>,
}

/// `miniCart` (§G.3), what the rules read of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[cfg_attr(feature = "ts", ts(rename = "AntifraudMiniCart"))]
pub struct MiniCart {
    pub buyer: Option<Buyer>,
    pub shipping: Option<Shipping>,
}

/// `miniCart.buyer`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[cfg_attr(feature = "ts", ts(rename = "AntifraudBuyer"))]
pub struct Buyer {
    pub id: Option<String>,
    pub document: Option<String>,
    pub email: Option<String>,
}

/// `miniCart.shipping`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Shipping {
    pub address: Option<Address>,
}

/// An address; only the postal code is read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[cfg_attr(feature = "ts", ts(rename = "AntifraudAddress"))]
pub struct Address {
    pub postal_code: Option<String>,
}

impl AntifraudBody {
    /// What the rules read.
    pub fn risk(&self) -> RiskTransaction {
        let cart = self.mini_cart.clone().unwrap_or_default();
        let buyer = cart.buyer.unwrap_or_default();
        RiskTransaction {
            id: self.id.clone(),
            value: self.value,
            buyer_document: buyer.document,
            buyer_email: buyer.email,
            shipping_postal_code: cart
                .shipping
                .and_then(|s| s.address)
                .and_then(|a| a.postal_code),
        }
    }
}

/// Input of [`antifraud_open`]: the body, the buyer's facts, the policy, the `tid` the service
/// drew, the record already stored for this id (if any) and the instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct AntifraudOpenRequest {
    pub body: AntifraudBody,
    pub facts: Option<RiskFacts>,
    #[serde(default)]
    pub policy: RiskPolicy,
    pub tid: String,
    pub existing: Option<Analysis>,
    pub now: Timestamp,
}

/// Output of [`antifraud_open`] and [`antifraud_update`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AntifraudOpenResponse {
    pub analysis: Analysis,
    /// Whether `analysis` is to be written (false: the stored one answers again).
    pub changed: bool,
    pub answer: AnalysisAnswer,
}

fn same_id(existing: &Analysis, asked: &str) -> Result<(), AntifraudError> {
    if existing.id != asked {
        return Err(AntifraudError::IdMismatch {
            stored: existing.id.clone(),
            asked: asked.to_string(),
        });
    }
    Ok(())
}

/// `POST /transactions` (§G.3): a new analysis answered `received`; the same id again answers
/// the stored analysis unchanged (idempotent per transaction id).
pub fn antifraud_open(r: &AntifraudOpenRequest) -> Result<AntifraudOpenResponse, AntifraudError> {
    if let Some(existing) = &r.existing {
        same_id(existing, &r.body.id)?;
        return Ok(AntifraudOpenResponse {
            analysis: existing.clone(),
            changed: false,
            answer: existing.answer(),
        });
    }
    let a = open(
        &r.body.risk(),
        r.facts.as_ref(),
        &r.policy,
        &r.tid,
        r.body.hook.as_deref(),
        &r.now,
    )?;
    Ok(AntifraudOpenResponse {
        answer: a.answer(),
        analysis: a,
        changed: true,
    })
}

/// Input of [`antifraud_update`] (`PUT /transactions/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct AntifraudUpdateRequest {
    pub analysis: Analysis,
    pub body: AntifraudBody,
    pub facts: Option<RiskFacts>,
    #[serde(default)]
    pub policy: RiskPolicy,
    pub now: Timestamp,
}

/// `PUT /transactions/{id}` (§G.3, optional): new data re-runs the rules while no decision is
/// visible (the same `tid`, hook kept unless a new one is given, the status as it was); a
/// decided or stopped analysis answers as it is.
pub fn antifraud_update(
    r: &AntifraudUpdateRequest,
) -> Result<AntifraudOpenResponse, AntifraudError> {
    let a = &r.analysis;
    same_id(a, &r.body.id)?;
    if a.status.is_final() || a.stopped {
        return Ok(AntifraudOpenResponse {
            analysis: a.clone(),
            changed: false,
            answer: a.answer(),
        });
    }
    let mut next = open(
        &r.body.risk(),
        r.facts.as_ref(),
        &r.policy,
        &a.tid,
        r.body.hook.as_deref().or(a.hook.as_deref()),
        &r.now,
    )?;
    next.status = a.status;
    next.created_at = a.created_at.clone();
    let changed = next != *a;
    Ok(AntifraudOpenResponse {
        answer: next.answer(),
        analysis: next,
        changed,
    })
}

/// Input of [`antifraud_event`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AntifraudEventRequest {
    pub analysis: Analysis,
    pub event: Event,
}

/// A status owed to VTEX's hook (§G.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HookPush {
    pub url: String,
    pub id: String,
    pub tid: String,
    pub status: AnalysisStatus,
}

/// Output of [`antifraud_event`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct AntifraudEventResponse {
    pub analysis: Analysis,
    pub changed: bool,
    pub answer: AnalysisAnswer,
    /// The push to make after writing `analysis` (then [`Event::HookDelivered`]).
    pub hook_due: Option<HookPush>,
}

/// An analysis after an event (read or timer, manual decision, stop, hook delivered).
pub fn antifraud_event(
    r: &AntifraudEventRequest,
) -> Result<AntifraudEventResponse, AntifraudError> {
    let (analysis, changed) = transition(&r.analysis, &r.event)?;
    let hook_due = match (&analysis.hook_owed, &analysis.hook) {
        (Some(status), Some(url)) => Some(HookPush {
            url: url.clone(),
            id: analysis.id.clone(),
            tid: analysis.tid.clone(),
            status: *status,
        }),
        _ => None,
    };
    Ok(AntifraudEventResponse {
        answer: analysis.answer(),
        analysis,
        changed,
        hook_due,
    })
}

/// Input of [`antifraud_pre_analysis`] and [`antifraud_score`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct AntifraudScoreRequest {
    pub body: AntifraudBody,
    pub facts: Option<RiskFacts>,
    #[serde(default)]
    pub policy: RiskPolicy,
    #[serde(default)]
    pub tid: String,
}

/// `/pre-analysis` (§G.3).
pub fn antifraud_pre_analysis(r: &AntifraudScoreRequest) -> Result<AnalysisAnswer, AntifraudError> {
    pre_analyze(&r.body.risk(), r.facts.as_ref(), &r.policy, &r.tid)
}

/// The rules alone: score, verdict and reasons.
pub fn antifraud_score(r: &AntifraudScoreRequest) -> Result<RiskScore, AntifraudError> {
    r.policy.check()?;
    let t = r.body.risk();
    t.check()?;
    Ok(score(&t, r.facts.as_ref(), &r.policy))
}
