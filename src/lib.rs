//! # billkit
//!
//! A typed, async client for three billing REST APIs — **BillPro**,
//! **Billmora** and **Billy** — over one shared HTTP core.
//!
//! Build a client with a token, call typed methods, walk lists lazily; the
//! crate takes care of JSON, URLs, pagination, retries, rate limits and
//! auth. Amounts are exact ([`Decimal`], [`Cents`]), a create is never sent
//! twice by accident, credentials never appear in `Debug` output or logs,
//! and every strange server answer becomes a typed [`Error`].
//!
//! ## Features
//!
//! - `billpro`, `billmora`, `billy` (all on by default): the API clients.
//! - `rustls-tls` (default) or `native-tls`: the TLS stack.
//! - `sandbox`: in-process fakes of the three APIs for offline use and tests.
//! - `billpro-notifications` (default): BillPro's payment-gateway webhook,
//!   decrypted, typed and processed once each ([`billpro::notifications`]).
#![warn(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(feature = "billmora")]
pub mod billmora;
#[cfg(feature = "billpro")]
pub mod billpro;
#[cfg(feature = "billy")]
pub mod billy;
pub mod error;
pub mod http;
#[allow(unused_imports)]
mod id;
pub mod lenient;
pub mod money;
#[cfg(feature = "sandbox")]
pub mod sandbox;
// Each client uses only some of the shared checks.
#[cfg_attr(
    not(all(feature = "billpro", feature = "billmora", feature = "billy")),
    allow(dead_code)
)]
mod validate;

pub use chrono;
pub use error::{
    ApiError, ApiErrorBody, DecodeError, Error, LookupKey, Outcome, Result, TimeoutKind,
};
pub use futures_core::Stream;
pub use futures_util::{StreamExt, TryStreamExt};
pub use money::Cents;
pub use rust_decimal::Decimal;
pub use secrecy::{ExposeSecret, SecretString};

// The README's examples are compiled as doctests, so they cannot drift from the API.
#[cfg(all(doctest, feature = "billpro", feature = "billmora", feature = "billy"))]
#[doc = include_str!("../README.md")]
mod readme {}
