//! The simulated OMS's knobs: platform delays and the behaviours VTEX leaves undocumented
//! (§H), as `GET|PUT /_sim/oms/config` JSON and the `--oms-*` flags.

use serde::{Deserialize, Serialize};

/// What re-posting an invoice number does (§A.7, §H.4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InvoiceReuse {
    /// The current documentation: the call succeeds with a new `receipt` that overrides the
    /// old one; nothing else changes (no new package, the value is not counted twice).
    #[default]
    NewReceipt,
    /// An older revision of the spec: reusing a number is refused (`409 OMS009`).
    Forbid,
}

/// Configuration of the simulated OMS. Every property has a default; `PUT /_sim/oms/config`
/// changes only the properties it names. New delays apply to timers set after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OmsConfig {
    /// Delay of each automatic platform step (`order-created → on-order-completed →
    /// payment-pending → approve-payment → payment-approved → authorize-fulfillment →
    /// window-to-cancel`), in milliseconds. Default 100.
    pub auto_step_ms: u64,
    /// The cancellation grace period (`window-to-cancel → ready-for-handling`), §A.5.1:
    /// default 1800 s (30 minutes, VTEX's default account setting).
    pub cancellation_window_seconds: u64,
    /// `start-handling → handling` after a start-handling call. Default 100 ms.
    pub start_handling_confirm_ms: u64,
    /// `cancel → canceled` (the payment module confirms). Default 100 ms.
    pub cancel_confirm_ms: u64,
    /// `invoice → invoiced` once Σ Output invoices reaches the order value (settlement).
    /// Default 100 ms.
    pub settlement_ms: u64,
    /// A pending cancellation request with no decision is cancelled by the platform after
    /// this long (§A.4, §A.5.4: 30 days). Default 2 592 000 s.
    pub cancellation_request_timeout_seconds: u64,
    /// §A.5.3, §H.2: an API cancel in `ready-for-handling`/`start-handling`/handling statuses
    /// first moves the order to `cancellation-requested`; a second cancel confirms
    /// **[emulator default: true]**. `false` cancels at once.
    pub two_step_cancel: bool,
    /// §A.10, §H.1: whether an Output invoice is accepted in `ready-for-handling`
    /// **[emulator default: false]**.
    pub invoice_in_ready_for_handling: bool,
    /// §A.7, §H.4: re-posting an invoice number **[emulator default: newReceipt]**.
    pub invoice_number_reuse: InvoiceReuse,
    /// §A.8, §H.1: tracking events (`PUT .../tracking`) need a tracking number on the invoice,
    /// else `400 OMS007` **[emulator default: true]**.
    pub tracking_events_require_tracking_number: bool,
    /// §A.7: a return (Input) invoice only once the order is `invoiced` **[emulator default:
    /// false]** (§A.10 lists Input as valid on `invoice`).
    pub return_requires_invoiced: bool,
    /// §A.9 vs §A.10: changes (v1) on a partially invoiced order (`invoice`, value not yet
    /// reached) **[emulator default: true]**.
    pub change_after_partial_invoice: bool,
    /// §A.9: v1's limit of modifications per order. Default 50.
    pub max_changes: usize,
    /// §A.10: an Output invoice above what is left to invoice (order value − Σ Output) is
    /// refused with `400 OMS008` **[emulator default: true]**; `false` accepts it (the
    /// order becomes `invoice`, then `invoiced`).
    pub refuse_invoice_over_value: bool,
    /// How often the timer task looks for due timers, in milliseconds. Default 20.
    pub tick_ms: u64,
    /// Change v2 processing time (§A.9, [`super::changes_v2`]): 0 applies a change before the
    /// `202` is answered; above 0 the change is `inProgress` until the simulated clock passes
    /// its date + this delay **[emulator default: 0]**.
    pub change_processing_ms: u64,
}

impl Default for OmsConfig {
    fn default() -> Self {
        OmsConfig {
            auto_step_ms: 100,
            cancellation_window_seconds: 1800,
            start_handling_confirm_ms: 100,
            cancel_confirm_ms: 100,
            settlement_ms: 100,
            cancellation_request_timeout_seconds: 30 * 24 * 3600,
            two_step_cancel: true,
            invoice_in_ready_for_handling: false,
            invoice_number_reuse: InvoiceReuse::NewReceipt,
            tracking_events_require_tracking_number: true,
            return_requires_invoiced: false,
            change_after_partial_invoice: true,
            max_changes: 50,
            refuse_invoice_over_value: true,
            tick_ms: 20,
            change_processing_ms: 0,
        }
    }
}

/// Ten years: the longest delay accepted (keeps every deadline far inside `i64` milliseconds).
const MAX_DELAY_MS: u64 = 10 * 365 * 24 * 3600 * 1000;

impl OmsConfig {
    /// Checks the ranges: delays up to ten years, `tickMs` 1 to 1000, `maxChanges` ≥ 1.
    pub fn check(&self) -> Result<(), String> {
        let delays = [
            ("autoStepMs", self.auto_step_ms),
            (
                "cancellationWindowSeconds",
                self.cancellation_window_seconds.saturating_mul(1000),
            ),
            ("startHandlingConfirmMs", self.start_handling_confirm_ms),
            ("cancelConfirmMs", self.cancel_confirm_ms),
            ("settlementMs", self.settlement_ms),
            ("changeProcessingMs", self.change_processing_ms),
            (
                "cancellationRequestTimeoutSeconds",
                self.cancellation_request_timeout_seconds
                    .saturating_mul(1000),
            ),
        ];
        for (name, ms) in delays {
            if ms > MAX_DELAY_MS {
                return Err(format!("{name} is above ten years"));
            }
        }
        if self.tick_ms == 0 || self.tick_ms > 1000 {
            return Err("tickMs must be 1 to 1000".into());
        }
        if self.max_changes == 0 {
            return Err("maxChanges must be at least 1".into());
        }
        Ok(())
    }

    pub(crate) fn ms(v: u64) -> i64 {
        i64::try_from(v).unwrap_or(i64::MAX)
    }

    pub(crate) fn window_ms(&self) -> i64 {
        Self::ms(self.cancellation_window_seconds.saturating_mul(1000))
    }

    pub(crate) fn request_timeout_ms(&self) -> i64 {
        Self::ms(
            self.cancellation_request_timeout_seconds
                .saturating_mul(1000),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_partial_json() {
        let c = OmsConfig::default();
        assert!(c.check().is_ok());
        assert_eq!(c.window_ms(), 1_800_000);
        let p: OmsConfig =
            serde_json::from_str(r#"{"autoStepMs":5,"invoiceNumberReuse":"forbid"}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.auto_step_ms, 5);
        assert_eq!(p.invoice_number_reuse, InvoiceReuse::Forbid);
        assert!(p.two_step_cancel);
        let bad = OmsConfig {
            tick_ms: 0,
            ..OmsConfig::default()
        };
        assert!(bad.check().is_err());
    }
}
