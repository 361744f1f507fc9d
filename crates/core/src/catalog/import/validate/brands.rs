//! Brands, and the inactive placeholder department and brand.

use super::rules::{fold, is_valid_link_id, name_ok};
use super::{C, Change, RBrand, RCategory, SEC_BRANDS, V, bump};
use crate::catalog::import::batch::BrandInput;
use crate::catalog::import::model::{Brand, BrandId};
use crate::catalog::{Category, MAX_NAME};
use crate::ids::CategoryId;
use std::collections::BTreeSet;

impl V<'_> {
    pub(super) fn brands(&mut self) {
        let mut existing: Vec<&Brand> = self.state.brands.iter().collect();
        existing.sort_by_key(|b| b.id);
        for b in &existing {
            self.brand_by_name.entry(fold(&b.name)).or_insert(b.id);
            self.brand_active.insert(b.id, b.is_active);
        }
        let mut seen = BTreeSet::new();
        for (i, b) in self.batch.brands.iter().enumerate() {
            self.brand(i, b, &mut seen);
        }
    }

    fn brand(&mut self, i: usize, b: &BrandInput, seen: &mut BTreeSet<String>) {
        let path = format!("brands[{i}]");
        if !name_ok(&b.name, MAX_NAME) {
            self.fail(
                SEC_BRANDS,
                i,
                format!("{path}.name"),
                C::BrandNameInvalid,
                format!("a brand name must be 1 to {MAX_NAME} characters after trimming"),
            );
            return;
        }
        if let Some(l) = &b.link_id
            && !is_valid_link_id(l)
        {
            self.fail(
                SEC_BRANDS,
                i,
                format!("{path}.linkId"),
                C::BrandLinkIdInvalid,
                format!("linkId \"{l}\" may hold only lowercase letters and hyphens"),
            );
        }
        let key = fold(&b.name);
        let name = b.name.trim().to_owned();
        if !seen.insert(key.clone()) {
            self.fail(
                SEC_BRANDS,
                i,
                path,
                C::BrandDuplicate,
                format!("brand \"{name}\" appears more than once (names are compared trimmed and case-insensitively)"),
            );
            return;
        }
        let (id, link_id, is_active, change) = match self.brand_by_name.get(&key).copied() {
            Some(id) => {
                let Some(old) = self.state.brands.iter().find(|x| x.id == id) else {
                    return;
                };
                let link_id = b.link_id.clone().or_else(|| old.link_id.clone());
                let is_active = b.is_active.unwrap_or(old.is_active);
                let differs =
                    old.name != name || old.link_id != link_id || old.is_active != is_active;
                let change = self.change_for(
                    differs,
                    SEC_BRANDS,
                    i,
                    &path,
                    &format!("brand \"{name}\""),
                    "name, linkId or isActive",
                );
                (id, link_id, is_active, change)
            }
            None => {
                let id = BrandId(bump(&mut self.next.brand));
                self.brand_by_name.insert(key, id);
                let is_active = b.is_active.unwrap_or(true);
                (id, b.link_id.clone(), is_active, Change::Create)
            }
        };
        self.brand_active.insert(id, is_active);
        self.brands.push(RBrand {
            path,
            id,
            name,
            link_id,
            is_active,
            change,
        });
    }

    /// The inactive placeholder department and brand, when asked for and needed.
    pub(super) fn placeholders(&mut self) {
        if !self.options.use_placeholders || !name_ok(&self.options.placeholder_name, MAX_NAME) {
            return;
        }
        let name = self.options.placeholder_name.trim().to_owned();
        let key = fold(&name);
        if self.batch.products.iter().any(|p| p.category.is_none()) {
            self.placeholder_department(&name, &key);
        }
        if self.batch.products.iter().any(|p| p.brand.is_none()) {
            match self.brand_by_name.get(&key) {
                Some(&id) => self.placeholder_brand = Some(id),
                None => {
                    let id = BrandId(bump(&mut self.next.brand));
                    self.brand_by_name.insert(key, id);
                    self.brand_active.insert(id, false);
                    self.placeholder_brand = Some(id);
                    self.brands.push(RBrand {
                        path: "options.placeholderName".to_owned(),
                        id,
                        name,
                        link_id: None,
                        is_active: false,
                        change: Change::Create,
                    });
                }
            }
        }
    }

    fn placeholder_department(&mut self, name: &str, key: &str) {
        let folded = vec![key.to_owned()];
        if let Some(&id) = self.cat_by_path.get(&folded) {
            self.placeholder_category = Some(id);
            return;
        }
        let id = CategoryId(bump(&mut self.next.category));
        let inserted = self.merged.insert_category(Category {
            id,
            name: name.to_owned(),
            father_category_id: None,
            is_active: false,
            has_children: None,
        });
        if inserted.is_ok() {
            self.cat_by_path.insert(folded, id);
            self.placeholder_category = Some(id);
            self.categories.push(RCategory {
                path: "options.placeholderName".to_owned(),
                id,
                depth: 1,
                change: Change::Create,
            });
        }
    }
}
