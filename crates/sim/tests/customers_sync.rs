//! ponte-core's customer plan executed against the simulator's Master Data over real HTTP
//! (§F.4, §F.5), with the ERP's sample customers and the storefront's near-duplicates of some
//! of them: exactly one CL per email afterwards, every AD linked to its CL by the bare id, the
//! storefront's addresses recognised instead of created twice, a second run that writes
//! nothing, and concurrent creates of one new person landing on one profile.

mod common;

use common::{APP_KEY, APP_TOKEN, client, proxied, start, stop, temp_dir};
use ponte_core::customers::{
    AdDocument, ClDocument, CustomerBatch, CustomerPlan, CustomerState, CustomerWrite, Entity,
    WriteMethod, plan_customers,
};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

const HOST: &str = "http://ponte.vtexcommercestable.com.br/api/dataentities";
const COUNT: usize = 300;

async fn send(c: &Client, method: Method, path: &str, body: Option<&Value>) -> (StatusCode, Value) {
    let mut rb = c
        .request(method, format!("{HOST}{path}"))
        .header(APP_KEY.0, APP_KEY.1)
        .header(APP_TOKEN.0, APP_TOKEN.1);
    if let Some(b) = body {
        rb = rb.json(b);
    }
    let r = rb.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn sim_get(sim: &ponte_sim::Sim, path: &str) -> Value {
    client()
        .get(format!("{}{path}", sim.url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every document of an entity through the scroll, as the service reads them.
async fn scroll_all(c: &Client, acronym: &str) -> Vec<Map<String, Value>> {
    let auth = |rb: reqwest::RequestBuilder| {
        rb.header(APP_KEY.0, APP_KEY.1)
            .header(APP_TOKEN.0, APP_TOKEN.1)
    };
    let first = auth(c.get(format!("{HOST}/{acronym}/scroll?_size=1000&_fields=_all")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("scroll: {e}"));
    let token = first
        .headers()
        .get("x-vtex-md-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut out: Vec<Map<String, Value>> = first
        .json::<Vec<Map<String, Value>>>()
        .await
        .unwrap_or_default();
    loop {
        let page: Vec<Map<String, Value>> =
            auth(c.get(format!("{HOST}/{acronym}/scroll?_token={token}")))
                .send()
                .await
                .unwrap_or_else(|e| panic!("scroll: {e}"))
                .json()
                .await
                .unwrap_or_default();
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

async fn current(c: &Client, written: &[ponte_core::customers::WrittenCustomer]) -> CustomerState {
    let profiles = scroll_all(c, "CL")
        .await
        .into_iter()
        .filter_map(|d| serde_json::from_value::<ClDocument>(Value::Object(d)).ok())
        .collect();
    let addresses = scroll_all(c, "AD")
        .await
        .into_iter()
        .filter_map(|d| serde_json::from_value::<AdDocument>(Value::Object(d)).ok())
        .collect();
    CustomerState {
        profiles,
        addresses,
        written: written.to_vec(),
    }
}

fn call_of(w: &CustomerWrite) -> (Method, String, Option<Value>) {
    let ac = match w.entity {
        Entity::Cl => "CL",
        Entity::Ad => "AD",
    };
    let mut fields = serde_json::to_value(&w.profile).unwrap_or(Value::Null);
    if let (Some(a), Value::Null) = (&w.address, &fields) {
        fields = serde_json::to_value(a).unwrap_or(Value::Null);
    }
    match w.method {
        WriteMethod::Upsert => {
            fields["id"] = json!(w.id);
            if let Some(u) = &w.user_id {
                fields["userId"] = json!(u);
            }
            (Method::PATCH, format!("/{ac}/documents"), Some(fields))
        }
        WriteMethod::Patch => (
            Method::PATCH,
            format!("/{ac}/documents/{}", w.id),
            Some(fields),
        ),
        WriteMethod::Delete => (Method::DELETE, format!("/{ac}/documents/{}", w.id), None),
    }
}

async fn execute(c: &Client, plan: &CustomerPlan) {
    for w in &plan.writes {
        let (method, path, body) = call_of(w);
        let (status, answer) = send(c, method, &path, body.as_ref()).await;
        // 304: the upsert found the document as it would make it (a retry, another replica).
        assert!(
            status.is_success() || status == StatusCode::NOT_MODIFIED,
            "{path}: {status} {answer}"
        );
    }
}

#[tokio::test]
async fn the_erp_customers_land_once_and_a_second_run_writes_nothing() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);

    // The storefront already knows some of them (checkout profiles and typed addresses).
    let store = sim_get(
        &sim,
        &format!("/_sim/erp/customers/storefront?count={COUNT}"),
    )
    .await;
    let mut ids_by_email = BTreeMap::new();
    for p in store["profiles"].as_array().cloned().unwrap_or_default() {
        let (status, body) = send(&c, Method::POST, "/CL/documents", Some(&p)).await;
        assert_eq!(status, StatusCode::CREATED);
        ids_by_email.insert(
            p["email"].as_str().unwrap_or_default().to_owned(),
            body["documentId"].clone(),
        );
    }
    let mut twins = 0;
    for mut a in store["addresses"].as_array().cloned().unwrap_or_default() {
        let email = a["profileEmail"].as_str().unwrap_or_default().to_owned();
        if let Some(obj) = a.as_object_mut() {
            obj.remove("profileEmail");
            obj.insert("userId".into(), ids_by_email[&email].clone());
        }
        let (status, _) = send(&c, Method::POST, "/AD/documents", Some(&a)).await;
        assert_eq!(status, StatusCode::CREATED);
        twins += 1;
    }
    assert!(twins > 10, "{twins}");

    // First run: read, plan, write.
    let batch: CustomerBatch =
        serde_json::from_value(sim_get(&sim, &format!("/_sim/erp/customers?count={COUNT}")).await)
            .unwrap_or_else(|e| panic!("batch: {e}"));
    let state = current(&c, &[]).await;
    let plan = plan_customers("ponte", &state, &batch)
        .unwrap_or_else(|e| panic!("{:?}", &e[..e.len().min(3)]));
    assert_eq!(
        plan.summary.profiles_created as usize,
        COUNT - ids_by_email.len()
    );
    assert!(plan.duplicates.is_empty());
    execute(&c, &plan).await;

    // What the sim's own store holds: one CL per email, every AD linked, no twin doubled.
    let cls = sim_get(&sim, "/_sim/masterdata/CL/documents").await;
    let cls = cls.as_array().cloned().unwrap_or_default();
    let emails: Vec<String> = cls
        .iter()
        .filter_map(|d| d["email"].as_str().map(|e| e.trim().to_lowercase()))
        .collect();
    let unique: BTreeSet<&String> = emails.iter().collect();
    assert_eq!(
        (emails.len(), unique.len()),
        (COUNT, COUNT),
        "one CL per email"
    );
    let cl_ids: BTreeSet<&str> = cls.iter().filter_map(|d| d["id"].as_str()).collect();
    let ads = sim_get(&sim, "/_sim/masterdata/AD/documents").await;
    let ads = ads.as_array().cloned().unwrap_or_default();
    for a in &ads {
        assert!(
            cl_ids.contains(a["userId"].as_str().unwrap_or_default()),
            "AD {} links to no CL",
            a["id"]
        );
    }
    let erp_addresses: usize = batch.customers.iter().map(|c| c.addresses.len()).sum();
    assert_eq!(
        ads.len(),
        erp_addresses,
        "the storefront's addresses were matched, not doubled"
    );

    // Second run on what VTEX now holds and Ponte's record: nothing to write.
    let state = current(&c, &plan.written).await;
    let again = plan_customers("ponte", &state, &batch)
        .unwrap_or_else(|e| panic!("{:?}", &e[..e.len().min(3)]));
    assert_eq!(again.writes.len(), 0, "{:?}", again.summary);

    // A delta: only the changes, then nothing again.
    let delta: CustomerBatch = serde_json::from_value(
        sim_get(
            &sim,
            &format!("/_sim/erp/customers/delta?count={COUNT}&step=1"),
        )
        .await,
    )
    .unwrap_or_else(|e| panic!("delta: {e}"));
    let mut written = plan.written.clone();
    let plan = plan_customers("ponte", &state, &delta)
        .unwrap_or_else(|e| panic!("{:?}", &e[..e.len().min(3)]));
    assert!(!plan.writes.is_empty());
    execute(&c, &plan).await;
    for w in plan.written {
        match written.iter_mut().find(|x| x.email == w.email) {
            Some(x) => *x = w,
            None => written.push(w),
        }
    }
    let state = current(&c, &written).await;
    let again = plan_customers("ponte", &state, &delta)
        .unwrap_or_else(|e| panic!("{:?}", &e[..e.len().min(3)]));
    assert_eq!(again.writes.len(), 0, "{:?}", again.summary);
    stop(sim).await;
}

#[tokio::test]
async fn concurrent_creates_of_one_new_person_land_on_one_profile() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);
    let batch: CustomerBatch = serde_json::from_value(json!({"customers": [
        {"email": "New.Person@Example.com", "firstName": "Nova", "addresses": [
            {"addressName": "casa", "street": "Rua Augusta", "number": "1", "city": "São Paulo", "country": "BRA", "postalCode": "01305-000"}
        ]}
    ]}))
    .unwrap_or_else(|e| panic!("{e}"));
    // 50 replicas plan at the same moment against the same empty read, and all write.
    let plan = plan_customers("ponte", &CustomerState::default(), &batch)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (c, plan) = (c.clone(), plan.clone());
        tasks.push(tokio::spawn(async move { execute(&c, &plan).await }));
    }
    for t in tasks {
        t.await.unwrap_or_else(|e| panic!("{e}"));
    }
    let cls = sim_get(&sim, "/_sim/masterdata/CL/documents").await;
    assert_eq!(cls.as_array().map(Vec::len), Some(1), "{cls}");
    let ads = sim_get(&sim, "/_sim/masterdata/AD/documents").await;
    assert_eq!(ads.as_array().map(Vec::len), Some(1), "{ads}");
    stop(sim).await;
}
