//! The customer operations as request → response functions, for the operation table.

use super::error::CustomerError;
use super::sync::{CustomerBatch, CustomerPlan, CustomerState, plan_customers, validate_batch};
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
            lookups: CustomerLookups {
                emails: valid.iter().map(|c| c.email.clone()).collect(),
                documents: valid
                    .iter()
                    .filter_map(|c| c.document.clone())
                    .map(|(document_type, document)| DocumentLookup {
                        document_type,
                        document,
                    })
                    .collect(),
            },
        },
        Err(errors) => ValidateCustomersResponse {
            errors,
            ..ValidateCustomersResponse::default()
        },
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

/// Output of [`plan_customer_sync`]: the plan, or every error (then `plan` is null and nothing
/// may be written).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerSyncResponse {
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub plan: Option<CustomerPlan>,
    pub errors: Vec<CustomerError>,
}

/// [`plan_customers`] with the errors as data.
pub fn plan_customer_sync(req: &CustomerSyncRequest) -> CustomerSyncResponse {
    match plan_customers(&req.account, &req.current, &req.batch) {
        Ok(plan) => CustomerSyncResponse {
            plan: Some(plan),
            errors: Vec::new(),
        },
        Err(errors) => CustomerSyncResponse { plan: None, errors },
    }
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
