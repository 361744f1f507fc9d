//! VTEX's scheduler (`vtex.scheduler`): an app schedules a request that VTEX then sends on a
//! time expression, the documented way to run recurring work within VTEX IO (an IO service
//! has no timer of its own: replicas come and go, and each runs only while it serves).
//!
//! VTEX publishes no reference page for this API; its official app vtex-apps/octopia-scheduler
//! is the source of every rule here (`node/clients/scheduler.ts`, `node/typings/
//! vtex.scheduler.d.ts`, `node/helpers/scheduler.ts`, `node/constants/index.ts`):
//!
//! - `PUT /api/scheduler/{workspace}/{app}?version=4`, through Janus with the app's token as
//!   `VtexIdclientAutCookie`, creates or replaces (same `id`) the schedule
//!   `{"id", "scheduler": {"expression", "endDate"}, "retry": {"delay": {"addMinutes",
//!   "addHours", "addDays"}, "times", "backOffRate"}, "request": {"uri", "method", "headers",
//!   "body"}}` and answers the schedule as `GET` does;
//! - `GET /api/scheduler/{workspace}/{app}` lists them, `GET .../{id}` reads one:
//!   `{"id", "workspace", "app", "expression", "endDate", "NextExecution", "attempt",
//!   "request", "retry"}`; `DELETE .../{id}` removes one.
//!
//! Played as documented there; where that app is silent **[sim's choice]**: the expression is
//! Quartz cron ([`cron`]); `uri` must be `https://`; a schedule reaches the service through the
//! IO router when its host is `{account}.myvtex.com` or `{workspace}--{account}.myvtex.com`
//! (as hooks do, [`crate::vtex::broadcast::post_hook`], which sends every request as `POST`
//! **[sim's limit]**); VTEX does not say whether a firing waits for the previous request to
//! answer: by default it does not (cron semantics), and `PUT /_sim/scheduler/config
//! {"waitForPrevious": true}` makes a firing while the previous one is out skipped (counted)
//! **[sim's choice, configurable]**; firings missed while the simulated clock jumped are sent once; `retry` is stored and echoed, not played
//! (a failure waits for the next firing) **[sim's limit]**; schedules live in memory and are
//! gone when the simulator restarts **[sim's limit]**; a missing credential is `401`, an invalid
//! body `400`, an unknown id `404`, each `{"code", "message"}`.
//!
//! Simulator host: `GET /_sim/scheduler/stats` `{"schedules", "fired", "ok", "failed",
//! "skipped", "inFlightMax"}`; `GET|PUT /_sim/scheduler/config` `{"waitForPrevious"}`.

pub mod cron;

use crate::platform::clock::SimClock;
use crate::platform::http::Scoped;
use crate::platform::lock;
use crate::vtex::io::{IoRouter, Outcome};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cron::Cron;
use ponte_core::orders::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a firing may take before it counts as failed.
const DEADLINE: Duration = Duration::from_secs(60);
/// How far ahead `NextExecution` is looked for (seconds).
const HORIZON: i64 = 8 * 86_400;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Timing {
    expression: String,
    #[serde(rename = "endDate")]
    end_date: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduledRequest {
    uri: String,
    method: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Configuration {
    id: String,
    scheduler: Timing,
    request: ScheduledRequest,
    #[serde(default)]
    retry: Value,
}

#[derive(Debug)]
struct Entry {
    config: Configuration,
    cron: Cron,
    end: i64,
    /// The last second looked at.
    checked: i64,
    /// Requests sent and not answered yet.
    running: u64,
    attempt: u64,
}

type Key = (String, String, String, String);

#[derive(Debug, Default)]
struct Stats {
    fired: AtomicU64,
    ok: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
    in_flight_max: AtomicU64,
}

/// The scheduler's state (cheap to clone).
#[derive(Debug, Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    schedules: Mutex<BTreeMap<Key, Entry>>,
    io: Arc<IoRouter>,
    clock: Arc<SimClock>,
    http: reqwest::Client,
    stats: Stats,
    wait_for_previous: std::sync::atomic::AtomicBool,
}

fn refuse(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "code": code, "message": message.into() })),
    )
        .into_response()
}

/// The app's token (or any VTEX ID credential), or an app key pair.
fn has_credential(headers: &HeaderMap) -> bool {
    let present = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.trim().is_empty())
    };
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("VtexIdclientAutCookie="));
    present("vtexidclientautcookie")
        || cookie
        || (present("x-vtex-api-appkey") && present("x-vtex-api-apptoken"))
}

impl Scheduler {
    /// A scheduler sending through `io`, on `clock`; its loop runs until the runtime stops.
    pub fn start(io: Arc<IoRouter>, clock: Arc<SimClock>) -> Scheduler {
        let scheduler = Scheduler {
            inner: Arc::new(Inner {
                schedules: Mutex::new(BTreeMap::new()),
                io,
                clock,
                http: reqwest::Client::new(),
                stats: Stats::default(),
                wait_for_previous: std::sync::atomic::AtomicBool::new(false),
            }),
        };
        let me = scheduler.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                me.fire_due();
            }
        });
        scheduler
    }

    fn now(&self) -> i64 {
        self.inner.clock.now_ms().div_euclid(1000)
    }

    fn information(&self, key: &Key, e: &Entry) -> Value {
        let next = e
            .cron
            .next_after(self.now(), HORIZON)
            .filter(|t| *t <= e.end)
            .and_then(Timestamp::from_unix_seconds)
            .map(|t| t.as_str().to_owned());
        json!({
            "id": e.config.id,
            "workspace": key.1,
            "app": key.2,
            "expression": e.config.scheduler.expression,
            "endDate": e.config.scheduler.end_date,
            "NextExecution": next,
            "attempt": e.attempt,
            "request": {
                "uri": e.config.request.uri,
                "method": e.config.request.method,
                "headers": e.config.request.headers,
                "body": e.config.request.body,
            },
            "retry": e.config.retry,
        })
    }

    fn put(&self, account: &str, workspace: &str, app: &str, body: &[u8]) -> Response {
        let config: Configuration = match serde_json::from_slice(body) {
            Ok(c) => c,
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "SCHEDULER_BODY_INVALID",
                    e.to_string(),
                );
            }
        };
        let invalid = |m: String| refuse(StatusCode::BAD_REQUEST, "SCHEDULER_BODY_INVALID", m);
        if config.id.trim().is_empty() {
            return invalid("id must not be empty".into());
        }
        let cron = match Cron::parse(&config.scheduler.expression) {
            Ok(c) => c,
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "SCHEDULER_EXPRESSION_INVALID",
                    format!("scheduler.expression: {e}"),
                );
            }
        };
        let Some(end) = Timestamp::parse_lenient(&config.scheduler.end_date) else {
            return invalid("scheduler.endDate must be an ISO 8601 date and time".into());
        };
        if !config.request.uri.starts_with("https://")
            || reqwest::Url::parse(&config.request.uri).is_err()
        {
            return invalid("request.uri must be an https:// URL".into());
        }
        let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
        if !methods.contains(&config.request.method.to_ascii_uppercase().as_str()) {
            return invalid(format!("request.method must be one of {methods:?}"));
        }
        let key = (
            account.to_owned(),
            workspace.to_owned(),
            app.to_owned(),
            config.id.clone(),
        );
        let entry = Entry {
            config,
            cron,
            end: end.unix_seconds(),
            checked: self.now(),
            running: 0,
            attempt: 0,
        };
        let answer = self.information(&key, &entry);
        lock(&self.inner.schedules).insert(key, entry);
        Json(answer).into_response()
    }

    /// Sends every schedule whose expression fired since it was last looked at.
    fn fire_due(&self) {
        let now = self.now();
        let mut due = Vec::new();
        {
            let mut schedules = lock(&self.inner.schedules);
            for (key, e) in schedules.iter_mut() {
                // At most the last two minutes are looked at: missed firings are sent once.
                let from = e.checked.max(now - 120) + 1;
                let fired = (from..=now).any(|t| t <= e.end && e.cron.fires_at(t));
                e.checked = now;
                if !fired {
                    continue;
                }
                if e.running > 0 && self.inner.wait_for_previous.load(Ordering::Relaxed) {
                    self.inner.stats.skipped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                e.running += 1;
                self.inner
                    .stats
                    .in_flight_max
                    .fetch_max(e.running, Ordering::Relaxed);
                e.attempt += 1;
                due.push((key.clone(), e.config.request.clone()));
            }
        }
        for (key, request) in due {
            let me = self.clone();
            self.inner.stats.fired.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let outcome = crate::vtex::broadcast::post_hook(
                    &me.inner.http,
                    &me.inner.io,
                    &request.uri,
                    &request.headers,
                    &request.body,
                    DEADLINE,
                )
                .await;
                let ok = matches!(outcome, Outcome::Status(s) if (200..300).contains(&s));
                let counter = if ok {
                    &me.inner.stats.ok
                } else {
                    &me.inner.stats.failed
                };
                counter.fetch_add(1, Ordering::Relaxed);
                if let Some(e) = lock(&me.inner.schedules).get_mut(&key) {
                    e.running = e.running.saturating_sub(1);
                }
            });
        }
    }
}

/// The VTEX-facing routes (account hosts and Janus).
pub fn routes() -> Router<Scheduler> {
    Router::new()
        .route("/api/scheduler/{workspace}/{app}", get(list).put(put))
        .route(
            "/api/scheduler/{workspace}/{app}/{id}",
            get(one).delete(remove),
        )
}

/// The simulator's routes.
pub fn sim_routes() -> Router<Scheduler> {
    Router::new()
        .route("/_sim/scheduler/stats", get(stats))
        .route("/_sim/scheduler/config", get(get_config).put(put_config))
}

async fn get_config(State(s): State<Scheduler>) -> Response {
    let wait = s.inner.wait_for_previous.load(Ordering::Relaxed);
    Json(json!({ "waitForPrevious": wait })).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SchedulerSettings {
    wait_for_previous: bool,
}

async fn put_config(State(s): State<Scheduler>, body: Bytes) -> Response {
    match serde_json::from_slice::<SchedulerSettings>(&body) {
        Ok(c) => {
            let wait = &s.inner.wait_for_previous;
            wait.store(c.wait_for_previous, Ordering::Relaxed);
            get_config(State(s)).await
        }
        Err(e) => refuse(
            StatusCode::BAD_REQUEST,
            "SCHEDULER_CONFIG_INVALID",
            e.to_string(),
        ),
    }
}

type Call = Scoped<Scheduler>;

fn unauthorized() -> Response {
    refuse(
        StatusCode::UNAUTHORIZED,
        "SCHEDULER_UNAUTHORIZED",
        "send the app's token as VtexIdclientAutCookie",
    )
}

async fn put(call: Call, Path((workspace, app)): Path<(String, String)>, body: Bytes) -> Response {
    if !has_credential(&call.headers) {
        return unauthorized();
    }
    call.state.put(&call.account, &workspace, &app, &body)
}

async fn list(call: Call, Path((workspace, app)): Path<(String, String)>) -> Response {
    if !has_credential(&call.headers) {
        return unauthorized();
    }
    let s = &call.state;
    let schedules = lock(&s.inner.schedules);
    let all: Vec<Value> = schedules
        .iter()
        .filter(|(k, _)| k.0 == call.account && k.1 == workspace && k.2 == app)
        .map(|(k, e)| s.information(k, e))
        .collect();
    Json(all).into_response()
}

fn key_of(call: &Call, workspace: String, app: String, id: String) -> Key {
    (call.account.clone(), workspace, app, id)
}

fn unknown(id: &str) -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        "SCHEDULER_NOT_FOUND",
        format!("no schedule {id:?}"),
    )
}

async fn one(call: Call, Path((workspace, app, id)): Path<(String, String, String)>) -> Response {
    if !has_credential(&call.headers) {
        return unauthorized();
    }
    let key = key_of(&call, workspace, app, id);
    let schedules = lock(&call.state.inner.schedules);
    match schedules.get(&key) {
        Some(e) => Json(call.state.information(&key, e)).into_response(),
        None => unknown(&key.3),
    }
}

async fn remove(
    call: Call,
    Path((workspace, app, id)): Path<(String, String, String)>,
) -> Response {
    if !has_credential(&call.headers) {
        return unauthorized();
    }
    let key = key_of(&call, workspace, app, id);
    match lock(&call.state.inner.schedules).remove(&key) {
        Some(_) => StatusCode::OK.into_response(),
        None => unknown(&key.3),
    }
}

async fn stats(State(s): State<Scheduler>) -> Response {
    let st = &s.inner.stats;
    Json(json!({
        "schedules": lock(&s.inner.schedules).len(),
        "fired": st.fired.load(Ordering::Relaxed),
        "ok": st.ok.load(Ordering::Relaxed),
        "failed": st.failed.load(Ordering::Relaxed),
        "skipped": st.skipped.load(Ordering::Relaxed),
        "inFlightMax": st.in_flight_max.load(Ordering::Relaxed),
    }))
    .into_response()
}
