//! Customer errors: a stable code and a path into the batch (`customers[3].addresses[1].postalCode`),
//! into what VTEX holds (`current.profiles[2]`) or into the policy, as the other syncs' errors.

crate::path_error! {
    /// One thing wrong with a customer batch, with where it is.
    ///
    /// ```
    /// use ponte_core::customers::{CustomerError, CustomerErrorCode};
    /// let e = CustomerError::new("customers[0].email", CustomerErrorCode::EmailInvalid, "no @");
    /// assert_eq!(e.code(), "CUSTOMER_EMAIL_INVALID");
    /// ```
    pub struct CustomerError;
    /// The stable machine code of a [`CustomerError`].
    pub enum CustomerErrorCode {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake() {
        crate::path_error::check_codes(CustomerErrorCode::ALL, |c| c.as_str());
    }
}
