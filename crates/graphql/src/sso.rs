//! The person-bound fields (`adminSession`, `storefrontSession`) natively: the same rules as
//! the Node service's `@requiresPerson` (node/sso/authenticator.ts), over
//! [`ponte_core::sso::validate`], with everything a check needs taken from the request's
//! [`SsoData`]: the credentials, the account, the clock, the key set, and which sessions VTEX ID
//! confirms (the native schema makes no network call; the caller says what VTEX ID answered).
//!
//! Order: the credential for the audience (an `Authorization: Bearer` token first, then the
//! audience's cookie; none: `UNAUTHENTICATED`); the core's checks (`TOKEN_*`); an app-key token
//! (`sub` = `vtexappkey-...`): `FORBIDDEN`; then with a key set the signature (`SIGNATURE`),
//! else the session must be among the confirmed ones (`ONLINE`), else `TOKEN_REVOKED`.

use async_graphql::{Context, Enum, ErrorExtensions, SimpleObject};
use ponte_core::sso::{self, Audience, Expected, KeySet, SsoError, ValidToken};
use std::collections::BTreeSet;

/// `extensions.code` when a request carries no token for the audience.
pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
/// `extensions.code` when VTEX ID does not confirm the session.
pub const TOKEN_REVOKED: &str = "TOKEN_REVOKED";
/// `extensions.code` for an app key where a person is required.
pub const FORBIDDEN: &str = "FORBIDDEN";
/// Clock skew tolerated on `exp` and `iat`, as in the Node service.
pub const LEEWAY_SECONDS: u32 = 30;

/// What one request's person-bound fields are checked with. Attach it with
/// `Request::new(query).data(SsoData::new(account, now).with_admin_cookie(token))`.
#[derive(Debug, Clone)]
pub struct SsoData {
    account: String,
    now: i64,
    leeway_seconds: u32,
    bearer: Option<String>,
    admin_cookie: Option<String>,
    store_cookie: Option<String>,
    keys: Option<Result<KeySet, SsoError>>,
    confirmed: BTreeSet<String>,
}

impl SsoData {
    /// The current account and clock (unix seconds), no credential yet.
    pub fn new(account: impl Into<String>, now: i64) -> Self {
        Self {
            account: account.into(),
            now,
            leeway_seconds: LEEWAY_SECONDS,
            bearer: None,
            admin_cookie: None,
            store_cookie: None,
            keys: None,
            confirmed: BTreeSet::new(),
        }
    }

    /// An `Authorization: Bearer` token (read for either audience, before the cookies).
    pub fn with_bearer(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(token.into());
        self
    }

    /// Cookie `VtexIdclientAutCookie` (admin).
    pub fn with_admin_cookie(mut self, token: impl Into<String>) -> Self {
        self.admin_cookie = Some(token.into());
        self
    }

    /// Cookie `VtexIdclientAutCookie_{account}` (storefront).
    pub fn with_store_cookie(mut self, token: impl Into<String>) -> Self {
        self.store_cookie = Some(token.into());
        self
    }

    /// The app's `jwks` setting: tokens are then verified by signature. Parsed once; an
    /// invalid document makes every person-bound field fail with `JWKS_INVALID`.
    pub fn with_jwks(mut self, jwks: &str) -> Self {
        self.keys = Some(KeySet::from_jwks_json(jwks));
        self
    }

    /// A session VTEX ID confirms, by [`ValidToken::cache_key`] (what the Node service caches).
    pub fn with_confirmed_session(mut self, cache_key: impl Into<String>) -> Self {
        self.confirmed.insert(cache_key.into());
        self
    }

    pub fn with_leeway(mut self, seconds: u32) -> Self {
        self.leeway_seconds = seconds;
        self
    }

    /// The credentials of an HTTP request's headers (names in any case), read as the Node
    /// service's `findCredential` reads them: `Authorization: Bearer`, the admin cookie
    /// `VtexIdclientAutCookie`, the storefront cookie `VtexIdclientAutCookie_{account}`.
    pub fn from_headers<'h>(
        account: &str,
        now: i64,
        headers: impl IntoIterator<Item = (&'h String, &'h String)>,
    ) -> Self {
        let mut data = Self::new(account, now);
        let store_cookie = format!("VtexIdclientAutCookie_{account}");
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("authorization") {
                let mut words = value.split_ascii_whitespace();
                if let (Some(scheme), Some(token), None) =
                    (words.next(), words.next(), words.next())
                    && scheme.eq_ignore_ascii_case("bearer")
                {
                    data.bearer = Some(token.to_owned());
                }
            } else if name.eq_ignore_ascii_case("cookie") {
                for pair in value.split(';') {
                    match pair.trim().split_once('=') {
                        Some(("VtexIdclientAutCookie", token)) => {
                            data.admin_cookie = Some(token.to_owned());
                        }
                        Some((cookie, token)) if cookie == store_cookie => {
                            data.store_cookie = Some(token.to_owned());
                        }
                        _ => {}
                    }
                }
            }
        }
        data
    }

    /// Asks VTEX ID about each credential the core accepts for an audience, as the Node
    /// service does without a key set (`credential/validate`), and records the sessions it
    /// confirms. A failed call confirms nothing.
    pub async fn confirm_online(mut self, vtex: &crate::Vtex) -> Self {
        for audience in [Audience::Admin, Audience::Webstore] {
            let Some(token) = self.token(audience).map(str::to_owned) else {
                continue;
            };
            let expected = Expected {
                audience,
                account: self.account.clone(),
                now: self.now,
                leeway_seconds: self.leeway_seconds,
            };
            let Ok(valid) = sso::validate(&token, &expected, None) else {
                continue;
            };
            if !self.confirmed.contains(&valid.cache_key)
                && vtex.confirms(&token).await.unwrap_or(false)
            {
                self.confirmed.insert(valid.cache_key);
            }
        }
        self
    }

    fn token(&self, audience: Audience) -> Option<&str> {
        let cookie = match audience {
            Audience::Admin => &self.admin_cookie,
            Audience::Webstore => &self.store_cookie,
        };
        self.bearer
            .as_deref()
            .or(cookie.as_deref())
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// The person for `audience`, or the refusal with its code.
    pub fn person(&self, audience: Audience) -> Result<Session, async_graphql::Error> {
        let Some(token) = self.token(audience) else {
            return Err(unauthenticated(audience));
        };
        let expected = Expected {
            audience,
            account: self.account.clone(),
            now: self.now,
            leeway_seconds: self.leeway_seconds,
        };
        let valid = sso::validate(token, &expected, None).map_err(|e| sso_error(&e))?;
        if is_app_key(&valid.claims.sub) {
            return Err(coded(
                FORBIDDEN,
                "an app key cannot be used here: this field requires a person",
            ));
        }
        match &self.keys {
            Some(Err(e)) => Err(sso_error(e)),
            Some(Ok(keys)) => {
                let verified =
                    sso::validate(token, &expected, Some(keys)).map_err(|e| sso_error(&e))?;
                Ok(Session::new(&verified, audience, VerifiedBy::Signature))
            }
            None if self.confirmed.contains(&valid.cache_key) => {
                Ok(Session::new(&valid, audience, VerifiedBy::Online))
            }
            None => Err(coded(
                TOKEN_REVOKED,
                "VTEX ID does not recognise this session (logged out, revoked or unknown)",
            )),
        }
    }
}

fn is_app_key(sub: &str) -> bool {
    sub.get(..11)
        .is_some_and(|p| p.eq_ignore_ascii_case("vtexappkey-"))
}

fn coded(code: &'static str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

fn sso_error(error: &SsoError) -> async_graphql::Error {
    coded(error.code(), error.to_string())
}

fn unauthenticated(audience: Audience) -> async_graphql::Error {
    coded(
        UNAUTHENTICATED,
        match audience {
            Audience::Admin => {
                "sign in: this field needs an admin token (cookie VtexIdclientAutCookie or an Authorization: Bearer header)"
            }
            Audience::Webstore => {
                "sign in: this field needs a storefront token (cookie VtexIdclientAutCookie_{account} or an Authorization: Bearer header)"
            }
        },
    )
}

/// The person for `audience` in this request; no [`SsoData`] attached means no credentials.
pub(crate) fn session(ctx: &Context<'_>, audience: Audience) -> async_graphql::Result<Session> {
    match ctx.data::<SsoData>() {
        Ok(data) => data.person(audience),
        Err(_) => Err(unauthenticated(audience)),
    }
}

/// A VTEX ID session confirmed for the current account.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct Session {
    /// VTEX ID's user id; null for an app key.
    pub user_id: Option<String>,
    /// The person's email (the token's sub); for an app key, its name.
    pub email: String,
    pub account: String,
    pub audience: PersonAudience,
    /// When the token expires (ISO 8601, UTC).
    pub expires_at: String,
    pub verified_by: VerifiedBy,
}

impl Session {
    fn new(valid: &ValidToken, audience: Audience, verified_by: VerifiedBy) -> Self {
        Self {
            user_id: valid.claims.user_id.clone(),
            email: valid.claims.sub.clone(),
            account: valid.claims.account.clone(),
            audience: audience.into(),
            expires_at: iso8601(valid.claims.exp),
            verified_by,
        }
    }
}

/// Which login a token comes from: its audience claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum PersonAudience {
    /// The admin (VTEX login or a SAML identity provider).
    Admin,
    /// The storefront (VTEX login or an OAuth identity provider).
    Webstore,
}

impl From<Audience> for PersonAudience {
    fn from(a: Audience) -> Self {
        match a {
            Audience::Admin => PersonAudience::Admin,
            Audience::Webstore => PersonAudience::Webstore,
        }
    }
}

/// How this request's token was confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum VerifiedBy {
    /// Its signature, against the key set in the app's jwks setting.
    Signature,
    /// By VTEX ID, during this request.
    Online,
    /// By VTEX ID, during an earlier request, within the cache time (ssoCacheSeconds, at most until the token expires).
    Cache,
}

/// Unix seconds as JavaScript's `Date.prototype.toISOString` writes them
/// (`YYYY-MM-DDTHH:MM:SS.000Z`), for years 0 to 9999 (the core refuses later times).
pub fn iso8601(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = ponte_core::orders::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::iso8601;

    #[test]
    fn iso8601_matches_javascript() {
        // new Date(s * 1000).toISOString()
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_086_400), "2023-11-15T22:13:20.000Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(253_402_300_799), "9999-12-31T23:59:59.000Z");
    }
}
