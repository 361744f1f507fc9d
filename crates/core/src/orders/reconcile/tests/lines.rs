//! Value and items: taken from Get order when well-formed and the result is valid.

use super::*;

#[test]
fn a_discount_applied_in_vtex_sets_the_total() {
    let s = state();
    let next = reconciled(&s, json!(9000), lines(&s.items), json!([]));
    assert_eq!(next.total, c(9000));
    assert_eq!(
        OrderState {
            total: s.total,
            ..next.clone()
        },
        s
    );
    // An integral float is the same number (JavaScript writes no difference).
    assert_eq!(
        reconciled(&s, json!(9000.0), lines(&s.items), json!([])),
        next
    );
}

#[test]
fn a_folded_change_vtex_has_not_applied_yields_to_get_order_but_stays_a_change() {
    let folded = discount(&state(), "c-1", 1000);
    assert_eq!(folded.total, c(9000));
    // Get order still shows the value before the change (in progress, failed or canceled).
    let next = reconciled(&folded, json!(10_000), lines(&folded.items), json!([]));
    assert_eq!(next.total, c(10_000));
    assert_eq!(next.changes, folded.changes, "the requestId stays: dedupe");
    assert_eq!(next.timeline, folded.timeline);
    assert_eq!(next.status, folded.status);
    // The same requestId again is still a repeat.
    let again = discount(&next, "c-1", 1000);
    assert_eq!(again.total, c(10_000));
    // Once VTEX applies it, Get order shows it.
    assert_eq!(
        reconciled(&next, json!(9000), lines(&next.items), json!([])).total,
        c(9000)
    );
}

#[test]
fn a_line_added_in_vtex_is_taken_and_can_be_invoiced() {
    let s = state();
    let mut items = s.items.clone();
    items.push(line(2, "56", 3, 700));
    let next = reconciled(
        &s,
        json!(12_100),
        lines(&items),
        json!([pkg("NF-1", 2, 3, 2100)]),
    );
    assert_eq!(next.total, c(12_100));
    assert_eq!(next.items, items);
    // The package on the new line is reconciled against the new lines.
    assert_eq!(numbers(&next), ["NF-1"]);
    assert_eq!(next.invoices[0].items[0].id, "56");
    // Against the old lines it would have been skipped.
    assert!(
        run(&s, json!([pkg("NF-1", 2, 3, 2100)]))
            .invoices
            .is_empty()
    );
}

#[test]
fn a_quantity_removed_in_vtex_is_taken() {
    let s = state();
    let mut items = s.items.clone();
    items[0].quantity = 1;
    let next = reconciled(&s, json!(7500), lines(&items), json!([]));
    assert_eq!((next.total, next.items.clone()), (c(7500), items.clone()));
    // All units removed: VTEX keeps the line with quantity 0.
    items[0].quantity = 0;
    let next = reconciled(&next, json!(5000), lines(&items), json!([]));
    assert_eq!((next.total, next.items), (c(5000), items));
}

#[test]
fn a_change_that_would_break_an_invoice_is_not_taken() {
    // NF-1 invoices both units of line 0 (5000).
    let s = run(&state(), json!([pkg("NF-1", 0, 2, 5000)]));
    assert_eq!(numbers(&s), ["NF-1"]);
    let mut fewer = s.items.clone();
    fewer[0].quantity = 1;
    let mut other_sku = s.items.clone();
    other_sku[0].id = "99".into();
    // Line 0 gone: line 1 moves to position 0.
    let shifted = lines(&[OrderItem {
        index: 0,
        ..s.items[1].clone()
    }]);
    for (value, items, why) in [
        (json!(7500), lines(&fewer), "fewer units than invoiced"),
        (
            json!(4999),
            lines(&s.items),
            "a total below the Output invoices",
        ),
        (
            json!(10_000),
            lines(&other_sku),
            "the invoiced line sells another SKU",
        ),
        (
            json!(5000),
            shifted,
            "the invoiced line moved to another SKU's position",
        ),
        (json!(4999), lines(&fewer), "both"),
    ] {
        let next = reconciled(&s, value, items, json!([]));
        assert_eq!(next, s, "{why}");
    }
    // An invoice on the last line, which Get order no longer lists.
    let on_last = run(&state(), json!([pkg("NF-2", 1, 1, 5000)]));
    let first_only = lines(&on_last.items[..1]);
    assert_eq!(
        reconciled(&on_last, json!(10_000), first_only, json!([])),
        on_last,
        "the invoiced line is gone"
    );
    // The whole view is refused: not the value alone either.
    let next = reconciled(&s, json!(9000), lines(&fewer), json!([]));
    assert_eq!(next.total, c(10_000));
    // A change that fits the invoice is taken.
    let mut more = s.items.clone();
    more[1].quantity = 2;
    let next = reconciled(&s, json!(15_000), lines(&more), json!([]));
    assert_eq!((next.total, next.items), (c(15_000), more));
    assert_eq!(next.invoices, s.invoices);
}

#[test]
fn malformed_value_or_items_are_not_taken() {
    let s = state();
    let mut changed = s.items.clone();
    changed[1].quantity = 2;
    for bad in [
        json!(null),
        json!("9000"),
        json!(-1),
        json!(90.5),
        json!(9_007_199_254_740_992_i64),
        json!(u64::MAX),
        json!(1e300),
        json!({"value": 9000}),
        json!([9000]),
    ] {
        // The value is kept; well-formed items are still taken.
        let next = reconciled(&s, bad.clone(), lines(&changed), json!([]));
        assert_eq!(next.total, s.total, "{bad}");
        assert_eq!(next.items, changed, "{bad}");
    }
    let entry = |field: &str, v: Value| {
        let mut l = lines(&s.items);
        l[1][field] = v;
        l
    };
    let bad_items = [
        json!(null),
        json!("items"),
        json!({"0": {"id": "12", "quantity": 2, "price": 2500}}),
        json!([]),
        {
            let mut l = lines(&s.items);
            l[1] = json!(null);
            l
        },
        {
            let mut l = lines(&s.items);
            l[1] = json!(["34", 1, 5000]);
            l
        },
        {
            let mut l = lines(&s.items);
            l[1].as_object_mut().unwrap().remove("id");
            l
        },
        entry("id", json!("")),
        entry("id", json!(34)),
        entry("quantity", json!(-1)),
        entry("quantity", json!(1.5)),
        entry("quantity", json!("1")),
        entry("quantity", json!(4_294_967_296_u64)),
        entry("quantity", json!(null)),
        entry("price", json!("5000")),
        entry("price", json!(-5000)),
        entry("price", json!(50.25)),
        entry("price", json!(9_007_199_254_740_992_i64)),
    ];
    for bad in bad_items {
        // The items are kept; a well-formed value is still taken.
        let next = reconciled(&s, json!(9000), bad.clone(), json!([]));
        assert_eq!(next.items, s.items, "{bad}");
        assert_eq!(next.total, c(9000), "{bad}");
    }
    // Both missing: nothing changes.
    let o: GetOrderSnapshot = serde_json::from_value(json!({"orderId": "v7pnt-01"})).unwrap();
    assert_eq!(reconcile_order(&s, &o).unwrap(), s);
    // Lenient forms that are taken: integral floats, extra fields, a zero price.
    let mut odd = lines(&s.items);
    odd[0]["quantity"] = json!(2.0);
    odd[1]["price"] = json!(0);
    let next = reconciled(&s, json!(5e3), odd, json!([]));
    assert_eq!(next.total, c(5000));
    assert_eq!(next.items[0].quantity, 2);
    assert_eq!(next.items[1].price, Cents::ZERO);
}

#[test]
fn invoices_are_still_reconciled_against_the_reconciled_lines() {
    let s = state();
    let mut items = s.items.clone();
    items[0].quantity = 1;
    // Lines: 12 × 1 @2500, 34 × 1 @5000; value 7500. NF-1 fits; NF-2 (two units of line 0)
    // no longer does; NF-3 would go over the new total.
    let next = reconciled(
        &s,
        json!(7500),
        lines(&items),
        json!([
            pkg("NF-2", 0, 2, 5000),
            pkg("NF-1", 0, 1, 2500),
            pkg("NF-3", 1, 1, 5001)
        ]),
    );
    assert_eq!(next.total, c(7500));
    assert_eq!(numbers(&next), ["NF-1"]);
    // A fixed point.
    let again = reconcile_order(
        &next,
        &get_order(json!(7500), lines(&items), json!([pkg("NF-1", 0, 1, 2500)])),
    )
    .unwrap();
    assert_eq!(again, next);
}

#[test]
fn reconcile_order_refuses_an_invalid_state() {
    let mut s = state();
    s.total = Cents::new(-1).unwrap();
    let err =
        reconcile_order(&s, &get_order(json!(10_000), lines(&s.items), json!([]))).unwrap_err();
    assert_eq!(err.code(), "ORDER_STATE_INVALID");
}
