//! The native schema's SDL equals `graphql/schema.graphql`.
//!
//! Both are parsed with `async_graphql::parser` and normalised to one canonical text per type:
//! kind, name, description, interfaces, then fields in declared order with their type,
//! description and arguments (type, default, description), or enum values with descriptions.
//! Compared: everything above, descriptions included (trimmed), so that introspection shows
//! the same documentation natively and on VTEX IO. Ignored: directives (`@auth`,
//! `@cacheControl`, ... are VTEX IO's business), directive definitions, the built-in scalars
//! and an explicit `schema { query: Query, mutation: Mutation }` (checked to name those).

use async_graphql::parser::{
    parse_schema,
    types::{FieldDefinition, InputValueDefinition, TypeKind, TypeSystemDefinition},
};
use std::collections::BTreeMap;
use std::fmt::Write;

const SCHEMA_FILE: &str = include_str!("../../../graphql/schema.graphql");
const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

fn desc(d: &Option<async_graphql::Positioned<String>>) -> String {
    match d {
        Some(d) => format!(" {:?}", d.node.trim()),
        None => String::new(),
    }
}

fn input_value(out: &mut String, indent: &str, v: &InputValueDefinition) {
    let default = v
        .default_value
        .as_ref()
        .map(|d| format!(" = {}", d.node))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{indent}{}: {}{default}{}",
        v.name.node,
        v.ty.node,
        desc(&v.description)
    );
}

fn field(out: &mut String, f: &FieldDefinition) {
    let _ = writeln!(
        out,
        "  {}: {}{}",
        f.name.node,
        f.ty.node,
        desc(&f.description)
    );
    for a in &f.arguments {
        input_value(out, "    (arg) ", &a.node);
    }
}

/// Canonical text per type name.
fn normalise(sdl: &str) -> BTreeMap<String, String> {
    let doc = parse_schema(sdl).expect("SDL parses");
    let mut types = BTreeMap::new();
    for def in doc.definitions {
        match def {
            TypeSystemDefinition::Schema(s) => {
                let s = s.node;
                assert_eq!(
                    s.query.map(|q| q.node.to_string()).as_deref(),
                    Some("Query"),
                    "schema {{ query }}"
                );
                assert!(
                    s.mutation
                        .as_ref()
                        .is_none_or(|m| m.node.as_str() == "Mutation"),
                    "schema {{ mutation }} names Mutation"
                );
                assert!(s.subscription.is_none(), "no subscriptions yet");
            }
            TypeSystemDefinition::Directive(_) => {}
            TypeSystemDefinition::Type(t) => {
                let t = t.node;
                let name = t.name.node.to_string();
                if BUILT_IN_SCALARS.contains(&name.as_str()) {
                    continue;
                }
                let mut out = String::new();
                let extend = if t.extend { "extend " } else { "" };
                let kind = match &t.kind {
                    TypeKind::Scalar => "scalar",
                    TypeKind::Object(_) => "type",
                    TypeKind::Interface(_) => "interface",
                    TypeKind::Union(_) => "union",
                    TypeKind::Enum(_) => "enum",
                    TypeKind::InputObject(_) => "input",
                };
                let _ = writeln!(out, "{extend}{kind} {name}{}", desc(&t.description));
                match &t.kind {
                    TypeKind::Scalar => {}
                    TypeKind::Object(o) => {
                        for i in &o.implements {
                            let _ = writeln!(out, "  implements {}", i.node);
                        }
                        o.fields.iter().for_each(|f| field(&mut out, &f.node));
                    }
                    TypeKind::Interface(o) => {
                        for i in &o.implements {
                            let _ = writeln!(out, "  implements {}", i.node);
                        }
                        o.fields.iter().for_each(|f| field(&mut out, &f.node));
                    }
                    TypeKind::Union(u) => {
                        for m in &u.members {
                            let _ = writeln!(out, "  | {}", m.node);
                        }
                    }
                    TypeKind::Enum(e) => {
                        for v in &e.values {
                            let _ = writeln!(
                                out,
                                "  {}{}",
                                v.node.value.node,
                                desc(&v.node.description)
                            );
                        }
                    }
                    TypeKind::InputObject(i) => {
                        i.fields
                            .iter()
                            .for_each(|f| input_value(&mut out, "  ", &f.node));
                    }
                }
                assert!(
                    types.insert(name.clone(), out).is_none(),
                    "type {name} defined twice"
                );
            }
        }
    }
    types
}

#[track_caller]
fn assert_same(native: &BTreeMap<String, String>, file: &BTreeMap<String, String>) {
    let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(native),
        names(file),
        "type names: native (left) vs graphql/schema.graphql (right)"
    );
    for (name, text) in file {
        assert_eq!(
            &native[name], text,
            "type {name}: native (left) vs graphql/schema.graphql (right)"
        );
    }
}

#[test]
fn native_sdl_equals_schema_file() {
    let native = normalise(&ponte_graphql::schema().sdl());
    let file = normalise(SCHEMA_FILE);
    assert!(
        file.contains_key("Query") && file.len() >= 10,
        "the schema file was read: {:?}",
        file.keys()
    );
    assert_same(&native, &file);
}

/// The comparison sees the differences that matter (so the test above can fail).
#[test]
fn normalisation_detects_changes() {
    let file = normalise(SCHEMA_FILE);
    let changes = [
        ("category(id: ID!): Category", "category(id: ID): Category"),
        (
            "categoryTree: [CategoryNode!]!",
            "categoryTree: [CategoryNode!]",
        ),
        ("  OWN\n", "  OWN\n  OTHER\n"),
        ("\"1 for a department.\"", "\"1 for a top category.\""),
        ("  isLeaf: Boolean!\n  children", "  children"),
        ("type SpecificationValue {", "type SpecificationValue2 {"),
    ];
    for (from, to) in changes {
        assert!(SCHEMA_FILE.contains(from), "{from:?} is in the schema file");
        let changed = normalise(&SCHEMA_FILE.replacen(from, to, 1));
        assert_ne!(changed, file, "changing {from:?} to {to:?} must be noticed");
    }
    // Directives are not part of the comparison.
    let without_auth = SCHEMA_FILE.replace(" @auth(scope: PUBLIC)", "");
    assert_ne!(without_auth, SCHEMA_FILE);
    assert_eq!(normalise(&without_auth), file);
}
