//! A reference of the OMS validity table (§A.10, with §A.5–§A.9), written from the
//! spec independently of `ponte_core::orders`, and a tiny OMS that moves orders through the
//! workflow (§A.4) with it, for `tests/orders.rs`.
//!
//! Choices where the spec leaves room, in one place:
//! - `request-cancel` and `waiting-for-seller-decision` are read as the `cancellation-requested`
//!   row (§H.3: the two articles swap the names);
//! - `invoice-after-cancellation-deny` and `cancellation-request-denied-ffm` (not in the table)
//!   as the `handling` row without change order (§A.9 lists only `handling`,
//!   `waiting-for-fulfillment` and `ready-for-invoicing` for changes);
//! - `release-to-fulfillment` and `window-to-change-*` as "before handling" (cancel only);
//! - "tracking after invoice" in the handling row: the invoice must exist;
//! - tracking events need a tracking number on the invoice (§A.8 emulator default).

use ponte_core::orders::{ActionKind, Status};

/// The order as the table needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableView {
    pub status: Option<Status>,
    pub total: i64,
    pub invoiced_out: i64,
    pub invoiced_in: i64,
    pub has_any_invoice: bool,
}

/// Policy knobs the table depends on (§H).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TablePolicy {
    pub two_step_cancel: bool,
    pub invoice_in_ready_for_handling: bool,
    pub change_after_partial_invoice: bool,
}

/// The rows of §A.10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Incomplete,
    BeforeHandling,
    ReadyForHandling,
    StartHandling,
    Handling,
    /// A handling status not in the change list.
    HandlingNoChange,
    CancellationRequested,
    PartiallyInvoiced,
    Invoiced,
    Terminal,
}

fn row(status: Option<Status>) -> Row {
    let Some(s) = status else {
        return Row::Incomplete;
    };
    match s.as_str() {
        "ready-for-handling" => Row::ReadyForHandling,
        "start-handling" => Row::StartHandling,
        "handling" | "waiting-for-fulfillment" | "ready-for-invoicing" => Row::Handling,
        "invoice-after-cancellation-deny" | "cancellation-request-denied-ffm" => {
            Row::HandlingNoChange
        }
        "cancellation-requested" | "request-cancel" | "waiting-for-seller-decision" => {
            Row::CancellationRequested
        }
        "invoice" => Row::PartiallyInvoiced,
        "invoiced" => Row::Invoiced,
        "cancel" | "canceled" | "replaced" => Row::Terminal,
        _ => Row::BeforeHandling,
    }
}

/// What an ERP action is, for the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableAction {
    StartHandling,
    Cancel,
    /// Value in cents.
    InvoiceOutput(i64),
    InvoiceInput(i64),
    /// Whether the named invoice exists; whether it has a tracking number (for events).
    Tracking {
        invoice_exists: bool,
    },
    TrackingEvents {
        invoice_exists: bool,
        has_number: bool,
    },
    Change,
}

impl TableAction {
    pub fn kind(&self) -> ActionKind {
        match self {
            TableAction::StartHandling => ActionKind::StartHandling,
            TableAction::Cancel => ActionKind::Cancel,
            TableAction::InvoiceOutput(_) => ActionKind::InvoiceOutput,
            TableAction::InvoiceInput(_) => ActionKind::InvoiceInput,
            TableAction::Tracking { .. } => ActionKind::UpdateTracking,
            TableAction::TrackingEvents { .. } => ActionKind::TrackingEvents,
            TableAction::Change => ActionKind::ChangeOrder,
        }
    }
}

/// `Some(status after)` when the table allows the action on the order, else `None`.
pub fn table(view: &TableView, action: &TableAction, policy: TablePolicy) -> Option<Status> {
    use Row as R;
    let r = row(view.status);
    let same = view.status;
    let remaining = view.total - view.invoiced_out;
    let handling_like = matches!(r, R::Handling | R::HandlingNoChange);
    match action {
        TableAction::StartHandling => (r == R::ReadyForHandling).then_some(Status::StartHandling),
        TableAction::Cancel => {
            // §A.5.6: never with an invoice, nor invoiced, terminal or incomplete.
            if view.has_any_invoice {
                return None;
            }
            match r {
                R::BeforeHandling => Some(Status::Cancel),
                R::ReadyForHandling | R::StartHandling | R::Handling | R::HandlingNoChange => {
                    Some(if policy.two_step_cancel {
                        Status::CancellationRequested
                    } else {
                        Status::Cancel
                    })
                }
                R::CancellationRequested => Some(Status::Cancel),
                _ => None,
            }
        }
        TableAction::InvoiceOutput(value) => {
            let status_ok = handling_like
                || matches!(r, R::CancellationRequested | R::PartiallyInvoiced)
                || (r == R::ReadyForHandling && policy.invoice_in_ready_for_handling);
            (status_ok && *value > 0 && *value <= remaining).then_some(if *value == remaining {
                Status::Invoiced
            } else {
                Status::Invoice
            })
        }
        TableAction::InvoiceInput(value) => {
            let status_ok = matches!(r, R::PartiallyInvoiced | R::Invoiced);
            (status_ok && *value > 0 && *value <= view.invoiced_out - view.invoiced_in)
                .then_some(same)
                .flatten()
        }
        TableAction::Tracking { invoice_exists } => (*invoice_exists
            && (handling_like || matches!(r, R::PartiallyInvoiced | R::Invoiced)))
        .then_some(same)
        .flatten(),
        TableAction::TrackingEvents {
            invoice_exists,
            has_number,
        } => (*invoice_exists
            && *has_number
            && (handling_like || matches!(r, R::PartiallyInvoiced | R::Invoiced)))
        .then_some(same)
        .flatten(),
        TableAction::Change => {
            let ok = r == R::Handling
                || (r == R::PartiallyInvoiced && policy.change_after_partial_invoice);
            ok.then_some(same).flatten()
        }
    }
}

/// The platform's own moves (§A.4, complete flow), by status: `(next, what)`.
pub fn platform_moves(status: Option<Status>) -> Vec<(Status, &'static str)> {
    use Status as S;
    let Some(s) = status else {
        return vec![(S::OrderCreated, "checkout completed")];
    };
    match s {
        S::OrderCreated => vec![(S::OnOrderCompleted, "data completed")],
        S::OnOrderCompleted => vec![(S::PaymentPending, "payment requested")],
        S::PaymentPending => vec![
            (S::ApprovePayment, "gateway approving"),
            (S::PaymentApproved, "gateway approved"),
            (S::Cancel, "payment denied"),
        ],
        S::ApprovePayment => vec![(S::PaymentApproved, "gateway approved")],
        S::PaymentApproved => vec![(S::AuthorizeFulfillment, "fulfillment authorized")],
        S::AuthorizeFulfillment => vec![(S::WindowToCancel, "grace period")],
        S::WindowToCancel => vec![
            (S::ReadyForHandling, "grace period elapsed"),
            (S::Cancel, "customer canceled in the window"),
        ],
        S::StartHandling => vec![(S::Handling, "handling confirmed")],
        S::ReadyForHandling | S::Handling => {
            vec![(S::CancellationRequested, "customer asked to cancel")]
        }
        S::CancellationRequested => vec![
            (S::Cancel, "30 days without a decision"),
            // Deny: back to where it came from (resolved by the caller).
            (S::Handling, "denied"),
        ],
        S::Cancel => vec![(S::Canceled, "payment module confirmed")],
        _ => Vec::new(),
    }
}
