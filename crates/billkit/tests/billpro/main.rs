//! Contract tests for `billkit::billpro` against wiremock, and (in
//! `sandbox`) the whole workflow against the sandbox fake.

mod common;

mod client;
mod customers;
mod errors;
mod orders;
mod pagination;
mod paths;
mod products;
mod sandbox;
mod scheduled_payments;
mod validation;
