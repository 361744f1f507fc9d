//! The acting ERP's choices, as pure functions: which orders it cancels, which it invoices in
//! two parts, which get tracking or a change ([`Plan::decide`]: a hash of `seed` and the order
//! id, so a run is reproducible whatever the timing), and how an order is split into invoices
//! ([`split_invoices`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::config::ErpOrdersConfig;

/// What the ERP does with one order, decided once at its hand-off and stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Cancel instead of fulfilling.
    pub cancel: bool,
    /// Invoice in two Output invoices (when the order's items allow a split).
    pub partial: bool,
    /// Send a tracking number and then delivery events for each invoice.
    pub tracking: bool,
    /// Apply a discount change (`changeOrder`) before invoicing.
    pub change: bool,
}

impl Plan {
    /// The plan for `order_id` under `config`'s seed and rates.
    pub fn decide(config: &ErpOrdersConfig, order_id: &str) -> Plan {
        let draw = |salt: &str| unit(config.seed, order_id, salt);
        Plan {
            cancel: draw("cancel") < config.cancel_rate,
            partial: draw("partial") < config.partial_invoice_rate,
            tracking: draw("tracking") < config.tracking_rate,
            change: draw("change") < config.change_rate,
        }
    }
}

/// A number in `[0, 1)` from `seed`, the order id and what is being decided.
pub fn unit(seed: u64, order_id: &str, salt: &str) -> f64 {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(order_id.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

/// One line of the order as the ERP invoices it: SKU id, unit price in cents, quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub id: String,
    pub price: i64,
    pub quantity: u64,
}

/// The lines and the value (cents) of one invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoicePart {
    pub lines: Vec<Line>,
    pub value: i64,
}

/// The order's lines from Get order JSON (`items[].id`, `price`, `quantity`); lines with a
/// quantity of 0 are left out. `None` when `items` is missing or malformed.
pub fn order_lines(order: &Value) -> Option<Vec<Line>> {
    let items = order.get("items")?.as_array()?;
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        let id = match item.get("id")? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let price = item.get("price")?.as_i64()?;
        let quantity = item.get("quantity")?.as_u64()?;
        if quantity > 0 {
            lines.push(Line {
                id,
                price,
                quantity,
            });
        }
    }
    Some(lines)
}

/// The order's `value` in cents (a number, or a string of digits).
pub fn order_value(order: &Value) -> Option<i64> {
    match order.get("value")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Splits an order into invoices whose values add up to `value` exactly.
///
/// One invoice with every line unless `partial`. In two parts, the first takes the first half
/// of the units (walking the lines in order, splitting a line's quantity when needed) at
/// `price × quantity`; the second takes the other units and carries the remainder
/// (`value − first`), so shipping, taxes and discounts land on the last invoice. When that is
/// impossible (fewer than two units, or the first half is worth 0 or the whole value or more)
/// the order is invoiced at once.
pub fn split_invoices(lines: &[Line], value: i64, partial: bool) -> Vec<InvoicePart> {
    let whole = || {
        vec![InvoicePart {
            lines: lines.to_vec(),
            value,
        }]
    };
    let units: u64 = lines.iter().map(|l| l.quantity).sum();
    if !partial || units < 2 {
        return whole();
    }
    let mut left = units / 2;
    let mut first = Vec::new();
    let mut second = Vec::new();
    for line in lines {
        let take = left.min(line.quantity);
        left -= take;
        if take > 0 {
            first.push(Line {
                quantity: take,
                ..line.clone()
            });
        }
        if line.quantity > take {
            second.push(Line {
                quantity: line.quantity - take,
                ..line.clone()
            });
        }
    }
    let first_value = first.iter().try_fold(0i64, |acc, l| {
        i64::try_from(l.quantity)
            .ok()
            .and_then(|q| l.price.checked_mul(q))
            .and_then(|v| acc.checked_add(v))
    });
    match first_value {
        Some(v) if v > 0 && v < value && !second.is_empty() => vec![
            InvoicePart {
                lines: first,
                value: v,
            },
            InvoicePart {
                lines: second,
                value: value - v,
            },
        ],
        _ => whole(),
    }
}

/// The discount (cents) of the ERP's change: 1 % of the value, at least 1 cent, always less
/// than the value. `None` when the value is too small to discount.
pub fn change_discount(value: i64) -> Option<i64> {
    let d = (value / 100).max(1);
    (d < value).then_some(d)
}

/// A route-safe token for invoice and tracking numbers: the order's `sequence` when it is
/// there, else the order id with anything but letters, digits and `-` dropped.
pub fn order_seq(order: &Value, order_id: &str) -> String {
    let raw = match order.get("sequence") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => order_id.to_owned(),
    };
    let clean: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if clean.is_empty() {
        "0".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, price: i64, quantity: u64) -> Line {
        Line {
            id: id.into(),
            price,
            quantity,
        }
    }

    #[test]
    fn partial_invoices_add_up_exactly() {
        let lines = vec![line("1", 1000, 3), line("2", 250, 1)];
        let parts = split_invoices(&lines, 3999, true);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts.iter().map(|p| p.value).sum::<i64>(), 3999);
        assert_eq!(parts[0].lines, vec![line("1", 1000, 2)]);
        assert_eq!(parts[0].value, 2000);
        assert_eq!(parts[1].lines, vec![line("1", 1000, 1), line("2", 250, 1)]);
        // Every unit is invoiced exactly once.
        let units: u64 = parts
            .iter()
            .flat_map(|p| &p.lines)
            .map(|l| l.quantity)
            .sum();
        assert_eq!(units, 4);
    }

    #[test]
    fn impossible_splits_invoice_at_once() {
        assert_eq!(split_invoices(&[line("1", 500, 1)], 500, true).len(), 1);
        // The first half would be the whole value.
        assert_eq!(
            split_invoices(&[line("1", 500, 1), line("2", 0, 1)], 500, true).len(),
            1
        );
        // Free first half.
        assert_eq!(
            split_invoices(&[line("1", 0, 1), line("2", 500, 1)], 500, true).len(),
            1
        );
        assert_eq!(split_invoices(&[line("1", 500, 4)], 2000, false).len(), 1);
    }

    #[test]
    fn decisions_are_deterministic_and_follow_rates() {
        let mut config = ErpOrdersConfig {
            cancel_rate: 0.25,
            ..ErpOrdersConfig::default()
        };
        let ids: Vec<String> = (0..2000).map(|i| format!("{i}-01")).collect();
        let cancels = ids
            .iter()
            .filter(|id| Plan::decide(&config, id).cancel)
            .count();
        assert!((400..600).contains(&cancels), "{cancels}");
        assert_eq!(Plan::decide(&config, "x-01"), Plan::decide(&config, "x-01"));
        config.cancel_rate = 0.0;
        assert!(ids.iter().all(|id| !Plan::decide(&config, id).cancel));
        config.cancel_rate = 1.0;
        assert!(ids.iter().all(|id| Plan::decide(&config, id).cancel));
    }

    #[test]
    fn order_json_is_read() {
        let order = serde_json::json!({
            "value": "1500", "sequence": "70530116",
            "items": [{"id": "7", "price": 500, "quantity": 3}, {"id": 8, "price": 1, "quantity": 0}]
        });
        assert_eq!(order_value(&order), Some(1500));
        assert_eq!(order_lines(&order), Some(vec![line("7", 500, 3)]));
        assert_eq!(order_seq(&order, "v1-01"), "70530116");
        assert_eq!(order_seq(&serde_json::json!({}), "v1/x-01"), "v1x-01");
        assert_eq!(change_discount(1), None);
        assert_eq!(change_discount(250), Some(2));
    }
}
