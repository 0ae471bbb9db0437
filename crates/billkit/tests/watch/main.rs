//! Waiters and change feeds (`billkit::watch`) against the sandboxes, on
//! manual time: every pause is counted, none is waited.

mod billmora;
mod billpro;
mod billy;
mod common;
mod cost;
mod lists;
mod pacing;
mod waiters;
