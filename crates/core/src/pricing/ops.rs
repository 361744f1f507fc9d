//! The pricing operations as request → response functions, for the operation table.

use super::error::PricingError;
use super::sync::{PriceBatch, PricePlan, PricingState, plan_prices};
use serde::{Deserialize, Serialize};

/// Input of [`plan_price_sync`]: what VTEX holds and the ERP's batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PriceSyncRequest {
    #[serde(default)]
    pub current: PricingState,
    pub batch: PriceBatch,
}

plan_or_errors! {
    /// Output of [`plan_price_sync`]: the plan, or every error (then `plan` is null and nothing may
    /// be written).
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PriceSyncResponse {
        pub plan: Option<PricePlan>,
        pub errors: Vec<PricingError>,
    }
}

/// [`plan_prices`] with the errors as data: the shape the boundaries return.
pub fn plan_price_sync(req: &PriceSyncRequest) -> PriceSyncResponse {
    plan_prices(&req.current, &req.batch).into()
}
