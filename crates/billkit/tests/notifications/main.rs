//! BillPro payment notifications: decryption, typed payloads, once-each
//! processing, confirmation against the order, and the sandbox delivering
//! them (features `billpro-notifications` and `sandbox`).

mod confirm;
mod crypto;
mod dedup;
mod end_to_end;
mod model;
mod oracle;
mod props;
mod support;
