//! Placeholder until its API client lands.
fn main() {}
