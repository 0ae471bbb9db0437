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
//! ```no_run
//! # #[cfg(feature = "billmora")]
//! # async fn run() -> billkit::Result<()> {
//! use billkit::TryStreamExt;
//! use billkit::billmora::{Client, InvoiceFilter, InvoiceStatus};
//!
//! let billmora = Client::builder()
//!     .base_url("https://billing.example.com")
//!     .token("1|secret-token")
//!     .build()?;
//! let unpaid = InvoiceFilter::new().status(InvoiceStatus::Unpaid);
//! // Pages are fetched as the walk needs them.
//! let mut invoices = billmora.invoices().list(&unpaid).stream();
//! while let Some(invoice) = invoices.try_next().await? {
//!     println!("{} owes {} {}", invoice.invoice_number, invoice.amount_due, invoice.currency);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Features
//!
//! - `billpro`, `billmora`, `billy` (all on by default): the API clients.
//! - `rustls-tls` (default) or `native-tls`: the TLS stack.
//! - `billpro-notifications` (default): BillPro's payment-gateway webhook,
//!   decrypted, typed and processed once each ([`billpro::notifications`]).
//! - `redis`: one rate limit shared by every worker through Redis.
//! - `simd`: successful bodies are decoded by sonic-rs instead of
//!   serde_json (amounts still from their own digits; failures decoded again
//!   by serde_json to name the JSON path). About 1.1× faster on large pages.
//! - `metrics`: counts and times every call through the `metrics` facade
//!   (names and labels in [`http`]).
//! - `test-util`: helpers for your tests that are not part of the stable
//!   API: `http::ManualClock` (time that moves only when told, sleeps that
//!   return at once and are recorded) and the builders' `manual_time`. Enable
//!   it in `[dev-dependencies]` only.
//!
//! ## Dates and times
//!
//! Models use [chrono] 0.4's `DateTime<Utc>` and `NaiveDate`; the types the
//! API takes and returns are re-exported in [`chrono`], so you need not
//! depend on chrono to name them.
//!
//! [chrono]: https://docs.rs/chrono/0.4
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
// Each client uses only some of the decoders.
#[cfg_attr(
    not(all(feature = "billpro", feature = "billmora", feature = "billy")),
    allow(dead_code, unused_imports, unused_macros)
)]
mod lenient;
pub mod money;
// Each client uses only some of the shared checks.
#[cfg_attr(
    not(all(feature = "billpro", feature = "billmora", feature = "billy")),
    allow(dead_code)
)]
mod validate;
pub mod watch;

/// The [chrono](https://docs.rs/chrono/0.4) 0.4 types billkit's models and
/// methods use, re-exported so they can be named without a chrono
/// dependency of your own. Anything else from chrono: depend on it directly
/// (the same 0.4 version).
///
/// ```
/// use billkit::chrono::{DateTime, NaiveDate, Utc};
///
/// let due = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
/// let at: DateTime<Utc> = "2026-08-01T12:00:00Z".parse().unwrap();
/// assert_eq!(at.date_naive(), due);
/// ```
pub mod chrono {
    pub use ::chrono::{DateTime, FixedOffset, NaiveDate, Utc};
}

// `crate::open_enum!` for the API modules; not exported.
#[allow(unused_imports)]
pub(crate) use lenient::open_enum;

pub use error::{
    ApiError, ApiErrorBody, DecodeError, Error, LookupKey, Outcome, Result, TimeoutKind,
};
pub use futures_core::Stream;
pub use futures_util::{StreamExt, TryStreamExt};
pub use money::Cents;
pub use rust_decimal::Decimal;
pub use secrecy::{ExposeSecret, SecretString};

// The workspace README's examples are compiled as doctests, so they cannot
// drift from the API (only under `cargo test`, so a packaged crate builds).
#[cfg(all(doctest, feature = "billpro", feature = "billmora", feature = "billy"))]
#[doc = include_str!("../../../README.md")]
mod readme {}
