//! The ERP's customers: a deterministic sample of B2C and B2B customers with their addresses as
//! a ponte-core [`CustomerBatch`], the deltas an ERP sends later, and the near-duplicates a
//! storefront would have created for the same people (`docs/vtex/F-customers.md` §F.3, §F.4).
//!
//! - `GET /_sim/erp/customers?seed=1&count=5000&step=0`: every customer as the ERP holds it
//!   after `step` rounds of changes. 30 % are B2B (`isCorporate`, a valid CNPJ, corporate and
//!   trade names, a state registration or `isFreeStateRegistration`, `priceTables`), the rest
//!   B2C; everyone has a valid CPF, a phone and 1 or 2 addresses (about 1.6 on average: 8,000
//!   for 5,000 customers), mostly in Brazil (some in the USA, Argentina and Portugal). Emails are
//!   unique once normalised but arrive in mixed case, some with a `+tag`; names use accents
//!   and other scripts; postal codes come with and without their hyphen.
//! - `GET /_sim/erp/customers/delta?seed=1&count=5000&step=1`: the customers that changed in
//!   that round (about 2 % change their phone or last name, 0.5 % gain an address) and the new
//!   ones (0.5 % of `count` per round), each as its whole current record.
//! - `GET /_sim/erp/customers/storefront?seed=1&count=5000`: for about 10 % of the customers,
//!   the CL and AD documents a storefront would hold for them (checkout profile, the address
//!   typed by the shopper: an abbreviated street type, no accents, no hyphen, no name): the
//!   near-duplicates Ponte must recognise instead of creating twice. Tests write them into
//!   Master Data themselves; the ERP never writes to VTEX.
//!
//! The same parameters always give the same data (a seeded splitmix64).

use axum::Json;
use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use ponte_core::customers::{Address, CustomerBatch, CustomerItem, Profile};
use serde::Deserialize;
use serde_json::{Value, json};

/// Parameters of the sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CustomerParams {
    pub seed: u64,
    pub count: usize,
    pub step: u32,
}

impl Default for CustomerParams {
    fn default() -> Self {
        CustomerParams {
            seed: 1,
            count: 5000,
            step: 0,
        }
    }
}

/// The most customers a request may ask for.
pub const MAX_CUSTOMERS: usize = 100_000;

fn mix(seed: u64, parts: &[u64]) -> u64 {
    let mut x = seed ^ 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        x = x.wrapping_add(*p).wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x = z ^ (z >> 31);
    }
    x
}

fn pick<'a>(h: u64, items: &[&'a str]) -> &'a str {
    items[(h % items.len() as u64) as usize]
}

fn digits(n: u64, len: usize) -> Vec<u32> {
    let s = format!("{n:0len$}");
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

fn check(d: &[u32], weights: &[u32]) -> u32 {
    let r = d.iter().zip(weights).map(|(a, b)| a * b).sum::<u32>() % 11;
    if r < 2 { 0 } else { 11 - r }
}

/// A valid CPF for customer `i` (distinct for every `i` below 9,000).
pub fn cpf(i: u64) -> String {
    let mut d = digits(100_000_000 + i * 104_729 % 800_000_000, 9);
    let w1: Vec<u32> = (2..=10).rev().collect();
    d.push(check(&d, &w1));
    let w2: Vec<u32> = (2..=11).rev().collect();
    d.push(check(&d, &w2));
    let s: String = d.iter().map(|x| char::from(b'0' + *x as u8)).collect();
    format!("{}.{}.{}-{}", &s[..3], &s[3..6], &s[6..9], &s[9..])
}

/// A valid CNPJ (head office `0001`) for company `i`.
pub fn cnpj(i: u64) -> String {
    let mut d = digits(10_000_000 + i * 7_919 % 89_000_000, 8);
    d.extend([0, 0, 0, 1]);
    d.push(check(&d, &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]));
    d.push(check(&d, &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]));
    let s: String = d.iter().map(|x| char::from(b'0' + *x as u8)).collect();
    format!(
        "{}.{}.{}/{}-{}",
        &s[..2],
        &s[2..5],
        &s[5..8],
        &s[8..12],
        &s[12..]
    )
}

const FIRST: [&str; 12] = [
    "Ana", "João", "Maria", "José", "Luíza", "Pedro", "Zoë", "Ñandú", "Ólafur", "Beatriz",
    "Thiago", "Yūko",
];
const LAST: [&str; 10] = [
    "Souza",
    "da Silva",
    "Gonçalves",
    "Oliveira",
    "Ângelo",
    "Pereira",
    "O'Brien",
    "Nguyễn",
    "Lima",
    "Conceição",
];
const STREETS: [(&str, &str); 8] = [
    ("Avenida São João", "Av Sao Joao"),
    ("Rua Augusta", "R Augusta"),
    ("Rua da Consolação", "R da Consolacao"),
    ("Alameda Santos", "Al Santos"),
    ("Avenida Paulista", "Av. Paulista"),
    ("Rua Oscar Freire", "R. Oscar Freire"),
    ("Praça da Sé", "Pca da Se"),
    ("Avenida Brigadeiro Faria Lima", "Av Brigadeiro Faria Lima"),
];

fn address(seed: u64, i: u64, k: u64, b2b: bool) -> Address {
    let h = mix(seed, &[i, k, 7]);
    let (street, _) = STREETS[(h % STREETS.len() as u64) as usize];
    let abroad = h % 50;
    let (country, postal, city, state, street) = match abroad {
        0 => (
            "USA",
            format!("{:05}", 10_000 + h % 89_999),
            "New York",
            "NY",
            "5th Avenue".to_owned(),
        ),
        1 => (
            "ARG",
            format!("C{:04}ABC", 1000 + h % 8999),
            "Buenos Aires",
            "CABA",
            "Avenida Corrientes".to_owned(),
        ),
        2 => (
            "PRT",
            format!("{:04}-{:03}", 1000 + h % 8999, h % 1000),
            "Lisboa",
            "Lisboa",
            "Rua Augusta".to_owned(),
        ),
        _ => {
            let p = format!("{:08}", 1_000_000 + h % 98_999_999);
            let p = if h.is_multiple_of(2) {
                p
            } else {
                format!("{}-{}", &p[..5], &p[5..])
            };
            ("BRA", p, "São Paulo", "SP", street.to_owned())
        }
    };
    let names: [&str; 2] = if b2b {
        ["entrega", "cobrança"]
    } else {
        ["casa", "trabalho"]
    };
    let types: [&str; 2] = if b2b {
        ["commercial", "invoice"]
    } else {
        ["residential", "residential"]
    };
    Address {
        address_name: Some(names[(k % 2) as usize].to_owned()),
        address_type: Some(types[(k % 2) as usize].to_owned()),
        receiver_name: Some(format!(
            "{} {}",
            pick(mix(seed, &[i, 1]), &FIRST),
            pick(mix(seed, &[i, 2]), &LAST)
        )),
        street: Some(street),
        number: Some(format!("{}", 1 + (h >> 8) % 3000 + k)),
        complement: (h >> 20)
            .is_multiple_of(3)
            .then(|| format!("apto {}", 1 + (h >> 24) % 200)),
        neighborhood: Some("Centro".into()),
        city: Some(city.into()),
        state: Some(state.into()),
        country: Some(if h.is_multiple_of(7) {
            country.to_lowercase()
        } else {
            country.to_owned()
        }),
        postal_code: Some(postal),
        ..Address::default()
    }
}

fn email(seed: u64, i: u64) -> String {
    let h = mix(seed, &[i, 3]);
    let local = format!("cliente{i:05}");
    let domain = pick(h, &["example.com", "example.com.br", "loja.example"]);
    match h % 10 {
        0 => format!("{}@{}", local.to_uppercase(), domain.to_uppercase()),
        1 => format!("{local}+vip@{domain}"),
        2 => format!(" {local}@{domain} "),
        _ => format!("{local}@{domain}"),
    }
}

/// Customer `i` as the ERP holds it after `step` rounds of changes, with its changes so far.
pub fn customer(seed: u64, i: u64, step: u32) -> CustomerItem {
    let h = mix(seed, &[i]);
    let b2b = i % 10 < 3;
    let mut profile = Profile {
        email: Some(email(seed, i)),
        first_name: Some(pick(mix(seed, &[i, 1]), &FIRST).to_owned()),
        last_name: Some(pick(mix(seed, &[i, 2]), &LAST).to_owned()),
        phone: Some(format!("+55119{:08}", h % 100_000_000)),
        document_type: Some("CPF".into()),
        document: Some(cpf(i)),
        is_corporate: Some(b2b),
        is_newsletter_opt_in: Some(h.is_multiple_of(3)),
        locale_default: Some("pt-BR".into()),
        ..Profile::default()
    };
    if b2b {
        profile.corporate_name = Some(format!("Empresa {i:05} Comércio Ltda"));
        profile.trade_name = Some(format!("Loja {i:05}"));
        profile.corporate_document = Some(cnpj(i));
        if h.is_multiple_of(4) {
            profile.is_free_state_registration = Some(true);
        } else {
            profile.state_registration = Some(format!("{:012}", h % 1_000_000_000_000));
        }
        profile.price_tables = Some(format!("b2b,tier{}", 1 + h % 3));
    }
    let mut n = 1 + u64::from(h % 10 < 6);
    for st in 1..=step {
        let c = mix(seed, &[i, 1000 + u64::from(st)]) % 1000;
        if c < 20 {
            if c.is_multiple_of(2) {
                profile.phone = Some(format!(
                    "+55219{:08}",
                    mix(seed, &[i, u64::from(st)]) % 100_000_000
                ));
            } else {
                profile.last_name = Some(format!(
                    "{} {}",
                    pick(mix(seed, &[i, 2]), &LAST),
                    pick(c, &LAST)
                ));
            }
        } else if c < 25 && n < 2 {
            n += 1;
        }
    }
    let addresses = (0..n).map(|k| address(seed, i, k, b2b)).collect();
    CustomerItem {
        profile,
        addresses,
        stale_addresses: None,
    }
}

fn changed(seed: u64, i: u64, step: u32) -> bool {
    step > 0 && mix(seed, &[i, 1000 + u64::from(step)]) % 1000 < 25
}

/// How many customers exist after `step` rounds (0.5 % of `count` new per round).
pub fn population(count: usize, step: u32) -> usize {
    count + (count / 200) * step as usize
}

/// Every customer after `step` rounds.
pub fn customers(p: &CustomerParams) -> CustomerBatch {
    let n = population(p.count.min(MAX_CUSTOMERS), p.step);
    CustomerBatch {
        customers: (0..n as u64).map(|i| customer(p.seed, i, p.step)).collect(),
        ..CustomerBatch::default()
    }
}

/// The customers that changed or appeared in round `step`.
pub fn delta(p: &CustomerParams) -> CustomerBatch {
    let count = p.count.min(MAX_CUSTOMERS);
    let before = population(count, p.step.saturating_sub(1)) as u64;
    let after = population(count, p.step) as u64;
    let customers = (0..after)
        .filter(|&i| i >= before || changed(p.seed, i, p.step))
        .map(|i| customer(p.seed, i, p.step))
        .collect();
    CustomerBatch {
        customers,
        ..CustomerBatch::default()
    }
}

/// The CL and AD documents a storefront would hold for about 10 % of the customers: `profiles`
/// (`email` lower-cased, names, `document` digits only) and `addresses` (`profileEmail` naming
/// the profile; the street's type abbreviated, accents dropped, the postal code without hyphen,
/// no `addressName`).
pub fn storefront(p: &CustomerParams) -> Value {
    let mut profiles = Vec::new();
    let mut addresses = Vec::new();
    for i in 0..p.count.min(MAX_CUSTOMERS) as u64 {
        if !mix(p.seed, &[i, 9]).is_multiple_of(10) {
            continue;
        }
        let c = customer(p.seed, i, 0);
        let email = c
            .profile
            .email
            .clone()
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        profiles.push(json!({
            "email": email,
            "firstName": c.profile.first_name,
            "lastName": c.profile.last_name,
            "documentType": "CPF",
            "document": c.profile.document.unwrap_or_default().replace(['.', '-'], ""),
        }));
        if let Some(a) = c.addresses.first()
            && a.country
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case("BRA"))
        {
            let typed = STREETS
                .iter()
                .find(|(full, _)| Some(*full) == a.street.as_deref())
                .map_or(a.street.clone().unwrap_or_default(), |(_, short)| {
                    (*short).to_owned()
                });
            addresses.push(json!({
                "profileEmail": email,
                "addressType": "residential",
                "receiverName": a.receiver_name,
                "street": typed,
                "number": a.number,
                "complement": a.complement,
                "city": "Sao Paulo",
                "state": "SP",
                "country": "BRA",
                "postalCode": a.postal_code.clone().unwrap_or_default().replace('-', ""),
            }));
        }
    }
    json!({"profiles": profiles, "addresses": addresses})
}

/// The CL fields a storefront sign-up writes for shopper `i` of `seed` **[sim's choice]**: an
/// email of its own (`signup-{seed}-{i}@example.com`, never one of the ERP's), names, a CPF
/// (digits only, as the storefront sends it) and the newsletter choice; Master Data adds the
/// system fields (`updatedIn`...), §F.1.
pub fn signup(seed: u64, i: u64) -> serde_json::Map<String, Value> {
    let n = 900_000 + mix(seed, &[i, 21]) % 90_000;
    let mut m = serde_json::Map::new();
    m.insert(
        "email".into(),
        json!(format!("signup-{seed}-{i}@example.com")),
    );
    m.insert("firstName".into(), json!(pick(mix(seed, &[i, 22]), &FIRST)));
    m.insert("lastName".into(), json!(pick(mix(seed, &[i, 23]), &LAST)));
    m.insert("documentType".into(), json!("CPF"));
    m.insert("document".into(), json!(cpf(n).replace(['.', '-'], "")));
    m.insert(
        "isNewsletterOptIn".into(),
        json!(mix(seed, &[i, 24]).is_multiple_of(2)),
    );
    m
}

/// `/_sim/erp/customers...` (no state: the data is a function of the parameters).
pub fn routes() -> Router {
    Router::new()
        .route(
            "/_sim/erp/customers",
            get(|Query(p): Query<CustomerParams>| async move {
                Json(
                    tokio::task::spawn_blocking(move || customers(&p))
                        .await
                        .unwrap_or_default(),
                )
            }),
        )
        .route(
            "/_sim/erp/customers/delta",
            get(|Query(p): Query<CustomerParams>| async move {
                Json(
                    tokio::task::spawn_blocking(move || delta(&p))
                        .await
                        .unwrap_or_default(),
                )
            }),
        )
        .route(
            "/_sim/erp/customers/storefront",
            get(|Query(p): Query<CustomerParams>| async move { Json(storefront(&p)) }),
        )
}

/// What the ERP received from Ponte about its customers: the erasure requests (LGPD/GDPR) Ponte
/// forwards after removing a shopper from Master Data. In memory **[sim's choice]**.
///
/// - `POST /erp/customers/erasures` on the ERP's host `{requestId, email}` → `200 {requestId,
///   received: n}`; a `requestId` seen before is answered again without a second record (the
///   ERP's side of exactly once);
/// - `GET /_sim/erp/customers/erasures`: every request received, in order, with how many times
///   each `requestId` arrived.
///
/// And the customers created or changed in VTEX that Ponte delivers (customers/changes.ts in
/// the service), HTTPS only as the ERP's other routes ([`super::providers::https_only`]):
///
/// - `POST /customers/changes` (and `/erp/customers/changes`) on the ERP's host, header
///   `x-ponte-delivery-id` equal to the body's `deliveryId`, body `{deliveryId, id, email,
///   updatedIn, profile}` → `200 {deliveryId, received: n}`; a deliveryId seen before is counted,
///   not recorded again (the ERP's side of exactly once); `400` without a deliveryId or when the
///   header and the body disagree;
/// - `GET /_sim/erp/customers/changes`: `{changes: [{change, times}], received, duplicates}` in
///   the order first received.
#[derive(Debug, Default)]
pub struct ErpCustomerInbox {
    erasures: std::sync::Mutex<Vec<(Value, u32)>>,
    changes: std::sync::Mutex<ChangeLog>,
}

#[derive(Debug, Default)]
struct ChangeLog {
    order: Vec<String>,
    by_id: std::collections::HashMap<String, (Value, u32)>,
}

async fn receive_change(
    axum::extract::State(inbox): axum::extract::State<std::sync::Arc<ErpCustomerInbox>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let bad = |m: &str| {
        (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"error": m})),
        )
            .into_response()
    };
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return bad("not JSON");
    };
    let Some(id) = v
        .get("deliveryId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
    else {
        return bad("deliveryId missing");
    };
    if headers
        .get("x-ponte-delivery-id")
        .and_then(|h| h.to_str().ok())
        != Some(id.as_str())
    {
        return bad("x-ponte-delivery-id differs from the body's deliveryId");
    }
    let mut log = inbox
        .changes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let received = match log.by_id.get_mut(&id) {
        Some((_, n)) => {
            *n += 1;
            *n
        }
        None => {
            log.order.push(id.clone());
            log.by_id.insert(id.clone(), (v, 1));
            1
        }
    };
    Json(json!({"deliveryId": id, "received": received})).into_response()
}

async fn list_changes(
    axum::extract::State(inbox): axum::extract::State<std::sync::Arc<ErpCustomerInbox>>,
) -> Json<Value> {
    let log = inbox
        .changes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut received = 0u64;
    let changes: Vec<Value> = log
        .order
        .iter()
        .filter_map(|id| log.by_id.get(id))
        .map(|(c, n)| {
            received += u64::from(*n);
            json!({"change": c, "times": n})
        })
        .collect();
    let duplicates = received - changes.len() as u64;
    Json(json!({"changes": changes, "received": received, "duplicates": duplicates}))
}

async fn receive_erasure(
    axum::extract::State(inbox): axum::extract::State<std::sync::Arc<ErpCustomerInbox>>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"error": "not JSON"})),
        )
            .into_response();
    };
    let Some(id) = v
        .get("requestId")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"error": "requestId missing"})),
        )
            .into_response();
    };
    let mut list = inbox
        .erasures
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let received = match list
        .iter_mut()
        .find(|(e, _)| e.get("requestId").and_then(Value::as_str) == Some(id.as_str()))
    {
        Some((_, n)) => {
            *n += 1;
            *n
        }
        None => {
            list.push((v, 1));
            1
        }
    };
    Json(json!({"requestId": id, "received": received})).into_response()
}

async fn list_erasures(
    axum::extract::State(inbox): axum::extract::State<std::sync::Arc<ErpCustomerInbox>>,
) -> Json<Value> {
    let list = inbox
        .erasures
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Json(Value::Array(
        list.iter()
            .map(|(e, n)| json!({"request": e, "times": n}))
            .collect(),
    ))
}

/// The ERP host's customer routes (Ponte calls them).
pub fn receiver_routes() -> Router<std::sync::Arc<ErpCustomerInbox>> {
    Router::new()
        .route(
            "/erp/customers/erasures",
            axum::routing::post(receive_erasure),
        )
        .merge(
            Router::new()
                .route("/customers/changes", axum::routing::post(receive_change))
                .route(
                    "/erp/customers/changes",
                    axum::routing::post(receive_change),
                )
                .layer(axum::middleware::from_fn(super::providers::https_only)),
        )
}

/// `GET /_sim/erp/customers/erasures` and `GET /_sim/erp/customers/changes`.
pub fn inbox_routes() -> Router<std::sync::Arc<ErpCustomerInbox>> {
    Router::new()
        .route("/_sim/erp/customers/erasures", get(list_erasures))
        .route("/_sim/erp/customers/changes", get(list_changes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::customers::{
        CustomerState, address_key, apply_customer_plan, canonical_address, plan_customers,
        validate_batch,
    };

    #[test]
    fn five_thousand_valid_customers_with_about_eight_thousand_addresses() {
        let batch = customers(&CustomerParams::default());
        let valid = validate_batch(&batch).unwrap_or_else(|e| panic!("{:?}", &e[..e.len().min(5)]));
        assert_eq!(valid.len(), 5000);
        let addresses: usize = valid.iter().map(|c| c.addresses.len()).sum();
        assert!((7600..=8400).contains(&addresses), "{addresses}");
        let b2b = valid
            .iter()
            .filter(|c| c.profile.is_corporate == Some(true))
            .count();
        assert_eq!(b2b, 1500);
        assert_eq!(
            customers(&CustomerParams::default()),
            batch,
            "deterministic"
        );
    }

    #[test]
    fn deltas_are_valid_and_carry_the_changes_and_the_new_customers() {
        let p = CustomerParams {
            step: 1,
            ..CustomerParams::default()
        };
        let d = delta(&p);
        assert!(validate_batch(&d).is_ok());
        let n = d.customers.len();
        assert!((100..=200).contains(&n), "{n}");
        let full = customers(&p);
        for c in &d.customers {
            assert!(full.customers.contains(c));
        }
        // Planned against the state the first run leaves, a delta writes only its changes.
        let first = customers(&CustomerParams::default());
        let plan = plan_customers("ponte", &CustomerState::default(), &first).expect("plan");
        let state = apply_customer_plan(&CustomerState::default(), &plan);
        let plan = plan_customers("ponte", &state, &d).expect("plan");
        assert!(plan.summary.profiles_created == 25, "{:?}", plan.summary);
        assert!(plan.writes.len() < 2 * n + 25, "{}", plan.writes.len());
    }

    #[test]
    fn storefront_addresses_are_near_duplicates_of_the_erp_ones() {
        let p = CustomerParams::default();
        let s = storefront(&p);
        let list = s["addresses"].as_array().cloned().unwrap_or_default();
        assert!(list.len() > 300, "{}", list.len());
        let batch = customers(&p);
        for a in &list {
            let typed: Address = serde_json::from_value(a.clone()).expect("address");
            let email = a["profileEmail"].as_str().unwrap_or_default();
            let erp = batch
                .customers
                .iter()
                .find(|c| {
                    c.profile
                        .email
                        .as_deref()
                        .map(|e| e.trim().to_lowercase())
                        .as_deref()
                        == Some(email)
                })
                .expect("its customer");
            assert_ne!(typed.street, erp.addresses[0].street);
            assert_eq!(
                address_key(&canonical_address(&typed)),
                address_key(&canonical_address(&erp.addresses[0])),
                "{typed:?}"
            );
        }
    }

    async fn call(
        router: Router,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, Value) {
        use tower::ServiceExt;
        let mut req = axum::http::Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let Ok(req) = req.body(axum::body::Body::from(body.to_owned())) else {
            return (0, Value::Null);
        };
        let Ok(res) = router.oneshot(req).await;
        let status = res.status().as_u16();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn the_erp_takes_each_change_once_over_https_and_counts_duplicates() {
        let inbox = std::sync::Arc::new(ErpCustomerInbox::default());
        let erp = receiver_routes().with_state(inbox.clone());
        let sim = inbox_routes().with_state(inbox);
        let body = r#"{"deliveryId":"cl-1:2026-01-01T00:00:00.0000000Z","id":"cl-1","email":"a@example.com","updatedIn":"2026-01-01T00:00:00.0000000Z","profile":{}}"#;
        let id = "cl-1:2026-01-01T00:00:00.0000000Z";
        let https = ("x-vtex-use-https", "true");
        let (status, _) = call(
            erp.clone(),
            "POST",
            "/erp/customers/changes",
            &[("x-ponte-delivery-id", id)],
            body,
        )
        .await;
        assert_eq!(status, 403, "clear text is refused");
        let (status, _) = call(
            erp.clone(),
            "POST",
            "/customers/changes",
            &[https, ("x-ponte-delivery-id", "other")],
            body,
        )
        .await;
        assert_eq!(status, 400, "header and body disagree");
        for (n, path) in [(1, "/erp/customers/changes"), (2, "/customers/changes")] {
            let (status, answer) = call(
                erp.clone(),
                "POST",
                path,
                &[https, ("x-ponte-delivery-id", id)],
                body,
            )
            .await;
            assert_eq!((status, answer["received"].clone()), (200, json!(n)));
        }
        let (_, log) = call(sim, "GET", "/_sim/erp/customers/changes", &[], "").await;
        assert_eq!(log["received"], json!(2));
        assert_eq!(log["duplicates"], json!(1));
        assert_eq!(log["changes"].as_array().map(Vec::len), Some(1));
        assert_eq!(log["changes"][0]["times"], json!(2));
    }

    #[test]
    fn signups_have_their_own_emails_and_valid_cpfs() {
        let a = signup(7, 1);
        assert_eq!(a["email"], json!("signup-7-1@example.com"));
        assert_eq!(a, signup(7, 1));
        assert_ne!(a["email"], signup(7, 2)["email"]);
        let doc = a["document"].as_str().unwrap_or_default();
        assert_eq!(doc.len(), 11);
        assert!(ponte_core::customers::validate::normalize_cpf(doc).is_some());
    }

    #[test]
    fn documents_are_valid() {
        for i in 0..9000 {
            assert!(
                ponte_core::customers::validate::normalize_cpf(&cpf(i)).is_some(),
                "{i}"
            );
            assert!(
                ponte_core::customers::validate::normalize_cnpj(&cnpj(i)).is_some(),
                "{i}"
            );
        }
    }
}
