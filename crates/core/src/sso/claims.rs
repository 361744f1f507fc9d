//! The VTEX ID claims (§I) and the checks against what the caller expects.

use super::error::SsoError;
use super::json::parse_object;
use super::{Claims, Expected, ISSUER};
use serde_json::{Map, Value};

/// Unix seconds accepted in `exp`, `iat` and `nbf`: 0 to the end of year 9999. The bound keeps
/// every later sum far from `i64` overflow and refuses nonsense early.
const MAX_TIME: i64 = 253_402_300_799;

/// Parses the payload into [`Claims`]: types only, no policy. Unknown claims are ignored.
pub(crate) fn parse(payload: &[u8]) -> Result<Claims, SsoError> {
    let map = parse_object(payload).map_err(|e| SsoError::claims(format!("the payload {e}")))?;
    let c = Fields(&map);
    Ok(Claims {
        sub: c.required_str("sub")?,
        account: c.required_str("account")?,
        audience: c.required_str("audience")?,
        sess: c.optional_str("sess")?,
        exp: c.required_time("exp")?,
        iat: c.required_time("iat")?,
        nbf: c.optional_time("nbf")?,
        user_id: c.optional_str("userId")?,
        iss: c.required_str("iss")?,
        jti: c.required_str("jti")?,
        token_type: c.optional_str("type")?,
        is_representative: c.optional_bool("isRepresentative")?,
        idletimeout: c.lenient_integer("idletimeout"),
    })
}

struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn optional_str(&self, name: &str) -> Result<Option<String>, SsoError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(SsoError::claims(format!("claim `{name}` must be a string"))),
        }
    }

    fn required_str(&self, name: &str) -> Result<String, SsoError> {
        match self.optional_str(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(SsoError::claims(format!("claim `{name}` is empty"))),
            None => Err(SsoError::claims(format!("claim `{name}` is missing"))),
        }
    }

    fn optional_time(&self, name: &str) -> Result<Option<i64>, SsoError> {
        match self.0.get(name) {
            // `null` is absent, as for every other optional claim.
            None | Some(Value::Null) => Ok(None),
            // An integer in JSON: `"exp": "1700000000"` and `1.7e9` are refused, not coerced.
            Some(Value::Number(n)) => match n.as_i64() {
                Some(t) if (0..=MAX_TIME).contains(&t) => Ok(Some(t)),
                _ => Err(SsoError::claims(format!(
                    "claim `{name}` must be whole unix seconds between 0 and {MAX_TIME}"
                ))),
            },
            Some(_) => Err(SsoError::claims(format!(
                "claim `{name}` must be a JSON integer (unix seconds), not a string or other type"
            ))),
        }
    }

    fn required_time(&self, name: &str) -> Result<i64, SsoError> {
        self.optional_time(name)?
            .ok_or_else(|| SsoError::claims(format!("claim `{name}` is missing")))
    }

    fn optional_bool(&self, name: &str) -> Result<Option<bool>, SsoError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(SsoError::claims(format!(
                "claim `{name}` must be a boolean"
            ))),
        }
    }

    /// `idletimeout` is informational and its type is not documented: an integer (or a
    /// string of digits) within JavaScript's exact range (±(2^53 − 1)) is kept, anything else
    /// dropped rather than refusing the token — a larger one would reach the service rounded.
    fn lenient_integer(&self, name: &str) -> Option<i64> {
        const MAX_SAFE: i64 = (1 << 53) - 1;
        let value = match self.0.get(name)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }?;
        (-MAX_SAFE..=MAX_SAFE).contains(&value).then_some(value)
    }
}

/// Issuer, audience, account, then time, then that `exp` comes after `iat`. Time rules, with `leeway = expected.leeway_seconds`:
/// valid while `now < exp + leeway` (so a token is already expired at exactly
/// `exp + leeway`), and once `iat <= now + leeway` and, if present, `nbf <= now + leeway`.
pub(crate) fn check(claims: &Claims, expected: &Expected) -> Result<(), SsoError> {
    if claims.iss != ISSUER {
        return Err(SsoError::IssuerWrong {
            found: claims.iss.clone(),
            expected: ISSUER,
        });
    }
    if claims.audience != expected.audience.as_str() {
        return Err(SsoError::AudienceWrong {
            found: claims.audience.clone(),
            expected: expected.audience,
        });
    }
    // Exact: admin tokens work on every account the person can reach, so tenant isolation
    // rests on this comparison. No case folding, no trimming.
    if claims.account != expected.account {
        return Err(SsoError::AccountWrong {
            found: claims.account.clone(),
            expected: expected.account.clone(),
        });
    }
    let leeway = i64::from(expected.leeway_seconds);
    let now = expected.now;
    // Claim times are within 0..=MAX_TIME, so these sums cannot overflow; `now` is the
    // caller's and saturates.
    if now >= claims.exp.saturating_add(leeway) {
        return Err(SsoError::Expired {
            exp: claims.exp,
            now,
            leeway_seconds: expected.leeway_seconds,
        });
    }
    let latest = now.saturating_add(leeway);
    for (claim, at) in [("iat", Some(claims.iat)), ("nbf", claims.nbf)] {
        if let Some(at) = at
            && at > latest
        {
            return Err(SsoError::NotYetValid {
                claim,
                at,
                now,
                leeway_seconds: expected.leeway_seconds,
            });
        }
    }
    // A token that expires before it was issued is nonsense, even while unexpired.
    if claims.exp <= claims.iat {
        return Err(SsoError::claims("claim `exp` must be after `iat`"));
    }
    Ok(())
}
