//! The OMS engine: orders in memory, written through to [`super::db`], the platform's timers
//! on [`SimClock`], and the publication of every status change after its commit.

use super::changes_v2::{self, ChangeSettings, RequestStatus};
use super::config::OmsConfig;
use super::db::{Batch, Db};
use super::error::OmsError;
use super::model::{
    CancellationData, GatewayPayment, Item, SimOrder, TICKS_PER_MS, Timer, TimerKind, Transition,
    hex_id, iso,
};
use super::shoppers::RunRecord;
use super::stats::{ChangeV2Stats, InvoiceStats, Stats};
use crate::platform::bus::{ChangeSink, OrderChange};
use crate::platform::clock::SimClock;
use crate::platform::error::StoreError;
use ponte_core::orders::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// `oms_meta` key prefix of an account's order modifications settings (JSON).
const CHANGE_SETTINGS_PREFIX: &str = "changeSettings/";

/// The origin key of the platform's own moves.
pub const PLATFORM_KEY: &str = "vtexappkey-appvtex";

type Key = (String, String);

/// Mutable state, under one lock.
#[derive(Debug, Default)]
pub struct Inner {
    pub config: OmsConfig,
    pub orders: BTreeMap<Key, SimOrder>,
    /// `(atMs, account, orderId)` for every pending timer.
    pub due: BTreeSet<(i64, String, String)>,
    /// Last order sequence per account.
    pub sequences: BTreeMap<String, u64>,
    pub runs: BTreeMap<String, RunRecord>,
    pub run_counter: u64,
    pub stats: Stats,
    /// Order modifications settings per account (absent: the defaults).
    pub change_settings: BTreeMap<String, ChangeSettings>,
}

/// The simulated OMS of every account.
#[derive(Debug)]
pub struct Engine {
    db: Db,
    pub(crate) clock: Arc<SimClock>,
    sink: Arc<dyn ChangeSink>,
    inner: Mutex<Inner>,
}

/// What an action sees and records.
#[derive(Debug)]
pub struct ActCtx {
    pub now_ms: i64,
    /// `now_ms` in ticks.
    pub now: i64,
    pub config: OmsConfig,
    /// The app key the change is attributed to.
    pub origin_key: String,
    pub changes: Vec<OrderChange>,
    pub invoices: InvoiceStats,
    pub changes_v2: ChangeV2Stats,
}

impl ActCtx {
    pub fn set_status(&mut self, order: &mut SimOrder, to: Status) {
        set_status(order, to, self.now, &self.origin_key, &mut self.changes);
    }

    pub fn timer(&self, order: &mut SimOrder, delay_ms: i64, kind: TimerKind) {
        if let Some(from) = order.status {
            order.timers.push(Timer {
                at_ms: self.now_ms.saturating_add(delay_ms),
                from,
                kind,
            });
        }
    }
}

/// Moves `order` to `to` at `ticks` (at least one tick after its last change), drops timers
/// set from another status, and records the change with the order as it is now. Callers make
/// the status the last thing they change, so the published order is complete.
pub fn set_status(
    order: &mut SimOrder,
    to: Status,
    ticks: i64,
    origin_key: &str,
    out: &mut Vec<OrderChange>,
) {
    let ticks = if order.status.is_none() {
        ticks.max(order.last_change)
    } else {
        ticks.max(order.last_change.saturating_add(1))
    };
    let last_state = order.status.map_or("", Status::as_str).to_owned();
    // A change v2 moves `lastChange` without a status change: the event still names the
    // previous status change.
    let last_change = iso(order.last_status_change.take().unwrap_or(order.last_change));
    order.status = Some(to);
    order.last_change = ticks;
    order.timers.retain(|t| t.from == to);
    order.transitions.push(Transition {
        status: to,
        at: iso(ticks),
    });
    out.push(OrderChange {
        account: order.account.clone(),
        order_id: order.order_id.clone(),
        domain: "Fulfillment".to_owned(),
        state: to.as_str().to_owned(),
        last_state,
        last_change,
        current_change: iso(ticks),
        origin_account: order.account.clone(),
        origin_key: origin_key.to_owned(),
        order: order.to_json(),
    });
}

/// A line of a new order.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub id: String,
    pub quantity: u32,
    pub price: i64,
    pub list_price: Option<i64>,
    pub name: Option<String>,
    /// The SKU's reference code (`refId`); `SKU-{id}` when not given.
    pub ref_id: Option<String>,
}

/// An order to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    pub items: Vec<NewItem>,
    pub shipping: i64,
    pub shopper: u64,
    /// An incomplete order: status `null`, no workflow.
    pub incomplete: bool,
    pub customer_cancel_permille: Option<u32>,
    pub run_id: Option<String>,
    /// Paid through the simulated Payment Gateway: waits in `payment-pending` for its result.
    pub gateway_payment: bool,
}

impl NewOrder {
    /// Checks the lines: 1 to 100, SKU ids of 1 to 50 printable characters, quantities 1 to
    /// 10 000, prices and freight 0 to 10^10 cents.
    pub fn check(&self) -> Result<(), String> {
        if self.items.is_empty() || self.items.len() > 100 {
            return Err("an order has 1 to 100 items".into());
        }
        for item in &self.items {
            if item.id.is_empty()
                || item.id.len() > 50
                || item.id.chars().any(|c| c.is_control() || c == '/')
            {
                return Err(format!("item id {:?} is not a valid SKU id", item.id));
            }
            if item.quantity == 0 || item.quantity > 10_000 {
                return Err(format!("item {}: quantity must be 1 to 10000", item.id));
            }
            if !(0..=10_000_000_000).contains(&item.price)
                || item
                    .list_price
                    .is_some_and(|p| !(0..=10_000_000_000).contains(&p))
            {
                return Err(format!("item {}: price must be 0 to 10^10 cents", item.id));
            }
        }
        if !(0..=10_000_000_000).contains(&self.shipping) {
            return Err("shippingValue must be 0 to 10^10 cents".into());
        }
        Ok(())
    }
}

/// When the order's timers and its change v2 requests in progress are due.
fn due_times(order: &SimOrder) -> impl Iterator<Item = i64> + '_ {
    order.timers.iter().map(|t| t.at_ms).chain(
        order
            .change_requests
            .iter()
            .filter(|r| r.status == RequestStatus::InProgress)
            .filter_map(|r| r.due_ms),
    )
}

fn reindex(due: &mut BTreeSet<(i64, String, String)>, old: Option<&SimOrder>, new: &SimOrder) {
    if let Some(old) = old {
        for at in due_times(old) {
            due.remove(&(at, old.account.clone(), old.order_id.clone()));
        }
    }
    for at in due_times(new) {
        due.insert((at, new.account.clone(), new.order_id.clone()));
    }
}

impl Engine {
    /// Opens `oms.redb` in `dir`, loads every order and restores the clock's offset (so
    /// timers set in simulated time survive a restart).
    pub fn open(
        dir: &std::path::Path,
        config: OmsConfig,
        clock: Arc<SimClock>,
        sink: Arc<dyn ChangeSink>,
    ) -> Result<Engine, StoreError> {
        let db = Db::open(dir)?;
        let loaded = db.load()?;
        let mut inner = Inner {
            config,
            ..Inner::default()
        };
        if let Some(offset) = loaded
            .meta
            .get("clockOffsetMs")
            .and_then(|v| v.parse::<i64>().ok())
        {
            let missing = offset - clock.offset_ms();
            clock.advance(missing);
        }
        for (k, v) in &loaded.meta {
            if let Some(account) = k.strip_prefix("seq/")
                && let Ok(n) = v.parse::<u64>()
            {
                inner.sequences.insert(account.to_owned(), n);
            }
            if let Some(account) = k.strip_prefix(CHANGE_SETTINGS_PREFIX) {
                let settings: ChangeSettings =
                    serde_json::from_str(v).map_err(|source| StoreError::Decode {
                        entity: "order modifications settings",
                        key: k.clone(),
                        source,
                    })?;
                inner.change_settings.insert(account.to_owned(), settings);
            }
        }
        inner.run_counter = loaded
            .meta
            .get("runs")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        for order in loaded.orders {
            reindex(&mut inner.due, None, &order);
            inner
                .orders
                .insert((order.account.clone(), order.order_id.clone()), order);
        }
        for run in loaded.runs {
            inner.runs.insert(run.run_id.clone(), run);
        }
        Ok(Engine {
            db,
            clock,
            sink,
            inner: Mutex::new(inner),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn config(&self) -> OmsConfig {
        self.lock().config.clone()
    }

    pub fn set_config(&self, config: OmsConfig) {
        self.lock().config = config;
    }

    fn now(&self) -> (i64, i64) {
        let ms = self.clock.now_ms();
        (ms, ms.saturating_mul(TICKS_PER_MS))
    }

    /// An account's order modifications settings (the defaults until first `PUT`).
    pub fn change_settings(&self, account: &str) -> ChangeSettings {
        self.lock()
            .change_settings
            .get(account)
            .cloned()
            .unwrap_or_default()
    }

    /// `PUT /api/order-system/orders/changes/settings`: merges `patch` over the account's
    /// settings (no longer the default behaviour), stores and returns them.
    pub fn put_change_settings(
        &self,
        account: &str,
        patch: &serde_json::Value,
    ) -> Result<ChangeSettings, OmsError> {
        let mut inner = self.lock();
        let current = inner
            .change_settings
            .get(account)
            .cloned()
            .unwrap_or_default();
        let mut settings = current.merged(patch)?;
        settings.rollout_configuration.using_default_behavior = false;
        let encoded = serde_json::to_string(&settings).map_err(|source| {
            OmsError::from(StoreError::Encode {
                entity: "order modifications settings",
                source,
            })
        })?;
        self.db.commit(&Batch {
            meta: vec![(format!("{CHANGE_SETTINGS_PREFIX}{account}"), encoded)],
            ..Batch::default()
        })?;
        inner
            .change_settings
            .insert(account.to_owned(), settings.clone());
        Ok(settings)
    }

    /// Moves the clock forward and persists the offset.
    pub fn advance_clock(&self, ms: i64) -> Result<i64, StoreError> {
        let _guard = self.lock();
        self.clock.advance(ms);
        let offset = self.clock.offset_ms();
        self.db.commit(&Batch {
            meta: vec![("clockOffsetMs".to_owned(), offset.to_string())],
            ..Batch::default()
        })?;
        Ok(offset)
    }

    /// Writes the orders and extras in one transaction, then updates memory and publishes.
    fn commit(
        &self,
        inner: &mut Inner,
        orders: Vec<SimOrder>,
        changes: Vec<OrderChange>,
        runs: Vec<RunRecord>,
        meta: Vec<(String, String)>,
    ) -> Result<(), StoreError> {
        self.db.commit(&Batch {
            orders: orders.iter().collect(),
            runs: runs.iter().collect(),
            meta,
        })?;
        for order in orders {
            let key = (order.account.clone(), order.order_id.clone());
            let old = inner.orders.remove(&key);
            reindex(&mut inner.due, old.as_ref(), &order);
            inner.orders.insert(key, order);
        }
        for run in runs {
            inner.runs.insert(run.run_id.clone(), run);
        }
        for change in changes {
            inner.stats.account(&change.account).status_changes += 1;
            self.sink.publish(change);
        }
        Ok(())
    }

    /// Creates orders (one transaction), each starting its workflow at `order-created` (or
    /// incomplete, status `null`). `run` is the shopper run to save with them.
    pub fn create(
        &self,
        account: &str,
        new_orders: Vec<NewOrder>,
        run: Option<RunRecord>,
    ) -> Result<Vec<SimOrder>, StoreError> {
        let mut inner = self.lock();
        let (now_ms, now) = self.now();
        let auto = OmsConfig::ms(inner.config.auto_step_ms);
        let mut seq = inner.sequences.get(account).copied().unwrap_or(1_000_000);
        let mut orders = Vec::with_capacity(new_orders.len());
        let mut changes = Vec::new();
        for new in new_orders {
            seq += 1;
            let order_id = format!("v{seq}pnt-01");
            let items = new
                .items
                .iter()
                .enumerate()
                .map(|(index, i)| {
                    let product = i.id.parse::<u64>().map_or_else(
                        |_| i.id.clone(),
                        |n| (n.saturating_sub(1) / 3 + 1).to_string(),
                    );
                    Item {
                        unique_id: hex_id(&[account, &order_id, &index.to_string()]).to_uppercase(),
                        id: i.id.clone(),
                        product_id: product.clone(),
                        name: i
                            .name
                            .clone()
                            .unwrap_or_else(|| format!("Product {product} SKU {}", i.id)),
                        ref_id: i.ref_id.clone().unwrap_or_else(|| format!("SKU-{}", i.id)),
                        quantity: i.quantity,
                        price: i.price,
                        list_price: i.list_price.unwrap_or(i.price),
                    }
                })
                .collect();
            let mut order = SimOrder {
                account: account.to_owned(),
                order_id,
                sequence: seq,
                status: None,
                creation: now,
                last_change: now,
                authorized: None,
                invoiced: None,
                items,
                shipping: new.shipping,
                changes: Vec::new(),
                packages: Vec::new(),
                cancellation: None,
                cancellation_requests: Vec::new(),
                timers: Vec::new(),
                shopper: new.shopper,
                run_id: new.run_id,
                customer_cancel_permille: new.customer_cancel_permille,
                receipts: 0,
                adjustment: 0,
                change_requests: Vec::new(),
                last_status_change: None,
                transitions: Vec::new(),
                gateway_payment: new.gateway_payment.then_some(GatewayPayment::Pending),
            };
            if !new.incomplete {
                set_status(
                    &mut order,
                    Status::OrderCreated,
                    now,
                    PLATFORM_KEY,
                    &mut changes,
                );
                order.timers.push(Timer {
                    at_ms: now_ms.saturating_add(auto),
                    from: Status::OrderCreated,
                    kind: TimerKind::Auto,
                });
            }
            orders.push(order);
        }
        let count = orders.len() as u64;
        let meta = vec![(format!("seq/{account}"), seq.to_string())];
        self.commit(
            &mut inner,
            orders.clone(),
            changes,
            run.into_iter().collect(),
            meta,
        )?;
        inner.sequences.insert(account.to_owned(), seq);
        inner.stats.account(account).orders_created += count;
        Ok(orders)
    }

    /// Runs an API action on one order: `op` edits a copy; the copy is committed (and its
    /// status changes published) only when `op` succeeds and changed something. Counts the
    /// answer in the stats under `endpoint`.
    pub fn act<T>(
        &self,
        account: &str,
        order_id: &str,
        endpoint: &str,
        origin_key: &str,
        op: impl FnOnce(&mut SimOrder, &mut ActCtx) -> Result<T, OmsError>,
    ) -> Result<T, OmsError> {
        self.act_as(
            account,
            order_id,
            endpoint,
            origin_key,
            OmsError::not_found,
            op,
        )
    }

    /// [`Engine::act`] with the refusal an unknown order gets (change v2 answers `CHK0201`).
    pub fn act_as<T>(
        &self,
        account: &str,
        order_id: &str,
        endpoint: &str,
        origin_key: &str,
        not_found: fn(&str) -> OmsError,
        op: impl FnOnce(&mut SimOrder, &mut ActCtx) -> Result<T, OmsError>,
    ) -> Result<T, OmsError> {
        let mut inner = self.lock();
        let result = self.act_locked(&mut inner, account, order_id, origin_key, not_found, op);
        let outcome = match &result {
            Ok(_) => Ok(()),
            Err(e) => Err((e.status.as_u16(), e.code)),
        };
        inner.stats.call(account, endpoint, outcome);
        result
    }

    fn act_locked<T>(
        &self,
        inner: &mut Inner,
        account: &str,
        order_id: &str,
        origin_key: &str,
        not_found: fn(&str) -> OmsError,
        op: impl FnOnce(&mut SimOrder, &mut ActCtx) -> Result<T, OmsError>,
    ) -> Result<T, OmsError> {
        let key = (account.to_owned(), order_id.to_owned());
        let Some(current) = inner.orders.get(&key) else {
            return Err(not_found(order_id));
        };
        let mut draft = current.clone();
        let (now_ms, now) = self.now();
        let mut ctx = ActCtx {
            now_ms,
            now,
            config: inner.config.clone(),
            origin_key: origin_key.to_owned(),
            changes: Vec::new(),
            invoices: InvoiceStats::default(),
            changes_v2: ChangeV2Stats::default(),
        };
        let out = op(&mut draft, &mut ctx)?;
        if draft != *current {
            self.commit(inner, vec![draft], ctx.changes, Vec::new(), Vec::new())?;
        }
        inner.stats.account(account).changes_v2.add(&ctx.changes_v2);
        let s = &mut inner.stats.account(account).invoices;
        s.output += ctx.invoices.output;
        s.input += ctx.invoices.input;
        s.repeats += ctx.invoices.repeats;
        s.output_value += ctx.invoices.output_value;
        Ok(out)
    }

    /// Counts an answer that never reached an order (a malformed body, a bad path).
    pub fn count(&self, account: &str, endpoint: &str, error: &OmsError) {
        self.lock()
            .stats
            .call(account, endpoint, Err((error.status.as_u16(), error.code)));
    }

    /// An order's Get order JSON.
    pub fn get(&self, account: &str, order_id: &str) -> Option<serde_json::Value> {
        self.lock()
            .orders
            .get(&(account.to_owned(), order_id.to_owned()))
            .map(SimOrder::to_json)
    }

    /// A copy of a stored order (tests, shopper progress).
    pub fn order(&self, account: &str, order_id: &str) -> Option<SimOrder> {
        self.lock()
            .orders
            .get(&(account.to_owned(), order_id.to_owned()))
            .cloned()
    }

    /// Fires every timer due at the simulated now, cascading (a step whose successor is due
    /// too runs it in the same pass), commits all touched orders in one transaction, then
    /// publishes their changes in date order. Returns the number of status changes.
    pub fn run_due(&self) -> Result<usize, StoreError> {
        let mut inner = self.lock();
        let now_ms = self.clock.now_ms();
        let keys: BTreeSet<Key> = inner
            .due
            .iter()
            .take_while(|(at, _, _)| *at <= now_ms)
            .map(|(_, a, o)| (a.clone(), o.clone()))
            .collect();
        if keys.is_empty() {
            return Ok(0);
        }
        let config = inner.config.clone();
        let mut changes = Vec::new();
        let mut orders = Vec::new();
        let mut fired: BTreeMap<String, Fired> = BTreeMap::new();
        for key in keys {
            let Some(current) = inner.orders.get(&key) else {
                continue;
            };
            let mut order = current.clone();
            let counts = fired.entry(order.account.clone()).or_default();
            fire_due(&mut order, now_ms, &config, &mut changes, counts);
            orders.push(order);
        }
        changes.sort_by(|a, b| a.current_change.cmp(&b.current_change));
        let n = changes.len();
        self.commit(&mut inner, orders, changes, Vec::new(), Vec::new())?;
        for (account, f) in fired {
            let stats = inner.stats.account(&account);
            stats.customer_cancellations += f.customer_cancellations;
            stats.changes_v2.applied += f.changes_applied;
            stats.changes_v2.failed += f.changes_failed;
        }
        Ok(n)
    }

    /// The simulated Payment Gateway decided an order's payment (§G.1: an approved payment
    /// moves the order on, `payment-pending → approve-payment → payment-approved → ...`; a
    /// denied one, or one cancelled before approval, cancels the order, §A.5). Only orders
    /// created to be paid through the gateway (`gatewayPayment`) wait for it; for the others,
    /// and for a result already known, nothing changes. Returns whether the order changed.
    pub fn payment_result(
        &self,
        account: &str,
        order_id: &str,
        approved: bool,
    ) -> Result<bool, OmsError> {
        self.act(
            account,
            order_id,
            "gateway-payment",
            PLATFORM_KEY,
            |order, ctx| {
                if order.gateway_payment != Some(GatewayPayment::Pending) {
                    return Ok(false);
                }
                order.gateway_payment = Some(if approved {
                    GatewayPayment::Approved
                } else {
                    GatewayPayment::Denied
                });
                // Waiting in payment-pending: the step happens now. Earlier in the workflow the
                // result is applied when the order gets there.
                if order.status == Some(Status::PaymentPending) {
                    if approved {
                        ctx.timer(order, 0, TimerKind::Auto);
                    } else {
                        payment_denied(order, ctx.now);
                        ctx.set_status(order, Status::Cancel);
                        let delay = OmsConfig::ms(ctx.config.cancel_confirm_ms);
                        ctx.timer(order, delay, TimerKind::CancelConfirmed);
                    }
                }
                Ok(true)
            },
        )
    }

    /// Runs `f` on the state (reads: stats, listings).
    pub fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.lock())
    }

    /// Saves a shopper run's progress alone.
    pub fn save_run(&self, run: RunRecord) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let meta = vec![("runs".to_owned(), inner.run_counter.to_string())];
        self.commit(&mut inner, Vec::new(), Vec::new(), vec![run], meta)
    }
}

/// What firing an account's timers did (for the stats).
#[derive(Debug, Default)]
struct Fired {
    customer_cancellations: u64,
    changes_applied: u64,
    changes_failed: u64,
}

/// Applies the order's due timers and change v2 requests in date order until none is due (a
/// change due at the same time as a timer goes first).
/// The cancellation record of an order whose payment the gateway denied (or cancelled).
fn payment_denied(order: &mut SimOrder, ticks: i64) {
    order.cancellation = Some(CancellationData {
        requested_by_user: false,
        requested_by_system: true,
        requested_by_seller_notification: false,
        requested_by_payment_notification: true,
        reason: Some("The payment was denied".into()),
        date: ticks,
        request_id: None,
    });
}

fn fire_due(
    order: &mut SimOrder,
    now_ms: i64,
    config: &OmsConfig,
    changes: &mut Vec<OrderChange>,
    fired: &mut Fired,
) {
    // Bounded: each firing removes a timer (or ends a change request) and adds at most two
    // later timers; a chain of automatic steps is at most a dozen long.
    for _ in 0..64 {
        let next_timer = order
            .timers
            .iter()
            .enumerate()
            .filter(|(_, t)| t.at_ms <= now_ms)
            .min_by_key(|(_, t)| (t.at_ms, t.kind))
            .map(|(i, t)| (i, t.at_ms));
        let next_change = order
            .change_requests
            .iter()
            .enumerate()
            .filter(|(_, r)| r.status == RequestStatus::InProgress)
            .filter_map(|(i, r)| r.due_ms.map(|at| (i, at)))
            .filter(|(_, at)| *at <= now_ms)
            .min_by_key(|(_, at)| *at);
        if let Some((index, at)) = next_change
            && next_timer.is_none_or(|(_, t)| at <= t)
        {
            let ticks = at.saturating_mul(TICKS_PER_MS);
            if changes_v2::process(order, index, ticks, at, config) {
                fired.changes_applied += 1;
            } else {
                fired.changes_failed += 1;
            }
            continue;
        }
        let Some((pos, _)) = next_timer else {
            return;
        };
        let timer = order.timers.remove(pos);
        if order.status != Some(timer.from) {
            continue;
        }
        let at = timer.at_ms;
        let ticks = at.saturating_mul(TICKS_PER_MS);
        let step = |order: &mut SimOrder, to: Status, changes: &mut Vec<OrderChange>| {
            set_status(order, to, ticks, PLATFORM_KEY, changes);
        };
        let add = |order: &mut SimOrder, delay: i64, kind: TimerKind| {
            if let Some(from) = order.status {
                order.timers.push(Timer {
                    at_ms: at.saturating_add(delay),
                    from,
                    kind,
                });
            }
        };
        match timer.kind {
            TimerKind::Auto => {
                let next = match timer.from {
                    Status::OrderCreated => Status::OnOrderCompleted,
                    Status::OnOrderCompleted => Status::PaymentPending,
                    // An order paid through the gateway waits for its result there
                    // (Engine::payment_result resumes it).
                    Status::PaymentPending
                        if order.gateway_payment == Some(GatewayPayment::Pending) =>
                    {
                        continue;
                    }
                    Status::PaymentPending
                        if order.gateway_payment == Some(GatewayPayment::Denied) =>
                    {
                        payment_denied(order, ticks);
                        step(order, Status::Cancel, changes);
                        add(
                            order,
                            OmsConfig::ms(config.cancel_confirm_ms),
                            TimerKind::CancelConfirmed,
                        );
                        continue;
                    }
                    Status::PaymentPending => Status::ApprovePayment,
                    Status::ApprovePayment => Status::PaymentApproved,
                    Status::PaymentApproved => Status::AuthorizeFulfillment,
                    Status::AuthorizeFulfillment => Status::WindowToCancel,
                    _ => continue,
                };
                if next == Status::PaymentApproved {
                    order.authorized = Some(ticks);
                }
                step(order, next, changes);
                if next == Status::WindowToCancel {
                    let window = config.window_ms();
                    add(order, window, TimerKind::WindowElapsed);
                    if let Some(permille) = order.customer_cancel_permille {
                        let delay = window.saturating_mul(i64::from(permille.min(999))) / 1000;
                        add(order, delay, TimerKind::CustomerCancel);
                    }
                } else {
                    add(order, OmsConfig::ms(config.auto_step_ms), TimerKind::Auto);
                }
            }
            TimerKind::WindowElapsed => step(order, Status::ReadyForHandling, changes),
            TimerKind::CustomerCancel => {
                order.cancellation = Some(CancellationData {
                    requested_by_user: true,
                    requested_by_system: false,
                    requested_by_seller_notification: false,
                    requested_by_payment_notification: false,
                    reason: Some("Cancelled by the customer in the cancellation window".into()),
                    date: ticks,
                    request_id: None,
                });
                fired.customer_cancellations += 1;
                step(order, Status::Cancel, changes);
                add(
                    order,
                    OmsConfig::ms(config.cancel_confirm_ms),
                    TimerKind::CancelConfirmed,
                );
            }
            TimerKind::HandlingConfirmed => step(order, Status::Handling, changes),
            TimerKind::CancelConfirmed => step(order, Status::Canceled, changes),
            TimerKind::Settlement => {
                order.invoiced = Some(ticks);
                step(order, Status::Invoiced, changes);
            }
            TimerKind::CancellationTimeout => {
                let request_id = order.pending_request().map(|r| r.id.clone());
                order.cancellation = Some(CancellationData {
                    requested_by_user: false,
                    requested_by_system: true,
                    requested_by_seller_notification: false,
                    requested_by_payment_notification: false,
                    reason: Some(
                        "Cancellation request without a decision for the whole period".into(),
                    ),
                    date: ticks,
                    request_id,
                });
                step(order, Status::Cancel, changes);
                add(
                    order,
                    OmsConfig::ms(config.cancel_confirm_ms),
                    TimerKind::CancelConfirmed,
                );
            }
        }
    }
}
