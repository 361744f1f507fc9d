//! Pricing v2: an SKU's base price and fixed prices, the computed price, the account's pricing
//! configuration and price tables, behind Pricing's rate limits.
//!
//! VTEX serves it on `api.vtex.com/{account}/pricing/...` (`docs/vtex/0-conventions.md` §0; the
//! Pricing OpenAPI file's `servers`); the front ([`crate::platform::http`]) takes the account
//! from the first path segment, so the routes here are `/pricing/...`. Straight to the
//! simulator, `/pricing/...?an={account}` (or the default account) reaches the same handlers.
//!
//! | Endpoint | Source |
//! |---|---|
//! | `GET /pricing/prices/{itemId}` → `{itemId, listPrice, costPrice, markup, basePrice, fixedPrices}` | OpenAPI Pricing `GetPrice`; `docs/vtex/D-pricing.md` §D.1 |
//! | `PUT /pricing/prices/{itemId}` → `200`: replaces the base price **and every fixed price** | OpenAPI `CreateUpdatePriceOrFixedPrice`; §D.1, §D.2 |
//! | `DELETE /pricing/prices/{itemId}` → `200`: the base price and all fixed prices | OpenAPI `DeletePrice`; §D.1 |
//! | `GET /pricing/prices/{itemId}/fixed` | OpenAPI `GetFixedPrices`; §D.1 |
//! | `PATCH /pricing/prices/{itemId}/fixed` `[fixed prices]` → `200`: upserts by (`tradePolicyId`, `minQuantity`, `dateRange`), `minQuantity` defaulting to 1, deletes nothing | OpenAPI `CreateUpdatePriceOrFixedPriceNoRemove`; §D.1 |
//! | `POST /pricing/prices/{itemId}/fixed/{priceTableId}` `[{value, listPrice, minQuantity, dateRange}]` → `200` | OpenAPI; §D.1 ("sets one table's fixed prices") |
//! | `GET` / `DELETE /pricing/prices/{itemId}/fixed/{priceTableId}` | OpenAPI; §D.1 |
//! | `GET /pricing/prices/{itemId}/computed/{priceTableId}?categoryIds=&brandId=&quantity=` | OpenAPI `GetComputedPricebypricetable`; §D.3, computed by ponte-core's `compute_price` |
//! | `GET /pricing/prices/{itemId}/computed` (every table with a fixed price) | OpenAPI; §D.1 |
//! | `GET /pricing/config` | OpenAPI `GetPricingConfig`; §D.1 |
//! | `GET /pricing/tables`, `PUT /pricing/tables/{priceTableId}` | OpenAPI; §D.1 |
//! | `PUT /pricing/pipeline/catalog/{priceTableId}` `{rules}` → `201`: replaces the table's price rules | OpenAPI `Updaterulesforapricetable`; §D.1 |
//! | `GET /pricing/pipeline/catalog/{priceTableId}` → `{tradePolicyId, rules}`; `GET /pricing/pipeline/catalog` → one such per table with rules | OpenAPI `Getrulesforapricetable`, `getallpricetablesandrules`; §D.1 |
//!
//! VTEX's rules applied, before any effect:
//! - exactly two of `basePrice`, `costPrice`, `markup`; all three refused (`400
//!   BASE_PRICE_OVERDETERMINED`), cost or markup alone refused (`400
//!   BASE_PRICE_UNDERDETERMINED`); `basePrice = costPrice × (1 + markup / 100)`, the other pairs
//!   derive the third; the base alone derives the cost with `defaultMarkup` (§D.2, §H.6 and
//!   §H.9 for the formula's two readings), through ponte-core's `resolve_base`;
//! - fixed prices need `tradePolicyId` (not on the table path), `value` and, on `PUT`,
//!   `minQuantity` (the OpenAPI `required` lists); `dateRange.to` after `from` (§D.2); the
//!   price variation limiter of the account's `priceVariation` (§D.2; comparisons as §D.4:
//!   the base price against the held one, a fixed price against the held entry with its key;
//!   ponte-core's `check_variation`) refuses with `400 PRICE_VARIATION_EXCEEDED`;
//! - a price rule needs `id` and `percentualModifier` (the OpenAPI `required` list); a
//!   modifier below −100 % is refused (`400 PRICE_RULE_MODIFIER_INVALID`, §D.4); the computed
//!   price applies the table's first fitting rule by `id` (§D.3, §H.8) through ponte-core;
//! - the rate limits of [`ratelimit`], `429` with `Retry-After` and `Ratelimit-*` headers.
//!
//! A per-call latency (`latencyMs`, `latencyJitterMs` in [`PricingSettings`], 0 by default)
//! delays every accepted call, so a client's pacing meets VTEX-like round trips.
//!
//! Every error is JSON `{"Message", "code"}` (the simulator's VTEX error shape,
//! [`crate::platform::error`]). Where VTEX is silent, **[sim's choice]**, configurable in
//! [`PricingSettings`] (`SimConfig::pricing`, `GET|PUT /_sim/pricing/settings`) or in the
//! account's pricing configuration (`PUT /_sim/pricing/config`):
//! - the status of a refused write is `400` (§D.2 says the request "fails");
//! - a write giving none of base, cost and markup is refused (`400 BASE_PRICE_MISSING`)
//!   unless the account has `hasOptionalBasePrice` (inferred from the setting's name, §D.5),
//!   also for `PATCH`/`POST` on an SKU with no price yet;
//! - a `dateRange` with `to` equal to `from` is refused (`refuseEmptyDateRange`, default
//!   true: "identical values may cause an error"; the `PATCH` example has one, §H.9);
//! - `POST .../fixed/{priceTableId}` replaces that table's fixed prices
//!   (`postFixedReplacesTable`, default true; false upserts as `PATCH` does);
//! - an SKU without a price answers `404 PRICE_NOT_FOUND` on every read and delete, as does a
//!   computed price where the SKU has none in the table; missing credentials `401`;
//! - two fixed prices with one key in a body are refused (`400 FIXED_PRICE_DUPLICATE`); a
//!   negative amount or a `minQuantity` below 1 too;
//! - a price table need not be listed by `GET /pricing/tables` (VTEX also takes a trade
//!   policy's name there); `GET /pricing/tables` lists `"1"` and the tables created;
//! - the SKU is not looked up in the Catalog; `itemId` must be a positive integer;
//! - dates are answered in UTC (`2021-12-31T01:00:00Z`), as the `GetPrice` example writes them;
//! - price rules: two rules with one `id` in a table, a `markupRange` whose `from` is above its
//!   `to`, are refused (`400 PRICE_RULE_INVALID`); a missing `context` (or context field) means
//!   "any"; the table need not exist; a table without rules answers `{tradePolicyId, rules: []}`
//!   (VTEX does not say); `stockStatuses` and `internalCategories` are answered `null`.
//!
//! **[sim's limit]**: amounts are held in cents (ponte-core's `Money`): a value with more than
//! two decimals is refused `400 REQUEST_BODY_INVALID`; rounding rules and price inheritance from a parent account are not served (the computed
//! price uses the configuration's rounding rules only if a test sets them); the rate-limit
//! buckets and [`PricingSettings`] are in memory (a restart takes them from `SimConfig`). Prices, the account configuration and the tables persist in the store
//! (`pricing_prices`, `pricing_meta`).

mod body;
pub mod ratelimit;
mod routes;

pub use routes::{routes, sim_routes};

use crate::platform::clock::SimClock;
use crate::platform::error::{ApiError, StoreError};
use crate::platform::store::{Store, decode, encode};
use ponte_core::catalog::import::SkuId;
use ponte_core::pricing::{Price, PriceRule, PricingConfig};
use ratelimit::{Limiter, RateLimits};
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// `(account, itemId)` → JSON [`Price`].
const PRICES: TableDefinition<(&str, u32), &str> = TableDefinition::new("pricing_prices");
/// `(account, "config" | "tables" | "rules/{priceTableId}")` → JSON.
const META: TableDefinition<(&str, &str), &str> = TableDefinition::new("pricing_meta");

/// The simulator's choices where VTEX is silent, and the rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PricingSettings {
    pub rate_limits: RateLimits,
    pub refuse_empty_date_range: bool,
    pub post_fixed_replaces_table: bool,
    /// Added to every Pricing call (after the rate limit): `latencyMs` plus a deterministic
    /// pseudo-random `0..=latencyJitterMs`, so a client's pacing meets VTEX-like round trips
    /// (0 by default; the bench uses 50–150 ms).
    pub latency_ms: u64,
    pub latency_jitter_ms: u64,
}

impl Default for PricingSettings {
    fn default() -> Self {
        PricingSettings {
            rate_limits: RateLimits::default(),
            refuse_empty_date_range: true,
            post_fixed_replaces_table: true,
            latency_ms: 0,
            latency_jitter_ms: 0,
        }
    }
}

/// Counters for tests (`GET /_sim/pricing/stats`).
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PricingStats {
    /// Accepted writes per `METHOD /pricing/...` pattern.
    pub writes: BTreeMap<String, u64>,
    /// Requests refused with `429`.
    pub rate_limited: u64,
}

#[derive(Debug, Default)]
struct State {
    prices: BTreeMap<(String, u32), Price>,
    configs: BTreeMap<String, PricingConfig>,
    tables: BTreeMap<String, Vec<String>>,
    /// `(account, priceTableId)` → the table's price rules.
    rules: BTreeMap<(String, String), Vec<PriceRule>>,
    stats: PricingStats,
}

/// Pricing's state: prices, account configurations and tables, written through to the store.
#[derive(Debug)]
pub struct Pricing {
    store: Store,
    clock: Arc<SimClock>,
    settings: Mutex<PricingSettings>,
    limiter: Limiter,
    state: Mutex<State>,
    /// The latency's jitter.
    jitter: crate::platform::rng::Jitter,
}

pub type SharedPricing = Arc<Pricing>;

impl Pricing {
    /// Creates the tables and loads what they hold.
    pub fn load(
        store: Store,
        clock: Arc<SimClock>,
        settings: PricingSettings,
    ) -> Result<Pricing, StoreError> {
        store.create_tables(|txn| {
            txn.open_table(PRICES)?;
            txn.open_table(META)?;
            Ok(())
        })?;
        let mut state = State::default();
        let txn = store.read()?;
        for entry in txn.open_table(PRICES)?.iter()? {
            let (key, value) = entry?;
            let (account, id) = key.value();
            let price: Price = decode(value.value(), "price", || format!("{account}/{id}"))?;
            state.prices.insert((account.to_owned(), id), price);
        }
        for entry in txn.open_table(META)?.iter()? {
            let (key, value) = entry?;
            let (account, name) = key.value();
            let what = || format!("{account}/{name}");
            match name {
                "config" => {
                    let c = decode(value.value(), "pricing config", what)?;
                    state.configs.insert(account.to_owned(), c);
                }
                "tables" => {
                    let t = decode(value.value(), "price tables", what)?;
                    state.tables.insert(account.to_owned(), t);
                }
                _ => {
                    if let Some(table) = name.strip_prefix("rules/") {
                        let r = decode(value.value(), "price rules", what)?;
                        state
                            .rules
                            .insert((account.to_owned(), table.to_owned()), r);
                    }
                }
            }
        }
        drop(txn);
        Ok(Pricing {
            store,
            clock,
            settings: Mutex::new(settings),
            limiter: Limiter::default(),
            state: Mutex::new(state),
            jitter: crate::platform::rng::Jitter::new(42),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn settings(&self) -> PricingSettings {
        *self.settings.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set_settings(&self, settings: PricingSettings) {
        *self.settings.lock().unwrap_or_else(PoisonError::into_inner) = settings;
        self.limiter.reset();
    }

    /// The SKU's price, if it has one.
    pub fn price(&self, account: &str, item: SkuId) -> Option<Price> {
        self.state()
            .prices
            .get(&(account.to_owned(), item.0))
            .cloned()
    }

    /// Every price of the account, by SKU id (the simulator's export, `GET /_sim/pricing/prices`).
    pub fn prices(&self, account: &str) -> Vec<Price> {
        self.state()
            .prices
            .iter()
            .filter(|((a, _), _)| a == account)
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// The account's pricing configuration (defaults until a test sets one).
    pub fn config(&self, account: &str) -> PricingConfig {
        self.state()
            .configs
            .get(account)
            .cloned()
            .unwrap_or_default()
    }

    /// The account's price tables: `"1"` (the main trade policy's) and those created.
    pub fn tables(&self, account: &str) -> Vec<String> {
        let mut tables = vec!["1".to_owned()];
        for t in self.state().tables.get(account).into_iter().flatten() {
            if !tables.contains(t) {
                tables.push(t.clone());
            }
        }
        tables
    }

    /// Runs `change` on the SKU's held price under the lock; `Ok(Some(p))` stores `p`,
    /// `Ok(None)` removes the record; committed before returning. `label` counts the write.
    pub fn write_price(
        &self,
        account: &str,
        item: SkuId,
        label: &str,
        change: impl FnOnce(Option<&Price>, &PricingConfig) -> Result<Option<Price>, ApiError>,
    ) -> Result<(), ApiError> {
        let mut state = self.state();
        let key = (account.to_owned(), item.0);
        let config = state.configs.get(account).cloned().unwrap_or_default();
        let next = change(state.prices.get(&key), &config)?;
        let txn = self.store.write().map_err(ApiError::from)?;
        {
            let mut table = txn.open_table(PRICES).map_err(StoreError::from)?;
            match &next {
                Some(p) => {
                    table
                        .insert((account, item.0), encode(p, "price")?.as_str())
                        .map_err(StoreError::from)?;
                }
                None => {
                    table.remove((account, item.0)).map_err(StoreError::from)?;
                }
            }
        }
        txn.commit().map_err(StoreError::from)?;
        match next {
            Some(p) => state.prices.insert(key, p),
            None => state.prices.remove(&key),
        };
        *state.stats.writes.entry(label.to_owned()).or_default() += 1;
        Ok(())
    }

    fn write_meta<T: Serialize>(&self, account: &str, name: &str, v: &T) -> Result<(), ApiError> {
        let txn = self.store.write().map_err(ApiError::from)?;
        {
            let mut table = txn.open_table(META).map_err(StoreError::from)?;
            table
                .insert((account, name), encode(v, "pricing meta")?.as_str())
                .map_err(StoreError::from)?;
        }
        txn.commit().map_err(StoreError::from)?;
        Ok(())
    }

    /// Replaces the account's configuration (`PUT /_sim/pricing/config`).
    pub fn set_config(&self, account: &str, config: PricingConfig) -> Result<(), ApiError> {
        let mut state = self.state();
        self.write_meta(account, "config", &config)?;
        state.configs.insert(account.to_owned(), config);
        Ok(())
    }

    /// Creates a price table (idempotent).
    pub fn create_table(&self, account: &str, table: &str) -> Result<(), ApiError> {
        let mut state = self.state();
        let mut tables = state.tables.get(account).cloned().unwrap_or_default();
        if table != "1" && !tables.iter().any(|t| t == table) {
            tables.push(table.to_owned());
            self.write_meta(account, "tables", &tables)?;
            state.tables.insert(account.to_owned(), tables);
        }
        Ok(())
    }

    /// The table's price rules (none until a `PUT` sets them).
    pub fn rules(&self, account: &str, table: &str) -> Vec<PriceRule> {
        self.state()
            .rules
            .get(&(account.to_owned(), table.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Every table of the account with rules, in table order.
    pub fn all_rules(&self, account: &str) -> Vec<(String, Vec<PriceRule>)> {
        self.state()
            .rules
            .iter()
            .filter(|((a, _), r)| a == account && !r.is_empty())
            .map(|((_, t), r)| (t.clone(), r.clone()))
            .collect()
    }

    /// Replaces the table's price rules (`PUT /pricing/pipeline/catalog/{priceTableId}`).
    pub fn set_rules(
        &self,
        account: &str,
        table: &str,
        rules: Vec<PriceRule>,
    ) -> Result<(), ApiError> {
        let mut state = self.state();
        self.write_meta(account, &format!("rules/{table}"), &rules)?;
        state
            .rules
            .insert((account.to_owned(), table.to_owned()), rules);
        *state
            .stats
            .writes
            .entry("PUT /pricing/pipeline/catalog/{priceTableId}".to_owned())
            .or_default() += 1;
        Ok(())
    }

    pub fn stats(&self) -> PricingStats {
        let mut stats = self.state().stats.clone();
        stats.rate_limited = self.limiter.refused();
        stats
    }

    pub fn reset_stats(&self) {
        self.state().stats = PricingStats::default();
    }

    /// This call's added latency ([`PricingSettings::latency_ms`]).
    fn latency(&self) -> std::time::Duration {
        let s = self.settings();
        self.jitter.delay(s.latency_ms, s.latency_jitter_ms)
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
