//! The stored order and its Get order JSON (VTEX's shape, `orders-api.json`).
//!
//! Times are kept as 100-nanosecond ticks since the Unix epoch (.NET's resolution) and written
//! as ISO 8601 UTC with 7 fractional digits and `Z` (`2024-02-04T20:09:43.8999580Z`), as VTEX
//! writes them. Each status change of an order gets a strictly later `lastChange` than the one
//! before, so change dates order the changes of an order.

use ponte_core::orders::Status;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub use crate::platform::clock::{TICKS_PER_MS, iso};

/// 32 hex digits derived from the parts (receipts, item unique ids, request ids).
pub fn hex_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub unique_id: String,
    /// SKU id.
    pub id: String,
    pub product_id: String,
    pub name: String,
    pub ref_id: String,
    pub quantity: u32,
    /// Unit price in cents.
    pub price: i64,
    pub list_price: i64,
}

/// A carrier event of an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourierEvent {
    pub city: String,
    pub state: String,
    pub description: String,
    /// As sent (`2015-06-23`).
    pub date: String,
    pub received: i64,
}

/// `courierStatus` of an invoice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CourierStatus {
    pub finished: bool,
    #[serde(default)]
    pub delivered_date: Option<String>,
    #[serde(default)]
    pub events: Vec<CourierEvent>,
}

/// An invoiced order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageItem {
    pub item_index: u32,
    pub id: String,
    pub quantity: u32,
    pub price: i64,
    #[serde(default)]
    pub description: Option<String>,
}

/// An invoice (`packageAttachment.packages[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// `Output` or `Input`.
    pub invoice_type: String,
    pub invoice_number: String,
    pub invoice_value: i64,
    pub issuance_date: String,
    #[serde(default)]
    pub invoice_key: Option<String>,
    #[serde(default)]
    pub invoice_url: Option<String>,
    #[serde(default)]
    pub embedded_invoice: Option<String>,
    #[serde(default)]
    pub courier: Option<String>,
    #[serde(default)]
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub tracking_url: Option<String>,
    #[serde(default)]
    pub dispatched_date: Option<String>,
    pub items: Vec<PackageItem>,
    #[serde(default)]
    pub courier_status: Option<CourierStatus>,
    pub receipt: String,
    pub received: i64,
}

/// `cancellationData`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancellationData {
    pub requested_by_user: bool,
    pub requested_by_system: bool,
    pub requested_by_seller_notification: bool,
    pub requested_by_payment_notification: bool,
    #[serde(default)]
    pub reason: Option<String>,
    pub date: i64,
    #[serde(default)]
    pub request_id: Option<String>,
}

/// `cancellationRequests[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancellationRequest {
    pub id: String,
    #[serde(default)]
    pub reason: Option<String>,
    pub date: i64,
    pub requested_by_user: bool,
    pub denied: bool,
    #[serde(default)]
    pub denied_reason: Option<String>,
    #[serde(default)]
    pub denied_date: Option<i64>,
    /// Where a denial returns the order.
    pub requested_in: Status,
}

/// An item added or removed by a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeItem {
    pub id: String,
    pub name: String,
    pub quantity: u32,
    pub price: i64,
}

/// `changesAttachment.changesData[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeEntry {
    pub request_id: String,
    pub reason: String,
    pub discount_value: i64,
    pub increment_value: i64,
    pub items_added: Vec<ChangeItem>,
    pub items_removed: Vec<ChangeItem>,
    pub receipt: String,
    pub date: i64,
    /// Made by a change v2 request (`PATCH /api/order-system/orders/{id}/changes`), not v1.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub v2: bool,
}

/// What a timer does when it fires (if the order is still in the status it was set from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TimerKind {
    /// The next automatic platform step.
    Auto,
    /// `window-to-cancel → ready-for-handling`.
    WindowElapsed,
    /// A shopper cancels inside the window (`window-to-cancel → cancel`).
    CustomerCancel,
    /// `start-handling → handling`.
    HandlingConfirmed,
    /// `cancel → canceled`.
    CancelConfirmed,
    /// `invoice → invoiced`.
    Settlement,
    /// `cancellation-requested → cancel` after 30 days without a decision.
    CancellationTimeout,
}

/// A pending platform step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timer {
    /// Simulated milliseconds since the epoch ([`crate::platform::clock::SimClock`]).
    pub at_ms: i64,
    /// The status the order must still be in for the timer to act.
    pub from: Status,
    pub kind: TimerKind,
}

/// A simulated order: everything Get order answers, the pending timers, and its shopper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimOrder {
    pub account: String,
    pub order_id: String,
    pub sequence: u64,
    /// `None`: an incomplete order (no workflow).
    pub status: Option<Status>,
    pub creation: i64,
    pub last_change: i64,
    #[serde(default)]
    pub authorized: Option<i64>,
    #[serde(default)]
    pub invoiced: Option<i64>,
    pub items: Vec<Item>,
    /// Freight, cents.
    pub shipping: i64,
    #[serde(default)]
    pub changes: Vec<ChangeEntry>,
    #[serde(default)]
    pub packages: Vec<Package>,
    #[serde(default)]
    pub cancellation: Option<CancellationData>,
    #[serde(default)]
    pub cancellation_requests: Vec<CancellationRequest>,
    #[serde(default)]
    pub timers: Vec<Timer>,
    /// The shopper's number (client profile).
    pub shopper: u64,
    /// Shopper-load run that created it.
    #[serde(default)]
    pub run_id: Option<String>,
    /// Per mille of the cancellation window after which the shopper cancels (shopper load).
    #[serde(default)]
    pub customer_cancel_permille: Option<u32>,
    /// Receipts issued so far (to derive the next one).
    #[serde(default)]
    pub receipts: u64,
    /// Value booked by changes beyond their lines, discounts and increments (items removed at
    /// a price other than their line's), cents.
    #[serde(default)]
    pub adjustment: i64,
    /// Change v2 requests, oldest first ([`super::changes_v2`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub change_requests: Vec<super::changes_v2::ChangeRequest>,
    /// The date of the last status change, when a change v2 has moved `lastChange` since
    /// (status events carry it as their `lastChange`). `None`: `last_change` is it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status_change: Option<i64>,
    /// An order paid through the simulated Payment Gateway (`crate::vtex::gateway`): it waits
    /// in `payment-pending` until the gateway's transaction is decided (§A.5, §G.1). `None`:
    /// the platform approves the payment on its own (every other order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_payment: Option<GatewayPayment>,
    /// Every status the order moved through, oldest first, with the date its status event
    /// carries as `currentChange` (the simulator's own log, never in Get order: VTEX serves no
    /// such list; tests count deliveries against it, `GET /_sim/oms/transitions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<Transition>,
}

/// One status change of an order ([`SimOrder::transitions`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    pub status: Status,
    /// The status event's `currentChange`.
    pub at: String,
}

/// What the gateway said about an order's payment ([`SimOrder::gateway_payment`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GatewayPayment {
    /// Not decided yet: the order waits in `payment-pending`.
    Pending,
    Approved,
    /// Denied, or cancelled before approval: the order is cancelled.
    Denied,
}

impl SimOrder {
    /// Σ price × quantity of the current lines.
    pub fn items_total(&self) -> i64 {
        self.items
            .iter()
            .map(|i| i.price.saturating_mul(i64::from(i.quantity)))
            .fold(0i64, i64::saturating_add)
    }

    pub fn discounts(&self) -> i64 {
        self.changes.iter().map(|c| c.discount_value).sum()
    }

    pub fn increments(&self) -> i64 {
        self.changes.iter().map(|c| c.increment_value).sum()
    }

    /// `value`: items + freight − change discounts + change increments, cents.
    pub fn value(&self) -> i64 {
        self.items_total()
            .saturating_add(self.shipping)
            .saturating_sub(self.discounts())
            .saturating_add(self.increments())
            .saturating_add(self.adjustment)
    }

    /// Σ value of the invoices of one type (`Output`/`Input`).
    pub fn invoiced(&self, kind: &str) -> i64 {
        self.packages
            .iter()
            .filter(|p| p.invoice_type == kind)
            .map(|p| p.invoice_value)
            .sum()
    }

    /// Units of a line on invoices of one type.
    pub fn invoiced_quantity(&self, index: u32, kind: &str) -> u64 {
        self.packages
            .iter()
            .filter(|p| p.invoice_type == kind)
            .flat_map(|p| &p.items)
            .filter(|i| i.item_index == index)
            .map(|i| u64::from(i.quantity))
            .sum()
    }

    pub fn package(&self, number: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.invoice_number == number)
    }

    /// The next receipt: 32 hex digits, unique per order.
    pub fn next_receipt(&mut self, now: i64) -> String {
        self.receipts += 1;
        hex_id(&[
            &self.account,
            &self.order_id,
            &self.receipts.to_string(),
            &now.to_string(),
        ])
    }

    /// The pending (not denied, not superseded) cancellation request, if the order waits on one.
    pub fn pending_request(&self) -> Option<&CancellationRequest> {
        if self.status.map(|s| s.stage()) != Some(ponte_core::orders::Stage::CancellationPending) {
            return None;
        }
        self.cancellation_requests.iter().rev().find(|r| !r.denied)
    }

    fn allow_cancellation(&self) -> bool {
        use ponte_core::orders::Stage;
        match self.status.map(Status::stage) {
            None => false,
            Some(
                Stage::Canceled | Stage::Replaced | Stage::Invoiced | Stage::PartiallyInvoiced,
            ) => false,
            Some(_) => self.invoiced("Output") == 0,
        }
    }

    fn allow_edition(&self) -> bool {
        matches!(
            self.status,
            Some(Status::Handling | Status::WaitingForFulfillment | Status::ReadyForInvoicing)
        )
    }

    /// The order as `GET /api/oms/pvt/orders/{orderId}` answers it.
    pub fn to_json(&self) -> Value {
        let status = self.status.map(Status::as_str);
        let order_group = self
            .order_id
            .rsplit_once('-')
            .map_or(self.order_id.as_str(), |(g, _)| g);
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|i| {
                json!({
                    "uniqueId": i.unique_id,
                    "id": i.id,
                    "productId": i.product_id,
                    "ean": null,
                    "lockId": format!("00-{}", self.order_id),
                    "itemAttachment": { "content": {}, "name": null },
                    "attachments": [],
                    "quantity": i.quantity,
                    "seller": "1",
                    "name": i.name,
                    "refId": i.ref_id,
                    "price": i.price,
                    "listPrice": i.list_price,
                    "manualPrice": null,
                    "priceTags": [],
                    "imageUrl": format!("https://{}.vteximg.com.br/arquivos/ids/{}-55-55/sku.jpg", self.account, i.id),
                    "detailUrl": format!("/product-{}/p", i.product_id),
                    "components": [],
                    "bundleItems": [],
                    "params": [],
                    "offerings": [],
                    "sellerSku": i.id,
                    "priceValidUntil": null,
                    "commission": 0,
                    "tax": 0,
                    "preSaleDate": null,
                    "measurementUnit": "un",
                    "unitMultiplier": 1.0,
                    "sellingPrice": i.price,
                    "isGift": false,
                    "shippingPrice": null,
                    "rewardValue": 0,
                    "freightCommission": 0,
                    "priceDefinition": {
                        "sellingPrices": [{ "value": i.price, "quantity": i.quantity }],
                        "calculatedSellingPrice": i.price,
                        "total": i.price.saturating_mul(i64::from(i.quantity)),
                        "reason": null
                    },
                    "taxCode": null,
                    "parentItemIndex": null,
                    "parentAssemblyBinding": null,
                    "callCenterOperator": null,
                    "serialNumbers": null,
                    "assemblies": [],
                    "costPrice": null
                })
            })
            .collect();
        let mut totals = vec![
            json!({"id": "Items", "name": "Total dos Itens", "value": self.items_total()}),
            json!({"id": "Discounts", "name": "Total dos Descontos", "value": -self.discounts()}),
            json!({"id": "Shipping", "name": "Total do Frete", "value": self.shipping}),
            json!({"id": "Tax", "name": "Total da Taxa", "value": 0}),
        ];
        let change = self.increments().saturating_add(self.adjustment);
        if change != 0 {
            totals.push(json!({"id": "Change", "name": "Total das mudanças", "value": change}));
        }
        let packages: Vec<Value> = self.packages.iter().map(package_json).collect();
        let cancellation_data = self.cancellation.as_ref().map(|c| {
            json!({
                "RequestedByUser": c.requested_by_user,
                "RequestedBySystem": c.requested_by_system,
                "RequestedBySellerNotification": c.requested_by_seller_notification,
                "RequestedByPaymentNotification": c.requested_by_payment_notification,
                "Reason": c.reason,
                "CancellationDate": iso(c.date),
                "cancellationRequestId": c.request_id,
            })
        });
        let requests: Option<Vec<Value>> = (!self.cancellation_requests.is_empty()).then(|| {
            self.cancellation_requests
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "reason": r.reason,
                        "cancellationRequestDate": iso(r.date),
                        "requestedByUser": r.requested_by_user,
                        "deniedBySeller": r.denied,
                        "deniedBySellerReason": r.denied_reason,
                        "cancellationRequestDenyDate": r.denied_date.map(iso),
                    })
                })
                .collect()
        });
        let changes = (!self.changes.is_empty()).then(|| {
            let data: Vec<Value> = self
                .changes
                .iter()
                .map(|c| {
                    let items = |list: &[ChangeItem]| -> Vec<Value> {
                        list.iter()
                            .map(|i| json!({"id": i.id, "name": i.name, "quantity": i.quantity, "price": i.price, "unitMultiplier": null}))
                            .collect()
                    };
                    json!({
                        "reason": c.reason,
                        "discountValue": c.discount_value,
                        "incrementValue": c.increment_value,
                        "itemsAdded": items(&c.items_added),
                        "itemsRemoved": items(&c.items_removed),
                        "receipt": { "date": iso(c.date), "orderId": self.order_id, "receipt": c.receipt }
                    })
                })
                .collect();
            json!({ "id": "changeAttachment", "changesData": data })
        });
        let value = self.value();
        let shopper = self.shopper;
        let logistics: Vec<Value> = self
            .items
            .iter()
            .enumerate()
            .map(|(index, _)| {
                let price = if index == 0 { self.shipping } else { 0 };
                json!({
                    "itemIndex": index,
                    "selectedSla": "Normal",
                    "lockTTL": "10d",
                    "price": price,
                    "listPrice": price,
                    "sellingPrice": price,
                    "deliveryWindow": null,
                    "deliveryCompany": "Ponte Transportes",
                    "shippingEstimate": "3bd",
                    // Known once the order is confirmed (payment authorized): "3bd" after it.
                    "shippingEstimateDate": self.authorized.map(|a| iso(a.saturating_add(3 * 86_400 * 10_000_000))),
                    "deliveryChannel": "delivery",
                    "addressId": format!("addr-{shopper}"),
                    "polygonName": "",
                    "pickupPointId": null,
                    "transitTime": "3d"
                })
            })
            .collect();
        let store_prefs = json!({
            "countryCode": "BRA",
            "currencyCode": "BRL",
            "currencyFormatInfo": {
                "CurrencyDecimalDigits": 2,
                "CurrencyDecimalSeparator": ",",
                "CurrencyGroupSeparator": ".",
                "CurrencyGroupSize": 3,
                "StartsWithCurrencySymbol": true
            },
            "currencyLocale": 1046,
            "currencySymbol": "R$",
            "timeZone": "E. South America Standard Time"
        });
        let payment = json!({
            "transactions": [{
                "isActive": true,
                "transactionId": hex_id(&[&self.account, &self.order_id, "transaction"]).to_uppercase(),
                "merchantName": self.account.to_uppercase(),
                "payments": [{
                    "id": hex_id(&[&self.account, &self.order_id, "payment"]).to_uppercase(),
                    "paymentSystem": "2",
                    "paymentSystemName": "Visa",
                    "value": value,
                    "installments": 1,
                    "referenceValue": value,
                    "cardHolder": null,
                    "firstDigits": "411111",
                    "lastDigits": "1111",
                    "url": null,
                    "giftCardId": null,
                    "group": "creditCard",
                    "tid": format!("{}", 70_000_000 + self.sequence),
                    "dueDate": null,
                    "connectorResponses": {}
                }]
            }],
            "giftCards": []
        });
        let shipping = json!({
            "id": "shippingData",
            "address": {
                "addressType": "residential",
                "receiverName": format!("Shopper {shopper}"),
                "addressId": format!("addr-{shopper}"),
                "postalCode": "22630-011",
                "city": "Rio de Janeiro",
                "state": "RJ",
                "country": "BRA",
                "street": "Avenida Lúcio Costa",
                "number": (shopper % 900 + 1).to_string(),
                "neighborhood": "Barra da Tijuca",
                "complement": null,
                "reference": null,
                "geoCoordinates": []
            },
            "logisticsInfo": logistics,
            "trackingHints": null,
            "selectedAddresses": []
        });
        let client = json!({
            "id": "clientProfileData",
            "email": format!("shopper{shopper}@example.com"),
            "firstName": "Shopper",
            "lastName": shopper.to_string(),
            "documentType": "cpf",
            "document": format!("{:011}", 10_000_000_000u64 + shopper),
            "phone": format!("+55219{:08}", shopper % 100_000_000),
            "corporateName": null,
            "tradeName": null,
            "corporateDocument": null,
            "stateInscription": null,
            "corporatePhone": null,
            "isCorporate": false,
            "userProfileId": hex_id(&[&self.account, "shopper", &shopper.to_string()]),
            "customerClass": null
        });
        let mut order = json!({
            "orderId": self.order_id,
            "sequence": self.sequence.to_string(),
            "marketplaceOrderId": "",
            "marketplaceServicesEndpoint": null,
            "sellerOrderId": format!("00-{}", self.order_id),
            "origin": "Marketplace",
            "affiliateId": "",
            "salesChannel": "1",
            "merchantName": null,
            "status": status,
            "workflowIsInError": false,
            "statusDescription": status_description(self.status),
            "value": value,
            "creationDate": iso(self.creation),
            "lastChange": iso(self.last_change),
            "orderGroup": order_group,
            "followUpEmail": format!("followup@{}.example", self.account),
            "lastMessage": null,
            "hostname": self.account,
            "isCompleted": self.status.is_some_and(|s| s != Status::OrderCreated),
            "roundingError": 0,
            "orderFormId": hex_id(&[&self.account, &self.order_id, "orderForm"]),
            "allowCancellation": self.allow_cancellation(),
            "allowEdition": self.allow_edition(),
            "isCheckedIn": false,
            "authorizedDate": self.authorized.map(iso),
            "invoicedDate": self.invoiced.map(iso),
            "cancelReason": self.cancellation.as_ref().and_then(|c| c.reason.clone()),
            "totals": totals,
            "sellers": [{
                "id": "1",
                "name": self.account,
                "logo": "",
                "fulfillmentEndpoint": format!("http://fulfillment.vtexcommerce.com.br/api/fulfillment?an={}", self.account)
            }],
            "clientPreferencesData": { "locale": "pt-BR", "optinNewsLetter": false },
        });
        let more = json!({
            "cancellationData": cancellation_data,
            "cancellationRequests": requests,
            "taxData": null,
            "subscriptionData": null,
            "itemMetadata": { "Items": [] },
            "marketplace": { "baseURL": format!("http://oms.vtexinternal.com.br/api/oms?an={}", self.account), "isCertified": null, "name": self.account },
            "storePreferencesData": store_prefs,
            "customData": null,
            "commercialConditionData": null,
            "openTextField": null,
            "invoiceData": null,
            "changesAttachment": changes,
            "callCenterOperatorData": null,
            "packageAttachment": { "packages": packages },
            "paymentData": payment,
            "shippingData": shipping,
            "ratesAndBenefitsData": { "id": "ratesAndBenefitsData", "rateAndBenefitsIdentifiers": [] },
            "marketingData": null,
            "giftRegistryData": null,
            "clientProfileData": client,
            "items": items,
            "marketplaceItems": []
        });
        if let (Value::Object(a), Value::Object(b)) = (&mut order, more) {
            a.extend(b);
        }
        order
    }
}

fn package_json(p: &Package) -> Value {
    let courier_status = p.courier_status.as_ref().map(|c| {
        let data: Vec<Value> = c
            .events
            .iter()
            .map(|e| {
                json!({
                    "lastChange": iso(e.received),
                    "city": e.city,
                    "state": e.state,
                    "description": e.description,
                    "createDate": e.date
                })
            })
            .collect();
        json!({
            "status": if c.finished { "delivered" } else { "in transit" },
            "finished": c.finished,
            "deliveredDate": c.delivered_date,
            "data": data
        })
    });
    let items: Vec<Value> = p
        .items
        .iter()
        .map(|i| {
            json!({
                "itemIndex": i.item_index,
                "quantity": i.quantity,
                "price": i.price,
                "description": i.description,
                "unitMultiplier": 1.0
            })
        })
        .collect();
    let restitutions = if p.invoice_type == "Input" {
        let refund: Vec<Value> = p
            .items
            .iter()
            .map(|i| {
                json!({
                    "useFreight": false,
                    "isCompensation": false,
                    "compensationValue": 0,
                    "id": i.id,
                    "quantity": i.quantity,
                    "price": i.price,
                    "description": i.description
                })
            })
            .collect();
        json!({ "Refund": { "value": p.invoice_value, "giftCardData": null, "items": refund } })
    } else {
        json!({})
    };
    json!({
        "items": items,
        "courier": p.courier.clone().unwrap_or_default(),
        "invoiceNumber": p.invoice_number,
        "invoiceValue": p.invoice_value,
        "invoiceUrl": p.invoice_url,
        "issuanceDate": p.issuance_date,
        "trackingNumber": p.tracking_number,
        "invoiceKey": p.invoice_key,
        "trackingUrl": p.tracking_url,
        "embeddedInvoice": p.embedded_invoice,
        "type": p.invoice_type,
        "courierStatus": courier_status,
        "cfop": null,
        "restitutions": restitutions,
        "volumes": null,
        "EnableInferItems": false,
        "dispatchedDate": p.dispatched_date,
        "receipt": p.receipt
    })
}

/// `statusDescription` (obsolete in VTEX; the Admin labels of §A.3).
pub fn status_description(status: Option<Status>) -> Option<&'static str> {
    use Status::*;
    Some(match status? {
        OrderCreated => "Order created",
        OrderCreateError | OrderCreationError => "Order create error",
        OnOrderCompleted | OnOrderCompletedFfm => "Order completed",
        OrderAccepted => "Order accepted",
        WaitingForAuthorization => "Waiting for seller confirmation",
        WaitingForOrderAuthorization => "Waiting for order authorization",
        PaymentPending => "Payment pending",
        ApprovePayment => "Approve payment",
        PaymentApproved => "Payment approved",
        WindowToChangePayment => "Window to change payment",
        WindowToChangeSeller => "Window to change seller",
        WaitingFfmtAuthorization | WaitingForMktAuthorization => "Waiting for authorization",
        WaitingForManualAuthorization => "Waiting for fulfillment authorization",
        WaitingSellerHandling => "Waiting for seller handling",
        AuthorizeFulfillment => "Authorize fulfillment",
        ReleaseToFulfillment => "Release to fulfillment",
        WindowToCancel => "Cancellation window",
        ReadyForHandling => "Ready for handling",
        StartHandling => "Start handling",
        Handling => "Handling shipping",
        WaitingForFulfillment => "Waiting for fulfillment",
        ReadyForInvoicing => "Ready for invoicing",
        Invoice => "Verifying invoice",
        Invoiced => "Invoiced",
        Replaced => "Replaced",
        RequestCancel | CancellationRequested => "Cancellation requested",
        WaitingForSellerDecision => "Waiting for seller decision",
        InvoiceAfterCancellationDeny => "Invoice after cancellation deny",
        CancellationRequestDeniedFfm => "Cancellation request denied",
        Cancel => "Canceling",
        Canceled => "Canceled",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_have_seven_fraction_digits() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.0000000Z");
        // 2019-08-12T20:54:23.7153839Z
        let t = 1_565_643_263i64 * 10_000_000 + 7_153_839;
        assert_eq!(iso(t), "2019-08-12T20:54:23.7153839Z");
        assert_eq!(
            iso(951_782_400 * 10_000_000),
            "2000-02-29T00:00:00.0000000Z"
        );
    }

    #[test]
    fn hex_ids_are_32_digits_and_stable() {
        let a = hex_id(&["a", "b"]);
        assert_eq!(a.len(), 32);
        assert_eq!(a, hex_id(&["a", "b"]));
        assert_ne!(a, hex_id(&["ab"]));
    }
}
