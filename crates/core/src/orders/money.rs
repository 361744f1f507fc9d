//! Money in OMS cents.

use super::OrderError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The largest magnitude a [`Cents`] may hold: 2^53 − 1, so every amount stays exact in a
/// JavaScript number (and far above any real order: 90 trillion currency units).
pub const MAX_CENTS: i64 = (1 << 53) - 1;

/// An amount in integer cents, as OMS counts money (`value`, item `price`, `invoiceValue`).
///
/// Invariant: `-MAX_CENTS <= self.0 <= MAX_CENTS`. Construct with [`Cents::new`] (or serde,
/// which checks the same bound); arithmetic is checked and fails with `AMOUNT_OUT_OF_RANGE`
/// instead of wrapping. Pricing's decimal units are converted at the edge, never mixed in.
///
/// ```
/// use ponte_core::orders::Cents;
/// let a = Cents::new(2499)?;
/// assert_eq!(a.checked_add(Cents::new(1)?)?, Cents::new(2500)?);
/// assert_eq!(Cents::parse_wire("2499")?, a);
/// assert_eq!(a.to_wire(), "2499");
/// assert!(Cents::new(1 << 53).is_err());
/// # Ok::<(), ponte_core::orders::OrderError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number"))]
pub struct Cents(i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// `value` cents, refused outside ±[`MAX_CENTS`].
    pub fn new(value: i64) -> Result<Cents, OrderError> {
        if (-MAX_CENTS..=MAX_CENTS).contains(&value) {
            Ok(Cents(value))
        } else {
            Err(OrderError::AmountOutOfRange)
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Cents) -> Result<Cents, OrderError> {
        self.0
            .checked_add(other.0)
            .ok_or(OrderError::AmountOutOfRange)
            .and_then(Cents::new)
    }

    pub fn checked_sub(self, other: Cents) -> Result<Cents, OrderError> {
        self.0
            .checked_sub(other.0)
            .ok_or(OrderError::AmountOutOfRange)
            .and_then(Cents::new)
    }

    /// A unit price times a quantity (VTEX multiplies invoice item prices by quantity).
    pub fn checked_mul(self, quantity: u32) -> Result<Cents, OrderError> {
        self.0
            .checked_mul(i64::from(quantity))
            .ok_or(OrderError::AmountOutOfRange)
            .and_then(Cents::new)
    }

    /// The sum of an iterator of amounts, checked.
    pub fn checked_sum(values: impl IntoIterator<Item = Cents>) -> Result<Cents, OrderError> {
        values
            .into_iter()
            .try_fold(Cents::ZERO, |acc, v| acc.checked_add(v))
    }

    /// Parses `invoiceValue` as VTEX expects it: a string of decimal digits, cents, no sign,
    /// no separator, greater than zero (`"2499"` is 24.99).
    pub fn parse_wire(s: &str) -> Result<Cents, OrderError> {
        let invalid = || OrderError::InvoiceValueInvalid {
            value: truncate(s, 32),
        };
        if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let v: i64 = s.parse().map_err(|_| invalid())?;
        if v == 0 || v > MAX_CENTS {
            return Err(invalid());
        }
        Ok(Cents(v))
    }

    /// The wire form of `invoiceValue`: the decimal digits.
    pub fn to_wire(self) -> String {
        self.0.to_string()
    }
}

impl TryFrom<i64> for Cents {
    type Error = OrderError;
    fn try_from(v: i64) -> Result<Self, OrderError> {
        Cents::new(v)
    }
}

impl Serialize for Cents {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Cents {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        Cents::new(v).map_err(serde::de::Error::custom)
    }
}

impl From<Cents> for i64 {
    fn from(c: Cents) -> i64 {
        c.0
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cents", self.0)
    }
}

/// At most `max` characters of `s`, for error messages that echo input.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}
