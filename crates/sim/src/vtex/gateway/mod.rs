//! VTEX's Payment Gateway, as a connector app sees it (§G.1): it creates a transaction per order,
//! calls the connector through the VTEX IO router with the Payment Provider Protocol's bodies
//! and headers, and follows the payment's life: retries an `undefined` create on VTEX's cadence
//! until it is decided or `delayToCancel` elapses (then cancels), settles automatically after
//! `delayToAutoSettle`, settles on invoice (a partial invoice settles part), refunds and cancels
//! on request, and runs the protocol's homologation flows ([`homologation`]). Time is the
//! simulator's clock ([`crate::platform::clock`]), so tests fast-forward the hours VTEX waits.
//!
//! Sources: §G.1 (dev portal "Payment Provider Protocol", "Implementing a payment provider",
//! "Purchase flows", "Payment Provider Homologation"); the OpenAPI "Payment Provider Protocol"
//! (bodies, answers, `X-PROVIDER-API-AppKey`/`-AppToken` with `usesProviderHeadersName`);
//! vtex-apps/payment-provider-example (the connector's routes under
//! `/_v/api/connectors/{vendor}.{app}/v0/`).
//!
//! # Simulator host
//!
//! - `GET|PUT /_sim/gateway/config`: [`GatewayConfig`] (a `PUT` may carry some properties).
//! - `POST /_sim/gateway/transactions` `{orderId, value (cents), buyer, paymentId?, currency?}`:
//!   creates the transaction and posts `POST {connector}/payments`; answers
//!   `{transaction, http: {status, body, ms}}`.
//! - `POST /_sim/gateway/transactions/{paymentId}/authorize`: posts the create again now (a
//!   retry, or a duplicate when decided).
//! - `POST /_sim/gateway/transactions/{paymentId}/settlements` `{value?, requestId?}` (the
//!   invoiced value; default what is left), `/refunds` `{value?, requestId?}`,
//!   `/cancellations` `{requestId?}`: one protocol call each, answered with the connector's.
//! - `GET /_sim/gateway/transactions[/{paymentId}]`: the transactions with every call made.
//! - `POST /_sim/gateway/timers`: runs the due timers now (the background loop runs them every
//!   100 ms of real time too).
//! - `POST /_sim/gateway/homologation`: the flows; see [`homologation`].
//!
//! # The connector's callback (§G.1)
//!
//! Every create carries `callbackUrl`
//! `https://{account}.vtexpayments.com.br/api/pvt/payment-provider/transactions/{transactionId}/payments/{paymentId}/callback?accountName={account}&X-VTEX-signature={signature}`;
//! the simulator serves that host ([`api_routes`]). A `POST` there needs a VTEX credential (the
//! dispatcher's `/pvt/` rule), the transaction's own signature (else `401`
//! `GATEWAY_CALLBACK_SIGNATURE`), a known payment of that transaction (else `404`
//! `GATEWAY_PAYMENT_UNKNOWN`) and the create's answer for that payment as body (else `400`
//! `GATEWAY_CALLBACK_BODY`). Accepted (`200 {paymentId, received}`), it is recorded in the
//! transaction's `callbacks` and, while the payment is `authorizing`, the create is retried at
//! once: VTEX IO connectors use the *retry* flow (§G.1), the retry's answer decides, and the
//! timers' own retries go on. **[sim's choice]** VTEX documents neither the callback's answer
//! body nor how the signature is made.
//!
//! # The order's payment (§A.7, §G.1)
//!
//! The gateway listens to the OMS's committed changes (a [`Fanout`] beside the broadcaster on
//! [`crate::platform::bus`]): for the transaction whose `orderId` is the order's, every output
//! invoice of `packageAttachment.packages` not yet settled is settled for exactly its
//! `invoiceValue` (request id `invoice-{invoiceNumber}`: a partial invoice settles part), an
//! input (return) invoice is refunded for its value, and an order `canceled` before any
//! settlement cancels the payment (§G.1: normal settlement follows the invoice; a cancelled
//! order cancels the payment).
//!
//! The other way (§G.1, §A.5: the order waits in `payment-pending` for its payment; a denied
//! payment cancels the order): each decision is told to the OMS
//! ([`crate::vtex::oms::Engine::payment_result`]). An order created with `gatewayPayment`
//! waits in `payment-pending`; approved, it goes on to `ready-for-handling` by the usual
//! chain; denied, or cancelled before any approval (`delayToCancel` elapsed), it is cancelled
//! (`cancellationData.RequestedByPaymentNotification`).
//!
//! **[emulator choices]** (VTEX is silent; configurable): the gateway answers a connector error
//! (non-200 create, no answer within `deadlineMs`) like `undefined` and retries on the same
//! cadence; settlement and refund retries are left to the caller (VTEX retries them for a day).

pub mod homologation;

use crate::platform::bus::{ChangeSink, OrderChange};
use crate::platform::clock::SimClock;
use crate::platform::error::coded;
use crate::platform::error::{SimError, StoreError};
use crate::platform::lock;
use crate::platform::store::open_database;
use crate::vtex::io::IoRouter;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path as FsPath;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

const TXS: TableDefinition<&str, &str> = TableDefinition::new("gateway_transactions");

/// The gateway's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GatewayConfig {
    /// The connector's base path on the account's host (its `service.json` routes).
    pub connector: String,
    /// The affiliation's app key and token, sent as `X-PROVIDER-API-AppKey`/`-AppToken`.
    pub app_key: String,
    pub app_token: String,
    /// `true` (configuration.json `usesProviderHeadersName`): the provider headers; else
    /// `X-VTEX-API-AppKey`/`-AppToken`.
    pub provider_headers: bool,
    /// 5 s in homologation, 20 s in production (§G).
    pub deadline_ms: u64,
    /// Settle automatically after `delayToAutoSettle` (§G.1).
    pub auto_settle: bool,
    /// Overrides §G.1's retry cadence for undefined payments (milliseconds of the sim clock).
    pub retry_interval_ms: Option<i64>,
    /// The affiliation's custom fields, sent as `merchantSettings`.
    pub merchant_settings: Vec<Value>,
    pub currency: String,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            connector: "/_v/api/connectors/ponte.ponte/v0".into(),
            app_key: String::new(),
            app_token: String::new(),
            provider_headers: true,
            deadline_ms: 5_000,
            auto_settle: true,
            retry_interval_ms: None,
            merchant_settings: Vec::new(),
            currency: "BRL".into(),
        }
    }
}

/// One protocol call and its outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Call {
    pub op: String,
    pub request_id: Option<String>,
    /// 0: no answer (timeout, unreachable).
    pub status: u16,
    pub answer: Value,
    pub ms: u64,
    pub at: i64,
}

/// A transaction with its one payment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Transaction {
    pub payment_id: String,
    pub transaction_id: String,
    pub order_id: String,
    pub value: u64,
    pub currency: String,
    pub buyer: Value,
    /// `authorizing`, `approved`, `denied`, `cancelled` (the gateway's view, §G.1).
    pub status: String,
    pub authorization_id: Option<String>,
    pub delay_to_auto_settle: Option<u64>,
    pub delay_to_cancel: Option<u64>,
    pub created_at: i64,
    pub approved_at: Option<i64>,
    pub next_retry_at: Option<i64>,
    pub settled: u64,
    pub refunded: u64,
    pub settlements: Vec<Value>,
    pub refunds: Vec<Value>,
    pub cancellation: Option<Value>,
    pub approvals: u32,
    pub calls: Vec<Call>,
    /// The connector's calls to `callbackUrl` ([`Gateway::callback`]), each
    /// `{at, status, accepted, code?}`.
    pub callbacks: Vec<Value>,
}

/// The gateway.
#[derive(Debug)]
pub struct Gateway {
    io: Arc<IoRouter>,
    clock: Arc<SimClock>,
    account: String,
    db: Database,
    config: Mutex<GatewayConfig>,
    txs: Mutex<BTreeMap<String, Transaction>>,
    /// Serialises the timers' runs.
    timer_lock: tokio::sync::Mutex<()>,
    ids: AtomicU64,
    /// Set by [`Gateway::start`]: where order changes are worked on.
    runtime: Mutex<Option<(tokio::runtime::Handle, Weak<Gateway>)>>,
    /// The OMS whose orders the transactions pay ([`Gateway::attach_oms`]); weak, as the OMS
    /// holds the gateway (its change sink): a cycle would keep both stores open after a stop.
    oms: Mutex<Option<Weak<crate::vtex::oms::Engine>>>,
}

/// Several sinks for the OMS's changes (the broadcaster and the gateway).
#[derive(Debug)]
pub struct Fanout(pub Vec<Arc<dyn ChangeSink>>);

impl ChangeSink for Fanout {
    fn publish(&self, change: OrderChange) {
        for sink in &self.0 {
            sink.publish(change.clone());
        }
    }
}

impl ChangeSink for Gateway {
    fn publish(&self, change: OrderChange) {
        let known = lock(&self.txs)
            .values()
            .any(|t| t.order_id == change.order_id);
        if !known {
            return;
        }
        if let Some((handle, me)) = lock(&self.runtime).clone()
            && let Some(gw) = me.upgrade()
        {
            handle.spawn(async move { gw.on_order_change(change).await });
        }
    }
}

/// §G.1: while a payment is undefined VTEX retries every 5 minutes when `delayToCancel` is
/// 300–3600 s, every hour below a day, every 4 hours from a day on.
pub fn retry_cadence_ms(delay_to_cancel_s: u64) -> i64 {
    match delay_to_cancel_s {
        300..=3600 => 5 * 60_000,
        0..=86_399 => 60 * 60_000,
        _ => 4 * 60 * 60_000,
    }
}

/// The `X-VTEX-signature` of a transaction's `callbackUrl` (at most 32 characters, §G.1).
/// **[sim's choice]** VTEX documents the parameter, not how it is made: here a digest of the
/// transaction's ids and creation time, so a URL for another payment never matches.
pub fn signature(tx: &Transaction) -> String {
    use std::hash::{Hash, Hasher};
    let mut a = std::collections::hash_map::DefaultHasher::new();
    (&tx.payment_id, &tx.transaction_id, tx.created_at, "a").hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    (&tx.payment_id, &tx.transaction_id, tx.created_at, "b").hash(&mut b);
    format!("{:016X}{:016X}", a.finish(), b.finish())
}

/// Cents as the protocol's decimal `value`.
pub fn units(cents: u64) -> Value {
    if cents.is_multiple_of(100) {
        json!(cents / 100)
    } else {
        json!(cents as f64 / 100.0)
    }
}

impl Gateway {
    /// Opens `dir/gateway.redb` (blocking) and loads the transactions.
    pub fn open(
        dir: &FsPath,
        io: Arc<IoRouter>,
        clock: Arc<SimClock>,
        account: String,
    ) -> Result<Arc<Self>, SimError> {
        let db = open_database(dir, "gateway.redb", |txn| {
            txn.open_table(TXS)?;
            Ok(())
        })?;
        let mut txs = BTreeMap::new();
        {
            let txn = db.begin_read().map_err(StoreError::from)?;
            let table = txn.open_table(TXS).map_err(StoreError::from)?;
            for row in table.iter().map_err(StoreError::from)? {
                let (k, v) = row.map_err(StoreError::from)?;
                if let Ok(tx) = serde_json::from_str::<Transaction>(v.value()) {
                    txs.insert(k.value().to_owned(), tx);
                }
            }
        }
        Ok(Arc::new(Gateway {
            io,
            clock,
            account,
            db,
            config: Mutex::new(GatewayConfig::default()),
            txs: Mutex::new(txs),
            timer_lock: tokio::sync::Mutex::new(()),
            ids: AtomicU64::new(0),
            runtime: Mutex::new(None),
            oms: Mutex::new(None),
        }))
    }

    /// Runs the timers every 100 ms of real time until the process ends.
    pub fn start(self: &Arc<Self>) {
        *lock(&self.runtime) = Some((tokio::runtime::Handle::current(), Arc::downgrade(self)));
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let Some(gw) = me.upgrade() else { break };
                gw.run_timers().await;
            }
        });
    }

    /// Tells the OMS each payment's result (see the module's comment).
    pub fn attach_oms(&self, engine: &Arc<crate::vtex::oms::Engine>) {
        *lock(&self.oms) = Some(Arc::downgrade(engine));
    }

    /// The order's payment was decided: approved moves it on, denied (or cancelled before any
    /// approval) cancels it (§G.1, §A.5). Only orders created to wait for the gateway change.
    fn tell_oms(&self, order_id: &str, approved: bool) {
        let Some(engine) = lock(&self.oms).as_ref().and_then(Weak::upgrade) else {
            return;
        };
        // An order the OMS does not know (a transaction created alone) is nobody's business.
        let _ = engine.payment_result(&self.account, order_id, approved);
    }

    pub fn config(&self) -> GatewayConfig {
        lock(&self.config).clone()
    }

    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    fn save(&self, tx: &Transaction) {
        let write = || -> Result<(), StoreError> {
            let json = serde_json::to_string(tx).map_err(|source| StoreError::Encode {
                entity: "gateway transaction",
                source,
            })?;
            let txn = self.db.begin_write()?;
            {
                let mut t = txn.open_table(TXS)?;
                t.insert(tx.payment_id.as_str(), json.as_str())?;
            }
            txn.commit()?;
            Ok(())
        };
        // A failed write only loses the sim's own record; the answer was the connector's.
        let _ = write();
    }

    fn update(&self, payment_id: &str, f: impl FnOnce(&mut Transaction)) -> Option<Transaction> {
        let mut txs = lock(&self.txs);
        let tx = txs.get_mut(payment_id)?;
        f(tx);
        let out = tx.clone();
        drop(txs);
        self.save(&out);
        Some(out)
    }

    pub fn transaction(&self, payment_id: &str) -> Option<Transaction> {
        lock(&self.txs).get(payment_id).cloned()
    }

    fn next_id(&self, prefix: &str) -> String {
        format!(
            "{prefix}{:X}{:04X}",
            self.clock.now_ms(),
            self.ids.fetch_add(1, Ordering::SeqCst) & 0xFFFF
        )
    }

    /// One protocol call through the IO router, timed against the deadline.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value, u64) {
        let config = self.config();
        let mut headers = BTreeMap::new();
        let (k, t) = if config.provider_headers {
            ("x-provider-api-appkey", "x-provider-api-apptoken")
        } else {
            ("x-vtex-api-appkey", "x-vtex-api-apptoken")
        };
        headers.insert(k.to_owned(), config.app_key.clone());
        headers.insert(t.to_owned(), config.app_token.clone());
        headers.insert("accept".into(), "application/json".into());
        let started = Instant::now();
        let out = self
            .io
            .exchange_route(
                method,
                &self.account,
                &format!("{}{path}", config.connector),
                &headers,
                body.map(|b| serde_json::to_vec(b).unwrap_or_default()),
                Duration::from_millis(config.deadline_ms),
            )
            .await;
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match out {
            Ok((status, bytes)) => {
                let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                (status, v, ms)
            }
            Err(o) => (0, json!({"outcome": o.to_string()}), ms),
        }
    }

    /// The connector's manifest.
    pub async fn manifest(&self) -> (u16, Value, u64) {
        self.call(reqwest::Method::GET, "/manifest", None).await
    }

    /// Creates a transaction and authorises it.
    pub async fn create(
        &self,
        input: NewTransaction,
    ) -> Result<(Transaction, u16, Value, u64), Response> {
        let payment_id = input
            .payment_id
            .clone()
            .unwrap_or_else(|| self.next_id("P"));
        let config = self.config();
        let tx = Transaction {
            payment_id: payment_id.clone(),
            transaction_id: self.next_id("T"),
            order_id: input.order_id,
            value: input.value,
            currency: input.currency.unwrap_or(config.currency),
            buyer: input.buyer,
            status: "authorizing".into(),
            created_at: self.clock.now_ms(),
            ..Transaction::default()
        };
        {
            let mut txs = lock(&self.txs);
            if txs.contains_key(&payment_id) {
                return Err(coded(
                    StatusCode::CONFLICT,
                    "GATEWAY_PAYMENT_EXISTS",
                    "that paymentId exists",
                ));
            }
            txs.insert(payment_id.clone(), tx.clone());
        }
        self.save(&tx);
        let (status, answer, ms) = self.authorize(&payment_id).await;
        let tx = self.transaction(&payment_id).unwrap_or(tx);
        Ok((tx, status, answer, ms))
    }

    /// `POST /payments` for a transaction (first time, retry or duplicate).
    pub async fn authorize(&self, payment_id: &str) -> (u16, Value, u64) {
        let Some(tx) = self.transaction(payment_id) else {
            return (0, json!({"outcome": "no such transaction"}), 0);
        };
        let config = self.config();
        let callback = format!(
            "https://{acc}.vtexpayments.com.br/api/pvt/payment-provider/transactions/{t}/payments/{p}/callback?accountName={acc}&X-VTEX-signature={sig}",
            acc = self.account,
            t = tx.transaction_id,
            p = tx.payment_id,
            sig = signature(&tx),
        );
        let body = json!({
            "reference": tx.order_id,
            "orderId": tx.order_id,
            "shopperInteraction": "ecommerce",
            "transactionId": tx.transaction_id,
            "paymentId": tx.payment_id,
            "paymentMethod": "Promissories",
            "paymentMethodCustomCode": null,
            "merchantName": self.account,
            "value": units(tx.value),
            "currency": tx.currency,
            "installments": 1,
            "deviceFingerprint": "sim",
            "miniCart": {"buyer": tx.buyer, "items": [], "shippingValue": 0, "taxValue": 0},
            "merchantSettings": config.merchant_settings,
            "url": format!("https://{}.vtexcommercestable.com.br/checkout/orderPlaced?og={}", self.account, tx.order_id),
            "callbackUrl": callback,
            "returnUrl": format!("https://{}.vtexcommercestable.com.br/checkout/orderPlaced?og={}", self.account, tx.order_id),
            "inboundRequestsUrl": format!("https://{}.vtexpayments.com.br/api/pvt/payment-provider/transactions/{}/payments/{}/inbound-request/:action", self.account, tx.transaction_id, tx.payment_id),
            "sandBoxMode": false,
            "totalCartValue": units(tx.value),
        });
        let (status, answer, ms) = self
            .call(reqwest::Method::POST, "/payments", Some(&body))
            .await;
        let now = self.clock.now_ms();
        let decided = answer
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        self.update(payment_id, |tx| {
            tx.calls.push(Call {
                op: "create".into(),
                request_id: None,
                status,
                answer: answer.clone(),
                ms,
                at: now,
            });
            let ok = status == 200
                && answer.get("paymentId").and_then(Value::as_str) == Some(tx.payment_id.as_str());
            let to_cancel = answer.get("delayToCancel").and_then(Value::as_u64);
            if ok {
                tx.delay_to_cancel = to_cancel.or(tx.delay_to_cancel);
                tx.delay_to_auto_settle = answer
                    .get("delayToAutoSettle")
                    .and_then(Value::as_u64)
                    .or(tx.delay_to_auto_settle);
            }
            if tx.status != "authorizing" {
                return; // decided already: a duplicate create changes nothing here
            }
            match (ok, decided.as_str()) {
                (true, "approved") => {
                    tx.status = "approved".into();
                    tx.approvals += 1;
                    tx.approved_at = Some(now);
                    tx.next_retry_at = None;
                    tx.authorization_id = answer
                        .get("authorizationId")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                }
                (true, "denied") => {
                    tx.status = "denied".into();
                    tx.next_retry_at = None;
                }
                _ => {
                    let cadence = config
                        .retry_interval_ms
                        .unwrap_or_else(|| retry_cadence_ms(tx.delay_to_cancel.unwrap_or(86_400)));
                    tx.next_retry_at = Some(now + cadence);
                }
            }
        });
        if let Some(after) = self.transaction(payment_id)
            && after.status != tx.status
        {
            match after.status.as_str() {
                "approved" => self.tell_oms(&after.order_id, true),
                "denied" => self.tell_oms(&after.order_id, false),
                _ => {}
            }
        }
        (status, answer, ms)
    }

    /// A settlement, refund or cancellation call.
    pub async fn movement(
        &self,
        payment_id: &str,
        kind: &str,
        value: Option<u64>,
        request_id: Option<String>,
    ) -> Option<(u16, Value, u64)> {
        let tx = self.transaction(payment_id)?;
        let request_id = request_id.unwrap_or_else(|| self.next_id("R"));
        let (path, body, value) = match kind {
            "settlements" => {
                let v = value.unwrap_or(tx.value.saturating_sub(tx.settled));
                (
                    "settlements",
                    json!({"paymentId": tx.payment_id, "requestId": request_id, "settleId": null, "transactionId": tx.transaction_id, "value": units(v), "authorizationId": tx.authorization_id, "tid": tx.payment_id, "recipients": []}),
                    v,
                )
            }
            "refunds" => {
                let v = value.unwrap_or(tx.settled.saturating_sub(tx.refunded));
                let settle_id = tx
                    .settlements
                    .last()
                    .and_then(|s| s.get("settleId"))
                    .cloned()
                    .unwrap_or(Value::Null);
                (
                    "refunds",
                    json!({"paymentId": tx.payment_id, "requestId": request_id, "settleId": settle_id, "transactionId": tx.transaction_id, "value": units(v), "tid": tx.payment_id, "recipients": []}),
                    v,
                )
            }
            _ => (
                "cancellations",
                json!({"paymentId": tx.payment_id, "requestId": request_id, "authorizationId": tx.authorization_id, "transactionId": tx.transaction_id, "tid": tx.payment_id, "value": units(tx.value)}),
                0,
            ),
        };
        let (status, answer, ms) = self
            .call(
                reqwest::Method::POST,
                &format!("/payments/{}/{path}", tx.payment_id),
                Some(&body),
            )
            .await;
        let now = self.clock.now_ms();
        let before = self.transaction(payment_id).map(|t| t.status);
        let after = self.update(payment_id, |tx| {
            tx.calls.push(Call { op: kind.to_owned(), request_id: Some(request_id.clone()), status, answer: answer.clone(), ms, at: now });
            if status != 200 {
                return;
            }
            let known = |list: &Vec<Value>| list.iter().any(|m| m.get("requestId").and_then(Value::as_str) == Some(request_id.as_str()));
            match kind {
                "settlements" if !known(&tx.settlements) => {
                    tx.settled += value;
                    tx.settlements.push(json!({"requestId": request_id, "value": value, "settleId": answer.get("settleId")}));
                }
                "refunds" if !known(&tx.refunds) => {
                    tx.refunded += value;
                    tx.refunds.push(json!({"requestId": request_id, "value": value, "refundId": answer.get("refundId")}));
                }
                "cancellations" => {
                    // §G.1: after a cancellation VTEX marks the transaction cancelled.
                    tx.status = "cancelled".into();
                    tx.next_retry_at = None;
                    tx.cancellation = Some(json!({"requestId": request_id, "cancellationId": answer.get("cancellationId")}));
                }
                _ => {}
            }
        });
        // A payment cancelled before it was approved (delayToCancel elapsed) cancels its order.
        if let Some(after) = after
            && after.status == "cancelled"
            && before.as_deref() == Some("authorizing")
        {
            self.tell_oms(&after.order_id, false);
        }
        Some((status, answer, ms))
    }

    /// The connector called `callbackUrl` (§G.1): the signature must be the one this
    /// transaction's URL carries and the body the create's answer for this payment. A VTEX IO
    /// connector's callback makes the gateway retry `POST /payments` at once (*retry* flow,
    /// §G.1; vtex-apps/payment-provider-example posts the create answer there); the answer
    /// of that retry decides, so a callback can never approve twice. The timers keep retrying
    /// on their cadence meanwhile (a lost callback changes nothing).
    pub fn callback(
        &self,
        transaction_id: &str,
        payment_id: &str,
        signature_given: Option<&str>,
        body: &[u8],
    ) -> Response {
        let Some(tx) = self.transaction(payment_id) else {
            return coded(
                StatusCode::NOT_FOUND,
                "GATEWAY_PAYMENT_UNKNOWN",
                "no such transaction",
            );
        };
        let now = self.clock.now_ms();
        let refuse = |status: StatusCode, code: &str, message: &str| {
            self.update(payment_id, |t| {
                t.callbacks.push(
                    json!({"at": now, "status": status.as_u16(), "accepted": false, "code": code}),
                );
            });
            coded(status, code, message)
        };
        if tx.transaction_id != transaction_id {
            return refuse(
                StatusCode::NOT_FOUND,
                "GATEWAY_PAYMENT_UNKNOWN",
                "that payment is not this transaction's",
            );
        }
        if signature_given != Some(signature(&tx).as_str()) {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "GATEWAY_CALLBACK_SIGNATURE",
                "X-VTEX-signature missing or wrong: use callbackUrl as given",
            );
        }
        let answer: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let status = answer.get("status").and_then(Value::as_str).unwrap_or("");
        if answer.get("paymentId").and_then(Value::as_str) != Some(payment_id)
            || !matches!(status, "approved" | "denied" | "undefined")
        {
            return refuse(
                StatusCode::BAD_REQUEST,
                "GATEWAY_CALLBACK_BODY",
                "the body must be the create's answer for this payment",
            );
        }
        let retry = tx.status == "authorizing";
        self.update(payment_id, |t| {
            t.callbacks.push(json!({"at": now, "status": 200, "accepted": true, "reported": status, "retried": retry}));
        });
        if retry
            && let Some((handle, me)) = lock(&self.runtime).clone()
            && let Some(gw) = me.upgrade()
        {
            let pid = payment_id.to_owned();
            handle.spawn(async move {
                let _guard = gw.timer_lock.lock().await;
                if gw
                    .transaction(&pid)
                    .is_some_and(|t| t.status == "authorizing")
                {
                    gw.authorize(&pid).await;
                }
            });
        }
        Json(json!({"paymentId": payment_id, "received": true})).into_response()
    }

    /// Settles each new output invoice of the order, refunds each input one, cancels a
    /// cancelled order's payment (see the module's comment).
    pub async fn on_order_change(&self, change: OrderChange) {
        let _guard = self.timer_lock.lock().await;
        let Some(tx) = lock(&self.txs)
            .values()
            .find(|t| t.order_id == change.order_id)
            .cloned()
        else {
            return;
        };
        if change.state == "canceled" {
            if tx.settled == 0 && matches!(tx.status.as_str(), "approved" | "authorizing") {
                self.movement(
                    &tx.payment_id,
                    "cancellations",
                    None,
                    Some(format!("order-canceled-{}", tx.order_id)),
                )
                .await;
            }
            return;
        }
        let packages = change.order["packageAttachment"]["packages"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for p in packages {
            let (Some(number), Some(value)) =
                (p["invoiceNumber"].as_str(), p["invoiceValue"].as_u64())
            else {
                continue;
            };
            let input = p["type"].as_str() == Some("Input");
            let request_id = format!("invoice-{number}");
            let current = self.transaction(&tx.payment_id).unwrap_or_default();
            let done = |list: &Vec<Value>| {
                list.iter()
                    .any(|m| m["requestId"].as_str() == Some(request_id.as_str()))
            };
            if input && !done(&current.refunds) {
                self.movement(&tx.payment_id, "refunds", Some(value), Some(request_id))
                    .await;
            } else if !input && !done(&current.settlements) && current.status == "approved" {
                self.movement(&tx.payment_id, "settlements", Some(value), Some(request_id))
                    .await;
            }
        }
    }

    /// Runs what is due on the sim clock: retries of undefined payments (or their cancellation
    /// once `delayToCancel` elapsed) and automatic settlements.
    pub async fn run_timers(&self) -> usize {
        let _guard = self.timer_lock.lock().await;
        let now = self.clock.now_ms();
        let auto_settle = self.config().auto_settle;
        let due: Vec<(String, &'static str)> = lock(&self.txs)
            .values()
            .filter_map(|tx| match tx.status.as_str() {
                "authorizing" => {
                    let cancel_at = tx.created_at
                        + 1000
                            * i64::try_from(tx.delay_to_cancel.unwrap_or(86_400))
                                .unwrap_or(i64::MAX / 2000);
                    if now >= cancel_at {
                        Some((tx.payment_id.clone(), "cancel"))
                    } else if tx.next_retry_at.is_some_and(|t| now >= t) {
                        Some((tx.payment_id.clone(), "retry"))
                    } else {
                        None
                    }
                }
                "approved" if auto_settle && tx.settled < tx.value && tx.refunded == 0 => {
                    let at = tx.approved_at.unwrap_or(tx.created_at)
                        + 1000
                            * i64::try_from(tx.delay_to_auto_settle.unwrap_or(86_400))
                                .unwrap_or(i64::MAX / 2000);
                    (now >= at).then(|| (tx.payment_id.clone(), "settle"))
                }
                _ => None,
            })
            .collect();
        for (pid, what) in &due {
            match *what {
                "retry" => {
                    self.authorize(pid).await;
                }
                "cancel" => {
                    self.movement(pid, "cancellations", None, None).await;
                }
                _ => {
                    self.movement(pid, "settlements", None, None).await;
                }
            }
        }
        due.len()
    }
}

/// The body of `POST /_sim/gateway/transactions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTransaction {
    pub order_id: String,
    pub value: u64,
    #[serde(default)]
    pub buyer: Value,
    #[serde(default)]
    pub payment_id: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
}

async fn get_config(State(gw): State<Arc<Gateway>>) -> Response {
    Json(gw.config()).into_response()
}

async fn put_config(State(gw): State<Arc<Gateway>>, body: Bytes) -> Response {
    let mut merged = serde_json::to_value(gw.config()).unwrap_or(Value::Null);
    let Ok(Value::Object(patch)) = serde_json::from_slice::<Value>(&body) else {
        return coded(
            StatusCode::BAD_REQUEST,
            "GATEWAY_CONFIG_INVALID",
            "expected a JSON object",
        );
    };
    if let Value::Object(m) = &mut merged {
        m.extend(patch);
    }
    match serde_json::from_value::<GatewayConfig>(merged) {
        Ok(c) => {
            *lock(&gw.config) = c.clone();
            Json(c).into_response()
        }
        Err(e) => coded(
            StatusCode::BAD_REQUEST,
            "GATEWAY_CONFIG_INVALID",
            e.to_string(),
        ),
    }
}

fn http_json(status: u16, body: Value, ms: u64) -> Value {
    json!({"status": status, "body": body, "ms": ms})
}

async fn create_tx(State(gw): State<Arc<Gateway>>, body: Bytes) -> Response {
    let input: NewTransaction = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(e) => {
            return coded(
                StatusCode::BAD_REQUEST,
                "GATEWAY_BODY_INVALID",
                e.to_string(),
            );
        }
    };
    match gw.create(input).await {
        Ok((tx, status, answer, ms)) => {
            Json(json!({"transaction": tx, "http": http_json(status, answer, ms)})).into_response()
        }
        Err(r) => r,
    }
}

async fn list_tx(State(gw): State<Arc<Gateway>>) -> Response {
    let txs: Vec<Transaction> = lock(&gw.txs).values().cloned().collect();
    let count = |s: &str| txs.iter().filter(|t| t.status == s).count();
    let counters = json!({
        "transactions": txs.len(),
        "authorizing": count("authorizing"),
        "approved": count("approved"),
        "denied": count("denied"),
        "cancelled": count("cancelled"),
        "doubleApprovals": txs.iter().filter(|t| t.approvals > 1).count(),
        "calls": txs.iter().map(|t| t.calls.len()).sum::<usize>(),
        "late": txs.iter().flat_map(|t| &t.calls).filter(|c| c.status == 0).count(),
        "callbacks": txs.iter().flat_map(|t| &t.callbacks).filter(|c| c["accepted"] == true).count(),
        "callbacksRefused": txs.iter().flat_map(|t| &t.callbacks).filter(|c| c["accepted"] == false).count(),
    });
    Json(json!({"transactions": txs, "counters": counters})).into_response()
}

async fn get_tx(State(gw): State<Arc<Gateway>>, Path(pid): Path<String>) -> Response {
    match gw.transaction(&pid) {
        Some(tx) => Json(tx).into_response(),
        None => coded(
            StatusCode::NOT_FOUND,
            "GATEWAY_PAYMENT_UNKNOWN",
            "no such transaction",
        ),
    }
}

async fn authorize_tx(State(gw): State<Arc<Gateway>>, Path(pid): Path<String>) -> Response {
    if gw.transaction(&pid).is_none() {
        return coded(
            StatusCode::NOT_FOUND,
            "GATEWAY_PAYMENT_UNKNOWN",
            "no such transaction",
        );
    }
    let (status, answer, ms) = gw.authorize(&pid).await;
    Json(json!({"transaction": gw.transaction(&pid), "http": http_json(status, answer, ms)}))
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct MoveInput {
    value: Option<u64>,
    request_id: Option<String>,
}

async fn move_tx(gw: Arc<Gateway>, pid: String, kind: &'static str, body: Bytes) -> Response {
    let input: MoveInput = if body.is_empty() {
        MoveInput::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(i) => i,
            Err(e) => {
                return coded(
                    StatusCode::BAD_REQUEST,
                    "GATEWAY_BODY_INVALID",
                    e.to_string(),
                );
            }
        }
    };
    match gw.movement(&pid, kind, input.value, input.request_id).await {
        Some((status, answer, ms)) => Json(
            json!({"transaction": gw.transaction(&pid), "http": http_json(status, answer, ms)}),
        )
        .into_response(),
        None => coded(
            StatusCode::NOT_FOUND,
            "GATEWAY_PAYMENT_UNKNOWN",
            "no such transaction",
        ),
    }
}

/// `POST /_sim/gateway/transactions/{pid}/{kind}`: one [`move_tx`] of `kind`.
fn moves(kind: &'static str) -> MethodRouter<Arc<Gateway>> {
    post(
        move |State(gw): State<Arc<Gateway>>, Path(pid): Path<String>, body: Bytes| {
            move_tx(gw, pid, kind, body)
        },
    )
}

async fn timers(State(gw): State<Arc<Gateway>>) -> Response {
    let ran = gw.run_timers().await;
    Json(json!({"ran": ran})).into_response()
}

async fn manifest(State(gw): State<Arc<Gateway>>) -> Response {
    let (status, body, ms) = gw.manifest().await;
    Json(http_json(status, body, ms)).into_response()
}

#[derive(Debug, Default, Deserialize)]
struct CallbackQuery {
    #[serde(rename = "X-VTEX-signature")]
    signature: Option<String>,
}

async fn callback(
    State(gw): State<Arc<Gateway>>,
    Path((tid, pid)): Path<(String, String)>,
    query: axum::extract::Query<CallbackQuery>,
    body: Bytes,
) -> Response {
    gw.callback(&tid, &pid, query.signature.as_deref(), &body)
}

/// The gateway's routes on `{account}.vtexpayments.com.br` (the connector's `callbackUrl`).
/// The dispatcher already asks a `/pvt/` path for credentials (the app's token as
/// `VtexIdclientAutCookie`, or `X-VTEX-API-AppKey`/`-AppToken`, §G).
pub fn api_routes() -> Router<Arc<Gateway>> {
    Router::new().route(
        "/api/pvt/payment-provider/transactions/{tid}/payments/{pid}/callback",
        post(callback),
    )
}

/// Routes on the simulator's host.
pub fn sim_routes() -> Router<Arc<Gateway>> {
    Router::new()
        .route("/_sim/gateway/config", get(get_config).put(put_config))
        .route("/_sim/gateway/manifest", post(manifest))
        .route("/_sim/gateway/transactions", get(list_tx).post(create_tx))
        .route("/_sim/gateway/transactions/{pid}", get(get_tx))
        .route(
            "/_sim/gateway/transactions/{pid}/authorize",
            post(authorize_tx),
        )
        .route(
            "/_sim/gateway/transactions/{pid}/settlements",
            moves("settlements"),
        )
        .route("/_sim/gateway/transactions/{pid}/refunds", moves("refunds"))
        .route(
            "/_sim/gateway/transactions/{pid}/cancellations",
            moves("cancellations"),
        )
        .route("/_sim/gateway/timers", post(timers))
        .route("/_sim/gateway/homologation", post(homologation::run))
}
