//! Unit tests of the pricing rules, each naming the § it checks.

use super::*;
use crate::catalog::import::{SkuId, TradePolicyId};
use crate::orders::Timestamp;
use crate::skus::{KnownSku, SkuKey};

fn m(c: i64) -> Money {
    Money::from_hundredths(c).expect("in range")
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("date")
}

fn range(from: &str, to: &str) -> Option<DateRange> {
    Some(DateRange {
        from: t(from),
        to: t(to),
    })
}

fn fixed(table: &str, value: i64, min_quantity: u32, date_range: Option<DateRange>) -> FixedPrice {
    FixedPrice {
        trade_policy_id: table.into(),
        value: m(value),
        list_price: None,
        min_quantity,
        date_range,
    }
}

fn price(base: Option<i64>, fixed_prices: Vec<FixedPrice>) -> Price {
    Price {
        item_id: SkuId(1),
        base_price: base.map(m),
        cost_price: base.map(|b| m(b / 2)),
        markup: base.map(|_| 100),
        list_price: None,
        fixed_prices,
    }
}

fn request(p: Option<Price>) -> ComputePriceRequest {
    ComputePriceRequest {
        price: p,
        parent_price: None,
        price_table: "1".into(),
        quantity: 1,
        at: t("2024-06-10T12:00:00Z"),
        category_ids: vec!["10".into()],
        brand_id: Some("7".into()),
        rules: Vec::new(),
        config: PricingConfig::default(),
    }
}

fn computed(req: &ComputePriceRequest) -> ComputedPrice {
    compute_price(req)
        .expect("valid request")
        .price
        .expect("a price")
}

/// A rounding rule for prices from `from` to `to` cents.
fn rounding(from: i64, to: i64, digits: u8, method: RoundingMethod) -> RoundingRule {
    RoundingRule {
        from: m(from),
        to: m(to),
        digits,
        method,
    }
}

fn rule(id: u32, modifier: &str) -> PriceRule {
    PriceRule {
        id,
        context: RuleContext::default(),
        percentual_modifier: Percent::parse(modifier).expect("percent"),
    }
}

/// §D.3 step 1: applicable fixed prices win over the base price; the lowest wins when
/// quantities and dates overlap; `minQuantity` and `dateRange` filter; other tables ignored.
#[test]
fn fixed_prices_first_lowest_wins() {
    let p = price(
        Some(10000),
        vec![
            fixed("1", 9000, 1, None),
            fixed("1", 8000, 3, None),
            fixed(
                "1",
                7000,
                1,
                range("2024-06-01T00:00:00Z", "2024-06-11T00:00:00Z"),
            ),
            fixed("2", 100, 1, None),
            fixed(
                "1",
                6000,
                1,
                range("2024-07-01T00:00:00Z", "2024-07-02T00:00:00Z"),
            ),
        ],
    );
    let mut req = request(Some(p));
    let c = computed(&req);
    assert_eq!(c.selling_price, m(7000));
    assert_eq!(c.explanation.source, PriceSource::FixedPrice);
    assert_eq!(c.explanation.fixed_price_index, Some(2));
    assert_eq!(c.explanation.fixed_prices_applicable, 2);
    // The schedule's end is priceValidUntil (§D.3 step 5).
    assert_eq!(c.price_valid_until, t("2024-06-11T00:00:00Z"));
    // After the promotion, quantity 3 reaches the tier.
    req.at = t("2024-06-11T00:00:00Z");
    req.quantity = 3;
    let c = computed(&req);
    assert_eq!(c.selling_price, m(8000));
    assert_eq!(c.price_valid_until, t("2025-06-11T00:00:00Z"));
    req.quantity = 2;
    assert_eq!(computed(&req).selling_price, m(9000));
}

/// §D.3 step 1: price rules and rounding never apply to a fixed price; its list price is its
/// own, else the base list price.
#[test]
fn fixed_prices_are_final() {
    let mut p = price(Some(10000), vec![fixed("1", 5956, 1, None)]);
    p.list_price = Some(m(12000));
    let mut req = request(Some(p));
    req.rules = vec![rule(1, "20")];
    req.config.rounding_rules = vec![rounding(0, 100_000, 2, RoundingMethod::Nines)];
    let c = computed(&req);
    assert_eq!(c.selling_price, m(5956));
    assert_eq!(c.list_price, Some(m(12000)));
    assert_eq!(c.explanation.rule_id, None);
    if let Some(p) = req.price.as_mut() {
        p.fixed_prices[0].list_price = Some(m(7000));
    }
    assert_eq!(computed(&req).list_price, Some(m(7000)));
}

/// §D.3 step 2: base × (1 + modifier / 100), 1000 with 20 % is 1200; the first fitting rule
/// by id; contexts filter by category, brand, markup range and dates; the list price changes
/// only when the trade policy says so.
#[test]
fn base_price_through_the_first_fitting_rule() {
    let mut p = price(Some(100_000), Vec::new());
    p.list_price = Some(m(150_000));
    let mut req = request(Some(p));
    let mut other_brand = rule(1, "-50");
    other_brand
        .context
        .brands
        .insert("8".into(), "Other".into());
    let mut later = rule(2, "50");
    later.context.date_range = range("2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z");
    let mut in_markup = rule(4, "20");
    in_markup.context.markup_range = Some(MarkupRange { from: 50, to: 150 });
    in_markup
        .context
        .categories
        .insert("10".into(), "Shoes".into());
    req.rules = vec![rule(9, "90"), in_markup, later, other_brand];
    let c = computed(&req);
    assert_eq!(c.selling_price, m(120_000));
    assert_eq!(c.explanation.rule_id, Some(4));
    assert_eq!(c.list_price, Some(m(150_000)));
    req.config.trade_policy_configs = vec![TradePolicyPricingConfig {
        trade_policy_id: "1".into(),
        rules_should_affect_list_price: true,
    }];
    assert_eq!(computed(&req).list_price, Some(m(180_000)));
    // Outside the markup range the next rule by id applies.
    if let Some(p) = req.price.as_mut() {
        p.markup = Some(200);
    }
    assert_eq!(computed(&req).explanation.rule_id, Some(9));
    // A rule's schedule ends the price's validity.
    req.at = t("2025-01-15T00:00:00Z");
    let c = computed(&req);
    assert_eq!(c.explanation.rule_id, Some(2));
    assert_eq!(c.price_valid_until, t("2025-02-01T00:00:00Z"));
}

/// §D.3 step 3: the rounding examples of VTEX's help center, on the nearest candidate with
/// ties up, only on base-derived prices.
#[test]
fn rounding_rules() {
    use RoundingMethod::*;
    for (price, digits, method, want) in [
        (5956, 1, Nine, 5959),
        (2056, 1, Zero, 2060),
        (5956, 2, Nine, 5990),
        (507, 2, Nines, 499),
        (26356, 2, Zero, 26400),
        (5956, 3, Nine, 5900),
        (507, 3, Nines, 999),
        (26356, 3, Zero, 26000),
        (970, 3, Nines, 999),
        (1950, 2, Zero, 2000), // a tie goes up
        (5, 2, Nines, 99),     // never below zero
        (1999, 2, Nines, 1999),
    ] {
        assert_eq!(
            round_ending(m(price), digits, method),
            Some(m(want)),
            "{price} {digits} {method:?}"
        );
    }
    let mut req = request(Some(price(Some(5956), Vec::new())));
    req.config.rounding_rules = vec![rounding(0, 1000, 2, Zero), rounding(1000, 100_000, 1, Nine)];
    let c = computed(&req);
    assert_eq!(c.selling_price, m(5959));
    assert_eq!(c.explanation.before_rounding, Some(m(5956)));
    assert_eq!(c.explanation.rounding_rule_index, Some(1));
}

/// §D.3 steps 4–5: no price in the table means not sellable; `priceInheritance` decides
/// whether the parent account's price stands in; without a schedule the price holds a year.
#[test]
fn inheritance_and_validity() {
    let mut req = request(Some(price(None, vec![fixed("2", 100, 1, None)])));
    req.parent_price = Some(price(Some(4200), Vec::new()));
    assert_eq!(compute_price(&req).map(|r| r.price), Ok(None));
    req.config.price_inheritance = PriceInheritance::Nonexistent;
    let c = computed(&req);
    assert_eq!((c.selling_price, c.explanation.inherited), (m(4200), true));
    req.price = Some(price(Some(5000), Vec::new()));
    assert_eq!(computed(&req).selling_price, m(5000));
    req.config.price_inheritance = PriceInheritance::Always;
    assert_eq!(computed(&req).selling_price, m(4200));
    req.at = t("2024-02-29T10:00:00Z");
    assert_eq!(computed(&req).price_valid_until, t("2025-02-28T10:00:00Z"));
}

/// §D.3: the request itself is checked: quantity 0, negative amounts, a rule below −100 %,
/// a broken rounding rule.
#[test]
fn bad_compute_requests() {
    let mut req = request(Some(price(Some(100), vec![fixed("1", -5, 1, None)])));
    req.quantity = 0;
    req.rules = vec![rule(1, "-100.01")];
    req.config.rounding_rules = vec![rounding(10, 1, 2, RoundingMethod::Nine)];
    let codes: Vec<_> = check_compute_request(&req)
        .iter()
        .map(PricingError::code)
        .collect();
    assert_eq!(
        codes,
        [
            "PRICE_QUANTITY_INVALID",
            "AMOUNT_NEGATIVE",
            "PRICE_RULE_MODIFIER_INVALID",
            "ROUNDING_RULE_INVALID"
        ]
    );
    assert_eq!(
        compute_price(&req).map_err(|e| e.code),
        Err(PricingErrorCode::QuantityInvalid)
    );
}

/// §D.3: `priceTableSelectionStrategy` picks among tables that have a price.
#[test]
fn table_selection() {
    let at = |v: i64| {
        let mut req = request(Some(price(Some(v), Vec::new())));
        req.price_table = "1".into();
        compute_price(&req).expect("valid").price
    };
    let candidates = [None, at(300), at(100), at(300)];
    let pick = |s| select_price(&candidates, s).map(|p| p.selling_price);
    assert_eq!(pick(PriceTableSelection::First), Some(m(300)));
    assert_eq!(pick(PriceTableSelection::Lowest), Some(m(100)));
    assert_eq!(pick(PriceTableSelection::Highest), Some(m(300)));
    assert_eq!(select_price(&[None], PriceTableSelection::First), None);
}

// ---- sync (§D.5) ----

fn state() -> PricingState {
    PricingState {
        skus: (1..=4)
            .map(|i| KnownSku {
                id: SkuId(i),
                ref_id: Some(format!("R{i}")),
                ean: Some(format!("789{i}")),
            })
            .collect(),
        prices: vec![Price {
            item_id: SkuId(1),
            base_price: Some(m(25000)),
            cost_price: Some(m(1000)),
            markup: Some(2400),
            list_price: None,
            fixed_prices: vec![fixed("1", 20000, 1, None), fixed("vip", 18000, 1, None)],
        }],
        price_tables: vec!["vip".into()],
        trade_policies: vec![TradePolicyId(1), TradePolicyId(2)],
        config: PricingConfig::default(),
    }
}

fn item(r: &str) -> PriceItem {
    PriceItem {
        sku: SkuKey::ref_id(r),
        ..PriceItem::default()
    }
}

fn plan_of(s: &PricingState, items: Vec<PriceItem>) -> Result<PricePlan, Vec<PricingError>> {
    plan_prices(s, &PriceBatch { items })
}

fn replan_is_empty(s: &PricingState, items: Vec<PriceItem>) {
    let plan = plan_of(s, items.clone()).expect("valid");
    let after = apply_price_plan(s, &plan).expect("applies");
    let again = plan_of(&after, items).expect("still valid");
    assert!(again.writes.is_empty(), "{again:?}");
}

/// §D.5: an item equal to what is held writes nothing; a new fixed price is a PATCH that
/// sends only it, so the held ones stay.
#[test]
fn only_changes_are_written_and_patch_upserts() {
    let s = state();
    let mut same = item("R1");
    same.cost_price = Some(m(1000));
    same.markup = Some(2400);
    same.fixed_prices = vec![fixed("1", 20000, 1, None)];
    let plan = plan_of(&s, vec![same.clone()]).expect("valid");
    assert!(plan.writes.is_empty());
    assert_eq!(plan.summary.unchanged, 1);

    let mut new_tier = item("R1");
    new_tier.fixed_prices = vec![fixed("1", 19000, 5, None), fixed("1", 20000, 1, None)];
    let plan = plan_of(&s, vec![new_tier.clone()]).expect("valid");
    assert_eq!(plan.writes.len(), 1);
    let w = &plan.writes[0];
    assert_eq!(w.method, PriceWriteMethod::PatchFixed);
    assert_eq!(w.fixed_prices, vec![fixed("1", 19000, 5, None)]);
    let after = apply_price_plan(&s, &plan).expect("applies");
    assert_eq!(after.prices[0].fixed_prices.len(), 3, "nothing deleted");
    replan_is_empty(&s, vec![new_tier]);
}

/// §D.5: a base price change is a PUT that carries every fixed price the SKU keeps.
#[test]
fn a_base_change_puts_and_keeps_fixed_prices() {
    let s = state();
    let mut change = item("R1");
    change.base_price = Some(m(26000));
    change.markup = Some(2400);
    let plan = plan_of(&s, vec![change.clone()]).expect("valid");
    let w = &plan.writes[0];
    assert_eq!(w.method, PriceWriteMethod::Put);
    let put = w.put.as_ref().expect("a body");
    assert_eq!(
        (put.base_price, put.cost_price, put.markup),
        (Some(m(26000)), None, Some(2400))
    );
    assert_eq!(put.fixed_prices, s.prices[0].fixed_prices);
    assert!(w.removed_fixed_prices.is_empty());
    replan_is_empty(&s, vec![change]);
}

/// §D.5: only an explicit removal deletes a fixed price; the PUT keeps the held base price
/// exactly and every other fixed price; removing what is absent is a no-op.
#[test]
fn explicit_removal_is_the_only_delete() {
    let s = state();
    let mut remove = item("R1");
    remove.remove_fixed_prices = vec![fixed("vip", 0, 1, None).key()];
    let plan = plan_of(&s, vec![remove.clone()]).expect("valid");
    let w = &plan.writes[0];
    assert_eq!(w.method, PriceWriteMethod::Put);
    assert_eq!(w.removed_fixed_prices, vec![fixed("vip", 0, 1, None).key()]);
    let after = apply_price_plan(&s, &plan).expect("applies");
    let p = &after.prices[0];
    assert_eq!(p.fixed_prices, vec![fixed("1", 20000, 1, None)]);
    assert_eq!(
        (p.base_price, p.cost_price, p.markup),
        (Some(m(25000)), Some(m(1000)), Some(2400))
    );
    replan_is_empty(&s, vec![remove.clone()]);
    let mut absent = item("R2");
    absent.remove_fixed_prices = remove.remove_fixed_prices.clone();
    assert!(plan_of(&s, vec![absent]).expect("valid").writes.is_empty());
}

/// §D.5 with §D.2: every error of a batch at once, each with its code and path.
#[test]
fn every_error_with_code_and_path() {
    let mut s = state();
    s.config.price_variation.upper_limit = Percent::parse("10");
    let mut three = item("R4");
    three.base_price = Some(m(1));
    three.cost_price = Some(m(1));
    three.markup = Some(1);
    let mut bad_fixed = item("R2");
    bad_fixed.fixed_prices = vec![
        fixed("nope", 100, 1, None),
        fixed(
            "1",
            -1,
            0,
            range("2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z"),
        ),
        fixed("nope", 100, 1, None),
    ];
    bad_fixed
        .remove_fixed_prices
        .push(fixed("01", 0, 1, None).key());
    let unknown = item("R404");
    let mut dup = item("R2");
    dup.sku.ean = Some("7892".into());
    let mut mismatch = item("R1");
    mismatch.sku.ean = Some("7893".into());
    let mut conflict = item("R3");
    conflict.fixed_prices = vec![fixed("2", 100, 1, None)];
    conflict.remove_fixed_prices = vec![fixed("2", 0, 1, None).key()];
    let mut jump = PriceItem {
        sku: SkuKey {
            ref_id: None,
            ean: Some("7891".into()),
        },
        ..PriceItem::default()
    };
    jump.base_price = Some(m(30000));
    jump.markup = Some(2400);
    let got: Vec<(String, &str)> = plan_of(
        &s,
        vec![
            three,
            bad_fixed,
            unknown,
            dup,
            mismatch,
            conflict,
            jump,
            PriceItem::default(),
        ],
    )
    .expect_err("invalid")
    .iter()
    .map(|e| (e.path.clone(), e.code()))
    .collect();
    let want: Vec<(String, &str)> = [
        ("items[0]", "BASE_PRICE_OVERDETERMINED"),
        ("items[1].fixedPrices[1].value", "AMOUNT_NEGATIVE"),
        (
            "items[1].fixedPrices[0].tradePolicyId",
            "PRICE_TABLE_NOT_FOUND",
        ),
        (
            "items[1].fixedPrices[1].minQuantity",
            "MIN_QUANTITY_INVALID",
        ),
        ("items[1].fixedPrices[1].dateRange", "DATE_RANGE_INVALID"),
        (
            "items[1].fixedPrices[2].tradePolicyId",
            "PRICE_TABLE_NOT_FOUND",
        ),
        ("items[1].fixedPrices[2]", "FIXED_PRICE_DUPLICATE"),
        (
            "items[1].removeFixedPrices[0].tradePolicyId",
            "PRICE_TABLE_NOT_FOUND",
        ),
        ("items[2]", "PRICING_SKU_NOT_FOUND"),
        ("items[3]", "PRICING_SKU_DUPLICATE"),
        ("items[4]", "PRICING_SKU_KEY_MISMATCH"),
        (
            "items[5].removeFixedPrices[0]",
            "FIXED_PRICE_REMOVAL_CONFLICT",
        ),
        ("items[6].basePrice", "PRICE_VARIATION_EXCEEDED"),
        ("items[7]", "PRICING_SKU_KEY_MISSING"),
    ]
    .iter()
    .map(|(p, c)| ((*p).to_owned(), *c))
    .collect();
    assert_eq!(got, want);
}

/// §D.2 limiter on fixed prices: replacing a fixed price's value is limited like the base.
#[test]
fn the_limiter_applies_to_a_replaced_fixed_price() {
    let mut s = state();
    s.config.price_variation.lower_limit = Percent::parse("10");
    let mut cut = item("R1");
    cut.fixed_prices = vec![fixed("1", 17000, 1, None)];
    let e = plan_of(&s, vec![cut.clone()]).expect_err("15% down");
    assert_eq!(
        (e[0].path.as_str(), e[0].code()),
        ("items[0].fixedPrices[0].value", "PRICE_VARIATION_EXCEEDED")
    );
    cut.fixed_prices = vec![fixed("1", 18000, 1, None)];
    assert!(plan_of(&s, vec![cut]).is_ok());
}

/// §D.5: fixed prices for an SKU with no base price are refused while the account requires
/// one; with an optional base price, a removal is a PUT without base fields.
#[test]
fn writes_need_a_base_price_unless_optional() {
    let mut s = state();
    s.prices.push(Price {
        item_id: SkuId(2),
        base_price: None,
        cost_price: None,
        markup: None,
        list_price: None,
        fixed_prices: vec![fixed("1", 500, 1, None), fixed("2", 400, 1, None)],
    });
    let mut remove = item("R2");
    remove.remove_fixed_prices = vec![fixed("2", 0, 1, None).key()];
    let mut add = item("R3");
    add.fixed_prices = vec![fixed("1", 100, 1, None)];
    let e = plan_of(&s, vec![remove.clone(), add.clone()]).expect_err("no base");
    let codes: Vec<_> = e.iter().map(|e| (e.path.as_str(), e.code())).collect();
    assert_eq!(
        codes,
        [
            ("items[0]", "BASE_PRICE_MISSING"),
            ("items[1]", "BASE_PRICE_MISSING")
        ]
    );
    // Giving a base price makes it a PUT that keeps the other fixed price.
    let mut with_base = add.clone();
    with_base.base_price = Some(m(300));
    let plan = plan_of(&s, vec![with_base]).expect("a base");
    assert_eq!(plan.writes[0].method, PriceWriteMethod::Put);
    s.config.has_optional_base_price = true;
    let plan = plan_of(&s, vec![remove.clone(), add.clone()]).expect("optional base");
    let put = plan.writes[0].put.as_ref().expect("a PUT");
    assert_eq!(put.base_price, None);
    assert_eq!(put.fixed_prices, vec![fixed("1", 500, 1, None)]);
    assert_eq!(plan.writes[1].method, PriceWriteMethod::PatchFixed);
    replan_is_empty(&s, vec![remove, add]);
}

/// The operations through the JSON boundary (`ops::call`), as Node calls them.
#[test]
fn through_the_json_boundary() {
    let answer = crate::ops::call(
        "planPriceSync",
        r#"{"current":{"skus":[{"id":1,"refId":"R1"}],"tradePolicies":[1]},
            "batch":{"items":[{"refId":"R1","costPrice":10,"markup":2400,
              "fixedPrices":[{"tradePolicyId":"1","value":199.9,"minQuantity":2}]}]}}"#,
    )
    .expect("an answer");
    let v: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(v["errors"], serde_json::json!([]));
    assert_eq!(v["plan"]["writes"][0]["method"], "put");
    assert_eq!(
        v["plan"]["writes"][0]["put"]["fixedPrices"][0]["value"],
        199.9
    );
    let answer = crate::ops::call(
        "computePrice",
        r#"{"price":{"itemId":1,"basePrice":1000},"priceTable":"1","quantity":1,
            "at":"2024-06-10T12:00:00Z",
            "rules":[{"id":1,"percentualModifier":20}]}"#,
    )
    .expect("an answer");
    let v: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(v["price"]["sellingPrice"], 1200);
    assert_eq!(v["price"]["explanation"]["ruleId"], 1);
    let e = crate::ops::call(
        "computePrice",
        r#"{"priceTable":"1","quantity":0,"at":"2024-06-10T12:00:00Z"}"#,
    )
    .expect_err("quantity 0");
    assert_eq!(e.code, "PRICE_QUANTITY_INVALID");
    let e = crate::ops::call(
        "computePrice",
        r#"{"priceTable":"1","quantity":1,"at":"2024-06-10T12:00:00Z",
            "price":{"itemId":1,"basePrice":0.001}}"#,
    )
    .expect_err("three decimals");
    assert_eq!(e.code, "INPUT_INVALID");
}

/// §D.1: the wire shapes are VTEX's (camelCase, decimals, `minQuantity` defaulting to 1).
#[test]
fn wire_shapes() {
    let p: Price = serde_json::from_str(
        r#"{"itemId":1,"listPrice":300,"costPrice":10,"markup":2400,"basePrice":250,
            "fixedPrices":[{"tradePolicyId":"1","value":666.66,"listPrice":null,"minQuantity":1},
            {"tradePolicyId":"9","value":600,"dateRange":{"from":"2017-12-07T14:30:00Z","to":"2017-12-30T14:30:00Z"}}]}"#,
    )
    .expect("VTEX's example");
    assert_eq!(p.fixed_prices[0].value, m(66666));
    assert_eq!(p.fixed_prices[1].min_quantity, 1);
    let back = serde_json::to_value(&p).expect("encode");
    assert_eq!(back["fixedPrices"][0]["value"], serde_json::json!(666.66));
    assert_eq!(back["basePrice"], serde_json::json!(250));
    let item: PriceItem =
        serde_json::from_str(r#"{"refId":"R1","costPrice":10.5,"markup":30}"#).expect("item");
    assert_eq!(item.sku, SkuKey::ref_id("R1"));
}
