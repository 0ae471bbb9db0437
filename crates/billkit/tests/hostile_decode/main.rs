//! Hostile input for every decoder and error-body parser: arbitrary bytes and
//! mutated fixtures must give `Ok` or `Err`, never a panic; money is exact
//! or an error; a decoded model reads back what it writes.
//!
//! The checks live in `oracle.rs`, shared with the fuzz targets in `fuzz/`.
//! Each property runs a few hundred cases so the whole target stays well
//! under a minute in CI; the fuzz targets run the same checks for longer.

mod error_bodies;
mod fixtures;
mod models;
mod money;
mod oracle;

use proptest::test_runner::Config;

/// Cases per property: enough to catch the known defects every run, small
/// enough for CI.
pub fn config(cases: u32) -> Config {
    Config {
        cases,
        // Shrinking a failure should not take minutes.
        max_shrink_iters: 2_000,
        // Reproducers are kept as named tests instead of regression files.
        failure_persistence: None,
        ..Config::default()
    }
}
