//! The billy API client.
