//! The payment's transitions (§G.1): authorisation as a conversation with the ERP's credit,
//! then settlements, refunds and the cancellation, each idempotent by `requestId`.

use super::error::PaymentError;
use super::model::*;
use serde::{Deserialize, Serialize};

/// The credit decision for `value` cents on an account as the ERP reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "decision"
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CreditDecision {
    /// The available credit covers the value: place a hold.
    Approve,
    /// Refused, with a code and a message the shopper can read.
    Deny { code: String, message: String },
}

/// Denial codes (the `code` of a denied answer).
pub const DENY_LIMIT: &str = "CREDIT_LIMIT_EXCEEDED";
pub const DENY_BLOCKED: &str = "CREDIT_ACCOUNT_BLOCKED";
pub const DENY_UNKNOWN: &str = "CREDIT_ACCOUNT_UNKNOWN";
pub const DENY_CURRENCY: &str = "CREDIT_CURRENCY_MISMATCH";
pub const DENY_CANCELED: &str = "PAYMENT_CANCELED";
/// The code of an undefined answer.
pub const UNDEFINED_ERP: &str = "ERP_UNAVAILABLE";
/// The code of an approved answer.
pub const APPROVED: &str = "APPROVED";

fn deny(code: &str, message: &str) -> CreditDecision {
    CreditDecision::Deny {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// Available = limit − open holds − unpaid invoices (as the ERP reports them); approve when it
/// covers `value`. A blocked account, or one in another currency, is refused.
pub fn credit_decision(
    account: &CreditAccount,
    value: Cents,
    currency: Option<&str>,
) -> CreditDecision {
    if account.blocked {
        return deny(
            DENY_BLOCKED,
            "Your account cannot buy on credit at the moment. Please contact us.",
        );
    }
    if let (Some(a), Some(p)) = (account.currency.as_deref(), currency)
        && !a.eq_ignore_ascii_case(p)
    {
        return deny(
            DENY_CURRENCY,
            "Purchases on account are not available in this currency.",
        );
    }
    if available(account) >= value {
        CreditDecision::Approve
    } else {
        deny(
            DENY_LIMIT,
            "Your available credit does not cover this purchase. Please choose another payment method or contact us.",
        )
    }
}

/// What the ERP said during this authorisation attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CreditStep {
    /// The account, read.
    Account { account: CreditAccount },
    /// The ERP knows no such account.
    UnknownAccount,
    /// The hold is placed.
    HoldPlaced { hold: Hold },
    /// The ERP refused the hold (its own check found the credit short, or the hold was
    /// released meanwhile).
    HoldRefused {
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        released: Option<bool>,
    },
    /// The ERP did not answer in time, or failed.
    Unavailable,
}

/// What the caller does next in an authorisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AuthorizeNext {
    /// Write `payment` (when `changed`), then read the customer's credit account.
    ReadCredit { customer: String },
    /// Place a hold of `value` cents with id `holdId` on the account.
    PlaceHold {
        customer: String,
        hold_id: String,
        value: Cents,
    },
    /// Write `payment` (when `changed`), then send `answer`.
    Answer,
}

/// The create answer (§G.1), in the protocol's names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct AuthorizationAnswer {
    pub payment_id: String,
    /// `approved`, `denied` or `undefined`.
    pub status: String,
    pub authorization_id: Option<String>,
    pub tid: String,
    pub nsu: Option<String>,
    pub acquirer: String,
    pub code: Option<String>,
    pub message: Option<String>,
    pub delay_to_auto_settle: u64,
    pub delay_to_auto_settle_after_antifraud: u64,
    pub delay_to_cancel: u64,
}

/// The create answer for a payment as recorded.
pub fn authorization_answer(p: &Payment, acquirer: &str) -> AuthorizationAnswer {
    let status = match p.status {
        PaymentStatus::Created | PaymentStatus::Undefined => "undefined",
        PaymentStatus::Denied => "denied",
        // Cancelled before any hold: the create is answered as denied.
        PaymentStatus::Canceled if p.authorization_id.is_none() => "denied",
        _ => "approved",
    };
    AuthorizationAnswer {
        payment_id: p.payment_id.clone(),
        status: status.to_owned(),
        authorization_id: p.authorization_id.clone(),
        tid: p.payment_id.clone(),
        nsu: p.authorization_id.clone(),
        acquirer: acquirer.to_owned(),
        code: p.code.clone(),
        message: p.message.clone(),
        delay_to_auto_settle: p.delay_to_auto_settle,
        delay_to_auto_settle_after_antifraud: p.delay_to_auto_settle_after_antifraud,
        delay_to_cancel: p.delay_to_cancel,
    }
}

/// One step of an authorisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct PaymentAuthorizeStep {
    pub payment: Payment,
    /// Whether `payment` differs from the record given (then write it before going on).
    pub changed: bool,
    pub next: AuthorizeNext,
    /// The answer to send when `next` is `answer`.
    pub answer: Option<AuthorizationAnswer>,
    /// A hold to release before answering: placed by a concurrent attempt for a payment the
    /// record meanwhile decided otherwise (denied), so no credit stays held for nothing.
    pub erp: Option<ErpCreditAction>,
}

fn customer_of(req: &CreatePayment, key: CustomerKey) -> Result<String, PaymentError> {
    let buyer = req.mini_cart.as_ref().and_then(|m| m.buyer.as_ref());
    let nonblank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (field, found) = match key {
        CustomerKey::Document => (
            "document",
            buyer.and_then(|b| nonblank(&b.corporate_document).or_else(|| nonblank(&b.document))),
        ),
        CustomerKey::Email => ("email", buyer.and_then(|b| nonblank(&b.email))),
        CustomerKey::Id => ("id", buyer.and_then(|b| nonblank(&b.id))),
    };
    match found {
        Some(c) if c.len() <= MAX_ID_LEN && !c.chars().any(char::is_control) => Ok(c),
        _ => Err(PaymentError::CustomerMissing { field }),
    }
}

fn new_payment(req: &CreatePayment, settings: &PaymentSettings) -> Result<Payment, PaymentError> {
    check_id("paymentId", &req.payment_id)?;
    settings.check()?;
    let value = positive_cents("value", req.value)?;
    let customer = customer_of(req, settings.customer_key)?;
    Ok(Payment {
        payment_id: req.payment_id.clone(),
        transaction_id: req.transaction_id.clone(),
        order_id: req.order_id.clone().or_else(|| req.reference.clone()),
        customer,
        currency: req.currency.clone(),
        value,
        status: PaymentStatus::Created,
        authorization_id: None,
        code: None,
        message: None,
        attempts: 0,
        settled: 0,
        refunded: 0,
        settlements: Vec::new(),
        refunds: Vec::new(),
        cancellation: None,
        delay_to_auto_settle: settings.delay_to_auto_settle,
        delay_to_auto_settle_after_antifraud: settings.delay_to_auto_settle_after_antifraud,
        delay_to_cancel: settings.delay_to_cancel,
        callback_url: req.callback_url.clone(),
    })
}

fn answer(payment: Payment, changed: bool, settings: &PaymentSettings) -> PaymentAuthorizeStep {
    let answer = authorization_answer(&payment, &settings.acquirer);
    PaymentAuthorizeStep {
        payment,
        changed,
        next: AuthorizeNext::Answer,
        answer: Some(answer),
        erp: None,
    }
}

fn decided(
    mut p: Payment,
    status: PaymentStatus,
    code: &str,
    message: &str,
    settings: &PaymentSettings,
) -> PaymentAuthorizeStep {
    p.status = status;
    p.code = Some(code.to_owned());
    p.message = Some(message.to_owned());
    answer(p, true, settings)
}

/// One step of `POST /payments` (§G.1). Without `credit`: a decided payment answers from its
/// record (a repeated create never authorises twice); otherwise the record is written
/// (`created`, or `undefined` kept) and the ERP is asked. With the ERP's answer: the account
/// read leads to a denial or to a hold; the hold placed approves; an ERP that cannot answer
/// leaves the payment `undefined` for the gateway to retry. A decided record wins over any
/// late credit answer.
pub fn authorize(
    current: Option<&Payment>,
    req: &CreatePayment,
    settings: &PaymentSettings,
    credit: Option<&CreditStep>,
) -> Result<PaymentAuthorizeStep, PaymentError> {
    let fresh = new_payment(req, settings)?;
    let p = match current {
        None => fresh,
        Some(c) => {
            if c.payment_id != req.payment_id {
                return Err(PaymentError::PaymentIdMismatch {
                    request: req.payment_id.clone(),
                    record: c.payment_id.clone(),
                });
            }
            let mut what = Vec::new();
            if c.value != fresh.value {
                what.push(format!("value {} cents, now {}", c.value, fresh.value));
            }
            if c.customer != fresh.customer {
                what.push("another customer".to_owned());
            }
            if c.currency.is_some() && fresh.currency.is_some() && c.currency != fresh.currency {
                what.push("another currency".to_owned());
            }
            if !what.is_empty() {
                return Err(PaymentError::PaymentConflict {
                    payment_id: c.payment_id.clone(),
                    what: what.join(", "),
                });
            }
            c.clone()
        }
    };
    if p.status.is_decided() {
        let stray = match credit {
            Some(CreditStep::HoldPlaced { hold })
            | Some(CreditStep::Account {
                account:
                    CreditAccount {
                        existing_hold: Some(hold),
                        ..
                    },
            }) if p.authorization_id.as_deref() != Some(hold.hold_id.as_str())
                && matches!(p.status, PaymentStatus::Denied) =>
            {
                Some(ErpCreditAction::Release {
                    hold_id: hold.hold_id.clone(),
                    request_id: format!("{}-denied", p.payment_id),
                })
            }
            _ => None,
        };
        let mut step = answer(p, false, settings);
        step.erp = stray;
        return Ok(step);
    }
    let customer = p.customer.clone();
    let Some(credit) = credit else {
        let mut next = p;
        next.attempts = next.attempts.saturating_add(1);
        return Ok(PaymentAuthorizeStep {
            payment: next,
            changed: true,
            next: AuthorizeNext::ReadCredit { customer },
            answer: None,
            erp: None,
        });
    };
    let currency = p.currency.clone();
    match credit {
        CreditStep::Account { account } => {
            if let Some(hold) = &account.existing_hold {
                return Ok(approve(p, hold, settings));
            }
            match credit_decision(account, p.value, currency.as_deref()) {
                CreditDecision::Approve => Ok(PaymentAuthorizeStep {
                    next: AuthorizeNext::PlaceHold {
                        customer,
                        hold_id: p.payment_id.clone(),
                        value: p.value,
                    },
                    payment: p,
                    changed: false,
                    answer: None,
                    erp: None,
                }),
                CreditDecision::Deny { code, message } => {
                    Ok(decided(p, PaymentStatus::Denied, &code, &message, settings))
                }
            }
        }
        CreditStep::UnknownAccount => Ok(decided(
            p,
            PaymentStatus::Denied,
            DENY_UNKNOWN,
            "Your company has no credit account with us. Please choose another payment method.",
            settings,
        )),
        CreditStep::HoldPlaced { hold } => Ok(approve(p, hold, settings)),
        CreditStep::HoldRefused { released } => {
            if released == &Some(true) {
                Ok(decided(
                    p,
                    PaymentStatus::Denied,
                    DENY_CANCELED,
                    "This payment was cancelled.",
                    settings,
                ))
            } else {
                Ok(decided(
                    p,
                    PaymentStatus::Denied,
                    DENY_LIMIT,
                    "Your available credit does not cover this purchase. Please choose another payment method or contact us.",
                    settings,
                ))
            }
        }
        CreditStep::Unavailable => Ok(decided(
            p,
            PaymentStatus::Undefined,
            UNDEFINED_ERP,
            "Your credit is being checked; the order will be confirmed shortly.",
            settings,
        )),
    }
}

fn approve(mut p: Payment, hold: &Hold, settings: &PaymentSettings) -> PaymentAuthorizeStep {
    p.authorization_id = Some(hold.hold_id.clone());
    decided(
        p,
        PaymentStatus::Approved,
        APPROVED,
        "Approved on account.",
        settings,
    )
}

/// What the ERP must do for a settlement, refund or cancellation, before the record is
/// written and the answer sent. Each is idempotent at the ERP by `requestId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ErpCreditAction {
    /// Turn `value` of the hold into a receivable.
    Capture {
        hold_id: String,
        request_id: String,
        value: Cents,
    },
    /// Release what is left of the hold (also when none was placed: the ERP then refuses a
    /// later hold with this id).
    Release { hold_id: String, request_id: String },
    /// Credit `value` of the receivables back.
    Refund {
        hold_id: String,
        request_id: String,
        value: Cents,
    },
}

/// The protocol's answer to a settlement or refund (§G.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MovementAnswer {
    pub payment_id: String,
    /// `settleId` or `refundId`, named by the caller.
    pub id: String,
    pub value: crate::pricing::Money,
    pub code: String,
    pub message: String,
    pub request_id: String,
}

/// The protocol's answer to a cancellation (§G.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CancelAnswer {
    pub payment_id: String,
    pub cancellation_id: String,
    pub code: String,
    pub message: String,
    pub request_id: String,
}

/// A settlement or refund decided: do `erp` (when present), write `payment` (when
/// `changed`), then answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct PaymentMovementStep {
    pub payment: Payment,
    pub changed: bool,
    pub erp: Option<ErpCreditAction>,
    pub answer: MovementAnswer,
}

/// A cancellation decided: do `erp` (when present), write `payment` (when `changed`), then
/// answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct PaymentCancelStep {
    pub payment: Payment,
    pub changed: bool,
    pub erp: Option<ErpCreditAction>,
    pub answer: CancelAnswer,
}

fn same_payment(p: &Payment, payment_id: &str, request_id: &str) -> Result<(), PaymentError> {
    check_id("requestId", request_id)?;
    if p.payment_id != payment_id {
        return Err(PaymentError::PaymentIdMismatch {
            request: payment_id.to_owned(),
            record: p.payment_id.clone(),
        });
    }
    Ok(())
}

fn movement_answer(p: &Payment, m: &Movement, code: &str, message: &str) -> MovementAnswer {
    MovementAnswer {
        payment_id: p.payment_id.clone(),
        id: m.id.clone(),
        value: money(m.value),
        code: code.to_owned(),
        message: message.to_owned(),
        request_id: m.request_id.clone(),
    }
}

/// `POST /payments/{paymentId}/settlements` (§G.1): an approved payment settles up to its
/// authorised value, in parts (partial invoices); the same `requestId` answers the same
/// settlement again and settles nothing more.
pub fn settle(p: &Payment, req: &ValueRequest) -> Result<PaymentMovementStep, PaymentError> {
    movement(p, req, MovementKind::Settle)
}

/// `POST /payments/{paymentId}/refunds` (§G.1): a settled payment is refunded in parts, their
/// sum at most what was settled; the same `requestId` answers the same refund again.
pub fn refund(p: &Payment, req: &ValueRequest) -> Result<PaymentMovementStep, PaymentError> {
    movement(p, req, MovementKind::Refund)
}

/// A settlement (limit: the authorised value) or a refund (limit: the settled value).
#[derive(Clone, Copy)]
enum MovementKind {
    Settle,
    Refund,
}

impl MovementKind {
    fn done(self, p: &Payment) -> &[Movement] {
        match self {
            MovementKind::Settle => &p.settlements,
            MovementKind::Refund => &p.refunds,
        }
    }

    fn erp(self, hold_id: String, request_id: String, value: u64) -> ErpCreditAction {
        match self {
            MovementKind::Settle => ErpCreditAction::Capture {
                hold_id,
                request_id,
                value,
            },
            MovementKind::Refund => ErpCreditAction::Refund {
                hold_id,
                request_id,
                value,
            },
        }
    }

    fn answer(self, p: &Payment, m: &Movement) -> MovementAnswer {
        match self {
            MovementKind::Settle => movement_answer(p, m, "SETTLED", "Settled."),
            MovementKind::Refund => movement_answer(p, m, "REFUNDED", "Refunded."),
        }
    }
}

fn movement(
    p: &Payment,
    req: &ValueRequest,
    kind: MovementKind,
) -> Result<PaymentMovementStep, PaymentError> {
    same_payment(p, &req.payment_id, &req.request_id)?;
    let hold_id = p
        .authorization_id
        .clone()
        .unwrap_or_else(|| p.payment_id.clone());
    if let Some(m) = kind.done(p).iter().find(|m| m.request_id == req.request_id) {
        return Ok(PaymentMovementStep {
            payment: p.clone(),
            changed: false,
            erp: Some(kind.erp(hold_id, m.request_id.clone(), m.value)),
            answer: kind.answer(p, m),
        });
    }
    let payment_id = p.payment_id.clone();
    let status = p.status.as_str();
    let allowed = match kind {
        MovementKind::Settle => {
            matches!(p.status, PaymentStatus::Approved | PaymentStatus::Settled)
        }
        MovementKind::Refund => {
            matches!(p.status, PaymentStatus::Settled | PaymentStatus::Refunded)
        }
    };
    if !allowed {
        return Err(match kind {
            MovementKind::Settle => PaymentError::SettleNotAllowed { payment_id, status },
            MovementKind::Refund => PaymentError::RefundNotAllowed { payment_id, status },
        });
    }
    let value = positive_cents("value", req.value)?;
    let left = match kind {
        MovementKind::Settle => p.value.saturating_sub(p.settled),
        MovementKind::Refund => p.settled.saturating_sub(p.refunded),
    };
    if value > left {
        return Err(match kind {
            MovementKind::Settle => PaymentError::SettleAboveAuthorized {
                payment_id,
                value,
                left,
            },
            MovementKind::Refund => PaymentError::RefundAboveSettled {
                payment_id,
                value,
                left,
            },
        });
    }
    let mut next = p.clone();
    let (prefix, total, list) = match kind {
        MovementKind::Settle => {
            next.status = PaymentStatus::Settled;
            ("S", &mut next.settled, &mut next.settlements)
        }
        MovementKind::Refund => {
            next.status = PaymentStatus::Refunded;
            ("R", &mut next.refunded, &mut next.refunds)
        }
    };
    let m = Movement {
        request_id: req.request_id.clone(),
        id: format!("{}-{prefix}{}", p.payment_id, list.len() + 1),
        value,
    };
    *total = total.saturating_add(value);
    list.push(m.clone());
    Ok(PaymentMovementStep {
        answer: kind.answer(&next, &m),
        payment: next,
        changed: true,
        erp: Some(kind.erp(hold_id, req.request_id.clone(), value)),
    })
}

/// `POST /payments/{paymentId}/cancellations` (§G.1): a payment not settled is cancelled and
/// its hold released (also an undefined one: a hold placed late is then refused by the ERP);
/// a cancelled or denied one answers the same cancellation again; a settled one is refused
/// (it is refunded instead).
pub fn cancel(p: &Payment, req: &CancelPayment) -> Result<PaymentCancelStep, PaymentError> {
    same_payment(p, &req.payment_id, &req.request_id)?;
    let answer = |p: &Payment, c: &Cancellation| CancelAnswer {
        payment_id: p.payment_id.clone(),
        cancellation_id: c.cancellation_id.clone(),
        code: "CANCELED".to_owned(),
        message: "Cancelled; the credit hold is released.".to_owned(),
        request_id: c.request_id.clone(),
    };
    if let Some(c) = &p.cancellation {
        return Ok(PaymentCancelStep {
            payment: p.clone(),
            changed: false,
            erp: (p.status == PaymentStatus::Canceled).then(|| ErpCreditAction::Release {
                hold_id: p
                    .authorization_id
                    .clone()
                    .unwrap_or_else(|| p.payment_id.clone()),
                request_id: c.request_id.clone(),
            }),
            answer: CancelAnswer {
                request_id: req.request_id.clone(),
                ..answer(p, c)
            },
        });
    }
    let erp = match p.status {
        PaymentStatus::Settled | PaymentStatus::Refunded => {
            return Err(PaymentError::CancelAfterSettle {
                payment_id: p.payment_id.clone(),
                status: p.status.as_str(),
            });
        }
        PaymentStatus::Denied => None,
        _ => Some(ErpCreditAction::Release {
            hold_id: p
                .authorization_id
                .clone()
                .unwrap_or_else(|| p.payment_id.clone()),
            request_id: req.request_id.clone(),
        }),
    };
    let c = Cancellation {
        request_id: req.request_id.clone(),
        cancellation_id: format!("{}-C", p.payment_id),
    };
    let mut next = p.clone();
    if next.status != PaymentStatus::Denied {
        next.status = PaymentStatus::Canceled;
    }
    next.cancellation = Some(c.clone());
    Ok(PaymentCancelStep {
        answer: answer(&next, &c),
        payment: next,
        changed: true,
        erp,
    })
}
