//! Master Data v1 as the simulator plays it (crates/sim/src/vtex/masterdata), over real HTTP
//! through the proxy on the account host (docs/vtex/F-customers.md §F.1, §F.2): documents of
//! CL, AD and any acronym, the upserts, search with `_where`, `_fields`, `_sort` and
//! `REST-Range`, scroll with its token expiring on the simulated clock, versions, private fields
//! refused without credentials, uniqueness not enforced, throttling and persistence.

mod common;

use common::{APP_KEY, APP_TOKEN, client, proxied, sim_put, start, stop, temp_dir};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const HOST: &str = "http://ponte.vtexcommercestable.com.br/api/dataentities";

struct R {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn req(
    c: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
    credentials: bool,
) -> R {
    let mut rb = c.request(method, format!("{HOST}{path}"));
    if credentials {
        rb = rb
            .header(APP_KEY.0, APP_KEY.1)
            .header(APP_TOKEN.0, APP_TOKEN.1);
    }
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let resp = rb.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    R {
        status,
        headers,
        body,
    }
}

async fn call(c: &Client, method: Method, path: &str, body: Option<Value>) -> R {
    req(c, method, path, body, &[], true).await
}

async fn get(c: &Client, path: &str) -> R {
    call(c, Method::GET, path, None).await
}

async fn post(c: &Client, path: &str, body: Value) -> R {
    call(c, Method::POST, path, Some(body)).await
}

async fn patch(c: &Client, path: &str, body: Value) -> R {
    call(c, Method::PATCH, path, Some(body)).await
}

async fn put(c: &Client, path: &str, body: Value) -> R {
    call(c, Method::PUT, path, Some(body)).await
}

async fn delete(c: &Client, path: &str) -> R {
    call(c, Method::DELETE, path, None).await
}

/// A search with `REST-Range: {range}`.
async fn ranged(c: &Client, path: &str, range: &str) -> R {
    req(c, Method::GET, path, None, &[("REST-Range", range)], true).await
}

/// A request without credentials.
async fn anon(c: &Client, method: Method, path: &str, body: Option<Value>) -> R {
    req(c, method, path, body, &[], false).await
}

fn header(r: &R, name: &str) -> String {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn ids(r: &R) -> Vec<String> {
    r.body
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn documents_upserts_private_fields_and_duplicates() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);

    // POST: 201 with the prefixed id, the href and the bare documentId.
    let r = post(
        &c,
        "/CL/documents",
        json!({"email": "ana@x.com", "firstName": "Ana", "isCorporate": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["documentId"].as_str().unwrap_or_default().to_owned();
    assert_eq!(r.body["id"], json!(format!("CL-{id}")));
    assert!(
        r.body["href"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&format!("/api/dataentities/CL/documents/{id}"))
    );

    // GET: the id fields, plus what `_fields` names; `_all` every field.
    let r = get(&c, &format!("/CL/documents/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["id"], json!(id));
    assert_eq!(r.body["dataEntityId"], json!("CL"));
    assert_eq!(r.body["accountName"], json!("ponte"));
    assert!(r.body.get("email").is_none(), "{}", r.body);
    let r = get(&c, &format!("/CL/documents/CL-{id}?_fields=email,phone")).await;
    assert_eq!(
        (r.body["email"].clone(), r.body["phone"].clone()),
        (json!("ana@x.com"), Value::Null)
    );
    let r = get(&c, &format!("/CL/documents/{id}?_fields=_all")).await;
    assert_eq!(r.body["firstName"], json!("Ana"));
    assert!(
        r.body["createdIn"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z'))
    );
    assert_eq!(
        r.body["createdBy"],
        json!(APP_KEY.1),
        "the app key, never the token"
    );

    // Without credentials, private fields are refused (all CL fields are private).
    let r = anon(
        &c,
        Method::GET,
        &format!("/CL/documents/{id}?_fields=email"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["Message"], json!("Cannot read private fields"));
    let r = anon(&c, Method::GET, &format!("/CL/documents/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "the id fields are not private");
    let r = anon(
        &c,
        Method::PATCH,
        &format!("/CL/documents/{id}"),
        Some(json!({"phone": "1"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = anon(&c, Method::GET, "/CL/search?email=ana@x.com", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // PATCH .../{id}: only the fields sent; 404 for a missing document.
    let r = patch(
        &c,
        &format!("/CL/documents/{id}"),
        json!({"lastName": "Souza"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = get(
        &c,
        &format!("/CL/documents/{id}?_fields=firstName,lastName"),
    )
    .await;
    assert_eq!(
        (r.body["firstName"].clone(), r.body["lastName"].clone()),
        (json!("Ana"), json!("Souza"))
    );
    let r = patch(&c, "/CL/documents/nope", json!({"lastName": "X"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // PATCH .../documents: the partial upsert; 304 when nothing changes.
    let r = patch(
        &c,
        "/CL/documents",
        json!({"id": "fixed-1", "email": "bia@x.com"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["documentId"], json!("fixed-1"));
    let r = patch(
        &c,
        "/CL/documents",
        json!({"id": "CL-fixed-1", "email": "bia@x.com"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    let r = patch(
        &c,
        "/CL/documents",
        json!({"id": "fixed-1", "firstName": "Bia"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = get(&c, "/CL/documents/fixed-1?_fields=email,firstName").await;
    assert_eq!(
        (r.body["email"].clone(), r.body["firstName"].clone()),
        (json!("bia@x.com"), json!("Bia"))
    );

    // PUT .../{id} replaces: fields left out are cleared; PUT .../documents is the full upsert.
    let r = put(&c, "/CL/documents/fixed-1", json!({"email": "bia@x.com"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = get(&c, "/CL/documents/fixed-1?_fields=firstName").await;
    assert_eq!(r.body["firstName"], Value::Null);
    let r = put(
        &c,
        "/CL/documents",
        json!({"id": "fixed-2", "email": "c@x.com"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = put(
        &c,
        "/CL/documents",
        json!({"id": "fixed-2", "email": "c2@x.com"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    // Uniqueness is not enforced: a second profile with the same email is created.
    let r = post(&c, "/CL/documents", json!({"email": "ana@x.com"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = get(&c, "/CL/search?_where=email=ana@x.com&_fields=email").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(ids(&r).len(), 2, "{}", r.body);
    // ...unless the emulator default of §F.1 is switched on.
    assert_eq!(
        sim_put(
            &sim,
            "/_sim/masterdata/settings",
            &json!({"uniqueClEmail": true})
        )
        .await,
        StatusCode::OK
    );
    let r = post(&c, "/CL/documents", json!({"email": "ana@x.com"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let off = json!({"uniqueClEmail": false});
    assert_eq!(
        sim_put(&sim, "/_sim/masterdata/settings", &off).await,
        StatusCode::OK
    );

    // AD linked by the bare CL id; a generic acronym, public by default.
    let r = post(
        &c,
        "/AD/documents",
        json!({"userId": id, "addressName": "casa", "postalCode": "01035-000"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = get(&c, &format!("/AD/search?userId={id}&_fields=addressName")).await;
    assert_eq!(r.body[0]["addressName"], json!("casa"));
    let r = anon(
        &c,
        Method::POST,
        "/ZZ/documents",
        Some(json!({"note": "hi"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let zz = r.body["documentId"].as_str().unwrap_or_default().to_owned();
    let r = anon(
        &c,
        Method::GET,
        &format!("/ZZ/documents/{zz}?_fields=note"),
        None,
    )
    .await;
    assert_eq!(r.body["note"], json!("hi"));

    // Versions: every write keeps one; PUT restores.
    let r = get(&c, &format!("/CL/documents/{id}/versions")).await;
    let versions = r.body.as_array().cloned().unwrap_or_default();
    assert_eq!(versions.len(), 2, "{}", r.body);
    let first = versions[0]["id"].as_str().unwrap_or_default().to_owned();
    let r = get(&c, &format!("/CL/documents/{id}/versions/{first}")).await;
    assert_eq!(r.body["document"]["lastName"], Value::Null);
    let r = call(
        &c,
        Method::PUT,
        &format!("/CL/documents/{id}/versions/{first}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = get(&c, &format!("/CL/documents/{id}?_fields=lastName")).await;
    assert_eq!(
        r.body["lastName"],
        Value::Null,
        "restored to before the PATCH"
    );

    // DELETE, then 404.
    let r = delete(&c, &format!("/CL/documents/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = get(&c, &format!("/CL/documents/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Entities and their structure.
    let r = get(&c, "").await;
    let acronyms: Vec<&str> = r
        .body
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["acronym"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(acronyms, vec!["AD", "CL", "ZZ"]);
    let r = get(&c, "/CL").await;
    assert_eq!(r.body["primaryKeyType"], json!("GUID"));
    assert!(r.body["fields"].as_array().is_some_and(|f| {
        f.iter()
            .any(|f| f["name"] == json!("email") && f["isFilter"] == json!(true))
    }));

    // Everything survives a restart.
    stop(sim).await;
    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);
    let r = get(&c, "/CL/documents/fixed-2?_fields=email").await;
    assert_eq!(r.body["email"], json!("c2@x.com"));
    stop(sim).await;
}

#[tokio::test]
async fn search_pages_and_scroll_with_token_expiry() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);
    for i in 0..250 {
        let r = patch(&c, "/PX/documents", json!({"id": format!("p{i:03}"), "email": format!("u{i:03}@x.com"), "firstName": if i % 2 == 0 { "Ana" } else { "Bia" }, "age": i})).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    // REST-Range: documents x to y-1, the total in REST-Content-Range.
    let r = ranged(
        &c,
        "/PX/search?_where=firstName=Ana&_fields=email&_sort=email DESC",
        "resources=0-10",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(header(&r, "rest-content-range"), "resources 0-10/125");
    assert_eq!(r.body[0]["email"], json!("u248@x.com"));
    let r = ranged(
        &c,
        "/PX/search?_where=firstName=Ana&_fields=email",
        "resources=120-220",
    )
    .await;
    assert_eq!(header(&r, "rest-content-range"), "resources 120-125/125");
    assert_eq!(ids(&r).len(), 5);
    let r = ranged(
        &c,
        "/PX/search?_where=age between 10 AND 19 OR email=u200@x.com",
        "resources=0-100",
    )
    .await;
    assert_eq!(ids(&r).len(), 11);
    let r = ranged(
        &c,
        "/PX/search?_where=(age>245 AND firstName=Ana) OR email=u00*",
        "resources=0-100",
    )
    .await;
    assert_eq!(
        ids(&r),
        vec![
            "p000", "p001", "p002", "p003", "p004", "p005", "p006", "p007", "p008", "p009", "p246",
            "p248"
        ]
    );
    let r = ranged(&c, "/PX/search", "resources=0-101").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "at most 100 per page");
    let r = get(&c, "/PX/search?_where=(age>1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = get(&c, "/CL/search?_where=shoeSize=42").await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "not a filter field of CL"
    );

    // Scroll: the token from X-VTEX-MD-TOKEN, pages of `_size`, an empty page at the end.
    let r = get(&c, "/PX/scroll?_size=100&_fields=email&_where=age>=0").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(header(&r, "rest-content-total"), "250");
    let token = header(&r, "x-vtex-md-token");
    assert!(!token.is_empty());
    let mut seen = ids(&r);
    loop {
        let r = get(&c, &format!("/PX/scroll?_token={token}")).await;
        assert_eq!(r.status, StatusCode::OK);
        let page = ids(&r);
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 100);
        assert!(r.body[0]["email"].is_string(), "the first call's _fields");
        seen.extend(page);
    }
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (250, 250));
    let r = get(&c, "/PX/scroll?_size=1001").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // The token idles out after 20 minutes of the simulated clock; each use resets it.
    let r = get(&c, "/PX/scroll?_size=10").await;
    let token = header(&r, "x-vtex-md-token");
    sim.clock().advance(19 * 60 * 1000);
    let r = get(&c, &format!("/PX/scroll?_token={token}")).await;
    assert_eq!(r.status, StatusCode::OK);
    sim.clock().advance(19 * 60 * 1000);
    let r = get(&c, &format!("/PX/scroll?_token={token}")).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the previous use reset the expiry"
    );
    sim.clock().advance(20 * 60 * 1000 + 1);
    let r = get(&c, &format!("/PX/scroll?_token={token}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Wildcard searches are throttled with 503, scrolls with 429.
    assert_eq!(
        sim_put(
            &sim,
            "/_sim/masterdata/settings",
            &json!({"wildcardSearchesPerSecond": 1, "scrollsPerSecond": 1})
        )
        .await,
        StatusCode::OK
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(get(&c, "/PX/search?email=u1*").await.status);
    }
    assert!(
        statuses.contains(&StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
    let r = get(&c, "/PX/search?email=u100@x.com").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a query without wildcard is not throttled"
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(get(&c, "/PX/scroll?_size=1").await.status);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let stats = client()
        .get(format!("{}/_sim/masterdata/stats", sim.url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let stats: Value = stats.json().await.unwrap_or_default();
    assert_eq!(stats["writes"]["PATCH PX"], json!(250));
    assert!(stats["refused"]["503"].as_u64().is_some_and(|n| n >= 1));
    stop(sim).await;
}

/// Storefront sign-ups (`POST /_sim/masterdata/signups`) land as CL documents with `updatedIn`
/// set by Master Data, and the search the VTEX-to-ERP pull makes (`updatedIn>=`, `_sort=updatedIn
/// ASC`, `REST-Range`) finds them in that order, from a watermark on.
#[tokio::test]
async fn signups_are_found_by_updated_in_from_a_watermark() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);
    let signed = client()
        .post(format!("{}/_sim/masterdata/signups?an=ponte", sim.url()))
        .json(&json!({"count": 30, "seed": 3}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(signed.status(), StatusCode::OK);
    let signed: Value = signed.json().await.unwrap_or_default();
    assert_eq!(signed["created"].as_array().map(Vec::len), Some(30));
    let page = |from: usize, where_: String| {
        let c = c.clone();
        async move {
            let path = format!(
                "/CL/search?_where={}&_fields=id,email,updatedIn&_sort=updatedIn%20ASC",
                where_.replace(' ', "%20")
            );
            ranged(&c, &path, &format!("resources={from}-{}", from + 20)).await
        }
    };
    let first = page(0, "updatedIn is not null".into()).await;
    assert_eq!(first.status, StatusCode::OK);
    let docs = first.body.as_array().cloned().unwrap_or_default();
    assert_eq!(docs.len(), 20);
    let stamps: Vec<String> = docs
        .iter()
        .map(|d| d["updatedIn"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort();
    assert_eq!(stamps, sorted);
    assert!(docs.iter().all(|d| {
        d["email"]
            .as_str()
            .is_some_and(|e| e.starts_with("signup-3-"))
    }));
    // From the tenth document's instant on: it and every later one, none before.
    let mark = &stamps[9];
    let rest = page(0, format!("updatedIn>={mark}")).await;
    let rest = rest.body.as_array().cloned().unwrap_or_default();
    assert!(rest.len() >= 20);
    assert!(
        rest.iter()
            .all(|d| d["updatedIn"].as_str().is_some_and(|u| u >= mark.as_str()))
    );
    stop(sim).await;
}

/// What a trigger's receiver saw: (path, header `x-doc`, body).
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, String, Value)>>>;

/// A receiver for trigger requests that answers `500` to the first `fail` calls.
async fn receiver(fail: usize) -> (String, Seen) {
    use axum::extract::{OriginalUri, State};
    let seen: Seen = Default::default();
    let app = axum::Router::new()
        .fallback(
            move |State(seen): State<Seen>,
                  OriginalUri(uri): OriginalUri,
                  headers: axum::http::HeaderMap,
                  body: axum::body::Bytes| async move {
                let mut s = seen
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let doc = headers
                    .get("x-doc")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                s.push((
                    uri.path().to_owned(),
                    doc,
                    serde_json::from_slice(&body).unwrap_or(Value::Null),
                ));
                if s.len() <= fail {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            },
        )
        .with_state(seen.clone());
    let (addr, _task) = common::serve(app).await;
    (format!("http://{addr}"), seen)
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{what}: not within 5 s");
}

#[tokio::test]
async fn a_schema_trigger_calls_its_http_endpoint_after_a_matching_write_with_retries() {
    let dir = temp_dir();
    let sim = start(dir.path(), None).await;
    let c = proxied(&sim);
    let (url, seen) = receiver(1).await;
    let fast = json!({"triggerDelayMs": 20});
    assert_eq!(
        sim_put(&sim, "/_sim/masterdata/settings", &fast).await,
        StatusCode::OK
    );
    let schema = json!({"properties": {}, "v-triggers": [{
        "name": "corporate-to-erp", "active": true, "condition": "isCorporate=true",
        "action": {"type": "http", "uri": format!("{url}/hook/{{!id}}"), "method": "POST",
                   "headers": {"content-type": "application/json", "x-doc": "{!id}"},
                   "body": {"id": "{!id}", "email": "{!email}", "source": "md"}},
        "retry": {"times": 3, "delay": {"addMinutes": 10}}
    }]});
    // Saving and reading the schema (Master Data v2 Saveschemabyname, Getschemas).
    let r = anon(&c, Method::PUT, "/CL/schemas/ponte", Some(schema.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = put(&c, "/CL/schemas/ponte", schema.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body["Message"]
            .as_str()
            .is_some_and(|m| m.contains("persisted"))
    );
    assert_eq!(get(&c, "/CL/schemas/ponte").await.body, schema);
    // One schema is listed as itself, an object (Getschemas' 200 description); two as the array.
    assert_eq!(get(&c, "/CL/schemas").await.body, schema);
    let other = json!({"properties": {"email": {"type": "string"}}});
    assert_eq!(
        put(&c, "/CL/schemas/other", other.clone()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&c, "/CL/schemas").await.body,
        json!([{"name": "other", "schema": other}, {"name": "ponte", "schema": schema}])
    );
    // Deleteschemabyname: 204, then the schema is gone.
    assert_eq!(
        delete(&c, "/CL/schemas/other").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete(&c, "/CL/schemas/other").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&c, "/CL/schemas/none").await.status,
        StatusCode::NOT_FOUND
    );
    let bad = json!({"v-triggers": [{"name": "t", "action": {"type": "http", "uri": "/x"}}]});
    assert_eq!(
        put(&c, "/CL/schemas/bad", bad).await.status,
        StatusCode::BAD_REQUEST
    );

    // A write the condition does not match calls nothing; a matching one does, retried after
    // the receiver's 500, the document's values in the uri, the headers and the body.
    let r = post(
        &c,
        "/CL/documents",
        json!({"email": "b2c@x.com", "isCorporate": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = post(
        &c,
        "/CL/documents",
        json!({"email": "b2b@x.com", "isCorporate": true}),
    )
    .await;
    let id = r.body["documentId"].as_str().unwrap_or_default().to_owned();
    let count = || seen.lock().map(|s| s.len()).unwrap_or(0);
    until("two attempts", || count() >= 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let calls = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(
        calls.len(),
        2,
        "one failure, one success, nothing more: {calls:?}"
    );
    for (path, doc, body) in &calls {
        assert_eq!(path, &format!("/hook/{id}"));
        assert_eq!(doc, &id);
        assert_eq!(
            body,
            &json!({"id": id, "email": "b2b@x.com", "source": "md"})
        );
    }
    let r = client()
        .get(format!("{}/_sim/masterdata/triggers", sim.url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let attempts: Value = r.json().await.unwrap_or_default();
    let shape: Vec<(u64, Value, bool)> = attempts
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["attempt"].as_u64().unwrap_or(0),
                        x["status"].clone(),
                        x["ok"] == json!(true),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(shape, vec![(1, json!(500), false), (2, json!(200), true)]);

    // An update that changes nothing (304) runs no trigger; one that changes the document does.
    let r = patch(&c, "/CL/documents", json!({"id": id, "email": "b2b@x.com"})).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    let r = patch(
        &c,
        &format!("/CL/documents/{id}"),
        json!({"firstName": "Bea"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    until("the update's call", || count() >= 3).await;

    // `triggerSchemas: "named"`: only a write naming the schema with `?_schema=` runs it.
    let named = json!({"triggerDelayMs": 20, "triggerSchemas": "named"});
    assert_eq!(
        sim_put(&sim, "/_sim/masterdata/settings", &named).await,
        StatusCode::OK
    );
    let r = patch(
        &c,
        &format!("/CL/documents/{id}"),
        json!({"firstName": "Bia"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = patch(
        &c,
        &format!("/CL/documents/{id}?_schema=ponte"),
        json!({"firstName": "Bela"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    until("the named write's call", || count() >= 4).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(count(), 4, "the write without _schema ran nothing");
    stop(sim).await;
}
