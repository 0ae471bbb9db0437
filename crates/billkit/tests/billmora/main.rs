//! Billmora client tests: contract tests against wiremock with the
//! fixtures in `fixtures/billmora/`, errors, pagination, rate limiting and
//! input validation.

mod catalogs;
mod client;
mod common;
mod domains;
mod errors;
mod invoices;
mod orders;
mod packages;
mod pagination;
mod paths;
mod recorded;
mod registrants;
mod sandbox;
mod services;
mod tickets;
mod tlds;
mod users;
mod validation;
mod variants;
