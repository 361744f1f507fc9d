//! Gift cards (§G.2): the card ledger Ponte keeps for the Gift Card Provider Protocol.
//!
//! - [`ledger`]: the card, its transactions and the commands on it ([`apply`]): a debit is a
//!   pre-authorisation taken from the balance (refused above it), settlements confirm it (Σ ≤
//!   authorised − released), cancellations give value back (Σ ≤ authorised: first the unsettled
//!   hold, then a refund of what was settled), a credit adds to the balance; expiry,
//!   `restrictedToOwner`, `multipleRedemptions` and `multipleCredits`; a repeated `requestId`
//!   answers the first effect and never changes a balance. The balance is never negative.
//! - [`ops`]: creating a card, the shopper's search with `REST-Range`, the protocol's views
//!   (values back in currency units) and the command operation.
//!
//! Amounts are integer cents inside; the protocol's decimals are read and written through
//! [`crate::pricing::Money`] (no float arithmetic).

pub mod error;
pub mod ledger;
pub mod ops;
#[cfg(test)]
mod tests;

pub use error::{GiftCardError, GiftCardErrorCode};
pub use ledger::{
    Card, Command, Effect, MAX_CENTS, Movement, MovementRequest, Transaction, TransactionOperation,
    TransactionRequest, apply, show,
};
pub use ops::{
    CardView, CreateCardRequest, GiftCardCommandRequest, GiftCardCommandResponse,
    GiftCardSearchRequest, GiftCardSearchResponse, GiftCardViewRequest, SearchClient, SearchItem,
    create_gift_card, gift_card_command, gift_card_view, parse_rest_range, search_gift_cards,
};
