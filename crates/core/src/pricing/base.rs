//! The base price formula and the write rules (§D.2): exactly two of base, cost and markup;
//! the price variation limiter.

use super::error::PricingErrorCode;
use super::model::PriceVariation;
use super::money::{Money, div_round_half_up};
use serde::{Deserialize, Serialize};

/// Which two of the three a write gave (§D.2), or the base alone (§H.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum BaseForm {
    CostAndMarkup,
    BaseAndMarkup,
    BaseAndCost,
    BaseOnly,
}

/// The base, cost and markup VTEX stores after a write (§D.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BaseTriple {
    pub base_price: Money,
    pub cost_price: Money,
    pub markup: i32,
}

/// A rule broken by a write, with what to say about it.
pub type Refusal = (PricingErrorCode, String);

fn money(v: i128) -> Result<Money, Refusal> {
    i64::try_from(v)
        .ok()
        .and_then(Money::from_hundredths)
        .ok_or_else(|| {
            (
                PricingErrorCode::AmountOutOfRange,
                "the computed amount is beyond 10^13 currency units".to_owned(),
            )
        })
}

fn check_markup(markup: i32) -> Result<(), Refusal> {
    if markup <= -100 {
        Err((
            PricingErrorCode::MarkupInvalid,
            format!("markup {markup}% leaves no price; it must be above -100"),
        ))
    } else {
        Ok(())
    }
}

/// `basePrice = costPrice × (1 + markup / 100)`, rounded half up to the cent (§D.2).
///
/// ```
/// use ponte_core::pricing::{Money, base_from_cost};
/// let cost = Money::from_hundredths(1000).unwrap(); // 10
/// assert_eq!(base_from_cost(cost, 2400).unwrap().hundredths(), 25000); // 250
/// ```
pub fn base_from_cost(cost: Money, markup: i32) -> Result<Money, Refusal> {
    check_markup(markup)?;
    let n = i128::from(cost.hundredths()) * (100 + i128::from(markup));
    money(div_round_half_up(n, 100).unwrap_or_default())
}

/// `costPrice = basePrice / (1 + markup / 100)`, rounded half up to the cent (§D.2).
pub fn cost_from_base(base: Money, markup: i32) -> Result<Money, Refusal> {
    check_markup(markup)?;
    let d = 100 + i128::from(markup);
    let q = div_round_half_up(i128::from(base.hundredths()) * 100, d);
    money(q.unwrap_or_default())
}

/// The whole-percent markup that takes `cost` to `base`, rounded half up; 0 when the cost is 0
/// (§D.4).
pub fn markup_from(base: Money, cost: Money) -> Result<i32, Refusal> {
    if cost.hundredths() == 0 {
        return Ok(0);
    }
    let n = (i128::from(base.hundredths()) - i128::from(cost.hundredths())) * 100;
    let m = div_round_half_up(n, i128::from(cost.hundredths())).unwrap_or_default();
    i32::try_from(m).map_err(|_| {
        (
            PricingErrorCode::AmountOutOfRange,
            "the markup between that base and cost does not fit".to_owned(),
        )
    })
}

/// What a write gives: the form and the stored triple, `None` when it gives none of the three
/// (§D.2). Amounts must already be checked non-negative.
pub fn resolve_base(
    base: Option<Money>,
    cost: Option<Money>,
    markup: Option<i32>,
    default_markup: i32,
) -> Result<Option<(BaseForm, BaseTriple)>, Refusal> {
    let triple = |b, c, m| BaseTriple {
        base_price: b,
        cost_price: c,
        markup: m,
    };
    Ok(Some(match (base, cost, markup) {
        (None, None, None) => return Ok(None),
        (Some(_), Some(_), Some(_)) => {
            return Err((
                PricingErrorCode::BasePriceOverdetermined,
                "give exactly two of basePrice, costPrice and markup, not all three".to_owned(),
            ));
        }
        (None, Some(c), Some(m)) => (BaseForm::CostAndMarkup, triple(base_from_cost(c, m)?, c, m)),
        (Some(b), None, Some(m)) => (BaseForm::BaseAndMarkup, triple(b, cost_from_base(b, m)?, m)),
        (Some(b), Some(c), None) => (BaseForm::BaseAndCost, triple(b, c, markup_from(b, c)?)),
        (Some(b), None, None) => (
            BaseForm::BaseOnly,
            triple(b, cost_from_base(b, default_markup)?, default_markup),
        ),
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err((
                PricingErrorCode::BasePriceUnderdetermined,
                "costPrice and markup go together (or give basePrice)".to_owned(),
            ));
        }
    }))
}

/// The two of three that reproduce `held` exactly when written again, so that a write which
/// must carry the current base price (a `PUT` for another reason) does not move it (§D.4).
pub fn carry_form(held: &BaseTriple) -> BaseForm {
    if base_from_cost(held.cost_price, held.markup).ok() == Some(held.base_price) {
        BaseForm::CostAndMarkup
    } else if cost_from_base(held.base_price, held.markup).ok() == Some(held.cost_price) {
        BaseForm::BaseAndMarkup
    } else {
        BaseForm::BaseAndCost
    }
}

/// The price variation limiter (§D.2): refuses moving `current` to `new` by more than
/// `upperLimit` percent up or `lowerLimit` percent down. A limit exactly reached is allowed; a
/// current value of 0 has no percentage and is not limited (§D.4).
///
/// ```
/// use ponte_core::pricing::{Money, Percent, PriceVariation, check_variation};
/// let m = |c| Money::from_hundredths(c).unwrap();
/// let limits = PriceVariation { upper_limit: Percent::parse("50"), lower_limit: Percent::parse("10") };
/// assert!(check_variation(m(10000), m(15000), &limits).is_ok());
/// assert!(check_variation(m(10000), m(16000), &limits).is_err());
/// assert!(check_variation(m(10000), m(2000), &limits).is_err());
/// ```
pub fn check_variation(current: Money, new: Money, limits: &PriceVariation) -> Result<(), Refusal> {
    let cur = i128::from(current.hundredths());
    let delta = i128::from(new.hundredths()) - cur;
    if cur <= 0 || delta == 0 {
        return Ok(());
    }
    // delta / cur × 100 % > limit %  ⟺  delta × 10_000 > limit (in hundredths of %) × cur.
    let (limit, word) = if delta > 0 {
        (limits.upper_limit, "increased")
    } else {
        (limits.lower_limit, "decreased")
    };
    match limit {
        Some(l) if delta.abs() * 10_000 > i128::from(l.hundredths()) * cur => Err((
            PricingErrorCode::PriceVariationExceeded,
            format!("price cannot be {word} more than {l}% at a time, from {current} to {new}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::Percent;

    fn m(c: i64) -> Money {
        Money::from_hundredths(c).expect("in range")
    }

    /// §D.2: cost 10 with markup 2400 gives base 250; the two other pairs derive the third.
    #[test]
    fn the_base_price_formula() {
        let r = resolve_base(None, Some(m(1000)), Some(2400), 0).expect("valid");
        assert_eq!(
            r,
            Some((
                BaseForm::CostAndMarkup,
                BaseTriple {
                    base_price: m(25000),
                    cost_price: m(1000),
                    markup: 2400
                }
            ))
        );
        let r = resolve_base(Some(m(25000)), None, Some(2400), 0).expect("valid");
        assert_eq!(r.map(|x| x.1.cost_price), Some(m(1000)));
        let r = resolve_base(Some(m(15000)), Some(m(10000)), None, 0).expect("valid");
        assert_eq!(r.map(|x| x.1.markup), Some(50));
        // Rounded half up to the cent: 0.03 × 1.5 = 0.045 → 0.05.
        assert_eq!(base_from_cost(m(3), 50).map(Money::hundredths), Ok(5));
    }

    /// §D.2: exactly two of three; all three fail; one of cost or markup alone fails; the
    /// base alone derives the cost with the default markup (§H.6).
    #[test]
    fn exactly_two_of_three() {
        let e = resolve_base(Some(m(1)), Some(m(1)), Some(1), 0).expect_err("three");
        assert_eq!(e.0, PricingErrorCode::BasePriceOverdetermined);
        let e = resolve_base(None, Some(m(1)), None, 0).expect_err("cost alone");
        assert_eq!(e.0, PricingErrorCode::BasePriceUnderdetermined);
        let e = resolve_base(None, None, Some(10), 0).expect_err("markup alone");
        assert_eq!(e.0, PricingErrorCode::BasePriceUnderdetermined);
        let r = resolve_base(Some(m(12000)), None, None, 20).expect("base alone");
        assert_eq!(
            r.map(|x| (x.0, x.1.cost_price, x.1.markup)),
            Some((BaseForm::BaseOnly, m(10000), 20))
        );
        assert_eq!(resolve_base(None, None, None, 0), Ok(None));
        let e = resolve_base(None, Some(m(1)), Some(-100), 0).expect_err("-100%");
        assert_eq!(e.0, PricingErrorCode::MarkupInvalid);
    }

    /// §D.4: carrying a held price picks the pair that reproduces it.
    #[test]
    fn carrying_a_held_price_keeps_it() {
        for (b, c, mk) in [
            (5, 3, 50),
            (25000, 1000, 2400),
            (10001, 3333, 200),
            (7, 0, 0),
        ] {
            let held = BaseTriple {
                base_price: m(b),
                cost_price: m(c),
                markup: mk,
            };
            let (bp, cp, mp) = match carry_form(&held) {
                BaseForm::CostAndMarkup => (None, Some(held.cost_price), Some(mk)),
                BaseForm::BaseAndMarkup => (Some(held.base_price), None, Some(mk)),
                _ => (Some(held.base_price), Some(held.cost_price), None),
            };
            let again = resolve_base(bp, cp, mp, 0).expect("valid").map(|x| x.1);
            assert_eq!(again.map(|t| t.base_price), Some(held.base_price));
            assert_eq!(again.map(|t| t.cost_price), Some(held.cost_price));
        }
    }

    /// §D.2: the variation limiter, both ways, the limit itself allowed.
    #[test]
    fn the_variation_limiter() {
        let limits = PriceVariation {
            upper_limit: Percent::parse("50"),
            lower_limit: Percent::parse("10"),
        };
        assert!(check_variation(m(10000), m(15000), &limits).is_ok());
        assert!(check_variation(m(10000), m(15001), &limits).is_err());
        assert!(check_variation(m(10000), m(9000), &limits).is_ok());
        let e = check_variation(m(10000), m(8999), &limits).expect_err("11% down");
        assert_eq!(e.0, PricingErrorCode::PriceVariationExceeded);
        assert!(check_variation(m(0), m(99999), &limits).is_ok());
        assert!(check_variation(m(100), m(1_000_000), &PriceVariation::default()).is_ok());
    }
}
