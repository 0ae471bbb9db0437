//! Every model decoder on arbitrary bytes: the first byte picks the model
//! (an index into `oracle::MODELS`), the rest is the response body, decoded
//! bare and inside each list/wrapper shape. A decoded model must also read
//! back what it writes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/hostile_decode/oracle.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    if let Some((&selector, body)) = data.split_first() {
        oracle::model_by_index(usize::from(selector), body);
    }
});
