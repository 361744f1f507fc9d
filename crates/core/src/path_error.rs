//! The error shape every batch-planning domain shares: a stable code and a path into the batch,
//! the current state or the request (`items[3].fixedPrices[1]`, `current.entries[2]`), with a
//! message, as the catalog import's. [`path_error!`](crate::path_error) declares a domain's
//! code enum (its catalogue of codes, with `ALL` and `as_str`) and its error struct (`new`,
//! `code()`, `Display` as `{path}: {message}`) from the list of codes alone.

/// Declares a domain's path error and its code enum:
///
/// ```
/// ponte_core::path_error! {
///     /// One thing wrong with a widget batch.
///     pub struct WidgetError;
///     /// The stable machine code of a [`WidgetError`].
///     pub enum WidgetErrorCode {
///         /// A widget with no name.
///         NameMissing => "WIDGET_NAME_MISSING",
///     }
/// }
/// let e = WidgetError::new("widgets[0]", WidgetErrorCode::NameMissing, "no name");
/// assert_eq!((e.code(), e.to_string().as_str()), ("WIDGET_NAME_MISSING", "widgets[0]: no name"));
/// assert_eq!(WidgetErrorCode::ALL, &[WidgetErrorCode::NameMissing]);
/// ```
#[macro_export]
macro_rules! path_error {
    (
        $(#[$error_doc:meta])* pub struct $error:ident;
        $(#[$code_doc:meta])* pub enum $code:ident {
            $($(#[$doc:meta])* $variant:ident => $string:literal,)*
        }
    ) => {
        $(#[$code_doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum $code {
            $($(#[$doc])* #[serde(rename = $string)] $variant,)*
        }

        impl $code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [$code] = &[$($code::$variant,)*];

            /// The code as a string (GraphQL `extensions.code`, JS `error.code`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($code::$variant => $string,)*
                }
            }
        }

        $(#[$error_doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
        #[serde(rename_all = "camelCase")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[error("{path}: {message}")]
        pub struct $error {
            pub path: String,
            pub code: $code,
            pub message: String,
        }

        impl $error {
            pub fn new(path: impl Into<String>, code: $code, message: impl Into<String>) -> Self {
                $error {
                    path: path.into(),
                    code,
                    message: message.into(),
                }
            }

            /// The stable code as a string.
            pub fn code(&self) -> &'static str {
                self.code.as_str()
            }
        }
    };
}

/// Checks a code catalogue: every code unique, SCREAMING_SNAKE, and serialised as itself.
#[cfg(test)]
pub(crate) fn check_codes<C: serde::Serialize>(all: &[C], as_str: impl Fn(&C) -> &'static str) {
    let mut seen = std::collections::BTreeSet::new();
    for c in all {
        let s = as_str(c);
        assert!(seen.insert(s), "{s} twice");
        assert!(
            s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
            "{s}"
        );
        let json = serde_json::to_string(c).expect("encode");
        assert_eq!(json, format!("\"{s}\""));
    }
}
