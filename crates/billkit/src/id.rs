//! The two shapes every record id takes, whatever the API: a positive
//! integer (`int_id!`) or a checked string
//! (`string_id!`). Each API module declares its own id
//! types with these macros, so all of them build, print, compare and
//! (de)serialise the same way.

/// Declares an integer record id: `pub struct $name(u64)`.
///
/// Built with `$name::new(7)` or `7.into()`, read with `.get()`, printed as
/// the number, sent as a JSON number, read from a JSON number or a number
/// in a string (servers send both). `0` is refused as a path parameter
/// before anything is sent.
#[allow(unused_macros)]
macro_rules! int_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// Built from a `u64` (`Id::new(7)` or `7.into()`); read from a JSON
        /// number or a number in a string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(u64);

        impl $name {
            /// The id with this number.
            pub const fn new(id: u64) -> Self {
                $name(id)
            }

            /// The numeric id.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl ::core::convert::From<u64> for $name {
            fn from(id: u64) -> Self {
                $name(id)
            }
        }

        impl ::core::convert::From<$name> for u64 {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::num::ParseIntError;
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl $crate::http::PathParam for $name {
            fn to_segment(&self) -> ::core::result::Result<String, String> {
                $crate::http::PathParam::to_segment(&self.0)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::lenient::int::deserialize(d).map($name)
            }
        }
    };
}

/// Declares a string record id checked when built: `pub struct $name(String)`.
///
/// `$check` is a `fn(&str) -> Result<(), String>` saying what is wrong with
/// a value. A caller builds the id with `$name::new(..)` / `parse()` /
/// `TryFrom`, which refuse a value `$check` refuses
/// ([`Error::InvalidInput`](crate::Error::InvalidInput) named `$field`), so
/// a wrong id fails where it is written, before any request. An id read
/// from a server is taken as sent (the server is the authority on its own
/// ids) and checked again as a path parameter before it is sent back.
#[allow(unused_macros)]
macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, field = $field:literal, check = $check:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks `id` and wraps it; fails with
            /// [`Error::InvalidInput`](crate::Error::InvalidInput) when it
            /// cannot be an id of this kind.
            pub fn new(id: impl Into<String>) -> $crate::Result<Self> {
                let id = id.into();
                match $check(&id) {
                    Ok(()) => Ok($name(id)),
                    Err(message) => Err($crate::Error::invalid_input($field, message)),
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as text, by value.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::Error;
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                $name::new(s)
            }
        }

        impl ::core::convert::TryFrom<&str> for $name {
            type Error = $crate::Error;
            fn try_from(s: &str) -> ::core::result::Result<Self, Self::Error> {
                $name::new(s)
            }
        }

        impl ::core::convert::TryFrom<String> for $name {
            type Error = $crate::Error;
            fn try_from(s: String) -> ::core::result::Result<Self, Self::Error> {
                $name::new(s)
            }
        }

        impl ::core::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::core::cmp::PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl ::core::cmp::PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl $crate::http::PathParam for $name {
            fn to_segment(&self) -> ::core::result::Result<String, String> {
                $check(&self.0)?;
                $crate::http::PathParam::to_segment(self.0.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                <String as ::serde::Deserialize>::deserialize(d).map($name)
            }
        }
    };
}

pub(crate) use {int_id, string_id};

#[cfg(test)]
mod tests {
    use crate::http::PathParam;

    int_id! {
        /// A test id.
        ThingId
    }

    fn check_tk(s: &str) -> Result<(), String> {
        match s.strip_prefix("TK") {
            Some(rest) if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Ok(())
            }
            _ => Err(format!("{s:?} is not a TK id")),
        }
    }

    string_id! {
        /// A test string id.
        TokenId, field = "token_id", check = check_tk
    }

    #[test]
    fn integer_ids_read_numbers_and_numbers_in_strings() {
        let a: ThingId = serde_json::from_str("7").unwrap();
        let b: ThingId = serde_json::from_str("\"7\"").unwrap();
        assert_eq!((a, b), (ThingId::new(7), ThingId::from(7)));
        assert_eq!(serde_json::to_string(&a).unwrap(), "7");
        assert_eq!(a.to_string(), "7");
        assert_eq!("12".parse::<ThingId>().unwrap().get(), 12);
        assert!(ThingId::new(0).to_segment().is_err());
    }

    #[test]
    fn string_ids_are_checked_when_built_and_when_sent() {
        assert_eq!(TokenId::new("TK1a").unwrap().as_str(), "TK1a");
        let err = TokenId::new("..").unwrap_err();
        assert!(err.is_invalid_input());
        assert_eq!(err.validation_errors().keys().next().unwrap(), "token_id");
        assert!("x".parse::<TokenId>().is_err());
        // From a server: taken as sent, refused as a path parameter.
        let odd: TokenId = serde_json::from_str("\"../x\"").unwrap();
        assert_eq!(odd, "../x");
        assert!(odd.to_segment().is_err());
        assert_eq!(TokenId::new("TK9").unwrap().to_segment().unwrap(), "TK9");
        assert_eq!(TokenId::new("TK9").unwrap().into_string(), "TK9");
    }
}
