//! Kit components, checked once every batch SKU has an id.

use super::{C, Change, PendingKit, RKit, RSku, SEC_PRODUCTS, V};
use crate::catalog::import::model::SkuId;
use std::collections::BTreeSet;

impl V<'_> {
    fn resolved_sku(&mut self, pi: usize, rsku_index: usize) -> Option<&mut RSku> {
        let path = format!("products[{pi}]");
        self.products
            .iter_mut()
            .find(|p| p.path == path)
            .and_then(|p| p.skus.get_mut(rsku_index))
    }

    /// Kit components, once every batch SKU has an id.
    pub(super) fn kits(&mut self, pending: Vec<PendingKit>) {
        for (pi, rsku_index, _si, comps) in pending {
            let Some(kit_id) = self.resolved_sku(pi, rsku_index).map(|s| s.id) else {
                // The product itself had errors: still check the components' own rules.
                for (r, q, path) in &comps {
                    self.check_component(pi, path, r, *q, None);
                }
                continue;
            };
            let resolved = self.kit_components(pi, kit_id, comps);
            if let Some(sku) = self.resolved_sku(pi, rsku_index) {
                let named: BTreeSet<SkuId> = resolved.iter().map(|k| k.component).collect();
                sku.kept_components.retain(|c| !named.contains(c));
                sku.kit = resolved;
            }
        }
    }

    fn kit_components(
        &mut self,
        pi: usize,
        kit_id: SkuId,
        comps: Vec<(String, u32, String)>,
    ) -> Vec<RKit> {
        let state = self.state;
        let mut seen = BTreeSet::new();
        let mut resolved = Vec::new();
        for (r, q, path) in comps {
            let Some(cid) = self.check_component(pi, &path, &r, q, Some(kit_id)) else {
                continue;
            };
            if !seen.insert(cid) {
                let message = format!("component \"{r}\" is listed twice");
                self.fail_product(pi, &path, C::SkuKitComponentInvalid, message);
                continue;
            }
            let change = match state
                .kit_components
                .iter()
                .find(|k| k.kit_sku_id == kit_id && k.component_sku_id == cid)
            {
                None => Change::Create,
                Some(k) => self.change_for(
                    k.quantity != q,
                    SEC_PRODUCTS,
                    pi,
                    &path,
                    &format!("kit component \"{r}\""),
                    "quantity",
                ),
            };
            resolved.push(RKit {
                path,
                component: cid,
                component_ref: r,
                quantity: q,
                change,
            });
        }
        resolved
    }

    fn check_component(
        &mut self,
        pi: usize,
        path: &str,
        r: &str,
        q: u32,
        kit: Option<SkuId>,
    ) -> Option<SkuId> {
        if q == 0 {
            let message = "a component's quantity must be positive";
            self.fail_product(pi, path, C::SkuKitComponentInvalid, message);
            return None;
        }
        let id = self
            .batch_sku_by_ref
            .get(r)
            .copied()
            .or_else(|| self.sku_by_ref.get(r).map(|s| s.id));
        match id {
            None => {
                let message = format!("no SKU with refId \"{r}\" in the batch or the catalog");
                self.fail_product(pi, path, C::SkuKitComponentNotFound, message);
                None
            }
            Some(id) if Some(id) == kit => {
                let message = "a kit cannot contain itself";
                self.fail_product(pi, path, C::SkuKitComponentInvalid, message);
                None
            }
            Some(id) => Some(id),
        }
    }
}
