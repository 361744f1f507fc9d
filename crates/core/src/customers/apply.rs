//! The reference executor of a customer plan over an in-memory Master Data: what VTEX holds
//! after every write succeeded, and Ponte's record replaced. Tests use it to prove that a plan
//! applied and planned again writes nothing.

use super::model::{AdDocument, ClDocument, bare_id};
use super::sync::{CustomerPlan, CustomerState, Entity, WriteMethod};

/// `state` after `plan`'s writes (§F.2: an upsert creates or updates the listed fields, a
/// patch updates the listed fields, a delete removes).
pub fn apply_customer_plan(state: &CustomerState, plan: &CustomerPlan) -> CustomerState {
    let mut out = state.clone();
    for w in &plan.writes {
        match (w.entity, w.method) {
            (Entity::Cl, WriteMethod::Delete) => out.profiles.retain(|p| bare_id(&p.id) != w.id),
            (Entity::Ad, WriteMethod::Delete) => out.addresses.retain(|a| bare_id(&a.id) != w.id),
            (Entity::Cl, method) => {
                let fields = w.profile.clone().unwrap_or_default();
                match out.profiles.iter_mut().find(|p| bare_id(&p.id) == w.id) {
                    Some(p) => {
                        for (f, v) in fields.present() {
                            p.profile.set(f, Some(v));
                        }
                    }
                    None if method == WriteMethod::Upsert => out.profiles.push(ClDocument {
                        id: w.id.clone(),
                        profile: fields,
                    }),
                    None => {}
                }
            }
            (Entity::Ad, method) => {
                let fields = w.address.clone().unwrap_or_default();
                match out.addresses.iter_mut().find(|a| bare_id(&a.id) == w.id) {
                    Some(a) => {
                        for (f, v) in fields.present() {
                            a.address.set(f, Some(v));
                        }
                        if let Some(u) = &w.user_id {
                            a.user_id = u.clone();
                        }
                    }
                    None if method == WriteMethod::Upsert => out.addresses.push(AdDocument {
                        id: w.id.clone(),
                        user_id: w.user_id.clone().unwrap_or_default(),
                        address: fields,
                    }),
                    None => {}
                }
            }
        }
    }
    for rec in &plan.written {
        match out.written.iter_mut().find(|w| w.email == rec.email) {
            Some(w) => *w = rec.clone(),
            None => out.written.push(rec.clone()),
        }
    }
    out
}
