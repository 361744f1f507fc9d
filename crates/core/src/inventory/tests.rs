//! Unit tests of the logistics rules, each naming the § it checks.

use super::*;
use crate::catalog::import::SkuId;
use crate::orders::Timestamp;
use crate::skus::{KnownSku, SkuKey};

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("date")
}

fn warehouse(id: &str, docks: &[&str], active: bool) -> Warehouse {
    Warehouse {
        id: id.into(),
        name: id.into(),
        warehouse_docks: docks
            .iter()
            .map(|d| WarehouseDock {
                dock_id: (*d).into(),
                time: None,
            })
            .collect(),
        is_active: active,
    }
}

fn dock(id: &str, channels: &[&str], active: bool) -> Dock {
    Dock {
        id: id.into(),
        name: id.into(),
        sales_channels: channels.iter().map(|c| (*c).into()).collect(),
        freight_table_ids: Vec::new(),
        is_active: active,
    }
}

fn entry(sku: u32, wh: &str, qty: u64, date: Option<&str>) -> InventoryEntry {
    InventoryEntry {
        sku_id: SkuId(sku),
        warehouse_id: wh.into(),
        total_quantity: qty,
        unlimited_quantity: false,
        lead_time: LeadTime::default(),
        date_utc_on_balance_system: date.map(t),
    }
}

fn reservation(id: &str, sku: u32, wh: &str, qty: u64, status: ReservationStatus) -> Reservation {
    Reservation {
        id: id.into(),
        sku_id: SkuId(sku),
        warehouse_id: wh.into(),
        quantity: qty,
        status,
        expires_at: None,
        acknowledged_at: None,
    }
}

fn state() -> InventoryState {
    InventoryState {
        skus: (1..=3)
            .map(|i| KnownSku {
                id: SkuId(i),
                ref_id: Some(format!("R{i}")),
                ean: None,
            })
            .collect(),
        warehouses: vec![
            warehouse("sp", &["d1"], true),
            warehouse("rj", &["d2"], true),
            warehouse("old", &["d1"], false),
        ],
        docks: vec![dock("d1", &["1", "2"], true), dock("d2", &["1"], true)],
        entries: vec![
            entry(1, "sp", 10, Some("2024-06-10T00:00:00Z")),
            entry(1, "rj", 5, Some("2024-06-10T00:00:00Z")),
            entry(1, "old", 100, None),
        ],
        reservations: Vec::new(),
    }
}

fn avail(s: &InventoryState, sku: u32, policy: &str) -> Availability {
    availability(&AvailabilityRequest {
        current: s.clone(),
        sku_id: SkuId(sku),
        trade_policy_id: policy.into(),
    })
    .expect("valid state")
}

/// §E.3: available is the sum over active warehouses linked to an active dock of the trade
/// policy; total − reserved, never below 0; unlimited counts 1,000,000.
#[test]
fn availability_per_trade_policy() {
    let mut s = state();
    assert_eq!(avail(&s, 1, "1").available, 15);
    assert_eq!(avail(&s, 1, "2").available, 10);
    assert_eq!(avail(&s, 1, "3").available, 0);
    assert_eq!(avail(&s, 2, "1").available, 0);
    s.reservations = vec![
        reservation("a", 1, "sp", 4, ReservationStatus::Confirmed),
        reservation("b", 1, "rj", 9, ReservationStatus::Acknowledged),
        reservation("c", 1, "sp", 50, ReservationStatus::Cancelled),
        reservation("d", 1, "sp", 50, ReservationStatus::Cleared),
    ];
    let a = avail(&s, 1, "1");
    assert_eq!(a.available, 6);
    assert_eq!(
        a.warehouses
            .iter()
            .map(|w| (w.warehouse_id.as_str(), w.reserved_quantity, w.available))
            .collect::<Vec<_>>(),
        [("sp", 4, 6), ("rj", 9, 0)]
    );
    s.entries[1].unlimited_quantity = true;
    assert_eq!(avail(&s, 1, "1").available, 6 + UNLIMITED_QUANTITY);
    s.docks[1].is_active = false;
    assert_eq!(avail(&s, 1, "1").available, 6);
    s.entries.push(entry(1, "sp", 1, None));
    let e = availability(&AvailabilityRequest {
        current: s,
        sku_id: SkuId(1),
        trade_policy_id: "1".into(),
    })
    .expect_err("two entries");
    assert_eq!(
        (e.path.as_str(), e.code()),
        ("current.entries[3]", "INVENTORY_CURRENT_STATE_INVALID")
    );
}

/// §E.4: the reservation lifecycle.
#[test]
fn reservation_lifecycle() {
    use ReservationEventKind as K;
    use ReservationStatus as S;
    let ev = |kind, at: &str| ReservationEvent { kind, at: t(at) };
    // The status an event leads to, or the refusal's code.
    let status = |from: &Reservation, kind, at: &str| {
        transition(from, &ev(kind, at))
            .map(|x| x.status)
            .map_err(|e| e.code())
    };
    let mut r = reservation("r", 1, "sp", 2, S::Authorized);
    r.expires_at = Some(t("2024-06-14T00:00:00Z"));
    // Expiry cancels only an authorized reservation past its date.
    assert_eq!(
        status(&r, K::Expire, "2024-06-13T00:00:00Z"),
        Ok(S::Authorized)
    );
    assert_eq!(
        status(&r, K::Expire, "2024-06-14T00:00:00Z"),
        Ok(S::Cancelled)
    );
    assert_eq!(
        status(&r, K::Confirm, "2024-06-15T00:00:00Z"),
        Err("RESERVATION_EXPIRED")
    );
    assert_eq!(
        status(&r, K::Acknowledge, "2024-06-12T00:00:00Z"),
        Err("RESERVATION_NOT_CONFIRMED")
    );
    // Confirmed, acknowledged, then cleared by a count taken after the acknowledgement.
    let c = transition(&r, &ev(K::Confirm, "2024-06-12T00:00:00Z")).expect("confirm");
    assert_eq!(c.status, S::Confirmed);
    assert_eq!(
        status(&c, K::Expire, "2030-01-01T00:00:00Z"),
        Ok(S::Confirmed)
    );
    assert_eq!(
        transition(&c, &ev(K::Confirm, "2024-06-12T00:00:00Z")),
        Ok(c.clone())
    );
    let a = transition(&c, &ev(K::Acknowledge, "2024-06-13T00:00:00Z")).expect("ack");
    assert_eq!(
        (a.status, a.acknowledged_at.clone()),
        (S::Acknowledged, Some(t("2024-06-13T00:00:00Z")))
    );
    assert_eq!(
        status(&a, K::Cancel, "2024-06-13T01:00:00Z"),
        Err("RESERVATION_ACKNOWLEDGED")
    );
    assert_eq!(
        status(&a, K::Clear, "2024-06-12T23:00:00Z"),
        Ok(S::Acknowledged)
    );
    let cleared = transition(&a, &ev(K::Clear, "2024-06-13T00:00:00Z")).expect("ok");
    assert_eq!(cleared.status, S::Cleared);
    assert_eq!(
        status(&cleared, K::Confirm, "2024-06-14T00:00:00Z"),
        Err("RESERVATION_CLOSED")
    );
    // Cancelled before acknowledgement: released.
    let x = transition(&c, &ev(K::Cancel, "2024-06-12T01:00:00Z")).expect("cancel");
    assert_eq!(x.status, S::Cancelled);
    assert!(!x.status.counts() && a.status.counts());
}

/// §E.4: authorization expiry by the payment expiry's weekday.
#[test]
fn authorization_expiry_by_weekday() {
    // 2024-06-09 is a Sunday.
    for (day, extra) in [(9, 4), (10, 4), (11, 4), (12, 5), (13, 5), (14, 5), (15, 6)] {
        let at = t(&format!("2024-06-{day:02}T08:00:00Z"));
        let want = t(&format!("2024-06-{:02}T08:00:00Z", day + extra));
        assert_eq!(authorization_expiry(&at), Some(want), "day {day}");
    }
}

/// §E.2: lead times in Logistics' duration forms.
#[test]
fn lead_times() {
    for (s, want) in [
        ("3.00:00:00", Some(3 * 86_400)),
        ("0.01:30:00", Some(5400)),
        ("8", Some(8 * 86_400)),
        ("78:00:00", Some(78 * 86_400)),
        ("24:05:10", Some(24 * 86_400 + 5 * 3600 + 10 * 60)),
        ("1.24:00:00", None),
        ("1.00:60:00", None),
        ("abc", None),
        ("", None),
        ("-1", None),
    ] {
        assert_eq!(LeadTime::parse(s).map(|l| l.0), want, "{s:?}");
    }
}

fn count(r: &str, wh: &str, qty: i64, date: Option<&str>) -> StockCount {
    StockCount {
        sku: SkuKey::ref_id(r),
        warehouse: wh.into(),
        quantity: qty,
        unlimited_quantity: false,
        lead_time: None,
        date_utc_on_balance_system: date.map(Into::into),
    }
}

fn plan(s: &InventoryState, counts: Vec<StockCount>) -> Result<InventoryPlan, Vec<InventoryError>> {
    plan_inventory(s, &InventoryBatch { counts }, &t("2024-06-20T00:00:00Z"))
}

/// §E.5: only writes that change something; PATCH keeps the lead time; an older count is
/// stale; a newer equal count is only recorded; the replan after applying is empty.
#[test]
fn inventory_plan_writes_only_changes() {
    let s = state();
    let counts = vec![
        count("R1", "sp", 10, Some("2024-06-11T00:00:00Z")),
        count("R1", "rj", 7, Some("2024-06-09T00:00:00Z")),
        count("R2", "sp", 3, None),
        count("R1", "old", 100, Some("2024-06-11T00:00:00Z")),
        StockCount {
            lead_time: Some("2.00:00:00".into()),
            ..count("R3", "rj", 0, Some("2024-06-11T00:00:00Z"))
        },
    ];
    let p = plan(&s, counts.clone()).expect("valid");
    let methods: Vec<_> = p.writes.iter().map(|w| (w.count, w.method)).collect();
    assert_eq!(
        methods,
        [
            (0, InventoryWriteMethod::Record),
            (2, InventoryWriteMethod::Put),
            (3, InventoryWriteMethod::Record),
            (4, InventoryWriteMethod::Put),
        ]
    );
    assert_eq!(
        p.skipped,
        [SkippedCount {
            count: 1,
            reason: SkipReason::Stale
        }]
    );
    assert_eq!(
        p.writes[1].entry.date_utc_on_balance_system,
        Some(t("2024-06-20T00:00:00Z"))
    );
    assert_eq!(p.writes[3].entry.lead_time, LeadTime(2 * 86_400));
    let after = apply_inventory_plan(&s, &p);
    let again = plan(&after, counts).expect("valid");
    assert!(again.writes.is_empty(), "{again:?}");
    // A quantity change without a lead time is a PATCH that keeps the held lead time.
    let mut s2 = after.clone();
    s2.entries[0].lead_time = LeadTime(3600);
    let p = plan(
        &s2,
        vec![count("R1", "sp", 11, Some("2024-06-12T00:00:00Z"))],
    )
    .expect("valid");
    assert_eq!(p.writes[0].method, InventoryWriteMethod::PatchQuantity);
    assert_eq!(p.writes[0].entry.lead_time, LeadTime(3600));
    let p = plan(
        &s2,
        vec![StockCount {
            lead_time: Some("0.02:00:00".into()),
            ..count("R1", "sp", 10, Some("2024-06-12T00:00:00Z"))
        }],
    )
    .expect("valid");
    assert_eq!(p.writes[0].method, InventoryWriteMethod::PatchLeadTime);
}

/// §E.4 with §E.5: a count clears the acknowledged reservations it already reflects, so a
/// newer count with an unchanged quantity is still written when it clears one.
#[test]
fn a_count_clears_acknowledged_reservations() {
    let mut s = state();
    let mut early = reservation("early", 1, "sp", 2, ReservationStatus::Acknowledged);
    early.acknowledged_at = Some(t("2024-06-10T12:00:00Z"));
    let mut late = reservation("late", 1, "sp", 1, ReservationStatus::Acknowledged);
    late.acknowledged_at = Some(t("2024-06-11T12:00:00Z"));
    s.reservations = vec![early, late];
    let p = plan(
        &s,
        vec![count("R1", "sp", 10, Some("2024-06-11T00:00:00Z"))],
    )
    .expect("valid");
    assert_eq!(p.writes[0].method, InventoryWriteMethod::PatchQuantity);
    assert_eq!(p.writes[0].clears, ["early"]);
    let after = apply_inventory_plan(&s, &p);
    assert_eq!(after.reservations[0].status, ReservationStatus::Cleared);
    assert_eq!(
        after.reservations[1].status,
        ReservationStatus::Acknowledged
    );
}

/// §E.5: every error of a batch at once, each with its code and path.
#[test]
fn inventory_errors_with_code_and_path() {
    let s = state();
    let got: Vec<(String, &str)> = plan(
        &s,
        vec![
            count("R1", "nowhere", -1, Some("yesterday")),
            StockCount {
                lead_time: Some("soon".into()),
                ..count("R404", "sp", 1, None)
            },
            count("R2", "sp", 1, None),
            count("R2", "sp", 2, None),
            count("R2", "rj", i64::MAX, None),
            StockCount {
                sku: SkuKey::default(),
                ..count("", "rj", 1, None)
            },
        ],
    )
    .expect_err("invalid")
    .iter()
    .map(|e| (e.path.clone(), e.code()))
    .collect();
    let want: Vec<(String, &str)> = [
        ("counts[0].warehouse", "WAREHOUSE_NOT_FOUND"),
        ("counts[0].quantity", "QUANTITY_NEGATIVE"),
        ("counts[0].dateUtcOnBalanceSystem", "COUNT_DATE_INVALID"),
        ("counts[1]", "INVENTORY_SKU_NOT_FOUND"),
        ("counts[1].leadTime", "LEAD_TIME_INVALID"),
        ("counts[3]", "INVENTORY_COUNT_DUPLICATE"),
        ("counts[4].quantity", "QUANTITY_OUT_OF_RANGE"),
        ("counts[5]", "INVENTORY_SKU_KEY_MISSING"),
    ]
    .iter()
    .map(|(p, c)| ((*p).to_owned(), *c))
    .collect();
    assert_eq!(got, want);
}

/// §E.5: at one date the greater count wins whichever arrives first.
#[test]
fn equal_dates_converge() {
    let s = state();
    let d = Some("2024-06-12T00:00:00Z");
    let a = vec![count("R2", "sp", 4, d)];
    let b = vec![count("R2", "sp", 9, d)];
    let ab = apply_inventory_plan(&s, &plan(&s, a.clone()).expect("valid"));
    let ab = apply_inventory_plan(&ab, &plan(&ab, b.clone()).expect("valid"));
    let ba = apply_inventory_plan(&s, &plan(&s, b).expect("valid"));
    let ba = apply_inventory_plan(&ba, &plan(&ba, a).expect("valid"));
    assert_eq!(ab.entry(SkuId(2), "sp"), ba.entry(SkuId(2), "sp"));
    assert_eq!(ab.entry(SkuId(2), "sp").map(|e| e.total_quantity), Some(9));
}

/// The operations through the JSON boundary (`ops::call`), as Node calls them.
#[test]
fn through_the_json_boundary() {
    let answer = crate::ops::call(
        "planInventorySync",
        r#"{"current":{"skus":[{"id":1,"refId":"R1"}],"warehouses":[{"id":"sp"}]},
            "batch":{"counts":[{"refId":"R1","warehouse":"sp","quantity":-2},
                               {"refId":"R1","warehouse":"rj","quantity":1}]},
            "now":"2024-06-20T00:00:00Z"}"#,
    )
    .expect("an answer");
    let v: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(v["plan"], serde_json::Value::Null);
    assert_eq!(v["errors"][0]["code"], "QUANTITY_NEGATIVE");
    assert_eq!(v["errors"][0]["path"], "counts[0].quantity");
    assert_eq!(v["errors"][1]["code"], "WAREHOUSE_NOT_FOUND");
    let answer = crate::ops::call(
        "availability",
        r#"{"current":{"warehouses":[{"id":"sp","warehouseDocks":[{"dockId":"d"}]}],
            "docks":[{"id":"d","salesChannels":["1"]}],
            "entries":[{"skuId":1,"warehouseId":"sp","totalQuantity":5,"leadTime":"1.00:00:00"}]},
            "skuId":1,"tradePolicyId":"1"}"#,
    )
    .expect("an answer");
    let v: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(v["available"], 5);
    assert_eq!(v["warehouses"][0]["leadTime"], "1.00:00:00");
    let e = crate::ops::call(
        "reservationTransition",
        r#"{"reservation":{"id":"r","skuId":1,"warehouseId":"sp","quantity":1,"status":"acknowledged"},
            "event":{"kind":"cancel","at":"2024-06-20T00:00:00Z"}}"#,
    )
    .expect_err("after acknowledgement");
    assert_eq!(e.code, "RESERVATION_ACKNOWLEDGED");
}
