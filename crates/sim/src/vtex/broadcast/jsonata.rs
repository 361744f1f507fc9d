//! `FromOrders` filters: real JSONata (the `jsonata-rs` crate) evaluated on the order JSON.
//!
//! The result is cast to a boolean as JSONata's `$boolean` does (undefined, `null`, `false`,
//! `0`, `""`, `[]`, `{}` are false), which is how VTEX's `POST /api/orders/expressions/jsonata`
//! answers `true`/`false` **[emulator default]**. Evaluation is bounded (depth and time) and a
//! panic inside the library is caught and reported as an evaluation error, so no expression a
//! client sends can take the simulator down.
//!
//! jsonata-rs 0.3 evaluates paths, predicates, `in`, `and`/`or`, regexes, `~>`, sorting, lambdas
//! and most functions (`$count`, `$sum`, `$exists`, `$contains`, `$match`, `$string`,
//! `$toMillis`, `$filter`, `$reduce` …) but lacks `$average`, `$type`, `$sift`, `$spread`,
//! `$formatNumber`/`$formatBase`/`$formatInteger`, `$parseInteger`, `$eval` and the URL
//! encoders: an expression using them fails to evaluate, which a filter treats as no match
//! (counted in the stats' `filterErrors`) and the test endpoint answers `400`
//! `JSONATA_EVALUATION_FAILED`.

use bumpalo::Bump;
use jsonata_rs::JsonAta;
use serde_json::Value;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Maximum recursion depth of one evaluation.
const MAX_DEPTH: usize = 200;
/// Maximum time of one evaluation, in milliseconds.
const TIME_LIMIT_MS: usize = 1000;

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonataError {
    /// The expression does not compile.
    #[error("{0}")]
    Compile(String),
    /// It compiles but fails on this document (type errors, limits).
    #[error("{0}")]
    Evaluate(String),
}

/// Checks that `expression` compiles.
pub fn compile_check(expression: &str) -> Result<(), JsonataError> {
    if expression.trim().is_empty() {
        return Err(JsonataError::Compile("the expression is empty".into()));
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let arena = Bump::new();
        JsonAta::new(expression, &arena)
            .map(|_| ())
            .map_err(|e| JsonataError::Compile(e.to_string()))
    }));
    outcome.unwrap_or_else(|_| {
        Err(JsonataError::Compile(
            "the expression cannot be parsed".into(),
        ))
    })
}

/// Evaluates `expression` on `document` and casts the result to a boolean.
pub fn matches(expression: &str, document: &Value) -> Result<bool, JsonataError> {
    let input = serde_json::to_string(document)
        .map_err(|e| JsonataError::Evaluate(format!("cannot encode the document: {e}")))?;
    matches_text(expression, &input)
}

/// Same as [`matches`] with the document as JSON text.
pub fn matches_text(expression: &str, document: &str) -> Result<bool, JsonataError> {
    compile_check(expression)?;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let arena = Bump::new();
        let program =
            JsonAta::new(expression, &arena).map_err(|e| JsonataError::Compile(e.to_string()))?;
        let value = program
            .evaluate_timeboxed(Some(document), Some(MAX_DEPTH), Some(TIME_LIMIT_MS))
            .map_err(|e| JsonataError::Evaluate(e.to_string()))?;
        Ok(value.is_truthy())
    }));
    outcome.unwrap_or_else(|_| {
        Err(JsonataError::Evaluate(
            "the JSONata evaluator failed on this expression".into(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order() -> Value {
        json!({
            "orderId": "v1-01", "status": "payment-pending", "value": 15990,
            "items": [
                { "id": "1", "price": 9990, "quantity": 1 },
                { "id": "2", "price": 3000, "quantity": 2 }
            ],
            "clientProfileData": { "email": "a@b.c", "isCorporate": false }
        })
    }

    fn eval(expr: &str) -> bool {
        matches(expr, &order()).unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    #[test]
    fn domain_examples() {
        assert!(eval(r#"status = "payment-pending""#));
        assert!(!eval(r#"status = "canceled""#));
        assert_eq!(
            matches_text(r#"status = "canceled""#, r#"{"status":"canceled"}"#),
            Ok(true)
        );
    }

    #[test]
    fn common_filters() {
        assert!(eval("value > 10000"));
        assert!(!eval("value > 20000"));
        assert!(eval("$count(items) > 1"));
        assert!(!eval("$count(items) > 2"));
        assert!(eval("items[price > 5000]"));
        assert!(!eval("items[price > 50000]"));
        assert!(eval(r#"status in ["payment-pending", "canceled"]"#));
        assert!(!eval(r#"status in ["invoiced", "canceled"]"#));
        assert!(eval(r#"clientProfileData.isCorporate = false"#));
        assert!(eval(r#"$sum(items.(price * quantity)) = 15990"#));
        assert!(!eval("missingField"));
    }

    #[test]
    fn bad_expressions_are_compile_errors() {
        assert!(matches!(
            matches("status = ", &order()),
            Err(JsonataError::Compile(_))
        ));
        assert!(matches!(compile_check(""), Err(JsonataError::Compile(_))));
        assert!(matches!(
            compile_check("status = \"unterminated"),
            Err(JsonataError::Compile(_))
        ));
    }
}
#[cfg(test)]
mod coverage {
    //! What jsonata-rs 0.3 evaluates among expressions an order filter may use, and what it
    //! lacks (these fail as evaluation errors, i.e. "no match" in a filter).

    fn doc() -> serde_json::Value {
        serde_json::json!({"status":"invoiced","value":15990,
          "creationDate":"2024-05-01T10:00:00.0000000+00:00",
          "clientProfileData":{"email":"a@b.c"},
          "items":[{"id":"1","price":9990,"quantity":1,"sellerSku":"S1"}],
          "packageAttachment":{"packages":[{"invoiceNumber":"N1"}]},
          "shippingData":{"logisticsInfo":[{"deliveryChannel":"pickup-in-point"}]},
          "invoiceData":null})
    }

    #[test]
    fn supported() {
        for e in [
            "$exists(packageAttachment.packages[0].invoiceNumber)",
            "status = \"invoiced\" and value > 100",
            "(status = \"a\") or (value >= 15990)",
            "status != \"canceled\"",
            "$not(status = \"canceled\")",
            "$contains(clientProfileData.email, \"@\")",
            "$contains(clientProfileData.email, /b\\.c$/)",
            "$match(clientProfileData.email, /@/)",
            "items[0].sellerSku = \"S1\"",
            "$exists(items[sellerSku = \"S1\"])",
            "shippingData.logisticsInfo[deliveryChannel = \"pickup-in-point\"]",
            "$string(value) = \"15990\"",
            "value ~> $string() = \"15990\"",
            "$toMillis(creationDate) > 0",
            "$count(items[quantity > 0]) = 1",
            "$sum(items.price) > 100",
            "$lowercase(status) = \"invoiced\"",
            "$substring(status, 0, 3) = \"inv\"",
            "$reduce(items.price, function($a, $b) { $a + $b }) > 0",
            "$filter(items, function($v) { $v.price > 5000 })",
            "items^(price)[0].id = \"1\"",
        ] {
            assert_eq!(super::matches(e, &doc()), Ok(true), "{e}");
        }
    }

    #[test]
    fn missing_in_jsonata_rs() {
        for e in [
            "$average(items.price) > 0",
            "$type(value) = \"number\"",
            "$sift(clientProfileData, function($v) { $v })",
            "$spread(clientProfileData)",
            "$formatNumber(value, \"#,##0\") != \"\"",
            "$parseInteger(\"12\", \"#0\") = 12",
            "$eval(\"1\") = 1",
            "$encodeUrl(\"a b\") != \"\"",
        ] {
            assert!(
                matches!(
                    super::matches(e, &doc()),
                    Err(super::JsonataError::Evaluate(_))
                ),
                "{e} is evaluated now: update the module docs and the report"
            );
        }
    }
}
