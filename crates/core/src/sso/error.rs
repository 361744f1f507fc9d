use super::{Algorithm, Audience};

/// Why a token (or a key set) was refused. Each variant has a stable [`code`](Self::code).
///
/// Messages are lowercase, say what was wrong and never contain the token. Strings taken from
/// the token (an `alg`, a `kid`, a claim value) are quoted, escaped and shortened first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsoError {
    #[error("the token is {len} bytes long; at most {max} are accepted")]
    TooLarge { len: usize, max: usize },
    #[error("the token is malformed: {reason}")]
    Malformed { reason: String },
    #[error("the token uses algorithm {}; only ES256, RS256 and EdDSA are accepted", shown(.alg))]
    AlgorithmUnsupported { alg: String },
    #[error("the token's claims are invalid: {reason}")]
    ClaimsInvalid { reason: String },
    #[error("the token was issued by {}; only {expected:?} is accepted", shown(.found))]
    IssuerWrong {
        found: String,
        expected: &'static str,
    },
    #[error(
        "the token is for audience {}; this context requires {:?} (admin tokens come from VtexIdclientAutCookie, webstore tokens from VtexIdclientAutCookie_{{account}})",
        shown(.found),
        .expected.as_str()
    )]
    AudienceWrong { found: String, expected: Audience },
    #[error(
        "the token is for account {}; this context requires account {}",
        shown(.found),
        shown(.expected)
    )]
    AccountWrong { found: String, expected: String },
    #[error(
        "the token expired: exp {exp} plus {leeway_seconds} s of leeway is not after now ({now})"
    )]
    Expired {
        exp: i64,
        now: i64,
        leeway_seconds: u32,
    },
    #[error(
        "the token is not valid yet: {claim} {at} is later than now ({now}) plus {leeway_seconds} s of leeway"
    )]
    NotYetValid {
        claim: &'static str,
        at: i64,
        now: i64,
        leeway_seconds: u32,
    },
    #[error("{}", display_unknown_key(.kid.as_deref()))]
    KeyUnknown { kid: Option<String> },
    #[error("key {} is for {key_alg:?} and cannot verify a {alg:?} token", shown(.kid))]
    KeyTypeMismatch {
        kid: String,
        alg: Algorithm,
        key_alg: Algorithm,
    },
    #[error("the token's signature is invalid: {reason}")]
    SignatureInvalid { reason: &'static str },
    #[error(
        "the token's ES256 signature is not canonical: its s is in the upper half of the group order (a malleated signature)"
    )]
    SignatureNotCanonical,
    #[error("the key set is invalid: {reason}")]
    JwksInvalid { reason: String },
}

fn display_unknown_key(kid: Option<&str>) -> String {
    match kid {
        Some(kid) => format!("no key with kid {} is in the key set", shown(kid)),
        None => {
            "the token names no key (no `kid` in its header), so no key can verify it".to_owned()
        }
    }
}

/// A string from untrusted input, fit for an error message: quoted, escaped (control
/// characters, quotes and non-ASCII become escapes) and cut after 64 characters.
pub(crate) fn shown(s: &str) -> String {
    const MAX: usize = 64;
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push_str("...");
            break;
        }
        out.extend(c.escape_default());
    }
    out.push('"');
    out
}

error_codes! {
    SsoError,
    /// The stable machine code of the error (GraphQL `extensions.code`, JS `error.code`).
    ///
    /// ```
    /// use ponte_core::sso::SsoError;
    /// assert_eq!(SsoError::SignatureNotCanonical.code(), "TOKEN_SIGNATURE_NOT_CANONICAL");
    /// ```
    {
        TooLarge => "TOKEN_TOO_LARGE",
        Malformed => "TOKEN_MALFORMED",
        AlgorithmUnsupported => "TOKEN_ALG_UNSUPPORTED",
        ClaimsInvalid => "TOKEN_CLAIMS_INVALID",
        IssuerWrong => "TOKEN_ISSUER_WRONG",
        AudienceWrong => "TOKEN_AUDIENCE_WRONG",
        AccountWrong => "TOKEN_ACCOUNT_WRONG",
        Expired => "TOKEN_EXPIRED",
        NotYetValid => "TOKEN_NOT_YET_VALID",
        KeyUnknown => "TOKEN_KEY_UNKNOWN",
        KeyTypeMismatch => "TOKEN_KEY_TYPE_MISMATCH",
        SignatureInvalid => "TOKEN_SIGNATURE_INVALID",
        SignatureNotCanonical => "TOKEN_SIGNATURE_NOT_CANONICAL",
        JwksInvalid => "JWKS_INVALID",
    }
}

impl SsoError {
    pub(crate) fn malformed(reason: impl Into<String>) -> Self {
        SsoError::Malformed {
            reason: reason.into(),
        }
    }

    pub(crate) fn claims(reason: impl Into<String>) -> Self {
        SsoError::ClaimsInvalid {
            reason: reason.into(),
        }
    }

    pub(crate) fn jwks(reason: impl Into<String>) -> Self {
        SsoError::JwksInvalid {
            reason: reason.into(),
        }
    }
}
