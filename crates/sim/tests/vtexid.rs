//! VTEX ID, the OAuth test identity provider and app settings over real HTTP on 127.0.0.1:
//! tokens that ponte-core verifies with the simulator's key set, expiry, logout, restarts,
//! app keys, the OAuth code flow and exchange, and settings through the proxy hosts.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use ponte_core::sso::{self, Audience, Expected, KeySet};
use ponte_sim::{AppKey, Sim, SimConfig};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, Proxy, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const LOGIN: &str = "/api/vtexid/pub/sim/login";
const VALIDATE: &str = "/api/vtexid/credential/validate";
const JWKS: &str = "/api/vtexid/pub/sim/jwks";
const LOGOUT: &str = "/api/vtexid/pub/logout";
const APPTOKEN: &str = "/api/vtexid/apptoken/login";
const EXCHANGE: &str = "/api/vtexid/audience/webstore/provider/oauth/exchange";
const AUTH_USER: &str = "/api/vtexid/pub/authenticated/user";

async fn start_with(dir: &Path, app_keys: Vec<AppKey>) -> Sim {
    let mut config = SimConfig::new(dir);
    config.app_keys = app_keys;
    Sim::start(config)
        .await
        .unwrap_or_else(|e| panic!("the simulator did not start: {e}"))
}

/// A simulator without extra app keys over a new temp dir (returned, to keep it), its base
/// URL and a [`plain`] client.
async fn started() -> (tempfile::TempDir, Sim, String, Client) {
    let dir = temp_dir();
    let sim = start_with(dir.path(), vec![]).await;
    let base = sim.url();
    (dir, sim, base, plain())
}

/// No redirects followed, no proxy from the environment.
fn plain() -> Client {
    Client::builder()
        .no_proxy()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// The simulator as the HTTP proxy, as the service's axios has it with HTTP_PROXY.
fn proxied(sim: &Sim) -> Client {
    Client::builder()
        .proxy(Proxy::http(sim.url()).unwrap_or_else(|e| panic!("proxy: {e}")))
        .redirect(Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

struct Full {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Full {
    /// The `Location` header, when it is text.
    fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }
}

async fn full(req: reqwest::RequestBuilder) -> Full {
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("request failed: {e}"));
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_else(|e| panic!("body: {e}"));
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    Full {
        status,
        headers,
        body,
    }
}

async fn post_json(c: &Client, url: &str, body: Value) -> Full {
    full(c.post(url).json(&body)).await
}

fn cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

fn str_of<'a>(body: &'a Value, key: &str) -> &'a str {
    body[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key} in {body}"))
}

fn unix_now() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    i64::try_from(secs).unwrap_or_default()
}

/// Mints a token with the simulator's login extension; returns the answer.
async fn login(c: &Client, base: &str, body: Value) -> Full {
    let r = post_json(c, &format!("{base}{LOGIN}"), body).await;
    assert_eq!(r.status, StatusCode::OK, "login: {}", r.body);
    r
}

async fn login_token(c: &Client, base: &str, email: &str) -> String {
    let r = login(
        c,
        base,
        json!({"email": email, "account": "ponte", "audience": "admin"}),
    )
    .await;
    str_of(&r.body, "token").to_owned()
}

async fn validate(c: &Client, base: &str, token: &str) -> Full {
    post_json(c, &format!("{base}{VALIDATE}"), json!({ "token": token })).await
}

fn assert_refused(r: &Full, what: &str) {
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}: {}", r.body);
    assert_eq!(r.body, json!({"authStatus": "WrongCredentials"}), "{what}");
}

async fn key_set(c: &Client, base: &str) -> (KeySet, String) {
    let r = c
        .get(format!("{base}{JWKS}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("jwks: {e}"));
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap_or_else(|e| panic!("{e}"));
    let keys = KeySet::from_jwks_json(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (keys, text)
}

fn part(token: &str, i: usize) -> Vec<u8> {
    let p = token
        .split('.')
        .nth(i)
        .unwrap_or_else(|| panic!("token has no part {i}"));
    URL_SAFE_NO_PAD
        .decode(p)
        .unwrap_or_else(|e| panic!("part {i}: {e}"))
}

fn claims_of(token: &str) -> Value {
    serde_json::from_slice(&part(token, 1)).unwrap_or_else(|e| panic!("{e}"))
}

fn expected(audience: Audience, account: &str) -> Expected {
    Expected {
        audience,
        account: account.into(),
        now: unix_now(),
        leeway_seconds: 5,
    }
}

#[tokio::test]
async fn login_tokens_validate_online_and_with_ponte_core() {
    let (_dir, sim, base, c) = started().await;

    let r = login(
        &c,
        &base,
        json!({"email": " Ana@Example.com ", "account": "ponte", "audience": "admin"}),
    )
    .await;
    let token = str_of(&r.body, "token").to_owned();
    let user_id = str_of(&r.body, "userId").to_owned();
    let set = cookies(&r.headers);
    assert!(
        set.iter()
            .any(|c| c.starts_with(&format!("VtexIdclientAutCookie={token};"))),
        "{set:?}"
    );

    // VTEX's shape, from the header and claims to the lifetime.
    let header: Value = serde_json::from_slice(&part(&token, 0)).unwrap_or_default();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "jwt");
    let kid = str_of(&header, "kid").to_owned();
    assert_eq!(kid.len(), 40);
    assert!(
        kid.bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    );
    let raw_claims = String::from_utf8(part(&token, 1)).unwrap_or_default();
    let order: Vec<usize> = [
        "\"sub\"",
        "\"account\"",
        "\"audience\"",
        "\"sess\"",
        "\"exp\"",
        "\"userId\"",
        "\"iat\"",
        "\"iss\"",
        "\"jti\"",
        "\"type\"",
        "\"isRepresentative\"",
    ]
    .iter()
    .map(|k| {
        raw_claims
            .find(k)
            .unwrap_or_else(|| panic!("{k} missing in {raw_claims}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{raw_claims}");
    let claims = claims_of(&token);
    assert_eq!(claims["sub"], "ana@example.com");
    assert_eq!(claims["iss"], "token-emitter");
    assert_eq!(claims["type"], "user");
    assert_eq!(claims["isRepresentative"], false);
    assert_eq!(claims["userId"], user_id.as_str());
    let (exp, iat) = (
        claims["exp"].as_i64().unwrap_or_default(),
        claims["iat"].as_i64().unwrap_or_default(),
    );
    assert_eq!(exp - iat, 86_400);
    assert_eq!(r.body["expires"], exp);

    // Online validation, straight and through the proxy on an account host.
    let v = validate(&c, &base, &token).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.body);
    assert_eq!(
        v.body,
        json!({"authStatus": "Success", "id": user_id, "user": "ana@example.com",
               "account": "ponte", "audience": "admin", "tokenType": "user"})
    );
    let p = proxied(&sim);
    let v = validate(&p, "http://ponte.vtexcommercestable.com.br", &token).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.body);

    // Offline: ponte-core verifies the signature with the simulator's JWKS, and the
    // signature is canonical (low s).
    let (keys, jwks) = key_set(&c, &base).await;
    assert_eq!(keys.kids().collect::<Vec<_>>(), [kid.as_str()]);
    let jwks: Value = serde_json::from_str(&jwks).unwrap_or_default();
    assert_eq!(jwks["keys"][0]["kty"], "EC");
    assert_eq!(jwks["keys"][0]["use"], "sig");
    assert!(
        jwks["keys"][0].get("d").is_none(),
        "private member published"
    );
    for i in 0..12 {
        let t = if i == 0 {
            token.clone()
        } else {
            login_token(&c, &base, "ana@example.com").await
        };
        let valid = sso::validate(&t, &expected(Audience::Admin, "ponte"), Some(&keys))
            .unwrap_or_else(|e| panic!("token {i}: {e}"));
        assert!(valid.signature_verified);
        let sig = p256::ecdsa::Signature::from_slice(&part(&t, 2))
            .unwrap_or_else(|e| panic!("signature: {e}"));
        assert_eq!(sig.normalize_s(), sig, "high s in token {i}");
        // One user per (account, email): the same userId every login, a new session each.
        assert_eq!(claims_of(&t)["userId"], user_id.as_str());
        if i > 0 {
            assert_ne!(claims_of(&t)["sess"], claims["sess"]);
        }
    }

    // Webstore login: its own cookie and audience; another account, another user.
    let w = login(
        &c,
        &base,
        json!({"email": "ana@example.com", "account": "other", "audience": "webstore"}),
    )
    .await;
    let wt = str_of(&w.body, "token");
    assert!(
        cookies(&w.headers)
            .iter()
            .any(|c| c.starts_with("VtexIdclientAutCookie_other=")),
        "{:?}",
        w.headers
    );
    assert_ne!(str_of(&w.body, "userId"), user_id);
    let v = validate(&c, &base, wt).await;
    assert_eq!(v.body["audience"], "webstore");
    assert_eq!(v.body["account"], "other");
    assert!(sso::validate(wt, &expected(Audience::Webstore, "other"), Some(&keys)).is_ok());

    // The account defaults to the request's (host or ?an=).
    let h = login(
        &p,
        "http://shop.vtexcommercestable.com.br",
        json!({"email": "bo@example.com"}),
    )
    .await;
    assert_eq!(claims_of(str_of(&h.body, "token"))["account"], "shop");

    // authenticated/user, as @vtex/api's @auth directive calls it (vtexid.vtex.com.br, plain
    // HTTP through the proxy).
    let u = full(p.get(format!(
        "http://vtexid.vtex.com.br{AUTH_USER}?authToken={token}"
    )))
    .await;
    assert_eq!(u.status, StatusCode::OK, "{}", u.body);
    assert_eq!(
        u.body,
        json!({"userId": user_id, "user": "ana@example.com", "userType": "F", "account": "ponte"})
    );
    let u = full(c.get(format!("{base}{AUTH_USER}"))).await;
    assert_eq!((u.status, u.body), (StatusCode::OK, Value::Null));

    // Forged tokens: another account in the claims, a flipped signature byte, garbage.
    let mut forged_claims = claims.clone();
    forged_claims["account"] = json!("victim");
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(forged_claims.to_string()),
        parts[2]
    );
    assert_refused(&validate(&c, &base, &forged).await, "forged claims");
    let mut sig = part(&token, 2);
    sig[10] ^= 1;
    let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(&sig));
    let r = validate(&c, &base, &flipped).await;
    assert_refused(&r, "flipped signature");
    assert!(
        r.headers
            .get("x-ponte-sim-reason")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("TOKEN_SIGNATURE")),
        "{:?}",
        r.headers
    );
    assert_refused(&validate(&c, &base, "not.a.token").await, "garbage");
    let u = full(c.get(format!("{base}{AUTH_USER}?authToken={flipped}"))).await;
    assert_eq!((u.status, u.body), (StatusCode::UNAUTHORIZED, Value::Null));

    stop(sim).await;
}

#[tokio::test]
async fn expired_future_and_malformed_logins() {
    let (_dir, sim, base, c) = started().await;
    let (keys, _) = key_set(&c, &base).await;

    let expired = login(
        &c,
        &base,
        json!({"email": "ana@example.com", "account": "ponte", "audience": "admin", "ttlSeconds": -60}),
    )
    .await;
    let token = str_of(&expired.body, "token");
    assert_refused(&validate(&c, &base, token).await, "expired");
    let err = sso::validate(token, &expected(Audience::Admin, "ponte"), Some(&keys))
        .err()
        .map(|e| e.code());
    assert_eq!(err, Some("TOKEN_EXPIRED"));

    let future = login(
        &c,
        &base,
        json!({"email": "ana@example.com", "account": "ponte", "issuedAt": unix_now() + 3600}),
    )
    .await;
    assert_refused(
        &validate(&c, &base, str_of(&future.body, "token")).await,
        "issued in the future",
    );

    // A short but valid lifetime is honoured.
    let short = login(
        &c,
        &base,
        json!({"email": "ana@example.com", "account": "ponte", "ttlSeconds": 120}),
    )
    .await;
    let claims = claims_of(str_of(&short.body, "token"));
    assert_eq!(
        claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
        120
    );
    assert_eq!(
        validate(&c, &base, str_of(&short.body, "token"))
            .await
            .status,
        StatusCode::OK
    );

    for bad in [
        json!({"account": "ponte"}),
        json!({"email": "not-an-email", "account": "ponte"}),
        json!({"email": "a@b.c", "account": "ponte", "audience": "root"}),
        json!({"email": "a@b.c", "account": "Not Valid"}),
        json!({"email": "a@b.c", "account": "ponte", "issuedAt": -5}),
    ] {
        let r = post_json(&c, &format!("{base}{LOGIN}"), bad.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
    let r = full(c.post(format!("{base}{VALIDATE}")).body("{")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    stop(sim).await;
}

#[tokio::test]
async fn logout_revokes_sessions_and_state_survives_a_restart() {
    let (dir, sim, base, c) = started().await;
    let (_, jwks_before) = key_set(&c, &base).await;

    let a = login_token(&c, &base, "ana@example.com").await;
    let b = login_token(&c, &base, "ana@example.com").await;
    let d = login_token(&c, &base, "ana@example.com").await;
    let kept = login_token(&c, &base, "ana@example.com").await;
    let user_id = claims_of(&a)["userId"].clone();

    // Cookie: revokes a's session only, clears the cookie.
    let r = full(
        c.get(format!("{base}{LOGOUT}"))
            .header("Cookie", format!("other=1; VtexIdclientAutCookie={a}")),
    )
    .await;
    assert_eq!(
        (r.status, &r.body),
        (StatusCode::OK, &json!({"revoked": 1}))
    );
    assert!(
        cookies(&r.headers)
            .iter()
            .any(|c| c.starts_with("VtexIdclientAutCookie=;") && c.contains("Max-Age=0")),
        "{:?}",
        r.headers
    );
    assert_refused(&validate(&c, &base, &a).await, "logged out");
    assert_eq!(validate(&c, &base, &b).await.status, StatusCode::OK);

    // ?authToken= with returnUrl: a redirect.
    let r = full(c.post(format!(
        "{base}{LOGOUT}?authToken={b}&returnUrl=https%3A%2F%2Fponte.myvtex.com%2F"
    )))
    .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), Some("https://ponte.myvtex.com/"));
    assert_refused(&validate(&c, &base, &b).await, "logged out by authToken");

    // The VtexIdclientAutCookie header.
    let r = full(
        c.post(format!("{base}{LOGOUT}"))
            .header("VtexIdclientAutCookie", &d),
    )
    .await;
    assert_eq!(r.body, json!({"revoked": 1}));
    assert_refused(&validate(&c, &base, &d).await, "logged out by header");

    // A forged token revokes nothing; a second logout is a no-op.
    let r = full(c.get(format!("{base}{LOGOUT}?authToken={a}"))).await;
    assert_eq!(r.body, json!({"revoked": 0}));
    let (h, _) = kept.rsplit_once('.').unwrap_or_default();
    let forged = format!("{h}.{}", URL_SAFE_NO_PAD.encode([7u8; 64]));
    let r = full(c.get(format!("{base}{LOGOUT}?authToken={forged}"))).await;
    assert_eq!(r.body, json!({"revoked": 0}));
    assert_eq!(validate(&c, &base, &kept).await.status, StatusCode::OK);

    // App settings written before the restart.
    let p = proxied(&sim);
    let settings = "http://apps.local.vtex.io/ponte/master/apps/vtex.ponte/settings";
    let r = full(p.put(settings).json(&json!({"kept": true}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    stop(sim).await;

    // Same data dir: same key, revocations and users kept.
    let sim = start_with(dir.path(), vec![]).await;
    let base = sim.url();
    let (keys, jwks_after) = key_set(&c, &base).await;
    assert_eq!(jwks_before, jwks_after);
    let v = validate(&c, &base, &kept).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.body);
    assert!(sso::validate(&kept, &expected(Audience::Admin, "ponte"), Some(&keys)).is_ok());
    for (t, what) in [(&a, "a"), (&b, "b"), (&d, "d")] {
        assert_refused(&validate(&c, &base, t).await, what);
    }
    let again = login_token(&c, &base, "ana@example.com").await;
    assert_eq!(claims_of(&again)["userId"], user_id);
    let r = full(proxied(&sim).get(settings)).await;
    assert_eq!(r.body, json!({"kept": true}));

    stop(sim).await;
}

#[tokio::test]
async fn app_keys_log_in_and_wrong_ones_are_refused() {
    let dir = temp_dir();
    let extra = AppKey {
        key: "vtexappkey-partner-ABCDEF".into(),
        token: "partner-secret".into(),
    };
    let sim = start_with(dir.path(), vec![extra.clone()]).await;
    let c = plain();
    let p = proxied(&sim);
    let (keys, _) = key_set(&c, &sim.url()).await;
    let host = "http://ponte.vtexcommercestable.com.br";

    let r = post_json(
        &p,
        &format!("{host}{APPTOKEN}"),
        json!({"appkey": "vtexappkey-ponte-PONTE", "apptoken": "ponte-sim-apptoken"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["authStatus"], "Success");
    let token = str_of(&r.body, "token").to_owned();
    let claims = claims_of(&token);
    assert_eq!(claims["sub"], "vtexappkey-ponte-PONTE");
    assert_eq!(claims["account"], "ponte");
    assert_eq!(claims["audience"], "admin");
    assert!(claims.get("sess").is_none(), "{claims}");
    let (exp, iat) = (
        claims["exp"].as_i64().unwrap_or_default(),
        claims["iat"].as_i64().unwrap_or_default(),
    );
    assert_eq!(exp - iat, 6 * 3600);
    assert_eq!(r.body["expires"], exp);
    assert!(sso::validate(&token, &expected(Audience::Admin, "ponte"), Some(&keys)).is_ok());
    let v = validate(&c, &sim.url(), &token).await;
    assert_eq!(v.body["tokenType"], "appkey", "{}", v.body);
    assert_eq!(v.body["user"], "vtexappkey-ponte-PONTE");

    for (appkey, apptoken, what) in [
        ("vtexappkey-ponte-PONTE", "wrong", "wrong token"),
        (
            "vtexappkey-other-PONTE",
            "ponte-sim-apptoken",
            "another account's key",
        ),
        ("vtexappkey-ponte-NOPE", "ponte-sim-apptoken", "unknown key"),
        (
            extra.key.as_str(),
            "ponte-sim-apptoken",
            "configured key, wrong token",
        ),
    ] {
        let r = post_json(
            &p,
            &format!("{host}{APPTOKEN}"),
            json!({"appkey": appkey, "apptoken": apptoken}),
        )
        .await;
        assert_refused(&r, what);
    }

    // A configured pair works on any account; here through api.vtexcommercestable ?an=.
    let r = post_json(
        &p,
        &format!("http://api.vtexcommercestable.com.br{APPTOKEN}?an=partner"),
        json!({"appkey": extra.key, "apptoken": extra.token}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(claims_of(str_of(&r.body, "token"))["account"], "partner");

    // An app-key token (no sess) is revoked by itself.
    let r = full(c.post(format!("{}{LOGOUT}?authToken={token}", sim.url()))).await;
    assert_eq!(r.body, json!({"revoked": 1}));
    assert_refused(
        &validate(&c, &sim.url(), &token).await,
        "revoked app-key token",
    );

    stop(sim).await;
}

/// `(code, state)` from an authorize redirect.
fn code_and_state(location: &str, redirect_uri: &str) -> (String, String) {
    let rest = location
        .strip_prefix(redirect_uri)
        .unwrap_or_else(|| panic!("{location} does not go to {redirect_uri}"));
    let query = rest
        .strip_prefix('&')
        .unwrap_or_else(|| panic!("{rest}: expected & after a redirect_uri with a query"));
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).unwrap_or_else(|e| panic!("{e}: {query}"));
    let find = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in {location}"))
    };
    (find("code"), find("state"))
}

async fn authorize(c: &Client, base: &str, redirect_uri: &str, state: &str, email: &str) -> Full {
    let query = serde_urlencoded::to_string([
        ("client_id", "ponte-sim-client"),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("login_hint", email),
        ("response_type", "code"),
    ])
    .unwrap_or_default();
    full(c.get(format!("{base}/_sim/oauth/authorize?{query}"))).await
}

async fn token_form(c: &Client, base: &str, fields: &[(&str, &str)]) -> Full {
    let body = serde_urlencoded::to_string(fields).unwrap_or_default();
    full(
        c.post(format!("{base}/_sim/oauth/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

async fn userinfo(c: &Client, base: &str, access: &str) -> Full {
    full(
        c.get(format!("{base}/_sim/oauth/userinfo"))
            .header("Authorization", format!("Bearer {access}")),
    )
    .await
}

#[tokio::test]
async fn oauth_code_flow_exchange_and_code_reuse() {
    let (_dir, sim, base, c) = started().await;
    let p = proxied(&sim);
    let (keys, _) = key_set(&c, &base).await;
    let redirect_uri: &'static str = "https://ponte.myvtex.com/api/vtexid/oauth/receive?flow=1";
    // VTEX's state is a JWT; anything must come back byte for byte.
    let state = "eyJhbGciOi.J9 &=/+?%ä";

    let r = authorize(&c, &base, redirect_uri, state, "Bea@Example.com").await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let location = r.location().unwrap_or_default().to_owned();
    let (code, echoed) = code_and_state(&location, redirect_uri);
    assert!(code.len() > 64, "code of {} characters", code.len());
    assert_eq!(echoed, state);

    // Refusals that do not redirect or burn the code.
    let bad = authorize(&c, &base, "ftp://x/y", state, "bea@example.com").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.location().is_none());
    let bad = full(c.get(format!(
        "{base}/_sim/oauth/authorize?client_id=intruder&redirect_uri=https%3A%2F%2Fx%2F&state=s"
    )))
    .await;
    assert_eq!(
        (bad.status, bad.body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unauthorized_client"))
    );
    let fields =
        |secret: &'static str, uri: &'static str, code: &str| -> Vec<(&'static str, String)> {
            vec![
                ("grant_type", "authorization_code".to_owned()),
                ("client_id", "ponte-sim-client".to_owned()),
                ("client_secret", secret.to_owned()),
                ("code", code.to_owned()),
                ("redirect_uri", uri.to_owned()),
            ]
        };
    let wrong_secret = fields("nope", redirect_uri, &code);
    let r = token_form(&c, &base, &pairs(&wrong_secret)).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let wrong_uri = fields("ponte-sim-secret", "https://elsewhere.example/cb", &code);
    let r = token_form(&c, &base, &pairs(&wrong_uri)).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    // The exchange, then userinfo.
    let good = fields("ponte-sim-secret", redirect_uri, &code);
    let r = token_form(&c, &base, &pairs(&good)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let access = str_of(&r.body, "access_token").to_owned();
    assert!(r.body["expires_in"].as_i64().is_some_and(|s| s > 0));
    let u = userinfo(&c, &base, &access).await;
    assert_eq!(u.status, StatusCode::OK, "{}", u.body);
    assert_eq!(u.body["email"], "bea@example.com");
    assert_eq!(u.body["name"], "bea");
    let idp_user_id = str_of(&u.body, "userId").to_owned();
    assert_eq!(
        userinfo(&c, &base, "bogus").await.status,
        StatusCode::UNAUTHORIZED
    );

    // VTEX's side: a webstore token for that person on the account of the host.
    let exchange = format!("http://ponte.myvtex.com{EXCHANGE}");
    let r = post_json(
        &p,
        &exchange,
        json!({"providerId": "ponte-sim", "accessToken": access}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let webstore = str_of(&r.body, "authToken").to_owned();
    assert!(
        cookies(&r.headers)
            .iter()
            .any(|c| c.starts_with(&format!("VtexIdclientAutCookie_ponte={webstore};"))),
        "{:?}",
        r.headers
    );
    let valid = sso::validate(
        &webstore,
        &expected(Audience::Webstore, "ponte"),
        Some(&keys),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(valid.claims.sub, "bea@example.com");
    assert_eq!(
        valid.claims.exp - valid.claims.iat,
        3600,
        "default 60 minutes"
    );
    let v = validate(&c, &base, &webstore).await;
    assert_eq!(
        (v.body["audience"].as_str(), v.body["user"].as_str()),
        (Some("webstore"), Some("bea@example.com"))
    );
    let r = post_json(
        &p,
        &exchange,
        json!({"providerId": "ponte-sim", "accessToken": access, "duration": 90}),
    )
    .await;
    let longer = str_of(&r.body, "authToken").to_owned();
    let claims = claims_of(&longer);
    assert_eq!(
        claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
        5400
    );
    for (body, status) in [
        (
            json!({"providerId": "ponte-sim", "accessToken": access, "duration": 121}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"providerId": "google", "accessToken": access}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"providerId": "ponte-sim", "accessToken": "bogus"}),
            StatusCode::UNAUTHORIZED,
        ),
        (json!({"providerId": "ponte-sim"}), StatusCode::BAD_REQUEST),
    ] {
        let r = post_json(&p, &exchange, body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }

    // A second flow for the same person: same IdP id, independent code.
    let r = authorize(&c, &base, redirect_uri, "s2", "bea@example.com").await;
    let location = r.location().unwrap_or_default().to_owned();
    let (code2, _) = code_and_state(&location, redirect_uri);
    assert_ne!(code2, code);
    let r = full(c.post(format!("{base}/_sim/oauth/token")).json(&json!({
        "client_id": "ponte-sim-client", "client_secret": "ponte-sim-secret",
        "code": code2, "redirect_uri": redirect_uri,
    })))
    .await;
    assert_eq!(r.status, StatusCode::OK, "JSON body: {}", r.body);
    let access2 = str_of(&r.body, "access_token").to_owned();
    assert_eq!(
        userinfo(&c, &base, &access2).await.body["userId"],
        idp_user_id.as_str()
    );

    // Reusing the first code fails and revokes everything issued from it.
    let r = token_form(&c, &base, &pairs(&good)).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "{}",
        r.body
    );
    assert_eq!(
        userinfo(&c, &base, &access).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_refused(
        &validate(&c, &base, &webstore).await,
        "webstore token of a reused code",
    );
    assert_refused(
        &validate(&c, &base, &longer).await,
        "second token of a reused code",
    );
    let r = post_json(
        &p,
        &exchange,
        json!({"providerId": "ponte-sim", "accessToken": access}),
    )
    .await;
    assert_refused(&r, "exchange with a revoked access token");
    // The other flow is untouched.
    assert_eq!(userinfo(&c, &base, &access2).await.status, StatusCode::OK);

    stop(sim).await;
}

fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn app_settings_through_the_proxy_hosts() {
    let dir = temp_dir();
    let sim = start_with(dir.path(), vec![]).await;
    let p = proxied(&sim);
    let legacy = "http://apps.local.vtex.io/ponte/master/apps/vtex.ponte/settings";
    // What @vtex/api's Apps client (an InfraClient for apps@0.x) calls.
    let infra = "http://infra.io.vtex.com/apps/v0/ponte/master/apps/vtex.ponte@0.1.0/settings";

    let r = full(p.get(legacy)).await;
    assert_eq!((r.status, r.body), (StatusCode::OK, json!({})));
    let settings = json!({"enableSso": true, "nested": {"list": [1, 2, 3]}, "name": "Ponte"});
    let r = full(p.put(infra).json(&settings)).await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &settings));
    for url in [legacy, infra] {
        let r = full(p.get(url)).await;
        assert_eq!(r.body, settings, "{url}");
    }
    // Per workspace and account.
    let r = full(p.get("http://apps.local.vtex.io/ponte/dev/apps/vtex.ponte/settings")).await;
    assert_eq!(r.body, json!({}));
    let r = full(p.get("http://apps.local.vtex.io/other/master/apps/vtex.ponte/settings")).await;
    assert_eq!(r.body, json!({}));
    // Replaced, not merged.
    let r = full(p.put(legacy).json(&json!({"only": 1}))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(full(p.get(infra)).await.body, json!({"only": 1}));

    for body in ["[1,2]", "\"x\"", "{"] {
        let r = full(
            p.put(legacy)
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(full(p.get(legacy)).await.body, json!({"only": 1}));
    let r = full(p.get("http://apps.local.vtex.io/ponte/master/apps/vtex.ponte")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // axios with HTTPS_PROXY pointing at the simulator sends an https URL in absolute-form over
    // plain HTTP (it does not tunnel): Apps' default base URL is https://infra.io.vtex.com.
    let (status, body) = raw(
        sim.addr(),
        "GET https://infra.io.vtex.com/apps/v0/ponte/master/apps/vtex.ponte/settings HTTP/1.1\r\n\
         Host: infra.io.vtex.com\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!((status, body), (200, json!({"only": 1})));
    // Settings are not served on account hosts.
    let r =
        full(p.get("http://ponte.vtexcommercestable.com.br/ponte/master/apps/vtex.ponte/settings"))
            .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    stop(sim).await;
}
