//! Logistics as VTEX stores it (§E.1–E.2): warehouses, docks, the quantity of an SKU in a
//! warehouse and its lead time. Field names are VTEX's.

use crate::catalog::import::SkuId;
use crate::orders::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

fn yes() -> bool {
    true
}

/// What `unlimitedQuantity` shows as: 1,000,000 units that never go down (§E.2, §E.3).
pub const UNLIMITED_QUANTITY: u64 = 1_000_000;

/// The largest quantity Ponte sends: the inventory `PUT`'s `quantity` is an `int32` (§E.5).
pub const MAX_QUANTITY: u64 = i32::MAX as u64;

/// A warehouse's link to a dock (§E.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct WarehouseDock {
    pub dock_id: String,
    /// The warehouse-to-dock time (`D.HH:MM:SS`).
    pub time: Option<LeadTime>,
}

/// A warehouse (`POST /api/logistics/pvt/configuration/warehouses`, §E.1). Its `id` is the
/// natural key the ERP uses (the warehouse code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Warehouse {
    pub id: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub name: String,
    #[serde(default)]
    pub warehouse_docks: Vec<WarehouseDock>,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_active: bool,
}

/// A dock (`POST /api/logistics/pvt/configuration/docks`, §E.1): it ties warehouses to trade
/// policies (`salesChannels`) and shipping policies (`freightTableIds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dock {
    pub id: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub name: String,
    #[serde(default)]
    pub sales_channels: Vec<String>,
    #[serde(default)]
    pub freight_table_ids: Vec<String>,
    #[serde(default = "yes")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_active: bool,
}

/// The stock of an SKU in a warehouse (§E.2), with the date of the ERP count it came from.
/// `dateUtcOnBalanceSystem` is Ponte's record of the last count applied (VTEX's reads do not
/// return it, §E.5); `null` when none is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct InventoryEntry {
    pub sku_id: SkuId,
    pub warehouse_id: String,
    pub total_quantity: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub unlimited_quantity: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<LeadTime>", optional))]
    pub lead_time: LeadTime,
    pub date_utc_on_balance_system: Option<Timestamp>,
}

/// A Logistics duration (`leadTime`, dock times) in whole seconds, written `D.HH:MM:SS`
/// (§0, §E.2).
///
/// ```
/// use ponte_core::inventory::LeadTime;
/// assert_eq!(LeadTime::parse("3.00:00:00"), Some(LeadTime(3 * 86_400)));
/// assert_eq!(LeadTime::parse("10.10:00:00").map(|t| t.to_string()), Some("10.10:00:00".into()));
/// assert_eq!(LeadTime::parse("8"), Some(LeadTime(8 * 86_400)));          // DD alone
/// assert_eq!(LeadTime::parse("78:00:00"), Some(LeadTime(78 * 86_400)));  // read as 78 days
/// assert_eq!(LeadTime::parse("12:30:00"), Some(LeadTime(12 * 3600 + 1800)));
/// assert_eq!(LeadTime::parse(""), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct LeadTime(pub u64);

/// The longest duration accepted: 10,000 days.
const MAX_DAYS: u64 = 10_000;

impl LeadTime {
    /// Parses `D.HH:MM:SS`, `D` (days), or `HH:MM[:SS]`; an hour field above 23 in the last
    /// form is read as days, then hours and minutes (`78:00:00` is 78 days, §E.2). Empty or
    /// anything else is `None`.
    pub fn parse(s: &str) -> Option<LeadTime> {
        let s = s.trim();
        let num = |t: &str| -> Option<u64> {
            if t.is_empty() || t.len() > 5 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            t.parse().ok()
        };
        let clock = |t: &str| -> Option<(u64, u64, u64)> {
            let mut parts = t.split(':');
            let a = num(parts.next()?)?;
            let b = num(parts.next()?)?;
            let c = match parts.next() {
                Some(p) => num(p)?,
                None => 0,
            };
            if parts.next().is_some() {
                return None;
            }
            Some((a, b, c))
        };
        let (days, h, m, sec) = match s.split_once('.') {
            Some((d, rest)) => {
                let (h, m, sec) = clock(rest)?;
                (num(d)?, h, m, sec)
            }
            None if !s.contains(':') => (num(s)?, 0, 0, 0),
            None => match clock(s)? {
                (h, m, sec) if h <= 23 => (0, h, m, sec),
                (d, h, m) => (d, h, m, 0),
            },
        };
        if h > 23 || m > 59 || sec > 59 || days > MAX_DAYS {
            return None;
        }
        Some(LeadTime(days * 86_400 + h * 3600 + m * 60 + sec))
    }
}

impl fmt::Display for LeadTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        write!(
            f,
            "{}.{:02}:{:02}:{:02}",
            s / 86_400,
            s / 3600 % 24,
            s / 60 % 60,
            s % 60
        )
    }
}

impl Serialize for LeadTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LeadTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LeadTime::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid duration {s:?} (D.HH:MM:SS)")))
    }
}
