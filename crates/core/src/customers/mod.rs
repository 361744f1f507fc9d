//! Customers (§F): shopper profiles (Master Data CL) and addresses (AD) brought in from the
//! ERP or CRM.
//!
//! - [`Profile`], [`Address`], [`ClDocument`], [`AdDocument`]: the fields Ponte writes, with
//!   a field enum each ([`ProfileField`], [`AddressField`]) so the merge walks them (§F.1).
//! - [`validate`]: the checks and canonical forms (§F.3): the email checkout takes, CPF and
//!   CNPJ check digits, corporate fields, ISO 3166-1 alpha-3 countries, postal code formats,
//!   at most 50 price tables, at most 300 characters a string.
//! - [`validate_batch`], [`plan_customers`]: identity by the normalised email, the document
//!   second, every duplicate in a batch an error with its path; the merge with PATCH
//!   semantics over Ponte's record of its last writes, so a shopper's edit survives unless the
//!   ERP wins that field; addresses matched by `addressName`, then by the normalised address;
//!   stale addresses removed only when the batch says so (§F.4); the writes that change
//!   something, each CL before its AD, creates as upserts with ids derived from the email so
//!   that replicas converge on one profile (§F.5). [`apply_customer_plan`] is the reference
//!   executor.

mod apply;
mod error;
mod model;
pub mod ops;
mod sync;
pub mod validate;

pub use apply::apply_customer_plan;
pub use error::{CustomerError, CustomerErrorCode};
pub use model::{
    AdDocument, Address, AddressField, ClDocument, FieldValue, Profile, ProfileField, Record,
    bare_id,
};
pub use ops::{
    CustomerEmail, CustomerLookups, CustomerSyncRequest, CustomerSyncResponse, DocumentLookup,
    ValidateCustomersRequest, ValidateCustomersResponse, normalize_customer_email,
    plan_customer_sync, validate_customer_batch,
};
pub use sync::{
    CustomerBatch, CustomerItem, CustomerPlan, CustomerState, CustomerSyncSummary, CustomerWrite,
    DocumentKey, DuplicateProfiles, Entity, MergePolicy, StaleAddresses, ValidCustomer,
    WriteMethod, WrittenAddress, WrittenCustomer, address_id_for, address_key, canonical_address,
    canonical_profile, derived_id, document_key, plan_customers, profile_id_for, validate_batch,
};

#[cfg(test)]
mod tests;
