//! Helpers for the HTTP tests: a real simulator on 127.0.0.1 (port 0) over a temp data dir,
//! and a plain HTTP client.

#![allow(dead_code)]

use ponte_sim::{Seed, Sim, SimConfig};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub async fn start(dir: &Path, seed: Option<Seed>) -> Sim {
    let mut config = SimConfig::new(dir);
    config.seed = seed;
    match Sim::start(config).await {
        Ok(sim) => sim,
        Err(e) => panic!("the simulator did not start: {e}"),
    }
}

pub async fn stop(sim: Sim) {
    if let Err(e) = sim.shutdown().await {
        panic!("the simulator did not stop cleanly: {e}");
    }
}

/// Serves `app` on 127.0.0.1 (port 0) in the background; returns its address and task.
pub async fn serve(app: axum::Router) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, task)
}

pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"))
}

/// A client that never uses a proxy from the environment.
pub fn client() -> Client {
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// Credentials as an app key pair.
pub const APP_KEY: (&str, &str) = ("X-VTEX-API-AppKey", "vtexappkey-ponte-TEST");
pub const APP_TOKEN: (&str, &str) = ("X-VTEX-API-AppToken", "secret");

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

/// Sends a request with app-key credentials; `body` is sent as JSON when given.
pub async fn call(client: &Client, method: Method, url: &str, body: Option<&Value>) -> Reply {
    let mut req = client
        .request(method, url)
        .header(APP_KEY.0, APP_KEY.1)
        .header(APP_TOKEN.0, APP_TOKEN.1);
    if let Some(b) = body {
        req = req.json(b);
    }
    send(req).await
}

/// Sends a built request and decodes the JSON answer (`Null` for an empty body).
pub async fn send(req: reqwest::RequestBuilder) -> Reply {
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("request failed: {e}"));
    let status = resp.status();
    let text = resp.text().await.unwrap_or_else(|e| panic!("body: {e}"));
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    Reply { status, body }
}

pub async fn get(client: &Client, url: &str) -> Reply {
    call(client, Method::GET, url, None).await
}

pub async fn post(client: &Client, url: &str, body: Value) -> Reply {
    call(client, Method::POST, url, Some(&body)).await
}

pub async fn put(client: &Client, url: &str, body: Value) -> Reply {
    call(client, Method::PUT, url, Some(&body)).await
}

/// PUTs `body` to the simulator's `path` without credentials (the `/_sim/*` settings);
/// returns the status.
pub async fn sim_put(sim: &Sim, path: &str, body: &Value) -> StatusCode {
    client()
        .put(format!("{}{path}", sim.url()))
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {path}: {e}"))
        .status()
}

/// PUTs `body` to the simulator's `path` without credentials and expects `200` (the answer
/// shown when not).
pub async fn sim_put_ok(sim: &Sim, path: &str, body: Value) {
    let r = send(client().put(format!("{}{path}", sim.url())).json(&body)).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
}

/// POSTs and expects 200; returns the body.
pub async fn created(client: &Client, url: &str, body: Value) -> Value {
    let r = post(client, url, body).await;
    assert_eq!(r.status, StatusCode::OK, "POST {url}: {}", r.body);
    r.body
}

/// The `Id` (or `FieldValueId`) of an answer, as u64.
pub fn id_of(body: &Value, key: &str) -> u64 {
    body[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no {key} in {body}"))
}

/// Sends raw bytes over TCP (one request, `Connection: close`) and returns (status, body).
pub async fn raw(addr: std::net::SocketAddr, request: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    stream
        .write_all(request.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut buf = Vec::new();
    stream
        .read_to_end(&mut buf)
        .await
        .unwrap_or_else(|e| panic!("read: {e}"));
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {text:?}"));
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
    };
    (status, body)
}

/// A client whose requests go through the simulator as their HTTP proxy (absolute-form), like
/// the service's.
pub fn proxied(sim: &ponte_sim::Sim) -> Client {
    Client::builder()
        .proxy(reqwest::Proxy::http(sim.url()).unwrap_or_else(|e| panic!("proxy: {e}")))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// App-key calls to one API through `client`, one helper per request shape: each goes to
/// `{base}{path}` (`base` the API's host and prefix).
#[derive(Debug, Clone, Copy)]
pub struct Api<'a> {
    pub client: &'a Client,
    pub base: &'a str,
}

impl<'a> Api<'a> {
    /// Calls to `{base}{path}` through `client`.
    pub fn new(client: &'a Client, base: &'a str) -> Self {
        Api { client, base }
    }
}

impl Api<'_> {
    /// Any request: `body` sent as JSON when given.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        call(self.client, method, &format!("{}{path}", self.base), body).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(&body)).await
    }

    /// A `POST` without a body.
    pub async fn post_empty(&self, path: &str) -> Reply {
        self.call(Method::POST, path, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(&body)).await
    }
}
