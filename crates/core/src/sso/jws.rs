//! JWS compact serialization: `base64url(header) . base64url(payload) . base64url(signature)`.

use super::error::{SsoError, shown};
use super::json::parse_object;
use super::{Algorithm, Header, MAX_TOKEN_LEN};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// A token split into its parts and decoded, nothing checked beyond the structure.
#[derive(Debug)]
pub(crate) struct Compact<'a> {
    pub(crate) header: Header,
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Vec<u8>,
    /// `header.payload` as sent: the bytes the signature covers.
    pub(crate) signing_input: &'a [u8],
}

const PART_NAMES: [&str; 3] = ["header", "payload", "signature"];

/// Size, then structure: exactly three non-empty parts of strict base64url (no padding, no
/// `+` or `/`, no whitespace, no stray bits in the last character) and a JSON object header.
pub(crate) fn split(token: &str) -> Result<Compact<'_>, SsoError> {
    // Checked before anything else looks at the bytes: a 1 MiB token costs one comparison.
    if token.len() > MAX_TOKEN_LEN {
        return Err(SsoError::TooLarge {
            len: token.len(),
            max: MAX_TOKEN_LEN,
        });
    }
    if token.is_empty() {
        return Err(SsoError::malformed("the token is empty"));
    }
    let parts: Vec<&str> = token.splitn(4, '.').collect();
    let [header_b64, payload_b64, signature_b64] = parts.as_slice() else {
        return Err(SsoError::malformed(format!(
            "a compact JWS has 3 dot-separated parts; this one has {}",
            token
                .bytes()
                .filter(|&b| b == b'.')
                .count()
                .saturating_add(1)
        )));
    };
    let header_bytes = decode_part(header_b64, 0)?;
    let payload = decode_part(payload_b64, 1)?;
    let signature = decode_part(signature_b64, 2)?;
    let signing_len = header_b64
        .len()
        .saturating_add(1)
        .saturating_add(payload_b64.len());
    let signing_input = token.as_bytes().get(..signing_len).unwrap_or_default();
    let header = parse_header(&header_bytes)?;
    Ok(Compact {
        header,
        payload,
        signature,
        signing_input,
    })
}

fn decode_part(part: &str, index: usize) -> Result<Vec<u8>, SsoError> {
    let name = PART_NAMES.get(index).copied().unwrap_or("part");
    if part.is_empty() {
        return Err(SsoError::malformed(format!("the {name} part is empty")));
    }
    decode_b64url(part).map_err(|why| SsoError::malformed(format!("the {name} part {why}")))
}

/// Strict base64url without padding (RFC 7515 §2). The error completes "the ... part".
pub(crate) fn decode_b64url(s: &str) -> Result<Vec<u8>, &'static str> {
    if let Some(bad) = s
        .bytes()
        .find(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
    {
        return Err(match bad {
            b'=' => "contains padding (`=`)",
            b'+' | b'/' => "contains standard base64 (`+` or `/`) instead of base64url",
            b if b.is_ascii_whitespace() => "contains whitespace",
            _ => "contains a character outside base64url",
        });
    }
    URL_SAFE_NO_PAD.decode(s).map_err(|e| match e {
        base64::DecodeError::InvalidLastSymbol(..) => {
            "cannot be decoded: its last character has bits set past the end of the data"
        }
        base64::DecodeError::InvalidLength(_) => {
            "cannot be decoded: its length is impossible for base64url"
        }
        _ => "cannot be decoded as base64url",
    })
}

/// The JOSE header. Only `alg`, `kid`, `typ` and `crit` are read; other parameters (`jku`,
/// `jwk`, `x5u`, `x5c`, ...) are ignored and never used to find a key.
fn parse_header(bytes: &[u8]) -> Result<Header, SsoError> {
    let map = parse_object(bytes).map_err(|e| SsoError::malformed(format!("the header {e}")))?;
    let string = |name: &str| -> Result<Option<String>, SsoError> {
        match map.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(SsoError::malformed(format!(
                "header parameter `{name}` must be a string"
            ))),
        }
    };
    let alg =
        string("alg")?.ok_or_else(|| SsoError::malformed("the header has no `alg` parameter"))?;
    let kid = string("kid")?;
    let typ = string("typ")?;
    if map.contains_key("crit") {
        return Err(SsoError::malformed(
            "the header lists critical extensions (`crit`); none are supported",
        ));
    }
    Ok(Header { alg, kid, typ })
}

/// The allow-list. Case-sensitive, as JWA names are: `es256` is as unknown as `none`.
pub(crate) fn algorithm(header: &Header) -> Result<Algorithm, SsoError> {
    match header.alg.as_str() {
        "ES256" => Ok(Algorithm::ES256),
        "RS256" => Ok(Algorithm::RS256),
        "EdDSA" => Ok(Algorithm::EdDSA),
        other => Err(SsoError::AlgorithmUnsupported {
            alg: other.to_owned(),
        }),
    }
}

/// `typ` is optional; when present it must say JWT (VTEX sends `jwt`), so that another kind of
/// signed object (`at+jwt`, a logout token, ...) is not taken for a session token.
pub(crate) fn check_typ(header: &Header) -> Result<(), SsoError> {
    match &header.typ {
        Some(typ) if !typ.eq_ignore_ascii_case("jwt") => Err(SsoError::malformed(format!(
            "header parameter `typ` is {}; only JWT is accepted",
            shown(typ)
        ))),
        _ => Ok(()),
    }
}

/// Signature lengths that the algorithm fixes, checked before any key is looked up.
pub(crate) fn check_signature_len(alg: Algorithm, signature: &[u8]) -> Result<(), SsoError> {
    let ok = match alg {
        Algorithm::ES256 | Algorithm::EdDSA => signature.len() == 64,
        // 2048- to 8192-bit moduli; the exact length is checked against the key.
        Algorithm::RS256 => (256..=1024).contains(&signature.len()),
    };
    if ok {
        Ok(())
    } else {
        Err(SsoError::SignatureInvalid {
            reason: match alg {
                Algorithm::ES256 => "an ES256 signature is 64 bytes (r and s)",
                Algorithm::EdDSA => "an Ed25519 signature is 64 bytes",
                Algorithm::RS256 => "an RS256 signature is 256 to 1024 bytes",
            },
        })
    }
}
