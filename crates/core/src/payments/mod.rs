//! Payments on account (§G.1): the ERP-backed connector of the Payment Provider Protocol.
//!
//! B2B stores sell "on account" against a credit limit the ERP keeps. The connector answers
//! VTEX's Payment Gateway; this module holds its rules as pure functions:
//!
//! - [`Payment`] and [`PaymentStatus`]: created → approved | denied | undefined; approved →
//!   settled (in parts) → refunded (their sum at most what was settled); approved or
//!   undefined → canceled (§G.1's state machine, from the connector's side).
//! - [`authorize`]: `POST /payments` as a conversation with the ERP's credit: a decided payment
//!   answers from its record (idempotent by `paymentId`, never a second authorisation);
//!   otherwise the record is written first, the account read, [`credit_decision`] applied
//!   (available = limit − open holds − unpaid invoices, as the ERP reports them), a hold placed
//!   (the ERP refuses a hold its own check finds short, so two purchases never spend the same
//!   credit), and an ERP that cannot answer in time leaves the payment undefined.
//! - [`settle`], [`refund`], [`cancel`]: each idempotent by `requestId`, with the ERP action
//!   ([`ErpCreditAction`]) to perform before the record is written and the answer sent.
//! - Amounts: the protocol's decimal `value` is read digit by digit into integer cents
//!   ([`crate::pricing::Money`]); a value with more than two decimals is refused.
//! - Delays within VTEX's bounds ([`PaymentSettings::check`]).

mod error;
mod machine;
mod model;
pub mod ops;

pub use error::PaymentError;
pub use machine::*;
pub use model::*;

#[cfg(test)]
mod tests;
