//! The VTEX IO router, played in front of the service's replicas (`@vtex/api` runtimes).
//!
//! Configuration: `PUT /_sim/io` (and `GET`, same JSON), or the CLI (`--io-replica URL`
//! repeatable, `--io-service-json PATH`, `--io-workspace`, `--io-tick-interval-ms`,
//! `--io-tick-header NAME:VALUE`, `--io-events`):
//!
//! ```json
//! { "replicas": ["http://127.0.0.1:5050"], "workspace": "master", "account": "ponte",
//!   "serviceJson": { "routes": {...}, "events": {...} }, "tickIntervalMs": 500,
//!   "tickHeaders": { "x-ponte-hook-secret": "..." }, "events": true,
//!   "credential": "ponte-sim-io-credential" }
//! ```
//! (`account` defaults to the simulator's account, `tickIntervalMs` to 0 (off), `events` to false,
//! `credential` to `ponte-sim-io-credential`.) An A/B test gives `"workspaces": [{"workspace":
//! "master", "replicas": [...], "weight": 1}, {"workspace": "abtest", ...}]` instead of
//! `replicas` and `workspace`: `{ws}--{account}.myvtex.com` reaches that workspace, the bare
//! `{account}.myvtex.com` is split by weight, and IO events go to the broadcast target
//! workspace only.
//!
//! - **Public routes**: a hook URL on `{account}.myvtex.com` or `{ws}--{account}.myvtex.com`
//!   ([`crate::vtex::broadcast`]) is matched against `serviceJson.routes` (`:name` segments become
//!   parameters, sent form-encoded in `x-colossus-params` as the runtime parses them; a
//!   trailing `*name` takes the rest), and sent as `POST {replica}/{account}/{workspace}{path}`
//!   with `x-colossus-route-id`, `x-colossus-params`, `x-vtex-account`, `x-vtex-workspace`,
//!   `x-vtex-credential`, `x-request-id`, `content-type: application/json` and the caller's
//!   headers. Replicas are taken round-robin; a replica that refuses the connection is
//!   skipped for that call (the next one is tried). No matching route: the delivery fails
//!   (`no route`), as VTEX's router would answer 404.
//! - **Events**: with `events: true`, every order change of `account` goes, for each
//!   `serviceJson.events` handler whose `sender` (version ignored) is `vtex.orders-broadcast` and
//!   whose `topics` contain `order-status-updated`, to one replica as `POST
//!   {replica}/{account}/{workspace}/_events` with `x-event-handler-id`, `x-event-sender:
//!   vtex.orders-broadcast@0.x`, `x-event-key: order-status-updated`, `x-vtex-account`,
//!   `x-vtex-workspace`, `x-vtex-credential`, `x-request-id`. VTEX's own example of that sender
//!   (vtex-apps/orders-feed-example, `node/service.json` and `docs/README.md`) subscribes with
//!   `"topics": ["order-status-updated"]` ("receive all events") or with status names
//!   (`["cancel", "order-created"]`, the order's `currentState`); a handler declared with
//!   `keys` gets nothing. Per-status topics are not played: only `order-status-updated` is
//!   delivered **[sim's limit]**. Events go only to the broadcaster's target workspace: "Normally
//!   `vtex.orders-broadcast` sends events only in `master` workspace", changed with its `Target
//!   Workspace` setting (same README); the simulator delivers only when `workspace` equals
//!   `broadcastTargetWorkspace` (default `master`). VTEX documents this in that example app's
//!   README only, not in its developer portal.
//! - **Policies**: the app's `manifest.json` (`--app-manifest PATH`, `PUT /_sim/io/manifest`)
//!   decides what the app's own calls may reach ([`policies`]).
//! - **Fixed tick** (off by default): every `tickIntervalMs` (real time; `0`, the default, is
//!   off) the route whose id is `orderFeedTick`, if service.json has one, is posted (`{}` body)
//!   to the next replica with `tickHeaders` **[emulator choice]**: a replica gets a new tick only
//!   when its previous one finished. VTEX runs recurring work through vtex.scheduler, played by
//!   [`crate::vtex::scheduler`], which the app sets up itself; this tick is for runs that
//!   want ticks without it.

use crate::platform::lock;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

pub mod policies;

/// The IO event sender and key of order status changes.
pub const ORDER_EVENT_SENDER: &str = "vtex.orders-broadcast@0.x";
pub const ORDER_EVENT_KEY: &str = "order-status-updated";
/// The route id the scheduler ticks.
pub const TICK_ROUTE: &str = "orderFeedTick";

/// The IO router's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IoConfig {
    /// Base URLs of the service replicas.
    pub replicas: Vec<String>,
    pub workspace: String,
    /// The account the service is installed on (events and ticks); `None`: the simulator's.
    pub account: Option<String>,
    /// The service's `service.json`.
    pub service_json: Option<Value>,
    /// Scheduler period (real ms); `0` turns it off.
    pub tick_interval_ms: u64,
    pub tick_headers: BTreeMap<String, String>,
    /// Deliver order changes as IO events.
    pub events: bool,
    /// `x-vtex-credential` sent on every call.
    pub credential: String,
    /// `vtex.orders-broadcast`'s `Target Workspace` setting: events reach the service only when
    /// it serves this workspace.
    pub broadcast_target_workspace: String,
    /// Several workspaces of the account, each with its replicas (an A/B test); when given,
    /// `replicas` and `workspace` are not used.
    pub workspaces: Vec<WorkspaceReplicas>,
}

/// One workspace's replicas and its share of the account's bare host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceReplicas {
    pub workspace: String,
    pub replicas: Vec<String>,
    /// Share of the calls to `{account}.myvtex.com` (A/B traffic split), relative to the others.
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

impl Default for IoConfig {
    fn default() -> Self {
        IoConfig {
            replicas: Vec::new(),
            workspace: "master".to_owned(),
            account: None,
            service_json: None,
            tick_interval_ms: 0,
            tick_headers: BTreeMap::new(),
            events: false,
            credential: "ponte-sim-io-credential".to_owned(),
            broadcast_target_workspace: "master".to_owned(),
            workspaces: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Rest(String),
}

#[derive(Debug, Clone)]
struct RoutePattern {
    id: String,
    segments: Vec<Segment>,
}

impl RoutePattern {
    fn parse(id: &str, path: &str) -> Self {
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                if let Some(name) = s.strip_prefix(':') {
                    Segment::Param(name.to_owned())
                } else if let Some(name) = s.strip_prefix('*') {
                    Segment::Rest(name.to_owned())
                } else {
                    Segment::Literal(s.to_owned())
                }
            })
            .collect();
        RoutePattern {
            id: id.to_owned(),
            segments,
        }
    }

    fn params(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| !matches!(s, Segment::Literal(_)))
            .count()
    }

    /// The parameters when `path` matches.
    fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut params = Vec::new();
        let mut i = 0;
        for seg in &self.segments {
            match seg {
                Segment::Literal(l) => {
                    if parts.get(i)? != l {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    params.push((
                        name.clone(),
                        crate::platform::http::percent_decode(parts.get(i)?),
                    ));
                }
                Segment::Rest(name) => {
                    params.push((name.clone(), parts[i.min(parts.len())..].join("/")));
                    return Some(params);
                }
            }
            i += 1;
        }
        (i == parts.len()).then_some(params)
    }
}

#[derive(Debug, Clone, Default)]
struct Service {
    routes: Vec<RoutePattern>,
    /// `(handler id, sender without version, topics)` (`keys` are not read: see the module doc).
    events: Vec<(String, String, Vec<String>)>,
}

/// The object `serviceJson.<key>`, when given.
fn section<'a>(
    json: &'a Value,
    key: &str,
) -> Result<Option<&'a serde_json::Map<String, Value>>, String> {
    json.get(key)
        .map(|v| {
            v.as_object()
                .ok_or_else(|| format!("serviceJson.{key} must be an object"))
        })
        .transpose()
}

impl Service {
    fn parse(json: Option<&Value>) -> Result<Service, String> {
        let Some(json) = json else {
            return Ok(Service::default());
        };
        let mut service = Service::default();
        if let Some(routes) = section(json, "routes")? {
            for (id, route) in routes {
                let path = route
                    .get("path")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("serviceJson.routes.{id}.path must be a string"))?;
                service.routes.push(RoutePattern::parse(id, path));
            }
            // Fewer parameters first: a literal route wins over a parameterised one.
            service.routes.sort_by_key(RoutePattern::params);
        }
        if let Some(events) = section(json, "events")? {
            for (id, event) in events {
                let sender = event
                    .get("sender")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let sender = sender.split('@').next().unwrap_or_default().to_owned();
                let keys = event
                    .get("topics")
                    .and_then(Value::as_array)
                    .map(|k| {
                        k.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                service.events.push((id.clone(), sender, keys));
            }
        }
        Ok(service)
    }
}

/// How one call went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An HTTP answer in time.
    Status(u16),
    /// No answer within the deadline.
    Timeout,
    /// Nobody to deliver to (connection refused everywhere, no replica, bad URL).
    Unreachable(String),
    /// service.json has no route for the path.
    NoRoute(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Status(s) => write!(f, "HTTP {s}"),
            Outcome::Timeout => write!(f, "no answer within the deadline"),
            Outcome::Unreachable(why) => write!(f, "unreachable ({why})"),
            Outcome::NoRoute(path) => write!(f, "no service route for {path}"),
        }
    }
}

/// The outcome of a sent request (the body is read so the connection can be reused).
pub async fn outcome_of(result: Result<reqwest::Response, reqwest::Error>) -> Outcome {
    match result {
        Ok(resp) => {
            let status = resp.status().as_u16();
            match resp.bytes().await {
                Ok(_) => Outcome::Status(status),
                Err(e) if e.is_timeout() => Outcome::Timeout,
                Err(_) => Outcome::Status(status),
            }
        }
        Err(e) if e.is_timeout() => Outcome::Timeout,
        Err(e) => Outcome::Unreachable(e.to_string()),
    }
}

#[derive(Debug, Default)]
struct TickStats {
    attempts: u64,
    ok: u64,
    failed: u64,
}

#[derive(Debug)]
struct IoState {
    config: IoConfig,
    service: Service,
}

/// The router.
#[derive(Debug)]
pub struct IoRouter {
    default_account: String,
    state: Mutex<IoState>,
    rr: AtomicUsize,
    /// The A/B split's rotation.
    split: AtomicUsize,
    /// The scheduler's own round-robin position.
    tick_rr: AtomicUsize,
    requests: AtomicU64,
    http: reqwest::Client,
    ticks: Mutex<TickStats>,
    ticking: Mutex<HashSet<String>>,
    scheduler: Mutex<Option<JoinHandle<()>>>,
    /// The app's policies (`None`: nothing is checked) and the role table ([`policies`]).
    policies: Mutex<(Option<policies::AppPolicies>, Vec<policies::RoleRule>)>,
}

fn check(config: &IoConfig) -> Result<Service, String> {
    let listed = config.workspaces.iter().flat_map(|w| &w.replicas);
    for w in &config.workspaces {
        if !crate::platform::http::valid_account(&w.workspace) {
            return Err(format!("invalid workspace {:?}", w.workspace));
        }
    }
    for r in config.replicas.iter().chain(listed) {
        match reqwest::Url::parse(r) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            _ => return Err(format!("replica {r:?} is not an http URL")),
        }
    }
    for ws in [&config.workspace, &config.broadcast_target_workspace] {
        if !crate::platform::http::valid_account(ws) {
            return Err(format!("invalid workspace {ws:?}"));
        }
    }
    if let Some(a) = &config.account
        && !crate::platform::http::valid_account(a)
    {
        return Err(format!("invalid account {a:?}"));
    }
    for (k, v) in &config.tick_headers {
        if axum::http::HeaderName::from_bytes(k.as_bytes()).is_err()
            || axum::http::HeaderValue::from_str(v).is_err()
        {
            return Err(format!("tickHeaders.{k} is not a valid HTTP header"));
        }
    }
    Service::parse(config.service_json.as_ref())
}

/// `req` with the headers the router adds to a call to a route of the app: the route's id and
/// its `params` (`x-colossus-route-id`, `x-colossus-params`), the account, the workspace and the
/// app's credential (module docs).
fn routed<P: Serialize + ?Sized>(
    req: reqwest::RequestBuilder,
    route_id: &str,
    params: &P,
    account: &str,
    workspace: &str,
    credential: &str,
) -> reqwest::RequestBuilder {
    req.header("x-colossus-route-id", route_id)
        .header(
            "x-colossus-params",
            serde_urlencoded::to_string(params).unwrap_or_default(),
        )
        .header("x-vtex-account", account)
        .header("x-vtex-workspace", workspace)
        .header("x-vtex-credential", credential)
}

/// A route of the service that a path matched: its id and its parameters.
type RouteMatch = (String, Vec<(String, String)>);

/// A provider app as a VTEX system calls it ([`IoRouter::provider_request`]): the account
/// (empty: the router's), the app's base path, and the key and token the provider takes.
#[derive(Debug, Clone, Copy)]
pub struct Provider<'a> {
    pub account: &'a str,
    pub base_path: &'a str,
    pub app_key: &'a str,
    pub app_token: &'a str,
}

impl IoRouter {
    /// A router with `config`; [`IoRouter::start`] runs its scheduler.
    pub fn new(default_account: String, config: IoConfig) -> Result<Arc<IoRouter>, String> {
        let service = check(&config)?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Arc::new(IoRouter {
            default_account,
            state: Mutex::new(IoState { config, service }),
            rr: AtomicUsize::new(0),
            split: AtomicUsize::new(0),
            tick_rr: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            http,
            ticks: Mutex::new(TickStats::default()),
            ticking: Mutex::new(HashSet::new()),
            scheduler: Mutex::new(None),
            policies: Mutex::new((None, policies::default_role_table())),
        }))
    }

    /// Starts the scheduler task.
    pub fn start(self: &Arc<Self>) {
        let me = self.clone();
        let task = tokio::spawn(async move { me.scheduler().await });
        if let Some(old) = lock(&self.scheduler).replace(task) {
            old.abort();
        }
    }

    /// Stops the scheduler.
    pub async fn shutdown(&self) {
        let task = lock(&self.scheduler).take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
    }

    pub fn config(&self) -> IoConfig {
        lock(&self.state).config.clone()
    }

    /// The request a VTEX system (the antifraud gateway, the Gift Card Hub) sends to `route` of
    /// a provider app through this router: to the replica of `turn` (round robin), with the
    /// route and its `params` in `x-colossus-route-id` and `x-colossus-params`, the account,
    /// workspace and credential, and the provider's `x-provider-api-appkey` and
    /// `x-provider-api-apptoken`, as the IO router delivers a provider call (module docs).
    /// `None` when no replica is configured.
    #[allow(clippy::too_many_arguments)]
    pub fn provider_request(
        &self,
        http: &reqwest::Client,
        turn: usize,
        method: reqwest::Method,
        provider: Provider<'_>,
        route: &str,
        path: &str,
        params: &[(&str, &str)],
    ) -> Option<reqwest::RequestBuilder> {
        let io = self.config();
        if io.replicas.is_empty() {
            return None;
        }
        let account = if provider.account.is_empty() {
            io.account.clone().unwrap_or_default()
        } else {
            provider.account.to_owned()
        };
        let replica = io.replicas[turn % io.replicas.len()].trim_end_matches('/');
        let url = format!(
            "{replica}/{account}/{}{}{path}",
            io.workspace, provider.base_path
        );
        let req = http.request(method, url).timeout(Duration::from_secs(20));
        Some(
            routed(req, route, params, &account, &io.workspace, &io.credential)
                .header("x-provider-api-appkey", provider.app_key)
                .header("x-provider-api-apptoken", provider.app_token),
        )
    }

    pub fn set_config(&self, config: IoConfig) -> Result<(), String> {
        let service = check(&config)?;
        *lock(&self.state) = IoState { config, service };
        Ok(())
    }

    /// Loads the app's `manifest.json` (`None`: no policy is checked).
    pub fn set_manifest(&self, manifest: Option<&Value>) -> Result<(), String> {
        let parsed = manifest
            .map(policies::AppPolicies::from_manifest)
            .transpose()?;
        lock(&self.policies).0 = parsed;
        Ok(())
    }

    pub fn role_table(&self) -> Vec<policies::RoleRule> {
        lock(&self.policies).1.clone()
    }

    pub fn set_role_table(&self, table: Vec<policies::RoleRule>) {
        lock(&self.policies).1 = table;
    }

    /// The app's policies, the role table and the account the app is installed on (`None`:
    /// not configured), when a manifest is loaded.
    fn policies(
        &self,
    ) -> Option<(
        policies::AppPolicies,
        Vec<policies::RoleRule>,
        Option<String>,
    )> {
        let (app, table) = lock(&self.policies).clone();
        let account = self.config().account;
        app.map(|app| (app, table, account))
    }

    fn account(&self, config: &IoConfig) -> String {
        config
            .account
            .clone()
            .unwrap_or_else(|| self.default_account.clone())
    }

    /// The event handler ids that get an order change of `account` (empty when events are off).
    pub fn event_handlers(&self, account: &str) -> Vec<String> {
        let s = lock(&self.state);
        let target = &s.config.broadcast_target_workspace;
        let served = if s.config.workspaces.is_empty() {
            &s.config.workspace == target
        } else {
            s.config.workspaces.iter().any(|w| &w.workspace == target)
        };
        if !s.config.events || self.account(&s.config) != account || !served {
            return Vec::new();
        }
        let sender = ORDER_EVENT_SENDER.split('@').next().unwrap_or_default();
        s.service
            .events
            .iter()
            .filter(|(_, snd, keys)| snd == sender && keys.iter().any(|k| k == ORDER_EVENT_KEY))
            .map(|(id, _, _)| id.clone())
            .collect()
    }

    fn request_id(&self) -> String {
        format!(
            "ponte-sim-{}-{}",
            std::process::id(),
            self.requests.fetch_add(1, Ordering::SeqCst)
        )
    }

    /// Posts to each replica in turn from the round-robin position until one accepts the
    /// connection.
    async fn post_round_robin(
        &self,
        replicas: &[String],
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
        deadline: Duration,
    ) -> Outcome {
        if replicas.is_empty() {
            return Outcome::Unreachable("no service replica configured (PUT /_sim/io)".into());
        }
        let start = self.rr.fetch_add(1, Ordering::SeqCst);
        let mut last = String::new();
        for i in 0..replicas.len() {
            let replica = replicas[(start + i) % replicas.len()].trim_end_matches('/');
            let mut req = self
                .http
                .post(format!("{replica}{path}"))
                .timeout(deadline)
                .header("content-type", "application/json")
                .body(body.clone());
            for (k, v) in headers {
                req = req.header(k.as_str(), v.as_str());
            }
            match req.send().await {
                Err(e) if e.is_connect() => {
                    last = format!("{replica}: {e}");
                    continue;
                }
                other => return outcome_of(other).await,
            }
        }
        Outcome::Unreachable(format!(
            "every replica refused the connection (last: {last})"
        ))
    }

    /// The workspace a call goes to and its replicas: the one named (`{ws}--{account}`), or
    /// for the account's bare host the configured workspace, or with `workspaces` one picked by
    /// weight (A/B testing splits the bare host's traffic between workspaces; VTEX, "A/B
    /// testing", developers portal: `vtex workspace abtest start` splits traffic between master
    /// and a production workspace). The split is a deterministic rotation over the weights
    /// **[sim's choice: VTEX splits per session]**. `None`: no such workspace here.
    fn target(&self, config: &IoConfig, workspace: Option<&str>) -> Option<(String, Vec<String>)> {
        if config.workspaces.is_empty() {
            let ws = workspace.unwrap_or(&config.workspace);
            return Some((ws.to_owned(), config.replicas.clone()));
        }
        let pick = match workspace {
            Some(ws) => config.workspaces.iter().find(|w| w.workspace == ws)?,
            None => {
                let total: u64 = config.workspaces.iter().map(|w| u64::from(w.weight)).sum();
                let n = self.split.fetch_add(1, Ordering::SeqCst) as u64 % total.max(1);
                let mut acc = 0u64;
                config.workspaces.iter().find(|w| {
                    acc += u64::from(w.weight);
                    n < acc
                })?
            }
        };
        Some((pick.workspace.clone(), pick.replicas.clone()))
    }

    /// The configuration and the service's route that `path_and_query` reaches: its id and
    /// its parameters (`None` when no route of `service.json` matches).
    fn route_of(&self, path_and_query: &str) -> (IoConfig, Option<RouteMatch>) {
        let s = lock(&self.state);
        let path = path_and_query.split('?').next().unwrap_or_default();
        let route = s
            .service
            .routes
            .iter()
            .find_map(|r| r.matches(path).map(|params| (r.id.clone(), params)));
        (s.config.clone(), route)
    }

    /// Sends a public-route call as VTEX's router does.
    pub async fn call_route(
        &self,
        account: &str,
        workspace: Option<&str>,
        path_and_query: &str,
        extra_headers: &BTreeMap<String, String>,
        body: Vec<u8>,
        deadline: Duration,
    ) -> Outcome {
        let (config, route) = self.route_of(path_and_query);
        let Some((route_id, params)) = route else {
            return Outcome::NoRoute(path_and_query.to_owned());
        };
        let Some((workspace, replicas)) = self.target(&config, workspace) else {
            return Outcome::NoRoute(format!("no workspace {workspace:?} here"));
        };
        let mut headers = vec![
            ("x-colossus-route-id".to_owned(), route_id),
            (
                "x-colossus-params".to_owned(),
                serde_urlencoded::to_string(&params).unwrap_or_default(),
            ),
            ("x-vtex-account".to_owned(), account.to_owned()),
            ("x-vtex-workspace".to_owned(), workspace.clone()),
            ("x-vtex-credential".to_owned(), config.credential.clone()),
            ("x-request-id".to_owned(), self.request_id()),
        ];
        headers.extend(extra_headers.iter().map(|(k, v)| (k.clone(), v.clone())));
        let path = format!("/{account}/{workspace}{path_and_query}");
        self.post_round_robin(&replicas, &path, &headers, body, deadline)
            .await
    }

    /// A public-route call whose answer the caller reads (VTEX's Payment Gateway calling a
    /// connector app, [`crate::vtex::gateway`]): the same routing and headers as
    /// [`IoRouter::call_route`], any method, and the status with the body; `Err` when no
    /// replica answered (the outcome says why).
    pub async fn exchange_route(
        &self,
        method: reqwest::Method,
        account: &str,
        path_and_query: &str,
        extra_headers: &BTreeMap<String, String>,
        body: Option<Vec<u8>>,
        deadline: Duration,
    ) -> Result<(u16, Vec<u8>), Outcome> {
        let (config, route) = self.route_of(path_and_query);
        let Some((route_id, params)) = route else {
            return Err(Outcome::NoRoute(path_and_query.to_owned()));
        };
        let Some((workspace, replicas)) = self.target(&config, None) else {
            return Err(Outcome::NoRoute("no workspace here".into()));
        };
        if replicas.is_empty() {
            return Err(Outcome::Unreachable(
                "no service replica configured (PUT /_sim/io)".into(),
            ));
        }
        let start = self.rr.fetch_add(1, Ordering::SeqCst);
        let mut last = String::new();
        for i in 0..replicas.len() {
            let replica = replicas[(start + i) % replicas.len()].trim_end_matches('/');
            let req = self
                .http
                .request(
                    method.clone(),
                    format!("{replica}/{account}/{workspace}{path_and_query}"),
                )
                .timeout(deadline);
            let mut req = routed(
                req,
                &route_id,
                &params,
                account,
                &workspace,
                &config.credential,
            )
            .header("x-request-id", self.request_id());
            for (k, v) in extra_headers {
                req = req.header(k.as_str(), v.as_str());
            }
            if let Some(b) = &body {
                req = req
                    .header("content-type", "application/json")
                    .body(b.clone());
            }
            match req.send().await {
                Err(e) if e.is_connect() => {
                    last = format!("{replica}: {e}");
                    continue;
                }
                Err(e) if e.is_timeout() => return Err(Outcome::Timeout),
                Err(e) => return Err(Outcome::Unreachable(e.to_string())),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    return match resp.bytes().await {
                        Ok(b) => Ok((status, b.to_vec())),
                        Err(e) if e.is_timeout() => Err(Outcome::Timeout),
                        Err(e) => Err(Outcome::Unreachable(e.to_string())),
                    };
                }
            }
        }
        Err(Outcome::Unreachable(format!(
            "every replica refused the connection (last: {last})"
        )))
    }

    /// Sends an IO event to the handler `handler`.
    pub async fn send_event(
        &self,
        account: &str,
        handler: &str,
        body: &Value,
        deadline: Duration,
    ) -> Outcome {
        let config = self.config();
        // Events go to the broadcaster's target workspace only.
        let Some((workspace, replicas)) =
            self.target(&config, Some(&config.broadcast_target_workspace))
        else {
            return Outcome::NoRoute("no broadcast target workspace here".into());
        };
        let headers = vec![
            ("x-event-handler-id".to_owned(), handler.to_owned()),
            ("x-event-sender".to_owned(), ORDER_EVENT_SENDER.to_owned()),
            ("x-event-key".to_owned(), ORDER_EVENT_KEY.to_owned()),
            ("x-vtex-account".to_owned(), account.to_owned()),
            ("x-vtex-workspace".to_owned(), workspace.clone()),
            ("x-vtex-credential".to_owned(), config.credential.clone()),
            ("x-request-id".to_owned(), self.request_id()),
        ];
        let path = format!("/{account}/{workspace}/_events");
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.post_round_robin(&replicas, &path, &headers, bytes, deadline)
            .await
    }

    pub fn tick_stats(&self) -> Value {
        let t = lock(&self.ticks);
        json!({ "attempts": t.attempts, "ok": t.ok, "failed": t.failed })
    }

    pub fn reset_tick_stats(&self) {
        *lock(&self.ticks) = TickStats::default();
    }

    async fn scheduler(self: Arc<Self>) {
        loop {
            let config = self.config();
            let interval = if config.tick_interval_ms == 0 {
                250
            } else {
                config.tick_interval_ms
            };
            tokio::time::sleep(Duration::from_millis(interval)).await;
            if config.tick_interval_ms == 0 || config.replicas.is_empty() {
                continue;
            }
            let route = {
                let s = lock(&self.state);
                s.service
                    .routes
                    .iter()
                    .find(|r| r.id == TICK_ROUTE)
                    .cloned()
            };
            let Some(route) = route else { continue };
            // The tick route's path with its parameters left as written.
            let path: String = route
                .segments
                .iter()
                .map(|s| match s {
                    Segment::Literal(l) => format!("/{l}"),
                    Segment::Param(p) | Segment::Rest(p) => format!("/{p}"),
                })
                .collect();
            // The next replica without a tick in flight.
            let start = self.tick_rr.fetch_add(1, Ordering::SeqCst);
            let replica = {
                let mut busy = lock(&self.ticking);
                let pick = (0..config.replicas.len())
                    .map(|i| config.replicas[(start + i) % config.replicas.len()].clone())
                    .find(|r| !busy.contains(r));
                if let Some(r) = &pick {
                    busy.insert(r.clone());
                }
                pick
            };
            let Some(replica) = replica else { continue };
            let me = self.clone();
            tokio::spawn(async move {
                let account = me.account(&config);
                let mut headers = vec![
                    ("x-colossus-route-id".to_owned(), TICK_ROUTE.to_owned()),
                    ("x-colossus-params".to_owned(), String::new()),
                    ("x-vtex-account".to_owned(), account.clone()),
                    ("x-vtex-workspace".to_owned(), config.workspace.clone()),
                    ("x-vtex-credential".to_owned(), config.credential.clone()),
                    ("x-request-id".to_owned(), me.request_id()),
                ];
                headers.extend(
                    config
                        .tick_headers
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                let url_path = format!("/{account}/{}{path}", config.workspace);
                let outcome = me
                    .post_round_robin(
                        std::slice::from_ref(&replica),
                        &url_path,
                        &headers,
                        b"{}".to_vec(),
                        Duration::from_secs(60),
                    )
                    .await;
                {
                    let mut t = lock(&me.ticks);
                    t.attempts += 1;
                    if matches!(outcome, Outcome::Status(s) if (200..300).contains(&s)) {
                        t.ok += 1;
                    } else {
                        t.failed += 1;
                    }
                }
                lock(&me.ticking).remove(&replica);
            });
        }
    }
}

/// `GET|PUT /_sim/io` (simulator host).
pub fn routes() -> Router<Arc<IoRouter>> {
    Router::new()
        .route("/_sim/io", get(get_config).put(put_config))
        .route("/_sim/io/manifest", axum::routing::put(put_manifest))
        .route(
            "/_sim/io/role-table",
            get(get_role_table).put(put_role_table),
        )
}

/// `PUT /_sim/io/manifest`: the app's `manifest.json` (`null`: no policy checked).
async fn put_manifest(State(io): State<Arc<IoRouter>>, body: Bytes) -> Response {
    let manifest: Value = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return refuse(format!("invalid manifest: {e}")),
    };
    let manifest = (!manifest.is_null()).then_some(manifest);
    match io.set_manifest(manifest.as_ref()) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => refuse(e),
    }
}

async fn get_role_table(State(io): State<Arc<IoRouter>>) -> Response {
    Json(io.role_table()).into_response()
}

/// `PUT /_sim/io/role-table`: replaces the role table ([`policies::RoleRule`] list).
async fn put_role_table(State(io): State<Arc<IoRouter>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Vec<policies::RoleRule>>(&body) {
        Ok(table) => {
            io.set_role_table(table);
            Json(io.role_table()).into_response()
        }
        Err(e) => refuse(format!("invalid role table: {e}")),
    }
}

fn refuse(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": { "code": "IO_CONFIG_INVALID", "message": message, "exception": null } })),
    )
        .into_response()
}

async fn get_config(State(io): State<Arc<IoRouter>>) -> Response {
    Json(io.config()).into_response()
}

async fn put_config(State(io): State<Arc<IoRouter>>, body: Bytes) -> Response {
    let config: IoConfig = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return refuse(format!("invalid IO configuration: {e}")),
    };
    match io.set_config(config) {
        Ok(()) => Json(io.config()).into_response(),
        Err(e) => refuse(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_patterns() {
        let r = RoutePattern::parse("x", "/_v/ponte/orders/:orderId/items");
        assert_eq!(
            r.matches("/_v/ponte/orders/v1-01/items"),
            Some(vec![("orderId".to_owned(), "v1-01".to_owned())])
        );
        assert_eq!(r.matches("/_v/ponte/orders/v1-01"), None);
        assert_eq!(r.matches("/_v/ponte/orders/v1-01/items/x"), None);
        let rest = RoutePattern::parse("y", "/_v/files/*path");
        assert_eq!(
            rest.matches("/_v/files/a/b"),
            Some(vec![("path".to_owned(), "a/b".to_owned())])
        );
        let exact = RoutePattern::parse("z", "/_v/ponte/orders/hook");
        assert_eq!(exact.matches("/_v/ponte/orders/hook"), Some(vec![]));
    }

    #[test]
    fn service_events_match_sender_without_version() {
        let io = IoRouter::new(
            "ponte".into(),
            IoConfig {
                events: true,
                service_json: Some(json!({
                    "routes": {},
                    "events": {
                        "orderStatusChanged": { "sender": "vtex.orders-broadcast", "topics": ["order-status-updated"] },
                        "byKeys": { "sender": "vtex.orders-broadcast", "keys": ["order-status-updated"] },
                        "other": { "sender": "vtex.other", "topics": ["order-status-updated"] }
                    }
                })),
                ..IoConfig::default()
            },
        );
        let io = io.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            io.event_handlers("ponte"),
            vec!["orderStatusChanged".to_owned()]
        );
        assert!(io.event_handlers("other").is_empty());
    }
}
