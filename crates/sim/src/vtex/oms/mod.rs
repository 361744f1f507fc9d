//! The simulated OMS (§A): orders of the complete flow (the account sells and
//! fulfils), their workflow with the platform's timers on the shared [`SimClock`], the ERP's
//! actions answered as VTEX answers them, a shopper-load generator, and records for tests.
//!
//! # Workflow
//!
//! `order-created → on-order-completed → payment-pending → approve-payment → payment-approved →
//! authorize-fulfillment → window-to-cancel` move on their own, one step every `autoStepMs`
//! (an order created with `gatewayPayment: true` waits in `payment-pending` until the simulated
//! Payment Gateway decides its transaction, [`Engine::payment_result`]: approved goes on,
//! denied cancels it, §G.1);
//! `window-to-cancel → ready-for-handling` after `cancellationWindowSeconds` (§A.5.1, 30 min).
//! `start-handling → handling` after `startHandlingConfirmMs`; `cancel → canceled` after
//! `cancelConfirmMs`; `invoice → invoiced` `settlementMs` after Σ Output invoices reaches the
//! order value; a `cancellation-requested` left without a decision becomes `cancel` after
//! `cancellationRequestTimeoutSeconds` (30 days, §A.5.4). Timers are stored with the order
//! (`atMs` in simulated time, and the status they were set from: a timer whose order has moved
//! on does nothing) and fire from a background task every `tickMs`, or at once on
//! `POST /_sim/clock/advance`. A step whose successor is also due runs in the same pass, so
//! advancing the clock fast-forwards whole chains; change dates are the timers' due times.
//!
//! Every status change is committed to redb ([`db`], `oms.redb`) and only then published as an
//! [`OrderChange`] (domain `Fulfillment`, the order as Get order answers it at that moment) to
//! the [`ChangeSink`] given at construction. Origin key: `vtexappkey-appvtex` for the
//! platform's moves, the caller's `X-VTEX-API-AppKey` (else `vtexappkey-{account}-PONTE`) for
//! API calls. A change's `currentChange` is strictly later than the order's previous one.
//!
//! # API (hosts `{account}.vtexcommercestable.com.br` and the simulator's own)
//!
//! | call | success | refusals |
//! |---|---|---|
//! | `GET /api/oms/pvt/orders` (List orders: `f_status`, `f_creationDate`, `orderBy`, `page`, `per_page`) | `200 {list, facets, paging, stats}` | `400 OMS002` beyond 100 per page or 30 pages: see [`list`] |
//! | `GET /api/oms/pvt/orders/{orderId}` | `200` Get order JSON | `404 OMS001` |
//! | `POST .../{orderId}/start-handling` | `204` | `409 OMS003` "Order status should be ready-for-handling to perform this action" (documented) |
//! | `POST .../{orderId}/cancel` `{reason?, requestedByUser?}` | `200 {date, orderId, receipt}` | `400 OMS005` when the order has an invoice (partial or invoiced, documented); `409 OMS004` canceled / incomplete / replaced |
//! | `POST .../{orderId}/invoice` | `200 {date, orderId, receipt}` | `400 OMS002` payload; `409 OMS004` wrong status ("Order status should be handling/invoiced ..."); `400 OMS008` above what is left to invoice/return; `409 OMS009` number of the other type / reuse forbidden |
//! | `PATCH .../{orderId}/invoice/{invoiceNumber}` | `200 {date, orderId, receipt}` | `400 OMS002` no `trackingNumber`; `404 OMS006` unknown invoice |
//! | `PUT .../{orderId}/invoice/{invoiceNumber}/tracking` | `200 {date, orderId, receipt}` | `400 OMS002` no `isDelivered`; `404 OMS006`; `400 OMS007` invoice without tracking number |
//! | `POST .../{orderId}/changes` (v1) | `200 {date, orderId, receipt}` (a repeated `requestId` answers the first receipt) | `409 OMS004` with v1's status message; `400 OMS011` with v1's request messages ("Field reason not set", "Invalid id for item", ...) |
//! | `POST /api/orders/pvt/document/{orderId}/deny-cancellation-request` `{cancellationRequestId, denyReason}` | `200`, no body | `400 OMS002` missing field; `400 OMS010` no pending request / unknown id / already canceled |
//! | `PATCH /api/order-system/orders/{changeOrderId}/changes` (v2) and the other order modifications paths | `202` ... | VTEX's v2 codes (`CHK0124`, `SalesOrderSystem014`, ...): see [`changes_v2`] |
//!
//! Unknown orders answer `404 OMS001` everywhere. Bodies are VTEX's OMS envelope
//! `{"error":{"code","message","exception":null}}`. The codes other than `OMS003` are this
//! simulator's **[emulator default]** (VTEX documents no body for them, §A.10, §H.1).
//!
//! Validity (§A.10), with the choices VTEX leaves open, all in [`OmsConfig`]:
//! - cancel before handling (up to `window-to-cancel`) → `cancel`; in `ready-for-handling`,
//!   `start-handling` and the handling statuses it is two-step (`twoStepCancel`, §H.2): the
//!   first cancel → `cancellation-requested` (a `cancellationRequests[]` entry), the second →
//!   `cancel`; an Output invoice instead continues the order; deny returns to the status the
//!   request came from (`handling` if it was the transient `start-handling`). Deny is allowed on
//!   the complete flow too (VTEX documents it between a VTEX marketplace and seller only).
//! - Output invoices in the handling statuses, `cancellation-requested` and `invoice`
//!   (`invoiceInReadyForHandling` adds `ready-for-handling`, §H.1); items must be order SKUs,
//!   quantities within what is left per line; the value within what is left to invoice
//!   (`refuseInvoiceOverValue`). The first Output invoice → `invoice`; when Σ Output reaches
//!   the value, `invoiced` after `settlementMs`.
//! - Return (Input) invoices on `invoice` and `invoiced` orders with an Output invoice
//!   (`returnRequiresInvoiced`), within what was invoiced and not returned; the number must
//!   differ from the sales invoices; recorded as a package with `restitutions.Refund`; the
//!   status does not change.
//! - Re-posting an invoice number (same type): `200` with a new receipt that replaces the
//!   package's, nothing else changes (`invoiceNumberReuse: newReceipt`, §H.4), or `409 OMS009`
//!   (`forbid`).
//! - Tracking on any invoice of the order; events need a tracking number
//!   (`trackingEventsRequireTrackingNumber`); `isDelivered` sets `courierStatus.finished`.
//! - Changes v1 in `handling`, `waiting-for-fulfillment`, `ready-for-invoicing`, and `invoice`
//!   while the value is not reached (`changeAfterPartialInvoice`); at most `maxChanges`; not
//!   on an order with a change v2 (only one change version per order, §A.9).
//! - Changes v2 ([`changes_v2`]): the same statuses, processed at once or after
//!   `changeProcessingMs` on the clock. Neither version moves the status or publishes an
//!   event; v2 moves `lastChange`.
//!
//! # Simulator endpoints (simulator host only, never faulted)
//!
//! - `POST /_sim/clock/advance {"ms": N}` → `{"offsetMs", "nowMs"}`: moves [`SimClock`]
//!   forward (persisted, so a restart keeps simulated time) and fires the timers now due
//!   before answering.
//! - `GET|PUT /_sim/oms/config`: [`OmsConfig`] (a `PUT` changes the properties it names).
//! - `GET /_sim/oms/stats?account=` → `{account, orders, byStatus, calls: {"POST
//!   /api/oms/pvt/orders/{orderId}/invoice": {accepted, refused: {code: n}}}, accepted,
//!   refused, invoices: {output, input, repeats, outputValue}, statusChanges,
//!   customerCancellations, ordersCreated, changesV2: {requested, applied, refused, failed,
//!   canceled, retried}}`; `DELETE /_sim/oms/stats` resets the counters (orders stay).
//! - `GET /_sim/oms/orders?account=&status=` → `{"orderIds": [...]}` in sequence order.
//! - `POST /_sim/oms/orders {"account"?, "items": [{"id", "quantity", "price", "listPrice"?,
//!   "name"?}], "shippingValue"?, "incomplete"?, "customerCancelAfterPermille"?,
//!   "gatewayPayment"?}` → `201` Get order JSON: one order, created synchronously (status
//!   `order-created`, or `null` when `incomplete`).
//! - `POST /_sim/oms/shoppers {"account", "orders", "perSecond", "seed", "customerCancelRate",
//!   "itemsMax"}` → `202 {"runId"}`; `GET /_sim/oms/shoppers/{runId}` → the run's progress and
//!   its orders by status ([`shoppers`]).
//!
//! Faults: with `oms: true` in the fault configuration ([`crate::platform::faults`]), every OMS API
//! request draws a fault (429 with `Retry-After`, 503, latency) before its handler runs, so a
//! faulted call changes nothing and is not counted in the OMS stats.

pub mod actions;
pub mod changes_v2;
pub mod config;
pub mod db;
pub mod engine;
pub mod error;
pub mod list;
pub mod model;
pub mod routes;
pub mod shoppers;
pub mod stats;

pub use config::{InvoiceReuse, OmsConfig};
pub use engine::{Engine, NewItem, NewOrder};
pub use error::OmsError;

use crate::platform::bus::{ChangeSink, OrderChange};
use crate::platform::clock::SimClock;
use crate::platform::error::SimError;
use crate::platform::faults::Faults;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The running OMS: the engine, its timer task and shopper runs.
#[derive(Debug)]
pub struct Oms {
    pub engine: Arc<Engine>,
    pub(crate) faults: Arc<Faults>,
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Oms {
    /// Opens `dir/oms.redb`, restores the clock's offset, starts the timer task and resumes
    /// unfinished shopper runs. Call inside a Tokio runtime.
    pub async fn start(
        dir: &Path,
        config: OmsConfig,
        clock: Arc<SimClock>,
        sink: Arc<dyn ChangeSink>,
        faults: Arc<Faults>,
    ) -> Result<Arc<Oms>, SimError> {
        config.check().map_err(SimError::Config)?;
        let dir = dir.to_owned();
        let engine =
            tokio::task::spawn_blocking(move || Engine::open(&dir, config, clock, sink)).await??;
        let engine = Arc::new(engine);
        let (stop, _) = watch::channel(false);
        let oms = Arc::new(Oms {
            engine: engine.clone(),
            faults,
            stop,
            tasks: Mutex::new(Vec::new()),
        });
        let ticker = tokio::spawn(tick(engine.clone(), oms.stop.subscribe()));
        oms.track(ticker);
        let unfinished: Vec<String> = engine.with(|i| {
            i.runs
                .values()
                .filter(|r| !r.finished)
                .map(|r| r.run_id.clone())
                .collect()
        });
        for run_id in unfinished {
            oms.spawn_run(run_id);
        }
        Ok(oms)
    }

    fn track(&self, handle: JoinHandle<()>) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(handle);
    }

    pub(crate) fn spawn_run(&self, run_id: String) {
        let handle = tokio::spawn(shoppers::drive(
            self.engine.clone(),
            run_id,
            self.stop.subscribe(),
        ));
        self.track(handle);
    }

    /// Stops the timer task and the shopper runs and waits for them (their store writes
    /// included), so the store can be closed and reopened.
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        let tasks: Vec<JoinHandle<()>> = {
            let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
            tasks.drain(..).collect()
        };
        for t in tasks {
            let _ = t.await;
        }
    }
}

/// The timer task: every `tickMs`, fires the timers due (off the async threads).
async fn tick(engine: Arc<Engine>, mut stop: watch::Receiver<bool>) {
    loop {
        let ms = engine.config().tick_ms.max(1);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
            _ = stop.changed() => return,
        }
        let now = engine.clock.now_ms();
        let due = engine.with(|i| i.due.first().is_some_and(|(at, _, _)| *at <= now));
        if !due {
            continue;
        }
        let e = engine.clone();
        match tokio::task::spawn_blocking(move || e.run_due()).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => eprintln!("ponte-sim oms: timers: {err}"),
            Err(err) => eprintln!("ponte-sim oms: timer task: {err}"),
        }
    }
}

/// A [`ChangeSink`] that keeps every change (tests).
#[derive(Debug, Default)]
pub struct RecordingSink {
    changes: Mutex<Vec<OrderChange>>,
}

impl RecordingSink {
    pub fn changes(&self) -> Vec<OrderChange> {
        self.changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl ChangeSink for RecordingSink {
    fn publish(&self, change: OrderChange) {
        self.changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(change);
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_v2;
