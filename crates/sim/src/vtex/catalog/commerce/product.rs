//! Products and their trade-policy links (`/api/catalog/pvt/product`; §C.5, §C.8).

use super::input::ProductInput;
use super::input::*;
use super::state::*;
use crate::platform::error::ApiError;
use crate::vtex::catalog::account::AccountCatalog;
use crate::vtex::catalog::tables::Change;
use ponte_core::catalog::import::*;
use ponte_core::ids::CategoryId;
use std::collections::BTreeSet;

impl AccountCatalog {
    /// The account's catalog for ponte-core, with the one brand a product write names.
    fn state_with_brand(&self, brand: BrandId) -> CatalogState {
        let mut state = self.snapshot_state();
        state.brands = self
            .commerce
            .brands
            .get(&brand.0)
            .map(BrandRecord::to_core)
            .into_iter()
            .collect();
        state
    }

    /// Category and brand of a product write, checked with ponte-core's catalog.
    pub(super) fn product_refs(
        &self,
        category: u32,
        brand: u32,
    ) -> Result<(CategoryId, BrandId), ApiError> {
        let category = CategoryId(category);
        if self.catalog.category(category).is_none() {
            return Err(ApiError::bad(
                code(ImportErrorCode::CategoryNotFound),
                format!("category {category} does not exist"),
            ));
        }
        if !self.catalog.is_leaf(category) {
            return Err(ApiError::bad(
                code(ImportErrorCode::ProductCategoryNotLeaf),
                format!(
                    "category {category} has subcategories: a product must be in a leaf category"
                ),
            ));
        }
        if !self.commerce.brands.contains_key(&brand) {
            return Err(ApiError::bad(
                code(ImportErrorCode::BrandNotFound),
                format!("brand {brand} does not exist"),
            ));
        }
        Ok((category, BrandId(brand)))
    }

    pub(super) fn check_product_ref(
        &self,
        ref_id: &Option<String>,
        own: Option<u32>,
    ) -> Result<(), ApiError> {
        if let Some(r) = ref_id
            && let Some(other) = self.commerce.product_by_ref.get(r)
            && Some(*other) != own
        {
            return Err(ApiError::conflict(
                code(ImportErrorCode::ProductRefIdDuplicate),
                format!("product {other} already has RefId {r:?}"),
            ));
        }
        Ok(())
    }

    pub fn create_product(
        &mut self,
        input: ProductInput,
        changes: &mut Vec<Change>,
    ) -> Result<Product, ApiError> {
        let mut input = input;
        // The second shape (§C.5): `CategoryPath` ("Dept/Cat/Sub") and `BrandName` instead of
        // the ids, creating the categories and the brand that do not exist yet. Names match
        // case-insensitively within their father **[sim's choice: VTEX does not say]**.
        if input.category_id.is_none()
            && let Some(path) = input.category_path.clone()
        {
            input.category_id = Some(i64::from(self.category_by_path(&path, changes)?));
        }
        if input.brand_id.is_none()
            && let Some(name) = input.brand_name.clone()
        {
            input.brand_id = Some(i64::from(self.brand_by_name(&name, changes)?));
        }
        let patch = product_patch(&input)?;
        let category = input.category_id.ok_or_else(|| {
            ApiError::bad(
                code(ImportErrorCode::ProductCategoryMissing),
                "CategoryId is required",
            )
        })?;
        let brand = input.brand_id.ok_or_else(|| {
            ApiError::bad(
                code(ImportErrorCode::ProductBrandMissing),
                "BrandId is required",
            )
        })?;
        let (category, brand) = self.product_refs(
            positive_id(category, "CategoryId")?,
            positive_id(brand, "BrandId")?,
        )?;
        self.check_product_ref(&patch.ref_id, None)?;
        let products = &self.commerce.products;
        let id = allocate(
            &mut self.counters.product,
            1,
            input.id,
            |id| products.contains_key(&id),
            "product",
        )?;
        let state = self.state_with_brand(brand);
        let after = run(
            &state,
            vec![Operation::CreateProduct {
                category: existing(category),
                brand: existing(brand),
                product: patch,
            }],
            "PRODUCT_REFUSED",
        )?;
        let mut product = after
            .products
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("ponte-core created no product".into()))?;
        product.id = ProductId(id);
        self.put_product(None, product, changes)
    }

    pub fn update_product(
        &mut self,
        id: u32,
        input: ProductInput,
        changes: &mut Vec<Change>,
    ) -> Result<Product, ApiError> {
        let current = self.product(id)?.clone();
        if let Some(b) = input.id
            && b != 0
            && b != i64::from(id)
        {
            return Err(ApiError::InvalidBody(format!(
                "the body's Id {b} does not match the id {id} in the path"
            )));
        }
        let patch = product_patch(&input)?;
        let category = required_id(input.category_id, "CategoryId")?;
        let brand = required_id(input.brand_id, "BrandId")?;
        let (category, brand) = self.product_refs(category, brand)?;
        self.check_product_ref(&patch.ref_id, Some(id))?;
        let mut state = self.state_with_brand(brand);
        // A PUT replaces everything: the patch over a blanked copy (ponte-core's merge_for_put).
        state.products = vec![blank_product(&current)];
        let after = run(
            &state,
            vec![Operation::UpdateProduct {
                id: ProductId(id),
                category: existing(category),
                brand: existing(brand),
                patch,
            }],
            "PRODUCT_REFUSED",
        )?;
        let product = after
            .products
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("ponte-core lost the product".into()))?;
        self.put_product(Some(current), product, changes)
    }

    pub(super) fn put_product(
        &mut self,
        old: Option<Product>,
        product: Product,
        changes: &mut Vec<Change>,
    ) -> Result<Product, ApiError> {
        if let Some(old) = &old {
            self.commerce.unindex_product(old);
        }
        self.commerce.index_product(&product);
        self.commerce.put(product.id.0, product, changes)
    }

    pub fn product_by_ref(&self, ref_id: &str) -> Option<&Product> {
        self.commerce
            .product_by_ref
            .get(ref_id)
            .and_then(|id| self.commerce.products.get(id))
    }

    pub fn get_product(&self, id: u32) -> Result<Product, ApiError> {
        self.product(id).cloned()
    }

    pub fn department_of(&self, category: CategoryId) -> Option<u32> {
        self.catalog
            .path_ids(category)
            .ok()
            .and_then(|p| p.first().map(|c| c.0))
    }

    pub fn trade_policies_of(&self, product: u32) -> Vec<u32> {
        self.trade_policy_set(product).into_iter().collect()
    }

    pub fn link_trade_policy(
        &mut self,
        product: u32,
        policy: u32,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        let p = self.product(product)?.clone();
        if !trade_policies().iter().any(|t| t.id.0 == policy) {
            return Err(ApiError::not_found(
                code(ImportErrorCode::TradePolicyNotFound),
                format!("trade policy {policy} does not exist"),
            ));
        }
        let state = CatalogState {
            products: vec![p],
            trade_policies: trade_policies(),
            ..self.snapshot_state()
        };
        run(
            &state,
            vec![Operation::LinkProductTradePolicy {
                product: existing(ProductId(product)),
                trade_policy_id: TradePolicyId(policy),
            }],
            "TRADE_POLICY_LINK_REFUSED",
        )?;
        let mut links = self.trade_policy_set(product);
        if links.insert(policy) {
            self.commerce.put(product, links, changes)?;
        }
        Ok(())
    }

    fn trade_policy_set(&self, product: u32) -> BTreeSet<u32> {
        self.commerce
            .trade_links
            .get(&product)
            .cloned()
            .unwrap_or_default()
    }

    pub fn unlink_trade_policy(
        &mut self,
        product: u32,
        policy: u32,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        self.product(product)?;
        let mut links = self.trade_policy_set(product);
        if links.remove(&policy) {
            self.commerce.put(product, links, changes)?;
        }
        Ok(())
    }
}

impl AccountCatalog {
    /// The category at `path` ("Dept/Cat/Sub"), creating the levels that are missing.
    fn category_by_path(&mut self, path: &str, changes: &mut Vec<Change>) -> Result<u32, ApiError> {
        let names: Vec<&str> = path
            .split('/')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() {
            return Err(ApiError::bad(
                code(ImportErrorCode::ProductCategoryMissing),
                "CategoryPath names no category",
            ));
        }
        let mut father: Option<u32> = None;
        for name in names {
            let found = self
                .catalog
                .to_snapshot()
                .categories
                .iter()
                .find(|c| {
                    c.father_category_id.map(|f| f.0) == father && c.name.eq_ignore_ascii_case(name)
                })
                .map(|c| c.id.0);
            let id = match found {
                Some(id) => id,
                None => {
                    let input = crate::vtex::catalog::records::CategoryInput {
                        name: Some(name.to_owned()),
                        father_category_id: Some(father.map(i64::from)),
                        is_active: Some(true),
                        ..Default::default()
                    };
                    self.save_category(None, input, changes)?.id
                }
            };
            father = Some(id);
        }
        father.ok_or_else(|| ApiError::Internal("empty category path".into()))
    }

    /// The brand named `name`, created when there is none.
    fn brand_by_name(&mut self, name: &str, changes: &mut Vec<Change>) -> Result<u32, ApiError> {
        let found = self
            .commerce
            .brands
            .values()
            .find(|b| b.name.eq_ignore_ascii_case(name.trim()))
            .map(|b| b.id);
        match found {
            Some(id) => Ok(id),
            None => {
                let input = super::input::BrandInput {
                    name: Some(name.trim().to_owned()),
                    active: Some(true),
                    ..Default::default()
                };
                Ok(self.create_brand(input, changes)?.id)
            }
        }
    }
}
