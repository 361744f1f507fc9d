use super::*;
use crate::orders::Timestamp;
use crate::pricing::Money;

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("date")
}

fn money(cents: i64) -> Money {
    Money::from_hundredths(cents).expect("money")
}

fn card(balance: i64) -> Card {
    create_gift_card(&CreateCardRequest {
        id: "card1".into(),
        redemption_code: "ABC123".into(),
        redemption_token: None,
        relation_name: "loyalty".into(),
        caption: "store credit".into(),
        profile_id: Some("p1".into()),
        emission_date: Some("2026-01-01T00:00:00Z".into()),
        expiring_date: Some("2027-01-01T00:00:00Z".into()),
        restricted_to_owner: false,
        multiple_redemptions: true,
        multiple_credits: true,
        currency_code: "BRL".into(),
        balance_cents: balance,
        now: at("2026-01-01T00:00:00Z"),
    })
    .expect("card")
}

fn tx(value: i64, rid: &str) -> TransactionRequest {
    TransactionRequest {
        value: money(value),
        request_id: rid.into(),
        redemption_code: Some("ABC123".into()),
        redemption_token: None,
        client_id: Some("p1".into()),
        order_id: Some("o1".into()),
        description: String::new(),
    }
}

fn mv(tid: &str, value: i64, rid: &str) -> MovementRequest {
    MovementRequest {
        transaction_id: tid.into(),
        value: money(value),
        request_id: rid.into(),
    }
}

const NOW: &str = "2026-06-01T12:00:00Z";

fn run(c: &Card, cmd: Command) -> Result<(Card, Effect), GiftCardError> {
    apply(c, &cmd, &at(NOW))
}

fn code(r: Result<(Card, Effect), GiftCardError>) -> &'static str {
    r.expect_err("refused").code()
}

#[test]
fn debit_settle_cancel_and_refund() {
    let c = card(10_000);
    let (c, e) = run(&c, Command::Debit(tx(6_000, "r1"))).expect("debit");
    assert_eq!(c.balance_cents, 4_000);
    assert_eq!(c.held_cents(), 6_000);
    let tid = e.transaction_id;
    let (c, _) = run(&c, Command::Settle(mv(&tid, 2_500, "s1"))).expect("settle");
    assert_eq!(c.balance_cents, 4_000);
    assert_eq!(
        code(run(&c, Command::Settle(mv(&tid, 3_501, "s2")))),
        "GIFTCARD_SETTLE_ABOVE_AUTHORIZED"
    );
    // Cancel 4,000: releases the 3,500 unsettled, refunds 500 of the settled.
    let (c, e) = run(&c, Command::Cancel(mv(&tid, 4_000, "c1"))).expect("cancel");
    assert_eq!(e.movement_id.as_deref(), Some("t1-c1"));
    assert_eq!(c.balance_cents, 8_000);
    let t = &c.transactions[0];
    assert_eq!((t.released_cents(), t.refunded_cents()), (3_500, 500));
    assert_eq!(t.settleable_cents(), 0);
    assert_eq!(
        code(run(&c, Command::Settle(mv(&tid, 1, "s3")))),
        "GIFTCARD_SETTLE_ABOVE_AUTHORIZED"
    );
    // Refund the rest of what was settled, not more.
    assert_eq!(
        code(run(&c, Command::Cancel(mv(&tid, 2_001, "c2")))),
        "GIFTCARD_CANCEL_ABOVE_AUTHORIZED"
    );
    let (c, _) = run(&c, Command::Cancel(mv(&tid, 2_000, "c2"))).expect("refund");
    assert_eq!(c.balance_cents, 10_000);
}

#[test]
fn a_repeated_request_id_changes_nothing() {
    let c = card(10_000);
    let (c1, e1) = run(&c, Command::Debit(tx(6_000, "r1"))).expect("debit");
    let (c2, e2) = run(&c1, Command::Debit(tx(6_000, "r1"))).expect("replay");
    assert_eq!(c1, c2);
    assert!(e2.replayed && !e1.replayed);
    assert_eq!(e1.transaction_id, e2.transaction_id);
    assert_eq!(
        code(run(&c1, Command::Debit(tx(5_000, "r1")))),
        "GIFTCARD_REQUEST_ID_CONFLICT"
    );
    assert_eq!(
        code(run(&c1, Command::Credit(tx(6_000, "r1")))),
        "GIFTCARD_REQUEST_ID_CONFLICT"
    );
    let (c3, _) = run(&c1, Command::Settle(mv("t1", 100, "s1"))).expect("settle");
    let (c4, e) = run(&c3, Command::Settle(mv("t1", 100, "s1"))).expect("replay");
    assert!(e.replayed);
    assert_eq!(c3, c4);
    assert_eq!(
        code(run(&c3, Command::Cancel(mv("t1", 100, "s1")))),
        "GIFTCARD_REQUEST_ID_CONFLICT"
    );
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let c = card(1_000);
    assert_eq!(
        code(run(&c, Command::Debit(tx(1_001, "r1")))),
        "GIFTCARD_INSUFFICIENT_BALANCE"
    );
    let mut wrong = tx(10, "r1");
    wrong.redemption_code = Some("WRONG1".into());
    assert_eq!(
        code(run(&c, Command::Debit(wrong))),
        "GIFTCARD_REDEMPTION_CODE_INVALID"
    );
    assert_eq!(
        code(run(&c, Command::Debit(tx(0, "r1")))),
        "GIFTCARD_VALUE_INVALID"
    );
    assert_eq!(
        code(run(&c, Command::Debit(tx(-5, "r1")))),
        "GIFTCARD_VALUE_INVALID"
    );
    assert_eq!(
        code(run(&c, Command::Debit(tx(5, " ")))),
        "GIFTCARD_REQUEST_ID_INVALID"
    );
    assert_eq!(
        code(run(&c, Command::Settle(mv("t9", 5, "s")))),
        "GIFTCARD_TRANSACTION_NOT_FOUND"
    );
    let (c, _) = run(&c, Command::Credit(tx(5, "cr"))).expect("credit");
    assert_eq!(
        code(run(&c, Command::Settle(mv("t1", 5, "s")))),
        "GIFTCARD_NOT_A_DEBIT"
    );
}

#[test]
fn expiry_owner_and_single_use_flags() {
    let mut c = card(1_000);
    assert_eq!(
        apply(&c, &Command::Debit(tx(1, "r")), &at("2027-01-01T00:00:00Z"))
            .expect_err("expired")
            .code(),
        "GIFTCARD_EXPIRED"
    );
    c.restricted_to_owner = true;
    let mut other = tx(1, "r");
    other.client_id = Some("p2".into());
    assert_eq!(
        code(run(&c, Command::Debit(other))),
        "GIFTCARD_RESTRICTED_TO_OWNER"
    );
    assert!(run(&c, Command::Debit(tx(1, "r"))).is_ok());
    c.multiple_redemptions = false;
    c.multiple_credits = false;
    let (c1, _) = run(&c, Command::Debit(tx(100, "a"))).expect("first");
    assert_eq!(
        code(run(&c1, Command::Debit(tx(100, "b")))),
        "GIFTCARD_SINGLE_REDEMPTION_USED"
    );
    // A wholly cancelled redemption frees the card again.
    let (c2, _) = run(&c1, Command::Cancel(mv("t1", 100, "c"))).expect("cancel");
    assert!(run(&c2, Command::Debit(tx(100, "b"))).is_ok());
    let (c3, _) = run(&c, Command::Credit(tx(100, "x"))).expect("credit");
    assert_eq!(
        code(run(&c3, Command::Credit(tx(100, "y")))),
        "GIFTCARD_SINGLE_CREDIT_USED"
    );
}

#[test]
fn a_broken_record_is_refused() {
    let mut c = card(1_000);
    c.balance_cents = -1;
    assert_eq!(
        code(run(&c, Command::Credit(tx(1, "r")))),
        "GIFTCARD_STATE_INVALID"
    );
}

#[test]
fn search_lists_usable_cards_by_range() {
    let mut cards = Vec::new();
    for i in 0..5 {
        let mut c = card(100 * i);
        c.id = format!("c{i}");
        c.redemption_code = format!("CODE{i:04}");
        cards.push(c);
    }
    cards[3].owner_id = Some("someone".into());
    cards[3].restricted_to_owner = true;
    cards[4].owner_id = None;
    let req = |range: Option<&str>, code: Option<&str>| GiftCardSearchRequest {
        cards: cards.clone(),
        client: SearchClient {
            id: Some("p1".into()),
            ..SearchClient::default()
        },
        redemption_code: code.map(str::to_string),
        range: range.map(str::to_string),
        provider: "ponte".into(),
        base_href: "/giftcards".into(),
        now: at(NOW),
    };
    let r = search_gift_cards(&req(None, None)).expect("search");
    // c0 has no balance, c3 is someone else's, c4 has no owner and no code typed.
    let ids: Vec<_> = r.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2"]);
    assert_eq!(r.content_range, "resources 0-1/2");
    assert_eq!(r.items[0].self_.href, "/giftcards/c1");
    let r = search_gift_cards(&req(Some("resources=1-1"), Some("CODE0004"))).expect("search");
    assert_eq!(r.total, 3);
    assert_eq!(
        r.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["c2"]
    );
    assert_eq!(r.content_range, "resources 1-1/3");
    let restricted = search_gift_cards(&req(None, Some("CODE0003"))).expect("search");
    assert_eq!(restricted.total, 2);
    assert_eq!(
        search_gift_cards(&req(Some("items=0-1"), None))
            .expect_err("range")
            .code(),
        "GIFTCARD_RANGE_INVALID"
    );
    assert_eq!(
        search_gift_cards(&req(None, Some("abc")))
            .expect_err("short")
            .code(),
        "GIFTCARD_REDEMPTION_CODE_TOO_SHORT"
    );
}

#[test]
fn the_view_writes_decimals() {
    let c = card(1_050);
    let (c, _) = run(&c, Command::Debit(tx(50, "r"))).expect("debit");
    let v = gift_card_view(&GiftCardViewRequest {
        card: c,
        base_href: "/giftcards/card1".into(),
    })
    .expect("view");
    let json = serde_json::to_value(&v).expect("json");
    assert_eq!(json["balance"], serde_json::json!(10));
    assert_eq!(json["transactionViews"][0]["value"], serde_json::json!(0.5));
    assert_eq!(
        json["transactionViews"][0]["_self"]["href"],
        "/giftcards/card1/transactions/t1"
    );
}

#[test]
fn creation_rules() {
    let base = CreateCardRequest {
        id: "x".into(),
        redemption_code: "ABCDEF".into(),
        redemption_token: None,
        relation_name: String::new(),
        caption: String::new(),
        profile_id: None,
        emission_date: None,
        expiring_date: None,
        restricted_to_owner: false,
        multiple_redemptions: false,
        multiple_credits: false,
        currency_code: "BRL".into(),
        balance_cents: 0,
        now: at(NOW),
    };
    assert_eq!(create_gift_card(&base).expect("ok").balance_cents, 0);
    let mut r = base.clone();
    r.redemption_code = "ABC".into();
    assert_eq!(
        create_gift_card(&r).expect_err("e").code(),
        "GIFTCARD_REDEMPTION_CODE_TOO_SHORT"
    );
    let mut r = base.clone();
    r.currency_code = "real".into();
    assert_eq!(
        create_gift_card(&r).expect_err("e").code(),
        "GIFTCARD_INVALID"
    );
    let mut r = base.clone();
    r.restricted_to_owner = true;
    assert_eq!(
        create_gift_card(&r).expect_err("e").code(),
        "GIFTCARD_INVALID"
    );
    let mut r = base;
    r.expiring_date = Some("2020-01-01T00:00:00Z".into());
    assert_eq!(
        create_gift_card(&r).expect_err("e").code(),
        "GIFTCARD_INVALID"
    );
}
