//! Inventory (§E): stock counts arriving in any order, stock plans applied to the state they
//! were planned on, and reservations moved by random events, against naive references.
//!
//! Checked on every case:
//! - whatever the order of arrival of counts of one SKU in one warehouse (one per batch, in a
//!   random permutation, dates sometimes equal), the entry ends at the newest count (§E.5);
//! - a plan applied and planned again writes nothing; an SKU and warehouse the batch does not
//!   count is untouched; a written entry holds the count's quantity and the date (§E.5);
//! - after any sequence of reservation events, availability per trade policy equals a naive
//!   sum (each warehouse unlimited → 1,000,000, else total minus counted reservations floored
//!   at 0, §E.3) and never exceeds a limited warehouse's total; a closed reservation never
//!   opens again and no reservation goes back a stage (§E.4).

use ponte_core::catalog::import::SkuId;
use ponte_core::inventory::{
    AvailabilityRequest, InventoryBatch, ReservationEvent, ReservationEventKind, ReservationStatus,
    StockCount, UNLIMITED_QUANTITY, apply_inventory_plan, availability, plan_inventory, transition,
};
use ponte_harness::bench::SplitMix;
use ponte_harness::pricing_generate::{extremes, instant, inventory_state, stock_count};
use ponte_harness::property_config;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn rank(s: ReservationStatus) -> u8 {
    match s {
        ReservationStatus::Authorized => 0,
        ReservationStatus::Confirmed => 1,
        ReservationStatus::Acknowledged => 2,
        ReservationStatus::Cleared | ReservationStatus::Cancelled => 3,
    }
}

proptest! {
    #![proptest_config(property_config(1000))]

    /// §E.5: any interleaving of counts ends at the newest one.
    #[test]
    fn the_newest_count_wins_whatever_the_order(seed in any::<u64>(), n in 1usize..8) {
        let mut rng = SplitMix::new(seed);
        let mut state = inventory_state(&mut rng);
        state.reservations.clear();
        let counts: Vec<StockCount> = (0..n)
            .map(|_| StockCount {
                lead_time: None,
                date_utc_on_balance_system: Some(instant(rng.below(6) as i64 - 3, rng.below(3) as i64).to_string()),
                ..stock_count(&mut rng, 1, 0)
            })
            .collect();
        let now = instant(30, 0);
        // The newest: latest date; at one date the greater count (unlimited, then quantity).
        let key = |c: &StockCount| (c.date_utc_on_balance_system.clone().map(|d| ponte_core::orders::Timestamp::parse(&d)), c.unlimited_quantity, c.quantity);
        let held = state.entry(SkuId(1), "w0").cloned();
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let mut s = state.clone();
        for &i in &order {
            let batch = InventoryBatch { counts: vec![counts[i].clone()] };
            let plan = plan_inventory(&s, &batch, &now).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            s = apply_inventory_plan(&s, &plan);
        }
        let newest = counts.iter().max_by_key(|c| key(c)).ok_or_else(|| TestCaseError::fail("no count"))?;
        let end = s.entry(SkuId(1), "w0").ok_or_else(|| TestCaseError::fail("no entry"))?;
        let newest_date = newest.date_utc_on_balance_system.as_deref().and_then(ponte_core::orders::Timestamp::parse);
        let held_is_newer = held.as_ref().is_some_and(|h| {
            h.date_utc_on_balance_system.as_ref().is_some_and(|d| Some(d) > newest_date.as_ref())
        });
        if held_is_newer {
            prop_assert_eq!(Some(end), held.as_ref(), "an older count overwrote the held one");
        } else if held.as_ref().and_then(|h| h.date_utc_on_balance_system.clone()) != newest_date {
            prop_assert_eq!(end.total_quantity, newest.quantity.unsigned_abs());
            prop_assert_eq!(end.unlimited_quantity, newest.unlimited_quantity);
            prop_assert_eq!(end.date_utc_on_balance_system.as_ref(), newest_date.as_ref());
        }
        // Whatever the order, the same end.
        let mut s2 = state.clone();
        for count in &counts {
            let plan = plan_inventory(&s2, &InventoryBatch { counts: vec![count.clone()] }, &now)
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            s2 = apply_inventory_plan(&s2, &plan);
        }
        prop_assert_eq!(s2.entry(SkuId(1), "w0"), Some(end));
    }

    /// §E.5: plans are idempotent and touch only what they count.
    #[test]
    fn stock_plans_are_idempotent(seed in any::<u64>()) {
        let mut rng = SplitMix::new(seed);
        let state = inventory_state(&mut rng);
        let mut counts = Vec::new();
        for sku in 1..=4u32 {
            for w in 0..4usize {
                if rng.chance(40) {
                    counts.push(stock_count(&mut rng, sku, w));
                }
            }
        }
        let batch = InventoryBatch { counts: counts.clone() };
        let now = instant(30, 0);
        let plan = plan_inventory(&state, &batch, &now).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let after = apply_inventory_plan(&state, &plan);
        let again = plan_inventory(&after, &batch, &now).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(again.writes.is_empty(), "second plan writes {:?}", again.writes);
        for e in &state.entries {
            let counted = counts.iter().any(|c| c.sku.ref_id.as_deref() == Some(&format!("R{}", e.sku_id)) && c.warehouse == e.warehouse_id);
            if !counted {
                prop_assert_eq!(after.entry(e.sku_id, &e.warehouse_id), Some(e));
            }
        }
        for w in &plan.writes {
            let c = &counts[w.count as usize];
            prop_assert_eq!(w.entry.total_quantity, c.quantity.unsigned_abs());
            prop_assert_eq!(w.entry.unlimited_quantity, c.unlimited_quantity);
        }
    }

    /// §E.3–E.4: reservations moved by random events never make availability negative or
    /// above a limited warehouse's total, and availability is the naive sum.
    #[test]
    fn reservations_keep_availability_sane(seed in any::<u64>(), steps in 0usize..40) {
        let mut rng = SplitMix::new(seed);
        let mut state = inventory_state(&mut rng);
        let kinds = [
            ReservationEventKind::Confirm,
            ReservationEventKind::Acknowledge,
            ReservationEventKind::Cancel,
            ReservationEventKind::Expire,
            ReservationEventKind::Clear,
        ];
        for _ in 0..steps {
            if state.reservations.is_empty() {
                break;
            }
            let i = rng.below(state.reservations.len());
            let event = ReservationEvent {
                kind: kinds[rng.below(kinds.len())],
                at: instant(rng.below(14) as i64 - 5, rng.below(24) as i64),
            };
            let before = state.reservations[i].clone();
            if let Ok(next) = transition(&before, &event) {
                prop_assert!(rank(next.status) >= rank(before.status), "{before:?} → {next:?}");
                if before.status.is_final() {
                    prop_assert_eq!(&next, &before);
                }
                state.reservations[i] = next;
            } else {
                prop_assert!(before.status != ReservationStatus::Authorized || event.kind != ReservationEventKind::Cancel);
            }
            for policy in ["1", "2", "3"] {
                let a = availability(&AvailabilityRequest {
                    current: state.clone(),
                    sku_id: SkuId(1 + rng.below(4) as u32),
                    trade_policy_id: policy.into(),
                }).map_err(|e| TestCaseError::fail(format!("{e}")))?;
                let mut sum = 0u64;
                for w in &state.warehouses {
                    let serves = w.is_active && w.warehouse_docks.iter().any(|wd| state.docks.iter().any(|d| {
                        d.id == wd.dock_id && d.is_active && d.sales_channels.iter().any(|c| c == policy)
                    }));
                    let Some(e) = state.entry(a.sku_id, &w.id) else { continue };
                    if !serves {
                        continue;
                    }
                    let reserved: u64 = state.reservations.iter()
                        .filter(|r| r.sku_id == a.sku_id && r.warehouse_id == w.id && r.status.counts())
                        .map(|r| r.quantity)
                        .sum();
                    let here = if e.unlimited_quantity {
                        UNLIMITED_QUANTITY
                    } else {
                        e.total_quantity.saturating_sub(reserved)
                    };
                    if !e.unlimited_quantity {
                        prop_assert!(here <= e.total_quantity);
                    }
                    sum += here;
                }
                prop_assert_eq!(a.available, sum);
                prop_assert_eq!(a.available, a.warehouses.iter().map(|w| w.available).sum::<u64>());
            }
        }
    }
}

proptest! {
    #![proptest_config(property_config(1000))]

    /// The core never panics on input: generated stock requests with leaves pushed to extremes
    /// answer a value or an error with a stable code, never `INTERNAL`.
    #[test]
    fn extreme_inputs_answer_with_a_code(seed in any::<u64>()) {
        let mut rng = SplitMix::new(seed);
        let state = inventory_state(&mut rng);
        let counts: Vec<StockCount> = (0..rng.below(6)).map(|_| {
            let (sku, w) = (1 + rng.below(4) as u32, rng.below(4));
            stock_count(&mut rng, sku, w)
        }).collect();
        let (op, input) = match rng.below(3) {
            0 => ("planInventorySync", serde_json::json!({"current": state, "batch": {"counts": counts}, "now": instant(0, 0)})),
            1 => ("availability", serde_json::json!({"current": state, "skuId": 1 + rng.below(4), "tradePolicyId": "1"})),
            _ => {
                let r = state.reservations.first().cloned();
                ("reservationTransition", serde_json::json!({"reservation": r, "event": {"kind": "clear", "at": instant(1, 0)}}))
            }
        };
        let mut input = input;
        let percent = 1 + rng.below(10) as u64;
        extremes(&mut rng, &mut input, percent);
        match ponte_core::ops::call(op, &input.to_string()) {
            Ok(answer) => prop_assert!(serde_json::from_str::<serde_json::Value>(&answer).is_ok()),
            Err(e) => prop_assert_ne!(e.code, "INTERNAL", "{}", e.message),
        }
    }
}
