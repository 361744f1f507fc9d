//! The gift card ledger (§G.2) against an independent reference
//! (`ponte_harness::giftcards_model`): random interleavings of debit, settle, cancel and credit
//! with request ids drawn from a small pool (so they repeat, with the same or another command).
//!
//! Checked after every command:
//! - the core's outcome (applied, replayed, refused with its code) is the reference's;
//! - the balance is the reference's and never negative;
//! - a replay or a refusal leaves the card exactly as it was (no double effect);
//! - the balance equals the starting balance + credits − debits + cancellations, and per debit
//!   settled ≤ authorised − released, cancelled ≤ authorised, refunded ≤ settled.

use ponte_core::giftcards::{TransactionOperation, apply};
use ponte_harness::bench::SplitMix;
use ponte_harness::giftcards_model::{RefLedger, RefOutcome};
use ponte_harness::property_config;
use ponte_harness::providers_generate::{core_command, instant, new_card, ref_command};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

proptest! {
    #![proptest_config(property_config(400))]

    #[test]
    fn ledger_matches_the_reference(
        seed in any::<u64>(),
        start in 0i64..50_000,
        steps in 1usize..60,
        scale in prop::sample::select(vec![100i64, 5_000, 60_000]),
        single_redemption in prop::bool::weighted(0.2),
        single_credit in prop::bool::weighted(0.2),
    ) {
        let mut rng = SplitMix::new(seed);
        let mut card = new_card("card", start, single_redemption, single_credit)
            .ok_or_else(|| TestCaseError::fail("card"))?;
        let mut reference = RefLedger::new(start, single_redemption, single_credit);
        let mut counts = [0u32; 3];
        for i in 0..steps {
            let c = ref_command(&mut rng, reference.txs.len(), scale);
            let expected = reference.run(&c);
            let before = card.clone();
            let got = apply(&card, &core_command(&c), &instant(i as i64));
            match (&expected, got) {
                (RefOutcome::Applied, Ok((next, effect))) => {
                    prop_assert!(!effect.replayed, "{c:?}");
                    counts[0] += 1;
                    card = next;
                }
                (RefOutcome::Replayed, Ok((next, effect))) => {
                    prop_assert!(effect.replayed, "{c:?}");
                    prop_assert_eq!(&next, &before, "a replay changed the card: {:?}", c);
                    counts[1] += 1;
                }
                (RefOutcome::Refused(code), Err(e)) => {
                    prop_assert_eq!(*code, e.code(), "{:?}", c);
                    counts[2] += 1;
                }
                (want, got) => {
                    return Err(TestCaseError::fail(format!("{c:?}: reference {want:?}, core {got:?}")));
                }
            }
            prop_assert_eq!(card.balance_cents, reference.balance);
            prop_assert!(card.balance_cents >= 0);
            let mut sum = start;
            for (t, r) in card.transactions.iter().zip(&reference.txs) {
                prop_assert_eq!(t.settled_cents(), r.settled);
                prop_assert_eq!(t.refunded_cents(), r.refunded);
                prop_assert_eq!(t.released_cents(), r.released);
                prop_assert!(t.settled_cents() <= t.value_cents - t.released_cents());
                prop_assert!(t.cancelled_cents() <= t.value_cents);
                prop_assert!(t.refunded_cents() <= t.settled_cents());
                sum += match t.operation {
                    TransactionOperation::Credit => t.value_cents,
                    TransactionOperation::Debit => t.cancelled_cents() - t.value_cents,
                };
            }
            prop_assert_eq!(sum, card.balance_cents);
            prop_assert_eq!(card.transactions.len(), reference.txs.len());
        }
    }
}

/// The generators reach every outcome, so the property above is not vacuous.
#[test]
fn generators_reach_every_outcome() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..300u64 {
        let mut rng = SplitMix::new(seed);
        let mut reference = RefLedger::new(10_000, seed % 5 == 0, seed % 7 == 0);
        for _ in 0..40 {
            let c = ref_command(&mut rng, reference.txs.len(), 5_000);
            seen.insert(match reference.run(&c) {
                RefOutcome::Applied => "applied",
                RefOutcome::Replayed => "replayed",
                RefOutcome::Refused(code) => code,
            });
        }
    }
    for want in [
        "applied",
        "replayed",
        "GIFTCARD_INSUFFICIENT_BALANCE",
        "GIFTCARD_REQUEST_ID_CONFLICT",
        "GIFTCARD_SETTLE_ABOVE_AUTHORIZED",
        "GIFTCARD_CANCEL_ABOVE_AUTHORIZED",
        "GIFTCARD_TRANSACTION_NOT_FOUND",
        "GIFTCARD_NOT_A_DEBIT",
        "GIFTCARD_SINGLE_REDEMPTION_USED",
        "GIFTCARD_SINGLE_CREDIT_USED",
    ] {
        assert!(seen.contains(want), "{want} never reached: {seen:?}");
    }
}
