//! Master Data v1's HTTP handlers (see [`super`] for the endpoints and their sources).

use super::query::{self, Expr};
use super::{
    Access, Doc, Entity, ID_FIELDS, MasterDataSettings, Scroll, SharedMasterData, WriteMode,
    WriteOutcome, WriteRequest,
};
use crate::platform::error::ApiError;
use crate::platform::http::Scoped;
use crate::platform::http::{Tenant, has_credentials};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde_json::{Map, Value, json};

const BASE: &str = "/api/dataentities";

/// What a Master Data handler takes: the state, the request's account, its headers and its URI.
type Md = Scoped<SharedMasterData>;

/// Every VTEX call waits the configured latency first (`latencyMs`, `latencyJitterMs`).
async fn latency(
    State(md): State<SharedMasterData>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let delay = md.latency();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    next.run(req).await
}

/// The VTEX routes (`/api/dataentities/...`).
pub fn routes(md: &SharedMasterData) -> Router<SharedMasterData> {
    Router::new()
        .route(BASE, get(list_entities))
        .route(&format!("{BASE}/{{ac}}"), get(entity_structure))
        .route(&format!("{BASE}/{{ac}}/documents"), documents())
        .route(&format!("{BASE}/{{ac}}/documents/{{id}}"), document())
        .route(&format!("{BASE}/{{ac}}/schemas"), get(list_schemas))
        .route(
            &format!("{BASE}/{{ac}}/schemas/{{name}}"),
            get(get_schema).put(save_schema).delete(delete_schema),
        )
        .route(
            &format!("{BASE}/{{ac}}/documents/{{id}}/versions"),
            get(list_versions),
        )
        .route(
            &format!("{BASE}/{{ac}}/documents/{{id}}/versions/{{version}}"),
            get(get_version).put(put_version),
        )
        .route(&format!("{BASE}/{{ac}}/search"), get(search))
        .route(&format!("{BASE}/{{ac}}/scroll"), get(scroll))
        .route_layer(axum::middleware::from_fn_with_state(md.clone(), latency))
}

/// The simulator's extensions (`/_sim/masterdata/...`, account from `?an=` or the default).
pub fn sim_routes() -> Router<SharedMasterData> {
    Router::new()
        .route(
            "/_sim/masterdata/settings",
            get(get_settings).put(put_settings),
        )
        .route("/_sim/masterdata/stats", get(get_stats))
        .route("/_sim/masterdata/triggers", get(get_trigger_attempts))
        .route("/_sim/masterdata/{ac}/documents", get(sim_documents))
        .route("/_sim/masterdata/signups", axum::routing::post(sim_signups))
        .route(
            "/_sim/masterdata/entities/{ac}",
            axum::routing::put(sim_define),
        )
}

/// `403 PRIVATE_FIELDS`, counted: an anonymous caller would `what` private fields.
fn forbidden(md: &SharedMasterData, what: &str) -> ApiError {
    md.count_refusal(403);
    ApiError::rule(
        StatusCode::FORBIDDEN,
        "PRIVATE_FIELDS",
        format!("Cannot {what} private fields"),
    )
}

/// A call with credentials passes; an anonymous one gets the counted [`forbidden`] (the
/// versions and schemas of a document are never public).
fn credentialed(md: &SharedMasterData, headers: &HeaderMap, what: &str) -> Result<(), ApiError> {
    if has_credentials(headers) {
        Ok(())
    } else {
        Err(forbidden(md, what))
    }
}

fn throttled(md: &SharedMasterData, status: StatusCode, message: &str) -> Response {
    md.count_refusal(status.as_u16());
    let mut r = (
        status,
        Json(json!({"Message": message, "code": "MASTERDATA_THROTTLED"})),
    )
        .into_response();
    r.headers_mut()
        .insert("retry-after", HeaderValue::from_static("1"));
    r
}

fn acronym_of(raw: &str) -> Result<String, ApiError> {
    let ok = !raw.is_empty()
        && raw.len() <= 10
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::InvalidPath(format!(
            "{raw:?} is not a data entity acronym"
        )))
    }
}

/// A document id without its `{ac}-` prefix (the OpenAPI's `id` example carries one).
fn doc_id(acronym: &str, raw: &str) -> Result<String, ApiError> {
    let id = raw
        .strip_prefix(&format!("{acronym}-"))
        .unwrap_or(raw)
        .trim();
    if id.is_empty() || id.len() > 100 || id.contains('/') {
        return Err(ApiError::InvalidPath(format!(
            "{raw:?} is not a document id"
        )));
    }
    Ok(id.to_owned())
}

/// Who wrote: the app key, a VTEX ID user, or nobody; never a token.
fn author(headers: &HeaderMap) -> String {
    if let Some(k) = headers
        .get("x-vtex-api-appkey")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.trim().is_empty())
    {
        return k.trim().chars().take(100).collect();
    }
    if has_credentials(headers) {
        "vtexid-user".into()
    } else {
        "anonymous".into()
    }
}

fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::InvalidBody("the request body is empty".into()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::InvalidBody(
            "the body must be a JSON object".into(),
        )),
        Err(e) => Err(ApiError::InvalidBody(format!("invalid request body: {e}"))),
    }
}

fn params(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `_fields`: `None` for the id fields only, `Some(None)` for `_all`.
fn fields_param(params: &[(String, String)]) -> Option<Option<Vec<String>>> {
    let raw = param(params, "_fields")?;
    if raw.split(',').any(|f| f.trim() == "_all") {
        return Some(None);
    }
    Some(Some(
        raw.split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
    ))
}

fn href(account: &str, acronym: &str, id: &str) -> String {
    format!("https://{account}.vtexcommercestable.com.br{BASE}/{acronym}/documents/{id}")
}

fn id_href(account: &str, acronym: &str, id: &str) -> Value {
    json!({"id": format!("{acronym}-{id}"), "href": href(account, acronym, id), "documentId": id})
}

/// The fields a read answers: the id fields and the ones asked (absent ones as `null`), every
/// field for `_all`.
fn project(doc: &Map<String, Value>, fields: &Option<Option<Vec<String>>>) -> Value {
    let mut out = Map::new();
    for f in ID_FIELDS {
        if let Some(v) = doc.get(f) {
            out.insert(f.to_owned(), v.clone());
        }
    }
    match fields {
        None => {}
        Some(None) => out.extend(doc.clone()),
        Some(Some(list)) => {
            for f in list {
                let v = match f.split_once('.') {
                    Some((a, b)) => doc.get(a).and_then(|x| x.get(b)).cloned(),
                    None => doc.get(f).cloned(),
                };
                out.insert(f.clone(), v.unwrap_or(Value::Null));
            }
        }
    }
    Value::Object(out)
}

/// Whether an anonymous read of these fields touches a private one.
fn reads_private(
    entity: &Entity,
    fields: &Option<Option<Vec<String>>>,
    doc_fields: &[String],
) -> bool {
    match fields {
        None => false,
        Some(None) => doc_fields.iter().any(|f| !entity.public(f, Access::Read)) || !entity.open,
        Some(Some(list)) => list.iter().any(|f| !entity.public(f, Access::Read)),
    }
}

async fn list_entities(State(md): State<SharedMasterData>, tenant: Tenant) -> Json<Value> {
    Json(Value::Array(
        md.entities(&tenant.account)
            .into_iter()
            .map(|e| {
                json!({"acronym": e.acronym, "name": e.name, "primaryKeyType": "GUID",
                       "allowGetAll": e.allow_get_all})
            })
            .collect(),
    ))
}

async fn entity_structure(
    State(md): State<SharedMasterData>,
    tenant: Tenant,
    Path(ac): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let e = md.entity(&tenant.account, &acronym_of(&ac)?, false)?;
    let fields: Vec<Value> = e
        .fields
        .iter()
        .map(|f| {
            json!({"name": f.name, "type": f.kind, "displayName": f.display_name,
                   "isNullable": f.is_nullable, "isSearchable": f.is_searchable,
                   "isFilter": f.is_filter, "isInternal": f.is_internal})
        })
        .collect();
    Ok(Json(
        json!({"acronym": e.acronym, "name": e.name, "primaryKeyType": "GUID",
                    "allowGetAll": e.allow_get_all, "fields": fields}),
    ))
}

/// How a write route answers its outcome (the routes differ in nothing else, §F.2).
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// `POST .../documents`: `201` and the ids, whatever happened.
    Created,
    /// `PATCH .../documents`: `201` and the ids, `304` when nothing changed.
    Upsert,
    /// `PUT .../documents`: `201` when created, else `200`, with the ids.
    FullUpsert,
    /// `PUT|PATCH .../documents/{id}`: `204`.
    NoContent,
}

/// One write route: its verb, how it treats the fields not sent, whether the document must
/// exist, and its answer.
#[derive(Debug, Clone, Copy)]
struct Route {
    verb: &'static str,
    mode: WriteMode,
    answer: Answer,
}

const POST_DOCUMENT: Route = Route {
    verb: "POST",
    mode: WriteMode::Merge,
    answer: Answer::Created,
};
const UPSERT_PARTIAL: Route = Route {
    verb: "PATCH",
    mode: WriteMode::Merge,
    answer: Answer::Upsert,
};
const UPSERT_FULL: Route = Route {
    verb: "PUT",
    mode: WriteMode::Replace,
    answer: Answer::FullUpsert,
};
const PUT_DOCUMENT: Route = Route {
    verb: "PUT",
    mode: WriteMode::Replace,
    answer: Answer::NoContent,
};
const PATCH_DOCUMENT: Route = Route {
    verb: "PATCH",
    mode: WriteMode::Merge,
    answer: Answer::NoContent,
};

/// The write routes of `.../documents` (the id in the body).
fn documents() -> MethodRouter<SharedMasterData> {
    axum::routing::post(write_at(POST_DOCUMENT))
        .patch(write_at(UPSERT_PARTIAL))
        .put(write_at(UPSERT_FULL))
}

/// The routes of `.../documents/{id}`.
fn document() -> MethodRouter<SharedMasterData> {
    get(get_document)
        .put(write_at(PUT_DOCUMENT))
        .patch(write_at(PATCH_DOCUMENT))
        .delete(delete_document)
}

/// The handler of one write route: the acronym, and the id when the path names one
/// (`.../documents/{id}`), then [`write_route`].
fn write_at(
    route: Route,
) -> impl Fn(Md, Path<Vec<String>>, Bytes) -> std::future::Ready<Result<Response, ApiError>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |c: Md, Path(path): Path<Vec<String>>, body: Bytes| {
        std::future::ready(match path.as_slice() {
            [ac] => write_route(&c, ac, None, &body, route),
            [ac, id] => write_route(&c, ac, Some(id), &body, route),
            _ => Err(ApiError::InvalidPath(format!(
                "{path:?} is not a document path"
            ))),
        })
    }
}

/// The common path of every write: the body, the id, throttling, the entity, private fields,
/// the store, the answer.
fn write_route(
    c: &Md,
    ac: &str,
    path_id: Option<&str>,
    body: &[u8],
    route: Route,
) -> Result<Response, ApiError> {
    let acronym = acronym_of(ac)?;
    let mut body = object(body)?;
    let id = match path_id {
        Some(raw) => {
            body.remove("id");
            Some(doc_id(&acronym, raw)?)
        }
        None => body_id(&acronym, &mut body)?,
    };
    let (md, account) = (&c.state, c.account.as_str());
    if !md.admit(account, "write", md.settings().writes_per_second) {
        return Ok(throttled(
            md,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
        ));
    }
    let entity = md.entity(account, &acronym, true)?;
    if !has_credentials(&c.headers)
        && body
            .keys()
            .any(|k| k != "id" && !entity.public(k, Access::Write))
    {
        return Err(forbidden(md, "write"));
    }
    // `PATCH .../documents/{id}` on a missing document is 404 unless `patchCreates` (module docs).
    let must_exist = matches!(route.answer, Answer::NoContent)
        && route.mode == WriteMode::Merge
        && !md.settings().patch_creates;
    let query = params(&c.uri);
    let outcome = md.write(WriteRequest {
        account,
        acronym: &acronym,
        id,
        body,
        mode: route.mode,
        must_exist,
        author: &author(&c.headers),
        label: &format!("{} {acronym}", route.verb),
        schema: param(&query, "_schema"),
    })?;
    let ids = |id: &str| Json(id_href(account, &acronym, id));
    Ok(match (route.answer, outcome) {
        (Answer::NoContent, _) => StatusCode::NO_CONTENT.into_response(),
        (Answer::Upsert, WriteOutcome::Unchanged(_)) => StatusCode::NOT_MODIFIED.into_response(),
        (Answer::FullUpsert, WriteOutcome::Updated(id) | WriteOutcome::Unchanged(id)) => {
            (StatusCode::OK, ids(&id)).into_response()
        }
        (
            _,
            WriteOutcome::Created(id) | WriteOutcome::Updated(id) | WriteOutcome::Unchanged(id),
        ) => (StatusCode::CREATED, ids(&id)).into_response(),
    })
}

fn body_id(acronym: &str, body: &mut Map<String, Value>) -> Result<Option<String>, ApiError> {
    match body.remove("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => doc_id(acronym, &s).map(Some),
        Some(_) => Err(ApiError::InvalidBody("id must be a string".into())),
    }
}

/// The entity and the document id a `.../{ac}/documents/{id}` path names.
fn doc_key(ac: &str, id: &str) -> Result<(String, String), ApiError> {
    let acronym = acronym_of(ac)?;
    let id = doc_id(&acronym, id)?;
    Ok((acronym, id))
}

/// The document `acronym`/`id` of the account, or `404 DOCUMENT_NOT_FOUND`.
fn held(md: &SharedMasterData, account: &str, acronym: &str, id: &str) -> Result<Doc, ApiError> {
    md.get(account, acronym, id)
        .ok_or_else(|| missing(acronym, id))
}

fn missing(acronym: &str, id: &str) -> ApiError {
    ApiError::not_found(
        "DOCUMENT_NOT_FOUND",
        format!("document {id} does not exist in {acronym}"),
    )
}

async fn get_document(c: Md, Path((ac, id)): Path<(String, String)>) -> Result<Response, ApiError> {
    let (acronym, id) = doc_key(&ac, &id)?;
    let entity = c.state.entity(&c.account, &acronym, false)?;
    let doc = held(&c.state, &c.account, &acronym, &id)?;
    let fields = fields_param(&params(&c.uri));
    let names: Vec<String> = doc.fields.keys().cloned().collect();
    if !has_credentials(&c.headers) && reads_private(&entity, &fields, &names) {
        return Err(forbidden(&c.state, "read"));
    }
    Ok(Json(project(&doc.fields, &fields)).into_response())
}

async fn delete_document(
    c: Md,
    Path((ac, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (acronym, id) = doc_key(&ac, &id)?;
    if !c
        .state
        .admit(&c.account, "write", c.state.settings().writes_per_second)
    {
        return Ok(throttled(
            &c.state,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
        ));
    }
    credentialed(&c.state, &c.headers, "write")?;
    if c.state.delete(&c.account, &acronym, &id)? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(missing(&acronym, &id))
    }
}

async fn list_versions(
    c: Md,
    Path((ac, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (acronym, id) = doc_key(&ac, &id)?;
    credentialed(&c.state, &c.headers, "read")?;
    let doc = held(&c.state, &c.account, &acronym, &id)?;
    let list: Vec<Value> = doc
        .versions
        .iter()
        .map(|v| json!({"id": v.id, "date": v.date}))
        .collect();
    Ok(Json(Value::Array(list)).into_response())
}

async fn get_version(
    c: Md,
    Path((ac, id, version)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (acronym, id) = doc_key(&ac, &id)?;
    credentialed(&c.state, &c.headers, "read")?;
    let doc = held(&c.state, &c.account, &acronym, &id)?;
    let v = doc
        .versions
        .iter()
        .find(|v| v.id == version)
        .ok_or_else(|| ApiError::not_found("VERSION_NOT_FOUND", format!("no version {version}")))?;
    Ok(Json(json!({"id": v.id, "author": v.author, "document": v.document})).into_response())
}

async fn put_version(
    c: Md,
    Path((ac, id, version)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (acronym, id) = doc_key(&ac, &id)?;
    credentialed(&c.state, &c.headers, "write")?;
    match c
        .state
        .restore(&c.account, &acronym, &id, &version, &author(&c.headers))?
    {
        None => Err(ApiError::not_found(
            "VERSION_NOT_FOUND",
            format!("no version {version} of {id}"),
        )),
        Some(WriteOutcome::Unchanged(_)) => Ok(StatusCode::NOT_MODIFIED.into_response()),
        Some(_) => Ok(Json(json!({"Id": format!("{acronym}-{id}"),
                                  "Href": href(&c.account, &acronym, &id)}))
        .into_response()),
    }
}

/// A query's condition: `_where` and the simple `field=value` filters, ANDed; `keyword` as a
/// wildcard over every field.
struct Query {
    expr: Option<Expr>,
    keyword: Option<String>,
    fields: Option<Option<Vec<String>>>,
    sort: Option<(String, bool)>,
}

fn query_of(params: &[(String, String)]) -> Result<Query, ApiError> {
    let mut parts = Vec::new();
    if let Some(w) = param(params, "_where").filter(|w| !w.trim().is_empty()) {
        parts.push(
            query::parse(w).map_err(|e| ApiError::bad("WHERE_INVALID", format!("_where: {e}")))?,
        );
    }
    for (k, v) in params {
        if k.starts_with('_') || k.eq_ignore_ascii_case("an") || k.eq_ignore_ascii_case("keyword") {
            continue;
        }
        parts.push(Expr::Cmp {
            field: k.clone(),
            op: query::Op::Eq,
            value: v.clone(),
        });
    }
    let expr = match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Expr::And(parts)),
    };
    let sort = param(params, "_sort")
        .filter(|s| !s.trim().is_empty())
        .map(query::parse_sort)
        .transpose()
        .map_err(|e| ApiError::bad("SORT_INVALID", format!("_sort: {e}")))?;
    Ok(Query {
        expr,
        keyword: param(params, "keyword").map(str::to_owned),
        fields: fields_param(params),
        sort,
    })
}

/// Checks the fields a query filters and reads; `Some` is the refusal to answer.
fn check_query(
    md: &SharedMasterData,
    entity: &Entity,
    q: &Query,
    headers: &HeaderMap,
) -> Option<Response> {
    let mut filtered = Vec::new();
    if let Some(e) = &q.expr {
        e.fields(&mut filtered);
    }
    if let Some((f, _)) = &q.sort {
        filtered.push(f.clone());
    }
    if !entity.open {
        for f in &filtered {
            let top = f.split_once('.').map_or(f.as_str(), |(a, _)| a);
            let ok = super::SYSTEM_FIELDS.contains(&top)
                || entity
                    .fields
                    .iter()
                    .any(|x| x.name == top && (x.is_filter || x.is_searchable));
            if !ok {
                return Some(
                    ApiError::bad(
                        "FIELD_NOT_FILTERABLE",
                        format!(
                            "{f} is not a filter or searchable field of {}",
                            entity.acronym
                        ),
                    )
                    .into_response(),
                );
            }
        }
    }
    if !has_credentials(headers) {
        if filtered.iter().any(|f| !entity.public(f, Access::Filter))
            || (q.keyword.is_some() && !entity.open)
        {
            return Some(forbidden(md, "filter").into_response());
        }
        if reads_private(entity, &q.fields, &[]) {
            return Some(forbidden(md, "read").into_response());
        }
    }
    None
}

/// The matching documents in order.
fn run(md: &SharedMasterData, account: &str, acronym: &str, q: &Query) -> Vec<Map<String, Value>> {
    let ci = md.settings().case_insensitive_equality;
    let mut docs: Vec<Map<String, Value>> = md
        .all(account, acronym)
        .into_iter()
        .filter(|d| q.expr.as_ref().is_none_or(|e| query::matches(e, d, ci)))
        .filter(|d| {
            q.keyword.as_ref().is_none_or(|k| {
                let k = k.to_lowercase();
                d.values()
                    .any(|v| v.to_string().to_lowercase().contains(&k))
            })
        })
        .collect();
    if let Some((field, desc)) = &q.sort {
        docs.sort_by(|a, b| {
            let o = query::compare(a, b, field);
            if *desc { o.reverse() } else { o }
        });
    }
    docs
}

fn wildcard(q: &Query) -> bool {
    q.keyword.is_some() || q.expr.as_ref().is_some_and(Expr::has_wildcard)
}

/// `REST-Range: resources=x-y`: documents `x` to `y - 1`, at most 100.
fn range(headers: &HeaderMap) -> Result<(usize, usize), ApiError> {
    let Some(raw) = headers.get("rest-range").and_then(|v| v.to_str().ok()) else {
        return Ok((0, 15));
    };
    let bad = || {
        ApiError::bad(
            "REST_RANGE_INVALID",
            format!("REST-Range {raw:?} is not resources=x-y"),
        )
    };
    let spec = raw.trim().strip_prefix("resources=").ok_or_else(bad)?;
    let (a, b) = spec.split_once('-').ok_or_else(bad)?;
    let (from, to) = (
        a.trim().parse::<usize>().map_err(|_| bad())?,
        b.trim().parse::<usize>().map_err(|_| bad())?,
    );
    if to < from {
        return Err(bad());
    }
    if to - from > 100 {
        return Err(ApiError::bad(
            "REST_RANGE_TOO_LARGE",
            "at most 100 documents per page (REST-Range)",
        ));
    }
    Ok((from, to))
}

async fn search(c: Md, Path(ac): Path<String>) -> Result<Response, ApiError> {
    let acronym = acronym_of(&ac)?;
    let entity = c.state.entity(&c.account, &acronym, false)?;
    let q = query_of(&params(&c.uri))?;
    if let Some(r) = check_query(&c.state, &entity, &q, &c.headers) {
        return Ok(r);
    }
    if wildcard(&q)
        && !c.state.admit(
            &c.account,
            "wildcard",
            c.state.settings().wildcard_searches_per_second,
        )
    {
        return Ok(throttled(
            &c.state,
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many wildcard or keyword queries",
        ));
    }
    let (from, to) = range(&c.headers)?;
    c.state.count_read(false);
    let docs = run(&c.state, &c.account, &acronym, &q);
    let total = docs.len();
    let page: Vec<Value> = docs
        .iter()
        .skip(from)
        .take(to - from)
        .map(|d| project(d, &q.fields))
        .collect();
    let end = from + page.len();
    let mut r = Json(Value::Array(page)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("resources {from}-{end}/{total}")) {
        r.headers_mut().insert("rest-content-range", v);
    }
    Ok(r)
}

async fn scroll(c: Md, Path(ac): Path<String>) -> Result<Response, ApiError> {
    let acronym = acronym_of(&ac)?;
    if !c
        .state
        .admit(&c.account, "scroll", c.state.settings().scrolls_per_second)
    {
        return Ok(throttled(
            &c.state,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many scroll requests",
        ));
    }
    let params = params(&c.uri);
    c.state.count_read(true);
    let (state, page, token) = if let Some(token) = param(&params, "_token") {
        let Some((s, page)) = c.state.scroll_page(token) else {
            return Err(ApiError::bad(
                "SCROLL_TOKEN_INVALID",
                "the scroll token is unknown or expired (20 idle minutes)",
            ));
        };
        if s.account != c.account || s.acronym != acronym {
            return Err(ApiError::bad(
                "SCROLL_TOKEN_INVALID",
                "the scroll token is for another entity",
            ));
        }
        (s, page, token.to_owned())
    } else {
        let entity = c.state.entity(&c.account, &acronym, false)?;
        let q = query_of(&params)?;
        if let Some(r) = check_query(&c.state, &entity, &q, &c.headers) {
            return Ok(r);
        }
        let size = match param(&params, "_size") {
            None => 100,
            Some(s) => s
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| ApiError::bad("SCROLL_SIZE_INVALID", "_size is 1 to 1000"))?,
        };
        let ids: Vec<String> = run(&c.state, &c.account, &acronym, &q)
            .iter()
            .filter_map(|d| d.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect();
        let fields = match &q.fields {
            None => Vec::new(),
            Some(None) => vec!["_all".to_owned()],
            Some(Some(list)) => list.clone(),
        };
        let token = c.state.open_scroll(Scroll {
            account: c.account.clone(),
            acronym: acronym.clone(),
            ids,
            next: 0,
            size,
            fields,
            last_used_ms: c.state.now_ms(),
        });
        let (s, page) = c
            .state
            .scroll_page(&token)
            .ok_or_else(|| ApiError::Internal("a scroll vanished as it opened".into()))?;
        (s, page, token)
    };
    let fields = match state.fields.as_slice() {
        [] => None,
        [all] if all == "_all" => Some(None),
        list => Some(Some(list.to_vec())),
    };
    let docs: Vec<Value> = page
        .iter()
        .filter_map(|id| c.state.get(&state.account, &state.acronym, id))
        .map(|d| project(&d.fields, &fields))
        .collect();
    let mut r = Json(Value::Array(docs)).into_response();
    if let Ok(v) = HeaderValue::from_str(&token) {
        r.headers_mut().insert("x-vtex-md-token", v);
    }
    if let Ok(v) = HeaderValue::from_str(&state.ids.len().to_string()) {
        r.headers_mut().insert("rest-content-total", v);
    }
    Ok(r)
}

async fn get_settings(State(md): State<SharedMasterData>) -> Json<MasterDataSettings> {
    Json(md.settings())
}

async fn put_settings(
    State(md): State<SharedMasterData>,
    body: Bytes,
) -> Result<Json<MasterDataSettings>, ApiError> {
    let s: MasterDataSettings = serde_json::from_slice(&body)
        .map_err(|e| ApiError::InvalidBody(format!("invalid settings: {e}")))?;
    md.set_settings(s);
    Ok(Json(md.settings()))
}

async fn get_stats(State(md): State<SharedMasterData>) -> Json<super::MasterDataStats> {
    Json(md.stats())
}

/// Every document of an entity, every field: what the store holds, for tests.
async fn sim_documents(
    State(md): State<SharedMasterData>,
    tenant: Tenant,
    Path(ac): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let acronym = acronym_of(&ac)?;
    Ok(Json(Value::Array(
        md.all(&tenant.account, &acronym)
            .into_iter()
            .map(Value::Object)
            .collect(),
    )))
}

/// `POST /_sim/masterdata/signups?an=` `{count, seed, from?}`: `count` (at most 1000) shoppers sign
/// up on the storefront: one CL document each, created with a generated id as the storefront's
/// `POST /api/dataentities/CL/documents` does (§F.2), its `updatedIn` set by Master Data, the
/// fields of [`crate::erp::customers::signup`] (shoppers `from..from+count` of `seed`), authored
/// by the shopper (`updatedBy`: `storefront`). Answers `{created: [id...]}`.
async fn sim_signups(
    State(md): State<SharedMasterData>,
    tenant: Tenant,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    #[derive(serde::Deserialize)]
    struct Signups {
        count: u64,
        #[serde(default)]
        seed: u64,
        #[serde(default)]
        from: u64,
    }
    let p: Signups = serde_json::from_slice(&body)
        .map_err(|e| ApiError::InvalidBody(format!("invalid sign-ups: {e}")))?;
    if p.count > 1000 {
        return Err(ApiError::bad(
            "COUNT_TOO_LARGE",
            "at most 1000 sign-ups a call",
        ));
    }
    let mut created = Vec::new();
    for i in p.from..p.from.saturating_add(p.count) {
        let fields = crate::erp::customers::signup(p.seed, i);
        let out = md.write(WriteRequest {
            account: &tenant.account,
            acronym: "CL",
            id: None,
            body: fields,
            mode: WriteMode::Merge,
            must_exist: false,
            author: "storefront",
            label: "signup",
            schema: None,
        })?;
        let id = match out {
            WriteOutcome::Created(id) | WriteOutcome::Updated(id) | WriteOutcome::Unchanged(id) => {
                id
            }
        };
        created.push(Value::String(id));
    }
    Ok(Json(json!({"created": created})))
}

/// Defines an entity's fields and their access flags.
async fn sim_define(
    State(md): State<SharedMasterData>,
    tenant: Tenant,
    Path(ac): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let acronym = acronym_of(&ac)?;
    let mut e: Entity = serde_json::from_slice(&body)
        .map_err(|e| ApiError::InvalidBody(format!("invalid entity: {e}")))?;
    e.acronym = acronym;
    md.define(&tenant.account, e);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET .../schemas`: `[{name, schema}]` (Master Data v2 `Getschemas`); with only one schema,
/// that schema alone, as an object (the operation's `200` description: "In case there is only
/// one existing schema, it will be an object instead, without the `name` property and the named
/// `schema` object").
async fn list_schemas(c: Md, Path(ac): Path<String>) -> Result<Response, ApiError> {
    let entity = acronym_of(&ac)?;
    credentialed(&c.state, &c.headers, "read")?;
    let mut schemas = c.state.schemas(&c.account, &entity);
    if schemas.len() == 1 {
        let (_, schema) = schemas.remove(0);
        return Ok(Json(schema).into_response());
    }
    let list: Vec<Value> = schemas
        .into_iter()
        .map(|(name, schema)| json!({"name": name, "schema": schema}))
        .collect();
    Ok(Json(Value::Array(list)).into_response())
}

/// `DELETE .../schemas/{name}`: `204` (Master Data v2 `Deleteschemabyname`); its triggers stop
/// with it. `404` when there is no such schema ([sim's choice]: the operation documents `204`
/// only).
async fn delete_schema(
    c: Md,
    Path((ac, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let entity = acronym_of(&ac)?;
    credentialed(&c.state, &c.headers, "write")?;
    if c.state.delete_schema(&c.account, &entity, &name) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(
            "SCHEMA_NOT_FOUND",
            format!("no schema {name}"),
        ))
    }
}

/// `GET .../schemas/{name}`: the schema (Master Data v2 `Getschemabyname`), `404` when none.
async fn get_schema(c: Md, Path((ac, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let entity = acronym_of(&ac)?;
    credentialed(&c.state, &c.headers, "read")?;
    c.state
        .schemas(&c.account, &entity)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, schema)| Json(schema).into_response())
        .ok_or_else(|| ApiError::not_found("SCHEMA_NOT_FOUND", format!("no schema {name}")))
}

/// `PUT .../schemas/{name}`: saves a JSON schema and its `v-triggers` (Master Data v2
/// `Saveschemabyname`), `200 {"Message"}` as VTEX's example answers; `400` for a bad trigger.
async fn save_schema(
    c: Md,
    Path((ac, name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let entity = acronym_of(&ac)?;
    credentialed(&c.state, &c.headers, "write")?;
    let schema = Value::Object(object(&body)?);
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::InvalidPath(format!(
            "{name:?} is not a schema name"
        )));
    }
    c.state.save_schema(&c.account, &entity, &name, schema)?;
    Ok(Json(json!({"Message": "JSON Schema persisted successfully. Revalidation and indexing process running in background."})).into_response())
}

/// The trigger attempts made (for tests).
async fn get_trigger_attempts(
    State(md): State<SharedMasterData>,
) -> Json<Vec<super::triggers::Attempt>> {
    Json(md.trigger_attempts())
}
