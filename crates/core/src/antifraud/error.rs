//! Anti-fraud errors: one stable code per refusal (§G.3). A refused event changes nothing.

use serde::{Deserialize, Serialize};

/// Why an anti-fraud request or event was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AntifraudError {
    /// The transaction is malformed (an empty or over-long id, a negative value).
    #[error("{path}: {message}")]
    #[serde(rename = "ANTIFRAUD_TRANSACTION_INVALID")]
    TransactionInvalid { path: String, message: String },
    /// The stored analysis is for another transaction than the request's.
    #[error("analysis {stored:?} is not transaction {asked:?}")]
    #[serde(rename = "ANTIFRAUD_ID_MISMATCH")]
    IdMismatch { stored: String, asked: String },
    /// A decision contradicting the final one already taken.
    #[error("analysis {id:?} is already {status}")]
    #[serde(rename = "ANTIFRAUD_ANALYSIS_FINAL")]
    Final { id: String, status: String },
    /// A decision on an analysis VTEX stopped (`DELETE`).
    #[error("analysis {id:?} was stopped")]
    #[serde(rename = "ANTIFRAUD_ANALYSIS_STOPPED")]
    Stopped { id: String },
    /// A decision that is not `approved` or `denied`.
    #[error("a decision is approved or denied, not {status}")]
    #[serde(rename = "ANTIFRAUD_DECISION_INVALID")]
    DecisionInvalid { status: String },
    /// A policy whose thresholds are out of order or above 100.
    #[error("{message}")]
    #[serde(rename = "ANTIFRAUD_POLICY_INVALID")]
    PolicyInvalid { message: String },
}

error_codes! {
    AntifraudError,
    /// The stable code.
    ///
    /// ```
    /// use ponte_core::antifraud::AntifraudError;
    /// let e = AntifraudError::Stopped { id: "t1".into() };
    /// assert_eq!(e.code(), "ANTIFRAUD_ANALYSIS_STOPPED");
    /// ```
    {
        TransactionInvalid => "ANTIFRAUD_TRANSACTION_INVALID",
        IdMismatch => "ANTIFRAUD_ID_MISMATCH",
        Final => "ANTIFRAUD_ANALYSIS_FINAL",
        Stopped => "ANTIFRAUD_ANALYSIS_STOPPED",
        DecisionInvalid => "ANTIFRAUD_DECISION_INVALID",
        PolicyInvalid => "ANTIFRAUD_POLICY_INVALID",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_agree_with_serde() {
        let all = [
            AntifraudError::TransactionInvalid {
                path: "id".into(),
                message: "m".into(),
            },
            AntifraudError::IdMismatch {
                stored: "a".into(),
                asked: "b".into(),
            },
            AntifraudError::Final {
                id: "a".into(),
                status: "approved".into(),
            },
            AntifraudError::Stopped { id: "a".into() },
            AntifraudError::DecisionInvalid {
                status: "received".into(),
            },
            AntifraudError::PolicyInvalid {
                message: "m".into(),
            },
        ];
        assert_eq!(all.len(), AntifraudError::CODES.len());
        for (e, code) in all.iter().zip(AntifraudError::CODES) {
            assert_eq!(e.code(), code);
            let json = serde_json::to_value(e).expect("json");
            assert_eq!(json["code"], code);
        }
    }
}
