//! The OMS status catalogue (§A.3), flows (§A.2) and workflow domains (§B.3).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! statuses {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// An OMS order status, serialised as VTEX's exact API string. An incomplete order has
        /// no status at all: that is `Option<Status>::None` (JSON `null`) everywhere here.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum Status {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)*
        }

        impl Status {
            /// Every status of §A.3, in catalogue order.
            pub const ALL: &'static [Status] = &[$(Status::$variant,)*];

            /// The API string (`ready-for-handling`, ...).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Status::$variant => $name,)*
                }
            }

            /// The status with this exact API string, if VTEX documents it.
            pub fn from_name(name: &str) -> Option<Status> {
                match name {
                    $($name => Some(Status::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

statuses! {
    /// Data being processed; first status (marketplace, chain, complete).
    OrderCreated = "order-created",
    /// Creation failed; usually ends canceled.
    OrderCreateError = "order-create-error",
    /// Creation failed (the other spelling VTEX uses).
    OrderCreationError = "order-creation-error",
    /// Checkout finished, data complete.
    OnOrderCompleted = "on-order-completed",
    /// Same, on the fulfillment side.
    OnOrderCompletedFfm = "on-order-completed-ffm",
    /// The seller received the order (seller flow's first status).
    OrderAccepted = "order-accepted",
    /// Waits for the seller to accept.
    WaitingForAuthorization = "waiting-for-authorization",
    /// B2B order-authorization rules pending.
    WaitingForOrderAuthorization = "waiting-for-order-authorization",
    /// Waits for the payment gateway (or, in chain, the upstream marketplace).
    PaymentPending = "payment-pending",
    /// Transient; only sticks on error.
    ApprovePayment = "approve-payment",
    /// Gateway approved.
    PaymentApproved = "payment-approved",
    /// Period in which payment may be changed.
    WindowToChangePayment = "window-to-change-payment",
    /// After a seller cancels: time to pick another seller.
    WindowToChangeSeller = "window-to-change-seller",
    /// The seller waits for the marketplace's go-ahead.
    WaitingFfmtAuthorization = "waiting-ffmt-authorization",
    /// Same; can be forced manually in Admin.
    WaitingForManualAuthorization = "waiting-for-manual-authorization",
    /// Chain: waits for marketplace authorization.
    WaitingForMktAuthorization = "waiting-for-mkt-authorization",
    /// Marketplace waits for a white-label seller to start handling.
    WaitingSellerHandling = "waiting-seller-handling",
    /// Internal approval; the inventory reservation is confirmed here.
    AuthorizeFulfillment = "authorize-fulfillment",
    /// Seen in My-Account mappings; treated as transient, before handling.
    ReleaseToFulfillment = "release-to-fulfillment",
    /// Grace period after payment approval (default 30 minutes).
    WindowToCancel = "window-to-cancel",
    /// Waits for the store/ERP to call start-handling.
    ReadyForHandling = "ready-for-handling",
    /// Transient step produced by start-handling.
    StartHandling = "start-handling",
    /// The store prepares the shipment; waits for the invoice.
    Handling = "handling",
    /// Stores with a WMS.
    WaitingForFulfillment = "waiting-for-fulfillment",
    /// Pick-and-pack stores: ready to receive the invoice.
    ReadyForInvoicing = "ready-for-invoicing",
    /// Invoice(s) received, total not reached or settlement pending ("Verifying invoice").
    Invoice = "invoice",
    /// Fully invoiced; terminal for the forward flow.
    Invoiced = "invoiced",
    /// Superseded by a replacement order. Terminal.
    Replaced = "replaced",
    /// Cancellation started (marketplace, complete).
    RequestCancel = "request-cancel",
    /// Cancellation request waiting for the seller's decision (seller side).
    CancellationRequested = "cancellation-requested",
    /// The marketplace waits for the seller to accept or deny the cancellation.
    WaitingForSellerDecision = "waiting-for-seller-decision",
    /// Cancellation denied; the order continues toward invoicing.
    InvoiceAfterCancellationDeny = "invoice-after-cancellation-deny",
    /// Observed on the seller side after a denial.
    CancellationRequestDeniedFfm = "cancellation-request-denied-ffm",
    /// The payment module is being told to cancel.
    Cancel = "cancel",
    /// Terminal: canceled and refunded; never changes again.
    Canceled = "canceled",
}

/// Where a status sits in the workflow, for the validity table (§A.10). Statuses in one stage
/// accept the same ERP actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Before the store may act: creation, payment, authorization, the cancellation window.
    BeforeHandling,
    ReadyForHandling,
    /// The transient `start-handling`.
    StartingHandling,
    /// `handling`, `waiting-for-fulfillment`, `ready-for-invoicing`, and the statuses an order
    /// returns to after a denied cancellation.
    Handling,
    /// A cancellation request waits for a decision.
    CancellationPending,
    /// Partially invoiced (`invoice`).
    PartiallyInvoiced,
    Invoiced,
    /// `cancel` or `canceled`.
    Canceled,
    Replaced,
}

impl Status {
    pub fn stage(self) -> Stage {
        use Status::*;
        match self {
            OrderCreated
            | OrderCreateError
            | OrderCreationError
            | OnOrderCompleted
            | OnOrderCompletedFfm
            | OrderAccepted
            | WaitingForAuthorization
            | WaitingForOrderAuthorization
            | PaymentPending
            | ApprovePayment
            | PaymentApproved
            | WindowToChangePayment
            | WindowToChangeSeller
            | WaitingFfmtAuthorization
            | WaitingForManualAuthorization
            | WaitingForMktAuthorization
            | WaitingSellerHandling
            | AuthorizeFulfillment
            | ReleaseToFulfillment
            | WindowToCancel => Stage::BeforeHandling,
            ReadyForHandling => Stage::ReadyForHandling,
            StartHandling => Stage::StartingHandling,
            Handling
            | WaitingForFulfillment
            | ReadyForInvoicing
            | InvoiceAfterCancellationDeny
            | CancellationRequestDeniedFfm => Stage::Handling,
            RequestCancel | CancellationRequested | WaitingForSellerDecision => {
                Stage::CancellationPending
            }
            Invoice => Stage::PartiallyInvoiced,
            Invoiced => Stage::Invoiced,
            Cancel | Canceled => Stage::Canceled,
            Replaced => Stage::Replaced,
        }
    }

    /// Whether the status never changes again (`invoiced` only takes returns and tracking).
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Canceled | Status::Replaced | Status::Invoiced)
    }

    /// Position along the workflow, used only to break ties between two events with the same
    /// change date (later in the workflow wins). Cancellation outranks handling, terminal
    /// statuses outrank everything.
    pub fn rank(self) -> u8 {
        use Status::*;
        match self {
            OrderCreated => 1,
            OrderCreateError | OrderCreationError => 2,
            OrderAccepted => 3,
            OnOrderCompleted | OnOrderCompletedFfm => 4,
            WaitingForAuthorization | WaitingForOrderAuthorization => 5,
            PaymentPending => 6,
            ApprovePayment => 7,
            PaymentApproved => 8,
            WindowToChangePayment | WindowToChangeSeller => 9,
            WaitingFfmtAuthorization
            | WaitingForManualAuthorization
            | WaitingForMktAuthorization
            | WaitingSellerHandling => 10,
            AuthorizeFulfillment => 11,
            ReleaseToFulfillment => 12,
            WindowToCancel => 13,
            ReadyForHandling => 14,
            StartHandling => 15,
            Handling => 16,
            WaitingForFulfillment | ReadyForInvoicing => 17,
            InvoiceAfterCancellationDeny | CancellationRequestDeniedFfm => 18,
            Invoice => 19,
            RequestCancel | CancellationRequested | WaitingForSellerDecision => 20,
            Cancel => 21,
            Invoiced => 22,
            Replaced => 23,
            Canceled => 24,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Displays an optional status, `null` for an incomplete order.
pub(crate) fn show(status: Option<Status>) -> &'static str {
    status.map_or("null", Status::as_str)
}

/// Which workflow the account sees for an order (§A.2). It decides the first status, the
/// name of a pending cancellation and where a denied cancellation returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Flow {
    /// The account both sells and fulfils.
    #[default]
    Complete,
    /// The selling account; an external seller fulfils.
    Marketplace,
    /// The fulfilling account of a marketplace order.
    Seller,
    /// An intermediate account (Multilevel Omnichannel Inventory).
    Chain,
}

/// Which workflow instance of an order changed (`domain` of feed items and events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Domain {
    Fulfillment,
    Marketplace,
}

impl Domain {
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Fulfillment => "Fulfillment",
            Domain::Marketplace => "Marketplace",
        }
    }

    /// `Fulfillment` or `Marketplace`, any letter case.
    pub fn from_name(name: &str) -> Option<Domain> {
        if name.eq_ignore_ascii_case("fulfillment") {
            Some(Domain::Fulfillment)
        } else if name.eq_ignore_ascii_case("marketplace") {
            Some(Domain::Marketplace)
        } else {
            None
        }
    }
}
