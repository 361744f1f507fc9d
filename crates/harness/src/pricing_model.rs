//! A naive reference model of the computed price (§D.3), written apart from `ponte-core`:
//! instants compared as Unix seconds, fixed prices sorted rather than folded, the modifier
//! rounded by remainder, and rounding endings found by searching every candidate. The
//! property test compares it with `ponte_core::pricing::compute_price` on generated requests.

use ponte_core::orders::Timestamp;
use ponte_core::pricing::{
    ComputePriceRequest, DateRange, Price, PriceInheritance, PriceRule, RoundingMethod,
};

/// What the reference computes: selling price and list price in cents, `priceValidUntil`,
/// whether a fixed price decided it, whether it was inherited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefPrice {
    pub selling: i64,
    pub list: Option<i64>,
    pub valid_until: String,
    pub fixed: bool,
    pub inherited: bool,
}

fn secs(t: &Timestamp) -> i64 {
    t.unix_seconds()
}

fn nanos(t: &Timestamp) -> &str {
    t.as_str().get(19..).unwrap_or("")
}

/// Whether `at` is inside `[from, to)`, comparing seconds then the fraction.
fn inside(r: &DateRange, at: &Timestamp) -> bool {
    let key = |t: &Timestamp| (secs(t), nanos(t).to_owned());
    key(&r.from) <= key(at) && key(at) < key(&r.to)
}

fn year_later(at: &Timestamp) -> String {
    let s = at.as_str();
    let year: i64 = s[0..4].parse().unwrap_or(0) + 1;
    let leap = year % 400 == 0 || (year % 4 == 0 && year % 100 != 0);
    let mut rest = s[4..].to_owned();
    if rest.starts_with("-02-29") && !leap {
        rest.replace_range(0..6, "-02-28");
    }
    format!("{year:04}{rest}")
}

/// `a × (10_000 + h) / 10_000`, rounded half up by remainder.
fn modify(a: i64, h: i64) -> i64 {
    let n = a as i128 * (10_000 + h as i128);
    let q = n.div_euclid(10_000);
    let r = n.rem_euclid(10_000);
    (if r * 2 >= 10_000 { q + 1 } else { q }) as i64
}

/// The rounding by search: every price within one period of `p` with the ending, the nearest
/// non-negative, a tie going up.
pub fn round_by_search(p: i64, digits: u8, method: RoundingMethod) -> i64 {
    let m = 10i64.pow(u32::from(digits));
    let ending = match method {
        RoundingMethod::Nine => 9 * m / 10,
        RoundingMethod::Nines => m - 1,
        RoundingMethod::Zero => 0,
    };
    let mut best: Option<i64> = None;
    for c in (p - m)..=(p + m) {
        if c < 0 || c.rem_euclid(m) != ending {
            continue;
        }
        best = match best {
            None => Some(c),
            Some(b) => {
                let (db, dc) = ((p - b).abs(), (p - c).abs());
                if dc < db || (dc == db && c > b) {
                    Some(c)
                } else {
                    Some(b)
                }
            }
        };
    }
    best.unwrap_or(p)
}

fn fits(rule: &PriceRule, req: &ComputePriceRequest, markup: Option<i32>) -> bool {
    let c = &rule.context;
    let cat = c.categories.is_empty()
        || req
            .category_ids
            .iter()
            .any(|id| c.categories.contains_key(id));
    let brand = c.brands.is_empty()
        || req
            .brand_id
            .as_ref()
            .is_some_and(|b| c.brands.contains_key(b));
    let markup_ok = match (c.markup_range, markup) {
        (None, _) => true,
        (Some(r), Some(m)) => r.from <= m && m <= r.to,
        (Some(_), None) => false,
    };
    let date = c.date_range.as_ref().is_none_or(|d| inside(d, &req.at));
    cat && brand && markup_ok && date
}

fn from_record(p: &Price, req: &ComputePriceRequest, inherited: bool) -> Option<RefPrice> {
    let mut fixed: Vec<_> = p
        .fixed_prices
        .iter()
        .filter(|f| {
            f.trade_policy_id == req.price_table
                && f.min_quantity <= req.quantity
                && f.date_range.as_ref().is_none_or(|d| inside(d, &req.at))
        })
        .collect();
    fixed.sort_by_key(|f| f.value.hundredths()); // stable: the first listed among equals
    if let Some(f) = fixed.first() {
        return Some(RefPrice {
            selling: f.value.hundredths(),
            list: f.list_price.or(p.list_price).map(|l| l.hundredths()),
            valid_until: f
                .date_range
                .as_ref()
                .map_or_else(|| year_later(&req.at), |d| d.to.as_str().to_owned()),
            fixed: true,
            inherited,
        });
    }
    let base = p.base_price?.hundredths();
    let mut rules: Vec<&PriceRule> = req.rules.iter().collect();
    rules.sort_by_key(|r| r.id);
    let rule = rules.into_iter().find(|r| fits(r, req, p.markup));
    let affects = req
        .config
        .trade_policy_configs
        .iter()
        .any(|c| c.trade_policy_id == req.price_table && c.rules_should_affect_list_price);
    let (mut selling, list, until) = match rule {
        Some(r) => {
            let h = r.percentual_modifier.hundredths();
            let list = p.list_price.map(|l| {
                if affects {
                    modify(l.hundredths(), h)
                } else {
                    l.hundredths()
                }
            });
            let until = r
                .context
                .date_range
                .as_ref()
                .map_or_else(|| year_later(&req.at), |d| d.to.as_str().to_owned());
            (modify(base, h), list, until)
        }
        None => (
            base,
            p.list_price.map(|l| l.hundredths()),
            year_later(&req.at),
        ),
    };
    if let Some(r) = req
        .config
        .rounding_rules
        .iter()
        .find(|r| r.from.hundredths() <= selling && selling <= r.to.hundredths())
    {
        selling = round_by_search(selling, r.digits, r.method);
    }
    Some(RefPrice {
        selling,
        list,
        valid_until: until,
        fixed: false,
        inherited,
    })
}

/// The reference computed price of a valid request.
pub fn reference_price(req: &ComputePriceRequest) -> Option<RefPrice> {
    let own = || req.price.as_ref().and_then(|p| from_record(p, req, false));
    let parent = || {
        req.parent_price
            .as_ref()
            .and_then(|p| from_record(p, req, true))
    };
    match req.config.price_inheritance {
        PriceInheritance::Never => own(),
        PriceInheritance::Nonexistent => own().or_else(parent),
        PriceInheritance::Always => parent().or_else(own),
    }
}
