//! Field rules shared by the actions: invoice numbers that go into URL paths, tracking
//! numbers and URLs, free text, dates.

use super::money::truncate;
use super::{OrderError, Timestamp, WorkflowPolicy};

/// Characters an invoice number may not contain because it becomes a path segment of
/// `/invoice/{invoiceNumber}` (tracking routes): `/` and `\` split the path (proxies turn `\`
/// into `/`), `?` starts the query, `#` the fragment, `%` an escape, and `& : * < > "` are in
/// IIS's default `requestPathInvalidCharacters` (VTEX's OMS is .NET). `;` starts path
/// parameters in some proxies; `|`, `` ` ``, `{ } ^ [ ]` are not URL-safe unescaped; `+` is
/// decoded as a space by form-style decoders that some gateways wrongly apply to paths.
pub const ROUTE_UNSAFE: &[char] = &[
    '/', '\\', '?', '#', '%', '&', ':', '*', '<', '>', '"', ';', '|', '`', '{', '}', '^', '[', ']',
    '+',
];

/// An invoice number safe in a VTEX route: printable ASCII without whitespace or
/// [`ROUTE_UNSAFE`] characters, not `.`/`..`, not ending in `.` (IIS drops trailing dots), at
/// most `policy.max_invoice_number_len` characters.
///
/// ```
/// use ponte_core::orders::{check_invoice_number, WorkflowPolicy};
/// let p = WorkflowPolicy::default();
/// assert!(check_invoice_number("NF-123", &p).is_ok());
/// assert_eq!(check_invoice_number("NF/123", &p).unwrap_err().code(), "INVOICE_NUMBER_ROUTE_UNSAFE");
/// assert_eq!(check_invoice_number("", &p).unwrap_err().code(), "INVOICE_NUMBER_EMPTY");
/// ```
pub fn check_invoice_number(number: &str, policy: &WorkflowPolicy) -> Result<(), OrderError> {
    if number.is_empty() {
        return Err(OrderError::InvoiceNumberEmpty);
    }
    let len = number.chars().count();
    if len > policy.max_invoice_number_len {
        return Err(OrderError::InvoiceNumberTooLong {
            len,
            max: policy.max_invoice_number_len,
        });
    }
    let unsafe_char = number
        .chars()
        .find(|c| !c.is_ascii_graphic() || ROUTE_UNSAFE.contains(c));
    let unsafe_char = unsafe_char
        .or_else(|| (number == "." || number == ".." || number.ends_with('.')).then_some('.'));
    if let Some(ch) = unsafe_char {
        return Err(OrderError::InvoiceNumberRouteUnsafe {
            number: truncate(number, 60),
            ch,
        });
    }
    Ok(())
}

/// A tracking number: not blank, no surrounding whitespace, no control characters, at most
/// `policy.max_tracking_number_len` characters.
pub fn check_tracking_number(number: &str, policy: &WorkflowPolicy) -> Result<(), OrderError> {
    let len = number.chars().count();
    let ok = !number.trim().is_empty()
        && number.trim() == number
        && len <= policy.max_tracking_number_len
        && !number.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(OrderError::TrackingNumberInvalid {
            value: truncate(number, 60),
            max: policy.max_tracking_number_len,
        })
    }
}

/// An absolute `https://` or `http://` URL with a host, no whitespace or control characters,
/// at most 2048 characters.
pub fn check_url(url: &str, field: &'static str) -> Result<(), OrderError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let ok = url.len() <= 2048
        && host.is_some_and(|h| !h.is_empty())
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(OrderError::UrlInvalid {
            field,
            value: truncate(url, 80),
        })
    }
}

/// Free text: at most `max` characters, no control characters but newline and tab.
pub fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), OrderError> {
    let ok = text.chars().count() <= max
        && !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r');
    if ok {
        Ok(())
    } else {
        Err(OrderError::TextInvalid { field, max })
    }
}

/// Text of a change (`requestId`, `reason`), same rules as [`check_text`].
pub(crate) fn check_change_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<(), OrderError> {
    check_text(field, text, max)
}

/// A SKU id on an invoice or change: 1 to 50 printable ASCII characters.
pub fn check_item_id(id: &str) -> Result<(), OrderError> {
    if !id.is_empty() && id.len() <= 50 && id.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(OrderError::ItemIdInvalid {
            id: truncate(id, 60),
        })
    }
}

/// A cancellation reason: optional (unless the policy requires one), not blank when given,
/// at most `policy.max_reason_len` characters. Returns the trimmed reason.
pub fn check_cancel_reason(
    reason: Option<&str>,
    policy: &WorkflowPolicy,
) -> Result<Option<String>, OrderError> {
    match reason {
        None if policy.require_cancel_reason => Err(OrderError::CancelReasonMissing),
        None => Ok(None),
        Some(r) if r.trim().is_empty() => {
            if policy.require_cancel_reason {
                Err(OrderError::CancelReasonMissing)
            } else {
                Err(OrderError::CancelReasonInvalid {
                    max: policy.max_reason_len,
                })
            }
        }
        Some(r) => {
            check_text("reason", r, policy.max_reason_len).map_err(|_| {
                OrderError::CancelReasonInvalid {
                    max: policy.max_reason_len,
                }
            })?;
            Ok(Some(r.trim().to_owned()))
        }
    }
}

/// An ISO 8601 date-time field.
pub fn parse_date(field: &'static str, value: &str) -> Result<Timestamp, OrderError> {
    Timestamp::parse(value).ok_or_else(|| OrderError::DateInvalid {
        field,
        value: truncate(value, 40),
    })
}

/// A date or date-time field in the tracking shapes (`2015-06-23`, `2015-06-23 10:30`).
pub fn parse_lenient_date(field: &'static str, value: &str) -> Result<Timestamp, OrderError> {
    Timestamp::parse_lenient(value).ok_or_else(|| OrderError::DateInvalid {
        field,
        value: truncate(value, 40),
    })
}
