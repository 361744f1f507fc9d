//! The customer fields (`customer`): they read Master Data, which only the VTEX IO service
//! reaches (node/resolvers/Queries/Customers.ts). Natively they check the admin session and
//! answer NOT_SUPPORTED; the validation and planning are ponte-core's (`customers`), which the
//! harness checks natively and in wasm.

use async_graphql::{ID, SimpleObject};

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
