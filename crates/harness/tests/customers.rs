//! Customers (§F): the validators against tables of real-world cases, the merge against a naive
//! reference model on generated Master Data states and ERP batches, and the plans applied to
//! the state they were planned on.
//!
//! Checked on every generated case:
//! - each batch customer's profile after the plan equals the reference's: the ERP's owned
//!   values unless VTEX already had them or holds a value Ponte did not write and the ERP does
//!   not win that field (§F.4);
//! - profiles outside the batch, and every field the ERP does not give, are untouched;
//! - a plan applied and planned again writes nothing (idempotence), and applying it twice
//!   changes nothing more;
//! - one CL per email is created at most, with Ponte's derived id; every AD written links to a
//!   CL that exists, by its bare id, and comes after its CL in the plan (§F.5);
//! - every ERP address is there afterwards; with `removeAll` nothing else is; with `keep` no
//!   address of the customer disappears.

use ponte_core::customers::{
    CustomerBatch, CustomerEmail, CustomerItem, CustomerState, Entity, Profile, StaleAddresses,
    WriteMethod, address_key, apply_customer_plan, canonical_address, normalize_customer_email,
    plan_customers,
    validate::{normalize_cnpj, normalize_cpf, normalize_email},
    validate_batch,
};
use ponte_harness::bench::SplitMix;
use ponte_harness::customers_generate::{cpf_from, customer_case};
use ponte_harness::customers_model::{canon_record, expected_profiles};
use ponte_harness::property_config;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::collections::BTreeSet;

fn fail(e: impl std::fmt::Debug) -> TestCaseError {
    TestCaseError::fail(format!("{e:?}"))
}

/// A CPF check written as the Receita Federal states it, apart from the core: both digits by
/// sum × 10 mod 11 (10 read as 0).
fn reference_cpf(raw: &str) -> bool {
    let d: Vec<u32> = raw.chars().filter_map(|c| c.to_digit(10)).collect();
    let clean = raw.chars().all(|c| c.is_ascii_digit() || ".- ".contains(c));
    if !clean || d.len() != 11 || d.iter().all(|x| *x == d[0]) {
        return false;
    }
    cpf_from([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]])
        == d.iter()
            .map(|x| char::from_digit(*x, 10).unwrap_or('x'))
            .collect::<String>()
}

#[test]
fn cpf_table() {
    let valid = [
        "529.982.247-25",
        "52998224725",
        "111.444.777-35",
        "000.000.001-91",
        " 390.533.447-05 ",
    ];
    let invalid = [
        "529.982.247-24",
        "111.111.111-11",
        "00000000000",
        "5299822472",
        "529982247250",
        "529.982.247/25",
        "529a98224725",
        "",
        "123.456.789-00",
    ];
    for v in valid {
        assert!(normalize_cpf(v).is_some(), "{v} is a valid CPF");
        assert!(reference_cpf(v), "{v} by the reference");
    }
    for v in invalid {
        assert_eq!(normalize_cpf(v), None, "{v} is not a CPF");
    }
}

#[test]
fn cnpj_table() {
    let valid = [
        "11.222.333/0001-81",
        "11222333000181",
        "11.444.777/0001-61",
        "33.000.167/0001-01",
        "60.701.190/0001-04",
    ];
    let invalid = [
        "11.222.333/0001-80",
        "11.111.111/1111-11",
        "1122233300018",
        "11.222.333.0001.81x",
    ];
    for v in valid {
        assert!(normalize_cnpj(v).is_some(), "{v} is a valid CNPJ");
    }
    for v in invalid {
        assert_eq!(normalize_cnpj(v), None, "{v} is not a CNPJ");
    }
}

#[test]
fn email_table() {
    let cases = [
        (
            "Ana.Souza+Promo@Gmail.com",
            Some("ana.souza+promo@gmail.com"),
        ),
        ("  JOAO@EMPRESA.COM.BR ", Some("joao@empresa.com.br")),
        (
            "first_last-1@sub.example.co",
            Some("first_last-1@sub.example.co"),
        ),
        ("o'brien@example.ie", Some("o'brien@example.ie")),
        ("a+b+c@x.io", Some("a+b+c@x.io")),
        ("a@b", None),
        ("a b@c.com", None),
        ("@x.com", None),
        ("a@.com", None),
        ("a@x..com", None),
        ("a@-x.com", None),
        ("ação@x.com", None),
        ("a@x.c0m", None),
        (".a@x.com", None),
        ("a@x.com@y.com", None),
    ];
    for (raw, want) in cases {
        assert_eq!(normalize_email(raw).ok().as_deref(), want, "{raw:?}");
        let op = normalize_customer_email(&CustomerEmail { email: raw.into() });
        assert_eq!(
            op.ok().map(|e| e.email).as_deref(),
            want,
            "{raw:?} through the operation"
        );
    }
}

#[test]
fn unicode_names_pass_and_control_characters_and_301_characters_do_not() {
    let names = [
        "José da Silva",
        "Zoë Ångström",
        "李小龍",
        "Ñandú",
        "Ólafur Þór",
        "محمد",
        "Nguyễn Văn A",
        "Ana 🙂",
    ];
    for n in names {
        assert!(validate_batch(&named(n)).is_ok(), "{n}");
    }
    for (n, code) in [
        ("Ana\u{0}", "CUSTOMER_TEXT_INVALID"),
        ("Ana\nSouza", "CUSTOMER_TEXT_INVALID"),
        (&*"é".repeat(301), "CUSTOMER_TEXT_TOO_LONG"),
    ] {
        let errors = validate_batch(&named(n)).expect_err("refused");
        assert_eq!(
            errors.iter().map(|e| e.code()).collect::<Vec<_>>(),
            vec![code]
        );
    }
    assert!(
        validate_batch(&named(&"é".repeat(300))).is_ok(),
        "300 characters of 2 bytes each"
    );
}

/// A batch of one customer, a@x.com, with `first_name`.
fn named(first_name: &str) -> CustomerBatch {
    CustomerBatch {
        customers: vec![CustomerItem {
            profile: Profile {
                email: Some("a@x.com".into()),
                first_name: Some(first_name.into()),
                ..Profile::default()
            },
            ..CustomerItem::default()
        }],
        ..CustomerBatch::default()
    }
}

proptest! {
    #![proptest_config(property_config(1000))]

    /// The core's CPF check and the reference agree on random digit strings, formatted or not,
    /// half of them valid by construction.
    #[test]
    fn cpf_matches_the_reference(seed in any::<u64>(), valid in any::<bool>(), dotted in any::<bool>()) {
        let mut rng = SplitMix::new(seed);
        let raw: String = if valid {
            ponte_harness::customers_generate::random_cpf(&mut rng)
        } else {
            (0..11).map(|_| char::from(b'0' + rng.below(10) as u8)).collect()
        };
        let raw = if dotted { format!("{}.{}.{}-{}", &raw[..3], &raw[3..6], &raw[6..9], &raw[9..]) } else { raw };
        prop_assert_eq!(normalize_cpf(&raw).is_some(), reference_cpf(&raw), "{}", raw);
        if valid {
            prop_assert!(normalize_cpf(&raw).is_some());
        }
    }

    /// §F.4 against the reference, idempotence and the plan's order (§F.5).
    #[test]
    fn the_merge_matches_the_reference_and_a_second_run_writes_nothing(seed in any::<u64>()) {
        let mut rng = SplitMix::new(seed);
        let case = customer_case(&mut rng);
        let plan = plan_customers(&case.account, &case.state, &case.batch).map_err(fail)?;
        let after = apply_customer_plan(&case.state, &plan);

        // Profiles as the reference says.
        let expected = expected_profiles(&case.account, &case.state, &case.batch);
        let mut touched = BTreeSet::new();
        for (i, (id, fields)) in expected.iter().enumerate() {
            let id = id.clone().unwrap_or_else(|| plan.written[i].profile_id.clone());
            let doc = after.profiles.iter().find(|d| d.id == id).ok_or_else(|| fail(("missing", &id)))?;
            prop_assert_eq!(&canon_record(&doc.profile), fields, "customer {} in {:?}", i, case);
            touched.insert(id);
        }
        // The rest untouched.
        for d in &case.state.profiles {
            if !touched.contains(&d.id) {
                prop_assert!(after.profiles.contains(d), "{:?} changed", d.id);
            }
        }
        // One new CL per new email, with Ponte's id; ADs after their CL, linked by the bare id.
        let mut seen_cl = BTreeSet::new();
        for w in &plan.writes {
            match w.entity {
                Entity::Cl => {
                    prop_assert!(seen_cl.insert(w.id.clone()), "two writes to CL {}", w.id);
                }
                Entity::Ad if w.method == WriteMethod::Upsert => {
                    let user = w.user_id.clone().ok_or_else(|| fail("no userId"))?;
                    prop_assert!(!user.starts_with("CL-"));
                    prop_assert!(after.profiles.iter().any(|p| p.id == user), "AD {} links to no CL", w.id);
                    if let Some(dep) = &w.depends_on {
                        prop_assert!(plan.writes.iter().position(|x| &x.key == dep) < plan.writes.iter().position(|x| x.key == w.key));
                    }
                }
                Entity::Ad => {}
            }
        }
        let emails = |s: &CustomerState| s.profiles.iter().filter_map(|p| p.profile.email.as_deref().map(|e| e.trim().to_lowercase())).collect::<Vec<_>>();
        let before_emails: BTreeSet<_> = emails(&case.state).into_iter().collect();
        let mut after_emails = emails(&after);
        after_emails.retain(|e| !before_emails.contains(e));
        let unique: BTreeSet<_> = after_emails.iter().collect();
        prop_assert_eq!(unique.len(), after_emails.len(), "a new email got two profiles");

        // Addresses.
        for (i, item) in case.batch.customers.iter().enumerate() {
            let id = &plan.written[i].profile_id;
            let mine: Vec<_> = after.addresses.iter().filter(|a| &a.user_id == id).collect();
            for a in &item.addresses {
                let c = canonical_address(a);
                let there = mine.iter().any(|m| {
                    let h = canonical_address(&m.address);
                    (c.address_name.is_some() && h.address_name == c.address_name) || address_key(&h) == address_key(&c)
                });
                prop_assert!(there, "customer {} address {:?} missing", i, a);
            }
            let stale = item.stale_addresses.unwrap_or(case.batch.policy.stale_addresses);
            let before: Vec<_> = case.state.addresses.iter().filter(|a| &a.user_id == id).collect();
            match stale {
                StaleAddresses::RemoveAll => prop_assert_eq!(mine.len(), item.addresses.len()),
                StaleAddresses::Keep => {
                    for b in before {
                        prop_assert!(mine.iter().any(|m| m.id == b.id), "kept address {} removed", b.id);
                    }
                }
                StaleAddresses::RemoveWritten => {}
            }
        }
        for a in &case.state.addresses {
            if !plan.written.iter().any(|w| w.profile_id == a.user_id) {
                prop_assert!(after.addresses.contains(a), "another customer's address changed");
            }
        }

        // Idempotence.
        let again = plan_customers(&case.account, &after, &case.batch).map_err(fail)?;
        prop_assert_eq!(&again.writes, &vec![], "second run writes in {:?}", case);
        prop_assert_eq!(apply_customer_plan(&after, &plan).profiles, after.profiles.clone());
    }
}
