//! Pricing's decimal numbers without float drift (§D.4): amounts in integer cents, percentages
//! in integer hundredths of a percent.
//!
//! Pricing writes money as decimal currency units in JSON numbers (`value: 50.5`, §0). A JSON
//! number reaches Rust as the `f64` nearest to the decimal written; its shortest round-trip form
//! (Rust's `Display`) is that decimal again for every value of at most 15 significant digits,
//! so [`Money`] reads the decimal digits from that form (or from a string) and never multiplies
//! a float. Every amount is then an integer number of cents; every product and quotient is
//! computed in `i128` and rounded once, half up, back to cents. Writing converts the integer
//! back to the nearest `f64`, whose shortest form is again the decimal. A value with more than
//! two decimals is refused rather than rounded: Ponte never changes a price it was given.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The largest magnitude of a [`Money`] or [`Percent`] in hundredths: 10^15 (ten trillion
/// currency units), below 2^53 so every value stays exact in a JavaScript number.
pub const MAX_HUNDREDTHS: i64 = 1_000_000_000_000_000;

/// Parses a decimal (`-12.5`, `100`, `0.07`, `1.500`) into hundredths; `None` when it has more
/// than two significant decimals, is not a plain decimal, or exceeds [`MAX_HUNDREDTHS`].
pub fn parse_hundredths(s: &str) -> Option<i64> {
    let s = s.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (digits.contains('.') && frac.is_empty()) {
        return None;
    }
    let (kept, rest) = frac.split_at(frac.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return None;
    }
    let int = int.trim_start_matches('0');
    if int.len() > 16 {
        return None;
    }
    let mut value: i64 = 0;
    for b in int
        .bytes()
        .chain(kept.bytes())
        .chain("00".bytes().take(2 - kept.len()))
    {
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    if value > MAX_HUNDREDTHS {
        return None;
    }
    Some(if negative { -value } else { value })
}

fn write_hundredths<S: Serializer>(v: i64, s: S) -> Result<S::Ok, S::Error> {
    if v % 100 == 0 {
        s.serialize_i64(v / 100)
    } else {
        // Both operands are exact in f64 (|v| ≤ 10^15), so the quotient is the f64 nearest
        // the decimal, which prints as that decimal.
        s.serialize_f64(v as f64 / 100.0)
    }
}

struct HundredthsVisitor(&'static str);

impl Visitor<'_> for HundredthsVisitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} as a decimal number with at most two decimals, magnitude at most 10^13",
            self.0
        )
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        v.checked_mul(100)
            .filter(|h| h.abs() <= MAX_HUNDREDTHS)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v)
            .ok()
            .and_then(|v| v.checked_mul(100))
            .filter(|h| *h <= MAX_HUNDREDTHS)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        if !v.is_finite() {
            return Err(E::invalid_value(de::Unexpected::Float(v), &self));
        }
        parse_hundredths(&v.to_string())
            .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        parse_hundredths(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

macro_rules! hundredths_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number"))]
        pub struct $name(i64);

        impl $name {
            pub const ZERO: $name = $name(0);

            /// From hundredths; `None` beyond ±[`MAX_HUNDREDTHS`].
            pub fn from_hundredths(v: i64) -> Option<$name> {
                (v.abs() <= MAX_HUNDREDTHS).then_some($name(v))
            }

            /// The value in hundredths.
            pub fn hundredths(self) -> i64 {
                self.0
            }

            /// Parses a decimal string (see [`parse_hundredths`]).
            pub fn parse(s: &str) -> Option<$name> {
                parse_hundredths(s).map($name)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                write_hundredths(self.0, s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(HundredthsVisitor($what)).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let sign = if self.0 < 0 { "-" } else { "" };
                let a = self.0.unsigned_abs();
                write!(f, "{sign}{}.{:02}", a / 100, a % 100)
            }
        }
    };
}

hundredths_type!(
    /// An amount in Pricing's decimal currency units, held as integer cents (§D.4).
    ///
    /// ```
    /// use ponte_core::pricing::Money;
    /// let m: Money = serde_json::from_str("666.66").unwrap();
    /// assert_eq!(m.hundredths(), 66666);
    /// assert_eq!(serde_json::to_string(&m).unwrap(), "666.66");
    /// assert!(serde_json::from_str::<Money>("0.125").is_err()); // refused, never rounded
    /// ```
    Money,
    "an amount"
);
hundredths_type!(
    /// A percentage (`percentualModifier`, the variation limits), held as integer hundredths
    /// of a percent: `12.5` is 1250.
    Percent,
    "a percentage"
);

/// `n / d` rounded half up (towards +∞ on a tie), for `d > 0`; `None` when `d ≤ 0`.
pub fn div_round_half_up(n: i128, d: i128) -> Option<i128> {
    if d <= 0 {
        return None;
    }
    let twice = n.checked_mul(2)?.checked_add(d)?;
    Some(twice.div_euclid(d.checked_mul(2)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §D.4: decimals are read exactly, with at most two decimals.
    #[test]
    fn decimals_are_read_exactly() {
        for (text, want) in [
            ("0.1", Some(10)),
            ("0.07", Some(7)),
            ("1.500", Some(150)),
            ("-3.2", Some(-320)),
            ("100", Some(10000)),
            ("0.125", None),
            ("1.", None),
            (".5", None),
            ("1e3", None),
            ("", None),
        ] {
            assert_eq!(parse_hundredths(text), want, "{text}");
        }
        let from_float: Money = serde_json::from_str("0.29").expect("decimal");
        // 0.29 * 100.0 is 28.999999999999996 in f64; the digits are read, not multiplied.
        assert_eq!(from_float.hundredths(), 29);
        assert_eq!(
            serde_json::to_string(&Money::from_hundredths(29)).expect("encode"),
            "0.29"
        );
        assert!(serde_json::from_str::<Money>("100000000000000").is_err());
    }

    #[test]
    fn rounding_half_up() {
        assert_eq!(div_round_half_up(5, 2), Some(3));
        assert_eq!(div_round_half_up(4, 2), Some(2));
        assert_eq!(div_round_half_up(149, 100), Some(1));
        assert_eq!(div_round_half_up(150, 100), Some(2));
        assert_eq!(div_round_half_up(-150, 100), Some(-1));
        assert_eq!(div_round_half_up(1, 0), None);
    }
}
