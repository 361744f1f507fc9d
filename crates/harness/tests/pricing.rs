//! Pricing (§D): the computed price against a naive reference model on random price
//! structures and instants; price sync plans applied to the state they were planned on.
//!
//! Checked on every case:
//! - the computed price equals the reference's (selling price, list price, `priceValidUntil`,
//!   which step decided, inherited or not), and is never below 0;
//! - when a fixed price applies, the selling price is the lowest applicable one (§D.3 step 1);
//! - rounding equals a search over every candidate ending (§D.3 step 3);
//! - a plan applied and planned again writes nothing (idempotence); no fixed price the batch
//!   did not remove disappears, every one it removed does, every upserted one is held; SKUs
//!   outside the batch are untouched; a `PUT` only where the base changes or a removal asks
//!   (§D.5);
//! - a batch broken in several items reports every break with its code and path;
//! - amounts survive JSON both ways without drift (§D.4).

use ponte_core::pricing::{
    FixedPrice, Money, PriceBatch, PriceSource, PriceWriteMethod, apply_price_plan, compute_price,
    plan_prices, round_ending,
};
use ponte_harness::bench::SplitMix;
use ponte_harness::pricing_generate::{compute_request, extremes, price_batch, pricing_state};
use ponte_harness::pricing_model::{reference_price, round_by_search};
use ponte_harness::property_config;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

proptest! {
    #![proptest_config(property_config(2000))]

    /// §D.3 against the reference model.
    #[test]
    fn computed_price_matches_the_reference(seed in any::<u64>()) {
        let mut rng = SplitMix::new(seed);
        let req = compute_request(&mut rng);
        let got = compute_price(&req).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let want = reference_price(&req);
        match (&got.price, &want) {
            (None, None) => {}
            (Some(g), Some(w)) => {
                prop_assert!(g.selling_price.hundredths() >= 0, "below zero: {g:?}");
                prop_assert_eq!(g.selling_price.hundredths(), w.selling, "{:?}", req);
                prop_assert_eq!(g.list_price.map(Money::hundredths), w.list);
                prop_assert_eq!(g.price_valid_until.as_str(), w.valid_until.as_str());
                prop_assert_eq!(g.explanation.source == PriceSource::FixedPrice, w.fixed);
                prop_assert_eq!(g.explanation.inherited, w.inherited);
                if g.explanation.source == PriceSource::FixedPrice {
                    // The lowest applicable fixed price wins.
                    let record = if g.explanation.inherited { &req.parent_price } else { &req.price };
                    let lowest = record.iter().flat_map(|p| &p.fixed_prices)
                        .filter(|f: &&FixedPrice| f.trade_policy_id == req.price_table
                            && f.min_quantity <= req.quantity
                            && f.date_range.as_ref().is_none_or(|d| d.from <= req.at && req.at < d.to))
                        .map(|f| f.value)
                        .min();
                    prop_assert_eq!(Some(g.selling_price), lowest);
                }
            }
            (g, w) => prop_assert!(false, "core {g:?} vs reference {w:?} for {req:?}"),
        }
    }

    /// §D.3 step 3: the nearest ending, ties up, never negative, by search.
    #[test]
    fn rounding_matches_a_search(p in 0i64..2_000_000, digits in 1u8..5, method in 0usize..3) {
        let method = [
            ponte_core::pricing::RoundingMethod::Nine,
            ponte_core::pricing::RoundingMethod::Nines,
            ponte_core::pricing::RoundingMethod::Zero,
        ][method];
        let price = Money::from_hundredths(p).ok_or_else(|| TestCaseError::fail("range"))?;
        let got = round_ending(price, digits, method).map(Money::hundredths);
        prop_assert_eq!(got, Some(round_by_search(p, digits, method)));
    }

    /// §D.4: any amount in cents goes to JSON and back unchanged, and so does its decimal text.
    #[test]
    fn amounts_round_trip_exactly(cents in -1_000_000_000_000_000i64..=1_000_000_000_000_000) {
        let m = Money::from_hundredths(cents).ok_or_else(|| TestCaseError::fail("range"))?;
        let json = serde_json::to_string(&m).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: Money = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{json}: {e}")))?;
        prop_assert_eq!(back, m);
        let text: Money = serde_json::from_str(&format!("\"{m}\"")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(text, m);
    }
}

proptest! {
    #![proptest_config(property_config(1000))]

    /// §D.5: plans are minimal, idempotent, and delete only what the batch removes.
    #[test]
    fn price_plans_are_idempotent_and_never_delete_by_accident(seed in any::<u64>()) {
        let mut rng = SplitMix::new(seed);
        let mut state = pricing_state(&mut rng);
        let items = price_batch(&mut rng, &state);
        let batch = PriceBatch { items: items.clone() };
        let plan = match plan_prices(&state, &batch) {
            Ok(p) => p,
            Err(errors) => {
                // A generated batch is refused only for fixed prices on an SKU without a base
                // price while the account requires one; with an optional base it plans.
                prop_assert!(errors.iter().all(|e| e.code() == "BASE_PRICE_MISSING"), "{errors:?}");
                prop_assert!(!state.config.has_optional_base_price);
                state.config.has_optional_base_price = true;
                plan_prices(&state, &batch).map_err(|e| TestCaseError::fail(format!("{e:?}")))?
            }
        };
        let after = apply_price_plan(&state, &plan).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let again = plan_prices(&after, &batch).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(again.writes.is_empty(), "second plan writes {:?}", again.writes);

        let mut touched = std::collections::BTreeSet::new();
        for (i, item) in items.iter().enumerate() {
            let sku = state.skus.iter().find(|s| {
                (item.sku.ref_id.is_some() && s.ref_id == item.sku.ref_id) || (item.sku.ean.is_some() && s.ean == item.sku.ean)
            }).map(|s| s.id).ok_or_else(|| TestCaseError::fail("generated SKU"))?;
            touched.insert(sku);
            let before = state.prices.iter().find(|p| p.item_id == sku);
            let now = after.prices.iter().find(|p| p.item_id == sku);
            let held_now: Vec<&FixedPrice> = now.iter().flat_map(|p| &p.fixed_prices).collect();
            for f in before.iter().flat_map(|p| &p.fixed_prices) {
                let removed = item.remove_fixed_prices.contains(&f.key());
                let present = held_now.iter().any(|h| h.key() == f.key());
                prop_assert_eq!(present, !removed, "item {} fixed {:?}", i, f);
            }
            for f in &item.fixed_prices {
                prop_assert!(held_now.contains(&f), "upsert {:?} missing", f);
            }
            if let Some(w) = plan.writes.iter().find(|w| w.item_id == sku) && w.method == PriceWriteMethod::Put {
                let gives_base = item.base_price.is_some() || item.cost_price.is_some()
                    || item.markup.is_some() || item.list_price.is_some();
                prop_assert!(gives_base || !w.removed_fixed_prices.is_empty(), "needless PUT {w:?}");
            }
        }
        for p in &state.prices {
            if !touched.contains(&p.item_id) {
                prop_assert_eq!(after.prices.iter().find(|q| q.item_id == p.item_id), Some(p));
            }
        }
    }

    /// §D.5: breaks in several items are all reported, each with its code and path.
    #[test]
    fn every_break_is_reported(seed in any::<u64>()) {
        let mut rng = SplitMix::new(seed);
        let mut state = pricing_state(&mut rng);
        state.config.has_optional_base_price = true;
        let mut items = price_batch(&mut rng, &state);
        let mut want = Vec::new();
        for (i, item) in items.iter_mut().enumerate() {
            match rng.below(6) {
                0 => {
                    item.base_price = Some(Money::ZERO);
                    item.cost_price = Some(Money::ZERO);
                    item.markup = Some(1);
                    want.push((format!("items[{i}]"), "BASE_PRICE_OVERDETERMINED"));
                }
                1 => {
                    item.fixed_prices.push(FixedPrice {
                        trade_policy_id: "no-such-table".into(),
                        value: Money::ZERO,
                        list_price: None,
                        min_quantity: 1,
                        date_range: None,
                    });
                    let j = item.fixed_prices.len() - 1;
                    want.push((format!("items[{i}].fixedPrices[{j}].tradePolicyId"), "PRICE_TABLE_NOT_FOUND"));
                }
                2 => {
                    item.sku.ref_id = Some("nope".into());
                    item.sku.ean = None;
                    want.push((format!("items[{i}]"), "PRICING_SKU_NOT_FOUND"));
                }
                _ => {}
            }
        }
        let result = plan_prices(&state, &PriceBatch { items });
        if want.is_empty() {
            prop_assert!(result.is_ok(), "{result:?}");
        } else {
            let errors = result.err().ok_or_else(|| TestCaseError::fail("a broken batch planned"))?;
            for (path, code) in &want {
                prop_assert!(errors.iter().any(|e| &e.path == path && e.code() == *code), "{path} {code} not in {errors:?}");
            }
        }
    }
}

proptest! {
    #![proptest_config(property_config(1000))]

    /// The core never panics on input: generated requests with leaves pushed to extremes
    /// answer a value or an error with a stable code, never `INTERNAL`.
    #[test]
    fn extreme_inputs_answer_with_a_code(seed in any::<u64>()) {
        let mut rng = SplitMix::new(seed);
        let (op, mut input) = if rng.chance(50) {
            ("computePrice", serde_json::to_value(compute_request(&mut rng)))
        } else {
            let state = pricing_state(&mut rng);
            let items = price_batch(&mut rng, &state);
            ("planPriceSync", serde_json::to_value(serde_json::json!({"current": state, "batch": {"items": items}})))
        };
        let input = input.as_mut().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let percent = 1 + rng.below(10) as u64;
        extremes(&mut rng, input, percent);
        match ponte_core::ops::call(op, &input.to_string()) {
            Ok(answer) => prop_assert!(serde_json::from_str::<serde_json::Value>(&answer).is_ok()),
            Err(e) => prop_assert_ne!(e.code, "INTERNAL", "{}", e.message),
        }
    }
}
