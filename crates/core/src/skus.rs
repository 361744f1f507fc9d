//! SKUs by the ERP's natural keys (`refId` or `ean`), shared by the price and inventory syncs
//! (§D.4, §E.5): an ERP never names VTEX's SKU ids.

use crate::catalog::import::SkuId;
use serde::{Deserialize, Serialize};

/// How a batch names an SKU: its `refId`, its `ean`, or both (they must then agree).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct SkuKey {
    pub ref_id: Option<String>,
    pub ean: Option<String>,
}

impl SkuKey {
    pub fn ref_id(ref_id: &str) -> Self {
        SkuKey {
            ref_id: Some(ref_id.to_owned()),
            ean: None,
        }
    }
}

/// An SKU VTEX holds, with the natural keys it is found by (from the catalog).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
pub struct KnownSku {
    pub id: SkuId,
    pub ref_id: Option<String>,
    pub ean: Option<String>,
}

/// Why a key names no single SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkuKeyProblem {
    /// Neither `refId` nor `ean` (or only blank ones).
    Missing,
    /// No SKU has it.
    NotFound,
    /// `refId` and `ean` name two different SKUs.
    Mismatch,
}

impl SkuKeyProblem {
    /// What the batch item is told.
    pub fn message(self) -> &'static str {
        match self {
            SkuKeyProblem::Missing => "give refId or ean",
            SkuKeyProblem::NotFound => "no SKU has that refId or ean",
            SkuKeyProblem::Mismatch => "refId and ean name different SKUs",
        }
    }

    /// The caller's code for this problem, given its codes for a missing key, a key no SKU
    /// has and two keys that disagree.
    pub fn code<C>(self, missing: C, not_found: C, mismatch: C) -> C {
        match self {
            SkuKeyProblem::Missing => missing,
            SkuKeyProblem::NotFound => not_found,
            SkuKeyProblem::Mismatch => mismatch,
        }
    }
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The SKU a key names. Keys match exactly after trimming (VTEX's RefId and EAN are
/// case-sensitive text).
pub fn resolve(skus: &[KnownSku], key: &SkuKey) -> Result<SkuId, SkuKeyProblem> {
    let by_ref = given(&key.ref_id).map(|r| {
        skus.iter()
            .find(|s| given(&s.ref_id) == Some(r))
            .map(|s| s.id)
    });
    let by_ean =
        given(&key.ean).map(|e| skus.iter().find(|s| given(&s.ean) == Some(e)).map(|s| s.id));
    match (by_ref, by_ean) {
        (None, None) => Err(SkuKeyProblem::Missing),
        (Some(Some(a)), Some(Some(b))) if a == b => Ok(a),
        (Some(Some(_)), Some(_)) | (Some(None), Some(Some(_))) => Err(SkuKeyProblem::Mismatch),
        (Some(Some(a)), None) | (None, Some(Some(a))) => Ok(a),
        (Some(None), _) | (None, Some(None)) => Err(SkuKeyProblem::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(id: u32, r: &str, e: &str) -> KnownSku {
        KnownSku {
            id: SkuId(id),
            ref_id: Some(r.into()),
            ean: Some(e.into()),
        }
    }

    /// §D.5, §E.5: an SKU is named by `refId` or `ean`; both given must name the same one.
    #[test]
    fn keys_resolve_by_ref_id_or_ean_and_must_agree() {
        let skus = [sku(1, "A", "111"), sku(2, "B", "222")];
        let k = |r: Option<&str>, e: Option<&str>| SkuKey {
            ref_id: r.map(Into::into),
            ean: e.map(Into::into),
        };
        assert_eq!(resolve(&skus, &k(Some("A"), None)), Ok(SkuId(1)));
        assert_eq!(resolve(&skus, &k(None, Some("222"))), Ok(SkuId(2)));
        assert_eq!(resolve(&skus, &k(Some("A"), Some("111"))), Ok(SkuId(1)));
        assert_eq!(
            resolve(&skus, &k(Some("A"), Some("222"))),
            Err(SkuKeyProblem::Mismatch)
        );
        assert_eq!(
            resolve(&skus, &k(Some("A"), Some("999"))),
            Err(SkuKeyProblem::Mismatch)
        );
        assert_eq!(
            resolve(&skus, &k(Some("Z"), None)),
            Err(SkuKeyProblem::NotFound)
        );
        assert_eq!(
            resolve(&skus, &k(Some(" "), None)),
            Err(SkuKeyProblem::Missing)
        );
    }
}
