//! The customer fields (`customer`): they read Master Data, which only the VTEX IO service
//! reaches (node/resolvers/Queries/Customers.ts). Natively they check the admin session and
//! answer NOT_SUPPORTED; the validation and planning are ponte-core's (`customers`), which the
//! harness checks natively and in wasm.

use crate::import::Json;
use crate::sync::not_supported;
use async_graphql::{Context, ID, Object, SimpleObject};

// The schema's descriptions are the doc comments (tests/sdl.rs compares them).

/// A shopper profile (Master Data CL).
#[derive(Debug, Clone, SimpleObject)]
pub struct Customer {
    /// The bare CL id.
    pub id: ID,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub document_type: Option<String>,
    pub document: Option<String>,
    pub is_corporate: Option<bool>,
    pub corporate_name: Option<String>,
    pub trade_name: Option<String>,
    pub corporate_document: Option<String>,
    pub state_registration: Option<String>,
    /// Master Data's comma list of price tables.
    pub price_tables: Option<String>,
    /// Other CL ids holding the same email (Master Data does not keep emails unique).
    pub duplicates: Vec<ID>,
    pub addresses: Vec<CustomerAddress>,
}

/// An address of a shopper (Master Data AD).
#[derive(Debug, Clone, SimpleObject)]
pub struct CustomerAddress {
    pub id: ID,
    pub address_name: Option<String>,
    pub address_type: Option<String>,
    pub receiver_name: Option<String>,
    pub street: Option<String>,
    pub number: Option<String>,
    pub complement: Option<String>,
    pub neighborhood: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub postal_code: Option<String>,
}

/// What eraseCustomer removed.
#[derive(Debug, Clone, SimpleObject)]
pub struct CustomerErasure {
    pub request_id: ID,
    /// CL documents deleted.
    pub profiles_removed: i32,
    /// AD documents deleted.
    pub addresses_removed: i32,
    /// Ponte's records deleted.
    pub records_removed: i32,
    /// Whether the ERP took the erasure request (false when erpEndpoint is not set or the ERP did not answer 2xx).
    pub erp_notified: bool,
}

/// The customer part of the root mutation (after the sync fields, in the schema file's order).
#[derive(Debug, Clone, Copy, Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Everything Master Data and Ponte hold on one shopper (an LGPD/GDPR access request): the CL documents with that email (every field), their AD documents, and Ponte's record of what it wrote for each. An email that is not one: CUSTOMER_EMAIL_INVALID. Audited. Admin only.
    async fn export_customer(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> async_graphql::Result<Json> {
        let _ = email;
        Err(not_supported(ctx, "exportCustomer"))
    }

    /// Erases one shopper on request (LGPD/GDPR): the AD documents, then the CL documents with that email from Master Data, then Ponte's records, and tells the ERP (POST {erpEndpoint}/customers/erasures with the requestId, which the ERP keeps once). Sending the same requestId again finishes an interrupted erasure. Audited. Admin only.
    async fn erase_customer(
        &self,
        ctx: &Context<'_>,
        email: String,
        request_id: ID,
    ) -> async_graphql::Result<CustomerErasure> {
        let _ = (email, request_id);
        Err(not_supported(ctx, "eraseCustomer"))
    }
}
