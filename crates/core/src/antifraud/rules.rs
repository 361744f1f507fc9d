//! The risk rules: what the ERP and CRM know about a customer, and the transaction VTEX sends
//! (§G.3), give a score from 0 to 100 (100 = fraud) and a verdict. VTEX leaves the rules to the
//! provider; every weight and threshold here is Ponte's choice, in [`RiskPolicy`].

use super::error::AntifraudError;
use crate::pricing::Money;
use serde::{Deserialize, Serialize};

/// What the ERP/CRM knows about the buyer (found by document or email). Absent: an unknown
/// customer, read as one with no history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct RiskFacts {
    #[serde(default)]
    pub blocked: bool,
    #[serde(default)]
    pub overdue_invoices: u32,
    #[serde(default)]
    pub chargebacks: u32,
    /// Orders the customer completed before.
    #[serde(default)]
    pub previous_orders: u32,
    /// The document the ERP has on file.
    pub document: Option<String>,
    /// Postal codes the customer is known at.
    #[serde(default)]
    pub postal_codes: Vec<String>,
}

/// Weights and thresholds (Ponte's choice: VTEX documents no rule, §G.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskPolicy {
    pub blocked_weight: u8,
    pub chargeback_weight: u8,
    pub overdue_weight: u8,
    pub first_purchase_weight: u8,
    /// A first purchase above this value (cents) is risky.
    pub first_purchase_threshold_cents: i64,
    pub document_mismatch_weight: u8,
    pub address_mismatch_weight: u8,
    /// From this score on: denied.
    pub deny_at: u8,
    /// From this score on (below `denyAt`): manual review, `undefined`.
    pub review_at: u8,
    /// Pre-analysis answers approved or denied only (§G.3); a review-band score there is
    /// approved unless this is set (the full analysis reviews it later).
    pub pre_analysis_denies_review: bool,
    /// VTEX's homologation transactions decide by the id's last digit (§G.3) instead of the
    /// rules. Meant for the homologation account only.
    pub homologation: bool,
    /// How long the "later" homologation cases take, seconds (VTEX: about 10 s, §G.3).
    pub async_delay_seconds: u32,
}

impl Default for RiskPolicy {
    fn default() -> Self {
        RiskPolicy {
            blocked_weight: 100,
            chargeback_weight: 50,
            overdue_weight: 40,
            first_purchase_weight: 30,
            first_purchase_threshold_cents: 100_000,
            document_mismatch_weight: 35,
            address_mismatch_weight: 20,
            deny_at: 70,
            review_at: 40,
            pre_analysis_denies_review: false,
            homologation: false,
            async_delay_seconds: 10,
        }
    }
}

impl RiskPolicy {
    /// Thresholds within 0–100 and in order.
    pub fn check(&self) -> Result<(), AntifraudError> {
        if self.deny_at > 100 || self.review_at > self.deny_at || self.deny_at == 0 {
            return Err(AntifraudError::PolicyInvalid {
                message: format!(
                    "thresholds must satisfy reviewAt ≤ denyAt ≤ 100 and denyAt > 0 (got {} and {})",
                    self.review_at, self.deny_at
                ),
            });
        }
        if self.first_purchase_threshold_cents < 0 {
            return Err(AntifraudError::PolicyInvalid {
                message: "a negative first-purchase threshold".into(),
            });
        }
        Ok(())
    }
}

/// What the rules read of the transaction (§G.3 `POST /transactions` body), as typed data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct RiskTransaction {
    /// VTEX's transaction id.
    pub id: String,
    pub value: Money,
    pub buyer_document: Option<String>,
    pub buyer_email: Option<String>,
    pub shipping_postal_code: Option<String>,
}

impl RiskTransaction {
    /// A usable id (1 to 128 characters) and a value not negative.
    pub fn check(&self) -> Result<(), AntifraudError> {
        if self.id.trim().is_empty() || self.id.chars().count() > 128 {
            return Err(AntifraudError::TransactionInvalid {
                path: "id".into(),
                message: "a transaction id has 1 to 128 characters".into(),
            });
        }
        if self.value.hundredths() < 0 {
            return Err(AntifraudError::TransactionInvalid {
                path: "value".into(),
                message: "a negative value".into(),
            });
        }
        Ok(())
    }
}

/// The verdict of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Verdict {
    Approve,
    Review,
    Deny,
}

/// A rule that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RiskReason {
    BlockedCustomer,
    Chargebacks,
    OverdueInvoices,
    FirstPurchaseAboveThreshold,
    DocumentMismatch,
    AddressMismatch,
}

impl RiskReason {
    /// The reason's code.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskReason::BlockedCustomer => "BLOCKED_CUSTOMER",
            RiskReason::Chargebacks => "CHARGEBACKS",
            RiskReason::OverdueInvoices => "OVERDUE_INVOICES",
            RiskReason::FirstPurchaseAboveThreshold => "FIRST_PURCHASE_ABOVE_THRESHOLD",
            RiskReason::DocumentMismatch => "DOCUMENT_MISMATCH",
            RiskReason::AddressMismatch => "ADDRESS_MISMATCH",
        }
    }
}

/// The rules' outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskScore {
    /// 0–100, 100 = fraud.
    pub score: u8,
    pub verdict: Verdict,
    pub reasons: Vec<RiskReason>,
}

fn normalized(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Scores a transaction against the buyer's facts: each rule that fires adds its weight, the
/// sum capped at 100; `denyAt` and `reviewAt` give the verdict.
pub fn score(t: &RiskTransaction, facts: Option<&RiskFacts>, p: &RiskPolicy) -> RiskScore {
    let none = RiskFacts::default();
    let f = facts.unwrap_or(&none);
    let mut reasons = Vec::new();
    let mut total: u32 = 0;
    let mut fire = |r: RiskReason, w: u8| {
        reasons.push(r);
        total += u32::from(w);
    };
    if f.blocked {
        fire(RiskReason::BlockedCustomer, p.blocked_weight);
    }
    if f.chargebacks > 0 {
        fire(RiskReason::Chargebacks, p.chargeback_weight);
    }
    if f.overdue_invoices > 0 {
        fire(RiskReason::OverdueInvoices, p.overdue_weight);
    }
    if f.previous_orders == 0 && t.value.hundredths() > p.first_purchase_threshold_cents {
        fire(
            RiskReason::FirstPurchaseAboveThreshold,
            p.first_purchase_weight,
        );
    }
    if let (Some(known), Some(given)) = (f.document.as_deref(), t.buyer_document.as_deref())
        && !normalized(known).is_empty()
        && normalized(known) != normalized(given)
    {
        fire(RiskReason::DocumentMismatch, p.document_mismatch_weight);
    }
    if let Some(given) = t.shipping_postal_code.as_deref()
        && !f.postal_codes.is_empty()
        && !f
            .postal_codes
            .iter()
            .any(|k| normalized(k) == normalized(given))
    {
        fire(RiskReason::AddressMismatch, p.address_mismatch_weight);
    }
    let score = total.min(100) as u8;
    let verdict = if score >= p.deny_at {
        Verdict::Deny
    } else if score >= p.review_at {
        Verdict::Review
    } else {
        Verdict::Approve
    };
    RiskScore {
        score,
        verdict,
        reasons,
    }
}

/// The outcome VTEX's homologation expects of a test transaction, by its id's last digit
/// (§G.3): 1 approved, 2 denied, 3 approved later, 4 denied later, 5 approved through the
/// hook, 6 denied through the hook. Other ids: `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum HomologationCase {
    Authorize,
    Denied,
    AsyncApproved,
    AsyncDenied,
    HookApproved,
    HookDenied,
}

/// The homologation case of a transaction id.
pub fn homologation_case(id: &str) -> Option<HomologationCase> {
    match id.chars().last()? {
        '1' => Some(HomologationCase::Authorize),
        '2' => Some(HomologationCase::Denied),
        '3' => Some(HomologationCase::AsyncApproved),
        '4' => Some(HomologationCase::AsyncDenied),
        '5' => Some(HomologationCase::HookApproved),
        '6' => Some(HomologationCase::HookDenied),
        _ => None,
    }
}
