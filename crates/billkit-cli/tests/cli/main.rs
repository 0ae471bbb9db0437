//! The `billkit` binary, run as a user runs it, against in-process sandboxes:
//! credentials through the child's environment, outputs compared exactly.

mod common;
mod conventions;
mod decrypt;
mod export;
mod reconcile;
