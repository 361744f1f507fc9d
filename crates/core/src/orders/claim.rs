//! Claims on an order's ERP deliveries, fenced.
//!
//! An order record owes the ERP deliveries (its outbox); one replica at a time attempts the
//! first of them, under a **claim** written into the record with `If-Match`:
//! `{deliveryId, by, until, fence}`. A claim lasts `claimMs` from when it was taken or last
//! renewed; once `until` has passed, anyone may take it over (its owner died or stalled).
//!
//! Timing alone cannot stop a stalled owner from acting after it lost its claim, so every claim
//! carries a **fence** `high · 1024 + salt`: `high` is above the high part of every fence the
//! record issued before ([`ClaimRequest::fence`], kept in the record) and at least the caller's
//! clock in milliseconds, and `salt` (below 1024) is the caller's. So a record replaced by a late
//! blind create, which restarts the count, still issues fences above the ones it forgot (claims
//! on one delivery being milliseconds apart), and two callers with different salts never issue
//! the same fence. The holder of a fence:
//!
//! - **renews** the claim before each ERP call that the claim's remaining time would not cover
//!   (`needMs`: the ERP timeout plus the clocks' skew), so a slow but live attempt keeps it;
//! - **completes** (marks the delivery done, or records a failed attempt) only while the record
//!   still holds its fence;
//! - sends the fence to the ERP with the lookup and the POST, and the ERP refuses a POST whose
//!   fence is lower than one it has already seen for that delivery (`docs/erp-contract.yaml`,
//!   `x-ponte-fence`).
//!
//! Together: a replica whose claim was taken over cannot renew it, cannot mark anything done
//! and cannot overwrite the record, and its late POST is refused by the ERP once the new holder
//! has looked the delivery up. The service looks every delivery up, with its fence, before
//! POSTing it; then two POSTs of one delivery are never both accepted: the ERP accepts a POST of
//! fence `f` only while no higher fence was seen, and a holder of a higher fence that looks up
//! after that POST was stored finds it there (`crates/harness/tests/order_claims.rs`). [`claim_delivery`] is that rule; the service applies its answer
//! in one `If-Match` write.

use super::OrderError;
use serde::{Deserialize, Serialize};

/// The largest fence and time the rule takes: JavaScript's largest exact integer (2^53 − 1).
pub const MAX_SAFE: u64 = 9_007_199_254_740_991;

/// A claim on one delivery, as the order record keeps it (`pending`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeliveryClaim {
    pub delivery_id: String,
    /// Who holds it: unique per attempt (a drive), not per replica.
    pub by: String,
    /// Milliseconds since the epoch, by the holder's clock, when the claim lapses.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub until: u64,
    /// The claim's fence (0 on records written before fences existed: never held by anyone).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub fence: u64,
}

/// What the caller wants to do with the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ClaimIntent {
    /// Take the claim on `deliveryId` (a new attempt).
    Take,
    /// Keep the claim `held` for at least `needMs` more (before an ERP call).
    Renew,
    /// Finish with the claim `held` (mark done, or record a failed attempt and let go).
    Complete,
}

/// Input of [`claim_delivery`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClaimRequest {
    pub intent: ClaimIntent,
    /// The record's claim, if any.
    pub pending: Option<DeliveryClaim>,
    /// The highest fence the record has issued (0: none).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub fence: u64,
    /// The delivery the caller wants (take) or holds (renew, complete).
    pub delivery_id: String,
    /// The caller's identity (its drive).
    pub owner: String,
    /// The fence the caller holds (renew, complete).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub held: Option<u64>,
    /// The caller's clock, ms since the epoch.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub now: u64,
    /// How long a claim lasts from its taking or renewal.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub claim_ms: u64,
    /// Renew: the time the claim must still cover; a claim with that much left is kept as is.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub need_ms: u64,
    /// Take: the caller's salt (below [`SALT_RANGE`]), so that fences issued in the same
    /// millisecond by two callers differ.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub salt: u64,
}

/// Salts are below this; a fence is at least `now · SALT_RANGE + salt`.
pub const SALT_RANGE: u64 = 1024;

/// Output of [`claim_delivery`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ClaimResponse {
    /// Write `pending` and `fence` into the record (If-Match), then go on.
    #[serde(rename_all = "camelCase")]
    Write {
        pending: DeliveryClaim,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        fence: u64,
        /// Take: the claim was someone else's on this delivery and lapsed: its attempt may have
        /// reached the ERP, so the delivery is looked up before being sent.
        takeover: bool,
    },
    /// The caller holds the claim and it covers what was asked: nothing to write.
    Held,
    /// Someone else holds a live claim until `until`: wait, or leave the work to them.
    #[serde(rename_all = "camelCase")]
    Busy {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        until: u64,
    },
    /// The caller's fence is no longer the record's claim: it must not write the record, and
    /// must not call the ERP for this delivery.
    Fenced,
}

fn invalid(reason: impl Into<String>) -> OrderError {
    OrderError::ClaimInputInvalid {
        reason: reason.into(),
    }
}

/// The claim rule (module docs). Complete: `Held` lets the caller write its completion (done,
/// or a failed attempt) and clear the claim; anything else is `Fenced`.
pub fn claim_delivery(request: &ClaimRequest) -> Result<ClaimResponse, OrderError> {
    let r = request;
    if r.delivery_id.is_empty() || r.owner.is_empty() {
        return Err(invalid("deliveryId and owner must not be empty"));
    }
    if r.claim_ms == 0 {
        return Err(invalid("claimMs must be positive"));
    }
    let pending_fence = r.pending.as_ref().map_or(0, |p| p.fence);
    let until_max = r.pending.as_ref().map_or(0, |p| p.until);
    for (name, v) in [
        ("now", r.now),
        ("claimMs", r.claim_ms),
        ("needMs", r.need_ms),
        ("fence", r.fence),
        ("pending.fence", pending_fence),
        ("pending.until", until_max),
        ("held", r.held.unwrap_or(0)),
    ] {
        if v >= MAX_SAFE {
            return Err(invalid(format!("{name} is out of range")));
        }
    }
    if r.salt >= SALT_RANGE {
        return Err(invalid(format!("salt must be below {SALT_RANGE}")));
    }
    if r.now.checked_mul(SALT_RANGE).is_none_or(|v| v >= MAX_SAFE) {
        return Err(invalid("now is out of range"));
    }
    if r.now.saturating_add(r.claim_ms) >= MAX_SAFE {
        return Err(invalid("now + claimMs is out of range"));
    }
    let until = r.now + r.claim_ms;
    // Whether the record's claim is the caller's, fence and all.
    let holds = |held: u64| {
        r.pending.as_ref().is_some_and(|p| {
            held > 0 && p.fence == held && p.by == r.owner && p.delivery_id == r.delivery_id
        })
    };
    match r.intent {
        ClaimIntent::Take => {
            if let Some(p) = &r.pending
                && p.by != r.owner
                && p.until > r.now
            {
                return Ok(ClaimResponse::Busy { until: p.until });
            }
            // The fence's high part (milliseconds, or one more than the record's last) grows
            // on every take; its low part is the caller's salt.
            let high = (r.fence.max(pending_fence) / SALT_RANGE + 1).max(r.now);
            let fence = high
                .checked_mul(SALT_RANGE)
                .and_then(|v| v.checked_add(r.salt))
                .filter(|v| *v < MAX_SAFE)
                .ok_or_else(|| invalid("the fence would be out of range"))?;
            let takeover = r
                .pending
                .as_ref()
                .is_some_and(|p| p.by != r.owner && p.delivery_id == r.delivery_id);
            Ok(ClaimResponse::Write {
                pending: DeliveryClaim {
                    delivery_id: r.delivery_id.clone(),
                    by: r.owner.clone(),
                    until,
                    fence,
                },
                fence,
                takeover,
            })
        }
        ClaimIntent::Renew => {
            let Some(held) = r.held else {
                return Err(invalid("renew needs the fence held"));
            };
            if !holds(held) {
                return Ok(ClaimResponse::Fenced);
            }
            // A claim that lapsed but nobody took over still has the caller's fence: renewing
            // it is safe, since any taker would have written a higher fence first.
            let left = until_max.saturating_sub(r.now);
            if left >= r.need_ms && left > 0 {
                return Ok(ClaimResponse::Held);
            }
            Ok(ClaimResponse::Write {
                pending: DeliveryClaim {
                    delivery_id: r.delivery_id.clone(),
                    by: r.owner.clone(),
                    until,
                    fence: held,
                },
                fence: r.fence.max(held),
                takeover: false,
            })
        }
        ClaimIntent::Complete => {
            let Some(held) = r.held else {
                return Err(invalid("complete needs the fence held"));
            };
            Ok(if holds(held) {
                ClaimResponse::Held
            } else {
                ClaimResponse::Fenced
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn req(intent: ClaimIntent, pending: Option<DeliveryClaim>, held: Option<u64>) -> ClaimRequest {
        ClaimRequest {
            intent,
            pending,
            fence: 7,
            delivery_id: "o-01:order".into(),
            owner: "a#1".into(),
            held,
            now: 1_000,
            claim_ms: 100,
            need_ms: 50,
            salt: 3,
        }
    }

    fn claim(by: &str, until: u64, fence: u64) -> DeliveryClaim {
        DeliveryClaim {
            delivery_id: "o-01:order".into(),
            by: by.into(),
            until,
            fence,
        }
    }

    #[test]
    fn take_issues_a_fence_above_every_earlier_one_and_the_clock() {
        let r = claim_delivery(&req(ClaimIntent::Take, None, None)).unwrap();
        assert_eq!(
            r,
            ClaimResponse::Write {
                pending: claim("a#1", 1_100, 1_024_003),
                fence: 1_024_003,
                takeover: false
            }
        );
        let mut q = req(ClaimIntent::Take, Some(claim("b#2", 900, 5_000_000)), None);
        q.fence = 4_000_000;
        let ClaimResponse::Write {
            fence, takeover, ..
        } = claim_delivery(&q).unwrap()
        else {
            panic!("lapsed claim is taken over")
        };
        // Above the record's and the claim's fences, the clock being behind them.
        assert_eq!((fence, takeover), ((5_000_000 / 1024 + 1) * 1024 + 3, true));
    }

    #[test]
    fn a_live_claim_of_someone_else_is_busy() {
        let r = claim_delivery(&req(ClaimIntent::Take, Some(claim("b#2", 1_001, 9)), None));
        assert_eq!(r, Ok(ClaimResponse::Busy { until: 1_001 }));
    }

    #[test]
    fn renew_and_complete_need_the_fence_and_the_owner() {
        let mine = Some(claim("a#1", 1_010, 9));
        // Too little left: renewed, same fence.
        assert_eq!(
            claim_delivery(&req(ClaimIntent::Renew, mine.clone(), Some(9))),
            Ok(ClaimResponse::Write {
                pending: claim("a#1", 1_100, 9),
                fence: 9,
                takeover: false
            })
        );
        // Enough left: nothing to write.
        let long = Some(claim("a#1", 1_060, 9));
        assert_eq!(
            claim_delivery(&req(ClaimIntent::Renew, long, Some(9))),
            Ok(ClaimResponse::Held)
        );
        assert_eq!(
            claim_delivery(&req(ClaimIntent::Complete, mine.clone(), Some(9))),
            Ok(ClaimResponse::Held)
        );
        for (pending, held) in [
            (Some(claim("b#2", 1_100, 10)), 9),
            (Some(claim("a#1", 1_100, 10)), 9),
            (None, 9),
            (mine, 0),
        ] {
            assert_eq!(
                claim_delivery(&req(ClaimIntent::Renew, pending.clone(), Some(held))),
                Ok(ClaimResponse::Fenced)
            );
            assert_eq!(
                claim_delivery(&req(ClaimIntent::Complete, pending, Some(held))),
                Ok(ClaimResponse::Fenced)
            );
        }
    }

    #[test]
    fn refuses_input_it_cannot_order() {
        let mut q = req(ClaimIntent::Take, None, None);
        q.now = MAX_SAFE;
        assert_eq!(
            claim_delivery(&q).unwrap_err().code(),
            "ORDER_CLAIM_INPUT_INVALID"
        );
        let q = req(ClaimIntent::Renew, None, None);
        assert_eq!(
            claim_delivery(&q).unwrap_err().code(),
            "ORDER_CLAIM_INPUT_INVALID"
        );
        let mut q = req(ClaimIntent::Take, None, None);
        q.claim_ms = 0;
        assert!(claim_delivery(&q).is_err());
        let mut q = req(ClaimIntent::Take, None, None);
        q.salt = SALT_RANGE;
        assert!(claim_delivery(&q).is_err());
        let mut q = req(ClaimIntent::Take, None, None);
        q.now = MAX_SAFE / SALT_RANGE + 1;
        assert!(claim_delivery(&q).is_err());
    }
}
