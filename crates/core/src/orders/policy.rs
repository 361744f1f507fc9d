//! The choices VTEX does not document (§H), in one place.

use serde::{Deserialize, Serialize};

/// What to do when an invoice number is posted again (§A.7, §H.4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum InvoiceNumberReuse {
    /// The current documentation: a repeat only issues a new receipt. A repeat with the same
    /// content is accepted and changes nothing (so a retried call can never count an invoice
    /// twice); a repeat with different content is refused (`INVOICE_NUMBER_CONFLICT`), because
    /// VTEX would silently keep the first one.
    #[default]
    Idempotent,
    /// An older revision of the spec: any reuse is refused (`INVOICE_NUMBER_DUPLICATE`).
    Forbid,
}

/// Which name a pending cancellation carries on which side (§H.3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CancellationNaming {
    /// The developer guide: the seller (and complete) side shows `cancellation-requested`, the
    /// marketplace side `request-cancel` / `waiting-for-seller-decision`.
    #[default]
    DeveloperGuide,
    /// The help-centre article that swaps them: the seller side shows `request-cancel`, the
    /// marketplace side `cancellation-requested`.
    Swapped,
}

/// Knobs for the behaviours VTEX leaves undocumented. `WorkflowPolicy::default()` is what Ponte
/// and ponte-sim assume; every field names the section of docs/vtex it settles.
///
/// ```
/// use ponte_core::orders::WorkflowPolicy;
/// let p = WorkflowPolicy::default();
/// assert!(p.two_step_cancel && !p.invoice_in_ready_for_handling);
/// let lax: WorkflowPolicy = serde_json::from_str(r#"{"invoiceInReadyForHandling":true}"#).unwrap();
/// assert!(lax.invoice_in_ready_for_handling && lax.two_step_cancel);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkflowPolicy {
    /// §A.5.3, §H.2: an API cancel in the handling stage (`ready-for-handling`,
    /// `start-handling`, `handling`, `waiting-for-fulfillment`, `ready-for-invoicing`, and after
    /// a denied cancellation) first moves the order to a pending cancellation; a second cancel
    /// confirms. Documented for the Admin action, which uses the same endpoint. Default `true`;
    /// `false` cancels at once.
    pub two_step_cancel: bool,
    /// §A.10, §H.1: whether an Output invoice is accepted in `ready-for-handling` (the docs only
    /// describe invoicing after handling starts). Default `false`.
    pub invoice_in_ready_for_handling: bool,
    /// §A.7, §H.4: re-posting an invoice number. Default [`InvoiceNumberReuse::Idempotent`].
    pub invoice_number_reuse: InvoiceNumberReuse,
    /// §A.8, §H.1: tracking events (`PUT .../tracking`) need a tracking number on the invoice.
    /// Default `true`.
    pub tracking_events_require_tracking_number: bool,
    /// §A.7: a return (Input) invoice only once the whole order is invoiced; before that VTEX
    /// records it but refunds nothing. Default `false` (§A.10 lists Input as valid on `invoice`).
    pub return_requires_fully_invoiced: bool,
    /// §A.9 vs §A.10: change order on a partially invoiced order. §A.10 allows it while the
    /// transaction is open; change v2 refuses changes after an item invoice
    /// (`SalesOrderSystem046`). Default `true` (the validity table).
    pub change_after_partial_invoice: bool,
    /// §H.3: which name a pending cancellation carries on which side.
    pub cancellation_naming: CancellationNaming,
    /// The longest invoice number accepted (VTEX documents none; it goes into a URL path).
    /// Default 50.
    pub max_invoice_number_len: usize,
    /// The longest tracking number accepted (undocumented). Default 100.
    pub max_tracking_number_len: usize,
    /// §A.9: how many changes an order takes (v1's limit). Default 50.
    pub max_changes: usize,
    /// The longest cancellation reason accepted (undocumented). Default 500 characters.
    pub max_reason_len: usize,
    /// Whether a cancel must say why (VTEX makes `reason` optional). Default `false`.
    pub require_cancel_reason: bool,
}

impl Default for WorkflowPolicy {
    fn default() -> Self {
        WorkflowPolicy {
            two_step_cancel: true,
            invoice_in_ready_for_handling: false,
            invoice_number_reuse: InvoiceNumberReuse::Idempotent,
            tracking_events_require_tracking_number: true,
            return_requires_fully_invoiced: false,
            change_after_partial_invoice: true,
            cancellation_naming: CancellationNaming::DeveloperGuide,
            max_invoice_number_len: 50,
            max_tracking_number_len: 100,
            max_changes: 50,
            max_reason_len: 500,
            require_cancel_reason: false,
        }
    }
}
