//! `ApiErrorBody::parse`, `ApiError::from_response`, its `Display` and the
//! per-API error classifiers on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/hostile_decode/oracle.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    oracle::error_body(data);
});
