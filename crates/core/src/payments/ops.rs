//! The payment operations as request → response functions, for the operation table.

use super::error::PaymentError;
use super::machine::{
    self, CreditDecision, CreditStep, PaymentAuthorizeStep, PaymentCancelStep, PaymentMovementStep,
};
use super::model::{
    CancelPayment, Cents, CreatePayment, CreditAccount, Payment, PaymentSettings, ValueRequest,
};
use serde::{Deserialize, Serialize};

/// Input of [`payment_authorize`]: the record (if any), the create body, the merchant's
/// settings and what the ERP said in this attempt so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct PaymentAuthorizeRequest {
    pub current: Option<Payment>,
    pub request: CreatePayment,
    #[serde(default)]
    pub settings: PaymentSettings,
    pub credit: Option<CreditStep>,
}

/// One step of `POST /payments` (see [`machine::authorize`]).
pub fn payment_authorize(
    req: &PaymentAuthorizeRequest,
) -> Result<PaymentAuthorizeStep, PaymentError> {
    machine::authorize(
        req.current.as_ref(),
        &req.request,
        &req.settings,
        req.credit.as_ref(),
    )
}

/// Input of [`payment_settle`] and [`payment_refund`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentMovementRequest {
    pub payment: Payment,
    pub request: ValueRequest,
}

/// A settlement (see [`machine::settle`]).
pub fn payment_settle(req: &PaymentMovementRequest) -> Result<PaymentMovementStep, PaymentError> {
    machine::settle(&req.payment, &req.request)
}

/// A refund (see [`machine::refund`]).
pub fn payment_refund(req: &PaymentMovementRequest) -> Result<PaymentMovementStep, PaymentError> {
    machine::refund(&req.payment, &req.request)
}

/// Input of [`payment_cancel`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentCancelRequest {
    pub payment: Payment,
    pub request: CancelPayment,
}

/// A cancellation (see [`machine::cancel`]).
pub fn payment_cancel(req: &PaymentCancelRequest) -> Result<PaymentCancelStep, PaymentError> {
    machine::cancel(&req.payment, &req.request)
}

/// Input of [`credit_decision`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct CreditDecisionRequest {
    pub account: CreditAccount,
    pub value: Cents,
    pub currency: Option<String>,
}

/// The credit decision (see [`machine::credit_decision`]).
pub fn credit_decision(req: &CreditDecisionRequest) -> CreditDecision {
    machine::credit_decision(&req.account, req.value, req.currency.as_deref())
}
