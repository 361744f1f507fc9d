//! VBase, as `@vtex/api`'s `VBase` client (an `InfraClient` for `vbase@2.x`) calls it: base URL
//! `{http|https}://infra.io.vtex.com/vbase/v2/{account}/{workspace}` (`http` with `VTEX_IO`),
//! then `/buckets/{app}/{bucket}/files/{path}` where `{app}` is the running app's
//! `vendor.name`. Played on the infra hosts, persisted in the store (`vbase_files`,
//! `vbase_meta`); no credential is checked.
//!
//! - `GET .../files/{path}` → the bytes as saved, with their `Content-Type` (and
//!   `Content-Encoding` when saved gzipped) and an `ETag`; `404` when absent (the client's
//!   `nullIfNotFound` turns it into `null`).
//! - `HEAD .../files/{path}` → the same headers, no body.
//! - `PUT .../files/{path}` (`saveJSON`, `saveFile`) → stores the body; with `If-Match` the
//!   save happens only if the stored file's `ETag` matches (`412` otherwise, also when the file
//!   does not exist; `If-Match: *` only needs it to exist). Answers `[{path, hash}]`
//!   (`VBaseSaveResponse`) with the new `ETag` in a header.
//! - `DELETE .../files/{path}` (`deleteFile`, `If-Match` honoured alike) → `204`; `404` when absent.
//! - `GET .../files?prefix=&limit=&next=` (`listFiles`) → `{data: [{path, hash}], next}`, paths in
//!   order; `next` is the cursor of the following page or `null`.
//! - `DELETE .../files` (`resetBucket`) → removes every file of the bucket.
//! - `GET /buckets/{app}/{bucket}` (`getBucket`) → `{state, lastModified, hash}`.
//!
//! The `ETag` is a hash of the content and the write counter **[emulator choice]**, quoted.

pub mod files;

use crate::platform::error::{ApiError, blocking};
use crate::platform::http::{query_value, valid_account};
use crate::platform::store::Store;
use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use files::VbaseMeta;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

const BASE: &str = "/vbase/v2/{account}/{workspace}/buckets/{app}/{bucket}";

pub fn routes() -> Router<Store> {
    Router::new()
        .route(BASE, get(get_bucket))
        .route(
            &format!("{BASE}/files"),
            get(list_files).delete(reset_bucket),
        )
        .route(
            &format!("{BASE}/files/{{*path}}"),
            get(get_file)
                .head(head_file)
                .put(put_file)
                .delete(delete_file),
        )
}

type Key = (String, String, String, String);

fn not_found(path: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "code": "FileNotFound", "message": format!("file {path} not found") })),
    )
        .into_response()
}

fn precondition_failed(path: &str) -> Response {
    (
        StatusCode::PRECONDITION_FAILED,
        Json(json!({ "code": "PreconditionFailed", "message": format!("If-Match does not match the current version of {path}") })),
    )
        .into_response()
}

fn bucket_key(
    account: &str,
    workspace: &str,
    app: &str,
    bucket: &str,
) -> Result<(String, String, String), ApiError> {
    let account = account.to_ascii_lowercase();
    let workspace = workspace.to_ascii_lowercase();
    if !valid_account(&account) || !valid_account(&workspace) {
        return Err(ApiError::InvalidPath(format!(
            "invalid account or workspace {account:?}/{workspace:?}"
        )));
    }
    let app = app.split('@').next().unwrap_or_default();
    if app.is_empty() || bucket.is_empty() {
        return Err(ApiError::InvalidPath("empty app or bucket".into()));
    }
    Ok((account, workspace, format!("{app}/{bucket}")))
}

fn file_key(p: (String, String, String, String, String)) -> Result<Key, ApiError> {
    let (account, workspace, app, bucket, path) = p;
    let (a, w, b) = bucket_key(&account, &workspace, &app, &bucket)?;
    if path.is_empty() {
        return Err(ApiError::InvalidPath("empty file path".into()));
    }
    Ok((a, w, b, path))
}

fn headers_of(meta: &VbaseMeta) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&meta.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Some(enc) = &meta.content_encoding
        && let Ok(v) = HeaderValue::from_str(enc)
    {
        h.insert(header::CONTENT_ENCODING, v);
    }
    if let Ok(v) = HeaderValue::from_str(&meta.etag) {
        h.insert(header::ETAG, v);
    }
    h
}

async fn read(store: Store, key: Key) -> Result<Option<(VbaseMeta, Vec<u8>)>, ApiError> {
    blocking("vbase", move || {
        Ok(files::get(&store, (&key.0, &key.1, &key.2, &key.3))?)
    })
    .await
}

async fn get_file(
    State(store): State<Store>,
    Path(p): Path<(String, String, String, String, String)>,
) -> Result<Response, ApiError> {
    let key = file_key(p)?;
    let path = key.3.clone();
    Ok(match read(store, key).await? {
        Some((meta, body)) => (headers_of(&meta), Body::from(body)).into_response(),
        None => not_found(&path),
    })
}

async fn head_file(
    State(store): State<Store>,
    Path(p): Path<(String, String, String, String, String)>,
) -> Result<Response, ApiError> {
    let key = file_key(p)?;
    Ok(match read(store, key).await? {
        Some((meta, _)) => (headers_of(&meta), Body::empty()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    })
}

fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn matches(expected: &str, current: &VbaseMeta) -> bool {
    expected == "*"
        || expected
            .split(',')
            .map(|e| e.trim().trim_start_matches("W/"))
            .any(|e| e == current.etag || e.trim_matches('"') == current.etag.trim_matches('"'))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn put_file(
    State(store): State<Store>,
    Path(p): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = file_key(p)?;
    let expected = if_match(&headers);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let content_encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut hasher = Sha256::new();
    hasher.update(&body);
    hasher.update(now().to_le_bytes());
    hasher.update(key.3.as_bytes());
    let digest = hasher.finalize();
    let hash: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let meta = VbaseMeta {
        etag: format!("\"{hash}\""),
        content_type,
        content_encoding,
        last_modified: now(),
    };
    let path = key.3.clone();
    let stored_meta = meta.clone();
    let saved = blocking("vbase", move || {
        Ok(files::put(
            &store,
            (&key.0, &key.1, &key.2, &key.3),
            |current| match (&expected, current) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(e), Some(c)) => matches(e, c),
            },
            &stored_meta,
            &body,
        )?)
    })
    .await?;
    if !saved {
        return Ok(precondition_failed(&path));
    }
    let mut response = Json(json!([{ "path": path, "hash": hash }])).into_response();
    if let Ok(v) = HeaderValue::from_str(&meta.etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}

async fn delete_file(
    State(store): State<Store>,
    Path(p): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = file_key(p)?;
    let expected = if_match(&headers);
    let path = key.3.clone();
    let outcome = blocking("vbase", move || {
        Ok(files::delete(
            &store,
            (&key.0, &key.1, &key.2, &key.3),
            |c| expected.as_deref().is_none_or(|e| matches(e, c)),
        )?)
    })
    .await?;
    Ok(match outcome {
        None => not_found(&path),
        Some(false) => precondition_failed(&path),
        Some(true) => StatusCode::NO_CONTENT.into_response(),
    })
}

async fn list_files(
    State(store): State<Store>,
    Path((account, workspace, app, bucket)): Path<(String, String, String, String)>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (a, w, b) = bucket_key(&account, &workspace, &app, &bucket)?;
    let prefix = query_value(&uri, "prefix").unwrap_or_default();
    let next = query_value(&uri, "next");
    let limit = query_value(&uri, "limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    // One more than the page, to know whether another follows.
    let mut page = blocking("vbase", move || {
        let bucket = (a.as_str(), w.as_str(), b.as_str());
        Ok(files::list_page(
            &store,
            bucket,
            &prefix,
            next.as_deref(),
            limit.saturating_add(1),
        )?)
    })
    .await?;
    let more = page.len() > limit;
    page.truncate(limit);
    let cursor = if more {
        page.last().map(|(p, _)| p.clone())
    } else {
        None
    };
    let data: Vec<_> = page
        .iter()
        .map(|(p, m)| json!({ "path": p, "hash": m.etag.trim_matches('"') }))
        .collect();
    Ok(Json(json!({ "data": data, "next": cursor })).into_response())
}

async fn reset_bucket(
    State(store): State<Store>,
    Path((account, workspace, app, bucket)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let (a, w, b) = bucket_key(&account, &workspace, &app, &bucket)?;
    blocking("vbase", move || {
        for (path, _) in files::list(&store, &a, &w, &b, "")? {
            files::delete(&store, (&a, &w, &b, &path), |_| true)?;
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn get_bucket(
    State(store): State<Store>,
    Path((account, workspace, app, bucket)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let (a, w, b) = bucket_key(&account, &workspace, &app, &bucket)?;
    let files = blocking("vbase", move || Ok(files::list(&store, &a, &w, &b, "")?)).await?;
    let last = files
        .iter()
        .map(|(_, m)| m.last_modified)
        .max()
        .unwrap_or(0);
    let mut hasher = Sha256::new();
    for (p, m) in &files {
        hasher.update(p.as_bytes());
        hasher.update(m.etag.as_bytes());
    }
    let hash: String = hasher.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(
        Json(json!({ "state": "ready", "lastModified": last.to_string(), "hash": hash }))
            .into_response(),
    )
}
