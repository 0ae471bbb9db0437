//! Contract tests for `billkit::billpro` against wiremock, and (in
//! `sandbox`) the whole workflow against the sandbox fake.

mod common;

mod client;
mod customers;
mod lookups;
mod orders;
mod paths;
mod products;
mod sandbox;
mod sandbox_products;
mod scheduled_payments;
