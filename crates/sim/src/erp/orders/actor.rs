//! The acting ERP: what it does with an order after the hand-off, through Ponte's GraphQL.
//!
//! Per order, with the [`Plan`] decided from `seed` and the order id:
//!
//! - **cancel** (a `cancelRate` fraction): after `startHandlingDelayMs`, `cancelOrder`. When
//!   the answer's `expectedStatus` is `cancellation-requested` (the OMS's two-step cancel in
//!   `ready-for-handling`/`handling`, §A.5) — or, with no `expectedStatus`, when Ponte's
//!   `order(id)` says so — after `cancelConfirmDelayMs` a second `cancelOrder` confirms.
//! - **fulfil**: after `startHandlingDelayMs`, `startHandling` (an order handed off before
//!   `ready-for-handling` is first waited for; one handed off in `handling` skips it); then it
//!   polls `order(id)` every `pollIntervalMs` until Ponte sees `handling` (at most
//!   `handlingWaitMs`; stopping if the order is canceled meanwhile). Optionally (`changeRate`)
//!   a `changeOrder` with a 1 % discount, then `orderChange` polled until VTEX has processed
//!   it (order modifications v2 are asynchronous; a failed or canceled change leaves the
//!   order's value as it was). Then, `invoiceDelayMs` before each, one Output
//!   invoice of the whole order, or (`partialInvoiceRate`) two whose values add up to the
//!   order's value ([`split_invoices`]); numbers `NF-{seq}-{n}`, `issuanceDate` now. Then
//!   (`trackingRate`), per invoice, `updateTracking` with a tracking number and, after
//!   `trackingDelayMs`, with delivery events (`isDelivered: true`).
//!
//! GraphQL calls go round-robin over `graphqlUrls` with headers `x-vtex-account`,
//! `x-vtex-workspace`, `x-vtex-credential`, `X-VTEX-API-AppKey`, `X-VTEX-API-AppToken`,
//! `content-type: application/json`. Connection errors, timeouts, HTTP 5xx/429 without a
//! GraphQL error, errors whose `extensions.code` is in `retryableCodes`, and `OMS_REFUSED` with
//! an OMS status of 429 or 5xx are retried (next URL, exponential backoff) up to `maxAttempts`;
//! any other error ends the action and is recorded: `refusedByPonte` (by code), `omsRefused`
//! (with `extensions.status` and `extensions.oms` verbatim), or `errors`. A refused action
//! ends the actor's work on the order, with the reason as its outcome.

use super::ErpOrders;
use super::plan::{
    InvoicePart, Plan, change_discount, order_lines, order_seq, order_value, split_invoices,
};
use super::records::{ActionOutcome, ActionRecord, OrderRecord};
use super::{ErpOrdersConfig, now_iso};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, sleep};

const RESULT: &str = "orderId action expectedStatus receipt date";

/// Where an order is, for the ERP's purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before `ready-for-handling` (or unknown).
    Before,
    Ready,
    Starting,
    Handling,
    Invoice,
    Invoiced,
    /// A cancellation is pending (`cancellation-requested` and its marketplace names).
    Cancelling,
    /// `cancel`, `canceled`, `replaced`.
    Gone,
}

fn phase(status: &str) -> Phase {
    match status {
        "ready-for-handling" => Phase::Ready,
        "start-handling" => Phase::Starting,
        "handling"
        | "waiting-for-fulfillment"
        | "ready-for-invoicing"
        | "invoice-after-cancellation-deny"
        | "cancellation-request-denied-ffm" => Phase::Handling,
        "invoice" => Phase::Invoice,
        "invoiced" => Phase::Invoiced,
        "cancellation-requested" | "request-cancel" | "waiting-for-seller-decision" => {
            Phase::Cancelling
        }
        "cancel" | "canceled" | "replaced" => Phase::Gone,
        _ => Phase::Before,
    }
}

/// How one GraphQL call (with its retries) ended.
#[derive(Debug, Clone)]
enum Answer {
    /// `data.{field}`.
    Ok(Value),
    /// A GraphQL error with a code: Ponte refused.
    Refused { code: String, message: String },
    /// `OMS_REFUSED`: the OMS said no, passed on by Ponte.
    Oms {
        message: String,
        status: Option<u16>,
        oms: Option<Value>,
    },
    /// Retries exhausted, or an answer that is neither data nor a coded error.
    Failed { code: String, message: String },
}

#[derive(Debug)]
struct Called {
    answer: Answer,
    calls: u32,
    /// An attempt ended without a clear answer (transport error, 5xx): the action may have
    /// happened.
    unclear: bool,
}

/// What [`Actor::act`] found.
#[derive(Debug)]
enum Act {
    /// Done now, with Ponte's `OrderActionResult`.
    Done(Value),
    /// Done before (a resumed actor).
    AlreadyDone,
    /// Refused or failed; the record's code says why.
    Stopped(String),
}

struct Actor<'a> {
    erp: &'a Arc<ErpOrders>,
    config: ErpOrdersConfig,
    order_id: String,
    steps: Vec<String>,
    intents: BTreeMap<String, Value>,
    queries: u64,
}

/// Works on one order until its plan is done or an action is refused; records everything.
pub(super) async fn run(erp: &Arc<ErpOrders>, order_id: &str) {
    let id = order_id.to_owned();
    let Ok(Some(record)) = erp.blocking(move |s| s.order(&id)).await else {
        return;
    };
    if record.actor.outcome.is_some() {
        return;
    }
    let config = erp.config();
    let plan = record
        .actor
        .plan
        .unwrap_or_else(|| Plan::decide(&config, order_id));
    if record.actor.plan.is_none() {
        let id = order_id.to_owned();
        if erp
            .blocking(move |s| s.update_actor(&id, |a| a.plan = Some(plan)))
            .await
            .is_err()
        {
            return;
        }
    }
    let mut actor = Actor {
        erp,
        config,
        order_id: order_id.to_owned(),
        steps: record.actor.steps.clone(),
        intents: record.actor.intents.clone(),
        queries: 0,
    };
    let outcome = if plan.cancel {
        actor.cancel(&record).await
    } else {
        actor.fulfil(&record, plan).await
    };
    let queries = actor.queries;
    let id = order_id.to_owned();
    let _ = erp
        .blocking(move |s| {
            s.update_actor(&id, |a| {
                a.outcome = Some(outcome);
                a.queries += queries;
            })
        })
        .await;
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

impl Actor<'_> {
    /// The status the ERP was last told of.
    fn told_status(record: &OrderRecord) -> String {
        record
            .last_status
            .clone()
            .or_else(|| record.handoffs.first().map(|h| h.status.clone()))
            .unwrap_or_default()
    }

    async fn cancel(&mut self, record: &OrderRecord) -> String {
        sleep(ms(self.config.start_handling_delay_ms)).await;
        let told = Self::told_status(record);
        match phase(&told) {
            Phase::Gone | Phase::Invoice | Phase::Invoiced => {
                return format!("nothing to do in status {told}");
            }
            _ => {}
        }
        let vars = json!({"orderId": self.order_id, "reason": "ERP: items unavailable", "requestedByUser": false});
        let query = format!(
            "mutation($orderId: ID!, $reason: String, $requestedByUser: Boolean) {{ cancelOrder(orderId: $orderId, reason: $reason, requestedByUser: $requestedByUser) {{ {RESULT} }} }}"
        );
        let expected = match self
            .act("cancel:1", "cancelOrder", &query, vars.clone(), None)
            .await
        {
            Act::Done(result) => match result.get("expectedStatus").and_then(Value::as_str) {
                Some(s) => Some(s.to_owned()),
                None => self.ponte_status().await,
            },
            Act::AlreadyDone => self.ponte_status().await,
            Act::Stopped(code) => return format!("cancelOrder refused: {code}"),
        };
        if expected.as_deref().map(phase) != Some(Phase::Cancelling) {
            return "canceled".to_owned();
        }
        sleep(ms(self.config.cancel_confirm_delay_ms)).await;
        match self
            .act("cancel:2", "cancelOrder", &query, vars, None)
            .await
        {
            Act::Done(_) | Act::AlreadyDone => "canceled".to_owned(),
            Act::Stopped(code) => format!("cancel confirmation refused: {code}"),
        }
    }

    async fn fulfil(&mut self, record: &OrderRecord, plan: Plan) -> String {
        sleep(ms(self.config.start_handling_delay_ms)).await;
        let Some(order) = record.order.clone() else {
            return "no order JSON in the hand-off".to_owned();
        };
        let told = Self::told_status(record);
        let mut now = phase(&told);
        match now {
            Phase::Gone | Phase::Cancelling | Phase::Invoiced => {
                return format!("nothing to do in status {told}");
            }
            Phase::Before => match self.wait_for(|p| p != Phase::Before).await {
                Ok(p) => now = p,
                Err(status) => return format!("never ready for handling (last seen {status})"),
            },
            _ => {}
        }
        if now == Phase::Ready || self.steps.iter().any(|s| s == "start") {
            let query = format!(
                "mutation($orderId: ID!) {{ startHandling(orderId: $orderId) {{ {RESULT} }} }}"
            );
            let vars = json!({"orderId": self.order_id});
            match self.act("start", "startHandling", &query, vars, None).await {
                Act::Done(_) | Act::AlreadyDone => {}
                Act::Stopped(code) if code == "ORDER_HANDLING_ALREADY_STARTED" => {}
                Act::Stopped(code) => return format!("startHandling refused: {code}"),
            }
        }
        if !matches!(now, Phase::Handling | Phase::Invoice) {
            match self
                .wait_for(|p| matches!(p, Phase::Handling | Phase::Invoice | Phase::Invoiced))
                .await
            {
                Ok(Phase::Invoiced) => return "invoiced by someone else".to_owned(),
                Ok(_) => {}
                Err(status) if matches!(phase(&status), Phase::Gone | Phase::Cancelling) => {
                    return format!("stopped: the order is {status}");
                }
                // Timed out: invoice anyway; Ponte refuses it if the order is not ready.
                Err(_) => {}
            }
        }

        let (Some(mut value), Some(lines)) = (order_value(&order), order_lines(&order)) else {
            return "the order JSON has no value or items".to_owned();
        };
        let seq = order_seq(&order, &self.order_id);
        if plan.change
            && let Some(discount) = change_discount(value)
        {
            let query = format!(
                "mutation($orderId: ID!, $change: ChangeOrderInput!) {{ changeOrder(orderId: $orderId, change: $change) {{ {RESULT} }} }}"
            );
            let change = json!({"requestId": format!("CHG-{seq}-1"), "reason": "ERP: goodwill discount", "discountValue": discount});
            let vars = json!({"orderId": self.order_id, "change": change});
            match self
                .act("change", "changeOrder", &query, vars, Some(change))
                .await
            {
                // VTEX applies a change asynchronously: invoice once it is done, and the
                // order whole when it failed or was canceled.
                Act::Done(result) => {
                    let receipt = result.get("receipt").and_then(Value::as_str);
                    let applied = match receipt {
                        Some(receipt) => self.wait_change(receipt).await,
                        None => true,
                    };
                    if applied {
                        value -= discount;
                    }
                }
                Act::AlreadyDone => value -= discount,
                // A refused change leaves the order as it was: invoice it whole.
                Act::Stopped(_) => {}
            }
        }

        let parts = split_invoices(&lines, value, plan.partial);
        let mut numbers = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let n = i + 1;
            let number = format!("NF-{seq}-{n}");
            if !self.steps.contains(&format!("invoice:{n}")) {
                sleep(ms(self.config.invoice_delay_ms)).await;
            }
            match self.invoice(n, &number, part).await {
                Act::Done(_) | Act::AlreadyDone => numbers.push(number),
                Act::Stopped(code) => return format!("invoiceOrder refused: {code}"),
            }
        }

        if plan.tracking {
            for (i, number) in numbers.iter().enumerate() {
                let n = i + 1;
                if let Err(code) = self.track(n, &seq, number).await {
                    return format!("updateTracking refused: {code}");
                }
            }
        }
        "completed".to_owned()
    }

    async fn invoice(&mut self, n: usize, number: &str, part: &InvoicePart) -> Act {
        let step = format!("invoice:{n}");
        if self.steps.contains(&step) {
            return Act::AlreadyDone;
        }
        let invoice = match self.intents.get(&step) {
            Some(invoice) => invoice.clone(),
            None => {
                let items: Vec<Value> = part
                    .lines
                    .iter()
                    .map(|l| json!({"id": l.id, "price": l.price, "quantity": l.quantity}))
                    .collect();
                let invoice = json!({
                    "type": "OUTPUT",
                    "invoiceNumber": number,
                    "invoiceValue": part.value.to_string(),
                    "issuanceDate": now_iso(),
                    "items": items,
                });
                let (id, key, value) = (self.order_id.clone(), step.clone(), invoice.clone());
                let stored = self
                    .erp
                    .blocking(move |s| {
                        s.update_actor(&id, |a| {
                            a.intents.insert(key, value);
                        })
                    })
                    .await;
                if stored.is_err() {
                    return Act::Stopped("ERP_STORE_FAILED".into());
                }
                self.intents.insert(step.clone(), invoice.clone());
                invoice
            }
        };
        let query = format!(
            "mutation($orderId: ID!, $invoice: InvoiceInput!) {{ invoiceOrder(orderId: $orderId, invoice: $invoice) {{ {RESULT} }} }}"
        );
        let vars = json!({"orderId": self.order_id, "invoice": invoice});
        self.act(&step, "invoiceOrder", &query, vars, Some(invoice))
            .await
    }

    async fn track(&mut self, n: usize, seq: &str, number: &str) -> Result<(), String> {
        let query = format!(
            "mutation($orderId: ID!, $invoiceNumber: String!, $tracking: TrackingInput, $events: TrackingEventsInput) {{ updateTracking(orderId: $orderId, invoiceNumber: $invoiceNumber, tracking: $tracking, events: $events) {{ {RESULT} }} }}"
        );
        let tracking_number = format!("TRK-{seq}-{n}");
        if !self.steps.contains(&format!("tracking:{n}")) {
            sleep(ms(self.config.tracking_delay_ms)).await;
        }
        let tracking = json!({
            "trackingNumber": tracking_number,
            "trackingUrl": format!("https://tracking.ponte-sim.test/{tracking_number}"),
            "courier": "Ponte Express",
            "dispatchedDate": now_iso(),
        });
        let vars = json!({"orderId": self.order_id, "invoiceNumber": number, "tracking": tracking});
        if let Act::Stopped(code) = self
            .act(
                &format!("tracking:{n}"),
                "updateTracking",
                &query,
                vars,
                Some(tracking),
            )
            .await
        {
            return Err(code);
        }
        if !self.steps.contains(&format!("events:{n}")) {
            sleep(ms(self.config.tracking_delay_ms)).await;
        }
        let at = now_iso();
        let events = json!({
            "isDelivered": true,
            "deliveredDate": at,
            "events": [
                {"city": "Rio de Janeiro", "state": "RJ", "description": "Out for delivery", "date": at},
                {"city": "Rio de Janeiro", "state": "RJ", "description": "Delivered", "date": at},
            ],
        });
        let vars = json!({"orderId": self.order_id, "invoiceNumber": number, "events": events});
        match self
            .act(
                &format!("events:{n}"),
                "updateTracking",
                &query,
                vars,
                Some(events),
            )
            .await
        {
            Act::Stopped(code) => Err(code),
            _ => Ok(()),
        }
    }

    /// Polls Ponte's `order(id)` until `want(phase)`; `Err(last status)` when the order is
    /// canceled or cancelling meanwhile, or after `handlingWaitMs`.
    async fn wait_for(&mut self, want: impl Fn(Phase) -> bool) -> Result<Phase, String> {
        let deadline = Instant::now() + ms(self.config.handling_wait_ms);
        let mut last = String::new();
        loop {
            if let Some(status) = self.ponte_status().await {
                let p = phase(&status);
                if want(p) {
                    return Ok(p);
                }
                if matches!(p, Phase::Gone | Phase::Cancelling) {
                    return Err(status);
                }
                last = status;
            }
            if Instant::now() >= deadline {
                return Err(if last.is_empty() {
                    "nothing".to_owned()
                } else {
                    last
                });
            }
            sleep(ms(self.config.poll_interval_ms)).await;
        }
    }

    /// Polls Ponte's `orderChange` until VTEX is no longer processing the change (or
    /// `handlingWaitMs` passes): false when it ended `failed` or `canceled`.
    async fn wait_change(&mut self, change_request_id: &str) -> bool {
        let deadline = Instant::now() + ms(self.config.handling_wait_ms);
        loop {
            self.queries += 1;
            let called = self
                .graphql(
                    "orderChange",
                    "query($o: ID!, $c: String!) { orderChange(orderId: $o, changeRequestId: $c) { status inProgress } }",
                    json!({"o": self.order_id, "c": change_request_id}),
                )
                .await;
            if let Answer::Ok(v) = called.answer
                && v.get("inProgress").and_then(Value::as_bool) == Some(false)
            {
                let status = v.get("status").and_then(Value::as_str).unwrap_or("");
                return !matches!(status, "failed" | "canceled");
            }
            if Instant::now() >= deadline {
                return true;
            }
            sleep(ms(self.config.poll_interval_ms)).await;
        }
    }

    /// The order's status as Ponte sees it (`None` when Ponte does not answer one).
    async fn ponte_status(&mut self) -> Option<String> {
        self.queries += 1;
        let called = self
            .graphql(
                "order",
                "query($id: ID!) { order(id: $id) { orderId status value invoicedValue } }",
                json!({"id": self.order_id}),
            )
            .await;
        match called.answer {
            Answer::Ok(v) => v.get("status").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        }
    }

    /// One action: skipped when its step is already done; otherwise called and recorded (the
    /// step marked done on success) before returning.
    async fn act(
        &mut self,
        step: &str,
        action: &str,
        query: &str,
        variables: Value,
        input: Option<Value>,
    ) -> Act {
        if self.steps.iter().any(|s| s == step) {
            return Act::AlreadyDone;
        }
        let called = self.graphql(action, query, variables).await;
        let mut record = ActionRecord {
            action: action.to_owned(),
            step: step.to_owned(),
            at: now_iso(),
            outcome: ActionOutcome::Succeeded,
            calls: called.calls,
            code: None,
            message: None,
            expected_status: None,
            oms_status: None,
            oms: None,
            input,
        };
        let act = match called.answer {
            Answer::Ok(result) => {
                record.expected_status = result
                    .get("expectedStatus")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                Act::Done(result)
            }
            // A start-handling or cancel whose first attempt may have gone through (its answer
            // was lost), or a cancellation confirmed by such an attempt: the goal is reached.
            Answer::Refused { code, .. }
                if (called.unclear
                    && action == "startHandling"
                    && code == "ORDER_HANDLING_ALREADY_STARTED")
                    || (action == "cancelOrder"
                        && code == "ORDER_CANCELED"
                        && (called.unclear || step == "cancel:2")) =>
            {
                record.message = Some(format!("{code} after an unclear attempt: counted as done"));
                Act::Done(Value::Null)
            }
            Answer::Refused { code, message } => {
                record.outcome = ActionOutcome::RefusedByPonte;
                record.code = Some(code.clone());
                record.message = Some(message);
                Act::Stopped(code)
            }
            Answer::Oms {
                message,
                status,
                oms,
            } => {
                record.outcome = ActionOutcome::OmsRefused;
                record.code = Some("OMS_REFUSED".into());
                record.message = Some(message);
                record.oms_status = status;
                record.oms = oms;
                Act::Stopped("OMS_REFUSED".into())
            }
            Answer::Failed { code, message } => {
                record.outcome = ActionOutcome::Error;
                record.code = Some(code.clone());
                record.message = Some(message);
                Act::Stopped(code)
            }
        };
        let done = matches!(act, Act::Done(_));
        if done {
            self.steps.push(step.to_owned());
        }
        let id = self.order_id.clone();
        let step = step.to_owned();
        let _ = self
            .erp
            .blocking(move |s| {
                s.update_actor(&id, |a| {
                    if done && !a.steps.contains(&step) {
                        a.steps.push(step);
                    }
                    a.actions.push(record);
                })
            })
            .await;
        act
    }

    /// One GraphQL request with retries (see the module docs); `field` is the answer's field.
    async fn graphql(&self, field: &str, query: &str, variables: Value) -> Called {
        let cfg = &self.config;
        let body = json!({"query": query, "variables": variables});
        let mut unclear = false;
        let mut last = String::new();
        for attempt in 1..=cfg.max_attempts {
            let Some(url) = self.erp.next_url(&cfg.graphql_urls) else {
                return Called {
                    answer: Answer::Failed {
                        code: "ERP_NOT_CONFIGURED".into(),
                        message: "no graphqlUrls".into(),
                    },
                    calls: attempt - 1,
                    unclear,
                };
            };
            let (account, workspace) = cfg.tenant_for(&url);
            let sent = self
                .erp
                .http
                .post(&url)
                .timeout(ms(cfg.request_timeout_ms))
                .header("content-type", "application/json")
                .header("x-vtex-account", account)
                .header("x-vtex-workspace", workspace)
                .header("x-vtex-credential", "ponte-sim-erp")
                .header("X-VTEX-API-AppKey", &cfg.app_key)
                .header("X-VTEX-API-AppToken", &cfg.app_token)
                .json(&body)
                .send()
                .await;
            let retry = match sent {
                Err(e) => {
                    unclear = true;
                    format!("transport: {e}")
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap_or_default();
                    let json: Option<Value> = serde_json::from_str(&text).ok();
                    match classify(cfg, field, status, json.as_ref()) {
                        Some(answer) => {
                            return Called {
                                answer,
                                calls: attempt,
                                unclear,
                            };
                        }
                        None => {
                            // A 5xx or `OMS_UNAVAILABLE` may hide an action that happened.
                            unclear = true;
                            format!("HTTP {status}: {}", snippet(&text))
                        }
                    }
                }
            };
            last = retry;
            if attempt < cfg.max_attempts {
                let backoff = cfg
                    .retry_base_ms
                    .saturating_mul(1u64 << (attempt - 1).min(16))
                    .min(5_000);
                sleep(ms(backoff)).await;
            }
        }
        Called {
            answer: Answer::Failed {
                code: "RETRIES_EXHAUSTED".into(),
                message: format!("{} attempts; last: {last}", cfg.max_attempts),
            },
            calls: cfg.max_attempts,
            unclear,
        }
    }
}

fn snippet(text: &str) -> String {
    text.chars().take(300).collect()
}

/// The answer of one HTTP exchange, or `None` to retry.
fn classify(
    cfg: &ErpOrdersConfig,
    field: &str,
    status: u16,
    json: Option<&Value>,
) -> Option<Answer> {
    let errors = json
        .and_then(|j| j.get("errors"))
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty());
    if let Some(first) = errors.and_then(|e| e.first()) {
        let message = first
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let ext = first.get("extensions");
        let code = ext
            .and_then(|x| x.get("code"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        return match code {
            Some(code) if cfg.retryable_codes.contains(&code) => None,
            Some(code) if code == "OMS_REFUSED" => {
                let oms_status = ext
                    .and_then(|x| x.get("status"))
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok());
                if oms_status.is_some_and(|s| s == 429 || s >= 500) {
                    return None;
                }
                Some(Answer::Oms {
                    message,
                    status: oms_status,
                    oms: ext.and_then(|x| x.get("oms")).cloned(),
                })
            }
            Some(code) => Some(Answer::Refused { code, message }),
            None if status >= 500 || status == 429 => None,
            None => Some(Answer::Failed {
                code: "UNEXPECTED_ANSWER".into(),
                message: format!("HTTP {status}, an error without extensions.code: {message}"),
            }),
        };
    }
    match json.and_then(|j| j.get("data")).and_then(|d| d.get(field)) {
        Some(v) if !v.is_null() => Some(Answer::Ok(v.clone())),
        // `order(id)` may be null: Ponte does not know the order (yet).
        Some(_) if field == "order" && status < 300 => Some(Answer::Ok(Value::Null)),
        _ if status >= 500 || status == 429 => None,
        _ => Some(Answer::Failed {
            code: "UNEXPECTED_ANSWER".into(),
            message: format!("HTTP {status} without data.{field}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified() {
        let cfg = ErpOrdersConfig::default();
        let err = |code: &str, extra: Value| {
            let mut ext = json!({"code": code});
            if let (Value::Object(e), Value::Object(x)) = (&mut ext, extra) {
                e.extend(x);
            }
            json!({"data": {"startHandling": null}, "errors": [{"message": "m", "extensions": ext}]})
        };
        assert!(
            classify(
                &cfg,
                "startHandling",
                200,
                Some(&err("RATE_LIMITED", json!({})))
            )
            .is_none()
        );
        assert!(matches!(
            classify(&cfg, "startHandling", 200, Some(&err("ORDER_NOT_READY_FOR_HANDLING", json!({})))),
            Some(Answer::Refused { code, .. }) if code == "ORDER_NOT_READY_FOR_HANDLING"
        ));
        let oms = json!({"error": {"code": "OMS003", "message": "x", "exception": null}});
        assert!(matches!(
            classify(&cfg, "startHandling", 200, Some(&err("OMS_REFUSED", json!({"status": 409, "oms": oms.clone()})))),
            Some(Answer::Oms { status: Some(409), oms: Some(o), .. }) if o == oms
        ));
        assert!(
            classify(
                &cfg,
                "startHandling",
                200,
                Some(&err("OMS_REFUSED", json!({"status": 503})))
            )
            .is_none()
        );
        assert!(classify(&cfg, "startHandling", 502, None).is_none());
        assert!(matches!(
            classify(
                &cfg,
                "startHandling",
                200,
                Some(&json!({"data": {"startHandling": {"orderId": "1"}}}))
            ),
            Some(Answer::Ok(_))
        ));
        assert!(matches!(
            classify(&cfg, "order", 200, Some(&json!({"data": {"order": null}}))),
            Some(Answer::Ok(Value::Null))
        ));
        assert!(matches!(
            classify(&cfg, "startHandling", 400, Some(&json!({"nope": 1}))),
            Some(Answer::Failed { .. })
        ));
    }

    #[test]
    fn phases() {
        assert_eq!(phase("ready-for-handling"), Phase::Ready);
        assert_eq!(phase("cancellation-requested"), Phase::Cancelling);
        assert_eq!(phase("window-to-cancel"), Phase::Before);
        assert_eq!(phase("canceled"), Phase::Gone);
    }
}
