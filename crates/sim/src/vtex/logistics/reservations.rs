//! Reservations (`docs/vtex/E-logistics.md` §E.4): how orders hold stock.
//!
//! | Endpoint | Source |
//! |---|---|
//! | `POST /api/logistics/pvt/inventory/reservations` `{salesChannel, lockId, autorizationExpirationTTL, deliveryItemOptions[{item{id, quantity}, wareHouseId, dockId, …}]}` → `{LockId, Status, ReservationDateUtc, MaximumConfirmationDateUtc, …}` | OpenAPI Logistics `CreateReservation`; §E.4 |
//! | `GET .../reservations/{reservationId}` | OpenAPI `ReservationById`; §E.4 |
//! | `POST .../reservations/{reservationId}/confirm`, `.../acknowledge`, `.../cancel` → `200` | OpenAPI; §E.4 |
//! | `GET .../reservations/{warehouseId}/{skuId}` → the reservations holding that SKU there | OpenAPI `ReservationbyWarehouseandSku` (no body documented) |
//!
//! The stages are the help center's (§E.4): authorized (counted in `reservedQuantity`, expiring
//! at `autorizationExpirationTTL` after creation unless confirmed), confirmed (no longer
//! expires), acknowledged (still counted until the merchant's next count), cleared by a count
//! whose `dateUtcOnBalanceSystem` is at or after the acknowledgement (§E.4's emulator default,
//! per SKU and warehouse), cancelled (released, only before acknowledgement). The transitions are
//! ponte-core's `transition` (§E.5).
//!
//! **[sim's choice]** where VTEX is silent: a refused transition is `400` with the core's code
//! (`RESERVATION_NOT_CONFIRMED`, `RESERVATION_ACKNOWLEDGED`, `RESERVATION_EXPIRED`,
//! `RESERVATION_CLOSED`); an unknown id `404 RESERVATION_NOT_FOUND`; `Status` answers 1 while
//! authorized, 2 once confirmed, acknowledged or cleared (the enumeration has no value for
//! the last two, §H.9), 4 when the authorization expired and 5 when cancelled; an authorized
//! reservation past its expiry is cancelled when next read or written (simulated clock); a
//! reservation for a warehouse that does not exist is refused like an inventory write; the
//! reservation does not check that the stock is available.

use super::routes::At;
use super::{Logistics, SharedLogistics};
use crate::platform::error::{ApiError, StoreError};
use crate::platform::rng::random_hex;
use crate::platform::store::encode;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ponte_core::catalog::import::SkuId;
use ponte_core::inventory::{
    LeadTime, Reservation, ReservationEvent, ReservationEventKind, ReservationStatus, transition,
};
use ponte_core::orders::Timestamp;
use redb::TableDefinition;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `(account, lockId)` → JSON [`Lock`].
pub(super) const RESERVATIONS: TableDefinition<(&str, &str), &str> =
    TableDefinition::new("logistics_reservations");

/// One reservation (`LockId`) and the items it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lock {
    pub lock_id: String,
    pub sales_channel: String,
    pub reservation_date: Timestamp,
    pub last_update: Timestamp,
    /// Authorized until then.
    pub maximum_confirmation_date: Timestamp,
    /// Cancelled by expiry rather than by a request.
    #[serde(default)]
    pub expired: bool,
    pub items: Vec<Reservation>,
}

impl Lock {
    fn status(&self) -> ReservationStatus {
        self.items
            .first()
            .map_or(ReservationStatus::Cancelled, |r| r.status)
    }

    fn status_code(&self) -> u8 {
        match self.status() {
            ReservationStatus::Authorized => 1,
            ReservationStatus::Confirmed
            | ReservationStatus::Acknowledged
            | ReservationStatus::Cleared => 2,
            ReservationStatus::Cancelled if self.expired => 4,
            ReservationStatus::Cancelled => 5,
        }
    }

    fn json(&self) -> Value {
        json!({
            "LockId": self.lock_id,
            "SalesChannel": self.sales_channel,
            "Status": self.status_code(),
            "ReservationDateUtc": self.reservation_date.as_str(),
            "MaximumConfirmationDateUtc": self.maximum_confirmation_date.as_str(),
            "LastUpdateDateUtc": self.last_update.as_str(),
            "SlaRequest": self.items.iter().map(|r| json!({
                "item": { "id": r.sku_id.to_string(), "quantity": r.quantity },
                "wareHouseId": r.warehouse_id,
            })).collect::<Vec<_>>(),
        })
    }

    /// Runs `kind` at `at` on every item; all or nothing.
    fn apply(&self, kind: ReservationEventKind, at: &Timestamp) -> Result<Lock, ApiError> {
        let event = ReservationEvent {
            kind,
            at: at.clone(),
        };
        let mut next = self.clone();
        for (slot, r) in next.items.iter_mut().zip(&self.items) {
            *slot = transition(r, &event).map_err(|e| ApiError::bad(e.code(), e.message))?;
        }
        if kind == ReservationEventKind::Expire
            && self.status() == ReservationStatus::Authorized
            && next.status() == ReservationStatus::Cancelled
        {
            next.expired = true;
        }
        if next != *self {
            next.last_update = at.clone();
        }
        Ok(next)
    }
}

pub fn routes() -> Router<SharedLogistics> {
    const R: &str = "/api/logistics/pvt/inventory/reservations";
    Router::new()
        .route(R, post(create))
        .route(&format!("{R}/{{id}}"), get(read))
        .route(
            &format!("{R}/{{id}}/confirm"),
            post(|a: At, Path(id): Path<String>| step(a, id, ReservationEventKind::Confirm)),
        )
        .route(
            &format!("{R}/{{id}}/acknowledge"),
            post(|a: At, Path(id): Path<String>| step(a, id, ReservationEventKind::Acknowledge)),
        )
        .route(
            &format!("{R}/{{id}}/cancel"),
            post(|a: At, Path(id): Path<String>| step(a, id, ReservationEventKind::Cancel)),
        )
        .route(&format!("{R}/{{id}}/{{sku}}"), get(by_warehouse_and_sku))
}

impl Logistics {
    fn store_lock(&self, account: &str, lock: &Lock) -> Result<(), ApiError> {
        let txn = self.store.write()?;
        txn.open_table(RESERVATIONS)
            .map_err(StoreError::from)?
            .insert(
                (account, lock.lock_id.as_str()),
                encode(lock, "reservation")?.as_str(),
            )
            .map_err(StoreError::from)?;
        txn.commit().map_err(StoreError::from)?;
        Ok(())
    }

    /// The reservation after `kind` (and after an expiry that is due), stored when it changed.
    fn event(
        &self,
        account: &str,
        id: &str,
        kind: Option<ReservationEventKind>,
    ) -> Result<Lock, ApiError> {
        let now = self.now()?;
        let mut state = self.state();
        let key = (account.to_owned(), id.to_owned());
        let held = state.reservations.get(&key).cloned().ok_or_else(|| {
            ApiError::not_found(
                "RESERVATION_NOT_FOUND",
                format!("reservation {id:?} does not exist"),
            )
        })?;
        let mut next = held.apply(ReservationEventKind::Expire, &now)?;
        if let Some(kind) = kind {
            next = next.apply(kind, &now)?;
        }
        if next != held {
            self.store_lock(account, &next)?;
            state.reservations.insert(key, next.clone());
        }
        Ok(next)
    }

    /// Units of the SKU reserved in the warehouse (expired authorizations not counted).
    pub fn reserved(&self, account: &str, sku: u32, warehouse: &str) -> u64 {
        let now = self.now().ok();
        self.state()
            .reservations
            .iter()
            .filter(|((a, _), _)| a == account)
            .flat_map(|(_, l)| {
                let lapsed = l.status() == ReservationStatus::Authorized
                    && now
                        .as_ref()
                        .is_some_and(|n| &l.maximum_confirmation_date <= n);
                l.items.iter().filter(move |_| !lapsed)
            })
            .filter(|r| r.sku_id.0 == sku && r.warehouse_id == warehouse && r.status.counts())
            .map(|r| r.quantity)
            .sum()
    }

    /// A count taken at `date` for the SKU in the warehouse clears the acknowledged
    /// reservations acknowledged at or before it (§E.4). Called under the state lock.
    pub(super) fn clear_on_count(
        &self,
        state: &mut super::State,
        account: &str,
        sku: u32,
        warehouse: &str,
        date: &Timestamp,
    ) -> Result<(), ApiError> {
        let event = ReservationEvent {
            kind: ReservationEventKind::Clear,
            at: date.clone(),
        };
        let mut changed = Vec::new();
        for ((a, _), lock) in &state.reservations {
            if a != account {
                continue;
            }
            let mut next = lock.clone();
            for r in &mut next.items {
                if r.sku_id.0 == sku && r.warehouse_id == warehouse {
                    *r = transition(r, &event).map_err(|e| ApiError::bad(e.code(), e.message))?;
                }
            }
            if next != *lock {
                next.last_update = date.clone();
                changed.push(next);
            }
        }
        for lock in changed {
            self.store_lock(account, &lock)?;
            state
                .reservations
                .insert((account.to_owned(), lock.lock_id.clone()), lock);
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemIn {
    id: String,
    quantity: i64,
}

#[derive(Debug, Deserialize)]
struct OptionIn {
    item: ItemIn,
    #[serde(rename = "wareHouseId", alias = "warehouseId")]
    warehouse_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateIn {
    sales_channel: Option<String>,
    lock_id: Option<String>,
    #[serde(rename = "autorizationExpirationTTL")]
    ttl: Option<String>,
    delivery_item_options: Vec<OptionIn>,
}

async fn create(a: At, bytes: Bytes) -> Result<Response, ApiError> {
    let (l, account) = (a.state, a.account);
    let input: CreateIn = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::InvalidBody(format!("invalid request body: {e}")))?;
    let invalid = |m: String| ApiError::bad("RESERVATION_INVALID", m);
    let ttl_raw = input.ttl.unwrap_or_default();
    let ttl = LeadTime::parse(&ttl_raw).ok_or_else(|| {
        invalid(format!(
            "autorizationExpirationTTL {ttl_raw:?} is not DD.HH:MM:SS"
        ))
    })?;
    if input.delivery_item_options.is_empty() {
        return Err(invalid("deliveryItemOptions is empty".into()));
    }
    let now = l.now()?;
    let until = Timestamp::from_unix_seconds(
        now.unix_seconds()
            .saturating_add(i64::try_from(ttl.0).unwrap_or(i64::MAX)),
    )
    .ok_or_else(|| invalid("the expiry is out of range".into()))?;
    let lock_id = input
        .lock_id
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| random_hex(8).to_ascii_lowercase());
    let mut items = Vec::new();
    for (i, o) in input.delivery_item_options.into_iter().enumerate() {
        let sku = o
            .item
            .id
            .parse::<u32>()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| {
                invalid(format!(
                    "deliveryItemOptions[{i}].item.id {:?} is not an SKU id",
                    o.item.id
                ))
            })?;
        let quantity = u64::try_from(o.item.quantity)
            .ok()
            .filter(|q| *q > 0)
            .ok_or_else(|| {
                invalid(format!(
                    "deliveryItemOptions[{i}].item.quantity must be positive"
                ))
            })?;
        if l.settings().refuse_unknown_warehouse && l.warehouse(&account, &o.warehouse_id).is_none()
        {
            return Err(ApiError::not_found(
                "WAREHOUSE_NOT_FOUND",
                format!("warehouse {:?} does not exist", o.warehouse_id),
            ));
        }
        items.push(Reservation {
            id: lock_id.clone(),
            sku_id: SkuId(sku),
            warehouse_id: o.warehouse_id,
            quantity,
            status: ReservationStatus::Authorized,
            expires_at: Some(until.clone()),
            acknowledged_at: None,
        });
    }
    let lock = Lock {
        lock_id: lock_id.clone(),
        sales_channel: input.sales_channel.unwrap_or_else(|| "1".into()),
        reservation_date: now.clone(),
        last_update: now,
        maximum_confirmation_date: until,
        expired: false,
        items,
    };
    let mut state = l.state();
    let key = (account.clone(), lock_id.clone());
    if state.reservations.contains_key(&key) {
        return Err(ApiError::conflict(
            "RESERVATION_EXISTS",
            format!("reservation {lock_id:?} exists"),
        ));
    }
    l.store_lock(&account, &lock)?;
    state.reservations.insert(key, lock.clone());
    Ok(Json(lock.json()).into_response())
}

async fn read(a: At, Path(id): Path<String>) -> Result<Response, ApiError> {
    let (l, account) = (a.state, a.account);
    Ok(Json(l.event(&account, &id, None)?.json()).into_response())
}

/// `POST .../reservations/{id}/confirm`, `.../acknowledge` and `.../cancel`.
async fn step(a: At, id: String, kind: ReservationEventKind) -> Result<Response, ApiError> {
    let (l, account) = (a.state, a.account);
    l.event(&account, &id, Some(kind))?;
    Ok(StatusCode::OK.into_response())
}

async fn by_warehouse_and_sku(
    a: At,
    Path((warehouse, sku)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (l, account) = (a.state, a.account);
    let sku: u32 = sku
        .parse()
        .map_err(|_| ApiError::InvalidPath(format!("skuId {sku:?} is not an SKU id")))?;
    let ids: Vec<String> = l
        .state()
        .reservations
        .iter()
        .filter(|((a, _), lock)| {
            a == &account
                && lock
                    .items
                    .iter()
                    .any(|r| r.sku_id.0 == sku && r.warehouse_id == warehouse)
        })
        .map(|((_, id), _)| id.clone())
        .collect();
    let mut out = Vec::new();
    for id in ids {
        out.push(l.event(&account, &id, None)?.json());
    }
    Ok(Json(out).into_response())
}
