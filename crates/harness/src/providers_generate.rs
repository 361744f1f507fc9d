//! Requests for the gift card and anti-fraud operations (§G.2, §G.3): cards built by the core
//! itself (created, then random commands applied), commands with reused request ids, protocol
//! bodies and ERP facts, for the property tests and the native/wasm/Node differential.

use crate::bench::SplitMix;
use crate::giftcards_model::RefCommand;
use ponte_core::antifraud::{
    AntifraudOpenRequest, Event, RiskFacts, RiskPolicy, antifraud_event, antifraud_open,
};
use ponte_core::giftcards::{
    Card, Command, CreateCardRequest, MovementRequest, TransactionRequest, apply, create_gift_card,
};
use ponte_core::orders::Timestamp;
use ponte_core::pricing::Money;
use serde_json::{Value, json};

/// The provider operations, in ABI names.
pub const PROVIDER_OPS: [&str; 9] = [
    "createGiftCard",
    "giftCardCommand",
    "searchGiftCards",
    "giftCardView",
    "antifraudOpen",
    "antifraudUpdate",
    "antifraudEvent",
    "antifraudPreAnalysis",
    "antifraudScore",
];

/// The redemption code of generated cards.
pub const CODE: &str = "CODE-0001";

/// An instant `minutes` after 2026-06-01T12:00:00Z.
pub fn instant(minutes: i64) -> Timestamp {
    Timestamp::from_unix_seconds(1_780_315_200 + minutes * 60).unwrap_or_else(|| {
        Timestamp::parse("2026-06-01T12:00:00Z").unwrap_or_else(|| unreachable!())
    })
}

/// A fresh card with `balance` cents and the flags.
pub fn new_card(
    id: &str,
    balance: i64,
    single_redemption: bool,
    single_credit: bool,
) -> Option<Card> {
    create_gift_card(&CreateCardRequest {
        id: id.to_string(),
        redemption_code: CODE.to_string(),
        redemption_token: None,
        relation_name: "loyalty".into(),
        caption: "store credit".into(),
        profile_id: Some("shopper-1".into()),
        emission_date: None,
        expiring_date: Some("2030-01-01T00:00:00Z".into()),
        restricted_to_owner: false,
        multiple_redemptions: !single_redemption,
        multiple_credits: !single_credit,
        currency_code: "BRL".into(),
        balance_cents: balance,
        now: instant(0),
    })
    .ok()
}

/// The core's command for a reference command (transaction `i` is the core's `t{i+1}`).
pub fn core_command(c: &RefCommand) -> Command {
    let money = |v: i64| Money::from_hundredths(v).unwrap_or(Money::ZERO);
    let tx = |value: i64, rid: &str| TransactionRequest {
        value: money(value),
        request_id: rid.to_string(),
        redemption_code: Some(CODE.to_string()),
        redemption_token: None,
        client_id: Some("shopper-1".into()),
        order_id: None,
        description: String::new(),
    };
    let mv = |i: usize, value: i64, rid: &str| MovementRequest {
        transaction_id: format!("t{}", i + 1),
        value: money(value),
        request_id: rid.to_string(),
    };
    match c {
        RefCommand::Debit { value, rid } => Command::Debit(tx(*value, rid)),
        RefCommand::Credit { value, rid } => Command::Credit(tx(*value, rid)),
        RefCommand::Settle { tx: i, value, rid } => Command::Settle(mv(*i, *value, rid)),
        RefCommand::Cancel { tx: i, value, rid } => Command::Cancel(mv(*i, *value, rid)),
    }
}

/// A random command: values up to `scale` cents, request ids from a small pool so they repeat.
pub fn ref_command(rng: &mut SplitMix, txs: usize, scale: i64) -> RefCommand {
    let value = 1 + (rng.next_u64() % scale.max(1) as u64) as i64;
    let rid = format!("r{}", rng.below(8));
    let tx = rng.below(txs + 1);
    match rng.below(10) {
        0..=3 => RefCommand::Debit { value, rid },
        4 => RefCommand::Credit { value, rid },
        5..=7 => RefCommand::Settle { tx, value, rid },
        _ => RefCommand::Cancel { tx, value, rid },
    }
}

/// A card after a few random commands (the shapes the service stores).
pub fn used_card(rng: &mut SplitMix) -> Card {
    let mut card = new_card(
        &format!("card-{}", rng.below(100)),
        (rng.below(50_000)) as i64,
        rng.chance(20),
        rng.chance(20),
    )
    .unwrap_or_else(|| unreachable!("a valid card"));
    for i in 0..rng.below(8) {
        let c = ref_command(rng, card.transactions.len(), 20_000);
        if let Ok((next, _)) = apply(&card, &core_command(&c), &instant(i as i64)) {
            card = next;
        }
    }
    card
}

/// ERP facts about a buyer.
pub fn facts(rng: &mut SplitMix) -> RiskFacts {
    RiskFacts {
        blocked: rng.chance(10),
        overdue_invoices: if rng.chance(20) {
            1 + rng.below(3) as u32
        } else {
            0
        },
        chargebacks: if rng.chance(10) { 1 } else { 0 },
        previous_orders: rng.below(4) as u32,
        document: rng.chance(80).then(|| "12345678900".to_string()),
        postal_codes: if rng.chance(70) {
            vec!["01310-100".into()]
        } else {
            Vec::new()
        },
    }
}

/// A protocol body (§G.3) for transaction `id`.
pub fn antifraud_body(rng: &mut SplitMix, id: &str) -> Value {
    json!({
        "id": id,
        "reference": "v1-01",
        "value": (rng.below(300_000) as f64) / 100.0,
        "hook": "https://vtex.example/api/antifraud/hook",
        "miniCart": {
            "buyer": {"id": "b", "document": if rng.chance(80) { "123.456.789-00" } else { "999" }, "email": "s@x.com"},
            "shipping": {"address": {"postalCode": if rng.chance(80) { "01310100" } else { "99999-000" }}}
        },
        "payments": [], "ip": "10.0.0.1", "store": "s", "deviceFingerprint": "f", "transactionStartDate": "2026-06-01T12:00:00Z"
    })
}

fn policy(rng: &mut SplitMix) -> RiskPolicy {
    RiskPolicy {
        homologation: rng.chance(40),
        pre_analysis_denies_review: rng.chance(50),
        ..RiskPolicy::default()
    }
}

/// A valid-shaped request for one of [`PROVIDER_OPS`].
pub fn request(rng: &mut SplitMix, op: &str) -> Value {
    let id = format!("TX{}", rng.below(100));
    let input = match op {
        "createGiftCard" => json!({
            "id": format!("c{}", rng.below(10)),
            "redemptionCode": if rng.chance(80) { "ABCDEF12" } else { "AB" },
            "currencyCode": if rng.chance(90) { "BRL" } else { "brl" },
            "profileId": rng.chance(50).then_some("p1"),
            "restrictedToOwner": rng.chance(30),
            "expiringDate": rng.chance(50).then_some("2027-01-01T00:00:00Z"),
            "balanceCents": rng.below(10_000),
            "now": instant(0),
        }),
        "giftCardCommand" => {
            let card = used_card(rng);
            let c = ref_command(rng, card.transactions.len(), 20_000);
            json!({"card": card, "command": core_command(&c), "now": instant(rng.below(100) as i64)})
        }
        "searchGiftCards" => {
            let cards: Vec<Card> = (0..rng.below(5)).map(|_| used_card(rng)).collect();
            let range = ["resources=0-49", "resources=1-2", "resources=5-1", "bad"][rng.below(4)];
            json!({"cards": cards, "client": {"id": "shopper-1"}, "redemptionCode": rng.chance(30).then_some(CODE),
                   "range": rng.chance(70).then_some(range), "provider": "ponte", "baseHref": "/giftcards", "now": instant(5)})
        }
        "giftCardView" => json!({"card": used_card(rng), "baseHref": "/giftcards/x"}),
        "antifraudOpen" | "antifraudUpdate" | "antifraudEvent" => {
            let p = policy(rng);
            let f = facts(rng);
            let body = antifraud_body(rng, &id);
            let opened =
                serde_json::from_value::<ponte_core::antifraud::AntifraudBody>(body.clone())
                    .ok()
                    .and_then(|b| {
                        antifraud_open(&AntifraudOpenRequest {
                            body: b,
                            facts: Some(f.clone()),
                            policy: p.clone(),
                            tid: format!("p-{id}"),
                            existing: None,
                            now: instant(0),
                        })
                        .ok()
                    })
                    .map(|r| r.analysis);
            match op {
                "antifraudOpen" => {
                    json!({"body": body, "facts": f, "policy": p, "tid": format!("p-{id}"),
                                          "existing": if rng.chance(30) { opened } else { None }, "now": instant(0)})
                }
                "antifraudUpdate" => {
                    json!({"analysis": opened, "body": body, "facts": facts(rng), "policy": p, "now": instant(1)})
                }
                _ => {
                    let mut a = opened;
                    if rng.chance(50)
                        && let Some(x) = &a
                        && let Ok(r) =
                            antifraud_event(&ponte_core::antifraud::AntifraudEventRequest {
                                analysis: x.clone(),
                                event: Event::Advance { now: instant(1) },
                            })
                    {
                        a = Some(r.analysis);
                    }
                    let decision = ["approved", "denied", "undefined"][rng.below(3)];
                    let delivered = ["approved", "denied"][rng.below(2)];
                    let event = match rng.below(6) {
                        5 => json!({"kind": "hookFailed", "status": delivered}),
                        0 => json!({"kind": "advance", "now": instant(rng.below(3) as i64)}),
                        1 => json!({"kind": "decide", "status": decision}),
                        2 => json!({"kind": "stop"}),
                        3 => json!({"kind": "hookDelivered", "status": delivered}),
                        _ => json!({"kind": "advance", "now": instant(60)}),
                    };
                    json!({"analysis": a, "event": event})
                }
            }
        }
        _ => {
            json!({"body": antifraud_body(rng, &id), "facts": rng.chance(80).then(|| facts(rng)), "policy": policy(rng), "tid": "p"})
        }
    };
    json!({"op": op, "input": input})
}
