//! What VTEX does with an order's changes: Feed v3, Hook and VTEX IO events (§B).
//!
//! The OMS publishes every [`OrderChange`] to the [`Broadcaster`] (a [`ChangeSink`]);
//! `publish` only queues. An intake task takes the queued changes in batches, runs each
//! account's feed and hook filters on them (`FromWorkflow` by status, `FromOrders` with real
//! JSONata on the order JSON, see [`jsonata`]), **persists** the resulting feed messages and
//! pending deliveries (`broadcast.redb`, [`db`]) and only then makes them visible / due.
//! A delivery task sends hook notifications and IO events with bounded concurrency and
//! retries failures with a geometric backoff. Every deadline is on the shared
//! [`SimClock`], so tests fast-forward visibility timeouts, retention and retries.
//!
//! ## VTEX endpoints (every VTEX host, and the simulator's own; credentials required)
//!
//! - `GET|POST|DELETE /api/orders/feed/config`, `GET /api/orders/feed?maxlot=N` (1..=10, else
//!   `400` `FEED_MAXLOT_INVALID`; `404` `FEED_NOT_FOUND` without a feed), `POST
//!   /api/orders/feed` `{"handles":[...]}` (commit, see [`feed`]);
//! - `GET|POST|DELETE /api/orders/hook/config` (the POST pings `{"hookConfig":"ping"}` with the
//!   configured headers and saves only on `200`, else `400` `HOOK_PING_FAILED`);
//! - `POST /api/orders/expressions/jsonata` `{"Expression","Document"}` → `true`/`false`
//!   (`Document` a JSON string as VTEX documents it, or a JSON value); `400` `JSONATA_INVALID`
//!   for an expression that does not compile, `400` `JSONATA_EVALUATION_FAILED` when it fails
//!   on the document.
//!
//! Validation: [`config`]. Errors: the OMS envelope `{"error":{"code","message","exception"}}`.
//! These paths have no `/pvt/`, so the front door does not check credentials; these handlers
//! do: `X-VTEX-API-AppKey` + `X-VTEX-API-AppToken`, or `VtexIdclientAutCookie` (header or
//! cookie), any non-empty value, else `401` `CREDENTIALS_MISSING`.
//!
//! **One feed and one hook per account** by default **[emulator default]**: VTEX keeps one per
//! app key, but a service reading its feed with its IO token and an admin configuring it with an
//! app key would then see two queues. `feedPerAppKey: true` in the settings keys feeds and hooks
//! by `X-VTEX-API-AppKey` (callers without one share the `""` key).
//!
//! ## Hook delivery
//!
//! Notification `POST {url}` with the configured headers and `content-type:
//! application/json`, body `{"Domain","OrderId","State","LastState","LastChange",
//! "CurrentChange","Origin":{"Account","Key"}}`. Success is `200` within `hookDeadlineMs`
//! (default 5000, real time); anything else (other status, timeout, refused connection) is
//! retried after `hookRetryBaseMs · hookRetryFactor^(attempt−1)` (500 ms, factor 2) capped at
//! `retryMaxDelayMs` (1 h), until `maxAttempts` (100) attempts or `maxAgeMs` (4 days) have
//! passed, then given up (stats `gaveUp`) **[emulator default]**: VTEX says only "geometric
//! progression" and "more than 100 failed attempts over 4 days". Deliveries of different orders
//! run in parallel (`deliveryConcurrency`, default 32); one order's deliveries go one at a time.
//! Where the URL goes:
//! - host `{account}.myvtex.com` or `{workspace}--{account}.myvtex.com`: through the VTEX IO
//!   router ([`crate::vtex::io`]) to a service replica;
//! - any other host: a plain HTTP `POST` to the same URL with `http://` (the simulator does
//!   not speak TLS) **[emulator choice]**.
//!
//! IO events (when `PUT /_sim/io` has `"events": true`): every change is also delivered as the
//! contract's IO event to each matching service.json event handler, persisted and retried with
//! the same policy (`eventDeadlineMs`, default 10000, success on any 2xx).
//!
//! ## Simulator endpoints (simulator host)
//!
//! - `GET|PUT /_sim/broadcast/faults` ([`BroadcastFaults`]): `duplicateRate` (an event is
//!   enqueued twice as two messages with the same `eventId`), `reorder` (a receive shuffles and
//!   may return fewer items than visible, at least one), `rate429` (feed `GET` answered `429`
//!   with `Retry-After: retryAfterSeconds`, decided before any effect), `hookDropRate` (a hook
//!   notification is lost: never sent, counted as `dropped`), `loseOrders` (the next N orders
//!   whose changes are published reach no channel at all, none of their changes: no feed
//!   message, hook or IO event; stats `lost` `{orders, changes, orderIds, left}`; a safety net
//!   behind the three channels must find them), `seed`.
//! - `GET|PUT /_sim/broadcast/settings` ([`BroadcastSettings`]).
//! - `GET|DELETE /_sim/broadcast/stats`: `lost` (see `loseOrders`), `injected` (`feedDuplicates,
//!   feed429`: faults injected so far), `feed` (`enqueued, received, redelivered, committed,
//!   expired, queued, inflight`), `hook` (`attempts, ok, failed, timeouts, pending, dropped,
//!   gaveUp, pings`), `events` (`attempts, ok, failed, pending, gaveUp`), `ticks` (`attempts,
//!   ok, failed`), `filterErrors` (JSONata evaluation failures, counted as no match).
//! - `POST /_sim/broadcast/publish`: an [`OrderChange`] (camelCase JSON) or a list of them,
//!   published as the OMS would (`202 {"accepted": n}`): for tests and for driving the
//!   broadcaster without the OMS.
//!
//! `FromOrders` with `disableSingleFire: false`: an order enters a feed (or hook) the first
//! time a change of it matches, once per configuration (a new `POST` of the config starts over)
//! **[emulator default]**; with `true` every matching change enters. A change accepted by the
//! sink but not yet persisted when the simulator dies is lost (the OMS answered already).

pub mod config;
pub mod db;
pub mod error;
mod faults;
pub mod feed;
pub mod jsonata;
mod routes;
pub mod settings;

pub use config::{FeedConfig, Filter, HookConfig};
pub use error::BroadcastError;
pub use routes::{routes, sim_routes};
pub use settings::{BroadcastFaults, BroadcastSettings};

use crate::platform::bus::{ChangeSink, OrderChange};
use crate::platform::clock::{self, SimClock};
use crate::platform::error::StoreError;
use crate::platform::lock;
pub use crate::platform::rng::{random_hex, uuid_v4};
use crate::vtex::io::{IoRouter, Outcome};
use db::{Op, Writer};
use faults::FaultState;
use feed::{Feed, Message, StoredMessage, Target};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

pub use crate::platform::rng::Rng;

/// Counters.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub feed_enqueued: u64,
    pub feed_received: u64,
    pub feed_redelivered: u64,
    pub feed_committed: u64,
    pub feed_expired: u64,
    pub hook_attempts: u64,
    pub hook_ok: u64,
    pub hook_failed: u64,
    pub hook_timeouts: u64,
    pub hook_dropped: u64,
    pub hook_gave_up: u64,
    pub hook_pings: u64,
    pub event_attempts: u64,
    pub event_ok: u64,
    pub event_failed: u64,
    pub event_gave_up: u64,
    pub filter_errors: u64,
}

/// ISO 8601 UTC with 7 fractional digits, as VTEX writes dates.
pub fn iso(ms: i64) -> String {
    clock::iso(ms.saturating_mul(clock::TICKS_PER_MS))
}

/// Who a pending delivery is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PendingKind {
    /// A hook notification for the hook `(account, key)`.
    Hook { account: String, key: String },
    /// An IO event for the service.json event handler `handler`.
    Event { account: String, handler: String },
}

/// A pending delivery, as persisted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRecord {
    #[serde(flatten)]
    pub kind: PendingKind,
    pub order_id: String,
    pub body: Value,
    pub attempts: u32,
    pub next_at: i64,
    pub first_at: i64,
}

impl PendingRecord {
    /// One order's deliveries to one target go one at a time.
    fn lane(&self) -> String {
        match &self.kind {
            PendingKind::Hook { account, key } => format!("h/{account}/{key}/{}", self.order_id),
            PendingKind::Event { account, handler } => {
                format!("e/{account}/{handler}/{}", self.order_id)
            }
        }
    }
}

#[derive(Debug)]
struct Pending {
    record: PendingRecord,
    in_flight: bool,
}

#[derive(Debug, Default)]
struct State {
    feeds: HashMap<Target, Feed>,
    hooks: HashMap<Target, HookConfig>,
    receipts: HashMap<String, (Target, u64)>,
    pending: BTreeMap<u64, Pending>,
    lanes: HashSet<String>,
    in_flight: usize,
    stats: Stats,
    settings: BroadcastSettings,
}

type FiredKey = (&'static str, String, String, String);

#[derive(Debug)]
struct Inner {
    clock: Arc<SimClock>,
    io: Arc<IoRouter>,
    http: reqwest::Client,
    writer: Writer,
    state: Mutex<State>,
    fired: Mutex<HashMap<FiredKey, u64>>,
    faults: Mutex<FaultState>,
    seq: AtomicU64,
    intake: mpsc::UnboundedSender<OrderChange>,
    wake: Notify,
    secret: Vec<u8>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    writer_stop: Mutex<Option<oneshot::Sender<()>>>,
    writer_task: Mutex<Option<JoinHandle<()>>>,
}

/// The Feed v3 / Hook / IO events broadcaster. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Broadcaster {
    inner: Arc<Inner>,
}

fn store_error(e: String) -> BroadcastError {
    BroadcastError::Internal(format!("broadcast store: {e}"))
}

impl ChangeSink for Broadcaster {
    fn publish(&self, change: OrderChange) {
        // Unbounded: never blocks. Fails only after shutdown, when nothing is delivered anyway.
        let _ = self.inner.intake.send(change);
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    what: &'static str,
    key: String,
    json: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Decode {
        entity: what,
        key,
        source,
    })
}

fn encode<T: Serialize>(what: &'static str, value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        eprintln!("ponte-sim: broadcast: cannot encode {what}: {e}");
        String::from("null")
    })
}

impl Broadcaster {
    /// Opens `{data_dir}/broadcast.redb`, restores feeds, hooks, queues and pending deliveries,
    /// and starts the intake and delivery tasks. Must run inside a tokio runtime.
    pub async fn start(
        data_dir: &Path,
        clock: Arc<SimClock>,
        io: Arc<IoRouter>,
        settings: BroadcastSettings,
        faults: BroadcastFaults,
    ) -> Result<Broadcaster, crate::SimError> {
        settings.check().map_err(crate::SimError::Config)?;
        faults.check().map_err(crate::SimError::Config)?;
        let dir = data_dir.to_path_buf();
        let (database, loaded) = tokio::task::spawn_blocking(move || db::open(&dir)).await??;

        let mut state = State {
            settings,
            ..State::default()
        };
        let mut max_seq = 0u64;
        for (account, key, json) in loaded.feeds {
            let config: FeedConfig =
                decode("feed configuration", format!("{account}/{key}"), &json)?;
            max_seq = max_seq.max(config.generation);
            state.feeds.insert((account, key), Feed::new(config));
        }
        for (account, key, json) in loaded.hooks {
            let config: HookConfig =
                decode("hook configuration", format!("{account}/{key}"), &json)?;
            max_seq = max_seq.max(config.generation);
            state.hooks.insert((account, key), config);
        }
        let now = clock.now_ms();
        for (account, key, seq, json) in loaded.messages {
            max_seq = max_seq.max(seq);
            let stored: StoredMessage =
                decode("feed message", format!("{account}/{key}/{seq}"), &json)?;
            if let Some(feed) = state.feeds.get_mut(&(account, key)) {
                feed.messages.insert(
                    seq,
                    Message {
                        stored,
                        visible_at: now,
                        receipt: None,
                        receives: 0,
                    },
                );
            }
        }
        for (seq, json) in loaded.pending {
            max_seq = max_seq.max(seq);
            let record: PendingRecord = decode("pending delivery", seq.to_string(), &json)?;
            state.pending.insert(
                seq,
                Pending {
                    record,
                    in_flight: false,
                },
            );
        }
        let mut fired = HashMap::new();
        for (target, account, key, order, generation) in loaded.fired {
            let target: &'static str = if target == "hook" { "hook" } else { "feed" };
            fired.insert((target, account, key, order), generation);
        }

        let (writer_stop, stop_rx) = oneshot::channel();
        let (writer, writer_task) = Writer::start(database, stop_rx);
        let (intake, intake_rx) = mpsc::unbounded_channel();
        let http = reqwest::Client::builder()
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| crate::SimError::Config(format!("HTTP client: {e}")))?;
        let inner = Arc::new(Inner {
            clock,
            io,
            http,
            writer,
            state: Mutex::new(state),
            fired: Mutex::new(fired),
            faults: Mutex::new(FaultState::new(faults)),
            seq: AtomicU64::new(max_seq + 1),
            intake,
            wake: Notify::new(),
            secret: random_hex(32).into_bytes(),
            tasks: Mutex::new(Vec::new()),
            writer_stop: Mutex::new(Some(writer_stop)),
            writer_task: Mutex::new(Some(writer_task)),
        });
        let b = Broadcaster { inner };
        let intake_task = tokio::spawn(intake_loop(b.clone(), intake_rx));
        let delivery_task = tokio::spawn(delivery_loop(b.clone()));
        lock(&b.inner.tasks).extend([intake_task, delivery_task]);
        Ok(b)
    }

    /// The sink the OMS publishes to.
    pub fn sink(&self) -> Arc<dyn ChangeSink> {
        Arc::new(self.clone())
    }

    /// The IO router the broadcaster delivers through.
    pub fn io(&self) -> &Arc<IoRouter> {
        &self.inner.io
    }

    /// Stops the tasks (in-flight deliveries are abandoned and stay pending) and closes
    /// `broadcast.redb`.
    pub async fn shutdown(&self) {
        let tasks: Vec<JoinHandle<()>> = lock(&self.inner.tasks).drain(..).collect();
        for t in &tasks {
            t.abort();
        }
        for t in tasks {
            let _ = t.await;
        }
        self.inner.io.shutdown().await;
        if let Some(stop) = lock(&self.inner.writer_stop).take() {
            let _ = stop.send(());
        }
        let task = lock(&self.inner.writer_task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    fn next_seq(&self) -> u64 {
        self.inner.seq.fetch_add(1, Ordering::SeqCst)
    }

    fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub fn settings(&self) -> BroadcastSettings {
        lock(&self.inner.state).settings.clone()
    }

    pub fn set_settings(&self, settings: BroadcastSettings) -> Result<(), String> {
        settings.check()?;
        lock(&self.inner.state).settings = settings;
        Ok(())
    }

    pub fn faults(&self) -> BroadcastFaults {
        lock(&self.inner.faults).config
    }

    pub fn set_faults(&self, faults: BroadcastFaults) -> Result<(), String> {
        faults.check()?;
        lock(&self.inner.faults).reconfigure(faults);
        Ok(())
    }

    /// The statistics as `GET /_sim/broadcast/stats` answers them.
    pub fn stats(&self) -> Value {
        let now = self.now();
        let s = lock(&self.inner.state);
        let (mut queued, mut inflight) = (0, 0);
        for feed in s.feeds.values() {
            let (q, i) = feed.counts(now);
            queued += q;
            inflight += i;
        }
        let hook_pending = s
            .pending
            .values()
            .filter(|p| matches!(p.record.kind, PendingKind::Hook { .. }))
            .count();
        let event_pending = s.pending.len() - hook_pending;
        let st = &s.stats;
        let (lost, injected) = {
            let f = lock(&self.inner.faults);
            (f.lost_json(), f.injected_json())
        };
        json!({
            "lost": lost,
            "injected": injected,
            "feed": {
                "enqueued": st.feed_enqueued, "received": st.feed_received,
                "redelivered": st.feed_redelivered, "committed": st.feed_committed,
                "expired": st.feed_expired, "queued": queued, "inflight": inflight
            },
            "hook": {
                "attempts": st.hook_attempts, "ok": st.hook_ok, "failed": st.hook_failed,
                "timeouts": st.hook_timeouts, "pending": hook_pending, "dropped": st.hook_dropped,
                "gaveUp": st.hook_gave_up, "pings": st.hook_pings
            },
            "events": {
                "attempts": st.event_attempts, "ok": st.event_ok, "failed": st.event_failed,
                "pending": event_pending, "gaveUp": st.event_gave_up
            },
            "ticks": self.inner.io.tick_stats(),
            "filterErrors": st.filter_errors,
        })
    }

    pub fn reset_stats(&self) {
        lock(&self.inner.state).stats = Stats::default();
        self.inner.io.reset_tick_stats();
    }

    /// The feed/hook key of a caller.
    fn key_of(&self, app_key: Option<&str>) -> String {
        if lock(&self.inner.state).settings.feed_per_app_key {
            app_key.unwrap_or_default().to_owned()
        } else {
            String::new()
        }
    }

    // ---- feed ----

    pub async fn put_feed(
        &self,
        account: &str,
        app_key: Option<&str>,
        body: &[u8],
    ) -> Result<Value, BroadcastError> {
        let config = config::parse_feed(body, self.next_seq(), self.now())?;
        let target = (account.to_owned(), self.key_of(app_key));
        self.inner
            .writer
            .apply(vec![Op::PutFeed {
                account: target.0.clone(),
                key: target.1.clone(),
                json: encode("feed configuration", &config),
            }])
            .await
            .map_err(store_error)?;
        let echo = config.to_json();
        let mut s = lock(&self.inner.state);
        match s.feeds.get_mut(&target) {
            // Re-configuring keeps what is queued.
            Some(feed) => feed.config = config,
            None => {
                s.feeds.insert(target, Feed::new(config));
            }
        }
        Ok(echo)
    }

    pub fn get_feed(&self, account: &str, app_key: Option<&str>) -> Result<Value, BroadcastError> {
        let target = (account.to_owned(), self.key_of(app_key));
        let now = self.now();
        let s = lock(&self.inner.state);
        let feed = s.feeds.get(&target).ok_or(BroadcastError::FeedNotFound)?;
        let mut echo = feed.config.to_json();
        if let Some(o) = echo.as_object_mut() {
            o.insert("quantity".into(), json!(feed.messages.len()));
            o.insert(
                "approximateAgeOfOldestMessageInSeconds".into(),
                json!(feed.oldest_age_s(now)),
            );
        }
        Ok(echo)
    }

    pub async fn delete_feed(
        &self,
        account: &str,
        app_key: Option<&str>,
    ) -> Result<(), BroadcastError> {
        let target = (account.to_owned(), self.key_of(app_key));
        {
            let mut s = lock(&self.inner.state);
            let feed = s
                .feeds
                .remove(&target)
                .ok_or(BroadcastError::FeedNotFound)?;
            for m in feed.messages.values() {
                if let Some(r) = &m.receipt {
                    s.receipts.remove(r);
                }
            }
        }
        self.inner
            .writer
            .apply(vec![Op::DelFeed {
                account: target.0,
                key: target.1,
            }])
            .await
            .map_err(store_error)
    }

    /// `GET /api/orders/feed?maxlot=N` (the caller checked `maxlot`).
    pub async fn receive(
        &self,
        account: &str,
        app_key: Option<&str>,
        maxlot: usize,
    ) -> Result<Vec<Value>, BroadcastError> {
        let target = (account.to_owned(), self.key_of(app_key));
        let (reorder_rng, retry_after) = {
            let mut f = lock(&self.inner.faults);
            let config = f.config;
            if !lock(&self.inner.state).feeds.contains_key(&target) {
                return Err(BroadcastError::FeedNotFound);
            }
            if f.rng.chance(config.rate429) {
                f.throttled += 1;
                (None, Some(config.retry_after_seconds))
            } else {
                (config.reorder.then(|| Rng::new(f.rng.next_u64())), None)
            }
        };
        if let Some(retry_after_seconds) = retry_after {
            return Err(BroadcastError::TooManyRequests {
                retry_after_seconds,
            });
        }
        let mut reorder_rng = reorder_rng;
        let now = self.now();
        let (items, ops) = {
            let mut guard = lock(&self.inner.state);
            let s = &mut *guard;
            let feed = s
                .feeds
                .get_mut(&target)
                .ok_or(BroadcastError::FeedNotFound)?;
            let expired = feed.expire(now, &mut s.receipts);
            s.stats.feed_expired += expired.len() as u64;
            let items = feed::receive(
                &target,
                feed,
                maxlot,
                now,
                reorder_rng.as_mut(),
                &mut s.receipts,
                &mut s.stats,
                &self.inner.secret,
            );
            let ops: Vec<Op> = expired
                .into_iter()
                .map(|seq| Op::DelMessage {
                    account: target.0.clone(),
                    key: target.1.clone(),
                    seq,
                })
                .collect();
            (items, ops)
        };
        self.inner.writer.apply(ops).await.map_err(store_error)?;
        Ok(items)
    }

    /// `POST /api/orders/feed` `{"handles":[...]}`.
    pub async fn commit(
        &self,
        account: &str,
        app_key: Option<&str>,
        handles: &[String],
    ) -> Result<(), BroadcastError> {
        let target = (account.to_owned(), self.key_of(app_key));
        let deleted = {
            let mut guard = lock(&self.inner.state);
            let s = &mut *guard;
            if !s.feeds.contains_key(&target) {
                return Err(BroadcastError::FeedNotFound);
            }
            let deleted = feed::commit(handles, &mut s.feeds, &mut s.receipts, &self.inner.secret);
            s.stats.feed_committed += deleted.len() as u64;
            deleted
        };
        let ops = deleted
            .into_iter()
            .map(|((account, key), seq)| Op::DelMessage { account, key, seq })
            .collect();
        self.inner.writer.apply(ops).await.map_err(store_error)
    }

    // ---- hook ----

    pub async fn put_hook(
        &self,
        account: &str,
        app_key: Option<&str>,
        body: &[u8],
    ) -> Result<Value, BroadcastError> {
        let config = config::parse_hook(body, self.next_seq(), self.now())?;
        let deadline = Duration::from_millis(self.settings().hook_deadline_ms);
        lock(&self.inner.state).stats.hook_pings += 1;
        let outcome = post_hook(
            &self.inner.http,
            &self.inner.io,
            &config.url,
            &config.headers,
            &json!({ "hookConfig": "ping" }),
            deadline,
        )
        .await;
        if !matches!(outcome, Outcome::Status(200)) {
            return Err(BroadcastError::HookPing(format!(
                "the ping to {} was answered {outcome}; it must answer 200",
                config.url
            )));
        }
        let target = (account.to_owned(), self.key_of(app_key));
        self.inner
            .writer
            .apply(vec![Op::PutHook {
                account: target.0.clone(),
                key: target.1.clone(),
                json: encode("hook configuration", &config),
            }])
            .await
            .map_err(store_error)?;
        let echo = config.to_json();
        lock(&self.inner.state).hooks.insert(target, config);
        Ok(echo)
    }

    pub fn get_hook(&self, account: &str, app_key: Option<&str>) -> Result<Value, BroadcastError> {
        let target = (account.to_owned(), self.key_of(app_key));
        let s = lock(&self.inner.state);
        s.hooks
            .get(&target)
            .map(HookConfig::to_json)
            .ok_or(BroadcastError::HookNotFound)
    }

    pub async fn delete_hook(
        &self,
        account: &str,
        app_key: Option<&str>,
    ) -> Result<(), BroadcastError> {
        let target = (account.to_owned(), self.key_of(app_key));
        lock(&self.inner.state)
            .hooks
            .remove(&target)
            .ok_or(BroadcastError::HookNotFound)?;
        self.inner
            .writer
            .apply(vec![Op::DelHook {
                account: target.0,
                key: target.1,
            }])
            .await
            .map_err(store_error)
    }

    // ---- intake ----

    /// Filters a batch of changes into feed messages and pending deliveries, persists them,
    /// then makes them visible.
    async fn ingest(&self, changes: Vec<OrderChange>) {
        #[derive(Debug)]
        struct Snapshot {
            feeds: Vec<(Target, Filter, u64)>,
            hooks: Vec<(Target, Filter, u64)>,
        }
        let snapshot = {
            let s = lock(&self.inner.state);
            Snapshot {
                feeds: s
                    .feeds
                    .iter()
                    .map(|(t, f)| (t.clone(), f.config.filter.clone(), f.config.generation))
                    .collect(),
                hooks: s
                    .hooks
                    .iter()
                    .map(|(t, h)| (t.clone(), h.filter.clone(), h.generation))
                    .collect(),
            }
        };
        let handlers: HashMap<String, Vec<String>> = changes
            .iter()
            .map(|c| (c.account.clone(), self.inner.io.event_handlers(&c.account)))
            .collect();
        let faults = lock(&self.inner.faults).config;
        let this = self.clone();
        // JSONata runs off the async threads.
        let planned = tokio::task::spawn_blocking(move || {
            let mut messages: Vec<(Target, u64, StoredMessage)> = Vec::new();
            let mut pendings: Vec<(u64, PendingRecord)> = Vec::new();
            let mut ops: Vec<Op> = Vec::new();
            let mut filter_errors = 0u64;
            let mut dropped = 0u64;
            let now = this.now();
            let mut fired = lock(&this.inner.fired);
            for change in &changes {
                {
                    // `loseOrders`: this order's changes reach no channel.
                    let mut f = lock(&this.inner.faults);
                    let key = (change.account.clone(), change.order_id.clone());
                    let lose = f.lost.contains(&key) || f.lose_left > 0;
                    if lose {
                        if f.lost.insert(key) {
                            f.lose_left = f.lose_left.saturating_sub(1);
                        }
                        f.lost_changes += 1;
                        continue;
                    }
                }
                let mut fires = |kind: &'static str,
                                 target: &Target,
                                 filter: &Filter,
                                 generation: u64|
                 -> bool {
                    if target.0 != change.account {
                        return false;
                    }
                    match filter {
                        Filter::FromWorkflow { .. } => filter.workflow_matches(&change.state),
                        Filter::FromOrders {
                            expression,
                            disable_single_fire,
                        } => match jsonata::matches(expression, &change.order) {
                            Ok(false) => false,
                            Ok(true) if *disable_single_fire => true,
                            Ok(true) => {
                                let key = (
                                    kind,
                                    target.0.clone(),
                                    target.1.clone(),
                                    change.order_id.clone(),
                                );
                                if fired.get(&key) == Some(&generation) {
                                    false
                                } else {
                                    fired.insert(key, generation);
                                    ops.push(Op::PutFired {
                                        target: kind,
                                        account: target.0.clone(),
                                        key: target.1.clone(),
                                        order_id: change.order_id.clone(),
                                        generation,
                                    });
                                    true
                                }
                            }
                            Err(_) => {
                                filter_errors += 1;
                                false
                            }
                        },
                    }
                };
                for (target, filter, generation) in &snapshot.feeds {
                    if !fires("feed", target, filter, *generation) {
                        continue;
                    }
                    let stored = StoredMessage {
                        event_id: random_hex(16),
                        message_id: uuid_v4(),
                        domain: change.domain.clone(),
                        state: change.state.clone(),
                        last_state: change.last_state.clone(),
                        order_id: change.order_id.clone(),
                        last_change: change.last_change.clone(),
                        current_change: change.current_change.clone(),
                        origin_account: change.origin_account.clone(),
                        origin_key: change.origin_key.clone(),
                        enqueued_at: now,
                    };
                    let mut f = lock(&this.inner.faults);
                    let copies = if f.rng.chance(faults.duplicate_rate) {
                        f.duplicated += 1;
                        2
                    } else {
                        1
                    };
                    drop(f);
                    for copy in 0..copies {
                        let mut stored = stored.clone();
                        if copy > 0 {
                            stored.message_id = uuid_v4();
                        }
                        messages.push((target.clone(), this.next_seq(), stored));
                    }
                }
                let mut hook_fired = Vec::new();
                for (target, filter, generation) in &snapshot.hooks {
                    if fires("hook", target, filter, *generation) {
                        hook_fired.push(target.clone());
                    }
                }
                for target in hook_fired {
                    if lock(&this.inner.faults).rng.chance(faults.hook_drop_rate) {
                        dropped += 1;
                        continue;
                    }
                    let body = json!({
                        "Domain": change.domain, "OrderId": change.order_id,
                        "State": change.state, "LastState": change.last_state,
                        "LastChange": change.last_change, "CurrentChange": change.current_change,
                        "Origin": { "Account": change.origin_account, "Key": change.origin_key }
                    });
                    pendings.push((
                        this.next_seq(),
                        PendingRecord {
                            kind: PendingKind::Hook {
                                account: target.0,
                                key: target.1,
                            },
                            order_id: change.order_id.clone(),
                            body,
                            attempts: 0,
                            next_at: now,
                            first_at: now,
                        },
                    ));
                }
                for handler in handlers.get(&change.account).into_iter().flatten() {
                    let body = json!({
                        "recorder": { "_record": "x-vtex-meta", "headers": {} },
                        "domain": change.domain, "orderId": change.order_id,
                        "currentState": change.state, "lastState": change.last_state,
                        "currentChangeDate": change.current_change,
                        "lastChangeDate": change.last_change
                    });
                    pendings.push((
                        this.next_seq(),
                        PendingRecord {
                            kind: PendingKind::Event {
                                account: change.account.clone(),
                                handler: handler.clone(),
                            },
                            order_id: change.order_id.clone(),
                            body,
                            attempts: 0,
                            next_at: now,
                            first_at: now,
                        },
                    ));
                }
            }
            drop(fired);
            for (target, seq, stored) in &messages {
                ops.push(Op::PutMessage {
                    account: target.0.clone(),
                    key: target.1.clone(),
                    seq: *seq,
                    json: encode("feed message", stored),
                });
            }
            for (seq, record) in &pendings {
                ops.push(Op::PutPending {
                    seq: *seq,
                    json: encode("pending delivery", record),
                });
            }
            (messages, pendings, ops, filter_errors, dropped)
        })
        .await;
        let Ok((messages, pendings, ops, filter_errors, dropped)) = planned else {
            eprintln!("ponte-sim: broadcast: the intake of a batch of order changes failed");
            return;
        };
        if let Err(e) = self.inner.writer.apply(ops).await {
            eprintln!("ponte-sim: broadcast: order changes not persisted, dropped: {e}");
            return;
        }
        let mut orphans = Vec::new();
        {
            let mut s = lock(&self.inner.state);
            s.stats.filter_errors += filter_errors;
            s.stats.hook_dropped += dropped;
            for (target, seq, stored) in messages {
                let visible_at = stored.enqueued_at;
                match s.feeds.get_mut(&target) {
                    Some(feed) => {
                        feed.messages.insert(
                            seq,
                            Message {
                                stored,
                                visible_at,
                                receipt: None,
                                receives: 0,
                            },
                        );
                        s.stats.feed_enqueued += 1;
                    }
                    // The feed was deleted meanwhile.
                    None => orphans.push(Op::DelMessage {
                        account: target.0,
                        key: target.1,
                        seq,
                    }),
                }
            }
            for (seq, record) in pendings {
                s.pending.insert(
                    seq,
                    Pending {
                        record,
                        in_flight: false,
                    },
                );
            }
        }
        if let Err(e) = self.inner.writer.apply(orphans).await {
            eprintln!("ponte-sim: broadcast: {e}");
        }
        self.inner.wake.notify_one();
    }

    // ---- deliveries ----

    /// Marks due deliveries in flight and returns them.
    fn due(&self) -> Vec<(u64, PendingRecord)> {
        let now = self.now();
        let mut guard = lock(&self.inner.state);
        let s = &mut *guard;
        let room = s.settings.delivery_concurrency.saturating_sub(s.in_flight);
        let mut out = Vec::new();
        if room == 0 {
            return out;
        }
        for (seq, p) in s.pending.iter_mut() {
            if out.len() >= room {
                break;
            }
            if p.in_flight || p.record.next_at > now {
                continue;
            }
            let lane = p.record.lane();
            if s.lanes.contains(&lane) {
                continue;
            }
            s.lanes.insert(lane);
            p.in_flight = true;
            p.record.attempts += 1;
            out.push((*seq, p.record.clone()));
        }
        s.in_flight += out.len();
        out
    }

    async fn deliver(&self, seq: u64, record: PendingRecord) {
        let settings = self.settings();
        let (ok, timed_out, gone) = match &record.kind {
            PendingKind::Hook { account, key } => {
                let hook = lock(&self.inner.state)
                    .hooks
                    .get(&(account.clone(), key.clone()))
                    .cloned();
                match hook {
                    None => (false, false, true),
                    Some(hook) => {
                        let outcome = post_hook(
                            &self.inner.http,
                            &self.inner.io,
                            &hook.url,
                            &hook.headers,
                            &record.body,
                            Duration::from_millis(settings.hook_deadline_ms),
                        )
                        .await;
                        (
                            matches!(outcome, Outcome::Status(200)),
                            matches!(outcome, Outcome::Timeout),
                            false,
                        )
                    }
                }
            }
            PendingKind::Event { account, handler } => {
                let outcome = self
                    .inner
                    .io
                    .send_event(
                        account,
                        handler,
                        &record.body,
                        Duration::from_millis(settings.event_deadline_ms),
                    )
                    .await;
                (
                    matches!(outcome, Outcome::Status(s) if (200..300).contains(&s)),
                    matches!(outcome, Outcome::Timeout),
                    false,
                )
            }
        };
        let now = self.now();
        let ops = {
            let mut guard = lock(&self.inner.state);
            let s = &mut *guard;
            s.in_flight = s.in_flight.saturating_sub(1);
            s.lanes.remove(&record.lane());
            let hook = matches!(record.kind, PendingKind::Hook { .. });
            if !gone {
                match (hook, ok) {
                    (true, true) => s.stats.hook_ok += 1,
                    (true, false) => s.stats.hook_failed += 1,
                    (false, true) => s.stats.event_ok += 1,
                    (false, false) => s.stats.event_failed += 1,
                }
                if hook {
                    s.stats.hook_attempts += 1;
                    s.stats.hook_timeouts += u64::from(timed_out);
                } else {
                    s.stats.event_attempts += 1;
                }
            }
            let give_up = !ok
                && (record.attempts >= s.settings.max_attempts
                    || now.saturating_sub(record.first_at)
                        >= i64::try_from(s.settings.max_age_ms).unwrap_or(i64::MAX));
            if ok || gone || give_up {
                s.pending.remove(&seq);
                if give_up {
                    if hook {
                        s.stats.hook_gave_up += 1;
                    } else {
                        s.stats.event_gave_up += 1;
                    }
                }
                vec![Op::DelPending { seq }]
            } else {
                let delay = s.settings.retry_delay_ms(record.attempts);
                match s.pending.get_mut(&seq) {
                    Some(p) => {
                        p.in_flight = false;
                        p.record.next_at = now.saturating_add(delay);
                        vec![Op::PutPending {
                            seq,
                            json: encode("pending delivery", &p.record),
                        }]
                    }
                    None => Vec::new(),
                }
            }
        };
        if let Err(e) = self.inner.writer.apply(ops).await {
            eprintln!("ponte-sim: broadcast: {e}");
        }
        self.inner.wake.notify_one();
    }

    /// Drops messages past retention in every feed.
    async fn sweep(&self) {
        let now = self.now();
        let ops = {
            let mut guard = lock(&self.inner.state);
            let s = &mut *guard;
            let mut ops = Vec::new();
            for (target, feed) in s.feeds.iter_mut() {
                for seq in feed.expire(now, &mut s.receipts) {
                    s.stats.feed_expired += 1;
                    ops.push(Op::DelMessage {
                        account: target.0.clone(),
                        key: target.1.clone(),
                        seq,
                    });
                }
            }
            ops
        };
        if let Err(e) = self.inner.writer.apply(ops).await {
            eprintln!("ponte-sim: broadcast: {e}");
        }
    }
}

async fn intake_loop(b: Broadcaster, mut rx: mpsc::UnboundedReceiver<OrderChange>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(c) => batch.push(c),
                Err(_) => break,
            }
        }
        b.ingest(batch).await;
    }
}

async fn delivery_loop(b: Broadcaster) {
    let mut running: JoinSet<()> = JoinSet::new();
    let mut last_sweep = i64::MIN;
    loop {
        while running.try_join_next().is_some() {}
        for (seq, record) in b.due() {
            let b2 = b.clone();
            running.spawn(async move { b2.deliver(seq, record).await });
        }
        let now = b.now();
        if now.saturating_sub(last_sweep) >= 1000 {
            last_sweep = now;
            b.sweep().await;
        }
        tokio::select! {
            _ = b.inner.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
        }
    }
}

/// Posts a hook body to `url` (through the IO router for `*.myvtex.com`, else plain HTTP).
pub async fn post_hook(
    http: &reqwest::Client,
    io: &IoRouter,
    url: &str,
    headers: &BTreeMap<String, String>,
    body: &Value,
    deadline: Duration,
) -> Outcome {
    let Ok(mut parsed) = reqwest::Url::parse(url) else {
        return Outcome::Unreachable(format!("invalid URL {url}"));
    };
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    if let Some(label) = host.strip_suffix(".myvtex.com") {
        let (workspace, account) = match label.rsplit_once("--") {
            Some((ws, account)) => (Some(ws.to_owned()), account.to_owned()),
            None => (None, label.to_owned()),
        };
        let path = match parsed.query() {
            Some(q) => format!("{}?{q}", parsed.path()),
            None => parsed.path().to_owned(),
        };
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        return io
            .call_route(
                &account,
                workspace.as_deref(),
                &path,
                headers,
                bytes,
                deadline,
            )
            .await;
    }
    if parsed.set_scheme("http").is_err() {
        return Outcome::Unreachable(format!("cannot reach {url} over http"));
    }
    let mut req = http.post(parsed).timeout(deadline).json(body);
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    crate::vtex::io::outcome_of(req.send().await).await
}
