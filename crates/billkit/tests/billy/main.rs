//! Contract tests for `billkit::billy` against wiremock, and the sandbox's
//! Billy behaviour.

mod client;
mod common;
mod companies;
mod customers;
mod errors;
mod invoices;
mod pagination;
mod paths;
mod plans;
mod sandbox;
mod subscriptions;
mod transactions;
mod validation;

// What most test files use, besides the helpers.
use billkit::billy::{BillyErrorExt, CustomerFilter, CustomerGuid, InvoiceFilter};
use wiremock::Mock;

pub use common::*;
