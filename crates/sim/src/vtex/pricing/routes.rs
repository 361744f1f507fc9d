//! Pricing's HTTP handlers (see [`super`] for the endpoints and their sources).

use super::body::{self, Choices, FixedIn, PutIn, RulesIn};
use super::ratelimit::{Class, Verdict};
use super::{PricingSettings, SharedPricing};
use crate::platform::error::ApiError;
use crate::platform::http::{Scoped, Tenant, has_credentials, query_value};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use ponte_core::catalog::import::SkuId;
use ponte_core::orders::Timestamp;
use ponte_core::pricing::{
    ComputePriceRequest, ComputedPrice, FixedPrice, Price, PriceRule, PricingConfig,
    PricingErrorCode, compute_price,
};
use serde_json::{Value, json};
use std::time::Instant;

/// The VTEX routes (`/pricing/...`).
pub fn routes() -> Router<SharedPricing> {
    Router::new()
        .route(
            "/pricing/prices/{item}",
            get(get_price).put(put_price).delete(delete_price),
        )
        .route(
            "/pricing/prices/{item}/fixed",
            get(get_fixed).patch(patch_fixed),
        )
        .route(
            "/pricing/prices/{item}/fixed/{table}",
            get(get_fixed_table)
                .post(post_fixed_table)
                .delete(delete_fixed_table),
        )
        .route("/pricing/prices/{item}/computed", get(get_computed_all))
        .route("/pricing/prices/{item}/computed/{table}", get(get_computed))
        .route("/pricing/config", get(get_config))
        .route("/pricing/tables", get(get_tables))
        .route("/pricing/tables/{table}", put(put_table))
        .route("/pricing/pipeline/catalog", get(get_all_rules))
        .route(
            "/pricing/pipeline/catalog/{table}",
            get(get_rules).put(put_rules),
        )
}

/// The simulator's extensions (`/_sim/pricing/...`, account from `?an=` or the default).
pub fn sim_routes() -> Router<SharedPricing> {
    Router::new()
        .route(
            "/_sim/pricing/settings",
            get(get_settings).put(put_settings),
        )
        .route("/_sim/pricing/config", put(put_config))
        .route("/_sim/pricing/stats", get(get_stats).delete(delete_stats))
        .route("/_sim/pricing/prices", get(export_prices))
}

/// What every Pricing handler takes: the state, the account and the request's headers.
type Call = Scoped<SharedPricing>;

impl Call {
    /// Credentials, then the rate limit (counted before anything else is looked at), then the
    /// configured latency, then `run` with the state and the account; the `Ratelimit-*`
    /// headers go on every answer of a limited class.
    async fn answer(
        &self,
        class: Class,
        run: impl FnOnce(&SharedPricing, &str) -> Result<Response, ApiError>,
    ) -> Response {
        let (p, account, headers) = (&self.state, self.account.as_str(), &self.headers);
        if !has_credentials(headers) {
            return ApiError::Unauthorized.into_response();
        }
        let limits = p.settings().rate_limits;
        let verdict = p.limiter.check(&limits, account, class, Instant::now());
        let mut response = match &verdict {
            Some(v) if !v.allowed => ApiError::rule(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "too many requests to this Pricing route: wait Retry-After seconds",
            )
            .into_response(),
            _ => {
                let delay = p.latency();
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                run(p, account).unwrap_or_else(IntoResponse::into_response)
            }
        };
        if let Some(v) = verdict {
            add_headers(response.headers_mut(), &v);
        }
        response
    }
}

fn add_headers(h: &mut HeaderMap, v: &Verdict) {
    let mut set = |name: &'static str, value: u64| {
        if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
            h.insert(name, value);
        }
    };
    set("ratelimit-limit", u64::from(v.limit));
    set("ratelimit-remaining", u64::from(v.remaining));
    set("ratelimit-reset", v.reset_seconds);
    if let Some(s) = v.retry_after_seconds {
        set("retry-after", s);
    }
}

fn choices(s: &PricingSettings) -> Choices {
    Choices {
        refuse_empty_date_range: s.refuse_empty_date_range,
        require_min_quantity_on_put: true,
    }
}

fn not_found(item: SkuId) -> ApiError {
    ApiError::not_found("PRICE_NOT_FOUND", format!("SKU {item} has no price"))
}

fn ok() -> Response {
    StatusCode::OK.into_response()
}

/// VTEX's dates in answers: UTC, to the second when there is no fraction.
fn date(t: &Timestamp) -> String {
    let s = t.as_str();
    match s.strip_suffix(".000000000Z") {
        Some(whole) => format!("{whole}Z"),
        None => s.to_owned(),
    }
}

fn fixed_json(f: &FixedPrice) -> Value {
    let mut v = json!({
        "tradePolicyId": f.trade_policy_id,
        "value": f.value,
        "listPrice": f.list_price,
        "minQuantity": f.min_quantity,
    });
    if let (Some(d), Some(obj)) = (&f.date_range, v.as_object_mut()) {
        obj.insert("dateRange".into(), range_json(d));
    }
    v
}

fn price_json(p: &Price) -> Value {
    json!({
        "itemId": p.item_id.to_string(),
        "listPrice": p.list_price,
        "costPrice": p.cost_price,
        "markup": p.markup,
        "basePrice": p.base_price,
        "fixedPrices": p.fixed_prices.iter().map(fixed_json).collect::<Vec<_>>(),
    })
}

fn held(p: &SharedPricing, account: &str, item: SkuId) -> Result<Price, ApiError> {
    p.price(account, item).ok_or_else(|| not_found(item))
}

async fn get_price(c: Call, Path(item): Path<String>) -> Response {
    c.answer(Class::Read, |p, account| {
        let item = body::item(&item)?;
        Ok(Json(price_json(&held(p, account, item)?)).into_response())
    })
    .await
}

async fn put_price(c: Call, Path(item): Path<String>, bytes: Bytes) -> Response {
    c.answer(Class::Write, |p, account| {
        let item = body::item(&item)?;
        let input: PutIn = body::parse(&bytes)?;
        let choices = choices(&p.settings());
        p.write_price(
            account,
            item,
            "PUT /pricing/prices/{itemId}",
            |held, config| body::put(item, input, held, config, choices).map(Some),
        )?;
        Ok(ok())
    })
    .await
}

async fn delete_price(c: Call, Path(item): Path<String>) -> Response {
    c.answer(Class::Delete, |p, account| {
        let item = body::item(&item)?;
        p.write_price(
            account,
            item,
            "DELETE /pricing/prices/{itemId}",
            |held, _| match held {
                Some(_) => Ok(None),
                None => Err(not_found(item)),
            },
        )?;
        Ok(ok())
    })
    .await
}

async fn get_fixed(c: Call, Path(item): Path<String>) -> Response {
    c.answer(Class::Read, |p, account| {
        let item = body::item(&item)?;
        let price = held(p, account, item)?;
        let list: Vec<Value> = price.fixed_prices.iter().map(fixed_json).collect();
        Ok(Json(list).into_response())
    })
    .await
}

/// A price holding only fixed prices, for an SKU with none yet: allowed only with
/// `hasOptionalBasePrice` (see the module doc).
fn fresh(item: SkuId, config: &PricingConfig) -> Result<Price, ApiError> {
    if !config.has_optional_base_price {
        return Err(ApiError::bad(
            PricingErrorCode::BasePriceMissing.as_str(),
            format!("SKU {item} has no base price; set one with PUT first"),
        ));
    }
    Ok(Price {
        item_id: item,
        base_price: None,
        cost_price: None,
        markup: None,
        list_price: None,
        fixed_prices: Vec::new(),
    })
}

/// `PATCH .../fixed` and `POST .../fixed/{table}`: the entries checked, then merged.
fn write_fixed(
    p: &SharedPricing,
    account: &str,
    item: &str,
    bytes: &Bytes,
    table: Option<&str>,
    label: &str,
) -> Result<Response, ApiError> {
    let item = body::item(item)?;
    let input: Vec<FixedIn> = body::parse(bytes)?;
    let settings = p.settings();
    let entries = body::fixed_list(input, table, false, choices(&settings))?;
    let replace_table = table.is_some() && settings.post_fixed_replaces_table;
    p.write_price(account, item, label, |held, config| {
        let mut next = match held {
            Some(h) => h.clone(),
            None => fresh(item, config)?,
        };
        let candidate = Price {
            fixed_prices: entries.clone(),
            ..next.clone()
        };
        body::check_limits(held, &candidate, config)?;
        if let (true, Some(t)) = (replace_table, table) {
            next.fixed_prices.retain(|f| f.trade_policy_id != t);
        }
        body::upsert(&mut next.fixed_prices, entries);
        Ok(Some(next))
    })?;
    Ok(ok())
}

async fn patch_fixed(c: Call, Path(item): Path<String>, bytes: Bytes) -> Response {
    c.answer(Class::Patch, |p, account| {
        write_fixed(
            p,
            account,
            &item,
            &bytes,
            None,
            "PATCH /pricing/prices/{itemId}/fixed",
        )
    })
    .await
}

async fn post_fixed_table(
    c: Call,
    Path((item, table)): Path<(String, String)>,
    bytes: Bytes,
) -> Response {
    c.answer(Class::Write, |p, account| {
        write_fixed(
            p,
            account,
            &item,
            &bytes,
            Some(&table),
            "POST /pricing/prices/{itemId}/fixed/{priceTableId}",
        )
    })
    .await
}

async fn get_fixed_table(c: Call, Path((item, table)): Path<(String, String)>) -> Response {
    c.answer(Class::Read, |p, account| {
        let item = body::item(&item)?;
        let price = held(p, account, item)?;
        let list: Vec<Value> = price
            .fixed_prices
            .iter()
            .filter(|f| f.trade_policy_id == table)
            .map(fixed_json)
            .collect();
        Ok(Json(list).into_response())
    })
    .await
}

async fn delete_fixed_table(c: Call, Path((item, table)): Path<(String, String)>) -> Response {
    c.answer(Class::Delete, |p, account| {
        let item = body::item(&item)?;
        p.write_price(
            account,
            item,
            "DELETE /pricing/prices/{itemId}/fixed/{priceTableId}",
            |held, _| {
                let mut next = held.cloned().ok_or_else(|| not_found(item))?;
                next.fixed_prices.retain(|f| f.trade_policy_id != table);
                Ok(Some(next))
            },
        )?;
        Ok(ok())
    })
    .await
}

fn computed(
    p: &SharedPricing,
    account: &str,
    item: SkuId,
    table: &str,
    uri: &Uri,
) -> Result<Option<ComputedPrice>, ApiError> {
    let quantity = match query_value(uri, "quantity").filter(|q| !q.is_empty()) {
        None => 1,
        Some(q) => q.parse::<u32>().map_err(|_| {
            ApiError::bad(
                PricingErrorCode::QuantityInvalid.as_str(),
                format!("quantity {q:?} is not a whole number"),
            )
        })?,
    };
    let category_ids = query_value(uri, "categoryIds")
        .map(|c| {
            c.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let at = Timestamp::from_unix_seconds(p.now_ms().div_euclid(1000))
        .ok_or_else(|| ApiError::Internal("the simulated clock is out of range".into()))?;
    let request = ComputePriceRequest {
        price: p.price(account, item),
        parent_price: None,
        price_table: table.to_owned(),
        quantity,
        at,
        category_ids,
        brand_id: query_value(uri, "brandId").filter(|b| !b.is_empty()),
        rules: p.rules(account, table),
        config: p.config(account),
    };
    let answer = compute_price(&request)
        .map_err(|e| ApiError::bad(e.code(), format!("{}: {}", e.path, e.message)))?;
    Ok(answer.price)
}

fn computed_json(c: &ComputedPrice, with_table: bool) -> Value {
    let mut v = json!({
        "tradePolicyId": c.trade_policy_id,
        "listPrice": c.list_price,
        "costPrice": c.cost_price,
        "sellingPrice": c.selling_price,
        "priceValidUntil": date(&c.price_valid_until),
    });
    if let (true, Some(obj)) = (with_table, v.as_object_mut()) {
        obj.insert("priceTable".into(), json!(c.trade_policy_id));
    }
    v
}

async fn get_computed(c: Call, Path((item, table)): Path<(String, String)>, uri: Uri) -> Response {
    c.answer(Class::Read, |p, account| {
        let item = body::item(&item)?;
        match computed(p, account, item, &table, &uri)? {
            Some(c) => Ok(Json(computed_json(&c, false)).into_response()),
            None => Err(ApiError::not_found(
                "PRICE_NOT_FOUND",
                format!("SKU {item} has no price in table {table:?}"),
            )),
        }
    })
    .await
}

async fn get_computed_all(c: Call, Path(item): Path<String>, uri: Uri) -> Response {
    c.answer(Class::Read, |p, account| {
        let item = body::item(&item)?;
        let price = held(p, account, item)?;
        let mut tables: Vec<String> = Vec::new();
        for f in &price.fixed_prices {
            if !tables.contains(&f.trade_policy_id) {
                tables.push(f.trade_policy_id.clone());
            }
        }
        let mut out = Vec::new();
        for t in tables {
            if let Some(c) = computed(p, account, item, &t, &uri)? {
                out.push(computed_json(&c, true));
            }
        }
        Ok(Json(out).into_response())
    })
    .await
}

async fn get_config(c: Call) -> Response {
    c.answer(Class::Read, |p, account| {
        let c = p.config(account);
        let minimum_markups = serde_json::Map::new();
        Ok(Json(json!({
            "hasMigrated": true,
            "migrationStatus": "Completed",
            "defaultMarkup": c.default_markup,
            "priceVariation": c.price_variation,
            "minimumMarkups": minimum_markups,
            "tradePolicyConfigs": c.trade_policy_configs,
            "sellersToOverride": [],
            "hasPriceInheritance": c.price_inheritance != ponte_core::pricing::PriceInheritance::Never,
            "priceInheritance": c.price_inheritance,
            "hasOptionalBasePrice": c.has_optional_base_price,
            "blockAccount": false,
            "blockedRoutes": null,
            "priceTableSelectionStrategy": c.price_table_selection_strategy,
            "priceTableLimit": null,
        }))
        .into_response())
    }).await
}

async fn get_tables(c: Call) -> Response {
    c.answer(Class::Read, |p, account| {
        Ok(Json(p.tables(account)).into_response())
    })
    .await
}

async fn put_table(c: Call, Path(table): Path<String>) -> Response {
    c.answer(Class::Write, |p, account| {
        if table.trim().is_empty() {
            return Err(ApiError::InvalidPath("a price table needs a name".into()));
        }
        p.create_table(account, &table)?;
        Ok(ok())
    })
    .await
}

fn range_json(d: &ponte_core::pricing::DateRange) -> Value {
    json!({ "from": date(&d.from), "to": date(&d.to) })
}

/// A rule as the `Getrulesforapricetable` example answers it.
fn rule_json(r: &PriceRule) -> Value {
    json!({
        "id": r.id,
        "context": {
            "categories": r.context.categories,
            "brands": r.context.brands,
            "stockStatuses": null,
            "internalCategories": null,
            "markupRange": r.context.markup_range,
            "dateRange": r.context.date_range.as_ref().map(range_json),
        },
        "percentualModifier": r.percentual_modifier,
    })
}

fn table_rules_json(table: &str, rules: &[PriceRule]) -> Value {
    json!({
        "tradePolicyId": table,
        "rules": rules.iter().map(rule_json).collect::<Vec<_>>(),
    })
}

async fn get_rules(c: Call, Path(table): Path<String>) -> Response {
    c.answer(Class::Read, |p, account| {
        let rules = p.rules(account, &table);
        Ok(Json(table_rules_json(&table, &rules)).into_response())
    })
    .await
}

async fn get_all_rules(c: Call) -> Response {
    c.answer(Class::Read, |p, account| {
        let all: Vec<Value> = p
            .all_rules(account)
            .iter()
            .map(|(t, r)| table_rules_json(t, r))
            .collect();
        Ok(Json(all).into_response())
    })
    .await
}

async fn put_rules(c: Call, Path(table): Path<String>, bytes: Bytes) -> Response {
    c.answer(Class::Write, |p, account| {
        if table.trim().is_empty() {
            return Err(ApiError::InvalidPath("a price table needs a name".into()));
        }
        let input: RulesIn = body::parse(&bytes)?;
        let rules = body::rules(input, choices(&p.settings()))?;
        p.set_rules(account, &table, rules)?;
        Ok(StatusCode::CREATED.into_response())
    })
    .await
}

async fn get_settings(State(p): State<SharedPricing>) -> Response {
    Json(p.settings()).into_response()
}

async fn put_settings(State(p): State<SharedPricing>, bytes: Bytes) -> Response {
    match body::parse::<PricingSettings>(&bytes) {
        Ok(s) => {
            p.set_settings(s);
            Json(s).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn put_config(State(p): State<SharedPricing>, tenant: Tenant, bytes: Bytes) -> Response {
    let result = body::parse::<PricingConfig>(&bytes)
        .and_then(|c| p.set_config(&tenant.account, c.clone()).map(|()| c));
    match result {
        Ok(c) => Json(c).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Every price of the account (`?an=`), for tests to compare with the ERP's list.
async fn export_prices(State(p): State<SharedPricing>, tenant: Tenant) -> Response {
    Json(p.prices(&tenant.account)).into_response()
}

async fn get_stats(State(p): State<SharedPricing>) -> Response {
    Json(p.stats()).into_response()
}

async fn delete_stats(State(p): State<SharedPricing>) -> Response {
    p.reset_stats();
    StatusCode::NO_CONTENT.into_response()
}
