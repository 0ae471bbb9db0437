//! The money adapters (`decimal`, `decimal_opt`, `decimal_number`, `Cents`,
//! and Billmora's `two_places`, `two_places_opt`, `two_places_number`,
//! `at_least_two_places_opt`) on an arbitrary JSON scalar: never a panic; an
//! exact adapter's parse is the exact number sent; a two-place one reads
//! float noise as its cents, refuses anything further off, and writes two
//! places.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/hostile_decode/oracle.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        oracle::money(text);
        // The same text as a JSON string, as BillPro and Billmora send it.
        if let Ok(quoted) = serde_json::to_string(text) {
            oracle::money(&quoted);
        }
    }
});
