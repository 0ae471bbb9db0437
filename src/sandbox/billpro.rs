//! The billpro fake.
