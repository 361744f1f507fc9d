//! The Payment Provider Protocol's homologation flows (§G.1; dev portal "Payment Provider
//! Homologation"; the test cases of vtex-apps/payment-provider-example's `flow.ts`), run by the
//! gateway against the connector on the sim clock.
//!
//! `POST /_sim/gateway/homologation` `{"buyers": {"authorize", "denied", "cancel",
//! "asyncApproved", "asyncDenied"}, "value": cents}`: each buyer is a `miniCart.buyer` whose
//! credit account the caller prepared at the ERP so that the flow can happen (enough credit;
//! none; enough; slow on the first read then enough; slow on the first read then none). The
//! answer: `{ok, flows: [{name, ok, steps: [{step, ok, detail}]}], notApplicable: [...]}`.
//!
//! Checked on every create answer: HTTP 200 within the gateway's deadline, the same
//! `paymentId`, a `status` of approved, denied or undefined, `authorizationId` only when
//! approved, and the delays within §G.1's bounds. The flows:
//! - **Authorize**: approved; the same create again answers the same (idempotent by
//!   `paymentId`); the whole value settled (`settleId`, the same `value`); refunded in full.
//! - **Denied**: denied, without `authorizationId`.
//! - **Cancel**: approved, then cancelled (`cancellationId`); the same `requestId` again answers
//!   the same `cancellationId`.
//! - **AsyncApproved** / **AsyncDenied**: undefined first; the gateway's retry, on §G.1's cadence
//!   for the answered `delayToCancel`, ends approved / denied.
//! - Not applicable: **Redirect** and **BankInvoice** (a payment on account has no payment URL).

use super::{Gateway, NewTransaction, retry_cadence_ms};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    buyers: BTreeMap<String, Value>,
    #[serde(default = "default_value")]
    value: u64,
}

fn default_value() -> u64 {
    10_000
}

struct Flow {
    name: &'static str,
    steps: Vec<Value>,
}

impl Flow {
    fn check(&mut self, step: &str, ok: bool, detail: Value) -> bool {
        self.steps
            .push(json!({"step": step, "ok": ok, "detail": detail}));
        ok
    }
    fn ok(&self) -> bool {
        !self.steps.is_empty() && self.steps.iter().all(|s| s["ok"] == json!(true))
    }
}

/// The checks every create answer must pass.
fn create_answer_ok(
    flow: &mut Flow,
    step: &str,
    status: u16,
    answer: &Value,
    ms: u64,
    payment_id: &str,
    deadline: u64,
) -> Option<String> {
    let s = answer
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let auth = answer.get("authorizationId").filter(|v| !v.is_null());
    let within = |k: &str, min: u64, max: u64| {
        answer
            .get(k)
            .and_then(Value::as_u64)
            .is_some_and(|v| (min..=max).contains(&v))
    };
    let ok = status == 200
        && ms <= deadline
        && answer.get("paymentId").and_then(Value::as_str) == Some(payment_id)
        && matches!(s.as_str(), "approved" | "denied" | "undefined")
        && (auth.is_some() == (s == "approved"))
        && within("delayToCancel", 600, 2_592_000)
        && within("delayToAutoSettle", 0, 604_800)
        && within("delayToAutoSettleAfterAntifraud", 0, 604_800);
    flow.check(
        step,
        ok,
        json!({"status": status, "ms": ms, "answer": answer}),
    );
    ok.then_some(s)
}

async fn create(
    gw: &Gateway,
    flow: &mut Flow,
    buyer: &Value,
    value: u64,
) -> Option<(String, String)> {
    let order_id = format!("hom-{}-{}", flow.name, gw.clock().now_ms());
    let input = NewTransaction {
        order_id,
        value,
        buyer: buyer.clone(),
        payment_id: None,
        currency: None,
    };
    let deadline = gw.config().deadline_ms;
    match gw.create(input).await {
        Ok((tx, status, answer, ms)) => {
            let s = create_answer_ok(
                flow,
                "create",
                status,
                &answer,
                ms,
                &tx.payment_id,
                deadline,
            )?;
            Some((tx.payment_id, s))
        }
        Err(_) => {
            flow.check(
                "create",
                false,
                json!("the gateway refused the transaction"),
            );
            None
        }
    }
}

async fn authorize_flow(gw: &Gateway, buyer: &Value, value: u64) -> Flow {
    let mut f = Flow {
        name: "Authorize",
        steps: Vec::new(),
    };
    let Some((pid, s)) = create(gw, &mut f, buyer, value).await else {
        return f;
    };
    if !f.check("approved", s == "approved", json!(s)) {
        return f;
    }
    let first = gw
        .transaction(&pid)
        .and_then(|t| t.calls.last().map(|c| c.answer.clone()))
        .unwrap_or_default();
    let (status, again, ms) = gw.authorize(&pid).await;
    let deadline = gw.config().deadline_ms;
    if create_answer_ok(&mut f, "create again", status, &again, ms, &pid, deadline).is_some() {
        f.check(
            "the same answer",
            again.get("status") == first.get("status")
                && again.get("authorizationId") == first.get("authorizationId"),
            json!({"first": first, "again": again}),
        );
    }
    if let Some((status, a, _)) = gw.movement(&pid, "settlements", Some(value), None).await {
        f.check(
            "settled in full",
            status == 200
                && a.get("settleId").is_some_and(|v| !v.is_null())
                && a.get("value") == Some(&super::units(value)),
            json!({"status": status, "answer": a}),
        );
    }
    if let Some((status, a, _)) = gw.movement(&pid, "refunds", Some(value), None).await {
        f.check(
            "refunded in full",
            status == 200
                && a.get("refundId").is_some_and(|v| !v.is_null())
                && a.get("value") == Some(&super::units(value)),
            json!({"status": status, "answer": a}),
        );
    }
    f
}

async fn denied_flow(gw: &Gateway, buyer: &Value, value: u64) -> Flow {
    let mut f = Flow {
        name: "Denied",
        steps: Vec::new(),
    };
    if let Some((_, s)) = create(gw, &mut f, buyer, value).await {
        f.check("denied", s == "denied", json!(s));
    }
    f
}

async fn cancel_flow(gw: &Gateway, buyer: &Value, value: u64) -> Flow {
    let mut f = Flow {
        name: "Cancel",
        steps: Vec::new(),
    };
    let Some((pid, s)) = create(gw, &mut f, buyer, value).await else {
        return f;
    };
    if !f.check("approved", s == "approved", json!(s)) {
        return f;
    }
    let request_id = format!("hom-cancel-{pid}");
    let Some((status, a, _)) = gw
        .movement(&pid, "cancellations", None, Some(request_id.clone()))
        .await
    else {
        return f;
    };
    let id = a.get("cancellationId").cloned().unwrap_or(Value::Null);
    if f.check(
        "cancelled",
        status == 200 && !id.is_null(),
        json!({"status": status, "answer": a}),
    ) && let Some((status, b, _)) = gw
        .movement(&pid, "cancellations", None, Some(request_id))
        .await
    {
        f.check(
            "cancelled again, the same answer",
            status == 200 && b.get("cancellationId") == Some(&id),
            json!(b),
        );
    }
    f
}

async fn async_flow(
    gw: &Gateway,
    name: &'static str,
    buyer: &Value,
    value: u64,
    expected: &str,
) -> Flow {
    let mut f = Flow {
        name,
        steps: Vec::new(),
    };
    let Some((pid, s)) = create(gw, &mut f, buyer, value).await else {
        return f;
    };
    if !f.check("undefined first", s == "undefined", json!(s)) {
        return f;
    }
    let config = gw.config();
    let tx = gw.transaction(&pid);
    let cadence = config.retry_interval_ms.unwrap_or_else(|| {
        retry_cadence_ms(
            tx.as_ref()
                .and_then(|t| t.delay_to_cancel)
                .unwrap_or(86_400),
        )
    });
    gw.clock().advance(cadence);
    gw.run_timers().await;
    let tx = gw.transaction(&pid);
    let retried = tx
        .as_ref()
        .map_or(0, |t| t.calls.iter().filter(|c| c.op == "create").count());
    let last = tx
        .as_ref()
        .and_then(|t| t.calls.last().map(|c| c.answer.clone()))
        .unwrap_or_default();
    let status = last.get("status").and_then(Value::as_str).unwrap_or("");
    f.check(
        &format!("retried after {} min, {expected}", cadence / 60_000),
        retried >= 2 && status == expected,
        json!({"creates": retried, "answer": last}),
    );
    f
}

/// `POST /_sim/gateway/homologation`.
pub async fn run(State(gw): State<Arc<Gateway>>, body: Bytes) -> Response {
    let input: Input = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"code": "GATEWAY_BODY_INVALID", "message": e.to_string()})),
            )
                .into_response();
        }
    };
    let buyer = |k: &str| input.buyers.get(k).cloned().unwrap_or(Value::Null);
    let v = input.value;
    let flows = [
        authorize_flow(&gw, &buyer("authorize"), v).await,
        denied_flow(&gw, &buyer("denied"), v).await,
        cancel_flow(&gw, &buyer("cancel"), v).await,
        async_flow(&gw, "AsyncApproved", &buyer("asyncApproved"), v, "approved").await,
        async_flow(&gw, "AsyncDenied", &buyer("asyncDenied"), v, "denied").await,
    ];
    let ok = flows.iter().all(Flow::ok);
    let flows: Vec<Value> = flows
        .iter()
        .map(|f| json!({"name": f.name, "ok": f.ok(), "steps": f.steps}))
        .collect();
    Json(json!({
        "ok": ok,
        "flows": flows,
        "notApplicable": [
            {"name": "Redirect", "why": "a payment on account has no redirect URL"},
            {"name": "BankInvoice", "why": "a payment on account has no bank invoice URL"},
        ],
    }))
    .into_response()
}
