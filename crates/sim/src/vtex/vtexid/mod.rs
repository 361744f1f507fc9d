//! VTEX ID (§I): user and app-key tokens signed with the simulator's own ES256 key,
//! their validation and revocation, and a test OAuth 2.0 identity provider for the webstore
//! login.
//!
//! Endpoints ([`routes()`], on every VTEX host and on the simulator's own):
//!
//! | endpoint | VTEX? |
//! |---|---|
//! | `POST /api/vtexid/apptoken/login` `{appkey, apptoken}` → `{authStatus, token, expires}` | real (OpenAPI) |
//! | `POST /api/vtexid/credential/validate` `{token}` → `{authStatus, id, user, account, audience, tokenType}` | real (OpenAPI) |
//! | `GET /api/vtexid/pub/authenticated/user?authToken=` → `{userId, user, userType, account}` | real (developer guide; not in the OpenAPI) |
//! | `GET`/`POST /api/vtexid/pub/logout` | real path (storefront logout, `?scope=&returnUrl=`); not in the OpenAPI, shape is the simulator's |
//! | `POST /api/vtexid/audience/webstore/provider/oauth/exchange` `{providerId, accessToken, duration?}` → `{authToken}` | real (OpenAPI) |
//! | `POST /api/vtexid/pub/sim/login` | **simulator extension**: mint a user token |
//! | `GET /api/vtexid/pub/sim/jwks` | **simulator extension**: the public key (VTEX publishes none) |
//!
//! and on the simulator's own host only ([`oauth`]): `GET /_sim/oauth/authorize`,
//! `POST /_sim/oauth/token`, `GET /_sim/oauth/userinfo` (**simulator extension**: a test IdP
//! speaking VTEX's webstore OAuth 2.0 contract).
//!
//! **Validity** of a token everywhere (validate, authenticated/user, logout): ponte-core's
//! [`sso::validate`] with the simulator's key set, the token's own `audience` and `account`,
//! the real clock and no leeway **[emulator choice]** (signature, `iss`, `exp`, `iat`), then not
//! revoked, then its (`account`, `sub`) is a user the simulator created with that `userId`.
//! A failure answers `401 {"authStatus":"WrongCredentials"}` whatever the reason; the reason
//! is in the `x-ponte-sim-reason` response header (a simulator extension, for debugging).
//!
//! **Revocation** is by session: logging out revokes the token's `sess`, hence every token of
//! that login; an app-key token (no `sess`) is revoked by its `jti`. Revocations are stored,
//! so they survive restarts, and are never forgotten.
//!
//! **Users** are created on first login, one per (account, email) with a random `userId` that
//! is then stable; app keys get one per (account, app key). Emails are trimmed and lowercased.
//!
//! **App keys**: every account `A` knows `vtexappkey-A-PONTE` / `ponte-sim-apptoken`
//! ([`default_app_key`]); `--app-key KEY:TOKEN` adds pairs valid on every account. The token's
//! account is the request's (host, `?an=`, `x-vtex-account`, else the default account).

pub mod oauth;
pub mod routes;
pub mod tables;
pub mod token;
pub mod web;

use crate::platform::error::{ApiError, StoreError};
use crate::platform::store::Store;
use ponte_core::sso::{self, Audience, Claims, Expected};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use token::{TokenClaims, TokenSigner};

pub use routes::routes;

/// Lifetime of a user token (`exp − iat`), as VTEX's.
pub const USER_TOKEN_TTL: i64 = 86_400;
/// Lifetime of an app-key token: VTEX's are about 6 hours.
pub const APP_KEY_TOKEN_TTL: i64 = 6 * 3_600;
/// The app token of every account's built-in app key.
pub const SIM_APP_TOKEN: &str = "ponte-sim-apptoken";
/// Latest unix time a claim may carry (ponte-core refuses later ones).
const MAX_TIME: i64 = 253_402_300_799;

/// The built-in app key of `account`: `vtexappkey-{account}-PONTE`.
pub fn default_app_key(account: &str) -> String {
    format!("vtexappkey-{account}-PONTE")
}

/// An app key and its token (`--app-key KEY:TOKEN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppKey {
    pub key: String,
    pub token: String,
}

impl FromStr for AppKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((key, token)) if !key.trim().is_empty() && !token.is_empty() => Ok(AppKey {
                key: key.trim().to_owned(),
                token: token.to_owned(),
            }),
            _ => Err(format!("expected KEY:TOKEN, got {s:?}")),
        }
    }
}

/// The current unix time in seconds (the real clock).
pub fn now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}

/// `N` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| format!("no randomness from the system: {e}"))?;
    Ok(buf)
}

/// A random (version 4) UUID, lowercase, as VTEX's ids.
pub fn uuid_v4() -> Result<String, String> {
    let mut b: [u8; 16] = random_bytes()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// Who a token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserKind {
    User,
    AppKey,
}

/// A VTEX ID user of one account (a person or an app key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRecord {
    pub account: String,
    /// The email, or the app key.
    pub email: String,
    pub user_id: String,
    pub kind: UserKind,
}

/// A token just issued.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: String,
    pub user_id: String,
    pub expires: i64,
    pub account: String,
    pub audience: Audience,
    pub sess: Option<String>,
}

/// A token that passed every check.
#[derive(Debug, Clone)]
pub struct Verified {
    pub claims: Claims,
    pub user: UserRecord,
}

/// Why a token was refused (shown in `x-ponte-sim-reason`, never in the body).
#[derive(Debug, Clone)]
pub struct Rejected(pub String);

/// What to mint.
#[derive(Debug, Clone)]
pub struct MintRequest {
    pub account: String,
    pub email: String,
    pub audience: Audience,
    pub iat: i64,
    pub ttl: i64,
}

#[derive(Debug, Default)]
struct State {
    /// By (account, email or app key).
    users: BTreeMap<(String, String), UserRecord>,
    /// `sess:{sess}` or `jti:{jti}`.
    revoked: BTreeSet<String>,
    idp_users: BTreeMap<String, oauth::IdpUser>,
    codes: BTreeMap<String, oauth::CodeGrant>,
    access: BTreeMap<String, oauth::AccessGrant>,
}

const KIND_KEY: &str = "signing_key";
const KIND_USER: &str = "user";
const KIND_REVOKED: &str = "revoked";
const KIND_IDP_USER: &str = "idp_user";
const KIND_CODE: &str = "oauth_code";
const KIND_ACCESS: &str = "oauth_access";

#[derive(Debug, Serialize, Deserialize)]
struct StoredKey {
    alg: String,
    /// The secret scalar, base64url.
    d: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredRevocation {
    at: i64,
}

/// One record to write: (kind, key, JSON).
type Record = (&'static str, String, String);

fn record<T: Serialize>(kind: &'static str, key: String, value: &T) -> Result<Record, ApiError> {
    let json = serde_json::to_string(value).map_err(|source| StoreError::Encode {
        entity: kind,
        source,
    })?;
    Ok((kind, key, json))
}

fn decode<T: DeserializeOwned>(kind: &'static str, key: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Decode {
        entity: kind,
        key: key.to_owned(),
        source,
    })
}

/// VTEX ID's state: the key, users, revocations and OAuth grants in memory, written through
/// to the store before any answer that depends on them.
#[derive(Debug)]
pub struct VtexId {
    store: Store,
    signer: TokenSigner,
    app_keys: Vec<AppKey>,
    state: Mutex<State>,
}

/// The state the VTEX ID handlers share.
pub type SharedId = Arc<VtexId>;

impl VtexId {
    /// Loads everything from the store, generating (and storing) the signing key on first
    /// start. Blocking.
    pub fn load(store: Store, app_keys: Vec<AppKey>) -> Result<VtexId, crate::SimError> {
        tables::create(&store)?;
        let mut state = State::default();
        let mut signer = None;
        for (kind, key, json) in tables::load(&store)? {
            match kind.as_str() {
                KIND_KEY => {
                    let stored: StoredKey = decode(KIND_KEY, &key, &json)?;
                    let secret = base64::Engine::decode(
                        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                        &stored.d,
                    )
                    .map_err(|e| crate::SimError::Key(format!("stored key {key}: {e}")))?;
                    signer = Some(TokenSigner::from_secret(&secret).map_err(crate::SimError::Key)?);
                }
                KIND_USER => {
                    let user: UserRecord = decode(KIND_USER, &key, &json)?;
                    state
                        .users
                        .insert((user.account.clone(), user.email.clone()), user);
                }
                KIND_REVOKED => {
                    state.revoked.insert(key);
                }
                KIND_IDP_USER => {
                    let user: oauth::IdpUser = decode(KIND_IDP_USER, &key, &json)?;
                    state.idp_users.insert(user.email.clone(), user);
                }
                KIND_CODE => {
                    let grant: oauth::CodeGrant = decode(KIND_CODE, &key, &json)?;
                    state.codes.insert(key, grant);
                }
                KIND_ACCESS => {
                    let grant: oauth::AccessGrant = decode(KIND_ACCESS, &key, &json)?;
                    state.access.insert(key, grant);
                }
                _ => {}
            }
        }
        let signer = match signer {
            Some(s) => s,
            None => {
                let s = TokenSigner::generate().map_err(crate::SimError::Key)?;
                let stored = StoredKey {
                    alg: "ES256".to_owned(),
                    d: s.secret_b64(),
                };
                let json = serde_json::to_string(&stored).map_err(|source| StoreError::Encode {
                    entity: KIND_KEY,
                    source,
                })?;
                tables::put(&store, &[(KIND_KEY, "es256", json)])?;
                s
            }
        };
        Ok(VtexId {
            store,
            signer,
            app_keys,
            state: Mutex::new(state),
        })
    }

    /// The signer (its `kid`, JWKS and key set).
    pub fn signer(&self) -> &TokenSigner {
        &self.signer
    }

    /// A poisoned lock is recovered: memory changes only after the store has committed.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn commit(&self, records: &[Record]) -> Result<(), ApiError> {
        if records.is_empty() {
            return Ok(());
        }
        let refs: Vec<(&str, &str, String)> = records
            .iter()
            .map(|(kind, key, json)| (*kind, key.as_str(), json.clone()))
            .collect();
        tables::put(&self.store, &refs)?;
        Ok(())
    }

    /// The user of (account, email), created (and stored) if new. Called with the lock held.
    fn ensure_user(
        &self,
        state: &mut State,
        account: &str,
        email: &str,
        kind: UserKind,
    ) -> Result<UserRecord, ApiError> {
        let key = (account.to_owned(), email.to_owned());
        if let Some(user) = state.users.get(&key) {
            return Ok(user.clone());
        }
        let user = UserRecord {
            account: account.to_owned(),
            email: email.to_owned(),
            user_id: uuid_v4().map_err(ApiError::Internal)?,
            kind,
        };
        self.commit(&[record(KIND_USER, format!("{account}/{email}"), &user)?])?;
        state.users.insert(key, user.clone());
        Ok(user)
    }

    fn sign(
        &self,
        user: &UserRecord,
        audience: Audience,
        sess: Option<&str>,
        iat: i64,
        ttl: i64,
    ) -> Result<Issued, ApiError> {
        let exp = iat.checked_add(ttl).unwrap_or(i64::MIN);
        for (name, t) in [("issuedAt", iat), ("issuedAt + ttlSeconds", exp)] {
            if !(0..=MAX_TIME).contains(&t) {
                return Err(ApiError::InvalidBody(format!(
                    "{name} must be unix seconds between 0 and {MAX_TIME}, got {t}"
                )));
            }
        }
        let jti = uuid_v4().map_err(ApiError::Internal)?;
        let claims = TokenClaims {
            sub: &user.email,
            account: &user.account,
            audience: audience.as_str(),
            sess,
            exp,
            user_id: &user.user_id,
            iat,
            iss: TokenClaims::ISSUER,
            jti: &jti,
            token_type: "user",
            is_representative: false,
        };
        let token = self.signer.sign(&claims).map_err(ApiError::Internal)?;
        Ok(Issued {
            token,
            user_id: user.user_id.clone(),
            expires: exp,
            account: user.account.clone(),
            audience,
            sess: sess.map(str::to_owned),
        })
    }

    /// A user token for a new session (creating the user on first login). Blocking.
    pub fn login(&self, req: &MintRequest) -> Result<Issued, ApiError> {
        let email = normalise_email(&req.email)?;
        let mut state = self.lock();
        let user = self.ensure_user(&mut state, &req.account, &email, UserKind::User)?;
        drop(state);
        let sess = uuid_v4().map_err(ApiError::Internal)?;
        self.sign(&user, req.audience, Some(&sess), req.iat, req.ttl)
    }

    /// An app-key token, or `None` for a pair the simulator does not know. Blocking.
    pub fn app_login(
        &self,
        account: &str,
        appkey: &str,
        apptoken: &str,
    ) -> Result<Option<Issued>, ApiError> {
        let known = (appkey == default_app_key(account) && apptoken == SIM_APP_TOKEN)
            || self
                .app_keys
                .iter()
                .any(|k| k.key == appkey && k.token == apptoken);
        if !known {
            return Ok(None);
        }
        let mut state = self.lock();
        let user = self.ensure_user(&mut state, account, appkey, UserKind::AppKey)?;
        drop(state);
        self.sign(&user, Audience::Admin, None, now(), APP_KEY_TOKEN_TTL)
            .map(Some)
    }

    /// Checks a token now; see the module docs.
    pub fn verify(&self, token: &str) -> Result<Verified, Rejected> {
        self.verify_at(token, now())
    }

    fn verify_at(&self, token: &str, now: i64) -> Result<Verified, Rejected> {
        let (_, claims) =
            sso::inspect(token).map_err(|e| Rejected(format!("{}: {e}", e.code())))?;
        let audience = match claims.audience.as_str() {
            "admin" => Audience::Admin,
            "webstore" => Audience::Webstore,
            other => return Err(Rejected(format!("unknown audience {other:?}"))),
        };
        let expected = Expected {
            audience,
            account: claims.account.clone(),
            now,
            leeway_seconds: 0,
        };
        let valid = sso::validate(token, &expected, Some(self.signer.keys()))
            .map_err(|e| Rejected(format!("{}: {e}", e.code())))?;
        let claims = valid.claims;
        let state = self.lock();
        if state.revoked.contains(&revocation_key(&claims)) {
            return Err(Rejected("TOKEN_REVOKED: the session was logged out".into()));
        }
        let user = state
            .users
            .get(&(claims.account.clone(), claims.sub.clone()))
            .filter(|u| claims.user_id.as_deref() == Some(u.user_id.as_str()))
            .cloned()
            .ok_or_else(|| Rejected("TOKEN_USER_UNKNOWN: no such user".into()))?;
        Ok(Verified { claims, user })
    }

    /// Revokes the sessions of every valid token given; returns how many were revoked (a
    /// token whose signature does not verify revokes nothing). Blocking.
    pub fn logout<'a>(&self, tokens: impl IntoIterator<Item = &'a str>) -> Result<usize, ApiError> {
        let mut keys = BTreeSet::new();
        for token in tokens {
            if let Ok(v) = self.verify(token) {
                keys.insert(revocation_key(&v.claims));
            }
        }
        self.revoke(keys)
    }

    /// Stores revocations (`sess:...` / `jti:...`); returns how many were new.
    fn revoke(&self, keys: BTreeSet<String>) -> Result<usize, ApiError> {
        let mut state = self.lock();
        self.revoke_in(&mut state, keys)
    }

    /// [`VtexId::revoke`] with the lock held.
    fn revoke_in(&self, state: &mut State, keys: BTreeSet<String>) -> Result<usize, ApiError> {
        let at = now();
        let mut records = Vec::new();
        for key in keys.iter().filter(|k| !state.revoked.contains(*k)) {
            records.push(record(KIND_REVOKED, key.clone(), &StoredRevocation { at })?);
        }
        self.commit(&records)?;
        let count = records.len();
        state.revoked.extend(keys);
        Ok(count)
    }
}

/// What revoking a token revokes: its session, or the token itself when it has none.
fn revocation_key(claims: &Claims) -> String {
    match &claims.sess {
        Some(sess) => revocation_key_of_sess(sess),
        None => format!("jti:{}", claims.jti),
    }
}

fn revocation_key_of_sess(sess: &str) -> String {
    format!("sess:{sess}")
}

/// Trimmed and lowercased; refused when empty or without `@`.
pub fn normalise_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() || !email.contains('@') || email.len() > 254 {
        return Err(ApiError::InvalidBody(format!(
            "email must be an address like ana@example.com, got {raw:?}"
        )));
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4() {
        let id = uuid_v4().unwrap_or_default();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes().get(14), Some(&b'4'));
        assert_ne!(id, uuid_v4().unwrap_or_default());
    }

    #[test]
    fn app_key_arguments_parse() {
        assert_eq!(
            "vtexappkey-a-X:tok:en".parse::<AppKey>(),
            Ok(AppKey {
                key: "vtexappkey-a-X".into(),
                token: "tok:en".into()
            })
        );
        assert!("nocolon".parse::<AppKey>().is_err());
        assert!(":t".parse::<AppKey>().is_err());
        assert!("k:".parse::<AppKey>().is_err());
    }
}
