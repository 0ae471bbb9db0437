//! The money adapters (`decimal`, `decimal_opt`, `decimal_number`, `Cents`)
//! on an arbitrary JSON scalar: never a panic, and a successful parse is the
//! exact number sent (set `BILLKIT_FUZZ_TOLERATE_ROUNDING=1` to let through
//! the known rounding of numbers a `Decimal` cannot hold).
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
