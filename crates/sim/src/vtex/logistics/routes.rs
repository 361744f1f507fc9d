//! Logistics' HTTP handlers (see [`super`] for the endpoints and their sources).

use super::{Change, LogisticsSettings, SharedLogistics, Warehouse, WarehouseDock, timespan};
use crate::platform::error::ApiError;
use crate::platform::http::Scoped;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use ponte_core::inventory::LeadTime;
use ponte_core::orders::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const CONFIG: &str = "/api/logistics/pvt/configuration";
const INVENTORY: &str = "/api/logistics/pvt/inventory/skus";

/// What a Logistics handler takes: the state and the request's account.
pub(super) type At = Scoped<SharedLogistics>;

/// A handler's answer.
pub(super) type ApiResult = Result<Response, ApiError>;

/// The `{skuId}/warehouses/{warehouseId}` of an inventory path, as sent.
type Slot = (String, String);

impl At {
    /// The account's warehouse `id`, or `WAREHOUSE_NOT_FOUND`.
    fn warehouse(&self, id: &str) -> Result<Warehouse, ApiError> {
        self.state
            .warehouse(&self.account, id)
            .ok_or_else(|| warehouse_missing(id))
    }

    /// The account's dock `id` as held, or `DOCK_NOT_FOUND`.
    fn dock(&self, id: &str) -> Result<Value, ApiError> {
        self.state
            .dock(&self.account, id)
            .ok_or_else(|| dock_missing(id))
    }

    /// One inventory write of the account ([`super::Logistics::write`]); `label` names the
    /// VTEX operation.
    fn write(
        &self,
        sku: u32,
        warehouse: &str,
        change: Change,
        date: Option<Timestamp>,
        label: &str,
    ) -> Result<(), ApiError> {
        self.state
            .write(&self.account, sku, warehouse, change, date, label)
            .map(drop)
    }
}

/// A JSON answer, `200`.
pub(super) fn json_ok(value: impl serde::Serialize) -> ApiResult {
    Ok(Json(value).into_response())
}

/// An answer with no body.
pub(super) fn status(code: StatusCode) -> ApiResult {
    Ok(code.into_response())
}

/// The VTEX routes (`/api/logistics/pvt/...`) but reservations.
pub fn routes() -> Router<SharedLogistics> {
    Router::new()
        .route(
            &format!("{CONFIG}/warehouses"),
            post(post_warehouse).get(list_warehouses),
        )
        .route(
            &format!("{CONFIG}/warehouses/{{id}}"),
            get(get_warehouse).delete(delete_warehouse),
        )
        .merge(toggles(
            &format!("{CONFIG}/warehouses"),
            set_warehouse_active,
        ))
        .route(&format!("{CONFIG}/docks"), post(post_dock).get(list_docks))
        .route(
            &format!("{CONFIG}/docks/{{id}}"),
            get(get_dock).delete(delete_dock),
        )
        .merge(toggles(&format!("{CONFIG}/docks"), set_dock_active))
        .route(&format!("{INVENTORY}/{{sku}}"), get(get_inventory))
        .route(
            &format!("{INVENTORY}/{{sku}}/warehouses/{{warehouse}}"),
            put(put_inventory),
        )
        .route(
            &format!("{INVENTORY}/{{sku}}/warehouses/{{warehouse}}/quantity"),
            patch(patch_quantity),
        )
        .route(
            &format!("{INVENTORY}/{{sku}}/warehouses/{{warehouse}}/lead-time"),
            patch(patch_lead_time),
        )
}

/// `POST {base}/{id}/activation` and `.../deactivation` of a warehouse or a dock: `set` with
/// `true` and `false`.
fn toggles<F, Fut>(base: &str, set: F) -> Router<SharedLogistics>
where
    F: Fn(At, String, bool) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = ApiResult> + Send + 'static,
{
    let on = move |a: At, Path(id): Path<String>| set(a, id, true);
    let off = move |a: At, Path(id): Path<String>| set(a, id, false);
    Router::new()
        .route(&format!("{base}/{{id}}/activation"), post(on))
        .route(&format!("{base}/{{id}}/deactivation"), post(off))
}

/// The simulator's extensions (`/_sim/logistics/...`, account from `?an=` or the default).
pub fn sim_routes() -> Router<SharedLogistics> {
    Router::new()
        .route(
            "/_sim/logistics/settings",
            get(get_settings).put(put_settings),
        )
        .route("/_sim/logistics/inventory", get(sim_all_inventory))
        .route("/_sim/logistics/inventory/{sku}", get(sim_inventory))
        .route("/_sim/logistics/stats", get(get_stats))
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::InvalidBody("the request body is empty".into()));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::InvalidBody(format!("invalid request body: {e}")))
}

fn sku_of(raw: &str) -> Result<u32, ApiError> {
    raw.parse::<u32>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::InvalidPath(format!("skuId {raw:?} is not an SKU id")))
}

fn warehouse_missing(id: &str) -> ApiError {
    ApiError::not_found(
        "WAREHOUSE_NOT_FOUND",
        format!("warehouse {id:?} does not exist"),
    )
}

fn dock_missing(id: &str) -> ApiError {
    ApiError::not_found("DOCK_NOT_FOUND", format!("dock {id:?} does not exist"))
}

fn non_empty(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A dock's `cost`: a string (`"5.00"`) in the write, a number in the read.
fn cost(v: Option<&Value>) -> Result<f64, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(0.0),
        Some(Value::Number(n)) => Ok(n.as_f64().unwrap_or(0.0)),
        Some(Value::String(s)) => s.trim().replace(',', ".").parse::<f64>().map_err(|_| {
            ApiError::bad(
                "WAREHOUSE_INVALID",
                format!("dock cost {s:?} is not a number"),
            )
        }),
        Some(other) => Err(ApiError::bad(
            "WAREHOUSE_INVALID",
            format!("dock cost {other} is not a number"),
        )),
    }
}

fn duration(v: Option<&Value>, field: &str, code: &'static str) -> Result<u64, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(0),
        Some(Value::String(s)) => LeadTime::parse(s)
            .map(|t| t.0)
            .ok_or_else(|| ApiError::bad(code, format!("{field} {s:?} is not DD.HH:MM:SS"))),
        Some(other) => Err(ApiError::bad(
            code,
            format!("{field} {other} is not DD.HH:MM:SS"),
        )),
    }
}

async fn post_warehouse(a: At, bytes: Bytes) -> ApiResult {
    let body: Value = parse(&bytes)?;
    let invalid = |m: &str| ApiError::bad("WAREHOUSE_INVALID", m.to_owned());
    let id = non_empty(body.get("id")).ok_or_else(|| invalid("id is required"))?;
    let name = non_empty(body.get("name")).ok_or_else(|| invalid("name is required"))?;
    let docks = body
        .get("warehouseDocks")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("warehouseDocks is required"))?;
    let mut warehouse_docks = Vec::with_capacity(docks.len());
    for d in docks {
        let dock_id = non_empty(d.get("dockId"))
            .ok_or_else(|| invalid("warehouseDocks[].dockId is required"))?;
        let time = duration(d.get("time"), "time", "WAREHOUSE_INVALID")?;
        warehouse_docks.push(WarehouseDock {
            dock_id,
            time: timespan(time),
            cost: cost(d.get("cost"))?,
        });
    }
    let held = a.state.warehouse(&a.account, &id);
    let w = Warehouse {
        id,
        name,
        warehouse_docks,
        pickup_point_ids: held
            .as_ref()
            .map(|h| h.pickup_point_ids.clone())
            .unwrap_or_default(),
        priority: body.get("priority").and_then(Value::as_i64).unwrap_or(0),
        is_active: body
            .get("isActive")
            .and_then(Value::as_bool)
            .or(held.map(|h| h.is_active))
            .unwrap_or(true),
    };
    a.state.put_warehouse(&a.account, w)?;
    status(StatusCode::OK)
}

async fn list_warehouses(a: At) -> Response {
    Json(a.state.warehouses(&a.account)).into_response()
}

async fn get_warehouse(a: At, Path(id): Path<String>) -> ApiResult {
    json_ok(a.warehouse(&id)?)
}

async fn delete_warehouse(a: At, Path(id): Path<String>) -> ApiResult {
    if a.state.delete_warehouse(&a.account, &id)? {
        status(StatusCode::OK)
    } else {
        Err(warehouse_missing(&id))
    }
}

/// `POST .../warehouses/{id}/activation` and `.../deactivation`.
async fn set_warehouse_active(a: At, id: String, active: bool) -> ApiResult {
    let mut w = a.warehouse(&id)?;
    w.is_active = active;
    a.state.put_warehouse(&a.account, w)?;
    status(StatusCode::OK)
}

async fn post_dock(a: At, bytes: Bytes) -> ApiResult {
    let mut body: Value = parse(&bytes)?;
    let invalid = |m: &str| ApiError::bad("DOCK_INVALID", m.to_owned());
    let id = non_empty(body.get("id")).ok_or_else(|| invalid("id is required"))?;
    non_empty(body.get("name")).ok_or_else(|| invalid("name is required"))?;
    for field in ["dockTimeFake", "timeFakeOverhead"] {
        let t = duration(body.get(field), field, "DOCK_INVALID")?;
        if let Some(obj) = body.as_object_mut() {
            obj.insert(field.into(), json!(timespan(t)));
        }
    }
    let held_active = a
        .state
        .dock(&a.account, &id)
        .and_then(|d| d.get("isActive").and_then(Value::as_bool));
    if let Some(obj) = body.as_object_mut()
        && !obj.get("isActive").is_some_and(Value::is_boolean)
    {
        obj.insert("isActive".into(), json!(held_active.unwrap_or(true)));
    }
    a.state.put_dock(&a.account, &id, Some(body))?;
    // The OpenAPI's `Create/UpdateDock` answers `true` (§E.1).
    json_ok(true)
}

async fn list_docks(a: At) -> Response {
    Json(a.state.docks(&a.account)).into_response()
}

async fn get_dock(a: At, Path(id): Path<String>) -> ApiResult {
    json_ok(a.dock(&id)?)
}

async fn delete_dock(a: At, Path(id): Path<String>) -> ApiResult {
    a.dock(&id)?;
    a.state.put_dock(&a.account, &id, None)?;
    status(StatusCode::OK)
}

/// `POST .../docks/{id}/activation` and `.../deactivation`.
async fn set_dock_active(a: At, id: String, active: bool) -> ApiResult {
    let mut d = a.dock(&id)?;
    if let Some(obj) = d.as_object_mut() {
        obj.insert("isActive".into(), json!(active));
    }
    a.state.put_dock(&a.account, &id, Some(d))?;
    status(StatusCode::NO_CONTENT)
}

/// Units an unlimited entry shows (§E.2).
const UNLIMITED: i64 = 1_000_000;

async fn get_inventory(a: At, Path(sku): Path<String>) -> ApiResult {
    let id = sku_of(&sku)?;
    let (l, account) = (&a.state, a.account.as_str());
    let entries = l.entries(account, id);
    let every = l.settings().balance_lists_every_warehouse;
    let mut balance = Vec::new();
    for w in l.warehouses(account) {
        let entry = entries.get(&w.id);
        if entry.is_none() && !every {
            continue;
        }
        let (total, unlimited, lead) = entry.map_or((0, false, 0), |e| {
            let total = if e.unlimited_quantity {
                UNLIMITED
            } else {
                e.quantity
            };
            (total, e.unlimited_quantity, e.lead_time)
        });
        let reserved = l.reserved(account, id, &w.id);
        balance.push(json!({
            "warehouseId": w.id,
            "warehouseName": w.name,
            "totalQuantity": total,
            "reservedQuantity": reserved,
            "hasUnlimitedQuantity": unlimited,
            "timeToRefill": null,
            "dateOfSupplyUtc": null,
            "leadTime": timespan(lead),
        }));
    }
    json_ok(json!({ "skuId": id.to_string(), "balance": balance }))
}

/// A `quantity` as sent: `null` or missing is `None`; an `int32`, not negative.
fn quantity(v: Option<&Value>) -> Result<Option<i64>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(q) if q < 0 => Err(ApiError::bad(
                "QUANTITY_NEGATIVE",
                format!("quantity {q} is negative"),
            )),
            Some(q) if q <= i64::from(i32::MAX) => Ok(Some(q)),
            _ => Err(ApiError::bad(
                "QUANTITY_OUT_OF_RANGE",
                format!("quantity {n} is not an int32"),
            )),
        },
        Some(other) => Err(ApiError::bad(
            "QUANTITY_INVALID",
            format!("quantity {other} is not a whole number"),
        )),
    }
}

fn unlimited(v: Option<&Value>) -> Result<Option<bool>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(ApiError::bad(
            "UNLIMITED_QUANTITY_INVALID",
            format!("unlimitedQuantity {other} is not a boolean"),
        )),
    }
}

/// `dateUtcOnBalanceSystem`: `null` or empty is the time of the request (`None` here).
fn count_date(v: Option<&Value>) -> Result<Option<Timestamp>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Timestamp::parse(s.trim()).map(Some).ok_or_else(|| {
            ApiError::bad(
                "COUNT_DATE_INVALID",
                format!("dateUtcOnBalanceSystem {s:?} is not an ISO 8601 date-time"),
            )
        }),
        Some(other) => Err(ApiError::bad(
            "COUNT_DATE_INVALID",
            format!("dateUtcOnBalanceSystem {other} is not a date-time"),
        )),
    }
}

fn object(bytes: &Bytes) -> Result<Value, ApiError> {
    let body: Value = parse(bytes)?;
    if body.is_object() {
        Ok(body)
    } else {
        Err(ApiError::InvalidBody(
            "the request body must be a JSON object".into(),
        ))
    }
}

async fn put_inventory(a: At, Path((sku, warehouse)): Path<Slot>, bytes: Bytes) -> ApiResult {
    let id = sku_of(&sku)?;
    let body = object(&bytes)?;
    let change = Change::Put {
        quantity: quantity(body.get("quantity"))?.unwrap_or(0),
        unlimited: unlimited(body.get("unlimitedQuantity"))?.unwrap_or(false),
        lead_time: duration(body.get("leadTime"), "leadTime", "LEAD_TIME_INVALID")?,
    };
    let date = count_date(body.get("dateUtcOnBalanceSystem"))?;
    a.write(
        id,
        &warehouse,
        change,
        date,
        "PUT /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}",
    )?;
    json_ok(true)
}

async fn patch_quantity(a: At, Path((sku, warehouse)): Path<Slot>, bytes: Bytes) -> ApiResult {
    let id = sku_of(&sku)?;
    let body = object(&bytes)?;
    let q = quantity(body.get("quantity"))?;
    let u = unlimited(body.get("unlimitedQuantity"))?.unwrap_or(false);
    let Some(q) = q.or(u.then_some(0)) else {
        return Err(ApiError::bad(
            "QUANTITY_MISSING",
            "quantity is required unless unlimitedQuantity is true",
        ));
    };
    let date = count_date(body.get("dateUtcOnBalanceSystem"))?;
    a.write(
        id,
        &warehouse,
        Change::Quantity {
            quantity: q,
            unlimited: u,
        },
        date,
        "PATCH /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}/quantity",
    )?;
    status(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeadTimeIn {
    lead_time: Option<String>,
}

async fn patch_lead_time(a: At, Path((sku, warehouse)): Path<Slot>, bytes: Bytes) -> ApiResult {
    let id = sku_of(&sku)?;
    let body: LeadTimeIn = parse(&bytes)?;
    let raw = body.lead_time.unwrap_or_default();
    let lead = LeadTime::parse(&raw).ok_or_else(|| {
        ApiError::bad(
            "LEAD_TIME_INVALID",
            format!("leadTime {raw:?} is not DD.HH:MM:SS or DD"),
        )
    })?;
    a.write(
        id,
        &warehouse,
        Change::LeadTime(lead.0),
        None,
        "PATCH /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}/lead-time",
    )?;
    status(StatusCode::NO_CONTENT)
}

async fn get_settings(State(l): State<SharedLogistics>) -> Response {
    Json(l.settings()).into_response()
}

async fn put_settings(
    State(l): State<SharedLogistics>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let s: LogisticsSettings = parse(&bytes)?;
    l.set_settings(s);
    Ok(Json(s).into_response())
}

/// The SKU's entries as held, with their `dateUtcOnBalanceSystem` (VTEX's reads omit it).
async fn sim_inventory(a: At, Path(sku): Path<String>) -> ApiResult {
    let id = sku_of(&sku)?;
    json_ok(a.state.entries(&a.account, id))
}

/// Every inventory entry of the account (`?an=`), with its SKU and warehouse.
async fn sim_all_inventory(a: At) -> Response {
    let all: Vec<Value> = a
        .state
        .all_entries(&a.account)
        .into_iter()
        .map(|(sku, warehouse, e)| json!({ "skuId": sku, "warehouseId": warehouse, "entry": e }))
        .collect();
    Json(all).into_response()
}

async fn get_stats(State(l): State<SharedLogistics>) -> Response {
    Json(l.stats()).into_response()
}
