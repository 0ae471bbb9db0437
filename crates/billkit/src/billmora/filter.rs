//! The shape of every list filter, declared once.

/// Declares a list filter: optional fields, chained setters, and the query
/// parameters they become (in declaration order: `text` fields take
/// `impl Into<T>`, `ids` fields take the id type or what converts into it).
macro_rules! list_filter {
    (
        $(#[$meta:meta])*
        $name:ident {
            text { $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),+ $(,)? }
            $( ids { $( $(#[$imeta:meta])* $ifield:ident : $ity:ty ),+ $(,)? } )?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: Option<$ty>, )+
            $( $( $(#[$imeta])* pub $ifield: Option<$ity>, )+ )?
        }

        impl $name {
            /// No filter: every record.
            pub fn new() -> Self {
                Self::default()
            }

            $(
                $(#[$fmeta])*
                pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )+

            $( $(
                $(#[$imeta])*
                pub fn $ifield(mut self, value: impl Into<$ity>) -> Self {
                    self.$ifield = Some(value.into());
                    self
                }
            )+ )?

            fn apply(&self, request: crate::http::Request<()>) -> crate::http::Request<()> {
                request
                    $( .query_opt(stringify!($field), self.$field.as_ref()) )+
                    $( $( .query_opt(stringify!($ifield), self.$ifield.as_ref()) )+ )?
            }
        }
    };
}
pub(super) use list_filter;
