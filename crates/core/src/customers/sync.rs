//! Customer sync planning (§F.4, §F.5): the ERP's batch checked field by field and for
//! identity, matched against what VTEX holds (the normalised email first, the document second),
//! merged field by field with PATCH semantics (only the fields the ERP owns, never over a
//! shopper's edit unless the ERP wins that field), and turned into the writes that change
//! something, each profile before its addresses.

use super::error::{CustomerError, CustomerErrorCode as Code};
use super::model::{
    AdDocument, Address, AddressField, ClDocument, FieldValue, Profile, ProfileField, Record,
    bare_id,
};
use super::validate::{
    EmailProblem, PriceTablesProblem, TextProblem, check_text, has_postal_format, loose,
    normalize_cnpj, normalize_country, normalize_cpf, normalize_email, normalize_postal_code,
    normalize_price_tables,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Which of a customer's VTEX addresses the batch does not mention are deleted (§F.4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum StaleAddresses {
    /// None (the default): a stale address stays.
    #[default]
    Keep,
    /// Those Ponte wrote earlier (in `written`); the shopper's own stay.
    RemoveWritten,
    /// Every one.
    RemoveAll,
}

/// How the ERP's fields meet the shopper's (§F.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MergePolicy {
    /// The profile fields the ERP owns; absent, every field an item gives. Fields it does not
    /// own are never written to an existing profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub erp_owns: Option<Vec<ProfileField>>,
    /// Profile fields where the ERP's value replaces a shopper's edit.
    #[serde(default)]
    pub erp_wins: Vec<ProfileField>,
    /// Address fields where the ERP's value replaces a shopper's edit.
    #[serde(default)]
    pub address_erp_wins: Vec<AddressField>,
    #[serde(default)]
    pub stale_addresses: StaleAddresses,
    /// Check `corporateDocument` as a CNPJ (default true: the sample's stores are Brazilian).
    #[serde(default = "yes")]
    pub corporate_document_is_cnpj: bool,
}

fn yes() -> bool {
    true
}

impl Default for MergePolicy {
    fn default() -> Self {
        MergePolicy {
            erp_owns: None,
            erp_wins: Vec::new(),
            address_erp_wins: Vec::new(),
            stale_addresses: StaleAddresses::Keep,
            corporate_document_is_cnpj: true,
        }
    }
}

/// One customer as the ERP sends it: the profile fields it gives and its addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerItem {
    #[serde(flatten)]
    pub profile: Profile,
    #[serde(default)]
    pub addresses: Vec<Address>,
    /// Overrides the policy's `staleAddresses` for this customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub stale_addresses: Option<StaleAddresses>,
}

/// A customer batch from the ERP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerBatch {
    pub customers: Vec<CustomerItem>,
    #[serde(default)]
    pub policy: MergePolicy,
}

/// An address as Ponte last wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WrittenAddress {
    pub id: String,
    #[serde(flatten)]
    pub address: Address,
}

/// Ponte's record of what it last wrote for one customer (the merge's base, §F.4): a VTEX value
/// that differs from it was edited by someone else. The service keeps it beside the job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WrittenCustomer {
    /// The normalised email.
    pub email: String,
    /// The bare CL id.
    pub profile_id: String,
    pub profile: Profile,
    #[serde(default)]
    pub addresses: Vec<WrittenAddress>,
    /// The whole CL as Ponte's last write to it (create or PATCH) left it: every profile field,
    /// the ones Ponte did not write as it read them. The changes pull knows its own write by
    /// it (no echo), a PATCH as well as a create. None until Ponte writes the CL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub after: Option<Profile>,
    /// The CL's `updatedIn` as Ponte read it before that write (None for a create): the
    /// change it stood for must have been handled by the pull before the write counts as
    /// Ponte's alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub read_updated_in: Option<String>,
}

/// What VTEX holds for the batch's customers (CL found by email or document, their AD) and
/// Ponte's record of its last writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerState {
    #[serde(default)]
    pub profiles: Vec<ClDocument>,
    #[serde(default)]
    pub addresses: Vec<AdDocument>,
    #[serde(default)]
    pub written: Vec<WrittenCustomer>,
}

/// The Master Data entity of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Entity {
    #[serde(rename = "CL")]
    Cl,
    #[serde(rename = "AD")]
    Ad,
}

/// The Master Data call of a write (§F.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum WriteMethod {
    /// `PATCH /api/dataentities/{ac}/documents` with `id` in the body: creates the document
    /// with Ponte's id or updates it (§F.2's partial upsert). Used for every create, so a
    /// retried or concurrent create lands on one document.
    Upsert,
    /// `PATCH /api/dataentities/{ac}/documents/{id}`: updates the listed fields only.
    Patch,
    /// `DELETE /api/dataentities/{ac}/documents/{id}`.
    Delete,
}

/// One write of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerWrite {
    /// The batch customer it comes from.
    pub customer: u32,
    /// Unique within the plan, stable across runs: `CL:{id}` or `AD:{id}`.
    pub key: String,
    pub entity: Entity,
    pub method: WriteMethod,
    /// The bare document id (the body's `id` for [`WriteMethod::Upsert`]).
    pub id: String,
    /// The CL fields to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub profile: Option<Profile>,
    /// The AD fields to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub address: Option<Address>,
    /// An AD upsert's `userId`: the bare CL id (§F.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub user_id: Option<String>,
    /// The write that must have succeeded first (the CL upsert creating the profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub depends_on: Option<String>,
}

/// Several CL documents for one person (Master Data does not keep emails unique, §F.1): the
/// plan writes to `kept` and leaves the others for a person to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DuplicateProfiles {
    pub customer: u32,
    pub kept: String,
    pub others: Vec<String>,
}

/// Counts of a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerSyncSummary {
    pub customers: u32,
    pub unchanged: u32,
    pub profiles_created: u32,
    pub profiles_updated: u32,
    pub addresses_created: u32,
    pub addresses_updated: u32,
    pub addresses_removed: u32,
    /// Fields left as the shopper edited them.
    pub shopper_edits_kept: u32,
}

/// The writes in order (per customer: its CL, then its AD upserts and patches, then its AD
/// deletes) and Ponte's record after they all succeed (one per batch customer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerPlan {
    pub writes: Vec<CustomerWrite>,
    pub written: Vec<WrittenCustomer>,
    pub duplicates: Vec<DuplicateProfiles>,
    pub summary: CustomerSyncSummary,
}

/// A document key: `(documentType upper-cased, canonical document)`.
pub type DocumentKey = (String, String);

/// A batch customer after validation: canonical values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCustomer {
    pub email: String,
    pub document: Option<DocumentKey>,
    pub profile: Profile,
    pub addresses: Vec<Address>,
    /// Which stale addresses go (the item's choice, else the policy's).
    pub stale: StaleAddresses,
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The document key of a profile, when it has a document and a type.
pub fn document_key(p: &Profile) -> Option<DocumentKey> {
    let t = text(&p.document_type)?.to_uppercase();
    let d = text(&p.document)?;
    let canonical = match t.as_str() {
        "CPF" => normalize_cpf(d),
        "CNPJ" => normalize_cnpj(d),
        _ => None,
    }
    .unwrap_or_else(|| d.to_owned());
    Some((t, canonical))
}

/// A profile's canonical values (§F.3), never failing: what does not validate is only trimmed.
/// Used on the batch (after validation) and on what VTEX holds, so equal data compares equal.
pub fn canonical_profile(p: &Profile, corporate_cnpj: bool) -> Profile {
    let mut out = Profile::default();
    for (f, v) in p.present() {
        let v = match v {
            FieldValue::Text(t) => FieldValue::Text(t.trim().to_owned()),
            flag => flag,
        };
        out.set(f, Some(v));
    }
    if let Some(e) = &out.email {
        out.email = Some(normalize_email(e).unwrap_or_else(|_| e.to_lowercase()));
    }
    if let (Some(t), Some(d)) = (&out.document_type, &out.document) {
        let n = match t.to_uppercase().as_str() {
            "CPF" => normalize_cpf(d),
            "CNPJ" => normalize_cnpj(d),
            _ => None,
        };
        if let Some(n) = n {
            out.document = Some(n);
        }
    }
    if corporate_cnpj && let Some(n) = out.corporate_document.as_deref().and_then(normalize_cnpj) {
        out.corporate_document = Some(n);
    }
    if let Some(Ok(n)) = out.price_tables.as_deref().map(normalize_price_tables) {
        out.price_tables = Some(n);
    }
    out
}

/// An address's canonical values (§F.3), never failing.
pub fn canonical_address(a: &Address) -> Address {
    let mut out = Address::default();
    for (f, v) in a.present() {
        if let FieldValue::Text(t) = v {
            out.set(f, Some(FieldValue::Text(t.trim().to_owned())));
        }
    }
    if let Some(c) = out.country.as_deref().and_then(normalize_country) {
        if let Some(p) = out
            .postal_code
            .as_deref()
            .and_then(|p| normalize_postal_code(&c, p))
        {
            out.postal_code = Some(p);
        }
        out.country = Some(c);
    }
    out
}

/// The key two addresses of one customer are the same place by (§F.4): country, postal code
/// (letters and digits only), street (its leading street type spelled out), number and
/// complement, compared loosely.
pub fn address_key(a: &Address) -> String {
    let postal: String = a
        .postal_code
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    [
        loose(a.country.as_deref().unwrap_or("")),
        postal.to_lowercase(),
        street_key(a.street.as_deref().unwrap_or("")),
        loose(a.number.as_deref().unwrap_or("")),
        loose(a.complement.as_deref().unwrap_or("")),
    ]
    .join("|")
}

/// The street compared loosely, its leading street type spelled out (`Av.` → `avenida`,
/// `R` → `rua`, `St` → `street`), so an ERP's `Avenida São João` and a shopper's `Av Sao Joao`
/// are one street.
fn street_key(street: &str) -> String {
    let l = loose(street);
    let (first, rest) = l.split_once(' ').unwrap_or((l.as_str(), ""));
    let full = match first {
        "av" | "ave" | "avda" => "avenida",
        "r" => "rua",
        "al" => "alameda",
        "pc" | "pca" => "praca",
        "rod" => "rodovia",
        "est" | "estr" => "estrada",
        "tv" | "trav" => "travessa",
        "st" => "street",
        "rd" => "road",
        "blvd" => "boulevard",
        "cl" => "calle",
        other => other,
    };
    if rest.is_empty() {
        full.to_owned()
    } else {
        format!("{full} {rest}")
    }
}

fn address_name(a: &Address) -> Option<String> {
    text(&a.address_name).map(str::to_owned)
}

fn text_error(path: String, p: TextProblem) -> CustomerError {
    match p {
        TextProblem::TooLong => CustomerError::new(
            path,
            Code::TextTooLong,
            "more than 300 characters (Master Data's limit)",
        ),
        TextProblem::ControlCharacter => {
            CustomerError::new(path, Code::TextInvalid, "a control character")
        }
    }
}

fn check_address(path: &str, a: &Address, errors: &mut Vec<CustomerError>) {
    for (f, v) in a.present() {
        if let FieldValue::Text(t) = v
            && let Err(p) = check_text(&t)
        {
            errors.push(text_error(format!("{path}.{}", f.name()), p));
        }
    }
    for (f, v) in [
        (AddressField::Street, &a.street),
        (AddressField::City, &a.city),
    ] {
        if text(v).is_none() {
            errors.push(CustomerError::new(
                format!("{path}.{}", f.name()),
                Code::AddressFieldMissing,
                format!("an address needs {}", f.name()),
            ));
        }
    }
    let Some(raw) = text(&a.country) else {
        errors.push(CustomerError::new(
            format!("{path}.country"),
            Code::AddressFieldMissing,
            "an address needs its country (ISO 3166-1 alpha-3)",
        ));
        return;
    };
    let Some(country) = normalize_country(raw) else {
        errors.push(CustomerError::new(
            format!("{path}.country"),
            Code::CountryInvalid,
            "not an ISO 3166-1 alpha-3 code",
        ));
        return;
    };
    match text(&a.postal_code) {
        None if has_postal_format(&country) => errors.push(CustomerError::new(
            format!("{path}.postalCode"),
            Code::AddressFieldMissing,
            format!("an address in {country} needs its postal code"),
        )),
        Some(p) if normalize_postal_code(&country, p).is_none() => errors.push(CustomerError::new(
            format!("{path}.postalCode"),
            Code::PostalCodeInvalid,
            format!("not a postal code in {country}'s format"),
        )),
        _ => {}
    }
}

fn check_profile(
    path: &str,
    p: &Profile,
    policy: &MergePolicy,
    errors: &mut Vec<CustomerError>,
) -> Option<String> {
    for (f, v) in p.present() {
        if let FieldValue::Text(t) = v
            && let Err(problem) = check_text(&t)
        {
            errors.push(text_error(format!("{path}.{}", f.name()), problem));
        }
    }
    let email = match p.email.as_deref().map(normalize_email) {
        None | Some(Err(EmailProblem::Empty)) => {
            errors.push(CustomerError::new(
                format!("{path}.email"),
                Code::EmailMissing,
                "a customer needs an email (its natural key)",
            ));
            None
        }
        Some(Err(problem)) => {
            let why = match problem {
                EmailProblem::NoAt => "not exactly one @",
                EmailProblem::LocalPart => "the part before @ is not a valid mailbox",
                EmailProblem::Domain => "the domain is not valid",
                EmailProblem::TooLong | EmailProblem::Empty => "too long",
            };
            errors.push(CustomerError::new(
                format!("{path}.email"),
                Code::EmailInvalid,
                why,
            ));
            None
        }
        Some(Ok(e)) => Some(e),
    };
    if let Some(d) = text(&p.document) {
        match text(&p.document_type).map(str::to_uppercase).as_deref() {
            None => errors.push(CustomerError::new(
                format!("{path}.documentType"),
                Code::DocumentTypeMissing,
                "a document needs its documentType",
            )),
            Some("CPF") if normalize_cpf(d).is_none() => errors.push(CustomerError::new(
                format!("{path}.document"),
                Code::DocumentInvalid,
                "not a CPF: 11 digits whose check digits hold",
            )),
            Some("CNPJ") if normalize_cnpj(d).is_none() => errors.push(CustomerError::new(
                format!("{path}.document"),
                Code::DocumentInvalid,
                "not a CNPJ: 14 digits whose check digits hold",
            )),
            _ => {}
        }
    }
    if p.is_corporate == Some(true) {
        for (f, v) in [
            (ProfileField::CorporateName, &p.corporate_name),
            (ProfileField::CorporateDocument, &p.corporate_document),
        ] {
            if text(v).is_none() {
                errors.push(CustomerError::new(
                    format!("{path}.{}", f.name()),
                    Code::CorporateFieldMissing,
                    format!("a corporate customer needs {}", f.name()),
                ));
            }
        }
        if text(&p.state_registration).is_none() && p.is_free_state_registration != Some(true) {
            errors.push(CustomerError::new(
                format!("{path}.stateRegistration"),
                Code::CorporateFieldMissing,
                "a corporate customer needs stateRegistration or isFreeStateRegistration",
            ));
        }
        if policy.corporate_document_is_cnpj
            && let Some(d) = text(&p.corporate_document)
            && normalize_cnpj(d).is_none()
        {
            errors.push(CustomerError::new(
                format!("{path}.corporateDocument"),
                Code::CorporateDocumentInvalid,
                "not a CNPJ: 14 digits whose check digits hold",
            ));
        }
    }
    if let Some(Err(problem)) = p.price_tables.as_deref().map(normalize_price_tables) {
        let why = match problem {
            PriceTablesProblem::TooMany(n) => format!("{n} price tables; at most 50"),
            PriceTablesProblem::EmptyEntry => "an empty entry in the list".to_owned(),
            PriceTablesProblem::Duplicate(t) => format!("{t:?} listed twice"),
        };
        errors.push(CustomerError::new(
            format!("{path}.priceTables"),
            Code::PriceTablesInvalid,
            why,
        ));
    }
    email
}

fn check_policy(policy: &MergePolicy, errors: &mut Vec<CustomerError>) {
    if let Some(owns) = &policy.erp_owns {
        for (k, f) in policy.erp_wins.iter().enumerate() {
            if !owns.contains(f) {
                errors.push(CustomerError::new(
                    format!("policy.erpWins[{k}]"),
                    Code::PolicyInvalid,
                    format!("{} wins but the ERP does not own it", f.name()),
                ));
            }
        }
    }
}

/// Validates a batch (§F.3, §F.4) without looking at VTEX: every field, every address, the
/// policy, and identity within the batch. Every error with its path, or the canonical
/// customers in batch order.
pub fn validate_batch(batch: &CustomerBatch) -> Result<Vec<ValidCustomer>, Vec<CustomerError>> {
    let mut errors = Vec::new();
    check_policy(&batch.policy, &mut errors);
    let mut out = Vec::new();
    let mut by_email: BTreeMap<String, (usize, Option<DocumentKey>)> = BTreeMap::new();
    let mut by_document: BTreeMap<DocumentKey, (usize, String)> = BTreeMap::new();
    let corporate_cnpj = batch.policy.corporate_document_is_cnpj;
    for (i, item) in batch.customers.iter().enumerate() {
        let path = format!("customers[{i}]");
        let before = errors.len();
        let email = check_profile(&path, &item.profile, &batch.policy, &mut errors);
        let mut names = BTreeMap::new();
        let mut keys = BTreeMap::new();
        for (j, a) in item.addresses.iter().enumerate() {
            let apath = format!("{path}.addresses[{j}]");
            check_address(&apath, a, &mut errors);
            let canonical = canonical_address(a);
            if let Some(n) = address_name(&canonical)
                && let Some(first) = names.insert(n.clone(), j)
            {
                errors.push(CustomerError::new(
                    format!("{apath}.addressName"),
                    Code::AddressDuplicate,
                    format!("addressName {n:?} already at addresses[{first}]"),
                ));
            }
            if let Some(first) = keys.insert(address_key(&canonical), j) {
                errors.push(CustomerError::new(
                    apath,
                    Code::AddressDuplicate,
                    format!("the same address as addresses[{first}]"),
                ));
            }
        }
        let Some(email) = email else { continue };
        let profile = canonical_profile(&item.profile, corporate_cnpj);
        let document = document_key(&profile);
        if let Some((first, first_doc)) = by_email.get(&email) {
            match (first_doc, &document) {
                (Some(a), Some(b)) if a != b => errors.push(CustomerError::new(
                    format!("{path}.document"),
                    Code::EmailTwoDocuments,
                    format!("customers[{first}] has this email with another document"),
                )),
                _ => errors.push(CustomerError::new(
                    format!("{path}.email"),
                    Code::CustomerDuplicate,
                    format!("the same person as customers[{first}]"),
                )),
            }
            continue;
        }
        by_email.insert(email.clone(), (i, document.clone()));
        if let Some(doc) = &document {
            if let Some((first, first_email)) = by_document.get(doc) {
                if *first_email != email {
                    errors.push(CustomerError::new(
                        format!("{path}.document"),
                        Code::DocumentTwoEmails,
                        format!("customers[{first}] has this document with another email"),
                    ));
                }
            } else {
                by_document.insert(doc.clone(), (i, email.clone()));
            }
        }
        if errors.len() == before {
            out.push(ValidCustomer {
                email,
                document,
                profile,
                addresses: item.addresses.iter().map(canonical_address).collect(),
                stale: item.stale_addresses.unwrap_or(batch.policy.stale_addresses),
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A UUID-shaped id derived from its parts (SHA-256, version nibble 8 for "custom"): the same
/// person or address always gets the same id, so a create is an upsert that retries and
/// concurrent replicas land on one document (§F.5).
pub fn derived_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    let mut b: [u8; 16] = [0; 16];
    b.copy_from_slice(&h.finalize()[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The id Ponte gives the CL of a new customer of `account`.
pub fn profile_id_for(account: &str, email: &str) -> String {
    derived_id(&["CL", account, email])
}

/// The id Ponte gives a new AD of a profile (keyed by its `addressName`, else the address key).
pub fn address_id_for(profile_id: &str, address: &Address) -> String {
    match address_name(address) {
        Some(n) => derived_id(&["AD", profile_id, "name", &n]),
        None => derived_id(&["AD", profile_id, "key", &address_key(address)]),
    }
}

fn present(v: Option<FieldValue>) -> Option<FieldValue> {
    v.filter(|v| !v.is_empty())
}

/// One field-by-field merge (§F.4). For each field the ERP gives and owns: nothing when VTEX
/// already holds the value; kept when VTEX holds another value that is not what Ponte last
/// wrote (someone edited it) and the ERP does not win it; else written. Returns the fields to
/// write, the base to record, and how many edits were kept.
struct Merged<R> {
    patch: R,
    base: R,
    kept: u32,
}

fn merge<R: Record>(
    erp: &R,
    current: Option<&R>,
    base: Option<&R>,
    owns: impl Fn(R::Field) -> bool,
    wins: impl Fn(R::Field) -> bool,
) -> Merged<R> {
    let (get, set) = (R::get_field, R::set_field);
    let mut patch = R::default();
    let mut new_base = base.cloned().unwrap_or_default();
    let mut kept = 0;
    for &f in R::fields() {
        let Some(e) = get(erp, f) else { continue };
        if !owns(f) {
            continue;
        }
        let c = current.and_then(|r| present(get(r, f)));
        let e_cmp = present(Some(e.clone()));
        if c == e_cmp {
            set(&mut new_base, f, Some(e));
            continue;
        }
        let b = base.and_then(|r| present(get(r, f)));
        let edited = c.is_some() && c != b;
        if edited && !wins(f) {
            kept += 1;
            continue;
        }
        set(&mut patch, f, Some(e.clone()));
        set(&mut new_base, f, Some(e));
    }
    Merged {
        patch,
        base: new_base,
        kept,
    }
}

fn check_current(state: &CustomerState, errors: &mut Vec<CustomerError>) {
    let mut ids = BTreeMap::new();
    for (i, p) in state.profiles.iter().enumerate() {
        if let Some(first) = ids.insert(bare_id(&p.id), i) {
            errors.push(CustomerError::new(
                format!("current.profiles[{i}]"),
                Code::CurrentStateInvalid,
                format!("the same id as current.profiles[{first}]"),
            ));
        }
    }
    let mut ids = BTreeMap::new();
    for (i, a) in state.addresses.iter().enumerate() {
        if let Some(first) = ids.insert(bare_id(&a.id), i) {
            errors.push(CustomerError::new(
                format!("current.addresses[{i}]"),
                Code::CurrentStateInvalid,
                format!("the same id as current.addresses[{first}]"),
            ));
        }
    }
}

/// The sync plan (§F.4, §F.5): every error of the batch (and of what VTEX holds) with its
/// path, or the writes that change something, in order, and Ponte's record after them.
pub fn plan_customers(
    account: &str,
    state: &CustomerState,
    batch: &CustomerBatch,
) -> Result<CustomerPlan, Vec<CustomerError>> {
    let mut errors = Vec::new();
    check_current(state, &mut errors);
    let valid = match validate_batch(batch) {
        Ok(v) => v,
        Err(mut e) => {
            errors.append(&mut e);
            return Err(errors);
        }
    };
    let policy = &batch.policy;
    let cnpj = policy.corporate_document_is_cnpj;
    let current: Vec<(String, Profile, Option<DocumentKey>, &ClDocument)> = state
        .profiles
        .iter()
        .map(|d| {
            let p = canonical_profile(&d.profile, cnpj);
            let k = document_key(&p);
            (bare_id(&d.id).to_owned(), p, k, d)
        })
        .collect();
    let written: BTreeMap<&str, &WrittenCustomer> = state
        .written
        .iter()
        .map(|w| (w.email.as_str(), w))
        .collect();
    let owns = |f: ProfileField| policy.erp_owns.as_ref().is_none_or(|o| o.contains(&f));
    let mut plan = CustomerPlan::default();
    let mut claimed: BTreeMap<String, usize> = BTreeMap::new();
    let mut emails: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut documents: BTreeMap<&DocumentKey, Vec<usize>> = BTreeMap::new();
    for (k, (_, p, d, _)) in current.iter().enumerate() {
        if let Some(e) = p.email.as_deref() {
            emails.entry(e).or_default().push(k);
        }
        if let Some(d) = d {
            documents.entry(d).or_default().push(k);
        }
    }
    let mut by_user: BTreeMap<&str, Vec<&AdDocument>> = BTreeMap::new();
    for a in &state.addresses {
        by_user.entry(bare_id(&a.user_id)).or_default().push(a);
    }
    for (i, c) in valid.iter().enumerate() {
        let by_email: Vec<usize> = emails.get(c.email.as_str()).cloned().unwrap_or_default();
        let by_doc: Vec<usize> = c
            .document
            .as_ref()
            .and_then(|d| documents.get(d).cloned())
            .unwrap_or_default();
        let ours = profile_id_for(account, &c.email);
        let pick = |found: &[usize]| -> Option<usize> {
            found
                .iter()
                .copied()
                .find(|&k| current[k].0 == ours)
                .or_else(|| found.first().copied())
        };
        let matched = if !by_email.is_empty() {
            if let Some(&k) = by_doc.iter().find(|k| !by_email.contains(k)) {
                errors.push(CustomerError::new(
                    format!("customers[{i}].document"),
                    Code::IdentityConflict,
                    format!(
                        "the email names profile {} and the document profile {}",
                        current[pick(&by_email).unwrap_or(k)].0,
                        current[k].0
                    ),
                ));
                continue;
            }
            pick(&by_email).map(|k| (k, &by_email))
        } else {
            pick(&by_doc).map(|k| (k, &by_doc))
        };
        if let Some((k, found)) = matched {
            if let Some(first) = claimed.insert(current[k].0.clone(), i) {
                errors.push(CustomerError::new(
                    format!("customers[{i}]"),
                    Code::IdentityConflict,
                    format!("customers[{first}] names the same VTEX profile"),
                ));
                continue;
            }
            if found.len() > 1 {
                plan.duplicates.push(DuplicateProfiles {
                    customer: u32_of(i),
                    kept: current[k].0.clone(),
                    others: found
                        .iter()
                        .filter(|&&o| o != k)
                        .map(|&o| current[o].0.clone())
                        .collect(),
                });
            }
        }
        plan_one(
            u32_of(i),
            c,
            matched.map(|(k, _)| (&current[k].0, &current[k].1, current[k].3)),
            &ours,
            written.get(c.email.as_str()).copied(),
            &by_user,
            policy,
            &owns,
            &mut plan,
        );
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

#[allow(clippy::too_many_arguments)]
fn plan_one(
    i: u32,
    c: &ValidCustomer,
    matched: Option<(&String, &Profile, &ClDocument)>,
    ours: &str,
    written: Option<&WrittenCustomer>,
    by_user: &BTreeMap<&str, Vec<&AdDocument>>,
    policy: &MergePolicy,
    owns: &impl Fn(ProfileField) -> bool,
    plan: &mut CustomerPlan,
) {
    let before = plan.writes.len();
    let s = &mut plan.summary;
    s.customers += 1;
    let (profile_id, cl_key) = match matched {
        Some((id, current, read)) => {
            let mine = written.filter(|w| &w.profile_id == id);
            let base = mine.map(|w| &w.profile);
            let m = merge(&c.profile, Some(current), base, owns, |f| {
                policy.erp_wins.contains(&f)
            });
            s.shopper_edits_kept += m.kept;
            let mut record = m.base;
            record.email = Some(c.email.clone());
            let key = format!("CL:{id}");
            let (mut after, mut read_updated_in) = (
                mine.and_then(|w| w.after.clone()),
                mine.and_then(|w| w.read_updated_in.clone()),
            );
            if !m.patch.is_blank() {
                let mut whole = read.profile.clone();
                for (f, v) in m.patch.present() {
                    whole.set(f, Some(v));
                }
                (after, read_updated_in) = (Some(whole), read.updated_in.clone());
                s.profiles_updated += 1;
                plan.writes.push(CustomerWrite {
                    customer: i,
                    key: key.clone(),
                    entity: Entity::Cl,
                    method: WriteMethod::Patch,
                    id: id.clone(),
                    profile: Some(m.patch),
                    address: None,
                    user_id: None,
                    depends_on: None,
                });
            }
            plan.written.push(WrittenCustomer {
                email: c.email.clone(),
                profile_id: id.clone(),
                profile: record,
                addresses: Vec::new(),
                after,
                read_updated_in,
            });
            (id.clone(), None)
        }
        None => {
            let mut body = Profile::default();
            for (f, v) in c.profile.present() {
                if owns(f) || f == ProfileField::Email {
                    body.set(f, Some(v));
                }
            }
            body.email = Some(c.email.clone());
            let key = format!("CL:{ours}");
            s.profiles_created += 1;
            plan.writes.push(CustomerWrite {
                customer: i,
                key: key.clone(),
                entity: Entity::Cl,
                method: WriteMethod::Upsert,
                id: ours.to_owned(),
                profile: Some(body.clone()),
                address: None,
                user_id: None,
                depends_on: None,
            });
            plan.written.push(WrittenCustomer {
                email: c.email.clone(),
                profile_id: ours.to_owned(),
                profile: body.clone(),
                addresses: Vec::new(),
                after: Some(body),
                read_updated_in: None,
            });
            (ours.to_owned(), Some(key))
        }
    };
    let held: Vec<(&AdDocument, Address)> = if cl_key.is_some() {
        Vec::new()
    } else {
        by_user
            .get(profile_id.as_str())
            .map(|list| {
                list.iter()
                    .map(|a| (*a, canonical_address(&a.address)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let written_addresses: BTreeMap<&str, &Address> = written
        .filter(|w| w.profile_id == profile_id)
        .map(|w| {
            w.addresses
                .iter()
                .map(|a| (a.id.as_str(), &a.address))
                .collect()
        })
        .unwrap_or_default();
    let mut used = BTreeSet::new();
    let mut record_addresses = Vec::new();
    let mut deletes = Vec::new();
    for a in &c.addresses {
        let by_name = address_name(a).and_then(|n| {
            held.iter()
                .position(|(d, h)| !used.contains(&d.id) && address_name(h).as_deref() == Some(&n))
        });
        let key = address_key(a);
        let hit = by_name.or_else(|| {
            held.iter()
                .position(|(d, h)| !used.contains(&d.id) && address_key(h) == key)
        });
        match hit {
            Some(k) => {
                let (doc, current) = &held[k];
                let id = bare_id(&doc.id).to_owned();
                used.insert(doc.id.clone());
                let m = merge(
                    a,
                    Some(current),
                    written_addresses.get(id.as_str()).copied(),
                    |_| true,
                    |f| policy.address_erp_wins.contains(&f),
                );
                let s = &mut plan.summary;
                s.shopper_edits_kept += m.kept;
                if !m.patch.is_blank() {
                    s.addresses_updated += 1;
                    plan.writes.push(CustomerWrite {
                        customer: i,
                        key: format!("AD:{id}"),
                        entity: Entity::Ad,
                        method: WriteMethod::Patch,
                        id: id.clone(),
                        profile: None,
                        address: Some(m.patch),
                        user_id: None,
                        depends_on: None,
                    });
                }
                record_addresses.push(WrittenAddress {
                    id,
                    address: m.base,
                });
            }
            None => {
                let id = address_id_for(&profile_id, a);
                plan.summary.addresses_created += 1;
                plan.writes.push(CustomerWrite {
                    customer: i,
                    key: format!("AD:{id}"),
                    entity: Entity::Ad,
                    method: WriteMethod::Upsert,
                    id: id.clone(),
                    profile: None,
                    address: Some(a.clone()),
                    user_id: Some(profile_id.clone()),
                    depends_on: cl_key.clone(),
                });
                record_addresses.push(WrittenAddress {
                    id,
                    address: a.clone(),
                });
            }
        }
    }
    let stale = c.stale;
    for (doc, _) in &held {
        if used.contains(&doc.id) {
            continue;
        }
        let id = bare_id(&doc.id).to_owned();
        let remove = match stale {
            StaleAddresses::Keep => false,
            StaleAddresses::RemoveAll => true,
            StaleAddresses::RemoveWritten => written_addresses.contains_key(id.as_str()),
        };
        if remove {
            deletes.push(CustomerWrite {
                customer: i,
                key: format!("AD:{id}"),
                entity: Entity::Ad,
                method: WriteMethod::Delete,
                id,
                profile: None,
                address: None,
                user_id: None,
                depends_on: None,
            });
        } else if let Some(w) = written_addresses.get(id.as_str()) {
            // A kept address Ponte wrote before stays in its record.
            record_addresses.push(WrittenAddress {
                id,
                address: (*w).clone(),
            });
        }
    }
    plan.summary.addresses_removed += u32_of(deletes.len());
    plan.writes.append(&mut deletes);
    if let Some(w) = plan.written.last_mut() {
        w.addresses = record_addresses;
    }
    if plan.writes.len() == before {
        plan.summary.unchanged += 1;
    }
}
