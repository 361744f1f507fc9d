//! ponte-sim: a local VTEX platform that the unmodified Ponte service talks to.
//!
//! It plays VTEX accounts over HTTP, one folder per VTEX API under [`vtex`] (the Catalog's
//! categories, specifications, brands, products and SKUs, see [`vtex::catalog`]; VTEX ID
//! tokens, validation, logout and an OAuth test identity provider, see [`vtex::vtexid`]; VTEX
//! IO app settings, see [`vtex::apps`]; VBase, see [`vtex::vbase`]; the OMS's orders, workflow
//! and timers, see [`vtex::oms`]; Pricing v2, see [`vtex::pricing`]; Logistics' warehouses,
//! docks and inventory, see [`vtex::logistics`]; Master Data v1 (CL, AD, any acronym), see
//! [`vtex::masterdata`]; Feed v3, Hook and IO events, see [`vtex::broadcast`]; the
//! VTEX IO router and the rules the app's manifest.json and service.json impose on it, see
//! [`vtex::io`] and [`vtex::io::policies`]), and
//! the ERP that Ponte hands orders to, which then acts through Ponte's GraphQL ([`erp`]). It is
//! the service's HTTP proxy: requests for real VTEX host names arrive in absolute-form and are
//! routed by host and path ([`platform::http`]). State lives in an embedded redb store in a
//! data directory ([`platform::store`]); every accepted write is committed before it is
//! answered, so a restart on the same directory loses nothing.
//!
//! The rooms: [`platform`] (knows no API), [`vtex`] (stands on the platform), [`erp`] (stands
//! on the platform), [`simext`] (the simulator's own `/_sim/*` extras) and this file, which
//! wires them into one server.
//!
//! ```no_run
//! # async fn run() -> Result<(), ponte_sim::SimError> {
//! let sim = ponte_sim::Sim::start(ponte_sim::SimConfig::new("/tmp/sim-data")).await?;
//! println!("listening on {}", sim.url());
//! sim.shutdown().await?;
//! # Ok(()) }
//! ```

pub mod erp;
pub mod platform;
pub mod simext;
pub mod vtex;

pub use platform::error::{ApiError, SimError, StoreError};
pub use platform::faults::FaultConfig;
pub use vtex::catalog::seed::Seed;
pub use vtex::vtexid::AppKey;

use axum::Router;
use erp::orders as erp_orders;
use platform::clock::SimClock;
use platform::{faults, http, store};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use vtex::catalog::{self, CatalogService, seed};
use vtex::{
    apps, broadcast, gateway, io, licensemanager, logistics, masterdata, oms, pricing, scheduler,
    vbase, vtexid,
};
use vtexid::VtexId;

/// How to run a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where `sim.redb` lives (created if missing).
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (see [`Sim::addr`]).
    pub listen: SocketAddr,
    /// Seed to apply to [`SimConfig::account`] if it is empty.
    pub seed: Option<Seed>,
    /// The account seeded, and the one that requests straight to the simulator act on when
    /// they name none.
    pub account: String,
    /// App keys known on every account, besides each account's built-in
    /// `vtexappkey-{account}-PONTE` / `ponte-sim-apptoken` (see [`vtexid`]).
    pub app_keys: Vec<AppKey>,
    /// Faults injected into Catalog API requests from the start ([`faults`]; off by default,
    /// switchable at run time with `PUT /_sim/faults`).
    pub faults: FaultConfig,
    /// Feed v3 / Hook delivery settings ([`broadcast`]; `PUT /_sim/broadcast/settings`).
    pub broadcast: broadcast::BroadcastSettings,
    /// Feed v3 / Hook faults from the start (`PUT /_sim/broadcast/faults`).
    pub broadcast_faults: broadcast::BroadcastFaults,
    /// The VTEX IO router in front of the service replicas ([`io`]; `PUT /_sim/io`).
    pub io: io::IoConfig,
    /// The ERP side of orders ([`erp::orders`]): `Some` replaces the configuration stored in
    /// the data directory; `None` keeps it (defaults when there is none).
    pub erp_orders: Option<erp_orders::ErpOrdersConfig>,
    /// The simulated OMS's delays and undocumented behaviours ([`oms`]; `PUT /_sim/oms/config`).
    pub oms: oms::OmsConfig,
    /// The app's `manifest.json`: its policies decide what the app's own calls may reach
    /// ([`io::policies`]; `PUT /_sim/io/manifest`). `None`: nothing is checked.
    pub app_manifest: Option<serde_json::Value>,
    /// Request size limits (VTEX documents none; see [`http::Limits`]).
    pub limits: http::Limits,
    /// Pricing's rate limits and undocumented choices ([`vtex::pricing`]; `PUT /_sim/pricing/settings`).
    pub pricing: pricing::PricingSettings,
    /// Logistics' undocumented choices ([`vtex::logistics`]; `PUT /_sim/logistics/settings`).
    pub logistics: logistics::LogisticsSettings,
    /// Master Data's undocumented choices ([`vtex::masterdata`]; `PUT /_sim/masterdata/settings`).
    pub masterdata: masterdata::MasterDataSettings,
}

impl SimConfig {
    /// Defaults: `127.0.0.1:0`, no seed, account `ponte`, no extra app keys.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        SimConfig {
            data_dir: data_dir.into(),
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            seed: None,
            account: "ponte".to_owned(),
            app_keys: Vec::new(),
            faults: FaultConfig::default(),
            broadcast: broadcast::BroadcastSettings::default(),
            broadcast_faults: broadcast::BroadcastFaults::default(),
            io: io::IoConfig::default(),
            erp_orders: None,
            oms: oms::OmsConfig::default(),
            app_manifest: None,
            limits: http::Limits::default(),
            pricing: pricing::PricingSettings::default(),
            logistics: logistics::LogisticsSettings::default(),
            masterdata: masterdata::MasterDataSettings::default(),
        }
    }
}

/// A running simulator. Stop it with [`Sim::shutdown`], which waits until the store is closed;
/// dropping the handle also starts a graceful shutdown, without waiting for it.
#[derive(Debug)]
pub struct Sim {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), SimError>>,
    clock: Arc<SimClock>,
    broadcaster: broadcast::Broadcaster,
}

/// Starts a simulator (same as [`Sim::start`]).
pub async fn serve(config: SimConfig) -> Result<Sim, SimError> {
    Sim::start(config).await
}

impl Sim {
    /// Opens the store (seeding it if asked), binds, and serves in the background.
    pub async fn start(config: SimConfig) -> Result<Sim, SimError> {
        let account = config.account.to_ascii_lowercase();
        let faults = Arc::new(faults::Faults::new(config.faults).map_err(SimError::Config)?);
        if !http::valid_account(&account) {
            return Err(SimError::InvalidAccount(config.account));
        }
        let data_dir = config.data_dir.clone();
        let seed = config.seed;
        let seed_account = account.clone();
        let app_keys = config.app_keys.clone();
        let erp_dir = config.data_dir.clone();
        let erp_config = config.erp_orders.clone();
        let erp_orders =
            tokio::task::spawn_blocking(move || erp_orders::ErpOrders::open(&erp_dir, erp_config))
                .await??;
        let erp_cards = erp::providers::ErpCards::new();
        let erp_customers = Arc::new(erp::customers::ErpCustomerInbox::default());
        let credit_dir = config.data_dir.clone();
        let erp_credit =
            tokio::task::spawn_blocking(move || erp::credit::ErpCredit::open(&credit_dir))
                .await??;
        let (service, vtexid, store) = tokio::task::spawn_blocking(
            move || -> Result<(CatalogService, VtexId, store::Store), SimError> {
                let store = store::Store::open(&data_dir)?;
                apps::create_tables(&store)?;
                vbase::files::create(&store)?;
                let service = CatalogService::load(store.clone())?;
                if let Some(seed) = seed {
                    seed::seed(&service, &seed_account, seed).map_err(|e| SimError::Seed {
                        account: seed_account.clone(),
                        source: Box::new(e),
                    })?;
                }
                let vtexid = VtexId::load(store.clone(), app_keys)?;
                Ok((service, vtexid, store))
            },
        )
        .await??;
        let service = Arc::new(service);
        let vtexid = Arc::new(vtexid);
        let license_manager: licensemanager::SharedLm = Arc::default();
        let clock = SimClock::new();
        // Pricing v2 and Logistics, on the shared store and the one simulated clock.
        let (pricing_store, pricing_clock, pricing_settings) =
            (store.clone(), clock.clone(), config.pricing);
        let (logistics_store, logistics_clock, logistics_settings) =
            (store.clone(), clock.clone(), config.logistics);
        let (pricing, logistics) = tokio::task::spawn_blocking(move || {
            Ok::<_, SimError>((
                pricing::Pricing::load(pricing_store, pricing_clock, pricing_settings)?,
                logistics::Logistics::load(logistics_store, logistics_clock, logistics_settings)?,
            ))
        })
        .await??;
        let (pricing, logistics) = (Arc::new(pricing), Arc::new(logistics));
        // Master Data v1 (CL, AD and any acronym), on the shared store and clock.
        let (md_store, md_clock, md_settings) = (store.clone(), clock.clone(), config.masterdata);
        let masterdata = Arc::new(
            tokio::task::spawn_blocking(move || {
                masterdata::MasterData::load(md_store, md_clock, md_settings)
            })
            .await??,
        );

        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;

        // Feed v3, Hook and IO events ([`broadcast`]) through the IO router in front of the
        // service replicas ([`io`]), on the one simulated clock every deadline uses.
        let io_router =
            io::IoRouter::new(account.clone(), config.io.clone()).map_err(SimError::Config)?;
        io_router
            .set_manifest(config.app_manifest.as_ref())
            .map_err(SimError::Config)?;
        let broadcaster = broadcast::Broadcaster::start(
            &config.data_dir,
            clock.clone(),
            io_router.clone(),
            config.broadcast.clone(),
            config.broadcast_faults,
        )
        .await?;
        io_router.start();
        // Master Data triggers send their requests through the IO router (or plain HTTP).
        masterdata.set_outbound(masterdata::triggers::Outbound {
            http: reqwest::Client::new(),
            io: io_router.clone(),
        });
        // The anti-fraud gateway (§G.3): sends transactions and reads them on the simulated clock.
        let antifraud_gateway =
            vtex::antifraud::gateway::Gateway::new(io_router.clone(), clock.clone());
        antifraud_gateway.start();
        // VTEX's Gift Card Hub and checkout (§G.2).
        let giftcard_hub = vtex::giftcardhub::Hub::new(io_router.clone());
        let antifraud_hooks: vtex::antifraud::SharedHooks = Arc::new(vtex::antifraud::Antifraud {
            hooks: std::sync::Mutex::default(),
            gateway: antifraud_gateway,
        });
        // vtex.scheduler: the requests an app schedules, sent through the IO router.
        let scheduler = scheduler::Scheduler::start(io_router.clone(), clock.clone());
        let (gw_dir, gw_io, gw_clock, gw_account) = (
            config.data_dir.clone(),
            io_router.clone(),
            clock.clone(),
            account.clone(),
        );
        let payment_gateway = tokio::task::spawn_blocking(move || {
            gateway::Gateway::open(&gw_dir, gw_io, gw_clock, gw_account)
        })
        .await??;
        payment_gateway.start();
        // The OMS ([`oms`]) publishes every status change to the broadcaster; it also restores
        // the simulated clock's persisted offset.
        let oms = oms::Oms::start(
            &config.data_dir,
            config.oms.clone(),
            clock.clone(),
            Arc::new(gateway::Fanout(vec![
                Arc::new(broadcaster.clone()),
                payment_gateway.clone(),
            ])),
            faults.clone(),
        )
        .await?;
        // The gateway tells the OMS each payment's result (orders paid on account).
        payment_gateway.attach_oms(&oms.engine);

        let vtex = Router::new()
            .merge(catalog::routes().with_state(service.clone()))
            .merge(vtexid::routes().with_state(vtexid.clone()))
            .merge(licensemanager::routes().with_state(license_manager.clone()))
            .merge(vtex::antifraud::routes().with_state(antifraud_hooks.clone()))
            .merge(pricing::routes().with_state(pricing.clone()))
            .merge(logistics::routes().with_state(logistics.clone()))
            .merge(masterdata::routes(&masterdata).with_state(masterdata.clone()))
            .merge(scheduler::routes().with_state(scheduler.clone()))
            .merge(broadcast::routes().with_state(broadcaster.clone()))
            .merge(oms::routes::api(oms.clone()))
            .merge(gateway::api_routes().with_state(payment_gateway.clone()))
            .fallback(http::no_route);
        let stock_counts = erp::stock_counts::CountRequests::default();
        let sim = Router::new()
            .merge(catalog::routes().with_state(service.clone()))
            .merge(vtexid::routes().with_state(vtexid.clone()))
            .merge(vtexid::oauth::routes().with_state(vtexid.clone()))
            .merge(licensemanager::sim_routes().with_state(license_manager.clone()))
            .merge(vtex::antifraud::sim_routes().with_state(antifraud_hooks.clone()))
            .merge(vtex::giftcardhub::sim_routes().with_state(giftcard_hub.clone()))
            .merge(pricing::routes().with_state(pricing.clone()))
            .merge(pricing::sim_routes().with_state(pricing.clone()))
            .merge(logistics::routes().with_state(logistics.clone()))
            .merge(logistics::sim_routes().with_state(logistics.clone()))
            .merge(masterdata::routes(&masterdata).with_state(masterdata.clone()))
            .merge(masterdata::sim_routes().with_state(masterdata.clone()))
            .merge(scheduler::routes().with_state(scheduler.clone()))
            .merge(scheduler::sim_routes().with_state(scheduler.clone()))
            .merge(simext::routes().with_state(simext::SimExt {
                faults: faults.clone(),
                catalog: service.clone(),
            }))
            .merge(erp_orders::routes().with_state(erp_orders.clone()))
            .merge(erp::credit::sim_routes().with_state(erp_credit.clone()))
            .merge(erp::providers::sim_routes().with_state(erp_cards.clone()))
            .merge(gateway::sim_routes().with_state(payment_gateway.clone()))
            .merge(erp::customers::routes())
            .merge(erp::stock_counts::sim_routes(stock_counts.clone()))
            .merge(erp::customers::inbox_routes().with_state(erp_customers.clone()))
            .merge(broadcast::routes().with_state(broadcaster.clone()))
            .merge(broadcast::sim_routes().with_state(broadcaster.clone()))
            .merge(io::routes().with_state(io_router.clone()))
            .merge(oms::routes::api(oms.clone()))
            .merge(oms::routes::sim(oms.clone()))
            .route("/_sim/health", axum::routing::get(http::health))
            .fallback(http::no_route);
        let infra = apps::routes()
            .with_state(store.clone())
            .merge(vbase::routes().with_state(store.clone()))
            .fallback(http::no_route);
        let app = http::app(http::Dispatcher {
            vtex,
            sim,
            infra,
            erp: erp_orders::receiver_routes()
                .with_state(erp_orders.clone())
                .merge(erp::credit::receiver_routes().with_state(erp_credit.clone()))
                .merge(erp::providers::receiver_routes().with_state(erp_cards.clone()))
                .merge(erp::stock_counts::receiver_routes(stock_counts.clone()))
                .merge(erp::customers::receiver_routes().with_state(erp_customers.clone()))
                .fallback(http::no_route),
            default_account: account,
            bound_ip: addr.ip(),
            faults,
            gate: Some(io_router.clone()),
            limits: config.limits,
        });

        // Orders handed off but not finished before a restart.
        erp_orders.resume();
        let (tx, rx) = oneshot::channel::<()>();
        let server_broadcaster = broadcaster.clone();
        let task = tokio::spawn(async move {
            let result = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    // A dropped sender also stops the server.
                    let _ = rx.await;
                })
                .await
                .map_err(SimError::Serve);
            // Every connection is closed by now; the store is released when the last handle goes.
            oms.stop().await;
            drop(oms);
            erp_orders.close().await;
            drop(erp_orders);
            server_broadcaster.shutdown().await;
            drop((service, vtexid, store, pricing, logistics, masterdata));
            result
        });
        Ok(Sim {
            addr,
            shutdown: Some(tx),
            task,
            clock,
            broadcaster,
        })
    }

    /// The bound address (with the real port when configured with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The simulated clock (tests fast-forward it).
    pub fn clock(&self) -> &Arc<SimClock> {
        &self.clock
    }

    /// The Feed v3 / Hook / IO events broadcaster (also the OMS's [`platform::bus::ChangeSink`]).
    pub fn broadcaster(&self) -> &broadcast::Broadcaster {
        &self.broadcaster
    }

    /// Stops accepting connections, lets in-flight requests finish (their store commits
    /// included), and closes the store.
    pub async fn shutdown(mut self) -> Result<(), SimError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await?
    }
}
