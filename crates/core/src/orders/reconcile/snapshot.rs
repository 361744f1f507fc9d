//! Get order as reconciliation reads it: `value`, `items` and `packageAttachment.packages`,
//! each read leniently (see the parent module docs), and a package turned into an invoice record.

use super::super::{
    Cents, InvoiceRecord, InvoiceType, InvoicedItem, OrderItem, OrderState, Timestamp, Tracking,
};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

/// A value read leniently: `Valid` when it has the expected type, `Invalid` when it is
/// missing, `null` or anything else. Never fails to deserialize.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Lenient<T> {
    Valid(T),
    #[default]
    Invalid,
}

impl<T> Lenient<T> {
    pub fn valid(&self) -> Option<&T> {
        match self {
            Lenient::Valid(v) => Some(v),
            Lenient::Invalid => None,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either<T> {
            Valid(T),
            Invalid(IgnoredAny),
        }
        Ok(match Either::deserialize(d)? {
            Either::Valid(v) => Lenient::Valid(v),
            Either::Invalid(_) => Lenient::Invalid,
        })
    }
}

/// The parts of a Get order answer that reconciliation reads: `value`, `items` and
/// `packageAttachment.packages`, each read leniently (see the module docs). Every other field
/// of the order is ignored; deserializing never fails on a field's content.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetOrderSnapshot {
    #[serde(default)]
    value: Lenient<Whole>,
    #[serde(default)]
    items: Lenient<Vec<Lenient<LineFields>>>,
    #[serde(default)]
    package_attachment: Lenient<PackageAttachment>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct PackageAttachment {
    #[serde(default)]
    packages: Lenient<Vec<GetOrderPackage>>,
}

/// One entry of Get order's `items[]`: the fields a line needs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct LineFields {
    #[serde(default)]
    id: Lenient<String>,
    #[serde(default)]
    quantity: Lenient<Whole>,
    #[serde(default)]
    price: Lenient<Whole>,
}

/// A JSON number that should be a whole, non-negative one. An integral float (`5000.0`, `1e3`)
/// counts as its integer, as JavaScript sees it; a negative or fractional one does not.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum Whole {
    Int(u64),
    Float(f64),
}

impl Whole {
    /// The number, when it is whole and at most `max` (itself at most 2^53 − 1, so a float's
    /// conversion is exact).
    fn at_most(&self, max: u64) -> Option<u64> {
        match *self {
            Whole::Int(v) => Some(v),
            // `-0.0` is 0, as `JSON.stringify(-0)`.
            Whole::Float(f) if f.fract() == 0.0 && (0.0..=max as f64).contains(&f) => {
                Some(f as u64)
            }
            Whole::Float(_) => None,
        }
        .filter(|v| *v <= max)
    }

    fn cents(&self) -> Option<Cents> {
        let v = self.at_most(super::super::MAX_CENTS as u64)?;
        Cents::new(i64::try_from(v).ok()?).ok()
    }
}

impl GetOrderSnapshot {
    /// The packages listed (each possibly malformed).
    pub fn packages(&self) -> &[GetOrderPackage] {
        self.package_attachment
            .valid()
            .and_then(|a| a.packages.valid())
            .map_or(&[], Vec::as_slice)
    }

    /// `value`, when it is a whole number of cents in range.
    pub fn value(&self) -> Option<Cents> {
        self.value.valid()?.cents()
    }

    /// `items[]` as order lines (index = position), when the list is non-empty and every
    /// entry is well-formed.
    pub fn items(&self) -> Option<Vec<OrderItem>> {
        let raw = self.items.valid()?;
        if raw.is_empty() {
            return None;
        }
        raw.iter()
            .enumerate()
            .map(|(position, entry)| {
                let line = entry.valid()?;
                let id = non_empty(&line.id)?.to_owned();
                let quantity = line.quantity.valid()?.at_most(u64::from(u32::MAX))?;
                Some(OrderItem {
                    index: u32::try_from(position).ok()?,
                    id,
                    quantity: u32::try_from(quantity).ok()?,
                    price: line.price.valid()?.cents()?,
                })
            })
            .collect()
    }
}

/// One entry of Get order's `packageAttachment.packages[]`, read leniently (see the module
/// docs); a package that is not an object is kept as a malformed one.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(from = "Lenient<PackageFields>")]
pub struct GetOrderPackage(Option<PackageFields>);

impl From<Lenient<PackageFields>> for GetOrderPackage {
    fn from(l: Lenient<PackageFields>) -> Self {
        match l {
            Lenient::Valid(fields) => GetOrderPackage(Some(fields)),
            Lenient::Invalid => GetOrderPackage(None),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageFields {
    #[serde(rename = "type", default)]
    invoice_type: Lenient<InvoiceType>,
    #[serde(default)]
    invoice_number: Lenient<String>,
    #[serde(default)]
    invoice_value: Lenient<WireValue>,
    #[serde(default)]
    issuance_date: Lenient<String>,
    #[serde(default)]
    items: Lenient<Vec<Lenient<PackageItem>>>,
    #[serde(default)]
    tracking_number: Lenient<String>,
    #[serde(default)]
    tracking_url: Lenient<String>,
    #[serde(default)]
    courier: Lenient<String>,
    #[serde(default)]
    courier_status: Lenient<CourierStatus>,
}

/// `invoiceValue`: Get order writes a number of cents; a string of digits is VTEX's input form.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum WireValue {
    Int(i64),
    Float(f64),
    Text(String),
}

impl WireValue {
    fn cents(&self) -> Option<Cents> {
        let v = match self {
            WireValue::Int(v) => *v,
            // Exact: the range check keeps it below 2^53.
            WireValue::Float(f)
                if f.fract() == 0.0 && (1.0..=super::super::MAX_CENTS as f64).contains(f) =>
            {
                *f as i64
            }
            WireValue::Float(_) => return None,
            WireValue::Text(s) => return Cents::parse_wire(s).ok(),
        };
        Cents::new(v).ok().filter(|c| c.get() > 0)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageItem {
    #[serde(default)]
    item_index: Lenient<u32>,
    #[serde(default)]
    quantity: Lenient<u32>,
    #[serde(default)]
    price: Lenient<Cents>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct CourierStatus {
    #[serde(default)]
    finished: Lenient<bool>,
}

fn non_empty(s: &Lenient<String>) -> Option<&str> {
    s.valid().map(String::as_str).filter(|s| !s.is_empty())
}

impl GetOrderPackage {
    /// The invoice this package describes on `state`'s lines, or `None` when it is malformed
    /// or names a line the order does not have.
    pub(super) fn record(&self, state: &OrderState) -> Option<InvoiceRecord> {
        let p = self.0.as_ref()?;
        let invoice_type = *p.invoice_type.valid()?;
        let invoice_number = non_empty(&p.invoice_number)?.to_owned();
        let value = p.invoice_value.valid()?.cents()?;
        let issuance_date = Timestamp::parse_lenient(p.issuance_date.valid()?)?;
        let raw_items = p.items.valid().map_or(&[][..], Vec::as_slice);
        let mut items = Vec::with_capacity(raw_items.len());
        for raw in raw_items {
            let raw = raw.valid()?;
            let index = *raw.item_index.valid()?;
            let quantity = *raw.quantity.valid().filter(|q| **q > 0)?;
            let line = state.items.iter().find(|l| l.index == index)?;
            let price = raw
                .price
                .valid()
                .copied()
                .filter(|p| p.get() >= 0)
                .unwrap_or(line.price);
            items.push(InvoicedItem {
                index,
                id: line.id.clone(),
                quantity,
                price,
            });
        }
        let tracking = non_empty(&p.tracking_number).map(|number| Tracking {
            tracking_number: number.to_owned(),
            tracking_url: non_empty(&p.tracking_url).map(str::to_owned),
            courier: non_empty(&p.courier).map(str::to_owned),
            delivered: p
                .courier_status
                .valid()
                .and_then(|s| s.finished.valid())
                .copied()
                .unwrap_or(false),
            ..Tracking::default()
        });
        Some(InvoiceRecord {
            invoice_type,
            invoice_number,
            value,
            issuance_date,
            items,
            tracking,
        })
    }

    pub(super) fn invoice_type(&self) -> Option<InvoiceType> {
        self.0.as_ref()?.invoice_type.valid().copied()
    }
}
