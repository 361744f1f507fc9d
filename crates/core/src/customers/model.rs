//! The CL and AD fields Ponte reads and writes (§F.1), as typed records with a field enum so
//! that validation and the merge can walk them one field at a time.

use serde::{Deserialize, Serialize};

/// One field's value: text (every CL/AD string, including the `priceTables` comma list) or a
/// flag (`isCorporate`, `isFreeStateRegistration`, `isNewsletterOptIn`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum FieldValue {
    Flag(bool),
    Text(String),
}

impl FieldValue {
    /// Empty text reads as no value: Master Data answers `null` or `""` for a cleared field.
    pub fn is_empty(&self) -> bool {
        matches!(self, FieldValue::Text(t) if t.trim().is_empty())
    }
}

/// A record walked field by field (the merge's view of [`Profile`] and [`Address`]).
pub trait Record: Default + Clone {
    type Field: Copy + 'static;
    fn fields() -> &'static [Self::Field];
    fn get_field(&self, f: Self::Field) -> Option<FieldValue>;
    fn set_field(&mut self, f: Self::Field, v: Option<FieldValue>);
}

macro_rules! field_ty {
    (text) => {
        String
    };
    (flag) => {
        bool
    };
}

macro_rules! to_value {
    (text, $v:expr) => {
        FieldValue::Text($v.clone())
    };
    (flag, $v:expr) => {
        FieldValue::Flag(*$v)
    };
}

macro_rules! from_value {
    (text, $v:expr) => {
        match $v {
            FieldValue::Text(t) => Some(t),
            FieldValue::Flag(_) => None,
        }
    };
    (flag, $v:expr) => {
        match $v {
            FieldValue::Flag(b) => Some(b),
            FieldValue::Text(_) => None,
        }
    };
}

macro_rules! record {
    (
        $(#[$meta:meta])*
        $Record:ident, $Field:ident {
            $($(#[$fmeta:meta])* $Variant:ident $field:ident $json:literal : $kind:ident,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub struct $Record {
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                #[cfg_attr(feature = "ts", ts(optional))]
                pub $field: Option<field_ty!($kind)>,
            )*
        }

        /// A field of the record, by its Master Data name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum $Field {
            $(#[serde(rename = $json)] $Variant,)*
        }

        impl $Field {
            /// Every field, in declaration order.
            pub const ALL: &'static [$Field] = &[$($Field::$Variant,)*];

            /// The Master Data field name.
            pub fn name(self) -> &'static str {
                match self {
                    $($Field::$Variant => $json,)*
                }
            }

            /// Whether the field holds a flag rather than text.
            pub fn is_flag(self) -> bool {
                match self {
                    $($Field::$Variant => stringify!($kind) == "flag",)*
                }
            }
        }

        impl Record for $Record {
            type Field = $Field;
            fn fields() -> &'static [$Field] {
                $Field::ALL
            }
            fn get_field(&self, f: $Field) -> Option<FieldValue> {
                self.get(f)
            }
            fn set_field(&mut self, f: $Field, v: Option<FieldValue>) {
                self.set(f, v)
            }
        }

        impl $Record {
            /// The value of one field (`None` when absent).
            pub fn get(&self, f: $Field) -> Option<FieldValue> {
                match f {
                    $($Field::$Variant => self.$field.as_ref().map(|v| to_value!($kind, v)),)*
                }
            }

            /// Sets one field; a value of the other kind clears it.
            pub fn set(&mut self, f: $Field, v: Option<FieldValue>) {
                match f {
                    $($Field::$Variant => self.$field = v.and_then(|v| from_value!($kind, v)),)*
                }
            }

            /// The fields that hold a value, in declaration order.
            pub fn present(&self) -> Vec<($Field, FieldValue)> {
                $Field::ALL
                    .iter()
                    .filter_map(|&f| self.get(f).map(|v| (f, v)))
                    .collect()
            }

            /// Whether no field holds a value.
            pub fn is_blank(&self) -> bool {
                $Field::ALL.iter().all(|&f| self.get(f).is_none())
            }
        }
    };
}

record! {
    /// A shopper profile's fields Ponte writes (CL, §F.1). `priceTables` is Master Data's comma
    /// list. The platform's fields (`id`, `userId`, dates) are not among them.
    Profile, ProfileField {
        Email email "email": text,
        FirstName first_name "firstName": text,
        LastName last_name "lastName": text,
        Phone phone "phone": text,
        HomePhone home_phone "homePhone": text,
        CellPhone cell_phone "cellPhone": text,
        DocumentType document_type "documentType": text,
        Document document "document": text,
        IsCorporate is_corporate "isCorporate": flag,
        CorporateName corporate_name "corporateName": text,
        TradeName trade_name "tradeName": text,
        CorporateDocument corporate_document "corporateDocument": text,
        StateRegistration state_registration "stateRegistration": text,
        IsFreeStateRegistration is_free_state_registration "isFreeStateRegistration": flag,
        IsNewsletterOptIn is_newsletter_opt_in "isNewsletterOptIn": flag,
        LocaleDefault locale_default "localeDefault": text,
        PriceTables price_tables "priceTables": text,
    }
}

record! {
    /// An address's fields Ponte writes (AD, §F.1). `userId` (the link) and `geoCoordinate`
    /// (VTEX's geolocation) are not among them: the link is the plan's, the coordinates VTEX's.
    Address, AddressField {
        AddressName address_name "addressName": text,
        AddressLabel address_label "addressLabel": text,
        AddressType address_type "addressType": text,
        ReceiverName receiver_name "receiverName": text,
        Street street "street": text,
        Number number "number": text,
        Complement complement "complement": text,
        Neighborhood neighborhood "neighborhood": text,
        City city "city": text,
        State state "state": text,
        Country country "country": text,
        PostalCode postal_code "postalCode": text,
        Reference reference "reference": text,
    }
}

/// A CL document as read from Master Data (`_fields` naming at least `id` and the profile
/// fields). `id` is the bare id (search answers it so; a `CL-` prefix is accepted and dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClDocument {
    pub id: String,
    /// When Master Data last wrote it, when read (the changes pull's clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub updated_in: Option<String>,
    #[serde(flatten)]
    pub profile: Profile,
}

/// An AD document as read from Master Data: its id, the bare CL id it belongs to (`userId`,
/// §F.1) and its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdDocument {
    pub id: String,
    pub user_id: String,
    #[serde(flatten)]
    pub address: Address,
}

/// A document id without its entity prefix: `CL-abc` → `abc` (§F.1: `AD.userId` is the bare
/// CL id).
pub fn bare_id(id: &str) -> &str {
    let id = id.trim();
    match id.split_once('-') {
        Some((prefix, rest))
            if prefix.len() == 2 && prefix.bytes().all(|b| b.is_ascii_uppercase()) =>
        {
            rest
        }
        _ => id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_through_get_and_set() {
        let mut p = Profile::default();
        for &f in ProfileField::ALL {
            let v = if f.is_flag() {
                FieldValue::Flag(true)
            } else {
                FieldValue::Text(f.name().to_owned())
            };
            p.set(f, Some(v.clone()));
            assert_eq!(p.get(f), Some(v));
        }
        let json = serde_json::to_value(&p).expect("encode");
        for &f in ProfileField::ALL {
            assert!(json.get(f.name()).is_some(), "{}", f.name());
        }
        p.set(
            ProfileField::IsCorporate,
            Some(FieldValue::Text("x".into())),
        );
        assert_eq!(p.get(ProfileField::IsCorporate), None);
        assert_eq!(Address::default().present(), vec![]);
    }

    #[test]
    fn bare_ids_drop_only_an_entity_prefix() {
        assert_eq!(bare_id("CL-1b2c"), "1b2c");
        assert_eq!(bare_id("1b2c-3d"), "1b2c-3d");
        assert_eq!(bare_id(" 5f0e8a1c-aaaa "), "5f0e8a1c-aaaa");
    }
}
