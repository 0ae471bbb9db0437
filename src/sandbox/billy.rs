//! The billy fake.
