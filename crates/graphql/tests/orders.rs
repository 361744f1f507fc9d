//! The orders fields natively: the admin session first (as the import fields), then the order
//! id by the core's rule (`ORDER_ID_INVALID`), `updateTracking`'s empty input
//! (`TRACKING_INPUT_EMPTY`), and otherwise `NOT_SUPPORTED` (the flow needs the OMS and VBase).

mod common;

use common::{ACCOUNT, NOW, admin, claims_of, key, mint, run};
use ponte_graphql::SsoData;
use serde_json::Value;

const NODE_ORDER_ID_MESSAGE: &str =
    "an order id is 1 to 64 letters, digits, - or _ (e.g. v70530116pnt-01)";

fn admin_token() -> String {
    mint(&key(7), &claims_of("erp@example.com", "admin"))
}

/// The only error's code, checking that it is the only error and that nothing was answered.
fn code(response: &Value) -> String {
    let errors = response["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "one error: {response:#}");
    // A failed mutation (non-null result) nulls `data`; the nullable `order` query is null.
    let data = &response["data"];
    assert!(
        data.is_null()
            || data
                .as_object()
                .is_some_and(|o| o.values().all(Value::is_null)),
        "no answer: {response:#}"
    );
    errors[0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error code: {response:#}"))
        .to_owned()
}

fn message(response: &Value) -> &str {
    response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
}

const INVOICE: &str = r#"{ type: OUTPUT, invoiceNumber: "NF-1", invoiceValue: "2500", issuanceDate: "2024-01-31T18:25:43-05:00", items: [{ id: "12", price: 2500, quantity: 1 }] }"#;
const TRACKING: &str = r#"{ trackingNumber: "TRK-1", courier: "Acme" }"#;
const EVENTS: &str = r#"{ isDelivered: true, deliveredDate: "2024-02-03 10:30", events: [{ city: "Rio", date: "2024-02-02" }] }"#;
const CHANGE: &str = r#"{ requestId: "chg-1", reason: "out of stock", itemsRemoved: [{ id: "12", price: 2500, quantity: 1 }] }"#;

/// Every orders field with `id` as its order id (a GraphQL literal), named by its field.
fn fields(id: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "order",
            format!("{{ order(id: {id}) {{ orderId status }} }}"),
        ),
        (
            "orderChange",
            format!(
                "{{ orderChange(orderId: {id}, changeRequestId: \"e8532a32\") {{ status inProgress }} }}"
            ),
        ),
        (
            "startHandling",
            format!("mutation {{ startHandling(orderId: {id}) {{ orderId action }} }}"),
        ),
        (
            "invoiceOrder",
            format!(
                "mutation {{ invoiceOrder(orderId: {id}, invoice: {INVOICE}) {{ orderId action }} }}"
            ),
        ),
        (
            "cancelOrder",
            format!(
                "mutation {{ cancelOrder(orderId: {id}, reason: \"no stock\", requestedByUser: false) {{ expectedStatus }} }}"
            ),
        ),
        (
            "updateTracking",
            format!(
                "mutation {{ updateTracking(orderId: {id}, invoiceNumber: \"NF-1\", tracking: {TRACKING}, events: {EVENTS}) {{ action }} }}"
            ),
        ),
        (
            "changeOrder",
            format!(
                "mutation {{ changeOrder(orderId: {id}, change: {CHANGE}) {{ order {{ orderId timeline {{ at cause }} }} }} }}"
            ),
        ),
    ]
}

const VALID_ID: &str = "\"v70530116pnt-01\"";

#[tokio::test]
async fn without_a_session_every_field_answers_as_the_import_fields() {
    let import = run(
        "mutation { importCatalogBatch(batch: {}) { id } }",
        Some(SsoData::new(ACCOUNT, NOW)),
    )
    .await;
    let import_code = code(&import);
    assert_eq!(import_code, "UNAUTHENTICATED");
    let import_job = code(&run("{ importJob(id: \"imp-abcdef12\") { id } }", None).await);
    assert_eq!(import_job, import_code);

    // The session is checked before the order id: a bad id without a session is still
    // UNAUTHENTICATED.
    for id in [VALID_ID, "\"a/b\""] {
        for (field, query) in fields(id) {
            for data in [None, Some(SsoData::new(ACCOUNT, NOW))] {
                let response = run(&query, data).await;
                assert_eq!(code(&response), import_code, "{field} {id}: {response:#}");
            }
        }
    }
}

#[tokio::test]
async fn a_refused_token_is_refused_as_for_the_import_fields() {
    // Not confirmed by VTEX ID and no key set: TOKEN_REVOKED, as importCatalogBatch.
    let unconfirmed = || SsoData::new(ACCOUNT, NOW).with_bearer(admin_token());
    let import = code(
        &run(
            "mutation { importCatalogBatch(batch: {}) { id } }",
            Some(unconfirmed()),
        )
        .await,
    );
    assert_eq!(import, "TOKEN_REVOKED");
    for (field, query) in fields(VALID_ID) {
        assert_eq!(
            code(&run(&query, Some(unconfirmed())).await),
            import,
            "{field}"
        );
    }
}

#[tokio::test]
async fn an_invalid_order_id_is_order_id_invalid_with_the_node_message() {
    let too_long = format!("\"{}\"", "a".repeat(65));
    let ids = [
        "\"\"",
        "\"a/b\"",
        "\"v1 01\"",
        "\"v1.01\"",
        "\"pedido-ção\"",
        "\"../etc\"",
        too_long.as_str(),
    ];
    for id in ids {
        for (field, query) in fields(id) {
            let response = run(&query, Some(admin())).await;
            assert_eq!(code(&response), "ORDER_ID_INVALID", "{field} {id}");
            assert_eq!(message(&response), NODE_ORDER_ID_MESSAGE, "{field} {id}");
        }
    }
}

#[tokio::test]
async fn a_valid_call_is_not_supported_natively() {
    let longest = format!("\"{}\"", "A".repeat(64));
    // An integer literal is a valid ID too: "953712004126" is an order id.
    for id in [VALID_ID, "\"953712004126-01\"", "953712004126", &longest] {
        for (field, query) in fields(id) {
            let response = run(&query, Some(admin())).await;
            assert_eq!(
                code(&response),
                "NOT_SUPPORTED",
                "{field} {id}: {response:#}"
            );
            assert!(message(&response).contains(field), "{response:#}");
        }
    }
}

#[tokio::test]
async fn update_tracking_needs_tracking_or_events() {
    let query = |id: &str, args: &str| {
        format!(
            "mutation {{ updateTracking(orderId: {id}, invoiceNumber: \"NF-1\"{args}) {{ action }} }}"
        )
    };
    let response = run(&query(VALID_ID, ""), Some(admin())).await;
    assert_eq!(code(&response), "TRACKING_INPUT_EMPTY");
    assert_eq!(
        message(&response),
        "updateTracking needs tracking, events, or both"
    );
    let nulls = run(
        &query(VALID_ID, ", tracking: null, events: null"),
        Some(admin()),
    )
    .await;
    assert_eq!(code(&nulls), "TRACKING_INPUT_EMPTY");
    // As in the Node service: the order id first.
    assert_eq!(
        code(&run(&query("\"a/b\"", ""), Some(admin())).await),
        "ORDER_ID_INVALID"
    );
    // Without a session: the session first.
    assert_eq!(
        code(&run(&query(VALID_ID, ""), None).await),
        "UNAUTHENTICATED"
    );
    // Either one alone is enough to get past the check.
    for args in [
        format!(", tracking: {TRACKING}"),
        format!(", events: {EVENTS}"),
    ] {
        let response = run(&query(VALID_ID, &args), Some(admin())).await;
        assert_eq!(code(&response), "NOT_SUPPORTED", "{args}");
    }
}

#[tokio::test]
async fn the_invoice_payload_is_left_to_the_state_bound_checks() {
    // The core checks an invoice only against the order's state (the Node service loads it
    // from the OMS first), so natively a bad payload on a valid order id is NOT_SUPPORTED,
    // not a payload code: the two agree on what needs no IO.
    let bad = r#"{ type: INPUT, invoiceNumber: "NF/1", invoiceValue: "12,50", issuanceDate: "yesterday", items: [] }"#;
    let query =
        format!("mutation {{ invoiceOrder(orderId: {VALID_ID}, invoice: {bad}) {{ action }} }}");
    assert_eq!(code(&run(&query, Some(admin())).await), "NOT_SUPPORTED");
    // A payload that is not of the input type is GraphQL's own validation error (no code).
    let wrong = format!(
        "mutation {{ invoiceOrder(orderId: {VALID_ID}, invoice: {{ type: SALE }}) {{ action }} }}"
    );
    let response = run(&wrong, Some(admin())).await;
    assert!(
        response["errors"][0]["extensions"]["code"].is_null(),
        "{response:#}"
    );
}

#[tokio::test]
async fn the_mutation_lists_import_orders_intake_sync_then_antifraud_fields_in_the_schema_file_order()
 {
    let response = run("{ __type(name: \"Mutation\") { fields { name } } }", None).await;
    let names: Vec<&str> = response["data"]["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "importCatalogBatch",
            "startHandling",
            "invoiceOrder",
            "cancelOrder",
            "updateTracking",
            "changeOrder",
            "configureOrderIntake",
            "syncPrices",
            "syncInventory",
            "syncCustomers",
            "decideAntifraudReview",
            "exportCustomer",
            "eraseCustomer"
        ]
    );
    let response = run("{ __type(name: \"Query\") { fields { name } } }", None).await;
    // The orders queries end the orders part; the audit trail (audit.rs), the workspace role
    // and the intake (intake.rs) follow them, then the price and stock fields (sync.rs), then
    // the customer (customers.rs).
    let tail: Vec<String> = response["data"]["__type"]["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .rev()
                .take(6)
                .filter_map(|f| f["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        tail,
        [
            "customer",
            "availability",
            "computedPrice",
            "syncJob",
            "orderIntake",
            "workspaceRole"
        ]
    );
}

#[tokio::test]
async fn deciding_an_antifraud_review_needs_an_admin_and_the_service() {
    let query = "mutation { decideAntifraudReview(transactionId: \"T1\", decision: APPROVED) { id status hookOwed } }";
    assert_eq!(code(&run(query, None).await), "UNAUTHENTICATED");
    assert_eq!(code(&run(query, Some(admin())).await), "NOT_SUPPORTED");
}
