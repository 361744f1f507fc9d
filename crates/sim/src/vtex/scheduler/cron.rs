//! The scheduler's time expressions: Quartz cron syntax, `sec min hour day-of-month month
//! day-of-week [year]`.
//!
//! VTEX documents no grammar for `scheduler.expression`; its official app
//! (vtex-apps/octopia-scheduler, `node/helpers/scheduler.ts`) writes `0 * 3 ? * 1/1 *` and
//! `* * 0/1 ? * * *`: seven fields with `?`, which is Quartz's `CronTrigger` syntax (Quartz
//! Scheduler docs, "Cron Trigger Tutorial"). Played: `*`, `?`, numbers, ranges `a-b`, steps
//! `a/s`, `*/s` and `a-b/s`, lists `x,y`, month names `JAN`-`DEC` and day names `SUN`-`SAT`
//! (Sunday is 1); Quartz requires `?` in one of day-of-month and day-of-week. Not played:
//! `L`, `W` and `#` **[sim's limit]**, refused with a message that says so. Times are UTC
//! **[sim's choice: VTEX names no time zone]**.

use ponte_core::orders::civil_from_days;

/// One field: the values it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    allowed: Vec<bool>,
    min: u32,
    /// `?` or `*` (day fields: "no specific value").
    any: bool,
}

impl Field {
    fn allows(&self, v: u32) -> bool {
        v.checked_sub(self.min)
            .and_then(|i| self.allowed.get(i as usize))
            .copied()
            .unwrap_or(false)
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    fields: Vec<Field>,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Name, min, max and names of each field, in order.
const SPECS: [(&str, u32, u32, &[&str]); 7] = [
    ("seconds", 0, 59, &[]),
    ("minutes", 0, 59, &[]),
    ("hours", 0, 23, &[]),
    ("day-of-month", 1, 31, &[]),
    ("month", 1, 12, &MONTHS),
    ("day-of-week", 1, 7, &DAYS),
    ("year", 1970, 2199, &[]),
];

fn value(raw: &str, name: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    let upper = raw.to_ascii_uppercase();
    let v = match names.iter().position(|n| *n == upper) {
        Some(i) => min + i as u32,
        None => raw
            .parse::<u32>()
            .map_err(|_| format!("{name}: {raw:?} is not a number"))?,
    };
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{name}: {v} is outside {min}-{max}"))
    }
}

fn field(raw: &str, index: usize) -> Result<Field, String> {
    let (name, min, max, names) = SPECS[index];
    if raw.contains(['L', 'W', '#']) && !names.iter().any(|n| raw.to_ascii_uppercase() == *n) {
        return Err(format!(
            "{name}: {raw:?} uses L, W or #, which the simulator does not play"
        ));
    }
    let mut allowed = vec![false; (max - min + 1) as usize];
    let any = raw == "*" || raw == "?";
    if raw == "?" && index != 3 && index != 5 {
        return Err(format!("{name}: ? is only for day-of-month or day-of-week"));
    }
    for part in raw.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, value(s, name, 1, max.max(1), &[])?),
            None => (part, 1),
        };
        let (lo, hi) = match range {
            "*" | "?" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (
                    value(a, name, min, max, names)?,
                    value(b, name, min, max, names)?,
                ),
                // `a/s` runs from a to the end; a lone `a` is just a.
                None => {
                    let a = value(r, name, min, max, names)?;
                    (a, if part.contains('/') { max } else { a })
                }
            },
        };
        if lo > hi {
            return Err(format!("{name}: range {lo}-{hi} is backwards"));
        }
        let mut v = lo;
        while v <= hi {
            allowed[(v - min) as usize] = true;
            v += step;
        }
    }
    Ok(Field { allowed, min, any })
}

impl Cron {
    pub fn parse(expression: &str) -> Result<Cron, String> {
        let parts: Vec<&str> = expression.split_whitespace().collect();
        if !(6..=7).contains(&parts.len()) {
            return Err(format!(
                "expected 6 or 7 fields (sec min hour day-of-month month day-of-week [year]), got {}",
                parts.len()
            ));
        }
        let fields = parts
            .iter()
            .enumerate()
            .map(|(i, p)| field(p, i))
            .collect::<Result<Vec<_>, _>>()?;
        if parts[3] != "?" && parts[5] != "?" {
            return Err("one of day-of-month and day-of-week must be ? (Quartz)".into());
        }
        Ok(Cron { fields })
    }

    /// Whether the expression fires at `unix` (seconds, UTC).
    pub fn fires_at(&self, unix: i64) -> bool {
        let days = unix.div_euclid(86_400);
        let rem = unix.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let dow = (days + 4).rem_euclid(7) + 1;
        let at = |i: usize, v: i64| {
            self.fields
                .get(i)
                .is_none_or(|f| u32::try_from(v).is_ok_and(|v| f.allows(v)))
        };
        let day_fields = self.fields.get(3).zip(self.fields.get(5));
        let day_ok = match day_fields {
            // The field that is `?` says nothing; the other decides.
            Some((dom, dw)) if dom.any && !dw.any => at(5, dow),
            Some((dom, dw)) if dw.any && !dom.any => at(3, d),
            _ => at(3, d) && at(5, dow),
        };
        at(0, rem % 60)
            && at(1, rem / 60 % 60)
            && at(2, rem / 3600)
            && day_ok
            && at(4, m)
            && at(6, y)
    }

    /// The first firing after `unix`, looked for up to `horizon` seconds ahead.
    pub fn next_after(&self, unix: i64, horizon: i64) -> Option<i64> {
        (unix + 1..=unix + horizon).find(|t| self.fires_at(*t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-12-07T13:37:14Z, a Monday.
    const T: i64 = 1_796_650_634;

    #[test]
    fn the_official_apps_expressions_parse() {
        let every_second = Cron::parse("* * 0/1 ? * * *").unwrap_or_else(|e| panic!("{e}"));
        assert!(every_second.fires_at(T) && every_second.fires_at(T + 1));
        let three_am = Cron::parse("0 * 3 ? * 1/1 *").unwrap_or_else(|e| panic!("{e}"));
        let day = T - T.rem_euclid(86_400);
        assert!(three_am.fires_at(day + 3 * 3600 + 60));
        assert!(!three_am.fires_at(day + 3 * 3600 + 61));
        assert!(!three_am.fires_at(day + 4 * 3600));
    }

    #[test]
    fn steps_lists_ranges_and_names() {
        let c = Cron::parse("0/15 5,10 9-17 ? JAN-DEC MON-FRI").unwrap_or_else(|e| panic!("{e}"));
        let day = T - T.rem_euclid(86_400); // Monday
        assert!(c.fires_at(day + 9 * 3600 + 5 * 60 + 30));
        assert!(!c.fires_at(day + 9 * 3600 + 5 * 60 + 31));
        assert!(!c.fires_at(day + 9 * 3600 + 6 * 60));
        // Sunday (day - 1).
        assert!(!c.fires_at(day - 86_400 + 9 * 3600 + 5 * 60));
        assert_eq!(
            c.next_after(day + 9 * 3600 + 5 * 60, 3600),
            Some(day + 9 * 3600 + 5 * 60 + 15)
        );
        let monthly = Cron::parse("0 0 0 7 * ?").unwrap_or_else(|e| panic!("{e}"));
        assert!(monthly.fires_at(day));
        assert!(!monthly.fires_at(day + 86_400));
    }

    #[test]
    fn what_is_not_quartz_or_not_played_is_refused() {
        for bad in [
            "* * * * *",
            "* * * * * * * *",
            "60 * * ? * *",
            "* * * * * *",
            "* * * L * ?",
            "* * * ? * 6#3",
            "* ? * * * ?",
            "5-1 * * ? * *",
            "a * * ? * *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad}");
        }
    }
}
