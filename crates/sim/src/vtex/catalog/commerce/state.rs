//! The stored brands, products, SKUs and associations of one account ([`Commerce`]), as
//! records, with the entity kinds they are stored under (`catalog_entities`,
//! [`crate::vtex::catalog::tables`]).

use crate::platform::error::{ApiError, StoreError};
use crate::vtex::catalog::tables::{Change, Counters};
use ponte_core::catalog::import::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Brand ids start here, as on VTEX (`2000000`, `2000001`, ...), so a brand id is never mistaken
/// for a category id **[emulator choice]**.
pub const FIRST_BRAND_ID: u32 = 2_000_000;

/// The trade policies of every account: the main one only **[emulator default]**.
pub fn trade_policies() -> Vec<TradePolicy> {
    vec![TradePolicy {
        id: MAIN_TRADE_POLICY,
        name: "Main".to_owned(),
        is_active: true,
    }]
}

// ----- stored records -----

/// A brand as VTEX returns it (`GET /api/catalog/pvt/brand/{brandId}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BrandRecord {
    pub id: u32,
    pub name: String,
    pub text: Option<String>,
    pub keywords: Option<String>,
    pub site_title: Option<String>,
    pub ad_words_remarketing_code: Option<String>,
    pub lomadee_campaign_code: Option<String>,
    pub score: Option<i64>,
    pub menu_home: bool,
    pub active: bool,
    /// As sent (`null` when none was).
    pub link_id: Option<String>,
}

impl BrandRecord {
    pub fn to_core(&self) -> Brand {
        Brand {
            id: BrandId(self.id),
            name: self.name.clone(),
            link_id: self.link_id.clone(),
            is_active: self.active,
        }
    }
}

/// An SKU: ponte-core's model plus what only VTEX's shape has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkuRecord {
    pub sku: Sku,
    #[serde(default)]
    pub activate_if_possible: bool,
    /// Every EAN of the SKU (`sku.ean` is the first).
    #[serde(default)]
    pub eans: Vec<String>,
    #[serde(default)]
    pub cubic_weight: Option<f64>,
    #[serde(default)]
    pub creation_date: Option<String>,
    #[serde(default)]
    pub reward_value: Option<f64>,
    #[serde(default)]
    pub estimated_date_arrival: Option<String>,
    #[serde(default)]
    pub commercial_condition_id: Option<i64>,
    #[serde(default)]
    pub modal_type: Option<String>,
    #[serde(default)]
    pub kit_itens_sell_apart: bool,
    #[serde(default)]
    pub videos: Vec<String>,
}

/// One row of a product specification, with VTEX's row id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSpecRecord {
    pub id: u32,
    pub spec: ProductSpecification,
}

/// An SKU specification, with VTEX's row id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkuSpecRecord {
    pub id: u32,
    pub spec: SkuSpecification,
}

/// A kit component, with VTEX's id and unit price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KitRecord {
    pub id: u32,
    pub component: KitComponent,
    #[serde(default)]
    pub unit_price: Option<f64>,
}

pub(super) const BRAND: &str = "brand";
pub(super) const PRODUCT: &str = "product";
pub(super) const SKU: &str = "sku";
pub(super) const PRODUCT_SPEC: &str = "product_spec";
pub(super) const SKU_SPEC: &str = "sku_spec";
pub(super) const FILE: &str = "sku_file";
pub(super) const KIT: &str = "kit";
pub(super) const TRADE_LINKS: &str = "product_trade_policies";

/// One account's brands, products, SKUs and associations.
#[derive(Debug, Clone, Default)]
pub struct Commerce {
    pub brands: BTreeMap<u32, BrandRecord>,
    pub products: BTreeMap<u32, Product>,
    pub product_by_ref: BTreeMap<String, u32>,
    pub skus: BTreeMap<u32, SkuRecord>,
    pub sku_by_ref: BTreeMap<String, u32>,
    pub sku_by_ean: BTreeMap<String, u32>,
    pub product_specs: BTreeMap<u32, ProductSpecRecord>,
    pub sku_specs: BTreeMap<u32, SkuSpecRecord>,
    pub files: BTreeMap<u32, SkuImage>,
    pub kits: BTreeMap<u32, KitRecord>,
    /// Product → its trade policies.
    pub trade_links: BTreeMap<u32, BTreeSet<u32>>,
}

/// One kind of stored entity: its record, the kind it is stored under (`catalog_entities`) and
/// its map in [`Commerce`]. Loading, writing, removing and listing any entity go through it
/// ([`Commerce::put`], [`Commerce::remove`], [`Commerce::remove_where`], [`Commerce::rows`]).
pub trait Entity: Clone + Serialize + DeserializeOwned {
    const KIND: &'static str;
    fn map(c: &Commerce) -> &BTreeMap<u32, Self>;
    fn map_mut(c: &mut Commerce) -> &mut BTreeMap<u32, Self>;
}

macro_rules! entity {
    ($($record:ty => $kind:ident in $field:ident;)*) => {$(
        impl Entity for $record {
            const KIND: &'static str = $kind;
            fn map(c: &Commerce) -> &BTreeMap<u32, Self> {
                &c.$field
            }
            fn map_mut(c: &mut Commerce) -> &mut BTreeMap<u32, Self> {
                &mut c.$field
            }
        }
    )*};
}

entity! {
    BrandRecord => BRAND in brands;
    Product => PRODUCT in products;
    SkuRecord => SKU in skus;
    ProductSpecRecord => PRODUCT_SPEC in product_specs;
    SkuSpecRecord => SKU_SPEC in sku_specs;
    SkuImage => FILE in files;
    KitRecord => KIT in kits;
    BTreeSet<u32> => TRADE_LINKS in trade_links;
}

pub(super) fn decode<T: DeserializeOwned>(
    account: &str,
    kind: &str,
    id: u32,
    json: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|source| StoreError::Decode {
        entity: "catalog entity",
        key: format!("{account}/{kind}/{id}"),
        source,
    })
}

pub(super) fn encode<T: Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(format!("encode: {e}")))
}

impl Commerce {
    fn load_entity<E: Entity>(
        &mut self,
        account: &str,
        id: u32,
        json: &str,
    ) -> Result<(), StoreError> {
        let record = decode(account, E::KIND, id, json)?;
        E::map_mut(self).insert(id, record);
        Ok(())
    }

    /// Stores `record` as entity `id` and records the write.
    pub fn put<E: Entity>(
        &mut self,
        id: u32,
        record: E,
        changes: &mut Vec<Change>,
    ) -> Result<E, ApiError> {
        let json = encode(&record)?;
        changes.push(Change::Entity {
            kind: E::KIND,
            id,
            json: Some(json),
        });
        E::map_mut(self).insert(id, record.clone());
        Ok(record)
    }

    /// Removes entity `id` and records the delete.
    pub fn remove<E: Entity>(&mut self, id: u32, changes: &mut Vec<Change>) {
        E::map_mut(self).remove(&id);
        changes.push(Change::Entity {
            kind: E::KIND,
            id,
            json: None,
        });
    }

    /// Removes every entity that `select` picks; answers how many.
    pub fn remove_where<E: Entity>(
        &mut self,
        select: impl Fn(&E) -> bool,
        changes: &mut Vec<Change>,
    ) -> usize {
        let ids: Vec<u32> = E::map(self)
            .iter()
            .filter(|(_, e)| select(e))
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            self.remove::<E>(*id, changes);
        }
        ids.len()
    }

    /// The entities that `select` picks, in id order.
    pub fn rows<E: Entity>(&self, select: impl Fn(&E) -> bool) -> Vec<E> {
        E::map(self)
            .values()
            .filter(|e| select(e))
            .cloned()
            .collect()
    }

    /// Rebuilds the maps from the stored entities and moves the counters past every id in use.
    pub fn load(
        account: &str,
        entities: &[(String, u32, String)],
        counters: &mut Counters,
    ) -> Result<Self, StoreError> {
        let mut c = Commerce::default();
        for (kind, id, json) in entities {
            let (id, json) = (*id, json.as_str());
            match kind.as_str() {
                BRAND => c.load_entity::<BrandRecord>(account, id, json)?,
                PRODUCT => c.load_entity::<Product>(account, id, json)?,
                SKU => c.load_entity::<SkuRecord>(account, id, json)?,
                PRODUCT_SPEC => c.load_entity::<ProductSpecRecord>(account, id, json)?,
                SKU_SPEC => c.load_entity::<SkuSpecRecord>(account, id, json)?,
                FILE => c.load_entity::<SkuImage>(account, id, json)?,
                KIT => c.load_entity::<KitRecord>(account, id, json)?,
                TRADE_LINKS => c.load_entity::<BTreeSet<u32>>(account, id, json)?,
                _ => {}
            }
        }
        for p in c.products.values().cloned().collect::<Vec<_>>() {
            c.index_product(&p);
        }
        for s in c.skus.values().cloned().collect::<Vec<_>>() {
            c.index_sku(&s);
        }
        let max = |keys: Option<&u32>| keys.copied().unwrap_or(0);
        counters.brand = counters.brand.max(max(c.brands.keys().next_back()));
        counters.product = counters.product.max(max(c.products.keys().next_back()));
        counters.sku = counters.sku.max(max(c.skus.keys().next_back()));
        counters.product_spec = counters
            .product_spec
            .max(max(c.product_specs.keys().next_back()));
        counters.sku_spec = counters.sku_spec.max(max(c.sku_specs.keys().next_back()));
        counters.file = counters.file.max(max(c.files.keys().next_back()));
        counters.kit = counters.kit.max(max(c.kits.keys().next_back()));
        Ok(c)
    }

    pub fn is_empty(&self) -> bool {
        self.brands.is_empty() && self.products.is_empty()
    }

    pub(super) fn index_product(&mut self, p: &Product) {
        if let Some(r) = &p.ref_id {
            self.product_by_ref.insert(r.clone(), p.id.0);
        }
    }

    pub(super) fn unindex_product(&mut self, p: &Product) {
        if let Some(r) = &p.ref_id {
            self.product_by_ref.remove(r);
        }
    }

    pub(super) fn index_sku(&mut self, s: &SkuRecord) {
        if let Some(r) = &s.sku.ref_id {
            self.sku_by_ref.insert(r.clone(), s.sku.id.0);
        }
        for e in &s.eans {
            self.sku_by_ean.insert(e.clone(), s.sku.id.0);
        }
    }

    pub(super) fn unindex_sku(&mut self, s: &SkuRecord) {
        if let Some(r) = &s.sku.ref_id {
            self.sku_by_ref.remove(r);
        }
        for e in &s.eans {
            self.sku_by_ean.remove(e);
        }
    }
}
