//! Payment errors: one enum, each variant with a stable code (the `code` of the protocol's
//! error shape `{status: "error", code, message}`, §G.1).

/// Why a payment operation is refused. Nothing changes when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// A `value` that is not a positive amount with at most two decimals.
    #[error("{field}: {message}")]
    AmountInvalid {
        field: &'static str,
        message: String,
    },
    /// A `paymentId` or `requestId` that is empty, too long or has characters outside
    /// letters, digits, `-` and `_`.
    #[error("{field} {value:?} is not a valid identifier (1 to 128 letters, digits, - or _)")]
    IdInvalid { field: &'static str, value: String },
    /// The request names another payment than the record it was given.
    #[error("the request is for payment {request:?}, the record is {record:?}")]
    PaymentIdMismatch { request: String, record: String },
    /// A second create for a known `paymentId` with another value, currency or customer.
    #[error("payment {payment_id:?} was created with other data: {what}")]
    PaymentConflict { payment_id: String, what: String },
    /// No customer key in `miniCart.buyer` for the configured field.
    #[error("miniCart.buyer.{field} is missing: the ERP's credit account cannot be found")]
    CustomerMissing { field: &'static str },
    /// A delay outside VTEX's bounds (§G.1).
    #[error("{field} is {value} s; VTEX accepts {min}..={max}")]
    DelayOutOfRange {
        field: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
    /// A credit answer that does not fit the step (a hold answer before any decision).
    #[error("credit answer {answer} does not fit a payment that is {status}")]
    CreditAnswerUnexpected {
        answer: &'static str,
        status: &'static str,
    },
    /// Settling a payment that is not approved (or settled with value left).
    #[error("payment {payment_id:?} is {status}: it cannot be settled")]
    SettleNotAllowed {
        payment_id: String,
        status: &'static str,
    },
    /// Settling beyond the authorised value.
    #[error(
        "settling {value} cents on payment {payment_id:?} exceeds what is left of its authorisation ({left} cents)"
    )]
    SettleAboveAuthorized {
        payment_id: String,
        value: u64,
        left: u64,
    },
    /// Refunding a payment with nothing settled.
    #[error("payment {payment_id:?} is {status}: it has nothing settled to refund")]
    RefundNotAllowed {
        payment_id: String,
        status: &'static str,
    },
    /// Refunding beyond the settled value.
    #[error(
        "refunding {value} cents on payment {payment_id:?} exceeds what is left of its settlements ({left} cents)"
    )]
    RefundAboveSettled {
        payment_id: String,
        value: u64,
        left: u64,
    },
    /// Cancelling a payment that has been settled (a refund is the way back, §G.1).
    #[error("payment {payment_id:?} is {status}: a settled payment is refunded, not cancelled")]
    CancelAfterSettle {
        payment_id: String,
        status: &'static str,
    },
}

error_codes! {
    PaymentError,
    /// The stable machine code.
    ///
    /// ```
    /// use ponte_core::payments::PaymentError;
    /// let e = PaymentError::RefundAboveSettled { payment_id: "P1".into(), value: 2, left: 1 };
    /// assert_eq!(e.code(), "PAYMENT_REFUND_ABOVE_SETTLED");
    /// ```
    {
        AmountInvalid => "PAYMENT_AMOUNT_INVALID",
        IdInvalid => "PAYMENT_ID_INVALID",
        PaymentIdMismatch => "PAYMENT_ID_MISMATCH",
        PaymentConflict => "PAYMENT_CONFLICT",
        CustomerMissing => "PAYMENT_CUSTOMER_MISSING",
        DelayOutOfRange => "PAYMENT_DELAY_OUT_OF_RANGE",
        CreditAnswerUnexpected => "PAYMENT_CREDIT_ANSWER_UNEXPECTED",
        SettleNotAllowed => "PAYMENT_SETTLE_NOT_ALLOWED",
        SettleAboveAuthorized => "PAYMENT_SETTLE_ABOVE_AUTHORIZED",
        RefundNotAllowed => "PAYMENT_REFUND_NOT_ALLOWED",
        RefundAboveSettled => "PAYMENT_REFUND_ABOVE_SETTLED",
        CancelAfterSettle => "PAYMENT_CANCEL_AFTER_SETTLE",
    }
}
