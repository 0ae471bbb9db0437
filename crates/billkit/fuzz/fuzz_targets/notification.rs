//! A BillPro payment notification from the wire: arbitrary IV, tag and
//! body through decrypt, sealed arbitrary plaintexts that must open exactly
//! and refuse any change, and arbitrary decrypted JSON through the typed
//! parse. The checks are `tests/notifications/oracle.rs`, shared with the
//! property tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/notifications/oracle.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    oracle::check(data);
});
