//! The small rules and key helpers every part of the validation shares.

use std::collections::BTreeSet;

/// Trimmed and case-folded: how names are compared.
pub(in crate::catalog::import) fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

pub(super) fn name_ok(s: &str, max: usize) -> bool {
    let t = s.trim();
    !t.is_empty() && t.chars().count() <= max
}

/// Whether a brand `LinkId` is lowercase letters and hyphens only.
pub fn is_valid_link_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '-' || c.is_lowercase())
}

/// Whether an image URL is `http(s)` with a host and ends in `.jpg`, `.png` or `.gif`.
///
/// ```
/// use ponte_core::catalog::import::is_valid_image_url;
/// assert!(is_valid_image_url("https://cdn.example.com/a/b.JPG"));
/// assert!(!is_valid_image_url("ftp://cdn.example.com/b.jpg"));
/// assert!(!is_valid_image_url("https://cdn.example.com/b.webp"));
/// ```
pub fn is_valid_image_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = match lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        Some(r) => r,
        None => return false,
    };
    let host = rest.split('/').next().unwrap_or("");
    !host.is_empty()
        && rest.contains('/')
        && !url.chars().any(char::is_whitespace)
        && [".jpg", ".png", ".gif"].iter().any(|e| lower.ends_with(e))
}

/// Whether a specification text parses as a finite number.
pub fn is_number(s: &str) -> bool {
    s.trim().parse::<f64>().is_ok_and(f64::is_finite)
}

/// The names of the fields that differ between two serialisable values.
pub(super) fn differing_fields<T: serde::Serialize>(a: &T, b: &T) -> String {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return String::new();
    };
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Escapes the separators used in idempotency keys.
pub(in crate::catalog::import) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '/' | '#' | '=' | '@' | ':' | '>' => out.push_str(&format!("%{:02X}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

pub(super) fn sku_key(ref_id: Option<&str>, ean: Option<&str>) -> String {
    match (ref_id, ean) {
        (Some(r), _) => esc(r),
        (None, Some(e)) => format!("ean:{}", esc(e)),
        (None, None) => String::new(),
    }
}
