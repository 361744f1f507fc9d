use super::{ActionKind, Cents, Status};

/// An order rule broken by the input: an action in the wrong status, a payload VTEX would
/// refuse (or silently mishandle), a malformed event. Each variant has a stable
/// [`code`](Self::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    // --- workflow (§A.10) ---
    #[error(
        "the order is incomplete (status null): it has no workflow, so {action} is not possible"
    )]
    OrderIncomplete { action: ActionKind },
    #[error(
        "the order is {status}: a canceled order never changes again, so {action} is not possible"
    )]
    OrderCanceled { status: Status, action: ActionKind },
    #[error("the order was replaced by another order: send {action} to the replacement")]
    OrderReplaced { action: ActionKind },
    #[error("order status should be ready-for-handling to start handling; it is {status}")]
    NotReadyForHandling { status: Status },
    #[error("handling already started (status {status}): start-handling is called once")]
    HandlingAlreadyStarted { status: Status },
    #[error(
        "the order is already invoiced: {action} is not possible; send a return (Input) invoice or tracking instead"
    )]
    AlreadyInvoiced { action: ActionKind },
    #[error(
        "the order has an invoice, so it cannot be canceled; change the order or send a return invoice instead"
    )]
    PartiallyInvoiced,
    #[error(
        "order status should be handling (or a later handling status) to invoice; it is {status}"
    )]
    NotReadyForInvoice { status: Status },
    #[error(
        "a return (Input) invoice needs an invoiced order; the order is {status} with no Output invoice"
    )]
    NotInvoiced { status: Status },
    #[error(
        "a return invoice is only accepted once the whole order is invoiced (policy returnRequiresFullyInvoiced)"
    )]
    ReturnBeforeFullyInvoiced,
    #[error(
        "tracking needs an invoiced order (status handling after an invoice, invoice or invoiced); it is {status}"
    )]
    TrackingNotAllowed { status: Status },
    #[error(
        "order status should be handling, waiting-for-fulfillment or ready-for-invoicing to change the order; it is {status}"
    )]
    ChangeNotAllowed { status: Status },
    #[error("chain orders cannot be changed")]
    ChangeOnChainOrder,
    #[error(
        "the order has an item invoice, so it cannot be changed (policy changeAfterPartialInvoice)"
    )]
    ChangeAfterInvoice,
    #[error("the order already has {max} changes, the most it takes")]
    ChangeLimitExceeded { max: usize },
    #[error("no transition {event} from status {from}")]
    InvalidTransition { from: String, event: String },

    // --- invoices (§A.7) ---
    #[error(
        "invoiceValue {value:?} is not valid: cents as a string of digits, no separator, greater than 0 (24.99 is \"2499\")"
    )]
    InvoiceValueInvalid { value: String },
    #[error("the invoice of {value} exceeds what is left to invoice ({remaining})")]
    InvoiceExceedsRemaining { value: Cents, remaining: Cents },
    #[error("invoiceNumber is empty")]
    InvoiceNumberEmpty,
    #[error("invoiceNumber has {len} characters; at most {max} are accepted")]
    InvoiceNumberTooLong { len: usize, max: usize },
    #[error(
        "invoiceNumber {number:?} contains {ch:?}, which breaks VTEX's invoice routes; use letters, digits, '-', '_' or '.'"
    )]
    InvoiceNumberRouteUnsafe { number: String, ch: char },
    #[error(
        "invoice {number} was already sent: reusing an invoice number is refused (policy invoiceNumberReuse = forbid)"
    )]
    InvoiceNumberDuplicate { number: String },
    #[error(
        "invoice {number} was already sent with different content; VTEX would keep the first one, so use a new number"
    )]
    InvoiceNumberConflict { number: String },
    #[error(
        "invoice number {number} is already used by an invoice of the other type: a return invoice needs its own number"
    )]
    ReturnNumberReused { number: String },
    #[error(
        "issuanceDate {value:?} is not an ISO 8601 date and time (e.g. 2024-01-31T18:25:43-05:00)"
    )]
    IssuanceDateInvalid { value: String },
    #[error("the invoice has no items; always send items")]
    InvoiceItemsMissing,
    #[error("item {id} is not in the order")]
    InvoiceItemUnknown { id: String },
    #[error("item {id}: {quantity} units exceed the {remaining} left to invoice")]
    InvoiceItemExceedsRemaining {
        id: String,
        quantity: u64,
        remaining: u64,
    },
    #[error(
        "the return invoice of {value} exceeds what was invoiced and not yet returned ({returnable})"
    )]
    ReturnExceedsInvoiced { value: Cents, returnable: Cents },
    #[error(
        "item {id}: {quantity} units returned exceed the {invoiced} invoiced and not yet returned"
    )]
    ReturnItemExceedsInvoiced {
        id: String,
        quantity: u64,
        invoiced: u64,
    },
    #[error("item {id} has quantity 0 (or too large); quantities are positive integers")]
    ItemQuantityInvalid { id: String },
    #[error("item {id} has a negative price")]
    ItemPriceInvalid { id: String },
    #[error("item id {id:?} is not valid: 1 to 50 printable characters")]
    ItemIdInvalid { id: String },

    // --- tracking (§A.8) ---
    #[error("invoice {number} does not exist on this order")]
    InvoiceNotFound { number: String },
    #[error(
        "trackingNumber {value:?} is not valid: 1 to {max} characters, no surrounding spaces or control characters"
    )]
    TrackingNumberInvalid { value: String, max: usize },
    #[error("invoice {number} has no tracking number: send one (PATCH) before tracking events")]
    TrackingNumberMissing { number: String },
    #[error("{field} {value:?} is not an absolute http(s) URL")]
    UrlInvalid { field: &'static str, value: String },

    // --- cancellation (§A.5) ---
    #[error("a cancellation reason is required (policy requireCancelReason)")]
    CancelReasonMissing,
    #[error(
        "the cancellation reason must not be blank and at most {max} characters without control characters"
    )]
    CancelReasonInvalid { max: usize },

    // --- changes (§A.9) ---
    #[error("the change has no requestId; it makes retries safe")]
    ChangeRequestIdMissing,
    #[error("field reason not set: a change needs a reason")]
    ChangeReasonMissing,
    #[error("the modification value needs to be greater or equal than zero")]
    ChangeValueNegative,
    #[error("invalid modification for order: the change adds, removes and discounts nothing")]
    ChangeEmpty,
    #[error("invalid id for item: {id} is not in the order")]
    ChangeItemUnknown { id: String },
    #[error(
        "invalid quantity to remove from item {id}: {quantity} requested, {removable} not yet invoiced"
    )]
    ChangeRemoveExceedsQuantity {
        id: String,
        quantity: u32,
        removable: u64,
    },
    #[error("the value of the modification exceeds the order's price")]
    ChangeExceedsOrderValue,
    #[error("the change would bring the total to {total}, below the {invoiced} already invoiced")]
    ChangeBelowInvoiced { total: Cents, invoiced: Cents },

    // --- shared fields ---
    #[error("{field} {value:?} is not a valid ISO 8601 date")]
    DateInvalid { field: &'static str, value: String },
    #[error("{field} is too long (at most {max}) or has control characters")]
    TextInvalid { field: &'static str, max: usize },
    #[error("an amount is outside ±(2^53 − 1) cents or the arithmetic overflowed")]
    AmountOutOfRange,
    #[error("order id {id:?} is not valid: letters, digits, '-' and '_', at most 64")]
    OrderIdInvalid { id: String },
    #[error("the event is for order {got}, not {expected}")]
    OrderIdMismatch { expected: String, got: String },
    #[error("the order state is inconsistent: {reason}")]
    OrderStateInvalid { reason: String },
    #[error("Get order {order_id}: {reason}")]
    OrderDataInvalid { order_id: String, reason: String },

    // --- intake (§B) ---
    #[error("hook payload is not valid: {reason}")]
    HookPayloadInvalid { reason: String },
    #[error("feed item is not valid: {reason}")]
    FeedItemInvalid { reason: String },
    #[error("IO order event is not valid: {reason}")]
    IoEventInvalid { reason: String },
    #[error("the payload has {len} bytes; at most {max} are accepted")]
    PayloadTooLarge { len: usize, max: usize },

    // --- delivery claims (claim.rs) ---
    #[error("the claim request is not valid: {reason}")]
    ClaimInputInvalid { reason: String },
}

error_codes! {
    OrderError,
    /// The stable machine code of the error (GraphQL `extensions.code`, JS `error.code`).
    ///
    /// ```
    /// use ponte_core::orders::{OrderError, Status};
    /// let e = OrderError::NotReadyForHandling { status: Status::Handling };
    /// assert_eq!(e.code(), "ORDER_NOT_READY_FOR_HANDLING");
    /// ```
    {
        OrderIncomplete => "ORDER_INCOMPLETE",
        OrderCanceled => "ORDER_CANCELED",
        OrderReplaced => "ORDER_REPLACED",
        NotReadyForHandling => "ORDER_NOT_READY_FOR_HANDLING",
        HandlingAlreadyStarted => "ORDER_HANDLING_ALREADY_STARTED",
        AlreadyInvoiced => "ORDER_ALREADY_INVOICED",
        PartiallyInvoiced => "ORDER_PARTIALLY_INVOICED",
        NotReadyForInvoice => "ORDER_NOT_READY_FOR_INVOICE",
        NotInvoiced => "ORDER_NOT_INVOICED",
        ReturnBeforeFullyInvoiced => "RETURN_BEFORE_FULLY_INVOICED",
        TrackingNotAllowed => "ORDER_TRACKING_NOT_ALLOWED",
        ChangeNotAllowed => "ORDER_CHANGE_NOT_ALLOWED",
        ChangeOnChainOrder => "ORDER_CHANGE_CHAIN_ORDER",
        ChangeAfterInvoice => "ORDER_CHANGE_AFTER_INVOICE",
        ChangeLimitExceeded => "ORDER_CHANGE_LIMIT_EXCEEDED",
        InvalidTransition => "ORDER_TRANSITION_INVALID",
        InvoiceValueInvalid => "INVOICE_VALUE_INVALID",
        InvoiceExceedsRemaining => "INVOICE_EXCEEDS_REMAINING",
        InvoiceNumberEmpty => "INVOICE_NUMBER_EMPTY",
        InvoiceNumberTooLong => "INVOICE_NUMBER_TOO_LONG",
        InvoiceNumberRouteUnsafe => "INVOICE_NUMBER_ROUTE_UNSAFE",
        InvoiceNumberDuplicate => "INVOICE_NUMBER_DUPLICATE",
        InvoiceNumberConflict => "INVOICE_NUMBER_CONFLICT",
        ReturnNumberReused => "RETURN_INVOICE_NUMBER_REUSED",
        IssuanceDateInvalid => "INVOICE_ISSUANCE_DATE_INVALID",
        InvoiceItemsMissing => "INVOICE_ITEMS_MISSING",
        InvoiceItemUnknown => "INVOICE_ITEM_UNKNOWN",
        InvoiceItemExceedsRemaining => "INVOICE_ITEM_EXCEEDS_REMAINING",
        ReturnExceedsInvoiced => "RETURN_EXCEEDS_INVOICED",
        ReturnItemExceedsInvoiced => "RETURN_ITEM_EXCEEDS_INVOICED",
        ItemQuantityInvalid => "ITEM_QUANTITY_INVALID",
        ItemPriceInvalid => "ITEM_PRICE_INVALID",
        ItemIdInvalid => "ITEM_ID_INVALID",
        InvoiceNotFound => "INVOICE_NOT_FOUND",
        TrackingNumberInvalid => "TRACKING_NUMBER_INVALID",
        TrackingNumberMissing => "TRACKING_NUMBER_MISSING",
        UrlInvalid => "URL_INVALID",
        CancelReasonMissing => "CANCEL_REASON_MISSING",
        CancelReasonInvalid => "CANCEL_REASON_INVALID",
        ChangeRequestIdMissing => "CHANGE_REQUEST_ID_MISSING",
        ChangeReasonMissing => "CHANGE_REASON_MISSING",
        ChangeValueNegative => "CHANGE_VALUE_NEGATIVE",
        ChangeEmpty => "CHANGE_EMPTY",
        ChangeItemUnknown => "CHANGE_ITEM_UNKNOWN",
        ChangeRemoveExceedsQuantity => "CHANGE_REMOVE_EXCEEDS_QUANTITY",
        ChangeExceedsOrderValue => "CHANGE_EXCEEDS_ORDER_VALUE",
        ChangeBelowInvoiced => "CHANGE_BELOW_INVOICED",
        DateInvalid => "DATE_INVALID",
        TextInvalid => "TEXT_INVALID",
        AmountOutOfRange => "AMOUNT_OUT_OF_RANGE",
        OrderIdInvalid => "ORDER_ID_INVALID",
        OrderIdMismatch => "ORDER_ID_MISMATCH",
        OrderStateInvalid => "ORDER_STATE_INVALID",
        OrderDataInvalid => "ORDER_DATA_INVALID",
        HookPayloadInvalid => "HOOK_PAYLOAD_INVALID",
        FeedItemInvalid => "FEED_ITEM_INVALID",
        IoEventInvalid => "IO_EVENT_INVALID",
        PayloadTooLarge => "PAYLOAD_TOO_LARGE",
        ClaimInputInvalid => "ORDER_CLAIM_INPUT_INVALID",
    }
}
