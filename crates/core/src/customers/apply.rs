//! The reference executor of a customer plan over an in-memory Master Data: what VTEX holds
//! after every write succeeded, and Ponte's record replaced. Tests use it to prove that a plan
//! applied and planned again writes nothing.

use super::model::{AdDocument, ClDocument, bare_id};
use super::sync::{CustomerPlan, CustomerState, Entity, WriteMethod};
use std::collections::BTreeMap;

/// `state` after `plan`'s writes (§F.2: an upsert creates or updates the listed fields, a
/// patch updates the listed fields, a delete removes).
pub fn apply_customer_plan(state: &CustomerState, plan: &CustomerPlan) -> CustomerState {
    let mut out = state.clone();
    let mut cl = index(out.profiles.iter().map(|p| p.id.as_str()));
    let mut ad = index(out.addresses.iter().map(|a| a.id.as_str()));
    for w in &plan.writes {
        match (w.entity, w.method) {
            (Entity::Cl, WriteMethod::Delete) => {
                out.profiles.retain(|p| bare_id(&p.id) != w.id);
                cl = index(out.profiles.iter().map(|p| p.id.as_str()));
            }
            (Entity::Ad, WriteMethod::Delete) => {
                out.addresses.retain(|a| bare_id(&a.id) != w.id);
                ad = index(out.addresses.iter().map(|a| a.id.as_str()));
            }
            (Entity::Cl, method) => {
                let fields = w.profile.clone().unwrap_or_default();
                match cl.get(&w.id).and_then(|&i| out.profiles.get_mut(i)) {
                    Some(p) => {
                        for (f, v) in fields.present() {
                            p.profile.set(f, Some(v));
                        }
                    }
                    None if method == WriteMethod::Upsert => {
                        cl.insert(w.id.clone(), out.profiles.len());
                        out.profiles.push(ClDocument {
                            id: w.id.clone(),
                            updated_in: None,
                            profile: fields,
                        });
                    }
                    None => {}
                }
            }
            (Entity::Ad, method) => {
                let fields = w.address.clone().unwrap_or_default();
                match ad.get(&w.id).and_then(|&i| out.addresses.get_mut(i)) {
                    Some(a) => {
                        for (f, v) in fields.present() {
                            a.address.set(f, Some(v));
                        }
                        if let Some(u) = &w.user_id {
                            a.user_id = u.clone();
                        }
                    }
                    None if method == WriteMethod::Upsert => {
                        ad.insert(w.id.clone(), out.addresses.len());
                        out.addresses.push(AdDocument {
                            id: w.id.clone(),
                            user_id: w.user_id.clone().unwrap_or_default(),
                            address: fields,
                        });
                    }
                    None => {}
                }
            }
        }
    }
    let mut written: BTreeMap<String, usize> = out
        .written
        .iter()
        .enumerate()
        .map(|(i, w)| (w.email.clone(), i))
        .collect();
    for rec in &plan.written {
        match written
            .get(&rec.email)
            .and_then(|&i| out.written.get_mut(i))
        {
            Some(w) => *w = rec.clone(),
            None => {
                written.insert(rec.email.clone(), out.written.len());
                out.written.push(rec.clone());
            }
        }
    }
    out
}

fn index<'a>(ids: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    ids.enumerate()
        .map(|(i, id)| (bare_id(id).to_owned(), i))
        .collect()
}
