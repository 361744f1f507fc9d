//! Customer errors: a stable code and a path into the batch (`customers[3].addresses[1].postalCode`),
//! into what VTEX holds (`current.profiles[2]`) or into the policy, as the other syncs' errors.

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// The stable machine code of a [`CustomerError`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum CustomerErrorCode {
            $($(#[$doc])* #[serde(rename = $code)] $variant,)*
        }

        impl CustomerErrorCode {
            /// Every code, in catalogue order.
            pub const ALL: &'static [CustomerErrorCode] = &[$(CustomerErrorCode::$variant,)*];

            /// The code as a string (GraphQL `extensions.code`, JS `error.code`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CustomerErrorCode::$variant => $code,)*
                }
            }
        }
    };
}

codes! {
    /// A customer without an email (§F.3: the natural key).
    EmailMissing => "CUSTOMER_EMAIL_MISSING",
    /// An email that is not an address checkout would take (§F.3).
    EmailInvalid => "CUSTOMER_EMAIL_INVALID",
    /// A string over 300 characters (§F.1).
    TextTooLong => "CUSTOMER_TEXT_TOO_LONG",
    /// A control character in a string.
    TextInvalid => "CUSTOMER_TEXT_INVALID",
    /// A `document` without a `documentType`.
    DocumentTypeMissing => "CUSTOMER_DOCUMENT_TYPE_MISSING",
    /// A CPF or CNPJ whose check digits do not hold (§F.3).
    DocumentInvalid => "CUSTOMER_DOCUMENT_INVALID",
    /// `isCorporate` without `corporateName`, `corporateDocument`, or a state registration
    /// (or `isFreeStateRegistration`) (§F.3).
    CorporateFieldMissing => "CUSTOMER_CORPORATE_FIELD_MISSING",
    /// A `corporateDocument` that is not a valid CNPJ (§F.3).
    CorporateDocumentInvalid => "CUSTOMER_CORPORATE_DOCUMENT_INVALID",
    /// More than 50 price tables, an empty entry or one listed twice (§F.1).
    PriceTablesInvalid => "CUSTOMER_PRICE_TABLES_INVALID",
    /// An address without `country`, `street`, `city`, or the `postalCode` its country needs.
    AddressFieldMissing => "ADDRESS_FIELD_MISSING",
    /// A country that is not ISO 3166-1 alpha-3 (§F.1).
    CountryInvalid => "ADDRESS_COUNTRY_INVALID",
    /// A postal code outside its country's format (§F.3).
    PostalCodeInvalid => "ADDRESS_POSTAL_CODE_INVALID",
    /// Two addresses of one customer with the same `addressName`, or the same normalised
    /// address (§F.4).
    AddressDuplicate => "ADDRESS_DUPLICATE",
    /// Two customers of the batch with the same normalised email (§F.4).
    CustomerDuplicate => "CUSTOMER_DUPLICATE",
    /// One email under two documents in the batch (§F.4).
    EmailTwoDocuments => "CUSTOMER_EMAIL_TWO_DOCUMENTS",
    /// One document under two emails in the batch: the document is the second key (§F.4).
    DocumentTwoEmails => "CUSTOMER_DOCUMENT_TWO_EMAILS",
    /// The email names one profile in VTEX and the document another (§F.4).
    IdentityConflict => "CUSTOMER_IDENTITY_CONFLICT",
    /// `erpWins` names a field the ERP does not own (§F.4).
    PolicyInvalid => "CUSTOMER_POLICY_INVALID",
    /// What VTEX holds is itself inconsistent (two documents with one id, an address with no
    /// `userId`): `current…` paths.
    CurrentStateInvalid => "CUSTOMER_CURRENT_STATE_INVALID",
}

/// One thing wrong with a customer batch, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[error("{path}: {message}")]
pub struct CustomerError {
    pub path: String,
    pub code: CustomerErrorCode,
    pub message: String,
}

impl CustomerError {
    pub fn new(
        path: impl Into<String>,
        code: CustomerErrorCode,
        message: impl Into<String>,
    ) -> Self {
        CustomerError {
            path: path.into(),
            code,
            message: message.into(),
        }
    }

    /// The stable code as a string.
    ///
    /// ```
    /// use ponte_core::customers::{CustomerError, CustomerErrorCode};
    /// let e = CustomerError::new("customers[0].email", CustomerErrorCode::EmailInvalid, "no @");
    /// assert_eq!(e.code(), "CUSTOMER_EMAIL_INVALID");
    /// ```
    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CustomerErrorCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{s}"
            );
            let json = serde_json::to_string(c).expect("encode");
            assert_eq!(json, format!("\"{s}\""));
        }
    }
}
