//! The payment as the connector keeps it, the merchant's settings, and the protocol's bodies
//! (§G.1), in VTEX's names.

use super::error::PaymentError;
use crate::pricing::{MAX_HUNDREDTHS, Money};
use serde::{Deserialize, Serialize};

/// An amount in integer cents (at most [`MAX_HUNDREDTHS`], so exact in a JavaScript number).
pub type Cents = u64;

/// The longest `paymentId`, `requestId` or customer key the connector stores.
pub const MAX_ID_LEN: usize = 128;

/// Where a payment is (§G.1). `Settled` holds while something is settled and nothing
/// refunded, with settlements possibly partial; `Refunded` once anything is refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PaymentStatus {
    /// Recorded, the ERP not yet asked (the record is durable before the ERP is called).
    Created,
    /// The ERP could not answer in time; the gateway retries the create.
    Undefined,
    /// The ERP holds the value against the customer's credit.
    Approved,
    /// The customer's credit does not cover the value (final).
    Denied,
    /// Part or all of the authorisation turned into a receivable at the ERP.
    Settled,
    /// Part or all of the settled value credited back.
    Refunded,
    /// Cancelled before settlement; the hold is released (final).
    Canceled,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Created => "created",
            PaymentStatus::Undefined => "undefined",
            PaymentStatus::Approved => "approved",
            PaymentStatus::Denied => "denied",
            PaymentStatus::Settled => "settled",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Canceled => "canceled",
        }
    }

    /// Whether the authorisation is decided (the create answers from the record).
    pub fn is_decided(self) -> bool {
        !matches!(self, PaymentStatus::Created | PaymentStatus::Undefined)
    }
}

/// Which field of `miniCart.buyer` names the customer's credit account at the ERP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CustomerKey {
    /// `corporateDocument` when present (B2B), else `document`.
    #[default]
    Document,
    /// `email`.
    Email,
    /// `id` (VTEX's profile id).
    Id,
}

/// The merchant's settings for the connector (the manifest's custom fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentSettings {
    /// Seconds after which VTEX settles an approved payment on its own, 0..=604800 (§G.1).
    #[serde(default = "default_auto_settle")]
    pub delay_to_auto_settle: u64,
    /// Seconds after the anti-fraud approval, 0..=604800 (§G.1).
    #[serde(default = "default_auto_settle")]
    pub delay_to_auto_settle_after_antifraud: u64,
    /// Seconds VTEX waits on an undefined payment before cancelling it, 600..=2592000 (§G.1).
    #[serde(default = "default_delay_to_cancel")]
    pub delay_to_cancel: u64,
    #[serde(default)]
    pub customer_key: CustomerKey,
    /// The name answered as `acquirer`.
    #[serde(default = "default_acquirer")]
    pub acquirer: String,
}

fn default_auto_settle() -> u64 {
    MAX_AUTO_SETTLE
}
fn default_delay_to_cancel() -> u64 {
    86_400
}
fn default_acquirer() -> String {
    "ERP".to_owned()
}

impl Default for PaymentSettings {
    fn default() -> Self {
        PaymentSettings {
            delay_to_auto_settle: default_auto_settle(),
            delay_to_auto_settle_after_antifraud: default_auto_settle(),
            delay_to_cancel: default_delay_to_cancel(),
            customer_key: CustomerKey::default(),
            acquirer: default_acquirer(),
        }
    }
}

/// `delayToAutoSettle` and `delayToAutoSettleAfterAntifraud` at most 7 days (§G.1).
pub const MAX_AUTO_SETTLE: u64 = 604_800;
/// `delayToCancel` from 10 minutes (§G.1).
pub const MIN_DELAY_TO_CANCEL: u64 = 600;
/// `delayToCancel` at most 30 days (§G.1).
pub const MAX_DELAY_TO_CANCEL: u64 = 2_592_000;

impl PaymentSettings {
    /// The delays within VTEX's bounds (§G.1).
    pub fn check(&self) -> Result<(), PaymentError> {
        let within = |field, value: u64, min, max| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(PaymentError::DelayOutOfRange {
                    field,
                    value,
                    min,
                    max,
                })
            }
        };
        within(
            "delayToAutoSettle",
            self.delay_to_auto_settle,
            0,
            MAX_AUTO_SETTLE,
        )?;
        within(
            "delayToAutoSettleAfterAntifraud",
            self.delay_to_auto_settle_after_antifraud,
            0,
            MAX_AUTO_SETTLE,
        )?;
        within(
            "delayToCancel",
            self.delay_to_cancel,
            MIN_DELAY_TO_CANCEL,
            MAX_DELAY_TO_CANCEL,
        )
    }
}

/// The buyer of `miniCart` (only what names the credit account).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[cfg_attr(feature = "ts", ts(rename = "PaymentBuyer"))]
pub struct Buyer {
    pub id: Option<String>,
    pub email: Option<String>,
    pub document: Option<String>,
    pub corporate_document: Option<String>,
}

/// `miniCart`, as far as the connector reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[cfg_attr(feature = "ts", ts(rename = "PaymentMiniCart"))]
pub struct MiniCart {
    pub buyer: Option<Buyer>,
}

/// The body of `POST /payments` (§G.1), as far as the connector reads it; the rest (card,
/// items, addresses) is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct CreatePayment {
    pub payment_id: String,
    pub value: Money,
    pub transaction_id: Option<String>,
    pub order_id: Option<String>,
    pub reference: Option<String>,
    pub payment_method: Option<String>,
    pub currency: Option<String>,
    pub mini_cart: Option<MiniCart>,
    pub callback_url: Option<String>,
}

/// The body of `POST /payments/{paymentId}/settlements` or `/refunds` (§G.1), as far as the
/// connector reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ValueRequest {
    pub payment_id: String,
    pub request_id: String,
    pub value: Money,
}

/// The body of `POST /payments/{paymentId}/cancellations` (§G.1), as far as the connector
/// reads it (`value`, cents or units in VTEX's texts, is not read: a cancellation is whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CancelPayment {
    pub payment_id: String,
    pub request_id: String,
}

/// One settlement or refund the connector answered, by `requestId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "PaymentMovement"))]
pub struct Movement {
    pub request_id: String,
    /// `settleId` or `refundId`.
    pub id: String,
    pub value: Cents,
}

/// The cancellation the connector answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "PaymentCancellation"))]
pub struct Cancellation {
    pub request_id: String,
    pub cancellation_id: String,
}

/// The payment as the connector records it (one VBase record per `paymentId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Payment {
    pub payment_id: String,
    pub transaction_id: Option<String>,
    pub order_id: Option<String>,
    /// The ERP's credit account.
    pub customer: String,
    pub currency: Option<String>,
    /// The value asked, in cents.
    pub value: Cents,
    pub status: PaymentStatus,
    /// The ERP's hold, once approved.
    pub authorization_id: Option<String>,
    /// The last answer's code and shopper-readable message.
    pub code: Option<String>,
    pub message: Option<String>,
    /// How many times the ERP was asked for this payment.
    pub attempts: u32,
    pub settled: Cents,
    pub refunded: Cents,
    pub settlements: Vec<Movement>,
    pub refunds: Vec<Movement>,
    pub cancellation: Option<Cancellation>,
    /// The delays answered at creation (kept so every later answer is the same).
    pub delay_to_auto_settle: u64,
    pub delay_to_auto_settle_after_antifraud: u64,
    pub delay_to_cancel: u64,
    pub callback_url: Option<String>,
}

/// A customer's credit at the ERP, as the ERP reports it (cents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct CreditAccount {
    pub customer: String,
    pub limit: Cents,
    /// Holds not yet settled or released (this payment's own included, if placed).
    pub open_holds: Cents,
    /// Receivables not yet paid.
    pub unpaid_invoices: Cents,
    #[serde(default)]
    pub blocked: bool,
    pub currency: Option<String>,
    /// The hold already placed for this payment, when the ERP has one (a retry after a
    /// crash): the payment is approved on it rather than held twice.
    pub existing_hold: Option<Hold>,
}

/// A hold at the ERP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Hold {
    pub hold_id: String,
    pub value: Cents,
}

/// Available credit: limit − open holds − unpaid invoices, never below 0.
pub fn available(account: &CreditAccount) -> Cents {
    account
        .limit
        .saturating_sub(account.open_holds)
        .saturating_sub(account.unpaid_invoices)
}

/// Cents to the protocol's decimal units.
pub fn money(cents: Cents) -> Money {
    i64::try_from(cents)
        .ok()
        .and_then(Money::from_hundredths)
        .unwrap_or(Money::ZERO)
}

/// A positive amount in cents from the protocol's decimal `value`.
pub fn positive_cents(field: &'static str, value: Money) -> Result<Cents, PaymentError> {
    let h = value.hundredths();
    if h <= 0 || h > MAX_HUNDREDTHS {
        return Err(PaymentError::AmountInvalid {
            field,
            message: format!("{value} is not a positive amount"),
        });
    }
    Ok(h.unsigned_abs())
}

/// An identifier the connector keys a record or an idempotent answer by.
pub fn check_id(field: &'static str, value: &str) -> Result<(), PaymentError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(PaymentError::IdInvalid {
            field,
            value: value.chars().take(MAX_ID_LEN).collect(),
        })
    }
}
