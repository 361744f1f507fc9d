//! TypeScript declarations of the contract types, generated from the Rust types with ts-rs.
//! `xtask` writes them into the Node service; nothing else uses this module.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use ts_rs::{Config, TS, TypeVisitor};

/// The TypeScript face of one operation of the table ([`crate::ops`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The wasm-bindgen export.
    pub export: &'static str,
    /// The table's doc comment.
    pub doc: &'static str,
    /// The request's TypeScript type.
    pub request: String,
    /// The response's TypeScript type.
    pub response: String,
}

fn config() -> Config {
    // Every 64-bit integer in the contract is bounded to JavaScript's exact range (ids are
    // u32; times and money are checked), so they are plain numbers, not bigint.
    Config::default().with_large_int("number")
}

macro_rules! ts_table {
    ($($(#[doc = $doc:literal])* $export:ident $name:literal : $req:ty => $resp:ty = $f:path;)*) => {
        /// `export type ...` declarations for every type that crosses the wasm boundary: the
        /// request and response types of each operation and, recursively, every type they
        /// mention.
        pub fn declarations() -> String {
            let mut c = Collector {
                cfg: config(),
                seen: HashSet::new(),
                declared: HashMap::new(),
                conflicts: Vec::new(),
                out: String::new(),
            };
            $(
                c.visit::<$req>();
                c.visit::<$resp>();
            )*
            // Two Rust types exported under one TypeScript name: the second would silently
            // take the first one's shape in every signature. A build-time refusal (xtask).
            assert!(
                c.conflicts.is_empty(),
                "two types share a TypeScript name (rename one with #[ts(rename = ...)]): {:?}",
                c.conflicts
            );
            c.out
        }

        /// Each operation's export with its request and response types, in table order.
        pub fn signatures() -> Vec<Signature> {
            let cfg = config();
            vec![$(Signature {
                export: stringify!($export),
                doc: concat!($($doc),*),
                request: <$req as TS>::name(&cfg),
                response: <$resp as TS>::name(&cfg),
            }),*]
        }
    };
}
crate::for_each_operation!(ts_table);

struct Collector {
    cfg: Config,
    seen: HashSet<TypeId>,
    /// Generic types are visited once per instantiation but declared once (`Ref<T>`): name →
    /// declaration.
    declared: HashMap<String, String>,
    /// Names declared twice with different declarations.
    conflicts: Vec<String>,
    out: String,
}

impl TypeVisitor for Collector {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        if T::output_path().is_none() {
            // A primitive or a std container: declare what it contains.
            T::visit_dependencies(self);
            T::visit_generics(self);
            return;
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
        let decl = T::decl(&self.cfg);
        match self.declared.get(&T::ident(&self.cfg)) {
            Some(same) if *same == decl => return,
            Some(_) => {
                self.conflicts.push(T::ident(&self.cfg));
                return;
            }
            None => {
                self.declared.insert(T::ident(&self.cfg), decl.clone());
            }
        }
        self.out.push_str("export ");
        self.out.push_str(&decl);
        self.out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_exported_name_is_one_type() {
        // declarations() refuses two types under one name; payments, gift cards and anti-fraud
        // rename theirs (PaymentMovement, LedgerMovement, AntifraudAddress...).
        let d = super::declarations();
        assert!(
            d.contains("export type PaymentMovement = "),
            "payments PaymentMovement"
        );
        assert!(
            d.contains("export type LedgerMovement = "),
            "gift card LedgerMovement"
        );
    }
}
