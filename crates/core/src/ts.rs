//! TypeScript declarations of the contract types, generated from the Rust types with ts-rs.
//! `xtask` writes them into the Node service; nothing else uses this module.

use crate::catalog::*;
use crate::ids::*;
use crate::sso::{Algorithm, Audience, Claims, Expected, Header, ValidToken, ValidateRequest};
use ts_rs::{Config, TS};

/// `export type ...` declarations for every type that crosses the wasm boundary, in
/// dependency order.
pub fn declarations() -> String {
    let cfg = Config::default();
    let decls = [
        CategoryId::decl(&cfg),
        GroupId::decl(&cfg),
        FieldId::decl(&cfg),
        FieldValueId::decl(&cfg),
        Category::decl(&cfg),
        SpecificationGroup::decl(&cfg),
        SpecificationField::decl(&cfg),
        SpecificationValue::decl(&cfg),
        CatalogSnapshot::decl(&cfg),
        FieldType::decl(&cfg),
        OriginScope::decl(&cfg),
        Origin::decl(&cfg),
        EffectiveValue::decl(&cfg),
        EffectiveField::decl(&cfg),
        PathEntry::decl(&cfg),
        EffectiveSpecifications::decl(&cfg),
        CategoryNode::decl(&cfg),
        MoveImpact::decl(&cfg),
        EffectiveSpecificationsRequest::decl(&cfg),
        CategoryTreeRequest::decl(&cfg),
        MoveImpactRequest::decl(&cfg),
        Audience::decl(&cfg),
        Algorithm::decl(&cfg),
        Expected::decl(&cfg),
        Header::decl(&cfg),
        Claims::decl(&cfg),
        ValidToken::decl(&cfg),
        ValidateRequest::decl(&cfg),
    ];
    let mut out = String::new();
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push('\n');
    }
    out
}
