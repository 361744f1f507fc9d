//! The card ledger (§G.2): a debit reserves value from the balance (a pre-authorisation),
//! settlements confirm part of it, cancellations give value back (first what is not settled,
//! then a refund of what was), and a credit adds to the balance. Every command is idempotent
//! by its `requestId`; a refused command changes nothing; the balance is never negative.

use super::error::{GiftCardError, GiftCardErrorCode as Code};
use crate::orders::Timestamp;
use crate::pricing::Money;
use serde::{Deserialize, Serialize};

/// The largest amount on a card, in cents: 10^15 (below 2^53, exact in a JS number).
pub const MAX_CENTS: i64 = crate::pricing::MAX_HUNDREDTHS;

/// The longest `requestId` taken.
pub const MAX_REQUEST_ID: usize = 128;

/// The most transactions one card record holds (a bound on the record, not a VTEX rule).
pub const MAX_TRANSACTIONS: usize = 10_000;

/// A transaction's kind (§G.2 `operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum TransactionOperation {
    Debit,
    Credit,
}

/// A settlement or a cancellation of a debit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "LedgerMovement"))]
pub struct Movement {
    /// The protocol's `oid`.
    pub id: String,
    pub value_cents: i64,
    pub request_id: String,
    pub date: Timestamp,
    /// For a cancellation: the part that refunds settled value (the rest released a hold).
    #[serde(default)]
    pub refunded_cents: i64,
}

/// One transaction on a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Transaction {
    pub id: String,
    pub operation: TransactionOperation,
    pub value_cents: i64,
    pub request_id: String,
    pub date: Timestamp,
    #[serde(default)]
    pub description: String,
    pub order_id: Option<String>,
    #[serde(default)]
    pub settlements: Vec<Movement>,
    #[serde(default)]
    pub cancellations: Vec<Movement>,
}

impl Transaction {
    /// Σ settlements.
    pub fn settled_cents(&self) -> i64 {
        self.settlements.iter().map(|m| m.value_cents).sum()
    }
    /// Σ cancellations (released holds and refunds).
    pub fn cancelled_cents(&self) -> i64 {
        self.cancellations.iter().map(|m| m.value_cents).sum()
    }
    /// The part of the cancellations that refunded settled value.
    pub fn refunded_cents(&self) -> i64 {
        self.cancellations.iter().map(|m| m.refunded_cents).sum()
    }
    /// The part of the cancellations that released unsettled value.
    pub fn released_cents(&self) -> i64 {
        self.cancelled_cents() - self.refunded_cents()
    }
    /// What a settlement may still confirm: authorised − settled − released.
    pub fn settleable_cents(&self) -> i64 {
        self.value_cents - self.settled_cents() - self.released_cents()
    }
    /// What a cancellation may still give back: authorised − Σ cancellations.
    pub fn cancellable_cents(&self) -> i64 {
        self.value_cents - self.cancelled_cents()
    }
    /// A debit still holding value (not wholly cancelled).
    pub fn holds(&self) -> bool {
        self.operation == TransactionOperation::Debit && self.cancellable_cents() > 0
    }
}

/// A card as Ponte keeps it: the protocol's fields, the available balance in cents and every
/// transaction with its settlements and cancellations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Card {
    pub id: String,
    pub redemption_code: String,
    pub redemption_token: Option<String>,
    /// The owner's profile id (`profileId` at creation).
    pub owner_id: Option<String>,
    #[serde(default)]
    pub relation_name: String,
    #[serde(default)]
    pub caption: String,
    pub restricted_to_owner: bool,
    pub multiple_redemptions: bool,
    pub multiple_credits: bool,
    pub currency_code: String,
    pub emission_date: Timestamp,
    pub expiring_date: Option<Timestamp>,
    /// What may still be debited, in cents.
    pub balance_cents: i64,
    #[serde(default)]
    pub transactions: Vec<Transaction>,
}

impl Card {
    /// Past its `expiringDate` at `at`.
    pub fn expired(&self, at: &Timestamp) -> bool {
        self.expiring_date.as_ref().is_some_and(|e| e <= at)
    }

    /// The value held by debits not yet settled nor cancelled.
    pub fn held_cents(&self) -> i64 {
        self.transactions
            .iter()
            .filter(|t| t.operation == TransactionOperation::Debit)
            .map(Transaction::settleable_cents)
            .sum()
    }

    fn transaction(&self, id: &str) -> Result<usize, GiftCardError> {
        self.transactions
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| {
                GiftCardError::new(
                    "transactionId",
                    Code::TransactionNotFound,
                    format!("card {:?} has no transaction {id:?}", self.id),
                )
            })
    }

    /// Checks the record's own consistency: a balance in range, every transaction's value
    /// positive, settlements within the authorisation, cancellations within it, refunds within
    /// what was settled.
    pub fn check(&self) -> Result<(), GiftCardError> {
        let bad = |m: String| GiftCardError::new("card", Code::CardStateInvalid, m);
        if !(0..=MAX_CENTS).contains(&self.balance_cents) {
            return Err(bad(format!("balance {} out of range", self.balance_cents)));
        }
        for t in &self.transactions {
            let movements = t.settlements.iter().chain(&t.cancellations);
            if !(1..=MAX_CENTS).contains(&t.value_cents)
                || movements
                    .clone()
                    .any(|m| !(1..=MAX_CENTS).contains(&m.value_cents) || m.refunded_cents < 0)
                || m_refund_exceeds(t)
            {
                return Err(bad(format!(
                    "transaction {:?} has values out of range",
                    t.id
                )));
            }
            if t.operation == TransactionOperation::Credit
                && !(t.settlements.is_empty() && t.cancellations.is_empty())
            {
                return Err(bad(format!("credit {:?} has settlements", t.id)));
            }
            if t.settleable_cents() < 0
                || t.cancellable_cents() < 0
                || t.refunded_cents() > t.settled_cents()
            {
                return Err(bad(format!(
                    "transaction {:?} settles or cancels more than it authorised",
                    t.id
                )));
            }
        }
        Ok(())
    }
}

fn m_refund_exceeds(t: &Transaction) -> bool {
    t.cancellations
        .iter()
        .any(|m| m.refunded_cents > m.value_cents)
}

/// What to do to a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Command {
    /// `POST /giftcards/{id}/transactions` with `operation: Debit`: a pre-authorisation.
    Debit(TransactionRequest),
    /// `POST /giftcards/{id}/transactions` with `operation: Credit`.
    Credit(TransactionRequest),
    /// `POST .../transactions/{tid}/settlements`.
    Settle(MovementRequest),
    /// `POST .../transactions/{tid}/cancellations`.
    Cancel(MovementRequest),
}

/// A transaction's body (§G.2), `value` in currency units as the protocol writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct TransactionRequest {
    pub value: Money,
    pub request_id: String,
    pub redemption_code: Option<String>,
    pub redemption_token: Option<String>,
    /// `orderInfo.clientProfile.id`: who pays (checked when the card is restricted to its owner).
    pub client_id: Option<String>,
    pub order_id: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// A settlement's or cancellation's body (§G.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MovementRequest {
    pub transaction_id: String,
    pub value: Money,
    pub request_id: String,
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct Effect {
    /// The transaction created or acted on.
    pub transaction_id: String,
    /// The settlement's or cancellation's `oid`.
    pub movement_id: Option<String>,
    /// The `requestId` was seen before: nothing changed, this is the first answer again.
    pub replayed: bool,
}

fn cents(value: Money) -> Result<i64, GiftCardError> {
    let c = value.hundredths();
    if c <= 0 {
        return Err(GiftCardError::new(
            "value",
            Code::ValueInvalid,
            format!("value {value} is not positive"),
        ));
    }
    Ok(c)
}

fn check_request_id(id: &str) -> Result<(), GiftCardError> {
    if id.trim().is_empty() || id.chars().count() > MAX_REQUEST_ID {
        return Err(GiftCardError::new(
            "requestId",
            Code::RequestIdInvalid,
            format!("a requestId has 1 to {MAX_REQUEST_ID} characters"),
        ));
    }
    Ok(())
}

fn conflict(path: &str, request_id: &str) -> GiftCardError {
    GiftCardError::new(
        path,
        Code::RequestIdConflict,
        format!("requestId {request_id:?} was already used for another command"),
    )
}

/// The card after `command` at `at`, with what it did. Refusals change nothing. A command whose
/// `requestId` was seen (a transaction's on the card, a movement's on its transaction) answers
/// the first effect with `replayed: true` when it asks the same thing, and is refused with
/// `GIFTCARD_REQUEST_ID_CONFLICT` when it asks something else.
pub fn apply(
    card: &Card,
    command: &Command,
    at: &Timestamp,
) -> Result<(Card, Effect), GiftCardError> {
    card.check()?;
    match command {
        Command::Debit(r) => transact(card, TransactionOperation::Debit, r, at),
        Command::Credit(r) => transact(card, TransactionOperation::Credit, r, at),
        Command::Settle(r) => movement(card, false, r, at),
        Command::Cancel(r) => movement(card, true, r, at),
    }
}

fn transact(
    card: &Card,
    operation: TransactionOperation,
    r: &TransactionRequest,
    at: &Timestamp,
) -> Result<(Card, Effect), GiftCardError> {
    check_request_id(&r.request_id)?;
    let value = cents(r.value)?;
    let code_ok = r.redemption_code.as_deref() == Some(card.redemption_code.as_str())
        || (card.redemption_token.is_some() && r.redemption_token == card.redemption_token);
    if !code_ok {
        return Err(GiftCardError::new(
            "redemptionCode",
            Code::RedemptionCodeInvalid,
            format!(
                "the redemption code or token does not match card {:?}",
                card.id
            ),
        ));
    }
    if let Some(t) = card
        .transactions
        .iter()
        .find(|t| t.request_id == r.request_id)
    {
        if t.operation != operation || t.value_cents != value {
            return Err(conflict("requestId", &r.request_id));
        }
        return Ok((
            card.clone(),
            Effect {
                transaction_id: t.id.clone(),
                movement_id: None,
                replayed: true,
            },
        ));
    }
    if card.expired(at) {
        return Err(GiftCardError::new(
            "giftCardId",
            Code::CardExpired,
            format!("card {:?} expired", card.id),
        ));
    }
    if card.transactions.len() >= MAX_TRANSACTIONS {
        return Err(GiftCardError::new(
            "giftCardId",
            Code::CardStateInvalid,
            format!("card {:?} holds {MAX_TRANSACTIONS} transactions", card.id),
        ));
    }
    let mut next = card.clone();
    match operation {
        TransactionOperation::Debit => {
            if card.restricted_to_owner && (card.owner_id.is_none() || r.client_id != card.owner_id)
            {
                return Err(GiftCardError::new(
                    "orderInfo.clientProfile",
                    Code::NotOwner,
                    format!("card {:?} is restricted to its owner", card.id),
                ));
            }
            if !card.multiple_redemptions && card.transactions.iter().any(Transaction::holds) {
                return Err(GiftCardError::new(
                    "giftCardId",
                    Code::RedemptionUsed,
                    format!("card {:?} takes one redemption", card.id),
                ));
            }
            if value > card.balance_cents {
                return Err(GiftCardError::new(
                    "value",
                    Code::InsufficientBalance,
                    format!(
                        "debit of {} above the balance of {}",
                        r.value,
                        show(card.balance_cents)
                    ),
                ));
            }
            next.balance_cents -= value;
        }
        TransactionOperation::Credit => {
            if !card.multiple_credits
                && card
                    .transactions
                    .iter()
                    .any(|t| t.operation == TransactionOperation::Credit)
            {
                return Err(GiftCardError::new(
                    "giftCardId",
                    Code::CreditUsed,
                    format!("card {:?} takes one credit", card.id),
                ));
            }
            next.balance_cents = card
                .balance_cents
                .checked_add(value)
                .filter(|b| *b <= MAX_CENTS)
                .ok_or_else(|| {
                    GiftCardError::new("value", Code::ValueInvalid, "the balance would overflow")
                })?;
        }
    }
    let id = format!("t{}", card.transactions.len() + 1);
    next.transactions.push(Transaction {
        id: id.clone(),
        operation,
        value_cents: value,
        request_id: r.request_id.clone(),
        date: at.clone(),
        description: r.description.clone(),
        order_id: r.order_id.clone(),
        settlements: Vec::new(),
        cancellations: Vec::new(),
    });
    Ok((
        next,
        Effect {
            transaction_id: id,
            movement_id: None,
            replayed: false,
        },
    ))
}

fn movement(
    card: &Card,
    cancel: bool,
    r: &MovementRequest,
    at: &Timestamp,
) -> Result<(Card, Effect), GiftCardError> {
    check_request_id(&r.request_id)?;
    let value = cents(r.value)?;
    let i = card.transaction(&r.transaction_id)?;
    let t = &card.transactions[i];
    if t.operation != TransactionOperation::Debit {
        return Err(GiftCardError::new(
            "transactionId",
            Code::NotADebit,
            format!("transaction {:?} is a credit", t.id),
        ));
    }
    let (same, other) = if cancel {
        (&t.cancellations, &t.settlements)
    } else {
        (&t.settlements, &t.cancellations)
    };
    if other.iter().any(|m| m.request_id == r.request_id) {
        return Err(conflict("requestId", &r.request_id));
    }
    if let Some(m) = same.iter().find(|m| m.request_id == r.request_id) {
        if m.value_cents != value {
            return Err(conflict("requestId", &r.request_id));
        }
        return Ok((
            card.clone(),
            Effect {
                transaction_id: t.id.clone(),
                movement_id: Some(m.id.clone()),
                replayed: true,
            },
        ));
    }
    let mut next = card.clone();
    let nt = &mut next.transactions[i];
    let movement_id;
    if cancel {
        if value > t.cancellable_cents() {
            return Err(GiftCardError::new(
                "value",
                Code::CancelAboveAuthorized,
                format!(
                    "cancelling {} of transaction {:?}: only {} is left to cancel",
                    r.value,
                    t.id,
                    show(t.cancellable_cents())
                ),
            ));
        }
        let released = value.min(t.settleable_cents());
        movement_id = format!("{}-c{}", t.id, t.cancellations.len() + 1);
        nt.cancellations.push(Movement {
            id: movement_id.clone(),
            value_cents: value,
            request_id: r.request_id.clone(),
            date: at.clone(),
            refunded_cents: value - released,
        });
        // Bounded: the card's balance plus what this debit took from it.
        next.balance_cents += value;
    } else {
        if value > t.settleable_cents() {
            return Err(GiftCardError::new(
                "value",
                Code::SettleAboveAuthorized,
                format!(
                    "settling {} of transaction {:?}: only {} is authorised and not settled or cancelled",
                    r.value,
                    t.id,
                    show(t.settleable_cents())
                ),
            ));
        }
        movement_id = format!("{}-s{}", t.id, t.settlements.len() + 1);
        nt.settlements.push(Movement {
            id: movement_id.clone(),
            value_cents: value,
            request_id: r.request_id.clone(),
            date: at.clone(),
            refunded_cents: 0,
        });
    }
    if next.balance_cents > MAX_CENTS {
        return Err(GiftCardError::new(
            "value",
            Code::ValueInvalid,
            "the balance would overflow",
        ));
    }
    Ok((
        next,
        Effect {
            transaction_id: r.transaction_id.clone(),
            movement_id: Some(movement_id),
            replayed: false,
        },
    ))
}

/// Cents as the protocol's decimal (`12.5`).
pub fn show(cents: i64) -> Money {
    Money::from_hundredths(cents).unwrap_or(Money::ZERO)
}
