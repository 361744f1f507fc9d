//! The gift card operations as request → response functions, for the operation table.

use super::error::{GiftCardError, GiftCardErrorCode as Code};
use super::ledger::{Card, Command, Effect, Transaction, apply, show};
use crate::orders::Timestamp;
use crate::pricing::Money;
use serde::{Deserialize, Serialize};

/// The shortest redemption code (§G.2: "6+ characters").
pub const MIN_REDEMPTION_CODE: usize = 6;

/// The most cards one search answers (a `REST-Range` wider than this is cut).
pub const MAX_RANGE: u64 = 100;

/// Input of [`create_gift_card`]: `POST /giftcards`'s body (§G.2), with the id and redemption
/// code the service drew and the instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct CreateCardRequest {
    pub id: String,
    pub redemption_code: String,
    pub redemption_token: Option<String>,
    #[serde(default)]
    pub relation_name: String,
    #[serde(default)]
    pub caption: String,
    pub profile_id: Option<String>,
    pub emission_date: Option<String>,
    pub expiring_date: Option<String>,
    #[serde(default)]
    pub restricted_to_owner: bool,
    #[serde(default)]
    pub multiple_redemptions: bool,
    #[serde(default)]
    pub multiple_credits: bool,
    pub currency_code: String,
    /// The balance the card starts with, in cents (0 for `POST /giftcards`; the ERP's balance
    /// when Ponte first takes over a card the ERP holds).
    #[serde(default)]
    pub balance_cents: i64,
    pub now: Timestamp,
}

fn invalid(path: &str, m: impl Into<String>) -> GiftCardError {
    GiftCardError::new(path, Code::CardInvalid, m)
}

/// A new card (§G.2 `POST /giftcards`): balance as given (0 by the protocol), no transaction.
/// Refused: an empty id, a redemption code under 6 characters, a currency that is not three
/// capital letters, unreadable dates, an expiry not after the emission, a card restricted to
/// an owner without one, a starting balance out of range.
pub fn create_gift_card(r: &CreateCardRequest) -> Result<Card, GiftCardError> {
    if r.id.trim().is_empty() || r.id.len() > 128 {
        return Err(invalid("id", "a card id has 1 to 128 characters"));
    }
    if r.redemption_code.chars().count() < MIN_REDEMPTION_CODE {
        return Err(GiftCardError::new(
            "redemptionCode",
            Code::RedemptionCodeTooShort,
            format!("a redemption code has at least {MIN_REDEMPTION_CODE} characters"),
        ));
    }
    if r.currency_code.len() != 3 || !r.currency_code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid("currencyCode", "an ISO 4217 code such as BRL"));
    }
    let date = |path: &str, s: &Option<String>| -> Result<Option<Timestamp>, GiftCardError> {
        s.as_deref()
            .map(|s| Timestamp::parse_lenient(s).ok_or_else(|| invalid(path, "not a date")))
            .transpose()
    };
    let emission = date("emissionDate", &r.emission_date)?.unwrap_or_else(|| r.now.clone());
    let expiring = date("expiringDate", &r.expiring_date)?;
    if expiring.as_ref().is_some_and(|e| e <= &emission) {
        return Err(invalid(
            "expiringDate",
            "the card expires before it is emitted",
        ));
    }
    let owner = r.profile_id.clone().filter(|p| !p.trim().is_empty());
    if r.restricted_to_owner && owner.is_none() {
        return Err(invalid(
            "profileId",
            "a card restricted to its owner needs one",
        ));
    }
    if !(0..=super::MAX_CENTS).contains(&r.balance_cents) {
        return Err(GiftCardError::new(
            "balanceCents",
            Code::ValueInvalid,
            "a starting balance in range",
        ));
    }
    Ok(Card {
        id: r.id.clone(),
        redemption_code: r.redemption_code.clone(),
        redemption_token: r.redemption_token.clone(),
        owner_id: owner,
        relation_name: r.relation_name.clone(),
        caption: r.caption.clone(),
        restricted_to_owner: r.restricted_to_owner,
        multiple_redemptions: r.multiple_redemptions,
        multiple_credits: r.multiple_credits,
        currency_code: r.currency_code.clone(),
        emission_date: emission,
        expiring_date: expiring,
        balance_cents: r.balance_cents,
        transactions: Vec::new(),
    })
}

/// Input of [`gift_card_command`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GiftCardCommandRequest {
    pub card: Card,
    pub command: Command,
    pub now: Timestamp,
}

/// Output of [`gift_card_command`]: the card to write (unchanged on a replay) and the effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GiftCardCommandResponse {
    pub card: Card,
    pub effect: Effect,
}

/// [`apply`] as an operation.
pub fn gift_card_command(
    r: &GiftCardCommandRequest,
) -> Result<GiftCardCommandResponse, GiftCardError> {
    apply(&r.card, &r.command, &r.now)
        .map(|(card, effect)| GiftCardCommandResponse { card, effect })
}

/// `_search`'s `client` (§G.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct SearchClient {
    pub id: Option<String>,
    pub email: Option<String>,
    pub document: Option<String>,
}

/// Input of [`search_gift_cards`]: the candidate cards (the shopper's and the one whose code
/// was typed), the search body's client and `cart.redemptionCode`, the `REST-Range` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct GiftCardSearchRequest {
    pub cards: Vec<Card>,
    #[serde(default)]
    pub client: SearchClient,
    pub redemption_code: Option<String>,
    pub range: Option<String>,
    /// The provider's name in the Hub (`provider` of each item).
    pub provider: String,
    /// The `_self.href` prefix (`/giftcards`).
    pub base_href: String,
    pub now: Timestamp,
}

/// One card of `_search`'s answer (§G.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchItem {
    pub id: String,
    pub provider: String,
    pub balance: Money,
    #[serde(rename = "_self")]
    pub self_: Href,
}

/// `{href}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Href {
    pub href: String,
}

/// Output of [`search_gift_cards`]: the page and the `Content-Range` header to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GiftCardSearchResponse {
    pub items: Vec<SearchItem>,
    pub total: u64,
    pub content_range: String,
}

/// `REST-Range: resources=<from>-<to>` (inclusive, §G.2) as `(from, to)`; absent: `0-49`.
/// A range wider than [`MAX_RANGE`] is cut to it.
pub fn parse_rest_range(header: Option<&str>) -> Result<(u64, u64), GiftCardError> {
    let Some(h) = header.map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok((0, 49));
    };
    let bad = || {
        GiftCardError::new(
            "REST-Range",
            Code::RangeInvalid,
            "expected resources=<from>-<to>",
        )
    };
    let rest = h.strip_prefix("resources=").ok_or_else(bad)?;
    let (a, b) = rest.split_once('-').ok_or_else(bad)?;
    let num = |s: &str| -> Result<u64, GiftCardError> {
        let s = s.trim();
        if s.is_empty() || s.len() > 9 || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let (from, to) = (num(a)?, num(b)?);
    if from > to {
        return Err(bad());
    }
    Ok((from, to.min(from + MAX_RANGE - 1)))
}

/// The cards checkout may offer the shopper (§G.2 `_search`): those the client owns (by
/// profile id) and the one whose redemption code was typed (unless restricted to someone
/// else), not expired, with a positive balance, by id; then the `REST-Range` page.
pub fn search_gift_cards(
    r: &GiftCardSearchRequest,
) -> Result<GiftCardSearchResponse, GiftCardError> {
    let (from, to) = parse_rest_range(r.range.as_deref())?;
    if let Some(code) = r.redemption_code.as_deref().filter(|c| !c.is_empty())
        && code.chars().count() < MIN_REDEMPTION_CODE
    {
        return Err(GiftCardError::new(
            "cart.redemptionCode",
            Code::RedemptionCodeTooShort,
            format!("a redemption code has at least {MIN_REDEMPTION_CODE} characters"),
        ));
    }
    let client = r.client.id.as_deref().filter(|c| !c.is_empty());
    let mut usable: Vec<&Card> = r
        .cards
        .iter()
        .filter(|c| c.check().is_ok())
        .filter(|c| {
            let owned = client.is_some() && c.owner_id.as_deref() == client;
            let typed = r.redemption_code.as_deref() == Some(c.redemption_code.as_str());
            owned || (typed && !c.restricted_to_owner)
        })
        .filter(|c| !c.expired(&r.now) && c.balance_cents > 0)
        .collect();
    usable.sort_by(|a, b| a.id.cmp(&b.id));
    usable.dedup_by(|a, b| a.id == b.id);
    let total = usable.len() as u64;
    let items: Vec<SearchItem> = usable
        .iter()
        .skip(from as usize)
        .take((to - from + 1) as usize)
        .map(|c| SearchItem {
            id: c.id.clone(),
            provider: r.provider.clone(),
            balance: show(c.balance_cents),
            self_: Href {
                href: format!("{}/{}", r.base_href, c.id),
            },
        })
        .collect();
    let content_range = if items.is_empty() {
        format!("resources */{total}")
    } else {
        format!("resources {from}-{}/{total}", from + items.len() as u64 - 1)
    };
    Ok(GiftCardSearchResponse {
        items,
        total,
        content_range,
    })
}

/// Input of [`gift_card_view`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GiftCardViewRequest {
    pub card: Card,
    /// The card's href (`/giftcards/{id}`).
    pub base_href: String,
}

/// `GET /giftcards/{id}` (§G.2), with every transaction's own views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct CardView {
    pub id: String,
    pub redemption_token: Option<String>,
    pub redemption_code: String,
    pub balance: Money,
    pub emission_date: Timestamp,
    pub expiring_date: Option<Timestamp>,
    pub currency_code: String,
    pub discount: bool,
    pub transactions: Href,
    /// Not part of the card's answer: each transaction's (`GET .../transactions/{tid}` and
    /// its sub-resources), for the service to pick from.
    pub transaction_views: Vec<TransactionView>,
}

/// `GET .../transactions/{tid}` (§G.2) and its sub-resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TransactionView {
    pub id: String,
    pub card_id: String,
    pub value: Money,
    pub description: String,
    pub date: Timestamp,
    pub request_id: String,
    pub operation: super::TransactionOperation,
    pub settlement: Href,
    pub cancellation: Href,
    pub authorization: Href,
    #[serde(rename = "_self")]
    pub self_: Href,
    /// `GET .../authorization`.
    pub authorization_record: MovementView,
    pub settlements: Vec<MovementView>,
    pub cancellations: Vec<MovementView>,
}

/// `{oid, value, date}` (§G.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MovementView {
    pub oid: String,
    pub value: Money,
    pub date: Timestamp,
}

fn transaction_view(card: &Card, base: &str, t: &Transaction) -> TransactionView {
    let href = format!("{base}/transactions/{}", t.id);
    let mv = |m: &super::Movement| MovementView {
        oid: m.id.clone(),
        value: show(m.value_cents),
        date: m.date.clone(),
    };
    TransactionView {
        id: t.id.clone(),
        card_id: card.id.clone(),
        value: show(t.value_cents),
        description: t.description.clone(),
        date: t.date.clone(),
        request_id: t.request_id.clone(),
        operation: t.operation,
        settlement: Href {
            href: format!("{href}/settlements"),
        },
        cancellation: Href {
            href: format!("{href}/cancellations"),
        },
        authorization: Href {
            href: format!("{href}/authorization"),
        },
        self_: Href { href },
        authorization_record: MovementView {
            oid: format!("{}-a", t.id),
            value: show(t.value_cents),
            date: t.date.clone(),
        },
        settlements: t.settlements.iter().map(mv).collect(),
        cancellations: t.cancellations.iter().map(mv).collect(),
    }
}

/// The card as the protocol shows it (§G.2), values in currency units.
pub fn gift_card_view(r: &GiftCardViewRequest) -> Result<CardView, GiftCardError> {
    let c = &r.card;
    c.check()?;
    Ok(CardView {
        id: c.id.clone(),
        redemption_token: c.redemption_token.clone(),
        redemption_code: c.redemption_code.clone(),
        balance: show(c.balance_cents),
        emission_date: c.emission_date.clone(),
        expiring_date: c.expiring_date.clone(),
        currency_code: c.currency_code.clone(),
        discount: false,
        transactions: Href {
            href: format!("{}/transactions", r.base_href),
        },
        transaction_views: c
            .transactions
            .iter()
            .map(|t| transaction_view(c, &r.base_href, t))
            .collect(),
    })
}
