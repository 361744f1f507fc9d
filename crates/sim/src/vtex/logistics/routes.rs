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
        .route(
            &format!("{CONFIG}/warehouses/{{id}}/activation"),
            post(|a: At, Path(id): Path<String>| set_warehouse_active(a, id, true)),
        )
        .route(
            &format!("{CONFIG}/warehouses/{{id}}/deactivation"),
            post(|a: At, Path(id): Path<String>| set_warehouse_active(a, id, false)),
        )
        .route(&format!("{CONFIG}/docks"), post(post_dock).get(list_docks))
        .route(
            &format!("{CONFIG}/docks/{{id}}"),
            get(get_dock).delete(delete_dock),
        )
        .route(
            &format!("{CONFIG}/docks/{{id}}/activation"),
            post(|a: At, Path(id): Path<String>| set_dock_active(a, id, true)),
        )
        .route(
            &format!("{CONFIG}/docks/{{id}}/deactivation"),
            post(|a: At, Path(id): Path<String>| set_dock_active(a, id, false)),
        )
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

async fn post_warehouse(
    Scoped {
        state: l, account, ..
    }: At,
    bytes: Bytes,
) -> Result<Response, ApiError> {
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
    let held = l.warehouse(&account, &id);
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
    l.put_warehouse(&account, w)?;
    Ok(StatusCode::OK.into_response())
}

async fn list_warehouses(
    Scoped {
        state: l, account, ..
    }: At,
) -> Response {
    Json(l.warehouses(&account)).into_response()
}

async fn get_warehouse(
    Scoped {
        state: l, account, ..
    }: At,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let w = l
        .warehouse(&account, &id)
        .ok_or_else(|| warehouse_missing(&id))?;
    Ok(Json(w).into_response())
}

async fn delete_warehouse(
    Scoped {
        state: l, account, ..
    }: At,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if l.delete_warehouse(&account, &id)? {
        Ok(StatusCode::OK.into_response())
    } else {
        Err(warehouse_missing(&id))
    }
}

/// `POST .../warehouses/{id}/activation` and `.../deactivation`.
async fn set_warehouse_active(
    Scoped {
        state: l, account, ..
    }: At,
    id: String,
    active: bool,
) -> Result<Response, ApiError> {
    let mut w = l
        .warehouse(&account, &id)
        .ok_or_else(|| warehouse_missing(&id))?;
    w.is_active = active;
    l.put_warehouse(&account, w)?;
    Ok(StatusCode::OK.into_response())
}

async fn post_dock(
    Scoped {
        state: l, account, ..
    }: At,
    bytes: Bytes,
) -> Result<Response, ApiError> {
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
    let held_active = l
        .dock(&account, &id)
        .and_then(|d| d.get("isActive").and_then(Value::as_bool));
    if let Some(obj) = body.as_object_mut()
        && !obj.get("isActive").is_some_and(Value::is_boolean)
    {
        obj.insert("isActive".into(), json!(held_active.unwrap_or(true)));
    }
    l.put_dock(&account, &id, Some(body))?;
    // The OpenAPI's `Create/UpdateDock` answers `true` (§E.1).
    Ok(Json(true).into_response())
}

async fn list_docks(
    Scoped {
        state: l, account, ..
    }: At,
) -> Response {
    Json(l.docks(&account)).into_response()
}

async fn get_dock(
    Scoped {
        state: l, account, ..
    }: At,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let d = l.dock(&account, &id).ok_or_else(|| dock_missing(&id))?;
    Ok(Json(d).into_response())
}

async fn delete_dock(
    Scoped {
        state: l, account, ..
    }: At,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    l.dock(&account, &id).ok_or_else(|| dock_missing(&id))?;
    l.put_dock(&account, &id, None)?;
    Ok(StatusCode::OK.into_response())
}

/// `POST .../docks/{id}/activation` and `.../deactivation`.
async fn set_dock_active(
    Scoped {
        state: l, account, ..
    }: At,
    id: String,
    active: bool,
) -> Result<Response, ApiError> {
    let mut d = l.dock(&account, &id).ok_or_else(|| dock_missing(&id))?;
    if let Some(obj) = d.as_object_mut() {
        obj.insert("isActive".into(), json!(active));
    }
    l.put_dock(&account, &id, Some(d))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Units an unlimited entry shows (§E.2).
const UNLIMITED: i64 = 1_000_000;

async fn get_inventory(
    Scoped {
        state: l, account, ..
    }: At,
    Path(sku): Path<String>,
) -> Result<Response, ApiError> {
    let id = sku_of(&sku)?;
    let entries = l.entries(&account, id);
    let every = l.settings().balance_lists_every_warehouse;
    let mut balance = Vec::new();
    for w in l.warehouses(&account) {
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
        let reserved = l.reserved(&account, id, &w.id);
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
    Ok(Json(json!({ "skuId": id.to_string(), "balance": balance })).into_response())
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

async fn put_inventory(
    Scoped {
        state: l, account, ..
    }: At,
    Path((sku, warehouse)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let id = sku_of(&sku)?;
    let body = object(&bytes)?;
    let change = Change::Put {
        quantity: quantity(body.get("quantity"))?.unwrap_or(0),
        unlimited: unlimited(body.get("unlimitedQuantity"))?.unwrap_or(false),
        lead_time: duration(body.get("leadTime"), "leadTime", "LEAD_TIME_INVALID")?,
    };
    let date = count_date(body.get("dateUtcOnBalanceSystem"))?;
    l.write(
        &account,
        id,
        &warehouse,
        change,
        date,
        "PUT /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}",
    )?;
    Ok(Json(true).into_response())
}

async fn patch_quantity(
    Scoped {
        state: l, account, ..
    }: At,
    Path((sku, warehouse)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
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
    l.write(
        &account,
        id,
        &warehouse,
        Change::Quantity {
            quantity: q,
            unlimited: u,
        },
        date,
        "PATCH /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}/quantity",
    )?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeadTimeIn {
    lead_time: Option<String>,
}

async fn patch_lead_time(
    Scoped {
        state: l, account, ..
    }: At,
    Path((sku, warehouse)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let id = sku_of(&sku)?;
    let body: LeadTimeIn = parse(&bytes)?;
    let raw = body.lead_time.unwrap_or_default();
    let lead = LeadTime::parse(&raw).ok_or_else(|| {
        ApiError::bad(
            "LEAD_TIME_INVALID",
            format!("leadTime {raw:?} is not DD.HH:MM:SS or DD"),
        )
    })?;
    l.write(
        &account,
        id,
        &warehouse,
        Change::LeadTime(lead.0),
        None,
        "PATCH /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}/lead-time",
    )?;
    Ok(StatusCode::NO_CONTENT.into_response())
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
async fn sim_inventory(
    Scoped {
        state: l, account, ..
    }: At,
    Path(sku): Path<String>,
) -> Result<Response, ApiError> {
    let id = sku_of(&sku)?;
    Ok(Json(l.entries(&account, id)).into_response())
}

/// Every inventory entry of the account (`?an=`), with its SKU and warehouse.
async fn sim_all_inventory(
    Scoped {
        state: l, account, ..
    }: At,
) -> Response {
    let all: Vec<Value> = l
        .all_entries(&account)
        .into_iter()
        .map(|(sku, warehouse, e)| json!({ "skuId": sku, "warehouseId": warehouse, "entry": e }))
        .collect();
    Json(all).into_response()
}

async fn get_stats(State(l): State<SharedLogistics>) -> Response {
    Json(l.stats()).into_response()
}
