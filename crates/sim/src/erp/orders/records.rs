//! What the ERP knows, in its own redb file `DATA_DIR/erp-orders.redb` (the ERP is another
//! system than VTEX, so it does not share the platform's store):
//!
//! | table | key | value |
//! |---|---|---|
//! | `erp_deliveries` | delivery id | JSON [`DeliveryRecord`]: times received |
//! | `erp_orders` | order id | JSON [`OrderRecord`]: hand-offs, status notifications, the actor's plan, steps and actions |
//! | `erp_meta` | name | `config` → JSON [`ErpOrdersConfig`] (the last one `PUT` or given by flags) |
//!
//! Every write is one transaction, committed before the HTTP answer (or the actor's next step).

use super::config::ErpOrdersConfig;
use super::plan::Plan;
use crate::platform::error::StoreError;
use crate::platform::store::open_database;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const DELIVERIES: TableDefinition<&str, &str> = TableDefinition::new("erp_deliveries");
const ORDERS: TableDefinition<&str, &str> = TableDefinition::new("erp_orders");
const META: TableDefinition<&str, &str> = TableDefinition::new("erp_meta");

/// One delivery id as received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRecord {
    pub kind: String,
    pub order_id: String,
    pub count: u64,
    pub first_at: String,
}

/// One `kind:"order"` POST.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handoff {
    pub delivery_id: String,
    pub status: String,
    pub changed_at: Option<String>,
    pub received_at: String,
}

/// One `kind:"status"` notification (distinct by delivery id and by `(status, changedAt)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusNote {
    pub delivery_id: String,
    pub status: String,
    pub previous_status: Option<String>,
    pub changed_at: Option<String>,
    pub received_at: String,
    /// Times received (1 + duplicates).
    pub count: u64,
    /// Received before any hand-off of the order (the contract says it should not happen).
    #[serde(default)]
    pub before_handoff: bool,
}

/// How one action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActionOutcome {
    Succeeded,
    RefusedByPonte,
    OmsRefused,
    Error,
}

/// One GraphQL mutation the ERP made (with its retries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRecord {
    /// `startHandling`, `invoiceOrder`, `cancelOrder`, `updateTracking`, `changeOrder`.
    pub action: String,
    /// The step it served (`start`, `invoice:1`, `cancel:2`, `tracking:1`, `events:1`, `change`).
    pub step: String,
    pub at: String,
    pub outcome: ActionOutcome,
    /// HTTP calls made (1 + retries).
    pub calls: u32,
    /// The error code (Ponte's, `OMS_REFUSED`, or the ERP's own: `RETRIES_EXHAUSTED`,
    /// `UNEXPECTED_ANSWER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_status: Option<String>,
    /// For `OMS_REFUSED`: the OMS status and body as Ponte passed them on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oms_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oms: Option<Value>,
    /// What was sent (the invoice, the tracking...), for checks after a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
}

/// The actor's progress on one order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorRecord {
    pub plan: Option<Plan>,
    /// Steps completed (skipped when the actor resumes after a restart).
    pub steps: Vec<String>,
    pub actions: Vec<ActionRecord>,
    /// Set when the actor is finished with the order: `completed`, `canceled`, or why it
    /// stopped (`startHandling refused: CODE`, `nothing to do in status canceled`, ...).
    pub outcome: Option<String>,
    /// GraphQL queries made (`order(id)` polls).
    #[serde(default)]
    pub queries: u64,
    /// Inputs fixed before they are first sent (an invoice, by step), so a resumed actor sends
    /// the very same invoice again (same `issuanceDate`), which Ponte takes as a repeat.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub intents: BTreeMap<String, Value>,
}

/// Everything the ERP knows of one order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRecord {
    pub order_id: String,
    pub handoffs: Vec<Handoff>,
    /// The order JSON of the first hand-off.
    pub order: Option<Value>,
    pub status_notifications: Vec<StatusNote>,
    /// The latest status the ERP was told of (hand-off or notification, by `changedAt`).
    pub last_status: Option<String>,
    #[serde(default)]
    last_changed_at: Option<String>,
    /// POSTs whose `x-ponte-delivery-id` header or `deliveryId` did not match the contract.
    pub delivery_id_mismatches: u64,
    pub actor: ActorRecord,
}

impl OrderRecord {
    fn saw_status(&mut self, status: &str, changed_at: Option<&str>) {
        let newer = match (&self.last_changed_at, changed_at) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(old), Some(new)) => new >= old.as_str(),
        };
        if newer || self.last_status.is_none() {
            self.last_status = Some(status.to_owned());
            self.last_changed_at = changed_at.map(str::to_owned);
        }
    }
}

/// A validated POST body.
#[derive(Debug, Clone)]
pub struct Post {
    pub delivery_id: String,
    pub kind: Kind,
    pub order_id: String,
    pub status: String,
    pub previous_status: Option<String>,
    pub changed_at: Option<String>,
    pub order: Option<Value>,
    /// Header and body ids agree and follow the contract's format.
    pub id_ok: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Order,
    Status,
}

/// What recording a POST found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The delivery id was received before, or (hand-off) the order was already handed off, or
    /// (status) the same `(status, changedAt)` was already told.
    pub duplicate: bool,
    /// This is the order's first hand-off: the actor may start.
    pub first_handoff: bool,
}

/// The ERP's store.
#[derive(Debug, Clone)]
pub struct ErpStore {
    db: Arc<Database>,
}

impl ErpStore {
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let db = open_database(dir, "erp-orders.redb", |txn| {
            txn.open_table(DELIVERIES)?;
            txn.open_table(ORDERS)?;
            txn.open_table(META)?;
            Ok(())
        })?;
        Ok(ErpStore { db: Arc::new(db) })
    }

    pub fn config(&self) -> Result<Option<ErpOrdersConfig>, StoreError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let meta = txn.open_table(META)?;
        let Some(v) = meta.get("config")? else {
            return Ok(None);
        };
        decode(v.value(), "ERP configuration", "config").map(Some)
    }

    pub fn put_config(&self, config: &ErpOrdersConfig) -> Result<(), StoreError> {
        let json = encode(config, "ERP configuration")?;
        let txn = self.db.begin_write()?;
        txn.open_table(META)?.insert("config", json.as_str())?;
        txn.commit()?;
        Ok(())
    }

    /// Records one POST (delivery count and the order's record) in one transaction.
    pub fn record_post(&self, post: &Post, now: &str) -> Result<Recorded, StoreError> {
        let txn = self.db.begin_write()?;
        let recorded;
        {
            let mut deliveries = txn.open_table(DELIVERIES)?;
            let mut orders = txn.open_table(ORDERS)?;
            let mut delivery: DeliveryRecord = match deliveries.get(post.delivery_id.as_str())? {
                Some(v) => decode(v.value(), "ERP delivery", &post.delivery_id)?,
                None => DeliveryRecord {
                    kind: match post.kind {
                        Kind::Order => "order".into(),
                        Kind::Status => "status".into(),
                    },
                    order_id: post.order_id.clone(),
                    count: 0,
                    first_at: now.to_owned(),
                },
            };
            let seen_id = delivery.count > 0;
            delivery.count += 1;
            let mut order: OrderRecord = match orders.get(post.order_id.as_str())? {
                Some(v) => decode(v.value(), "ERP order", &post.order_id)?,
                None => OrderRecord {
                    order_id: post.order_id.clone(),
                    ..OrderRecord::default()
                },
            };
            if !post.id_ok {
                order.delivery_id_mismatches += 1;
            }
            recorded = match post.kind {
                Kind::Order => {
                    let first = order.handoffs.is_empty();
                    order.handoffs.push(Handoff {
                        delivery_id: post.delivery_id.clone(),
                        status: post.status.clone(),
                        changed_at: post.changed_at.clone(),
                        received_at: now.to_owned(),
                    });
                    if first {
                        order.order = post.order.clone();
                    }
                    Recorded {
                        duplicate: !first || seen_id,
                        first_handoff: first,
                    }
                }
                Kind::Status => {
                    let before_handoff = order.handoffs.is_empty();
                    let same = order.status_notifications.iter_mut().find(|n| {
                        n.delivery_id == post.delivery_id
                            || (n.status == post.status && n.changed_at == post.changed_at)
                    });
                    let duplicate = match same {
                        Some(note) => {
                            note.count += 1;
                            true
                        }
                        None => {
                            order.status_notifications.push(StatusNote {
                                delivery_id: post.delivery_id.clone(),
                                status: post.status.clone(),
                                previous_status: post.previous_status.clone(),
                                changed_at: post.changed_at.clone(),
                                received_at: now.to_owned(),
                                count: 1,
                                before_handoff,
                            });
                            seen_id
                        }
                    };
                    Recorded {
                        duplicate,
                        first_handoff: false,
                    }
                }
            };
            order.saw_status(&post.status, post.changed_at.as_deref());
            deliveries.insert(
                post.delivery_id.as_str(),
                encode(&delivery, "ERP delivery")?.as_str(),
            )?;
            orders.insert(
                post.order_id.as_str(),
                encode(&order, "ERP order")?.as_str(),
            )?;
        }
        txn.commit()?;
        Ok(recorded)
    }

    pub fn order(&self, order_id: &str) -> Result<Option<OrderRecord>, StoreError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let orders = txn.open_table(ORDERS)?;
        orders
            .get(order_id)?
            .map(|v| decode(v.value(), "ERP order", order_id))
            .transpose()
    }

    /// Changes one order's actor record in one transaction; `None` when the order is unknown.
    pub fn update_actor<T>(
        &self,
        order_id: &str,
        f: impl FnOnce(&mut ActorRecord) -> T,
    ) -> Result<Option<T>, StoreError> {
        let txn = self.db.begin_write()?;
        let out;
        {
            let mut orders = txn.open_table(ORDERS)?;
            let Some(mut order) = orders
                .get(order_id)?
                .map(|v| decode::<OrderRecord>(v.value(), "ERP order", order_id))
                .transpose()?
            else {
                return Ok(None);
            };
            out = f(&mut order.actor);
            orders.insert(order_id, encode(&order, "ERP order")?.as_str())?;
        }
        txn.commit()?;
        Ok(Some(out))
    }

    /// Every order and every delivery.
    /// One delivery id as received, if it was.
    pub fn delivery(&self, delivery_id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let table = txn.open_table(DELIVERIES)?;
        let got = table.get(delivery_id)?;
        got.map(|v| decode(v.value(), "ERP delivery", delivery_id))
            .transpose()
    }

    pub fn all(&self) -> Result<(Vec<OrderRecord>, BTreeMap<String, DeliveryRecord>), StoreError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let mut orders = Vec::new();
        for entry in txn.open_table(ORDERS)?.iter()? {
            let (k, v) = entry?;
            orders.push(decode(v.value(), "ERP order", k.value())?);
        }
        let mut deliveries = BTreeMap::new();
        for entry in txn.open_table(DELIVERIES)?.iter()? {
            let (k, v) = entry?;
            deliveries.insert(
                k.value().to_owned(),
                decode(v.value(), "ERP delivery", k.value())?,
            );
        }
        Ok((orders, deliveries))
    }

    /// Orders handed off whose actor has not finished.
    pub fn unfinished(&self) -> Result<Vec<String>, StoreError> {
        let (orders, _) = self.all()?;
        Ok(orders
            .into_iter()
            .filter(|o| !o.handoffs.is_empty() && o.actor.outcome.is_none())
            .map(|o| o.order_id)
            .collect())
    }

    /// Forgets every order and delivery (the configuration stays).
    pub fn reset(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        txn.delete_table(DELIVERIES)?;
        txn.delete_table(ORDERS)?;
        txn.open_table(DELIVERIES)?;
        txn.open_table(ORDERS)?;
        txn.commit()?;
        Ok(())
    }
}

fn encode<T: Serialize>(value: &T, entity: &'static str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode { entity, source })
}

fn decode<T: for<'de> Deserialize<'de>>(
    json: &str,
    entity: &'static str,
    key: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Decode {
        entity,
        key: key.to_owned(),
        source,
    })
}
