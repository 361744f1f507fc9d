//! ISO 8601 date-times as VTEX writes them, normalised to UTC so they compare exactly.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An instant, kept as its canonical UTC form `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
///
/// Invariant: the string is canonical (fixed width, nanoseconds, `Z`, year 0001–9999), so the
/// derived ordering of the strings is the chronological order and equal instants written
/// differently (`…Z`, `…+00:00`, `.7153839` vs `.715383900`) are equal. Build it with
/// [`Timestamp::parse`] (serde does the same).
///
/// ```
/// use ponte_core::orders::Timestamp;
/// let a = Timestamp::parse("2019-08-12T20:54:23.7153839Z").unwrap();
/// let b = Timestamp::parse("2019-08-12T17:54:23.715383900-03:00").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.as_str(), "2019-08-12T20:54:23.715383900Z");
/// assert!(Timestamp::parse("2019-02-29T00:00:00Z").is_none()); // not a leap year
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct Timestamp(String);

impl Timestamp {
    /// Parses an ISO 8601 / RFC 3339 date-time: `YYYY-MM-DDTHH:MM[:SS[.f…]]` followed by `Z`,
    /// `±HH:MM`, `±HHMM`, `±HH` or nothing (read as UTC, which is what VTEX's servers use).
    /// Fractions up to 9 digits (.NET writes 7). A date without a time is refused: VTEX asks for
    /// "date and time".
    pub fn parse(s: &str) -> Option<Timestamp> {
        parse(s, false)
    }

    /// Like [`Timestamp::parse`] but also takes a plain date (`2015-06-23`, midnight UTC) and a
    /// space instead of `T` (`2015-06-23 10:30`): the shapes of tracking events and
    /// `deliveredDate`.
    pub fn parse_lenient(s: &str) -> Option<Timestamp> {
        parse(s, true)
    }

    /// The canonical form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Seconds since 1970-01-01T00:00:00Z (the nanoseconds dropped).
    pub fn unix_seconds(&self) -> i64 {
        let b = self.0.as_bytes();
        let num = |from: usize, len: usize| -> i64 {
            b[from..from + len]
                .iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
        };
        let days = days_from_civil(num(0, 4), num(5, 2), num(8, 2));
        days * 86_400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2)
    }

    /// The instant `unix` seconds after the epoch (UTC), for callers that hold a clock value.
    pub fn from_unix_seconds(unix: i64) -> Option<Timestamp> {
        from_unix(unix, 0)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid ISO 8601 date-time: {s:?}")))
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<i64> {
        let slice = self.b.get(self.i..self.i + n)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(
            slice
                .iter()
                .fold(0, |acc, d| acc * 10 + i64::from(d - b'0')),
        )
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn parse(s: &str, lenient: bool) -> Option<Timestamp> {
    if s.len() > 64 {
        return None;
    }
    let mut c = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let year = c.digits(4)?;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut nanos) = (0, 0, 0, 0);
    let mut offset_minutes = 0;
    if c.done() {
        if !lenient {
            return None;
        }
    } else {
        let sep_ok = c.eat(b'T') || c.eat(b't') || (lenient && c.eat(b' '));
        if !sep_ok {
            return None;
        }
        hour = c.digits(2)?;
        if !c.eat(b':') {
            return None;
        }
        minute = c.digits(2)?;
        if c.eat(b':') {
            second = c.digits(2)?;
            if c.eat(b'.') || c.eat(b',') {
                let start = c.i;
                while c.peek().is_some_and(|b| b.is_ascii_digit()) {
                    c.i += 1;
                }
                let frac = &s[start..c.i];
                if frac.is_empty() || frac.len() > 9 {
                    return None;
                }
                let mut n: i64 = frac.parse().ok()?;
                for _ in frac.len()..9 {
                    n *= 10;
                }
                nanos = n;
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        match c.peek() {
            None => {}
            Some(b'Z' | b'z') => c.i += 1,
            Some(sign @ (b'+' | b'-')) => {
                c.i += 1;
                let oh = c.digits(2)?;
                let om = if c.done() {
                    0
                } else {
                    c.eat(b':');
                    c.digits(2)?
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                offset_minutes = (oh * 60 + om) * if sign == b'-' { -1 } else { 1 };
            }
            Some(_) => return None,
        }
        if !c.done() {
            return None;
        }
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    from_unix(local - offset_minutes * 60, nanos)
}

/// The canonical timestamp `unix` seconds and `nanos` nanoseconds after the epoch (UTC), or
/// `None` outside years 0001–9999.
fn from_unix(unix: i64, nanos: i64) -> Option<Timestamp> {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    if !(1..=9999).contains(&y) {
        return None;
    }
    Some(Timestamp(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )))
}
