//! Billmora client tests: contract tests against wiremock with the
//! fixtures in `fixtures/billmora/`, errors, pagination, rate limiting and
//! input validation.

mod client;
mod common;
mod contract_billing;
mod contract_catalog;
mod contract_customers;
mod contract_domains;
mod contract_server;
mod errors;
mod money;
mod pagination;
mod paths;
mod sandbox;
mod serialize;
mod validation;
