//! `--seed demo`: a small but complete catalog for an empty account.
//!
//! Three departments, fourteen categories below them over three levels, a root-level group, groups on
//! departments and subcategories with Text, Multi-Line Text, Number, Combo, Radio and Checkbox
//! fields, SKU fields (Combo and Radio) with values, one inactive field and one inactive value.
//! It goes through the same validated operations as the API, in one store transaction, and
//! only into an account that is empty, so seeding twice creates nothing the second time.

use super::tables::Change;
use crate::platform::error::ApiError;
use crate::vtex::catalog::CatalogService;
use crate::vtex::catalog::account::AccountCatalog;
use crate::vtex::catalog::records::{CategoryInput, FieldInput, GroupInput, ValueInput};

/// Which seed to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    Demo,
}

/// Seeds `account` when it is empty; returns whether it did.
pub fn seed(service: &CatalogService, account: &str, seed: Seed) -> Result<bool, ApiError> {
    match seed {
        Seed::Demo => service.write(account, |a, changes| {
            if !a.is_empty() {
                return Ok(false);
            }
            demo(a, changes)?;
            Ok(true)
        }),
    }
}

struct Builder<'a> {
    a: &'a mut AccountCatalog,
    changes: &'a mut Vec<Change>,
}

impl Builder<'_> {
    fn category(&mut self, name: &str, father: Option<u32>, active: bool) -> Result<u32, ApiError> {
        let input = CategoryInput {
            name: Some(name.to_owned()),
            father_category_id: Some(father.map(i64::from)),
            title: Some(name.to_owned()),
            description: Some(format!("{name} at the Ponte demo store.")),
            keywords: Some(name.to_lowercase()),
            is_active: Some(active),
            show_in_store_front: Some(true),
            active_store_front_link: Some(true),
            show_brand_filter: Some(true),
            stock_keeping_unit_selection_mode: Some("SPECIFICATION".to_owned()),
            ..CategoryInput::default()
        };
        Ok(self.a.save_category(None, input, self.changes)?.id)
    }

    fn group(&mut self, name: &str, category: Option<u32>) -> Result<u32, ApiError> {
        let input = GroupInput {
            category_id: Some(category.map(i64::from)),
            name: Some(name.to_owned()),
            ..GroupInput::default()
        };
        Ok(self.a.save_group(None, input, self.changes)?.id)
    }

    fn field(
        &mut self,
        group: u32,
        name: &str,
        type_id: i32,
        sku: bool,
        active: bool,
    ) -> Result<u32, ApiError> {
        let input = FieldInput {
            field_type_id: Some(i64::from(type_id)),
            field_group_id: Some(i64::from(group)),
            name: Some(name.to_owned()),
            description: Some(name.to_owned()),
            is_filter: Some((5..=7).contains(&type_id)),
            is_required: Some(sku),
            is_on_product_details: Some(!sku),
            is_stock_keeping_unit: Some(sku),
            is_active: Some(active),
            ..FieldInput::default()
        };
        self.a.save_field(None, input, self.changes)
    }

    fn values(&mut self, field: u32, names: &[&str]) -> Result<(), ApiError> {
        for name in names {
            self.value(field, name, true)?;
        }
        Ok(())
    }

    fn value(&mut self, field: u32, name: &str, active: bool) -> Result<u32, ApiError> {
        let input = ValueInput {
            field_id: Some(i64::from(field)),
            name: Some((*name).to_owned()),
            is_active: Some(active),
            ..ValueInput::default()
        };
        Ok(self.a.save_value(None, input, self.changes)?.field_value_id)
    }
}

const TEXT: i32 = 1;
const MULTI_LINE_TEXT: i32 = 2;
const NUMBER: i32 = 4;
const COMBO: i32 = 5;
const RADIO: i32 = 6;
const CHECKBOX: i32 = 7;

fn demo(a: &mut AccountCatalog, changes: &mut Vec<Change>) -> Result<(), ApiError> {
    let mut b = Builder { a, changes };

    // Departments and categories (three levels).
    let apparel = b.category("Apparel", None, true)?;
    let electronics = b.category("Electronics", None, true)?;
    let home = b.category("Home & Garden", None, true)?;
    let men = b.category("Men", Some(apparel), true)?;
    let women = b.category("Women", Some(apparel), true)?;
    let _kids = b.category("Kids", Some(apparel), true)?;
    let _men_shirts = b.category("Shirts", Some(men), true)?;
    let men_shoes = b.category("Shoes", Some(men), true)?;
    let _dresses = b.category("Dresses", Some(women), true)?;
    let women_shoes = b.category("Shoes", Some(women), true)?;
    let phones = b.category("Phones", Some(electronics), true)?;
    let computers = b.category("Computers", Some(electronics), true)?;
    let smartphones = b.category("Smartphones", Some(phones), true)?;
    let _phone_accessories = b.category("Phone Accessories", Some(phones), true)?;
    let _laptops = b.category("Laptops", Some(computers), true)?;
    let kitchen = b.category("Kitchen", Some(home), true)?;
    let _garden = b.category("Garden", Some(home), true)?;

    // Root level: applies to every category.
    let general = b.group("General", None)?;
    b.field(general, "Country of origin", TEXT, false, true)?;

    // Apparel (department): product fields and the SKU variations every garment has.
    let apparel_details = b.group("Apparel details", Some(apparel))?;
    let material = b.field(apparel_details, "Material", COMBO, false, true)?;
    b.values(material, &["Cotton", "Polyester", "Wool"])?;
    b.value(material, "Linen", false)?; // the inactive value
    b.field(
        apparel_details,
        "Care instructions",
        MULTI_LINE_TEXT,
        false,
        true,
    )?;
    let apparel_variations = b.group("Apparel variations", Some(apparel))?;
    let size = b.field(apparel_variations, "Size", COMBO, true, true)?;
    b.values(size, &["S", "M", "L", "XL"])?;
    let color = b.field(apparel_variations, "Color", RADIO, true, true)?;
    b.values(color, &["Black", "White", "Blue"])?;

    // Shoes (subcategories): their own SKU field on top of the inherited ones.
    for shoes in [men_shoes, women_shoes] {
        let group = b.group("Shoe specifications", Some(shoes))?;
        let shoe_size = b.field(group, "Shoe size", COMBO, true, true)?;
        b.values(shoe_size, &["37", "38", "39", "40", "41", "42", "43"])?;
        let waterproof = b.field(group, "Waterproof", RADIO, false, true)?;
        b.values(waterproof, &["Yes", "No"])?;
    }

    // Electronics (department).
    let technical = b.group("Technical data", Some(electronics))?;
    b.field(technical, "Weight (g)", NUMBER, false, true)?;
    let connectivity = b.field(technical, "Connectivity", CHECKBOX, false, true)?;
    b.values(connectivity, &["Bluetooth", "Wi-Fi", "NFC", "5G"])?;
    b.field(technical, "Legacy code", TEXT, false, false)?; // the inactive field

    // Smartphones (subcategory).
    let phone = b.group("Smartphone", Some(smartphones))?;
    b.field(phone, "Screen size (in)", NUMBER, false, true)?;
    let storage = b.field(phone, "Storage", RADIO, true, true)?;
    b.values(storage, &["64 GB", "128 GB", "256 GB"])?;
    let finish = b.field(phone, "Finish", COMBO, true, true)?;
    b.values(finish, &["Graphite", "Silver", "Gold"])?;

    // Kitchen (category).
    let kitchen_group = b.group("Kitchen", Some(kitchen))?;
    b.field(kitchen_group, "Capacity (l)", NUMBER, false, true)?;
    let dishwasher = b.field(kitchen_group, "Dishwasher safe", RADIO, false, true)?;
    b.values(dishwasher, &["Yes", "No"])?;
    Ok(())
}

/// `POST /_sim/accounts/{account}/catalog/sample-skus?seed=&skus=` (a simulator extension for
/// benchmarks): `skus` SKUs under products of four, in one category (`Bench/Items`) and brand,
/// named as the ERP's price list and stock counts name them (`RefId` `S{seed}-000001`…, the same
/// EANs, `crate::erp::stock_prices`), through the same validated operations as the API, in one
/// store transaction. Only into an account with no SKUs yet; answers how many it created.
pub fn sample_skus(
    service: &CatalogService,
    account: &str,
    seed: u64,
    skus: usize,
) -> Result<usize, ApiError> {
    use crate::vtex::catalog::commerce::{ProductInput, SkuInput};
    service.write(account, |a, changes| {
        if !a.export().skus.is_empty() {
            return Err(ApiError::conflict(
                "SAMPLE_SKUS_EXIST",
                "the account already has SKUs",
            ));
        }
        let mut product = 0;
        for n in 1..=skus {
            if (n - 1) % 4 == 0 {
                let p = a.create_product(
                    ProductInput {
                        name: Some(format!("Bench product {}", n / 4 + 1)),
                        category_path: Some("Bench/Items".to_owned()),
                        brand_name: Some("Brand 01".to_owned()),
                        ref_id: Some(format!("P{seed}-{:06}", n / 4 + 1)),
                        ..ProductInput::default()
                    },
                    changes,
                )?;
                product = p.id.0;
            }
            a.create_sku(
                SkuInput {
                    product_id: Some(i64::from(product)),
                    name: Some(format!("Bench SKU {n}")),
                    ref_id: Some(format!("S{seed}-{n:06}")),
                    ean: Some(format!(
                        "{:013}",
                        7_890_000_000_000u64 + (seed % 1000) * 1_000_000 + n as u64
                    )),
                    packaged_height: Some(10.0),
                    packaged_length: Some(10.0),
                    packaged_width: Some(10.0),
                    packaged_weight_kg: Some(100.0),
                    ..SkuInput::default()
                },
                changes,
            )?;
        }
        Ok(skus)
    })
}
