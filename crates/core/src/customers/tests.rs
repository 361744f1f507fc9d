use super::*;
use serde_json::json;

fn batch(v: serde_json::Value) -> CustomerBatch {
    serde_json::from_value(v).expect("batch")
}

fn codes(errors: &[CustomerError]) -> Vec<(String, &'static str)> {
    errors.iter().map(|e| (e.path.clone(), e.code())).collect()
}

fn ana() -> serde_json::Value {
    json!({
        "email": " Ana.Souza+vip@Example.com ",
        "firstName": "Ana",
        "lastName": "Souza",
        "documentType": "CPF",
        "document": "529.982.247-25",
        "priceTables": "vip, b2c",
        "addresses": [{
            "addressName": "casa", "street": "Av. São João", "number": "100",
            "city": "São Paulo", "state": "SP", "country": "bra", "postalCode": "01035000"
        }]
    })
}

#[test]
fn a_new_customer_is_one_cl_upsert_then_its_addresses_linked_by_the_bare_id() {
    let b = batch(json!({"customers": [ana()]}));
    let plan = plan_customers("store", &CustomerState::default(), &b).expect("plan");
    assert_eq!(plan.writes.len(), 2);
    let (cl, ad) = (&plan.writes[0], &plan.writes[1]);
    assert_eq!((cl.entity, cl.method), (Entity::Cl, WriteMethod::Upsert));
    assert_eq!(cl.id, profile_id_for("store", "ana.souza+vip@example.com"));
    let p = cl.profile.as_ref().expect("profile");
    assert_eq!(p.email.as_deref(), Some("ana.souza+vip@example.com"));
    assert_eq!(p.document.as_deref(), Some("52998224725"));
    assert_eq!(p.price_tables.as_deref(), Some("vip,b2c"));
    assert_eq!((ad.entity, ad.method), (Entity::Ad, WriteMethod::Upsert));
    assert_eq!(ad.user_id.as_deref(), Some(cl.id.as_str()));
    assert!(!cl.id.starts_with("CL-"));
    assert_eq!(ad.depends_on.as_deref(), Some(cl.key.as_str()));
    let a = ad.address.as_ref().expect("address");
    assert_eq!(a.country.as_deref(), Some("BRA"));
    assert_eq!(a.postal_code.as_deref(), Some("01035-000"));
    assert_eq!(plan.summary.profiles_created, 1);
    assert_eq!(plan.summary.addresses_created, 1);

    let after = apply_customer_plan(&CustomerState::default(), &plan);
    let again = plan_customers("store", &after, &b).expect("plan");
    assert_eq!(again.writes, vec![]);
    assert_eq!(again.summary.unchanged, 1);
}

#[test]
fn a_shopper_edit_is_kept_unless_the_erp_wins_that_field() {
    let b = batch(json!({"customers": [ana()]}));
    let plan = plan_customers("store", &CustomerState::default(), &b).expect("plan");
    let mut state = apply_customer_plan(&CustomerState::default(), &plan);
    state.profiles[0].profile.first_name = Some("Aninha".into());
    state.profiles[0].profile.phone = Some("+5511999990000".into());
    let mut changed = ana();
    changed["lastName"] = json!("Souza Lima");
    let b2 = batch(json!({"customers": [changed.clone()]}));
    let plan = plan_customers("store", &state, &b2).expect("plan");
    assert_eq!(plan.writes.len(), 1);
    let patch = plan.writes[0].profile.as_ref().expect("patch");
    assert_eq!(patch.last_name.as_deref(), Some("Souza Lima"));
    assert_eq!(patch.first_name, None, "the shopper's first name stays");
    assert_eq!(plan.writes[0].method, WriteMethod::Patch);
    assert_eq!(plan.summary.shopper_edits_kept, 1);

    let wins = batch(json!({"customers": [changed], "policy": {"erpWins": ["firstName"]}}));
    let plan = plan_customers("store", &state, &wins).expect("plan");
    let patch = plan.writes[0].profile.as_ref().expect("patch");
    assert_eq!(patch.first_name.as_deref(), Some("Ana"));
    assert_eq!(
        patch.phone, None,
        "a field the ERP does not give is never touched"
    );
}

#[test]
fn fields_the_erp_does_not_own_are_not_written_to_an_existing_profile() {
    let state = CustomerState {
        profiles: vec![ClDocument {
            id: "CL-abc".into(),
            updated_in: None,
            profile: Profile {
                email: Some("ANA.SOUZA+VIP@example.com".into()),
                first_name: Some("A".into()),
                ..Profile::default()
            },
        }],
        ..CustomerState::default()
    };
    let b = batch(
        json!({"customers": [{"email": "ana.souza+vip@example.com", "firstName": "Ana", "lastName": "Souza", "isNewsletterOptIn": true}],
        "policy": {"erpOwns": ["email", "lastName", "isNewsletterOptIn"]}}),
    );
    let plan = plan_customers("store", &state, &b).expect("plan");
    assert_eq!(plan.writes.len(), 1);
    assert_eq!(plan.writes[0].id, "abc");
    let p = plan.writes[0].profile.as_ref().expect("patch");
    assert_eq!(p.first_name, None);
    assert_eq!(p.email, None, "the email matches once normalised");
    assert_eq!(p.last_name.as_deref(), Some("Souza"));
    assert_eq!(p.is_newsletter_opt_in, Some(true));
}

#[test]
fn validation_reports_every_problem_with_its_path() {
    let long = "x".repeat(301);
    let b = batch(json!({"customers": [
        {"email": "no-at.example.com"},
        {"email": "b@x.com", "documentType": "CPF", "document": "123.456.789-00", "firstName": long},
        {"email": "c@x.com", "isCorporate": true, "corporateDocument": "11.222.333/0001-82"},
        {"email": "d@x.com", "document": "1", "priceTables": "a,,b"},
        {"email": "e@x.com", "addresses": [
            {"street": "R", "city": "C", "country": "BR", "postalCode": "1"},
            {"street": "R", "city": "C", "country": "BRA", "postalCode": "123"},
            {"city": "C", "country": "USA"},
        ]},
        {"email": "f@x.com", "firstName": "tab\there"},
    ]}));
    let errors = validate_batch(&b).expect_err("invalid");
    assert_eq!(
        codes(&errors),
        vec![
            ("customers[0].email".into(), "CUSTOMER_EMAIL_INVALID"),
            ("customers[1].firstName".into(), "CUSTOMER_TEXT_TOO_LONG"),
            ("customers[1].document".into(), "CUSTOMER_DOCUMENT_INVALID"),
            (
                "customers[2].corporateName".into(),
                "CUSTOMER_CORPORATE_FIELD_MISSING"
            ),
            (
                "customers[2].stateRegistration".into(),
                "CUSTOMER_CORPORATE_FIELD_MISSING"
            ),
            (
                "customers[2].corporateDocument".into(),
                "CUSTOMER_CORPORATE_DOCUMENT_INVALID"
            ),
            (
                "customers[3].documentType".into(),
                "CUSTOMER_DOCUMENT_TYPE_MISSING"
            ),
            (
                "customers[3].priceTables".into(),
                "CUSTOMER_PRICE_TABLES_INVALID"
            ),
            (
                "customers[4].addresses[0].country".into(),
                "ADDRESS_COUNTRY_INVALID"
            ),
            (
                "customers[4].addresses[1].postalCode".into(),
                "ADDRESS_POSTAL_CODE_INVALID"
            ),
            (
                "customers[4].addresses[2].street".into(),
                "ADDRESS_FIELD_MISSING"
            ),
            (
                "customers[4].addresses[2].postalCode".into(),
                "ADDRESS_FIELD_MISSING"
            ),
            ("customers[5].firstName".into(), "CUSTOMER_TEXT_INVALID"),
        ]
    );
}

#[test]
fn fifty_price_tables_pass_and_fifty_one_do_not() {
    let list = |n: usize| {
        (0..n)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let ok = batch(json!({"customers": [{"email": "a@x.com", "priceTables": list(50)}]}));
    assert!(validate_batch(&ok).is_ok());
    let too_many = batch(json!({"customers": [{"email": "a@x.com", "priceTables": list(51)}]}));
    let errors = validate_batch(&too_many).expect_err("51");
    assert_eq!(
        codes(&errors),
        vec![(
            "customers[0].priceTables".into(),
            "CUSTOMER_PRICE_TABLES_INVALID"
        )]
    );
}

#[test]
fn a_batch_naming_one_person_twice_is_refused_with_both_places() {
    let b = batch(json!({"customers": [
        {"email": "A@x.com", "documentType": "CPF", "document": "52998224725"},
        {"email": "a@X.com "},
        {"email": "a@x.com", "documentType": "cpf", "document": "11144477735"},
        {"email": "b@x.com", "documentType": "CPF", "document": "529.982.247-25"},
    ]}));
    let errors = validate_batch(&b).expect_err("duplicates");
    assert_eq!(
        codes(&errors),
        vec![
            ("customers[1].email".into(), "CUSTOMER_DUPLICATE"),
            (
                "customers[2].document".into(),
                "CUSTOMER_EMAIL_TWO_DOCUMENTS"
            ),
            (
                "customers[3].document".into(),
                "CUSTOMER_DOCUMENT_TWO_EMAILS"
            ),
        ]
    );
    assert!(errors[0].message.contains("customers[0]"));
}

#[test]
fn the_document_is_the_second_key_and_a_split_identity_is_an_error() {
    let doc = |id: &str, email: &str, cpf: &str| ClDocument {
        id: id.into(),
        updated_in: None,
        profile: Profile {
            email: Some(email.into()),
            document_type: Some("CPF".into()),
            document: Some(cpf.into()),
            ..Profile::default()
        },
    };
    let state = CustomerState {
        profiles: vec![
            doc("p1", "old@x.com", "529.982.247-25"),
            doc("p2", "b@x.com", "11144477735"),
        ],
        ..CustomerState::default()
    };
    let by_doc = batch(
        json!({"customers": [{"email": "new@x.com", "documentType": "CPF", "document": "52998224725", "firstName": "Ana"}]}),
    );
    let plan = plan_customers("s", &state, &by_doc).expect("plan");
    assert_eq!(plan.writes[0].id, "p1");
    assert_eq!(plan.writes[0].method, WriteMethod::Patch);
    assert_eq!(
        plan.writes[0]
            .profile
            .as_ref()
            .and_then(|p| p.email.clone()),
        None,
        "an email someone else set is kept"
    );

    let split = batch(
        json!({"customers": [{"email": "b@x.com", "documentType": "CPF", "document": "52998224725"}]}),
    );
    let errors = plan_customers("s", &state, &split).expect_err("split");
    assert_eq!(
        codes(&errors),
        vec![("customers[0].document".into(), "CUSTOMER_IDENTITY_CONFLICT")]
    );
}

#[test]
fn duplicates_in_master_data_are_reported_and_one_is_written() {
    let ours = profile_id_for("s", "a@x.com");
    let state = CustomerState {
        profiles: vec![
            ClDocument {
                id: "zzz".into(),
                updated_in: None,
                profile: Profile {
                    email: Some("a@x.com".into()),
                    ..Profile::default()
                },
            },
            ClDocument {
                id: ours.clone(),
                updated_in: None,
                profile: Profile {
                    email: Some("A@x.com".into()),
                    ..Profile::default()
                },
            },
        ],
        ..CustomerState::default()
    };
    let b = batch(json!({"customers": [{"email": "a@x.com", "firstName": "Ana"}]}));
    let plan = plan_customers("s", &state, &b).expect("plan");
    assert_eq!(plan.writes.len(), 1);
    assert_eq!(plan.writes[0].id, ours, "Ponte's own id is preferred");
    assert_eq!(
        plan.duplicates,
        vec![DuplicateProfiles {
            customer: 0,
            kept: ours,
            others: vec!["zzz".into()]
        }]
    );
}

fn held_address(
    id: &str,
    user: &str,
    name: Option<&str>,
    street: &str,
    postal: &str,
) -> AdDocument {
    AdDocument {
        id: id.into(),
        user_id: user.into(),
        address: Address {
            address_name: name.map(str::to_owned),
            street: Some(street.into()),
            number: Some("100".into()),
            city: Some("São Paulo".into()),
            country: Some("BRA".into()),
            postal_code: Some(postal.into()),
            ..Address::default()
        },
    }
}

#[test]
fn addresses_match_by_name_then_by_the_normalised_address_and_stale_ones_stay_unless_asked() {
    let state = CustomerState {
        profiles: vec![ClDocument {
            id: "p1".into(),
            updated_in: None,
            profile: Profile {
                email: Some("a@x.com".into()),
                ..Profile::default()
            },
        }],
        addresses: vec![
            held_address("a1", "p1", Some("casa"), "Rua A", "01035-000"),
            held_address("a2", "p1", None, "AV. SAO JOAO", "01035000"),
            held_address("a3", "p1", Some("old"), "Rua Velha", "01035-000"),
            held_address("a4", "p9", Some("casa"), "Rua A", "01035-000"),
        ],
        ..CustomerState::default()
    };
    let addr = |name: &str, street: &str| json!({"addressName": name, "street": street, "number": "100", "city": "São Paulo", "country": "BRA", "postalCode": "01035-000"});
    let customer = json!({"email": "a@x.com", "addresses": [addr("casa", "Rua B"), addr("trabalho", "Av. São João")]});
    let b = batch(json!({"customers": [customer.clone()]}));
    let plan = plan_customers("s", &state, &b).expect("plan");
    let ids: Vec<(&str, WriteMethod)> = plan
        .writes
        .iter()
        .map(|w| (w.id.as_str(), w.method))
        .collect();
    // a1 by name: the street is a value Ponte never wrote, so it is the shopper's and stays;
    // a2 by the normalised address: its name is added.
    assert_eq!(ids, vec![("a2", WriteMethod::Patch)]);
    assert_eq!(
        plan.writes[0]
            .address
            .as_ref()
            .and_then(|a| a.address_name.clone())
            .as_deref(),
        Some("trabalho")
    );
    assert_eq!(
        plan.summary.shopper_edits_kept,
        1 + 1,
        "a1's street and a2's street spelling"
    );

    let remove = batch(
        json!({"customers": [customer.clone()], "policy": {"staleAddresses": "removeAll", "addressErpWins": ["street"]}}),
    );
    let plan = plan_customers("s", &state, &remove).expect("plan");
    let ids: Vec<(&str, WriteMethod)> = plan
        .writes
        .iter()
        .map(|w| (w.id.as_str(), w.method))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("a1", WriteMethod::Patch),
            ("a2", WriteMethod::Patch),
            ("a3", WriteMethod::Delete)
        ]
    );

    let written_only =
        batch(json!({"customers": [customer], "policy": {"staleAddresses": "removeWritten"}}));
    let plan = plan_customers("s", &state, &written_only).expect("plan");
    assert!(
        plan.writes.iter().all(|w| w.method != WriteMethod::Delete),
        "a3 is not Ponte's"
    );
}

#[test]
fn two_addresses_of_one_customer_that_are_one_place_are_refused() {
    let b = batch(json!({"customers": [{"email": "a@x.com", "addresses": [
        {"street": "Av. São João", "number": "100", "city": "SP", "country": "BRA", "postalCode": "01035-000"},
        {"street": "av sao joao", "number": "100", "city": "SP", "country": "bra", "postalCode": "01035000"},
    ]}]}));
    let errors = validate_batch(&b).expect_err("dup");
    assert_eq!(
        codes(&errors),
        vec![("customers[0].addresses[1]".into(), "ADDRESS_DUPLICATE")]
    );
}

#[test]
fn erp_wins_must_be_owned() {
    let b = batch(json!({"customers": [], "policy": {"erpOwns": ["email"], "erpWins": ["phone"]}}));
    let errors = validate_batch(&b).expect_err("policy");
    assert_eq!(
        codes(&errors),
        vec![("policy.erpWins[0]".into(), "CUSTOMER_POLICY_INVALID")]
    );
}

#[test]
fn derived_ids_are_uuid_shaped_and_stable() {
    let a = profile_id_for("store", "a@x.com");
    assert_eq!(a, profile_id_for("store", "a@x.com"));
    assert_ne!(a, profile_id_for("other", "a@x.com"));
    assert_eq!(a.len(), 36);
    assert_eq!(a.as_bytes()[14], b'8');
    assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
}

#[test]
fn the_operations_answer_through_the_table() {
    let out = crate::ops::call(
        "validateCustomerBatch",
        &json!({"batch": {"customers": [ana()]}}).to_string(),
    )
    .expect("ok");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    // The normalised forms Ponte writes, and the spellings another writer may have stored.
    assert_eq!(
        v["lookups"]["emails"],
        json!(["ana.souza+vip@example.com", "Ana.Souza+vip@Example.com"])
    );
    assert_eq!(
        v["lookups"]["documents"],
        json!([{"documentType": "CPF", "document": "52998224725"},
               {"documentType": "CPF", "document": "529.982.247-25"}])
    );
    let out = crate::ops::call(
        "planCustomerSync",
        &json!({"account": "s", "batch": {"customers": [ana()]}}).to_string(),
    )
    .expect("ok");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["plan"]["writes"][1]["userId"],
        v["plan"]["writes"][0]["id"]
    );
    let e = crate::ops::call("normalizeCustomerEmail", r#"{"email":"x"}"#).expect_err("bad");
    assert_eq!(e.code, "CUSTOMER_EMAIL_INVALID");
}

#[test]
fn a_street_type_abbreviation_is_the_same_street() {
    let a = |street: &str| Address {
        street: Some(street.into()),
        number: Some("100".into()),
        country: Some("BRA".into()),
        postal_code: Some("01035-000".into()),
        ..Address::default()
    };
    assert_eq!(
        address_key(&a("Avenida São João")),
        address_key(&a("Av. Sao Joao"))
    );
    assert_eq!(
        address_key(&a("R. Augusta")),
        address_key(&a("Rua Augusta"))
    );
    assert_ne!(
        address_key(&a("Rua Augusta")),
        address_key(&a("Alameda Augusta"))
    );
}

#[test]
fn lookups_carry_the_punctuated_document_and_the_email_as_sent() {
    let b = json!({"batch": {"customers": [
        {"email": "Bia@X.com", "documentType": "CNPJ", "document": "11222333000181"},
        {"email": "c@x.com", "documentType": "CPF", "document": " 529 982 247 25 "}
    ]}});
    let out = crate::ops::call("validateCustomerBatch", &b.to_string()).expect("ok");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["lookups"]["emails"],
        json!(["bia@x.com", "Bia@X.com", "c@x.com"])
    );
    let docs: Vec<&str> = v["lookups"]["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter_map(|d| d["document"].as_str())
        .collect();
    assert_eq!(
        docs,
        vec![
            "11222333000181",
            "11.222.333/0001-81",
            "52998224725",
            "529 982 247 25",
            "529.982.247-25"
        ]
    );
}

#[test]
fn a_profile_stored_with_a_punctuated_document_and_another_case_is_patched_not_created_again() {
    let state = CustomerState {
        profiles: vec![ClDocument {
            id: "held".into(),
            updated_in: Some("2026-01-01T00:00:00.0000000Z".into()),
            profile: Profile {
                email: Some("Ana.Souza+VIP@Example.com".into()),
                document_type: Some("CPF".into()),
                document: Some("529.982.247-25".into()),
                first_name: Some("Ana".into()),
                ..Profile::default()
            },
        }],
        ..CustomerState::default()
    };
    let b = batch(json!({"customers": [ana()], "policy": {"erpWins": ["lastName"]}}));
    let plan = plan_customers("store", &state, &b).expect("plan");
    assert!(
        plan.writes
            .iter()
            .all(|w| w.method != WriteMethod::Upsert || w.entity == Entity::Ad)
    );
    assert_eq!(plan.writes[0].id, "held");
    assert_eq!(plan.writes[0].method, WriteMethod::Patch);
    assert_eq!(plan.summary.profiles_created, 0);
}

#[test]
fn the_record_keeps_the_whole_profile_as_a_write_left_it_and_when_it_was_read() {
    let b = batch(json!({"customers": [ana()]}));
    let created = plan_customers("store", &CustomerState::default(), &b).expect("plan");
    let w = &created.written[0];
    assert_eq!(w.after.as_ref(), created.writes[0].profile.as_ref());
    assert_eq!(w.read_updated_in, None);

    // Someone else's profile with a field Ponte does not write: a PATCH's record holds it too.
    let state = CustomerState {
        profiles: vec![ClDocument {
            id: "p".into(),
            updated_in: Some("2026-02-02T10:00:00.0000000Z".into()),
            profile: Profile {
                email: Some("ana.souza+vip@example.com".into()),
                phone: Some("+5511988887777".into()),
                ..Profile::default()
            },
        }],
        ..CustomerState::default()
    };
    let plan = plan_customers("store", &state, &b).expect("plan");
    assert_eq!(plan.writes[0].method, WriteMethod::Patch);
    let w = &plan.written[0];
    let after = w.after.as_ref().expect("after");
    assert_eq!(after.phone.as_deref(), Some("+5511988887777"));
    assert_eq!(after.last_name.as_deref(), Some("Souza"));
    assert_eq!(
        w.read_updated_in.as_deref(),
        Some("2026-02-02T10:00:00.0000000Z")
    );

    // Nothing to write: the record of the last write stays as it was.
    let mut applied = apply_customer_plan(&state, &plan);
    applied.written = plan.written.clone();
    applied.profiles[0].updated_in = Some("2026-03-03T00:00:00.0000000Z".into());
    let again = plan_customers("store", &applied, &b).expect("plan");
    assert!(again.writes.iter().all(|w| w.entity == Entity::Ad));
    assert_eq!(again.written[0].after, plan.written[0].after);
    assert_eq!(
        again.written[0].read_updated_in,
        plan.written[0].read_updated_in
    );
}
