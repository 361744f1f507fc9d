//! The customer operations as request → response functions, for the operation table.

use super::error::CustomerError;
use super::sync::{
    CustomerBatch, CustomerPlan, CustomerState, ValidCustomer, plan_customers, validate_batch,
};
use super::validate::normalize_email;
use serde::{Deserialize, Serialize};

/// Input of [`validate_customer_batch`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ValidateCustomersRequest {
    pub batch: CustomerBatch,
}

/// A document to look a profile up by (the second key, §F.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DocumentLookup {
    pub document_type: String,
    pub document: String,
}

/// What to read from Master Data before planning: the CL documents with these emails or
/// documents (Master Data keeps neither unique, so the plan always looks up first), then the
/// AD documents of the profiles found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerLookups {
    pub emails: Vec<String>,
    pub documents: Vec<DocumentLookup>,
}

/// Output of [`validate_customer_batch`]: every error, or the lookups planning needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ValidateCustomersResponse {
    pub errors: Vec<CustomerError>,
    pub customers: u32,
    pub addresses: u32,
    pub lookups: CustomerLookups,
}

/// Validates a customer batch (§F.3, §F.4) before anything is read: every error with its path.
pub fn validate_customer_batch(req: &ValidateCustomersRequest) -> ValidateCustomersResponse {
    match validate_batch(&req.batch) {
        Ok(valid) => ValidateCustomersResponse {
            errors: Vec::new(),
            customers: u32::try_from(valid.len()).unwrap_or(u32::MAX),
            addresses: u32::try_from(valid.iter().map(|c| c.addresses.len()).sum::<usize>())
                .unwrap_or(u32::MAX),
            lookups: lookups(&req.batch, &valid),
        },
        Err(errors) => ValidateCustomersResponse {
            errors,
            ..ValidateCustomersResponse::default()
        },
    }
}

/// The spellings Master Data may hold for the batch's emails and documents: each
/// customer's normalised email (what Ponte writes) and the email as the ERP spelt it, trimmed;
/// its canonical document, the document as sent, and the punctuated form (CPF
/// `000.000.000-00`, CNPJ `00.000.000/0000-00`). Master Data compares `_where` values as
/// stored, and its documentation says nothing of case or punctuation (`docs/vtex/H-gaps.md`
/// §H.7), so a profile another writer stored as `Ana@Example.com` or `529.982.247-25` is
/// still found, not created twice. A spelling neither Ponte nor the ERP used (another case
/// altogether) is found only where Master Data compares without case (the sim's
/// `caseInsensitiveEquality`).
fn lookups(batch: &CustomerBatch, valid: &[ValidCustomer]) -> CustomerLookups {
    let mut out = CustomerLookups::default();
    for (item, c) in batch.customers.iter().zip(valid) {
        let raw = item.profile.email.as_deref().map(str::trim);
        for e in std::iter::once(c.email.as_str()).chain(raw) {
            if !e.is_empty() && !out.emails.iter().any(|x| x == e) {
                out.emails.push(e.to_owned());
            }
        }
        let Some((document_type, canonical)) = &c.document else {
            continue;
        };
        let sent = item.profile.document.as_deref().map(str::trim);
        let punctuated = punctuated(document_type, canonical);
        for d in std::iter::once(canonical.as_str())
            .chain(sent)
            .chain(punctuated.as_deref())
        {
            let form = DocumentLookup {
                document_type: document_type.clone(),
                document: d.to_owned(),
            };
            if !d.is_empty() && !out.documents.contains(&form) {
                out.documents.push(form);
            }
        }
    }
    out
}

/// A canonical CPF or CNPJ with its usual punctuation.
fn punctuated(document_type: &str, digits: &str) -> Option<String> {
    let cut = |marks: &[(usize, char)]| {
        let mut s = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if let Some((_, m)) = marks.iter().find(|(at, _)| *at == i) {
                s.push(*m);
            }
            s.push(ch);
        }
        s
    };
    match (document_type, digits.len()) {
        ("CPF", 11) => Some(cut(&[(3, '.'), (6, '.'), (9, '-')])),
        ("CNPJ", 14) => Some(cut(&[(2, '.'), (5, '.'), (8, '/'), (12, '-')])),
        _ => None,
    }
}

/// Input of [`plan_customer_sync`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerSyncRequest {
    /// The VTEX account: part of the ids Ponte gives new documents.
    pub account: String,
    #[serde(default)]
    pub current: CustomerState,
    pub batch: CustomerBatch,
}

plan_or_errors! {
    /// Output of [`plan_customer_sync`]: the plan, or every error (then `plan` is null and nothing
    /// may be written).
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CustomerSyncResponse {
        pub plan: Option<CustomerPlan>,
        pub errors: Vec<CustomerError>,
    }
}

/// [`plan_customers`] with the errors as data.
pub fn plan_customer_sync(req: &CustomerSyncRequest) -> CustomerSyncResponse {
    plan_customers(&req.account, &req.current, &req.batch).into()
}

/// Input and output of [`normalize_customer_email`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerEmail {
    pub email: String,
}

/// An email's canonical form (§F.3), the key a `customer(email)` query looks up.
pub fn normalize_customer_email(req: &CustomerEmail) -> Result<CustomerEmail, CustomerError> {
    use super::error::CustomerErrorCode as Code;
    normalize_email(&req.email)
        .map(|email| CustomerEmail { email })
        .map_err(|_| CustomerError::new("email", Code::EmailInvalid, "not a valid email"))
}
