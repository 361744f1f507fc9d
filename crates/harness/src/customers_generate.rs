//! Generators for customers (§F): Master Data states (profiles with shopper edits, addresses,
//! duplicates by email, Ponte's record of earlier writes) and ERP batches against them, all
//! from a seed. Batches are valid unless broken on purpose; their values come in the messy
//! forms ERPs send (mixed case, spaces, formatted CPFs, unformatted postal codes).

use crate::bench::SplitMix;
use ponte_core::customers::{
    AdDocument, Address, AddressField, ClDocument, CustomerBatch, CustomerItem, CustomerState,
    MergePolicy, Profile, ProfileField, StaleAddresses, WrittenAddress, WrittenCustomer,
};

fn pick<'a>(rng: &mut SplitMix, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

/// A valid CPF from nine digits, check digits computed here (apart from the core).
pub fn cpf_from(base: [u32; 9]) -> String {
    let dv = |digits: &[u32]| {
        let n = digits.len() as u32 + 1;
        let s: u32 = digits
            .iter()
            .enumerate()
            .map(|(i, d)| d * (n - i as u32))
            .sum();
        let r = (s * 10) % 11;
        if r == 10 { 0 } else { r }
    };
    let mut d = base.to_vec();
    d.push(dv(&d));
    d.push(dv(&d));
    d.iter()
        .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
        .collect()
}

/// A random valid CPF (never all one digit).
pub fn random_cpf(rng: &mut SplitMix) -> String {
    let mut base = [0u32; 9];
    for (i, b) in base.iter_mut().enumerate() {
        *b = if i == 0 {
            1 + rng.below(9) as u32
        } else {
            rng.below(10) as u32
        };
    }
    base[8] = (base[0] + 1) % 10;
    cpf_from(base)
}

fn formatted_cpf(rng: &mut SplitMix, cpf: &str) -> String {
    if rng.chance(50) {
        format!("{}.{}.{}-{}", &cpf[..3], &cpf[3..6], &cpf[6..9], &cpf[9..])
    } else {
        cpf.to_owned()
    }
}

const FIRST: [&str; 8] = [
    "Ana",
    "José",
    "Zoë",
    "李",
    "Ñandú",
    "Maria Clara",
    "Ólafur",
    "João",
];
const LAST: [&str; 6] = ["Souza", "Ångström", "da Silva", "O'Brien", "Nguyễn", "Lima"];
const STREETS: [&str; 5] = [
    "Av. São João",
    "Rua Augusta",
    "Rua da Consolação",
    "Al. Santos",
    "Rua 7",
];

fn messy_email(rng: &mut SplitMix, local: &str) -> String {
    let e = format!("{local}@example.com");
    match rng.below(4) {
        0 => e.to_uppercase(),
        1 => format!("  {e} "),
        _ => e,
    }
}

fn address(rng: &mut SplitMix, name: Option<String>) -> Address {
    let digits = format!("{:08}", rng.next_u64() % 100_000_000);
    Address {
        address_name: name,
        street: Some(pick(rng, &STREETS).to_owned()),
        number: Some(format!("{}", 1 + rng.below(3))),
        city: Some("São Paulo".into()),
        state: Some("SP".into()),
        country: Some(pick(rng, &["BRA", "bra"]).to_owned()),
        postal_code: Some(if rng.chance(50) {
            digits
        } else {
            format!("{}-{}", &digits[..5], &digits[5..])
        }),
        complement: rng.chance(30).then(|| format!("apto {}", rng.below(5))),
        ..Address::default()
    }
}

/// A generated case: what VTEX holds and the ERP's batch.
#[derive(Debug, Clone)]
pub struct CustomerCase {
    pub account: String,
    pub state: CustomerState,
    pub batch: CustomerBatch,
}

/// A state of up to 8 people and a valid batch naming some of them (and new ones).
pub fn customer_case(rng: &mut SplitMix) -> CustomerCase {
    let people = 1 + rng.below(8);
    let mut state = CustomerState::default();
    let mut customers = Vec::new();
    for p in 0..people {
        let local = format!("p{p}+tag{}", rng.below(3));
        let cpf = random_cpf(rng);
        let in_vtex = rng.chance(60);
        let id = format!(
            "{:08x}-0000-4000-8000-{:012x}",
            p,
            rng.next_u64() % (1 << 48)
        );
        if in_vtex {
            let mut profile = Profile {
                email: Some(messy_email(rng, &local)),
                first_name: rng.chance(70).then(|| pick(rng, &FIRST).to_owned()),
                last_name: rng.chance(70).then(|| pick(rng, &LAST).to_owned()),
                phone: rng.chance(30).then(|| "+5511999990000".to_owned()),
                is_newsletter_opt_in: rng.chance(50).then(|| rng.chance(50)),
                ..Profile::default()
            };
            if rng.chance(40) {
                profile.document_type = Some("CPF".into());
                profile.document = Some(formatted_cpf(rng, &cpf));
            }
            state.profiles.push(ClDocument {
                id: id.clone(),
                updated_in: None,
                profile: profile.clone(),
            });
            let mut written_addresses = Vec::new();
            for a in 0..rng.below(3) {
                let name = rng.chance(70).then(|| format!("addr{a}"));
                let address = address(rng, name);
                let aid = format!("{id}-a{a}");
                if rng.chance(50) {
                    written_addresses.push(WrittenAddress {
                        id: aid.clone(),
                        address: address.clone(),
                    });
                }
                state.addresses.push(AdDocument {
                    id: aid,
                    user_id: id.clone(),
                    address,
                });
            }
            if rng.chance(50) {
                // Ponte wrote this profile before; some fields since edited by the shopper.
                let mut base = profile.clone();
                if rng.chance(50) {
                    base.first_name = Some(pick(rng, &FIRST).to_owned());
                }
                state.written.push(WrittenCustomer {
                    email: local.to_lowercase() + "@example.com",
                    profile_id: id.clone(),
                    profile: base,
                    addresses: written_addresses,
                    after: None,
                    read_updated_in: None,
                });
            }
            if rng.chance(10) {
                // A duplicate Master Data let through (§F.1).
                state.profiles.push(ClDocument {
                    id: format!("{id}-dup"),
                    updated_in: None,
                    profile: Profile {
                        email: Some(local.clone() + "@example.com"),
                        ..Profile::default()
                    },
                });
            }
        }
        if rng.chance(75) {
            let mut profile = Profile {
                email: Some(messy_email(rng, &local)),
                first_name: rng.chance(80).then(|| format!(" {} ", pick(rng, &FIRST))),
                last_name: rng.chance(80).then(|| pick(rng, &LAST).to_owned()),
                is_newsletter_opt_in: rng.chance(50).then(|| rng.chance(50)),
                price_tables: rng.chance(30).then(|| "vip, b2b".to_owned()),
                ..Profile::default()
            };
            if rng.chance(40) && !in_vtex {
                profile.document_type = Some("CPF".into());
                profile.document = Some(formatted_cpf(rng, &cpf));
            }
            let mut addresses: Vec<Address> = (0..rng.below(3))
                .map(|a| {
                    let name = rng.chance(70).then(|| format!("addr{a}"));
                    address(rng, name)
                })
                .collect();
            // The generator may repeat a place; keep the first of each (the batch would be refused).
            let mut keys = std::collections::BTreeSet::new();
            let mut names = std::collections::BTreeSet::new();
            addresses.retain(|a| {
                let c = ponte_core::customers::canonical_address(a);
                let fresh_name = c.address_name.as_ref().is_none_or(|n| !names.contains(n));
                let fresh = fresh_name && !keys.contains(&ponte_core::customers::address_key(&c));
                if fresh {
                    keys.insert(ponte_core::customers::address_key(&c));
                    names.extend(c.address_name.clone());
                }
                fresh
            });
            customers.push(CustomerItem {
                profile,
                addresses,
                stale_addresses: None,
            });
        }
    }
    let policy = MergePolicy {
        erp_owns: rng.chance(30).then(|| {
            vec![
                ProfileField::Email,
                ProfileField::LastName,
                ProfileField::IsNewsletterOptIn,
            ]
        }),
        erp_wins: if rng.chance(30) {
            vec![ProfileField::LastName]
        } else {
            Vec::new()
        },
        address_erp_wins: if rng.chance(50) {
            AddressField::ALL.to_vec()
        } else {
            Vec::new()
        },
        stale_addresses: [
            StaleAddresses::Keep,
            StaleAddresses::RemoveWritten,
            StaleAddresses::RemoveAll,
        ][rng.below(3)],
        corporate_document_is_cnpj: true,
    };
    CustomerCase {
        account: "store".into(),
        state,
        batch: CustomerBatch { customers, policy },
    }
}
