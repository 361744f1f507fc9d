//! `ponte-sim --data-dir DIR [--listen 127.0.0.1:7070] [--seed demo] [--account ponte]
//! [--app-key KEY:TOKEN]... [--fault-rate-429 P] [--fault-rate-5xx P] [--fault-retry-after S]
//! [--fault-latency-ms MS] [--fault-seed N] [--fault-vbase] [--erp-config JSON|@FILE]
//! [--erp-graphql-url URL]... [--erp-token T] [--erp-*-rate P] [--erp-*-delay-ms MS] ...`
//! (the `--erp-*` flags configure the ERP side of orders, `ponte_sim::erp::orders`; given any,
//! they replace the ERP configuration stored in the data directory)
//! [--feed-duplicate-rate P] [--feed-reorder] [--feed-rate-429 P] [--hook-drop-rate P]
//! [--hook-deadline-ms MS] [--hook-retry-base-ms MS] [--feed-per-app-key]
//! [--io-replica URL]... [--io-service-json PATH] [--io-workspace W] [--io-tick-interval-ms MS]
//! [--io-tick-header NAME:VALUE]... [--io-events] [--io-broadcast-target-workspace W]
//! [--app-manifest PATH] (the app's manifest.json: its policies are enforced on its calls)
//! (Feed v3 / Hook, `ponte_sim::vtex::broadcast`, and the VTEX IO router, `ponte_sim::vtex::io`)
//! [--fault-oms] [--oms-config JSON|@FILE] [--oms-auto-step-ms MS]
//! [--oms-cancellation-window-seconds S] [--oms-start-handling-confirm-ms MS]
//! [--oms-cancel-confirm-ms MS] [--oms-settlement-ms MS]
//! (the simulated OMS, `ponte_sim::vtex::oms`; `--fault-oms` makes its endpoints faultable)
//!
//! Prints exactly one line on stdout once it listens, `ponte-sim listening on http://ADDR`
//! (with the real port, so `--listen 127.0.0.1:0` works), then serves until SIGINT or SIGTERM,
//! finishing in-flight requests and store writes before it exits. Errors go to stderr, with
//! exit status 1.

use clap::{Parser, ValueEnum};
use ponte_sim::{AppKey, Seed, Sim, SimConfig};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeedArg {
    /// Three departments, categories over three levels, specification groups, fields and values.
    Demo,
}

/// A local VTEX platform (Catalog, VTEX ID, app settings) for Ponte, and its HTTP proxy.
#[derive(Debug, Parser)]
#[command(name = "ponte-sim", version)]
struct Cli {
    /// Directory of the embedded store (`sim.redb`); created if missing.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// The app's manifest.json: its outbound-access and License Manager policies are enforced
    /// on the app's own calls (`ponte_sim::vtex::io::policies`).
    #[arg(long, value_name = "PATH")]
    app_manifest: Option<PathBuf>,
    /// The largest request body taken (VTEX documents none; larger: 413 REQUEST_TOO_LARGE).
    #[arg(long, value_name = "BYTES", default_value_t = 2 * 1024 * 1024)]
    max_body_bytes: usize,
    /// The longest request target taken (VTEX documents none; longer: 414 URI_TOO_LONG).
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024)]
    max_uri_bytes: usize,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7070")]
    listen: SocketAddr,
    /// Seed the account with a catalog when it is empty.
    #[arg(long, value_enum)]
    seed: Option<SeedArg>,
    /// The account to seed, and the default for requests straight to the simulator.
    #[arg(long, default_value = "ponte")]
    account: String,
    /// An app key pair VTEX ID accepts on every account (repeatable), besides each account's
    /// built-in `vtexappkey-{account}-PONTE` / `ponte-sim-apptoken`.
    #[arg(long = "app-key", value_name = "KEY:TOKEN")]
    app_keys: Vec<AppKey>,
    /// Probability (0 to 1) that a Catalog API request is answered 429 with Retry-After.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    fault_rate_429: f64,
    /// Probability (0 to 1) that a Catalog API request is answered 503.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    fault_rate_5xx: f64,
    /// The Retry-After (seconds) of an injected 429.
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    fault_retry_after: u64,
    /// Latency added to every Catalog API request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    fault_latency_ms: u64,
    /// Seed of the fault RNG.
    #[arg(long, value_name = "N", default_value_t = 42)]
    fault_seed: u64,
    /// Inject faults into VBase requests too.
    #[arg(long)]
    fault_vbase: bool,
    #[command(flatten)]
    erp: ErpArgs,
    #[command(flatten)]
    broadcast: BroadcastArgs,
    /// Inject faults into OMS requests (`/api/oms/...`, `/api/orders/pvt/...`) too.
    #[arg(long)]
    fault_oms: bool,
    #[command(flatten)]
    oms: OmsArgs,
}

/// The simulated OMS (`ponte_sim::vtex::oms`; `PUT /_sim/oms/config` at run time).
#[derive(Debug, clap::Args)]
struct OmsArgs {
    /// The whole OMS configuration as JSON (or `@FILE`); the other `--oms-*` flags override it.
    #[arg(long, value_name = "JSON|@FILE")]
    oms_config: Option<String>,
    /// Delay of each automatic platform step, in milliseconds (default 100).
    #[arg(long, value_name = "MS")]
    oms_auto_step_ms: Option<u64>,
    /// The cancellation grace period (`window-to-cancel`), in seconds (default 1800).
    #[arg(long, value_name = "S")]
    oms_cancellation_window_seconds: Option<u64>,
    /// `start-handling → handling` delay, in milliseconds (default 100).
    #[arg(long, value_name = "MS")]
    oms_start_handling_confirm_ms: Option<u64>,
    /// `cancel → canceled` delay, in milliseconds (default 100).
    #[arg(long, value_name = "MS")]
    oms_cancel_confirm_ms: Option<u64>,
    /// `invoice → invoiced` settlement delay, in milliseconds (default 100).
    #[arg(long, value_name = "MS")]
    oms_settlement_ms: Option<u64>,
}

impl OmsArgs {
    fn config(&self) -> Result<ponte_sim::vtex::oms::OmsConfig, Box<dyn std::error::Error>> {
        let mut config: ponte_sim::vtex::oms::OmsConfig = match &self.oms_config {
            None => ponte_sim::vtex::oms::OmsConfig::default(),
            Some(raw) => {
                let text = match raw.strip_prefix('@') {
                    Some(path) => std::fs::read_to_string(path)
                        .map_err(|e| format!("--oms-config {path}: {e}"))?,
                    None => raw.clone(),
                };
                serde_json::from_str(&text).map_err(|e| format!("--oms-config: {e}"))?
            }
        };
        if let Some(v) = self.oms_auto_step_ms {
            config.auto_step_ms = v;
        }
        if let Some(v) = self.oms_cancellation_window_seconds {
            config.cancellation_window_seconds = v;
        }
        if let Some(v) = self.oms_start_handling_confirm_ms {
            config.start_handling_confirm_ms = v;
        }
        if let Some(v) = self.oms_cancel_confirm_ms {
            config.cancel_confirm_ms = v;
        }
        if let Some(v) = self.oms_settlement_ms {
            config.settlement_ms = v;
        }
        config
            .check()
            .map_err(|e| format!("OMS configuration: {e}"))?;
        Ok(config)
    }
}

/// Feed v3 / Hook faults and delivery, and the VTEX IO router (`ponte_sim::vtex::broadcast`,
/// `ponte_sim::vtex::io`; `PUT /_sim/broadcast/{faults,settings}` and `PUT /_sim/io` at run time).
#[derive(Debug, clap::Args)]
struct BroadcastArgs {
    /// Probability (0 to 1) that a feed event is enqueued twice.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    feed_duplicate_rate: f64,
    /// Feed receives return items shuffled, and sometimes fewer than are visible.
    #[arg(long)]
    feed_reorder: bool,
    /// Probability (0 to 1) that a feed GET is answered 429 with Retry-After.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    feed_rate_429: f64,
    /// Probability (0 to 1) that a hook notification is lost.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    hook_drop_rate: f64,
    /// Seed of the feed/hook fault RNG.
    #[arg(long, value_name = "N", default_value_t = 42)]
    broadcast_seed: u64,
    /// A hook delivery succeeds only on 200 within this deadline.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    hook_deadline_ms: u64,
    /// First hook/event retry delay (doubling per attempt).
    #[arg(long, value_name = "MS", default_value_t = 500)]
    hook_retry_base_ms: u64,
    /// Feeds and hooks per app key instead of per account.
    #[arg(long)]
    feed_per_app_key: bool,
    /// A service replica behind the IO router (repeatable).
    #[arg(long = "io-replica", value_name = "URL")]
    io_replicas: Vec<String>,
    /// The service's service.json (routes, events).
    #[arg(long, value_name = "PATH")]
    io_service_json: Option<PathBuf>,
    /// The workspace the replicas serve.
    #[arg(long, value_name = "NAME", default_value = "master")]
    io_workspace: String,
    /// Period of the fixed orderFeedTick calls (0, the default: off; vtex.scheduler is the way).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    io_tick_interval_ms: u64,
    /// A header sent with every tick (repeatable), e.g. the hook secret.
    #[arg(long = "io-tick-header", value_name = "NAME:VALUE")]
    io_tick_headers: Vec<String>,
    /// Deliver every order change as an IO event too.
    #[arg(long)]
    io_events: bool,
    /// vtex.orders-broadcast's target workspace: events reach the replicas only when they
    /// serve it.
    #[arg(long, value_name = "NAME", default_value = "master")]
    io_broadcast_target_workspace: String,
}

impl BroadcastArgs {
    fn configs(
        self,
    ) -> Result<
        (
            ponte_sim::vtex::broadcast::BroadcastSettings,
            ponte_sim::vtex::broadcast::BroadcastFaults,
            ponte_sim::vtex::io::IoConfig,
        ),
        String,
    > {
        let settings = ponte_sim::vtex::broadcast::BroadcastSettings {
            hook_deadline_ms: self.hook_deadline_ms,
            hook_retry_base_ms: self.hook_retry_base_ms,
            feed_per_app_key: self.feed_per_app_key,
            ..Default::default()
        };
        let faults = ponte_sim::vtex::broadcast::BroadcastFaults {
            duplicate_rate: self.feed_duplicate_rate,
            reorder: self.feed_reorder,
            rate429: self.feed_rate_429,
            hook_drop_rate: self.hook_drop_rate,
            seed: self.broadcast_seed,
            ..Default::default()
        };
        let service_json = match &self.io_service_json {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("--io-service-json {}: {e}", path.display()))?;
                Some(
                    serde_json::from_str(&text)
                        .map_err(|e| format!("--io-service-json {}: {e}", path.display()))?,
                )
            }
        };
        let mut tick_headers = std::collections::BTreeMap::new();
        for h in &self.io_tick_headers {
            let (k, v) = h
                .split_once(':')
                .ok_or_else(|| format!("--io-tick-header {h:?}: expected NAME:VALUE"))?;
            tick_headers.insert(k.trim().to_owned(), v.trim().to_owned());
        }
        let io = ponte_sim::vtex::io::IoConfig {
            replicas: self.io_replicas,
            workspace: self.io_workspace,
            service_json,
            tick_interval_ms: self.io_tick_interval_ms,
            tick_headers,
            events: self.io_events,
            broadcast_target_workspace: self.io_broadcast_target_workspace,
            ..Default::default()
        };
        Ok((settings, faults, io))
    }
}

/// The ERP side of orders (`PUT /_sim/erp/orders/config` at run time).
#[derive(Debug, clap::Args)]
struct ErpArgs {
    /// The whole ERP configuration as JSON (or `@FILE`); the other `--erp-*` flags override it.
    #[arg(long, value_name = "JSON")]
    erp_config: Option<String>,
    /// Ponte's GraphQL URL the ERP calls (repeatable: one per replica, round-robin).
    #[arg(long = "erp-graphql-url", value_name = "URL")]
    erp_graphql_urls: Vec<String>,
    /// The ERP's app key and token for GraphQL calls.
    #[arg(long, value_name = "KEY")]
    erp_app_key: Option<String>,
    #[arg(long, value_name = "TOKEN")]
    erp_app_token: Option<String>,
    /// Bearer token the ERP requires on hand-offs.
    #[arg(long, value_name = "TOKEN")]
    erp_token: Option<String>,
    /// Seed of the ERP's choices.
    #[arg(long, value_name = "N")]
    erp_seed: Option<u64>,
    #[arg(long, value_name = "MS")]
    erp_start_handling_delay_ms: Option<u64>,
    #[arg(long, value_name = "MS")]
    erp_invoice_delay_ms: Option<u64>,
    #[arg(long, value_name = "MS")]
    erp_tracking_delay_ms: Option<u64>,
    /// Fractions (0 to 1) of orders invoiced in two parts / canceled / tracked / changed.
    #[arg(long, value_name = "P")]
    erp_partial_invoice_rate: Option<f64>,
    #[arg(long, value_name = "P")]
    erp_cancel_rate: Option<f64>,
    #[arg(long, value_name = "P")]
    erp_tracking_rate: Option<f64>,
    #[arg(long, value_name = "P")]
    erp_change_rate: Option<f64>,
    /// Orders the ERP works on at once.
    #[arg(long, value_name = "N")]
    erp_actor_concurrency: Option<usize>,
    /// Probability (0 to 1) that a hand-off is answered 503 (nothing recorded).
    #[arg(long, value_name = "P")]
    erp_fail_rate: Option<f64>,
    /// Latency added to every hand-off answer.
    #[arg(long, value_name = "MS")]
    erp_latency_ms: Option<u64>,
    /// Receive only: never act on orders.
    #[arg(long)]
    erp_disabled: bool,
}

impl ErpArgs {
    /// `None` when no `--erp-*` flag was given (the stored configuration stays).
    fn config(self) -> Result<Option<ponte_sim::erp::orders::ErpOrdersConfig>, String> {
        let mut patch = match &self.erp_config {
            None => serde_json::Map::new(),
            Some(text) => {
                let text = match text.strip_prefix('@') {
                    Some(path) => std::fs::read_to_string(path)
                        .map_err(|e| format!("--erp-config {path}: {e}"))?,
                    None => text.clone(),
                };
                match serde_json::from_str(&text) {
                    Ok(serde_json::Value::Object(map)) => map,
                    Ok(_) => return Err("--erp-config must be a JSON object".into()),
                    Err(e) => return Err(format!("--erp-config: {e}")),
                }
            }
        };
        let mut set = |k: &str, v: Option<serde_json::Value>| {
            if let Some(v) = v {
                patch.insert(k.to_owned(), v);
            }
        };
        set(
            "graphqlUrls",
            (!self.erp_graphql_urls.is_empty()).then(|| self.erp_graphql_urls.clone().into()),
        );
        set("appKey", self.erp_app_key.map(Into::into));
        set("appToken", self.erp_app_token.map(Into::into));
        set("token", self.erp_token.map(Into::into));
        set("seed", self.erp_seed.map(Into::into));
        set(
            "startHandlingDelayMs",
            self.erp_start_handling_delay_ms.map(Into::into),
        );
        set("invoiceDelayMs", self.erp_invoice_delay_ms.map(Into::into));
        set(
            "trackingDelayMs",
            self.erp_tracking_delay_ms.map(Into::into),
        );
        set(
            "partialInvoiceRate",
            self.erp_partial_invoice_rate.map(Into::into),
        );
        set("cancelRate", self.erp_cancel_rate.map(Into::into));
        set("trackingRate", self.erp_tracking_rate.map(Into::into));
        set("changeRate", self.erp_change_rate.map(Into::into));
        set(
            "actorConcurrency",
            self.erp_actor_concurrency.map(Into::into),
        );
        set("failRate", self.erp_fail_rate.map(Into::into));
        set("latencyMs", self.erp_latency_ms.map(Into::into));
        set("enabled", self.erp_disabled.then_some(false.into()));
        if patch.is_empty() {
            return Ok(None);
        }
        ponte_sim::erp::orders::ErpOrdersConfig::default()
            .patched(serde_json::Value::Object(patch))
            .map(Some)
            .map_err(|e| format!("--erp-*: {e}"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ponte-sim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ponte-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let erp_orders = cli.erp.config()?;
    let (broadcast, broadcast_faults, io) = cli.broadcast.configs()?;
    let oms = cli.oms.config()?;
    let app_manifest = match &cli.app_manifest {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--app-manifest {}: {e}", path.display()))?;
            Some(
                serde_json::from_str(&text)
                    .map_err(|e| format!("--app-manifest {}: {e}", path.display()))?,
            )
        }
    };
    let config = SimConfig {
        data_dir: cli.data_dir,
        listen: cli.listen,
        seed: cli.seed.map(|SeedArg::Demo| Seed::Demo),
        account: cli.account,
        app_keys: cli.app_keys,
        faults: ponte_sim::FaultConfig {
            rate429: cli.fault_rate_429,
            rate5xx: cli.fault_rate_5xx,
            retry_after_seconds: cli.fault_retry_after,
            latency_ms: cli.fault_latency_ms,
            seed: cli.fault_seed,
            vbase: cli.fault_vbase,
            oms: cli.fault_oms,
            ..ponte_sim::FaultConfig::default()
        },
        erp_orders,
        broadcast,
        broadcast_faults,
        io,
        oms,
        app_manifest,
        limits: ponte_sim::platform::http::Limits {
            max_body_bytes: cli.max_body_bytes,
            max_uri_bytes: cli.max_uri_bytes,
        },
        pricing: Default::default(),
        logistics: Default::default(),
        masterdata: Default::default(),
    };
    let sim = Sim::start(config).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "ponte-sim listening on {}", sim.url())?;
        stdout.flush()?;
    }
    wait_for_signal().await?;
    sim.shutdown().await?;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
