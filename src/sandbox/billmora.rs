//! The billmora fake.
