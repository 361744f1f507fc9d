//! A naive reference of the customer merge (§F.4), written apart from `ponte-core`: records as
//! JSON objects, canonical forms by string surgery for the shapes the generator makes, the
//! profile matched by a linear scan, and each field's outcome by the rule's plain statement:
//! the ERP's value unless VTEX already has it, or holds a value Ponte did not write and the ERP
//! does not win that field.

use ponte_core::customers::{CustomerBatch, CustomerState};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A field's canonical text, for the shapes the generator makes.
pub fn canon(field: &str, v: &str) -> String {
    let t = v.trim();
    match field {
        "email" => t.to_lowercase(),
        "document" => t.chars().filter(char::is_ascii_digit).collect(),
        "priceTables" => t.split(',').map(str::trim).collect::<Vec<_>>().join(","),
        "country" => t.to_uppercase(),
        "postalCode" => {
            let d: String = t.chars().filter(char::is_ascii_digit).collect();
            if d.len() == 8 {
                format!("{}-{}", &d[..5], &d[5..])
            } else {
                t.to_owned()
            }
        }
        _ => t.to_owned(),
    }
}

/// A record as canonical field → value, empty text left out.
pub fn canon_record<T: serde::Serialize>(r: &T) -> BTreeMap<String, Value> {
    let Ok(Value::Object(m)) = serde_json::to_value(r) else {
        return BTreeMap::new();
    };
    m.into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => {
                let c = canon(&k, &s);
                (!c.is_empty()).then_some((k, Value::String(c)))
            }
            Value::Bool(_) => Some((k, v)),
            _ => None,
        })
        .collect()
}

/// The profile each batch customer should have after the sync, by the customer's index: the
/// id it lands on (`None` for a new profile) and its canonical fields.
pub fn expected_profiles(
    account: &str,
    state: &CustomerState,
    batch: &CustomerBatch,
) -> Vec<(Option<String>, BTreeMap<String, Value>)> {
    let owned = |f: &str| match &batch.policy.erp_owns {
        None => true,
        Some(list) => list.iter().any(|o| o.name() == f),
    };
    let wins = |f: &str| batch.policy.erp_wins.iter().any(|o| o.name() == f);
    let mut out = Vec::new();
    for item in &batch.customers {
        let erp = canon_record(&item.profile);
        let email = erp.get("email").cloned().unwrap_or(Value::Null);
        let ours = ponte_core::customers::profile_id_for(account, email.as_str().unwrap_or(""));
        let candidates: Vec<_> = state
            .profiles
            .iter()
            .filter(|d| canon_record(&d.profile).get("email") == Some(&email))
            .collect();
        let found = candidates
            .iter()
            .find(|d| d.id == ours)
            .or(candidates.first());
        let Some(doc) = found else {
            let fields = erp
                .into_iter()
                .filter(|(k, _)| owned(k) || k == "email")
                .collect();
            out.push((None, fields));
            continue;
        };
        let current = canon_record(&doc.profile);
        let base = state
            .written
            .iter()
            .find(|w| Some(w.email.as_str()) == email.as_str() && w.profile_id == doc.id)
            .map(|w| canon_record(&w.profile))
            .unwrap_or_default();
        let mut fields: Map<String, Value> = current.clone().into_iter().collect();
        for (k, e) in erp {
            if !owned(&k) {
                continue;
            }
            let c = current.get(&k);
            let edited = c.is_some() && c != Some(&e) && c != base.get(&k);
            if !edited || wins(&k) {
                fields.insert(k, e);
            }
        }
        out.push((Some(doc.id.clone()), fields.into_iter().collect()));
    }
    out
}
