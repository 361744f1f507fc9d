//! Invoices Ponte lacks: added, skipped when known, malformed or inconsistent.

use super::*;

#[test]
fn adds_a_missing_invoice_with_its_tracking() {
    let mut p = pkg("NF-1", 0, 1, 2500);
    p["trackingNumber"] = json!("TRK-1");
    p["trackingUrl"] = json!("https://t.example.com/1");
    p["courier"] = json!("C");
    p["courierStatus"] = json!({"finished": true, "data": []});
    let next = run(&state(), json!([p]));
    assert_eq!(
        next.invoices,
        vec![InvoiceRecord {
            invoice_type: InvoiceType::Output,
            invoice_number: "NF-1".into(),
            value: c(2500),
            issuance_date: Timestamp::parse("2026-01-02T12:00:00Z").unwrap(),
            items: vec![InvoicedItem {
                index: 0,
                id: "12".into(),
                quantity: 1,
                price: c(2500)
            }],
            tracking: Some(Tracking {
                tracking_number: "TRK-1".into(),
                tracking_url: Some("https://t.example.com/1".into()),
                courier: Some("C".into()),
                delivered: true,
                ..Tracking::default()
            }),
        }]
    );
    // Everything else is untouched.
    assert_eq!(
        OrderState {
            invoices: Vec::new(),
            ..next.clone()
        },
        state()
    );
    // Idempotent.
    assert_eq!(run(&next, json!([pkg("NF-1", 0, 1, 2500)])), next);
}

#[test]
fn no_packages_changes_nothing() {
    for order in [
        json!({}),
        json!({"packageAttachment": null}),
        json!({"packageAttachment": {"packages": null}}),
        json!({"packageAttachment": {"packages": "x"}}),
        json!({"packageAttachment": []}),
        json!({"packageAttachment": {"packages": []}}),
    ] {
        let o: GetOrderSnapshot = serde_json::from_value(order.clone()).unwrap();
        assert!(o.packages().is_empty(), "{order}");
        assert_eq!(reconcile_invoices(&state(), o.packages()).unwrap(), state());
    }
}

#[test]
fn a_known_invoice_is_left_as_it_is() {
    let first = run(&state(), json!([pkg("NF-1", 0, 1, 2500)]));
    // Same type and number, other content: Ponte's record stays.
    let next = run(&first, json!([pkg("NF-1", 1, 1, 5000)]));
    assert_eq!(next, first);
    // Same number, other type: another invoice (a return numbered like the sale).
    let mut ret = pkg("NF-1", 0, 1, 2500);
    ret["type"] = json!("Input");
    assert_eq!(numbers(&run(&first, json!([ret]))), ["NF-1", "NF-1"]);
}

#[test]
fn malformed_packages_are_skipped() {
    let ok = pkg("NF-OK", 1, 1, 5000);
    let with = |field: &str, v: Value| {
        let mut p = pkg("NF-X", 0, 1, 2500);
        p[field] = v;
        p
    };
    let item = |v: Value| {
        let mut p = pkg("NF-X", 0, 1, 2500);
        p["items"] = json!([v]);
        p
    };
    let bad = [
        json!(null),
        json!("NF-X"),
        json!([1]),
        with("type", json!("output")),
        with("type", json!(null)),
        with("invoiceNumber", json!("")),
        with("invoiceNumber", json!(7)),
        with("invoiceValue", json!(0)),
        with("invoiceValue", json!(-2500)),
        with("invoiceValue", json!(25.5)),
        with("invoiceValue", json!("25.00")),
        with("invoiceValue", json!("")),
        with("invoiceValue", json!(9_007_199_254_740_992_i64)),
        with("invoiceValue", json!(u64::MAX)),
        with("invoiceValue", json!(null)),
        with("issuanceDate", json!("yesterday")),
        with("issuanceDate", json!("2026-02-30T10:00:00Z")),
        with("issuanceDate", json!(1_700_000_000)),
        item(json!(null)),
        item(json!("x")),
        item(json!({"quantity": 1})),
        item(json!({"itemIndex": -1, "quantity": 1})),
        item(json!({"itemIndex": 0.5, "quantity": 1})),
        item(json!({"itemIndex": 0, "quantity": 0})),
        item(json!({"itemIndex": 0, "quantity": 4_294_967_296_u64})),
        item(json!({"itemIndex": 0, "quantity": "1"})),
    ];
    for b in bad {
        let next = run(&state(), json!([b.clone(), ok.clone()]));
        assert_eq!(numbers(&next), ["NF-OK"], "{b}");
    }
}

#[test]
fn packages_that_would_make_the_state_inconsistent_are_skipped() {
    let s = state();
    let mut twice = pkg("NF-T", 0, 1, 2500);
    twice["items"] = json!([{"itemIndex": 0, "quantity": 2}, {"itemIndex": 0, "quantity": 1}]);
    let mut input = pkg("NF-R", 0, 1, 2500);
    input["type"] = json!("Input");
    for (b, why) in [
        (pkg("NF-9", 0, 3, 7500), "three units of a two-unit line"),
        (pkg("NF-8", 4, 1, 100), "a line the order does not have"),
        (
            {
                let mut p = pkg("NF-7", 0, 1, 2500);
                p["invoiceValue"] = json!(10_001);
                p
            },
            "Output over the total",
        ),
        (
            twice,
            "the same line twice in one package, over its quantity",
        ),
        (input, "a return with nothing invoiced"),
    ] {
        assert!(run(&s, json!([b])).invoices.is_empty(), "{why}");
    }
    // Over what is left, counting the packages added before it.
    let next = run(
        &s,
        json!([
            pkg("NF-1", 0, 2, 5000),
            pkg("NF-2", 0, 1, 2500),
            pkg("NF-3", 1, 1, 5000)
        ]),
    );
    assert_eq!(numbers(&next), ["NF-1", "NF-3"]);
    // A return over what was invoiced.
    let mut big = pkg("NF-R", 0, 1, 5001);
    big["type"] = json!("Input");
    let only_first = run(&s, json!([pkg("NF-1", 0, 2, 5000)]));
    assert_eq!(numbers(&run(&only_first, json!([big]))), ["NF-1"]);
}

#[test]
fn outputs_are_added_before_inputs() {
    let mut ret = pkg("NF-R", 0, 1, 2500);
    ret["type"] = json!("Input");
    let next = run(&state(), json!([ret, pkg("NF-1", 0, 1, 2500)]));
    assert_eq!(numbers(&next), ["NF-1", "NF-R"]);
    assert_eq!(next.invoices[1].invoice_type, InvoiceType::Input);
}

#[test]
fn lenient_forms_are_read() {
    let mut p = pkg("NF-1", 0, 1, 2500);
    p["invoiceValue"] = json!("2500");
    p["issuanceDate"] = json!("2026-01-02");
    p["items"] = json!([{"itemIndex": 0, "quantity": 1, "price": "x", "description": 3}]);
    p["trackingNumber"] = json!("TRK");
    p["trackingUrl"] = json!(7);
    p["courier"] = json!("");
    p["courierStatus"] = json!({"finished": "yes"});
    let mut q = pkg("NF-2", 1, 1, 5000);
    q["invoiceValue"] = json!(5000.0);
    q["items"] = json!({"not": "an array"});
    q["trackingNumber"] = json!(null);
    let next = run(&state(), json!([p, q]));
    assert_eq!(numbers(&next), ["NF-1", "NF-2"]);
    let (a, b) = (&next.invoices[0], &next.invoices[1]);
    assert_eq!(a.value, c(2500));
    assert_eq!(a.issuance_date.as_str(), "2026-01-02T00:00:00.000000000Z");
    assert_eq!(a.items[0].price, c(2500), "the line's price");
    assert_eq!(
        a.tracking,
        Some(Tracking {
            tracking_number: "TRK".into(),
            ..Tracking::default()
        })
    );
    assert_eq!(b.value, c(5000));
    assert!(b.items.is_empty() && b.tracking.is_none());
    // A negative item price also falls back to the line's.
    let mut n = pkg("NF-3", 0, 1, 2500);
    n["items"][0]["price"] = json!(-1);
    assert_eq!(
        run(&state(), json!([n])).invoices[0].items[0].price,
        c(2500)
    );
}

#[test]
fn an_invalid_state_is_refused() {
    let mut s = state();
    s.invoices.push(InvoiceRecord {
        invoice_type: InvoiceType::Output,
        invoice_number: "NF-1".into(),
        value: c(20_000),
        issuance_date: Timestamp::parse("2026-01-02T12:00:00Z").unwrap(),
        items: Vec::new(),
        tracking: None,
    });
    let err = reconcile_invoices(&s, &[]).unwrap_err();
    assert_eq!(err.code(), "ORDER_STATE_INVALID");
}

#[test]
fn deep_or_odd_json_does_not_fail() {
    let mut deep = json!(1);
    for _ in 0..100 {
        deep = json!([deep]);
    }
    let order =
        json!({"packageAttachment": {"packages": [deep.clone(), {"type": deep, "items": [deep]}]}});
    let o: GetOrderSnapshot = serde_json::from_value(order).unwrap();
    assert_eq!(o.packages().len(), 2);
    assert_eq!(reconcile_invoices(&state(), o.packages()).unwrap(), state());
    // From text too (the boundary's path).
    let text = r#"{"packageAttachment":{"packages":[{"type":"Output","invoiceNumber":"N","invoiceValue":1e3,"issuanceDate":"2026-01-02T00:00:00Z"}]}}"#;
    let o: GetOrderSnapshot = serde_json::from_str(text).unwrap();
    assert_eq!(
        reconcile_invoices(&state(), o.packages()).unwrap().invoices[0].value,
        c(1000)
    );
}
