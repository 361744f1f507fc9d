//! Properties of reconciliation over generated states and Get order answers.

use super::*;

// ---------- property ----------

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("")),
        Just(json!("NF-1")),
        Just(json!("NF-2")),
        Just(json!("NF-3")),
        "[ -~]{0,6}".prop_map(Value::from),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..12_000).prop_map(Value::from),
        (-5i64..5).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (0i64..12_000).prop_map(|v| Value::from(v.to_string())),
    ]
}

fn anything() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        text(),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn item() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => ((0u32..4), (0u32..4), prop::option::of(0i64..6000)).prop_map(|(i, q, p)| {
            json!({"itemIndex": i, "quantity": q, "price": p})
        }),
        1 => anything(),
    ]
}

fn package() -> impl Strategy<Value = Value> {
    let plausible = (
        prop_oneof![Just(json!("Output")), Just(json!("Input")), anything()],
        text(),
        number(),
        prop_oneof![
            Just(json!("2026-01-02T09:00:00-03:00")),
            Just(json!("2026-01-02")),
            anything()
        ],
        prop_oneof![
            prop::collection::vec(item(), 0..4).prop_map(Value::from),
            anything()
        ],
        prop_oneof![Just(json!("TRK")), anything()],
        anything(),
    )
        .prop_map(|(t, n, v, d, items, trk, status)| {
            json!({"type": t, "invoiceNumber": n, "invoiceValue": v, "issuanceDate": d,
                   "items": items, "trackingNumber": trk, "courierStatus": status})
        });
    // Mostly well-formed, so that many are added and many conflict with each other.
    let good = (
        prop_oneof![3 => Just("Output"), 1 => Just("Input")],
        0u8..6,
        1i64..4000,
        prop::collection::vec((0u32..4, 1u32..3), 0..3),
    )
        .prop_map(|(t, n, v, items)| {
            let items: Vec<Value> = items
                .into_iter()
                .map(|(i, q)| json!({"itemIndex": i, "quantity": q}))
                .collect();
            json!({"type": t, "invoiceNumber": format!("NF-{n}"), "invoiceValue": v,
                   "issuanceDate": "2026-01-02T09:00:00Z", "items": items})
        });
    prop_oneof![6 => good, 3 => plausible, 1 => anything()]
}

fn base() -> impl Strategy<Value = OrderState> {
    (
        prop::collection::vec((1u32..4, 0i64..5000), 1..4),
        0i64..300,
    )
        .prop_map(|(lines, extra)| {
            let items: Vec<OrderItem> = lines
                .iter()
                .enumerate()
                .map(|(i, (q, p))| OrderItem {
                    index: i as u32,
                    id: format!("{}", 10 + i),
                    quantity: *q,
                    price: c(*p),
                })
                .collect();
            let total = items
                .iter()
                .map(|i| i.price.get() * i64::from(i.quantity))
                .sum::<i64>()
                + extra;
            OrderState::new(
                OrderId::new("v1-01").unwrap(),
                Flow::Complete,
                c(total),
                items,
            )
            .unwrap()
        })
}

/// How Get order's `value` relates to the state's total.
#[derive(Debug, Clone)]
enum ValueOf {
    Same,
    Delta(i64),
    Raw(Value),
}

impl ValueOf {
    fn of(&self, s: &OrderState) -> Value {
        match self {
            ValueOf::Same => json!(s.total),
            ValueOf::Delta(d) => json!(s.total.get() + d),
            ValueOf::Raw(v) => v.clone(),
        }
    }
}

/// A change to Get order's `items`, in Debug-able form for proptest.
type Broken = (usize, &'static str, Value);

/// How Get order's `items` relate to the state's lines: quantities changed, lines added or
/// dropped, a SKU replaced, an entry broken, or anything.
#[derive(Debug, Clone)]
enum ItemsOf {
    Edit {
        quantities: Vec<(usize, u32)>,
        added: Vec<(u32, i64)>,
        dropped: Option<usize>,
        resku: Option<usize>,
        broken: Option<Broken>,
    },
    Raw(Value),
}

impl ItemsOf {
    fn of(&self, s: &OrderState) -> Value {
        let (quantities, added, dropped, resku, broken) = match self {
            ItemsOf::Raw(v) => return v.clone(),
            ItemsOf::Edit {
                quantities,
                added,
                dropped,
                resku,
                broken,
            } => (quantities, added, dropped, resku, broken),
        };
        let mut items = s.items.clone();
        for (i, q) in quantities {
            if let Some(line) = items.get_mut(*i) {
                line.quantity = *q;
            }
        }
        if let Some(i) = dropped.filter(|i| *i < items.len()) {
            items.remove(i);
        }
        if let Some(line) = resku.and_then(|i| items.get_mut(i)) {
            line.id = "99".into();
        }
        for (q, p) in added {
            items.push(line(0, &format!("{}", 50 + q), *q, *p));
        }
        let mut v = lines(&items);
        if let Some((i, field, bad)) = broken
            && let Some(entry) = v.get_mut(*i)
        {
            entry[*field] = bad.clone();
        }
        v
    }
}

fn value_of() -> impl Strategy<Value = ValueOf> {
    prop_oneof![
        2 => Just(ValueOf::Same),
        3 => (-3000i64..3000).prop_map(ValueOf::Delta),
        1 => anything().prop_map(ValueOf::Raw),
    ]
}

fn items_of() -> impl Strategy<Value = ItemsOf> {
    let edit = (
        prop::collection::vec((0usize..4, 0u32..4), 0..3),
        prop::collection::vec((0u32..3, 0i64..3000), 0..2),
        prop::option::of(0usize..4),
        prop::option::of(0usize..4),
        prop::option::of((
            0usize..4,
            prop_oneof![Just("quantity"), Just("price"), Just("id")],
            anything(),
        )),
    )
        .prop_map(
            |(quantities, added, dropped, resku, broken)| ItemsOf::Edit {
                quantities,
                added,
                dropped,
                resku,
                broken,
            },
        );
    prop_oneof![
        8 => edit,
        1 => anything().prop_map(ItemsOf::Raw),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever the packages: the result validates, keeps every invoice the state had (in
    /// order, unchanged), adds only invoices some package names, and is a fixed point.
    #[test]
    fn the_result_validates_and_keeps_what_the_state_had(
        base in base(),
        earlier in prop::collection::vec(package(), 0..5),
        list in prop_oneof![4 => prop::collection::vec(package(), 0..8).prop_map(Value::from), 1 => anything()],
    ) {
        // A state that already has invoices, built the same way.
        let state = reconcile_invoices(&base, packages(Value::from(earlier)).packages()).unwrap();
        prop_assert!(state.validate().is_ok());
        let order: GetOrderSnapshot = serde_json::from_value(
            json!({"packageAttachment": {"packages": list.clone()}}),
        ).unwrap();
        let next = reconcile_invoices(&state, order.packages()).unwrap();
        prop_assert!(next.validate().is_ok());
        prop_assert_eq!(&next.invoices[..state.invoices.len()], &state.invoices[..]);
        prop_assert_eq!(
            OrderState { invoices: state.invoices.clone(), ..next.clone() },
            state.clone()
        );
        let listed = list.as_array().cloned().unwrap_or_default();
        for added in &next.invoices[state.invoices.len()..] {
            prop_assert!(
                listed.iter().any(|p| p["invoiceNumber"] == json!(added.invoice_number)),
                "{} is in no package", added.invoice_number
            );
        }
        prop_assert_eq!(reconcile_invoices(&next, order.packages()).unwrap(), next);
    }

    /// Whatever Get order's value, items and packages: the result validates, keeps the
    /// invoices, changes, status and timeline the state had, takes Get order's well-formed
    /// value and items exactly when they fit the state's invoices, and is a fixed point.
    #[test]
    fn reconcile_order_never_produces_an_invalid_state(
        base in base(),
        change in prop::option::of(1i64..2000),
        earlier in prop::collection::vec(package(), 0..5),
        value in value_of(),
        items in items_of(),
        list in prop_oneof![4 => prop::collection::vec(package(), 0..8).prop_map(Value::from), 1 => anything()],
    ) {
        let base = match change {
            Some(cents) if base.total.get() >= cents => {
                let mut handling = base.clone();
                handling.status = Some(Status::Handling);
                discount(&handling, "c-1", cents)
            }
            _ => base,
        };
        let state = reconcile_invoices(&base, packages(Value::from(earlier)).packages()).unwrap();
        let value = value.of(&state);
        let items = items.of(&state);
        let order: GetOrderSnapshot = serde_json::from_value(json!({
            "value": value, "items": items, "packageAttachment": {"packages": list},
        })).unwrap();
        let next = reconcile_order(&state, &order).unwrap();
        prop_assert!(next.validate().is_ok());
        prop_assert!(invoiced_skus_match(&next));
        prop_assert_eq!(&next.invoices[..state.invoices.len()], &state.invoices[..]);
        prop_assert_eq!(&next.changes, &state.changes);
        prop_assert_eq!(&next.timeline, &state.timeline);
        prop_assert_eq!(
            OrderState {
                invoices: state.invoices.clone(),
                total: state.total,
                items: state.items.clone(),
                ..next.clone()
            },
            state.clone()
        );
        // Lines: Get order's (well-formed parts) when they fit the state's invoices.
        let wanted = OrderState {
            total: order.value().unwrap_or(state.total),
            items: order.items().unwrap_or_else(|| state.items.clone()),
            ..state.clone()
        };
        let fits = wanted.validate().is_ok() && invoiced_skus_match(&wanted);
        let expected = if fits { &wanted } else { &state };
        prop_assert_eq!((&next.total, &next.items), (&expected.total, &expected.items));
        prop_assert_eq!(reconcile_order(&next, &order).unwrap(), next);
    }
}
