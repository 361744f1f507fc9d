//! The payment gateway as the anti-fraud provider's client (§G.3): once a transaction's
//! payments are authorized it sends `POST /transactions` to the provider, then reads
//! `GET /transactions/{id}` every 2 hours (on the simulated clock) until the status is
//! `approved` or `denied`, for up to 5 days, after which the order expires and is cancelled;
//! a push to the hook makes it read at once (§G.3: "VTEX then reads it with GET").
//!
//! `POST /_sim/antifraud/transactions` takes the protocol's body (the test builds it, as the
//! gateway would from the order) and sends it; `GET /_sim/antifraud/transactions/{id}` shows
//! the gateway's record: the last status, every status read, the number of reads and hooks,
//! and the outcome (`approved`, `denied`, `expired`, or `pending`).
//!
//! **[sim's limits]**: the simulator's IO router delivers POSTs and keeps no answer body, so
//! the gateway calls the service's replicas itself with the router's headers
//! (`x-colossus-route-id`, `x-colossus-params`, account, workspace, credential), round-robin,
//! with the route ids and base path of its configuration (`PUT /_sim/antifraud/config`;
//! defaults: Ponte's `antifraudTransactions` / `antifraudTransaction` under
//! `/_v/ponte/antifraud`). The records are in memory.
//! A call that gets no answer or a 5xx is sent again to the next replica, 200 ms later, up to
//! 6 times (VTEX retries a provider's failures; every operation is idempotent, §G).

use crate::platform::clock::SimClock;
use crate::platform::lock;
use crate::vtex::io::{IoRouter, Provider};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The gateway's configuration (every value the sim's choice unless cited).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GatewayConfig {
    pub account: String,
    pub app_key: String,
    pub app_token: String,
    pub base_path: String,
    pub create_route: String,
    pub read_route: String,
    /// §G.3: every 2 hours.
    pub poll_every_ms: i64,
    /// §G.3: up to 5 days.
    pub give_up_after_ms: i64,
    /// How often the gateway looks at the simulated clock (real milliseconds).
    pub tick_ms: u64,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            account: String::new(),
            app_key: String::new(),
            app_token: String::new(),
            base_path: "/_v/ponte/antifraud".into(),
            create_route: "antifraudTransactions".into(),
            read_route: "antifraudTransaction".into(),
            poll_every_ms: 2 * 3_600_000,
            give_up_after_ms: 5 * 86_400_000,
            tick_ms: 100,
        }
    }
}

/// What the gateway knows of one transaction.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayTx {
    pub id: String,
    /// `pending`, `approved`, `denied` or `expired` (the order cancelled after 5 days).
    pub outcome: String,
    /// Each status the provider answered, in order (the first is the create's).
    pub statuses: Vec<String>,
    pub reads: u32,
    pub sent_at_ms: i64,
    pub next_read_ms: i64,
    /// The last answer.
    pub answer: Value,
    /// Transport or HTTP failures.
    pub errors: Vec<String>,
}

/// The gateway.
pub struct Gateway {
    io: Arc<IoRouter>,
    clock: Arc<SimClock>,
    http: reqwest::Client,
    config: Mutex<GatewayConfig>,
    txs: Mutex<BTreeMap<String, GatewayTx>>,
    rr: AtomicUsize,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").finish_non_exhaustive()
    }
}

impl Gateway {
    pub fn new(io: Arc<IoRouter>, clock: Arc<SimClock>) -> Arc<Gateway> {
        Arc::new(Gateway {
            io,
            clock,
            http: reqwest::Client::new(),
            config: Mutex::new(GatewayConfig::default()),
            txs: Mutex::new(BTreeMap::new()),
            rr: AtomicUsize::new(0),
        })
    }

    pub fn config(&self) -> GatewayConfig {
        lock(&self.config).clone()
    }

    pub fn set_config(&self, c: GatewayConfig) {
        *lock(&self.config) = c;
    }

    pub fn record(&self, id: &str) -> Option<GatewayTx> {
        lock(&self.txs).get(id).cloned()
    }

    /// One call to the provider as the IO router would deliver it; the answer's status and body.
    /// [`Gateway::call_once`], sent again (to the next replica, 200 ms later, up to 6 times) when
    /// no answer came or a 5xx did: VTEX retries a provider's failures (§G common rules).
    async fn call(
        &self,
        method: reqwest::Method,
        route: &str,
        path: &str,
        params: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let mut attempts = 0;
        // Each attempt to the replica after the previous one's.
        let first = self.rr.fetch_add(1, Ordering::SeqCst);
        loop {
            let turn = first + attempts;
            attempts += 1;
            let r = self
                .call_once(turn, method.clone(), route, path, params, body)
                .await;
            let failed = match &r {
                Ok((st, _)) => *st >= 500,
                Err(_) => true,
            };
            if !failed || attempts >= 6 {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn call_once(
        &self,
        turn: usize,
        method: reqwest::Method,
        route: &str,
        path: &str,
        params: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let c = self.config();
        let provider = Provider {
            account: &c.account,
            base_path: &c.base_path,
            app_key: &c.app_key,
            app_token: &c.app_token,
        };
        let mut req = self
            .io
            .provider_request(&self.http, turn, method, provider, route, path, params)
            .ok_or("no service replica configured")?;
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let text = res.text().await.map_err(|e| e.to_string())?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// Sends a transaction (the payments are authorized).
    pub async fn send(&self, body: Value) -> Result<GatewayTx, String> {
        let id = body
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if id.is_empty() {
            return Err("the transaction has no id".into());
        }
        let c = self.config();
        let now = self.clock.now_ms();
        let mut tx = GatewayTx {
            id: id.clone(),
            outcome: "pending".into(),
            sent_at_ms: now,
            next_read_ms: now + c.poll_every_ms,
            ..GatewayTx::default()
        };
        let answer = self
            .call(
                reqwest::Method::POST,
                &c.create_route,
                "/transactions",
                &[],
                Some(&body),
            )
            .await;
        observe(&mut tx, "create", answer);
        lock(&self.txs).insert(id, tx.clone());
        Ok(tx)
    }

    /// Reads one transaction's status now.
    pub async fn read(&self, id: &str) {
        let c = self.config();
        let answer = self
            .call(
                reqwest::Method::GET,
                &c.read_route,
                &format!("/transactions/{id}"),
                &[("id", id)],
                None,
            )
            .await;
        let now = self.clock.now_ms();
        let mut txs = lock(&self.txs);
        let Some(tx) = txs.get_mut(id) else { return };
        tx.reads += 1;
        observe(tx, "read", answer);
        if tx.outcome == "pending" {
            if now - tx.sent_at_ms >= c.give_up_after_ms {
                tx.outcome = "expired".into();
            } else {
                tx.next_read_ms = now + c.poll_every_ms;
            }
        }
    }

    /// Reads every pending transaction whose time has come on the simulated clock.
    pub async fn tick(&self) {
        let now = self.clock.now_ms();
        let due: Vec<String> = lock(&self.txs)
            .values()
            .filter(|t| t.outcome == "pending" && t.next_read_ms <= now)
            .map(|t| t.id.clone())
            .collect();
        for id in due {
            self.read(&id).await;
        }
    }

    /// Starts the loop that looks at the clock.
    pub fn start(self: &Arc<Self>) {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let Some(g) = me.upgrade() else { return };
                let tick = g.config().tick_ms.max(10);
                g.tick().await;
                drop(g);
                tokio::time::sleep(Duration::from_millis(tick)).await;
            }
        });
    }
}

/// What the provider answered to `call` (`create` or `read`): a `200`'s status is recorded
/// and may settle the outcome, anything else is an error.
fn observe(tx: &mut GatewayTx, call: &str, answer: Result<(u16, Value), String>) {
    match answer {
        Ok((200, a)) => {
            let status = a
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            tx.statuses.push(status.clone());
            settle(tx, &status);
            tx.answer = a;
        }
        Ok((code, a)) => tx.errors.push(format!("{call} answered {code}: {a}")),
        Err(e) => tx.errors.push(e),
    }
}

fn settle(tx: &mut GatewayTx, status: &str) {
    if status == "approved" || status == "denied" {
        tx.outcome = status.to_owned();
    }
}

/// The gateway's record as JSON.
pub fn view(tx: &GatewayTx) -> Value {
    json!(tx)
}
